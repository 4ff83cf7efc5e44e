//! `kfpatch regen`: golden outputs on synthetic era fixtures, structure on the real trees,
//! and every mail accepted by `git apply` and `git am`.
mod common;
use common::*;
use std::path::{Path, PathBuf};

fn regen(tree: &Path, out: &Path, extra: &[&str]) -> (Run, Vec<PathBuf>) {
    let mut args = vec!["regen", "--tree", tree.to_str().unwrap(), "-o", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let run = kfpatch(&args);
    let mut files: Vec<PathBuf> = std::fs::read_dir(out)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.sort();
    (run, files)
}

fn without_date(text: &str) -> String {
    text.lines()
        .map(|l| if l.starts_with("Date: ") { "Date: DATE" } else { l })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// `git am` the mail onto a git repository holding the touched files of `src`.
fn git_am(src: &Path, mail: &Path) {
    let dir = scratch();
    let repo = dir.path().join("linux");
    git_repo_from(src, &repo, &["include/linux/btf.h", "kernel/bpf/verifier.c"]);
    git(
        &repo,
        &[
            "-c",
            "user.name=T",
            "-c",
            "user.email=t@example.org",
            "am",
            "-q",
            mail.to_str().unwrap(),
        ],
    );
    let subject = git(&repo, &["log", "-1", "--format=%s"]);
    assert_eq!(
        subject.trim(),
        "bpf: Add KF_SPIN_LOCK flag for kfuncs under bpf_spin_lock"
    );
}

#[test]
fn golden_output_per_era() {
    let eras = kfpatch::ops::regen::era::ERAS;
    assert!(!eras.is_empty());
    for era in eras.iter().map(|e| e.name) {
        let fixture = repo_file(&format!("tests/fixtures/eras/{era}"));
        let out = scratch();
        let (run, files) = regen(&fixture, out.path(), &["--from", "Test Dev <dev@example.org>"]);
        run.expect_code(0);
        assert!(
            run.stdout.starts_with(&format!("era {era}: KF_SPIN_LOCK at bit 8")),
            "{}",
            run.shown
        );
        let got = without_date(&std::fs::read_to_string(&files[0]).unwrap());
        let expected = std::fs::read_to_string(fixture.join("expected.patch")).unwrap();
        assert_eq!(
            got, expected,
            "{era}: regenerated mail differs from tests/fixtures/eras/{era}/expected.patch"
        );
    }
}

#[test]
fn debian_7_2_regen_equals_the_healed_seed() {
    let t = tree("7.2");
    let out = scratch();
    let (run, files) = regen(
        &t,
        out.path(),
        &["--rfc", "-v", "2", "--bit", "upstream", "--check-style"],
    );
    run.expect_code(0);
    assert!(
        run.stdout.contains("era v7.2: KF_SPIN_LOCK at bit 17, +16 -5 lines"),
        "{}",
        run.shown
    );
    assert!(run.stdout.contains(": total: 0 errors, 0 warnings"), "{}", run.shown);
    let mail = std::fs::read_to_string(&files[0]).unwrap();
    assert!(files[0].ends_with("0001-bpf-Add-KF_SPIN_LOCK-flag-for-kfuncs-under-bpf_spin_lock.patch"));
    assert!(
        mail.contains("Subject: [RFC PATCH v2] bpf: Add KF_SPIN_LOCK flag"),
        "{mail}"
    );
    let healed = out.path().join("healed.patch");
    kfpatch(&[
        "apply",
        "--check",
        "--tree",
        t.to_str().unwrap(),
        "--emit-healed",
        healed.to_str().unwrap(),
    ])
    .expect_code(0);
    let diff_of = |text: &str| text[text.find("\ndiff --git").unwrap()..text.rfind("\n-- \n").unwrap()].to_string();
    // Documented difference: only the headers (Date, subject prefix) differ.
    assert_eq!(diff_of(&mail), diff_of(&std::fs::read_to_string(&healed).unwrap()));
    let ok = std::process::Command::new("git")
        .current_dir(&t)
        .args(["apply", "--check"])
        .arg(&files[0])
        .status()
        .unwrap();
    assert!(ok.success());
    git_am(&t, &files[0]);
}

#[test]
fn backports_pick_the_next_free_bit_and_apply() {
    for (version, bit, era) in [("6.12", 12, "v6.12"), ("6.1", 7, "v6.1")] {
        let t = tree(version);
        let out = scratch();
        let (run, files) = regen(&t, out.path(), &["--cover-letter", "--check-style"]);
        run.expect_code(0);
        assert!(
            run.stdout.contains(&format!(
                "era {era}: KF_SPIN_LOCK at bit {bit} (bit {bit} differs from upstream's 17)"
            )),
            "{}",
            run.shown
        );
        assert!(run.stdout.contains("total: 0 errors, 0 warnings"), "{}", run.shown);
        assert_eq!(files.len(), 2, "cover letter and patch");
        let mail = std::fs::read_to_string(&files[1]).unwrap();
        assert!(
            mail.contains(&format!("#define KF_SPIN_LOCK    (1 << {bit})")),
            "{mail}"
        );
        assert!(mail.contains("+static bool kfunc_spin_allowed(struct bpf_verifier_env *env, struct bpf_insn *insn)"));
        assert!(mail.contains(&format!("Backport to Linux {version}.")), "{mail}");
        let ok = std::process::Command::new("git")
            .current_dir(&t)
            .args(["apply", "--check"])
            .arg(&files[1])
            .status()
            .unwrap();
        assert!(ok.success(), "{version}: git apply --check");
        git_am(&t, &files[1]);
        // The regenerated patch also goes through kfpatch apply exactly.
        let dir = scratch();
        let work = dir.path().join("linux");
        linked_copy(&t, &work);
        let run = kfpatch(&["apply", "--tree", work.to_str().unwrap(), files[1].to_str().unwrap()]);
        run.expect_code(0);
        assert!(!run.stdout.contains("healed"), "{}", run.shown);
    }
}

#[test]
fn merged_tree_taken_bits_and_unknown_shapes() {
    let out = scratch();
    let (run, files) = regen(&tree("7.3"), out.path(), &[]);
    run.expect_code(3);
    assert!(
        run.stdout
            .starts_with("merged upstream as KF_SPINLOCK_SAFE (include/linux/btf.h:82)"),
        "{}",
        run.shown
    );
    assert!(files.is_empty());
    let (run, files) = regen(&tree("7.2"), out.path(), &["--bit", "5"]);
    run.expect_code(1);
    assert!(
        run.stderr
            .contains("bit 5 is taken by KF_SLEEPABLE (include/linux/btf.h:69)"),
        "{}",
        run.shown
    );
    assert!(files.is_empty());
    let dir = scratch();
    let t = dir.path().join("linux");
    mini_tree(&tree("7.2"), &t, &["include/linux/btf.h"]);
    std::fs::create_dir_all(t.join("kernel/bpf")).unwrap();
    std::fs::write(t.join("kernel/bpf/verifier.c"), "int main(void) { return 0; }\n").unwrap();
    let (run, files) = regen(&t, out.path(), &[]);
    run.expect_code(1);
    assert!(
        run.stderr.contains(
            "unknown shape of kernel/bpf/verifier.c; not v7.2 (no `static bool kfunc_spin_allowed(u32 btf_id)`)"
        ),
        "{}",
        run.shown
    );
    assert!(files.is_empty());
}

#[test]
fn with_selftests_series_goes_through_git_am_in_order() {
    for version in ["7.2", "6.12"] {
        let t = tree(version);
        let out = scratch();
        let (run, files) = regen(
            &t,
            out.path(),
            &["--with-selftests", "--cover-letter", "--rfc", "-v", "2"],
        );
        run.expect_code(0);
        assert_eq!(files.len(), 4, "{}", run.shown);
        let cover = std::fs::read_to_string(&files[0]).unwrap();
        assert!(cover.contains("Subject: [RFC PATCH v2 0/3]"), "{cover}");
        let layout = if version == "7.2" { "test_kmods" } else { "bpf_testmod" };
        let touched = [
            "include/linux/btf.h".to_string(),
            "kernel/bpf/verifier.c".to_string(),
            format!("tools/testing/selftests/bpf/{layout}/bpf_testmod.c"),
            "tools/testing/selftests/bpf/progs/kfunc_call_test.c".to_string(),
            "tools/testing/selftests/bpf/progs/kfunc_call_fail.c".to_string(),
            "tools/testing/selftests/bpf/prog_tests/kfunc_call.c".to_string(),
        ];
        let touched: Vec<&str> = touched.iter().map(String::as_str).collect();
        let dir = scratch();
        let repo = dir.path().join("linux");
        git_repo_from(&t, &repo, &touched);
        let mut args = vec!["-c", "user.name=T", "-c", "user.email=t@example.org", "am", "-q"];
        let names: Vec<String> = files[1..].iter().map(|f| f.to_str().unwrap().to_string()).collect();
        args.extend(names.iter().map(String::as_str));
        git(&repo, &args);
        let log = git(&repo, &["log", "--format=%s", "-3"]);
        assert_eq!(
            log.lines().collect::<Vec<_>>(),
            vec![
                "selftests/bpf: Test module kfuncs under bpf_spin_lock",
                "selftests/bpf: Mark bpf_testmod_test_mod_kfunc with KF_SPIN_LOCK",
                "bpf: Add KF_SPIN_LOCK flag for kfuncs under bpf_spin_lock",
            ],
            "{version}"
        );
        let testmod = std::fs::read_to_string(repo.join(touched[2])).unwrap();
        assert!(testmod.contains("BTF_ID_FLAGS(func, bpf_testmod_test_mod_kfunc, KF_SPIN_LOCK)\n"));
    }
}

#[test]
fn backports_compile_verifier_o_under_defconfig_with_bpf() {
    for version in ["6.12", "6.1"] {
        let t = tree(version);
        let out = scratch();
        let (run, files) = regen(&t, out.path(), &[]);
        run.expect_code(0);
        let work = keyed_work_copy(&t, &format!("linux-source-{version}-regen"), &mail_diff(&files[0]));
        let run = kfpatch(&["apply", "--tree", work.to_str().unwrap(), files[0].to_str().unwrap()]);
        run.expect_code(0);
        let name = work.file_name().unwrap().to_str().unwrap();
        compile_verifier_o(&work, &format!("verifier-defconfig-{name}"));
    }
}

#[test]
fn with_selftests_on_6_1_is_refused_before_anything_is_written() {
    // 6.1's selftests declare neither bpf_kfunc_call_test4 nor bpf_testmod_test_mod_kfunc in a
    // bpf_testmod_kfunc.h: the 3/3 programs would not compile, so no series at all.
    let out = scratch();
    let (run, files) = regen(&tree("6.1"), out.path(), &["--with-selftests"]);
    run.expect_code(1);
    let err = run.stderr_without_lock_waits();
    assert_eq!(err.trim().lines().count(), 1, "{}", run.shown);
    assert!(
        err.contains("--with-selftests: the 3/3 programs call bpf_testmod_test_mod_kfunc and bpf_kfunc_call_test4")
            && err.contains("bpf_testmod/bpf_testmod_kfunc.h does not declare in this tree (Linux 6.1."),
        "{}",
        run.shown
    );
    assert!(files.is_empty(), "nothing may be written: {files:?}");
    // Without the selftests, 6.1 still gets its backport.
    let (run, files) = regen(&tree("6.1"), out.path(), &[]);
    run.expect_code(0);
    assert_eq!(files.len(), 1, "{}", run.shown);
}

#[test]
fn regen_checks_its_own_series_before_writing_and_decides_merged_by_evidence() {
    // A name the tree already has: the generated btf.h would define it twice.
    let out = scratch();
    let (run, files) = regen(&tree("7.2"), out.path(), &["--flag", "KF_RCU"]);
    run.expect_code(1);
    assert!(
        run.stderr
            .contains("the generated series fails check: defined-twice: KF_RCU is defined 2 times; nothing written"),
        "{}",
        run.shown
    );
    assert!(files.is_empty(), "{files:?}");

    // 7.2 with only upstream's define added is not "merged upstream": its verifier lacks the
    // change. The flag takes bit 17, so KF_SPIN_LOCK goes to 18 and the series proves itself.
    let dir = scratch();
    let t = dir.path().join("linux");
    mini_tree(&tree("7.2"), &t, &["include/linux/btf.h", "kernel/bpf/verifier.c"]);
    let btf = std::fs::read_to_string(t.join("include/linux/btf.h")).unwrap();
    let implicit = btf.lines().find(|l| l.starts_with("#define KF_IMPLICIT_ARGS")).unwrap();
    std::fs::write(
        t.join("include/linux/btf.h"),
        btf.replacen(implicit, &format!("{implicit}\n#define KF_SPINLOCK_SAFE (1 << 17)"), 1),
    )
    .unwrap();
    let (run, files) = regen(&t, out.path(), &[]);
    run.expect_code(0);
    assert!(
        run.stdout.starts_with("era v7.2: KF_SPIN_LOCK at bit 18"),
        "{}",
        run.shown
    );
    assert_eq!(files.len(), 1, "{}", run.shown);
}

#[test]
fn stable_form_for_6_12_says_what_the_backport_changed_and_git_am_takes_it() {
    let dir = scratch();
    let repo = dir.path().join("linux");
    git_repo_from(&tree("6.12"), &repo, &["include/linux/btf.h", "kernel/bpf/verifier.c"]);
    let out = dir.path().join("out");
    let upstream = "0123456789abcdef0123456789abcdef01234567";
    let args = |stable: &str| {
        vec![
            "regen".to_string(),
            "--tree".into(),
            repo.display().to_string(),
            "-o".into(),
            out.display().to_string(),
            "--stable".into(),
            stable.into(),
            "--upstream".into(),
            upstream.into(),
        ]
    };
    let wrong: Vec<String> = args("6.1");
    let run = kfpatch(&wrong.iter().map(String::as_str).collect::<Vec<_>>());
    run.expect_code(2);
    assert!(
        run.stderr.contains("--stable 6.1: this tree is Linux 6.12."),
        "{}",
        run.shown
    );
    assert!(!out.exists(), "nothing written on bad input");

    let right: Vec<String> = args("6.12");
    kfpatch(&right.iter().map(String::as_str).collect::<Vec<_>>()).expect_code(0);
    let patch = std::fs::read_dir(&out).unwrap().next().unwrap().unwrap().path();
    let text = std::fs::read_to_string(&patch).unwrap();
    assert!(
        text.contains("Subject: [PATCH 6.12.y] bpf: Add KF_SPIN_LOCK flag"),
        "{text}"
    );
    let body = text.split_once("\n\n").unwrap().1;
    assert!(body.starts_with(&format!("commit {upstream} upstream.\n\n")), "{body}");
    let note_at = body
        .find("[ Backport to 6.12.y: this tree has no kfunc_spin_allowed()")
        .expect("the note");
    let sob_at = body.find("Signed-off-by: ").unwrap();
    assert!(note_at < sob_at, "the note comes before the backporter's sign-off");
    assert!(
        body.contains("KF_SPIN_LOCK takes bit 12, the next free kfunc flag bit here;\n  upstream uses bit 17. ]"),
        "{body}"
    );
    // The index lines name 6.12's own blobs, and git am takes the mail on a 6.12 repository.
    let btf_blob = git(&repo, &["rev-parse", "HEAD:include/linux/btf.h"]);
    assert!(text.contains(&format!("index {}..", &btf_blob[..12])), "{text}");
    git(
        &repo,
        &[
            "-c",
            "user.name=T",
            "-c",
            "user.email=t@example.org",
            "am",
            "-q",
            patch.to_str().unwrap(),
        ],
    );
    let message = git(&repo, &["log", "-1", "--format=%B"]);
    assert!(
        message.starts_with(&format!(
            "bpf: Add KF_SPIN_LOCK flag for kfuncs under bpf_spin_lock\n\ncommit {upstream} upstream."
        )),
        "{message}"
    );
}

#[test]
fn base_on_a_tree_without_git_says_why_no_base_commit_is_written() {
    let dir = scratch();
    let t = dir.path().join("linux");
    mini_tree(&tree("7.2"), &t, &["include/linux/btf.h", "kernel/bpf/verifier.c"]);
    let out = dir.path().join("out");
    let run = kfpatch(&[
        "regen",
        "--tree",
        t.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--base",
    ]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("no base-commit: not a git work tree"),
        "{}",
        run.shown
    );
    let patch = std::fs::read_dir(&out).unwrap().next().unwrap().unwrap().path();
    assert!(!std::fs::read_to_string(patch).unwrap().contains("base-commit:"));
}

#[test]
fn compare_to_puts_git_range_diff_and_the_changes_in_the_cover_letter() {
    let dir = scratch();
    let repo = dir.path().join("linux");
    git_repo_from(&tree("7.2"), &repo, &["include/linux/btf.h", "kernel/bpf/verifier.c"]);
    let (v1, v2) = (dir.path().join("v1"), dir.path().join("v2"));
    kfpatch(&["regen", "--tree", repo.to_str().unwrap(), "-o", v1.to_str().unwrap()]).expect_code(0);
    let run = kfpatch(&[
        "regen",
        "--tree",
        repo.to_str().unwrap(),
        "-o",
        v2.to_str().unwrap(),
        "-v",
        "2",
        "--cover-letter",
        "--flag",
        "KF_SPINLOCK_SAFE",
        "--compare-to",
        v1.to_str().unwrap(),
    ]);
    run.expect_code(0);
    let cover = std::fs::read_to_string(v2.join("0000-cover-letter.patch")).unwrap();
    assert!(
        cover.contains("Changes in v2:\n- bpf: Add KF_SPINLOCK_SAFE flag for kfuncs under bpf_spin_lock: changed\n"),
        "{cover}"
    );
    let ours = cover
        .split_once("Range-diff against v1:\n")
        .expect("a range-diff block")
        .1;
    let ours = ours.split_once("\n-- \n").unwrap().0;

    // The same comparison by hand: each version through git am on its own branch, then git
    // range-diff. Only the commit ids (dates) differ.
    let mail = |d: &std::path::Path| {
        std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.file_name().unwrap().to_str().unwrap().starts_with("0001-"))
            .unwrap()
    };
    let base = git(&repo, &["rev-parse", "HEAD"]).trim().to_string();
    let id = ["-c", "user.name=T", "-c", "user.email=t@example.org"];
    for (branch, d) in [("one", &v1), ("two", &v2)] {
        git(&repo, &["checkout", "-q", "-b", branch, &base]);
        let m = mail(d);
        git(&repo, &[&id[..], &["am", "-q", m.to_str().unwrap()]].concat());
    }
    let theirs = git(
        &repo,
        &[
            "range-diff",
            "--no-color",
            &format!("{base}..one"),
            &format!("{base}..two"),
        ],
    );
    let hex = regex::Regex::new(r"\b[0-9a-f]{7,40}\b").unwrap();
    let norm = |t: &str| hex.replace_all(t.trim_end(), "ID").to_string();
    assert_eq!(norm(ours), norm(&theirs), "kfpatch's range-diff is git range-diff's");
    assert!(ours.contains("-+#define KF_SPIN_LOCK    (1 << 17)"), "{ours}");
    assert!(ours.contains("++#define KF_SPINLOCK_SAFE (1 << 17)"), "{ours}");
}
