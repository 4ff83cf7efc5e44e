//! `kfpatch regen --with-selftests` on the real 6.12 and 7.2 trees, taken past `git am`: the
//! whole series goes on a work copy, bpf_testmod.o compiles against a built kernel with the new
//! flag's bit in its BTF flag word, and (6.12, the backport) the patched kernel passes the
//! kfunc suite in QEMU (through `kfpatch matrix`, whose 6.12 row has the same kernel change)
//! while the series' BPF programs compile with clang-19 against it.
mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The bit `regen --bit auto` picks for each tree (asserted in tests/regen.rs too).
const ERAS: &[(&str, u32, &str)] = &[("6.12", 12, "bpf_testmod"), ("7.2", 17, "test_kmods")];

/// The BTF flag words `BTF_ID_FLAGS(func, <kfunc>, …)` left in the object's .BTF_ids section
/// for each of `kfuncs`: the u32 after the kfunc's (still zero) BTF id.
fn btf_flag_words(obj: &Path, kfuncs: &[&str]) -> Vec<u32> {
    let sections = run_ok(Command::new("readelf").arg("-SW").arg(obj));
    let index = sections
        .lines()
        .find(|l| l.contains(" .BTF_ids "))
        .and_then(|l| l.split('[').nth(1)?.split(']').next()?.trim().parse::<u32>().ok())
        .unwrap_or_else(|| panic!("{}: no .BTF_ids section", obj.display()))
        .to_string();
    let symbols = run_ok(Command::new("readelf").arg("-sW").arg(obj));
    let dump = obj.with_extension("btf_ids");
    let stripped = obj.with_extension("dumped.o");
    run_ok(
        Command::new("objcopy")
            .arg(format!("--dump-section=.BTF_ids={}", dump.display()))
            .arg(obj)
            .arg(&stripped),
    );
    let bytes = std::fs::read(&dump).unwrap();
    kfuncs
        .iter()
        .map(|kfunc| {
            let prefix = format!("__BTF_ID__func__{kfunc}__");
            let offsets: Vec<usize> = symbols
                .lines()
                .filter_map(|l| {
                    let f: Vec<&str> = l.split_whitespace().collect();
                    (f.len() == 8 && f[7].starts_with(&prefix) && f[6] == index)
                        .then(|| usize::from_str_radix(f[1], 16).unwrap())
                })
                .collect();
            assert_eq!(offsets.len(), 1, "{kfunc}: expected one BTF id in {}", obj.display());
            let at = offsets[0] + 4;
            u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
        })
        .collect()
}

#[test]
fn bpf_testmod_object_carries_the_flag_bit_on_6_12_and_7_2() {
    for &(version, bit, kmod_dir) in ERAS {
        let work = series_work_tree(version);
        // 1/3 compiles (verifier.o) and prepares the build the module compiles against.
        let name = format!("defconfig-bpf-{}", work.file_name().unwrap().to_str().unwrap());
        let build = compile_verifier_o(&work, &name);
        let o = format!("O={}", build.display());
        run_ok(
            Command::new("make")
                .arg("-C")
                .arg(&work)
                .arg(&o)
                .arg(format!("-j{}", jobs()))
                .arg("modules_prepare"),
        );
        let module_dir = work.join("tools/testing/selftests/bpf").join(kmod_dir);
        let obj = module_dir.join("bpf_testmod.o");
        let _ = std::fs::remove_file(&obj);
        run_ok(
            Command::new("make")
                .arg("-C")
                .arg(&work)
                .arg(&o)
                .arg(format!("M={}", module_dir.display()))
                .arg("bpf_testmod.o"),
        );
        let words = btf_flag_words(&obj, &["bpf_testmod_test_mod_kfunc", "bpf_kfunc_call_test4"]);
        assert_eq!(
            words[0],
            1 << bit,
            "{version}: bpf_testmod_test_mod_kfunc should carry KF_SPIN_LOCK = 1 << {bit} alone"
        );
        // The kfunc the "unsafe" program calls stays unflagged: the verifier must refuse it.
        assert_eq!(
            words[1] & (1 << bit),
            0,
            "{version}: bpf_kfunc_call_test4 must not carry the flag"
        );
    }
}

#[test]
fn backport_6_12_series_passes_the_kfunc_suite_and_its_programs_compile_with_clang_19() {
    // Patches 2/3 and 3/3 touch only tools/testing/selftests: the kernel is the one patch 1/3
    // makes, which is what `kfpatch matrix` builds and boots for 6.12 (the same work copy and
    // build directory as tests/matrix.rs, so CI builds that kernel once).
    let work = series_work_tree("6.12");
    let dir = scratch();
    let json = dir.path().join("matrix.jsonl");
    let run = kfpatch(&[
        "matrix",
        "--debian",
        "6.12",
        "--timeout",
        "300",
        &format!("--json={}", json.display()),
    ]);
    run.expect_code(0);
    let r: serde_json::Value = serde_json::from_str(std::fs::read_to_string(&json).unwrap().trim()).unwrap();
    assert_eq!(r["how"], "regenerated", "{}", run.shown);
    assert_eq!(r["flag"], "KF_SPIN_LOCK");
    assert_eq!(r["bit"], 12);
    assert_eq!(r["verdict"], "pass", "{}", run.shown);
    let cases: Vec<(&str, &str)> = r["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        cases,
        [
            ("safe_under_lock", "PASS"),
            ("unsafe_under_lock", "PASS"),
            ("safe_no_lock", "PASS")
        ]
    );
    // The kernel change in the work copy is the one the matrix booted.
    let booted = PathBuf::from(r["tree"].as_str().unwrap());
    for file in ["include/linux/btf.h", "kernel/bpf/verifier.c"] {
        assert_eq!(
            std::fs::read(work.join(file)).unwrap(),
            std::fs::read(booted.join(file)).unwrap(),
            "{file} differs between the series work copy and the booted tree"
        );
    }
    let build = PathBuf::from(r["vmtest"]["build_dir"].as_str().unwrap());
    compile_selftest_progs(&work, &build.join("vmlinux"), dir.path());
}
