//! Applying a series to a kernel tree, all or nothing.
//!
//! Every hunk of every patch is placed in memory first ([`plan`]); only when all of them fit is
//! anything written, journaled so that even a kfpatch killed half way leaves the tree pristine
//! or fully applied once the next run recovers it ([`journal`]). The tree is locked from
//! recovery to the last write (`journal::lock_and_recover`), so two applies never plan on the
//! same files. Files come back as they were apart from the change: their line endings and
//! permission bits. A series whose result is already in the tree, or whose change the tree
//! already has under another name, is recognised and reported instead of failing
//! ([`equivalent`]). Each file's `index` line is compared with the tree's file: the report says
//! whether the series was made against this tree's blobs ([`Base`]).

mod emit;
pub mod equivalent;
pub mod heal;
pub mod locate;
pub mod proof;
mod report;
pub mod restore;
mod shape;

use super::Context;
use crate::kernel::blank_odds::BlankOdds;
use crate::kernel::journal;
use crate::kernel::{blobs, git, write, KernelTree, TreeError};
use crate::mail::{FilePatch, HunkLine, LineKind, Patch, Series};
use locate::Failure;
pub use locate::Strategy;
pub use report::*;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Options {
    pub tree: KernelTree,
    pub series: Series,
    /// Plan and report only; write nothing to the tree.
    pub check: bool,
    /// Write even if the touched files have uncommitted changes.
    pub force: bool,
    /// Commit each patch with git2 (the tree must be a git work tree).
    pub commit: bool,
    /// Write the healed series as clean format-patch mails to this file.
    pub emit_healed: Option<PathBuf>,
    /// Wait while another kfpatch writes the tree (else fail at once).
    pub wait: bool,
    /// A healed file that its postimage blob does not prove is an error.
    pub require_proof: bool,
}

impl Options {
    /// Apply `series` to `tree`, writing it, no commits.
    pub fn new(tree: KernelTree, series: Series) -> Options {
        Options {
            tree,
            series,
            check: false,
            force: false,
            commit: false,
            emit_healed: None,
            wait: true,
            require_proof: false,
        }
    }
}

/// `fp`'s preimage against the file as the series finds it (`None`: no such file yet).
fn preimage_of(fp: &FilePatch, before: impl FnOnce() -> Option<String>) -> Preimage {
    match fp.index_line.as_deref().and_then(blobs::parse_index_line) {
        None => Preimage::NoIndexLine,
        Some(index) if blobs::content_matches(before().as_deref().map(str::as_bytes), &index.preimage) => {
            Preimage::Match
        }
        Some(_) => Preimage::Differs,
    }
}

/// The preimage of each file where the series first touches it, against the tree as it is
/// (for the verdicts that place no hunk).
fn tree_preimages(tree: &KernelTree, series: &Series) -> Vec<Preimage> {
    let mut seen = std::collections::BTreeSet::new();
    let firsts = series
        .patches
        .iter()
        .flat_map(|p| &p.files)
        .filter(|f| seen.insert(f.path()));
    firsts
        .map(|f| match f.index_line.as_deref().and_then(blobs::parse_index_line) {
            None => Preimage::NoIndexLine,
            Some(index) if blobs::preimage_matches(tree, f.path(), &index.preimage) => Preimage::Match,
            Some(_) => Preimage::Differs,
        })
        .collect()
}

/// A file as the series changes it.
#[derive(Debug, Clone)]
struct FileState {
    original: String,
    /// Without their line endings (hunks are placed on text, not on `\r`).
    lines: Vec<String>,
    /// `lines` normalized ([`locate::normalized`]), spliced with them.
    norm_lines: Vec<String>,
    trailing_newline: bool,
    /// What the lines are joined with again: the file's own line ending.
    eol: &'static str,
    /// Git's mode (0o100644 or 0o100755), for mails and commits.
    mode: u32,
    /// The permission bits the file is written back with (600, 444, 755 stay so).
    perm: u32,
    /// Where blank lines go in this file and its neighbours: learned for damaged series only.
    blank_odds: BlankOdds,
}

impl FileState {
    fn content(&self) -> String {
        let mut s = self.lines.join(self.eol);
        if self.trailing_newline && !self.lines.is_empty() {
            s.push_str(self.eol);
        }
        s
    }
}

/// A file's line ending: `\r\n` when most of its lines end so (a CRLF file stays CRLF; a
/// file of mixed endings takes its majority's), else `\n`.
fn line_ending(text: &str) -> &'static str {
    let crlf = text.matches("\r\n").count();
    if crlf > text.matches('\n').count() - crlf {
        "\r\n"
    } else {
        "\n"
    }
}

/// The in-memory result of placing every hunk.
struct Plan {
    reports: Vec<PatchReport>,
    /// Content of each touched file after each patch, kept only for commits and healed mails
    /// (a copy per patch: 2,000 one-line patches to verifier.c would otherwise hold 2,000
    /// copies of it).
    snapshots: Vec<BTreeMap<String, String>>,
    states: BTreeMap<String, FileState>,
}

impl Plan {
    /// Every touched file's final content, by path.
    fn after(&self) -> BTreeMap<String, String> {
        self.states.iter().map(|(p, s)| (p.clone(), s.content())).collect()
    }
}

/// Git's mode and the permission bits of the file at `path`.
fn file_mode(path: &std::path::Path) -> Result<(u32, u32), TreeError> {
    use std::os::unix::fs::PermissionsExt;
    let perm = std::fs::metadata(path)
        .map_err(|source| TreeError::Io {
            path: path.to_path_buf(),
            source,
        })?
        .permissions()
        .mode()
        & 0o7777;
    Ok((if perm & 0o111 != 0 { 0o100755 } else { 0o100644 }, perm))
}

/// Place every hunk of `series` on `tree` in memory: one copy of each touched file, plus one per
/// patch when `snapshots` (each patch's result) are asked for.
fn plan(tree: &KernelTree, series: &Series, snapshots_wanted: bool) -> Result<Plan, ApplyError> {
    let mut states: BTreeMap<String, FileState> = BTreeMap::new();
    let mut reports = Vec::new();
    let mut snapshots = Vec::new();
    // A file's blank-line odds are learned when it is first read, from its original lines; a
    // later patch of the series may be the damaged one.
    let damaged = series
        .patches
        .iter()
        .flat_map(|p| &p.files)
        .any(|fp| fp.hunks.iter().any(|h| h.damaged));
    for patch in &series.patches {
        let mail = patch.source.display().to_string();
        let label = patch.label();
        let mut report = PatchReport {
            label: label.clone(),
            subject: patch.subject.clone(),
            files: vec![],
            hunks: vec![],
            added: 0,
            removed: 0,
            damage: vec![],
            commit: None,
        };
        let mut pairs: Vec<(String, String, bool)> = Vec::new();
        let mut works: Vec<(usize, heal::FileWork)> = Vec::new();
        for fp in &patch.files {
            let path = fp.path().to_string();
            if fp.is_deletion() {
                return Err(ApplyError::Unsupported {
                    mail,
                    line: fp.line,
                    label,
                    file: path,
                    what: "deleting a file".into(),
                });
            }
            let first_touch = !states.contains_key(&path);
            if first_touch {
                tree.path(&path)?;
                // Before anything is read through it: no symlink may lead out of the tree.
                let real = journal::confine(&tree.root, &path)?;
                let state = if fp.is_new_file() {
                    if tree.exists(&path) {
                        return Err(ApplyError::Unsupported {
                            mail,
                            line: fp.line,
                            label,
                            file: path,
                            what: "creating a file that already exists".into(),
                        });
                    }
                    FileState {
                        original: String::new(),
                        lines: vec![],
                        norm_lines: vec![],
                        trailing_newline: true,
                        eol: "\n",
                        mode: 0o100644,
                        perm: 0o644,
                        blank_odds: BlankOdds::default(),
                    }
                } else {
                    if !tree.exists(&path) {
                        return Err(ApplyError::MissingFile {
                            mail,
                            line: fp.line,
                            label,
                            file: path,
                        });
                    }
                    let original = tree.read(&path)?;
                    let trailing_newline = original.ends_with('\n');
                    let lines: Vec<String> = original.lines().map(str::to_string).collect();
                    let (mode, perm) = file_mode(&real)?;
                    let blank_odds = match (damaged, real.parent(), real.file_name()) {
                        (true, Some(dir), Some(name)) => BlankOdds::learn(&lines, dir, &name.to_string_lossy()),
                        _ => BlankOdds::default(),
                    };
                    FileState {
                        blank_odds,
                        eol: line_ending(&original),
                        mode,
                        perm,
                        original,
                        norm_lines: locate::normalized(&lines),
                        lines,
                        trailing_newline,
                    }
                };
                states.insert(path.clone(), state);
            }
            let state = states.get_mut(&path).expect("inserted above");
            let preimage = preimage_of(fp, || match (first_touch, fp.is_new_file()) {
                (true, true) => None,
                (true, false) => Some(state.original.clone()),
                (false, _) => Some(state.content()),
            });
            report.files.push(FilePreimage {
                file: path.clone(),
                preimage,
                proof: proof::Proof::NoProof,
                uncertain: vec![],
                proof_tries: 0,
            });
            let mut work = heal::FileWork {
                path: path.clone(),
                language: restore::Language::of(&path),
                postimage: match preimage {
                    Preimage::Match => fp
                        .index_line
                        .as_deref()
                        .and_then(blobs::parse_index_line)
                        .map(|i| i.postimage)
                        .filter(|p| !blobs::is_absent(p)),
                    _ => None,
                },
                preimage_differs: preimage == Preimage::Differs,
                ..Default::default()
            };
            let mut delta: i64 = 0;
            let mut min_start = 0;
            for (hi, hunk) in fp.hunks.iter().enumerate() {
                let header_pos = hunk.old_start.saturating_sub(1) as i64;
                let expected = (header_pos + delta).max(0) as usize;
                let at = || {
                    Box::new(HunkAt {
                        mail: mail.clone(),
                        line: hunk.line,
                        label: label.clone(),
                        file: path.clone(),
                        hunk: hi + 1,
                        header: hunk.header(),
                    })
                };
                let found = locate::locate_reading_markers(
                    &state.lines,
                    &state.norm_lines,
                    hunk,
                    expected,
                    min_start,
                    &state.blank_odds,
                );
                let (placement, read_as) = match found {
                    Ok(p) => p,
                    // The input ended inside this hunk and the tree cannot make it whole: cut.
                    Err(_) if hunk.short_at_end.is_some() => {
                        let (old_left, new_left) = hunk.short_at_end.expect("checked");
                        return Err(ApplyError::Truncated {
                            mail: mail.clone(),
                            line: hunk.line,
                            header: hunk.header(),
                            old_left,
                            new_left,
                        });
                    }
                    Err(Failure::NoMatch { why }) => {
                        let why = format!(
                            "{why}; the code has another shape in this tree (`kfpatch regen` writes the change for it)"
                        );
                        return Err(ApplyError::NoMatch { at: at(), why });
                    }
                    Err(Failure::Ambiguous { lines }) => {
                        return Err(ApplyError::Ambiguous {
                            at: at(),
                            places: lines,
                        })
                    }
                };
                // The hunk as it was finally read (a context line may have been taken for an
                // added or removed one).
                let hunk = read_as.as_ref().unwrap_or(hunk);
                let report_index = report.hunks.len();
                // Indices in the file as it was before this patch.
                let before_patch = |i: usize| (i as i64 - delta) as usize;
                for &(fi, li) in &placement.pairs {
                    let l = &hunk.lines[li];
                    pairs.push((state.lines[fi].clone(), l.text.clone(), l.marker_lost));
                    if l.kind == LineKind::Del {
                        work.removed.push((report_index, state.lines[fi].clone()));
                        work.removed_at.push(before_patch(fi));
                    }
                }
                let old_len = placement.end - placement.start;
                work.spans.push(shape::HunkSpan {
                    old: before_patch(placement.start)..before_patch(placement.start) + old_len,
                    new: placement.start..placement.start + placement.lines.len(),
                });
                let new_texts: Vec<String> = placement.lines.iter().map(|l| l.text.clone()).collect();
                for (i, l) in placement.lines.iter().enumerate() {
                    if l.added {
                        work.added.push(placement.start + i);
                        work.added_hunk.push(report_index);
                    }
                }
                work.blanks
                    .extend(placement.blank_choices.iter().map(|c| locate::BlankChoice {
                        run_start: placement.start + c.run_start,
                        ..*c
                    }));
                state.norm_lines.splice(
                    placement.start..placement.end,
                    new_texts.iter().map(|l| locate::normalize(l)),
                );
                state.lines.splice(placement.start..placement.end, new_texts);
                report.hunks.push(HunkReport {
                    file: path.clone(),
                    hunk: hi + 1,
                    header: hunk.header(),
                    mail_line: hunk.line,
                    strategy: placement.strategy,
                    line: (placement.start as i64 - delta) as usize + 1,
                    offset: placement.start as i64 - delta - header_pos,
                    restored_blank_lines: placement.restored_blank_lines,
                    reindented_lines: 0,
                });
                report.added += hunk.added().count();
                report.removed += hunk.removed().count();
                delta += placement.lines.len() as i64 - old_len as i64;
                min_start = placement.start + placement.lines.len();
            }
            works.push((report.files.len() - 1, work));
        }
        // The damage is the mail's: learnt from every old line of the patch, undone on every
        // added line, and each file proven where its preimage is the tree's.
        let hunk_lines: Vec<&HunkLine> = patch
            .files
            .iter()
            .flat_map(|f| &f.hunks)
            .flat_map(|h| &h.lines)
            .collect();
        let markers_lost = hunk_lines.iter().any(|l| l.marker_lost);
        let pair_refs: Vec<restore::Pair> = pairs
            .iter()
            .map(|(t, m, lost)| restore::Pair {
                tree: t,
                mail: m,
                marker_lost: *lost,
            })
            .collect();
        let added_texts: Vec<&str> = hunk_lines
            .iter()
            .filter(|l| l.kind == LineKind::Add)
            .map(|l| l.text.as_str())
            .collect();
        // A mail whose every hunk fits byte for byte is clean, whatever its lines look like,
        // unless its context could not show the damage its added lines show (and kernel C
        // indents with tabs; another file, where the tree's copy does).
        let healed_any = report.hunks.iter().any(|h| h.strategy == Strategy::Healed);
        let expanded_unseen = || {
            let hunk_texts: Vec<&str> = hunk_lines.iter().map(|l| l.text.as_str()).collect();
            restore::expanded_unseen(&hunk_texts, &added_texts)
                && works.iter().filter(|(_, w)| !w.added.is_empty()).all(|(_, w)| {
                    w.language == restore::Language::C
                        || states
                            .get(&w.path)
                            .is_some_and(|s| s.lines.iter().any(|l| l.starts_with('\t')))
                })
        };
        let model = if healed_any || markers_lost || expanded_unseen() {
            restore::learn(&pair_refs, &added_texts, markers_lost)
        } else {
            restore::Model::CLEAN
        };
        report.damage = patch.repairs.iter().map(|r| r.describe().to_string()).collect();
        report.damage.extend(model.forms().into_iter().map(str::to_string));
        if report.hunks.iter().any(|h| h.restored_blank_lines > 0) {
            report.damage.push("blank context lines lost".into());
        }
        for (file_index, work) in &works {
            let state = states.get_mut(&work.path).expect("placed above");
            let eol = state.eol;
            let finished = heal::finish(&mut state.lines, work, &model, eol, state.trailing_newline);
            for (h, n) in &finished.rebuilt_per_hunk {
                report.hunks[*h].reindented_lines += n;
            }
            let f = &mut report.files[*file_index];
            f.proof = finished.proof;
            f.uncertain = finished.uncertain;
            f.proof_tries = finished.tried;
        }
        if snapshots_wanted {
            snapshots.push(states.iter().map(|(p, s)| (p.clone(), s.content())).collect());
        }
        reports.push(report);
    }
    Ok(Plan {
        reports,
        snapshots,
        states,
    })
}

/// Apply `series` to `tree`: plan, recognise already-applied and upstream-equivalent trees,
/// then (unless `check`) write, commit and emit as asked; all under the tree's lock.
pub fn run(ctx: &Context, options: &Options) -> Result<Outcome, ApplyError> {
    let (tree, series) = (&options.tree, &options.series);
    let (_lock, recovery) = journal::lock_and_recover(&ctx.cache_root, &tree.root, options.wait, |t| ctx.notice(t))?;
    let outcome = |verdict, patches, files_written, healed_mail, base, after| Outcome {
        tree: tree.root.clone(),
        version: tree.version.clone(),
        series: series.source.clone(),
        verdict,
        patches,
        files_written,
        healed_mail,
        base,
        recovery: recovery.clone(),
        after,
    };
    let plan = match plan(tree, series, options.commit || options.emit_healed.is_some()) {
        Ok(p) => p,
        Err(e @ (ApplyError::NoMatch { .. } | ApplyError::Ambiguous { .. })) => {
            let base = || Base::of(tree_preimages(tree, series));
            if equivalent::already_applied(tree, series) {
                let verdict = Verdict::AlreadyApplied;
                return Ok(outcome(verdict, vec![], vec![], None, base(), BTreeMap::new()));
            }
            if let Some(v) = equivalent::upstream_equivalent(tree, series) {
                return Ok(outcome(v, vec![], vec![], None, base(), BTreeMap::new()));
            }
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    if options.require_proof {
        unproven(series, &plan.reports)?;
    }
    let touched: Vec<String> = plan.states.keys().cloned().collect();
    let repo = git::open(&tree.root);
    if options.commit && repo.is_none() {
        return Err(git::GitError::NotRepo(tree.root.clone()).into());
    }
    if !options.check && !options.force {
        if let Some(repo) = &repo {
            let dirty = git::dirty_paths(repo, &touched)?;
            if !dirty.is_empty() {
                return Err(ApplyError::Dirty {
                    tree: tree.root.clone(),
                    files: dirty,
                });
            }
        }
    }
    let mut reports = plan.reports.clone();
    let mut written = Vec::new();
    if !options.check {
        let files: Vec<(String, String, u32)> = plan
            .states
            .iter()
            .filter(|(_, s)| s.content() != s.original)
            .map(|(p, s)| (p.clone(), s.content(), s.perm))
            .collect();
        journal::commit(&tree.root, &files)?;
        written = plan
            .states
            .iter()
            .filter(|(_, s)| s.content() != s.original)
            .map(|(p, _)| p.clone())
            .collect();
        if options.commit {
            let repo = repo.as_ref().expect("checked above");
            let authors: Vec<(String, String)> = series.patches.iter().map(emit::author_of).collect();
            let messages: Vec<String> = series.patches.iter().map(Patch::commit_message).collect();
            let specs: Vec<git::CommitSpec> = series
                .patches
                .iter()
                .enumerate()
                .map(|(i, p)| git::CommitSpec {
                    author_name: &authors[i].0,
                    author_email: &authors[i].1,
                    date: p.date,
                    message: &messages[i],
                    files: p
                        .files
                        .iter()
                        .map(|f| (f.path().to_string(), plan.snapshots[i][f.path()].clone()))
                        .collect(),
                })
                .collect();
            let ids = git::commit_series(repo, &specs)?;
            git::stage(repo, &written)?;
            for (r, id) in reports.iter_mut().zip(&ids) {
                r.commit = Some(id.to_string());
            }
        }
    }
    let healed = match &options.emit_healed {
        Some(path) => {
            let text = emit::healed_mails(series, &plan, &reports)?;
            write::write_all(&[(path.clone(), text, 0o100644)])?;
            Some(path.clone())
        }
        None => None,
    };
    let verdict = if options.check {
        Verdict::Applies
    } else {
        Verdict::Applied
    };
    let base = Base::of(reports.iter().flat_map(|r| r.files.iter().map(|f| f.preimage)));
    Ok(outcome(verdict, reports, written, healed, base, plan.after()))
}

/// With `--require-proof`: the first file whose hunks were healed (or whose added lines were
/// rebuilt) and whose result its postimage blob does not prove.
fn unproven(series: &Series, reports: &[PatchReport]) -> Result<(), ApplyError> {
    for r in reports {
        for f in &r.files {
            let healed = r
                .hunks
                .iter()
                .filter(|h| h.file == f.file)
                .any(|h| h.strategy == Strategy::Healed || h.reindented_lines > 0);
            if healed && f.proof != proof::Proof::Proven {
                let why = match (f.preimage, f.proof) {
                    (Preimage::NoIndexLine, _) => "the mail has no index line".to_string(),
                    (Preimage::Differs, _) => "the tree's file is not the mail's preimage".to_string(),
                    _ => format!(
                        "{} alternative(s) tried, {} line(s) uncertain",
                        f.proof_tries,
                        f.uncertain.len()
                    ),
                };
                return Err(ApplyError::Unproven {
                    mail: series.source.display().to_string(),
                    label: r.label.clone(),
                    file: f.file.clone(),
                    why,
                });
            }
        }
    }
    Ok(())
}
