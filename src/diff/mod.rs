//! `outcome diff`: the difference in meaning between two versions of a contract.
//!
//! Takes two checked contracts (`model::Contract`, the document `build --format json`
//! writes) and hands on a `Diff`: every declaration added, removed or renamed, every field of
//! one that changed, and every computed figure that changed, old → new with the difference
//! (`figures`). `render` writes it for a person, a pull request, a printer or a program.
//!
//! Both contracts are compared as the JSON documents `build` writes, so that the diff sees
//! every field of the model and gains new ones as the model does. What is not meaning is left
//! out before comparing: where a clause is written (`clause`: its file and line move when a
//! comment is added), and the planned timeline by month and by quarter (the same money is in
//! `by_year`, which is compared). Layout and comments never reach the model, so a file and its
//! `outcome fmt` output have no difference.
//!
//! Declarations are matched by their identifier (payers by name, prices by funnel and stage,
//! figures' rows by what they are of), never by position, so reordering is no difference. A
//! declaration whose identifier is only in the old version and one only in the new are the
//! same declaration renamed when they are of the same kind and either hold the same content
//! under the new name or have the same description. A rename is one change, and references to
//! the old name (a price's stage, a stage's `after`, an outcome's `achieved_by`) are read as
//! the new name, so they are no change either.
//!
//! Output is deterministic: changes come in the order of the sections, and within a section in
//! the order the new contract is written (what was removed, where the old one had it).

pub mod figures;
pub mod render;
pub mod revision;

use crate::model::Contract;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// The difference in meaning between two versions of a contract.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Diff {
    /// The old version as named on the command line (a file, or `REV:PATH`).
    pub old: String,
    /// The new version as named on the command line.
    pub new: String,
    /// Every change, in the order of the sections and then of the new contract. Empty when
    /// the two versions mean the same.
    pub changes: Vec<Change>,
}

/// The part of the contract a change is in, in the order they are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// The `contract` block: title, parties, term, referral window, currency, funding limit.
    Header,
    Outcomes,
    Cohorts,
    Funnels,
    Measures,
    /// Prices, fixed fees, caps, payers, bonuses and penalties, tiers, groups.
    Payments,
    Monitoring,
    /// The figures computed from the contract: maximum exposure, headroom, planned total
    /// cost, per-participant maximum, binding caps, unit costs, by year, by payer, by group.
    Figures,
}

impl Section {
    pub fn heading(self) -> &'static str {
        match self {
            Section::Header => "Contract",
            Section::Outcomes => "Outcomes",
            Section::Cohorts => "Cohorts",
            Section::Funnels => "Funnels and stages",
            Section::Measures => "Measures",
            Section::Payments => "Payments",
            Section::Monitoring => "Monitoring",
            Section::Figures => "Figures",
        }
    }

    fn of(key: &str) -> Section {
        match key {
            "outcomes" => Section::Outcomes,
            "cohorts" => Section::Cohorts,
            "funnels" => Section::Funnels,
            "measures" => Section::Measures,
            "payments" => Section::Payments,
            "monitoring" => Section::Monitoring,
            "figures" => Section::Figures,
            _ => Section::Header,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Only in the new version; `new` describes it.
    Added,
    /// Only in the old version; `old` describes it.
    Removed,
    /// The same declaration under a new name: `old` and `new` are the names.
    Renamed,
    /// A field (`field`) of what `subject` names has a new value.
    Changed,
}

/// One difference in meaning.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Change {
    pub section: Section,
    pub kind: ChangeKind,
    /// What changed, in words: `stage `housed` of funnel `main``, `maximum exposure`.
    pub subject: String,
    /// The field of the subject that changed (`price`, `expected`, `term end`), for a change
    /// of a field.
    pub field: Option<String>,
    /// The old value as the contract document shows it (money as `£1,500`).
    pub old: Option<String>,
    /// The new value, likewise.
    pub new: Option<String>,
    /// New less old, for money and counts (`+£84,000`, `-5`), and for percentages in points
    /// (`+2.5 points`).
    pub difference: Option<String>,
    /// The old value as `build --format json` writes it.
    pub old_value: Option<Value>,
    /// The new value as `build --format json` writes it.
    pub new_value: Option<Value>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// The difference in meaning between `old` and `new`, named `old_name` and `new_name`.
pub fn diff(old_name: &str, new_name: &str, old: &Contract, new: &Contract) -> Diff {
    let mut old_doc = meaning(old);
    let new_doc = meaning(new);
    let mut changes = Vec::new();
    let renames = renames(&old_doc, &new_doc, &mut changes);
    rename_references(&mut old_doc, &renames, None);
    rename_declarations(&mut old_doc, &renames);
    compare(&Place::root(), &old_doc, &new_doc, &mut changes);
    // Stable: within a section, the order they were found in, but the headline figures first.
    changes.sort_by_key(|c| (c.section, figure_rank(c)));
    Diff {
        old: old_name.to_string(),
        new: new_name.to_string(),
        changes,
    }
}

/// Where a figure comes in the list of figures: the headline ones first, in the order a
/// commissioner reads them; within a rank, the order of the document.
fn figure_rank(change: &Change) -> usize {
    const HEADLINE: [&str; 9] = [
        "maximum exposure",
        "headroom",
        "planned total cost",
        "per-participant maximum",
        "binding caps",
        "unit cost",
        "by contract year",
        "by payer",
        "by group",
    ];
    if change.section != Section::Figures {
        return 0;
    }
    HEADLINE
        .iter()
        .position(|h| change.subject.starts_with(h))
        .unwrap_or(HEADLINE.len())
}

/// The contract as JSON without what is not meaning (see the module's documentation).
fn meaning(contract: &Contract) -> Value {
    let mut doc = serde_json::to_value(contract).unwrap_or(Value::Null);
    strip_clauses(&mut doc);
    if let Some(figures) = doc.get_mut("figures").and_then(Value::as_object_mut) {
        figures.remove("timeline");
    }
    // Exclusive alternatives are one of several routes, whichever is written first: in one
    // order, so that writing them the other way round is no difference.
    if let Some(groups) = at_path_mut(&mut doc, "payments.exclusive") {
        for group in groups.iter_mut() {
            if let Some(Value::Array(alternatives)) = group.get_mut("alternatives") {
                alternatives.sort_by_key(|a| a.to_string());
            }
        }
    }
    // A price is shown once, as its stage's `price`; the `pay` clause adds when it is due.
    if let Some(prices) = at_path_mut(&mut doc, "payments.prices") {
        for price in prices.iter_mut().filter_map(Value::as_object_mut) {
            price.remove("amount");
        }
    }
    doc
}

fn strip_clauses(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.remove("clause");
            map.values_mut().for_each(strip_clauses);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_clauses),
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// Renames

/// The declarations that can be renamed: where their list is, the field that names them, and
/// what one is called.
const RENAMEABLE: [(&str, &str, &str); 6] = [
    ("outcomes", "id", "outcome"),
    ("cohorts", "id", "cohort"),
    ("funnels", "id", "funnel"),
    ("measures", "id", "measure"),
    ("payments.groups", "id", "group"),
    ("payments.payers", "name", "payer"),
];

/// Renamed declarations found: for each kind (`outcome`, `stage`), old name → new name.
type Renames = BTreeMap<&'static str, BTreeMap<String, String>>;

fn renames(old: &Value, new: &Value, changes: &mut Vec<Change>) -> Renames {
    let mut found = Renames::new();
    for (path, key, kind) in RENAMEABLE {
        let (Some(old_list), Some(new_list)) = (at_path(old, path), at_path(new, path)) else {
            continue;
        };
        let pairs = renamed_pairs(old_list, new_list, key);
        for (from, to) in pairs {
            changes.push(renamed(
                Section::of(path_head(path)),
                kind,
                None,
                &from,
                &to,
            ));
            found.entry(kind).or_default().insert(from, to);
        }
    }
    // Stages, within each funnel the two versions share (after funnels are renamed).
    let funnel_renames = found.get("funnel").cloned().unwrap_or_default();
    let mut stage_renames = BTreeMap::new();
    if let (Some(old_funnels), Some(new_funnels)) = (
        old.get("funnels").and_then(Value::as_array),
        new.get("funnels").and_then(Value::as_array),
    ) {
        let new_by_id: BTreeMap<&str, &Value> = new_funnels
            .iter()
            .filter_map(|f| Some((f.get("id")?.as_str()?, f)))
            .collect();
        for old_funnel in old_funnels {
            let Some(old_id) = old_funnel.get("id").and_then(Value::as_str) else {
                continue;
            };
            let id = funnel_renames.get(old_id).map_or(old_id, String::as_str);
            let Some(new_funnel) = new_by_id.get(id) else {
                continue;
            };
            let (Some(old_stages), Some(new_stages)) = (
                old_funnel.get("stages").and_then(Value::as_array),
                new_funnel.get("stages").and_then(Value::as_array),
            ) else {
                continue;
            };
            for (from, to) in renamed_pairs(old_stages, new_stages, "id") {
                changes.push(renamed(Section::Funnels, "stage", Some(id), &from, &to));
                stage_renames.insert((id.to_string(), from), to);
            }
        }
    }
    // A stage is referred to by its name alone (a price names its funnel too, but `after`
    // and a bonus's subject do not), so a stage name is read as renamed everywhere only when
    // every funnel that had it renamed it the same way.
    let mut by_name: BTreeMap<String, Option<String>> = BTreeMap::new();
    for ((_, from), to) in &stage_renames {
        by_name
            .entry(from.clone())
            .and_modify(|seen| {
                if seen.as_deref() != Some(to) {
                    *seen = None;
                }
            })
            .or_insert_with(|| Some(to.clone()));
    }
    let stages: BTreeMap<String, String> = by_name
        .into_iter()
        .filter_map(|(from, to)| to.map(|to| (from, to)))
        .collect();
    if !stages.is_empty() {
        found.insert("stage", stages);
    }
    found
}

fn path_head(path: &str) -> &str {
    path.split('.').next().unwrap_or(path)
}

fn at_path<'a>(doc: &'a Value, path: &str) -> Option<&'a Vec<Value>> {
    let mut value = doc;
    for key in path.split('.') {
        value = value.get(key)?;
    }
    value.as_array()
}

fn renamed(section: Section, kind: &str, funnel: Option<&str>, from: &str, to: &str) -> Change {
    let subject = match funnel {
        Some(funnel) => format!("{kind} `{from}` of funnel `{funnel}`"),
        None => format!("{kind} `{from}`"),
    };
    Change {
        section,
        kind: ChangeKind::Renamed,
        subject,
        field: None,
        old: Some(from.to_string()),
        new: Some(to.to_string()),
        difference: None,
        old_value: Some(Value::String(from.to_string())),
        new_value: Some(Value::String(to.to_string())),
    }
}

/// Pairs (old name, new name) of items named only in one list that are the same item renamed:
/// the same content but the name, or the same description (statement, title). Each item is in
/// at most one pair; the first match in the order written wins. The new items are indexed by
/// content and by description once, so that the pairs of a list of any length are found in
/// time linear in it (times a logarithm).
fn renamed_pairs(old: &[Value], new: &[Value], key: &str) -> Vec<(String, String)> {
    fn named<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
        v.get(key).and_then(Value::as_str)
    }
    let name = |v| named(v, key);
    let old_names: BTreeSet<&str> = old.iter().filter_map(name).collect();
    let new_names: BTreeSet<&str> = new.iter().filter_map(name).collect();
    let mut by_content: BTreeMap<String, VecDeque<usize>> = BTreeMap::new();
    let mut by_description: BTreeMap<(&str, &str), VecDeque<usize>> = BTreeMap::new();
    for (j, item) in new.iter().enumerate() {
        if name(item).is_none_or(|n| old_names.contains(n)) {
            continue;
        }
        by_content
            .entry(content(item, key))
            .or_default()
            .push_back(j);
        for (field, text) in descriptions(item) {
            by_description
                .entry((field, text))
                .or_default()
                .push_back(j);
        }
    }
    let mut taken = vec![false; new.len()];
    let mut first_free = |queue: Option<&mut VecDeque<usize>>| -> Option<usize> {
        let queue = queue?;
        while let Some(&j) = queue.front() {
            if !taken[j] {
                taken[j] = true;
                return Some(j);
            }
            queue.pop_front();
        }
        None
    };
    let mut pairs = Vec::new();
    for item in old {
        let Some(from) = name(item).filter(|n| !new_names.contains(n)) else {
            continue;
        };
        let mut found = first_free(by_content.get_mut(&content(item, key)));
        for description in descriptions(item) {
            if found.is_some() {
                break;
            }
            found = first_free(by_description.get_mut(&description));
        }
        if let Some(to) = found.and_then(|j| name(&new[j])) {
            pairs.push((from.to_string(), to.to_string()));
        }
    }
    pairs
}

/// An item's content without its name, as text (the fields in one order).
fn content(item: &Value, key: &str) -> String {
    match item.as_object() {
        Some(map) => {
            let rest: Map<String, Value> = map
                .iter()
                .filter(|(k, _)| *k != key)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            Value::Object(rest).to_string()
        }
        None => item.to_string(),
    }
}

/// An item's description, statement and title, those it has that are not blank.
fn descriptions(item: &Value) -> Vec<(&'static str, &str)> {
    ["description", "statement", "title"]
        .into_iter()
        .filter_map(|field| {
            let text = item.get(field)?.as_str()?;
            (!text.trim().is_empty()).then_some((field, text))
        })
        .collect()
}

/// The fields that hold the name of a declaration, and the kinds of declaration they can name.
fn reference_kinds(field: &str) -> &'static [&'static str] {
    match field {
        "cohort" => &["cohort"],
        "funnel" => &["funnel"],
        "stage" | "after" | "stages" | "alternatives" | "target" => &["stage"],
        "achieves" | "tracks" => &["outcome"],
        "achieved_by" => &["stage"],
        "tracked_by" | "measure" => &["measure"],
        "compared_with" => &["cohort"],
        "subject" => &["stage", "measure"],
        "group" => &["group"],
        "name" => &["payer"],
        _ => &[],
    }
}

/// Read every reference to a renamed declaration in `value` as its new name, so that the
/// rename is the only change it makes. `field` is the object field `value` is under.
fn rename_references(value: &mut Value, renames: &Renames, field: Option<&str>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                rename_references(inner, renames, Some(key));
            }
        }
        Value::Array(items) => {
            for item in items {
                rename_references(item, renames, field);
            }
        }
        Value::String(text) => {
            let Some(field) = field else { return };
            let kinds = reference_kinds(field);
            let new_name = kinds
                .iter()
                .find_map(|kind| renames.get(kind).and_then(|names| names.get(text.as_str())));
            if let Some(new_name) = new_name {
                *text = new_name.clone();
            }
        }
        _ => {}
    }
}

/// Renaming must also rename the declaration itself where it is declared: its `id` (or a
/// payer's `name`) within its own list.
fn rename_declarations(doc: &mut Value, renames: &Renames) {
    for (path, key, kind) in RENAMEABLE {
        let Some(names) = renames.get(kind) else {
            continue;
        };
        if let Some(items) = at_path_mut(doc, path) {
            rename_in_list(items, key, names);
        }
    }
    if let (Some(names), Some(funnels)) = (renames.get("stage"), at_path_mut(doc, "funnels")) {
        for funnel in funnels {
            if let Some(stages) = funnel.get_mut("stages").and_then(Value::as_array_mut) {
                rename_in_list(stages, "id", names);
            }
        }
    }
}

fn rename_in_list(items: &mut [Value], key: &str, names: &BTreeMap<String, String>) {
    for item in items {
        if let Some(Value::String(id)) = item.get_mut(key) {
            if let Some(new) = names.get(id.as_str()) {
                *id = new.clone();
            }
        }
    }
}

fn at_path_mut<'a>(doc: &'a mut Value, path: &str) -> Option<&'a mut Vec<Value>> {
    let mut value = doc;
    for key in path.split('.') {
        value = value.get_mut(key)?;
    }
    value.as_array_mut()
}

// ---------------------------------------------------------------------------------------------
// Comparing

/// Where in the document a value is: the section, the subject in words (`stage `housed` of
/// funnel `main``), the field path below the subject, and the path of object keys with `*` for
/// a list's items (`funnels.*.stages`), which decides how a list is matched.
#[derive(Debug, Clone)]
struct Place {
    section: Section,
    subject: Option<String>,
    field: Vec<String>,
    pattern: String,
}

impl Place {
    fn root() -> Place {
        Place {
            section: Section::Header,
            subject: None,
            field: Vec::new(),
            pattern: String::new(),
        }
    }

    fn key(&self, key: &str) -> Place {
        let mut place = self.clone();
        if self.pattern.is_empty() {
            place.section = Section::of(key);
        }
        place.pattern = if self.pattern.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.pattern)
        };
        // The top-level lists, `payments` and `figures` hold what is named; a keyed list's
        // items name themselves.
        let container = self.pattern.is_empty()
            && matches!(
                key,
                "outcomes" | "cohorts" | "funnels" | "measures" | "payments" | "figures"
            );
        if !container && keyed(&place.pattern).is_none() {
            let words = field_words(&place.pattern).unwrap_or_else(|| key.replace('_', " "));
            if !words.is_empty() {
                place.field.push(words);
            }
        }
        place
    }

    fn item(&self, subject: String) -> Place {
        let mut place = self.clone();
        place.pattern = format!("{}.*", self.pattern);
        place.subject = Some(match &self.subject {
            // A stage is named with its funnel.
            Some(outer) if self.pattern.ends_with(".stages") => format!("{subject} of {outer}"),
            // A group's part of a year is named with its year.
            Some(outer) if self.pattern == "figures.by_year.*.by_group" => {
                format!("{outer}, {subject}")
            }
            _ => subject,
        });
        place.field = Vec::new();
        place
    }

    fn subject(&self) -> String {
        match &self.subject {
            Some(subject) => subject.clone(),
            None if self.section == Section::Header => "contract".to_string(),
            None => self.field.join(" "),
        }
    }

    fn field(&self) -> Option<String> {
        if self.subject.is_none() && self.section != Section::Header {
            return None;
        }
        (!self.field.is_empty()).then(|| self.field.join(" "))
    }
}

/// A field whose name, with its underscores as spaces, would not read as words; empty for a
/// field that only holds others named well enough on their own.
fn field_words(pattern: &str) -> Option<String> {
    Some(
        match pattern {
            "figures.outcome_payments_at_plan_capped" => "outcome payments at plan after caps",
            "figures.overlap" => "",
            "figures.overlap.nested" => "if those reaching a stage reached every stage before it,",
            "figures.overlap.least_overlap" => "if routes overlap as little as they can,",
            "figures.cap_cuts.*.at_plan" => "at plan,",
            "figures.cap_cuts.*.at_maximum" => "at the maximum,",
            "figures.cap_cuts.*.at_plan.before" | "figures.cap_cuts.*.at_maximum.before" => {
                "before it"
            }
            "figures.cap_cuts.*.at_plan.after" | "figures.cap_cuts.*.at_maximum.after" => {
                "after it"
            }
            "figures.cap_cuts.*.at_plan.cut" | "figures.cap_cuts.*.at_maximum.cut" => {
                "what it cuts"
            }
            _ => return None,
        }
        .to_string(),
    )
}

/// The key of a list's item.
type KeyOf = fn(&Value) -> String;

/// How a list's items are matched between the versions: the key of an item, and what an item
/// with that key is called. Lists without one are compared whole.
fn keyed(pattern: &str) -> Option<(KeyOf, &'static str)> {
    fn id(v: &Value) -> String {
        text(v.get("id"))
    }
    fn name(v: &Value) -> String {
        text(v.get("name"))
    }
    fn cohort(v: &Value) -> String {
        text(v.get("cohort"))
    }
    fn funnel_stage(v: &Value) -> String {
        format!("{}.{}", text(v.get("funnel")), text(v.get("stage")))
    }
    fn funnel_target(v: &Value) -> String {
        format!("{}.{}", text(v.get("funnel")), text(v.get("target")))
    }
    fn scope(v: &Value) -> String {
        text(v.get("scope"))
    }
    fn fee(v: &Value) -> String {
        match v.get("year").and_then(Value::as_u64) {
            Some(year) => format!("per {} in year {year}", text(v.get("period"))),
            None => format!("per {}", text(v.get("period"))),
        }
    }
    fn incentive(v: &Value) -> String {
        let subject = v.get("condition").map(|c| text(c.get("subject")));
        format!(
            "{} on `{}`",
            text(v.get("kind")),
            subject.unwrap_or_default()
        )
    }
    fn tiers(v: &Value) -> String {
        let scope = text(v.get("scope")).replace('_', " ");
        format!("`{}` {scope}", text(v.get("measure")))
    }
    fn year(v: &Value) -> String {
        text(v.get("year"))
    }
    fn row(v: &Value) -> String {
        match v.get("row") {
            Some(row) => match row.get("group").and_then(Value::as_str) {
                Some(group) => format!("group `{group}`"),
                None => text(row.get("kind")).replace('_', " "),
            },
            None => String::new(),
        }
    }
    Some(match pattern {
        "outcomes" => (id, "outcome"),
        "cohorts" => (id, "cohort"),
        "funnels" => (id, "funnel"),
        "funnels.*.stages" => (id, "stage"),
        "measures" => (id, "measure"),
        "payments.prices" => (funnel_stage, "price"),
        "payments.fixed_fees" => (fee, "fixed fee"),
        "payments.caps" => (scope, "cap"),
        "payments.incentives" => (incentive, ""),
        "payments.tiers" => (tiers, "tiers on"),
        "payments.payers" => (name, "payer"),
        "payments.participant_limits" => (cohort, "participant limit for cohort"),
        "payments.groups" => (id, "group"),
        "figures.per_participant" => (cohort, "per-participant maximum, cohort"),
        "figures.unit_cost_per_target" => (funnel_target, "unit cost per target"),
        "figures.by_payer" => (name, "by payer"),
        "figures.by_year" => (year, "by contract year, year"),
        "figures.by_group" => (row, "by group,"),
        "figures.by_year.*.by_group" => (row, ""),
        "figures.cap_cuts" => (scope, "cap"),
        _ => return None,
    })
}

fn text(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => figures::shown(other),
    }
}

/// `stage `housed``: an item's key in words. Keys already worded (a fee's period, a row of
/// `by_group`) are not quoted again.
fn item_subject(label: &str, key: &str, pattern: &str) -> String {
    let quoted = match pattern {
        // `per_participant`: a word of the language, not a name.
        "payments.caps" | "figures.cap_cuts" => key.replace('_', "-"),
        "payments.fixed_fees"
        | "payments.incentives"
        | "payments.tiers"
        | "figures.by_year"
        | "figures.by_group"
        | "figures.by_year.*.by_group" => key.to_string(),
        "payments.prices" | "figures.unit_cost_per_target" => {
            let (funnel, stage) = key.split_once('.').unwrap_or((key, ""));
            format!("for stage `{stage}` of funnel `{funnel}`")
        }
        _ => format!("`{key}`"),
    };
    match (label.is_empty(), pattern) {
        (true, _) => quoted,
        (false, "payments.caps" | "figures.cap_cuts") => format!("{quoted} {label}"),
        _ => format!("{label} {quoted}"),
    }
}

fn compare(place: &Place, old: &Value, new: &Value, changes: &mut Vec<Change>) {
    if old == new {
        return;
    }
    match (old, new) {
        (Value::Object(o), Value::Object(n))
            if !figures::is_leaf(old) && !figures::is_leaf(new) =>
        {
            compare_objects(place, o, n, changes)
        }
        (Value::Array(o), Value::Array(n)) => match keyed(&place.pattern) {
            Some((key, label)) => compare_keyed(place, o, n, key, label, changes),
            None => changes.push(changed(place, old, new)),
        },
        _ => changes.push(changed(place, old, new)),
    }
}

fn compare_objects(
    place: &Place,
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    changes: &mut Vec<Change>,
) {
    for (key, new_value) in new {
        let old_value = old.get(key).unwrap_or(&Value::Null);
        compare(&place.key(key), old_value, new_value, changes);
    }
    for (key, old_value) in old {
        if !new.contains_key(key) {
            compare(&place.key(key), old_value, &Value::Null, changes);
        }
    }
}

fn compare_keyed(
    place: &Place,
    old: &[Value],
    new: &[Value],
    key: KeyOf,
    label: &str,
    changes: &mut Vec<Change>,
) {
    let old_keys = occurrence_keys(old, key);
    let new_keys = occurrence_keys(new, key);
    let old_at: BTreeMap<&str, usize> = old_keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    let new_at: BTreeMap<&str, usize> = new_keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    for (i, item) in new.iter().enumerate() {
        let subject = item_subject(label, &new_keys[i], &place.pattern);
        let inner = place.item(subject);
        match old_at.get(new_keys[i].as_str()) {
            Some(&j) => compare(&inner, &old[j], item, changes),
            None => changes.push(whole(&inner, ChangeKind::Added, item)),
        }
    }
    for (j, item) in old.iter().enumerate() {
        if !new_at.contains_key(old_keys[j].as_str()) {
            let subject = item_subject(label, &old_keys[j], &place.pattern);
            changes.push(whole(&place.item(subject), ChangeKind::Removed, item));
        }
    }
}

/// Each item's key, with ` (2)`, ` (3)` after a key already seen, so that every item has its
/// own.
fn occurrence_keys(items: &[Value], key: KeyOf) -> Vec<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    items
        .iter()
        .map(|item| {
            let k = key(item);
            let n = seen.entry(k.clone()).or_insert(0);
            *n += 1;
            if *n == 1 {
                k
            } else {
                format!("{k} ({n})")
            }
        })
        .collect()
}

fn changed(place: &Place, old: &Value, new: &Value) -> Change {
    let field = place.field();
    let percent = field.as_deref().is_some_and(figures::is_percent_field);
    let subject = place.subject();
    let (old_shown, new_shown) = (
        figures::shown_as(old, percent, Some(&subject)),
        figures::shown_as(new, percent, Some(&subject)),
    );
    Change {
        section: place.section,
        kind: ChangeKind::Changed,
        subject,
        field,
        old: Some(old_shown),
        new: Some(new_shown),
        difference: figures::difference(old, new, percent),
        old_value: Some(old.clone()),
        new_value: Some(new.clone()),
    }
}

fn whole(place: &Place, kind: ChangeKind, item: &Value) -> Change {
    let shown = Some(figures::summary(item));
    let value = Some(item.clone());
    let (old, new, old_value, new_value) = match kind {
        ChangeKind::Removed => (shown, None, value, None),
        _ => (None, shown, None, value),
    };
    Change {
        section: place.section,
        kind,
        subject: place.subject(),
        field: None,
        old,
        new,
        difference: None,
        old_value,
        new_value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_subjects_are_kept_as_written() {
        let bonus = serde_json::json!({"kind": "bonus", "condition": {"subject": "sustained_18m"}});
        let (key, label) = keyed("payments.incentives").unwrap();
        assert_eq!(
            item_subject(label, &key(&bonus), "payments.incentives"),
            "bonus on `sustained_18m`"
        );
        let cap = serde_json::json!({"scope": "per_participant"});
        let (key, label) = keyed("payments.caps").unwrap();
        assert_eq!(
            item_subject(label, &key(&cap), "payments.caps"),
            "per-participant cap"
        );
    }

    #[test]
    fn renames_in_a_long_list_are_found_by_index_in_order() {
        // Quadratic pairing would compare 10^10 pairs here; the index finds each at once.
        let n = 100_000;
        let old: Vec<Value> = (0..n)
            .map(|i| serde_json::json!({"id": format!("a{i}"), "description": format!("d{i}")}))
            .collect();
        let new: Vec<Value> = (0..n)
            .map(|i| serde_json::json!({"id": format!("b{i}"), "description": format!("d{i}")}))
            .collect();
        let pairs = renamed_pairs(&old, &new, "id");
        assert_eq!(pairs.len(), n);
        assert_eq!(pairs[7], ("a7".to_string(), "b7".to_string()));
        // Two identical items renamed: paired in the order written.
        let old = vec![
            serde_json::json!({"id": "x", "size": 1}),
            serde_json::json!({"id": "y", "size": 1}),
        ];
        let new = vec![
            serde_json::json!({"id": "p", "size": 1}),
            serde_json::json!({"id": "q", "size": 1}),
        ];
        assert_eq!(
            renamed_pairs(&old, &new, "id"),
            [
                ("x".to_string(), "p".to_string()),
                ("y".to_string(), "q".to_string())
            ]
        );
    }

    #[test]
    fn occurrence_keys_tell_repeated_keys_apart() {
        let items = vec![Value::from("a"), Value::from("a"), Value::from("b")];
        fn shown(v: &Value) -> String {
            v.as_str().unwrap_or_default().to_string()
        }
        assert_eq!(occurrence_keys(&items, shown), ["a", "a (2)", "b"]);
    }

    #[test]
    fn a_rename_with_a_new_description_and_content_is_not_a_rename() {
        let old = vec![serde_json::json!({"id": "a", "description": "x", "size": 1})];
        let new = vec![serde_json::json!({"id": "b", "description": "y", "size": 2})];
        assert!(renamed_pairs(&old, &new, "id").is_empty());
        let same = vec![serde_json::json!({"id": "b", "description": "x", "size": 2})];
        assert_eq!(
            renamed_pairs(&old, &same, "id"),
            [("a".to_string(), "b".to_string())]
        );
    }
}
