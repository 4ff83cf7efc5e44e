//! The KF_* flag state of a set of file contents: the family as include/linux/btf.h defines
//! it, its mirrors (other files that define a name of the family, such as
//! tools/bpf/resolve_btfids/main.c), and every `BTF_ID_FLAGS` user. Built from a tree walk or
//! from file contents given in memory (a tree as a series would leave it); judged by the check
//! operation.

use super::flagdefs::FlagDefine;
use super::flagwalk::{self, FileHits};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

/// The file that defines the kfunc flag family.
pub const FAMILY_FILE: &str = "include/linux/btf.h";

/// A define with the file it is in.
#[derive(Debug, Clone, Serialize)]
pub struct FlagDef {
    pub file: String,
    #[serde(flatten)]
    pub define: FlagDefine,
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
            if path != FAMILY_FILE && hits.defines.iter().any(|d| names.contains(d.name.as_str())) {
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
