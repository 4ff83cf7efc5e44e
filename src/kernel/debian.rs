//! Fetch Debian's `linux-source-X.Y` packages into a cache and unpack them once.
//!
//! The mirror is read from the machine's own apt configuration; kfpatch keeps a private apt
//! state (sources, lists) under the cache so it never changes the system's apt setup. Besides
//! the machine's own suites it adds `sid` and `trixie-backports` on the same mirror, where the
//! newer kernels (7.2, 7.3) live.

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

fn find_deb(dir: &Path, package: &str) -> Option<PathBuf> {
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

fn run(cmd: &mut Command) -> Result<String, FetchError> {
    let shown = format!("{cmd:?}");
    let out = cmd.output().map_err(|e| FetchError::Command {
        command: shown.clone(),
        status: "not started".into(),
        tail: e.to_string(),
    })?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(3).collect();
        return Err(FetchError::Command {
            command: shown,
            status: out.status.to_string(),
            tail: tail.into_iter().rev().collect::<Vec<_>>().join(" | "),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A private apt configuration: the machine's own sources plus newer suites on the same mirror.
struct AptState {
    dir: PathBuf,
}

impl AptState {
    fn prepare(dir: &Path) -> Result<AptState, FetchError> {
        let parts = dir.join("sources.list.d");
        for sub in [
            parts.clone(),
            dir.join("lists/partial"),
            dir.join("cache/archives/partial"),
        ] {
            std::fs::create_dir_all(&sub).map_err(io(&sub))?;
        }
        let system = Path::new("/etc/apt/sources.list.d");
        let mut mirror = None;
        let mut signed_by = None;
        if let Ok(entries) = std::fs::read_dir(system) {
            for entry in entries.flatten() {
                let path = entry.path();
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
                if !(name.ends_with(".sources") || name.ends_with(".list")) {
                    continue;
                }
                let text = std::fs::read_to_string(&path).map_err(io(&path))?;
                if mirror.is_none() && text.contains("debian") {
                    mirror = first_uri(&text);
                    signed_by = text
                        .lines()
                        .find_map(|l| l.strip_prefix("Signed-By:").map(|v| v.trim().to_string()));
                }
                std::fs::write(parts.join(&name), text).map_err(io(&parts))?;
            }
        }
        let legacy = Path::new("/etc/apt/sources.list");
        if let Ok(text) = std::fs::read_to_string(legacy) {
            if mirror.is_none() {
                mirror = first_uri(&text);
            }
            std::fs::write(parts.join("system.list"), text).map_err(io(&parts))?;
        }
        let mirror = mirror.ok_or_else(|| FetchError::NoMirror("/etc/apt".into()))?;
        let signed = signed_by.unwrap_or_else(|| "/usr/share/keyrings/debian-archive-keyring.gpg".into());
        let extra = format!(
            "Types: deb\nURIs: {mirror}\nSuites: sid trixie-backports\nComponents: main\nSigned-By: {signed}\n"
        );
        let extra_path = parts.join("kfpatch-newer-suites.sources");
        std::fs::write(&extra_path, extra).map_err(io(&extra_path))?;
        Ok(AptState { dir: dir.to_path_buf() })
    }

    fn run(&self, args: &[&str], cwd: &Path) -> Result<String, FetchError> {
        let d = &self.dir;
        let mut cmd = Command::new("apt-get");
        cmd.current_dir(cwd)
            .arg("-q")
            .arg("-o")
            .arg("Dir::Etc::SourceList=/dev/null")
            .arg("-o")
            .arg(format!("Dir::Etc::SourceParts={}", d.join("sources.list.d").display()))
            .arg("-o")
            .arg(format!("Dir::State::Lists={}", d.join("lists").display()))
            .arg("-o")
            .arg(format!("Dir::Cache={}", d.join("cache").display()))
            .arg("-o")
            .arg("APT::Sandbox::User=root")
            .args(args);
        run(&mut cmd)
    }
}

/// The first mirror URI in a deb822 `.sources` file or a one-line `sources.list`.
fn first_uri(text: &str) -> Option<String> {
    for line in text.lines() {
        let line = line.trim();
        if let Some(v) = line.strip_prefix("URIs:") {
            return v.split_whitespace().next().map(str::to_string);
        }
        if let Some(rest) = line.strip_prefix("deb ") {
            return rest.split_whitespace().find(|w| w.contains("://")).map(str::to_string);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirror_from_both_apt_formats() {
        assert_eq!(
            first_uri("Types: deb\nURIs: http://mirror.test/debian\nSuites: x\n").as_deref(),
            Some("http://mirror.test/debian")
        );
        assert_eq!(
            first_uri("# c\ndeb [arch=amd64] http://m.test/d bookworm main\n").as_deref(),
            Some("http://m.test/d")
        );
        assert_eq!(first_uri("nothing"), None);
    }

    #[test]
    fn versions_are_checked() {
        assert!(check_version("6.12").is_ok());
        assert!(check_version("6").is_err());
        assert!(check_version("6.x").is_err());
        assert!(check_version("../6.1").is_err());
    }
}
