//! The tree's own `scripts/checkpatch.pl --strict` on a generated mail.

use crate::kernel::KernelTree;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What the tree's `scripts/checkpatch.pl --strict` says about one mail.
#[derive(Debug, Clone, Serialize)]
pub struct StyleReport {
    /// The mail checked.
    pub mail: PathBuf,
    /// checkpatch's `total: …` line, or "no remarks".
    pub summary: String,
    /// Its ERROR / WARNING / CHECK lines.
    pub remarks: Vec<String>,
    /// No errors and no warnings (CHECK-level remarks under --strict are advice).
    pub clean: bool,
}

/// Run the tree's own checkpatch.pl on `mail`.
pub fn check(tree: &KernelTree, mail: &Path) -> std::io::Result<StyleReport> {
    let out = std::process::Command::new("perl")
        .arg(tree.root.join("scripts/checkpatch.pl"))
        .args(["--strict", "--no-tree", "--terse"])
        .arg(mail)
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let summary = match text.trim().lines().last() {
        Some(l) if !l.is_empty() => l.to_string(),
        _ => "no remarks".to_string(),
    };
    let remarks = text
        .lines()
        .filter(|l| l.contains("ERROR:") || l.contains("WARNING:") || l.contains("CHECK:"))
        .map(str::to_string)
        .collect();
    let clean = out.status.success() || text.lines().any(|l| l.contains("total: 0 errors, 0 warnings"));
    Ok(StyleReport {
        mail: mail.to_path_buf(),
        summary,
        remarks,
        clean,
    })
}
