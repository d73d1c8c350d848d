//! The long explanation of every code, printed by `outcome explain CODE`.
//!
//! Written for a commissioner drafting a contract in a text editor, not for a programmer. Each
//! text follows the same order: a first line naming the rule and what it protects; what it means
//! for the contract; a fragment that raises it; and "How to fix it:". The match has no catch-all
//! arm on purpose: a new code cannot ship without an explanation.

use super::Code;

/// The long explanation of `code`, in Markdown.
pub fn explanation(code: Code) -> &'static str {
    match code {
        Code::E0101 => E0101,
        Code::E0102 => E0102,
        Code::E0103 => E0103,
        Code::E0104 => E0104,
        Code::E0105 => E0105,
        Code::E0106 => E0106,
        Code::E0107 => E0107,
        Code::E0108 => E0108,
        Code::E0109 => E0109,
        Code::E0110 => E0110,
        Code::E0111 => E0111,

        Code::E0201 => E0201,
        Code::E0202 => E0202,
        Code::E0203 => E0203,
        Code::E0204 => E0204,
        Code::E0205 => E0205,
        Code::E0206 => E0206,
        Code::E0207 => E0207,

        Code::E0301 => E0301,
        Code::E0302 => E0302,
        Code::E0303 => E0303,
        Code::E0304 => E0304,
        Code::E0305 => E0305,
        Code::E0306 => E0306,
        Code::E0307 => E0307,

        Code::E0401 => E0401,
        Code::E0402 => E0402,
        Code::E0403 => E0403,
        Code::E0404 => E0404,
        Code::E0405 => E0405,
        Code::E0406 => E0406,
        Code::E0407 => E0407,
        Code::W0408 => W0408,
        Code::E0409 => E0409,
        Code::E0410 => E0410,
        Code::E0411 => E0411,

        Code::E0501 => E0501,
        Code::E0502 => E0502,
        Code::E0503 => E0503,
        Code::E0504 => E0504,
        Code::E0505 => E0505,
        Code::W0506 => W0506,
        Code::E0507 => E0507,
        Code::W0508 => W0508,
        Code::E0509 => E0509,
        Code::W0510 => W0510,
        Code::E0511 => E0511,
        Code::E0512 => E0512,
        Code::E0513 => E0513,
        Code::E0514 => E0514,
        Code::E0515 => E0515,
        Code::W0516 => W0516,
        Code::W0517 => W0517,
        Code::W0518 => W0518,
        Code::W0519 => W0519,
        Code::E0520 => E0520,
        Code::E0521 => E0521,
        Code::E0522 => E0522,
        Code::W0523 => W0523,
        Code::E0524 => E0524,
        Code::E0530 => E0530,
        Code::E0550 => E0550,
        Code::E0551 => E0551,
        Code::E0552 => E0552,
        Code::E0553 => E0553,
        Code::W0555 => W0555,
        Code::E0554 => E0554,
        Code::W0556 => W0556,
        Code::E0540 => E0540,
        Code::E0541 => E0541,
        Code::E0542 => E0542,
        Code::E0570 => E0570,
        Code::E0571 => E0571,
        Code::E0572 => E0572,
        Code::E0573 => E0573,
        Code::E0574 => E0574,
        Code::W0575 => W0575,
        Code::E0560 => E0560,
        Code::E0561 => E0561,
        Code::E0562 => E0562,
        Code::E0563 => E0563,
        Code::E0564 => E0564,
        Code::W0565 => W0565,

        Code::E0601 => E0601,
        Code::W0602 => W0602,
        Code::W0603 => W0603,
        Code::E0610 => E0610,
        Code::E0611 => E0611,
        Code::E0612 => E0612,

        Code::E0701 => E0701,
        Code::E0702 => E0702,
        Code::E0703 => E0703,
        Code::E0704 => E0704,
        Code::E0705 => E0705,
        Code::E0706 => E0706,
        Code::E0707 => E0707,
        Code::E0708 => E0708,
        Code::E0709 => E0709,
        Code::W0720 => W0720,
        Code::E0208 => E0208,
        Code::E0209 => E0209,
        Code::E0210 => E0210,
        Code::E0211 => E0211,
    }
}

// ───────────────────────────── 01: reading the text ─────────────────────────────

const E0101: &str = r#"Syntax error: a contract must follow the language's grammar, so that it can be read only one way.

The text does not follow the shape the language expects at this point. The message says in words
what could come next, such as "expected a `milestone`, a `target` or `}`, found `milestne`". Most
often it is a misspelt keyword, a missing `}` or a missing quote. The same code is given for a
time window that is not a whole number (`within 1.5 months`) and for a minus sign written after
the currency (`£-100`).

```outcome
funnel day_programme "Structured day programme" for adults {
  milestone enrol "Enrol in project" 100
  milestne attend "Attend 1st session" 50 within 1.5 months
}
```

How to fix it: correct the spelling at the place the message points to, and write time windows
in whole units (`6 weeks` rather than `1.5 months`):

```outcome
  milestone attend "Attend 1st session" 50 within 6 weeks
```
"#;

const E0102: &str = r#"The file is not UTF-8 text: the contract must be stored in one agreed encoding, so that every reader sees the same characters.

Contracts are read as UTF-8, the standard encoding for text files. A file saved from Word,
Excel or an older system as "Windows-1252" (or "Western European") stores some characters, such
as `£`, `€`, curly quotes and dashes, as bytes that are not UTF-8. The message points at the first
of them. Nothing is wrong with the wording; only the way the file was saved.

```outcome
contract "Structured Day Programme" {
  funding limit £120,000    # saved as Windows-1252: this £ is not UTF-8
}
```

How to fix it: save the file again as UTF-8. In Word or Excel choose "Save As", then "Plain
Text" with the encoding "Unicode (UTF-8)". In Notepad choose "Save As" and set "Encoding" to
"UTF-8". In VS Code, "Reopen with Encoding" → "Western (Windows 1252)", then "Save with
Encoding" → "UTF-8".
"#;

const E0103: &str = r#"Number too large: figures must be of a size a contract can really mean, so that a slip of the keyboard is caught.

A number may have at most twelve digits before the decimal point, that is at most
999,999,999,999. That is far beyond any count of people or any public budget, so a longer number
is almost always a typing slip: a key held down, or digits pasted twice. The same limit keeps
every figure the compiler works out from your numbers exact. A time window too long to fit any
contract term is refused for the same reason.

```outcome
contract "Structured Day Programme" {
  funding limit £1,200,000,000,000
}
```

How to fix it: check the figure against the source document and correct it:

```outcome
contract "Structured Day Programme" {
  funding limit £1,200,000
}
```
"#;

const E0104: &str = r#"No such date: every date must be a real day in the calendar, so that terms and deadlines can be worked out.

Dates are written as year, month and day, in that order, with two-digit months and days:
`2026-04-01` is 1 April 2026. A date that names a day that does not exist, such as 30 February
or a thirteenth month, is refused. The message says why, for example "February 2027 has 28
days". Remember that 29 February exists only in leap years.

```outcome
contract "Structured Day Programme" {
  term 2026-03-01 to 2027-02-30
}
```

How to fix it: use the real last day of the month, or the date the source document means:

```outcome
contract "Structured Day Programme" {
  term 2026-03-01 to 2027-02-28
}
```
"#;

const E0105: &str = r#"Unknown currency: every amount of money must be in a currency the compiler knows, so that sums are never mixed or misread.

The symbols `£`, `€` and `$` are understood (`$` means US dollars). Any other currency is written
with its three-letter ISO code before the amount, such as `JPY 5,000` or `AUD 1,200`. The known
codes are GBP, EUR, USD, AUD, CAD, CHF, DKK, JPY, NOK, NZD, SEK and ZAR. The same error is given
for a `currency` clause in the contract header that names a code not in this list.

```outcome
contract "Programme" {
  currency XYZ
}

payments {
  pay ¥5,000 for attend
}
```

How to fix it: use a known code, and write the code rather than an unfamiliar symbol:

```outcome
contract "Programme" {
  currency JPY
}

payments {
  pay JPY 5,000 for attend
}
```
"#;

const E0106: &str = r#"Misplaced thousands separator: commas in numbers must group digits in threes, so that `1,20` is never mistaken for `1.20` or `120`.

Commas may be used to make large numbers easier to read, but only between groups of three
whole digits, counting from the decimal point: `1,234,567`. A comma anywhere else, as in `1,20`
or `1234,567`, makes the figure ambiguous. It may be a decimal point written in the continental
style, or a digit may have been lost. The compiler will not guess which.

```outcome
payments {
  pay £1,20 for attend
  cap £1234,567 total
}
```

How to fix it: write the number with commas every three digits, or with none at all, and use a
full stop for the decimal point:

```outcome
payments {
  pay £1.20 for attend
  cap £1,234,567 total
}
```
"#;

const E0107: &str = r#"Too many decimal places: figures must be no more precise than they can really be, so that payments are exact to the penny.

An amount of money may not be more precise than its currency: pounds, euros and dollars have two
decimal places (pence and cents), and Japanese yen has none. So `£1.234` names no amount anyone
could pay. Other numbers and percentages may have at most six decimal places.

```outcome
payments {
  pay £1.234 for attend
}

funnel day_programme "Structured day programme" for adults {
  milestone enrol "Enrol in project" 30
  milestone complete "Complete as planned" 25 conversion 83.3333333%
}
```

How to fix it: round the amount to the currency's smallest unit, and the percentage to at most
six decimal places (a conversion factor is checked at the precision written, so `83%` will do):

```outcome
payments {
  pay £1.23 for attend
}

funnel day_programme "Structured day programme" for adults {
  milestone enrol "Enrol in project" 30
  milestone complete "Complete as planned" 25 conversion 83%
}
```
"#;

const E0108: &str = r#"Unknown escape in text: a backslash in quoted text has only two meanings, so that text reads exactly as written.

Inside quoted text `"..."` a backslash starts an escape, and only two are known: `\"` for a quote
mark inside the text, and `\\` for a backslash itself. Anything else after a backslash, such as
`\n` for a new line or `\U` in a Windows folder name, is refused rather than guessed at.

```outcome
outcome drug_crime_free "Drug and crime free" {
  why "Reduces harm to service users\nand to their families"
}

cohort adults "Adults" {
  eligibility "Listed in S:\Unit\referrals"
}
```

How to fix it: for text over several lines, put it between `"""` and `"""`; write a backslash as
`\\`:

```outcome
outcome drug_crime_free "Drug and crime free" {
  why """
    Reduces harm to service users
    and to their families
  """
}

cohort adults "Adults" {
  eligibility "Listed in S:\\Unit\\referrals"
}
```
"#;

const E0109: &str = r#"Empty file: a contract file must say something, so that an empty or wrongly saved file is not taken for an agreed contract.

The file holds no declarations: it is empty, or holds only spaces and `#` comments. Perhaps the
wrong file was opened, or the text was never saved. A contract starts with a `contract` block.

```outcome
# Structured day programme: draft to follow
```

How to fix it: write the contract. A small complete one looks like this:

```outcome
contract "Structured Day Programme" {
  commissioner "Bolton Council"
  provider "Community Drug Service"
  term 2026-04-01 to 2027-03-31
  funding limit £120,000
}

outcome drug_crime_free "Drug and crime free"

cohort adults "Adults referred for treatment" { size 100 }

funnel day_programme "Structured day programme" for adults {
  milestone enrol "Enrol in project" 100
  target abstinent "Drug free at 3 months" 10 within 3 months {
    achieves drug_crime_free
  }
}

payments {
  pay £1,000 for abstinent
}
```
"#;

const E0110: &str = r#"Text not closed: every piece of quoted text must end, so that the rest of the contract is not swallowed into it.

Text between single quote marks `"` must close on the same line. If the closing quote is
missing, everything that follows would become part of the text. A block of text between `"""`
marks may run over several lines, but it too must be closed with `"""`.

```outcome
contract "Structured Day Programme" {
  commissioner "Bolton Council
  provider "Community Drug Service"
}

outcome drug_crime_free "Drug and crime free" {
  why "Reduces harm to service users,
       their families and the community"
}
```

How to fix it: close the quote on its line, and put text over several lines between `"""` and
`"""` (the indentation the lines share is removed):

```outcome
contract "Structured Day Programme" {
  commissioner "Bolton Council"
  provider "Community Drug Service"
}

outcome drug_crime_free "Drug and crime free" {
  why """
    Reduces harm to service users,
    their families and the community
  """
}
```
"#;

// ───────────────────────────── 02: names and structure ─────────────────────────────

const E0201: &str = r#"Name defined twice: every name in a contract file must be unique, so that each reference means exactly one thing.

Names such as `attend` or `adults` are how one part of the contract points to another: a funnel
to its cohort, a payment to a milestone, a target to its outcome. Every name in a file must be
unique across outcomes, cohorts, funnels, milestones, targets and measures, even in different
funnels. Otherwise `pay £100 for attend` could mean two different steps.

```outcome
funnel day_programme "Structured day programme" for adults {
  milestone enrol  "Enrol in project"   100
  milestone attend "Attend 1st session"  50
  milestone attend "Attend 4 sessions"   40
}
```

How to fix it: give one of them a different name, and update every reference to it:

```outcome
  milestone attend      "Attend 1st session"  50
  milestone attend_four "Attend 4 sessions"   40
```
"#;

const E0202: &str = r#"Unknown name: every name the contract refers to must be defined, so that no payment or target points at nothing.

A name was used that nothing in the file defines. Names are used in a funnel's `for` (a cohort),
in `after` (earlier milestones), in `achieves` (outcomes), in a measure's `tracks` (outcomes), and
in `pay ... for` (a milestone or target); `after` names only steps of the same funnel. Usually
it is a spelling slip, and the message suggests the closest name: "did you mean `adults`?".

```outcome
cohort adults "Adults referred for treatment" { size 100 }

funnel day_programme "Structured day programme" for adult {
  milestone enrol "Enrol in project" 100
}
```

How to fix it: use the name exactly as it is defined, or add the missing definition:

```outcome
funnel day_programme "Structured day programme" for adults {
  milestone enrol "Enrol in project" 100
}
```
"#;

const E0203: &str = r#"Clause given twice: a clause that sets one thing may be written once, so that the contract never says two different things.

Some clauses can only have one value: a contract's `term` or `funding limit`, a cohort's `size`,
an outcome's `why`, a stage's `conversion` or `within`, a measure's `question`. Likewise a file
has one `contract` block and one `payments` block, with at most one cap of each kind. When such a
clause appears twice, the compiler cannot know which was meant, even if both say the same.

```outcome
contract "Structured Day Programme" {
  term 2026-04-01 to 2027-03-31
  term 2026-04-01 to 2028-03-31
}

cohort adults "Adults referred for treatment" {
  size 100
  size 120
}
```

How to fix it: keep the one that is right and delete the other:

```outcome
contract "Structured Day Programme" {
  term 2026-04-01 to 2028-03-31
}

cohort adults "Adults referred for treatment" {
  size 120
}
```
"#;

const E0204: &str = r#"Required clause missing: some facts must always be stated, so that the contract can be checked and the deal is clear.

The contract header must say who commissions (`commissioner`), who provides (`provider`), for
how long (`term`) and the most that may be spent (`funding limit`). Without the funding limit, for
example, nobody can check that the payments fit the budget. A measure must say which of the three
questions it answers (`question how_much`, `how_well` or `better_off`).

```outcome
contract "Structured Day Programme" {
  commissioner "Bolton Council"
  provider "Community Drug Service"
  term 2026-04-01 to 2027-03-31
}
```

How to fix it: add the missing clause:

```outcome
contract "Structured Day Programme" {
  commissioner "Bolton Council"
  provider "Community Drug Service"
  term 2026-04-01 to 2027-03-31
  funding limit £120,000
}
```
"#;

const E0205: &str = r#"No contract header: funnels, payments and monitoring belong to a contract, so that they are read against its term and funding limit.

The file has funnels, payments or monitoring, but no `contract` block saying who commissions,
who provides, for how long, and the funding limit. Without it the payments cannot be checked
against a budget, nor the time windows against a term. (A file that holds only outcomes and
cohorts, such as a council's outcomes framework, needs no header.)

```outcome
cohort adults "Adults referred for treatment" { size 100 }

payments {
  fixed £15,000 per quarter
}
```

How to fix it: add a `contract` block, usually at the top of the file:

```outcome
contract "Structured Day Programme" {
  commissioner "Bolton Council"
  provider "Community Drug Service"
  term 2026-04-01 to 2027-03-31
  funding limit £120,000
}
```
"#;

const E0206: &str = r#"Name of the wrong kind: a reference must point to the right kind of thing, so that a target achieves an outcome and a payment pays for a step.

The name exists, but it names the wrong kind of thing for where it is used. A funnel is `for` a
cohort; a target `achieves` outcomes; a measure `tracks` outcomes; `after` names milestones;
`pay ... for` names a milestone or a target. The message says what the name is and what was
needed.

```outcome
funnel day_programme "Structured day programme" for drug_crime_free {
  milestone attend "Attend 1st session" 50
  target abstinent "Drug free at 3 months" 10 {
    achieves attend
  }
}
```

How to fix it: name a thing of the right kind. Here the funnel is for the cohort `adults`, and
the target achieves the outcome `drug_crime_free`:

```outcome
funnel day_programme "Structured day programme" for adults {
  milestone attend "Attend 1st session" 50
  target abstinent "Drug free at 3 months" 10 {
    achieves drug_crime_free
  }
}
```
"#;

const E0207: &str = r#"Clause not allowed here: each clause belongs to certain kinds of step or rule, so that every statement in the contract means what it seems to.

Some clauses make sense only in one place. Outcomes are achieved by performance targets, not
by the milestones on the way, so only a target says `achieves`. A bonus or penalty on the
number of people at a step is decided once, on the count for the whole term, so it cannot be
`assessed` yearly or quarterly. A grace period (`from year 2`) holds back a penalty in the
early years, so the penalty must be `assessed` during the term.

```outcome
funnel day_programme "Structured day programme" for adults {
  milestone complete "Complete as planned" 25 {
    achieves drug_crime_free
  }
}

payments {
  bonus £5,000 if abstinent >= 12 assessed annually
  penalty £5,000 if abstinence_rate < 35% from year 2
}
```

How to fix it: move `achieves` to the target, remove `assessed` from a rule on a count, and
assess a penalty that has a grace period:

```outcome
  target abstinent "Drug free at 3 months" 10 {
    achieves drug_crime_free
  }

  bonus £5,000 if abstinent >= 12
  penalty £5,000 if abstinence_rate < 35% assessed annually from year 2
```
"#;

// ───────────────────────────── 03: funnel sizes and conversion factors ─────────────────────────────

const E0301: &str = r#"Not a positive whole number of people: counts of people must be whole and at least one, so that every figure worked out from them is meaningful.

The number of people expected at a milestone or target, and a cohort's `size`, count people.
Half a person cannot reach a milestone, and a step nobody is expected to reach (0), or fewer than
nobody (-3), cannot be planned, priced or monitored. If the figure came from a percentage, it
needs rounding.

```outcome
cohort adults "Adults referred for treatment" { size 0 }

funnel day_programme "Structured day programme" for adults {
  milestone enrol "Enrol in project" 100
  milestone complete "Complete as planned" 12.5
}
```

How to fix it: write whole numbers of at least 1. Round counts down if in doubt, so that the plan
does not promise more than it can deliver:

```outcome
cohort adults "Adults referred for treatment" { size 100 }

funnel day_programme "Structured day programme" for adults {
  milestone enrol "Enrol in project" 100
  milestone complete "Complete as planned" 12
}
```
"#;

const E0302: &str = r#"A funnel never widens: each milestone expects no more people than the one before it, because everyone who reaches a step has passed the step before.

Milestones form an "if ... then" sequence: a person attends only if they enrolled, and is drug
free only if they attended. So the number expected at a milestone cannot be larger than the
number at the milestone before it. A funnel that widens usually means two counts were swapped,
or a stage was put in the wrong order.

```outcome
funnel day_programme "Structured day programme" for adults {
  milestone enrol     "Enrol in project"     100
  milestone attend    "Attend 1st session"    50
  milestone drug_free "Drug free (1 month)"   60
}
```

How to fix it: correct the count, or the order of the milestones, so that the numbers never grow
along the sequence:

```outcome
  milestone attend    "Attend 1st session"    50
  milestone drug_free "Drug free (1 month)"   40
```
"#;

const E0303: &str = r#"First milestone larger than the cohort: no more people can enter a funnel than the cohort it serves, so that the plan is for people who exist.

A funnel is `for` a cohort, and its first milestone counts the people from that cohort who enter
the service. If the cohort's `size` is 100, at most 100 people can enrol. A larger first count
means either the cohort's size or the entry figure is wrong, and the payments worked out from
the funnel would be based on people who are not there.

```outcome
cohort adults "Adults referred for treatment" { size 100 }

funnel day_programme "Structured day programme" for adults {
  milestone enrol "Enrol in project" 120
}
```

How to fix it: make the first count no larger than the cohort, or correct the cohort's size:

```outcome
cohort adults "Adults referred for treatment" { size 120 }

funnel day_programme "Structured day programme" for adults {
  milestone enrol "Enrol in project" 120
}
```
"#;

const E0304: &str = r#"Target larger than the milestone it follows: a performance target cannot expect more people than the step before it, so that what the provider is held to is achievable.

A performance target is the last step of a path through the funnel: people reach it only from
the milestone it follows. If 25 people are expected to complete the programme, at most 25 can be
drug free three months later. Unit cost is worked out on the target, so an overstated target
also makes each result look cheaper than it is.

```outcome
funnel day_programme "Structured day programme" for adults {
  milestone enrol    "Enrol in project"    100
  milestone complete "Complete as planned"  25
  target abstinent "Drug free at 3 months"  30 within 3 months {
    achieves drug_crime_free
  }
}
```

How to fix it: lower the target to what the milestone before it allows, or correct that
milestone's count:

```outcome
  target abstinent "Drug free at 3 months"  10 within 3 months {
    achieves drug_crime_free
  }
```
"#;

const E0305: &str = r#"Conversion factor does not match the counts: a stated conversion factor must agree with the numbers, so that the contract does not say two different things.

A conversion factor is the share of people at one step expected to reach the next: the count at
this step divided by the count at the step before. Writing it is optional, but if you do, it
must match. It is compared at the precision you write: for 30 → 25, `83%`, `83.3%` and `83.33%`
are all right, but `84%` is not. The message shows the figure the counts give.

```outcome
funnel day_programme "Structured day programme" for adults {
  milestone complete "Complete as planned" 25
  target abstinent "Drug free at 3 months" 10 conversion 60% {
    achieves drug_crime_free
  }
}
```

How to fix it: decide which is right. If 10 of 25 is meant, state `conversion 40%`; if 60% is
meant, change the count to 15:

```outcome
  target abstinent "Drug free at 3 months" 10 conversion 40% {
    achieves drug_crime_free
  }
```
"#;

const E0306: &str = r#"Funnel without a performance target: every funnel must lead to at least one target, so that the provider is held to a result and unit cost can be worked out.

Milestones are interim steps; the performance target is the specific, verifiable change the
provider is held to, and the contract's unit cost (what it costs to achieve one result) is
worked out on it. A funnel of milestones only says how many people will pass through the
service, not what will change for them.

```outcome
funnel day_programme "Structured day programme" for adults {
  milestone enrol    "Enrol in project"    100
  milestone complete "Complete as planned"  25
}
```

How to fix it: add a `target` at the end of the funnel, saying how many people are expected to
reach it and which outcome it achieves:

```outcome
funnel day_programme "Structured day programme" for adults {
  milestone enrol    "Enrol in project"    100
  milestone complete "Complete as planned"  25
  target abstinent "Drug free at 3 months"  10 within 3 months {
    achieves drug_crime_free
  }
}
```
"#;

const E0307: &str = r#"Conversion factor with no single step before it: a conversion factor compares a step with the one before, so it needs exactly one step before it.

A conversion factor is this step's count divided by the previous step's count. The first stage
of a funnel has no step before it, so a factor there compares with nothing. A stage reached from
several stages (`after a, b`) has no single step to compare with either. The share of people
entering the funnel who reach each step is worked out for every stage anyway.

```outcome
funnel support "Housing support" for adults {
  milestone enrol   "Enrol in project"    100 conversion 100%
  milestone advice  "Housing advice"       40
  milestone tenancy "Tenancy support"      30 after enrol
  milestone settled "Settled at 3 months"  25 conversion 70% after advice, tenancy
}
```

How to fix it: remove the `conversion` clause from those stages:

```outcome
  milestone enrol   "Enrol in project"    100
  milestone settled "Settled at 3 months"  25 after advice, tenancy
```
"#;

// ───────────────────────────── 04: ordering and sequence ─────────────────────────────

const E0401: &str = r#"Term ends before it starts: a contract's term must run forwards in time, so that fees, windows and referrals fall within a real period.

The `term` clause gives the first and last day of the contract: `term START to END`. The end
must be later than the start. An end before the start, or the same day as the start, usually
means the dates were swapped or a year was mistyped.

```outcome
contract "Structured Day Programme" {
  commissioner "Bolton Council"
  provider "Community Drug Service"
  term 2027-03-31 to 2026-04-01
  funding limit £120,000
}
```

How to fix it: put the start date first and check both years:

```outcome
  term 2026-04-01 to 2027-03-31
```
"#;

const E0402: &str = r#"Referral window outside the term: referrals must be accepted only while the contract runs, so that every referred person can be served and paid for.

`referrals until DATE` says the last day on which people may be referred; `referrals from DATE`
optionally says the first. Both dates must lie within the term, and `from` must not be after
`until`. Referrals usually close well before the term ends, so that late referrals still have
time to reach the outcomes.

```outcome
contract "Structured Day Programme" {
  term 2026-04-01 to 2027-03-31
  referrals from 2026-03-01 until 2027-06-30
}
```

How to fix it: move the dates inside the term, or extend the term if the service really runs
longer:

```outcome
contract "Structured Day Programme" {
  term 2026-04-01 to 2027-03-31
  referrals from 2026-04-01 until 2026-12-31
}
```
"#;

const E0403: &str = r#"Time shrinks along the sequence: a later stage cannot have to be reached sooner, or be reachable sooner, than an earlier one measured from the same point, so that every time can actually be met.

A `within` window with no stage named is measured from the moment a person enters the funnel;
`within 9 months of housed` from the day they were housed. A later stage comes after an earlier
one, so its deadline, measured from the same point, cannot be shorter. In the same way, a
sustainment ladder's `at least` times measured from the same stage grow along it: a person
sustained 12 months after moving in has already been sustained 6 months. To avoid false
alarms, a month counts as anything from 28 to 31 days and twelve months or a year as 365 or
366 days (the fewest and most days they span on the calendar); only a time that is certainly
shorter is flagged (`within 4 weeks` after `within 1 month` is accepted).

```outcome
funnel day_programme "Structured day programme" for adults {
  milestone enrol     "Enrol in project"     100
  milestone drug_free "Drug free (1 month)"   40 within 1 month
  milestone skill     "Demonstrate new skill" 30 within 2 weeks
}
```

```outcome
  milestone sustained_6m  "Tenancy sustained 6 months"  48 at least 6 months after housed
  milestone sustained_12m "Tenancy sustained 12 months" 36 at least 3 months after housed
```

How to fix it: give the later stage a time at least as long, measured from the same point:

```outcome
  milestone skill         "Demonstrate new skill"       30 within 6 weeks
  milestone sustained_12m "Tenancy sustained 12 months" 36 at least 12 months after housed
```
"#;

const E0409: &str = r#"Stage times contradict each other: a stage cannot be due before it can be reached, and its expected time lies between the two, so that the contract describes something a participant can do.

A stage's `at least` time (the sustainment period) says when it can first be reached; its
`within` time says when it must be reached by; `expected` says when the plan assumes it is
reached. The earliest also follows from the stages before it: a stage is never reached before
them. The checker works in days from entry to the funnel, counting a month as 28 to 31 days and
twelve months as 365 or 366 (the fewest and most days they span on the calendar), and reports
only a contradiction that holds whatever the calendar: `at least 12 months after housed within
364 days of housed` can never be met.

```outcome
  milestone housed       "Moved into settled accommodation" 72 within 3 months
  milestone sustained_6m "Accommodation sustained 6 months"  48 at least 6 months after housed within 5 months
```

Being housed for six months cannot happen within five months of referral.

How to fix it: lengthen the deadline, or shorten the sustainment period; measure the deadline
from the stage the period runs from if that is what the contract means:

```outcome
  milestone sustained_6m "Accommodation sustained 6 months"  48 at least 6 months after housed within 9 months of housed
```
"#;

const E0410: &str = r#"Stage cannot be reached within the term: even the first participant referred cannot reach it before the contract ends, so nothing about it can be achieved or paid.

The checker takes a participant referred on the first day of the referral window (the first day
of the term without one) and works out the first day they can reach each stage: every `at least`
time along the way, each measured from its own stage. If that day is after the term ends, the
stage can never be reached within the contract. The message gives the dates.

```outcome
contract "Routes Off the Streets" {
  term 2026-04-01 to 2027-03-31
}
  milestone sustained_18m "Accommodation sustained 18 months" 30 at least 18 months after housed
```

How to fix it: extend the term, or shorten the sustainment period to one the contract can see
through:

```outcome
  term 2026-04-01 to 2028-09-30
```
"#;

const E0411: &str = r#"Time measured from a stage that does not come before: a time is measured from entry or from a stage every participant has reached before this one, so that it has a day to start from.

`at least 6 months after housed`, `expected 7 months after housed` and `within 9 months of
housed` count from the day the participant reached `housed`. That day exists only if `housed`
comes before the stage in its sequence: directly (the stage follows it) or through others. A
stage on another branch, a later stage, or the stage itself has no such day.

```outcome
  milestone housed       "Moved into settled accommodation" 72
  milestone reconnected  "Reconnected to family"             12 after engaged at least 6 months after housed
```

`reconnected` follows `engaged`, not `housed`: a reconnected person may never have been housed.

How to fix it: measure the time from a stage the participant has reached, or from entry:

```outcome
  milestone reconnected  "Reconnected to family"             12 after engaged at least 4 weeks after engaged
```
"#;

const E0404: &str = r#"Baseline year not before target year: a measure's target must come after its baseline, so that it describes turning the curve from history.

A measure's `baseline` is where things stand (history and forecast) in a given year; its `target`
is where the contract aims to be by a later year. A target year that is the same as, or earlier
than, the baseline year cannot show improvement over time. It is usually a mistyped year.

```outcome
measure abstinence_rate "Completers drug free at 3 months" {
  question better_off
  tracks drug_crime_free
  baseline 32% in 2010
  target 40% by 2008
}
```

How to fix it: correct the years so that the baseline comes first:

```outcome
  baseline 32% in 2008
  target 40% by 2010
```
"#;

const E0405: &str = r#"Milestones form a cycle: the "if ... then" sequence must have a start, so that nobody has to pass a step before they have reached it.

Milestones follow each other in the order written, unless `after` names the stages a milestone
follows. Here the `after` clauses lead round in a circle: `review` comes after `attend`, and
`attend` after `review`. Nobody could ever reach either, because each waits for the other. Counts
and conversion factors along a circle have no meaning.

```outcome
funnel day_programme "Structured day programme" for adults {
  milestone enrol  "Enrol in project"   100
  milestone attend "Attend 1st session"  50 after review
  milestone review "Key worker review"   50 after attend
  target abstinent "Drug free at 3 months" 10 after review {
    achieves drug_crime_free
  }
}
```

How to fix it: break the circle so that the sequence runs one way, from the first milestone:

```outcome
  milestone attend "Attend 1st session"  50 after enrol
  milestone review "Key worker review"   50 after attend
```
"#;

const E0406: &str = r#"Milestone cannot be reached: every step must be reachable from the funnel's entry, so that the people counted at it have a way to get there.

The first step written in a funnel is its entry, where people come in from the cohort; it takes
no `after`. Every other step must follow it, directly or through other steps, in the order
written or as `after` says. If the first step written has an `after`, as when the target is
put at the top, the funnel has no entry and its steps cannot be reached.

```outcome
funnel day_programme "Structured day programme" for adults {
  target abstinent "Drug free at 3 months" 10 after complete {
    achieves drug_crime_free
  }
  milestone enrol    "Enrol in project"    100
  milestone complete "Complete as planned"  25
}
```

How to fix it: write the entry first, with no `after`, and the steps in the order people reach
them:

```outcome
funnel day_programme "Structured day programme" for adults {
  milestone enrol    "Enrol in project"    100
  milestone complete "Complete as planned"  25
  target abstinent "Drug free at 3 months" 10 {
    achieves drug_crime_free
  }
}
```
"#;

const E0407: &str = r#"A step follows a performance target: a target is the end of a path, so that what the provider is held to is the result, not a step on the way.

A performance target is the final, verifiable change the provider is held to, and unit cost is
worked out on it. So nothing can come after a target: no milestone or target may name one in
`after`. If there is a further step worth counting, the target is not really the end of the
path.

```outcome
funnel day_programme "Structured day programme" for adults {
  milestone complete "Complete as planned" 25
  target abstinent "Drug free at 3 months" 10 {
    achieves drug_crime_free
  }
  milestone sustained "Drug free at 6 months" 8 after abstinent
}
```

How to fix it: make the earlier step a milestone and the last step the target, or make both
targets that follow the milestone:

```outcome
  milestone complete "Complete as planned" 25
  milestone abstinent "Drug free at 3 months" 10
  target sustained "Drug free at 6 months" 8 after abstinent {
    achieves drug_crime_free
  }
```
"#;

const W0408: &str = r#"Milestone leads to no target (warning): every branch of a funnel should end in a performance target, so that each step counted is on the way to a result.

Here a branch of the funnel stops at a milestone: no target follows it, directly or through
later milestones. People who take that branch are counted and perhaps paid for, but the
contract holds the provider to no result for them. This may be intended (a referral on to
another service), so it is a warning, not an error.

```outcome
funnel day_programme "Structured day programme" for adults {
  milestone attend   "Attend 1st session"  50
  milestone housing  "Referred to housing" 20 after attend
  milestone complete "Complete as planned" 25 after attend
  target abstinent "Drug free at 3 months" 10 after complete {
    achieves drug_crime_free
  }
}
```

How to fix it: add a target after the milestone, name it in the `after` of a later step, or
remove it if it is not part of the sequence:

```outcome
  target housed "Settled housing at 3 months" 12 after housing {
    achieves settled_housing
  }
```
"#;

// ───────────────────────────── 05: money ─────────────────────────────

const E0501: &str = r#"More than one currency: a contract is paid in one currency, so that its amounts can be added up and compared with the funding limit.

Every amount in a contract (the funding limit, fees, prices and caps) must be in the same
currency, and it must agree with the `currency` clause if the header has one. Amounts in
different currencies cannot be added together without an exchange rate, and a contract should
not depend on one.

```outcome
contract "Structured Day Programme" {
  funding limit £120,000
}

payments {
  pay €100 for attend
  pay £500 for complete
}
```

How to fix it: write every amount in the contract's one currency:

```outcome
payments {
  pay £85 for attend
  pay £500 for complete
}
```
"#;

const E0502: &str = r#"Negative amount: amounts of money in a contract are what the commissioner pays, so that none of them can quietly take money back.

A price, fee, cap or funding limit must be zero or more. A negative price would mean the
provider pays the commissioner when a participant reaches a step, and a negative cap or limit
means nothing at all. A minus sign is usually a slip, or an attempt to write a penalty.

```outcome
payments {
  pay -£100 for attend
  cap -£4,000 per participant
}
```

How to fix it: remove the minus sign. To pay less for a step, lower its price; to limit what is
paid, use a cap:

```outcome
payments {
  pay £100 for attend
  cap £4,000 per participant
}
```
"#;

const E0503: &str = r#"Maximum payment exceeds the funding limit: the most the contract can ever pay must fit within its budget, so that the commissioner is never committed to more than it has.

The compiler works out the most the contract could pay: the fixed fees for the whole term, plus
every participant in every cohort reaching every paid step, after the caps. The message shows
this figure. If it is more than the `funding limit`, the contract commits the commissioner to
more than the money set aside for it.

```outcome
contract "Programme" {
  term 2026-04-01 to 2027-03-31
  funding limit £50,000
}

cohort adults "Adults referred" { size 100 }

payments {
  fixed £5,000 per quarter    # 4 quarters: £20,000
  pay £100 for attend         # 100 people × £600:
  pay £500 for complete       # £60,000; £80,000 in all
}
```

How to fix it: add a total cap at the funding limit, lower the prices, or cap what one participant
can earn:

```outcome
payments {
  fixed £5,000 per quarter
  pay £100 for attend
  pay £500 for complete
  cap £50,000 total
}
```
"#;

const E0504: &str = r#"Exposure cannot be bounded: the most a contract can pay must be known, so that it can be checked against the funding limit.

Prices are paid for steps of a funnel whose cohort has no `size`, and there is no cap on the
total or on outcome payments. With no limit on how many people may take part, there is no limit
on what the contract may cost, and it cannot be checked against the funding limit.

```outcome
cohort adults "Adults referred for treatment" {
  eligibility "Aged 18+, resident in the borough"
}

payments {
  pay £100 for attend
}
```

How to fix it: give the cohort a size, or cap the payments:

```outcome
cohort adults "Adults referred for treatment" {
  size 100
  eligibility "Aged 18+, resident in the borough"
}

payments {
  pay £100 for attend
  cap £90,000 on outcome payments
}
```
"#;

const E0505: &str = r#"Step priced twice: each milestone or target has one price, so that both parties know what one result earns.

Two `pay` clauses name the same milestone or target. It is not clear whether the provider should
be paid one price, the other, or both. Often a line was copied and its name not changed, or the
price was updated by adding a line instead of editing the old one.

```outcome
payments {
  pay £100 for attend
  pay £500 for complete
  pay £150 for attend
}
```

How to fix it: keep one `pay` clause per step. If both amounts were meant to be paid, write their
sum:

```outcome
payments {
  pay £150 for attend
  pay £500 for complete
}
```
"#;

const W0506: &str = r#"Fixed fee period does not divide the term (warning): fixed fees should fit the term exactly, so that the last payment is not for a part period nobody agreed on.

A fixed fee is paid per week, month, quarter or year. Here the term is not a whole number of such
periods, so the last fee covers only part of a period. The maximum payment counts it as a whole
one, which is the safe side for the budget, but the contract should say what is really meant.

```outcome
contract "Structured Day Programme" {
  term 2026-04-01 to 2027-04-30     # 13 months
}

payments {
  fixed £15,000 per quarter
}
```

How to fix it: make the term a whole number of periods, pay the fee for a shorter period that
divides it (here, `fixed £5,000 per month`), or say in a `boundary` how a part period is paid:

```outcome
contract "Structured Day Programme" {
  term 2026-04-01 to 2027-03-31     # 12 months, 4 quarters
}

payments {
  fixed £15,000 per quarter
}
```
"#;

const E0507: &str = r#"Payment falls due after the term ends: every payment must fall due while the contract runs, so that no result is earned when nobody is bound to pay for it.

The compiler takes the last participant, referred on the last day of the referral window (or of
the term, if there is none), and works out two days for each paid stage, with the payment's
timing applied (`due monthly in arrears` waits for the end of the month):

- the **soonest** the payment can fall due: the stage reached no sooner than its `at least` time
  and those of the stages before it allow. If even that is after the term, people referred late
  can never be paid for the stage: the referral window is too long for the sustainment period.
- the **latest** it can fall due: the stage reached on the last day of its `within` window. If
  that is after the term, the provider could earn a payment that the contract no longer covers.

The message gives the dates.

```outcome
contract "Structured Day Programme" {
  term 2026-04-01 to 2027-03-31
  referrals until 2027-01-31
}

payments {
  pay £3,000 for abstinent    # target abstinent ... within 3 months
}
```

How to fix it: close referrals early enough for the longest window, shorten the window, or
extend the term:

```outcome
contract "Structured Day Programme" {
  term 2026-04-01 to 2027-03-31
  referrals until 2026-12-31
}
```
"#;

const W0523: &str = r#"Paid stage with no time (warning): a paid stage should say when it can be reached, so that a claim can be checked against the date it could first be true and the payments can be planned.

Without a time the contract lets the stage be claimed at any moment after the stage before it:
a six-month sustainment the week after moving in, a job kept 26 weeks the day after it started.
The monitoring report can only refuse a claim as too early or too late when the stage says when
it can be reached, and the planned payments by month, quarter and year place a stage with no
time at the moment the stages before it are reached. The contract can still be paid, so this is
a warning, not an error. The entry to the funnel needs no time: it is the day a person joins.

```outcome
  milestone job_start   "Started work"           80 within 6 months
  target    job_26_weeks "In work for 26 weeks"  50 { achieves in_work }
payments {
  pay £2,000 for job_26_weeks
}
```

How to fix it: say when the stage can be reached: a sustainment period from the stage it runs
from, a deadline, or both:

```outcome
  target    job_26_weeks "In work for 26 weeks"  50 at least 26 weeks after job_start within 12 months { achieves in_work }
```
"#;

const E0524: &str = r#"Referral profile does not fit the referral window: a stated profile gives one share for each period of the referral window, and the shares add up to 100%, so that every planned participant is referred once.

`referrals per quarter 20%, 30%, 30%, 20%` says what part of all referrals each quarter of the
referral window brings, counted from the day referrals open (the first day of the term without
a `referrals` clause). The plan uses it to say when people reach each stage and when payments
fall due. Without a profile, referrals are spread evenly over every day of the window.

```outcome
contract "Routes Off the Streets" {
  term 2026-04-01 to 2029-03-31
  referrals from 2026-04-01 until 2027-06-30
  referrals per quarter 10%, 30%, 30%, 20%
}
```

The window runs over five quarters, and the four shares add up to 90%.

How to fix it: give one share for each period, a period with no referrals `0%`, adding up to
100%:

```outcome
  referrals per quarter 10%, 30%, 30%, 20%, 10%
```
"#;

const W0508: &str = r#"Paid step without evidence (warning): every step that is paid for should say what proves it was reached, so that each claim for payment can be checked.

A price on a milestone or target means the provider will claim payment for every participant
who reaches it. Without an `evidence` clause the contract does not say what proves that (a
signed register, an employer letter or payslip, a drug screen), and the question is settled in
a dispute later rather than agreed now. Outcome funds ask for the evidence of each paid outcome
for the same reason. The contract can still be paid, so this is a warning, not an error.

```outcome
funnel day_programme "Structured day programme" for adults {
  milestone attend "Attend 1st session" 50
}

payments {
  pay £100 for attend
}
```

How to fix it: say in the step's block what proves it was reached:

```outcome
  milestone attend "Attend 1st session" 50 {
    evidence "Attendance register signed by the participant"
  }
```
"#;

const E0509: &str = r#"Tier thresholds not strictly increasing: a tier schedule must climb in one direction, so that every result falls in exactly one tier.

`tiers on MEASURE { ... }` pays according to a measure's result. It is read from the bottom up:
`below X pays nothing` first, if it is written at all, then `from X pays ...` lines, each
threshold strictly higher than the one before. The `below` line must name the same threshold as
the first `from`, or a result between the two falls in no tier. A schedule also needs at least
one tier that pays.

```outcome
payments {
  tiers on reconviction_reduction {
    below 5% pays nothing
    from 7.5% pays £150,000
    from 12.5% pays £350,000
    from 10% pays £250,000
  }
}
```

How to fix it: start with `below`, at the first tier's threshold, and write the tiers from the
lowest threshold to the highest:

```outcome
  tiers on reconviction_reduction {
    below 7.5% pays nothing
    from 7.5% pays £150,000
    from 10% pays £250,000
    from 12.5% pays £350,000
  }
```
"#;

const W0510: &str = r#"Higher tier pays less (warning): a better result should never earn less, so that the provider always gains by improving.

Each tier of a schedule is for a better result than the tier below it. Here a higher tier pays
less than the one before, so a provider just over the lower threshold earns more than one that
achieves much more, and has a reason to stop improving. Usually two amounts were swapped or a
digit was dropped. The schedule can still be paid as written, so this is a warning, not an
error.

```outcome
payments {
  tiers on reconviction_reduction {
    below 7.5% pays nothing
    from 7.5% pays £150,000
    from 10% pays £25,000
    from 12.5% pays £350,000
  }
}
```

How to fix it: make each tier pay at least as much as the tier below it:

```outcome
    from 10% pays £250,000
```
"#;

const E0511: &str = r#"Bonus payable without beating the target: a bonus rewards doing better than planned, so that the commissioner does not pay extra for what the contract already buys.

A bonus condition names a step or a measure. For a step, the target is the number of people
expected there; for a measure, its `target` value. The condition must hold only for a better
result than that: `>=` or `>` with a threshold above the target. A bonus at the target
(`abstinent >= 10` when 10 people are expected), below it, or with `<` pays extra for meeting
the plan, or for missing it.

```outcome
funnel day_programme "Structured day programme" for adults {
  target abstinent "Drug free at 3 months" 10 {
    achieves drug_crime_free
  }
}

payments {
  bonus £5,000 if abstinent >= 10
}
```

How to fix it: set the threshold above the target:

```outcome
payments {
  bonus £5,000 if abstinent >= 12
}
```
"#;

const E0512: &str = r#"Penalty applies at the target: a penalty is for missing the target, so that a provider who delivers the plan is not charged for doing so.

A penalty or abatement condition names a step or a measure. For a step, the target is the
number of people expected there; for a measure, its `target` value. The condition must hold
only when the result falls short of that: `<` or `<=` with a threshold below the target. A
penalty at the target itself (`abstinent <= 10` when 10 people are expected), above it, or with
`>` would take money from a provider that did what the contract asked.

```outcome
funnel day_programme "Structured day programme" for adults {
  target abstinent "Drug free at 3 months" 10 {
    achieves drug_crime_free
  }
}

payments {
  penalty 10% of outcome payments if abstinent <= 10
}
```

How to fix it: set the threshold below the target:

```outcome
payments {
  penalty 10% of outcome payments if abstinent < 8
}
```
"#;

const E0513: &str = r#"Payer shares do not add up: when several bodies share the cost, their shares must cover it exactly, so that every pound has one payer.

Each `payer` line says what one body pays: an amount, a percentage, or `the rest`. Amounts are
paid first and percentages are shares of what remains. Without a payer of the rest, the
percentages must add up to exactly 100%; with one, they must not come to more than 100%. Only
one payer can pay `the rest`, since it is whatever the others leave.

```outcome
payments {
  payer "Bolton Council" pays 60%
  payer "Life Chances Fund" pays 30%    # 90%: who pays the other 10%?
}
```

How to fix it: make the percentages add up to 100%, or let one payer, and only one, pay the
rest:

```outcome
payments {
  payer "Life Chances Fund" pays 30%
  payer "Bolton Council" pays the rest
}
```
"#;

const E0514: &str = r#"Payments not fully funded by the payers: every pound the contract may pay must have a payer, so that the provider is never owed money that nobody has agreed to find.

The compiler shares the most the contract could pay between its payers: amounts first, then
percentages of what remains, then the payer of `the rest`, each stopping at its `up to` cap.
If the caps stop the payers before that maximum is covered, part of what the contract may pay
has no payer. The message shows how much is left unfunded.

```outcome
payments {
  cap £60,000 total
  payer "Life Chances Fund" pays 50% up to £20,000
  payer "Bolton Council" pays the rest up to £30,000
}
```

How to fix it: raise a payer's cap, let the payer of the rest pay without one, or lower the
contract's caps so that the payers cover the maximum:

```outcome
payments {
  cap £60,000 total
  payer "Life Chances Fund" pays 50% up to £20,000
  payer "Bolton Council" pays the rest up to £40,000
}
```
"#;

const E0515: &str = r#"Exclusive alternatives overlap: a step may be in one alternative of one `exclusive` rule, so that it is clear what one participant earns.

`exclusive A or B` pays for whichever alternative earns more for a participant, never both; an
alternative in brackets is a bundle of steps paid together. If a step is in two alternatives,
or in two `exclusive` rules, the alternatives overlap and what a participant earns is unclear.
A step shared by every alternative belongs outside the rule: it is then paid as well as the
richer alternative.

```outcome
payments {
  pay £500 for complete
  pay £3,000 for abstinent
  pay £2,000 for housed
  exclusive (complete, abstinent) or (complete, housed)
}
```

How to fix it: take the shared step out of the alternatives, so that its price is paid anyway
and only the rest is exclusive:

```outcome
  exclusive abstinent or housed
```
"#;

const W0516: &str = r#"Per-participant cap above what one participant can earn (warning): a cap should limit something, so that the contract does not show a limit that never applies.

The compiler adds up the whole rate card for each cohort: every paid step a participant could
reach, counting only the richer of any exclusive alternatives. Here the cap per participant is
higher than that sum, so no participant can ever reach it. Perhaps prices were lowered after
the cap was set, or the cap was meant to be lower. Nothing is paid wrongly, so this is a
warning, but the cap gives a false sense of control.

```outcome
payments {
  pay £100 for attend
  pay £3,000 for abstinent
  cap £5,000 per participant    # the rate card comes to £3,100
}
```

How to fix it: lower the cap to what you mean to limit one participant to, or remove it:

```outcome
payments {
  pay £100 for attend
  pay £3,000 for abstinent
}
```
"#;

const W0517: &str = r#"Per-participant cap cuts the end of a ladder (warning): the hardest result on a ladder should be paid in full, so that the provider keeps a reason to reach it.

A participant who climbs a whole ladder, from entry to a performance target, earns every price
on the way. If those prices add up to more than the cap per participant, the cap is reached
before the target, and the last and hardest step is paid only in part, or not at all. The money
then rewards the early steps, the opposite of what an outcome contract intends. A cap below the
rate card can be deliberate, so this is a warning, not an error.

```outcome
payments {
  pay £100 for attend
  pay £500 for complete
  pay £3,000 for abstinent
  cap £3,000 per participant    # the ladder comes to £3,600
}
```

How to fix it: raise the cap to the ladder's total, or lower the earlier prices:

```outcome
payments {
  pay £100 for attend
  pay £500 for complete
  pay £3,000 for abstinent
  cap £3,600 per participant
}
```
"#;

const W0518: &str = r#"Later step pays less than an earlier one (warning): money should follow the harder result, so that a provider never gains by stopping early.

Along a funnel each step is harder to reach than the one before it. Here a later paid step pays
less than the nearest paid step before it, so the provider earns more for getting a participant
part of the way than for the result. That invites "creaming": working with the people who will
reach the early payment, and no further. It may be deliberate, so this is a warning, not an
error.

```outcome
payments {
  pay £1,500 for complete
  pay £1,000 for abstinent    # abstinent comes after complete
}
```

How to fix it: pay at least as much for each later step as for the paid step before it:

```outcome
payments {
  pay £500 for complete
  pay £3,000 for abstinent
}
```
"#;

const W0519: &str = r#"Payments weighted on early engagement (warning): most outcome money should pay for results, so that the contract buys outcomes rather than activity.

The compiler works out each funnel's planned outcome payments: every step's price times the
number of people expected there. If more than half of it goes to milestones in the first half
of the sequence (enrolling, a first session), the contract mostly pays for engagement, and the
provider is well paid whatever the results. Fixed fees are not counted. This is a warning, not
an error, since some contracts pay for engagement on purpose.

```outcome
payments {
  pay £400 for attend       # 50 people: £20,000
  pay £1,000 for abstinent  # 10 people: £10,000
}
```

How to fix it: move the money towards the targets:

```outcome
payments {
  pay £100 for attend       # 50 people: £5,000
  pay £3,000 for abstinent  # 10 people: £30,000
}
```
"#;

const E0520: &str = r#"Year outside the term: a contract year must be one the contract has, so that fees, shares and grace periods fall when they are meant to.

`in year N` (on fixed fees and attachment shares) and `from year N` (on penalties) count contract
years from the start of the term: year 1 is its first twelve months, year 2 the next twelve, and
a last part year counts as a year. N must be a whole number from 1 to the number of years in the
term. A year after the end is usually a slip, or a clause left over from a longer draft.

```outcome
contract "Structured Day Programme" {
  term 2026-04-01 to 2028-03-31    # two contract years
}

payments {
  fixed £10,000 per quarter in year 1
  fixed £5,000 per quarter in year 4
}
```

How to fix it: name a year inside the term, or extend the term if the contract really runs
longer:

```outcome
payments {
  fixed £10,000 per quarter in year 1
  fixed £5,000 per quarter in year 2
}
```
"#;

const E0521: &str = r#"Share or fraction out of range: a share must lie between none and all of what it is a share of, so that the figures worked out from it mean something.

Three clauses take a share. An attachment fee (`fixed 20% of the per-participant maximum`) is
from 0% to 100% of that maximum. A bonus or penalty written as a share of outcome payments is at
most 100% of them. `deadweight K in N` discounts K of every N outcomes: both whole numbers, with
K at least 1 and less than N, since `deadweight 6 in 6` would pay for nothing at all. A value
outside these ranges is usually a typing slip.

```outcome
payments {
  fixed 120% of the per-participant maximum
  penalty 150% of outcome payments if abstinent < 5
  deadweight 6 in 6
}
```

How to fix it: write the share that is meant:

```outcome
payments {
  fixed 12% of the per-participant maximum
  penalty 15% of outcome payments if abstinent < 5
  deadweight 1 in 6
}
```
"#;

const E0550: &str = r#"Participant limit pays for no whole number of participants: a limit says how many participants are paid for, so it is a whole number of at least one.

`pay for at most N COHORT` pays for the first N participants of the cohort to reach a payable
result, and `pay for at most K in N COHORT` for K of every N on the cohort's list (its `size`,
rounded down to whole participants). A limit of 0, a fraction, or a share that rounds down to
nobody pays for no one: the contract would pay nothing for the cohort.

```outcome
payments {
  pay for at most 0 families
  pay for at most 1 in 200 carers
}
```

How to fix it: write how many participants are paid for, or a share that leaves at least one:

```outcome
payments {
  pay for at most 500 families
  pay for at most 5 in 6 carers
}
```
"#;

const E0551: &str = r#"Participant limit of more than every participant: `pay for at most K in N` pays for K of every N participants, so K is at most N.

The first number is how many participants are paid for in every group of the second: the
Troubled Families programme paid for at most 5 in every 6 families a council identified.
`7 in 6` would pay for more participants than there are; it is most often the two numbers
written the wrong way round.

```outcome
payments {
  pay for at most 6 in 5 families
}
```

How to fix it: put the smaller number first:

```outcome
payments {
  pay for at most 5 in 6 families
}
```
"#;

const E0552: &str = r#"Participant limit above the cohort's size: a cohort of 600 cannot have 700 participants paid for, so the limit would limit nothing.

A limit above the cohort's `size` never applies, and is usually the wrong cohort named or a
size that has changed since the limit was written.

```outcome
cohort families "Families identified by the council" {
  size 600
}

payments {
  pay for at most 700 families
}
```

How to fix it: lower the limit to the participants meant to be paid for, or correct the size:

```outcome
payments {
  pay for at most 500 families
}
```
"#;

const E0553: &str = r#"Participant limit as a share of a cohort with no size: `5 in 6` of a cohort is worked out from its size, which is not given.

A share limit pays for K of every N participants on the cohort's list; the list's length is the
cohort's `size`. Without one, neither the limit nor the maximum the contract can pay is known.

```outcome
cohort families "Families identified by the council"

payments {
  pay for at most 5 in 6 families
}
```

How to fix it: give the cohort its size, or write how many participants are paid for:

```outcome
cohort families "Families identified by the council" {
  size 600
}

payments {
  pay for at most 5 in 6 families
}
```
"#;

const W0555: &str = r#"Participant limit that never applies: the limit pays for every participant the cohort can hold.

`pay for at most 600 families` on a cohort of 600, or `pay for at most 6 in 6`, limits nothing.
It is a warning, not an error, because the figures are right; but the limit reads as if some
participants were not paid for, which they all are.

```outcome
cohort families "Families identified by the council" {
  size 600
}

payments {
  pay for at most 600 families
}
```

How to fix it: lower the limit to what is meant, or remove it:

```outcome
payments {
  pay for at most 500 families
}
```
"#;

const E0554: &str = r#"Group cap of nothing: a group's cap is the most its stages pay together, so a cap of £0 would make every price in the group unpayable.

A `group` groups priced stages into a domain of the rate card (accommodation, education,
employment) and may cap what they pay together over the contract. A cap of nothing leaves the
prices written but never paid, which is never what a rate card means.

```outcome
payments {
  pay £500 for housed
  pay £1,500 for sustained_6m
  group accommodation "Accommodation" cap £0 { housed, sustained_6m }
}
```

How to fix it: write the most the group pays, or remove the group's prices:

```outcome
payments {
  pay £500 for housed
  pay £1,500 for sustained_6m
  group accommodation "Accommodation" cap £250,000 { housed, sustained_6m }
}
```
"#;

const W0556: &str = r#"Group cap that never applies: the group's stages cannot pay as much as its cap, even at the maximum.

A group's cap limits what its stages pay together. At the maximum every participant who can be
paid reaches every stage; if the group's part of the maximum (after the per-participant maximum,
participant limits and deadweight) is no more than the cap, the cap never cuts anything. It is a
warning, not an error, because the figures are right; but the cap reads as a limit that is not
there. With 100 participants, £500 and £1,500 pay at most £200,000:

```outcome
payments {
  pay £500 for housed
  pay £1,500 for sustained_6m
  group accommodation "Accommodation" cap £250,000 { housed, sustained_6m }
}
```

How to fix it: lower the cap to what is meant to be limited, or remove it:

```outcome
payments {
  pay £500 for housed
  pay £1,500 for sustained_6m
  group accommodation "Accommodation" cap £150,000 { housed, sustained_6m }
}
```
"#;

const E0522: &str = r#"Threshold of the wrong kind: a condition must compare like with like, so that it can be decided from the monitoring returns.

A bonus or penalty on a step counts people, so its threshold is a whole number, like the number
expected there (`abstinent >= 12`). On a measure the threshold is of the kind the measure's
`target` is written in: a percentage for a rate, a plain number for a count. Every threshold of
one tier schedule must be of the same kind. `abstinent >= 15%` cannot be decided: 15% of what?

```outcome
measure abstinence_rate "Completers drug free at 3 months" {
  question better_off
  target 40% by 2027
}

payments {
  bonus £5,000 if abstinent >= 15%
  bonus £5,000 if abstinence_rate >= 45
}
```

How to fix it: compare a step with a number of people, and a measure with a value written as
its target is:

```outcome
payments {
  bonus £5,000 if abstinent >= 12
  bonus £5,000 if abstinence_rate >= 45%
}
```
"#;

const E0530: &str = r#"Figure too large to compute exactly: every figure the contract implies is exact or refused.

The checker computes figures from the contract: what one participant can earn, each cohort's
maximum (its size times what each participant can earn), the payments at plan, the planned
total cost and the maximum exposure. Every one of them is computed exactly, in whole pence or
cents, and must be at most 10^15 in the contract's currency (£1,000,000,000,000,000, a thousand
million million pounds). A figure beyond that is refused rather than computed, so no report or
JSON output ever shows a number that has silently wrapped round. Prices, counts and caps can
each be written with twelve whole digits, so only their products and sums can go so far, and
almost always because of a slip of the keyboard.

```outcome
cohort adults "Adults referred" {
  size 999,999,999,999
}

payments {
  pay £999,999,999,999 for abstinent
}
```

The message names the figure (such as "the payment at plan for `abstinent`" or "the maximum
exposure") and points at the clause that drives it.

How to fix it: correct the count or amount that was mistyped:

```outcome
cohort adults "Adults referred" {
  size 100
}

payments {
  pay £3,000 for abstinent
}
```
"#;

// ───────────────────────────── 054x: rules `outcome sql` does not compile ─────────────────────────────

const E0540: &str = r#"Rule that cannot be compiled to SQL: the SQL computes only what the rows of a return decide, each payment line on its own.

`outcome sql` compiles a contract's monitoring report into SQL views over a table of return
rows. Tier payments are paid on the measured value of a cohort-level measure (a reconviction
reduction, say), which is not a row of a return: the native report reads it from
`outcome report --measures FILE`. The SQL has no table to read it from, so rather than compute
payments that leave the tiers out, `outcome sql` refuses the contract. `check` does not raise
this code: the contract is sound.

```outcome
payments {
  tiers on reconviction_reduction pooled {
    below 7.5% pays nothing
    from 7.5% pays £100,000
  }
}
```

How to fix it: report this contract with `outcome report CONTRACT --returns FILE --measures
VALUES`. The refusal names the clause of the tier schedule.

A participant limit (`pay for at most 5 in 6 families`) is refused with the same code: which
participants are paid for depends on the order in which every participant of the cohort first
reached a payable result, which the views do not compute. Report such a contract with
`outcome report`, which applies the limit and traces it on each payment line.
"#;

const E0541: &str = r#"Bonus or penalty on a measure cannot be compiled to SQL: the SQL computes only what the rows of a return decide.

A bonus or penalty whose condition is on a measure (`if sustained_job_rate < 45%`) is paid on
measured values, which are not rows of a return. `outcome sql` has no table to read them from,
so it refuses the contract rather than leave the bonus or penalty out. A bonus or penalty on
the number of people reaching a stage (`if abstinent >= 12`) is computed from the rows and does
compile. `check` does not raise this code: the contract is sound.

```outcome
payments {
  penalty 5% of outcome payments if sustained_job_rate < 45% assessed annually from year 2
}
```

How to fix it: report this contract with `outcome report CONTRACT --returns FILE --measures
VALUES`. The refusal names the clause of the bonus or penalty.
"#;

const E0542: &str = r#"Contract text or figure the SQL cannot hold: a name with a NUL character, or a fee that has no maximum to be a share of.

`outcome sql` writes the contract's names into the SQL as string literals, quoted so that no
text can end them. A database cannot hold the NUL character in text at all (PostgreSQL refuses
it), so a name that holds one is refused. An attachment fee is a share of the most one
participant can earn; a cohort for which `check` computes no such maximum has no fee to write
in, and the contract is refused rather than paid without it. `check` does not raise this code.

```outcome
payments {
  payer "Harbourside\u{0}Council" pays the rest
}
```

(the `\u{0}` stands for a NUL character in the file, which no editor shows.)

How to fix it: take the NUL character out of the name, or give the cohort a size or the
contract a per-participant cap so that the maximum is known.
"#;

const E0560: &str = r#"`excess pro rata` on a payer that does not pay a percentage: the cap can only send to the others what it cuts from a percentage.

`payer "NAME" pays P% up to AMOUNT, excess pro rata` says that once the payer's percentage
reaches its cap, what the cap cuts falls to the other payers in proportion to their shares.
A payer of an amount or of the rest has no percentage to cut, so the clause means nothing.

```outcome
payments {
  payer "Life Chances Fund" pays £1,075,000 up to £1,075,000, excess pro rata
  payer "Kirklees Council" pays the rest
}
```

How to fix it: give the payer its percentage, which is what an outcomes fund usually grants:

```outcome
payments {
  payer "Life Chances Fund" pays 45.26% up to £1,075,000, excess pro rata
  payer "Kirklees Council" pays the rest
}
```
"#;

const E0561: &str = r#"No payer to take a capped payer's excess: `excess pro rata` shares what the cap cuts between the other payers of a percentage or of the rest, and there is none.

Payers of an amount pay that amount and no more, so they never take a share of the excess.

```outcome
payments {
  payer "Life Chances Fund" pays 45.26% up to £1,075,000, excess pro rata
  payer "Kirklees Council" pays £1,300,000
}
```

How to fix it: let the other payers pay a percentage or the rest:

```outcome
payments {
  payer "Life Chances Fund" pays 45.26% up to £1,075,000, excess pro rata
  payer "Kirklees Council" pays the rest
}
```
"#;

const E0562: &str = r#"No payer for the fixed fees and bonuses: every payer pays `of outcome payments` only, and the contract has fixed fees or bonuses.

`of outcome payments` after a payer's share says the share is of the outcome payments
(prices, attachment fees and tier payments) only: a national outcomes fund often pays towards
results but not towards a service fee. The fixed fees and bonuses are then shared between the
other payers. When every payer is of outcome payments only, nobody pays them.

```outcome
payments {
  fixed £5,000 per quarter
  payer "Life Chances Fund" pays 45.26% of outcome payments
  payer "Kirklees Council" pays the rest of outcome payments
}
```

How to fix it: let the local commissioner pay its share of everything:

```outcome
payments {
  fixed £5,000 per quarter
  payer "Life Chances Fund" pays 45.26% of outcome payments
  payer "Kirklees Council" pays the rest
}
```
"#;

const E0563: &str = r#"Payer's cap below the amount it pays: a payer of an amount `up to` less than that amount would never pay what the clause says.

```outcome
payments {
  payer "Ministry of Justice" pays £500,000 up to £400,000
  payer "Eastbridge Police and Crime Commissioner" pays the rest
}
```

How to fix it: write the amount the payer really pays, or raise its cap:

```outcome
payments {
  payer "Ministry of Justice" pays £400,000
  payer "Eastbridge Police and Crime Commissioner" pays the rest
}
```
"#;

const E0564: &str = r#"Payer named twice: two payer clauses name the same payer (ignoring capitals and the
spaces around the name). Each payer's part is shown on its own line of the contract's figures
and of every monitoring report, so the same body would appear twice, each with part of its
share, and a reader adding up what it pays would have to find both.

```outcome
payments {
  payer "Life Chances Fund" pays 40%
  payer "Bolton Council" pays 30%
  payer "life chances fund" pays the rest
}
```

How to fix it: give the payer one clause with its whole share, or name the second payer
correctly:

```outcome
payments {
  payer "Life Chances Fund" pays 70%
  payer "Bolton Council" pays the rest
}
```
"#;

const W0565: &str = r#"Payer's cap never reached: a payer with `excess pro rata` whose percentage stays below its cap even at the maximum exposure, so nothing ever falls to the others.

The clause is not wrong, but it never applies, and a reader may think the payer's grant is
what limits it. Often the cap was copied from a grant letter for a larger programme.

```outcome
payments {
  cap £1,000,000 total
  payer "Life Chances Fund" pays 40% up to £1,075,000, excess pro rata
  payer "Kirklees Council" pays the rest
}
```

How to fix it: lower the cap to the grant for this contract, or remove `, excess pro rata`.
"#;

// ───────────────────────────── 06: links between outcomes, targets, measures, cohorts ─────────────────────────────

const E0610: &str = r#"Priced stage in two groups: each priced stage belongs to at most one group, so that the sub-totals by group add up to the total.

Groups split the rate card into domains, and the figures are shown per group with a row for
the stages in no group. A stage in two groups would be counted twice, and the rows would no
longer add up to the contract's totals; a stage listed twice in one group says nothing more.

```outcome
payments {
  group accommodation "Accommodation" { housed, sustained_6m }
  group wellbeing "Wellbeing" { sustained_6m, volunteering }
}
```

How to fix it: keep the stage in the one domain it is reported under:

```outcome
payments {
  group accommodation "Accommodation" { housed, sustained_6m }
  group wellbeing "Wellbeing" { volunteering }
}
```
"#;

const E0611: &str = r#"Group lists something that is not a priced stage: a group lists the results of the rate card, the stages the contract pays for.

Rate cards group their results (the priced stages: most are milestones such as "entry into
stable accommodation", some are targets) under domain headings. A group therefore lists stages
priced with `pay £X for stage`: not an outcome, a cohort or a measure, and not a stage that has
no price, whose payments would always be nothing.

```outcome
payments {
  pay £500 for housed
  group accommodation "Accommodation" { housed, stable_home }
}
```

Here `stable_home` is an outcome. How to fix it: list the priced stages that pay for it, or
price the stage:

```outcome
payments {
  pay £500 for housed
  pay £1,500 for sustained_6m
  group accommodation "Accommodation" { housed, sustained_6m }
}
```
"#;

const E0612: &str = r#"Group with no stages: a group must list at least one priced stage.

An empty group adds a row of nothing to every table of sub-totals, and a cap on it limits
nothing.

```outcome
payments {
  group volunteering "Volunteering" { }
}
```

How to fix it: list the priced stages of the domain, or remove the group:

```outcome
payments {
  pay £800 for volunteered_13w
  group volunteering "Volunteering" { volunteered_13w }
}
```
"#;

const E0601: &str = r#"Target achieves no outcome: every performance target must be linked to an outcome, so that the contract says why the result is worth paying for.

A performance target is a specific, verifiable change for the people served. It matters because
it contributes to an outcome, the change the commissioner wants ("drug and crime free"). Each
`target` must say which outcome or outcomes it achieves, with `achieves` inside its block.

```outcome
funnel day_programme "Structured day programme" for adults {
  milestone complete "Complete as planned" 25
  target abstinent "Drug free at 3 months" 10 within 3 months {
    evidence "Negative drug screen at 3 months"
  }
}
```

How to fix it: add `achieves` with the name of the outcome, defining the outcome if needed:

```outcome
  target abstinent "Drug free at 3 months" 10 within 3 months {
    achieves drug_crime_free
    evidence "Negative drug screen at 3 months"
  }
```
"#;

const W0602: &str = r#"Outcome addressed by no target or measure (warning): every outcome stated should be worked towards or tracked, so that the contract does not promise changes nobody follows.

An outcome states a change the commissioner wants. If no target `achieves` it and no measure
`tracks` it, the contract neither holds the provider to it nor watches whether it happens. The
outcome may belong to a shared framework and be used elsewhere, so this is a warning, not an
error.

```outcome
outcome drug_crime_free "Drug and crime free"
outcome employment "In work or training"

measure abstinence_rate "Completers drug free at 3 months" {
  question better_off
  tracks drug_crime_free
}
```

How to fix it: link the outcome to a target with `achieves`, track it with a measure, or remove
it if it is not part of this contract:

```outcome
measure in_work "Completers in work or training at 6 months" {
  question better_off
  tracks employment
}
```
"#;

const W0603: &str = r#"Cohort used by no funnel (warning): every cohort described should be served by a funnel, so that the people the contract names are planned for.

A cohort says who is served and how many. If no funnel is `for` it, the contract sets out no
milestones or targets for these people, and no payments follow for them. It may be a leftover
from an earlier draft, or a funnel may name the wrong cohort. This is a warning, not an error.

```outcome
cohort adults "Adults referred for treatment" { size 100 }
cohort young_people "Young people aged 14 to 17" { size 20 }

funnel day_programme "Structured day programme" for adults {
  milestone enrol "Enrol in project" 100
}
```

How to fix it: add a funnel for the cohort, correct a funnel's `for`, or remove the cohort:

```outcome
funnel youth_programme "Young people's programme" for young_people {
  milestone enrol "Enrol in project" 20
}
```
"#;

const E0208: &str = r#"A used file must exist: a `use` names a file that is not there.

`use "path"` brings another file's outcomes, cohorts and measures into this contract, so a
council can keep one outcomes framework for all its contracts. The path is relative to the
folder of the file that says `use`. If no file is found there, nothing can be shared, and every
name the contract expected from it is unknown too. A file checked on its own, without a folder
(for example text given to the library directly), cannot use others at all.

```outcome
# contracts/housing.outcome
use "framework/outcomes.outcome"      # but the framework is in ../framework/
```

How to fix it: correct the path relative to this file:

```outcome
use "../framework/outcomes.outcome"
```
"#;

const E0209: &str = r#"Used files form no circle: two or more files use each other.

If `a.outcome` uses `b.outcome` and `b.outcome` uses `a.outcome`, neither can be read first,
so neither's names are known to the other. Each file in the circle reports it, on its `use`
that leads into the circle, whether it is checked alone or with the rest: the message lists
the files in the circle in the order they use each other, from that file back to it.

```outcome
# framework/outcomes.outcome
use "measures.outcome"
outcome housed "Settled housing"

# framework/measures.outcome
use "outcomes.outcome"
measure tenancy_rate "Tenancies sustained" { question better_off tracks housed }
```

How to fix it: let the use go one way only. Measures track outcomes, so the measures file uses
the outcomes file and not the reverse; a contract that uses the measures file sees both:

```outcome
# framework/outcomes.outcome
outcome housed "Settled housing"
```
"#;

const E0210: &str = r#"A used file lies inside the contract repository: a `use` leads outside it.

A contract repository is the folder that holds `.git` above the contract (or the folder given
to `outcome check`). A `use` may name any file inside it, but not one outside, and not by an
absolute path: a contract must mean the same on every machine that checks it out, and a check
must never read files it has no business reading. Such a path is refused before anything is
read.

```outcome
use "../../../shared/outcomes.outcome"    # climbs out of the repository
use "/etc/passwd"                          # an absolute path
```

How to fix it: copy the shared file into the repository and name it relative to the contract:

```outcome
use "framework/outcomes.outcome"
```
"#;

const E0211: &str = r#"Only a file of shared declarations can be used, and only once it checks clean.

A used file offers its outcomes, cohorts and measures to the contracts that use it. Two kinds
of file cannot be used: a contract (a file with a `contract` block, funnels, payments or
monitoring), because its funnels and money belong to it alone; and a file with errors, because
what it offers is not yet known. The errors of a used file are reported when that file itself
is checked (`outcome check` on the folder checks every file once).

A `use` is also refused when the file it names starts a chain of more than 64 files (it uses
another, which uses another, and so on): a file may lead into 64 files in a row, not 65. Files
that use the refused one are told it has errors.

```outcome
# contracts/employment.outcome uses another contract
use "housing.outcome"
```

How to fix it: move the outcomes, cohorts and measures both contracts need into a framework
file without a contract block, and use that from each; or fix the used file's errors first:

```outcome
use "../framework/outcomes.outcome"
```
"#;

const E0111: &str = r#"A contract file is at most 16 MB: a larger file is not read.

A real contract, however many funnels and measures it holds, is well under a megabyte; a file
of many megabytes is almost always something else saved with the wrong name, or a generated
file gone wrong. Refusing it keeps `outcome check` quick and its memory modest in CI.

```outcome
# contracts/everything.outcome — 40 MB of generated funnels
```

How to fix it: split the contract. Outcomes, cohorts and measures shared by several contracts
belong in a framework file each contract uses:

```outcome
use "framework/outcomes.outcome"
```
"#;

// ───────────────────────────── 057x: payment per unit and either-or triggers ─────────────────────────────

const E0570: &str = r#"Payment per unit without a cap: a tier that pays per unit of improvement says the most it pays.

A tier can pay a price for each unit of measured improvement against the comparison group (each
reconviction event avoided). An improvement has no upper bound written in the contract, so
without a cap neither has the payment, and the maximum exposure could not be bounded.

```outcome
tiers on reconviction_events per cohort {
  below 10% pays nothing
  from 10% pays £2,000 per unit
}
```

How to fix it: add the most one evaluation (one cohort, or the pooled result) pays:

```outcome
  from 10% pays £2,000 per unit up to £400,000
```
"#;

const E0571: &str = r#"Cap reached at the threshold: a tier paid per unit would pay its cap for every result in it.

The units a tier's threshold stands for are the threshold's share of the comparison group's
level, the measure's `baseline` (for one cohort; times the number of cohorts when pooled). When
those units at the price already reach the cap, every result in the tier pays the cap: the
price per unit does nothing, and the tier is a flat payment written as if it were not.

```outcome
measure reconviction_events "Reconviction events in the year after release" {
  compared with "Matched men released from other prisons"
  baseline 1,000 in 2025
  target 10% by 2029
}

payments {
  tiers on reconviction_events per cohort {
    below 10% pays nothing
    from 10% pays £2,000 per unit up to £150,000
  }
}
```

Here 10% of 1,000 is 100 units, at £2,000 each £200,000, above the £150,000 cap.

How to fix it: raise the cap above what the threshold pays (`up to £400,000`), or write a step
tier (`from 10% pays £150,000`) if a flat payment is meant.
"#;

const E0572: &str = r#"Improvement cannot be counted in units: a tier paid per unit needs a comparison group and a baseline level.

A unit of improvement is the comparison group's value less the cohort's, in the measure's own
unit (reconviction events). The measure must be `compared with` a group, or there is nothing to
count against; and its `baseline` must be a plain number, the comparison group's level for one
cohort, or the plan cannot count the units its target reduction stands for.

```outcome
measure reconviction_events "Reconviction events in the year after release" {
  baseline 12% in 2025
  target 10% by 2029
}
```

How to fix it: set the measure against its comparison group and give the comparison level as a
number:

```outcome
measure reconviction_events "Reconviction events in the year after release" {
  compared with "Matched men released from other prisons"
  baseline 1,000 in 2025
  target 10% by 2029
}
```
"#;

const E0573: &str = r#"Either-or alternatives that pay for different results: the larger of two payments is fair only when both pay for one result.

An either-or trigger (a tier schedule, then `or tiers ...`) pays the larger of its alternatives,
never both: a cohort is paid on its own reduction, or all cohorts on the pooled reduction. That
only makes sense when the alternatives measure the same thing, once per cohort and once pooled.
Alternatives on measures that are not set against the same comparison group, or two
alternatives with the same scope, are refused.

```outcome
tiers on reconviction_events per cohort {
  below 10% pays nothing
  from 10% pays £2,000 per unit up to £400,000
}
or tiers on reconviction_events per cohort {
  below 7.5% pays nothing
  from 7.5% pays £1,000 per unit up to £300,000
}
```

How to fix it: make one alternative `per cohort` and the other `pooled`, on the same measure; or
write two schedules without `or` if both are meant to pay.
"#;

const E0574: &str = r#"Either-or alternative with no schedule before it: `or tiers` is an alternative to the tier schedule written directly before it.

```outcome
payments {
  pay £300 for housed
  or tiers on reconviction_events pooled {
    below 7.5% pays nothing
    from 7.5% pays £2,000 per unit up to £1,200,000
  }
}
```

How to fix it: move the `or tiers ...` schedule to directly after the `tiers ...` schedule it is
the alternative to, or remove the `or` if it is a schedule of its own.
"#;

const W0575: &str = r#"Pooled alternative's threshold not below the per-cohort one: the pooled result can then pay only where a cohort has already been paid.

In an either-or trigger, the pooled result is an average of the cohorts' results, weighted by
their comparison groups. When the pooled alternative's first threshold is at or above the
per-cohort one, the pooled result reaches it only if some cohort reached its own threshold
too, so the pooled alternative is never the second chance it is usually meant to be. The
Peterborough bond set 10% for each cohort and 7.5% for all cohorts pooled.

```outcome
tiers on reconviction_events per cohort {
  below 10% pays nothing
  from 10% pays £2,000 per unit up to £400,000
}
or tiers on reconviction_events pooled {
  below 10% pays nothing
  from 10% pays £2,000 per unit up to £1,200,000
}
```

How to fix it: set the pooled threshold below the per-cohort one (`below 7.5% pays nothing`,
`from 7.5% pays ...`), or keep it if the pooled alternative is meant only to top up.
"#;

// ───────────────────────────── 07: bids and specifications ─────────────────────────────

const E0701: &str = r#"Bid on a file that is not a specification: a bid names the specification it answers, and that file must say how bids are held to it.

A specification is an ordinary contract with a `bidding` block: the ceilings on prices, the
floors on expected counts and the stages every bid must price. A bid's `on "..."` names it. A
contract without a `bidding` block, a framework of shared outcomes, or another bid is not a
specification.

```outcome
bid "Phoenix Futures" on "drug-service.outcome" {   # a contract with no `bidding` block
  pay £3,200 for abstinent
}
```

How to fix it: name the specification file, or add a `bidding` block to the contract the bid
answers:

```outcome
bidding {
  price at most £3,500 for abstinent
}
```
"#;

const E0702: &str = r#"Declaration beside a bid: a bid file holds one bid and nothing else.

A bid states only what the bidder offers: its prices and its expected counts. Everything else
(the outcomes, the cohorts, the funnels, the caps, the term) is the specification's, so that
every bid is evaluated on the same contract. An outcome, a funnel, a `payments` block or a
second `bid` in the same file is refused.

```outcome
bid "Phoenix Futures" on "specification.outcome" {
  pay £3,200 for abstinent
}

payments {                      # the specification's, not the bid's
  cap £120,000 total
}
```

How to fix it: keep the bid alone in its file; ask for the change to the specification, or
write a second bid in a file of its own.
"#;

const E0703: &str = r#"Bid on a specification with errors: a bid is held against the specification's checked contract, so the specification must check clean first.

Evaluating a bid means checking the specification with the bid's prices and expected counts in
place of its own. When the specification itself has errors, there is no contract to put the
bid's figures into, and no figure of the bid could be trusted.

```outcome
bid "Phoenix Futures" on "specification.outcome" {   # specification.outcome has errors
  pay £3,200 for abstinent
}
```

How to fix it: run `outcome check` on the specification and fix its errors; then check the bid
again.
"#;

const E0704: &str = r#"Price above its ceiling: a bid may not ask more for a stage than the specification's `price at most`.

The specification sets the most it will pay for a stage in its `bidding` block. A bid that asks
more is refused, whatever its other figures: the commissioner has said it cannot pay that
price. The message names the ceiling and where the specification states it.

```outcome
# in the specification
bidding {
  price at most £3,500 for abstinent
}

# in the bid
bid "Phoenix Futures" on "specification.outcome" {
  pay £3,800 for abstinent          # above the ceiling of £3,500
}
```

How to fix it: lower the price to the ceiling or below it (`pay £3,500 for abstinent`).
"#;

const E0705: &str = r#"Expected count below its floor: a bid must expect at least as many people at a stage as the specification's `expected at least`.

A floor says the fewest results the commissioner will buy: a bid that expects fewer people to
reach the stage is refused. A bid that states no count for the stage keeps the
specification's, which is then held to the floor too.

```outcome
# in the specification
bidding {
  expected at least 10 for abstinent
}

# in the bid
bid "Phoenix Futures" on "specification.outcome" {
  expected 8 for abstinent          # below the floor of 10
}
```

How to fix it: expect at least the floor (`expected 10 for abstinent`), with the service and the
funnel to reach it.
"#;

const E0706: &str = r#"Required stage not priced: a bid must price every stage the specification's `require` lists.

A bid's `pay` clauses are its whole rate card: a stage of the specification the bid does not
price is not paid for. The specification's `require` names the stages every bid must keep, so
that each bid pays for the results the commissioner is buying.

```outcome
# in the specification
bidding {
  require attend, abstinent
}

# in the bid: `attend` is not priced
bid "Phoenix Futures" on "specification.outcome" {
  pay £3,200 for abstinent
}
```

How to fix it: add a price for the stage (`pay £100 for attend`).
"#;

const E0707: &str = r#"Bid prices a stage the specification does not pay for: a bid prices only the stages the specification prices.

The specification's `payments` block says which stages are paid for, with an indicative price
for each; a bid replaces those prices with its own. A stage the specification does not pay
for cannot be priced by a bid: every bid must be evaluated on the same payment rules.

```outcome
# the specification prices `attend` and `abstinent` only
bid "Phoenix Futures" on "specification.outcome" {
  pay £50 for drug_free             # not a priced stage of the specification
}
```

How to fix it: price only the stages the specification prices; ask the commissioner to add
the stage to the specification if it should be paid for.
"#;

const E0708: &str = r#"Bidding rule on a stage the specification does not price: a ceiling or a requirement needs a price to apply to.

`price at most` limits what a bid asks for a stage, and `require` says a bid must price it. Both
only make sense for a stage the specification's `payments` block pays for, with an indicative
price.

```outcome
payments {
  pay £3,000 for abstinent
}

bidding {
  price at most £150 for attend     # `attend` has no price
}
```

How to fix it: add the indicative price (`pay £100 for attend`) or drop the rule.
"#;

const E0709: &str = r#"Bid on another specification: `outcome evaluate SPEC BID...` compares bids on one specification.

Each bid names the specification it answers with `on "..."`. A bid that names another file than
the one given to `outcome evaluate` answers another tender, and its figures cannot be compared
with the others'.

```outcome
# outcome evaluate tender/specification.outcome other/bid.outcome
bid "Phoenix Futures" on "other-specification.outcome" {
  pay £3,200 for abstinent
}
```

How to fix it: evaluate the bid with the specification it names, or correct the path in its
`on "..."`.
"#;

const W0720: &str = r#"Specification outside its own bidding rules: the specification's indicative figures break the ceilings or floors it sets for bids.

A specification is a contract with indicative prices and volumes, and a `bidding` block. When
its own price for a stage is above the ceiling, or its own expected count below the floor, a
bid that copied the specification's figures would be refused: the rules or the figures are
probably mistaken.

```outcome
payments {
  pay £4,000 for abstinent
}

bidding {
  price at most £3,500 for abstinent   # below the specification's own price
}
```

How to fix it: make the indicative figures keep the rules, or correct the rules.
"#;
