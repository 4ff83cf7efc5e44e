//! `kfpatch man` and `kfpatch completions`, read by the programs that consume them: groff
//! renders every page without a warning (as `man` does, with preconv for UTF-8), and bash
//! loads the completion script and completes kfpatch's commands and options from it.

mod common;
use common::*;
use std::process::Command;

#[test]
fn every_man_page_renders_without_warnings_and_documents_each_option() {
    let dir = scratch();
    let run = kfpatch(&["man", "--dir", dir.path().to_str().unwrap()]);
    run.expect_code(0);
    let pages: Vec<&str> = run.stdout.lines().collect();
    for cmd in [
        "apply",
        "regen",
        "check",
        "base",
        "validate",
        "matrix",
        "vmtest",
        "doctor",
        "man",
        "completions",
    ] {
        assert!(
            pages.iter().any(|p| p.ends_with(&format!("kfpatch-{cmd}.1"))),
            "no page for {cmd}:\n{}",
            run.stdout
        );
    }
    for page in &pages {
        let out = Command::new("groff")
            .args(["-k", "-man", "-Tutf8", "-ww", "-P-cbou"])
            .arg(page)
            .output()
            .expect("groff runs (Debian groff-base)");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success() && stderr.is_empty(), "{page}: {stderr}");
        let text = String::from_utf8_lossy(&out.stdout);
        if page.ends_with("kfpatch-regen.1") {
            for option in [
                "--subject-prefix",
                "--base",
                "--stable",
                "--upstream",
                "--with-selftests",
            ] {
                assert!(text.contains(option), "kfpatch-regen(1) lacks {option}:\n{text}");
            }
        }
    }
    // Without --dir: kfpatch(1) on stdout.
    let run = kfpatch(&["man"]);
    run.expect_code(0);
    assert!(run.stdout.contains(".TH kfpatch 1"), "{}", run.shown);
}

#[test]
fn bash_completes_commands_and_options_from_the_generated_script() {
    let run = kfpatch(&["completions", "bash"]);
    run.expect_code(0);
    let dir = scratch();
    let script = dir.path().join("kfpatch.bash");
    std::fs::write(&script, &run.stdout).unwrap();
    // Call the completion function as bash's readline would, and print what it offers.
    let complete = |words: &str| {
        let probe = format!(
            "source {s}; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); \
             COMP_LINE=\"{words}\"; COMP_POINT=${{#COMP_LINE}}; _kfpatch kfpatch \"${{COMP_WORDS[-1]}}\" \"${{COMP_WORDS[-2]}}\"; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            s = script.display()
        );
        let out = Command::new("bash").args(["-c", &probe]).output().expect("bash runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let commands = complete("kfpatch ''");
    for cmd in ["apply", "regen", "check", "matrix", "man", "completions"] {
        assert!(commands.lines().any(|l| l == cmd), "{cmd} not offered:\n{commands}");
    }
    let options = complete("kfpatch regen --st");
    assert!(options.lines().any(|l| l == "--stable"), "{options}");
}
