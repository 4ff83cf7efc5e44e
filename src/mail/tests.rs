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
