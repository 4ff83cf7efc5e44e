//! Which blobs a mail was made from. Every `index <pre>..<post> [mode]` line of a git diff names
//! the preimage blob of its file (abbreviated, 7 to 40 hex digits; all zeros for a new file):
//! this module reads those lines, says whether a tree's file is that blob, and searches a git
//! work tree's history for the commits whose tree holds a set of such blobs at their paths.

use super::KernelTree;
use git2::{ErrorCode, ObjectType, Oid, Repository, Sort};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The fewest hex digits an `index` line may abbreviate a blob id to (git's default abbrev).
pub const MIN_ABBREV: usize = 7;

#[derive(Debug, thiserror::Error)]
#[error("{}: git: {source}", repo.display())]
pub struct BlobError {
    pub repo: PathBuf,
    pub source: git2::Error,
}

/// `index <pre>..<post> [mode]`, its ids in lower case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndexLine {
    /// The preimage blob's id or a prefix of it; all zeros: the file did not exist.
    pub preimage: String,
    /// The postimage blob's id or a prefix of it; all zeros: the file is deleted.
    pub postimage: String,
    /// Git's mode (0o100644, 0o100755), when the line carries one (not for new files).
    pub mode: Option<u32>,
}

fn is_abbrev(id: &str) -> bool {
    (MIN_ABBREV..=40).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Parse `index abc1234..def5678 100644` (the mode is optional); `None` for anything else.
pub fn parse_index_line(line: &str) -> Option<IndexLine> {
    let mut words = line.strip_prefix("index ")?.split_whitespace();
    let (pre, post) = words.next()?.split_once("..")?;
    let mode = match words.next() {
        Some(m) => Some(u32::from_str_radix(m, 8).ok()?),
        None => None,
    };
    if words.next().is_some() || !is_abbrev(pre) || !is_abbrev(post) {
        return None;
    }
    Some(IndexLine {
        preimage: pre.to_ascii_lowercase(),
        postimage: post.to_ascii_lowercase(),
        mode,
    })
}

/// An all-zero id: no file on that side of the diff.
pub fn is_absent(prefix: &str) -> bool {
    prefix.bytes().all(|b| b == b'0')
}

/// Git's full (40 hex digit) blob id of `bytes`.
pub fn full_blob_id(bytes: &[u8]) -> String {
    Oid::hash_object(ObjectType::Blob, bytes)
        .expect("hashing a buffer cannot fail")
        .to_string()
}

/// Does a file with `content` (`None`: no such file) match the mail's preimage `prefix`?
pub fn content_matches(content: Option<&[u8]>, prefix: &str) -> bool {
    let prefix = prefix.to_ascii_lowercase();
    match content {
        None => is_absent(&prefix),
        Some(_) if is_absent(&prefix) => false,
        Some(bytes) => full_blob_id(bytes).starts_with(&prefix),
    }
}

/// Is `tree`'s file at `path` the blob `prefix` names (for all zeros: is there no such file)?
/// A path that leaves the tree or cannot be read matches nothing.
pub fn preimage_matches(tree: &KernelTree, path: &str, prefix: &str) -> bool {
    let Ok(file) = tree.path(path) else {
        return false;
    };
    if std::fs::symlink_metadata(&file).is_err() {
        return content_matches(None, prefix);
    }
    match std::fs::read(&file) {
        Ok(bytes) => content_matches(Some(&bytes), prefix),
        Err(_) => false,
    }
}

/// One blob a commit search looks for: the blob `prefix` names at `path` (all zeros: no file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    pub path: String,
    pub prefix: String,
}

/// A commit and how many of the wanted blobs its tree holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitMatch {
    /// Full commit id.
    pub commit: String,
    /// The first line of its message.
    pub subject: String,
    pub held: usize,
    pub total: usize,
}

/// The result of a bounded walk of a repository's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Search {
    /// How many commits were looked at (at most the bound).
    pub walked: usize,
    /// Every walked commit holding at least one wanted blob: most held first, then in walk
    /// (newest first) order.
    pub commits: Vec<CommitMatch>,
}

/// Walk `repo`'s history from HEAD in `git log` order (newest first), at most `max_commits`
/// commits, and count in each commit's tree how many of `wanted` are there. An unborn HEAD
/// (no commit yet) walks nothing.
pub fn search_commits(repo: &Repository, wanted: &[Wanted], max_commits: usize) -> Result<Search, BlobError> {
    let err = |source| BlobError {
        repo: repo.workdir().unwrap_or_else(|| repo.path()).to_path_buf(),
        source,
    };
    let mut search = Search {
        walked: 0,
        commits: vec![],
    };
    if max_commits == 0 {
        return Ok(search);
    }
    let head = match repo.head() {
        Ok(head) => head.peel_to_commit().map_err(err)?.id(),
        Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => return Ok(search),
        Err(e) => return Err(err(e)),
    };
    let mut walk = repo.revwalk().map_err(err)?;
    walk.set_sorting(Sort::TIME).map_err(err)?;
    walk.push(head).map_err(err)?;
    for oid in walk.take(max_commits) {
        let commit = repo.find_commit(oid.map_err(err)?).map_err(err)?;
        let tree = commit.tree().map_err(err)?;
        search.walked += 1;
        let mut held = 0;
        for w in wanted {
            let here = match tree.get_path(Path::new(&w.path)) {
                Ok(entry) if entry.kind() == Some(ObjectType::Blob) => {
                    !is_absent(&w.prefix) && entry.id().to_string().starts_with(&w.prefix.to_ascii_lowercase())
                }
                Ok(_) => false,
                Err(e) if e.code() == ErrorCode::NotFound => is_absent(&w.prefix),
                Err(e) => return Err(err(e)),
            };
            held += usize::from(here);
        }
        if held > 0 {
            search.commits.push(CommitMatch {
                commit: commit.id().to_string(),
                subject: commit.summary().unwrap_or("").to_string(),
                held,
                total: wanted.len(),
            });
        }
    }
    // A stable sort: among equals the walk's order (newest first) stays.
    search.commits.sort_by_key(|c| std::cmp::Reverse(c.held));
    Ok(search)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_lines_with_and_without_mode() {
        assert_eq!(
            parse_index_line("index c82d0d689059..08d8a023ffe6 100644"),
            Some(IndexLine {
                preimage: "c82d0d689059".into(),
                postimage: "08d8a023ffe6".into(),
                mode: Some(0o100644),
            })
        );
        let new = parse_index_line("index 0000000..ABCDEF1").unwrap();
        assert!(is_absent(&new.preimage));
        assert_eq!((new.postimage.as_str(), new.mode), ("abcdef1", None));
        let full = format!("index {}..{} 100755", "a".repeat(40), "b".repeat(40));
        assert_eq!(parse_index_line(&full).unwrap().mode, Some(0o100755));
        for bad in [
            "index abc..def 100644",
            "index c82d0d689059 100644",
            "index c82d0d68905g..08d8a023ffe6",
            "index c82d0d689059..08d8a023ffe6 100644 extra",
            "index c82d0d689059..08d8a023ffe6 10x644",
            "mode c82d0d689059..08d8a023ffe6",
        ] {
            assert_eq!(parse_index_line(bad), None, "{bad}");
        }
        let too_long = format!("index {}..{}", "a".repeat(41), "b".repeat(7));
        assert_eq!(parse_index_line(&too_long), None);
    }

    #[test]
    fn content_matches_by_prefix_and_absence() {
        let id = full_blob_id(b"int a;\n");
        assert_eq!(id.len(), 40);
        assert_eq!(&id[..12], crate::kernel::blob_id("int a;\n"));
        assert!(content_matches(Some(b"int a;\n"), &id[..7]));
        assert!(content_matches(Some(b"int a;\n"), &id.to_ascii_uppercase()));
        assert!(!content_matches(Some(b"int b;\n"), &id[..12]));
        assert!(content_matches(None, "0000000"));
        assert!(!content_matches(None, &id[..12]));
        assert!(!content_matches(Some(b""), "0000000"));
    }

    fn kernel_tree(dir: &Path) -> KernelTree {
        for d in ["include/linux", "kernel", "scripts"] {
            std::fs::create_dir_all(dir.join(d)).unwrap();
        }
        std::fs::write(dir.join("Makefile"), "VERSION = 7\nPATCHLEVEL = 2\nSUBLEVEL = 0\n").unwrap();
        KernelTree::open(dir).unwrap()
    }

    #[test]
    fn preimage_of_a_tree_file() {
        let dir = tempfile::tempdir().unwrap();
        let tree = kernel_tree(dir.path());
        std::fs::write(dir.path().join("kernel/a.c"), "int a;\n").unwrap();
        let id = full_blob_id(b"int a;\n");
        assert!(preimage_matches(&tree, "kernel/a.c", &id[..12]));
        assert!(!preimage_matches(&tree, "kernel/a.c", &full_blob_id(b"x")[..12]));
        assert!(!preimage_matches(&tree, "kernel/a.c", "0000000"));
        assert!(preimage_matches(&tree, "kernel/new.c", "000000000000"));
        assert!(!preimage_matches(&tree, "kernel/new.c", &id[..12]));
        assert!(!preimage_matches(&tree, "../a.c", "0000000"));
    }

    /// A repository with a commit per `(subject, content of kernel/a.c)`; returns their ids.
    fn history(dir: &Path, steps: &[(&str, Option<&str>)]) -> (Repository, Vec<Oid>) {
        let repo = Repository::init(dir).unwrap();
        let mut ids = Vec::new();
        for (i, (subject, content)) in steps.iter().enumerate() {
            let mut kernel = repo.treebuilder(None).unwrap();
            let other = repo.blob(b"int other;\n").unwrap();
            kernel.insert("other.c", other, 0o100644).unwrap();
            if let Some(c) = content {
                kernel
                    .insert("a.c", repo.blob(c.as_bytes()).unwrap(), 0o100644)
                    .unwrap();
            }
            let kernel = kernel.write().unwrap();
            let mut top = repo.treebuilder(None).unwrap();
            top.insert("kernel", kernel, 0o040000).unwrap();
            let tree = repo.find_tree(top.write().unwrap()).unwrap();
            // One second apart, so time order is history order.
            let when =
                git2::Signature::new("T", "t@example.org", &git2::Time::new(1_700_000_000 + i as i64, 0)).unwrap();
            let parents: Vec<git2::Commit> = ids.last().map(|p| repo.find_commit(*p).unwrap()).into_iter().collect();
            let parents: Vec<&git2::Commit> = parents.iter().collect();
            let id = repo
                .commit(Some("HEAD"), &when, &when, subject, &tree, &parents)
                .unwrap();
            ids.push(id);
        }
        (repo, ids)
    }

    fn wanted(path: &str, content: Option<&str>) -> Wanted {
        Wanted {
            path: path.into(),
            prefix: match content {
                Some(c) => full_blob_id(c.as_bytes())[..12].to_string(),
                None => "0000000".into(),
            },
        }
    }

    #[test]
    fn search_names_the_commits_holding_the_blobs_best_first() {
        let dir = tempfile::tempdir().unwrap();
        let (repo, ids) = history(
            dir.path(),
            &[
                ("one", None),
                ("two", Some("a2\n")),
                ("three", Some("a3\n")),
                ("four", Some("a4\n")),
            ],
        );
        let want = [
            wanted("kernel/a.c", Some("a2\n")),
            wanted("kernel/other.c", Some("int other;\n")),
        ];
        let found = search_commits(&repo, &want, 1000).unwrap();
        assert_eq!(found.walked, 4);
        assert_eq!(found.commits[0].commit, ids[1].to_string());
        assert_eq!((found.commits[0].held, found.commits[0].total), (2, 2));
        assert_eq!(found.commits[0].subject, "two");
        // The others hold other.c only, newest first.
        let rest: Vec<&str> = found.commits[1..].iter().map(|c| c.subject.as_str()).collect();
        assert_eq!(rest, ["four", "three", "one"]);
        assert!(found.commits[1..].iter().all(|c| c.held == 1));
        // A new file's preimage: the commit without the file.
        let found = search_commits(&repo, &[wanted("kernel/a.c", None)], 1000).unwrap();
        assert_eq!(found.commits.len(), 1);
        assert_eq!(found.commits[0].subject, "one");
        // The walk is bounded: the two newest commits do not hold a2.
        let found = search_commits(&repo, &want[..1], 2).unwrap();
        assert_eq!((found.walked, found.commits.len()), (2, 0));
        assert_eq!(search_commits(&repo, &want, 0).unwrap().walked, 0);
    }

    #[test]
    fn an_unborn_head_walks_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let found = search_commits(&repo, &[wanted("kernel/a.c", None)], 1000).unwrap();
        assert_eq!(
            found,
            Search {
                walked: 0,
                commits: vec![]
            }
        );
    }
}
