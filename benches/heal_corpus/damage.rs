//! The damage forms and mail shapes: pure functions on a mail's text. A form changes only the
//! diff part (from the first `diff --git` line to before the `-- ` signature), never the mail
//! headers; a shape decides what of the clean mail is there at all.

use clap::ValueEnum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, ValueEnum)]
pub enum Form {
    Archive,
    Nbsp,
    Entities,
    Tabs,
    Trailing,
    Qp3d,
    None,
}

impl Form {
    pub const ALL: [Form; 7] = [
        Form::Archive,
        Form::Nbsp,
        Form::Entities,
        Form::Tabs,
        Form::Trailing,
        Form::Qp3d,
        Form::None,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Form::Archive => "archive",
            Form::Nbsp => "nbsp",
            Form::Entities => "entities",
            Form::Tabs => "tabs",
            Form::Trailing => "trailing",
            Form::Qp3d => "qp3d",
            Form::None => "none",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, ValueEnum)]
pub enum Shape {
    Index,
    Noindex,
    Bare,
}

impl Shape {
    pub const ALL: [Shape; 3] = [Shape::Index, Shape::Noindex, Shape::Bare];
    pub fn name(self) -> &'static str {
        match self {
            Shape::Index => "index",
            Shape::Noindex => "noindex",
            Shape::Bare => "bare",
        }
    }
}

/// What a line of the diff part is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `diff --git`, `index`, `---`, `+++`, mode lines: everything between `diff --git` and `@@`.
    FileHeader,
    HunkHeader,
    Context,
    Add,
    Del,
    /// `\ No newline at end of file`.
    NoNewline,
    /// Anything else (nothing, in a git diff).
    Other,
}

impl Kind {
    fn is_header(self) -> bool {
        matches!(self, Kind::FileHeader | Kind::HunkHeader)
    }
}

/// `@@ -a,b +c,d @@`: the old and new line counts (a missing count is 1).
fn hunk_counts(line: &str) -> Option<(usize, usize)> {
    let rest = line.strip_prefix("@@ -")?;
    let (old, rest) = rest.split_once(" +")?;
    let new = rest.split_once(" @@")?.0;
    let count = |r: &str| match r.split_once(',') {
        Some((_, c)) => c.parse().ok(),
        None => r.parse::<usize>().ok().map(|_| 1),
    };
    Some((count(old)?, count(new)?))
}

/// Classify the lines of a clean git diff, following each hunk's counts (so a removed line
/// `-- a/x` is not taken for a file header).
pub fn classify(lines: &[&str]) -> Vec<Kind> {
    let (mut in_header, mut old_left, mut new_left) = (false, 0usize, 0usize);
    lines
        .iter()
        .map(|line| {
            if old_left > 0 || new_left > 0 {
                return match line.chars().next() {
                    Some(' ') | None => {
                        old_left = old_left.saturating_sub(1);
                        new_left = new_left.saturating_sub(1);
                        Kind::Context
                    }
                    Some('+') => {
                        new_left = new_left.saturating_sub(1);
                        Kind::Add
                    }
                    Some('-') => {
                        old_left = old_left.saturating_sub(1);
                        Kind::Del
                    }
                    Some('\\') => Kind::NoNewline,
                    _ => Kind::Other,
                };
            }
            if line.starts_with("diff --git ") {
                in_header = true;
                return Kind::FileHeader;
            }
            if let Some((o, n)) = line.starts_with("@@ ").then(|| hunk_counts(line)).flatten() {
                (in_header, old_left, new_left) = (false, o, n);
                return Kind::HunkHeader;
            }
            if line.starts_with('\\') {
                Kind::NoNewline
            } else if in_header {
                Kind::FileHeader
            } else {
                Kind::Other
            }
        })
        .collect()
}

/// A mail's lines split as: before the diff, the diff part, from the signature on.
struct Parts<'a> {
    lines: Vec<&'a str>,
    diff_start: usize,
    sig_start: usize,
    trailing_newline: bool,
}

fn split(text: &str) -> Parts<'_> {
    let trailing_newline = text.ends_with('\n');
    let body = text.strip_suffix('\n').unwrap_or(text);
    let lines: Vec<&str> = if text.is_empty() {
        vec![]
    } else {
        body.split('\n').collect()
    };
    let diff_start = lines
        .iter()
        .position(|l| l.starts_with("diff --git "))
        .unwrap_or(lines.len());
    // The signature: a `-- ` line followed by a line no diff line starts like (`2.47.3`).
    let sig_start = (diff_start..lines.len())
        .rev()
        .find(|&i| {
            lines[i] == "-- "
                && lines
                    .get(i + 1)
                    .is_some_and(|n| !n.starts_with([' ', '+', '-', '\\', '@']) && !n.starts_with("diff --git "))
        })
        .unwrap_or(lines.len());
    Parts {
        lines,
        diff_start,
        sig_start,
        trailing_newline,
    }
}

fn join(lines: &[String], trailing_newline: bool) -> String {
    let mut s = lines.join("\n");
    if trailing_newline && !lines.is_empty() {
        s.push('\n');
    }
    s
}

/// Every run of spaces and tabs as one space.
fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_run = false;
    for c in s.chars() {
        if c == ' ' || c == '\t' {
            if !in_run {
                out.push(' ');
            }
            in_run = true;
        } else {
            out.push(c);
            in_run = false;
        }
    }
    out
}

fn trim_end_ws(s: &str) -> &str {
    s.trim_end_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b')
}

/// Tabs to spaces at 8-column stops, columns counted from the line's first character.
pub fn expand_tabs(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    let mut col = 0;
    for c in s.chars() {
        if c == '\t' {
            let n = 8 - col % 8;
            out.extend(std::iter::repeat_n(' ', n));
            col += n;
        } else {
            out.push(c);
            col += 1;
        }
    }
    out
}

/// One diff line as the web archive leaves it (`None`: the line is gone).
fn archive_line(line: &str, kind: Kind) -> Option<String> {
    match kind {
        Kind::Context => {
            let body = line.strip_prefix(' ').unwrap_or(line);
            let body = body.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b');
            let out = trim_end_ws(&collapse(body)).to_string();
            (!out.is_empty()).then_some(out)
        }
        Kind::Add | Kind::Del => {
            let (marker, body) = line.split_at(1);
            Some(format!("{marker}{}", trim_end_ws(&collapse(body))))
        }
        _ => Some(trim_end_ws(&collapse(line)).to_string()),
    }
}

fn entities(line: &str) -> String {
    line.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The mail with `form`'s damage done to its diff part.
pub fn damage(form: Form, text: &str) -> String {
    if form == Form::None {
        return text.to_string();
    }
    let parts = split(text);
    let diff = &parts.lines[parts.diff_start..parts.sig_start];
    let kinds = classify(diff);
    let mut out: Vec<String> = parts.lines[..parts.diff_start].iter().map(|l| l.to_string()).collect();
    for (line, &kind) in diff.iter().zip(&kinds) {
        let damaged = match form {
            Form::Archive => archive_line(line, kind),
            Form::Nbsp => Some(expand_tabs(line).replace(' ', "\u{a0}")),
            Form::Entities if kind.is_header() => Some(line.to_string()),
            Form::Entities => Some(entities(line)),
            Form::Tabs => Some(expand_tabs(line)),
            Form::Trailing => Some(trim_end_ws(line).to_string()),
            Form::Qp3d => Some(line.replace('=', "=3D")),
            Form::None => Some(line.to_string()),
        };
        out.extend(damaged);
    }
    for (i, line) in parts.lines[parts.sig_start..].iter().enumerate() {
        out.push(match (form, i) {
            (Form::Archive, 0) => trim_end_ws(line).to_string(),
            _ => line.to_string(),
        });
    }
    join(&out, parts.trailing_newline)
}

/// The clean mail in `shape`: as it is, without its `index` lines, or its bare diff.
pub fn shape(shape: Shape, text: &str) -> String {
    let parts = split(text);
    let diff = &parts.lines[parts.diff_start..parts.sig_start];
    let kinds = classify(diff);
    let keep = |(line, kind): (&&str, &Kind)| !(*kind == Kind::FileHeader && line.starts_with("index "));
    let diff_lines: Vec<String> = match shape {
        Shape::Index => diff.iter().map(|l| l.to_string()).collect(),
        Shape::Noindex | Shape::Bare => diff
            .iter()
            .zip(&kinds)
            .filter(|p| keep(*p))
            .map(|(l, _)| l.to_string())
            .collect(),
    };
    if shape == Shape::Bare {
        return join(&diff_lines, true);
    }
    let mut out: Vec<String> = parts.lines[..parts.diff_start].iter().map(|l| l.to_string()).collect();
    out.extend(diff_lines);
    out.extend(parts.lines[parts.sig_start..].iter().map(|l| l.to_string()));
    join(&out, parts.trailing_newline)
}

/// The forms and shapes on a small mail, checked at every start (a harness-less bench runs no
/// `#[test]`s): a broken damage function would make every figure meaningless.
pub fn self_check() {
    const MAIL: &str = "From 0 Mon\nSubject: [PATCH] x = y\n\nbody\n---\n\ndiff --git a/f.c b/f.c\nindex 1234567..89abcde 100644\n--- a/f.c\n+++ b/f.c\n@@ -1,4 +1,4 @@ int f(void)\n \tint a = 1;\n-- a/x\n+\t\tfoo(a,\tb);  \n+\n \n--- \n-- \n2.47.3\n\n";
    let a = damage(Form::Archive, MAIL);
    assert!(a.starts_with("From 0 Mon\nSubject: [PATCH] x = y\n"), "{a}");
    assert!(
        a.contains("@@ -1,4 +1,4 @@ int f(void)\nint a = 1;\n-- a/x\n+ foo(a, b);\n+\n---\n--\n2.47.3\n"),
        "{a}"
    );
    let q = damage(Form::Qp3d, MAIL);
    assert!(
        q.contains(" \tint a =3D 1;") && q.contains("Subject: [PATCH] x = y"),
        "{q}"
    );
    let n = damage(Form::Nbsp, MAIL);
    assert!(
        n.contains("\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}int\u{a0}a\u{a0}=\u{a0}1;"),
        "{n}"
    );
    assert!(n.contains("diff\u{a0}--git\u{a0}a/f.c") && n.contains("\n-- \n"), "{n}");
    assert_eq!(expand_tabs("+\t\tx\ty"), "+               x       y");
    let t = damage(Form::Trailing, MAIL);
    assert!(t.contains("+\n\n---\n-- \n"), "{t}");
    let e = damage(Form::Entities, "diff --git a/<x> b/<x>\n@@ -1 +1 @@\n-a<b\n+a&&b>c\n");
    assert_eq!(e, "diff --git a/<x> b/<x>\n@@ -1 +1 @@\n-a&lt;b\n+a&amp;&amp;b&gt;c\n");
    assert!(!shape(Shape::Noindex, MAIL).contains("index 1234567"));
    let b = shape(Shape::Bare, MAIL);
    assert!(
        b.starts_with("diff --git a/f.c b/f.c\n--- a/f.c\n") && b.ends_with("+\n \n--- \n"),
        "{b}"
    );
}
