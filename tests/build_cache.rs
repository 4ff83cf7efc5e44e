//! The compile gate and the build cache runners share, on Debian 7.2 for real:
//! - a series whose backport does not compile is stopped by the gate, before the full build,
//!   with the compiler's `file:line` in the tree;
//! - a second runner (its own cache root, an empty local ccache) gets the first runner's objects
//!   from a real `redis-server` on 127.0.0.1 that both name with `--cache-url`.
mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

/// The two tests build kernels: one at a time (a runner's own cache root has its own slot).
static ONE_BUILD: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The regenerated 7.2 patch with one added line changed so that it no longer compiles.
fn broken_series(dir: &Path) -> PathBuf {
    let out = dir.join("regen");
    let t72 = tree("7.2");
    kfpatch(&["regen", "--tree", t72.to_str().unwrap(), "-o", out.to_str().unwrap()]).expect_code(0);
    let mail = std::fs::read_dir(&out).unwrap().next().unwrap().unwrap().path();
    let text = std::fs::read_to_string(&mail).unwrap();
    let good = "+\treturn *kfunc.flags & KF_SPIN_LOCK;\n";
    assert!(text.contains(good), "the 7.2 regen changed shape:\n{text}");
    let broken = dir.join("broken.patch");
    std::fs::write(
        &broken,
        text.replace(good, "+\treturn *kfunc.flags & KF_SPIN_LOCK_TYPO;\n"),
    )
    .unwrap();
    broken
}

#[test]
fn a_series_that_does_not_compile_stops_at_the_gate_with_file_and_line() {
    let _one = ONE_BUILD.lock().unwrap_or_else(|e| e.into_inner());
    let dir = scratch();
    let broken = broken_series(dir.path());
    let json = dir.path().join("validate.json");
    let run = kfpatch(&[
        "validate",
        "--debian",
        "7.2",
        &format!("--json={}", json.display()),
        broken.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1, "{}", run.shown);
    // The work copy validate made: the broken line is there, and the error names it.
    let work_line = run
        .stderr
        .lines()
        .find(|l| l.contains("error: compile gate: "))
        .unwrap_or_else(|| panic!("no compile gate error\n{}", run.shown));
    let located = work_line
        .split("error: compile gate: ")
        .nth(1)
        .unwrap()
        .split(": error: ")
        .next()
        .unwrap();
    let mut parts = located.split(':');
    let (file, line) = (parts.next().unwrap(), parts.next().unwrap().parse::<usize>().unwrap());
    assert_eq!(file, "kernel/bpf/verifier.c", "{work_line}");
    // In the C locale whatever the user's: English, ASCII quotes.
    assert!(work_line.contains("'KF_SPIN_LOCK_TYPO' undeclared"), "{work_line}");
    // `(log: BUILD/kfpatch/gate.log)`
    let log = work_line.rsplit("(log: ").next().unwrap().trim_end_matches(')');
    let build_dir = Path::new(log).parent().unwrap().parent().unwrap().to_path_buf();
    // Which tree was built: its verifier.c has the typo on exactly that line.
    let source = find_built_tree(&build_dir);
    let text = std::fs::read_to_string(source.join(file)).unwrap();
    assert!(
        text.lines().nth(line - 1).unwrap().contains("KF_SPIN_LOCK_TYPO"),
        "line {line} of {}",
        source.display()
    );
    // Refused before the kernel build: no vmlinux was linked for it.
    assert!(!build_dir.join("vmlinux").exists(), "the full build ran");
}

/// The source tree a build directory was configured for (Kbuild's generated Makefile says).
fn find_built_tree(build: &Path) -> PathBuf {
    let makefile = std::fs::read_to_string(build.join("Makefile")).unwrap();
    // `include /path/to/tree/Makefile`
    let line = makefile
        .lines()
        .find(|l| l.starts_with("include "))
        .expect("Kbuild's Makefile");
    Path::new(line.trim_start_matches("include ").trim())
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A real redis-server on a free loopback port, stopped when dropped.
struct Redis {
    child: Child,
    port: u16,
}

impl Redis {
    fn start(dir: &Path) -> Redis {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no", "--dir"])
            .arg(dir)
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server (Debian package redis-server) runs; .ci/run installs it");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "redis-server did not listen on {port}"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        Redis { child, port }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A runner of its own: a cache root with the 7.2 tree in it (hard links), as `tree fetch`
/// lays it out, and nothing else: its local ccache is empty.
fn runner(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let root = dir.join(name);
    let tree_dir = root.join("trees/linux-source-7.2");
    std::fs::create_dir_all(tree_dir.parent().unwrap()).unwrap();
    linked_copy(&tree("7.2"), &tree_dir);
    (root, tree_dir)
}

fn gate_only(root: &Path, tree: &Path, url: &str, json: &Path) -> serde_json::Value {
    let run = kfpatch_with_env(
        &[
            "vmtest",
            "--tree",
            tree.to_str().unwrap(),
            "--gate-only",
            "--cache-url",
            url,
            &format!("--json={}", json.display()),
        ],
        &[("KFPATCH_CACHE", root.to_str().unwrap())],
    );
    run.expect_code(0);
    assert!(run.stdout.contains("stopped there (--gate-only)"), "{}", run.shown);
    serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap()
}

#[test]
fn a_second_runner_with_an_empty_cache_gets_the_first_runners_objects_from_redis() {
    let _one = ONE_BUILD.lock().unwrap_or_else(|e| e.into_inner());
    let dir = scratch();
    let redis = Redis::start(dir.path());
    let url = format!("redis://127.0.0.1:{}", redis.port);
    let (root_a, tree_a) = runner(dir.path(), "runner-a");
    let (root_b, tree_b) = runner(dir.path(), "runner-b");

    let a = gate_only(&root_a, &tree_a, &url, &dir.path().join("a.json"));
    let cache_a = &a["build"]["cache"];
    assert_eq!(a["build"]["compiler"]["cc"], "ccache gcc", "{a}");
    assert_eq!(cache_a["remote_hits"], 0, "{cache_a}");
    assert!(cache_a["misses"].as_u64().unwrap() >= 1, "{cache_a}");
    assert_eq!(cache_a["remote"], url.as_str());
    assert_eq!(cache_a["remote_errors"], 0, "{cache_a}");
    let objects = a["build"]["gate"]["objects"].as_array().unwrap();
    assert!(objects.iter().any(|o| o == "kernel/bpf/verifier.o"), "{a}");

    // Runner B: another cache root and build directory, nothing in its local cache.
    let b = gate_only(&root_b, &tree_b, &url, &dir.path().join("b.json"));
    let cache_b = &b["build"]["cache"];
    assert_eq!(cache_b["local_hits"], 0, "{cache_b}");
    assert_eq!(
        cache_b["misses"], 0,
        "every object came from the shared cache: {cache_b}"
    );
    assert_eq!(cache_b["remote_hits"], cache_a["cacheable"], "{cache_a} {cache_b}");
    assert_ne!(a["build_dir"], b["build_dir"]);
}
