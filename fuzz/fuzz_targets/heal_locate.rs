//! The hunk locator and healer, `ops::apply::locate::locate`, driven the way `apply` drives it.
//!
//! Input: a file's text, a NUL byte, then a patch. A patch that starts at `@@` gets a
//! `--- a/f`/`+++ b/f` header. Every file patch in it is applied hunk by hunk to a fresh copy of
//! the file, with apply's `expected`/`min_start` bookkeeping; each placement is spliced in, so a
//! range outside the file panics here. Blank lines are placed by odds learned from the file
//! alone (as `apply` learns them from it and its directory).
#![no_main]

use kfpatch::kernel::blank_odds::BlankOdds;
use kfpatch::mail::diff::parse_diff;
use kfpatch::ops::apply::locate::{locate, normalized};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(nul) = data.iter().position(|b| *b == 0) else {
        return;
    };
    let file_text = String::from_utf8_lossy(&data[..nul]);
    let patch_text = String::from_utf8_lossy(&data[nul + 1..]);
    let patch_text = if patch_text.starts_with("@@") {
        format!("--- a/f\n+++ b/f\n{patch_text}")
    } else {
        patch_text.into_owned()
    };
    let mut lines: Vec<(usize, &str)> = patch_text
        .split('\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l)))
        .collect();
    if lines.last().is_some_and(|(_, l)| l.is_empty()) {
        lines.pop();
    }
    let Ok(parsed) = parse_diff(&lines) else {
        return;
    };
    let original: Vec<String> = file_text.lines().map(str::to_string).collect();
    let odds = BlankOdds::learn(&original, std::path::Path::new(""), "f");
    for fp in &parsed.files {
        let mut file = original.clone();
        let mut delta: i64 = 0;
        let mut min_start = 0;
        for hunk in &fp.hunks {
            let header_pos = hunk.old_start.saturating_sub(1) as i64;
            let expected = (header_pos + delta).max(0) as usize;
            let Ok(p) = locate(&file, &normalized(&file), hunk, expected, min_start, &odds) else {
                break;
            };
            assert!(
                p.start <= p.end && p.end <= file.len(),
                "{}..{} of {}",
                p.start,
                p.end,
                file.len()
            );
            assert!(p.start >= min_start.min(file.len()), "placed before min_start");
            let old_len = p.end - p.start;
            let texts: Vec<String> = p.lines.iter().map(|l| l.text.clone()).collect();
            file.splice(p.start..p.end, texts);
            delta += p.lines.len() as i64 - old_len as i64;
            min_start = p.start + p.lines.len();
        }
    }
});
