//! The command line: clap definitions, turning arguments into each operation's options, and
//! mapping results to output and exit codes. No logic of its own lives here.
#![allow(clippy::print_stderr)]

use crate::{apply, exit, mail, render, tree};
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
    /// Fetch and locate Debian kernel source trees in the cache.
    #[command(subcommand)]
    Tree(TreeCommand),
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
