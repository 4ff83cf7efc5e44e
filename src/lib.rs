//! kfpatch: apply, heal, regenerate, check and VM-test the KF_SPIN_LOCK kfunc series on Linux
//! kernel trees.
//!
//! Modules own one job each and return data; only `cli` and `render` print.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod apply;
pub mod cli;
pub mod exit;
pub mod flags;
pub mod mail;
pub mod regen;
pub mod render;
pub mod template;
pub mod tree;
pub mod validate;
pub mod vm;

use std::path::PathBuf;

/// `~/.cache/kfpatch` (or `$XDG_CACHE_HOME/kfpatch`): trees, build dirs and ccache live here,
/// never inside a repository.
pub fn cache_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("KFPATCH_CACHE") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(dir).join("kfpatch");
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    home.join(".cache/kfpatch")
}
