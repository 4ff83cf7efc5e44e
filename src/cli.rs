//! The command line: clap definitions, turning arguments into each operation's options, and
//! mapping results to output and exit codes. No logic of its own lives here.
#![allow(clippy::print_stderr)]

use crate::{apply, exit, flags, mail, regen, render, tree, validate, vm};
use clap::{Args, Parser, Subcommand};
use std::path::{Path, PathBuf};

#[derive(Debug, Parser)]
#[command(
    name = "kfpatch",
    version,
    about = "Apply, heal, regenerate, check and VM-test the KF_SPIN_LOCK kfunc series on Linux kernel trees"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply a series (mail, mbox or diff; default: the bundled RFC), healing whitespace damage.
    Apply(ApplyArgs),
    /// Regenerate the KF_SPIN_LOCK change for this tree's code shape as a format-patch mail.
    Regen(RegenArgs),
    /// Check that KF_* kfunc flag bits are unique and consistent (now, and after --patch series).
    Check(CheckArgs),
    /// The whole job: apply the series, check flag bits, and prove it in a VM (default: bundled RFC on Debian 7.2).
    Validate(ValidateArgs),
    /// Rebuild the kernel and prove in QEMU what its verifier does with kfuncs under bpf_spin_lock.
    Vmtest(VmtestArgs),
    /// List the host tools the VM test needs, with Debian package names.
    Doctor {
        /// Install what is missing with apt-get (as root).
        #[arg(long)]
        install: bool,
    },
    /// Fetch and locate Debian kernel source trees in the cache.
    #[command(subcommand)]
    Tree(TreeCommand),
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Your kernel tree (the series is applied in place); default: a cached Debian tree.
    #[arg(long, conflicts_with = "debian")]
    pub tree: Option<PathBuf>,
    /// Debian linux-source version to fetch and work on (a hard-linked copy) when --tree is not given.
    #[arg(long, default_value = "7.2")]
    pub debian: String,
    #[command(flatten)]
    pub vm: VmArgs,
    /// Write the report as JSON (schema kfpatch-validate/1) to FILE.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// First install missing host tools with apt-get (as root), like `doctor --install`.
    #[arg(long)]
    pub install: bool,
    /// Patch files; default: the bundled RFC.
    pub patches: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RegenArgs {
    #[arg(long, default_value = ".")]
    pub tree: PathBuf,
    /// Output directory for the mails.
    #[arg(short = 'o', long, default_value = ".")]
    pub output_directory: PathBuf,
    /// Name of the new flag.
    #[arg(long, default_value = "KF_SPIN_LOCK")]
    pub flag: String,
    /// auto (next free bit), upstream (17, error if taken) or a bit number.
    #[arg(long, default_value = "auto")]
    pub bit: regen::BitChoice,
    /// Mark the series [RFC PATCH].
    #[arg(long)]
    pub rfc: bool,
    /// Series version (-v 2 gives [PATCH v2]).
    #[arg(short = 'v', long = "reroll-count")]
    pub reroll_count: Option<u32>,
    /// Author and Signed-off-by; default: the bundled RFC's author.
    #[arg(long)]
    pub from: Option<String>,
    /// Also write 0000-cover-letter.patch.
    #[arg(long)]
    pub cover_letter: bool,
    /// Also write 2/3 (flag a bpf_testmod kfunc) and 3/3 (kfunc_call selftests).
    #[arg(long)]
    pub with_selftests: bool,
    /// Run the tree's scripts/checkpatch.pl --strict on the result.
    #[arg(long)]
    pub check_style: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Kernel tree to check.
    #[arg(long, default_value = ".")]
    pub tree: PathBuf,
    /// Also evaluate the tree as each of these series would leave it (repeatable).
    #[arg(long = "patch", value_name = "FILE")]
    pub patches: Vec<PathBuf>,
    /// Print the report as JSON (schema kfpatch-check/1) on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Build and VM flags shared by `vmtest` and `validate`.
#[derive(Debug, Args)]
pub struct VmArgs {
    /// Build directory (O=); default ~/.cache/kfpatch/build/<tree>-<hash>.
    #[arg(long)]
    pub build_dir: Option<PathBuf>,
    /// Parallel make jobs; default: the number of cores.
    #[arg(short = 'j', long)]
    pub jobs: Option<usize>,
    #[arg(long, value_enum, default_value = "auto")]
    pub accel: vm::qemu::Accel,
    /// Seconds before the VM is killed.
    #[arg(long, default_value_t = 180)]
    pub timeout: u64,
    /// clang for the BPF programs (e.g. clang-19); default: the newest installed.
    #[arg(long, value_name = "CMD")]
    pub clang: Option<String>,
}

#[derive(Debug, Args)]
pub struct VmtestArgs {
    /// Kernel tree to build and test.
    #[arg(long, default_value = ".")]
    pub tree: PathBuf,
    #[command(flatten)]
    pub vm: VmArgs,
    /// kfunc: kfpatch's own module and programs (fast); test_progs: the tree's selftests.
    #[arg(long, value_enum, default_value = "kfunc")]
    pub suite: vm::Suite,
    /// Flag for the test module's safe kfunc; default: KF_SPIN_LOCK or KF_SPINLOCK_SAFE as the tree defines.
    #[arg(long)]
    pub flag: Option<String>,
    /// Write the report as JSON (schema kfpatch-vmtest/1) to FILE.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Debug: make the guest panic or hang, to see the failure reported.
    #[arg(long, value_enum)]
    pub inject: Option<vm::Inject>,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Kernel tree to apply to.
    #[arg(long, default_value = ".")]
    pub tree: PathBuf,
    /// Write nothing; say whether the series applies and how.
    #[arg(long)]
    pub check: bool,
    /// Apply even if the touched files have uncommitted changes.
    #[arg(long)]
    pub force: bool,
    /// Commit each patch (git2) with the mail's author, date and message.
    #[arg(long)]
    pub commit: bool,
    /// Write the healed series as clean format-patch mails to FILE.
    #[arg(long, value_name = "FILE")]
    pub emit_healed: Option<PathBuf>,
    /// Print the outcome as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Patch files (mail, format-patch, mbox, bare diff); default: the bundled RFC.
    pub patches: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum TreeCommand {
    /// Download and unpack linux-source-VERSION (e.g. 7.2) into the cache; print its path.
    Fetch {
        #[arg(required = true)]
        versions: Vec<String>,
    },
    /// Print where linux-source-VERSION is (or would be) unpacked.
    Path { version: String },
}

/// A failure with its exit code; printed on one line.
#[derive(Debug)]
pub struct CliError {
    pub code: u8,
    pub message: String,
}

impl CliError {
    pub fn new(code: u8, message: impl std::fmt::Display) -> CliError {
        CliError {
            code,
            message: message.to_string(),
        }
    }
}

pub type CliResult = Result<u8, CliError>;

/// Parse arguments, run, print errors; returns the exit code.
pub fn main() -> u8 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { exit::BAD_INPUT } else { exit::OK };
            let _ = e.print();
            return code;
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("kfpatch: error: {}", e.message);
            e.code
        }
    }
}

pub fn run(cli: Cli) -> CliResult {
    match cli.command {
        Command::Apply(args) => apply_cmd(args),
        Command::Tree(cmd) => tree_cmd(cmd),
        Command::Check(args) => check_cmd(args),
        Command::Regen(args) => regen_cmd(args),
        Command::Validate(args) => validate_cmd(args),
        Command::Vmtest(args) => vmtest_cmd(args),
        Command::Doctor { install } => doctor_cmd(install),
    }
}

/// Read all patch files (or the bundled series) into one series, in order.
pub fn read_series(paths: &[PathBuf]) -> Result<mail::Series, CliError> {
    if paths.is_empty() {
        return Ok(mail::bundled());
    }
    let mut series: Option<mail::Series> = None;
    for p in paths {
        let s = mail::read_series(p).map_err(|e| CliError::new(exit::BAD_INPUT, e))?;
        match series.as_mut() {
            None => series = Some(s),
            Some(acc) => acc.patches.extend(s.patches),
        }
    }
    Ok(series.expect("at least one path"))
}

pub fn open_tree(path: &Path) -> Result<tree::KernelTree, CliError> {
    tree::KernelTree::open(path).map_err(|e| CliError::new(exit::BAD_INPUT, e))
}

fn apply_cmd(args: ApplyArgs) -> CliResult {
    let series = read_series(&args.patches)?;
    let tree = open_tree(&args.tree)?;
    let options = apply::Options {
        check: args.check,
        force: args.force,
        commit: args.commit,
        emit_healed: args.emit_healed,
    };
    let outcome = apply::run(&tree, &series, &options).map_err(|e| CliError::new(e.exit_code(), e))?;
    if args.json {
        render::json(&outcome);
    } else {
        render::apply_outcome(&outcome);
    }
    Ok(match outcome.verdict {
        apply::Verdict::EquivalentUpstream { .. } => exit::EQUIVALENT_UPSTREAM,
        _ => exit::OK,
    })
}

fn tree_cmd(cmd: TreeCommand) -> CliResult {
    let cache = tree::debian::cache_dir();
    match cmd {
        TreeCommand::Fetch { versions } => {
            for v in versions {
                let path = tree::debian::fetch(&cache, &v, &mut |m| render::status(m))
                    .map_err(|e| CliError::new(exit::UNAVAILABLE, format!("fetching linux-source-{v}: {e}")))?;
                render::line(&path.display().to_string());
            }
        }
        TreeCommand::Path { version } => render::line(&tree::debian::tree_path(&cache, &version).display().to_string()),
    }
    Ok(exit::OK)
}

fn vm_options(
    tree: PathBuf,
    args: &VmArgs,
    suite: vm::Suite,
    flag: Option<String>,
    inject: Option<vm::Inject>,
) -> vm::Options {
    vm::Options {
        suite,
        tree,
        build_dir: args.build_dir.clone(),
        jobs: args
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)),
        accel: args.accel,
        timeout: std::time::Duration::from_secs(args.timeout),
        flag,
        inject,
        clang: args.clang.clone(),
    }
}

/// Run the VM test and report; exit 0 only when every expected outcome held.
pub fn run_vmtest(args: &VmtestArgs) -> CliResult {
    open_tree(&args.tree)?;
    let opts = vm_options(args.tree.clone(), &args.vm, args.suite, args.flag.clone(), args.inject);
    let mut progress = render::Progress::new();
    let report = vm::run(&opts, &mut |e| progress.event(e));
    drop(progress);
    let report = report.map_err(|e| CliError::new(e.exit_code(), e))?;
    render::vm_report(&report);
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report).expect("report serializes");
        std::fs::write(path, text + "\n")
            .map_err(|e| CliError::new(exit::BAD_INPUT, format!("{}: {e}", path.display())))?;
    }
    Ok(if report.ok { exit::OK } else { exit::NEGATIVE })
}

fn vmtest_cmd(args: VmtestArgs) -> CliResult {
    run_vmtest(&args)
}

fn doctor_cmd(install: bool) -> CliResult {
    let survey = vm::doctor::survey();
    for t in &survey {
        match &t.path {
            Some(p) => render::line(&format!("ok       {:<8} {}", t.name, p.display())),
            None => render::line(&format!("missing  {:<8} (Debian package {})", t.name, t.package)),
        }
    }
    let missing = vm::doctor::missing_packages();
    if missing.is_empty() {
        return Ok(exit::OK);
    }
    if !install {
        render::line(&format!("install with: apt-get install {}", missing.join(" ")));
        return Ok(exit::UNAVAILABLE);
    }
    install_missing()?;
    Ok(exit::OK)
}

/// apt-get install the Debian packages of every missing host tool.
fn install_missing() -> Result<(), CliError> {
    let missing = vm::doctor::missing_packages();
    if missing.is_empty() {
        return Ok(());
    }
    render::status(&format!("installing {}", missing.join(" ")));
    let update = std::process::Command::new("apt-get")
        .args(["update", "-q"])
        .status()
        .map_err(|e| CliError::new(exit::UNAVAILABLE, format!("apt-get: {e}")))?;
    if !update.success() {
        return Err(CliError::new(exit::UNAVAILABLE, "apt-get update failed (run as root?)"));
    }
    let status = std::process::Command::new("apt-get")
        .args(["install", "-y", "--no-install-recommends"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .map_err(|e| CliError::new(exit::UNAVAILABLE, format!("apt-get: {e}")))?;
    if status.success() && vm::doctor::missing_packages().is_empty() {
        Ok(())
    } else {
        Err(CliError::new(
            exit::UNAVAILABLE,
            "apt-get install did not provide every tool (run as root?)",
        ))
    }
}

fn check_cmd(args: CheckArgs) -> CliResult {
    let tree = open_tree(&args.tree)?;
    let mut series = Vec::new();
    for p in &args.patches {
        series.push(mail::read_series(p).map_err(|e| CliError::new(exit::BAD_INPUT, e))?);
    }
    let report = flags::audit(
        &tree,
        &flags::Options {
            series,
            only_files: None,
        },
    )
    .map_err(|e| CliError::new(exit::BAD_INPUT, e))?;
    if args.json {
        render::json(&report);
    } else {
        render::check_report(&report);
    }
    Ok(if report.errors > 0 { exit::NEGATIVE } else { exit::OK })
}

fn validate_cmd(args: ValidateArgs) -> CliResult {
    let series = read_series(&args.patches)?;
    if args.install {
        install_missing()?;
    }
    let target = match &args.tree {
        Some(t) => {
            open_tree(t)?;
            validate::Target::Tree(t.clone())
        }
        None => {
            let raw: Vec<String> = if args.patches.is_empty() {
                vec![mail::BUNDLED.to_string()]
            } else {
                args.patches
                    .iter()
                    .map(|p| std::fs::read_to_string(p).unwrap_or_default())
                    .collect()
            };
            validate::Target::Debian {
                version: args.debian.clone(),
                key: validate::series_key(&raw),
            }
        }
    };
    // validate fills in the tree once it has prepared it.
    let opts = vm_options(PathBuf::new(), &args.vm, vm::Suite::Kfunc, None, None);
    let mut progress = render::Progress::new();
    let report = validate::run(&target, &series, &opts, &mut |e| progress.event(e));
    drop(progress);
    let report = report.map_err(|e| CliError::new(e.exit_code(), e))?;
    render::apply_outcome(&report.apply);
    for f in &report.check_findings {
        render::line(&format!("check: {:?}: {}", f.level, f.message));
    }
    render::line(&format!("check: {} error(s)", report.check_errors));
    render::vm_report(&report.vmtest);
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report).expect("report serializes");
        std::fs::write(path, text + "\n")
            .map_err(|e| CliError::new(exit::BAD_INPUT, format!("{}: {e}", path.display())))?;
    }
    render::line(if report.ok { "validate: OK" } else { "validate: FAILED" });
    Ok(if report.ok { exit::OK } else { exit::NEGATIVE })
}

fn regen_cmd(args: RegenArgs) -> CliResult {
    let tree = open_tree(&args.tree)?;
    let from = match &args.from {
        Some(f) => mail::Person::parse(f)
            .ok_or_else(|| CliError::new(exit::BAD_INPUT, format!("--from `{f}`: expected \"Name <mail>\"")))?,
        None => mail::bundled().patches[0]
            .author
            .clone()
            .expect("the bundled RFC has an author"),
    };
    let opts = regen::Options {
        flag: args.flag.clone(),
        bit: args.bit,
        rfc: args.rfc,
        version: args.reroll_count,
        from,
        date: chrono::Local::now().fixed_offset(),
        out_dir: args.output_directory.clone(),
        cover_letter: args.cover_letter,
        with_selftests: args.with_selftests,
    };
    let outcome = regen::run(&tree, &opts).map_err(|e| CliError::new(e.exit_code(), e))?;
    let mut code = exit::OK;
    // With --json, stdout carries only the JSON document; the human lines go to stderr.
    let say = |line: &str| {
        if args.json {
            render::status(line)
        } else {
            render::line(line)
        }
    };
    match &outcome {
        regen::Outcome::MergedUpstream { flag, line } => {
            say(&format!(
                "merged upstream as {flag} (include/linux/btf.h:{line}); nothing written"
            ));
            code = exit::EQUIVALENT_UPSTREAM;
        }
        regen::Outcome::Generated {
            era,
            bit,
            bit_note,
            files,
            added,
            removed,
        } => {
            say(&format!(
                "era {era}: {} at bit {bit}{}, +{added} -{removed} lines",
                args.flag,
                bit_note.as_ref().map(|n| format!(" ({n})")).unwrap_or_default()
            ));
            for f in files {
                say(&f.display().to_string());
            }
            if args.check_style {
                for f in files.iter().filter(|f| !f.ends_with("0000-cover-letter.patch")) {
                    let style = regen::check_style(&tree, f)
                        .map_err(|e| CliError::new(exit::UNAVAILABLE, format!("checkpatch.pl: {e}")))?;
                    say(&format!(
                        "checkpatch {}: {}",
                        f.file_name().and_then(|n| n.to_str()).unwrap_or(""),
                        style.summary
                    ));
                    for remark in &style.remarks {
                        say(&format!("  {remark}"));
                    }
                    if !style.clean {
                        code = exit::NEGATIVE;
                    }
                }
            }
        }
    }
    if args.json {
        render::json(&outcome);
    }
    Ok(code)
}
