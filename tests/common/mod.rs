//! Helpers for the integration tests: run the real binary, get real Debian trees (failing
//! loudly when they cannot be had), make scratch copies, and fingerprint trees.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub shown: String,
}

impl Run {
    /// Panics with the whole command, its output and exit code.
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(self.code, code, "unexpected exit code\n{}", self.shown);
        self
    }

    /// stderr without the notice that kfpatch waited for another one to release a tree's lock:
    /// tests that read the same cached tree in parallel take turns, and the wait is not part
    /// of what a test asserts about its own error.
    pub fn stderr_without_lock_waits(&self) -> String {
        self.stderr
            .lines()
            .filter(|l| !l.contains("waiting for another kfpatch writing this tree"))
            .map(|l| format!("{l}\n"))
            .collect()
    }
}

pub fn kfpatch(args: &[&str]) -> Run {
    kfpatch_with_env(args, &[])
}

/// `kfpatch` with extra environment variables (a PATH with a stand-in tool, say).
pub fn kfpatch_with_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_kfpatch"))
        .args(args)
        .env("KFPATCH_NO_PROGRESS", "1")
        .envs(env.iter().copied())
        .output()
        .expect("the kfpatch binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out.status.code().unwrap_or(-1);
    let shown = format!(
        "$ kfpatch {}\nexit: {code}\n--- stdout\n{stdout}--- stderr\n{stderr}",
        args.join(" ")
    );
    Run {
        code,
        stdout,
        stderr,
        shown,
    }
}

/// The pristine Debian tree for `version`, fetched into the cache if needed.
pub fn tree(version: &str) -> PathBuf {
    let run = kfpatch(&["tree", "fetch", version]);
    assert_eq!(
        run.code, 0,
        "cannot get Debian linux-source-{version}; these tests need the real tree\n{}",
        run.shown
    );
    PathBuf::from(run.stdout.lines().last().expect("fetch prints the path").trim())
}

pub fn repo_file(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

pub fn seed() -> PathBuf {
    repo_file("patches/rfc-v2-1-3-kf-spin-lock.txt")
}

/// A scratch directory on the cache's file system (so hard links to trees work).
pub fn scratch() -> tempfile::TempDir {
    let root = kfpatch::cache_root().join("test-scratch");
    std::fs::create_dir_all(&root).expect("scratch root");
    tempfile::tempdir_in(root).expect("scratch dir")
}

/// A hard-linked copy of a whole tree: kfpatch replaces files by rename, so the original's
/// files are never changed through it.
pub fn linked_copy(src: &Path, dest: &Path) {
    let st = Command::new("cp")
        .arg("-al")
        .arg(src)
        .arg(dest)
        .status()
        .expect("cp runs");
    assert!(st.success(), "cp -al {} {}", src.display(), dest.display());
}

/// The diff part of a mail (from its first `diff --git`).
pub fn mail_diff(mail: &Path) -> String {
    let text = std::fs::read_to_string(mail).unwrap();
    text[text.find("\ndiff --git").expect("a diff in the mail")..].to_string()
}

/// A hard-linked work copy of `pristine` in the cache at `work/<name>-<hash of key>`: a stable
/// path per content, so cached kernel builds of it stay incremental across runs.
pub fn keyed_work_copy(pristine: &Path, name: &str, key: &str) -> PathBuf {
    let key = &kfpatch::kernel::blob_id(key)[..8];
    let work = kfpatch::cache_root().join(format!("work/{name}-{key}"));
    // kfpatch's own: tests running side by side may want the same copy at once.
    kfpatch::kernel::tree::work_copy(pristine, &work).expect("a work copy of the tree");
    work
}

/// A small kernel tree made of real files from `src` (plus what makes it recognisable).
pub fn mini_tree(src: &Path, dest: &Path, files: &[&str]) {
    for dir in ["scripts", "kernel", "include/linux"] {
        std::fs::create_dir_all(dest.join(dir)).unwrap();
    }
    for f in files.iter().chain(["Makefile"].iter()) {
        let to = dest.join(f);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(src.join(f), &to).unwrap_or_else(|e| panic!("copy {f}: {e}"));
    }
}

/// Content and mode of every file below `dir`.
pub fn fingerprint(dir: &Path) -> BTreeMap<PathBuf, (String, u32)> {
    use std::os::unix::fs::PermissionsExt;
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.is_dir() {
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).unwrap_or_default();
                let id = git2::Oid::hash_object(git2::ObjectType::Blob, &bytes)
                    .unwrap()
                    .to_string();
                out.insert(
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    (id, meta.permissions().mode()),
                );
            }
        }
    }
    out
}

pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Whitespace-normalised `+`/`-` lines of the bundled seed.
pub fn seed_changes() -> (Vec<String>, Vec<String>) {
    let series = kfpatch::mail::bundled();
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let hunks: Vec<_> = series
        .patches
        .iter()
        .flat_map(|p| &p.files)
        .flat_map(|f| &f.hunks)
        .collect();
    let added = hunks.iter().flat_map(|h| h.added()).map(|l| norm(&l.text)).collect();
    let removed = hunks.iter().flat_map(|h| h.removed()).map(|l| norm(&l.text)).collect();
    (added, removed)
}

/// `+`/`-` lines (normalised) between two versions of a file.
pub fn diff_lines(old: &str, new: &str) -> (Vec<String>, Vec<String>) {
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let diff = similar::TextDiff::from_lines(old, new);
    let mut added = vec![];
    let mut removed = vec![];
    for c in diff.iter_all_changes() {
        match c.tag() {
            similar::ChangeTag::Insert => added.push(norm(c.value())),
            similar::ChangeTag::Delete => removed.push(norm(c.value())),
            similar::ChangeTag::Equal => {}
        }
    }
    (added, removed)
}

/// A git repository at `dest` holding `files` of `src`, committed once.
pub fn git_repo_from(src: &Path, dest: &Path, files: &[&str]) {
    mini_tree(src, dest, files);
    git(dest, &["init", "-q"]);
    git(dest, &["add", "-A"]);
    git(
        dest,
        &[
            "-c",
            "user.name=T",
            "-c",
            "user.email=t@example.org",
            "commit",
            "-qm",
            "base",
        ],
    );
}

/// Run a command; on failure, panic with its last 30 lines of output.
pub fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() {
        let tail: Vec<&str> = text.lines().rev().take(30).collect();
        panic!(
            "{cmd:?} failed:\n{}",
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }
    text
}

/// An x86_64 defconfig plus BPF (with BTF, so `BTF_ID_FLAGS` emits its flag words) build
/// directory `name` in the cache for `tree`, configured; later runs are incremental.
fn defconfig_bpf_build(tree: &Path, name: &str) -> PathBuf {
    let build = kfpatch::cache_root().join("build").join(name);
    std::fs::create_dir_all(&build).unwrap();
    let o = format!("O={}", build.display());
    run_ok(Command::new("make").arg("-C").arg(tree).arg(&o).arg("defconfig"));
    let fragment = build.join("bpf.config");
    std::fs::write(
        &fragment,
        "CONFIG_BPF=y\nCONFIG_BPF_SYSCALL=y\nCONFIG_BPF_JIT=y\n\
         CONFIG_DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT=y\nCONFIG_DEBUG_INFO_BTF=y\n",
    )
    .unwrap();
    run_ok(
        Command::new(tree.join("scripts/kconfig/merge_config.sh"))
            .current_dir(tree)
            .args(["-m", "-O"])
            .arg(&build)
            .arg(build.join(".config"))
            .arg(&fragment),
    );
    run_ok(Command::new("make").arg("-C").arg(tree).arg(&o).arg("olddefconfig"));
    let config = std::fs::read_to_string(build.join(".config")).unwrap();
    for option in ["CONFIG_BPF_SYSCALL=y\n", "CONFIG_DEBUG_INFO_BTF=y\n"] {
        assert!(config.contains(option), "{option} did not survive olddefconfig");
    }
    build
}

pub fn jobs() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)
}

/// `make kernel/bpf/verifier.o` for `tree` in the `defconfig_bpf_build` directory `name`;
/// returns that build directory.
pub fn compile_verifier_o(tree: &Path, name: &str) -> PathBuf {
    let build = defconfig_bpf_build(tree, name);
    let o = format!("O={}", build.display());
    run_ok(
        Command::new("make")
            .arg("-C")
            .arg(tree)
            .arg(&o)
            .arg(format!("-j{}", jobs()))
            .arg("kernel/bpf/verifier.o"),
    );
    let built = std::fs::metadata(build.join("kernel/bpf/verifier.o"))
        .and_then(|m| m.modified())
        .expect("verifier.o was built");
    let source = std::fs::metadata(tree.join("kernel/bpf/verifier.c"))
        .and_then(|m| m.modified())
        .unwrap();
    assert!(built >= source, "verifier.o is older than the patched verifier.c");
    build
}

/// Compile the series' two selftest programs (progs/kfunc_call_test.c, kfunc_call_fail.c) of
/// the patched tree `copy` with clang-19 against a vmlinux.h dumped from the built `vmlinux`,
/// into `out`; each object must hold its new spin-lock program.
pub fn compile_selftest_progs(copy: &Path, vmlinux: &Path, out: &Path) {
    let st = copy.join("tools/testing/selftests/bpf");
    let inc = out.join("include");
    std::fs::create_dir_all(&inc).unwrap();
    let vmlinux_h = run_ok(
        Command::new("bpftool")
            .args(["btf", "dump", "file"])
            .arg(vmlinux)
            .args(["format", "c"]),
    );
    std::fs::write(inc.join("vmlinux.h"), vmlinux_h).unwrap();
    let defs = run_ok(Command::new("python3").current_dir(copy).args([
        "scripts/bpf_doc.py",
        "--header",
        "--file",
        "include/uapi/linux/bpf.h",
    ]));
    std::fs::write(inc.join("bpf_helper_defs.h"), defs).unwrap();
    for prog in ["kfunc_call_test.c", "kfunc_call_fail.c"] {
        let obj = out.join(prog.replace(".c", ".bpf.o"));
        run_ok(
            Command::new("clang-19")
                .args([
                    "-O2",
                    "-g",
                    "-target",
                    "bpf",
                    "-D__TARGET_ARCH_x86",
                    "-Wno-missing-declarations",
                    "-I",
                ])
                .arg(&inc)
                .arg("-I")
                .arg(copy.join("tools/lib"))
                .arg("-I")
                .arg(&st)
                .arg("-c")
                .arg(st.join("progs").join(prog))
                .arg("-o")
                .arg(&obj),
        );
        let syms = run_ok(Command::new("llvm-objdump-19").arg("-t").arg(&obj));
        let wanted = if prog == "kfunc_call_test.c" {
            "kfunc_call_test_spin_lock_safe"
        } else {
            "kfunc_call_test_spin_lock_unsafe"
        };
        assert!(syms.contains(wanted), "{prog}: no {wanted} in the object");
    }
}

/// A Python tool from PyPI (b4, kcidb-io's validator): `$KFPATCH_PYTOOLS/bin/NAME` (`.ci/run`
/// installs them there), else NAME on PATH. Missing: the test fails, saying how to install it.
pub fn python_tool(name: &str) -> PathBuf {
    let venv = std::env::var_os("KFPATCH_PYTOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| kfpatch::cache_root().join("pytools"));
    let in_venv = venv.join("bin").join(name);
    if in_venv.is_file() {
        return in_venv;
    }
    if let Some(p) = std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
    {
        return p;
    }
    panic!(
        "{name} is not installed; these tests run the real tool: `python3 -m venv {v} && {v}/bin/pip install b4 kcidb-io` (what .ci/run does)",
        v = venv.display()
    )
}

/// Regenerate the three-patch series for `version` and apply all of it to a work copy keyed
/// by the series' diffs (so cached builds of it stay incremental). Returns the work tree.
pub fn series_work_tree(version: &str) -> PathBuf {
    // The tests of this file share work trees; one prepares a version at a time.
    static PREPARING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = PREPARING.lock().unwrap_or_else(|e| e.into_inner());
    let pristine = tree(version);
    let out = scratch();
    let run = kfpatch(&[
        "regen",
        "--tree",
        pristine.to_str().unwrap(),
        "-o",
        out.path().to_str().unwrap(),
        "--with-selftests",
    ]);
    run.expect_code(0);
    let mut mails: Vec<PathBuf> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    mails.sort();
    assert_eq!(mails.len(), 3, "{}", run.shown);
    let diffs: String = mails.iter().map(|m| mail_diff(m)).collect();
    let work = keyed_work_copy(&pristine, &format!("linux-source-{version}-series"), &diffs);
    let mut args = vec!["apply", "--tree", work.to_str().unwrap()];
    args.extend(mails.iter().map(|m| m.to_str().unwrap()));
    // A fresh copy takes all three; a cached one says "already applied" (exit 0 as well).
    kfpatch(&args).expect_code(0);
    work
}
