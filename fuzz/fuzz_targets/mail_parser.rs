//! `mail::parse_series` on arbitrary bytes: a mail, an mbox, a bare diff or garbage must give a
//! series or a `MailError`, never a panic or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(series) = kfpatch::mail::parse_series(Path::new("fuzz.patch"), data) {
        // What the apply and write paths ask of every parsed series.
        let _ = series.key();
        for p in &series.patches {
            let _ = p.label();
            let _ = p.damaged();
            let _ = p.commit_message();
            for f in &p.files {
                let _ = f.path();
                for h in &f.hunks {
                    assert!(!h.lines.is_empty(), "a parsed hunk has lines");
                    let _ = h.header();
                }
            }
        }
    }
});
