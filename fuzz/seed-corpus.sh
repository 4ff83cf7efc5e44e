#!/usr/bin/env bash
# (Re)builds the committed seed corpus under fuzz/corpus/<target>/ from the repository's own
# patches and fixtures, plus a few hand-written inputs for paths those do not reach
# (quoted-printable and base64 bodies, BTF_ID_FLAGS calls). Small files only: the whole
# corpus stays well under a few hundred KB. Run it from anywhere; it replaces the seeds.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
corpus="$here/corpus"
rm -rf "$corpus"
mkdir -p "$corpus"/{mail_parser,diff_parser,heal_locate,flag_scanner}

mails=("$root/patches/rfc-v2-1-3-kf-spin-lock.txt")
for p in "$root"/tests/fixtures/eras/*/expected.patch; do mails+=("$p"); done

# The patch mails as they are, and their diff parts alone.
for m in "${mails[@]}"; do
  name="$(basename "$(dirname "$m")")-$(basename "$m")"
  cp "$m" "$corpus/mail_parser/$name"
  sed -n '/^diff --git /,$p' "$m" >"$corpus/diff_parser/$name"
done

# Locator: each era's touched files, NUL, the era's own patch (exact/offset) and the
# whitespace-damaged RFC (healed or refused).
for era in "$root"/tests/fixtures/eras/*/; do
  e="$(basename "$era")"
  for f in include/linux/btf.h kernel/bpf/verifier.c; do
    base="$(basename "$f")"
    { cat "$era/$f"; printf '\0'; sed -n '/^diff --git /,$p' "$era/expected.patch"; } >"$corpus/heal_locate/$e-$base-own"
    { cat "$era/$f"; printf '\0'; sed -n '/^diff --git /,$p' "${mails[0]}"; } >"$corpus/heal_locate/$e-$base-rfc"
  done
  cat "$era/include/linux/btf.h" "$era/kernel/bpf/verifier.c" >"$corpus/flag_scanner/$e-sources"
done
# Lost blank line restored from the tree; a context line present twice (ambiguous).
printf '#define A\t(1 << 0)\n#define B  (1 << 1)\n\n/*\n * doc\n\0@@ -1,5 +1,6 @@\n#define A (1 << 0)\n#define B (1 << 1)\n+#define C (1 << 2)\n/*\n* doc\n-- \n2.50.1\n' \
  >"$corpus/heal_locate/lost-blank"
printf 'x\n\tfoo();\n\tbar();\ny\n\tfoo();\n\tbar();\n\0@@ -2,2 +2,3 @@\n foo();\n+baz();\n bar();\n' \
  >"$corpus/heal_locate/ambiguous"

# Two hunks; the second (damaged) must not borrow the first one's blank line (locate.rs:
# heal_never_reaches_back_before_min_start).
printf 'a\n\n\n\tb\n\0@@ -1,2 +1,3 @@\n a\n+x\n \n@@ -2,3 +3,4 @@\nb\n+y\n-- \n2.50.1\n' \
  >"$corpus/heal_locate/min-start"

cat >"$corpus/mail_parser/quoted-printable" <<'MAIL'
From: Ada Dev <ada@example.org>
Subject: [PATCH 1/1] demo: qp
Content-Transfer-Encoding: quoted-printable

Body with a soft=
 break.
---
diff --git a/a.c b/a.c
--- a/a.c
+++ b/a.c
@@ -1,2 +1,2 @@
 int a;
-int b =3D 1;
+int b =3D 2;
MAIL
{
  printf 'From: Ada Dev <ada@example.org>\nSubject: =?UTF-8?B?W1BBVENIXSBkZW1v?=\n'
  printf 'Content-Transfer-Encoding: base64\n\n'
  printf 'diff --git a/a.c b/a.c\n--- a/a.c\n+++ b/a.c\n@@ -1 +1 @@\n-a\n+b\n' | base64
} >"$corpus/mail_parser/base64"
cat >"$corpus/flag_scanner/btf-id-flags" <<'SRC'
#define BTF_ID_FLAGS(prefix, name, ...) \
 * BTF_ID_FLAGS(type1, name1, flags)
#define KF_BIG    BIT_ULL(63)
#define KF_HEX 0x20U /* hex */
BTF_ID_FLAGS(func, bpf_obj_new, KF_ACQUIRE | KF_RET_NULL)
BTF_ID_FLAGS(func, plain)
SRC
du -sh "$corpus"
