//! The payment schedule: how money follows results, and the figures it implies.
//!
//! The section is a list of subsections, each written only when the contract has something
//! for it and each listed in the contents. A new kind of payment rule in the model becomes one
//! more entry in `SUBSECTIONS` with its own function; nothing else changes.

use super::cash_flow;
use super::chart::people;
use super::sections::{cell, head, num_cell, Align};
use super::words;
use super::writer::Html;
use crate::ast::{CapScope, IncentiveKind};
use crate::model::{Contract, GroupRow, TierSchedule};

struct Subsection {
    id: &'static str,
    title: &'static str,
    present: fn(&Contract) -> bool,
    write: fn(&mut Html, &Contract),
}

/// In reading order: what is paid (per result, per participant, regardless of results), what
/// adjusts it (deadweight, bonuses, penalties, tiers), what limits it, who pays, and then the
/// figures.
const SUBSECTIONS: &[Subsection] = &[
    Subsection {
        id: "rate-card",
        title: "Rate card",
        present: |c| !c.payments.prices.is_empty(),
        write: rate_card,
    },
    Subsection {
        id: "alternatives",
        title: "Alternatives paid once",
        present: |c| !c.payments.exclusive.is_empty(),
        write: alternatives,
    },
    Subsection {
        id: "attachment",
        title: "Attachment fee",
        present: |c| c.payments.attachment.is_some(),
        write: attachment,
    },
    Subsection {
        id: "fixed-fees",
        title: "Fixed fees",
        present: |c| !c.payments.fixed_fees.is_empty(),
        write: fixed_fees,
    },
    Subsection {
        id: "deadweight",
        title: "Deadweight",
        present: |c| c.payments.deadweight.is_some(),
        write: deadweight,
    },
    Subsection {
        id: "participant-limits",
        title: "Participants paid for",
        present: |c| !c.payments.participant_limits.is_empty(),
        write: participant_limits,
    },
    Subsection {
        id: "incentives",
        title: "Bonuses and penalties",
        present: |c| !c.payments.incentives.is_empty(),
        write: incentives,
    },
    Subsection {
        id: "tiers",
        title: "Payments on a measure",
        present: |c| !c.payments.tiers.is_empty(),
        write: tiers,
    },
    Subsection {
        id: "caps",
        title: "Caps",
        present: |c| !c.payments.caps.is_empty(),
        write: caps,
    },
    Subsection {
        id: "payers",
        title: "Who pays",
        present: |c| !c.payments.payers.is_empty(),
        write: payers,
    },
    Subsection {
        id: "groups",
        title: "Payments by group",
        present: |c| !c.payments.groups.is_empty(),
        write: groups,
    },
    Subsection {
        id: "figures",
        title: "What the contract costs",
        present: |_| true,
        write: figures,
    },
    Subsection {
        id: "overlap",
        title: "Who reaches what: the plan's assumption",
        present: |c| !c.funnels.is_empty(),
        write: overlap,
    },
    Subsection {
        id: "by-year",
        title: "Planned payments by contract year",
        present: |c| c.figures.by_year.len() > 1,
        write: by_year,
    },
    Subsection {
        id: "by-quarter",
        title: "Planned payments by quarter",
        present: has_quarters,
        write: by_quarter,
    },
    Subsection {
        id: "per-participant",
        title: "Most one participant can earn",
        present: |c| !c.figures.per_participant.is_empty(),
        write: per_participant,
    },
    Subsection {
        id: "unit-costs",
        title: "Unit costs",
        present: |c| {
            !c.figures.unit_cost_per_target.is_empty()
                || c.figures.unit_cost_per_participant.is_some()
        },
        write: unit_costs,
    },
    Subsection {
        id: "worked-example",
        title: "Worked example",
        present: |_| true,
        write: worked_example,
    },
];

fn subsection_id(subsection: &Subsection) -> String {
    format!("payments-{}", subsection.id)
}

/// The subsections present, as (anchor, title), for the contents list.
pub fn contents(contract: &Contract) -> Vec<(String, String)> {
    SUBSECTIONS
        .iter()
        .filter(|s| (s.present)(contract))
        .map(|s| (subsection_id(s), s.title.to_string()))
        .collect()
}

pub fn schedule(html: &mut Html, contract: &Contract) {
    html.raw(
        "<p class=\"lede\">How money follows results: what is paid for each result, what is \
         paid regardless, what adjusts and limits the payments, and what that means for the \
         budget.</p>\n",
    );
    for subsection in SUBSECTIONS.iter().filter(|s| (s.present)(contract)) {
        let id = subsection_id(subsection);
        let heading = format!("{id}-heading");
        html.open("section", &[("id", &id), ("aria-labelledby", &heading)]);
        html.nl();
        html.element("h3", &[("id", &heading)], subsection.title);
        html.nl();
        (subsection.write)(html, contract);
        html.raw("</section>\n");
    }
}

/// Stage descriptions in running text: `“Job started”`.
fn quoted_stage(contract: &Contract, id: &str) -> String {
    let description = words::find_stage(contract, id).map_or(id, |(_, s)| s.description.as_str());
    format!("“{description}”")
}

fn rate_card(html: &mut Html, contract: &Contract) {
    html.raw(
        "<p>A payment is made once for each participant who reaches the stage, on the evidence \
         the funnel names.</p>\n",
    );
    html.raw("<table>\n<caption>Outcome payments per participant</caption>\n");
    head(
        html,
        &[
            ("Paid when a participant reaches", Align::Text),
            ("Kind", Align::Text),
            ("Funnel", Align::Text),
            ("Due", Align::Text),
            ("Price", Align::Number),
        ],
    );
    html.raw("<tbody>\n");
    for price in &contract.payments.prices {
        let found = contract
            .funnel(&price.funnel)
            .and_then(|f| f.stage(&price.stage).map(|s| (f, s)));
        html.raw("<tr>");
        match found {
            Some((funnel, stage)) => {
                html.raw("<th scope=\"row\">");
                html.text(&stage.description);
                if !stage.eligible.is_empty() {
                    let conditions: Vec<String> =
                        stage.eligible.iter().map(words::eligibility).collect();
                    html.raw("<br><span class=\"note\">");
                    html.text(&format!("Only if {}", words::and_list(&conditions)));
                    html.raw("</span>");
                }
                html.raw("</th>");
                html.element("td", &[], words::stage_kind(stage.kind));
                html.element("td", &[], &funnel.description);
            }
            None => {
                html.element("th", &[("scope", "row")], &price.stage);
                cell(html, None);
                html.element("td", &[], &price.funnel);
            }
        }
        html.element("td", &[], &words::due(price.due));
        num_cell(html, &price.amount.to_string());
        html.raw("</tr>\n");
    }
    html.raw("</tbody>\n</table>\n");
}

fn alternatives(html: &mut Html, contract: &Contract) {
    html.raw("<ul>\n");
    for group in &contract.payments.exclusive {
        let options: Vec<String> = group
            .alternatives
            .iter()
            .map(|bundle| {
                let stages: Vec<String> =
                    bundle.iter().map(|id| quoted_stage(contract, id)).collect();
                if stages.len() == 1 {
                    words::and_list(&stages)
                } else {
                    format!("({})", words::and_list(&stages))
                }
            })
            .collect();
        html.element(
            "li",
            &[],
            &format!(
                "A participant is paid for the richer of {}, never for more than one.",
                options.join(" or ")
            ),
        );
        html.nl();
    }
    html.raw("</ul>\n");
}

fn attachment(html: &mut Html, contract: &Contract) {
    let Some(attachment) = &contract.payments.attachment else {
        return;
    };
    html.raw(
        "<p>Paid for each participant when they join, as a share of the most one participant \
         can earn.</p>\n",
    );
    html.raw(
        "<table>\n<caption>Attachment fee by the contract year a participant joins in</caption>\n",
    );
    head(
        html,
        &[
            ("Participants joining in", Align::Text),
            ("Share of the per-participant maximum", Align::Number),
        ],
    );
    html.raw("<tbody>\n");
    for share in &attachment.shares {
        html.raw("<tr>");
        let year = match share.year {
            Some(year) => format!("Year {year}"),
            None => "Any other year".to_string(),
        };
        html.element("th", &[("scope", "row")], &year);
        num_cell(html, &share.share.to_string());
        html.raw("</tr>\n");
    }
    html.raw("</tbody>\n</table>\n");
}

fn fixed_fees(html: &mut Html, contract: &Contract) {
    html.raw("<table>\n<caption>Fees paid regardless of results</caption>\n");
    head(
        html,
        &[
            ("Fee", Align::Number),
            ("Per", Align::Text),
            ("Paid in", Align::Text),
            ("Periods", Align::Number),
            ("Total", Align::Number),
        ],
    );
    html.raw("<tbody>\n");
    for fee in &contract.payments.fixed_fees {
        html.raw("<tr>");
        html.element(
            "th",
            &[("scope", "row"), ("class", "num")],
            &fee.amount.to_string(),
        );
        html.element("td", &[], words::period(fee.period));
        html.element("td", &[], &words::contract_year(fee.year));
        num_cell(html, &fee.periods.to_string());
        num_cell(html, &fee.total.to_string());
        html.raw("</tr>\n");
    }
    html.raw("</tbody>\n");
    if contract.payments.fixed_fees.len() > 1 {
        html.raw("<tfoot><tr><th scope=\"row\" colspan=\"4\">All fixed fees over the term</th>");
        num_cell(html, &contract.figures.fixed_fees.to_string());
        html.raw("</tr></tfoot>\n");
    }
    html.raw("</table>\n");
}

fn deadweight(html: &mut Html, contract: &Contract) {
    let Some(deadweight) = &contract.payments.deadweight else {
        return;
    };
    html.element(
        "p",
        &[],
        &format!(
            "{} in every {} outcomes is treated as deadweight, a result that would have happened \
             without the service, and is not paid for. The discount applies to outcome payments \
             after the per-participant cap.",
            deadweight.discounted, deadweight.of
        ),
    );
    html.nl();
}

/// Each participant limit in words, with its effect at the maximum and at plan (model figures).
fn participant_limits(html: &mut Html, contract: &Contract) {
    for limit in &contract.payments.participant_limits {
        let name = words::cohort_name(contract, &limit.cohort);
        let maximum = contract
            .figures
            .per_participant
            .iter()
            .find(|m| m.cohort == limit.cohort);
        let share = match (limit.in_every, maximum.and_then(|m| m.participants)) {
            (Some(every), Some(size)) => format!(
                " ({} in every {every} of its {})",
                count(limit.most),
                count(size)
            ),
            _ => String::new(),
        };
        let mut text = format!(
            "Results are paid for at most {} participants of {name}{share}: the first to reach \
             a payable result, in order of that date (ties by participant reference), are paid \
             in full; later participants are paid nothing. Unlike a deadweight discount, no \
             payment is cut in part.",
            count(limit.paid)
        );
        if let Some(m) = maximum {
            text.push_str(&format!(
                " The maximum counts {} participants at {} each. At plan {} participants are \
                 expected to earn something and {} of them are paid for.",
                count(limit.paid.min(m.participants.unwrap_or(limit.paid))),
                m.maximum,
                count(m.earning_at_plan),
                count(m.paid_at_plan)
            ));
        }
        html.element("p", &[], &text);
        html.nl();
    }
}

fn incentives(html: &mut Html, contract: &Contract) {
    html.raw("<table>\n<caption>Incentives for beating the plan and disincentives for missing it</caption>\n");
    head(
        html,
        &[
            ("Rule", Align::Text),
            ("Amount", Align::Number),
            ("Applies when", Align::Text),
            ("Assessed", Align::Text),
            ("Most over the term", Align::Number),
        ],
    );
    html.raw("<tbody>\n");
    for incentive in &contract.payments.incentives {
        let class = match incentive.kind {
            IncentiveKind::Bonus => "badge bonus",
            IncentiveKind::Penalty => "badge penalty",
        };
        html.raw("<tr><th scope=\"row\">");
        html.element(
            "span",
            &[("class", class)],
            words::incentive(incentive.kind),
        );
        html.raw("</th>");
        num_cell(html, &words::incentive_amount(incentive.amount));
        html.element(
            "td",
            &[],
            &words::incentive_condition(contract, &incentive.condition, incentive.subject_kind),
        );
        let mut assessed = match incentive.assessed {
            Some(frequency) => words::frequency(frequency).to_string(),
            None => "Once, at the end of the term".to_string(),
        };
        if let Some(year) = incentive.from_year {
            assessed.push_str(&format!(", from year {year}"));
        }
        if incentive.assessed.is_some() {
            let times = if incentive.assessments == 1 {
                "time"
            } else {
                "times"
            };
            assessed.push_str(&format!(" ({} {times})", incentive.assessments));
        }
        html.element("td", &[], &assessed);
        num_cell(html, &incentive.maximum.to_string());
        html.raw("</tr>\n");
    }
    html.raw("</tbody>\n</table>\n");
}

fn tiers(html: &mut Html, contract: &Contract) {
    html.raw(
        "<p>Payments on a cohort-level measure, in steps or per unit of improvement: the \
         higher the improvement, the more is paid.</p>\n",
    );
    for (index, schedule) in contract.payments.tiers.iter().enumerate() {
        if let Some(first) = schedule.either_or.filter(|first| *first != index) {
            either_or_note(html, contract, first);
        }
        tier_table(html, contract, schedule);
    }
}

/// Above an alternative of an either-or trigger: the larger is paid, never both.
fn either_or_note(html: &mut Html, contract: &Contract, first: usize) {
    let Some(first) = contract.payments.tiers.get(first) else {
        return;
    };
    html.raw("<p class=\"note\">");
    html.text(&format!(
        "Or, instead: the schedule below is an alternative to the one on “{}” {} above. \
         The contract pays the larger of the alternatives, never both; the plan and the most \
         the tiers can pay count only the larger.",
        words::measure_name(contract, &first.measure),
        words::tier_scope(first.scope)
    ));
    html.raw("</p>\n");
}

fn tier_table(html: &mut Html, contract: &Contract, schedule: &TierSchedule) {
    let measure = contract.measure(&schedule.measure);
    let name = words::measure_name(contract, &schedule.measure);
    let times = if schedule.evaluations == 1 {
        "once".to_string()
    } else {
        format!("{} times", schedule.evaluations)
    };
    html.raw("<table>\n");
    html.element(
        "caption",
        &[],
        &format!(
            "Tiers on “{name}”, {}, evaluated {times}",
            words::tier_scope(schedule.scope)
        ),
    );
    html.nl();
    head(
        html,
        &[
            ("Measure reaches", Align::Text),
            ("Pays each time", Align::Number),
        ],
    );
    html.raw("<tbody>\n<tr>");
    html.element(
        "th",
        &[("scope", "row")],
        &format!("Below {}", schedule.nothing_below),
    );
    num_cell(html, "Nothing");
    html.raw("</tr>\n");
    for tier in &schedule.tiers {
        html.raw("<tr>");
        html.element("th", &[("scope", "row")], &format!("From {}", tier.from));
        match tier.per_unit_up_to {
            Some(up_to) => num_cell(
                html,
                &format!("{} per unit of improvement, up to {up_to}", tier.pays),
            ),
            None => num_cell(html, &tier.pays.to_string()),
        }
        html.raw("</tr>\n");
    }
    html.raw("</tbody>\n<tfoot>\n<tr><th scope=\"row\">At plan");
    if let Some(target) = measure.and_then(|m| m.target.as_ref()) {
        html.text(&format!(
            " (the measure’s target, {})",
            words::measure_point(target, "by")
        ));
    }
    html.raw("</th>");
    num_cell(html, &schedule.at_plan.to_string());
    html.raw("</tr>\n<tr><th scope=\"row\">The most it can pay</th>");
    num_cell(html, &schedule.maximum.to_string());
    html.raw("</tr>\n</tfoot>\n</table>\n");
}

fn caps(html: &mut Html, contract: &Contract) {
    html.raw("<table>\n<caption>Limits on what the contract pays</caption>\n");
    head(
        html,
        &[
            ("Cap", Align::Text),
            ("Limits", Align::Text),
            ("Amount", Align::Number),
            ("At the maximum", Align::Text),
        ],
    );
    html.raw("<tbody>\n");
    for cap in &contract.payments.caps {
        let binds = contract.figures.binding_caps.contains(&cap.scope);
        html.raw("<tr>");
        html.element("th", &[("scope", "row")], words::cap(cap.scope));
        html.element("td", &[], words::cap_limits(cap.scope));
        num_cell(html, &cap.amount.to_string());
        if binds {
            html.raw("<td><strong>Binds:</strong> lowers the maximum exposure</td>");
        } else {
            html.raw("<td>Does not bind</td>");
        }
        html.raw("</tr>\n");
    }
    html.raw("</tbody>\n</table>\n");
}

fn payers(html: &mut Html, contract: &Contract) {
    html.raw("<table>\n<caption>How the cost is shared between the payers</caption>\n");
    head(
        html,
        &[
            ("Payer", Align::Text),
            ("Share", Align::Number),
            ("Of", Align::Text),
            ("Up to", Align::Number),
            ("At plan", Align::Number),
            ("Share of plan", Align::Number),
            ("At the maximum", Align::Number),
            ("Share of the maximum", Align::Number),
        ],
    );
    html.raw("<tbody>\n");
    // Each payer's figures by name, found once (the first of a name, as a search would).
    let mut by_name: foldhash::HashMap<&str, _> = foldhash::HashMap::default();
    for figures in &contract.figures.by_payer {
        by_name.entry(figures.name.as_str()).or_insert(figures);
    }
    for payer in &contract.payments.payers {
        let figures = by_name.get(payer.name.as_str()).copied();
        html.raw("<tr>");
        html.element("th", &[("scope", "row")], &payer.name);
        num_cell(html, &words::payer_share(&payer.share));
        html.element("td", &[], words::payer_covers(payer));
        num_cell(html, &words::payer_cap(payer));
        let share =
            |s: Option<crate::value::Percent>| s.map_or("—".to_string(), |s| s.to_string());
        num_cell(
            html,
            &figures.map_or("—".to_string(), |f| f.at_plan.to_string()),
        );
        num_cell(html, &share(figures.and_then(|f| f.share_of_plan)));
        num_cell(
            html,
            &figures.map_or("—".to_string(), |f| f.at_maximum.to_string()),
        );
        num_cell(html, &share(figures.and_then(|f| f.share_of_maximum)));
        html.raw("</tr>\n");
    }
    html.raw("</tbody>\n</table>\n");
}

/// The two bounds of the plan: the nested assumption the headline uses, and the same counts
/// spread over as many people as the funnels allow, each with what the per-participant cap
/// cuts.
fn overlap(html: &mut Html, contract: &Contract) {
    let o = &contract.figures.overlap;
    let headline = match o.headline {
        crate::model::Overlap::Nested => "nested",
        crate::model::Overlap::LeastOverlap => "least overlap",
    };
    html.element(
        "p",
        &[],
        &format!(
            "The expected counts say how many people reach each stage, not which. The planned total cost above, the unit costs and the payers’ parts at plan take them {headline}: the people who reach a stage with fewer people expected are among those who reach every stage with more. Without a participant limit, that is the lowest cost the counts allow when a per-participant cap binds, as the fewest people earn the most. Spread as far as the funnels allow (each branch on people its sibling branches do not reach), the cap cuts less and the same counts cost more."
        ),
    );
    html.nl();
    html.raw("<table>\n<caption>The plan on both assumptions</caption>\n");
    head(
        html,
        &[
            ("Figure", Align::Text),
            ("Nested (the headline)", Align::Number),
            ("Least overlap", Align::Number),
        ],
    );
    html.raw("<tbody>\n");
    let rows: [(&str, crate::value::Money, crate::value::Money); 4] = [
        (
            "Outcome payments before the per-participant cap",
            o.nested.outcome_payments_before_cap,
            o.least_overlap.outcome_payments_before_cap,
        ),
        (
            if contract.payments.participant_limits.is_empty() {
                "Cut by the per-participant cap"
            } else {
                "Cut by the per-participant cap and the participant limit"
            },
            o.nested.cut_by_participant_cap,
            o.least_overlap.cut_by_participant_cap,
        ),
        (
            "Outcome payments after every cap",
            o.nested.outcome_payments,
            o.least_overlap.outcome_payments,
        ),
        (
            "Planned total cost",
            o.nested.planned_total_cost,
            o.least_overlap.planned_total_cost,
        ),
    ];
    for (label, nested, least) in rows {
        html.raw("<tr>");
        html.element("th", &[("scope", "row")], label);
        num_cell(html, &nested.to_string());
        num_cell(html, &least.to_string());
        html.raw("</tr>\n");
    }
    html.raw("</tbody>\n</table>\n");
    let (nested, least) = (
        o.nested.planned_total_cost,
        o.least_overlap.planned_total_cost,
    );
    let difference = |minor: i128| crate::value::Money::new(minor, nested.currency);
    let note = match least.minor.cmp(&nested.minor) {
        std::cmp::Ordering::Equal => {
            "Here the two agree: who reaches what does not change the cost.".to_string()
        }
        std::cmp::Ordering::Greater => format!(
            "If the results fall on people as spread out as the funnels allow, the plan costs {} more.",
            difference(least.minor - nested.minor)
        ),
        // Only a participant limit can do this: spread out, more people earn something, and
        // the limit pays for the same number of them.
        std::cmp::Ordering::Less => format!(
            "If the results fall on people as spread out as the funnels allow, the plan costs {} less: more people earn something, and the participant limit pays for the same number of them.",
            difference(nested.minor - least.minor)
        ),
    };
    html.element("p", &[("class", "note")], &note);
    html.nl();
    if !o.least_overlap.counted_nested.is_empty() {
        html.element(
            "p",
            &[("class", "note")],
            &format!(
                "Counted nested on both: {} (a stage follows several stages whose people, spread, have too few in common).",
                o.least_overlap.counted_nested.join(", ")
            ),
        );
        html.nl();
    }
}

/// A table per group of the rate card (its stages, prices and cap), then the sub-totals at
/// plan and at the maximum, adding up to the totals (model figures).
fn groups(html: &mut Html, contract: &Contract) {
    html.raw(
        "<p>The rate card's results by domain. A group's cap limits what its stages pay \
         together, after deadweight and before the cap on outcome payments; a cut that applies \
         to the whole contract is shared between the groups in proportion to what they pay.</p>\n",
    );
    for group in &contract.payments.groups {
        let title = group.title.as_deref().unwrap_or(&group.id);
        html.raw("<table>\n<caption>");
        html.text(title);
        html.raw("</caption>\n");
        head(
            html,
            &[
                ("Paid when a participant reaches", Align::Text),
                ("Price", Align::Number),
            ],
        );
        html.raw("<tbody>\n");
        for stage in &group.stages {
            let price = contract.payments.prices.iter().find(|p| p.stage == stage);
            html.raw("<tr>");
            html.element("th", &[("scope", "row")], &quoted_stage(contract, stage));
            num_cell(
                html,
                &price.map_or("—".to_string(), |p| p.amount.to_string()),
            );
            html.raw("</tr>\n");
        }
        if let Some(cap) = group.cap {
            html.raw("<tr>");
            html.element("th", &[("scope", "row")], "Cap on the group's payments");
            num_cell(html, &cap.to_string());
            html.raw("</tr>\n");
        }
        html.raw("</tbody>\n</table>\n");
    }
    html.raw("<table>\n<caption>Sub-totals by group, adding up to the totals</caption>\n");
    head(
        html,
        &[
            ("Group", Align::Text),
            ("At plan", Align::Number),
            ("At the maximum", Align::Number),
        ],
    );
    html.raw("<tbody>\n");
    for figures in &contract.figures.by_group {
        let capped = match (figures.cap_binds_at_plan, figures.cap_binds_at_maximum) {
            (true, true) => " (capped at plan and at the maximum)",
            (true, false) => " (capped at plan)",
            (false, true) => " (capped at the maximum)",
            (false, false) => "",
        };
        let label = format!("{}{capped}", group_row_name(contract, &figures.row));
        html.raw("<tr>");
        html.element("th", &[("scope", "row")], &label);
        num_cell(html, &figures.at_plan.to_string());
        num_cell(
            html,
            &figures
                .at_maximum
                .map_or("—".to_string(), |m| m.to_string()),
        );
        html.raw("</tr>\n");
    }
    html.raw("<tr>");
    html.element("th", &[("scope", "row")], "Total");
    num_cell(html, &contract.figures.planned_total_cost.to_string());
    num_cell(html, &contract.figures.maximum_exposure.to_string());
    html.raw("</tr>\n</tbody>\n</table>\n");
}

/// A row of the sub-totals by group in words: the group's title, or what the row holds.
fn group_row_name(contract: &Contract, row: &GroupRow) -> String {
    match row {
        GroupRow::Group(id) => {
            let group = contract.payments.groups.iter().find(|g| g.id == id);
            group
                .and_then(|g| g.title.clone())
                .unwrap_or(id.clone())
                .as_str()
                .to_owned()
        }
        GroupRow::NotInAGroup => "Not in a group (and attachment fees)".to_string(),
        GroupRow::NotAPrice => "Fixed fees, bonuses and tier payments".to_string(),
    }
}

fn figures(html: &mut Html, contract: &Contract) {
    let figures = &contract.figures;
    let payments = &contract.payments;
    html.raw("<table class=\"figures\">\n<caption>Computed figures</caption>\n");
    head(
        html,
        &[
            ("Figure", Align::Text),
            ("Amount", Align::Number),
            ("What it means", Align::Text),
        ],
    );
    html.raw("<tbody>\n");
    let row = |html: &mut Html, label: &str, amount: String, meaning: &str| {
        html.raw("<tr>");
        html.element("th", &[("scope", "row")], label);
        num_cell(html, &amount);
        html.element("td", &[], meaning);
        html.raw("</tr>\n");
    };
    row(
        html,
        "Fixed fees over the term",
        figures.fixed_fees.to_string(),
        "Every fixed fee for every period it is paid for.",
    );
    row(
        html,
        "Outcome payments at plan, before caps",
        figures.outcome_payments_at_plan.to_string(),
        "Every funnel runs exactly to plan; each stage reached is paid at its price.",
    );
    row(
        html,
        "Outcome payments at plan, after caps",
        figures.outcome_payments_at_plan_capped.to_string(),
        "The same after the per-participant cap, any deadweight discount and the cap on \
         outcome payments.",
    );
    if !payments.tiers.is_empty() {
        row(
            html,
            "Tier payments at plan",
            figures.tier_payments_at_plan.to_string(),
            "Each tier schedule at its measure’s target value.",
        );
    }
    row(
        html,
        "Planned total cost",
        figures.planned_total_cost.to_string(),
        "Fixed fees plus payments at plan, after every cap, with people reaching the stages nested (see “Who reaches what”).",
    );
    if payments
        .incentives
        .iter()
        .any(|i| i.kind == IncentiveKind::Bonus)
    {
        row(
            html,
            "Most the bonuses can add",
            figures.bonuses_maximum.to_string(),
            "Every bonus earned at every assessment.",
        );
    }
    if !payments.tiers.is_empty() {
        row(
            html,
            "Most the tiers can pay",
            figures.tiers_maximum.to_string(),
            "Every tier schedule at its highest tier.",
        );
    }
    let binding: Vec<String> = figures
        .binding_caps
        .iter()
        .map(|c| words::cap_in_text(*c).to_string())
        .collect();
    let exposure_meaning = if binding.is_empty() {
        "The most the contract can ever pay; no cap lowers it.".to_string()
    } else {
        format!(
            "The most the contract can ever pay, after every cap. Binding: {}.",
            words::and_list(&binding)
        )
    };
    row(
        html,
        "Maximum exposure",
        figures.maximum_exposure.to_string(),
        &exposure_meaning,
    );
    row(
        html,
        "Funding limit",
        contract.funding_limit.to_string(),
        "The budget available for the contract.",
    );
    row(
        html,
        "Headroom",
        figures.headroom.to_string(),
        "Funding limit less maximum exposure: what is left if the contract pays its most.",
    );
    html.raw("</tbody>\n</table>\n");
}

fn by_year(html: &mut Html, contract: &Contract) {
    let years = &contract.figures.by_year;
    // With groups, each year's total by group in rows under it: the rows that hold anything
    // in some year.
    let shown: Vec<usize> = (0..contract.figures.by_group.len())
        .filter(|&i| {
            years
                .iter()
                .any(|y| y.by_group.get(i).is_some_and(|g| g.at_plan.minor != 0))
        })
        .collect();
    html.raw("<table>\n<caption>The planned total cost by the contract year payments fall due in");
    if !shown.is_empty() {
        html.raw(
            "<span class=\"caption-note\">Under each year, its total by group: each group's \
             part of the plan shared over the years by when its own stages are planned to be \
             paid, adding up to the year's total.</span>",
        );
    }
    html.raw("</caption>\n");
    head(
        html,
        &[
            ("Year", Align::Text),
            ("From", Align::Text),
            ("To", Align::Text),
            ("Fixed fees", Align::Number),
            ("Outcome payments", Align::Number),
            ("Total", Align::Number),
        ],
    );
    html.raw("<tbody>\n");
    for year in years {
        html.raw("<tr>");
        html.element("th", &[("scope", "row")], &format!("Year {}", year.year));
        html.element("td", &[], &year.start.to_string());
        html.element("td", &[], &year.end.to_string());
        num_cell(html, &year.fixed_fees.to_string());
        num_cell(html, &year.outcome_payments.to_string());
        num_cell(html, &year.total.to_string());
        html.raw("</tr>\n");
        for group in shown.iter().filter_map(|&i| year.by_group.get(i)) {
            // A plain cell, not a row header: the year is the row's heading, the group what
            // part of it the row is.
            html.raw("<tr>");
            html.element(
                "td",
                &[("colspan", "5")],
                &format!("of which {}", group_row_name(contract, &group.row)),
            );
            num_cell(html, &group.at_plan.to_string());
            html.raw("</tr>\n");
        }
    }
    html.raw("</tbody>\n<tfoot><tr><th scope=\"row\" colspan=\"5\">Planned total cost</th>");
    num_cell(html, &contract.figures.planned_total_cost.to_string());
    html.raw("</tr></tfoot>\n</table>\n");
}

/// Whether the schedule draws the planned cash flow: when the term has more than one quarter
/// and the plan pays anything.
pub fn has_quarters(contract: &Contract) -> bool {
    contract.figures.timeline.by_quarter.len() > 1 && contract.figures.planned_total_cost.minor != 0
}

/// The planned cash flow: the chart, then the table of quarters that states its numbers.
fn by_quarter(html: &mut Html, contract: &Contract) {
    html.raw(
        "<p>When the planned total cost falls due, quarter by quarter from the first day of the \
         term: fixed fees at the end of each period they pay for, outcome payments when the \
         plan expects people to reach a paid stage (by each price’s timing), attachment fees on \
         entry and tier payments at the end of the term.",
    );
    if cash_flow::total_cap(contract).is_some() {
        html.raw(" Payments stop once the total cap is reached.");
    }
    html.raw("</p>\n<figure class=\"chart\">\n");
    cash_flow::chart(html, contract);
    html.raw(
        "<figcaption>Planned payments by quarter against the funding limit. The table below \
         states the same numbers.</figcaption>\n</figure>\n",
    );
    html.open(
        "table",
        &[("id", cash_flow::TABLE_ID), ("class", "quarters")],
    );
    html.raw(
        "\n<caption>The planned total cost by the quarter of the term payments fall due in\
         <span class=\"caption-note\">Outcome payments include attachment fees and tier \
         payments. Cumulative: everything planned up to the end of the quarter.</span>\
         </caption>\n",
    );
    head(
        html,
        &[
            ("Quarter", Align::Text),
            ("From", Align::Text),
            ("To", Align::Text),
            ("Fixed fees", Align::Number),
            ("Outcome payments", Align::Number),
            ("Total", Align::Number),
            ("Cumulative", Align::Number),
        ],
    );
    html.raw("<tbody>\n");
    for (index, quarter) in contract.figures.timeline.by_quarter.iter().enumerate() {
        html.raw("<tr>");
        html.element("th", &[("scope", "row")], &format!("Q{}", index + 1));
        html.element("td", &[], &quarter.start.to_string());
        html.element("td", &[], &quarter.end.to_string());
        num_cell(html, &quarter.fixed_fees.to_string());
        num_cell(html, &quarter.outcome_payments.to_string());
        num_cell(html, &quarter.total.to_string());
        num_cell(html, &quarter.cumulative.to_string());
        html.raw("</tr>\n");
    }
    html.raw("</tbody>\n<tfoot><tr><th scope=\"row\" colspan=\"5\">Planned total cost</th>");
    num_cell(html, &contract.figures.planned_total_cost.to_string());
    html.raw("<td></td></tr></tfoot>\n</table>\n");
}

fn per_participant(html: &mut Html, contract: &Contract) {
    let maxima = &contract.figures.per_participant;
    let unreachable = maxima.iter().any(|m| m.unreachable.minor != 0);
    let exhaust = maxima.iter().any(|m| m.to_exhaust_total_cap.is_some());
    let limited = maxima.iter().any(|m| m.paid_at_most.is_some());
    html.raw("<table>\n<caption>The most one participant can earn, per cohort</caption>\n");
    let mut columns = vec![("Cohort", Align::Text), ("Participants", Align::Number)];
    if limited {
        columns.push(("Paid for at most", Align::Number));
    }
    columns.extend([
        ("Whole rate card", Align::Number),
        ("After the per-participant cap", Align::Number),
    ]);
    if unreachable {
        columns.push(("Never paid", Align::Number));
    }
    if exhaust {
        columns.push(("Participants to exhaust the total cap", Align::Number));
    }
    head(html, &columns);
    html.raw("<tbody>\n");
    for maximum in maxima {
        html.raw("<tr>");
        html.element(
            "th",
            &[("scope", "row")],
            words::cohort_name(contract, &maximum.cohort),
        );
        num_cell(html, &maximum.participants.map_or("—".to_string(), people));
        if limited {
            num_cell(html, &maximum.paid_at_most.map_or("—".to_string(), people));
        }
        num_cell(html, &maximum.rate_card.to_string());
        num_cell(html, &maximum.maximum.to_string());
        if unreachable {
            num_cell(html, &maximum.unreachable.to_string());
        }
        if exhaust {
            num_cell(
                html,
                &maximum.to_exhaust_total_cap.map_or("—".to_string(), people),
            );
        }
        html.raw("</tr>\n");
    }
    html.raw("</tbody>\n</table>\n");
}

fn unit_costs(html: &mut Html, contract: &Contract) {
    let figures = &contract.figures;
    html.raw("<table>\n<caption>Cost per result, at plan and at the maximum</caption>\n");
    head(
        html,
        &[
            ("Per", Align::Text),
            ("Expected", Align::Number),
            ("Unit cost at plan", Align::Number),
            ("At the maximum", Align::Number),
        ],
    );
    let at_max = |m: Option<crate::value::Money>| m.map_or("—".to_string(), |m| m.to_string());
    html.raw("<tbody>\n");
    for unit in &figures.unit_cost_per_target {
        let description = words::find_stage(contract, &unit.target)
            .map_or(unit.target.as_str(), |(_, stage)| {
                stage.description.as_str()
            });
        html.raw("<tr><th scope=\"row\">Performance target achieved: ");
        html.text(description);
        html.raw("</th>");
        num_cell(html, &people(unit.expected));
        num_cell(html, &unit.unit_cost.to_string());
        num_cell(html, &at_max(unit.at_maximum));
        html.raw("</tr>\n");
    }
    if let Some(cost) = figures.unit_cost_per_participant {
        html.raw("<tr><th scope=\"row\">Participant entering a funnel</th>");
        cell(html, None);
        num_cell(html, &cost.to_string());
        num_cell(html, &at_max(figures.unit_cost_per_participant_at_maximum));
        html.raw("</tr>\n");
    }
    html.raw("</tbody>\n</table>\n");
    html.raw("<p class=\"note\">At plan: the planned total cost ÷ the people expected. At the maximum: the maximum exposure ÷ the people the cohort can hold, each reaching the result.</p>\n");
}

/// The figures in words, for a reader who skips tables. Every amount is a model figure.
fn worked_example(html: &mut Html, contract: &Contract) {
    let figures = &contract.figures;
    let participant_cap = contract
        .payments
        .caps
        .iter()
        .find(|c| c.scope == CapScope::PerParticipant);
    let total_cap = contract
        .payments
        .caps
        .iter()
        .find(|c| c.scope == CapScope::Total);
    html.raw("<div class=\"example\">\n");
    for maximum in &figures.per_participant {
        // The cohort in its own words: its description, not its identifier.
        let cohort = contract.cohort(&maximum.cohort).map_or_else(
            || words::cohort_noun(&maximum.cohort),
            |c| format!("“{}”", c.description),
        );
        let mut text = match maximum.participants {
            Some(n) => format!(
                "If all {} people of the cohort {cohort} reached every paid milestone, each \
                 would earn {} on the rate card",
                count(n),
                maximum.rate_card
            ),
            None => format!(
                "If everyone in the cohort {cohort} reached every paid milestone, each would \
                 earn {} on the rate card",
                maximum.rate_card
            ),
        };
        match participant_cap {
            Some(cap) if maximum.maximum < maximum.rate_card => text.push_str(&format!(
                ", but the per-participant cap of {} limits that to {}: {} of the card is never \
                 paid.",
                cap.amount, maximum.maximum, maximum.unreachable
            )),
            Some(cap) => text.push_str(&format!(
                "; the per-participant cap of {} leaves that whole.",
                cap.amount
            )),
            None => text.push('.'),
        }
        if let Some(paid) = maximum.paid_at_most {
            text.push_str(&format!(
                " Only the first {} of them to reach a payable result are paid for.",
                count(paid)
            ));
        }
        if let (Some(n), Some(cap)) = (maximum.to_exhaust_total_cap, total_cap) {
            text.push_str(&format!(
                " After fixed fees, {} earning {} each would exhaust the total cap of {}.",
                people(n),
                maximum.maximum,
                cap.amount
            ));
        }
        html.element("p", &[], &text);
        html.nl();
    }

    let binding: Vec<String> = figures
        .binding_caps
        .iter()
        .map(|c| words::cap_in_text(*c).to_string())
        .collect();
    let mut exposure = format!(
        "With fixed fees of {} over the term, the most the contract can ever pay is {}",
        figures.fixed_fees, figures.maximum_exposure
    );
    if binding.is_empty() {
        exposure.push('.');
    } else {
        let verb = if binding.len() == 1 { "binds" } else { "bind" };
        exposure.push_str(&format!(", because {} {verb}.", words::and_list(&binding)));
    }
    exposure.push_str(&format!(
        " Against the funding limit of {} that leaves {} of headroom.",
        contract.funding_limit, figures.headroom
    ));
    html.element("p", &[], &exposure);
    html.nl();

    let mut plan = format!(
        "If every funnel runs exactly to plan, outcome payments come to {}",
        figures.outcome_payments_at_plan
    );
    if figures.outcome_payments_at_plan_capped != figures.outcome_payments_at_plan {
        plan.push_str(&format!(
            ", or {} once the caps apply",
            figures.outcome_payments_at_plan_capped
        ));
    }
    plan.push_str(&format!(
        ", and the planned total cost, fixed fees included, is {}.",
        figures.planned_total_cost
    ));
    let per_target: Vec<String> = figures
        .unit_cost_per_target
        .iter()
        .map(|unit| {
            format!(
                "{} for each of the {} expected to achieve {}",
                unit.unit_cost,
                people(unit.expected),
                quoted_stage(contract, &unit.target)
            )
        })
        .collect();
    if !per_target.is_empty() {
        plan.push_str(&format!(" That is {}", words::and_list(&per_target)));
        match figures.unit_cost_per_participant {
            Some(cost) => plan.push_str(&format!(", or {cost} for each participant entering.")),
            None => plan.push('.'),
        }
    } else if let Some(cost) = figures.unit_cost_per_participant {
        plan.push_str(&format!(" That is {cost} for each participant entering."));
    }
    html.element("p", &[], &plan);
    html.nl();
    html.raw("</div>\n");
}

/// A count in running text: `1,250`.
fn count(n: u64) -> String {
    crate::value::group_thousands(u128::from(n))
}
