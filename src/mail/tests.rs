use super::*;

const MBOX_SERIES: &str = "\
From git@z Thu Jan  1 00:00:00 1970
From: Ada Dev <ada@example.org>
Date: Mon, 4 May 2026 10:00:00 +0200
Subject: [PATCH bpf-next v3 0/2] demo: two small changes
Message-Id: <cover@example.org>

This is the cover letter. It has no diff.

Ada Dev (2):
  demo: first
  demo: second

From git@z Thu Jan  1 00:00:00 1970
From: Ada Dev <ada@example.org>
Date: Mon, 4 May 2026 10:00:01 +0200
Subject: [PATCH bpf-next v3 2/2] demo: second
 continued subject

Second body.

Signed-off-by: Ada Dev <ada@example.org>
---
 b.c | 2 +-
 1 file changed, 1 insertion(+), 1 deletion(-)

diff --git a/b.c b/b.c
index 1111111..2222222 100644
--- a/b.c
+++ b/b.c
@@ -1,3 +1,3 @@
 int b;
-int c;
+int d;
 int e;
-- 
2.47.0

From git@z Thu Jan  1 00:00:00 1970
From: Ada Dev <ada@example.org>
Date: Mon, 4 May 2026 10:00:02 +0200
Subject: [PATCH bpf-next v3 1/2] demo: first

First body, line one.
Line two.

Reviewed-by: Bob <bob@example.org>
Signed-off-by: Ada Dev <ada@example.org>
---
 a.c | 1 +
 1 file changed, 1 insertion(+)

diff --git a/a.c b/a.c
--- a/a.c
+++ b/a.c
@@ -1,2 +1,3 @@
 int a;
+int b;
 int c;
-- 
2.47.0
";

#[test]
fn mbox_series_with_cover_is_ordered() {
    let s = parse_series(Path::new("series.mbox"), MBOX_SERIES.as_bytes()).unwrap();
    let cover = s.cover.as_ref().expect("cover letter");
    assert_eq!(cover.subject, "demo: two small changes");
    assert!(cover.body.contains("no diff"));
    assert_eq!(s.patches.len(), 2);
    assert_eq!(s.patches[0].subject, "demo: first");
    assert_eq!(s.patches[1].subject, "demo: second continued subject");
    let p = &s.patches[0];
    assert_eq!(p.prefix.tags, vec!["bpf-next".to_string()]);
    assert_eq!(
        (p.prefix.version, p.prefix.index, p.prefix.total),
        (Some(3), Some(1), Some(2))
    );
    assert_eq!(p.author.as_ref().unwrap().email, "ada@example.org");
    assert_eq!(p.body, "First body, line one.\nLine two.");
    assert_eq!(p.trailers.len(), 2);
    assert_eq!(p.trailers[0], ("Reviewed-by".into(), "Bob <bob@example.org>".into()));
    assert_eq!(p.diffstat, vec!["a.c | 1 +", "1 file changed, 1 insertion(+)"]);
    assert_eq!(p.signature.as_deref(), Some("2.47.0"));
    assert_eq!(p.date.unwrap().timestamp(), 1777881602);
    assert!(!p.damaged());
}

#[test]
fn crlf_mail_is_read_like_lf() {
    let crlf = MBOX_SERIES.replace('\n', "\r\n");
    let s = parse_series(Path::new("crlf.mbox"), crlf.as_bytes()).unwrap();
    assert_eq!(s.patches.len(), 2);
    let h = &s.patches[1].files[0].hunks[0];
    assert!(h.lines.iter().all(|l| !l.text.ends_with('\r')));
    assert_eq!(h.lines[1].text, "int c;");
}

#[test]
fn quoted_printable_body_is_decoded() {
    let mail = "\
From: =?UTF-8?q?Ren=C3=A9_Dev?= <rene@example.org>
Subject: [PATCH] qp: test
Date: Tue, 5 May 2026 08:00:00 +0000
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: quoted-printable

A body with an =3D sign and a very long line that was soft-=
wrapped.

Signed-off-by: Ren=C3=A9 Dev <rene@example.org>
---
diff --git a/q.c b/q.c
--- a/q.c
+++ b/q.c
@@ -1,2 +1,2 @@
 int x;
-int y =3D 1;
+int y =3D 2;
";
    let s = parse_series(Path::new("qp.eml"), mail.as_bytes()).unwrap();
    let p = &s.patches[0];
    assert_eq!(p.author.as_ref().unwrap().name, "René Dev");
    assert_eq!(
        p.body,
        "A body with an = sign and a very long line that was soft-wrapped."
    );
    assert_eq!(p.trailers[0].1, "René Dev <rene@example.org>");
    assert_eq!(p.files[0].hunks[0].lines[2].text, "int y = 2;");
}

#[test]
fn bare_diff_has_no_headers() {
    let diff = "--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+b\n";
    let s = parse_series(Path::new("x.diff"), diff.as_bytes()).unwrap();
    assert_eq!(s.patches.len(), 1);
    assert_eq!(s.patches[0].files[0].path(), "x.c");
    assert!(s.patches[0].author.is_none());
}

#[test]
fn bundled_seed_is_read_with_its_damage() {
    let s = bundled();
    assert_eq!(s.patches.len(), 1);
    let p = &s.patches[0];
    assert!(p.prefix.rfc);
    assert_eq!(
        (p.prefix.version, p.prefix.index, p.prefix.total),
        (Some(2), Some(1), Some(3))
    );
    assert_eq!(p.subject, "bpf: Add KF_SPIN_LOCK flag for kfuncs under bpf_spin_lock");
    // The in-body From: (with an address) wins over the archive's name-only From:.
    assert_eq!(p.author.as_ref().unwrap().name, "Kaitao Cheng");
    assert_eq!(p.date.unwrap().to_rfc2822(), "Sat, 2 May 2026 23:57:23 -0500");
    assert_eq!(p.trailers.len(), 1);
    assert!(p.body.starts_with("Introduce the KF_SPIN_LOCK"));
    let paths: Vec<&str> = p.files.iter().map(|f| f.path()).collect();
    assert_eq!(paths, vec!["include/linux/btf.h", "kernel/bpf/verifier.c"]);
    assert!(p.damaged());
    let added: usize = p.files.iter().flat_map(|f| &f.hunks).map(|h| h.added().count()).sum();
    let removed: usize = p.files.iter().flat_map(|f| &f.hunks).map(|h| h.removed().count()).sum();
    assert_eq!((added, removed), (16, 5));
    assert_eq!(p.signature.as_deref(), Some("2.50.1 (Apple Git-155)"));
}

#[test]
fn empty_binary_and_truncated_inputs_fail_with_a_line() {
    let e = parse_series(Path::new("e.patch"), b"  \n").unwrap_err();
    assert!(e.to_string().starts_with("e.patch:1: empty input"), "{e}");
    let e = parse_series(Path::new("b.bin"), b"abc\n\x00\x01").unwrap_err();
    assert!(e.to_string().starts_with("b.bin:2: binary input"), "{e}");
    let cut = &MBOX_SERIES[..MBOX_SERIES.find("+int d;").unwrap()];
    let e = parse_series(Path::new("cut.mbox"), cut.as_bytes()).unwrap_err();
    assert!(e.to_string().contains("truncated"), "{e}");
    let e = parse_series(Path::new("nodiff.eml"), b"Subject: hi\nFrom: a <a@b>\n\njust text\n").unwrap_err();
    assert!(e.to_string().contains("no diff"), "{e}");
}

#[test]
fn lone_mbox_from_line_is_an_error_not_a_panic() {
    // Found by the mail_parser fuzz target: a message that is only its `From ` line.
    let e = parse_series(Path::new("f.mbox"), b"From 0000000000000F").unwrap_err();
    assert!(e.to_string().starts_with("f.mbox:1: no "), "{e}");
    let e = parse_series(Path::new("f.mbox"), b"From x\n").unwrap_err();
    assert!(e.to_string().starts_with("f.mbox:1: no "), "{e}");
}

#[test]
fn fifo_directory_and_device_are_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.patch");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    // No writer ever opens the FIFO: reading it would hang this test forever.
    let e = read_series(&fifo).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("{}: a FIFO, not a regular file; not a patch series", fifo.display())
    );
    let e = read_all(&[dir.path().to_path_buf()]).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{}: a directory, not a regular file; not a patch series",
            dir.path().display()
        )
    );
    let e = read_series(Path::new("/dev/zero")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "/dev/zero: a character device, not a regular file; not a patch series"
    );
}

#[test]
fn input_over_the_cap_is_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.patch");
    // Sparse: no disk blocks, and never read.
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(MAX_INPUT_BYTES + 1).unwrap();
    let e = read_series(&big).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("{}: larger than 64 MiB; not a patch series", big.display())
    );
    // A later file in a series is held to the same bound.
    let ok = dir.path().join("ok.patch");
    std::fs::write(&ok, "--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+b\n").unwrap();
    let e = read_all(&[ok.clone(), big.clone()]).unwrap_err();
    assert!(
        e.to_string()
            .starts_with(&format!("{}: larger than 64 MiB", big.display())),
        "{e}"
    );
    // Exactly at the cap is not refused for its size (it is NUL bytes: binary input).
    f.set_len(MAX_INPUT_BYTES).unwrap();
    let e = read_series(&big).unwrap_err();
    assert!(e.to_string().contains("binary input"), "{e}");
    assert_eq!(read_series(&ok).unwrap().patches.len(), 1);
}

#[test]
fn missing_file_names_the_path_without_a_line() {
    let e = read_series(Path::new("/nonexistent/x.patch")).unwrap_err();
    assert!(e.to_string().starts_with("/nonexistent/x.patch: cannot read: "), "{e}");
}

#[test]
fn a_diff_from_dev_null_to_dev_null_names_its_line() {
    let text =
        b"Subject: x\nFrom: a <a@b>\n\n---\ndiff --git a/x b/x\n--- /dev/null\n+++ /dev/null\n@@ -0,0 +1 @@\n+a\n";
    let e = parse_series(Path::new("n.patch"), text).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("n.patch:5: `--- /dev/null` to `+++ /dev/null`: the diff names no file"),
        "{e}"
    );
    let e = parse_series(
        Path::new("bare.diff"),
        b"--- /dev/null\n+++ /dev/null\n@@ -0,0 +1 @@\n+a\n",
    )
    .unwrap_err();
    assert!(e.to_string().starts_with("bare.diff:1: `--- /dev/null`"), "{e}");
}

/// A mail whose body is encoded as `encoding` says, from a plain body.
fn encoded_mail(encoding: &str, body: &str) -> String {
    format!("From: A <a@b.org>\nSubject: [PATCH] x: y\nContent-Transfer-Encoding: {encoding}\n\n{body}")
}

const PLAIN_BODY: &str = "Why.\n\nSigned-off-by: A <a@b.org>\n---\ndiff --git a/f.c b/f.c\n--- a/f.c\n+++ b/f.c\n@@ -1,3 +1,4 @@\n a\n b\n+c\n c\n";

#[test]
fn base64_body_lines_are_numbered_by_the_raw_line_that_holds_them() {
    // 76 base64 characters a line (57 bytes), as mailers write them.
    let encoded = base64_encode(PLAIN_BODY.as_bytes());
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let mail = encoded_mail("base64", &(lines.join("\n") + "\n"));
    let total = mail.lines().count();
    let series = parse_series(Path::new("b64.eml"), mail.as_bytes()).unwrap();
    let hunk = &series.patches[0].files[0].hunks[0];
    // The body starts on line 5; the `@@` header's first byte is in raw line 5 + offset / 57.
    let offset = PLAIN_BODY.find("@@ -1,3").unwrap();
    assert_eq!(hunk.line, 5 + offset / 57);
    assert!(series.patches[0].files[0].line <= total && hunk.line <= total);
}

#[test]
fn quoted_printable_body_lines_keep_their_raw_line_numbers() {
    // A soft break splits the commit message's first line in two raw lines.
    let body = PLAIN_BODY.replacen("Why.", "Wh=\ny.", 1);
    let mail = encoded_mail("quoted-printable", &body);
    let series = parse_series(Path::new("qp.eml"), mail.as_bytes()).unwrap();
    assert_eq!(series.patches[0].body.trim(), "Why.");
    let hunk_raw_line = mail.lines().position(|l| l.starts_with("@@ -1,3")).unwrap() + 1;
    assert_eq!(series.patches[0].files[0].hunks[0].line, hunk_raw_line);
}

fn base64_encode(bytes: &[u8]) -> String {
    const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |acc, b| (acc << 8) | *b as u32) << (8 * (3 - chunk.len()));
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

// Headers as `git mailinfo` reads them (tests/mailinfo.rs compares with git itself).

use header::{split_subject, stripspace, Person};
use rfc2047::decode;

#[test]
fn adjacent_encoded_words_join_without_the_space_between() {
    assert_eq!(
        decode("=?UTF-8?q?Caf=C3=A9?= =?UTF-8?q?_one?= =?UTF-8?q?_two?="),
        "Café one two"
    );
    assert_eq!(
        decode("=?UTF-8?q?Bj=C3=B6rn?= =?UTF-8?q?_T=C3=B6pel?= <bjorn@example.org>"),
        "Björn Töpel <bjorn@example.org>"
    );
    // Any whitespace between them goes (a folded line's too); none at all is the same.
    assert_eq!(decode("=?UTF-8?q?a?= \t \n =?UTF-8?q?b?="), "ab");
    assert_eq!(decode("=?UTF-8?B?Q2Fmw6k=?==?UTF-8?B?IG9uZQ==?="), "Café one");
}

#[test]
fn text_between_encoded_words_is_kept() {
    assert_eq!(decode("a =?UTF-8?q?x?=b =?UTF-8?q?y?=   c"), "a xb y   c");
    assert_eq!(decode("=?UTF-8?q?caf=C3=A9?=-=?UTF-8?q?x?="), "café-x");
    // Whitespace before the first word stays; git collapses runs later (cleanup_space).
    assert_eq!(decode("  =?UTF-8?q?x?=  =?UTF-8?q?y?=  "), "  xy  ");
    assert_eq!(header::cleanup_space("a \t\n b  c"), "a b c");
}

#[test]
fn encoded_words_over_folded_lines() {
    let mail = "From: =?UTF-8?q?Jos=C3=A9?=\n =?UTF-8?q?_Dev?= <jose@example.org>\nSubject: [PATCH v2 2/5]\n =?UTF-8?q?f:_caf=C3=A9?=\n\t=?UTF-8?q?_again?= and\n  more\n\nWhy.\n---\ndiff --git a/f.c b/f.c\n--- a/f.c\n+++ b/f.c\n@@ -1 +1 @@\n-a\n+b\n";
    let p = &parse_series(Path::new("folded.eml"), mail.as_bytes()).unwrap().patches[0];
    assert_eq!(p.author.as_ref().unwrap().name, "José Dev");
    assert_eq!(p.subject, "f: café again and more");
    assert_eq!(
        (p.prefix.version, p.prefix.index, p.prefix.total),
        (Some(2), Some(2), Some(5))
    );
}

#[test]
fn mixed_charsets_are_converted_by_hand() {
    assert_eq!(
        decode("=?UTF-8?q?Jos=C3=A9?= =?ISO-8859-1?q?_M=FCller?="),
        "José Müller"
    );
    assert_eq!(decode("=?iso-8859-1?b?Suly9G1lIEf2bWV6?="), "Jérôme Gömez");
    assert_eq!(decode("=?latin1?q?=E9?= =?L1?q?=E9?= =?latin-1?q?=E9?="), "ééé");
    assert_eq!(decode("=?ISO-8859-15?q?=A4=BD?= =?ISO-8859-1?q?=A4=BD?="), "€œ¤½");
    assert_eq!(decode("=?windows-1252?q?=93x=94_=80?="), "“x” €");
    assert_eq!(decode("=?us-ascii?q?plain?="), "plain");
    // An empty charset is taken as it is, as git does.
    assert_eq!(decode("=??q?caf=C3=A9?="), "café");
    assert_eq!(rfc2047::to_utf8(&[0xE9], "ISO-8859-1"), Some("é".as_bytes().to_vec()));
}

#[test]
fn b_and_q_details_as_git_decodes_them() {
    assert_eq!(decode("=?utf-8?b?Q2Fmw6k=?="), "Café");
    // Characters outside the base64 alphabet are skipped.
    assert_eq!(decode("=?UTF-8?B?Q2 Fm*w6k?="), "Café");
    assert_eq!(decode("=?UTF-8?q?a_b=5Fc?="), "a b_c");
    // A bad escape stays, a final `=` ends the text; the text runs to the first `?=`.
    assert_eq!(decode("=?UTF-8?q?=ZZ=4?="), "=ZZ=4");
    assert_eq!(decode("=?UTF-8?q?abc=?="), "abc");
    assert_eq!(decode("=?UTF-8?Q?a b?c?="), "a b?c");
    assert_eq!(rfc2047::decode_q(b"a=\nb", false), b"a");
}

#[test]
fn malformed_words_leave_the_whole_value_as_it_is() {
    for raw in [
        "=?UTF-8?q?x?= =?bogus",
        "=?UTF-8?x?abc?=",
        "=?UTF-8?q?caf=C3=A9 forever",
        "f: a=?b",
        "ends with =?",
        // Charsets kfpatch does not convert, and bytes the charset does not have.
        "=?KOI8-R?B?8NLJ18XU?=",
        "=?UTF-8*en?q?abc?=",
        "=?us-ascii?q?caf=E9?=",
        "=?windows-1252?q?=81?=",
    ] {
        assert_eq!(decode(raw), raw);
    }
    assert_eq!(
        decode("no words at all, just =? and ?="),
        "no words at all, just =? and ?="
    );
}

#[test]
fn authors_as_git_mailinfo_names_them() {
    let p = |raw: &str| Person::from_header(raw).map(|p| (p.name, p.email));
    let pair = |n: &str, e: &str| Some((n.to_string(), e.to_string()));
    assert_eq!(p("\"Dev, Ada\" <ada@example.org>"), pair("Dev, Ada", "ada@example.org"));
    assert_eq!(
        p("\"Jim \\\"JJ\\\" Jones\" <jj@x.org>"),
        pair("Jim \"JJ\" Jones", "jj@x.org")
    );
    assert_eq!(p("ada@example.org (Ada Dev)"), pair("Ada Dev", "ada@example.org"));
    assert_eq!(
        p("Ada (Kernel) Dev <ada@example.org> (Work)"),
        pair("Ada (Kernel) Dev (Work)", "ada@example.org")
    );
    // No usable name: the address stands in.
    assert_eq!(p("ada@example.org"), pair("ada@example.org", "ada@example.org"));
    assert_eq!(p("<ada@example.org>"), pair("ada@example.org", "ada@example.org"));
    assert_eq!(p(&format!("{} <a@x.org>", "n".repeat(61))), pair("a@x.org", "a@x.org"));
    assert_eq!(p("\"a@x.org\" <a@x.org>"), pair("a@x.org", "a@x.org"));
    // No `@`: `Name <mail>` still gives both; nothing at all gives no author.
    assert_eq!(p("Ada Dev <ada>"), pair("Ada Dev", "ada"));
    assert_eq!(p("Kaitao cheng"), None);
    // A no-break space is not whitespace to git.
    assert_eq!(p("Ada\u{a0}Dev <a@x.org>"), pair("Ada\u{a0}Dev", "a@x.org"));
}

#[test]
fn subjects_are_cleaned_as_git_mailinfo_cleans_them() {
    let (p, s) = split_subject("Re: RE: [RFC PATCH bpf-next v3 1/2] [fix] f:   add\t d ");
    assert!(p.rfc && p.patch);
    assert_eq!((p.version, p.index, p.total), (Some(3), Some(1), Some(2)));
    assert_eq!(p.tags, vec!["bpf-next".to_string(), "fix".to_string()]);
    assert_eq!(s, "f: add d");
    // git strips only `Re:`; `Fwd:` and what follows it stay.
    assert_eq!(split_subject("Fwd: [PATCH] x").1, "Fwd: [PATCH] x");
    assert_eq!(split_subject(": :[PATCH]:x").1, "x");
    assert_eq!(split_subject("[PATCH unclosed x").1, "[PATCH unclosed x");
}

#[test]
fn messages_are_cleaned_as_git_stripspace_does() {
    assert_eq!(stripspace(["", "  a  ", "", "", "b\t", "", ""]), "  a\n\nb\n");
    assert_eq!(stripspace(["", " \t"]), "");
}

/// The one patch of a mail with `headers`, `body` and a small diff.
fn mail_with_body(headers: &str, body: &str) -> Patch {
    let diff = "---\ndiff --git a/f.c b/f.c\n--- a/f.c\n+++ b/f.c\n@@ -1 +1 @@\n-a\n+b\n";
    let text = format!("{headers}\n\n{body}{diff}");
    parse_series(Path::new("m.eml"), text.as_bytes())
        .unwrap()
        .patches
        .remove(0)
}

#[test]
fn in_body_headers_override_the_mails_once_each() {
    let headers = "From: Bot <bot@example.org>\nSubject: [PATCH] wrong\nDate: Mon, 4 May 2026 10:00:00 +0200";
    let p = mail_with_body(
        headers,
        "\nfrom: =?UTF-8?q?Bj=C3=B6rn?= <bjorn@example.org>\nSubject: [PATCH v2] right\n  and folded\nDate: Tue, 5 May 2026 10:00:00 +0200\nFrom: Eve <eve@example.org>\nWhy.\n",
    );
    assert_eq!(p.author.as_ref().unwrap().render(), "Björn <bjorn@example.org>");
    assert_eq!(p.subject, "right and folded");
    assert_eq!(p.prefix.version, Some(2));
    assert_eq!(p.date.unwrap().to_rfc2822(), "Tue, 5 May 2026 10:00:00 +0200");
    // A second `From:` is text.
    assert_eq!(p.body, "From: Eve <eve@example.org>\nWhy.");
    // A `[PATCH] subject` line is a subject; a scissors line is text (git am's default).
    let p = mail_with_body(headers, "[PATCH] from the body\n-- >8 --\nSubject: not this\n");
    assert_eq!(p.subject, "from the body");
    assert_eq!(p.body, "-- >8 --\nSubject: not this");
}

#[test]
fn the_message_ends_where_git_mailinfo_ends_it() {
    let headers = "From: A <a@b.org>\nSubject: [PATCH] x";
    for (body, message) in [
        ("Why.\n--- \nnotes\n", "Why."),
        ("Why.\n--- a/old name\nmore\n", "Why."),
        ("Why.\n----\nstill text\n", "Why.\n----\nstill text"),
        ("Why.\ndiff -u old new\n", "Why."),
        ("Why.\nIndex: f.c\n", "Why."),
    ] {
        let p = mail_with_body(headers, body);
        assert_eq!(p.body, message, "{body:?}");
    }
}

#[test]
fn latin1_quoted_printable_body_is_converted() {
    let mail = "From: A <a@b.org>\nSubject: [PATCH] x\nContent-Type: text/plain; charset=\"iso-8859-1\"\nContent-Transfer-Encoding: Quoted-Printable\n\nCaf=E9 d=E9j=E0 vu.\n---\ndiff --git a/f.c b/f.c\n--- a/f.c\n+++ b/f.c\n@@ -1 +1 @@\n-a\n+b\n";
    let p = &parse_series(Path::new("l1.eml"), mail.as_bytes()).unwrap().patches[0];
    assert_eq!(p.body, "Café déjà vu.");
}
