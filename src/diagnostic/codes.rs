//! The one registry of diagnostic codes.
//!
//! Codes are stable: once released, a code keeps its meaning forever. They are grouped by the
//! stage that raises them: `01` reading the text, `02` names and structure, `03` funnel sizes
//! and conversion factors, `04` ordering and sequence, `05` money, `06` links between
//! outcomes, targets, measures and cohorts, `07` bids and specifications. `E` codes are errors and fail `check`; `W` codes
//! are warnings and do not.

use serde::Serialize;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

macro_rules! codes {
    ($($code:ident $severity:ident $title:literal,)*) => {
        /// A diagnostic code. See `explain.rs` for the long explanation of each.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($code,)* }

        impl Code {
            /// Every registered code, in order.
            pub const ALL: &'static [Code] = &[$(Code::$code,)*];

            /// The code as printed: `E0301`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$code => stringify!($code),)* }
            }

            pub fn severity(self) -> Severity {
                match self { $(Code::$code => Severity::$severity,)* }
            }

            /// A short title for lists and SARIF rules.
            pub fn title(self) -> &'static str {
                match self { $(Code::$code => $title,)* }
            }
        }
    };
}

codes! {
    E0101 Error "syntax error",
    E0102 Error "file is not UTF-8 text",
    E0103 Error "number too large",
    E0104 Error "no such date",
    E0105 Error "unknown currency",
    E0106 Error "misplaced thousands separator",
    E0107 Error "too many decimal places",
    E0108 Error "unknown escape in text",
    E0109 Error "empty file",
    E0110 Error "text not closed",
    E0111 Error "file too large",

    E0201 Error "name defined twice",
    E0202 Error "unknown name",
    E0203 Error "clause given twice",
    E0204 Error "required clause missing",
    E0205 Error "no contract header",
    E0206 Error "name of the wrong kind",
    E0207 Error "clause not allowed here",
    E0208 Error "used file not found",
    E0209 Error "files use each other in a circle",
    E0210 Error "used file outside the repository",
    E0211 Error "file cannot be used",

    E0301 Error "not a positive whole number of people",
    E0302 Error "funnel widens",
    E0303 Error "first milestone larger than the cohort",
    E0304 Error "target larger than the milestone it follows",
    E0305 Error "conversion factor does not match the counts",
    E0306 Error "funnel without a performance target",
    E0307 Error "conversion factor with no single step before it",

    E0401 Error "term ends before it starts",
    E0402 Error "referral window outside the term",
    E0403 Error "time window shrinks along the sequence",
    E0404 Error "baseline year not before target year",
    E0405 Error "milestones form a cycle",
    E0406 Error "milestone cannot be reached",
    E0407 Error "a step follows a performance target",
    W0408 Warning "milestone leads to no target",
    E0409 Error "stage times contradict each other",
    E0410 Error "stage cannot be reached within the term",
    E0411 Error "time measured from a stage that does not come before",

    E0501 Error "more than one currency",
    E0502 Error "negative amount",
    E0503 Error "maximum payment exceeds the funding limit",
    E0504 Error "exposure cannot be bounded",
    E0505 Error "step priced twice",
    W0506 Warning "fixed fee period does not divide the term",
    E0507 Error "payment falls due after the term ends",
    W0508 Warning "paid step without evidence",
    E0509 Error "tier schedule out of order",
    W0510 Warning "higher tier pays less",
    E0511 Error "bonus payable without beating the target",
    E0512 Error "penalty applies at the target",
    E0513 Error "payer shares do not add up",
    E0514 Error "payments not fully funded by the payers",
    E0515 Error "exclusive alternatives overlap",
    W0516 Warning "per-participant cap above what one participant can earn",
    W0517 Warning "per-participant cap cuts the end of a ladder",
    W0518 Warning "later step pays less than an earlier one",
    W0519 Warning "payments weighted on early engagement",
    E0520 Error "year outside the term",
    E0521 Error "share or fraction out of range",
    E0522 Error "threshold of the wrong kind",
    W0523 Warning "paid stage with no time",
    E0524 Error "referral profile does not fit the referral window",
    E0530 Error "figure too large to compute exactly",
    E0550 Error "participant limit pays for no whole number of participants",
    E0551 Error "participant limit of more than every participant",
    E0552 Error "participant limit above the cohort's size",
    E0553 Error "participant limit as a share of a cohort with no size",
    W0555 Warning "participant limit that never applies",
    E0554 Error "group cap of nothing",
    W0556 Warning "group cap that never applies",
    E0540 Error "rule that cannot be compiled to SQL",
    E0541 Error "bonus or penalty on a measure cannot be compiled to SQL",
    E0542 Error "contract text or figure the SQL cannot hold",
    E0570 Error "payment per unit without a cap",
    E0571 Error "cap reached at the threshold",
    E0572 Error "improvement cannot be counted in units",
    E0573 Error "either-or alternatives that pay for different results",
    E0574 Error "either-or alternative with no schedule before it",
    W0575 Warning "pooled alternative's threshold not below the per-cohort one",
    E0560 Error "excess pro rata on a payer without a percentage",
    E0561 Error "no payer to take a capped payer's excess",
    E0562 Error "no payer for the fixed fees and bonuses",
    E0563 Error "payer's cap below the amount it pays",
    E0564 Error "payer named twice",
    W0565 Warning "payer's cap never reached",

    E0601 Error "target achieves no outcome",
    W0602 Warning "outcome addressed by no target or measure",
    W0603 Warning "cohort used by no funnel",
    E0610 Error "priced stage in two groups",
    E0611 Error "group lists something that is not a priced stage",
    E0612 Error "group with no stages",

    E0701 Error "bid on a file that is not a specification",
    E0702 Error "declaration beside a bid",
    E0703 Error "bid on a specification with errors",
    E0704 Error "price above its ceiling",
    E0705 Error "expected count below its floor",
    E0706 Error "required stage not priced",
    E0707 Error "bid prices a stage the specification does not pay for",
    E0708 Error "bidding rule on a stage the specification does not price",
    E0709 Error "bid on another specification",
    W0720 Warning "specification outside its own bidding rules",
}

impl Code {
    /// Parse a code as a user types it: `E0301`, `e0301`.
    pub fn parse(text: &str) -> Option<Code> {
        let upper = text.trim().to_ascii_uppercase();
        Code::ALL
            .iter()
            .copied()
            .find(|code| code.as_str() == upper)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
