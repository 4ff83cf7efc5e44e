//! `kfpatch validate`: the whole job in one command — put the series on a tree, check the flag
//! bits, and prove the result in a VM.
//!
//! Without `--tree` it works on a Debian tree from the cache: a hard-linked copy of the pristine
//! tree (fast, and the pristine files stay untouched because kfpatch replaces files by rename),
//! keyed by the series' content so a second run finds the series already applied and the build
//! incremental.

use crate::apply::{self, Verdict};
use crate::mail::Series;
use crate::tree::{debian, KernelTree};
use crate::{flags, vm};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    #[error("fetching linux-source-{version}: {source}")]
    Fetch {
        version: String,
        source: debian::FetchError,
    },
    #[error("{}: {why}", path.display())]
    WorkTree { path: PathBuf, why: String },
    #[error(transparent)]
    Tree(#[from] crate::tree::TreeError),
    #[error(transparent)]
    Apply(#[from] apply::ApplyError),
    #[error(transparent)]
    Check(#[from] flags::CheckError),
    #[error(transparent)]
    Vm(#[from] vm::VmError),
}

impl ValidateError {
    pub fn exit_code(&self) -> u8 {
        match self {
            ValidateError::Fetch { .. } => crate::exit::UNAVAILABLE,
            ValidateError::Apply(e) => e.exit_code(),
            ValidateError::Vm(e) => e.exit_code(),
            _ => crate::exit::BAD_INPUT,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ValidateReport {
    pub schema: &'static str,
    pub tree: PathBuf,
    pub apply: apply::Outcome,
    pub check_errors: usize,
    pub check_findings: Vec<flags::Finding>,
    pub vmtest: vm::VmReport,
    pub ok: bool,
}

/// Which tree to validate on.
pub enum Target {
    /// A tree the user owns: the series is applied in place.
    Tree(PathBuf),
    /// A Debian version from the cache, worked on in a hard-linked copy named by `key`.
    Debian { version: String, key: String },
}

/// A hard-linked copy of `pristine` at `dest`, made once.
fn work_copy(pristine: &Path, dest: &Path) -> Result<(), ValidateError> {
    let marker = dest.join(".kfpatch-work");
    if marker.is_file() {
        return Ok(());
    }
    let err = |why: String| ValidateError::WorkTree {
        path: dest.to_path_buf(),
        why,
    };
    if dest.exists() {
        std::fs::remove_dir_all(dest).map_err(|e| err(e.to_string()))?;
    }
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent).map_err(|e| err(e.to_string()))?;
    }
    let status = Command::new("cp")
        .arg("-al")
        .arg(pristine)
        .arg(dest)
        .status()
        .map_err(|e| err(format!("cp: {e}")))?;
    if !status.success() {
        return Err(err(format!("cp -al {} failed", pristine.display())));
    }
    std::fs::write(&marker, format!("hard-linked copy of {}\n", pristine.display())).map_err(|e| err(e.to_string()))?;
    Ok(())
}

/// The key of a series' work copy: the git blob id of its raw input (so the same mail always
/// maps to the same work tree and build directory).
pub fn series_key(raw_inputs: &[String]) -> String {
    crate::mail::write::blob_id(&raw_inputs.concat())[..8].to_string()
}

/// Resolve the target to a tree on disk.
pub fn prepare_tree(target: &Target, on_event: &mut dyn FnMut(vm::Event)) -> Result<PathBuf, ValidateError> {
    match target {
        Target::Tree(p) => Ok(p.clone()),
        Target::Debian { version, key } => {
            on_event(vm::Event::Step("fetch tree"));
            let cache = debian::cache_dir();
            let pristine = debian::fetch(&cache, version, &mut |m| on_event(vm::Event::Detail(m.to_string())))
                .map_err(|source| ValidateError::Fetch {
                    version: version.clone(),
                    source,
                })?;
            let dest = crate::cache_root()
                .join("work")
                .join(format!("linux-source-{version}-{key}"));
            work_copy(&pristine, &dest)?;
            Ok(dest)
        }
    }
}

/// Apply, check, VM-test.
pub fn run(
    target: &Target,
    series: &Series,
    vm_opts: &vm::Options,
    on_event: &mut dyn FnMut(vm::Event),
) -> Result<ValidateReport, ValidateError> {
    let tree_path = prepare_tree(target, on_event)?;
    let tree = KernelTree::open(&tree_path)?;
    on_event(vm::Event::Step("apply"));
    let outcome = apply::run(&tree, series, &apply::Options::default())?;
    match &outcome.verdict {
        Verdict::EquivalentUpstream { flag, .. } => on_event(vm::Event::Notice(format!(
            "the tree already has the change as {flag}; testing it as it is"
        ))),
        Verdict::AlreadyApplied => on_event(vm::Event::Notice("series already applied".into())),
        _ => {}
    }
    on_event(vm::Event::Step("check flags"));
    let check = flags::audit(&tree, &flags::Options::default())?;
    let opts = vm::Options {
        tree: tree_path.clone(),
        ..vm_opts.clone()
    };
    let vmtest = vm::run(&opts, on_event)?;
    let check_findings: Vec<flags::Finding> = check
        .findings
        .into_iter()
        .filter(|f| f.level != flags::Level::Info)
        .collect();
    let ok = check.errors == 0 && vmtest.ok;
    Ok(ValidateReport {
        schema: "kfpatch-validate/1",
        tree: tree_path,
        apply: outcome,
        check_errors: check.errors,
        check_findings,
        vmtest,
        ok,
    })
}
