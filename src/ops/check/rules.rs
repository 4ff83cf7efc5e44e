//! The rules a KF_* family must satisfy, applied to one view of a tree (as it is, or as it
//! would be after a series): one name per bit, one bit per value, bits below 32, mirrors that
//! agree with btf.h, every flag a `BTF_ID_FLAGS` user passes defined.

use super::{BitRow, Finding, Level, Location};
use crate::kernel::flagstate::{FlagDef, State};
use std::collections::BTreeMap;

fn loc(d: &FlagDef) -> Location {
    Location {
        file: d.file.clone(),
        line: d.line,
        text: d.text.trim().to_string(),
    }
}

pub struct Outcome {
    pub findings: Vec<Finding>,
    pub bits: Vec<BitRow>,
    pub holes: Vec<u32>,
    pub next_free: Option<u32>,
}

pub fn evaluate(state: &State) -> Outcome {
    let mut findings = Vec::new();
    let mut by_name: BTreeMap<&str, Vec<&FlagDef>> = BTreeMap::new();
    for d in &state.family {
        by_name.entry(d.name.as_str()).or_default().push(d);
    }
    for (name, defs) in &by_name {
        if defs.len() > 1 {
            findings.push(Finding::new(
                Level::Error,
                "defined-twice",
                format!("{name} is defined {} times", defs.len()),
                defs.iter().map(|d| loc(d)).collect(),
            ));
        }
    }
    let mut by_bit: BTreeMap<u32, Vec<&FlagDef>> = BTreeMap::new();
    for d in &state.family {
        match (d.value, d.bit()) {
            (None, _) => findings.push(Finding::new(
                Level::Warning,
                "unreadable-value",
                format!("{}: value `{}` is not a form kfpatch reads", d.name, d.raw),
                vec![loc(d)],
            )),
            (Some(v), None) => findings.push(Finding::new(
                Level::Error,
                "not-single-bit",
                format!("{} = {v:#x} is not a single bit", d.name),
                vec![loc(d)],
            )),
            (Some(_), Some(bit)) if bit >= 32 => findings.push(Finding::new(
                Level::Error,
                "bit-too-high",
                format!("{} uses bit {bit}; kfunc flags are a u32 (bits 0-31)", d.name),
                vec![loc(d)],
            )),
            (Some(_), Some(bit)) => by_bit.entry(bit).or_default().push(d),
        }
    }
    // Mirror copies must agree; mirror-only flags still occupy their bit.
    for m in &state.mirrors {
        match by_name.get(m.name.as_str()) {
            Some(defs) => {
                let canonical = defs[0];
                if m.value.is_some() && m.value != canonical.value {
                    findings.push(Finding::new(
                        Level::Error,
                        "mirror-mismatch",
                        format!(
                            "{} is `{}` in {} but `{}` in {}",
                            m.name, m.raw, m.file, canonical.raw, canonical.file
                        ),
                        vec![loc(m), loc(canonical)],
                    ));
                }
            }
            None => {
                if let Some(bit) = m.bit() {
                    by_bit.entry(bit).or_default().push(m);
                }
            }
        }
    }
    for (bit, defs) in &by_bit {
        let mut names: Vec<&str> = defs.iter().map(|d| d.name.as_str()).collect();
        names.sort();
        names.dedup();
        if names.len() > 1 {
            findings.push(Finding::new(
                Level::Error,
                "bit-collision",
                format!("bit {bit} is claimed by {}", names.join(" and ")),
                defs.iter().map(|d| loc(d)).collect(),
            ));
        }
    }
    let used_names: std::collections::BTreeSet<&str> = state
        .uses
        .iter()
        .flat_map(|u| u.flags.iter().map(String::as_str))
        .collect();
    for u in &state.uses {
        for f in &u.flags {
            if !by_name.contains_key(f.as_str()) && !state.mirrors.iter().any(|m| &m.name == f) {
                findings.push(Finding::new(
                    Level::Error,
                    "undefined-flag",
                    format!(
                        "BTF_ID_FLAGS for {} uses {f}, which include/linux/btf.h does not define",
                        u.kfunc
                    ),
                    vec![Location {
                        file: u.file.clone(),
                        line: u.line,
                        text: format!("BTF_ID_FLAGS(func, {}, …)", u.kfunc),
                    }],
                ));
            }
        }
    }
    if state.uses_scanned {
        for (name, defs) in &by_name {
            if !used_names.contains(name) {
                findings.push(Finding::new(
                    Level::Info,
                    "unused-flag",
                    format!("{name} is used by no BTF_ID_FLAGS in this tree"),
                    vec![loc(defs[0])],
                ));
            }
        }
    }
    let max_bit = by_bit.keys().filter(|b| **b < 32).max().copied();
    let holes: Vec<u32> = match max_bit {
        Some(max) => (0..max).filter(|b| !by_bit.contains_key(b)).collect(),
        None => vec![],
    };
    if !holes.is_empty() {
        let list: Vec<String> = holes.iter().map(u32::to_string).collect();
        findings.push(Finding::new(
            Level::Info,
            "holes",
            format!(
                "bits {} are unused (holes left by removed flags; not reused)",
                list.join(", ")
            ),
            vec![],
        ));
    }
    let next_free = match max_bit {
        Some(max) if max >= 31 => None,
        Some(max) => Some(max + 1),
        None => Some(0),
    };
    match next_free {
        Some(n) => findings.push(Finding::new(
            Level::Info,
            "next-free",
            format!("next free bit: {n}"),
            vec![],
        )),
        None => findings.push(Finding::new(
            Level::Error,
            "no-free-bit",
            "no free bit above the highest used one".into(),
            vec![],
        )),
    }
    let bits = (0..32)
        .map(|bit| {
            let defs = by_bit.get(&bit).map(Vec::as_slice).unwrap_or(&[]);
            let mut names: Vec<String> = defs.iter().map(|d| d.name.clone()).collect();
            names.dedup();
            let status = match (names.len(), max_bit) {
                (0, Some(max)) if bit < max => "hole",
                (0, _) => "free",
                (1, _) => "used",
                _ => "collision",
            };
            BitRow {
                bit,
                names,
                status,
                locations: defs.iter().map(|d| format!("{}:{}", d.file, d.line)).collect(),
            }
        })
        .collect();
    Outcome {
        findings,
        bits,
        holes,
        next_free,
    }
}
