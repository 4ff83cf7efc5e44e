//! `kfpatch base` (which tree a mail was made for, from its `index` lines) and the preimage
//! report of `kfpatch apply`, on the real Debian trees and a small git repository.
mod common;
use common::*;
use std::path::{Path, PathBuf};

/// `kfpatch regen` on `tree` into `out`; the path of its `0001-*.patch`.
fn regenerated(tree: &Path, out: &Path) -> PathBuf {
    kfpatch(&["regen", "--tree", tree.to_str().unwrap(), "-o", out.to_str().unwrap()]).expect_code(0);
    let mut found: Vec<PathBuf> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_str().unwrap();
            name.starts_with("0001-") && name.ends_with(".patch")
        })
        .collect();
    assert_eq!(found.len(), 1, "one 0001-*.patch in {}", out.display());
    found.pop().unwrap()
}

fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e})\n{}", run.shown))
}

#[test]
fn base_names_7_2_for_a_series_made_from_its_files() {
    let t72 = tree("7.2");
    tree("6.12");
    let dir = scratch();
    let mail = regenerated(&t72, dir.path());
    let m = mail.to_str().unwrap();
    let run = kfpatch(&["base", "--debian", "6.12,7.2", m]);
    run.expect_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[0].contains(": 2 preimage blob(s): "), "{}", run.shown);
    assert!(
        lines[1].starts_with("debian 7.2 (7.2.") && lines[1].ends_with(": all 2 preimage blob(s)"),
        "{}",
        run.shown
    );
    assert!(
        lines[2].starts_with("debian 6.12 (6.12.") && !lines[2].contains("all 2"),
        "{}",
        run.shown
    );
    assert_eq!(
        lines.last(),
        Some(&"every preimage blob is in: debian 7.2"),
        "{}",
        run.shown
    );

    let run = kfpatch(&["base", "--json", "--debian", "6.12,7.2", m]);
    run.expect_code(0);
    let doc = json(&run);
    assert_eq!(doc["schema"], "kfpatch-base/1");
    assert_eq!(doc["found"], true);
    let trees = doc["trees"].as_array().unwrap();
    assert_eq!(trees[0]["target"], "debian 7.2");
    assert_eq!(
        (trees[0]["held"].as_u64(), trees[0]["total"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(trees[1]["target"], "debian 6.12");
    assert!(trees[1]["held"].as_u64() < Some(2), "{}", run.shown);
    assert!(trees[0]["history"].is_null(), "a Debian tree has no git history");
    let btf = std::fs::read(t72.join("include/linux/btf.h")).unwrap();
    let id = git2::Oid::hash_object(git2::ObjectType::Blob, &btf)
        .unwrap()
        .to_string();
    let blob = doc["blobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["file"] == "include/linux/btf.h")
        .unwrap();
    assert!(id.starts_with(blob["preimage"].as_str().unwrap()), "{}", run.shown);
}

fn commit(repo: &Path, subject: &str) -> String {
    git(
        repo,
        &[
            "-c",
            "user.name=T",
            "-c",
            "user.email=t@example.org",
            "commit",
            "-qam",
            subject,
        ],
    );
    git(repo, &["rev-parse", "HEAD"]).trim().to_string()
}

#[test]
fn base_names_the_commit_of_a_git_tree_that_holds_the_preimage() {
    let dir = scratch();
    let repo = dir.path().join("linux");
    git_repo_from(&tree("7.2"), &repo, &["include/linux/btf.h"]);
    let btf = repo.join("include/linux/btf.h");
    let mut shas = Vec::new();
    for step in ["two", "three", "four"] {
        let text = std::fs::read_to_string(&btf).unwrap();
        std::fs::write(&btf, format!("{text}/* {step} */\n")).unwrap();
        shas.push(commit(&repo, step));
    }
    // Commit three's patch was made against commit two's btf.h.
    let mail = dir.path().join("three.patch");
    std::fs::write(&mail, git(&repo, &["format-patch", "-1", "--stdout", &shas[1]])).unwrap();
    let (r, m) = (repo.to_str().unwrap(), mail.to_str().unwrap());
    let run = kfpatch(&["base", "--tree", r, m]);
    run.expect_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[1].ends_with(": 0 of 1 preimage blob(s)"),
        "HEAD is commit four\n{}",
        run.shown
    );
    assert_eq!(
        lines[2],
        format!("  commit {} (two): 1 of 1", &shas[0][..12]),
        "{}",
        run.shown
    );
    assert!(
        run.stdout
            .contains("  1 of the last 4 commit(s) hold every preimage blob"),
        "{}",
        run.shown
    );
    assert_eq!(
        lines.last().copied(),
        Some(format!("every preimage blob is in: {} commit {}", r, &shas[0][..12]).as_str()),
        "{}",
        run.shown
    );
    let doc = json(&kfpatch(&["base", "--json", "--tree", r, m]));
    assert_eq!(doc["trees"][0]["history"]["commits"][0]["commit"], shas[0].as_str());
    // A walk that stops before commit two finds nothing.
    let run = kfpatch(&["base", "--max-commits", "2", "--tree", r, m]);
    run.expect_code(1);
    assert!(run.stdout.ends_with("no tree holds these blobs\n"), "{}", run.shown);
}

#[test]
fn no_debian_tree_holds_the_bundled_rfc_blobs() {
    let (t72, t73) = (tree("7.2"), tree("7.3"));
    let run = kfpatch(&["base", "--debian", "7.2,7.3", seed().to_str().unwrap()]);
    run.expect_code(1);
    assert!(
        run.stdout.contains("c82d0d689059") && run.stdout.contains("4d78d834c609"),
        "{}",
        run.shown
    );
    assert!(run.stdout.contains("debian 7.2 (7.2."), "{}", run.shown);
    assert!(run.stdout.contains("debian 7.3 (7.3."), "{}", run.shown);
    assert!(run.stdout.ends_with("no tree holds these blobs\n"), "{}", run.shown);
    // Same through --tree; and --json says so too.
    let run = kfpatch(&[
        "base",
        "--json",
        "--tree",
        t72.to_str().unwrap(),
        "--tree",
        t73.to_str().unwrap(),
        seed().to_str().unwrap(),
    ]);
    run.expect_code(1);
    let doc = json(&run);
    assert_eq!(doc["found"], false);
    assert_eq!(doc["trees"].as_array().unwrap().len(), 2);
}

#[test]
fn a_series_without_index_lines_is_bad_input() {
    let dir = scratch();
    let bare = dir.path().join("bare.diff");
    std::fs::write(
        &bare,
        "--- a/include/linux/btf.h\n+++ b/include/linux/btf.h\n@@ -1,2 +1,3 @@\n a\n+b\n c\n",
    )
    .unwrap();
    let run = kfpatch(&["base", "--tree", tree("7.2").to_str().unwrap(), bare.to_str().unwrap()]);
    run.expect_code(2);
    let err = run.stderr_without_lock_waits();
    assert_eq!(err.trim_end().lines().count(), 1, "{}", run.shown);
    assert!(
        err.contains("bare.diff: no `index` line names a preimage blob"),
        "{}",
        run.shown
    );
}

#[test]
fn apply_check_reports_whether_the_mail_was_made_against_the_tree() {
    let t72 = tree("7.2");
    let dir = scratch();
    let mail = regenerated(&t72, dir.path());
    let t = t72.to_str().unwrap();
    let run = kfpatch(&["apply", "--check", "--json", "--tree", t, mail.to_str().unwrap()]);
    run.expect_code(0);
    let doc = json(&run);
    assert_eq!(doc["base"], "made against this tree", "{}", run.shown);
    let files = doc["patches"][0]["files"].as_array().unwrap();
    assert_eq!(files.len(), 2, "{}", run.shown);
    assert!(files.iter().all(|f| f["preimage"] == "match"), "{}", run.shown);
    let human = kfpatch(&["apply", "--check", "--tree", t, mail.to_str().unwrap()]);
    assert!(
        human
            .stdout
            .contains("\nbase: made against this tree (2 of 2 preimage blob(s) match)\nwould apply: "),
        "{}",
        human.shown
    );

    let run = kfpatch(&["apply", "--check", "--json", "--tree", t, seed().to_str().unwrap()]);
    run.expect_code(0);
    let doc = json(&run);
    assert_eq!(doc["base"], "not this tree's blobs: healed or offset", "{}", run.shown);
    let files = doc["patches"][0]["files"].as_array().unwrap();
    assert!(files.iter().all(|f| f["preimage"] == "differs"), "{}", run.shown);
}
