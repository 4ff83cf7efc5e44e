//! Each rule firing and silent, on states built from small header texts.

use super::*;
use crate::kernel::flagdefs;
use crate::kernel::flagstate::{Use, FAMILY_FILE};
use crate::ops::check::index::Renamed;
use crate::ops::check::Location;

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

/// `n` flags on bits 0..n, one a line.
fn bits(n: u32) -> String {
    (0..n).map(|b| format!("#define KF_B{b} (1 << {b})\n")).collect()
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
    rule(&Index::new(state, None), state)
}

fn run_series(rule: Rule, state: &State, series: &SeriesView) -> Vec<Finding> {
    rule(&Index::new(state, Some(series)), state)
}

fn summary(found: &[Finding]) -> Vec<(Level, &'static str, String)> {
    found.iter().map(|f| (f.level, f.kind, f.message.clone())).collect()
}

fn one(level: Level, kind: &'static str, message: &str) -> Vec<(Level, &'static str, String)> {
    vec![(level, kind, message.to_string())]
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
    let out = evaluate(&clean(), None);
    assert_eq!(
        summary(&out.findings),
        one(Level::Info, "next-free", "next free bit: 3")
    );
    assert_eq!((out.holes, out.next_free), (vec![], Some(3)));
}

#[test]
fn defined_twice_names_every_definition() {
    let state = family("#define KF_A (1 << 0)\n#define KF_B (1 << 1)\n\t#define KF_A (1 << 0)\n");
    let found = run(defined_twice, &state);
    assert_eq!(
        summary(&found),
        one(Level::Error, "defined-twice", "KF_A is defined 2 times")
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
fn defined_twice_accepts_one_definition_per_arm() {
    let state = family("#ifdef CONFIG_X\n#define KF_A (1 << 4)\n#else\n#define KF_A 0\n#endif\n");
    assert!(run(defined_twice, &state).is_empty());
}

#[test]
fn defined_twice_within_one_arm_names_its_condition() {
    let state =
        family("#ifdef CONFIG_X\n#define KF_A (1 << 4)\n#define KF_A (1 << 4)\n#else\n#define KF_A 0\n#endif\n");
    let found = run(defined_twice, &state);
    assert_eq!(
        summary(&found),
        one(Level::Error, "defined-twice", "KF_A is defined 2 times when CONFIG_X")
    );
    assert_eq!(found[0].locations.iter().map(|l| l.line).collect::<Vec<_>>(), [2, 3]);
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
                Level::Info,
                "not-a-flag",
                "KF_IMPL_SUFFIX = `\"_impl\"` is text, not a flag; it holds no bit".to_string()
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
    assert_eq!(Index::new(&state, None).by_bit.keys().collect::<Vec<_>>(), [&2]);
}

#[test]
fn unusable_value_zero_is_a_flag_switched_off_only_under_a_condition() {
    let state = family("#ifdef CONFIG_X\n#define KF_A (1 << 4)\n#else\n#define KF_A 0\n#endif\n");
    assert!(run(unusable_value, &state).is_empty());
    let state = family("#define KF_A 0\n");
    assert_eq!(
        summary(&run(unusable_value, &state)),
        one(Level::Error, "not-single-bit", "KF_A = 0x0 is not a single bit")
    );
}

#[test]
fn unusable_value_reads_values_built_from_the_family() {
    let state =
        family("#define KF_A (1 << 0)\n#define KF_B BIT(1)\n#define KF_UP (KF_A << 5)\n#define KF_AB (KF_A | KF_B)\n");
    assert_eq!(
        summary(&run(unusable_value, &state)),
        one(
            Level::Error,
            "not-single-bit",
            "KF_AB = 0x3 (`(KF_A | KF_B)`) is not a single bit"
        )
    );
    assert_eq!(Index::new(&state, None).by_bit[&5][0].name, "KF_UP");
}

#[test]
fn unusable_value_says_which_bits_an_unreadable_value_may_hold() {
    let state = family(&format!(
        "{}#ifdef CONFIG_X\n#define KF_ODD (1 << __KF_ODD_BIT)\n#endif\n",
        bits(17)
    ));
    let found = run(unusable_value, &state);
    assert_eq!(
        summary(&found),
        one(
            Level::Warning,
            "unreadable-value",
            "KF_ODD (include/linux/btf.h:19): value `(1 << __KF_ODD_BIT)` is not a form kfpatch reads \
             when CONFIG_X; it may hold any of bits 17–31, which kfpatch therefore cannot vouch for as free"
        )
    );
    assert_eq!(
        found[0].locations,
        [at(FAMILY_FILE, 19, "#define KF_ODD (1 << __KF_ODD_BIT)")]
    );
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
        one(
            Level::Error,
            "mirror-mismatch",
            &format!("KF_B is `BIT(2)` in {MIRROR} but `(1 << 1)` in {FAMILY_FILE}")
        )
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
        one(
            Level::Error,
            "mirror-mismatch",
            &format!("KF_A is `(1 << 1)` in {MIRROR} but `(1 << 0)` in {FAMILY_FILE}")
        )
    );
}

#[test]
fn mirror_mismatch_accepts_the_value_of_any_arm() {
    let mut state = family("#ifdef CONFIG_X\n#define KF_A (1 << 4)\n#else\n#define KF_A (1 << 5)\n#endif\n");
    state.mirrors = defs(MIRROR, "#define KF_A (1 << 5)\n");
    assert!(run(mirror_mismatch, &state).is_empty());
    state.mirrors = defs(MIRROR, "#define KF_A (1 << 6)\n");
    assert_eq!(
        summary(&run(mirror_mismatch, &state)),
        one(
            Level::Error,
            "mirror-mismatch",
            &format!("KF_A is `(1 << 6)` in {MIRROR} but `(1 << 4)` or `(1 << 5)` in {FAMILY_FILE}")
        )
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
fn bit_collision_sees_a_continued_define() {
    let state = family("#define KF_A (1 << 3)\n#define KF_X \\\n\t(1 << 3)\n");
    assert_eq!(
        summary(&run(bit_collision, &state)),
        one(Level::Error, "bit-collision", "bit 3 is claimed by KF_A and KF_X")
    );
}

#[test]
fn bit_collision_never_between_arms_of_one_chain() {
    let state = family("#ifdef CONFIG_X\n#define KF_A (1 << 4)\n#else\n#define KF_B (1 << 4)\n#endif\n");
    assert!(run(bit_collision, &state).is_empty());
}

#[test]
fn bit_collision_names_the_condition_it_needs() {
    let state = family(
        "#define KF_A (1 << 4)\n#ifdef CONFIG_X\n#define KF_B (1 << 4)\n#elif defined(CONFIG_Y)\n#define KF_C (1 << 4)\n#endif\n",
    );
    let found = run(bit_collision, &state);
    assert_eq!(
        summary(&found),
        [
            (
                Level::Error,
                "bit-collision",
                "bit 4 is claimed by KF_A and KF_B when CONFIG_X".to_string()
            ),
            (
                Level::Error,
                "bit-collision",
                "bit 4 is claimed by KF_A and KF_C when !CONFIG_X && CONFIG_Y".to_string()
            ),
        ]
    );
    assert_eq!(found[1].locations.iter().map(|l| l.line).collect::<Vec<_>>(), [1, 5]);
}

#[test]
fn bit_collision_silent_on_clean() {
    assert!(run(bit_collision, &clean()).is_empty());
}

fn renamed_series() -> SeriesView {
    SeriesView {
        added: vec!["KF_SPIN_LOCK".into()],
        next_free_before: Some(19),
        renamed: Some(Renamed {
            ours: "KF_SPIN_LOCK".into(),
            theirs: "KF_SPINLOCK_SAFE".into(),
            bit: 17,
            evidence: vec![at(FAMILY_FILE, 82, "#define KF_SPINLOCK_SAFE (1 << 17)")],
        }),
    }
}

#[test]
fn upstream_rename_reports_the_tree_s_name_and_line() {
    let found = run_series(upstream_rename, &clean(), &renamed_series());
    assert_eq!(
        summary(&found),
        one(
            Level::Error,
            "upstream-rename",
            "KF_SPIN_LOCK is already upstream as KF_SPINLOCK_SAFE (bit 17) at include/linux/btf.h:82: \
             the equivalent change is merged, this series is not needed here"
        )
    );
    assert_eq!(
        found[0].locations,
        [at(FAMILY_FILE, 82, "#define KF_SPINLOCK_SAFE (1 << 17)")]
    );
}

#[test]
fn upstream_rename_silent_without_that_verdict() {
    assert!(run(upstream_rename, &clean()).is_empty());
    let series = SeriesView {
        renamed: None,
        ..renamed_series()
    };
    assert!(run_series(upstream_rename, &clean(), &series).is_empty());
}

#[test]
fn bit_gap_warns_about_the_bits_a_series_skips() {
    let state = family(&format!("{}#define KF_NEW (1 << 31)\n", bits(17)));
    let series = SeriesView {
        added: vec!["KF_NEW".into()],
        next_free_before: Some(17),
        renamed: None,
    };
    assert_eq!(
        summary(&run_series(bit_gap, &state, &series)),
        one(
            Level::Warning,
            "bit-gap",
            "KF_NEW takes bit 31, above the next free bit 17: leaves bits 17–30 free"
        )
    );
    // …and none of it is an error.
    let out = evaluate(&state, Some(&series));
    assert!(
        out.findings.iter().all(|f| f.level != Level::Error),
        "{:?}",
        summary(&out.findings)
    );
}

#[test]
fn bit_gap_silent_when_a_series_takes_the_next_bits() {
    let state = family(&format!(
        "{}#define KF_N1 (1 << 17)\n#define KF_N2 (1 << 18)\n",
        bits(17)
    ));
    let series = SeriesView {
        added: vec!["KF_N1".into(), "KF_N2".into()],
        next_free_before: Some(17),
        renamed: None,
    };
    assert!(run_series(bit_gap, &state, &series).is_empty());
    assert!(run(bit_gap, &state).is_empty());
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
        one(
            Level::Error,
            "undefined-flag",
            "BTF_ID_FLAGS for bpf_x uses KF_NOPE, which include/linux/btf.h does not define"
        )
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
    state.family.extend(defs(
        FAMILY_FILE,
        "\n\n\n#define KF_RCU (1 << 2)\n#define KF_SUFFIX \"_impl\"\n",
    ));
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
        one(
            Level::Info,
            "holes",
            "bits 1, 3 are unused (holes left by removed flags; not reused)"
        )
    );
    assert_eq!(evaluate(&state, None).holes, [1, 3]);
}

#[test]
fn holes_silent_on_clean() {
    assert!(run(holes, &clean()).is_empty());
}

#[test]
fn next_free_is_above_the_highest_bit_below_32() {
    let next = |state: &State| summary(&run(next_free, state));
    let info = |n: u32| one(Level::Info, "next-free", &format!("next free bit: {n}"));
    assert_eq!(next(&State::default()), info(0));
    assert_eq!(next(&family("#define KF_A (1 << 30)\n")), info(31));
    // A mirror-only flag above 31 holds a bit, but not one a u32 can carry.
    let mut state = family("#define KF_A (1 << 0)\n");
    state.mirrors = defs(MIRROR, "#define KF_A (1 << 0)\n#define KF_WIDE (1ULL << 40)\n");
    assert_eq!(next(&state), info(1));
    assert_eq!(evaluate(&state, None).next_free, Some(1));
}

#[test]
fn next_free_below_bit_31_once_it_is_taken() {
    let state = family(&format!("{}#define KF_TOP (1 << 31)\n", bits(17)));
    assert_eq!(
        summary(&run(next_free, &state)),
        one(
            Level::Info,
            "next-free",
            "next free bit: 17 (a hole: nothing is free above bit 31)"
        )
    );
    assert_eq!(evaluate(&state, None).next_free, Some(17));
}

#[test]
fn next_free_is_an_error_only_when_all_32_bits_are_taken() {
    let state = family(&bits(32));
    assert_eq!(
        summary(&run(next_free, &state)),
        one(Level::Error, "no-free-bit", "no free bit: all 32 bits (0-31) are taken")
    );
    assert_eq!(evaluate(&state, None).next_free, None);
}

#[test]
fn next_free_is_withheld_while_an_unreadable_value_may_hold_it() {
    let state = family(&format!("{}#define KF_ODD (1 << __KF_ODD_BIT)\n", bits(17)));
    let found = run(next_free, &state);
    assert_eq!(
        summary(&found),
        one(
            Level::Warning,
            "next-free-unknown",
            "no next free bit offered: KF_ODD (include/linux/btf.h:18) may hold any of bits 17–31; \
             pick one knowingly"
        )
    );
    assert_eq!(found[0].locations[0].line, 18);
    let out = evaluate(&state, None);
    assert_eq!(out.next_free, None);
    assert_eq!((out.bits[16].status, out.bits[17].status), ("used", "unknown"));
}

#[test]
fn next_free_silent_on_clean() {
    // It always reports; on a clean tree only as information.
    assert_eq!(
        summary(&run(next_free, &clean())),
        one(Level::Info, "next-free", "next free bit: 3")
    );
}

#[test]
fn bit_table_marks_used_hole_free_and_collision() {
    let state = family("#define KF_A (1 << 0)\n#define KF_B BIT(0)\n#define KF_C (1 << 3)\n#define KF_C (1 << 3)\n");
    let bits = evaluate(&state, None).bits;
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
         #define KF_H (1ULL << 40)\n#define KF_B (1 << 0)\n#define KF_C (1 << 3)\n#define KF_N (1 << 31)\n",
    );
    state.mirrors = defs(MIRROR, "#define KF_C (1 << 4)\n");
    state.uses = vec![call(1, "bpf_x", &["KF_A", "KF_NOPE"])];
    state.uses_scanned = true;
    let series = SeriesView {
        added: vec!["KF_N".into()],
        ..renamed_series()
    };
    let kinds: Vec<&str> = evaluate(&state, Some(&series))
        .findings
        .iter()
        .map(|f| f.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            "defined-twice",
            "not-a-flag",
            "not-single-bit",
            "bit-too-high",
            "mirror-mismatch",
            "bit-collision",
            "upstream-rename",
            "bit-gap",
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
