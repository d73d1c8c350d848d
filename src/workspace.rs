//! Contract repositories: files on disk and the files they `use`.
//!
//! A `Workspace` reads and compiles each file once, however many files use it, and keeps the
//! result. A `use` names a file relative to the file that uses it; it may not lead outside
//! the repository root — the nearest folder above the checked paths that holds `.git`, else
//! the folder given — and such a path is refused before anything is read (`files` decides
//! which files named on the command line are read). Files that use each other in a circle are
//! reported by each file in the circle, with the files in it. What a file's `use`s resolve to
//! depends only on that file and the files it leads to, so a file gets the same diagnostics
//! however it is asked for.

use crate::diagnostic::{Code, Diagnostic};
use crate::files::{self, Contents};
use crate::model::Shared;
use crate::source::{SourceFile, Span};
use crate::{ast, compile_ast, syntax, Compiled};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

/// The longest chain of files using one another that is followed.
const MAX_USE_DEPTH: usize = 64;

/// The stack of each thread that reads and checks files: as large as a main thread's.
const WORKER_STACK_BYTES: usize = 8 * 1024 * 1024;

/// One file, read and compiled.
#[derive(Debug)]
pub struct Loaded {
    pub file: SourceFile,
    pub compiled: Compiled,
    /// Whether the file is a contract (`ast::File::is_contract`), which no file can use.
    pub is_contract: bool,
}

#[derive(Debug)]
pub struct Workspace {
    /// The repository root, canonical.
    root: PathBuf,
    /// Where paths are shown relative to (the current folder), canonical.
    shown_from: PathBuf,
    /// Paths are looked up by hash, never by comparison: a path compares a component at a
    /// time, and a contract using 30,000 files spent a third of its check comparing them.
    cache: HashMap<PathBuf, Arc<Loaded>>,
    /// For each loaded file, the longest chain of files it starts through its `use`s (itself
    /// included), which a file that uses it extends by one.
    heights: HashMap<PathBuf, usize>,
    /// Files given as bytes rather than read (a contract on standard input), by the path they
    /// stand at; see `give`.
    given: HashMap<PathBuf, Arc<[u8]>>,
    /// The real path of each folder a `use` has led to, during one `load_all`: see
    /// `canonical_file`.
    folders: Mutex<HashMap<PathBuf, Option<PathBuf>>>,
}

/// The name a contract read from standard input is shown by.
pub const STDIN_NAME: &str = "<stdin>";

/// A file read and parsed, before it is checked: checking waits for the files it uses.
#[derive(Debug)]
struct Parsed {
    file: SourceFile,
    /// The syntax tree, or the diagnostics that stopped it (which end the file's story).
    tree: Result<ast::File, Vec<Diagnostic>>,
    /// Each `use`: the span of its path, the path as written, and where it leads.
    uses: Vec<(Span, String, Destination)>,
}

/// Where a `use` leads, as far as the file system says.
#[derive(Debug)]
enum Destination {
    /// A file inside the repository, canonical.
    File(PathBuf),
    /// Refused before anything was read: absolute, outside the repository, or missing.
    Refused(Diagnostic),
}

/// A file's `use`s: the span of the path, the path as written, and what it resolves to.
type Uses = Vec<(Span, String, Resolution)>;

/// Files read and parsed (or that could not be read), by canonical path.
type ParsedFiles = HashMap<PathBuf, io::Result<Parsed>>;

/// What a `use` gives the file that has it, once the order of checking is known.
#[derive(Debug)]
enum Resolution {
    /// The used file, checked before the file that uses it.
    File(PathBuf),
    Refused(Diagnostic),
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
        Ok(Workspace::at_root(files::repository_of(&start)))
    }

    /// A workspace for the repository `root` (canonical), such as `files::Found::root`.
    pub fn at_root(root: PathBuf) -> Workspace {
        let shown_from = std::env::current_dir()
            .and_then(std::fs::canonicalize)
            .unwrap_or_else(|_| root.clone());
        Workspace {
            root,
            shown_from,
            cache: HashMap::new(),
            heights: HashMap::new(),
            given: HashMap::new(),
            folders: Mutex::new(HashMap::new()),
        }
    }

    /// A contract given as bytes (read from standard input), standing as a file named
    /// `<stdin>` in the current folder: its `use`s are resolved from there, within this
    /// workspace's repository, and it is shown as `<stdin>`. The path to load it by.
    pub fn give(&mut self, bytes: Vec<u8>) -> PathBuf {
        let path = self.shown_from.join(STDIN_NAME);
        self.cache.remove(&path);
        self.given.insert(path.clone(), bytes.into());
        path
    }

    /// Read `text` instead of the file at `path` (canonical) from now on, as if it were saved:
    /// the language server's open buffers, given as a contract on standard input is (`give`).
    pub fn overlay(&mut self, path: PathBuf, text: Arc<str>) {
        self.cache.remove(&path);
        self.given.insert(path, Arc::from(text.as_bytes()));
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// How many files have been read and compiled: each file once, however often it is used.
    pub fn files_read(&self) -> usize {
        self.cache.len()
    }

    /// Every file read and compiled, canonical, in path order: what a command must not write
    /// over.
    pub fn files(&self) -> impl Iterator<Item = &Path> {
        let mut files: Vec<&Path> = self.cache.keys().map(PathBuf::as_path).collect();
        files.sort_unstable();
        files.into_iter()
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

    /// Read and compile a file and the files it uses, or return it from the cache.
    pub fn load(&mut self, path: &Path) -> io::Result<Arc<Loaded>> {
        let mut loaded = self.load_all(&[path.to_path_buf()]);
        loaded
            .pop()
            .unwrap_or_else(|| Err(io::Error::other("nothing was loaded")))
    }

    /// Read and compile files and the files they use, on every core, each file once. Each
    /// file's result depends only on it and the files it uses, not on which files are asked
    /// for, in what order, or on timing.
    ///
    /// Three steps: read and parse every file that can be reached (in parallel, a wave per
    /// depth of `use`); resolve every `use` and decide the order of checking from the graph of
    /// `use`s (cheap: the syntax trees are already built); then check in that order, in
    /// parallel, a file as soon as the files it uses are checked.
    pub fn load_all(&mut self, paths: &[PathBuf]) -> Vec<io::Result<Arc<Loaded>>> {
        // Folders are looked at afresh each time: one may have moved since.
        self.folders
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        // On every core too: a path's real form takes a system call per step of the path.
        let given = &self.given;
        let canonical: Vec<io::Result<PathBuf>> = parallel_map(paths.to_vec(), |path| {
            if given.contains_key(&path) {
                Ok(path)
            } else {
                std::fs::canonicalize(path)
            }
        });

        // 1. Read and parse everything reachable that is not already loaded.
        let mut parsed = ParsedFiles::new();
        let mut wave: Vec<PathBuf> = canonical
            .iter()
            .flatten()
            .filter(|p| !self.cache.contains_key(*p))
            .cloned()
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        // The first wave's paths are as given; every later one's a `use` resolved to a regular
        // file (`canonical_file`), not looked at again before it is opened.
        let mut seen = files::Seen::Unseen;
        while !wave.is_empty() {
            let this = &*self;
            parsed.reserve(wave.len());
            let results = parallel_map(wave, |path| {
                let result = this.parse(&path, seen);
                (path, result)
            });
            seen = files::Seen::Regular;
            let mut next = HashSet::new();
            for (path, result) in results {
                if let Ok(p) = &result {
                    for (_, _, destination) in &p.uses {
                        if let Destination::File(used) = destination {
                            if !self.cache.contains_key(used) {
                                next.insert(used.clone());
                            }
                        }
                    }
                }
                parsed.insert(path, result);
            }
            next.retain(|p| !parsed.contains_key(p));
            wave = next.into_iter().collect();
        }

        // 2. The order of checking, and what each `use` resolves to. From here on a file is
        // its place in path order: a path is hashed once, to find that place.
        let mut read_errors: HashMap<PathBuf, io::Error> = HashMap::new();
        let mut files: Vec<(PathBuf, Parsed)> = Vec::with_capacity(parsed.len());
        for (path, result) in parsed {
            match result {
                Ok(p) => files.push((path, p)),
                Err(error) => {
                    read_errors.insert(path, error);
                }
            }
        }
        // Ordered by the bytes of the path, so that the order of checking never depends on
        // how the files were found (and a byte comparison, not a component's at a time).
        files.sort_unstable_by(|(a, _), (b, _)| {
            a.as_os_str()
                .as_encoded_bytes()
                .cmp(b.as_os_str().as_encoded_bytes())
        });
        let (paths, mut parsed): (Vec<PathBuf>, Vec<Option<Parsed>>) =
            files.into_iter().map(|(path, p)| (path, Some(p))).unzip();
        let graph = Graph::new(&paths, &parsed);
        let (levels, mut resolutions) = self.resolve(&graph, &parsed, &read_errors);

        // 3. Check, level by level: a file's level is one more than the deepest file it uses.
        self.cache.reserve(paths.len());
        for level in levels {
            let jobs: Vec<_> = level
                .into_iter()
                .filter_map(|node| {
                    let p = parsed[node].take()?;
                    Some((&paths[node], p, std::mem::take(&mut resolutions[node])))
                })
                .collect();
            let this = &*self;
            let compiled = parallel_map(jobs, |(path, p, uses)| {
                let loaded = this.compile(path, p, &uses);
                (path, loaded)
            });
            for (path, loaded) in compiled {
                self.cache.insert(path.clone(), Arc::new(loaded));
            }
        }

        canonical
            .into_iter()
            .map(|path| {
                let path = path?;
                if let Some(loaded) = self.cache.get(&path) {
                    return Ok(Arc::clone(loaded));
                }
                Err(match read_errors.get(&path) {
                    Some(error) => io::Error::new(error.kind(), error.to_string()),
                    None => io::Error::other("the file could not be loaded"),
                })
            })
            .collect()
    }

    /// Read, decode and parse one file, and find where each of its `use`s leads.
    fn parse(&self, canonical: &Path, seen: files::Seen) -> io::Result<Parsed> {
        let name = self.shown(canonical);
        let contents = match self.given.get(canonical) {
            Some(bytes) if bytes.len() > syntax::MAX_FILE_BYTES => {
                Contents::TooLarge(u64::try_from(bytes.len()).ok())
            }
            Some(bytes) => Contents::Bytes(bytes.to_vec()),
            None => files::read_limited(canonical, syntax::MAX_FILE_BYTES, seen)?,
        };
        let decoded = match contents {
            Contents::Bytes(bytes) => syntax::decode(&name, &bytes),
            Contents::TooLarge(size) => Err(syntax::too_large(&name, size)),
        };
        let (file, tree) = match decoded {
            Err(failed) => {
                let (file, diagnostic) = *failed;
                (file, Err(vec![diagnostic]))
            }
            Ok(file) => {
                let tree = syntax::parse(&file);
                (file, tree)
            }
        };
        // A bid's specification is read, and checked first, like a used file.
        let uses = match &tree {
            Ok(tree) => tree
                .declarations
                .iter()
                .filter_map(|d| match d {
                    ast::Declaration::Use(ast::Use { path, .. })
                    | ast::Declaration::Bid(ast::Bid {
                        specification: path,
                        ..
                    }) => Some((
                        path.span,
                        path.value.as_str().to_owned(),
                        self.destination(canonical, &path.value, path.span),
                    )),
                    _ => None,
                })
                .collect(),
            Err(_) => Vec::new(),
        };
        Ok(Parsed { file, tree, uses })
    }

    /// Where a `use` of `written` in the file `user` leads, refused if it leaves the
    /// repository or names no file.
    fn destination(&self, user: &Path, written: &str, span: Span) -> Destination {
        let folder = user.parent().unwrap_or(&self.root);
        let wanted = Path::new(written);
        if wanted.is_absolute() {
            return Destination::Refused(Diagnostic::new(
                Code::E0210,
                format!("`{written}` is an absolute path"),
                span,
                "a used file is named relative to this one",
            )
            .help("name the file relative to this contract's folder, such as `framework/outcomes.outcome`"));
        }
        let Some(target) = normalise(&folder.join(wanted)) else {
            return Destination::Refused(self.outside(written, span));
        };
        if !target.starts_with(&self.root) {
            return Destination::Refused(self.outside(written, span));
        }
        let canonical = match self.canonical_file(&target) {
            Some(c) => c,
            None => {
                return Destination::Refused(Diagnostic::new(
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
            return Destination::Refused(self.outside(written, span));
        }
        Destination::File(canonical)
    }

    /// The real path of `target` (absolute, without `.` or `..`) when it is a regular file, or
    /// through links to one. Its folder is made real once for all the files in it (`realpath`
    /// takes a system call for each step of a path, and a contract using 30,000 files spent a
    /// tenth of its time there), then the file itself is looked at without following a link:
    /// a regular file in a real folder is real as it stands, and a link is followed as
    /// `realpath` would.
    fn canonical_file(&self, target: &Path) -> Option<PathBuf> {
        let real = |path: &Path| std::fs::canonicalize(path).ok().filter(|c| c.is_file());
        let (Some(folder), Some(name)) = (target.parent(), target.file_name()) else {
            return real(target);
        };
        let known = self
            .folders
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(folder)
            .cloned();
        let folder_real = match known {
            Some(known) => known,
            None => {
                let found = std::fs::canonicalize(folder).ok();
                self.folders
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(folder.to_path_buf(), found.clone());
                found
            }
        }?;
        let path = folder_real.join(name);
        let kind = std::fs::symlink_metadata(&path).ok()?.file_type();
        if kind.is_file() {
            Some(path)
        } else if kind.is_symlink() {
            real(&path)
        } else {
            None
        }
    }

    /// Check one parsed file against the files it uses, all already loaded.
    fn compile(
        &self,
        canonical: &Path,
        parsed: Parsed,
        uses: &[(Span, String, Resolution)],
    ) -> Loaded {
        let Parsed { file, tree, .. } = parsed;
        let tree = match tree {
            Ok(tree) => tree,
            Err(diagnostics) => {
                return Loaded {
                    file,
                    compiled: Compiled::failed(diagnostics),
                    is_contract: false,
                }
            }
        };
        if let Some(bid) = tree.bid() {
            let specification = uses
                .iter()
                .find(|(span, _, _)| *span == bid.specification.span)
                .map(|(_, _, resolution)| resolution);
            return Loaded {
                compiled: self.compile_bid(&tree, bid, specification),
                file,
                is_contract: true,
            };
        }
        let mut used: HashMap<Span, Result<Arc<Shared>, Diagnostic>> = uses
            .iter()
            .map(|(span, written, resolution)| {
                let result = match resolution {
                    Resolution::Refused(diagnostic) => Err(diagnostic.clone()),
                    Resolution::File(path) => self.shared_of(path, written, *span),
                };
                (*span, result)
            })
            .collect();
        let mut compiled = compile_ast(&file, &tree, &mut |_, span| take_used(&mut used, span));
        let is_contract = tree.is_contract();
        // Shared declarations name their file relative to the repository root, so a
        // contract's JSON does not depend on where it was built from.
        if let Some(shared) = compiled.shared.as_mut().map(Arc::make_mut) {
            let relative = canonical.strip_prefix(&self.root).unwrap_or(canonical);
            shared.file = relative.to_string_lossy().replace('\\', "/");
        }
        Loaded {
            file,
            compiled,
            is_contract,
        }
    }

    /// A bid checked against its specification, loaded before it (`evaluate::bid`).
    fn compile_bid(
        &self,
        tree: &ast::File,
        bid: &ast::Bid,
        specification: Option<&Resolution>,
    ) -> Compiled {
        let path = match specification {
            Some(Resolution::File(path)) => path,
            Some(Resolution::Refused(diagnostic)) => {
                return crate::evaluate::bid::compile(tree, Err(diagnostic.clone()))
            }
            None => {
                let unread = Diagnostic::new(
                    Code::E0208,
                    "this specification could not be read",
                    bid.specification.span,
                    "here",
                );
                return crate::evaluate::bid::compile(tree, Err(unread));
            }
        };
        let Some(loaded) = self.cache.get(path) else {
            let unread = Diagnostic::new(
                Code::E0208,
                format!("`{}` cannot be read", bid.specification.value),
                bid.specification.span,
                "unreadable",
            )
            .help("check the file's permissions");
            return crate::evaluate::bid::compile(tree, Err(unread));
        };
        // The specification checked clean or the bid is refused, so its syntax tree and its
        // `use`s are to be had again, each used file already loaded.
        let spec_tree = syntax::parse(&loaded.file).unwrap_or_default();
        let mut used: HashMap<Span, Result<Arc<Shared>, Diagnostic>> = spec_tree
            .declarations
            .iter()
            .filter_map(|d| match d {
                ast::Declaration::Use(u) => Some(u),
                _ => None,
            })
            .map(|u| {
                let result = match self.destination(path, &u.path.value, u.path.span) {
                    Destination::File(file) => self.shared_of(&file, &u.path.value, u.path.span),
                    Destination::Refused(diagnostic) => Err(diagnostic),
                };
                (u.path.span, result)
            })
            .collect();
        let mut resolve = |_: &str, span: Span| take_used(&mut used, span);
        crate::evaluate::bid::compile(
            tree,
            Ok(crate::evaluate::bid::Specification {
                file: &loaded.file,
                tree: &spec_tree,
                compiled: &loaded.compiled,
                resolve: &mut resolve,
            }),
        )
    }

    /// What a loaded file offers the file that uses it, or why it cannot be used.
    fn shared_of(&self, path: &Path, written: &str, span: Span) -> Result<Arc<Shared>, Diagnostic> {
        let Some(loaded) = self.cache.get(path) else {
            return Err(Diagnostic::new(
                Code::E0208,
                format!("`{written}` cannot be read"),
                span,
                "unreadable",
            )
            .help("check the file's permissions"));
        };
        if loaded.is_contract {
            let shown = self.shown(path);
            return Err(Diagnostic::new(
                Code::E0211,
                format!("`{shown}` is a contract, so it cannot be used"),
                span,
                "used here",
            )
            .help("only files of shared outcomes, cohorts and measures can be used; move what both contracts need into such a file"));
        }
        match &loaded.compiled.shared {
            Some(shared) => Ok(Arc::clone(shared)),
            None => {
                let shown = self.shown(path);
                Err(Diagnostic::new(
                    Code::E0211,
                    format!("`{shown}` has errors, so it cannot be used until they are fixed"),
                    span,
                    "used here",
                )
                .help(format!("run `outcome check {shown}` to see its errors")))
            }
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

impl Workspace {
    /// What each `use` of the newly parsed files resolves to (by each file's place in
    /// `graph`), and the files in levels of checking: each level's files use only files of
    /// the levels before it or files already loaded.
    ///
    /// What a `use` resolves to depends only on the file that has it and the files it leads
    /// to, never on which files were asked for or in what order, so a file gets the same
    /// diagnostics checked alone, with others, or as part of a folder. The files that use one
    /// another in a circle are the strongly connected components of the graph of `use`s: each
    /// `use` from one file of a circle to another is refused (E0209), naming the circle it
    /// closes. A `use` of a file that starts a chain of more than `MAX_USE_DEPTH` files is
    /// refused (E0211).
    fn resolve(
        &mut self,
        graph: &Graph<'_>,
        parsed: &[Option<Parsed>],
        read_errors: &HashMap<PathBuf, io::Error>,
    ) -> (Vec<Vec<usize>>, Vec<Uses>) {
        let n = graph.paths.len();
        let mut resolutions: Vec<Uses> = std::iter::repeat_with(Vec::new).take(n).collect();
        // Each file's height (see `heights`) and level of checking (one more than the deepest
        // new file it uses), known for every file a component leads to before the component.
        let mut heights = vec![1; n];
        let mut level = vec![0; n];
        let mut levels: Vec<Vec<usize>> = Vec::new();
        self.heights.reserve(n);
        // Components come out with the components they lead to first.
        for component in graph.components() {
            for &node in &component {
                let Some(file) = &parsed[node] else {
                    continue;
                };
                let mut height = 1;
                let mut depth = 0;
                let mut uses = Vec::with_capacity(file.uses.len());
                for ((span, written, destination), &to) in
                    file.uses.iter().zip(&graph.targets[node])
                {
                    let resolution = match (destination, to) {
                        (Destination::Refused(diagnostic), _) => {
                            Resolution::Refused(diagnostic.clone())
                        }
                        // Both in the component, which is sorted: a circle.
                        (Destination::File(_), Some(to))
                            if component.binary_search(&to).is_ok() =>
                        {
                            Resolution::Refused(
                                self.circle(&graph.circle(node, to, &component), *span),
                            )
                        }
                        (Destination::File(used), Some(to)) => {
                            depth = depth.max(level[to] + 1);
                            self.chain(used, written, *span, heights[to], &mut height)
                        }
                        (Destination::File(used), None) => match read_errors.get(used) {
                            Some(error) => Resolution::Refused(unreadable(written, error, *span)),
                            None => {
                                let below = self.heights.get(used).copied().unwrap_or(1);
                                self.chain(used, written, *span, below, &mut height)
                            }
                        },
                    };
                    uses.push((*span, written.clone(), resolution));
                }
                heights[node] = height;
                level[node] = depth;
                self.heights.insert(graph.paths[node].clone(), height);
                resolutions[node] = uses;
                if levels.len() <= depth {
                    levels.resize_with(depth + 1, Vec::new);
                }
                levels[depth].push(node);
            }
        }
        (levels, resolutions)
    }

    /// A `use` of a readable file outside the user's circle, which starts a chain of `below`
    /// files: refused if that chain is too long; otherwise it raises the user's `height` to
    /// one more.
    fn chain(
        &self,
        used: &Path,
        written: &str,
        span: Span,
        below: usize,
        height: &mut usize,
    ) -> Resolution {
        if below > MAX_USE_DEPTH {
            return Resolution::Refused(Diagnostic::new(
                Code::E0211,
                format!("`{written}` is used through a chain of more than {MAX_USE_DEPTH} files"),
                span,
                "too deep",
            )
            .help("use the framework files directly from the contract instead of through a long chain"));
        }
        *height = (*height).max(below + 1);
        Resolution::File(used.to_path_buf())
    }

    /// The diagnostic for a `use` that closes `circle` (its files, the user first and last).
    fn circle(&self, circle: &[&PathBuf], span: Span) -> Diagnostic {
        let mut names: Vec<String> = circle
            .iter()
            .take(CIRCLE_SHOWN)
            .map(|p| format!("`{}`", self.shown(p)))
            .collect();
        if circle.len() > CIRCLE_SHOWN {
            names.push(format!("… ({} files in all)", circle.len() - 1));
            if let Some(last) = circle.last() {
                names.push(format!("`{}`", self.shown(last)));
            }
        }
        Diagnostic::new(
            Code::E0209,
            format!("these files use each other in a circle: {}", names.join(" → ")),
            span,
            "this `use` closes the circle",
        )
        .help("move the shared declarations into a file that uses none of the others, and use that file from each")
    }
}

/// The diagnostic for a `use` of a file that could not be read.
fn unreadable(written: &str, error: &io::Error, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::E0208,
        format!("`{written}` cannot be read: {error}"),
        span,
        "unreadable",
    )
    .help("check the file's permissions")
}

/// What the `use` at `span` gives, resolved beforehand into `used`.
fn take_used(
    used: &mut HashMap<Span, Result<Arc<Shared>, Diagnostic>>,
    span: Span,
) -> Result<Arc<Shared>, Diagnostic> {
    used.remove(&span).unwrap_or_else(|| {
        Err(Diagnostic::new(
            Code::E0208,
            "this file could not be used",
            span,
            "here",
        ))
    })
}

/// The most files of a circle named in its diagnostic.
const CIRCLE_SHOWN: usize = 12;

/// The `use`s between newly parsed files, as a graph over their places in path order.
struct Graph<'a> {
    paths: &'a [PathBuf],
    /// For each file, where each of its `use`s leads among the new files, if it does.
    targets: Vec<Vec<Option<usize>>>,
    /// Each file's `use`s of other new files, in the order written.
    edges: Vec<Vec<usize>>,
}

impl<'a> Graph<'a> {
    fn new(paths: &'a [PathBuf], parsed: &[Option<Parsed>]) -> Graph<'a> {
        let index: HashMap<&Path, usize> = paths
            .iter()
            .enumerate()
            .map(|(i, p)| (p.as_path(), i))
            .collect();
        let targets: Vec<Vec<Option<usize>>> = parsed
            .iter()
            .map(|file| {
                file.iter()
                    .flat_map(|file| &file.uses)
                    .map(|(_, _, destination)| match destination {
                        Destination::File(used) => index.get(used.as_path()).copied(),
                        Destination::Refused(_) => None,
                    })
                    .collect()
            })
            .collect();
        let edges = targets
            .iter()
            .map(|to| to.iter().flatten().copied().collect())
            .collect();
        Graph {
            paths,
            targets,
            edges,
        }
    }

    /// The strongly connected components (Tarjan's algorithm, without recursion so a long
    /// chain of files cannot exhaust the stack), each component after every component it
    /// leads to; members in path order.
    fn components(&self) -> Vec<Vec<usize>> {
        let n = self.paths.len();
        let mut number: Vec<Option<usize>> = vec![None; n];
        let mut low = vec![0; n];
        let mut on_stack = vec![false; n];
        let mut stack = Vec::new();
        let mut next = 0;
        let mut components = Vec::new();
        for start in 0..n {
            if number[start].is_some() {
                continue;
            }
            let mut calls = vec![(start, 0)];
            number[start] = Some(next);
            low[start] = next;
            next += 1;
            stack.push(start);
            on_stack[start] = true;
            while let Some(&mut (node, ref mut edge)) = calls.last_mut() {
                if let Some(&to) = self.edges[node].get(*edge) {
                    *edge += 1;
                    match number[to] {
                        None => {
                            number[to] = Some(next);
                            low[to] = next;
                            next += 1;
                            stack.push(to);
                            on_stack[to] = true;
                            calls.push((to, 0));
                        }
                        Some(n) if on_stack[to] => low[node] = low[node].min(n),
                        Some(_) => {}
                    }
                    continue;
                }
                calls.pop();
                if let Some(&(caller, _)) = calls.last() {
                    low[caller] = low[caller].min(low[node]);
                }
                if Some(low[node]) == number[node] {
                    let mut component = Vec::new();
                    while let Some(member) = stack.pop() {
                        on_stack[member] = false;
                        component.push(member);
                        if member == node {
                            break;
                        }
                    }
                    component.sort_unstable();
                    components.push(component);
                }
            }
        }
        components
    }

    /// The circle a `use` from `from` to `to` closes, both in one component: `from`, then the
    /// shortest way from `to` back to `from` (the first `use` written wins a tie).
    fn circle(&self, from: usize, to: usize, members: &[usize]) -> Vec<&'a PathBuf> {
        let mut came_from: BTreeMap<usize, usize> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([to]);
        let mut seen = BTreeSet::from([to]);
        while let Some(node) = queue.pop_front() {
            if node == from {
                break;
            }
            for &next in &self.edges[node] {
                if members.binary_search(&next).is_ok() && seen.insert(next) {
                    came_from.insert(next, node);
                    queue.push_back(next);
                }
            }
        }
        let mut way = vec![from];
        let mut node = from;
        while node != to {
            match came_from.get(&node) {
                Some(&previous) => {
                    way.push(previous);
                    node = previous;
                }
                None => break,
            }
        }
        way.push(from);
        // `way` runs from `from` backwards to `to`, then `from`: turn the middle round.
        let last = way.len() - 1;
        way[1..last].reverse();
        way.into_iter().map(|i| &self.paths[i]).collect()
    }
}

/// How many threads work shared out runs on: as many as there are cores, or as
/// `OUTCOME_THREADS=N` says (a whole number from 1; see `parallel_map`).
pub(crate) fn threads() -> usize {
    std::env::var("OUTCOME_THREADS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| *n >= 1)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// `work` applied to every item, on as many threads as there are cores (and items), in the
/// items' order. Threads take the next item as they finish one, so a few large files do not
/// leave a core idle.
///
/// `OUTCOME_THREADS=N` (a whole number from 1) sets the number of threads instead, to measure
/// how well the work shares out (the throughput benchmark compares 1 thread with all cores);
/// the output is the same whatever the number.
pub(crate) fn parallel_map<T: Send, R: Send>(
    items: Vec<T>,
    work: impl Fn(T) -> R + Sync,
) -> Vec<R> {
    let threads = threads().min(items.len());
    if threads <= 1 {
        return items.into_iter().map(work).collect();
    }
    let pending = Mutex::new(items.into_iter().enumerate());
    let next = || {
        pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .next()
    };
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let mut workers = Vec::new();
        for _ in 0..threads {
            // The main thread's stack, not a spawned thread's smaller default: the parser
            // and the passes are deep on deeply nested input.
            let worker = std::thread::Builder::new()
                .stack_size(WORKER_STACK_BYTES)
                .spawn_scoped(scope, || {
                    let mut done = Vec::new();
                    while let Some((i, item)) = next() {
                        done.push((i, work(item)));
                    }
                    done
                });
            match worker {
                Ok(worker) => workers.push(worker),
                // No thread to be had: the threads already started (or this one, below)
                // do the work.
                Err(_) => break,
            }
        }
        let mut done: Vec<(usize, R)> = Vec::new();
        for worker in workers {
            match worker.join() {
                Ok(part) => done.extend(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        // Whatever no thread took (none could be started) is done here.
        while let Some((i, item)) = next() {
            done.push((i, work(item)));
        }
        done
    });
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
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
