//! Proof that a healed file is what its author wrote.
//!
//! A mail's `index <pre>..<post>` line names the file's blob before and after the patch. When
//! the tree's file is the preimage blob, the author's result is exactly the file whose git blob
//! id is the postimage: a healed file with that id is proven, byte for byte. When the first
//! guess is not, the decisions the healer could have taken otherwise are tried (indentation a
//! tab deeper or shallower, alone or with the lines under it; a statement's continuations in
//! another style; an aligned gap another width; a blank line on the other side of the lines
//! added next to it: `heal` lists them, and its last resorts: every gap of every added line
//! another way, every continuation at the columns near its own), single changes first, then
//! pairs, then three doubts at once, within a bounded budget, until the id matches. Nothing is
//! ever called proven without a matching id.

use crate::kernel::indent::leading;
use serde::Serialize;
use std::collections::HashSet;

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
    /// Where the doubt comes in the search's combinations.
    pub pairing: Pairing,
    /// For an alternative that moves lines (a blank line to the other side of added ones), the
    /// line each of its replacements takes its text from, in order; empty for the others.
    /// Combined with another doubt's change of a moved line, the moved line is the changed one.
    pub sources: Vec<Vec<usize>>,
}

/// Where a doubt comes in the search's pairs and triples; alone, every doubt is tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Pairing {
    /// In file order with the others of its likelihood.
    First,
    /// After every `First` doubt of its likelihood: a kind whose other ways are seldom the
    /// author's (a gap no neighbour aligns, a continuation aligned after its parenthesis, a
    /// line indented as the removed line it rewrites, sentences spaced as the file mostly
    /// spaces them: each needed for 1.3 to 3.3 % of its doubts on the heal benchmark, the
    /// kinds paired first mostly 4 to 10 %).
    Later,
    /// Never combined in the rules' order (the likeliest-first order after it combines any):
    /// where kernel style leaves no real choice (a block's depth, a comment's
    /// star), another way is almost never the author's, and pairing every such doubt with
    /// every other would spend the budget on them. A last resort never paired (one with
    /// dozens of alternatives) is tried alone after the doubts' pairs.
    Never,
}

/// The doubts and last resorts of one search under one index (last resorts after the doubts).
#[derive(Clone, Copy)]
struct Choices<'d> {
    doubts: &'d [Doubt],
    last_resorts: &'d [Doubt],
}

impl<'d> Choices<'d> {
    fn get(&self, d: usize) -> &'d Doubt {
        if d < self.doubts.len() {
            &self.doubts[d]
        } else {
            &self.last_resorts[d - self.doubts.len()]
        }
    }

    fn moves(&self, (d, a): (usize, usize)) -> bool {
        self.get(d).sources.get(a).is_some_and(|s| !s.is_empty())
    }

    /// Whether the combination moves a line another of its alternatives changes (else the
    /// alternatives' replacements can be hashed as they are).
    fn moves_a_change(&self, changes: &[(usize, usize)]) -> bool {
        changes.iter().filter(|&&c| self.moves(c)).any(|&(d, a)| {
            let sources = &self.get(d).sources[a];
            let (lo, hi) = (sources.iter().min(), sources.iter().max());
            changes.iter().filter(|&&c| !self.moves(c)).any(|&(e, b)| {
                self.get(e).alternatives[b]
                    .iter()
                    .any(|(i, _)| lo.is_some_and(|lo| lo <= i) && hi.is_some_and(|hi| i <= hi))
            })
        })
    }

    /// Whether two alternatives of the combination that move nothing touch one line.
    fn overlaps(&self, changes: &[(usize, usize)]) -> bool {
        let sets: Vec<&[(usize, String)]> = changes
            .iter()
            .filter(|&&c| !self.moves(c))
            .map(|&(d, a)| self.get(d).alternatives[a].as_slice())
            .collect();
        let span = |set: &[(usize, String)]| {
            let lo = set.iter().map(|(i, _)| *i).min().unwrap_or(usize::MAX);
            (lo, set.iter().map(|(i, _)| *i).max().unwrap_or(0))
        };
        sets.iter().enumerate().any(|(x, a)| {
            sets[x + 1..].iter().any(|b| {
                let ((alo, ahi), (blo, bhi)) = (span(a), span(b));
                alo <= bhi && blo <= ahi && a.iter().any(|(i, _)| b.iter().any(|(j, _)| i == j))
            })
        })
    }

    /// The replacements of a combination, (doubt, alternative) each, as one list. Two
    /// alternatives of one line merge when one of them changes only its indentation (the other's
    /// text at the first's indentation); else the later wins. An alternative that moves lines
    /// moves them as the others left them. `current` is the file as the healer left it.
    fn replacements(&self, current: &Rehasher, changes: &[(usize, usize)]) -> Vec<(usize, String)> {
        let mut changed: std::collections::HashMap<usize, String> = std::collections::HashMap::new();
        for &(d, a) in changes.iter().filter(|&&c| !self.moves(c)) {
            for (i, text) in &self.get(d).alternatives[a] {
                let merged = match changed.get(i) {
                    Some(earlier) => merge(current.line(*i), earlier, text),
                    None => text.clone(),
                };
                changed.insert(*i, merged);
            }
        }
        for &(d, a) in changes.iter().filter(|&&c| self.moves(c)) {
            let (alt, sources) = (&self.get(d).alternatives[a], &self.get(d).sources[a]);
            let moved: Vec<(usize, String)> = alt
                .iter()
                .zip(sources)
                .map(|((i, text), from)| (*i, changed.get(from).unwrap_or(text).clone()))
                .collect();
            changed.retain(|i, _| !alt.iter().any(|(j, _)| j == i));
            changed.extend(moved);
        }
        changed.into_iter().collect()
    }

    /// Whether `hashed` under the combination is the postimage.
    fn hashes_to(&self, hashed: &mut Rehasher, changes: &[(usize, usize)], postimage: &str) -> bool {
        let blob = if self.moves_a_change(changes) || self.overlaps(changes) {
            let composed = self.replacements(hashed, changes);
            hashed.blob_with(&[&composed])
        } else {
            let sets: Vec<&[(usize, String)]> = changes
                .iter()
                .map(|&(d, a)| self.get(d).alternatives[a].as_slice())
                .collect();
            hashed.blob_with(&sets)
        };
        blob.starts_with(postimage)
    }
}

/// A line after its indentation.
fn body(line: &str) -> &str {
    &line[leading(line).len()..]
}

/// One line as two alternatives changed it from `current`: an indentation-only change takes
/// the other's text; else the later one wins.
fn merge(current: &str, earlier: &str, later: &str) -> String {
    let unchanged = body(current);
    if body(earlier) == unchanged && body(later) != unchanged {
        format!("{}{}", leading(earlier), body(later))
    } else if body(later) == unchanged && body(earlier) != unchanged {
        format!("{}{}", leading(later), body(earlier))
    } else {
        later.to_string()
    }
}

/// How far the search may go for one file.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub max_tries: usize,
    pub max_bytes: usize,
}

/// 100,000 tries: on the heal benchmark (archive with `index` lines) 10 more files proven than
/// 30,000 for a mean of 150 instead of 95 ms a mail, the 493- and 500-line patches still in
/// 0.56 s; 200,000 proved 2 more, with 150-line mails near a second. The bytes hashed bound
/// the large files (verifier.c) either way.
impl Default for Budget {
    fn default() -> Self {
        Budget {
            max_tries: 100000,
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

/// The file as the healer left it, hashed under a set of line replacements without being
/// rebuilt. The search hashes whole files thousands of times; the bytes before the first
/// changed line are the same in every try of the same total length (the length is in git's blob
/// header), so the hasher's state there is kept per length, at every [`STRIDE`] bytes, and each
/// try hashes only from the checkpoint before its first change. The processor's SHA instructions
/// do the rest, about four times faster than libgit2's collision-detecting SHA-1 (a mail naming
/// its own postimage has nothing to gain from a collision).
struct Rehasher {
    base: Vec<u8>,
    /// Byte offset and length of each line in `base`.
    spans: Vec<(usize, usize)>,
    /// Per total length, the hasher after the blob header and `base[..k * STRIDE]`.
    checkpoints: std::collections::HashMap<usize, Vec<sha1::Sha1>>,
    /// Bytes hashed so far (the budget's measure).
    bytes: usize,
}

const STRIDE: usize = 4096;

impl Rehasher {
    fn new(lines: &[String], eol: &str, trailing: bool) -> Self {
        let mut base = Vec::new();
        let mut spans = Vec::with_capacity(lines.len());
        for (i, line) in lines.iter().enumerate() {
            if i > 0 {
                base.extend_from_slice(eol.as_bytes());
            }
            spans.push((base.len(), line.len()));
            base.extend_from_slice(line.as_bytes());
        }
        if trailing && !lines.is_empty() {
            base.extend_from_slice(eol.as_bytes());
        }
        Rehasher {
            base,
            spans,
            checkpoints: Default::default(),
            bytes: 0,
        }
    }

    /// Line `i` as the healer left it.
    fn line(&self, i: usize) -> &str {
        let (offset, len) = self.spans[i];
        std::str::from_utf8(&self.base[offset..offset + len]).unwrap_or("")
    }

    /// The full blob id of the file after `changes` (sets of whole-line replacements; a later
    /// set wins on a line two sets touch).
    fn blob_with(&mut self, changes: &[&[(usize, String)]]) -> String {
        use sha1::Digest;
        let mut merged: Vec<(usize, &str)> = changes
            .iter()
            .flat_map(|set| set.iter().map(|(i, t)| (*i, t.as_str())))
            .collect();
        // Stable: of two replacements of one line, the later one stays last and is kept.
        merged.sort_by_key(|&(i, _)| i);
        merged.reverse();
        merged.dedup_by_key(|&mut (i, _)| i);
        merged.reverse();
        let total = merged.iter().fold(self.base.len() as isize, |n, &(i, t)| {
            n + t.len() as isize - self.spans[i].1 as isize
        }) as usize;
        let first = merged.first().map_or(self.base.len(), |&(i, _)| self.spans[i].0);
        let states = self.checkpoints.entry(total).or_insert_with(|| {
            let mut header = sha1::Sha1::new();
            header.update(format!("blob {total}\0").as_bytes());
            vec![header]
        });
        while states.len() <= first / STRIDE {
            let from = (states.len() - 1) * STRIDE;
            let mut next = states[states.len() - 1].clone();
            next.update(&self.base[from..from + STRIDE]);
            self.bytes += STRIDE;
            states.push(next);
        }
        let mut at = (first / STRIDE) * STRIDE;
        let mut hasher = states[first / STRIDE].clone();
        let start = at;
        let mut replaced = 0;
        for (i, text) in merged {
            let (offset, len) = self.spans[i];
            hasher.update(&self.base[at..offset]);
            hasher.update(text.as_bytes());
            replaced += text.len() + len;
            at = offset + len;
        }
        hasher.update(&self.base[at..]);
        self.bytes += self.base.len() - start + replaced;
        format!("{:x}", hasher.finalize())
    }
}

/// Search for the combination of alternatives that makes `lines` the postimage blob (a prefix
/// of a blob id); on success `lines` holds it. The order: each doubt alone (the unsure before
/// the likely), each of `last_resorts` alone, pairs of doubts, the last resorts never paired
/// alone (a continuation at every column near its own), a last resort paired with a doubt or
/// another last resort, then three doubts at once, each doubt as its [`Pairing`] says. Last
/// resorts (every gap of every added line another way) are too many to pair before the
/// doubts are, and only small files leave budget for them or for triples. That order has
/// [`IN_RULE_ORDER`] % of the budget; the rest goes to the combinations it had not come to,
/// up to three alternatives of any doubts or last resorts at once, the likeliest first by
/// what was measured of each kind ([`likelihood`]). The changes ([`Search::Found`]) index
/// last resorts after `doubts`.
pub fn search(
    lines: &mut [String],
    eol: &str,
    trailing: bool,
    postimage: &str,
    doubts: &[Doubt],
    last_resorts: &[Doubt],
    budget: Budget,
) -> Search {
    let hashed = Rehasher::new(lines, eol, trailing);
    let mut trials = Trials {
        hashed,
        choices: Choices { doubts, last_resorts },
        postimage,
        budget,
        tried: 0,
        tried_before: HashSet::new(),
    };
    if trials.hashed.blob_with(&[]).starts_with(postimage) {
        return Search::AsHealed;
    }
    // The order above for most of the budget, then the likeliest combinations it had not come
    // to (those it tried are not tried again).
    trials.budget.max_tries = budget.max_tries * IN_RULE_ORDER / 100;
    if let found @ Search::Found { .. } = in_rule_order(&mut trials, lines, budget) {
        return found;
    }
    trials.budget.max_tries = budget.max_tries;
    if trials.spent() {
        // A large file's hashed bytes may have run out first.
        return Search::NotFound { tried: trials.tried };
    }
    let choices = trials.choices;
    for changes in likelihood::Likeliest::new(&choices, 8 * budget.max_tries) {
        if let Some(end) = trials.attempt(lines, &changes) {
            return end;
        }
    }
    Search::NotFound { tried: trials.tried }
}

/// The share of the search's budget (percent) spent in the order of the rules: each doubt
/// alone, pairs by rank, then triples. The rest goes to the likeliest combinations by what
/// was measured of each kind of doubt ([`likelihood`]). Heal benchmark, archive with `index`
/// lines (6.1→6.12 / 6.12→7.2): at 60 %, 6 / 7 more files proven (13 won, none lost), in the
/// same time, no combination tried twice (5 / 6 trying the rules' pairs again); at 30 %, 6 / 6
/// more (16 won, 4 lost); the whole budget likeliest first, 8 / 4 more (18 won, 6 lost: two
/// gaps an author's habit changed alike on neighbouring lines come early in the rules' order,
/// late by their odds taken apart); 10,000 tries likeliest first before the rules' order, one
/// fewer; at 45 % and 75 % (no combination tried twice), one and two fewer than at 60 %. The
/// hashed bytes are not shared out: at 60 % of them too, stackmap.c's proof is lost for one
/// other won.
const IN_RULE_ORDER: usize = 60;

/// The search in the order of the rules (see [`search`]), within `trials`' budget.
fn in_rule_order(trials: &mut Trials<'_>, lines: &mut [String], budget: Budget) -> Search {
    let (doubts, last_resorts) = (trials.choices.doubts, trials.choices.last_resorts);
    // The unsure decisions first, then the likely ones; in file order within each.
    let mut order: Vec<usize> = (0..doubts.len()).collect();
    order.sort_by_key(|&d| (doubts[d].likely, doubts[d].line));
    for &d in &order {
        for a in 0..doubts[d].alternatives.len() {
            if let Some(end) = trials.attempt(lines, &[(d, a)]) {
                return end;
            }
        }
    }
    // A last resort never paired has many alternatives: it waits for the doubts' pairs.
    if let Some(end) = trials.resorts_alone(lines, |r| r.pairing != Pairing::Never) {
        return end;
    }
    // Pairs by the rank of their alternatives (each doubt lists its likelier ones first): the
    // first alternatives of every pair of doubts before anyone's second, and so on, so that a
    // budget spent on many doubts is spent on the likelier combinations.
    // Combinations leave out the doubts never paired, and take the later ones last.
    order.retain(|&d| doubts[d].pairing != Pairing::Never);
    order.sort_by_key(|&d| (doubts[d].likely, doubts[d].pairing, doubts[d].line));
    let most = doubts.iter().map(|d| d.alternatives.len()).max().unwrap_or(0);
    for level in 0..(2 * most).saturating_sub(1) {
        for (x, &d1) in order.iter().enumerate() {
            for &d2 in &order[x + 1..] {
                let (n1, n2) = (doubts[d1].alternatives.len(), doubts[d2].alternatives.len());
                if n1 == 0 || n2 == 0 {
                    continue;
                }
                for a1 in level.saturating_sub(n2.saturating_sub(1))..n1.min(level + 1) {
                    if let Some(end) = trials.attempt(lines, &[(d1, a1), (d2, level - a1)]) {
                        return end;
                    }
                }
            }
        }
    }
    if let Some(end) = trials.resorts_alone(lines, |r| r.pairing == Pairing::Never) {
        return end;
    }
    let paired: Vec<usize> = (0..last_resorts.len())
        .filter(|&r| last_resorts[r].pairing != Pairing::Never)
        .map(|r| doubts.len() + r)
        .collect();
    // A small file's doubts leave budget: a last resort with a doubt, or with another last
    // resort of another line (two gaps of two lines that no rule speaks for). Two changes of
    // one line are not a pair, the later would undo the earlier; but a doubt that changes only
    // the line's indentation merges with its last resort, and those pairs come after the others.
    let n = doubts.len();
    for same_line in [false, true] {
        for d1 in order.iter().copied().chain(paired.iter().copied()) {
            for d2 in paired.iter().copied().filter(|&d2| d2 > d1) {
                let line = last_resorts[d2 - n].line;
                let unchanged = body(trials.hashed.line(line)).to_string();
                for (a1, alt1) in trials.choices.get(d1).alternatives.iter().enumerate() {
                    let wanted = match alt1.iter().find(|(i, _)| *i == line) {
                        None => !same_line,
                        Some((_, t)) => same_line && body(t) == unchanged,
                    };
                    if !wanted {
                        continue;
                    }
                    for a2 in 0..last_resorts[d2 - n].alternatives.len() {
                        if let Some(end) = trials.attempt(lines, &[(d1, a1), (d2, a2)]) {
                            return end;
                        }
                    }
                }
            }
        }
    }
    // What budget is left goes to three doubts at once, by the rank of their alternatives as
    // the pairs go. Most triples of a high rank have none (most doubts have one or two
    // alternatives): the triples looked at are bounded too.
    let mut looked = 0usize;
    for level in 0..(3 * most).saturating_sub(2) {
        for (x, &d1) in order.iter().enumerate() {
            for (y, &d2) in order.iter().enumerate().skip(x + 1) {
                for &d3 in &order[y + 1..] {
                    looked += 1;
                    if looked > 8 * budget.max_tries {
                        return Search::NotFound { tried: trials.tried };
                    }
                    let n = [d1, d2, d3].map(|d| doubts[d].alternatives.len());
                    for a1 in 0..n[0].min(level + 1) {
                        for a2 in 0..n[1].min(level - a1 + 1) {
                            let a3 = level - a1 - a2;
                            if a3 >= n[2] {
                                continue;
                            }
                            if let Some(end) = trials.attempt(lines, &[(d1, a1), (d2, a2), (d3, a3)]) {
                                return end;
                            }
                        }
                    }
                }
            }
        }
    }
    Search::NotFound { tried: trials.tried }
}

/// One search's tries: the file, its choices, the postimage, and the budget spent so far.
struct Trials<'d> {
    hashed: Rehasher,
    choices: Choices<'d>,
    postimage: &'d str,
    budget: Budget,
    tried: usize,
    /// The combinations tried so far, by [`combination_key`] (one order does not try again
    /// what the other did).
    tried_before: HashSet<u64>,
}

impl Trials<'_> {
    /// Try each alternative of each last resort that `pick` takes, alone.
    fn resorts_alone(&mut self, lines: &mut [String], pick: impl Fn(&Doubt) -> bool) -> Option<Search> {
        let (doubts, resorts) = (self.choices.doubts.len(), self.choices.last_resorts);
        for (r, resort) in resorts.iter().enumerate().filter(|(_, r)| pick(r)) {
            for a in 0..resort.alternatives.len() {
                if let Some(end) = self.attempt(lines, &[(doubts + r, a)]) {
                    return Some(end);
                }
            }
        }
        None
    }

    /// Whether the budget is spent.
    fn spent(&self) -> bool {
        self.tried >= self.budget.max_tries || self.hashed.bytes >= self.budget.max_bytes
    }

    /// Try one combination: the search's end if the budget is spent (`NotFound`) or the
    /// combination hashes to the postimage (`Found`, with `lines` set to it); else `None`.
    fn attempt(&mut self, lines: &mut [String], changes: &[(usize, usize)]) -> Option<Search> {
        if self.spent() {
            return Some(Search::NotFound { tried: self.tried });
        }
        let ordered = self.choices.overlaps(changes) || self.choices.moves_a_change(changes);
        if !self.tried_before.insert(combination_key(changes, ordered)) {
            return None;
        }
        self.tried += 1;
        if !self.choices.hashes_to(&mut self.hashed, changes, self.postimage) {
            return None;
        }
        for (i, t) in self.choices.replacements(&self.hashed, changes) {
            lines[i] = t;
        }
        Some(Search::Found {
            changes: changes.to_vec(),
            tried: self.tried,
        })
    }
}

/// A combination's key (no allocation per try): a sum of one 64-bit mix per change, whatever
/// their order; in order where it matters (`ordered`: two changes of one line, of which the
/// later wins, or a move). Two combinations with one key would skip a try, never prove
/// anything: the blob id is still compared.
fn combination_key(changes: &[(usize, usize)], ordered: bool) -> u64 {
    // splitmix64's finalizer.
    let mix = |mut x: u64| {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^ (x >> 31)
    };
    let one = |&(d, a): &(usize, usize)| mix((d as u64) << 32 ^ a as u64);
    if ordered {
        changes.iter().fold(1, |key, c| mix(key ^ one(c)))
    } else {
        changes.iter().map(one).fold(0, u64::wrapping_add)
    }
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

mod likelihood;
#[cfg(test)]
mod tests;
