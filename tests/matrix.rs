//! `kfpatch matrix` on the four Debian trees, each row's VM cases from a real boot; and a row
//! that must fail: a 7.2 tree that has the flag but not the verifier change.
//!
//! Work copies and build directories are keyed by tree and series, so the 7.2 row shares its
//! build with `tests/vm.rs` (validate of the same seed), and ccache serves the objects the
//! other tests' builds of the same sources already made.
mod common;
use common::*;
use serde_json::Value;

/// Run the matrix with `args`; the rows of its JSON lines, each a complete document.
fn matrix(args: &[&str], code: i32) -> (Run, Vec<Value>) {
    let dir = scratch();
    let json = dir.path().join("matrix.jsonl");
    let json_arg = format!("--json={}", json.display());
    let mut all = vec!["matrix", "--timeout", "300", json_arg.as_str()];
    all.extend_from_slice(args);
    let run = kfpatch(&all);
    run.expect_code(code);
    let text = std::fs::read_to_string(&json).unwrap_or_else(|e| panic!("{e}\n{}", run.shown));
    let rows = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("line not JSON ({e}): {l}")))
        .collect();
    (run, rows)
}

fn cases(row: &Value) -> Vec<(String, String)> {
    row["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap().into(), c["status"].as_str().unwrap().into()))
        .collect()
}

fn all_pass() -> Vec<(String, String)> {
    ["safe_under_lock", "unsafe_under_lock", "safe_no_lock"]
        .iter()
        .map(|n| (n.to_string(), "PASS".to_string()))
        .collect()
}

#[test]
fn matrix_proves_the_series_on_every_debian_tree() {
    for v in ["6.1", "6.12", "7.2", "7.3"] {
        tree(v);
    }
    let (run, rows) = matrix(&[], 0);
    assert_eq!(rows.len(), 4, "{}", run.shown);
    // (target, era, how the series got on, flag, bit)
    let expected = [
        ("debian 6.1", "v6.1", &["regenerated"][..], "KF_SPIN_LOCK", 7),
        ("debian 6.12", "v6.12", &["regenerated"][..], "KF_SPIN_LOCK", 12),
        // Healed onto a fresh work copy; already there when tests/vm.rs ran first.
        (
            "debian 7.2",
            "v7.2",
            &["healed", "already_applied"][..],
            "KF_SPIN_LOCK",
            17,
        ),
        ("debian 7.3", "merged", &["merged_upstream"][..], "KF_SPINLOCK_SAFE", 17),
    ];
    for (row, (target, era, how, flag, bit)) in rows.iter().zip(expected) {
        let shown = format!("{row:#}\n{}", run.shown);
        assert_eq!(row["schema"], "kfpatch-matrix/1", "{shown}");
        assert_eq!(row["target"], target, "{shown}");
        assert_eq!(row["era"], era, "{shown}");
        assert!(how.contains(&row["how"].as_str().unwrap_or("")), "{shown}");
        assert_eq!(row["flag"], flag, "{shown}");
        assert_eq!(row["bit"], bit, "{shown}");
        assert_eq!(row["check_errors"], 0, "{shown}");
        assert_eq!(cases(row), all_pass(), "{shown}");
        assert_eq!(row["vmtest"]["guest_finished"], true, "{shown}");
        assert_eq!(row["verdict"], "pass", "{shown}");
        // The refusal is judged by the tree's own sentence: 7.3's diagnostics have another.
        let refusals = row["vmtest"]["lock_refusals"].as_array().unwrap();
        let diagnostic = Value::from("function call is not allowed before leaving lock region");
        assert_eq!(refusals.contains(&diagnostic), target == "debian 7.3", "{shown}");
    }
    let table = &run.stdout;
    assert!(
        table.starts_with("tree")
            && table.contains("safe_under_lock")
            && table.contains("matrix: 4 of 4 tree(s) passed"),
        "{}",
        run.shown
    );
}

#[test]
fn matrix_row_fails_where_the_verifier_lacks_the_change() {
    // The flag without the verifier change: btf.h's hunk of the regenerated 7.2 mail (the
    // same btf.h as the healed seed, so ccache serves every object but verifier.o).
    let out = scratch();
    let run = kfpatch(&[
        "regen",
        "--tree",
        tree("7.2").to_str().unwrap(),
        "-o",
        out.path().to_str().unwrap(),
    ]);
    run.expect_code(0);
    let mail_path = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "patch"))
        .expect("regen wrote a mail");
    let mail = std::fs::read_to_string(&mail_path).unwrap();
    let cut = mail
        .find("diff --git a/kernel/bpf/verifier.c")
        .expect("the mail changes verifier.c");
    let flag_only = out.path().join("flag-only.patch");
    // A fixed date: the series' content keys its work copy and build directory, so the same
    // bytes every run keep this row's build incremental.
    let head: String = mail[..cut]
        .lines()
        .map(|l| {
            if l.starts_with("Date: ") {
                "Date: Sat, 2 May 2026 23:57:23 -0500"
            } else {
                l
            }
        })
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&flag_only, format!("{head}-- \n2.39.5\n")).unwrap();

    // KTAP on stdout (for CI dashboards), the JSON lines in the file as always.
    let (run, rows) = matrix(&["--debian", "7.2", "--format", "ktap", flag_only.to_str().unwrap()], 1);
    assert_eq!(rows.len(), 1, "{}", run.shown);
    let row = &rows[0];
    let shown = format!("{row:#}\n{}", run.shown);
    // Applied on a fresh work copy; already there when an earlier run left it (same bytes).
    assert!(
        ["applied", "already_applied"].contains(&row["how"].as_str().unwrap_or("")),
        "{shown}"
    );
    assert_eq!(row["flag"], "KF_SPIN_LOCK", "{shown}");
    assert_eq!(row["bit"], 17, "{shown}");
    assert_eq!(row["verdict"], "fail", "{shown}");
    let expected: Vec<(String, String)> = [
        ("safe_under_lock", "FAIL"),
        ("unsafe_under_lock", "PASS"),
        ("safe_no_lock", "PASS"),
    ]
    .iter()
    .map(|(n, s)| (n.to_string(), s.to_string()))
    .collect();
    assert_eq!(cases(row), expected, "{shown}");
    assert!(
        row["why"]
            .as_str()
            .unwrap()
            .contains("the verifier does not honour the flag"),
        "{shown}"
    );
    // The failing row leaves a reproducer; run by hand, it sees the same failure.
    let reproducer = row["vmtest"]["reproducer"]
        .as_str()
        .unwrap_or_else(|| panic!("no reproducer\n{shown}"));
    let script = std::fs::read_to_string(reproducer).unwrap();
    for needle in [
        "CC=ccache gcc",
        "merge_config.sh",
        "qemu-system-x86_64",
        "pahole:",
        "clang:",
    ] {
        assert!(script.contains(needle), "reproduce.sh lacks {needle}:\n{script}");
    }
    let again = std::process::Command::new("sh")
        .arg(reproducer)
        .output()
        .expect("sh runs");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&again.stdout),
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(
        again.status.code(),
        Some(1),
        "the reproducer reproduces the failure:\n{said}\n{script}"
    );
    assert!(said.contains("reproduce: reproduced"), "{said}");
    assert!(said.contains("KFPATCH-CASE safe_under_lock refused"), "{said}");

    // The kernel's own KTAP parser reads the failing row as the JSON says it.
    let dir = scratch();
    let ktap = dir.path().join("row.ktap");
    std::fs::write(&ktap, &run.stdout).unwrap();
    let parser = tree("7.2").join("tools/testing/kunit/kunit.py");
    let parsed = std::process::Command::new("python3")
        .arg(&parser)
        .arg("parse")
        .arg(&ktap)
        .output()
        .expect("kunit.py runs");
    let text = String::from_utf8_lossy(&parsed.stdout);
    assert_eq!(
        parsed.status.code(),
        Some(1),
        "kunit.py fails a failing run:\n{text}\n{}",
        run.stdout
    );
    for line in [
        "[FAILED] safe_under_lock",
        "[PASSED] unsafe_under_lock",
        "[PASSED] safe_no_lock",
        "[FAILED] debian 7.2",
    ] {
        assert!(text.contains(line), "kunit.py: no `{line}`:\n{text}\n{}", run.stdout);
    }
    assert!(text.contains("Ran 3 tests: passed: 2, failed: 1"), "{text}");
    assert!(!text.contains("[ERROR]") && !text.contains("[CRASHED]"), "{text}");
}

#[test]
fn matrix_kcidb_document_validates_with_kcidb_io_and_says_what_the_row_says() {
    // The 7.3 row (merged upstream) reuses the build the four-tree test makes (the build slot
    // and the tree lock let one of the two build it, the other finds it built).
    let (run, rows) = matrix(&["--debian", "7.3", "--format", "kcidb"], 0);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e})\n{}", run.shown));
    let validate = std::process::Command::new(python_tool("python3"))
        .args([
            "-c",
            "import json, sys, kcidb_io; kcidb_io.schema.LATEST.validate(json.load(sys.stdin))",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(run.stdout.as_bytes())?;
            child.wait_with_output()
        })
        .expect("python3 with kcidb-io runs");
    assert!(
        validate.status.success(),
        "kcidb-io rejects the document: {}\n{}",
        String::from_utf8_lossy(&validate.stderr),
        run.stdout
    );
    assert_eq!(doc["version"]["major"], 5);
    assert_eq!(doc["checkouts"].as_array().unwrap().len(), 1, "{doc:#}");
    assert_eq!(doc["checkouts"][0]["tree_name"], "debian 7.3");
    // The patchset hash as KCIDB's schema defines it, by its own shell recipe.
    let recipe = format!(
        "sha256sum {} | cut -c-64 | sha256sum | cut -c-64",
        repo_file("patches/rfc-v2-1-3-kf-spin-lock.txt").display()
    );
    let hash = std::process::Command::new("sh").args(["-c", &recipe]).output().unwrap();
    assert_eq!(
        doc["checkouts"][0]["patchset_hash"].as_str(),
        Some(String::from_utf8_lossy(&hash.stdout).trim()),
        "{doc:#}"
    );
    let build = &doc["builds"][0];
    assert_eq!(build["status"], "PASS", "{doc:#}");
    assert!(build["compiler"].as_str().unwrap_or("").starts_with("gcc"), "{doc:#}");
    assert_eq!(build["duration"].as_f64(), rows[0]["build_s"].as_f64());
    let tests: Vec<(String, String)> = doc["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["path"].as_str().unwrap().trim_start_matches("kfpatch.").to_string(),
                t["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(tests, cases(&rows[0]), "{doc:#}");
    assert_eq!(tests, all_pass());
}
