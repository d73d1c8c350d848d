//! A funnel's planned and actual figures as an inline SVG chart.
//!
//! One row per stage, in the order of the report: the stage's number and name on the left,
//! with its planned total, its conversion factors and any exception written under it; on the
//! right two horizontal bars from one axis on one scale, the people planned by the report date
//! (`data-series="planned"`) above the people who got there (`data-series="actual"`), each
//! with its count. The two series differ in black and white as well as in colour: the planned
//! bar is a light outlined box with grey hatching, the actual bar solid and dark. A stage in
//! exception sits on a tinted band with a dark red edge, and its label says "Exception" in
//! words. Every bar's group has `class="funnel-stage"`, `data-series`, `data-stage` and
//! `data-count`. Where routes branch, the stages that leave one stage start side by side, each
//! in its own column within that stage's lane, as the schedule draws them (`lanes`).
//!
//! The geometry is display arithmetic on `f64`, printed to one decimal place; every figure
//! written was computed by the report engine.

use crate::emit::html::chart::{
    hatch_with, open_chart, stage_label, table_id, text_width, tree_lanes, Badge, Chart, Legend,
    StageLabel, SubLine, INK, LABEL_X, LINE, MUTED, SUB_LINE, WIDTH,
};
use crate::emit::html::writer::Html;
use crate::report::{ActualFunnel, ActualStage, Exception, Report};
use crate::value::group_thousands;

/// The axis the bars grow from, and the most room they have: less when the counts written
/// after the bars need more than what is left of the chart's width.
const BAR_LEFT: f64 = 276.0;
const BAR_SPAN: f64 = 330.0;
/// The gap between a bar's end and its count, and the counts' font size.
const COUNT_GAP: f64 = 7.0;
const COUNT_SIZE: f64 = 12.5;
const BAR_HEIGHT: f64 = 17.0;
const BAR_GAP: f64 = 5.0;
const PAIR: f64 = 2.0 * BAR_HEIGHT + BAR_GAP;
const ROW_GAP: f64 = 18.0;
const TOP: f64 = 8.0;
/// Characters per line of a stage name, and of the lines under it: at `CHARACTER_WIDTH` of
/// their font sizes (13.5 and 12) they end before the bars begin (`BAR_LEFT`).
const WRAP_NAME: usize = 28;
const WRAP_SUB: usize = 32;

const PLANNED_FILL: &str = "#e8eef4";
const ACTUAL_FILL: &str = "#1f5a8a";
const EXCEPTION_FILL: &str = "#842029";
const EXCEPTION_WASH: &str = "#fbeced";
const RULE: &str = "#dde3ea";

/// How one line under a stage's name is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tone {
    Plain,
    Exception,
}

/// Where one stage's row sits.
struct Row<'a> {
    stage: &'a ActualStage,
    number: usize,
    name: Vec<String>,
    sub: Vec<(String, Tone)>,
    exception: Option<&'a Exception>,
    top: f64,
    height: f64,
    pair_top: f64,
    planned_width: f64,
    actual_width: f64,
    /// Where the bars start: the band's left edge, or for a stage of a branch, the left of its
    /// column within the stage it follows (see `html::chart::lanes`).
    left: f64,
}

/// The exception for a stage of a funnel, if the stage is in exception.
pub fn exception_for<'a>(
    report: &'a Report,
    funnel: &ActualFunnel,
    stage: &ActualStage,
) -> Option<&'a Exception> {
    report
        .exceptions
        .iter()
        .find(|e| e.funnel == funnel.id && e.stage == stage.id)
}

/// `1,250`
pub fn count(count: u64) -> String {
    group_thousands(u128::from(count))
}

/// Write the chart of one funnel.
pub fn funnel(html: &mut Html, report: &Report, funnel: &ActualFunnel) {
    let rows = layout(report, funnel);
    let bottom = rows.last().map_or(TOP, |row| row.top + row.height);
    let legend_top = bottom + 24.0;
    let height = legend_top + Legend::height(LEGEND_NOTE);
    open_chart(
        html,
        &Chart {
            class: "funnel report-funnel",
            id: &format!("funnel-{}", funnel.id),
            names: ("data-funnel", &funnel.id),
            table: &table_id(&funnel.id),
            width: WIDTH,
            height,
            title: &format!(
                "Funnel {}: people planned by {} and people who got there",
                funnel.id, report.until
            ),
            description: &description(report, funnel, &rows),
        },
    );
    for row in rows.iter().filter(|row| row.exception.is_some()) {
        band(html, row);
    }
    for (row, next) in rows.iter().zip(rows.iter().skip(1)) {
        let y = format!("{:.1}", (row.top + row.height + next.top) / 2.0);
        html.empty(
            "line",
            &[
                ("x1", "0"),
                ("y1", &y),
                ("x2", &format!("{WIDTH:.0}")),
                ("y2", &y),
                ("stroke", RULE),
                ("stroke-width", "1"),
            ],
        );
        html.nl();
    }
    for row in &rows {
        label(html, row);
        bar(html, row, Series::Planned);
        bar(html, row, Series::Actual);
    }
    if !rows.is_empty() {
        let x = format!("{BAR_LEFT:.1}");
        html.empty(
            "line",
            &[
                ("class", "funnel-axis"),
                ("x1", &x),
                ("y1", &format!("{:.1}", TOP - 4.0)),
                ("x2", &x),
                ("y2", &format!("{:.1}", bottom + 4.0)),
                ("stroke", INK),
                ("stroke-width", "1.5"),
            ],
        );
        html.nl();
    }
    legend(html, legend_top, report.tolerance.is_some());
    html.close("svg");
    html.nl();
}

fn layout<'a>(report: &'a Report, funnel: &'a ActualFunnel) -> Vec<Row<'a>> {
    let widest = funnel
        .stages
        .iter()
        .map(|s| s.planned_to_date.max(s.actual))
        .max()
        .unwrap_or(0);
    let widest = funnel
        .stages
        .iter()
        .map(|s| s.planned.max(widest))
        .max()
        .unwrap_or(0);
    // The first stage of each name, found once (a search of the stages before each is
    // quadratic in a long funnel); a stage's parent is the one it follows, written before it.
    let mut first: foldhash::HashMap<&str, usize> = foldhash::HashMap::default();
    for (i, s) in funnel.stages.iter().enumerate() {
        first.entry(s.id.as_str()).or_insert(i);
    }
    let nodes: Vec<(Option<usize>, u64)> = funnel
        .stages
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let parent = s
                .follows
                .as_ref()
                .and_then(|f| first.get(f.as_str()).copied())
                .filter(|&p| p < i);
            (parent, s.planned)
        })
        .collect();
    // Room on the right for the longest count, so that every count ends inside the chart.
    let longest = funnel
        .stages
        .iter()
        .flat_map(|s| {
            [
                count_width(s.planned_to_date, Series::Planned),
                count_width(s.actual, Series::Actual),
            ]
        })
        .fold(0.0, f64::max);
    let span = BAR_SPAN.min(WIDTH - BAR_LEFT - COUNT_GAP - longest);
    let lanes = tree_lanes(&nodes, &[], widest, BAR_LEFT, span, false);
    let width = |people: u64, scale: f64| {
        if scale <= 0.0 || people == 0 {
            0.0
        } else {
            // A stage with anyone in it stays visible.
            (people as f64 * scale).max(2.0)
        }
    };
    let mut top = TOP;
    let mut rows = Vec::new();
    for (index, stage) in funnel.stages.iter().enumerate() {
        let exception = exception_for(report, funnel, stage);
        let name = wrap(&stage.id, WRAP_NAME);
        let sub = sub_lines(stage, exception);
        let label_height = name.len() as f64 * LINE + sub.len() as f64 * SUB_LINE;
        let height = label_height.max(PAIR);
        rows.push(Row {
            stage,
            number: index + 1,
            name,
            sub,
            exception,
            top,
            height,
            pair_top: top + (height - PAIR) / 2.0,
            planned_width: width(stage.planned_to_date, lanes[index].scale),
            actual_width: width(stage.actual, lanes[index].scale),
            left: lanes[index].left,
        });
        top += height + ROW_GAP;
    }
    rows
}

/// The lines under a stage's name: its plan over the whole contract, its conversion factors,
/// and its exception.
fn sub_lines(stage: &ActualStage, exception: Option<&Exception>) -> Vec<(String, Tone)> {
    let mut texts = vec![(
        format!("{} planned over the contract", count(stage.planned)),
        Tone::Plain,
    )];
    match (stage.actual_conversion, stage.planned_conversion) {
        (Some(actual), Some(planned)) => {
            texts.push((format!("Conversion {actual} (plan {planned})"), Tone::Plain))
        }
        (Some(actual), None) => texts.push((format!("Conversion {actual}"), Tone::Plain)),
        (None, Some(planned)) => {
            texts.push((format!("Conversion — (plan {planned})"), Tone::Plain))
        }
        (None, None) => {}
    }
    if let Some(exception) = exception {
        let text = format!(
            "Exception: {} short ({})",
            count(exception.shortfall),
            exception.shortfall_share
        );
        texts.push((text, Tone::Exception));
    }
    texts
        .into_iter()
        .flat_map(|(text, tone)| {
            wrap(&text, WRAP_SUB)
                .into_iter()
                .map(move |line| (line, tone))
        })
        .collect()
}

/// The tinted band behind a stage in exception, with a dark edge on the left.
fn band(html: &mut Html, row: &Row) {
    let y = format!("{:.1}", row.top - ROW_GAP / 2.0 + 1.0);
    let height = format!("{:.1}", row.height + ROW_GAP - 2.0);
    html.empty(
        "rect",
        &[
            ("class", "funnel-exception"),
            ("x", "0"),
            ("y", &y),
            ("width", &format!("{WIDTH:.0}")),
            ("height", &height),
            ("fill", EXCEPTION_WASH),
        ],
    );
    html.empty(
        "rect",
        &[
            ("x", "0"),
            ("y", &y),
            ("width", "4"),
            ("height", &height),
            ("fill", EXCEPTION_FILL),
        ],
    );
    html.nl();
}

fn label(html: &mut Html, row: &Row) {
    let sub: Vec<SubLine> = row
        .sub
        .iter()
        .map(|(text, tone)| {
            let (weight, fill) = match tone {
                Tone::Plain => ("400", MUTED),
                Tone::Exception => ("700", EXCEPTION_FILL),
            };
            SubLine { text, weight, fill }
        })
        .collect();
    stage_label(
        html,
        &StageLabel {
            top: row.top,
            height: row.height,
            number: row.number,
            badge: Badge {
                fill: "#ffffff",
                stroke: INK,
                ink: INK,
                font_size: if row.number < 10 { "12" } else { "10.5" },
            },
            name: &row.name,
            name_attrs: &[("class", "funnel-name")],
            sub: &sub,
        },
    );
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Series {
    Planned,
    Actual,
}

impl Series {
    /// The words after a bar's count.
    fn words(self) -> &'static str {
        match self {
            Series::Planned => " planned to date",
            Series::Actual => " actual",
        }
    }
}

/// The width of a bar's count and the words after it (see `text_width`).
fn count_width(people: u64, series: Series) -> f64 {
    text_width(&format!("{}{}", count(people), series.words()), COUNT_SIZE)
}

fn bar(html: &mut Html, row: &Row, series: Series) {
    let words = series.words();
    let (name, people, width, top) = match series {
        Series::Planned => (
            "planned",
            row.stage.planned_to_date,
            row.planned_width,
            row.pair_top,
        ),
        Series::Actual => (
            "actual",
            row.stage.actual,
            row.actual_width,
            row.pair_top + BAR_HEIGHT + BAR_GAP,
        ),
    };
    let people_text = people.to_string();
    html.open(
        "g",
        &[
            ("class", "funnel-stage"),
            ("data-series", name),
            ("data-stage", &row.stage.id),
            ("data-count", &people_text),
        ],
    );
    let (x, y, w, h) = (
        format!("{:.1}", row.left),
        format!("{top:.1}"),
        format!("{width:.1}"),
        format!("{BAR_HEIGHT:.1}"),
    );
    if width > 0.0 {
        match series {
            Series::Planned => {
                html.empty(
                    "rect",
                    &[
                        ("x", &x),
                        ("y", &y),
                        ("width", &w),
                        ("height", &h),
                        ("fill", PLANNED_FILL),
                    ],
                );
                hatch_with(html, row.left, top, width, BAR_HEIGHT, MUTED, "0.55");
                html.empty(
                    "rect",
                    &[
                        ("x", &x),
                        ("y", &y),
                        ("width", &w),
                        ("height", &h),
                        ("fill", "none"),
                        ("stroke", INK),
                        ("stroke-width", "1.5"),
                    ],
                );
            }
            Series::Actual => {
                let fill = if row.exception.is_some() {
                    EXCEPTION_FILL
                } else {
                    ACTUAL_FILL
                };
                html.empty(
                    "rect",
                    &[
                        ("x", &x),
                        ("y", &y),
                        ("width", &w),
                        ("height", &h),
                        ("fill", fill),
                    ],
                );
            }
        }
    }
    html.open(
        "text",
        &[
            ("class", "funnel-count"),
            ("x", &format!("{:.1}", row.left + width + COUNT_GAP)),
            ("y", &format!("{:.1}", top + BAR_HEIGHT / 2.0 + 4.5)),
            ("font-size", &format!("{COUNT_SIZE}")),
            ("fill", INK),
        ],
    );
    html.element("tspan", &[("font-weight", "700")], &count(people));
    html.text(words);
    html.close("text");
    html.close("g");
    html.nl();
}

/// The note under the legend.
const LEGEND_NOTE: &str = "Both bars of a stage share one scale: the longer the bar, the more \
                           people. Routes that branch start side by side, each in its own \
                           column within the stage they leave.";

fn legend(html: &mut Html, top: f64, tolerance: bool) {
    let row = Legend::open(html, top);
    let planned_x = LABEL_X;
    row.swatch(html, planned_x, &[("fill", PLANNED_FILL)]);
    hatch_with(html, planned_x, top, 26.0, 14.0, MUTED, "0.55");
    row.swatch(
        html,
        planned_x,
        &[("fill", "none"), ("stroke", INK), ("stroke-width", "1.5")],
    );
    // Each swatch after the caption before it, as wide as `text_width` takes it to be.
    let next = |x: f64, caption: &str| x + 34.0 + text_width(caption, 12.0) + 16.0;
    let planned = "Planned by the report date";
    row.caption(html, planned_x + 34.0, planned);
    let actual_x = next(planned_x, planned);
    row.swatch(html, actual_x, &[("fill", ACTUAL_FILL)]);
    row.caption(html, actual_x + 34.0, "Actual");
    let exception_x = next(actual_x, "Actual");
    row.swatch(html, exception_x, &[("fill", EXCEPTION_WASH)]);
    html.empty(
        "rect",
        &[
            ("x", &format!("{exception_x:.1}")),
            ("y", &format!("{top:.1}")),
            ("width", "4"),
            ("height", "14"),
            ("fill", EXCEPTION_FILL),
        ],
    );
    html.empty(
        "rect",
        &[
            ("x", &format!("{:.1}", exception_x + 8.0)),
            ("y", &format!("{:.1}", top + 4.0)),
            ("width", "14"),
            ("height", "6"),
            ("fill", EXCEPTION_FILL),
        ],
    );
    row.caption(
        html,
        exception_x + 34.0,
        if tolerance {
            "Exception: behind plan beyond the tolerance"
        } else {
            "Exception: behind plan"
        },
    );
    row.close(html, LEGEND_NOTE);
}

/// The chart's numbers in words, for `<desc>`.
fn description(report: &Report, funnel: &ActualFunnel, rows: &[Row]) -> String {
    let mut text = format!(
        "Funnel {}: people planned to reach each stage by {} and people who did.",
        funnel.id, report.until
    );
    for row in rows {
        let stage = row.stage;
        text.push_str(&format!(
            " Stage {}, {}: {} planned to date, {} actual ({} planned over the contract)",
            row.number,
            stage.id,
            count(stage.planned_to_date),
            count(stage.actual),
            count(stage.planned)
        ));
        match (stage.actual_conversion, stage.planned_conversion) {
            (Some(actual), Some(planned)) => {
                text.push_str(&format!("; conversion {actual}, planned {planned}"))
            }
            (Some(actual), None) => text.push_str(&format!("; conversion {actual}")),
            (None, Some(planned)) => text.push_str(&format!("; planned conversion {planned}")),
            (None, None) => {}
        }
        if let Some(exception) = row.exception {
            text.push_str(&format!(
                "; exception, {} short of plan ({})",
                count(exception.shortfall),
                exception.shortfall_share
            ));
        }
        text.push('.');
    }
    text
}

/// Break text into lines of at most `width` characters at spaces and underscores (kept at the
/// end of the line); a longer piece gets a line of its own.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for piece in pieces(text) {
        let fits = line.chars().count() + piece.chars().count() <= width;
        if !line.is_empty() && !fits {
            lines.push(line.trim_end().to_string());
            line = String::new();
        }
        line.push_str(piece);
    }
    let line = line.trim_end().to_string();
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// `sustained_12m months` → `sustained_`, `12m `, `months`.
fn pieces(text: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    for (at, ch) in text.char_indices() {
        if ch == ' ' || ch == '_' {
            let end = at + ch.len_utf8();
            pieces.push(&text[start..end]);
            start = end;
        }
    }
    if start < text.len() {
        pieces.push(&text[start..]);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_labels_end_before_the_bars_begin() {
        use crate::emit::html::chart::CHARACTER_WIDTH;
        let name = LABEL_X + WRAP_NAME as f64 * 13.5 * CHARACTER_WIDTH;
        let sub = LABEL_X + WRAP_SUB as f64 * 12.0 * CHARACTER_WIDTH;
        assert!(name.max(sub) <= BAR_LEFT - 4.0, "{name} {sub}");
    }

    #[test]
    fn names_wrap_at_spaces_and_underscores() {
        assert_eq!(wrap("sustained_12m", 40), vec!["sustained_12m"]);
        assert_eq!(
            wrap("reconnection_held_for_six_months", 20),
            vec!["reconnection_held_", "for_six_months"]
        );
        assert_eq!(
            wrap("Exception: 12 short (30.0%)", 16),
            vec!["Exception: 12", "short (30.0%)"]
        );
        assert_eq!(wrap("", 10), vec![""]);
        assert_eq!(wrap("ünïcödé_wörds", 8), vec!["ünïcödé_", "wörds"]);
    }
}
