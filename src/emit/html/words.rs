//! The words the schedule uses for the model's kinds, and look-ups by name.
//!
//! Every match here lists each variant, so a new kind in the model cannot reach the document
//! without words of its own.

use crate::ast::{CapScope, Comparison, Due, IncentiveKind, Level, Question, StageKind, TierScope};
use crate::model::{
    Condition, Contract, Funnel, IncentiveAmount, MeasurePoint, MeasureValue, PayerShare,
    ReferralProfile, Stage, SubjectKind, TimeFrom,
};
use crate::value::{Frequency, Period};

pub fn question(question: Question) -> &'static str {
    match question {
        Question::HowMuch => "How much did we do?",
        Question::HowWell => "How well did we do it?",
        Question::BetterOff => "Is anyone better off?",
    }
}

pub fn level(level: Level) -> &'static str {
    match level {
        Level::Population => "Population outcome",
        Level::Service => "Service outcome",
    }
}

/// Who an outcome is for, and how it is tracked when a measure of the contract tracks it.
pub fn level_note(level: Level, tracked: bool) -> &'static str {
    match (level, tracked) {
        (Level::Population, true) => {
            "For everyone in the area: no single service owns it; tracked by indicators."
        }
        (Level::Population, false) => "For everyone in the area: no single service owns it.",
        (Level::Service, true) => {
            "For the people this service works with; tracked by performance measures."
        }
        (Level::Service, false) => "For the people this service works with.",
    }
}

pub fn stage_kind(kind: StageKind) -> &'static str {
    match kind {
        StageKind::Milestone => "Milestone",
        StageKind::Target => "Performance target",
    }
}

/// `Monthly`
pub fn frequency(frequency: Frequency) -> &'static str {
    match frequency {
        Frequency::Weekly => "Weekly",
        Frequency::Monthly => "Monthly",
        Frequency::Quarterly => "Quarterly",
        Frequency::Termly => "Termly",
        Frequency::Annually => "Annually",
    }
}

/// `Quarter`
pub fn period(period: Period) -> &'static str {
    match period {
        Period::Week => "Week",
        Period::Month => "Month",
        Period::Quarter => "Quarter",
        Period::Term => "Term",
        Period::Year => "Year",
    }
}

/// The name of a cap in a table: `Per participant`.
pub fn cap(scope: CapScope) -> &'static str {
    match scope {
        CapScope::PerParticipant => "Per participant",
        CapScope::OutcomePayments => "All outcome payments",
        CapScope::Total => "Whole contract",
    }
}

/// What a cap limits, in a sentence.
pub fn cap_limits(scope: CapScope) -> &'static str {
    match scope {
        CapScope::PerParticipant => "the outcome payments for any one participant",
        CapScope::OutcomePayments => "the outcome payments for all participants together",
        CapScope::Total => "everything the contract pays, fixed fees included",
    }
}

/// The cap in running text: `the total cap`.
pub fn cap_in_text(scope: CapScope) -> &'static str {
    match scope {
        CapScope::PerParticipant => "the per-participant cap",
        CapScope::OutcomePayments => "the cap on outcome payments",
        CapScope::Total => "the total cap",
    }
}

/// When a price falls due: `On achievement`, `Monthly, in arrears`.
pub fn due(due: Due) -> String {
    match due {
        Due::OnAchievement => "On achievement".to_string(),
        Due::InArrears(frequency) => format!("{}, in arrears", self::frequency(frequency)),
    }
}

pub fn incentive(kind: IncentiveKind) -> &'static str {
    match kind {
        IncentiveKind::Bonus => "Bonus",
        IncentiveKind::Penalty => "Penalty",
    }
}

/// `£5,000`, `10% of outcome payments`.
pub fn incentive_amount(amount: IncentiveAmount) -> String {
    match amount {
        IncentiveAmount::Money(money) => money.to_string(),
        IncentiveAmount::ShareOfOutcomePayments(share) => format!("{share} of outcome payments"),
    }
}

pub fn tier_scope(scope: TierScope) -> &'static str {
    match scope {
        TierScope::PerCohort => "per cohort",
        TierScope::Pooled => "pooled across cohorts",
    }
}

/// `40%`, `£250,000`, `The rest`.
/// What a payer's share is of: everything, or the outcome payments only.
pub fn payer_covers(payer: &crate::model::Payer) -> &'static str {
    if payer.outcome_payments_only {
        "Outcome payments only"
    } else {
        "Fixed fees, bonuses and outcome payments"
    }
}

/// A payer's cap, and where what it cuts goes.
pub fn payer_cap(payer: &crate::model::Payer) -> String {
    match (payer.cap, payer.excess_pro_rata) {
        (None, _) => "—".to_string(),
        (Some(cap), false) => cap.to_string(),
        (Some(cap), true) => format!("{cap}, excess pro rata"),
    }
}

pub fn payer_share(share: &PayerShare) -> String {
    match share {
        PayerShare::Percent(percent) => percent.to_string(),
        PayerShare::Amount(money) => money.to_string(),
        PayerShare::Rest => "The rest".to_string(),
    }
}

/// A comparison with a count of people: `at least`.
fn comparison_of_count(comparison: Comparison) -> &'static str {
    match comparison {
        Comparison::AtLeast => "at least",
        Comparison::Above => "more than",
        Comparison::AtMost => "at most",
        Comparison::Below => "fewer than",
        Comparison::Equal => "exactly",
    }
}

/// A comparison with a measure's value: `below`.
fn comparison_of_value(comparison: Comparison) -> &'static str {
    match comparison {
        Comparison::AtLeast => "at least",
        Comparison::Above => "above",
        Comparison::AtMost => "at most",
        Comparison::Below => "below",
        Comparison::Equal => "exactly",
    }
}

/// The condition of a bonus or penalty in words: `“Tenancy sustained 12 months” reached by at
/// least 60 people`, `“Tenancies sustained” below 50%`.
pub fn incentive_condition(
    contract: &Contract,
    condition: &Condition,
    kind: SubjectKind,
) -> String {
    match kind {
        SubjectKind::Stage => {
            let name = find_stage(contract, &condition.subject)
                .map_or(condition.subject.as_str(), |(_, s)| s.description.as_str());
            format!(
                "“{name}” reached by {} {} people",
                comparison_of_count(condition.comparison),
                condition.value
            )
        }
        SubjectKind::Measure => {
            let name = measure_name(contract, &condition.subject);
            format!(
                "“{name}” {} {}",
                comparison_of_value(condition.comparison),
                condition.value
            )
        }
    }
}

/// An eligibility condition on a participant: `age at start ≥ 26`.
pub fn eligibility(condition: &Condition) -> String {
    let symbol = match condition.comparison {
        Comparison::AtLeast => "≥",
        Comparison::Above => ">",
        Comparison::AtMost => "≤",
        Comparison::Below => "<",
        Comparison::Equal => "=",
    };
    format!(
        "{} {symbol} {}",
        condition.subject.replace('_', " "),
        condition.value
    )
}

/// `Year 2`, or `Every year` for `None`.
pub fn contract_year(year: Option<u32>) -> String {
    match year {
        Some(year) => format!("Year {year}"),
        None => "Every year".to_string(),
    }
}

/// `32% in 2008`, `18 by 2027`.
pub fn measure_point(point: &MeasurePoint, preposition: &str) -> String {
    let value = match point.value {
        MeasureValue::Number(number) => number.to_string(),
        MeasureValue::Percent(percent) => percent.to_string(),
        MeasureValue::Money(money) => money.to_string(),
    };
    format!("{value} {preposition} {}", point.year)
}

/// A cohort's description, or its name if the model has no such cohort.
pub fn cohort_name<'a>(contract: &'a Contract, id: &'a str) -> &'a str {
    contract.cohort(id).map_or(id, |c| c.description.as_str())
}

/// A measure's description, or its name if the model has no such measure.
pub fn measure_name<'a>(contract: &'a Contract, id: &'a str) -> &'a str {
    contract.measure(id).map_or(id, |m| m.description.as_str())
}

/// A description as it reads inside a sentence: its first letter lower-cased (`People with a
/// long history…` → `people with a long history…`), unless it looks like a name or an
/// acronym, its second letter a capital too (`GP practices`).
pub fn mid_sentence(text: &str) -> std::borrow::Cow<'_, str> {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(first), second)
            if first.is_uppercase() && !second.is_some_and(char::is_uppercase) =>
        {
            let mut lower: String = first.to_lowercase().collect();
            lower.push_str(&text[first.len_utf8()..]);
            std::borrow::Cow::Owned(lower)
        }
        _ => std::borrow::Cow::Borrowed(text),
    }
}

/// A cohort's name read as a plural noun: `young_people` → `young people`.
pub fn cohort_noun(id: &str) -> String {
    id.replace('_', " ")
}

/// The funnel and stage a stage name refers to (names are unique across the contract).
pub fn find_stage<'a>(contract: &'a Contract, id: &str) -> Option<(&'a Funnel, &'a Stage)> {
    contract.stage(id)
}

/// `A`, `A and B`, `A, B and C`.
pub fn and_list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", init.join(", "), last.as_ref())
        }
    }
}

/// The plural of a label when there is more than one: `Commissioner`, `Commissioners`.
pub fn plural(label: &'static str, labels: &'static str, count: usize) -> &'static str {
    if count == 1 {
        label
    } else {
        labels
    }
}

/// A stage's times in words, as a schedule states them: `at least 6 months after “Moved into
/// settled accommodation”; within 21 months of referral`. `None` when it has no time.
pub fn stage_time(funnel: &Funnel, stage: &Stage) -> Option<String> {
    let from = |time: &TimeFrom| {
        let entry = funnel.stages.first().map(|s| s.id.as_str());
        if time.from_entry || entry == Some(time.after.as_str()) {
            "referral".to_string()
        } else {
            let description = funnel
                .stage(&time.after)
                .map_or(time.after.as_str(), |s| s.description.as_str());
            format!("“{description}”")
        }
    };
    let mut parts = Vec::new();
    if let Some(t) = &stage.time.earliest {
        parts.push(format!("at least {} after {}", t.duration, from(t)));
    }
    if let Some(t) = &stage.time.expected {
        parts.push(format!("expected {} after {}", t.duration, from(t)));
    }
    if let Some(t) = &stage.time.latest {
        parts.push(format!("within {} of {}", t.duration, from(t)));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// A stage's times in words, or what holds without them: the entry is reached on referral;
/// any other stage without a time has none set (the plan takes it to be reached with the
/// stages it follows).
pub fn stage_when(funnel: &Funnel, stage: &Stage) -> String {
    stage_time(funnel, stage).unwrap_or_else(|| {
        if stage.after.is_empty() {
            "On referral".to_string()
        } else {
            "No time set".to_string()
        }
    })
}

/// `10%, 30%, 40% and 20%`
fn shares(profile: &ReferralProfile) -> String {
    let shares: Vec<String> = profile.shares.iter().map(|s| s.to_string()).collect();
    and_list(&shares)
}

/// How referrals are planned to spread, in a sentence: `Referrals are planned per quarter of
/// the referral window, counted from 2026-04-01: 10%, 30%, 40% and 20%, each quarter's share
/// spread evenly over its days.`
pub fn referral_profile(contract: &Contract) -> String {
    let (window, from) = match contract.referrals {
        Some(referrals) => ("the referral window", referrals.from),
        None => ("the term, when referrals are open", contract.term.start),
    };
    match &contract.referral_profile {
        None => format!("Referrals are planned evenly over {window}."),
        Some(profile) => {
            let word = profile.period.word();
            format!(
                "Referrals are planned per {word} of {window}, counted from {from}: {}, each \
                 {word}’s share spread evenly over its days.",
                shares(profile)
            )
        }
    }
}

/// The referral profile in a few words, for the cover: `Per quarter: 10%, 30%, 40% and 20%`,
/// or `Evenly over the window`.
pub fn referral_profile_short(contract: &Contract) -> String {
    match &contract.referral_profile {
        None if contract.referrals.is_some() => "Evenly over the window".to_string(),
        None => "Evenly over the term".to_string(),
        Some(profile) => format!("Per {}: {}", profile.period.word(), shares(profile)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_description_inside_a_sentence_starts_small_unless_a_name() {
        assert_eq!(
            mid_sentence("People with a long history"),
            "people with a long history"
        );
        assert_eq!(mid_sentence("GP practices"), "GP practices");
        assert_eq!(mid_sentence("Élan"), "élan");
        assert_eq!(mid_sentence("already small"), "already small");
        assert_eq!(mid_sentence("A"), "a");
        assert_eq!(mid_sentence(""), "");
    }

    #[test]
    fn lists_read_as_english() {
        let items = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(and_list(&items(&[])), "");
        assert_eq!(and_list(&items(&["a"])), "a");
        assert_eq!(and_list(&items(&["a", "b"])), "a and b");
        assert_eq!(and_list(&items(&["a", "b", "c"])), "a, b and c");
    }

    #[test]
    fn cohort_names_read_as_nouns() {
        assert_eq!(cohort_noun("young_people"), "young people");
    }
}
