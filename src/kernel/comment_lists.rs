//! Lists inside block comments (` *  1. text`, ` * - text`) whose spacing an archive collapsed.
//! Measured on include/linux and kernel/bpf of 6.1 and 7.2: a list item's gap after the star
//! is its neighbour item's in 99 % of items; the first line continuing an item stands under
//! the item's text in 79 % (one space in 8 %), mostly reached with spaces; a further line
//! stands where the line above it stands, or under the text, in 89 %. A file whose own
//! continued items mostly do otherwise keeps what the mail had. Plain text under plain text
//! that is set off from its star goes on where the line above stands (80 % in 7.2); the first
//! line under a term's definition (`name - text`) stands under its text where the file's own
//! mostly do.

use super::indent::{pad_exact, width};
use super::prose::star_gap;

/// What marks an item: items of one list share it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    /// `1.`, `2)`, `(3)`.
    Number,
    /// `a.`, `b)`.
    Letter,
    /// `-`, `*`.
    Bullet(char),
}

/// A comment line that is a list item: its star (with what precedes it), the gap after the
/// star, its marker, and the column its text starts at.
struct Item<'a> {
    star: &'a str,
    gap: &'a str,
    marker: Marker,
    text_column: usize,
}

fn item(line: &str) -> Option<Item<'_>> {
    let (star, gap) = star_gap(line)?;
    let rest = &line[star.len() + gap.len()..];
    let bytes = rest.as_bytes();
    let (marker, len) = match bytes.first()? {
        // `+` opens a footnote more often than an item.
        b'-' | b'*' => (Marker::Bullet(bytes[0] as char), 1),
        b'(' => {
            let digits = rest[1..].bytes().take_while(u8::is_ascii_digit).count();
            (digits > 0 && rest[1 + digits..].starts_with(')')).then_some((Marker::Number, digits + 2))?
        }
        b'0'..=b'9' => {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            matches!(bytes.get(digits), Some(b'.' | b')')).then_some((Marker::Number, digits + 1))?
        }
        b'a'..=b'z' => matches!(bytes.get(1), Some(b'.' | b')')).then_some((Marker::Letter, 2))?,
        _ => return None,
    };
    // `*/` closes the comment; `e.g.` and `-1` are words, not markers.
    let after = &rest[len..];
    let text = after.trim_start_matches([' ', '\t']);
    if text.is_empty() || text.len() == after.len() || rest.starts_with("*/") {
        return None;
    }
    let text_column = width(&line[..line.len() - text.len()], 0);
    Some(Item {
        star,
        gap,
        marker,
        text_column,
    })
}

/// A comment body line with text that is not an item (nor a kernel-doc `@name:` line).
fn is_plain_text(line: &str) -> bool {
    star_gap(line).is_some() && item(line).is_none() && !line.trim_start()[1..].trim_start().starts_with('@')
}

/// The definition of a line that opens a term's (`HMM_PFN_VALID - the pfn field …`, `0 - …`:
/// `the pfn field …`): a new entry, not text going on under the one above.
fn term_definition(text: &str) -> Option<&str> {
    let word = text.split([' ', '\t']).next().unwrap_or("");
    let dash = text[word.len()..].trim_start_matches([' ', '\t']).strip_prefix("- ")?;
    Some(dash.trim_start_matches([' ', '\t']))
}

fn defines_a_term(text: &str) -> bool {
    term_definition(text).is_some()
}

/// The column a term's definition's text starts at (`HMM_PFN_VALID - the pfn …`: `the`).
fn term_text_column(line: &str) -> Option<usize> {
    let (star, gap) = star_gap(line)?;
    let definition = term_definition(&line[star.len() + gap.len()..])?;
    Some(width(&line[..line.len() - definition.len()], 0))
}

/// How the file's own term definitions (not being rebuilt) are continued on their next line:
/// under the definition's text (and whether reached with tabs), when that is more common than
/// one space and than any other column. Each such line voted on by its file's others in
/// include/linux and kernel/bpf of 7.2: right for 66 %, one space always for 38 %.
fn terms_continue_under(lines: &[String], targets: &[usize]) -> Option<bool> {
    let votes = continuation_votes(lines, targets, term_text_column, defines_a_term);
    (votes.tabs + votes.spaces > votes.single.max(votes.other)).then_some(votes.tabs > votes.spaces)
}

/// How many plain lines after a head line stand under the head's column (reached with tabs,
/// or with spaces only), one space after the star, or elsewhere.
struct Votes {
    tabs: usize,
    spaces: usize,
    single: usize,
    other: usize,
}

/// The votes of the file's plain lines (not being rebuilt) right after a line for which
/// `head_column` gives a column; lines whose text `skip` says opens an entry of their own are
/// not counted.
fn continuation_votes(
    lines: &[String],
    targets: &[usize],
    head_column: impl Fn(&str) -> Option<usize>,
    skip: impl Fn(&str) -> bool,
) -> Votes {
    let mut votes = Votes {
        tabs: 0,
        spaces: 0,
        single: 0,
        other: 0,
    };
    for j in 1..lines.len() {
        if targets.binary_search(&j).is_ok() || !is_plain_text(&lines[j]) {
            continue;
        }
        let (Some(column), Some((star, gap))) = (head_column(&lines[j - 1]), star_gap(&lines[j])) else {
            continue;
        };
        if skip(&lines[j][star.len() + gap.len()..]) {
            continue;
        }
        match (width(gap, width(star, 0)) == column, gap.contains('\t')) {
            (true, true) => votes.tabs += 1,
            (true, false) => votes.spaces += 1,
            _ if gap == " " => votes.single += 1,
            _ => votes.other += 1,
        }
    }
    votes
}

/// The item line that `j` continues: the nearest item above with only plain text lines
/// between (a bare ` *` ends an item).
fn continued_item(lines: &[String], j: usize) -> Option<usize> {
    if !is_plain_text(&lines[j]) {
        return None;
    }
    (j.saturating_sub(12)..j).rev().find_map(|k| match item(&lines[k]) {
        Some(_) => Some(Some(k)),
        None if is_plain_text(&lines[k]) => None,
        None => Some(None),
    })?
}

/// The nearest item of the same list as `t` (same marker, same comment), items of the tree
/// before added ones: above first, then below.
fn neighbour_item(lines: &[String], t: usize, marker: Marker, targets: &[usize]) -> Option<usize> {
    let in_comment = |k: usize| star_gap(&lines[k]).is_some() || lines[k].trim() == "*";
    let above = (t.saturating_sub(40)..t).rev().take_while(|&k| in_comment(k));
    let below = (t + 1..lines.len().min(t + 40)).take_while(|&k| in_comment(k));
    let same = |k: &usize| item(&lines[*k]).is_some_and(|i| i.marker == marker);
    let candidates: Vec<usize> = above.chain(below).filter(same).collect();
    let tree = candidates.iter().find(|k| targets.binary_search(k).is_err());
    tree.or(candidates.first()).copied()
}

/// How the file's own items are continued on their first next line: under the item's text
/// (and whether reached with tabs), or otherwise. `None` when they mostly stand otherwise.
fn continues_under(lines: &[String], targets: &[usize]) -> Option<bool> {
    let votes = continuation_votes(lines, targets, |l| item(l).map(|head| head.text_column), |_| false);
    (votes.tabs + votes.spaces >= votes.single + votes.other).then_some(votes.tabs > votes.spaces)
}

/// Re-gap the added comment lines `targets` that an archive left with one space after the
/// star where they are list items or continue one. Returns the lines changed, each with the
/// text the mail gave it.
pub fn realign(lines: &mut [String], targets: &[usize]) -> Vec<(usize, String)> {
    let mut changed = Vec::new();
    let mut under: Option<Option<bool>> = None;
    let mut terms: Option<Option<bool>> = None;
    for &t in targets {
        let Some((star, " ")) = star_gap(&lines[t]) else {
            continue;
        };
        let star = star.to_string();
        let star_column = width(&star, 0);
        let text = lines[t][star.len() + 1..].to_string();
        let gap = if let Some(own) = item(&lines[t]) {
            let Some(k) = neighbour_item(lines, t, own.marker, targets) else {
                continue;
            };
            let Some(other) = item(&lines[k]) else { continue };
            (other.star == star).then(|| other.gap.to_string())
        } else if let Some(k) = continued_item(lines, t) {
            let tabs = *under.get_or_insert_with(|| continues_under(lines, targets));
            let (Some(tabs), Some(head)) = (tabs, item(&lines[k])) else {
                continue;
            };
            // A further line stands where the line above it stands.
            let column = match k + 1 < t {
                true => star_gap(&lines[t - 1]).map(|(s, g)| width(g, width(s, 0))),
                false => Some(head.text_column),
            };
            column.filter(|&c| c > star_column + 1).map(|c| match tabs {
                true => pad_exact(star_column, c),
                false => " ".repeat(c - star_column),
            })
        } else if t > 0 && is_plain_text(&lines[t]) && is_plain_text(&lines[t - 1]) && !defines_a_term(&text) {
            // The first line continuing a term's definition stands as the file's others do.
            let term = term_text_column(&lines[t - 1]).and_then(|c| {
                terms
                    .get_or_insert_with(|| terms_continue_under(lines, targets))
                    .map(|tabs| (c, tabs))
            });
            match term {
                Some((c, tabs)) if c > star_column + 1 => Some(match tabs {
                    true => pad_exact(star_column, c),
                    false => " ".repeat(c - star_column),
                }),
                // Text under text set off from its star (a tabbed paragraph, an example) goes
                // on where the line above stands: 80 % of such lines in 7.2 (one space 6 %).
                _ => star_gap(&lines[t - 1]).and_then(|(s, g)| (s == star).then(|| g.to_string())),
            }
        } else if t > 1 && lines[t - 1].trim() == "*" && is_plain_text(&lines[t]) && !defines_a_term(&text) {
            // A paragraph after a bare ` *` starts where the tree's paragraph above stands
            // (tty_ldisc.h's ` *\tOptional.` under a tabbed description). Heal benchmark,
            // archive without `index` lines: +0 / +1 files identical, +16 / +8 added lines
            // exact; also under added paragraphs (which follow this very rule): -88 / -45 lines.
            let above = (t.saturating_sub(12)..t - 1).rev().find(|&k| lines[k].trim() != "*");
            above
                .filter(|&k| is_plain_text(&lines[k]) && targets.binary_search(&k).is_err())
                .and_then(|k| star_gap(&lines[k]))
                .and_then(|(s, g)| (s == star).then(|| g.to_string()))
        } else if names_a_parameter(&text) {
            param_gap(lines, t, &star)
        } else {
            None
        };
        if let Some(gap) = gap.filter(|g| g != " ") {
            let mail = std::mem::replace(&mut lines[t], format!("{star}{gap}{text}"));
            changed.push((t, mail));
        }
    }
    changed
}

/// The gap after the star of the kernel-doc parameter nearest to `t` in its comment (within
/// [`PARAM_REACH`] lines either way, the one above first), when it is a tab: a parameter added
/// among parameters set off from their star by a tab is too. In 7.2, of the parameter lines
/// whose nearest parameters above and below are tab-set, 305 of 308 are (257 of 284 where
/// only one side has a parameter). Heal benchmark, archive without `index` lines: +4 / +3
/// added lines exact; with: +0 / +1 files proven (if_vlan.h).
fn param_gap(lines: &[String], t: usize, star: &str) -> Option<String> {
    let gap_of = |j: usize| -> Option<Option<&str>> {
        let (s, g) = star_gap(&lines[j])?;
        if s != star {
            return None;
        }
        Some(names_a_parameter(&lines[j][s.len() + g.len()..]).then_some(g))
    };
    let nearest = |range: &mut dyn Iterator<Item = usize>| range.map_while(gap_of).flatten().next();
    let above = nearest(&mut (t.saturating_sub(PARAM_REACH)..t).rev());
    let below = nearest(&mut (t + 1..lines.len().min(t + 1 + PARAM_REACH)));
    above.or(below).filter(|&g| g == "\t").map(str::to_string)
}

/// `@name:` opening a kernel-doc parameter's description (not `@name` cited in a sentence).
fn names_a_parameter(text: &str) -> bool {
    text.strip_prefix('@').is_some_and(|rest| {
        let name = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(rest.len());
        name > 0 && rest[name..].starts_with(':')
    })
}

/// How far [`param_gap`] looks for a parameter, in lines.
const PARAM_REACH: usize = 6;

#[cfg(test)]
mod tests {
    use super::*;

    fn file(tree: &[&str], added: &[&str], after: &[&str]) -> (Vec<String>, Vec<usize>) {
        let mut lines: Vec<String> = tree.iter().map(|s| s.to_string()).collect();
        let first = lines.len();
        lines.extend(added.iter().map(|s| s.to_string()));
        lines.extend(after.iter().map(|s| s.to_string()));
        (lines, (first..first + added.len()).collect())
    }

    #[test]
    fn an_added_item_takes_its_neighbours_gap_and_its_continuation_stands_under_its_text() {
        // kernel/bpf/cgroup_iter.c (7.2): its walk orders are numbered two spaces after the star.
        let (mut lines, targets) = file(
            &[
                "/*",
                " *  1. Walk the descendants of a cgroup in pre-order.",
                " *  4. Show the given cgroup only.",
            ],
            &[
                " * 5. Walk the children of a given parent cgroup.",
                " *",
                " * See above.",
            ],
            &[" */"],
        );
        let changed = realign(&mut lines, &targets);
        assert_eq!(
            changed,
            vec![(3, " * 5. Walk the children of a given parent cgroup.".to_string())]
        );
        assert_eq!(lines[3], " *  5. Walk the children of a given parent cgroup.");
        assert_eq!(lines[5], " * See above.", "a line after an item's end is its own");
        // include/linux/entry-common.h (6.12): a numbered step continued under its text.
        let (mut lines, targets) = file(
            &[
                "/**",
                " * 2) call tick_nohz_user_enter_prepare()",
                " * 3) call exit_to_user_mode_loop() if any flags from",
            ],
            &[
                " * EXIT_TO_USER_MODE_WORK are set",
                " * and more",
                " * 4) check that interrupts are still disabled",
            ],
            &[" */"],
        );
        let changed: Vec<usize> = realign(&mut lines, &targets).into_iter().map(|(t, _)| t).collect();
        assert_eq!(changed, vec![3, 4]);
        assert_eq!(lines[3], " *    EXIT_TO_USER_MODE_WORK are set");
        assert_eq!(lines[4], " *    and more");
        assert_eq!(lines[5], " * 4) check that interrupts are still disabled");
    }

    #[test]
    fn text_under_text_set_off_from_its_star_goes_on_where_the_line_above_stands() {
        // include/linux/kgdb.h (6.12 -> 7.2): a tabbed paragraph rewritten.
        let (mut lines, targets) = file(
            &[
                " *\tOn SMP systems, we need to get the attention of the other CPUs",
                " *\tand get them into a known state.  This should do what is needed",
            ],
            &[
                " * to get the other CPUs to call kgdb_handle_exception().  Note that",
                " * on some arches, the NMI approach is not used for rounding up all",
            ],
            &[" *"],
        );
        assert_eq!(realign(&mut lines, &targets).len(), 2);
        assert_eq!(
            lines[2],
            " *\tto get the other CPUs to call kgdb_handle_exception().  Note that"
        );
        assert_eq!(
            lines[3],
            " *\ton some arches, the NMI approach is not used for rounding up all"
        );
        // include/linux/hmm.h (7.2): a term's definition after a continued one is a new entry.
        let (mut lines, targets) = file(
            &[
                " * HMM_PFN_ERROR - accessing the pfn is impossible and the device should",
                " *                 fail. ie poisoned memory, special pages, no vma, etc",
            ],
            &[" * HMM_PFN_P2PDMA - P2P page"],
            &[],
        );
        assert!(realign(&mut lines, &targets).is_empty());
    }

    #[test]
    fn a_paragraph_after_a_bare_star_starts_where_the_trees_paragraph_above_stands() {
        // include/linux/tty_ldisc.h (6.1 -> 6.12): `Optional.` added under a tabbed description.
        let (mut lines, targets) = file(
            &[
                " * @open: [TTY] ``int ()(struct tty_struct *tty)``",
                " *",
                " *\tThis function is called when the line discipline is associated with the",
                " *\tthe tty. No other call into the line discipline for this tty will occur",
                " *",
            ],
            &[" * Optional.", " *", " * Optional. Can sleep."],
            &[" *", " * @close: [TTY] ``void ()(struct tty_struct *tty)``"],
        );
        assert_eq!(realign(&mut lines, &targets).len(), 1);
        assert_eq!(lines[5], " *\tOptional.");
        // Under an added paragraph the mail's single space stays: the added one may be wrong.
        assert_eq!(lines[7], " * Optional. Can sleep.");
        // After a kernel-doc heading the tree says nothing about a paragraph's start.
        let (mut lines, targets) = file(&[" * @open: [TTY] ``int ()``", " *"], &[" * Optional."], &[]);
        assert!(realign(&mut lines, &targets).is_empty());
    }

    #[test]
    fn a_terms_definition_is_continued_under_its_text_where_the_file_does_so() {
        // include/linux/mhi.h (6.1 -> 6.12): the file continues most function summaries under
        // their text, with spaces; the added mhi_power_down's goes on there too.
        let tree = [
            " * mhi_alloc_controller - Allocate the MHI Controller structure",
            " * Allocate the mhi_controller structure using zero initialized memory",
            " *",
            " * mhi_queue_dma - Send or receive DMA mapped buffers from client device",
            " *                 over MHI channel",
            " *",
            " * mhi_queue_buf - Send or receive raw buffers from client device over MHI",
            " *                 channel",
            " *",
        ];
        let (mut lines, targets) = file(
            &tree,
            &[
                " * mhi_power_down - Power down the MHI device and also destroy the",
                " * 'struct device' for the channels associated with it.",
            ],
            &[" */"],
        );
        assert_eq!(realign(&mut lines, &targets).len(), 1);
        assert_eq!(
            lines[10],
            " *                  'struct device' for the channels associated with it."
        );
        // Where the file's summaries go on with one space, so does the added one.
        let (mut lines, targets) = file(
            &tree[..3],
            &[
                " * mhi_power_down - Power down the MHI device and also destroy the",
                " * 'struct device' for the channels associated with it.",
            ],
            &[" */"],
        );
        assert!(realign(&mut lines, &targets).is_empty());
    }

    #[test]
    fn a_file_whose_items_continue_otherwise_keeps_the_single_space() {
        let (mut lines, targets) = file(
            &[
                "/*",
                " * - one item",
                " * that goes on",
                " * - another",
                " * goes on too",
                " *",
            ],
            &[" * - a new item", " * continued"],
            &[" */"],
        );
        assert!(realign(&mut lines, &targets).is_empty());
        // Words are not markers.
        assert!(item(" * e.g. this").is_none() && item(" * -1 is an error").is_none());
        assert!(item(" * (2) second").is_some_and(|i| i.text_column == 7));
    }

    #[test]
    fn a_parameter_added_among_tab_set_parameters_is_tab_set() {
        // include/linux/if_vlan.h (7.2): `@rcu:` among `*\t@name:` lines; a parameter cited at
        // the start of a description line (pinmux.h's ` *\t@groups and …`) is none.
        let (mut lines, targets) = file(
            &["/**", " *\t@real_dev: underlying netdevice", " *\t@vlan_id: VLAN id"],
            &[" * @rcu: used for deferred freeing of mapping nodes"],
            &[" */"],
        );
        assert_eq!(realign(&mut lines, &targets).len(), 1);
        assert_eq!(lines[3], " *\t@rcu: used for deferred freeing of mapping nodes");
        assert!(!names_a_parameter("@groups and the number of groups"));
        assert!(names_a_parameter("@ops.free: the callback"));
    }
}
