//! Which pahole and clang a tree's own selftests need, what the host has, and what kfpatch
//! fetches instead (`fetched_tools`) when the host's is too old. Pure: reads the tree and
//! runs `--version`; `doctor` shows the plan and `vm` carries it out.

use super::host_tools::{parse_pahole_version, show_pahole_version, version_line};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What a tree needs of one tool, and the evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Need {
    /// pahole as 100 × major + minor (1.31 → 131); clang as its major version.
    pub minimum: u32,
    pub shown: String,
    /// Where the tree says so, or which of its features needs it.
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// The host's tool is new enough (or the tree asks for nothing).
    UseHost,
    /// Fetch this Debian package (or, for clang, the next newer one the mirror has).
    Fetch { package: String },
}

/// One tool's plan for one tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ToolPlan {
    pub tool: &'static str,
    pub host: PathBuf,
    pub host_version: Option<String>,
    pub need: Option<Need>,
    pub action: Action,
}

const SELFTESTS: &str = "tools/testing/selftests/bpf";

/// pahole: the minimum of `Documentation/process/changes.rst`, raised by selftest features
/// whose BTF only newer pahole encodes.
fn pahole_need(tree: &Path) -> Option<Need> {
    let mut need = super::host_tools::tree_pahole_minimum(tree).map(|(minimum, source)| Need {
        minimum,
        shown: show_pahole_version(minimum),
        why: source,
    });
    let libarena = format!("{SELFTESTS}/libarena");
    if tree.join(&libarena).is_dir() && need.as_ref().is_none_or(|n| n.minimum < 131) {
        // Measured on Debian 7.2: with pahole 1.30 vmlinux BTF lacks the arena kfuncs'
        // address_space(1) attributes and libarena's programs fail to compile.
        need = Some(Need {
            minimum: 131,
            shown: "1.31".into(),
            why: format!("{libarena}: the arena kfuncs' address_space(1) attributes are in BTF from pahole 1.31"),
        });
    }
    need
}

/// clang: what the fixups' `toolchain` file for the tree's version says (measured needs, such
/// as a clang that crashes on the tree's selftests; the tree itself declares none).
fn clang_need(tree: &Path) -> Option<Need> {
    let (major, minor) = super::KernelTree::open(tree).ok()?.major_minor();
    let (minimum, why, at) = crate::fixups::toolchain_need(major, minor, "clang")?;
    Some(Need {
        minimum,
        shown: minimum.to_string(),
        why: format!("{why} ({at})"),
    })
}

/// The host clang's major version, from its name (`clang-19`) or `--version`.
pub fn clang_major(clang: &Path) -> Option<u32> {
    let name = clang.file_name()?.to_str()?;
    if let Some(v) = name.strip_prefix("clang-").and_then(|v| v.parse().ok()) {
        return Some(v);
    }
    let line = version_line(clang)?;
    let at = line.find("version ")? + "version ".len();
    line[at..].split('.').next()?.parse().ok()
}

fn pahole_version(pahole: &Path) -> Option<u32> {
    parse_pahole_version(&version_line(pahole)?)
}

/// The plan for `--suite test_progs` on `tree` with the host's `pahole` and `clang`.
pub fn selftests_plan(tree: &Path, pahole: &Path, clang: &Path) -> Vec<ToolPlan> {
    let mut plans = Vec::new();
    let host_pahole = pahole_version(pahole);
    let need = pahole_need(tree);
    let fetch = matches!((&need, host_pahole), (Some(n), Some(h)) if h < n.minimum)
        || (need.is_some() && host_pahole.is_none());
    plans.push(ToolPlan {
        tool: "pahole",
        host: pahole.to_path_buf(),
        host_version: host_pahole.map(show_pahole_version),
        action: if fetch {
            Action::Fetch {
                package: "pahole".into(),
            }
        } else {
            Action::UseHost
        },
        need,
    });
    let host_clang = clang_major(clang);
    let need = clang_need(tree);
    let action = match (&need, host_clang) {
        (Some(n), h) if h.is_none_or(|h| h < n.minimum) => Action::Fetch {
            package: format!("clang-{}", n.minimum),
        },
        _ => Action::UseHost,
    };
    plans.push(ToolPlan {
        tool: "clang",
        host: clang.to_path_buf(),
        host_version: host_clang.map(|v| v.to_string()),
        need,
        action,
    });
    plans
}

impl ToolPlan {
    /// One line for doctor and the run's notices.
    pub fn describe(&self) -> String {
        let host = format!(
            "{} {}",
            self.host.display(),
            self.host_version.as_deref().unwrap_or("(version unknown)")
        );
        match (&self.action, &self.need) {
            (Action::UseHost, None) => format!("{}: host's {host}", self.tool),
            (Action::UseHost, Some(n)) => {
                format!("{}: host's {host} (needs ≥ {}: {})", self.tool, n.shown, n.why)
            }
            (Action::Fetch { package }, Some(n)) => format!(
                "{}: host's {host} is older than the {} it needs ({}); kfpatch fetches Debian's {package}{} into its cache",
                self.tool,
                n.shown,
                n.why,
                if self.tool == "clang" { " or the next newer one the mirror has" } else { "" }
            ),
            (Action::Fetch { package }, None) => format!("{}: fetch {package}", self.tool),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree_with(changes_pahole: Option<&str>, libarena: bool) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        if let Some(v) = changes_pahole {
            let doc = dir.path().join("Documentation/process");
            std::fs::create_dir_all(&doc).unwrap();
            std::fs::write(
                doc.join("changes.rst"),
                format!("pahole                 {v}             pahole --version\n"),
            )
            .unwrap();
        }
        std::fs::create_dir_all(dir.path().join(SELFTESTS)).unwrap();
        if libarena {
            std::fs::create_dir_all(dir.path().join(SELFTESTS).join("libarena")).unwrap();
        }
        dir
    }

    #[test]
    fn pahole_need_follows_changes_and_libarena() {
        let t = tree_with(Some("1.16"), false);
        assert_eq!(pahole_need(t.path()).unwrap().minimum, 116);
        let t = tree_with(Some("1.26"), true);
        let need = pahole_need(t.path()).unwrap();
        assert_eq!((need.minimum, need.shown.as_str()), (131, "1.31"));
        assert!(need.why.contains("libarena"), "{}", need.why);
        let t = tree_with(None, false);
        assert_eq!(pahole_need(t.path()), None);
    }

    #[test]
    fn clang_major_from_name() {
        assert_eq!(clang_major(Path::new("/usr/bin/clang-19")), Some(19));
    }
}
