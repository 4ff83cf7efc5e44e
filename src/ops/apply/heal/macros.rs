//! A whole added macro whose body its author wrote at another depth than the healer's first
//! guess (`rcupdate_wait.h`'s `do {` in column 0 under `#define _wait_rcu_gp(…) \`,
//! page-flags.h's generated functions): the body moves as one, and its backslashes either move
//! with it, stay at their column, or are aligned again past the body's widest line, as an
//! author who re-indents a macro realigns its backslashes.
//!
//! The indentation doubts shift a block but keep each line's gap before its `\`, which moves the
//! backslash a tab stop with the text; the block alternatives align backslashes at the depth
//! the healer chose. Neither alone is the author's macro, and the search pairs them only where
//! the merge of two changes of one line happens to give it. Heal benchmark, archive with
//! `index` lines (6.1→6.12 / 6.12→7.2): +2 / +1 files proven (rcupdate_wait.h, rcuwait.h,
//! dynamic_debug.h), none lost, the time a mail takes the same.

use crate::kernel::align::{aligned_gap, Kind};
use crate::kernel::indent::{pad, pad_exact, width};
use crate::ops::apply::proof::{Doubt, Pairing};

const TAB: usize = 8;

/// How a moved body's backslashes are set off from its text.
#[derive(Clone, Copy)]
enum Backslashes {
    /// At the column each one stood at before the move (where the text still ends before it).
    Kept,
    /// With tabs to the first tab stop past the widest line.
    PastWidest,
    /// With spaces to one column past the widest line.
    SpacedPastWidest,
    /// One tab after each line.
    OneTab,
    /// One space after each line.
    OneSpace,
}

const WAYS: [Backslashes; 5] = [
    Backslashes::Kept,
    Backslashes::PastWidest,
    Backslashes::SpacedPastWidest,
    Backslashes::OneTab,
    Backslashes::OneSpace,
];

/// A line's text before its line-continuing backslash, and the backslash's column; `None` for a
/// line without one or a lone `\` (align's backslash gap).
fn split_backslash(line: &str) -> Option<(&str, usize)> {
    let line = line.trim_end();
    let (lo, hi) = aligned_gap(line, Kind::Backslash)?;
    Some((&line[..lo], width(&line[..hi], 0)))
}

/// For each macro whose body of two lines or more was all added (its last line may be the
/// tree's, and stays; a one-line body is the indentation doubts'), one doubt: the body a tab
/// shallower and a tab deeper, each with its backslashes in every way of [`WAYS`] (the `#define` line's own
/// backslash too when it was added and aligned with the body's). Alternatives equal to the
/// file as it stands are left out.
pub(super) fn macro_doubts(lines: &[String], targets: &[usize]) -> Vec<Doubt> {
    let added = |j: usize| targets.binary_search(&j).is_ok();
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for &u in targets {
        // The macro's `#define` line: up from an added line its backslashes continue.
        let Some(t) = (0..=u)
            .rev()
            .take_while(|&j| j == u || lines[j].trim_end().ends_with('\\'))
            .last()
        else {
            continue;
        };
        let head = lines[t].trim_start();
        let opens = head.starts_with('#')
            && head[1..].trim_start().starts_with("define")
            && head.trim_end().ends_with('\\')
            && (t == 0 || !lines[t - 1].trim_end().ends_with('\\'));
        if !opens || seen.contains(&t) {
            continue;
        }
        seen.push(t);
        let Some(end) = (t + 1..lines.len()).find(|&j| !lines[j].trim_end().ends_with('\\')) else {
            continue;
        };
        // Every continued line added; the last one may be the tree's (`} while (0)`), and stays.
        if !(t + 1..end).all(added) || t + 1 == end {
            continue;
        }
        let end = if added(end) { end } else { end - 1 };
        let body: Vec<usize> = (t + 1..=end).collect();
        // The head's backslash realigns with the body's only where it stood with them.
        let head_aligned = added(t)
            && split_backslash(&lines[t]).is_some_and(|(text, col)| {
                col > width(text, 0) + 1
                    && body
                        .iter()
                        .any(|&j| split_backslash(&lines[j]).is_some_and(|b| b.1 == col))
            });
        let mut alternatives: Vec<Vec<(usize, String)>> = Vec::new();
        for deeper in [false, true] {
            // A tab shallower (where a line has one to lose) or deeper; blank lines stay.
            let moved: Vec<(usize, String)> = body
                .iter()
                .map(|&j| (j, super::shift(&lines[j], deeper).unwrap_or_else(|| lines[j].clone())))
                .collect();
            if moved.iter().all(|(j, text)| *text == lines[*j]) {
                continue;
            }
            let mut rows: Vec<(usize, String)> = Vec::new();
            if head_aligned {
                rows.push((t, lines[t].clone()));
            }
            rows.extend(moved);
            for way in WAYS {
                let realigned = realign(&rows, lines, way);
                let changes: Vec<(usize, String)> =
                    realigned.into_iter().filter(|(j, text)| *text != lines[*j]).collect();
                if !changes.is_empty() && !alternatives.contains(&changes) {
                    alternatives.push(changes);
                }
            }
        }
        if !alternatives.is_empty() {
            out.push(Doubt {
                line: alternatives[0][0].0,
                why: "a whole added macro's body a tab shallower or deeper, its backslashes realigned".into(),
                alternatives,
                likely: true,
                pairing: Pairing::First,
                sources: Vec::new(),
            });
        }
    }
    out
}

/// `rows` (moved lines) with their backslashes set off `way`; `before` holds each line as it
/// stood before the move (for [`Backslashes::Kept`]).
fn realign(rows: &[(usize, String)], before: &[String], way: Backslashes) -> Vec<(usize, String)> {
    let widest = rows
        .iter()
        .filter_map(|(_, text)| split_backslash(text).map(|(code, _)| width(code, 0)))
        .max()
        .unwrap_or(0);
    rows.iter()
        .map(|(j, text)| {
            let Some((code, _)) = split_backslash(text) else {
                return (*j, text.clone());
            };
            let from = width(code, 0);
            let gap = match way {
                Backslashes::Kept => match split_backslash(&before[*j]) {
                    // Exactly at its column, where tabs alone cannot reach it too.
                    Some((old, col)) if col > from => match before[*j][old.len()..].contains('\t') {
                        true => pad_exact(from, col),
                        false => pad(from, col, false),
                    },
                    _ => return (*j, text.clone()),
                },
                Backslashes::PastWidest => pad(from, (widest / TAB + 1) * TAB, true),
                Backslashes::SpacedPastWidest => pad(from, widest + 1, false),
                Backslashes::OneTab => "\t".to_string(),
                Backslashes::OneSpace => " ".to_string(),
            };
            let gap = if gap.is_empty() { " ".to_string() } else { gap };
            (*j, format!("{code}{gap}\\"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_macro_body_in_column_0_with_its_backslashes_past_the_widest_line() {
        // include/linux/rcupdate_wait.h, 6.1 -> 6.12: the healer put the body a tab in and its
        // backslashes at column 64; the author wrote it from column 0, aligned past its widest
        // line.
        let lines: Vec<String> = [
            "#define _wait_rcu_gp(checktiny, state, ...) \\",
            "\tdo {\t\t\t\t\t\t\t\t\\",
            "\t\tcall_rcu_func_t __crcu_array[] = { __VA_ARGS__ };\t\\",
            "\t\tstruct rcu_synchronize __rs_array[ARRAY_SIZE(__crcu_array)];\t\\",
            "\t\t__wait_rcu_gp(checktiny, state, ARRAY_SIZE(__crcu_array), __crcu_array, __rs_array);\t\\",
            "} while (0)",
        ]
        .map(String::from)
        .to_vec();
        // Its `} while (0)` is the tree's line.
        let doubts = macro_doubts(&lines, &[0, 1, 2, 3, 4]);
        assert_eq!(doubts.len(), 1);
        let author = vec![
            (1, "do {\t\t\t\t\t\t\t\t\t\t\t\t\\".to_string()),
            (
                2,
                "\tcall_rcu_func_t __crcu_array[] = { __VA_ARGS__ };\t\t\t\t\t\\".to_string(),
            ),
            (
                3,
                "\tstruct rcu_synchronize __rs_array[ARRAY_SIZE(__crcu_array)];\t\t\t\t\\".to_string(),
            ),
            (
                4,
                "\t__wait_rcu_gp(checktiny, state, ARRAY_SIZE(__crcu_array), __crcu_array, __rs_array);\t\\"
                    .to_string(),
            ),
        ];
        assert!(doubts[0].alternatives.contains(&author));
        // The head keeps its one space: it did not stand with the body's backslashes.
        assert!(doubts[0].alternatives.iter().flatten().all(|(j, _)| *j != 0));
        // A tab deeper is offered too, with each backslash kept exactly at its column.
        let kept = vec![
            (1, "\t\tdo {\t\t\t\t\t\t\t\\".to_string()),
            (
                2,
                "\t\t\tcall_rcu_func_t __crcu_array[] = { __VA_ARGS__ };\t\\".to_string(),
            ),
        ];
        assert!(doubts[0].alternatives.iter().any(|a| a.starts_with(&kept)));
        // A macro whose body is partly the tree's raises none.
        assert!(macro_doubts(&lines, &[0, 1, 2]).is_empty());
        // A head aligned with its body realigns with it only when it was added.
        let aligned: Vec<String> = ["#define A(x)\t\t\\", "\tfoo(x);\t\t\\", "\tbar(x);\t\t\\", "\tbaz(x)"]
            .map(String::from)
            .to_vec();
        let with_head = macro_doubts(&aligned, &[0, 1, 2, 3]);
        assert!(with_head[0].alternatives.iter().flatten().any(|(j, _)| *j == 0));
        let without = macro_doubts(&aligned, &[1, 2, 3]);
        assert!(without[0].alternatives.iter().flatten().all(|(j, _)| *j != 0));
        // A backslash off a tab stop keeps its exact column.
        let off_stop: Vec<String> = ["#define B \\", "\t\tx = 1;\t  \\", "\t\ty = 2;\t  \\", "\t\tz"]
            .map(String::from)
            .to_vec();
        let moved = macro_doubts(&off_stop, &[0, 1, 2, 3]);
        assert!(moved[0].alternatives.contains(&vec![
            (1, "\tx = 1;\t\t  \\".to_string()),
            (2, "\ty = 2;\t\t  \\".to_string()),
            (3, "\tz".to_string()),
        ]));
    }
}
