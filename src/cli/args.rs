//! Argument definitions (clap derive): one `Args` struct per command.

use crate::output::progress::ProgressMode;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "kfpatch",
    version,
    about = "Apply, heal, regenerate, check and VM-test the KF_SPIN_LOCK kfunc series on Linux kernel trees"
)]
pub struct Cli {
    /// How progress is drawn on stderr: a spinner on a terminal (auto), plain lines, one JSON
    /// event per line, or nothing.
    #[arg(long, global = true, value_enum, default_value = "auto")]
    pub progress: ProgressMode,
    #[command(subcommand)]
    pub command: Command,
}

/// `--json` (the JSON document on stdout instead of the report) or `--json=FILE` (the report
/// on stdout, the document in FILE); every document has a `schema` field.
#[derive(Debug, Args, Clone, Default)]
pub struct JsonArg {
    #[arg(long = "json", value_name = "FILE", num_args = 0..=1, require_equals = true)]
    pub json: Option<Option<PathBuf>>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply a series (mail, mbox or diff; default: the bundled RFC), healing whitespace damage.
    Apply(ApplyArgs),
    /// Regenerate the KF_SPIN_LOCK change for this tree's code shape as a format-patch mail.
    Regen(RegenArgs),
    /// Check that KF_* kfunc flag bits are unique and consistent (now, and after --patch series).
    Check(CheckArgs),
    /// Say which tree (or commit) a series was made for, from the preimage blobs its index lines name.
    Base(BaseArgs),
    /// The whole job: apply the series, check flag bits, and prove it in a VM (default: bundled RFC on Debian 7.2).
    Validate(ValidateArgs),
    /// The series on every tree a backport check cares about: apply or regenerate, check, build, VM (default: four Debian trees).
    Matrix(MatrixArgs),
    /// Rebuild the kernel and prove in QEMU what its verifier does with kfuncs under bpf_spin_lock.
    Vmtest(VmtestArgs),
    /// List the host tools the VM test needs, with Debian package names.
    Doctor(DoctorArgs),
    /// Fetch and locate Debian kernel source trees in the cache.
    #[command(subcommand)]
    Tree(TreeCommand),
    /// The manual page (roff), from these definitions: kfpatch(1) on stdout, or every page into DIR.
    Man {
        /// Write kfpatch.1 and one kfpatch-COMMAND.1 per command here.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// A shell completion script, from these definitions, on stdout.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
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
    #[command(flatten)]
    pub json: JsonArg,
    /// First install missing host tools with apt-get (as root), like `doctor --install`.
    #[arg(long)]
    pub install: bool,
    /// Patch files; default: the bundled RFC.
    pub patches: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct MatrixArgs {
    /// Debian linux-source versions, comma-separated (default with no --tree: 6.1,6.12,7.2,7.3).
    #[arg(long, value_delimiter = ',')]
    pub debian: Vec<String>,
    /// A kernel tree of yours (repeatable); worked on in a hard-linked copy.
    #[arg(long = "tree", value_name = "DIR")]
    pub trees: Vec<PathBuf>,
    #[command(flatten)]
    pub vm: VmArgs,
    #[command(flatten)]
    pub json: JsonArg,
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
    pub bit: crate::ops::regen::BitChoice,
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
    /// Words in place of `PATCH`, as format-patch's (`"PATCH bpf-next"`).
    #[arg(long, value_name = "TEXT", conflicts_with = "stable")]
    pub subject_prefix: Option<String>,
    /// Write `base-commit:` (git work trees): `auto` is HEAD.
    #[arg(long, value_name = "COMMIT", num_args = 0..=1, default_missing_value = "auto")]
    pub base: Option<String>,
    /// Write the stable-backport form for series X.Y (`[PATCH X.Y.y]`, a note of the changes).
    #[arg(long, value_name = "X.Y")]
    pub stable: Option<String>,
    /// A previous version (mbox, mail, or a directory of them) to compare with by
    /// `git range-diff`; the cover letter gets "Changes in vN" and the range-diff.
    #[arg(long, value_name = "OLD")]
    pub compare_to: Option<PathBuf>,
    /// The upstream commit the stable backport is of (`commit <SHA> upstream.`).
    #[arg(long, value_name = "SHA", requires = "stable")]
    pub upstream: Option<String>,
    #[command(flatten)]
    pub json: JsonArg,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Kernel tree to check.
    #[arg(long, default_value = ".")]
    pub tree: PathBuf,
    /// Also evaluate the tree as each of these series would leave it (repeatable).
    #[arg(long = "patch", value_name = "FILE")]
    pub patches: Vec<PathBuf>,
    /// Read one mail on stdin and print only its own findings, one `FILE:LINE: ERROR|WARNING:`
    /// line each (nothing when clean), as b4's per-patch check command expects.
    #[arg(long, conflicts_with = "patches")]
    pub mail: bool,
    #[command(flatten)]
    pub json: JsonArg,
}

#[derive(Debug, Args)]
pub struct BaseArgs {
    /// A kernel tree of yours (repeatable); a git work tree's history is searched too.
    #[arg(long = "tree", value_name = "DIR")]
    pub trees: Vec<PathBuf>,
    /// Debian linux-source versions, comma-separated (default with no --tree: 6.1,6.12,7.2,7.3).
    #[arg(long, value_delimiter = ',')]
    pub debian: Vec<String>,
    /// How many commits back from HEAD a git tree's history is searched.
    #[arg(long, value_name = "N", default_value_t = crate::ops::base::DEFAULT_MAX_COMMITS)]
    pub max_commits: usize,
    #[command(flatten)]
    pub json: JsonArg,
    /// Patch files; default: the bundled RFC.
    pub patches: Vec<PathBuf>,
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
    pub accel: crate::ops::vm::qemu::Accel,
    /// Seconds before the VM is killed.
    #[arg(long, default_value_t = 180)]
    pub timeout: u64,
    /// clang for the BPF programs (e.g. clang-19); default: the newest installed.
    #[arg(long, value_name = "CMD")]
    pub clang: Option<String>,
    /// What stdout gets: the report, KTAP (the kernel's test format), or a KCIDB document.
    #[arg(long, value_enum, default_value = "human")]
    pub format: crate::output::ReportFormat,
    /// kfunc: kfpatch's own module and programs (fast); test_progs: the tree's own selftests.
    #[arg(long, value_enum, default_value = "kfunc")]
    pub suite: crate::ops::vm::Suite,
    /// test_progs: more tests or subtests to run (test_progs' -a; comma-separated, globs).
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub allow: Vec<String>,
    /// test_progs: tests to leave out, beside the tree's DENYLIST (test_progs' -d).
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub deny: Vec<String>,
    /// A ccache remote storage runners share: redis://HOST:PORT or http://HOST:PORT/PATH.
    #[arg(long, value_name = "URL", env = "KFPATCH_CACHE_URL")]
    pub cache_url: Option<String>,
    /// Stop after the compile gate: configure, compile the touched files and the verifier.
    #[arg(long)]
    pub gate_only: bool,
    /// The kfunc suite's guest root: initramfs (default; the leanest kernel) or 9p (the host's).
    #[arg(long, value_enum, value_name = "ROOT")]
    pub guest_root: Option<crate::ops::vm::qemu::GuestRootKind>,
}

#[derive(Debug, Args)]
pub struct VmtestArgs {
    /// Kernel tree to build and test.
    #[arg(long, default_value = ".")]
    pub tree: PathBuf,
    #[command(flatten)]
    pub vm: VmArgs,
    /// Flag for the test module's safe kfunc; default: KF_SPIN_LOCK or KF_SPINLOCK_SAFE as the tree defines.
    #[arg(long)]
    pub flag: Option<String>,
    #[command(flatten)]
    pub json: JsonArg,
    /// Debug: make the guest panic or hang, to see the failure reported.
    #[arg(long, value_enum)]
    pub inject: Option<crate::ops::vm::Inject>,
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
    /// Fail at once (exit 2) while another kfpatch writes the tree, instead of waiting for it.
    #[arg(long)]
    pub no_wait: bool,
    /// Commit each patch (git2) with the mail's author, date and message.
    #[arg(long)]
    pub commit: bool,
    /// Write the healed series as clean format-patch mails to FILE.
    #[arg(long, value_name = "FILE")]
    pub emit_healed: Option<PathBuf>,
    /// Refuse (exit 1) a healed file that its mail's postimage blob id does not prove.
    #[arg(long)]
    pub require_proof: bool,
    #[command(flatten)]
    pub json: JsonArg,
    /// Patch files (mail, format-patch, mbox, bare diff); default: the bundled RFC.
    pub patches: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Install what is missing with apt-get (as root).
    #[arg(long)]
    pub install: bool,
    /// Say which pahole and clang `--suite test_progs` gets on this tree, and which fixups
    /// (repeatable); default: every Debian tree in the cache.
    #[arg(long = "tree", value_name = "DIR")]
    pub trees: Vec<PathBuf>,
    /// Also fetch the toolchains those plans need into the cache now (a runner image can
    /// carry them), instead of on the first `--suite test_progs` run.
    #[arg(long)]
    pub fetch: bool,
    #[command(flatten)]
    pub json: JsonArg,
}

#[derive(Debug, Subcommand)]
pub enum TreeCommand {
    /// Download and unpack linux-source-VERSION (e.g. 7.2) into the cache; print its path.
    Fetch {
        #[arg(required = true)]
        versions: Vec<String>,
        #[command(flatten)]
        json: JsonArg,
    },
    /// Print where linux-source-VERSION is (or would be) unpacked.
    Path {
        version: String,
        #[command(flatten)]
        json: JsonArg,
    },
}
