//! Which files `outcome` reads as contracts, and how much of each.
//!
//! Takes the paths named on the command line and hands on the contract files they stand for,
//! each by its real (canonical) path with the repository it belongs to, and the paths refused
//! with the reason. The rule: every contract file read is inside its repository, the nearest
//! folder at or above it that holds `.git`, else the folder named (for a file, its folder).
//!
//! - A search of a folder (`outcome check .`) sees the folder as git does: what `.gitignore`
//!   leaves out, hidden folders and nested repositories (a vendored compiler with its own test
//!   files) are not searched, nor what `--exclude` names.
//! - A search follows a symbolic link to a file only when the file it leads to is inside the
//!   repository; links to folders are not followed, so a link cycle cannot make the search run
//!   forever.
//! - A path named on the command line is the user's choice and is read wherever it is, except
//!   that a path which is itself a symbolic link must lead inside the repository holding the
//!   link: a list of changed files (`git diff --name-only`) can name a committed link as
//!   easily as a search can find one.
//! - Only regular files are read: never a FIFO, a device or a socket (whose reading may never
//!   end), and never a file under `/proc` or `/sys` (which say they are regular files but are
//!   the system's state, such as a process's environment).
//! - A file is read up to the size limit and one byte more, so no file makes `outcome` hold
//!   more than that in memory.

use std::fmt;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use ignore::overrides::{Override, OverrideBuilder};
use ignore::WalkBuilder;

/// The extension of contract files, looked for below a folder.
pub const EXTENSION: &str = "outcome";

/// Folders whose files are the operating system's state, not files (Linux).
const SYSTEM_FOLDERS: [&str; 2] = ["/proc", "/sys"];

/// The contract files a path named on the command line stands for.
#[derive(Debug)]
pub struct Found {
    /// The repository the files belong to, canonical.
    pub root: PathBuf,
    /// The files to read, canonical, sorted, each once.
    pub files: Vec<PathBuf>,
    /// Paths that are not read, and why.
    pub refused: Vec<Refused>,
    /// Whether the path named a folder (searched for `*.outcome` files).
    pub searched: bool,
}

/// A path that is not read.
#[derive(Debug)]
pub struct Refused {
    /// The path as found or given.
    pub path: PathBuf,
    pub why: Why,
}

/// Why a path is not read.
#[derive(Debug)]
pub enum Why {
    /// A symbolic link whose real path is outside the repository.
    LeadsOutside { target: PathBuf, root: PathBuf },
    /// Not a regular file: a folder reached by a link, a FIFO, a device or a socket.
    NotAFile(&'static str),
    /// A file under `/proc` or `/sys`.
    SystemFile,
    /// A symbolic link that leads nowhere.
    Broken(io::Error),
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = shown(&self.path);
        match &self.why {
            Why::LeadsOutside { target, root } => write!(
                f,
                "not reading `{path}`: it is a symbolic link to `{}`, outside the repository `{}`; only files inside the repository are read (copy the file into it, or name the file itself)",
                shown(target),
                shown(root)
            ),
            Why::NotAFile(kind) => write!(
                f,
                "not reading `{path}`: it is {kind}, not a regular file; only regular files are read"
            ),
            Why::SystemFile => write!(
                f,
                "not reading `{path}`: it is the operating system's state (under /proc or /sys), not a contract file"
            ),
            Why::Broken(error) if error.kind() == io::ErrorKind::NotFound => write!(
                f,
                "not reading `{path}`: it is a symbolic link to a file that is not there"
            ),
            Why::Broken(error) => write!(
                f,
                "not reading `{path}`: it is a symbolic link that cannot be followed ({})",
                error.kind()
            ),
        }
    }
}

/// A path for a message: control characters (a newline, an escape) written as escapes, so a
/// file name cannot add lines or colours to a terminal or a CI log.
pub fn shown(path: &Path) -> String {
    path.to_string_lossy()
        .chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}

/// The repository of a canonical folder: the nearest folder at or above it holding `.git`,
/// else the folder itself.
pub fn repository_of(folder: &Path) -> PathBuf {
    folder
        .ancestors()
        .find(|a| a.join(".git").exists())
        .unwrap_or(folder)
        .to_path_buf()
}

/// The contract files `path` stands for: the file itself (whatever its extension), or every
/// `*.outcome` file below a folder that git would not ignore (`search`). An error is a path that is not there or a folder that
/// cannot be listed.
pub fn find(path: &Path, exclude: &Exclude) -> io::Result<Found> {
    let own = fs::symlink_metadata(path)?;
    let real = fs::canonicalize(path)?;
    if own.file_type().is_symlink() {
        let holder = fs::canonicalize(holding_folder(path))?;
        let root = repository_of(&holder);
        if !real.starts_with(&root) {
            return Ok(Found {
                refused: vec![Refused {
                    path: path.to_path_buf(),
                    why: Why::LeadsOutside {
                        target: real,
                        root: root.clone(),
                    },
                }],
                files: Vec::new(),
                root,
                searched: false,
            });
        }
    }
    let metadata = fs::metadata(&real)?;
    if metadata.is_dir() {
        let root = repository_of(&real);
        let (mut files, mut refused) = search(path, &real, &root, exclude)?;
        files.sort();
        files.dedup();
        refused.sort_by(|a, b| a.path.cmp(&b.path));
        return Ok(Found {
            root,
            files,
            refused,
            searched: true,
        });
    }
    let root = repository_of(real.parent().unwrap_or(&real));
    let (files, refused) = match not_readable(&real, &metadata) {
        Some(why) => (
            Vec::new(),
            vec![Refused {
                path: path.to_path_buf(),
                why,
            }],
        ),
        None => (vec![real], Vec::new()),
    };
    Ok(Found {
        root,
        files,
        refused,
        searched: false,
    })
}

/// The folder a path is written in: `a/b` is in `a`, `b` in the current folder.
fn holding_folder(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Paths a folder search leaves out (`--exclude GLOB`), as gitignore patterns relative to the
/// folder searched: `tools/outcome`, `drafts/`, `*.draft.outcome`.
#[derive(Debug, Clone, Default)]
pub struct Exclude {
    globs: Vec<String>,
}

impl Exclude {
    /// The patterns, each checked: an error names the first that is not a valid pattern.
    pub fn new(globs: &[String]) -> Result<Exclude, String> {
        let exclude = Exclude {
            globs: globs.to_vec(),
        };
        exclude.matcher(Path::new("."))?;
        Ok(exclude)
    }

    /// The patterns as the walk's overrides below `folder`: each negated, so that a path it
    /// matches is left out and everything else is searched.
    fn matcher(&self, folder: &Path) -> Result<Override, String> {
        let mut builder = OverrideBuilder::new(folder);
        for glob in &self.globs {
            let glob = glob.trim();
            if glob.is_empty() || glob.starts_with('!') {
                return Err(format!(
                    "`--exclude {}` is not a pattern to leave out: write a path or a glob below the folder searched, such as `tools/outcome` or `*.draft.outcome`",
                    shown(Path::new(glob))
                ));
            }
            // `./drafts` is `drafts` at the top of the folder searched, as a shell completes
            // it; in a gitignore pattern that is `/drafts` (`./` would match nothing).
            let glob = match glob.strip_prefix("./") {
                Some(rest) => format!("/{}", rest.trim_start_matches("./")),
                None => glob.to_string(),
            };
            builder.add(&format!("!{glob}")).map_err(|error| {
                format!(
                    "`--exclude {}` is not a valid pattern ({error}); write a path or a glob below the folder searched, such as `tools/outcome` or `*.draft.outcome`",
                    shown(Path::new(&glob))
                )
            })?;
        }
        builder.build().map_err(|error| error.to_string())
    }
}

/// Every `*.outcome` file below a folder (`given`, canonical `folder`) that may be read,
/// canonical; and the ones that may not, named below `given`.
///
/// The search is git's view of the folder: what `.gitignore` (and `.git/info/exclude`, and
/// `.ignore`) leave out is not searched, nor hidden files and folders (`.git` among them), nor
/// a folder holding its own `.git` (a nested repository or a submodule, such as a vendored
/// copy of this compiler with its own test files), nor what `exclude` names. The user's
/// global gitignore is not read, so the same files are searched on every machine.
fn search(
    given: &Path,
    folder: &Path,
    root: &Path,
    exclude: &Exclude,
) -> io::Result<(Vec<PathBuf>, Vec<Refused>)> {
    let overrides = exclude
        .matcher(folder)
        .map_err(|why| io::Error::new(io::ErrorKind::InvalidInput, why))?;
    let top = folder.to_path_buf();
    let walk = WalkBuilder::new(folder)
        .follow_links(false)
        .git_global(false)
        .overrides(overrides)
        .filter_entry(move |entry| {
            let nested_repository = entry.depth() > 0
                && entry.file_type().is_some_and(|kind| kind.is_dir())
                && entry.path() != top
                && entry.path().join(".git").exists();
            !nested_repository
        })
        .build();
    let mut files = Vec::new();
    let mut refused = Vec::new();
    for entry in walk {
        let entry = match entry {
            Ok(entry) => entry,
            // A folder that cannot be listed fails the search, as a folder named that cannot
            // be read would; a malformed line in an ignore file is git's to report.
            Err(error) => match error.into_io_error() {
                Some(error) => return Err(error),
                None => continue,
            },
        };
        let path = entry.path();
        let Some(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() || !is_contract(path) {
            continue;
        }
        let below = path.strip_prefix(folder).unwrap_or(path);
        let named = match given.strip_prefix(".") {
            Ok(rest) => rest.join(below),
            Err(_) => given.join(below),
        };
        // Below a canonical folder, only the last step can be a link.
        let real = if kind.is_symlink() {
            match fs::canonicalize(path) {
                Ok(real) if real.starts_with(root) => real,
                Ok(target) => {
                    refused.push(Refused {
                        path: named,
                        why: Why::LeadsOutside {
                            target,
                            root: root.to_path_buf(),
                        },
                    });
                    continue;
                }
                Err(error) => {
                    refused.push(Refused {
                        path: named,
                        why: Why::Broken(error),
                    });
                    continue;
                }
            }
        } else {
            path.to_path_buf()
        };
        let metadata = fs::metadata(&real)?;
        match not_readable(&real, &metadata) {
            Some(why) => refused.push(Refused { path: named, why }),
            None => files.push(real),
        }
    }
    Ok((files, refused))
}

fn is_contract(path: &Path) -> bool {
    path.extension()
        .is_some_and(|extension| extension == EXTENSION)
}

/// Why a file (its real path and what the file system says of it) is not read, if it is not.
fn not_readable(real: &Path, metadata: &fs::Metadata) -> Option<Why> {
    if !metadata.is_file() {
        return Some(Why::NotAFile(kind_of(metadata)));
    }
    if SYSTEM_FOLDERS.iter().any(|folder| real.starts_with(folder)) {
        return Some(Why::SystemFile);
    }
    None
}

/// What a file that is not a regular file is, for a message.
fn kind_of(metadata: &fs::Metadata) -> &'static str {
    if metadata.is_dir() {
        return "a folder reached through a symbolic link, which is not followed";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let kind = metadata.file_type();
        if kind.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    "not a file"
}

/// A contract file's bytes, or its size when that is more than the limit.
#[derive(Debug)]
pub enum Contents {
    Bytes(Vec<u8>),
    /// More than the limit: the size the file system gives, when it gives one.
    TooLarge(Option<u64>),
}

/// What is known of a path before it is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// Nothing: it is looked at before it is opened, so that a device or a FIFO is never
    /// opened.
    Unseen,
    /// Just found to be a regular file (a `use` resolved to it, its own type looked at or
    /// the links to it followed) at a path with no link in it: opened without looking again,
    /// and not through a link that has taken its place since, nor waiting on a FIFO that has.
    Regular,
}

/// Read a regular file, at most `limit` bytes of it. A file the file system says is larger is
/// not read at all; a file of some size is read to the size it had when opened (and not read
/// again to find its end: a contract that uses 30,000 files made one system call fewer for
/// each), one that says it has none (a file some file systems make as it is read) to its end,
/// the limit and one byte more at most. Only a regular file is read (`open_regular`).
pub fn read_limited(path: &Path, limit: usize, seen: Seen) -> io::Result<Contents> {
    let (file, metadata) = open(path, seen)?;
    let limit = u64::try_from(limit).unwrap_or(u64::MAX);
    let size = metadata.len();
    if size > limit {
        return Ok(Contents::TooLarge(Some(size)));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    let most = if size > 0 {
        size
    } else {
        limit.saturating_add(1)
    };
    file.take(most).read_to_end(&mut bytes)?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limit {
        return Ok(Contents::TooLarge(None));
    }
    Ok(Contents::Bytes(bytes))
}

/// Open a regular file (a monitoring return, a contract) for reading, with what the file
/// system says of it once open. Anything else is refused before it is opened, since opening a
/// FIFO waits for a writer, and again after, in case it was swapped in between.
pub fn open_regular(path: &Path) -> io::Result<(fs::File, fs::Metadata)> {
    open(path, Seen::Unseen)
}

/// `open_regular`, looking at the path first unless it was just `seen` to be a regular file.
fn open(path: &Path, seen: Seen) -> io::Result<(fs::File, fs::Metadata)> {
    let refuse = |metadata: &fs::Metadata| match not_readable(path, metadata) {
        Some(why) => Err(io::Error::new(io::ErrorKind::InvalidInput, describe(&why))),
        None => Ok(()),
    };
    let mut options = fs::OpenOptions::new();
    options.read(true);
    match seen {
        Seen::Unseen => refuse(&fs::metadata(path)?)?,
        Seen::Regular => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW);
            }
        }
    }
    let file = options
        .open(path)
        .map_err(|error| became_a_link(error, seen))?;
    let metadata = file.metadata()?;
    refuse(&metadata)?;
    Ok((file, metadata))
}

/// The error of opening a path seen as a regular file without following a link: a link put in
/// its place since is refused by the system as a loop of links (`ELOOP`), which would mislead.
fn became_a_link(error: io::Error, seen: Seen) -> io::Error {
    #[cfg(unix)]
    if seen == Seen::Regular && error.raw_os_error() == Some(libc::ELOOP) {
        return io::Error::new(
            io::ErrorKind::InvalidInput,
            "it was replaced by a symbolic link after it was looked at, and is not followed",
        );
    }
    let _ = seen;
    error
}

/// Why a file is not read, as the end of an I/O error's message.
fn describe(why: &Why) -> String {
    match why {
        Why::NotAFile(kind) => format!("it is {kind}, not a regular file"),
        Why::SystemFile => "it is the operating system's state, not a contract file".to_string(),
        Why::LeadsOutside { .. } => "it leads outside the repository".to_string(),
        Why::Broken(error) => error.to_string(),
    }
}

/// Whether two paths name one file (through links, or as hard links of each other). A path
/// that does not exist is no file.
pub fn same_file(a: &Path, b: &Path) -> bool {
    let (Ok(first), Ok(second)) = (fs::metadata(a), fs::metadata(b)) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        first.dev() == second.dev() && first.ino() == second.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (first, second);
        matches!((fs::canonicalize(a), fs::canonicalize(b)), (Ok(x), Ok(y)) if x == y)
    }
}

/// Whether two paths to write name one file, whether or not it exists yet: the same file,
/// or the same name in the same (real) folder.
pub fn same_destination(a: &Path, b: &Path) -> bool {
    if same_file(a, b) {
        return true;
    }
    let place = |path: &Path| {
        let folder = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        Some((
            fs::canonicalize(folder).ok()?,
            path.file_name()?.to_os_string(),
        ))
    };
    matches!((place(a), place(b)), (Some(x), Some(y)) if x == y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_in_a_path_are_shown_escaped() {
        assert_eq!(
            shown(Path::new("a\nb\u{1b}[31m.outcome")),
            "a\\nb\\u{1b}[31m.outcome"
        );
    }

    #[test]
    fn a_device_is_not_read() {
        let error = read_limited(Path::new("/dev/zero"), 16, Seen::Unseen).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        assert!(error.to_string().contains("character device"), "{error}");
    }

    /// A path seen to be a regular file is opened without looking at it again, but what has
    /// taken its place since is still refused: a FIFO without waiting for a writer, a link
    /// without following it. A file is read whole, to the size it had when opened, and an
    /// empty one is empty.
    #[cfg(unix)]
    #[test]
    fn a_path_seen_as_a_file_is_refused_when_it_is_no_longer_one() {
        let dir = std::env::temp_dir().join(format!("outcome-files-seen-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("a folder");
        let text = "outcome o \"O\"\n".repeat(1_000);
        fs::write(dir.join("a.outcome"), &text).expect("written");
        fs::write(dir.join("empty.outcome"), "").expect("written");
        for seen in [Seen::Unseen, Seen::Regular] {
            match read_limited(&dir.join("a.outcome"), 1 << 20, seen).expect("read") {
                Contents::Bytes(bytes) => assert_eq!(bytes, text.as_bytes(), "{seen:?}"),
                other => panic!("{other:?}"),
            }
            match read_limited(&dir.join("empty.outcome"), 1 << 20, seen).expect("read") {
                Contents::Bytes(bytes) => assert!(bytes.is_empty(), "{seen:?}"),
                other => panic!("{other:?}"),
            }
            assert!(matches!(
                read_limited(&dir.join("a.outcome"), 100, seen).expect("looked at"),
                Contents::TooLarge(Some(size)) if size == text.len() as u64
            ));
        }
        std::os::unix::fs::symlink(dir.join("a.outcome"), dir.join("link.outcome"))
            .expect("a link");
        let error = read_limited(&dir.join("link.outcome"), 1 << 20, Seen::Regular)
            .expect_err("a link is not followed");
        assert!(
            error.to_string().contains("replaced by a symbolic link"),
            "{error}"
        );
        let made = std::process::Command::new("mkfifo")
            .arg(dir.join("pipe.outcome"))
            .status();
        if made.is_ok_and(|status| status.success()) {
            let error = read_limited(&dir.join("pipe.outcome"), 1 << 20, Seen::Regular)
                .expect_err("a FIFO is refused");
            assert!(error.to_string().contains("FIFO"), "{error}");
        }
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_system_file_is_not_read() {
        let error = read_limited(Path::new("/proc/self/environ"), 16, Seen::Unseen).unwrap_err();
        assert!(error.to_string().contains("operating system"), "{error}");
    }
}
