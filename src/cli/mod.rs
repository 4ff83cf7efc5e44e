//! The command line: arguments (`args`) become each operation's `Options`; the operation's
//! outcome goes to the output layer and its exit code comes from `exit`. No logic of its own
//! lives here.

pub mod args;
mod docs;
pub mod exit;

pub use args::*;

use crate::kernel::KernelTree;
use crate::ops::{self, apply, base, check, doctor, matrix, regen, tree, validate, vm, Context};
use crate::output::progress::{Progress, ProgressMode};
use crate::output::testrun::TestRuns;
use crate::output::{Document, ErrorDocument, JsonOutput, MailCheck, ReportFormat, Shell};
use crate::{kernel, mail};
use clap::Parser;
use exit::ExitCode;
use std::fmt::Display;
use std::path::Path;

/// Parse arguments, run, report; returns the exit code.
pub fn main() -> u8 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { exit::BAD_INPUT } else { exit::OK };
            let _ = e.print();
            return code;
        }
    };
    let shell = Shell::stdio();
    run(cli, &shell)
}

/// A failure before or inside an operation: its message and exit code.
struct Failure {
    message: String,
    code: u8,
}

impl<E: ExitCode + Display> From<E> for Failure {
    fn from(e: E) -> Failure {
        Failure {
            message: e.to_string(),
            code: e.exit_code(),
        }
    }
}

/// Run one command with `shell` as its only output.
pub fn run(cli: Cli, shell: &Shell) -> u8 {
    // b4 takes every stderr line of a check command for a failure: `check --mail` stays quiet.
    let mode = match &cli.command {
        Command::Check(a) if a.mail => ProgressMode::None,
        _ => cli.progress,
    };
    let progress = Progress::new(shell, mode);
    let sink = |e| progress.draw(e);
    let ctx = Context::new(kernel::cache_root(), &sink);
    let json = json_of(&cli.command);
    let code = match dispatch(&ctx, shell, cli.command) {
        Ok(code) => code,
        Err(f) => {
            shell.error(&f.message);
            if json == JsonOutput::Stdout {
                let doc = ErrorDocument {
                    error: f.message,
                    exit_code: f.code,
                };
                let _ = shell.document(&doc, &json);
            }
            f.code
        }
    };
    drop(progress);
    match shell.take_stdout_failure() {
        // A reader that stopped reading (`| head`) is not a failure of ours.
        Some(e) if e.kind() == std::io::ErrorKind::BrokenPipe => code,
        Some(e) => {
            shell.error(&format!(
                "writing the report to stdout: {e} (the operation itself completed)"
            ));
            if code == exit::OK {
                exit::BAD_INPUT
            } else {
                code
            }
        }
        None => code,
    }
}

fn json_of(command: &Command) -> JsonOutput {
    let arg = match command {
        Command::Apply(a) => &a.json,
        Command::Regen(a) => &a.json,
        Command::Check(a) => &a.json,
        Command::Base(a) => &a.json,
        Command::Validate(a) => &a.json,
        Command::Matrix(a) => &a.json,
        Command::Vmtest(a) => &a.json,
        Command::Doctor(a) => &a.json,
        Command::Tree(TreeCommand::Fetch { json, .. } | TreeCommand::Path { json, .. }) => json,
        // Generated text for other programs (man, a shell): no JSON form.
        Command::Man { .. } | Command::Completions { .. } => return JsonOutput::None,
    };
    JsonOutput::from_flag(arg.json.clone())
}

/// Show the outcome by the `--json` rule; its exit code.
fn report<D: Document + ExitCode>(shell: &Shell, outcome: &D, json: &JsonArg) -> Result<u8, Failure> {
    shell
        .document(outcome, &JsonOutput::from_flag(json.json.clone()))
        .map_err(|e| Failure {
            message: e.to_string(),
            code: exit::BAD_INPUT,
        })?;
    Ok(outcome.exit_code())
}

/// A VM-tested outcome: the human report (by the `--json` rule), or KTAP or KCIDB on stdout.
fn report_tests<D: Document + ExitCode + TestRuns>(
    shell: &Shell,
    outcome: &D,
    json: &JsonArg,
    format: ReportFormat,
    command: &str,
) -> Result<u8, Failure> {
    let text = match format {
        ReportFormat::Human => return report(shell, outcome, json),
        ReportFormat::Ktap => crate::output::ktap::render(outcome, command),
        ReportFormat::Kcidb => crate::output::kcidb::render(outcome, command),
    };
    match JsonOutput::from_flag(json.json.clone()) {
        JsonOutput::Stdout => {
            return Err(Failure {
                message: "--format and --json both want stdout; use --json=FILE".into(),
                code: exit::BAD_INPUT,
            })
        }
        JsonOutput::File(path) => {
            std::fs::write(&path, outcome.json_text()).map_err(|e| Failure {
                message: format!("{}: {e}", path.display()),
                code: exit::BAD_INPUT,
            })?;
        }
        JsonOutput::None => {}
    }
    shell.print(&text);
    Ok(outcome.exit_code())
}

/// A series from a mail file, or from every file of a directory (in name order, as
/// format-patch numbers them).
fn read_mails(path: &Path) -> Result<mail::Series, Failure> {
    if !path.is_dir() {
        return Ok(mail::read_series(path)?);
    }
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(path)
        .map_err(|e| Failure {
            message: format!("{}: {e}", path.display()),
            code: exit::BAD_INPUT,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Failure {
            message: format!("{}: no mails in this directory", path.display()),
            code: exit::BAD_INPUT,
        });
    }
    Ok(mail::read_all(&files)?)
}

fn open_tree(path: &Path) -> Result<KernelTree, Failure> {
    Ok(KernelTree::open(path)?)
}

fn dispatch(ctx: &Context, shell: &Shell, command: Command) -> Result<u8, Failure> {
    match command {
        Command::Apply(a) => {
            let opts = apply::Options {
                check: a.check,
                force: a.force,
                commit: a.commit,
                emit_healed: a.emit_healed,
                wait: !a.no_wait,
                require_proof: a.require_proof,
                ..apply::Options::new(open_tree(&a.tree)?, mail::read_all(&a.patches)?)
            };
            report(shell, &apply::run(ctx, &opts)?, &a.json)
        }
        Command::Check(a) if a.mail => {
            let mut opts = check::Options::tree(&open_tree(&a.tree)?);
            opts.series.push(mail::read_stdin()?);
            report(shell, &MailCheck(check::run(ctx, &opts)?), &a.json)
        }
        Command::Check(a) => {
            let mut opts = check::Options::tree(&open_tree(&a.tree)?);
            for p in &a.patches {
                opts.series.push(mail::read_series(p)?);
            }
            report(shell, &check::run(ctx, &opts)?, &a.json)
        }
        Command::Base(a) => {
            let targets = targets(&a.trees, &a.debian)?;
            let opts = base::Options {
                targets,
                series: mail::read_all(&a.patches)?,
                max_commits: a.max_commits,
            };
            report(shell, &base::run(ctx, &opts)?, &a.json)
        }
        Command::Regen(a) => {
            let from = match &a.from {
                Some(f) => mail::Person::parse(f).ok_or_else(|| Failure {
                    message: format!("--from `{f}`: expected \"Name <mail>\""),
                    code: exit::BAD_INPUT,
                })?,
                None => mail::bundled().patches[0]
                    .author
                    .clone()
                    .expect("the bundled RFC has an author"),
            };
            let opts = regen::Options {
                tree: open_tree(&a.tree)?,
                flag: a.flag,
                bit: a.bit,
                rfc: a.rfc,
                version: a.reroll_count,
                from,
                date: chrono::Local::now().fixed_offset(),
                out_dir: a.output_directory,
                cover_letter: a.cover_letter,
                with_selftests: a.with_selftests,
                check_style: a.check_style,
                compare_to: match &a.compare_to {
                    Some(old) => Some((old.clone(), read_mails(old)?)),
                    None => None,
                },
                form: regen::form::MailForm {
                    subject_prefix: a.subject_prefix,
                    base: a.base,
                    stable: a.stable.map(|series| regen::form::Stable {
                        series,
                        upstream: a.upstream,
                    }),
                },
            };
            report(shell, &regen::run(ctx, &opts)?, &a.json)
        }
        Command::Vmtest(a) => {
            let opts = vm::Options {
                tree: open_tree(&a.tree)?,
                settings: vm_settings(&a.vm),
                flag: a.flag,
                inject: a.inject,
                touched: vec![],
            };
            report_tests(shell, &vm::run(ctx, &opts)?, &a.json, a.vm.format, "vmtest")
        }
        Command::Validate(a) => {
            let target = match &a.tree {
                Some(t) => tree::Target::Tree(open_tree(t)?),
                None => tree::Target::Debian(a.debian.clone()),
            };
            let opts = validate::Options {
                target,
                series: mail::read_all(&a.patches)?,
                vm: vm_settings(&a.vm),
                install: a.install,
            };
            report_tests(shell, &validate::run(ctx, &opts)?, &a.json, a.vm.format, "validate")
        }
        Command::Matrix(a) => {
            let targets = targets(&a.trees, &a.debian)?;
            let opts = matrix::Options {
                targets,
                series: mail::read_all(&a.patches)?,
                vm: vm_settings(&a.vm),
            };
            report_tests(shell, &matrix::run(ctx, &opts), &a.json, a.vm.format, "matrix")
        }
        Command::Doctor(a) => report(
            shell,
            &doctor::run(
                ctx,
                &doctor::Options {
                    install: a.install,
                    trees: a.trees.clone(),
                    fetch: a.fetch,
                },
            )?,
            &a.json,
        ),
        Command::Tree(TreeCommand::Fetch { versions, json }) => {
            report(shell, &tree::run(ctx, &tree::Options { versions })?, &json)
        }
        Command::Tree(TreeCommand::Path { version, json }) => {
            let opts = tree::Options {
                versions: vec![version],
            };
            report(shell, &ops::tree::locate(ctx, &opts), &json)
        }
        Command::Man { dir: None } => {
            shell.print(&docs::man_page().map_err(|e| Failure {
                message: format!("man page: {e}"),
                code: exit::BAD_INPUT,
            })?);
            Ok(exit::OK)
        }
        Command::Man { dir: Some(dir) } => {
            let pages = docs::write_man_pages(&dir).map_err(|e| Failure {
                message: format!("{}: {e}", dir.display()),
                code: exit::BAD_INPUT,
            })?;
            for p in pages {
                shell.print(&format!("{}\n", p.display()));
            }
            Ok(exit::OK)
        }
        Command::Completions { shell: kind } => {
            docs::completions(kind, shell);
            Ok(exit::OK)
        }
    }
}

/// The Debian trees a backport check cares about: bookworm's two, the seed's, the merged one.
const DEFAULT_MATRIX: &[&str] = &["6.1", "6.12", "7.2", "7.3"];

/// The user's trees, then the Debian versions; neither given: the four of [`DEFAULT_MATRIX`].
fn targets(trees: &[std::path::PathBuf], debian: &[String]) -> Result<Vec<tree::Target>, Failure> {
    let mut targets = Vec::new();
    for t in trees {
        targets.push(tree::Target::Tree(open_tree(t)?));
    }
    let debian = if debian.is_empty() && trees.is_empty() {
        DEFAULT_MATRIX.iter().map(|v| v.to_string()).collect()
    } else {
        debian.to_vec()
    };
    targets.extend(debian.into_iter().map(tree::Target::Debian));
    Ok(targets)
}

fn vm_settings(a: &VmArgs) -> vm::Settings {
    vm::Settings {
        build_dir: a.build_dir.clone(),
        jobs: a
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)),
        accel: a.accel,
        timeout: std::time::Duration::from_secs(a.timeout),
        clang: a.clang.clone(),
        suite: a.suite,
        allow: a.allow.clone(),
        deny: a.deny.clone(),
        cache_url: a.cache_url.clone().filter(|u| !u.is_empty()),
        gate_only: a.gate_only,
        guest_root: a.guest_root,
    }
}
