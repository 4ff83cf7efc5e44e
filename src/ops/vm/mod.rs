//! Rebuild a kernel tree and prove, in a QEMU guest, what its verifier does with module kfuncs
//! called under bpf_spin_lock.
//!
//! Steps: check host tools → configure (`config`) → `make O=… bzImage modules` (incremental,
//! ccache) → build the test module and BPF programs (`build`) → pick KVM or TCG (`qemu`) →
//! boot with the suite's init → parse the console (`guest`) → [`VmReport`].

pub mod build;
pub mod cache;
pub mod config;
pub mod fixups;
pub mod gate;
pub mod guest;
pub mod initramfs;
pub mod process;
pub mod qemu;
pub mod report;
pub mod reproduce;
pub mod selftests;
pub mod toolchain;

pub use report::{CaseResult, Status, VmReport};

use super::Context;
use crate::kernel::host_tools::{self, HostToolError};
use crate::kernel::{flagdefs, journal, KernelTree};
use qemu::{Accel, GuestRootKind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum VmError {
    /// A host tool is missing or the VM could not start (exit 69).
    #[error("{0}")]
    Unavailable(String),
    /// The kernel configuration lost required options (exit 69: host tools, usually pahole).
    #[error("{0}")]
    Config(String),
    /// The compile gate stopped at a compiler error (exit 1: the series does not compile).
    #[error("compile gate: {error} (log: {})", log.display())]
    Compile { error: String, log: PathBuf },
    /// A build step failed; the tail of its log says why (exit 1: the tree does not build).
    #[error("{what} failed (log: {}):\n{tail}", log.display())]
    Step { what: String, log: PathBuf, tail: String },
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("template: {0}")]
    Template(#[from] minijinja::Error),
    #[error(transparent)]
    Journal(#[from] crate::kernel::journal::JournalError),
}

impl From<HostToolError> for VmError {
    fn from(e: HostToolError) -> VmError {
        VmError::Unavailable(e.0)
    }
}

impl VmError {
    pub fn io(path: &Path, source: std::io::Error) -> VmError {
        VmError::Io {
            path: path.to_path_buf(),
            source,
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

/// How to build and boot, whatever the tree (shared by vmtest, validate and matrix).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Default: `~/.cache/kfpatch/build/<tree name>-<hash of its path>`.
    pub build_dir: Option<PathBuf>,
    pub jobs: usize,
    pub accel: Accel,
    pub timeout: Duration,
    /// clang command or path for BPF objects; default: the newest one installed.
    pub clang: Option<String>,
    pub suite: Suite,
    /// test_progs: tests beside the suite's own (`-a`), and tests to leave out beside the
    /// tree's DENYLIST (`-d`).
    pub allow: Vec<String>,
    pub deny: Vec<String>,
    /// A ccache remote storage runners share (`redis://…`, `http://…`).
    pub cache_url: Option<String>,
    /// Stop after the compile gate: does the series compile (no full build, no boot)?
    pub gate_only: bool,
    /// The kfunc suite's guest root; default: an initramfs (test_progs always uses 9p).
    pub guest_root: Option<GuestRootKind>,
}

/// The machine's one kernel-build slot: a lock file in the cache, held from configure to the
/// last test program. Runs in other processes or threads (the matrix's rows, parallel tests)
/// never build two kernels at once on a small machine, while one boots as the next builds.
fn build_slot(ctx: &Context) -> Result<std::fs::File, VmError> {
    let dir = ctx.cache_root.join("build");
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let path = dir.join(".kfpatch-build.lock");
    let file = std::fs::File::create(&path).map_err(io(&path))?;
    if file.try_lock().is_err() {
        let waited = Instant::now();
        ctx.notice("waiting for another kfpatch kernel build to finish");
        file.lock().map_err(io(&path))?;
        ctx.log(format!(
            "waited {:.0} s for the build slot",
            waited.elapsed().as_secs_f64()
        ));
    }
    Ok(file)
}

#[derive(Debug, Clone)]
pub struct Options {
    pub tree: KernelTree,
    pub settings: Settings,
    /// Flag the test module marks its safe kfunc with; default: the one the tree defines.
    pub flag: Option<String>,
    pub inject: Option<Inject>,
    /// Files the series touches (tree-relative): the compile gate compiles their `.c` files.
    pub touched: Vec<String>,
}

/// Where a tree's build lives unless told otherwise: inside a work copy kfpatch made
/// (`work_copy_build_dir`), else in the cache (`legacy_build_dir`).
pub fn default_build_dir(cache_root: &Path, tree: &Path) -> PathBuf {
    let tree = canonical(tree);
    work_copy_build_dir(cache_root, &tree).unwrap_or_else(|| legacy_build_dir(cache_root, &tree))
}

fn canonical(tree: &Path) -> PathBuf {
    tree.canonicalize().unwrap_or_else(|_| tree.to_path_buf())
}

/// A work copy kfpatch made (under `<cache>/work/`, `canonical` resolved) builds in a directory
/// of its own, `<copy>/.kfpatch-build` (hidden: tree walks skip it, and the kernel's own
/// `.gitignore` ignores it): Kbuild names the sources of a build directory that is a direct
/// child of the tree as `..`, so every compiler command is the same in every work copy of one
/// kernel version and ccache serves the objects another series' copy already compiled
/// (elsewhere Kbuild names the tree by its absolute path, which differs per copy). Any other
/// tree is the user's: nothing is written into it.
fn work_copy_build_dir(cache_root: &Path, canonical: &Path) -> Option<PathBuf> {
    let work = self::canonical(&cache_root.join("work"));
    (canonical.parent() == Some(work.as_path())).then(|| canonical.join(".kfpatch-build"))
}

/// `<cache>/build/<tree>-<hash of its path>` (`canonical` resolved): a user's tree's build
/// directory, and every tree's before work copies had their own.
fn legacy_build_dir(cache_root: &Path, canonical: &Path) -> PathBuf {
    let name = canonical
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("tree")
        .to_string();
    let hash = crate::kernel::blob_id(&canonical.display().to_string());
    cache_root.join("build").join(format!("{name}-{}", &hash[..8]))
}

/// A work copy's kfunc build directory from before it moved inside the copy: its objects name
/// the copy by absolute path, so nothing in it is reused; it is removed (it holds about a
/// gigabyte).
fn remove_legacy_build_dir(ctx: &Context, tree: &Path, build_dir: &Path) {
    let tree = canonical(tree);
    if work_copy_build_dir(&ctx.cache_root, &tree).as_deref() != Some(build_dir) {
        return;
    }
    let old = legacy_build_dir(&ctx.cache_root, &tree);
    if old.is_dir() && std::fs::remove_dir_all(&old).is_ok() {
        ctx.notice(format!(
            "removed {}: this work copy now builds in {}",
            old.display(),
            build_dir.display()
        ));
    }
}

/// The flag the tree defines for "callable under bpf_spin_lock", if any.
pub fn tree_lock_flag(tree: &KernelTree) -> Option<String> {
    let text = tree.read("include/linux/btf.h").ok()?;
    let defines = flagdefs::defines(&text);
    ["KF_SPIN_LOCK", "KF_SPINLOCK_SAFE"]
        .iter()
        .find(|n| defines.iter().any(|d| d.name == **n))
        .map(|n| n.to_string())
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> VmError + '_ {
    move |e| VmError::io(path, e)
}

/// Build, boot and judge. Infrastructure problems are errors; test outcomes are in the report.
pub fn run(ctx: &Context, opts: &Options) -> Result<VmReport, VmError> {
    let total = Instant::now();
    let settings = &opts.settings;
    let mut tools = host_tools::require_for_vmtest()?;
    if let Some(clang) = &settings.clang {
        tools.clang = host_tools::resolve(clang)?;
    }
    let tree = &opts.tree;
    let root = &tree.root;
    // Never build a tree an interrupted apply left half written, and let no apply change it
    // while it builds: the tree's lock is held until the test programs are built.
    let (tree_lock, _) = journal::lock_and_recover(&ctx.cache_root, &tree.root, true, |t| ctx.notice(t))?;
    // Before minutes of kernel build: the selftests cannot build with a pahole (or clang) the
    // tree needs newer, so kfpatch fetches one for this tree; its own programs declare their
    // kfuncs and do not mind an old pahole.
    let toolchain = match settings.suite {
        Suite::TestProgs => toolchain::provide(ctx, root, &mut tools, settings.clang.is_some())?,
        Suite::Kfunc => {
            if let Some(problem) = host_tools::pahole_too_old(root, &tools.pahole) {
                ctx.notice(problem);
            }
            vec![]
        }
    };
    let build_dir = settings.build_dir.clone().unwrap_or_else(|| match settings.suite {
        Suite::Kfunc => default_build_dir(&ctx.cache_root, root),
        // Another config: another build directory, so neither rebuilds the other's kernel. Never
        // inside the tree: the selftests build from a copy of it under the build directory.
        Suite::TestProgs => {
            let dir = legacy_build_dir(&ctx.cache_root, &canonical(root));
            dir.with_file_name(format!(
                "{}-selftests",
                dir.file_name().and_then(|n| n.to_str()).unwrap_or("tree")
            ))
        }
    });
    if settings.build_dir.is_none() && settings.suite == Suite::Kfunc {
        remove_legacy_build_dir(ctx, root, &build_dir);
    }
    std::fs::create_dir_all(&build_dir).map_err(io(&build_dir))?;
    let work = build_dir.join("kfpatch");
    std::fs::create_dir_all(&work).map_err(io(&work))?;

    // Released (the file closed) once the test programs are built.
    let slot = build_slot(ctx)?;
    let t = Instant::now();
    // The kfunc suite boots from an initramfs unless told otherwise; the selftests and their
    // tools are too many to pack and come over 9p.
    let root_kind =
        match (settings.suite, settings.guest_root) {
            (Suite::TestProgs, Some(GuestRootKind::Initramfs)) => return Err(VmError::Unavailable(
                "--suite test_progs boots with the host's root over 9p; --guest-root initramfs is for the kfunc suite"
                    .into(),
            )),
            (Suite::TestProgs, _) => GuestRootKind::HostOver9p,
            (Suite::Kfunc, chosen) => chosen.unwrap_or(GuestRootKind::Initramfs),
        };
    let fragment = work.join("kernel.config");
    let (root_template, _) = config::guest_root_config(root_kind);
    let root_fragment = work.join(root_template.trim_start_matches("vm/"));
    let mut fragments = vec![fragment.clone(), root_fragment.clone()];
    // The kfunc suite needs little and builds fast on tinyconfig; the selftests' fragments
    // assume a full base (FTRACE, BLOCK, cgroups, net devices), as upstream's own VM runs do.
    let base = match settings.suite {
        Suite::Kfunc => "tinyconfig",
        Suite::TestProgs => {
            fragments.extend(selftests::fragments(root));
            "defconfig"
        }
    };
    ctx.stage("configure", || {
        for (file, template) in [(&fragment, "vm/kernel.config"), (&root_fragment, root_template)] {
            std::fs::write(file, crate::template::raw(template).expect("embedded")).map_err(io(file))?;
        }
        let config_log = work.join("configure.log");
        let _ = std::fs::remove_file(&config_log);
        config::configure(
            root,
            &build_dir,
            base,
            &fragments,
            &tools.make_vars(),
            root_kind,
            &config_log,
        )
    })?;
    let configure_s = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let compiler = cache::choose_compiler(&build_dir, tools.ccache.is_some());
    if compiler.unusual {
        ctx.notice(format!("compiler `{}`: {}", compiler.cc, compiler.why));
    }
    let ccache = cache::CcacheRun {
        cache_root: ctx.cache_root.clone(),
        remote: settings.cache_url.clone(),
        stats_log: work.join("ccache-stats.log"),
    };
    ccache.reset();
    let compile = build::Compile {
        jobs: settings.jobs,
        tools: &tools,
        cc: &compiler,
        cache: &ccache,
    };
    let objects = gate::objects(root, &opts.touched);
    let gate = ctx.stage("compile gate", || {
        gate::compile(root, &build_dir, &compile, objects, &work.join("gate.log"))
    })?;
    if !gate.not_built.is_empty() {
        ctx.notice(format!(
            "not built in this configuration: {}",
            gate.not_built.join(", ")
        ));
    }
    let mut facts = report::BuildFacts {
        compiler: Some(compiler.clone()),
        gate: Some(gate),
        cache: None,
    };
    if settings.gate_only {
        facts.cache = compiler.uses_ccache().then(|| ccache.stats());
        return Ok(report::gate_only(
            settings.suite,
            root,
            &build_dir,
            facts,
            configure_s,
            total.elapsed().as_secs_f64(),
        ));
    }
    ctx.stage("build", || {
        build::kernel(ctx, root, &build_dir, &compile, &work.join("build.log"))
    })?;
    facts.cache = compiler.uses_ccache().then(|| ccache.stats());
    let defined = tree_lock_flag(tree);
    let flag = opts
        .flag
        .clone()
        .or_else(|| defined.clone())
        .unwrap_or_else(|| "KF_SPIN_LOCK".into());
    let flag_defined = defined.as_deref() == Some(flag.as_str());
    if !flag_defined {
        ctx.notice(format!(
            "{flag} is not defined in this tree: the flagged kfunc is built unflagged"
        ));
    }
    let artifacts = ctx.stage("test programs", || {
        build::suite(tree, &build_dir, &work, &flag, &tools, opts.inject, root_kind)
    })?;
    let selftests_out = work.join("selftests");
    let mut selftests_setup = None;
    let init = match settings.suite {
        Suite::Kfunc => artifacts.init.clone(),
        Suite::TestProgs => {
            // The selftests build in a copy of the tree, with the fixups this tree needs.
            let source = work.join("source");
            let fixups = ctx.stage("selftests source", || {
                fixups::source_copy(root, &source)?;
                fixups::apply(root, &source, tree.major_minor())
            })?;
            for f in &fixups {
                ctx.notice(format!("fixup {} ({}): {}", f.name, f.status, f.title));
            }
            let run = selftests::run_spec(&source, &selftests_out, &settings.allow, &settings.deny)?;
            let init = ctx.stage("selftests build", || {
                selftests::build(
                    ctx,
                    &source,
                    &build_dir,
                    &selftests_out,
                    settings.jobs,
                    &tools,
                    &work.join("selftests.log"),
                )?;
                selftests::init(&work, &selftests_out, &tools, &run)
            })?;
            selftests_setup = Some(selftests::Setup {
                source,
                tools: toolchain.clone(),
                fixups,
                run,
            });
            init
        }
    };
    let build_s = t.elapsed().as_secs_f64();
    drop(slot);
    drop(tree_lock);

    let kernel = build_dir.join("arch/x86/boot/bzImage");
    let mut spec = qemu::BootSpec {
        kernel,
        root: match settings.suite {
            Suite::Kfunc => artifacts.root.clone(),
            Suite::TestProgs => qemu::GuestRoot::HostOver9p,
        },
        init,
        accel: Accel::Tcg,
        memory_mb: 1024,
        cpus: settings.jobs.clamp(1, 4) as u32,
        extra_cmdline: vec![],
    };
    let mut accel_notice = None;
    spec.accel = match settings.accel {
        Accel::Tcg => Accel::Tcg,
        Accel::Kvm => Accel::Kvm,
        Accel::Auto => {
            // Whether KVM guests run is a fact of the host: probe once per process (the
            // matrix's rows wait for the first probe instead of each booting their own).
            static KVM_PROBE: std::sync::Mutex<Option<Result<(), String>>> = std::sync::Mutex::new(None);
            let mut known = KVM_PROBE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let probe = known
                .get_or_insert_with(|| {
                    ctx.stage("probe KVM", || {
                        qemu::kvm_works(&spec, &artifacts.kvm_probe_init, &work.join("kvm-probe.log"))
                    })
                })
                .clone();
            drop(known);
            match probe {
                Ok(()) => Accel::Kvm,
                Err(why) => {
                    let notice = format!("KVM unusable here ({why}); using TCG");
                    ctx.notice(notice.clone());
                    accel_notice = Some(notice);
                    Accel::Tcg
                }
            }
        }
    };
    if opts.inject == Some(Inject::Panic) {
        let missing = Path::new("/kfpatch-injected-missing-init");
        spec.extra_cmdline.push(qemu::init_word(&spec.root, missing));
        if matches!(spec.root, qemu::GuestRoot::Initramfs(_)) {
            // A missing rdinit= falls back to /bin/sh of the initramfs (and waits on the
            // console); a missing init= as well is a panic ("Requested init … failed").
            spec.extra_cmdline
                .push(qemu::init_word(&qemu::GuestRoot::HostOver9p, missing));
        }
    }
    let console_log = work.join("console.log");
    let boot = ctx.stage("boot and test", || {
        qemu::boot(&spec, qemu::Limits::total(settings.timeout), &console_log)
            .map_err(|e| VmError::Unavailable(format!("cannot start {}: {e}", qemu::QEMU)))
    })?;
    let console = guest::parse_console(&boot.console);
    let mut report = report::judge(report::Inputs {
        suite: settings.suite,
        tree: root,
        build_dir: &build_dir,
        accel: spec.accel,
        accel_notice,
        flag,
        flag_defined,
        lock_refusals: crate::kernel::verifier::lock_refusals(tree),
        clang: tools.clang.clone(),
        toolchain: tools.toolchain(qemu::QEMU),
        console,
        boot: &boot,
        console_log,
        selftests: selftests_setup,
        build: facts,
        configure_s,
        build_s,
        total_s: total.elapsed().as_secs_f64(),
    });
    if !report.ok {
        // How to see this failure again by hand: the same commands, the same comparison.
        // Without the shared cache (its URL may hold a password) or this run's stats log.
        let local_cache = cache::CcacheRun {
            remote: None,
            stats_log: work.join("ccache-stats.reproduce.log"),
            ..ccache.clone()
        };
        let commands = reproduce::Commands {
            configure: config::commands(root, &build_dir, base, &fragments, &tools.make_vars()).into(),
            base: base.to_string(),
            build: build::kernel_command(
                root,
                &build_dir,
                &build::Compile {
                    cache: &local_cache,
                    ..compile.clone()
                },
            ),
            qemu: {
                let mut cmd = std::process::Command::new(qemu::QEMU);
                cmd.args(qemu::qemu_args(&spec));
                cmd
            },
            timeout_s: settings.timeout.as_secs(),
        };
        let path = work.join("reproduce.sh");
        match reproduce::write(&path, &report, &tree.version, &boot.console, &commands) {
            Ok(()) => report.reproducer = Some(path),
            Err(e) => ctx.notice(format!("{}: cannot write the reproducer: {e}", path.display())),
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_work_copy_builds_inside_itself_and_a_users_tree_in_the_cache() {
        let cache = tempfile::tempdir().unwrap();
        let copy = cache.path().join("work/linux-source-7.2-2db96a88");
        std::fs::create_dir_all(&copy).unwrap();
        let copy = copy.canonicalize().unwrap();
        // A direct child of the tree: Kbuild's srctree is `..` there.
        assert_eq!(default_build_dir(cache.path(), &copy), copy.join(".kfpatch-build"));

        let user = tempfile::tempdir().unwrap();
        let built = default_build_dir(cache.path(), user.path());
        assert!(built.starts_with(cache.path().join("build")), "{}", built.display());
        // A directory deeper under work/ is not a work copy either.
        let deeper = copy.join("tools");
        std::fs::create_dir_all(&deeper).unwrap();
        assert!(default_build_dir(cache.path(), &deeper).starts_with(cache.path().join("build")));
    }
}
