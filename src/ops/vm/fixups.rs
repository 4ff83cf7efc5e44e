//! The selftests' own source copy, and the tree fixups (`patches/fixups/<version>/`) applied to
//! it. The selftests Makefile writes inside the tree it builds (bpf_testmod and libarena
//! objects, generated headers), and a packaged tree may need a fixup before its selftests
//! build: both happen in a copy under the build directory, never in the tree given.

use super::VmError;
use crate::kernel::write::write_all;
use crate::mail::diff::{parse_diff, FilePatch, LineKind};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// A fixup and what became of it on this tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FixupOutcome {
    /// `7.2/0001-cpumask-populate-declaration.patch`
    pub name: String,
    /// The header's first line.
    pub title: String,
    pub why: String,
    pub upstream: String,
    /// `applied`, or `not needed` when the tree already has the result.
    pub status: String,
    pub files: Vec<String>,
}

/// A fixup file: its header fields and its diff.
struct Fixup {
    name: String,
    title: String,
    why: String,
    upstream: String,
    files: Vec<FilePatch>,
}

fn bad(name: &str, line: usize, message: impl std::fmt::Display) -> VmError {
    VmError::Unavailable(format!("patches/fixups/{name}:{line}: {message}"))
}

/// A header field (`Why:`) with its continuation lines, up to the next field or blank line.
fn field(header: &[&str], key: &str) -> String {
    let mut out = Vec::new();
    let mut inside = false;
    for line in header {
        if let Some(rest) = line.strip_prefix(key) {
            inside = true;
            out.push(rest.trim());
        } else if inside && !line.trim().is_empty() && !line.contains(": ") {
            out.push(line.trim());
        } else if inside {
            break;
        }
    }
    out.join(" ")
}

fn parse(name: &str, text: &str) -> Result<Fixup, VmError> {
    let lines: Vec<(usize, &str)> = text.lines().enumerate().map(|(i, l)| (i + 1, l)).collect();
    let start = lines
        .iter()
        .position(|(_, l)| l.starts_with("diff --git "))
        .ok_or_else(|| bad(name, 1, "no `diff --git` line"))?;
    let header: Vec<&str> = lines[..start].iter().map(|(_, l)| *l).collect();
    let why = field(&header, "Why:");
    let upstream = field(&header, "Upstream:");
    if why.is_empty() || upstream.is_empty() {
        return Err(bad(name, 1, "a fixup's header must say `Why:` and `Upstream:`"));
    }
    let parsed = parse_diff(&lines[start..]).map_err(|e| bad(name, e.line, e.message))?;
    Ok(Fixup {
        name: name.to_string(),
        title: header.first().map(|l| l.trim().to_string()).unwrap_or_default(),
        why,
        upstream,
        files: parsed.files,
    })
}

/// The old and new text of a file patch's hunks, each as one block of lines.
fn blocks(file: &FilePatch) -> Vec<(String, String)> {
    file.hunks
        .iter()
        .map(|h| {
            let mut old = String::new();
            let mut new = String::new();
            for l in &h.lines {
                let line = format!("{}\n", l.text);
                match l.kind {
                    LineKind::Context => {
                        old.push_str(&line);
                        new.push_str(&line);
                    }
                    LineKind::Del => old.push_str(&line),
                    LineKind::Add => new.push_str(&line),
                }
            }
            (old, new)
        })
        .collect()
}

/// The file a fixup makes of `current` (None: the file does not exist), `Ok(None)` when it is
/// already the result, or why it does not apply.
fn fix_file(file: &FilePatch, current: Option<&str>) -> Result<Option<String>, String> {
    let blocks = blocks(file);
    if file.is_new_file() {
        let wanted: String = blocks.iter().map(|(_, new)| new.as_str()).collect();
        return match current {
            None => Ok(Some(wanted)),
            Some(text) if text == wanted => Ok(None),
            Some(_) => Err("the file it adds exists with other content".into()),
        };
    }
    let Some(text) = current else {
        return Err("the file it changes does not exist".into());
    };
    let mut result = text.to_string();
    let mut changed = false;
    for (old, new) in &blocks {
        match (result.matches(old.as_str()).count(), result.contains(new.as_str())) {
            (1, _) => {
                result = result.replacen(old.as_str(), new, 1);
                changed = true;
            }
            (0, true) => {}
            (0, false) => return Err("its context is not in the file".into()),
            (n, _) => return Err(format!("its context is at {n} places")),
        }
    }
    Ok(changed.then_some(result))
}

/// The tree's modification time, for files a fixup writes: a run that writes them again gets
/// the same time, so make does not rebuild what depends on them every run.
fn stable_mtime(tree: &Path, rel: &str) -> std::time::SystemTime {
    let original = std::fs::metadata(tree.join(rel)).and_then(|m| m.modified());
    let makefile = std::fs::metadata(tree.join("Makefile")).and_then(|m| m.modified());
    original
        .or(makefile)
        .map(|t| t + std::time::Duration::from_secs(1))
        .unwrap_or(std::time::UNIX_EPOCH)
}

/// Apply the fixups for `version` to `source` (a copy of `tree`), all or nothing.
pub fn apply(tree: &Path, source: &Path, version: (u32, u32)) -> Result<Vec<FixupOutcome>, VmError> {
    let mut outcomes = Vec::new();
    for (name, text) in crate::fixups::for_version(version.0, version.1) {
        let fixup = parse(name, text)?;
        let mut writes: Vec<(PathBuf, String, u32)> = Vec::new();
        // The time each written file gets, decided by its own path in the tree.
        let mut stamps = Vec::new();
        for file in &fixup.files {
            let rel = file.path();
            if rel.split('/').any(|c| c == ".." || c.is_empty()) {
                return Err(bad(name, file.line, format!("{rel}: not a path inside the tree")));
            }
            let path = source.join(rel);
            let current = std::fs::read_to_string(&path).ok();
            match fix_file(file, current.as_deref()) {
                Ok(Some(text)) => {
                    stamps.push((path.clone(), stable_mtime(tree, rel)));
                    writes.push((path, text, 0o644));
                }
                Ok(None) => {}
                Err(why) => {
                    return Err(bad(
                        name,
                        file.line,
                        format!("does not apply to {rel}: {why} (has the tree changed? update the fixup)"),
                    ))
                }
            }
        }
        let status = if writes.is_empty() { "not needed" } else { "applied" };
        for (path, _, _) in &writes {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| VmError::io(dir, e))?;
            }
        }
        // By rename: a hard-linked copy never changes the tree it links to.
        write_all(&writes).map_err(|e| VmError::io(&e.path, e.source))?;
        for (path, when) in stamps {
            if let Ok(f) = std::fs::File::options().write(true).open(&path) {
                let _ = f.set_modified(when);
            }
        }
        outcomes.push(FixupOutcome {
            name: fixup.name,
            title: fixup.title,
            why: fixup.why,
            upstream: fixup.upstream,
            status: status.into(),
            files: fixup.files.iter().map(|f| f.path().to_string()).collect(),
        });
    }
    Ok(outcomes)
}

/// A fresh copy of `tree` at `dest` for the selftests build: hard links for the kernel, a real
/// copy of the selftests directory (which the build writes into, and whose files a fixup may
/// replace).
pub fn source_copy(tree: &Path, dest: &Path) -> Result<(), VmError> {
    if dest.exists() {
        std::fs::remove_dir_all(dest).map_err(|e| VmError::io(dest, e))?;
    }
    crate::kernel::tree::work_copy(tree, dest).map_err(|e| VmError::Unavailable(e.to_string()))?;
    let selftests = dest.join(super::selftests::SELFTESTS);
    std::fs::remove_dir_all(&selftests).map_err(|e| VmError::io(&selftests, e))?;
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(tree.join(super::selftests::SELFTESTS))
        .arg(&selftests)
        .status()
        .map_err(|e| VmError::io(&selftests, e))?;
    if !status.success() {
        return Err(VmError::io(
            &selftests,
            std::io::Error::other("cp -a of the selftests directory failed"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_fixup_parses_and_says_why() {
        assert!(!crate::fixups::FIXUPS.is_empty());
        for (name, text) in crate::fixups::FIXUPS.iter().filter(|(n, _)| n.ends_with(".patch")) {
            let f = parse(name, text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!f.files.is_empty(), "{name}");
            assert!(f.why.len() > 40 && !f.upstream.is_empty(), "{name}");
        }
    }

    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (rel, text) in files {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        dir
    }

    const H: &str = "tools/testing/selftests/bpf/progs/cpumask_common.h";

    /// Each file a fixup changes, made of its hunks' old sides with a line between them: a tree
    /// the fixup fits (at an offset: the file starts with a line of its own).
    fn old_sides(fixup: &str) -> Vec<(String, String)> {
        let mut files: Vec<(String, String)> = Vec::new();
        for line in fixup.lines() {
            if let Some(path) = line.strip_prefix("+++ b/") {
                files.push((path.to_string(), "/* head */\n".into()));
            } else if line.starts_with("@@") {
                if let Some((_, text)) = files.last_mut() {
                    text.push_str("/* between hunks */\n");
                }
            } else if let (Some((_, text)), Some(first)) = (files.last_mut(), line.chars().next()) {
                if first == ' ' || first == '-' {
                    text.push_str(&line[1..]);
                    text.push('\n');
                }
            }
        }
        files
    }

    #[test]
    fn a_fixup_applies_once_then_is_not_needed_and_never_touches_the_tree() {
        let (_, text) = crate::fixups::for_version(7, 2)[0];
        let files = old_sides(text);
        assert_eq!(files.len(), 3, "the header, cpumask_success.c and cpumask_failure.c");
        let original = files.iter().find(|(p, _)| p == H).unwrap().1.clone();
        let mut with_makefile: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        with_makefile.push(("Makefile", "VERSION = 7\n"));
        let t = tree(&with_makefile);
        let copy = t
            .path()
            .parent()
            .unwrap()
            .join(format!("{}-copy", t.path().file_name().unwrap().to_string_lossy()));
        crate::kernel::tree::work_copy(t.path(), &copy).unwrap();
        let out = apply(t.path(), &copy, (7, 2)).unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].status, "applied");
        let fixed = std::fs::read_to_string(copy.join(H)).unwrap();
        assert!(
            fixed.contains("int bpf_cpumask_populate(struct bpf_cpumask *cpumask"),
            "{fixed}"
        );
        let callers =
            std::fs::read_to_string(copy.join("tools/testing/selftests/bpf/progs/cpumask_success.c")).unwrap();
        assert!(!callers.contains("(struct cpumask *)"), "{callers}");
        // The hard-linked original is untouched.
        assert_eq!(std::fs::read_to_string(t.path().join(H)).unwrap(), original);
        let again = apply(t.path(), &copy, (7, 2)).unwrap();
        assert_eq!(again[0].status, "not needed");
        // A tree whose context moved away is refused with the fixup's name and line.
        std::fs::write(copy.join(H), "/* nothing here */\n").unwrap();
        let err = apply(t.path(), &copy, (7, 2)).unwrap_err().to_string();
        assert!(
            err.starts_with("patches/fixups/7.2/0001-cpumask-populate-declaration.patch:")
                && err.contains("does not apply to tools/testing/selftests/bpf/progs/cpumask_common.h"),
            "{err}"
        );
        std::fs::remove_dir_all(&copy).unwrap();
    }

    #[test]
    fn a_new_file_fixup_adds_the_file() {
        let t = tree(&[("Makefile", "VERSION = 6\n")]);
        let out = apply(t.path(), t.path(), (6, 12)).unwrap();
        assert_eq!(out[0].status, "applied");
        let added = std::fs::read_to_string(
            t.path()
                .join("tools/testing/selftests/bpf/progs/cgroup_skb_direct_packet_access.c"),
        )
        .unwrap();
        assert!(added.contains("SEC(\"cgroup_skb/ingress\")"), "{added}");
        assert_eq!(apply(t.path(), t.path(), (6, 12)).unwrap()[0].status, "not needed");
    }
}
