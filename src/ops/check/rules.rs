//! The rules a KF_* family must satisfy, applied to one view of a tree (as it is, or as it
//! would be after a series): one name per bit in any one configuration, one bit per value, bits
//! below 32, mirrors that agree with btf.h, every flag a `BTF_ID_FLAGS` user passes defined, and
//! for a series: no flag that is already upstream under another name, no bits skipped.
//!
//! Each rule is a small function of the state and of an `Index` built from it once; `RULES`
//! lists them in the order their findings are reported. Adding a rule is adding a function and
//! a row there. Defines in two arms of one `#if` chain never hold together: they are one flag
//! with a value per arm, and never collide.

use super::index::{bit_table, joint_condition, loc, ranges, when, Index, SeriesView};
use super::{BitRow, Finding, Level};
use crate::kernel::flagstate::{FlagDef, State};
use std::collections::{BTreeSet, HashSet};

pub struct Outcome {
    pub findings: Vec<Finding>,
    pub bits: Vec<BitRow>,
    pub holes: Vec<u32>,
    pub next_free: Option<u32>,
}

/// One check: the findings it has for a state, in the order it reports them.
type Rule = fn(&Index<'_>, &State) -> Vec<Finding>;

/// Every rule with the finding kinds it may report. The order matters: findings are later
/// stable-sorted by level only, so within a level they keep the order given here.
const RULES: &[(&[&str], Rule)] = &[
    (&["defined-twice"], defined_twice),
    (
        &["unreadable-value", "not-a-flag", "not-single-bit", "bit-too-high"],
        unusable_value,
    ),
    (&["mirror-mismatch"], mirror_mismatch),
    (&["bit-collision"], bit_collision),
    (&["upstream-rename"], upstream_rename),
    (&["bit-gap"], bit_gap),
    (&["undefined-flag"], undefined_flag),
    (&["unused-flag"], unused_flag),
    (&["holes"], holes),
    (&["next-free", "next-free-unknown", "no-free-bit"], next_free),
];

/// The findings for `state`; `series` when it is a tree as a series would leave it.
pub fn evaluate(state: &State, series: Option<&SeriesView>) -> Outcome {
    let ix = Index::new(state, series);
    let findings = RULES
        .iter()
        .flat_map(|(kinds, rule)| {
            let found = rule(&ix, state);
            debug_assert!(
                found.iter().all(|f| kinds.contains(&f.kind)),
                "a rule reports a kind its RULES row does not list"
            );
            found
        })
        .collect();
    Outcome {
        findings,
        bits: bit_table(&ix),
        holes: ix.holes.clone(),
        next_free: ix.next_free,
    }
}

/// Pairs of `defs` (by position) that can hold together and that `pick` selects.
fn together(defs: &[&FlagDef], pick: impl Fn(&FlagDef, &FlagDef) -> bool) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    for (i, a) in defs.iter().enumerate() {
        for (j, b) in defs.iter().enumerate().skip(i + 1) {
            if pick(a, b) && !a.exclusive(b) {
                pairs.push((i, j));
            }
        }
    }
    pairs
}

/// One name defined more than once in one configuration (not once per arm of an `#if`).
fn defined_twice(ix: &Index<'_>, _: &State) -> Vec<Finding> {
    ix.by_name
        .iter()
        .filter_map(|(name, defs)| {
            let involved: BTreeSet<usize> = together(defs, |_, _| true)
                .into_iter()
                .flat_map(|(i, j)| [i, j])
                .collect();
            let clash: Vec<&FlagDef> = involved.iter().map(|&i| defs[i]).collect();
            (clash.len() > 1).then(|| {
                Finding::new(
                    Level::Error,
                    "defined-twice",
                    format!(
                        "{name} is defined {} times{}",
                        clash.len(),
                        when(&joint_condition(&clash))
                    ),
                    clash.iter().map(|d| loc(d)).collect(),
                )
            })
        })
        .collect()
}

/// Family values that are no bit a kfunc can carry, in file order. A `0` under a condition is
/// the flag switched off in that configuration; text (`"_impl"`) holds no bit; a value kfpatch
/// cannot read may hold any free bit, and the warning says which.
fn unusable_value(ix: &Index<'_>, state: &State) -> Vec<Finding> {
    state
        .family
        .iter()
        .filter_map(|d| {
            let cond = when(&d.condition());
            let (level, kind, message) = match (d.value, d.bit()) {
                (None, _) if d.is_text() => (
                    Level::Info,
                    "not-a-flag",
                    format!("{} = `{}` is text, not a flag; it holds no bit", d.name, d.raw),
                ),
                (None, _) => (
                    Level::Warning,
                    "unreadable-value",
                    format!(
                        "{} ({}:{}): value `{}` is not a form kfpatch reads{cond}; {}",
                        d.name,
                        d.file,
                        d.line,
                        d.raw,
                        if ix.free.is_empty() {
                            "every bit is taken anyway".to_string()
                        } else {
                            format!(
                                "it may hold any of bits {}, which kfpatch therefore cannot vouch for as free",
                                ranges(&ix.free)
                            )
                        }
                    ),
                ),
                (Some(0), _) if !d.conditions.is_empty() => return None,
                (Some(v), None) => {
                    let built = if d.raw.contains("KF_") {
                        format!(" (`{}`)", d.raw)
                    } else {
                        String::new()
                    };
                    (
                        Level::Error,
                        "not-single-bit",
                        format!("{} = {v:#x}{built} is not a single bit{cond}", d.name),
                    )
                }
                (Some(_), Some(bit)) if bit >= 32 => (
                    Level::Error,
                    "bit-too-high",
                    format!("{} uses bit {bit}; kfunc flags are a u32 (bits 0-31)", d.name),
                ),
                (Some(_), Some(_)) => return None,
            };
            Some(Finding::new(level, kind, message, vec![loc(d)]))
        })
        .collect()
}

/// Mirror copies must agree with the family's first definition (or its value in another arm of
/// the same `#if` chain); an unreadable copy or original is not judged.
fn mirror_mismatch(ix: &Index<'_>, state: &State) -> Vec<Finding> {
    state
        .mirrors
        .iter()
        .filter_map(|m| {
            let defs = ix.by_name.get(m.name.as_str())?;
            let first = defs[0];
            let arms: Vec<&FlagDef> = defs
                .iter()
                .copied()
                .filter(|d| std::ptr::eq(*d, first) || d.exclusive(first))
                .collect();
            let values: Vec<u64> = arms.iter().filter_map(|d| d.value).collect();
            let raws: Vec<String> = arms.iter().map(|d| format!("`{}`", d.raw)).collect();
            (m.value.is_some_and(|v| !values.is_empty() && !values.contains(&v))).then(|| {
                Finding::new(
                    Level::Error,
                    "mirror-mismatch",
                    format!(
                        "{} is `{}` in {} but {} in {}",
                        m.name,
                        m.raw,
                        m.file,
                        raws.join(" or "),
                        first.file
                    ),
                    vec![loc(m), loc(first)],
                )
            })
        })
        .collect()
}

/// Two names that can hold one bit in one configuration, one finding per condition under
/// which they do; one name defined twice on its bit is `defined_twice`'s business.
fn bit_collision(ix: &Index<'_>, _: &State) -> Vec<Finding> {
    let mut found = Vec::new();
    for (bit, defs) in &ix.by_bit {
        // (condition, positions in `defs`), in the order the conditions first appear.
        let mut groups: Vec<(String, BTreeSet<usize>)> = Vec::new();
        for (i, j) in together(defs, |a, b| a.name != b.name) {
            let cond = joint_condition(&[defs[i], defs[j]]);
            match groups.iter_mut().find(|(c, _)| *c == cond) {
                Some((_, at)) => at.extend([i, j]),
                None => groups.push((cond, [i, j].into())),
            }
        }
        for (cond, at) in groups {
            let names: BTreeSet<&str> = at.iter().map(|&i| defs[i].name.as_str()).collect();
            found.push(Finding::new(
                Level::Error,
                "bit-collision",
                format!(
                    "bit {bit} is claimed by {}{}",
                    names.into_iter().collect::<Vec<_>>().join(" and "),
                    when(&cond)
                ),
                at.iter().map(|&i| loc(defs[i])).collect(),
            ));
        }
    }
    found
}

/// The series adds a flag the tree already has under another name, with the rest of the
/// change (as the apply operation judged it): not a new flag, the series is not needed here.
fn upstream_rename(ix: &Index<'_>, _: &State) -> Vec<Finding> {
    let Some(r) = ix.series.and_then(|s| s.renamed.as_ref()) else {
        return vec![];
    };
    let at = r
        .evidence
        .first()
        .map(|l| format!(" at {}:{}", l.file, l.line))
        .unwrap_or_default();
    vec![Finding::new(
        Level::Error,
        "upstream-rename",
        format!(
            "{} is already upstream as {} (bit {}){at}: the equivalent change is merged, this series is not needed here",
            r.ours, r.theirs, r.bit
        ),
        r.evidence.clone(),
    )]
}

/// A flag the series adds above the tree's next free bit, leaving free bits below it.
fn bit_gap(ix: &Index<'_>, _: &State) -> Vec<Finding> {
    let Some((series, next)) = ix.series.and_then(|s| Some((s, s.next_free_before?))) else {
        return vec![];
    };
    let mut found = Vec::new();
    for name in &series.added {
        for d in ix.by_name.get(name.as_str()).into_iter().flatten() {
            let Some(bit) = d.bit().filter(|b| *b > next && *b < 32) else {
                continue;
            };
            let left: Vec<u32> = ix.free.iter().copied().filter(|b| (next..bit).contains(b)).collect();
            if !left.is_empty() {
                found.push(Finding::new(
                    Level::Warning,
                    "bit-gap",
                    format!(
                        "{name} takes bit {bit}, above the next free bit {next}: leaves bits {} free",
                        ranges(&left)
                    ),
                    vec![loc(d)],
                ));
            }
        }
    }
    found
}

/// A flag a `BTF_ID_FLAGS` call passes that neither the family nor a mirror defines.
fn undefined_flag(ix: &Index<'_>, state: &State) -> Vec<Finding> {
    let mut found = Vec::new();
    for u in &state.uses {
        for f in &u.flags {
            if !ix.by_name.contains_key(f.as_str()) && !state.mirrors.iter().any(|m| &m.name == f) {
                found.push(Finding::new(
                    Level::Error,
                    "undefined-flag",
                    format!(
                        "BTF_ID_FLAGS for {} uses {f}, which include/linux/btf.h does not define",
                        u.kfunc
                    ),
                    vec![super::Location {
                        file: u.file.clone(),
                        line: u.line,
                        text: format!("BTF_ID_FLAGS(func, {}, …)", u.kfunc),
                    }],
                ));
            }
        }
    }
    found
}

/// Family flags no user passes; only known when every file of the tree was read for users.
/// Text defines are no flags.
fn unused_flag(ix: &Index<'_>, state: &State) -> Vec<Finding> {
    if !state.uses_scanned {
        return vec![];
    }
    let used: HashSet<&str> = state
        .uses
        .iter()
        .flat_map(|u| u.flags.iter().map(String::as_str))
        .collect();
    ix.by_name
        .iter()
        .filter(|(name, defs)| !used.contains(*name) && !defs.iter().all(|d| d.is_text()))
        .map(|(name, defs)| {
            Finding::new(
                Level::Info,
                "unused-flag",
                format!("{name} is used by no BTF_ID_FLAGS in this tree"),
                vec![loc(defs[0])],
            )
        })
        .collect()
}

fn holes(ix: &Index<'_>, _: &State) -> Vec<Finding> {
    if ix.holes.is_empty() {
        return vec![];
    }
    let list: Vec<String> = ix.holes.iter().map(u32::to_string).collect();
    vec![Finding::new(
        Level::Info,
        "holes",
        format!(
            "bits {} are unused (holes left by removed flags; not reused)",
            list.join(", ")
        ),
        vec![],
    )]
}

/// The bit the next flag takes; none offered while an unreadable define may hold the free
/// bits (a warning), an error only when all 32 bits are taken.
fn next_free(ix: &Index<'_>, _: &State) -> Vec<Finding> {
    if ix.free.is_empty() {
        return vec![Finding::new(
            Level::Error,
            "no-free-bit",
            "no free bit: all 32 bits (0-31) are taken".into(),
            vec![],
        )];
    }
    if !ix.unreadable.is_empty() {
        let names: Vec<String> = ix
            .unreadable
            .iter()
            .map(|d| format!("{} ({}:{})", d.name, d.file, d.line))
            .collect();
        return vec![Finding::new(
            Level::Warning,
            "next-free-unknown",
            format!(
                "no next free bit offered: {} may hold any of bits {}; pick one knowingly",
                names.join(", "),
                ranges(&ix.free)
            ),
            ix.unreadable.iter().map(|d| loc(d)).collect(),
        )];
    }
    let n = ix.next_free.unwrap_or(0);
    let reused = match ix.max_bit {
        Some(max) if n < max => format!(" (a hole: nothing is free above bit {max})"),
        _ => String::new(),
    };
    vec![Finding::new(
        Level::Info,
        "next-free",
        format!("next free bit: {n}{reused}"),
        vec![],
    )]
}

#[cfg(test)]
mod tests;
