//! How the series is addressed, as `git format-patch` and the stable tree want it: the subject
//! prefix (`--subject-prefix`, `--rfc`, `-v`), a `base-commit:` line naming the commit the
//! series was made from (`--base`), and the stable-backport form (`--stable X.Y`: a
//! `[PATCH X.Y.y]` subject, the `commit <sha> upstream.` line, a note of what the backport
//! changed and why).

use super::{era::Era, wrap, RegenError, UPSTREAM_BIT};
use crate::kernel::{git, KernelTree};
use crate::mail::SubjectPrefix;
use serde::Serialize;

#[derive(Debug, Clone, Default)]
pub struct MailForm {
    /// Words in place of `PATCH` (format-patch's `--subject-prefix`).
    pub subject_prefix: Option<String>,
    /// `auto` (HEAD) or a commit the tree's git repository knows.
    pub base: Option<String>,
    pub stable: Option<Stable>,
}

#[derive(Debug, Clone)]
pub struct Stable {
    /// The stable series, `6.12`.
    pub series: String,
    /// The upstream commit the backport is of.
    pub upstream: Option<String>,
}

/// What `--base` found.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Base {
    pub commit: Option<String>,
    /// Why no `base-commit:` was written, when it was asked for and is not.
    pub note: Option<String>,
}

/// The subject prefix of every mail (index and total are the caller's).
pub fn prefix(form: &MailForm, rfc: bool, version: Option<u32>) -> SubjectPrefix {
    let (patch, tags) = match (&form.stable, &form.subject_prefix) {
        (Some(s), _) => (true, vec![format!("{}.y", s.series)]),
        (None, Some(words)) => (false, words.split_whitespace().map(str::to_string).collect()),
        (None, None) => (true, vec![]),
    };
    SubjectPrefix {
        rfc,
        patch,
        version,
        index: None,
        total: None,
        tags,
    }
}

/// The commit `--base` names, when the tree is a git work tree whose touched files are
/// committed (else the series' preimages are not that commit's, and nothing is claimed).
pub fn resolve_base(tree: &KernelTree, spec: &str, touched: &[String]) -> Result<Base, RegenError> {
    let Some(repo) = git::open(&tree.root) else {
        return Ok(Base {
            commit: None,
            note: Some("not a git work tree: no base-commit written".into()),
        });
    };
    let spec = if spec == "auto" { "HEAD" } else { spec };
    let bad = |why: String| RegenError::BadOption {
        tree: tree.root.clone(),
        why,
    };
    let commit = repo
        .revparse_single(spec)
        .and_then(|o| o.peel_to_commit())
        .map_err(|e| bad(format!("--base {spec}: {}", e.message())))?;
    let dirty = git::dirty_paths(&repo, touched).map_err(|e| bad(e.to_string()))?;
    if !dirty.is_empty() {
        return Ok(Base {
            commit: None,
            note: Some(format!(
                "{} not committed: the series is made from the work tree, so no base-commit written",
                dirty.join(", ")
            )),
        });
    }
    let head = repo.head().ok().and_then(|h| h.peel_to_commit().ok()).map(|c| c.id());
    if head != Some(commit.id()) {
        // The preimages are the work tree's, which is HEAD's: another commit only when the
        // touched files are the same there.
        let differs = touched.iter().any(|p| {
            let blob = |c: &git2::Commit| c.tree().ok()?.get_path(std::path::Path::new(p)).ok().map(|e| e.id());
            let at_head = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
            at_head.as_ref().and_then(blob) != blob(&commit)
        });
        if differs {
            return Err(bad(format!(
                "--base {spec}: the files the series touches differ between it and HEAD, which the series is made from"
            )));
        }
    }
    Ok(Base {
        commit: Some(commit.id().to_string()),
        note: None,
    })
}

/// `--stable X.Y` must name the tree's own series.
pub fn check_stable(tree: &KernelTree, stable: &Stable) -> Result<(), RegenError> {
    let ours = tree.version.split('.').take(2).collect::<Vec<_>>().join(".");
    if ours != stable.series {
        return Err(RegenError::BadOption {
            tree: tree.root.clone(),
            why: format!("--stable {}: this tree is Linux {}", stable.series, tree.version),
        });
    }
    Ok(())
}

/// The stable backport's note, `[ … ]` wrapped for the commit message: what differs from the
/// upstream change here and why.
pub fn stable_note(stable: &Stable, era: &Era, flag: &str, bit: u32) -> String {
    let mut text = format!("Backport to {}.y: {}.", stable.series, era.note);
    if bit != UPSTREAM_BIT {
        text.push_str(&format!(
            " {flag} takes bit {bit}, the next free kfunc flag bit here; upstream uses bit {UPSTREAM_BIT}."
        ));
    }
    format!("[ {} ]", wrap(&text, 68).replace('\n', "\n  "))
}
