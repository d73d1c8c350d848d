//! The schedule's sections other than payments: cover, outcomes, cohorts, funnels, targets,
//! measures and monitoring. Each writes its body under the `h2` that `document` writes.

use super::chart::{self, people};
use super::words;
use super::writer::Html;
use crate::ast::{Level, Question, StageKind};
use crate::model::{Contract, Funnel, Measure, Stage, StageTimeline};
use crate::source::Str;
use crate::value::{group_thousands, Date};

pub fn funnel_id(id: &str) -> String {
    format!("funnel-{id}")
}

/// The funnels, for the contents list; none when there is only one.
pub fn funnel_contents(contract: &Contract) -> Vec<(String, String)> {
    if contract.funnels.len() < 2 {
        return Vec::new();
    }
    contract
        .funnels
        .iter()
        .map(|f| (funnel_id(&f.id), f.description.to_string()))
        .collect()
}

fn outcome_id(id: &str) -> String {
    format!("outcome-{id}")
}

fn target_id(id: &str) -> String {
    format!("target-{id}")
}

fn measure_id(id: &str) -> String {
    format!("measure-{id}")
}

fn cohort_id(id: &str) -> String {
    format!("cohort-{id}")
}

/// `<time datetime="2009-04-01">2009-04-01</time>`
fn date(html: &mut Html, date: Date) {
    let iso = date.to_string();
    html.element("time", &[("datetime", &iso)], &iso);
}

/// How a column's cells are aligned: figures to the right, so that digits line up.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Text,
    Number,
}

/// `<thead>` with one row of column headers.
pub(crate) fn head(html: &mut Html, columns: &[(&str, Align)]) {
    html.raw("<thead><tr>");
    for (label, align) in columns {
        match align {
            Align::Text => html.element("th", &[("scope", "col")], label),
            Align::Number => html.element("th", &[("scope", "col"), ("class", "num")], label),
        }
    }
    html.raw("</tr></thead>\n");
}

pub(crate) fn num_cell(html: &mut Html, text: &str) {
    html.element("td", &[("class", "num")], text);
}

/// A cell with text, or an em dash when there is none.
pub(crate) fn cell(html: &mut Html, text: Option<&str>) {
    html.element("td", &[], text.unwrap_or("—"));
}

/// Where a note goes: a paragraph of its own, or a new line in a table cell.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Placement {
    Paragraph,
    InCell,
}

/// `From the shared framework framework/outcomes.outcome`, for something a contract uses from
/// another file.
fn shared_from(html: &mut Html, placement: Placement, from: Option<&str>) {
    let Some(file) = from else {
        return;
    };
    match placement {
        Placement::Paragraph => html.raw("<p class=\"note\">"),
        Placement::InCell => html.raw("<br><span class=\"note\">"),
    }
    html.raw("From the shared framework ");
    html.element("code", &[], file);
    match placement {
        Placement::Paragraph => html.raw("</p>\n"),
        Placement::InCell => html.raw("</span>"),
    }
}

/// When a stage can be reached, in words.
fn time_cell(html: &mut Html, funnel: &Funnel, stage: &Stage) {
    html.element("td", &[], &words::stage_when(funnel, stage));
}

/// A link to the outcome with this name, by its statement.
fn outcome_link(html: &mut Html, contract: &Contract, id: &str) {
    let statement = contract.outcome(id).map_or(id, |o| o.statement.as_str());
    html.element("a", &[("href", &format!("#{}", outcome_id(id)))], statement);
}

/// Links separated by line breaks, or an em dash when there are none.
fn link_list(html: &mut Html, ids: &[Str], none: &str, mut link: impl FnMut(&mut Html, &str)) {
    if ids.is_empty() {
        html.text(none);
        return;
    }
    for (index, id) in ids.iter().enumerate() {
        if index > 0 {
            html.raw("<br>");
        }
        link(html, id);
    }
}

// ---------------------------------------------------------------------------------------------
// cover

pub fn cover(html: &mut Html, contract: &Contract) {
    html.raw("<header class=\"cover\" id=\"cover\">\n");
    html.raw("<p class=\"eyebrow\">Outcome-based contract · Schedule</p>\n");
    html.element("h1", &[], &contract.title);
    html.nl();
    html.raw("<dl class=\"parties\">\n");
    party(
        html,
        words::plural(
            "Commissioner",
            "Commissioners",
            contract.commissioners.len(),
        ),
        &contract.commissioners,
    );
    party(
        html,
        words::plural("Provider", "Providers", contract.providers.len()),
        &contract.providers,
    );
    html.raw("<div><dt>Contract term</dt><dd>");
    date(html, contract.term.start);
    html.raw(" to ");
    date(html, contract.term.end);
    html.raw("</dd></div>\n");
    if let Some(referrals) = contract.referrals {
        html.raw("<div><dt>Referrals accepted</dt><dd>");
        date(html, referrals.from);
        html.raw(" to ");
        date(html, referrals.until);
        html.raw("</dd></div>\n");
    }
    if !contract.funnels.is_empty() {
        html.raw("<div><dt>Referrals planned</dt><dd>");
        html.text(&words::referral_profile_short(contract));
        html.raw("</dd></div>\n");
    }
    html.raw("<div><dt>Funding limit</dt><dd>");
    html.text(&contract.funding_limit.to_string());
    html.raw(" <span class=\"note\">(");
    html.text(&contract.currency);
    html.raw(")</span></dd></div>\n</dl>\n");

    glance(html, contract);

    if !contract.boundaries.is_empty() {
        html.raw("<h2 id=\"boundaries-heading\">Scope and boundaries</h2>\n");
        html.raw("<ul class=\"boundaries\" aria-labelledby=\"boundaries-heading\">\n");
        for boundary in &contract.boundaries {
            html.element("li", &[], boundary);
            html.nl();
        }
        html.raw("</ul>\n");
    }
    html.raw("</header>\n");
}

fn party(html: &mut Html, label: &'static str, names: &[Str]) {
    if names.is_empty() {
        return;
    }
    html.raw("<div>");
    html.element("dt", &[], label);
    html.raw("<dd>");
    if let [one] = names {
        html.text(one);
    } else {
        html.raw("<ul class=\"plain\">");
        for name in names {
            html.element("li", &[], name);
        }
        html.raw("</ul>");
    }
    html.raw("</dd></div>\n");
}

/// The money at a glance: four cards a board reads first.
fn glance(html: &mut Html, contract: &Contract) {
    let figures = &contract.figures;
    html.raw("<h2 id=\"glance-heading\">At a glance</h2>\n");
    html.raw("<ul class=\"cards\" aria-labelledby=\"glance-heading\">\n");
    let binding: Vec<String> = figures
        .binding_caps
        .iter()
        .map(|c| words::cap_in_text(*c).to_string())
        .collect();
    let exposure_detail = if binding.is_empty() {
        "The most the contract can pay".to_string()
    } else {
        format!(
            "The most the contract can pay; limited by {}",
            words::and_list(&binding)
        )
    };
    card(
        html,
        "Funding limit",
        &contract.funding_limit.to_string(),
        "The budget available",
    );
    card(
        html,
        "Maximum exposure",
        &figures.maximum_exposure.to_string(),
        &exposure_detail,
    );
    card(
        html,
        "Headroom",
        &figures.headroom.to_string(),
        "Funding limit less maximum exposure",
    );
    card(
        html,
        "Planned total cost",
        &figures.planned_total_cost.to_string(),
        "If every funnel runs to plan",
    );
    html.raw("</ul>\n");
}

fn card(html: &mut Html, label: &str, value: &str, detail: &str) {
    html.raw("<li class=\"card\">");
    html.element("span", &[("class", "label")], label);
    html.element("span", &[("class", "value")], value);
    html.element("span", &[("class", "detail")], detail);
    html.raw("</li>\n");
}

// ---------------------------------------------------------------------------------------------
// outcomes

pub fn outcomes(html: &mut Html, contract: &Contract) {
    html.raw("<p class=\"lede\">The changes the contract is buying, and why they matter.</p>\n");
    for outcome in &contract.outcomes {
        let heading = format!("{}-heading", outcome_id(&outcome.id));
        html.open(
            "article",
            &[
                ("class", "outcome"),
                ("id", &outcome_id(&outcome.id)),
                ("aria-labelledby", &heading),
            ],
        );
        html.nl();
        html.element("h3", &[("id", &heading)], &outcome.statement);
        html.nl();
        let class = match outcome.level {
            Level::Population => "badge population",
            Level::Service => "badge service",
        };
        html.raw("<p>");
        html.element("span", &[("class", class)], words::level(outcome.level));
        html.raw(" <span class=\"note\">");
        html.text(words::level_note(
            outcome.level,
            !outcome.tracked_by.is_empty(),
        ));
        html.raw("</span></p>\n");
        shared_from(html, Placement::Paragraph, outcome.from.as_deref());
        if let Some(why) = &outcome.why {
            html.raw("<p><strong>Why it matters:</strong> ");
            html.text(why);
            html.raw("</p>\n");
        }
        html.raw("<dl class=\"links\">\n<dt>Achieved by</dt><dd>");
        link_list(
            html,
            &outcome.achieved_by,
            "No target of this contract",
            |html, id| {
                let description = words::find_stage(contract, id)
                    .map_or(id, |(_, stage)| stage.description.as_str());
                html.element(
                    "a",
                    &[("href", &format!("#{}", target_id(id)))],
                    description,
                );
            },
        );
        html.raw("</dd>\n<dt>Tracked by</dt><dd>");
        link_list(
            html,
            &outcome.tracked_by,
            "No measure of this contract",
            |html, id| {
                let description = words::measure_name(contract, id);
                html.element(
                    "a",
                    &[("href", &format!("#{}", measure_id(id)))],
                    description,
                );
            },
        );
        html.raw("</dd>\n</dl>\n</article>\n");
    }
}

// ---------------------------------------------------------------------------------------------
// cohorts

pub fn cohorts(html: &mut Html, contract: &Contract) {
    html.raw("<table>\n<caption>The people the service is for</caption>\n");
    head(
        html,
        &[
            ("Cohort", Align::Text),
            ("People", Align::Number),
            ("Eligibility", Align::Text),
        ],
    );
    html.raw("<tbody>\n");
    for cohort in &contract.cohorts {
        html.open("tr", &[("id", &cohort_id(&cohort.id))]);
        html.raw("<th scope=\"row\">");
        html.text(&cohort.description);
        shared_from(html, Placement::InCell, cohort.from.as_deref());
        html.raw("</th>");
        num_cell(html, &cohort.size.map_or("—".to_string(), people));
        cell(html, cohort.eligibility.as_deref());
        html.raw("</tr>\n");
    }
    html.raw("</tbody>\n</table>\n");
}

// ---------------------------------------------------------------------------------------------
// funnels

pub fn funnels(html: &mut Html, contract: &Contract) {
    html.raw(
        "<p class=\"lede\">Each funnel follows a cohort through its milestones, in order, to the \
         performance target. The conversion factor is the share of the people at one milestone \
         expected to reach the next.</p>\n",
    );
    for funnel in &contract.funnels {
        funnel_section(html, contract, funnel);
    }
}

fn funnel_section(html: &mut Html, contract: &Contract, funnel: &Funnel) {
    let id = funnel_id(&funnel.id);
    let heading = format!("{id}-heading");
    html.open("section", &[("id", &id), ("aria-labelledby", &heading)]);
    html.nl();
    html.element("h3", &[("id", &heading)], &funnel.description);
    html.nl();
    html.raw("<p class=\"note\">For ");
    html.element(
        "a",
        &[("href", &format!("#{}", cohort_id(&funnel.cohort)))],
        &words::mid_sentence(words::cohort_name(contract, &funnel.cohort)),
    );
    html.raw(": ");
    html.text(&people(funnel.entering()));
    html.raw(" entering.</p>\n");
    html.raw("<figure class=\"chart\">\n");
    chart::funnel(html, contract, funnel);
    html.raw("<figcaption>");
    html.text(&format!(
        "Customer funnel: {}. The milestone table below states the same numbers.",
        funnel.description
    ));
    html.raw("</figcaption>\n</figure>\n");
    milestone_table(html, funnel);
    html.raw("</section>\n");
}

fn milestone_table(html: &mut Html, funnel: &Funnel) {
    html.open(
        "table",
        &[
            ("id", &chart::table_id(&funnel.id)),
            ("class", "milestones"),
        ],
    );
    html.nl();
    html.raw("<caption>");
    html.text(&format!("Milestones: {}", funnel.description));
    html.raw(
        "<span class=\"caption-note\">Stated: the conversion factor the contract writes. \
         Computed: people at this stage ÷ people at the stage it follows. Overall: people at \
         this stage ÷ people entering the funnel.</span></caption>",
    );
    html.nl();
    html.raw(
        "<thead><tr>\
         <th scope=\"col\" rowspan=\"2\">Stage</th>\
         <th scope=\"col\" rowspan=\"2\" class=\"num\">Expected</th>\
         <th scope=\"colgroup\" colspan=\"3\" class=\"group\">Conversion</th>\
         <th scope=\"col\" rowspan=\"2\">When</th>\
         <th scope=\"col\" rowspan=\"2\">Evidence</th>\
         <th scope=\"col\" rowspan=\"2\" class=\"num\">Price</th></tr>\n\
         <tr><th scope=\"col\" class=\"num\">Stated</th>\
         <th scope=\"col\" class=\"num\">Computed</th>\
         <th scope=\"col\" class=\"num\">Overall</th></tr></thead>\n",
    );
    html.raw("<tbody>\n");
    for (index, stage) in funnel.stages.iter().enumerate() {
        milestone_row(html, funnel, index, stage);
    }
    html.raw("</tbody>\n</table>\n");
}

/// `After stages 1 and 2`, when a stage does not simply follow the one written before it.
fn follows(funnel: &Funnel, index: usize) -> Option<String> {
    let stage = funnel.stages.get(index)?;
    let previous = index.checked_sub(1).and_then(|i| funnel.stages.get(i));
    match (stage.after.as_slice(), previous) {
        ([], _) => None,
        ([one], Some(previous)) if *one == previous.id => None,
        (after, _) => {
            let numbers: Vec<String> = after
                .iter()
                .filter_map(|id| funnel.position(id))
                .map(|i| (i + 1).to_string())
                .collect();
            let label = if numbers.len() == 1 {
                "After stage"
            } else {
                "After stages"
            };
            Some(format!("{label} {}", words::and_list(&numbers)))
        }
    }
}

fn milestone_row(html: &mut Html, funnel: &Funnel, index: usize, stage: &Stage) {
    let number = index + 1;
    let target = stage.kind == StageKind::Target;
    if target {
        html.raw("<tr class=\"is-target\">");
    } else {
        html.raw("<tr>");
    }
    html.raw("<th scope=\"row\">");
    html.text(&format!("{number}. {}", stage.description));
    if target {
        html.raw("<br><span class=\"badge target\">Target</span>");
    }
    if let Some(after) = follows(funnel, index) {
        html.raw("<br><span class=\"note\">");
        html.text(&after);
        html.raw("</span>");
    }
    if !stage.eligible.is_empty() {
        let conditions: Vec<String> = stage.eligible.iter().map(words::eligibility).collect();
        html.raw("<br><span class=\"note\">");
        html.text(&format!("Counts only if {}", words::and_list(&conditions)));
        html.raw("</span>");
    }
    html.raw("</th>");
    num_cell(html, &people(stage.expected));
    num_cell(
        html,
        &stage
            .stated_conversion
            .map_or("—".to_string(), |p| p.to_string()),
    );
    num_cell(
        html,
        &stage.conversion.map_or("—".to_string(), |p| p.to_string()),
    );
    num_cell(html, &stage.overall_conversion.to_string());
    time_cell(html, funnel, stage);
    cell(html, stage.evidence.as_deref());
    num_cell(
        html,
        &stage.price.map_or("—".to_string(), |p| p.to_string()),
    );
    html.raw("</tr>\n");
}

// ---------------------------------------------------------------------------------------------
// performance targets

pub fn targets(html: &mut Html, contract: &Contract) {
    html.raw(
        "<p class=\"lede\">The specific, verifiable changes the provider is held to. Unit cost \
         is computed on the target: the planned total cost divided by the people expected to \
         achieve it.</p>\n",
    );
    html.raw("<table>\n<caption>Performance targets and what they achieve</caption>\n");
    head(
        html,
        &[
            ("Target", Align::Text),
            ("Expected", Align::Number),
            ("Overall conversion", Align::Number),
            ("When", Align::Text),
            ("Achieves", Align::Text),
            ("Evidence", Align::Text),
            ("Unit cost", Align::Number),
        ],
    );
    html.raw("<tbody>\n");
    // Each target's unit cost by funnel and target, found once (the first, as a search would).
    let mut unit_costs: foldhash::HashMap<(&str, &str), _> = foldhash::HashMap::default();
    for u in &contract.figures.unit_cost_per_target {
        unit_costs
            .entry((u.funnel.as_str(), u.target.as_str()))
            .or_insert(u);
    }
    for funnel in &contract.funnels {
        for stage in funnel.stages.iter().filter(|s| s.kind == StageKind::Target) {
            html.open("tr", &[("id", &target_id(&stage.id))]);
            html.raw("<th scope=\"row\">");
            html.text(&stage.description);
            html.raw("<br><span class=\"note\">");
            html.text(&funnel.description);
            html.raw("</span></th>");
            num_cell(html, &people(stage.expected));
            num_cell(html, &stage.overall_conversion.to_string());
            time_cell(html, funnel, stage);
            html.raw("<td>");
            link_list(html, &stage.achieves, "—", |html, id| {
                outcome_link(html, contract, id);
            });
            html.raw("</td>");
            cell(html, stage.evidence.as_deref());
            let unit_cost = unit_costs
                .get(&(funnel.id.as_str(), stage.id.as_str()))
                .map_or("—".to_string(), |u| u.unit_cost.to_string());
            num_cell(html, &unit_cost);
            html.raw("</tr>\n");
        }
    }
    html.raw("</tbody>\n</table>\n");
}

// ---------------------------------------------------------------------------------------------
// planned timeline

pub fn timeline(html: &mut Html, contract: &Contract) {
    html.raw(
        "<p class=\"lede\">When the plan expects people to reach each stage, and how many in \
         each contract year (years count from the first day of the term). ",
    );
    html.text(&words::referral_profile(contract));
    html.raw(
        " Each participant is planned to reach a stage at the time the contract expects, else \
         at its earliest time, else at the end of its window, and never before the stages it \
         follows.",
    );
    if super::payments::has_quarters(contract) {
        html.raw(
            " The payments this plan sets off are in \
             <a href=\"#payments-by-quarter\">Planned payments by quarter</a>.",
        );
    }
    html.raw("</p>\n");
    let planned: foldhash::HashMap<(&str, &str), &StageTimeline> = contract
        .figures
        .timeline
        .stages
        .iter()
        .map(|s| ((&*s.funnel, s.stage.as_str()), s))
        .collect();
    let after_term = contract
        .figures
        .timeline
        .stages
        .iter()
        .any(|s| s.after_term > 0);
    for funnel in &contract.funnels {
        timeline_table(html, contract, funnel, &planned, after_term);
    }
}

fn timeline_table(
    html: &mut Html,
    contract: &Contract,
    funnel: &Funnel,
    planned: &foldhash::HashMap<(&str, &str), &StageTimeline>,
    after_term: bool,
) {
    let years = &contract.figures.by_year;
    html.open(
        "table",
        &[
            ("id", &format!("timeline-{}", funnel.id)),
            ("class", "timeline"),
        ],
    );
    html.nl();
    html.raw("<caption>");
    html.text(&format!(
        "When people reach each stage: {}",
        funnel.description
    ));
    html.raw(
        "<span class=\"caption-note\">First and last: the planned dates for someone referred on \
         the first and on the last day of referrals. Then the people planned to reach the stage \
         in each contract year.</span></caption>",
    );
    html.nl();
    html.raw("<thead><tr><th scope=\"col\">Stage</th><th scope=\"col\">When</th>");
    html.raw("<th scope=\"col\">First</th><th scope=\"col\">Last</th>");
    for year in years {
        html.open(
            "th",
            &[
                ("scope", "col"),
                ("class", "num"),
                ("title", &format!("{} to {}", year.start, year.end)),
            ],
        );
        html.text(&format!("Year {}", year.year));
        html.close("th");
    }
    if after_term {
        html.raw("<th scope=\"col\" class=\"num\">After the term</th>");
    }
    html.raw("<th scope=\"col\" class=\"num\">Expected</th></tr></thead>\n<tbody>\n");
    for (index, stage) in funnel.stages.iter().enumerate() {
        if stage.kind == StageKind::Target {
            html.raw("<tr class=\"is-target\">");
        } else {
            html.raw("<tr>");
        }
        html.element(
            "th",
            &[("scope", "row")],
            &format!("{}. {}", index + 1, stage.description),
        );
        time_cell(html, funnel, stage);
        match planned.get(&(funnel.id.as_str(), stage.id.as_str())) {
            Some(timeline) => {
                html.raw("<td class=\"nowrap\">");
                date(html, timeline.first);
                html.raw("</td><td class=\"nowrap\">");
                date(html, timeline.last);
                html.raw("</td>");
                for people in &timeline.by_year {
                    num_cell(html, &group_thousands(u128::from(*people)));
                }
                if after_term {
                    num_cell(html, &group_thousands(u128::from(timeline.after_term)));
                }
            }
            None => {
                let columns = 2 + years.len() + usize::from(after_term);
                for _ in 0..columns {
                    cell(html, None);
                }
            }
        }
        num_cell(html, &group_thousands(u128::from(stage.expected)));
        html.raw("</tr>\n");
    }
    html.raw("</tbody>\n</table>\n");
}

// ---------------------------------------------------------------------------------------------
// measures

/// The order measures are grouped in: the question that matters most first.
const QUESTIONS: [Question; 3] = [Question::BetterOff, Question::HowWell, Question::HowMuch];

pub fn measures(html: &mut Html, contract: &Contract) {
    html.raw(
        "<p class=\"lede\">What is measured, who collects it, how and when, grouped by the \
         three performance-measure questions. “Is anyone better off?” matters most.</p>\n",
    );
    for question in QUESTIONS {
        let group: Vec<&Measure> = contract
            .measures
            .iter()
            .filter(|m| m.question == question)
            .collect();
        if group.is_empty() {
            continue;
        }
        html.element("h3", &[], words::question(question));
        html.nl();
        html.raw("<table class=\"measures\">\n");
        html.element(
            "caption",
            &[("class", "visually-hidden")],
            &format!("Measures answering “{}”", words::question(question)),
        );
        html.nl();
        head(
            html,
            &[
                ("Measure", Align::Text),
                ("Unit", Align::Text),
                ("Collected by", Align::Text),
                ("Method", Align::Text),
                ("Frequency", Align::Text),
                ("Baseline", Align::Number),
                ("Target", Align::Number),
            ],
        );
        html.raw("<tbody>\n");
        for measure in group {
            measure_row(html, contract, measure);
        }
        html.raw("</tbody>\n</table>\n");
    }
}

fn measure_row(html: &mut Html, contract: &Contract, measure: &Measure) {
    html.open("tr", &[("id", &measure_id(&measure.id))]);
    html.raw("<th scope=\"row\">");
    html.text(&measure.description);
    if !measure.tracks.is_empty() {
        html.raw("<br><span class=\"note\">Tracks: ");
        for (index, id) in measure.tracks.iter().enumerate() {
            if index > 0 {
                html.raw("; ");
            }
            outcome_link(html, contract, id);
        }
        html.raw("</span>");
    }
    shared_from(html, Placement::InCell, measure.from.as_deref());
    if let Some(group) = &measure.compared_with {
        html.raw("<br><span class=\"note\">Compared with: ");
        html.text(group);
        html.raw("</span>");
    }
    html.raw("</th>");
    cell(html, measure.unit.as_deref());
    cell(html, measure.collected_by.as_deref());
    cell(html, measure.method.as_deref());
    cell(
        html,
        Some(measure.frequency.map_or("Not stated", words::frequency)),
    );
    num_cell(
        html,
        &measure
            .baseline
            .as_ref()
            .map_or("—".to_string(), |p| words::measure_point(p, "in")),
    );
    num_cell(
        html,
        &measure
            .target
            .as_ref()
            .map_or("—".to_string(), |p| words::measure_point(p, "by")),
    );
    html.raw("</tr>\n");
}

// ---------------------------------------------------------------------------------------------
// monitoring

pub fn monitoring(html: &mut Html, contract: &Contract) {
    let Some(monitoring) = &contract.monitoring else {
        return;
    };
    html.raw(
        "<p class=\"lede\">How the commissioner follows the contract: regular data and \
         exception reports, so that the service can correct course quickly rather than at the \
         end of the year.</p>\n",
    );
    html.raw("<dl class=\"monitoring\">\n");
    if monitoring.returns.is_some() || !monitoring.sources.is_empty() {
        html.raw("<dt>Data returns</dt><dd>");
        if let Some(frequency) = monitoring.returns {
            html.text(words::frequency(frequency));
        }
        if !monitoring.sources.is_empty() {
            html.text(if monitoring.returns.is_some() {
                ", from "
            } else {
                "From "
            });
            html.text(&words::and_list(&monitoring.sources));
        }
        html.raw("</dd>\n");
    }
    if let Some(frequency) = monitoring.exception_report {
        html.raw("<dt>Exception reports</dt><dd>");
        html.text(words::frequency(frequency));
        html.raw("</dd>\n");
    }
    if let Some(frequency) = monitoring.review {
        html.raw("<dt>Review meetings</dt><dd>");
        html.text(words::frequency(frequency));
        html.raw("</dd>\n");
    }
    html.raw("<dt>Tolerance</dt><dd>");
    html.text(&match monitoring.tolerance {
        Some(tolerance) => format!(
            "A stage more than {tolerance} behind its planned profile is an exception in the \
             monitoring report, and one more than {tolerance} ahead of it is warned of"
        ),
        None => "None set: a stage behind its planned profile by any amount is an exception \
                 in the monitoring report, and one ahead of it by any amount is warned of"
            .to_string(),
    });
    html.raw("</dd>\n");
    html.raw("</dl>\n");
}
