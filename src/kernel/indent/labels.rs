//! Labels and markers: which lines are `case` labels, goto labels or kernel-doc's member
//! markers, and where the last two stand (as the file's own do; they say nothing of the depth
//! of the code around them).

use super::leading;

pub(super) fn is_case(text: &str) -> bool {
    text.starts_with("case ") || text.starts_with("default:") || text.starts_with("default :")
}

pub(super) fn is_goto_label(text: &str) -> bool {
    let ident: String = text
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    !ident.is_empty() && ident != "default" && text[ident.len()..].trim() == ":"
}

/// kernel-doc's `/* private: */` and `/* public: */` in a struct stand where the file's nearest
/// one stands: some files put them in column 0 like labels (damon.h); most at their members'
/// depth (43 of the 58 in Debian 7.2's include/linux and kernel, 15 in column 0). `None` for
/// other lines, or when the file has none. Heal benchmark, archive without `index` lines:
/// +4 / +13 added lines exact; taking the nearest one's only when in column 0 (a nested
/// struct's depth says nothing of an outer one's, in principle): -2 / -1 lines against that.
pub(super) fn kernel_doc_marker_indent<'a>(
    lines: &'a [String],
    t: usize,
    text: &str,
    targets: &[usize],
) -> Option<&'a str> {
    if !is_kernel_doc_marker(text) {
        return None;
    }
    let nearest = nearest_tree_line(lines, t, targets, lines.len(), is_kernel_doc_marker)?;
    Some(leading(&lines[nearest]))
}

/// The line of the tree (not among `targets`) nearest to `t`, within `reach` lines either
/// side, that `is` says is one of its kind.
fn nearest_tree_line(
    lines: &[String],
    t: usize,
    targets: &[usize],
    reach: usize,
    is: impl Fn(&str) -> bool,
) -> Option<usize> {
    let lo = t.saturating_sub(reach);
    let hi = t.saturating_add(reach).min(lines.len());
    (lo..hi)
        .filter(|&j| j != t && targets.binary_search(&j).is_err() && is(&lines[j]))
        .min_by_key(|&j| j.abs_diff(t))
}

pub(super) fn is_kernel_doc_marker(line: &str) -> bool {
    let inner = line
        .trim()
        .strip_prefix("/*")
        .and_then(|r| r.strip_suffix("*/"))
        .map(str::trim);
    matches!(inner, Some("private:" | "public:"))
}

/// Labels stand in column 0 (kernel style), unless the nearest labels of the tree around `t`
/// stand otherwise (the interpreter's jump table in kernel/bpf/core.c is a tab in; old code
/// puts one space before `out:`).
pub(super) fn label_indent<'a>(lines: &'a [String], t: usize, targets: &[usize]) -> &'a str {
    nearest_tree_line(lines, t, targets, 80, |l| is_goto_label(l.trim()))
        .map(|j| leading(&lines[j]))
        .unwrap_or("")
}
