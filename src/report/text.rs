//! The monitoring report as plain text, for a person at a terminal (`report --format human`),
//! and one participant's trace (`report --explain`).
//!
//! Like the emitters, this formats and computes nothing: every count and amount is the
//! report's own. Long lists are cut to their first lines, saying how many were left out; the
//! JSON report has them all.
//!
//! Output is inert: every piece of text that comes from a return (references, stages,
//! dates, evidence, attributes, and the reasons that quote them) passes through `inert`, so a
//! value can neither start a line of its own nor send the terminal an escape sequence, nor
//! reorder the text around it.

use super::lines::LinesFile;
use super::{
    participant_key, Amount, GroupPaid, LineKind, PaymentLine, PeriodAmount, Rejected, Rejection,
    Report, Row,
};
use crate::value::counted as count;
use std::borrow::Cow;
use std::fmt::Write;
use unicode_width::UnicodeWidthStr;

/// How many rejections and payment lines the text shows.
pub const FIRST: usize = 20;

/// The whole report.
pub fn report(report: &Report) -> String {
    report_with_lines(report, None)
}

/// The whole report; when its payment lines went to a file of their own (`--lines`), the
/// payments say where instead of listing the first of them.
pub fn report_with_lines(report: &Report, lines: Option<&LinesFile>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Monitoring report: {}", inert(&report.contract));
    let _ = writeln!(out, "Events up to and including {}", report.until);
    if let Some(nothing) = &report.nothing_counted {
        let rejected = report.rows.rejected;
        let reasons = if nothing.one_reason {
            format!("all as {}", reason_words(nothing.reason))
        } else {
            format!(
                "{} of them as {}",
                group(nothing.rows),
                reason_words(nothing.reason)
            )
        };
        let _ = writeln!(
            out,
            "\nNOTHING COUNTED: every row ({}) was rejected, {reasons}",
            group(rejected)
        );
        if let (Some(row), Some(detail)) = (nothing.first_row, &nothing.first_detail) {
            let _ = writeln!(out, "  row {row}: {}", inert(detail));
        }
    }
    outlook(&mut out, report);
    rows(&mut out, report);
    cohorts(&mut out, report);
    funnels(&mut out, report);
    exceptions(&mut out, report);
    payments(&mut out, report, lines);
    residual(&mut out, report);
    out
}

/// What the report says about one participant: the rows of theirs it accepted and rejected,
/// and every payment line for them with the clause that pays it. `rows` are the participant's
/// rows as read, in file order; those not among the report's rejections were accepted.
pub fn explain(report: &Report, participant: &str, rows: &[Row]) -> String {
    let mut out = String::new();
    let key = participant_key(participant);
    let theirs = |reference: &Option<String>| {
        reference
            .as_deref()
            .is_some_and(|r| participant_key(r) == key)
    };
    let shown = inert(participant);
    let _ = writeln!(
        out,
        "Participant {shown} in the monitoring report for {} (events up to {})",
        inert(&report.contract),
        report.until
    );
    let rejected: Vec<&Rejected> = report
        .rejected
        .iter()
        .filter(|r| theirs(&r.participant))
        .collect();
    let accepted: Vec<&Row> = rows
        .iter()
        .filter(|row| !rejected.iter().any(|r| r.row == row.number))
        .collect();
    if rows.is_empty() && rejected.is_empty() {
        let _ = writeln!(out, "\nNo row of the return names `{shown}`.");
    }

    let _ = writeln!(out, "\nAccepted rows: {}", accepted.len());
    let mut table = Table::new(["row", "stage", "date", "evidence", "attributes"]);
    table.right = vec![true, false, false, false, false];
    for row in &accepted {
        let attributes: Vec<String> = row
            .attributes
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        table.push([
            row.number.to_string(),
            row.stage.clone(),
            row.date.clone(),
            row.evidence.clone().unwrap_or_else(|| "-".to_string()),
            attributes.join(" "),
        ]);
    }
    table.write_if_any(&mut out);

    let _ = writeln!(out, "\nRejected rows: {}", rejected.len());
    for r in &rejected {
        let _ = writeln!(
            out,
            "  row {}{}: {} — {}",
            r.row,
            r.stage
                .as_deref()
                .map_or(String::new(), |s| format!(" ({})", inert(s))),
            reason_words(r.reason),
            inert(&r.detail)
        );
    }

    let lines: Vec<&PaymentLine> = report
        .payments
        .lines
        .iter()
        .filter(|l| theirs(&l.participant))
        .collect();
    let _ = writeln!(out, "\nPayment lines: {}", lines.len());
    if !lines.is_empty() {
        payment_lines(&mut out, &lines);
    }
    if let Some(first) = lines.first() {
        let minor: i128 = lines.iter().map(|l| l.amount.minor).sum();
        let _ = writeln!(
            out,
            "  total due for {shown}: {}",
            crate::value::Money::new(minor, first.amount.currency)
        );
    }
    out
}

fn rows(out: &mut String, report: &Report) {
    let counts = &report.rows;
    let _ = writeln!(out, "\nRows");
    let later = if counts.after_report_date > 0 {
        format!(
            " + after the report date {} (not yet counted)",
            group(counts.after_report_date)
        )
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "  read {} = accepted {} + rejected {}{later}",
        group(counts.read),
        group(counts.accepted),
        group(counts.rejected)
    );
    if counts.rejected_by_reason.iter().any(|r| r.rows > 0) {
        out.push('\n');
        let mut table = Table::new(["rejected because", "rows"]);
        for reason in counts.rejected_by_reason.iter().filter(|r| r.rows > 0) {
            table.push([reason_words(reason.reason).to_string(), group(reason.rows)]);
        }
        table.write(out);
    }
    if !report.rejected.is_empty() {
        let _ = writeln!(
            out,
            "\n  {}:",
            first_of(report.rows.rejected, "rejection", "rejections")
        );
        for r in report.rejected.iter().take(FIRST) {
            let who = match (&r.participant, &r.stage) {
                (Some(p), Some(s)) => format!(" {} {}", inert(p), inert(s)),
                (Some(p), None) => format!(" {}", inert(p)),
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "    row {}{who}: {} — {}",
                r.row,
                reason_words(r.reason),
                inert(&r.detail)
            );
        }
    }
}

/// Each cohort's places, and the rule that fills them.
fn cohorts(out: &mut String, report: &Report) {
    if report.cohorts.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\nCohorts: each pays for at most its size, the first to enter (by date of entry, then reference)"
    );
    let mut table = Table::new(["cohort", "size", "entered", "turned away"]);
    for cohort in &report.cohorts {
        table.push([
            cohort.cohort.clone(),
            cohort.size.map_or("-".to_string(), group),
            group(cohort.entered),
            group(cohort.turned_away),
        ]);
    }
    table.write(out);
}

fn funnels(out: &mut String, report: &Report) {
    for funnel in &report.funnels {
        let _ = writeln!(out, "\nFunnel {}: actual against plan", funnel.id);
        let mut table = Table::new([
            "stage",
            "planned",
            "planned to date",
            "actual",
            "conversion",
            "planned conversion",
        ]);
        for stage in &funnel.stages {
            table.push([
                stage.id.clone(),
                group(stage.planned),
                group(stage.planned_to_date),
                group(stage.actual),
                stage
                    .actual_conversion
                    .map_or("-".to_string(), |p| p.to_string()),
                stage
                    .planned_conversion
                    .map_or("-".to_string(), |p| p.to_string()),
            ]);
        }
        table.write(out);
    }
}

/// What to look out for ahead, first: each warning one line.
fn outlook(out: &mut String, report: &Report) {
    let _ = writeln!(out, "\nLooking ahead");
    for line in outlook_lines(report) {
        let _ = writeln!(out, "  {line}");
    }
}

/// A cohort or stage as a sentence names it: its description, then its name in the
/// contract (`“Entrenched rough sleepers” (`entrenched`)`); the name alone where the contract
/// gives no description.
fn described(description: &str, id: &str) -> String {
    match description.trim() {
        "" => format!("`{}`", inert(id)),
        words => format!("“{}” (`{}`)", inert(words), inert(id)),
    }
}

/// The outlook in sentences, shared by the text and the HTML report: the warnings first,
/// then each limit's forecast, the stages driving it and the assumption.
pub fn outlook_lines(report: &Report) -> Vec<String> {
    use super::outlook::{LimitKind, Reach};
    let outlook = &report.outlook;
    let mut lines = Vec::new();
    for over in &outlook.over_enrolled {
        lines.push(format!(
            "WARNING: {} people entered cohort {}, {} more than its size of {}; those beyond \
             it are not paid for",
            group(over.entered),
            described(&over.description, &over.cohort),
            group(over.beyond),
            group(over.size)
        ));
    }
    let tolerance = report
        .tolerance
        .map_or("any amount (no tolerance is set)".to_string(), |t| {
            format!("more than the tolerance of {t}")
        });
    if !outlook.ahead.is_empty() {
        let stages: Vec<String> = outlook
            .ahead
            .iter()
            .map(|a| {
                let share = a
                    .excess_share
                    .map_or(String::new(), |s| format!(", {s} ahead"));
                format!(
                    "{} {} against {} planned{share}",
                    described(&a.description, &a.stage),
                    group(a.actual),
                    group(a.planned_to_date)
                )
            })
            .collect();
        lines.push(format!(
            "WARNING: {} ahead of plan by {tolerance}: {}",
            count(outlook.ahead.len(), "stage", "stages"),
            stages.join("; ")
        ));
    }
    let mut forecast_any = false;
    for f in &outlook.forecasts {
        let what = match f.kind {
            LimitKind::TotalCap => format!("the total cap of {}", f.limit),
            LimitKind::OutcomeCap => format!("the cap of {} on outcome payments", f.limit),
            LimitKind::FundingLimit => format!("the funding limit of {}", f.limit),
            LimitKind::Payer => format!(
                "the limit of {} on what {} pays",
                f.limit,
                inert(f.payer.as_deref().unwrap_or("the payer"))
            ),
            LimitKind::GroupCap => match (&f.group_title, &f.group) {
                (Some(title), _) => {
                    format!("the cap of {} on the group “{}”", f.limit, inert(title))
                }
                (None, id) => format!(
                    "the cap of {} on the group `{}`",
                    f.limit,
                    inert(id.as_deref().unwrap_or("?"))
                ),
            },
        };
        let period = f.period.as_deref().unwrap_or("");
        let sentence = match f.reach {
            Reach::Reached if period.is_empty() => {
                format!("WARNING: {what} is reached by {}", report.until)
            }
            Reach::Reached => format!("WARNING: {what} was reached in {period}"),
            Reach::Forecast => {
                forecast_any = true;
                format!(
                    "WARNING: {what} will be reached in {period} at the current rate ({} counted \
                     so far, {} a {})",
                    f.counted, f.per_period, outlook.period
                )
            }
            Reach::NotInTerm => format!(
                "{what} is not reached before the term ends at the current rate ({} counted so \
                 far, {} a {})",
                f.counted, f.per_period, outlook.period
            ),
            Reach::NoRate => format!("{what}: nothing counted against it yet"),
            Reach::BelowCap => format!("{what} cannot be reached: the total cap is below it"),
        };
        lines.push(sentence);
    }
    if forecast_any && !outlook.drivers.is_empty() {
        let drivers: Vec<String> = outlook
            .drivers
            .iter()
            .map(|d| {
                let share = d.share.map_or(String::new(), |s| format!(" ({s})"));
                let name = match &d.description {
                    Some(description) => described(description, &d.name),
                    None => inert(&d.name).to_string(),
                };
                format!("{name} {}{share}", d.amount)
            })
            .collect();
        lines.push(format!(
            "driven most by: {} of the {} due",
            drivers.join(", "),
            report.payments.total
        ));
    }
    if forecast_any {
        lines.push(format!("assumption: {}", outlook.assumption));
    }
    if lines.is_empty() {
        lines.push(
            "nothing to warn of: no cohort beyond its size, no stage ahead of plan, and no cap \
             or limit"
                .to_string(),
        );
    }
    lines
}

fn exceptions(out: &mut String, report: &Report) {
    let tolerance = report
        .tolerance
        .map_or(String::new(), |t| format!(" (tolerance {t})"));
    if report.exceptions.is_empty() {
        let _ = writeln!(
            out,
            "\nExceptions{tolerance}: none; every stage is within its planned profile"
        );
        return;
    }
    let _ = writeln!(
        out,
        "\nExceptions{tolerance}: {} behind plan",
        count(report.exceptions.len(), "stage", "stages")
    );
    let mut table = Table::new([
        "funnel",
        "stage",
        "planned to date",
        "actual",
        "short",
        "share",
    ]);
    table.right = vec![false, false, true, true, true, true];
    for e in &report.exceptions {
        table.push([
            e.funnel.clone(),
            e.stage.clone(),
            group(e.planned_to_date),
            group(e.actual),
            group(e.shortfall),
            e.shortfall_share.to_string(),
        ]);
    }
    table.write(out);
}

fn payments(out: &mut String, report: &Report, file: Option<&LinesFile>) {
    let payments = &report.payments;
    let lines =
        usize::try_from(file.map_or(payments.line_count(), |f| f.lines)).unwrap_or(usize::MAX);
    let _ = writeln!(
        out,
        "\nPayments due: {} in {}",
        payments.total,
        count(lines, "line", "lines")
    );
    by_period(out, &payments.by_period);
    amounts(out, "by payer", &payments.by_payer);
    amounts(out, "by stage", &payments.by_stage);
    by_group(out, &payments.by_group);
    unit_costs(out, report);
    tiers(out, report);
    if let Some(file) = file {
        let _ = writeln!(
            out,
            "\n  {} written to {} ({} bytes)",
            count(lines, "line", "lines"),
            inert(&file.path),
            group(file.bytes)
        );
        return;
    }
    if !payments.lines.is_empty() {
        let _ = writeln!(
            out,
            "\n  {}:",
            first_of(payments.line_count(), "line", "lines")
        );
        let lines: Vec<&PaymentLine> = payments.lines.iter().take(FIRST).collect();
        payment_lines(out, &lines);
    }
}

/// The total due to date per target reached and per participant entered.
fn unit_costs(out: &mut String, report: &Report) {
    let costs = &report.unit_costs;
    let _ = writeln!(
        out,
        "\n  unit costs to date (the total due ÷ the people counted)"
    );
    let mut table = Table::new(["", "", ""]);
    table.header = false;
    let dash = |m: Option<crate::value::Money>| m.map_or("—".to_string(), |m| m.to_string());
    for target in &costs.per_target {
        table.push([
            format!("per {} reached", inert(&target.target)),
            group(target.achieved),
            dash(target.unit_cost),
        ]);
    }
    table.push([
        "per participant entered".to_string(),
        group(costs.participants),
        dash(costs.per_participant),
    ]);
    table.right = vec![false, true, true];
    table.indent = 4;
    table.write(out);
}

/// Each tier schedule's reading, in a sentence: the measured values and the comparison, the
/// result, the tier reached (or that none was) and what it pays; stated whatever lines are
/// listed.
fn tiers(out: &mut String, report: &Report) {
    if report.payments.tiers.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n  tier payments on the latest measured values");
    for reading in &report.payments.tiers {
        let _ = writeln!(
            out,
            "    {}",
            inert(&crate::report::tiers::reading_words(reading))
        );
    }
}

fn amounts(out: &mut String, title: &str, amounts: &[Amount]) {
    if amounts.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n  {title}");
    let mut table = Table::new(["", "", ""]);
    table.header = false;
    for amount in amounts {
        // A payer's part is shown with its share of the total and the clause it is shared by.
        let figure = match amount.share {
            Some(share) => format!("{} ({share})", amount.amount),
            None => amount.amount.to_string(),
        };
        let clause = amount
            .clause
            .as_ref()
            .map_or(String::new(), |c| c.to_string());
        table.push([amount.name.clone(), figure, clause]);
    }
    table.right = vec![false, true, false];
    table.indent = 4;
    table.write(out);
}

/// The payments by period; with groups, each period's split by group in columns after its
/// total (the rows paid anything in some period; the others hold nothing).
fn by_period(out: &mut String, periods: &[PeriodAmount]) {
    let Some(first) = periods.first() else {
        return;
    };
    let shown: Vec<usize> = (0..first.by_group.len())
        .filter(|&i| {
            periods
                .iter()
                .any(|p| p.by_group.get(i).is_some_and(|g| g.amount.minor != 0))
        })
        .collect();
    let _ = writeln!(out, "\n  by period");
    let mut table = Table::new(
        ["", "total"]
            .into_iter()
            .chain(shown.iter().map(|&i| first.by_group[i].name.as_str())),
    );
    table.header = !shown.is_empty();
    table.indent = 4;
    for period in periods {
        table.push(
            [period.name.clone(), period.amount.to_string()]
                .into_iter()
                .chain(shown.iter().map(|&i| {
                    period
                        .by_group
                        .get(i)
                        .map_or(String::new(), |g| g.amount.to_string())
                })),
        );
    }
    table.write(out);
}

/// The payments by group: paid to date beside each row's part of the plan and of the
/// maximum over the whole contract, and a group's cap with whether it has been reached.
fn by_group(out: &mut String, rows: &[GroupPaid]) {
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n  by group");
    let mut table = Table::new(["", "paid to date", "at plan", "at most", "cap"]);
    table.indent = 4;
    for row in rows {
        let cap = match row.cap {
            Some(cap) if row.cap_reached => format!("{cap} reached"),
            Some(cap) => cap.to_string(),
            None => String::new(),
        };
        table.push([
            row.name.clone(),
            row.amount.to_string(),
            row.at_plan.to_string(),
            row.at_maximum.map_or("—".to_string(), |m| m.to_string()),
            cap,
        ]);
    }
    table.write(out);
}

/// Payment lines, one a line, aligned:
/// `2009-06-30  2009-06  P001 attend  £100  specs/drug-service.outcome:62`, then any cut.
fn payment_lines(out: &mut String, lines: &[&PaymentLine]) {
    let what = |line: &PaymentLine| match (&line.participant, &line.stage) {
        (Some(p), Some(s)) => format!("{p} {s}"),
        (Some(p), None) => format!("{p} {}", kind_words(line.kind)),
        (None, Some(s)) => format!("{} {s}", kind_words(line.kind)),
        (None, None) => kind_words(line.kind).to_string(),
    };
    let mut table = Table::new(["due", "period", "for", "amount", "clause", "earned"]);
    table.right = vec![false, false, false, true, false, false];
    table.indent = 4;
    for line in lines {
        let amount = if line.rate == line.amount {
            line.amount.to_string()
        } else {
            format!("{} of {}", line.amount, line.rate)
        };
        let earned = if line.earned == line.due {
            String::new()
        } else {
            format!("earned {}", line.earned)
        };
        table.push([
            line.due.to_string(),
            line.period.clone(),
            what(line),
            amount,
            line.clause.to_string(),
            earned,
        ]);
        table.notes.push(
            line.measured
                .iter()
                .map(|basis| inert(&crate::report::tiers::describe(basis)).to_string())
                .chain(
                    line.cut_by
                        .iter()
                        .map(|cut| format!("cut by {}", inert(cut))),
                )
                .chain(line.limit.iter().map(|limit| inert(limit).to_string()))
                .chain(
                    crate::report::payer_parts::paid_by(&line.payers)
                        .map(|words| inert(&words).to_string()),
                )
                .collect(),
        );
    }
    table.write(out);
}

fn residual(out: &mut String, report: &Report) {
    let residual = &report.residual;
    let _ = writeln!(out, "\nResidual");
    if let Some(money) = residual.under_total_cap {
        let _ = writeln!(out, "  still payable under the total cap: {money}");
    }
    if let Some(money) = residual.under_outcome_cap {
        let _ = writeln!(
            out,
            "  still payable under the cap on outcome payments: {money}"
        );
    }
    match residual.referrals_open_until {
        Some(date) => {
            let _ = writeln!(out, "  referrals open until {date}");
        }
        None => {
            let _ = writeln!(out, "  referrals closed");
        }
    }
    if !residual.can_still_reach.is_empty() {
        let _ = writeln!(
            out,
            "  participants already in who can still reach a paid stage before the term ends:"
        );
        let mut table = Table::new(["", ""]);
        table.header = false;
        table.indent = 4;
        table.right = vec![false, true];
        for reach in &residual.can_still_reach {
            table.push([reach.stage.clone(), group(reach.participants)]);
        }
        table.write(out);
    }
}

/// Text from a return, made safe to print as one token on one line: every control
/// character (C0, DEL, C1), every character that changes the direction of the text around
/// it (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069), every invisible
/// formatting character (soft hyphen, zero-width spaces and joiners, U+2060 to U+2064,
/// U+206A to U+206F, U+FEFF, U+FFF9 to U+FFFB) and the line and paragraph separators are
/// written as escapes: `\n`, `\r`, `\t`, and `\u{1b}` for the others. So a reference
/// holding a line break cannot forge a line of the report, an escape sequence cannot reach
/// the terminal, and two references that look alike but differ show the difference.
pub fn inert(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{ad}'
                | '\u{61c}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206f}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
        )
}

/// A rejection reason in words.
pub fn reason_words(reason: Rejection) -> &'static str {
    match reason {
        Rejection::Malformed => "malformed",
        Rejection::UnknownStage => "unknown stage",
        Rejection::BadDate => "bad date",
        Rejection::OutsideTerm => "outside the term",
        Rejection::ReferredLate => "referred after referrals closed",
        Rejection::NotReferred => "not referred",
        Rejection::BeforePredecessor => "before a stage that comes first",
        Rejection::TooEarly => "too early",
        Rejection::TooLate => "too late",
        Rejection::Duplicate => "duplicate",
        Rejection::MissingEvidence => "missing evidence",
        Rejection::Ineligible => "not eligible",
        Rejection::WrongCohort => "wrong cohort",
        Rejection::BeyondCohortSize => "beyond the cohort size",
    }
}

fn kind_words(kind: LineKind) -> &'static str {
    match kind {
        LineKind::Price => "price",
        LineKind::Attachment => "attachment fee",
        LineKind::FixedFee => "fixed fee",
        LineKind::Bonus => "bonus",
        LineKind::Penalty => "penalty",
        LineKind::Tier => "tier payment",
        LineKind::Deadweight => "deadweight discount",
    }
}

/// `the first 20 of 31 rejections`, or `all 3 rejections`.
fn first_of(n: u64, one: &str, many: &str) -> String {
    if n > FIRST as u64 {
        format!("the first {FIRST} of {} {many}", group(n))
    } else if n == 1 {
        format!("the {one}")
    } else {
        format!("all {n} {many}")
    }
}

fn group(n: u64) -> String {
    crate::value::group_thousands(u128::from(n))
}

/// A plain table: the first column left-aligned, numbers right-aligned. Cells are measured in
/// terminal columns (unicode-width), so a reference in CJK characters, two columns each, keeps
/// the columns after it aligned.
struct Table {
    titles: Vec<String>,
    rows: Vec<Vec<String>>,
    header: bool,
    /// Which columns are right-aligned; by default every column but the first.
    right: Vec<bool>,
    indent: usize,
    /// Lines written under a row (indented further), by row; may be shorter than `rows`.
    notes: Vec<Vec<String>>,
}

impl Table {
    fn new<'t>(titles: impl IntoIterator<Item = &'t str>) -> Table {
        let titles: Vec<String> = titles.into_iter().map(str::to_string).collect();
        Table {
            right: (0..titles.len()).map(|i| i > 0).collect(),
            titles,
            rows: Vec::new(),
            header: true,
            indent: 2,
            notes: Vec::new(),
        }
    }

    /// Add a row; every cell is made inert, whatever it holds.
    fn push(&mut self, row: impl IntoIterator<Item = String>) {
        self.rows.push(
            row.into_iter()
                .map(|cell| inert(&cell).into_owned())
                .collect(),
        );
    }

    fn write_if_any(&self, out: &mut String) {
        if !self.rows.is_empty() {
            self.write(out);
        }
    }

    fn write(&self, out: &mut String) {
        let columns = self.titles.len();
        // A column with nothing in any row is left out, title and all.
        let used: Vec<bool> = (0..columns)
            .map(|i| self.rows.iter().any(|row| !row[i].is_empty()))
            .collect();
        let last = used.iter().rposition(|&u| u).unwrap_or(0);
        let mut widths = vec![0; columns];
        let shown = std::iter::once(&self.titles)
            .filter(|_| self.header)
            .chain(&self.rows);
        for row in shown.clone() {
            for (i, cell) in row.iter().enumerate() {
                widths[i] = widths[i].max(cell.width());
            }
        }
        let none: Vec<String> = Vec::new();
        let notes = std::iter::once(&none)
            .filter(|_| self.header)
            .chain(self.notes.iter().chain(std::iter::repeat(&none)));
        for (row, notes) in shown.zip(notes) {
            let mut line = " ".repeat(self.indent);
            for (i, cell) in row.iter().enumerate().filter(|(i, _)| used[*i]) {
                if line.len() > self.indent {
                    line.push_str("  ");
                }
                let pad = widths[i].saturating_sub(cell.width());
                if self.right.get(i).copied().unwrap_or(false) {
                    line.push_str(&" ".repeat(pad));
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    if i != last {
                        line.push_str(&" ".repeat(pad));
                    }
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
            for note in notes {
                let _ = writeln!(out, "{}  {note}", " ".repeat(self.indent));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_numbers_right_and_trim_line_ends() {
        let mut table = Table::new(["stage", "people"]);
        table.push(["enrol".to_string(), "100".to_string()]);
        table.push(["abstinent".to_string(), "9".to_string()]);
        let mut out = String::new();
        table.write(&mut out);
        assert_eq!(
            out,
            "  stage      people\n  enrol         100\n  abstinent       9\n"
        );
    }

    #[test]
    fn a_cjk_participant_reference_keeps_the_columns_aligned() {
        let mut table = Table::new(["participant", "paid"]);
        table.push(["参加者-001".to_string(), "£1,200.00".to_string()]);
        table.push(["P-002".to_string(), "£90.00".to_string()]);
        let mut out = String::new();
        table.write(&mut out);
        let widths: Vec<usize> = out.lines().map(UnicodeWidthStr::width).collect();
        assert_eq!(widths.len(), 3, "{out}");
        assert!(widths.iter().all(|w| *w == widths[0]), "{widths:?}\n{out}");
    }

    #[test]
    fn return_text_is_made_inert() {
        assert!(matches!(inert("DS-001 Évaluation"), Cow::Borrowed(_)));
        assert_eq!(inert("a\nb\r\tc"), "a\\nb\\r\\tc");
        assert_eq!(inert("\u{1b}[2J\u{7f}\u{85}"), "\\u{1b}[2J\\u{7f}\\u{85}");
        assert_eq!(
            inert("\u{202e}x\u{2066}\u{200e}\u{200b}\u{feff}\u{2028}"),
            "\\u{202e}x\\u{2066}\\u{200e}\\u{200b}\\u{feff}\\u{2028}"
        );
        let mut table = Table::new(["who", "n"]);
        table.push(["P1\nforged: £1".to_string(), "1".to_string()]);
        let mut out = String::new();
        table.write(&mut out);
        assert_eq!(out.lines().count(), 2, "{out}");
    }

    #[test]
    fn lists_say_how_much_is_shown() {
        assert_eq!(first_of(1, "line", "lines"), "the line");
        assert_eq!(first_of(3, "line", "lines"), "all 3 lines");
        assert_eq!(
            first_of(2_500, "line", "lines"),
            "the first 20 of 2,500 lines"
        );
    }

    #[test]
    fn every_reason_has_words() {
        let reasons = [
            Rejection::Malformed,
            Rejection::UnknownStage,
            Rejection::BadDate,
            Rejection::OutsideTerm,
            Rejection::ReferredLate,
            Rejection::NotReferred,
            Rejection::BeforePredecessor,
            Rejection::TooEarly,
            Rejection::TooLate,
            Rejection::Duplicate,
            Rejection::MissingEvidence,
            Rejection::Ineligible,
            Rejection::WrongCohort,
            Rejection::BeyondCohortSize,
        ];
        let words: std::collections::BTreeSet<&str> =
            reasons.iter().map(|r| reason_words(*r)).collect();
        assert_eq!(words.len(), reasons.len());
    }
}
