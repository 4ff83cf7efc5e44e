//! Embeds every file under `templates/` and `patches/fixups/`: writes `$OUT_DIR/templates.rs`
//! and `fixups.rs`, slice expressions of `(name, include_str!(absolute path))` pairs sorted by
//! name, which `src/template.rs` and `src/fixups.rs` include. Names are paths below the
//! directory with `/` separators. Hidden files (editor swap files and
//! the like) are skipped. Adding a template needs no Rust change.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

fn walk(dir: &Path, rel: &str, out: &mut Vec<(String, PathBuf)>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
        let file_name = entry.file_name();
        let name = file_name
            .to_str()
            .unwrap_or_else(|| panic!("template name is not UTF-8: {}", entry.path().display()));
        if name.starts_with('.') {
            continue;
        }
        let rel_name = if rel.is_empty() {
            name.to_string()
        } else {
            format!("{rel}/{name}")
        };
        let path = entry.path();
        let kind = entry
            .file_type()
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        // Follow symlinks: a linked template is embedded like a file.
        if kind.is_dir() || (kind.is_symlink() && path.is_dir()) {
            walk(&path, &rel_name, out);
        } else {
            out.push((rel_name, path));
        }
    }
}

/// Write `$OUT_DIR/<out>`: the `(name, text)` slice of every file under `dir`.
fn embed(manifest_dir: &Path, dir: &str, out: &str) {
    let root = manifest_dir.join(dir);
    println!("cargo:rerun-if-changed={dir}");
    let mut files = Vec::new();
    walk(&root, "", &mut files);
    files.sort();

    let mut code = String::from("&[\n");
    for (name, path) in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let path = path
            .to_str()
            .unwrap_or_else(|| panic!("path is not UTF-8: {}", path.display()));
        writeln!(code, "    ({name:?}, include_str!({path:?})),").unwrap();
    }
    code.push_str("]\n");

    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR")).join(out);
    // Rewrite only on change, so an unchanged list does not rebuild the crate.
    if fs::read_to_string(&out).ok().as_deref() != Some(code.as_str()) {
        fs::write(&out, code).unwrap_or_else(|e| panic!("writing {}: {e}", out.display()));
    }
}

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    println!("cargo:rerun-if-changed=build.rs");
    embed(&manifest_dir, "templates", "templates.rs");
    // The tree fixups the selftests need (`src/fixups.rs`), data like the templates.
    embed(&manifest_dir, "patches/fixups", "fixups.rs");
}
