//! git2 plumbing for trees that are git work trees: dirty checks before writing, and one commit
//! per applied patch with the mail's author, date and message (what `git am` records).

use chrono::{DateTime, FixedOffset};
use git2::{Repository, Signature, Time};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("{}: not a git work tree (needed for --commit)", .0.display())]
    NotRepo(std::path::PathBuf),
    #[error("git: {0}")]
    Git(#[from] git2::Error),
}

/// The repository whose work tree is exactly `root`, if any.
pub fn open(root: &Path) -> Option<Repository> {
    let repo = Repository::open(root).ok()?;
    let workdir = repo.workdir()?.canonicalize().ok()?;
    (workdir == root.canonicalize().ok()?).then_some(repo)
}

/// Which of `paths` have uncommitted changes (staged or not).
pub fn dirty_paths(repo: &Repository, paths: &[String]) -> Result<Vec<String>, GitError> {
    let mut dirty = Vec::new();
    for p in paths {
        let status = repo.status_file(Path::new(p));
        match status {
            Ok(s) if !s.is_empty() && s != git2::Status::IGNORED => dirty.push(p.clone()),
            Ok(_) => {}
            Err(e) if e.code() == git2::ErrorCode::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(dirty)
}

/// One commit to create.
pub struct CommitSpec<'a> {
    pub author_name: &'a str,
    pub author_email: &'a str,
    pub date: Option<DateTime<FixedOffset>>,
    pub message: &'a str,
    /// (path, full new content) of every file the commit changes.
    pub files: Vec<(String, String)>,
}

/// Create the commits in order on top of HEAD and move the current branch; returns their ids.
/// Only the object database and the branch ref change here; the caller writes the work tree
/// and then calls [`stage`].
pub fn commit_series(repo: &Repository, specs: &[CommitSpec]) -> Result<Vec<git2::Oid>, GitError> {
    let mut parent = repo.head()?.peel_to_commit()?;
    let mut ids = Vec::new();
    for spec in specs {
        let time = match spec.date {
            Some(d) => Time::new(d.timestamp(), d.offset().local_minus_utc() / 60),
            None => Time::new(chrono::Utc::now().timestamp(), 0),
        };
        let author = Signature::new(spec.author_name, spec.author_email, &time)?;
        let committer = repo.signature().unwrap_or_else(|_| author.clone());
        let mut tree = parent.tree()?;
        for (path, content) in &spec.files {
            let blob = repo.blob(content.as_bytes())?;
            tree = replace_path(repo, &tree, Path::new(path), blob)?;
        }
        let oid = repo.commit(Some("HEAD"), &author, &committer, spec.message, &tree, &[&parent])?;
        parent = repo.find_commit(oid)?;
        ids.push(oid);
    }
    Ok(ids)
}

/// A copy of `tree` with `path` pointing at `blob` (keeping the entry's mode).
fn replace_path<'r>(
    repo: &'r Repository,
    tree: &git2::Tree<'r>,
    path: &Path,
    blob: git2::Oid,
) -> Result<git2::Tree<'r>, git2::Error> {
    let mut components = path.components();
    let first = components
        .next()
        .and_then(|c| c.as_os_str().to_str())
        .unwrap_or("")
        .to_string();
    let rest: std::path::PathBuf = components.collect();
    let mut builder = repo.treebuilder(Some(tree))?;
    if rest.as_os_str().is_empty() {
        let mode = tree.get_name(&first).map(|e| e.filemode()).unwrap_or(0o100644);
        builder.insert(&first, blob, mode)?;
    } else {
        let sub = match tree.get_name(&first) {
            Some(e) => repo.find_tree(e.id())?,
            None => repo.find_tree(repo.treebuilder(None)?.write()?)?,
        };
        let new_sub = replace_path(repo, &sub, &rest, blob)?;
        builder.insert(&first, new_sub.id(), 0o040000)?;
    }
    repo.find_tree(builder.write()?)
}

/// Stage the written files so the index matches the new HEAD for them.
pub fn stage(repo: &Repository, paths: &[String]) -> Result<(), GitError> {
    let mut index = repo.index()?;
    for p in paths {
        index.add_path(Path::new(p))?;
    }
    index.write()?;
    Ok(())
}
