//! Proof that a healed file is what its author wrote.
//!
//! A mail's `index <pre>..<post>` line names the file's blob before and after the patch. When
//! the tree's file is the preimage blob, the author's result is exactly the file whose git blob
//! id is the postimage: a healed file with that id is proven, byte for byte. When the first
//! guess is not, the decisions the healer could have taken otherwise are tried (indentation a
//! tab deeper or shallower, alone or with the lines under it; a statement's continuations in
//! another style; an aligned gap another width; a blank line on the other side of the lines
//! added next to it: `heal` lists them), single changes first, then pairs, within a bounded
//! budget, until the id matches. Nothing is ever called proven without a matching id.

use serde::Serialize;

/// One decision the healer made that could have gone otherwise: each alternative is a set of
/// whole-line replacements (index in the file, text) that together undo it another way.
#[derive(Debug, Clone)]
pub struct Doubt {
    /// 0-based line in the file (the first line the decision touches).
    pub line: usize,
    pub why: String,
    pub alternatives: Vec<Vec<(usize, String)>>,
    /// Kernel style makes the first guess likely: tried after the unsure ones.
    pub likely: bool,
}

/// How far the search may go for one file.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub max_tries: usize,
    pub max_bytes: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            max_tries: 12000,
            max_bytes: 768 << 20,
        }
    }
}

/// What the search found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Search {
    /// The lines as given hash to the postimage.
    AsHealed,
    /// After these doubts took these alternatives (indices into the doubts, alternative), and
    /// after how many tries.
    Found { changes: Vec<(usize, usize)>, tried: usize },
    /// No combination within the budget; how many were tried.
    NotFound { tried: usize },
}

/// The full git blob id of `content`.
pub fn blob_of(content: &[u8]) -> String {
    git2::Oid::hash_object(git2::ObjectType::Blob, content)
        .expect("hashing a buffer cannot fail")
        .to_string()
}

/// The full git blob id of `content`, hashed by the processor's SHA instructions where it has
/// them: the search hashes whole files thousands of times, about four times faster so than
/// with libgit2's collision-detecting SHA-1 (a mail naming its own postimage has nothing to
/// gain from a collision). Equal to [`blob_of`].
fn fast_blob_of(content: &[u8]) -> String {
    use sha1::{Digest, Sha1};
    let mut hasher = Sha1::new();
    hasher.update(format!("blob {}\0", content.len()).as_bytes());
    hasher.update(content);
    format!("{:x}", hasher.finalize())
}

/// Does the file given by `lines` (joined by `eol`, `trailing` newline) hash to `postimage`
/// (a prefix of a blob id)?
fn matches(lines: &[String], eol: &str, trailing: bool, postimage: &str, bytes: &mut usize) -> bool {
    let mut content = lines.join(eol);
    if trailing && !lines.is_empty() {
        content.push_str(eol);
    }
    *bytes += content.len();
    fast_blob_of(content.as_bytes()).starts_with(postimage)
}

/// Search for the combination of alternatives that makes `lines` the postimage blob; on
/// success `lines` holds it.
pub fn search(
    lines: &mut [String],
    eol: &str,
    trailing: bool,
    postimage: &str,
    doubts: &[Doubt],
    budget: Budget,
) -> Search {
    let mut bytes = 0;
    if matches(lines, eol, trailing, postimage, &mut bytes) {
        return Search::AsHealed;
    }
    // The unsure decisions first, then the likely ones; in file order within each.
    let mut order: Vec<usize> = (0..doubts.len()).collect();
    order.sort_by_key(|&d| (doubts[d].likely, doubts[d].line));
    let mut tried = 0;
    let over = |tried: usize, bytes: usize| tried >= budget.max_tries || bytes >= budget.max_bytes;
    let apply = |lines: &mut [String], changes: &[(usize, String)]| -> Vec<(usize, String)> {
        changes
            .iter()
            .map(|(i, t)| (*i, std::mem::replace(&mut lines[*i], t.clone())))
            .collect()
    };
    let undo = |lines: &mut [String], saved: Vec<(usize, String)>| {
        for (i, t) in saved.into_iter().rev() {
            lines[i] = t;
        }
    };
    for &d in &order {
        for (a, alt) in doubts[d].alternatives.iter().enumerate() {
            if over(tried, bytes) {
                return Search::NotFound { tried };
            }
            tried += 1;
            let saved = apply(lines, alt);
            if matches(lines, eol, trailing, postimage, &mut bytes) {
                return Search::Found {
                    changes: vec![(d, a)],
                    tried,
                };
            }
            undo(lines, saved);
        }
    }
    // Pairs by the rank of their alternatives (each doubt lists its likelier ones first): the
    // first alternatives of every pair of doubts before anyone's second, and so on, so that a
    // budget spent on many doubts is spent on the likelier combinations.
    let most = doubts.iter().map(|d| d.alternatives.len()).max().unwrap_or(0);
    for level in 0..(2 * most).saturating_sub(1) {
        for (x, &d1) in order.iter().enumerate() {
            for &d2 in &order[x + 1..] {
                let (n1, n2) = (doubts[d1].alternatives.len(), doubts[d2].alternatives.len());
                if n1 == 0 || n2 == 0 {
                    continue;
                }
                for a1 in level.saturating_sub(n2.saturating_sub(1))..n1.min(level + 1) {
                    let a2 = level - a1;
                    let (alt1, alt2) = (&doubts[d1].alternatives[a1], &doubts[d2].alternatives[a2]);
                    if over(tried, bytes) {
                        return Search::NotFound { tried };
                    }
                    tried += 1;
                    let saved1 = apply(lines, alt1);
                    let saved2 = apply(lines, alt2);
                    if matches(lines, eol, trailing, postimage, &mut bytes) {
                        return Search::Found {
                            changes: vec![(d1, a1), (d2, a2)],
                            tried,
                        };
                    }
                    undo(lines, saved2);
                    undo(lines, saved1);
                }
            }
        }
    }
    Search::NotFound { tried }
}

/// What the report says of one file's proof.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Proof {
    /// The result's blob id is the mail's postimage.
    Proven,
    /// The tree's file is the preimage, but no result within the budget hashes to the postimage.
    NotProven,
    /// The tree's file is not the mail's preimage (or the mail has no `index` line): nothing
    /// can prove the result.
    NoProof,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn search_finds_the_alternative_that_hashes_to_the_postimage() {
        let truth = "int f(void)\n{\n\tif (x)\n\t\treturn 1;\n\treturn 0;\n}\n";
        let post = &blob_of(truth.as_bytes())[..12];
        let mut healed = lines("int f(void)\n{\n\tif (x)\n\treturn 1;\n\treturn 0;\n}\n");
        let doubts = vec![
            Doubt {
                line: 4,
                why: "return 0".into(),
                alternatives: vec![vec![(4, "\t\treturn 0;".into())]],
                likely: true,
            },
            Doubt {
                line: 3,
                why: "unbraced body".into(),
                alternatives: vec![vec![(3, "return 1;".into())], vec![(3, "\t\treturn 1;".into())]],
                likely: false,
            },
        ];
        let found = search(&mut healed, "\n", true, post, &doubts, Budget::default());
        assert_eq!(
            found,
            Search::Found {
                changes: vec![(1, 1)],
                tried: 2
            }
        );
        assert_eq!(healed.join("\n") + "\n", truth);
    }

    #[test]
    fn pairs_of_first_alternatives_come_before_any_second_one() {
        // Three doubts of two alternatives each; the author changed lines 0 and 2 to their
        // first alternatives: after the six singles, the second pair tried (not the fifth).
        let truth = "A\nb\nC\n";
        let post = &blob_of(truth.as_bytes())[..12];
        let mut healed = lines("a\nb\nc\n");
        let doubt = |line: usize, first: &str, second: &str| Doubt {
            line,
            why: "x".into(),
            alternatives: vec![vec![(line, first.into())], vec![(line, second.into())]],
            likely: false,
        };
        let doubts = vec![doubt(0, "A", "a2"), doubt(1, "B", "b2"), doubt(2, "C", "c2")];
        let found = search(&mut healed, "\n", true, post, &doubts, Budget::default());
        assert_eq!(
            found,
            Search::Found {
                changes: vec![(0, 0), (2, 0)],
                tried: 8
            }
        );
    }

    #[test]
    fn the_fast_blob_id_is_gits() {
        for content in ["", "a", "int x;\n", &"\tline\r\n".repeat(5000)] {
            assert_eq!(fast_blob_of(content.as_bytes()), blob_of(content.as_bytes()));
        }
    }

    #[test]
    fn a_wrong_postimage_is_never_matched() {
        let mut healed = lines("a\nb\n");
        let doubts = vec![Doubt {
            line: 0,
            why: "x".into(),
            alternatives: vec![vec![(0, "\ta".into())]],
            likely: false,
        }];
        let found = search(&mut healed, "\n", true, "0123456789ab", &doubts, Budget::default());
        assert_eq!(found, Search::NotFound { tried: 1 });
        assert_eq!(healed, lines("a\nb\n"), "the lines are put back");
    }
}
