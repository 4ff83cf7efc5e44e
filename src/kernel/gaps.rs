//! The widths an aligned gap inside a line could have had, for a line whose runs of blanks an
//! archive collapsed: what the proof search tries when the first guess is not the author's.
//!
//! Measured on the corpus of real changes (Debian 6.1 -> 6.12 and 6.12 -> 7.2, archive damage,
//! with `index` lines), the files that come back one or two lines short of the author's are
//! mostly a `#define`'s value, a kernel-doc parameter's description, a trailing comment or a
//! struct member one tab (or a space) off where the neighbours said nothing or said otherwise.
//! Each gap is tried padded with tabs to each of the next four tab stops, single, two spaces,
//! and a tab wider or narrower than it stands; two gaps of one line together; a block of added
//! lines with the same kind of gap aligned as one; and every added gap of a kind spaced one way
//! (an author's habit holds across the change, and the search pairs only two doubts).

use super::align::{aligned_gap, Kind, KINDS};
use super::indent::{leading, pad, pad_exact, split_define_with_value, width};
use super::prose::{param_head, star_gap};

const TAB: usize = 8;

/// Whole-line replacements (index in the file, text) that together make one alternative.
pub type Edits = Vec<(usize, String)>;

/// A decision about several lines at once: the first of them, and the other ways they could
/// all have stood, likeliest first.
pub type Grouped = (usize, Vec<Edits>);

/// Which gap of a line: one of the kinds `align` rebuilds from neighbours, a `#define`'s value,
/// or a kernel-doc parameter's description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GapKind {
    Aligned(Kind),
    DefineValue,
    ParamText,
}

const GAP_KINDS: [GapKind; 7] = [
    GapKind::Aligned(KINDS[0]),
    GapKind::Aligned(KINDS[1]),
    GapKind::Aligned(KINDS[2]),
    GapKind::Aligned(KINDS[3]),
    GapKind::Aligned(KINDS[4]),
    GapKind::DefineValue,
    GapKind::ParamText,
];

/// Byte range of the gap of `kind` in `line`, if it has one.
fn gap_of(line: &str, kind: GapKind) -> Option<(usize, usize)> {
    match kind {
        GapKind::Aligned(k) => aligned_gap(line, k),
        GapKind::DefineValue => {
            let (head, gap, _) = split_define_with_value(line)?;
            (!gap.is_empty()).then_some((head.len(), head.len() + gap.len()))
        }
        GapKind::ParamText => {
            let (head, after) = param_head(line)?;
            let text = after.trim_start_matches([' ', '\t']);
            (!text.is_empty() && text.len() < after.len())
                .then_some((head.len(), head.len() + after.len() - text.len()))
        }
    }
}

/// Byte ranges of the gaps in `line` that kernel code aligns.
fn gaps(line: &str) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = GAP_KINDS.iter().filter_map(|&k| gap_of(line, k)).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// `line` with its gap `lo..hi` as wide as it might have been, likeliest first (the search
/// pairs the first alternatives of every two doubts before the later ones): the next tab stop,
/// one space, the stop after, two spaces, spaces to the next stop, further stops, spaces to
/// the column it stands at and one either side, a tab wider or narrower than it stands. Never
/// the line itself.
fn widths_at(line: &str, lo: usize, hi: usize) -> Vec<String> {
    let (before, now, after) = (&line[..lo], &line[lo..hi], &line[hi..]);
    let from = width(before, 0);
    let first_stop = (from / TAB + 1) * TAB;
    let stop = |k: usize| pad(from, first_stop + k * TAB, true);
    // Spaces to the next stop: what an editor without tabs writes for the same column.
    let spaces = pad(from, first_stop, false);
    let mut widths: Vec<String> = vec![stop(0), " ".into(), stop(1), "  ".into(), spaces, stop(2), stop(3)];
    // The column it stands at in spaces, and one column either side: an author aligning by eye
    // with spaces (include/linux/hdmi.h's `HDMI_MAX_INFOFRAME_SIZE    27`, one short).
    let col = width(&line[..hi], 0);
    for c in [col, col.saturating_sub(1), col + 1] {
        if c > from {
            widths.push(pad(from, c, false));
        }
    }
    if now.contains('\t') {
        widths.push(format!("{now}\t"));
        if let Some(narrower) = now.strip_prefix('\t').filter(|n| !n.is_empty()) {
            widths.push(narrower.to_string());
        }
    }
    regapped(before, now, after, widths)
}

/// `before` + each of `widths` + `after`, once each, leaving out the gap as it is (`now`).
fn regapped(before: &str, now: &str, after: &str, widths: Vec<String>) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for w in widths {
        let alt = format!("{before}{w}{after}");
        if w != now && !lines.contains(&alt) {
            lines.push(alt);
        }
    }
    lines
}

/// How many of a gap's likeliest widths are combined with another gap's of the same line.
const COMBINED: usize = 4;

/// For each aligned gap of `line`, the line with that gap as wide as it might have been (never
/// the line itself); gaps with no other width are left out. A line with two gaps or more (a
/// `#define`'s value and its trailing comment) also gets, for each two of them, the lines with
/// both changed (their likeliest widths): two doubts of one line cannot be paired, as each
/// replaces the whole line.
pub fn alternatives(line: &str) -> Vec<Vec<String>> {
    let found = gaps(line);
    let mut out: Vec<Vec<String>> = found
        .iter()
        .map(|&(lo, hi)| widths_at(line, lo, hi))
        .filter(|l| !l.is_empty())
        .collect();
    for a in 0..found.len() {
        for b in a + 1..found.len() {
            let mut both: Vec<String> = Vec::new();
            for first in widths_at(line, found[a].0, found[a].1).into_iter().take(COMBINED) {
                // The first change moves the second gap: find it again by its rank.
                let again = gaps(&first);
                if again.len() != found.len() {
                    continue;
                }
                let (lo, hi) = again[b];
                for alt in widths_at(&first, lo, hi).into_iter().take(COMBINED) {
                    if alt != line && !both.contains(&alt) {
                        both.push(alt);
                    }
                }
            }
            if !both.is_empty() {
                out.push(both);
            }
        }
    }
    out
}

/// A kernel-doc parameter line with its description's gap as wide as it might have been,
/// likeliest first (empty for any other line).
pub fn param_text_widths(line: &str) -> Vec<String> {
    gap_of(line, GapKind::ParamText).map_or_else(Vec::new, |(lo, hi)| widths_at(line, lo, hi))
}

/// The last resort for a line no rule or neighbour speaks for: each run of blanks between its
/// words as a tab, two spaces or one (whichever it is not), and its indentation in spaces of
/// the same width. In the corpus, the files one line short of proof with `index` lines are
/// mostly such a gap (`unsigned int\tvc_bracketed_paste`, `memcpy(&a,  &b`, `#define  X`):
/// an author's habit that the archive's collapse erased and nothing in the tree recalls.
pub fn inner_alternatives(line: &str) -> Vec<String> {
    let lead = leading(line);
    let body = line.trim_end_matches([' ', '\t']);
    let mut out = Vec::new();
    if lead.contains('\t') {
        out.push(format!("{}{}", " ".repeat(width(lead, 0)), &line[lead.len()..]));
    }
    for (start, end) in blank_runs(line) {
        for width in ["\t", "  ", " "] {
            if &body[start..end] != width {
                out.push(format!("{}{width}{}", &line[..start], &line[end..]));
            }
        }
    }
    out
}

/// Byte ranges of the runs of blanks between the words of `line` (not its indentation, nor
/// its trailing blanks).
fn blank_runs(line: &str) -> Vec<(usize, usize)> {
    let body = line.trim_end_matches([' ', '\t']);
    let mut runs = Vec::new();
    let mut at = leading(line).len();
    while let Some(start) = body[at..].find([' ', '\t']).map(|k| at + k) {
        let end = body[start..]
            .find(|c| c != ' ' && c != '\t')
            .map_or(body.len(), |k| start + k);
        runs.push((start, end));
        at = end;
    }
    runs
}

/// `line` with its `k`-th run of blanks between words counted from its end (1: the last) made
/// `width`; `None` when it has fewer runs or that run is already so.
pub fn gap_from_end_as(line: &str, k: usize, width: &str) -> Option<String> {
    let runs = blank_runs(line);
    let &(start, end) = runs.len().checked_sub(k).and_then(|i| runs.get(i))?;
    (&line[start..end] != width).then(|| format!("{}{width}{}", &line[..start], &line[end..]))
}

/// A comment line's text indented inside the comment as the archive could not show: under
/// each word of the line above (in spaces, or tabs then spaces), two to eight spaces after the
/// star, or two tabs. Measured on include/linux (7.2), three in four comment lines indented
/// inside stand under a word of the line above (a list's continuation, a table's column, a
/// code example's block).
pub fn comment_text_alternatives(line: &str, above: &str) -> Vec<String> {
    let Some((star, gap)) = star_gap(line) else {
        return Vec::new();
    };
    let from = width(star, 0);
    let text = &line[star.len() + gap.len()..];
    let mut widths: Vec<String> = Vec::new();
    let mut col = 0;
    let mut prev_blank = true;
    for c in above.chars() {
        let blank = c == ' ' || c == '\t';
        if !blank && prev_blank && col > from + 1 {
            widths.push(pad(from, col, false));
            widths.push(pad_exact(from, col));
        }
        prev_blank = blank;
        col = if c == '\t' { (col / TAB + 1) * TAB } else { col + 1 };
    }
    widths.extend((2..=8).map(|n| " ".repeat(n)));
    widths.push("\t\t".into());
    regapped(star, gap, text, widths)
}

/// A block of consecutive added lines with the same kind of gap (and, but for a macro's `\`
/// and a trailing comment, the same indentation) is usually aligned as one: a table of
/// `#define`s, an enum's `=`, a struct's member names, a kernel-doc parameter list. For each
/// such block of two lines or more, the first line and the ways the whole block could have
/// been aligned (tabs to each of the three tab stops after its widest head, spaces to one past
/// the widest head or to the first stop, two spaces or one on every line), each as the lines
/// it changes. One such doubt stands for what would otherwise take as many doubts as the
/// block has lines, which the search (single and paired doubts) could not combine.
pub fn block_alternatives(lines: &[String], targets: &[usize]) -> Vec<Grouped> {
    let mut out = Vec::new();
    for kind in GAP_KINDS {
        let keeps_indent = !matches!(kind, GapKind::Aligned(Kind::Backslash | Kind::Comment));
        let mut k = 0;
        while k < targets.len() {
            let first = targets[k];
            if gap_of(&lines[first], kind).is_none() {
                k += 1;
                continue;
            }
            let mut end = k;
            while end + 1 < targets.len()
                && targets[end + 1] == targets[end] + 1
                && gap_of(&lines[targets[end + 1]], kind).is_some()
                && (!keeps_indent || leading(&lines[targets[end + 1]]) == leading(&lines[first]))
            {
                end += 1;
            }
            if end > k {
                let alts = block_widths(lines, &targets[k..=end], kind);
                if !alts.is_empty() {
                    out.push((first, alts));
                }
            }
            k = end + 1;
        }
    }
    out
}

/// An author spaces one kind of gap one way throughout a change: for each kind of gap that
/// two or more added lines have (not necessarily next to each other), the first of them and
/// the ways all of them could have stood at once, each on its own (not aligned with the
/// others): one tab stop out, a single space.
pub fn file_alternatives(lines: &[String], targets: &[usize]) -> Vec<Grouped> {
    let mut out = Vec::new();
    for kind in GAP_KINDS {
        let rows: Vec<(usize, usize, usize)> = targets
            .iter()
            .filter_map(|&j| gap_of(&lines[j], kind).map(|(lo, hi)| (j, lo, hi)))
            .collect();
        if rows.len() < 2 {
            continue;
        }
        let mut alts: Vec<Edits> = Vec::new();
        // One tab reaches the next tab stop from any column.
        for w in ["\t", " "] {
            let changes: Edits = rows
                .iter()
                .filter_map(|&(j, lo, hi)| {
                    let line = format!("{}{w}{}", &lines[j][..lo], &lines[j][hi..]);
                    (line != lines[j]).then_some((j, line))
                })
                .collect();
            if !changes.is_empty() {
                alts.push(changes);
            }
        }
        if !alts.is_empty() {
            out.push((rows[0].0, alts));
        }
    }
    out
}

/// How a block's gaps may have been padded.
#[derive(Debug, Clone, Copy)]
enum BlockWidth {
    /// To this column, with tabs or with spaces.
    Column(usize, bool),
    /// This many spaces on every line, unaligned (`* @size:  Size`).
    Spaces(usize),
}

/// The candidate widths of a block whose widest head ends at column `widest`, likeliest first.
fn block_widths_for(widest: usize) -> [BlockWidth; 7] {
    let first_stop = (widest / TAB + 1) * TAB;
    [
        BlockWidth::Column(first_stop, true),
        BlockWidth::Column(widest + 1, false),
        BlockWidth::Column(first_stop + TAB, true),
        BlockWidth::Column(first_stop, false),
        BlockWidth::Spaces(2),
        BlockWidth::Column(first_stop + 2 * TAB, true),
        BlockWidth::Spaces(1),
    ]
}

/// `texts` with the gap of `kind` padded the `pick`th candidate way for the block; None when a
/// line lacks the gap.
fn pad_block(texts: &[String], kind: GapKind, pick: usize) -> Option<Vec<String>> {
    let heads: Vec<(usize, usize, usize)> = texts
        .iter()
        .map(|t| gap_of(t, kind).map(|(lo, hi)| (lo, hi, width(&t[..lo], 0))))
        .collect::<Option<_>>()?;
    let widest = heads.iter().map(|h| h.2).max().unwrap_or(0);
    let how = block_widths_for(widest)[pick];
    Some(
        texts
            .iter()
            .zip(&heads)
            .map(|(t, &(lo, hi, from))| {
                let w = match how {
                    BlockWidth::Column(column, tabs) => pad(from, column, tabs),
                    BlockWidth::Spaces(n) => " ".repeat(n),
                };
                let w = if w.is_empty() { " ".to_string() } else { w };
                format!("{}{w}{}", &t[..lo], &t[hi..])
            })
            .collect(),
    )
}

/// The ways the block `rows` could have been aligned by its gaps of `kind` (see
/// `block_alternatives`), each as the lines it changes: each candidate column for those gaps
/// alone, then with the block's later gaps (a trailing comment after an aligned `=`) aligned
/// the same way. Alternatives that change nothing are left out.
fn block_widths(lines: &[String], rows: &[usize], kind: GapKind) -> Vec<Edits> {
    let texts: Vec<String> = rows.iter().map(|&j| lines[j].clone()).collect();
    let later: Vec<GapKind> = GAP_KINDS.iter().skip_while(|&&k| k != kind).skip(1).copied().collect();
    let mut candidates: Vec<Vec<String>> = Vec::new();
    for pick in 0..block_widths_for(0).len() {
        let Some(padded) = pad_block(&texts, kind, pick) else {
            continue;
        };
        let mut all = padded.clone();
        candidates.push(padded);
        for &k in &later {
            if let Some(next) = pad_block(&all, k, pick) {
                all = next;
            }
        }
        candidates.push(all);
    }
    let mut out: Vec<Edits> = Vec::new();
    for candidate in candidates {
        let changes: Edits = rows
            .iter()
            .zip(candidate)
            .filter(|(&j, t)| *t != lines[j])
            .map(|(&j, t)| (j, t))
            .collect();
        if !changes.is_empty() && !out.contains(&changes) {
            out.push(changes);
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

    fn changed(lines: &[String], alt: &[(usize, String)]) -> Vec<String> {
        let mut out = lines.to_vec();
        alt.iter().for_each(|(j, t)| out[*j] = t.clone());
        out
    }

    #[test]
    fn a_gap_aligned_by_eye_with_spaces_is_tried_a_column_short() {
        // include/linux/hdmi.h (6.12): the healer padded the value to column 36 with spaces as
        // the neighbours do; the author's line stops one column short.
        let alts = alternatives("#define HDMI_MAX_INFOFRAME_SIZE     27");
        assert!(alts[0].contains(&"#define HDMI_MAX_INFOFRAME_SIZE    27".to_string()));
        assert!(alts[0].contains(&"#define HDMI_MAX_INFOFRAME_SIZE      27".to_string()));
    }

    #[test]
    fn a_block_of_added_lines_is_tried_aligned_as_one() {
        // include/linux/cgroup.h (6.12): an enum's `=` and trailing comments, both spaced one
        // past the widest name; the archive left single spaces.
        let lines: Vec<String> = [
            "\tCSS_TASK_ITER_PROCS = (1U << 0), /* walk only threadgroup leaders */",
            "\tCSS_TASK_ITER_THREADED = (1U << 1), /* walk all threaded css_sets in the domain */",
            "\tCSS_TASK_ITER_SKIPPED = (1U << 16), /* internal flags */",
        ]
        .map(String::from)
        .to_vec();
        let truth = [
            "\tCSS_TASK_ITER_PROCS    = (1U << 0),  /* walk only threadgroup leaders */",
            "\tCSS_TASK_ITER_THREADED = (1U << 1),  /* walk all threaded css_sets in the domain */",
            "\tCSS_TASK_ITER_SKIPPED  = (1U << 16), /* internal flags */",
        ];
        let blocks = block_alternatives(&lines, &[0, 1, 2]);
        assert!(blocks
            .iter()
            .any(|(first, alts)| *first == 0 && alts.iter().any(|a| changed(&lines, a) == truth)));
        // kernel/bpf/stackmap.c (7.2): kernel-doc parameters two spaces out, unaligned.
        let lines: Vec<String> = [" * @size: Size of the buffer", " * @elem_size: Size of each element"]
            .map(String::from)
            .to_vec();
        let blocks = block_alternatives(&lines, &[0, 1]);
        assert!(blocks.iter().any(|(_, alts)| alts
            .iter()
            .any(|a| changed(&lines, a) == [" * @size:  Size of the buffer", " * @elem_size:  Size of each element"])));
        // A lone line is no block.
        assert!(block_alternatives(&lines, &[0]).is_empty());
    }

    #[test]
    fn every_added_define_of_a_file_is_tried_spaced_one_way() {
        // Two lone `#define`s far apart in one change: an author who wrote one with a tab wrote
        // both so.
        let mut lines: Vec<String> = vec!["#define A_LIMIT 8".into()];
        lines.extend((0..20).map(|i| format!("int x{i};")));
        lines.push("#define B_SUFFIX \"__nullable\"".into());
        let alts = file_alternatives(&lines, &[0, 21]);
        assert_eq!(alts.len(), 1);
        assert_eq!(
            alts[0].1[0],
            vec![
                (0, "#define A_LIMIT\t8".to_string()),
                (21, "#define B_SUFFIX\t\"__nullable\"".to_string())
            ]
        );
    }

    #[test]
    fn two_gaps_of_one_line_are_tried_changed_together() {
        // include/linux/stat.h (6.12): the value two tabs out and the comment a tab out.
        let alts = alternatives("#define STATX_CHANGE_COOKIE\t0x40000000U /* Want/got stx_change_attr */");
        assert!(alts
            .iter()
            .flatten()
            .any(|l| l == "#define STATX_CHANGE_COOKIE\t\t0x40000000U\t/* Want/got stx_change_attr */"));
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

    #[test]
    fn every_gap_between_words_is_tried_as_a_tab_two_spaces_and_one() {
        let alts = inner_alternatives("\tunsigned int vc_bracketed_paste : 1;  ");
        assert!(alts.contains(&"\tunsigned int\tvc_bracketed_paste : 1;  ".to_string()));
        assert!(alts.contains(&"\tunsigned  int vc_bracketed_paste : 1;  ".to_string()));
        assert!(alts.contains(&"        unsigned int vc_bracketed_paste : 1;  ".to_string()));
        // Four gaps, two other widths each, and the indentation in spaces; the trailing blanks
        // are no gap, and the line itself is never among them.
        assert_eq!(alts.len(), 9);
        assert!(!alts.iter().any(|a| a == "\tunsigned int vc_bracketed_paste : 1;  "));
        let spaced = inner_alternatives("#define  X\t\t1");
        assert!(spaced.contains(&"#define X\t\t1".to_string()));
        assert!(spaced.contains(&"#define  X\t1".to_string()));
    }

    #[test]
    fn a_comment_line_is_tried_under_each_word_of_the_line_above() {
        // include/linux/sys_soc.h (7.2): a parameter's description continued under its text.
        let above = " * @data: Data to be passed to the match function, here";
        let alts = comment_text_alternatives(" * the soc_device_attribute structure", above);
        assert!(alts.contains(&" *        the soc_device_attribute structure".to_string()));
        assert!(alts.contains(&" *\t  the soc_device_attribute structure".to_string()));
        assert!(alts.contains(&" *     the soc_device_attribute structure".to_string()));
        assert!(!alts.contains(&" * the soc_device_attribute structure".to_string()));
        assert!(comment_text_alternatives("\treturn 0;", above).is_empty());
    }
}
