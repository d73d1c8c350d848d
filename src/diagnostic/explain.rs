//! The long explanation of every code, printed by `outcome explain CODE`.

use super::Code;

pub fn explanation(code: Code) -> &'static str {
    match code {
        _ => "",
    }
}
