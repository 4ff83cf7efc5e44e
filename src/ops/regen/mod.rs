//! `kfpatch regen`: write the KF_SPIN_LOCK change for the tree in front of us, as a
//! `git format-patch` mail, from `templates/regen/`. Rust finds anchors and splices; the code
//! that is added lives in the templates, one set per era ([`era`]).

pub mod compare;
pub mod era;
pub mod form;
pub mod selftests;
pub mod style;

use super::{apply, check, Context};
use crate::kernel::{flagdefs, indent, journal, write, KernelTree};
use crate::mail::write::{render_mail, FileChange, MailHeader};
use crate::mail::{Person, SubjectPrefix};
use crate::template;
use minijinja::context;
use serde::Serialize;
use std::path::{Path, PathBuf};

const BTF_H: &str = "include/linux/btf.h";
const VERIFIER_C: &str = "kernel/bpf/verifier.c";
const UPSTREAM_BIT: u32 = 17;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BitChoice {
    /// The next free bit per `check`.
    Auto,
    /// 17, as upstream; an error when taken.
    Upstream,
    Exact(u32),
}

impl std::str::FromStr for BitChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(BitChoice::Auto),
            "upstream" => Ok(BitChoice::Upstream),
            n => n
                .parse()
                .map(BitChoice::Exact)
                .map_err(|_| format!("`{n}`: expected auto, upstream or a bit number")),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    pub tree: KernelTree,
    pub flag: String,
    pub bit: BitChoice,
    pub rfc: bool,
    pub version: Option<u32>,
    pub from: Person,
    pub date: chrono::DateTime<chrono::FixedOffset>,
    pub out_dir: PathBuf,
    pub cover_letter: bool,
    /// Also write patches 2/3 (bpf_testmod flag) and 3/3 (kfunc_call tests).
    pub with_selftests: bool,
    /// Run the tree's scripts/checkpatch.pl --strict on each generated patch.
    pub check_style: bool,
    /// Subject prefix, `base-commit:`, stable-backport form.
    pub form: form::MailForm,
    /// A previous version (its file, and the series read from it) to range-diff against.
    pub compare_to: Option<(PathBuf, crate::mail::Series)>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Outcome {
    Generated {
        era: &'static str,
        flag: String,
        bit: u32,
        bit_note: Option<String>,
        files: Vec<PathBuf>,
        added: usize,
        removed: usize,
        /// checkpatch.pl's word on each patch (with `check_style`), in file order.
        style: Vec<style::StyleReport>,
        /// `--base`: the commit written as `base-commit:`, or why none was.
        base: Option<form::Base>,
        /// `--stable`: the note the backport carries.
        stable_note: Option<String>,
        /// `--compare-to`: the range-diff against the previous version.
        compare: Option<Box<compare::Comparison>>,
    },
    MergedUpstream {
        flag: String,
        line: usize,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum RegenError {
    #[error("{}: unknown shape of {VERIFIER_C}; {}", tree.display(), describe_missing(missing))]
    UnknownShape {
        tree: PathBuf,
        missing: Vec<(&'static str, Vec<&'static str>)>,
    },
    #[error("{}: bit {bit} is taken by {owner}", tree.display())]
    BitTaken { tree: PathBuf, bit: u32, owner: String },
    #[error("{}: {what}", tree.display())]
    Anchor { tree: PathBuf, what: String },
    #[error(transparent)]
    Tree(#[from] crate::kernel::TreeError),
    #[error(transparent)]
    Journal(#[from] crate::kernel::journal::JournalError),
    #[error(transparent)]
    Check(#[from] check::CheckError),
    #[error("template: {0}")]
    Template(#[from] minijinja::Error),
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    /// `--base`, `--stable` or `--compare-to` cannot be honoured for this tree (bad input).
    #[error("{}: {why}", tree.display())]
    BadOption { tree: PathBuf, why: String },
    #[error("checkpatch.pl: {0}")]
    Style(std::io::Error),
    /// The generated series did not pass its own check; nothing was written.
    #[error("{}: the generated series {why}; nothing written", tree.display())]
    SelfCheck { tree: PathBuf, why: String },
}

fn describe_missing(missing: &[(&'static str, Vec<&'static str>)]) -> String {
    let parts: Vec<String> = missing
        .iter()
        .map(|(era, anchors)| {
            let first = anchors
                .first()
                .map(|a| a.trim().lines().next().unwrap_or("").trim())
                .unwrap_or("");
            format!("not {era} (no `{first}`)")
        })
        .collect();
    parts.join("; ")
}

/// Pick the bit for the new flag.
fn choose_bit(ctx: &Context, tree: &KernelTree, choice: BitChoice) -> Result<(u32, Option<String>), RegenError> {
    let report = check::run(ctx, &check::Options::tree(tree))?;
    let owner = |bit: u32| {
        report
            .bits
            .get(bit as usize)
            .filter(|r| !r.names.is_empty())
            .map(|r| format!("{} ({})", r.names.join(", "), r.locations.join(", ")))
    };
    let bit = match choice {
        BitChoice::Auto => report.next_free.ok_or_else(|| RegenError::BitTaken {
            tree: tree.root.clone(),
            bit: 31,
            owner: "every bit up to 31".into(),
        })?,
        BitChoice::Upstream => UPSTREAM_BIT,
        BitChoice::Exact(n) => n,
    };
    if bit >= 32 {
        return Err(RegenError::BitTaken {
            tree: tree.root.clone(),
            bit,
            owner: "nothing: kfunc flags are a u32".into(),
        });
    }
    if let Some(o) = owner(bit) {
        return Err(RegenError::BitTaken {
            tree: tree.root.clone(),
            bit,
            owner: o,
        });
    }
    let note = (bit != UPSTREAM_BIT).then(|| format!("bit {bit} differs from upstream's {UPSTREAM_BIT}"));
    Ok((bit, note))
}

/// Lines `[start, end)` of the function whose definition starts with `signature`.
fn function_span(lines: &[String], signature: &str) -> Option<(usize, usize)> {
    let start = lines.iter().position(|l| l.starts_with(signature))?;
    let end = lines[start..].iter().position(|l| l == "}")? + start + 1;
    Some((start, end))
}

fn splice_verifier(tree: &KernelTree, era: &era::Era, flag: &str, text: &str) -> Result<String, RegenError> {
    let anchor = |what: String| RegenError::Anchor {
        tree: tree.root.clone(),
        what,
    };
    let ctx = context! { flag => flag };
    let call_site = template::render(&era.template(era::Era::CALL_SITE_TEMPLATE), ctx.clone())?;
    if text.matches(era.call_site).count() != 1 {
        return Err(anchor(format!(
            "the lock check in {VERIFIER_C} is not there exactly once"
        )));
    }
    let text = text.replacen(era.call_site, &call_site, 1);
    let helper = template::render(&era.template(era::Era::HELPER_TEMPLATE), ctx)?;
    let helper_lines: Vec<String> = helper.trim_end_matches('\n').lines().map(str::to_string).collect();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    match era.helper {
        era::HelperPlacement::Replace(sig) => {
            let (s, e) = function_span(&lines, sig).ok_or_else(|| anchor(format!("no `{sig}` in {VERIFIER_C}")))?;
            lines.splice(s..e, helper_lines);
        }
        era::HelperPlacement::InsertAfter(sig) => {
            let (_, e) = function_span(&lines, sig).ok_or_else(|| anchor(format!("no `{sig}` in {VERIFIER_C}")))?;
            lines.splice(e..e, helper_lines);
        }
    }
    Ok(lines.join("\n") + "\n")
}

/// Insert the flag after the family's highest bit, padded like its neighbours.
fn splice_btf(tree: &KernelTree, text: &str, flag: &str, bit: u32) -> Result<String, RegenError> {
    let defines = flagdefs::defines(text);
    let last = defines
        .iter()
        .filter(|d| d.bit().is_some())
        .max_by_key(|d| d.bit())
        .ok_or_else(|| RegenError::Anchor {
            tree: tree.root.clone(),
            what: format!("no KF_* flag defines in {BTF_H}"),
        })?;
    let line = template::render("regen/btf-flag.h.j2", context! { flag => flag, bit => bit })?;
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines.insert(last.line, line.trim_end().to_string());
    indent::reindent(&mut lines, &[last.line]);
    Ok(lines.join("\n") + "\n")
}

/// Generate the series for the tree into `opts.out_dir`.
pub fn run(ctx: &Context, opts: &Options) -> Result<Outcome, RegenError> {
    // `ctx` is shadowed below by the templates' context.
    let op_ctx = ctx;
    let tree = &opts.tree;
    // Never read a tree an interrupted apply left half written; the lock is not kept.
    drop(journal::lock_and_recover(&ctx.cache_root, &tree.root, true, |t| {
        ctx.notice(t)
    })?);
    if let Some(merged) = merged_upstream(ctx, tree) {
        return Ok(merged);
    }
    let btf = tree.read(BTF_H)?;
    let verifier = tree.read(VERIFIER_C)?;
    let detection = era::detect(&verifier);
    let Some(era) = detection.era.and_then(era::by_name) else {
        return Err(RegenError::UnknownShape {
            tree: tree.root.clone(),
            missing: detection.missing,
        });
    };
    let (bit, bit_note) = choose_bit(ctx, tree, opts.bit)?;
    let new_btf = splice_btf(tree, &btf, &opts.flag, bit)?;
    let new_verifier = splice_verifier(tree, era, &opts.flag, &verifier)?;
    let changes = vec![
        FileChange {
            path: BTF_H.into(),
            old: Some(btf),
            new: new_btf,
            mode: 0o100644,
        },
        FileChange {
            path: VERIFIER_C.into(),
            old: Some(verifier),
            new: new_verifier,
            mode: 0o100644,
        },
    ];
    let backport = era.backport;
    if let Some(stable) = &opts.form.stable {
        form::check_stable(tree, stable)?;
    }
    let stable_note = opts
        .form
        .stable
        .as_ref()
        .map(|s| form::stable_note(s, era, &opts.flag, bit));
    let ctx = context! {
        flag => opts.flag, bit => bit, backport => backport, version => tree.version,
        era_note => wrap(&format!("Backport to Linux {}: {}.", tree.version, era.note), 72),
        signer => opts.from.render(),
        upstream => opts.form.stable.as_ref().and_then(|s| s.upstream.clone()),
        stable_note => stable_note,
    };
    let (added, removed) = changes
        .iter()
        .map(FileChange::added_removed)
        .fold((0, 0), |(a, r), (x, y)| (a + x, r + y));
    // (commit message, files) of each patch, in series order.
    let mut series = vec![(template::render("regen/commit-message.j2", ctx.clone())?, changes)];
    if opts.with_selftests {
        let tests = selftests::generate(tree, &opts.flag)?;
        series.push((
            template::render("regen/selftests/commit-testmod.j2", ctx.clone())?,
            tests.testmod,
        ));
        series.push((
            template::render("regen/selftests/commit-tests.j2", ctx.clone())?,
            tests.tests,
        ));
    }
    let total = series.len() as u32;
    let numbered = total > 1 || opts.cover_letter;
    let prefix = SubjectPrefix {
        total: numbered.then_some(total),
        ..form::prefix(&opts.form, opts.rfc, opts.version)
    };
    let touched: Vec<String> = series
        .iter()
        .flat_map(|(_, changes)| changes.iter().map(|c| c.path.clone()))
        .collect();
    let base = match &opts.form.base {
        Some(spec) => Some(form::resolve_base(tree, spec, &touched)?),
        None => None,
    };
    let base_commit = base.as_ref().and_then(|b| b.commit.clone());
    // Every mail in memory first: nothing is written unless the series proves itself.
    let mut mails: Vec<(PathBuf, String)> = Vec::new();
    let mut subjects = Vec::new();
    for (i, (message, changes)) in series.iter().enumerate() {
        let (subject, body) = message.split_once('\n').unwrap_or((message, ""));
        let header = MailHeader {
            from: opts.from.clone(),
            date: opts.date,
            prefix: SubjectPrefix {
                index: numbered.then_some(i as u32 + 1),
                ..prefix.clone()
            },
            subject: subject.to_string(),
            message: body.trim().to_string(),
            commit_id: "0".repeat(40),
            signature: format!("kfpatch {}", env!("CARGO_PKG_VERSION")),
            // As format-patch: on the cover letter when there is one, else on the first patch.
            base_commit: base_commit.clone().filter(|_| i == 0 && !opts.cover_letter),
        };
        let path = opts.out_dir.join(format!("{:04}-{}.patch", i + 1, file_stem(subject)));
        mails.push((path, render_mail(&header, changes)?));
        subjects.push(subject.to_string());
    }
    let new_series = self_check(op_ctx, tree, &mails)?;
    let comparison = match &opts.compare_to {
        Some((path, old)) => Some(op_ctx.stage("range-diff against the previous version", || {
            compare::compare(op_ctx, tree, path, old, &new_series)
        })?),
        None => None,
    };
    if opts.cover_letter {
        let this_version = opts.version.unwrap_or(1);
        let body = template::render(
            "regen/cover-letter-body.j2",
            context! {
                changes => comparison.as_ref().map(|c| c.changes.clone()),
                this_version => this_version,
                ..ctx
            },
        )?;
        let cover_prefix = SubjectPrefix {
            index: Some(0),
            ..prefix
        };
        let all: Vec<FileChange> = series.iter().flat_map(|(_, c)| c.iter().cloned()).collect();
        let cover = template::render(
            "mail/cover-letter.mail.j2",
            context! {
                commit_id => "0".repeat(40),
                from => opts.from.render(),
                date => opts.date.to_rfc2822(),
                subject_header => crate::mail::write::fold_subject(&format!("{} *** SUBJECT HERE ***", cover_prefix.render())),
                body => body.trim_end(),
                author_name => opts.from.name,
                patches => subjects,
                diffstat => crate::mail::write::diffstat(&all),
                base_commit => base_commit,
                range_diff => comparison.as_ref().map(|c| c.range_diff.clone()),
                previous_version => this_version.saturating_sub(1).max(1),
                signature => format!("kfpatch {}", env!("CARGO_PKG_VERSION")),
            },
        )?;
        mails.insert(0, (opts.out_dir.join("0000-cover-letter.patch"), cover));
    }
    std::fs::create_dir_all(&opts.out_dir).map_err(|e| RegenError::Io {
        path: opts.out_dir.clone(),
        source: e,
    })?;
    for (path, text) in &mails {
        write(path, text)?;
    }
    let files: Vec<PathBuf> = mails.into_iter().map(|(path, _)| path).collect();
    let mut style = Vec::new();
    if opts.check_style {
        for f in files.iter().filter(|f| !f.ends_with("0000-cover-letter.patch")) {
            style.push(style::check(tree, f).map_err(RegenError::Style)?);
        }
    }
    Ok(Outcome::Generated {
        era: era.name,
        flag: opts.flag.clone(),
        bit,
        bit_note,
        files,
        added,
        removed,
        style,
        base,
        stable_note,
        compare: comparison.map(Box::new),
    })
}

/// The tree has the RFC's change merged under another name, by the same evidence `apply`
/// uses (the flag on the same bit in btf.h, and the verifier's lines that use it), never by
/// a name alone.
fn merged_upstream(ctx: &Context, tree: &KernelTree) -> Option<Outcome> {
    let probe = apply::Options {
        check: true,
        ..apply::Options::new(tree.clone(), crate::mail::bundled())
    };
    match apply::run(ctx, &probe).ok()?.verdict {
        apply::Verdict::EquivalentUpstream { flag, evidence, .. } => Some(Outcome::MergedUpstream {
            line: evidence.iter().find(|e| e.file == BTF_H).map(|e| e.line).unwrap_or(0),
            flag,
        }),
        _ => None,
    }
}

/// The generated series must apply to the tree (as `apply --check` places it) and leave its
/// KF_* flags without errors (as `check --patch` judges them).
fn self_check(
    ctx: &Context,
    tree: &KernelTree,
    mails: &[(PathBuf, String)],
) -> Result<crate::mail::Series, RegenError> {
    let failed = |why: String| RegenError::SelfCheck {
        tree: tree.root.clone(),
        why,
    };
    let text: Vec<&str> = mails.iter().map(|(_, t)| t.as_str()).collect();
    let series = crate::mail::parse_series(Path::new("regenerated series"), text.join("\n").as_bytes())
        .map_err(|e| failed(format!("does not read back: {e}")))?;
    let report = check::run(
        ctx,
        &check::Options {
            series: vec![series.clone()],
            ..check::Options::tree(tree)
        },
    )?;
    if let Some(s) = report.series.iter().find(|s| !s.applies) {
        return Err(failed(format!(
            "does not apply: {}",
            s.note.as_deref().unwrap_or("no placement")
        )));
    }
    match report.findings.iter().find(|f| f.level == check::Level::Error) {
        Some(f) => Err(failed(format!("fails check: {}: {}", f.kind, f.message))),
        None => Ok(series),
    }
}

fn write(path: &Path, text: &str) -> Result<(), RegenError> {
    write::write_all(&[(path.to_path_buf(), text.to_string(), 0o100644)]).map_err(|e| RegenError::Io {
        path: path.to_path_buf(),
        source: e.source,
    })
}

/// Wrap prose at `width` columns (commit messages are read at 75).
fn wrap(text: &str, width: usize) -> String {
    let mut lines: Vec<String> = vec![String::new()];
    for word in text.split_whitespace() {
        let current = lines.last_mut().expect("one line");
        if !current.is_empty() && current.len() + 1 + word.len() > width {
            lines.push(word.to_string());
        } else {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
        }
    }
    lines.join("\n")
}

/// git format-patch's file name for a subject.
pub fn file_stem(subject: &str) -> String {
    let mut out = String::new();
    for c in subject.chars() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches(|c| c == '-' || c == '.').to_string();
    out.chars()
        .take(64)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn file_names_like_format_patch() {
        assert_eq!(
            super::file_stem("bpf: Add KF_SPIN_LOCK flag for kfuncs under bpf_spin_lock"),
            "bpf-Add-KF_SPIN_LOCK-flag-for-kfuncs-under-bpf_spin_lock"
        );
    }
}
