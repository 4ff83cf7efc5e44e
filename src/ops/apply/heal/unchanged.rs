//! Added lines that git would have shown as unchanged. A healed added line that is, byte for
//! byte, a removed line of its own run between two context lines cannot be the author's: git
//! keeps such a line as context (`shape`). The author changed only its whitespace and the
//! mail's damage hid the change; the healer's first guess gave the removed line back, most
//! often by taking a removed twin's gaps. Heal benchmark, archive without `index` lines
//! (6.1→6.12 / 6.12→7.2): +3 / +3 files byte-identical (page_idle.h's `page_idle =  test_bit`
//! made `page_idle = test_bit`, a `#define`'s value moved a tab), +74 / +107 added lines exact,
//! none lost; with `index` lines +0 / +1 proven, +55 / +102 lines.

use super::{Doubt, FileWork, Pairing};
use crate::kernel::indent::leading;
use crate::ops::apply::shape;
use std::collections::HashMap;

/// Added lines healed into the exact text of a removed line beside them, which git would have
/// shown as unchanged (`shape`), take the first other way the healer had for them: as built
/// before a removed twin gave its gaps, a doubt's single-line alternative, the line's words
/// spaced as the mail spaced them, or single-spaced. Each is a doubt whose last alternative
/// is the line as it was (a diff made otherwise than git's minimal one may show it so); the
/// other doubts' alternatives of the line take its new text, at their own indentation.
pub(super) fn kept_by_git(
    lines: &mut [String],
    work: &FileWork,
    doubts: &mut [Doubt],
    twin_gapped: &HashMap<usize, String>,
    mailed: &HashMap<usize, &str>,
) -> Vec<Doubt> {
    let candidates = |i: usize, line: &str| {
        let mut out: Vec<String> = twin_gapped.get(&i).cloned().into_iter().collect();
        for doubt in doubts.iter().filter(|d| d.sources.is_empty()) {
            let single = doubt.alternatives.iter().filter(|a| a.len() == 1 && a[0].0 == i);
            out.extend(single.map(|a| a[0].1.clone()));
        }
        if let Some(mail) = mailed.get(&i) {
            out.push(format!("{}{}", leading(line), mail.trim_start()));
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        out.push(format!("{}{}", leading(line), words.join(" ")));
        out
    };
    if work.preimage_differs {
        return Vec::new();
    }
    let removed: Vec<(usize, &str)> = work
        .removed_at
        .iter()
        .zip(&work.removed)
        .map(|(&at, (_, text))| (at, text.as_str()))
        .collect();
    let beside = shape::removed_beside(lines, &removed, &work.spans, &work.added);
    let changed = shape::as_mailed(lines, &beside, candidates);
    for (i, was, _) in &changed {
        follow(doubts, *i, was, &lines[*i]);
    }
    changed
        .into_iter()
        .map(|(i, was, mut others)| {
            others.push(was);
            Doubt {
                line: i,
                why: "the removed line's whitespace exactly, which git would have shown as unchanged".into(),
                alternatives: others.into_iter().map(|o| vec![(i, o)]).collect(),
                likely: false,
                pairing: Pairing::First,
                sources: Vec::new(),
            }
        })
        .collect()
}

/// Line `i` changed from `old` to `new`: every alternative that carried `old` there carries
/// `new`, one that only re-indented it re-indents `new` the same, and one that moves it (a
/// blank line to its other side) moves `new`.
fn follow(doubts: &mut [Doubt], i: usize, old: &str, new: &str) {
    let body = |l: &str| l[leading(l).len()..].to_string();
    let old_body = body(old);
    for doubt in doubts.iter_mut() {
        for (a, alternative) in doubt.alternatives.iter_mut().enumerate() {
            let sources = doubt.sources.get(a);
            for (k, (j, text)) in alternative.iter_mut().enumerate() {
                let from = sources.and_then(|s| s.get(k)).copied().unwrap_or(*j);
                if from != i {
                    continue;
                }
                if text == old {
                    *text = new.to_string();
                } else if body(text) == old_body {
                    *text = format!("{}{}", leading(text), body(new));
                }
            }
        }
    }
}
