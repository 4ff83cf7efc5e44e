//! Gaps inside an added line taken from its twin: the removed line of the same hunk it
//! rewrites, whose real bytes the tree still has.
//!
//! Most added lines in a kernel patch change a line rather than write a new one
//! (`-#define X_LAST_FIELD old` / `+#define X_LAST_FIELD new`, a renamed argument, one more
//! flag in an aligned initializer). An archive collapsed the added line's runs of blanks, but
//! where two words of it stand side by side in the twin too, the author kept the gap between
//! them as it was — a tab, a run of spaces, or a single space. That is a fact from the tree,
//! stronger than any column the neighbours suggest, so it is applied last.

use super::indent::width;
use std::collections::{HashMap, HashSet};

/// A line as its leading whitespace, then words with the gap before each (the first word's
/// gap is empty).
struct Split<'a> {
    words: Vec<&'a str>,
    gaps: Vec<&'a str>,
}

fn split(line: &str) -> (&str, Split<'_>) {
    let body = line.trim_start_matches([' ', '\t']);
    let lead = &line[..line.len() - body.len()];
    let mut words = Vec::new();
    let mut gaps = Vec::new();
    let mut rest = body;
    let mut gap = "";
    while !rest.is_empty() {
        let end = rest.find([' ', '\t']).unwrap_or(rest.len());
        words.push(&rest[..end]);
        gaps.push(gap);
        let after = &rest[end..];
        let next = after.trim_start_matches([' ', '\t']);
        gap = &after[..after.len() - next.len()];
        rest = next;
    }
    (lead, Split { words, gaps })
}

/// The longest common subsequence of two word lists, as pairs of indices, in order.
fn common_words(a: &[&str], b: &[&str]) -> Vec<(usize, usize)> {
    let (n, m) = (a.len(), b.len());
    let mut len = vec![vec![0u16; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            len[i][j] = if a[i] == b[j] {
                len[i + 1][j + 1] + 1
            } else {
                len[i + 1][j].max(len[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n && j < m {
        if a[i] == b[j] {
            out.push((i, j));
            i += 1;
            j += 1;
        } else if len[i + 1][j] >= len[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// The gap that reaches the column the twin's `gap` reached (from `twin_col`), starting at
/// `col`: the same bytes when both start at the same column; otherwise padding of the twin's
/// kind to its column, or one blank of that kind when the line is already past it. A single
/// space is a single space wherever it stands. A space before a tab (checkpatch's "no space
/// before tabs") is not copied: the tabs alone reach the column.
fn same_column_gap(gap: &str, twin_col: usize, col: usize) -> String {
    if gap == " " || (col == twin_col && !gap.contains(" \t")) {
        return gap.to_string();
    }
    let target = width(gap, twin_col);
    let tabs = gap.contains('\t');
    if col >= target {
        return if tabs { "\t".into() } else { " ".into() };
    }
    if tabs {
        let mut out = String::new();
        let mut c = col;
        while c < target {
            out.push('\t');
            c = (c / 8 + 1) * 8;
        }
        // A tab stop past the column: spaces finish what tabs cannot.
        if c > target {
            out.pop();
            c = width(&out, col);
            out.push_str(&" ".repeat(target - c));
        }
        out
    } else {
        " ".repeat(target - col)
    }
}

/// Gaps of `line` (an added line whose blanks were collapsed) between two words that stand
/// side by side in `twin` too, set to reach the twin's column. Returns the new line and how
/// many word pairs the twin vouched for (0: it says nothing about this line).
pub fn apply(line: &str, twin: &str) -> (String, usize) {
    apply_anchored(line, twin, false)
}

/// `line` with the twin's gaps, but where it inserted words after a word both have, the other
/// reading of the insertion than [`apply`]'s: in code, the twin's gap kept after that word and
/// a single space before the twin's next word (kernfs.h's `const char\t\t__rcu *name;` for
/// `const char\t\t*name;`); after a comment's star, the next word keeping its column. `None`
/// when the line inserts nothing.
pub fn inserted_left(line: &str, twin: &str) -> Option<String> {
    let alt = apply_anchored(line, twin, true).0;
    (alt != apply(line, twin).0).then_some(alt)
}

/// Words inserted right after a comment's opening or star are the comment's text: the twin's
/// gap after the star is the text's indentation, kept before the first inserted word
/// (tty_ldisc.h's ` *\tOptional. Can sleep.` for ` *\tCan sleep.`), not a column the next
/// word keeps. Heal benchmark, archive without `index` lines: +7 / +10 added lines exact.
fn opens_comment_text(word: &str) -> bool {
    matches!(word, "*" | "/*" | "/**" | "//")
}

/// `other_reading`: the other reading of an insertion than the usual one for its anchor.
fn apply_anchored(line: &str, twin: &str, other_reading: bool) -> (String, usize) {
    let (lead, mine) = split(line);
    let (twin_lead, theirs) = split(twin);
    if mine.words.len() < 2 || mine.words.len() > 400 || theirs.words.len() > 400 {
        return (line.to_string(), 0);
    }
    let pairs = common_words(&mine.words, &theirs.words);
    // For each of my gaps the twin vouches for: the twin's gap, and its column.
    let mut twin_gap: Vec<Option<(&str, usize)>> = vec![None; mine.words.len()];
    let mut twin_cols = Vec::with_capacity(theirs.words.len());
    // Columns are the twin's as if it stood at this line's indentation: a block moved a tab
    // deeper keeps its table's columns relative to its lines.
    let mut col = width(lead, 0);
    for (gap, word) in theirs.gaps.iter().zip(&theirs.words) {
        col = width(gap, col);
        twin_cols.push(col);
        col = width(word, col);
    }
    let end_of = |j: usize| width(theirs.words[j], twin_cols[j]);
    let mut vouched = 0;
    let mut single = Vec::new();
    // A macro's closing `\\` stands at the macro's column, not where the twin's next word
    // stood (percpu-defs.h's `#define per_cpu_ptr(ptr, cpu)\t({ …` became a macro).
    let continues = |words: &[&str], at: usize| at + 1 == words.len() && words[at] == "\\";
    for (k, &(i, j)) in pairs.iter().enumerate() {
        // The gap before a word both lines have, measured from the twin's word before it.
        if i > 0 && j > 0 {
            twin_gap[i] = Some((theirs.gaps[j], end_of(j - 1)));
        }
        // The gap after a word both have, when the next words differ: left-anchored.
        // Left-anchored only where both lines replaced what follows: where this line inserted
        // words before the twin's next one (`unsigned int x;` for `unsigned\t\t\tx;`), the
        // twin's gap is the one before that word, not after this one.
        let inserted = pairs.get(k + 1).filter(|&&(i1, j1)| j1 == j + 1 && i1 > i + 1);
        let left_anchored = other_reading != (i == 0 && j == 0 && opens_comment_text(mine.words[0]));
        if let (Some(&(i1, _)), true) = (inserted, left_anchored) {
            single.push(i1);
        }
        let next_matched =
            pairs.get(k + 1).is_some_and(|&(i1, _)| i1 == i + 1) || (inserted.is_some() && !left_anchored);
        if !next_matched
            && i + 1 < mine.words.len()
            && j + 1 < theirs.words.len()
            && continues(&mine.words, i + 1) == continues(&theirs.words, j + 1)
        {
            twin_gap[i + 1] = Some((theirs.gaps[j + 1], end_of(j)));
        }
    }
    for i in single {
        twin_gap[i] = Some((" ", 0));
    }
    vouched += twin_gap.iter().filter(|g| g.is_some()).count();
    if vouched == 0 {
        return (line.to_string(), 0);
    }
    // A macro's continuing `\\` stands at an absolute column, whatever the line's depth.
    let shift = width(lead, 0) as isize - width(twin_lead, 0) as isize;
    let last = mine.words.len() - 1;
    let mut out = String::with_capacity(line.len() + 8);
    out.push_str(lead);
    let mut col = width(lead, 0);
    for (i, ((gap, word), twin)) in mine.gaps.iter().zip(&mine.words).zip(&twin_gap).enumerate() {
        let gap = match twin {
            Some((their_gap, their_col)) if i == last && *word == "\\" && their_gap.contains('\t') => {
                same_column_gap(their_gap, (*their_col as isize - shift).max(0) as usize, col)
            }
            // Spaces after a full stop space a sentence; they align nothing (cred.h's
            // `credentials.  The caller`, one word shorter before it than its twin).
            Some((their_gap, _))
                if i > 0 && ends_sentence(mine.words[i - 1]) && their_gap.bytes().all(|b| b == b' ') =>
            {
                their_gap.to_string()
            }
            Some((their_gap, their_col)) => same_column_gap(their_gap, *their_col, col),
            None => gap.to_string(),
        };
        col = width(word, width(&gap, col));
        out.push_str(&gap);
        out.push_str(word);
    }
    (out, vouched)
}

/// A word that ends a sentence (`credentials.`, `it?`), not an abbreviation's dot in a
/// word (`e.g.` ends one too: an author spacing sentences writes it so).
fn ends_sentence(word: &str) -> bool {
    word.len() > 1 && word.ends_with(['.', '?', '!'])
}

/// A word that says something: it has a letter or a digit (`=`, `{`, `\\` are in every line).
fn significant(word: &str) -> bool {
    word.bytes().any(|b| b.is_ascii_alphanumeric())
}

/// The words of `line` that say something, in order: what twins are matched on.
fn significant_words(line: &str) -> Vec<&str> {
    split(line).1.words.into_iter().filter(|w| significant(w)).collect()
}

/// The removed lines of one hunk, split into their significant words once: every added line of
/// the hunk looks for its twin among them (verifier.c's 19,076-line change from 6.12 to 7.2
/// spent most of its 12 s splitting them again for each added line).
pub struct Removed<'a> {
    lines: Vec<&'a str>,
    words: Vec<Vec<&'a str>>,
    /// Each word, with the lines that have it and how often.
    index: HashMap<&'a str, Vec<(usize, usize)>>,
}

impl<'a> Removed<'a> {
    pub fn new(lines: impl IntoIterator<Item = &'a str>) -> Self {
        let lines: Vec<&'a str> = lines.into_iter().collect();
        let words: Vec<Vec<&'a str>> = lines.iter().map(|l| significant_words(l)).collect();
        let mut index: HashMap<&'a str, Vec<(usize, usize)>> = HashMap::new();
        for (k, ws) in words.iter().enumerate() {
            for &w in ws {
                let at = index.entry(w).or_default();
                match at.last_mut() {
                    Some((line, n)) if *line == k => *n += 1,
                    _ => at.push((k, 1)),
                }
            }
        }
        Removed { lines, words, index }
    }
}

/// The twin of `line` among `removed` (tree lines): the one sharing the most significant
/// words, at least half of the longer line's; `None` when no removed line is that close.
pub fn best<'a>(line: &str, removed: &Removed<'a>) -> Option<(&'a str, String)> {
    let mine = significant_words(line);
    if mine.is_empty() {
        return None;
    }
    let vocabulary: HashSet<&str> = mine.iter().copied().collect();
    // Words in common, in any order, bound the ordered count: most lines stop here, and a line
    // with none of this line's words is never looked at.
    let mut any_order: HashMap<usize, usize> = HashMap::new();
    for w in &vocabulary {
        for &(k, n) in removed.index.get(w).map_or(&[][..], Vec::as_slice) {
            *any_order.entry(k).or_default() += n;
        }
    }
    let mut candidates: Vec<(usize, usize)> = any_order.into_iter().collect();
    candidates.sort_unstable();
    let mut best: Option<(usize, usize)> = None;
    for (k, any_order) in candidates {
        let theirs = &removed.words[k];
        if any_order * 2 < mine.len().max(theirs.len()) || best.is_some_and(|b| any_order <= b.1) {
            continue;
        }
        let shared = common_words(&mine, theirs).len();
        if shared > 0 && shared * 2 >= mine.len().max(theirs.len()) && best.is_none_or(|b| shared > b.1) {
            best = Some((k, shared));
        }
    }
    let twin = removed.lines[best?.0];
    let (healed, vouched) = apply(line, twin);
    (vouched > 0).then_some((twin, healed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sentence_keeps_its_twins_two_spaces_wherever_it_stands() {
        // include/linux/cred.h, 6.1 -> 6.12: `Get a reference` became `Get references`, one
        // column shorter; the two spaces after the stop are a sentence's, not a column.
        let (healed, _) = apply(
            " * Get references on the specified set of credentials. The caller must release",
            " * Get a reference on the specified set of credentials.  The caller must",
        );
        assert_eq!(
            healed,
            " * Get references on the specified set of credentials.  The caller must release"
        );
    }

    #[test]
    fn a_closing_backslash_takes_no_gap_from_a_twin_without_one() {
        // include/linux/percpu-defs.h, 6.12 -> 7.2: a one-line macro became a block.
        let (healed, _) = apply(
            "#define per_cpu_ptr(ptr, cpu) \\",
            "#define per_cpu_ptr(ptr, cpu)\t({ (void)(cpu); VERIFY_PERCPU_PTR(ptr); })",
        );
        assert_eq!(healed, "#define per_cpu_ptr(ptr, cpu) \\");
    }

    #[test]
    fn words_inserted_before_the_name_take_the_twins_gap_before_the_name() {
        // include/linux/iio/iio-opaque.h and if_pppox.h, 6.12 -> 7.2.
        let (healed, _) = apply("\tunsigned int cached_reg_addr;", "\tunsigned\t\t\tcached_reg_addr;");
        assert_eq!(healed, "\tunsigned int\t\t\tcached_reg_addr;");
        let (healed, _) = apply(
            "\tstruct pppox_sock __rcu *next; /* for hash table */",
            "\tstruct pppox_sock\t*next;\t  /* for hash table */",
        );
        assert!(healed.starts_with("\tstruct pppox_sock __rcu\t*next;"), "{healed}");
        // include/linux/kernfs.h, 6.12 -> 7.2: the other reading, for the search.
        let line = "\tconst char __rcu *name;";
        assert_eq!(
            inserted_left(line, "\tconst char\t\t*name;").as_deref(),
            Some("\tconst char\t\t__rcu *name;")
        );
        assert_eq!(inserted_left("\tconst char *x;", "\tconst char\t\t*name;"), None);
    }

    #[test]
    fn words_inserted_after_a_comments_star_take_the_stars_gap() {
        // include/linux/tty_ldisc.h, 6.1 -> 6.12: ` *\tCan sleep.` became
        // ` *\tOptional. Can sleep.`; the tab is the text's indentation, not `Can`'s column.
        let (healed, _) = apply(" * Optional. Can sleep.", " *\tCan sleep.");
        assert_eq!(healed, " *\tOptional. Can sleep.");
        assert_eq!(
            inserted_left(" * Optional. Can sleep.", " *\tCan sleep.").as_deref(),
            Some(" * Optional.\tCan sleep.")
        );
    }

    #[test]
    fn a_changed_define_keeps_its_twins_single_space() {
        // kernel/bpf/syscall.c, 6.12 -> 7.2; the neighbours' tab column would be wrong here.
        let (healed, n) = apply(
            "#define BPF_MAP_CREATE_LAST_FIELD\texcl_prog_hash_size",
            "#define BPF_MAP_CREATE_LAST_FIELD map_token_fd",
        );
        assert_eq!(healed, "#define BPF_MAP_CREATE_LAST_FIELD excl_prog_hash_size");
        assert_eq!(n, 2);
    }

    #[test]
    fn a_space_before_the_twins_tabs_is_not_copied() {
        // include/linux/amba/serial.h, 6.1 -> 6.12: `0x08` became `BIT(3)`, and the author's
        // tabs reach the value's column without the old line's space before them.
        let (healed, _) = apply("#define UART01x_RSR_OE BIT(3)", "#define UART01x_RSR_OE \t\t0x08");
        assert_eq!(healed, "#define UART01x_RSR_OE\t\tBIT(3)");
    }

    #[test]
    fn aligned_words_take_the_twins_runs_and_the_indent_stays() {
        let (healed, n) = apply(
            "\t\t{\"smin\", reg_smin(reg), reg_smin(reg) == S64_MIN},",
            "\t{\"smin\",   reg->smin_value,       reg->smin_value == S64_MIN},",
        );
        // kernel/bpf/log.c: the table moved a tab deeper and keeps its columns; the gap
        // between two changed words is not the twin's to say.
        assert_eq!(healed, "\t\t{\"smin\",   reg_smin(reg), reg_smin(reg) == S64_MIN},");
        assert_eq!(n, 3);
        let (healed, _) = apply(
            " * 5. Walk the children of a given parent.",
            " *  5. Walk the children of a parent.",
        );
        assert_eq!(healed, " *  5. Walk the children of a given parent.");
    }

    #[test]
    fn a_longer_head_reaches_the_twins_column_not_its_bytes() {
        // `int foo;\t\t/* … */` becomes `unsigned int foo;` + one tab to the same column 24.
        let (healed, _) = apply("\tunsigned int foo; /* the foo */", "\tint foo;\t\t/* the foo */");
        assert_eq!(healed, "\tunsigned int foo;\t/* the foo */");
        // Past the column: one blank of the twin's kind.
        let (healed, _) = apply("\tunsigned long long foo; /* the foo */", "\tint foo;\t/* the foo */");
        assert_eq!(healed, "\tunsigned long long foo;\t/* the foo */");
        // Spaces to the column.
        let (healed, _) = apply("#define AB 1", "#define A   1");
        assert_eq!(healed, "#define AB  1");
    }

    #[test]
    fn punctuation_alone_makes_no_twin_and_backslashes_keep_their_column() {
        // include/linux/alloc_tag.h, 7.2: `= … \\` is in both, nothing else.
        assert!(best(
            "\t\t.ct = CODE_TAG_INIT, \\",
            &Removed::new(["\t__section(\"alloc_tags\") = {\t\t\t\t\t\\"])
        )
        .is_none());
        // The same macro line a tab deeper: its `\\` stays at column 80.
        let (healed, _) = apply("\t\t.ct = CODE_TAG_INIT, \\", "\t.ct = CODE_TAG_INIT,\t\t\t\t\t\t\t\\");
        assert_eq!(healed, "\t\t.ct = CODE_TAG_INIT,\t\t\t\t\t\t\\");
    }

    #[test]
    fn the_closest_removed_line_is_the_twin() {
        let lines = ["\tstruct list_head\t\txattrs;", "\tstruct inode\t\t\tvfs_inode;"];
        let removed = Removed::new(lines);
        let (twin, healed) = best("\tstruct inode vfs_inode;", &removed).unwrap();
        assert_eq!(twin, lines[1]);
        assert_eq!(healed, "\tstruct inode\t\t\tvfs_inode;");
        assert!(best("\treturn 0;", &removed).is_none());
        assert!(best("\tfoo();", &removed).is_none());
        // Of two equally close lines, the first.
        let twice = Removed::new(["\tint a;\t/* x */", "\tint a; /* x */"]);
        assert_eq!(best("\tint a; /* x */", &twice).unwrap().0, "\tint a;\t/* x */");
    }
}
