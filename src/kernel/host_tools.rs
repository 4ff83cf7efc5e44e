//! Host tools the VM test needs, where to find them, and the Debian packages that provide them.
//! `doctor` reports them; `vm` resolves the ones a run uses.

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
    // The selftests Makefile copies test_progs' extras (modules, scripts) with it.
    ("rsync", &["rsync"], "rsync"),
    // Points a fetched toolchain's programs at its own libraries (`fetched_tools`).
    ("patchelf", &["patchelf"], "patchelf"),
];

/// Not needed for a run, but installed by `--install` and used when present: ccache (a build
/// directory keeps the compiler it was first built with, so it is best there from the start).
const OPTIONAL: &[(&str, &[&str], &str)] = &[("ccache", &["ccache"], "ccache")];

/// Libraries found by their headers.
const HEADERS: &[(&str, &str, &str)] = &[
    ("libelf", "/usr/include/libelf.h", "libelf-dev"),
    ("openssl", "/usr/include/openssl/ssl.h", "libssl-dev"),
    // test_progs (--suite test_progs) links these.
    ("zlib", "/usr/include/zlib.h", "zlib1g-dev"),
    ("zstd", "/usr/include/zstd.h", "libzstd-dev"),
];

/// A tool a run needs is not there (what, and which package provides it).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HostToolError(pub String);

#[derive(Debug, Clone, Serialize)]
pub struct ToolStatus {
    pub name: String,
    pub path: Option<PathBuf>,
    pub package: String,
    /// Used when present; a run does not need it.
    pub optional: bool,
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
pub fn resolve(cmd: &str) -> Result<PathBuf, HostToolError> {
    let found = if cmd.contains('/') {
        Some(PathBuf::from(cmd)).filter(|p| p.is_file())
    } else {
        find_in_path(cmd)
    };
    found.ok_or_else(|| HostToolError(format!("{cmd}: not found (is its package installed?)")))
}

/// Every tool and library, found or not.
pub fn survey() -> Vec<ToolStatus> {
    let command = |optional: bool| {
        move |(name, cmds, pkg): &(&str, &[&str], &str)| ToolStatus {
            name: name.to_string(),
            path: cmds.iter().find_map(|c| find_in_path(c)),
            package: pkg.to_string(),
            optional,
        }
    };
    let mut out: Vec<ToolStatus> = TOOLS.iter().map(command(false)).collect();
    out.extend(OPTIONAL.iter().map(command(true)));
    out.extend(HEADERS.iter().map(|(name, header, pkg)| ToolStatus {
        name: name.to_string(),
        path: Path::new(header).exists().then(|| PathBuf::from(header)),
        package: pkg.to_string(),
        optional: false,
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
    pub pahole: PathBuf,
    pub ccache: Option<PathBuf>,
    /// Not the host's pahole but one fetched for this tree: every make of the kernel names it
    /// (`PAHOLE=`), from configure on, as Kconfig records its version.
    pub pahole_fetched: bool,
}

/// What each compiler and runner of a VM test says it is, for reports and reproducers.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Toolchain {
    /// The kernel's compiler (`gcc --version`, first line).
    pub cc: Option<String>,
    pub clang: Option<String>,
    pub pahole: Option<String>,
    pub qemu: Option<String>,
}

/// The first line of `PROGRAM --version`.
pub fn version_line(program: &Path) -> Option<String> {
    let out = std::process::Command::new(program).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines().map(str::trim).find(|l| !l.is_empty()).map(str::to_string)
}

impl Tools {
    /// Variables every kernel make of this run gets.
    pub fn make_vars(&self) -> Vec<String> {
        if self.pahole_fetched {
            vec![format!("PAHOLE={}", self.pahole.display())]
        } else {
            vec![]
        }
    }

    /// Versions of the tools a run uses; `qemu` names the system emulator.
    pub fn toolchain(&self, qemu: &str) -> Toolchain {
        Toolchain {
            cc: version_line(Path::new("gcc")),
            clang: version_line(&self.clang),
            pahole: version_line(&self.pahole),
            qemu: version_line(Path::new(qemu)),
        }
    }
}

/// Fail with the package list when anything the VM test needs is missing.
pub fn require_for_vmtest() -> Result<Tools, HostToolError> {
    let survey = survey();
    let missing: Vec<&ToolStatus> = survey.iter().filter(|t| t.path.is_none() && !t.optional).collect();
    if !missing.is_empty() {
        let pkgs: Vec<&str> = missing.iter().map(|t| t.package.as_str()).collect();
        let names: Vec<&str> = missing.iter().map(|t| t.name.as_str()).collect();
        return Err(HostToolError(format!(
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
        pahole: get("pahole"),
        ccache: find_in_path("ccache"),
        pahole_fetched: false,
    })
}

/// `v1.24` (what `pahole --version` prints) or `1.26` (a changes.rst table cell) as 124 / 126.
pub fn parse_pahole_version(text: &str) -> Option<u32> {
    let mut parts = text.trim().trim_start_matches('v').split('.');
    let major: u32 = parts.next()?.parse().ok()?;
    // Debian versions carry a revision (`1.32-1`): the minor is its leading digits.
    let minor = parts.next()?;
    let minor: u32 = minor[..minor.find(|c: char| !c.is_ascii_digit()).unwrap_or(minor.len())]
        .parse()
        .ok()?;
    Some(major * 100 + minor)
}

pub fn show_pahole_version(v: u32) -> String {
    format!("{}.{}", v / 100, v % 100)
}

/// The minimal pahole a tree asks for in the table of Documentation/process/changes.rst
/// (`pahole   1.26   pahole --version`), with the line that says so.
pub fn tree_pahole_minimum(tree: &Path) -> Option<(u32, String)> {
    let rel = "Documentation/process/changes.rst";
    let text = std::fs::read_to_string(tree.join(rel)).ok()?;
    text.lines().enumerate().find_map(|(i, line)| {
        let cells: Vec<&str> = line.split_whitespace().collect();
        match cells.as_slice() {
            ["pahole", version, "pahole", "--version"] => {
                Some((parse_pahole_version(version)?, format!("{rel}:{}", i + 1)))
            }
            _ => None,
        }
    })
}

/// When the host's pahole is older than the tree wants, say so (and why it matters) in one line.
/// Old pahole leaves kfunc prototypes out of vmlinux BTF: recent selftests then do not build,
/// but the kfunc suite's programs declare their kfuncs, so for that suite it is a notice.
pub fn pahole_too_old(tree: &Path, pahole: &Path) -> Option<String> {
    let (minimum, source) = tree_pahole_minimum(tree)?;
    let out = std::process::Command::new(pahole).arg("--version").output().ok()?;
    let host = parse_pahole_version(&String::from_utf8_lossy(&out.stdout))?;
    (host < minimum).then(|| {
        format!(
            "pahole {} ({}) is older than the {} this tree asks for ({source}): vmlinux BTF lacks \
             kfunc prototypes; the kfunc suite declares its own, the tree's selftests need a newer \
             pahole (`--suite test_progs` fetches one)",
            show_pahole_version(host),
            pahole.display(),
            show_pahole_version(minimum)
        )
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

    #[test]
    fn pahole_versions_from_the_tool_and_the_changes_table() {
        assert_eq!(parse_pahole_version("v1.24\n"), Some(124));
        assert_eq!(parse_pahole_version("1.26"), Some(126));
        assert_eq!(parse_pahole_version("v1.9"), Some(109));
        assert_eq!(parse_pahole_version("1.32-1"), Some(132));
        assert_eq!(parse_pahole_version("pahole"), None);
        let dir = tempfile::tempdir().unwrap();
        let doc = dir.path().join("Documentation/process");
        std::fs::create_dir_all(&doc).unwrap();
        std::fs::write(
            doc.join("changes.rst"),
            "bison                  2.0              bison --version\n\
             pahole                 1.26             pahole --version\n",
        )
        .unwrap();
        assert_eq!(
            tree_pahole_minimum(dir.path()),
            Some((126, "Documentation/process/changes.rst:2".into()))
        );
        assert_eq!(tree_pahole_minimum(Path::new("/nonexistent")), None);
    }
}
