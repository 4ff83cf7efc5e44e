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

#[cfg(test)]
mod tests {
    #[test]
    fn fixups_are_found_by_version_only() {
        let names: Vec<&str> = super::for_version(7, 2).iter().map(|(n, _)| *n).collect();
        assert_eq!(names, vec!["7.2/0001-cpumask-populate-declaration.patch"]);
        assert!(super::for_version(7, 20).is_empty());
        assert!(super::for_version(7, 3).is_empty());
    }
}
