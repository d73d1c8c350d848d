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

/// An outcome defined twice (E0201 on it, none on a stage) leaves every stage found by its
/// place in its funnel, as when every name is declared once: the contracts of the corpus's
/// warnings, each checked as written and with such an outcome added at its end, say the same
/// about everything else, the figures' warnings (rate cards, caps, ladders, weighting,
/// times against the term) included. The bidding rules' warnings (W07..) are left out: they
/// are checked against a contract without errors only.
#[test]
fn an_outcome_defined_twice_changes_nothing_else() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diagnostics");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.starts_with('W') && !n.starts_with("W07") && n.ends_with(".outcome")
            })
        })
        .collect();
    files.sort();
    assert!(files.len() >= 10, "{files:?}");
    let said = |text: &str| -> Vec<String> {
        let compiled = outcome::compile(&SourceFile::new("t.outcome", text));
        let mut said: Vec<String> = compiled
            .diagnostics
            .iter()
            .filter(|d| !d.message.contains("`twice`"))
            .map(|d| format!("{} {:?} {} {:?}", d.code, d.primary, d.message, d.secondary))
            .collect();
        said.sort();
        said
    };
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let twice = format!("{text}\noutcome twice \"T\"\noutcome twice \"T\"\n");
        let compiled = outcome::compile(&SourceFile::new("t.outcome", twice.as_str()));
        assert!(
            compiled
                .diagnostics
                .iter()
                .any(|d| d.code.to_string() == "E0201" && d.message.contains("`twice`")),
            "{}",
            path.display()
        );
        assert_eq!(said(&twice), said(&text), "{}", path.display());
    }
}
