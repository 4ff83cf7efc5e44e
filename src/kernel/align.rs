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
use super::indent::{leading, pad_exact, split_define, split_define_with_value, width};

const TAB: usize = 8;
/// How many non-blank lines above and below are asked.
const REACH: usize = 6;

/// The kinds of aligned gap, each found by where in the line the gap is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Comment,
    Backslash,
    Name,
    Equals,
}

/// In the order a line is widened: a member's name and an item's `=` before the trailing
/// comment and the `\` after them, which move with every gap widened before them.
pub const KINDS: [Kind; 4] = [Kind::Name, Kind::Equals, Kind::Comment, Kind::Backslash];

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
            match c.find("(*") {
                // A function pointer member, `void\t\t(*teardown)(struct i2c_client *c);`: its
                // name starts at the parenthesis.
                Some(at) if c.ends_with(");") && at > 0 && !c[..at].contains('(') => at,
                _ if c.contains('(') => return None,
                _ => c.rfind([' ', '\t'])? + 1,
            }
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
/// to one column (`define_gap::paragraph_column`); a macro all of whose lines are added takes
/// its backslashes to the first tab stop past its longest line (measured on the changes
/// between Debian 6.12 and 7.2: 64 % of macro lines pad their `\` with tabs).
fn align_blocks(lines: &mut [String], targets: &[usize], changed: &mut Vec<usize>) {
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
    // Macros written whole by the mail: consecutive added lines, each but the last ending `\`.
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
        let continued: Vec<usize> = targets[k..=end]
            .iter()
            .copied()
            .filter(|&j| lines[j].ends_with(" \\"))
            .collect();
        let single = continued
            .iter()
            .all(|&j| !lines[j][..lines[j].len() - 2].ends_with([' ', '\t']));
        if single && !continued.is_empty() {
            let col = continued
                .iter()
                .map(|&j| width(&lines[j][..lines[j].len() - 2], 0))
                .max()
                .map(|w| (w / TAB + 1) * TAB)
                .unwrap_or(0);
            for &j in &continued {
                let body = &lines[j][..lines[j].len() - 2];
                lines[j] = format!("{body}{}\\", pad(width(body, 0), col, true));
                changed.push(j);
            }
        }
        k = end + 1;
    }
}

/// Widen the collapsed gaps of `targets` (indices into `lines`, ascending) to their neighbours'
/// columns, then align the blocks they say nothing about. Returns the lines changed.
pub fn realign(lines: &mut [String], targets: &[usize]) -> Vec<usize> {
    let mut changed = realign_by_neighbours(lines, targets);
    align_blocks(lines, targets, &mut changed);
    changed.sort();
    changed.dedup();
    changed
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
            let same_indent = |j: usize| kind == Kind::Backslash || leading(&lines[j]) == leading(&line);
            // Tree lines and the added lines above, already rebuilt; nearest first.
            let mut said = None;
            let above = (0..t).rev().filter(|&j| !lines[j].trim().is_empty()).take(REACH);
            let below = (t + 1..lines.len())
                .filter(|&j| !lines[j].trim().is_empty() && !is_target(j))
                .take(REACH);
            let mut near: Vec<(usize, usize)> = above.map(|j| (t - j, j)).chain(below.map(|j| (j - t, j))).collect();
            near.sort();
            for (_, j) in near {
                if !same_indent(j) {
                    continue;
                }
                if let Some(e) = evidence(&lines[j], kind) {
                    said = Some(e);
                    break;
                }
            }
            let Some((col, tabs)) = said else {
                continue;
            };
            let from = width(&line[..lo], 0);
            if from >= col {
                continue;
            }
            line = format!("{}{}{}", &line[..lo], pad(from, col, tabs), &line[hi..]);
        }
        if line != lines[t] {
            lines[t] = line;
            changed.push(t);
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(before: &str, added: &[&str], after: &str) -> Vec<String> {
        let mut lines: Vec<String> = before.lines().map(str::to_string).collect();
        let first = lines.len();
        lines.extend(added.iter().map(|s| s.to_string()));
        lines.extend(after.lines().map(str::to_string));
        let targets: Vec<usize> = (first..first + added.len()).collect();
        realign(&mut lines, &targets);
        lines[first..first + added.len()].to_vec()
    }

    #[test]
    fn struct_members_and_initializers_take_their_neighbours_columns() {
        let members = "struct s {\n\tu32\t\t\tflags;\n\tstruct list_head\tlist;";
        assert_eq!(run(members, &["\tvoid *priv;"], "};"), vec!["\tvoid\t\t\t*priv;"]);
        let ops = "const struct bpf_map_ops array_map_ops = {\n\t.map_alloc = array_map_alloc,\n\t.map_free\t= array_map_free,";
        assert_eq!(
            run(ops, &["\t.map_mmap = array_map_mmap,"], "};"),
            vec!["\t.map_mmap\t= array_map_mmap,"]
        );
    }

    #[test]
    fn comments_and_backslashes_follow_the_nearest_wide_gap() {
        let defines = "#define A(x)\t\t\t\\\n\tdo_a(x);\t\t\\";
        assert_eq!(run(defines, &["\tdo_b(x); \\"], "\tdone()"), vec!["\tdo_b(x);\t\t\\"]);
        let comments = "\tint a;\t\t/* first */\n\tint bb;\t\t/* second */";
        assert_eq!(
            run(comments, &["\tint c; /* third */"], ""),
            vec!["\tint c;\t\t/* third */"]
        );
    }

    #[test]
    fn added_blocks_without_neighbours_align_as_kernel_code_mostly_does() {
        // include/linux/mfd/rk808.h: new registers, no #define of the tree near them.
        let out = run(
            "struct a;",
            &["#define RK801_BUCK2_ON_VSEL_REG 0x0a", "#define RK801_LDO_EN 0x0b"],
            "",
        );
        assert_eq!(
            out,
            vec!["#define RK801_BUCK2_ON_VSEL_REG\t0x0a", "#define RK801_LDO_EN\t\t0x0b"]
        );
        let out = run("", &["#define F(x) \\", "\tdo_f(x); \\", "\tdone(x)"], "");
        assert_eq!(out, vec!["#define F(x)\t\t\\", "\tdo_f(x);\t\\", "\tdone(x)"]);
        // Beside the tree's single-spaced defines they stay single.
        let out = run("#define A 1", &["#define BB 2"], "");
        assert_eq!(out, vec!["#define BB 2"]);
    }

    #[test]
    fn members_with_comments_and_function_pointers_align_their_names() {
        // include/linux/pktcdvd.h (6.12): the name to the neighbours' column, the comment after.
        let members = "struct pktcdvd_device {\n\tstruct block_device\t*bdev;\t\t/* dev attached */";
        assert_eq!(
            run(members, &["\tstruct file *bdev_file; /* dev attached */"], "};"),
            vec!["\tstruct file\t\t*bdev_file;\t/* dev attached */"]
        );
        // include/linux/mfd/tps65010.h (6.12): a function pointer member's name is `(*name)`.
        let ops = "struct tps65010_board {\n\tint\t\t(*setup)(struct i2c_client *client, struct gpio_chip *gc);";
        assert_eq!(
            run(
                ops,
                &["\tvoid (*teardown)(struct i2c_client *client, struct gpio_chip *gc);"],
                "};"
            ),
            vec!["\tvoid\t\t(*teardown)(struct i2c_client *client, struct gpio_chip *gc);"]
        );
        // A call is no declaration.
        assert_eq!(gap("\tfoo(bar);", Kind::Name), None);
        assert_eq!(gap("\tint (*fn)(int) = f;", Kind::Name), None);
    }

    #[test]
    fn single_spaced_neighbours_leave_a_line_alone() {
        let plain = "\tint a = 1;\n\tint b = 2; /* x */";
        assert_eq!(run(plain, &["\tint c = 3; /* y */"], ""), vec!["\tint c = 3; /* y */"]);
    }
}
