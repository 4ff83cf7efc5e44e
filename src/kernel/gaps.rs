//! The widths an aligned gap inside a line could have had, for a line whose runs of blanks an
//! archive collapsed: what the proof search tries when the first guess is not the author's.
//!
//! Measured on the corpus of real changes (Debian 6.1 -> 6.12 and 6.12 -> 7.2, archive damage,
//! with `index` lines), the files that come back one or two lines short of the author's are
//! mostly a `#define`'s value, a kernel-doc parameter's description, a trailing comment or a
//! struct member one tab (or a space) off where the neighbours said nothing or said otherwise.
//! Each gap is tried padded with tabs to each of the next four tab stops, single, two spaces,
//! and a tab wider or narrower than it stands.

use super::align::aligned_gaps;
use super::indent::{pad, split_define_with_value, width};
use super::prose::param_head;

const TAB: usize = 8;

/// Byte ranges of the gaps in `line` that kernel code aligns: the aligned kinds of `align`, a
/// `#define`'s value, and a kernel-doc parameter's description.
fn gaps(line: &str) -> Vec<(usize, usize)> {
    let mut out = aligned_gaps(line);
    if let Some((head, gap, _)) = split_define_with_value(line) {
        if !gap.is_empty() {
            out.push((head.len(), head.len() + gap.len()));
        }
    }
    if let Some((head, after)) = param_head(line) {
        let text = after.trim_start_matches([' ', '\t']);
        if !text.is_empty() && text.len() < after.len() {
            out.push((head.len(), head.len() + after.len() - text.len()));
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// For each aligned gap of `line`, the line with that gap as wide as it might have been
/// (never the line itself); gaps with no other width are left out.
pub fn alternatives(line: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (lo, hi) in gaps(line) {
        let (before, now, after) = (&line[..lo], &line[lo..hi], &line[hi..]);
        let from = width(before, 0);
        // Likeliest first (the search pairs the first alternatives of every two doubts before
        // the later ones): the next tab stop, one space, the stop after, two spaces, further.
        let first_stop = (from / TAB + 1) * TAB;
        let stop = |k: usize| pad(from, first_stop + k * TAB, true);
        // Spaces to the next stop: what an editor without tabs writes for the same column.
        let spaces = pad(from, first_stop, false);
        let mut widths: Vec<String> = vec![stop(0), " ".into(), stop(1), "  ".into(), spaces, stop(2), stop(3)];
        if now.contains('\t') {
            widths.push(format!("{now}\t"));
            if let Some(narrower) = now.strip_prefix('\t').filter(|n| !n.is_empty()) {
                widths.push(narrower.to_string());
            }
        }
        let mut lines: Vec<String> = Vec::new();
        for w in widths {
            let alt = format!("{before}{w}{after}");
            if w != now && !lines.contains(&alt) {
                lines.push(alt);
            }
        }
        if !lines.is_empty() {
            out.push(lines);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_define_a_parameter_and_a_comment_each_get_their_widths() {
        // include/linux/fcntl.h (7.2): the value a tab out, where the healer left one space.
        let alts = alternatives("#define VALID_OPENAT2_FLAGS (VALID_OPEN_FLAGS | OPENAT2_REGULAR)");
        assert_eq!(alts.len(), 1);
        assert!(alts[0].contains(&"#define VALID_OPENAT2_FLAGS\t(VALID_OPEN_FLAGS | OPENAT2_REGULAR)".to_string()));
        assert!(!alts[0].contains(&"#define VALID_OPENAT2_FLAGS (VALID_OPEN_FLAGS | OPENAT2_REGULAR)".to_string()));
        // include/linux/gpio/gpio-nomadik.h: a kernel-doc parameter's description a tab out.
        let alts = alternatives(" * @nfunctions: The number of entries in @functions.");
        assert!(alts[0].contains(&" * @nfunctions:\tThe number of entries in @functions.".to_string()));
        // include/linux/dma/imx-dma.h (6.12): a trailing comment spaced to the next stop.
        let alts = alternatives("\tIMX_DMATYPE_HDMI, /* HDMI Audio */");
        assert!(alts
            .iter()
            .flatten()
            .any(|l| l == "\tIMX_DMATYPE_HDMI,       /* HDMI Audio */"));
        // include/linux/vmstat.h: an enum member's trailing comment.
        let alts = alternatives("\tNR_MEMMAP_PAGES, /* page metadata allocated through buddy allocator */");
        assert!(alts
            .iter()
            .flatten()
            .any(|l| l == "\tNR_MEMMAP_PAGES,\t/* page metadata allocated through buddy allocator */"));
    }

    #[test]
    fn a_widened_gap_is_tried_a_tab_narrower_and_single_and_plain_lines_have_none() {
        // include/linux/arch_topology.h (7.2): widened two tabs, the author had one.
        let alts = alternatives("#define arch_cpu_is_threaded()\t\t(0)");
        assert!(alts[0].contains(&"#define arch_cpu_is_threaded()\t(0)".to_string()));
        assert!(alts[0].contains(&"#define arch_cpu_is_threaded() (0)".to_string()));
        assert!(alternatives("\treturn foo(bar);").is_empty());
        // A macro head continued on the next line has no value to align, only its backslash.
        let alts = alternatives("#define F(x) \\");
        assert_eq!(alts.len(), 1);
        assert!(alts[0]
            .iter()
            .all(|l| l.ends_with('\\') && l.starts_with("#define F(x)")));
    }
}
