//! Code examples inside block comments (` *\tif (IS_ERR(ptr))` / ` *\t\treturn PTR_ERR(ptr);`)
//! whose indentation after the star an archive collapsed to one space. In Debian 7.2's
//! include/linux and kernel/bpf, comment lines that read as code are set off from their star
//! by one space (692), a tab (310), three spaces (198), two tabs (163) or more: no rule says
//! which, so the healer keeps one space and offers the proof search the example indented as
//! code, a tab in from the star and a tab deeper for each open brace and under each `if`,
//! `else`, `for` or `while` without one.

use super::gaps::{Edits, Grouped};
use super::prose::star_gap;

/// A comment line's text, if it reads as a statement of C: it ends a statement or opens or
/// closes a block, or starts as one does (`if (`, `else`, `return …;`). Prose (a sentence's
/// full stop, a heading's colon, "if the device is in use", "returns 0") does not.
fn reads_as_code(text: &str) -> bool {
    // A trailing `// …` says nothing of the code before it.
    let t = text.split(" //").next().unwrap_or(text).trim_end();
    if t.ends_with('.') || t.ends_with(':') || t.is_empty() {
        return false;
    }
    // A statement has an operator, a call or a keyword; a list item of prose ending in `;`
    // (`threshold, which triggers MEMCG_LRU_YOUNG;`) has words.
    let statement = t.ends_with(';')
        && (t.contains(['(', '=', '[', '-', '+', '&', '*'])
            || t.split_whitespace().count() <= 3
            || t.starts_with("return ")
            || t == "return;");
    statement || t.ends_with('{') || t.starts_with('}') || control_head(t) || t == "do"
}

/// Whether `t` starts with a control keyword in C's shape: `if (`, `for (`, `while (`,
/// `switch (` (with or without the space), or `else` as a whole word.
fn control_head(t: &str) -> bool {
    let t = t.strip_prefix("} ").unwrap_or(t);
    let parenthesised = ["if", "for", "while", "switch"].iter().any(|k| {
        t.strip_prefix(k)
            .is_some_and(|rest| rest.trim_start_matches(' ').starts_with('('))
    });
    let word_else = t == "else" || t.starts_with("else ") || t.starts_with("else{");
    parenthesised || word_else
}

/// Whether `text` heads a statement it does not finish (`if (x)`, `else`, `for (…)`): the
/// next line is its body, a tab deeper.
fn heads_unbraced_body(text: &str) -> bool {
    let t = text.trim_end();
    control_head(t) && !t.starts_with("switch") && !t.ends_with(';') && !t.ends_with('{')
}

/// For each run of two or more consecutive added comment lines that read as code, the run
/// indented as code (see the module's comment), as the lines it changes; runs already so are
/// left out.
pub fn code_alternatives(lines: &[String], targets: &[usize]) -> Vec<Grouped> {
    let mut runs: Vec<Vec<(usize, &str, &str)>> = Vec::new();
    let mut last: Option<usize> = None;
    for &t in targets {
        let Some((star, gap)) = star_gap(&lines[t]) else {
            last = None;
            continue;
        };
        let text = &lines[t][star.len() + gap.len()..];
        if gap.is_empty() || !reads_as_code(text) {
            last = None;
            continue;
        }
        match runs.last_mut() {
            Some(run) if last == Some(t.wrapping_sub(1)) => run.push((t, star, text)),
            _ => runs.push(vec![(t, star, text)]),
        }
        last = Some(t);
    }
    let mut out = Vec::new();
    for run in runs.into_iter().filter(|r| r.len() > 1) {
        let mut depth = 1usize;
        let mut unbraced = false;
        let mut changes: Edits = Vec::new();
        for (t, star, text) in run {
            if text.starts_with('}') {
                depth = depth.saturating_sub(1).max(1);
            }
            let tabs = depth + usize::from(unbraced);
            let line = format!("{star}{}{text}", "\t".repeat(tabs));
            if line != lines[t] {
                changes.push((t, line));
            }
            if text.trim_end().ends_with('{') {
                depth += 1;
            }
            unbraced = heads_unbraced_body(text);
        }
        if !changes.is_empty() {
            out.push((changes[0].0, vec![changes]));
        }
    }
    out
}

/// Whether the file's own comments (lines not in `targets`) set their code examples off with
/// tabs: at least two such lines, most of them after a tab.
pub fn file_indents_examples(lines: &[String], targets: &[usize]) -> bool {
    let (mut tabbed, mut other) = (0, 0);
    for (j, line) in lines.iter().enumerate() {
        if targets.binary_search(&j).is_ok() {
            continue;
        }
        let Some((star, gap)) = star_gap(line) else {
            continue;
        };
        if reads_as_code(&line[star.len() + gap.len()..]) {
            if gap.starts_with('\t') {
                tabbed += 1;
            } else {
                other += 1;
            }
        }
    }
    tabbed >= 2 && tabbed > other
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &[&str]) -> Vec<String> {
        text.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn an_example_in_a_comment_is_offered_indented_as_code() {
        // include/linux/err.h (6.12): the example under "Example:" is indented with tabs.
        let file = lines(&[
            " * Example:",
            " * if (IS_ERR(ptr))",
            " * return PTR_ERR(ptr);",
            " * else",
            " * return 0;",
            " */",
        ]);
        let alts = code_alternatives(&file, &[0, 1, 2, 3, 4, 5]);
        assert_eq!(alts.len(), 1);
        assert_eq!(
            alts[0].1[0],
            vec![
                (1, " *\tif (IS_ERR(ptr))".to_string()),
                (2, " *\t\treturn PTR_ERR(ptr);".to_string()),
                (3, " *\telse".to_string()),
                (4, " *\t\treturn 0;".to_string()),
            ]
        );
        // Prose that starts as code does is not code.
        assert!(!reads_as_code("if the device is in use, and"));
        assert!(!reads_as_code("returns the number of bytes"));
        assert!(!reads_as_code("elsewhere, the lock is held"));
        assert!(!reads_as_code("do not call this with the lock held"));
        assert!(reads_as_code("} else if (x)"));
        assert!(!reads_as_code("threshold, which triggers MEMCG_LRU_YOUNG;"));
        assert!(reads_as_code("return err; // remove_free() called without the lock!!"));
        // Braces open and close a level; prose and one line alone are not examples.
        let file = lines(&["\t * for (;;) {", "\t * x++;", "\t * }", " * It returns 0.", " * f(x);"]);
        let alts = code_alternatives(&file, &[0, 1, 2, 3, 4]);
        assert_eq!(
            alts,
            vec![(
                0,
                vec![vec![
                    (0, "\t *\tfor (;;) {".to_string()),
                    (1, "\t *\t\tx++;".to_string()),
                    (2, "\t *\t}".to_string()),
                ]]
            )]
        );
    }

    #[test]
    fn a_file_whose_examples_are_tabbed_in_indents_new_ones() {
        // include/linux/bitops.h (7.2) shows `parity8()`'s example a tab in from its star.
        let file = lines(&[" *\tif (x)", " *\t\treturn -EBADMSG;", " * x = 1;", " * y = 2;"]);
        assert!(file_indents_examples(&file, &[2, 3]));
        assert!(!file_indents_examples(&file, &[1, 2, 3]), "one line is no habit");
    }
}
