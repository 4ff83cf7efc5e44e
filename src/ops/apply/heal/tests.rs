use super::*;

/// What a web archive does to a mail: indentation stripped, runs of blanks collapsed.
const ARCHIVED: Model = Model {
    indentation: restore::Indentation::Stripped,
    interior: Interior::Collapsed,
    trailing_lost: false,
};

/// Finish `lines` (the mail's added lines `added` stripped and collapsed, with the `removed`
/// lines of one hunk) as a C file whose postimage is `truth`: the proof.
fn finish_archived(path: &str, truth: &[&str], lines: &mut [String], added: &[usize], removed: &[&str]) -> Proof {
    let mut bytes = truth.join("\n");
    bytes.push('\n');
    let work = FileWork {
        path: path.into(),
        added: added.to_vec(),
        added_hunk: vec![0; added.len()],
        removed: removed.iter().map(|l| (0, l.to_string())).collect(),
        postimage: Some(crate::kernel::blobs::full_blob_id(bytes.as_bytes())[..12].to_string()),
        language: Language::C,
        ..FileWork::default()
    };
    finish(lines, &work, &ARCHIVED, "\n", true).proof
}

#[test]
fn an_added_line_is_tried_at_the_indentation_of_the_removed_line_it_rewrites() {
    // mm's compaction.h (6.1 -> 6.12): `unsigned int alloc_flags, int highest_zoneidx);`
    // lost a parameter; the author may have kept its column.
    let lines: Vec<String> = [
        "extern bool compaction_suitable(struct zone *zone, int order,",
        "\t\t\t\t unsigned int highest_zoneidx);",
    ]
    .map(String::from)
    .to_vec();
    let work = FileWork {
        path: "include/linux/compaction.h".into(),
        added: vec![1],
        added_hunk: vec![0],
        removed: vec![(0, "\t\tunsigned int alloc_flags, unsigned int highest_zoneidx);".into())],
        ..FileWork::default()
    };
    let doubts = twin_doubts(&lines, &work, &work.removed_by_hunk());
    assert_eq!(doubts.len(), 1);
    assert_eq!(
        doubts[0].alternatives,
        vec![vec![(1, "\t\tunsigned int highest_zoneidx);".to_string())]]
    );
}

#[test]
fn a_rewritten_block_whose_author_tidied_its_gaps_is_proven_without_its_twins_gaps() {
    // include/linux/poison.h (6.1 -> 6.12): two `#define`s took the comments of two removed
    // ones, whose `#define\t` and `0x…ULL\t` gaps the author did not keep.
    let truth = [
        " * Placed in the first word before and the first word after an obj.",
        " */",
        "#define SLUB_RED_INACTIVE\t0xbb\t/* when obj is inactive */",
        "#define SLUB_RED_ACTIVE\t\t0xcc\t/* when obj is active */",
        "",
        "/* ...and for poisoning */",
        "#define\tPOISON_INUSE\t0x5a\t/* for use-uninitialised poisoning */",
    ];
    let mut lines: Vec<String> = truth.map(String::from).to_vec();
    lines[2] = "#define SLUB_RED_INACTIVE 0xbb /* when obj is inactive */".into();
    lines[3] = "#define SLUB_RED_ACTIVE 0xcc /* when obj is active */".into();
    let removed = [
        "#define\tRED_INACTIVE\t0x09F911029D74E35BULL\t/* when obj is inactive */",
        "#define\tRED_ACTIVE\t0xD84156C5635688C0ULL\t/* when obj is active */",
        "",
        "#define SLUB_RED_INACTIVE\t0xbb",
        "#define SLUB_RED_ACTIVE\t\t0xcc",
    ];
    let proof = finish_archived("include/linux/poison.h", &truth, &mut lines, &[2, 3], &removed);
    assert_eq!(proof, Proof::Proven);
    assert_eq!(lines, truth);
}

#[test]
fn an_authors_habit_is_tried_on_every_doubt_of_its_kind_at_once() {
    // include/linux/timerqueue_types.h (6.12 -> 7.2): the author aligned every member of
    // four structs with tabs, two of them rewritten from single-spaced twins: five gaps
    // that each need their first alternative, which no pair or triple of doubts reaches.
    let truth = [
        "/* SPDX-License-Identifier: GPL-2.0 */",
        "#ifndef _LINUX_TIMERQUEUE_TYPES_H",
        "#define _LINUX_TIMERQUEUE_TYPES_H",
        "",
        "#include <linux/rbtree_types.h>",
        "#include <linux/types.h>",
        "",
        "struct timerqueue_node {",
        "\tstruct rb_node\t\tnode;",
        "\tktime_t\t\t\texpires;",
        "};",
        "",
        "struct timerqueue_head {",
        "\tstruct rb_root_cached\trb_root;",
        "};",
        "",
        "struct timerqueue_linked_node {",
        "\tstruct rb_node_linked\t\tnode;",
        "\tktime_t\t\t\t\texpires;",
        "};",
        "",
        "struct timerqueue_linked_head {",
        "\tstruct rb_root_linked\t\trb_root;",
        "};",
        "",
        "#endif /* _LINUX_TIMERQUEUE_TYPES_H */",
    ];
    let added = [8, 9, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22];
    let mut lines: Vec<String> = truth.map(String::from).to_vec();
    for &t in &added {
        lines[t] = lines[t].split_whitespace().collect::<Vec<_>>().join(" ");
    }
    let removed = [
        "\tstruct rb_node node;",
        "\tktime_t expires;",
        "\tstruct rb_root_cached rb_root;",
    ];
    let proof = finish_archived("include/linux/timerqueue_types.h", &truth, &mut lines, &added, &removed);
    assert_eq!(lines, truth);
    assert_eq!(proof, Proof::Proven);
}

#[test]
fn a_lost_blank_line_is_tried_on_the_other_side_and_where_a_statement_ends_inside_the_run() {
    // Three added statements and a blank line the healer put after them: the author may
    // have had it before them, or after the first or the second statement.
    let lines: Vec<String> = ["\ta();", "\tb();", "\tc();", ""].map(String::from).to_vec();
    let choice = BlankChoice {
        run_start: 0,
        run_len: 3,
        blanks: 1,
        before: false,
    };
    let doubt = blank_doubt(&lines, &choice).expect("the span is in the file");
    let placed: Vec<Vec<&str>> = doubt
        .alternatives
        .iter()
        .map(|alt| alt.iter().map(|(_, l)| l.as_str()).collect())
        .collect();
    assert_eq!(
        placed,
        vec![
            vec!["", "\ta();", "\tb();", "\tc();"],
            vec!["\ta();", "", "\tb();", "\tc();"],
            vec!["\ta();", "\tb();", "", "\tc();"],
        ]
    );
    // Each placed line names the line it was, for a change the search pairs with it.
    assert_eq!(
        doubt.sources,
        vec![vec![3, 0, 1, 2], vec![0, 3, 1, 2], vec![0, 1, 3, 2]]
    );
    for (alt, sources) in doubt.alternatives.iter().zip(&doubt.sources) {
        for ((_, text), &from) in alt.iter().zip(sources) {
            assert_eq!(*text, lines[from]);
        }
    }
}

#[test]
fn a_continuation_under_a_parenthesis_is_tried_a_column_either_side_and_at_the_next_tab_stop() {
    // include/linux/sched/task.h (6.12): `unsigned long flags);` stands a column past the
    // parenthesis of `kernel_thread(`.
    let lines: Vec<String> = [
        "extern pid_t kernel_thread(int (*fn)(void *), void *arg, const char *name,",
        "\t\t\t   unsigned long flags);",
    ]
    .map(String::from)
    .to_vec();
    let doubts = indent_doubts(&lines, &[1], &[Rule::ContinuationParen]);
    let tried: Vec<&str> = doubts[0].alternatives.iter().map(|alt| alt[0].1.as_str()).collect();
    assert!(tried.contains(&"\t\t\t    unsigned long flags);"), "{tried:?}");
    assert!(tried.contains(&"\t\t\t  unsigned long flags);"), "{tried:?}");
    // include/linux/thread_info.h (6.12): tabs on to the stop past the parenthesis.
    let lines: Vec<String> = [
        "int arch_dup_task_struct(struct task_struct *dst,",
        "\t\t\t struct task_struct *src);",
    ]
    .map(String::from)
    .to_vec();
    let doubts = indent_doubts(&lines, &[1], &[Rule::ContinuationParen]);
    let tried: Vec<&str> = doubts[0].alternatives.iter().map(|alt| alt[0].1.as_str()).collect();
    assert!(tried.contains(&"\t\t\t\tstruct task_struct *src);"), "{tried:?}");
}

#[test]
fn a_habit_is_also_tried_within_each_hunk() {
    // include/linux/perf/riscv_pmu.h (6.1 -> 6.12): the new members of one struct were left
    // single-spaced (each gap's second alternative), while the function pointers added to
    // another struct in another hunk stand at their neighbours' column (as healed).
    let doubt = |line: usize, widened: &str, single: &str| Doubt {
        line,
        why: "gap widened to the neighbours' column".into(),
        alternatives: vec![vec![(line, widened.into())], vec![(line, single.into())]],
        likely: true,
        pairing: Pairing::First,
        sources: Vec::new(),
    };
    let doubts = vec![
        doubt(42, "\tvoid\t\t\t*snapshot_addr;", "\tvoid *snapshot_addr;"),
        doubt(
            44,
            "\tphys_addr_t\t\tsnapshot_addr_phys;",
            "\tphys_addr_t snapshot_addr_phys;",
        ),
        doubt(
            63,
            "\tvoid\t(*event_init)(struct perf_event *event);",
            "\tvoid (*event_init)(struct perf_event *event);",
        ),
    ];
    let hunk_of = |line: usize| Some(if line < 50 { 2 } else { 3 });
    let habits = habit_doubts(&doubts, hunk_of);
    assert_eq!(habits.len(), 2, "the file's three at once, and the first hunk's two");
    assert_eq!(habits[0].alternatives[1].len(), 3);
    assert_eq!(
        habits[1].alternatives[1],
        vec![
            (42, "\tvoid *snapshot_addr;".to_string()),
            (44, "\tphys_addr_t snapshot_addr_phys;".to_string())
        ]
    );
}

#[test]
fn the_same_gap_of_every_added_line_is_tried_one_way_at_once() {
    // include/linux/rwlock_rt.h (6.1 -> 6.12): five prototypes each gained a lock annotation
    // after a tab; no rule speaks for that gap, and five last resorts at once are out of
    // reach of pairs and triples.
    let truth = [
        "} while (0)",
        "",
        "extern void rt_read_lock(rwlock_t *rwlock)\t__acquires(rwlock);",
        "extern int rt_read_trylock(rwlock_t *rwlock);",
        "extern void rt_read_unlock(rwlock_t *rwlock)\t__releases(rwlock);",
        "extern void rt_write_lock(rwlock_t *rwlock)\t__acquires(rwlock);",
        "extern void rt_write_lock_nested(rwlock_t *rwlock, int subclass)\t__acquires(rwlock);",
        "extern int rt_write_trylock(rwlock_t *rwlock);",
        "extern void rt_write_unlock(rwlock_t *rwlock)\t__releases(rwlock);",
        "",
    ];
    let added = [2, 4, 5, 6, 8];
    let mut lines: Vec<String> = truth.map(String::from).to_vec();
    for &t in &added {
        lines[t] = lines[t].replace('\t', " ");
    }
    let removed = [
        "extern void rt_read_lock(rwlock_t *rwlock);",
        "extern void rt_read_unlock(rwlock_t *rwlock);",
        "extern void rt_write_lock(rwlock_t *rwlock);",
        "extern void rt_write_lock_nested(rwlock_t *rwlock, int subclass);",
        "extern void rt_write_unlock(rwlock_t *rwlock);",
    ];
    let proof = finish_archived("include/linux/rwlock_rt.h", &truth, &mut lines, &added, &removed);
    assert_eq!(lines, truth);
    assert_eq!(proof, Proof::Proven);
    assert_eq!(
        gaps::gap_from_end_as("f(int a)  g;", 1, "\t").as_deref(),
        Some("f(int a)\tg;")
    );
    assert_eq!(gaps::gap_from_end_as("f(int a) g;", 3, "\t"), None);
}

#[test]
fn a_continuation_under_nothing_the_rules_know_is_proven_at_a_column_near_its_own() {
    // kernel/bpf/devmap.c (6.1 -> 6.12): `(u64)sizeof(…)` three tabs and a space in, under
    // no parenthesis and no operand of the line above.
    let truth = [
        "static u64 dev_map_mem_usage(const struct bpf_map *map)",
        "{",
        "\tstruct bpf_dtab *dtab = container_of(map, struct bpf_dtab, map);",
        "\tu64 usage = sizeof(struct bpf_dtab);",
        "",
        "\tusage += atomic_read((atomic_t *)&dtab->items) *",
        "\t\t\t (u64)sizeof(struct bpf_dtab_netdev);",
        "\treturn usage;",
        "}",
    ];
    let mut lines: Vec<String> = truth.iter().map(|l| l.trim_start().to_string()).collect();
    let added: Vec<usize> = (0..truth.len()).collect();
    let proof = finish_archived("kernel/bpf/devmap.c", &truth, &mut lines, &added, &[]);
    assert_eq!(proof, Proof::Proven);
    assert_eq!(lines, truth);
}

#[test]
fn a_run_of_continuations_is_proven_at_a_column_of_its_own_together() {
    // include/linux/moduleloader.h (6.1 -> 6.12): four parameters two tabs and three spaces
    // in, under no parenthesis of `void clear_relocate_add(`; one at a time no try matches.
    let truth = [
        "void clear_relocate_add(Elf_Shdr *sechdrs,",
        "\t\t   const char *strtab,",
        "\t\t   unsigned int symindex,",
        "\t\t   unsigned int relsec,",
        "\t\t   struct module *me);",
    ];
    let mut lines: Vec<String> = truth.iter().map(|l| l.trim_start().to_string()).collect();
    let added: Vec<usize> = (0..truth.len()).collect();
    let proof = finish_archived("include/linux/moduleloader.h", &truth, &mut lines, &added, &[]);
    assert_eq!(proof, Proof::Proven);
    assert_eq!(lines, truth);
}

#[test]
fn a_comment_opened_after_code_moves_its_stars_with_its_opener_in_the_search() {
    // include/linux/bpf_local_storage.h (6.12 -> 7.2): no neighbour aligns a trailing
    // comment, so the first guess keeps one space before `/*`; the author's tab moves the
    // stars under it too.
    let truth = [
        "struct bpf_local_storage_elem {",
        "\tunion {",
        "\t\tstruct rcu_head rcu;",
        "\t\tstruct hlist_node free_node;\t/* used to postpone",
        "\t\t\t\t\t\t * bpf_selem_free",
        "\t\t\t\t\t\t * after raw_spin_unlock",
        "\t\t\t\t\t\t */",
        "\t};",
        "};",
    ];
    let mut lines: Vec<String> = truth.iter().map(|l| l.trim_start().replace('\t', " ")).collect();
    let added: Vec<usize> = (0..truth.len()).collect();
    let proof = finish_archived("include/linux/bpf_local_storage.h", &truth, &mut lines, &added, &[]);
    assert_eq!(proof, Proof::Proven);
    assert_eq!(lines, truth);
}

#[test]
fn a_comment_opened_after_code_keeps_its_stars_under_its_widened_opener() {
    // include/linux/bpf_local_storage.h (6.12 -> 7.2): the trailing comment's gap is widened
    // to the neighbours' tab, and its stars follow its `/*`.
    let mut lines: Vec<String> = [
        "\tunion {",
        "\t\tstruct rcu_head rcu;\t\t/* rcu */",
        "\t\tstruct hlist_node free_node; /* used to postpone",
        "\t\t\t\t\t      * bpf_selem_free",
        "\t\t\t\t\t      */",
        "\t};",
        "\t*p = 0;",
    ]
    .map(String::from)
    .to_vec();
    align::realign(&mut lines, &[2]);
    stars_under_openers(&mut lines, &[3, 4, 6]);
    assert_eq!(lines[2], "\t\tstruct hlist_node free_node;\t/* used to postpone");
    assert_eq!(lines[3], "\t\t\t\t\t\t * bpf_selem_free");
    assert_eq!(lines[4], "\t\t\t\t\t\t */");
    // A statement that starts with a star is no comment's.
    assert_eq!(lines[6], "\t*p = 0;");
}

#[test]
fn a_files_tabbed_examples_set_a_new_example_first_and_the_mails_spacing_is_the_doubt() {
    // include/linux/bitops.h (7.2): the file's examples stand a tab in; a new one follows.
    let mut lines: Vec<String> = [
        " *\tif (x)",
        " *\t\treturn 1;",
        " */",
        "/**",
        " * if (parity8(val) == 1)",
        " * return -EBADMSG;",
        " */",
    ]
    .map(String::from)
    .to_vec();
    let doubts = example_doubts(&mut lines, &[3, 4, 5, 6]);
    assert_eq!(lines[4], " *\tif (parity8(val) == 1)");
    assert_eq!(lines[5], " *\t\treturn -EBADMSG;");
    assert_eq!(doubts.len(), 1);
    assert_eq!(
        doubts[0].alternatives,
        vec![vec![
            (4, " * if (parity8(val) == 1)".to_string()),
            (5, " * return -EBADMSG;".to_string())
        ]]
    );
}

#[test]
fn a_line_healed_into_its_removed_twin_takes_the_mails_spacing() {
    // mm's page_idle.h (6.1 -> 6.12): the author only took a space out of
    // `page_idle =  test_bit(...)`; its twin's gaps would give the removed line back, which
    // git would have shown as unchanged.
    let before: Vec<String> = [
        "static inline bool folio_test_idle(struct folio *folio)",
        "{",
        "\tstruct page_ext *page_ext = page_ext_get(&folio->page);",
        "\tbool page_idle;",
        "",
        "\tif (unlikely(!page_ext))",
        "\t\treturn false;",
        "",
        "\tpage_idle =  test_bit(PAGE_EXT_IDLE, &page_ext->flags);",
        "\tpage_ext_put(page_ext);",
        "",
        "\treturn page_idle;",
        "}",
    ]
    .map(String::from)
    .to_vec();
    let mut lines = before.clone();
    lines[8] = "page_idle = test_bit(PAGE_EXT_IDLE, &page_ext->flags);".into();
    let truth = {
        let mut t = before.clone();
        t[8] = "\tpage_idle = test_bit(PAGE_EXT_IDLE, &page_ext->flags);".into();
        t
    };
    let work = FileWork {
        path: "include/linux/page_idle.h".into(),
        added: vec![8],
        added_hunk: vec![0],
        removed: vec![(0, before[8].clone())],
        removed_at: vec![8],
        spans: vec![crate::ops::apply::shape::HunkSpan { old: 5..10, new: 5..10 }],
        language: Language::C,
        ..FileWork::default()
    };
    let finished = finish(&mut lines, &work, &ARCHIVED, "\n", true);
    assert_eq!(lines, truth);
    assert!(
        finished
            .uncertain
            .iter()
            .any(|u| u.line == 9 && u.why.contains("unchanged")),
        "{:?}",
        finished.uncertain
    );
}
