//! Fetch Debian's `linux-source-X.Y` packages into a cache and unpack them once.
//!
//! The mirror is read from the machine's own apt configuration; kfpatch keeps a private apt
//! state (sources, lists) under the cache so it never changes the system's apt setup. Besides
//! the machine's own suites it adds `sid` and `trixie-backports` on the same mirror, where the
//! newer kernels (7.2, 7.3) live.

use super::apt::{run, AptState};
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{0}: version must look like 6.12")]
    BadVersion(String),
    #[error("no Debian mirror found in {0} (looked for a `URIs:` or `deb URI suite` line)")]
    NoMirror(String),
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("`{command}` failed ({status}): {tail}")]
    Command {
        command: String,
        status: String,
        tail: String,
    },
}

/// Where unpacked trees live: `$KFPATCH_TREES`, else `<cache root>/trees`.
pub fn cache_dir(cache_root: &Path) -> PathBuf {
    if let Some(dir) = std::env::var_os("KFPATCH_TREES") {
        return PathBuf::from(dir);
    }
    cache_root.join("trees")
}

/// The unpacked tree for `version` in `cache`, whether or not it is there yet.
pub fn tree_path(cache: &Path, version: &str) -> PathBuf {
    cache.join(format!("linux-source-{version}"))
}

const MARKER: &str = ".kfpatch-source";

/// Every unpacked tree in `cache`, by path.
pub fn fetched_trees(cache: &Path) -> Vec<PathBuf> {
    let mut trees: Vec<PathBuf> = std::fs::read_dir(cache)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.join(MARKER).is_file())
                .collect()
        })
        .unwrap_or_default();
    trees.sort();
    trees
}

/// Is `version` already unpacked (and complete) in `cache`?
pub fn is_fetched(cache: &Path, version: &str) -> bool {
    tree_path(cache, version).join(MARKER).is_file()
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> FetchError + '_ {
    move |source| FetchError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn check_version(version: &str) -> Result<(), FetchError> {
    let ok = version.split('.').count() == 2
        && version
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if ok {
        Ok(())
    } else {
        Err(FetchError::BadVersion(version.to_string()))
    }
}

/// Make sure `linux-source-<version>` is unpacked in `cache`; returns the tree's path.
/// `progress` receives one-line status messages.
pub fn fetch(cache: &Path, version: &str, progress: &dyn Fn(&str)) -> Result<PathBuf, FetchError> {
    check_version(version)?;
    std::fs::create_dir_all(cache).map_err(io(cache))?;
    let dest = tree_path(cache, version);
    if is_fetched(cache, version) {
        return Ok(dest);
    }
    // One fetch at a time per cache, across processes (tests run in parallel).
    let lock_path = cache.join(".fetch.lock");
    let lock = std::fs::File::create(&lock_path).map_err(io(&lock_path))?;
    lock.lock().map_err(io(&lock_path))?;
    if is_fetched(cache, version) {
        return Ok(dest);
    }
    let apt = AptState::prepare(&cache.join(".apt"))?;
    let package = format!("linux-source-{version}");
    let debs = cache.join(".debs");
    std::fs::create_dir_all(&debs).map_err(io(&debs))?;
    let deb = match find_deb(&debs, &package) {
        Some(deb) => deb,
        None => {
            progress(&format!("updating package lists for {package}"));
            apt.run(&["update"], &debs)?;
            progress(&format!("downloading {package}"));
            apt.run(&["download", &package], &debs)?;
            find_deb(&debs, &package).ok_or_else(|| FetchError::Command {
                command: format!("apt-get download {package}"),
                status: "ok".into(),
                tail: "no .deb appeared".into(),
            })?
        }
    };
    progress(&format!(
        "unpacking {}",
        deb.file_name().and_then(|n| n.to_str()).unwrap_or("")
    ));
    let scratch = tempfile::Builder::new()
        .prefix(".unpack-")
        .tempdir_in(cache)
        .map_err(io(cache))?;
    run(Command::new("dpkg").arg("-x").arg(&deb).arg(scratch.path().join("deb")))?;
    let tarball = scratch.path().join("deb/usr/src").join(format!("{package}.tar.xz"));
    run(Command::new("tar")
        .arg("xf")
        .arg(&tarball)
        .arg("-C")
        .arg(scratch.path()))?;
    let unpacked = scratch.path().join(&package);
    let pkg_version = deb
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.split('_').nth(1))
        .unwrap_or("unknown")
        .to_string();
    std::fs::write(unpacked.join(MARKER), format!("{package} {pkg_version}\n")).map_err(io(&unpacked))?;
    if dest.exists() {
        // A half-unpacked leftover without marker: replace it.
        std::fs::remove_dir_all(&dest).map_err(io(&dest))?;
    }
    std::fs::rename(&unpacked, &dest).map_err(io(&dest))?;
    Ok(dest)
}

/// The newest `<package>_*.deb` in `dir`.
pub(crate) fn find_deb(dir: &Path, package: &str) -> Option<PathBuf> {
    let prefix = format!("{package}_");
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".deb"))
        })
        .collect();
    found.sort();
    found.pop()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_checked() {
        assert!(check_version("6.12").is_ok());
        assert!(check_version("6").is_err());
        assert!(check_version("6.x").is_err());
        assert!(check_version("../6.1").is_err());
    }
}
