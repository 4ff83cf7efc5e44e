//! The figures: records added up per (pair, form, shape), per shape, per pair and overall,
//! printed as an aligned table with the targets each row misses, and as JSON.

use super::damage::{Form, Shape};
use super::metrics::{Stats, HEADINGS};
use super::{Class, PairResult, Record};
use serde_json::json;

/// One row of the table: `None` for a form or shape that is "all of them".
pub struct Row {
    pub pair: String,
    pub form: Option<Form>,
    pub shape: Option<Shape>,
    pub stats: Stats,
    pub missed: Vec<String>,
}

fn stats_of(rec: &Record, result: &PairResult) -> Stats {
    let applied = rec.class == Class::Applied;
    let proven = rec.proof.as_deref().is_some_and(|p| p.starts_with("proven"));
    let big = result.big == Some(rec.file);
    Stats {
        patches: 1,
        applied: applied as usize,
        ambiguous: (rec.class == Class::Ambiguous) as usize,
        errors: matches!(rec.class, Class::Error | Class::Panic) as usize,
        panics: (rec.class == Class::Panic) as usize,
        identical: rec.identical as usize,
        proof_reported: rec.proof.is_some() as usize,
        proven: proven as usize,
        proven_identical: (proven && rec.identical) as usize,
        added_lines: if applied { rec.added_lines } else { 0 },
        added_exact: if applied { rec.added_exact } else { 0 },
        wrong_placements: if applied { rec.wrong } else { 0 },
        seconds_total: rec.seconds,
        seconds_max: rec.seconds,
        big_patch_lines: big.then(|| result.entries[rec.file].size),
        big_patch_seconds: big.then_some(rec.seconds),
    }
}

fn row(pair: &str, form: Option<Form>, shape: Option<Shape>, stats: Stats) -> Row {
    let missed = stats.missed(shape.map(|s| s == Shape::Index));
    Row {
        pair: pair.to_string(),
        form,
        shape,
        stats,
        missed,
    }
}

fn sum<'a>(stats: impl Iterator<Item = &'a Stats>) -> Stats {
    let mut total = Stats::default();
    stats.for_each(|s| total.add(s));
    total
}

/// Every row: each pair's (form, shape) rows, its per-shape and all-in rows, then the same
/// over all pairs when there are several.
pub fn rows(results: &[PairResult], forms: &[Form], shapes: &[Shape]) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut per_pair: Vec<Vec<Row>> = Vec::new();
    for result in results {
        let mut cells: Vec<Row> = Vec::new();
        for &form in forms {
            for &shape in shapes {
                let recs = result.records.iter().filter(|r| r.form == form && r.shape == shape);
                let stats = sum(recs.map(|r| stats_of(r, result)).collect::<Vec<_>>().iter());
                cells.push(row(&result.label, Some(form), Some(shape), stats));
            }
        }
        per_pair.push(cells);
    }
    let all_label = "all pairs";
    let mut blocks: Vec<(String, Vec<&Row>)> = results
        .iter()
        .zip(&per_pair)
        .map(|(r, cells)| (r.label.clone(), cells.iter().collect()))
        .collect();
    if results.len() > 1 {
        blocks.push((all_label.to_string(), per_pair.iter().flatten().collect()));
    }
    for (label, cells) in blocks {
        if label != all_label {
            rows.extend(cells.iter().map(|c| row(&label, c.form, c.shape, c.stats.clone())));
        }
        for &shape in shapes {
            let stats = sum(cells.iter().filter(|c| c.shape == Some(shape)).map(|c| &c.stats));
            rows.push(row(&label, None, Some(shape), stats));
        }
        rows.push(row(&label, None, None, sum(cells.iter().map(|c| &c.stats))));
    }
    rows
}

fn label(form: Option<Form>, shape: Option<Shape>) -> (String, String) {
    (
        form.map_or("(all)".into(), |f| f.name().to_string()),
        shape.map_or("(all)".into(), |s| s.name().to_string()),
    )
}

fn print_table(rows: &[Row]) {
    let mut table: Vec<Vec<String>> = vec![["pair", "form", "shape"]
        .iter()
        .chain(HEADINGS.iter())
        .chain(["targets"].iter())
        .map(|s| s.to_string())
        .collect()];
    for r in rows {
        let (f, s) = label(r.form, r.shape);
        let mut cells = vec![r.pair.clone(), f, s];
        cells.extend(r.stats.cells());
        cells.push(if r.missed.is_empty() {
            "ok".into()
        } else {
            r.missed.join(", ")
        });
        table.push(cells);
    }
    let n = table[0].len();
    let widths: Vec<usize> = (0..n)
        .map(|i| table.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for (k, cells) in table.iter().enumerate() {
        let line: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let pad = widths[i] - c.chars().count();
                if i < 3 || i == n - 1 || k == 0 {
                    format!("{c}{}", " ".repeat(pad))
                } else {
                    format!("{}{c}", " ".repeat(pad))
                }
            })
            .collect();
        if k > 1 && rows[k - 1].pair != rows[k - 2].pair {
            println!();
        }
        println!("{}", line.join("  ").trim_end());
    }
}

fn print_details(result: &PairResult, verbose: bool) {
    for rec in &result.records {
        let path = &result.entries[rec.file].path;
        let at = format!(
            "{} {}/{} corpus/{path}.patch",
            result.label,
            rec.form.name(),
            rec.shape.name()
        );
        let proven = rec.proof.as_deref().is_some_and(|p| p.starts_with("proven"));
        if proven && !rec.identical {
            println!(
                "!!! PROOF LIE: {at}: proof `{}`, but the healed file differs from NEW's",
                rec.proof.as_deref().unwrap_or("")
            );
            rec.differences.iter().for_each(|d| println!("        {d}"));
            continue;
        }
        if !verbose {
            continue;
        }
        match rec.class {
            Class::Ambiguous => println!("AMBIGUOUS {at}: {}", rec.error.as_deref().unwrap_or("")),
            Class::Error | Class::Panic => println!("ERROR {at}: {}", rec.error.as_deref().unwrap_or("")),
            Class::Applied if !rec.identical => {
                println!("DIFFERS {at}: {path} (wrong placements: {})", rec.wrong);
                rec.differences.iter().for_each(|d| println!("        {d}"));
            }
            Class::Applied => {}
        }
    }
}

/// Print the details (`--verbose`; proof lies always), the corpus notes and the table.
pub fn print(results: &[PairResult], forms: &[Form], shapes: &[Shape], verbose: bool) -> Vec<Row> {
    for result in results {
        print_details(result, verbose);
    }
    let rows = rows(results, forms, shapes);
    println!();
    for r in results {
        let big = match r.big {
            Some(i) => format!("{} ({} changed lines)", r.entries[i].path, r.entries[i].size),
            None => "none in this corpus".into(),
        };
        println!(
            "{}: {} files, {} mails healed in {:.0} s (corpus built in {:.0} s); 300-500 line patch: {big}",
            r.label,
            r.entries.len(),
            r.records.len(),
            r.heal_seconds,
            r.corpus_seconds
        );
    }
    println!(
        "targets: index: identical >= 99%, every proven file identical; noindex, bare: applied >= 99% \
         (of those not refused as ambiguous), identical >= 90%, added exact >= 98%, 0 wrong placements; \
         all: the 300-500 line patch < 1 s"
    );
    println!("identical: of all patches; added exact and wrong placements: over applied patches\n");
    print_table(&rows);
    let lies: usize = rows
        .iter()
        .filter(|r| r.form.is_some())
        .map(|r| r.stats.proof_lies())
        .sum();
    if lies > 0 {
        println!("\n!!! PROOF LIE: {lies} file(s) claimed proven differ from NEW's (listed above)");
    }
    rows
}

pub fn json(results: &[PairResult], rows: &[Row]) -> serde_json::Value {
    let pairs: Vec<serde_json::Value> = results
        .iter()
        .map(|r| {
            let at = |rec: &Record| (rec.form.name(), rec.shape.name(), r.entries[rec.file].path.as_str());
            let failures: Vec<_> = r
                .records
                .iter()
                .filter(|rec| rec.class != Class::Applied)
                .map(|rec| {
                    let (form, shape, path) = at(rec);
                    let class = match rec.class {
                        Class::Ambiguous => "ambiguous",
                        Class::Panic => "panic",
                        _ => "error",
                    };
                    json!({"form": form, "shape": shape, "path": path, "class": class, "error": rec.error})
                })
                .collect();
            let different: Vec<_> = r
                .records
                .iter()
                .filter(|rec| rec.class == Class::Applied && !rec.identical)
                .map(|rec| {
                    let (form, shape, path) = at(rec);
                    json!({"form": form, "shape": shape, "path": path, "proof": rec.proof,
                           "proof_tries": rec.proof_tries, "wrong_placements": rec.wrong, "differences": rec.differences})
                })
                .collect();
            // The five slowest mails, to find what a maintainer would wait for.
            let mut slowest: Vec<&Record> = r.records.iter().collect();
            slowest.sort_by(|a, b| b.seconds.total_cmp(&a.seconds));
            let slowest: Vec<_> = slowest
                .iter()
                .take(5)
                .map(|rec| {
                    let (form, shape, path) = at(rec);
                    json!({"form": form, "shape": shape, "path": path, "seconds": rec.seconds,
                           "lines": r.entries[rec.file].size, "proof": rec.proof})
                })
                .collect();
            json!({
                "pair": r.label, "old": r.old, "new": r.new, "slowest": slowest,
                "files": r.entries.len(), "skipped": r.skipped,
                "big_patch": r.big.map(|i| json!({"path": r.entries[i].path, "lines": r.entries[i].size})),
                "corpus_seconds": r.corpus_seconds, "heal_seconds": r.heal_seconds,
                "failures": failures, "not_identical": different,
            })
        })
        .collect();
    let rows: Vec<_> = rows
        .iter()
        .map(|r| {
            let (form, shape) = label(r.form, r.shape);
            json!({"pair": r.pair, "form": form, "shape": shape, "stats": r.stats,
                   "applied_pct": r.stats.applied_pct(), "identical_pct": r.stats.identical_pct(),
                   "added_exact_pct": r.stats.exact_pct(), "proof_lies": r.stats.proof_lies(),
                   "targets_missed": r.missed})
        })
        .collect();
    json!({"schema": "kfpatch-heal-corpus/1", "pairs": pairs, "rows": rows})
}
