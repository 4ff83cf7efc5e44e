//! Building what the guest runs: the kernel (`make O=… bzImage modules`, incremental, through
//! ccache when present), the test module against that build, `vmlinux.h` from its BTF, and
//! the BPF programs with clang `-target bpf`, and the guest's initramfs (the kfunc suite).

use super::cache::{CcacheRun, Compiler};
use super::initramfs::Initramfs;
use super::process::{log_tail, run_logged, run_with_progress};
use super::qemu::{GuestRoot, GuestRootKind};
use super::{guest, Inject, VmError};
use crate::kernel::host_tools::Tools;
use crate::kernel::KernelTree;
use crate::ops::Context;
use crate::template;
use minijinja::context;
use std::path::{Path, PathBuf};
use std::process::Command;

/// How the kernel's objects are compiled in one build step: the compiler the build directory
/// keeps, through ccache (and its shared remote, if any) when that is it.
#[derive(Debug, Clone)]
pub struct Compile<'a> {
    pub jobs: usize,
    pub tools: &'a Tools,
    pub cc: &'a Compiler,
    pub cache: &'a CcacheRun,
}

impl Compile<'_> {
    /// `make -C TREE O=BUILD -jN [PAHOLE=] CC=…` and ccache's environment, before the targets.
    pub fn make(&self, tree: &Path, build: &Path) -> Command {
        let mut cmd = Command::new("make");
        cmd.arg("-C")
            .arg(tree)
            .arg(format!("O={}", build.display()))
            .arg(format!("-j{}", self.jobs.max(1)))
            .args(self.tools.make_vars())
            // The bare names, so the command Kbuild records stays the same wherever ccache lives.
            .arg(format!("CC={}", self.cc.cc))
            .envs(super::cache::build_identity(
                std::env::var("SOURCE_DATE_EPOCH").ok().as_deref(),
            ));
        if self.cc.uses_ccache() {
            self.cache.apply(&mut cmd);
        }
        cmd
    }
}

/// The kernel's `make bzImage modules` command, as run (and as a reproducer writes it).
pub fn kernel_command(tree: &Path, build: &Path, compile: &Compile) -> Command {
    let mut cmd = compile.make(tree, build);
    cmd.arg("bzImage").arg("modules");
    cmd
}

/// `make bzImage modules` with live progress (the latest target) and the log's tail on failure.
pub fn kernel(ctx: &Context, tree: &Path, build: &Path, compile: &Compile, log: &Path) -> Result<(), VmError> {
    let cmd = kernel_command(tree, build, compile);
    let ok = run_with_progress(ctx, cmd, log)?;
    if !ok {
        return Err(VmError::Step {
            what: "kernel build".into(),
            log: log.to_path_buf(),
            tail: log_tail(log, 25),
        });
    }
    Ok(())
}

/// Files the guest uses.
pub struct SuiteArtifacts {
    pub root: GuestRoot,
    /// The init and the KVM probe's init, as the guest sees them.
    pub init: PathBuf,
    pub kvm_probe_init: PathBuf,
    pub module: PathBuf,
}

fn write(path: &Path, text: &str) -> Result<(), VmError> {
    std::fs::write(path, text).map_err(|e| VmError::io(path, e))
}

fn make_executable(path: &Path) -> Result<(), VmError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).map_err(|e| VmError::io(path, e))
}

fn tree_has(tree: &KernelTree, file: &str, needle: &str) -> bool {
    tree.read(file).is_ok_and(|t| t.contains(needle))
}

/// Render and build the test module, vmlinux.h, the BPF objects and the guest init.
pub fn suite(
    tree: &KernelTree,
    build: &Path,
    work: &Path,
    flag: &str,
    tools: &Tools,
    inject: Option<Inject>,
    root_kind: GuestRootKind,
) -> Result<SuiteArtifacts, VmError> {
    let log = work.join("suite.log");
    let _ = std::fs::remove_file(&log);
    // The module: set macros and kfunc markers follow the tree's era.
    let module_dir = work.join("module");
    std::fs::create_dir_all(&module_dir).map_err(|e| VmError::io(&module_dir, e))?;
    let kfuncs_macros = tree_has(tree, "include/linux/btf_ids.h", "BTF_KFUNCS_START");
    let source = template::render(
        "vm/kfpatch_test_kmod.c.j2",
        context! {
            flag => flag,
            version => tree.version,
            set_start => if kfuncs_macros { "BTF_KFUNCS_START" } else { "BTF_SET8_START" },
            set_end => if kfuncs_macros { "BTF_KFUNCS_END" } else { "BTF_SET8_END" },
            kfunc_defs_macros => tree_has(tree, "include/linux/btf.h", "__bpf_kfunc_start_defs"),
        },
    )?;
    write(&module_dir.join("kfpatch_test_kmod.c"), &source)?;
    write(
        &module_dir.join("Makefile"),
        template::raw("vm/kfpatch_test_kmod.Makefile").expect("embedded"),
    )?;
    let mut make = Command::new("make");
    make.arg("-C")
        .arg(build)
        .arg(format!("M={}", module_dir.display()))
        // The module's BTF comes from the pahole the kernel's came from.
        .args(tools.make_vars())
        .arg("modules");
    run_logged(&mut make, &log, "test module build")?;
    let module = module_dir.join("kfpatch_test_kmod.ko");

    // vmlinux.h from the built kernel's BTF.
    let vmlinux_h = work.join("vmlinux.h");
    let out = Command::new(&tools.bpftool)
        .args(["btf", "dump", "file"])
        .arg(build.join("vmlinux"))
        .args(["format", "c"])
        .output()
        .map_err(|e| VmError::Unavailable(format!("bpftool: {e}")))?;
    if !out.status.success() {
        return Err(VmError::Step {
            what: "bpftool btf dump".into(),
            log: log.clone(),
            tail: String::from_utf8_lossy(&out.stderr).into(),
        });
    }
    write(&vmlinux_h, &String::from_utf8_lossy(&out.stdout))?;

    // One BPF object per case.
    let bpf_source = work.join("kfunc_lock.bpf.c");
    write(&bpf_source, &template::render("vm/kfunc_lock.bpf.c.j2", context! {})?)?;
    let mut cases = Vec::new();
    for case in guest::KFUNC_CASES {
        let object = work.join(format!("{}.bpf.o", case.name));
        let mut clang = Command::new(&tools.clang);
        clang
            .args(["-O2", "-g", "-target", "bpf", "-Wno-missing-declarations"])
            .arg(format!("-DKFPATCH_CASE={}", case.number))
            .arg("-I")
            .arg(work)
            .arg("-c")
            .arg(&bpf_source)
            .arg("-o")
            .arg(&object);
        run_logged(&mut clang, &log, &format!("clang -target bpf ({})", case.name))?;
        cases.push((case.name, object));
    }

    // Inside an initramfs, the guest's own paths; over 9p, the host's.
    let initramfs = root_kind == GuestRootKind::Initramfs;
    let in_guest = |host: &Path, guest: &str| {
        if initramfs {
            PathBuf::from(guest)
        } else {
            host.to_path_buf()
        }
    };
    let guest_module = in_guest(&module, "/kfpatch/kfpatch_test_kmod.ko");
    let guest_cases: Vec<_> = cases
        .iter()
        .map(|(name, object)| {
            let object = in_guest(object, &format!("/kfpatch/{name}.bpf.o"));
            context! { name => name, object => object.display().to_string() }
        })
        .collect();
    let (busybox, insmod) = if initramfs {
        ("/bin/busybox".to_string(), "/bin/busybox insmod".to_string())
    } else {
        (tools.busybox.display().to_string(), tools.insmod.display().to_string())
    };
    let reboot = format!("{busybox} reboot -f");
    let init = work.join("init.sh");
    let init_text = template::render(
        "vm/init.sh.j2",
        context! {
            inject => match inject { Some(Inject::Hang) => "hang", _ => "" },
            insmod => insmod,
            module => guest_module.display().to_string(),
            bpftool => tools.bpftool.display().to_string(),
            reboot => reboot,
            cases => guest_cases,
            keep => if initramfs { vec![] } else { guest::shadowed_by_guest_tmp(&[build]) },
        },
    )?;
    write(&init, &init_text)?;
    make_executable(&init)?;
    let kvm_probe_init = work.join("kvm-probe.sh");
    write(&kvm_probe_init, &format!("#!/bin/sh\necho KFPATCH-KVM-OK\n{reboot}\n"))?;
    make_executable(&kvm_probe_init)?;
    if !initramfs {
        return Ok(SuiteArtifacts {
            root: GuestRoot::HostOver9p,
            init,
            kvm_probe_init,
            module,
        });
    }
    let mut archive = Initramfs::new();
    archive.busybox(&tools.busybox).map_err(initramfs_error)?;
    archive.program(&tools.bpftool).map_err(initramfs_error)?;
    archive.file("/init", &init, 0o755);
    archive.file("/kvm-probe.sh", &kvm_probe_init, 0o755);
    archive.file(&guest_module.display().to_string(), &module, 0o644);
    for (name, object) in &cases {
        archive.file(&format!("/kfpatch/{name}.bpf.o"), object, 0o644);
    }
    let file = work.join("initramfs.cpio");
    archive.write(&file).map_err(initramfs_error)?;
    Ok(SuiteArtifacts {
        root: GuestRoot::Initramfs(file),
        init: "/init".into(),
        kvm_probe_init: "/kvm-probe.sh".into(),
        module,
    })
}

fn initramfs_error(e: super::initramfs::InitramfsError) -> VmError {
    VmError::Unavailable(format!("initramfs: {e}"))
}
