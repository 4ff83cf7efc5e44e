//! The unified-diff part of a mail, as a byte-faithful model, parsed so that whitespace-damaged
//! hunks (context lines whose leading space was stripped, blank context lines dropped) are still
//! read, and flagged as damaged instead of rejected.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LineKind {
    Context,
    Add,
    Del,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HunkLine {
    pub kind: LineKind,
    /// The line without its diff marker and without the newline.
    pub text: String,
    /// The mail line had no diff marker at all (a context line whose leading space was stripped).
    pub marker_lost: bool,
    /// Line number in the input file (1-based).
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hunk {
    pub old_start: usize,
    pub old_count: usize,
    pub new_start: usize,
    pub new_count: usize,
    /// Text after the second `@@` (git's function context).
    pub section: String,
    pub lines: Vec<HunkLine>,
    /// Line number of the `@@` header in the input file.
    pub line: usize,
    /// The hunk's lines do not add up to its header or lost their markers.
    pub damaged: bool,
    /// `\ No newline at end of file` followed the old / new side's last line.
    pub old_no_newline: bool,
    pub new_no_newline: bool,
    /// The input ended inside the hunk, this many old and new lines short: lost blank lines
    /// the tree may restore, or a mail cut short, if it does not fit.
    pub short_at_end: Option<(usize, usize)>,
}

impl Hunk {
    pub fn header(&self) -> String {
        format!(
            "@@ -{},{} +{},{} @@",
            self.old_start, self.old_count, self.new_start, self.new_count
        )
    }
    pub fn old_lines(&self) -> impl Iterator<Item = &HunkLine> {
        self.lines.iter().filter(|l| l.kind != LineKind::Add)
    }
    pub fn new_lines(&self) -> impl Iterator<Item = &HunkLine> {
        self.lines.iter().filter(|l| l.kind != LineKind::Del)
    }
    pub fn added(&self) -> impl Iterator<Item = &HunkLine> {
        self.lines.iter().filter(|l| l.kind == LineKind::Add)
    }
    pub fn removed(&self) -> impl Iterator<Item = &HunkLine> {
        self.lines.iter().filter(|l| l.kind == LineKind::Del)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FilePatch {
    /// Path in the tree (after stripping `a/`), `None` for `/dev/null`.
    pub old_path: Option<String>,
    pub new_path: Option<String>,
    /// `index abc..def 100644` as written in the mail.
    pub index_line: Option<String>,
    pub hunks: Vec<Hunk>,
    /// Line of `diff --git` (or `---`) in the input file.
    pub line: usize,
}

impl FilePatch {
    /// The path the patch modifies (new path, or old path for a deletion).
    pub fn path(&self) -> &str {
        self.new_path.as_deref().or(self.old_path.as_deref()).unwrap_or("")
    }
    pub fn is_new_file(&self) -> bool {
        self.old_path.is_none()
    }
    pub fn is_deletion(&self) -> bool {
        self.new_path.is_none()
    }
}

/// A parse failure inside the diff, with the input line it happened on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffError {
    pub line: usize,
    pub message: String,
}

/// One input line with its 1-based number. CR has already been removed from CRLF input.
pub type NumberedLine<'a> = (usize, &'a str);

/// Where the diff part of a message ends: the `-- ` signature, if any.
#[derive(Debug)]
pub struct ParsedDiff {
    pub files: Vec<FilePatch>,
    pub signature: Option<String>,
}

fn strip_prefix_path(raw: &str, prefix: &str) -> Option<String> {
    let raw = raw.split('\t').next().unwrap_or(raw).trim_end();
    if raw == "/dev/null" {
        return None;
    }
    Some(raw.strip_prefix(prefix).unwrap_or(raw).to_string())
}

fn parse_range(text: &str) -> Option<(usize, usize)> {
    match text.split_once(',') {
        Some((s, c)) => Some((s.parse().ok()?, c.parse().ok()?)),
        None => Some((text.parse().ok()?, 1)),
    }
}

/// Parse `@@ -a,b +c,d @@ section`.
pub fn parse_hunk_header(line: &str) -> Option<(usize, usize, usize, usize, String)> {
    let rest = line.strip_prefix("@@ -")?;
    let (old, rest) = rest.split_once(" +")?;
    let (new, rest) = rest.split_once(" @@")?;
    let (os, oc) = parse_range(old)?;
    let (ns, nc) = parse_range(new)?;
    Some((os, oc, ns, nc, rest.trim_start().to_string()))
}

/// A line that starts a new diff structure; it always ends the hunk before it.
fn is_structural(lines: &[NumberedLine], i: usize) -> bool {
    let text = lines[i].1;
    text.starts_with("diff --git ")
        || text.starts_with("@@ -")
        || text.starts_with("Index: ")
        || (text.starts_with("--- ") && lines.get(i + 1).is_some_and(|(_, n)| n.starts_with("+++ ")))
}

/// `-- ` (or `--`, its trailing space eaten by an archive) followed only by a few non-diff lines:
/// the signature of a format-patch mail.
fn is_signature(lines: &[NumberedLine], i: usize) -> bool {
    let text = lines[i].1;
    if text != "-- " && text != "--" {
        return false;
    }
    let rest = &lines[i + 1..];
    rest.len() <= 6
        && rest
            .iter()
            .all(|(_, l)| !l.starts_with("diff --git ") && !l.starts_with("@@ -"))
}

/// Parse every file patch in `lines` (which start at the first diff line).
pub fn parse_diff(lines: &[NumberedLine]) -> Result<ParsedDiff, DiffError> {
    let mut files: Vec<FilePatch> = Vec::new();
    let mut signature = None;
    let mut i = 0;
    while i < lines.len() {
        let (num, text) = lines[i];
        if is_signature(lines, i) {
            let sig: Vec<&str> = lines[i + 1..].iter().map(|(_, l)| *l).collect();
            signature = Some(sig.join("\n").trim().to_string());
            break;
        }
        if text.starts_with("GIT binary patch") || (text.starts_with("Binary files ") && text.ends_with(" differ")) {
            return Err(DiffError {
                line: num,
                message: "binary diffs are not supported".into(),
            });
        }
        if let Some(rest) = text.strip_prefix("diff --git ") {
            let (a, b) = split_git_paths(rest);
            files.push(FilePatch {
                old_path: a,
                new_path: b,
                index_line: None,
                hunks: vec![],
                line: num,
            });
            i += 1;
            continue;
        }
        if text.starts_with("index ") {
            if let Some(f) = files.last_mut() {
                f.index_line = Some(text.to_string());
            }
            i += 1;
            continue;
        }
        if text.starts_with("--- ") && lines.get(i + 1).is_some_and(|(_, n)| n.starts_with("+++ ")) {
            let old = strip_prefix_path(&text[4..], "a/");
            let new = strip_prefix_path(&lines[i + 1].1[4..], "b/");
            // A bare diff (no `diff --git` line) starts its file here.
            let starts_new_file = match files.last() {
                None => true,
                Some(f) => !f.hunks.is_empty(),
            };
            if starts_new_file {
                files.push(FilePatch {
                    old_path: None,
                    new_path: None,
                    index_line: None,
                    hunks: vec![],
                    line: num,
                });
            }
            let f = files.last_mut().expect("pushed above");
            f.old_path = old;
            f.new_path = new;
            i += 2;
            continue;
        }
        if text.starts_with("@@ -") {
            let Some(file) = files.last_mut() else {
                return Err(DiffError {
                    line: num,
                    message: "hunk header before any file header".into(),
                });
            };
            let (hunk, next) = parse_hunk(lines, i)?;
            file.hunks.push(hunk);
            i = next;
            continue;
        }
        // Anything else between structures (mode lines, blank lines) carries nothing we need.
        i += 1;
    }
    if files.is_empty() {
        let line = lines.first().map(|l| l.0).unwrap_or(0);
        return Err(DiffError {
            line,
            message: "no diff found".into(),
        });
    }
    for f in &files {
        if f.old_path.is_none() && f.new_path.is_none() {
            return Err(DiffError {
                line: f.line,
                message: "`--- /dev/null` to `+++ /dev/null`: the diff names no file".into(),
            });
        }
        if f.hunks.is_empty() && f.old_path.is_some() && f.new_path.is_some() {
            return Err(DiffError {
                line: f.line,
                message: format!(
                    "{}: file header without any hunk (mode-only or rename diffs are not supported)",
                    f.path()
                ),
            });
        }
    }
    Ok(ParsedDiff { files, signature })
}

fn split_git_paths(rest: &str) -> (Option<String>, Option<String>) {
    // `a/x b/x`: paths with spaces are rare in the kernel; split on " b/".
    match rest.find(" b/") {
        Some(pos) => (
            Some(rest[..pos].strip_prefix("a/").unwrap_or(&rest[..pos]).to_string()),
            Some(rest[pos + 3..].to_string()),
        ),
        None => (None, None),
    }
}

fn parse_hunk(lines: &[NumberedLine], start: usize) -> Result<(Hunk, usize), DiffError> {
    let (num, text) = lines[start];
    let (old_start, old_count, new_start, new_count, section) = parse_hunk_header(text).ok_or_else(|| DiffError {
        line: num,
        message: format!("malformed hunk header `{text}`"),
    })?;
    let mut hunk = Hunk {
        old_start,
        old_count,
        new_start,
        new_count,
        section,
        lines: vec![],
        line: num,
        damaged: false,
        old_no_newline: false,
        new_no_newline: false,
        short_at_end: None,
    };
    let (mut old_left, mut new_left) = (old_count, new_count);
    let mut i = start + 1;
    while i < lines.len() {
        let (n, l) = lines[i];
        if old_left == 0 && new_left == 0 {
            // Complete by its header; only a `\ No newline` marker may still belong to it.
            if let Some(kind) = hunk.lines.last().map(|x| x.kind) {
                if l.starts_with("\\ ") {
                    mark_no_newline(&mut hunk, kind);
                    i += 1;
                }
            }
            break;
        }
        if is_structural(lines, i) || is_signature(lines, i) {
            // Lines are missing: an archive dropped blank context lines.
            hunk.damaged = true;
            break;
        }
        if l.starts_with("\\ ") {
            if let Some(kind) = hunk.lines.last().map(|x| x.kind) {
                mark_no_newline(&mut hunk, kind);
            }
            i += 1;
            continue;
        }
        let (kind, body, marker_lost) = match l.as_bytes().first() {
            Some(b'+') => (LineKind::Add, &l[1..], false),
            Some(b'-') => (LineKind::Del, &l[1..], false),
            Some(b' ') => (LineKind::Context, &l[1..], false),
            // An empty line inside a hunk is a blank context line whose space was trimmed.
            None => (LineKind::Context, "", false),
            Some(_) => (LineKind::Context, l, true),
        };
        if marker_lost {
            hunk.damaged = true;
        }
        match kind {
            LineKind::Context => {
                old_left = old_left.saturating_sub(1);
                new_left = new_left.saturating_sub(1);
            }
            LineKind::Add => new_left = new_left.saturating_sub(1),
            LineKind::Del => old_left = old_left.saturating_sub(1),
        }
        hunk.lines.push(HunkLine {
            kind,
            text: body.to_string(),
            marker_lost,
            line: n,
        });
        i += 1;
    }
    // The end of the input ends a hunk like a structure line does: the blank context lines an
    // archive dropped count on both sides alike, so equal shortfalls are that damage (the tree
    // then says where they go, or refuses). So are unequal ones in a hunk whose lines lost
    // their markers (a context line may read as added or removed there). Otherwise the mail
    // was cut.
    let stripped = hunk.lines.iter().any(|l| l.marker_lost);
    if i >= lines.len() && (old_left > 0 || new_left > 0) && (old_left == new_left || stripped) {
        hunk.damaged = true;
        hunk.short_at_end = Some((old_left, new_left));
    } else if i >= lines.len() && (old_left > 0 || new_left > 0) {
        let last = lines.last().map(|l| l.0).unwrap_or(num);
        return Err(DiffError {
            line: last,
            message: format!(
                "truncated: hunk `{}` (line {num}) still expects {old_left} old and {new_left} new lines when the input ends",
                hunk.header()
            ),
        });
    }
    if hunk.lines.is_empty() {
        return Err(DiffError {
            line: num,
            message: format!("hunk `{}` has no lines", hunk.header()),
        });
    }
    Ok((hunk, i))
}

fn mark_no_newline(hunk: &mut Hunk, kind: LineKind) {
    match kind {
        LineKind::Del => hunk.old_no_newline = true,
        LineKind::Add => hunk.new_no_newline = true,
        LineKind::Context => {
            hunk.old_no_newline = true;
            hunk.new_no_newline = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(text: &str) -> Vec<(usize, &str)> {
        text.lines().enumerate().map(|(i, l)| (i + 1, l)).collect()
    }

    #[test]
    fn clean_hunk_by_counts() {
        let text = "diff --git a/f.c b/f.c\n--- a/f.c\n+++ b/f.c\n@@ -1,3 +1,3 @@ int main(void)\n a\n-b\n+c\n d\n-- \n2.40.0\n";
        let d = parse_diff(&numbered(text)).unwrap();
        assert_eq!(d.files.len(), 1);
        let h = &d.files[0].hunks[0];
        assert!(!h.damaged);
        assert_eq!(h.section, "int main(void)");
        assert_eq!(h.lines.len(), 4);
        assert_eq!(d.signature.as_deref(), Some("2.40.0"));
    }

    #[test]
    fn damaged_hunk_ends_at_structure() {
        // Header says 4 old lines; the blank context line was dropped and markers stripped.
        let text = "--- a/f.c\n+++ b/f.c\n@@ -1,4 +1,5 @@\nint a;\n+int b;\n}\nint c;\n--\n2.50.1\n";
        let d = parse_diff(&numbered(text)).unwrap();
        let h = &d.files[0].hunks[0];
        assert!(h.damaged);
        assert_eq!(h.lines.len(), 4);
        assert!(h.lines[0].marker_lost);
        assert_eq!(h.lines[1].kind, LineKind::Add);
    }

    #[test]
    fn truncated_clean_hunk_is_an_error() {
        // One old line short but two new ones: lost blank context lines cannot explain that.
        let text = "--- a/f.c\n+++ b/f.c\n@@ -1,5 +1,6 @@\n a\n-b\n+c\n";
        let e = parse_diff(&numbered(text)).unwrap_err();
        assert!(e.message.contains("truncated"), "{}", e.message);
        assert_eq!(e.line, 6);
    }

    #[test]
    fn end_of_input_ends_a_hunk_that_lost_blank_context_lines() {
        // A bare diff (no signature) whose last hunk lost one blank context line: equal
        // shortfalls on both sides, so it is damage for the tree to place, not a cut mail.
        let text = "--- a/f.c\n+++ b/f.c\n@@ -1,4 +1,5 @@\nint a;\n+int b;\n}\nint c;\n";
        let d = parse_diff(&numbered(text)).unwrap();
        let h = &d.files[0].hunks[0];
        assert!(h.damaged);
        assert_eq!(h.lines.len(), 4);
        // Unequal shortfalls where lines lost their markers: a context line `-c $(CFLAGS)`
        // read as a removed one; the tree decides, not the parser.
        let text = "--- a/Makefile\n+++ b/Makefile\n@@ -1,5 +1,5 @@\nall:\n-c $(CFLAGS)\n+x\n";
        assert!(parse_diff(&numbered(text)).unwrap().files[0].hunks[0].damaged);
    }

    #[test]
    fn binary_is_refused() {
        let text = "diff --git a/x.bin b/x.bin\nGIT binary patch\nliteral 3\n";
        assert!(parse_diff(&numbered(text)).unwrap_err().message.contains("binary"));
    }
}
