//! The last resorts of the proof search: what an author's habit could have done to lines no
//! rule and no neighbour speaks for (every gap another way, a continuation at any near
//! column). Not doubts a maintainer is told of: nothing in the tree points at them.

use crate::kernel::gaps;
use crate::kernel::indent::{self, indent_width, leading, Rule};
use crate::ops::apply::proof::{Doubt, Pairing};
use crate::ops::apply::restore::{Interior, Model};

/// Where the archive collapsed runs of blanks, every added line's gaps and indentation as an
/// author's habit could have had them ([`gaps::inner_alternatives`]), and a comment line's text
/// under the words of the line above ([`gaps::comment_text_alternatives`]): not doubts a
/// maintainer is told of, as nothing in the tree points at them. The search tries them alone
/// after the doubts, and paired once the doubts' pairs are spent. Where indentation was
/// rebuilt, each continuation line's other columns too ([`continuation_columns`]).
pub(super) fn last_resorts(lines: &[String], targets: &[usize], model: &Model, rules: &[Rule]) -> Vec<Doubt> {
    let columns = continuation_columns(lines, targets, rules);
    if model.interior != Interior::Collapsed {
        return columns;
    }
    let mut out: Vec<Doubt> = targets
        .iter()
        .filter(|&&t| !lines[t].trim().is_empty())
        .map(|&t| {
            let mut alternatives = gaps::inner_alternatives(&lines[t]);
            if t > 0 {
                alternatives.extend(gaps::comment_text_alternatives(&lines[t], &lines[t - 1]));
            }
            Doubt {
                line: t,
                why: "a gap as an author's habit could have had it".into(),
                alternatives: alternatives.into_iter().map(|alt| vec![(t, alt)]).collect(),
                likely: true,
                pairing: Pairing::First,
                sources: Vec::new(),
            }
        })
        .collect();
    // The same gap of every added line the same way at once (the last one as a tab before
    // each `__acquires(lock)`): an author's habit over lines no rule speaks for.
    for k in 1..=2 {
        for width in ["\t", "  ", " "] {
            let changes: Vec<(usize, String)> = targets
                .iter()
                .filter_map(|&t| Some((t, gaps::gap_from_end_as(&lines[t], k, width)?)))
                .collect();
            if changes.len() > 1 {
                out.push(Doubt {
                    line: changes[0].0,
                    why: "the same gap of every added line one way".into(),
                    alternatives: vec![changes],
                    likely: true,
                    pairing: Pairing::First,
                    sources: Vec::new(),
                });
            }
        }
    }
    out.extend(columns);
    out
}

/// How far from its column a continuation line's other columns are tried.
const CONTINUATION_REACH: usize = 24;

/// Every column near the one a continuation line was given, nearest first: some authors
/// align a continuation under nothing the rules know of (devmap.c's `\t\t\t (u64)sizeof(…)`
/// under `usage += atomic_read(…) *`; reset.h's head continued five tabs in, like the line
/// under it). Tried alone once the doubts' pairs are spent, never paired in the rules' order
/// (the likeliest-first order after it pairs it like any other): heal benchmark,
/// archive with `index` lines, +2 / +1 files proven and identical, none lost (tried before
/// the pairs: one lost); a reach of 40 columns proved no more than 24. The lines under it
/// that stand where it stands are tried at each column with it (moduleloader.h's four
/// parameters two tabs and three spaces in, under `void clear_relocate_add(`): +1 / +0.
fn continuation_columns(lines: &[String], targets: &[usize], rules: &[Rule]) -> Vec<Doubt> {
    let continues = |k: usize| {
        matches!(rules.get(k), Some(Rule::Continuation | Rule::ContinuationParen))
            && !lines[targets[k]].trim().is_empty()
    };
    let mut out = Vec::new();
    let mut k = 0;
    while k < targets.len() {
        if !continues(k) {
            k += 1;
            continue;
        }
        // The lines right under it that stand where it stands move with it too.
        let lead = leading(&lines[targets[k]]);
        let mut end = k + 1;
        while end < targets.len()
            && targets[end] == targets[end - 1] + 1
            && continues(end)
            && leading(&lines[targets[end]]) == lead
        {
            end += 1;
        }
        let now = indent_width(&lines[targets[k]]);
        // From one tab in: a continuation stands at least a tab in.
        let mut columns: Vec<usize> = (8..now + CONTINUATION_REACH)
            .filter(|&c| c != now && c + CONTINUATION_REACH > now)
            .collect();
        columns.sort_by_key(|&c| c.abs_diff(now));
        let moved = |group: &[usize], c: usize| -> Vec<(usize, String)> {
            group
                .iter()
                .map(|&t| (t, format!("{}{}", indent::make_indent(c), lines[t].trim_start())))
                .collect()
        };
        let mut groups: Vec<&[usize]> = vec![&targets[k..k + 1]];
        if end - k > 1 {
            groups.push(&targets[k..end]);
        }
        for group in groups {
            out.push(Doubt {
                line: group[0],
                why: "a continuation at another column".into(),
                alternatives: columns.iter().map(|&c| moved(group, c)).collect(),
                likely: true,
                pairing: Pairing::Never,
                sources: Vec::new(),
            });
        }
        k += 1;
    }
    out
}
