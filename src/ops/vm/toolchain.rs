//! Carry out a tree's toolchain plan (`kernel::toolchain_plan`): fetch what the host lacks
//! into the cache and point this run's tools at it.

use super::VmError;
use crate::kernel::fetched_tools::{self, FetchedTool};
use crate::kernel::host_tools::{parse_pahole_version, Tools};
use crate::kernel::toolchain_plan::{self, Action, ToolPlan};
use crate::ops::Context;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What a run used, for the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ToolUsed {
    pub tool: String,
    pub path: PathBuf,
    /// Set when kfpatch fetched it for this tree.
    pub fetched: Option<FetchedTool>,
    pub why: String,
}

fn fetch_error(e: crate::kernel::debian::FetchError) -> VmError {
    VmError::Unavailable(format!("fetching a newer toolchain: {e}"))
}

/// Fetch what the plan says and update `tools`. A clang the user named (`--clang`) is kept.
pub fn provide(ctx: &Context, tree: &Path, tools: &mut Tools, clang_pinned: bool) -> Result<Vec<ToolUsed>, VmError> {
    let plans = toolchain_plan::selftests_plan(tree, &tools.pahole, &tools.clang);
    let mut used = Vec::new();
    for plan in plans {
        let why = plan.describe();
        match (&plan.action, plan.tool) {
            (Action::UseHost, tool) => used.push(ToolUsed {
                tool: tool.into(),
                path: plan.host.clone(),
                fetched: None,
                why,
            }),
            (Action::Fetch { .. }, "pahole") => {
                ctx.notice(&why);
                let tool = ctx.stage("fetch pahole", || {
                    fetched_tools::ensure(&ctx.cache_root, &["pahole"], "pahole", &|m| ctx.log(m)).map_err(fetch_error)
                })?;
                check_pahole(&plan, &tool)?;
                tools.pahole = tool.program("pahole").expect("probed by ensure");
                tools.pahole_fetched = true;
                used.push(ToolUsed {
                    tool: "pahole".into(),
                    path: tools.pahole.clone(),
                    fetched: Some(tool),
                    why,
                });
            }
            (Action::Fetch { package }, "clang") if !clang_pinned => {
                ctx.notice(&why);
                let minimum = plan.need.as_ref().map(|n| n.minimum).unwrap_or(0);
                let tool = ctx.stage("fetch clang", || fetch_clang(ctx, package, minimum))?;
                let major = tool.package.trim_start_matches("clang-").to_string();
                tools.clang = tool
                    .program(&format!("clang-{major}"))
                    .or_else(|| tool.program("clang"))
                    .expect("probed by ensure");
                used.push(ToolUsed {
                    tool: "clang".into(),
                    path: tools.clang.clone(),
                    fetched: Some(tool),
                    why,
                });
            }
            (_, tool) => used.push(ToolUsed {
                tool: tool.into(),
                path: plan.host.clone(),
                fetched: None,
                why: format!("{why} (kept: named on the command line)"),
            }),
        }
    }
    Ok(used)
}

fn check_pahole(plan: &ToolPlan, tool: &FetchedTool) -> Result<(), VmError> {
    let got = parse_pahole_version(&tool.version).unwrap_or(0);
    match &plan.need {
        Some(need) if got < need.minimum => Err(VmError::Unavailable(format!(
            "the newest Debian pahole is {}, older than the {} this tree needs ({})",
            tool.version, need.shown, need.why
        ))),
        _ => Ok(()),
    }
}

/// clang-N for the smallest N ≥ `minimum` the mirror has, with its LLVM tools and lld.
fn fetch_clang(ctx: &Context, first: &str, minimum: u32) -> Result<FetchedTool, VmError> {
    let progress = |m: &str| ctx.log(m);
    for major in minimum..minimum + 8 {
        let clang = format!("clang-{major}");
        if fetched_tools::candidate(&ctx.cache_root, &clang, &progress)
            .map_err(fetch_error)?
            .is_none()
        {
            continue;
        }
        let llvm = format!("llvm-{major}");
        let lld = format!("lld-{major}");
        return fetched_tools::ensure(&ctx.cache_root, &[&clang, &llvm, &lld], &clang, &progress).map_err(fetch_error);
    }
    Err(VmError::Unavailable(format!(
        "no Debian {first} or newer (up to clang-{}) on the mirror",
        minimum + 7
    )))
}
