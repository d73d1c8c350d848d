//! The check hands each funnel the clock it made from the positions it resolved
//! (`Clock::from_positions`) when every name is declared once; the clock must be the one
//! `Clock::of` finds from the stages' names, whatever the funnel: explicit and implied links,
//! joins, times measured from entry and from a stage before, targets written between
//! milestones.

use outcome::schedule::clock::Clock;
use outcome::source::SourceFile;
use proptest::prelude::*;
use std::fmt::Write as _;

/// A stage: whether it is a target, the milestones before it that it follows (any number
/// picks one; none for the order written), whether it has each of its times, and whether
/// they are measured from a stage (odd) or from entry (even).
type Spec = (bool, Vec<usize>, [bool; 3], usize);

fn contract(stages: &[Spec]) -> String {
    let mut text = String::from(
        "contract \"Clock\" {\n  commissioner \"Council\"\n  provider \"Provider\"\n  \
         term 2026-04-01 to 2086-03-31\n  referrals until 2027-03-31\n  funding limit £999,999,999\n}\n\
         outcome better \"Better off\" { level service }\n\
         cohort people \"People\" { size 1000 }\n\
         funnel f \"F\" for people {\n  milestone s0 \"S\" 100\n",
    );
    let mut milestones = vec![0];
    for (i, (target, after, [earliest, latest, expected], from)) in stages.iter().enumerate() {
        let i = i + 1;
        let kind = if *target { "target" } else { "milestone" };
        let _ = write!(text, "  {kind} s{i} \"S\" 100");
        let mut follows: Vec<usize> = after
            .iter()
            .map(|a| milestones[a % milestones.len()])
            .collect();
        follows.sort_unstable();
        follows.dedup();
        if !follows.is_empty() {
            let names: Vec<String> = follows.iter().map(|p| format!("s{p}")).collect();
            let _ = write!(text, " after {}", names.join(", "));
        }
        // Measured from a stage it follows, directly or not: the first it names, or the
        // milestone before it.
        let base = follows
            .first()
            .copied()
            .unwrap_or(milestones[milestones.len() - 1]);
        let base = (from % 2 == 1).then_some(base);
        let from = |words: &str| base.map_or(String::new(), |b| format!(" {words} s{b}"));
        if *earliest {
            let _ = write!(text, " at least {i} days after s{}", base.unwrap_or(0));
        }
        if *latest {
            let _ = write!(text, " within {} months{}", i + 40, from("of"));
        }
        if *expected && base.is_none() {
            let _ = write!(text, " expected {} days after s0", i + 200);
        }
        if *target {
            text.push_str(" { achieves better evidence \"Seen\" }");
        } else {
            milestones.push(i);
        }
        text.push('\n');
    }
    text.push_str("  target done \"Done\" 1 { achieves better evidence \"Seen\" }\n}\n");
    text
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn the_clock_from_positions_is_the_clock_by_name(
        stages in prop::collection::vec(
            (
                prop::bool::weighted(0.2),
                prop::collection::vec(0_usize..1000, 0..3),
                any::<[bool; 3]>(),
                0_usize..2,
            ),
            0..24,
        )
    ) {
        let text = contract(&stages);
        let compiled = outcome::compile(&SourceFile::new("clock.outcome", text.as_str()));
        // Times that contradict each other are errors: no contract, and nothing to compare.
        if let Some(contract) = compiled.contract {
            for funnel in &contract.funnels {
                prop_assert_eq!(funnel.clock(), &Clock::of(funnel), "{}", text);
            }
        }
    }
}

/// Some of the generated contracts check clean, so that the property compares clocks.
#[test]
fn a_funnel_with_joins_and_times_checks_clean() {
    let stages: Vec<Spec> = (0..6)
        .map(|i| (i == 3, vec![0, i], [true, i % 2 == 0, i % 3 == 0], i % 2))
        .collect();
    let text = contract(&stages);
    let compiled = outcome::compile(&SourceFile::new("clock.outcome", text.as_str()));
    assert!(
        compiled.contract.is_some(),
        "{text}\n{:?}",
        compiled.diagnostics
    );
}
