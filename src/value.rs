//! The values a contract writes: money, percentages, dates, durations and periods.
//!
//! Each is a small exact type. Money is an integer count of minor units (pence, cents) and is
//! never a float; percentages keep the precision they were written with, because a stated
//! conversion factor is compared with the computed one at that precision.

use serde::Serialize;
use std::fmt;

/// A currency the language knows: one word, a reference to its entry in the table of
/// currencies (`CurrencyInfo`), whose fields it reads as its own. An amount of money is then
/// 32 bytes where it was 64, and there are hundreds of thousands of amounts in a long funnel's
/// prices or a large return's payment lines.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency(&'static CurrencyInfo);

/// What a currency is: its ISO 4217 code, its symbol if the language accepts one, and the
/// number of minor-unit digits it uses.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CurrencyInfo {
    pub code: &'static str,
    pub symbol: Option<&'static str>,
    pub minor_digits: u32,
}

impl std::ops::Deref for Currency {
    type Target = CurrencyInfo;

    fn deref(&self) -> &CurrencyInfo {
        self.0
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Currency")
            .field("code", &self.code)
            .field("symbol", &self.symbol)
            .field("minor_digits", &self.minor_digits)
            .finish()
    }
}

/// The currencies the language accepts, by ISO 4217 code. `£`, `€` and `$` are the only
/// symbols: `$` alone means US dollars, other dollars are written with their code.
static CURRENCIES: [CurrencyInfo; 12] = [
    CurrencyInfo {
        code: "GBP",
        symbol: Some("£"),
        minor_digits: 2,
    },
    CurrencyInfo {
        code: "EUR",
        symbol: Some("€"),
        minor_digits: 2,
    },
    CurrencyInfo {
        code: "USD",
        symbol: Some("$"),
        minor_digits: 2,
    },
    CurrencyInfo {
        code: "AUD",
        symbol: None,
        minor_digits: 2,
    },
    CurrencyInfo {
        code: "CAD",
        symbol: None,
        minor_digits: 2,
    },
    CurrencyInfo {
        code: "CHF",
        symbol: None,
        minor_digits: 2,
    },
    CurrencyInfo {
        code: "DKK",
        symbol: None,
        minor_digits: 2,
    },
    CurrencyInfo {
        code: "JPY",
        symbol: None,
        minor_digits: 0,
    },
    CurrencyInfo {
        code: "NOK",
        symbol: None,
        minor_digits: 2,
    },
    CurrencyInfo {
        code: "NZD",
        symbol: None,
        minor_digits: 2,
    },
    CurrencyInfo {
        code: "SEK",
        symbol: None,
        minor_digits: 2,
    },
    CurrencyInfo {
        code: "ZAR",
        symbol: None,
        minor_digits: 2,
    },
];

impl Currency {
    /// Pound sterling, the stand-in where a value could not be read.
    pub const GBP: Currency = Currency(&CURRENCIES[0]);

    pub fn from_code(code: &str) -> Option<Currency> {
        CURRENCIES.iter().find(|c| c.code == code).map(Currency)
    }

    pub fn from_symbol(symbol: &str) -> Option<Currency> {
        CURRENCIES
            .iter()
            .find(|c| c.symbol == Some(symbol))
            .map(Currency)
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

/// The most any figure may be, in major units (pounds, euros, dollars, yen): 10^15, a
/// thousand million million. Prices, caps and fees are written with at most twelve whole
/// digits; the figures derived from them (a cohort's maximum, the planned total, the maximum
/// exposure) are refused beyond this bound (E0530) rather than computed. It is far above any
/// real budget, and it keeps every figure below 10^17 minor units, so that a figure times
/// any number a contract can write (below 10^18 as an integer mantissa) stays far inside
/// `i128` (below 1.7 × 10^38).
pub const FIGURE_LIMIT_MAJOR: i128 = 1_000_000_000_000_000;

impl Money {
    /// The most a figure may be in `currency`, in minor units (see `FIGURE_LIMIT_MAJOR`).
    pub fn limit(currency: Currency) -> Money {
        Money::new(FIGURE_LIMIT_MAJOR * currency.minor_per_major(), currency)
    }

    /// Whether this amount is within the bound every figure must keep to.
    pub fn within_limit(&self) -> bool {
        self.minor.unsigned_abs() <= Money::limit(self.currency).minor.unsigned_abs()
    }

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

/// `1 bid`, `1,200 bids`: a count and the noun that goes with it.
pub fn counted(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{} {many}", group_thousands(n as u128))
    }
}

/// `1234567` → `1,234,567`.
pub fn group_thousands(n: u128) -> String {
    let mut out = String::new();
    push_grouped(&mut out, &n.to_string());
    out
}

/// ASCII digits appended with a comma before each group of three from the right.
fn push_grouped(out: &mut String, digits: &str) {
    out.reserve(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
}

/// An exact decimal number as written: `mantissa × 10^-scale`. `7.5` is (75, 1).
///
/// Laid out on 8-byte boundaries rather than the 16 of an `i128`: 24 bytes instead of 32,
/// and a `Option<Percent>` 32 instead of 48. Every stage of a funnel holds three
/// percentages and its syntax tree a count, so a stage of the model is 288 bytes instead of
/// 336 and one of the syntax tree 208 instead of 224 (a long funnel holds hundreds of
/// thousands of each). The fields are read by value (`{ d.mantissa }` where a reference
/// would be taken): a reference to a field of a packed struct is not allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(C, packed(8))]
pub struct Decimal {
    pub mantissa: i128,
    pub scale: u32,
}

impl Decimal {
    /// The most decimal places a number in a contract may carry.
    pub const MAX_SCALE: u32 = 6;

    pub fn is_whole(&self) -> bool {
        // A scale beyond `i128` leaves every non-zero mantissa a fraction.
        10_i128
            .checked_pow(self.scale)
            .map_or(self.mantissa == 0, |per| self.mantissa % per == 0)
    }

    /// The value rounded toward zero to a whole number.
    pub fn trunc(&self) -> i128 {
        10_i128
            .checked_pow(self.scale)
            .map_or(0, |per| self.mantissa / per)
    }

    /// As `Display` writes it, with the whole part's thousands grouped: `1,020`, `12,345.5`,
    /// `-1,000`. For measured values in sentences, as counts and money are written.
    pub fn grouped(&self) -> String {
        let written = self.to_string();
        let (sign, digits) = match written.strip_prefix('-') {
            Some(rest) => ("-", rest),
            None => ("", written.as_str()),
        };
        let (whole, fraction) = match digits.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (digits, None),
        };
        let mut out = String::from(sign);
        push_grouped(&mut out, whole);
        if let Some(fraction) = fraction {
            out.push('.');
            out.push_str(fraction);
        }
        out
    }

    /// Compare two decimals exactly, whatever their size and precision.
    pub fn cmp_value(&self, other: &Decimal) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        let sign = |m: i128| m.cmp(&0);
        if sign(self.mantissa) != sign(other.mantissa) {
            return sign(self.mantissa).cmp(&sign(other.mantissa));
        }
        // Same sign: compare magnitudes at the finer scale. When scaling one up overflows, it
        // is larger in magnitude than anything an `i128` holds, so larger than the other.
        let scaled = |m: i128, by: u32| {
            10_u128
                .checked_pow(by)
                .and_then(|f| m.unsigned_abs().checked_mul(f))
        };
        let (a, b) = (self.mantissa.unsigned_abs(), other.mantissa.unsigned_abs());
        let magnitude = if self.scale < other.scale {
            scaled(self.mantissa, other.scale - self.scale).map_or(Ordering::Greater, |a| a.cmp(&b))
        } else {
            scaled(other.mantissa, self.scale - other.scale).map_or(Ordering::Less, |b| a.cmp(&b))
        };
        if self.mantissa < 0 {
            magnitude.reverse()
        } else {
            magnitude
        }
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.scale == 0 {
            return write!(f, "{}", { self.mantissa });
        }
        // From the digits, so that any mantissa and scale print exactly.
        let sign = if self.mantissa < 0 { "-" } else { "" };
        let scale = self.scale as usize;
        let digits = format!(
            "{:0>width$}",
            self.mantissa.unsigned_abs(),
            width = scale + 1
        );
        let (whole, fraction) = digits.split_at(digits.len() - scale);
        write!(f, "{sign}{whole}.{fraction}")
    }
}

/// A percentage as written, keeping its precision: `83%` is (83, 0), `7.5%` is (75, 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Percent(pub Decimal);

impl Percent {
    /// `part / whole` of two counts of people as a percentage rounded half up to `scale`
    /// decimals (at most six, as a contract can write). Callers ask with `whole > 0`; a whole
    /// of 0 gives 0%. Every step fits: a count is below 2^64 and `2 × 100 × 10^6` below 2^28,
    /// so the numerator is below 2^92, far inside `u128`, and so is the quotient.
    pub fn of_ratio(part: u64, whole: u64, scale: u32) -> Percent {
        let scale = scale.min(Decimal::MAX_SCALE);
        if whole == 0 {
            return Percent(Decimal { mantissa: 0, scale });
        }
        let numerator = u128::from(part) * 100 * 10_u128.pow(scale);
        let whole = u128::from(whole);
        let mantissa = (2 * numerator + whole) / (2 * whole);
        Percent(Decimal {
            mantissa: mantissa as i128,
            scale,
        })
    }

    /// `part / whole` of two amounts as a percentage rounded half up to `scale` decimals,
    /// exactly at any size; `None` when `whole` is 0 or the percentage itself is too large to
    /// hold (a share of at most 100% always fits).
    pub fn of_amounts(part: u128, whole: u128, scale: u32) -> Option<Percent> {
        let per_whole = 10_u128.checked_pow(scale)?.checked_mul(100)?;
        let (quotient, remainder) = mul_div_unsigned(part, per_whole, whole)?;
        // Half up: round up when the remainder is at least half of `whole`.
        let up = u128::from(remainder >= whole - remainder);
        let mantissa = i128::try_from(quotient.checked_add(up)?).ok()?;
        Some(Percent(Decimal { mantissa, scale }))
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

// ─── exact arithmetic ───
//
// Money and people are multiplied and divided here and only here when a product could
// outgrow `i128`: `a × b ÷ c` is formed in 256 bits, so a share of an amount (a percentage,
// a deadweight fraction, a year's part of the plan) is exact whenever the result itself fits.
// Sums and plain products elsewhere use `checked_add` and `checked_mul`.

/// `a × b` as a 256-bit number: (high 128 bits, low 128 bits).
fn widening_mul(a: u128, b: u128) -> (u128, u128) {
    let mask = u128::from(u64::MAX);
    let (a_hi, a_lo) = (a >> 64, a & mask);
    let (b_hi, b_lo) = (b >> 64, b & mask);
    // Each partial product of two 64-bit halves fits in 128 bits.
    let low = a_lo * b_lo;
    let cross_1 = a_lo * b_hi;
    let cross_2 = a_hi * b_lo;
    let high = a_hi * b_hi;
    // Below 3 × 2^64: fits.
    let middle = (low >> 64) + (cross_1 & mask) + (cross_2 & mask);
    let lo = (low & mask) | ((middle & mask) << 64);
    // The whole product is below 2^256, so the high half cannot overflow.
    let hi = high + (cross_1 >> 64) + (cross_2 >> 64) + (middle >> 64);
    (hi, lo)
}

/// `a × b ÷ c` rounded down, with the remainder; `None` when `c` is 0 or the quotient does
/// not fit in 128 bits.
pub fn mul_div_unsigned(a: u128, b: u128, c: u128) -> Option<(u128, u128)> {
    if c == 0 {
        return None;
    }
    if let Some(product) = a.checked_mul(b) {
        return Some((product / c, product % c));
    }
    let (hi, lo) = widening_mul(a, b);
    if hi >= c {
        return None; // the quotient is at least 2^128
    }
    // Long division, a bit at a time. `remainder < c` holds at the top of each step; shifted
    // it is below 2c, and `carry` is its 129th bit. When it is at least c, subtracting c
    // leaves less than c, which fits, so the wrapping subtraction is exact.
    let (mut quotient, mut remainder) = (0_u128, hi);
    for bit in (0..128).rev() {
        let carry = remainder >> 127 == 1;
        remainder = (remainder << 1) | ((lo >> bit) & 1);
        quotient <<= 1;
        if carry || remainder >= c {
            remainder = remainder.wrapping_sub(c);
            quotient |= 1;
        }
    }
    Some((quotient, remainder))
}

/// `a × b ÷ c` rounded to the nearest whole number, halves away from zero, exactly; `None`
/// when `c` is 0 or the result is beyond `i128`.
pub fn mul_div_rounded(a: i128, b: i128, c: i128) -> Option<i128> {
    let (quotient, remainder) =
        mul_div_unsigned(a.unsigned_abs(), b.unsigned_abs(), c.unsigned_abs())?;
    let up = u128::from(remainder >= c.unsigned_abs() - remainder);
    let magnitude = i128::try_from(quotient.checked_add(up)?).ok()?;
    let negative = ((a < 0) ^ (b < 0) ^ (c < 0)) && magnitude != 0;
    Some(if negative { -magnitude } else { magnitude })
}

/// `a × b ÷ c` rounded down, with the remainder, for amounts and weights that are not
/// negative; `None` when `c` is 0, an operand is negative or the result is beyond `i128`.
pub fn mul_div_floor(a: i128, b: i128, c: i128) -> Option<(i128, i128)> {
    let unsigned = |n: i128| u128::try_from(n).ok();
    let (quotient, remainder) = mul_div_unsigned(unsigned(a)?, unsigned(b)?, unsigned(c)?)?;
    Some((
        i128::try_from(quotient).ok()?,
        i128::try_from(remainder).ok()?,
    ))
}

/// A calendar date, validated when it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

/// By year, then month, then day, as one number: compared without a branch for each part (a
/// monitoring report compares dates for every claim it judges).
impl Ord for Date {
    #[inline]
    fn cmp(&self, other: &Date) -> std::cmp::Ordering {
        let key =
            |d: &Date| i128::from(d.year) << 64 | i128::from(d.month) << 32 | i128::from(d.day);
        key(self).cmp(&key(other))
    }
}

impl PartialOrd for Date {
    #[inline]
    fn partial_cmp(&self, other: &Date) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
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
        // The months past the start of this year, never negative: divided by twelve as an
        // unsigned number, without the corrections a signed division needs.
        let past = u64::from(self.month).saturating_sub(1) + u64::from(months);
        let year = (i64::from(self.year) + (past / 12) as i64) as i32;
        let month = (past % 12) as u32 + 1;
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
    /// certainly shorter than `1 month` (February), so it is not flagged; `364 days` is
    /// shorter than `12 months`, which are never fewer than 365 days.
    pub fn certainly_shorter_than(&self, other: &Duration) -> bool {
        if self.unit == other.unit {
            return self.count < other.count;
        }
        self.day_range().1 < other.day_range().0
    }

    /// The fewest and the most days this duration can be, from any date to the date it
    /// leads to: months and years are counted on the calendar (`Date::add_months`, a year
    /// being twelve months), so `1 month` is 28 to 31 days, `12 months` 365 or 366, and
    /// `6 months` 181 to 184.
    pub fn day_range(&self) -> (u64, u64) {
        let count = u64::from(self.count);
        match self.unit {
            TimeUnit::Day => (count, count),
            TimeUnit::Week => (7 * count, 7 * count),
            TimeUnit::Month => month_span(count),
            TimeUnit::Year => month_span(12 * count),
        }
    }
}

/// Months in the Gregorian calendar's cycle of 400 years, which has 146,097 days.
const CYCLE_MONTHS: u64 = 4_800;
const CYCLE_DAYS: u64 = 146_097;

/// The fewest and the most days from a date to the same day `months` months later
/// (`Date::add_months`, clamped to the month's last day), over every date of the calendar.
///
/// From day `d` of a month with `from` days, the date `months` later is that many whole
/// months on (`span` days from the first of the month to the first of the month reached)
/// and then `min(d, to) - 1` days into a month of `to` days: `span` days when `d` fits in
/// the month reached, and fewest from the last day, `span - (from - to)` when that month
/// is shorter. Every start month of one cycle is tried once per count of months and the
/// answer kept: counts of months are at most 1,200 (`syntax::tokens`), so a contract costs
/// at most one pass over the cycle for each count it writes.
fn month_span(months: u64) -> (u64, u64) {
    use std::sync::atomic::{AtomicU64, Ordering};
    const KEPT: usize = 1_201;
    /// Each count's answer, the fewest days in the high half and the most in the low; 0
    /// until found (no count of months but 0 spans no days, and 0 is never kept).
    static SPANS: [AtomicU64; KEPT] = [const { AtomicU64::new(0) }; KEPT];
    let (cycles, months) = (months / CYCLE_MONTHS, months % CYCLE_MONTHS);
    let whole = cycles * CYCLE_DAYS;
    if months == 0 {
        return (whole, whole);
    }
    let kept = SPANS.get(months as usize);
    let packed = match kept.map(|k| k.load(Ordering::Relaxed)) {
        Some(packed) if packed != 0 => packed,
        _ => {
            let first = |index: u64| {
                let (year, month) = ((index / 12) as i32, (index % 12) as u32 + 1);
                Date {
                    year: 2000 + year,
                    month,
                    day: 1,
                }
            };
            let (mut fewest, mut most) = (u64::MAX, 0);
            for start in 0..CYCLE_MONTHS {
                let (from, to) = (first(start), first(start + months));
                let span = (to.day_number() - from.day_number()) as u64;
                let shorter_by = u64::from(
                    days_in_month(from.year, from.month)
                        .saturating_sub(days_in_month(to.year, to.month)),
                );
                fewest = fewest.min(span - shorter_by);
                most = most.max(span);
            }
            let packed = (fewest << 32) | most;
            if let Some(kept) = kept {
                kept.store(packed, Ordering::Relaxed);
            }
            packed
        }
    };
    (whole + (packed >> 32), whole + (packed & 0xFFFF_FFFF))
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
    fn a_decimal_is_grouped_by_thousands_in_its_whole_part_only() {
        let g = |mantissa: i128, scale: u32| Decimal { mantissa, scale }.grouped();
        assert_eq!(g(0, 0), "0");
        assert_eq!(g(999, 0), "999");
        assert_eq!(g(1020, 0), "1,020");
        assert_eq!(g(-1_000, 0), "-1,000");
        assert_eq!(g(123_456_789, 0), "123,456,789");
        assert_eq!(g(1_234_567, 3), "1,234.567");
        assert_eq!(g(-123_456_789, 1), "-12,345,678.9");
        assert_eq!(g(5, 4), "0.0005");
        assert_eq!(g(-5, 1), "-0.5");
    }

    #[test]
    fn a_decimal_and_what_holds_one_are_laid_out_on_eight_bytes() {
        use std::mem::size_of;
        assert_eq!(size_of::<Decimal>(), 24);
        assert_eq!(size_of::<Option<Percent>>(), 32);
        assert_eq!(size_of::<crate::model::Stage>(), 288);
        assert_eq!(size_of::<crate::ast::Stage>(), 208);
        // Read by value, a packed decimal compares, hashes and prints as before.
        let d = Decimal {
            mantissa: -1_234_567_890_123_456_789_012,
            scale: 3,
        };
        assert_eq!({ d.mantissa }, -1_234_567_890_123_456_789_012);
        assert_eq!(d, d.clone());
        assert_eq!(d.to_string(), "-1234567890123456789.012");
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

    /// Dates order by year, month and day, as the three numbers in turn; and a date moved on
    /// by months lands where counting months from year zero puts it, for years before it too.
    #[test]
    fn dates_order_as_their_parts_and_move_by_months_on_the_calendar() {
        let dates: Vec<Date> = [-401, -1, 0, 1, 1999, 2000, 2026, 9999]
            .into_iter()
            .flat_map(|year| {
                [
                    (1, 1),
                    (1, 31),
                    (2, 28),
                    (2, 29),
                    (6, 30),
                    (12, 1),
                    (12, 31),
                ]
                .map(|(month, day)| Date { year, month, day })
            })
            .collect();
        for a in &dates {
            for b in &dates {
                let parts = |d: &Date| (d.year, d.month, d.day);
                assert_eq!(a.cmp(b), parts(a).cmp(&parts(b)), "{a:?} {b:?}");
                assert_eq!(a.partial_cmp(b), Some(a.cmp(b)));
            }
            for months in [0, 1, 11, 12, 13, 25, 1_200, 4_801, u32::MAX] {
                let index = a.year as i64 * 12 + (a.month as i64 - 1) + months as i64;
                let (year, month) = (index.div_euclid(12) as i32, index.rem_euclid(12) as u32 + 1);
                let expected = Date {
                    year,
                    month,
                    day: a.day.min(days_in_month(year, month)),
                };
                assert_eq!(a.add_months(months), expected, "{a:?} + {months} months");
            }
        }
    }

    #[test]
    fn months_span_the_days_every_date_of_the_calendar_gives_them() {
        let months = |count| Duration {
            count,
            unit: TimeUnit::Month,
        };
        // Every day of one 400-year cycle, moved on by `Date::add_months` as the report
        // and the plan move it.
        let first = d(2000, 3, 1).day_number();
        for count in [1, 2, 6, 11, 12, 13, 24, 48, 49, 100, 1_200] {
            let (mut fewest, mut most) = (u64::MAX, 0);
            for n in first..first + 146_097 {
                let from = Date::from_day_number(n);
                let days = (from.add_months(count).day_number() - n) as u64;
                fewest = fewest.min(days);
                most = most.max(days);
            }
            assert_eq!(months(count).day_range(), (fewest, most), "{count} months");
        }
        assert_eq!(months(1).day_range(), (28, 31));
        assert_eq!(months(6).day_range(), (181, 184));
        assert_eq!(months(12).day_range(), (365, 366));
        let years = |count| Duration {
            count,
            unit: TimeUnit::Year,
        };
        assert_eq!(years(1).day_range(), months(12).day_range());
        assert_eq!(years(100).day_range(), months(1_200).day_range());
        // Past one cycle, whole cycles of 146,097 days are added.
        assert_eq!(months(4_801).day_range(), (146_097 + 28, 146_097 + 31));
        let days = Duration {
            count: 364,
            unit: TimeUnit::Day,
        };
        assert!(days.certainly_shorter_than(&months(12)));
        assert!(days.certainly_shorter_than(&years(1)));
        let weeks = Duration {
            count: 26,
            unit: TimeUnit::Week,
        };
        // 26 weeks (182 days) against six months of 181 to 184 days: either may be longer.
        assert!(!weeks.certainly_shorter_than(&months(6)));
        assert!(!months(6).certainly_shorter_than(&weeks));
    }

    #[test]
    fn products_beyond_i128_divide_exactly() {
        // Against u128 where the product fits, and against a product known in two halves.
        for (a, b, c) in [
            (7_u128, 9, 4),
            (u64::MAX.into(), u64::MAX.into(), 3),
            (0, 5, 7),
        ] {
            assert_eq!(mul_div_unsigned(a, b, c), Some((a * b / c, a * b % c)));
        }
        // (2^127) × 6 ÷ 4 = 3 × 2^127, beyond u128 in the product, within it in the quotient.
        assert_eq!(mul_div_unsigned(1 << 127, 6, 4), Some((3 << 126, 0)));
        assert_eq!(
            mul_div_unsigned(u128::MAX, u128::MAX, u128::MAX),
            Some((u128::MAX, 0))
        );
        assert_eq!(mul_div_unsigned(u128::MAX, 2, 1), None);
        assert_eq!(mul_div_unsigned(1, 1, 0), None);
        // 10^20 × 10^19 ÷ 7: the product is beyond u128, the quotient inside i128. Rounded
        // down with remainder 6, so rounded half away from zero it goes up, in both signs.
        let (e20, e19) = (10_i128.pow(20), 10_i128.pow(19));
        let seventh = 142_857_142_857_142_857_142_857_142_857_142_857_142;
        assert_eq!(mul_div_floor(e20, e19, 7), Some((seventh, 6)));
        assert_eq!(mul_div_rounded(e20, e19, 7), Some(seventh + 1));
        assert_eq!(mul_div_rounded(-e20, e19, 7), Some(-seventh - 1));
        assert_eq!(mul_div_rounded(e20, e20, 3), None);
        assert_eq!(mul_div_rounded(5, 1, -2), Some(-3));
        assert_eq!(mul_div_rounded(i128::MAX, 2, 1), None);
        assert_eq!(mul_div_floor(-1, 1, 1), None);
    }

    #[test]
    fn decimals_compare_exactly_beyond_i128() {
        use std::cmp::Ordering::*;
        let d = |mantissa: i128, scale: u32| Decimal { mantissa, scale };
        let huge = d(10_i128.pow(37), 0);
        // 10^37 against 12.5 at one decimal: scaled it is 10^38, still inside; against 12.51
        // it would be 10^39, beyond i128, and must still compare as larger.
        assert_eq!(huge.cmp_value(&d(125, 1)), Greater);
        assert_eq!(huge.cmp_value(&d(1251, 2)), Greater);
        assert_eq!(d(1251, 2).cmp_value(&huge), Less);
        assert_eq!(d(-1251, 2).cmp_value(&d(-huge.mantissa, 0)), Greater);
        assert_eq!(d(5, 40).cmp_value(&d(0, 0)), Greater);
        assert_eq!(d(1, 0).cmp_value(&d(10, 1)), Equal);
        assert_eq!(d(-3, 0).cmp_value(&d(2, 5)), Less);
        assert_eq!(d(5, 40).to_string(), format!("0.{}5", "0".repeat(39)));
        assert_eq!(d(-1205, 2).to_string(), "-12.05");
        assert!(!d(5, 40).is_whole() && d(0, 40).is_whole());
        assert_eq!(d(5, 40).trunc(), 0);
    }

    #[test]
    fn shares_of_amounts_are_exact_at_any_size() {
        let p =
            |part: u128, whole: u128| Percent::of_amounts(part, whole, 0).map(|p| p.to_string());
        assert_eq!(p(1, 8), Some("13%".to_string()));
        let big = i128::MAX as u128;
        assert_eq!(p(big / 2 + 1, big), Some("50%".to_string()));
        assert_eq!(p(big, big), Some("100%".to_string()));
        assert_eq!(p(1, 0), None);
        assert_eq!(Percent::of_ratio(1, 0, 1).to_string(), "0.0%");
        assert_eq!(
            Percent::of_ratio(u64::MAX, 1, 30).0.scale,
            Decimal::MAX_SCALE
        );
    }

    #[test]
    fn a_currency_is_one_word_and_money_two() {
        assert_eq!(std::mem::size_of::<Currency>(), 8);
        assert_eq!(std::mem::size_of::<Option<Money>>(), 32);
        assert_eq!(Currency::from_code("GBP"), Some(Currency::GBP));
        assert_eq!(Currency::from_symbol("£"), Some(Currency::GBP));
        assert_eq!(Currency::GBP.code, "GBP");
        assert_eq!(Currency::from_code("JPY").map(|c| c.minor_digits), Some(0));
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
