//! KF_* kfunc flag bits: are they unique and consistent, in a tree and after given series?
//!
//! The family is what `include/linux/btf.h` defines; a *mirror* is another file that copies
//! the family's flags (tools/bpf/resolve_btfids/main.c; the rule is `flagstate::is_mirror`).
//! Unrelated `KF_*` macros elsewhere (drivers/staging/rts5208, drivers/media, a driver's own
//! KF_ACQUIRE) are never part of it. Users are `BTF_ID_FLAGS` calls anywhere in the tree.

pub mod index;
pub mod rules;

use super::apply;
use super::Context;
use crate::kernel::flagdefs;
pub use crate::kernel::flagstate::FAMILY_FILE;
use crate::kernel::flagstate::{self, FlagDef, ScannedFiles, State};
use crate::kernel::flagwalk;
use crate::kernel::KernelTree;
use crate::mail::{FilePatch, LineKind, Series};
use index::{Renamed, SeriesView};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Info,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub level: Level,
    pub kind: &'static str,
    pub message: String,
    pub locations: Vec<Location>,
    /// The series this finding comes from (`--patch`), if any.
    pub series: Vec<String>,
}

impl Finding {
    pub fn new(level: Level, kind: &'static str, message: String, locations: Vec<Location>) -> Finding {
        Finding {
            level,
            kind,
            message,
            locations,
            series: vec![],
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct BitRow {
    pub bit: u32,
    pub names: Vec<String>,
    /// `used`, `free`, `hole` (free below the highest used bit), `collision`, or `unknown`
    /// (free unless a define whose value kfpatch cannot read holds it).
    pub status: &'static str,
    pub locations: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SeriesFlags {
    pub source: PathBuf,
    /// Whether the series applies to this tree (else its flags were read from its `+` lines).
    pub applies: bool,
    pub note: Option<String>,
    pub added: Vec<FlagDef>,
    pub removed: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub tree: PathBuf,
    pub version: String,
    pub family_file: &'static str,
    pub flags: Vec<FlagDef>,
    pub mirror_files: Vec<String>,
    pub users: usize,
    pub bits: Vec<BitRow>,
    pub holes: Vec<u32>,
    pub next_free: Option<u32>,
    pub series: Vec<SeriesFlags>,
    pub findings: Vec<Finding>,
    pub errors: usize,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub tree: KernelTree,
    /// Series to evaluate the tree after, each on its own.
    pub series: Vec<Series>,
    /// Scan only these files instead of the whole tree (the family file is always read).
    pub only_files: Option<Vec<PathBuf>>,
}

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("{}: no {FAMILY_FILE}; is this a kernel tree?", .0.display())]
    NoFamilyFile(PathBuf),
    #[error(transparent)]
    Journal(#[from] crate::kernel::journal::JournalError),
}

impl Options {
    /// The tree as it is, every file scanned, no series.
    pub fn tree(tree: &KernelTree) -> Options {
        Options {
            tree: tree.clone(),
            series: vec![],
            only_files: None,
        }
    }
}

/// Audit the tree (and the tree as each series would leave it).
pub fn run(ctx: &Context, opts: &Options) -> Result<Report, CheckError> {
    let tree = &opts.tree;
    // Never judge a tree an interrupted apply left half written; the lock is not kept.
    drop(crate::kernel::journal::lock_and_recover(
        &ctx.cache_root,
        &tree.root,
        true,
        |t| ctx.notice(t),
    )?);
    if !tree.exists(FAMILY_FILE) {
        return Err(CheckError::NoFamilyFile(tree.root.clone()));
    }
    let (hits, scanned) = match &opts.only_files {
        None => (flagwalk::scan_tree(&tree.root), true),
        Some(files) => {
            let mut files = files.clone();
            files.push(FAMILY_FILE.into());
            files.sort();
            files.dedup();
            (flagwalk::scan_files(&tree.root, &files), false)
        }
    };
    let files: ScannedFiles = hits.into_iter().map(|h| (h.path.clone(), h)).collect();
    let base = State::from_files(&files, scanned);
    let outcome = rules::evaluate(&base, None);
    let mut findings = outcome.findings.clone();
    let mut series_reports = Vec::new();
    let base_keys: std::collections::HashSet<String> = outcome.findings.iter().map(|f| f.message.clone()).collect();
    for series in &opts.series {
        let (after, report, renamed, before) = state_after(ctx, tree, &files, &base, series, scanned);
        let name = series.source.display().to_string();
        // A series already in the tree is judged against the tree without the flags it adds.
        let (series_base_keys, next_free_before) = match &before {
            Some(before) => {
                let o = rules::evaluate(before, None);
                (o.findings.iter().map(|f| f.message.clone()).collect(), o.next_free)
            }
            None => (base_keys.clone(), outcome.next_free),
        };
        let view = SeriesView {
            added: report.added.iter().map(|d| d.name.clone()).collect(),
            next_free_before,
            renamed,
        };
        for mut f in rules::evaluate(&after, Some(&view)).findings {
            if f.level != Level::Info && !series_base_keys.contains(&f.message) {
                f.series.push(name.clone());
                findings.push(f);
            }
        }
        series_reports.push(report);
    }
    // Series given together: each alone may be fine, yet two may claim one bit.
    for (i, a) in series_reports.iter().enumerate() {
        for b in &series_reports[i + 1..] {
            for fa in &a.added {
                for fb in b
                    .added
                    .iter()
                    .filter(|fb| fb.bit().is_some() && fb.bit() == fa.bit() && fb.name != fa.name)
                {
                    findings.push(Finding {
                        level: Level::Error,
                        kind: "series-collision",
                        message: format!(
                            "{} ({}) and {} ({}) both claim bit {}",
                            fa.name,
                            a.source.display(),
                            fb.name,
                            b.source.display(),
                            fa.bit().unwrap_or(0)
                        ),
                        locations: vec![
                            Location {
                                file: fa.file.clone(),
                                line: fa.line,
                                text: fa.text.trim().into(),
                            },
                            Location {
                                file: fb.file.clone(),
                                line: fb.line,
                                text: fb.text.trim().into(),
                            },
                        ],
                        series: vec![a.source.display().to_string(), b.source.display().to_string()],
                    });
                }
            }
        }
    }
    findings.sort_by_key(|f| f.level);
    let errors = findings.iter().filter(|f| f.level == Level::Error).count();
    let mut mirror_files: Vec<String> = base.mirrors.iter().map(|m| m.file.clone()).collect();
    mirror_files.dedup();
    Ok(Report {
        tree: tree.root.clone(),
        version: tree.version.clone(),
        family_file: FAMILY_FILE,
        flags: base.family.clone(),
        mirror_files,
        users: base.uses.len(),
        bits: outcome.bits,
        holes: outcome.holes,
        next_free: outcome.next_free,
        series: series_reports,
        findings,
        errors,
    })
}

/// The flag state after `series`: its exact result when it applies (placed by the apply
/// operation, nothing written), else the tree's defines with the series' `-`/`+` define lines
/// applied by name. Also the flag the series adds that the tree has under another name, when
/// the apply operation found the change merged upstream. When the tree already holds the series
/// (a branch with it committed, as `b4 prep --check` sees it), the state is the tree's and the
/// last item is the tree without the flags the series adds, to judge the series against.
fn state_after(
    ctx: &Context,
    tree: &KernelTree,
    files: &ScannedFiles,
    base: &State,
    series: &Series,
    scanned: bool,
) -> (State, SeriesFlags, Option<Renamed>, Option<State>) {
    let source = series.source.clone();
    let before = base.family_names();
    let placed = apply::run(
        ctx,
        &apply::Options {
            check: true,
            ..apply::Options::new(tree.clone(), series.clone())
        },
    );
    let mut renamed = None;
    let placed = match placed {
        Ok(outcome) if outcome.verdict == apply::Verdict::Applies => Ok(outcome.after),
        Ok(outcome) if outcome.verdict == apply::Verdict::AlreadyApplied => {
            return already_applied(base, series);
        }
        Ok(outcome) => {
            if let apply::Verdict::EquivalentUpstream {
                flag,
                patch_flag,
                bit,
                evidence,
            } = &outcome.verdict
            {
                renamed = Some(Renamed {
                    ours: patch_flag.clone(),
                    theirs: flag.clone(),
                    bit: *bit,
                    evidence: evidence
                        .iter()
                        .map(|e| Location {
                            file: e.file.clone(),
                            line: e.line,
                            text: e.text.clone(),
                        })
                        .collect(),
                });
            }
            Err(outcome.verdict.describe())
        }
        Err(e) => Err(e.to_string()),
    };
    match placed {
        Ok(contents) => {
            let after = State::from_files(&flagstate::with_contents(files, &contents), scanned);
            let added = after
                .family
                .iter()
                .filter(|d| !before.contains(&d.name))
                .cloned()
                .collect();
            let names = after.family_names();
            let removed = before.iter().filter(|n| !names.contains(*n)).cloned().collect();
            (
                after,
                SeriesFlags {
                    source,
                    applies: true,
                    note: None,
                    added,
                    removed,
                },
                renamed,
                None,
            )
        }
        Err(e) => {
            let mut after = base.clone();
            let mut added = Vec::new();
            let mut removed = Vec::new();
            for fp in series.patches.iter().flat_map(|p| &p.files) {
                for (kind, d) in changed_defines(fp) {
                    let file = format!("{} (as {})", fp.path(), series.source.display());
                    match kind {
                        LineKind::Del => {
                            after.family.retain(|x| !(x.name == d.name && fp.path() == FAMILY_FILE));
                            after.mirrors.retain(|x| !(x.name == d.name && x.file == fp.path()));
                            removed.push(d.name.clone());
                        }
                        LineKind::Add => {
                            let def = FlagDef { file, define: d };
                            if fp.path() == FAMILY_FILE {
                                added.push(def.clone());
                                after.family.push(def);
                            } else {
                                after.mirrors.push(def);
                            }
                        }
                        LineKind::Context => {}
                    }
                }
            }
            let note = Some(format!(
                "does not apply here ({}); flags read from its lines",
                first_line(&e)
            ));
            (
                after,
                SeriesFlags {
                    source,
                    applies: false,
                    note,
                    added,
                    removed,
                },
                renamed,
                None,
            )
        }
    }
}

/// The series' result is the tree: the flags it adds are the family flags its `+` lines define
/// (and its `-` lines do not), and the state before it is the tree without them.
fn already_applied(base: &State, series: &Series) -> (State, SeriesFlags, Option<Renamed>, Option<State>) {
    let mut plus = std::collections::HashSet::new();
    let mut minus = std::collections::HashSet::new();
    for fp in series.patches.iter().flat_map(|p| &p.files) {
        for (kind, d) in changed_defines(fp) {
            match kind {
                LineKind::Add => plus.insert((fp.path().to_string(), d.name)),
                LineKind::Del => minus.insert((fp.path().to_string(), d.name)),
                LineKind::Context => false,
            };
        }
    }
    let new: std::collections::HashSet<(String, String)> = plus.difference(&minus).cloned().collect();
    let is_new = |file: &str, name: &str| new.contains(&(file.to_string(), name.to_string()));
    let mut before = base.clone();
    before.family.retain(|d| !is_new(FAMILY_FILE, &d.name));
    before.mirrors.retain(|d| !is_new(&d.file, &d.name));
    let added = base
        .family
        .iter()
        .filter(|d| is_new(FAMILY_FILE, &d.name))
        .cloned()
        .collect();
    let report = SeriesFlags {
        source: series.source.clone(),
        applies: true,
        note: Some("already applied; judged against the tree without the flags it adds".into()),
        added,
        removed: vec![],
    };
    (base.clone(), report, None, Some(before))
}

/// The KF_* defines a file patch adds and removes, each read from its hunk's new or old side
/// (so a define continued over several lines is read whole), numbered by its line in the mail.
fn changed_defines(fp: &FilePatch) -> Vec<(LineKind, flagdefs::FlagDefine)> {
    let mut out = Vec::new();
    for hunk in &fp.hunks {
        for kind in [LineKind::Del, LineKind::Add] {
            let side: Vec<_> = hunk
                .lines
                .iter()
                .filter(|l| l.kind == kind || l.kind == LineKind::Context)
                .collect();
            let text: String = side.iter().map(|l| format!("{}\n", l.text)).collect();
            for mut d in flagdefs::defines(&text) {
                let Some(line) = side.get(d.line - 1).filter(|l| l.kind == kind) else {
                    continue;
                };
                d.line = line.line;
                // The conditions the hunk shows are kept, but its `#if` chains are numbered per
                // hunk, not as in the file: claim no exclusivity from them.
                d.arms.clear();
                out.push((kind, d));
            }
        }
    }
    out
}

fn first_line(s: &str) -> String {
    let s = s.lines().next().unwrap_or("");
    if s.chars().count() > 160 {
        format!("{}…", s.chars().take(159).collect::<String>())
    } else {
        s.to_string()
    }
}
