//! One parallel pass over a tree's C sources (`*.c`, `*.h`; ignore files are not read, as with
//! `git grep --no-index`)
//! that collects every `#define KF_*` and every `BTF_ID_FLAGS(...)` call with the KF_* names it
//! passes. Files are only parsed when a fast substring search finds something.

use super::flagdefs::{self as scan, FlagDefine};
use memchr::memmem;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

const DEFINE_NEEDLE: &[u8] = b"define KF_";
const USE_NEEDLE: &[u8] = b"BTF_ID_FLAGS";

/// A `BTF_ID_FLAGS(func, name, FLAGS…)` call.
#[derive(Debug, Clone)]
pub struct FlagUse {
    pub line: usize,
    pub kfunc: String,
    pub flags: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct FileHits {
    /// Path relative to the tree.
    pub path: String,
    pub defines: Vec<FlagDefine>,
    pub uses: Vec<FlagUse>,
}

/// Walk `root` and return the files with KF_* defines or BTF_ID_FLAGS calls, sorted by path.
pub fn scan_tree(root: &Path) -> Vec<FileHits> {
    let hits: Mutex<Vec<FileHits>> = Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    ignore::WalkBuilder::new(root)
        // Like `git grep --no-index`: every file, hidden directories (.git) aside.
        .hidden(true)
        .parents(false)
        .ignore(false)
        .git_ignore(false)
        .git_global(false)
        .git_exclude(false)
        .threads(threads)
        .build_parallel()
        .run(|| {
            let hits = &hits;
            let define_finder = memmem::Finder::new(DEFINE_NEEDLE);
            let use_finder = memmem::Finder::new(USE_NEEDLE);
            // One read buffer per walker thread: a fresh Vec per file costs a page fault per page.
            let mut bytes = Vec::with_capacity(1 << 20);
            Box::new(move |entry| {
                let Ok(entry) = entry else {
                    return ignore::WalkState::Continue;
                };
                let path = entry.path();
                let is_source = matches!(path.extension().and_then(|e| e.to_str()), Some("c" | "h"));
                if !is_source || !entry.file_type().is_some_and(|t| t.is_file()) {
                    return ignore::WalkState::Continue;
                }
                bytes.clear();
                let Ok(mut file) = std::fs::File::open(path) else {
                    return ignore::WalkState::Continue;
                };
                // `take` hides the size hint, which would cost an fstat and an lseek per file;
                // the reused buffer is already big enough for almost every source file.
                if (&mut file).take(u64::MAX).read_to_end(&mut bytes).is_err() {
                    return ignore::WalkState::Continue;
                }
                let has_define = define_finder.find(&bytes).is_some();
                let has_use = use_finder.find(&bytes).is_some();
                if !has_define && !has_use {
                    return ignore::WalkState::Continue;
                }
                let text = String::from_utf8_lossy(&bytes);
                let rel = path.strip_prefix(root).unwrap_or(path).to_string_lossy().into_owned();
                let file = FileHits {
                    path: rel,
                    defines: if has_define { scan::defines(&text) } else { vec![] },
                    uses: if has_use { flag_uses(&text) } else { vec![] },
                };
                if !file.defines.is_empty() || !file.uses.is_empty() {
                    hits.lock().expect("no thread panics while holding the lock").push(file);
                }
                ignore::WalkState::Continue
            })
        });
    let mut hits = hits.into_inner().expect("no thread panics while holding the lock");
    hits.sort_by(|a, b| a.path.cmp(&b.path));
    hits
}

/// Scan only the given files (relative paths), for small fixture trees and overlays.
pub fn scan_files(root: &Path, files: &[PathBuf]) -> Vec<FileHits> {
    files
        .iter()
        .filter_map(|rel| {
            let text = std::fs::read_to_string(root.join(rel)).ok()?;
            Some(hits_of(&rel.to_string_lossy(), &text))
        })
        .collect()
}

/// The defines and flag users of one file's `text`.
pub fn hits_of(path: &str, text: &str) -> FileHits {
    FileHits {
        path: path.to_string(),
        defines: scan::defines(text),
        uses: flag_uses(text),
    }
}

/// Every `BTF_ID_FLAGS(...)` call in `text` (not the macro's own definition or doc comments).
pub fn flag_uses(text: &str) -> Vec<FlagUse> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    for pos in memmem::find_iter(bytes, b"BTF_ID_FLAGS(") {
        let line_start = text[..pos].rfind('\n').map(|p| p + 1).unwrap_or(0);
        let before = text[line_start..pos].trim();
        // Skip `#define BTF_ID_FLAGS(...)`, `____BTF_ID_FLAGS(`, and ` * BTF_ID_FLAGS(` in comments.
        if !before.is_empty() || (pos > 0 && (bytes[pos - 1] == b'_' || bytes[pos - 1].is_ascii_alphanumeric())) {
            continue;
        }
        let args_start = pos + "BTF_ID_FLAGS(".len();
        let Some(len) = text[args_start..].find(')') else {
            continue;
        };
        let args: Vec<&str> = text[args_start..args_start + len].split(',').map(str::trim).collect();
        if args.len() < 2 {
            continue;
        }
        let flags = args[2..]
            .iter()
            .flat_map(|a| a.split('|'))
            .map(str::trim)
            .filter(|f| f.starts_with("KF_"))
            .map(str::to_string)
            .collect();
        out.push(FlagUse {
            line: text[..pos].matches('\n').count() + 1,
            kfunc: args[1].to_string(),
            flags,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uses_skip_the_macro_and_comments() {
        let t = "#define BTF_ID_FLAGS(prefix, name, ...) \\\n * BTF_ID_FLAGS(type1, name1, flags)\nBTF_ID_FLAGS(func, bpf_obj_new, KF_ACQUIRE | KF_RET_NULL)\nBTF_ID_FLAGS(func, plain)\n";
        let u = flag_uses(t);
        assert_eq!(u.len(), 2);
        assert_eq!((u[0].line, u[0].kfunc.as_str()), (3, "bpf_obj_new"));
        assert_eq!(u[0].flags, vec!["KF_ACQUIRE", "KF_RET_NULL"]);
        assert!(u[1].flags.is_empty());
    }
}
