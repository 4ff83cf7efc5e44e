//! Bad input: each gets a one-line error naming the file (and line), a non-zero exit, and leaves
//! the tree byte-identical.
mod common;
use common::*;
use std::path::Path;

const FILES: [&str; 3] = [
    "include/linux/btf.h",
    "kernel/bpf/verifier.c",
    "tools/bpf/resolve_btfids/main.c",
];

fn refused(tree: &Path, patch: &Path, code: i32, needles: &[&str]) {
    let before = fingerprint(tree);
    let run = kfpatch(&["apply", "--tree", tree.to_str().unwrap(), patch.to_str().unwrap()]);
    run.expect_code(code);
    let err = run.stderr.trim_end();
    assert_eq!(err.lines().count(), 1, "not one line:\n{}", run.shown);
    assert!(err.starts_with("kfpatch: error: "), "{}", run.shown);
    for n in needles {
        assert!(err.contains(n), "missing {n:?}\n{}", run.shown);
    }
    assert_eq!(before, fingerprint(tree), "the tree changed\n{}", run.shown);
}

fn setup() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = scratch();
    let t = dir.path().join("linux");
    mini_tree(&tree("7.2"), &t, &FILES);
    (dir, t)
}

#[test]
fn empty_binary_and_truncated_mails() {
    let (dir, t) = setup();
    let empty = dir.path().join("empty.patch");
    std::fs::write(&empty, "").unwrap();
    refused(&t, &empty, 2, &["empty.patch:1: empty input"]);
    let binary = dir.path().join("blob.patch");
    std::fs::write(&binary, b"\x7fELF\x02\x01\x01\x00\x00\x00").unwrap();
    refused(&t, &binary, 2, &["blob.patch:1: binary input"]);
    let seed = std::fs::read_to_string(seed()).unwrap();
    let cut = dir.path().join("cut.patch");
    std::fs::write(&cut, &seed[..seed.find("+ return true;").unwrap()]).unwrap();
    refused(&t, &cut, 2, &["cut.patch:", "truncated"]);
}

#[test]
fn missing_file_and_ambiguous_context() {
    let (dir, t) = setup();
    let missing = dir.path().join("missing.patch");
    std::fs::write(
        &missing,
        "--- a/include/linux/nothere.h\n+++ b/include/linux/nothere.h\n@@ -1,2 +1,3 @@\n a\n+b\n c\n",
    )
    .unwrap();
    refused(
        &t,
        &missing,
        1,
        &["missing.patch:1:", "include/linux/nothere.h: no such file"],
    );
    // Two copies of the same block: a hunk that fits both is an error, not a guess.
    let dup = "int alpha(void)\n{\n\treturn 1;\n}\n\nint beta(void)\n{\n\treturn 1;\n}\n";
    std::fs::write(t.join("kernel/dup.c"), dup).unwrap();
    let amb = dir.path().join("ambiguous.patch");
    std::fs::write(
        &amb,
        "--- a/kernel/dup.c\n+++ b/kernel/dup.c\n@@ -20,3 +20,3 @@\n {\n-\treturn 1;\n+\treturn 2;\n }\n",
    )
    .unwrap();
    refused(
        &t,
        &amb,
        1,
        &[
            "ambiguous.patch:3:",
            "kernel/dup.c: hunk #1",
            "fits at 2 places (lines 2, 7)",
        ],
    );
}

#[test]
fn not_a_kernel_tree() {
    let dir = scratch();
    std::fs::write(dir.path().join("README"), "hello\n").unwrap();
    let before = fingerprint(dir.path());
    let run = kfpatch(&["apply", "--tree", dir.path().to_str().unwrap()]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("not a kernel tree: no readable top-level Makefile"),
        "{}",
        run.shown
    );
    assert_eq!(before, fingerprint(dir.path()));
}

#[test]
fn half_applicable_series_writes_nothing() {
    let (dir, t) = setup();
    // btf.h hunk fits; the verifier hunk names a line this tree does not have.
    let seed = std::fs::read_to_string(seed())
        .unwrap()
        .replace("verbose(env,\n", "verbose(env, \"no such line\",\n");
    let bad = dir.path().join("half.patch");
    std::fs::write(&bad, seed).unwrap();
    refused(
        &t,
        &bad,
        1,
        &["half.patch:", "kernel/bpf/verifier.c: hunk #2", "does not apply"],
    );
}

#[test]
fn read_only_tree_is_left_alone() {
    let (_dir, t) = setup();
    // Root ignores permission bits; the immutable attribute it cannot ignore.
    let dir = t.join("kernel/bpf");
    let st = std::process::Command::new("chattr")
        .arg("+i")
        .arg(&dir)
        .status()
        .expect("chattr (e2fsprogs) runs");
    assert!(
        st.success(),
        "chattr +i failed: this test needs a file system with the immutable attribute"
    );
    let before = fingerprint(&t);
    let run = kfpatch(&["apply", "--tree", t.to_str().unwrap()]);
    let _ = std::process::Command::new("chattr").arg("-i").arg(&dir).status();
    run.expect_code(2);
    assert!(
        run.stderr.contains("kernel/bpf/verifier.c: cannot write"),
        "{}",
        run.shown
    );
    assert!(run.stderr.contains("nothing was written"), "{}", run.shown);
    assert_eq!(
        before,
        fingerprint(&t),
        "btf.h must not be written when verifier.c cannot be"
    );
}
