//! The one place that writes. Results go to stdout, status and progress to stderr, both
//! through a [`Shell`] that tests can capture. Every operation's outcome is a [`Document`]:
//! rendered for people (`render`) or as JSON with a `schema` field, by one rule for every
//! command (`--json`: the document on stdout instead of the human report; `--json=FILE`: the
//! human report on stdout and the document in FILE). Progress events are drawn by `progress`.

pub mod kcidb;
pub mod ktap;
pub mod progress;
pub mod render;
pub mod testrun;

pub use render::MailCheck;

use serde::Serialize;
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// An operation's outcome as a document: its JSON schema name and its human rendering.
pub trait Document: Serialize {
    /// `kfpatch-<command>/<version>`, the `schema` field of the JSON document.
    const SCHEMA: &'static str;
    /// The report for people, one line per entry, ending in a newline.
    fn human(&self) -> String;
    /// The JSON text: one document with its schema (the matrix writes one line per row).
    fn json_text(&self) -> String
    where
        Self: Sized,
    {
        to_json(self)
    }
}

/// What a VM-testing command prints on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum ReportFormat {
    /// The report for people.
    #[default]
    Human,
    /// KTAP v1: a test per tree, a subtest per VM case (kunit.py parse reads it).
    Ktap,
    /// A KCIDB v5 JSON document: checkout, build and tests per tree.
    Kcidb,
}

/// Where the JSON document goes, if anywhere.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum JsonOutput {
    /// Human report on stdout only.
    #[default]
    None,
    /// The JSON document on stdout, and nothing else there.
    Stdout,
    /// The human report on stdout, the JSON document in this file.
    File(PathBuf),
}

impl JsonOutput {
    /// From `--json` (`Some(None)`) or `--json=FILE` (`Some(Some(FILE))`).
    pub fn from_flag(flag: Option<Option<PathBuf>>) -> JsonOutput {
        match flag {
            None => JsonOutput::None,
            Some(None) => JsonOutput::Stdout,
            Some(Some(path)) if path.as_os_str() == "-" => JsonOutput::Stdout,
            Some(Some(path)) => JsonOutput::File(path),
        }
    }
}

/// `{"schema": …, …the document's fields…}`.
#[derive(Serialize)]
struct WithSchema<'a, T: Serialize> {
    schema: &'static str,
    #[serde(flatten)]
    body: &'a T,
}

/// A document serialized with its schema field first.
pub fn to_json<D: Document>(doc: &D) -> String {
    let text = serde_json::to_string_pretty(&WithSchema {
        schema: D::SCHEMA,
        body: doc,
    });
    text.expect("outcomes serialize: plain data, string keys")
}

/// A failure as a JSON document (`--json` on stdout), so a machine reader always gets JSON.
#[derive(Debug, Serialize)]
pub struct ErrorDocument {
    pub error: String,
    pub exit_code: u8,
}

impl Document for ErrorDocument {
    const SCHEMA: &'static str = "kfpatch-error/1";
    fn human(&self) -> String {
        format!("kfpatch: error: {}\n", self.error)
    }
}

type Sink = Mutex<Box<dyn Write + Send>>;

/// Standard output and error, or buffers in tests. A failed write to stdout (closed pipe, full
/// disk) is remembered, never a panic; later writes to it are skipped.
pub struct Shell {
    out: Sink,
    err: Sink,
    out_failure: Mutex<Option<io::Error>>,
}

/// What a captured shell wrote.
#[derive(Clone, Default)]
pub struct Captured {
    out: Arc<Mutex<Vec<u8>>>,
    err: Arc<Mutex<Vec<u8>>>,
}

impl Captured {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.lock().expect("not poisoned")).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.err.lock().expect("not poisoned")).into_owned()
    }
}

struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

impl Write for SharedBuffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().expect("not poisoned").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Shell {
    pub fn stdio() -> Shell {
        Shell::from_writers(Box::new(io::stdout()), Box::new(io::stderr()))
    }

    pub fn from_writers(out: Box<dyn Write + Send>, err: Box<dyn Write + Send>) -> Shell {
        Shell {
            out: Mutex::new(out),
            err: Mutex::new(err),
            out_failure: Mutex::new(None),
        }
    }

    /// A shell writing into buffers, and the handle to read them.
    pub fn captured() -> (Shell, Captured) {
        let captured = Captured::default();
        let shell = Shell::from_writers(
            Box::new(SharedBuffer(captured.out.clone())),
            Box::new(SharedBuffer(captured.err.clone())),
        );
        (shell, captured)
    }

    /// Result text on stdout, as is.
    pub fn print(&self, text: &str) {
        let mut failure = self.out_failure.lock().expect("not poisoned");
        if failure.is_some() {
            return;
        }
        let mut out = self.out.lock().expect("not poisoned");
        if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
            *failure = Some(e);
        }
    }

    /// A line on stderr, as is (progress lines). Errors writing stderr have nowhere to go.
    pub fn err_line(&self, line: &str) {
        let mut err = self.err.lock().expect("not poisoned");
        let _ = writeln!(err, "{line}").and_then(|_| err.flush());
    }

    /// `kfpatch: msg` on stderr.
    pub fn status(&self, msg: &str) {
        self.err_line(&format!("kfpatch: {}", escape_controls(msg)));
    }

    /// `kfpatch: error: msg` on stderr, on one line.
    pub fn error(&self, msg: &str) {
        let one_line = msg.lines().collect::<Vec<_>>().join(" | ");
        self.err_line(&format!("kfpatch: error: {}", escape_controls(&one_line)));
    }

    /// An outcome by the `--json` rule.
    pub fn document<D: Document>(&self, doc: &D, json: &JsonOutput) -> io::Result<()> {
        match json {
            JsonOutput::None => self.print(&doc.human()),
            JsonOutput::Stdout => self.print(&(doc.json_text() + "\n")),
            JsonOutput::File(path) => {
                self.print(&doc.human());
                std::fs::write(path, doc.json_text() + "\n")
                    .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
            }
        }
        Ok(())
    }

    /// The first failed write to stdout, if any (taken: asked once, at exit).
    pub fn take_stdout_failure(&self) -> Option<io::Error> {
        self.out_failure.lock().expect("not poisoned").take()
    }
}

/// A line from elsewhere (a guest's console, a tool's output) made safe for a terminal:
/// control characters other than tab are shown escaped, never sent.
pub fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() && c != '\t' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Doc {
        n: u32,
    }
    impl Document for Doc {
        const SCHEMA: &'static str = "kfpatch-test/1";
        fn human(&self) -> String {
            format!("n is {}\n", self.n)
        }
    }

    #[test]
    fn one_json_rule_for_every_document() {
        let (shell, seen) = Shell::captured();
        shell.document(&Doc { n: 3 }, &JsonOutput::Stdout).unwrap();
        let v: serde_json::Value = serde_json::from_str(&seen.stdout()).unwrap();
        assert_eq!(v["schema"], "kfpatch-test/1");
        assert_eq!(v["n"], 3);
        let (shell, seen) = Shell::captured();
        shell.document(&Doc { n: 3 }, &JsonOutput::None).unwrap();
        assert_eq!(seen.stdout(), "n is 3\n");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("doc.json");
        let (shell, seen) = Shell::captured();
        shell.document(&Doc { n: 4 }, &JsonOutput::File(file.clone())).unwrap();
        assert_eq!(seen.stdout(), "n is 4\n");
        assert!(std::fs::read_to_string(&file)
            .unwrap()
            .contains("\"schema\": \"kfpatch-test/1\""));
    }

    #[test]
    fn a_failed_stdout_is_remembered_not_a_panic() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::from_raw_os_error(28))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let shell = Shell::from_writers(Box::new(Full), Box::new(io::sink()));
        shell.print("report\n");
        shell.print("more\n");
        assert_eq!(shell.take_stdout_failure().unwrap().raw_os_error(), Some(28));
    }

    #[test]
    fn errors_are_one_line_without_control_characters() {
        let (shell, seen) = Shell::captured();
        shell.error("probe timed out (c\x1b[?7l\x1b[2J)\nsecond line");
        assert_eq!(
            seen.stderr(),
            "kfpatch: error: probe timed out (c\\u{1b}[?7l\\u{1b}[2J) | second line\n"
        );
    }
}
