//! Healing on real kernel changes: Debian 7.2's files and 7.3's versions of them, as git diffs
//! with their real `index` lines, damaged as mail archives and HTML pages damage mails, healed
//! by `kfpatch apply` onto a small tree of 7.2's files and compared byte for byte with 7.3's.
mod common;
use common::*;
use std::path::Path;
use std::process::Command;

/// `git diff --no-index` of `file` between the two trees, with `a/`/`b/` paths: git's own diff
/// with real blob ids, as the author's `git format-patch` would have written it.
fn real_diff(old_tree: &Path, new_tree: &Path, file: &str) -> String {
    let read = |t: &Path| std::fs::read_to_string(t.join(file)).unwrap();
    let diff = diff_of(file, &read(old_tree), &read(new_tree));
    assert!(!diff.is_empty(), "{file} differs between the trees");
    diff
}

fn mail(diff: &str, signature: bool) -> String {
    let mut m = String::from(
        "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\nFrom: A U Thor <author@example.org>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nSubject: [PATCH] bpf: a real change\n\nA real change from 7.2 to 7.3.\n\nSigned-off-by: A U Thor <author@example.org>\n---\n",
    );
    m.push_str(diff);
    if signature {
        m.push_str("-- \n2.47.3\n");
    }
    m
}

/// What a web archive did to the RFC: context lines lose their marker and indentation, runs of
/// blanks become one space, trailing blanks go, blank context lines vanish.
fn archive(diff: &str) -> String {
    let collapse = |s: &str| {
        s.split([' ', '\t'])
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut out = String::new();
    let mut in_hunk = false;
    for line in diff.lines() {
        if line.starts_with("@@ ") {
            in_hunk = true;
        } else if line.starts_with("diff --git ") {
            in_hunk = false;
        }
        let damaged = if !in_hunk || line.starts_with("@@ ") {
            collapse(line)
        } else if let Some(body) = line.strip_prefix('+').or_else(|| line.strip_prefix('-')) {
            let lead = if body.starts_with([' ', '\t']) { " " } else { "" };
            format!("{}{lead}{}", &line[..1], collapse(body))
        } else {
            collapse(line)
        };
        if in_hunk && !line.starts_with("@@ ") && damaged.is_empty() {
            continue;
        }
        out.push_str(&damaged);
        out.push('\n');
    }
    out
}

struct Healed {
    run: Run,
    result: String,
    json: serde_json::Value,
}

/// Apply `mail_text` to a small tree of 7.2's `file` (written, so the result can be read).
fn heal(file: &str, mail_text: &str, extra: &[&str]) -> Healed {
    let old = tree("7.2");
    let dir = scratch();
    let work = dir.path().join("linux");
    mini_tree(&old, &work, &[file]);
    let patch = dir.path().join("change.patch");
    std::fs::write(&patch, mail_text).unwrap();
    let json = dir.path().join("report.json");
    let mut args = vec!["apply", "--tree", work.to_str().unwrap()];
    let json_arg = format!("--json={}", json.display());
    args.push(&json_arg);
    args.extend(extra);
    args.push(patch.to_str().unwrap());
    let run = kfpatch(&args);
    let result = std::fs::read_to_string(work.join(file)).unwrap();
    let json = std::fs::read_to_string(&json)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(serde_json::Value::Null);
    Healed { run, result, json }
}

fn truth(file: &str) -> String {
    std::fs::read_to_string(tree("7.3").join(file)).unwrap()
}

fn proof_of(h: &Healed) -> String {
    h.json["patches"][0]["files"][0]["proof"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

#[test]
fn archive_damage_on_real_changes_heals_byte_identical_and_proven() {
    for file in ["kernel/bpf/arraymap.c", "kernel/bpf/stackmap.c", "kernel/bpf/arena.c"] {
        let diff = real_diff(&tree("7.2"), &tree("7.3"), file);
        let h = heal(file, &mail(&archive(&diff), true), &[]);
        h.run.expect_code(0);
        assert!(
            h.result == truth(file),
            "{file}: not the author's file\n{}",
            h.run.shown
        );
        assert_eq!(proof_of(&h), "proven", "{file}\n{}", h.run.shown);
        assert!(
            h.run.stdout.contains("exact, proven by its postimage blob"),
            "{}",
            h.run.shown
        );
        assert!(h.run.stdout.contains("indentation stripped"), "{}", h.run.shown);
    }
}

#[test]
fn a_bare_diff_whose_last_hunk_lost_blank_lines_heals() {
    // No signature and no index lines: the input ends inside a hunk that lost blank lines.
    let file = "kernel/bpf/arraymap.c";
    let diff = archive(&real_diff(&tree("7.2"), &tree("7.3"), file));
    let bare: String = diff
        .lines()
        .filter(|l| !l.starts_with("index "))
        .map(|l| format!("{l}\n"))
        .collect();
    let h = heal(file, &bare, &[]);
    h.run.expect_code(0);
    assert!(h.result == truth(file), "{}", h.run.shown);
    assert_eq!(proof_of(&h), "no_proof");
}

#[test]
fn character_damage_is_recognised_named_and_undone() {
    let file = "kernel/bpf/stackmap.c";
    let diff = real_diff(&tree("7.2"), &tree("7.3"), file);
    let body_lines = |f: &dyn Fn(&str) -> String| -> String {
        diff.lines()
            .map(|l| {
                if l.starts_with("diff --git")
                    || l.starts_with("index ")
                    || l.starts_with("--- ")
                    || l.starts_with("+++ ")
                {
                    format!("{l}\n")
                } else {
                    format!("{}\n", f(l))
                }
            })
            .collect()
    };
    let entities = body_lines(&|l| l.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;"));
    let qp = body_lines(&|l| l.replace('=', "=3D"));
    let nbsp = body_lines(&|l| {
        let mut col = 0;
        let mut out = String::new();
        for c in l.chars() {
            if c == '\t' {
                let next = (col / 8 + 1) * 8;
                out.extend(std::iter::repeat_n('\u{a0}', next - col));
                col = next;
            } else {
                out.push(if c == ' ' { '\u{a0}' } else { c });
                col += 1;
            }
        }
        out
    });
    for (damaged, named) in [
        (entities, "HTML entities"),
        (qp, "quoted-printable"),
        (nbsp, "non-breaking spaces"),
    ] {
        assert!(damaged != diff);
        let h = heal(file, &mail(&damaged, true), &[]);
        h.run.expect_code(0);
        assert!(
            h.result == truth(file),
            "{named}: not the author's file\n{}",
            h.run.shown
        );
        assert!(h.run.stdout.contains(named), "{named}\n{}", h.run.shown);
        assert_eq!(proof_of(&h), "proven", "{named}\n{}", h.run.shown);
    }
}

#[test]
fn a_wrong_postimage_id_is_never_proven_and_require_proof_refuses() {
    let file = "kernel/bpf/arraymap.c";
    let diff = archive(&real_diff(&tree("7.2"), &tree("7.3"), file));
    // Keep the preimage id (the tree's blob), change the postimage id.
    let wrong: String = diff
        .lines()
        .map(|l| match l.strip_prefix("index ") {
            Some(rest) => {
                let (pre, post) = rest.split_once("..").unwrap();
                let flipped: String = post.chars().take(7).map(|c| if c == '0' { '1' } else { '0' }).collect();
                format!("index {pre}..{flipped}{}\n", &post[7..])
            }
            None => format!("{l}\n"),
        })
        .collect();
    let h = heal(file, &mail(&wrong, true), &["--check"]);
    h.run.expect_code(0);
    assert_eq!(proof_of(&h), "not_proven", "{}", h.run.shown);
    assert!(h.run.stdout.contains("healed, not proven"), "{}", h.run.shown);
    let refused = heal(file, &mail(&wrong, true), &["--require-proof"]);
    refused.run.expect_code(1);
    assert!(
        refused.run.stderr.contains("healed, not proven by its postimage blob"),
        "{}",
        refused.run.shown
    );
    assert!(refused.result == std::fs::read_to_string(tree("7.2").join(file)).unwrap());
}

#[test]
fn the_healed_mail_keeps_the_original_patch_id() {
    let file = "kernel/bpf/arraymap.c";
    let diff = real_diff(&tree("7.2"), &tree("7.3"), file);
    let dir = scratch();
    let healed = dir.path().join("healed.patch");
    let h = heal(
        file,
        &mail(&archive(&diff), true),
        &["--check", "--emit-healed", healed.to_str().unwrap()],
    );
    h.run.expect_code(0);
    let patch_id = |text: &str| {
        let mut child = Command::new("git")
            .args(["patch-id", "--stable"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_string()
    };
    let original = patch_id(&mail(&diff, true));
    assert!(!original.is_empty());
    assert_eq!(patch_id(&std::fs::read_to_string(&healed).unwrap()), original);
}

/// A git diff between two versions of one file, written to scratch: `a/FILE` and `b/FILE`.
fn diff_of(file: &str, old: &str, new: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    for (side, text) in [("a", old), ("b", new)] {
        let p = dir.path().join(side).join(file);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let out = Command::new("git")
        .current_dir(dir.path())
        .args(["diff", "--no-index", "--no-prefix"])
        .arg(format!("a/{file}"))
        .arg(format!("b/{file}"))
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_postimage_blob_finds_what_the_rules_guess_wrong() {
    // Debian 7.2's arraymap.c with a function whose condition continues two tabs in, where
    // the tree aligns continuations after the parenthesis: the rules guess the tree's style,
    // the mail's postimage id says otherwise, and the search finds the author's line.
    let file = "kernel/bpf/arraymap.c";
    let old = std::fs::read_to_string(tree("7.2").join(file)).unwrap();
    let new = format!(
        "{old}\nstatic int example_check(const union bpf_attr *attr)\n{{\n\tif (attr->max_entries == 0 || attr->key_size != 4 ||\n\t\tattr->value_size == 0)\n\t\treturn -EINVAL;\n\treturn 0;\n}}\n"
    );
    let diff = archive(&diff_of(file, &old, &new));
    let with_index = heal(file, &mail(&diff, true), &[]);
    with_index.run.expect_code(0);
    assert!(with_index.result == new, "{}", with_index.run.shown);
    assert_eq!(proof_of(&with_index), "proven", "{}", with_index.run.shown);
    let tries = with_index.json["patches"][0]["files"][0]["proof_tries"]
        .as_u64()
        .unwrap();
    assert!(
        tries > 0,
        "the first guess was the author's: no search\n{}",
        with_index.run.shown
    );
    // Without the index line the rules' guess stands, and the report says which line it doubts.
    let bare: String = diff
        .lines()
        .filter(|l| !l.starts_with("index "))
        .map(|l| format!("{l}\n"))
        .collect();
    let guessed = heal(file, &mail(&bare, true), &[]);
    guessed.run.expect_code(0);
    assert!(guessed.result != new);
    assert_eq!(proof_of(&guessed), "no_proof");
}

/// `old` with `added` appended, archive-damaged as a mail with its `index` line, healed onto
/// 7.2's `file`: the healed file, its proof and how many alternatives the search tried.
fn heal_appended(file: &str, added: &str) -> (String, Healed) {
    let old = std::fs::read_to_string(tree("7.2").join(file)).unwrap();
    let new = format!("{old}{added}");
    let diff = archive(&diff_of(file, &old, &new));
    (new, heal(file, &mail(&diff, true), &[]))
}

fn proof_tries(h: &Healed) -> u64 {
    h.json["patches"][0]["files"][0]["proof_tries"].as_u64().unwrap()
}

#[test]
fn a_statements_continuations_are_tried_in_another_style_together() {
    // Two continuation lines a tab short of the open parenthesis (tabs only, as some authors
    // write them), where arraymap.c aligns after it: only both lines moved at once hash to the
    // postimage, and the search tries each statement's lines in each style together.
    let (new, h) = heal_appended(
        "kernel/bpf/arraymap.c",
        "\nstatic long example_update(struct bpf_map *map, void *key, void *value,\n\t\t\tu64 map_flags, u64 more_flags,\n\t\t\tu64 extra);\n",
    );
    h.run.expect_code(0);
    assert!(h.result == new, "{}", h.run.shown);
    assert_eq!(proof_of(&h), "proven", "{}", h.run.shown);
    assert!(
        proof_tries(&h) > 0,
        "the first guess was the author's: no search\n{}",
        h.run.shown
    );
}

#[test]
fn a_collapsed_define_value_and_kernel_doc_gap_are_found_by_their_blob() {
    // A new #define whose value stands a tab out and a kernel-doc parameter whose description
    // does, in a file whose neighbours say nothing about either: the archive left one space,
    // the rules keep it, the postimage id says otherwise and the search finds the tabs.
    let (new, h) = heal_appended(
        "kernel/bpf/arraymap.c",
        "\n#define EXAMPLE_MAX_ENTRIES\t64\n\n/**\n * example_limit - the example's limit\n * @map:\tthe map\n */\nint example_limit(struct bpf_map *map);\n",
    );
    h.run.expect_code(0);
    assert!(h.result == new, "{}", h.run.shown);
    assert_eq!(proof_of(&h), "proven", "{}", h.run.shown);
    assert!(proof_tries(&h) > 1, "both gaps had to be searched\n{}", h.run.shown);
}
