//! The kernel model every operation stands on and none owns: a tree on disk and where trees
//! come from (`tree`, `debian`, `git`), what its KF_* flags are (`flagdefs`, `flagwalk`,
//! `flagstate`), how kernel code is indented and aligned (`indent`, `align`, `gaps`,
//! `define_gap`) and where it puts blank lines (`blank_odds`), how files are written all or
//! nothing (`write`), and into a tree journaled, locked and confined to it (`journal`), which
//! host tools are there (`host_tools`), and which blobs a mail was made from (`blobs`). Nothing
//! here reaches up into `ops`, `output` or `cli`, and nothing here prints.

pub mod align;
pub mod apt;
pub mod blank_odds;
pub mod blobs;
pub mod comment_code;
pub mod comment_lists;
pub mod debian;
pub mod define_gap;
pub mod fetched_tools;
pub mod flagdefs;
pub mod flagstate;
pub mod flagwalk;
pub mod gaps;
pub mod git;
pub mod host_tools;
pub mod indent;
pub mod journal;
pub mod prose;
pub mod toolchain_plan;
pub mod tree;
pub mod twin;
pub mod verifier;
pub mod write;

pub use tree::{KernelTree, TreeError};

use std::path::PathBuf;

/// `~/.cache/kfpatch` (or `$KFPATCH_CACHE`, or `$XDG_CACHE_HOME/kfpatch`): trees, build dirs
/// and ccache live here, never inside a repository.
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

/// Git's blob id of `content`, abbreviated to 12 hex digits like the kernel's `core.abbrev`.
pub fn blob_id(content: &str) -> String {
    let oid = git2::Oid::hash_object(git2::ObjectType::Blob, content.as_bytes()).expect("hashing a buffer cannot fail");
    oid.to_string()[..12].to_string()
}

/// The first answer `at` gives for the lines around line `t` of a file of `len` lines, nearest
/// first and of two as near the one above first, at most `reach` lines away.
pub fn nearest_around<T>(len: usize, t: usize, reach: usize, mut at: impl FnMut(usize) -> Option<T>) -> Option<T> {
    (1..=reach).find_map(|d| {
        t.checked_sub(d)
            .and_then(&mut at)
            .or_else(|| (t + d < len).then(|| at(t + d)).flatten())
    })
}
