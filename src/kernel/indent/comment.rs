//! Where the lines of a block comment stand: under the line that opened it.

use super::{width, Lexed};

/// The column a star under `opener` stands at when `opener` opens a block comment after code
/// (`\tu32 child_imap[16]; /* Arbitrary size.`): one right of the comment's `/*`, as 250 of
/// the 258 such comments of Debian 7.2's include/linux and kernel have it (not one right of
/// the line's indentation). `None` when the comment opens the line or `opener` opens none.
pub fn trailing_comment_star(opener: &str) -> Option<usize> {
    let at = opener.rfind("/*")?;
    let code = opener[..at].trim();
    if code.is_empty() || code.contains("//") || code.contains("/*") || opener[at + 2..].contains("*/") {
        return None;
    }
    // A `/*` inside a string is not a comment.
    code.matches('"')
        .count()
        .is_multiple_of(2)
        .then(|| width(&opener[..at], 0) + 1)
}

/// The line where the block comment containing line `t` was opened.
pub(super) fn comment_opening(lexed: &Lexed, t: usize) -> Option<usize> {
    (0..t).rev().find(|&j| !lexed.in_comment_before[j])
}

/// The lines of the comment `opener` opens, after it: the lines that start with its stars, to
/// the one that closes it.
pub fn star_lines(lines: &[String], opener: usize) -> Vec<usize> {
    let mut out = Vec::new();
    for (j, line) in lines.iter().enumerate().skip(opener + 1) {
        if !line.trim_start().starts_with('*') {
            break;
        }
        out.push(j);
        if line.contains("*/") {
            break;
        }
    }
    out
}
