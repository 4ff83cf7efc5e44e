//! `kfpatch validate`: the whole job in one command — put the series on a tree, check the flag
//! bits, and prove the result in a VM.
//!
//! Without a tree of the user's it works on a Debian tree from the cache: a hard-linked copy of
//! the pristine tree (fast, and the pristine files stay untouched because kfpatch replaces
//! files by rename), keyed by the series' content so a second run finds the series already
//! applied and the build incremental.

use super::tree::{self, Target};
use super::{apply, check, doctor, vm, Context};
use crate::kernel::KernelTree;
use crate::mail::Series;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    #[error(transparent)]
    Doctor(#[from] doctor::DoctorError),
    #[error(transparent)]
    Target(#[from] tree::TargetError),
    #[error(transparent)]
    Tree(#[from] crate::kernel::TreeError),
    #[error(transparent)]
    Apply(#[from] apply::ApplyError),
    #[error(transparent)]
    Check(#[from] check::CheckError),
    #[error(transparent)]
    Vm(#[from] vm::VmError),
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub tree: PathBuf,
    pub apply: apply::Outcome,
    pub check_errors: usize,
    pub check_findings: Vec<check::Finding>,
    pub vmtest: vm::VmReport,
    pub patchset: crate::mail::Patchset,
    pub ok: bool,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub target: Target,
    pub series: Series,
    pub vm: vm::Settings,
    /// First install missing host tools (`doctor --install`).
    pub install: bool,
}

/// The tree to work on: the user's, or a work copy of a Debian tree keyed by the series.
pub fn prepare_tree(ctx: &Context, target: &Target, series: &Series) -> Result<KernelTree, ValidateError> {
    match target {
        Target::Tree(t) => Ok(t.clone()),
        Target::Debian(_) => Ok(tree::work_copy(ctx, &target.resolve(ctx)?, &series.key())?),
    }
}

/// Apply, check, VM-test.
pub fn run(ctx: &Context, opts: &Options) -> Result<Outcome, ValidateError> {
    if opts.install {
        doctor::run(
            ctx,
            &doctor::Options {
                install: true,
                ..Default::default()
            },
        )?;
    }
    let tree = prepare_tree(ctx, &opts.target, &opts.series)?;
    let applied = ctx.stage("apply", || {
        apply::run(ctx, &apply::Options::new(tree.clone(), opts.series.clone()))
    })?;
    match &applied.verdict {
        apply::Verdict::EquivalentUpstream { flag, .. } => ctx.notice(format!(
            "the tree already has the change as {flag}; testing it as it is"
        )),
        apply::Verdict::AlreadyApplied => ctx.notice("series already applied"),
        _ => {}
    }
    let checked = ctx.stage("check flags", || check::run(ctx, &check::Options::tree(&tree)))?;
    let vmtest = vm::run(
        ctx,
        &vm::Options {
            tree: tree.clone(),
            settings: opts.vm.clone(),
            flag: None,
            inject: None,
            touched: opts.series.touched_files(),
        },
    )?;
    let check_findings: Vec<check::Finding> = checked
        .findings
        .into_iter()
        .filter(|f| f.level != check::Level::Info)
        .collect();
    let ok = checked.errors == 0 && vmtest.ok;
    Ok(Outcome {
        tree: tree.root,
        apply: applied,
        check_errors: checked.errors,
        check_findings,
        vmtest,
        patchset: opts.series.patchset(),
        ok,
    })
}
