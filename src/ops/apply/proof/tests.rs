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
            pairing: Pairing::First,
            sources: Vec::new(),
        },
        Doubt {
            line: 3,
            why: "unbraced body".into(),
            alternatives: vec![vec![(3, "return 1;".into())], vec![(3, "\t\treturn 1;".into())]],
            likely: false,
            pairing: Pairing::First,
            sources: Vec::new(),
        },
    ];
    let found = search(&mut healed, "\n", true, post, &doubts, &[], Budget::default());
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
        pairing: Pairing::First,
        sources: Vec::new(),
    };
    let doubts = vec![doubt(0, "A", "a2"), doubt(1, "B", "b2"), doubt(2, "C", "c2")];
    let found = search(&mut healed, "\n", true, post, &doubts, &[], Budget::default());
    assert_eq!(
        found,
        Search::Found {
            changes: vec![(0, 0), (2, 0)],
            tried: 8
        }
    );
}

#[test]
fn a_doubt_never_paired_is_paired_only_after_the_rules_order() {
    // The author changed lines 0 and 1. With line 1's doubt tried alone, no pair of the
    // rules' order reaches it; with line 2's tried alone instead, the pair of the others is
    // the first tried.
    let truth = "A\nB\nc\n";
    let post = &blob_of(truth.as_bytes())[..12];
    let doubt = |line: usize, first: &str, second: &str, never: bool| Doubt {
        line,
        why: "x".into(),
        alternatives: vec![vec![(line, first.into())], vec![(line, second.into())]],
        likely: false,
        pairing: if never { Pairing::Never } else { Pairing::First },
        sources: Vec::new(),
    };
    let doubts = |alone: usize| {
        vec![
            doubt(0, "A", "a2", alone == 0),
            doubt(1, "B", "b2", alone == 1),
            doubt(2, "C", "c2", alone == 2),
        ]
    };
    let mut healed = lines("a\nb\nc\n");
    let found = search(&mut healed, "\n", true, post, &doubts(1), &[], Budget::default());
    // Only the likeliest-first order, once the rules' is done, pairs it: after the six singles
    // and the four pairs of the other two doubts.
    assert_eq!(
        found,
        Search::Found {
            changes: vec![(0, 0), (1, 0)],
            tried: 11
        }
    );
    let mut healed = lines("a\nb\nc\n");
    let found = search(&mut healed, "\n", true, post, &doubts(2), &[], Budget::default());
    assert_eq!(
        found,
        Search::Found {
            changes: vec![(0, 0), (1, 0)],
            tried: 7
        }
    );
}

#[test]
fn a_later_doubt_pairs_after_the_others() {
    // The author changed lines 1 and 2: with line 0's doubt paired later, theirs is the
    // first pair tried (after the six singles), not the third.
    let truth = "a\nB\nC\n";
    let post = &blob_of(truth.as_bytes())[..12];
    let doubt = |line: usize, first: &str, second: &str, pairing: Pairing| Doubt {
        line,
        why: "x".into(),
        alternatives: vec![vec![(line, first.into())], vec![(line, second.into())]],
        likely: false,
        pairing,
        sources: Vec::new(),
    };
    for (first_pairing, tried) in [(Pairing::First, 9), (Pairing::Later, 7)] {
        let doubts = vec![
            doubt(0, "A", "a2", first_pairing),
            doubt(1, "B", "b2", Pairing::First),
            doubt(2, "C", "c2", Pairing::First),
        ];
        let mut healed = lines("a\nb\nc\n");
        let found = search(&mut healed, "\n", true, post, &doubts, &[], Budget::default());
        assert_eq!(
            found,
            Search::Found {
                changes: vec![(1, 0), (2, 0)],
                tried
            }
        );
    }
}

#[test]
fn a_line_moved_with_a_blank_line_keeps_the_change_paired_with_the_move() {
    // include/linux/backing-dev-defs.h, 6.1 -> 6.12: the lost blank line stood after the
    // added comment and field, not before; and the comment's stop had one space, not the
    // file's two. The blank line's move carries the comment line down by one: paired, the
    // stop's change goes with it (it was applied to the line the move put there).
    let truth = "\tint a;\n\t/*\n\t * x. Used\n\t */\n\n\tint b;\n";
    let post = &blob_of(truth.as_bytes())[..12];
    let mut healed = lines("\tint a;\n\n\t/*\n\t * x.  Used\n\t */\n\tint b;\n");
    let moved = vec![
        (1, "\t/*".to_string()),
        (2, "\t * x.  Used".to_string()),
        (3, "\t */".to_string()),
        (4, String::new()),
    ];
    let doubts = vec![
        Doubt {
            line: 1,
            why: "blank".into(),
            alternatives: vec![moved],
            likely: false,
            pairing: Pairing::First,
            sources: vec![vec![2, 3, 4, 1]],
        },
        Doubt {
            line: 3,
            why: "stop".into(),
            alternatives: vec![vec![(3, "\t * x. Used".into())]],
            likely: false,
            pairing: Pairing::First,
            sources: Vec::new(),
        },
    ];
    let found = search(&mut healed, "\n", true, post, &doubts, &[], Budget::default());
    assert_eq!(
        found,
        Search::Found {
            changes: vec![(0, 0), (1, 0)],
            tried: 3
        }
    );
    assert_eq!(healed.join("\n") + "\n", truth);
}

#[test]
fn an_indentation_change_and_a_gap_change_of_one_line_merge() {
    // include/linux/nodemask.h, 6.1 -> 6.12: a macro's continuation stood five spaces
    // deeper, and its backslash a tab nearer to keep its column. One doubt re-indents the
    // line, another re-gaps it; paired, the line has both (the later used to undo the
    // earlier).
    let truth = "#define X(a)\t\t\\\n\t     (a) < 4;\t\\\n";
    let post = &blob_of(truth.as_bytes())[..12];
    let mut healed = lines("#define X(a)\t\t\\\n\t(a) < 4;\t\t\\\n");
    let doubt = |alt: &str| Doubt {
        line: 1,
        why: "x".into(),
        alternatives: vec![vec![(1, alt.to_string())]],
        likely: false,
        pairing: Pairing::First,
        sources: Vec::new(),
    };
    let doubts = vec![doubt("\t     (a) < 4;\t\t\\"), doubt("\t(a) < 4;\t\\")];
    let found = search(&mut healed, "\n", true, post, &doubts, &[], Budget::default());
    assert_eq!(
        found,
        Search::Found {
            changes: vec![(0, 0), (1, 0)],
            tried: 3
        }
    );
    assert_eq!(healed.join("\n") + "\n", truth);
}

#[test]
fn three_doubts_at_once_come_after_every_pair() {
    // Four doubts of one alternative each; the author changed lines 0, 1 and 3: the four
    // singles and six pairs fail, then the second triple is the truth.
    let truth = "A\nB\nc\nD\n";
    let post = &blob_of(truth.as_bytes())[..12];
    let mut healed = lines("a\nb\nc\nd\n");
    let doubt = |line: usize, alt: &str| Doubt {
        line,
        why: "x".into(),
        alternatives: vec![vec![(line, alt.into())]],
        likely: false,
        pairing: Pairing::First,
        sources: Vec::new(),
    };
    let doubts = vec![doubt(0, "A"), doubt(1, "B"), doubt(2, "C"), doubt(3, "D")];
    let found = search(&mut healed, "\n", true, post, &doubts, &[], Budget::default());
    assert_eq!(
        found,
        Search::Found {
            changes: vec![(0, 0), (1, 0), (3, 0)],
            tried: 12
        }
    );
    assert_eq!(healed.join("\n") + "\n", truth);
    let small = Budget {
        max_tries: 11,
        ..Budget::default()
    };
    let mut healed = lines("a\nb\nc\nd\n");
    let spent = search(&mut healed, "\n", true, post, &doubts, &[], small);
    assert_eq!(spent, Search::NotFound { tried: 11 });
}

#[test]
fn the_rehashed_blob_id_is_gits() {
    // Files around the checkpoint stride, and changes before, across and after checkpoints,
    // alone, in pairs and on one line twice (the later set wins), in both line endings.
    let rebuilt = |lines: &[String], eol: &str, trailing: bool| {
        let mut text = lines.join(eol);
        if trailing && !lines.is_empty() {
            text.push_str(eol);
        }
        blob_of(text.as_bytes())
    };
    for (text, eol) in [
        ("", "\n"),
        ("a", "\n"),
        ("int x;\n", "\n"),
        (&"\tline\r\n".repeat(5000)[..], "\r\n"),
    ] {
        for trailing in [true, false] {
            let base: Vec<String> = text.lines().map(str::to_string).collect();
            let mut hashed = Rehasher::new(&base, eol, trailing);
            assert_eq!(hashed.blob_with(&[]), rebuilt(&base, eol, trailing));
            if base.is_empty() {
                continue;
            }
            let last = base.len() - 1;
            let sets: Vec<Vec<(usize, String)>> = vec![
                vec![(0, "\t\tfirst".into())],
                vec![(last / 2, String::new()), (last, "\tend;".into())],
                vec![(last / 3, "x".repeat(5000))],
                vec![(last, "y".into())],
            ];
            for x in 0..sets.len() {
                for y in x..sets.len() {
                    let mut expected = base.clone();
                    for (i, t) in sets[x].iter().chain(&sets[y]) {
                        expected[*i] = t.clone();
                    }
                    assert_eq!(
                        hashed.blob_with(&[&sets[x], &sets[y]]),
                        rebuilt(&expected, eol, trailing)
                    );
                }
            }
        }
    }
}

#[test]
fn two_last_resorts_of_two_lines_are_paired_when_the_budget_allows() {
    // include/linux/microchipphy.h (7.2): two added `#define  X` lines, two spaces each.
    let truth = "#define  A\tBIT(4)\n#define  B\tBIT(3)\n";
    let post = &blob_of(truth.as_bytes())[..12];
    let mut healed = lines("#define A\tBIT(4)\n#define B\tBIT(3)\n");
    let resort = |line: usize, text: &str| Doubt {
        line,
        why: "x".into(),
        alternatives: vec![
            vec![(line, text.replace("define ", "define\t"))],
            vec![(line, text.replace("define ", "define  "))],
        ],
        likely: true,
        pairing: Pairing::First,
        sources: Vec::new(),
    };
    let resorts = vec![resort(0, &healed[0]), resort(1, &healed[1])];
    let found = search(&mut healed, "\n", true, post, &[], &resorts, Budget::default());
    assert_eq!(
        found,
        Search::Found {
            changes: vec![(0, 1), (1, 1)],
            tried: 8
        }
    );
    assert_eq!(healed.join("\n") + "\n", truth);
}

#[test]
fn a_wrong_postimage_is_never_matched() {
    let mut healed = lines("a\nb\n");
    let doubts = vec![Doubt {
        line: 0,
        why: "x".into(),
        alternatives: vec![vec![(0, "\ta".into())]],
        likely: false,
        pairing: Pairing::First,
        sources: Vec::new(),
    }];
    let found = search(&mut healed, "\n", true, "0123456789ab", &doubts, &[], Budget::default());
    assert_eq!(found, Search::NotFound { tried: 1 });
    assert_eq!(healed, lines("a\nb\n"), "the lines are put back");
}

#[test]
fn a_last_resort_never_paired_is_tried_alone_after_the_doubts_pairs_and_paired_only_after_the_rules_order() {
    // Two doubts of one alternative each and a last resort never paired: the author's file
    // takes both doubts, so the pair comes before the last resort's two alternatives; a file
    // that needs the last resort with a doubt is found only after the rules' order.
    let doubt = |line: usize, to: &str| Doubt {
        line,
        why: "x".into(),
        alternatives: vec![vec![(line, to.into())]],
        likely: true,
        pairing: Pairing::First,
        sources: Vec::new(),
    };
    let doubts = vec![doubt(0, "A"), doubt(1, "B")];
    let resorts = vec![Doubt {
        line: 2,
        why: "any column".into(),
        alternatives: vec![vec![(2, "c1".into())], vec![(2, "c2".into())]],
        likely: true,
        pairing: Pairing::Never,
        sources: Vec::new(),
    }];
    let truth = "A\nB\nc\n";
    let mut healed = lines("a\nb\nc\n");
    let post = &blob_of(truth.as_bytes())[..12];
    let found = search(&mut healed, "\n", true, post, &doubts, &resorts, Budget::default());
    // Two singles, then the pair: the last resort's alternatives wait.
    assert_eq!(
        found,
        Search::Found {
            changes: vec![(0, 0), (1, 0)],
            tried: 3
        }
    );
    // Alone, after the pairs.
    let mut healed = lines("a\nb\nc\n");
    let post = &blob_of(b"a\nb\nc2\n")[..12];
    let found = search(&mut healed, "\n", true, post, &doubts, &resorts, Budget::default());
    assert_eq!(
        found,
        Search::Found {
            changes: vec![(2, 1)],
            tried: 5
        }
    );
    // Never with a doubt in the rules' order: only once it is done, likeliest first (the
    // rules' order tried the two doubts alone, their pair, the last resort's two alone).
    let mut healed = lines("a\nb\nc\n");
    let post = &blob_of(b"A\nb\nc1\n")[..12];
    let found = search(&mut healed, "\n", true, post, &doubts, &resorts, Budget::default());
    assert_eq!(
        found,
        Search::Found {
            changes: vec![(0, 0), (2, 0)],
            tried: 6
        }
    );
}
