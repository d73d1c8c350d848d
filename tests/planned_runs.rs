//! The planned timeline dates every stage for all the sampled entry days at once, in runs of
//! entries planned the same number of days after entry (`Clock::planned_offsets`), instead of
//! one entry day at a time (`Clock::planned`). The two must give the same date for every
//! stage and every entry day, whatever the funnel: joins, times in days, weeks, months and
//! years, measured from entry, from a stage before or from one after, referral windows of a
//! few days or of several years (sampled, so not every day), starting at a month's end.

use outcome::ast::StageKind;
use outcome::model::{Funnel, ReferralWindow, Stage, StageTimes, Term, TimeFrom};
use outcome::schedule::clock::{CalendarDates, Clock};
use outcome::schedule::plan::Entries;
use outcome::value::{Date, Decimal, Duration, Percent, TimeUnit};
use proptest::prelude::*;

/// A time: `(unit 0–3, count, stage measured from, or entry when `None`)`.
type Time = Option<(u8, u32, Option<usize>)>;

fn time(t: &Time, entry: &str) -> Option<TimeFrom> {
    let (unit, count, from) = (*t)?;
    let unit = [
        TimeUnit::Day,
        TimeUnit::Week,
        TimeUnit::Month,
        TimeUnit::Year,
    ][unit as usize];
    Some(TimeFrom {
        duration: Duration { count, unit },
        after: from.map_or(entry.to_string(), |f| format!("s{f}")).into(),
        from_entry: from.is_none(),
    })
}

/// A funnel of `stages`: each after the stages listed (by index, any index), with its times.
fn funnel(stages: &[(Vec<usize>, [Time; 3])]) -> Funnel {
    let stages = stages
        .iter()
        .enumerate()
        .map(|(i, (after, [earliest, latest, expected]))| Stage {
            id: format!("s{i}").into(),
            kind: StageKind::Milestone,
            description: Default::default(),
            expected: 10,
            after: if i == 0 {
                Vec::new()
            } else {
                after.iter().map(|p| format!("s{p}").into()).collect()
            },
            time: StageTimes {
                earliest: time(earliest, "s0"),
                latest: time(latest, "s0"),
                expected: time(expected, "s0"),
            }
            .into(),
            evidence: None,
            achieves: Vec::new(),
            stated_conversion: None,
            conversion: None,
            overall_conversion: Percent(Decimal {
                mantissa: 0,
                scale: 0,
            }),
            price: None,
            eligible: Vec::new(),
        })
        .collect();
    Funnel::new("f".into(), Default::default(), "c".into(), stages)
}

fn any_time(stages: usize) -> impl Strategy<Value = Time> {
    proptest::option::weighted(
        0.6,
        (0u8..4, 0u32..40, proptest::option::of(0..stages.max(1))),
    )
}

fn any_funnel() -> impl Strategy<Value = Vec<(Vec<usize>, [Time; 3])>> {
    (1usize..14).prop_flat_map(|n| {
        proptest::collection::vec(
            (
                // Mostly stages before, so that the order is the one written; now and then a
                // later one, which the plan dates as if it were reached on entry.
                proptest::collection::vec(0..n, 0..3),
                [any_time(n), any_time(n), any_time(n)],
            )
                .prop_map(move |(after, times)| (after, times)),
            n,
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn planned_dates_for_all_entry_days_at_once_match_one_entry_day_at_a_time(
        stages in any_funnel(),
        start in 0i64..3_000,
        window in 0i64..2_000,
    ) {
        let funnel = funnel(&stages);
        let clock = Clock::of(&funnel);
        // From some day in 2025–2033: the 28th to the 31st of a month come up often.
        let from = Date::from_day_number(Date::new(2025, 1, 28).unwrap().day_number() + start);
        let until = Date::from_day_number(from.day_number() + window);
        let term = Term { start: from, end: Date::from_day_number(until.day_number() + 3_000) };
        let entries = Entries::of(term, Some(ReferralWindow { from, until }), None);
        let days: Vec<i64> = entries.days.iter().map(Date::day_number).collect();

        let offsets = clock.planned_offsets(&days, &mut CalendarDates::default());
        prop_assert_eq!(offsets.len(), funnel.stages.len());
        // Times dated for other funnels on the same entry days (a funnel of the first
        // stages, and this one) are used again, and change nothing.
        let mut shared = CalendarDates::default();
        let first_half = Clock::of(&self::funnel(&stages[..stages.len().div_ceil(2)]));
        first_half.planned_offsets(&days, &mut shared);
        prop_assert_eq!(&clock.planned_offsets(&days, &mut shared), &offsets);
        prop_assert_eq!(&clock.planned_offsets(&days, &mut shared), &offsets);
        // The runs cover the entries in order, none empty, and no two next to each other
        // alike (so a stage planned a fixed time after entry is one run).
        for stage in &offsets {
            let runs: Vec<_> = stage.runs(days.len()).collect();
            prop_assert_eq!(runs.first().map(|r| r.0.start), Some(0));
            prop_assert_eq!(runs.last().map(|r| r.0.end), Some(days.len()));
            for pair in runs.windows(2) {
                prop_assert_eq!(pair[0].0.end, pair[1].0.start);
                prop_assert_ne!(pair[0].1, pair[1].1);
            }
            prop_assert!(runs.iter().all(|r| !r.0.is_empty()));
        }
        let mut dates = Vec::new();
        for (k, &entry) in entries.days.iter().enumerate() {
            clock.planned(entry, &mut dates);
            for (s, stage) in offsets.iter().enumerate() {
                let (_, after) = stage
                    .runs(days.len())
                    .find(|(run, _)| run.contains(&k))
                    .expect("every entry is in a run");
                prop_assert_eq!(
                    Date::from_day_number(days[k] + after),
                    dates[s],
                    "stage {} entering on {:?}",
                    s,
                    entry
                );
            }
        }
    }
}

/// What makes the timeline cost follow the stages, not the stages times the entry days: a
/// stage planned a fixed number of days after entry (no time, or times in days and weeks
/// from stages that are) is one run, however many entry days there are; one a month after
/// entry is a run for each length of month the entries meet.
#[test]
fn stages_a_fixed_time_after_entry_are_one_run_whatever_the_entry_days() {
    let n = 2_000;
    let stages: Vec<(Vec<usize>, [Time; 3])> = (0..n)
        .map(|i: usize| {
            let earliest = match i % 4 {
                0 => None,
                1 => Some((0, 1, Some(i - 1))),
                2 => Some((1, 2, None)),
                _ => Some((0, 3, Some(i - 2))),
            };
            (vec![i.saturating_sub(1)], [earliest, None, None])
        })
        .collect();
    let mut with_month = stages.clone();
    with_month[1].1[0] = Some((2, 1, None));
    let from = Date::new(2026, 4, 1).unwrap();
    let until = Date::new(2027, 3, 31).unwrap();
    let term = Term {
        start: from,
        end: Date::new(2030, 3, 31).unwrap(),
    };
    let entries = Entries::of(term, Some(ReferralWindow { from, until }), None);
    let days: Vec<i64> = entries.days.iter().map(Date::day_number).collect();
    assert_eq!(days.len(), 365);
    let offsets = Clock::of(&funnel(&stages)).planned_offsets(&days, &mut CalendarDates::default());
    assert!(offsets.iter().all(|o| o.runs(days.len()).count() == 1));
    // `at least 1 month` after entry on the second stage: the days a month adds change with the
    // month of entry, and every stage after it follows.
    let offsets =
        Clock::of(&funnel(&with_month)).planned_offsets(&days, &mut CalendarDates::default());
    let runs = offsets[n - 1].runs(days.len()).count();
    assert!((2..=40).contains(&runs), "{runs} runs");
}
