//! `outcome check`: files and folders checked, their diagnostics in each format.

use super::*;

/// A file's diagnostics drawn with its source, as `Streams::human` prints them; past the first
/// `HUMAN_PER_FILE`, a count of the rest (a machine format lists them all).
pub(super) fn human_text(file: &SourceFile, diagnostics: &[Diagnostic], color: bool) -> String {
    let mut text = String::new();
    for diagnostic in diagnostics.iter().take(HUMAN_PER_FILE) {
        let report = diagnostic::render_human(file, diagnostic, color);
        text.push_str(&report);
        if !report.ends_with('\n') {
            text.push('\n');
        }
    }
    if diagnostics.len() > HUMAN_PER_FILE {
        text.push_str(&format!(
            "{}: {} more diagnostics not shown; `--format json` lists every one\n",
            file.name,
            diagnostics.len() - HUMAN_PER_FILE
        ));
    }
    text
}

pub(super) fn check(args: &CheckArgs, streams: &mut Streams) -> Result<Exit, Problem> {
    let started = Instant::now();
    let exclude = files::Exclude::new(&args.exclude).map_err(Problem::Refused)?;
    let mut unreadable = false;
    // Each path is checked within its repository; a file used by many is read once.
    let mut files: Vec<(usize, PathBuf)> = Vec::new();
    let mut workspaces: Vec<Workspace> = Vec::new();
    let mut seen = BTreeSet::new();
    refuse_stdin_twice(args.paths.iter().map(PathBuf::as_path))?;
    for path in &args.paths {
        if is_stdin(path) {
            let bytes = read_stdin_contract()?;
            let current = current_workspace()?;
            let index = match workspaces.iter().position(|w| w.root() == current.root()) {
                Some(index) => index,
                None => {
                    workspaces.push(current);
                    workspaces.len() - 1
                }
            };
            files.push((index, workspaces[index].give(bytes)));
            continue;
        }
        let Some((found, any_refused)) = contract_files(path, &exclude, streams) else {
            unreadable = true;
            continue;
        };
        unreadable |= any_refused;
        let index = match workspaces.iter().position(|w| w.root() == found.root) {
            Some(index) => index,
            None => {
                workspaces.push(Workspace::at_root(found.root));
                workspaces.len() - 1
            }
        };
        for file in found.files {
            if seen.insert(file.clone()) {
                files.push((index, file));
            }
        }
    }

    // Each repository's files are read and checked together, on every core; the results are
    // printed in the order of the paths.
    let mut results = Vec::with_capacity(files.len());
    for (index, workspace) in workspaces.iter_mut().enumerate() {
        let paths: Vec<PathBuf> = files
            .iter()
            .filter(|(w, _)| *w == index)
            .map(|(_, path)| path.clone())
            .collect();
        let loaded = workspace.load_all(&paths);
        results.extend(paths.into_iter().zip(loaded));
    }

    // Drawing diagnostics for a terminal takes longer than checking a file that has many: on
    // every core too, each file's in one piece, printed below in the order of the paths.
    let drawn: Vec<Option<String>> = match args.format {
        DiagnosticFormat::Human => {
            let color = streams.color;
            let files: Vec<Option<Arc<Loaded>>> = results
                .iter()
                .map(|(_, loaded)| loaded.as_ref().ok().cloned())
                .collect();
            crate::workspace::parallel_map(files, |loaded| {
                loaded.map(|l| human_text(&l.file, &l.compiled.diagnostics, color))
            })
        }
        _ => Vec::new(),
    };
    let mut drawn = drawn.into_iter();

    let mut tally = Tally::default();
    // SARIF is one document for the whole run, written once every file is checked.
    let mut for_sarif = Vec::new();
    let mut for_github = Vec::new();
    for (path, loaded) in results {
        let text = drawn.next().flatten();
        let loaded = match loaded {
            Ok(loaded) => loaded,
            Err(error) => {
                streams.problem(&Problem::Read { path, error });
                unreadable = true;
                continue;
            }
        };
        let (file, compiled) = (&loaded.file, &loaded.compiled);
        tally.add(&compiled.diagnostics);
        match args.format {
            DiagnosticFormat::Human => match text {
                Some(text) => streams.note(&text),
                None => streams.human(file, &compiled.diagnostics),
            },
            DiagnosticFormat::Json => streams.json_lines(file, &compiled.diagnostics)?,
            // Annotated once every file is checked: GitHub shows ten of each kind per run's
            // step, and the tenth may have to count the rest.
            DiagnosticFormat::Github => for_github.extend(
                compiled
                    .diagnostics
                    .iter()
                    .map(|diagnostic| Record::new(file, diagnostic)),
            ),
            DiagnosticFormat::Sarif => for_sarif.push(Arc::clone(&loaded)),
        }
    }

    match args.format {
        DiagnosticFormat::Human if tally.files > 0 => {
            let elapsed = started.elapsed().as_millis();
            streams.remark(&format!("{}\n", tally.summary(elapsed)));
        }
        DiagnosticFormat::Sarif => {
            let files: Vec<_> = for_sarif
                .iter()
                .map(|loaded| (&loaded.file, loaded.compiled.diagnostics.as_slice()))
                .collect();
            streams.print(&diagnostic::sarif::log(&files).map_err(Problem::Serialize)?)?;
        }
        DiagnosticFormat::Github if !for_github.is_empty() => {
            streams.print(&diagnostic::github::annotations(&for_github))?;
        }
        _ => {}
    }
    // Every file's syntax tree and model are freed when the last `Arc` goes, here, on this
    // one thread once all the workers are done: for a repository of 1,000 files about a tenth
    // of the run, with the other cores idle. When the process ends next, the operating system
    // takes the memory back at once instead; a caller in the same process gets it freed.
    if streams.process_ends {
        std::mem::forget(workspaces);
        std::mem::forget(for_sarif);
    }
    Ok(if unreadable {
        Exit::CannotRun
    } else if tally.errors > 0 || args.deny_warnings && tally.warnings > 0 {
        Exit::ContractErrors
    } else {
        Exit::Success
    })
}

/// What `check` found, for the summary line.
#[derive(Debug, Default)]
pub(super) struct Tally {
    pub(super) files: usize,
    pub(super) errors: usize,
    pub(super) warnings: usize,
}

impl Tally {
    pub(super) fn add(&mut self, diagnostics: &[Diagnostic]) {
        self.files += 1;
        for diagnostic in diagnostics {
            match diagnostic.severity() {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
            }
        }
    }

    /// `checked 2 files: 1 error, 3 warnings in 12 ms`. Scripts may match this line: keep
    /// its wording.
    pub(super) fn summary(&self, elapsed_ms: u128) -> String {
        format!(
            "checked {}: {}, {} in {elapsed_ms} ms",
            count(self.files, "file"),
            count(self.errors, "error"),
            count(self.warnings, "warning")
        )
    }
}

pub(super) fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The contract files a path names (`files::find`): each path refused, or the path itself when
/// it cannot be read or a folder holds no contract files, is reported here; with the files,
/// whether any path was refused. `None` when nothing could be found at all.
pub(super) fn contract_files(
    path: &Path,
    exclude: &files::Exclude,
    streams: &mut Streams,
) -> Option<(Found, bool)> {
    let mut found = match files::find(path, exclude) {
        Ok(found) => found,
        Err(error) => {
            streams.problem(&Problem::Read {
                path: path.to_path_buf(),
                error,
            });
            return None;
        }
    };
    let refused = std::mem::take(&mut found.refused);
    let any_refused = !refused.is_empty();
    for refused in refused {
        streams.problem(&Problem::NotRead(refused));
    }
    if found.searched && found.files.is_empty() && !any_refused {
        streams.problem(&Problem::NoContracts {
            dir: path.to_path_buf(),
        });
        return None;
    }
    Some((found, any_refused))
}

/// Read, decode and compile one contract file named on the command line (and the files it
/// uses) within its repository, as `check` would find it: a link out of the repository, a
/// folder, or anything but a regular file is refused. A file that is not UTF-8 gives its
/// E0102 diagnostic against a lossy copy of the text, like any other diagnostic. With the
/// file, every file read for it.
pub(super) fn load(path: &Path) -> Result<(Arc<Loaded>, Vec<PathBuf>), Problem> {
    if is_stdin(path) {
        let bytes = read_stdin_contract()?;
        let mut workspace = current_workspace()?;
        let given = workspace.give(bytes);
        let loaded = workspace.load(&given).map_err(|error| Problem::Read {
            path: PathBuf::from(STDIN_NAME),
            error,
        })?;
        let inputs = workspace
            .files()
            .filter(|file| *file != given)
            .map(Path::to_path_buf)
            .collect();
        return Ok((loaded, inputs));
    }
    let (file, root) = find_file(path)?;
    let mut workspace = Workspace::at_root(root);
    let loaded = workspace.load(&file).map_err(|error| Problem::Read {
        path: path.to_path_buf(),
        error,
    })?;
    let inputs = workspace.files().map(Path::to_path_buf).collect();
    Ok((loaded, inputs))
}

/// The one contract file a path on the command line names, as `check` would find it, and
/// its repository: a link out of the repository, a folder, or anything but a regular file is
/// refused.
pub(super) fn find_file(path: &Path) -> Result<(PathBuf, PathBuf), Problem> {
    let read = |error| Problem::Read {
        path: path.to_path_buf(),
        error,
    };
    let mut found = files::find(path, &files::Exclude::default()).map_err(read)?;
    if let Some(refused) = found.refused.pop() {
        return Err(Problem::NotRead(refused));
    }
    if found.searched {
        return Err(Problem::Refused(format!(
            "`{}` is a folder: name one contract file",
            files::shown(path)
        )));
    }
    match found.files.pop() {
        Some(file) => Ok((file, found.root)),
        None => Err(read(io::Error::from(io::ErrorKind::NotFound))),
    }
}

/// Refuse an output file (`-o`) that is one of the command's inputs, however named (through
/// a link, `./`, or a hard link): writing it would destroy what was read.
pub(super) fn refuse_overwrite<'a>(
    output: Option<&Path>,
    inputs: impl IntoIterator<Item = &'a Path>,
) -> Result<(), Problem> {
    refuse_overwrite_as("-o", output, inputs)
}

/// `refuse_overwrite` for the output named by `flag` (`-o`, `--lines`).
pub(super) fn refuse_overwrite_as<'a>(
    flag: &str,
    output: Option<&Path>,
    inputs: impl IntoIterator<Item = &'a Path>,
) -> Result<(), Problem> {
    let Some(output) = output else {
        return Ok(());
    };
    match inputs
        .into_iter()
        .find(|input| files::same_file(output, input))
    {
        Some(input) => Err(Problem::Refused(format!(
            "`{flag} {}` names `{}`, which this command reads: writing there would overwrite it; give `{flag}` another file",
            files::shown(output),
            files::shown(input)
        ))),
        None => Ok(()),
    }
}
