//! What compiles the kernel's objects, and the compiler cache behind it.
//!
//! A build directory keeps the compiler command it was first built with: Kbuild records each
//! object's command (`init/.main.o.cmd`) and rebuilds every object whose command changes, so
//! installing ccache after a first build (or losing it) would rebuild everything. kfpatch reads
//! that record and keeps it, saying why.
//!
//! ccache may have a remote storage (`--cache-url`, `KFPATCH_CACHE_URL`: `redis://HOST:PORT`,
//! `http://HOST:PORT/PATH`) that several runners share; paths are made relative to the cache
//! root, so runners with the same layout (`~/.cache/kfpatch/{trees,build}`) share objects. Each
//! build writes a ccache stats log, and the report shows its hits: local, remote, misses.

use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The environment variable that names a shared remote cache when `--cache-url` is not given.
pub const CACHE_URL_ENV: &str = "KFPATCH_CACHE_URL";

/// The object whose recorded command says what a build directory was compiled with.
const RECORD: &str = "init/.main.o.cmd";

/// What the kernel's objects are compiled with, and why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Compiler {
    /// `ccache gcc` or `gcc`.
    pub cc: String,
    pub why: String,
    /// This choice makes Kbuild rebuild every object already built.
    pub rebuilds_all: bool,
    /// Not the plain case (a new directory, or kept as built): worth a notice.
    #[serde(skip)]
    pub unusual: bool,
}

impl Compiler {
    pub fn uses_ccache(&self) -> bool {
        self.cc.starts_with("ccache ")
    }
}

/// The compiler command a build directory's objects were built with (`ccache gcc`, `gcc`),
/// from Kbuild's own record; `None` before its first build.
pub fn recorded_compiler(build: &Path) -> Option<String> {
    let text = std::fs::read_to_string(build.join(RECORD)).ok()?;
    // `savedcmd_init/main.o := ccache gcc -Wp,-MMD,…` (6.12 on); `cmd_init/main.o := gcc …` (6.1).
    let command = text.lines().next()?.split_once(":=")?.1;
    let mut words = command.split_whitespace();
    let first = words.next()?;
    Some(if first == "ccache" || first.ends_with("/ccache") {
        format!("ccache {}", words.next().unwrap_or("gcc"))
    } else {
        first.to_string()
    })
}

/// Keep what `build` was built with; a new build directory gets ccache when it is installed.
pub fn choose_compiler(build: &Path, ccache_installed: bool) -> Compiler {
    let (cc, why, rebuilds_all, unusual) = match recorded_compiler(build) {
        None if ccache_installed => (
            "ccache gcc".to_string(),
            "a new build directory; ccache is installed".to_string(),
            false,
            false,
        ),
        None => (
            "gcc".to_string(),
            "a new build directory; ccache is not installed".to_string(),
            false,
            false,
        ),
        Some(cc) if cc.starts_with("ccache ") && !ccache_installed => {
            let plain = cc.trim_start_matches("ccache ").to_string();
            let why = format!(
                "this build directory was built with `{cc}`, but ccache is not installed now: every object is rebuilt with `{plain}`"
            );
            (plain, why, true, true)
        }
        Some(cc) if !cc.starts_with("ccache ") && ccache_installed => {
            let why = format!(
                "this build directory was built with `{cc}`: kept, as ccache would rebuild every object (remove the directory to start over with ccache)"
            );
            (cc, why, false, true)
        }
        Some(cc) => {
            let why = format!("as this build directory was built ({RECORD})");
            (cc, why, false, false)
        }
    };
    Compiler {
        cc,
        why,
        rebuilds_all,
        unusual,
    }
}

/// How the kernel's compilations go through ccache, for one build step.
#[derive(Debug, Clone)]
pub struct CcacheRun {
    /// The cache root: ccache's local directory and base directory are under it.
    pub cache_root: PathBuf,
    pub remote: Option<String>,
    /// Each compilation's counters are appended here, to count this step's hits.
    pub stats_log: PathBuf,
}

impl CcacheRun {
    /// Environment for `cmd`: one cache outside any repository, paths relative to the cache root
    /// (so work trees at other paths, and other runners with the same layout, still hit).
    pub fn apply(&self, cmd: &mut Command) {
        cmd.env("CCACHE_DIR", self.cache_root.join("ccache"))
            .env("CCACHE_BASEDIR", &self.cache_root)
            .env("CCACHE_NOHASHDIR", "1")
            .env("CCACHE_STATSLOG", &self.stats_log);
        if let Some(url) = &self.remote {
            cmd.env("CCACHE_REMOTE_STORAGE", url);
        }
    }

    /// Start a step's count afresh.
    pub fn reset(&self) {
        let _ = std::fs::remove_file(&self.stats_log);
    }

    pub fn stats(&self) -> CacheStats {
        let mut stats = parse_stats_log(&std::fs::read_to_string(&self.stats_log).unwrap_or_default());
        stats.remote = self.remote.as_deref().map(redact);
        stats
    }
}

/// What Kbuild writes of the machine and the moment into a kernel (`uname -v`, the built-in
/// initramfs' mtimes), fixed as the kernel's reproducible-builds guide says: otherwise the
/// objects holding them differ on every runner and no shared cache can serve them. The time is
/// `SOURCE_DATE_EPOCH` when the caller sets one.
pub fn build_identity(source_date_epoch: Option<&str>) -> [(&'static str, String); 4] {
    let epoch = source_date_epoch
        .and_then(|e| e.trim().parse::<u64>().ok())
        .unwrap_or(0);
    [
        ("KBUILD_BUILD_TIMESTAMP", format!("@{epoch}")),
        ("KBUILD_BUILD_USER", "kfpatch".into()),
        ("KBUILD_BUILD_HOST", "kfpatch".into()),
        ("KBUILD_BUILD_VERSION", "1".into()),
    ]
}

/// A URL as reports may show it: without a password (`redis://:secret@host` → `redis://***@host`).
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}://***{}", &url[..scheme], &url[at..]),
        _ => url.to_string(),
    }
}

/// The ccache outcome of one build step's compilations of source files. Kbuild's compiler
/// probes (`cc-option` and friends compile `/dev/null` into a temporary file named afresh each
/// time, so they never hit another runner's cache) are counted apart.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct CacheStats {
    /// Compilations of source files ccache could cache.
    pub cacheable: u64,
    /// Found in the local cache.
    pub local_hits: u64,
    /// Not in the local cache but in the remote one.
    pub remote_hits: u64,
    pub misses: u64,
    /// The remote storage failed or timed out this many times.
    pub remote_errors: u64,
    /// Compiler probes (`/dev/null`, or no input), not in the counts above.
    pub probes: u64,
    /// The shared cache, when there is one (password hidden).
    pub remote: Option<String>,
}

impl CacheStats {
    /// Hits over cacheable compilations, in percent (`None` with nothing compiled).
    pub fn hit_rate(&self) -> Option<f64> {
        (self.cacheable > 0).then(|| 100.0 * (self.local_hits + self.remote_hits) as f64 / self.cacheable as f64)
    }
}

/// ccache's stats log: `# SOURCE` then one counter name per line, for each compilation.
pub fn parse_stats_log(text: &str) -> CacheStats {
    let mut s = CacheStats::default();
    let mut entry: Vec<&str> = Vec::new();
    let mut source: Option<&str> = None;
    let flush = |source: Option<&str>, entry: &mut Vec<&str>, s: &mut CacheStats| {
        if matches!(source.map(str::trim), Some("/dev/null") | Some("")) {
            s.probes += 1;
            entry.clear();
            return;
        }
        let has = |name: &str| entry.contains(&name);
        let hit = has("direct_cache_hit") || has("preprocessed_cache_hit");
        if hit || has("cache_miss") {
            s.cacheable += 1;
            if !hit {
                s.misses += 1;
            } else if has("local_storage_hit") {
                s.local_hits += 1;
            } else if has("remote_storage_hit") {
                s.remote_hits += 1;
            } else {
                s.local_hits += 1;
            }
        }
        if has("remote_storage_error") || has("remote_storage_timeout") {
            s.remote_errors += 1;
        }
        entry.clear();
    };
    for line in text.lines() {
        if let Some(name) = line.strip_prefix('#') {
            flush(source, &mut entry, &mut s);
            source = Some(name);
        } else if !line.trim().is_empty() {
            entry.push(line.trim());
        }
    }
    flush(source, &mut entry, &mut s);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build_dir_with(record: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("init")).unwrap();
        std::fs::write(dir.path().join(RECORD), record).unwrap();
        dir
    }

    #[test]
    fn the_recorded_command_is_kept() {
        let ccache = build_dir_with("savedcmd_init/main.o := ccache gcc -Wp,-MMD,init/.main.o.d -nostdinc\n");
        assert_eq!(recorded_compiler(ccache.path()).as_deref(), Some("ccache gcc"));
        let c = choose_compiler(ccache.path(), true);
        assert_eq!((c.cc.as_str(), c.rebuilds_all), ("ccache gcc", false));
        // Built with ccache, ccache gone: the rebuild is said, not hidden.
        let c = choose_compiler(ccache.path(), false);
        assert_eq!((c.cc.as_str(), c.rebuilds_all), ("gcc", true));
        assert!(c.why.contains("every object is rebuilt"), "{}", c.why);

        // 6.1 spells it cmd_; built without ccache, installing ccache later changes nothing.
        let plain = build_dir_with("cmd_init/main.o := gcc -Wp,-MMD,init/.main.o.d -nostdinc\n");
        let c = choose_compiler(plain.path(), true);
        assert_eq!((c.cc.as_str(), c.rebuilds_all), ("gcc", false));
        assert!(c.why.contains("kept"), "{}", c.why);

        let fresh = tempfile::tempdir().unwrap();
        assert_eq!(choose_compiler(fresh.path(), true).cc, "ccache gcc");
        assert_eq!(choose_compiler(fresh.path(), false).cc, "gcc");
    }

    #[test]
    fn stats_log_counts_local_and_remote_hits() {
        // As ccache 4.7 writes it (CCACHE_STATSLOG), for a miss, a remote hit and a local hit.
        let log = "# a.c\ncache_miss\ndirect_cache_miss\nlocal_storage_miss\nremote_storage_miss\nremote_storage_write\n\
                   # b.c\ndirect_cache_hit\nlocal_storage_miss\nlocal_storage_write\nremote_storage_hit\nremote_storage_read_hit\n\
                   # c.c\ndirect_cache_hit\nlocal_storage_hit\nlocal_storage_read_hit\n\
                   # d.c\ncalled_for_link\n\
                   # /dev/null\ncache_miss\ndirect_cache_miss\n# \nno_input_file\n";
        let s = parse_stats_log(log);
        assert_eq!((s.cacheable, s.misses, s.remote_hits, s.local_hits), (3, 1, 1, 1));
        assert_eq!(s.probes, 2, "Kbuild's /dev/null probes are not objects");
        assert_eq!(s.hit_rate().map(|r| r.round()), Some(67.0));
        assert_eq!(parse_stats_log("").hit_rate(), None);
    }

    #[test]
    fn passwords_stay_out_of_reports() {
        assert_eq!(redact("redis://:pw@127.0.0.1:6379"), "redis://***@127.0.0.1:6379");
        assert_eq!(redact("http://127.0.0.1:8080/cache"), "http://127.0.0.1:8080/cache");
    }

    #[test]
    fn the_build_identity_is_fixed_unless_the_caller_dates_it() {
        let fixed = build_identity(None);
        assert_eq!(fixed, build_identity(Some("not a number")));
        assert_eq!(fixed[0], ("KBUILD_BUILD_TIMESTAMP", "@0".to_string()));
        assert_eq!(build_identity(Some("1767225600"))[0].1, "@1767225600");
        assert!(fixed.iter().all(|(name, _)| name.starts_with("KBUILD_BUILD_")));
    }
}
