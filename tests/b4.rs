//! kfpatch as b4's per-patch check command (`check --mail`), run by the real b4 from PyPI:
//! `b4 am --check` on a maintainer's tree and `b4 prep --check` on a series branch, each with a
//! colliding flag (reported as an error) and a clean series (passing); and `git am` takes the
//! mbox `b4 am` makes of kfpatch's mail.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

const TOUCHED: [&str; 4] = [
    "include/linux/btf.h",
    "kernel/bpf/verifier.c",
    "tools/bpf/resolve_btfids/main.c",
    "scripts/checkpatch.pl",
];
const COLLISION: &str = "include/linux/btf.h:81: ERROR: bit 16 is claimed by KF_IMPLICIT_ARGS and KF_SPIN_LOCK";

/// A git repository of the real 7.2 files the series touches, and two mails for it as a list
/// delivers them: kfpatch's regenerated patch (clean), and the same with the flag moved onto
/// bit 16, which KF_IMPLICIT_ARGS holds.
fn setup(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let repo = dir.join("linux");
    git_repo_from(&tree("7.2"), &repo, &TOUCHED);
    git(&repo, &["config", "user.name", "T"]);
    git(&repo, &["config", "user.email", "t@example.org"]);
    let out = dir.join("out");
    kfpatch(&["regen", "--tree", repo.to_str().unwrap(), "-o", out.to_str().unwrap()]).expect_code(0);
    let patch = std::fs::read_dir(&out).unwrap().next().unwrap().unwrap().path();
    let text = std::fs::read_to_string(patch).unwrap();
    let with_id = |id: &str, text: &str| {
        let (from_line, rest) = text.split_once('\n').unwrap();
        format!("{from_line}\nMessage-ID: <{id}@kfpatch.test>\n{rest}")
    };
    let clean = dir.join("clean.mbox");
    std::fs::write(&clean, with_id("clean", &text)).unwrap();
    let bad = text.replace("KF_SPIN_LOCK    (1 << 17)", "KF_SPIN_LOCK    (1 << 16)");
    assert_ne!(bad, text, "the regenerated patch adds KF_SPIN_LOCK at bit 17");
    let collide = dir.join("collide.mbox");
    std::fs::write(&collide, with_id("collide", &bad)).unwrap();
    (repo, clean, collide)
}

/// b4 offline, with its own cache (it caches check results per message), in `repo`.
fn b4(dir: &Path, repo: &Path, args: &[&str]) -> String {
    let out = Command::new(python_tool("b4"))
        .arg("--offline-mode")
        .args(args)
        .current_dir(repo)
        .env("XDG_CACHE_HOME", dir.join("b4-cache"))
        .env("XDG_DATA_HOME", dir.join("b4-data"))
        .env("NO_COLOR", "1")
        .output()
        .expect("b4 runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "b4 {args:?} failed:\n{text}");
    text
}

fn plug_in(repo: &Path, key: &str) {
    let cmd = format!("{} check --mail", env!("CARGO_BIN_EXE_kfpatch"));
    git(repo, &["config", &format!("b4.{key}"), &cmd]);
}

#[test]
fn b4_am_check_reports_a_colliding_flag_and_passes_a_clean_series() {
    let dir = scratch();
    let (repo, clean, collide) = setup(dir.path());
    plug_in(&repo, "am-perpatch-check-cmd");

    let am = |mbox: &Path, out: &str| {
        let out = dir.path().join(out);
        let shown = b4(
            dir.path(),
            &repo,
            &[
                "am",
                "-m",
                mbox.to_str().unwrap(),
                "--check",
                "-o",
                out.to_str().unwrap(),
            ],
        );
        let mbx = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "mbx"));
        (shown, mbx.expect("b4 am writes an am-ready mbox"))
    };
    let (shown, _) = am(&collide, "am-collide");
    assert!(
        shown.contains(&format!("kfpatch: {COLLISION}")),
        "b4 shows kfpatch's error:\n{shown}"
    );

    let (shown, mbx) = am(&clean, "am-clean");
    assert!(
        shown.contains("kfpatch: passed all checks"),
        "a clean series passes:\n{shown}"
    );
    assert!(!shown.contains("ERROR"), "{shown}");
    // b4's am-ready mbox of kfpatch's mail applies with git am.
    git(&repo, &["am", "-q", mbx.to_str().unwrap()]);
    let btf = std::fs::read_to_string(repo.join("include/linux/btf.h")).unwrap();
    assert!(
        btf.contains("#define KF_SPIN_LOCK    (1 << 17)"),
        "git am applied the series"
    );
}

#[test]
fn b4_prep_check_runs_kfpatch_on_each_commit_of_the_series_branch() {
    let dir = scratch();
    let (repo, clean, collide) = setup(dir.path());
    plug_in(&repo, "prep-perpatch-check-cmd");
    let base = git(&repo, &["rev-parse", "--abbrev-ref", "HEAD"]).trim().to_string();
    for (mbox, branch) in [(&collide, "collide"), (&clean, "clean")] {
        git(&repo, &["checkout", "-q", &base]);
        b4(dir.path(), &repo, &["prep", "-n", branch, "-f", &base]);
        git(&repo, &["am", "-q", mbox.to_str().unwrap()]);
        let shown = b4(dir.path(), &repo, &["prep", "--check"]);
        if branch == "collide" {
            assert!(shown.contains(&format!("kfpatch: {COLLISION}")), "{shown}");
            assert!(shown.contains("Success: 0, Warning: 0, Error: 1"), "{shown}");
        } else {
            assert!(shown.contains("Success: 1, Warning: 0, Error: 0"), "{shown}");
        }
    }
}

#[test]
fn check_mail_is_quiet_on_a_clean_mail_and_names_file_and_line_of_an_error() {
    let dir = scratch();
    let (repo, clean, collide) = setup(dir.path());
    let run = |mbox: &Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_kfpatch"))
            .args(["check", "--mail", "--tree", repo.to_str().unwrap()])
            .stdin(std::fs::File::open(mbox).unwrap())
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(run(&clean), (Some(0), String::new(), String::new()));
    assert_eq!(run(&collide), (Some(1), format!("{COLLISION}\n"), String::new()));
    // Committed on a branch (as b4 prep sees it), the same verdicts.
    git(&repo, &["am", "-q", collide.to_str().unwrap()]);
    assert_eq!(run(&collide), (Some(1), format!("{COLLISION}\n"), String::new()));
}

#[test]
fn regen_base_commit_is_the_base_b4_am_names_when_the_tree_has_moved_on() {
    let dir = scratch();
    let repo = dir.path().join("linux");
    git_repo_from(&tree("7.2"), &repo, &TOUCHED);
    let base = git(&repo, &["rev-parse", "HEAD"]).trim().to_string();
    let out = dir.path().join("out");
    let run = kfpatch(&[
        "regen",
        "--tree",
        repo.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--base",
        "--subject-prefix",
        "PATCH bpf-next",
        "-v",
        "3",
        "--rfc",
    ]);
    run.expect_code(0);
    assert!(run.stdout.contains(&format!("base-commit: {base}\n")), "{}", run.shown);
    let patch = std::fs::read_dir(&out).unwrap().next().unwrap().unwrap().path();
    let text = std::fs::read_to_string(&patch).unwrap();
    assert!(
        text.contains("Subject: [RFC PATCH bpf-next v3] bpf: Add KF_SPIN_LOCK flag"),
        "{text}"
    );
    assert!(text.contains(&format!("\n\nbase-commit: {base}\n-- \n")), "{text}");
    let mbox = dir.path().join("series.mbox");
    let (from_line, rest) = text.split_once('\n').unwrap();
    std::fs::write(&mbox, format!("{from_line}\nMessage-ID: <base@kfpatch.test>\n{rest}")).unwrap();

    // The tree moves on under the series' context: b4 no longer applies it to HEAD and tells
    // the maintainer to branch from the base-commit kfpatch wrote.
    let btf = repo.join("include/linux/btf.h");
    let moved = std::fs::read_to_string(&btf).unwrap().replace(
        "/* kfunc has implicit arguments supplied by the verifier */",
        "/* kfunc has implicit args */",
    );
    std::fs::write(&btf, moved).unwrap();
    git(
        &repo,
        &[
            "-c",
            "user.name=T",
            "-c",
            "user.email=t@example.org",
            "commit",
            "-qam",
            "later",
        ],
    );
    let am = dir.path().join("am");
    let shown = b4(
        dir.path(),
        &repo,
        &["am", "-m", mbox.to_str().unwrap(), "-o", am.to_str().unwrap()],
    );
    assert!(!shown.contains("applies clean to current tree"), "{shown}");
    assert!(
        shown.contains("git checkout -b") && shown.contains(&base),
        "b4 names kfpatch's base-commit:\n{shown}"
    );
}
