//! `regen --compare-to OLD`: what changed since the version that was mailed. Both series are
//! committed onto one base in a scratch git repository made of the tree's files they touch (the
//! old one healed where it is damaged, by the apply operation), and `git range-diff` compares
//! the two ranges. Its summary becomes the cover letter's "Changes in vN" block.

use super::RegenError;
use crate::kernel::KernelTree;
use crate::mail::Series;
use crate::ops::{apply, Context};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The previous version's mails.
    pub against: PathBuf,
    /// `git range-diff` of the old range against the new one.
    pub range_diff: String,
    /// One line per patch: `bpf: Add …: changed` (unchanged, changed, new, dropped).
    pub changes: Vec<String>,
}

fn failed(tree: &KernelTree, why: String) -> RegenError {
    RegenError::BadOption {
        tree: tree.root.clone(),
        why: format!("--compare-to: {why}"),
    }
}

fn git(repo: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args([
            "-c",
            "user.name=kfpatch",
            "-c",
            "user.email=kfpatch@localhost",
            "-c",
            "color.ui=never",
        ])
        .args(args)
        .output()
        .map_err(|e| format!("git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Compare `old` (read from `against`) with the `new` series about to be written for `tree`.
pub fn compare(
    ctx: &Context,
    tree: &KernelTree,
    against: &Path,
    old: &Series,
    new: &Series,
) -> Result<Comparison, RegenError> {
    let fail = |why: String| failed(tree, why);
    let scratch_root = ctx.cache_root.join("tmp");
    std::fs::create_dir_all(&scratch_root).map_err(|e| fail(format!("{}: {e}", scratch_root.display())))?;
    let scratch = tempfile::tempdir_in(&scratch_root).map_err(|e| fail(e.to_string()))?;
    let repo = scratch.path();
    let mut paths: Vec<String> = [old, new]
        .iter()
        .flat_map(|s| {
            s.patches
                .iter()
                .flat_map(|p| p.files.iter().map(|f| f.path().to_string()))
        })
        .chain(["Makefile".to_string()])
        .collect();
    paths.sort();
    paths.dedup();
    for dir in ["include/linux", "kernel", "scripts"] {
        std::fs::create_dir_all(repo.join(dir)).map_err(|e| fail(e.to_string()))?;
    }
    for rel in &paths {
        let from = tree.root.join(rel);
        if from.is_file() {
            let to = repo.join(rel);
            std::fs::create_dir_all(to.parent().expect("a relative path has a parent"))
                .map_err(|e| fail(e.to_string()))?;
            std::fs::copy(&from, &to).map_err(|e| fail(format!("{}: {e}", from.display())))?;
        }
    }
    git(repo, &["init", "-q"]).map_err(&fail)?;
    git(repo, &["add", "-A"]).map_err(&fail)?;
    git(repo, &["commit", "-qm", "base"]).map_err(&fail)?;
    let base = git(repo, &["rev-parse", "HEAD"]).map_err(&fail)?.trim().to_string();
    let scratch_tree = KernelTree::open(repo).map_err(|e| fail(e.to_string()))?;
    for (branch, series) in [("old", old), ("new", new)] {
        git(repo, &["checkout", "-q", "-b", branch, &base]).map_err(&fail)?;
        let opts = apply::Options {
            commit: true,
            ..apply::Options::new(scratch_tree.clone(), series.clone())
        };
        let applied = apply::run(ctx, &opts).map_err(|e| {
            fail(format!(
                "{branch} series: {}",
                e.to_string().lines().next().unwrap_or("")
            ))
        })?;
        if applied.verdict != apply::Verdict::Applied {
            return Err(fail(format!(
                "{branch} series: {} on this tree's files",
                applied.verdict.describe()
            )));
        }
    }
    let range_diff = git(
        repo,
        &[
            "range-diff",
            "--no-color",
            &format!("{base}..old"),
            &format!("{base}..new"),
        ],
    )
    .map_err(&fail)?;
    // Name each patch by its new subject (range-diff names a changed pair by the old one).
    let changes = summarize(&range_diff)
        .into_iter()
        .map(|(new_index, subject, what)| {
            let subject = new_index
                .and_then(|i| new.patches.get(i - 1))
                .map(|p| p.subject.clone())
                .unwrap_or(subject);
            format!("{subject}: {what}")
        })
        .collect();
    Ok(Comparison {
        against: against.to_path_buf(),
        range_diff,
        changes,
    })
}

/// The pairing lines of a range-diff (`1:  abc ! 1:  def subject`): the new side's patch
/// number (none for a dropped patch), the subject shown, and what happened to it.
pub fn summarize(range_diff: &str) -> Vec<(Option<usize>, String, &'static str)> {
    let pairing =
        regex::Regex::new(r"^\s*(?:\d+|-+):\s+(?:[0-9a-f]+|-+)\s+([=!<>])\s+(\d+|-+):\s+(?:[0-9a-f]+|-+)\s+(.*)$")
            .expect("a fixed pattern");
    range_diff
        .lines()
        .filter_map(|l| {
            let c = pairing.captures(l)?;
            let what = match &c[1] {
                "=" => "unchanged",
                "!" => "changed",
                "<" => "dropped",
                _ => "new",
            };
            Some((c[2].parse().ok(), c[3].trim().to_string(), what))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn pairings_become_change_lines() {
        let rd = "1:  1111111 ! 1:  2222222 bpf: Add KF_SPIN_LOCK flag\n    @@ x\n2:  3333333 = 2:  4444444 selftests/bpf: y\n3:  5555555 < -:  ------- dropped one\n-:  ------- > 3:  6666666 new one\n";
        let s = |i: Option<usize>, subject: &str, what: &'static str| (i, subject.to_string(), what);
        assert_eq!(
            super::summarize(rd),
            vec![
                s(Some(1), "bpf: Add KF_SPIN_LOCK flag", "changed"),
                s(Some(2), "selftests/bpf: y", "unchanged"),
                s(None, "dropped one", "dropped"),
                s(Some(3), "new one", "new"),
            ]
        );
    }
}
