//! Mail headers, read as `git mailinfo` reads them: subject prefixes (`[RFC PATCH v2 1/3]`),
//! authors, dates, git's whitespace rules, and the quoted-printable and base64 bodies mail
//! archives hand us. Encoded words (RFC 2047) are in `rfc2047.rs`.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone};
use regex::Regex;
use serde::Serialize;
use std::sync::OnceLock;

/// The bracketed parts in front of a subject, e.g. `[RFC PATCH bpf-next v2 1/3]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SubjectPrefix {
    pub rfc: bool,
    pub patch: bool,
    /// Series version (`v2`); `None` means v1.
    pub version: Option<u32>,
    /// Position in the series (`1` in `1/3`).
    pub index: Option<u32>,
    /// Series length (`3` in `1/3`).
    pub total: Option<u32>,
    /// Other words, in order (`bpf-next`, `RESEND`).
    pub tags: Vec<String>,
}

impl SubjectPrefix {
    /// Render in `git format-patch --subject-prefix` order: `RFC PATCH tags vN i/n`.
    pub fn render(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if self.rfc {
            parts.push("RFC".into());
        }
        if self.patch {
            parts.push("PATCH".into());
        }
        parts.extend(self.tags.iter().cloned());
        if let Some(v) = self.version.filter(|v| *v > 1) {
            parts.push(format!("v{v}"));
        }
        if let (Some(i), Some(n)) = (self.index, self.total) {
            let width = n.to_string().len();
            parts.push(format!("{i:0width$}/{n}"));
        }
        format!("[{}]", parts.join(" "))
    }
}

/// Split `[RFC v2 1/3] bpf: Add …` into its prefix and the bare subject, as `git mailinfo`
/// (without `-k`) cleans a subject: leading `Re:`, blanks, colons and `[...]` groups go (every
/// group's words are read into the prefix), then runs of whitespace become one space.
pub fn split_subject(raw: &str) -> (SubjectPrefix, String) {
    let mut prefix = SubjectPrefix::default();
    let mut rest = raw;
    loop {
        let b = rest.as_bytes();
        match b.first() {
            Some(b'r' | b'R') if b.len() > 3 && b[1].eq_ignore_ascii_case(&b'e') && b[2] == b':' => rest = &rest[3..],
            Some(b' ' | b'\t' | b':') => rest = &rest[1..],
            Some(b'[') => {
                let Some(end) = rest.find(']') else { break };
                for word in rest[1..end].split_whitespace() {
                    parse_prefix_word(word, &mut prefix);
                }
                rest = &rest[end + 1..];
            }
            _ => break,
        }
    }
    (prefix, cleanup_space(trim_space(rest)))
}

/// C's `isspace` (what git means by whitespace): space, tab, newline, VT, FF, CR. Not the
/// Unicode spaces `char::is_whitespace` knows (a no-break space is a letter to git).
pub fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn is_space_char(c: char) -> bool {
    c.is_ascii() && is_space(c as u8)
}

/// `s` without git whitespace at either end.
pub fn trim_space(s: &str) -> &str {
    s.trim_matches(is_space_char)
}

/// `s` without git whitespace at its end.
pub fn trim_end_space(s: &str) -> &str {
    s.trim_end_matches(is_space_char)
}

/// Every run of whitespace as one space (git's `cleanup_space`); the ends are not trimmed.
pub fn cleanup_space(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_space = false;
    for c in s.chars() {
        if is_space_char(c) {
            if !in_space {
                out.push(' ');
            }
            in_space = true;
        } else {
            out.push(c);
            in_space = false;
        }
    }
    out
}

/// A commit message cleaned as `git am` cleans it (`git stripspace`): trailing whitespace
/// off every line, runs of blank lines as one, no blank lines at either end; every line ends
/// with a newline.
pub fn stripspace<'a>(lines: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    let mut blank = false;
    for line in lines {
        let line = trim_end_space(line);
        if line.is_empty() {
            blank = true;
            continue;
        }
        if blank && !out.is_empty() {
            out.push('\n');
        }
        blank = false;
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Is `line` a header line to `git mailinfo`: `Name:` with a name of printable ASCII (RFC 2822
/// §3.6.8, empty allowed), or an mbox `From ` line?
pub fn is_rfc2822_header(line: &str) -> bool {
    if line.starts_with("From ") || line.starts_with(">From ") {
        return true;
    }
    for b in line.bytes() {
        match b {
            b':' => return true,
            33..=126 => continue,
            _ => return false,
        }
    }
    false
}

/// The value of `line` if it is header `name` (any case): after the colon, leading whitespace
/// skipped.
pub fn header_value<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let b = line.as_bytes();
    if b.len() <= name.len() || !b[..name.len()].eq_ignore_ascii_case(name.as_bytes()) || b[name.len()] != b':' {
        return None;
    }
    Some(line[name.len() + 1..].trim_start_matches(is_space_char))
}

/// A MIME parameter (`charset=`) of a header value, as git finds it: anywhere, any case, up to
/// the closing quote or the next `;`, space or tab.
pub fn mime_attr(value: &str, attr: &str) -> Option<String> {
    let at = value.to_ascii_lowercase().find(attr)? + attr.len();
    let rest = &value[at..];
    let v = match rest.strip_prefix('"') {
        Some(q) => q.split('"').next().unwrap_or(""),
        None => rest.split([';', ' ', '\t']).next().unwrap_or(""),
    };
    Some(v.to_string())
}

fn parse_prefix_word(word: &str, prefix: &mut SubjectPrefix) {
    let lower = word.to_ascii_lowercase();
    if lower == "rfc" {
        prefix.rfc = true;
    } else if lower == "patch" {
        prefix.patch = true;
    } else if let Some(v) = lower.strip_prefix('v').and_then(|v| v.parse::<u32>().ok()) {
        prefix.version = Some(v);
    } else if let Some((i, n)) = word.split_once('/') {
        match (i.parse::<u32>(), n.parse::<u32>()) {
            (Ok(i), Ok(n)) => {
                prefix.index = Some(i);
                prefix.total = Some(n);
            }
            _ => prefix.tags.push(word.to_string()),
        }
    } else {
        prefix.tags.push(word.to_string());
    }
}

/// `Name <mail>` as found in From: and trailers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    pub name: String,
    pub email: String,
}

impl Person {
    /// `Name <mail>` or a bare address, for trailers and `--from`.
    pub fn parse(raw: &str) -> Option<Person> {
        let raw = super::rfc2047::decode(raw.trim());
        if let (Some(lt), Some(gt)) = (raw.find('<'), raw.rfind('>')) {
            if lt < gt {
                let name = raw[..lt].trim().trim_matches('"').trim().to_string();
                let email = raw[lt + 1..gt].trim().to_string();
                return Some(Person { name, email });
            }
        }
        // `mail (Name)` or a bare address.
        if raw.contains('@') && !raw.contains(' ') {
            return Some(Person {
                name: String::new(),
                email: raw.to_string(),
            });
        }
        None
    }

    /// The author of a mail from its (decoded) `From:` value, exactly as `git mailinfo` reads
    /// it: quoted strings unquoted, the address is the word around the first `@` (in `<>` or
    /// not), the rest is the name (a comment's parentheses dropped); a name that is empty,
    /// longer than 60 bytes or holds `@`, `<` or `>` is replaced by the address. Without an
    /// `@`, `Name <mail>`; `None` when there is no address at all.
    pub fn from_header(value: &str) -> Option<Person> {
        let from = cleanup_space(value);
        let f = unquote_quoted_pair(&from);
        let Some(at) = f.find('@') else {
            return bogus_from(&from);
        };
        let b = f.as_bytes();
        let (mut start, mut bra) = (at, None);
        while start > 0 {
            match b[start - 1] {
                c if is_space(c) => break,
                b'<' => {
                    bra = Some(start - 1);
                    break;
                }
                _ => start -= 1,
            }
        }
        let len = b[start..]
            .iter()
            .position(|c| is_space(*c) || *c == b'>')
            .unwrap_or(b.len() - start);
        let email = f[start..start + len].to_string();
        // The address goes with the character after it (`>` or a space); `<` becomes a space.
        let after = (start + len + 1).min(b.len());
        let rest = match bra {
            Some(bra) => format!("{} {}", &f[..bra], &f[after..]),
            None => format!("{}{}", &f[..start], &f[after..]),
        };
        let name = cleanup_space(&rest);
        let mut name = trim_space(&name);
        if name.len() >= 2 && name.starts_with('(') && name.ends_with(')') {
            name = &name[1..name.len() - 1];
        }
        Some(sane_name(name, email))
    }

    pub fn render(&self) -> String {
        if self.name.is_empty() {
            format!("<{}>", self.email)
        } else {
            format!("{} <{}>", self.name, self.email)
        }
    }
}

/// git's `get_sane_name`: the address stands in for a name that is not one.
fn sane_name(name: &str, email: String) -> Person {
    let name = if name.is_empty() || name.len() > 60 || name.contains(['@', '<', '>']) {
        email.clone()
    } else {
        name.to_string()
    };
    Person { name, email }
}

/// git's `parse_bogus_from`: `Name <mail>` whose mail has no `@`.
fn bogus_from(from: &str) -> Option<Person> {
    let bra = from.find('<')?;
    let ket = bra + from[bra..].find('>')?;
    let person = sane_name(trim_space(&from[..bra]), from[bra + 1..ket].to_string());
    (!person.name.is_empty() || !person.email.is_empty()).then_some(person)
}

/// git's `unquote_quoted_pair`: `"quoted strings"` lose their quotes, `(comments)` keep their
/// parentheses; a backslash takes the next character literally in both.
fn unquote_quoted_pair(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => out.extend(chars.next()),
                        '"' => break,
                        c => out.push(c),
                    }
                }
            }
            '(' => {
                out.push('(');
                let mut depth = 1;
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => out.extend(chars.next()),
                        '(' => {
                            out.push('(');
                            depth += 1;
                        }
                        ')' => {
                            out.push(')');
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        c => out.push(c),
                    }
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Parse the dates mail archives show: RFC 2822 (`Sat, 2 May 2026 23:57:23 -0500`) and the
/// web-archive form (`Sat May 02 2026 - 23:57:23 EST`).
pub fn parse_date(raw: &str) -> Option<DateTime<FixedOffset>> {
    let raw = raw.trim();
    if let Ok(d) = DateTime::parse_from_rfc2822(raw) {
        return Some(d);
    }
    // Web archive: "Sat May 02 2026 - 23:57:23 EST"
    static ARCHIVE: OnceLock<Regex> = OnceLock::new();
    let re = ARCHIVE.get_or_init(|| {
        Regex::new(r"^\w{3}\s+(\w{3})\s+(\d{1,2})\s+(\d{4})\s*-\s*(\d{1,2}):(\d{2}):(\d{2})\s*(\S+)?$")
            .expect("static regex")
    });
    let caps = re.captures(raw)?;
    let naive = NaiveDateTime::parse_from_str(
        &format!(
            "{} {} {} {}:{}:{}",
            &caps[1], &caps[2], &caps[3], &caps[4], &caps[5], &caps[6]
        ),
        "%b %d %Y %H:%M:%S",
    )
    .ok()?;
    let offset_secs = caps.get(7).map(|z| zone_offset(z.as_str())).unwrap_or(Some(0))?;
    let tz = FixedOffset::east_opt(offset_secs)?;
    tz.from_local_datetime(&naive).single()
}

fn zone_offset(zone: &str) -> Option<i32> {
    let hours = match zone.to_ascii_uppercase().as_str() {
        "UTC" | "GMT" | "UT" | "Z" => 0,
        "EST" => -5,
        "EDT" => -4,
        "CST" => -6,
        "CDT" => -5,
        "MST" => -7,
        "MDT" => -6,
        "PST" => -8,
        "PDT" => -7,
        "CET" => 1,
        "CEST" => 2,
        other => {
            // Numeric `+0800` / `-0500`.
            let sign = match other.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits = &other[1..];
            if digits.len() != 4 {
                return None;
            }
            let h: i32 = digits[..2].parse().ok()?;
            let m: i32 = digits[2..].parse().ok()?;
            return Some(sign * (h * 3600 + m * 60));
        }
    };
    Some(hours * 3600)
}

/// Decode a quoted-printable body (soft line breaks `=\n`, `=XX` escapes).
pub fn decode_quoted_printable(text: &str) -> String {
    String::from_utf8_lossy(&decode_quoted_printable_bytes(text)).into_owned()
}

/// [`decode_quoted_printable`], as bytes (the body's charset says what they are).
pub fn decode_quoted_printable_bytes(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            if bytes.get(i + 1) == Some(&b'\n') {
                i += 2;
                continue;
            }
            if bytes.get(i + 1) == Some(&b'\r') && bytes.get(i + 2) == Some(&b'\n') {
                i += 3;
                continue;
            }
            if let (Some(h), Some(l)) = (bytes.get(i + 1), bytes.get(i + 2)) {
                if let (Some(h), Some(l)) = (hex_value(*h), hex_value(*l)) {
                    out.push(h * 16 + l);
                    i += 3;
                    continue;
                }
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// The value of one hex digit (quoted-printable and RFC 2047 Q words).
pub(super) fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decode base64 (RFC 4648), ignoring whitespace. `None` on a malformed body.
/// The value of one base64 digit (bodies and RFC 2047 B words).
pub(super) fn base64_digit(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut bits = 0;
    for c in text.bytes() {
        let v = match (base64_digit(c), c) {
            (Some(v), _) => v,
            (None, b'=') => break,
            (None, b' ' | b'\t' | b'\r' | b'\n') => continue,
            (None, _) => return None,
        };
        buf = (buf << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Is `line` a mail header line (`Name: value`) with a name we know or an `X-` extension?
/// Web archives drop the blank line after the headers, so the parser must know where they end.
pub fn header_name(line: &str) -> Option<&str> {
    let (name, _) = line.split_once(':')?;
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return None;
    }
    Some(name)
}

pub fn is_known_header(name: &str) -> bool {
    const KNOWN: &[&str] = &[
        "from",
        "date",
        "subject",
        "to",
        "cc",
        "bcc",
        "message-id",
        "in-reply-to",
        "references",
        "content-type",
        "content-transfer-encoding",
        "mime-version",
        "reply-to",
        "sender",
        "list-id",
        "precedence",
        "delivered-to",
        "received",
        "return-path",
        "user-agent",
    ];
    let lower = name.to_ascii_lowercase();
    KNOWN.contains(&lower.as_str()) || lower.starts_with("x-") || lower.starts_with("list-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_prefix_parts() {
        let (p, s) = split_subject("[RFC v2 1/3] bpf: Add KF_SPIN_LOCK flag");
        assert!(p.rfc);
        assert_eq!((p.version, p.index, p.total), (Some(2), Some(1), Some(3)));
        assert_eq!(s, "bpf: Add KF_SPIN_LOCK flag");
        assert_eq!(p.render(), "[RFC v2 1/3]", "PATCH only where the subject had it");
        assert_eq!(SubjectPrefix { patch: true, ..p }.render(), "[RFC PATCH v2 1/3]");
        let (p, s) = split_subject("Re: [PATCH bpf-next v3 02/10] x: y");
        assert_eq!((p.version, p.index, p.total), (Some(3), Some(2), Some(10)));
        assert_eq!(p.tags, vec!["bpf-next".to_string()]);
        assert_eq!(s, "x: y");
        assert_eq!(p.render(), "[PATCH bpf-next v3 02/10]");
    }

    #[test]
    fn dates_rfc2822_and_archive() {
        let d = parse_date("Sat, 2 May 2026 23:57:23 -0500").unwrap();
        assert_eq!(
            d.timestamp(),
            parse_date("Sat May 02 2026 - 23:57:23 EST").unwrap().timestamp()
        );
        assert!(parse_date("yesterday").is_none());
    }

    #[test]
    fn quoted_printable_and_words() {
        assert_eq!(decode_quoted_printable("a=3Db =\nc=20"), "a=b c ");
        assert_eq!(
            super::super::rfc2047::decode("=?UTF-8?q?Ren=C3=A9_X?= <r@x>"),
            "René X <r@x>"
        );
        assert_eq!(decode_base64("aGVsbG8=").unwrap(), b"hello");
    }

    #[test]
    fn person_forms() {
        let p = Person::parse("Kaitao Cheng <chengkaitao@example.org>").unwrap();
        assert_eq!(p.name, "Kaitao Cheng");
        assert!(Person::parse("Kaitao cheng").is_none());
    }
}
