//! Rendering outcomes for people (plain text) and machines (`--json`). Both come from the same
//! `Serialize` structs; this is the only module besides `cli` that writes to stdout/stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use crate::apply::{Outcome, Verdict};
use serde::Serialize;

/// Print `value` as pretty JSON on stdout.
pub fn json<T: Serialize>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("kfpatch: cannot serialize output: {e}"),
    }
}

/// A one-line status message on stderr (`kfpatch: …`).
pub fn status(msg: &str) {
    eprintln!("kfpatch: {msg}");
}

/// A plain line on stdout.
pub fn line(msg: &str) {
    println!("{msg}");
}

pub fn apply_outcome(o: &Outcome) {
    match &o.verdict {
        Verdict::AlreadyApplied => {
            println!(
                "already applied: {} is already in {} ({}); nothing written",
                o.series.display(),
                o.tree.display(),
                o.version
            );
            return;
        }
        Verdict::EquivalentUpstream {
            flag,
            patch_flag,
            bit,
            evidence,
        } => {
            println!(
                "equivalent change present upstream: {flag} (bit {bit}) does what {patch_flag} does; nothing written"
            );
            for e in evidence {
                println!("  {}:{}: {}", e.file, e.line, e.text);
            }
            return;
        }
        Verdict::Applied | Verdict::Applies => {}
    }
    for p in &o.patches {
        println!("{}: {}", p.label, p.subject);
        for h in &p.hunks {
            let mut notes = Vec::new();
            if h.offset != 0 {
                notes.push(format!("offset {:+}", h.offset));
            }
            if h.restored_blank_lines > 0 {
                notes.push(format!("{} lost blank line(s) restored", h.restored_blank_lines));
            }
            if h.reindented_lines > 0 {
                notes.push(format!("{} added line(s) re-indented", h.reindented_lines));
            }
            let notes = if notes.is_empty() {
                String::new()
            } else {
                format!(" ({})", notes.join(", "))
            };
            let strategy = serde_json::to_value(h.strategy)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            println!(
                "  {}:{} hunk #{} {:<7} {}{}",
                h.file, h.line, h.hunk, strategy, h.header, notes
            );
        }
        if let Some(c) = &p.commit {
            println!("  committed {}", &c[..12.min(c.len())]);
        }
    }
    let added: usize = o.patches.iter().map(|p| p.added).sum();
    let removed: usize = o.patches.iter().map(|p| p.removed).sum();
    let what = match o.verdict {
        Verdict::Applies => "would apply",
        _ => "applied",
    };
    println!(
        "{what}: {} patch(es), {} file(s), +{added} -{removed} lines, to {} ({})",
        o.patches.len(),
        o.patches
            .iter()
            .flat_map(|p| p.hunks.iter().map(|h| &h.file))
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        o.tree.display(),
        o.version
    );
    if let Some(h) = &o.healed_mail {
        println!("healed mail written to {}", h.display());
    }
}

/// Progress for long operations: a spinner with the current step on a terminal, plain
/// `kfpatch: step` lines otherwise (CI logs, pipes, `TERM=dumb`, `KFPATCH_NO_PROGRESS`).
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    step: String,
}

impl Progress {
    pub fn new() -> Progress {
        use std::io::IsTerminal;
        let interactive = std::io::stderr().is_terminal()
            && std::env::var_os("CI").is_none()
            && std::env::var_os("KFPATCH_NO_PROGRESS").is_none()
            && std::env::var("TERM").map(|t| t != "dumb").unwrap_or(false);
        let bar = interactive.then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} [{elapsed_precise}] {prefix:.bold} {wide_msg}")
                    .expect("static template"),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        Progress {
            bar,
            step: String::new(),
        }
    }

    pub fn event(&mut self, event: crate::vm::Event) {
        use crate::vm::Event;
        match event {
            Event::Step(step) => {
                self.step = step.to_string();
                match &self.bar {
                    Some(bar) => {
                        bar.set_prefix(step);
                        bar.set_message("");
                    }
                    None => status(step),
                }
            }
            Event::Detail(detail) => {
                if let Some(bar) = &self.bar {
                    bar.set_message(detail);
                }
            }
            Event::Notice(notice) => match &self.bar {
                Some(bar) => bar.println(format!("kfpatch: {notice}")),
                None => status(&notice),
            },
        }
    }
}

impl Default for Progress {
    fn default() -> Self {
        Progress::new()
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

pub fn vm_report(r: &crate::vm::VmReport) {
    use crate::vm::report::Status;
    println!(
        "vmtest: {} (build {}), {:?}, flag {}, {}",
        r.tree.display(),
        r.build_dir.display(),
        r.accel,
        r.flag,
        r.clang.file_name().and_then(|n| n.to_str()).unwrap_or("clang")
    );
    for c in &r.cases {
        let status = match c.status {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Skip => "SKIP",
        };
        println!("  {status} {:<18} {}: {}", c.name, c.description, c.why);
        if c.status == Status::Fail {
            for l in &c.verifier_log {
                println!("       | {l}");
            }
        }
    }
    for p in &r.problems {
        println!("  FAIL {p}");
    }
    if !r.problems.is_empty() {
        println!("  console tail ({}):", r.console_log.display());
        for l in &r.console_tail {
            println!("       | {l}");
        }
    }
    let t = &r.timings;
    println!(
        "times: configure {:.1} s, build {:.1} s, boot to verdict {:.1} s, total {:.1} s",
        t.configure_s, t.build_s, t.boot_to_verdict_s, t.total_s
    );
    println!(
        "{}",
        if r.ok {
            "vmtest: all expected outcomes held"
        } else {
            "vmtest: FAILED"
        }
    );
}

pub fn check_report(r: &crate::flags::Report) {
    println!(
        "KF_* kfunc flags in {} ({}), from {}",
        r.tree.display(),
        r.version,
        r.family_file
    );
    if !r.mirror_files.is_empty() {
        println!("mirrors: {}", r.mirror_files.join(", "));
    }
    println!("{:>3}  {:<20} {:<9} where", "bit", "name", "status");
    for row in &r.bits {
        if row.status == "free" && row.bit > r.next_free.unwrap_or(0) {
            continue;
        }
        let names = if row.names.is_empty() {
            "-".to_string()
        } else {
            row.names.join(", ")
        };
        println!(
            "{:>3}  {:<20} {:<9} {}",
            row.bit,
            names,
            row.status,
            row.locations.join(", ")
        );
    }
    for s in &r.series {
        let added: Vec<String> = s
            .added
            .iter()
            .map(|d| {
                format!(
                    "{} (bit {})",
                    d.name,
                    d.bit().map(|b| b.to_string()).unwrap_or("?".into())
                )
            })
            .collect();
        println!(
            "series {}: adds {}{}",
            s.source.display(),
            if added.is_empty() {
                "no flag".into()
            } else {
                added.join(", ")
            },
            s.note.as_ref().map(|n| format!("; {n}")).unwrap_or_default()
        );
    }
    for f in &r.findings {
        let level = match f.level {
            crate::flags::Level::Error => "error",
            crate::flags::Level::Warning => "warning",
            crate::flags::Level::Info => "info",
        };
        let series = if f.series.is_empty() {
            String::new()
        } else {
            format!(" [{}]", f.series.join(" + "))
        };
        println!("{level}: {}{series}", f.message);
        for l in &f.locations {
            println!("    {}:{}: {}", l.file, l.line, l.text);
        }
    }
    println!("{} error(s), users scanned: {}", r.errors, r.users);
}
