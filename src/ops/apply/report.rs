//! What applying a series reports: each hunk, each patch, the verdict, and what went wrong.

use super::locate::Strategy;
use super::{heal, proof};
use crate::kernel::journal::{JournalError, Recovery};
use crate::kernel::{git, write, TreeError};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, Clone, Serialize)]
pub struct HunkReport {
    pub file: String,
    /// 1-based number of the hunk within its file.
    pub hunk: usize,
    pub header: String,
    /// Line of the `@@` header in the mail.
    pub mail_line: usize,
    pub strategy: Strategy,
    /// 1-based line in the tree's file where the hunk's first old line was found.
    pub line: usize,
    /// Distance from the header's line (positive: further down).
    pub offset: i64,
    pub restored_blank_lines: usize,
    pub reindented_lines: usize,
}

/// Is the file, as the series finds it, the blob the mail's `index` line names as preimage?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Preimage {
    Match,
    Differs,
    NoIndexLine,
}

#[derive(Debug, Clone, Serialize)]
pub struct FilePreimage {
    pub file: String,
    pub preimage: Preimage,
    /// Whether the result is proven the author's by the postimage blob id.
    pub proof: proof::Proof,
    /// Healed lines the tool is not sure of (none when proven).
    pub uncertain: Vec<heal::Uncertain>,
    /// Alternatives the proof search tried before it found the postimage or gave up.
    pub proof_tries: usize,
}

/// What the `index` lines say about the tree the series was made against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Base {
    /// Every file's preimage blob is the tree's file.
    #[serde(rename = "made against this tree")]
    ThisTree,
    /// Some file is another blob: the hunks were placed at an offset or healed.
    #[serde(rename = "not this tree's blobs: healed or offset")]
    OtherBlobs,
    #[serde(rename = "no index lines")]
    NoIndexLines,
}

impl Base {
    /// From every file's preimage: any that differs makes the series another tree's.
    pub fn of(preimages: impl IntoIterator<Item = Preimage>) -> Base {
        let mut base = Base::NoIndexLines;
        for p in preimages {
            match p {
                Preimage::Differs => return Base::OtherBlobs,
                Preimage::Match => base = Base::ThisTree,
                Preimage::NoIndexLine => {}
            }
        }
        base
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PatchReport {
    pub label: String,
    pub subject: String,
    /// Each file's preimage against the tree (as the patches before this one leave it).
    pub files: Vec<FilePreimage>,
    pub hunks: Vec<HunkReport>,
    pub added: usize,
    pub removed: usize,
    /// What the mail's damage was, as recognised and undone (empty for a clean mail).
    pub damage: Vec<String>,
    /// Commit id when `--commit` made one.
    pub commit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    pub file: String,
    pub line: usize,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// Written to the tree.
    Applied,
    /// Would apply (`--check`).
    Applies,
    /// The series' result is already in the tree.
    AlreadyApplied,
    /// The tree has the same change under another flag name.
    EquivalentUpstream {
        flag: String,
        patch_flag: String,
        bit: u32,
        evidence: Vec<Evidence>,
    },
}

impl Verdict {
    /// A few words for the verdict (`already applied`, `equivalent change present upstream as …`).
    pub fn describe(&self) -> String {
        match self {
            Verdict::Applied => "applied".into(),
            Verdict::Applies => "applies".into(),
            Verdict::AlreadyApplied => "already applied".into(),
            Verdict::EquivalentUpstream { flag, bit, .. } => {
                format!("equivalent change present upstream as {flag} (bit {bit})")
            }
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub tree: PathBuf,
    pub version: String,
    pub series: PathBuf,
    #[serde(flatten)]
    pub verdict: Verdict,
    pub patches: Vec<PatchReport>,
    pub files_written: Vec<String>,
    pub healed_mail: Option<PathBuf>,
    /// Whether the series' `index` lines name this tree's blobs.
    pub base: Base,
    /// What became of an apply an earlier kfpatch left interrupted in this tree.
    pub recovery: Recovery,
    /// Every touched file's content after the series (also with `check`), by path.
    #[serde(skip)]
    pub after: BTreeMap<String, String>,
}

/// Where a hunk is: mail file and line, patch, tree file, hunk number and header.
#[derive(Debug, Clone)]
pub struct HunkAt {
    pub mail: String,
    pub line: usize,
    pub label: String,
    pub file: String,
    pub hunk: usize,
    pub header: String,
}

impl std::fmt::Display for HunkAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}: hunk #{} `{}`",
            self.mail, self.line, self.label, self.file, self.hunk, self.header
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("{at} does not apply: {why}")]
    NoMatch { at: Box<HunkAt>, why: String },
    #[error("{at} fits at {} places (lines {}); refusing to guess", places.len(), places.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(", "))]
    Ambiguous { at: Box<HunkAt>, places: Vec<usize> },
    #[error("{mail}:{line}: {label}: {file}: no such file in the tree")]
    MissingFile {
        mail: String,
        line: usize,
        label: String,
        file: String,
    },
    #[error("{mail}:{line}: {label}: {file}: {what} is not supported")]
    Unsupported {
        mail: String,
        line: usize,
        label: String,
        file: String,
        what: String,
    },
    #[error("{}: uncommitted changes in {}; commit or stash them, or pass --force", tree.display(), files.join(", "))]
    Dirty { tree: PathBuf, files: Vec<String> },
    #[error(transparent)]
    Tree(#[from] TreeError),
    #[error(transparent)]
    Write(#[from] write::WriteError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Git(#[from] git::GitError),
    #[error("rendering the healed mail: {0}")]
    Template(#[from] minijinja::Error),
    #[error("{mail}:{line}: truncated: hunk `{header}` still expects {old_left} old and {new_left} new lines when the input ends, and no blank lines of the tree make up for them")]
    Truncated {
        mail: String,
        line: usize,
        header: String,
        old_left: usize,
        new_left: usize,
    },
    #[error("{mail}: {label}: {file}: healed, not proven by its postimage blob ({why}); --require-proof refuses it")]
    Unproven {
        mail: String,
        label: String,
        file: String,
        why: String,
    },
}
