//! `kfpatch doctor`: the host tools a VM test needs, found or not, with the Debian packages
//! that provide them; with `install`, apt-get installs what is missing.

use super::Context;
use crate::kernel::host_tools::{self, ToolStatus};
use serde::Serialize;
use std::process::Command;

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Install what is missing with apt-get (as root).
    pub install: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub tools: Vec<ToolStatus>,
    /// Debian packages of the tools still missing.
    pub missing_packages: Vec<String>,
    /// Packages this run installed.
    pub installed: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum DoctorError {
    #[error("apt-get: {0}")]
    Spawn(std::io::Error),
    #[error("apt-get {0} failed (run as root?)")]
    Failed(&'static str),
    #[error("apt-get install did not provide every tool: still missing {}", .0.join(" "))]
    StillMissing(Vec<String>),
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
    Ok(Outcome {
        tools: host_tools::survey(),
        missing_packages: host_tools::missing_packages(),
        installed,
    })
}
