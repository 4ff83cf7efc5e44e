//! A kernel source tree on disk: recognising one, reading its version and files, and a
//! hard-linked work copy of one.

use serde::Serialize;
use std::path::{Component, Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum TreeError {
    #[error("{}: not a kernel tree: {why}", path.display())]
    NotKernel { path: PathBuf, why: String },
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{}: not UTF-8 text; kfpatch only edits text files", path.display())]
    NotText { path: PathBuf },
    #[error("{path}: refusing a path that leaves the tree")]
    UnsafePath { path: String },
}

#[derive(Debug, Clone, Serialize)]
pub struct KernelTree {
    pub root: PathBuf,
    /// `VERSION.PATCHLEVEL.SUBLEVEL` from the top Makefile.
    pub version: String,
}

impl KernelTree {
    /// Open `root`, refusing anything that is not a Linux source tree.
    pub fn open(root: &Path) -> Result<KernelTree, TreeError> {
        let not = |why: &str| TreeError::NotKernel {
            path: root.to_path_buf(),
            why: why.to_string(),
        };
        let meta = std::fs::metadata(root).map_err(|e| TreeError::Io {
            path: root.to_path_buf(),
            source: e,
        })?;
        if !meta.is_dir() {
            return Err(not("not a directory"));
        }
        let makefile = root.join("Makefile");
        let text = std::fs::read_to_string(&makefile).map_err(|_| not("no readable top-level Makefile"))?;
        let field = |name: &str| {
            text.lines().take(20).find_map(|l| {
                l.strip_prefix(name)
                    .map(|v| v.trim_start_matches([' ', '=']).trim().to_string())
            })
        };
        let (Some(v), Some(p)) = (field("VERSION"), field("PATCHLEVEL")) else {
            return Err(not("top-level Makefile has no VERSION/PATCHLEVEL"));
        };
        for needed in ["include/linux", "kernel", "scripts"] {
            if !root.join(needed).is_dir() {
                return Err(not(&format!("no {needed}/ directory")));
            }
        }
        let s = field("SUBLEVEL").unwrap_or_else(|| "0".into());
        let root = root.canonicalize().map_err(|e| TreeError::Io {
            path: root.to_path_buf(),
            source: e,
        })?;
        Ok(KernelTree {
            root,
            version: format!("{v}.{p}.{s}"),
        })
    }

    /// `(major, minor)` from the version.
    pub fn major_minor(&self) -> (u32, u32) {
        let mut it = self.version.split('.').map(|x| x.parse::<u32>().unwrap_or(0));
        (it.next().unwrap_or(0), it.next().unwrap_or(0))
    }

    /// Resolve a path from a patch, refusing absolute paths and `..`.
    pub fn path(&self, rel: &str) -> Result<PathBuf, TreeError> {
        let p = Path::new(rel);
        if rel.is_empty() || p.components().any(|c| !matches!(c, Component::Normal(_))) {
            return Err(TreeError::UnsafePath { path: rel.to_string() });
        }
        Ok(self.root.join(p))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.path(rel).map(|p| p.is_file()).unwrap_or(false)
    }

    /// Read a tree file as text.
    pub fn read(&self, rel: &str) -> Result<String, TreeError> {
        let path = self.path(rel)?;
        let bytes = std::fs::read(&path).map_err(|e| TreeError::Io {
            path: path.clone(),
            source: e,
        })?;
        String::from_utf8(bytes).map_err(|_| TreeError::NotText { path })
    }
}

/// A hard-linked copy of `pristine` at `dest`, made once (a marker file says it is complete).
/// kfpatch replaces files by rename, so writing to the copy never changes the pristine tree.
pub fn work_copy(pristine: &Path, dest: &Path) -> Result<(), TreeError> {
    let marker = dest.join(".kfpatch-work");
    if marker.is_file() {
        return Ok(());
    }
    let io = |source| TreeError::Io {
        path: dest.to_path_buf(),
        source,
    };
    // Two kfpatch runs (or two matrix rows) may want the same copy at once: one makes it,
    // under a lock beside it (never inside a tree), the other waits and takes it. The copy is
    // made beside `dest` and renamed into place whole, its marker inside, so a killed run
    // leaves no half copy under the name; a directory there without a marker is one an older
    // kfpatch left unfinished.
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let lock_path = dest.with_file_name(format!(".{name}.lock"));
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(io)?;
    lock.lock().map_err(io)?;
    if marker.is_file() {
        return Ok(());
    }
    if dest.exists() {
        std::fs::remove_dir_all(dest).map_err(io)?;
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let staging = dest.with_file_name(format!(".{name}.partial-{}-{nanos}", std::process::id()));
    let status = std::process::Command::new("cp")
        .arg("-al")
        .arg(pristine)
        .arg(&staging)
        .status()
        .map_err(io)?;
    let cleanup = || {
        let _ = std::fs::remove_dir_all(&staging);
    };
    if !status.success() {
        cleanup();
        return Err(io(std::io::Error::other(format!(
            "cp -al {} failed",
            pristine.display()
        ))));
    }
    let staged_marker = staging.join(".kfpatch-work");
    if let Err(e) = std::fs::write(&staged_marker, format!("hard-linked copy of {}\n", pristine.display())) {
        cleanup();
        return Err(io(e));
    }
    std::fs::rename(&staging, dest).map_err(|e| {
        cleanup();
        io(e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_runs_wanting_one_work_copy_both_get_it_whole() {
        let dir = tempfile::tempdir().unwrap();
        let pristine = dir.path().join("pristine");
        for i in 0..200 {
            let f = pristine.join(format!("d{}/f{i}.c", i % 7));
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::write(&f, format!("{i}\n")).unwrap();
        }
        let dest = dir.path().join("work/copy");
        std::thread::scope(|s| {
            let runs: Vec<_> = (0..4).map(|_| s.spawn(|| work_copy(&pristine, &dest))).collect();
            for r in runs {
                r.join().unwrap().expect("each run gets the copy");
            }
        });
        assert!(dest.join(".kfpatch-work").is_file());
        assert_eq!(std::fs::read_to_string(dest.join("d3/f199.c")).unwrap(), "199\n");
        // Nothing half-made is left beside it.
        let left: Vec<String> = std::fs::read_dir(dir.path().join("work"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("partial"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }
}
