//! How a continuation line under an open parenthesis is indented: the styles kernel code uses,
//! which the tree's own continuations vote for, and the widest a line is written.

use super::{ends, indent_width, is_control_head, open_parens, split_define, statement_start, Lexed, TAB};

/// How a file's continuation lines stand under an open parenthesis: aligned one column after
/// it (kernel style), with tabs only up to the last tab stop before that column, or a fixed
/// number of tabs deeper than their statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Aligned,
    TabFloor,
    Tabs(usize),
}

impl Style {
    /// Every style the tree's continuations are counted in.
    pub const ALL: [Style; 5] = [
        Style::Aligned,
        Style::TabFloor,
        Style::Tabs(1),
        Style::Tabs(2),
        Style::Tabs(3),
    ];

    /// The column a continuation stands at in this style: `aligned` is one column after its
    /// open parenthesis, `base` the indentation of the statement it continues.
    pub fn column(self, aligned: usize, base: usize) -> usize {
        match self {
            Style::Aligned => aligned,
            Style::TabFloor => (aligned / TAB) * TAB,
            Style::Tabs(k) => base + k * TAB,
        }
    }
}

/// The widest a continuation line is written: of the continuation lines of Debian 6.12's
/// include/linux and kernel/bpf, 59 of 49,581 go past 100 columns (1,006 past 80), so a style
/// that would put the line past it is not the author's.
pub(super) const MAX_COLUMNS: usize = 100;

/// Every continuation style, the likeliest first: by the votes of the nearest continuation
/// lines of the tree (not being rebuilt) around `t`, the majority of up to six, nearest first;
/// kernel style (`Style::ALL` order) among equals and when there are none. A function's
/// head at file level (`base` 0) is continued as the file's other heads are, a statement as
/// its other statements are, when the file has any of the same kind: files that continue
/// calls a tab deeper still align their heads' parameters (bpf_task_storage.c).
pub(super) fn continuation_styles(
    lines: &[String],
    lexed: &Lexed,
    t: usize,
    targets: &[usize],
    base: usize,
) -> Vec<Style> {
    let mut votes: Vec<Style> = Vec::new();
    let mut other_kind: Vec<Style> = Vec::new();
    let lo = t.saturating_sub(150);
    let hi = (t + 150).min(lines.len());
    let mut order: Vec<usize> = (lo..hi)
        .filter(|&j| j != t && targets.binary_search(&j).is_err())
        .collect();
    order.sort_by_key(|&j| j.abs_diff(t));
    for j in order {
        if votes.len() == 6 {
            break;
        }
        if j == 0 || lines[j].trim().is_empty() || lexed.in_comment_before[j] || lines[j].trim_start().starts_with('#')
        {
            continue;
        }
        let p = j - 1;
        let code = lexed.code[p].trim_end();
        if code.is_empty()
            || !(code.ends_with(',') || code.ends_with('(') || code.ends_with("&&") || code.ends_with("||"))
        {
            continue;
        }
        if ends(lines, lexed, p) {
            continue;
        }
        let start = statement_start(lines, lexed, p);
        let Some(col) = open_parens(lexed, start, p).last().copied() else {
            continue;
        };
        let base_j = indent_width(&lines[continued_statement_start(lexed, start, p)]);
        let (aligned, w) = (col + 1, indent_width(&lines[j]));
        let style = if w == aligned {
            Style::Aligned
        } else if w == (aligned / TAB) * TAB && w > base_j {
            Style::TabFloor
        } else if w > base_j && (w - base_j).is_multiple_of(TAB) && (w - base_j) / TAB <= 3 {
            Style::Tabs((w - base_j) / TAB)
        } else {
            continue;
        };
        if (base_j == 0) == (base == 0) {
            votes.push(style);
        } else if other_kind.len() < 6 {
            other_kind.push(style);
        }
    }
    if votes.is_empty() {
        votes = other_kind;
    }
    let count = |s: &Style| votes.iter().filter(|v| *v == s).count();
    let mut ranked = Style::ALL.to_vec();
    // Stable: equal counts keep `Style::ALL`'s order.
    ranked.sort_by_key(|s| std::cmp::Reverse(count(s)));
    ranked
}

/// Where the statement that line `to` continues starts, for measuring its continuations:
/// `start` (from `statement_start`), or the body of an unbraced `if`/`for`/`while` whose
/// head (`start`) closed its parentheses on an earlier line — `statement_start` runs up to
/// the head, so that the line after the body stands where the head stands.
pub(super) fn continued_statement_start(lexed: &Lexed, start: usize, to: usize) -> usize {
    if !is_control_head(&lexed.code[start]) {
        return start;
    }
    for k in start..to {
        if lexed.code[k].trim_end().ends_with(')') && open_parens(lexed, start, k).is_empty() {
            return (k + 1..=to)
                .find(|&b| !lexed.code[b].trim().is_empty())
                .unwrap_or(start);
        }
    }
    start
}

/// Where a macro's first body line starts when its `#define` line holds only the name
/// (`#define F(x) \\`) and the body opens with a word or a parenthesis: where the nearest such
/// macro of the tree starts its body, among those whose body opens the same way (with a
/// parenthesis or not), if in column 0, 8 or 16. Measured on Debian 7.2's include/linux and
/// kernel/bpf, each such macro voted on by its file's nearest other: right for 88.3 %, against
/// 78.6 % for one tab always (725 of the 4,843 start in column 0: whole functions, `(`
/// expressions, `do {`). Where no macro of the tree opens its body the same way, the nearest
/// that opens it otherwise.
pub(super) fn macro_body_column(lines: &[String], t: usize, targets: &[usize], text: &str) -> Option<usize> {
    let name_only = |j: usize| {
        split_define(lines[j].trim_start()).is_some_and(|(_, _, value)| value.trim() == "\\")
            && (j == 0 || !lines[j - 1].trim_end().ends_with('\\'))
    };
    // A body opening with an operator or a comma goes on from something: not a vote's.
    let opens = |s: &str| s.starts_with(|c: char| c == '(' || c == '_' || c.is_ascii_alphabetic());
    if t == 0 || !name_only(t - 1) || !opens(text) {
        return None;
    }
    let is_target = |j: usize| targets.binary_search(&j).is_ok();
    let paren = text.starts_with('(');
    let n = lines.len().saturating_sub(1);
    let by_distance = (1..n).flat_map(|d| [t.checked_sub(1 + d), Some(t - 1 + d).filter(|&j| j < n)]);
    let body_column = |j: usize| indent_width(&lines[j + 1]);
    let tree_macros = by_distance
        .flatten()
        .filter(|&j| !is_target(j) && !is_target(j + 1) && name_only(j))
        .filter(|&j| [0, TAB, 2 * TAB].contains(&body_column(j)));
    let mut nearest_any = None;
    for j in tree_macros {
        if lines[j + 1].trim_start().starts_with('(') == paren {
            return Some(body_column(j));
        }
        nearest_any = nearest_any.or(Some(body_column(j)));
    }
    // No macro of the tree opens its body the same way: the nearest that opens it otherwise
    // still shows the file's depth (bcd.h's `\t\tconst_bcd_is_valid(x)` under macros whose
    // bodies open `\t\t(`). Heal benchmark, archive without `index` lines: +1 / +0 files.
    nearest_any
}
