//! Contracts that grow in one dimension each, for the scaling series of the throughput
//! benchmark (`benches/throughput.rs`) and the complexity tests (`tests/complexity.rs`).
//!
//! Each shape is a function from N to the text of a contract that checks clean (no
//! diagnostic at all): N stages, funnels, measures, prices, … Everything else stays the size
//! it is, so that the time to check it grows with N alone. A shape that some check walks
//! quadratically, or that some figure computes per pair of its items, shows as a growth of
//! about 100× per 10× instead of 10×.
#![allow(dead_code)]

use std::fmt::Write as _;

/// One dimension a contract can grow in.
pub struct Shape {
    /// A short name, for the benchmark's table and the tests' messages.
    pub name: &'static str,
    /// What grows, in words.
    pub grows: &'static str,
    /// The contract with N of them.
    pub contract: fn(usize) -> String,
    /// The largest N the benchmark runs it at: a shape known to be quadratic past some size
    /// stops there rather than take the machine's memory (the README says where and why).
    pub largest: usize,
}

impl Shape {
    /// The N whose contract is about `bytes` long, from the bytes that one more adds.
    pub fn n_for(&self, bytes: usize) -> usize {
        let each = ((self.contract)(200).len() - (self.contract)(100).len()) / 100;
        (bytes / each.max(1)).max(1)
    }
}

/// Every shape.
pub const SHAPES: &[Shape] = &[
    Shape {
        name: "long funnel",
        grows: "milestones in one funnel, nothing priced",
        contract: long_funnel,
        largest: usize::MAX,
    },
    Shape {
        name: "priced target",
        grows: "milestones before one priced target",
        contract: priced_target,
        largest: usize::MAX,
    },
    Shape {
        name: "every stage priced",
        grows: "milestones in one funnel, each priced",
        contract: every_stage_priced,
        largest: usize::MAX,
    },
    Shape {
        name: "time ladder",
        grows: "milestones each at least a day after the one before",
        contract: time_ladder,
        largest: usize::MAX,
    },
    Shape {
        name: "priced time ladder",
        grows: "milestones each priced and a day after the one before",
        contract: priced_time_ladder,
        largest: usize::MAX,
    },
    Shape {
        name: "anchored on one stage",
        grows: "milestones each at least a week after the entry, each priced",
        contract: anchored,
        largest: usize::MAX,
    },
    Shape {
        name: "targets after one step",
        grows: "targets after the entry, each priced, achieving one outcome",
        contract: fan,
        largest: usize::MAX,
    },
    Shape {
        name: "funnels on one cohort",
        grows: "funnels of one cohort",
        contract: funnels_on_one_cohort,
        largest: usize::MAX,
    },
    Shape {
        name: "cohorts",
        grows: "funnels each on its own cohort, one outcome",
        contract: cohorts,
        largest: usize::MAX,
    },
    Shape {
        name: "participant limits",
        grows: "cohorts, each with a priced funnel and a limit on the participants paid for",
        contract: participant_limits,
        largest: usize::MAX,
    },
    Shape {
        name: "outcomes",
        grows: "outcomes, each achieved by its own target",
        contract: outcomes,
        largest: usize::MAX,
    },
    Shape {
        name: "measures",
        grows: "measures tracking one outcome",
        contract: measures,
        largest: usize::MAX,
    },
    Shape {
        name: "payers",
        grows: "payers sharing the cost",
        contract: payers,
        largest: usize::MAX,
    },
    Shape {
        name: "tiers",
        grows: "tiers of one schedule on one measure",
        contract: tiers,
        largest: usize::MAX,
    },
    Shape {
        name: "tier schedules",
        grows: "tier schedules, each on its own measure",
        contract: tier_schedules,
        largest: usize::MAX,
    },
    Shape {
        name: "conditions",
        grows: "eligibility conditions on one priced stage",
        contract: conditions,
        largest: usize::MAX,
    },
    Shape {
        name: "bonuses",
        grows: "bonuses on one stage's count",
        contract: bonuses,
        largest: usize::MAX,
    },
    Shape {
        name: "exclusive rules",
        grows: "exclusive rules between pairs of priced targets",
        contract: exclusive,
        largest: usize::MAX,
    },
    Shape {
        name: "fixed fees",
        grows: "fixed fees",
        contract: fixed_fees,
        largest: usize::MAX,
    },
    Shape {
        name: "joins",
        grows: "milestones each after the two before, a day after the nearer",
        contract: joins,
        largest: usize::MAX,
    },
    Shape {
        name: "joins from one stage",
        grows: "milestones each after the two before, a day after the second",
        contract: joins_from_one_stage,
        largest: usize::MAX,
    },
    Shape {
        name: "bidding rules",
        grows: "milestones each priced, with a ceiling, a floor and a requirement each",
        contract: bidding_rules,
        largest: usize::MAX,
    },
    Shape {
        name: "errors",
        grows: "prices for stages that do not exist (an error each)",
        contract: errors,
        largest: usize::MAX,
    },
    Shape {
        name: "funnels after errors",
        grows: "outcomes each named twice (an error each), then as many funnels",
        contract: funnels_after_errors,
        largest: usize::MAX,
    },
    Shape {
        name: "misspelt",
        grows: "milestones, and prices for names one letter off theirs (an error each)",
        contract: misspelt,
        largest: usize::MAX,
    },
    Shape {
        name: "warnings",
        grows: "outcomes nothing achieves (a warning each)",
        contract: warnings,
        largest: usize::MAX,
    },
];

/// The shape named `name`.
pub fn shape(name: &str) -> &'static Shape {
    SHAPES
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no shape `{name}`"))
}

/// The header and one outcome and cohort that every shape starts from. Referrals close a year
/// before the term ends, so that a paid stage due within a month of entry is paid in the term.
pub const HEADER: &str = "contract \"Shapes\" {
  commissioner \"Council\"
  provider \"Provider\"
  term 2026-04-01 to 2028-03-31
  referrals until 2027-03-31
  funding limit £999,999,999,999
}

outcome better \"Better off\" { level service }
cohort people \"People\" { size 1000 }
";

/// A funnel on `people` of `milestones` milestones `m000000`, `m000001`, … (every name and
/// number that counts is written six digits wide, so that ten times the items is ten times
/// the bytes) of 1,000 people each, then
/// `done`; `each` is written after every milestone but the entry, `target` after the target's
/// name and count.
fn funnel(text: &mut String, milestones: usize, each: &dyn Fn(usize) -> String, target: &str) {
    text.push_str("funnel long \"A long funnel\" for people {\n");
    for i in 0..milestones {
        let more = if i == 0 { String::new() } else { each(i) };
        let _ = writeln!(text, "  milestone m{i:06} \"Step {i:06}\" 1000{more}");
    }
    let _ = writeln!(
        text,
        "  target done \"Done\" 1000{target} {{ achieves better evidence \"Seen\" }}\n}}"
    );
}

/// The control: a long funnel of milestones and nothing priced.
pub fn long_funnel(n: usize) -> String {
    let mut text = String::from(HEADER);
    funnel(&mut text, n, &|_| String::new(), "");
    text
}

/// A long funnel whose target is priced.
pub fn priced_target(n: usize) -> String {
    let mut text = String::from(HEADER);
    funnel(&mut text, n, &|_| String::new(), " within 1 month");
    text.push_str("payments {\n  pay £1 for done\n}\n");
    text
}

/// The prices of every milestone but the entry, and of `done`.
fn price_all(text: &mut String, n: usize) {
    text.push_str("payments {\n");
    for i in 1..n {
        let _ = writeln!(text, "  pay £1 for m{i:06}");
    }
    // Enough on the target that the milestones in the first half of the funnel are not
    // most of the planned payments (W0519).
    let _ = writeln!(text, "  pay £{n} for done\n}}");
}

/// A long funnel, every stage priced, each due within a month of entry.
pub fn every_stage_priced(n: usize) -> String {
    let mut text = String::from(HEADER);
    funnel(
        &mut text,
        n,
        &|_| " within 1 month { evidence \"Seen\" }".to_string(),
        " within 1 month",
    );
    price_all(&mut text, n);
    text
}

/// A specification: every stage priced, and a rule of each kind on every priced stage.
pub fn bidding_rules(n: usize) -> String {
    let mut text = every_stage_priced(n);
    text.push_str("bidding {\n");
    for i in 1..n {
        let _ = writeln!(text, "  price at most £1 for m{i:06}");
        let _ = writeln!(text, "  expected at least 1000 for m{i:06}");
    }
    text.push_str("  require done");
    for i in 1..n {
        let _ = write!(text, ", m{i:06}");
    }
    text.push_str("\n}\n");
    text
}

/// The header of a contract with a term of 60 years, long enough for a ladder of 20,000 days
/// after the last referral. The term stays the same as a ladder grows, and so does the
/// planned timeline of every stage, by quarter (a term that grew with the ladder would make
/// the timeline, a figure per quarter per stage, grow as the square of the ladder).
fn long_header() -> String {
    HEADER.replace(
        "term 2026-04-01 to 2028-03-31",
        "term 2026-04-01 to 2086-03-31",
    )
}

/// Whether stage `i` of a ladder of `n` steps is a day after the one before: every stage for
/// a ladder of up to 20,000 stages, every second one up to 40,000, and so on, so that the
/// ladder never climbs past 20,000 days (and out of the term).
fn climbs(i: usize, n: usize) -> bool {
    i % n.div_ceil(20_000).max(1) == 0
}

/// The stage a stage that does not climb is timed from: a day after the stage before the
/// last one that climbed, which puts it on the same day as that one.
fn level_with(i: usize, n: usize) -> usize {
    (i - i % n.div_ceil(20_000).max(1)).saturating_sub(1)
}

/// A ladder: each milestone at least a day after the one before.
pub fn time_ladder(n: usize) -> String {
    let mut text = long_header();
    funnel(
        &mut text,
        n,
        &|i| {
            if climbs(i, n) {
                format!(" at least 1 day after m{:06}", i - 1)
            } else {
                String::new()
            }
        },
        &format!(" at least 1 day after m{:06}", n - 1),
    );
    text
}

/// A ladder, every stage priced: each a day after the one before, due within a month of it.
pub fn priced_time_ladder(n: usize) -> String {
    let mut text = long_header();
    funnel(
        &mut text,
        n,
        &|i| {
            // A priced stage needs a time (W0523): one that does not climb is level with the
            // last that did.
            let from = if climbs(i, n) {
                i - 1
            } else {
                level_with(i, n)
            };
            format!(" at least 1 day after m{from:06} {{ evidence \"Seen\" }}")
        },
        &format!(" at least 1 day after m{:06}", n - 1),
    );
    price_all(&mut text, n);
    text
}

/// Many stages measured from one: each at least a week after the entry, each priced.
pub fn anchored(n: usize) -> String {
    let mut text = String::from(HEADER);
    funnel(
        &mut text,
        n,
        &|_| " at least 1 week after m000000 { evidence \"Seen\" }".to_string(),
        " at least 1 week after m000000",
    );
    price_all(&mut text, n);
    text
}

/// Many priced targets, each after the entry and achieving the one outcome.
pub fn fan(n: usize) -> String {
    let mut text = String::from(HEADER);
    text.push_str("funnel fan \"A wide funnel\" for people {\n  milestone first \"First\" 1000\n");
    for i in 0..n {
        let _ = writeln!(
            text,
            "  target t{i:06} \"T\" 10 within 1 month {{ achieves better evidence \"Seen\" }}"
        );
    }
    text.push_str("}\npayments {\n");
    for i in 0..n {
        let _ = writeln!(text, "  pay £1 for t{i:06}");
    }
    text.push_str("}\n");
    text
}

/// Many funnels on the one cohort.
pub fn funnels_on_one_cohort(n: usize) -> String {
    let mut text = String::from(HEADER);
    for i in 0..n {
        let _ = writeln!(
            text,
            "funnel f{i:06} \"F\" for people {{ milestone m{i:06} \"M\" 10  target t{i:06} \"T\" 5 {{ achieves better }} }}"
        );
    }
    text
}

/// Many funnels, each on a cohort of its own, every target achieving the one outcome.
pub fn cohorts(n: usize) -> String {
    let mut text = String::from(HEADER);
    text.push_str("funnel f \"F\" for people { milestone m \"M\" 10  target t \"T\" 5 { achieves better } }\n");
    for i in 0..n {
        let _ = writeln!(
            text,
            "cohort c{i:06} \"C\" {{ size 10 }}\nfunnel f{i:06} \"F\" for c{i:06} {{ milestone m{i:06} \"M\" 10  target t{i:06} \"T\" 5 {{ achieves better }} }}"
        );
    }
    text
}

/// Many cohorts, each with a funnel whose target is priced and a limit on the participants
/// paid for: the limits are found by cohort, not searched for each.
pub fn participant_limits(n: usize) -> String {
    let mut text = String::from(HEADER);
    text.push_str(SMALL_FUNNEL);
    let mut payments = String::from("payments {\n");
    for i in 0..n {
        let _ = writeln!(
            text,
            "cohort c{i:06} \"C\" {{ size 10 }}\nfunnel f{i:06} \"F\" for c{i:06} {{ milestone m{i:06} \"M\" 10  target t{i:06} \"T\" 5 within 1 month {{ achieves better evidence \"Seen\" }} }}"
        );
        let _ = writeln!(
            payments,
            "  pay £1 for t{i:06}\n  pay for at most 8 c{i:06}"
        );
    }
    text.push_str(&payments);
    text.push_str("}\n");
    text
}

/// Many outcomes, each achieved by a target of its own in one funnel.
pub fn outcomes(n: usize) -> String {
    let mut text = String::from(HEADER);
    text.push_str(
        "funnel fan \"F\" for people {\n  milestone first \"First\" 1000\n  target t \"T\" 10 { achieves better }\n",
    );
    for i in 0..n {
        let _ = writeln!(text, "  target t{i:06} \"T\" 10 {{ achieves o{i:06} }}");
    }
    text.push_str("}\n");
    for i in 0..n {
        let _ = writeln!(text, "outcome o{i:06} \"O\"");
    }
    text
}

/// One plain funnel on `people` achieving `better`, with `done` priced within a month.
const SMALL_FUNNEL: &str = "funnel small \"F\" for people {
  milestone start \"Start\" 1000
  target done \"Done\" 100 within 1 month { achieves better evidence \"Seen\" }
}
";

/// Many measures tracking the one outcome.
pub fn measures(n: usize) -> String {
    let mut text = String::from(HEADER);
    text.push_str(SMALL_FUNNEL);
    for i in 0..n {
        let _ = writeln!(
            text,
            "measure x{i:06} \"X\" {{ question how_much tracks better }}"
        );
    }
    text
}

/// Many payers of an amount each, and a payer of the rest.
pub fn payers(n: usize) -> String {
    let mut text = String::from(HEADER);
    text.push_str(SMALL_FUNNEL);
    text.push_str("payments {\n  pay £100 for done\n");
    for i in 0..n {
        let _ = writeln!(text, "  payer \"P{i:06}\" pays £1");
    }
    text.push_str("  payer \"Council\" pays the rest\n}\n");
    text
}

/// One tier schedule of many tiers.
pub fn tiers(n: usize) -> String {
    let mut text = String::from(HEADER);
    text.push_str(SMALL_FUNNEL);
    let _ = writeln!(
        text,
        "measure fall \"Fall\" {{ question better_off tracks better target {} by 2027 }}",
        n / 2 + 1
    );
    text.push_str("payments {\n  tiers on fall {\n    below 1 pays nothing\n");
    for i in 1..=n {
        let _ = writeln!(text, "    from {i:06} pays £{i:06}");
    }
    text.push_str("  }\n}\n");
    text
}

/// Many tier schedules, each on a measure of its own.
pub fn tier_schedules(n: usize) -> String {
    let mut text = String::from(HEADER);
    text.push_str(SMALL_FUNNEL);
    for i in 0..n {
        let _ = writeln!(
            text,
            "measure fall{i:06} \"Fall\" {{ question better_off tracks better target 10% by 2027 }}"
        );
    }
    text.push_str("payments {\n");
    for i in 0..n {
        let _ = writeln!(
            text,
            "  tiers on fall{i:06} {{ below 5% pays nothing from 5% pays £1 from 10% pays £2 }}"
        );
    }
    text.push_str("}\n");
    text
}

/// Many eligibility conditions on one priced stage.
pub fn conditions(n: usize) -> String {
    let mut text = String::from(HEADER);
    text.push_str("funnel small \"F\" for people {\n  milestone start \"Start\" 1000\n");
    text.push_str("  target done \"Done\" 100 within 1 month { achieves better evidence \"Seen\"\n    eligible only if a000000 >= 0");
    for i in 1..n {
        let _ = write!(text, " and a{i:06} >= {i:06}");
    }
    text.push_str("\n  }\n}\npayments {\n  pay £100 for done\n}\n");
    text
}

/// Many bonuses, each on the count of one stage.
pub fn bonuses(n: usize) -> String {
    let mut text = String::from(HEADER);
    text.push_str(SMALL_FUNNEL);
    text.push_str("payments {\n  pay £100 for done\n");
    for i in 0..n {
        let _ = writeln!(text, "  bonus £1 if done >= {}", 101 + i % 800);
    }
    text.push_str("}\n");
    text
}

/// Many pairs of priced targets, each pair exclusive alternatives.
pub fn exclusive(n: usize) -> String {
    let mut text = String::from(HEADER);
    text.push_str("funnel fan \"F\" for people {\n  milestone first \"First\" 1000\n");
    for i in 0..n {
        for side in ["a", "b"] {
            let _ = writeln!(
                text,
                "  target {side}{i:06} \"T\" 10 within 1 month {{ achieves better evidence \"Seen\" }}"
            );
        }
    }
    text.push_str("}\npayments {\n");
    for i in 0..n {
        let _ = writeln!(text, "  pay £1 for a{i:06}\n  pay £2 for b{i:06}");
        let _ = writeln!(text, "  exclusive a{i:06} or b{i:06}");
    }
    text.push_str("}\n");
    text
}

/// Many fixed fees, each a pound a quarter (the term is whole quarters).
pub fn fixed_fees(n: usize) -> String {
    let mut text = String::from(HEADER);
    text.push_str(SMALL_FUNNEL);
    text.push_str("payments {\n  pay £100 for done\n");
    for _ in 0..n {
        text.push_str("  fixed £1 per quarter\n");
    }
    text.push_str("}\n");
    text
}

/// Many outcomes that nothing achieves: W0602 on each, and nothing else.
pub fn warnings(n: usize) -> String {
    let mut text = String::from(HEADER);
    text.push_str(SMALL_FUNNEL);
    for i in 0..n {
        let _ = writeln!(text, "outcome lonely{i:06} \"Lonely\"");
    }
    text
}

/// A sequence of joins: each milestone after the two before it, at least a day after the
/// nearer (not the one its first predecessor leads back to), so that every time is measured
/// across a join (as a ladder: a day after every stage, or every second, …); the priced
/// target is due within 58 years of entry.
pub fn joins(n: usize) -> String {
    ladder_of_joins(n, &|i| {
        if climbs(i, n) {
            format!(" at least 1 day after m{:06}", i - 1)
        } else {
            String::new()
        }
    })
}

/// The same ladder of joins, every stage at least a day after the second: off the chain of
/// first predecessors (each stage's first is the one two before), so that whether the second
/// comes before a stage is found through the joins.
pub fn joins_from_one_stage(n: usize) -> String {
    ladder_of_joins(n, &|_| " at least 1 day after m000001".to_string())
}

/// A ladder of `n` joins, each milestone after the two before it with `time` written after it.
fn ladder_of_joins(n: usize, time: &dyn Fn(usize) -> String) -> String {
    let mut text = long_header();
    text.push_str("funnel long \"Joins\" for people {\n  milestone m000000 \"Step 000000\" 1000\n");
    if n > 1 {
        text.push_str("  milestone m000001 \"Step 000001\" 1000\n");
    }
    for i in 2..n {
        let _ = writeln!(
            text,
            "  milestone m{i:06} \"Step {i:06}\" 1000 after m{:06}, m{:06}{}",
            i - 2,
            i - 1,
            time(i)
        );
    }
    text.push_str(
        "  target done \"Done\" 1000 within 58 years { achieves better evidence \"Seen\" }\n}\n\
         payments {\n  pay £1 for done\n}\n",
    );
    text
}

/// Many prices for stages that do not exist: E0202 on each, and nothing else.
pub fn errors(n: usize) -> String {
    let mut text = String::from(HEADER);
    text.push_str(SMALL_FUNNEL);
    text.push_str("payments {\n  pay £100 for done\n");
    for i in 0..n {
        let _ = writeln!(text, "  pay £1 for missing{i:06}");
    }
    text.push_str("}\n");
    text
}

/// Outcomes each named twice (E0201 on each second), then as many funnels on the one
/// cohort: each funnel is checked after all those errors, and looks only at what it adds.
pub fn funnels_after_errors(n: usize) -> String {
    let mut text = String::from(HEADER);
    for i in 0..n {
        let _ = writeln!(text, "outcome twice{i:06} \"T\"\noutcome twice{i:06} \"T\"");
    }
    for i in 0..n {
        let _ = writeln!(
            text,
            "funnel f{i:06} \"F\" for people {{ milestone m{i:06} \"M\" 10  target t{i:06} \"T\" 5 {{ achieves better }} }}"
        );
    }
    text
}

/// A long funnel, and a price for each of its milestones misspelt: E0202 on each, and each
/// unknown name looked for among every milestone for a suggestion, until the file's budget
/// of suggestions (`check::names`) is spent.
pub fn misspelt(n: usize) -> String {
    let mut text = String::from(HEADER);
    funnel(&mut text, n, &|_| String::new(), "");
    text.push_str("payments {\n");
    for i in 0..n {
        let _ = writeln!(text, "  pay £1 for n{i:06}");
    }
    text.push_str("}\n");
    text
}

/// The diagnostics a shape's contract is expected to raise: none, but for `warnings`, one
/// W0602 per outcome, for `errors` one E0202 per price, and for `funnels after errors` one
/// E0201 per outcome named twice.
pub fn expected_codes(shape: &Shape, n: usize) -> Vec<&'static str> {
    match shape.name {
        "warnings" => vec!["W0602"; n],
        "errors" | "misspelt" => vec!["E0202"; n],
        "funnels after errors" => vec!["E0201"; n],
        _ => Vec::new(),
    }
}

/// Whether the shape's contract comes out of checking (it raises no error).
pub fn has_contract(shape: &Shape) -> bool {
    !matches!(shape.name, "errors" | "misspelt" | "funnels after errors")
}

/// A repository in `dir` (made afresh) whose contract `use`s `n` framework files of one
/// outcome each, `framework/o{i:06}.outcome`, and checks clean: the contract's path. The
/// dimension that grows in files rather than in one text, which the complexity test and the
/// throughput benchmark's `used files` series load through a `Workspace`.
pub fn used_files(dir: &std::path::Path, n: usize) -> std::io::Result<std::path::PathBuf> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.join(".git"))?;
    std::fs::create_dir_all(dir.join("framework"))?;
    let mut main = String::new();
    for i in 0..n {
        std::fs::write(
            dir.join(format!("framework/o{i:06}.outcome")),
            format!("outcome o{i:06} \"Outcome {i:06}\"\n"),
        )?;
        let _ = writeln!(main, "use \"framework/o{i:06}.outcome\"");
    }
    main.push_str(HEADER);
    main.push_str(SMALL_FUNNEL);
    let path = dir.join("main.outcome");
    std::fs::write(&path, main)?;
    Ok(path)
}

/// One programme of a borough's portfolio: an outcome, a cohort, a six-stage funnel and a
/// measure, and its three prices added to `payments`. The throughput benchmark's contract is
/// made of these, and so is the language server's long contract (`tests/common/lsp.rs`).
pub fn programme(text: &mut String, payments: &mut String, n: usize) {
    let _ = write!(
        text,
        r#"# ── Programme {n} ─────────────────────────────────────────
outcome free_{n} "Drug and crime free, programme {n}" {{
  why "Reduces harm to service users, their families and the community"
  level service
}}

cohort adults_{n} "Adults referred to programme {n}" {{
  size 100
  eligibility "Aged 18+, dependent drug use, resident in the borough"
}}

funnel day_{n} "Structured day programme {n}" for adults_{n} {{
  milestone enrol_{n}    "Enrol in project"        100
  milestone attend_{n}   "Attend 1st session"       50  conversion 50% {{
    evidence "Attendance register signed by the participant"
  }}
  milestone clean_{n}    "Drug free (1 month)"      40  conversion 80%  within 1 month
  milestone skill_{n}    "Demonstrate new skill"    30  conversion 75%
  milestone complete_{n} "Complete as planned"      25  conversion 83% {{
    evidence "Discharge summary recording a planned completion"
  }}
  target abstinent_{n} "Drug free at 3 months" 10 conversion 40% within 3 months {{
    achieves free_{n}
    evidence "Negative drug screen and key worker review at 3 months"
  }}
}}

measure rate_{n} "Completers drug free at 3 months, programme {n}" {{
  question better_off
  tracks free_{n}
  unit "percent of completers"
  collected_by provider
  method "Drug screen recorded on the case-management system"
  frequency monthly
  baseline 32% in 2025
  target 40% by 2027
}}

"#
    );
    let _ = write!(
        payments,
        "  pay £100 for attend_{n}\n  pay £500 for complete_{n}\n  pay £3,000 for abstinent_{n}\n"
    );
}
