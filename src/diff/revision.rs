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

use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};

/// A file read from a revision.
#[derive(Debug)]
pub struct Revision {
    /// `REV:PATH` with `PATH` from the repository's root.
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Whether a command-line argument names a revision of a file rather than a file: it is not
/// a path that exists and it has a `:` with something on each side.
pub fn is_revision(arg: &str) -> bool {
    !Path::new(arg).exists()
        && arg
            .split_once(':')
            .is_some_and(|(rev, path)| !rev.is_empty() && !path.is_empty())
}

/// Read `REV:PATH` (see the module's documentation); the error says why it cannot be read.
pub fn read(arg: &str, limit: usize) -> Result<Revision, String> {
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
    let spec = format!("{rev}:{relative}");
    let kind = git(&root, &["cat-file", "-t", &spec], 64)?;
    if kind.trim_ascii() != b"blob" {
        return Err(format!(
            "`{shown}` is not a file at `{}`: name one contract file",
            crate::inert::escape(rev)
        ));
    }
    let bytes = git(
        &root,
        &["show", "--no-textconv", &spec],
        limit.saturating_add(1),
    )?;
    if bytes.len() > limit {
        return Err(format!(
            "`{shown}` is larger than a contract file may be ({limit} bytes)"
        ));
    }
    Ok(Revision { name: spec, bytes })
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
