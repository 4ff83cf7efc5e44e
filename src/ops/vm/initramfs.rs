//! The kfunc suite's guest root: a small initramfs (a `newc` cpio, as the kernel unpacks it)
//! with busybox, bpftool and the libraries it links, the test module, the BPF objects and the
//! init. The kernel then needs no PCI, virtio, 9p or IPv4 (`templates/vm/guest-initramfs.config`).
//!
//! Written here rather than with `cpio -o` from a staging directory: `/dev/console` must be a
//! character device in the archive (the kernel opens it for init's stdio before anything is
//! mounted), and making one on disk needs root. Every entry has time 0 and owner 0, so the same
//! inputs give the same archive.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    Dir,
    /// Contents read from this host file when written; the mode's permission bits.
    File {
        from: PathBuf,
        mode: u32,
    },
    Symlink(String),
    CharDevice {
        major: u32,
        minor: u32,
    },
}

/// The archive being put together: guest paths (without the leading `/`) to entries.
#[derive(Debug, Default)]
pub struct Initramfs {
    entries: BTreeMap<String, Entry>,
}

#[derive(Debug, thiserror::Error)]
pub enum InitramfsError {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("ldd {}: {why}", program.display())]
    Ldd { program: PathBuf, why: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> InitramfsError + '_ {
    move |source| InitramfsError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn relative(guest: &str) -> String {
    guest.trim_start_matches('/').to_string()
}

/// The libraries `ldd` says `program` loads, the program interpreter among them; none for a
/// static program.
pub fn shared_libraries(program: &Path) -> Result<Vec<PathBuf>, InitramfsError> {
    let out = Command::new("ldd")
        .arg(program)
        .output()
        .map_err(|e| InitramfsError::Ldd {
            program: program.to_path_buf(),
            why: e.to_string(),
        })?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        // `not a dynamic executable`: nothing to copy.
        return Ok(vec![]);
    }
    Ok(parse_ldd(&text))
}

/// `libelf.so.1 => /lib/x86_64-linux-gnu/libelf.so.1 (0x…)` and `/lib64/ld-linux-x86-64.so.2
/// (0x…)` give their paths; `linux-vdso.so.1 (0x…)` (in the kernel) gives none.
pub fn parse_ldd(text: &str) -> Vec<PathBuf> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            let path = match line.split_once("=>") {
                Some((_, rest)) => rest.trim(),
                None => line,
            };
            let path = path.split(" (").next()?.trim();
            path.starts_with('/').then(|| PathBuf::from(path))
        })
        .collect()
}

impl Initramfs {
    /// The directories every guest uses and `/dev/console`.
    pub fn new() -> Initramfs {
        let mut r = Initramfs::default();
        for dir in ["dev", "proc", "sys", "tmp", "run", "bin", "sbin", "usr/bin", "usr/sbin"] {
            r.dir(dir);
        }
        r.entries
            .insert("dev/console".into(), Entry::CharDevice { major: 5, minor: 1 });
        r
    }

    /// `guest` and its parents.
    pub fn dir(&mut self, guest: &str) {
        let rel = relative(guest);
        let mut at = String::new();
        for part in rel.split('/').filter(|p| !p.is_empty()) {
            if !at.is_empty() {
                at.push('/');
            }
            at.push_str(part);
            self.entries.entry(at.clone()).or_insert(Entry::Dir);
        }
    }

    fn parent_of(&mut self, rel: &str) {
        if let Some((parent, _)) = rel.rsplit_once('/') {
            self.dir(parent);
        }
    }

    /// The host file `from` at `guest`, with permission bits `mode`.
    pub fn file(&mut self, guest: &str, from: &Path, mode: u32) {
        let rel = relative(guest);
        self.parent_of(&rel);
        self.entries.insert(
            rel,
            Entry::File {
                from: from.to_path_buf(),
                mode,
            },
        );
    }

    pub fn symlink(&mut self, guest: &str, target: &str) {
        let rel = relative(guest);
        self.parent_of(&rel);
        self.entries.entry(rel).or_insert(Entry::Symlink(target.into()));
    }

    /// A host program at the same path in the guest, with every library it loads.
    pub fn program(&mut self, host: &Path) -> Result<(), InitramfsError> {
        self.file(&host.display().to_string(), host, 0o755);
        for lib in shared_libraries(host)? {
            self.file(&lib.display().to_string(), &lib, 0o755);
        }
        Ok(())
    }

    /// busybox at `/bin/busybox`, and a link in `/bin` for each of its applets but `init`.
    pub fn busybox(&mut self, host: &Path) -> Result<(), InitramfsError> {
        self.file("/bin/busybox", host, 0o755);
        let out = Command::new(host).arg("--list").output().map_err(io(host))?;
        // Not its `init`: the kernel falls back to /bin/init when the init it was given is
        // missing, and busybox's would then run forever instead of the boot failing.
        let skip = ["busybox", "init", "linuxrc"];
        for applet in String::from_utf8_lossy(&out.stdout).lines().map(str::trim) {
            if !applet.is_empty() && !skip.contains(&applet) && !applet.contains('/') {
                self.symlink(&format!("/bin/{applet}"), "busybox");
            }
        }
        Ok(())
    }

    /// Write the archive to `out` (atomically: a temporary file renamed into place); returns
    /// the number of entries and bytes.
    pub fn write(&self, out: &Path) -> Result<(usize, u64), InitramfsError> {
        let tmp = out.with_extension("cpio.tmp");
        let mut w = std::io::BufWriter::new(std::fs::File::create(&tmp).map_err(io(&tmp))?);
        let mut written = 0u64;
        let mut put = |w: &mut std::io::BufWriter<std::fs::File>, bytes: &[u8]| -> Result<(), InitramfsError> {
            w.write_all(bytes).map_err(io(&tmp))?;
            written += bytes.len() as u64;
            Ok(())
        };
        for (ino, (name, entry)) in self.entries.iter().enumerate() {
            let (mode, data, rdev) = match entry {
                Entry::Dir => (0o040755, Vec::new(), (0, 0)),
                Entry::File { from, mode } => (0o100000 | mode, std::fs::read(from).map_err(io(from))?, (0, 0)),
                Entry::Symlink(target) => (0o120777, target.as_bytes().to_vec(), (0, 0)),
                Entry::CharDevice { major, minor } => (0o020600, Vec::new(), (*major, *minor)),
            };
            put(&mut w, &header(ino as u32 + 1, mode, data.len(), rdev, name))?;
            put(&mut w, &data)?;
            put(&mut w, &vec![0u8; pad4(data.len())])?;
        }
        put(&mut w, &header(0, 0, 0, (0, 0), "TRAILER!!!"))?;
        w.flush().map_err(io(&tmp))?;
        drop(w);
        std::fs::rename(&tmp, out).map_err(io(out))?;
        Ok((self.entries.len(), written))
    }
}

fn pad4(n: usize) -> usize {
    (4 - n % 4) % 4
}

/// A `newc` header and the name after it, padded to 4 bytes.
fn header(ino: u32, mode: u32, size: usize, (rdev_major, rdev_minor): (u32, u32), name: &str) -> Vec<u8> {
    let nlink = if mode & 0o170000 == 0o040000 { 2 } else { 1 };
    let fields = [
        ino,
        mode,
        0,
        0,
        nlink,
        0,
        size as u32,
        0,
        0,
        rdev_major,
        rdev_minor,
        name.len() as u32 + 1,
        0,
    ];
    let mut h = b"070701".to_vec();
    for f in fields {
        h.extend(format!("{f:08x}").as_bytes());
    }
    h.extend(name.as_bytes());
    h.push(0);
    let padding = pad4(h.len());
    h.extend(std::iter::repeat_n(0, padding));
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ldd_lines_give_library_paths() {
        let text = "\tlinux-vdso.so.1 (0x00007ffd)\n\
                    \tlibelf.so.1 => /lib/x86_64-linux-gnu/libelf.so.1 (0x00007f)\n\
                    \t/lib64/ld-linux-x86-64.so.2 (0x00007f)\n";
        assert_eq!(
            parse_ldd(text),
            vec![
                PathBuf::from("/lib/x86_64-linux-gnu/libelf.so.1"),
                PathBuf::from("/lib64/ld-linux-x86-64.so.2")
            ]
        );
    }

    /// The archive as the host's `cpio` reads it back: names, types, contents.
    #[test]
    fn the_archive_reads_back_with_cpio() {
        let dir = tempfile::tempdir().unwrap();
        let payload = dir.path().join("payload");
        std::fs::write(&payload, "hello\n").unwrap();
        let mut r = Initramfs::new();
        r.file("/kfpatch/hello.txt", &payload, 0o644);
        r.symlink("/bin/sh", "busybox");
        let out = dir.path().join("initramfs.cpio");
        let (entries, bytes) = r.write(&out).unwrap();
        assert_eq!(bytes, std::fs::metadata(&out).unwrap().len());
        assert!(entries >= 12, "{entries}");
        let listing = Command::new("cpio")
            .args(["-t", "-v", "-F"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(listing.status.success(), "{}", String::from_utf8_lossy(&listing.stderr));
        let listing = String::from_utf8_lossy(&listing.stdout);
        assert!(
            listing
                .lines()
                .any(|l| l.starts_with("crw-------") && l.ends_with("dev/console")),
            "{listing}"
        );
        assert!(
            listing
                .lines()
                .any(|l| l.starts_with("lrwxrwxrwx") && l.ends_with("bin/sh -> busybox")),
            "{listing}"
        );
        let unpacked = dir.path().join("unpacked");
        std::fs::create_dir(&unpacked).unwrap();
        // Everything but the device node (making one needs root).
        let st = Command::new("cpio")
            .args(["-i", "-d", "--no-absolute-filenames", "-F"])
            .arg(&out)
            .args(["--nonmatching", "dev/console"])
            .current_dir(&unpacked)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert!(st.status.success(), "{}", String::from_utf8_lossy(&st.stderr));
        assert_eq!(
            std::fs::read_to_string(unpacked.join("kfpatch/hello.txt")).unwrap(),
            "hello\n"
        );
    }
}
