//! `outcome fmt`: files laid out in the one canonical layout, or checked against it.

use super::*;

/// `outcome fmt`: rewrite each file that parses in the canonical layout. A file that does not
/// parse gets its diagnostics, as `check` prints them, and is left untouched. With `--check`
/// nothing is written: the files that would change are listed on stdout (as a diff with
/// `--diff`).
pub(super) fn format_files(args: &FmtArgs, streams: &mut Streams) -> Result<Exit, Problem> {
    let exclude = files::Exclude::new(&args.exclude).map_err(Problem::Refused)?;
    let mut unreadable = false;
    let mut files = Vec::new();
    let mut seen = BTreeSet::new();
    refuse_stdin_twice(args.paths.iter().map(PathBuf::as_path))?;
    for path in args.paths.iter().filter(|p| !is_stdin(p)) {
        let Some((found, any_refused)) = contract_files(path, &exclude, streams) else {
            unreadable = true;
            continue;
        };
        unreadable |= any_refused;
        files.extend(found.files.into_iter().filter(|f| seen.insert(f.clone())));
    }
    let mut tally = FormatTally::default();
    // Each path is real (canonical) and inside its repository: writing it back writes the
    // file that was read, never through a link.
    for path in &files {
        let name = shown_name(path);
        let read = files::read_limited(path, crate::syntax::MAX_FILE_BYTES, files::Seen::Unseen);
        let decoded = match read {
            Ok(Contents::Bytes(bytes)) => crate::syntax::decode(&name, &bytes).map(|f| (f, bytes)),
            Ok(Contents::TooLarge(size)) => Err(crate::syntax::too_large(&name, size)),
            Err(error) => {
                streams.problem(&Problem::Read {
                    path: path.clone(),
                    error,
                });
                unreadable = true;
                continue;
            }
        };
        let (file, bytes) = match decoded {
            Ok(decoded) => decoded,
            Err(failed) => {
                let (file, diagnostic) = *failed;
                streams.human(&file, &[diagnostic]);
                tally.refused += 1;
                continue;
            }
        };
        let formatted = match crate::fmt::format(&file) {
            Ok(formatted) => formatted,
            Err(crate::fmt::Refused::Syntax(diagnostics)) => {
                streams.human(&file, &diagnostics);
                tally.refused += 1;
                continue;
            }
            Err(refused @ crate::fmt::Refused::Unsafe(_)) => {
                streams.problem(&Problem::Unformattable {
                    path: path.clone(),
                    why: refused.to_string(),
                });
                unreadable = true;
                continue;
            }
        };
        if formatted.as_bytes() == bytes.as_slice() {
            tally.unchanged += 1;
            continue;
        }
        tally.changed += 1;
        if !args.check {
            fs::write(path, &formatted).map_err(|error| Problem::Write {
                path: path.clone(),
                error,
            })?;
        } else if args.diff {
            streams.print(&crate::fmt::unified_diff(
                &file.text,
                &formatted,
                &name,
                &format!("{name} (formatted)"),
            ))?;
        } else {
            streams.print(&format!("{name}\n"))?;
        }
    }
    if args.paths.iter().any(|p| is_stdin(p)) {
        format_stdin(args, streams, &mut tally)?;
    }
    if tally.files() > 0 {
        streams.remark(&format!("{}\n", tally.summary(args.check)));
    }
    Ok(if unreadable {
        Exit::CannotRun
    } else if tally.refused > 0 || args.check && tally.changed > 0 {
        Exit::ContractErrors
    } else {
        Exit::Success
    })
}

/// `outcome fmt -`: the contract on standard input, formatted, on stdout (whether or not it
/// changed, so that an editor can pipe a buffer through); with `--check`, only `<stdin>` (or
/// the diff) when it would change. A contract that cannot be formatted is written back as it
/// came, its diagnostics on stderr and the exit 1 or 2 saying so: an editor that replaces
/// its buffer with what a filter prints, whatever its exit code (Vim's `:%!`), keeps the text.
pub(super) fn format_stdin(
    args: &FmtArgs,
    streams: &mut Streams,
    tally: &mut FormatTally,
) -> Result<(), Problem> {
    let bytes = read_stdin_contract()?;
    let result = format_stdin_bytes(&bytes, args, streams, tally);
    // Not formatted, rather than a failure to write what was.
    let refused = matches!(result, Ok(false) | Err(Problem::Unformattable { .. }));
    if refused && !args.check {
        streams.print_bytes(&bytes)?;
    }
    result.map(|_| ())
}

/// `format_stdin` once the bytes are read: whether the contract was formatted (and written,
/// unless `--check`).
fn format_stdin_bytes(
    bytes: &[u8],
    args: &FmtArgs,
    streams: &mut Streams,
    tally: &mut FormatTally,
) -> Result<bool, Problem> {
    let decoded = if bytes.len() > crate::syntax::MAX_FILE_BYTES {
        Err(crate::syntax::too_large(
            STDIN_NAME,
            u64::try_from(bytes.len()).ok(),
        ))
    } else {
        crate::syntax::decode(STDIN_NAME, bytes)
    };
    let file = match decoded {
        Ok(file) => file,
        Err(failed) => {
            let (file, diagnostic) = *failed;
            streams.human(&file, &[diagnostic]);
            tally.refused += 1;
            return Ok(false);
        }
    };
    let formatted = match crate::fmt::format(&file) {
        Ok(formatted) => formatted,
        Err(crate::fmt::Refused::Syntax(diagnostics)) => {
            streams.human(&file, &diagnostics);
            tally.refused += 1;
            return Ok(false);
        }
        Err(refused @ crate::fmt::Refused::Unsafe(_)) => {
            return Err(Problem::Unformattable {
                path: PathBuf::from(STDIN_NAME),
                why: refused.to_string(),
            });
        }
    };
    let changed = formatted.as_bytes() != bytes;
    if changed {
        tally.changed += 1;
    } else {
        tally.unchanged += 1;
    }
    if !args.check {
        streams.print(&formatted)?;
    } else if changed && args.diff {
        streams.print(&crate::fmt::unified_diff(
            &file.text,
            &formatted,
            STDIN_NAME,
            &format!("{STDIN_NAME} (formatted)"),
        ))?;
    } else if changed {
        streams.print(&format!("{STDIN_NAME}\n"))?;
    }
    Ok(true)
}

/// A file's name as `check` shows it (see `Workspace::shown`), so that both commands name a
/// file the same way.
pub(super) fn shown_name(path: &Path) -> String {
    match (Workspace::for_path(path), fs::canonicalize(path)) {
        (Ok(workspace), Ok(canonical)) => workspace.shown(&canonical),
        _ => path.display().to_string(),
    }
}

/// What `fmt` did, for its summary line.
#[derive(Debug, Default)]
pub(super) struct FormatTally {
    pub(super) changed: usize,
    pub(super) unchanged: usize,
    /// Files not formatted because they do not parse.
    pub(super) refused: usize,
}

impl FormatTally {
    fn files(&self) -> usize {
        self.changed + self.unchanged + self.refused
    }

    /// `formatted 3 files: 1 changed, 2 unchanged` or, with `--check`,
    /// `checked 3 files: 1 would change, 2 unchanged`; then
    /// `, 1 not formatted because of syntax errors` if any.
    pub(super) fn summary(&self, check: bool) -> String {
        let (verb, changed) = if check {
            ("checked", "would change")
        } else {
            ("formatted", "changed")
        };
        let mut line = format!(
            "{verb} {}: {} {changed}, {} unchanged",
            count(self.files(), "file"),
            self.changed,
            self.unchanged
        );
        if self.refused > 0 {
            line.push_str(&format!(
                ", {} not formatted because of syntax errors",
                self.refused
            ));
        }
        line
    }
}
