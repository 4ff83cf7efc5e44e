//! The gap between an added `#define`'s name and its value, read from the tree's other
//! `#define`s, by paragraph (lines between blank lines).
//!
//! Measured on the changes between Debian 6.1, 6.12 and 7.2 under kernel/bpf and
//! include/linux (6,666 added `#define`s with a value): one added to a paragraph that has
//! `#define`s of the tree pads as most of those do (86 % right); a paragraph of added
//! `#define`s only is padded to one column, as often a column the file's other `#define`s use
//! as the first tab stop past its longest name; a lone one, with no other `#define` in its
//! paragraph, is spaced as the file's nearest `#define` is (one space in 47 % of lone ones,
//! so not always a tab). A window of lines around the `#define` instead of its paragraph, and
//! a tab after every lone one, were right for 56 % of them; these rules for 62 %.

use super::indent::{pad, split_define_with_value, width};
use std::ops::Range;

const TAB: usize = 8;

/// How an added `#define`'s value is set off from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueGap {
    /// One space.
    One,
    /// Padded to column `col`, with tabs or with spaces.
    Column { col: usize, tabs: bool },
    /// With the paragraph's other added `#define`s, to one column (`paragraph_column`).
    WithParagraph,
}

impl ValueGap {
    /// The gap after a head `head_width` columns wide; a head that reaches the column gets one
    /// space, as aligned blocks give their longest names.
    pub fn after(self, head_width: usize) -> String {
        match self {
            ValueGap::Column { col, tabs } if head_width < col => pad(head_width, col, tabs),
            _ => " ".into(),
        }
    }
}

/// The lines of the paragraph around `t`: up to the blank lines before and after it.
pub fn paragraph(lines: &[String], t: usize) -> Range<usize> {
    let blank = |j: usize| lines[j].trim().is_empty();
    let start = (0..t).rev().find(|&j| blank(j)).map_or(0, |j| j + 1);
    let end = (t + 1..lines.len()).find(|&j| blank(j)).unwrap_or(lines.len());
    start..end
}

/// A tree `#define` of the paragraph, as a voter: how far from the added one, its head's
/// width, and its value's column and padding (`None`: one space).
struct Voter {
    distance: usize,
    head_width: usize,
    padded: Option<(usize, bool)>,
}

/// A tree line's `#define` with a value: its head's width, and its gap's column and padding
/// (`None` for one space).
fn tree_define(line: &str) -> Option<(usize, Option<(usize, bool)>)> {
    let (head, sep, _) = split_define_with_value(line)?;
    let head_width = width(head, 0);
    if sep == " " {
        return Some((head_width, None));
    }
    Some((head_width, Some((width(sep, head_width), sep.contains('\t')))))
}

/// The gap of the added `#define` at `t` (`targets`: the added lines, ascending; only the
/// tree's lines are asked).
pub fn value_gap(lines: &[String], t: usize, targets: &[usize]) -> ValueGap {
    let added = |j: usize| targets.binary_search(&j).is_ok();
    let span = paragraph(lines, t);
    let tree: Vec<Voter> = span
        .clone()
        .filter(|&j| !added(j))
        .filter_map(|j| {
            tree_define(&lines[j]).map(|(head_width, padded)| Voter {
                distance: j.abs_diff(t),
                head_width,
                padded,
            })
        })
        .collect();
    if !tree.is_empty() {
        return by_vote(&tree);
    }
    let others_added = span
        .filter(|&j| j != t && added(j))
        .any(|j| split_define_with_value(&lines[j]).is_some());
    if others_added {
        return ValueGap::WithParagraph;
    }
    // A lone `#define`: as the nearest of the file's.
    let nearest = super::nearest_around(lines.len(), t, lines.len(), |j| {
        (!added(j)).then(|| tree_define(&lines[j])).flatten()
    });
    match nearest {
        Some((_, Some((col, tabs)))) => {
            let head_width = split_define_with_value(&lines[t]).map_or(0, |(h, _, _)| width(h, 0));
            // A name that reaches its column pads to the next stop the same way.
            let col = if head_width >= col {
                (head_width / TAB + 1) * TAB
            } else {
                col
            };
            ValueGap::Column { col, tabs }
        }
        _ => ValueGap::One,
    }
}

/// The paragraph's padded `#define`s vote for their most common column; those spaced by one space
/// although their name ends before that column (one space short of it at least) vote for one
/// space. The padding is the nearest one's at that column: a paragraph may pad one block with
/// tabs and the next with spaces (include/linux/btf.h in 6.1), and an added line joins the
/// block it stands in.
fn by_vote(tree: &[Voter]) -> ValueGap {
    let padded: Vec<(usize, usize, bool)> = tree
        .iter()
        .filter_map(|v| v.padded.map(|(c, t)| (v.distance, c, t)))
        .collect();
    if padded.is_empty() {
        return ValueGap::One;
    }
    let mut best = (0usize, 0usize);
    for &(_, c, _) in &padded {
        let n = padded.iter().filter(|(_, x, _)| *x == c).count();
        if n > best.1 {
            best = (c, n);
        }
    }
    let col = best.0;
    // One space that reaches the column is the column's padding, not a vote against it.
    let single = tree
        .iter()
        .filter(|v| v.padded.is_none() && v.head_width + 1 < col)
        .count();
    if single > padded.len() {
        return ValueGap::One;
    }
    let tabs = padded
        .iter()
        .filter(|(_, c, _)| *c == col)
        .min_by_key(|(d, _, _)| *d)
        .is_some_and(|&(_, _, t)| t);
    ValueGap::Column { col, tabs }
}

/// The column a paragraph of added `#define`s only (their heads `widest` columns at most)
/// is padded to: the file's most common value column of the tree's padded `#define`s past
/// `widest`, with its padding; else the first tab stop past `widest`, with tabs.
pub fn paragraph_column(lines: &[String], targets: &[usize], widest: usize) -> (usize, bool) {
    let mut counts: Vec<((usize, bool), usize)> = Vec::new();
    for (j, line) in lines.iter().enumerate() {
        if targets.binary_search(&j).is_ok() {
            continue;
        }
        if let Some((_, Some(style))) = tree_define(line) {
            match counts.iter_mut().find(|(s, _)| *s == style) {
                Some((_, n)) => *n += 1,
                None => counts.push((style, 1)),
            }
        }
    }
    counts
        .iter()
        .filter(|((col, _), _)| *col > widest)
        // The most common; of equals, the first in the file.
        .fold(None::<((usize, bool), usize)>, |best, &(s, n)| match best {
            Some((_, m)) if m >= n => best,
            _ => Some((s, n)),
        })
        .map_or(((widest / TAB + 1) * TAB, true), |(s, _)| s)
}

/// The gap between `#define` and the name in `line` (`None`: not a `#define` at column 0).
fn name_gap(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("#define")?;
    let name = rest.trim_start_matches([' ', '\t']);
    let gap = &rest[..rest.len() - name.len()];
    (!gap.is_empty() && !name.is_empty()).then_some(gap)
}

/// The gap after `#define` itself in the added `#define`s at `targets` (ascending) whose mail
/// spaced it by one: as the nearest of the tree's `#define`s in its paragraph has it (some files
/// set a register's fields off from the register: `#define   CPPI5_TR_CSF_EOP`). Measured on
/// include/linux and kernel/bpf of 7.2: where that nearest one has a wider gap (5,391
/// `#define`s), it is right for 85 % (one space for at most 15 %); where it has one space, one
/// space is right for 99 %. Returns the lines changed.
pub fn respace_names(lines: &mut [String], targets: &[usize]) -> Vec<usize> {
    let added = |j: usize| targets.binary_search(&j).is_ok();
    let mut changed = Vec::new();
    for &t in targets {
        if name_gap(&lines[t]) != Some(" ") {
            continue;
        }
        let span = paragraph(lines, t);
        let nearest = span
            .filter(|&j| !added(j))
            .filter_map(|j| name_gap(&lines[j]).map(|gap| (j.abs_diff(t), j > t, gap)))
            .min_by_key(|&(distance, below, _)| (distance, below));
        if let Some((_, _, gap)) = nearest.filter(|&(_, _, gap)| gap != " ") {
            lines[t] = format!("#define{gap}{}", &lines[t]["#define ".len()..]);
            changed.push(t);
        }
    }
    changed
}

/// `line` with the gap after `#define` one space again (what the mail had), its value kept at
/// its column.
pub fn name_spaced_once(line: &str) -> Option<String> {
    let gap = name_gap(line).filter(|&gap| gap != " ")?;
    let respaced = format!("#define {}", &line["#define".len() + gap.len()..]);
    match (split_define_with_value(line), split_define_with_value(&respaced)) {
        (Some((head, sep, _)), Some((new_head, _, value))) if sep != " " => {
            let column = width(sep, width(head, 0));
            let sep = pad(width(new_head, 0), column, sep.contains('\t'));
            Some(format!("{new_head}{sep}{value}"))
        }
        _ => Some(respaced),
    }
}

/// For each run of two or more added `#define`s with values (on consecutive lines, and again
/// across the other added lines between them), the run with every gap written one way, as an
/// author who writes a block at once does. The value's gap: one space, one tab, or tabs or
/// spaces to the column past the run's widest name (a block aligned on itself, not on the
/// tree's neighbours). A trailing comment's gap: as it stands, one space, one tab, or tabs to
/// the column past the run's widest value. Each alternative is the changed lines; those equal
/// to the run as it stands are left out.
pub fn block_alternatives(lines: &[String], targets: &[usize]) -> Vec<Vec<Vec<(usize, String)>>> {
    let added = |j: usize| targets.binary_search(&j).is_ok();
    let defines: Vec<usize> = targets
        .iter()
        .copied()
        .filter(|&t| split_define_with_value(&lines[t]).is_some())
        .collect();
    let mut runs: Vec<Vec<usize>> = Vec::new();
    let mut spans: Vec<Vec<usize>> = Vec::new();
    for &t in &defines {
        match runs.last_mut() {
            Some(run) if run.last().map(|l| l + 1) == Some(t) => run.push(t),
            _ => runs.push(vec![t]),
        }
        match spans.last_mut() {
            Some(span) if span.last().is_some_and(|&l| (l + 1..t).all(added)) => span.push(t),
            _ => spans.push(vec![t]),
        }
    }
    for span in spans {
        if !runs.contains(&span) {
            runs.push(span);
        }
    }
    runs.into_iter()
        .filter(|r| r.len() > 1)
        .map(|run| run_alternatives(lines, &run))
        .filter(|a| !a.is_empty())
        .collect()
}

/// A `#define`'s head, its value's code, and its trailing comment (empty when none).
fn define_parts(line: &str) -> Option<(&str, &str, &str)> {
    let (head, _, value) = split_define_with_value(line)?;
    Some(match value.find("/*").filter(|&i| i > 0) {
        Some(i) => (head, value[..i].trim_end(), &value[i..]),
        None => (head, value, ""),
    })
}

/// How many columns short of the widest name a run is tried aligned at (the two nearest that
/// most of its names reach). In Debian 7.2's include/linux and kernel/bpf, 190 of 6,176 aligned
/// paragraphs of three `#define`s or more have names past their column; those names take one
/// tab (279) more often than one space (180). Heal benchmark with `index` lines: +0 / +1 files.
const OVERFLOW_COLUMNS: usize = 2;

fn run_alternatives(lines: &[String], run: &[usize]) -> Vec<Vec<(usize, String)>> {
    let parts: Vec<(usize, &str, &str, &str)> = run
        .iter()
        .filter_map(|&t| define_parts(&lines[t]).map(|(head, code, comment)| (t, head, code, comment)))
        .collect();
    let heads: Vec<usize> = parts.iter().map(|p| width(p.1, 0)).collect();
    let widest = heads.iter().copied().max().unwrap_or(0);
    let mut value_ways: Vec<Box<dyn Fn(usize) -> String>> = vec![
        Box::new(|_| " ".to_string()),
        Box::new(|_| "\t".to_string()),
        Box::new(move |w| pad(w, (widest / TAB + 1) * TAB, true)),
        Box::new(move |w| pad(w, widest + 1, false)),
    ];
    // A column short of the widest name that most of the run's names reach, the longer ones a
    // tab past their name (rk808.h's RK801 registers at column 40, four names past it).
    let mut col = (widest / TAB) * TAB;
    for _ in 0..OVERFLOW_COLUMNS {
        let fit = heads.iter().filter(|&&h| h < col).count();
        if col == 0 || 2 * fit <= heads.len() || fit == heads.len() {
            break;
        }
        value_ways.push(Box::new(
            move |w| if w < col { pad(w, col, true) } else { "\t".to_string() },
        ));
        col -= TAB;
    }
    let extra = value_ways.len() - 4;
    // The comment's gap as the line has it now (`None`), or written one way: one space, one
    // tab, tabs past the run's widest value (`Some(0..=2)`).
    let comment_gap = |code: &str, way: Option<usize>, widest_code: usize, now: &str, comment: &str| match way {
        _ if comment.is_empty() => String::new(),
        Some(0) => " ".to_string(),
        Some(1) => "\t".to_string(),
        Some(_) => pad(width(code, 0), (widest_code / TAB + 1) * TAB, true),
        None => {
            let before = &now[..now.len() - comment.len()];
            before[before.trim_end().len()..].to_string()
        }
    };
    // Comments as they stand first, then each value way with the comment way that matches it
    // (one space with one space, aligned with aligned), then the other combinations.
    let mut ways: Vec<(usize, Option<usize>)> = (0..4).map(|v| (v, None)).collect();
    ways.extend([(0, Some(0)), (1, Some(1)), (2, Some(2)), (3, Some(2))]);
    for v in 0..4 {
        for c in 0..3 {
            if !ways.contains(&(v, Some(c))) {
                ways.push((v, Some(c)));
            }
        }
    }
    ways.extend((4..4 + extra).map(|v| (v, None)));
    let mut alternatives: Vec<Vec<(usize, String)>> = Vec::new();
    for (value_way, comment_way) in ways {
        let valued: Vec<String> = parts
            .iter()
            .map(|&(_, head, code, _)| format!("{head}{}{code}", value_ways[value_way](width(head, 0))))
            .collect();
        let widest_code = valued.iter().map(|v| width(v, 0)).max().unwrap_or(0);
        let changed: Vec<(usize, String)> = parts
            .iter()
            .zip(&valued)
            .map(|(&(t, _, _, comment), code)| {
                let gap = comment_gap(code, comment_way, widest_code, &lines[t], comment);
                (t, format!("{code}{gap}{comment}"))
            })
            .collect();
        if changed.iter().any(|(t, text)| *text != lines[*t]) && !alternatives.contains(&changed) {
            alternatives.push(changed);
        }
    }
    alternatives
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn an_added_define_pads_as_its_paragraph_does() {
        // include/linux/dcache.h: the flags block pads its values with two tabs.
        let file = lines("#define DCACHE_MISS_TYPE\t\t(0 << 20)\n#define DCACHE_DIRECTORY_TYPE\t\t(2 << 20)\n#define DCACHE_ENTRY_TYPE (7 << 20)");
        assert_eq!(value_gap(&file, 2, &[2]), ValueGap::Column { col: 40, tabs: true });
        assert_eq!(
            value_gap(&file, 2, &[2]).after(width("#define DCACHE_ENTRY_TYPE", 0)),
            "\t\t"
        );
    }

    #[test]
    fn a_paragraph_spaced_by_one_space_outvotes_a_padded_name() {
        let file =
            lines("#define IS_ERR(x) unlikely(x)\n#define MAX_ERRNO 4095\n#define LONG_NAME_X\t1\n#define ADDED 2");
        assert_eq!(value_gap(&file, 3, &[3]), ValueGap::One);
    }

    #[test]
    fn a_lone_define_is_spaced_as_the_nearest_of_the_file() {
        // include/linux/err.h: `IS_ERR_VALUE(x) unlikely(...)` is the nearest; one space.
        let file = lines("#define MAX_ERRNO\t4095\n\n#define IS_ERR_VALUE(x) unlikely(x)\n\nstatic int a;\n\n#define ERR_PTR_PCPU(error) ((void *)(error))");
        assert_eq!(value_gap(&file, 6, &[6]), ValueGap::One);
        let tabbed = lines("#define MAX_ERRNO\t4095\n\nint a;\n\n#define A_VERY_LONG_NAME 1");
        assert_eq!(value_gap(&tabbed, 4, &[4]), ValueGap::Column { col: 32, tabs: true });
    }

    #[test]
    fn a_paragraph_of_added_defines_takes_a_column_of_the_file_past_its_longest_name() {
        let file = lines("#define REG_A\t\t\t0x00\n#define REG_B\t\t\t0x04\n\n#define NEW_A 1\n#define NEW_BB 2");
        assert_eq!(value_gap(&file, 3, &[3, 4]), ValueGap::WithParagraph);
        assert_eq!(paragraph_column(&file, &[3, 4], width("#define NEW_BB", 0)), (32, true));
        assert_eq!(paragraph_column(&file, &[3, 4], 33), (40, true));
    }

    #[test]
    fn the_padding_is_the_nearest_block_s_in_a_paragraph_of_two() {
        // include/linux/btf.h in 6.1: KF_ACQUIRE.. pad with a tab, KF_SLEEPABLE.. with spaces,
        // to the same column; a flag added after KF_DESTRUCTIVE pads with spaces.
        let file = lines(
            "#define KF_ACQUIRE\t(1 << 0) /* a */\n#define KF_RELEASE\t(1 << 1) /* r */\n#define KF_RET_NULL\t(1 << 2) /* n */\n/* Trusted arguments */\n#define KF_TRUSTED_ARGS (1 << 4) /* t */\n#define KF_SLEEPABLE    (1 << 5) /* s */\n#define KF_DESTRUCTIVE  (1 << 6) /* d */\n#define KF_SPIN_LOCK (1 << 7) /* x */",
        );
        assert_eq!(value_gap(&file, 7, &[7]), ValueGap::Column { col: 24, tabs: false });
    }

    #[test]
    fn a_block_of_added_defines_is_offered_gapped_one_way_throughout() {
        // include/linux/init.h, 6.1 -> 6.12: three added `#define`s the healer aligned on the
        // tree's neighbours; their author gave each one tab.
        let file = lines(
            "#else\n#define __meminit\t\t\t__init\n#define __meminitdata    __initdata\n#define __meminitconst   __initconst\n#endif",
        );
        let blocks = block_alternatives(&file, &[1, 2, 3]);
        assert_eq!(blocks.len(), 1);
        let tabbed = vec![
            (1, "#define __meminit\t__init".to_string()),
            (2, "#define __meminitdata\t__initdata".to_string()),
            (3, "#define __meminitconst\t__initconst".to_string()),
        ];
        assert!(blocks[0].contains(&tabbed));
        // include/linux/dim.h, 6.12: two runs split by an added blank line, aligned as one
        // block past its widest name, their comments a tab after the values.
        let file = lines(
            "#define DIM_PROFILE_RX\tBIT(0) /* rx */\n#define DIM_PROFILE_TX\tBIT(1) /* tx */\n\n#define DIM_COALESCE_USEC\tBIT(0) /* usec */\n#define DIM_COALESCE_COMPS\tBIT(2) /* comps */",
        );
        let blocks = block_alternatives(&file, &[0, 1, 2, 3, 4]);
        assert_eq!(blocks.len(), 3, "each run, and the span across the blank line");
        let aligned = vec![
            (0, "#define DIM_PROFILE_RX\t\tBIT(0)\t/* rx */".to_string()),
            (1, "#define DIM_PROFILE_TX\t\tBIT(1)\t/* tx */".to_string()),
            (3, "#define DIM_COALESCE_USEC\tBIT(0)\t/* usec */".to_string()),
            (4, "#define DIM_COALESCE_COMPS\tBIT(2)\t/* comps */".to_string()),
        ];
        assert!(blocks[2].contains(&aligned));
    }

    #[test]
    fn a_block_is_offered_at_a_column_its_longest_names_pass() {
        // include/linux/mfd/rk808.h, 6.12 -> 7.2: the RK801 registers at one column, the
        // names that reach it a tab past them (here column 32, the longest name at 32).
        let file = lines(
            "#define RK801_ID_MSB 0x00\n#define RK801_OTP_VER_REG 0x02\n#define RK801_BUCK1_SLP_VSEL_REG 0x0e\n#define RK801_LDO 0x06",
        );
        let blocks = block_alternatives(&file, &[0, 1, 2, 3]);
        let author = vec![
            (0, "#define RK801_ID_MSB\t\t0x00".to_string()),
            (1, "#define RK801_OTP_VER_REG\t0x02".to_string()),
            (2, "#define RK801_BUCK1_SLP_VSEL_REG\t0x0e".to_string()),
            (3, "#define RK801_LDO\t\t0x06".to_string()),
        ];
        assert!(blocks[0].contains(&author));
    }

    #[test]
    fn an_added_define_sets_its_name_off_as_the_nearest_define_of_its_paragraph() {
        // include/linux/dma/ti-cppi5.h, 6.12: a register's fields are set off by three spaces.
        let mut file = lines(
            "#define CPPI5_TR_CSF_FLAGS_MASK\t\tGENMASK(7, 0)\n#define   CPPI5_TR_CSF_EOL_ADV_MASK\t\tGENMASK(6, 4)\n#define CPPI5_TR_CSF_EOL_ICNT0 BIT(4)\n#define   CPPI5_TR_CSF_EOP\t\t\tBIT(7)\n\n#define CPPI5_X 1",
        );
        assert_eq!(respace_names(&mut file, &[2, 5]), vec![2]);
        assert_eq!(file[2], "#define   CPPI5_TR_CSF_EOL_ICNT0 BIT(4)");
        assert_eq!(file[5], "#define CPPI5_X 1");
        assert_eq!(
            name_spaced_once(&file[2]).as_deref(),
            Some("#define CPPI5_TR_CSF_EOL_ICNT0 BIT(4)")
        );
        // include/linux/usb/typec_tbt.h, 6.12: spaced once again, the value keeps its column.
        assert_eq!(
            name_spaced_once("#define   TBT_CABLE_SPEED(_vdo_)\tFIELD_GET(GENMASK(18, 16), _vdo_)").as_deref(),
            Some("#define TBT_CABLE_SPEED(_vdo_)\t\tFIELD_GET(GENMASK(18, 16), _vdo_)")
        );
    }
}
