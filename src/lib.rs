//! `outcome`: a language and compiler for outcome-based commissioning contracts.
//!
//! The pipeline, one stage per module:
//!
//! ```text
//! bytes ──syntax::decode──▶ SourceFile ──syntax::parse──▶ ast::File ──check──▶ model::Contract ──emit──▶ JSON
//!                              (pest; stops at the first        (diagnostics accumulate;
//!                               syntax error)                    figures computed here)
//! ```
//!
//! Architecture invariants:
//! - only `syntax` uses pest;
//! - the AST holds what was written and nothing computed;
//! - emitters read only the model, never the AST;
//! - output is deterministic: no hash-map iteration order reaches JSON or diagnostics;
//! - money is integer minor units (`value::Money`), never floating point.

pub mod ast;
pub mod check;
pub mod cli;
pub mod diagnostic;
pub mod emit;
pub mod model;
pub mod source;
pub mod syntax;
pub mod value;

use diagnostic::Diagnostic;
use source::SourceFile;

/// The result of compiling one file: the checked contract when there were no errors, and
/// every diagnostic (warnings included) in source order.
#[derive(Debug)]
pub struct Compiled {
    pub contract: Option<model::Contract>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Compiled {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parse and check one file.
pub fn compile(file: &SourceFile) -> Compiled {
    let mut diagnostics = match syntax::parse(file) {
        Ok(ast) => {
            let checked = check::check(&ast);
            let mut diagnostics = checked.diagnostics;
            diagnostic::sort(&mut diagnostics);
            let has_errors = diagnostics.iter().any(Diagnostic::is_error);
            let contract = if has_errors { None } else { checked.contract };
            return Compiled { contract, diagnostics };
        }
        Err(diagnostics) => diagnostics,
    };
    diagnostic::sort(&mut diagnostics);
    Compiled { contract: None, diagnostics }
}
