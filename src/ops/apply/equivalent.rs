//! Recognising trees that need no patch: the series' result is already there, or the tree has
//! the same change merged under another flag name (7.3 merged KF_SPIN_LOCK as
//! KF_SPINLOCK_SAFE on the same bit, with a flag-testing `kfunc_spin_allowed`).

use super::locate::normalize;
use super::{Evidence, Verdict};
use crate::kernel::flagdefs;
use crate::kernel::KernelTree;
use crate::mail::{FilePatch, LineKind, Series};
use std::collections::HashMap;

/// Non-blank, whitespace-normalised lines of one side of a hunk.
fn side(fp: &FilePatch, hunk: usize, keep: LineKind) -> Vec<String> {
    fp.hunks[hunk]
        .lines
        .iter()
        .filter(|l| l.kind == LineKind::Context || l.kind == keep)
        .map(|l| normalize(&l.text))
        .filter(|t| !t.is_empty())
        .collect()
}

fn contains_run(haystack: &[String], run: &[String]) -> bool {
    !run.is_empty() && haystack.windows(run.len()).any(|w| w == run)
}

fn normalized_non_blank(text: &str) -> Vec<String> {
    text.lines().map(normalize).filter(|l| !l.is_empty()).collect()
}

/// Every hunk's new side is in the tree and its old side is not.
pub fn already_applied(tree: &KernelTree, series: &Series) -> bool {
    let mut cache: HashMap<String, Vec<String>> = HashMap::new();
    for fp in series.patches.iter().flat_map(|p| &p.files) {
        // Each file is read once, however many patches touch it.
        if !cache.contains_key(fp.path()) {
            let Ok(text) = tree.read(fp.path()) else { return false };
            cache.insert(fp.path().to_string(), normalized_non_blank(&text));
        }
        let lines = &cache[fp.path()];
        for h in 0..fp.hunks.len() {
            let new = side(fp, h, LineKind::Add);
            let old = side(fp, h, LineKind::Del);
            if !contains_run(lines, &new) || (old != new && contains_run(lines, &old)) {
                return false;
            }
        }
    }
    true
}

/// A flag the series adds (`#define NAME (1 << N)`) that the tree defines on the same bit under
/// another name, with the series' other added lines (name substituted) mostly present, and
/// every line that uses the flag present.
pub fn upstream_equivalent(tree: &KernelTree, series: &Series) -> Option<Verdict> {
    let files: Vec<&FilePatch> = series.patches.iter().flat_map(|p| &p.files).collect();
    for fp in &files {
        let Ok(header_text) = tree.read(fp.path()) else {
            continue;
        };
        let tree_defines = flagdefs::defines(&header_text);
        for added in fp.hunks.iter().flat_map(|h| h.added()) {
            let Some(new) = flagdefs::defines(&format!("{}\n", added.text.trim()))
                .into_iter()
                .next()
            else {
                continue;
            };
            let Some(bit) = new.bit() else { continue };
            let Some(theirs) = tree_defines.iter().find(|d| d.bit() == Some(bit) && d.name != new.name) else {
                continue;
            };
            let mut evidence = vec![Evidence {
                file: fp.path().into(),
                line: theirs.line,
                text: theirs.text.trim().into(),
            }];
            if uses_match(tree, &files, fp.path(), &new.name, &theirs.name, &mut evidence) {
                return Some(Verdict::EquivalentUpstream {
                    flag: theirs.name.clone(),
                    patch_flag: new.name.clone(),
                    bit,
                    evidence,
                });
            }
        }
    }
    None
}

fn uses_match(
    tree: &KernelTree,
    files: &[&FilePatch],
    header: &str,
    ours: &str,
    theirs: &str,
    evidence: &mut Vec<Evidence>,
) -> bool {
    let (mut total, mut present, mut flag_uses) = (0, 0, 0);
    for fp in files.iter().filter(|f| f.path() != header) {
        let Ok(text) = tree.read(fp.path()) else { return false };
        let lines: Vec<(usize, String)> = text.lines().enumerate().map(|(i, l)| (i + 1, normalize(l))).collect();
        for added in fp.hunks.iter().flat_map(|h| h.added()) {
            let want = normalize(&added.text.replace(ours, theirs));
            if want.len() < 4 {
                continue;
            }
            total += 1;
            let found = lines.iter().find(|(_, l)| *l == want);
            if let Some((n, _)) = found {
                present += 1;
                let is_signature = want.starts_with("static ") && want.ends_with(')');
                if want.contains(theirs) || is_signature {
                    evidence.push(Evidence {
                        file: fp.path().into(),
                        line: *n,
                        text: want.clone(),
                    });
                }
            }
            if added.text.contains(ours) {
                if found.is_none() {
                    return false;
                }
                flag_uses += 1;
            }
        }
    }
    flag_uses > 0 && present * 2 >= total
}
