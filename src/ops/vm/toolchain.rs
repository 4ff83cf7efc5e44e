//! Carry out a tree's toolchain plan (`kernel::toolchain_plan`): fetch what the host lacks
//! into the cache (`kernel::fetched_tools`) and point this run's tools at it.

use super::VmError;
use crate::kernel::fetched_tools::{self, FetchedTool};
use crate::kernel::host_tools::Tools;
use crate::kernel::toolchain_plan::{self, Action};
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

/// Fetch what the plan says and update `tools`. A clang the user named (`--clang`) is kept.
pub fn provide(ctx: &Context, tree: &Path, tools: &mut Tools, clang_pinned: bool) -> Result<Vec<ToolUsed>, VmError> {
    let plans = toolchain_plan::selftests_plan(tree, &tools.pahole, &tools.clang);
    let mut used = Vec::new();
    for plan in plans {
        let why = plan.describe();
        let fetch = matches!(plan.action, Action::Fetch { .. }) && !(plan.tool == "clang" && clang_pinned);
        if !fetch {
            let kept = if matches!(plan.action, Action::Fetch { .. }) {
                format!("{why} (kept: named on the command line)")
            } else {
                why
            };
            used.push(ToolUsed {
                tool: plan.tool.into(),
                path: plan.host.clone(),
                fetched: None,
                why: kept,
            });
            continue;
        }
        ctx.notice(&why);
        let tool = ctx.stage(&format!("fetch {}", plan.tool), || {
            fetched_tools::provide(&ctx.cache_root, &plan, &|m| ctx.log(m))
                .map_err(|e| VmError::Unavailable(format!("fetching a newer {}: {e}", plan.tool)))
        })?;
        let path = match plan.tool {
            "pahole" => {
                tools.pahole = tool.program("pahole").expect("probed when fetched");
                tools.pahole_fetched = true;
                tools.pahole.clone()
            }
            _ => {
                tools.clang = tool.program(&tool.package).expect("probed when fetched");
                tools.clang.clone()
            }
        };
        used.push(ToolUsed {
            tool: plan.tool.into(),
            path,
            fetched: Some(tool),
            why,
        });
    }
    Ok(used)
}
