//! KF_* kfunc flag bits: are they unique and consistent, in a tree and after given series?
//!
//! The family is what `include/linux/btf.h` defines; a *mirror* is any other file that defines
//! a name of the family (tools/bpf/resolve_btfids/main.c). Unrelated `KF_*` macros elsewhere
//! (drivers/staging/rts5208, drivers/media) are never part of it. Users are `BTF_ID_FLAGS`
//! calls anywhere in the tree.

pub mod rules;
pub mod scan;
pub mod walk;

use crate::apply;
use crate::mail::{LineKind, Series};
use crate::tree::KernelTree;
use scan::FlagDefine;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

pub const FAMILY_FILE: &str = "include/linux/btf.h";

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

/// A define with the file it is in.
#[derive(Debug, Clone, Serialize)]
pub struct FlagDef {
    pub file: String,
    #[serde(flatten)]
    pub define: FlagDefine,
}

impl std::ops::Deref for FlagDef {
    type Target = FlagDefine;
    fn deref(&self) -> &FlagDefine {
        &self.define
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Use {
    pub file: String,
    pub line: usize,
    pub kfunc: String,
    pub flags: Vec<String>,
}

/// One view of a tree's flags.
#[derive(Debug, Clone, Default)]
pub struct State {
    pub family: Vec<FlagDef>,
    pub mirrors: Vec<FlagDef>,
    pub uses: Vec<Use>,
    pub uses_scanned: bool,
}

impl State {
    fn from_files(files: &BTreeMap<String, walk::FileHits>, uses_scanned: bool) -> State {
        let family: Vec<FlagDef> = files
            .get(FAMILY_FILE)
            .map(|f| {
                f.defines
                    .iter()
                    .map(|d| FlagDef {
                        file: FAMILY_FILE.into(),
                        define: d.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let names: std::collections::HashSet<&str> = family.iter().map(|d| d.name.as_str()).collect();
        let mut mirrors = Vec::new();
        let mut uses = Vec::new();
        for (path, hits) in files {
            if path != FAMILY_FILE && hits.defines.iter().any(|d| names.contains(d.name.as_str())) {
                // A mirror: its numeric KF_* defines belong to the family's bit space.
                mirrors.extend(hits.defines.iter().filter(|d| d.value.is_some()).map(|d| FlagDef {
                    file: path.clone(),
                    define: d.clone(),
                }));
            }
            uses.extend(hits.uses.iter().map(|u| Use {
                file: path.clone(),
                line: u.line,
                kfunc: u.kfunc.clone(),
                flags: u.flags.clone(),
            }));
        }
        State {
            family,
            mirrors,
            uses,
            uses_scanned,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct BitRow {
    pub bit: u32,
    pub names: Vec<String>,
    /// `used`, `free`, `hole` (free below the highest used bit) or `collision`.
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
    pub schema: &'static str,
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

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Series to evaluate the tree after, each on its own.
    pub series: Vec<Series>,
    /// Scan only these files instead of the whole tree (the family file is always read).
    pub only_files: Option<Vec<PathBuf>>,
}

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("{}: no {FAMILY_FILE}; is this a kernel tree?", .0.display())]
    NoFamilyFile(PathBuf),
}

/// Audit `tree` (and the tree as each series would leave it).
pub fn audit(tree: &KernelTree, opts: &Options) -> Result<Report, CheckError> {
    if !tree.exists(FAMILY_FILE) {
        return Err(CheckError::NoFamilyFile(tree.root.clone()));
    }
    let (hits, scanned) = match &opts.only_files {
        None => (walk::scan_tree(&tree.root), true),
        Some(files) => {
            let mut files = files.clone();
            files.push(FAMILY_FILE.into());
            files.sort();
            files.dedup();
            (walk::scan_files(&tree.root, &files), false)
        }
    };
    let files: BTreeMap<String, walk::FileHits> = hits.into_iter().map(|h| (h.path.clone(), h)).collect();
    let base = State::from_files(&files, scanned);
    let outcome = rules::evaluate(&base);
    let mut findings = outcome.findings.clone();
    let mut series_reports = Vec::new();
    let base_keys: std::collections::HashSet<String> = outcome.findings.iter().map(|f| f.message.clone()).collect();
    for series in &opts.series {
        let (after, report) = state_after(tree, &files, &base, series, scanned);
        let name = series.source.display().to_string();
        for mut f in rules::evaluate(&after).findings {
            if f.level != Level::Info && !base_keys.contains(&f.message) {
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
        schema: "kfpatch-check/1",
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

/// The flag state after `series`: its exact result when it applies, else the tree's defines
/// with the series' `-`/`+` define lines applied by name.
fn state_after(
    tree: &KernelTree,
    files: &BTreeMap<String, walk::FileHits>,
    base: &State,
    series: &Series,
    scanned: bool,
) -> (State, SeriesFlags) {
    let mut files = files.clone();
    let source = series.source.clone();
    let before: std::collections::HashSet<String> = base.family.iter().map(|d| d.name.clone()).collect();
    match apply::plan(tree, series) {
        Ok(plan) => {
            for (path, _, content) in plan.changes() {
                let hits = walk::FileHits {
                    path: path.clone(),
                    defines: scan::defines(&content),
                    uses: walk::flag_uses(&content),
                };
                files.insert(path, hits);
            }
            let after = State::from_files(&files, scanned);
            let added = after
                .family
                .iter()
                .filter(|d| !before.contains(&d.name))
                .cloned()
                .collect();
            let names: std::collections::HashSet<&str> = after.family.iter().map(|d| d.name.as_str()).collect();
            let removed = before.iter().filter(|n| !names.contains(n.as_str())).cloned().collect();
            (
                after,
                SeriesFlags {
                    source,
                    applies: true,
                    note: None,
                    added,
                    removed,
                },
            )
        }
        Err(e) => {
            let mut after = base.clone();
            let mut added = Vec::new();
            let mut removed = Vec::new();
            for fp in series.patches.iter().flat_map(|p| &p.files) {
                for line in fp.hunks.iter().flat_map(|h| &h.lines) {
                    let Some(d) = scan::defines(&format!("{}\n", line.text.trim())).into_iter().next() else {
                        continue;
                    };
                    let mut d = d;
                    d.line = line.line;
                    let file = format!("{} (as {})", fp.path(), series.source.display());
                    match line.kind {
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
                first_line(&e.to_string())
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
            )
        }
    }
}

fn first_line(s: &str) -> String {
    let s = s.lines().next().unwrap_or("");
    if s.chars().count() > 160 {
        format!("{}…", s.chars().take(159).collect::<String>())
    } else {
        s.to_string()
    }
}
