//! The planned timeline: when participants are planned to enter, and so when they are planned
//! to reach each stage.
//!
//! Participants enter over the referral window (the term, without one): evenly over its days,
//! or, with a referral profile, each period of the window bringing its share, spread evenly
//! over that period's days. The window is sampled at up to 366 entry days, each carrying the
//! weight of the days it stands for; a stage's planned date for each sample comes from
//! `Clock::planned`. Weights are integers, so the plan is the same on every machine.

use super::clock::Clock;
use crate::model::{self, ReferralProfile, ReferralWindow, Term};
use crate::value::Date;

/// Sampled entry days with their weights.
#[derive(Debug, Clone)]
pub struct Entries {
    pub days: Vec<Date>,
    pub weights: Vec<i128>,
}

/// Most samples taken from a referral window: a day each for a window of a year or less.
const SAMPLES: i64 = 366;

impl Entries {
    pub fn of(
        term: Term,
        referrals: Option<ReferralWindow>,
        profile: Option<&ReferralProfile>,
    ) -> Entries {
        let (from, until) = referrals.map_or((term.start, term.end), |r| (r.from, r.until));
        let days = (until.day_number() - from.day_number() + 1).max(1);
        let samples = days.min(SAMPLES);
        let dates: Vec<Date> = (0..samples)
            .map(|k| Date::from_day_number(from.day_number() + k * days / samples))
            .collect();
        let weights = match profile {
            None => vec![1; dates.len()],
            Some(profile) => {
                // Each period's share, in millionths of a percent, split over its samples.
                let period_of = |date: Date| {
                    let mut n = 0u32;
                    while profile.period.start_of(from, n + 1) <= date {
                        n += 1;
                    }
                    n as usize
                };
                let periods: Vec<usize> = dates.iter().map(|d| period_of(*d)).collect();
                let mut in_period = vec![0i128; profile.shares.len().max(1)];
                for &p in &periods {
                    if let Some(count) = in_period.get_mut(p) {
                        *count += 1;
                    }
                }
                periods
                    .iter()
                    .map(|&p| {
                        let share = profile.shares.get(p).map_or(0, |s| {
                            let scale = s.0.scale.min(6);
                            s.0.mantissa.saturating_mul(10_i128.pow(6 - scale))
                        });
                        // Scaled so that a share split over 366 samples keeps its precision.
                        share.saturating_mul(1_000) / in_period.get(p).copied().unwrap_or(1).max(1)
                    })
                    .collect()
            }
        };
        Entries {
            days: dates,
            weights,
        }
    }

    pub fn of_contract(contract: &model::Contract) -> Entries {
        Entries::of(
            contract.term,
            contract.referrals,
            contract.referral_profile.as_ref(),
        )
    }

    pub fn total(&self) -> i128 {
        self.weights.iter().sum()
    }

    /// The last entry day: the last day of the referral window.
    pub fn last(&self) -> Option<Date> {
        self.days.last().copied()
    }

    /// For each sampled entry, in order, the planned date of every stage of the funnel:
    /// `visit(entry index, planned dates by stage)`.
    pub fn each_planned(&self, clock: &Clock, mut visit: impl FnMut(usize, &[Date])) {
        let mut dates = Vec::with_capacity(clock.len());
        for (k, &entry) in self.days.iter().enumerate() {
            clock.planned(entry, &mut dates);
            visit(k, &dates);
        }
    }

    /// The share of a funnel's participants planned to reach each stage by `until`, as the
    /// weight of the entries planned to have reached it (out of `total()`).
    pub fn reached_by(&self, clock: &Clock, until: Date) -> Vec<i128> {
        let mut reached = vec![0i128; clock.len()];
        self.each_planned(clock, |k, dates| {
            for (s, date) in dates.iter().enumerate() {
                if *date <= until {
                    reached[s] += self.weights[k];
                }
            }
        });
        reached
    }
}
