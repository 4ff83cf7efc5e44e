//! A KCIDB v5 document (KernelCI's common database format): per tree a checkout (the tree with
//! the series as its patchset), its build (compiler, config, duration, status) and one test per
//! VM case, at path `kfpatch.<case>`.

use super::testrun::{RunVerdict, TestRuns};
use crate::ops::vm::report::Status;
use serde_json::{json, Value};

const ORIGIN: &str = "kfpatch";

/// A KCIDB path component: `[a-zA-Z0-9_-]+`.
fn path_part(text: &str) -> String {
    let part: String = text
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
        .collect();
    if part.is_empty() {
        "_".into()
    } else {
        part
    }
}

/// KCIDB keeps excerpts short; the head is what explains a refusal.
fn excerpt(lines: &[String]) -> Option<String> {
    let text = lines.join("\n");
    (!text.is_empty()).then(|| text.chars().take(16 * 1024).collect())
}

pub fn render<R: TestRuns>(outcome: &R, command: &str) -> String {
    let stamp = chrono::Utc::now();
    // Ids unique to this document: kfpatch:<time>-<row>.
    let run_id = stamp.format("%Y%m%dT%H%M%S%.9fZ").to_string();
    let (mut checkouts, mut builds, mut tests) = (Vec::new(), Vec::new(), Vec::new());
    for (i, run) in outcome.test_runs().iter().enumerate() {
        let checkout_id = format!("{ORIGIN}:{run_id}-{i}");
        let series_on = run.how.is_some() || run.vm.is_some();
        let mut checkout = json!({
            "id": checkout_id,
            "origin": ORIGIN,
            "tree_name": run.name,
            "valid": series_on,
            "comment": format!("{} with series {} ({})", run.name, outcome.series(),
                run.how.as_deref().unwrap_or("not put on")),
            "misc": {"tree": run.tree, "version": run.version, "command": format!("kfpatch {command}")},
        });
        if let Some(p) = outcome.patchset() {
            checkout["patchset_hash"] = json!(p.sha256);
            let files: Vec<Value> = p
                .files
                .iter()
                .map(|f| {
                    let abs = std::fs::canonicalize(f).unwrap_or_else(|_| f.clone());
                    json!({
                        "name": f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                        "url": format!("file://{}", abs.display()),
                    })
                })
                .collect();
            if !files.is_empty() {
                checkout["patchset_files"] = json!(files);
            }
        }
        checkouts.push(checkout);
        if !series_on {
            continue;
        }
        let build_id = format!("{checkout_id}-build");
        let vm = run.vm;
        let mut build = json!({
            "id": build_id,
            "checkout_id": checkout_id,
            "origin": ORIGIN,
            "architecture": "x86_64",
            "config_name": vm.map(|v| format!("kfpatch-{}", crate::output::render::word(&v.suite))).unwrap_or_else(|| "kfpatch".into()),
            "status": match (run.build_s, run.verdict) {
                (Some(_), _) => "PASS",
                (None, RunVerdict::Unavailable) => "MISS",
                (None, _) => "FAIL",
            },
        });
        if let Some(s) = run.build_s {
            build["duration"] = json!(s);
        }
        if let Some(cc) = vm.and_then(|v| v.toolchain.cc.clone()) {
            build["compiler"] = json!(cc);
        }
        if let Some(v) = vm {
            build["misc"] =
                json!({"build_dir": v.build_dir, "config": v.build_dir.join(".config"), "toolchain": v.toolchain});
        }
        if run.build_s.is_none() {
            if let Some(why) = &run.why {
                build["comment"] = json!(why);
            }
        }
        builds.push(build);
        let Some(vm) = vm else { continue };
        let environment =
            json!({"comment": format!("QEMU {} x86_64", crate::output::render::word(&vm.accel).to_uppercase())});
        for case in &vm.cases {
            let mut test = json!({
                "id": format!("{build_id}-{}", path_part(&case.name)),
                "build_id": build_id,
                "origin": ORIGIN,
                "path": format!("kfpatch.{}", path_part(&case.name)),
                "status": match case.status {
                    Status::Pass => "PASS",
                    Status::Fail => "FAIL",
                    Status::Skip => "SKIP",
                },
                "comment": format!("{}: {}", case.description, case.why),
                "environment": environment,
            });
            if let Some(log) = excerpt(&case.verifier_log) {
                test["log_excerpt"] = json!(log);
            }
            tests.push(test);
        }
        if !vm.problems.is_empty() {
            tests.push(json!({
                "id": format!("{build_id}-vm"),
                "build_id": build_id,
                "origin": ORIGIN,
                "path": "kfpatch",
                "status": "ERROR",
                "comment": vm.problems.join("; "),
                "environment": environment,
                "log_excerpt": excerpt(&vm.console_tail).unwrap_or_default(),
            }));
        }
    }
    let doc: Value = json!({
        "version": {"major": 5, "minor": 3},
        "checkouts": checkouts,
        "builds": builds,
        "tests": tests,
    });
    serde_json::to_string_pretty(&doc).expect("plain JSON") + "\n"
}
