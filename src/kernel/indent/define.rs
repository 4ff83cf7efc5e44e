//! A `#define`'s head as kernel code writes it: its name, the gap before its value, and a
//! value left open under a parenthesis, which its continuation lines stand under.

use super::{open_parens, width, Lexed};

/// The parentheses still open after line `prev` of a macro whose `#define` line left its
/// value open under one (`#define MASK\t(A | \\`), from that one on; `None` when `prev` is
/// not inside such a value.
pub(super) fn open_define_value(lines: &[String], lexed: &Lexed, prev: usize) -> Option<Vec<usize>> {
    if !lexed.in_macro[prev] || lines[prev].trim_start().starts_with('#') {
        return None;
    }
    let define = (0..prev).rev().find(|&j| !lexed.in_macro[j])?;
    if !lines[define].trim_start().starts_with('#') || lexed.code[define].trim_end().ends_with('{') {
        return None;
    }
    let on_define = open_parens(lexed, define, define);
    let open = open_parens(lexed, define, prev);
    if on_define.is_empty() || !open.starts_with(&on_define) {
        return None;
    }
    Some(open[on_define.len() - 1..].to_vec())
}

/// `#define NAME VALUE` split into the directive with its name as written (`#define NAME`,
/// `# define NAME` in a nested block), the gap and the value; `None` for other directives.
/// The one reader of a `#define`'s head: re-indentation and `align` both use it.
pub fn split_define(text: &str) -> Option<(&str, &str, &str)> {
    let rest = text.strip_prefix('#')?.trim_start().strip_prefix("define")?;
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    let rest = rest.trim_start();
    let name_len = rest.find([' ', '\t']).unwrap_or(rest.len());
    // Function-like macro names keep their parameter list.
    let name_len = if rest[..name_len].contains('(') && !rest[..name_len].contains(')') {
        rest.find(')').map(|p| p + 1).unwrap_or(name_len)
    } else {
        name_len
    };
    let head = &text[..text.len() - rest.len() + name_len];
    let after = &rest[name_len..];
    let value = after.trim_start();
    let sep = &after[..after.len() - value.len()];
    Some((head, sep, value))
}

/// `split_define` for a macro with a value on its own line: `None` when the value is empty or
/// is only the backslash that continues the macro on the next line (its head has no value gap).
pub fn split_define_with_value(text: &str) -> Option<(&str, &str, &str)> {
    split_define(text).filter(|(_, _, value)| !value.is_empty() && value.trim() != "\\")
}

/// Pad a new `#define`'s value as `define_gap` says; one of a paragraph of added ones keeps its one
/// space here and is aligned with the others by `align`.
pub(super) fn align_define(lines: &[String], t: usize, text: &str, targets: &[usize]) -> String {
    let Some((head, _, value)) = split_define(text) else {
        return text.to_string();
    };
    if value.is_empty() {
        return head.to_string();
    }
    // A macro's head continued on the next line has no value here: its `\` is aligned with
    // the macro's other backslashes (`align`), not with values.
    if value == "\\" {
        return format!("{head} {value}");
    }
    let gap = crate::kernel::define_gap::value_gap(lines, t, targets).after(width(head, 0));
    format!("{head}{gap}{value}")
}
