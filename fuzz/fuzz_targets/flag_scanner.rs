//! The KF_* define reader and the `BTF_ID_FLAGS(...)` scanner on arbitrary text (read as
//! `scan_tree` reads a file: lossy UTF-8).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let lines = text.lines().count().max(1);
    for d in kfpatch::kernel::flagdefs::defines(&text) {
        assert!(d.line >= 1 && d.line <= lines);
        let _ = d.bit();
    }
    for u in kfpatch::kernel::flagwalk::flag_uses(&text) {
        assert!(u.line >= 1 && u.line <= text.matches('\n').count() + 1);
    }
    let _ = kfpatch::kernel::flagdefs::parse_value(&text);
});
