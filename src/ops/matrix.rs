//! `kfpatch matrix`: one series proven on every tree a backport check cares about. For each
//! tree, in a work copy (never the pristine tree): put the series on (apply it; where it does
//! not fit, regenerate the backport for the tree's era and apply that; where the tree has the
//! change merged upstream, test that), check the flag bits, build, and run the VM suite.
//!
//! Rows run side by side, one thread each; the VM operation's build slot (a lock file) lets
//! one kernel build at a time, so a tree boots and is judged while the next one builds. Work copies and build
//! directories are keyed by tree and series, so a second run rebuilds nothing unchanged.

use super::tree::{self, Target};
use super::{apply, check, regen, vm, Context};
use crate::events::Event;
use crate::kernel::KernelTree;
use crate::mail::{self, Series};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Debug, Clone)]
pub struct Options {
    pub targets: Vec<Target>,
    pub series: Series,
    pub vm: vm::Settings,
}

/// How the series got onto the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum How {
    /// Applied as it is, every hunk exact or at an offset.
    Applied,
    /// Applied, with whitespace damage healed.
    Healed,
    /// The tree has another shape: the backport was regenerated for its era and applied.
    Regenerated,
    /// The work copy already had the series (a second run).
    AlreadyApplied,
    /// The tree has the change under another name; that is what was tested.
    MergedUpstream,
}

/// A row's verdict; the matrix exits with the worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowVerdict {
    Pass,
    /// The series does not go on, the bits are unsound, the tree does not build, or a VM
    /// expectation failed.
    Fail,
    /// A tool, the tree's download or the VM could not run.
    Unavailable,
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// `debian 7.2` or the tree's path as given.
    pub target: String,
    /// The work copy that was built and tested.
    pub tree: PathBuf,
    pub version: String,
    /// The era regen recognises (`v7.2`, `v6.12`, `v6.1`), or `merged` upstream.
    pub era: Option<String>,
    pub how: Option<How>,
    pub flag: Option<String>,
    pub bit: Option<u32>,
    pub check_errors: Option<usize>,
    pub build_s: Option<f64>,
    pub cases: Vec<vm::CaseResult>,
    pub verdict: RowVerdict,
    /// Why the row did not pass, on one line.
    pub why: Option<String>,
    pub vmtest: Option<vm::VmReport>,
    pub total_s: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub series: PathBuf,
    pub patchset: mail::Patchset,
    pub rows: Vec<Row>,
}

impl Outcome {
    /// The worst verdict of the rows.
    pub fn worst(&self) -> RowVerdict {
        self.rows.iter().map(|r| r.verdict).max().unwrap_or(RowVerdict::Pass)
    }
}

/// A row that stopped early: why, and whether that was the tree's fault or the machine's.
struct Stop {
    verdict: RowVerdict,
    why: String,
}

impl Stop {
    fn fail(why: impl std::fmt::Display) -> Stop {
        Stop {
            verdict: RowVerdict::Fail,
            why: first_line(&why.to_string()),
        }
    }
    fn unavailable(why: impl std::fmt::Display) -> Stop {
        Stop {
            verdict: RowVerdict::Unavailable,
            why: first_line(&why.to_string()),
        }
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").to_string()
}

impl From<vm::VmError> for Stop {
    fn from(e: vm::VmError) -> Stop {
        match e {
            vm::VmError::Unavailable(_) | vm::VmError::Config(_) => Stop::unavailable(e),
            _ => Stop::fail(e),
        }
    }
}

/// Run every row; rows never fail the whole matrix, they carry their verdict.
pub fn run(ctx: &Context, opts: &Options) -> Outcome {
    let rows = std::thread::scope(|scope| {
        let handles: Vec<_> = opts
            .targets
            .iter()
            .map(|target| {
                scope.spawn(move || {
                    let label = target.label();
                    let prefixed = |e: Event| ctx.emit(prefix(&label, e));
                    let row_ctx = Context::new(ctx.cache_root.clone(), &prefixed);
                    run_row(&row_ctx, target, &opts.series, &opts.vm)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a row's thread does not panic"))
            .collect()
    });
    Outcome {
        series: opts.series.source.clone(),
        patchset: opts.series.patchset(),
        rows,
    }
}

/// Name the row in every stage and notice, so interleaved rows stay readable.
fn prefix(label: &str, event: Event) -> Event {
    match event {
        Event::StageBegin { stage } => Event::StageBegin {
            stage: format!("{label}: {stage}"),
        },
        Event::StageEnd { stage, result, seconds } => Event::StageEnd {
            stage: format!("{label}: {stage}"),
            result,
            seconds,
        },
        Event::Notice { text } => Event::Notice {
            text: format!("{label}: {text}"),
        },
        log @ Event::Log { .. } => log,
    }
}

fn run_row(ctx: &Context, target: &Target, series: &Series, settings: &vm::Settings) -> Row {
    let started = Instant::now();
    let mut row = Row {
        target: target.label(),
        tree: PathBuf::new(),
        version: String::new(),
        era: None,
        how: None,
        flag: None,
        bit: None,
        check_errors: None,
        build_s: None,
        cases: vec![],
        verdict: RowVerdict::Pass,
        why: None,
        vmtest: None,
        total_s: 0.0,
    };
    if let Err(stop) = fill_row(ctx, target, series, settings, &mut row) {
        row.verdict = stop.verdict;
        row.why = Some(stop.why);
    }
    row.total_s = started.elapsed().as_secs_f64();
    row
}

/// The pristine tree and the work copy for `series` on it.
fn trees(ctx: &Context, target: &Target, series: &Series) -> Result<(KernelTree, KernelTree), Stop> {
    let pristine = target.resolve(ctx).map_err(|e| match e {
        tree::TargetError::Fetch(_) => Stop::unavailable(e),
        tree::TargetError::Tree(_) => Stop::fail(e),
    })?;
    let work = tree::work_copy(ctx, &pristine, &series.key()).map_err(Stop::fail)?;
    Ok((pristine, work))
}

fn fill_row(
    ctx: &Context,
    target: &Target,
    series: &Series,
    settings: &vm::Settings,
    row: &mut Row,
) -> Result<(), Stop> {
    let (pristine, work) = trees(ctx, target, series)?;
    row.tree = work.root.clone();
    row.version = work.version.clone();
    // The era (and the backport, in case the series does not fit) from the pristine tree;
    // mails go beside the work copy, never into a tree. A tree regen cannot read (one that
    // already has the series, say) is only a problem if the series itself does not fit.
    // Named after the whole work copy: `with_extension` would cut `linux-source-7.2-…` at its
    // dot and give every 7.x row (and every 6.x row) one shared directory.
    let name = work
        .root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let regen_dir = work.root.with_file_name(format!("{name}.regen"));
    let regenerated = ctx.stage("regen", || regen::run(ctx, &regen_options(&pristine, &regen_dir)));
    let backport = match &regenerated {
        Ok(regen::Outcome::Generated { era, files, .. }) => {
            row.era = Some(era.to_string());
            Ok(files.clone())
        }
        Ok(regen::Outcome::MergedUpstream { .. }) => {
            row.era = Some("merged".into());
            Ok(vec![])
        }
        Err(e) => Err(e.to_string()),
    };
    let (how, flag) = put_series_on(ctx, &work, series, &backport)?;
    row.how = Some(how);
    let checked = ctx
        .stage("check flags", || check::run(ctx, &check::Options::tree(&work)))
        .map_err(Stop::fail)?;
    row.check_errors = Some(checked.errors);
    row.bit = checked.flags.iter().find(|d| d.name == flag).and_then(|d| d.bit());
    row.flag = Some(flag.clone());
    let report = vm::run(
        ctx,
        &vm::Options {
            tree: work,
            settings: settings.clone(),
            flag: Some(flag),
            inject: None,
            touched: series.touched_files(),
        },
    )?;
    row.build_s = Some(report.timings.build_s);
    row.cases = report.cases.clone();
    let failed: Vec<String> = report
        .cases
        .iter()
        .filter(|c| c.status == vm::Status::Fail)
        .map(|c| format!("{}: {}", c.name, c.why))
        .chain(report.problems.iter().cloned())
        .collect();
    let vm_ok = report.ok;
    row.vmtest = Some(report);
    if checked.errors > 0 {
        return Err(Stop::fail(format!(
            "check: {} error(s) in the flag bits",
            checked.errors
        )));
    }
    if !vm_ok {
        return Err(Stop::fail(failed.join("; ")));
    }
    Ok(())
}

fn regen_options(tree: &KernelTree, out_dir: &Path) -> regen::Options {
    let from = mail::bundled().patches[0]
        .author
        .clone()
        .expect("the bundled RFC has an author");
    regen::Options {
        tree: tree.clone(),
        flag: "KF_SPIN_LOCK".into(),
        bit: regen::BitChoice::Auto,
        rfc: true,
        version: None,
        from,
        date: chrono::Local::now().fixed_offset(),
        out_dir: out_dir.to_path_buf(),
        cover_letter: false,
        with_selftests: false,
        check_style: false,
        form: regen::form::MailForm::default(),
        compare_to: None,
    }
}

/// Apply the series, or the regenerated backport where it does not fit. Returns how, and
/// the flag name the tree now has for "callable under bpf_spin_lock".
fn put_series_on(
    ctx: &Context,
    work: &KernelTree,
    series: &Series,
    backport: &Result<Vec<PathBuf>, String>,
) -> Result<(How, String), Stop> {
    let flag = series_flag(series);
    let applied = ctx.stage("apply", || {
        apply::run(ctx, &apply::Options::new(work.clone(), series.clone()))
    });
    match applied {
        Ok(outcome) => Ok(match outcome.verdict {
            apply::Verdict::EquivalentUpstream { flag, .. } => (How::MergedUpstream, flag),
            apply::Verdict::AlreadyApplied => (How::AlreadyApplied, flag),
            _ if healed(&outcome) => (How::Healed, flag),
            _ => (How::Applied, flag),
        }),
        Err(e @ (apply::ApplyError::NoMatch { .. } | apply::ApplyError::Ambiguous { .. })) => {
            let files = match backport {
                Ok(files) if !files.is_empty() => files,
                Ok(_) => return Err(Stop::fail(e)),
                Err(why) => return Err(Stop::fail(format!("{e}; and no backport: {why}"))),
            };
            let backport = mail::read_all(files).map_err(Stop::fail)?;
            let outcome = ctx
                .stage("apply backport", || {
                    apply::run(ctx, &apply::Options::new(work.clone(), backport.clone()))
                })
                .map_err(Stop::fail)?;
            match outcome.verdict {
                apply::Verdict::Applied | apply::Verdict::AlreadyApplied => {
                    Ok((How::Regenerated, "KF_SPIN_LOCK".into()))
                }
                other => Err(Stop::fail(format!("the regenerated backport: {}", other.describe()))),
            }
        }
        Err(e) => Err(Stop::fail(e)),
    }
}

fn healed(outcome: &apply::Outcome) -> bool {
    outcome
        .patches
        .iter()
        .flat_map(|p| &p.hunks)
        .any(|h| h.strategy == apply::Strategy::Healed)
}

/// The flag the series adds to include/linux/btf.h (KF_SPIN_LOCK for the RFC).
fn series_flag(series: &Series) -> String {
    series
        .patches
        .iter()
        .flat_map(|p| &p.files)
        .filter(|f| f.path() == check::FAMILY_FILE)
        .flat_map(|f| f.hunks.iter().flat_map(|h| h.added()))
        .find_map(|l| {
            crate::kernel::flagdefs::defines(&format!("{}\n", l.text.trim()))
                .into_iter()
                .next()
                .map(|d| d.name)
        })
        .unwrap_or_else(|| "KF_SPIN_LOCK".into())
}
