//! A private apt configuration under kfpatch's cache: the machine's own sources (the mirror is
//! read from them, never written into kfpatch) plus `sid` and `trixie-backports` on the same
//! mirror. Linux source packages (`debian`) and newer toolchains (`fetched_tools`) come through
//! it; the system's apt setup is never changed and no root is needed to read or download.

use super::debian::FetchError;
use std::path::{Path, PathBuf};
use std::process::Command;

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> FetchError + '_ {
    move |source| FetchError::Io {
        path: path.to_path_buf(),
        source,
    }
}

pub fn run(cmd: &mut Command) -> Result<String, FetchError> {
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
pub struct AptState {
    dir: PathBuf,
}

impl AptState {
    pub fn prepare(dir: &Path) -> Result<AptState, FetchError> {
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

    /// `apt-get ARGS` (update, download) in `cwd` against the private state.
    pub fn run(&self, args: &[&str], cwd: &Path) -> Result<String, FetchError> {
        let mut cmd = self.command("apt-get");
        cmd.current_dir(cwd).args(args);
        run(&mut cmd)
    }

    /// `apt-cache ARGS` (policy, depends) against the private state.
    pub fn query(&self, args: &[&str]) -> Result<String, FetchError> {
        let mut cmd = self.command("apt-cache");
        cmd.args(args);
        run(&mut cmd)
    }

    fn command(&self, program: &str) -> Command {
        let d = &self.dir;
        let mut cmd = Command::new(program);
        cmd.arg("-q")
            .arg("-o")
            .arg("Dir::Etc::SourceList=/dev/null")
            .arg("-o")
            .arg(format!("Dir::Etc::SourceParts={}", d.join("sources.list.d").display()))
            .arg("-o")
            .arg(format!("Dir::State::Lists={}", d.join("lists").display()))
            .arg("-o")
            .arg(format!("Dir::Cache={}", d.join("cache").display()))
            .arg("-o")
            .arg("APT::Sandbox::User=root");
        cmd
    }

    /// Have the package lists been read yet (an `apt-get update` done)?
    pub fn has_lists(&self) -> bool {
        std::fs::read_dir(self.dir.join("lists"))
            .map(|entries| {
                entries
                    .flatten()
                    .any(|e| e.file_name().to_string_lossy().ends_with("_Packages"))
            })
            .unwrap_or(false)
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
}
