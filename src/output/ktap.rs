//! KTAP v1, the kernel's own test output format: one test per tree, one subtest per VM case.
//! A skipped case is `ok … # SKIP reason`; what explains a result comes as `#` diagnostic lines
//! before it. Names and diagnostics are one printable line each (no `#` in a name).

use super::escape_controls;
use super::testrun::{RunVerdict, TestRuns};
use crate::ops::vm::report::Status;
use std::fmt::Write as _;

/// A test name: printable, one line, no `#` (which starts a directive).
fn name(text: &str) -> String {
    escape_controls(text).replace('#', "_").trim().to_string()
}

/// A diagnostic line's text.
fn diag(text: &str) -> String {
    escape_controls(text).trim_end().to_string()
}

pub fn render<R: TestRuns>(outcome: &R, command: &str) -> String {
    let runs = outcome.test_runs();
    let mut out = String::new();
    let _ = writeln!(out, "KTAP version 1");
    let _ = writeln!(out, "# kfpatch {command}: series {}", diag(&outcome.series()));
    let _ = writeln!(out, "1..{}", runs.len());
    for (i, run) in runs.iter().enumerate() {
        let cases = run.vm.map(|vm| vm.cases.as_slice()).unwrap_or_default();
        if !cases.is_empty() {
            let _ = writeln!(out, "    KTAP version 1");
            let _ = writeln!(out, "    # Subtest: {}", name(&run.name));
            let _ = writeln!(out, "    1..{}", cases.len());
            for (j, case) in cases.iter().enumerate() {
                let _ = writeln!(out, "    # {}", diag(&case.description));
                for line in &case.verifier_log {
                    let _ = writeln!(out, "    # verifier: {}", diag(line));
                }
                match case.status {
                    Status::Pass => {
                        let _ = writeln!(out, "    # {}", diag(&case.why));
                        let _ = writeln!(out, "    ok {} {}", j + 1, name(&case.name));
                    }
                    Status::Fail => {
                        let _ = writeln!(out, "    # {}", diag(&case.why));
                        let _ = writeln!(out, "    not ok {} {}", j + 1, name(&case.name));
                    }
                    Status::Skip => {
                        let _ = writeln!(out, "    ok {} {} # SKIP {}", j + 1, name(&case.name), diag(&case.why));
                    }
                }
            }
        }
        if !run.version.is_empty() {
            let _ = writeln!(out, "# {}: Linux {}", name(&run.name), diag(&run.version));
        }
        if let Some(how) = &run.how {
            let _ = writeln!(out, "# {}: series {how}", name(&run.name));
        }
        if let Some(s) = run.build_s {
            let _ = writeln!(out, "# {}: build {s:.0} s", name(&run.name));
        }
        for problem in run.vm.map(|vm| vm.problems.as_slice()).unwrap_or_default() {
            let _ = writeln!(out, "# {}: {}", name(&run.name), diag(problem));
        }
        if let Some(why) = &run.why {
            let _ = writeln!(out, "# {}: {}", name(&run.name), diag(why));
        }
        let result = match run.verdict {
            RunVerdict::Pass => "ok",
            RunVerdict::Fail | RunVerdict::Unavailable => "not ok",
        };
        let _ = writeln!(out, "{result} {} {}", i + 1, name(&run.name));
    }
    out
}
