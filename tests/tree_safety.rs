//! "Never a half-applied tree": `kfpatch apply` killed at every step of its write leaves a tree
//! the next run recovers to pristine or fully applied; two applies on one tree both land (or
//! the second is refused with `--no-wait`); no symlink leads a write out of the tree; and files
//! keep their CRLF line endings and permission bits.
mod common;
use common::*;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const FILES: [&str; 3] = [
    "include/linux/btf.h",
    "kernel/bpf/verifier.c",
    "tools/bpf/resolve_btfids/main.c",
];

type Fingerprint = BTreeMap<PathBuf, (String, u32)>;

/// A small copy of the 7.2 tree at `<dir>/<name>`.
fn small_tree(dir: &Path, name: &str) -> PathBuf {
    let t = dir.join(name);
    mini_tree(&tree("7.2"), &t, &FILES);
    t
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Every `.kfpatch-*` file (staged file, journal) below `dir`.
fn leftovers(dir: &Path) -> Vec<PathBuf> {
    fingerprint(dir)
        .into_keys()
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(".kfpatch-"))
        .collect()
}

/// The fingerprint of a small tree with the bundled RFC applied by an uninterrupted run.
fn applied_reference(dir: &Path) -> Fingerprint {
    let t = small_tree(dir, "reference");
    kfpatch(&["apply", "--tree", s(&t)]).expect_code(0);
    fingerprint(&t)
}

#[test]
fn killed_at_every_step_the_next_run_ends_pristine_or_applied() {
    let dir = scratch();
    let applied = applied_reference(dir.path());
    // (fault point, the state recovery must reach, what it says)
    let points = [
        ("after-journal", false, "rolled it back"),
        ("after-stage:1", false, "rolled it back"),
        ("after-stage", true, "finished it"),
        ("after-rename:1", true, "finished it"),
        ("after-rename:2", true, "finished it"),
    ];
    for (point, finished, said) in points {
        let t = small_tree(dir.path(), &format!("linux-{}", point.replace(':', "-")));
        let pristine = fingerprint(&t);
        assert_ne!(pristine, applied);
        let killed = kfpatch_with_env(&["apply", "--tree", s(&t)], &[("KFPATCH_FAULT", point)]);
        assert_eq!(killed.code, -1, "{point}: kfpatch was not killed\n{}", killed.shown);
        assert!(
            t.join(".kfpatch-journal").is_file(),
            "{point}: no journal left by the crash"
        );
        if point == "after-rename:1" {
            let now = fingerprint(&t);
            let half = |f: &str| now[Path::new(f)] == applied[Path::new(f)];
            assert!(
                half("include/linux/btf.h") && !half("kernel/bpf/verifier.c"),
                "{point}: the crash should leave btf.h written and verifier.c not"
            );
        }
        let check = kfpatch(&["apply", "--check", "--json", "--tree", s(&t)]);
        check.expect_code(0);
        let notice = format!("found an interrupted kfpatch apply and {said}");
        assert!(
            check.stderr.contains(&notice),
            "{point}: no {notice:?}\n{}",
            check.shown
        );
        let doc: serde_json::Value = serde_json::from_str(&check.stdout).unwrap();
        let action = if finished { "finished" } else { "rolled_back" };
        assert_eq!(doc["recovery"]["action"], action, "{point}\n{}", check.shown);
        assert_eq!(doc["verdict"], if finished { "already_applied" } else { "applies" });
        let expected = if finished { &applied } else { &pristine };
        assert!(
            fingerprint(&t) == *expected,
            "{point}: the tree is neither pristine nor applied"
        );
        assert_eq!(leftovers(&t), Vec::<PathBuf>::new(), "{point}");
        // Recovered once: the next run has nothing to recover, and the apply completes.
        let again = kfpatch(&["apply", "--tree", s(&t)]);
        again.expect_code(0);
        assert!(!again.stderr.contains("interrupted"), "{}", again.shown);
        assert!(
            fingerprint(&t) == applied,
            "{point}: a clean apply after recovery differs"
        );
    }
}

#[test]
fn regen_recovers_the_tree_first_too() {
    let dir = scratch();
    let t = small_tree(dir.path(), "linux");
    let pristine = fingerprint(&t);
    kfpatch_with_env(&["apply", "--tree", s(&t)], &[("KFPATCH_FAULT", "after-journal")]);
    assert!(t.join(".kfpatch-journal").is_file());
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let run = kfpatch(&["regen", "--tree", s(&t), "-o", s(&out)]);
    assert!(
        run.stderr.contains("interrupted kfpatch apply and rolled it back"),
        "{}",
        run.shown
    );
    assert!(fingerprint(&t) == pristine, "{}", run.shown);
}

/// A one-hunk series adding a comment line near the end of btf.h, far from the RFC's hunk.
fn second_series(dir: &Path, t: &Path) -> PathBuf {
    let text = std::fs::read_to_string(t.join("include/linux/btf.h")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let n = lines.len();
    let c = |i: usize| format!(" {}\n", lines[i]);
    let patch = format!(
        "--- a/include/linux/btf.h\n+++ b/include/linux/btf.h\n@@ -{},4 +{},5 @@\n{}{}+{SECOND}\n{}{}",
        n - 3,
        n - 3,
        c(n - 4),
        c(n - 3),
        c(n - 2),
        c(n - 1)
    );
    let path = dir.join("second.patch");
    std::fs::write(&path, patch).unwrap();
    path
}

const SECOND: &str = "/* kfpatch tree_safety: the second series */";

/// Both series' changes are in the tree: neither apply lost the other's.
fn both_present(t: &Path) {
    let btf = std::fs::read_to_string(t.join("include/linux/btf.h")).unwrap();
    let verifier = std::fs::read_to_string(t.join("kernel/bpf/verifier.c")).unwrap();
    assert!(btf.contains(SECOND), "the second series was lost");
    assert!(btf.contains("KF_SPIN_LOCK"), "the RFC's btf.h hunk was lost");
    assert!(
        verifier.contains("kfunc_spin_allowed"),
        "the RFC's verifier.c hunk was lost"
    );
    assert_eq!(leftovers(t), Vec::<PathBuf>::new());
}

/// A running `kfpatch`, its stderr lines arriving on a channel.
struct Running {
    child: std::process::Child,
    lines: mpsc::Receiver<String>,
    stderr: std::thread::JoinHandle<String>,
}

fn spawn(args: &[&str]) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kfpatch"))
        .args(args)
        .env("KFPATCH_NO_PROGRESS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the kfpatch binary runs");
    let (tx, lines) = mpsc::channel();
    let pipe = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            all.push_str(&line);
            all.push('\n');
            let _ = tx.send(line);
        }
        all
    });
    Running { child, lines, stderr }
}

impl Running {
    /// Block until the process says it waits for the tree's lock.
    fn until_waiting(&self) {
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(120))
                .expect("kfpatch says it waits for the lock");
            if line.contains("waiting for another kfpatch writing this tree") {
                return;
            }
        }
    }

    fn finish(mut self) -> (i32, String) {
        let status = self.child.wait().unwrap();
        (status.code().unwrap_or(-1), self.stderr.join().unwrap())
    }
}

#[test]
fn two_applies_on_one_tree_both_land_or_the_second_is_refused() {
    let dir = scratch();
    let seed = seed();
    // Held by this test: the second kfpatch waits, or with --no-wait is refused.
    let t = small_tree(dir.path(), "held");
    let second = second_series(dir.path(), &t);
    let lock = kfpatch::kernel::journal::TreeLock::acquire(&kfpatch::cache_root(), &t, false, || {}).unwrap();
    let before = fingerprint(&t);
    let refused = kfpatch(&["apply", "--no-wait", "--tree", s(&t), s(&second)]);
    refused.expect_code(2);
    let err = refused.stderr.trim_end();
    assert_eq!(err.lines().count(), 1, "not one line:\n{}", refused.shown);
    assert!(
        err.starts_with("kfpatch: error: ") && err.contains("another kfpatch is writing this tree"),
        "{}",
        refused.shown
    );
    assert!(fingerprint(&t) == before, "a refused apply changed the tree");
    let first = spawn(&["apply", "--tree", s(&t), s(&seed)]);
    first.until_waiting();
    let other = spawn(&["apply", "--tree", s(&t), s(&second)]);
    other.until_waiting();
    drop(lock);
    for run in [first, other] {
        let (code, stderr) = run.finish();
        assert_eq!(code, 0, "{stderr}");
    }
    both_present(&t);

    // Started together, nobody holding the lock: whichever goes second plans on the first's
    // result.
    for round in 0..3 {
        let t = small_tree(dir.path(), &format!("race-{round}"));
        let a = spawn(&["apply", "--tree", s(&t), s(&seed)]);
        let b = spawn(&["apply", "--tree", s(&t), s(&second)]);
        for run in [a, b] {
            let (code, stderr) = run.finish();
            assert_eq!(code, 0, "round {round}: {stderr}");
        }
        both_present(&t);
    }
}

/// Apply `patch` (default: the RFC) and expect a one-line refusal naming `needles`, exit 2,
/// and no change to the tree nor to `outside`.
fn refused_out_of_tree(t: &Path, outside: &Path, patch: Option<&Path>, needles: &[&str]) {
    let (tree_before, outside_before) = (fingerprint(t), fingerprint(outside));
    let mut args = vec!["apply", "--tree", s(t)];
    args.extend(patch.map(s));
    let run = kfpatch(&args);
    run.expect_code(2);
    let err = run.stderr.trim_end();
    assert_eq!(err.lines().count(), 1, "not one line:\n{}", run.shown);
    for n in needles {
        assert!(err.contains(n), "missing {n:?}\n{}", run.shown);
    }
    assert!(fingerprint(t) == tree_before, "the tree changed\n{}", run.shown);
    assert!(
        fingerprint(outside) == outside_before,
        "a file outside the tree changed"
    );
}

#[test]
fn a_symlink_out_of_the_tree_is_refused_for_existing_and_new_files() {
    let dir = scratch();
    let t = small_tree(dir.path(), "linux");
    let outside = dir.path().join("elsewhere");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::rename(t.join("kernel/bpf"), outside.join("bpf")).unwrap();
    symlink(outside.join("bpf"), t.join("kernel/bpf")).unwrap();
    refused_out_of_tree(
        &t,
        &outside,
        None,
        &[
            "kernel/bpf/verifier.c: refusing a path that leaves the tree: kernel/bpf is a symlink to",
            "elsewhere/bpf",
        ],
    );
    let new_file = dir.path().join("new.patch");
    std::fs::write(
        &new_file,
        "diff --git a/kernel/bpf/kfpatch_new.c b/kernel/bpf/kfpatch_new.c\nnew file mode 100644\n\
         --- /dev/null\n+++ b/kernel/bpf/kfpatch_new.c\n@@ -0,0 +1 @@\n+int kfpatch_new;\n",
    )
    .unwrap();
    refused_out_of_tree(
        &t,
        &outside,
        Some(&new_file),
        &["kernel/bpf/kfpatch_new.c: refusing a path that leaves the tree: kernel/bpf is a symlink"],
    );
    assert!(!outside.join("bpf/kfpatch_new.c").exists());

    // A symlink that stays inside the tree is followed, and stays a symlink.
    let inside = small_tree(dir.path(), "inside");
    std::fs::rename(inside.join("kernel/bpf"), inside.join("bpf-real")).unwrap();
    symlink("../bpf-real", inside.join("kernel/bpf")).unwrap();
    kfpatch(&["apply", "--tree", s(&inside)]).expect_code(0);
    let meta = std::fs::symlink_metadata(inside.join("kernel/bpf")).unwrap();
    assert!(meta.file_type().is_symlink());
    let verifier = std::fs::read_to_string(inside.join("bpf-real/verifier.c")).unwrap();
    assert!(verifier.contains("kfunc_spin_allowed"));
}

#[test]
fn crlf_files_stay_crlf() {
    let dir = scratch();
    let lf = small_tree(dir.path(), "lf");
    let crlf = small_tree(dir.path(), "crlf");
    let btf = crlf.join("include/linux/btf.h");
    let text = std::fs::read_to_string(&btf).unwrap();
    assert!(!text.contains('\r'));
    std::fs::write(&btf, text.replace('\n', "\r\n")).unwrap();
    kfpatch(&["apply", "--tree", s(&lf)]).expect_code(0);
    kfpatch(&["apply", "--tree", s(&crlf)]).expect_code(0);
    let want = std::fs::read_to_string(lf.join("include/linux/btf.h"))
        .unwrap()
        .replace('\n', "\r\n");
    let got = std::fs::read_to_string(&btf).unwrap();
    assert!(got.contains("KF_SPIN_LOCK"), "not applied");
    assert!(got == want, "btf.h lost its CRLF line endings (or more)");
    let verifier = |t: &Path| std::fs::read(t.join("kernel/bpf/verifier.c")).unwrap();
    assert!(verifier(&lf) == verifier(&crlf), "the LF file must stay LF");
}

#[test]
fn file_modes_come_back_as_they_were() {
    let dir = scratch();
    let applied = applied_reference(dir.path());
    for (i, (btf, verifier)) in [(0o600, 0o444), (0o640, 0o755)].into_iter().enumerate() {
        let t = small_tree(dir.path(), &format!("modes-{i}"));
        let set = |rel: &str, mode: u32| {
            std::fs::set_permissions(t.join(rel), std::fs::Permissions::from_mode(mode)).unwrap()
        };
        set("include/linux/btf.h", btf);
        set("kernel/bpf/verifier.c", verifier);
        kfpatch(&["apply", "--tree", s(&t)]).expect_code(0);
        let now = fingerprint(&t);
        for (rel, mode) in [("include/linux/btf.h", btf), ("kernel/bpf/verifier.c", verifier)] {
            let (id, got) = &now[Path::new(rel)];
            assert_eq!(got & 0o7777, mode, "{rel}: mode {got:o}, was {mode:o}");
            assert_eq!(id, &applied[Path::new(rel)].0, "{rel}: content");
        }
    }
}
