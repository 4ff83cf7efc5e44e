//! Tree writes that survive being killed, never race, and never leave the tree.
//!
//! `write::write_all` is all or nothing against errors, but a process killed between two of
//! its renames (SIGKILL, OOM, power loss) leaves a tree half applied: one file patched, the
//! other not, which then builds or fails in confusing ways. So [`commit`] keeps a journal in
//! the tree root, and every kfpatch command runs [`recover`] on a tree before using it.
//!
//! The protocol of [`commit`], each step durable (fsync) before the next:
//!
//! 1. the journal `<tree>/.kfpatch-journal` (JSON, written as `.kfpatch-journal.new` and
//!    renamed): for every target its path relative to the tree root, the staged file that will
//!    replace it (`.kfpatch-<pid>-<n>` beside it) and the blob ids ([`blob_id`]) of its old
//!    content (none for a new file) and of its new content;
//! 2. every staged file, with the new content and the target's permission bits;
//! 3. the renames of the staged files over their targets, one by one;
//! 4. the directories fsynced, then the journal removed.
//!
//! The recovery rule of [`recover`], so that a tree ends pristine or fully applied:
//!
//! - every target must hold its old or its new content; if one holds anything else, someone
//!   else changed it and only a human can say which content is right: nothing is touched, the
//!   journal stays, and the error says so;
//! - if every target holds its new content or has a complete staged file (one whose blob id is
//!   the new one), the apply is *finished*: the remaining staged files are renamed into place.
//!   Renames start only once every staged file is durable, so a crash anywhere from step 3 on
//!   always ends here;
//! - otherwise staging was cut short, so no rename has happened and every target still holds
//!   its old content: the apply is *rolled back* by removing the staged files. (A target with
//!   its new content next to an incomplete staged file cannot come from this protocol; it is
//!   refused like a foreign change.)
//!
//! Either way the staged files the journal names and then the journal itself are removed. The
//! journal is written before anything is staged, so every stray `.kfpatch-*` file is named in
//! one, and recovery never has to walk the tree.
//!
//! [`TreeLock`] serialises the processes that plan and write one tree (its lock file lives in
//! the cache, never in the tree, so an error leaves the tree byte-identical), and [`confine`]
//! refuses a target reached through a symlink that leaves the tree.
//!
//! `KFPATCH_FAULT` ([`FAULT_ENV`]) makes [`commit`] abort the process at a chosen step, so the
//! tests can kill kfpatch at each one deterministically.

use super::blob_id;
use super::write::WriteError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

/// The journal's name in the tree root.
pub const JOURNAL: &str = ".kfpatch-journal";
/// The journal while it is written; renamed to [`JOURNAL`] once complete.
const JOURNAL_NEW: &str = ".kfpatch-journal.new";
const FORMAT: &str = "kfpatch-journal/1";
/// `after-journal`, `after-stage:N` (the N-th staged file), `after-stage` (all staged and
/// synced) or `after-rename:N`: [`commit`] calls `std::process::abort()` right there.
pub const FAULT_ENV: &str = "KFPATCH_FAULT";

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// Before the first rename: nothing was written.
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: refusing a path that leaves the tree")]
    UnsafePath { path: String },
    #[error("{path}: refusing a path that leaves the tree: {link} is a symlink to {}; nothing was written", to.display())]
    Escapes { path: String, link: String, to: PathBuf },
    #[error("{}: an interrupted apply can be neither finished nor rolled back: {why}; the journal and its staged files are kept for you to compare, then remove", journal.display())]
    Inconsistent { journal: PathBuf, why: String },
    #[error("{}: unreadable journal of an interrupted apply: {why}; remove it and the .kfpatch-* files it names by hand", path.display())]
    Corrupt { path: PathBuf, why: String },
    #[error("{}: cannot write: {source}; the journal {} stays and the next kfpatch run on this tree finishes the apply", path.display(), journal.display())]
    Interrupted {
        path: PathBuf,
        journal: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: another kfpatch is writing this tree (lock {}); leave out --no-wait to wait for it", tree.display(), lock.display())]
    Busy { tree: PathBuf, lock: PathBuf },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> JournalError + '_ {
    move |source| JournalError::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Journal {
    format: String,
    /// The writer, for a human reading a journal left behind.
    pid: u32,
    entries: Vec<Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    /// Relative to the tree root, symlinks inside the tree resolved.
    target: String,
    /// Relative to the tree root, in the target's directory.
    staged: String,
    /// Blob id of the target before; `None`: the file is new.
    old: Option<String>,
    new: String,
}

/// What [`recover`] did to a tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Recovery {
    /// No interrupted apply.
    Nothing,
    /// An interrupted apply was completed: these files now hold its new content.
    Finished { files: Vec<String> },
    /// An interrupted apply was undone: these files were never replaced.
    RolledBack { files: Vec<String> },
}

impl Recovery {
    /// A sentence for a notice, unless there was nothing to do.
    pub fn describe(&self, tree: &Path) -> Option<String> {
        let (what, files) = match self {
            Recovery::Nothing => return None,
            Recovery::Finished { files } => ("finished it", files),
            Recovery::RolledBack { files } => ("rolled it back", files),
        };
        Some(format!(
            "{}: found an interrupted kfpatch apply and {what} ({})",
            tree.display(),
            files.join(", ")
        ))
    }
}

/// Blob id of file bytes; content that is not text can never be one kfpatch wrote.
fn id_of(bytes: &[u8]) -> String {
    std::str::from_utf8(bytes).map(blob_id).unwrap_or_else(|_| "-".into())
}

/// Abort the process if `KFPATCH_FAULT` names this point (`point` or `point:n`).
fn fault(point: &str, n: Option<usize>) {
    let Ok(want) = std::env::var(FAULT_ENV) else {
        return;
    };
    let hit = match (want.split_once(':'), n) {
        (Some((p, k)), Some(n)) => p == point && k.parse() == Ok(n),
        (None, None) => want == point,
        _ => false,
    };
    if hit {
        std::process::abort();
    }
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

fn remove_if_there(path: &Path) -> std::io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).to_string_lossy().into_owned()
}

/// Where `rel` really is below `root` (canonical), refusing any way out of the tree: `..`, an
/// absolute path, or a symlink (a directory on the way, or the file itself) that resolves
/// outside `root` or nowhere. Symlinks inside the tree are followed, so a symlinked file stays
/// a symlink and its target gets the new content. Components that do not exist yet cannot be
/// symlinks, so new files are confined by their nearest existing directory.
pub fn confine(root: &Path, rel: &str) -> Result<PathBuf, JournalError> {
    let parts: Vec<Component> = Path::new(rel).components().collect();
    if rel.is_empty() || parts.iter().any(|c| !matches!(c, Component::Normal(_))) {
        return Err(JournalError::UnsafePath { path: rel.into() });
    }
    let mut at = root.to_path_buf();
    for (i, part) in parts.iter().enumerate() {
        at.push(part);
        let meta = match fs::symlink_metadata(&at) {
            Ok(m) => m,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                at.extend(&parts[i + 1..]);
                return Ok(at);
            }
            Err(e) => return Err(io(&at)(e)),
        };
        if meta.file_type().is_symlink() {
            match fs::canonicalize(&at) {
                Ok(real) if real.starts_with(root) => at = real,
                _ => {
                    return Err(JournalError::Escapes {
                        path: rel.into(),
                        link: parts[..=i].iter().collect::<PathBuf>().display().to_string(),
                        to: fs::read_link(&at).unwrap_or_default(),
                    })
                }
            }
        }
    }
    Ok(at)
}

/// Write every `(path relative to root, content, mode)` into the tree, journaled (see the
/// module comment). The mode's permission bits are the file's after the write. The caller
/// holds the tree's [`TreeLock`] and has run [`recover`].
pub fn commit(root: &Path, files: &[(String, String, u32)]) -> Result<(), JournalError> {
    if files.is_empty() {
        return Ok(());
    }
    let root = root.canonicalize().map_err(io(root))?;
    let (journal_path, staged_files) = prepare(&root, files)?;
    // The commit point: from here on recovery finishes the apply.
    let interrupted = |path: &Path, source| JournalError::Interrupted {
        path: path.to_path_buf(),
        journal: journal_path.clone(),
        source,
    };
    for (n, (staged, target)) in staged_files.iter().enumerate() {
        fs::rename(staged, target).map_err(|e| interrupted(target, e))?;
        fault("after-rename", Some(n + 1));
    }
    for dir in parents(&staged_files) {
        sync_dir(&dir).map_err(|e| interrupted(&dir, e))?;
    }
    fs::remove_file(&journal_path).map_err(|e| interrupted(&journal_path, e))?;
    sync_dir(&root).map_err(|e| interrupted(&root, e))
}

/// The directories of the staged files (and their targets).
fn parents(staged_files: &[(PathBuf, PathBuf)]) -> BTreeSet<PathBuf> {
    staged_files
        .iter()
        .filter_map(|(s, _)| s.parent().map(Path::to_path_buf))
        .collect()
}

/// Steps 1 and 2: the journal, then every staged file, all durable; returns the journal's path
/// and each `(staged, target)`. On an error nothing of them is left and no target changed.
fn prepare(root: &Path, files: &[(String, String, u32)]) -> Result<(PathBuf, Vec<(PathBuf, PathBuf)>), JournalError> {
    let journal_path = root.join(JOURNAL);
    if journal_path.exists() {
        let e = std::io::Error::new(
            ErrorKind::AlreadyExists,
            "the journal of an earlier apply is in the way",
        );
        return Err(WriteError {
            path: journal_path,
            source: e,
        }
        .into());
    }
    let pid = std::process::id();
    let mut entries = Vec::with_capacity(files.len());
    let mut staged_files = Vec::with_capacity(files.len());
    for (n, (rel, content, _)) in files.iter().enumerate() {
        let target = confine(root, rel)?;
        let old = match fs::read(&target) {
            Ok(bytes) => Some(id_of(&bytes)),
            Err(e) if e.kind() == ErrorKind::NotFound => None,
            Err(source) => return Err(WriteError { path: target, source }.into()),
        };
        let staged = target.with_file_name(format!(".kfpatch-{pid}-{}", n + 1));
        entries.push(Entry {
            target: relative(root, &target),
            staged: relative(root, &staged),
            old,
            new: blob_id(content),
        });
        staged_files.push((staged, target));
    }
    let journal = Journal {
        format: FORMAT.into(),
        pid,
        entries,
    };
    write_journal(root, &journal)?;
    fault("after-journal", None);

    let abandon = |made: usize, path: &Path, source| {
        for (staged, _) in &staged_files[..made] {
            let _ = fs::remove_file(staged);
        }
        let _ = fs::remove_file(&journal_path);
        let _ = sync_dir(root);
        JournalError::from(WriteError {
            path: path.to_path_buf(),
            source,
        })
    };
    for (n, ((staged, target), (_, content, mode))) in staged_files.iter().zip(files).enumerate() {
        stage(staged, content, *mode).map_err(|e| abandon(n + 1, target, e))?;
        fault("after-stage", Some(n + 1));
    }
    for dir in parents(&staged_files) {
        sync_dir(&dir).map_err(|e| abandon(staged_files.len(), &dir, e))?;
    }
    fault("after-stage", None);
    Ok((journal_path, staged_files))
}

/// The journal, complete and durable, or none at all.
fn write_journal(root: &Path, journal: &Journal) -> Result<(), WriteError> {
    let tmp = root.join(JOURNAL_NEW);
    let text = serde_json::to_string_pretty(journal).expect("plain data serialises") + "\n";
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o644)
            .open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, root.join(JOURNAL))?;
        sync_dir(root)
    })();
    result.map_err(|source| {
        let _ = fs::remove_file(&tmp);
        WriteError {
            path: root.join(JOURNAL),
            source,
        }
    })
}

/// A staged file: new (a leftover of the same name is not ours to overwrite), the content,
/// then the target's permission bits (set on the open file, so 444 works), then durable.
fn stage(path: &Path, content: &str, mode: u32) -> std::io::Result<()> {
    let mut f = OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    f.write_all(content.as_bytes())?;
    f.set_permissions(fs::Permissions::from_mode(mode & 0o7777))?;
    f.sync_all()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Holds {
    Old,
    New,
}

/// Finish or roll back the apply a journal in `root` describes (the rule is in the module
/// comment), then remove its staged files and the journal. Run it holding the tree's
/// [`TreeLock`]: a live apply's journal looks just like a dead one's.
pub fn recover(root: &Path) -> Result<Recovery, JournalError> {
    let root = root.canonicalize().map_err(io(root))?;
    // A journal cut short while being written: nothing was staged after it.
    let tmp = root.join(JOURNAL_NEW);
    remove_if_there(&tmp).map_err(io(&tmp))?;
    let path = root.join(JOURNAL);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Recovery::Nothing),
        Err(e) => return Err(io(&path)(e)),
    };
    let corrupt = |why: String| JournalError::Corrupt {
        path: path.clone(),
        why,
    };
    let journal: Journal = serde_json::from_str(&text).map_err(|e| corrupt(e.to_string()))?;
    if journal.format != FORMAT {
        return Err(corrupt(format!("format `{}`, expected `{FORMAT}`", journal.format)));
    }
    let inconsistent = |why: String| JournalError::Inconsistent {
        journal: path.clone(),
        why,
    };
    let mut found = Vec::with_capacity(journal.entries.len());
    for e in &journal.entries {
        let target = confine(&root, &e.target)?;
        let staged = confine(&root, &e.staged)?;
        // Recovery removes staged files: never one that is not a kfpatch file beside its target.
        let ours = staged
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with(".kfpatch-"));
        if !ours || staged.parent() != target.parent() {
            return Err(corrupt(format!(
                "{} is not a staged file beside {}",
                e.staged, e.target
            )));
        }
        let now = match fs::read(&target) {
            Ok(bytes) => Some(id_of(&bytes)),
            Err(err) if err.kind() == ErrorKind::NotFound => None,
            Err(err) => return Err(io(&target)(err)),
        };
        let holds = if now.as_deref() == Some(e.new.as_str()) {
            Holds::New
        } else if now == e.old {
            Holds::Old
        } else {
            return Err(inconsistent(format!(
                "{} holds neither its old nor its new content",
                e.target
            )));
        };
        let complete = fs::read(&staged).is_ok_and(|b| id_of(&b) == e.new);
        found.push((e, target, staged, holds, complete));
    }
    let finish = found
        .iter()
        .all(|(_, _, _, holds, complete)| *holds == Holds::New || *complete);
    if !finish {
        if let Some((e, ..)) = found.iter().find(|f| f.3 == Holds::New) {
            return Err(inconsistent(format!(
                "{} holds its new content but another staged file is incomplete",
                e.target
            )));
        }
    }
    let mut dirs = BTreeSet::new();
    for (_, target, staged, holds, _) in &found {
        if finish && *holds == Holds::Old {
            fs::rename(staged, target).map_err(io(target))?;
        } else {
            remove_if_there(staged).map_err(io(staged))?;
        }
        dirs.extend(target.parent().map(Path::to_path_buf));
    }
    for dir in &dirs {
        sync_dir(dir).map_err(io(dir))?;
    }
    fs::remove_file(&path).map_err(io(&path))?;
    sync_dir(&root).map_err(io(&root))?;
    let files = journal.entries.into_iter().map(|e| e.target).collect();
    Ok(if finish {
        Recovery::Finished { files }
    } else {
        Recovery::RolledBack { files }
    })
}

/// Lock `tree` for this process, then finish or roll back whatever apply an earlier kfpatch left
/// interrupted in it. Every operation that reads or writes a tree calls this first, so none
/// works on a half-applied tree. `notice` hears the sentences for the user (waiting for the
/// lock, what recovery did). The tree stays locked until the returned lock is dropped; `wait:
/// false` fails at once with [`JournalError::Busy`] when another process holds it.
pub fn lock_and_recover(
    cache_root: &Path,
    tree: &Path,
    wait: bool,
    notice: impl Fn(String),
) -> Result<(TreeLock, Recovery), JournalError> {
    let lock = TreeLock::acquire(cache_root, tree, wait, || {
        notice(format!(
            "{}: waiting for another kfpatch writing this tree",
            tree.display()
        ))
    })?;
    let recovery = recover(tree)?;
    if let Some(text) = recovery.describe(tree) {
        notice(text);
    }
    Ok((lock, recovery))
}

/// An advisory lock (flock) on one tree, held while a process plans and writes it; released
/// when dropped, or by the kernel when the process dies, so a killed kfpatch never leaves a
/// tree locked. The lock file is `<cache>/locks/<blob id of the canonical tree path>`: in the
/// cache, because the tree itself must stay byte-identical when kfpatch refuses or fails.
#[derive(Debug)]
pub struct TreeLock {
    _file: File,
    pub path: PathBuf,
}

impl TreeLock {
    /// The lock file for `tree` (any spelling of its path names the same lock).
    pub fn path_for(cache_root: &Path, tree: &Path) -> PathBuf {
        let canonical = tree.canonicalize().unwrap_or_else(|_| tree.to_path_buf());
        cache_root.join("locks").join(blob_id(&canonical.display().to_string()))
    }

    /// Take the lock on `tree`. When another process holds it: [`JournalError::Busy`] unless
    /// `wait`, else call `waiting` (to say so) and block until it is free.
    pub fn acquire(
        cache_root: &Path,
        tree: &Path,
        wait: bool,
        waiting: impl FnOnce(),
    ) -> Result<TreeLock, JournalError> {
        let path = TreeLock::path_for(cache_root, tree);
        let dir = path.parent().expect("a lock file has a directory");
        fs::create_dir_all(dir).map_err(io(dir))?;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io(&path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) if !wait => {
                return Err(JournalError::Busy {
                    tree: tree.to_path_buf(),
                    lock: path,
                })
            }
            Err(TryLockError::WouldBlock) => {
                waiting();
                file.lock().map_err(io(&path))?;
            }
            Err(TryLockError::Error(e)) => return Err(io(&path)(e)),
        }
        // Who holds it, for a human looking into the cache; the lock itself is the flock.
        let _ = file.set_len(0);
        let _ = (&file).write_all(format!("{} {}\n", std::process::id(), tree.display()).as_bytes());
        Ok(TreeLock { _file: file, path })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    /// A tree root (canonical) with `a/one.c` and `b/two.h` holding "old …" content.
    fn tree() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        for (rel, text) in [("a/one.c", "old one\n"), ("b/two.h", "old two\n")] {
            fs::create_dir_all(root.join(rel).parent().unwrap()).unwrap();
            fs::write(root.join(rel), text).unwrap();
        }
        (dir, root)
    }

    fn changes() -> Vec<(String, String, u32)> {
        vec![
            ("a/one.c".into(), "new one\n".into(), 0o644),
            ("b/two.h".into(), "new two\n".into(), 0o644),
            ("b/three.h".into(), "new three\n".into(), 0o644),
        ]
    }

    fn read(root: &Path, rel: &str) -> Option<String> {
        fs::read_to_string(root.join(rel)).ok()
    }

    /// Every `.kfpatch-*` file left below `root`.
    fn leftovers(root: &Path) -> Vec<PathBuf> {
        let mut out = vec![];
        let mut stack = vec![root.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() && !p.is_symlink() {
                    stack.push(p);
                } else if p.file_name().unwrap().to_string_lossy().starts_with(".kfpatch-") {
                    out.push(p);
                }
            }
        }
        out
    }

    fn assert_old(root: &Path) {
        assert_eq!(read(root, "a/one.c").as_deref(), Some("old one\n"));
        assert_eq!(read(root, "b/two.h").as_deref(), Some("old two\n"));
        assert_eq!(read(root, "b/three.h"), None);
        assert_eq!(leftovers(root), Vec::<PathBuf>::new());
    }

    fn assert_new(root: &Path) {
        assert_eq!(read(root, "a/one.c").as_deref(), Some("new one\n"));
        assert_eq!(read(root, "b/two.h").as_deref(), Some("new two\n"));
        assert_eq!(read(root, "b/three.h").as_deref(), Some("new three\n"));
        assert_eq!(leftovers(root), Vec::<PathBuf>::new());
    }

    #[test]
    fn commit_writes_everything_with_its_mode_and_leaves_no_journal() {
        let (_d, root) = tree();
        let mut files = changes();
        files[0].2 = 0o100755;
        files[1].2 = 0o444;
        commit(&root, &files).unwrap();
        assert_new(&root);
        let mode = |rel: &str| fs::metadata(root.join(rel)).unwrap().permissions().mode() & 0o7777;
        assert_eq!(
            (mode("a/one.c"), mode("b/two.h"), mode("b/three.h")),
            (0o755, 0o444, 0o644)
        );
        assert_eq!(recover(&root).unwrap(), Recovery::Nothing);
    }

    #[test]
    fn staging_cut_short_rolls_back() {
        let (_d, root) = tree();
        let (_, staged) = prepare(&root, &changes()).unwrap();
        // The second staged file only half written, the third never made.
        fs::write(&staged[1].0, "new t").unwrap();
        fs::remove_file(&staged[2].0).unwrap();
        let r = recover(&root).unwrap();
        assert!(
            matches!(&r, Recovery::RolledBack { files } if files.len() == 3),
            "{r:?}"
        );
        assert_old(&root);
    }

    #[test]
    fn a_journal_without_staged_files_rolls_back_to_nothing_changed() {
        let (_d, root) = tree();
        let (_, staged) = prepare(&root, &changes()).unwrap();
        for (s, _) in &staged {
            fs::remove_file(s).unwrap();
        }
        assert!(matches!(recover(&root).unwrap(), Recovery::RolledBack { .. }));
        assert_old(&root);
    }

    #[test]
    fn renames_cut_short_are_finished() {
        for renamed in 0..=3 {
            let (_d, root) = tree();
            let (_, staged) = prepare(&root, &changes()).unwrap();
            for (s, t) in &staged[..renamed] {
                fs::rename(s, t).unwrap();
            }
            let r = recover(&root).unwrap();
            assert!(matches!(r, Recovery::Finished { .. }), "{renamed} renamed: {r:?}");
            assert_new(&root);
            assert_eq!(recover(&root).unwrap(), Recovery::Nothing);
        }
    }

    #[test]
    fn a_foreign_change_is_refused_and_the_journal_kept() {
        let (_d, root) = tree();
        prepare(&root, &changes()).unwrap();
        fs::write(root.join("a/one.c"), "edited by hand\n").unwrap();
        let e = recover(&root).unwrap_err();
        assert!(
            e.to_string()
                .contains("a/one.c holds neither its old nor its new content"),
            "{e}"
        );
        assert!(root.join(JOURNAL).is_file());
    }

    #[test]
    fn new_content_beside_an_incomplete_staged_file_is_refused() {
        let (_d, root) = tree();
        let (_, staged) = prepare(&root, &changes()).unwrap();
        fs::rename(&staged[0].0, &staged[0].1).unwrap();
        fs::remove_file(&staged[1].0).unwrap();
        let e = recover(&root).unwrap_err();
        assert!(matches!(e, JournalError::Inconsistent { .. }), "{e}");
    }

    #[test]
    fn a_journal_cut_short_while_written_is_removed() {
        let (_d, root) = tree();
        fs::write(root.join(JOURNAL_NEW), "{\"format\": \"kfpa").unwrap();
        assert_eq!(recover(&root).unwrap(), Recovery::Nothing);
        assert_old(&root);
    }

    #[test]
    fn garbage_in_the_journal_is_an_error_not_a_guess() {
        let (_d, root) = tree();
        fs::write(root.join(JOURNAL), "not json\n").unwrap();
        assert!(matches!(recover(&root).unwrap_err(), JournalError::Corrupt { .. }));
        // A journal naming a tree file as "staged" must not get it removed.
        let journal = Journal {
            format: FORMAT.into(),
            pid: 1,
            entries: vec![Entry {
                target: "a/one.c".into(),
                staged: "b/two.h".into(),
                old: Some(blob_id("old one\n")),
                new: blob_id("new one\n"),
            }],
        };
        fs::write(root.join(JOURNAL), serde_json::to_string(&journal).unwrap()).unwrap();
        assert!(matches!(recover(&root).unwrap_err(), JournalError::Corrupt { .. }));
        fs::remove_file(root.join(JOURNAL)).unwrap();
        assert_old(&root);
    }

    #[test]
    fn an_unwritable_directory_leaves_nothing_behind() {
        let (_d, root) = tree();
        let mut files = changes();
        files.push(("nodir/four.c".into(), "x\n".into(), 0o644));
        let e = commit(&root, &files).unwrap_err();
        assert!(e.to_string().contains("nodir/four.c: cannot write"), "{e}");
        assert!(e.to_string().contains("nothing was written"), "{e}");
        assert_old(&root);
    }

    #[test]
    fn symlinks_out_of_the_tree_are_refused_inside_followed() {
        let (_d, root) = tree();
        let outside = tempfile::tempdir().unwrap();
        symlink(outside.path(), root.join("out")).unwrap();
        symlink("a", root.join("in")).unwrap();
        symlink("../a/one.c", root.join("b/link.c")).unwrap();
        symlink("/nonexistent/kfpatch", root.join("dangling")).unwrap();
        for rel in ["out/x.c", "out/new/deeper.c", "dangling/x.c"] {
            let e = confine(&root, rel).unwrap_err();
            let first = rel.split('/').next().unwrap();
            assert!(
                e.to_string().starts_with(&format!(
                    "{rel}: refusing a path that leaves the tree: {first} is a symlink to"
                )),
                "{e}"
            );
        }
        for rel in ["../x", "/etc/passwd", "a/../b", ""] {
            assert!(
                matches!(confine(&root, rel), Err(JournalError::UnsafePath { .. })),
                "{rel}"
            );
        }
        assert_eq!(confine(&root, "in/one.c").unwrap(), root.join("a/one.c"));
        assert_eq!(confine(&root, "b/link.c").unwrap(), root.join("a/one.c"));
        assert_eq!(confine(&root, "c/d/new.c").unwrap(), root.join("c/d/new.c"));
        // Writing through an inner symlink keeps the link a link.
        commit(&root, &[("b/link.c".into(), "via link\n".into(), 0o644)]).unwrap();
        assert!(fs::symlink_metadata(root.join("b/link.c"))
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(read(&root, "a/one.c").as_deref(), Some("via link\n"));
        let e = commit(&root, &[("out/x.c".into(), "no\n".into(), 0o644)]).unwrap_err();
        assert!(matches!(e, JournalError::Escapes { .. }), "{e}");
        assert_eq!(fs::read_dir(outside.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_held_lock_makes_a_second_taker_fail_fast_or_wait() {
        let cache = tempfile::tempdir().unwrap();
        let (_d, root) = tree();
        let first = TreeLock::acquire(cache.path(), &root, false, || {}).unwrap();
        assert!(first.path.starts_with(cache.path().join("locks")));
        let e = TreeLock::acquire(cache.path(), &root.join("a/.."), false, || {}).unwrap_err();
        assert!(matches!(e, JournalError::Busy { .. }), "{e}");
        let waited = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            let t = s.spawn(|| {
                TreeLock::acquire(cache.path(), &root, true, || {
                    waited.store(true, std::sync::atomic::Ordering::SeqCst)
                })
            });
            while !waited.load(std::sync::atomic::Ordering::SeqCst) {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            drop(first);
            t.join().unwrap().unwrap();
        });
        assert_eq!(leftovers(&root), Vec::<PathBuf>::new());
    }
}
