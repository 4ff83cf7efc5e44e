//! The corpus: every file under `kernel/bpf/` and `include/linux/` that two trees both have and
//! that differs, with git's real diff of it, wrapped in a `git format-patch`-like mail.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The directories the corpus is taken from, in this order (`--limit` takes the first files).
pub const ROOTS: [&str; 2] = ["kernel/bpf", "include/linux"];

/// One modified file: both contents and git's diff between them.
pub struct Entry {
    pub path: String,
    pub old: String,
    pub new: String,
    pub diff: String,
    /// `+` and `-` lines of the diff.
    pub size: usize,
}

#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Skipped {
    /// Only in the new tree.
    pub new_files: usize,
    /// Only in the old tree.
    pub deleted_files: usize,
    /// Binary, or not UTF-8, in either tree.
    pub binary: usize,
    /// In both trees, byte-identical.
    pub unchanged: usize,
}

/// Regular files under `root/dir`, as paths relative to `root`.
fn walk(root: &Path, dir: &str, out: &mut BTreeSet<String>) -> std::io::Result<()> {
    let mut stack = vec![PathBuf::from(dir)];
    while let Some(rel) = stack.pop() {
        let entries = match std::fs::read_dir(root.join(&rel)) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let kind = entry.file_type()?;
            let path = rel.join(entry.file_name());
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                if let Some(p) = path.to_str() {
                    out.insert(p.to_string());
                }
            }
        }
    }
    Ok(())
}

fn text(bytes: Vec<u8>) -> Option<String> {
    if bytes.contains(&0) {
        return None;
    }
    String::from_utf8(bytes).ok()
}

/// `git diff --no-index` of `a/path` and `b/path` in `links` (where `a` and `b` lead to the
/// trees): headers `diff --git a/P b/P`, `index`, `--- a/P`, `+++ b/P`.
fn git_diff(links: &Path, path: &str) -> anyhow::Result<Option<String>> {
    let out = Command::new("git")
        .current_dir(links)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .args([
            "-c",
            "core.quotepath=off",
            "diff",
            "--no-index",
            "--no-prefix",
            "--no-color",
        ])
        .args(["--no-ext-diff", "--no-textconv"])
        .arg(format!("a/{path}"))
        .arg(format!("b/{path}"))
        .output()?;
    match out.status.code() {
        Some(1) => {}
        Some(0) => return Ok(None),
        _ => anyhow::bail!("git diff {path}: {}", String::from_utf8_lossy(&out.stderr).trim()),
    }
    let Some(diff) = text(out.stdout) else { return Ok(None) };
    if diff
        .lines()
        .any(|l| l.starts_with("Binary files ") || l == "GIT binary patch")
    {
        return Ok(None);
    }
    Ok(Some(diff))
}

/// `+`/`-` lines of a clean diff (not its `---`/`+++` file headers).
fn diff_size(diff: &str) -> usize {
    let lines: Vec<&str> = diff.lines().collect();
    super::damage::classify(&lines)
        .iter()
        .filter(|k| matches!(k, super::damage::Kind::Add | super::damage::Kind::Del))
        .count()
}

/// The corpus of `old` → `new`, sorted by path within each of [`ROOTS`]; files are read and
/// diffed on `threads` threads.
pub fn build(old: &Path, new: &Path, threads: usize) -> anyhow::Result<(Vec<Entry>, Skipped)> {
    let mut skipped = Skipped::default();
    let mut candidates = Vec::new();
    for dir in ROOTS {
        let (mut a, mut b) = (BTreeSet::new(), BTreeSet::new());
        walk(old, dir, &mut a)?;
        walk(new, dir, &mut b)?;
        skipped.new_files += b.difference(&a).count();
        skipped.deleted_files += a.difference(&b).count();
        candidates.extend(a.intersection(&b).cloned());
    }
    let links = tempfile::tempdir()?;
    std::os::unix::fs::symlink(old.canonicalize()?, links.path().join("a"))?;
    std::os::unix::fs::symlink(new.canonicalize()?, links.path().join("b"))?;
    enum Got {
        Entry(Entry),
        Unchanged,
        Binary,
    }
    let one = |path: &String| -> anyhow::Result<Got> {
        let (a, b) = (std::fs::read(old.join(path))?, std::fs::read(new.join(path))?);
        if a == b {
            return Ok(Got::Unchanged);
        }
        let (Some(a), Some(b)) = (text(a), text(b)) else {
            return Ok(Got::Binary);
        };
        Ok(match git_diff(links.path(), path)? {
            Some(diff) => Got::Entry(Entry {
                path: path.clone(),
                old: a,
                new: b,
                size: diff_size(&diff),
                diff,
            }),
            None => Got::Binary,
        })
    };
    let mut entries = Vec::new();
    for got in super::par_map(&candidates, threads, one) {
        match got? {
            Got::Entry(e) => entries.push(e),
            Got::Unchanged => skipped.unchanged += 1,
            Got::Binary => skipped.binary += 1,
        }
    }
    Ok((entries, skipped))
}

/// The file's diff as a `git format-patch` mail of its own.
pub fn mail(entry: &Entry) -> String {
    format!(
        "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n\
         From: Bench <bench@example.org>\n\
         Date: Mon, 1 Jan 2024 00:00:00 +0000\n\
         Subject: [PATCH] corpus: {path}\n\
         \n\
         The change to {path} between the two trees.\n\
         ---\n\
         \n\
         {diff}\
         -- \n\
         2.47.3\n\
         \n",
        path = entry.path,
        diff = entry.diff,
    )
}
