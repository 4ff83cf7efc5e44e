//! Mail headers: subject prefixes (`[RFC PATCH v2 1/3]`), authors, dates, and the
//! transfer encodings mail archives hand us (quoted-printable, RFC 2047 encoded words).

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
        parts.push("PATCH".into());
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

/// Split `[RFC v2 1/3] bpf: Add …` into its prefix and the bare subject.
/// `Re:`/`Fwd:` markers in front are dropped.
pub fn split_subject(raw: &str) -> (SubjectPrefix, String) {
    static GROUP: OnceLock<Regex> = OnceLock::new();
    static REPLY: OnceLock<Regex> = OnceLock::new();
    let group = GROUP.get_or_init(|| Regex::new(r"^\s*\[([^\]]*)\]").expect("static regex"));
    let reply = REPLY.get_or_init(|| Regex::new(r"(?i)^\s*(re|fwd?|aw)\s*:\s*").expect("static regex"));
    let mut rest = raw.trim().to_string();
    let mut prefix = SubjectPrefix::default();
    loop {
        if let Some(m) = reply.find(&rest) {
            rest = rest[m.end()..].to_string();
            continue;
        }
        let Some(caps) = group.captures(&rest) else { break };
        let inner = caps[1].to_string();
        let end = caps.get(0).map(|m| m.end()).unwrap_or(0);
        for word in inner.split_whitespace() {
            parse_prefix_word(word, &mut prefix);
        }
        rest = rest[end..].to_string();
    }
    (prefix, rest.trim().to_string())
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
    pub fn parse(raw: &str) -> Option<Person> {
        let raw = decode_encoded_words(raw.trim());
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

    pub fn render(&self) -> String {
        if self.name.is_empty() {
            format!("<{}>", self.email)
        } else {
            format!("{} <{}>", self.name, self.email)
        }
    }
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
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decode base64 (RFC 4648), ignoring whitespace. `None` on a malformed body.
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut bits = 0;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            _ => return None,
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

/// Decode RFC 2047 encoded words (`=?UTF-8?q?Ren=C3=A9?=`) in a header value.
pub fn decode_encoded_words(value: &str) -> String {
    static WORD: OnceLock<Regex> = OnceLock::new();
    let re = WORD.get_or_init(|| Regex::new(r"=\?([^?]+)\?([qQbB])\?([^?]*)\?=(\s+=\?)?").expect("static regex"));
    if !value.contains("=?") {
        return value.to_string();
    }
    let mut out = String::new();
    let mut last = 0;
    for caps in re.captures_iter(value) {
        let m = caps.get(0).expect("group 0");
        out.push_str(&value[last..m.start()]);
        let payload = &caps[3];
        let decoded = if caps[2].eq_ignore_ascii_case("q") {
            decode_quoted_printable(&payload.replace('_', " "))
        } else {
            decode_base64(payload)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default()
        };
        out.push_str(&decoded);
        // Adjacent encoded words are joined without the whitespace between them.
        last = if caps.get(4).is_some() { m.end() - 2 } else { m.end() };
    }
    out.push_str(&value[last..]);
    out
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
        assert_eq!(p.render(), "[RFC PATCH v2 1/3]");
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
        assert_eq!(decode_encoded_words("=?UTF-8?q?Ren=C3=A9_X?= <r@x>"), "René X <r@x>");
        assert_eq!(decode_base64("aGVsbG8=").unwrap(), b"hello");
    }

    #[test]
    fn person_forms() {
        let p = Person::parse("Kaitao Cheng <chengkaitao@example.org>").unwrap();
        assert_eq!(p.name, "Kaitao Cheng");
        assert!(Person::parse("Kaitao cheng").is_none());
    }
}
