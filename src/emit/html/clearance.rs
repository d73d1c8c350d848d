//! Where the words beside a funnel's bars may go: clear of the bands of other routes and of the
//! stage labels in the left column.
//!
//! A branching funnel draws each route's band from the stage it leaves down to the route's
//! first stage, past the rows of the routes written before it; a conversion or a count written
//! in one route's rows must not lie on another route's band. `place` takes each label's
//! candidate positions, in the order preferred, and gives the first that is clear; the chart
//! makes a route's column wider where none is (see `chart::tree_lanes`).
//!
//! Each band is taken to fill its route's column from the bar it leaves to the bar it reaches
//! (it never leaves it, so this errs only on the side of room), and each label to be its
//! characters × its font size × `CHARACTER_WIDTH` wide (`chart::text_width`), from `ASCENT`
//! above its baseline to `DESCENT` below. The bands that pass one height never overlap one
//! another: the columns of routes that leave one stage stand side by side, and a column within
//! another is reached only below the bar its band ends at, at least a bar's height (30) below,
//! more than a label is tall. So the bands at a label's height are kept in order of their left
//! edge, and a label is checked against the one or two beside it: the placing takes time in
//! proportion to the labels and bands and their logarithm, never to their product.

use std::collections::BTreeMap;

/// The height of a label's box above its baseline and below it: room for 14px text.
pub(crate) const ASCENT: f64 = 12.0;
pub(crate) const DESCENT: f64 = 4.0;
/// Shapes that touch, or meet by less than this, do not overlap.
const SLACK: f64 = 0.5;

/// How a text is anchored at its `x`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Anchor {
    Start,
    Middle,
    End,
}

impl Anchor {
    pub(crate) fn attribute(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

/// A label to place: its width, its baseline, where it may go (`x` and anchor, the preferred
/// first), and the band it is written on, which it may overlap.
pub(crate) struct Wanted {
    pub width: f64,
    pub baseline: f64,
    pub candidates: Vec<(f64, Anchor)>,
    pub on_band: Option<usize>,
}

/// A band, as the column it runs down: from `top` to `bottom`, between `left` and `right`,
/// leading to stage `stage`.
pub(crate) struct Band {
    pub top: f64,
    pub bottom: f64,
    pub left: f64,
    pub right: f64,
    pub stage: usize,
}

/// What a stage's label takes of its row in the left column: from the chart's left edge to
/// `right`, from `top` to `bottom`. Given in order, from the top.
pub(crate) struct Block {
    pub top: f64,
    pub bottom: f64,
    pub right: f64,
}

/// The left and right of a text of `width` at `x`, anchored so.
pub(crate) fn span(x: f64, anchor: Anchor, width: f64) -> (f64, f64) {
    match anchor {
        Anchor::Start => (x, x + width),
        Anchor::Middle => (x - width / 2.0, x + width / 2.0),
        Anchor::End => (x - width, x),
    }
}

/// An order-keeping key for a coordinate: the bits of a float at or above zero sort as it does.
fn key(x: f64) -> u64 {
    x.max(0.0).to_bits()
}

/// For each label, the first of its candidates that lies within `0..=width` and clear of every
/// band but its own and of every stage label; `None` where none is.
pub(crate) fn place(
    wanted: &[Wanted],
    bands: &[Band],
    blocks: &[Block],
    width: f64,
) -> Vec<Option<usize>> {
    let mut order: Vec<usize> = (0..wanted.len()).collect();
    order.sort_by(|&a, &b| wanted[a].baseline.total_cmp(&wanted[b].baseline));
    let mut by_top: Vec<usize> = (0..bands.len())
        .filter(|&b| bands[b].right - bands[b].left > SLACK)
        .collect();
    by_top.sort_by(|&a, &b| bands[a].top.total_cmp(&bands[b].top));
    let mut by_bottom = by_top.clone();
    by_bottom.sort_by(|&a, &b| bands[a].bottom.total_cmp(&bands[b].bottom));
    let (mut entered, mut left_behind) = (0, 0);
    // The bands at the height of the label being placed, by their left edge.
    let mut passing: BTreeMap<u64, usize> = BTreeMap::new();
    let mut placed = vec![None; wanted.len()];
    for w in order {
        let label = &wanted[w];
        let (top, bottom) = (label.baseline - ASCENT, label.baseline + DESCENT);
        // Labels come in order of height, all as tall: a band that starts above this one's
        // bottom has started for every label after it, and one that ends above its top has
        // ended for them too.
        while let Some(&b) = by_top.get(entered) {
            if bands[b].top >= bottom - SLACK {
                break;
            }
            passing.insert(key(bands[b].left), b);
            entered += 1;
        }
        while let Some(&b) = by_bottom.get(left_behind) {
            if bands[b].bottom > top + SLACK {
                break;
            }
            // A band with the same left edge that has come in since has taken its place.
            if passing.get(&key(bands[b].left)) == Some(&b) {
                passing.remove(&key(bands[b].left));
            }
            left_behind += 1;
        }
        let clear = |x0: f64, x1: f64| {
            if x0 < -SLACK || x1 > width + SLACK {
                return false;
            }
            for (_, &b) in passing.range(..key(x1 - SLACK)).rev() {
                let band = &bands[b];
                if band.right <= x0 + SLACK {
                    break;
                }
                if label.on_band != Some(band.stage) {
                    return false;
                }
            }
            // Rows are further apart than a label is tall: only the last row starting above
            // the label's bottom can reach it.
            let row = blocks.partition_point(|block| block.top < bottom - SLACK);
            !blocks[..row]
                .last()
                .is_some_and(|block| block.bottom > top + SLACK && x0 < block.right - SLACK)
        };
        placed[w] = label.candidates.iter().position(|&(x, anchor)| {
            let (x0, x1) = span(x, anchor, label.width);
            clear(x0, x1)
        });
    }
    placed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn band(top: f64, bottom: f64, left: f64, right: f64, stage: usize) -> Band {
        Band {
            top,
            bottom,
            left,
            right,
            stage,
        }
    }

    #[test]
    fn a_label_goes_where_no_other_band_passes() {
        // Two routes' bands beside each other, from 0 to 100 and from 0 to 300.
        let bands = [
            band(0.0, 100.0, 100.0, 150.0, 1),
            band(0.0, 300.0, 150.0, 300.0, 2),
        ];
        let blocks = [Block {
            top: 90.0,
            bottom: 130.0,
            right: 60.0,
        }];
        let wanted = [
            // On its own band, spilling onto the next: nowhere.
            Wanted {
                width: 60.0,
                baseline: 80.0,
                candidates: vec![(125.0, Anchor::Middle)],
                on_band: Some(1),
            },
            // On its own band, within it.
            Wanted {
                width: 40.0,
                baseline: 80.0,
                candidates: vec![(125.0, Anchor::Middle)],
                on_band: Some(1),
            },
            // Beside a bar at 110..140 below the first band's end: the right is the second
            // band's; the left runs into the stage label; further left is clear.
            Wanted {
                width: 50.0,
                baseline: 120.0,
                candidates: vec![(148.0, Anchor::Start), (102.0, Anchor::End)],
                on_band: None,
            },
            Wanted {
                width: 40.0,
                baseline: 120.0,
                candidates: vec![(148.0, Anchor::Start), (102.0, Anchor::End)],
                on_band: None,
            },
            // Past the chart's right edge.
            Wanted {
                width: 50.0,
                baseline: 400.0,
                candidates: vec![(280.0, Anchor::Start)],
                on_band: None,
            },
        ];
        assert_eq!(
            place(&wanted, &bands, &blocks, 310.0),
            vec![None, Some(0), None, Some(1), None]
        );
    }

    #[test]
    fn bands_that_end_make_room_for_those_that_follow_in_the_same_column() {
        // A column's band ends at 100 and its next starts at 130, over the same width.
        let bands = [
            band(0.0, 100.0, 0.0, 200.0, 1),
            band(130.0, 300.0, 0.0, 200.0, 2),
        ];
        let wanted: Vec<Wanted> = [50.0, 115.0, 200.0]
            .into_iter()
            .map(|baseline| Wanted {
                width: 20.0,
                baseline,
                candidates: vec![(100.0, Anchor::Middle)],
                on_band: None,
            })
            .collect();
        assert_eq!(
            place(&wanted, &bands, &[], 400.0),
            vec![None, Some(0), None]
        );
    }
}
