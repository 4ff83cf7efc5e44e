//! `regen --with-selftests`: patch 2 flags a kfunc of the tree's bpf_testmod, patch 3 adds the
//! kfunc_call cases (flagged kfunc under the lock must load and run; an unflagged one must be
//! refused). Paths and anchors follow the tree: `test_kmods/` (7.x) or `bpf_testmod/` (6.x).

use super::RegenError;
use crate::kernel::KernelTree;
use crate::mail::write::FileChange;
use crate::template;
use minijinja::context;

const SELFTESTS: &str = "tools/testing/selftests/bpf";
const TESTMOD_LINE: &str = "BTF_ID_FLAGS(func, bpf_testmod_test_mod_kfunc)";
const FIRST_PASS_CASE: &str = "\tTC_TEST(kfunc_call_test1, 12),";

pub struct Patches {
    pub testmod: Vec<FileChange>,
    pub tests: Vec<FileChange>,
}

/// The kfuncs the 3/3 programs call, and the header (beside bpf_testmod.c) that must declare
/// them for the programs to compile. 6.1 has neither the header nor bpf_kfunc_call_test4.
const CALLED_KFUNCS: &[&str] = &["bpf_testmod_test_mod_kfunc", "bpf_kfunc_call_test4"];
const KFUNC_HEADER: &str = "bpf_testmod_kfunc.h";

/// bpf_testmod's directory: `test_kmods/` (7.x) or `bpf_testmod/` (6.x).
fn testmod_dir(tree: &KernelTree) -> String {
    let new = format!("{SELFTESTS}/test_kmods");
    if tree.exists(&format!("{new}/bpf_testmod.c")) {
        new
    } else {
        format!("{SELFTESTS}/bpf_testmod")
    }
}

/// Refuse, before anything is written, a tree whose selftests do not declare every kfunc the
/// generated programs call: a patch that does not compile is worse than none.
fn require_declared_kfuncs(tree: &KernelTree) -> Result<(), RegenError> {
    let header = format!("{}/{KFUNC_HEADER}", testmod_dir(tree));
    let text = tree.read(&header).unwrap_or_default();
    let absent: Vec<&str> = CALLED_KFUNCS.iter().copied().filter(|k| !text.contains(k)).collect();
    if absent.is_empty() {
        return Ok(());
    }
    Err(missing(
        tree,
        format!(
            "--with-selftests: the 3/3 programs call {}, which {header} does not declare in this tree (Linux {}); \
             refusing rather than writing selftests that do not compile",
            absent.join(" and "),
            tree.version
        ),
    ))
}

fn missing(tree: &KernelTree, what: String) -> RegenError {
    RegenError::Anchor {
        tree: tree.root.clone(),
        what,
    }
}

fn change(path: String, old: String, new_lines: Vec<String>) -> FileChange {
    FileChange {
        path,
        old: Some(old),
        new: new_lines.join("\n") + "\n",
        mode: 0o100644,
    }
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

/// Insert `block` after the last `#include` among the first lines of a BPF program source.
fn after_includes(tree: &KernelTree, path: &str, block: &str) -> Result<FileChange, RegenError> {
    let old = tree.read(path)?;
    let mut l = lines(&old);
    let last = l
        .iter()
        .take(40)
        .rposition(|x| x.starts_with("#include"))
        .ok_or_else(|| missing(tree, format!("no #include in {path}")))?;
    l.splice(last + 1..last + 1, lines(block.trim_end_matches('\n')));
    Ok(change(path.to_string(), old, l))
}

pub fn generate(tree: &KernelTree, flag: &str) -> Result<Patches, RegenError> {
    require_declared_kfuncs(tree)?;
    let ctx = context! { flag => flag };
    let render = |name: &str| template::render(&format!("regen/selftests/{name}"), ctx.clone());

    let path = format!("{}/bpf_testmod.c", testmod_dir(tree));
    let old = tree.read(&path)?;
    let mut l = lines(&old);
    let at = l
        .iter()
        .position(|x| x == TESTMOD_LINE)
        .ok_or_else(|| missing(tree, format!("no `{TESTMOD_LINE}` in {path}")))?;
    l[at] = render("testmod-flag.c.j2")?.trim_end().to_string();
    let testmod = vec![change(path, old, l)];

    let progs = format!("{SELFTESTS}/progs");
    let safe = after_includes(
        tree,
        &format!("{progs}/kfunc_call_test.c"),
        &render("kfunc_call_test-safe.c.j2")?,
    )?;
    let unsafe_ = after_includes(
        tree,
        &format!("{progs}/kfunc_call_fail.c"),
        &render("kfunc_call_fail-unsafe.c.j2")?,
    )?;
    let cases_path = format!("{SELFTESTS}/prog_tests/kfunc_call.c");
    let old = tree.read(&cases_path)?;
    let mut l = lines(&old);
    let last_fail = l
        .iter()
        .rposition(|x| x.starts_with("\tTC_FAIL("))
        .ok_or_else(|| missing(tree, format!("no TC_FAIL case in {cases_path}")))?;
    l.insert(last_fail + 1, render("prog-test-fail.c.j2")?.trim_end().to_string());
    let first_pass = l
        .iter()
        .position(|x| x == FIRST_PASS_CASE)
        .ok_or_else(|| missing(tree, format!("no `{}` in {cases_path}", FIRST_PASS_CASE.trim())))?;
    l.insert(first_pass, render("prog-test-pass.c.j2")?.trim_end().to_string());
    let tests = vec![unsafe_, safe, change(cases_path, old, l)];
    Ok(Patches { testmod, tests })
}
