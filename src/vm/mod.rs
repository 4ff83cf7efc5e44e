//! Rebuild a kernel tree and prove, in a QEMU guest, what its verifier does with module kfuncs
//! called under bpf_spin_lock.
//!
//! Steps: check host tools → configure (`config`) → `make O=… bzImage modules` (incremental,
//! ccache) → build the test module and BPF programs (`build`) → pick KVM or TCG (`qemu`) →
//! boot with the suite's init → parse the console (`guest`) → [`VmReport`].

pub mod build;
pub mod config;
pub mod doctor;
pub mod guest;
pub mod qemu;
pub mod report;
pub mod selftests;

pub use report::VmReport;

use qemu::Accel;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum VmError {
    /// A host tool is missing or the VM could not start (exit 69).
    #[error("{0}")]
    Unavailable(String),
    /// The kernel configuration lost required options (exit 69: host tools, usually pahole).
    #[error("{0}")]
    Config(String),
    /// A build step failed; the tail of its log says why (exit 1: the tree does not build).
    #[error("{what} failed (log: {}):\n{tail}", log.display())]
    Step { what: String, log: PathBuf, tail: String },
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("template: {0}")]
    Template(#[from] minijinja::Error),
}

impl VmError {
    pub fn io(path: &Path, source: std::io::Error) -> VmError {
        VmError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
    pub fn exit_code(&self) -> u8 {
        match self {
            VmError::Unavailable(_) | VmError::Config(_) => crate::exit::UNAVAILABLE,
            VmError::Step { .. } => crate::exit::NEGATIVE,
            _ => crate::exit::BAD_INPUT,
        }
    }
}

/// Debug injections that prove failures are caught.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Inject {
    /// Boot with an init that does not exist: the kernel panics.
    Panic,
    /// The guest init sleeps forever: the timeout must fire.
    Hang,
}

/// What runs in the guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Suite {
    /// kfpatch's own module and three programs (fast; tinyconfig-based kernel).
    Kfunc,
    /// The tree's own test_progs -t kfunc_call -t spin_lock (kernel with the selftests' config).
    #[value(name = "test_progs")]
    TestProgs,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub suite: Suite,
    pub tree: PathBuf,
    /// Default: `~/.cache/kfpatch/build/<tree name>-<hash of its path>`.
    pub build_dir: Option<PathBuf>,
    pub jobs: usize,
    pub accel: Accel,
    pub timeout: Duration,
    /// Flag the test module marks its safe kfunc with; default: the one the tree defines.
    pub flag: Option<String>,
    pub inject: Option<Inject>,
    /// clang command or path for BPF objects; default: the newest one installed.
    pub clang: Option<String>,
}

/// Progress of a run, for the front end to draw.
#[derive(Debug, Clone)]
pub enum Event {
    /// A new step started.
    Step(&'static str),
    /// Detail within the step (the latest make target, say).
    Detail(String),
    /// A one-line notice worth keeping on screen.
    Notice(String),
}

/// Run `cmd`, appending its output to `log`; on failure, say which step and show the log's tail.
pub fn run_logged(cmd: &mut Command, log: &Path, what: &str) -> Result<(), VmError> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| VmError::io(log, e))?;
    let _ = writeln!(file, "$ {cmd:?}");
    let out = cmd
        .output()
        .map_err(|e| VmError::Unavailable(format!("{what}: cannot run {:?}: {e}", cmd.get_program())))?;
    let _ = file.write_all(&out.stdout);
    let _ = file.write_all(&out.stderr);
    if !out.status.success() {
        return Err(VmError::Step {
            what: what.to_string(),
            log: log.to_path_buf(),
            tail: log_tail(log, 20),
        });
    }
    Ok(())
}

/// Run a long `make` with its output in `log`, reporting the latest log line as progress;
/// returns whether it succeeded.
pub fn run_with_progress(mut cmd: Command, log: &Path, on_event: &mut dyn FnMut(Event)) -> Result<bool, VmError> {
    let file = std::fs::File::create(log).map_err(|e| VmError::io(log, e))?;
    let err_file = file.try_clone().map_err(|e| VmError::io(log, e))?;
    cmd.stdin(std::process::Stdio::null()).stdout(file).stderr(err_file);
    let mut child = cmd
        .spawn()
        .map_err(|e| VmError::Unavailable(format!("cannot run {:?}: {e}", cmd.get_program())))?;
    let mut last = String::new();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| VmError::io(log, e))? {
            break status;
        }
        let tail = log_tail(log, 1);
        if tail != last && !tail.is_empty() {
            on_event(Event::Detail(tail.trim().to_string()));
            last = tail;
        }
        std::thread::sleep(Duration::from_millis(300));
    };
    Ok(status.success())
}

/// The last `n` lines of a log file.
pub fn log_tail(log: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Where a tree's build lives unless told otherwise.
pub fn default_build_dir(tree: &Path) -> PathBuf {
    let canonical = tree.canonicalize().unwrap_or_else(|_| tree.to_path_buf());
    let name = canonical
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("tree")
        .to_string();
    let hash = crate::mail::write::blob_id(&canonical.display().to_string());
    crate::cache_root().join("build").join(format!("{name}-{}", &hash[..8]))
}

/// The flag the tree defines for "callable under bpf_spin_lock", if any.
pub fn tree_lock_flag(tree: &Path) -> Option<String> {
    let text = std::fs::read_to_string(tree.join("include/linux/btf.h")).ok()?;
    let defines = crate::flags::scan::defines(&text);
    ["KF_SPIN_LOCK", "KF_SPINLOCK_SAFE"]
        .iter()
        .find(|n| defines.iter().any(|d| d.name == **n))
        .map(|n| n.to_string())
}

/// Build, boot and judge. Infrastructure problems are errors; test outcomes are in the report.
pub fn run(opts: &Options, on_event: &mut dyn FnMut(Event)) -> Result<VmReport, VmError> {
    let total = Instant::now();
    let mut tools = doctor::require_for_vmtest()?;
    if let Some(clang) = &opts.clang {
        tools.clang = doctor::resolve(clang)?;
    }
    let tree = opts.tree.canonicalize().map_err(|e| VmError::io(&opts.tree, e))?;
    // Before minutes of kernel build: the selftests cannot build with a pahole the tree
    // declares too old; kfpatch's own programs declare their kfuncs and do not mind.
    if let Some(problem) = doctor::pahole_too_old(&tree, &tools.pahole) {
        match opts.suite {
            Suite::TestProgs => return Err(VmError::Unavailable(problem)),
            Suite::Kfunc => on_event(Event::Notice(problem)),
        }
    }
    let build_dir = opts.build_dir.clone().unwrap_or_else(|| {
        let dir = default_build_dir(&tree);
        match opts.suite {
            Suite::Kfunc => dir,
            // Another config: another build directory, so neither rebuilds the other's kernel.
            Suite::TestProgs => dir.with_file_name(format!(
                "{}-selftests",
                dir.file_name().and_then(|n| n.to_str()).unwrap_or("tree")
            )),
        }
    });
    std::fs::create_dir_all(&build_dir).map_err(|e| VmError::io(&build_dir, e))?;
    let work = build_dir.join("kfpatch");
    std::fs::create_dir_all(&work).map_err(|e| VmError::io(&work, e))?;

    on_event(Event::Step("configure"));
    let t = Instant::now();
    let fragment = work.join("kernel.config");
    std::fs::write(&fragment, crate::template::raw("vm/kernel.config").expect("embedded"))
        .map_err(|e| VmError::io(&fragment, e))?;
    let config_log = work.join("configure.log");
    let _ = std::fs::remove_file(&config_log);
    let mut fragments = vec![fragment];
    // The kfunc suite needs little and builds fast on tinyconfig; the selftests' fragments
    // assume a full base (FTRACE, BLOCK, cgroups, net devices), as upstream's own VM runs do.
    let base = match opts.suite {
        Suite::Kfunc => "tinyconfig",
        Suite::TestProgs => {
            fragments.extend(selftests::fragments(&tree));
            "defconfig"
        }
    };
    config::configure(&tree, &build_dir, base, &fragments, &config_log)?;
    let configure_s = t.elapsed().as_secs_f64();

    on_event(Event::Step("build"));
    let t = Instant::now();
    build::kernel(&tree, &build_dir, opts.jobs, &tools, &work.join("build.log"), on_event)?;
    let defined = tree_lock_flag(&tree);
    let flag = opts
        .flag
        .clone()
        .or_else(|| defined.clone())
        .unwrap_or_else(|| "KF_SPIN_LOCK".into());
    let flag_defined = defined.as_deref() == Some(flag.as_str());
    if !flag_defined {
        on_event(Event::Notice(format!(
            "{flag} is not defined in this tree: the flagged kfunc is built unflagged"
        )));
    }
    on_event(Event::Step("test programs"));
    let artifacts = build::suite(&tree, &build_dir, &work, &flag, &tools, opts.inject)?;
    let selftests_out = work.join("selftests");
    let init = match opts.suite {
        Suite::Kfunc => artifacts.init.clone(),
        Suite::TestProgs => {
            on_event(Event::Step("selftests build"));
            selftests::build(
                &tree,
                &build_dir,
                &selftests_out,
                opts.jobs,
                &tools,
                &work.join("selftests.log"),
                on_event,
            )?;
            selftests::init(&work, &selftests_out, &tools)?
        }
    };
    let build_s = t.elapsed().as_secs_f64();

    let kernel = build_dir.join("arch/x86/boot/bzImage");
    let mut spec = qemu::BootSpec {
        kernel,
        init,
        accel: Accel::Tcg,
        memory_mb: 1024,
        cpus: opts.jobs.clamp(1, 4) as u32,
        extra_cmdline: vec![],
    };
    let mut accel_notice = None;
    spec.accel = match opts.accel {
        Accel::Tcg => Accel::Tcg,
        Accel::Kvm => Accel::Kvm,
        Accel::Auto => {
            on_event(Event::Step("probe KVM"));
            match qemu::kvm_works(&spec, &artifacts.kvm_probe_init, &work.join("kvm-probe.log")) {
                Ok(()) => Accel::Kvm,
                Err(why) => {
                    let notice = format!("KVM unusable here ({why}); using TCG");
                    on_event(Event::Notice(notice.clone()));
                    accel_notice = Some(notice);
                    Accel::Tcg
                }
            }
        }
    };
    if opts.inject == Some(Inject::Panic) {
        spec.extra_cmdline.push("init=/kfpatch-injected-missing-init".into());
    }
    on_event(Event::Step("boot and test"));
    let console_log = work.join("console.log");
    let boot = qemu::boot(&spec, opts.timeout, &console_log)
        .map_err(|e| VmError::Unavailable(format!("cannot start {}: {e}", qemu::QEMU)))?;
    let console = guest::parse_console(&boot.console);
    Ok(report::judge(report::Inputs {
        suite: opts.suite,
        tree: &tree,
        build_dir: &build_dir,
        accel: spec.accel,
        accel_notice,
        flag,
        flag_defined,
        clang: tools.clang.clone(),
        console,
        boot: &boot,
        console_log,
        configure_s,
        build_s,
        total_s: total.elapsed().as_secs_f64(),
    }))
}
