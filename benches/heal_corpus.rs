//! How well kfpatch heals whitespace-damaged mails, measured on real kernel changes.
//!
//! The corpus: every file under `kernel/bpf/` and `include/linux/` that both trees have and that
//! differs (new and deleted files are skipped and counted), each as git's own diff
//! (`git diff --no-index`) in a `git format-patch`-like mail of its own. Each mail is damaged in
//! each form (`archive`: what a web archive did to the real RFC; `nbsp`, `entities`, `tabs`,
//! `trailing`, `qp3d`, and `none` as a control) and each shape (`index`: the mail; `noindex`:
//! without its `index` lines; `bare`: the diff alone), then healed in-process on the old tree with
//! `kfpatch::ops::apply::run` (`check`: nothing is written). The healed file is compared with the
//! new tree's: applied, refused as ambiguous, failed (panics caught and counted), byte-identical,
//! claimed proven (and whether every proven file is identical: `PROOF LIE` otherwise), added
//! lines exact, wrong placements (see `metrics`), and the time of parse + apply.
//!
//! ```sh
//! CARGO_TARGET_DIR=/tmp/bench-target cargo bench --bench heal_corpus -- OLD NEW [OLD NEW ...] \
//!     [--forms archive,nbsp] [--shapes index,bare] [--limit N] [--json FILE] [--dump DIR] [--verbose] \
//!     [--clang-format clang-format-19]
//! benches/heal-corpus.sh            # linux-source 6.1 -> 6.12 and 6.12 -> 7.2 from the tree cache
//! ```
//! `--limit N` takes the first N corpus files (kernel/bpf/ first); `--dump DIR` writes every
//! damaged mail to `DIR/<form>/<shape>/PATH.patch` (`DIR/<old>-<new>/…` with several pairs)
//! and the file healed from it beside it as `PATH.healed`;
//! `--verbose` lists the refusals, the errors and the first differing lines of each file that
//! is not identical; `--clang-format BIN` also judges each healed file with the old tree's
//! `.clang-format` applied to its added lines (`clang_format`).
#![allow(clippy::print_stdout, clippy::print_stderr)]

#[path = "heal_corpus/clang_format.rs"]
mod clang_format;
#[path = "heal_corpus/corpus.rs"]
mod corpus;
#[path = "heal_corpus/damage.rs"]
mod damage;
#[path = "heal_corpus/metrics.rs"]
mod metrics;
#[path = "heal_corpus/report.rs"]
mod report;

use clap::Parser;
use damage::{Form, Shape};
use kfpatch::kernel::KernelTree;
use kfpatch::ops::{apply, Context};
use metrics::Truth;
use std::cell::{Cell, RefCell};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(about = "Heal damaged mails of real kernel changes and measure the result")]
pub struct Args {
    /// Tree pairs: OLD NEW [OLD NEW ...]; each change is healed on OLD and compared with NEW.
    #[arg(required = true, num_args = 2.., value_name = "OLD NEW")]
    trees: Vec<PathBuf>,
    /// Damage forms (default: all).
    #[arg(long, value_delimiter = ',', value_enum)]
    forms: Vec<Form>,
    /// Mail shapes (default: all).
    #[arg(long, value_delimiter = ',', value_enum)]
    shapes: Vec<Shape>,
    /// Only the first N corpus files of each pair.
    #[arg(long)]
    limit: Option<usize>,
    /// Also write the figures (and every failure and difference) as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write each damaged mail to DIR/<form>/<shape>/PATH.patch.
    #[arg(long, value_name = "DIR")]
    dump: Option<PathBuf>,
    /// List refusals, errors and the first differing lines of every file that is not identical.
    #[arg(long)]
    verbose: bool,
    /// Also judge each healed file with the old tree's `.clang-format` applied to the added
    /// lines by this clang-format binary (see `clang_format`).
    #[arg(long, value_name = "BIN")]
    clang_format: Option<PathBuf>,
    /// Worker threads (at most 2: the machine is shared).
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

/// `f` over `items` on up to `threads` threads, results in order.
pub fn par_map<T: Sync, R: Send>(items: &[T], threads: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let mut out: Vec<(usize, R)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads.clamp(1, 2))
            .map(|_| {
                s.spawn(|| {
                    let mut got = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        got.push((i, f(item)));
                    }
                    got
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker panicked"))
            .collect()
    });
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, r)| r).collect()
}

thread_local! {
    /// Inside a healer call: its panics are recorded here instead of printed.
    static GUARDED: Cell<bool> = const { Cell::new(false) };
    static PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !GUARDED.with(Cell::get) {
            return default(info);
        }
        let payload = info.payload();
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".into());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        PANIC.with(|p| *p.borrow_mut() = Some(format!("{msg}{at}")));
    }));
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Applied,
    Ambiguous,
    Error,
    Panic,
}

/// One damaged mail healed.
pub struct Record {
    pub file: usize,
    pub form: Form,
    pub shape: Shape,
    pub class: Class,
    /// First line of the error (refusals and failures).
    pub error: Option<String>,
    pub seconds: f64,
    pub identical: bool,
    pub proof: Option<String>,
    /// Alternatives the proof search tried (0 without `index` lines).
    pub proof_tries: usize,
    pub added_lines: usize,
    pub added_exact: usize,
    pub wrong: usize,
    pub differences: Vec<String>,
    pub clang_format: Option<clang_format::Variants>,
}

/// The report of `path` in the outcome's first patch, read by name so the bench builds
/// whether or not the healer reports one.
fn file_report<'v>(outcome: &'v serde_json::Value, path: &str) -> Option<&'v serde_json::Value> {
    let files = outcome.pointer("/patches/0/files")?.as_array()?;
    let named = |f: &&serde_json::Value| {
        ["file", "path"]
            .iter()
            .any(|k| f.get(k).and_then(|v| v.as_str()) == Some(path))
    };
    files.iter().find(named).or(files.first())
}

/// The `proof` of `path`: a string, or an object's verdict-like field.
fn proof_of(outcome: &serde_json::Value, path: &str) -> Option<String> {
    match file_report(outcome, path)?.get("proof")? {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Object(m) => ["verdict", "status", "kind", "proof", "state"]
            .iter()
            .find_map(|k| m.get(*k).and_then(|v| v.as_str()).map(str::to_string))
            .or_else(|| Some(serde_json::Value::Object(m.clone()).to_string())),
        other => Some(other.to_string()),
    }
}

struct Pair<'a> {
    tree: KernelTree,
    entries: &'a [corpus::Entry],
    truths: &'a [Truth],
    dump: Option<PathBuf>,
    clang_format: Option<&'a Path>,
}

/// Damage, parse and heal one mail; judge the result.
fn heal(ctx: &Context, pair: &Pair, (file, form, shape): (usize, Form, Shape)) -> Record {
    let entry = &pair.entries[file];
    let mail = damage::damage(form, &damage::shape(shape, &corpus::mail(entry)));
    let name = format!("corpus/{}.patch", entry.path);
    if let Some(dir) = &pair.dump {
        let path = dir
            .join(form.name())
            .join(shape.name())
            .join(format!("{}.patch", entry.path));
        let written = std::fs::create_dir_all(path.parent().expect("a file has a parent"))
            .and_then(|()| std::fs::write(&path, &mail));
        if let Err(e) = written {
            eprintln!("heal_corpus: writing {}: {e}", path.display());
        }
    }
    let started = Instant::now();
    GUARDED.with(|g| g.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let series =
            kfpatch::mail::parse_series(Path::new(&name), mail.as_bytes()).map_err(|e| format!("parse: {e}"))?;
        if series.patches.is_empty() {
            return Err("parse: no patch in the mail".to_string());
        }
        let mut opts = apply::Options::new(pair.tree.clone(), series);
        opts.check = true;
        apply::run(ctx, &opts).map_err(|e| e.to_string())
    }));
    GUARDED.with(|g| g.set(false));
    let seconds = started.elapsed().as_secs_f64();
    let mut rec = Record {
        file,
        form,
        shape,
        class: Class::Applied,
        error: None,
        seconds,
        identical: false,
        proof: None,
        proof_tries: 0,
        added_lines: 0,
        added_exact: 0,
        wrong: 0,
        differences: vec![],
        clang_format: None,
    };
    let outcome = match result {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(e)) => {
            let first = e.lines().next().unwrap_or("").to_string();
            rec.class = if is_ambiguous(&first) {
                Class::Ambiguous
            } else {
                Class::Error
            };
            rec.error = Some(first);
            return rec;
        }
        Err(_) => {
            rec.class = Class::Panic;
            let msg = PANIC.with(|p| p.borrow_mut().take()).unwrap_or_default();
            rec.error = Some(format!("panic: {}", msg.lines().next().unwrap_or("")));
            return rec;
        }
    };
    let truth = &pair.truths[file];
    let value = serde_json::to_value(&outcome).unwrap_or_default();
    rec.proof = proof_of(&value, &entry.path);
    rec.proof_tries = file_report(&value, &entry.path)
        .and_then(|f| f.get("proof_tries")?.as_u64())
        .map_or(0, |n| n as usize);
    // With nothing written (`check`), a file the series does not touch is the old tree's.
    let healed = outcome.after.get(&entry.path).unwrap_or(&entry.old);
    if let Some(dir) = &pair.dump {
        // Beside the mail: what kfpatch made of it, for analysing the files that differ.
        let path = dir
            .join(form.name())
            .join(shape.name())
            .join(format!("{}.healed", entry.path));
        if let Err(e) = std::fs::write(&path, healed) {
            eprintln!("heal_corpus: writing {}: {e}", path.display());
        }
    }
    rec.added_lines = truth.added();
    if *healed == entry.new {
        rec.identical = true;
        rec.added_exact = truth.added();
    } else {
        let j = metrics::judge(healed, truth);
        (rec.added_exact, rec.wrong, rec.differences) = (j.added_exact, j.wrong, j.differences);
        if !outcome.after.contains_key(&entry.path) {
            rec.differences.insert(
                0,
                format!("no result for the file (verdict: {})", outcome.verdict.describe()),
            );
        }
    }
    if let Some(bin) = pair.clang_format {
        rec.clang_format =
            clang_format::variants(bin, &pair.tree.root, &entry.path, &entry.old, healed, &entry.new, truth);
    }
    rec
}

fn is_ambiguous(error: &str) -> bool {
    error.split(" fits at ").nth(1).is_some_and(|rest| {
        let n = rest.split(' ').next().unwrap_or("");
        !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) && rest[n.len()..].starts_with(" places")
    })
}

/// The name of a tree for the table: `linux-source-6.12` → `6.12`.
fn tree_name(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    name.strip_prefix("linux-source-").unwrap_or(&name).to_string()
}

/// Everything measured on one pair of trees.
pub struct PairResult {
    pub label: String,
    pub old: PathBuf,
    pub new: PathBuf,
    pub skipped: corpus::Skipped,
    pub entries: Vec<corpus::Entry>,
    pub records: Vec<Record>,
    pub big: Option<usize>,
    pub corpus_seconds: f64,
    pub heal_seconds: f64,
}

fn run_pair(
    args: &Args,
    old: &Path,
    new: &Path,
    forms: &[Form],
    shapes: &[Shape],
    several: bool,
) -> anyhow::Result<PairResult> {
    let label = format!("{}->{}", tree_name(old), tree_name(new));
    let tree = KernelTree::open(old).map_err(|e| anyhow::anyhow!("{e}"))?;
    KernelTree::open(new).map_err(|e| anyhow::anyhow!("{e}"))?;
    let started = Instant::now();
    let (mut entries, skipped) = corpus::build(old, new, args.threads)?;
    let corpus_seconds = started.elapsed().as_secs_f64();
    println!(
        "{label}: {} modified files (skipped: {} new, {} deleted, {} binary or not UTF-8; {} unchanged) in {corpus_seconds:.1} s",
        entries.len(),
        skipped.new_files,
        skipped.deleted_files,
        skipped.binary,
        skipped.unchanged
    );
    if let Some(n) = args.limit {
        entries.truncate(n);
        println!("{label}: --limit {n}: the first {} of them", entries.len());
    }
    let truths = par_map(&entries, args.threads, |e| Truth::new(&e.old, &e.new));
    let big = (0..entries.len())
        .filter(|&i| (300..=500).contains(&entries[i].size))
        .max_by_key(|&i| entries[i].size);
    let dump = args.dump.as_ref().map(|d| {
        if several {
            d.join(label.replace("->", "-"))
        } else {
            d.clone()
        }
    });
    let pair = Pair {
        tree,
        entries: &entries,
        truths: &truths,
        dump,
        clang_format: args.clang_format.as_deref(),
    };
    let n = entries.len();
    let jobs: Vec<(usize, Form, Shape)> = forms
        .iter()
        .flat_map(|&f| shapes.iter().flat_map(move |&s| (0..n).map(move |i| (i, f, s))))
        .collect();
    let caches = tempfile::tempdir()?;
    let done = AtomicUsize::new(0);
    let started = Instant::now();
    let step = (jobs.len() / 20).max(1);
    let records = {
        let next = AtomicUsize::new(0);
        let mut got: Vec<Record> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..args.threads.clamp(1, 2))
                .map(|w| {
                    let (pair, jobs, next, done, label) = (&pair, &jobs, &next, &done, &label);
                    let cache = caches.path().join(format!("worker-{w}"));
                    s.spawn(move || {
                        let ctx = Context::new(cache, &|_| {});
                        let mut got = Vec::new();
                        while let Some(&job) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                            got.push(heal(&ctx, pair, job));
                            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                            if n % step == 0 || n == jobs.len() {
                                eprintln!(
                                    "{label}: healed {n}/{} mails, {:.0} s",
                                    jobs.len(),
                                    started.elapsed().as_secs_f64()
                                );
                            }
                        }
                        got
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().expect("worker panicked"))
                .collect()
        });
        got.sort_by_key(|r| (r.form, r.shape, r.file));
        got
    };
    Ok(PairResult {
        label,
        old: old.to_path_buf(),
        new: new.to_path_buf(),
        skipped,
        entries,
        records,
        big,
        corpus_seconds,
        heal_seconds: started.elapsed().as_secs_f64(),
    })
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.trees.len() % 2 != 0 {
        anyhow::bail!("trees come in pairs: OLD NEW [OLD NEW ...]");
    }
    damage::self_check();
    install_panic_hook();
    let forms = if args.forms.is_empty() {
        Form::ALL.to_vec()
    } else {
        args.forms.clone()
    };
    let shapes = if args.shapes.is_empty() {
        Shape::ALL.to_vec()
    } else {
        args.shapes.clone()
    };
    let several = args.trees.len() > 2;
    let mut results = Vec::new();
    for pair in args.trees.chunks(2) {
        results.push(run_pair(&args, &pair[0], &pair[1], &forms, &shapes, several)?);
    }
    let summary = report::print(&results, &forms, &shapes, args.verbose);
    if args.clang_format.is_some() {
        clang_format::print(&results);
    }
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&report::json(&results, &summary))?)?;
        println!("figures written to {}", path.display());
    }
    Ok(())
}
