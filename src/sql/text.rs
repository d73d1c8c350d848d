//! SQL text: string literals and identifiers quoted so that no contract text can end them, and
//! the few expressions the two dialects write differently.
//!
//! Contract text is hostile input. A string literal is written between single quotes with
//! every quote doubled, and every character that could change how the script reads (control
//! characters, line and paragraph separators, bidirectional controls) is written as `chr(n)`
//! outside the quotes instead, so the script stays one literal per value, on one line. Contract
//! text never reaches an identifier except the attribute columns, which are double-quoted with
//! every double quote doubled, and never reaches a comment.

use super::Dialect;
use crate::value::Date;

/// `text` as a string literal.
pub fn lit(text: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut run = String::new();
    for c in text.chars() {
        if needs_chr(c) {
            if !run.is_empty() {
                parts.push(format!("'{}'", run.replace('\'', "''")));
                run.clear();
            }
            parts.push(format!("chr({})", u32::from(c)));
        } else {
            run.push(c);
        }
    }
    if !run.is_empty() || parts.is_empty() {
        parts.push(format!("'{}'", run.replace('\'', "''")));
    }
    if parts.len() == 1 {
        parts.remove(0)
    } else {
        format!("({})", parts.join(" || "))
    }
}

/// Characters written as `chr(n)`: every control character, and the separators and
/// formatting characters that can move or hide text on a screen.
fn needs_chr(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
        )
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// Whether the databases can hold `text` at all: PostgreSQL refuses the NUL character in text.
pub fn holdable(text: &str) -> bool {
    !text.contains('\0')
}

/// `name` as an identifier.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Why `name` cannot name the table of return rows, if it cannot: one to three parts
/// (`table`, `schema.table`, `catalog.schema.table`) separated by dots, none empty, and no
/// control character, which no database takes in a name.
pub fn table_name_problem(name: &str) -> Option<String> {
    let parts: Vec<&str> = name.split('.').collect();
    if name.trim().is_empty() {
        Some("the table's name is empty".to_string())
    } else if parts.iter().any(|part| part.trim().is_empty()) {
        Some(format!(
            "`{}` has an empty part: name the table as `table` or `schema.table`",
            crate::inert::escape(name)
        ))
    } else if parts.len() > 3 {
        Some(format!(
            "`{}` has {} parts: a table is named `table`, `schema.table` or `catalog.schema.table`",
            crate::inert::escape(name),
            parts.len()
        ))
    } else if name.chars().any(char::is_control) {
        Some(format!(
            "`{}` holds a control character, which no database takes in a name",
            crate::inert::escape(name)
        ))
    } else {
        None
    }
}

/// A possibly schema-qualified table name (`schema.table`), each part quoted.
pub fn table_name(name: &str) -> String {
    name.split('.').map(ident).collect::<Vec<_>>().join(".")
}

pub fn date(day: Date) -> String {
    format!("DATE '{day}'")
}

/// `yyyymmdd` as a whole number, for comparing dates that are not yet known to be real.
pub fn ymd(day: Date) -> i64 {
    i64::from(day.year) * 10_000 + i64::from(day.month) * 100 + i64::from(day.day)
}

/// The characters Rust's `str::trim` removes: Unicode `White_Space`.
const WHITE_SPACE: [u32; 25] = [
    0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004,
    0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
];

impl Dialect {
    /// The type money is computed in: exact integers wide enough for every product formed.
    pub fn money(self) -> &'static str {
        match self {
            Dialect::Duckdb => "HUGEINT",
            Dialect::Postgres => "NUMERIC",
        }
    }

    /// Integer division of whole numbers that are not negative.
    pub fn div(self, a: &str, b: &str) -> String {
        match self {
            Dialect::Duckdb => format!("(({a}) // ({b}))"),
            Dialect::Postgres => format!("div(({a}), ({b}))"),
        }
    }

    /// Whether all of `text` matches the regular expression `pattern` (no anchors needed).
    pub fn matches(self, text: &str, pattern: &str) -> String {
        match self {
            Dialect::Duckdb => format!("regexp_full_match({text}, '{pattern}')"),
            Dialect::Postgres => format!("({text} ~ '^(?:{pattern})$')"),
        }
    }

    /// `text` without the white space around it, as Rust's `trim` removes it.
    ///
    /// Trimming a set of 25 characters costs about fifteen times a plain `trim` on DuckDB
    /// (0.42 s a million values), and almost no value of a return has white space around it:
    /// so the set is trimmed only when the first or last character is in it, which is exactly
    /// when trimming changes anything. The code of an empty text (DuckDB's -1, PostgreSQL's 0)
    /// is in no set.
    pub fn trim(self, text: &str) -> String {
        let chars: Vec<String> = WHITE_SPACE.iter().map(|c| format!("chr({c})")).collect();
        let set = chars.join(" || ");
        let codes: Vec<String> = WHITE_SPACE.iter().map(u32::to_string).collect();
        let codes = codes.join(", ");
        let (code, trim) = match self {
            Dialect::Duckdb => ("unicode", "trim"),
            Dialect::Postgres => ("ascii", "btrim"),
        };
        format!(
            "(CASE WHEN {code}({text}) IN ({codes}) OR {code}(right({text}, 1)) IN ({codes}) \
             THEN {trim}({text}, {set}) ELSE {text} END)"
        )
    }

    /// Text compared byte by byte, as Rust compares strings.
    pub fn bytewise(self, text: &str) -> String {
        match self {
            Dialect::Duckdb => text.to_string(),
            Dialect::Postgres => format!("({text} COLLATE \"C\")"),
        }
    }

    /// What ends a step of a `WITH` whose columns the next steps use more than once.
    ///
    /// PostgreSQL pulls a plain step up into the query that reads it, putting each column's
    /// expression in place of every use: the date's regular expression and its parts were
    /// computed again for each of about a dozen uses, 29 s of a 72 s script on a million rows.
    /// `OFFSET 0` keeps the step a query of its own, each expression computed once a row
    /// (3.3 s). DuckDB computes each once without it.
    pub fn fence(self) -> &'static str {
        match self {
            Dialect::Duckdb => "",
            Dialect::Postgres => "\n  OFFSET 0",
        }
    }

    /// A date as `YYYY-MM-DD` text.
    pub fn date_text(self, day: &str) -> String {
        match self {
            Dialect::Duckdb => format!("strftime({day}, '%Y-%m-%d')"),
            Dialect::Postgres => format!("to_char({day}, 'YYYY-MM-DD')"),
        }
    }

    /// `day` plus `months` calendar months, the day clamped to the month's last day
    /// (`value::Date::add_months`): what both engines do in adding an interval of months to a
    /// date (2024-01-31 plus a month is 2024-02-29), in one built-in step where spelling the
    /// calendar out in arithmetic took a dozen per row.
    pub fn add_months(self, day: &str, months: u32) -> String {
        format!("CAST({day} + INTERVAL '{months} months' AS DATE)")
    }
}

/// The days in month `month` of year `year`, both `INTEGER` expressions.
pub fn days_in_month(year: &str, month: &str) -> String {
    format!(
        "(CASE WHEN {month} IN (4, 6, 9, 11) THEN 30 WHEN {month} = 2 THEN \
         CASE WHEN ({year} % 4 = 0 AND {year} % 100 <> 0) OR {year} % 400 = 0 THEN 29 ELSE 28 END \
         ELSE 31 END)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_doubled_and_controls_leave_the_literal() {
        assert_eq!(lit("it's"), "'it''s'");
        assert_eq!(lit(""), "''");
        assert_eq!(lit("a\nb"), "('a' || chr(10) || 'b')");
        assert_eq!(lit("\u{202E}x"), "(chr(8238) || 'x')");
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(table_name("s.t"), "\"s\".\"t\"");
        for good in [
            "return_rows",
            "warehouse.returns",
            "lake.warehouse.returns",
            "o\"brien",
        ] {
            assert_eq!(table_name_problem(good), None, "{good}");
        }
        for (bad, why) in [
            ("", "empty"),
            ("  ", "empty"),
            ("a..b", "empty part"),
            (".returns", "empty part"),
            ("returns.", "empty part"),
            ("a.b.c.d", "4 parts"),
            ("ret\u{0}urns", "control character"),
            ("ret\nurns", "control character"),
        ] {
            let problem = table_name_problem(bad).expect(bad);
            assert!(problem.contains(why), "{bad:?}: {problem}");
        }
    }
}
