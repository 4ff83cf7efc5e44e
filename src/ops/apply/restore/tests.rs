use super::*;

fn pair<'a>(tree: &'a str, mail: &'a str) -> Pair<'a> {
    Pair {
        tree,
        mail,
        marker_lost: false,
    }
}

#[test]
fn tabs_expanded_where_the_context_had_none_are_seen_in_the_added_lines() {
    // include/linux/mm_types_task.h, 6.12 -> 7.2, tabs expanded: its context lines
    // (`#endif`, `};`, blank) have no tab to lose, so every hunk fits byte for byte; the
    // added struct's lines are indented by seven spaces, a tab after the `+`.
    let added = [
        "struct page_frag_cache {",
        "       unsigned long encoded_page;",
        "       __u16 offset;",
        "};",
    ];
    let lines: Vec<&str> = ["#endif", "};", ""].into_iter().chain(added).collect();
    assert!(expanded_unseen(&lines, &added));
    // include/linux/smp.h, 7.2: one line is enough, a stub's `return false;`.
    assert!(expanded_unseen(
        &["}", "       return false;"],
        &["       return false;"]
    ));
    // Not a mail with a tab anywhere, nor one whose added lines are at column 0.
    assert!(!expanded_unseen(&lines, &added[..1]));
    let with_tab: Vec<&str> = lines.iter().copied().chain(["\tint x;"]).collect();
    assert!(!expanded_unseen(&with_tab, &added));
    // Eight spaces are an author's (bad) indentation, not a tab after the marker.
    let eight = ["        unsigned long encoded_page;", "        __u16 offset;"];
    assert!(!expanded_unseen(&eight, &eight));
}

#[test]
fn learns_each_form_from_the_tree() {
    let kept = [pair("\tint a;\t/* x */", "\tint a;\t/* x */")];
    assert_eq!(learn(&kept, &[], false), Model::CLEAN);
    // `expand -t 8` of " \tint a;\t/* x */": the marker takes column 0.
    let expanded = [pair("\tint a;\t/* x */", "       int a;  /* x */")];
    let m = learn(&expanded, &[], false);
    assert_eq!(m.indentation, Indentation::TabsExpanded { marker_counted: true });
    assert_eq!(m.interior, Interior::TabsExpanded);
    let stripped = [Pair {
        tree: "\tint a;\t/* x */",
        mail: "int a; /* x */",
        marker_lost: true,
    }];
    let m = learn(&stripped, &[], true);
    assert_eq!(
        (m.indentation, m.interior),
        (Indentation::Stripped, Interior::Collapsed)
    );
    // include/linux/fcntl.h (6.12): `FASYNC\t|` has a tab one column wide, which
    // expanding and collapsing both make one space; it says nothing either way.
    let one_column = [Pair {
        tree: "\t FASYNC\t| O_DIRECT | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | \\",
        mail: "FASYNC | O_DIRECT | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | \\",
        marker_lost: true,
    }];
    let m = learn(&one_column, &[], true);
    assert_eq!(
        (m.indentation, m.interior),
        (Indentation::Stripped, Interior::Collapsed)
    );
    let trailing = [pair("\tint a; ", "\tint a;")];
    assert!(learn(&trailing, &[], false).trailing_lost);
}

#[test]
fn blanks_after_a_comment_star_are_padded_as_the_files_comments_pad_them() {
    // include/linux/i2c.h-like kernel-doc: the file continues a member's description
    // with tabs then spaces, so an expanded continuation that stops short of a tab stop
    // had tabs too; a file that pads with spaces keeps them.
    let tree: Vec<String> = [
        " * @flags:\t\tI2C_CLIENT_TEN indicates the device uses a ten bit chip address;",
        " *\t\t    I2C_CLIENT_PEC indicates it uses SMBus Packet Error Checking",
        " *\t\t    I2C_CLIENT_SCCB indicates it is an SCCB device",
        " * @addr:\tUsed for bus address",
    ]
    .map(String::from)
    .to_vec();
    let habit = star_habit(&tree, &[]);
    assert_eq!(habit.short_tabs, Some(true));
    let added = expand(" *\t\t    I2C_CLIENT_TARGET indicates it is a target", 1);
    assert_eq!(
        retab_line(&added, 1, true, &[], false, false, habit),
        " *\t\t    I2C_CLIENT_TARGET indicates it is a target"
    );
    let spaced: Vec<String> = tree.iter().map(|l| l.replace("\t\t    ", &" ".repeat(19))).collect();
    let habit = star_habit(&spaced, &[]);
    assert_eq!(habit.short_tabs, Some(false));
    assert_eq!(
        retab_line(&added, 1, true, &[], false, false, habit),
        // The mail's spaces as they were (its `+` took a column).
        format!(" *{}I2C_CLIENT_TARGET indicates it is a target", " ".repeat(17))
    );
}

#[test]
fn retab_restores_indentation_and_aligned_runs() {
    // "+\t\tfoo(a,\t\tb);" expanded with the marker at column 0.
    let expanded = expand("\t\tfoo(a,\t\tb);", 1);
    assert_eq!(
        retab_line(&expanded, 1, true, &[], false, false, StarHabit::default()),
        "\t\tfoo(a,\t\tb);"
    );
    // A continuation aligned with spaces after tabs, and a string keeps its spaces.
    let cont = expand("\t    bar(\"a    b\");", 1);
    assert_eq!(
        retab_line(&cont, 1, true, &[], false, false, StarHabit::default()),
        "\t    bar(\"a    b\");"
    );
    // `#define` is seven columns: with the marker, its tab starts at column 8.
    let define = expand("#define X\t1", 1);
    assert_eq!(
        retab_line(&define, 1, true, &[], false, false, StarHabit::default()),
        "#define X\t1"
    );
    // Neighbours that pad that column with spaces: spaces; a comment: spaces.
    let spaced = expand("\tARG_A  = 1,", 1);
    assert_eq!(
        retab_line(
            &spaced,
            1,
            true,
            &[(16, Padding::Spaces)],
            false,
            false,
            StarHabit::default()
        ),
        "\tARG_A  = 1,"
    );
    let short = expand("\tLDSX(B,   s8)", 1);
    assert_eq!(
        retab_line(&short, 1, true, &[], false, false, StarHabit::default()),
        "\tLDSX(B,   s8)"
    );
    // include/linux/mfd/rk808.h: a one-column tab after a long name, among tabbed defines.
    // include/linux/percpu-defs.h (6.12): a continued macro's head has no value gap; its
    // one space before the backslash stays a space.
    let continued = expand("#define this_cpu_try_cmpxchg(pcp, ovalp, nval) \\", 1);
    assert_eq!(
        retab_line(&continued, 1, true, &[], true, false, StarHabit::default()),
        "#define this_cpu_try_cmpxchg(pcp, ovalp, nval) \\"
    );
    // include/linux/bits.h (7.2): a function-like macro's one-column tab is after its
    // parameter list, not at the space inside it.
    let function_like = expand("#define GENMASK_ULL(h, l)\tGENMASK_TYPE(unsigned long long, h, l)", 1);
    assert_eq!(
        retab_line(&function_like, 1, true, &[], true, false, StarHabit::default()),
        "#define GENMASK_ULL(h, l)\tGENMASK_TYPE(unsigned long long, h, l)"
    );
    let one = expand("#define RK801_POWER_ENTER_SLP_OR_SHTD_SEQ3_REG\t0x2e", 1);
    assert_eq!(
        retab_line(&one, 1, true, &[], true, false, StarHabit::default()),
        "#define RK801_POWER_ENTER_SLP_OR_SHTD_SEQ3_REG\t0x2e"
    );
    // include/linux/serial_core.h (7.2): a macro's backslash at column 78, reached with
    // tabs then spaces as the macro's other lines of the tree reach it; without such
    // neighbours the run that stops short of a tab stop stays spaces.
    let backslash = expand("\tpending;\t\t\t\t\t\t\t      \\", 1);
    let tree = ["#define X(a) do {\t\t\t\t\t\t\t      \\".to_string()];
    let near = neighbour_runs(&tree, 1, &[]);
    assert_eq!(near, vec![(78, Padding::TabsThenSpaces)]);
    assert_eq!(
        retab_line(&backslash, 1, true, &near, false, false, StarHabit::default()),
        "\tpending;\t\t\t\t\t\t\t      \\"
    );
    assert_eq!(
        retab_line(&backslash, 1, true, &[], false, false, StarHabit::default()),
        format!("\tpending;{}\\", " ".repeat(62))
    );
}

#[test]
fn two_blanks_after_a_sentence_stay_spaces_on_a_tab_stop() {
    // include/linux/blkdev.h (6.12): the sentence gap ends on a tab stop, yet was typed.
    let truth = " * feature is not actually supported.  They are racy and the driver needs to";
    let expanded = expand(truth, 1);
    assert_eq!(
        retab_line(&expanded, 1, true, &[], false, false, StarHabit::default()),
        truth
    );
    // Two blanks or more elsewhere on a tab stop were a tab (include/linux/iio/iio.h, 7.2).
    let param = " * @dev:\tDevice to allocate iio_dev for";
    let expanded = expand(param, 1);
    assert_eq!(
        retab_line(&expanded, 1, true, &[], false, false, StarHabit::default()),
        param
    );
}

#[test]
fn a_stripped_makefile_gets_its_recipes_back_and_its_rules_at_column_zero() {
    // kernel/bpf/preload/iterators/Makefile (6.12), every line added and stripped.
    let truth = [
        "clean:",
        "\t$(call msg,CLEAN)",
        "\t$(Q)rm -rf $(OUTPUT) iterators",
        "",
        "iterators.lskel-%.h: $(OUTPUT)/%/iterators.bpf.o | $(BPFTOOL)",
        "\t$(call msg,GEN-SKEL,$@)",
        "\t$(Q)$(BPFTOOL) gen skeleton -L $< > $@",
        "",
        "LIBBPF_OUTPUT = $(abspath $(OUTPUT))/libbpf",
        "BPFOBJ := $(LIBBPF_OUTPUT)/libbpf.a",
        "ifeq ($(V),1)",
        "Q =",
        "endif",
        "$(OUTPUT) $(LIBBPF_OUTPUT) $(BPFTOOL_OUTPUT):",
        "\t$(call msg,MKDIR,$@)",
        "\t$(Q)mkdir -p $@",
    ];
    let mut lines: Vec<String> = truth.iter().map(|l| l.trim().to_string()).collect();
    let targets: Vec<usize> = (0..lines.len()).collect();
    reindent_make(&mut lines, &targets);
    assert_eq!(lines, truth);
    assert_eq!(Language::of("kernel/bpf/preload/iterators/Makefile"), Language::Make);
    assert_eq!(Language::of("kernel/bpf/verifier.c"), Language::C);
    assert_eq!(Language::of("kernel/bpf/Kconfig"), Language::Other);
}
