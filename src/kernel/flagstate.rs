//! The KF_* flag state of a set of file contents: the family as include/linux/btf.h defines
//! it, its mirrors (other files that copy the family's flags, such as
//! tools/bpf/resolve_btfids/main.c; see `is_mirror`), and every `BTF_ID_FLAGS` user. Built from
//! a tree walk or from file contents given in memory (a tree as a series would leave it); judged
//! by the check operation.

use super::flagdefs::FlagDefine;
use super::flagwalk::{self, FileHits};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// The file that defines the kfunc flag family.
pub const FAMILY_FILE: &str = "include/linux/btf.h";

/// A define with the file it is in.
#[derive(Debug, Clone, Serialize)]
pub struct FlagDef {
    pub file: String,
    #[serde(flatten)]
    pub define: FlagDefine,
}

impl FlagDef {
    /// Whether no configuration has both: two arms of one `#if` chain of one file.
    pub fn exclusive(&self, other: &FlagDef) -> bool {
        self.file == other.file && self.define.exclusive_with(&other.define)
    }
}

impl std::ops::Deref for FlagDef {
    type Target = FlagDefine;
    fn deref(&self) -> &FlagDefine {
        &self.define
    }
}

/// A `BTF_ID_FLAGS(func, kfunc, FLAGS…)` call with its file.
#[derive(Debug, Clone, Serialize)]
pub struct Use {
    pub file: String,
    pub line: usize,
    pub kfunc: String,
    pub flags: Vec<String>,
}

/// The files of a tree that hold KF_* defines or `BTF_ID_FLAGS` calls, by path.
pub type ScannedFiles = BTreeMap<String, FileHits>;

/// One view of a tree's flags.
#[derive(Debug, Clone, Default)]
pub struct State {
    pub family: Vec<FlagDef>,
    pub mirrors: Vec<FlagDef>,
    pub uses: Vec<Use>,
    /// Whether every file of the tree was read for users (not only the touched ones).
    pub uses_scanned: bool,
}

impl State {
    pub fn from_files(files: &ScannedFiles, uses_scanned: bool) -> State {
        let family: Vec<FlagDef> = files
            .get(FAMILY_FILE)
            .map(|f| {
                f.defines
                    .iter()
                    .map(|d| FlagDef {
                        file: FAMILY_FILE.into(),
                        define: d.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let names: HashSet<&str> = family.iter().map(|d| d.name.as_str()).collect();
        let mut mirrors = Vec::new();
        let mut uses = Vec::new();
        for (path, hits) in files {
            if path != FAMILY_FILE && is_mirror(&hits.defines, &names) {
                // A mirror: its numeric KF_* defines belong to the family's bit space.
                mirrors.extend(hits.defines.iter().filter(|d| d.value.is_some()).map(|d| FlagDef {
                    file: path.clone(),
                    define: d.clone(),
                }));
            }
            uses.extend(hits.uses.iter().map(|u| Use {
                file: path.clone(),
                line: u.line,
                kfunc: u.kfunc.clone(),
                flags: u.flags.clone(),
            }));
        }
        State {
            family,
            mirrors,
            uses,
            uses_scanned,
        }
    }

    /// The names the family defines.
    pub fn family_names(&self) -> HashSet<String> {
        self.family.iter().map(|d| d.name.clone()).collect()
    }
}

/// Whether a file with these KF_* `defines` mirrors the family named `family`: of the KF_* names
/// it defines (text values such as `KF_IMPL_SUFFIX "_impl"` aside), at least half are family
/// names it gives a kfunc flag value (one bit, 0-31), and at least two of them — or its only one
/// (tools/bpf/resolve_btfids/main.c on 7.2 copies just KF_IMPLICIT_ARGS). A driver that defines
/// its own KF_ACQUIRE among other KF_* names is no mirror.
pub fn is_mirror(defines: &[FlagDefine], family: &HashSet<&str>) -> bool {
    let named: BTreeSet<&str> = defines
        .iter()
        .filter(|d| !d.is_text())
        .map(|d| d.name.as_str())
        .collect();
    let shared = defines
        .iter()
        .filter(|d| family.contains(d.name.as_str()) && d.bit().is_some_and(|b| b < 32))
        .map(|d| d.name.as_str())
        .collect::<BTreeSet<&str>>()
        .len();
    2 * shared >= named.len() && (shared >= 2 || (shared == 1 && named.len() == 1))
}

/// `files` with each `(path, content)` of `changed` read again from memory.
pub fn with_contents<'a>(
    files: &ScannedFiles,
    changed: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> ScannedFiles {
    let mut files = files.clone();
    for (path, content) in changed {
        files.insert(path.clone(), flagwalk::hits_of(path, content));
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::flagdefs;

    fn mirror(text: &str) -> bool {
        let family: HashSet<&str> = ["KF_ACQUIRE", "KF_RELEASE", "KF_RCU", "KF_IMPLICIT_ARGS"].into();
        is_mirror(&flagdefs::defines(text), &family)
    }

    #[test]
    fn a_mirror_copies_most_of_its_kf_names_from_the_family() {
        // resolve_btfids on 7.3: every flag a copy, a text define aside.
        assert!(mirror(
            "#define KF_ACQUIRE (1 << 0)\n#define KF_RCU (1 << 7)\n#define KF_IMPL_SUFFIX \"_impl\"\n"
        ));
        // resolve_btfids on 7.2: one copied flag and a text define.
        assert!(mirror(
            "#define KF_IMPLICIT_ARGS (1 << 16)\n#define KF_IMPL_SUFFIX \"_impl\"\n"
        ));
        // Half is enough, a value that disagrees still makes a copy.
        assert!(mirror(
            "#define KF_ACQUIRE (1 << 5)\n#define KF_RELEASE (1 << 1)\n#define KF_OWN (1 << 20)\n#define KF_OTHER 0x4\n"
        ));
    }

    #[test]
    fn a_driver_reusing_one_family_name_is_no_mirror() {
        assert!(!mirror(
            "#define KF_ACQUIRE 0x31\n#define KF_GET_ICV 0x36\n#define KF_SET_ICV 0x37\n"
        ));
        assert!(!mirror(
            "#define KF_ACQUIRE (1 << 0)\n#define KF_GET_ICV 0x36\n#define KF_SET_ICV 0x37\n"
        ));
        // Two family names among five: less than half.
        assert!(!mirror(
            "#define KF_ACQUIRE 1\n#define KF_RELEASE 2\n#define KF_A 3\n#define KF_B 4\n#define KF_C 5\n"
        ));
        // A lone family name whose value is no flag.
        assert!(!mirror("#define KF_RCU 0x31\n"));
        assert!(!mirror("#define KF_MODE_CONTEXTS 5\n"));
        assert!(!mirror("#define KF_IMPL_SUFFIX \"_impl\"\n"));
    }

    #[test]
    fn from_files_keeps_unrelated_kf_names_out() {
        let files: ScannedFiles = [
            (
                FAMILY_FILE,
                "#define KF_ACQUIRE (1 << 0)\n#define KF_RELEASE (1 << 1)\n",
            ),
            (
                "drivers/x/regs.h",
                "#define KF_ACQUIRE 0x1\n#define KF_MODE 0x2\n#define KF_ZAP 0x3\n",
            ),
            (
                "tools/bpf/resolve_btfids/main.c",
                "#define KF_ACQUIRE (1 << 0)\n#define KF_RELEASE (1 << 1)\n#define KF_NEW (1 << 2)\n",
            ),
        ]
        .into_iter()
        .map(|(p, t)| (p.to_string(), flagwalk::hits_of(p, t)))
        .collect();
        let state = State::from_files(&files, true);
        let mirrors: Vec<(&str, &str)> = state
            .mirrors
            .iter()
            .map(|m| (m.file.as_str(), m.name.as_str()))
            .collect();
        assert_eq!(
            mirrors,
            ["KF_ACQUIRE", "KF_RELEASE", "KF_NEW"].map(|n| ("tools/bpf/resolve_btfids/main.c", n))
        );
    }
}
