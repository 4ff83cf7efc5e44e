//! The test kernel's configuration: tinyconfig (the kfunc suite) or defconfig (the selftests,
//! whose fragments assume a full base), plus `templates/vm/kernel.config` and the guest root's
//! fragment (`guest-initramfs.config`: no PCI, virtio, 9p or IPv4; `guest-9p.config`) merged with the
//! kernel's own `scripts/kconfig/merge_config.sh`, `olddefconfig`, then a check that every
//! option the suite needs survived (Kconfig silently drops options whose dependencies fail).

use super::process::run_logged;
use super::qemu::GuestRootKind;
use super::VmError;
use std::path::Path;
use std::process::Command;

/// Options that must be `=y` in the final `.config`, with the usual reason when one is missing.
pub const REQUIRED: &[(&str, &str)] = &[
    ("CONFIG_BPF_SYSCALL", "BPF syscall"),
    ("CONFIG_BPF_JIT", "BPF JIT"),
    (
        "CONFIG_DEBUG_INFO_BTF",
        "needs pahole >= 1.16 on the host and DWARF debug info",
    ),
    (
        "CONFIG_DEBUG_INFO_BTF_MODULES",
        "needs pahole >= 1.19 (split BTF) on the host",
    ),
    ("CONFIG_MODULES", "loadable modules"),
    ("CONFIG_MODULE_UNLOAD", "module unload"),
    ("CONFIG_NET", "tc programs and BPF_PROG_TEST_RUN"),
    ("CONFIG_SERIAL_8250_CONSOLE", "serial console for the log"),
    ("CONFIG_DEVTMPFS", "device nodes"),
    ("CONFIG_TMPFS", "writable /tmp in the guest"),
    ("CONFIG_BINFMT_ELF", "running host binaries"),
    ("CONFIG_BINFMT_SCRIPT", "the init script"),
    ("CONFIG_FUTEX", "glibc binaries (bpftool, insmod)"),
];

/// What each guest root needs beside [`REQUIRED`].
pub const REQUIRED_9P: &[(&str, &str)] = &[
    ("CONFIG_VIRTIO_PCI", "virtio transport for 9p"),
    ("CONFIG_NET_9P_VIRTIO", "9p root over virtio"),
    ("CONFIG_9P_FS", "9p root file system"),
];
pub const REQUIRED_INITRAMFS: &[(&str, &str)] = &[("CONFIG_BLK_DEV_INITRD", "the initramfs root")];

/// The fragment (under `templates/`) and the required options of a guest root.
pub fn guest_root_config(root: GuestRootKind) -> (&'static str, &'static [(&'static str, &'static str)]) {
    match root {
        GuestRootKind::Initramfs => ("vm/guest-initramfs.config", REQUIRED_INITRAMFS),
        GuestRootKind::HostOver9p => ("vm/guest-9p.config", REQUIRED_9P),
    }
}

/// Options of `config` text that are not `=y`, of [`REQUIRED`] and the root's own.
pub fn missing_required(config: &str, root: GuestRootKind) -> Vec<(&'static str, &'static str)> {
    REQUIRED
        .iter()
        .chain(guest_root_config(root).1)
        .filter(|(name, _)| !config.lines().any(|l| l.trim() == format!("{name}=y")))
        .copied()
        .collect()
}

/// The three configuration steps: `make BASE`, the tree's `merge_config.sh` with the
/// fragments, `make olddefconfig` (as run, and as a reproducer writes them).
pub fn commands(
    tree: &Path,
    build: &Path,
    base: &str,
    fragments: &[std::path::PathBuf],
    make_vars: &[String],
) -> [Command; 3] {
    let o = format!("O={}", build.display());
    let mut base_cmd = Command::new("make");
    base_cmd.arg("-C").arg(tree).arg(&o).args(make_vars).arg(base);
    let mut merge = Command::new(tree.join("scripts/kconfig/merge_config.sh"));
    merge
        .current_dir(tree)
        .arg("-m")
        .arg("-O")
        .arg(build)
        .arg(build.join(".config"))
        .args(fragments);
    let mut olddefconfig = Command::new("make");
    olddefconfig
        .arg("-C")
        .arg(tree)
        .arg(&o)
        .args(make_vars)
        .arg("olddefconfig");
    [base_cmd, merge, olddefconfig]
}

/// Write `.config` in `build` for `tree`. An unchanged result keeps the old file's modification
/// time, so the next `make` does not even re-run syncconfig.
/// `base` is the make target the fragments are merged onto (`tinyconfig`, `defconfig`).
pub fn configure(
    tree: &Path,
    build: &Path,
    base: &str,
    fragments: &[std::path::PathBuf],
    make_vars: &[String],
    root: GuestRootKind,
    log: &Path,
) -> Result<(), VmError> {
    let config = build.join(".config");
    let previous = std::fs::read(&config).ok();
    let previous_mtime = std::fs::metadata(&config).and_then(|m| m.modified()).ok();
    let [mut base_cmd, mut merge, mut olddefconfig] = commands(tree, build, base, fragments, make_vars);
    run_logged(&mut base_cmd, log, &format!("make {base}"))?;
    run_logged(&mut merge, log, "merge_config.sh")?;
    run_logged(&mut olddefconfig, log, "make olddefconfig")?;
    let text = std::fs::read_to_string(&config).map_err(|e| VmError::io(&config, e))?;
    let missing = missing_required(&text, root);
    if !missing.is_empty() {
        let names: Vec<String> = missing.iter().map(|(n, why)| format!("{n} ({why})")).collect();
        return Err(VmError::Config(format!(
            "{}: required options did not survive olddefconfig: {}",
            config.display(),
            names.join(", ")
        )));
    }
    if previous.as_deref() == Some(text.as_bytes()) {
        if let (Some(t), Ok(f)) = (previous_mtime, std::fs::File::options().write(true).open(&config)) {
            let _ = f.set_modified(t);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_options_are_named() {
        let all: String = REQUIRED
            .iter()
            .chain(REQUIRED_INITRAMFS)
            .map(|(n, _)| format!("{n}=y\n"))
            .collect();
        assert!(missing_required(&all, GuestRootKind::Initramfs).is_empty());
        let without_btf = all.replace("CONFIG_DEBUG_INFO_BTF=y\n", "# CONFIG_DEBUG_INFO_BTF is not set\n");
        let missing = missing_required(&without_btf, GuestRootKind::Initramfs);
        assert_eq!(missing.len(), 1);
        assert_eq!(missing[0].0, "CONFIG_DEBUG_INFO_BTF");
        assert!(missing[0].1.contains("pahole"));
        // The same kernel cannot boot from 9p.
        let ninep = missing_required(&all, GuestRootKind::HostOver9p);
        assert_eq!(ninep.len(), REQUIRED_9P.len());
    }

    #[test]
    fn fragments_enable_every_required_option() {
        let common = crate::template::raw("vm/kernel.config").expect("embedded");
        for root in [GuestRootKind::Initramfs, GuestRootKind::HostOver9p] {
            let (name, required) = guest_root_config(root);
            let fragment = format!("{common}{}", crate::template::raw(name).expect("embedded"));
            for (option, _) in REQUIRED.iter().chain(required) {
                assert!(
                    fragment.lines().any(|l| l == format!("{option}=y")),
                    "{option} missing from kernel.config + {name}"
                );
            }
        }
    }
}
