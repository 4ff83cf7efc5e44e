//! The rules a KF_* family must satisfy, applied to one view of a tree (as it is, or as it
//! would be after a series): one name per bit, one bit per value, bits below 32, mirrors that
//! agree with btf.h, every flag a `BTF_ID_FLAGS` user passes defined.
//!
//! Each rule is a small function of the state and of an `Index` built from it once; `RULES`
//! lists them in the order their findings are reported. Adding a rule is adding a function and
//! a row there.

use super::{BitRow, Finding, Level, Location};
use crate::kernel::flagstate::{FlagDef, State};
use std::collections::{BTreeMap, BTreeSet};

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
    (&["unreadable-value", "not-single-bit", "bit-too-high"], unusable_value),
    (&["mirror-mismatch"], mirror_mismatch),
    (&["bit-collision"], bit_collision),
    (&["undefined-flag"], undefined_flag),
    (&["unused-flag"], unused_flag),
    (&["holes"], holes),
    (&["next-free", "no-free-bit"], next_free),
];

pub fn evaluate(state: &State) -> Outcome {
    let ix = Index::new(state);
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
        holes: ix.holes,
        next_free: ix.next_free,
    }
}

/// What several rules need, derived once from a state.
struct Index<'a> {
    /// The family's defines by name, in file order.
    by_name: BTreeMap<&'a str, Vec<&'a FlagDef>>,
    /// Who occupies each bit: the family's single-bit values below 32 in file order, then
    /// mirror-only flags (they share the family's bit space, whatever their bit).
    by_bit: BTreeMap<u32, Vec<&'a FlagDef>>,
    /// The highest occupied bit that fits a u32.
    max_bit: Option<u32>,
    /// The free bits below `max_bit`.
    holes: Vec<u32>,
    /// The bit above `max_bit`, if there is one: holes are never handed out again.
    next_free: Option<u32>,
}

impl<'a> Index<'a> {
    fn new(state: &'a State) -> Index<'a> {
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
        let holes = match max_bit {
            Some(max) => (0..max).filter(|b| !by_bit.contains_key(b)).collect(),
            None => vec![],
        };
        let next_free = match max_bit {
            Some(max) if max >= 31 => None,
            Some(max) => Some(max + 1),
            None => Some(0),
        };
        Index {
            by_name,
            by_bit,
            max_bit,
            holes,
            next_free,
        }
    }
}

fn loc(d: &FlagDef) -> Location {
    Location {
        file: d.file.clone(),
        line: d.line,
        text: d.text.trim().to_string(),
    }
}

/// One row per bit of a u32: who holds it, and whether it is used, free, a hole or contested.
fn bit_table(ix: &Index<'_>) -> Vec<BitRow> {
    (0..32)
        .map(|bit| {
            let defs = ix.by_bit.get(&bit).map(Vec::as_slice).unwrap_or(&[]);
            let mut names: Vec<String> = defs.iter().map(|d| d.name.clone()).collect();
            names.dedup();
            let status = match (names.len(), ix.max_bit) {
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
        .collect()
}

fn defined_twice(ix: &Index<'_>, _: &State) -> Vec<Finding> {
    ix.by_name
        .iter()
        .filter(|(_, defs)| defs.len() > 1)
        .map(|(name, defs)| {
            Finding::new(
                Level::Error,
                "defined-twice",
                format!("{name} is defined {} times", defs.len()),
                defs.iter().map(|d| loc(d)).collect(),
            )
        })
        .collect()
}

/// Family values that are no bit a kfunc can carry, in file order.
fn unusable_value(_: &Index<'_>, state: &State) -> Vec<Finding> {
    state
        .family
        .iter()
        .filter_map(|d| match (d.value, d.bit()) {
            (None, _) => Some(Finding::new(
                Level::Warning,
                "unreadable-value",
                format!("{}: value `{}` is not a form kfpatch reads", d.name, d.raw),
                vec![loc(d)],
            )),
            (Some(v), None) => Some(Finding::new(
                Level::Error,
                "not-single-bit",
                format!("{} = {v:#x} is not a single bit", d.name),
                vec![loc(d)],
            )),
            (Some(_), Some(bit)) if bit >= 32 => Some(Finding::new(
                Level::Error,
                "bit-too-high",
                format!("{} uses bit {bit}; kfunc flags are a u32 (bits 0-31)", d.name),
                vec![loc(d)],
            )),
            (Some(_), Some(_)) => None,
        })
        .collect()
}

/// Mirror copies must agree with the family's first definition; an unreadable copy is not
/// judged (the series fallback can add one).
fn mirror_mismatch(ix: &Index<'_>, state: &State) -> Vec<Finding> {
    state
        .mirrors
        .iter()
        .filter_map(|m| {
            let canonical = ix.by_name.get(m.name.as_str())?[0];
            (m.value.is_some() && m.value != canonical.value).then(|| {
                Finding::new(
                    Level::Error,
                    "mirror-mismatch",
                    format!(
                        "{} is `{}` in {} but `{}` in {}",
                        m.name, m.raw, m.file, canonical.raw, canonical.file
                    ),
                    vec![loc(m), loc(canonical)],
                )
            })
        })
        .collect()
}

/// Two names on one bit; one name defined twice on its bit is `defined_twice`'s business.
fn bit_collision(ix: &Index<'_>, _: &State) -> Vec<Finding> {
    ix.by_bit
        .iter()
        .filter_map(|(bit, defs)| {
            let mut names: Vec<&str> = defs.iter().map(|d| d.name.as_str()).collect();
            names.sort();
            names.dedup();
            (names.len() > 1).then(|| {
                Finding::new(
                    Level::Error,
                    "bit-collision",
                    format!("bit {bit} is claimed by {}", names.join(" and ")),
                    defs.iter().map(|d| loc(d)).collect(),
                )
            })
        })
        .collect()
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
                    vec![Location {
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
fn unused_flag(ix: &Index<'_>, state: &State) -> Vec<Finding> {
    if !state.uses_scanned {
        return vec![];
    }
    let used: BTreeSet<&str> = state
        .uses
        .iter()
        .flat_map(|u| u.flags.iter().map(String::as_str))
        .collect();
    ix.by_name
        .iter()
        .filter(|(name, _)| !used.contains(*name))
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

/// The bit the next flag takes, or an error when bit 31 is already taken.
fn next_free(ix: &Index<'_>, _: &State) -> Vec<Finding> {
    vec![match ix.next_free {
        Some(n) => Finding::new(Level::Info, "next-free", format!("next free bit: {n}"), vec![]),
        None => Finding::new(
            Level::Error,
            "no-free-bit",
            "no free bit above the highest used one".into(),
            vec![],
        ),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::flagdefs;
    use crate::kernel::flagstate::{Use, FAMILY_FILE};

    const MIRROR: &str = "tools/bpf/resolve_btfids/main.c";
    const USER: &str = "kernel/bpf/helpers.c";

    /// The defines of `text` as if it were the file `file`.
    fn defs(file: &str, text: &str) -> Vec<FlagDef> {
        flagdefs::defines(text)
            .into_iter()
            .map(|define| FlagDef {
                file: file.into(),
                define,
            })
            .collect()
    }

    fn call(line: usize, kfunc: &str, flags: &[&str]) -> Use {
        Use {
            file: USER.into(),
            line,
            kfunc: kfunc.into(),
            flags: flags.iter().map(|f| f.to_string()).collect(),
        }
    }

    /// A family defined by `text`, no mirrors, no users, users not scanned.
    fn family(text: &str) -> State {
        State {
            family: defs(FAMILY_FILE, text),
            ..State::default()
        }
    }

    /// A tree every rule accepts: three contiguous bits, a mirror that agrees, every flag used.
    fn clean() -> State {
        State {
            family: defs(
                FAMILY_FILE,
                "#define KF_ACQUIRE (1 << 0)\n#define KF_RELEASE (1 << 1)\n#define KF_RCU (1 << 2)\n",
            ),
            mirrors: defs(MIRROR, "#define KF_ACQUIRE (1 << 0)\n"),
            uses: vec![
                call(10, "bpf_obj_new", &["KF_ACQUIRE"]),
                call(11, "bpf_obj_drop", &["KF_RELEASE", "KF_RCU"]),
            ],
            uses_scanned: true,
        }
    }

    fn run(rule: Rule, state: &State) -> Vec<Finding> {
        rule(&Index::new(state), state)
    }

    fn summary(found: &[Finding]) -> Vec<(Level, &'static str, String)> {
        found.iter().map(|f| (f.level, f.kind, f.message.clone())).collect()
    }

    fn at(file: &str, line: usize, text: &str) -> Location {
        Location {
            file: file.into(),
            line,
            text: text.into(),
        }
    }

    #[test]
    fn clean_tree_has_only_its_next_free_bit() {
        let out = evaluate(&clean());
        assert_eq!(
            summary(&out.findings),
            [(Level::Info, "next-free", "next free bit: 3".to_string())]
        );
        assert_eq!((out.holes, out.next_free), (vec![], Some(3)));
    }

    #[test]
    fn defined_twice_names_every_definition() {
        let state = family("#define KF_A (1 << 0)\n#define KF_B (1 << 1)\n\t#define KF_A (1 << 0)\n");
        let found = run(defined_twice, &state);
        assert_eq!(
            summary(&found),
            [(Level::Error, "defined-twice", "KF_A is defined 2 times".to_string())]
        );
        assert_eq!(
            found[0].locations,
            [
                at(FAMILY_FILE, 1, "#define KF_A (1 << 0)"),
                at(FAMILY_FILE, 3, "#define KF_A (1 << 0)")
            ]
        );
    }

    #[test]
    fn defined_twice_silent_on_clean() {
        assert!(run(defined_twice, &clean()).is_empty());
    }

    #[test]
    fn unusable_value_reports_each_bad_define_in_file_order() {
        let state = family(
            "#define KF_IMPL_SUFFIX \"_impl\"\n#define KF_HUGE (1ULL << 40)\n#define KF_PAIR 0x6\n#define KF_OK (1 << 2)\n",
        );
        let found = run(unusable_value, &state);
        assert_eq!(
            summary(&found),
            [
                (
                    Level::Warning,
                    "unreadable-value",
                    "KF_IMPL_SUFFIX: value `\"_impl\"` is not a form kfpatch reads".to_string()
                ),
                (
                    Level::Error,
                    "bit-too-high",
                    "KF_HUGE uses bit 40; kfunc flags are a u32 (bits 0-31)".to_string()
                ),
                (
                    Level::Error,
                    "not-single-bit",
                    "KF_PAIR = 0x6 is not a single bit".to_string()
                ),
            ]
        );
        assert_eq!(found[2].locations, [at(FAMILY_FILE, 3, "#define KF_PAIR 0x6")]);
        // None of them takes a bit.
        assert_eq!(Index::new(&state).by_bit.keys().collect::<Vec<_>>(), [&2]);
    }

    #[test]
    fn unusable_value_silent_on_clean() {
        assert!(run(unusable_value, &clean()).is_empty());
    }

    #[test]
    fn mirror_mismatch_compares_values_not_spelling() {
        let mut state = family("#define KF_A (1 << 0)\n#define KF_B (1 << 1)\n");
        state.mirrors = defs(MIRROR, "#define KF_A BIT(0)\n#define KF_B BIT(2)\n");
        let found = run(mirror_mismatch, &state);
        assert_eq!(
            summary(&found),
            [(
                Level::Error,
                "mirror-mismatch",
                format!("KF_B is `BIT(2)` in {MIRROR} but `(1 << 1)` in {FAMILY_FILE}")
            )]
        );
        assert_eq!(
            found[0].locations,
            [
                at(MIRROR, 2, "#define KF_B BIT(2)"),
                at(FAMILY_FILE, 2, "#define KF_B (1 << 1)")
            ]
        );
    }

    #[test]
    fn mirror_mismatch_judges_against_the_first_definition_and_skips_unreadable_copies() {
        let mut state = family("#define KF_A (1 << 0)\n#define KF_A (1 << 1)\n#define KF_B (1 << 2)\n");
        state.mirrors = defs(MIRROR, "#define KF_A (1 << 1)\n#define KF_B KF_SOMETHING\n");
        assert_eq!(
            summary(&run(mirror_mismatch, &state)),
            [(
                Level::Error,
                "mirror-mismatch",
                format!("KF_A is `(1 << 1)` in {MIRROR} but `(1 << 0)` in {FAMILY_FILE}")
            )]
        );
    }

    #[test]
    fn mirror_mismatch_silent_on_clean() {
        assert!(run(mirror_mismatch, &clean()).is_empty());
    }

    #[test]
    fn bit_collision_sorts_names_but_keeps_locations_family_first() {
        let mut state = family("#define KF_A (1 << 0)\n#define KF_B BIT(0)\n#define KF_Z (1 << 1)\n");
        // KF_A makes the file a mirror; KF_M is only there, yet it takes bit 1.
        state.mirrors = defs(MIRROR, "#define KF_A (1 << 0)\n#define KF_M (1 << 1)\n");
        let found = run(bit_collision, &state);
        assert_eq!(
            summary(&found),
            [
                (
                    Level::Error,
                    "bit-collision",
                    "bit 0 is claimed by KF_A and KF_B".to_string()
                ),
                (
                    Level::Error,
                    "bit-collision",
                    "bit 1 is claimed by KF_M and KF_Z".to_string()
                ),
            ]
        );
        assert_eq!(
            found[1].locations,
            [
                at(FAMILY_FILE, 3, "#define KF_Z (1 << 1)"),
                at(MIRROR, 2, "#define KF_M (1 << 1)")
            ]
        );
    }

    #[test]
    fn bit_collision_ignores_one_name_defined_twice() {
        let state = family("#define KF_A (1 << 0)\n#define KF_A BIT(0)\n");
        assert!(run(bit_collision, &state).is_empty());
        assert_eq!(run(defined_twice, &state).len(), 1);
    }

    #[test]
    fn bit_collision_silent_on_clean() {
        assert!(run(bit_collision, &clean()).is_empty());
    }

    #[test]
    fn undefined_flag_accepts_mirror_only_flags() {
        let mut state = clean();
        state.mirrors = defs(MIRROR, "#define KF_ACQUIRE (1 << 0)\n#define KF_MIRRORED (1 << 7)\n");
        state
            .uses
            .push(call(20, "bpf_x", &["KF_ACQUIRE", "KF_NOPE", "KF_MIRRORED"]));
        let found = run(undefined_flag, &state);
        assert_eq!(
            summary(&found),
            [(
                Level::Error,
                "undefined-flag",
                "BTF_ID_FLAGS for bpf_x uses KF_NOPE, which include/linux/btf.h does not define".to_string()
            )]
        );
        assert_eq!(found[0].locations, [at(USER, 20, "BTF_ID_FLAGS(func, bpf_x, …)")]);
    }

    #[test]
    fn undefined_flag_silent_on_clean() {
        assert!(run(undefined_flag, &clean()).is_empty());
    }

    #[test]
    fn unused_flag_reports_by_name_at_the_first_definition() {
        let mut state = clean();
        state
            .family
            .extend(defs(FAMILY_FILE, "\n\n\n#define KF_RCU (1 << 2)\n"));
        state.uses.truncate(1);
        let found = run(unused_flag, &state);
        assert_eq!(
            summary(&found),
            [
                (
                    Level::Info,
                    "unused-flag",
                    "KF_RCU is used by no BTF_ID_FLAGS in this tree".to_string()
                ),
                (
                    Level::Info,
                    "unused-flag",
                    "KF_RELEASE is used by no BTF_ID_FLAGS in this tree".to_string()
                ),
            ]
        );
        assert_eq!(found[0].locations, [at(FAMILY_FILE, 3, "#define KF_RCU (1 << 2)")]);
    }

    #[test]
    fn unused_flag_needs_every_file_scanned() {
        let mut state = clean();
        state.uses.clear();
        assert_eq!(run(unused_flag, &state).len(), 3);
        state.uses_scanned = false;
        assert!(run(unused_flag, &state).is_empty());
    }

    #[test]
    fn unused_flag_silent_on_clean() {
        assert!(run(unused_flag, &clean()).is_empty());
    }

    #[test]
    fn holes_lists_free_bits_below_the_highest_a_mirror_only_flag_fills_one() {
        let mut state = family("#define KF_A (1 << 0)\n#define KF_E (1 << 4)\n");
        state.mirrors = defs(MIRROR, "#define KF_A (1 << 0)\n#define KF_M (1 << 2)\n");
        assert_eq!(
            summary(&run(holes, &state)),
            [(
                Level::Info,
                "holes",
                "bits 1, 3 are unused (holes left by removed flags; not reused)".to_string()
            )]
        );
        assert_eq!(evaluate(&state).holes, [1, 3]);
    }

    #[test]
    fn holes_silent_on_clean() {
        assert!(run(holes, &clean()).is_empty());
    }

    #[test]
    fn next_free_is_above_the_highest_bit_below_32() {
        let next = |state: &State| summary(&run(next_free, state));
        let info = |n: u32| vec![(Level::Info, "next-free", format!("next free bit: {n}"))];
        assert_eq!(next(&State::default()), info(0));
        assert_eq!(next(&family("#define KF_A (1 << 30)\n")), info(31));
        // A mirror-only flag above 31 holds a bit, but not one a u32 can carry.
        let mut state = family("#define KF_A (1 << 0)\n");
        state.mirrors = defs(MIRROR, "#define KF_A (1 << 0)\n#define KF_WIDE (1ULL << 40)\n");
        assert_eq!(next(&state), info(1));
        assert_eq!(evaluate(&state).next_free, Some(1));
    }

    #[test]
    fn next_free_is_an_error_once_bit_31_is_taken() {
        let state = family("#define KF_A (1 << 31)\n");
        assert_eq!(
            summary(&run(next_free, &state)),
            [(
                Level::Error,
                "no-free-bit",
                "no free bit above the highest used one".to_string()
            )]
        );
        assert_eq!(evaluate(&state).next_free, None);
    }

    #[test]
    fn next_free_silent_on_clean() {
        // It always reports; on a clean tree only as information.
        assert_eq!(
            summary(&run(next_free, &clean())),
            [(Level::Info, "next-free", "next free bit: 3".to_string())]
        );
    }

    #[test]
    fn bit_table_marks_used_hole_free_and_collision() {
        let state =
            family("#define KF_A (1 << 0)\n#define KF_B BIT(0)\n#define KF_C (1 << 3)\n#define KF_C (1 << 3)\n");
        let bits = evaluate(&state).bits;
        assert_eq!(bits.len(), 32);
        let row = |b: usize| (bits[b].status, bits[b].names.clone(), bits[b].locations.clone());
        assert_eq!(
            row(0),
            (
                "collision",
                vec!["KF_A".into(), "KF_B".into()],
                vec![format!("{FAMILY_FILE}:1"), format!("{FAMILY_FILE}:2")]
            )
        );
        assert_eq!(row(1), ("hole", vec![], vec![]));
        assert_eq!(
            row(3),
            (
                "used",
                vec!["KF_C".into()],
                vec![format!("{FAMILY_FILE}:3"), format!("{FAMILY_FILE}:4")]
            )
        );
        assert_eq!(row(4), ("free", vec![], vec![]));
        assert!(bits.iter().enumerate().all(|(i, r)| r.bit == i as u32));
    }

    #[test]
    fn evaluate_reports_rules_in_table_order() {
        let mut state = family(
            "#define KF_A (1 << 0)\n#define KF_A (1 << 0)\n#define KF_S \"_impl\"\n#define KF_P 0x6\n\
             #define KF_H (1ULL << 40)\n#define KF_B (1 << 0)\n#define KF_C (1 << 3)\n",
        );
        state.mirrors = defs(MIRROR, "#define KF_C (1 << 4)\n");
        state.uses = vec![call(1, "bpf_x", &["KF_A", "KF_NOPE"])];
        state.uses_scanned = true;
        let kinds: Vec<&str> = evaluate(&state).findings.iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            [
                "defined-twice",
                "unreadable-value",
                "not-single-bit",
                "bit-too-high",
                "mirror-mismatch",
                "bit-collision",
                "undefined-flag",
                "unused-flag",
                "unused-flag",
                "unused-flag",
                "unused-flag",
                "unused-flag",
                "holes",
                "next-free",
            ]
        );
    }

    #[test]
    fn each_kind_belongs_to_one_rule() {
        let mut kinds: Vec<&str> = RULES.iter().flat_map(|(kinds, _)| kinds.iter().copied()).collect();
        let listed = kinds.len();
        kinds.sort();
        kinds.dedup();
        assert_eq!(kinds.len(), listed);
    }
}
