//! RFC 2047 encoded words in mail headers (`=?UTF-8?q?Ren=C3=A9?=`), decoded exactly as
//! `git mailinfo` decodes them, and the charsets kfpatch converts to UTF-8 by hand (UTF-8,
//! US-ASCII, ISO-8859-1, ISO-8859-15, Windows-1252).

use super::header::{base64_digit, hex_value, is_space};

/// Decode every encoded word of a header value the way `git mailinfo` does:
///
/// - a Q or B word becomes its text, converted from its charset to UTF-8;
/// - whitespace between two encoded words is dropped (RFC 2047 §6.2: adjacent words join with
///   nothing between them); any other text, and whitespace before the first word, is kept;
/// - the encoded text runs to the first `?=`, spaces included, as git reads it.
///
/// When one word is malformed (no `?` after the charset, an encoding other than Q or B, no
/// closing `?=`) or names a charset kfpatch cannot convert, the whole value is returned as it
/// is, as `git mailinfo` prints it (git also fails the mail then; kfpatch reads on).
pub fn decode(value: &str) -> String {
    if !value.contains("=?") {
        return value.to_string();
    }
    match decode_words(value.as_bytes()) {
        Some(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        None => value.to_string(),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn decode_words(it: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(it.len());
    let mut at = 0;
    while let Some(rel) = find(&it[at..], b"=?") {
        let ep = at + rel;
        // Text before the word stays, unless it is only whitespace after another word.
        if at != ep && (at == 0 || !it[at..ep].iter().all(|b| is_space(*b))) {
            out.extend_from_slice(&it[at..ep]);
        }
        let start = ep + 2;
        if start >= it.len() {
            return None;
        }
        let cp = start + it[start..].iter().position(|b| *b == b'?')?;
        if cp + 3 > it.len() || it[cp + 2] != b'?' {
            return None;
        }
        let charset = std::str::from_utf8(&it[start..cp]).ok()?;
        let text = cp + 3;
        let end = text + find(&it[text..], b"?=")?;
        let decoded = match it[cp + 1].to_ascii_lowercase() {
            b'q' => decode_q(&it[text..end], true),
            b'b' => decode_b(&it[text..end]),
            _ => return None,
        };
        out.extend(to_utf8(&decoded, charset)?);
        at = end + 2;
    }
    out.extend_from_slice(&it[at..]);
    Some(out)
}

/// Quoted-printable as git decodes it: `=XX` escapes, `_` is a space in an encoded word
/// (`word`), an `=` at the end (or before a newline) ends the text, any other `=` stays.
pub fn decode_q(text: &[u8], word: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        i += 1;
        if c == b'=' {
            match text.get(i) {
                None | Some(b'\n') => break,
                Some(h) => {
                    if let (Some(h), Some(l)) = (hex_value(*h), text.get(i + 1).and_then(|l| hex_value(*l))) {
                        out.push(h << 4 | l);
                        i += 2;
                        continue;
                    }
                }
            }
        }
        out.push(if word && c == b'_' { b' ' } else { c });
    }
    out
}

/// Base64 as git decodes an encoded word: characters outside the alphabet (padding included)
/// are skipped.
pub fn decode_b(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut pos, mut acc) = (0, 0u8);
    for c in text {
        // Like git: anything that is not a base64 digit is skipped.
        let Some(v) = base64_digit(*c) else { continue };
        match pos {
            0 => acc = v << 2,
            1 => {
                out.push(acc | v >> 4);
                acc = (v & 15) << 4;
            }
            2 => {
                out.push(acc | v >> 2);
                acc = (v & 3) << 6;
            }
            _ => out.push(acc | v),
        }
        pos = (pos + 1) % 4;
    }
    out
}

/// Windows-1252 bytes 0x80–0x9F; `None`: undefined there (iconv refuses them too).
const CP1252_HIGH: [Option<char>; 32] = [
    Some('\u{20AC}'),
    None,
    Some('\u{201A}'),
    Some('\u{0192}'),
    Some('\u{201E}'),
    Some('\u{2026}'),
    Some('\u{2020}'),
    Some('\u{2021}'),
    Some('\u{02C6}'),
    Some('\u{2030}'),
    Some('\u{0160}'),
    Some('\u{2039}'),
    Some('\u{0152}'),
    None,
    Some('\u{017D}'),
    None,
    None,
    Some('\u{2018}'),
    Some('\u{2019}'),
    Some('\u{201C}'),
    Some('\u{201D}'),
    Some('\u{2022}'),
    Some('\u{2013}'),
    Some('\u{2014}'),
    Some('\u{02DC}'),
    Some('\u{2122}'),
    Some('\u{0161}'),
    Some('\u{203A}'),
    Some('\u{0153}'),
    None,
    Some('\u{017E}'),
    Some('\u{0178}'),
];

/// Where ISO-8859-15 differs from ISO-8859-1.
fn latin9(b: u8) -> char {
    match b {
        0xA4 => '\u{20AC}',
        0xA6 => '\u{0160}',
        0xA8 => '\u{0161}',
        0xB4 => '\u{017D}',
        0xB8 => '\u{017E}',
        0xBC => '\u{0152}',
        0xBD => '\u{0153}',
        0xBE => '\u{0178}',
        _ => b as char,
    }
}

/// `bytes` in `charset`, as UTF-8 bytes. An empty charset and UTF-8 are taken as they are
/// (git does not convert them either); `None`: a charset kfpatch does not know, or bytes that
/// charset does not have (8-bit bytes in US-ASCII).
pub fn to_utf8(bytes: &[u8], charset: &str) -> Option<Vec<u8>> {
    let map = |f: &dyn Fn(u8) -> Option<char>| -> Option<Vec<u8>> {
        let text: Option<String> = bytes.iter().map(|b| f(*b)).collect();
        text.map(String::into_bytes)
    };
    match charset.to_ascii_lowercase().as_str() {
        "" | "utf-8" | "utf8" => Some(bytes.to_vec()),
        "us-ascii" | "ascii" | "us" | "ansi_x3.4-1968" | "ansi_x3.4-1986" | "iso646-us" | "csascii" | "iso-ir-6"
        | "cp367" | "ibm367" => map(&|b| b.is_ascii().then_some(b as char)),
        "iso-8859-1" | "iso8859-1" | "iso_8859-1" | "iso88591" | "latin1" | "latin-1" | "l1" | "iso-ir-100"
        | "csisolatin1" | "cp819" | "ibm819" | "8859_1" | "iso_8859-1:1987" => map(&|b| Some(b as char)),
        "iso-8859-15" | "iso8859-15" | "iso_8859-15" | "iso885915" | "latin-9" | "latin9" | "iso_8859-15:1998"
        | "iso-ir-203" => map(&|b| Some(latin9(b))),
        "windows-1252" | "cp1252" | "ms-ansi" => map(&|b| match b {
            0x80..=0x9F => CP1252_HIGH[(b - 0x80) as usize],
            _ => Some(b as char),
        }),
        _ => None,
    }
}
