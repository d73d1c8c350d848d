//! The arithmetic of the plan: what each participant earns, the planned funnel's payments
//! with caps applied per person, splits between payers, and the profile by contract year.
//!
//! Every amount is integer minor units. Divisions round once, to the nearest minor unit with
//! halves away from zero (`divide_rounded`); where an amount is shared out (between payers,
//! between years) the parts are made to add up exactly to the whole. Nothing here wraps: sums
//! are checked, shares are formed exactly in 256 bits (`value::mul_div_rounded`), and a result
//! that does not fit is `None`, which the caller reports as the figure it was computing.

use crate::model;
use crate::value::{mul_div_floor, mul_div_rounded};
use foldhash::HashMap;

/// `numerator ÷ denominator` to the nearest whole minor unit, halves away from zero; `None`
/// when the denominator is 0 or the quotient is beyond `i128` (only `i128::MIN ÷ -1`).
pub fn divide_rounded(numerator: i128, denominator: i128) -> Option<i128> {
    mul_div_rounded(numerator, 1, denominator)
}

/// `amount × percent`, rounded once, exactly; `None` when the result is beyond `i128`.
pub fn percent_of(amount: i128, percent: crate::value::Percent) -> Option<i128> {
    let per_hundred = 10_i128.checked_pow(percent.0.scale)?.checked_mul(100)?;
    mul_div_rounded(amount, percent.0.mantissa, per_hundred)
}

/// The sum of amounts, or `None` when it overflows.
pub fn checked_sum(amounts: impl IntoIterator<Item = i128>) -> Option<i128> {
    amounts.into_iter().try_fold(0_i128, i128::checked_add)
}

/// Prices and exclusive alternatives: what one participant earns for the stages reached.
pub struct RateCard<'a> {
    prices: HashMap<&'a str, i128>,
    pub exclusive: &'a [model::ExclusiveGroup],
    /// For each stage in an exclusive group: the group and the alternative.
    in_group: HashMap<&'a str, (usize, usize)>,
    /// The lengths of the names priced or in an exclusive group, a bit each (`length_bit`):
    /// a stage whose name has none of them is neither, known without reading its name, which
    /// a long funnel's passes over its stages would read from memory past the caches.
    lengths: u64,
}

/// One bit for each length of a name below 63, one for every longer name.
pub fn length_bit(name: &str) -> u64 {
    1 << name.len().min(63)
}

impl<'a> RateCard<'a> {
    /// The card of the `prices` (stage name, price), the later of two for one name, and the
    /// `exclusive` rules.
    pub fn new(
        prices: impl IntoIterator<Item = (&'a str, i128)>,
        exclusive: &'a [model::ExclusiveGroup],
    ) -> RateCard<'a> {
        let prices: HashMap<&'a str, i128> = prices.into_iter().collect();
        // Room for every stage at once: a table grown as it fills is built again at each size.
        let mut in_group = HashMap::with_capacity_and_hasher(
            exclusive
                .iter()
                .flat_map(|group| &group.alternatives)
                .map(Vec::len)
                .sum(),
            Default::default(),
        );
        for (g, group) in exclusive.iter().enumerate() {
            for (a, alternative) in group.alternatives.iter().enumerate() {
                for stage in alternative {
                    in_group.insert(stage.as_str(), (g, a));
                }
            }
        }
        let lengths = prices
            .keys()
            .chain(in_group.keys())
            .fold(0, |lengths, name| lengths | length_bit(name));
        RateCard {
            prices,
            exclusive,
            in_group,
            lengths,
        }
    }

    /// Whether `stage` may be priced or in an exclusive group: its name has the length of one
    /// that is.
    fn may_have(&self, stage: &str) -> bool {
        self.lengths & length_bit(stage) != 0
    }

    /// The price of `stage`, 0 when it has none.
    pub fn price(&self, stage: &str) -> i128 {
        if !self.may_have(stage) {
            return 0;
        }
        self.prices.get(stage).copied().unwrap_or(0)
    }

    /// The exclusive rule and the alternative `stage` is in, if any.
    pub fn group_of(&self, stage: &str) -> Option<(usize, usize)> {
        if !self.may_have(stage) {
            return None;
        }
        self.in_group.get(stage).copied()
    }

    /// Whether `stage` is an alternative of an exclusive rule.
    pub fn is_exclusive(&self, stage: &str) -> bool {
        self.group_of(stage).is_some()
    }

    /// What a participant who reached the stages `reached` (each once) earns on the rate
    /// card: every price, except that of each exclusive group only the richest alternative
    /// counts. Linear in the stages reached.
    /// `None` when the sum overflows.
    pub fn earn<'s>(&self, reached: impl IntoIterator<Item = &'s str>) -> Option<i128> {
        self.earn_priced(
            reached
                .into_iter()
                .map(|stage| (self.price(stage), self.group_of(stage))),
        )
    }

    /// `earn` of stages whose prices and exclusive rules are already looked up (`Line`).
    pub fn earn_priced(
        &self,
        reached: impl IntoIterator<Item = (i128, Option<(usize, usize)>)>,
    ) -> Option<i128> {
        let mut sums = AlternativeSums::default();
        let mut total = 0_i128;
        for (price, group) in reached {
            match group {
                Some((g, a)) => {
                    let sum = &mut sums.of(g, self.exclusive[g].alternatives.len())[a];
                    *sum = sum.checked_add(price)?;
                }
                None => total = total.checked_add(price)?,
            }
        }
        // The richest alternative of each rule, added in the order of the rules.
        let richest = sums
            .in_order()
            .into_iter()
            .map(|alternatives| alternatives.iter().copied().max().unwrap_or(0));
        total.checked_add(checked_sum(richest)?)
    }
}

/// One stage of a cohort as the figures read it: what the rate card and the rows by group
/// say of it, looked up by its name once (`money::check`) and then read in place by every
/// pass over the cohort (what a participant can earn, the plan's levels, the sweep of the
/// spread, the rows). Each pass used to look every name up again, in tables that a long
/// funnel's stages take past the processor's caches.
#[derive(Clone, Copy, Debug)]
pub struct Line<'s> {
    pub stage: &'s model::Stage,
    /// The stage's expected count, kept here for the passes that sort and walk by it.
    pub expected: u64,
    /// Its price, 0 when it has none.
    pub price: i128,
    /// The exclusive rule and the alternative it is in, if any.
    pub group: Option<(usize, usize)>,
    /// Its row of the sub-totals by group (`group::Rows`).
    pub row: usize,
    /// Whether it is where participants enter the cohort's funnels.
    pub entry: bool,
}

/// Sums kept for each exclusive rule reached, a run of them per rule in one vector: a rule
/// costs no allocation of its own, and is found in a hash map, whose lookups do not grow
/// with the rules as an ordered map's do.
#[derive(Default)]
struct AlternativeSums {
    /// Each rule reached (by index): where its run starts, and how long it is.
    runs: HashMap<usize, (usize, usize)>,
    sums: Vec<i128>,
}

impl AlternativeSums {
    /// The run of `len` sums of rule `group`, zeros when the rule is first reached.
    fn of(&mut self, group: usize, len: usize) -> &mut [i128] {
        let sums = &mut self.sums;
        let (start, len) = *self.runs.entry(group).or_insert_with(|| {
            let start = sums.len();
            sums.resize(start + len, 0);
            (start, len)
        });
        &mut self.sums[start..start + len]
    }

    /// The runs, in the order of the rules (the order an ordered map would walk them in).
    fn in_order(&self) -> Vec<&[i128]> {
        let mut runs: Vec<(usize, (usize, usize))> =
            self.runs.iter().map(|(g, r)| (*g, *r)).collect();
        runs.sort_unstable_by_key(|(g, _)| *g);
        runs.iter()
            .map(|&(_, (start, len))| &self.sums[start..start + len])
            .collect()
    }
}

/// One cohort's participants at the plan.
///
/// Within a cohort the people who reach a stage with fewer people expected are taken to be
/// among those who reach every stage with more people expected (in a funnel without branches
/// this is exactly the funnel). With the distinct expected counts c₁ > c₂ > … > cₘ, the
/// people numbered (cⱼ₊₁, cⱼ] reach exactly the stages expecting cⱼ or more. Going down the
/// levels adds stages one at a time, so what each level earns is kept up to date instead of
/// recomputed: the whole is linear in the stages (after sorting them).
pub struct Levels {
    /// (people at this level, what each earns on the rate card, whether they entered a
    /// funnel)
    levels: Vec<(u64, i128, bool)>,
}

impl Levels {
    /// The levels of `sorted`, the cohort's stages by expected count, most first. `None`
    /// when what a level earns overflows.
    pub fn of(sorted: &[Line], card: &RateCard) -> Option<Levels> {
        // For each rule: each alternative's sum, then the richest.
        let mut groups = AlternativeSums::default();
        let (mut ungrouped, mut grouped, mut entered) = (0_i128, 0_i128, false);
        let mut levels = Vec::new();
        let mut i = 0;
        while i < sorted.len() {
            let level = sorted[i].expected;
            while i < sorted.len() && sorted[i].expected == level {
                let line = &sorted[i];
                let price = line.price;
                match line.group {
                    Some((g, a)) => {
                        // The alternatives' sums, then the richest (never an empty run).
                        let run = groups.of(g, card.exclusive[g].alternatives.len() + 1);
                        if let Some((best, sums)) = run.split_last_mut() {
                            sums[a] = sums[a].checked_add(price)?;
                            // A sum that grows can only raise the richest; one that shrinks
                            // (a negative price, already refused) needs them all looked at.
                            let richest = if price >= 0 {
                                (*best).max(sums[a])
                            } else {
                                sums.iter().copied().max().unwrap_or(0)
                            };
                            grouped = grouped.checked_add(richest - *best)?;
                            *best = richest;
                        }
                    }
                    None => ungrouped = ungrouped.checked_add(price)?,
                }
                entered = entered || line.entry;
                i += 1;
            }
            let below = sorted.get(i).map_or(0, |line| line.expected);
            levels.push((level - below, ungrouped.checked_add(grouped)?, entered));
        }
        Some(Levels { levels })
    }

    /// Σ over people of `pay(what they earn on the rate card, whether they entered)`; `None`
    /// when `pay` or the sum overflows.
    pub fn total(&self, pay: &dyn Fn(i128, bool) -> Option<i128>) -> Option<i128> {
        let mut total = 0_i128;
        for (people, earned, entered) in &self.levels {
            let paid = i128::from(*people).checked_mul(pay(*earned, *entered)?)?;
            total = total.checked_add(paid)?;
        }
        Some(total)
    }

    /// The people `pay` pays something: those a participant limit counts.
    pub fn earning(&self, pay: &dyn Fn(i128, bool) -> Option<i128>) -> Option<u64> {
        let mut people = 0_u64;
        for (count, earned, entered) in &self.levels {
            if pay(*earned, *entered)? > 0 {
                people = people.checked_add(*count)?;
            }
        }
        Some(people)
    }
}

/// `PayerSplit::split_into` of one amount, with the parts in a vector of their own.
#[cfg(test)]
pub fn split_between_payers(amount: i128, payers: &[model::Payer]) -> Option<(Vec<i128>, i128)> {
    let mut parts = vec![0; payers.len()];
    let left = PayerSplit::new(payers).split_into(amount, payers, &mut parts)?;
    Some((parts, left))
}

/// The one split of amounts between payers, made ready once for many amounts: what it reads
/// of the payers' shares, and room for its working, so that splitting a million amounts (the
/// running total after each payment line) allocates nothing each. It depends on the kind of
/// each payer's share and on the percentages only: the payers it splits between may have
/// other caps and amounts (`payers::Pools` lowers them for its second pool).
pub struct PayerSplit {
    /// The payers of a percentage, in order, each with its percentage's denominator
    /// (`percent_of`); `None` when a denominator or the percentages' total overflows, which
    /// makes every split `None`, as it would be at its first percentage.
    percent_payers: Option<Vec<(usize, crate::value::Percent, i128)>>,
    has_rest: bool,
    /// The percentages' total in millionths of a percent.
    total_percent: i128,
    excess: super::payers::Excess,
}

impl PayerSplit {
    pub fn new(payers: &[model::Payer]) -> PayerSplit {
        let has_rest = payers
            .iter()
            .any(|p| matches!(p.share, model::PayerShare::Rest));
        let mut total_percent = Some(0_i128);
        let mut percent_payers = Some(Vec::new());
        for (i, payer) in payers.iter().enumerate() {
            if let model::PayerShare::Percent(p) = payer.share {
                total_percent = total_percent
                    .zip(super::payers::millionths(p))
                    .and_then(|(total, m)| total.checked_add(m));
                let per_hundred = 10_i128
                    .checked_pow(p.0.scale)
                    .and_then(|d| d.checked_mul(100));
                percent_payers = percent_payers.zip(per_hundred).map(|(mut list, d)| {
                    list.push((i, p, d));
                    list
                });
            }
        }
        let percent_payers = percent_payers.filter(|_| total_percent.is_some());
        PayerSplit {
            percent_payers,
            has_rest,
            total_percent: total_percent.unwrap_or(0),
            excess: super::payers::Excess::default(),
        }
    }

    /// Share `amount` between `payers` (those this was made for, or a copy of them with
    /// other caps and amounts), each part written over `parts` (one a payer): fixed amounts
    /// first (in order), then percentages of what remains (each rounded once; the last
    /// percentage payer takes the rounding difference when there is no "rest" payer), then
    /// what the caps of payers with `excess pro rata` cut from their percentages, pro rata to
    /// the others (`payers::Excess::share`), then the "rest" payer. Each payer stops at its
    /// cap. Returns what no payer covers; `None` when a share overflows (the payers' shares
    /// are checked to be at most 100%, so only for an amount beyond `i128`).
    pub fn split_into(
        &mut self,
        amount: i128,
        payers: &[model::Payer],
        parts: &mut [i128],
    ) -> Option<i128> {
        parts.fill(0);
        let capped = |i: usize, wanted: i128| -> i128 {
            payers[i]
                .cap
                .map_or(wanted, |cap| wanted.min(cap.minor))
                .max(0)
        };
        let mut remaining = amount;
        for (i, payer) in payers.iter().enumerate() {
            if let model::PayerShare::Amount(fixed) = payer.share {
                let part = capped(i, fixed.minor.min(remaining));
                parts[i] = part;
                remaining = remaining.checked_sub(part)?;
            }
        }
        let base = remaining;
        let percent_payers = self.percent_payers.as_deref()?;
        let total_percent = self.total_percent;
        let mut shared = 0_i128;
        // What the caps of payers with `excess pro rata` cut from their percentages.
        let mut excess = 0_i128;
        for (n, &(i, percent, per_hundred)) in percent_payers.iter().enumerate() {
            // `percent_of`, its denominator made once.
            let mut wanted = mul_div_rounded(base, percent.0.mantissa, per_hundred)?;
            let is_last = n + 1 == percent_payers.len();
            if is_last && !self.has_rest && total_percent == 100 * 1_000_000 {
                wanted = base.checked_sub(shared)?;
            }
            let offered = wanted.min(remaining);
            let part = capped(i, offered);
            if payers[i].excess_pro_rata {
                excess = excess.checked_add(offered.checked_sub(part)?)?;
            }
            parts[i] = part;
            shared = shared.checked_add(wanted)?;
            remaining = remaining.checked_sub(part)?;
        }
        if excess > 0 {
            let taken = self.excess.share(excess, parts, payers, total_percent)?;
            remaining = remaining.checked_sub(taken)?;
        }
        for (i, payer) in payers.iter().enumerate() {
            if matches!(payer.share, model::PayerShare::Rest) {
                let part = capped(i, remaining);
                parts[i] = part;
                remaining = remaining.checked_sub(part)?;
            }
        }
        Some(remaining)
    }
}

/// Share `amount` (not negative) out in proportion to `weights` (not negative), in whole
/// minor units that add up exactly: each part is rounded down and the remainders go, largest
/// first, one unit at a time. Each part is formed exactly in 256 bits, so this holds at any
/// scale; `None` only when the weights' sum overflows or an input is negative.
pub fn apportion(amount: i128, weights: &[i128]) -> Option<Vec<i128>> {
    let mut parts = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    apportion_into(amount, weights, &mut parts, &mut remainders)?;
    Some(parts)
}

/// `apportion`, the parts written over `parts` and `remainders` its room for working: the
/// same parts, for a caller that apportions again and again (`payers::Excess`).
pub fn apportion_into(
    amount: i128,
    weights: &[i128],
    parts: &mut Vec<i128>,
    remainders: &mut Vec<(i128, usize)>,
) -> Option<()> {
    parts.clear();
    remainders.clear();
    let total = checked_sum(weights.iter().copied())?;
    if total <= 0 {
        parts.resize(weights.len(), 0);
        if let Some(last) = parts.last_mut() {
            *last = amount;
        }
        return Some(());
    }
    for (i, w) in weights.iter().enumerate() {
        let (part, remainder) = mul_div_floor(amount, *w, total)?;
        parts.push(part);
        remainders.push((remainder, i));
    }
    // The parts are each at most their exact share, so together at most `amount`, and short
    // of it by less than one unit per part.
    let left = amount - checked_sum(parts.iter().copied())?;
    let Ok(left) = usize::try_from(left) else {
        return Some(()); // nothing left over
    };
    let left = left.min(remainders.len());
    if left > 0 {
        // The `left` largest remainders, the part written first on a tie: a strict order (no
        // two parts share an index), so selecting them, in time linear in the parts, takes
        // the same ones as sorting them all would.
        let largest_first =
            |a: &(i128, usize), b: &(i128, usize)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
        remainders.select_nth_unstable_by(left - 1, largest_first);
        for &(_, i) in &remainders[..left] {
            parts[i] += 1;
        }
    }
    Some(())
}

/// What one participant who reaches `stage` of `funnel` has earned on the rate card by then:
/// its price and the price of every stage it follows, each exclusive rule counting its richest
/// alternative only, before the per-participant cap (as `ladder_cut` adds a target's ladder).
/// `None` for a stage the funnel does not have, or a currency or sum the contract cannot hold.
///
/// Asked for one stage at a time (an editor's hover) rather than kept for every stage: the
/// stages a stage follows are walked once, where the figure for every stage of a funnel whose
/// stages join would grow with the square of its length.
pub fn earned_by(
    contract: &model::Contract,
    funnel: &model::Funnel,
    stage: &str,
) -> Option<crate::value::Money> {
    funnel.position(stage)?;
    let currency = crate::value::Currency::from_code(&contract.currency)?;
    let card = RateCard::new(
        contract
            .payments
            .prices
            .iter()
            .map(|p| (p.stage.as_str(), p.amount.minor)),
        &contract.payments.exclusive,
    );
    let earned = card.earn(crate::schedule::ancestors(funnel, stage))?;
    Some(crate::value::Money::new(earned, currency))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{Currency, Decimal, Money, Percent};

    fn payer(share: model::PayerShare, cap: Option<i128>) -> model::Payer {
        model::Payer {
            name: "p".into(),
            share,
            cap: cap.map(|c| Money::new(c, Currency::GBP)),
            outcome_payments_only: false,
            excess_pro_rata: false,
            clause: model::Clause {
                file: "t".into(),
                line: 1,
            },
        }
    }

    fn pct(m: i128, scale: u32) -> model::PayerShare {
        model::PayerShare::Percent(Percent(Decimal { mantissa: m, scale }))
    }

    proptest::proptest! {
        /// The rate card's prices and exclusive rules, read through the lengths of the names
        /// it holds, are the maps' own: for names of every length, long ones included.
        #[test]
        fn the_card_finds_what_its_maps_hold(
            priced in proptest::collection::vec((0_usize..70, 0_u8..3, -5_i128..5), 0..12),
            grouped in proptest::collection::vec((0_usize..70, 0_u8..3), 0..6),
            asked in proptest::collection::vec((0_usize..70, 0_u8..3), 1..30),
        ) {
            let name = |len: usize, letter: u8| "x".repeat(len) + &"abc"[letter as usize..][..1];
            let prices: HashMap<String, i128> =
                priced.iter().map(|&(len, l, p)| (name(len, l), p)).collect();
            let groups = [model::ExclusiveGroup {
                alternatives: grouped.iter().map(|&(len, l)| vec![name(len, l).into()]).collect(),
            }];
            let card = RateCard::new(prices.iter().map(|(k, v)| (k.as_str(), *v)), &groups);
            for (len, l) in asked {
                let stage = name(len, l);
                proptest::prop_assert_eq!(
                    card.price(&stage),
                    prices.get(&stage).copied().unwrap_or(0)
                );
                proptest::prop_assert_eq!(card.group_of(&stage), card.in_group.get(stage.as_str()).copied());
            }
        }
    }

    #[test]
    fn division_rounds_half_away_from_zero() {
        assert_eq!(divide_rounded(10, 4), Some(3));
        assert_eq!(divide_rounded(9, 4), Some(2));
        assert_eq!(divide_rounded(-10, 4), Some(-3));
        assert_eq!(divide_rounded(10_750_000, 10), Some(1_075_000));
    }

    #[test]
    fn payer_parts_add_up_to_the_whole() {
        let payers = [
            payer(pct(45, 0), None),
            payer(model::PayerShare::Rest, None),
        ];
        let (parts, left) = split_between_payers(10_001, &payers).unwrap();
        assert_eq!(parts, vec![4_500, 5_501]);
        assert_eq!(left, 0);
        let payers = [payer(pct(333, 1), None), payer(pct(667, 1), None)];
        let (parts, left) = split_between_payers(1_001, &payers).unwrap();
        assert_eq!(parts.iter().sum::<i128>(), 1_001);
        assert_eq!(left, 0);
        let payers = [
            payer(pct(50, 0), Some(100)),
            payer(model::PayerShare::Rest, Some(300)),
        ];
        let (parts, left) = split_between_payers(1_000, &payers).unwrap();
        assert_eq!(parts, vec![100, 300]);
        assert_eq!(left, 600);
    }

    #[test]
    fn apportioned_parts_add_up() {
        assert_eq!(apportion(100, &[1, 1, 1]), Some(vec![34, 33, 33]));
        assert_eq!(apportion(7, &[0, 0]), Some(vec![0, 7]));
        let parts = apportion(1_000_003, &[3, 5, 7, 11]).unwrap();
        assert_eq!(parts.iter().sum::<i128>(), 1_000_003);
    }

    /// `apportion` as it was written first: every remainder sorted, the units left over
    /// handed out down the sorted list.
    fn apportion_by_sorting(amount: i128, weights: &[i128]) -> Option<Vec<i128>> {
        let total: i128 = weights.iter().sum();
        if total <= 0 {
            return apportion(amount, weights);
        }
        let mut parts = Vec::new();
        let mut remainders = Vec::new();
        for (i, w) in weights.iter().enumerate() {
            let (part, remainder) = mul_div_floor(amount, *w, total)?;
            parts.push(part);
            remainders.push((remainder, i));
        }
        remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut left = amount - parts.iter().sum::<i128>();
        for (_, i) in remainders {
            if left <= 0 {
                break;
            }
            parts[i] += 1;
            left -= 1;
        }
        Some(parts)
    }

    #[test]
    fn selecting_the_largest_remainders_gives_the_parts_sorting_them_did() {
        // Weights with many equal remainders (small weights, repeated), where which part
        // takes a unit is decided by the tie rule, and with none.
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |below: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % below
        };
        for round in 0..2_000 {
            let len = 1 + next(40) as usize;
            let spread = if round % 2 == 0 { 4 } else { 1_000_000 };
            let weights: Vec<i128> = (0..len).map(|_| next(spread) as i128).collect();
            let amount = next(10_000) as i128 - if round % 7 == 0 { 5_000 } else { 0 };
            assert_eq!(
                apportion(amount, &weights),
                apportion_by_sorting(amount, &weights),
                "{amount} over {weights:?}"
            );
        }
    }

    #[test]
    fn apportioned_parts_add_up_when_amount_times_weight_outgrows_i128() {
        // The plan of a contract near the bound, weighted by payments near the bound times
        // the days of a year: each product is beyond i128, each part is exact.
        let amount = 99_999_999_999_999_999;
        let weights = [366 * 99_999_999_999_999_999 * 7, 1, 366 * 3, 0];
        let parts = apportion(amount, &weights).unwrap();
        assert_eq!(parts.iter().sum::<i128>(), amount);
        assert!(parts.iter().all(|p| *p >= 0));
        assert_eq!(apportion(-1, &[1]), None);
    }

    #[test]
    fn shares_of_large_amounts_are_exact() {
        let percent = Percent(Decimal {
            mantissa: 999_999_999_999_999_999,
            scale: 6,
        });
        // 10^21 × 999,999,999,999,999,999 is beyond what i128 can hold as a product.
        let amount = 10_i128.pow(21);
        assert_eq!(
            percent_of(amount, percent),
            Some(999_999_999_999_999_999 * 10_i128.pow(13))
        );
        assert_eq!(percent_of(i128::MAX, percent), None);
        assert_eq!(divide_rounded(i128::MIN, -1), None);
        assert_eq!(divide_rounded(1, 0), None);
    }
}
