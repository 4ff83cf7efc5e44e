//! `--suite test_progs`: the tree's own selftests, on a machine with only what `.ci/run`
//! installs (bookworm's pahole 1.24 and clang-19).
//!
//! The first test runs in the default `cargo test`: kfpatch fetches the pahole 7.2's selftests
//! need into its cache, for real, and `doctor` says why for each tree. The others build a full
//! selftests kernel (defconfig plus the selftests' fragments: about 45 minutes cold on two
//! cores, each tree) and run test_progs in QEMU: too long for CI's 90 minutes, so they are
//! ignored by default and run with
//!     cargo test --test test_progs -- --ignored --test-threads 1
mod common;
use common::*;
use std::path::Path;

/// A `pahole` that says it is bookworm's, first in PATH: the plan must not depend on which
/// pahole this machine happens to have.
fn old_pahole_path(dir: &Path) -> String {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(bin.join("pahole"), "#!/bin/sh\necho v1.24\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(bin.join("pahole"), std::fs::Permissions::from_mode(0o755)).unwrap();
    format!("{}:{}", bin.display(), std::env::var("PATH").unwrap())
}

fn tool<'a>(tree: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    tree["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tool"] == name)
        .unwrap_or_else(|| panic!("no {name} in {tree}"))
}

#[test]
fn doctor_fetches_the_pahole_7_2_needs_and_plans_each_tree() {
    let dir = scratch();
    let path = old_pahole_path(dir.path());
    let json = dir.path().join("doctor.json");
    let (t72, t61) = (tree("7.2"), tree("6.1"));
    let run = kfpatch_with_env(
        &[
            "doctor",
            "--tree",
            t72.to_str().unwrap(),
            "--tree",
            t61.to_str().unwrap(),
            "--fetch",
            &format!("--json={}", json.display()),
        ],
        &[("PATH", &path)],
    );
    run.expect_code(0);
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let trees = doc["trees"].as_array().unwrap();
    assert_eq!(trees.len(), 2, "{doc}");
    // 7.2: libarena needs pahole 1.31; kfpatch fetched one, and it runs.
    let pahole = tool(&trees[0], "pahole");
    assert_eq!(pahole["host_version"], "1.24");
    assert_eq!(pahole["need"]["minimum"], 131, "{pahole}");
    assert!(pahole["need"]["why"].as_str().unwrap().contains("libarena"), "{pahole}");
    assert_eq!(pahole["action"]["action"], "fetch");
    assert_eq!(
        trees[0]["fixups"][0],
        "patches/fixups/7.2/0001-cpumask-populate-declaration.patch"
    );
    let fetched = &trees[0]["fetched"][0];
    assert_eq!(fetched["package"], "pahole", "{doc}");
    let root = Path::new(fetched["root"].as_str().unwrap());
    assert!(root.to_string_lossy().contains("/tools/pahole-"), "{}", root.display());
    let version = run_ok(std::process::Command::new(root.join("usr/bin/pahole")).arg("--version"));
    let minor: u32 = version.trim().trim_start_matches("v1.").parse().unwrap();
    assert!(minor >= 31, "fetched pahole says {version}");
    // Its own loader: the host's C library (bookworm: 2.36) is too old for it.
    let interp = run_ok(
        std::process::Command::new("patchelf")
            .arg("--print-interpreter")
            .arg(root.join("usr/bin/pahole")),
    );
    assert!(interp.trim().starts_with(root.to_str().unwrap()), "{interp}");
    // 6.1 asks for pahole 1.16: the host's will do, nothing is fetched, no fixups.
    assert_eq!(tool(&trees[1], "pahole")["action"]["action"], "use_host");
    assert_eq!(trees[1]["fetched"].as_array().unwrap().len(), 0);
    assert_eq!(trees[1]["fixups"].as_array().unwrap().len(), 0);
    // The human report says it too.
    assert!(run.stdout.contains("is older than the 1.31 it needs"), "{}", run.shown);
}

/// `kfpatch vmtest --suite test_progs` on `tree`; returns the exit code and the JSON report.
fn test_progs(tree: &Path) -> (i32, serde_json::Value, String) {
    let dir = scratch();
    let json = dir.path().join("vmtest.json");
    let run = kfpatch(&[
        "vmtest",
        "--suite",
        "test_progs",
        "--tree",
        tree.to_str().unwrap(),
        "--timeout",
        "900",
        &format!("--json={}", json.display()),
    ]);
    let report = std::fs::read_to_string(&json)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(serde_json::Value::Null);
    (run.code, report, run.shown)
}

fn case<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["cases"]
        .as_array()
        .unwrap_or_else(|| panic!("no cases: {report}"))
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {name}: {report}"))
}

/// `pahole_fetched`: the tree needs a newer pahole than bookworm's 1.24 (7.2's and 7.3's
/// libarena need 1.31), so kfpatch must have fetched one; 6.12 builds with the host's.
fn assert_passes(tree: &Path, fixups: &[&str], pahole_fetched: bool) {
    let (code, report, shown) = test_progs(tree);
    assert_eq!(code, 0, "{shown}");
    assert_eq!(report["ok"], true, "{report}");
    for name in [
        "kfunc_call/kfunc_call_test_spin_lock_safe",
        "kfunc_call/kfunc_call_test_spin_lock_unsafe",
    ] {
        assert_eq!(case(&report, name)["status"], "PASS", "{name}: {report}");
    }
    let setup = &report["selftests"];
    let applied: Vec<&str> = setup["fixups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "applied")
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(applied, fixups, "{setup}");
    assert_eq!(setup["run"]["json"], true, "{setup}");
    let pahole = setup["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tool"] == "pahole")
        .unwrap();
    assert_eq!(!pahole["fetched"].is_null(), pahole_fetched, "{pahole}");
    if !pahole_fetched {
        assert_eq!(pahole["path"], "/usr/bin/pahole", "{pahole}");
    }
    // The selftests were built in a copy: the tree itself got no module.
    for dir in ["test_kmods", "bpf_testmod"] {
        assert!(!tree
            .join("tools/testing/selftests/bpf")
            .join(dir)
            .join("bpf_testmod.ko")
            .exists());
    }
}

#[test]
#[ignore = "builds a full selftests kernel: cargo test --test test_progs -- --ignored"]
fn test_progs_passes_on_debian_7_3_as_shipped() {
    assert_passes(&tree("7.3"), &[], true);
}

#[test]
#[ignore = "builds a full selftests kernel: cargo test --test test_progs -- --ignored"]
fn test_progs_passes_on_the_regenerated_7_2_series() {
    assert_passes(
        &series_work_tree("7.2"),
        &["7.2/0001-cpumask-populate-declaration.patch"],
        true,
    );
}

#[test]
#[ignore = "builds a full selftests kernel: cargo test --test test_progs -- --ignored"]
fn test_progs_passes_on_the_regenerated_6_12_series() {
    assert_passes(
        &series_work_tree("6.12"),
        &["6.12/0001-bpf-attr-size-program.patch"],
        false,
    );
}

/// Without the series the spin-lock subtests are not there: the run must fail, naming them.
#[test]
#[ignore = "builds a full selftests kernel: cargo test --test test_progs -- --ignored"]
fn test_progs_fails_on_unpatched_7_2() {
    let work = keyed_work_copy(&tree("7.2"), "linux-source-7.2-unpatched", "test_progs");
    let (code, report, shown) = test_progs(&work);
    assert_eq!(code, 1, "{shown}");
    assert_eq!(report["ok"], false);
    let safe = case(&report, "kfunc_call/kfunc_call_test_spin_lock_safe");
    assert_eq!(safe["status"], "FAIL", "{safe}");
}
