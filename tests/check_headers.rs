//! `kfpatch check` on small synthetic kernel trees whose headers have real-world shapes:
//! continued defines, `#if` arms, values built from other flags, mirrors and lookalikes, flags
//! at bit 31; and the upstream rename on Debian 7.3.
mod common;
use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

const BTF_H: &str = "include/linux/btf.h";

/// A mini kernel tree in a scratch directory: the top Makefile, the directories that make it a
/// kernel tree, and `files` (path, content).
fn mini(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let dir = scratch();
    let t = dir.path().join("linux");
    for d in ["scripts", "kernel", "include/linux"] {
        std::fs::create_dir_all(t.join(d)).unwrap();
    }
    std::fs::write(t.join("Makefile"), "VERSION = 7\nPATCHLEVEL = 2\nSUBLEVEL = 0\n").unwrap();
    for (path, text) in files {
        let to = t.join(path);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::write(to, text).unwrap();
    }
    (dir, t)
}

/// A btf.h: an include guard around `body`.
fn btf(body: &str) -> String {
    format!("/* SPDX-License-Identifier: GPL-2.0 */\n#ifndef _LINUX_BTF_H\n#define _LINUX_BTF_H 1\n\n{body}\n#endif\n")
}

/// `#define KF_B<n> (1 << n)` for bits `from..to`.
fn flags(from: u32, to: u32) -> String {
    (from..to).map(|b| format!("#define KF_B{b} (1 << {b})\n")).collect()
}

/// A one-patch series turning `old` into `new` in `path`, written to `dir/name`.
fn series(dir: &Path, name: &str, path: &str, old: &str, new: &str) -> PathBuf {
    let diff = similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string();
    let mail = format!(
        "From: Test Dev <t@example.org>\nSubject: [PATCH] bpf: a flag\n\nA flag.\n\n\
         Signed-off-by: Test Dev <t@example.org>\n---\ndiff --git a/{path} b/{path}\n{diff}-- \n2.47.3\n"
    );
    let file = dir.join(name);
    std::fs::write(&file, mail).unwrap();
    file
}

fn check(tree: &Path, patches: &[&PathBuf], code: i32) -> Value {
    let mut args = vec!["check", "--json", "--tree", tree.to_str().unwrap()];
    for p in patches {
        args.extend(["--patch", p.to_str().unwrap()]);
    }
    let run = kfpatch(&args);
    run.expect_code(code);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("bad JSON ({e})\n{}", run.shown))
}

fn findings<'a>(r: &'a Value, kind: &str) -> Vec<&'a Value> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == kind)
        .collect()
}

fn messages(r: &Value, kind: &str) -> Vec<String> {
    findings(r, kind)
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

/// Every (level, kind) but the unused-flag information.
fn kinds(r: &Value) -> Vec<(String, String)> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] != "unused-flag")
        .map(|f| (f["level"].as_str().unwrap().into(), f["kind"].as_str().unwrap().into()))
        .collect()
}

fn pair(level: &str, kind: &str) -> (String, String) {
    (level.into(), kind.into())
}

fn names_on(r: &Value, bit: usize) -> (String, Vec<String>) {
    let row = &r["bits"][bit];
    let names = row["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect();
    (row["status"].as_str().unwrap().to_string(), names)
}

#[test]
fn a_continued_define_holds_its_bit() {
    let header = btf(&format!("{}#define KF_X \\\n\t(1 << 4) /* continued */\n", flags(0, 4)));
    let (dir, t) = mini(&[(BTF_H, &header)]);
    let r = check(&t, &[], 0);
    assert_eq!(r["next_free"], 5, "{r:#}");
    assert_eq!(names_on(&r, 4), ("used".into(), vec!["KF_X".into()]));
    assert_eq!(kinds(&r), [pair("info", "next-free")]);
    // A series that takes bit 4 collides with it, applied or read from its lines.
    let taken = header.replace("#define KF_X", "#define KF_NEW (1 << 4)\n#define KF_X");
    let applies = series(dir.path(), "applies.patch", BTF_H, &header, &taken);
    let r = check(&t, &[&applies], 1);
    assert_eq!(r["series"][0]["applies"], true);
    assert_eq!(messages(&r, "bit-collision"), ["bit 4 is claimed by KF_NEW and KF_X"]);
    // Written for another tree: it does not apply, its `+` lines are read.
    let elsewhere = btf("#define KF_OTHER_A (1 << 0)\n#define KF_OTHER_B (1 << 1)\n");
    let continued = elsewhere.replace(
        "#define KF_OTHER_B (1 << 1)\n",
        "#define KF_OTHER_B (1 << 1)\n#define KF_NEW \\\n\t(1 << 4)\n",
    );
    let stale = series(dir.path(), "stale.patch", BTF_H, &elsewhere, &continued);
    let r = check(&t, &[&stale], 1);
    assert_eq!(r["series"][0]["applies"], false, "{r:#}");
    assert_eq!(r["series"][0]["added"][0]["raw"], "(1 << 4)");
    assert_eq!(messages(&r, "bit-collision"), ["bit 4 is claimed by KF_NEW and KF_X"]);
}

#[test]
fn if_arms_are_one_flag_with_a_value_per_arm() {
    let header = btf(&format!(
        "{}#ifdef CONFIG_BPF_FOO\n#define KF_FOO (1 << 4)\n#else\n#define KF_FOO 0\n#endif\n\
         #if IS_ENABLED(CONFIG_X)\n#define KF_ONE (1 << 5)\n#elif defined(CONFIG_Y)\n#define KF_TWO (1 << 5)\n#else\n#define KF_THREE 0\n#endif\n",
        flags(0, 4)
    ));
    let (_dir, t) = mini(&[(BTF_H, &header)]);
    let r = check(&t, &[], 0);
    assert_eq!(kinds(&r), [pair("info", "next-free")], "{r:#}");
    assert_eq!(r["next_free"], 6);
    assert_eq!(names_on(&r, 4), ("used".into(), vec!["KF_FOO".into()]));
    assert_eq!(names_on(&r, 5), ("used".into(), vec!["KF_ONE".into(), "KF_TWO".into()]));
    let foo: Vec<&Value> = r["flags"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["name"] == "KF_FOO")
        .collect();
    assert_eq!(
        (foo[0]["conditions"][0].as_str(), foo[1]["conditions"][0].as_str()),
        (Some("CONFIG_BPF_FOO"), Some("!CONFIG_BPF_FOO"))
    );
}

#[test]
fn a_collision_is_reported_with_the_condition_that_makes_it() {
    let header = btf(&format!(
        "{}#define KF_C (1 << 4)\n#ifdef CONFIG_Y\n#define KF_D (1 << 4)\n#define KF_D (1 << 4)\n#endif\n",
        flags(0, 4)
    ));
    let (_dir, t) = mini(&[(BTF_H, &header)]);
    let r = check(&t, &[], 1);
    assert_eq!(
        messages(&r, "bit-collision"),
        ["bit 4 is claimed by KF_C and KF_D when CONFIG_Y"]
    );
    assert_eq!(messages(&r, "defined-twice"), ["KF_D is defined 2 times when CONFIG_Y"]);
    assert_eq!(names_on(&r, 4).0, "collision");
}

#[test]
fn values_built_from_family_members_and_other_forms() {
    let header = btf(
        "#define KF_A (1 << 0)\n#define KF_B BIT(1)\n#define KF_C BIT_U32(2)\n#define KF_D (1U << 3)\n\
         #define KF_E 0x10\n#define KF_F 32\n#define KF_G (KF_A << 6)\n#define KF_AB (KF_A | KF_B)\n",
    );
    let (_dir, t) = mini(&[(BTF_H, &header)]);
    let r = check(&t, &[], 1);
    assert_eq!(r["next_free"], 7, "{r:#}");
    for (bit, name) in [
        (1, "KF_B"),
        (2, "KF_C"),
        (3, "KF_D"),
        (4, "KF_E"),
        (5, "KF_F"),
        (6, "KF_G"),
    ] {
        assert_eq!(names_on(&r, bit), ("used".into(), vec![name.into()]));
    }
    assert_eq!(
        messages(&r, "not-single-bit"),
        ["KF_AB = 0x3 (`(KF_A | KF_B)`) is not a single bit"]
    );
    assert_eq!(kinds(&r), [pair("error", "not-single-bit"), pair("info", "next-free")]);
}

#[test]
fn an_unreadable_value_is_a_warning_and_no_bit_is_offered() {
    let header = btf(&format!("{}#define KF_ODD (1 << __KF_ODD_SHIFT)\n", flags(0, 17)));
    let (_dir, t) = mini(&[(BTF_H, &header)]);
    let r = check(&t, &[], 0);
    let line = header.lines().position(|l| l.contains("KF_ODD")).unwrap() + 1;
    assert_eq!(
        messages(&r, "unreadable-value"),
        [format!(
            "KF_ODD (include/linux/btf.h:{line}): value `(1 << __KF_ODD_SHIFT)` is not a form kfpatch reads; \
             it may hold any of bits 17–31, which kfpatch therefore cannot vouch for as free"
        )]
    );
    assert_eq!(findings(&r, "unreadable-value")[0]["level"], "warning");
    assert_eq!(r["next_free"], Value::Null);
    assert_eq!(findings(&r, "next-free-unknown")[0]["level"], "warning");
    assert!(findings(&r, "next-free").is_empty());
    assert_eq!(names_on(&r, 17).0, "unknown");
}

#[test]
fn mirrors_copy_the_family_lookalikes_stay_out() {
    let header = btf(&flags(0, 4));
    let mirror =
        "#define KF_B1 (1 << 1)\n#define KF_B2 (1 << 5)\n#define KF_B3 (1 << 3)\n#define KF_IMPL_SUFFIX \"_impl\"\n";
    // A driver with its own KF_B0 among other KF_* names: not a kfunc flag file.
    let driver = "#define KF_B0 0x01\n#define KF_GET_ICV 0x36\n#define KF_SET_ICV (1 << 2)\n";
    let (_dir, t) = mini(&[
        (BTF_H, &header),
        ("tools/bpf/resolve_btfids/main.c", mirror),
        ("drivers/staging/x/x_scsi.h", driver),
    ]);
    let r = check(&t, &[], 1);
    assert_eq!(
        r["mirror_files"],
        serde_json::json!(["tools/bpf/resolve_btfids/main.c"])
    );
    assert_eq!(
        messages(&r, "mirror-mismatch"),
        ["KF_B2 is `(1 << 5)` in tools/bpf/resolve_btfids/main.c but `(1 << 2)` in include/linux/btf.h"]
    );
    assert!(!r.to_string().contains("x_scsi.h"), "{r:#}");
    assert_eq!(r["next_free"], 4);
}

#[test]
fn a_flag_at_bit_31_is_a_gap_warning_not_an_error() {
    let header = btf(&flags(0, 17));
    let (dir, t) = mini(&[(BTF_H, &header)]);
    let high = header.replace(
        "#define KF_B16 (1 << 16)\n",
        "#define KF_B16 (1 << 16)\n#define KF_TOP (1 << 31)\n",
    );
    let top = series(dir.path(), "top.patch", BTF_H, &header, &high);
    let r = check(&t, &[&top], 0);
    assert_eq!(r["errors"], 0, "{r:#}");
    assert_eq!(
        messages(&r, "bit-gap"),
        ["KF_TOP takes bit 31, above the next free bit 17: leaves bits 17–30 free"]
    );
    assert_eq!(findings(&r, "bit-gap")[0]["level"], "warning");
    assert!(findings(&r, "no-free-bit").is_empty());
    // Taking the next free bit is no gap.
    let next = header.replace(
        "#define KF_B16 (1 << 16)\n",
        "#define KF_B16 (1 << 16)\n#define KF_NEXT (1 << 17)\n",
    );
    let next = series(dir.path(), "next.patch", BTF_H, &header, &next);
    assert!(findings(&check(&t, &[&next], 0), "bit-gap").is_empty());
}

#[test]
fn bit_31_taken_is_not_full_and_holes_are_information() {
    let header = btf(&format!("{}{}#define KF_TOP (1 << 31)\n", flags(0, 3), flags(5, 17)));
    let (_dir, t) = mini(&[(BTF_H, &header)]);
    let r = check(&t, &[], 0);
    assert_eq!(r["next_free"], 3, "{r:#}");
    assert_eq!(findings(&r, "holes")[0]["level"], "info");
    assert!(findings(&r, "no-free-bit").is_empty());
    let (_dir, t) = mini(&[(BTF_H, &btf(&flags(0, 32)))]);
    let r = check(&t, &[], 1);
    assert_eq!(
        messages(&r, "no-free-bit"),
        ["no free bit: all 32 bits (0-31) are taken"]
    );
    assert_eq!(r["next_free"], Value::Null);
}

#[test]
fn the_seed_on_7_3_is_an_upstream_rename() {
    let t = tree("7.3");
    let r = check(&t, &[&seed()], 1);
    let f = findings(&r, "upstream-rename");
    assert_eq!(f.len(), 1, "{r:#}");
    let msg = f[0]["message"].as_str().unwrap();
    assert!(
        msg.contains("KF_SPIN_LOCK is already upstream as KF_SPINLOCK_SAFE (bit 17)")
            && msg.contains("include/linux/btf.h:82"),
        "{msg}"
    );
    assert_eq!(f[0]["level"], "error");
    assert_eq!(f[0]["locations"][0]["file"], "include/linux/btf.h");
    assert_eq!(f[0]["locations"][0]["line"], 82);
    assert!(f[0]["series"][0]
        .as_str()
        .unwrap()
        .ends_with("rfc-v2-1-3-kf-spin-lock.txt"));
    // The collision is still there, as its own finding.
    assert_eq!(findings(&r, "bit-collision").len(), 1);
}
