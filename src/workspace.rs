//! Contract repositories: files on disk and the files they `use`.
//!
//! A `Workspace` reads and compiles each file once, however many files use it, and keeps the
//! result. A `use` names a file relative to the file that uses it; it may not lead outside
//! the repository root — the nearest folder above the checked paths that holds `.git`, else
//! the folder given — and such a path is refused before anything is read. Files that use
//! each other in a circle are reported with the files in the circle.

use crate::diagnostic::{Code, Diagnostic};
use crate::model::Shared;
use crate::source::{SourceFile, Span};
use crate::{ast, compile_ast, syntax, Compiled};
use std::collections::BTreeMap;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// The longest chain of files using one another that is followed.
const MAX_USE_DEPTH: usize = 64;

/// One file, read and compiled.
#[derive(Debug)]
pub struct Loaded {
    pub file: SourceFile,
    pub compiled: Compiled,
    /// Whether the file holds a contract, funnels, payments or monitoring: such a file is a
    /// contract, not a shared framework, and cannot be used by another.
    pub is_contract: bool,
}

#[derive(Debug)]
pub struct Workspace {
    /// The repository root, canonical.
    root: PathBuf,
    /// Where paths are shown relative to (the current folder), canonical.
    shown_from: PathBuf,
    cache: BTreeMap<PathBuf, Arc<Loaded>>,
    /// The files being loaded, outermost first: a `use` of one of them closes a circle.
    loading: Vec<PathBuf>,
}

impl Workspace {
    /// A workspace for checking `path` (a file or a folder): its root is the nearest folder at
    /// or above it that holds `.git`, else the folder itself (for a file, its folder).
    pub fn for_path(path: &Path) -> io::Result<Workspace> {
        let canonical = std::fs::canonicalize(path)?;
        let start = if canonical.is_dir() {
            canonical.clone()
        } else {
            canonical
                .parent()
                .map_or(canonical.clone(), Path::to_path_buf)
        };
        let root = start
            .ancestors()
            .find(|a| a.join(".git").exists())
            .map_or(start.clone(), Path::to_path_buf);
        let shown_from = std::env::current_dir()
            .and_then(std::fs::canonicalize)
            .unwrap_or_else(|_| root.clone());
        Ok(Workspace {
            root,
            shown_from,
            cache: BTreeMap::new(),
            loading: Vec::new(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// How many files have been read and compiled: each file once, however often it is used.
    pub fn files_read(&self) -> usize {
        self.cache.len()
    }

    /// How a path is shown: relative to the current folder when below it.
    pub fn shown(&self, path: &Path) -> String {
        let relative = path.strip_prefix(&self.shown_from).unwrap_or(path);
        let shown = relative.to_string_lossy().replace('\\', "/");
        if shown.is_empty() {
            ".".to_string()
        } else {
            shown
        }
    }

    /// Read and compile a file, or return it from the cache.
    pub fn load(&mut self, path: &Path) -> io::Result<Arc<Loaded>> {
        let canonical = std::fs::canonicalize(path)?;
        if let Some(loaded) = self.cache.get(&canonical) {
            return Ok(Arc::clone(loaded));
        }
        let bytes = std::fs::read(&canonical)?;
        let name = self.shown(&canonical);
        let loaded = match syntax::decode(&name, &bytes) {
            Err(failed) => {
                let (file, diagnostic) = *failed;
                Loaded {
                    file,
                    compiled: Compiled::failed(vec![diagnostic]),
                    is_contract: false,
                }
            }
            Ok(file) => match syntax::parse(&file) {
                Err(diagnostics) => Loaded {
                    file,
                    compiled: Compiled::failed(diagnostics),
                    is_contract: false,
                },
                Ok(parsed) => {
                    self.loading.push(canonical.clone());
                    let mut used = BTreeMap::new();
                    for declaration in &parsed.declarations {
                        if let ast::Declaration::Use(u) = declaration {
                            let result = self.resolve(&canonical, &u.path.value, u.path.span);
                            used.insert(u.path.span, result);
                        }
                    }
                    self.loading.pop();
                    let mut compiled =
                        compile_ast(&file, &parsed, &mut |_, span| match used.remove(&span) {
                            Some(result) => result,
                            None => Err(Diagnostic::new(
                                Code::E0208,
                                "this file could not be used",
                                span,
                                "here",
                            )),
                        });
                    let is_contract = parsed.declarations.iter().any(|d| {
                        matches!(
                            d,
                            ast::Declaration::Contract(_)
                                | ast::Declaration::Funnel(_)
                                | ast::Declaration::Payments(_)
                                | ast::Declaration::Monitoring(_)
                        )
                    });
                    // Shared declarations name their file relative to the repository root,
                    // so a contract's JSON does not depend on where it was built from.
                    if let Some(shared) = &mut compiled.shared {
                        let relative = canonical.strip_prefix(&self.root).unwrap_or(&canonical);
                        shared.file = relative.to_string_lossy().replace('\\', "/");
                    }
                    Loaded {
                        file,
                        compiled,
                        is_contract,
                    }
                }
            },
        };
        let loaded = Arc::new(loaded);
        self.cache.insert(canonical, Arc::clone(&loaded));
        Ok(loaded)
    }

    /// Find, load and check the file a `use` in `user` names.
    fn resolve(
        &mut self,
        user: &Path,
        written: &str,
        span: Span,
    ) -> Result<Arc<Shared>, Diagnostic> {
        let folder = user.parent().unwrap_or(&self.root);
        let wanted = Path::new(written);
        if wanted.is_absolute() {
            return Err(Diagnostic::new(
                Code::E0210,
                format!("`{written}` is an absolute path"),
                span,
                "a used file is named relative to this one",
            )
            .help("name the file relative to this contract's folder, such as `framework/outcomes.outcome`"));
        }
        let Some(target) = normalise(&folder.join(wanted)) else {
            return Err(self.outside(written, span));
        };
        if !target.starts_with(&self.root) {
            return Err(self.outside(written, span));
        }
        let canonical = match std::fs::canonicalize(&target) {
            Ok(c) if c.is_file() => c,
            _ => {
                return Err(Diagnostic::new(
                    Code::E0208,
                    format!("there is no file `{written}` to use"),
                    span,
                    format!("looked for `{}`", self.shown(&target)),
                )
                .help("paths in `use` are relative to the file that uses them; check the spelling and the folder"));
            }
        };
        // A link may point out of the repository even when the path does not.
        if !canonical.starts_with(&self.root) {
            return Err(self.outside(written, span));
        }
        if self.loading.len() >= MAX_USE_DEPTH {
            return Err(Diagnostic::new(
                Code::E0211,
                format!("`{written}` is used through a chain of more than {MAX_USE_DEPTH} files"),
                span,
                "too deep",
            )
            .help("use the framework files directly from the contract instead of through a long chain"));
        }
        if let Some(position) = self.loading.iter().position(|p| *p == canonical) {
            let mut circle: Vec<String> = self.loading[position..]
                .iter()
                .map(|p| format!("`{}`", self.shown(p)))
                .collect();
            circle.push(format!("`{}`", self.shown(&canonical)));
            return Err(Diagnostic::new(
                Code::E0209,
                format!("these files use each other in a circle: {}", circle.join(" → ")),
                span,
                "this `use` closes the circle",
            )
            .help("move the shared declarations into a file that uses none of the others, and use that file from each"));
        }
        let loaded = self.load(&canonical).map_err(|error| {
            Diagnostic::new(
                Code::E0208,
                format!("`{written}` cannot be read: {error}"),
                span,
                "unreadable",
            )
            .help("check the file's permissions")
        })?;
        let shown = self.shown(&canonical);
        if loaded.is_contract {
            return Err(Diagnostic::new(
                Code::E0211,
                format!("`{shown}` is a contract, so it cannot be used"),
                span,
                "used here",
            )
            .help("only files of shared outcomes, cohorts and measures can be used; move what both contracts need into such a file"));
        }
        match &loaded.compiled.shared {
            Some(shared) => Ok(Arc::new(shared.clone())),
            None => Err(Diagnostic::new(
                Code::E0211,
                format!("`{shown}` has errors, so it cannot be used until they are fixed"),
                span,
                "used here",
            )
            .help(format!("run `outcome check {shown}` to see its errors"))),
        }
    }

    fn outside(&self, written: &str, span: Span) -> Diagnostic {
        Diagnostic::new(
            Code::E0210,
            format!("`{written}` is outside the contract repository"),
            span,
            "leads out of the repository",
        )
        .help(format!(
            "a contract can use files inside its repository only (`{}`); copy the shared file into it",
            self.shown(&self.root)
        ))
    }
}

/// Resolve `.` and `..` without touching the disk; `None` if `..` climbs above the start.
fn normalise(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalised_without_reading() {
        assert_eq!(
            normalise(Path::new("/a/b/../c/./d")),
            Some(PathBuf::from("/a/c/d"))
        );
        assert_eq!(normalise(Path::new("/a/../../etc/passwd")), None);
    }
}
