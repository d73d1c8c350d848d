//! A customer funnel as an inline SVG chart.
//!
//! One row per stage, in the order written: the stage's number and description on the left,
//! and on the right a horizontal bar whose width is proportional to the people expected, with
//! the count on it. A funnel in one column is centred on one axis; where routes branch, the
//! stages that leave one stage are drawn side by side within its bar and below it (`lanes`),
//! so a route is never drawn as if it widened the one above it. Grey connectors join each bar
//! to the bar of the stage it follows and carry the computed conversion factor. A route's
//! band runs down its own column past the rows of the routes written before it, so the words
//! of a route (its conversions, and counts too wide for their bars, written beside them) are
//! placed clear of the other routes' bands and of the stage labels (`place_labels`,
//! `clearance`); where they cannot be, the route's column is widened and the chart laid out
//! again. Performance targets differ from milestones in four ways, so
//! that the chart reads in black and white: a darker fill, diagonal hatching, a dashed black
//! outline and the word "Target". Each bar's group has `class="funnel-stage"` and a
//! `data-stage` attribute naming the stage; each band (`funnel-connector`) and conversion
//! (`funnel-conversion`) names the stage it leads to.
//!
//! The geometry is display arithmetic on `f64`, printed to one decimal place; no figure of the
//! contract is computed here.

use super::clearance::{self, Anchor, Band, Block, Wanted};
use super::words;
use super::writer::{Attrs, Html};
use crate::ast::StageKind;
use crate::links::Links;
use crate::model::{Contract, Funnel, Stage};
use crate::value::group_thousands;

// The width, label column, line heights and inks are shared with the report's chart, so
// that both read as one family.
pub(crate) const WIDTH: f64 = 760.0;
/// Centre of the stage-number badge.
pub(crate) const BADGE_X: f64 = 14.0;
/// Left edge of the stage description.
pub(crate) const LABEL_X: f64 = 36.0;
/// The horizontal band the bars are centred in.
const BAR_LEFT: f64 = 300.0;
const BAR_SPAN: f64 = 450.0;
const BAR_HEIGHT: f64 = 30.0;
/// The vertical space between two bars, filled by the connector.
const CONNECTOR: f64 = 24.0;
const TOP: f64 = 10.0;
pub(crate) const LINE: f64 = 16.0;
pub(crate) const SUB_LINE: f64 = 15.0;
/// The width of a character of chart text, as a share of its font size (see `text_width`).
pub(crate) const CHARACTER_WIDTH: f64 = 0.6;
/// Characters per line of a description in the label column, and of the lines under it: at
/// `CHARACTER_WIDTH` they end before the bars begin (`BAR_LEFT`), with room to spare.
const WRAP_DESCRIPTION: usize = 30;
const WRAP_SUB: usize = 36;
/// The gap between a bar and a count written beside it.
const COUNT_GAP: f64 = 8.0;
/// The room a route's column keeps on either side of a label it makes room for.
const LABEL_PAD: f64 = 4.0;
/// How many times the columns are widened for labels that found no room, at the most.
const ROUNDS: usize = 4;

pub const MILESTONE_FILL: &str = "#1f5a8a";
pub const TARGET_FILL: &str = "#9a4a08";
const CONNECTOR_FILL: &str = "#dde3ea";
pub(crate) const INK: &str = "#1b1f24";
pub(crate) const MUTED: &str = "#4a5561";

/// Where one stage's row sits.
struct Row<'a> {
    stage: &'a Stage,
    number: usize,
    lines: Vec<String>,
    sub: Vec<String>,
    top: f64,
    height: f64,
    bar_top: f64,
    bar_width: f64,
    /// Whether another stage follows the same stage as this one (it is drawn in a column).
    branches: bool,
    /// The centre of the bar: on the axis for a funnel in one column; under the stage it
    /// follows, in that stage's column, for a branch.
    centre: f64,
    /// The column the stage is drawn in (see `tree_lanes`).
    lane: Lane,
    /// Where the count is written: on the bar, or beside it at `x`.
    count: CountAt,
}

/// Where a stage's count is written.
#[derive(Clone, Copy)]
enum CountAt {
    /// In white, centred on the bar.
    OnBar,
    /// In ink beside the bar.
    Beside(f64, Anchor),
}

/// The id of the table that states the chart's numbers, for `aria-describedby`.
pub fn table_id(funnel_id: &str) -> String {
    format!("funnel-{funnel_id}-table")
}

/// What an accessible chart says about itself.
pub(crate) struct Chart<'a> {
    pub class: &'static str,
    /// The start of the chart's element ids: `funnel-housing` gives `funnel-housing-title`.
    pub id: &'a str,
    /// The attribute that names what is drawn: `("data-funnel", "housing")`.
    pub names: (&'static str, &'a str),
    /// The id of the table that states the same numbers.
    pub table: &'a str,
    pub width: f64,
    pub height: f64,
    pub title: &'a str,
    /// Every number the chart shows, in words.
    pub description: &'a str,
}

/// Open an inline SVG chart as an image with a title, a description, and the table that
/// states the same numbers as its text alternative. The caller draws it and closes `svg`.
pub(crate) fn open_chart(html: &mut Html, chart: &Chart) {
    let title_id = format!("{}-title", chart.id);
    let desc_id = format!("{}-desc", chart.id);
    let described_by = format!("{desc_id} {}", chart.table);
    let view_box = format!("0 0 {:.0} {:.0}", chart.width, chart.height);
    html.open(
        "svg",
        &[
            ("class", chart.class),
            ("viewBox", &view_box),
            ("role", "img"),
            ("aria-labelledby", &title_id),
            ("aria-describedby", &described_by),
            chart.names,
        ],
    );
    html.nl();
    html.element("title", &[("id", &title_id)], chart.title);
    html.nl();
    html.element("desc", &[("id", &desc_id)], chart.description);
    html.nl();
}

/// Write the funnel chart.
pub fn funnel(html: &mut Html, contract: &Contract, funnel: &Funnel) {
    let parents = parents(funnel);
    let children = children(&parents);
    let columns = columns(&parents, &children);
    // Lay the chart out, place the words beside the bars, and where a route's conversion or
    // count finds no room clear of the other routes, widen the route's column and lay it out
    // again.
    let mut room = vec![Room::default(); funnel.stages.len()];
    let mut round = 1;
    let rows = loop {
        let mut rows = layout(funnel, &parents, &children, &room);
        let wanting = place_labels(funnel, &mut rows, &parents);
        let mut widened = false;
        for (stage, need) in wanting {
            if let Some(column) = columns[stage] {
                let before = room[column];
                room[column].left = room[column].left.max(need.left);
                room[column].right = room[column].right.max(need.right);
                widened |= room[column].left > before.left || room[column].right > before.right;
            }
        }
        if !widened || round == ROUNDS {
            break rows;
        }
        round += 1;
    };
    let branches = rows.iter().any(|r| r.branches);
    let note = legend_note(branches);
    let legend_top = rows.last().map_or(TOP, |row| row.top + row.height + 26.0);
    let height = legend_top + Legend::height(note);
    open_chart(
        html,
        &Chart {
            class: "funnel",
            id: &format!("funnel-{}", funnel.id),
            names: ("data-funnel", &funnel.id),
            table: &table_id(&funnel.id),
            width: WIDTH,
            height,
            title: &format!("Customer funnel: {}", funnel.description),
            description: &description(contract, funnel),
        },
    );
    // The bands first and the words on them after, so that no band is drawn over words.
    for (index, row) in rows.iter().enumerate() {
        if let Some(p) = parents[index] {
            connector(html, &rows[p], row, children[p].len() > 1);
        }
    }
    for (index, row) in rows.iter().enumerate() {
        if let Some(p) = parents[index] {
            conversion_label(html, funnel, &rows[p], row);
        }
    }
    for row in &rows {
        label(html, row);
        bar(html, row);
    }
    legend(html, legend_top, note);
    html.close("svg");
    html.nl();
}

/// A stage's column across the band, and the scale of its bar (people × `scale` wide): the
/// stages of one route share their column, their bars centred on its `axis` (see
/// `tree_lanes`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Lane {
    pub left: f64,
    pub width: f64,
    pub axis: f64,
    pub scale: f64,
}

/// The room a route's column keeps for its words, from its axis to each side at the least.
#[derive(Clone, Copy, Default, Debug)]
pub(crate) struct Room {
    pub left: f64,
    pub right: f64,
}

/// Where each stage's bar goes across the band, as a tree: the stage a stage follows (the
/// first of its `after`, written before it) is its parent, and the stages that follow one
/// parent are drawn side by side, in the order written, each in its own column within the
/// parent's bar, the columns sharing the bar out between them. A funnel in one column keeps
/// one scale (the widest stage fills the band); where the stages that leave a parent expect
/// more people together than the parent (routes people take both of), their scale shrinks so
/// that they fit within the parent's bar, so widths compare only along the routes people
/// flow. A route's column is its part of the parent's bar, in proportion to the people it
/// expects, or wider where the route needs `room` for its words (the scale of the routes
/// shrinks for that). The report's chart places its bars by the same lanes.
fn lanes(funnel: &Funnel, parents: &[Option<usize>], room: &[Room]) -> Vec<Lane> {
    let nodes: Vec<(Option<usize>, u64)> = parents
        .iter()
        .zip(&funnel.stages)
        .map(|(parent, stage)| (*parent, stage.expected))
        .collect();
    let widest = funnel.stages.iter().map(|s| s.expected).max().unwrap_or(0);
    tree_lanes(&nodes, room, widest, BAR_LEFT, BAR_SPAN, true)
}

/// The lanes of any tree of stages: each node gives its parent (written before it) and the
/// people it is sized by; `widest` is the most people any bar on the root scale shows. A node
/// with a parent and no sibling shares the parent's column; the nodes that leave one parent
/// share its bar out as columns side by side, in the order written. `centred` (the schedule):
/// the columns fill the parent's bar, each at least as wide as its `room` (which the parent's
/// bar gives up to half of), its bars centred on its axis. Otherwise (the report): each
/// column is as wide as its bar, from the parent's left.
pub(crate) fn tree_lanes(
    nodes: &[(Option<usize>, u64)],
    room: &[Room],
    widest: u64,
    band_left: f64,
    band: f64,
    centred: bool,
) -> Vec<Lane> {
    let root_scale = if widest == 0 {
        0.0
    } else {
        band / widest as f64
    };
    let mut lanes: Vec<Lane> = vec![
        Lane {
            left: band_left,
            width: band,
            axis: band_left + band / 2.0,
            scale: root_scale,
        };
        nodes.len()
    ];
    // Each node's children, found once: a search of every node for each parent is
    // quadratic in a long funnel.
    let children = Links::new(nodes.iter().map(|(parent, _)| *parent)).reversed();
    for p in 0..nodes.len() {
        let children = &children[p];
        if children.is_empty() {
            continue;
        }
        let parent = lanes[p];
        let width = nodes[p].1 as f64 * parent.scale;
        let left = if centred {
            parent.axis - width / 2.0
        } else {
            parent.left
        };
        let together: u64 = children.iter().map(|&c| nodes[c].1).sum();
        let mut scale = if together == 0 {
            parent.scale
        } else {
            parent.scale.min(width / together as f64)
        };
        if let [only] = children[..] {
            lanes[only] = Lane { scale, ..parent };
            continue;
        }
        if !centred {
            let mut x = left;
            for &c in children {
                let bar = nodes[c].1 as f64 * scale;
                lanes[c] = Lane {
                    left: x,
                    width: bar,
                    axis: x + bar / 2.0,
                    scale,
                };
                x += bar;
            }
            continue;
        }
        // The room the columns ask for, as much as half the parent's bar at the most.
        let asked: f64 = children
            .iter()
            .map(|&c| room.get(c).map_or(0.0, |r| r.left + r.right))
            .sum();
        let give = if asked > width / 2.0 {
            width / 2.0 / asked
        } else {
            1.0
        };
        let halves = |c: usize, scale: f64| {
            let half = nodes[c].1 as f64 * scale / 2.0;
            let r = room.get(c).copied().unwrap_or_default();
            (half.max(r.left * give), half.max(r.right * give))
        };
        let used = |scale: f64| -> f64 {
            children
                .iter()
                .map(|&c| {
                    let (l, r) = halves(c, scale);
                    l + r
                })
                .sum()
        };
        if used(scale) > width {
            // The largest scale at which the columns fit: they widen as it grows.
            let (mut low, mut high) = (0.0, scale);
            for _ in 0..60 {
                let mid = (low + high) / 2.0;
                if used(mid) > width {
                    high = mid;
                } else {
                    low = mid;
                }
            }
            scale = low;
        }
        // The columns fill the parent's bar, each widened in proportion; with nothing to
        // share out (no one expected, no room asked), in equal parts.
        let total = used(scale);
        let mut x = left;
        for &c in children {
            let (l, r) = halves(c, scale);
            let (l, r) = if total > 0.0 {
                (l * width / total, r * width / total)
            } else {
                let part = width / children.len() as f64 / 2.0;
                (part, part)
            };
            lanes[c] = Lane {
                left: x,
                width: l + r,
                axis: x + l,
                scale,
            };
            x += l + r;
        }
    }
    lanes
}

/// The parent each stage is drawn under (see `lanes`): the first stage of its `after`,
/// written before it.
fn parents(funnel: &Funnel) -> Vec<Option<usize>> {
    funnel
        .stages
        .iter()
        .enumerate()
        .map(|(i, stage)| {
            let first = stage.after.first()?;
            funnel.position(first).filter(|&p| p < i)
        })
        .collect()
}

/// The stages drawn under each stage, in the order written.
fn children(parents: &[Option<usize>]) -> Links {
    Links::new(parents.iter().copied()).reversed()
}

/// The route each stage is drawn in: the nearest of itself and the stages above it that
/// leaves its parent beside another stage, whose column it shares; `None` on the trunk.
fn columns(parents: &[Option<usize>], children: &Links) -> Vec<Option<usize>> {
    let mut columns: Vec<Option<usize>> = Vec::with_capacity(parents.len());
    for (index, parent) in parents.iter().enumerate() {
        let column = parent.and_then(|p| {
            if children[p].len() > 1 {
                Some(index)
            } else {
                columns[p]
            }
        });
        columns.push(column);
    }
    columns
}

fn layout<'a>(
    funnel: &'a Funnel,
    parents: &[Option<usize>],
    children: &Links,
    room: &[Room],
) -> Vec<Row<'a>> {
    let lanes = lanes(funnel, parents, room);
    let mut top = TOP;
    let mut rows = Vec::new();
    for (index, stage) in funnel.stages.iter().enumerate() {
        let lines = wrap(&stage.description, WRAP_DESCRIPTION);
        let sub = wrap_pieces(&sub_pieces(funnel, stage), WRAP_SUB);
        let label_height = lines.len() as f64 * LINE + sub.len() as f64 * SUB_LINE;
        let height = label_height.max(BAR_HEIGHT);
        let lane = lanes[index];
        let width = stage.expected as f64 * lane.scale;
        // A stage with anyone in it stays visible.
        let bar_width = if stage.expected > 0 && lane.scale > 0.0 {
            width.max(2.0)
        } else {
            0.0
        };
        rows.push(Row {
            stage,
            number: index + 1,
            lines,
            sub,
            top,
            height,
            bar_top: top + (height - BAR_HEIGHT) / 2.0,
            bar_width,
            centre: lane.axis,
            lane,
            count: CountAt::OnBar,
            branches: parents[index].is_some_and(|p| children[p].len() > 1),
        });
        top += height + CONNECTOR;
    }
    rows
}

/// The baseline of the conversion written on the band from `upper` to `lower`: midway on a
/// band to the next row; just above the stage it leads to on a longer one, which passes
/// other rows.
fn conversion_baseline(upper: &Row, lower: &Row) -> f64 {
    let (y1, y2) = (upper.bar_top + BAR_HEIGHT, lower.bar_top);
    if lower.number == upper.number + 1 {
        (y1 + y2) / 2.0 + 4.5
    } else {
        y2 - CONNECTOR / 2.0 + 4.5
    }
}

/// A stage's count, and its width as `text_width` takes it.
fn count_text(row: &Row) -> (String, f64) {
    let count = people(row.stage.expected);
    let width = text_width(&count, 14.0);
    (count, width)
}

/// Whether a stage's count is written on its bar: the bar is wide enough for it and a margin.
fn count_fits(row: &Row) -> bool {
    row.bar_width >= count_text(row).1 + 16.0
}

/// Where the conversions and counts go: a count too wide for its bar beside it, on its right
/// or else its left, wherever that is clear of the other routes' bands and of the stage
/// labels (`clearance`). Returns, for each word that found no room, its stage and the room
/// its route's column would need from its axis for it: for a conversion, centred on the axis,
/// half its width on each side; for a count, on the right, half the bar, the gap and the
/// count. A word with no room even so is written where it would go in a funnel in one column.
fn place_labels(
    funnel: &Funnel,
    rows: &mut [Row],
    parents: &[Option<usize>],
) -> Vec<(usize, Room)> {
    let mut wanted = Vec::new();
    // What each wanted label is: the stage, and whether it is its count.
    let mut whose = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        if let Some(p) = parents[index] {
            if let Some(text) = conversion(funnel, row.stage, rows[p].stage) {
                wanted.push(Wanted {
                    width: text_width(&text, 13.0),
                    baseline: conversion_baseline(&rows[p], row),
                    candidates: vec![(row.centre, Anchor::Middle)],
                    on_band: Some(index),
                });
                whose.push((index, false));
            }
        }
        if !count_fits(row) {
            let half = row.bar_width / 2.0;
            wanted.push(Wanted {
                width: count_text(row).1,
                baseline: row.bar_top + BAR_HEIGHT / 2.0 + 5.0,
                candidates: vec![
                    (row.centre + half + COUNT_GAP, Anchor::Start),
                    (row.centre - half - COUNT_GAP, Anchor::End),
                ],
                on_band: None,
            });
            whose.push((index, true));
        }
    }
    let bands: Vec<Band> = rows
        .iter()
        .enumerate()
        .filter_map(|(index, row)| {
            let p = parents[index]?;
            Some(Band {
                top: rows[p].bar_top + BAR_HEIGHT,
                bottom: row.bar_top,
                left: row.lane.left,
                right: row.lane.left + row.lane.width,
                stage: index,
            })
        })
        .collect();
    let blocks: Vec<Block> = rows
        .iter()
        .map(|row| Block {
            top: row.top,
            bottom: row.top + row.height,
            right: label_right(row),
        })
        .collect();
    let placed = clearance::place(&wanted, &bands, &blocks, WIDTH);
    let mut wanting = Vec::new();
    for ((want, (index, count)), place) in wanted.iter().zip(whose).zip(placed) {
        let row = &mut rows[index];
        if count {
            // With no room anywhere, on the right where that stays in the chart.
            let fallback = usize::from(want.candidates[0].0 + want.width > WIDTH);
            let (x, anchor) = want.candidates[place.unwrap_or(fallback)];
            row.count = CountAt::Beside(x, anchor);
        }
        if place.is_none() {
            let need = if count {
                Room {
                    left: 0.0,
                    right: row.bar_width / 2.0 + COUNT_GAP + want.width + LABEL_PAD,
                }
            } else {
                let half = want.width / 2.0 + LABEL_PAD;
                Room {
                    left: half,
                    right: half,
                }
            };
            wanting.push((index, need));
        }
    }
    wanting
}

/// Where a stage's label ends on the right, its width estimated by `text_width`.
fn label_right(row: &Row) -> f64 {
    let name = row.lines.iter().map(|l| text_width(l, 13.5));
    let sub = row.sub.iter().map(|l| text_width(l, 12.0));
    LABEL_X + name.chain(sub).fold(0.0, f64::max)
}

/// The small line under a stage's description: its kind, time window and price.
fn sub_pieces(funnel: &Funnel, stage: &Stage) -> Vec<String> {
    let mut pieces = vec![match stage.kind {
        StageKind::Milestone => "Milestone".to_string(),
        StageKind::Target => "Target".to_string(),
    }];
    if let Some(time) = words::stage_time(funnel, stage) {
        pieces.extend(time.split("; ").map(str::to_string));
    }
    if let Some(price) = stage.price {
        pieces.push(format!("pays {price}"));
    }
    pieces
}

/// The band from a stage's bar down to the bar of a stage that follows it: from the whole of
/// the bar it leaves, or, where several stages leave it (`shared`), from the part of that bar
/// at the head of the route's column.
fn connector(html: &mut Html, upper: &Row, lower: &Row, shared: bool) {
    let y1 = upper.bar_top + BAR_HEIGHT;
    let y2 = lower.bar_top;
    let (a1, a2) = if shared {
        (lower.lane.left, lower.lane.left + lower.lane.width)
    } else {
        (
            upper.centre - upper.bar_width / 2.0,
            upper.centre + upper.bar_width / 2.0,
        )
    };
    let b = lower.bar_width / 2.0;
    let points = format!(
        "{a1:.1},{y1:.1} {a2:.1},{y1:.1} {:.1},{y2:.1} {:.1},{y2:.1}",
        lower.centre + b,
        lower.centre - b
    );
    html.empty(
        "polygon",
        &[
            ("class", "funnel-connector"),
            ("data-stage", &lower.stage.id),
            ("points", &points),
            ("fill", CONNECTOR_FILL),
        ],
    );
    html.nl();
}

/// The conversion written on the band from `upper` to `lower`, if there is one.
fn conversion_label(html: &mut Html, funnel: &Funnel, upper: &Row, lower: &Row) {
    let Some(text) = conversion(funnel, lower.stage, upper.stage) else {
        return;
    };
    html.element(
        "text",
        &[
            ("class", "funnel-conversion"),
            ("data-stage", &lower.stage.id),
            ("x", &format!("{:.1}", lower.centre)),
            ("y", &format!("{:.1}", conversion_baseline(upper, lower))),
            ("text-anchor", "middle"),
            ("font-size", "13"),
            ("font-weight", "700"),
            ("fill", INK),
        ],
        &text,
    );
    html.nl();
}

/// The number of a stage in its funnel, counting from 1.
fn number_of(funnel: &Funnel, id: &str) -> Option<usize> {
    funnel.position(id).map(|i| i + 1)
}

/// How a stage is reached, for the connector above it: the conversion factor when it comes
/// from the stage drawn just above (`75.0%`); naming the stage when it comes from another
/// (`40.0% of stage 1`); the stages when it comes from several (`from stages 2 and 3`).
fn conversion(funnel: &Funnel, stage: &Stage, above: &Stage) -> Option<String> {
    match (stage.after.as_slice(), stage.conversion) {
        ([before], Some(conversion)) if *before == above.id => Some(conversion.to_string()),
        ([before], Some(conversion)) => {
            let number = number_of(funnel, before)?;
            Some(format!("{conversion} of stage {number}"))
        }
        (befores, _) if befores.len() > 1 => {
            let numbers: Vec<String> = befores
                .iter()
                .filter_map(|id| number_of(funnel, id).map(|n| n.to_string()))
                .collect();
            Some(format!("from stages {}", words::and_list(&numbers)))
        }
        _ => None,
    }
}

fn label(html: &mut Html, row: &Row) {
    let target = row.stage.kind == StageKind::Target;
    let sub: Vec<SubLine> = row
        .sub
        .iter()
        .enumerate()
        .map(|(index, line)| SubLine {
            text: line,
            weight: if target && index == 0 { "700" } else { "400" },
            fill: if target { TARGET_FILL } else { MUTED },
        })
        .collect();
    stage_label(
        html,
        &StageLabel {
            top: row.top,
            height: row.height,
            number: row.number,
            badge: if target {
                Badge {
                    fill: TARGET_FILL,
                    stroke: TARGET_FILL,
                    ink: "#ffffff",
                    font_size: "12",
                }
            } else {
                Badge {
                    fill: "#ffffff",
                    stroke: INK,
                    ink: INK,
                    font_size: "12",
                }
            },
            name: &row.lines,
            name_attrs: &[],
            sub: &sub,
        },
    );
}

/// How a stage's number badge is painted: the circle's fill and stroke, the number's colour
/// and size.
pub(crate) struct Badge {
    pub fill: &'static str,
    pub stroke: &'static str,
    pub ink: &'static str,
    pub font_size: &'static str,
}

/// A line under a stage's name, with its weight and colour.
pub(crate) struct SubLine<'a> {
    pub text: &'a str,
    pub weight: &'static str,
    pub fill: &'static str,
}

/// A stage's label in a chart's left column, centred on its row.
pub(crate) struct StageLabel<'a> {
    pub top: f64,
    pub height: f64,
    pub number: usize,
    pub badge: Badge,
    /// The name, a line each, in bold.
    pub name: &'a [String],
    /// Attributes written before the position of each line of the name (a class).
    pub name_attrs: Attrs<'a>,
    pub sub: &'a [SubLine<'a>],
}

/// Draw a stage's label: its number in a badge, its name, and the lines under it. The
/// contract's funnel and the report's planned-against-actual chart both label stages so.
pub(crate) fn stage_label(html: &mut Html, label: &StageLabel) {
    let text_height = label.name.len() as f64 * LINE + label.sub.len() as f64 * SUB_LINE;
    let first = label.top + (label.height - text_height) / 2.0;
    let badge = &label.badge;
    html.empty(
        "circle",
        &[
            ("cx", &format!("{BADGE_X:.1}")),
            ("cy", &format!("{:.1}", first + 7.0)),
            ("r", "11"),
            ("fill", badge.fill),
            ("stroke", badge.stroke),
            ("stroke-width", "1.5"),
        ],
    );
    html.element(
        "text",
        &[
            ("x", &format!("{BADGE_X:.1}")),
            ("y", &format!("{:.1}", first + 11.5)),
            ("text-anchor", "middle"),
            ("font-size", badge.font_size),
            ("font-weight", "700"),
            ("fill", badge.ink),
        ],
        &label.number.to_string(),
    );
    html.nl();
    let mut y = first + 12.0;
    let x = format!("{LABEL_X:.1}");
    for line in label.name {
        let y_text = format!("{y:.1}");
        let mut attrs = label.name_attrs.to_vec();
        attrs.extend_from_slice(&[
            ("x", x.as_str()),
            ("y", y_text.as_str()),
            ("font-size", "13.5"),
            ("font-weight", "600"),
            ("fill", INK),
        ]);
        html.element("text", &attrs, line);
        html.nl();
        y += LINE;
    }
    for line in label.sub {
        html.element(
            "text",
            &[
                ("x", &x),
                ("y", &format!("{:.1}", y - 1.0)),
                ("font-size", "12"),
                ("font-weight", line.weight),
                ("fill", line.fill),
            ],
            line.text,
        );
        html.nl();
        y += SUB_LINE;
    }
}

fn bar(html: &mut Html, row: &Row) {
    let stage = row.stage;
    let target = stage.kind == StageKind::Target;
    let kind = match stage.kind {
        StageKind::Milestone => "milestone",
        StageKind::Target => "target",
    };
    let class = if target {
        "funnel-stage funnel-target"
    } else {
        "funnel-stage funnel-milestone"
    };
    let expected = stage.expected.to_string();
    html.open(
        "g",
        &[
            ("class", class),
            ("data-stage", &stage.id),
            ("data-kind", kind),
            ("data-expected", &expected),
        ],
    );
    let x = row.centre - row.bar_width / 2.0;
    let (x_text, y_text, w_text, h_text) = (
        format!("{x:.1}"),
        format!("{:.1}", row.bar_top),
        format!("{:.1}", row.bar_width),
        format!("{BAR_HEIGHT:.1}"),
    );
    let fill = if target { TARGET_FILL } else { MILESTONE_FILL };
    html.empty(
        "rect",
        &[
            ("x", &x_text),
            ("y", &y_text),
            ("width", &w_text),
            ("height", &h_text),
            ("rx", "2"),
            ("fill", fill),
        ],
    );
    if target {
        hatch(html, x, row.bar_top, row.bar_width, BAR_HEIGHT);
        html.empty(
            "rect",
            &[
                ("x", &x_text),
                ("y", &y_text),
                ("width", &w_text),
                ("height", &h_text),
                ("rx", "2"),
                ("fill", "none"),
                ("stroke", INK),
                ("stroke-width", "2.5"),
                ("stroke-dasharray", "7 4"),
            ],
        );
    }
    let (count, count_width) = count_text(row);
    let y = format!("{:.1}", row.bar_top + BAR_HEIGHT / 2.0 + 5.0);
    match row.count {
        CountAt::OnBar => {
            if target {
                // A solid plate under the count, so that white on the hatching stays readable
                // (the hatching's white lines would otherwise run through the letters).
                let plate = count_width + 10.0;
                html.empty(
                    "rect",
                    &[
                        ("class", "funnel-count-plate"),
                        ("x", &format!("{:.1}", row.centre - plate / 2.0)),
                        ("y", &format!("{:.1}", row.bar_top + 5.0)),
                        ("width", &format!("{plate:.1}")),
                        ("height", &format!("{:.1}", BAR_HEIGHT - 10.0)),
                        ("rx", "2"),
                        ("fill", fill),
                    ],
                );
            }
            html.element(
                "text",
                &[
                    ("class", "funnel-count"),
                    ("x", &format!("{:.1}", row.centre)),
                    ("y", &y),
                    ("text-anchor", "middle"),
                    ("font-size", "14"),
                    ("font-weight", "700"),
                    ("fill", "#ffffff"),
                    ("stroke", fill),
                    ("stroke-width", "4"),
                    ("stroke-linejoin", "round"),
                    ("paint-order", "stroke"),
                ],
                &count,
            );
        }
        // Beside the bar where `place_labels` found room for it.
        CountAt::Beside(x, anchor) => {
            html.element(
                "text",
                &[
                    ("class", "funnel-count"),
                    ("x", &format!("{x:.1}")),
                    ("y", &y),
                    ("text-anchor", anchor.attribute()),
                    ("font-size", "14"),
                    ("font-weight", "700"),
                    ("fill", INK),
                ],
                &count,
            );
        }
    }
    html.close("g");
    html.nl();
}

/// Diagonal lines across a rectangle, clipped to it by hand: a pattern fill would need a
/// `url(#…)` reference, and the document makes none.
fn hatch(html: &mut Html, x: f64, y: f64, width: f64, height: f64) {
    hatch_with(html, x, y, width, height, "#ffffff", "0.45");
}

/// `hatch` in a given stroke colour and opacity: white on a dark fill, grey on a light one.
pub(crate) fn hatch_with(
    html: &mut Html,
    x: f64,
    y: f64,
    width: f64,
    height: f64,
    stroke: &'static str,
    opacity: &'static str,
) {
    const STEP: f64 = 9.0;
    let mut path = String::new();
    // Each line runs up and to the right at 45°, from (c, y + height) to (c + height, y).
    let mut c = x - height + STEP / 2.0;
    while c < x + width {
        let (mut x1, mut y1) = (c, y + height);
        let (mut x2, mut y2) = (c + height, y);
        if x1 < x {
            y1 -= x - x1;
            x1 = x;
        }
        if x2 > x + width {
            y2 += x2 - (x + width);
            x2 = x + width;
        }
        if x2 > x1 {
            path.push_str(&format!("M{x1:.1} {y1:.1}L{x2:.1} {y2:.1}"));
        }
        c += STEP;
    }
    if !path.is_empty() {
        html.empty(
            "path",
            &[
                ("d", &path),
                ("stroke", stroke),
                ("stroke-opacity", opacity),
                ("stroke-width", "2.5"),
            ],
        );
    }
}

/// The note under the legend.
fn legend_note(branches: bool) -> &'static str {
    if branches {
        "Bar widths show the people expected; routes that branch stand side by side below the \
         stage they leave."
    } else {
        "Bar widths are proportional to the people expected at each stage."
    }
}

fn legend(html: &mut Html, top: f64, note: &str) {
    let row = Legend::open(html, top);
    row.swatch(html, LABEL_X, &[("rx", "2"), ("fill", MILESTONE_FILL)]);
    row.caption(html, LABEL_X + 34.0, "Milestone");
    let target_x = LABEL_X + 130.0;
    row.swatch(html, target_x, &[("rx", "2"), ("fill", TARGET_FILL)]);
    hatch(html, target_x, top, 26.0, 14.0);
    row.swatch(
        html,
        target_x,
        &[
            ("rx", "2"),
            ("fill", "none"),
            ("stroke", INK),
            ("stroke-width", "2"),
            ("stroke-dasharray", "5 3"),
        ],
    );
    row.caption(html, target_x + 34.0, "Performance target");
    let connector_x = target_x + 190.0;
    row.swatch(html, connector_x, &[("rx", "2"), ("fill", CONNECTOR_FILL)]);
    row.caption(html, connector_x + 34.0, "Conversion to the next stage");
    row.close(html, note);
}

/// A chart's legend: one row of swatches (26 × 14) with captions beside them, then a note
/// in muted text underneath, wrapped into lines that fit the chart's width. The contract's
/// funnel and cash flow and the report's planned-against-actual chart draw theirs with it.
pub struct Legend {
    top: f64,
    y: String,
    text_y: String,
}

impl Legend {
    /// The height a legend with this note takes, from the top of its row.
    pub fn height(note: &str) -> f64 {
        44.0 + (note_lines(note).len() - 1) as f64 * SUB_LINE
    }

    /// Open the legend's group, its row at `top`.
    pub fn open(html: &mut Html, top: f64) -> Legend {
        html.open("g", &[("class", "funnel-legend")]);
        Legend {
            top,
            y: format!("{top:.1}"),
            text_y: format!("{:.1}", top + 11.0),
        }
    }

    /// A swatch at `x`: a 26 × 14 rectangle with `paint` (fill, stroke, corner radius).
    pub fn swatch(&self, html: &mut Html, x: f64, paint: Attrs) {
        let x = format!("{x:.1}");
        let mut attrs = vec![
            ("x", x.as_str()),
            ("y", self.y.as_str()),
            ("width", "26"),
            ("height", "14"),
        ];
        attrs.extend_from_slice(paint);
        html.empty("rect", &attrs);
    }

    /// A caption starting at `x`.
    pub fn caption(&self, html: &mut Html, x: f64, text: &str) {
        html.element(
            "text",
            &[
                ("x", &format!("{x:.1}")),
                ("y", &self.text_y),
                ("font-size", "12"),
                ("fill", INK),
            ],
            text,
        );
    }

    /// The note under the row, and the end of the legend.
    pub fn close(self, html: &mut Html, note: &str) {
        let mut y = self.top + 33.0;
        for line in note_lines(note) {
            html.element(
                "text",
                &[
                    ("x", &format!("{LABEL_X:.1}")),
                    ("y", &format!("{y:.1}")),
                    ("font-size", "12"),
                    ("fill", MUTED),
                ],
                &line,
            );
            y += SUB_LINE;
        }
        html.close("g");
        html.nl();
    }
}

/// A legend's note in lines of 12px text that fit between the label column and the chart's
/// right edge.
fn note_lines(note: &str) -> Vec<String> {
    let width = ((WIDTH - LABEL_X) / (12.0 * CHARACTER_WIDTH)) as usize;
    wrap(note, width)
}

/// The width a line of chart text is taken to need: its characters × its font size ×
/// `CHARACTER_WIDTH`. The system sans-serif fonts the documents use average about half an em
/// a character; 0.6 leaves room for capitals, bold and wide letters, so that text estimated
/// to fit does. Labels are placed by it, and the tests hold every chart's text to it.
pub(crate) fn text_width(text: &str, font_size: f64) -> f64 {
    text.chars().count() as f64 * font_size * CHARACTER_WIDTH
}

/// The chart's numbers in words, for `<desc>`.
fn description(contract: &Contract, funnel: &Funnel) -> String {
    let mut text = format!(
        "{} for {}.",
        funnel.description,
        words::mid_sentence(words::cohort_name(contract, &funnel.cohort))
    );
    for (index, stage) in funnel.stages.iter().enumerate() {
        let kind = match stage.kind {
            StageKind::Milestone => "milestone",
            StageKind::Target => "performance target",
        };
        text.push_str(&format!(
            " Stage {} ({kind}), {}: {} expected",
            index + 1,
            stage.description,
            people(stage.expected)
        ));
        match (stage.after.as_slice(), stage.conversion) {
            ([before], Some(conversion)) => {
                let number = number_of(funnel, before).unwrap_or(index);
                text.push_str(&format!(", conversion {conversion} from stage {number}"));
            }
            (befores, _) if befores.len() > 1 => {
                let numbers: Vec<String> = befores
                    .iter()
                    .filter_map(|id| number_of(funnel, id).map(|n| n.to_string()))
                    .collect();
                text.push_str(&format!(
                    ", reached from stages {}",
                    words::and_list(&numbers)
                ));
            }
            _ => {}
        }
        if index > 0 {
            text.push_str(&format!(", {} of those entering", stage.overall_conversion));
        }
        if let Some(time) = words::stage_time(funnel, stage) {
            text.push_str(&format!(", {time}"));
        }
        text.push('.');
    }
    text
}

/// `1 person`, `1,250 people`.
pub fn people(count: u64) -> String {
    if count == 1 {
        "1 person".to_string()
    } else {
        format!("{} people", group_thousands(u128::from(count)))
    }
}

/// Break text into lines of at most `width` characters at spaces; a longer word gets a line
/// of its own.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let words: Vec<String> = text.split_whitespace().map(str::to_string).collect();
    join_lines(&words, " ", width)
}

/// Join pieces with ` · ` into lines of at most `width` characters; a piece too long for a
/// line of its own (`at least 6 months after “…”`) is broken at its spaces.
fn wrap_pieces(pieces: &[String], width: usize) -> Vec<String> {
    join_lines(pieces, " · ", width)
        .into_iter()
        .flat_map(|line| {
            if line.chars().count() > width {
                wrap(&line, width)
            } else {
                vec![line]
            }
        })
        .collect()
}

fn join_lines(pieces: &[String], separator: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for piece in pieces {
        if line.is_empty() {
            line.push_str(piece);
        } else if line.chars().count() + separator.chars().count() + piece.chars().count() <= width
        {
            line.push_str(separator);
            line.push_str(piece);
        } else {
            lines.push(std::mem::take(&mut line));
            line.push_str(piece);
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_words_whole() {
        assert_eq!(
            wrap("Drug free and using skills at 3 months", 20),
            vec!["Drug free and using", "skills at 3 months"]
        );
        assert_eq!(wrap("", 20), vec![""]);
        assert_eq!(
            wrap_pieces(
                &[
                    "Target".into(),
                    "at least 6 months after “Reconnected home”".into()
                ],
                24
            ),
            vec!["Target", "at least 6 months after", "“Reconnected home”"]
        );
        assert_eq!(wrap("unbreakable-word-longer-than-width", 5).len(), 1);
    }

    #[test]
    fn stage_labels_end_before_the_bars_begin() {
        let description = LABEL_X + WRAP_DESCRIPTION as f64 * 13.5 * CHARACTER_WIDTH;
        let sub = LABEL_X + WRAP_SUB as f64 * 12.0 * CHARACTER_WIDTH;
        assert!(
            description.max(sub) <= BAR_LEFT - 4.0,
            "{description} {sub}"
        );
    }

    #[test]
    fn routes_share_out_the_bar_they_leave_and_widen_for_their_words() {
        // 120 people leave for routes of 72, 12 and 84 (the rough-sleeping funnel).
        let nodes = [(None, 120), (Some(0), 72), (Some(0), 12), (Some(0), 84)];
        let plain = tree_lanes(&nodes, &[], 120, 300.0, 450.0, true);
        // In proportion to the people, filling the bar: 450 × 72 / 168 and so on.
        let widths: Vec<f64> = plain[1..].iter().map(|l| l.width).collect();
        for (width, people) in widths.iter().zip([72.0, 12.0, 84.0]) {
            assert!((width - 450.0 * people / 168.0).abs() < 1e-9, "{widths:?}");
        }
        // The narrow route asks for 30 on each side of its axis, the first for 100 on its
        // right: each gets it, the columns still fill the bar in order, and every bar lies
        // within its column.
        let mut room = vec![Room::default(); 4];
        room[1].right = 100.0;
        room[2] = Room {
            left: 30.0,
            right: 30.0,
        };
        let lanes = tree_lanes(&nodes, &room, 120, 300.0, 450.0, true);
        assert!((lanes[1].left - 300.0).abs() < 1e-9);
        for pair in lanes[1..].windows(2) {
            assert!((pair[0].left + pair[0].width - pair[1].left).abs() < 1e-9);
        }
        assert!((lanes[3].left + lanes[3].width - 750.0).abs() < 1e-9);
        assert!(lanes[1].left + lanes[1].width - lanes[1].axis >= 100.0 - 1e-9);
        assert!(lanes[2].axis - lanes[2].left >= 30.0 - 1e-9);
        assert!(lanes[2].left + lanes[2].width - lanes[2].axis >= 30.0 - 1e-9);
        for (lane, (_, people)) in lanes.iter().zip(nodes) {
            let half = people as f64 * lane.scale / 2.0;
            assert!(lane.axis - half >= lane.left - 1e-9);
            assert!(lane.axis + half <= lane.left + lane.width + 1e-9);
        }
        // The routes share one scale, smaller than without the room.
        assert!(lanes[1].scale < plain[1].scale);
        assert_eq!(lanes[1].scale, lanes[3].scale);
    }

    #[test]
    fn people_are_counted_in_words() {
        assert_eq!(people(1), "1 person");
        assert_eq!(people(1250), "1,250 people");
    }
}
