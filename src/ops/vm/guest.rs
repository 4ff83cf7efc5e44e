//! What runs inside the guest and what it said: the init script, test module and BPF programs
//! rendered from `templates/vm/`, and the parser that turns a serial console log into case
//! results and crash findings.

use std::borrow::Cow;

use serde::Serialize;

/// Where the guest init mounts its own tmpfs over a host directory.
const GUEST_TMP: &str = "/tmp";

/// Host directories the guest needs (the build directory) that its tmpfs on /tmp would hide,
/// as `{path, inside}` pairs for the init templates: the init binds the host's /tmp aside
/// first and binds each of them back at its own path (`KFPATCH_CACHE=/tmp/…` works).
pub fn shadowed_by_guest_tmp(dirs: &[&std::path::Path]) -> Vec<minijinja::Value> {
    dirs.iter()
        .filter_map(|d| {
            let inside = d.strip_prefix(GUEST_TMP).ok()?;
            (!inside.as_os_str().is_empty()).then(|| {
                minijinja::context! {
                    path => d.display().to_string(),
                    inside => inside.display().to_string(),
                }
            })
        })
        .collect()
}

/// One BPF program the suite loads, and what must happen to it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct CaseSpec {
    pub name: &'static str,
    /// `KFPATCH_CASE` value the object is compiled with.
    pub number: u32,
    pub description: &'static str,
    pub expect: Expect,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum Expect {
    Loads {
        retval: i64,
    },
    /// Refused with one of the sentences the tree's verifier uses for a call under the lock
    /// (`kernel::verifier::lock_refusals`).
    RefusedUnderLock,
}

pub const KFUNC_CASES: &[CaseSpec] = &[
    CaseSpec {
        name: "safe_under_lock",
        number: 1,
        description: "kfunc flagged for bpf_spin_lock, called under the lock",
        expect: Expect::Loads { retval: 42 },
    },
    CaseSpec {
        name: "unsafe_under_lock",
        number: 2,
        description: "unflagged kfunc called under the lock",
        expect: Expect::RefusedUnderLock,
    },
    CaseSpec {
        name: "safe_no_lock",
        number: 3,
        description: "flagged kfunc without the lock (control)",
        expect: Expect::Loads { retval: 42 },
    },
];

/// What the console says happened to one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "observed")]
pub enum Observed {
    Loaded { retval: Option<i64> },
    Refused { log: Vec<String> },
    Missing,
}

/// Everything parsed from one console log.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Console {
    pub booted: bool,
    /// `Some(false)` only when the guest looked and found no /sys/kernel/btf/vmlinux.
    pub btf_present: Option<bool>,
    pub module_loaded: Option<bool>,
    pub module_error: Option<String>,
    pub done: bool,
    /// Seconds from kernel start to init, as the guest measured it.
    pub boot_seconds: Option<f64>,
    pub cases: Vec<(String, Observed)>,
    /// Panic, oops, BUG/WARNING splats: the first line of each.
    pub crashes: Vec<String>,
}

impl Console {
    pub fn case(&self, name: &str) -> Observed {
        self.cases
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, o)| o.clone())
            .unwrap_or(Observed::Missing)
    }
}

const CRASH_MARKERS: &[&str] = &[
    "Kernel panic",
    "BUG:",
    "WARNING:",
    "Oops:",
    "general protection fault",
    "Unable to handle kernel",
    "kernel BUG at",
    "RIP: 0010:",
];

/// The markers whose words [`well_formed_marker`] checks.
const GRAMMAR_TAGS: &[&str] = &[
    "KFPATCH-MODULE",
    "KFPATCH-BTF",
    "KFPATCH-CASE",
    "KFPATCH-BOOTED",
    "KFPATCH-DONE",
];

/// Whether `line` is one of our marker lines exactly as the init script writes it; a kernel
/// message printed into it (see [`repair_marker`]) makes it ill-formed.
fn well_formed_marker(line: &str) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    let number = |w: &str, key: &str| {
        w.strip_prefix(key).is_some_and(|n| {
            n == "none" || (n.parse::<f64>().is_ok() && n.chars().all(|c| c.is_ascii_digit() || c == '-' || c == '.'))
        })
    };
    match words.as_slice() {
        ["KFPATCH-MODULE", "loaded"] | ["KFPATCH-MODULE", "failed", ..] => true,
        ["KFPATCH-BTF", "present" | "missing"] => true,
        ["KFPATCH-CASE", _, "refused"] => true,
        ["KFPATCH-CASE", _, "loaded", retval] => number(retval, "retval="),
        ["KFPATCH-BOOTED", uptime] => number(uptime, "uptime="),
        ["KFPATCH-DONE"] => true,
        // The others carry free text (verifier log lines, test_progs lines): nothing to check,
        // unless the tag is one of the above cut short or with a kernel message glued to it.
        [tag, ..] => !GRAMMAR_TAGS
            .iter()
            .any(|known| tag.starts_with(known) || known.starts_with(tag)),
        [] => false,
    }
}

/// A serial console fed by a printer thread (7.3's, say) puts a deferred kernel message, with
/// its own newline, anywhere inside one of our lines: before the status
/// (`KFPATCH-MODULE kfpatch_test_kmod: registered, …` then `loaded` on the next line), glued
/// to it (`KFPATCH-MODULE loadedkfpatch_test_kmod: registered, …` then an empty line, a 7.3
/// CI run), or after a value (`retval=42clocksource: …`, 7.2). Our line is then a prefix of
/// this console line followed by the next console line. An ill-formed marker is mended as the
/// longest prefix that, with the next line (unless that is a marker of its own), or alone,
/// makes a well-formed one; if none does, the line is read as it is.
fn repair_marker<'a>(ours: &'a str, next: Option<&str>) -> Cow<'a, str> {
    if well_formed_marker(ours) {
        return Cow::Borrowed(ours);
    }
    let cuts = || (1..ours.len()).rev().filter(|&at| ours.is_char_boundary(at));
    if let Some(next) = next.map(str::trim_end).filter(|n| !n.contains("KFPATCH-")) {
        if let Some(mended) = cuts()
            .map(|at| format!("{}{next}", &ours[..at]))
            .find(|joined| well_formed_marker(joined))
        {
            return Cow::Owned(mended);
        }
    }
    match cuts().find(|&at| well_formed_marker(&ours[..at])) {
        Some(at) => Cow::Borrowed(&ours[..at]),
        None => Cow::Borrowed(ours),
    }
}

/// The number after `key` in `text`: its leading digits (and sign and point) only, as a
/// kernel message can follow our output on the same console line before its newline
/// (`retval=42clocksource: tsc: mask: …`, seen on 7.2 under TCG).
fn number_after<T: std::str::FromStr>(text: &str, key: &str) -> Option<T> {
    let after = text.split(key).nth(1)?.trim_start();
    let end = after
        .find(|c: char| !(c.is_ascii_digit() || c == '-' || c == '.'))
        .unwrap_or(after.len());
    after[..end].parse().ok()
}

/// Parse a serial console log.
pub fn parse_console(text: &str) -> Console {
    let mut c = Console::default();
    let mut logs: Vec<(String, String)> = Vec::new();
    let all: Vec<&str> = text.lines().collect();
    for (at, raw) in all.iter().enumerate() {
        // Kernel messages may share a line with our output; look for our marker anywhere.
        let line = raw.trim_end();
        if let Some(pos) = line.find("KFPATCH-") {
            let ours = repair_marker(&line[pos..], all.get(at + 1).copied());
            let ours = ours.as_ref();
            let mut words = ours.splitn(3, ' ');
            let tag = words.next().unwrap_or("");
            match tag {
                "KFPATCH-BOOTED" => {
                    c.booted = true;
                    c.boot_seconds = number_after(ours, "uptime=");
                }
                "KFPATCH-BTF" => c.btf_present = Some(words.next() == Some("present")),
                "KFPATCH-MODULE" => {
                    let status = words.next().unwrap_or("");
                    c.module_loaded = Some(status == "loaded");
                    if status != "loaded" {
                        c.module_error = Some(words.next().unwrap_or("").trim().to_string());
                    }
                }
                "KFPATCH-CASE" => {
                    let name = words.next().unwrap_or("").to_string();
                    let rest = words.next().unwrap_or("");
                    let observed = if rest.starts_with("loaded") {
                        Observed::Loaded {
                            retval: number_after(rest, "retval="),
                        }
                    } else {
                        Observed::Refused { log: vec![] }
                    };
                    if !c.cases.iter().any(|(n, _)| *n == name) {
                        c.cases.push((name, observed));
                    }
                }
                "KFPATCH-LOG" => {
                    let rest = ours.trim_start_matches("KFPATCH-LOG ");
                    if let Some((name, msg)) = rest.split_once(": ") {
                        logs.push((name.to_string(), msg.to_string()));
                    }
                }
                "KFPATCH-DONE" => c.done = true,
                _ => {}
            }
            continue;
        }
        if CRASH_MARKERS.iter().any(|m| line.contains(m)) {
            c.crashes.push(line.trim().to_string());
        }
    }
    for (name, msg) in logs {
        if let Some((_, Observed::Refused { log })) = c.cases.iter_mut().find(|(n, _)| *n == name) {
            log.push(msg);
        }
    }
    c
}

/// The verifier lines worth showing: from the failing instruction to the reason.
pub fn verifier_excerpt(log: &[String]) -> Vec<String> {
    let interesting: Vec<String> = log
        .iter()
        .filter(|l| !l.starts_with("libbpf:") && !l.starts_with("Warning:") && !l.starts_with("If it used"))
        .cloned()
        .collect();
    let start = interesting.len().saturating_sub(6);
    interesting[start..].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    const REAL: &str = include_str!("../../../tests/fixtures/console/7.2-unpatched.log");

    #[test]
    fn a_kernel_message_printed_inside_a_marker_line_is_dropped() {
        // Written from what a cold CI run's 7.3 report showed (that console was not kept): the
        // module's own pr_info, deferred to the printer thread, between marker and status.
        let text = "KFPATCH-BOOTED uptime=1.20\nKFPATCH-BTF present\n\
                    KFPATCH-MODULE kfpatch_test_kmod: registered, flag value 131072, err 0\n\
                    loaded\nKFPATCH-CASE safe_no_lock [    2.1] random: crng init done\n\
                    loaded retval=42\nKFPATCH-DONE\n";
        let c = parse_console(text);
        assert_eq!(c.module_loaded, Some(true), "{:?}", c.module_error);
        assert!(matches!(c.case("safe_no_lock"), Observed::Loaded { retval: Some(42) }));
        // The README's `validate --install` on 7.2 under TCG (3 December 2026): the kernel's
        // clocksource message followed the value before its newline.
        let c = parse_console(
            "KFPATCH-BOOTED uptime=3.10\nKFPATCH-CASE safe_under_lock loaded retval=42clocksource: tsc: \
             mask: 0xffffffffffffffff max_cycles: 0x233fc0f9daa, max_idle_ns: 440795213832 ns\n\
             KFPATCH-CASE safe_no_lock loaded retval=none\n",
        );
        assert_eq!(c.case("safe_under_lock"), Observed::Loaded { retval: Some(42) });
        assert_eq!(c.case("safe_no_lock"), Observed::Loaded { retval: None });
        assert_eq!(c.boot_seconds, Some(3.10));
        // A real failure keeps its reason.
        let c = parse_console("KFPATCH-MODULE failed insmod: can't insert: Invalid argument\n");
        assert_eq!(c.module_loaded, Some(false));
        assert_eq!(
            c.module_error.as_deref(),
            Some("insmod: can't insert: Invalid argument")
        );
    }

    #[test]
    fn a_kernel_message_glued_to_a_status_word_is_dropped() {
        // A 7.3 CI run (4 December 2026): the module's deferred pr_info right after `loaded`,
        // then our newline alone. Read as a failed load, it failed a row that had passed.
        let c = parse_console(include_str!(
            "../../../tests/fixtures/console/7.3-module-message-glued.log"
        ));
        assert_eq!(c.module_loaded, Some(true), "{:?}", c.module_error);
        assert!(c.booted && c.done && c.crashes.is_empty(), "{:?}", c.crashes);
        assert_eq!(c.case("safe_under_lock"), Observed::Loaded { retval: Some(42) });
        assert!(matches!(c.case("unsafe_under_lock"), Observed::Refused { .. }));
        // The same glue on the other markers, and one a kernel message left nothing to mend.
        let c = parse_console(
            "KFPATCH-BTF presentrandom: crng init done\n\nKFPATCH-CASE a refusedrandom: x\n\n\
             KFPATCH-CASE b loaded retval=-1clocksource: tsc\n\nKFPATCH-DONEreboot: Power down\n",
        );
        assert_eq!(c.btf_present, Some(true));
        assert!(matches!(c.case("a"), Observed::Refused { .. }));
        assert_eq!(c.case("b"), Observed::Loaded { retval: Some(-1) });
        assert!(c.done);
        let c = parse_console("KFPATCH-MODULE kfpatch_test_kmod: registered\nKFPATCH-DONE\n");
        assert_eq!(c.module_loaded, Some(false));
    }

    #[test]
    fn recorded_unpatched_console() {
        let c = parse_console(REAL);
        assert!(c.booted && c.done);
        assert_eq!(c.btf_present, Some(true));
        assert_eq!(c.module_loaded, Some(true));
        assert!(c.crashes.is_empty(), "{:?}", c.crashes);
        match c.case("safe_under_lock") {
            Observed::Refused { log } => assert!(
                log.iter().any(|l| l.contains(crate::kernel::verifier::LOCK_SENTENCE)),
                "{log:?}"
            ),
            other => panic!("{other:?}"),
        }
        assert!(matches!(c.case("unsafe_under_lock"), Observed::Refused { .. }));
        assert_eq!(c.case("safe_no_lock"), Observed::Loaded { retval: Some(42) });
        assert_eq!(c.case("nonexistent"), Observed::Missing);
    }

    #[test]
    fn panic_and_missing_results() {
        let text = "[    1.0] Kernel panic - not syncing: Requested init /x failed (error -2).\n";
        let c = parse_console(text);
        assert!(!c.booted && !c.done);
        assert_eq!(c.crashes.len(), 1);
        assert_eq!(c.case("safe_under_lock"), Observed::Missing);
    }
}
