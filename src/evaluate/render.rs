//! An `Evaluation` written out: an aligned table for a terminal (the bids side by side, best
//! first), JSON (its schema is `schema`, printed by `outcome schema --evaluate`), and a
//! printable A4 comparison for a panel in the style of the contract document.
//!
//! The table's rows are made once (`rows`) for the terminal and the page alike. Contract text
//! is made inert for where it goes: control and bidirectional characters escaped and line
//! breaks folded for the terminal, HTML escaped by its writer.

use super::{BidFigures, Evaluation, RefusedBid};
use crate::diagnostic::{Record, RelatedRecord};
use crate::diff::render::one_line;
use crate::emit::html::writer::{Html, Paper};
use crate::emit::json::{closed, versioned};
use crate::value::Date;
use unicode_width::UnicodeWidthStr;

/// The `$id` of the evaluation's schema (`outcome schema --evaluate`).
pub const EVALUATION_SCHEMA_ID: &str =
    concat!(env!("CARGO_PKG_REPOSITORY"), "/schema/evaluation/v1.json");

/// JSON, pretty-printed with a trailing newline, opening with its `version`.
pub fn json(evaluation: &Evaluation) -> String {
    crate::emit::json::pretty(&versioned(evaluation))
}

/// The JSON Schema (draft 2020-12) of what `json` writes: closed, with its `$id`.
pub fn schema() -> String {
    crate::emit::json::pretty(&closed(
        schemars::schema_for!(Evaluation).to_value(),
        EVALUATION_SCHEMA_ID,
    ))
}

/// One row of the comparison: what it shows, and a cell per bid in rank order.
struct Row {
    what: Vec<Part>,
    cells: Vec<String>,
}

/// A piece of a row's heading: words, a name from the contract, or a date.
enum Part {
    Words(&'static str),
    Number(u32),
    Name(String),
    Date(Date),
}

impl Row {
    /// The heading for a terminal: names in backticks.
    fn heading(&self) -> String {
        self.what
            .iter()
            .map(|part| match part {
                Part::Words(words) => words.to_string(),
                Part::Number(n) => n.to_string(),
                Part::Name(name) => format!("`{}`", one_line(name)),
                Part::Date(date) => date.to_string(),
            })
            .collect()
    }

    /// The heading on the page: names as code, dates unbroken.
    fn write_heading(&self, html: &mut Html) {
        html.open("th", &[]);
        for part in &self.what {
            match part {
                Part::Words(words) => html.text(words),
                Part::Number(n) => html.text(&n.to_string()),
                Part::Name(name) => html.element("code", &[], name),
                Part::Date(date) => {
                    let iso = date.to_string();
                    html.element("time", &[("datetime", &iso)], &iso);
                }
            }
        }
        html.close("th");
    }
}

/// The rows of the comparison, each figure as the checker computed it.
fn rows(evaluation: &Evaluation) -> Vec<Row> {
    let bids = &evaluation.bids;
    let row = |what: Vec<Part>, cell: &dyn Fn(&BidFigures) -> String| Row {
        what,
        cells: bids.iter().map(cell).collect(),
    };
    let mut rows = vec![
        row(vec![Part::Words("planned total cost")], &|b| {
            b.planned_total_cost.to_string()
        }),
        row(vec![Part::Words("maximum exposure")], &|b| {
            b.maximum_exposure.to_string()
        }),
        row(
            vec![Part::Words("headroom under the funding limit")],
            &|b| b.headroom.to_string(),
        ),
    ];
    // Every bid is the same specification, so the same targets, cohorts, stages and years,
    // in the same order: the first bid's list names the rows.
    let Some(first) = bids.first() else {
        return rows;
    };
    for (i, unit) in first.unit_cost_per_target.iter().enumerate() {
        let what = vec![
            Part::Words("unit cost per "),
            Part::Name(unit.target.as_str().to_owned()),
        ];
        rows.push(row(what, &|b| {
            b.unit_cost_per_target
                .get(i)
                .map(|u| u.unit_cost.to_string())
                .unwrap_or_default()
        }));
    }
    rows.push(row(vec![Part::Words("cost per participant")], &|b| {
        b.cost_per_participant
            .map(|m| m.to_string())
            .unwrap_or_else(|| "not computed".to_string())
    }));
    for (i, card) in first.rate_card_per_participant.iter().enumerate() {
        rows.push(row(
            vec![
                Part::Words("rate card per participant, "),
                Part::Name(card.cohort.clone()),
            ],
            &|b| {
                b.rate_card_per_participant
                    .get(i)
                    .map(|c| {
                        if c.maximum == c.rate_card {
                            c.rate_card.to_string()
                        } else {
                            format!("{} (at most {})", c.rate_card, c.maximum)
                        }
                    })
                    .unwrap_or_default()
            },
        ));
    }
    for (i, conversion) in first.conversion_to_target.iter().enumerate() {
        rows.push(row(
            vec![
                Part::Words("conversion from entry to "),
                Part::Name(conversion.target.clone()),
            ],
            &|b| {
                b.conversion_to_target
                    .get(i)
                    .map(|c| format!("{} ({} of {})", c.conversion, c.expected, c.entering))
                    .unwrap_or_default()
            },
        ));
    }
    let stages: Vec<&str> = {
        let mut seen = Vec::new();
        for bid in bids {
            for price in &bid.prices {
                if !seen.contains(&price.stage.as_str()) {
                    seen.push(price.stage.as_str());
                }
            }
        }
        seen
    };
    for stage in stages {
        let what = vec![Part::Words("price for "), Part::Name(stage.to_string())];
        rows.push(row(what, &|b| {
            b.prices
                .iter()
                .find(|p| p.stage == stage)
                .map(|p| p.amount.to_string())
                .unwrap_or_else(|| "not priced".to_string())
        }));
    }
    for (i, year) in first.by_year.iter().enumerate() {
        rows.push(row(
            vec![
                Part::Words("year "),
                Part::Number(year.year),
                Part::Words(" ("),
                Part::Date(year.start),
                Part::Words(" to "),
                Part::Date(year.end),
                Part::Words(")"),
            ],
            &|b| {
                b.by_year
                    .get(i)
                    .map(|y| y.total.to_string())
                    .unwrap_or_default()
            },
        ));
    }
    rows
}

/// "2 bids", "1 bid".
fn bids(n: usize) -> String {
    crate::value::counted(n, "bid", "bids")
}

/// The evaluation for a terminal: a heading, the table with the bids as columns in rank
/// order, and the refused bids with their diagnostics' codes and messages.
pub fn human(evaluation: &Evaluation) -> String {
    let mut out = format!(
        "`{}` ({}): {} valid, {} refused; funding limit {}\n",
        one_line(&evaluation.specification),
        one_line(&evaluation.title),
        bids(evaluation.bids.len()),
        evaluation.refused.len(),
        evaluation.funding_limit
    );
    if !evaluation.bids.is_empty() {
        out.push_str(&format!("ranked by {}\n\n", evaluation.ranked_by));
        let bids = &evaluation.bids;
        let mut table: Vec<(String, Vec<String>)> = vec![
            (
                "rank".to_string(),
                bids.iter().map(|b| b.rank.to_string()).collect(),
            ),
            (
                "bidder".to_string(),
                bids.iter().map(|b| one_line(&b.bidder)).collect(),
            ),
            (
                "file".to_string(),
                bids.iter().map(|b| one_line(&b.file)).collect(),
            ),
        ];
        table.extend(rows(evaluation).into_iter().map(|r| {
            let cells = r.cells.iter().map(|c| one_line(c)).collect();
            (r.heading(), cells)
        }));
        let label_width = table.iter().map(|r| r.0.width()).max().unwrap_or(0);
        let widths: Vec<usize> = (0..bids.len())
            .map(|i| {
                table
                    .iter()
                    .map(|r| r.1.get(i).map_or(0, |c| c.width()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        for (what, cells) in &table {
            let mut line = pad(what, label_width);
            for (cell, width) in cells.iter().zip(&widths) {
                line.push_str("  ");
                line.push_str(&pad(cell, *width));
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    if !evaluation.refused.is_empty() {
        out.push_str(&format!("\nrefused: {}\n", bids(evaluation.refused.len())));
        for refused in &evaluation.refused {
            for d in &refused.diagnostics {
                out.push_str(&format!(
                    "  {}:{}:{}: {} {}\n",
                    one_line(&refused.file),
                    d.line,
                    d.column,
                    d.code,
                    one_line(&d.message)
                ));
                for place in elsewhere(refused, d) {
                    out.push_str(&format!(
                        "    {}:{}:{}: {}\n",
                        one_line(&place.file),
                        place.line,
                        place.column,
                        one_line(&place.message)
                    ));
                }
            }
        }
    }
    out
}

/// The places a refused bid's diagnostic points at in other files than the bid: the line of
/// the specification that sets the rule the bid breaks.
fn elsewhere<'a>(
    refused: &'a RefusedBid,
    record: &'a Record,
) -> impl Iterator<Item = &'a RelatedRecord> + 'a {
    record
        .related
        .iter()
        .filter(move |place| place.file != refused.file)
}

/// `text` padded with spaces to `width` columns.
fn pad(text: &str, width: usize) -> String {
    let mut padded = text.to_string();
    padded.push_str(&" ".repeat(width.saturating_sub(text.width())));
    padded
}

/// What the comparison adds to the contract document's stylesheet: file names small, and
/// broken anywhere rather than widening their column.
const CSS: &str =
    ".page td.file { font-size: 0.85em; overflow-wrap: anywhere; text-align: right; }\n";

/// A printable comparison for an evaluation panel: the contract document's style, the bids
/// side by side, best first, then the bids refused and why.
pub fn html(evaluation: &Evaluation, paper: Paper) -> String {
    let title = format!("Evaluation of bids: {}", evaluation.title);
    let mut html = Html::new();
    html.begin_document(
        &title,
        &[crate::emit::html::style::CSS, CSS],
        paper,
        [&title, "Bid evaluation"],
        "page",
    );
    html.element("h1", &[], &title);
    html.nl();
    html.element(
        "p",
        &[],
        &format!(
            "Specification {}: {} valid, {} refused. Funding limit {}.",
            evaluation.specification,
            bids(evaluation.bids.len()),
            evaluation.refused.len(),
            evaluation.funding_limit
        ),
    );
    html.nl();
    if !evaluation.bids.is_empty() {
        html.open("section", &[]);
        html.element("h2", &[], "Bids side by side");
        html.nl();
        html.element("p", &[], &format!("Ranked by {}.", evaluation.ranked_by));
        html.nl();
        html.raw("<table class=\"figures\">\n<thead><tr><th>Rank</th>");
        for bid in &evaluation.bids {
            html.element("th", &[("class", "num")], &bid.rank.to_string());
        }
        html.raw("</tr>\n<tr><th>Bidder</th>");
        for bid in &evaluation.bids {
            html.element("th", &[("class", "num")], &bid.bidder);
        }
        html.raw("</tr></thead>\n<tbody>\n<tr><th>file</th>");
        for bid in &evaluation.bids {
            html.element("td", &[("class", "file")], &bid.file);
        }
        html.raw("</tr>\n");
        for row in rows(evaluation) {
            html.raw("<tr>");
            row.write_heading(&mut html);
            for cell in &row.cells {
                html.element("td", &[("class", "num")], cell);
            }
            html.raw("</tr>\n");
        }
        html.raw("</tbody>\n</table>\n");
        html.close("section");
        html.nl();
    }
    if !evaluation.refused.is_empty() {
        html.open("section", &[]);
        html.element("h2", &[], "Bids refused");
        html.nl();
        html.raw("<table>\n<thead><tr><th>Bid</th><th>Line</th><th>Code</th><th>Why</th></tr></thead>\n<tbody>\n");
        for refused in &evaluation.refused {
            for d in &refused.diagnostics {
                html.raw("<tr>");
                html.element("td", &[], &refused.file);
                html.element("td", &[("class", "num")], &d.line.to_string());
                html.element("td", &[], &d.code);
                html.open("td", &[]);
                html.text(&d.message);
                for place in elsewhere(refused, d) {
                    html.element(
                        "p",
                        &[("class", "note")],
                        &format!("{} line {}: {}", place.file, place.line, place.message),
                    );
                }
                html.close("td");
                html.raw("</tr>\n");
            }
        }
        html.raw("</tbody>\n</table>\n");
        html.close("section");
        html.nl();
    }
    html.end_document();
    html.finish()
}
