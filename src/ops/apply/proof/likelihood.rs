//! How likely each alternative of a doubt is the author's line, as measured, and the search's
//! second order: combinations of alternatives, the likeliest first.
//!
//! Each kind of doubt (named by how its reason starts) was measured on the heal benchmark
//! (archive form without `index` lines, 6.1→6.12 and 6.12→7.2: the 399,990 doubts of the
//! files healed to their true length): how often one of its alternatives is the author's line
//! where the healer's first guess is not, and at which rank among the doubt's alternatives
//! (the last share for rank 9 and after, spread over them); a lost blank line's side (8,102
//! doubts) likewise, its reason read past the count it starts with. Any kind not listed takes
//! [`UNLISTED`]. A combination is as likely as its alternatives together (as if independent):
//! its cost is the sum of their costs, `-ln` of each one's chance.

use super::{Choices, Doubt};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// (how the doubt's reason starts, how often one of its alternatives was the author's, the
/// share of those at ranks 0 to 8 and at 9 or after). Smoothed: a kind seldom seen keeps a
/// little of every rank.
const MEASURED: [(&str, f64, [f64; 10]); 40] = [
    (
        "lost blank line(s) placed",
        0.013143,
        [
            0.56667, 0.25185, 0.08519, 0.02037, 0.00185, 0.02037, 0.01111, 0.02037, 0.00185, 0.02037,
        ],
    ),
    (
        "the removed line's whitespace exactly, which git would have shown as unchanged",
        0.373371,
        [
            0.17921, 0.20396, 0.20396, 0.07030, 0.06040, 0.14950, 0.05545, 0.05050, 0.01584, 0.01089,
        ],
    ),
    (
        "closing brace of a case's block at the label's depth",
        0.291667,
        [
            0.64000, 0.04000, 0.04000, 0.04000, 0.04000, 0.04000, 0.04000, 0.04000, 0.04000, 0.04000,
        ],
    ),
    (
        "#define's name set off as its paragraph's nearest #define",
        0.185714,
        [
            0.77500, 0.02500, 0.02500, 0.02500, 0.02500, 0.02500, 0.02500, 0.02500, 0.02500, 0.02500,
        ],
    ),
    (
        "a block of #defines gapped one way throughout",
        0.183149,
        [
            0.41413, 0.22332, 0.23392, 0.03604, 0.02898, 0.02191, 0.00424, 0.00071, 0.00071, 0.03604,
        ],
    ),
    (
        "gap widened to the neighbours' column",
        0.173490,
        [
            0.35739, 0.31464, 0.09947, 0.02928, 0.05387, 0.05208, 0.02394, 0.02145, 0.01468, 0.03320,
        ],
    ),
    (
        "a parameter's description continued as the file continues them",
        0.173479,
        [
            0.48853, 0.21653, 0.22987, 0.02453, 0.00587, 0.01653, 0.01120, 0.00587, 0.00053, 0.00053,
        ],
    ),
    (
        "a code example in a comment indented as",
        0.160550,
        [
            0.90526, 0.01053, 0.01053, 0.01053, 0.01053, 0.01053, 0.01053, 0.01053, 0.01053, 0.01053,
        ],
    ),
    (
        "comment above a case label at the label's depth",
        0.136364,
        [
            0.40000, 0.06667, 0.06667, 0.06667, 0.06667, 0.06667, 0.06667, 0.06667, 0.06667, 0.06667,
        ],
    ),
    (
        "a comment's list spaced as the mail had it throughout",
        0.119883,
        [
            0.91818, 0.00909, 0.00909, 0.00909, 0.00909, 0.00909, 0.00909, 0.00909, 0.00909, 0.00909,
        ],
    ),
    (
        "a comment's list spaced as the file's lists are",
        0.116142,
        [
            0.98000, 0.00222, 0.00222, 0.00222, 0.00222, 0.00222, 0.00222, 0.00222, 0.00222, 0.00222,
        ],
    ),
    (
        "words inserted after the removed line's gap, not before its next word",
        0.114130,
        [
            0.85000, 0.01667, 0.01667, 0.01667, 0.01667, 0.01667, 0.01667, 0.01667, 0.01667, 0.01667,
        ],
    ),
    (
        "sentences spaced as the file mostly spaces them",
        0.114060,
        [
            0.99512, 0.00054, 0.00054, 0.00054, 0.00054, 0.00054, 0.00054, 0.00054, 0.00054, 0.00054,
        ],
    ),
    (
        "a continuation at another column",
        0.110995,
        [
            0.03774, 0.14864, 0.02412, 0.02607, 0.02153, 0.01505, 0.02542, 0.03450, 0.02737, 0.63956,
        ],
    ),
    (
        "gaps taken from the removed line it rewrites",
        0.110221,
        [
            0.99421, 0.00064, 0.00064, 0.00064, 0.00064, 0.00064, 0.00064, 0.00064, 0.00064, 0.00064,
        ],
    ),
    (
        "every continuation of the file in another style",
        0.107585,
        [
            0.74930, 0.04507, 0.14366, 0.04507, 0.00282, 0.00282, 0.00282, 0.00282, 0.00282, 0.00282,
        ],
    ),
    (
        "a block of added lines aligned as one",
        0.107204,
        [
            0.48122, 0.17215, 0.09198, 0.01814, 0.04030, 0.12890, 0.05295, 0.00021, 0.00338, 0.01076,
        ],
    ),
    (
        "continuation under an open parenthesis",
        0.100766,
        [
            0.46232, 0.11744, 0.36911, 0.04953, 0.00027, 0.00027, 0.00027, 0.00027, 0.00027, 0.00027,
        ],
    ),
    (
        "gap left as the mail had it",
        0.092431,
        [
            0.45640, 0.30072, 0.06082, 0.04598, 0.09258, 0.03355, 0.00559, 0.00145, 0.00283, 0.00007,
        ],
    ),
    (
        "a comment's sentences spaced the other way throughout",
        0.084013,
        [
            0.96604, 0.00377, 0.00377, 0.00377, 0.00377, 0.00377, 0.00377, 0.00377, 0.00377, 0.00377,
        ],
    ),
    (
        "a whole added macro's body a tab shallower or deeper, its backslashes realigned",
        0.082542,
        [
            0.20000, 0.24225, 0.22817, 0.05915, 0.14366, 0.04507, 0.04507, 0.03099, 0.00282, 0.00282,
        ],
    ),
    (
        "first line of a macro's body",
        0.072818,
        [
            0.73760, 0.08960, 0.16160, 0.00160, 0.00160, 0.00160, 0.00160, 0.00160, 0.00160, 0.00160,
        ],
    ),
    (
        "continuation aligned after the open parenthesis",
        0.068077,
        [
            0.10390, 0.08237, 0.07968, 0.04603, 0.37308, 0.08506, 0.11602, 0.07564, 0.00834, 0.02988,
        ],
    ),
    (
        "continued statement",
        0.064055,
        [
            0.13333, 0.15057, 0.16207, 0.28276, 0.05287, 0.19655, 0.01839, 0.00115, 0.00115, 0.00115,
        ],
    ),
    (
        "indented as the removed line it rewrites",
        0.058483,
        [
            0.99455, 0.00061, 0.00061, 0.00061, 0.00061, 0.00061, 0.00061, 0.00061, 0.00061, 0.00061,
        ],
    ),
    (
        "one kind of gap spaced one way in every added line",
        0.047139,
        [
            0.47571, 0.51525, 0.00113, 0.00113, 0.00113, 0.00113, 0.00113, 0.00113, 0.00113, 0.00113,
        ],
    ),
    (
        "a gap as an author's habit could have had it",
        0.038743,
        [
            0.07114, 0.11231, 0.16397, 0.17255, 0.08010, 0.06733, 0.02577, 0.02634, 0.01815, 0.26233,
        ],
    ),
    (
        "kernel-doc marker where the file's nearest one stands",
        0.038462,
        [
            0.10000, 0.10000, 0.10000, 0.10000, 0.10000, 0.10000, 0.10000, 0.10000, 0.10000, 0.10000,
        ],
    ),
    (
        "outside any brace",
        0.031250,
        [
            0.10000, 0.10000, 0.10000, 0.10000, 0.10000, 0.10000, 0.10000, 0.10000, 0.10000, 0.10000,
        ],
    ),
    (
        "no code above to measure from",
        0.018519,
        [
            0.10000, 0.10000, 0.10000, 0.10000, 0.10000, 0.10000, 0.10000, 0.10000, 0.10000, 0.10000,
        ],
    ),
    (
        "closing brace at its block's depth",
        0.011731,
        [
            0.25405, 0.30811, 0.42523, 0.00180, 0.00180, 0.00180, 0.00180, 0.00180, 0.00180, 0.00180,
        ],
    ),
    (
        "statement after a case label",
        0.011405,
        [
            0.01818, 0.01818, 0.83636, 0.01818, 0.01818, 0.01818, 0.01818, 0.01818, 0.01818, 0.01818,
        ],
    ),
    (
        "brace on its own line",
        0.006128,
        [
            0.32903, 0.10323, 0.52258, 0.00645, 0.00645, 0.00645, 0.00645, 0.00645, 0.00645, 0.00645,
        ],
    ),
    (
        "the same gap of every added line one way",
        0.005978,
        [
            0.96250, 0.00417, 0.00417, 0.00417, 0.00417, 0.00417, 0.00417, 0.00417, 0.00417, 0.00417,
        ],
    ),
    (
        "body of an unbraced if/for/while",
        0.005396,
        [
            0.16800, 0.36800, 0.40800, 0.00800, 0.00800, 0.00800, 0.00800, 0.00800, 0.00800, 0.00800,
        ],
    ),
    (
        "one tab inside the block",
        0.004523,
        [
            0.20000, 0.11071, 0.66429, 0.00357, 0.00357, 0.00357, 0.00357, 0.00357, 0.00357, 0.00357,
        ],
    ),
    (
        "same depth as the statement above",
        0.003743,
        [
            0.40095, 0.21048, 0.38190, 0.00095, 0.00095, 0.00095, 0.00095, 0.00095, 0.00095, 0.00095,
        ],
    ),
    (
        "comment line under its /*",
        0.001440,
        [
            0.37857, 0.23571, 0.36071, 0.00357, 0.00357, 0.00357, 0.00357, 0.00357, 0.00357, 0.00357,
        ],
    ),
    (
        "case label at the switch's depth",
        0.000404,
        [
            0.10000, 0.10000, 0.10000, 0.10000, 0.10000, 0.10000, 0.10000, 0.10000, 0.10000, 0.10000,
        ],
    ),
    (
        "#define padded like its neighbours",
        0.000236,
        [
            0.64000, 0.04000, 0.04000, 0.04000, 0.04000, 0.04000, 0.04000, 0.04000, 0.04000, 0.04000,
        ],
    ),
];

/// A kind of doubt the measurement has not seen.
const UNLISTED: (f64, [f64; 10]) = (0.05, [0.3, 0.2, 0.1, 0.08, 0.06, 0.05, 0.04, 0.03, 0.02, 0.12]);

/// What was measured of `d`'s kind: how often one of its alternatives was the author's, and
/// the share of those at each rank.
fn odds(d: &Doubt) -> (f64, [f64; 10]) {
    // A lost blank line's reason starts with how many.
    let why = d.why.trim_start_matches(|c: char| c.is_ascii_digit() || c == ' ');
    MEASURED
        .iter()
        .find(|(kind, _, _)| why.starts_with(kind))
        .map_or(UNLISTED, |&(_, rate, ranks)| (rate, ranks))
}

/// `-ln` of the chance that alternative `a` of a doubt with `odds` and `alternatives` of them
/// is the author's.
fn cost((rate, ranks): (f64, [f64; 10]), alternatives: usize, a: usize) -> f64 {
    let share = match a {
        0..9 => ranks[a],
        _ => ranks[9] / alternatives.saturating_sub(9).max(1) as f64,
    };
    -(rate * share).max(1e-12).ln()
}

/// How many alternatives a combination takes at most.
const MOST_AT_ONCE: usize = 3;

/// Every combination of up to [`MOST_AT_ONCE`] alternatives of distinct doubts (and last
/// resorts), the likeliest first; at most `most` looked at. The alternatives are sorted by
/// cost; from a combination whose dearest is the `i`-th, the next ones add the `i+1`-th or take
/// it instead of the `i`-th. Every combination is reached once, none before a cheaper one.
pub(super) struct Likeliest {
    /// Each alternative's cost (in millionths: the heap orders integers), doubt, alternative.
    items: Vec<(u64, usize, usize)>,
    heap: BinaryHeap<Reverse<(u64, Vec<usize>)>>,
    looked: usize,
    most: usize,
}

impl Likeliest {
    pub(super) fn new(choices: &Choices<'_>, most: usize) -> Likeliest {
        let total = choices.doubts.len() + choices.last_resorts.len();
        let mut items: Vec<(u64, usize, usize)> = Vec::new();
        for d in 0..total {
            let doubt = choices.get(d);
            let (odds, n) = (odds(doubt), doubt.alternatives.len());
            for a in 0..n {
                items.push(((cost(odds, n, a) * 1e6) as u64, d, a));
            }
        }
        items.sort_unstable();
        let heap = match items.first() {
            Some(first) => BinaryHeap::from([Reverse((first.0, vec![0usize]))]),
            None => BinaryHeap::new(),
        };
        Likeliest {
            items,
            heap,
            looked: 0,
            most,
        }
    }
}

impl Iterator for Likeliest {
    type Item = Vec<(usize, usize)>;

    fn next(&mut self) -> Option<Self::Item> {
        while let Some(Reverse((sum, set))) = self.heap.pop() {
            self.looked += 1;
            if self.looked > self.most {
                self.heap.clear();
                return None;
            }
            let items = &self.items;
            let last = set[set.len() - 1];
            if last + 1 < items.len() {
                if set.len() < MOST_AT_ONCE {
                    let mut more = set.clone();
                    more.push(last + 1);
                    self.heap.push(Reverse((sum + items[last + 1].0, more)));
                }
                let mut next = set.clone();
                next[set.len() - 1] = last + 1;
                self.heap.push(Reverse((sum - items[last].0 + items[last + 1].0, next)));
            }
            let changes: Vec<(usize, usize)> = set.iter().map(|&i| (items[i].1, items[i].2)).collect();
            let distinct = changes
                .iter()
                .enumerate()
                .all(|(x, c)| changes[x + 1..].iter().all(|o| o.0 != c.0));
            if distinct {
                return Some(changes);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::apply::proof::Pairing;

    fn doubt(why: &str, alternatives: usize) -> Doubt {
        Doubt {
            line: 0,
            why: why.into(),
            alternatives: (0..alternatives).map(|a| vec![(a, String::new())]).collect(),
            likely: true,
            pairing: Pairing::First,
            sources: Vec::new(),
        }
    }

    #[test]
    fn every_measured_kind_is_a_reason_the_healer_gives() {
        let sources = [
            include_str!("../heal.rs"),
            include_str!("../heal/macros.rs"),
            include_str!("../heal/resorts.rs"),
            include_str!("../heal/unchanged.rs"),
            include_str!("../../../kernel/indent.rs"),
        ]
        .concat();
        for (why, _, _) in MEASURED {
            // A reason may start with a count (`"{} lost blank line(s) placed`).
            let found = sources.contains(&format!("\"{why}")) || sources.contains(&format!("\"{{}} {why}"));
            assert!(found, "no doubt's reason starts `{why}`");
        }
    }

    #[test]
    fn combinations_come_likeliest_first_each_once_without_two_ways_of_one_doubt() {
        // A likely kind's first two alternatives, a seldom one's first.
        let doubts = [
            doubt("gap widened to the neighbours' column", 2),
            doubt("#define padded like its neighbours", 1),
        ];
        let choices = Choices {
            doubts: &doubts,
            last_resorts: &[],
        };
        let seen: Vec<Vec<(usize, usize)>> = Likeliest::new(&choices, 100).collect();
        assert_eq!(
            seen,
            [
                vec![(0, 0)],
                vec![(0, 1)],
                vec![(1, 0)],
                vec![(0, 0), (1, 0)],
                vec![(0, 1), (1, 0)],
            ]
        );
    }

    #[test]
    fn a_lost_blank_lines_reason_is_read_past_its_count() {
        let blank = doubt(
            "1 lost blank line(s) placed before 2 added line(s); the mail cannot say which side",
            2,
        );
        let measured = MEASURED
            .iter()
            .find(|(why, _, _)| why.starts_with("lost blank"))
            .expect("measured");
        assert_eq!(cost(odds(&blank), 2, 0), -(measured.1 * measured.2[0]).ln());
        assert_ne!(cost(odds(&blank), 2, 0), -(UNLISTED.0 * UNLISTED.1[0]).ln());
    }

    #[test]
    fn no_more_combinations_are_looked_at_than_allowed() {
        let doubts = [doubt("gap widened to the neighbours' column", 3)];
        let choices = Choices {
            doubts: &doubts,
            last_resorts: &[],
        };
        let mut likeliest = Likeliest::new(&choices, 2);
        assert_eq!(likeliest.by_ref().count(), 2);
        assert_eq!(likeliest.next(), None);
    }
}
