//! `mail::diff::parse_diff` on arbitrary text, numbered the way `parse_series` numbers a mail
//! (1-based, CR of CRLF removed, no empty piece after a final newline).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut lines: Vec<(usize, &str)> = text
        .split('\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l)))
        .collect();
    if lines.last().is_some_and(|(_, l)| l.is_empty()) {
        lines.pop();
    }
    match kfpatch::mail::diff::parse_diff(&lines) {
        Ok(parsed) => {
            assert!(!parsed.files.is_empty(), "Ok means at least one file");
            for f in &parsed.files {
                for h in &f.hunks {
                    assert!(!h.lines.is_empty(), "a parsed hunk has lines");
                    let last = lines.last().map(|l| l.0).unwrap_or(0);
                    assert!(h.lines.iter().all(|l| l.line >= h.line && l.line <= last));
                }
            }
        }
        Err(e) => {
            let last = lines.last().map(|l| l.0).unwrap_or(0);
            assert!(e.line <= last, "error line {} past the input's {last} lines", e.line);
        }
    }
});
