//! Values of the contract document in words, and the difference between two of them.
//!
//! Takes values as `build --format json` writes them and hands on what a commissioner reads:
//! money as the contract writes it (`£1,500`), a percentage with its sign, a time as
//! `6 months after `housed``; and, for money, counts and percentages, the new value less the
//! old, computed exactly (money in minor units, percentages as decimals, never floating
//! point).

use crate::value::{Currency, Money};
use serde_json::Value;

/// Whether a value is one thing to a reader, shown and compared whole rather than field by
/// field: an amount of money, a tagged value (`{"kind": "percent", "value": "50"}`), a
/// condition, a time from a stage.
pub fn is_leaf(value: &Value) -> bool {
    money(value).is_some() || tagged(value).is_some() || condition(value) || time_from(value)
}

/// An amount of money: its currency and minor units.
fn money(value: &Value) -> Option<(Currency, i128)> {
    let currency = Currency::from_code(value.get("currency")?.as_str()?)?;
    let minor = value.get("minor_units")?;
    let minor = minor
        .as_i64()
        .map(i128::from)
        .or_else(|| minor.as_u64().map(i128::from))?;
    Some((currency, minor))
}

/// `{"kind": …, "value": …}` or `{"kind": …, "group": …}` or `{"kind": …}`.
fn tagged(value: &Value) -> Option<(&str, Option<&Value>)> {
    let map = value.as_object()?;
    let kind = map.get("kind")?.as_str()?;
    match map.len() {
        1 => Some((kind, None)),
        2 => map
            .get("value")
            .or_else(|| map.get("group"))
            .map(|inner| (kind, Some(inner))),
        _ => None,
    }
}

fn condition(value: &Value) -> bool {
    value
        .as_object()
        .is_some_and(|m| m.len() == 3 && m.contains_key("subject") && m.contains_key("comparison"))
}

fn time_from(value: &Value) -> bool {
    value
        .as_object()
        .is_some_and(|m| m.len() == 3 && m.contains_key("duration") && m.contains_key("from_entry"))
}

/// Whether a field holds a percentage written without its sign in the document.
pub fn is_percent_field(field: &str) -> bool {
    ["conversion", "share", "tolerance"]
        .iter()
        .any(|word| field.contains(word))
}

/// `shown`, with `%` after a bare number when the field is a percentage, and the caps that
/// bind (the subject `binding caps`) named as the contract writes them (`per participant`,
/// `on outcome payments`).
pub fn shown_as(value: &Value, percent: bool, subject: Option<&str>) -> String {
    if subject == Some("binding caps") {
        if let Value::Array(caps) = value {
            let words: Vec<&str> = caps
                .iter()
                .map(|cap| match cap.as_str() {
                    Some("per_participant") => "per participant",
                    Some("outcome_payments") => "on outcome payments",
                    Some(other) => other,
                    None => "?",
                })
                .collect();
            return if words.is_empty() {
                "none".to_string()
            } else {
                words.join(", ")
            };
        }
    }
    match value {
        Value::String(s) if percent && decimal(s).is_some() => format!("{s}%"),
        Value::Array(items) if percent => {
            let items: Vec<String> = items.iter().map(|v| shown_as(v, true, None)).collect();
            if items.is_empty() {
                "none".to_string()
            } else {
                items.join(", ")
            }
        }
        _ => shown(value),
    }
}

/// A value in words.
pub fn shown(value: &Value) -> String {
    if let Some((currency, minor)) = money(value) {
        return Money::new(minor, currency).to_string();
    }
    if let Some((kind, inner)) = tagged(value) {
        return match (kind, inner) {
            ("percent", Some(v)) => format!("{}%", shown(v)),
            ("share_of_outcome_payments", Some(v)) => {
                format!("{}% of outcome payments", shown(v))
            }
            ("money" | "amount" | "number", Some(v)) => shown(v),
            ("group", Some(v)) => format!("group `{}`", shown(v)),
            (kind, Some(v)) => format!("{} {}", kind.replace('_', " "), shown(v)),
            (kind, None) => kind.replace('_', " "),
        };
    }
    if condition(value) {
        return format!(
            "`{}` {} {}",
            shown(&value["subject"]),
            shown(&value["comparison"]),
            shown(&value["value"])
        );
    }
    if time_from(value) {
        return if value["from_entry"].as_bool() == Some(true) {
            format!("{} from entry", shown(&value["duration"]))
        } else {
            format!(
                "{} after `{}`",
                shown(&value["duration"]),
                shown(&value["after"])
            )
        };
    }
    if let (Some(from), Some(pays)) = (value.get("from"), value.get("pays")) {
        // A tier: `from 10% pays £250,000`, `… per unit up to £480,000`.
        return match value.get("per_unit_up_to").filter(|v| !v.is_null()) {
            Some(most) => format!(
                "from {} pays {} per unit up to {}",
                shown(from),
                shown(pays),
                shown(most)
            ),
            None => format!("from {} pays {}", shown(from), shown(pays)),
        };
    }
    match value {
        Value::Null => "none".to_string(),
        Value::Bool(true) => "yes".to_string(),
        Value::Bool(false) => "no".to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.is_empty() => "none".to_string(),
        // Lists of lists (exclusive alternatives): each in brackets, one or the other.
        Value::Array(items) if items.iter().all(Value::is_array) => items
            .iter()
            .map(|item| format!("({})", shown(item)))
            .collect::<Vec<_>>()
            .join(" or "),
        Value::Array(items) => items.iter().map(shown).collect::<Vec<_>>().join(", "),
        Value::Object(map) => map
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| format!("{} {}", k.replace('_', " "), shown(v)))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// What an added or removed item is, in a few words: its description, or its amount, or its
/// fields.
pub fn summary(item: &Value) -> String {
    for field in ["description", "statement", "title"] {
        if let Some(Value::String(text)) = item.get(field) {
            return text.clone();
        }
    }
    if let Some(amount) = item.get("amount") {
        return shown(amount);
    }
    // A price, whose amount is its stage's: when it falls due.
    if let Some(due) = item.get("due") {
        return match (
            due.get("when").and_then(Value::as_str),
            due.get("period").and_then(Value::as_str),
        ) {
            (Some("in_arrears"), Some(period)) => format!("due {period}, in arrears"),
            _ => "due on achievement".to_string(),
        };
    }
    shown(item)
}

/// New less old: for money of one currency (`+£84,000`), whole numbers (`-5`) and
/// percentages (`+2.5 points`). `None` for anything else, or when they are the same.
pub fn difference(old: &Value, new: &Value, percent: bool) -> Option<String> {
    // Two values of one kind (`{"kind": "percent", "value": "40"}`): their values.
    if let (Some((a_kind, Some(a))), Some((b_kind, Some(b)))) = (tagged(old), tagged(new)) {
        return (a_kind == b_kind)
            .then(|| difference(a, b, percent || a_kind == "percent"))
            .flatten();
    }
    if let (Some((a_cur, a)), Some((b_cur, b))) = (money(old), money(new)) {
        if a_cur.code != b_cur.code {
            return None;
        }
        let change = b.checked_sub(a)?;
        return (change != 0).then(|| signed(&Money::new(change, b_cur).to_string(), change));
    }
    if let (Value::Number(a), Value::Number(b)) = (old, new) {
        let whole = |n: &serde_json::Number| {
            n.as_i64()
                .map(i128::from)
                .or_else(|| n.as_u64().map(i128::from))
        };
        let change = whole(b)?.checked_sub(whole(a)?)?;
        return (change != 0).then(|| signed(&change.unsigned_abs().to_string(), change));
    }
    if let (true, Value::String(a), Value::String(b)) = (percent, old, new) {
        let ((a, a_scale), (b, b_scale)) = (decimal(a)?, decimal(b)?);
        let scale = a_scale.max(b_scale);
        let a = a.checked_mul(10i128.checked_pow(scale - a_scale)?)?;
        let b = b.checked_mul(10i128.checked_pow(scale - b_scale)?)?;
        let change = b.checked_sub(a)?;
        return (change != 0).then(|| {
            let text = decimal_text(change.unsigned_abs(), scale);
            let points = if text == "1" { "point" } else { "points" };
            format!("{} {points}", signed(&text, change))
        });
    }
    None
}

/// `text` (an amount without its sign) with `+` or `-` before it.
fn signed(text: &str, change: i128) -> String {
    let text = text.trim_start_matches('-');
    if change < 0 {
        format!("-{text}")
    } else {
        format!("+{text}")
    }
}

/// A decimal as written (`60`, `12.5`, `-3.25`): its digits as an integer and its decimal
/// places.
fn decimal(text: &str) -> Option<(i128, u32)> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) || digits.len() > 30 {
        return None;
    }
    let value: i128 = format!("{whole}{fraction}").parse().ok()?;
    let scale = u32::try_from(fraction.len()).ok()?;
    Some((if negative { -value } else { value }, scale))
}

fn decimal_text(digits: u128, scale: u32) -> String {
    let text = digits.to_string();
    if scale == 0 {
        return text;
    }
    let scale = scale as usize;
    let padded = format!("{text:0>width$}", width = scale + 1);
    let (whole, fraction) = padded.split_at(padded.len() - scale);
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() {
        whole.to_string()
    } else {
        format!("{whole}.{fraction}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pounds(minor: i64) -> Value {
        json!({"currency": "GBP", "minor_units": minor, "amount": "", "text": ""})
    }

    #[test]
    fn money_differences_are_exact_and_signed() {
        assert_eq!(
            difference(&pounds(120_000_000), &pounds(128_400_000), false).as_deref(),
            Some("+£84,000")
        );
        assert_eq!(
            difference(&pounds(150_050), &pounds(150_000), false).as_deref(),
            Some("-£0.50")
        );
        assert_eq!(difference(&pounds(5), &pounds(5), false), None);
    }

    #[test]
    fn percentage_differences_are_in_points() {
        assert_eq!(
            difference(&json!("60"), &json!("62.5"), true).as_deref(),
            Some("+2.5 points")
        );
        assert_eq!(
            difference(&json!("60.0"), &json!("59"), true).as_deref(),
            Some("-1 point")
        );
        assert_eq!(difference(&json!("60"), &json!("62.5"), false), None);
    }

    #[test]
    fn counts_differ_by_whole_numbers() {
        assert_eq!(
            difference(&json!(72), &json!(70), false).as_deref(),
            Some("-2")
        );
    }
}
