//! `kfpatch doctor`: the host tools a VM test needs, found or not, with the Debian packages
//! that provide them; with `install`, apt-get installs what is missing.

use super::Context;
use crate::kernel::fetched_tools::{self, FetchedTool};
use crate::kernel::host_tools::{self, ToolStatus};
use crate::kernel::toolchain_plan::{self, Action, ToolPlan};
use crate::kernel::KernelTree;
use serde::Serialize;
use std::process::Command;

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Install what is missing with apt-get (as root).
    pub install: bool,
    /// Trees to plan `--suite test_progs` for; empty: the Debian trees in the cache.
    pub trees: Vec<std::path::PathBuf>,
    /// Fetch the toolchains the plans say to fetch.
    pub fetch: bool,
}

/// What `--suite test_progs` will use on one tree: each tool (the host's, or one kfpatch
/// fetches, and why) and the fixups its selftests get.
#[derive(Debug, Clone, Serialize)]
pub struct TreePlan {
    pub tree: std::path::PathBuf,
    pub version: String,
    pub tools: Vec<ToolPlan>,
    /// `patches/fixups/…` applied to the selftests' copy of this tree.
    pub fixups: Vec<String>,
    /// With `--fetch`: what was fetched (or found in the cache) for it.
    pub fetched: Vec<FetchedTool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub tools: Vec<ToolStatus>,
    /// Debian packages of the tools still missing.
    pub missing_packages: Vec<String>,
    /// Packages this run installed.
    pub installed: Vec<String>,
    pub trees: Vec<TreePlan>,
}

fn plan_trees(ctx: &Context, trees: &[std::path::PathBuf], tools: &[ToolStatus]) -> Vec<TreePlan> {
    let trees = if trees.is_empty() {
        crate::kernel::debian::fetched_trees(&crate::kernel::debian::cache_dir(&ctx.cache_root))
    } else {
        trees.to_vec()
    };
    let found = |name: &str| {
        tools
            .iter()
            .find(|t| t.name == name)
            .and_then(|t| t.path.clone())
            .unwrap_or_else(|| name.into())
    };
    trees
        .into_iter()
        .filter_map(|root| {
            let tree = KernelTree::open(&root).ok()?;
            let (major, minor) = tree.major_minor();
            Some(TreePlan {
                tools: toolchain_plan::selftests_plan(&root, &found("pahole"), &found("clang")),
                fixups: crate::fixups::for_version(major, minor)
                    .iter()
                    .map(|(name, _)| format!("patches/fixups/{name}"))
                    .collect(),
                version: tree.version.clone(),
                tree: root,
                fetched: vec![],
            })
        })
        .collect()
}

#[derive(Debug, thiserror::Error)]
pub enum DoctorError {
    #[error("apt-get: {0}")]
    Spawn(std::io::Error),
    #[error("apt-get {0} failed (run as root?)")]
    Failed(&'static str),
    #[error("apt-get install did not provide every tool: still missing {}", .0.join(" "))]
    StillMissing(Vec<String>),
    #[error("{}: {what}: {source}", tree.display())]
    Fetch {
        tree: std::path::PathBuf,
        what: String,
        source: crate::kernel::debian::FetchError,
    },
}

fn apt_get(args: &[&str], packages: &[String], what: &'static str) -> Result<(), DoctorError> {
    let status = Command::new("apt-get")
        .args(args)
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .map_err(DoctorError::Spawn)?;
    if status.success() {
        Ok(())
    } else {
        Err(DoctorError::Failed(what))
    }
}

pub fn run(ctx: &Context, opts: &Options) -> Result<Outcome, DoctorError> {
    let missing = host_tools::missing_packages();
    let mut installed = Vec::new();
    if opts.install && !missing.is_empty() {
        ctx.stage(&format!("install {}", missing.join(" ")), || {
            apt_get(&["update", "-q"], &[], "update")?;
            apt_get(&["install", "-y", "--no-install-recommends"], &missing, "install")
        })?;
        let still = host_tools::missing_packages();
        if !still.is_empty() {
            return Err(DoctorError::StillMissing(still));
        }
        installed = missing;
    }
    let tools = host_tools::survey();
    let mut trees = plan_trees(ctx, &opts.trees, &tools);
    if opts.fetch {
        for tree in &mut trees {
            for plan in tree.tools.iter().filter(|p| matches!(p.action, Action::Fetch { .. })) {
                let tool = ctx.stage(&format!("fetch {} for {}", plan.tool, tree.version), || {
                    fetched_tools::provide(&ctx.cache_root, plan, &|m| ctx.log(m)).map_err(|source| {
                        DoctorError::Fetch {
                            tree: tree.tree.clone(),
                            what: format!("fetching {}", plan.tool),
                            source,
                        }
                    })
                })?;
                tree.fetched.push(tool);
            }
        }
    }
    Ok(Outcome {
        trees,
        tools,
        missing_packages: host_tools::missing_packages(),
        installed,
    })
}
