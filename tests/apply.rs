//! `kfpatch apply` on real Debian trees.
mod common;
use common::*;

const TOUCHED: [&str; 2] = ["include/linux/btf.h", "kernel/bpf/verifier.c"];

#[test]
fn seed_heals_onto_debian_7_2_then_is_already_applied() {
    let pristine = tree("7.2");
    let dir = scratch();
    let work = dir.path().join("linux");
    linked_copy(&pristine, &work);
    let run = kfpatch(&["apply", "--tree", work.to_str().unwrap()]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("include/linux/btf.h:79 hunk #1 healed"),
        "{}",
        run.shown
    );
    assert!(run.stdout.contains("1 lost blank line(s) restored"), "{}", run.shown);
    // Exactly the seed's 16 added and 5 removed lines, compared modulo whitespace.
    let (mut added, mut removed) = (vec![], vec![]);
    for f in TOUCHED {
        let old = std::fs::read_to_string(pristine.join(f)).unwrap();
        let new = std::fs::read_to_string(work.join(f)).unwrap();
        let (a, r) = diff_lines(&old, &new);
        added.extend(a);
        removed.extend(r);
    }
    let (seed_added, seed_removed) = seed_changes();
    assert_eq!((added.len(), removed.len()), (16, 5));
    assert_eq!(added, seed_added);
    assert_eq!(removed, seed_removed);
    // Kernel style restored: the define lines up with its neighbours, the body is tab-indented.
    let btf = std::fs::read_to_string(work.join("include/linux/btf.h")).unwrap();
    let define = btf.lines().find(|l| l.contains("KF_SPIN_LOCK")).unwrap();
    let neighbour = btf.lines().find(|l| l.contains("KF_ARENA_ARG2")).unwrap();
    assert_eq!(define.find('('), neighbour.find('('), "{define:?} vs {neighbour:?}");
    let verifier = std::fs::read_to_string(work.join("kernel/bpf/verifier.c")).unwrap();
    for expected in [
        "static bool kfunc_spin_allowed(struct bpf_verifier_env *env, s32 func_id, s16 offset)\n{\n\tstruct bpf_kfunc_meta kfunc;\n\tint err;\n\n\tif (is_bpf_graph_api_kfunc(func_id)",
        "\n\t    is_bpf_stream_kfunc(func_id))\n\t\treturn true;\n\n\terr = fetch_kfunc_meta(env, func_id, offset, &kfunc);\n\tif (err || !kfunc.flags)\n\t\treturn false;\n\n\treturn *kfunc.flags & KF_SPIN_LOCK;\n}\n",
        "\t\t\t\t    (insn->src_reg == BPF_PSEUDO_KFUNC_CALL &&\n\t\t\t\t     !kfunc_spin_allowed(env, insn->imm, insn->off))) {\n",
    ] {
        assert!(verifier.contains(expected), "missing:\n{expected}");
    }
    // The pristine cache was not touched through the hard links.
    assert_ne!(std::fs::read(pristine.join(TOUCHED[0])).unwrap(), btf.as_bytes());
    // A second run finds it applied and writes nothing.
    let before = fingerprint(&work.join("include/linux"));
    let again = kfpatch(&["apply", "--tree", work.to_str().unwrap()]);
    again.expect_code(0);
    assert!(again.stdout.starts_with("already applied"), "{}", again.shown);
    assert_eq!(before, fingerprint(&work.join("include/linux")));
}

#[test]
fn emitted_healed_mail_applies_with_git_and_reverses() {
    let pristine = tree("7.2");
    let dir = scratch();
    let mail = dir.path().join("healed.patch");
    let run = kfpatch(&[
        "apply",
        "--check",
        "--tree",
        pristine.to_str().unwrap(),
        "--emit-healed",
        mail.to_str().unwrap(),
    ]);
    run.expect_code(0);
    let text = std::fs::read_to_string(&mail).unwrap();
    assert!(
        text.starts_with("From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\nFrom: Kaitao Cheng")
    );
    assert!(text.contains("Subject: [RFC PATCH v2 1/3] bpf: Add KF_SPIN_LOCK flag for kfuncs under\n bpf_spin_lock\n"));
    assert!(text.contains(" 2 files changed, 16 insertions(+), 5 deletions(-)\n"));
    assert!(
        text.contains("@@ -11821,11 +11821,21 @@ static bool is_bpf_stream_kfunc(u32 btf_id)\n"),
        "{text}"
    );
    // Real blob ids of the pristine files.
    let btf_id = git2::Oid::hash_object(
        git2::ObjectType::Blob,
        &std::fs::read(pristine.join(TOUCHED[0])).unwrap(),
    )
    .unwrap();
    assert!(text.contains(&format!("index {}..", &btf_id.to_string()[..12])));
    let ok = std::process::Command::new("git")
        .current_dir(&pristine)
        .args(["apply", "--check"])
        .arg(&mail)
        .status()
        .unwrap();
    assert!(ok.success(), "git apply --check refused the healed mail");
    let work = dir.path().join("linux");
    linked_copy(&pristine, &work);
    let ok = std::process::Command::new("git")
        .current_dir(&work)
        .arg("apply")
        .arg(&mail)
        .status()
        .unwrap();
    assert!(ok.success());
    let back = std::process::Command::new("git")
        .current_dir(&work)
        .args(["apply", "--check", "-R"])
        .arg(&mail)
        .status()
        .unwrap();
    assert!(back.success(), "the healed mail does not reverse-apply");
}

#[test]
fn debian_7_3_has_the_change_upstream() {
    let pristine = tree("7.3");
    let before = fingerprint(&pristine.join("include/linux"));
    let run = kfpatch(&["apply", "--tree", pristine.to_str().unwrap()]);
    run.expect_code(3);
    assert!(
        run.stdout
            .starts_with("equivalent change present upstream: KF_SPINLOCK_SAFE (bit 17)"),
        "{}",
        run.shown
    );
    assert!(
        run.stdout
            .contains("include/linux/btf.h:82: #define KF_SPINLOCK_SAFE (1 << 17)"),
        "{}",
        run.shown
    );
    assert!(run.stdout.contains("kernel/bpf/verifier.c:"), "{}", run.shown);
    assert_eq!(before, fingerprint(&pristine.join("include/linux")));
}

#[test]
fn older_trees_are_refused_naming_the_first_hunk() {
    for version in ["6.12", "6.1"] {
        let pristine = tree(version);
        let run = kfpatch(&["apply", "--tree", pristine.to_str().unwrap()]);
        run.expect_code(1);
        let line = run.stderr.trim();
        assert_eq!(line.lines().count(), 1, "{}", run.shown);
        assert!(
            line.contains("include/linux/btf.h: hunk #1 `@@ -79,6 +79,7 @@` does not apply"),
            "{}",
            run.shown
        );
        assert!(
            line.contains("KF_ARENA_ARG1") && line.contains("nowhere in the file"),
            "{}",
            run.shown
        );
    }
}

#[test]
fn commit_records_the_mail_author_date_and_message() {
    let src = tree("7.2");
    let dir = scratch();
    let repo = dir.path().join("linux");
    git_repo_from(&src, &repo, &TOUCHED);
    // A dirty touched file is refused without --force.
    let btf = repo.join(TOUCHED[0]);
    let orig = std::fs::read_to_string(&btf).unwrap();
    std::fs::write(&btf, format!("{orig}/* local edit */\n")).unwrap();
    let run = kfpatch(&["apply", "--commit", "--tree", repo.to_str().unwrap()]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("uncommitted changes in include/linux/btf.h"),
        "{}",
        run.shown
    );
    std::fs::write(&btf, orig).unwrap();
    let run = kfpatch(&["apply", "--commit", "--tree", repo.to_str().unwrap()]);
    run.expect_code(0);
    let log = git(&repo, &["log", "-1", "--format=%an <%ae>|%ad|%s|%b", "--date=iso"]);
    assert!(log.starts_with("Kaitao Cheng <chengkaitao@xxxxxxxxxx>|2026-05-02 23:57:23 -0500|bpf: Add KF_SPIN_LOCK flag for kfuncs under bpf_spin_lock|Introduce"), "{log}");
    assert!(log.contains("Signed-off-by: Kaitao Cheng"));
    assert_eq!(
        git(&repo, &["status", "--porcelain"]),
        "",
        "work tree and index match the commit"
    );
    assert_eq!(
        git(&repo, &["show", "--stat", "--format=", "HEAD"])
            .lines()
            .last()
            .unwrap()
            .trim(),
        "2 files changed, 16 insertions(+), 5 deletions(-)"
    );
}
