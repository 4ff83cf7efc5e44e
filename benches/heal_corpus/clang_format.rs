//! `--clang-format BIN`: would the tree's own `.clang-format` restore the added lines better
//! than the healer does? Each healed file is run through BIN with the old tree's
//! `.clang-format`, limited to the lines the change added (`--lines`), and judged twice more:
//! with only the leading whitespace clang-format gave those lines (the inner gaps the healer's),
//! and with the lines as clang-format wrote them. A line clang-format split or joined keeps the
//! healer's text: a heal must not change what the line says.

use super::metrics::{self, Truth};
use similar::{capture_diff_slices, Algorithm, DiffOp};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// How one variant of a healed file judged.
#[derive(Debug, Clone, Copy, Default)]
pub struct Judged {
    pub identical: bool,
    pub added_exact: usize,
}

/// The healer's result with clang-format's indentation, and with clang-format's lines.
#[derive(Debug, Clone, Copy, Default)]
pub struct Variants {
    pub lead: Judged,
    pub full: Judged,
}

fn normalized(lines: &[&str]) -> Vec<String> {
    lines.iter().map(|l| metrics::normalize(l)).collect()
}

/// `healed`'s lines the change added (0-based), as `old` → `healed` inserts or replaces them.
fn added_lines(old: &[&str], healed: &[&str]) -> Vec<usize> {
    let mut added = Vec::new();
    for op in capture_diff_slices(Algorithm::Myers, old, healed) {
        if let DiffOp::Insert { new_index, new_len, .. } | DiffOp::Replace { new_index, new_len, .. } = op {
            added.extend(new_index..new_index + new_len);
        }
    }
    added
}

/// Runs of consecutive indices as clang-format's 1-based `--lines=A:B`.
fn line_ranges(added: &[usize]) -> Vec<String> {
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for &i in added {
        match ranges.last_mut() {
            Some((_, end)) if *end + 1 == i => *end = i,
            _ => ranges.push((i, i)),
        }
    }
    ranges
        .iter()
        .map(|(a, b)| format!("--lines={}:{}", a + 1, b + 1))
        .collect()
}

fn run(bin: &Path, style: &Path, path: &str, healed: &str, ranges: &[String]) -> Option<String> {
    let name = Path::new(path).file_name()?.to_string_lossy().to_string();
    let mut child = Command::new(bin)
        .arg(format!("--style=file:{}", style.display()))
        .arg(format!("--assume-filename={name}"))
        .args(ranges)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take()?;
    let text = healed.to_string();
    // Written from a thread: clang-format answers a large file before it has read all of it.
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let out = child.wait_with_output().ok()?;
    writer.join().ok()?.ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn judge(text: &str, new: &str, truth: &Truth) -> Judged {
    if text == new {
        Judged {
            identical: true,
            added_exact: truth.added(),
        }
    } else {
        Judged {
            identical: false,
            added_exact: metrics::judge(text, truth).added_exact,
        }
    }
}

/// The two variants of `healed` (None: BIN failed or the tree has no `.clang-format`).
pub fn variants(
    bin: &Path,
    tree: &Path,
    path: &str,
    old: &str,
    healed: &str,
    new: &str,
    truth: &Truth,
) -> Option<Variants> {
    let style = tree.join(".clang-format");
    if !style.is_file() {
        return None;
    }
    // Split on '\n' alone, so that joining gives back every byte (the final newline included).
    let healed_lines: Vec<&str> = healed.split('\n').collect();
    let old_lines: Vec<&str> = old.split('\n').collect();
    let added = added_lines(&old_lines, &healed_lines);
    if added.is_empty() {
        return None;
    }
    let formatted = run(bin, &style, path, healed, &line_ranges(&added))?;
    let formatted_lines: Vec<&str> = formatted.split('\n').collect();
    // Which formatted line each healed line became, where it still says the same.
    let mut became = vec![None; healed_lines.len()];
    let (a, b) = (normalized(&healed_lines), normalized(&formatted_lines));
    for op in capture_diff_slices(Algorithm::Myers, &a, &b) {
        if let DiffOp::Equal {
            old_index,
            new_index,
            len,
        } = op
        {
            for k in 0..len {
                became[old_index + k] = Some(new_index + k);
            }
        }
    }
    let (mut lead, mut full): (Vec<String>, Vec<String>) =
        healed_lines.iter().map(|l| (l.to_string(), l.to_string())).unzip();
    for &i in &added {
        if let Some(j) = became[i] {
            let f = formatted_lines[j];
            lead[i] = format!(
                "{}{}",
                &f[..f.len() - f.trim_start().len()],
                healed_lines[i].trim_start()
            );
            full[i] = f.to_string();
        }
    }
    Some(Variants {
        lead: judge(&lead.join("\n"), new, truth),
        full: judge(&full.join("\n"), new, truth),
    })
}

/// Per pair, form and shape: over the applied mails clang-format could run on, files identical
/// and added lines exact as healed, with clang-format's indentation, and with its lines.
pub fn print(results: &[super::PairResult]) {
    println!("\n--clang-format: the healed files, then with clang-format's indentation / lines on the added lines");
    for result in results {
        let mut keys: Vec<(super::damage::Form, super::damage::Shape)> =
            result.records.iter().map(|r| (r.form, r.shape)).collect();
        keys.dedup();
        for (form, shape) in keys {
            let judged: Vec<(&super::Record, &Variants)> = result
                .records
                .iter()
                .filter(|r| (r.form, r.shape) == (form, shape))
                .filter_map(|r| r.clang_format.as_ref().map(|v| (r, v)))
                .collect();
            let count = |f: &dyn Fn(&(&super::Record, &Variants)) -> usize| judged.iter().map(f).sum::<usize>();
            let lines = count(&|(r, _)| r.added_lines);
            println!(
                "{} {} {}: {} files; identical {} / {} / {}; added exact {} / {} / {} of {lines}",
                result.label,
                form.name(),
                shape.name(),
                judged.len(),
                count(&|(r, _)| r.identical as usize),
                count(&|(_, v)| v.lead.identical as usize),
                count(&|(_, v)| v.full.identical as usize),
                count(&|(r, _)| r.added_exact),
                count(&|(_, v)| v.lead.added_exact),
                count(&|(_, v)| v.full.added_exact),
            );
        }
    }
}
