//! The tree fixups under `patches/fixups/<major.minor>/` (what a packaged tree needs before its
//! own selftests build), embedded in the binary by `build.rs` like the templates. Each is a
//! diff after a header that says why and where upstream fixed it; `ops::vm::fixups` applies
//! them to a selftests work copy, never to the tree itself.

/// (path below `patches/fixups/`, text), sorted by path.
pub const FIXUPS: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/fixups.rs"));

/// The fixups for a tree of version `major.minor`, in order.
pub fn for_version(major: u32, minor: u32) -> Vec<(&'static str, &'static str)> {
    let dir = format!("{major}.{minor}/");
    FIXUPS
        .iter()
        .filter(|(name, _)| name.starts_with(&dir) && name.ends_with(".patch"))
        .copied()
        .collect()
}

/// What the fixups' `toolchain` file for `major.minor` asks of `tool`: (minimum, why, where).
pub fn toolchain_need(major: u32, minor: u32, tool: &str) -> Option<(u32, String, String)> {
    let name = format!("{major}.{minor}/toolchain");
    let (_, text) = FIXUPS.iter().find(|(n, _)| *n == name)?;
    text.lines().enumerate().find_map(|(i, line)| {
        let line = line.trim();
        if line.starts_with('#') {
            return None;
        }
        let mut words = line.splitn(3, ' ');
        let (t, minimum, why) = (words.next()?, words.next()?, words.next()?);
        if t != tool {
            return None;
        }
        Some((
            minimum.parse().ok()?,
            why.to_string(),
            format!("patches/fixups/{name}:{}", i + 1),
        ))
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixups_are_found_by_version_only() {
        let names: Vec<&str> = super::for_version(7, 2).iter().map(|(n, _)| *n).collect();
        assert_eq!(names, vec!["7.2/0001-cpumask-populate-declaration.patch"]);
        assert!(super::for_version(7, 20).is_empty());
        assert!(super::for_version(7, 3).is_empty());
    }

    #[test]
    fn toolchain_needs_are_read_per_version() {
        let (minimum, why, at) = super::toolchain_need(7, 3, "clang").expect("7.3 needs a newer clang");
        assert_eq!(minimum, 20);
        assert!(why.contains("asan.bpf.c"), "{why}");
        assert_eq!(at, "patches/fixups/7.3/toolchain:3");
        assert_eq!(super::toolchain_need(7, 3, "pahole"), None);
        // 7.2's selftests have the same libarena: measured, the same crash.
        assert_eq!(super::toolchain_need(7, 2, "clang").map(|n| n.0), Some(20));
        assert_eq!(super::toolchain_need(6, 12, "clang"), None);
    }
}
