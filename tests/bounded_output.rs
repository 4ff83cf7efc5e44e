//! Output and memory that cannot take the tree down with them: a reader that closes the pipe
//! (`| head -1`) or a full stdout (`> /dev/full`) is an ordinary exit, never a panic; and a
//! long series is applied against one in-memory copy per file, not one per patch.
mod common;
use common::*;
use std::path::Path;
use std::process::{Command, Stdio};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_kfpatch")
}

#[test]
fn a_closed_pipe_is_a_quiet_exit_and_a_full_stdout_one_error_line() {
    let t = tree("7.2");
    // `| head -1`: kfpatch's stdout is closed after one line.
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "'{}' check --tree '{}' | head -1; echo \"status ${{PIPESTATUS[0]}}\"",
            bin(),
            t.display()
        ))
        .env("KFPATCH_NO_PROGRESS", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.starts_with("KF_* kfunc flags in "), "{stdout}{stderr}");
    assert!(stdout.trim_end().ends_with("status 0"), "{stdout}{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    // `> /dev/full`: one error line naming the write, exit 2, no panic.
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let out = Command::new(bin())
        .args(["check", "--tree", t.to_str().unwrap()])
        .env("KFPATCH_NO_PROGRESS", "1")
        .stdout(Stdio::from(full))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("kfpatch: error: writing the report to stdout: No space left on device"),
        "{stderr}"
    );
}

/// `n` one-line patches to verifier.c as one mbox, each adding a comment every `step` lines.
fn many_patches(verifier: &str, n: usize, step: usize) -> String {
    let lines: Vec<&str> = verifier.lines().collect();
    let mut mbox = String::new();
    for i in 0..n {
        // Insert after original line `at` (1-based); i lines were added above it already.
        let at = 10 + i * step;
        let start = at - 3 + 1 + i;
        let before = &lines[at - 3..at];
        let after = &lines[at..at + 3];
        mbox.push_str(&format!(
            "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n\
             From: Test <test@example.org>\n\
             Date: Tue, 24 Nov 2026 12:00:00 +0000\n\
             Subject: [PATCH {}/{n}] bpf: comment {i}\n\n\
             One line.\n\n\
             Signed-off-by: Test <test@example.org>\n\
             ---\n\
             diff --git a/kernel/bpf/verifier.c b/kernel/bpf/verifier.c\n\
             --- a/kernel/bpf/verifier.c\n\
             +++ b/kernel/bpf/verifier.c\n\
             @@ -{start},6 +{start},7 @@\n",
            i + 1
        ));
        for l in before {
            mbox.push_str(&format!(" {l}\n"));
        }
        mbox.push_str(&format!("+/* kfpatch comment {i} */\n"));
        for l in after {
            mbox.push_str(&format!(" {l}\n"));
        }
        mbox.push_str("-- \n2.39.5\n\n");
    }
    mbox
}

#[test]
fn two_thousand_one_line_patches_apply_in_under_300_mb() {
    let dir = scratch();
    let t = dir.path().join("linux");
    mini_tree(&tree("7.2"), &t, &["include/linux/btf.h", "kernel/bpf/verifier.c"]);
    let verifier = std::fs::read_to_string(t.join("kernel/bpf/verifier.c")).unwrap();
    let series = dir.path().join("many.mbox");
    std::fs::write(&series, many_patches(&verifier, 2000, 10)).unwrap();
    // An address-space limit of 300 MB: one copy of verifier.c per patch (2,000 of them)
    // would need gigabytes and abort.
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "ulimit -v 307200; exec '{}' apply --tree '{}' '{}'",
            bin(),
            t.display(),
            series.display()
        ))
        .env("KFPATCH_NO_PROGRESS", "1")
        .env("KFPATCH_CACHE", dir.path().join("cache"))
        .output()
        .unwrap();
    let shown = format!(
        "exit {:?}\n{}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).lines().last().unwrap_or(""),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(
        shown.contains("applied: 2000 patch(es), 1 file(s), +2000 -0 lines"),
        "{shown}"
    );
    let after = std::fs::read_to_string(t.join("kernel/bpf/verifier.c")).unwrap();
    assert_eq!(after.lines().count(), verifier.lines().count() + 2000);
    assert_eq!(after.matches("/* kfpatch comment ").count(), 2000);
    assert!(Path::new(&t).join("include/linux/btf.h").is_file());
}
