//! The diff's shape as a check on a healed hunk.
//!
//! git made the mail's hunk by diffing its author's file against the preimage, and a minimal
//! diff keeps every line it can in common. Between two context lines of a hunk, the lines it
//! removed and the lines it added share none: had an added line been one of the removed lines
//! beside it, byte for byte, git would have kept it as context. So an added line healed into
//! the exact text of a removed line of its own run is not the author's: the author changed
//! only its whitespace (`page_idle =  test_bit` made `page_idle = test_bit`, a `#define`'s
//! value moved a tab), and the mail's damage hid the change. Runs are taken between the
//! hunk's own context lines, not by diffing again: a line moved across context lines (removed
//! in one place, added in another) stays as it is.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;

/// One hunk as placed: its lines in the file before the patch and in the healed file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HunkSpan {
    pub old: Range<usize>,
    pub new: Range<usize>,
}

/// One run of changed lines between two context lines: the removed lines' indices in the file
/// before the patch, the added lines' in the healed file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Run {
    pub removed: Vec<usize>,
    pub added: Vec<usize>,
}

/// The runs of a hunk, given which of its old lines it removed and which new lines it added;
/// empty when its context lines do not pair up (nothing to say then).
pub fn runs(span: &HunkSpan, removed: &HashSet<usize>, added: &HashSet<usize>) -> Vec<Run> {
    let old_context = span.old.clone().filter(|i| !removed.contains(i)).count();
    let new_context = span.new.clone().filter(|i| !added.contains(i)).count();
    if old_context != new_context {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut run = Run::default();
    let (mut o, mut n) = (span.old.start, span.new.start);
    loop {
        while o < span.old.end && removed.contains(&o) {
            run.removed.push(o);
            o += 1;
        }
        while n < span.new.end && added.contains(&n) {
            run.added.push(n);
            n += 1;
        }
        if !run.removed.is_empty() || !run.added.is_empty() {
            out.push(std::mem::take(&mut run));
        }
        if o >= span.old.end || n >= span.new.end {
            break;
        }
        // A context line on both sides.
        o += 1;
        n += 1;
    }
    out
}

/// Where git's diff is minimal. Past some hundreds of edits xdiff trades minimality for speed
/// (`XDL_HEUR_MIN_COST`, 256): on the heal benchmark a bound of 1,000 changed lines in a file
/// changed no file for the worse, none a 2,786-line rewrite (atomic-long.h, 6.1 to 6.12).
const MINIMAL_DIFF_LINES: usize = 1000;

/// xdiff also leaves out of the common lines, where changed lines surround them, any line the
/// other file has about √n times or more (`xdl_cleanup_records`, with xdiff's own rough root:
/// `\t}`, `\t\tbreak;`): such a line may be removed and added in one run. Lines that common
/// are no evidence. Counted in the file before the patch, which is the healed one without
/// its added lines and with its removed ones (xdiff counts a line in the other file: the
/// healed file has it about as often, and skipping a few more lines only changes fewer).
fn frequent<'a>(healed: &[String], added: &[usize], removed: &[&'a str]) -> HashSet<&'a str> {
    let mut counts: HashMap<&str, isize> = HashMap::new();
    for line in healed {
        *counts.entry(line.as_str()).or_default() += 1;
    }
    for &i in added {
        *counts.entry(healed[i].as_str()).or_default() -= 1;
    }
    for line in removed {
        *counts.entry(line).or_default() += 1;
    }
    // xdiff's own rough square root (`xdl_bogosqrt`) of the file's length, and its cap.
    let mut limit = 1isize;
    let mut n = healed.len() - added.len() + removed.len();
    while n > 0 {
        limit <<= 1;
        n >>= 2;
    }
    let limit = limit.min(1024);
    removed.iter().copied().filter(|l| counts[l] >= limit).collect()
}

/// For each added line of `healed`, the removed lines of its run (`removed`: each one's index
/// in the file before the patch, and its text): texts the author's line cannot be. Empty for a
/// file changed too much to be sure of it.
pub fn removed_beside<'a>(
    healed: &[String],
    removed: &[(usize, &'a str)],
    spans: &[HunkSpan],
    added: &[usize],
) -> BTreeMap<usize, HashSet<&'a str>> {
    let mut out = BTreeMap::new();
    if added.len() + removed.len() > MINIMAL_DIFF_LINES {
        return out;
    }
    let texts: Vec<&str> = removed.iter().map(|&(_, t)| t).collect();
    let frequent = frequent(healed, added, &texts);
    let text_at: HashMap<usize, &str> = removed.iter().copied().collect();
    let removed_at: HashSet<usize> = text_at.keys().copied().collect();
    let added: HashSet<usize> = added.iter().copied().collect();
    for run in spans.iter().flat_map(|span| runs(span, &removed_at, &added)) {
        let removed: HashSet<&str> = run
            .removed
            .iter()
            .map(|i| text_at[i])
            .filter(|l| !frequent.contains(l))
            .collect();
        if !removed.is_empty() {
            out.extend(run.added.iter().map(|&i| (i, removed.clone())));
        }
    }
    out
}

/// Each added line git would have kept as context (one of the removed lines `beside` it)
/// takes the first of `candidates(line)` that none of them is. Returns the lines changed, each
/// with its text before and its candidates not taken (other ways the author may have changed
/// it).
pub fn as_mailed(
    lines: &mut [String],
    beside: &BTreeMap<usize, HashSet<&str>>,
    candidates: impl Fn(usize, &str) -> Vec<String>,
) -> Vec<(usize, String, Vec<String>)> {
    let mut changed = Vec::new();
    for (&i, removed) in beside {
        if !removed.contains(lines[i].as_str()) {
            continue;
        }
        let mut others: Vec<String> = Vec::new();
        for candidate in candidates(i, &lines[i]) {
            if !removed.contains(candidate.as_str()) && !others.contains(&candidate) {
                others.push(candidate);
            }
        }
        if !others.is_empty() {
            let was = std::mem::replace(&mut lines[i], others.remove(0));
            changed.push((i, was, others));
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn a_line_healed_into_its_removed_twin_is_context_to_git() {
        let before = lines("a\n\tpage_idle =  test_bit(x);\nb");
        let span = HunkSpan { old: 0..3, new: 0..3 };
        let found = runs(&span, &HashSet::from([1]), &HashSet::from([1]));
        assert_eq!(
            found,
            vec![Run {
                removed: vec![1],
                added: vec![1]
            }]
        );
        let beside = removed_beside(&before, &[(1, before[1].as_str())], &[span], &[1]);
        let mut healed = before.clone();
        let spaced = |_: usize, line: &str| vec![line.to_string(), line.replace("  ", " ")];
        let changed = as_mailed(&mut healed, &beside, spaced);
        assert_eq!(changed, vec![(1, before[1].clone(), vec![])]);
        assert_eq!(healed[1], "\tpage_idle = test_bit(x);");
    }

    #[test]
    fn a_line_moved_across_context_is_left_alone() {
        // `x` removed above `c`, added below it: two runs, neither with a twin of the other.
        let span = HunkSpan { old: 0..3, new: 0..3 };
        assert_eq!(runs(&span, &HashSet::from([0]), &HashSet::from([2])).len(), 2);
        let healed = lines("c\nd\nx");
        assert!(removed_beside(&healed, &[(0, "x")], &[span], &[2]).is_empty());
    }

    #[test]
    fn a_line_the_file_has_often_is_no_evidence() {
        // xdiff may leave a line this common out of the common lines: `\t}` removed and added
        // in one run is git's own diff, not damage.
        let mut before = lines("a\n\t}\nb");
        before.extend(std::iter::repeat_n("\t}".to_string(), 4));
        let span = HunkSpan { old: 0..3, new: 0..3 };
        let removed = [(1, "\t}")];
        assert!(removed_beside(&before, &removed, std::slice::from_ref(&span), &[1]).is_empty());
        before.truncate(5);
        assert_eq!(removed_beside(&before, &removed, &[span], &[1]).len(), 1);
    }
}
