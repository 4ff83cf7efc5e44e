//! What git's own diff says of a healed hunk's edges: three lines of context before its first
//! change and three after its last. Where the mail lost blank context lines, that tells at
//! which edge and on which side of a run they stood.

use super::{BlankChoice, NewLine, Placement};

/// Lines of context git's diff puts before a hunk's first change and after its last (`-U3`,
/// `git format-patch`'s default). A mail made with more context seldom has a placement that
/// gives exactly three where the odds' does not; where it has, the proof search can still
/// try the lost blank line's other side.
const CONTEXT: usize = 3;

/// Whether git could have made this hunk: exactly [`CONTEXT`] lines before its first change
/// (fewer only at the file's start) and after its last (fewer only at its end). `lines` are
/// the new side from the file's line `start` on, `removed` the old lines taken out (ascending).
pub(super) fn context_as_git(lines: &[NewLine], start: usize, removed: &[usize], at_file_end: bool) -> bool {
    // Walk old and new together: each change is a removed old line or an added new one;
    // note how many context lines stand before each.
    let mut old = start;
    let mut context = 0usize;
    let mut at_changes: Vec<usize> = Vec::new();
    for line in lines {
        while removed.binary_search(&old).is_ok() {
            at_changes.push(context);
            old += 1;
        }
        if line.added {
            at_changes.push(context);
        } else {
            context += 1;
            old += 1;
        }
    }
    while removed.binary_search(&old).is_ok() {
        at_changes.push(context);
        old += 1;
    }
    let (Some(&first), Some(&last)) = (at_changes.first(), at_changes.last()) else {
        return true;
    };
    let before_ok = first == CONTEXT || (start == 0 && first < CONTEXT);
    let after = context - last;
    let after_ok = after == CONTEXT || (at_file_end && after < CONTEXT);
    before_ok && after_ok
}

/// The blank lines of `choice` moved to the other side of its run (from inside a run: to its
/// end); the choice as it now is.
pub(super) fn flip(lines: &mut [NewLine], choice: BlankChoice) -> BlankChoice {
    move_some(lines, choice, choice.blanks)
}

/// `moved` of the blank lines of `choice` moved to the other side of its run, the nearest to
/// it first; the choice the moved ones now are (the others stay where they were, no longer a
/// choice).
pub(super) fn move_some(lines: &mut [NewLine], choice: BlankChoice, moved: usize) -> BlankChoice {
    let BlankChoice {
        run_start,
        run_len,
        before,
        ..
    } = choice;
    if before {
        let lo = run_start - moved;
        lines[lo..run_start + run_len].rotate_left(moved);
        BlankChoice {
            run_start: lo,
            blanks: moved,
            before: false,
            ..choice
        }
    } else {
        lines[run_start..run_start + run_len + moved].rotate_right(moved);
        BlankChoice {
            run_start: run_start + moved,
            blanks: moved,
            before: true,
            ..choice
        }
    }
}

/// `p` with the tree's `after` blank lines after its end and `before` before its start.
pub(super) fn extend_at_edges(file: &[String], p: &Placement, after: usize, before: usize) -> Placement {
    let mut q = p.clone();
    let tail = super::blank_lines_at(file, q.end, after);
    q.end += tail.len();
    q.restored_blank_lines += tail.len() + before;
    q.lines.extend(tail);
    q.start -= before;
    let head = file[q.start..q.start + before].iter().map(|t| NewLine {
        text: t.clone(),
        added: false,
    });
    q.lines.splice(0..0, head);
    for c in &mut q.blank_choices {
        c.run_start += before;
    }
    q
}
