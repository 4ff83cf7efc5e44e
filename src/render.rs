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
