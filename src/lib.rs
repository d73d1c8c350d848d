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
//! Beside the pipeline, `fmt` takes text to text (the canonical layout): it asks `syntax` only
//! whether the text parses and where declarations and stages start, and keeps every token and
//! comment. `diff` compares two checked contracts, figures included, and says what changed in
//! meaning. `evaluate` checks a bid as its specification with the bid's prices and counts in
//! place, through `check`, holds it to the specification's bidding rules, and compares bids by
//! their checked figures. Diagnostics reach machines as JSON lines, GitHub annotations or SARIF
//! (`diagnostic::github`, `diagnostic::sarif`). `lsp` serves editors: its diagnostics are
//! `workspace`'s, its hovers read the model and its formatting is `fmt`, so it computes no
//! figure of its own.
//!
//! Architecture invariants:
//! - only `syntax` uses pest;
//! - the AST holds what was written and nothing computed;
//! - emitters read only the model, never the AST;
//! - output is deterministic: no hash-map iteration order reaches JSON or diagnostics;
//! - money is integer minor units (`value::Money`), never floating point.

// `unwrap` and `expect` are for tests only: the compiler itself never panics on any input.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
#![forbid(unsafe_code)]

pub mod ast;
pub mod check;
pub mod cli;
pub mod diagnostic;
pub mod diff;
pub mod emit;
pub mod evaluate;
pub mod files;
pub mod fmt;
pub mod inert;
pub mod links;
pub mod lsp;
pub mod model;
pub mod new;
pub mod report;
pub mod schedule;
pub mod source;
pub mod sql;
pub mod syntax;
pub mod value;
pub mod workspace;

use diagnostic::Diagnostic;
use source::SourceFile;

/// The result of compiling one file: the checked contract when there were no errors, what
/// a framework file offers to files that `use` it, and every diagnostic (warnings included) in
/// source order.
#[derive(Debug)]
pub struct Compiled {
    /// Boxed: a framework file has none, and the contract is most of a `Compiled`'s size (a
    /// contract using 30,000 framework files held 2 KB of nothing for each).
    pub contract: Option<Box<model::Contract>>,
    /// Shared, not copied, with each file that uses it.
    pub shared: Option<std::sync::Arc<model::Shared>>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Compiled {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    pub(crate) fn failed(mut diagnostics: Vec<Diagnostic>) -> Compiled {
        diagnostic::sort(&mut diagnostics);
        Compiled {
            contract: None,
            shared: None,
            diagnostics,
        }
    }
}

/// Read bytes as a contract file and compile it: the entry point for anything that reads
/// files. Bytes that are not UTF-8 give the one diagnostic E0102 against a lossy copy of the
/// text, so it can still be shown.
pub fn compile_bytes(name: &str, bytes: &[u8]) -> (SourceFile, Compiled) {
    match syntax::decode(name, bytes) {
        Ok(file) => {
            let compiled = compile(&file);
            (file, compiled)
        }
        Err(failed) => {
            let (file, diagnostic) = *failed;
            (file, Compiled::failed(vec![diagnostic]))
        }
    }
}

/// Parse and check one file that stands alone: a `use` in it is an error, because there is
/// no folder to find the used file in. `workspace::Workspace` compiles files on disk.
pub fn compile(file: &SourceFile) -> Compiled {
    compile_with(file, &mut |path, span| {
        Err(diagnostic::Diagnostic::new(
            diagnostic::Code::E0208,
            format!("`{path}` cannot be used here"),
            span,
            "no folder to look in",
        )
        .help("`use` finds files next to the contract; check the contract from its file with `outcome check`"))
    })
}

/// Parse and check one file, finding the files it uses with `resolve`.
pub fn compile_with(file: &SourceFile, resolve: &mut check::Resolve) -> Compiled {
    match syntax::parse(file) {
        Ok(ast) => compile_ast(file, &ast, resolve),
        Err(diagnostics) => Compiled::failed(diagnostics),
    }
}

/// Check a parsed file.
pub fn compile_ast(file: &SourceFile, ast: &ast::File, resolve: &mut check::Resolve) -> Compiled {
    // `check` leaves out the contract and what the file shares when it has errors: no
    // second pass over the diagnostics to find them (hundreds of thousands of warnings are
    // tens of megabytes).
    let checked = check::check(ast, file, resolve);
    let mut diagnostics = checked.diagnostics;
    diagnostic::sort(&mut diagnostics);
    Compiled {
        contract: checked.contract.map(Box::new),
        shared: checked.shared.map(std::sync::Arc::new),
        diagnostics,
    }
}
