//! The payer rules beyond the one split of `plan::PayerSplit`: what a capped payer
//! with `excess pro rata` does not pay, shared between the others in proportion to their
//! percentages; payers of the outcome payments only, who pay none of the fixed fees and
//! bonuses; and each payer's part as a percentage of the whole.
//!
//! Every part is whole minor units and the parts add up exactly: a share is apportioned by
//! `plan::apportion` (each part rounded down, the units left over one at a time to the largest
//! remainders, the payer written first on a tie).

use super::plan::{apportion, apportion_into, checked_sum, PayerSplit};
use crate::ast;
use crate::check::name_table::{NameTable, BATCH};
use crate::diagnostic::{Code, Diagnostic};
use crate::model;
use crate::source::{Span, Spanned, Str};
use crate::value::{Decimal, Money, Percent};
use std::hash::BuildHasher;

/// A payer's percentage in millionths of a percent (a contract writes at most six decimals).
pub(super) fn millionths(percent: Percent) -> Option<i128> {
    10_i128
        .checked_pow(6_u32.checked_sub(percent.0.scale)?)?
        .checked_mul(percent.0.mantissa)
}

/// Room for sharing an excess (`Excess::share`), kept from one split to the next.
#[derive(Default)]
pub struct Excess {
    /// The payers who take a portion (`None` for the payer of the rest), and their weights.
    takers: Vec<Option<usize>>,
    weights: Vec<i128>,
    portions: Vec<i128>,
    remainders: Vec<(i128, usize)>,
}

impl Excess {
    /// Share `excess` (what the caps of payers with `excess pro rata` cut from their
    /// percentages) between the payers who can still take more: each payer of a percentage
    /// below its cap, weighted by its percentage, and the payer of the rest, weighted by what
    /// the percentages leave of 100%. Each percentage payer's portion is added to its part, up
    /// to its cap; the payer of the rest's portion, and whatever a cap stops, stays with what
    /// is left (for the payer of the rest, or unfunded). Returns what was added to the parts;
    /// `None` on overflow.
    pub fn share(
        &mut self,
        excess: i128,
        parts: &mut [i128],
        payers: &[model::Payer],
        total_percent_millionths: i128,
    ) -> Option<i128> {
        let headroom = |i: usize, part: i128| payers[i].cap.map(|cap| cap.minor - part);
        self.takers.clear();
        self.weights.clear();
        for (i, payer) in payers.iter().enumerate() {
            match payer.share {
                model::PayerShare::Percent(p) if headroom(i, parts[i]).is_none_or(|h| h > 0) => {
                    self.takers.push(Some(i));
                    self.weights.push(millionths(p)?);
                }
                model::PayerShare::Rest => {
                    let left = (100 * 1_000_000 - total_percent_millionths).max(0);
                    if left > 0 && headroom(i, 0).is_none_or(|h| h > 0) {
                        self.takers.push(None);
                        self.weights.push(left);
                    }
                }
                _ => {}
            }
        }
        apportion_into(
            excess,
            &self.weights,
            &mut self.portions,
            &mut self.remainders,
        )?;
        // With no weight at all `apportion` puts everything in the last part; with no taker
        // at all nothing is added and the excess stays unfunded.
        let mut added = 0_i128;
        for (taker, &portion) in self.takers.iter().zip(&self.portions) {
            let Some(i) = *taker else { continue };
            let take = headroom(i, parts[i]).map_or(portion, |h| portion.min(h));
            parts[i] = parts[i].checked_add(take)?;
            added = added.checked_add(take)?;
        }
        Some(added)
    }
}

/// The part of `total` that is fixed fees and bonuses, the rest being outcome payments: the
/// total cap and the penalties cut the outcome payments first, so the fixed fees and bonuses
/// are `min(total, fixed fees + bonuses)`, never below 0.
pub fn fixed_and_bonuses_part(total: i128, fixed_and_bonuses: i128) -> i128 {
    fixed_and_bonuses.min(total).max(0)
}

/// Share `total` between the payers, of which `fixed_and_bonuses` (at most `total`) is fixed
/// fees and bonuses. When no payer pays outcome payments only, one split of the whole
/// (`PayerSplit`). Otherwise two: first the fixed fees and bonuses, between the
/// payers of everything (those of outcome payments only taking no part, their percentages
/// falling pro rata to the others, as with `excess pro rata`); then the outcome payments,
/// between all the payers, each payer's amount and cap lowered by what it paid of the first.
/// Returns each payer's part and what no payer covers; `None` on overflow.
pub fn split_by_pools(
    total: i128,
    fixed_and_bonuses: i128,
    payers: &[model::Payer],
    currency: crate::value::Currency,
) -> Option<(Vec<i128>, i128)> {
    let mut parts = vec![0; payers.len()];
    let unfunded = Pools::new(payers, currency).split_into(total, fixed_and_bonuses, &mut parts)?;
    Some((parts, unfunded))
}

/// `split_by_pools` made ready once for many totals (the running total after each payment
/// line): the payers of each pool copied once, and every figure written over the last, so
/// that a split allocates nothing.
pub struct Pools<'a> {
    payers: &'a [model::Payer],
    split: PayerSplit,
    /// With a payer of outcome payments only, the two pools.
    pools: Option<TwoPools>,
}

/// The payers of the fixed fees and bonuses, and of the outcome payments (whose caps and
/// amounts each split lowers), with each pool's parts.
struct TwoPools {
    first: Vec<model::Payer>,
    second: Vec<model::Payer>,
    fixed_parts: Vec<i128>,
    outcome_parts: Vec<i128>,
}

impl<'a> Pools<'a> {
    pub fn new(payers: &'a [model::Payer], currency: crate::value::Currency) -> Pools<'a> {
        let pools = payers.iter().any(|p| p.outcome_payments_only).then(|| {
            let first: Vec<model::Payer> = payers
                .iter()
                .map(|p| {
                    let mut p = p.clone();
                    if p.outcome_payments_only {
                        p.cap = Some(Money::new(0, currency));
                        p.excess_pro_rata = true;
                    }
                    p
                })
                .collect();
            let n = payers.len();
            TwoPools {
                first,
                second: payers.to_vec(),
                fixed_parts: vec![0; n],
                outcome_parts: vec![0; n],
            }
        });
        Pools {
            payers,
            // The pools change caps, amounts and `excess pro rata`, never a share's kind or
            // percentage: one split serves both.
            split: PayerSplit::new(payers),
            pools,
        }
    }

    /// `split_by_pools(total, fixed_and_bonuses, …)`, each payer's part written over `parts`;
    /// returns what no payer covers.
    pub fn split_into(
        &mut self,
        total: i128,
        fixed_and_bonuses: i128,
        parts: &mut [i128],
    ) -> Option<i128> {
        let Some(TwoPools {
            first,
            second,
            fixed_parts,
            outcome_parts,
        }) = &mut self.pools
        else {
            return self.split.split_into(total, self.payers, parts);
        };
        let fixed = fixed_and_bonuses_part(total, fixed_and_bonuses);
        let outcomes = total.checked_sub(fixed)?;
        let fixed_unfunded = self.split.split_into(fixed, first, fixed_parts)?;
        for ((lowered, p), paid) in second.iter_mut().zip(self.payers).zip(fixed_parts.iter()) {
            if let (Some(cap), Some(from)) = (&mut lowered.cap, p.cap) {
                cap.minor = from.minor.checked_sub(*paid)?.max(0);
            }
            if let (model::PayerShare::Amount(amount), model::PayerShare::Amount(from)) =
                (&mut lowered.share, &p.share)
            {
                amount.minor = from.minor.checked_sub(*paid)?.max(0);
            }
        }
        let outcome_unfunded = self.split.split_into(outcomes, second, outcome_parts)?;
        for ((part, a), b) in parts
            .iter_mut()
            .zip(fixed_parts.iter())
            .zip(outcome_parts.iter())
        {
            *part = a.checked_add(*b)?;
        }
        fixed_unfunded.checked_add(outcome_unfunded)
    }
}

/// Each part as a percentage of the whole (`parts` and `unfunded` together), to two
/// decimals, adding up with the unfunded share to exactly 100%: 10,000 hundredths of a
/// percent apportioned in proportion to the parts. `None` for each when the whole is 0.
pub fn shares(parts: &[i128], unfunded: i128) -> Vec<Option<Percent>> {
    let mut weights: Vec<i128> = parts.iter().map(|p| (*p).max(0)).collect();
    weights.push(unfunded.max(0));
    let whole = checked_sum(weights.iter().copied()).unwrap_or(0);
    let hundredths = if whole > 0 {
        apportion(10_000, &weights)
    } else {
        None
    };
    match hundredths {
        Some(h) => h
            .into_iter()
            .take(parts.len())
            .map(|mantissa| Some(Percent(Decimal { mantissa, scale: 2 })))
            .collect(),
        None => vec![None; parts.len()],
    }
}

/// One payer clause on its own: `excess pro rata` needs a percentage for the cap to cut
/// (E0560), and a cap on an amount is not below the amount (E0563).
pub fn check_clause(
    share: &Spanned<ast::PayerShare>,
    cap: Option<Spanned<Money>>,
    excess_pro_rata: Option<Span>,
    out: &mut Vec<Diagnostic>,
) {
    if let (Some(span), ast::PayerShare::Amount(_) | ast::PayerShare::Rest) =
        (excess_pro_rata, share.value)
    {
        out.push(
            Diagnostic::new(
                Code::E0560,
                "`excess pro rata` on a payer that does not pay a percentage",
                span,
                "nothing here for the others to share",
            )
            .also(share.span, "an amount or the rest, not a percentage")
            .help("give the payer a percentage (`pays 45.26% up to £1,075,000, excess pro rata`), or remove `, excess pro rata`"),
        );
    }
    if let (ast::PayerShare::Amount(amount), Some(cap)) = (share.value, cap) {
        if cap.value.minor < amount.minor {
            out.push(
                Diagnostic::new(
                    Code::E0563,
                    format!(
                        "the payer's cap of {} is below the {} it pays",
                        cap.value, amount
                    ),
                    cap.span,
                    "below the amount",
                )
                .also(share.span, "the amount it pays")
                .help(format!(
                    "write the amount the payer really pays (`pays {}`), or raise the cap",
                    cap.value
                )),
            );
        }
    }
}

/// The payers' names so far, each once (E0564): the same body in two clauses would be two
/// lines of every figure by payer, each with part of its share. A name is looked up with the
/// names after it in batches (`name_table::BATCH`): a contract can name hundreds of thousands of
/// payers, whose table is larger than the caches; `finish` looks up the last.
pub struct Named<'a> {
    /// Each name once, lowered, where it is first named.
    names: Vec<(Str, Span)>,
    places: NameTable,
    hasher: foldhash::fast::FixedState,
    /// The names waiting to be looked up, each lowered and hashed.
    waiting: Vec<(&'a ast::Text, Str, u64)>,
}

impl<'a> Named<'a> {
    /// Room for `payers` names at once: a table grown as it fills is built again at each
    /// size.
    pub fn with_capacity(payers: usize) -> Named<'a> {
        Named {
            names: Vec::with_capacity(payers),
            places: NameTable::with_capacity(payers),
            hasher: foldhash::fast::FixedState::default(),
            waiting: Vec::with_capacity(BATCH),
        }
    }

    /// `name`, reported if a payer before it has the same name, ignoring capitals and the
    /// spaces around it.
    pub fn check(&mut self, name: &'a ast::Text, out: &mut Vec<Diagnostic>) {
        // A name in ASCII is lowered in place, with no allocation for one of up to 24 bytes.
        let trimmed = name.value.trim();
        let key = if trimmed.is_ascii() {
            let mut key = Str::from(trimmed);
            key.make_ascii_lowercase();
            key
        } else {
            Str::from(trimmed.to_lowercase())
        };
        let hash = self.hasher.hash_one(key.as_str());
        self.waiting.push((name, key, hash));
        if self.waiting.len() == BATCH {
            self.look_up(out);
        }
    }

    /// Look up the names still waiting.
    pub fn finish(mut self, out: &mut Vec<Diagnostic>) {
        self.look_up(out);
    }

    fn look_up(&mut self, out: &mut Vec<Diagnostic>) {
        let Named {
            names,
            places,
            hasher,
            waiting,
        } = self;
        places.touch(waiting.iter().map(|&(_, _, hash)| hash));
        for (name, key, hash) in waiting.drain(..) {
            match places.find(hash, |i| names[i as usize].0 == key) {
                Err(slot) => {
                    // Four billion payers would not fit in memory before their places
                    // overflowed.
                    let place = names.len() as u32;
                    names.push((key, name.span));
                    places.insert(slot, hash, place, |i| {
                        hasher.hash_one(names[i as usize].0.as_str())
                    });
                }
                Ok(first) => out.push(
                    Diagnostic::new(
                        Code::E0564,
                        format!("the payer \"{}\" is named twice", name.value.trim()),
                        name.span,
                        "named again here",
                    )
                    .also(names[first as usize].1, "first named here")
                    .help("give the payer one clause with its whole share, or correct the name of the second payer"),
                ),
            }
        }
    }
}

/// The payers together: each `excess pro rata` has another payer of a percentage or of the
/// rest to take what its cap cuts (E0561).
pub fn check_takers(
    payers: &[model::Payer],
    pro_rata: &[(Span, usize)],
    out: &mut Vec<Diagnostic>,
) {
    for &(span, i) in pro_rata {
        if !matches!(payers[i].share, model::PayerShare::Percent(_)) {
            continue; // E0560 already
        }
        let taker = payers.iter().enumerate().any(|(j, p)| {
            j != i
                && matches!(
                    p.share,
                    model::PayerShare::Percent(_) | model::PayerShare::Rest
                )
        });
        if !taker {
            out.push(
                Diagnostic::new(
                    Code::E0561,
                    format!(
                        "no other payer can take what the cap of `{}` cuts",
                        payers[i].name
                    ),
                    span,
                    "shared pro rata between no one",
                )
                .help("the excess falls to the payers of a percentage or of the rest; add one, or remove `, excess pro rata`"),
            );
        }
    }
}

/// The payer clauses, in the order of the model's payers.
fn payer_clauses<'a>(
    clauses: &'a [&'a ast::PaymentClause],
) -> impl Iterator<Item = &'a ast::PaymentClause> + 'a {
    clauses
        .iter()
        .copied()
        .filter(|c| matches!(c, ast::PaymentClause::Payer { .. }))
}

/// When every payer pays outcome payments only, no payer pays the fixed fees and bonuses
/// (E0562); returns whether that was reported, so that the same shortfall is not reported
/// again as unfunded (E0514).
pub fn check_fixed_payer(
    payers: &[model::Payer],
    clauses: &[&ast::PaymentClause],
    fixed_and_bonuses: i128,
    currency: crate::value::Currency,
    out: &mut Vec<Diagnostic>,
) -> bool {
    if payers.is_empty()
        || fixed_and_bonuses <= 0
        || !payers.iter().all(|p| p.outcome_payments_only)
    {
        return false;
    }
    let Some(ast::PaymentClause::Payer {
        outcome_payments_only: Some(span),
        ..
    }) = payer_clauses(clauses).last()
    else {
        return false;
    };
    out.push(
        Diagnostic::new(
            Code::E0562,
            format!(
                "every payer pays outcome payments only, so no payer pays the {} of fixed fees and bonuses",
                Money::new(fixed_and_bonuses, currency)
            ),
            *span,
            "outcome payments only",
        )
        .help("let at least one payer pay its share of everything: remove `of outcome payments` from it"),
    );
    true
}

/// A cap with `excess pro rata` that the payer's share never reaches, even at the maximum
/// exposure, never sends anything to the others (W0565).
pub fn check_caps_reached(
    payers: &[model::Payer],
    clauses: &[&ast::PaymentClause],
    at_maximum: &[i128],
    out: &mut Vec<Diagnostic>,
) {
    for ((payer, clause), part) in payers.iter().zip(payer_clauses(clauses)).zip(at_maximum) {
        let (
            Some(cap),
            ast::PaymentClause::Payer {
                excess_pro_rata: Some(span),
                ..
            },
        ) = (payer.cap, clause)
        else {
            continue;
        };
        if matches!(payer.share, model::PayerShare::Percent(_)) && *part < cap.minor {
            out.push(
                Diagnostic::new(
                    Code::W0565,
                    format!(
                        "`{}` pays at most {}, below its cap of {}, so nothing ever falls pro rata to the others",
                        payer.name,
                        Money::new(*part, cap.currency),
                        cap
                    ),
                    *span,
                    "never applies",
                )
                .help("lower the cap to the grant the payer really has, or remove `, excess pro rata`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::money::plan::split_between_payers;
    use crate::value::{Currency, Money};

    /// A payer named again, in other capitals or with spaces around it, is E0564 pointing at
    /// where it was first named: in the same batch of names looked up together, in a later
    /// one, and among names that no batch fills.
    #[test]
    fn a_payer_named_again_is_found_in_any_batch() {
        for payers in [1, 5, BATCH - 1, BATCH, BATCH + 1, 3 * BATCH + 7, 1_000] {
            let mut texts = Vec::new();
            let mut expected = Vec::new();
            for i in 0..payers {
                // Every seventh names the payer three before it again, the other way round.
                let (name, first) = if i % 7 == 6 {
                    (format!("  p{} ", i - 3), Some(i - 3))
                } else {
                    (format!("P{i}"), None)
                };
                let span = Span::new(i * 10, i * 10 + 5);
                if let Some(first) = first {
                    expected.push((span, Span::new(first * 10, first * 10 + 5)));
                }
                texts.push(ast::Text::new(Str::from(name), span));
            }
            let mut out = Vec::new();
            let mut named = Named::with_capacity(1);
            for text in &texts {
                named.check(text, &mut out);
            }
            named.finish(&mut out);
            let found: Vec<(Span, Span)> = out
                .iter()
                .map(|d| {
                    assert_eq!(d.code, Code::E0564);
                    (d.primary.span, d.secondary[0].span)
                })
                .collect();
            assert_eq!(found, expected, "{payers} payers");
        }
    }

    fn payer(
        share: model::PayerShare,
        cap: Option<i128>,
        pro_rata: bool,
        only: bool,
    ) -> model::Payer {
        model::Payer {
            name: "p".into(),
            share,
            cap: cap.map(|c| Money::new(c, Currency::GBP)),
            outcome_payments_only: only,
            excess_pro_rata: pro_rata,
            clause: model::Clause {
                file: "t".into(),
                line: 1,
            },
        }
    }

    fn pct(m: i128, scale: u32) -> model::PayerShare {
        model::PayerShare::Percent(Percent(Decimal { mantissa: m, scale }))
    }

    #[test]
    fn a_capped_payers_excess_falls_pro_rata_to_the_others() {
        // 50% up to 300 of 1,000: 200 cut, shared 30 : 20 between the two councils.
        let payers = [
            payer(pct(50, 0), Some(300), true, false),
            payer(pct(30, 0), None, false, false),
            payer(pct(20, 0), None, false, false),
        ];
        let (parts, left) = split_between_payers(1_000, &payers).unwrap();
        assert_eq!(parts, vec![300, 420, 280]);
        assert_eq!(left, 0);
        // Without `excess pro rata` the cut is unfunded.
        let mut plain = payers.clone();
        plain[0].excess_pro_rata = false;
        let (parts, left) = split_between_payers(1_000, &plain).unwrap();
        assert_eq!(parts, vec![300, 300, 200]);
        assert_eq!(left, 200);
    }

    #[test]
    fn the_payer_of_the_rest_takes_its_pro_rata_portion() {
        // 40% up to 100 of 1,000 with 20% and the rest (40%): 300 cut, 100 and 200.
        let payers = [
            payer(pct(40, 0), Some(100), true, false),
            payer(pct(20, 0), None, false, false),
            payer(model::PayerShare::Rest, None, false, false),
        ];
        let (parts, left) = split_between_payers(1_000, &payers).unwrap();
        assert_eq!(parts, vec![100, 300, 600]);
        assert_eq!(left, 0);
    }

    #[test]
    fn outcome_only_payers_pay_none_of_the_fixed_fees() {
        // 1,000 of which 200 fixed fees: the fund pays 40% of the 800 outcome payments only;
        // the councils share the fees 30 : 30 and 60% of the outcome payments.
        let payers = [
            payer(pct(40, 0), None, false, true),
            payer(pct(30, 0), None, false, false),
            payer(pct(30, 0), None, false, false),
        ];
        let (parts, left) = split_by_pools(1_000, 200, &payers, Currency::GBP).unwrap();
        assert_eq!(parts, vec![320, 340, 340]);
        assert_eq!(left, 0);
    }

    #[test]
    fn shares_add_up_to_a_hundred_percent() {
        let got = shares(&[1, 1, 1], 0);
        let hundredths: Vec<i128> = got.iter().map(|p| p.unwrap().0.mantissa).collect();
        assert_eq!(hundredths, vec![3_334, 3_333, 3_333]);
        assert_eq!(shares(&[0, 0], 0), vec![None, None]);
    }
}
