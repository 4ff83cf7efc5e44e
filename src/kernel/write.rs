//! Writing files all or nothing: every new content goes to a temporary file beside its target
//! first; only when all of them were written are they renamed into place. A tree that cannot
//! take one of them (read-only directory, full disk) is left exactly as it was.
//!
//! This is for files kfpatch makes outside a kernel tree (mails, the healed series). A tree's
//! own files go through `journal::commit`, which also survives the process being killed
//! between two renames.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
#[error("{}: cannot write: {source}; nothing was written", path.display())]
pub struct WriteError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

/// Write every `(path, content, mode)`; on any error no target has changed. The mode's
/// permission bits (a git mode such as 0o100644 works too) are the file's afterwards.
pub fn write_all(files: &[(PathBuf, String, u32)]) -> Result<(), WriteError> {
    let mut staged = Vec::with_capacity(files.len());
    for (path, content, mode) in files {
        let err = |source| WriteError {
            path: path.clone(),
            source,
        };
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let mut tmp = tempfile::Builder::new()
            .prefix(".kfpatch-")
            .tempfile_in(dir)
            .map_err(err)?;
        tmp.write_all(content.as_bytes()).map_err(err)?;
        tmp.as_file().sync_all().map_err(err)?;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode & 0o7777))
            .map_err(err)?;
        staged.push((tmp, path));
    }
    // Renames within one directory do not fail for want of space; they are the commit point.
    for (tmp, path) in staged {
        tmp.persist(path).map_err(|e| WriteError {
            path: path.clone(),
            source: e.error,
        })?;
    }
    Ok(())
}
