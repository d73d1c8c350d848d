//! Tiers that pay per unit of improvement: `from 10% pays £2,000 per unit up to £1,500,000`.
//!
//! A unit is one unit of the measure's own value, counted against the comparison group: the
//! comparison group's value less the cohort's (reconviction events avoided, when the measure
//! counts reconviction events). The tier's threshold still reads the result as every tier does,
//! the reduction against the comparison group. Takes a schedule's per-unit lines and the
//! measure they are on; hands on the checks (E0570–E0572), the payment at plan, and the one
//! function that turns units into money, which the monitoring report uses too.

use crate::ast::{Threshold, TierLine};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Measure, MeasureValue};
use crate::source::{Span, Spanned};
use crate::value::{mul_div_rounded, Decimal, Money};

/// What `units` of improvement pay at `rate` each, limited to `up_to`: `rate × units` rounded
/// once to the nearest minor unit, halves away from zero (£2,000 × 0.0025 units is 500p;
/// £0.01 × 12.5 units is 12.5p → 13p), then the cap. No units, or fewer than none, pay nothing.
/// `None` when the product cannot be held exactly.
pub fn pays_for_units(rate: i128, units: Decimal, up_to: i128) -> Option<i128> {
    if units.mantissa <= 0 {
        return Some(0);
    }
    let scale = 10_i128.checked_pow(units.scale)?;
    Some(mul_div_rounded(rate, units.mantissa, scale)?.min(up_to))
}

/// `d` without trailing zeros after the decimal point: 100.000 is 100, 12.50 is 12.5.
pub fn trimmed(mut d: Decimal) -> Decimal {
    while d.scale > 0 && d.mantissa % 10 == 0 {
        d.mantissa /= 10;
        d.scale -= 1;
    }
    d
}

/// The units of improvement a reduction of `share` percent on a comparison level of `level`
/// units is: `level × share ÷ 100`, exact.
pub fn units_at(level: Decimal, share: Decimal) -> Option<Decimal> {
    let scale = level.scale.checked_add(share.scale)?.checked_add(2)?;
    Some(Decimal {
        mantissa: level.mantissa.checked_mul(share.mantissa)?,
        scale,
    })
}

/// The comparison group's level for one evaluation: the measure's `baseline`, a plain number,
/// for one cohort; `cohorts` times that for a schedule pooled across them.
pub fn comparison_level(measure: &Measure, cohorts: u64) -> Option<Decimal> {
    match measure.baseline.as_ref()?.value {
        MeasureValue::Number(level) => Some(Decimal {
            mantissa: level.mantissa.checked_mul(i128::from(cohorts))?,
            scale: level.scale,
        }),
        MeasureValue::Percent(_) | MeasureValue::Money(_) => None,
    }
}

/// A per-unit line's cap, after its checks: the cap is written (E0570); units can be counted,
/// against a comparison group from a baseline level (E0572); and the threshold does not
/// already reach the cap (E0571), which would make the price per unit a flat payment.
pub fn check_line(
    line: &TierLine,
    rate: Spanned<Money>,
    measure: &Measure,
    measure_span: Span,
    cohorts: u64,
    out: &mut Vec<Diagnostic>,
) -> Option<Money> {
    let per_unit = line.per_unit.as_ref()?;
    let Some(up_to) = per_unit.up_to else {
        out.push(
            Diagnostic::new(
                Code::E0570,
                format!(
                    "the payment of {} per unit from {} has no cap",
                    rate.value, line.threshold.value
                ),
                per_unit.span,
                "no `up to` amount",
            )
            .help(format!(
                "a measured improvement has no upper bound, so neither has the payment; add the most one evaluation pays: `{} per unit up to £1,500,000`",
                rate.value
            )),
        );
        return None;
    };
    if measure.compared_with.is_none() {
        out.push(
            Diagnostic::new(
                Code::E0572,
                format!(
                    "`{}` is paid per unit of improvement but has no comparison group",
                    measure.id
                ),
                per_unit.span,
                "units counted against nothing",
            )
            .also(measure_span, "the measure")
            .help(format!(
                "a unit of improvement is the comparison group's value less the cohort's; add `compared with \"...\"` to `{}`, or pay in steps",
                measure.id
            )),
        );
        return None;
    }
    let Some(level) = comparison_level(measure, cohorts) else {
        out.push(
            Diagnostic::new(
                Code::E0572,
                format!(
                    "`{}` is paid per unit of improvement but has no baseline level to plan from",
                    measure.id
                ),
                per_unit.span,
                "units cannot be planned",
            )
            .also(measure_span, "the measure")
            .help(format!(
                "give `{}` the comparison group's level for one cohort as a plain number, `baseline 1,000 in 2025`, so that the plan can count units",
                measure.id
            )),
        );
        return None;
    };
    if let Threshold::Percent(share) = line.threshold.value {
        let at_threshold = units_at(level, share.0)
            .and_then(|units| pays_for_units(rate.value.minor, units, i128::MAX));
        if let Some(at_threshold) = at_threshold {
            if at_threshold >= up_to.value.minor {
                let units =
                    units_at(level, share.0).map_or_else(String::new, |u| trimmed(u).to_string());
                out.push(
                    Diagnostic::new(
                        Code::E0571,
                        format!(
                            "the cap of {} is reached at the threshold: {} of {} is {units} units, at {} each {}",
                            up_to.value,
                            line.threshold.value,
                            level,
                            rate.value,
                            Money::new(at_threshold, up_to.value.currency)
                        ),
                        up_to.span,
                        "no more than the threshold already pays",
                    )
                    .also(line.threshold.span, "the threshold")
                    .help("every result in the tier would pay the cap, a flat payment; raise the cap above what the threshold pays, or write a step tier `from X pays AMOUNT`"),
                );
                return None;
            }
        }
    }
    Some(up_to.value)
}

/// What a per-unit tier pays at plan for one evaluation: the measure's target reduction of the
/// comparison level, at the rate, up to the cap. Nothing without a target percentage.
pub fn at_plan(measure: &Measure, rate: i128, up_to: i128, cohorts: u64) -> Option<i128> {
    let Some(MeasureValue::Percent(target)) = measure.target.as_ref().map(|t| t.value) else {
        return Some(0);
    };
    let level = comparison_level(measure, cohorts)?;
    pays_for_units(rate, units_at(level, target.0)?, up_to)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(mantissa: i128, scale: u32) -> Decimal {
        Decimal { mantissa, scale }
    }

    #[test]
    fn fractions_of_a_penny_round_half_away_from_zero_once() {
        // 1p × 12.5 units = 12.5p → 13p; 1p × 12.4 units = 12.4p → 12p.
        assert_eq!(pays_for_units(1, d(125, 1), i128::MAX), Some(13));
        assert_eq!(pays_for_units(1, d(124, 1), i128::MAX), Some(12));
        // £2,000 × 0.000001 units = 0.2p → 0p.
        assert_eq!(pays_for_units(200_000, d(1, 6), i128::MAX), Some(0));
        // £2,000 × 0.0000025 units = 0.5p → 1p.
        assert_eq!(pays_for_units(200_000, d(25, 7), i128::MAX), Some(1));
    }

    #[test]
    fn the_cap_limits_and_no_improvement_pays_nothing() {
        assert_eq!(
            pays_for_units(200_000, d(100, 0), 15_000_000),
            Some(15_000_000)
        );
        assert_eq!(pays_for_units(200_000, d(0, 0), 15_000_000), Some(0));
        assert_eq!(pays_for_units(200_000, d(-5, 0), 15_000_000), Some(0));
    }

    #[test]
    fn units_are_the_reduction_of_the_level() {
        // 10% of 1,000 is 100 units; 7.5% of 3,000 is 225.
        assert_eq!(
            units_at(d(1000, 0), d(10, 0)).map(|u| u.cmp_value(&d(100, 0))),
            Some(std::cmp::Ordering::Equal)
        );
        assert_eq!(
            units_at(d(3000, 0), d(75, 1)).map(|u| u.cmp_value(&d(225, 0))),
            Some(std::cmp::Ordering::Equal)
        );
    }
}
