//! QEMU x86_64: the command line, built from small pure functions; a KVM probe that boots a
//! guest for real (on some hosts `/dev/kvm` opens but every guest dies); and a runner that
//! captures the serial console to a log and kills the VM at a hard timeout.

use serde::Serialize;
use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Accel {
    Auto,
    Kvm,
    Tcg,
}

/// Where the guest's root comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum GuestRootKind {
    /// A small initramfs kfpatch packs: the kernel needs no PCI, virtio, 9p or IPv4.
    Initramfs,
    /// The host's root, read-only over virtio 9p.
    #[value(name = "9p")]
    #[serde(rename = "9p")]
    HostOver9p,
}

/// The guest's root for one boot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GuestRoot {
    HostOver9p,
    /// The initramfs file (`-initrd`); `init` is a path inside it.
    Initramfs(PathBuf),
}

/// Everything one boot needs.
#[derive(Debug, Clone)]
pub struct BootSpec {
    pub kernel: PathBuf,
    pub root: GuestRoot,
    /// The init program, as the guest sees it.
    pub init: PathBuf,
    pub accel: Accel,
    pub memory_mb: u32,
    pub cpus: u32,
    /// Extra kernel command-line words (debug injections).
    pub extra_cmdline: Vec<String>,
}

pub fn accel_args(accel: Accel) -> Vec<OsString> {
    match accel {
        Accel::Kvm => vec!["-accel".into(), "kvm".into(), "-cpu".into(), "host".into()],
        // `max` gives the guest every feature TCG emulates.
        Accel::Tcg | Accel::Auto => vec!["-accel".into(), "tcg".into(), "-cpu".into(), "max".into()],
    }
}

pub fn machine_args(spec: &BootSpec) -> Vec<OsString> {
    vec![
        "-m".into(),
        format!("{}M", spec.memory_mb).into(),
        "-smp".into(),
        spec.cpus.to_string().into(),
        "-nographic".into(),
        // A guest reboot (our init's `reboot -f`, or panic=-1) ends QEMU instead of restarting.
        "-no-reboot".into(),
        "-nodefaults".into(),
        "-serial".into(),
        "stdio".into(),
    ]
}

/// The 9p mount tag of the root and the `root=` the kernel is given. A bare name, not
/// `/dev/root`: before 6.5 the kernel strips `/dev/` from `root=` before it mounts a device-
/// less root by that name (6.1 looked for a channel `root` and panicked), from 6.5 on it uses
/// the name as given; a bare name is the same on both.
const ROOT_TAG: &str = "root";

/// The host's root, read-only over 9p, as the guest's root.
pub fn plan9_root_args() -> Vec<OsString> {
    vec![
        "-fsdev".into(),
        "local,id=root,path=/,readonly=on,security_model=none,multidevs=remap".into(),
        "-device".into(),
        format!("virtio-9p-pci,fsdev=root,mount_tag={ROOT_TAG}").into(),
    ]
}

/// The kernel word that names the init program for this root (`rdinit=` runs a program of
/// the initramfs; `init=` one of the mounted root).
pub fn init_word(root: &GuestRoot, init: &Path) -> String {
    match root {
        GuestRoot::HostOver9p => format!("init={}", init.display()),
        GuestRoot::Initramfs(_) => format!("rdinit={}", init.display()),
    }
}

pub fn kernel_cmdline(spec: &BootSpec) -> String {
    let mut words = vec!["console=ttyS0".to_string()];
    if spec.root == GuestRoot::HostOver9p {
        words.extend([
            format!("root={ROOT_TAG}"),
            "rootfstype=9p".into(),
            "rootflags=trans=virtio,version=9p2000.L".into(),
            "ro".into(),
        ]);
    }
    words.extend([
        init_word(&spec.root, &spec.init),
        // Oops and panic end the VM at once; the console says why.
        "panic=-1".into(),
        "oops=panic".into(),
    ]);
    words.extend(spec.extra_cmdline.iter().cloned());
    words.join(" ")
}

pub fn kernel_args(spec: &BootSpec) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec![
        "-kernel".into(),
        spec.kernel.clone().into(),
        "-append".into(),
        kernel_cmdline(spec).into(),
    ];
    if let GuestRoot::Initramfs(file) = &spec.root {
        args.extend(["-initrd".into(), file.clone().into()]);
    }
    args
}

/// The full argument list after `qemu-system-x86_64`.
pub fn qemu_args(spec: &BootSpec) -> Vec<OsString> {
    let mut args = accel_args(spec.accel);
    args.extend(machine_args(spec));
    if spec.root == GuestRoot::HostOver9p {
        args.extend(plan9_root_args());
    }
    args.extend(kernel_args(spec));
    args
}

pub const QEMU: &str = "qemu-system-x86_64";

#[derive(Debug, Clone, Serialize)]
pub struct BootResult {
    pub console: String,
    pub timed_out: bool,
    pub exit_status: Option<i32>,
    pub seconds: f64,
}

/// How long a boot may run: a hard limit, and optionally a limit on console silence.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub total: Duration,
    /// Kill the guest when its console has printed nothing for this long.
    pub silence: Option<Duration>,
}

impl Limits {
    pub fn total(total: Duration) -> Limits {
        Limits { total, silence: None }
    }
}

/// Boot and wait for QEMU to exit, or kill it at a limit. The console goes to `log` too.
pub fn boot(spec: &BootSpec, limits: Limits, log: &Path) -> std::io::Result<BootResult> {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;
    let start = Instant::now();
    let mut child = Command::new(QEMU)
        .args(qemu_args(spec))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    // Milliseconds after `start` at which the console last printed.
    let last_output = Arc::new(AtomicU64::new(0));
    let seen = Arc::clone(&last_output);
    let out_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut chunk) {
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
            seen.store(start.elapsed().as_millis() as u64, Ordering::Relaxed);
        }
        buf
    });
    let err_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        buf
    });
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        let now = start.elapsed();
        let silent_for = now.saturating_sub(Duration::from_millis(last_output.load(Ordering::Relaxed)));
        if now >= limits.total || limits.silence.is_some_and(|limit| silent_for >= limit) {
            timed_out = true;
            let _ = child.kill();
            break child.wait().ok();
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut console = String::from_utf8_lossy(&out_thread.join().unwrap_or_default()).into_owned();
    let err = String::from_utf8_lossy(&err_thread.join().unwrap_or_default()).into_owned();
    if !err.trim().is_empty() {
        console.push_str("\n[qemu stderr]\n");
        console.push_str(&err);
    }
    // Serial consoles end lines with CRLF.
    let console = console.replace("\r\n", "\n");
    std::fs::write(log, &console)?;
    Ok(BootResult {
        console,
        timed_out,
        exit_status: status.and_then(|s| s.code()),
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// Does a KVM guest actually run here? Boots `spec` under KVM with a probe init and looks for
/// its marker. `/dev/kvm` opening proves nothing.
pub fn kvm_works(spec: &BootSpec, probe_init: &Path, log: &Path) -> Result<(), String> {
    if !Path::new("/dev/kvm").exists() {
        return Err("no /dev/kvm".into());
    }
    let probe = BootSpec {
        accel: Accel::Kvm,
        init: probe_init.to_path_buf(),
        extra_cmdline: vec![],
        ..spec.clone()
    };
    // A KVM guest that works prints its kernel's boot log within a second of the firmware;
    // the ones that die here hang silently after "Booting from ROM...". Five silent seconds
    // say as much as thirty.
    let limits = Limits {
        total: Duration::from_secs(30),
        silence: Some(Duration::from_secs(5)),
    };
    match boot(&probe, limits, log) {
        Ok(r) if r.console.contains("KFPATCH-KVM-OK") => Ok(()),
        Ok(r) => {
            let why = last_console_line(&r.console).unwrap_or_else(|| "no output".into());
            Err(if r.timed_out && r.seconds < limits.total.as_secs_f64() {
                format!("probe guest went silent after: {why}")
            } else if r.timed_out {
                format!("probe guest timed out ({why})")
            } else {
                format!("probe guest died: {why}")
            })
        }
        Err(e) => Err(format!("cannot start {QEMU}: {e}")),
    }
}

/// The console's last line that says something, without terminal escape codes (the firmware
/// clears the screen before and after it boots).
fn last_console_line(console: &str) -> Option<String> {
    let escapes = regex::Regex::new(r"\x1b(\[[0-9;?]*[A-Za-z]|.)").expect("valid regex");
    console
        .lines()
        .rev()
        .map(|l| escapes.replace_all(l, "").trim().to_string())
        .find(|l| !l.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> BootSpec {
        BootSpec {
            kernel: "/b/arch/x86/boot/bzImage".into(),
            root: GuestRoot::HostOver9p,
            init: "/run/init.sh".into(),
            accel: Accel::Tcg,
            memory_mb: 1024,
            cpus: 2,
            extra_cmdline: vec![],
        }
    }

    fn joined(args: Vec<OsString>) -> String {
        args.iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn tcg_command_line() {
        let s = joined(qemu_args(&spec()));
        assert!(
            s.starts_with("-accel tcg -cpu max -m 1024M -smp 2 -nographic -no-reboot"),
            "{s}"
        );
        assert!(s.contains("-fsdev local,id=root,path=/,readonly=on,security_model=none,multidevs=remap"));
        assert!(s.contains("-device virtio-9p-pci,fsdev=root,mount_tag=root"));
        assert!(s.contains("-kernel /b/arch/x86/boot/bzImage -append console=ttyS0 root=root rootfstype=9p"));
        assert!(s.ends_with("init=/run/init.sh panic=-1 oops=panic"), "{s}");
    }

    #[test]
    fn an_initramfs_guest_has_no_9p() {
        let s = BootSpec {
            root: GuestRoot::Initramfs("/b/kfpatch/initramfs.cpio".into()),
            init: "/init".into(),
            ..spec()
        };
        let args = joined(qemu_args(&s));
        assert!(!args.contains("9p"), "{args}");
        assert!(
            args.ends_with("-append console=ttyS0 rdinit=/init panic=-1 oops=panic -initrd /b/kfpatch/initramfs.cpio"),
            "{args}"
        );
    }

    #[test]
    fn kvm_and_debug_words() {
        assert_eq!(joined(accel_args(Accel::Kvm)), "-accel kvm -cpu host");
        let mut s = spec();
        s.extra_cmdline.push("init=/kfpatch-no-such-init".into());
        assert!(kernel_cmdline(&s).ends_with("oops=panic init=/kfpatch-no-such-init"));
    }

    #[test]
    fn the_probe_names_the_last_words_not_the_escape_codes() {
        // The console of a KVM guest that hangs on this machine, as recorded.
        let console = "\x1bc\x1b[?7l\x1b[2J\x1b[0mSeaBIOS (version 1.16.2-debian-1.16.2-1)\nBooting from ROM...\n\x1bc\x1b[?7l\x1b[2J";
        assert_eq!(last_console_line(console).as_deref(), Some("Booting from ROM..."));
        assert_eq!(last_console_line("\x1b[2J\n\n"), None);
    }
}
