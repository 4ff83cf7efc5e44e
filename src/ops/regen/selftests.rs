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

fn testmod_path(tree: &KernelTree) -> String {
    let new = format!("{SELFTESTS}/test_kmods/bpf_testmod.c");
    if tree.exists(&new) {
        new
    } else {
        format!("{SELFTESTS}/bpf_testmod/bpf_testmod.c")
    }
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
    let ctx = context! { flag => flag };
    let render = |name: &str| template::render(&format!("regen/selftests/{name}"), ctx.clone());

    let path = testmod_path(tree);
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
