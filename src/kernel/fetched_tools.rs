//! Toolchains newer than the host's, fetched as Debian binary packages into kfpatch's cache
//! (`<cache>/tools/<package>-<version>/`) and used for the trees that need them only.
//!
//! A newer Debian's programs want its C library (sid's pahole needs GLIBC_2.38; bookworm has
//! 2.36), so a tool comes with its whole `Depends:` closure, libc included, unpacked with
//! `dpkg -x` (no root, nothing installed system-wide). Its programs then get that closure's
//! dynamic loader as interpreter and its library directories as RPATH (`patchelf`), so they run
//! with their own libraries while everything else on the machine keeps the host's. Programs
//! are patched in place rather than started through the loader: clang finds its headers
//! relative to `/proc/self/exe`, which must be clang itself.

use super::apt::{run, AptState};
use super::debian::FetchError;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A fetched package and where its programs are.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FetchedTool {
    pub package: String,
    pub version: String,
    /// The unpacked closure (`usr/bin`, `usr/lib/...` below it).
    pub root: PathBuf,
}

impl FetchedTool {
    /// A program of the closure: `usr/bin/NAME` or, for LLVM, `usr/lib/llvm-N/bin/NAME`.
    pub fn program(&self, name: &str) -> Option<PathBuf> {
        let direct = self.root.join("usr/bin").join(name);
        if direct.is_file() {
            return Some(direct);
        }
        llvm_dirs(&self.root)
            .into_iter()
            .map(|d| d.join("bin").join(name))
            .find(|p| p.is_file())
    }
}

const MARKER: &str = ".kfpatch-tool";

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> FetchError + '_ {
    move |source| FetchError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Where fetched tools live.
pub fn tools_dir(cache_root: &Path) -> PathBuf {
    cache_root.join("tools")
}

/// The private apt state for tools, with package lists (updated once, on first use).
fn apt(cache_root: &Path, progress: &dyn Fn(&str)) -> Result<AptState, FetchError> {
    let apt = AptState::prepare(&tools_dir(cache_root).join(".apt"))?;
    if !apt.has_lists() {
        progress("updating package lists for newer toolchains");
        let scratch = tools_dir(cache_root);
        apt.run(&["update"], &scratch)?;
    }
    Ok(apt)
}

/// The candidate version of `package` (what `apt-get download` would get), if there is one.
fn candidate(apt: &AptState, package: &str) -> Result<Option<String>, FetchError> {
    let out = apt.query(&["policy", package])?;
    Ok(parse_candidate(&out))
}

fn parse_candidate(policy: &str) -> Option<String> {
    policy
        .lines()
        .find_map(|l| l.trim().strip_prefix("Candidate:"))
        .map(str::trim)
        .filter(|v| *v != "(none)")
        .map(str::to_string)
}

/// The packages `packages` need at run time (themselves included): `apt-cache depends
/// --recurse` without recommends, suggests or the virtual names it prints as `<name>`.
fn closure(apt: &AptState, packages: &[&str]) -> Result<Vec<String>, FetchError> {
    let mut args = vec![
        "depends",
        "--recurse",
        "--no-recommends",
        "--no-suggests",
        "--no-conflicts",
        "--no-breaks",
        "--no-replaces",
        "--no-enhances",
    ];
    args.extend_from_slice(packages);
    let out = apt.query(&args)?;
    Ok(parse_closure(&out))
}

fn parse_closure(depends: &str) -> Vec<String> {
    let mut names: Vec<String> = depends
        .lines()
        .filter(|l| !l.starts_with(' ') && !l.starts_with('<') && !l.trim().is_empty())
        .map(|l| l.trim().to_string())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Make sure `packages` (the first one names the tool) are unpacked with their closure and
/// runnable; `probe` is a program of theirs that must answer `--version` afterwards.
pub fn ensure(
    cache_root: &Path,
    packages: &[&str],
    probe: &str,
    progress: &dyn Fn(&str),
) -> Result<FetchedTool, FetchError> {
    let main = packages[0];
    let dir = tools_dir(cache_root);
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let lock_path = dir.join(".fetch.lock");
    let lock = std::fs::File::create(&lock_path).map_err(io(&lock_path))?;
    lock.lock().map_err(io(&lock_path))?;
    // One private apt state for the query, the closure and the download.
    let apt = apt(cache_root, progress)?;
    let version = candidate(&apt, main)?.ok_or_else(|| FetchError::Command {
        command: format!("apt-cache policy {main}"),
        status: "ok".into(),
        tail: "no candidate in the machine's suites, sid or trixie-backports".into(),
    })?;
    // Without the epoch (`1:21.1.8-14`): a `:` in the directory would split its RPATH.
    let plain = version.split_once(':').map_or(version.as_str(), |(_, v)| v);
    let dest = dir.join(format!("{main}-{plain}"));
    let tool = FetchedTool {
        package: main.to_string(),
        version: version.clone(),
        root: dest.clone(),
    };
    if dest.join(MARKER).is_file() {
        return Ok(tool);
    }
    let names = closure(&apt, packages)?;
    let debs = dir.join(".debs");
    std::fs::create_dir_all(&debs).map_err(io(&debs))?;
    progress(&format!(
        "downloading {main} {version} and {} packages it needs",
        names.len() - 1
    ));
    let mut download = vec!["download"];
    download.extend(names.iter().map(String::as_str));
    apt.run(&download, &debs)?;
    // Unpacked beside its final name and renamed into place whole: a killed fetch leaves no
    // half tool under the name.
    let staging = dir.join(format!(".{main}-{plain}.partial-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).map_err(io(&staging))?;
    progress(&format!("unpacking {main} {version}"));
    for name in &names {
        let deb = super::debian::find_deb(&debs, name).ok_or_else(|| FetchError::Command {
            command: format!("apt-get download {name}"),
            status: "ok".into(),
            tail: "no .deb appeared".into(),
        })?;
        run(Command::new("dpkg").arg("-x").arg(&deb).arg(&staging))?;
    }
    // The RPATHs name the final directory: patch after choosing it, test after the rename.
    std::fs::rename(&staging, &dest).map_err(io(&dest))?;
    let fail = |e: FetchError| {
        let _ = std::fs::remove_dir_all(&dest);
        e
    };
    relocate(&dest).map_err(fail)?;
    let program = tool.program(probe).ok_or_else(|| {
        fail(FetchError::Command {
            command: format!("{main}: {probe}"),
            status: "missing".into(),
            tail: format!("{probe} is not in {main} {version}"),
        })
    })?;
    run(Command::new(&program).arg("--version")).map_err(fail)?;
    std::fs::write(
        dest.join(MARKER),
        format!("{main} {version} with {}\n", names.join(" ")),
    )
    .map_err(io(&dest))?;
    Ok(tool)
}

fn llvm_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("usr/lib"))
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("llvm-"))
                        && p.join("bin").is_dir()
                })
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

/// The closure's library directories, in search order.
fn library_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs = vec![root.join("usr/lib/x86_64-linux-gnu"), root.join("lib/x86_64-linux-gnu")];
    dirs.extend(llvm_dirs(root).into_iter().map(|d| d.join("lib")));
    dirs.retain(|d| d.is_dir());
    dirs
}

fn is_elf(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && magic == *b"\x7fELF"
}

/// Point every program at the closure's loader and libraries, and every library that carries
/// its own RUNPATH (which would hide the programs' RPATH from its dependencies) at them too.
fn relocate(root: &Path) -> Result<(), FetchError> {
    let loader = root.join("usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
    if !loader.exists() {
        return Err(FetchError::Command {
            command: "relocate".into(),
            status: "no loader".into(),
            tail: format!("{} is missing: libc6 was not in the closure", loader.display()),
        });
    }
    let rpath = std::env::join_paths(library_dirs(root))
        .map_err(|e| io(root)(std::io::Error::other(e)))?
        .to_string_lossy()
        .into_owned();
    let mut programs = vec![root.join("usr/bin")];
    programs.extend(llvm_dirs(root).into_iter().map(|d| d.join("bin")));
    for dir in programs {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let meta = std::fs::symlink_metadata(&path).map_err(io(&path))?;
            if !meta.is_file() || !is_elf(&path) {
                continue;
            }
            // Only dynamically linked programs have an interpreter to replace.
            if run(Command::new("patchelf").arg("--print-interpreter").arg(&path)).is_err() {
                continue;
            }
            run(Command::new("patchelf")
                .arg("--set-interpreter")
                .arg(&loader)
                .arg("--force-rpath")
                .arg("--set-rpath")
                .arg(&rpath)
                .arg(&path))?;
        }
    }
    for dir in library_dirs(root) {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let meta = std::fs::symlink_metadata(&path).map_err(io(&path))?;
            if !meta.is_file() || !name.contains(".so") || name.starts_with("ld-linux") || !is_elf(&path) {
                continue;
            }
            let own = run(Command::new("patchelf").arg("--print-rpath").arg(&path)).unwrap_or_default();
            if own.trim().is_empty() {
                continue;
            }
            run(Command::new("patchelf")
                .arg("--force-rpath")
                .arg("--set-rpath")
                .arg(&rpath)
                .arg(&path))?;
        }
    }
    Ok(())
}

/// Fetch what `plan` says to fetch: pahole (which must then be new enough), or clang-N for
/// the smallest N ≥ the need that the mirror has, with its LLVM tools and lld.
pub fn provide(
    cache_root: &Path,
    plan: &super::toolchain_plan::ToolPlan,
    progress: &dyn Fn(&str),
) -> Result<FetchedTool, FetchError> {
    let minimum = plan.need.as_ref().map(|n| n.minimum).unwrap_or(0);
    let refused = |tail: String| FetchError::Command {
        command: format!("fetch {}", plan.tool),
        status: "not suitable".into(),
        tail,
    };
    match plan.tool {
        "pahole" => {
            let tool = ensure(cache_root, &["pahole"], "pahole", progress)?;
            let got = super::host_tools::parse_pahole_version(&tool.version).unwrap_or(0);
            if got < minimum {
                let shown = plan.need.as_ref().map(|n| n.shown.clone()).unwrap_or_default();
                return Err(refused(format!(
                    "the newest Debian pahole is {}, older than the {shown} this tree needs",
                    tool.version
                )));
            }
            Ok(tool)
        }
        "clang" => {
            let apt = apt(cache_root, progress)?;
            for major in minimum..minimum + 8 {
                let clang = format!("clang-{major}");
                if candidate(&apt, &clang)?.is_none() {
                    continue;
                }
                let (llvm, lld) = (format!("llvm-{major}"), format!("lld-{major}"));
                return ensure(cache_root, &[&clang, &llvm, &lld], &clang, progress);
            }
            Err(refused(format!(
                "no Debian clang-{minimum} or newer (up to clang-{}) on the mirror",
                minimum + 7
            )))
        }
        other => Err(refused(format!("kfpatch does not fetch {other}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidate_from_policy() {
        let policy = "pahole:\n  Installed: (none)\n  Candidate: 1.32-1\n  Version table:\n     1.32-1 500\n";
        assert_eq!(parse_candidate(policy).as_deref(), Some("1.32-1"));
        assert_eq!(parse_candidate("x:\n  Candidate: (none)\n"), None);
        assert_eq!(parse_candidate(""), None);
    }

    #[test]
    fn closure_skips_relations_and_virtual_names() {
        let depends = "pahole\n  Depends: libc6\n  Depends: <libbpf>\nlibc6\n  Depends: libgcc-s1\n<debconf-2.0>\nlibgcc-s1\nlibc6\n";
        assert_eq!(parse_closure(depends), vec!["libc6", "libgcc-s1", "pahole"]);
    }
}
