//! Human rendering of every operation's outcome; the JSON form is the same `Serialize` struct
//! (`super::to_json`). Nothing here writes: each document becomes a string for the shell.

use super::{escape_controls, Document};
use crate::ops::vm::report::Status;
use crate::ops::{apply, base, check, doctor, matrix, regen, tree, validate, vm};
use serde::Serialize;
use std::fmt::Write as _;

/// `writeln!` into a String, which cannot fail.
macro_rules! w {
    ($out:expr, $($arg:tt)*) => {{
        let _ = writeln!($out, $($arg)*);
    }};
}

impl Document for apply::Outcome {
    const SCHEMA: &'static str = "kfpatch-apply/1";
    fn human(&self) -> String {
        let mut out = String::new();
        apply_human(&mut out, self);
        out
    }
}

impl Document for check::Report {
    const SCHEMA: &'static str = "kfpatch-check/1";
    fn human(&self) -> String {
        let mut out = String::new();
        check_human(&mut out, self);
        out
    }
}

/// `check --mail`: a check report shown as b4's per-patch check command shows one, in
/// checkpatch's `--terse --showfile` shape: a `FILE:LINE: ERROR|WARNING: message` line for each
/// finding the mail itself brings (not the tree's own), and nothing at all when it is clean.
#[derive(Serialize)]
#[serde(transparent)]
pub struct MailCheck(pub check::Report);

impl MailCheck {
    /// The mail's own errors and warnings.
    pub fn findings(&self) -> impl Iterator<Item = &check::Finding> {
        self.0
            .findings
            .iter()
            .filter(|f| !f.series.is_empty() && f.level != check::Level::Info)
    }
}

impl Document for MailCheck {
    const SCHEMA: &'static str = "kfpatch-check/1";
    fn human(&self) -> String {
        let mut out = String::new();
        for f in self.findings() {
            let level = if f.level == check::Level::Error {
                "ERROR"
            } else {
                "WARNING"
            };
            match f.locations.first() {
                Some(at) => w!(out, "{}:{}: {level}: {}", at.file, at.line, f.message),
                None => w!(out, "{level}: {}", f.message),
            }
        }
        out
    }
}

impl Document for vm::VmReport {
    const SCHEMA: &'static str = "kfpatch-vmtest/1";
    fn human(&self) -> String {
        let mut out = String::new();
        vm_human(&mut out, self);
        out
    }
}

impl Document for validate::Outcome {
    const SCHEMA: &'static str = "kfpatch-validate/1";
    fn human(&self) -> String {
        let mut out = String::new();
        apply_human(&mut out, &self.apply);
        for f in &self.check_findings {
            w!(out, "check: {:?}: {}", f.level, f.message);
        }
        w!(out, "check: {} error(s)", self.check_errors);
        vm_human(&mut out, &self.vmtest);
        w!(out, "{}", if self.ok { "validate: OK" } else { "validate: FAILED" });
        out
    }
}

impl Document for regen::Outcome {
    const SCHEMA: &'static str = "kfpatch-regen/1";
    fn human(&self) -> String {
        let mut out = String::new();
        match self {
            regen::Outcome::MergedUpstream { flag, line } => {
                w!(
                    out,
                    "merged upstream as {flag} (include/linux/btf.h:{line}); nothing written"
                );
            }
            regen::Outcome::Generated {
                era,
                flag,
                bit,
                bit_note,
                files,
                added,
                removed,
                style,
                base,
                stable_note,
                compare,
            } => {
                w!(
                    out,
                    "era {era}: {flag} at bit {bit}{}, +{added} -{removed} lines",
                    bit_note.as_ref().map(|n| format!(" ({n})")).unwrap_or_default()
                );
                for f in files {
                    w!(out, "{}", f.display());
                }
                match base {
                    Some(regen::form::Base { commit: Some(c), .. }) => w!(out, "base-commit: {c}"),
                    Some(regen::form::Base { note: Some(n), .. }) => w!(out, "no base-commit: {n}"),
                    _ => {}
                }
                if let Some(c) = compare {
                    w!(out, "changes since {}:", c.against.display());
                    for line in &c.changes {
                        w!(out, "  {}", escape_controls(line));
                    }
                }
                if let Some(note) = stable_note {
                    w!(
                        out,
                        "stable note: {}",
                        note.split_whitespace().collect::<Vec<_>>().join(" ")
                    );
                }
                for s in style {
                    w!(
                        out,
                        "checkpatch {}: {}",
                        s.mail.file_name().and_then(|n| n.to_str()).unwrap_or(""),
                        s.summary
                    );
                    for remark in &s.remarks {
                        w!(out, "  {remark}");
                    }
                }
            }
        }
        out
    }
}

impl Document for doctor::Outcome {
    const SCHEMA: &'static str = "kfpatch-doctor/1";
    fn human(&self) -> String {
        let mut out = String::new();
        for t in &self.tools {
            match &t.path {
                Some(p) => w!(out, "ok       {:<8} {}", t.name, p.display()),
                None if t.optional => w!(
                    out,
                    "missing  {:<8} (optional, used when present; Debian package {})",
                    t.name,
                    t.package
                ),
                None => w!(out, "missing  {:<8} (Debian package {})", t.name, t.package),
            }
        }
        if !self.installed.is_empty() {
            w!(out, "installed: {}", self.installed.join(" "));
        }
        if !self.missing_packages.is_empty() {
            w!(out, "install with: apt-get install {}", self.missing_packages.join(" "));
        }
        for t in &self.trees {
            w!(out, "--suite test_progs on {} ({}):", t.tree.display(), t.version);
            for plan in &t.tools {
                w!(out, "  {}", plan.describe());
            }
            match t.fixups.as_slice() {
                [] => w!(out, "  fixups: none"),
                names => w!(out, "  fixups: {}", names.join(", ")),
            }
            for f in &t.fetched {
                w!(out, "  fetched: {} {} in {}", f.package, f.version, f.root.display());
            }
        }
        out
    }
}

/// One matrix row as its own JSON document, complete on its own (a CI engine that runs one
/// tree per job concatenates them).
#[derive(serde::Serialize)]
struct MatrixLine<'a> {
    schema: &'static str,
    series: &'a std::path::Path,
    #[serde(flatten)]
    row: &'a matrix::Row,
}

impl Document for matrix::Outcome {
    const SCHEMA: &'static str = "kfpatch-matrix/1";
    fn human(&self) -> String {
        matrix_table(self)
    }
    fn json_text(&self) -> String {
        let lines: Vec<String> = self
            .rows
            .iter()
            .map(|row| {
                serde_json::to_string(&MatrixLine {
                    schema: Self::SCHEMA,
                    series: &self.series,
                    row,
                })
                .expect("rows are plain data")
            })
            .collect();
        lines.join("\n")
    }
}

pub(crate) fn word<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// A row per tree: how the series got on, flag and bit, check, build time, each VM case.
fn matrix_table(m: &matrix::Outcome) -> String {
    // Case columns when the suite has a few named cases (kfunc), a count otherwise.
    let names: Vec<&str> = m
        .rows
        .iter()
        .find(|r| !r.cases.is_empty())
        .map(|r| r.cases.iter().map(|c| c.name.as_str()).collect())
        .unwrap_or_default();
    let columns = names.len() <= 4;
    let mut header = vec!["tree", "era", "series", "flag", "check", "build"];
    if columns {
        header.extend(&names);
    } else {
        header.push("cases");
    }
    header.push("verdict");
    let mut table: Vec<Vec<String>> = vec![header.iter().map(|h| h.to_string()).collect()];
    for r in &m.rows {
        let mut cells = vec![
            r.target.clone(),
            r.era.clone().unwrap_or_else(|| "-".into()),
            r.how.map(|h| word(&h).replace('_', " ")).unwrap_or_else(|| "-".into()),
            match (&r.flag, r.bit) {
                (Some(f), Some(b)) => format!("{f} (bit {b})"),
                (Some(f), None) => f.clone(),
                _ => "-".into(),
            },
            match r.check_errors {
                Some(0) => "clean".into(),
                Some(n) => format!("{n} error(s)"),
                None => "-".into(),
            },
            r.build_s.map(|s| format!("{s:.0} s")).unwrap_or_else(|| "-".into()),
        ];
        if columns {
            for name in &names {
                let status = r.cases.iter().find(|c| c.name == *name).map(|c| word(&c.status));
                cells.push(status.unwrap_or_else(|| "-".into()));
            }
        } else {
            let count = |s: Status| r.cases.iter().filter(|c| c.status == s).count();
            cells.push(format!(
                "{} pass, {} fail, {} skip",
                count(Status::Pass),
                count(Status::Fail),
                count(Status::Skip)
            ));
        }
        cells.push(word(&r.verdict).to_uppercase());
        table.push(cells);
    }
    let widths: Vec<usize> = (0..table[0].len())
        .map(|i| table.iter().map(|row| row[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in &table {
        let cells: Vec<String> = row.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        w!(out, "{}", cells.join("  ").trim_end());
    }
    for r in m.rows.iter().filter(|r| r.why.is_some()) {
        w!(out, "{}: {}", r.target, escape_controls(r.why.as_deref().unwrap_or("")));
        if let Some(path) = r.vmtest.as_ref().and_then(|v| v.reproducer.as_ref()) {
            w!(out, "{}: reproduce by hand: sh {}", r.target, path.display());
        }
    }
    let passed = m.rows.iter().filter(|r| r.verdict == matrix::RowVerdict::Pass).count();
    w!(out, "matrix: {passed} of {} tree(s) passed", m.rows.len());
    out
}

impl Document for base::Outcome {
    const SCHEMA: &'static str = "kfpatch-base/1";
    fn human(&self) -> String {
        let mut out = String::new();
        let named: Vec<String> = self
            .blobs
            .iter()
            .map(|b| format!("{} {}", b.file, b.preimage))
            .collect();
        w!(
            out,
            "series {}: {} preimage blob(s): {}",
            self.series.display(),
            self.blobs.len(),
            named.join(", ")
        );
        let held = |n: usize, total: usize| {
            if n == total {
                format!("all {total}")
            } else {
                format!("{n} of {total}")
            }
        };
        let mut holders = Vec::new();
        for r in &self.trees {
            w!(
                out,
                "{} ({}): {} preimage blob(s)",
                r.target,
                r.version,
                held(r.held, r.total)
            );
            if r.held == r.total {
                holders.push(r.target.clone());
            }
            let Some(h) = &r.history else { continue };
            for c in &h.commits {
                w!(
                    out,
                    "  commit {} ({}): {} of {}",
                    &c.commit[..12.min(c.commit.len())],
                    escape_controls(&c.subject),
                    c.held,
                    c.total
                );
            }
            if let Some(c) = h.commits.first().filter(|c| c.held == c.total) {
                holders.push(format!("{} commit {}", r.target, &c.commit[..12.min(c.commit.len())]));
            }
            w!(
                out,
                "  {} of the last {} commit(s) hold every preimage blob (searched at most {})",
                h.holding_all,
                h.walked,
                h.max_commits
            );
        }
        if self.found {
            w!(out, "every preimage blob is in: {}", holders.join(", "));
        } else {
            w!(out, "no tree holds these blobs");
        }
        out
    }
}

impl Document for tree::Outcome {
    const SCHEMA: &'static str = "kfpatch-tree/1";
    fn human(&self) -> String {
        let mut out = String::new();
        for t in &self.trees {
            w!(out, "{}", t.path.display());
        }
        out
    }
}

fn apply_human(out: &mut String, o: &apply::Outcome) {
    match &o.verdict {
        apply::Verdict::AlreadyApplied => {
            w!(
                out,
                "already applied: {} is already in {} ({}); nothing written",
                o.series.display(),
                o.tree.display(),
                o.version
            );
            return;
        }
        apply::Verdict::EquivalentUpstream {
            flag,
            patch_flag,
            bit,
            evidence,
        } => {
            w!(
                out,
                "equivalent change present upstream: {flag} (bit {bit}) does what {patch_flag} does; nothing written"
            );
            for e in evidence {
                w!(out, "  {}:{}: {}", e.file, e.line, e.text);
            }
            return;
        }
        apply::Verdict::Applied | apply::Verdict::Applies => {}
    }
    for p in &o.patches {
        w!(out, "{}: {}", p.label, p.subject);
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
            w!(
                out,
                "  {}:{} hunk #{} {:<7} {}{}",
                h.file,
                h.line,
                h.hunk,
                strategy,
                h.header,
                notes
            );
        }
        if !p.damage.is_empty() {
            w!(out, "  damage undone: {}", p.damage.join(", "));
        }
        for f in &p.files {
            match f.proof {
                apply::proof::Proof::Proven => w!(out, "  {}: exact, proven by its postimage blob", f.file),
                apply::proof::Proof::NotProven => w!(
                    out,
                    "  {}: healed, not proven ({} alternative(s) tried; the postimage blob matches none)",
                    f.file,
                    f.proof_tries
                ),
                apply::proof::Proof::NoProof => {}
            }
            for u in &f.uncertain {
                w!(out, "  {}:{}: uncertain: {}", f.file, u.line, u.why);
            }
        }
        if let Some(c) = &p.commit {
            w!(out, "  committed {}", &c[..12.min(c.len())]);
        }
    }
    let preimages: Vec<apply::Preimage> = o.patches.iter().flat_map(|p| &p.files).map(|f| f.preimage).collect();
    let indexed = preimages.iter().filter(|p| **p != apply::Preimage::NoIndexLine).count();
    let matching = preimages.iter().filter(|p| **p == apply::Preimage::Match).count();
    match o.base {
        apply::Base::NoIndexLines => w!(out, "base: {}", word(&o.base)),
        _ => w!(
            out,
            "base: {} ({matching} of {indexed} preimage blob(s) match)",
            word(&o.base)
        ),
    }
    let added: usize = o.patches.iter().map(|p| p.added).sum();
    let removed: usize = o.patches.iter().map(|p| p.removed).sum();
    let what = match o.verdict {
        apply::Verdict::Applies => "would apply",
        _ => "applied",
    };
    w!(
        out,
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
        w!(out, "healed mail written to {}", h.display());
    }
}

/// The compiler, the compile gate and ccache's hits, one line each.
fn build_facts_human(out: &mut String, b: &vm::report::BuildFacts) {
    if let Some(c) = &b.compiler {
        w!(out, "  compiler: {} ({})", c.cc, c.why);
    }
    if let Some(g) = &b.gate {
        let mut line = format!("  compile gate: {} in {:.1} s", g.objects.join(" "), g.seconds);
        if !g.not_built.is_empty() {
            line.push_str(&format!("; not built in this configuration: {}", g.not_built.join(" ")));
        }
        w!(out, "{line}");
    }
    if let Some(c) = &b.cache {
        let rate = c.hit_rate().map_or("-".to_string(), |r| format!("{r:.1} %"));
        let mut line = format!(
            "  ccache: {rate} hits of {} source compilations ({} local, {} remote, {} misses; {} compiler probes apart)",
            c.cacheable, c.local_hits, c.remote_hits, c.misses, c.probes
        );
        if let Some(remote) = &c.remote {
            line.push_str(&format!(", shared cache {remote}"));
            if c.remote_errors > 0 {
                line.push_str(&format!(" ({} errors)", c.remote_errors));
            }
        }
        w!(out, "{line}");
    }
}

fn vm_human(out: &mut String, r: &vm::VmReport) {
    if r.stopped_after_gate {
        w!(out, "vmtest: {} (build {})", r.tree.display(), r.build_dir.display());
        build_facts_human(out, &r.build);
        w!(
            out,
            "vmtest: the compile gate passed; stopped there (--gate-only): configure {:.1} s, total {:.1} s",
            r.timings.configure_s,
            r.timings.total_s
        );
        return;
    }
    w!(
        out,
        "vmtest: {} (build {}), {:?}, flag {}, {}",
        r.tree.display(),
        r.build_dir.display(),
        r.accel,
        r.flag,
        r.clang.file_name().and_then(|n| n.to_str()).unwrap_or("clang")
    );
    build_facts_human(out, &r.build);
    if let Some(st) = &r.selftests {
        for t in &st.tools {
            match &t.fetched {
                Some(f) => w!(
                    out,
                    "  {}: fetched {} {} ({})",
                    t.tool,
                    f.package,
                    f.version,
                    t.path.display()
                ),
                None => w!(out, "  {}: {}", t.tool, t.path.display()),
            }
        }
        for f in &st.fixups {
            w!(out, "  fixup {} ({}): {}", f.name, f.status, f.title);
        }
        let mut run = format!("  test_progs -t {}", st.run.tests.join(" -t "));
        if !st.run.denied.is_empty() {
            run.push_str(&format!(", {} denied", st.run.denied.len()));
        }
        if let Some(w) = st.run.watchdog_s {
            run.push_str(&format!(", watchdog {w} s"));
        }
        run.push_str(if st.run.json {
            ", JSON summary"
        } else {
            ", text summary (no -J)"
        });
        w!(out, "{run}");
    }
    for c in &r.cases {
        let status = match c.status {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Skip => "SKIP",
        };
        w!(out, "  {status} {:<18} {}: {}", c.name, c.description, c.why);
        if c.status == Status::Fail {
            for l in &c.verifier_log {
                w!(out, "       | {}", escape_controls(l));
            }
        }
    }
    for p in &r.problems {
        w!(out, "  FAIL {p}");
    }
    if !r.problems.is_empty() {
        w!(out, "  console tail ({}):", r.console_log.display());
        for l in &r.console_tail {
            w!(out, "       | {}", escape_controls(l));
        }
    }
    if let Some(path) = &r.reproducer {
        w!(out, "reproduce by hand: sh {}", path.display());
    }
    let t = &r.timings;
    w!(
        out,
        "times: configure {:.1} s, build {:.1} s, boot to verdict {:.1} s, total {:.1} s",
        t.configure_s,
        t.build_s,
        t.boot_to_verdict_s,
        t.total_s
    );
    w!(
        out,
        "{}",
        if r.ok {
            "vmtest: all expected outcomes held"
        } else {
            "vmtest: FAILED"
        }
    );
}

fn check_human(out: &mut String, r: &check::Report) {
    w!(
        out,
        "KF_* kfunc flags in {} ({}), from {}",
        r.tree.display(),
        r.version,
        r.family_file
    );
    if !r.mirror_files.is_empty() {
        w!(out, "mirrors: {}", r.mirror_files.join(", "));
    }
    w!(out, "{:>3}  {:<20} {:<9} where", "bit", "name", "status");
    for row in &r.bits {
        if row.status == "free" && row.bit > r.next_free.unwrap_or(0) {
            continue;
        }
        let names = if row.names.is_empty() {
            "-".to_string()
        } else {
            row.names.join(", ")
        };
        w!(
            out,
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
        w!(
            out,
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
            check::Level::Error => "error",
            check::Level::Warning => "warning",
            check::Level::Info => "info",
        };
        let series = if f.series.is_empty() {
            String::new()
        } else {
            format!(" [{}]", f.series.join(" + "))
        };
        w!(out, "{level}: {}{series}", f.message);
        for l in &f.locations {
            w!(out, "    {}:{}: {}", l.file, l.line, l.text);
        }
    }
    w!(out, "{} error(s), users scanned: {}", r.errors, r.users);
}
