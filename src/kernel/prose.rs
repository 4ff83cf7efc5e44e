//! Spacing inside comments that an archive collapsed, taken from how the file's own comments
//! are written: two spaces after a sentence's full stop, and the column kernel-doc puts a
//! parameter's description at. Both are habits of a file's authors, so the file decides; a file
//! that shows no clear habit keeps single spaces, but for a parameter's description continued
//! on the next line, which goes under the description as most of the kernel's do.

use super::gaps::{param_text_widths, Edits, Grouped};
use super::indent::{leading, pad, pad_exact, width};

/// A line of a block comment's body (` * …`) or its opening.
fn is_comment_text(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with("* ") || t.starts_with("/* ") || t.starts_with("/** ") || t.starts_with("*\t")
}

/// Where in `line` a sentence ends and the next starts after `gap` (` ` or two spaces): the
/// byte offsets of the gaps.
fn sentence_gaps(line: &str, gap: &str) -> Vec<usize> {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = line[from..].find(&format!(".{gap}")) {
        let at = from + i;
        let before = at.checked_sub(1).map(|b| bytes[b]);
        let after = bytes.get(at + 1 + gap.len()).copied();
        let word_before = before.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b')');
        // `needs.  (For scatterlists …)`: a sentence in parentheses starts after the stop too.
        let paren_after = after == Some(b'(') && bytes.get(at + 2 + gap.len()).is_some_and(|a| a.is_ascii_uppercase());
        let capital_after = after.is_some_and(|a| a.is_ascii_uppercase()) || paren_after;
        // `e.g. Foo` is not a sentence's end; neither is an ellipsis.
        let abbreviation = at >= 3 && (line[..at].ends_with("e.g") || line[..at].ends_with("i.e"));
        // `1. Foo` numbers a list item.
        let word = line[..at].rsplit([' ', '\t']).next().unwrap_or("");
        let abbreviation = abbreviation || (!word.is_empty() && word.bytes().all(|b| b.is_ascii_digit()));
        if word_before && capital_after && !abbreviation && !line[at + 1..].starts_with(&format!("{gap} ")) {
            out.push(at + 1);
        }
        from = at + 1;
    }
    out
}

/// Does the file write two spaces after a full stop? Counted on its comment lines that are not
/// being rebuilt; a clear majority of at least three is needed.
fn two_spaces_after_stops(lines: &[String], targets: &[usize]) -> bool {
    let (mut two, mut one) = (0, 0);
    for (j, line) in lines.iter().enumerate() {
        if targets.binary_search(&j).is_ok() || !is_comment_text(line) {
            continue;
        }
        two += sentence_gaps(line, "  ").len();
        one += sentence_gaps(line, " ").len();
    }
    two >= 3 && two > 2 * one
}

/// The lines of the block comment around line `t`: its body lines (` * …`) and its opening
/// line (`/*`, which may have text too); just `t` when it is not in one.
fn comment_span(lines: &[String], t: usize) -> std::ops::RangeInclusive<usize> {
    let body = |j: usize| {
        let text = lines[j].trim_start();
        text.starts_with('*') && !text.starts_with("*/")
    };
    let first = (t.saturating_sub(200)..t)
        .rev()
        .take_while(|&j| body(j))
        .last()
        .unwrap_or(t);
    let last = (t + 1..lines.len().min(t + 200))
        .take_while(|&j| body(j))
        .last()
        .unwrap_or(t);
    let opening = first
        .checked_sub(1)
        .filter(|&j| lines[j].trim_start().starts_with("/*"));
    opening.unwrap_or(first)..=last
}

/// How the block comment around line `t` spaces its stops, counted on its lines that are not
/// being rebuilt: two spaces (`true`), one, or `None` when they show no majority. Measured on
/// include/linux and kernel/bpf (7.2): a comment line spaces its stops as the other lines of
/// its comment do in 91 % of lines, as the file's majority does in 84 %.
fn comment_habit(lines: &[String], targets: &[usize], t: usize) -> Option<bool> {
    let (mut two, mut one) = (0, 0);
    for j in comment_span(lines, t) {
        if j == t || targets.binary_search(&j).is_ok() {
            continue;
        }
        two += sentence_gaps(&lines[j], "  ").len();
        one += sentence_gaps(&lines[j], " ").len();
    }
    (two != one).then_some(two > one)
}

/// A comment line with its sentences' stops spaced the other way (one space where it has two,
/// two where it has one), for the proof search: a file's habit is a majority, not a rule, and
/// a new comment often follows its author's.
pub fn other_sentence_spacing(line: &str) -> Option<String> {
    if !is_comment_text(line) {
        return None;
    }
    stops_respaced(line, " ").or_else(|| stops_respaced(line, "  "))
}

/// `line` with every sentence gap that is `gap` (one space or two) made the other width; `None`
/// when it has none.
fn stops_respaced(line: &str, gap: &str) -> Option<String> {
    let gaps = sentence_gaps(line, gap);
    if gaps.is_empty() {
        return None;
    }
    let mut out = line.to_string();
    for at in gaps.into_iter().rev() {
        if gap == " " {
            out.insert(at, ' ');
        } else {
            out.remove(at);
        }
    }
    Some(out)
}

/// ` * @name:` and what follows its colon.
pub fn param_head(line: &str) -> Option<(&str, &str)> {
    let t = line.trim_start();
    let rest = t.strip_prefix("* @")?;
    let name_len = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))?;
    if !rest[name_len..].starts_with(':') || name_len == 0 {
        return None;
    }
    let head_len = line.len() - rest.len() + name_len + 1;
    Some((&line[..head_len], &line[head_len..]))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ParamStyle {
    Single,
    Tabs,
    Spaces,
}

/// How the file's kernel-doc parameters (not being rebuilt) put their descriptions: the
/// file's majority. (The parameters of the nearest comment instead: right more often for one
/// parameter taken out of the tree, 95 % against 92 % on include/linux and kernel/bpf, but
/// worse for comments one author adds together: benchmark archive without `index` lines, 23
/// fewer added lines exact, no more files identical.)
fn param_style(lines: &[String], targets: &[usize]) -> ParamStyle {
    let (mut single, mut tabs, mut spaces) = (0, 0, 0);
    for (j, line) in lines.iter().enumerate() {
        if targets.binary_search(&j).is_ok() {
            continue;
        }
        let Some((_, after)) = param_head(line) else {
            continue;
        };
        let text = after.trim_start_matches([' ', '\t']);
        if text.is_empty() {
            continue;
        }
        match &after[..after.len() - text.len()] {
            " " => single += 1,
            g if g.contains('\t') => tabs += 1,
            _ => spaces += 1,
        }
    }
    if tabs > single.max(spaces) {
        ParamStyle::Tabs
    } else if spaces > single.max(tabs) {
        ParamStyle::Spaces
    } else {
        ParamStyle::Single
    }
}

/// Where a parameter line's description starts (its column), if it has one.
fn description_column(line: &str) -> Option<usize> {
    let (_, after) = param_head(line)?;
    let text = after.trim_start_matches([' ', '\t']);
    (!text.is_empty()).then(|| width(&line[..line.len() - text.len()], 0))
}

/// The comment's ` *` (up to and including the star) and the gap after it, for a body line
/// with text.
pub fn star_gap(line: &str) -> Option<(&str, &str)> {
    let star = line.len() - line.trim_start_matches([' ', '\t']).len();
    if !line[star..].starts_with('*') || line[star..].starts_with("*/") {
        return None;
    }
    let after = &line[star + 1..];
    let text = after.trim_start_matches([' ', '\t']);
    if text.is_empty() || text.len() == after.len() {
        return None;
    }
    Some((&line[..star + 1], &after[..after.len() - text.len()]))
}

/// A kernel-doc section's head (`Return: …`, `Context: …`), which no parameter continues.
fn is_section_head(text: &str) -> bool {
    let word = text.split([' ', '\t']).next().unwrap_or("");
    word.len() > 1 && word.ends_with(':') && word.starts_with(|c: char| c.is_ascii_uppercase())
}

/// The parameter line that line `j` continues: the nearest ` * @name:` above with only
/// continuation lines (not a bare ` *`) between.
fn continued_param(lines: &[String], j: usize) -> Option<usize> {
    let (star, gap) = star_gap(&lines[j])?;
    if param_head(&lines[j]).is_some() || is_section_head(&lines[j][star.len() + gap.len()..]) {
        return None;
    }
    let mut k = j;
    while k > 0 && j - k < 16 {
        k -= 1;
        if param_head(&lines[k]).is_some() {
            return Some(k);
        }
        star_gap(&lines[k])?;
    }
    None
}

/// How a file continues a parameter's description on the next line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Continuation {
    /// Under the description, reached with tabs and then spaces.
    AlignedTabs,
    /// Under the description, reached with spaces only.
    AlignedSpaces,
    /// One tab after the star.
    OneTab,
    Single,
    Other,
}

fn continuation_of(lines: &[String], j: usize) -> Option<Continuation> {
    let column = description_column(&lines[continued_param(lines, j)?])?;
    let (star, gap) = star_gap(&lines[j])?;
    Some(if width(gap, width(star, 0)) == column {
        if gap.contains('\t') {
            Continuation::AlignedTabs
        } else {
            Continuation::AlignedSpaces
        }
    } else if gap == "\t" {
        Continuation::OneTab
    } else if gap == " " {
        Continuation::Single
    } else {
        Continuation::Other
    })
}

/// The file's habit for continuation lines (those not being rebuilt): a style that more than
/// half of at least two such lines share.
fn continuation_style(lines: &[String], targets: &[usize]) -> Option<Continuation> {
    let mut counts: Vec<(Continuation, usize)> = Vec::new();
    let mut total = 0;
    for j in 0..lines.len() {
        if targets.binary_search(&j).is_ok() {
            continue;
        }
        let Some(style) = continuation_of(lines, j) else {
            continue;
        };
        total += 1;
        match counts.iter_mut().find(|(s, _)| *s == style) {
            Some((_, n)) => *n += 1,
            None => counts.push((style, 1)),
        }
    }
    let (style, n) = counts.into_iter().max_by_key(|&(_, n)| n)?;
    (n >= 2 && 2 * n > total).then_some(style)
}

/// The gap after the star of a continuation line in `style`, from the star's column `from` to
/// the description's `column`; None for a style that says nothing there.
fn continuation_gap(style: Continuation, from: usize, column: usize) -> Option<String> {
    match style {
        Continuation::AlignedTabs if column > from => Some(pad_exact(from, column)),
        Continuation::AlignedSpaces if column > from => Some(" ".repeat(column - from)),
        Continuation::OneTab => Some("\t".to_string()),
        Continuation::Single => Some(" ".to_string()),
        _ => None,
    }
}

/// How many of a parameter's likeliest description gaps move its continuations with them.
const MOVED_WIDTHS: usize = 6;

/// The added lines that continue a kernel-doc parameter's description may follow another
/// habit than the file's (the author's): for each parameter's run of them, and for all of
/// them at once, the first line and the run in each continuation style (under the
/// description with tabs or with spaces, a tab after the star, one space), each as the lines
/// it changes.
pub fn continuation_alternatives(lines: &[String], targets: &[usize]) -> Vec<Grouped> {
    // (param line, continuation line, star, description column)
    let mut rows: Vec<(usize, usize, usize, usize)> = Vec::new();
    for &t in targets {
        let Some(h) = continued_param(lines, t) else {
            continue;
        };
        let (Some(column), Some((star, _))) = (description_column(&lines[h]), star_gap(&lines[t])) else {
            continue;
        };
        rows.push((h, t, star.len(), column));
    }
    // The continuations in `style`, under `column` when given (else under their own head).
    let restyled = |group: &[(usize, usize, usize, usize)], style: Continuation, under: Option<usize>| -> Edits {
        group
            .iter()
            .filter_map(|&(_, t, star, column)| {
                let line = &lines[t];
                let gap = continuation_gap(style, width(&line[..star], 0), under.unwrap_or(column))?;
                let text = line[star..].trim_start_matches([' ', '\t']);
                let new = format!("{}{gap}{text}", &line[..star]);
                (new != *line).then_some((t, new))
            })
            .collect()
    };
    let restyle = |group: &[(usize, usize, usize, usize)]| -> Vec<Edits> {
        let mut alts: Vec<Edits> = Vec::new();
        for style in [
            Continuation::AlignedTabs,
            Continuation::AlignedSpaces,
            Continuation::OneTab,
            Continuation::Single,
        ] {
            let changes = restyled(group, style, None);
            if !changes.is_empty() && !alts.contains(&changes) {
                alts.push(changes);
            }
        }
        alts
    };
    // An added parameter whose description starts elsewhere moves its continuations with it
    // (` * @pm_nb:\tThe notifier …` over ` *\t\ton resume.`): the search pairs only two
    // doubts, and a parameter of two continuations would need three.
    let moved = |group: &[(usize, usize, usize, usize)]| -> Vec<Edits> {
        let head = group[0].0;
        if targets.binary_search(&head).is_err() {
            return Vec::new();
        }
        let mut alts: Vec<Edits> = Vec::new();
        for alt in param_text_widths(&lines[head]).into_iter().take(MOVED_WIDTHS) {
            let Some(column) = description_column(&alt) else {
                continue;
            };
            for style in [Continuation::AlignedTabs, Continuation::AlignedSpaces] {
                let mut changes = vec![(head, alt.clone())];
                changes.extend(restyled(group, style, Some(column)));
                if changes.len() > 1 && !alts.contains(&changes) {
                    alts.push(changes);
                }
            }
        }
        alts
    };
    let mut out = Vec::new();
    let (mut k, mut params) = (0, 0);
    while k < rows.len() {
        let end = k + rows[k..].iter().take_while(|r| r.0 == rows[k].0).count();
        let by_style = restyle(&rows[k..end]);
        if !by_style.is_empty() {
            out.push((rows[k].1, by_style));
            params += 1;
        }
        let with_head = moved(&rows[k..end]);
        if !with_head.is_empty() {
            out.push((rows[k].1, with_head));
        }
        k = end;
    }
    if params > 1 {
        let alts = restyle(&rows);
        if !alts.is_empty() {
            out.push((rows[0].1, alts));
        }
    }
    out
}

/// How a parameter's description goes on where its file shows no habit: under the
/// description, with tabs where the parameter line reached it with tabs, else with spaces
/// (` * @offset: Offset to …` / ` *          the client …`). In 7.2's include/linux and
/// kernel, 1,170 of 1,239 continuations of a parameter whose description is set off by more
/// than a space stand under it; after one space 968 of 2,844 do (841 a tab after the star,
/// 528 one space). Heal benchmark, archive without `index` lines: +2 / -1 files identical,
/// +97 / +67 added lines exact (a tab after the star: +1 / -2 and +27 / +7; the nearest
/// continuation of the tree's in the comment first: +1 / +0 and +81 / +71).
fn unhabitual_continuation(param: &str) -> Continuation {
    match param_head(param) {
        Some((_, after)) if leading(after).contains('\t') => Continuation::AlignedTabs,
        _ => Continuation::AlignedSpaces,
    }
}

/// Re-gap the added continuation lines as the file continues its parameters (or as
/// [`unhabitual_continuation`] says where it has no habit).
fn realign_continuations(lines: &mut [String], targets: &[usize], changed: &mut Vec<usize>) {
    let file_style = continuation_style(lines, targets);
    for &t in targets {
        let Some(head) = continued_param(lines, t) else {
            continue;
        };
        let Some(column) = description_column(&lines[head]) else {
            continue;
        };
        let style = file_style.unwrap_or_else(|| unhabitual_continuation(&lines[head]));
        let Some((star, gap)) = star_gap(&lines[t]) else {
            continue;
        };
        let Some(new_gap) = continuation_gap(style, width(star, 0), column) else {
            continue;
        };
        if new_gap != gap {
            let text = lines[t][star.len() + gap.len()..].to_string();
            lines[t] = format!("{star}{new_gap}{text}");
            changed.push(t);
        }
    }
}

/// Widen the collapsed gaps of the added comment lines `targets` as the file's comments have
/// them. Returns the lines changed.
pub fn respace(lines: &mut [String], targets: &[usize]) -> Vec<usize> {
    let mut changed = Vec::new();
    let file_habit = two_spaces_after_stops(lines, targets);
    for &t in targets {
        if !is_comment_text(&lines[t]) {
            continue;
        }
        // The comment is read only for a line that has a stop to respace.
        let Some(line) = stops_respaced(&lines[t], " ") else {
            continue;
        };
        if comment_habit(lines, targets, t).unwrap_or(file_habit) {
            lines[t] = line;
            changed.push(t);
        }
    }
    let style = param_style(lines, targets);
    if style != ParamStyle::Single {
        // Each run of consecutive added parameter lines is aligned to its longest head.
        let mut k = 0;
        while k < targets.len() {
            // Continuation lines between parameters do not end the run.
            let mut run = vec![targets[k]];
            while k + run.len() < targets.len()
                && targets[k + run.len()] == run[run.len() - 1] + 1
                && (param_head(&lines[targets[k + run.len()]]).is_some()
                    || continued_param(lines, targets[k + run.len()]).is_some())
            {
                run.push(targets[k + run.len()]);
            }
            if param_head(&lines[run[0]]).is_none() {
                k += 1;
                continue;
            }
            k += run.len();
            if run.iter().filter(|&&t| param_head(&lines[t]).is_some()).count() < 2 {
                continue;
            }
            let widest = run
                .iter()
                .filter_map(|&t| param_head(&lines[t]).map(|(h, _)| width(h, 0)))
                .max()
                .unwrap_or(0);
            let column = match style {
                ParamStyle::Tabs => (widest / 8 + 1) * 8,
                _ => widest + 1,
            };
            for &t in &run {
                let Some((head, after)) = param_head(&lines[t]) else {
                    continue;
                };
                let text = after.trim_start_matches([' ', '\t']);
                let pad = pad(width(head, 0), column, style == ParamStyle::Tabs);
                let new = format!("{head}{pad}{text}");
                if new != lines[t] {
                    lines[t] = new;
                    changed.push(t);
                }
            }
        }
    }
    align_lone_params(lines, targets, style, &mut changed);
    realign_continuations(lines, targets, &mut changed);
    changed.sort_unstable();
    changed.dedup();
    changed
}

/// A parameter line added alone among a comment's parameters puts its description where they
/// put theirs: at their commonest column (with tabs where most of theirs have them), or one
/// space when its name reaches past it, or one space when most of theirs have one. Measured on
/// include/linux and kernel/bpf of Debian 7.2, each parameter of a comment with three or more
/// taken out in turn: right for 96.9 %, against 68 % for one space always (of two: 97.5 %
/// against 81 %).
fn align_lone_params(lines: &mut [String], targets: &[usize], style: ParamStyle, changed: &mut Vec<usize>) {
    let is_target = |j: usize| targets.binary_search(&j).is_ok();
    for &t in targets {
        let Some((head, after)) = param_head(&lines[t]) else {
            continue;
        };
        let text = after.trim_start_matches([' ', '\t']);
        let added_beside = |j: usize| is_target(j) && param_head(&lines[j]).is_some();
        if text.is_empty() || (t > 0 && added_beside(t - 1)) || added_beside(t + 1) {
            continue;
        }
        // The other parameters of its comment, from the tree.
        let others: Vec<(usize, &str)> = comment_span(lines, t)
            .filter(|&j| j != t && !is_target(j))
            .filter_map(|j| {
                let (_, a) = param_head(&lines[j])?;
                let text = a.trim_start_matches([' ', '\t']);
                let column = width(&lines[j][..lines[j].len() - text.len()], 0);
                (!text.is_empty()).then_some((column, &a[..a.len() - text.len()]))
            })
            .collect();
        if others.is_empty() {
            // The comment's only parameter, in a file whose parameters mostly have tabs: one
            // tab (149 of 307 such in 7.2, 109 one space).
            let new = format!("{head}\t{text}");
            if style == ParamStyle::Tabs && new != lines[t] {
                lines[t] = new;
                changed.push(t);
            }
            continue;
        }
        let most = |f: &dyn Fn(&str) -> bool| others.iter().filter(|(_, g)| f(g)).count() * 2 > others.len();
        let gap = if most(&|g| g == " ") {
            " ".to_string()
        } else {
            // The commonest column; of two as common, the nearer.
            let count = |c: usize| others.iter().filter(|(d, _)| *d == c).count();
            let column = others
                .iter()
                .map(|(c, _)| *c)
                .max_by_key(|&c| (count(c), std::cmp::Reverse(c)))
                .unwrap_or(0);
            let from = width(head, 0);
            if from >= column {
                " ".to_string()
            } else if most(&|g| g.contains('\t')) {
                pad_exact(from, column)
            } else {
                " ".repeat(column - from)
            }
        };
        let new = format!("{head}{gap}{text}");
        if new != lines[t] {
            lines[t] = new;
            changed.push(t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(tree: &[&str], added: &[&str]) -> (Vec<String>, Vec<usize>) {
        let mut lines: Vec<String> = tree.iter().map(|s| s.to_string()).collect();
        let first = lines.len();
        lines.extend(added.iter().map(|s| s.to_string()));
        (lines, (first..first + added.len()).collect())
    }

    #[test]
    fn a_parameter_continued_under_its_description_is_an_alternative() {
        // kernel/bpf/cgroup.c (6.12): `incremented` continues @new_prog under its description;
        // the archive left one space after the star.
        let lines: Vec<String> = [
            "/**",
            " * @link: A link for which to replace BPF program",
            " * @new_prog: &struct bpf_prog for the target BPF program with its refcnt",
            " * incremented",
            " */",
        ]
        .map(String::from)
        .to_vec();
        let alts = continuation_alternatives(&lines, &[1, 2, 3]);
        // The continuation restyled, and moved with its parameter's description.
        assert_eq!(alts.len(), 2);
        assert_eq!(alts[0].0, 3);
        assert!(alts[0].1.contains(&vec![(3, " *            incremented".to_string())]));
    }

    #[test]
    fn a_parameter_description_moves_its_continuation_with_it() {
        // include/linux/watchdog.h (7.2): the archive left ` * @pm_nb: The notifier …` and
        // the continuation under `The`; the author tabbed the description out to column 16
        // and the continuation with it. The search pairs two doubts: this is one.
        let (lines, targets) = file(
            &["/**"],
            &[
                " * @pm_nb: The notifier block to stop watchdog on suspend and restart it",
                " *\t   on resume.",
            ],
        );
        let alts = continuation_alternatives(&lines, &targets);
        let truth = vec![
            (
                1,
                " * @pm_nb:\tThe notifier block to stop watchdog on suspend and restart it".to_string(),
            ),
            (2, " *\t\ton resume.".to_string()),
        ];
        assert!(
            alts.iter().any(|(first, a)| *first == 2 && a.contains(&truth)),
            "{alts:?}"
        );
        // A parameter line that was not added stays as the tree has it.
        assert!(continuation_alternatives(&lines, &targets[1..])
            .iter()
            .all(|(_, a)| a.iter().all(|e| e.iter().all(|(i, _)| *i == 2))));
    }

    #[test]
    fn a_file_that_puts_two_spaces_after_stops_gets_them() {
        let tree = [
            "/*",
            " * The map is full.  It cannot take more.",
            " * See above.  Then below.  And so on.",
            " */",
        ];
        let (mut lines, targets) = file(&tree, &["\t * call. However we fail, e.g. Foo here. 1. Not"]);
        respace(&mut lines, &targets);
        assert_eq!(lines[4], "\t * call.  However we fail, e.g. Foo here. 1. Not");
        // A file with single spaces keeps them.
        let (mut lines, targets) = file(&[" * One. Two. Three. Four."], &[" * call. However"]);
        assert!(respace(&mut lines, &targets).is_empty());
    }

    #[test]
    fn a_line_spaces_its_stops_as_the_rest_of_its_comment_does() {
        // include/linux/pgtable.h (7.2) writes two spaces after most stops, but not in every
        // comment: a line added to a comment of single spaces keeps one, and the other way.
        let tree = [
            "/* Two.  Spaces.  Here.  And.  There. */",
            "/*",
            " * The caller holds the page table lock. The PTEs map consecutive",
        ];
        let (mut lines, targets) = file(&tree, &[" * pages. They are all in the same PMD.", " */"]);
        assert!(respace(&mut lines, &targets).is_empty());
        let tree = [
            "/* One. Space. Here. And. There. */",
            "/*",
            " * The lock.  The PTEs map",
        ];
        let (mut lines, targets) = file(&tree, &[" * pages. They are all in the same PMD.", " */"]);
        respace(&mut lines, &targets);
        assert_eq!(lines[3], " * pages.  They are all in the same PMD.");
    }

    #[test]
    fn kernel_doc_parameters_align_as_the_file_aligns_them() {
        let tree = [" * @map:\tthe map", " * @key:\tthe key", " */"];
        let (mut lines, targets) = file(&tree, &["/**", " * @timer: bpf_timer to stop", " * @op: the op", " */"]);
        respace(&mut lines, &targets);
        assert_eq!(lines[4], " * @timer:\tbpf_timer to stop");
        assert_eq!(lines[5], " * @op:\t\tthe op");
        let tree = [" * @dst:     the destination", " * @size:    its size"];
        let (mut lines, targets) = file(&tree, &[" * @dst: Destination", " * @dst__sz: Its size"]);
        respace(&mut lines, &targets);
        assert_eq!(lines[2], " * @dst:     Destination");
        assert_eq!(lines[3], " * @dst__sz: Its size");
    }

    #[test]
    fn parameter_continuations_go_where_the_file_puts_them() {
        // Real shape of kernel/bpf/helpers.c: continuations under the description, with tabs.
        let tree = [
            " * @map:\tthe map to look",
            " *\t\tup in",
            " * @key:\tthe key",
            " *\t\tto look for",
            " */",
        ];
        let (mut lines, targets) = file(&tree, &["/**", " * @flags:\tflags for the", " * call, zero", " */"]);
        respace(&mut lines, &targets);
        assert_eq!(lines[7], " *\t\tcall, zero");
        // Spaces under a description at column 12.
        let tree = [
            " * @dst:     the",
            " *           destination",
            " * @sz:      its",
            " *           size",
        ];
        let (mut lines, targets) = file(&tree, &[" * @dst:     Destination", " * buffer"]);
        respace(&mut lines, &targets);
        assert_eq!(lines[5], " *           buffer");
        // No habit (one line each way): under the description, with tabs after a tab.
        let tree = [" * @a:\tx", " *\ty", " * @b:\tz", " * w"];
        let (mut lines, targets) = file(&tree, &[" * @c:\tq", " * r"]);
        respace(&mut lines, &targets);
        assert_eq!(lines[5], " *\tr");
    }

    #[test]
    fn a_parameter_continued_in_a_file_without_a_habit_goes_under_its_description() {
        // include/linux/page_ext.h (6.1 -> 6.12): the file's first kernel-doc comment.
        let tree = ["struct pglist_data;", ""];
        let added = [
            "/**",
            " * struct page_ext_operations - per page_ext client operations",
            " * @offset: Offset to the client's data within page_ext. Offset is returned to",
            " * the client by page_ext_init.",
            " * @need_shared_flags: True when client is using shared page_ext->flags",
            " * field.",
            " */",
        ];
        let (mut lines, targets) = file(&tree, &added);
        respace(&mut lines, &targets);
        assert_eq!(lines[5], " *          the client by page_ext_init.");
        assert_eq!(lines[7], " *                     field.");
    }

    #[test]
    fn a_parameter_added_alone_puts_its_description_where_its_comment_does() {
        // include/linux/uio_driver.h (7.2): @mmap became @mmap_prepare among parameters whose
        // descriptions stand at column 24, reached with tabs.
        let mut lines: Vec<String> = [
            "/**",
            " * @handler:\t\tthe device's irq handler",
            " * @mmap_prepare: mmap_prepare operation for this uio device",
            " * @open:\t\topen operation for this uio device",
            " */",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        respace(&mut lines, &[2]);
        assert_eq!(
            lines[2],
            " * @mmap_prepare:\tmmap_prepare operation for this uio device"
        );
        // Its name past their column: one space.
        let mut lines: Vec<String> = ["/**", " * @a:\tx", " * @much_longer_name: y", " * @b:\tz", " */"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert!(respace(&mut lines, &[2]).is_empty());
        // include/linux/entry-common.h (6.12): a comment's only parameter, in a file whose
        // parameters mostly have tabs, takes one.
        let tree = ["/**", " * @regs:\tPointer to pt_regs", " * @work:\tThe work", " */"];
        let (mut lines, targets) = file(&tree, &["/**", " * @regs: Pointer to pt_regs on entry stack", " */"]);
        respace(&mut lines, &targets);
        assert_eq!(lines[5], " * @regs:\tPointer to pt_regs on entry stack");
    }

    #[test]
    fn a_comment_line_is_offered_its_stops_spaced_the_other_way() {
        // include/linux/iopoll.h (6.12): the file mostly puts one space, this comment two.
        let line = " * This macro does not rely on timekeeping. Hence it is safe to call even when";
        assert_eq!(
            other_sentence_spacing(line).as_deref(),
            Some(" * This macro does not rely on timekeeping.  Hence it is safe to call even when")
        );
        assert_eq!(
            other_sentence_spacing(" * One.  Two.  Three.").as_deref(),
            Some(" * One. Two. Three.")
        );
        assert_eq!(other_sentence_spacing(" * e.g. Foo and 1. Bar"), None);
        assert_eq!(other_sentence_spacing("\tx = a. B;"), None);
        // include/linux/crypto.h (6.12): a description continued after a tab; a sentence in
        // parentheses.
        assert_eq!(
            other_sentence_spacing(" *\t\t   the algorithm needs. (For scatterlists this happens only if").as_deref(),
            Some(" *\t\t   the algorithm needs.  (For scatterlists this happens only if")
        );
    }
}
