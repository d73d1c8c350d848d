//! A CSV return read and judged on several threads, with the report the same bytes as
//! reading it row by row (`engine::run`) makes.
//!
//! The file's rows after the header are split at line breaks into as many parts as threads,
//! and each thread reads its part, from the file by position a piece at a time (or in place,
//! when the bytes are held: `Source`): what a row says on its own is judged there
//! (`engine::Rules::row`), and each claim is kept as a few numbers (the stage, the day, the
//! row within the part, and the participant's key when it is short, with which of its
//! letters are capitals in the reference; the reference itself copied only when it cannot
//! be made so), sent to the shard of its participant. The file is then done with (the file is
//! never held whole, and held bytes can be freed: `Parted`) before the shards are judged.
//! Each shard holds a range of keys,
//! its bounds taken from the keys of rows sampled across the file (`Bounds`) so that the
//! shards hold about as many participants each. There are as many shards as keep each one's
//! table of participants in the processor's caches (about 4,096 participants a shard,
//! `shards_for`), the threads taking them in turns. Each shard then takes its claims in the
//! order of the file (the parts in order, each part's rows in order), with a table of
//! participants of its own, judges its participants against the sequence, lists those
//! accepted in the order of their keys, and frees its claims. What depends on the order of
//! all rows or all participants is put together on one thread: the rows' numbers (a part's
//! first row is known once the parts before it are counted), the rejections listed (the
//! first ones in the order of rows, then of participants' keys), and the participants, the
//! shards' lists one after the other, their ranges being in the order of keys; the cohorts
//! and payments are then made from them as ever.
//!
//! A row counts one line here. A quoted value that holds a line break makes a row of several
//! lines, and where rows begin then depends on every line before: a return with one (or
//! with a line longer than `input::MAX_LINE_BYTES`, or a quote in its header) is not read
//! here (`read` gives `None`), and the caller reads it row by row.

use super::engine::{
    self, key_of, Accepted, Claim, Fields, Judged, Reject, Rejections, Rules, ShortKey, Table,
    Verdict,
};
use super::input::{self, Columns, CsvRows, DateFormat, Record, MAX_LINE_BYTES, NOT_UTF8};
use super::{Input, Options, ReasonCount, Rejected, Rejection, Report, Row};
use crate::model::Contract;
use std::io::Read;

/// The largest CSV file read in parts on several threads (1 GiB): a larger one is read row
/// by row, so that the memory a report takes stays bounded by its participants rather than
/// its rows (each row read in parts keeps its claim, 40 bytes, until its shard is judged).
pub const PARTS_MOST: u64 = 1 << 30;

/// The columns of a return and its separator, as its header says.
pub struct Layout {
    columns: Columns,
    separator: u8,
}

impl Layout {
    /// The layout `rows` read from the header; `None` for a header without the columns.
    pub fn of<R: Read>(rows: &CsvRows<R>) -> Option<Layout> {
        Some(Layout {
            columns: rows.columns()?.clone(),
            separator: rows.separator(),
        })
    }
}

/// A return read and judged; `report` makes the report.
pub struct Whole<'c> {
    rules: Rules<'c>,
    judged: Judged,
    not_utf8: u64,
}

impl Whole<'_> {
    /// How many rows were malformed because their text is not UTF-8.
    pub fn rows_not_utf8(&self) -> u64 {
        self.not_utf8
    }

    /// The report, as `engine::run_with` makes it with `lines`.
    pub fn report(self, options: &Options, lines: engine::Lines<'_>) -> Result<Report, String> {
        engine::finish(&self.rules, self.judged, options, lines)
    }
}

/// Where a return's bytes are read from: held in memory, or a file read by position, each
/// thread its own part a piece at a time, so that the file is never held whole.
#[derive(Clone, Copy)]
pub enum Source<'a> {
    Held(&'a [u8]),
    File {
        file: &'a std::fs::File,
        /// The file's length when it was opened: the parts are split by it, and the last
        /// reads on to the end if the file has grown since (one that has shrunk is not read
        /// here).
        length: u64,
        /// The most bytes read at once (a megabyte, say).
        piece: usize,
        /// Told of the bytes each read takes, on the thread that read them.
        read: &'a (dyn Fn(u64) + Sync),
    },
}

impl<'a> Source<'a> {
    fn len(&self) -> usize {
        match self {
            Source::Held(bytes) => bytes.len(),
            Source::File { length, .. } => usize::try_from(*length).unwrap_or(usize::MAX),
        }
    }

    /// At most `most` bytes from `at` (fewer at the end); `None` if the file cannot be read.
    fn window(&self, at: usize, most: usize) -> Option<std::borrow::Cow<'a, [u8]>> {
        match *self {
            Source::Held(bytes) => {
                let start = at.min(bytes.len());
                Some(bytes[start..start.saturating_add(most).min(bytes.len())].into())
            }
            Source::File { file, .. } => {
                let mut buffer = vec![0; most.min(self.len().saturating_sub(at))];
                let n = read_fully(file, &mut buffer, at as u64)?;
                buffer.truncate(n);
                Some(buffer.into())
            }
        }
    }

    /// Where the line after the first `\n` from `at` begins (the end if there is none).
    fn after_line_break(&self, at: usize) -> Option<usize> {
        let mut from = at;
        let mut step = 1 << 12;
        while from < self.len() {
            let window = self.window(from, step)?;
            if window.is_empty() {
                break;
            }
            if let Some(n) = window.iter().position(|&b| b == b'\n') {
                return Some(from + n + 1);
            }
            from += window.len();
            step = (step * 2).min(1 << 20);
        }
        Some(self.len())
    }
}

/// Fill `buffer` from `file` at `at`, as far as the file goes: how many bytes were read;
/// `None` if it cannot be read.
fn read_fully(file: &std::fs::File, buffer: &mut [u8], at: u64) -> Option<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match read_at(file, &mut buffer[filled..], at + filled as u64) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    Some(filled)
}

#[cfg(unix)]
fn read_at(file: &std::fs::File, buffer: &mut [u8], at: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buffer, at)
}

/// Reading by position without moving the file's cursor is Unix's: elsewhere a file is not
/// read here (the caller reads it row by row).
#[cfg(not(unix))]
fn read_at(_: &std::fs::File, _: &mut [u8], _: u64) -> std::io::Result<usize> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// Read and judge the rows of `source`, a CSV return in UTF-8 (a UTF-8 byte order mark at
/// its start or none) with the header `layout` describes, on `threads` threads; `dates` as
/// `input::dates` reads them. `None` when the return is not one to read so (see the
/// module's notes), or the contract's rules cannot be read: read it row by row.
pub fn read<'c>(
    contract: &'c Contract,
    options: &Options,
    source: Source<'_>,
    layout: &Layout,
    dates: Option<DateFormat>,
    threads: usize,
) -> Option<Whole<'c>> {
    read_in_shards(contract, options, source, layout, dates, threads, None)
}

/// As `read`, with the participants sent to `shards` shards (by default as many as keep
/// each shard's table in the processor's caches, `shards_for`): the report is the same for
/// any number.
pub fn read_in_shards<'c>(
    contract: &'c Contract,
    options: &Options,
    source: Source<'_>,
    layout: &Layout,
    dates: Option<DateFormat>,
    threads: usize,
    shards: Option<usize>,
) -> Option<Whole<'c>> {
    let parted = read_parts(contract, options, source, layout, dates, (threads, shards))?;
    Some(parted.judge(options))
}

/// The rows of a return read, each claim sent to its shard, and not yet judged: nothing in
/// it refers to the file's bytes (references that cannot be made from their keys are
/// copied), so that the caller can free the file, as large as everything the shards then
/// make, before they are judged (`judge`).
pub struct Parted<'c> {
    rules: Rules<'c>,
    parts: Vec<Part>,
    /// Each part's first row.
    bases: Vec<u64>,
    shards: usize,
    threads: usize,
    limit: usize,
}

/// The first half of `read_in_shards`: the rows of `bytes` read in parts, on `threads`
/// threads, each claim sent to one of `shards` shards (by default `shards_for`).
pub fn read_parts<'c>(
    contract: &'c Contract,
    options: &Options,
    source: Source<'_>,
    layout: &Layout,
    dates: Option<DateFormat>,
    (threads, shards): (usize, Option<usize>),
) -> Option<Parted<'c>> {
    let rules = Rules::of(contract, options).ok()?;
    // The header is among the first lines: found in the first 64 KB, or else in a window as
    // long as the longest line, and taken only if its line ends there (or the file does).
    let header = |most: usize| {
        let head = source.window(0, most)?;
        let (body, rows) = header_end(&head)?;
        (body < head.len() || head.len() >= source.len()).then_some((body, rows))
    };
    let (body, header_rows) = header(1 << 16).or_else(|| header(MAX_LINE_BYTES + (1 << 16)))?;
    let limit = options.listed_rejections.unwrap_or(super::DEFAULT_LISTED);
    let threads = threads.max(1);
    let mut reading = Reading {
        source,
        rules: &rules,
        layout,
        dates,
        bounds: Bounds::default(),
        limit,
    };
    let shards = shards
        .unwrap_or_else(|| shards_for(reading.rows_about(&(body..source.len())), threads))
        .max(1);
    reading.bounds = Bounds::sampled(source, layout, body, shards);
    let ranges = split(source, body, threads)?;
    let parts: Vec<Part> = on_threads(ranges, |range| reading.part(range))
        .into_iter()
        .collect::<Option<_>>()?;
    // Each part's first row follows the rows of the parts before it.
    let mut bases = Vec::with_capacity(parts.len());
    let mut next = header_rows;
    for part in &parts {
        bases.push(next);
        next += part.rows;
    }
    Some(Parted {
        shards: reading.bounds.shards(),
        rules,
        parts,
        bases,
        threads,
        limit,
    })
}

impl<'c> Parted<'c> {
    /// Judge the shards on the threads, and put together what depends on the order of all
    /// rows or all participants.
    ///
    /// Each shard is handed its claims from every part and frees them once judged, so that
    /// what the shards make takes the place of the claims rather than adding to them: ten
    /// million rows' claims are 400 MB.
    pub fn judge(mut self, options: &Options) -> Whole<'c> {
        let mut by_shard: Vec<Vec<Vec<Flat>>> = (0..self.shards)
            .map(|_| Vec::with_capacity(self.parts.len()))
            .collect();
        for part in &mut self.parts {
            for (shard, claims) in std::mem::take(&mut part.claims).into_iter().enumerate() {
                by_shard[shard].push(claims);
            }
        }
        let shards = in_turns(by_shard, self.threads, |claims| {
            judge_shard((&self.rules, self.limit), claims, &self.parts, &self.bases)
        });
        whole(self.rules, options, &self.parts, &self.bases, shards)
    }
}

/// The rows read and the shards judged, put together.
fn whole<'c>(
    rules: Rules<'c>,
    options: &Options,
    parts: &[Part],
    bases: &[u64],
    shards: Vec<Shard>,
) -> Whole<'c> {
    let mut rejected = Rejections::new(options);
    // Rows rejected as they are read, in the order of rows: at most one a row.
    let mut by_row: Vec<Rejected> = Vec::new();
    for (part, base) in parts.iter().zip(bases) {
        by_row.extend(part.rejected.listed.iter().cloned().map(|mut r| {
            r.row += base;
            r
        }));
    }
    for shard in &shards {
        by_row.extend(shard.duplicates.listed.iter().cloned());
    }
    by_row.sort_by_key(|r| r.row);
    for r in by_row {
        rejected.add(r);
    }
    for counted in parts
        .iter()
        .map(|p| &p.rejected.counted)
        .chain(shards.iter().map(|s| &s.duplicates.counted))
    {
        for c in counted {
            rejected.add_unlisted(c.reason, c.rows);
        }
    }
    let judged = Judged {
        read: parts.iter().map(|p| p.read).sum(),
        after_report_date: parts.iter().map(|p| p.after).sum(),
        accepted: merge(shards, &mut rejected),
        rejected,
    };
    Whole {
        rules,
        judged,
        not_utf8: parts.iter().map(|p| p.not_utf8).sum(),
    }
}

/// Where the rows begin (past a UTF-8 byte order mark, the blank lines and rows of separators
/// alone before the header, and the header's line) and how many rows that is; `None` for a header that holds a quote (it
/// may run over several lines) or a line too long, or text with a UTF-16 byte order mark.
fn header_end(bytes: &[u8]) -> Option<(usize, u64)> {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return None;
    }
    let mut at = if bytes.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let mut rows = 0;
    while at < bytes.len() {
        let (line, next) = line_at(bytes, at, bytes.len());
        rows += 1;
        at = next;
        if line.len() > MAX_LINE_BYTES || line.contains(&b'"') {
            return None;
        }
        // Blank rows above the header (`,,,`) are skipped as reading row by row skips them.
        if !line.is_empty() && !input::is_blank_line(line) {
            return Some((at, rows));
        }
    }
    None
}

/// The line that starts at `at` (before `end`), without its line break (`\n`, `\r\n` or a
/// `\r` alone, as a CSV return is read), and where the next starts.
fn line_at(bytes: &[u8], at: usize, end: usize) -> (&[u8], usize) {
    let rest = &bytes[at..end];
    match rest.iter().position(|&b| b == b'\n' || b == b'\r') {
        Some(i) => {
            let crlf = rest[i] == b'\r' && rest.get(i + 1) == Some(&b'\n');
            (&rest[..i], at + i + 1 + usize::from(crlf))
        }
        None => (rest, end),
    }
}

/// How many of the bytes of `buffer` are whole lines: up to its last line break, but for a
/// `\r` as its last byte, which may be the first of a `\r\n` that the next bytes end.
fn complete_lines(buffer: &[u8]) -> usize {
    let breaks = |bytes: &[u8]| bytes.iter().rposition(|&b| b == b'\n' || b == b'\r');
    match breaks(buffer) {
        Some(last) if buffer[last] == b'\r' && last + 1 == buffer.len() => {
            breaks(&buffer[..last]).map_or(0, |before| before + 1)
        }
        Some(last) => last + 1,
        None => 0,
    }
}

/// The rows from `body` split into `parts` ranges, each ending just after a `\n` (or at the
/// end), so that no line break is split.
fn split(source: Source<'_>, body: usize, parts: usize) -> Option<Vec<std::ops::Range<usize>>> {
    let length = source.len().saturating_sub(body);
    let mut ranges = Vec::with_capacity(parts);
    let mut start = body;
    for i in 1..=parts {
        let end = if i == parts {
            source.len()
        } else {
            let aim = (body + (length as u128 * i as u128 / parts as u128) as usize).max(start);
            source.after_line_break(aim)?
        };
        ranges.push(start..end);
        start = end;
    }
    Some(ranges)
}

/// About how many participants a shard's table is made for: its participants, their claims
/// and its index of keys then stay in the processor's second-level cache while the shard's
/// claims are taken, instead of each claim's participant being a read from memory.
const SHARD_PARTICIPANTS: usize = 4096;

/// Rows per participant a return is taken to have when choosing the shards (the benchmark's
/// has 4.3): fewer, and a shard holds more participants than `SHARD_PARTICIPANTS`.
const ROWS_PER_PARTICIPANT: usize = 4;

/// How many shards the participants of a return of about `rows` rows are sent to: a
/// multiple of `threads`, so that each thread takes as many, and at most 1,024 (a return of
/// tens of millions of rows) unless there are more threads than that.
fn shards_for(rows: usize, threads: usize) -> usize {
    let per_thread = (rows / ROWS_PER_PARTICIPANT / SHARD_PARTICIPANTS / threads)
        .clamp(1, 1024 / threads.min(1024));
    per_thread * threads
}

/// `work` on each item, each on a thread of its own (the first on this one), in order.
fn on_threads<T: Send, R: Send>(items: Vec<T>, work: impl Fn(T) -> R + Sync) -> Vec<R> {
    let mut items = items.into_iter();
    let Some(first) = items.next() else {
        return Vec::new();
    };
    std::thread::scope(|scope| {
        let work = &work;
        let others: Vec<_> = items.map(|item| scope.spawn(move || work(item))).collect();
        let mut done = vec![work(first)];
        for other in others {
            match other.join() {
                Ok(result) => done.push(result),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        done
    })
}

/// `work` on each item on `threads` threads, each taking every `threads`-th item in turn
/// (the first thread on this one), the results in the order of the items.
fn in_turns<T: Send, R: Send>(
    items: Vec<T>,
    threads: usize,
    work: impl Fn(T) -> R + Sync,
) -> Vec<R> {
    let threads = threads.clamp(1, items.len().max(1));
    let mut turns: Vec<Vec<T>> = (0..threads).map(|_| Vec::new()).collect();
    let count = items.len();
    for (i, item) in items.into_iter().enumerate() {
        turns[i % threads].push(item);
    }
    let mut done: Vec<std::vec::IntoIter<R>> = on_threads(turns, |turn| {
        turn.into_iter().map(&work).collect::<Vec<R>>()
    })
    .into_iter()
    .map(Vec::into_iter)
    .collect();
    (0..count)
        .filter_map(|i| done[i % threads].next())
        .collect()
}

/// Rejected rows as a part of the return or a shard makes them, in its order: the first
/// `limit` listed (no more can be among the report's first `limit`), the rest counted.
struct Listed {
    listed: Vec<Rejected>,
    limit: usize,
    counted: Vec<ReasonCount>,
}

impl Listed {
    fn new(limit: usize) -> Listed {
        Listed {
            listed: Vec::new(),
            limit,
            counted: Vec::new(),
        }
    }
}

impl Reject for Listed {
    fn add(&mut self, rejected: Rejected) {
        if self.listed.len() < self.limit {
            self.listed.push(rejected);
            return;
        }
        match self
            .counted
            .iter_mut()
            .find(|c| c.reason == rejected.reason)
        {
            Some(count) => count.rows += 1,
            None => self.counted.push(ReasonCount {
                reason: rejected.reason,
                rows: 1,
            }),
        }
    }
}

/// A claim as a part holds it for its shard, in 40 bytes (ten million rows' claims are held
/// at once): the participant's key when it is short, the claim's row (counted from the
/// part's first: a part of at most `PARTS_MOST` bytes has fewer rows than 2^32), day and
/// stage, and `more`: how the reference differs from its key (`Flat::capitals`) when that is
/// all there is to know, or else the place in the part's `more` of what else there is.
#[derive(Clone, Copy)]
struct Flat {
    /// The participant's key (`engine::key_of`), when it is short.
    key: Option<ShortKey>,
    row: u32,
    day: u32,
    stage: u32,
    more: u32,
}

const _: () = assert!(std::mem::size_of::<Flat>() == 40);

impl Flat {
    /// `Flat::more` for a claim with `More` at this place in the part's `more`.
    const MORE: u32 = 1 << 31;

    /// How the reference differs from its key, when that is all there is to know (no
    /// attributes, the reference not copied): a bit for each byte that is a capital in the
    /// reference (`capitals_of`: fewer than `ShortKey::MOST` bits, below `Flat::MORE`).
    fn capitals(self) -> Option<u32> {
        (self.more & Flat::MORE == 0).then_some(self.more)
    }
}

/// What a claim has besides its key, when more than its capitals: where the participant's
/// reference is in the part's `text` (when it cannot be made from its key: `at` and
/// `length` are 0 otherwise), its attributes (a place in the part's `attributes`, or
/// `NONE`), and how the reference differs from its key, so that a participant's reference
/// is made from the key when it is new, neither kept with every claim nor read from the
/// file: a bit for each byte that is a capital in the reference (`capitals_of`), `0` for
/// none; `COPIED` when it differs otherwise (the reference is then in the part's `text`).
#[derive(Clone, Copy)]
struct More {
    at: usize,
    length: u32,
    attributes: u32,
    capitals: u32,
}

/// `Flat::capitals` for a reference whose key it is not made from: it is copied.
const COPIED: u32 = u32::MAX;

/// Which bytes of `reference` are capitals of ASCII that its key (`engine::key_of`) has small:
/// a bit for each, counted from the first byte; `COPIED` when the two differ otherwise (in
/// length, a capital beyond ASCII, spaces trimmed) or are longer than a key held in a
/// `ShortKey`.
fn capitals_of(key: &str, reference: &str) -> u32 {
    if key.len() != reference.len() || key.len() >= 32 {
        return COPIED;
    }
    let mut capitals = 0;
    for (i, (small, written)) in key.bytes().zip(reference.bytes()).enumerate() {
        if small != written {
            if written.is_ascii_uppercase() && written.to_ascii_lowercase() == small {
                capitals |= 1 << i;
            } else {
                return COPIED;
            }
        }
    }
    capitals
}

const NONE: u32 = u32::MAX;

/// What a thread reads from its part of the return.
struct Part {
    /// The rows counted (lines, blank or not).
    rows: u64,
    /// The rows read (lines not blank).
    read: u64,
    /// Rows dated after the report date.
    after: u64,
    not_utf8: u64,
    /// Rows rejected on their own, numbered from the part's first row.
    rejected: Listed,
    /// The claims for each shard, in the order of rows.
    claims: Vec<Vec<Flat>>,
    /// What claims have besides their keys, for those that have more than capitals.
    more: Vec<More>,
    /// The references of its claims that cannot be made from their keys (long ones, those
    /// that differ from their keys otherwise than in capitals of ASCII, quoted values with
    /// their quotes undone), one after the other.
    text: String,
    attributes: Vec<Vec<(String, String)>>,
}

/// What every thread reads with.
struct Reading<'a, 'c> {
    source: Source<'a>,
    rules: &'a Rules<'c>,
    layout: &'a Layout,
    dates: Option<DateFormat>,
    bounds: Bounds,
    limit: usize,
}

impl Reading<'_, '_> {
    /// Read the lines of `range`; `None` if a row runs over several lines or a line is
    /// longer than a return's lines may be, or the file cannot be read as it was.
    fn part(&self, range: std::ops::Range<usize>) -> Option<Part> {
        // Room for the claims of a shard of more participants than the average by three
        // times the spread the sampled bounds leave (a quarter, `Bounds::SAMPLES_PER_SHARD`):
        // a vector that outgrows its room is copied whole into one twice the size, and room
        // never written takes no memory.
        let room = self.rows_about(&range) / self.bounds.shards() * 7 / 4;
        let mut part = Part {
            rows: 0,
            read: 0,
            after: 0,
            not_utf8: 0,
            rejected: Listed::new(self.limit),
            claims: (0..self.bounds.shards())
                .map(|_| Vec::with_capacity(room))
                .collect(),
            more: Vec::new(),
            text: String::new(),
            attributes: Vec::new(),
        };
        let (file, piece, read) = match self.source {
            Source::Held(bytes) => {
                self.read_lines(&bytes[range], &mut part)?;
                return Some(part);
            }
            Source::File {
                file, piece, read, ..
            } => (file, piece.max(1), read),
        };
        // The part a piece at a time: the lines a piece ends are read, what follows its last
        // line break kept for the next piece. The last part reads on to the end of the file
        // (grown since it was opened); another that ends early (the file shrunk) is not read.
        let last = range.end >= self.source.len();
        let mut buffer: Vec<u8> = Vec::with_capacity(piece);
        let mut at = range.start as u64;
        loop {
            let kept = buffer.len();
            let wanted = if last {
                piece
            } else {
                piece.min((range.end as u64 - at) as usize)
            };
            buffer.resize(kept + wanted, 0);
            let n = read_fully(file, &mut buffer[kept..], at)?;
            buffer.truncate(kept + n);
            at += n as u64;
            read(n as u64);
            let done = if last {
                n < wanted
            } else {
                at >= range.end as u64
            };
            if !done && n == 0 {
                return None;
            }
            let lines = if done {
                buffer.len()
            } else {
                complete_lines(&buffer)
            };
            self.read_lines(&buffer[..lines], &mut part)?;
            buffer.drain(..lines);
            if done {
                return Some(part);
            }
            if buffer.len() > MAX_LINE_BYTES {
                return None;
            }
        }
    }

    /// Read `bytes`, whole lines of the return (the last may end without a line break), into
    /// `part`, its rows numbered on from those it holds; `None` as for `part`.
    fn read_lines(&self, bytes: &[u8], part: &mut Part) -> Option<()> {
        let columns = &self.layout.columns;
        let separator = self.layout.separator;
        // Attribute columns an eligibility condition mentions: the others are never read.
        let named: Vec<(usize, &str)> = columns
            .attributes
            .iter()
            .filter(|(_, n)| self.rules.attribute(n).is_some())
            .map(|(i, n)| (*i, n.as_str()))
            .collect();
        let mut parser = ::csv_core::ReaderBuilder::new()
            .delimiter(separator)
            .build();
        let mut record = Record::default();
        let mut raw: Vec<&str> = Vec::with_capacity(columns.width);
        let mut cuts: Vec<usize> = Vec::with_capacity(columns.width);
        let mut fields: Vec<&str> = Vec::with_capacity(columns.width);
        let mut lowered = String::new();
        // The part checked as UTF-8 once, not line by line: a line (between line breaks,
        // ASCII) of a part that is UTF-8 is UTF-8, and so is a field between separators.
        let text = std::str::from_utf8(bytes).ok();
        let mut at = 0;
        while at < bytes.len() {
            let start = at;
            let scanned = scan_line(bytes, at, bytes.len(), separator, &mut cuts);
            let line = &bytes[start..scanned.end];
            at = scanned.next;
            part.rows += 1;
            if line.len() > MAX_LINE_BYTES {
                return None;
            }
            if line.is_empty() {
                continue;
            }
            let row = part.rows;
            // A line without quotes is split in place; one with quotes is read by the CSV
            // reader, as reading row by row does.
            let made: Option<Row>;
            let plain = match (scanned.quoted, text) {
                (true, _) => None,
                (false, Some(text)) => text.get(start..scanned.end),
                (false, None) => std::str::from_utf8(line).ok(),
            };
            let read = if let Some(plain) = plain {
                raw.clear();
                let mut from = start;
                for &cut in &cuts {
                    raw.push(&plain[from - start..cut - start]);
                    from = cut + 1;
                }
                raw.push(&plain[from - start..]);
                // A row of separators alone is a blank row of a spreadsheet: skipped as a
                // blank line is (`input::blank_row`).
                if input::blank_row(raw.iter()) {
                    continue;
                }
                made = None;
                fields.clear();
                fields.resize(raw.len(), "");
                columns.read_text(|| raw.iter().copied(), raw.len(), separator, &mut fields)
            } else {
                parser.reset();
                record.clear();
                if !record.feed(&mut parser, line) {
                    return None;
                }
                if input::blank_row(record.iter()) {
                    continue;
                }
                match columns.row(row, &record, separator) {
                    Input::Row(r) => {
                        made = Some(r);
                        Ok(())
                    }
                    Input::Malformed { reason, .. } => {
                        made = None;
                        Err(reason)
                    }
                }
            };
            part.read += 1;
            if let Err(reason) = read {
                part.not_utf8 += u64::from(reason.ends_with(NOT_UTF8));
                part.rejected.add(Rejected {
                    row,
                    reason: Rejection::Malformed,
                    detail: reason,
                    participant: None,
                    stage: None,
                });
                continue;
            }
            let given = match &made {
                None => {
                    let optional =
                        |i: Option<usize>| i.map(|i| fields[i]).filter(|text| !text.is_empty());
                    Fields {
                        participant: fields[columns.participant],
                        stage: fields[columns.stage],
                        date: fields[columns.date],
                        cohort: optional(columns.cohort),
                        evidence: optional(columns.evidence),
                    }
                }
                Some(r) => Fields {
                    participant: &r.participant,
                    stage: &r.stage,
                    date: &r.date,
                    cohort: r.cohort.as_deref(),
                    evidence: r.evidence.as_deref(),
                },
            };
            let iso = self
                .dates
                .and_then(|format| input::iso_date(given.date, format));
            let given = Fields {
                date: iso.as_deref().unwrap_or(given.date),
                ..given
            };
            match self.rules.row(&given) {
                Verdict::Rejected(reason, detail, shown) => {
                    part.rejected
                        .add(given.rejected(row, reason, detail, shown));
                }
                Verdict::Later => part.after += 1,
                Verdict::Claim(claim) => {
                    let participant = super::trimmed(given.participant);
                    let (key_only, capitals, shard) = match ShortKey::lowered(participant) {
                        Some((key, capitals)) => {
                            (Some(key), capitals, self.bounds.shard_of_short(&key))
                        }
                        None => {
                            let key = key_of(participant, &mut lowered);
                            (
                                ShortKey::of(key),
                                capitals_of(key, participant),
                                self.bounds.shard_of(key.as_bytes()),
                            )
                        }
                    };
                    let attributes: Vec<(String, String)> = match &made {
                        None => named
                            .iter()
                            .map(|&(i, n)| (n, fields[i]))
                            .filter(|(_, v)| !v.is_empty())
                            .map(|(n, v)| (n.to_string(), v.to_string()))
                            .collect(),
                        Some(r) => r
                            .attributes
                            .iter()
                            .filter(|(n, _)| self.rules.attribute(n).is_some())
                            .cloned()
                            .collect(),
                    };
                    let attributes = if attributes.is_empty() {
                        NONE
                    } else {
                        part.attributes.push(attributes);
                        (part.attributes.len() - 1) as u32
                    };
                    // A reference is copied unless its key makes it: the file is not kept
                    // for the shards (`Parted`). A reference is one field of a line, so its
                    // length, at most `MAX_LINE_BYTES`, fits `Flat::length`.
                    let (at, length) = if key_only.is_some() && capitals != COPIED {
                        (0, 0)
                    } else {
                        let at = part.text.len();
                        part.text.push_str(participant);
                        (at, participant.len() as u32)
                    };
                    let more = if at == 0 && length == 0 && attributes == NONE {
                        capitals
                    } else {
                        part.more.push(More {
                            at,
                            length,
                            attributes,
                            capitals,
                        });
                        Flat::MORE | u32::try_from(part.more.len() - 1).ok()?
                    };
                    part.claims[shard].push(Flat {
                        key: key_only,
                        row: u32::try_from(row).ok()?,
                        day: claim.day,
                        stage: claim.stage,
                        more,
                    });
                }
            }
        }
        Some(())
    }

    /// About how many rows `range` holds, a little more rather than less, from the length of
    /// its first lines: the claims are then held without growing (and copying) their vectors.
    fn rows_about(&self, range: &std::ops::Range<usize>) -> usize {
        let most = range.len().min(1 << 16);
        let Some(sample) = self.source.window(range.start, most) else {
            return 0;
        };
        let lines = sample.iter().filter(|&&b| b == b'\n').count();
        if lines == 0 {
            return 0;
        }
        (range.len() / sample.len() * lines + lines) * 21 / 20
    }
}

/// Take a shard's claims from every part (`claims`, a list for each of `parts`), in the
/// order of the file, and judge its participants; each part's list is freed once taken.
fn judge_shard(
    (rules, limit): (&Rules<'_>, usize),
    claims: Vec<Vec<Flat>>,
    parts: &[Part],
    bases: &[u64],
) -> Shard {
    let mut table = Table::default();
    let mut duplicates = Listed::new(limit);
    for ((part, base), claims) in parts.iter().zip(bases).zip(claims) {
        for flat in &claims {
            let more = match flat.capitals() {
                Some(capitals) => More {
                    at: 0,
                    length: 0,
                    attributes: NONE,
                    capitals,
                },
                None => part.more[(flat.more & !Flat::MORE) as usize],
            };
            let participant = || &part.text[more.at..more.at + more.length as usize];
            let attributes = part
                .attributes
                .get(more.attributes as usize)
                .map_or(&[][..], Vec::as_slice)
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()));
            let claim = Claim {
                row: base + u64::from(flat.row),
                day: flat.day,
                stage: flat.stage,
            };
            match &flat.key {
                Some(key) => table.claim_short(
                    rules,
                    *key,
                    || match more.capitals {
                        COPIED => participant().into(),
                        capitals => key.shown(capitals),
                    },
                    attributes,
                    claim,
                    &mut duplicates,
                ),
                None => table.claim(rules, participant(), attributes, claim, &mut duplicates),
            }
        }
    }
    let mut sequence = Listed::new(limit);
    let accepted = table.judge(rules, &mut sequence);
    Shard {
        duplicates,
        sequence,
        accepted,
    }
}

/// A line as `scan_line` finds it: where it ends (before its line break) and the next
/// begins, and whether it holds a quote.
struct Scanned {
    end: usize,
    next: usize,
    quoted: bool,
}

/// The line that starts at `at` (before `end`), as `line_at` finds it, with the place of
/// each `separator` in it pushed to `cuts` (none after a quote: such a line is for the CSV
/// reader). One pass, eight bytes at a time: a row's few separators and its line break are
/// found among its bytes without a step for each byte.
fn scan_line(bytes: &[u8], at: usize, end: usize, separator: u8, cuts: &mut Vec<usize>) -> Scanned {
    /// The bytes of `word` equal to `byte`, each marked by its top bit (exactly: no byte
    /// is marked that is not equal).
    fn equal(word: u64, byte: u8) -> u64 {
        const LOW: u64 = 0x7F7F_7F7F_7F7F_7F7F;
        let x = word ^ (u64::from(byte) * 0x0101_0101_0101_0101);
        !(((x & LOW) + LOW) | x | LOW)
    }
    cuts.clear();
    let mut quoted = false;
    let mut found = |i: usize, byte: u8, quoted: &mut bool| -> Option<Scanned> {
        if byte == b'\n' || byte == b'\r' {
            let crlf = byte == b'\r' && i + 1 < end && bytes[i + 1] == b'\n';
            return Some(Scanned {
                end: i,
                next: i + 1 + usize::from(crlf),
                quoted: *quoted,
            });
        }
        if byte == b'"' {
            *quoted = true;
        } else if byte == separator && !*quoted {
            cuts.push(i);
        }
        None
    };
    let mut i = at;
    while i + 8 <= end {
        let word = u64::from_le_bytes(bytes[i..i + 8].try_into().unwrap_or_default());
        let mut marks =
            equal(word, separator) | equal(word, b'"') | equal(word, b'\n') | equal(word, b'\r');
        while marks != 0 {
            let k = i + (marks.trailing_zeros() / 8) as usize;
            if let Some(line) = found(k, bytes[k], &mut quoted) {
                return line;
            }
            marks &= marks - 1;
        }
        i += 8;
    }
    for (k, &byte) in bytes.iter().enumerate().take(end).skip(i) {
        if let Some(line) = found(k, byte, &mut quoted) {
            return line;
        }
    }
    Scanned {
        end,
        next: end,
        quoted,
    }
}

/// A shard's participants judged, in the order of their keys.
struct Shard {
    /// Claims of a stage on a day already claimed, in the order of rows.
    duplicates: Listed,
    /// Claims refused by the sequence, in the order of participants.
    sequence: Listed,
    /// The participants with events kept.
    accepted: Accepted,
}

/// The shards' participants in the order of their keys, with their rejections added to
/// `rejected` in that order, as one table judging them all would make them: each shard's
/// keys come before the next shard's (`Bounds`).
fn merge(shards: Vec<Shard>, rejected: &mut Rejections) -> Accepted {
    let mut accepted = Accepted::default();
    let mut counted = Vec::new();
    for shard in shards {
        for r in shard.sequence.listed {
            rejected.add(r);
        }
        counted.push(shard.sequence.counted);
        accepted.append(shard.accepted);
    }
    for c in counted.iter().flatten() {
        rejected.add_unlisted(c.reason, c.rows);
    }
    accepted
}

/// The keys at which each shard's range of participants' keys begins (after the first
/// shard's, which begins with the least), chosen from the keys of rows sampled evenly across
/// the file so that each shard holds about as many participants. Any bounds give the same
/// report: only how evenly the work is shared depends on them.
#[derive(Default)]
struct Bounds {
    /// The bytes every bound begins with (references such as `LCF-2027-000123` share many).
    common: Box<[u8]>,
    /// The first `ShortKey::MOST` of them as a `ShortKey` holds its bytes.
    common_words: [u64; 3],
    keys: Vec<Box<[u8]>>,
    /// Each bound's first eight bytes after `common` as a number (`Bounds::prefix`).
    prefixes: Vec<u64>,
    /// The prefixes in levels above them, each holding the last of every `Bounds::FAN` of
    /// the level below, the top level no more than `FAN`: a key's place among the prefixes
    /// is then found by counting in a few short runs that do not wait on each other, not by
    /// a binary search's chain of a dozen comparisons (one for every row of a return).
    levels: Vec<Vec<u64>>,
}

impl Bounds {
    /// Rows sampled for each shard: enough that a shard's range holds within a few tens of
    /// percent of its share of participants.
    const SAMPLES_PER_SHARD: usize = 16;

    /// The bytes read at each point sampled.
    const SAMPLE_BYTES: usize = 4096;

    /// Bounds for about `shards` shards, from rows sampled in the rows from `body`.
    fn sampled(source: Source<'_>, layout: &Layout, body: usize, shards: usize) -> Bounds {
        if shards < 2 || body >= source.len() {
            return Bounds::default();
        }
        let columns = &layout.columns;
        let mut parser = ::csv_core::ReaderBuilder::new()
            .delimiter(layout.separator)
            .build();
        let mut record = Record::default();
        let mut lowered = String::new();
        let samples = shards * Bounds::SAMPLES_PER_SHARD;
        let length = source.len() - body;
        let mut keys: Vec<Box<[u8]>> = Vec::with_capacity(samples);
        for i in 0..samples {
            // The line that begins after the `i`th point, or the first line for the first,
            // from a few kilobytes read there: a line not whole in them is not sampled.
            let aim = body + (length as u128 * i as u128 / samples as u128) as usize;
            let Some(window) = source.window(aim, Bounds::SAMPLE_BYTES) else {
                break;
            };
            let at_end = aim + window.len() >= source.len();
            let start = if i == 0 {
                0
            } else {
                match window.iter().position(|&b| b == b'\n') {
                    Some(n) => n + 1,
                    None => continue,
                }
            };
            let (line, next) = line_at(&window, start, window.len());
            if line.is_empty() || (next == window.len() && !at_end) {
                continue;
            }
            parser.reset();
            record.clear();
            if !record.feed(&mut parser, line) {
                continue;
            }
            if let Input::Row(row) = columns.row(0, &record, layout.separator) {
                let participant = super::trimmed(&row.participant);
                keys.push(key_of(participant, &mut lowered).as_bytes().into());
            }
        }
        keys.sort_unstable();
        let mut bounds: Vec<Box<[u8]>> = (1..shards)
            .map(|s| keys.get(s * keys.len() / shards).cloned())
            .collect::<Option<_>>()
            .unwrap_or_default();
        bounds.dedup();
        Bounds::of(bounds)
    }

    /// The bounds `keys`, in order.
    fn of(keys: Vec<Box<[u8]>>) -> Bounds {
        let common = match (keys.first(), keys.last()) {
            (Some(first), Some(last)) => {
                let n = first
                    .iter()
                    .zip(last.iter())
                    .take_while(|(a, b)| a == b)
                    .count();
                first[..n].into()
            }
            _ => Box::<[u8]>::default(),
        };
        let prefixes: Vec<u64> = keys
            .iter()
            .map(|key| Bounds::prefix(&key[common.len()..]))
            .collect();
        let mut levels: Vec<Vec<u64>> = Vec::new();
        while levels.last().unwrap_or(&prefixes).len() > Bounds::FAN {
            let below = levels.last().unwrap_or(&prefixes);
            let level = below.chunks(Bounds::FAN).filter_map(<[u64]>::last).copied();
            levels.push(level.collect());
        }
        Bounds {
            prefixes,
            levels,
            common_words: super::short_key::words_of(&common[..common.len().min(ShortKey::MOST)]),
            common,
            keys,
        }
    }

    /// How many prefixes a level of `Bounds::levels` holds for each one of the level above.
    const FAN: usize = 16;

    /// How many of the bounds' prefixes are less than `prefix`: from the top level down, the
    /// run of `FAN` below the one found above, every run before it wholly less.
    fn prefixes_less_than(&self, prefix: u64) -> usize {
        let mut less = 0;
        for level in self.levels.iter().rev().chain([&self.prefixes]) {
            let start = (less * Bounds::FAN).min(level.len());
            let run = &level[start..(start + Bounds::FAN).min(level.len())];
            less = start + run.iter().filter(|&&first| first < prefix).count();
        }
        less
    }

    /// The first eight bytes of `key` (as many as it has, then zeros) as a number that
    /// orders keys as their bytes do, where it differs: a claim's shard is then found by
    /// comparing numbers, the keys themselves only when those bytes are the same.
    fn prefix(key: &[u8]) -> u64 {
        // Made in a register (eight bytes read at once when there are eight): bytes copied
        // into an array and read back as a number wait for the copy (for every row).
        match key.get(..8) {
            Some(first) => u64::from_be_bytes(first.try_into().unwrap_or_default()),
            None => (0..8).fold(0, |number, i| {
                number << 8 | u64::from(key.get(i).copied().unwrap_or(0))
            }),
        }
    }

    fn shards(&self) -> usize {
        self.keys.len() + 1
    }

    /// The shard whose range holds `key`, as `shard_of` finds it for the key's bytes, from
    /// the numbers the key is held in.
    fn shard_of_short(&self, key: &ShortKey) -> usize {
        match key.cmp_beginning(&self.common_words, self.common.len()) {
            std::cmp::Ordering::Less => return 0,
            std::cmp::Ordering::Greater => return self.keys.len(),
            std::cmp::Ordering::Equal => {}
        }
        let prefix = key.eight_from(self.common.len());
        let less = self.prefixes_less_than(prefix);
        let same = self.prefixes[less..]
            .iter()
            .take_while(|&&first| first == prefix)
            .count();
        less + self.keys[less..less + same].partition_point(|bound| key.cmp_bytes(bound).is_ge())
    }

    /// The shard whose range holds `key`.
    fn shard_of(&self, key: &[u8]) -> usize {
        // A key that does not begin as every bound does is before or after them all (the
        // few bytes compared in place, not by a call for every row).
        let begins = &key[..key.len().min(self.common.len())];
        match begins.iter().cmp(self.common.iter()) {
            std::cmp::Ordering::Less => return 0,
            std::cmp::Ordering::Greater => return self.keys.len(),
            std::cmp::Ordering::Equal => {}
        }
        let prefix = Bounds::prefix(&key[begins.len()..]);
        // The bounds whose next bytes are less, then, of the few whose next bytes are the
        // same (rarely any), the ones no greater.
        let less = self.prefixes_less_than(prefix);
        let same = self.prefixes[less..]
            .iter()
            .take_while(|&&first| first == prefix)
            .count();
        less + self.keys[less..less + same].partition_point(|bound| **bound <= *key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shard of `key` among `bounds`, found from its bytes and, when it is short, from
    /// the numbers a `ShortKey` holds it in: the two agree.
    fn shard(bounds: &Bounds, key: &str) -> usize {
        let found = bounds.shard_of(key.as_bytes());
        if let Some(short) = ShortKey::of(key) {
            assert_eq!(bounds.shard_of_short(&short), found, "{key:?}");
        }
        found
    }

    /// A reference made from its key and its capitals is the reference, whatever its
    /// letters; one that differs from its key otherwise is read from the file.
    #[test]
    fn a_reference_is_its_key_with_its_capitals() {
        let mut lowered = String::new();
        for reference in [
            "p000001",
            "P000001",
            "AbC-dEf_9",
            "ZZZZZZZZZZZZZZZZZZZZZZZ",
            "a",
            "",
        ] {
            let key = engine::key_of(reference, &mut lowered).to_string();
            let capitals = capitals_of(&key, reference);
            assert_ne!(capitals, COPIED, "{reference}");
            let short = ShortKey::of(&key).expect("a short key");
            assert_eq!(short.shown(capitals), reference);
        }
        assert_eq!(capitals_of("p1", "p1"), 0);
        assert_eq!(capitals_of("ab", "aB"), 0b10);
        for reference in ["Émile", "\u{212a}elvin", "ÀB", "x\u{130}"] {
            let key = engine::key_of(reference, &mut lowered).to_string();
            assert_eq!(capitals_of(&key, reference), COPIED, "{reference}");
        }
        assert_eq!(capitals_of("p1", " P1"), COPIED);
        assert_eq!(capitals_of(&"a".repeat(32), &"A".repeat(32)), COPIED);
    }

    /// The bounds sampled from a return share its participants about evenly between the
    /// shards, in the order of their keys, whatever order the rows are in, however long the
    /// beginning the references share, and whether or not every value is quoted.
    #[test]
    fn bounds_share_the_participants_evenly_in_the_order_of_their_keys() {
        let people = 12_000;
        let shards = 8;
        for quoted in [false, true] {
            for shuffled in [false, true] {
                let mut order: Vec<u64> = (0..people).collect();
                if shuffled {
                    order.sort_by_key(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17));
                }
                let q = if quoted { "\"" } else { "" };
                let mut csv = String::from("participant,stage,date\n");
                for i in &order {
                    for stage in ["referred", "engaged", "housed"] {
                        csv.push_str(&format!(
                            "{q}Participant-Number-{i:06}{q},{q}{stage}{q},{q}2027-01-01{q}\n"
                        ));
                    }
                }
                let bytes = csv.as_bytes();
                let layout = Layout::of(&input::csv(bytes)).unwrap();
                let (body, _) = header_end(bytes).unwrap();
                let bounds = Bounds::sampled(Source::Held(bytes), &layout, body, shards);
                assert_eq!(
                    bounds.shards(),
                    shards,
                    "quoted {quoted}, shuffled {shuffled}"
                );
                let mut held = vec![0_u64; shards];
                let mut last = 0;
                for i in 0..people {
                    let shard = bounds.shard_of(format!("participant-number-{i:06}").as_bytes());
                    assert!(shard >= last, "keys in order, shards in order");
                    last = shard;
                    held[shard] += 1;
                }
                let share = people / shards as u64;
                for (shard, &n) in held.iter().enumerate() {
                    assert!(
                        n > share / 2 && n < share * 3 / 2,
                        "shard {shard} holds {n} of {people} (quoted {quoted}, shuffled {shuffled})"
                    );
                }
            }
        }
        // One shard, or a return of no rows: no bounds, every key in the one shard.
        let bytes = b"participant,stage,date\n";
        let layout = Layout::of(&input::csv(&bytes[..])).unwrap();
        let held = Source::Held(bytes);
        assert_eq!(Bounds::sampled(held, &layout, bytes.len(), 8).shards(), 1);
        assert_eq!(Bounds::default().shard_of(b"anyone"), 0);
    }

    /// Keys whose first eight bytes are the same are put in order by the rest.
    #[test]
    fn a_bound_orders_keys_past_their_first_eight_bytes() {
        let keys: Vec<Box<[u8]>> = ["abcdefgh-2", "abcdefgh-5", "abd"]
            .iter()
            .map(|k| k.as_bytes().into())
            .collect();
        let bounds = Bounds::of(keys);
        for (key, expected) in [
            ("", 0),
            ("abcdefgh", 0),
            ("abcdefgh-1", 0),
            ("abcdefgh-2", 1),
            ("abcdefgh-3", 1),
            ("abcdefgh-5", 2),
            ("abcdefgh-9", 2),
            ("abcdefgi", 2),
            ("abd", 3),
            ("\u{e9}", 3),
        ] {
            assert_eq!(shard(&bounds, key), expected, "{key}");
        }
        // Bounds that all begin the same way, and bounds among others whose first eight
        // bytes are the same: each key in the shard a search of the keys themselves gives.
        for keys in [
            vec!["lcf-2027-000200", "lcf-2027-000400", "lcf-2027-000600"],
            vec!["b", "cdefghij1", "cdefghij2", "cdefghij3", "cdefghij4", "y"],
            // A beginning shared past the first eight and sixteen bytes, and past the most
            // a short key holds.
            vec!["cdefghij-klmnopq-5", "cdefghij-klmnopq-7"],
            vec!["cdefghij-klmnopq-rstuvwx-5", "cdefghij-klmnopq-rstuvwx-7"],
        ] {
            let keys: Vec<Box<[u8]>> = keys.iter().map(|k| k.as_bytes().into()).collect();
            let bounds = Bounds::of(keys.clone());
            for key in [
                "",
                "a",
                "b",
                "c",
                "cdefghij",
                "cdefghij0",
                "cdefghij1",
                "cdefghij15",
                "cdefghij3",
                "cdefghij9",
                "cdefghik",
                "lcf",
                "lcf-2027-000100",
                "lcf-2027-000200",
                "lcf-2027-000201",
                "lcf-2027-0005",
                "lcf-2027-000600",
                "lcf-2027-000601",
                "lcf-2028",
                "lcg",
                "y",
                "z",
                "cdefghij-klmnopq",
                "cdefghij-klmnopq-4",
                "cdefghij-klmnopq-5",
                "cdefghij-klmnopq-6",
                "cdefghij-klmnopq-8",
                "cdefghij-klmnopq-rstuvw",
                "cdefghij-klmnopq-rstuvwx",
                "cdefghij-klmnopq-rstuvwx-6",
                "cdefghij-klmnopq-rstuvwy",
                "cdefghij-klmnopq-rstuvwa",
            ] {
                let searched = keys.partition_point(|k| **k <= *key.as_bytes());
                assert_eq!(shard(&bounds, key), searched, "{key} among {keys:?}");
            }
        }
    }

    /// A line scanned eight bytes at a time ends where `line_at` ends it, and its cuts are
    /// the separators before its first quote, whatever the bytes around them and wherever
    /// the line falls against the eight-byte steps.
    #[test]
    fn a_scanned_line_ends_and_is_cut_as_read_byte_by_byte() {
        let alphabet = [
            b'a',
            b',',
            b';',
            b'"',
            b'\n',
            b'\r',
            0x80,
            0xFF,
            0x2C ^ 0x80,
            0x0A ^ 0x80,
        ];
        let mut state = 0x2545_F491_4F6C_DD1D_u64;
        let mut cuts = Vec::new();
        for length in 0..40 {
            for _ in 0..200 {
                let bytes: Vec<u8> = (0..length)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        alphabet[(state % alphabet.len() as u64) as usize]
                    })
                    .collect();
                for at in 0..bytes.len().min(9) {
                    for separator in [b',', b';', b'\t'] {
                        let (line, next) = line_at(&bytes, at, bytes.len());
                        let scanned = scan_line(&bytes, at, bytes.len(), separator, &mut cuts);
                        assert_eq!(scanned.end, at + line.len(), "{bytes:?} from {at}");
                        assert_eq!(scanned.next, next, "{bytes:?} from {at}");
                        let quote = line.iter().position(|&b| b == b'"');
                        assert_eq!(scanned.quoted, quote.is_some(), "{bytes:?}");
                        let expected: Vec<usize> = (at..at + quote.unwrap_or(line.len()))
                            .filter(|&i| bytes[i] == separator)
                            .collect();
                        assert_eq!(cuts, expected, "{bytes:?} from {at}");
                    }
                }
            }
        }
    }

    /// With bounds enough for levels above their prefixes (one, two and three), each key is
    /// in the shard a search of the keys themselves gives: keys before, between, on and
    /// after the bounds, and keys whose first eight bytes are a bound's.
    #[test]
    fn many_bounds_are_searched_as_the_keys_themselves() {
        for count in [1, 15, 16, 17, 255, 256, 257, 1000, 5000] {
            let keys: Vec<Box<[u8]>> = (0..count)
                .map(|i| format!("ref-{:07}", i * 7 + 3).into_bytes().into())
                .collect();
            let bounds = Bounds::of(keys.clone());
            for probe in (0..count * 7 + 12).step_by(3) {
                for key in [
                    format!("ref-{probe:07}"),
                    format!("ref-{probe:07}-b"),
                    format!("ref-{probe:06}"),
                ] {
                    let searched = keys.partition_point(|k| **k <= *key.as_bytes());
                    assert_eq!(shard(&bounds, &key), searched, "{key} of {count}");
                }
            }
            assert_eq!(shard(&bounds, "a"), 0);
            assert_eq!(shard(&bounds, "z"), count);
        }
    }

    /// A shard is made for about `SHARD_PARTICIPANTS` participants, each thread takes as many
    /// shards, and there are never fewer shards than threads nor more than 1,024 (or one a
    /// thread, if there are more threads).
    #[test]
    fn shards_keep_their_tables_small_and_the_threads_even() {
        let rows_for = |shards: usize| shards * SHARD_PARTICIPANTS * ROWS_PER_PARTICIPANT;
        assert_eq!(shards_for(0, 1), 1);
        assert_eq!(shards_for(0, 2), 2);
        assert_eq!(shards_for(rows_for(60), 2), 60);
        assert_eq!(shards_for(rows_for(61), 2), 60);
        assert_eq!(shards_for(rows_for(7), 3), 6);
        assert_eq!(shards_for(rows_for(100_000), 2), 1024);
        assert_eq!(shards_for(rows_for(100_000), 3), 1023);
        assert_eq!(shards_for(usize::MAX, 4096), 4096);
        for threads in 1..=9 {
            for shards in [0, 1, 5, 64, 5000] {
                assert_eq!(shards_for(rows_for(shards), threads) % threads, 0);
            }
        }
    }

    /// Every item's result, in the order of the items, on any number of threads.
    #[test]
    fn turns_give_each_result_in_the_order_of_the_items() {
        for threads in 1..=5 {
            for count in [0, 1, 2, 7, 64] {
                let items: Vec<usize> = (0..count).collect();
                let doubled: Vec<usize> = (0..count).map(|i| 2 * i).collect();
                assert_eq!(in_turns(items, threads, |i| 2 * i), doubled);
            }
        }
    }
}
