//! Finishing a healed patch: once every hunk of a patch is placed, the whitespace model is
//! learnt from all of its old lines (`restore`), the added lines are rebuilt by it, the
//! decisions that could have gone otherwise are listed as doubts, and where the tree's file is
//! the mail's preimage the result is proven by its blob id (`proof`), searching the doubts'
//! alternatives when the first guess is not it.

use super::locate::BlankChoice;
use super::proof::{self, Budget, Doubt, Pairing, Proof, Search};
use super::restore::{self, Interior, Language, Model};
use crate::kernel::indent::{self, indent_width, leading, Rule, Style};
use crate::kernel::{align, comment_code, comment_lists, define_gap, gaps, prose, twin};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

const TAB: &str = "\t";

/// One file's share of a patch, collected while its hunks are placed.
#[derive(Debug, Default)]
pub struct FileWork {
    pub path: String,
    /// Indices of the added lines in the file, ascending.
    pub added: Vec<usize>,
    /// Lost blank lines placed beside added runs, with the run's start as a file index.
    pub blanks: Vec<BlankChoice>,
    /// The postimage blob id the result must have, when the file was the preimage.
    pub postimage: Option<String>,
    pub language: Language,
    /// Which report hunk each added line belongs to (index into the patch's hunk reports).
    pub added_hunk: Vec<usize>,
    /// Where each hunk was placed, in the file before the patch and in the healed file.
    pub spans: Vec<super::shape::HunkSpan>,
    /// The index before the patch of each of `removed`, in its order.
    pub removed_at: Vec<usize>,
    /// The tree's file is known not to be the mail's preimage: its removed lines may not be
    /// the author's bytes.
    pub preimage_differs: bool,
    /// The removed lines, as the tree had them, with their report hunk: the twins whose gaps
    /// an added line that rewrites one keeps.
    pub removed: Vec<(usize, String)>,
}

impl FileWork {
    /// The removed lines of each report hunk, split once: the twins its added lines may
    /// rewrite.
    fn removed_by_hunk(&self) -> HashMap<usize, twin::Removed<'_>> {
        let mut by_hunk: HashMap<usize, Vec<&str>> = HashMap::new();
        for (h, line) in &self.removed {
            by_hunk.entry(*h).or_default().push(line);
        }
        by_hunk
            .into_iter()
            .map(|(h, lines)| (h, twin::Removed::new(lines)))
            .collect()
    }
}

/// A healed line the tool is not sure of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Uncertain {
    /// 1-based line in the result.
    pub line: usize,
    pub why: String,
}

/// What finishing did to one file.
#[derive(Debug)]
pub struct Finished {
    pub proof: Proof,
    /// Added lines whose whitespace was rebuilt, per report hunk.
    pub rebuilt_per_hunk: Vec<(usize, usize)>,
    pub uncertain: Vec<Uncertain>,
    /// How many alternatives the proof search tried (0: none needed or possible).
    pub tried: usize,
}

fn shift(line: &str, deeper: bool) -> Option<String> {
    if line.trim().is_empty() {
        return None;
    }
    if deeper {
        Some(format!("{TAB}{line}"))
    } else {
        line.strip_prefix(TAB).map(str::to_string)
    }
}

/// Rebuild `work`'s added lines in `lines` by `model`, list the doubts, and prove the result
/// when the file was the preimage. `eol` and `trailing` say how the file's lines join.
pub fn finish(lines: &mut [String], work: &FileWork, model: &Model, eol: &str, trailing: bool) -> Finished {
    let targets = &work.added;
    let before: Vec<String> = targets.iter().map(|&t| lines[t].clone()).collect();
    let mut doubts = Vec::new();
    let collapsed_c = model.interior == Interior::Collapsed && work.language == Language::C;
    // Before re-indenting, which pads a `#define`'s value after its name.
    let named = if collapsed_c {
        define_gap::respace_names(lines, targets)
    } else {
        Vec::new()
    };
    let rules = restore::restore(lines, targets, model, work.language);
    // Added lines whose gaps the removed line they rewrite gave, as they were before.
    let mut untwinned: Vec<(usize, String)> = Vec::new();
    let removed = work.removed_by_hunk();
    let styled = styled_leads(lines, targets, &rules);
    let realigned = if model.interior == Interior::Collapsed && work.language == Language::C {
        align::realign(lines, targets)
    } else {
        Vec::new()
    };
    let comment_bodies: Vec<usize> = targets
        .iter()
        .zip(&rules)
        .filter(|(_, rule)| **rule == Rule::CommentBody)
        .map(|(&t, _)| t)
        .collect();
    stars_under_openers(lines, &comment_bodies);
    if model.interior == Interior::Collapsed {
        if work.language == Language::C {
            prose::respace(lines, targets);
            doubts.extend(list_doubts(comment_lists::realign(lines, targets)));
            doubts.extend(example_doubts(lines, targets));
        }
        for (&t, &h) in targets.iter().zip(&work.added_hunk) {
            if let Some((_, healed)) = removed.get(&h).and_then(|r| twin::best(&lines[t], r)) {
                if healed != lines[t] {
                    untwinned.push((t, std::mem::replace(&mut lines[t], healed)));
                }
            }
        }
    }
    // Indentation doubts on the finished lines, so that an alternative keeps what the
    // interior steps did to the rest of its line.
    if !rules.is_empty() {
        doubts.extend(indent_doubts(lines, targets, &rules));
        doubts.extend(continuation_doubts(lines, targets, &rules, &styled));
        doubts.extend(twin_doubts(lines, work, &removed));
        doubts.extend(macros::macro_doubts(lines, targets));
    }
    if model.interior == Interior::Collapsed && work.language == Language::C {
        doubts.extend(gap_doubts(lines, targets, &realigned));
        doubts.extend(sentence_doubts(lines, targets));
    }
    // Each name spaced once again, and all of them at once (a file's habit, not a line's).
    let spaced_once: Vec<(usize, String)> = named
        .iter()
        .filter_map(|&t| Some((t, define_gap::name_spaced_once(&lines[t])?)))
        .collect();
    doubts.extend(each_and_all(
        spaced_once,
        "#define's name set off as its paragraph's nearest #define",
    ));
    // A block of added `#define`s gapped one way throughout.
    if collapsed_c {
        for alternatives in define_gap::block_alternatives(lines, targets) {
            doubts.push(Doubt {
                line: alternatives[0][0].0,
                why: "a block of #defines gapped one way throughout".into(),
                alternatives,
                likely: true,
                pairing: Pairing::First,
                sources: Vec::new(),
            });
        }
    }
    // An author who rewrites a line may also tidy its gaps: each line, and all of them at once
    // (one tidying pass over a block), as the neighbours and the mail had them.
    let twin_gapped: HashMap<usize, String> = untwinned.iter().cloned().collect();
    doubts.extend(each_and_all(untwinned, "gaps taken from the removed line it rewrites"));
    doubts.extend(work.blanks.iter().filter_map(|c| blank_doubt(lines, c)));
    let hunk_of = |line: usize| targets.binary_search(&line).ok().map(|k| work.added_hunk[k]);
    let habits = habit_doubts(&doubts, hunk_of);
    doubts.extend(habits);
    stars_follow_openers(lines, targets, &mut doubts);
    let mut rebuilt: Vec<(usize, usize)> = Vec::new();
    for ((&t, b), &h) in targets.iter().zip(&before).zip(&work.added_hunk) {
        if lines[t] != *b {
            match rebuilt.last_mut() {
                Some((last, n)) if *last == h => *n += 1,
                _ => rebuilt.push((h, 1)),
            }
        }
    }
    if *model != Model::CLEAN {
        let mailed: HashMap<usize, &str> = targets.iter().copied().zip(before.iter().map(String::as_str)).collect();
        let kept = unchanged::kept_by_git(lines, work, &mut doubts, &twin_gapped, &mailed);
        doubts.extend(kept);
    }
    let (proof, tried) = match &work.postimage {
        None => (Proof::NoProof, 0),
        Some(post) => match proof::search(
            lines,
            eol,
            trailing,
            post,
            &doubts,
            &resorts::last_resorts(lines, targets, model, &rules),
            Budget::default(),
        ) {
            Search::AsHealed => (Proof::Proven, 0),
            Search::Found { tried, .. } => (Proof::Proven, tried),
            Search::NotFound { tried } => (Proof::NotProven, tried),
        },
    };
    let uncertain = match proof {
        Proof::Proven => vec![],
        _ => doubts
            .iter()
            .filter(|d| !d.likely)
            .map(|d| Uncertain {
                line: d.line + 1,
                why: d.why.clone(),
            })
            .collect(),
    };
    Finished {
        proof,
        rebuilt_per_hunk: rebuilt,
        uncertain,
        tried,
    }
}

/// The added star lines of each comment opened after code, where re-indentation placed them
/// (`rebuilt`), stand one right of its `/*` once `align` has widened the gap before it
/// (`struct hlist_node free_node;\t/* used to postpone` / `\t\t\t\t\t\t * bpf_selem_free`); a
/// comment with star lines of the tree's keeps their column.
fn stars_under_openers(lines: &mut [String], rebuilt: &[usize]) {
    let mut openers: Vec<usize> = Vec::new();
    for &t in rebuilt {
        let Some(opener) = (0..t).rev().find(|&j| !lines[j].trim_start().starts_with('*')) else {
            continue;
        };
        if !openers.contains(&opener) {
            openers.push(opener);
        }
    }
    for opener in openers {
        let Some(col) = indent::trailing_comment_star(&lines[opener]) else {
            continue;
        };
        let stars = indent::star_lines(lines, opener);
        if !stars.iter().all(|j| rebuilt.binary_search(j).is_ok()) {
            continue;
        }
        for j in stars {
            lines[j] = format!("{}{}", indent::make_indent(col), lines[j].trim_start());
        }
    }
}

/// An alternative that moves the `/*` of a comment opened after code moves the comment's added
/// star lines with it, re-indented under it (`stars_under_openers` put them under the first
/// guess's `/*`): heal benchmark, archive with `index` lines, +0 / +1 files proven
/// (bpf_local_storage.h). An alternative that moves lines is left as it is: its replacements
/// line up one to one with the lines they take their text from.
fn stars_follow_openers(lines: &[String], targets: &[usize], doubts: &mut [Doubt]) {
    for doubt in doubts.iter_mut().filter(|d| d.sources.is_empty()) {
        for alternative in &mut doubt.alternatives {
            let mut followers: Vec<(usize, String)> = Vec::new();
            for (i, text) in alternative.iter() {
                let Some(col) = indent::trailing_comment_star(text) else {
                    continue;
                };
                if indent::trailing_comment_star(&lines[*i]) == Some(col) {
                    continue;
                }
                let stars = indent::star_lines(lines, *i);
                for j in stars.into_iter().take_while(|j| targets.binary_search(j).is_ok()) {
                    let star = alternative.iter().find(|(k, _)| *k == j).map_or(&lines[j], |(_, t)| t);
                    followers.push((j, format!("{}{}", indent::make_indent(col), star.trim_start())));
                }
            }
            alternative.retain(|(k, _)| !followers.iter().any(|(j, _)| j == k));
            alternative.extend(followers);
        }
    }
}

/// One author writes a patch with one set of habits: the doubts of one kind (one `why`), each
/// taken the same other way at once (every one's first alternative, every one's second …),
/// as one doubt more of that kind; and the same within each hunk, where a file has more of
/// that kind elsewhere (a struct's members tidied, the rest of the file left alone).
/// Blank-line moves are left out (their lines shift). `hunk_of` gives a line's hunk.
fn habit_doubts(doubts: &[Doubt], hunk_of: impl Fn(usize) -> Option<usize>) -> Vec<Doubt> {
    let mut kinds: Vec<(&str, Option<usize>, Vec<&Doubt>)> = Vec::new();
    for d in doubts.iter().filter(|d| d.sources.is_empty()) {
        for hunk in [None, hunk_of(d.line)] {
            match kinds.iter_mut().find(|(why, h, _)| *why == d.why && *h == hunk) {
                Some((_, _, group)) => group.push(d),
                None => kinds.push((&d.why, hunk, vec![d])),
            }
        }
    }
    let file_wide: Vec<(&str, usize)> = kinds
        .iter()
        .filter(|(_, h, _)| h.is_none())
        .map(|(why, _, g)| (*why, g.len()))
        .collect();
    let mut out = Vec::new();
    for (why, hunk, group) in kinds {
        let whole_file = file_wide.iter().any(|&(w, n)| w == why && n == group.len());
        if group.len() < 2 || (hunk.is_some() && whole_file) {
            continue;
        }
        let most = group.iter().map(|d| d.alternatives.len()).max().unwrap_or(0);
        let mut alternatives: Vec<Vec<(usize, String)>> = Vec::new();
        for k in 0..most {
            // A line two doubts of the kind change keeps the first one's change.
            let mut union: Vec<(usize, String)> = Vec::new();
            let mut taken: HashSet<usize> = HashSet::new();
            for alt in group.iter().filter_map(|d| d.alternatives.get(k)) {
                if alt.iter().all(|(i, _)| !taken.contains(i)) {
                    taken.extend(alt.iter().map(|(i, _)| *i));
                    union.extend(alt.iter().cloned());
                }
            }
            if !alternatives.contains(&union) {
                alternatives.push(union);
            }
        }
        out.push(Doubt {
            line: group[0].line,
            why: format!("{why} (all at once)"),
            alternatives,
            likely: true,
            pairing: group.iter().map(|d| d.pairing).min().unwrap_or(Pairing::First),
            sources: Vec::new(),
        });
    }
    out
}

/// A doubt for each of `changes` alone, and one for all of them at once (a habit an author
/// has throughout, not line by line).
fn each_and_all(changes: Vec<(usize, String)>, why: &str) -> Vec<Doubt> {
    let all = (changes.len() > 1).then(|| changes.clone());
    changes
        .into_iter()
        .map(|one| vec![one])
        .chain(all)
        .map(|alternative| Doubt {
            line: alternative[0].0,
            why: why.into(),
            alternatives: vec![alternative],
            likely: true,
            pairing: Pairing::First,
            sources: Vec::new(),
        })
        .collect()
}

/// The other ways a re-indented line could have stood: a tab deeper or shallower, alone or with
/// the lines it leads (the added lines after it that are indented at least as deep).
fn indent_doubts(lines: &[String], targets: &[usize], rules: &[Rule]) -> Vec<Doubt> {
    let mut out = Vec::new();
    for (k, (&t, rule)) in targets.iter().zip(rules).enumerate() {
        if matches!(rule, Rule::Blank | Rule::GotoLabel) {
            continue;
        }
        let width = indent_width(&lines[t]);
        let mut block = vec![t];
        for &u in &targets[k + 1..] {
            if u != block[block.len() - 1] + 1 {
                break;
            }
            if !lines[u].trim().is_empty() && indent_width(&lines[u]) < width {
                break;
            }
            block.push(u);
        }
        let mut alternatives = Vec::new();
        for deeper in [true, false] {
            if let Some(one) = shift(&lines[t], deeper) {
                alternatives.push(vec![(t, one)]);
            }
            if block.len() > 1 {
                let moved: Option<Vec<(usize, String)>> = block
                    .iter()
                    .filter(|&&u| !lines[u].trim().is_empty())
                    .map(|&u| shift(&lines[u], deeper).map(|s| (u, s)))
                    .collect();
                if let Some(moved) = moved {
                    alternatives.push(moved);
                }
            }
        }
        if *rule == Rule::Continuation || *rule == Rule::ContinuationParen {
            // A continuation may stand one or two tabs deeper than the line above instead, or
            // two tabs deeper than where it was put.
            if let Some(two) = shift(&lines[t], true).and_then(|s| shift(&s, true)) {
                alternatives.push(vec![(t, two)]);
            }
            if let Some(above) = (0..t).rev().find(|&j| !lines[j].trim().is_empty()) {
                let tabs: String = lines[above].chars().take_while(|c| *c == '\t').collect();
                for extra in ["\t", "\t\t"] {
                    let alt = format!("{tabs}{extra}{}", lines[t].trim_start());
                    if alt != lines[t] {
                        alternatives.push(vec![(t, alt)]);
                    }
                }
            }
        }
        if *rule == Rule::ContinuationParen {
            // Aligned by eye: a column short of the parenthesis or past it, alone or with the
            // continuations under it that stand where it stands.
            let mut run = vec![t];
            for (&u, &r) in targets[k + 1..].iter().zip(&rules[k + 1..]) {
                if u != run[run.len() - 1] + 1 || r != Rule::ContinuationParen || indent_width(&lines[u]) != width {
                    break;
                }
                run.push(u);
            }
            // Or tabs on to the next tab stop past it (thread_info.h's `arch_dup_task_struct`).
            let next_stop = (!width.is_multiple_of(8)).then_some((width / 8 + 1) * 8);
            for col in [Some(width + 1), width.checked_sub(1), next_stop].into_iter().flatten() {
                let moved = |u: usize| (u, format!("{}{}", indent::pad_exact(0, col), lines[u].trim_start()));
                alternatives.push(vec![moved(t)]);
                if run.len() > 1 {
                    alternatives.push(run.iter().map(|&u| moved(u)).collect());
                }
            }
        }
        out.push(Doubt {
            line: t,
            why: rule.describe().to_string(),
            alternatives,
            likely: rule.sure(),
            pairing: indent_pairing(*rule),
            sources: Vec::new(),
        });
    }
    out
}

/// How an indentation doubt is combined in the search's rules' order: never, for the rules that place a line
/// by the code's structure; after the others, for a continuation aligned after its parenthesis.
/// Measured over the heal benchmark's files whose author's lines were all among the
/// alternatives (archive with `index` lines): another way was needed for 13 of 28,720
/// structural doubts, 35 of 2,643 aligned continuations (1.3 %), 2 to 10 % of the other kinds.
fn indent_pairing(rule: Rule) -> Pairing {
    if rule.structural() {
        Pairing::Never
    } else if rule == Rule::ContinuationParen {
        Pairing::Later
    } else {
        Pairing::First
    }
}

/// The leading whitespace of every target in each continuation style (`Style::ALL` order),
/// from re-indenting copies of `lines` with that style forced; empty when no line continues
/// under an open parenthesis.
fn styled_leads(lines: &[String], targets: &[usize], rules: &[Rule]) -> Vec<Vec<String>> {
    if !rules.contains(&Rule::ContinuationParen) {
        return Vec::new();
    }
    Style::ALL
        .iter()
        .map(|&style| {
            let mut copy = lines.to_vec();
            indent::reindent_styled(&mut copy, targets, Some(style));
            targets.iter().map(|&t| leading(&copy[t]).to_string()).collect()
        })
        .collect()
}

/// Continuation lines under an open parenthesis stand as the tree's continuations around them
/// stand, which is a vote: each run of them (one statement's) may stand in another style as a
/// whole, and so may every run of the file at once.
fn continuation_doubts(lines: &[String], targets: &[usize], rules: &[Rule], styled: &[Vec<String>]) -> Vec<Doubt> {
    let mut runs: Vec<Vec<usize>> = Vec::new();
    for (k, rule) in rules.iter().enumerate() {
        if *rule != Rule::ContinuationParen {
            continue;
        }
        match runs.last_mut() {
            Some(run) if targets[run[run.len() - 1]] + 1 == targets[k] => run.push(k),
            _ => runs.push(vec![k]),
        }
    }
    let restyle = |ks: &[usize], leads: &[String]| -> Vec<(usize, String)> {
        ks.iter()
            .filter_map(|&k| {
                let t = targets[k];
                let text = format!("{}{}", leads[k], lines[t].trim_start());
                (text != lines[t]).then_some((t, text))
            })
            .collect()
    };
    let alternatives = |ks: &[usize]| -> Vec<Vec<(usize, String)>> {
        let mut out: Vec<Vec<(usize, String)>> = Vec::new();
        for leads in styled {
            let alt = restyle(ks, leads);
            if !alt.is_empty() && !out.contains(&alt) {
                out.push(alt);
            }
        }
        out
    };
    let mut out: Vec<Doubt> = runs
        .iter()
        .filter_map(|run| {
            let alternatives = alternatives(run);
            (!alternatives.is_empty()).then(|| Doubt {
                line: targets[run[0]],
                why: "continuation under an open parenthesis: the tree's continuations around it vote on its style"
                    .into(),
                alternatives,
                likely: true,
                pairing: Pairing::First,
                sources: Vec::new(),
            })
        })
        .collect();
    if runs.len() > 1 {
        let all: Vec<usize> = runs.concat();
        let alternatives = alternatives(&all);
        if !alternatives.is_empty() {
            out.push(Doubt {
                line: targets[all[0]],
                why: "every continuation of the file in another style".into(),
                alternatives,
                likely: true,
                pairing: Pairing::First,
                sources: Vec::new(),
            });
        }
    }
    out
}

/// An added line that rewrites a removed one may keep the removed line's indentation, whatever
/// the rules say (a declaration whose return type changed keeps its old continuation column:
/// compaction.h's `compaction_suitable`).
fn twin_doubts(lines: &[String], work: &FileWork, removed: &HashMap<usize, twin::Removed>) -> Vec<Doubt> {
    let mut out = Vec::new();
    for (&t, &h) in work.added.iter().zip(&work.added_hunk) {
        let Some((twin, _)) = removed.get(&h).and_then(|r| twin::best(&lines[t], r)) else {
            continue;
        };
        if let Some(alt) = twin::inserted_left(&lines[t], twin) {
            out.push(Doubt {
                line: t,
                why: "words inserted after the removed line's gap, not before its next word".into(),
                alternatives: vec![vec![(t, alt)]],
                likely: true,
                pairing: Pairing::First,
                sources: Vec::new(),
            });
        }
        let alt = format!("{}{}", leading(twin), lines[t].trim_start());
        if alt != lines[t] {
            out.push(Doubt {
                line: t,
                why: "indented as the removed line it rewrites".into(),
                alternatives: vec![vec![(t, alt)]],
                likely: true,
                pairing: Pairing::Later,
                sources: Vec::new(),
            });
        }
    }
    out
}

/// Every aligned gap of an added line whose runs of blanks were collapsed may have been
/// another width than the one it was given (`kernel::gaps`).
fn gap_doubts(lines: &[String], targets: &[usize], realigned: &[usize]) -> Vec<Doubt> {
    let mut out = Vec::new();
    for &t in targets {
        let widened = realigned.binary_search(&t).is_ok();
        let why = if widened {
            "gap widened to the neighbours' column"
        } else {
            "gap left as the mail had it: no neighbour aligns it"
        };
        for alternatives in gaps::alternatives(&lines[t]) {
            out.push(Doubt {
                line: t,
                why: why.into(),
                alternatives: alternatives.into_iter().map(|alt| vec![(t, alt)]).collect(),
                likely: true,
                pairing: if widened { Pairing::First } else { Pairing::Later },
                sources: Vec::new(),
            });
        }
    }
    let grouped = [
        (
            gaps::block_alternatives(lines, targets),
            "a block of added lines aligned as one",
            Pairing::First,
        ),
        (
            prose::continuation_alternatives(lines, targets),
            "a parameter's description continued as the file continues them",
            Pairing::First,
        ),
        (
            gaps::file_alternatives(lines, targets),
            "one kind of gap spaced one way in every added line",
            Pairing::Later,
        ),
    ];
    for (groups, why, pairing) in grouped {
        out.extend(groups.into_iter().map(|(first, alternatives)| Doubt {
            line: first,
            why: why.into(),
            alternatives,
            likely: true,
            pairing,
            sources: Vec::new(),
        }));
    }
    out
}

/// A comment's list item or its continuation re-gapped as the file's lists are may have been
/// as the mail had it; each run of them (one item's) also as a whole.
fn list_doubts(changed: Vec<(usize, String)>) -> Vec<Doubt> {
    let mut out = Vec::new();
    let mut runs: Vec<Vec<(usize, String)>> = Vec::new();
    for (t, mail) in changed {
        out.push(Doubt {
            line: t,
            why: "a comment's list spaced as the file's lists are".into(),
            alternatives: vec![vec![(t, mail.clone())]],
            likely: true,
            pairing: Pairing::First,
            sources: Vec::new(),
        });
        match runs.last_mut() {
            Some(run) if run[run.len() - 1].0 + 1 == t => run.push((t, mail)),
            _ => runs.push(vec![(t, mail)]),
        }
    }
    out.extend(runs.into_iter().filter(|run| run.len() > 1).map(|run| Doubt {
        line: run[0].0,
        why: "a comment's list spaced as the mail had it throughout".into(),
        alternatives: vec![run],
        likely: true,
        pairing: Pairing::First,
        sources: Vec::new(),
    }));
    out
}

/// Code examples in comments, indented as code where the file's own examples are (the mail's
/// one space after the star the other way), else offered so. Heal benchmark without `index`
/// lines: +0 / +1 files, +29 / +8 lines; with: +1 / +1 files proven (err.h, bitops.h).
fn example_doubts(lines: &mut [String], targets: &[usize]) -> Vec<Doubt> {
    let indented = comment_code::file_indents_examples(lines, targets);
    comment_code::code_alternatives(lines, targets)
        .into_iter()
        .map(|(line, mut alternatives)| {
            // One alternative per example: swapping a second would hand it the first's text.
            debug_assert_eq!(alternatives.len(), 1);
            if indented {
                for run in &mut alternatives {
                    for (j, text) in run.iter_mut() {
                        std::mem::swap(&mut lines[*j], text);
                    }
                }
            }
            Doubt {
                line,
                why: if indented {
                    "a code example in a comment indented as the file's are".into()
                } else {
                    "a code example in a comment indented as code".into()
                },
                alternatives,
                likely: true,
                pairing: Pairing::First,
                sources: Vec::new(),
            }
        })
        .collect()
}

/// An added comment line's stops may have been spaced the other way than the file's habit
/// (`kernel::prose`); an author who did so in one line of a comment usually did in all of its
/// added lines, so each run of such lines is also tried switched as a whole.
fn sentence_doubts(lines: &[String], targets: &[usize]) -> Vec<Doubt> {
    let mut out = Vec::new();
    let mut run: Vec<(usize, String)> = Vec::new();
    let close = |run: &mut Vec<(usize, String)>, out: &mut Vec<Doubt>| {
        if run.len() > 1 {
            out.push(Doubt {
                line: run[0].0,
                why: "a comment's sentences spaced the other way throughout".into(),
                alternatives: vec![std::mem::take(run)],
                likely: true,
                pairing: Pairing::First,
                sources: Vec::new(),
            });
        }
        run.clear();
    };
    for &t in targets {
        let Some(other) = prose::other_sentence_spacing(&lines[t]) else {
            continue;
        };
        out.push(Doubt {
            line: t,
            why: "sentences spaced as the file mostly spaces them".into(),
            alternatives: vec![vec![(t, other.clone())]],
            likely: true,
            pairing: Pairing::Later,
            sources: Vec::new(),
        });
        // Lines of one comment between the respaced ones (without a stop) do not end the run.
        let same_comment = run.last().is_some_and(|&(last, _)| {
            (last + 1..t).all(|j| targets.binary_search(&j).is_ok() && lines[j].trim_start().starts_with('*'))
        });
        if !same_comment {
            close(&mut run, &mut out);
        }
        run.push((t, other));
    }
    close(&mut run, &mut out);
    out
}

/// A blank line placed beside a run of added lines: the other side, then between two of the
/// added lines where a statement, block, comment or directive ends (a blank context line of the
/// mail between added lines reads, once lost, as one run of them).
fn blank_doubt(lines: &[String], c: &BlankChoice) -> Option<Doubt> {
    let (lo, hi) = if c.before {
        (c.run_start.checked_sub(c.blanks)?, c.run_start + c.run_len)
    } else {
        (c.run_start, c.run_start + c.run_len + c.blanks)
    };
    if hi > lines.len() {
        return None;
    }
    let span = &lines[lo..hi];
    let (blanks, run) = if c.before {
        (&span[..c.blanks], &span[c.blanks..])
    } else {
        (&span[c.run_len..], &span[..c.run_len])
    };
    let ends_something = |line: &str| {
        let t = line.trim();
        t.ends_with(';') || t.ends_with('}') || t.ends_with("*/") || t.starts_with('#')
    };
    let starts_something = |line: &str| {
        let t = line.trim_start();
        t.starts_with("/*") || t.starts_with('#')
    };
    let between = (1..c.run_len).filter(|&p| {
        let (above, below) = (&run[p - 1], &run[p]);
        !above.trim().is_empty() && !below.trim().is_empty() && (ends_something(above) || starts_something(below))
    });
    let other_side = if c.before { c.run_len } else { 0 };
    let places: Vec<usize> = std::iter::once(other_side).chain(between).collect();
    let alternatives = places
        .iter()
        .map(|&p| {
            let placed = run[..p].iter().chain(blanks).chain(&run[p..]).cloned();
            (lo..hi).zip(placed).collect()
        })
        .collect();
    // Where each placed line stands now, so that a change the search pairs with a move is moved
    // with its line.
    let (run_at, blanks_at) = if c.before {
        (lo + c.blanks, lo)
    } else {
        (lo, lo + c.run_len)
    };
    let sources = places
        .iter()
        .map(|&p| {
            (run_at..run_at + p)
                .chain(blanks_at..blanks_at + c.blanks)
                .chain(run_at + p..run_at + c.run_len)
                .collect()
        })
        .collect();
    let at = if c.before { lo } else { c.run_start + c.run_len };
    Some(Doubt {
        line: at,
        why: format!(
            "{} lost blank line(s) placed {} {} added line(s); the mail cannot say which side",
            c.blanks,
            if c.before { "before" } else { "after" },
            c.run_len
        ),
        alternatives,
        likely: false,
        pairing: Pairing::First,
        sources,
    })
}

mod macros;
mod resorts;
#[cfg(test)]
mod tests;
mod unchanged;
