//! `kfpatch base`: which tree a series was made for. Every `index <pre>..<post>` line of a mail
//! names the preimage blob of its file; each given tree (a user's, or a Debian tree from the
//! cache) is asked how many of those blobs it holds, and a git work tree's history is searched,
//! a bounded number of commits back from HEAD, for the commits that hold them.

use super::tree::{self, Target};
use super::Context;
use crate::kernel::blobs::{self, CommitMatch, Wanted};
use crate::kernel::{git, KernelTree, TreeError};
use crate::mail::Series;
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// How far back from HEAD a git tree's history is searched unless told otherwise.
pub const DEFAULT_MAX_COMMITS: usize = 1000;
/// How many of a git tree's best commits the outcome keeps.
pub const BEST_COMMITS: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum BaseError {
    #[error("{}: no `index` line names a preimage blob; the series does not say which tree it was made for", series.display())]
    NoIndexLines { series: PathBuf },
    #[error(transparent)]
    Target(#[from] tree::TargetError),
    #[error(transparent)]
    Tree(#[from] TreeError),
    #[error(transparent)]
    Git(#[from] blobs::BlobError),
}

#[derive(Debug, Clone)]
pub struct Options {
    pub targets: Vec<Target>,
    pub series: Series,
    /// How many commits back from HEAD a git tree's history is searched.
    pub max_commits: usize,
}

/// A preimage blob the series names: where the series first touches `file`.
#[derive(Debug, Clone, Serialize)]
pub struct Blob {
    pub file: String,
    /// The id (or prefix) as the mail writes it; all zeros for a new file.
    pub preimage: String,
    /// The patch whose `index` line names it.
    pub patch: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileHeld {
    pub file: String,
    /// The tree's file is the preimage blob (for a new file: the tree has no such file).
    pub held: bool,
}

/// The search of a git tree's history.
#[derive(Debug, Clone, Serialize)]
pub struct History {
    /// Commits looked at, newest first from HEAD.
    pub walked: usize,
    pub max_commits: usize,
    /// How many of them hold every preimage blob.
    pub holding_all: usize,
    /// The best commits (most blobs held, then newest first), at most [`BEST_COMMITS`].
    pub commits: Vec<CommitMatch>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TreeRow {
    /// `debian 7.2`, or the tree's path.
    pub target: String,
    pub tree: PathBuf,
    pub version: String,
    /// How many of the series' preimage blobs the tree's files are.
    pub held: usize,
    pub total: usize,
    pub files: Vec<FileHeld>,
    /// For a git work tree: the commits that hold the blobs.
    pub history: Option<History>,
}

impl TreeRow {
    /// The most blobs the tree or one of its commits holds.
    pub fn best(&self) -> usize {
        let commit = self.history.as_ref().and_then(|h| h.commits.first()).map(|c| c.held);
        self.held.max(commit.unwrap_or(0))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub series: PathBuf,
    pub blobs: Vec<Blob>,
    /// Best first: most blobs held by the tree or one of its commits.
    pub trees: Vec<TreeRow>,
    /// Some tree or commit holds every preimage blob.
    pub found: bool,
}

/// The preimage blob of each file where the series first touches it. A file first touched
/// without an `index` line is left out: a later patch's preimage is an earlier one's result.
pub fn series_blobs(series: &Series) -> Vec<Blob> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for patch in &series.patches {
        for f in &patch.files {
            if !seen.insert(f.path().to_string()) {
                continue;
            }
            if let Some(index) = f.index_line.as_deref().and_then(blobs::parse_index_line) {
                out.push(Blob {
                    file: f.path().to_string(),
                    preimage: index.preimage,
                    patch: patch.label(),
                });
            }
        }
    }
    out
}

/// Ask every target how many of the series' preimage blobs it holds.
pub fn run(ctx: &Context, opts: &Options) -> Result<Outcome, BaseError> {
    let blobs = series_blobs(&opts.series);
    if blobs.is_empty() {
        return Err(BaseError::NoIndexLines {
            series: opts.series.source.clone(),
        });
    }
    let wanted: Vec<Wanted> = blobs
        .iter()
        .map(|b| Wanted {
            path: b.file.clone(),
            prefix: b.preimage.clone(),
        })
        .collect();
    let mut rows = Vec::new();
    for target in &opts.targets {
        let (label, tree) = (target.label(), target.resolve(ctx)?);
        rows.push(row(ctx, label, &tree, &wanted, opts.max_commits)?);
    }
    // Stable: trees that hold as much stay in the order given.
    rows.sort_by_key(|r| std::cmp::Reverse(r.best()));
    let found = rows.iter().any(|r| r.best() == r.total);
    Ok(Outcome {
        series: opts.series.source.clone(),
        blobs,
        trees: rows,
        found,
    })
}

fn row(ctx: &Context, label: String, tree: &KernelTree, wanted: &[Wanted], max: usize) -> Result<TreeRow, BaseError> {
    let files: Vec<FileHeld> = wanted
        .iter()
        .map(|w| FileHeld {
            file: w.path.clone(),
            held: blobs::preimage_matches(tree, &w.path, &w.prefix),
        })
        .collect();
    let history = match git::open(&tree.root) {
        Some(repo) => {
            let stage = format!("{label}: search {max} commits");
            let mut search = ctx.stage(&stage, || blobs::search_commits(&repo, wanted, max))?;
            let holding_all = search.commits.iter().filter(|c| c.held == c.total).count();
            search.commits.truncate(BEST_COMMITS);
            Some(History {
                walked: search.walked,
                max_commits: max,
                holding_all,
                commits: search.commits,
            })
        }
        None => None,
    };
    Ok(TreeRow {
        target: label,
        tree: tree.root.clone(),
        version: tree.version.clone(),
        held: files.iter().filter(|f| f.held).count(),
        total: wanted.len(),
        files,
        history,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn mail(diffs: &str) -> Series {
        let text = format!(
            "From: T <t@example.org>\nSubject: [PATCH] x\n\nBody.\n\nSigned-off-by: T <t@example.org>\n---\n{diffs}-- \n2.40.0\n"
        );
        crate::mail::parse_series(Path::new("t.patch"), text.as_bytes()).unwrap()
    }

    #[test]
    fn first_touch_of_each_file_with_an_index_line() {
        let series = mail(
            "diff --git a/a.c b/a.c\nindex 1111111..2222222 100644\n--- a/a.c\n+++ b/a.c\n@@ -1 +1 @@\n-a\n+b\n\
             diff --git a/b.c b/b.c\n--- a/b.c\n+++ b/b.c\n@@ -1 +1 @@\n-a\n+b\n\
             diff --git a/n.c b/n.c\nnew file mode 100644\nindex 0000000..3333333\n--- /dev/null\n+++ b/n.c\n@@ -0,0 +1 @@\n+n\n",
        );
        let blobs = series_blobs(&series);
        let got: Vec<(&str, &str)> = blobs.iter().map(|b| (b.file.as_str(), b.preimage.as_str())).collect();
        assert_eq!(got, [("a.c", "1111111"), ("n.c", "0000000")]);
    }

    #[test]
    fn no_index_line_is_an_error_naming_the_series() {
        let series = mail("--- a/a.c\n+++ b/a.c\n@@ -1 +1 @@\n-a\n+b\n");
        let opts = Options {
            targets: vec![],
            series,
            max_commits: DEFAULT_MAX_COMMITS,
        };
        let err = run(&Context::quiet(), &opts).unwrap_err();
        assert!(err.to_string().starts_with("t.patch: no `index` line"), "{err}");
    }
}
