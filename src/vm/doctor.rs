//! Host tools the VM test needs, where to find them, and the Debian packages that provide them.

use super::VmError;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// (what, candidate commands, Debian package).
const TOOLS: &[(&str, &[&str], &str)] = &[
    ("qemu", &["qemu-system-x86_64"], "qemu-system-x86"),
    ("make", &["make"], "make"),
    ("gcc", &["gcc"], "gcc"),
    (
        "clang",
        // Newest first: recent selftests need recent clang (7.3's libarena crashes clang-19).
        &[
            "clang-22", "clang-21", "clang-20", "clang-19", "clang-18", "clang-17", "clang-16", "clang",
        ],
        "clang-19",
    ),
    ("llvm", &["llvm-strip-19", "llvm-strip", "llvm-objcopy-19"], "llvm-19"),
    ("lld", &["ld.lld-19", "ld.lld"], "lld-19"),
    ("pahole", &["pahole"], "dwarves"),
    ("flex", &["flex"], "flex"),
    ("bison", &["bison"], "bison"),
    ("bc", &["bc"], "bc"),
    ("bpftool", &["bpftool"], "bpftool"),
    ("insmod", &["insmod"], "kmod"),
    ("busybox", &["busybox"], "busybox-static"),
    ("cpio", &["cpio"], "cpio"),
    ("python3", &["python3"], "python3"),
];

/// Libraries found by their headers.
const HEADERS: &[(&str, &str, &str)] = &[
    ("libelf", "/usr/include/libelf.h", "libelf-dev"),
    ("openssl", "/usr/include/openssl/ssl.h", "libssl-dev"),
    // test_progs (--suite test_progs) links these.
    ("zlib", "/usr/include/zlib.h", "zlib1g-dev"),
    ("zstd", "/usr/include/zstd.h", "libzstd-dev"),
];

#[derive(Debug, Clone, Serialize)]
pub struct ToolStatus {
    pub name: String,
    pub path: Option<PathBuf>,
    pub package: String,
}

fn find_in_path(cmd: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let extra = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"];
    std::env::split_paths(&path)
        .chain(extra.iter().map(PathBuf::from))
        .map(|d| d.join(cmd))
        .find(|p| p.is_file())
}

/// A tool named on the command line (`clang-19` or a path), which must exist.
pub fn resolve(cmd: &str) -> Result<PathBuf, VmError> {
    let found = if cmd.contains('/') {
        Some(PathBuf::from(cmd)).filter(|p| p.is_file())
    } else {
        find_in_path(cmd)
    };
    found.ok_or_else(|| VmError::Unavailable(format!("{cmd}: not found (is its package installed?)")))
}

/// Every tool and library, found or not.
pub fn survey() -> Vec<ToolStatus> {
    let mut out: Vec<ToolStatus> = TOOLS
        .iter()
        .map(|(name, cmds, pkg)| ToolStatus {
            name: name.to_string(),
            path: cmds.iter().find_map(|c| find_in_path(c)),
            package: pkg.to_string(),
        })
        .collect();
    out.extend(HEADERS.iter().map(|(name, header, pkg)| ToolStatus {
        name: name.to_string(),
        path: Path::new(header).exists().then(|| PathBuf::from(header)),
        package: pkg.to_string(),
    }));
    out
}

/// Resolved paths of the tools a run uses.
#[derive(Debug, Clone)]
pub struct Tools {
    pub clang: PathBuf,
    pub bpftool: PathBuf,
    pub insmod: PathBuf,
    pub busybox: PathBuf,
    pub ccache: Option<PathBuf>,
}

/// Fail with the package list when anything the VM test needs is missing.
pub fn require_for_vmtest() -> Result<Tools, VmError> {
    let survey = survey();
    let missing: Vec<&ToolStatus> = survey.iter().filter(|t| t.path.is_none()).collect();
    if !missing.is_empty() {
        let pkgs: Vec<&str> = missing.iter().map(|t| t.package.as_str()).collect();
        let names: Vec<&str> = missing.iter().map(|t| t.name.as_str()).collect();
        return Err(VmError::Unavailable(format!(
            "missing host tools: {} (apt-get install {}; or `kfpatch doctor --install`)",
            names.join(", "),
            pkgs.join(" ")
        )));
    }
    let get = |name: &str| {
        survey
            .iter()
            .find(|t| t.name == name)
            .and_then(|t| t.path.clone())
            .expect("checked above")
    };
    Ok(Tools {
        clang: get("clang"),
        bpftool: get("bpftool"),
        insmod: get("insmod"),
        busybox: get("busybox"),
        ccache: find_in_path("ccache"),
    })
}

/// The Debian packages for everything missing.
pub fn missing_packages() -> Vec<String> {
    survey()
        .into_iter()
        .filter(|t| t.path.is_none())
        .map(|t| t.package)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_tools_resolve_or_fail_naming_the_command() {
        assert!(resolve("sh").unwrap().ends_with("sh"));
        assert_eq!(resolve("/bin/sh").unwrap(), PathBuf::from("/bin/sh"));
        let err = resolve("clang-no-such-version").unwrap_err().to_string();
        assert!(err.contains("clang-no-such-version: not found"), "{err}");
        assert!(resolve("/nonexistent/clang").is_err());
    }
}
