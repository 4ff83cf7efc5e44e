//! The compile gate: before minutes of building everything, compile the files the series
//! touches (and the verifier, which the verdict is about) in the configured build directory,
//! and stop at the compiler's first error, as `file:line:col: error: …` of the tree.

use super::build::Compile;
use super::process::log_tail;
use super::VmError;
use serde::Serialize;
use std::path::Path;

/// The file the verdict is about: always compiled first.
const VERIFIER: &str = "kernel/bpf/verifier.c";

/// What the gate compiled.
#[derive(Debug, Clone, Default, Serialize)]
pub struct GateOutcome {
    /// Objects compiled (`kernel/bpf/verifier.o`, …).
    pub objects: Vec<String>,
    /// Touched C files this configuration does not build (Kbuild has no rule for them).
    pub not_built: Vec<String>,
    pub seconds: f64,
}

/// The objects to compile first: the touched `.c` files that exist, and the verifier.
pub fn objects(tree: &Path, touched: &[String]) -> Vec<String> {
    let mut files: Vec<&str> = vec![VERIFIER];
    files.extend(touched.iter().map(String::as_str).filter(|f| f.ends_with(".c")));
    let mut out: Vec<String> = Vec::new();
    for f in files {
        let object = format!("{}.o", f.trim_end_matches(".c"));
        if tree.join(f).is_file() && !out.contains(&object) {
            out.push(object);
        }
    }
    out
}

/// The first compiler error in `log`, as `path:line:col: error: message` with the path made
/// relative to the tree (Kbuild prints it as the compiler saw it: absolute, or `../`-relative).
pub fn first_error(log: &str, tree: &Path) -> Option<String> {
    let tree_abs = tree.canonicalize().unwrap_or_else(|_| tree.to_path_buf());
    let tree_prefix = format!("{}/", tree_abs.display());
    log.lines().find_map(|line| {
        let (location, message) = line
            .split_once(": error: ")
            .or_else(|| line.split_once(": fatal error: "))?;
        let mut parts = location.rsplitn(3, ':');
        let (col, row, path) = (parts.next()?, parts.next()?, parts.next()?);
        let (path, row) = if row.parse::<u32>().is_ok() && col.parse::<u32>().is_ok() {
            (path, format!("{row}:{col}"))
        } else if col.parse::<u32>().is_ok() {
            // `file:line: error:` (no column).
            (location.rsplit_once(':')?.0, col.to_string())
        } else {
            return None;
        };
        let path = path.trim();
        let relative = match path.strip_prefix(&tree_prefix) {
            Some(rel) => rel.to_string(),
            // `../../trees/linux/kernel/bpf/verifier.c`: the part that names a tree file.
            None => (0..path.len())
                .filter(|&i| i == 0 || path.as_bytes()[i - 1] == b'/')
                .map(|i| &path[i..])
                .find(|rest| !rest.starts_with("..") && tree_abs.join(rest).is_file())
                .unwrap_or(path)
                .to_string(),
        };
        Some(format!("{relative}:{row}: error: {}", message.trim()))
    })
}

/// Compile `objects` in the configured `build`; a compiler error stops the run (exit 1) with
/// its `file:line`. Objects Kbuild has no rule for in this configuration are left out, named.
pub fn compile(
    tree: &Path,
    build: &Path,
    compile: &Compile,
    mut objects: Vec<String>,
    log: &Path,
) -> Result<GateOutcome, VmError> {
    let started = std::time::Instant::now();
    let mut not_built = Vec::new();
    loop {
        if objects.is_empty() {
            break;
        }
        // The C locale: the compiler's messages in English with ASCII quotes, as parsed here
        // (the kernel's Makefile unexports LC_ALL, so each category is set).
        let out = compile
            .make(tree, build)
            .args(&objects)
            .env("LANG", "C")
            .env("LC_CTYPE", "C")
            .env("LC_MESSAGES", "C")
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| VmError::Unavailable(format!("compile gate: cannot run make: {e}")))?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::write(log, &text).map_err(|e| VmError::io(log, e))?;
        if out.status.success() {
            break;
        }
        // `No rule to make target 'drivers/foo.o'`: not built in this configuration.
        let unbuilt: Vec<String> = objects
            .iter()
            .filter(|o| text.contains(&format!("No rule to make target '{o}'")))
            .cloned()
            .collect();
        if !unbuilt.is_empty() {
            objects.retain(|o| !unbuilt.contains(o));
            not_built.extend(unbuilt.iter().map(|o| format!("{}.c", o.trim_end_matches(".o"))));
            continue;
        }
        return Err(match first_error(&text, tree) {
            Some(error) => VmError::Compile {
                error,
                log: log.to_path_buf(),
            },
            None => VmError::Step {
                what: "compile gate".into(),
                log: log.to_path_buf(),
                tail: log_tail(log, 20),
            },
        });
    }
    Ok(GateOutcome {
        objects,
        not_built,
        seconds: started.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_error_names_the_tree_file_and_line() {
        let tree = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tree.path().join("kernel/bpf")).unwrap();
        std::fs::write(tree.path().join("kernel/bpf/verifier.c"), "").unwrap();
        let abs = tree.path().canonicalize().unwrap();
        // As gcc prints it through Kbuild with O=: the source path as the command had it.
        let log = format!(
            "  CC      kernel/bpf/verifier.o\n\
             {abs}/kernel/bpf/verifier.c: In function 'check_kfunc_call':\n\
             {abs}/kernel/bpf/verifier.c:13101:29: error: 'KF_SPIN_LOCK' undeclared (first use in this function)\n\
             {abs}/kernel/bpf/verifier.c:13200:1: error: later\n",
            abs = abs.display()
        );
        assert_eq!(
            first_error(&log, tree.path()).as_deref(),
            Some("kernel/bpf/verifier.c:13101:29: error: 'KF_SPIN_LOCK' undeclared (first use in this function)")
        );
        let relative = "../../trees/x/kernel/bpf/verifier.c:7:3: error: expected ';' before '}' token\n";
        assert_eq!(
            first_error(relative, tree.path()).as_deref(),
            Some("kernel/bpf/verifier.c:7:3: error: expected ';' before '}' token")
        );
        assert_eq!(first_error("make: *** [Makefile:2] Error 2\n", tree.path()), None);
    }

    #[test]
    fn the_gate_compiles_the_verifier_and_the_touched_c_files() {
        let tree = tempfile::tempdir().unwrap();
        for f in ["kernel/bpf/verifier.c", "kernel/bpf/btf.c"] {
            std::fs::create_dir_all(tree.path().join(f).parent().unwrap()).unwrap();
            std::fs::write(tree.path().join(f), "").unwrap();
        }
        let touched = [
            "include/linux/btf.h",
            "kernel/bpf/verifier.c",
            "kernel/bpf/btf.c",
            "kernel/bpf/gone.c",
        ]
        .map(String::from);
        assert_eq!(
            objects(tree.path(), &touched),
            vec!["kernel/bpf/verifier.o".to_string(), "kernel/bpf/btf.o".to_string()]
        );
    }
}
