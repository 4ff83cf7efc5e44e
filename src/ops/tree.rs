//! `kfpatch tree fetch|path`: Debian's `linux-source-X.Y` trees in the cache.

use super::Context;
use crate::kernel::debian;
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
