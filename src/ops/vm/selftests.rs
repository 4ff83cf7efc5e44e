//! `vmtest --suite test_progs`: the tree's own BPF selftests. The kernel gets the selftests'
//! config fragments (tools/testing/selftests/bpf/config, config.vm) on top of ours, in a build
//! directory of its own; `make -C tools/testing/selftests/bpf test_progs` builds test_progs and
//! bpf_testmod.ko against it; the guest runs `test_progs -t kfunc_call -t spin_lock`.

use super::process::{log_tail, run_with_progress};
use super::VmError;
use crate::kernel::host_tools::Tools;
use crate::ops::Context;
use crate::template;
use minijinja::context;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const SELFTESTS: &str = "tools/testing/selftests/bpf";
/// The tests the suite runs, and the subtests that must be among them and pass.
pub const TESTS: &[&str] = &["kfunc_call", "spin_lock"];
pub const REQUIRED_SUBTESTS: &[&str] = &[
    "kfunc_call/kfunc_call_test_spin_lock_safe",
    "kfunc_call/kfunc_call_test_spin_lock_unsafe",
];

/// Config fragments merged after ours, as far as the tree has them. `config.x86_64` is
/// upstream's full VM config: without it, 7.3's selftests miss kfuncs (memcg ones) at build time.
pub fn fragments(tree: &Path) -> Vec<PathBuf> {
    ["config", "config.vm", "config.x86_64"]
        .iter()
        .map(|f| tree.join(SELFTESTS).join(f))
        .filter(|p| p.is_file())
        .collect()
}

/// The directory with Debian's unsuffixed LLVM tools for the clang we found (clang-19 →
/// /usr/lib/llvm-19/bin), which the selftests Makefile calls as `clang`, `llc`, `llvm-strip`.
fn llvm_bin(tools: &Tools) -> Option<PathBuf> {
    let name = tools.clang.file_name()?.to_str()?;
    let version = name.strip_prefix("clang-")?;
    let dir = PathBuf::from(format!("/usr/lib/llvm-{version}/bin"));
    dir.is_dir().then_some(dir)
}

/// Dependency files from an earlier, interrupted build that name a skeleton header by a bare
/// relative name (`atomics.lskel.h`): 6.12's Makefile compiles test objects after `cd`ing into
/// the output directory, so make, which runs in the source directory, cannot find that header
/// again and stops with "No rule to make target". Drop such `.test.d` files (and their objects);
/// make regenerates them. Makefiles with `vpath %.lskel.h $(TRUNNER_OUTPUT)` (7.x) find the
/// headers and keep their dependency files.
fn drop_unusable_test_deps(tree: &Path, output: &Path) -> std::io::Result<usize> {
    let makefile = std::fs::read_to_string(tree.join(SELFTESTS).join("Makefile")).unwrap_or_default();
    if makefile.contains("vpath %.lskel.h") {
        return Ok(0);
    }
    let mut dropped = 0;
    let Ok(entries) = std::fs::read_dir(output) else {
        return Ok(0);
    };
    for entry in entries {
        let path = entry?.path();
        if !path.to_string_lossy().ends_with(".test.d") {
            continue;
        }
        let text = std::fs::read_to_string(&path)?;
        let bare_skeleton = text
            .split_whitespace()
            .any(|t| !t.contains('/') && (t.ends_with(".skel.h") || t.ends_with(".lskel.h")));
        if bare_skeleton {
            std::fs::remove_file(&path)?;
            let _ = std::fs::remove_file(path.with_extension("o"));
            dropped += 1;
        }
    }
    Ok(dropped)
}

/// Build test_progs (and bpf_testmod.ko) into `output`.
pub fn build(
    ctx: &Context,
    tree: &Path,
    build: &Path,
    output: &Path,
    jobs: usize,
    tools: &Tools,
    log: &Path,
) -> Result<(), VmError> {
    std::fs::create_dir_all(output).map_err(|e| VmError::io(output, e))?;
    drop_unusable_test_deps(tree, output).map_err(|e| VmError::io(output, e))?;
    let mut cmd = Command::new("make");
    cmd.arg("-C")
        .arg(tree.join(SELFTESTS))
        .arg(format!("-j{}", jobs.max(1)))
        .arg(format!("KBUILD_OUTPUT={}", build.display()))
        .arg(format!("OUTPUT={}/", output.display()))
        .arg(format!("VMLINUX_BTF={}", build.join("vmlinux").display()))
        .arg("test_progs");
    if let Some(dir) = llvm_bin(tools) {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut paths = vec![dir];
        paths.extend(std::env::split_paths(&path));
        cmd.env(
            "PATH",
            std::env::join_paths(paths).map_err(|e| VmError::Unavailable(e.to_string()))?,
        );
    }
    let ok = run_with_progress(ctx, cmd, log)?;
    if !ok || !output.join("test_progs").is_file() {
        return Err(VmError::Step {
            what: "selftests build (test_progs)".into(),
            log: log.to_path_buf(),
            tail: log_tail(log, 25),
        });
    }
    Ok(())
}

/// The guest init that runs test_progs from `output`.
pub fn init(work: &Path, output: &Path, tools: &Tools) -> Result<PathBuf, VmError> {
    let text = template::render(
        "vm/init-test-progs.sh.j2",
        context! {
            selftests => output.display().to_string(),
            tests => TESTS,
            reboot => format!("{} reboot -f", tools.busybox.display()),
            keep => super::guest::shadowed_by_guest_tmp(&[output]),
        },
    )?;
    let path = work.join("init-test-progs.sh");
    std::fs::write(&path, text).map_err(|e| VmError::io(&path, e))?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).map_err(|e| VmError::io(&path, e))?;
    Ok(path)
}

/// One `#N/M test/subtest:RESULT` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TpResult {
    pub name: String,
    pub result: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TpRun {
    pub results: Vec<TpResult>,
    pub summary: Option<String>,
    pub exit: Option<i32>,
    pub log: Vec<String>,
}

/// Read test_progs' lines out of the console.
pub fn parse(console: &str) -> TpRun {
    let mut run = TpRun::default();
    for line in console.lines() {
        let Some(pos) = line.find("KFPATCH-TP-") else { continue };
        let ours = &line[pos..];
        if let Some(r) = ours.strip_prefix("KFPATCH-TP-RESULT ") {
            let r = r.trim();
            if let Some(s) = r.strip_prefix("Summary:") {
                run.summary = Some(s.trim().to_string());
            } else if let Some((_, rest)) = r.split_once(' ') {
                if let Some((name, result)) = rest.trim().rsplit_once(':') {
                    run.results.push(TpResult {
                        name: name.trim().to_string(),
                        result: result.trim().to_string(),
                    });
                }
            }
        } else if let Some(r) = ours.strip_prefix("KFPATCH-TP-EXIT ") {
            run.exit = r.trim().parse().ok();
        } else if let Some(r) = ours.strip_prefix("KFPATCH-TP-LOG ") {
            run.log.push(r.to_string());
        }
    }
    run
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_follow_the_tree() {
        let dir = tempfile::tempdir().unwrap();
        let st = dir.path().join(SELFTESTS);
        std::fs::create_dir_all(&st).unwrap();
        std::fs::write(st.join("config"), "CONFIG_BPF=y\n").unwrap();
        std::fs::write(st.join("config.x86_64"), "CONFIG_MEMCG=y\n").unwrap();
        let names: Vec<String> = fragments(dir.path())
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["config", "config.x86_64"]);
    }

    #[test]
    fn guest_init_binds_back_a_build_dir_under_tmp() {
        let tools = Tools {
            clang: "/usr/bin/clang-19".into(),
            bpftool: "/usr/sbin/bpftool".into(),
            insmod: "/usr/sbin/insmod".into(),
            busybox: "/bin/busybox".into(),
            pahole: "/usr/bin/pahole".into(),
            ccache: None,
        };
        let dir = tempfile::tempdir().unwrap();
        let init = |output: &str| {
            let path = super::init(dir.path(), Path::new(output), &tools).unwrap();
            std::fs::read_to_string(path).unwrap()
        };
        let text = init("/tmp/cache/build/kfpatch/selftests");
        let order: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("mount") || l.starts_with("mkdir"))
            .take(8)
            .collect();
        assert_eq!(
            order[3..8],
            [
                "mount -t tmpfs tmpfs /run",
                "mkdir -p /run/kfpatch-host-tmp",
                "mount -o bind /tmp /run/kfpatch-host-tmp",
                "mount -t tmpfs tmpfs /tmp",
                "mkdir -p /tmp/cache/build/kfpatch/selftests",
            ]
        );
        assert!(text.contains(
            "mount -o bind /run/kfpatch-host-tmp/cache/build/kfpatch/selftests /tmp/cache/build/kfpatch/selftests\n"
        ));
        // Elsewhere, nothing to bind back.
        let text = init("/root/.cache/kfpatch/build/kfpatch/selftests");
        assert!(!text.contains("kfpatch-host-tmp"), "{text}");
        assert!(text.contains("mount -t tmpfs tmpfs /tmp\n"));
    }

    #[test]
    fn test_deps_naming_bare_skeletons_are_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        let bare = "/o//atomics.test.o: /t/prog_tests/atomics.c \\\n atomics.lskel.h /t/test_progs.h\n";
        let fine = "/o//align.test.o: /t/prog_tests/align.c \\\n /o/align.skel.h\n";
        std::fs::write(out.join("atomics.test.d"), bare).unwrap();
        std::fs::write(out.join("atomics.test.o"), "obj").unwrap();
        std::fs::write(out.join("align.test.d"), fine).unwrap();
        std::fs::write(out.join("align.test.o"), "obj").unwrap();
        let tree = out.join("linux");
        let st = tree.join(SELFTESTS);
        std::fs::create_dir_all(&st).unwrap();
        // A 7.x Makefile finds bare skeleton names through vpath: nothing to drop.
        std::fs::write(
            st.join("Makefile"),
            "vpath %.skel.h $(TRUNNER_OUTPUT)\nvpath %.lskel.h $(TRUNNER_OUTPUT)\n",
        )
        .unwrap();
        assert_eq!(drop_unusable_test_deps(&tree, out).unwrap(), 0);
        // 6.12's does not.
        std::fs::write(st.join("Makefile"), "TRUNNER_TESTS_DIR := prog_tests\n").unwrap();
        assert_eq!(drop_unusable_test_deps(&tree, out).unwrap(), 1);
        assert!(!out.join("atomics.test.d").exists() && !out.join("atomics.test.o").exists());
        assert!(out.join("align.test.d").exists() && out.join("align.test.o").exists());
        assert_eq!(drop_unusable_test_deps(&tree, &out.join("missing")).unwrap(), 0);
    }

    #[test]
    fn results_summary_and_exit() {
        let console = "KFPATCH-TP-RESULT #158/1    kfunc_call/kfunc_syscall_test_fail:OK\n\
                       [  9.1] random kernel line\n\
                       KFPATCH-TP-RESULT #158/13   kfunc_call/kfunc_call_test_spin_lock_unsafe:OK\n\
                       KFPATCH-TP-RESULT #158      kfunc_call:OK\n\
                       KFPATCH-TP-RESULT Summary: 2/27 PASSED, 0 SKIPPED, 0 FAILED\n\
                       KFPATCH-TP-EXIT 0\n";
        let r = parse(console);
        assert_eq!(r.results.len(), 3);
        assert_eq!(
            r.results[1],
            TpResult {
                name: "kfunc_call/kfunc_call_test_spin_lock_unsafe".into(),
                result: "OK".into()
            }
        );
        assert_eq!(r.summary.as_deref(), Some("2/27 PASSED, 0 SKIPPED, 0 FAILED"));
        assert_eq!(r.exit, Some(0));
    }
}
