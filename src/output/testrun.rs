//! The one shape every VM report takes for the formats CI dashboards read (KTAP, KCIDB): per
//! tree, how the series went on, the build, and one result per VM case. `vmtest`, `validate`
//! and `matrix` outcomes each say how they map onto it.

use crate::ops::{matrix, validate, vm};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunVerdict {
    Pass,
    Fail,
    /// A tool, download or the VM could not run: the tree's status is unknown.
    Unavailable,
}

/// One tree's run.
pub struct TreeRun<'a> {
    /// `debian 7.2`, or the tree's path.
    pub name: String,
    pub tree: &'a Path,
    pub version: String,
    /// How the series went on (`applied`, `regenerated`, …), when one was put on.
    pub how: Option<String>,
    /// Seconds the kernel build took, when it ran.
    pub build_s: Option<f64>,
    pub vm: Option<&'a vm::VmReport>,
    pub verdict: RunVerdict,
    /// Why it did not pass, on one line.
    pub why: Option<String>,
}

/// An outcome with VM-tested trees in it.
pub trait TestRuns {
    /// The series tested (its file, or the bundled RFC's name).
    fn series(&self) -> String;
    /// Its files and KCIDB patchset hash, when a series was put on.
    fn patchset(&self) -> Option<&crate::mail::Patchset>;
    fn test_runs(&self) -> Vec<TreeRun<'_>>;
}

impl TestRuns for vm::VmReport {
    fn series(&self) -> String {
        "(the tree as it is)".into()
    }
    fn patchset(&self) -> Option<&crate::mail::Patchset> {
        None
    }
    fn test_runs(&self) -> Vec<TreeRun<'_>> {
        vec![TreeRun {
            name: self.tree.display().to_string(),
            tree: &self.tree,
            version: String::new(),
            how: None,
            build_s: Some(self.timings.build_s),
            vm: Some(self),
            verdict: if self.ok { RunVerdict::Pass } else { RunVerdict::Fail },
            why: (!self.ok).then(|| {
                self.problems
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "a VM case failed".into())
            }),
        }]
    }
}

impl TestRuns for validate::Outcome {
    fn series(&self) -> String {
        self.apply.series.display().to_string()
    }
    fn patchset(&self) -> Option<&crate::mail::Patchset> {
        Some(&self.patchset)
    }
    fn test_runs(&self) -> Vec<TreeRun<'_>> {
        vec![TreeRun {
            name: self.tree.display().to_string(),
            tree: &self.tree,
            version: self.apply.version.clone(),
            how: Some(self.apply.verdict.describe()),
            build_s: Some(self.vmtest.timings.build_s),
            vm: Some(&self.vmtest),
            verdict: if self.ok { RunVerdict::Pass } else { RunVerdict::Fail },
            why: (!self.ok).then(|| {
                if self.check_errors > 0 {
                    format!("{} flag check error(s)", self.check_errors)
                } else {
                    self.vmtest
                        .problems
                        .first()
                        .cloned()
                        .unwrap_or_else(|| "a VM case failed".into())
                }
            }),
        }]
    }
}

impl TestRuns for matrix::Outcome {
    fn series(&self) -> String {
        self.series.display().to_string()
    }
    fn patchset(&self) -> Option<&crate::mail::Patchset> {
        Some(&self.patchset)
    }
    fn test_runs(&self) -> Vec<TreeRun<'_>> {
        self.rows
            .iter()
            .map(|row| TreeRun {
                name: row.target.clone(),
                tree: &row.tree,
                version: row.version.clone(),
                how: row.how.map(|h| super::render::word(&h).replace('_', " ")),
                build_s: row.build_s,
                vm: row.vmtest.as_ref(),
                verdict: match row.verdict {
                    matrix::RowVerdict::Pass => RunVerdict::Pass,
                    matrix::RowVerdict::Fail => RunVerdict::Fail,
                    matrix::RowVerdict::Unavailable => RunVerdict::Unavailable,
                },
                why: row.why.clone(),
            })
            .collect()
    }
}
