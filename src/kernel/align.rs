//! Alignment inside lines, rebuilt from the neighbours, for added lines whose runs of blanks an
//! archive collapsed to single spaces.
//!
//! Kernel code aligns four things with runs of tabs or spaces: trailing comments
//! (`int a;\t\t/* … */`), the `\` that continues a macro, the names of declarations in a
//! struct or a block (`u32\t\t\tflags;`), and the `=` of an initializer or an enum
//! (`.map_alloc\t= array_map_alloc,`). A collapsed gap of one of these kinds is widened to the
//! column where the nearest neighbours that have the same kind of gap put it, with their
//! padding (tabs or spaces) — never past a line that already reaches that column. Lines the
//! neighbours say nothing about keep their single spaces.

use super::define_gap;
use super::indent::{
    indent_width, leading, pad_exact, split_define, split_define_with_value, width, DECLARATION_ANNOTATIONS,
};

const TAB: usize = 8;
/// How many non-blank lines above and below are asked.
const REACH: usize = 6;
/// How many of them vote on a member's name gap. Heal benchmark, archive without `index`
/// lines: 5 voters +4 / +4 files identical and +18 / +16 added lines exact against the
/// nearest aligned member alone; 2 voters +1 / +22 lines; all kinds voting, fewer lines.
const NAME_VOTERS: usize = 5;

/// The kinds of aligned gap, each found by where in the line the gap is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Comment,
    Backslash,
    Name,
    Equals,
    /// A declaration's trailing lock annotation (`…(rwlock_t *lock)\t__acquires(lock);`): the
    /// lock headers align them in a column. Heal benchmark, archive without `index` lines:
    /// +0 / +1 files identical; with: +1 / +2 files proven.
    Annotation,
}

/// In the order a line is widened: a member's name, an item's `=` and a declaration's
/// annotation before the trailing comment and the `\` after them, which move with every gap
/// widened before them.
pub const KINDS: [Kind; 5] = [
    Kind::Name,
    Kind::Equals,
    Kind::Annotation,
    Kind::Comment,
    Kind::Backslash,
];

/// Where a trailing comment starts in `code` (a line without its indentation), if outside a
/// string.
fn comment_at(code: &str) -> Option<usize> {
    let at = code.find("/*").or_else(|| code.find("//"))?;
    code[..at].matches('"').count().is_multiple_of(2).then_some(at)
}

/// Byte range of the gap of `kind` in `line` (the whitespace before the aligned token), if the
/// line has one.
fn gap(line: &str, kind: Kind) -> Option<(usize, usize)> {
    let body_start = leading(line).len();
    let code = &line[body_start..];
    if code.is_empty() {
        return None;
    }
    let token_at = match kind {
        Kind::Comment => {
            if code.starts_with("/*") || code.starts_with("//") || code.starts_with('*') {
                return None;
            }
            // A comment inside a string is not one.
            comment_at(code)?
        }
        Kind::Backslash => {
            if !code.ends_with('\\') || code.len() < 2 {
                return None;
            }
            code.len() - 1
        }
        Kind::Name => {
            // A member with a comment after it aligns its name as one without.
            let c = code[..comment_at(code).unwrap_or(code.len())].trim_end();
            let declaration = (c.ends_with(';') || c.ends_with(','))
                && !c.contains('=')
                && !c.starts_with("return")
                && !c.starts_with('#')
                && !c.starts_with("case ")
                && !c.starts_with("typedef ");
            if !declaration {
                return None;
            }
            // Or one whose parameters go on on the next lines (`int (*set_cap)(struct t *t,`).
            let continued = c.ends_with(',') && c.matches('(').count() > c.matches(')').count();
            match c.find("(*") {
                // A function pointer member, `void\t\t(*teardown)(struct i2c_client *c);`: its
                // name starts at the parenthesis.
                Some(at) if (c.ends_with(");") || continued) && at > 0 && !c[..at].contains('(') => at,
                _ => match attributed_name(c) {
                    Some(at) => at,
                    None if c.contains('(') => return None,
                    None => c.rfind([' ', '\t'])? + 1,
                },
            }
        }
        Kind::Annotation => {
            let c = code[..comment_at(code).unwrap_or(code.len())].trim_end();
            if !c.ends_with(';') || c.starts_with('#') {
                return None;
            }
            // The last annotation after a blank, its arguments may hold blanks too.
            let at = DECLARATION_ANNOTATIONS
                .iter()
                .flat_map(|a| c.match_indices(a).map(|(i, _)| i))
                .filter(|&i| c[..i].ends_with([' ', '\t']))
                .max()?;
            if !c[..at].trim_end().ends_with(')') {
                return None;
            }
            at
        }
        Kind::Equals => {
            // Only list items (initializers, enums) align their `=`; assignments in code do not.
            // An item with a comment after it aligns its `=` as one without.
            let item = code[..comment_at(code).unwrap_or(code.len())].trim_end();
            if code.starts_with('#') || code.starts_with("/*") || code.starts_with('*') || !item.ends_with(',') {
                return None;
            }
            let at = code.find('=')?;
            let next = code[at + 1..].chars().next();
            let prev = code[..at].chars().last();
            // `==`, `!=`, `<=`, `+=` are not the aligned `=`.
            if next == Some('=') || prev.is_some_and(|p| "=!<>+-*/%&|^".contains(p)) {
                return None;
            }
            if code[..at].matches('"').count() % 2 == 1 {
                return None;
            }
            at
        }
    };
    let abs = body_start + token_at;
    let before = line[..abs].trim_end_matches([' ', '\t']);
    if before.len() <= body_start {
        return None;
    }
    Some((before.len(), abs))
}

/// The attributes with parentheses that follow a member's name; a prototype's name
/// (`extern void __put_page(struct page *page);`) is none of them.
const MEMBER_ATTRIBUTES: [&str; 7] = [
    "__counted_by",
    "__counted_by_le",
    "__counted_by_be",
    "__sized_by",
    "__aligned",
    "__guarded_by",
    "__pt_guarded_by",
];

/// Where the name of a member with an attribute after it starts (`struct page *\t\tsk_pages[]
/// __counted_by(sk_maxpages);`, `u64 x __aligned(8);`): the attribute's parentheses are not a
/// function's. Heal benchmark, archive without `index` lines: +1 / +1 files identical.
fn attributed_name(c: &str) -> Option<usize> {
    let body = c.strip_suffix([';', ','])?.strip_suffix(')')?;
    let before = body[..body.rfind('(')?].trim_end();
    let attribute_at = before.rfind([' ', '\t'])? + 1;
    let attribute = &before[attribute_at..];
    let declaration = before[..attribute_at].trim_end();
    if !MEMBER_ATTRIBUTES.contains(&attribute) || declaration.contains('(') {
        return None;
    }
    Some(declaration.rfind([' ', '\t'])? + 1)
}

/// Byte range of the gap of `kind` in `line` (the whitespace before the aligned token),
/// whatever its width now.
pub fn aligned_gap(line: &str, kind: Kind) -> Option<(usize, usize)> {
    gap(line, kind)
}

/// What a neighbour says about a gap: the column its token starts at, and whether the gap is
/// padded with tabs. Only wide gaps (a tab, or two spaces or more) say anything.
fn evidence(line: &str, kind: Kind) -> Option<(usize, bool)> {
    let (lo, hi) = gap(line, kind)?;
    let g = &line[lo..hi];
    if g == " " || g.is_empty() {
        return None;
    }
    Some((width(&line[..hi], 0), g.contains('\t')))
}

fn pad(from_col: usize, to_col: usize, tabs: bool) -> String {
    if from_col >= to_col {
        return " ".to_string();
    }
    if !tabs {
        return " ".repeat(to_col - from_col);
    }
    pad_exact(from_col, to_col)
}

/// The end of `#define NAME` (or `# define NAME`) and where its value starts, for a macro whose
/// value follows one space on the same line.
fn define_head(line: &str) -> Option<(usize, usize)> {
    let (head, sep, _) = split_define_with_value(line)?;
    (sep == " ").then_some((head.len(), head.len() + 1))
}

/// Runs of added lines the neighbours say nothing about, aligned as most kernel code aligns
/// them: a paragraph of added `#define`s with no `#define` of the tree in it takes its values
/// to one column (`define_gap::paragraph_column`); a macro all of whose lines are added sets
/// its backslashes as the tree's nearest macro does (`tree_macro_backslashes`), else at
/// the first tab stop past its longest line (measured on the changes between Debian 6.12 and
/// 7.2: 64 % of macro lines pad their `\` with tabs).
fn align_blocks(lines: &mut [String], targets: &[usize], whole_macros: &[(usize, usize)], changed: &mut Vec<usize>) {
    let is_target = |j: usize| targets.binary_search(&j).is_ok();
    let mut done_until = 0;
    for &t in targets {
        if t < done_until || define_head(&lines[t]).is_none() {
            continue;
        }
        let span = define_gap::paragraph(lines, t);
        done_until = span.end;
        let tree_define = span
            .clone()
            .any(|j| !is_target(j) && split_define_with_value(&lines[j]).is_some());
        let block: Vec<usize> = span
            .filter(|&j| is_target(j) && define_head(&lines[j]).is_some())
            .collect();
        if tree_define || block.len() < 2 {
            continue;
        }
        let widest = block
            .iter()
            .filter_map(|&j| define_head(&lines[j]).map(|(h, _)| width(&lines[j][..h], 0)))
            .max()
            .unwrap_or(0);
        let (col, tabs) = define_gap::paragraph_column(lines, targets, widest);
        for &j in &block {
            let (h, v) = define_head(&lines[j]).expect("checked above");
            lines[j] = format!(
                "{}{}{}",
                &lines[j][..h],
                pad(width(&lines[j][..h], 0), col, tabs),
                &lines[j][v..]
            );
            changed.push(j);
        }
    }
    // Read once for all the whole macros of the file, and only when there is one.
    let tree_macros = if whole_macros.is_empty() {
        Vec::new()
    } else {
        tree_macro_backslashes(lines, targets)
    };
    for &(k, end) in whole_macros {
        let continued: Vec<usize> = targets[k..=end]
            .iter()
            .copied()
            .filter(|&j| lines[j].ends_with(" \\"))
            .collect();
        // Left be when the neighbours set its head's backslash; the lines they set keep theirs
        // (measured: aligning the others still gains).
        let single = lines[targets[k]].ends_with(" \\")
            && continued
                .iter()
                .all(|&j| !lines[j][..lines[j].len() - 2].ends_with([' ', '\t']));
        if !single || continued.is_empty() {
            continue;
        }
        let widest = continued
            .iter()
            .map(|&j| width(&lines[j][..lines[j].len() - 2], 0))
            .max()
            .unwrap_or(0);
        let nearest = tree_macros
            .iter()
            .min_by_key(|&&(start, _)| start.abs_diff(targets[k]))
            .map(|&(_, style)| style);
        let col = match nearest {
            Some(Backslashes::Single) => continue,
            Some(Backslashes::Column(col)) if col > widest => col,
            _ => (widest / TAB + 1) * TAB,
        };
        for &j in &continued {
            let body = &lines[j][..lines[j].len() - 2];
            lines[j] = format!("{body}{}\\", pad(width(body, 0), col, true));
            changed.push(j);
        }
    }
}

/// Macros written whole by the mail: runs of consecutive added lines from a `#define` head whose
/// backslash follows one space, each but the last ending `\`; as (first, last) indices into
/// `targets`.
fn whole_macros(lines: &[String], targets: &[usize]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut k = 0;
    while k < targets.len() {
        let t = targets[k];
        if split_define(&lines[t]).is_none() || !lines[t].ends_with(" \\") || (t > 0 && lines[t - 1].ends_with('\\')) {
            k += 1;
            continue;
        }
        let mut end = k;
        while end + 1 < targets.len() && targets[end + 1] == targets[end] + 1 && lines[targets[end]].ends_with('\\') {
            end += 1;
        }
        out.push((k, end));
        k = end + 1;
    }
    out
}

/// How a macro of the tree sets its line-continuing backslashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backslashes {
    /// One space before each.
    Single,
    /// All at one column, padded with tabs (and spaces after them).
    Column(usize),
}

/// The tree's macros (none of their lines a target) that are single-spaced or tab-aligned at
/// one column before their backslashes, as (head line, how). A whole added macro sets its
/// backslashes as the nearest of them does: a file's macros mostly agree. Measured on the
/// macros of include/linux and kernel/bpf in Debian 7.2, the nearest macro's way gives a whole
/// macro's backslashes right for 64 % of macros of several continued lines and 76 % of one
/// (the first tab stop past the longest line: 27 % and 11 %).
fn tree_macro_backslashes(lines: &[String], targets: &[usize]) -> Vec<(usize, Backslashes)> {
    let is_target = |j: usize| targets.binary_search(&j).is_ok();
    let mut macros: Vec<(usize, Backslashes)> = Vec::new();
    let mut j = 0;
    while j < lines.len() {
        let starts =
            split_define(&lines[j]).is_some() && lines[j].ends_with('\\') && (j == 0 || !lines[j - 1].ends_with('\\'));
        if !starts {
            j += 1;
            continue;
        }
        let start = j;
        while j < lines.len() && lines[j].ends_with('\\') {
            j += 1;
        }
        // The macro's last line (without a backslash) ends it.
        let end = (j + 1).min(lines.len());
        if (start..end).any(is_target) {
            continue;
        }
        let gaps: Vec<(&str, usize)> = lines[start..j]
            .iter()
            .map(|l| {
                let code = &l[..l.len() - 1];
                let body = code.trim_end_matches([' ', '\t']);
                (&code[body.len()..], width(code, 0))
            })
            .collect();
        let style = if gaps.iter().all(|(g, _)| *g == " ") {
            Some(Backslashes::Single)
        } else {
            let col = gaps[0].1;
            let tabbed = |g: &str| g.starts_with('\t') && g.trim_start_matches('\t').bytes().all(|b| b == b' ');
            gaps.iter()
                .all(|&(g, c)| c == col && tabbed(g))
                .then_some(Backslashes::Column(col))
        };
        if let Some(style) = style {
            macros.push((start, style));
        }
    }
    macros
}

/// Widen the collapsed gaps of `targets` (indices into `lines`, ascending) to their neighbours'
/// columns, then align the blocks they say nothing about. Returns the lines changed.
pub fn realign(lines: &mut [String], targets: &[usize]) -> Vec<usize> {
    // Found before the neighbours widen any gap; a macro whose head's backslash they set is
    // left be (`align_blocks`).
    let whole = whole_macros(lines, targets);
    let mut changed = realign_by_neighbours(lines, targets);
    align_blocks(lines, targets, &whole, &mut changed);
    align_lone_backslashes(lines, targets, &mut changed);
    changed.sort();
    changed.dedup();
    changed
}

/// An added line that is only a macro's `\\` (an empty line of its body) stands at the column
/// of the nearest backslash of its macro that a wide gap sets, with its padding.
fn align_lone_backslashes(lines: &mut [String], targets: &[usize], changed: &mut Vec<usize>) {
    for &t in targets {
        if lines[t].trim() != "\\" || t == 0 || !lines[t - 1].ends_with('\\') {
            continue;
        }
        let above = (0..t).rev().take_while(|&j| lines[j].ends_with('\\'));
        let below = (t + 1..lines.len()).take_while(|&j| lines[j - 1].ends_with('\\'));
        let mut near: Vec<usize> = above.chain(below).collect();
        near.sort_by_key(|&j| j.abs_diff(t));
        let Some((col, tabs)) = near.iter().find_map(|&j| evidence(&lines[j], Kind::Backslash)) else {
            continue;
        };
        let new = format!("{}\\", pad(0, col, tabs));
        if new != lines[t] {
            lines[t] = new;
            changed.push(t);
        }
    }
}

/// `#endif` or `#else` (what a trailing comment names the condition of).
fn closes_conditional(line: &str) -> bool {
    let Some(directive) = line.strip_prefix('#') else {
        return false;
    };
    let word = directive.trim_start();
    word.starts_with("endif") || word.starts_with("else")
}

/// The comment after an `#endif` or `#else` names its condition; it is not aligned with the
/// neighbours' trailing comments. It follows the file's own `#endif`s and `#else`s: where
/// most of theirs (not being rebuilt), and three at least, have a wide gap, as the nearest of
/// those has it; otherwise one space. Measured on Debian 7.2's include/linux and kernel: 4,171
/// one space, 394 a tab, 95 spaces; the file's majority is right for 92 %. Heal benchmark,
/// archive without `index` lines: +0 / +1 files identical, +6 / +2 added lines exact (with
/// one wide `#endif` enough, the include guard's: -0 / -1 files).
fn conditional_comment_habit<'a>(lines: &'a [String], t: usize, targets: &[usize]) -> Option<&'a str> {
    let mut theirs: Vec<(usize, &str)> = lines
        .iter()
        .enumerate()
        .filter(|&(j, l)| j != t && targets.binary_search(&j).is_err() && closes_conditional(l))
        .filter_map(|(j, l)| gap(l, Kind::Comment).map(|(lo, hi)| (j.abs_diff(t), &l[lo..hi])))
        .collect();
    let wide = theirs.iter().filter(|(_, g)| *g != " ").count();
    if wide * 2 <= theirs.len() || wide < 3 {
        return None;
    }
    theirs.sort_by_key(|&(d, _)| d);
    theirs.into_iter().map(|(_, g)| g).find(|&g| g != " ")
}

fn realign_by_neighbours(lines: &mut [String], targets: &[usize]) -> Vec<usize> {
    let is_target = |j: usize| targets.binary_search(&j).is_ok();
    let mut changed = Vec::new();
    for &t in targets {
        let mut line = lines[t].clone();
        for kind in KINDS {
            let Some((lo, hi)) = gap(&line, kind) else {
                continue;
            };
            if &line[lo..hi] != " " {
                continue;
            }
            if kind == Kind::Comment && closes_conditional(&line) {
                if let Some(gap) = conditional_comment_habit(lines, t, targets) {
                    line = format!("{}{gap}{}", &line[..lo], &line[hi..]);
                }
                continue;
            }
            // A function pointer member's name is voted on by function pointer members only:
            // structs align their data members and leave `void (*f)(…);` single-spaced, or
            // align those a column of their own (configfs.h's `bool (*is_visible)(…);` among
            // aligned data members). Heal benchmark, archive without `index` lines: +2 / +1
            // files identical, +8 / +5 added lines exact; each kind by its own kind: +2 / +0.
            let function_pointer = |l: &str| gap(l, Kind::Name).is_some_and(|(_, hi)| l[hi..].starts_with("(*"));
            let only_function_pointers = kind == Kind::Name && function_pointer(&line);
            let same_indent = |j: usize| {
                (kind == Kind::Backslash || leading(&lines[j]) == leading(&line))
                    && (!only_function_pointers || function_pointer(&lines[j]))
            };
            // Tree lines and the added lines above, already rebuilt; nearest first.
            let mut said = None;
            let above = (0..t).rev().filter(|&j| !lines[j].trim().is_empty()).take(REACH);
            let below = (t + 1..lines.len())
                .filter(|&j| !lines[j].trim().is_empty() && !is_target(j))
                .take(REACH);
            let mut near: Vec<(usize, usize)> = above.map(|j| (t - j, j)).chain(below.map(|j| (j - t, j))).collect();
            near.sort();
            // A member's name: the nearest five members vote, and single-spaced ones that
            // outnumber the aligned leave it single (a struct's new `bool x;` among
            // single-spaced members, with an aligned struct a few lines away). Another kind:
            // the nearest neighbour that says anything, and a single-spaced one says "not
            // aligned" only when its gap starts left of this line's, where an aligned gap
            // could not be one space (bpf_inode_storage.c's `.map_mem_usage = …` among
            // single-spaced ops, not the tab of the next struct's `.func\t\t= …`). Heal
            // benchmark, archive without `index` lines: +1 / +0 files identical, +9 / +5 added
            // lines exact; any single-spaced neighbour saying so: -1 / -3 files.
            let voters = if kind == Kind::Name { NAME_VOTERS } else { 1 };
            let from = width(&line[..lo], 0);
            let says_single = |j: usize| {
                gap(&lines[j], kind).is_some_and(|(jlo, jhi)| {
                    &lines[j][jlo..jhi] == " " && (kind == Kind::Name || width(&lines[j][..jlo], 0) < from)
                })
            };
            let (mut single, mut wide) = (0, 0);
            for (_, j) in near {
                if !same_indent(j) {
                    continue;
                }
                if let Some(e) = evidence(&lines[j], kind) {
                    said = said.or(Some(e));
                    wide += 1;
                } else if says_single(j) {
                    single += 1;
                }
                if single + wide >= voters {
                    break;
                }
            }
            if single > wide {
                said = None;
            }
            let Some((col, tabs)) = said else {
                continue;
            };
            if from >= col {
                continue;
            }
            line = format!("{}{}{}", &line[..lo], pad(from, col, tabs), &line[hi..]);
        }
        if line != lines[t] {
            follow_open_parenthesis(lines, targets, t, &line, &mut changed);
            lines[t] = line;
            changed.push(t);
        }
    }
    changed
}

/// The column after the last parenthesis `line` leaves open, if any.
fn open_paren_column(line: &str) -> Option<usize> {
    let mut open: Vec<usize> = Vec::new();
    for (i, c) in line.char_indices() {
        match c {
            '(' => open.push(i),
            ')' => {
                open.pop();
            }
            _ => {}
        }
    }
    open.last().map(|&i| width(&line[..=i], 0))
}

/// Once a gap before its open parenthesis widened (`\tint (*set_cap)(struct omap_dm_timer *t,`
/// became `\tint\t(*set_cap)(…`), the added continuation lines that stood under that parenthesis
/// move with it. With function pointer members continued on the next lines aligned as the one-line
/// ones, heal benchmark without `index` lines: +1 / +1 files identical, +72 / +30 added lines
/// exact; with: +2 / +4 files proven.
fn follow_open_parenthesis(lines: &mut [String], targets: &[usize], t: usize, widened: &str, changed: &mut Vec<usize>) {
    let (Some(before), Some(after)) = (open_paren_column(&lines[t]), open_paren_column(widened)) else {
        return;
    };
    if before == after {
        return;
    }
    let mut j = t + 1;
    while j < lines.len() && targets.binary_search(&j).is_ok() && indent_width(&lines[j]) == before {
        let moved = format!(
            "{}{}",
            super::indent::make_indent(after),
            lines[j].trim_start_matches([' ', '\t'])
        );
        if moved != lines[j] {
            lines[j] = moved;
            changed.push(j);
        }
        let code = lines[j].trim_end();
        if code.ends_with(';') || code.ends_with('{') {
            break;
        }
        j += 1;
    }
}

#[cfg(test)]
mod tests;
