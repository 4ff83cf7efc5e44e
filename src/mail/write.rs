//! Writing `git format-patch` mails: unified diffs computed with `similar` (Myers, 3 lines of
//! context, like git), git's C function-name hunk headers, real blob `index` lines, a diffstat,
//! and the mail skeleton from `templates/mail/`.

use super::header::{Person, SubjectPrefix};
use crate::kernel::blob_id;
use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use similar::{ChangeTag, TextDiff};

/// One file's pre- and post-image. `old == None` creates the file.
#[derive(Debug, Clone)]
pub struct FileChange {
    pub path: String,
    pub old: Option<String>,
    pub new: String,
    /// Git file mode, `0o100644` or `0o100755`.
    pub mode: u32,
}

impl FileChange {
    pub fn added_removed(&self) -> (usize, usize) {
        let old = self.old.as_deref().unwrap_or("");
        let diff = TextDiff::from_lines(old, &self.new);
        let mut add = 0;
        let mut del = 0;
        for change in diff.iter_all_changes() {
            match change.tag() {
                ChangeTag::Insert => add += 1,
                ChangeTag::Delete => del += 1,
                ChangeTag::Equal => {}
            }
        }
        (add, del)
    }
}

/// The function-name line git shows after `@@` for C files (`diff=cpp` in the kernel's
/// .gitattributes): the nearest line above that starts with a letter or `_` and is not a label.
fn function_context(lines: &[&str], before: usize, c_like: bool) -> String {
    for line in lines[..before.min(lines.len())].iter().rev() {
        let line = line.trim_end_matches('\n');
        let first = line.chars().next();
        let matches = if c_like {
            let is_label = {
                let t = line.trim_start();
                let ident: String = t
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                !ident.is_empty()
                    && !ident.chars().next().is_some_and(|c| c.is_ascii_digit())
                    && t[ident.len()..].starts_with(':')
                    && {
                        let rest = t[ident.len() + 1..].trim_start();
                        rest.is_empty() || rest.starts_with("//") || rest.starts_with("/*")
                    }
            };
            !is_label && first.is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        } else {
            first.is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
        };
        if matches {
            let trimmed = line.trim_end();
            let mut end = trimmed.len().min(80);
            while !trimmed.is_char_boundary(end) {
                end -= 1;
            }
            return trimmed[..end].to_string();
        }
    }
    String::new()
}

fn range(start: usize, count: usize) -> String {
    // git: 1-based start, `,count` omitted when 1, start is the line before when count is 0.
    match count {
        1 => format!("{}", start + 1),
        0 => format!("{start},0"),
        n => format!("{},{n}", start + 1),
    }
}

/// The `diff --git` section for one file.
pub fn file_diff(change: &FileChange) -> String {
    let old = change.old.as_deref().unwrap_or("");
    let c_like = change.path.ends_with(".c") || change.path.ends_with(".h");
    let diff = TextDiff::configure()
        .algorithm(similar::Algorithm::Myers)
        .diff_lines(old, &change.new);
    let old_lines: Vec<&str> = diff.old_slices().to_vec();
    let mut out = format!("diff --git a/{0} b/{0}\n", change.path);
    match change.old {
        None => {
            out.push_str(&format!("new file mode {:o}\n", change.mode));
            out.push_str(&format!("index 000000000000..{}\n", blob_id(&change.new)));
            out.push_str(&format!("--- /dev/null\n+++ b/{}\n", change.path));
        }
        Some(ref o) => {
            out.push_str(&format!(
                "index {}..{} {:o}\n",
                blob_id(o),
                blob_id(&change.new),
                change.mode
            ));
            out.push_str(&format!("--- a/{0}\n+++ b/{0}\n", change.path));
        }
    }
    for group in diff.grouped_ops(3) {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            continue;
        };
        let old_start = first.old_range().start;
        let old_end = last.old_range().end;
        let new_start = first.new_range().start;
        let new_end = last.new_range().end;
        let section = function_context(&old_lines, old_start, c_like);
        let mut header = format!(
            "@@ -{} +{} @@",
            range(old_start, old_end - old_start),
            range(new_start, new_end - new_start)
        );
        if !section.is_empty() {
            header.push(' ');
            header.push_str(&section);
        }
        out.push_str(&header);
        out.push('\n');
        for op in &group {
            for change in diff.iter_changes(op) {
                let sign = match change.tag() {
                    ChangeTag::Equal => ' ',
                    ChangeTag::Insert => '+',
                    ChangeTag::Delete => '-',
                };
                let value = change.value();
                out.push(sign);
                out.push_str(value.strip_suffix('\n').unwrap_or(value));
                out.push('\n');
                if !value.ends_with('\n') {
                    out.push_str("\\ No newline at end of file\n");
                }
            }
        }
    }
    out
}

/// git's `--stat` block (file lines, then the summary line), each line indented by one space.
pub fn diffstat(changes: &[FileChange]) -> String {
    let counts: Vec<(usize, usize)> = changes.iter().map(FileChange::added_removed).collect();
    let name_width = changes.iter().map(|c| c.path.len()).max().unwrap_or(0);
    let totals: Vec<usize> = counts.iter().map(|(a, d)| a + d).collect();
    let num_width = totals.iter().max().map(|n| n.to_string().len()).unwrap_or(1);
    let bar_max = 80usize.saturating_sub(name_width + num_width + 5).max(10);
    let biggest = totals.iter().copied().max().unwrap_or(0);
    let mut out = String::new();
    for (change, (add, del)) in changes.iter().zip(&counts) {
        let total = add + del;
        let (mut a, mut d) = (*add, *del);
        if biggest > bar_max {
            let scale = |n: usize| if n == 0 { 0 } else { (n * bar_max / biggest).max(1) };
            a = scale(*add);
            d = scale(*del);
        }
        out.push_str(&format!(
            " {:<name_width$} | {:>num_width$} {}{}\n",
            change.path,
            total,
            "+".repeat(a),
            "-".repeat(d)
        ));
    }
    let (adds, dels): (usize, usize) = counts.iter().fold((0, 0), |(x, y), (a, d)| (x + a, y + d));
    let files = changes.len();
    let mut summary = format!(" {files} file{} changed", if files == 1 { "" } else { "s" });
    if adds > 0 || dels == 0 {
        summary.push_str(&format!(", {adds} insertion{}(+)", if adds == 1 { "" } else { "s" }));
    }
    if dels > 0 {
        summary.push_str(&format!(", {dels} deletion{}(-)", if dels == 1 { "" } else { "s" }));
    }
    out.push_str(&summary);
    out.push('\n');
    for change in changes.iter().filter(|c| c.old.is_none()) {
        out.push_str(&format!(" create mode {:o} {}\n", change.mode, change.path));
    }
    out
}

/// Fold a `Subject:` header at whitespace so no line exceeds 78 characters, as git does.
pub fn fold_subject(subject: &str) -> String {
    let mut lines: Vec<String> = vec![];
    let mut current = String::from("Subject:");
    for word in subject.split(' ') {
        if current.len() + 1 + word.len() > 78 && current != "Subject:" {
            lines.push(current);
            current = String::new();
        }
        current.push(' ');
        current.push_str(word);
    }
    lines.push(current);
    let joined = lines.join("\n");
    joined.strip_prefix("Subject: ").unwrap_or(&joined).to_string()
}

/// Everything a patch mail says besides its diff.
#[derive(Debug, Clone, Serialize)]
pub struct MailHeader {
    pub from: Person,
    pub date: DateTime<FixedOffset>,
    pub prefix: SubjectPrefix,
    pub subject: String,
    /// Commit message body and trailers, already joined.
    pub message: String,
    /// 40 hex digits; zeros when the patch is not a commit.
    pub commit_id: String,
    /// Text after `-- `.
    pub signature: String,
    /// `base-commit:` after the diff (format-patch's `--base`).
    pub base_commit: Option<String>,
}

/// Render a whole `git format-patch` mail.
pub fn render_mail(header: &MailHeader, changes: &[FileChange]) -> Result<String, minijinja::Error> {
    let diff: String = changes.iter().map(file_diff).collect();
    let subject = format!("{} {}", header.prefix.render(), header.subject);
    crate::template::render(
        "mail/patch.mail.j2",
        minijinja::context! {
            commit_id => header.commit_id,
            from => header.from.render(),
            date => header.date.to_rfc2822(),
            subject_header => fold_subject(&subject),
            message => header.message.trim_end(),
            diffstat => diffstat(changes),
            base_commit => header.base_commit,
            diff => diff,
            signature => header.signature,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(old: &str, new: &str) -> FileChange {
        FileChange {
            path: "kernel/x.c".into(),
            old: Some(old.into()),
            new: new.into(),
            mode: 0o100644,
        }
    }

    #[test]
    fn hunk_header_names_the_c_function() {
        let old = "static int f(void)\n{\n\tint a;\n\tint b;\n\tint c;\n\tint d;\nout:\n\treturn 0;\n}\n";
        let new = old.replace("\treturn 0;", "\treturn 1;");
        let d = file_diff(&change(old, &new));
        assert!(d.contains("@@ -5,5 +5,5 @@ static int f(void)\n"), "{d}");
        assert!(d.contains("-\treturn 0;\n+\treturn 1;\n"));
    }

    #[test]
    fn index_line_uses_git_blob_ids() {
        // `printf 'a\n' | git hash-object --stdin` = 78981922613b2afb6025042ff6bd878ac1994e85
        assert_eq!(blob_id("a\n"), "78981922613b");
        let d = file_diff(&change("a\n", "b\n"));
        assert!(d.contains("index 78981922613b..61780798228d 100644\n"), "{d}");
        assert!(d.contains("@@ -1 +1 @@\n"), "{d}");
    }

    #[test]
    fn diffstat_like_git() {
        let a = FileChange {
            path: "include/linux/btf.h".into(),
            old: Some("a\n".into()),
            new: "a\nb\n".into(),
            mode: 0o100644,
        };
        let b = change("x\ny\n", "x\nz\nw\n");
        let s = diffstat(&[a, b]);
        assert_eq!(
            s,
            " include/linux/btf.h | 1 +\n kernel/x.c          | 3 ++-\n 2 files changed, 3 insertions(+), 1 deletion(-)\n"
        );
    }

    #[test]
    fn long_subject_folds() {
        let s = fold_subject("[RFC PATCH v2 1/3] bpf: Add KF_SPIN_LOCK flag for kfuncs under bpf_spin_lock");
        assert_eq!(
            s,
            "[RFC PATCH v2 1/3] bpf: Add KF_SPIN_LOCK flag for kfuncs under\n bpf_spin_lock"
        );
    }
}
