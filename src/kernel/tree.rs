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
    if dest.exists() {
        std::fs::remove_dir_all(dest).map_err(io)?;
    }
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let status = std::process::Command::new("cp")
        .arg("-al")
        .arg(pristine)
        .arg(dest)
        .status()
        .map_err(io)?;
    if !status.success() {
        return Err(io(std::io::Error::other(format!(
            "cp -al {} failed",
            pristine.display()
        ))));
    }
    std::fs::write(&marker, format!("hard-linked copy of {}\n", pristine.display())).map_err(io)
}
