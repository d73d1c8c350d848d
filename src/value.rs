//! The values a contract writes: money, percentages, dates, durations and periods.
//!
//! Each is a small exact type. Money is an integer count of minor units (pence, cents) and is
//! never a float; percentages keep the precision they were written with, because a stated
//! conversion factor is compared with the computed one at that precision.

use serde::Serialize;
use std::fmt;

/// A currency the language knows, with the number of minor-unit digits it uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency {
    pub code: &'static str,
    pub symbol: Option<&'static str>,
    pub minor_digits: u32,
}

/// The currencies the language accepts, by ISO 4217 code. `£`, `€` and `$` are the only
/// symbols: `$` alone means US dollars, other dollars are written with their code.
const CURRENCIES: &[Currency] = &[
    Currency {
        code: "GBP",
        symbol: Some("£"),
        minor_digits: 2,
    },
    Currency {
        code: "EUR",
        symbol: Some("€"),
        minor_digits: 2,
    },
    Currency {
        code: "USD",
        symbol: Some("$"),
        minor_digits: 2,
    },
    Currency {
        code: "AUD",
        symbol: None,
        minor_digits: 2,
    },
    Currency {
        code: "CAD",
        symbol: None,
        minor_digits: 2,
    },
    Currency {
        code: "CHF",
        symbol: None,
        minor_digits: 2,
    },
    Currency {
        code: "DKK",
        symbol: None,
        minor_digits: 2,
    },
    Currency {
        code: "JPY",
        symbol: None,
        minor_digits: 0,
    },
    Currency {
        code: "NOK",
        symbol: None,
        minor_digits: 2,
    },
    Currency {
        code: "NZD",
        symbol: None,
        minor_digits: 2,
    },
    Currency {
        code: "SEK",
        symbol: None,
        minor_digits: 2,
    },
    Currency {
        code: "ZAR",
        symbol: None,
        minor_digits: 2,
    },
];

impl Currency {
    /// Pound sterling, the stand-in where a value could not be read.
    pub const GBP: Currency = Currency {
        code: "GBP",
        symbol: Some("£"),
        minor_digits: 2,
    };

    pub fn from_code(code: &str) -> Option<Currency> {
        CURRENCIES.iter().copied().find(|c| c.code == code)
    }

    pub fn from_symbol(symbol: &str) -> Option<Currency> {
        CURRENCIES
            .iter()
            .copied()
            .find(|c| c.symbol == Some(symbol))
    }

    /// Every accepted code, for help texts.
    pub fn known_codes() -> String {
        CURRENCIES
            .iter()
            .map(|c| c.code)
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn minor_per_major(self) -> i128 {
        10_i128.pow(self.minor_digits)
    }
}

/// An amount of money in minor units of its currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money {
    pub minor: i128,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: i128, currency: Currency) -> Money {
        Money { minor, currency }
    }

    pub fn zero(currency: Currency) -> Money {
        Money::new(0, currency)
    }

    /// The amount in major units as an exact decimal string: `1200.50`, `-3.00`, `500` (JPY).
    pub fn decimal(&self) -> String {
        let per = self.currency.minor_per_major();
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        let major = abs / per as u128;
        if self.currency.minor_digits == 0 {
            return format!("{sign}{major}");
        }
        let minor = abs % per as u128;
        format!(
            "{sign}{major}.{minor:0width$}",
            width = self.currency.minor_digits as usize
        )
    }
}

/// Money as a commissioner writes it: `£120,000`, `£1,250.50`, `JPY 5,000`.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let per = self.currency.minor_per_major();
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        let major = group_thousands(abs / per as u128);
        let minor = abs % per as u128;
        let prefix = match self.currency.symbol {
            Some(symbol) => symbol.to_string(),
            None => format!("{} ", self.currency.code),
        };
        if minor == 0 {
            write!(f, "{sign}{prefix}{major}")
        } else {
            let width = self.currency.minor_digits as usize;
            write!(f, "{sign}{prefix}{major}.{minor:0width$}")
        }
    }
}

/// `1234567` → `1,234,567`.
pub fn group_thousands(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// An exact decimal number as written: `mantissa × 10^-scale`. `7.5` is (75, 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decimal {
    pub mantissa: i128,
    pub scale: u32,
}

impl Decimal {
    pub fn is_whole(&self) -> bool {
        self.scale == 0 || self.mantissa % 10_i128.pow(self.scale) == 0
    }

    /// The value rounded toward zero to a whole number.
    pub fn trunc(&self) -> i128 {
        self.mantissa / 10_i128.pow(self.scale)
    }

    /// Compare two decimals exactly.
    pub fn cmp_value(&self, other: &Decimal) -> std::cmp::Ordering {
        let scale = self.scale.max(other.scale);
        let a = self.mantissa * 10_i128.pow(scale - self.scale);
        let b = other.mantissa * 10_i128.pow(scale - other.scale);
        a.cmp(&b)
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.scale == 0 {
            return write!(f, "{}", self.mantissa);
        }
        let per = 10_i128.pow(self.scale);
        let sign = if self.mantissa < 0 { "-" } else { "" };
        let abs = self.mantissa.abs();
        write!(
            f,
            "{sign}{}.{:0width$}",
            abs / per,
            abs % per,
            width = self.scale as usize
        )
    }
}

/// A percentage as written, keeping its precision: `83%` is (83, 0), `7.5%` is (75, 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Percent(pub Decimal);

impl Percent {
    /// `part / whole` as a percentage rounded half up to `scale` decimals.
    /// Callers guarantee `whole > 0` and non-negative counts.
    pub fn of_ratio(part: u64, whole: u64, scale: u32) -> Percent {
        let numerator = part as i128 * 100 * 10_i128.pow(scale);
        let whole = whole as i128;
        let mantissa = (2 * numerator + whole) / (2 * whole);
        Percent(Decimal { mantissa, scale })
    }

    /// The percentage as a float, for display only (never for money).
    pub fn as_f64(&self) -> f64 {
        self.0.mantissa as f64 / 10_f64.powi(self.0.scale as i32)
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.0)
    }
}

/// A calendar date, validated when it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// A date, or `None` when no such day exists (`2026-02-30`).
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// Days since 1970-01-01 (negative before), by the proleptic Gregorian calendar.
    pub fn day_number(&self) -> i64 {
        let (y, m, d) = (self.year as i64, self.month as i64, self.day as i64);
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date a number of days later.
    pub fn from_day_number(z: i64) -> Date {
        let z = z + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    pub fn next_day(&self) -> Date {
        Date::from_day_number(self.day_number() + 1)
    }

    /// The same day `months` months later, clamped to the month's last day.
    /// Whole calendar months from the month of `earlier` to the month of this date, ignoring
    /// days (0 when this date is not later).
    pub fn months_since(&self, earlier: Date) -> u32 {
        let months = (self.year as i64 * 12 + self.month as i64)
            - (earlier.year as i64 * 12 + earlier.month as i64);
        months.clamp(0, i64::from(u32::MAX)) as u32
    }

    pub fn add_months(&self, months: u32) -> Date {
        let index = self.year as i64 * 12 + (self.month as i64 - 1) + months as i64;
        let year = index.div_euclid(12) as i32;
        let month = index.rem_euclid(12) as u32 + 1;
        let day = self.day.min(days_in_month(year, month));
        Date { year, month, day }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

pub fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// The unit of a duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    Day,
    Week,
    Month,
    Year,
}

impl TimeUnit {
    /// The shortest and longest this unit can be, in days.
    fn day_range(self) -> (u64, u64) {
        match self {
            TimeUnit::Day => (1, 1),
            TimeUnit::Week => (7, 7),
            TimeUnit::Month => (28, 31),
            TimeUnit::Year => (365, 366),
        }
    }

    pub fn name(self, count: u32) -> &'static str {
        match (self, count == 1) {
            (TimeUnit::Day, true) => "day",
            (TimeUnit::Day, false) => "days",
            (TimeUnit::Week, true) => "week",
            (TimeUnit::Week, false) => "weeks",
            (TimeUnit::Month, true) => "month",
            (TimeUnit::Month, false) => "months",
            (TimeUnit::Year, true) => "year",
            (TimeUnit::Year, false) => "years",
        }
    }
}

/// A length of time: `1 month`, `13 weeks`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Duration {
    pub count: u32,
    pub unit: TimeUnit,
}

impl Duration {
    /// Whether this duration is certainly shorter than `other`, however long the months and
    /// years involved turn out to be. `2 weeks` is shorter than `1 month`; `4 weeks` is not
    /// certainly shorter than `1 month` (February), so it is not flagged.
    pub fn certainly_shorter_than(&self, other: &Duration) -> bool {
        if self.unit == other.unit {
            return self.count < other.count;
        }
        let (_, self_max) = self.unit.day_range();
        let (other_min, _) = other.unit.day_range();
        (self.count as u64) * self_max < (other.count as u64) * other_min
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.count, self.unit.name(self.count))
    }
}

impl Serialize for Duration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// How often something happens: data returns, reviews, measure collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    Weekly,
    Monthly,
    Quarterly,
    /// Three terms a contract year, of four months each from the start of the contract year.
    Termly,
    Annually,
}

impl Frequency {
    pub fn word(self) -> &'static str {
        match self {
            Frequency::Weekly => "weekly",
            Frequency::Monthly => "monthly",
            Frequency::Quarterly => "quarterly",
            Frequency::Termly => "termly",
            Frequency::Annually => "annually",
        }
    }

    /// The period that something happening at this frequency happens once in.
    pub fn period(self) -> Period {
        match self {
            Frequency::Weekly => Period::Week,
            Frequency::Monthly => Period::Month,
            Frequency::Quarterly => Period::Quarter,
            Frequency::Termly => Period::Term,
            Frequency::Annually => Period::Year,
        }
    }
}

/// The period a fixed fee is paid for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Week,
    Month,
    Quarter,
    /// A school term: four months, three to a contract year.
    Term,
    Year,
}

impl Period {
    pub fn word(self) -> &'static str {
        match self {
            Period::Week => "week",
            Period::Month => "month",
            Period::Quarter => "quarter",
            Period::Term => "term",
            Period::Year => "year",
        }
    }

    /// Calendar months in one period; `None` for a week.
    pub fn months(self) -> Option<u32> {
        match self {
            Period::Week => None,
            Period::Month => Some(1),
            Period::Quarter => Some(3),
            Period::Term => Some(4),
            Period::Year => Some(12),
        }
    }

    /// The number (from 0) of the period of a series that starts on `start` that `date`
    /// falls in; 0 for a date before `start`.
    pub fn index_of(self, start: Date, date: Date) -> u32 {
        let mut n = match self.months() {
            None => ((date.day_number() - start.day_number()).max(0) / 7) as u32,
            Some(months) => date.months_since(start) / months,
        };
        // The estimate counts whole months; a later day of the month in `start` can put the
        // date one period earlier, and a short month can shift a boundary by a period.
        while n > 0 && self.start_of(start, n) > date {
            n -= 1;
        }
        while self.start_of(start, n + 1) <= date {
            n += 1;
        }
        n
    }

    /// The first day of period `n` (from 0) of a series that starts on `start`.
    pub fn start_of(self, start: Date, n: u32) -> Date {
        match self.months() {
            None => Date::from_day_number(start.day_number() + 7 * i64::from(n)),
            Some(months) => start.add_months(months * n),
        }
    }

    /// How many of these periods, or parts of one, the inclusive span `start..=end` touches.
    /// Periods are counted from `start`: a quarterly fee over a 12-month term is paid 4 times,
    /// over a 13-month term 5 times (the last for a part quarter).
    pub fn count_in(self, start: Date, end: Date) -> u64 {
        let after_end = end.next_day();
        match self {
            Period::Week => {
                let days = (after_end.day_number() - start.day_number()).max(0) as u64;
                days.div_ceil(7)
            }
            _ => {
                let mut count = 0;
                let mut cursor = start;
                while cursor < after_end {
                    count += 1;
                    cursor = self.start_of(start, count as u32);
                }
                count
            }
        }
    }

    /// Whether the span `start..=end` is a whole number of these periods.
    pub fn divides(self, start: Date, end: Date) -> bool {
        let after_end = end.next_day();
        match self {
            Period::Week => (after_end.day_number() - start.day_number()) % 7 == 0,
            _ => {
                let n = self.count_in(start, end) as u32;
                self.start_of(start, n) == after_end
            }
        }
    }
}

// ─── serialisation: how values appear in the JSON contract ───
//
// Money is an object with exact integer minor units and an exact decimal string; percentages
// and decimals are exact decimal strings; dates are ISO strings; durations read as written.
// None of them is ever a JSON float.

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use std::borrow::Cow;

impl Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = s.serialize_struct("Money", 4)?;
        out.serialize_field("currency", self.currency.code)?;
        out.serialize_field("minor_units", &self.minor)?;
        out.serialize_field("amount", &self.decimal())?;
        out.serialize_field("text", &self.to_string())?;
        out.end()
    }
}

impl JsonSchema for Money {
    fn schema_name() -> Cow<'static, str> {
        "Money".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "An exact amount of money.",
            "type": "object",
            "required": ["currency", "minor_units", "amount", "text"],
            "additionalProperties": false,
            "properties": {
                "currency": { "description": "ISO 4217 code", "type": "string", "pattern": "^[A-Z]{3}$" },
                "minor_units": { "description": "The amount in the currency's smallest unit (pence, cents)", "type": "integer" },
                "amount": { "description": "The amount in major units as an exact decimal", "type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?$" },
                "text": { "description": "The amount as a person writes it: £1,200.50", "type": "string" }
            }
        })
    }
}

impl Serialize for Decimal {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl JsonSchema for Decimal {
    fn schema_name() -> Cow<'static, str> {
        "Decimal".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "An exact decimal number, as a string.",
            "type": "string",
            "pattern": "^-?[0-9]+(\\.[0-9]+)?$"
        })
    }
}

impl Serialize for Percent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl JsonSchema for Percent {
    fn schema_name() -> Cow<'static, str> {
        "Percent".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A percentage as an exact decimal string without the % sign: \"83.3\" is 83.3%.",
            "type": "string",
            "pattern": "^-?[0-9]+(\\.[0-9]+)?$"
        })
    }
}

impl JsonSchema for Date {
    fn schema_name() -> Cow<'static, str> {
        "Date".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "description": "An ISO 8601 calendar date.", "type": "string", "format": "date" })
    }
}

impl JsonSchema for Duration {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A length of time as written: \"3 months\", \"13 weeks\".",
            "type": "string",
            "pattern": "^[0-9]+ (day|week|month|year)s?$"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Date {
        Date::new(y, m, day).unwrap()
    }

    #[test]
    fn dates_round_trip_through_day_numbers() {
        for n in -800_000..800_000 {
            if n % 997 != 0 {
                continue;
            }
            let date = Date::from_day_number(n);
            assert_eq!(date.day_number(), n);
            assert!(Date::new(date.year, date.month, date.day).is_some());
        }
        assert_eq!(d(1970, 1, 1).day_number(), 0);
        assert_eq!(d(2000, 3, 1).day_number() - d(2000, 2, 28).day_number(), 2);
    }

    #[test]
    fn impossible_dates_are_refused() {
        assert!(Date::new(2026, 2, 29).is_none());
        assert!(Date::new(2024, 2, 29).is_some());
        assert!(Date::new(2026, 2, 30).is_none());
        assert!(Date::new(2026, 13, 1).is_none());
        assert!(Date::new(2026, 4, 31).is_none());
    }

    #[test]
    fn periods_are_counted_over_the_term() {
        let (start, end) = (d(2009, 4, 1), d(2010, 3, 31));
        assert_eq!(Period::Quarter.count_in(start, end), 4);
        assert_eq!(Period::Month.count_in(start, end), 12);
        assert_eq!(Period::Year.count_in(start, end), 1);
        assert_eq!(Period::Week.count_in(start, end), 53);
        assert!(Period::Quarter.divides(start, end));
        assert!(!Period::Week.divides(start, end));
        assert_eq!(Period::Quarter.count_in(start, d(2010, 4, 30)), 5);
        assert!(!Period::Quarter.divides(start, d(2010, 4, 30)));
    }

    #[test]
    fn percentages_round_half_up_at_the_written_precision() {
        assert_eq!(Percent::of_ratio(25, 30, 0).to_string(), "83%");
        assert_eq!(Percent::of_ratio(25, 30, 1).to_string(), "83.3%");
        assert_eq!(Percent::of_ratio(1, 8, 0).to_string(), "13%");
        assert_eq!(Percent::of_ratio(1, 8, 1).to_string(), "12.5%");
    }

    #[test]
    fn durations_compare_safely_across_units() {
        let two_weeks = Duration {
            count: 2,
            unit: TimeUnit::Week,
        };
        let four_weeks = Duration {
            count: 4,
            unit: TimeUnit::Week,
        };
        let month = Duration {
            count: 1,
            unit: TimeUnit::Month,
        };
        assert!(two_weeks.certainly_shorter_than(&month));
        assert!(!four_weeks.certainly_shorter_than(&month));
        let ten = Duration {
            count: 10,
            unit: TimeUnit::Month,
        };
        let eleven = Duration {
            count: 11,
            unit: TimeUnit::Month,
        };
        assert!(ten.certainly_shorter_than(&eleven));
    }

    #[test]
    fn money_prints_as_written() {
        let gbp = Currency::from_code("GBP").unwrap();
        assert_eq!(Money::new(12_000_000, gbp).to_string(), "£120,000");
        assert_eq!(Money::new(30_050, gbp).to_string(), "£300.50");
        assert_eq!(Money::new(30_050, gbp).decimal(), "300.50");
        let jpy = Currency::from_code("JPY").unwrap();
        assert_eq!(Money::new(5_000, jpy).to_string(), "JPY 5,000");
    }
}
