//! Who pays each payment line: the payers' parts of every line, in the order the lines fall
//! due, adding up to the line and, over all lines, to each payer's total (`by_payer`).
//!
//! The contract's payer rules are not proportional: a payer of an amount is paid first, a
//! payer's cap stops its share once reached (what it cuts falling to the others with
//! `excess pro rata`, or unfunded), and payers of outcome payments only share a pool of their
//! own. So a line's parts are not a fixed percentage of the line. They are found as a running
//! split: after each line, the payers' split of the running total (`payers::split_by_pools`,
//! the one split the contract's figures use) less their split of the running total before the
//! line. What a payer has paid after any line is therefore exactly its share of everything
//! due so far, rounded as the totals round it; a payer of an amount pays the first lines
//! until its amount is reached, and a capped payer pays its share of each line until its cap
//! is reached.
//!
//! Pennies: each line's parts add up to the line exactly (what no payer covers is a part of
//! its own, `(not funded by any payer)`, when not nothing), and each payer's parts add up over
//! all lines to its split of the total, which is its `by_payer` amount (the sums telescope).
//! The rounding of the running split decides which payer a line's odd penny goes to, so a
//! line's part can differ from the payer's exact share of that line by a penny or so; on a
//! line of a few pence the split can move a penny from one payer to another, below nothing.

use super::{Amount, LineKind};
use crate::check::money::payers;
use crate::model;
use crate::value::{Currency, Money};

/// What `by_payer` and a line's parts call what no payer covers.
pub const UNFUNDED: &str = "(not funded by any payer)";

/// Why a running split cannot be made exactly.
fn too_large(currency: Currency) -> String {
    format!(
        "the payers' parts of the payments are too large to compute exactly: more than {}",
        Money::limit(currency)
    )
}

/// Where the running split stands after some lines (`PayerParts::at`).
#[derive(Debug, Clone)]
pub(crate) struct PartsAt {
    total: i128,
    fixed_and_bonuses: i128,
    paid: Vec<i128>,
    unfunded: i128,
}

/// The running split of the lines so far.
pub(crate) struct PayerParts<'a> {
    payers: &'a [model::Payer],
    /// The split, made ready once for every line.
    pools: payers::Pools<'a>,
    currency: Currency,
    /// The total of the lines so far, and of the fixed fees and bonuses among them.
    total: i128,
    fixed_and_bonuses: i128,
    /// Each payer's split of `total`, and what no payer covers of it.
    paid: Vec<i128>,
    unfunded: i128,
    /// Each payer's split of the running total after the line: room kept from line to line.
    now: Vec<i128>,
    /// Lines passed (`pass_sums`) since the running total was last split.
    unsplit: bool,
}

impl<'a> PayerParts<'a> {
    /// Before the first line: nothing paid. `None` for a contract without payers.
    pub fn new(payers: &'a [model::Payer], currency: Currency) -> Option<PayerParts<'a>> {
        (!payers.is_empty()).then(|| PayerParts {
            payers,
            pools: payers::Pools::new(payers, currency),
            currency,
            total: 0,
            fixed_and_bonuses: 0,
            paid: vec![0; payers.len()],
            unfunded: 0,
            now: vec![0; payers.len()],
            unsplit: false,
        })
    }

    /// Add lines whose parts are not wanted (a report that lists only its first lines), from
    /// what they add up to: `total` in all, `fixed_and_bonuses` of it in fixed fees and
    /// bonuses. They join the running totals, which are split once, when the parts of a later
    /// line or the payers' totals are asked for (`settle`), rather than for every line. A
    /// split depends on nothing but the running totals, so the payers' totals are the same
    /// as for the lines split one by one.
    pub fn pass_sums(&mut self, total: i128, fixed_and_bonuses: i128) -> Result<(), String> {
        self.add_sums(total, fixed_and_bonuses)?;
        self.unsplit = true;
        Ok(())
    }

    /// Whether a line of `kind` is among the fixed fees and bonuses a payer's share may
    /// cover apart from the outcome payments.
    pub fn fixed_or_bonus(kind: LineKind) -> bool {
        matches!(kind, LineKind::FixedFee | LineKind::Bonus)
    }

    /// Add `amount` to the running totals.
    fn add(&mut self, kind: LineKind, amount: i128) -> Result<(), String> {
        let fixed = if PayerParts::fixed_or_bonus(kind) {
            amount
        } else {
            0
        };
        self.add_sums(amount, fixed)
    }

    fn add_sums(&mut self, amount: i128, fixed_and_bonuses: i128) -> Result<(), String> {
        self.total = self
            .total
            .checked_add(amount)
            .ok_or_else(|| too_large(self.currency))?;
        self.fixed_and_bonuses = self
            .fixed_and_bonuses
            .checked_add(fixed_and_bonuses)
            .ok_or_else(|| too_large(self.currency))?;
        Ok(())
    }

    /// The split of the running totals, made now for the lines passed since the last.
    fn settle(&mut self) -> Result<(), String> {
        if std::mem::take(&mut self.unsplit) {
            self.unfunded = self
                .pools
                .split_into(self.total, self.fixed_and_bonuses, &mut self.paid)
                .ok_or_else(|| too_large(self.currency))?;
        }
        Ok(())
    }

    /// The parts of the next line, written over `parts` (whose text is reused, so that a
    /// million lines cost no allocation each): every payer in the contract's order, then what
    /// no payer covers of the line if not nothing.
    pub fn next(
        &mut self,
        kind: LineKind,
        amount: i128,
        parts: &mut Vec<Amount>,
    ) -> Result<(), String> {
        self.settle()?;
        let currency = self.currency;
        let too_large = || too_large(currency);
        // A line of nothing (cut to nothing by a cap) leaves the running totals, and so their
        // split, as they were: every part is nothing, and no split is needed.
        let split = amount != 0;
        let mut unfunded_part = 0;
        if split {
            self.add(kind, amount)?;
            let unfunded = self
                .pools
                .split_into(self.total, self.fixed_and_bonuses, &mut self.now)
                .ok_or_else(too_large)?;
            // Each part is the difference of two splits of totals that were held exactly.
            unfunded_part = unfunded.checked_sub(self.unfunded).ok_or_else(too_large)?;
            self.unfunded = unfunded;
        }
        let wanted = self.payers.len() + usize::from(unfunded_part != 0);
        parts.truncate(wanted);
        for (i, payer) in self.payers.iter().enumerate() {
            let part = if split {
                self.now[i]
                    .checked_sub(self.paid[i])
                    .ok_or_else(too_large)?
            } else {
                0
            };
            let part = Money::new(part, self.currency);
            match parts.get_mut(i) {
                Some(held) if held.name == payer.name => held.amount = part,
                _ => {
                    let fresh = Amount {
                        name: payer.name.as_str().to_owned(),
                        amount: part,
                        share: None,
                        clause: Some(payer.clause.clone()),
                    };
                    match parts.get_mut(i) {
                        Some(held) => *held = fresh,
                        None => parts.push(fresh),
                    }
                }
            }
        }
        if unfunded_part != 0 {
            let part = Money::new(unfunded_part, self.currency);
            match parts.get_mut(self.payers.len()) {
                Some(held) => held.amount = part,
                None => parts.push(Amount {
                    name: UNFUNDED.to_string(),
                    amount: part,
                    share: None,
                    clause: None,
                }),
            }
        }
        if split {
            std::mem::swap(&mut self.paid, &mut self.now);
        }
        Ok(())
    }

    /// The payers split between, and the currency: to make a split of one's own.
    pub fn payers(&self) -> (&'a [model::Payer], Currency) {
        (self.payers, self.currency)
    }

    /// Where the split stands after the lines so far, to go on from on another thread
    /// (`resume`).
    pub fn at(&mut self) -> Result<PartsAt, String> {
        self.settle()?;
        Ok(PartsAt {
            total: self.total,
            fixed_and_bonuses: self.fixed_and_bonuses,
            paid: self.paid.clone(),
            unfunded: self.unfunded,
        })
    }

    /// The split of the lines so far as `at` holds it: the next line's parts are those the
    /// split that made `at` would give (a split depends on nothing but the running totals).
    pub fn resume(&mut self, at: &PartsAt) {
        self.total = at.total;
        self.fixed_and_bonuses = at.fixed_and_bonuses;
        self.paid.clone_from(&at.paid);
        self.unfunded = at.unfunded;
        self.unsplit = false;
    }

    /// Each payer's total over the lines so far, and what no payer covers.
    pub fn paid(&mut self) -> Result<(&[i128], i128), String> {
        self.settle()?;
        Ok((&self.paid, self.unfunded))
    }
}

/// A line's parts in words, for the text and HTML reports: `paid by Fund £40.00, Council
/// £60.00`, the parts that are not nothing, in the contract's order. `None` without payers, or
/// when every part is nothing.
pub fn paid_by(parts: &[Amount]) -> Option<String> {
    let named: Vec<String> = parts
        .iter()
        .filter(|part| part.amount.minor != 0)
        .map(|part| format!("{} {}", part.name, part.amount))
        .collect();
    (!named.is_empty()).then(|| format!("paid by {}", named.join(", ")))
}

/// Whether some of a line can be left to no payer: unless a payer of the rest, without a cap,
/// pays its share of everything (it takes whatever the others leave).
pub fn can_leave_unfunded(payers: &[model::Payer]) -> bool {
    !payers.is_empty()
        && !payers.iter().any(|p| {
            matches!(p.share, model::PayerShare::Rest)
                && p.cap.is_none()
                && !p.outcome_payments_only
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{Decimal, Percent};

    fn payer(name: &str, share: model::PayerShare, cap: Option<i128>, only: bool) -> model::Payer {
        model::Payer {
            name: name.into(),
            share,
            cap: cap.map(|c| Money::new(c, Currency::GBP)),
            outcome_payments_only: only,
            excess_pro_rata: false,
            clause: model::Clause {
                file: "t".into(),
                line: 1,
            },
        }
    }

    fn pct(m: i128) -> model::PayerShare {
        model::PayerShare::Percent(Percent(Decimal {
            mantissa: m,
            scale: 0,
        }))
    }

    fn run(payers: &[model::Payer], lines: &[(LineKind, i128)]) -> Vec<Vec<i128>> {
        let mut trace = PayerParts::new(payers, Currency::GBP).unwrap();
        let mut parts = Vec::new();
        lines
            .iter()
            .map(|&(kind, amount)| {
                trace.next(kind, amount, &mut parts).unwrap();
                parts.iter().map(|p| p.amount.minor).collect()
            })
            .collect()
    }

    #[test]
    fn a_payer_of_an_amount_pays_the_first_lines() {
        let payers = [
            payer(
                "fund",
                model::PayerShare::Amount(Money::new(150, Currency::GBP)),
                None,
                false,
            ),
            payer("council", model::PayerShare::Rest, None, false),
        ];
        let got = run(&payers, &[(LineKind::Price, 100); 3]);
        assert_eq!(got, vec![vec![100, 0], vec![50, 50], vec![0, 100]]);
    }

    #[test]
    fn a_capped_payer_stops_at_its_cap_and_the_rest_is_unfunded() {
        // 40% up to 50: 40 of the first line, 10 of the second, then none; 60% of each line.
        let payers = [
            payer("fund", pct(40), Some(50), false),
            payer("council", pct(60), None, false),
        ];
        let got = run(&payers, &[(LineKind::Price, 100); 3]);
        assert_eq!(got, vec![vec![40, 60], vec![10, 60, 30], vec![0, 60, 40]]);
        let mut trace = PayerParts::new(&payers, Currency::GBP).unwrap();
        let mut parts = Vec::new();
        for _ in 0..3 {
            trace.next(LineKind::Price, 100, &mut parts).unwrap();
        }
        let (paid, unfunded) = trace.paid().unwrap();
        assert_eq!((paid, unfunded), (&[50, 180][..], 70));
        assert!(can_leave_unfunded(&payers));
    }

    #[test]
    fn odd_pennies_follow_the_running_total() {
        // Thirds of 1p lines: each payer's running part is a third of the running total.
        let payers = [
            payer("a", pct(33), None, false),
            payer("b", pct(33), None, false),
            payer("c", model::PayerShare::Rest, None, false),
        ];
        let got = run(&payers, &[(LineKind::Price, 1); 4]);
        for line in &got {
            assert_eq!(line.iter().sum::<i128>(), 1, "{got:?}");
        }
        let totals: Vec<i128> = (0..3).map(|i| got.iter().map(|l| l[i]).sum()).collect();
        let (split, _) = payers::split_by_pools(4, 0, &payers, Currency::GBP).unwrap();
        assert_eq!(totals, split);
        assert!(!can_leave_unfunded(&payers));
    }

    /// Lines passed without their parts leave the payers' totals, and the parts of the lines
    /// after them, as splitting every line does.
    #[test]
    fn lines_passed_are_split_once_as_every_line_would_be() {
        let payers = [
            payer(
                "fund",
                model::PayerShare::Amount(Money::new(250, Currency::GBP)),
                None,
                false,
            ),
            payer("trust", pct(30), Some(400), true),
            payer("council", pct(40), None, false),
        ];
        let lines: Vec<(LineKind, i128)> = (0..40)
            .map(|i| match i % 5 {
                0 => (LineKind::FixedFee, 120),
                1 => (LineKind::Bonus, 33),
                2 => (LineKind::Price, 0),
                3 => (LineKind::Penalty, -17),
                _ => (LineKind::Price, 97 + i),
            })
            .collect();
        let every = run(&payers, &lines);
        let mut one_by_one = PayerParts::new(&payers, Currency::GBP).unwrap();
        let mut parts = Vec::new();
        for &(kind, amount) in &lines {
            one_by_one.next(kind, amount, &mut parts).unwrap();
        }
        let (paid, unfunded) = one_by_one.paid().unwrap();
        let whole = (paid.to_vec(), unfunded);
        for passed in [0, 1, 7, 20, 39, 40] {
            // Lines passed by what they add up to, as the report passes those it does not list.
            let pass = |trace: &mut PayerParts, lines: &[(LineKind, i128)]| {
                let total = lines.iter().map(|(_, a)| a).sum();
                let fixed = lines
                    .iter()
                    .filter(|(k, _)| PayerParts::fixed_or_bonus(*k))
                    .map(|(_, a)| a)
                    .sum();
                trace.pass_sums(total, fixed).unwrap();
            };
            let mut trace = PayerParts::new(&payers, Currency::GBP).unwrap();
            pass(&mut trace, &lines[..passed]);
            // The line after those passed has the parts splitting every line gives it.
            if let Some(&(kind, amount)) = lines.get(passed) {
                trace.next(kind, amount, &mut parts).unwrap();
                let got: Vec<i128> = parts.iter().map(|p| p.amount.minor).collect();
                assert_eq!(got, every[passed], "the line after {passed} passed");
                pass(&mut trace, &lines[passed + 1..]);
            }
            let (paid, unfunded) = trace.paid().unwrap();
            assert_eq!((paid.to_vec(), unfunded), whole, "{passed} passed");
        }
    }

    #[test]
    fn a_line_of_nothing_is_nothing_for_every_payer() {
        let payers = [
            payer("fund", pct(40), Some(50), false),
            payer("council", pct(60), None, false),
        ];
        let got = run(
            &payers,
            &[
                (LineKind::Price, 100),
                (LineKind::Price, 100),
                (LineKind::Price, 0),
                (LineKind::Price, 100),
            ],
        );
        assert_eq!(
            got,
            vec![vec![40, 60], vec![10, 60, 30], vec![0, 0], vec![0, 60, 40]]
        );
    }

    #[test]
    fn payers_of_outcome_payments_only_pay_no_fixed_fee() {
        let payers = [
            payer("fund", pct(40), None, true),
            payer("council", model::PayerShare::Rest, None, false),
        ];
        let got = run(
            &payers,
            &[(LineKind::FixedFee, 500), (LineKind::Price, 1_000)],
        );
        assert_eq!(got, vec![vec![0, 500], vec![400, 600]]);
    }

    /// Random payers of every kind of share, some capped, some of outcome payments only,
    /// some with `excess pro rata`; named by their place.
    fn random_payers() -> impl proptest::strategy::Strategy<Value = Vec<model::Payer>> {
        use proptest::prelude::*;
        let one = (
            0..3_u8,
            0..=10_000_i128,
            0..=2_u32,
            0..=4_000_i128,
            proptest::option::of(0..=4_000_i128),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(kind, mantissa, scale, amount, cap, only, pro_rata)| {
                let share = match kind {
                    0 => model::PayerShare::Percent(Percent(Decimal { mantissa, scale })),
                    1 => model::PayerShare::Amount(Money::new(amount, Currency::GBP)),
                    _ => model::PayerShare::Rest,
                };
                let mut p = payer("", share, cap, only);
                p.excess_pro_rata = pro_rata && kind == 0;
                p
            });
        proptest::collection::vec(one, 1..=4).prop_map(|mut payers| {
            for (i, p) in payers.iter_mut().enumerate() {
                p.name = format!("payer {i}").into();
            }
            payers
        })
    }

    /// Random lines: every kind, some of nothing, some negative (a penalty).
    fn random_lines() -> impl proptest::strategy::Strategy<Value = Vec<(LineKind, i128)>> {
        use proptest::prelude::*;
        let kinds = [
            LineKind::Price,
            LineKind::FixedFee,
            LineKind::Bonus,
            LineKind::Penalty,
        ];
        let one = (0..4_usize, -300..=2_500_i128, 0..4_u8)
            .prop_map(move |(k, amount, zero)| (kinds[k], if zero == 0 { 0 } else { amount }));
        proptest::collection::vec(one, 0..40)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3_000))]

        /// The parts of each line, split into buffers made once, are exactly the plain
        /// running split: `split_by_pools` of the running total after the line, made afresh,
        /// less that of the running total before it; and they add up to the line.
        #[test]
        fn parts_are_the_plain_running_split(payers in random_payers(), lines in random_lines()) {
            let mut trace = PayerParts::new(&payers, Currency::GBP).unwrap();
            let mut reused = Vec::new();
            let (mut total, mut fixed) = (0_i128, 0_i128);
            let mut before = (vec![0_i128; payers.len()], 0_i128);
            for &(kind, amount) in &lines {
                trace.next(kind, amount, &mut reused).unwrap();
                let mut wanted = vec![0_i128; payers.len()];
                if amount != 0 {
                    total += amount;
                    if matches!(kind, LineKind::FixedFee | LineKind::Bonus) {
                        fixed += amount;
                    }
                    let after = payers::split_by_pools(total, fixed, &payers, Currency::GBP).unwrap();
                    for (i, want) in wanted.iter_mut().enumerate() {
                        *want = after.0[i] - before.0[i];
                    }
                    if after.1 != before.1 {
                        wanted.push(after.1 - before.1);
                    }
                    before = after;
                }
                let got: Vec<i128> = reused.iter().map(|p| p.amount.minor).collect();
                proptest::prop_assert_eq!(&got, &wanted);
                proptest::prop_assert_eq!(got.iter().sum::<i128>(), amount);
                for (part, payer) in reused.iter().zip(&payers) {
                    proptest::prop_assert_eq!(&part.name, &payer.name);
                }
                if got.len() > payers.len() {
                    proptest::prop_assert_eq!(reused[payers.len()].name.as_str(), UNFUNDED);
                }
            }
            let (paid, unfunded) = trace.paid().unwrap();
            proptest::prop_assert_eq!((paid, unfunded), (&before.0[..], before.1));
        }
    }
}
