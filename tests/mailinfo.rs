//! Differential test: kfpatch reads mail headers as `git mailinfo` does. A corpus of header
//! variants (encoded words, quoted names, comments, in-body headers, scissors, CRLF,
//! quoted-printable and base64 bodies) is built here; each mail is read by
//! `kfpatch::mail::parse_series` and by `git mailinfo` on the same bytes, and every field is
//! compared. A few are then applied by `git am` and by `kfpatch apply --commit` to two copies
//! of one repository, and the commits compared. Where kfpatch differs on purpose (README,
//! "Reading headers"), the difference itself is asserted.
mod common;
use common::*;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const BODY: &str = "Explain the change.\n\nSigned-off-by: Ada Dev <ada@example.org>\n";

const DIFF: &str = "\
---
 f.c | 1 +
 1 file changed, 1 insertion(+)

diff --git a/f.c b/f.c
--- a/f.c
+++ b/f.c
@@ -1,3 +1,4 @@
 int a;
 int b;
+int d;
 int c;
-- 
2.47.0
";

const DATE: &str = "Date: Mon, 4 May 2026 10:00:00 +0200";

/// What kfpatch does with a variant, compared with git.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Expect {
    /// Every field equal.
    Same,
    /// A malformed encoded word: git prints the header as it is and fails the mail (its
    /// message is empty); kfpatch keeps the header as it is too, and reads the message.
    GitFails,
    /// A charset iconv knows and kfpatch does not: git decodes the word, kfpatch leaves it.
    CharsetUnknown,
    /// Trailers right after the text: kfpatch sets them off by a blank line.
    TrailerSetOff,
}

struct Variant {
    name: &'static str,
    mail: Vec<u8>,
    /// The message text as written (for `GitFails`, where git gives none).
    body: &'static str,
    expect: Expect,
}

/// A mail: headers, a blank line, `body`, the diffstat and a diff of `f.c`.
fn mail(headers: &str, body: &str) -> Vec<u8> {
    format!("{headers}\n\n{body}{DIFF}").into_bytes()
}

fn same(name: &'static str, headers: &str) -> Variant {
    Variant {
        name,
        mail: mail(headers, BODY),
        body: BODY,
        expect: Expect::Same,
    }
}

fn with_body(name: &'static str, headers: &str, body: &'static str) -> Variant {
    Variant {
        name,
        mail: mail(headers, body),
        body,
        expect: Expect::Same,
    }
}

fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |acc, b| (acc << 8) | *b as u32) << (8 * (3 - chunk.len()));
        for k in 0..4 {
            out.push(if k <= chunk.len() {
                ABC[(n >> (18 - 6 * k) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    // 76 characters a line, as mailers write them.
    let lines: Vec<&str> = out
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    lines.join("\n") + "\n"
}

fn corpus() -> Vec<Variant> {
    let from = "From: Ada Dev <ada@example.org>";
    let subject = "Subject: [PATCH] f: add d";
    let mut v = vec![
        same("plain", &format!("{from}\n{DATE}\n{subject}")),
        same(
            "subject-three-adjacent-q-words",
            &format!("{from}\n{DATE}\nSubject: [PATCH] =?UTF-8?q?Caf=C3=A9?= =?UTF-8?q?_one?= =?UTF-8?q?_two?="),
        ),
        same(
            "from-two-adjacent-q-words",
            &format!("From: =?UTF-8?q?Bj=C3=B6rn?= =?UTF-8?q?_T=C3=B6pel?= <bjorn@example.org>\n{DATE}\n{subject}"),
        ),
        same(
            "words-separated-by-text",
            &format!(
                "{from}\n{DATE}\nSubject: [PATCH] f: =?UTF-8?q?caf=C3=A9?= and =?UTF-8?q?th=C3=A9?= (=?UTF-8?q?x?=)"
            ),
        ),
        same(
            "words-across-folded-lines",
            &format!(
                "{from}\n{DATE}\nSubject: [PATCH v2 2/5] =?UTF-8?q?f:_make_caf=C3=A9?=\n =?UTF-8?q?_handling_?=\n\t=?UTF-8?q?r=C3=A9entrant?="
            ),
        ),
        same(
            "folded-plain-subject",
            &format!("{from}\n{DATE}\nSubject: [RFC PATCH bpf-next v3 1/3] bpf: Add KF_SPIN_LOCK flag for kfuncs under\n bpf_spin_lock"),
        ),
        same(
            "mixed-charsets-adjacent",
            &format!(
                "From: =?UTF-8?q?Jos=C3=A9?= =?ISO-8859-1?q?_M=FCller?= <jose@example.org>\n{DATE}\nSubject: [PATCH] =?iso-8859-1?q?na=EFve?= =?UTF-8?b?IGPDtHTDqQ==?="
            ),
        ),
        same(
            "latin1-b-word-from",
            &format!("From: =?ISO-8859-1?B?Suly9G1lIEf2bWV6?= <jerome@example.org>\n{DATE}\n{subject}"),
        ),
        same(
            "utf8-b-words-adjacent",
            &format!("{from}\n{DATE}\nSubject: [PATCH] =?UTF-8?B?Q2Fmw6k=?= =?UTF-8?B?IG9uZQ==?="),
        ),
        same(
            "latin9-and-cp1252-lowercase",
            &format!("{from}\n{DATE}\nSubject: [PATCH] =?iso-8859-15?q?=A4_5?= and =?windows-1252?Q?=93quoted=94?="),
        ),
        same(
            "quoted-last-first",
            &format!("From: \"Dev, Ada\" <ada@example.org>\n{DATE}\n{subject}"),
        ),
        same(
            "quoted-encoded-name",
            &format!("From: \"=?UTF-8?q?M=C3=BCller,_J=C3=BCrgen?=\" <juergen@example.org>\n{DATE}\n{subject}"),
        ),
        same(
            "quoted-escaped-quote",
            &format!("From: \"Jim \\\"JJ\\\" Jones\" <jj@example.org>\n{DATE}\n{subject}"),
        ),
        same("comment-name", &format!("From: ada@example.org (Ada Dev)\n{DATE}\n{subject}")),
        same(
            "name-comment-and-trailing-comment",
            &format!("From: Ada (Kernel) Dev <ada@example.org> (Work)\n{DATE}\n{subject}"),
        ),
        same("bare-address", &format!("From: ada@example.org\n{DATE}\n{subject}")),
        same("angle-only", &format!("From: <ada@example.org>\n{DATE}\n{subject}")),
        same(
            "name-over-60-bytes",
            &format!(
                "From: Ada Augusta Byron King Countess of Lovelace And Some More Names <ada@example.org>\n{DATE}\n{subject}"
            ),
        ),
        same(
            "reply-prefixes-and-groups",
            &format!("{from}\n{DATE}\nSubject: Re: RE: [RFC PATCH bpf-next v3 1/2] [fix] f:   add\t d"),
        ),
        same(
            "lowercase-names-last-wins-unknown-headers",
            "FROM: Someone Else <else@example.org>\nX-Mailer: git-send-email 2.47.0\nOrganization: Example\nCc: a@example.org,\n  b@example.org\nfrom: Ada Dev <ada@example.org>\nsubject: [PATCH] f: lower\ndate: Tue, 5 May 2026 08:00:00 -0700",
        ),
        same(
            "date-with-comment",
            &format!("{from}\nDate: Tue, 5 May 2026 08:00:00 +0000 (UTC)\n{subject}"),
        ),
        same(
            "date-folded-no-weekday",
            &format!("{from}\nDate: 5 May 2026\n 08:00:00 -0700\n{subject}"),
        ),
        same(
            "format-patch-file",
            &format!(
                "From 1234567890abcdef1234567890abcdef12345678 Mon Sep 17 00:00:00 2001\n{from}\n{DATE}\n{subject}"
            ),
        ),
        with_body(
            "inbody-from",
            &format!("From: List Bot <bot@example.org>\n{DATE}\n{subject}"),
            "From: =?UTF-8?q?Bj=C3=B6rn?= <bjorn@example.org>\n\nExplain the change.\n\nSigned-off-by: Ada Dev <ada@example.org>\n",
        ),
        with_body(
            "inbody-from-subject-date-folded",
            &format!("From: List Bot <bot@example.org>\n{DATE}\nSubject: [PATCH] wrong subject"),
            "\n\nFrom: \"Dev, Ada\" <ada@example.org>\nSubject: [PATCH v4] f: the real\n  subject\nDate: Wed, 6 May 2026 12:00:00 +0100\n\nExplain the change.\n\nSigned-off-by: Ada Dev <ada@example.org>\n",
        ),
        with_body(
            "inbody-patch-line",
            &format!("{from}\n{DATE}\nSubject: [PATCH] wrong subject"),
            "[PATCH] f: from the body\nExplain the change.\n\nSigned-off-by: Ada Dev <ada@example.org>\n",
        ),
        with_body(
            "inbody-second-from-is-text",
            &format!("{from}\n{DATE}\n{subject}"),
            "From: Bob Dev <bob@example.org>\nFrom: Eve Dev <eve@example.org>\n\nExplain the change.\n\nSigned-off-by: Ada Dev <ada@example.org>\n",
        ),
        with_body(
            "scissors",
            &format!("{from}\n{DATE}\n{subject}"),
            "Some discussion above the cut.\n\n-- >8 --\nFrom: Bob Dev <bob@example.org>\nSubject: f: cut here\n\nExplain the change.\n\nSigned-off-by: Ada Dev <ada@example.org>\n",
        ),
        with_body(
            "scissors-at-top",
            &format!("{from}\n{DATE}\n{subject}"),
            "--8<-- cut here --8<--\nExplain the change.\n\nSigned-off-by: Ada Dev <ada@example.org>\n",
        ),
        with_body(
            "message-whitespace",
            &format!("{from}\n{DATE}\n{subject}"),
            "\n   Indented first line.  \n\n\n\nAfter blank lines.\t\n\nSigned-off-by: Ada Dev <ada@example.org>\n",
        ),
        Variant {
            name: "malformed-unterminated",
            mail: mail(&format!("{from}\n{DATE}\nSubject: [PATCH] f: =?UTF-8?q?caf=C3=A9 forever"), BODY),
            body: BODY,
            expect: Expect::GitFails,
        },
        Variant {
            name: "malformed-encoding-letter",
            mail: mail(
                &format!("From: =?UTF-8?q?Ada?= =?UTF-8?x?Dev?= <ada@example.org>\n{DATE}\n{subject}"),
                BODY,
            ),
            body: BODY,
            expect: Expect::GitFails,
        },
        Variant {
            name: "charset-koi8-r",
            mail: mail(&format!("{from}\n{DATE}\nSubject: [PATCH] =?KOI8-R?B?8NLJ18XU?="), BODY),
            body: BODY,
            expect: Expect::CharsetUnknown,
        },
        Variant {
            name: "trailer-without-blank-line",
            mail: mail(
                &format!("{from}\n{DATE}\n{subject}"),
                "Explain the change.\nSigned-off-by: Ada Dev <ada@example.org>\n",
            ),
            body: "",
            expect: Expect::TrailerSetOff,
        },
    ];
    // CRLF line ends throughout, with an encoded name and an in-body header.
    let crlf = String::from_utf8(mail(
        &format!("From: =?UTF-8?q?Bj=C3=B6rn?= =?UTF-8?q?_T=C3=B6pel?= <bjorn@example.org>\n{DATE}\nSubject: [PATCH] f: crlf\n =?UTF-8?q?mail_=C3=A9?="),
        "Subject: [PATCH] f: crlf in body\n\nExplain the change.\n\nSigned-off-by: Ada Dev <ada@example.org>\n",
    ))
    .unwrap();
    v.push(Variant {
        name: "crlf",
        mail: crlf.replace('\n', "\r\n").into_bytes(),
        body: BODY,
        expect: Expect::Same,
    });
    // Quoted-printable UTF-8 body: soft breaks, `=3D`, an in-body From: with an encoded word.
    let qp_headers = format!(
        "From: List Bot <bot@example.org>\n{DATE}\n{subject}\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: quoted-printable"
    );
    let qp_body = "From: =3D?UTF-8?q?Ren=3DC3=3DA9?=3D <rene@example.org>\n\nA body with an =3D sign, caf=C3=A9, and a line that was soft-=\nwrapped.\n\nSigned-off-by: Ren=C3=A9 <rene@example.org>\n";
    v.push(with_body("quoted-printable-utf8", &qp_headers, qp_body));
    // Quoted-printable ISO-8859-1 body: the message is converted to UTF-8.
    let latin_headers = format!(
        "{from}\n{DATE}\n{subject}\nContent-Type: text/plain; charset=\"ISO-8859-1\"\nContent-Transfer-Encoding: Quoted-Printable"
    );
    v.push(with_body(
        "quoted-printable-latin1",
        &latin_headers,
        "Caf=E9 na=EFve d=E9j=E0 vu.\n\nSigned-off-by: J=E9r=F4me <jerome@example.org>\n",
    ));
    // Base64 UTF-8 body, whole (message and diff).
    let b64_plain = format!("Explain the change, caf\u{e9}.\n\nSigned-off-by: Ada Dev <ada@example.org>\n{DIFF}");
    let b64 = format!(
        "{from}\n{DATE}\n{subject}\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n{}",
        base64(b64_plain.as_bytes())
    );
    v.push(Variant {
        name: "base64-body",
        mail: b64.into_bytes(),
        body: BODY,
        expect: Expect::Same,
    });
    v
}

/// `git` with no user or system configuration (so `mailinfo.scissors` is git's default).
fn isolated_git(dir: &Path, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Not The Author")
        .env("GIT_AUTHOR_EMAIL", "not@example.org")
        .env("GIT_COMMITTER_NAME", "Committer")
        .env("GIT_COMMITTER_EMAIL", "committer@example.org")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("git runs");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

/// What `git mailinfo` made of a mail, and the commit message `git am` would record.
struct GitInfo {
    ok: bool,
    author: String,
    email: String,
    subject: String,
    date: String,
    /// The message file as written.
    msg: String,
    /// `stripspace(subject + "\n\n" + msg)`, as `git am` builds it.
    message: String,
}

fn stripspace(dir: &Path, text: &str) -> String {
    let out = isolated_git(dir, &["stripspace"], text.as_bytes());
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

fn git_mailinfo(dir: &Path, mail: &[u8], extra: &[&str]) -> GitInfo {
    let mut args = vec!["mailinfo"];
    args.extend(extra);
    args.extend(["msg", "patch"]);
    let out = isolated_git(dir, &args, mail);
    let info = String::from_utf8(out.stdout).expect("mailinfo prints UTF-8");
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .unwrap_or("")
            .to_string()
    };
    let msg = std::fs::read_to_string(dir.join("msg")).unwrap();
    let subject = field("Subject");
    GitInfo {
        ok: out.status.success(),
        author: field("Author"),
        email: field("Email"),
        date: field("Date"),
        message: stripspace(dir, &format!("{subject}\n\n{msg}")),
        subject,
        msg,
    }
}

fn instant(date: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc2822(date.trim())
        .ok()
        .map(|d| d.timestamp())
}

/// Compare kfpatch's reading of one variant with `git mailinfo`'s; panics on a difference.
fn compare(dir: &Path, v: &Variant) {
    let series = kfpatch::mail::parse_series(Path::new(v.name), &v.mail)
        .unwrap_or_else(|e| panic!("{}: kfpatch cannot read it: {e}", v.name));
    assert_eq!(series.patches.len(), 1, "{}", v.name);
    let p = &series.patches[0];
    let git = git_mailinfo(dir, &v.mail, &[]);
    let ctx = format!("variant {}\n--- git mailinfo msg:\n{}", v.name, git.msg);
    let (name, email) = p
        .author
        .as_ref()
        .map(|a| (a.name.clone(), a.email.clone()))
        .unwrap_or_default();
    assert_eq!(name, git.author, "author name, {ctx}");
    assert_eq!(email, git.email, "author email, {ctx}");
    let git_instant = instant(&git.date);
    assert!(git_instant.is_some(), "git's date {:?} does not parse, {ctx}", git.date);
    assert_eq!(p.date.map(|d| d.timestamp()), git_instant, "date, {ctx}");
    let ours = p.commit_message();
    match v.expect {
        Expect::Same => {
            assert!(git.ok, "git mailinfo failed, {ctx}");
            assert_eq!(p.subject, git.subject, "subject, {ctx}");
            assert_eq!(ours, git.message, "commit message, {ctx}");
        }
        Expect::GitFails => {
            // git keeps the header as it is and fails, with no message; kfpatch keeps the
            // header as it is too, and reads the message.
            assert!(!git.ok, "git mailinfo accepted it, {ctx}");
            assert_eq!(git.msg, "", "{ctx}");
            assert_eq!(p.subject, git.subject, "subject, {ctx}");
            let expected = stripspace(dir, &format!("{}\n\n{}", git.subject, v.body));
            assert_eq!(ours, expected, "commit message, {ctx}");
        }
        Expect::CharsetUnknown => {
            assert!(git.ok, "{ctx}");
            assert_eq!(git.subject, "Привет", "{ctx}");
            assert_eq!(p.subject, "=?KOI8-R?B?8NLJ18XU?=", "{ctx}");
            assert_eq!(ours, git.message.replacen("Привет", &p.subject, 1), "{ctx}");
        }
        Expect::TrailerSetOff => {
            assert!(git.ok, "{ctx}");
            assert_eq!(p.subject, git.subject, "subject, {ctx}");
            assert_eq!(
                ours,
                git.message.replace("\nSigned-off-by", "\n\nSigned-off-by"),
                "{ctx}"
            );
        }
    }
}

#[test]
fn headers_are_read_as_git_mailinfo_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = corpus();
    assert!(corpus.len() >= 25, "{} variants", corpus.len());
    // Every variant is compared; the failures are named together at the end.
    let failed: Vec<&str> = corpus
        .iter()
        .filter(|v| std::panic::catch_unwind(|| compare(dir.path(), v)).is_err())
        .map(|v| v.name)
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} variants differ from git: {failed:?}",
        failed.len(),
        corpus.len()
    );
}

#[test]
fn scissors_lines_are_text_as_with_git_am_by_default() {
    let dir = tempfile::tempdir().unwrap();
    for v in corpus().iter().filter(|v| v.name.starts_with("scissors")) {
        let p = &kfpatch::mail::parse_series(Path::new(v.name), &v.mail).unwrap().patches[0];
        // kfpatch equals git's default (the differential test); `--scissors` would cut.
        let cut = git_mailinfo(dir.path(), &v.mail, &["--scissors"]);
        assert!(cut.ok, "{}", v.name);
        assert_ne!(
            p.commit_message(),
            cut.message,
            "{}: not a scissors line to git",
            v.name
        );
        assert!(p.body.contains("8<") || p.body.contains(">8"), "{}: {}", v.name, p.body);
    }
}

const F_C: &str = "int a;\nint b;\nint c;\n";

/// A small kernel-like git repository (`apply` wants a Makefile with VERSION and PATCHLEVEL,
/// include/linux/, kernel/ and scripts/) holding `f.c`, committed once.
fn kernel_like_repo(dest: &Path) {
    for d in ["include/linux", "kernel", "scripts"] {
        std::fs::create_dir_all(dest.join(d)).unwrap();
        std::fs::write(dest.join(d).join(".keep"), "").unwrap();
    }
    std::fs::write(dest.join("Makefile"), "VERSION = 7\nPATCHLEVEL = 2\nSUBLEVEL = 0\n").unwrap();
    std::fs::write(dest.join("f.c"), F_C).unwrap();
    for args in [&["init", "-q"][..], &["add", "-A"], &["commit", "-qm", "base"]] {
        let out = isolated_git(dest, args, b"");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn git_am_and_apply_commit_record_the_same_author_and_message() {
    let corpus = corpus();
    let dir = scratch();
    let picked = [
        "plain",
        "subject-three-adjacent-q-words",
        "from-two-adjacent-q-words",
        "mixed-charsets-adjacent",
        "quoted-last-first",
        "comment-name",
        "inbody-from-subject-date-folded",
        "crlf",
        "quoted-printable-latin1",
    ];
    for name in picked {
        let v = corpus.iter().find(|v| v.name == name).expect("a variant of that name");
        let base = dir.path().join(name);
        let (am, ours) = (base.join("am"), base.join("kfpatch"));
        kernel_like_repo(&am);
        kernel_like_repo(&ours);
        let mail = base.join("mail.patch");
        std::fs::write(&mail, &v.mail).unwrap();
        let out = isolated_git(&am, &["am", "-q", mail.to_str().unwrap()], b"");
        assert!(
            out.status.success(),
            "{name}: git am: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        kfpatch(&[
            "apply",
            "--commit",
            "--tree",
            ours.to_str().unwrap(),
            mail.to_str().unwrap(),
        ])
        .expect_code(0);
        let format = ["log", "-1", "--date=raw", "--format=%an%n%ae%n%ad%n%s%n%B"];
        assert_eq!(git(&ours, &format), git(&am, &format), "{name}");
        assert_eq!(
            std::fs::read_to_string(ours.join("f.c")).unwrap(),
            std::fs::read_to_string(am.join("f.c")).unwrap(),
            "{name}"
        );
    }
}
