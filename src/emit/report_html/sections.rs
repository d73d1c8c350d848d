//! The report's sections: the cover, then each section of `SECTIONS` under the `h2` that
//! `report` writes, ending with the appendices (payment lines, rejected rows).

use super::chart::{self, count, exception_for};
use super::{MAX_PAYMENT_LINES, MAX_REJECTED_ROWS};
use crate::emit::html::sections::{cell, head, num_cell, Align};
use crate::emit::html::writer::Html;
use crate::report::lines::LinesFile;
use crate::report::payments::{NOT_A_PRICE, NOT_IN_A_GROUP};
use crate::report::{ActualFunnel, Amount, GroupPaid, LineKind, Rejection, Report};
use crate::value::Date;

/// The most periods one table of people by period has as columns; a longer return is shown
/// in several tables, a year of months each.
const PERIODS_PER_TABLE: usize = 12;

/// One top-level section of the report.
pub struct Section {
    pub id: &'static str,
    pub title: &'static str,
    /// Whether the report has anything for this section.
    pub present: fn(&Report) -> bool,
    pub write: fn(&mut Html, &Report),
}

/// The sections after the cover, in reading order.
pub const SECTIONS: &[Section] = &[
    Section {
        id: "rows",
        title: "Rows received",
        present: |_| true,
        write: rows,
    },
    Section {
        id: "exceptions",
        title: "Exceptions",
        present: |_| true,
        write: exceptions,
    },
    Section {
        id: "funnels",
        title: "Funnels against plan",
        present: |_| true,
        write: funnels,
    },
    Section {
        id: "by-period",
        title: "People reaching each stage, by period",
        present: |r| !r.funnels.is_empty() && !r.periods.is_empty(),
        write: by_period,
    },
    Section {
        id: "payments",
        title: "Payments due",
        present: |_| true,
        write: payments,
    },
    Section {
        id: "residual",
        title: "What remains",
        present: |_| true,
        write: residual,
    },
    Section {
        id: "payment-lines",
        title: "Appendix: payment lines",
        present: |r| !r.payments.lines.is_empty(),
        write: payment_lines,
    },
    Section {
        id: "rejected",
        title: "Appendix: rejected rows",
        present: |r| !r.rejected.is_empty(),
        write: rejected,
    },
];

/// Why a row was rejected, in words.
fn rejection(reason: Rejection) -> &'static str {
    match reason {
        Rejection::Malformed => "Could not be read as a row",
        Rejection::UnknownStage => "Stage is not in the contract",
        Rejection::BadDate => "Date cannot be read or is no real day",
        Rejection::OutsideTerm => "Date outside the contract term",
        Rejection::ReferredLate => "Entered after the referral window closed",
        Rejection::NotReferred => "Participant has no accepted entry to the funnel",
        Rejection::BeforePredecessor => "Stage reached before one that must come first",
        Rejection::TooEarly => "Claimed before its time had passed",
        Rejection::TooLate => "Claimed after its deadline",
        Rejection::Duplicate => "Same participant and stage claimed again",
        Rejection::MissingEvidence => "Evidence required and none given",
        Rejection::Ineligible => "Participant not eligible for the stage",
        Rejection::WrongCohort => "Cohort is not the funnel's",
        Rejection::BeyondCohortSize => "Cohort already full when the participant entered",
    }
}

/// What a payment line is for, in words short enough for a table column.
fn line_kind(kind: LineKind) -> &'static str {
    match kind {
        LineKind::Price => "Outcome",
        LineKind::Attachment => "Attachment fee",
        LineKind::FixedFee => "Fixed fee",
        LineKind::Bonus => "Bonus",
        LineKind::Penalty => "Penalty",
        LineKind::Tier => "Measure tier",
        LineKind::Deadweight => "Deadweight",
    }
}

/// `<time datetime="2026-09-30">2026-09-30</time>`
fn date(html: &mut Html, date: Date) {
    let iso = date.to_string();
    html.element("time", &[("datetime", &iso)], &iso);
}

/// A date in a table cell, kept on one line.
fn date_cell(html: &mut Html, value: Date) {
    html.raw("<td class=\"nowrap\">");
    date(html, value);
    html.raw("</td>");
}

/// A period's label, each word with a date in it kept whole: a month (`2009-04`) is never
/// broken at its hyphen, and a longer label (`quarter 1 (2015-01-01 to 2015-03-31)`) breaks
/// only between its words.
fn period_label(html: &mut Html, label: &str) {
    for (n, word) in label.split(' ').enumerate() {
        if n > 0 {
            html.raw(" ");
        }
        if word.contains('-') {
            html.element("span", &[("class", "nowrap")], word);
        } else {
            html.text(word);
        }
    }
}

/// An identifier that may break after each underscore: `sustained_<wbr>12m`.
fn identifier(html: &mut Html, id: &str) {
    breakable(html, id, '_');
}

/// Text, escaped, that may break after each `at`: the break is a `<wbr>` between escaped
/// pieces, so no text reaches the markup.
fn breakable(html: &mut Html, text: &str, at: char) {
    let mut start = 0;
    for (index, ch) in text.char_indices() {
        if ch == at {
            let end = index + ch.len_utf8();
            html.text(&text[start..end]);
            if end < text.len() {
                html.raw("<wbr>");
            }
            start = end;
        }
    }
    html.text(&text[start..]);
}

/// A card of the cover's figures.
fn card(html: &mut Html, class: &'static str, label: &str, value: &str, detail: &str) {
    html.open("li", &[("class", class)]);
    html.element("span", &[("class", "label")], label);
    html.element("span", &[("class", "value")], value);
    html.element("span", &[("class", "detail")], detail);
    html.raw("</li>\n");
}

/// `1 row`, `1,250 rows`.
fn rows_word(n: u64) -> String {
    if n == 1 {
        "1 row".to_string()
    } else {
        format!("{} rows", count(n))
    }
}

/// `more than the tolerance of 10%`, or `any amount` when the contract sets no tolerance.
fn tolerance_words(report: &Report) -> String {
    match report.tolerance {
        Some(tolerance) => format!("more than the tolerance of {tolerance}"),
        None => "any amount (the contract sets no tolerance)".to_string(),
    }
}

/// `beyond the tolerance`, or nothing when the contract sets none.
fn beyond_tolerance(report: &Report) -> &'static str {
    match report.tolerance {
        Some(_) => " beyond the tolerance",
        None => "",
    }
}

// ---------------------------------------------------------------------------------------------
// cover

pub fn cover(html: &mut Html, report: &Report, file: Option<&LinesFile>) {
    html.raw("<header class=\"cover\" id=\"cover\">\n");
    html.raw("<p class=\"eyebrow\">Outcome-based contract · Monitoring report</p>\n");
    html.element("h1", &[], &report.contract);
    html.nl();
    html.raw("<p class=\"lede report-date\">Events up to and including ");
    date(html, report.until);
    match (report.periods.first(), report.periods.last()) {
        (Some(first), Some(last)) if report.periods.len() > 1 => {
            html.text(&format!(
                ", counted in {} periods from ",
                report.periods.len()
            ));
            html.element("strong", &[], &first.label);
            html.raw(" to ");
            html.element("strong", &[], &last.label);
        }
        (Some(only), _) => {
            html.raw(", counted in one period, ");
            html.element("strong", &[], &only.label);
        }
        _ => {}
    }
    html.raw(".</p>\n");

    outlook(html, report);

    html.raw("<h2 id=\"glance-heading\">At a glance</h2>\n");
    html.raw("<ul class=\"cards\" aria-labelledby=\"glance-heading\">\n");
    let rows = &report.rows;
    card(
        html,
        if rows.rejected > 0 {
            "card warn"
        } else {
            "card"
        },
        "Rows read",
        &count(rows.read),
        &format!(
            "{} accepted, {} rejected",
            count(rows.accepted),
            count(rows.rejected)
        ),
    );
    let exceptions = report.exceptions.len() as u64;
    card(
        html,
        if exceptions > 0 { "card alert" } else { "card" },
        "Exceptions",
        &count(exceptions),
        &format!(
            "{} behind plan{}",
            match exceptions {
                0 => "No stage",
                1 => "Stage",
                _ => "Stages",
            },
            beyond_tolerance(report)
        ),
    );
    let lines = file.map_or(report.payments.line_count(), |f| f.lines);
    card(
        html,
        "card",
        "Payments due",
        &report.payments.total.to_string(),
        &format!(
            "{} payment {} to {}",
            count(lines),
            if lines == 1 { "line" } else { "lines" },
            report.until
        ),
    );
    let residual = &report.residual;
    if let Some(left) = residual.under_total_cap {
        card(
            html,
            "card",
            "Left under the total cap",
            &left.to_string(),
            "Still payable, after fixed fees to come",
        );
    } else if let Some(left) = residual.under_outcome_cap {
        card(
            html,
            "card",
            "Left under the outcome cap",
            &left.to_string(),
            "Outcome payments still payable",
        );
    }
    html.raw("</ul>\n</header>\n");
}

/// What to look out for ahead, before anything else: the same sentences as the text report,
/// each warning marked as one.
fn outlook(html: &mut Html, report: &Report) {
    html.raw(
        "<section class=\"outlook\" id=\"outlook\" aria-labelledby=\"outlook-heading\">\n\
         <h2 id=\"outlook-heading\">Looking ahead</h2>\n<ul>\n",
    );
    for line in crate::report::text::outlook_lines(report) {
        match line.strip_prefix("WARNING: ") {
            Some(warning) => {
                html.raw("<li class=\"warning\"><span class=\"badge exception\">Warning</span> ");
                html.prose(warning);
            }
            None => {
                html.raw("<li>");
                html.prose(&line);
            }
        }
        html.raw("</li>\n");
    }
    html.raw("</ul>\n</section>\n");
}

// ---------------------------------------------------------------------------------------------
// rows received

fn rows(html: &mut Html, report: &Report) {
    let rows = &report.rows;
    if let Some(nothing) = &report.nothing_counted {
        html.raw("<p class=\"nothing-counted\" role=\"alert\"><strong>Nothing counted:</strong> ");
        html.text(&format!(
            "every row ({}) was rejected, {} for one reason: {}.",
            count(rows.rejected),
            if nothing.one_reason {
                "all".to_string()
            } else {
                format!("{} of them", count(nothing.rows))
            },
            rejection(nothing.reason).to_lowercase()
        ));
        if let (Some(row), Some(detail)) = (nothing.first_row, &nothing.first_detail) {
            html.prose(&format!(" Row {row}: {detail}"));
        }
        html.raw("</p>\n");
    }
    html.raw(
        "<p class=\"lede\">Every row of the return is either accepted as an event or rejected \
         with its reason; nothing is dropped silently.</p>\n",
    );
    html.raw("<p class=\"equation\" aria-label=\"");
    let later = if rows.after_report_date > 0 {
        format!(
            " plus {} after the report date, not yet counted",
            count(rows.after_report_date)
        )
    } else {
        String::new()
    };
    html.text(&format!(
        "{} read equals {} accepted plus {} rejected{later}",
        rows_word(rows.read),
        count(rows.accepted),
        count(rows.rejected)
    ));
    html.raw("\">");
    html.raw("<span class=\"term\" aria-hidden=\"true\">");
    html.element("b", &[], &count(rows.read));
    html.raw(" rows read</span><span class=\"op\" aria-hidden=\"true\">=</span>");
    html.raw("<span class=\"term\" aria-hidden=\"true\">");
    html.element("b", &[], &count(rows.accepted));
    html.raw(" accepted</span><span class=\"op\" aria-hidden=\"true\">+</span>");
    html.raw("<span class=\"term rejected\" aria-hidden=\"true\">");
    html.element("b", &[], &count(rows.rejected));
    html.raw(" rejected</span>");
    if rows.after_report_date > 0 {
        html.raw("<span class=\"op\" aria-hidden=\"true\">+</span>");
        html.raw("<span class=\"term\" aria-hidden=\"true\">");
        html.element("b", &[], &count(rows.after_report_date));
        html.raw(" after the report date, not yet counted</span>");
    }
    html.raw("</p>\n");

    let reasons: Vec<_> = rows
        .rejected_by_reason
        .iter()
        .filter(|r| r.rows > 0)
        .collect();
    if reasons.is_empty() {
        html.raw("<p>No row was rejected.</p>\n");
        return;
    }
    html.raw("<table class=\"reasons\">\n<caption>Rejected rows by reason</caption>\n");
    head(html, &[("Reason", Align::Text), ("Rows", Align::Number)]);
    html.raw("<tbody>\n");
    for reason in reasons {
        html.raw("<tr>");
        html.element("th", &[("scope", "row")], rejection(reason.reason));
        num_cell(html, &count(reason.rows));
        html.raw("</tr>\n");
    }
    html.raw("</tbody>\n<tfoot><tr><th scope=\"row\">Rejected</th>");
    num_cell(html, &count(rows.rejected));
    html.raw("</tr></tfoot>\n</table>\n");
    if !report.rejected.is_empty() {
        html.raw(
            "<p class=\"note\">Each rejected row is listed with its row number in \
             <a href=\"#rejected\">the appendix</a>.</p>\n",
        );
    }
}

// ---------------------------------------------------------------------------------------------
// funnels

fn funnel_id(id: &str) -> String {
    format!("funnel-{id}")
}

fn funnels(html: &mut Html, report: &Report) {
    html.open("p", &[("class", "lede")]);
    html.text("For each stage: the people the plan expects by ");
    date(html, report.until);
    html.raw(
        " (hatched, outlined bar) and the people who have reached it (solid bar). A stage \
         behind plan by ",
    );
    html.text(&tolerance_words(report));
    html.raw(" is an exception.</p>\n");
    if report.funnels.is_empty() {
        html.raw("<p>The contract has no customer funnel.</p>\n");
        return;
    }
    for funnel in &report.funnels {
        let id = funnel_id(&funnel.id);
        let heading = format!("{id}-heading");
        html.open("section", &[("id", &id), ("aria-labelledby", &heading)]);
        html.nl();
        html.open("h3", &[("id", &heading)]);
        html.raw("Funnel ");
        html.element("code", &[], &funnel.id);
        html.close("h3");
        html.nl();
        html.raw("<figure class=\"chart\">\n");
        chart::funnel(html, report, funnel);
        html.raw("<figcaption>");
        html.text(&format!(
            "Funnel {}: planned by {} against actual. The table below states the same numbers.",
            funnel.id, report.until
        ));
        html.raw("</figcaption>\n</figure>\n");
        stage_table(html, report, funnel);
        html.raw("</section>\n");
    }
}

fn stage_table(html: &mut Html, report: &Report, funnel: &ActualFunnel) {
    html.open(
        "table",
        &[
            ("id", &crate::emit::html::chart::table_id(&funnel.id)),
            ("class", "stages"),
        ],
    );
    html.nl();
    html.raw("<caption>");
    html.text(&format!("Stages of funnel {}", funnel.id));
    html.raw(
        "<span class=\"caption-note\">Conversion: people at this stage ÷ people at the stage \
         before it.</span></caption>",
    );
    html.nl();
    html.raw(
        "<thead><tr>\
         <th scope=\"col\" rowspan=\"2\">Stage</th>\
         <th scope=\"colgroup\" colspan=\"2\" class=\"group\">Planned</th>\
         <th scope=\"col\" rowspan=\"2\" class=\"num\">Actual</th>\
         <th scope=\"colgroup\" colspan=\"2\" class=\"group\">Conversion</th>\
         <th scope=\"col\" rowspan=\"2\">Exception</th></tr>\n\
         <tr><th scope=\"col\" class=\"num\">Whole contract</th>\
         <th scope=\"col\" class=\"num\">By the report date</th>\
         <th scope=\"col\" class=\"num\">Actual</th>\
         <th scope=\"col\" class=\"num\">Planned</th></tr></thead>\n",
    );
    html.raw("<tbody>\n");
    for stage in &funnel.stages {
        let exception = exception_for(report, funnel, stage);
        if exception.is_some() {
            html.raw("<tr class=\"is-exception\">");
        } else {
            html.raw("<tr>");
        }
        html.raw("<th scope=\"row\">");
        identifier(html, &stage.id);
        html.raw("</th>");
        num_cell(html, &count(stage.planned));
        num_cell(html, &count(stage.planned_to_date));
        html.element("td", &[("class", "num strong")], &count(stage.actual));
        let percent =
            |p: Option<crate::value::Percent>| p.map_or("—".to_string(), |p| p.to_string());
        num_cell(html, &percent(stage.actual_conversion));
        num_cell(html, &percent(stage.planned_conversion));
        match exception {
            Some(exception) => {
                html.raw(
                    "<td><span class=\"badge exception\">Exception</span> <span class=\"nowrap\">",
                );
                html.text(&format!(
                    "{} short ({})",
                    count(exception.shortfall),
                    exception.shortfall_share
                ));
                html.raw("</span></td>");
            }
            None => cell(html, None),
        }
        html.raw("</tr>\n");
    }
    html.raw("</tbody>\n</table>\n");
}

// ---------------------------------------------------------------------------------------------
// by period

fn by_period(html: &mut Html, report: &Report) {
    html.raw(
        "<p class=\"lede\">The people who reached each stage in each period of the return, \
         counted by the date they reached it",
    );
    if let (Some(first), Some(last)) = (report.periods.first(), report.periods.last()) {
        html.raw(", from ");
        date(html, first.start);
        html.raw(" to ");
        date(html, last.end);
    }
    html.raw(".</p>\n");
    let blocks: Vec<_> = report.periods.chunks(PERIODS_PER_TABLE).collect();
    for funnel in &report.funnels {
        if funnel.stages.is_empty() {
            continue;
        }
        for (block, periods) in blocks.iter().enumerate() {
            let offset = block * PERIODS_PER_TABLE;
            let last = block + 1 == blocks.len();
            html.raw("<div class=\"scroll\">\n<table class=\"by-period\">\n<caption>");
            html.text(&format!(
                "People reaching each stage of funnel {}",
                funnel.id
            ));
            if blocks.len() > 1 {
                if let (Some(first), Some(end)) = (periods.first(), periods.last()) {
                    html.text(&format!(", {} to {}", first.label, end.label));
                }
            }
            html.raw("</caption>\n<thead><tr><th scope=\"col\">Stage</th>");
            for period in periods.iter() {
                let title = format!("{} to {}", period.start, period.end);
                html.open(
                    "th",
                    &[("scope", "col"), ("class", "num"), ("title", &title)],
                );
                period_label(html, &period.label);
                html.close("th");
            }
            if last {
                html.raw("<th scope=\"col\" class=\"num to-date\">To date</th>");
            }
            html.raw("</tr></thead>\n<tbody>\n");
            for stage in &funnel.stages {
                html.raw("<tr><th scope=\"row\">");
                identifier(html, &stage.id);
                html.raw("</th>");
                for index in offset..offset + periods.len() {
                    match stage.by_period.get(index) {
                        Some(0) => html.raw("<td class=\"num zero\">0</td>"),
                        Some(n) => num_cell(html, &count(*n)),
                        None => num_cell(html, "—"),
                    }
                }
                if last {
                    html.element("td", &[("class", "num to-date")], &count(stage.actual));
                }
                html.raw("</tr>\n");
            }
            html.raw("</tbody>\n</table>\n</div>\n");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// exceptions

fn exceptions(html: &mut Html, report: &Report) {
    html.open("p", &[("class", "lede")]);
    html.text("Stages behind their planned profile at ");
    date(html, report.until);
    html.text(&format!(" by {}.", tolerance_words(report)));
    html.raw("</p>\n");
    if report.exceptions.is_empty() {
        html.raw("<p class=\"all-clear\"><span class=\"badge ok\">None</span> ");
        html.text(&format!(
            "No stage is behind its planned profile{}.",
            beyond_tolerance(report)
        ));
        html.raw("</p>\n");
        return;
    }
    html.raw("<table class=\"exceptions\">\n<caption>Exceptions</caption>\n");
    head(
        html,
        &[
            ("Funnel", Align::Text),
            ("Milestone", Align::Text),
            ("Planned by the report date", Align::Number),
            ("Actual", Align::Number),
            ("Shortfall", Align::Number),
            ("Shortfall %", Align::Number),
        ],
    );
    html.raw("<tbody>\n");
    for exception in &report.exceptions {
        html.raw("<tr class=\"is-exception\">");
        html.raw("<td>");
        html.element(
            "a",
            &[("href", &format!("#{}", funnel_id(&exception.funnel)))],
            &exception.funnel,
        );
        html.raw("</td><th scope=\"row\">");
        identifier(html, &exception.stage);
        html.raw("</th>");
        num_cell(html, &count(exception.planned_to_date));
        num_cell(html, &count(exception.actual));
        html.element(
            "td",
            &[("class", "num strong")],
            &count(exception.shortfall),
        );
        num_cell(html, &exception.shortfall_share.to_string());
        html.raw("</tr>\n");
    }
    html.raw("</tbody>\n</table>\n");
}

// ---------------------------------------------------------------------------------------------
// payments

fn payments(html: &mut Html, report: &Report) {
    payments_with(html, report, None);
}

/// The payments due; when the lines went to a file of their own (`--lines`), the note
/// under the totals points there instead of to the appendix.
pub fn payments_with(html: &mut Html, report: &Report, file: Option<&LinesFile>) {
    let payments = &report.payments;
    html.raw("<p class=\"lede\">What the contract pays for the results reported, each line traced to the clause that pays it. Total due: ");
    html.element("strong", &[], &payments.total.to_string());
    html.raw(".</p>\n");

    // With groups, the periods are split by group in a table of their own, full width.
    let groups = !payments.by_group.is_empty();
    html.raw("<div class=\"totals\">\n");
    if !groups {
        let periods: Vec<Amount> = payments
            .by_period
            .iter()
            .map(|p| Amount {
                name: p.name.clone(),
                amount: p.amount,
                share: None,
                clause: None,
            })
            .collect();
        totals(html, "By period due", "Period", &periods, Some(report));
    }
    html.raw("<div>\n");
    totals(html, "By payer", "Payer", &payments.by_payer, Some(report));
    totals(html, "By stage", "Stage", &payments.by_stage, None);
    html.raw("</div>\n</div>\n");
    if groups {
        by_group(html, report);
        periods_by_group(html, report);
    }
    unit_costs(html, report);
    tiers(html, report);

    if let Some(file) = file {
        html.raw("<p class=\"note\">");
        html.text(&format!(
            "Every payment line ({}), with the clause that pays it and any rule that cut it, \
             is in the file {} ({} bytes), not in this document.",
            count(file.lines),
            file.path,
            count(file.bytes)
        ));
        html.raw("</p>\n");
    } else if payments.lines.is_empty() {
        html.raw("<p>Nothing is due for the results reported.</p>\n");
    } else {
        html.raw("<p class=\"note\">Every payment line, with the clause that pays it and any rule that cut it, is listed in <a href=\"#payment-lines\">the appendix</a>.</p>\n");
    }
}

/// A row of the payments by group in words: the group's heading (or identifier), or what the
/// other two rows hold, as the contract schedule names them.
fn group_name(row: &GroupPaid) -> String {
    match row.name.as_str() {
        NOT_IN_A_GROUP => "Not in a group (and attachment fees)".to_string(),
        NOT_A_PRICE => "Fixed fees, bonuses and tier payments".to_string(),
        _ => row.title.clone().unwrap_or_else(|| row.name.clone()),
    }
}

/// Paid to date by group, beside each row's part of the plan and of the maximum over the
/// whole contract, and a group's cap with whether it has been reached.
fn by_group(html: &mut Html, report: &Report) {
    let rows = &report.payments.by_group;
    html.raw(
        "<table class=\"amounts by-group\">\n<caption>By group<span class=\"caption-note\">\
         Paid to date beside the group’s part of the planned total cost and of the maximum \
         exposure over the whole contract (the plan is split by group by contract year, not \
         by month), and its cap.</span></caption>\n",
    );
    head(
        html,
        &[
            ("Group", Align::Text),
            ("Paid to date", Align::Number),
            ("At plan", Align::Number),
            ("At the maximum", Align::Number),
            ("Cap", Align::Number),
        ],
    );
    html.raw("<tbody>\n");
    for row in rows {
        html.raw("<tr><th scope=\"row\">");
        html.text(&group_name(row));
        html.raw("</th>");
        num_cell(html, &row.amount.to_string());
        num_cell(html, &row.at_plan.to_string());
        num_cell(
            html,
            &row.at_maximum.map_or("—".to_string(), |m| m.to_string()),
        );
        match row.cap {
            Some(cap) => {
                html.raw("<td class=\"num\">");
                html.text(&cap.to_string());
                if row.cap_reached {
                    html.raw(" <span class=\"badge exception\">Reached</span>");
                }
                html.raw("</td>");
            }
            None => html.raw("<td class=\"num\"></td>"),
        }
        html.raw("</tr>\n");
    }
    html.raw("</tbody>\n<tfoot><tr><th scope=\"row\">Total</th>");
    num_cell(html, &report.payments.total.to_string());
    html.raw("<td></td><td></td><td></td></tr></tfoot>\n</table>\n");
}

/// The payments by period due, each split by group in columns after its total: the rows
/// paid anything in some period (the others hold nothing), with each row's total under it.
fn periods_by_group(html: &mut Html, report: &Report) {
    let payments = &report.payments;
    let shown: Vec<usize> = (0..payments.by_group.len())
        .filter(|&i| {
            payments
                .by_period
                .iter()
                .any(|p| p.by_group.get(i).is_some_and(|g| g.amount.minor != 0))
        })
        .collect();
    html.raw(
        "<div class=\"scroll\">\n<table class=\"amounts period-groups\">\n<caption>By period \
         due<span class=\"caption-note\">Each period’s payments by group: the lines due in \
         the period, each in its group’s column, adding up to the period’s total.</span>\
         </caption>\n<thead><tr><th scope=\"col\">Period</th><th scope=\"col\" class=\"num\">\
         Total</th>",
    );
    for &i in &shown {
        html.element(
            "th",
            &[("scope", "col"), ("class", "num")],
            &group_name(&payments.by_group[i]),
        );
    }
    html.raw("</tr></thead>\n<tbody>\n");
    for period in &payments.by_period {
        html.raw("<tr><th scope=\"row\">");
        period_label(html, &period.name);
        html.raw("</th>");
        html.element("td", &[("class", "num strong")], &period.amount.to_string());
        for &i in &shown {
            match period.by_group.get(i) {
                Some(g) if g.amount.minor == 0 => {
                    html.element("td", &[("class", "num zero")], &g.amount.to_string())
                }
                Some(g) => num_cell(html, &g.amount.to_string()),
                None => num_cell(html, "—"),
            }
        }
        html.raw("</tr>\n");
    }
    html.raw("</tbody>\n<tfoot><tr><th scope=\"row\">Total</th>");
    num_cell(html, &payments.total.to_string());
    for &i in &shown {
        num_cell(html, &payments.by_group[i].amount.to_string());
    }
    html.raw("</tr></tfoot>\n</table>\n</div>\n");
}

/// What the results to date have cost: the total due ÷ the participants who reached each
/// target, and ÷ those who entered, beside the plan's unit cost.
fn unit_costs(html: &mut Html, report: &Report) {
    let costs = &report.unit_costs;
    let dash = |m: Option<crate::value::Money>| m.map_or("—".to_string(), |m| m.to_string());
    html.raw("<table class=\"amounts\">\n<caption>Unit costs to date</caption>\n");
    head(
        html,
        &[
            ("Per", Align::Text),
            ("Reached to date", Align::Number),
            ("Cost to date", Align::Number),
        ],
    );
    html.raw("<tbody>\n");
    for target in &costs.per_target {
        html.raw("<tr><th scope=\"row\">");
        identifier(html, &target.target);
        html.raw("</th>");
        num_cell(html, &target.achieved.to_string());
        num_cell(html, &dash(target.unit_cost));
        html.raw("</tr>\n");
    }
    html.raw("<tr><th scope=\"row\">Participant entered</th>");
    num_cell(html, &costs.participants.to_string());
    num_cell(html, &dash(costs.per_participant));
    html.raw("</tr>\n</tbody>\n</table>\n");
    html.raw("<p class=\"note\">Each is the total due to date divided by the participants counted, rounded to the nearest penny; the contract schedule gives the same figures at plan and at the maximum.</p>\n");
}

/// Each tier schedule's reading: the same sentences as the text report, stated whatever lines
/// the appendix lists.
fn tiers(html: &mut Html, report: &Report) {
    if report.payments.tiers.is_empty() {
        return;
    }
    html.raw(
        "<h3 id=\"tiers-heading\">Tier payments on the latest measured values</h3>\n\
         <ul class=\"tiers\" aria-labelledby=\"tiers-heading\">\n",
    );
    for reading in &report.payments.tiers {
        html.raw("<li>");
        html.prose(&crate::report::tiers::reading_words(reading));
        html.raw("</li>\n");
    }
    html.raw("</ul>\n");
}

/// A table of totals, with the report's total under it when `total_of` is given (the lines
/// split by period or by payer add up to it).
fn totals(
    html: &mut Html,
    caption: &str,
    column: &str,
    amounts: &[Amount],
    total_of: Option<&Report>,
) {
    if amounts.is_empty() {
        return;
    }
    html.raw("<table class=\"amounts\">\n");
    html.element("caption", &[], caption);
    html.nl();
    // Payers' parts carry their share of the total.
    let shares = amounts.iter().any(|a| a.share.is_some());
    if shares {
        head(
            html,
            &[
                (column, Align::Text),
                ("Amount", Align::Number),
                ("Share", Align::Number),
                ("Clause", Align::Text),
            ],
        );
    } else {
        head(html, &[(column, Align::Text), ("Amount", Align::Number)]);
    }
    html.raw("<tbody>\n");
    for amount in amounts {
        html.raw("<tr><th scope=\"row\">");
        identifier(html, &amount.name);
        html.raw("</th>");
        num_cell(html, &amount.amount.to_string());
        if shares {
            num_cell(
                html,
                &amount.share.map_or("—".to_string(), |s| s.to_string()),
            );
            let clause = amount
                .clause
                .as_ref()
                .map_or(String::new(), |c| c.to_string());
            html.element("td", &[], &clause);
        }
        html.raw("</tr>\n");
    }
    html.raw("</tbody>\n");
    if let Some(report) = total_of {
        html.raw("<tfoot><tr><th scope=\"row\">Total</th>");
        num_cell(html, &report.payments.total.to_string());
        if shares {
            num_cell(html, "100%");
            html.raw("<td></td>");
        }
        html.raw("</tr></tfoot>\n");
    }
    html.raw("</table>\n");
}

// ---------------------------------------------------------------------------------------------
// residual

fn residual(html: &mut Html, report: &Report) {
    let residual = &report.residual;
    html.raw(
        "<p class=\"lede\">What the contract can still pay, and who can still reach a paid \
         stage before the term ends.</p>\n",
    );
    html.raw("<dl class=\"monitoring residual\">\n");
    html.raw("<dt>Still payable under the total cap</dt><dd>");
    match residual.under_total_cap {
        Some(left) => {
            html.element("strong", &[], &left.to_string());
            html.raw(" <span class=\"note\">after the fixed fees still to come</span>");
        }
        None => html.raw("The contract has no total cap."),
    }
    html.raw("</dd>\n<dt>Still payable under the cap on outcome payments</dt><dd>");
    match residual.under_outcome_cap {
        Some(left) => html.element("strong", &[], &left.to_string()),
        None => html.raw("The contract has no cap on outcome payments."),
    }
    html.raw("</dd>\n<dt>New referrals</dt><dd>");
    match residual.referrals_open_until {
        Some(until) => {
            html.raw("Accepted until ");
            date(html, until);
        }
        None => {
            html.raw("No longer accepted after ");
            date(html, report.until);
        }
    }
    html.raw("</dd>\n</dl>\n");
    if residual.can_still_reach.is_empty() {
        return;
    }
    html.raw(
        "<table class=\"reach\">\n<caption>Participants already in a funnel who can still \
         reach each paid stage before the term ends</caption>\n",
    );
    head(
        html,
        &[("Stage", Align::Text), ("Participants", Align::Number)],
    );
    html.raw("<tbody>\n");
    for reach in &residual.can_still_reach {
        html.raw("<tr><th scope=\"row\">");
        identifier(html, &reach.stage);
        html.raw("</th>");
        num_cell(html, &count(reach.participants));
        html.raw("</tr>\n");
    }
    html.raw("</tbody>\n</table>\n");
}

// ---------------------------------------------------------------------------------------------
// payment lines

fn payment_lines(html: &mut Html, report: &Report) {
    let payments = &report.payments;
    let lines = &payments.lines;
    let shown = lines.len().min(MAX_PAYMENT_LINES);
    let all = payments.line_count();
    html.raw("<p class=\"lede\">");
    html.text(&format!(
        "Every payment due to {}, in order of the date due: the rate the clause sets, the \
         amount after every rule, and the rules that cut it.",
        report.until
    ));
    if (shown as u64) < all {
        html.text(&format!(
            " The first {} of {} lines are listed; {} more are not. The totals in “Payments \
             due” include every line.",
            count(shown as u64),
            count(all),
            count(all - shown as u64)
        ));
    }
    html.raw("</p>\n");
    html.raw("<table class=\"lines\">\n<caption>Payment lines</caption>\n");
    head(
        html,
        &[
            ("Due", Align::Text),
            ("Participant", Align::Text),
            ("Stage", Align::Text),
            ("Payment", Align::Text),
            ("Earned", Align::Text),
            ("Rate", Align::Number),
            ("Amount", Align::Number),
            ("Clause", Align::Text),
            ("Cut by", Align::Text),
        ],
    );
    html.raw("<tbody>\n");
    for line in &lines[..shown] {
        html.raw("<tr>");
        date_cell(html, line.due);
        match &line.participant {
            Some(participant) => html.element("td", &[("class", "participant")], participant),
            None => cell(html, None),
        }
        match &line.stage {
            Some(stage) => {
                html.raw("<td>");
                identifier(html, stage);
                html.raw("</td>");
            }
            None => cell(html, None),
        }
        // A tier payment shows the measured values it was worked out from; with payers, every
        // line says who pays it.
        let notes: Vec<String> = line
            .measured
            .iter()
            .map(crate::report::tiers::describe)
            .chain(crate::report::payer_parts::paid_by(&line.payers))
            .collect();
        if notes.is_empty() {
            html.element("td", &[], line_kind(line.kind));
        } else {
            html.raw("<td>");
            html.text(line_kind(line.kind));
            for note in &notes {
                html.raw("<br><small>");
                html.text(note);
                html.raw("</small>");
            }
            html.raw("</td>");
        }
        date_cell(html, line.earned);
        num_cell(html, &line.rate.to_string());
        html.element("td", &[("class", "num strong")], &line.amount.to_string());
        html.raw("<td class=\"clause\"><code>");
        breakable(html, &line.clause.to_string(), '/');
        html.raw("</code></td>");
        if line.cut_by.is_empty() && line.limit.is_none() {
            cell(html, None);
        } else {
            html.raw("<td class=\"cut\">");
            for (index, cut) in line.cut_by.iter().chain(&line.limit).enumerate() {
                if index > 0 {
                    html.raw("<br>");
                }
                html.text(cut);
            }
            html.raw("</td>");
        }
        html.raw("</tr>\n");
    }
    html.raw("</tbody>\n");
    if (shown as u64) < all {
        html.raw("<tfoot><tr><td colspan=\"9\" class=\"more\">");
        html.text(&format!(
            "… and {} more lines, not listed. Total of all {} lines: {}.",
            count(all - shown as u64),
            count(all),
            payments.total
        ));
        html.raw("</td></tr></tfoot>\n");
    } else {
        html.raw("<tfoot><tr><th scope=\"row\" colspan=\"6\">Total due</th>");
        html.element("td", &[("class", "num")], &payments.total.to_string());
        html.raw("<td colspan=\"2\"></td></tr></tfoot>\n");
    }
    html.raw("</table>\n");
}

// ---------------------------------------------------------------------------------------------
// rejected rows

fn rejected(html: &mut Html, report: &Report) {
    let listed = report.rejected.len();
    let shown = listed.min(MAX_REJECTED_ROWS);
    let total = report.rows.rejected.max(listed as u64);
    let more = total - shown as u64;
    html.raw("<p class=\"lede\">");
    html.text(&format!(
        "{} rejected, each with its row number in the file (the header is row 1).",
        rows_word(total)
    ));
    if more > 0 {
        html.text(&format!(
            " The first {} are listed; {} more are not.",
            count(shown as u64),
            count(more)
        ));
    }
    html.raw("</p>\n");
    html.raw("<table class=\"rejected\">\n<caption>Rejected rows</caption>\n");
    head(
        html,
        &[
            ("Row", Align::Number),
            ("Participant", Align::Text),
            ("Stage", Align::Text),
            ("Reason", Align::Text),
            ("Detail", Align::Text),
        ],
    );
    html.raw("<tbody>\n");
    for row in &report.rejected[..shown] {
        html.raw("<tr>");
        num_cell(html, &count(row.row));
        match &row.participant {
            Some(participant) => html.element("td", &[("class", "participant")], participant),
            None => cell(html, None),
        }
        match &row.stage {
            Some(stage) => {
                html.raw("<td>");
                identifier(html, stage);
                html.raw("</td>");
            }
            None => cell(html, None),
        }
        html.element("td", &[], rejection(row.reason));
        html.prose_element("td", &[("class", "detail")], &row.detail);
        html.raw("</tr>\n");
    }
    html.raw("</tbody>\n");
    if more > 0 {
        html.raw("<tfoot><tr><td colspan=\"5\" class=\"more\">");
        html.text(&format!(
            "… and {} more rejected {}, not listed.",
            count(more),
            if more == 1 { "row" } else { "rows" }
        ));
        html.raw("</td></tr></tfoot>\n");
    }
    html.raw("</table>\n");
}
