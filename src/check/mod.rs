use crate::ast;
use crate::diagnostic::Diagnostic;
pub struct Checked { pub contract: Option<crate::model::Contract>, pub diagnostics: Vec<Diagnostic> }
pub fn check(_file: &ast::File) -> Checked { Checked { contract: None, diagnostics: vec![] } }
