//! Step 1 of the payments: what each participant's events add to their entitlement on the
//! rate card, a line for each price and each attachment fee, made for any run of
//! participants apart from the others (`by_day::MakeLines`), so that runs are made on
//! several threads.

use super::by_day::MakeLines;
use super::{cut, to_line, too_large, year_of, ClauseIds, Day, Decided, NONE};
use crate::check::money::plan;
use crate::model::{self, Contract};
use crate::report::engine::{Accepted, StageInfo};
use crate::report::LineKind;
use crate::schedule::due_date;
use std::ops::Range;

/// The rate card by stage number, as each event reads it.
pub(super) struct Card<'a> {
    contract: &'a Contract,
    stages: &'a [StageInfo],
    accepted: &'a Accepted,
    /// Each stage's price (the last `pay` for it, as a map of prices by name would hold)
    /// with its clause's place.
    price_at: Vec<Option<(&'a model::Price, u32)>>,
    /// Each stage's exclusive group and alternative.
    group_at: Vec<Option<(usize, usize)>>,
    /// Where each group's alternatives start in one flat list of sums, and where the last
    /// ends.
    group_start: Vec<usize>,
    /// The per-participant maximum of each funnel's cohort.
    maximum_of_funnel: &'a [i128],
    stage_subject: &'a [u32],
    /// The attachment fee's rule and its clause's place.
    attachment: Option<(&'a model::Attachment, u32)>,
}

/// What the stages a participant has reached so far earn in each exclusive group: every
/// alternative's sum, each group's richest, and the groups reached, set back to nothing for
/// the next participant in the groups this one reached only (a walk over every group per
/// event, or per participant, grew with the groups times the events). One for each run of
/// participants.
struct Groups {
    sums: Vec<i128>,
    richest: Vec<i128>,
    reached: Vec<bool>,
    reached_groups: Vec<usize>,
}

impl<'a> Card<'a> {
    /// The card of `contract`, with `by_id` each stage's number by name; the clauses cited
    /// given their places in `clauses`.
    pub(super) fn of(
        contract: &'a Contract,
        stages: &'a [StageInfo],
        accepted: &'a Accepted,
        by_id: &foldhash::HashMap<&str, usize>,
        (maximum_of_funnel, stage_subject): (&'a [i128], &'a [u32]),
        clauses: &mut ClauseIds<'a>,
    ) -> Card<'a> {
        let p = &contract.payments;
        let mut price_at: Vec<Option<(&model::Price, u32)>> = vec![None; stages.len()];
        for price in &p.prices {
            if let Some(&g) = by_id.get(price.stage.as_str()) {
                price_at[g] = Some((price, clauses.id(&price.clause)));
            }
        }
        let mut group_at: Vec<Option<(usize, usize)>> = vec![None; stages.len()];
        for (g, group) in p.exclusive.iter().enumerate() {
            for (a, alternative) in group.alternatives.iter().enumerate() {
                for stage in alternative {
                    if let Some(&s) = by_id.get(stage.as_str()) {
                        group_at[s] = Some((g, a));
                    }
                }
            }
        }
        let mut group_start = Vec::with_capacity(p.exclusive.len() + 1);
        let mut slots = 0;
        for group in &p.exclusive {
            group_start.push(slots);
            slots += group.alternatives.len();
        }
        group_start.push(slots);
        Card {
            contract,
            stages,
            accepted,
            price_at,
            group_at,
            group_start,
            maximum_of_funnel,
            stage_subject,
            attachment: p.attachment.as_ref().map(|a| (a, clauses.id(&a.clause))),
        }
    }

    fn groups(&self) -> Groups {
        let groups = self.group_start.len() - 1;
        Groups {
            sums: vec![0; self.group_start[groups]],
            richest: vec![0; groups],
            reached: vec![false; groups],
            reached_groups: Vec::new(),
        }
    }

    /// The lines of participant `who` (reference `id`), in the order of their events: an
    /// attachment fee on entry, and what each priced stage raises their entitlement, within
    /// their cohort's per-participant maximum.
    fn participant(
        &self,
        who: u32,
        (id, events): (&str, &[crate::report::engine::Event]),
        groups: &mut Groups,
        out: &mut impl FnMut(Decided),
    ) -> Result<(), String> {
        let Some(first) = events.first() else {
            return Ok(());
        };
        let (contract, stages) = (self.contract, self.stages);
        let currency = contract.funding_limit.currency;
        let maximum = self.maximum_of_funnel[stages[first.stage as usize].funnel];
        let Groups {
            sums,
            richest,
            reached,
            reached_groups,
        } = groups;
        for group in reached_groups.drain(..) {
            sums[self.group_start[group]..self.group_start[group + 1]].fill(0);
            richest[group] = 0;
            reached[group] = false;
        }
        let mut plain = 0_i128;
        let mut grouped = 0_i128;
        let mut entitled = 0_i128;
        let earns = || too_large(&format!("what `{id}` earns on the rate card"), currency);
        for event in events {
            let g = event.stage as usize;
            let before_card = plain.checked_add(grouped).ok_or_else(earns)?;
            let price_here = self.price_at[g].map_or(0, |(pr, _)| pr.amount.minor);
            match self.group_at[g] {
                Some((group, alternative)) => {
                    let run = self.group_start[group]..self.group_start[group + 1];
                    if !reached[group] {
                        reached[group] = true;
                        reached_groups.push(group);
                    }
                    let slot = &mut sums[run.start + alternative];
                    *slot = slot.checked_add(price_here).ok_or_else(earns)?;
                    // A sum that grows can only raise the richest; one that shrinks (a
                    // negative price, refused by the check) needs every alternative looked at.
                    let most = if price_here >= 0 {
                        richest[group].max(*slot)
                    } else {
                        sums[run].iter().copied().max().unwrap_or(0)
                    };
                    grouped = (grouped - richest[group])
                        .checked_add(most)
                        .ok_or_else(earns)?;
                    richest[group] = most;
                }
                None => plain = plain.checked_add(price_here).ok_or_else(earns)?,
            }
            if stages[g].index == 0 {
                if let Some((attachment, clause)) = self.attachment {
                    let year = year_of(contract, event.day);
                    let share = attachment
                        .shares
                        .iter()
                        .find(|s| s.year == Some(year))
                        .or_else(|| attachment.shares.iter().find(|s| s.year.is_none()));
                    if let Some(share) = share {
                        let rate = plan::percent_of(maximum, share.share)
                            .ok_or_else(|| too_large("an attachment fee", currency))?;
                        let amount = rate.min(maximum - entitled).max(0);
                        entitled += amount; // at most `maximum`
                        out(Decided {
                            kind: LineKind::Attachment,
                            who,
                            subject: NONE,
                            earned: Day::of(event.day),
                            due: Day::of(event.day),
                            rate: to_line(rate, "an attachment fee", currency)?,
                            amount: to_line(amount, "an attachment fee", currency)?,
                            clause,
                            cuts: 0,
                        });
                    }
                }
            }
            let Some((price, clause)) = self.price_at[g] else {
                continue;
            };
            let after_card = plain.checked_add(grouped).ok_or_else(earns)?;
            let raised = after_card - before_card;
            let amount = raised.min(maximum - entitled).max(0);
            entitled += amount; // at most `maximum`
            let mut cuts = 0;
            if raised < price.amount.minor {
                cuts |= cut::EXCLUSIVE;
            }
            if amount < raised {
                cuts |= cut::PER_PARTICIPANT;
            }
            out(Decided {
                kind: LineKind::Price,
                who,
                subject: self.stage_subject[g],
                earned: Day::of(event.day),
                due: Day::of(due_date(event.day, price.due, contract.term.start)),
                rate: to_line(price.amount.minor, "a price", currency)?,
                amount: to_line(amount, "a price", currency)?,
                clause,
                cuts,
            });
        }
        Ok(())
    }
}

impl MakeLines for Card<'_> {
    fn make(&self, who: Range<usize>, out: &mut impl FnMut(Decided)) -> Result<(), String> {
        let mut groups = self.groups();
        self.accepted.try_each_in(who, |i, name, events| {
            self.participant(i as u32, (name, events), &mut groups, out)
        })
    }

    /// The days alone, as `participant` makes its lines: an attachment fee on entry where
    /// the year has a share, a price for each priced stage; what each pays is not worked
    /// out (counting the lines made them whole: a sixth of the ten-million-row report).
    fn due_days(&self, who: Range<usize>, out: &mut impl FnMut(Day)) -> Result<(), String> {
        let (contract, stages) = (self.contract, self.stages);
        self.accepted.each_in(who, |_, _, events| {
            for event in events {
                let g = event.stage as usize;
                if stages[g].index == 0 {
                    if let Some((attachment, _)) = self.attachment {
                        let year = year_of(contract, event.day);
                        if attachment
                            .shares
                            .iter()
                            .any(|s| s.year == Some(year) || s.year.is_none())
                        {
                            out(Day::of(event.day));
                        }
                    }
                }
                if let Some((price, _)) = self.price_at[g] {
                    out(Day::of(due_date(event.day, price.due, contract.term.start)));
                }
            }
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::engine::{Event, Rules};
    use crate::report::Options;
    use crate::value::Date;

    /// The days `due_days` gives are the days the lines made fall due, for a contract with
    /// an attachment fee shared by year (none for the third), one with prices due in
    /// arrears, and participants entering on every day of the term, some on one stage only.
    #[test]
    fn the_days_counted_are_the_days_the_lines_fall_due() {
        for spec in [
            "specs/rough-sleeping.outcome",
            "specs/employment-ladder.outcome",
        ] {
            let contract = crate::report::compiled(spec);
            let stages = Rules::of(&contract, &Options::default()).unwrap().stages;
            let (start, end) = (
                contract.term.start.day_number(),
                contract.term.end.day_number(),
            );
            let mut accepted = Accepted::default();
            for (p, day) in (start..=end).enumerate() {
                let events: Vec<Event> = stages
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.funnel == p % contract.funnels.len())
                    .take(1 + p % 7)
                    .map(|(g, _)| Event {
                        stage: g as u32,
                        day: Date::from_day_number(day),
                        row: p as u64,
                    })
                    .collect();
                accepted.push(&format!("p{p}"), &events);
            }
            let by_id: foldhash::HashMap<&str, usize> = stages
                .iter()
                .enumerate()
                .map(|(g, s)| (s.id.as_str(), g))
                .collect();
            let maximum = vec![1_000_000_i128; contract.funnels.len()];
            let subjects: Vec<u32> = (0..stages.len() as u32).collect();
            let mut clauses = ClauseIds::default();
            let card = Card::of(
                &contract,
                &stages,
                &accepted,
                &by_id,
                (&maximum, &subjects),
                &mut clauses,
            );
            let (mut made, mut counted) = (Vec::new(), Vec::new());
            card.make(0..accepted.len(), &mut |l| made.push(l.due))
                .unwrap();
            card.due_days(0..accepted.len(), &mut |due| counted.push(due))
                .unwrap();
            assert!(made.len() > accepted.len(), "{spec}: {} lines", made.len());
            made.sort();
            counted.sort();
            assert!(made == counted, "{spec}");
        }
    }
}
