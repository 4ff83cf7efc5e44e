//! The VM test's verdict: one result per case with the reason, crash and timeout findings, and
//! times. Serialized as the `--json` schema `kfpatch-vmtest/1` (README, "vmtest JSON").

use super::guest::{self, Console, Expect, Observed};
use super::qemu::{Accel, BootResult};
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    Pass,
    Fail,
    Skip,
}

#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    pub name: String,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expect: Option<Expect>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed: Option<Observed>,
    pub status: Status,
    pub why: String,
    /// The verifier's last lines when a program was refused.
    pub verifier_log: Vec<String>,
}

/// How the kernel was compiled: the compiler the build directory keeps, the compile gate, and
/// ccache's hits over the gate and the build.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BuildFacts {
    pub compiler: Option<super::cache::Compiler>,
    pub gate: Option<super::gate::GateOutcome>,
    pub cache: Option<super::cache::CacheStats>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Timings {
    pub configure_s: f64,
    pub build_s: f64,
    pub boot_to_verdict_s: f64,
    pub total_s: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct VmReport {
    pub suite: super::Suite,
    pub tree: PathBuf,
    pub build_dir: PathBuf,
    pub accel: Accel,
    pub accel_notice: Option<String>,
    /// The flag the test module puts on its "safe" kfunc, and whether the tree defines it.
    pub flag: String,
    pub flag_defined: bool,
    /// The sentences this tree's verifier refuses a call under the lock with.
    pub lock_refusals: Vec<String>,
    /// The clang that compiled the BPF programs.
    pub clang: PathBuf,
    /// Versions of gcc, clang, pahole and QEMU.
    pub toolchain: crate::kernel::host_tools::Toolchain,
    pub cases: Vec<CaseResult>,
    /// Failures that are not a single case: panic, oops, timeout, missing results.
    pub problems: Vec<String>,
    pub timed_out: bool,
    pub guest_finished: bool,
    pub console_log: PathBuf,
    pub console_tail: Vec<String>,
    pub timings: Timings,
    /// test_progs: the toolchain, the fixups and the lists the run used.
    pub selftests: Option<super::selftests::Setup>,
    pub build: BuildFacts,
    /// `--gate-only`: the run stopped after the compile gate (no build, no boot, no cases).
    pub stopped_after_gate: bool,
    /// Every expected outcome held and nothing went wrong.
    pub ok: bool,
    /// `reproduce.sh` beside the report, when it failed.
    pub reproducer: Option<PathBuf>,
}

pub struct Inputs<'a> {
    pub suite: super::Suite,
    pub tree: &'a Path,
    pub build_dir: &'a Path,
    pub accel: Accel,
    pub accel_notice: Option<String>,
    pub flag: String,
    pub flag_defined: bool,
    pub lock_refusals: Vec<String>,
    pub clang: PathBuf,
    pub toolchain: crate::kernel::host_tools::Toolchain,
    pub console: Console,
    pub boot: &'a BootResult,
    pub console_log: PathBuf,
    pub selftests: Option<super::selftests::Setup>,
    pub build: BuildFacts,
    pub configure_s: f64,
    pub build_s: f64,
    pub total_s: f64,
}

fn judge_case(spec: &guest::CaseSpec, observed: Observed, i: &Inputs) -> CaseResult {
    let (flag, flag_defined) = (&i.flag, i.flag_defined);
    let refusal = |log: &[String]| -> Option<String> {
        i.lock_refusals
            .iter()
            .find(|sentence| log.iter().any(|l| l.contains(sentence.as_str())))
            .cloned()
    };
    let mut verifier_log = Vec::new();
    let (status, why) = match (&spec.expect, &observed) {
        (Expect::Loads { retval }, Observed::Loaded { retval: Some(r) }) if r == retval => {
            (Status::Pass, format!("loaded; BPF_PROG_TEST_RUN returned {r}"))
        }
        (Expect::Loads { retval }, Observed::Loaded { retval: got }) => (
            Status::Fail,
            format!("loaded, but test run returned {got:?} instead of {retval}"),
        ),
        (Expect::Loads { .. }, Observed::Refused { log }) => {
            verifier_log = guest::verifier_excerpt(log);
            let under_lock = refusal(log).is_some();
            let why = if under_lock && !flag_defined {
                format!("refused under bpf_spin_lock: this tree does not define {flag}, so the KF_SPIN_LOCK patch is missing")
            } else if under_lock {
                format!(
                    "refused under bpf_spin_lock although the kfunc has {flag}: the verifier does not honour the flag"
                )
            } else {
                "refused by the verifier (see log)".to_string()
            };
            (Status::Fail, why)
        }
        (Expect::RefusedUnderLock, Observed::Refused { log }) => {
            verifier_log = guest::verifier_excerpt(log);
            match refusal(log) {
                Some(sentence) => (Status::Pass, format!("refused: \"{sentence}\"")),
                None => (
                    Status::Fail,
                    format!("refused, but not with \"{}\"", i.lock_refusals.join("\" or \"")),
                ),
            }
        }
        (Expect::RefusedUnderLock, Observed::Loaded { .. }) => (
            Status::Fail,
            format!(
                "loaded, but must be refused with \"{}\"",
                i.lock_refusals.join("\" or \"")
            ),
        ),
        (_, Observed::Missing) => (
            Status::Fail,
            "no result: the guest never reported this case".to_string(),
        ),
    };
    CaseResult {
        name: spec.name.to_string(),
        description: spec.description.to_string(),
        expect: Some(spec.expect),
        observed: Some(observed),
        status,
        why,
        verifier_log,
    }
}

/// Cases from test_progs' result lines: the required subtests, then every other result.
fn test_progs_cases(console: &str, problems: &mut Vec<String>) -> Vec<CaseResult> {
    use super::selftests;
    let run = selftests::parse(console);
    let case = |name: &str, status: Status, why: String| CaseResult {
        name: name.to_string(),
        description: "test_progs".into(),
        expect: None,
        observed: None,
        status,
        why,
        verifier_log: if status == Status::Fail {
            run.log.clone()
        } else {
            vec![]
        },
    };
    let mut cases = Vec::new();
    // The JSON summary, where there is one, must agree: a subtest it says failed fails even
    // if its result line was lost on the console. It lists failed tests only (unless run
    // verbose), so that a test is absent from it says nothing of whether it ran.
    let json_failed = |name: &str| run.json.as_ref().and_then(|j| j.failed(name));
    for required in selftests::REQUIRED_SUBTESTS {
        match run.results.iter().find(|r| r.name == *required) {
            Some(_) if json_failed(required) == Some(true) => {
                cases.push(case(required, Status::Fail, "the JSON summary says it failed".into()))
            }
            Some(r) if r.result == "OK" => cases.push(case(required, Status::Pass, "OK".into())),
            Some(r) => cases.push(case(required, Status::Fail, format!("test_progs says {}", r.result))),
            None => cases.push(case(
                required,
                Status::Fail,
                "not run: this tree's selftests lack it".into(),
            )),
        }
    }
    for r in run
        .results
        .iter()
        .filter(|r| !selftests::REQUIRED_SUBTESTS.contains(&r.name.as_str()))
    {
        let status = match r.result.as_str() {
            "OK" => Status::Pass,
            "SKIP" => Status::Skip,
            _ => Status::Fail,
        };
        let status = if json_failed(&r.name) == Some(true) {
            Status::Fail
        } else {
            status
        };
        cases.push(case(&r.name, status, r.result.clone()));
    }
    if let Some(j) = &run.json {
        if j.failed > 0 || j.failed_subtest > 0 {
            problems.push(format!(
                "test_progs' JSON summary: {} tests and {} subtests failed ({} passed, {} skipped)",
                j.failed, j.failed_subtest, j.success, j.skipped
            ));
        }
    }
    match (run.exit, &run.summary) {
        (Some(0), _) => {}
        (Some(code), summary) => problems.push(format!(
            "test_progs exited {code} ({})",
            summary.clone().unwrap_or_default()
        )),
        (None, _) => {}
    }
    cases
}

pub fn judge(i: Inputs) -> VmReport {
    let mut problems = Vec::new();
    let cases: Vec<CaseResult> = match i.suite {
        super::Suite::Kfunc => guest::KFUNC_CASES
            .iter()
            .map(|spec| judge_case(spec, i.console.case(spec.name), &i))
            .collect(),
        super::Suite::TestProgs => test_progs_cases(&i.boot.console, &mut problems),
    };
    if i.boot.timed_out {
        problems.push(format!("timeout: the guest was killed after {:.0} s", i.boot.seconds));
    }
    for crash in &i.console.crashes {
        problems.push(format!("kernel: {crash}"));
    }
    if !i.console.booted {
        problems.push("the guest never reached its init".into());
    } else if i.console.btf_present == Some(false) {
        problems.push("/sys/kernel/btf/vmlinux is missing in the guest".into());
    }
    if i.console.module_loaded == Some(false) {
        problems.push(format!(
            "test module did not load: {}",
            i.console.module_error.clone().unwrap_or_default()
        ));
    }
    if i.console.booted && !i.console.done && !i.boot.timed_out {
        problems.push("the guest stopped before reporting all results".into());
    }
    let ok = problems.is_empty() && cases.iter().all(|c| c.status != Status::Fail);
    let lines: Vec<&str> = i.boot.console.lines().collect();
    let console_tail = lines[lines.len().saturating_sub(25)..]
        .iter()
        .map(|l| l.to_string())
        .collect();
    VmReport {
        suite: i.suite,
        tree: i.tree.to_path_buf(),
        build_dir: i.build_dir.to_path_buf(),
        accel: i.accel,
        accel_notice: i.accel_notice,
        flag: i.flag,
        flag_defined: i.flag_defined,
        lock_refusals: i.lock_refusals.clone(),
        clang: i.clang,
        toolchain: i.toolchain,
        cases,
        problems,
        timed_out: i.boot.timed_out,
        guest_finished: i.console.done,
        console_log: i.console_log,
        console_tail,
        timings: Timings {
            configure_s: i.configure_s,
            build_s: i.build_s,
            boot_to_verdict_s: i.boot.seconds,
            total_s: i.total_s,
        },
        selftests: i.selftests,
        build: i.build,
        stopped_after_gate: false,
        ok,
        reproducer: None,
    }
}

/// The report of a `--gate-only` run: the series compiles; nothing was booted.
pub fn gate_only(
    suite: super::Suite,
    tree: &Path,
    build_dir: &Path,
    build: BuildFacts,
    configure_s: f64,
    total_s: f64,
) -> VmReport {
    VmReport {
        suite,
        tree: tree.to_path_buf(),
        build_dir: build_dir.to_path_buf(),
        accel: Accel::Tcg,
        accel_notice: None,
        flag: String::new(),
        flag_defined: false,
        lock_refusals: vec![],
        clang: PathBuf::new(),
        toolchain: Default::default(),
        cases: vec![],
        problems: vec![],
        timed_out: false,
        guest_finished: false,
        console_log: PathBuf::new(),
        console_tail: vec![],
        timings: Timings {
            configure_s,
            build_s: build.gate.as_ref().map_or(0.0, |g| g.seconds),
            boot_to_verdict_s: 0.0,
            total_s,
        },
        selftests: None,
        build,
        stopped_after_gate: true,
        ok: true,
        reproducer: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs<'a>(console_text: &str, boot: &'a BootResult, flag_defined: bool) -> Inputs<'a> {
        Inputs {
            suite: crate::ops::vm::Suite::Kfunc,
            tree: Path::new("/t"),
            build_dir: Path::new("/b"),
            accel: Accel::Tcg,
            accel_notice: None,
            flag: "KF_SPIN_LOCK".into(),
            flag_defined,
            lock_refusals: vec![crate::kernel::verifier::LOCK_SENTENCE.into()],
            clang: "/usr/bin/clang-19".into(),
            toolchain: Default::default(),
            console: guest::parse_console(console_text),
            boot,
            console_log: "/b/console.log".into(),
            selftests: None,
            build: Default::default(),
            configure_s: 0.0,
            build_s: 0.0,
            total_s: 0.0,
        }
    }

    fn boot(console: &str, timed_out: bool) -> BootResult {
        BootResult {
            console: console.into(),
            timed_out,
            exit_status: Some(0),
            seconds: 7.0,
        }
    }

    #[test]
    fn unpatched_tree_fails_with_the_reason() {
        let text = include_str!("../../../tests/fixtures/console/7.2-unpatched.log");
        let b = boot(text, false);
        let r = judge(inputs(text, &b, false));
        assert!(!r.ok);
        assert_eq!(r.cases[0].status, Status::Fail);
        assert!(r.cases[0].why.contains("patch is missing"), "{}", r.cases[0].why);
        assert!(r.cases[0]
            .verifier_log
            .iter()
            .any(|l| l.contains(crate::kernel::verifier::LOCK_SENTENCE)));
        assert_eq!(r.cases[1].status, Status::Pass);
        assert_eq!(r.cases[2].status, Status::Pass);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
    }

    #[test]
    fn patched_tree_passes() {
        let text = include_str!("../../../tests/fixtures/console/7.2-patched.log");
        let b = boot(text, false);
        let r = judge(inputs(text, &b, true));
        assert!(r.ok, "{:?} {:?}", r.problems, r.cases);
    }

    #[test]
    fn merged_7_3_is_judged_by_its_own_refusal_sentence() {
        // Debian 7.3 as shipped, flag KF_SPINLOCK_SAFE: its verifier refuses with the
        // diagnostics' composed sentence, which the tree's sources name.
        let text = include_str!("../../../tests/fixtures/console/7.3-merged-kfunc.log");
        let b = boot(text, false);
        let with_7_3_sentences = Inputs {
            flag: "KF_SPINLOCK_SAFE".into(),
            lock_refusals: vec![
                crate::kernel::verifier::LOCK_SENTENCE.into(),
                "function call is not allowed before leaving lock region".into(),
            ],
            ..inputs(text, &b, true)
        };
        let r = judge(with_7_3_sentences);
        assert!(r.ok, "{:?} {:?}", r.problems, r.cases);
        assert_eq!(
            r.cases[1].why,
            "refused: \"function call is not allowed before leaving lock region\""
        );
        // Judged by 7.2's sentence alone, the same console fails: the expectation matters.
        let r = judge(inputs(text, &b, true));
        assert!(!r.ok);
        assert_eq!(r.cases[1].status, Status::Fail);
        assert_eq!(
            r.cases[1].why,
            "refused, but not with \"function calls are not allowed while holding a lock\""
        );
    }

    #[test]
    fn panic_and_timeout_are_failures() {
        let text = include_str!("../../../tests/fixtures/console/panic.log");
        let b = boot(text, false);
        let r = judge(inputs(text, &b, true));
        assert!(!r.ok);
        assert!(
            r.problems.iter().any(|p| p.contains("Kernel panic")),
            "{:?}",
            r.problems
        );
        let text = include_str!("../../../tests/fixtures/console/hang.log");
        let b = boot(text, true);
        let r = judge(inputs(text, &b, true));
        assert!(!r.ok && r.timed_out);
        assert!(r.problems[0].starts_with("timeout"));
        assert!(r.cases.iter().all(|c| c.status == Status::Fail));
    }

    fn test_progs_inputs<'a>(boot: &'a BootResult) -> Inputs<'a> {
        Inputs {
            suite: crate::ops::vm::Suite::TestProgs,
            ..inputs(&boot.console, boot, true)
        }
    }

    /// The verdict on a test_progs console from a guest that finished.
    fn judge_test_progs(console: &str) -> VmReport {
        judge(test_progs_inputs(&boot(console, false)))
    }

    const TP_OK: &str = "KFPATCH-BOOTED uptime=3.1\nKFPATCH-BTF present\n\
        KFPATCH-TP-RESULT #160/12   kfunc_call/kfunc_call_test_spin_lock_unsafe:OK\n\
        KFPATCH-TP-RESULT #160/14   kfunc_call/kfunc_call_test_spin_lock_safe:OK\n\
        KFPATCH-TP-RESULT #160/15   kfunc_call/kfunc_call_test1:OK\n\
        KFPATCH-TP-RESULT #160      kfunc_call:OK\n\
        KFPATCH-TP-RESULT #390/1    spin_lock/spin_lock_success:SKIP\n\
        KFPATCH-TP-RESULT Summary: 2/30 PASSED, 1 SKIPPED, 0 FAILED\n\
        KFPATCH-TP-EXIT 0\nKFPATCH-DONE\n";

    #[test]
    fn test_progs_required_subtests_pass() {
        let r = judge_test_progs(TP_OK);
        assert!(r.ok, "{:?} {:?}", r.problems, r.cases);
        assert_eq!(r.cases[0].name, "kfunc_call/kfunc_call_test_spin_lock_safe");
        assert_eq!(r.cases[0].status, Status::Pass);
        assert!(r.cases.iter().any(|c| c.status == Status::Skip));
    }

    #[test]
    fn test_progs_missing_or_failed_subtests_fail() {
        // A tree without the new tests: the required subtests never ran.
        let text = TP_OK.replace("kfunc_call_test_spin_lock_safe:OK", "kfunc_call_test2:OK");
        let r = judge_test_progs(&text);
        assert!(!r.ok);
        assert_eq!(r.cases[0].status, Status::Fail);
        assert!(r.cases[0].why.contains("not run"), "{}", r.cases[0].why);
        // A failing subtest and a non-zero exit.
        let text = TP_OK
            .replace("kfunc_call_test1:OK", "kfunc_call_test1:FAIL")
            .replace("TP-EXIT 0", "TP-EXIT 1");
        let r = judge_test_progs(&text);
        assert!(!r.ok);
        assert!(r
            .cases
            .iter()
            .any(|c| c.name == "kfunc_call/kfunc_call_test1" && c.status == Status::Fail));
        assert!(
            r.problems.iter().any(|p| p.starts_with("test_progs exited 1")),
            "{:?}",
            r.problems
        );
    }

    const REQUIRED: &[&str] = crate::ops::vm::selftests::REQUIRED_SUBTESTS;

    /// Debian 7.2 with the regenerated three-patch series (bpf_testmod's kfunc flagged by 2/3,
    /// the tests of 3/3): the tree's own test_progs, recorded.
    #[test]
    fn recorded_7_2_series_test_progs_console() {
        let text = include_str!("../../../tests/fixtures/console/7.2-series-test-progs.log");
        let r = judge_test_progs(text);
        assert!(r.ok, "{:?}", r.problems);
        let status = |name: &str| r.cases.iter().find(|c| c.name == name).map(|c| c.status);
        for name in REQUIRED {
            assert_eq!(status(name), Some(Status::Pass), "{name}");
        }
        assert_eq!(status("kfunc_call"), Some(Status::Pass));
        assert_eq!(status("res_spin_lock_stress"), Some(Status::Skip));
        assert!(r.cases.iter().all(|c| c.status != Status::Fail));
        assert_eq!(r.cases.len(), 101);
        // Without 2/3's flag the "safe" subtest would fail to load: make it so and see it fail.
        let broken = text.replace(
            "kfunc_call_test_spin_lock_safe:OK",
            "kfunc_call_test_spin_lock_safe:FAIL",
        );
        assert!(!judge_test_progs(&broken).ok);
    }

    /// Debian 6.12 with the regenerated backport series (bit 12), test_progs built by clang-19.
    #[test]
    fn recorded_6_12_series_test_progs_console() {
        let text = include_str!("../../../tests/fixtures/console/6.12-series-test-progs.log");
        let r = judge_test_progs(text);
        assert!(r.ok, "{:?}", r.problems);
        assert_eq!(r.cases[0].name, REQUIRED[0]);
        assert_eq!(r.cases[1].name, REQUIRED[1]);
        assert!(r.cases.iter().all(|c| c.status == Status::Pass));
        assert_eq!(r.cases.len(), 73);
        let broken = text.replace(
            "kfunc_call_test_spin_lock_unsafe:OK",
            "kfunc_call_test_spin_lock_unsafe:FAIL",
        );
        assert!(!judge_test_progs(&broken).ok);
    }

    #[test]
    fn recorded_7_3_test_progs_console() {
        let text = include_str!("../../../tests/fixtures/console/7.3-test-progs.log");
        let r = judge_test_progs(text);
        assert!(r.ok, "{:?}", r.problems);
        // Run as BPF CI runs it: the JSON summary is there, and it rules.
        let json = super::super::selftests::parse(text)
            .json
            .expect("7.3's test_progs has -J");
        assert_eq!((json.failed, json.failed_subtest), (0, 0));
        let failing = text.replace(
            "\"results\":[]",
            "\"results\":[{\"name\":\"kfunc_call\",\"failed\":true,\"subtests\":[{\"name\":\"kfunc_call_test_spin_lock_safe\",\"failed\":true}]}]",
        );
        assert_ne!(failing, text);
        let failed = judge_test_progs(&failing);
        assert!(!failed.ok);
        assert_eq!(failed.cases[0].status, Status::Fail);
        assert_eq!(failed.cases[0].why, "the JSON summary says it failed");
        assert_eq!(r.cases[0].name, "kfunc_call/kfunc_call_test_spin_lock_safe");
        assert_eq!(r.cases[1].name, "kfunc_call/kfunc_call_test_spin_lock_unsafe");
        assert!(r.cases[..2].iter().all(|c| c.status == Status::Pass));
        assert!(r.cases.iter().all(|c| c.status != Status::Fail));
        assert!(r.cases.len() > 50);
    }
}
