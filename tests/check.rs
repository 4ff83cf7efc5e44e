//! `kfpatch check` on real Debian trees and on series written for the test.
mod common;
use common::*;
use serde_json::Value;

fn check(args: &[&str], code: i32) -> Value {
    let mut all = vec!["check", "--json"];
    all.extend_from_slice(args);
    let run = kfpatch(&all);
    run.expect_code(code);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("bad JSON ({e})\n{}", run.shown))
}

fn holes(r: &Value) -> Vec<u64> {
    r["holes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect()
}

fn kinds(r: &Value, level: &str) -> Vec<String> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["level"] == level)
        .map(|f| f["kind"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn real_trees_are_clean_with_their_holes_and_next_bit() {
    for (version, expect_holes, next, mirrors) in [
        ("6.1", vec![], 7, false),
        ("6.12", vec![3], 12, false),
        ("7.2", vec![3, 4], 17, true),
        ("7.3", vec![3, 4], 19, true),
    ] {
        let t = tree(version);
        let r = check(&["--tree", t.to_str().unwrap()], 0);
        assert_eq!(r["errors"], 0, "{version}: {r:#}");
        assert_eq!(holes(&r), expect_holes, "{version}");
        assert_eq!(r["next_free"], next, "{version}");
        let mirror_files: Vec<&str> = r["mirror_files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(
            mirror_files.contains(&"tools/bpf/resolve_btfids/main.c"),
            mirrors,
            "{version}: {mirror_files:?}"
        );
        assert!(!kinds(&r, "error").iter().any(|k| k == "mirror-mismatch"));
        assert!(
            r["users"].as_u64().unwrap() > 50,
            "{version}: BTF_ID_FLAGS users were scanned"
        );
        // rts5208 and media KF_* macros are not kfunc flags.
        let text = r.to_string();
        assert!(
            !text.contains("rts5208") && !text.contains("drivers/media"),
            "{version}: unrelated KF_* reported"
        );
    }
}

#[test]
fn seed_on_7_3_collides_with_kf_spinlock_safe() {
    let t = tree("7.3");
    let r = check(&["--tree", t.to_str().unwrap(), "--patch", seed().to_str().unwrap()], 1);
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "bit-collision")
        .expect("a collision");
    assert_eq!(f["message"], "bit 17 is claimed by KF_SPINLOCK_SAFE and KF_SPIN_LOCK");
    let locs: Vec<String> = f["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| format!("{}:{}", l["file"].as_str().unwrap(), l["line"]))
        .collect();
    assert!(locs.contains(&"include/linux/btf.h:82".to_string()), "{locs:?}");
    assert!(
        locs.iter()
            .any(|l| l.contains("rfc-v2-1-3-kf-spin-lock.txt") && l.ends_with(":21")),
        "{locs:?}"
    );
    assert_eq!(r["series"][0]["applies"], false);
}

fn flag_series(dir: &std::path::Path, name: &str, flag: &str) -> std::path::PathBuf {
    let mail = format!(
        "From: Test Dev <t@example.org>\nSubject: [PATCH] bpf: add {flag}\n\nAdd {flag}.\n\nSigned-off-by: Test Dev <t@example.org>\n---\n\
diff --git a/include/linux/btf.h b/include/linux/btf.h\n--- a/include/linux/btf.h\n+++ b/include/linux/btf.h\n\
@@ -79,6 +79,7 @@\n #define KF_ARENA_ARG1   (1 << 14) /* kfunc takes an arena pointer as its first argument */\n\
 #define KF_ARENA_ARG2   (1 << 15) /* kfunc takes an arena pointer as its second argument */\n\
 #define KF_IMPLICIT_ARGS (1 << 16) /* kfunc has implicit arguments supplied by the verifier */\n\
+#define {flag:<15} (1 << 17) /* test */\n \n /*\n  * Tag marking a kernel function as a kfunc. This is meant to minimize the\n-- \n2.47.3\n"
    );
    let path = dir.join(name);
    std::fs::write(&path, mail).unwrap();
    path
}

#[test]
fn two_series_claiming_one_bit_collide_only_together() {
    let t = tree("7.2");
    let dir = scratch();
    let a = flag_series(dir.path(), "a.patch", "KF_OBTAIN");
    let b = flag_series(dir.path(), "b.patch", "KF_NOCSR");
    let ts = t.to_str().unwrap();
    for one in [&a, &b] {
        let r = check(&["--tree", ts, "--patch", one.to_str().unwrap()], 0);
        assert_eq!(r["series"][0]["applies"], true);
        assert_eq!(r["series"][0]["added"][0]["line"], 82);
    }
    let r = check(
        &[
            "--tree",
            ts,
            "--patch",
            a.to_str().unwrap(),
            "--patch",
            b.to_str().unwrap(),
        ],
        1,
    );
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "series-collision")
        .expect("collision");
    let msg = f["message"].as_str().unwrap();
    assert!(
        msg.contains("KF_OBTAIN")
            && msg.contains("KF_NOCSR")
            && msg.contains("a.patch")
            && msg.contains("b.patch")
            && msg.ends_with("bit 17"),
        "{msg}"
    );
}

#[test]
fn resolve_btfids_copy_that_disagrees_is_an_error() {
    let src = tree("7.2");
    let dir = scratch();
    let t = dir.path().join("linux");
    mini_tree(&src, &t, &["include/linux/btf.h", "tools/bpf/resolve_btfids/main.c"]);
    let main = t.join("tools/bpf/resolve_btfids/main.c");
    let text = std::fs::read_to_string(&main).unwrap().replace(
        "#define KF_IMPLICIT_ARGS (1 << 16)",
        "#define KF_IMPLICIT_ARGS (1 << 15)",
    );
    std::fs::write(&main, text).unwrap();
    let r = check(&["--tree", t.to_str().unwrap()], 1);
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "mirror-mismatch")
        .expect("mismatch");
    assert_eq!(
        f["message"],
        "KF_IMPLICIT_ARGS is `(1 << 15)` in tools/bpf/resolve_btfids/main.c but `(1 << 16)` in include/linux/btf.h"
    );
    assert_eq!(f["locations"][0]["line"], 155);
    assert_eq!(f["locations"][1]["line"], 81);
}

#[test]
fn human_output_has_a_bit_table() {
    let t = tree("6.12");
    let run = kfpatch(&["check", "--tree", t.to_str().unwrap()]);
    run.expect_code(0);
    assert!(run.stdout.contains("  3  -                    hole"), "{}", run.shown);
    assert!(
        run.stdout
            .contains(" 11  KF_RCU_PROTECTED     used      include/linux/btf.h:77"),
        "{}",
        run.shown
    );
    assert!(run.stdout.contains("info: next free bit: 12"), "{}", run.shown);
}
