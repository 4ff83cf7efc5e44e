//! Reading patch mails: a single patch, a `git format-patch` file, an mbox holding a series
//! (with or without a `0/N` cover letter), a bare unified diff, or a web-archive copy whose
//! whitespace was damaged. The result is a [`Series`] that the apply engine consumes.

pub mod damage;
pub mod diff;
pub mod header;
pub mod rfc2047;
pub mod write;

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use std::path::{Path, PathBuf};

pub use diff::{FilePatch, Hunk, HunkLine, LineKind};
pub use header::{Person, SubjectPrefix};

/// A mail that could not be read, with the file and line where it went wrong (`line` 0: the
/// file as a whole, printed as `FILE: …`).
#[derive(Debug, thiserror::Error)]
#[error("{}{}: {message}", path.display(), if *line == 0 { String::new() } else { format!(":{line}") })]
pub struct MailError {
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
}

/// The most one input file may hold. A patch series is kilobytes; more is not one, and reading
/// stops here (`/dev/zero` would otherwise fill the memory).
pub const MAX_INPUT_BYTES: u64 = 64 << 20;

#[derive(Debug, Clone, Serialize)]
pub struct Patch {
    pub prefix: SubjectPrefix,
    /// Subject without its `[...]` prefix.
    pub subject: String,
    pub author: Option<Person>,
    #[serde(serialize_with = "serialize_date")]
    pub date: Option<DateTime<FixedOffset>>,
    pub message_id: Option<String>,
    /// Commit message body, without subject and trailers.
    pub body: String,
    /// `Signed-off-by: …` and friends, in order.
    pub trailers: Vec<(String, String)>,
    /// The `---` diffstat lines as written.
    pub diffstat: Vec<String>,
    pub files: Vec<FilePatch>,
    pub signature: Option<String>,
    /// Character damage undone before the diff was read (entities, NBSP, raw quoted-printable).
    pub repairs: Vec<damage::CharDamage>,
    /// Line in the input file where this message starts.
    pub line: usize,
    /// Name of the input, for messages.
    pub source: PathBuf,
}

fn serialize_date<S: serde::Serializer>(d: &Option<DateTime<FixedOffset>>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_some(&d.to_rfc2822()),
        None => s.serialize_none(),
    }
}

impl Patch {
    /// `[RFC v2 1/3]`-style label for messages; falls back to the subject.
    pub fn label(&self) -> String {
        match (self.prefix.index, self.prefix.total) {
            (Some(i), Some(n)) => format!("patch {i}/{n}"),
            _ => "patch".to_string(),
        }
    }
    /// Is any hunk of this mail damaged? A mail passes through one archive, so damage in one
    /// hunk means every hunk's whitespace is suspect.
    pub fn damaged(&self) -> bool {
        self.files.iter().flat_map(|f| &f.hunks).any(|h| h.damaged)
    }
    /// The commit message as `git am` would record it (the one difference: a trailer block is
    /// always set off by a blank line, which web archives lose).
    pub fn commit_message(&self) -> String {
        let mut msg = self.subject.clone();
        let body = self.body.trim_matches('\n');
        if !body.is_empty() {
            msg.push_str("\n\n");
            msg.push_str(body);
        }
        if !self.trailers.is_empty() {
            msg.push_str("\n\n");
            let lines: Vec<String> = self.trailers.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            msg.push_str(&lines.join("\n"));
        }
        msg.push('\n');
        msg
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CoverLetter {
    pub prefix: SubjectPrefix,
    pub subject: String,
    pub body: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Series {
    pub source: PathBuf,
    pub cover: Option<CoverLetter>,
    pub patches: Vec<Patch>,
    /// The input text as read (of every file, in order, when read from several).
    #[serde(skip)]
    pub raw: String,
    /// The sha256 of each input file's bytes, in order (KCIDB's patchset hash is made of them).
    #[serde(skip)]
    pub file_sha256: Vec<String>,
    /// Each input file (none for the bundled series, which is built in).
    #[serde(skip)]
    pub files: Vec<PathBuf>,
}

/// A series as a CI database names it: its files and KCIDB's patchset hash.
#[derive(Debug, Clone, Serialize)]
pub struct Patchset {
    pub files: Vec<PathBuf>,
    pub sha256: String,
}

impl Series {
    /// Every tree path the series changes (new paths; removed files by their old path), once.
    pub fn touched_files(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for file in self.patches.iter().flat_map(|p| &p.files) {
            if let Some(path) = file.new_path.as_ref().or(file.old_path.as_ref()) {
                if !out.contains(path) {
                    out.push(path.clone());
                }
            }
        }
        out
    }

    pub fn patchset(&self) -> Patchset {
        Patchset {
            files: self.files.clone(),
            sha256: self.patchset_sha256(),
        }
    }

    /// A short stable id of the input: the git blob id of its raw text, 8 digits. The same
    /// mail always maps to the same work copy and build directory.
    pub fn key(&self) -> String {
        crate::kernel::blob_id(&self.raw)[..8].to_string()
    }

    /// KCIDB's patchset hash: the sha256 of the newline-terminated sha256 of each patch file,
    /// in order (`sha256sum *.patch | cut -c-64 | sha256sum`).
    pub fn patchset_sha256(&self) -> String {
        let lines: String = self.file_sha256.iter().map(|h| format!("{h}\n")).collect();
        sha256_hex(lines.as_bytes())
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The series bundled with kfpatch: the RFC exactly as received.
pub const BUNDLED_NAME: &str = "patches/rfc-v2-1-3-kf-spin-lock.txt";
pub const BUNDLED: &str = include_str!("../../patches/rfc-v2-1-3-kf-spin-lock.txt");

pub fn bundled() -> Series {
    parse_series(Path::new(BUNDLED_NAME), BUNDLED.as_bytes()).expect("the bundled series parses (tested)")
}

/// Read every file into one series, in order; no files: the bundled series.
pub fn read_all(paths: &[PathBuf]) -> Result<Series, MailError> {
    let Some((first, rest)) = paths.split_first() else {
        return Ok(bundled());
    };
    let mut series = read_series(first)?;
    for p in rest {
        let more = read_series(p)?;
        series.patches.extend(more.patches);
        series.raw.push_str(&more.raw);
        series.file_sha256.extend(more.file_sha256);
        series.files.extend(more.files);
    }
    Ok(series)
}

/// Read and parse a file; `-` is not special. Only a regular file (or a link to one) of at most
/// [`MAX_INPUT_BYTES`] is read: a FIFO would block, a device never end.
pub fn read_series(path: &Path) -> Result<Series, MailError> {
    let bytes = read_bounded(path)?;
    parse_series(path, &bytes)
}

/// Read one mail (or series) from stdin, at most [`MAX_INPUT_BYTES`]; errors name `<stdin>`.
pub fn read_stdin() -> Result<Series, MailError> {
    use std::io::Read;
    let path = Path::new("<stdin>");
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| MailError {
            path: path.into(),
            line: 0,
            message: format!("cannot read: {e}"),
        })?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(MailError {
            path: path.into(),
            line: 0,
            message: format!("larger than {} MiB; not a patch series", MAX_INPUT_BYTES >> 20),
        });
    }
    parse_series(path, &bytes)
}

fn read_bounded(path: &Path) -> Result<Vec<u8>, MailError> {
    use std::io::Read;
    let err = |message: String| MailError {
        path: path.into(),
        line: 0,
        message,
    };
    let too_large = || err(format!("larger than {} MiB; not a patch series", MAX_INPUT_BYTES >> 20));
    let regular = |meta: &std::fs::Metadata| match not_regular(meta) {
        Some(kind) => Err(err(format!("{kind}, not a regular file; not a patch series"))),
        None if meta.len() > MAX_INPUT_BYTES => Err(too_large()),
        None => Ok(()),
    };
    // Before opening: opening a FIFO for reading blocks until a writer comes.
    regular(&std::fs::metadata(path).map_err(|e| err(format!("cannot read: {e}")))?)?;
    let file = std::fs::File::open(path).map_err(|e| err(format!("cannot read: {e}")))?;
    // The path may have been replaced in between: judge what was opened, and read no more
    // than the cap (plus one byte, to tell a file that grew).
    regular(&file.metadata().map_err(|e| err(format!("cannot read: {e}")))?)?;
    let mut bytes = Vec::new();
    file.take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| err(format!("cannot read: {e}")))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}

/// What a file that is not a regular one is, for the message.
fn not_regular(meta: &std::fs::Metadata) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_file() {
        None
    } else if t.is_dir() {
        Some("a directory")
    } else if t.is_fifo() {
        Some("a FIFO")
    } else if t.is_char_device() {
        Some("a character device")
    } else if t.is_block_device() {
        Some("a block device")
    } else if t.is_socket() {
        Some("a socket")
    } else {
        Some("a special file")
    }
}

/// Parse the bytes of one input file into a series.
pub fn parse_series(path: &Path, bytes: &[u8]) -> Result<Series, MailError> {
    let err = |line: usize, message: String| MailError {
        path: path.into(),
        line,
        message,
    };
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(err(1, "empty input: no mail or diff in it".into()));
    }
    if bytes.contains(&0) {
        let line = bytes[..bytes.iter().position(|b| *b == 0).unwrap_or(0)]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        return Err(err(line, "binary input (NUL byte): not a mail or diff".into()));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
        err(line, "not UTF-8 text: not a mail or diff".into())
    })?;
    let lines: Vec<(usize, &str)> = text
        .split('\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l)))
        .collect();
    // Drop the empty piece after a final newline.
    let lines = match lines.last() {
        Some((_, "")) => &lines[..lines.len() - 1],
        _ => &lines[..],
    };
    let messages = split_mbox(lines);
    let mut patches = Vec::new();
    let mut cover = None;
    for msg in messages {
        match parse_message(path, msg)? {
            Parsed::Patch(p) => patches.push(*p),
            Parsed::NoDiff {
                prefix,
                subject,
                body,
                line,
            } => {
                let is_cover = prefix.index == Some(0);
                if is_cover && cover.is_none() {
                    cover = Some(CoverLetter { prefix, subject, body });
                } else if !is_cover && !lines.is_empty() && patches.is_empty() && cover.is_none() && line == lines[0].0
                {
                    // The only message, and it has no diff: nothing to apply.
                    return Err(err(line, "no diff found in this mail".into()));
                }
            }
        }
    }
    if patches.is_empty() {
        return Err(err(
            lines.last().map(|l| l.0).unwrap_or(1),
            "no patch with a diff in this input".into(),
        ));
    }
    // Series order: by `i/N` when every patch has one, else input order.
    if patches.iter().all(|p| p.prefix.index.is_some()) {
        patches.sort_by_key(|p| p.prefix.index);
    }
    Ok(Series {
        source: path.into(),
        cover,
        patches,
        raw: text.to_string(),
        file_sha256: vec![sha256_hex(bytes)],
        files: if path == Path::new(BUNDLED_NAME) {
            vec![]
        } else {
            vec![path.into()]
        },
    })
}

/// Split on mbox `From ` separator lines (`From git@z …`, `From <sha> Mon Sep 17 …`).
fn split_mbox<'a>(lines: &'a [(usize, &'a str)]) -> Vec<&'a [(usize, &'a str)]> {
    let is_separator = |idx: usize| {
        let l = lines[idx].1;
        l.starts_with("From ")
            && !l.starts_with("From: ")
            && (idx == 0 || lines[idx - 1].1.is_empty())
            && l.split_whitespace().count() >= 2
            && lines
                .get(idx + 1)
                .is_some_and(|(_, n)| header::header_name(n).is_some())
    };
    let mut starts: Vec<usize> = (0..lines.len()).filter(|&i| is_separator(i)).collect();
    if starts.first() != Some(&0) {
        starts.insert(0, 0);
    }
    let mut out = Vec::new();
    for (k, &s) in starts.iter().enumerate() {
        let e = starts.get(k + 1).copied().unwrap_or(lines.len());
        if s < e {
            out.push(&lines[s..e]);
        }
    }
    out
}

enum Parsed {
    Patch(Box<Patch>),
    NoDiff {
        prefix: SubjectPrefix,
        subject: String,
        body: String,
        line: usize,
    },
}

/// The headers kfpatch reads, as `git mailinfo` reads them: the last of each wins; From,
/// Subject and Date are stored with their encoded words decoded.
#[derive(Default)]
struct Headers {
    subject: Option<String>,
    from: Option<String>,
    date: Option<String>,
    message_id: Option<String>,
    /// `quoted-printable` or `base64`.
    encoding: Option<&'static str>,
    /// The body's `charset=`.
    charset: Option<String>,
}

impl Headers {
    /// One unfolded header line, `Name: value`.
    fn set(&mut self, line: &str) {
        let Some((name, value)) = line.split_once(':') else {
            return;
        };
        let value = header::trim_space(value);
        match name.to_ascii_lowercase().as_str() {
            "subject" => self.subject = Some(rfc2047::decode(value)),
            "from" => self.from = Some(rfc2047::decode(value)),
            "date" => self.date = Some(rfc2047::decode(value)),
            "message-id" => self.message_id = Some(value.trim_matches(|c| c == '<' || c == '>').to_string()),
            "content-transfer-encoding" => {
                let v = rfc2047::decode(value).to_ascii_lowercase();
                self.encoding = if v.contains("base64") {
                    Some("base64")
                } else if v.contains("quoted-printable") {
                    Some("quoted-printable")
                } else {
                    None
                };
            }
            "content-type" => self.charset = header::mime_attr(&rfc2047::decode(value), "charset="),
            _ => {}
        }
    }
}

/// Do the lines from `i` on form a header block that a blank line ends, as in every real mail?
/// Then any header name counts (git's rule); otherwise (a web-archive copy, which drops the
/// blank line) only names kfpatch knows do, so the body's first line is not taken for one.
fn header_block_ends_blank(msg: &[(usize, &str)], i: usize) -> bool {
    let mut seen = false;
    for (_, raw) in msg.iter().skip(i) {
        if seen && (raw.starts_with(' ') || raw.starts_with('\t')) {
            continue;
        }
        let line = header::trim_end_space(raw);
        if line.is_empty() {
            return seen;
        }
        if !header::is_rfc2822_header(line) {
            return false;
        }
        seen = true;
    }
    seen
}

fn is_diff_start(lines: &[(usize, &str)], i: usize) -> bool {
    let l = lines[i].1;
    l.starts_with("diff --git ")
        || l.starts_with("Index: ")
        || (l.starts_with("--- ") && lines.get(i + 1).is_some_and(|(_, n)| n.starts_with("+++ ")))
}

fn parse_message(path: &Path, msg: &[(usize, &str)]) -> Result<Parsed, MailError> {
    let first_line = msg.first().map(|l| l.0).unwrap_or(1);
    // git skips blank lines before the first header.
    let mut i = msg.iter().take_while(|(_, l)| header::trim_space(l).is_empty()).count();
    if msg.get(i).is_some_and(|(_, l)| l.starts_with("From ")) {
        i += 1;
    }
    let mut h = Headers::default();
    // A bare diff has no headers at all.
    let bare = (i..msg.len()).find(|&k| !msg[k].1.trim().is_empty()).is_some_and(|k| {
        // A diff copied from an HTML page may start `diff\u{a0}--git`.
        let first = msg[k].1.replace('\u{a0}', " ");
        is_diff_start(msg, k) || first.starts_with("diff --git ") || first.starts_with("--- a/")
    });
    if !bare {
        let proper = header_block_ends_blank(msg, i);
        let known_header_at = |k: usize| {
            msg.get(k)
                .and_then(|(_, l)| header::header_name(l))
                .is_some_and(header::is_known_header)
        };
        // Web archives put the subject alone on the first line, then headers with no blank line.
        // A message may be nothing but its `From ` line: `msg[i]` need not exist.
        if let Some((_, first)) = msg.get(i) {
            if !proper && !known_header_at(i) && known_header_at(i + 1) {
                h.subject = Some(first.trim().to_string());
                i += 1;
            }
        }
        // Header lines unfolded as git does: a line starting with a blank continues the one
        // before, its first character becoming a space; trailing whitespace goes.
        let mut current: Option<String> = None;
        while i < msg.len() {
            let raw = msg[i].1;
            if let Some(cur) = current
                .as_mut()
                .filter(|_| raw.starts_with(' ') || raw.starts_with('\t'))
            {
                cur.push(' ');
                cur.push_str(header::trim_end_space(&raw[1..]));
                i += 1;
                continue;
            }
            let line = header::trim_end_space(raw);
            if line.is_empty() {
                i += 1;
                break;
            }
            let is_header = if proper {
                header::is_rfc2822_header(line)
            } else {
                known_header_at(i)
            };
            if !is_header {
                // Headers ended without a blank line (web archive).
                break;
            }
            if let Some(done) = current.replace(line.to_string()) {
                h.set(&done);
            }
            i += 1;
        }
        if let Some(done) = current {
            h.set(&done);
        }
    }
    // Decode the body if the transfer encoding asks for it; each decoded line keeps the number
    // of the raw line that holds its first byte, so errors point into the file as it is.
    let raw = &msg[i..];
    let charset = h.charset.as_deref();
    let body_lines: Vec<(usize, String)> = match h.encoding {
        Some("quoted-printable") => decode_qp_numbered(raw, charset),
        Some("base64") => decode_base64_numbered(raw, charset).ok_or_else(|| MailError {
            path: path.into(),
            line: msg.get(i).map(|l| l.0).unwrap_or(first_line),
            message: "malformed base64 body".into(),
        })?,
        _ => raw.iter().map(|(n, l)| (*n, l.to_string())).collect(),
    };
    let body_lines: Vec<(usize, &str)> = body_lines.iter().map(|(n, l)| (*n, l.as_str())).collect();
    // Character damage (entities, NBSP, raw quoted-printable) is undone before the diff is read.
    match damage::repair(&body_lines) {
        None => parse_body(path, &h, &body_lines, first_line, vec![]),
        Some((owned, repairs)) => {
            let lines: Vec<(usize, &str)> = owned.iter().map(|(n, l)| (*n, l.as_str())).collect();
            parse_body(path, &h, &lines, first_line, repairs)
        }
    }
}

/// A quoted-printable body, decoded one logical line (raw lines joined by soft breaks) at a
/// time, each numbered by the raw line it starts on.
fn decode_qp_numbered(raw: &[(usize, &str)], charset: Option<&str>) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut chunk = String::new();
    let mut start: Option<usize> = None;
    let flush = |start: usize, chunk: &str, out: &mut Vec<(usize, String)>| {
        for piece in body_text(&header::decode_quoted_printable_bytes(chunk), charset).split('\n') {
            out.push((start, piece.to_string()));
        }
    };
    for (n, line) in raw {
        let first = *start.get_or_insert(*n);
        match line.strip_suffix('=') {
            Some(soft) => chunk.push_str(soft),
            None => {
                chunk.push_str(line);
                flush(first, &chunk, &mut out);
                chunk.clear();
                start = None;
            }
        }
    }
    if let Some(first) = start {
        // A soft break at the very end joins nothing: the `=` stays, as a whole-body decode has it.
        chunk.push('=');
        flush(first, &chunk, &mut out);
    }
    out
}

/// Decoded body bytes as text: converted from the body's charset when kfpatch knows it (as git
/// converts the message), else read as UTF-8.
fn body_text(bytes: &[u8], charset: Option<&str>) -> String {
    let utf8 = charset.and_then(|c| rfc2047::to_utf8(bytes, c));
    String::from_utf8_lossy(utf8.as_deref().unwrap_or(bytes)).into_owned()
}

/// A base64 body decoded, each decoded line numbered by the raw line holding its first byte.
fn decode_base64_numbered(raw: &[(usize, &str)], charset: Option<&str>) -> Option<Vec<(usize, String)>> {
    let joined: Vec<&str> = raw.iter().map(|(_, l)| *l).collect();
    let bytes = header::decode_base64(&joined.join("\n"))?;
    // Where each raw line's decoded bytes end: 6 bits per base64 character, up to the padding.
    let mut ends = Vec::with_capacity(raw.len());
    let mut chars = 0usize;
    let mut padded = false;
    for (_, line) in raw {
        for c in line.bytes() {
            if c == b'=' {
                padded = true;
            }
            if !padded && (c.is_ascii_alphanumeric() || c == b'+' || c == b'/') {
                chars += 1;
            }
        }
        ends.push(chars * 6 / 8);
    }
    let line_of = |offset: usize| {
        let k = ends
            .partition_point(|end| *end <= offset)
            .min(raw.len().saturating_sub(1));
        raw.get(k).map(|l| l.0).unwrap_or(0)
    };
    let mut out = Vec::new();
    let mut offset = 0;
    for piece in bytes.split(|b| *b == b'\n') {
        let text = body_text(piece.strip_suffix(b"\r").unwrap_or(piece), charset);
        out.push((line_of(offset), text));
        offset += piece.len() + 1;
    }
    Some(out)
}

/// The in-body headers at the top of a body: `From:`, `Subject:` and `Date:` lines (each
/// once, folded lines joined) and a `[PATCH] subject` line, as `git mailinfo` reads them.
#[derive(Default)]
struct InBody {
    from: Option<String>,
    subject: Option<String>,
    date: Option<String>,
}

impl InBody {
    fn slot(&mut self, line: &str) -> Option<(&mut Option<String>, &'static str)> {
        [
            (&mut self.from, "From"),
            (&mut self.subject, "Subject"),
            (&mut self.date, "Date"),
        ]
        .into_iter()
        .find(|(slot, name)| slot.is_none() && header::header_value(line, name).is_some())
    }

    fn flush(&mut self, accum: Option<String>) {
        if let Some(line) = accum {
            if let Some((slot, name)) = self.slot(&line) {
                *slot = header::header_value(&line, name).map(rfc2047::decode);
            }
        }
    }

    /// Read the in-body headers of `lines`; returns them and where the message starts. Blank
    /// lines before them are skipped, and one blank line after them.
    fn read(lines: &[(usize, &str)]) -> (InBody, usize) {
        let mut ib = InBody::default();
        let mut accum: Option<String> = None;
        let mut k = 0;
        while k < lines.len() {
            let line = lines[k].1;
            if line.is_empty() {
                k += 1;
                if accum.is_some() {
                    break;
                }
                continue;
            }
            if let Some(acc) = accum
                .as_mut()
                .filter(|_| line.starts_with(' ') || line.starts_with('\t'))
            {
                acc.push_str(line);
                k += 1;
                continue;
            }
            ib.flush(accum.take());
            let blank_at = |n: usize| line.as_bytes().get(n).is_none_or(|b| header::is_space(*b));
            if line.starts_with(">From") && blank_at(5) {
                // A quoted `git format-patch` separator is skipped; other `>From` lines are text.
                if !is_format_patch_separator(&line[1..]) {
                    break;
                }
            } else if line.starts_with("[PATCH]") && blank_at(7) {
                ib.subject = Some(line.to_string());
            } else if ib.slot(line).is_some() {
                accum = Some(line.to_string());
            } else {
                break;
            }
            k += 1;
        }
        ib.flush(accum);
        (ib, k)
    }
}

/// `From <40 hex digits> Mon Sep 17 00:00:00 2001`, the first line of `git format-patch`.
fn is_format_patch_separator(line: &str) -> bool {
    let Some(rest) = line.strip_prefix("From ") else {
        return false;
    };
    rest.len() == 65
        && rest.as_bytes()[..40]
            .iter()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        && &rest[40..] == " Mon Sep 17 00:00:00 2001"
}

/// Where `git mailinfo` ends the commit message: `diff -`, `Index: `, `--- <name>`, or a `---`
/// with nothing but whitespace after it.
fn patchbreak(line: &str) -> bool {
    if line.starts_with("diff -") || line.starts_with("Index: ") {
        return true;
    }
    let Some(rest) = line.strip_prefix("---") else {
        return false;
    };
    let b = rest.as_bytes();
    (b.first() == Some(&b' ') && b.get(1).is_some_and(|c| !header::is_space(*c)))
        || b.iter().all(|c| header::is_space(*c))
}

fn parse_body(
    path: &Path,
    h: &Headers,
    lines: &[(usize, &str)],
    first_line: usize,
    repairs: Vec<damage::CharDamage>,
) -> Result<Parsed, MailError> {
    let (inbody, k) = InBody::read(lines);
    // The commit message ends at git's patch break (or at the diff, if that comes first).
    let msg_end = (k..lines.len())
        .find(|&j| patchbreak(lines[j].1) || is_diff_start(lines, j))
        .unwrap_or(lines.len());
    let diff_at = (msg_end..lines.len()).find(|&j| is_diff_start(lines, j));
    // In-body headers override the mail's when it has a patch, as with `git am`.
    let pick = |body: &Option<String>, mail: &Option<String>| match diff_at {
        Some(_) => body.clone().or_else(|| mail.clone()),
        None => mail.clone(),
    };
    let subject = pick(&inbody.subject, &h.subject).unwrap_or_default();
    let from = pick(&inbody.from, &h.from);
    let date = pick(&inbody.date, &h.date);
    let (prefix, bare_subject) = header::split_subject(&subject);
    let mut message: Vec<&str> = lines[k..msg_end].iter().map(|(_, l)| *l).collect();
    // Trailers: the trailing run of `Token-by: value` lines (the blank line before them may be lost).
    let mut trailers = Vec::new();
    while let Some(last) = message.last() {
        if last.trim().is_empty() {
            message.pop();
            continue;
        }
        match trailer(last) {
            Some(t) => {
                trailers.push(t);
                message.pop();
            }
            None => break,
        }
    }
    trailers.reverse();
    let body = header::stripspace(message).trim_end_matches('\n').to_string();
    let Some(diff_at) = diff_at else {
        return Ok(Parsed::NoDiff {
            prefix,
            subject: bare_subject,
            body,
            line: first_line,
        });
    };
    // The diffstat: what follows a `---` separator, up to the diff.
    let diffstat: Vec<String> = match msg_end < diff_at && lines[msg_end].1.starts_with("---") {
        true => lines[msg_end + 1..diff_at]
            .iter()
            .map(|(_, l)| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect(),
        false => vec![],
    };
    let parsed = diff::parse_diff(&lines[diff_at..]).map_err(|e| MailError {
        path: path.into(),
        line: e.line,
        message: e.message,
    })?;
    Ok(Parsed::Patch(Box::new(Patch {
        prefix,
        subject: bare_subject,
        author: from.as_deref().and_then(Person::from_header),
        date: date
            .as_deref()
            .and_then(|d| header::parse_date(&header::cleanup_space(d))),
        message_id: h.message_id.clone(),
        body,
        trailers,
        diffstat,
        files: parsed.files,
        signature: parsed.signature,
        repairs,
        line: first_line,
        source: path.into(),
    })))
}

fn trailer(line: &str) -> Option<(String, String)> {
    let (key, value) = line.split_once(": ")?;
    let known = key.ends_with("-by") || matches!(key, "Fixes" | "Link" | "Closes" | "Cc" | "Message-ID");
    if known && !key.contains(' ') && !value.trim().is_empty() {
        Some((key.to_string(), value.trim().to_string()))
    } else {
        None
    }
}

#[cfg(test)]
mod tests;
