//! End to end: `kfpatch validate` fetches Debian 7.2, applies the bundled RFC, checks the flag
//! bits, rebuilds the kernel and runs the kfunc suite in QEMU. Cold, this builds a kernel
//! (minutes); warm, the build is incremental.
mod common;
use common::*;
use serde_json::Value;

#[test]
fn validate_bundled_rfc_on_debian_7_2_in_qemu() {
    tree("7.2");
    let dir = scratch();
    let json = dir.path().join("validate.json");
    let run = kfpatch(&["validate", "--timeout", "300", "--json", json.to_str().unwrap()]);
    run.expect_code(0);
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
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
