//! End to end: `kfpatch validate` fetches Debian 7.2, applies the bundled RFC, checks the flag
//! bits, rebuilds the kernel and runs the kfunc suite in QEMU. Cold, this builds a kernel
//! (minutes); warm, the build is incremental.
mod common;
use common::*;
use serde_json::Value;

/// One `kfpatch validate` run per test binary: the tests share its work tree and build.
fn validate_report() -> &'static Value {
    static REPORT: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    REPORT.get_or_init(|| {
        tree("7.2");
        let dir = scratch();
        let json = dir.path().join("validate.json");
        let json_arg = format!("--json={}", json.display());
        let run = kfpatch(&["validate", "--timeout", "300", &json_arg]);
        run.expect_code(0);
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap()
    })
}

#[test]
fn validate_bundled_rfc_on_debian_7_2_in_qemu() {
    let r = validate_report();
    assert_eq!(r["schema"], "kfpatch-validate/1");
    assert_eq!(r["check_errors"], 0);
    let vm = &r["vmtest"];
    assert_eq!(vm["flag"], "KF_SPIN_LOCK");
    assert_eq!(vm["flag_defined"], true);
    let cases: Vec<(String, String, String)> = vm["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().into(),
                c["status"].as_str().unwrap().into(),
                c["why"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(cases.len(), 3, "{cases:?}");
    assert_eq!(
        cases[0],
        (
            "safe_under_lock".into(),
            "PASS".into(),
            "loaded; BPF_PROG_TEST_RUN returned 42".into()
        )
    );
    assert_eq!(cases[1].1, "PASS");
    assert!(cases[1]
        .2
        .contains("function calls are not allowed while holding a lock"));
    assert_eq!(
        cases[2],
        (
            "safe_no_lock".into(),
            "PASS".into(),
            "loaded; BPF_PROG_TEST_RUN returned 42".into()
        )
    );
    assert_eq!(vm["problems"].as_array().unwrap().len(), 0);
    assert_eq!(vm["ok"], true);
    eprintln!("vmtest timings: {}", vm["timings"]);
}

/// The validate work tree and its build directory (from the validate report).
fn validated_7_2() -> (std::path::PathBuf, std::path::PathBuf) {
    let r = validate_report();
    (
        r["tree"].as_str().unwrap().into(),
        r["vmtest"]["build_dir"].as_str().unwrap().into(),
    )
}

#[test]
fn with_selftests_series_applies_and_its_bpf_programs_compile_against_the_built_7_2() {
    let (work, build) = validated_7_2();
    let dir = scratch();
    let out = dir.path().join("series");
    kfpatch(&[
        "regen",
        "--tree",
        tree("7.2").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--with-selftests",
    ])
    .expect_code(0);
    let mut mails: Vec<_> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().path()).collect();
    mails.sort();
    assert_eq!(mails.len(), 3);
    // The selftest patches go on a copy of the validated (patched) tree, in order.
    let copy = dir.path().join("linux");
    linked_copy(&work, &copy);
    let run = kfpatch(&[
        "apply",
        "--tree",
        copy.to_str().unwrap(),
        mails[1].to_str().unwrap(),
        mails[2].to_str().unwrap(),
    ]);
    run.expect_code(0);
    compile_selftest_progs(&copy, &build.join("vmlinux"), dir.path());
}

#[test]
fn patched_7_2_compiles_verifier_o_under_defconfig_with_bpf() {
    let (work, _) = validated_7_2();
    compile_verifier_o(&work, "verifier-defconfig-7.2");
}
