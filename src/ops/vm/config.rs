//! The test kernel's configuration: tinyconfig (the kfunc suite) or defconfig (the selftests,
//! whose fragments assume a full base), plus `templates/vm/kernel.config` merged with the
//! kernel's own `scripts/kconfig/merge_config.sh`, `olddefconfig`, then a check that every
//! option the suite needs survived (Kconfig silently drops options whose dependencies fail).

use super::process::run_logged;
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
    ("CONFIG_VIRTIO_PCI", "virtio transport for 9p"),
    ("CONFIG_NET_9P_VIRTIO", "9p root over virtio"),
    ("CONFIG_9P_FS", "9p root file system"),
    ("CONFIG_DEVTMPFS", "device nodes"),
    ("CONFIG_TMPFS", "writable /tmp in the guest"),
    ("CONFIG_BINFMT_ELF", "running host binaries"),
    ("CONFIG_BINFMT_SCRIPT", "the init script"),
    ("CONFIG_FUTEX", "glibc binaries (bpftool, insmod)"),
];

/// Options of `config` text that are not `=y`.
pub fn missing_required(config: &str) -> Vec<(&'static str, &'static str)> {
    REQUIRED
        .iter()
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
    let missing = missing_required(&text);
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
        let all: String = REQUIRED.iter().map(|(n, _)| format!("{n}=y\n")).collect();
        assert!(missing_required(&all).is_empty());
        let without_btf = all.replace("CONFIG_DEBUG_INFO_BTF=y\n", "# CONFIG_DEBUG_INFO_BTF is not set\n");
        let missing = missing_required(&without_btf);
        assert_eq!(missing.len(), 1);
        assert_eq!(missing[0].0, "CONFIG_DEBUG_INFO_BTF");
        assert!(missing[0].1.contains("pahole"));
    }

    #[test]
    fn fragment_enables_every_required_option() {
        let fragment = crate::template::raw("vm/kernel.config").expect("embedded");
        for (name, _) in REQUIRED {
            assert!(
                fragment.lines().any(|l| l == format!("{name}=y")),
                "{name} missing from the fragment"
            );
        }
    }
}
