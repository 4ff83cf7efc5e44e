//! Character damage a mail picks up on its way to a maintainer, recognised and undone before its
//! diff is read: non-breaking spaces from an HTML page (`&nbsp;` copied as U+00A0), HTML entities
//! left in place (`&lt;`, `&gt;`, `&amp;`, `&quot;`), and quoted-printable that nobody decoded
//! (`=3D` for every `=`). Each repair is made only where the diff shows that form and nothing
//! that contradicts it, and each is named, so the report can say what was undone.
//!
//! Whitespace damage (indentation stripped, tabs expanded, blank lines lost) is another matter:
//! it can only be undone against the tree, by `ops::apply`.

use serde::Serialize;

/// One kind of character damage, as the report names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CharDamage {
    /// U+00A0 where the diff had spaces or tabs.
    NonBreakingSpaces,
    /// `&lt;` `&gt;` `&amp;` `&quot;` `&#39;` where the diff had `<` `>` `&` `"` `'`.
    HtmlEntities,
    /// `=3D` for `=` (and other `=XX` escapes, soft line breaks): a quoted-printable body read raw.
    QuotedPrintable,
}

impl CharDamage {
    pub fn describe(self) -> &'static str {
        match self {
            CharDamage::NonBreakingSpaces => "non-breaking spaces turned back into spaces",
            CharDamage::HtmlEntities => "HTML entities (&lt; &gt; &amp; &quot;) decoded",
            CharDamage::QuotedPrintable => "undecoded quoted-printable (=3D) decoded",
        }
    }
}

const NBSP: char = '\u{a0}';

/// Does a line start a diff (as the mail reader decides where the diff begins)?
fn looks_like_diff_start(line: &str) -> bool {
    line.starts_with("diff --git ") || line.starts_with("--- a/") || line.starts_with("Index: ")
}

/// Lines of a message, each with the number of the input line it starts on.
pub type OwnedLines = Vec<(usize, String)>;

/// Repair `lines` (one message, numbered as in the input) where they show character damage.
/// `None`: nothing to repair. Lines keep the number of the input line they start on.
pub fn repair(lines: &[(usize, &str)]) -> Option<(OwnedLines, Vec<CharDamage>)> {
    let has_nbsp = lines.iter().any(|(_, l)| l.contains(NBSP));
    let mut owned: Vec<(usize, String)> = lines.iter().map(|(n, l)| (*n, l.to_string())).collect();
    let mut forms = Vec::new();
    if has_nbsp {
        // Only from the diff on (as it reads once the spaces are back): a name in the commit
        // message may carry a real non-breaking space.
        let start = owned
            .iter()
            .position(|(_, l)| looks_like_diff_start(&l.replace(NBSP, " ")));
        if let Some(start) = start {
            for (_, l) in &mut owned[start..] {
                *l = l.replace(NBSP, " ");
            }
            forms.push(CharDamage::NonBreakingSpaces);
        }
    }
    let start = owned.iter().position(|(_, l)| looks_like_diff_start(l))?;
    if entities_damaged(&owned[start..]) {
        for (_, l) in &mut owned[start..] {
            *l = decode_entities(l);
        }
        forms.push(CharDamage::HtmlEntities);
    }
    if qp_damaged(&owned[start..]) {
        let decoded = decode_qp_lines(&owned[start..]);
        owned.truncate(start);
        owned.extend(decoded);
        forms.push(CharDamage::QuotedPrintable);
    }
    if forms.is_empty() {
        None
    } else {
        Some((owned, forms))
    }
}

const ENTITIES: [(&str, &str); 5] = [
    ("&lt;", "<"),
    ("&gt;", ">"),
    ("&quot;", "\""),
    ("&#39;", "'"),
    ("&amp;", "&"),
];

/// Entities in the diff, and no raw `<`, `>` or lone `&`: an HTML page's text copied as it was
/// marked up.
fn entities_damaged(diff: &[(usize, String)]) -> bool {
    let mut seen = false;
    for (_, l) in diff {
        // A page may leave the diff's own header lines unescaped; only hunk lines decide.
        let header = ["diff --git ", "index ", "--- ", "+++ ", "@@ "]
            .iter()
            .any(|h| l.starts_with(h));
        if header {
            continue;
        }
        if l.contains('<') || l.contains('>') {
            return false;
        }
        let mut rest = l.as_str();
        while let Some(at) = rest.find('&') {
            rest = &rest[at..];
            match ENTITIES.iter().find(|(e, _)| rest.starts_with(e)) {
                Some((e, _)) => {
                    seen = true;
                    rest = &rest[e.len()..];
                }
                None => return false,
            }
        }
    }
    seen
}

fn decode_entities(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        match ENTITIES.iter().find(|(e, _)| rest.starts_with(e)) {
            Some((e, plain)) => {
                out.push_str(plain);
                rest = &rest[e.len()..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn is_hex_upper(b: u8) -> bool {
    b.is_ascii_digit() || (b'A'..=b'F').contains(&b)
}

/// At least one `=3D`, and every `=` an escape (`=XX`, upper-case hex) or a soft line break:
/// a quoted-printable body nobody decoded. Any plain `=` in the diff says it is not.
fn qp_damaged(diff: &[(usize, String)]) -> bool {
    let mut seen = false;
    for (_, l) in diff {
        let b = l.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'=' {
                if i + 1 == b.len() {
                    break;
                }
                if i + 2 < b.len() && is_hex_upper(b[i + 1]) && is_hex_upper(b[i + 2]) {
                    seen |= &b[i + 1..i + 3] == b"3D";
                    i += 3;
                    continue;
                }
                return false;
            }
            i += 1;
        }
    }
    seen
}

/// Decode quoted-printable line by line; a line ending in `=` continues on the next one (and
/// keeps the first line's number).
fn decode_qp_lines(diff: &[(usize, String)]) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut pending: Option<(usize, Vec<u8>)> = None;
    for (n, l) in diff {
        let (num, mut bytes) = pending.take().unwrap_or((*n, Vec::new()));
        let soft = l.ends_with('=');
        let body = if soft { &l[..l.len() - 1] } else { l.as_str() };
        bytes.extend(crate::mail::header::decode_quoted_printable_bytes(body));
        if soft {
            pending = Some((num, bytes));
        } else {
            out.push((num, String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    if let Some((num, bytes)) = pending {
        out.push((num, String::from_utf8_lossy(&bytes).into_owned()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(text: &str) -> Vec<(usize, &str)> {
        text.lines().enumerate().map(|(i, l)| (i + 1, l)).collect()
    }

    fn repaired(text: &str) -> (String, Vec<CharDamage>) {
        let lines = numbered(text);
        let (out, forms) = repair(&lines).expect("damage recognised");
        let text: Vec<String> = out.into_iter().map(|(_, l)| l).collect();
        (text.join("\n"), forms)
    }

    const HEAD: &str = "diff --git a/f.c b/f.c\n--- a/f.c\n+++ b/f.c\n@@ -1,2 +1,2 @@\n";

    #[test]
    fn entities_are_decoded_when_the_diff_has_no_raw_markup() {
        let (text, forms) = repaired(&format!(
            "{HEAD} if (a &lt; b &amp;&amp; c-&gt;d)\n-x = &quot;s&quot;;\n+y;\n"
        ));
        assert_eq!(forms, vec![CharDamage::HtmlEntities]);
        assert!(text.contains(" if (a < b && c->d)\n-x = \"s\";"), "{text}");
        // A raw `->` beside an entity: this is code that means `&amp;`, not markup.
        assert!(repair(&numbered(&format!("{HEAD} p->x = \"&amp;\";\n"))).is_none());
    }

    #[test]
    fn undecoded_quoted_printable_is_decoded_with_soft_breaks() {
        let (text, forms) = repaired(&format!("{HEAD} int a =3D 1;\n+int b =3D=\n 2;\n"));
        assert_eq!(forms, vec![CharDamage::QuotedPrintable]);
        assert!(text.ends_with(" int a = 1;\n+int b = 2;"), "{text}");
        // A plain `=` anywhere in the diff: not quoted-printable.
        assert!(repair(&numbered(&format!("{HEAD} int a = 1;\n+x =3D y;\n"))).is_none());
    }

    #[test]
    fn nbsp_only_from_the_diff_on() {
        let text =
            "Subject: x\n\nBy Jos\u{a0}Doe\n---\ndiff\u{a0}--git a/f.c b/f.c\n---\u{a0}a/f.c\n\u{a0}\u{a0}\u{a0}x;\n";
        let (out, forms) = repaired(text);
        assert_eq!(forms, vec![CharDamage::NonBreakingSpaces]);
        assert!(out.contains("Jos\u{a0}Doe"), "{out}");
        assert!(out.contains("diff --git a/f.c") && out.ends_with("   x;"), "{out}");
    }

    #[test]
    fn clean_mail_needs_no_repair() {
        assert!(repair(&numbered(&format!("{HEAD} a = b;\n+c = d & e;\n-f < g\n"))).is_none());
    }
}
