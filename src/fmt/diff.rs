//! A unified diff of two texts, line by line, for `outcome fmt --check --diff`.
//!
//! Written here rather than taken from a crate: a formatter's diff is small (it changes
//! spacing on some lines), and the longest common subsequence of the lines that differ, after
//! the common start and end are set aside, is enough. Past a size where that table would be
//! large, the differing middle is shown as removed and added whole: still a correct diff.

/// Lines of context around each change.
const CONTEXT: usize = 3;

/// The most cells of the comparison table; beyond it the middle is shown replaced whole.
const MAX_CELLS: usize = 4_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    /// The same line in both: (old index, new index).
    Same(usize, usize),
    Removed(usize),
    Added(usize),
}

/// `--- old_name` / `+++ new_name` headers and `@@` hunks; empty when the texts are equal.
pub fn unified_diff(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
    let ops = edit_script(&old_lines, &new_lines);
    if ops.iter().all(|op| matches!(op, Op::Same(..))) {
        return String::new();
    }
    let mut out = format!("--- {old_name}\n+++ {new_name}\n");
    for hunk in hunks(&ops) {
        write_hunk(&mut out, &ops[hunk.0..hunk.1], &old_lines, &new_lines);
    }
    out
}

fn edit_script(old: &[&str], new: &[&str]) -> Vec<Op> {
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let (old_mid, new_mid) = (
        &old[prefix..old.len() - suffix],
        &new[prefix..new.len() - suffix],
    );
    let mut ops: Vec<Op> = (0..prefix).map(|i| Op::Same(i, i)).collect();
    for op in middle(old_mid, new_mid) {
        ops.push(match op {
            Op::Same(a, b) => Op::Same(a + prefix, b + prefix),
            Op::Removed(a) => Op::Removed(a + prefix),
            Op::Added(b) => Op::Added(b + prefix),
        });
    }
    let (old_end, new_end) = (old.len() - suffix, new.len() - suffix);
    ops.extend((0..suffix).map(|k| Op::Same(old_end + k, new_end + k)));
    ops
}

/// The edit script of two slices by longest common subsequence.
fn middle(old: &[&str], new: &[&str]) -> Vec<Op> {
    let (n, m) = (old.len(), new.len());
    if n.saturating_mul(m) > MAX_CELLS {
        let removed = (0..n).map(Op::Removed);
        return removed.chain((0..m).map(Op::Added)).collect();
    }
    // lcs[i][j]: length of the longest common subsequence of old[i..] and new[j..].
    let width = m + 1;
    let mut lcs = vec![0usize; (n + 1) * width];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i * width + j] = if old[i] == new[j] {
                lcs[(i + 1) * width + j + 1] + 1
            } else {
                lcs[(i + 1) * width + j].max(lcs[i * width + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut ops = Vec::with_capacity(n + m);
    while i < n || j < m {
        if i < n && j < m && old[i] == new[j] {
            ops.push(Op::Same(i, j));
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i * width + j + 1] >= lcs[(i + 1) * width + j]) {
            ops.push(Op::Added(j));
            j += 1;
        } else {
            ops.push(Op::Removed(i));
            i += 1;
        }
    }
    // Show removals before additions within a change, as diff tools do.
    reorder_changes(&mut ops);
    ops
}

/// Within each run of changes, removed lines first, then added ones.
fn reorder_changes(ops: &mut [Op]) {
    let mut start = 0;
    while start < ops.len() {
        if matches!(ops[start], Op::Same(..)) {
            start += 1;
            continue;
        }
        let end = ops[start..]
            .iter()
            .position(|op| matches!(op, Op::Same(..)))
            .map_or(ops.len(), |k| start + k);
        ops[start..end].sort_by_key(|op| match op {
            Op::Removed(i) => (0, *i),
            Op::Added(j) => (1, *j),
            Op::Same(..) => (2, 0),
        });
        start = end;
    }
}

/// Ranges of `ops` to print as hunks: each change with up to `CONTEXT` lines around it;
/// changes closer than twice that share a hunk.
fn hunks(ops: &[Op]) -> Vec<(usize, usize)> {
    let changes: Vec<usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, op)| !matches!(op, Op::Same(..)))
        .map(|(k, _)| k)
        .collect();
    let mut hunks: Vec<(usize, usize)> = Vec::new();
    for k in changes {
        let start = k.saturating_sub(CONTEXT);
        let end = (k + 1 + CONTEXT).min(ops.len());
        match hunks.last_mut() {
            Some(last) if start <= last.1 => last.1 = end,
            _ => hunks.push((start, end)),
        }
    }
    hunks
}

fn write_hunk(out: &mut String, ops: &[Op], old: &[&str], new: &[&str]) {
    let old_start = ops.iter().find_map(|op| match op {
        Op::Same(i, _) | Op::Removed(i) => Some(*i),
        Op::Added(_) => None,
    });
    let new_start = ops.iter().find_map(|op| match op {
        Op::Same(_, j) | Op::Added(j) => Some(*j),
        Op::Removed(_) => None,
    });
    let old_count = ops.iter().filter(|op| !matches!(op, Op::Added(_))).count();
    let new_count = ops
        .iter()
        .filter(|op| !matches!(op, Op::Removed(_)))
        .count();
    // With context lines, a side is empty only when its whole text is: `diff -u` numbers
    // that side 0.
    let position = |start: Option<usize>, count: usize| match start {
        Some(start) if count > 0 => start + 1,
        _ => 0,
    };
    out.push_str(&format!(
        "@@ -{},{} +{},{} @@\n",
        position(old_start, old_count),
        old_count,
        position(new_start, new_count),
        new_count
    ));
    for op in ops {
        let (mark, line) = match op {
            Op::Same(i, _) => (' ', old[*i]),
            Op::Removed(i) => ('-', old[*i]),
            Op::Added(j) => ('+', new[*j]),
        };
        out.push(mark);
        out.push_str(line);
        if !line.ends_with('\n') {
            out.push_str("\n\\ No newline at end of file\n");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_have_no_diff() {
        assert_eq!(unified_diff("a\nb\n", "a\nb\n", "x", "y"), "");
    }

    #[test]
    fn a_changed_line_with_context() {
        let old = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
        let new = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        assert_eq!(
            unified_diff(old, new, "a/f", "b/f"),
            "--- a/f\n+++ b/f\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-five\n+5\n 6\n 7\n 8\n"
        );
    }

    #[test]
    fn distant_changes_make_separate_hunks() {
        let old: String = (1..=20).map(|n| format!("{n}\n")).collect();
        let new: String = (1..=20)
            .map(|n| match n {
                2 => "two\n".to_string(),
                19 => "nineteen\n".to_string(),
                n => format!("{n}\n"),
            })
            .collect();
        let diff = unified_diff(&old, &new, "a", "b");
        assert_eq!(diff.matches("@@ -").count(), 2, "{diff}");
        assert!(
            diff.contains("@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n"),
            "{diff}"
        );
        assert!(diff.contains("@@ -16,5 +16,5 @@\n"), "{diff}");
    }

    #[test]
    fn insertions_deletions_and_a_missing_final_newline() {
        let diff = unified_diff("a\nb\nc", "a\nc\nd\n", "old", "new");
        assert_eq!(
            diff,
            "--- old\n+++ new\n@@ -1,3 +1,3 @@\n a\n-b\n-c\n\\ No newline at end of file\n+c\n+d\n"
        );
        let added_only = unified_diff("", "x\n", "old", "new");
        assert_eq!(added_only, "--- old\n+++ new\n@@ -0,0 +1,1 @@\n+x\n");
    }
}
