//! `kfpatch tree fetch|path`: Debian's `linux-source-X.Y` trees in the cache.

use super::Context;
use crate::kernel::{debian, KernelTree, TreeError};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Options {
    pub versions: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CachedTree {
    pub version: String,
    pub path: PathBuf,
    /// Unpacked and complete (always, after a fetch).
    pub present: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub trees: Vec<CachedTree>,
}

#[derive(Debug, thiserror::Error)]
#[error("fetching linux-source-{version}: {source}")]
pub struct FetchTreeError {
    pub version: String,
    pub source: debian::FetchError,
}

/// Download and unpack each version unless it is there already.
pub fn run(ctx: &Context, opts: &Options) -> Result<Outcome, FetchTreeError> {
    let cache = debian::cache_dir(&ctx.cache_root);
    let mut trees = Vec::new();
    for version in &opts.versions {
        let fetched = if debian::is_fetched(&cache, version) {
            Ok(debian::tree_path(&cache, version))
        } else {
            ctx.stage(&format!("fetch linux-source-{version}"), || {
                debian::fetch(&cache, version, &|line| ctx.log(line))
            })
        };
        let path = fetched.map_err(|source| FetchTreeError {
            version: version.clone(),
            source,
        })?;
        trees.push(CachedTree {
            version: version.clone(),
            path,
            present: true,
        });
    }
    Ok(Outcome { trees })
}

/// Where each version is (or would be) unpacked; nothing is fetched.
pub fn locate(ctx: &Context, opts: &Options) -> Outcome {
    let cache = debian::cache_dir(&ctx.cache_root);
    Outcome {
        trees: opts
            .versions
            .iter()
            .map(|v| CachedTree {
                version: v.clone(),
                path: debian::tree_path(&cache, v),
                present: debian::is_fetched(&cache, v),
            })
            .collect(),
    }
}

/// The kernel tree an operation works on: a tree of the user's, or Debian's linux-source-VERSION
/// from the cache (fetched when missing).
#[derive(Debug, Clone)]
pub enum Target {
    Tree(KernelTree),
    Debian(String),
}

#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// The tree could not be fetched: the infrastructure failed, not the series.
    #[error(transparent)]
    Fetch(#[from] FetchTreeError),
    #[error(transparent)]
    Tree(#[from] TreeError),
}

impl Target {
    /// How reports name the target: `debian 6.12`, or the tree's path.
    pub fn label(&self) -> String {
        match self {
            Target::Debian(v) => format!("debian {v}"),
            Target::Tree(t) => t.root.display().to_string(),
        }
    }

    /// The tree itself (for a Debian version, the pristine cached tree: work on a `work_copy`).
    pub fn resolve(&self, ctx: &Context) -> Result<KernelTree, TargetError> {
        match self {
            Target::Tree(t) => Ok(t.clone()),
            Target::Debian(version) => {
                let fetched = run(
                    ctx,
                    &Options {
                        versions: vec![version.clone()],
                    },
                )?;
                Ok(KernelTree::open(&fetched.trees[0].path)?)
            }
        }
    }
}

/// A hard-linked copy of `pristine` for one series, `<cache>/work/<tree dir>-<series key>`: the
/// pristine files stay untouched (kfpatch replaces files by rename), and a second run with the
/// same series finds it applied and its build incremental.
pub fn work_copy(ctx: &Context, pristine: &KernelTree, series_key: &str) -> Result<KernelTree, TreeError> {
    let name = pristine.root.file_name().and_then(|n| n.to_str()).unwrap_or("tree");
    let dest = ctx.cache_root.join("work").join(format!("{name}-{series_key}"));
    crate::kernel::tree::work_copy(&pristine.root, &dest)?;
    KernelTree::open(&dest)
}
