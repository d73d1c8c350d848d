//! `REV:PATH`: a contract as it was at a git revision, read through `git show`.
//!
//! Takes the argument as written and hands on the file's bytes and the name its diagnostics
//! use. The file is read only from the repository holding the current folder (the nearest
//! folder at or above it holding `.git`, as `files` decides for files on disk): `PATH` is
//! taken from the current folder, its `.` and `..` resolved by their names, and refused if it
//! leads outside that repository. `git` is run directly, never through a shell, with the
//! revision and path as one argument that cannot be an option (a revision starting with `-`
//! is refused), without text conversion filters, and its output is read up to the size limit
//! of a contract file and one byte more.
//!
//! The files a contract `use`s are read from the same revision, by the rules of `workspace`
//! for files on disk: named relative to the file that uses them, inside the repository
//! (E0210), a contract or a file with errors cannot be used (E0211), nor a file of a circle
//! of `use`s (E0209), nor one at the end of a chain of more than 64 (E0211). Shared
//! declarations name their file from the repository's root, as on disk, so that a contract at
//! a revision and in the working tree name them alike.

use crate::diagnostic::{Code, Diagnostic};
use crate::model::Shared;
use crate::source::{SourceFile, Span};
use crate::Compiled;
use std::collections::BTreeMap;
use std::sync::Arc;

use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};

/// The most files a chain of `use`s may hold, as on disk.
const MAX_USE_DEPTH: usize = 64;

/// Whether a command-line argument names a revision of a file rather than a file: it is not
/// a path that exists and it has a `:` with something on each side.
pub fn is_revision(arg: &str) -> bool {
    !Path::new(arg).exists()
        && arg
            .split_once(':')
            .is_some_and(|(rev, path)| !rev.is_empty() && !path.is_empty())
}

/// Read and compile `REV:PATH` (see the module's documentation): the file, named `REV:PATH`
/// with `PATH` from the repository's root, and what compiling it gave; the error says why it
/// cannot be read.
pub fn compile(arg: &str, limit: usize) -> Result<(SourceFile, Compiled), String> {
    let shown = crate::inert::escape(arg);
    let Some((rev, path)) = arg.split_once(':') else {
        return Err(format!("`{shown}` is not `REV:PATH`"));
    };
    if rev.starts_with('-') || rev.chars().any(char::is_control) {
        return Err(format!(
            "`{shown}`: a revision cannot start with `-` or hold control characters; name a branch, tag or commit"
        ));
    }
    let here = std::env::current_dir()
        .and_then(|dir| dir.canonicalize())
        .map_err(|error| format!("cannot find the current folder: {error}"))?;
    let root = crate::files::repository_of(&here);
    if !root.join(".git").exists() {
        return Err(format!(
            "`{shown}` is read from git, but the current folder `{}` is in no git repository; run `outcome diff` inside the repository",
            crate::files::shown(&here)
        ));
    }
    let inside = normalised(&here.join(path))
        .strip_prefix(&root)
        .map(Path::to_path_buf)
        .map_err(|_| {
            format!(
                "`{shown}` leads outside the repository `{}`; a `REV:PATH` is read only from the repository holding the current folder",
                crate::files::shown(&root)
            )
        })?;
    let Some(relative) = in_git_form(&inside) else {
        return Err(format!(
            "`{shown}`: the path must be UTF-8 and name a file, not the repository itself"
        ));
    };
    let mut at = AtRevision {
        root: &root,
        rev,
        limit,
        used: BTreeMap::new(),
        using: Vec::new(),
    };
    let (file, compiled, _) = at
        .load(&relative)
        .map_err(|why| format!("`{shown}`: {why}"))?;
    Ok((file, compiled))
}

/// The files of one revision being compiled.
struct AtRevision<'a> {
    root: &'a Path,
    rev: &'a str,
    limit: usize,
    /// Each file used so far, by its path from the root: what it offers, or why it cannot be
    /// used.
    used: BTreeMap<String, Result<Arc<Shared>, String>>,
    /// The files being compiled, each using the next.
    using: Vec<String>,
}

impl AtRevision<'_> {
    /// The file at `relative` (from the root), compiled, and whether it is a contract.
    fn load(&mut self, relative: &str) -> Result<(SourceFile, Compiled, bool), String> {
        let spec = format!("{}:{relative}", self.rev);
        let kind = git(self.root, &["cat-file", "-t", &spec], 64)?;
        if kind.trim_ascii() != b"blob" {
            return Err(format!(
                "`{}` is not a file at `{}`: name one contract file",
                crate::inert::escape(relative),
                crate::inert::escape(self.rev)
            ));
        }
        let limit = self.limit;
        let bytes = git(
            self.root,
            &["show", "--no-textconv", &spec],
            limit.saturating_add(1),
        )?;
        if bytes.len() > limit {
            return Err(format!(
                "`{}` is larger than a contract file may be ({limit} bytes)",
                crate::inert::escape(&spec)
            ));
        }
        let file = match crate::syntax::decode(&spec, &bytes) {
            Ok(file) => file,
            Err(failed) => {
                let (file, diagnostic) = *failed;
                return Ok((file, Compiled::failed(vec![diagnostic]), false));
            }
        };
        let tree = match crate::syntax::parse(&file) {
            Ok(tree) => tree,
            Err(diagnostics) => return Ok((file, Compiled::failed(diagnostics), false)),
        };
        let folder = relative.rsplit_once('/').map_or("", |(folder, _)| folder);
        self.using.push(relative.to_string());
        let mut compiled = crate::compile_ast(&file, &tree, &mut |written, span| {
            self.use_file(folder, written, span)
        });
        self.using.pop();
        if let Some(shared) = compiled.shared.as_mut().map(Arc::make_mut) {
            shared.file = relative.to_string();
        }
        Ok((file, compiled, tree.is_contract()))
    }

    /// What `use "written"` in a file of `folder` gives.
    fn use_file(
        &mut self,
        folder: &str,
        written: &str,
        span: Span,
    ) -> Result<Arc<Shared>, Diagnostic> {
        let outside = || {
            Diagnostic::new(
                Code::E0210,
                format!("`{written}` is outside the contract repository"),
                span,
                "leads out of the repository",
            )
            .help(
                "a contract can use files inside its repository only; copy the shared file into it",
            )
        };
        if Path::new(written).is_absolute() {
            return Err(Diagnostic::new(
                Code::E0210,
                format!("`{written}` is an absolute path"),
                span,
                "a used file is named relative to this one",
            )
            .help("name the file relative to this contract's folder, such as `framework/outcomes.outcome`"));
        }
        let Some(target) = within(&format!("{folder}/{written}")) else {
            return Err(outside());
        };
        if let Some(at) = self.using.iter().position(|f| *f == target) {
            let mut circle: Vec<String> =
                self.using[at..].iter().map(|f| format!("`{f}`")).collect();
            circle.push(format!("`{target}`"));
            return Err(Diagnostic::new(
                Code::E0209,
                format!("these files use each other in a circle: {}", circle.join(" → ")),
                span,
                "this `use` closes the circle",
            )
            .help("move the shared declarations into a file that uses none of the others, and use that file from each"));
        }
        if self.using.len() >= MAX_USE_DEPTH {
            return Err(Diagnostic::new(
                Code::E0211,
                format!("`{written}` is used through a chain of more than {MAX_USE_DEPTH} files"),
                span,
                "too deep",
            )
            .help("use the framework files directly from the contract instead of through a long chain"));
        }
        if !self.used.contains_key(&target) {
            let offered = match self.load(&target) {
                Err(why) => Err(why),
                Ok((_, _, true)) => Err(format!("`{target}` is a contract, so it cannot be used")),
                Ok((_, compiled, false)) => match compiled.shared {
                    Some(shared) => Ok(shared),
                    None => Err(format!("`{target}` has errors at that revision")),
                },
            };
            self.used.insert(target.clone(), offered);
        }
        match self.used.get(&target) {
            Some(Ok(shared)) => Ok(Arc::clone(shared)),
            Some(Err(why)) => Err(Diagnostic::new(
                Code::E0208,
                format!("`{written}` cannot be used at `{}`: {why}", self.rev),
                span,
                "used here",
            )
            .help("the files a contract uses are read from the same revision; check the path at that revision")),
            None => Err(outside()),
        }
    }
}

/// `a/./b/../c` as `a/c`; `None` if it leads above the root.
fn within(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// `path` with `.` and `..` resolved by name, as git resolves a path in a revision (links
/// are not followed: in a revision there is no file system to follow them in).
fn normalised(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `a/b/c.outcome`: the path inside the repository with `/` between its parts.
fn in_git_form(path: &Path) -> Option<String> {
    let parts: Option<Vec<&str>> = path.components().map(|c| c.as_os_str().to_str()).collect();
    let parts = parts?;
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Run `git` in `root` with `args`; its output, read up to `most` bytes (the process is
/// stopped if it has more).
fn git(root: &Path, args: &[&str], most: usize) -> Result<Vec<u8>, String> {
    let mut child = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("cannot run `git`: {error}"))?;
    let mut out = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        stdout
            .take(most as u64)
            .read_to_end(&mut out)
            .map_err(|error| format!("cannot read from `git`: {error}"))?;
    }
    if out.len() >= most {
        let _ = child.kill();
        let _ = child.wait();
        return Ok(out);
    }
    let output = child
        .wait_with_output()
        .map_err(|error| format!("cannot run `git`: {error}"))?;
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stderr);
        let first = said.lines().next().unwrap_or("").trim();
        return Err(format!(
            "`git {}` failed: {}",
            crate::inert::escape(&args.join(" ")),
            crate::inert::escape(first)
        ));
    }
    Ok(out)
}
