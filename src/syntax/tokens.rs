//! Reading tokens into exact values: numbers, money, percentages, dates, durations, text.
//!
//! Each reader takes the token's text and span and returns the value or a diagnostic that
//! says what is wrong with how it was written.

use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use crate::value::{Currency, Date, Decimal, Duration, Money, Percent, TimeUnit};

/// The largest whole part a number may have: twelve digits (999,999,999,999). Large enough
/// for any count of people or any budget, small enough that every figure the checker
/// derives from such numbers fits exactly in 128-bit integers.
const MAX_WHOLE_DIGITS: usize = 12;
/// The most decimal places a number may carry.
const MAX_DECIMALS: usize = Decimal::MAX_SCALE as usize;

/// `1,200.50` → Decimal. Thousands separators must group whole digits in threes.
pub fn number(text: &str, span: Span) -> Result<Decimal, Diagnostic> {
    let (negative, body) = match text.strip_prefix('-') {
        Some(body) => (true, body),
        None => (false, text),
    };
    let (whole, fraction) = body.split_once('.').unwrap_or((body, ""));
    if whole.contains(',') {
        let groups: Vec<&str> = whole.split(',').collect();
        let well_formed =
            (1..=3).contains(&groups[0].len()) && groups[1..].iter().all(|g| g.len() == 3);
        if !well_formed {
            let plain = whole.replace(',', "");
            return Err(Diagnostic::new(
                Code::E0106,
                format!("`{text}` has a misplaced thousands separator"),
                span,
                "commas must separate groups of three digits",
            )
            .help(format!(
                "write `{}` or `{plain}`; if a decimal point was meant, use `.`",
                crate::value::group_thousands(plain.parse::<u128>().unwrap_or(0))
            )));
        }
    }
    // The digits of the whole part, the thousands separators left out, read in place: a
    // number is read for every figure of a contract.
    let digits = || whole.bytes().filter(u8::is_ascii_digit);
    if digits().skip_while(|&d| d == b'0').count() > MAX_WHOLE_DIGITS {
        return Err(Diagnostic::new(
            Code::E0103,
            format!("`{text}` is too large"),
            span,
            "more than twelve digits before the decimal point",
        )
        .help("numbers in a contract may be at most 999,999,999,999; check for a slip of the keyboard"));
    }
    if fraction.len() > MAX_DECIMALS {
        return Err(Diagnostic::new(
            Code::E0107,
            format!("`{text}` has more than {MAX_DECIMALS} decimal places"),
            span,
            "too precise",
        )
        .help("round the number to at most six decimal places"));
    }
    let mut mantissa: i128 = 0;
    for digit in digits().chain(fraction.bytes()) {
        mantissa = mantissa * 10 + i128::from(digit - b'0');
    }
    if negative {
        mantissa = -mantissa;
    }
    Ok(Decimal {
        mantissa,
        scale: fraction.len() as u32,
    })
}

/// How many bytes at the start of `bytes` the `number` rule reads:
/// number = @{ "-"? ~ ASCII_DIGIT+ ~ ("," ~ ASCII_DIGIT+)* ~ ("." ~ ASCII_DIGIT+)? }
/// (0 where it reads none).
pub fn number_end(bytes: &[u8]) -> usize {
    let digits = |at: usize| {
        bytes.get(at..).map_or(0, |rest| {
            rest.iter().take_while(|b| b.is_ascii_digit()).count()
        })
    };
    let mut at = usize::from(bytes.first() == Some(&b'-'));
    let whole = digits(at);
    if whole == 0 {
        return 0;
    }
    at += whole;
    while bytes.get(at) == Some(&b',') && digits(at + 1) > 0 {
        at += 1 + digits(at + 1);
    }
    if bytes.get(at) == Some(&b'.') && digits(at + 1) > 0 {
        at += 1 + digits(at + 1);
    }
    at
}

/// `83%` → Percent.
pub fn percent(text: &str, span: Span) -> Result<Percent, Diagnostic> {
    let digits = text.trim_end_matches('%');
    number(digits, Span::new(span.start, span.start + digits.len())).map(Percent)
}

/// The currency named by a symbol (`£`) or a code (`GBP`).
pub fn currency(text: &str, span: Span, is_symbol: bool) -> Result<Currency, Diagnostic> {
    let found = if is_symbol {
        Currency::from_symbol(text)
    } else {
        Currency::from_code(text)
    };
    found.ok_or_else(|| {
        let help = if is_symbol {
            format!(
                "the symbols `£`, `€` and `$` (US dollars) are understood; for any other currency \
                 write its three-letter code before the amount, such as `JPY 5,000` (known codes: {})",
                Currency::known_codes()
            )
        } else {
            format!("known currency codes: {}", Currency::known_codes())
        };
        Diagnostic::new(
            Code::E0105,
            format!("`{text}` is not a currency this language knows"),
            span,
            "unknown currency",
        )
        .help(help)
    })
}

/// An amount in a currency → Money, refusing more decimals than the currency has.
pub fn money(
    currency: Currency,
    negative: bool,
    amount_text: &str,
    amount_span: Span,
) -> Result<Money, Diagnostic> {
    let amount = number(amount_text, amount_span)?;
    if amount.mantissa < 0 {
        return Err(Diagnostic::new(
            Code::E0101,
            format!("`{amount_text}` has its minus sign after the currency"),
            amount_span,
            "the sign goes before the currency",
        )
        .help("write a negative amount as `-£100`; amounts in contracts are rarely negative"));
    }
    if amount.scale > currency.minor_digits {
        let places = match currency.minor_digits {
            0 => "no decimal places".to_string(),
            1 => "one decimal place".to_string(),
            n => format!("{n} decimal places"),
        };
        return Err(Diagnostic::new(
            Code::E0107,
            format!(
                "`{amount_text}` is more precise than {} allows",
                currency.code
            ),
            amount_span,
            format!("{} has {places}", currency.code),
        )
        .help("round the amount to the currency's smallest unit"));
    }
    let minor = amount.mantissa * 10_i128.pow(currency.minor_digits - amount.scale);
    Ok(Money::new(if negative { -minor } else { minor }, currency))
}

/// `2026-04-01` → Date, refusing days that do not exist.
pub fn date(text: &str, span: Span) -> Result<Date, Diagnostic> {
    let year: i32 = text[0..4].parse().unwrap_or(0);
    let month: u32 = text[5..7].parse().unwrap_or(0);
    let day: u32 = text[8..10].parse().unwrap_or(0);
    Date::new(year, month, day).ok_or_else(|| {
        let reason = if !(1..=12).contains(&month) {
            format!("there is no month {month}")
        } else {
            let days = crate::value::days_in_month(year, month);
            format!("{} {year} has {days} days", MONTHS[month as usize - 1])
        };
        Diagnostic::new(
            Code::E0104,
            format!("`{text}` is not a date: {reason}"),
            span,
            "no such day",
        )
        .help("dates are written year-month-day, such as `2026-04-01`")
    })
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `3 months` → Duration: a whole, positive count of a unit.
pub fn duration(count: Decimal, count_span: Span, unit_text: &str) -> Result<Duration, Diagnostic> {
    let unit = match unit_text.trim_end_matches('s') {
        "day" => TimeUnit::Day,
        "week" => TimeUnit::Week,
        "month" => TimeUnit::Month,
        _ => TimeUnit::Year,
    };
    if !count.is_whole() || count.mantissa <= 0 {
        return Err(Diagnostic::new(
            Code::E0101,
            format!("`{count}` is not a whole number of {}", unit.name(2)),
            count_span,
            "expected a whole number of at least 1",
        )
        .help(
            "write a length of time in whole units, such as `6 weeks` rather than `1.5 months`",
        ));
    }
    // A hundred years is longer than any contract term; the limit keeps date arithmetic
    // on windows far from any overflow.
    let most = match unit {
        TimeUnit::Day => 36_600,
        TimeUnit::Week => 5_220,
        TimeUnit::Month => 1_200,
        TimeUnit::Year => 100,
    };
    match u32::try_from(count.trunc()) {
        Ok(n) if n <= most => Ok(Duration { count: n, unit }),
        _ => Err(Diagnostic::new(
            Code::E0103,
            format!("`{count} {}` is too long for a time window", unit.name(2)),
            count_span,
            format!("at most {most} {}", unit.name(2)),
        )
        .help("a time window is counted from entry to the funnel and must fit within a contract term: at most 100 years")),
    }
}

/// The text between `"` and `"`: `\"` and `\\` are the only escapes.
pub fn line_string(inner: &str, inner_start: usize) -> Result<String, Diagnostic> {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.char_indices();
    while let Some((i, ch)) = chars.next() {
        if ch != '\\' {
            out.push(ch);
            continue;
        }
        match chars.next() {
            Some((_, '"')) => out.push('"'),
            Some((_, '\\')) => out.push('\\'),
            other => {
                let width = 1 + other.map_or(0, |(_, c)| c.len_utf8());
                let shown = &inner[i..i + width];
                return Err(Diagnostic::new(
                    Code::E0108,
                    format!("`{shown}` is not an escape this language knows"),
                    Span::new(inner_start + i, inner_start + i + width),
                    "unknown escape",
                )
                .help("inside quotes, write `\\\"` for a quote and `\\\\` for a backslash; for text over several lines use `\"\"\"`"));
            }
        }
    }
    Ok(out)
}

/// The text between `"""` and `"""`: a leading line break and the closing line's indentation
/// are dropped, the indentation common to every non-blank line is removed, and line endings
/// become `\n`. Nothing else changes.
pub fn text_block(inner: &str) -> String {
    let normalised = inner.replace("\r\n", "\n").replace('\r', "\n");
    let mut lines: Vec<&str> = normalised.split('\n').collect();
    if lines.len() > 1 && lines[0].trim().is_empty() {
        lines.remove(0);
    }
    if lines.len() > 1 && lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start_matches([' ', '\t']).len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|l| {
            if l.trim().is_empty() {
                ""
            } else {
                &l[indent..]
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str) -> Result<Decimal, Diagnostic> {
        number(text, Span::new(0, text.len()))
    }

    #[test]
    fn numbers_read_exactly() {
        assert_eq!(
            n("1,200").unwrap(),
            Decimal {
                mantissa: 1200,
                scale: 0
            }
        );
        assert_eq!(
            n("7.5").unwrap(),
            Decimal {
                mantissa: 75,
                scale: 1
            }
        );
        assert_eq!(
            n("-3").unwrap(),
            Decimal {
                mantissa: -3,
                scale: 0
            }
        );
        assert_eq!(n("1,20").unwrap_err().code, Code::E0106);
        assert_eq!(n("1234,567").unwrap_err().code, Code::E0106);
        assert_eq!(n("1,000,000,000,000").unwrap_err().code, Code::E0103);
        assert!(n("999,999,999,999").is_ok());
        assert_eq!(
            n("99999999999999999999999999999999999999999")
                .unwrap_err()
                .code,
            Code::E0103
        );
        assert_eq!(n("1.1234567").unwrap_err().code, Code::E0107);
    }

    /// What `number` made of a text when it collected the digits into a string first: the
    /// value, or the code of the diagnostic. The reference the reading in place must agree with.
    fn number_collecting(text: &str) -> Result<Decimal, Code> {
        let (negative, body) = match text.strip_prefix('-') {
            Some(body) => (true, body),
            None => (false, text),
        };
        let (whole, fraction) = body.split_once('.').unwrap_or((body, ""));
        let groups: Vec<&str> = whole.split(',').collect();
        if groups.len() > 1
            && !((1..=3).contains(&groups[0].len()) && groups[1..].iter().all(|g| g.len() == 3))
        {
            return Err(Code::E0106);
        }
        let digits: String = whole.chars().filter(char::is_ascii_digit).collect();
        if digits.trim_start_matches('0').len() > MAX_WHOLE_DIGITS {
            return Err(Code::E0103);
        }
        if fraction.len() > MAX_DECIMALS {
            return Err(Code::E0107);
        }
        let mantissa = digits
            .chars()
            .chain(fraction.chars())
            .fold(0_i128, |m, c| m * 10 + i128::from(c as u8 - b'0'));
        Ok(Decimal {
            mantissa: if negative { -mantissa } else { mantissa },
            scale: fraction.len() as u32,
        })
    }

    proptest::proptest! {
        /// Every number the grammar lets through (signs, leading zeros, separators in the
        /// right and wrong places, up to 20 digits before the point) reads to the same value,
        /// or fails for the same reason, as when its digits were collected first.
        #[test]
        fn numbers_read_in_place_as_when_collected(
            text in "-?[0-9]{1,20}(,[0-9]{1,4}){0,5}(\\.[0-9]{1,8})?"
        ) {
            let read = number(&text, Span::new(3, 3 + text.len())).map_err(|d| d.code);
            proptest::prop_assert_eq!(read, number_collecting(&text));
        }
    }

    #[test]
    fn money_respects_the_currency() {
        let gbp = Currency::from_code("GBP").unwrap();
        let jpy = Currency::from_code("JPY").unwrap();
        assert_eq!(
            money(gbp, false, "1,200.5", Span::default()).unwrap().minor,
            120_050
        );
        assert_eq!(
            money(gbp, false, "1.234", Span::default())
                .unwrap_err()
                .code,
            Code::E0107
        );
        assert_eq!(
            money(jpy, false, "5,000", Span::default()).unwrap().minor,
            5_000
        );
        assert_eq!(
            money(jpy, false, "5.5", Span::default()).unwrap_err().code,
            Code::E0107
        );
    }

    #[test]
    fn text_blocks_lose_only_common_indentation() {
        let block = "\n    First line.\n      Indented.\n\n    Last.\n  ";
        assert_eq!(text_block(block), "First line.\n  Indented.\n\nLast.");
        assert_eq!(text_block("one line"), "one line");
    }

    #[test]
    fn escapes() {
        assert_eq!(
            line_string(r#"say \"hi\" \\ ok"#, 0).unwrap(),
            r#"say "hi" \ ok"#
        );
        assert_eq!(line_string(r"bad \n", 0).unwrap_err().code, Code::E0108);
    }
}
