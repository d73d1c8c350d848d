//! The plan's overlap assumption and the other bound.
//!
//! The plan (`plan::Levels`) takes the people who reach a stage with fewer people expected to
//! be among those who reach every stage with more ("nested"): the fewest people earn the
//! most, so a per-participant cap cuts the most, and the planned cost is the lowest the
//! expected counts allow. Any other way the same counts could fall on people spreads the
//! earnings more evenly, and the cap cuts less.
//!
//! The other bound here spreads them as far as the funnels allow ("least overlap"): the
//! people of a cohort are numbered; each funnel's entry takes the next people of the cohort
//! (its size, or all the funnels' entries side by side when it has none), and each stage
//! takes the next people of the stage it follows, after its siblings, wrapping round, so that
//! branches of a funnel fall on different people as far as there are people for them; a
//! stage that follows several stages takes the first of the people they have in common. That
//! is one way the plan's counts could fall on people, and where sibling branches take no more
//! people than their stage has, no two of them share anyone. A stage that follows several
//! stages whose people have too few in common for it leaves its cohort counted nested at both
//! bounds.
//!
//! The people of each stage are kept as runs of consecutive numbers, and the cost is one
//! sweep over the runs' ends: linear in the stages (after sorting), whatever the counts.

use super::plan::{Line, RateCard};
use crate::model;

/// A set of people: runs `[start, end)` of their numbers, in the order they are taken from.
type People = Vec<(u64, u64)>;

/// The runs the spread may look at per stage, on average, before the cohort is counted
/// nested instead: real funnels use a handful.
const WORK_PER_STAGE: usize = 64;

fn count(people: &People) -> u64 {
    people.iter().map(|(a, b)| b - a).sum()
}

/// `n` people of `from`, starting `offset` people in and wrapping round to its start.
/// Callers ask for at most all of `from`. Each run looked at is counted in `work`.
fn take(from: &People, offset: u64, n: u64, work: &mut usize) -> People {
    let mut out = Vec::new();
    let mut skip = offset;
    let mut left = n;
    // Twice round at most: from the offset to the end, then from the start.
    for (a, b) in from.iter().chain(from.iter()) {
        if left == 0 {
            break;
        }
        *work += 1;
        let len = b - a;
        if skip >= len {
            skip -= len;
            continue;
        }
        let start = a + skip;
        skip = 0;
        let end = start + (b - start).min(left);
        left -= end - start;
        out.push((start, end));
    }
    out
}

/// The people in every set of `sets`, in the order of the first. Each run looked at is
/// counted in `work`.
fn common(sets: &[&People], work: &mut usize) -> People {
    let mut out: People = sets.first().map(|s| (*s).clone()).unwrap_or_default();
    for other in sets.iter().skip(1) {
        let mut sorted: Vec<(u64, u64)> = (*other).clone();
        sorted.sort_unstable();
        *work += sorted.len() + out.len();
        let mut next = Vec::new();
        for &(a, b) in &out {
            // Runs of `other` that meet [a, b): found by binary search, then walked.
            let first = sorted.partition_point(|&(_, e)| e <= a);
            for &(c, d) in &sorted[first..] {
                if c >= b {
                    break;
                }
                *work += 1;
                next.push((a.max(c), b.min(d)));
            }
        }
        out = next;
    }
    out
}

/// The stages of one cohort's funnels spread over its people, or `None` when a stage that
/// follows several stages finds too few people in common (the cohort is then counted nested).
pub fn spread<'a>(
    funnels: &[&'a model::Funnel],
    size: Option<u64>,
) -> Option<Vec<(&'a model::Stage, People)>> {
    let entering: u64 = funnels
        .iter()
        .map(|f| f.entering())
        .fold(0_u64, u64::saturating_add);
    let pool_size = size
        .unwrap_or(entering)
        .max(funnels.iter().map(|f| f.entering()).max().unwrap_or(0));
    let pool: People = vec![(0, pool_size)];
    let mut pool_cursor = 0_u64;
    // Runs split as branches wrap round; a funnel built to split them at every level could
    // make the runs grow with the square of the stages. Past this much work the cohort is
    // counted nested, so the bound stays linear in the stages.
    let stages: usize = funnels.iter().map(|f| f.stages.len()).sum();
    let budget = stages.saturating_mul(WORK_PER_STAGE).saturating_add(1_000);
    let mut work = 0_usize;
    let mut out = Vec::with_capacity(stages);
    // Each funnel's people and cursors by stage, in lists made once for the cohort.
    let mut people: Vec<Option<People>> = Vec::new();
    let mut cursor: Vec<u64> = Vec::new();
    for funnel in funnels {
        let n = funnel.stages.len();
        people.clear();
        people.resize(n, None);
        cursor.clear();
        cursor.resize(n, 0);
        // The stages in the funnel's clock's order, each after the stages it follows (so
        // that `after` a stage written later is followed): the branches of a stage are taken
        // in the order written, which is all the people each takes depend on.
        let clock = funnel.clock();
        let order = clock.order();
        if order.len() != n {
            return None; // a cycle, already reported
        }
        for &i in order {
            let stage = &funnel.stages[i];
            let wanted = stage.expected;
            let taken = match clock.before(i) {
                [] => {
                    if count(&pool) < wanted {
                        return None;
                    }
                    let t = take(&pool, pool_cursor, wanted, &mut work);
                    pool_cursor = (pool_cursor + wanted) % pool_size.max(1);
                    t
                }
                [p] => {
                    let from = people[*p].as_ref()?;
                    let size = count(from);
                    if size < wanted {
                        return None;
                    }
                    let t = take(from, cursor[*p], wanted, &mut work);
                    cursor[*p] = (cursor[*p] + wanted) % size.max(1);
                    t
                }
                ps => {
                    let sets: Vec<&People> = ps
                        .iter()
                        .map(|p| people[*p].as_ref())
                        .collect::<Option<Vec<&People>>>()?;
                    let both = common(&sets, &mut work);
                    if count(&both) < wanted {
                        return None;
                    }
                    take(&both, 0, wanted, &mut work)
                }
            };
            if work > budget {
                return None;
            }
            people[i] = Some(taken);
        }
        for (stage, p) in funnel.stages.iter().zip(people.drain(..)) {
            out.push((stage, p?));
        }
    }
    Some(out)
}

/// The ends of the runs of stages spread over people by `spread`, in the order of the sweep,
/// with each stage's price, exclusive rule and whether it is a funnel's entry: sorted once
/// for every sum `total` takes over them (the plan before and after the per-participant cap).
pub struct Sweep {
    /// (where, stage index, +1 at a run's start or −1 at its end)
    events: Vec<(u64, u32, i8)>,
    /// What the sweep reads of each stage, by index, in one place: the events come in the
    /// order of where they are, and so of any stage, and a cohort of a hundred thousand
    /// stages has its stages' facts past the cache next to the core; one read of a stage
    /// each, where three lists (price, rule, entry) took three.
    stages: Vec<SweptStage>,
    /// The number of alternatives of each rule met, by that number.
    alternatives: Vec<usize>,
}

/// One stage as `Sweep::total` reads it.
#[derive(Clone, Copy)]
struct SweptStage {
    price: i128,
    /// Its exclusive rule, numbered among the rules the sweep meets (so that its sums are
    /// found by index, not looked up per end), and its alternative; `NO_RULE` for none.
    rule: u32,
    alternative: u32,
    /// Whether it is a funnel's entry.
    entry: bool,
}

const NO_RULE: u32 = u32::MAX;

/// Rules of at most this many alternatives find their richest by looking at each.
const FEW_ALTERNATIVES: usize = 16;

/// One exclusive rule's sums in the sweep: each alternative's, and for a rule of many
/// alternatives how many have each sum, so that the richest is found in logarithmic time.
struct RuleSums {
    sums: Vec<i128>,
    counts: Option<std::collections::BTreeMap<i128, usize>>,
}

impl RuleSums {
    fn new(alternatives: usize) -> RuleSums {
        RuleSums {
            sums: vec![0; alternatives],
            counts: (alternatives > FEW_ALTERNATIVES)
                .then(|| [(0, alternatives)].into_iter().collect()),
        }
    }

    /// The richest alternative's sum, and 0 when every sum is below.
    fn richest(&self) -> i128 {
        let most = match &self.counts {
            Some(counts) => counts.keys().next_back().copied(),
            None => self.sums.iter().copied().max(),
        };
        most.unwrap_or(0).max(0)
    }

    /// Adds `delta` to alternative `a`'s sum; `None` on overflow.
    fn add(&mut self, a: usize, delta: i128) -> Option<()> {
        let sum = &mut self.sums[a];
        if let Some(counts) = &mut self.counts {
            if let Some(n) = counts.get_mut(sum) {
                *n -= 1;
                if *n == 0 {
                    counts.remove(sum);
                }
            }
        }
        *sum = sum.checked_add(delta)?;
        if let Some(counts) = &mut self.counts {
            *counts.entry(*sum).or_insert(0) += 1;
        }
        Some(())
    }
}

impl Sweep {
    /// The sweep of `spread`, whose stages are those of `lines` in the same order (the
    /// cohort's funnels' stages in order, as `spread` gives them).
    pub fn new(
        spread: &[(&model::Stage, People)],
        lines: &[Line],
        card: &RateCard,
    ) -> Option<Sweep> {
        debug_assert_eq!(spread.len(), lines.len());
        let runs: usize = spread.iter().map(|(_, people)| people.len()).sum();
        let mut events: Vec<(u64, u32, i8)> = Vec::with_capacity(2 * runs);
        for (s, (_, people)) in spread.iter().enumerate() {
            let s = u32::try_from(s).ok()?;
            for &(a, b) in people {
                if a < b {
                    events.push((a, s, 1));
                    events.push((b, s, -1));
                }
            }
        }
        // By where alone: the sweep takes every end at one place before it pays anyone, and
        // the sums it keeps do not depend on the order it takes them in.
        events.sort_unstable_by_key(|&(at, _, _)| at);
        // The rules met, numbered in the order met: the work is in proportion to the cohort
        // however many rules the contract has.
        let mut numbered: foldhash::HashMap<usize, usize> = foldhash::HashMap::default();
        let mut alternatives = Vec::new();
        let mut stages = Vec::with_capacity(lines.len());
        for line in lines {
            let (rule, alternative) = match line.group {
                Some((g, a)) => {
                    let local = *numbered.entry(g).or_insert_with(|| {
                        alternatives.push(card.exclusive[g].alternatives.len());
                        alternatives.len() - 1
                    });
                    (u32::try_from(local).ok()?, u32::try_from(a).ok()?)
                }
                None => (NO_RULE, 0),
            };
            stages.push(SweptStage {
                price: line.price,
                rule,
                alternative,
                entry: line.entry,
            });
        }
        Some(Sweep {
            events,
            stages,
            alternatives,
        })
    }

    /// Σ over people of `pay(what they earn on the rate card, whether they entered a
    /// funnel)`, and how many people `pay` gives something: one sweep over the ends of the
    /// runs. `None` when a sum overflows.
    pub fn total(&self, pay: &dyn Fn(i128, bool) -> Option<i128>) -> Option<(i128, u64)> {
        let Sweep {
            events,
            stages,
            alternatives,
        } = self;
        // For each exclusive rule met, each alternative's sum, made when the rule is first met.
        let mut sums: Vec<Option<RuleSums>> = Vec::new();
        sums.resize_with(alternatives.len(), || None);
        let (mut ungrouped, mut grouped, mut entered) = (0_i128, 0_i128, 0_i64);
        let mut total = 0_i128;
        let mut earning = 0_u64;
        let mut i = 0;
        while i < events.len() {
            let at = events[i].0;
            while i < events.len() && events[i].0 == at {
                let (_, s, sign) = events[i];
                let stage = stages[s as usize];
                let delta = stage.price.checked_mul(i128::from(sign))?;
                if stage.rule == NO_RULE {
                    ungrouped = ungrouped.checked_add(delta)?;
                } else {
                    let g = stage.rule as usize;
                    let rule = sums[g].get_or_insert_with(|| RuleSums::new(alternatives[g]));
                    let before = rule.richest();
                    rule.add(stage.alternative as usize, delta)?;
                    grouped = grouped.checked_add(rule.richest() - before)?;
                }
                if stage.entry {
                    entered += if sign > 0 { 1 } else { -1 };
                }
                i += 1;
            }
            let Some(&(next, _, _)) = events.get(i) else {
                break;
            };
            let people = i128::from(next - at);
            let paid = pay(ungrouped.checked_add(grouped)?, entered > 0)?;
            total = total.checked_add(people.checked_mul(paid)?)?;
            if paid > 0 {
                earning = earning.checked_add(next - at)?;
            }
        }
        Some((total, earning))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use foldhash::HashMap;
    use proptest::prelude::*;

    fn stage(id: String) -> model::Stage {
        model::Stage {
            id: id.into(),
            kind: crate::ast::StageKind::Milestone,
            description: Default::default(),
            expected: 0,
            after: Vec::new(),
            time: model::Times::default(),
            evidence: None,
            achieves: Vec::new(),
            stated_conversion: None,
            conversion: None,
            overall_conversion: crate::value::Percent::of_ratio(0, 1, 1),
            price: None,
            eligible: Vec::new(),
        }
    }

    proptest! {
        /// The sweep, its ends sorted by where alone and sorted once for every sum, pays what
        /// paying each person for the stages they reach (`RateCard::earn`) does.
        #[test]
        fn the_sweep_pays_what_each_person_earns(
            stages in proptest::collection::vec(
                (0_i128..5, proptest::collection::vec((0_u64..12, 0_u64..5), 0..3)),
                1..7,
            ),
            exclusive in proptest::collection::vec(0_usize..24, 0..7),
            more_alternatives in 0_usize..20,
            fee in 0_i128..4,
            cap in 0_i128..12,
        ) {
            let built: Vec<model::Stage> =
                (0..stages.len()).map(|i| stage(format!("s{i}"))).collect();
            let prices: HashMap<String, i128> = stages
                .iter()
                .enumerate()
                .map(|(i, (price, _))| (format!("s{i}"), *price))
                .collect();
            // Stages put in one of the alternatives of one exclusive rule (or none): a rule of
            // 2 to 21 alternatives, so that rules of few and of many are both swept.
            let mut alternatives = vec![Vec::new(); 2 + more_alternatives];
            for (i, a) in exclusive.iter().enumerate().take(stages.len()) {
                if let Some(alternative) = alternatives.get_mut(*a) {
                    alternative.push(format!("s{i}").into());
                }
            }
            let groups = vec![model::ExclusiveGroup { alternatives }];
            let card = RateCard::new(prices.iter().map(|(k, v)| (k.as_str(), *v)), &groups);
            let spread: Vec<(&model::Stage, People)> = built
                .iter()
                .zip(&stages)
                .map(|(s, (_, runs))| (s, runs.iter().map(|&(a, len)| (a, a + len)).collect()))
                .collect();
            let lines: Vec<Line> = built
                .iter()
                .map(|s| Line {
                    stage: s,
                    expected: s.expected,
                    price: card.price(&s.id),
                    group: card.group_of(&s.id),
                    row: 0,
                    entry: s.id == "s0",
                })
                .collect();
            let pay = |earned: i128, entered: bool| {
                Some((earned + if entered { fee } else { 0 }).min(cap))
            };
            let swept = Sweep::new(&spread, &lines, &card)
                .and_then(|s| s.total(&pay));
            let (mut total, mut earning) = (0_i128, 0_u64);
            for person in 0..20_u64 {
                // A person in two runs of one stage reaches it twice, as the sweep counts it.
                let reached: Vec<&str> = spread
                    .iter()
                    .flat_map(|(s, runs)| {
                        runs.iter()
                            .filter(move |&&(a, b)| a <= person && person < b)
                            .map(move |_| s.id.as_str())
                    })
                    .collect();
                if reached.is_empty() {
                    continue;
                }
                let entered = reached.contains(&"s0");
                let paid = pay(card.earn(reached.iter().copied()).unwrap(), entered).unwrap();
                total += paid;
                if paid > 0 {
                    earning += 1;
                }
            }
            prop_assert_eq!(swept, Some((total, earning)));
        }
    }

    #[test]
    fn taking_wraps_round_the_people_it_takes_from() {
        let from = vec![(0, 10), (20, 30)];
        let w = &mut 0;
        assert_eq!(take(&from, 0, 5, w), vec![(0, 5)]);
        assert_eq!(take(&from, 8, 5, w), vec![(8, 10), (20, 23)]);
        assert_eq!(take(&from, 15, 10, w), vec![(25, 30), (0, 5)]);
        assert_eq!(common(&[&vec![(0, 10)], &vec![(5, 20)]], w), vec![(5, 10)]);
    }
}
