//! `vmtest --suite test_progs`: the tree's own BPF selftests. The kernel gets the selftests'
//! config fragments (tools/testing/selftests/bpf/config, config.vm) on top of ours, in a build
//! directory of its own; `make -C tools/testing/selftests/bpf test_progs`, in a copy of the tree
//! with its fixups (`fixups`), builds test_progs and bpf_testmod.ko against it; the guest runs
//! `test_progs -t kfunc_call -t spin_lock` as BPF CI does: the tree's DENYLIST, a watchdog, and
//! the JSON summary (`-J`) where the tree's test_progs has them.

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
/// /usr/lib/llvm-19/bin, or the same below a fetched toolchain's root), which the selftests
/// Makefile calls as `clang`, `llc`, `llvm-strip`.
fn llvm_bin(tools: &Tools) -> Option<PathBuf> {
    // `…/usr/bin/clang-21` is a link to `…/usr/lib/llvm-21/bin/clang`.
    if let Ok(real) = tools.clang.canonicalize() {
        let dir = real.parent()?;
        let under_llvm = dir.file_name()? == "bin" && dir.parent()?.file_name()?.to_str()?.starts_with("llvm-");
        if under_llvm && dir.join("llc").is_file() {
            return Some(dir.to_path_buf());
        }
    }
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
        .args(tools.make_vars())
        .arg(format!("CLANG={}", tools.clang.display()))
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

/// How test_progs runs in the guest, as far as this tree's test_progs can.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RunSpec {
    /// `-t` names: the suite's tests, then the user's `--allow`.
    pub tests: Vec<String>,
    /// Everything left out: the tree's DENYLIST(.x86_64) and the user's `--deny`.
    pub denied: Vec<String>,
    /// The file `-d @FILE` reads (when anything is denied).
    pub deny_file: Option<PathBuf>,
    /// `-w SECONDS`, on trees whose test_progs has a watchdog.
    pub watchdog_s: Option<u32>,
    /// `-J FILE`, on trees whose test_progs writes a JSON summary.
    pub json: bool,
}

/// How a test_progs run was set up, for the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Setup {
    /// The copy the selftests were built in.
    pub source: PathBuf,
    pub tools: Vec<super::toolchain::ToolUsed>,
    pub fixups: Vec<super::fixups::FixupOutcome>,
    pub run: RunSpec,
}

/// Per-test watchdog under TCG, where one test may take a minute of emulated time.
const WATCHDOG_S: u32 = 300;

/// The names of a DENYLIST file: one per line, `#` starts a comment.
pub fn denylist_names(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(|l| l.split_whitespace().next().unwrap_or(l).to_string())
        .collect()
}

/// What this tree's test_progs supports, and the lists it gets. The denylist file goes into
/// `output`, which the guest sees even when it lies under the host's /tmp.
pub fn run_spec(source: &Path, output: &Path, allow: &[String], deny: &[String]) -> Result<RunSpec, VmError> {
    let dir = source.join(SELFTESTS);
    let main = std::fs::read_to_string(dir.join("test_progs.c")).unwrap_or_default();
    let mut denied = Vec::new();
    for list in ["DENYLIST", "DENYLIST.x86_64"] {
        if let Ok(text) = std::fs::read_to_string(dir.join(list)) {
            denied.extend(denylist_names(&text));
        }
    }
    denied.extend(deny.iter().cloned());
    let deny_file = if denied.is_empty() {
        None
    } else {
        std::fs::create_dir_all(output).map_err(|e| VmError::io(output, e))?;
        let path = output.join("kfpatch.denylist");
        std::fs::write(&path, denied.join("\n") + "\n").map_err(|e| VmError::io(&path, e))?;
        Some(path)
    };
    let mut tests: Vec<String> = TESTS.iter().map(|t| t.to_string()).collect();
    tests.extend(allow.iter().cloned());
    Ok(RunSpec {
        tests,
        denied,
        deny_file,
        watchdog_s: main.contains("\"watchdog-timeout\"").then_some(WATCHDOG_S),
        json: main.contains("\"json-summary\""),
    })
}

/// The guest init that runs test_progs from `output`.
pub fn init(work: &Path, output: &Path, tools: &Tools, spec: &RunSpec) -> Result<PathBuf, VmError> {
    let text = template::render(
        "vm/init-test-progs.sh.j2",
        context! {
            selftests => output.display().to_string(),
            tests => spec.tests,
            deny_file => spec.deny_file.as_ref().map(|p| p.display().to_string()),
            watchdog => spec.watchdog_s,
            json => spec.json,
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
    /// The `-J` summary, when the tree's test_progs wrote one.
    pub json: Option<JsonSummary>,
}

/// test_progs' JSON summary: counts, and `failed` per test and subtest (it has no skip per
/// subtest: the result lines say which ones skipped).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct JsonSummary {
    pub success: u64,
    #[serde(default)]
    pub success_subtest: u64,
    pub skipped: u64,
    pub failed: u64,
    #[serde(default)]
    pub failed_subtest: u64,
    /// The failed tests (all of them only when test_progs runs verbose).
    pub results: Vec<JsonTest>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct JsonTest {
    pub name: String,
    pub failed: bool,
    #[serde(default)]
    pub subtests: Vec<JsonSubtest>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct JsonSubtest {
    pub name: String,
    pub failed: bool,
}

impl JsonSummary {
    /// `Some(failed)` for `test/subtest` or `test`, None when the summary does not list it
    /// (test_progs lists failed tests only).
    pub fn failed(&self, name: &str) -> Option<bool> {
        let (test, sub) = match name.split_once('/') {
            Some((t, s)) => (t, Some(s)),
            None => (name, None),
        };
        let t = self.results.iter().find(|t| t.name == test)?;
        match sub {
            None => Some(t.failed),
            Some(s) => t.subtests.iter().find(|x| x.name == s).map(|x| x.failed),
        }
    }
}

/// Read test_progs' lines out of the console.
pub fn parse(console: &str) -> TpRun {
    let mut run = TpRun::default();
    let mut json = String::new();
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
        } else if let Some(r) = ours.strip_prefix("KFPATCH-TP-JSON ") {
            json.push_str(r);
            json.push('\n');
        }
    }
    if !json.trim().is_empty() {
        match serde_json::from_str::<JsonSummary>(&json) {
            Ok(summary) => run.json = Some(summary),
            Err(e) => run.log.push(format!("kfpatch: the JSON summary does not parse: {e}")),
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

    /// Tools as a bookworm host has them, for rendering inits.
    fn host_tools() -> Tools {
        Tools {
            clang: "/usr/bin/clang-19".into(),
            bpftool: "/usr/sbin/bpftool".into(),
            insmod: "/usr/sbin/insmod".into(),
            busybox: "/bin/busybox".into(),
            pahole: "/usr/bin/pahole".into(),
            ccache: None,
            pahole_fetched: false,
        }
    }

    #[test]
    fn guest_init_binds_back_a_build_dir_under_tmp() {
        let tools = host_tools();
        let dir = tempfile::tempdir().unwrap();
        let init = |output: &str| {
            let path = super::init(dir.path(), Path::new(output), &tools, &RunSpec::default()).unwrap();
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
    fn run_spec_follows_the_trees_test_progs_and_denylists() {
        let dir = tempfile::tempdir().unwrap();
        let st = dir.path().join(SELFTESTS);
        std::fs::create_dir_all(&st).unwrap();
        std::fs::write(
            st.join("DENYLIST"),
            "# TEMPORARY\nget_stack_raw_tp    # spams\nvarlen\n",
        )
        .unwrap();
        std::fs::write(st.join("DENYLIST.x86_64"), "xdp_bonding\n").unwrap();
        std::fs::write(st.join("DENYLIST.s390x"), "never_on_x86\n").unwrap();
        // An old test_progs: no watchdog, no JSON.
        std::fs::write(st.join("test_progs.c"), "{ \"deny\", 'd' },\n").unwrap();
        let out = dir.path().join("out");
        let spec = run_spec(dir.path(), &out, &["verifier_*".into()], &["spin_lock/x".into()]).unwrap();
        assert_eq!(spec.tests, vec!["kfunc_call", "spin_lock", "verifier_*"]);
        assert_eq!(
            spec.denied,
            vec!["get_stack_raw_tp", "varlen", "xdp_bonding", "spin_lock/x"]
        );
        assert_eq!(
            std::fs::read_to_string(spec.deny_file.as_ref().unwrap()).unwrap(),
            "get_stack_raw_tp\nvarlen\nxdp_bonding\nspin_lock/x\n"
        );
        assert_eq!((spec.watchdog_s, spec.json), (None, false));
        std::fs::write(
            st.join("test_progs.c"),
            "{ \"json-summary\", ARG_JSON_SUMMARY },\n{ \"watchdog-timeout\", 'w' },\n",
        )
        .unwrap();
        let spec = run_spec(dir.path(), &out, &[], &[]).unwrap();
        assert_eq!((spec.watchdog_s, spec.json), (Some(WATCHDOG_S), true));
        let tools = host_tools();
        let init = std::fs::read_to_string(super::init(dir.path(), &out, &tools, &spec).unwrap()).unwrap();
        let command = init.lines().find(|l| l.starts_with("./test_progs")).unwrap();
        assert_eq!(
            command,
            format!(
                "./test_progs -t kfunc_call -t spin_lock -d @{}/kfpatch.denylist -w 300 -J /tmp/test_progs.json > /tmp/test_progs.log 2>&1",
                out.display()
            )
        );
        assert!(init.contains("sed 's/^/KFPATCH-TP-JSON /' /tmp/test_progs.json"));
    }

    #[test]
    fn the_json_summary_is_read_from_the_console() {
        let console = "noise\n\
            KFPATCH-TP-RESULT #1/1 kfunc_call/kfunc_call_test_spin_lock_safe:OK\n\
            [  5.1] random: crng init done\n\
            KFPATCH-TP-JSON {\"success\":1,\"success_subtest\":1,\"skipped\":0,\"failed\":1,\n\
            KFPATCH-TP-JSON \"results\":[{\"name\":\"kfunc_call\",\"number\":1,\"message\":\"\",\"failed\":true,\n\
            KFPATCH-TP-JSON \"subtests\":[{\"name\":\"kfunc_call_test_spin_lock_safe\",\"number\":1,\"message\":\"\",\"failed\":false},\n\
            KFPATCH-TP-JSON {\"name\":\"kfunc_call_test_spin_lock_unsafe\",\"number\":2,\"message\":\"x\",\"failed\":true}]}]}\n\
            KFPATCH-TP-EXIT 1\n";
        let run = parse(console);
        let json = run.json.expect("parsed");
        assert_eq!(json.failed, 1);
        assert_eq!(json.failed("kfunc_call/kfunc_call_test_spin_lock_safe"), Some(false));
        assert_eq!(json.failed("kfunc_call/kfunc_call_test_spin_lock_unsafe"), Some(true));
        assert_eq!(json.failed("kfunc_call"), Some(true));
        assert_eq!(json.failed("spin_lock"), None);
        // A summary that does not parse is said, never taken for an empty one.
        let run = parse("KFPATCH-TP-JSON {\"success\": \n");
        assert!(run.json.is_none());
        assert!(run.log.iter().any(|l| l.contains("does not parse")), "{:?}", run.log);
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
