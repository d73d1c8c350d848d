//! The planned cash flow as an inline SVG chart in two panels that share the quarters of the
//! term: above, the cumulative planned total as a line against dashed reference lines for the
//! funding limit and the total cap; below, the payments planned in each quarter as stacked bars
//! (fixed fees below, outcome payments above), on a scale of their own so that a quarter's
//! payments stay legible beside a budget many times larger.
//!
//! Every amount drawn is a model figure (`figures.timeline.by_quarter`, the funding limit, the
//! caps); the geometry and the axis ticks are display arithmetic on `f64`, printed to one
//! decimal place. The table of quarters that follows the chart states the same numbers and is
//! its text alternative. Fixed fees and outcome payments differ by lightness as well as by
//! colour, and the two reference lines by their dash, so the chart reads in black and white.

use super::chart::{open_chart, Chart, Legend, INK, LABEL_X, MILESTONE_FILL, MUTED, TARGET_FILL};
use super::writer::Html;
use crate::ast::CapScope;
use crate::model::{Contract, PeriodFigures};
use crate::value::{Currency, Money};

/// The id of the table that states the chart's numbers.
pub const TABLE_ID: &str = "cash-flow-table";

const WIDTH: f64 = super::chart::WIDTH;
const PLOT_RIGHT: f64 = WIDTH - 14.0;
/// The cumulative panel, and the quarters panel under it.
const TOTAL_TOP: f64 = 30.0;
const TOTAL_HEIGHT: f64 = 170.0;
const QUARTERS_TOP: f64 = TOTAL_TOP + TOTAL_HEIGHT + 46.0;
const QUARTERS_HEIGHT: f64 = 120.0;
const AXIS_BOTTOM: f64 = QUARTERS_TOP + QUARTERS_HEIGHT;
/// Share of a quarter's slot its bar fills.
const BAR_SHARE: f64 = 0.64;
/// Most quarter labels and year labels written under the axis; the rest are skipped evenly.
const MOST_LABELS: usize = 16;

const FIXED_FILL: &str = "#c9d6e3";
const GRID: &str = "#dde3ea";
const HALO: &[(&str, &str)] = &[
    ("stroke", "#ffffff"),
    ("stroke-width", "4"),
    ("stroke-linejoin", "round"),
    ("paint-order", "stroke"),
];

/// A horizontal line across the plot at an amount the contract states.
struct Reference {
    class: &'static str,
    /// `funding limit`
    name: &'static str,
    /// `Funding limit £1,250,000`
    label: String,
    amount: Money,
    stroke: &'static str,
    dash: &'static str,
    weight: &'static str,
}

/// One panel's vertical scale: amounts from 0 to `top` over `height` pixels from `y0` down,
/// with a tick every `step`.
struct Scale {
    y0: f64,
    height: f64,
    top: f64,
    step: f64,
    currency: Currency,
}

impl Scale {
    fn new(y0: f64, height: f64, highest: f64, currency: Currency) -> Scale {
        let highest = highest.max(1.0);
        // Four or five ticks a panel.
        let raw = highest / 4.0;
        let magnitude = 10_f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 2.5, 5.0, 10.0]
            .iter()
            .map(|m| m * magnitude)
            .find(|s| *s >= raw)
            .unwrap_or(10.0 * magnitude)
            .max(1.0);
        let mut top = (highest / step).ceil() * step;
        // Some room above the highest line.
        if (top - highest) / top < 0.04 {
            top += step;
        }
        Scale {
            y0,
            height,
            top,
            step,
            currency,
        }
    }

    /// Each tick's height and its label.
    fn ticks(&self) -> impl Iterator<Item = (f64, String)> + '_ {
        let count = (self.top / self.step).round() as i64;
        (0..=count).map(move |i| {
            let amount = i as f64 * self.step;
            let label = Money::new(amount.round() as i128, self.currency).to_string();
            (self.y(amount), label)
        })
    }

    fn y(&self, amount: f64) -> f64 {
        self.y0 + self.height * (1.0 - (amount / self.top).clamp(0.0, 1.0))
    }

    fn base(&self) -> f64 {
        self.y0 + self.height
    }
}

/// Where the quarters sit across the plot.
struct Columns {
    left: f64,
    slot: f64,
}

impl Columns {
    /// The left edge of quarter `index` (its right edge is `edge(index + 1)`).
    fn edge(&self, index: usize) -> f64 {
        self.left + index as f64 * self.slot
    }
}

/// Minor units as a display figure.
fn amount(money: Money) -> f64 {
    money.minor.max(0) as f64
}

fn references(contract: &Contract) -> Vec<Reference> {
    let mut lines = vec![Reference {
        class: "cash-flow-limit",
        name: "funding limit",
        label: format!("Funding limit {}", contract.funding_limit),
        amount: contract.funding_limit,
        stroke: INK,
        dash: "9 5",
        weight: "600",
    }];
    if let Some(cap) = total_cap(contract) {
        lines.push(Reference {
            class: "cash-flow-cap",
            name: "total cap",
            label: format!("Total cap {cap}"),
            amount: cap,
            stroke: TARGET_FILL,
            dash: "2 3",
            weight: "700",
        });
    }
    lines
}

/// The cap on everything the contract pays, when it has one.
pub fn total_cap(contract: &Contract) -> Option<Money> {
    contract
        .payments
        .caps
        .iter()
        .find(|c| c.scope == CapScope::Total)
        .map(|c| c.amount)
}

/// Write the chart of the planned payments by quarter.
pub fn chart(html: &mut Html, contract: &Contract) {
    let quarters = &contract.figures.timeline.by_quarter;
    let references = references(contract);
    let currency = contract.funding_limit.currency;
    let highest_total = quarters
        .iter()
        .map(|q| amount(q.cumulative))
        .chain(references.iter().map(|r| amount(r.amount)))
        .fold(0.0, f64::max);
    let highest_quarter = quarters.iter().map(|q| amount(q.total)).fold(0.0, f64::max);
    let totals = Scale::new(TOTAL_TOP, TOTAL_HEIGHT, highest_total, currency);
    let per_quarter = Scale::new(QUARTERS_TOP, QUARTERS_HEIGHT, highest_quarter, currency);
    // The amounts are right-aligned against the plot; 11px digits are about 6.3px wide.
    let widest = totals
        .ticks()
        .chain(per_quarter.ticks())
        .map(|(_, label)| label.chars().count())
        .max()
        .unwrap_or(0);
    let left = (widest as f64 * 6.3 + 16.0).max(LABEL_X + 60.0);
    let columns = Columns {
        left,
        slot: (PLOT_RIGHT - left) / quarters.len().max(1) as f64,
    };
    let legend_top = AXIS_BOTTOM + 58.0;
    open_chart(
        html,
        &Chart {
            class: "cash-flow",
            id: "cash-flow",
            names: ("data-chart", "cash-flow"),
            table: TABLE_ID,
            width: WIDTH,
            height: legend_top + Legend::height(LEGEND_NOTE),
            title: "Planned payments: the cumulative total against the funding limit and the \
                    total cap, and the payments in each quarter",
            description: &description(contract, &references),
        },
    );
    panel(html, &totals, &columns, "Cumulative planned total");
    panel(html, &per_quarter, &columns, "Planned in each quarter");
    years(html, contract, &[&totals, &per_quarter], &columns);
    for (index, quarter) in quarters.iter().enumerate() {
        bar(html, &per_quarter, &columns, index, quarter);
    }
    quarter_labels(html, &columns, quarters.len());
    reference_lines(html, &totals, &columns, &references);
    cumulative(html, &totals, &columns, quarters, &references);
    legend(html, legend_top, references.len() > 1);
    html.close("svg");
    html.nl();
}

/// A panel's title, its horizontal rules at each tick with the amounts on the left, and its
/// baseline.
fn panel(html: &mut Html, scale: &Scale, columns: &Columns, title: &str) {
    html.open("g", &[("class", "cash-flow-axis")]);
    html.element(
        "text",
        &[
            ("x", &format!("{:.1}", columns.left)),
            ("y", &format!("{:.1}", scale.y0 - 16.0)),
            ("font-size", "12.5"),
            ("font-weight", "700"),
            ("fill", INK),
        ],
        title,
    );
    let (left, right) = (format!("{:.1}", columns.left), format!("{PLOT_RIGHT:.1}"));
    let label_x = format!("{:.1}", columns.left - 8.0);
    for (y, label) in scale.ticks() {
        let y_text = format!("{y:.1}");
        html.empty(
            "line",
            &[
                ("x1", &left),
                ("y1", &y_text),
                ("x2", &right),
                ("y2", &y_text),
                ("stroke", GRID),
                ("stroke-width", "1"),
            ],
        );
        html.element(
            "text",
            &[
                ("x", &label_x),
                ("y", &format!("{:.1}", y + 4.0)),
                ("text-anchor", "end"),
                ("font-size", "11"),
                ("fill", MUTED),
            ],
            &label,
        );
    }
    let base = format!("{:.1}", scale.base());
    html.empty(
        "line",
        &[
            ("x1", &left),
            ("y1", &base),
            ("x2", &right),
            ("y2", &base),
            ("stroke", INK),
            ("stroke-width", "1.5"),
        ],
    );
    html.close("g");
    html.nl();
}

/// A rule between contract years down each panel, and each year's name under the quarters.
fn years(html: &mut Html, contract: &Contract, panels: &[&Scale], columns: &Columns) {
    let quarters = &contract.figures.timeline.by_quarter;
    let years = &contract.figures.by_year;
    let every = years.len().div_ceil(MOST_LABELS).max(1);
    html.open("g", &[("class", "cash-flow-years")]);
    let mut first = 0;
    for (index, year) in years.iter().enumerate() {
        // The quarters of the year: those that start by its last day.
        let count = quarters
            .get(first..)
            .unwrap_or_default()
            .iter()
            .take_while(|q| q.start <= year.end)
            .count();
        let (from, to) = (first, first + count);
        first = to;
        if count == 0 {
            continue;
        }
        let (left, right) = (columns.edge(from), columns.edge(to));
        if from > 0 && index % every == 0 {
            let x = format!("{left:.1}");
            for panel in panels {
                html.empty(
                    "line",
                    &[
                        ("x1", &x),
                        ("y1", &format!("{:.1}", panel.y0)),
                        ("x2", &x),
                        ("y2", &format!("{:.1}", panel.base())),
                        ("stroke", GRID),
                        ("stroke-width", "1"),
                    ],
                );
            }
            html.empty(
                "line",
                &[
                    ("x1", &x),
                    ("y1", &format!("{AXIS_BOTTOM:.1}")),
                    ("x2", &x),
                    ("y2", &format!("{:.1}", AXIS_BOTTOM + 38.0)),
                    ("stroke", GRID),
                    ("stroke-width", "1"),
                ],
            );
        }
        if index % every == 0 {
            html.element(
                "text",
                &[
                    ("x", &format!("{:.1}", (left + right) / 2.0)),
                    ("y", &format!("{:.1}", AXIS_BOTTOM + 34.0)),
                    ("text-anchor", "middle"),
                    ("font-size", "12"),
                    ("font-weight", "600"),
                    ("fill", INK),
                ],
                &format!("Year {}", year.year),
            );
        }
    }
    html.close("g");
    html.nl();
}

/// One quarter's stacked bar: fixed fees at the bottom, outcome payments on top.
fn bar(html: &mut Html, scale: &Scale, columns: &Columns, index: usize, quarter: &PeriodFigures) {
    let number = (index + 1).to_string();
    html.open(
        "g",
        &[("class", "cash-flow-quarter"), ("data-quarter", &number)],
    );
    let width = (columns.slot * BAR_SHARE).max(1.0);
    let x = format!("{:.1}", columns.edge(index) + (columns.slot - width) / 2.0);
    let w = format!("{width:.1}");
    let fixed = amount(quarter.fixed_fees);
    let both = fixed + amount(quarter.outcome_payments);
    let base = scale.base();
    let (fixed_top, both_top) = (scale.y(fixed), scale.y(both));
    if both_top < fixed_top {
        html.empty(
            "rect",
            &[
                ("class", "cash-flow-outcomes"),
                ("x", &x),
                ("y", &format!("{both_top:.1}")),
                ("width", &w),
                ("height", &format!("{:.1}", fixed_top - both_top)),
                ("fill", MILESTONE_FILL),
            ],
        );
    }
    if fixed_top < base {
        html.empty(
            "rect",
            &[
                ("class", "cash-flow-fixed"),
                ("x", &x),
                ("y", &format!("{fixed_top:.1}")),
                ("width", &w),
                ("height", &format!("{:.1}", base - fixed_top)),
                ("fill", FIXED_FILL),
                ("stroke", INK),
                ("stroke-width", "0.75"),
            ],
        );
    }
    html.close("g");
    html.nl();
}

/// `Q1`, `Q2`, … under the bars; some skipped evenly when there are many.
fn quarter_labels(html: &mut Html, columns: &Columns, count: usize) {
    let every = count.div_ceil(MOST_LABELS).max(1);
    html.open("g", &[("class", "cash-flow-quarters")]);
    for index in (0..count).step_by(every) {
        html.element(
            "text",
            &[
                (
                    "x",
                    &format!("{:.1}", columns.edge(index) + columns.slot / 2.0),
                ),
                ("y", &format!("{:.1}", AXIS_BOTTOM + 16.0)),
                ("text-anchor", "middle"),
                ("font-size", "11"),
                ("fill", MUTED),
            ],
            &format!("Q{}", index + 1),
        );
    }
    html.close("g");
    html.nl();
}

/// The funding limit and the total cap as dashed lines, each labelled with its amount at the
/// left of the plot: above the line, or below it when there is no room above (under the
/// panel's title, or under the label of a line just above).
fn reference_lines(html: &mut Html, scale: &Scale, columns: &Columns, references: &[Reference]) {
    let mut order: Vec<(f64, &Reference)> = references
        .iter()
        .map(|line| (scale.y(amount(line.amount)), line))
        .collect();
    order.sort_by(|a, b| a.0.total_cmp(&b.0));
    // The lowest point on the page the text above may reach: under the panel's title.
    let mut clear = scale.y0 - 14.0;
    for (y, line) in order {
        // A 12px label's baseline: its letters rise about 10px above it.
        let label_y = if y - 6.0 - 10.0 >= clear {
            y - 6.0
        } else {
            y + 15.0
        };
        clear = label_y + 3.0;
        let y_text = format!("{y:.1}");
        html.open(
            "g",
            &[
                ("class", line.class),
                ("data-amount", &line.amount.decimal()),
            ],
        );
        html.empty(
            "line",
            &[
                ("x1", &format!("{:.1}", columns.left)),
                ("y1", &y_text),
                ("x2", &format!("{PLOT_RIGHT:.1}")),
                ("y2", &y_text),
                ("stroke", line.stroke),
                ("stroke-width", "1.75"),
                ("stroke-dasharray", line.dash),
            ],
        );
        let (x, y_label) = (
            format!("{:.1}", columns.left + 6.0),
            format!("{label_y:.1}"),
        );
        let mut text = vec![
            ("x", x.as_str()),
            ("y", y_label.as_str()),
            ("font-size", "12"),
            ("font-weight", line.weight),
            ("fill", line.stroke),
        ];
        text.extend_from_slice(HALO);
        html.element("text", &text, &line.label);
        html.close("g");
        html.nl();
    }
}

/// The cumulative planned total: a line from nothing at the start of the term through the end
/// of each quarter, with the total at its end.
fn cumulative(
    html: &mut Html,
    scale: &Scale,
    columns: &Columns,
    quarters: &[PeriodFigures],
    references: &[Reference],
) {
    let Some(last) = quarters.last() else {
        return;
    };
    let point = |index: usize, quarter: &PeriodFigures| {
        (columns.edge(index + 1), scale.y(amount(quarter.cumulative)))
    };
    let mut points = format!("{:.1},{:.1}", columns.left, scale.base());
    for (index, quarter) in quarters.iter().enumerate() {
        let (x, y) = point(index, quarter);
        points.push_str(&format!(" {x:.1},{y:.1}"));
    }
    html.open("g", &[("class", "cash-flow-cumulative")]);
    html.empty(
        "polyline",
        &[
            ("points", &points),
            ("fill", "none"),
            ("stroke", INK),
            ("stroke-width", "2.5"),
            ("stroke-linejoin", "round"),
        ],
    );
    // Dots at the quarter ends, while they stay apart.
    if columns.slot >= 8.0 {
        for (index, quarter) in quarters.iter().enumerate() {
            let (x, y) = point(index, quarter);
            html.empty(
                "circle",
                &[
                    ("cx", &format!("{x:.1}")),
                    ("cy", &format!("{y:.1}")),
                    ("r", "3.2"),
                    ("fill", INK),
                    ("stroke", "#ffffff"),
                    ("stroke-width", "1"),
                ],
            );
        }
    }
    let (_, end_y) = point(quarters.len() - 1, last);
    // The total goes above the end of the line, or under it when a reference line runs just
    // above or through it.
    let blocked = references.iter().any(|line| {
        let y = scale.y(amount(line.amount));
        y <= end_y + 2.0 && end_y - y < 24.0
    });
    let label_y = if blocked { end_y + 18.0 } else { end_y - 9.0 };
    let (x, y) = (format!("{:.1}", PLOT_RIGHT - 2.0), format!("{label_y:.1}"));
    let mut text = vec![
        ("class", "cash-flow-total"),
        ("x", x.as_str()),
        ("y", y.as_str()),
        ("text-anchor", "end"),
        ("font-size", "12.5"),
        ("font-weight", "700"),
        ("fill", INK),
    ];
    text.extend_from_slice(HALO);
    html.element("text", &text, &last.cumulative.to_string());
    html.close("g");
    html.nl();
}

fn legend(html: &mut Html, top: f64, cap: bool) {
    let row = Legend::open(html, top);
    let mut x = LABEL_X;
    row.swatch(
        html,
        x,
        &[
            ("fill", FIXED_FILL),
            ("stroke", INK),
            ("stroke-width", "0.75"),
        ],
    );
    row.caption(html, x + 34.0, "Fixed fees");
    x += 105.0;
    row.swatch(html, x, &[("fill", MILESTONE_FILL)]);
    row.caption(html, x + 34.0, "Outcome payments");
    x += 162.0;
    legend_line(html, x, top, INK, "2.5", None);
    html.empty(
        "circle",
        &[
            ("cx", &format!("{:.1}", x + 13.0)),
            ("cy", &format!("{:.1}", top + 7.0)),
            ("r", "3.2"),
            ("fill", INK),
        ],
    );
    row.caption(html, x + 34.0, "Cumulative planned total");
    x += 200.0;
    legend_line(html, x, top, INK, "1.75", Some("9 5"));
    row.caption(html, x + 34.0, "Funding limit");
    if cap {
        x += 130.0;
        legend_line(html, x, top, TARGET_FILL, "1.75", Some("2 3"));
        row.caption(html, x + 34.0, "Total cap");
    }
    row.close(html, LEGEND_NOTE);
}

/// The note under the legend.
const LEGEND_NOTE: &str = "Above: everything planned by the end of each quarter. Below: what is \
                           planned in the quarter, on a scale of its own.";

/// A legend entry drawn as a short line where the others have a swatch.
fn legend_line(
    html: &mut Html,
    x: f64,
    top: f64,
    stroke: &'static str,
    width: &'static str,
    dash: Option<&'static str>,
) {
    let y = format!("{:.1}", top + 7.0);
    let (x1, x2) = (format!("{x:.1}"), format!("{:.1}", x + 26.0));
    let mut attrs = vec![
        ("x1", x1.as_str()),
        ("y1", y.as_str()),
        ("x2", x2.as_str()),
        ("y2", y.as_str()),
        ("stroke", stroke),
        ("stroke-width", width),
    ];
    if let Some(dash) = dash {
        attrs.push(("stroke-dasharray", dash));
    }
    html.empty("line", &attrs);
}

/// The chart in words, for `<desc>`: what is drawn and the figures a reader looks for first.
fn description(contract: &Contract, references: &[Reference]) -> String {
    let quarters = &contract.figures.timeline.by_quarter;
    let mut text = format!(
        "Bars: the payments planned in each of the {} quarters of the term, fixed fees and \
         outcome payments.",
        quarters.len()
    );
    let largest =
        quarters
            .iter()
            .enumerate()
            .fold(
                None,
                |best: Option<(usize, &PeriodFigures)>, (i, q)| match best {
                    Some((_, b)) if b.total.minor >= q.total.minor => best,
                    _ => Some((i, q)),
                },
            );
    if let Some((index, quarter)) = largest {
        text.push_str(&format!(
            " The largest is quarter {}, from {} to {}, with {}.",
            index + 1,
            quarter.start,
            quarter.end,
            quarter.total
        ));
    }
    if let Some(last) = quarters.last() {
        text.push_str(&format!(
            " Line: the cumulative planned total, reaching {} at the end of the term.",
            last.cumulative
        ));
    }
    for line in references {
        text.push_str(&format!(
            " Dashed line: the {}, {}.",
            line.name, line.amount
        ));
    }
    text.push_str(" The table below states every quarter’s figures.");
    text
}
