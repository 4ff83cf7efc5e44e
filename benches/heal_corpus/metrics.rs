//! Judging one healed file against the new tree's, and adding the judgements up.
//!
//! Alignments are Myers line diffs (`similar`). "Added lines exact": the new file's lines that the
//! clean change adds (inserted in the old → new alignment) and that are equal in the healed →
//! new alignment. "Wrong placements": lines of the new file left unmatched when both files are
//! compared with their whitespace normalized (trimmed, runs collapsed): after a correct heal the
//! two agree modulo whitespace, so each such line was put in the wrong place (or lost).

use serde::Serialize;
use similar::{capture_diff_slices, Algorithm, DiffOp};

/// What is known of a corpus file before any healing.
pub struct Truth {
    new_lines: Vec<String>,
    new_normalized: Vec<String>,
    /// Indices of `new_lines` the clean change adds.
    added: Vec<usize>,
}

pub fn normalize(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

/// Which of `b`'s indices the `a` → `b` alignment matches.
fn matched(a: &[String], b: &[String]) -> Vec<bool> {
    let mut m = vec![false; b.len()];
    for op in capture_diff_slices(Algorithm::Myers, a, b) {
        if let DiffOp::Equal { new_index, len, .. } = op {
            m[new_index..new_index + len].iter_mut().for_each(|x| *x = true);
        }
    }
    m
}

impl Truth {
    pub fn new(old: &str, new: &str) -> Truth {
        let new_lines = lines(new);
        let added = matched(&lines(old), &new_lines)
            .iter()
            .enumerate()
            .filter(|(_, m)| !**m)
            .map(|(i, _)| i)
            .collect();
        Truth {
            new_normalized: new_lines.iter().map(|l| normalize(l)).collect(),
            new_lines,
            added,
        }
    }

    pub fn added(&self) -> usize {
        self.added.len()
    }
}

/// A healed file against the truth.
pub struct Judgement {
    pub added_exact: usize,
    pub wrong: usize,
    /// Up to three differing lines, each as a `healed` and a `truth` line, for `--verbose`.
    pub differences: Vec<String>,
}

fn shown(line: Option<&String>) -> String {
    match line {
        Some(l) => format!("\"{}\"", l.replace('\t', "\\t")),
        None => "(none)".into(),
    }
}

/// `healed` (not identical to the new file) against `truth`.
pub fn judge(healed: &str, truth: &Truth) -> Judgement {
    let healed_lines = lines(healed);
    let ops = capture_diff_slices(Algorithm::Myers, &healed_lines, &truth.new_lines);
    let mut equal = vec![false; truth.new_lines.len()];
    let mut differences = Vec::new();
    // KFPATCH_BENCH_DIFFS=N keeps N differing lines per file (default 3), for analysis.
    let keep = std::env::var("KFPATCH_BENCH_DIFFS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(3)
        * 2;
    for op in &ops {
        let (o, ol, n, nl) = match *op {
            DiffOp::Equal { new_index, len, .. } => {
                equal[new_index..new_index + len].iter_mut().for_each(|x| *x = true);
                continue;
            }
            DiffOp::Delete {
                old_index,
                old_len,
                new_index,
            } => (old_index, old_len, new_index, 0),
            DiffOp::Insert {
                old_index,
                new_index,
                new_len,
            } => (old_index, 0, new_index, new_len),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => (old_index, old_len, new_index, new_len),
        };
        for k in 0..ol.max(nl) {
            if differences.len() >= keep {
                break;
            }
            let (h, t) = ((k < ol).then_some(o + k), (k < nl).then_some(n + k));
            let number = |i: Option<usize>| i.map_or("-".into(), |i| (i + 1).to_string());
            differences.push(format!(
                "healed {:>5}: {}",
                number(h),
                shown(h.map(|i| &healed_lines[i]))
            ));
            differences.push(format!(
                "truth  {:>5}: {}",
                number(t),
                shown(t.map(|i| &truth.new_lines[i]))
            ));
        }
    }
    if healed_lines.len() == truth.new_lines.len() && differences.is_empty() {
        differences.push("the lines agree: line endings or the final newline differ".into());
    }
    let added_exact = truth.added.iter().filter(|&&i| equal[i]).count();
    let healed_normalized: Vec<String> = healed_lines.iter().map(|l| normalize(l)).collect();
    let wrong = matched(&healed_normalized, &truth.new_normalized)
        .iter()
        .filter(|m| !**m)
        .count();
    Judgement {
        added_exact,
        wrong,
        differences,
    }
}

/// The figures of one (pair, form, shape), or of several added up.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Stats {
    pub patches: usize,
    pub applied: usize,
    /// Refused: "fits at N places".
    pub ambiguous: usize,
    /// Any other error (parse errors and panics included).
    pub errors: usize,
    pub panics: usize,
    pub identical: usize,
    /// Files whose report had a `proof` field at all.
    pub proof_reported: usize,
    pub proven: usize,
    pub proven_identical: usize,
    /// `+` lines of the clean change, over applied patches; how many the healed file has exact.
    pub added_lines: usize,
    pub added_exact: usize,
    pub wrong_placements: usize,
    pub seconds_total: f64,
    pub seconds_max: f64,
    /// The largest patch of 300–500 changed lines: its size and the (longest) time it took.
    pub big_patch_lines: Option<usize>,
    pub big_patch_seconds: Option<f64>,
}

fn pct(n: usize, d: usize) -> Option<f64> {
    (d > 0).then(|| 100.0 * n as f64 / d as f64)
}

impl Stats {
    pub fn add(&mut self, o: &Stats) {
        self.patches += o.patches;
        self.applied += o.applied;
        self.ambiguous += o.ambiguous;
        self.errors += o.errors;
        self.panics += o.panics;
        self.identical += o.identical;
        self.proof_reported += o.proof_reported;
        self.proven += o.proven;
        self.proven_identical += o.proven_identical;
        self.added_lines += o.added_lines;
        self.added_exact += o.added_exact;
        self.wrong_placements += o.wrong_placements;
        self.seconds_total += o.seconds_total;
        self.seconds_max = self.seconds_max.max(o.seconds_max);
        self.big_patch_lines = self.big_patch_lines.max(o.big_patch_lines);
        self.big_patch_seconds = match (self.big_patch_seconds, o.big_patch_seconds) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
    /// Applied, of the patches not refused as ambiguous.
    pub fn applied_pct(&self) -> Option<f64> {
        pct(self.applied, self.patches - self.ambiguous)
    }
    pub fn identical_pct(&self) -> Option<f64> {
        pct(self.identical, self.patches)
    }
    pub fn exact_pct(&self) -> Option<f64> {
        pct(self.added_exact, self.added_lines)
    }
    pub fn proof_lies(&self) -> usize {
        self.proven - self.proven_identical
    }
    pub fn mean_seconds(&self) -> f64 {
        if self.patches == 0 {
            0.0
        } else {
            self.seconds_total / self.patches as f64
        }
    }
    /// The targets this row misses (none: all met). `index` says whether the mails had their
    /// `index` lines (`None`: a mix of shapes, only the shape-free targets apply).
    pub fn missed(&self, index: Option<bool>) -> Vec<String> {
        let mut missed = Vec::new();
        let below = |v: Option<f64>, min: f64| v.is_some_and(|v| v < min);
        if self.proof_lies() > 0 {
            missed.push(format!("{} PROOF LIE(S)", self.proof_lies()));
        }
        if self.big_patch_seconds.is_some_and(|s| s >= 1.0) {
            missed.push("big patch >= 1 s".into());
        }
        match index {
            Some(true) if below(self.identical_pct(), 99.0) => missed.push("identical < 99%".into()),
            Some(false) => {
                if below(self.applied_pct(), 99.0) {
                    missed.push("applied < 99%".into());
                }
                if below(self.identical_pct(), 90.0) {
                    missed.push("identical < 90%".into());
                }
                if below(self.exact_pct(), 98.0) {
                    missed.push("exact < 98%".into());
                }
                if self.wrong_placements > 0 {
                    missed.push("wrong > 0".into());
                }
            }
            _ => {}
        }
        missed
    }
    /// The row's figures as table cells (after the row's names).
    pub fn cells(&self) -> Vec<String> {
        let p = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.1}%"));
        vec![
            self.patches.to_string(),
            format!("{} {}", self.applied, p(self.applied_pct())),
            self.ambiguous.to_string(),
            self.errors.to_string(),
            self.panics.to_string(),
            format!("{} {}", self.identical, p(self.identical_pct())),
            if self.proof_reported == 0 {
                "n/a".into()
            } else {
                format!("{}/{}", self.proven_identical, self.proven)
            },
            format!("{}/{} {}", self.added_exact, self.added_lines, p(self.exact_pct())),
            self.wrong_placements.to_string(),
            format!("{:.1}", 1000.0 * self.mean_seconds()),
            format!("{:.0}", 1000.0 * self.seconds_max),
            match (self.big_patch_lines, self.big_patch_seconds) {
                (Some(n), Some(s)) => format!("{:.0} ({n})", 1000.0 * s),
                _ => "-".into(),
            },
        ]
    }
}

pub const HEADINGS: [&str; 12] = [
    "patches",
    "applied",
    "ambig",
    "errors",
    "panics",
    "identical",
    "proven ok/claimed",
    "added exact",
    "wrong",
    "mean ms",
    "max ms",
    "300-500 ms (lines)",
];
