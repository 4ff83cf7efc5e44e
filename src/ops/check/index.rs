//! What the flag rules need, derived once from one view of a tree: the family by name, who holds
//! each bit, the free bits, the next free bit, and (after a series) what the series did.

use super::{BitRow, Location};
use crate::kernel::flagstate::{FlagDef, State};
use std::collections::BTreeMap;

/// What a series did, for the rules that judge a series rather than a tree.
#[derive(Debug, Clone, Default)]
pub struct SeriesView {
    /// The family flags the series adds, by name.
    pub added: Vec<String>,
    /// The tree's next free bit before the series.
    pub next_free_before: Option<u32>,
    /// The series' flag is already upstream under another name (the apply operation's verdict).
    pub renamed: Option<Renamed>,
}

/// A flag a series adds that the tree has under another name.
#[derive(Debug, Clone)]
pub struct Renamed {
    /// The series' name (`KF_SPIN_LOCK`).
    pub ours: String,
    /// The tree's name (`KF_SPINLOCK_SAFE`).
    pub theirs: String,
    pub bit: u32,
    /// The tree's define first, then the lines that show the rest of the change is there.
    pub evidence: Vec<Location>,
}

pub struct Index<'a> {
    /// The family's defines by name, in file order.
    pub by_name: BTreeMap<&'a str, Vec<&'a FlagDef>>,
    /// Who occupies each bit: the family's single-bit values below 32 in file order, then
    /// mirror-only flags (they share the family's bit space, whatever their bit).
    pub by_bit: BTreeMap<u32, Vec<&'a FlagDef>>,
    /// The highest occupied bit that fits a u32.
    pub max_bit: Option<u32>,
    /// The free bits below `max_bit`.
    pub holes: Vec<u32>,
    /// Every bit 0-31 no readable define holds.
    pub free: Vec<u32>,
    /// Family defines whose value kfpatch cannot read: any free bit may be theirs.
    pub unreadable: Vec<&'a FlagDef>,
    /// The lowest free bit above `max_bit` (else the lowest free bit: holes are reused only
    /// when nothing is free above); none when every bit is taken or an unreadable define may
    /// hold the free ones.
    pub next_free: Option<u32>,
    pub series: Option<&'a SeriesView>,
}

impl<'a> Index<'a> {
    pub fn new(state: &'a State, series: Option<&'a SeriesView>) -> Index<'a> {
        let mut by_name: BTreeMap<&str, Vec<&FlagDef>> = BTreeMap::new();
        for d in &state.family {
            by_name.entry(d.name.as_str()).or_default().push(d);
        }
        let mut by_bit: BTreeMap<u32, Vec<&FlagDef>> = BTreeMap::new();
        // Family values that are no usable bit take no place; `unusable_value` reports them.
        for d in &state.family {
            if let Some(bit) = d.bit().filter(|b| *b < 32) {
                by_bit.entry(bit).or_default().push(d);
            }
        }
        for m in &state.mirrors {
            if by_name.contains_key(m.name.as_str()) {
                // A copy of a family flag: `mirror_mismatch` compares it, the family places it.
                continue;
            }
            if let Some(bit) = m.bit() {
                by_bit.entry(bit).or_default().push(m);
            }
        }
        let max_bit = by_bit.keys().filter(|b| **b < 32).max().copied();
        let free: Vec<u32> = (0..32).filter(|b| !by_bit.contains_key(b)).collect();
        let holes = free
            .iter()
            .copied()
            .filter(|b| max_bit.is_some_and(|m| *b < m))
            .collect();
        let unreadable: Vec<&FlagDef> = state.family.iter().filter(|d| d.is_unreadable()).collect();
        let above = free.iter().copied().find(|b| max_bit.is_none_or(|m| *b > m));
        let next_free = above.or(free.first().copied()).filter(|_| unreadable.is_empty());
        Index {
            by_name,
            by_bit,
            max_bit,
            holes,
            free,
            unreadable,
            next_free,
            series,
        }
    }
}

pub fn loc(d: &FlagDef) -> Location {
    Location {
        file: d.file.clone(),
        line: d.line,
        text: d.text.trim().to_string(),
    }
}

/// The conditions under which both hold (`CONFIG_X && !CONFIG_Y`), empty when always.
pub fn joint_condition(defs: &[&FlagDef]) -> String {
    let mut all: Vec<&str> = Vec::new();
    for c in defs.iter().flat_map(|d| &d.conditions) {
        if !all.contains(&c.as_str()) {
            all.push(c);
        }
    }
    all.join(" && ")
}

/// ` when COND`, or nothing for an unconditional define.
pub fn when(condition: &str) -> String {
    if condition.is_empty() {
        String::new()
    } else {
        format!(" when {condition}")
    }
}

/// `3, 4, 17–31`: bits as ranges.
pub fn ranges(bits: &[u32]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < bits.len() {
        let mut j = i;
        while j + 1 < bits.len() && bits[j + 1] == bits[j] + 1 {
            j += 1;
        }
        parts.push(match j - i {
            0 => bits[i].to_string(),
            1 => format!("{}, {}", bits[i], bits[j]),
            _ => format!("{}–{}", bits[i], bits[j]),
        });
        i = j + 1;
    }
    parts.join(", ")
}

/// One row per bit of a u32: who holds it, and whether it is used, free, a hole, contested, or
/// unknown (free unless an unreadable define holds it).
pub fn bit_table(ix: &Index<'_>) -> Vec<BitRow> {
    (0..32)
        .map(|bit| {
            let defs = ix.by_bit.get(&bit).map(Vec::as_slice).unwrap_or(&[]);
            let mut names: Vec<String> = defs.iter().map(|d| d.name.clone()).collect();
            names.dedup();
            let contested = defs
                .iter()
                .enumerate()
                .any(|(i, a)| defs[i + 1..].iter().any(|b| a.name != b.name && !a.exclusive(b)));
            let status = match (names.len(), ix.max_bit) {
                (0, _) if !ix.unreadable.is_empty() => "unknown",
                (0, Some(max)) if bit < max => "hole",
                (0, _) => "free",
                _ if contested => "collision",
                _ => "used",
            };
            BitRow {
                bit,
                names,
                status,
                locations: defs.iter().map(|d| format!("{}:{}", d.file, d.line)).collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::flagdefs;
    use crate::kernel::flagstate::FAMILY_FILE;

    fn family(text: &str) -> State {
        State {
            family: flagdefs::defines(text)
                .into_iter()
                .map(|define| FlagDef {
                    file: FAMILY_FILE.into(),
                    define,
                })
                .collect(),
            ..State::default()
        }
    }

    #[test]
    fn ranges_join_runs_of_three_or_more() {
        assert_eq!(ranges(&[3, 4, 17, 18, 19, 20, 31]), "3, 4, 17–20, 31");
        assert_eq!(ranges(&[]), "");
    }

    #[test]
    fn next_free_is_above_the_highest_then_the_lowest_hole() {
        let next = |t: &str| Index::new(&family(t), None).next_free;
        assert_eq!(next(""), Some(0));
        assert_eq!(next("#define KF_A (1 << 0)\n#define KF_B (1 << 16)\n"), Some(17));
        assert_eq!(next("#define KF_A (1 << 0)\n#define KF_B (1 << 31)\n"), Some(1));
        assert_eq!(next("#define KF_A (~0U)\n#define KF_B (1 << 3)\n"), Some(4));
        assert_eq!(next("#define KF_A (1 << 2)\n#define KF_B (1 << FOO)\n"), None);
    }

    #[test]
    fn bit_table_knows_exclusive_arms_and_unknown_bits() {
        let state = family(
            "#ifdef CONFIG_X\n#define KF_A (1 << 1)\n#else\n#define KF_B (1 << 1)\n#endif\n#define KF_C (1 << 3)\n",
        );
        let bits = bit_table(&Index::new(&state, None));
        assert_eq!((bits[1].status, bits[1].names.len()), ("used", 2));
        assert_eq!((bits[2].status, bits[4].status), ("hole", "free"));
        let state = family("#define KF_A (1 << 1)\n#define KF_B (1 << WHO_KNOWS)\n");
        let bits = bit_table(&Index::new(&state, None));
        assert_eq!(
            (bits[0].status, bits[1].status, bits[2].status),
            ("unknown", "used", "unknown")
        );
    }
}
