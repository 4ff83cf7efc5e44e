use super::*;
use crate::mail::HunkLine;

fn hunk(lines: &[(LineKind, &str)]) -> Hunk {
    Hunk {
        old_start: 1,
        old_count: lines.iter().filter(|(k, _)| *k != LineKind::Add).count(),
        new_start: 1,
        new_count: lines.iter().filter(|(k, _)| *k != LineKind::Del).count(),
        section: String::new(),
        lines: lines
            .iter()
            .enumerate()
            .map(|(i, (k, t))| HunkLine {
                kind: *k,
                text: t.to_string(),
                marker_lost: false,
                line: i + 1,
            })
            .collect(),
        line: 1,
        damaged: true,
        old_no_newline: false,
        new_no_newline: false,
        short_at_end: None,
    }
}

/// A hunk whose header still counts `lost` blank context lines the mail dropped.
fn hunk_that_lost(lines: &[(LineKind, &str)], lost: usize) -> Hunk {
    let mut h = hunk(lines);
    h.old_count += lost;
    h.new_count += lost;
    h
}

fn file(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

use LineKind::*;

#[test]
fn heal_restores_lost_blank_lines_and_tree_bytes() {
    let f = file("#define A\t(1 << 0)\n#define B  (1 << 1)\n\n/*\n * doc\n");
    // The header still counts the blank line the archive dropped.
    let h = hunk_that_lost(
        &[
            (Context, "#define A (1 << 0)"),
            (Context, "#define B (1 << 1)"),
            (Add, "#define C (1 << 2)"),
            (Context, "/*"),
            (Context, "* doc"),
        ],
        1,
    );
    let p = locate(&f, &normalized(&f), &h, 40, 0, &BlankOdds::default()).unwrap();
    assert_eq!(p.strategy, Strategy::Healed);
    assert_eq!((p.start, p.end, p.restored_blank_lines), (0, 5, 1));
    let texts: Vec<&str> = p.lines.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(
        texts,
        vec![
            "#define A\t(1 << 0)",
            "#define B  (1 << 1)",
            "#define C (1 << 2)",
            "",
            "/*",
            " * doc"
        ]
    );
}

#[test]
fn heal_refuses_a_hunk_that_lost_more_than_blank_lines() {
    let f = file("\tint a;\n\tint b;\n\tint c;\n");
    let mut h = hunk(&[(Context, "int a;"), (Add, "int x;"), (Context, "int b;")]);
    h.old_count = 3;
    h.new_count = 4;
    match locate(&f, &normalized(&f), &h, 50, 0, &BlankOdds::default()) {
        Err(Failure::NoMatch { why }) => assert!(why.contains("lost more than whitespace"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn exact_then_offset() {
    let f = file("a\nb\nc\nd\n");
    let h = hunk(&[(Context, "b"), (Del, "c"), (Add, "C")]);
    assert_eq!(
        locate(&f, &normalized(&f), &h, 1, 0, &BlankOdds::default())
            .unwrap()
            .strategy,
        Strategy::Exact
    );
    let p = locate(&f, &normalized(&f), &h, 0, 0, &BlankOdds::default()).unwrap();
    assert_eq!((p.strategy, p.start), (Strategy::Offset, 1));
}

#[test]
fn twice_present_context_is_ambiguous() {
    let f = file("x\n\tfoo();\n\tbar();\ny\n\tfoo();\n\tbar();\n");
    let h = hunk(&[(Context, "foo();"), (Add, "baz();"), (Context, "bar();")]);
    match locate(&f, &normalized(&f), &h, 100, 0, &BlankOdds::default()) {
        Err(Failure::Ambiguous { lines }) => assert_eq!(lines, vec![2, 5]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn of_several_healed_places_the_headers_wins() {
    // kernel/bpf/stackmap.c has the same proto tail three times; with its whitespace
    // damaged, only the header's line tells them apart.
    let f = file("x\n\t.arg1_type\t= ARG_A,\n};\ny\n\t.arg1_type\t= ARG_A,\n};\n");
    let h = hunk(&[
        (Del, ".arg1_type = ARG_A,"),
        (Add, ".arg1_type = ARG_B,"),
        (Context, "};"),
    ]);
    let p = locate(&f, &normalized(&f), &h, 4, 0, &BlankOdds::default()).unwrap();
    assert_eq!((p.strategy, p.start), (Strategy::Healed, 4));
    assert!(matches!(
        locate(&f, &normalized(&f), &h, 2, 0, &BlankOdds::default()),
        Err(Failure::Ambiguous { .. })
    ));
}

#[test]
fn a_context_line_starting_with_a_minus_is_read_back_as_context() {
    // kernel/bpf/lpm_trie.c: ` \t\t\t-EINVAL : 0;` lost its marker and indentation.
    let f = file("\tret = x ?\n\t\t\t-EINVAL : 0;\n\treturn ret;\n");
    let mut h = hunk(&[
        (Context, "ret = x ?"),
        (Del, "EINVAL : 0;"),
        (Add, " y();"),
        (Context, "return ret;"),
    ]);
    h.new_count = 4;
    assert!(matches!(
        locate(&f, &normalized(&f), &h, 0, 0, &BlankOdds::default()),
        Err(Failure::NoMatch { .. })
    ));
    let (p, read_as) = locate_reading_markers(&f, &normalized(&f), &h, 0, 0, &BlankOdds::default()).unwrap();
    assert_eq!((p.start, p.end), (0, 3));
    assert_eq!(read_as.unwrap().lines[1].kind, Context);
    assert_eq!(p.lines[1].text, "\t\t\t-EINVAL : 0;");
}

#[test]
fn no_match_names_the_missing_line() {
    let f = file("a\nb\n");
    let h = hunk(&[(Context, "a"), (Del, "zzz"), (Add, "q")]);
    match locate(&f, &normalized(&f), &h, 0, 0, &BlankOdds::default()) {
        Err(Failure::NoMatch { why }) => assert!(why.contains("removed line 2") && why.contains("zzz"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn heal_never_reaches_back_before_min_start() {
    // The previous hunk's result ends at line 3 (min_start) with a blank line; this hunk
    // (whitespace-damaged: `b` lost its tab) lost two blank lines, but the tree has only one
    // after min_start: refused, not borrowed from the previous hunk.
    let f = file("a\nx\n\n\n\tb\n");
    let mut h = hunk(&[(Context, "b"), (Add, "y")]);
    h.old_count = 3;
    h.new_count = 4;
    match locate(&f, &normalized(&f), &h, 40, 3, &BlankOdds::default()) {
        Err(Failure::NoMatch { why }) => assert!(why.contains("lost more than whitespace"), "{why}"),
        other => panic!("{other:?}"),
    }
    // With the room it needs after min_start it heals, and never starts before it.
    h.old_count = 2;
    h.new_count = 3;
    let p = locate(&f, &normalized(&f), &h, 40, 3, &BlankOdds::default()).unwrap();
    assert_eq!(
        (p.strategy, p.start, p.end, p.restored_blank_lines),
        (Strategy::Healed, 3, 5, 1)
    );
}

fn split_of(run: &[&str], prev: &str, next: &str) -> usize {
    let run: Vec<NewLine> = run
        .iter()
        .map(|t| NewLine {
            text: t.to_string(),
            added: true,
        })
        .collect();
    blank_split(&run, &beside(prev, next), &BlankOdds::default())
}

fn beside<'a>(above: &'a str, below: &'a str) -> Beside<'a> {
    Beside {
        above: Some(above),
        above_prev: None,
        above_removed: false,
        below: Some(below),
    }
}

#[test]
fn a_lost_blank_sets_a_label_off_and_follows_the_block_a_run_continues() {
    // kernel/bpf/cpumap.c, 7.2: `}` / blank / `stats:`, never a blank after the label.
    assert_eq!(
        split_of(&["stats:"], "\t\t}", "\t\t/* Feedback loop via tracepoint."),
        0
    );
    // include/linux/alcor_pci.h, 7.2: the new #define belongs to the block below it.
    assert_eq!(
        split_of(
            &["#define DRV_NAME_ALCOR_PCI\t\t\t\"alcor_pci\""],
            "#define ALCOR_MS_CARD 1",
            "#define DRV_NAME_ALCOR_PCI_SDMMC\t\t\"alcor_sdmmc\""
        ),
        0
    );
    // include/linux/debugfs.h, 7.2: a new struct between a typedef and an #if.
    assert_eq!(
        split_of(
            &[
                "struct debugfs_short_fops {",
                "\tssize_t (*read)(struct file *);",
                "};",
                ""
            ],
            "typedef struct vfsmount *(*debugfs_automount_t)(struct dentry *, void *);",
            "#if defined(CONFIG_DEBUG_FS)"
        ),
        0
    );
    // include/linux/component.h: a prototype's continuation closes nothing.
    assert_eq!(
        split_of(
            &[
                "bool component_master_is_bound(struct device *parent,",
                "\tconst struct component_master_ops *ops);"
            ],
            "\tconst struct component_master_ops *);",
            "struct component_match;"
        ),
        2
    );
    // Appending to the block above stays the default.
    assert_eq!(split_of(&["\tx = 2;"], "\tx = 1;", "\treturn x;"), 1);
}

#[test]
fn a_lost_blank_stands_where_the_file_puts_blank_lines_between_such_two_lines() {
    // include/linux/err.h, 6.12: a kernel-doc comment added between `#ifndef __ASSEMBLY__`, a
    // blank line, and the `#define` it documents. The file puts its comments right above what
    // they describe, so the lost blank line stands before the comment, not between it and the
    // `#define`.
    let err_h = file(
        "#include <asm/errno.h>\n\n/*\n * Kernel pointers have redundant information.\n */\n#define MAX_ERRNO\t4095\n\n#ifndef __ASSEMBLY__\n\n#define IS_ERR_VALUE(x) unlikely((unsigned long)(void *)(x) >= (unsigned long)-MAX_ERRNO)\n",
    );
    let odds = BlankOdds::learn(&err_h, std::path::Path::new("/nonexistent"), "err.h");
    let run: Vec<NewLine> = ["/**", " * IS_ERR_VALUE - Detect an error pointer.", " */"]
        .iter()
        .map(|t| NewLine {
            text: t.to_string(),
            added: true,
        })
        .collect();
    let (above, below) = ("#ifndef __ASSEMBLY__", "#define IS_ERR_VALUE(x) unlikely(x)");
    assert_eq!(blank_split(&run, &beside(above, below), &odds), 0);
    // A file that says nothing: after the run.
    assert_eq!(blank_split(&run, &beside(above, below), &BlankOdds::default()), 3);
}

#[test]
fn blank_lines_lost_at_the_end_of_the_last_hunk_are_a_choice_beside_the_added_run() {
    // include/linux/sync_core.h, 6.1 -> 6.12: the file's last line is blank, and the hunk that
    // replaces the guard's `#endif` ends in added lines; the archive lost both blank context
    // lines. The header counts them; the one after the removed line may stand anywhere in
    // the run (the author put it before the new `#endif` guard), so it is a choice the proof
    // search can take the other way.
    let f = file("}\n#endif\n\n#endif /* _LINUX_SYNC_CORE_H */\n\n");
    let h = hunk_that_lost(
        &[
            (Context, "}"),
            (Context, "#endif"),
            (Del, "#endif /* _LINUX_SYNC_CORE_H */"),
            (Add, "#ifdef CONFIG_X"),
            (Add, "#endif"),
            (Add, "#endif /* _LINUX_SYNC_CORE_H */"),
        ],
        2,
    );
    let p = locate(&f, &normalized(&f), &h, 1, 0, &BlankOdds::default()).unwrap();
    assert_eq!((p.start, p.end, p.restored_blank_lines), (0, 5, 2));
    let texts: Vec<&str> = p.lines.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(
        texts,
        vec![
            "}",
            "#endif",
            "",
            "#ifdef CONFIG_X",
            "#endif",
            "#endif /* _LINUX_SYNC_CORE_H */",
            ""
        ]
    );
    assert_eq!(
        p.blank_choices,
        vec![BlankChoice {
            run_start: 3,
            run_len: 3,
            blanks: 1,
            before: false
        }]
    );
}

fn texts(p: &Placement) -> Vec<&str> {
    p.lines.iter().map(|l| l.text.as_str()).collect()
}

#[test]
fn a_removed_blank_line_slides_to_the_added_lines_so_the_lost_one_may_stand_before_them() {
    // include/linux/pci.h, 6.1 -> 6.12: of the two blank lines under the guard, the change
    // removes one and adds an #include. git put the removed one next to the added line, so
    // the blank line the archive lost is the other: it stands where the file's odds put a
    // blank line, between the #define and the #includes (the removed line was not the last
    // old line before the blank lines, so they need not follow the added line).
    let f = file(
        "#ifndef LINUX_PCI_H\n#define LINUX_PCI_H\n\n\n#include <linux/mod_devicetable.h>\n\n#include <linux/types.h>\n#include <linux/init.h>\n#include <linux/ioport.h>\n#include <linux/list.h>\n#include <linux/compiler.h>\n#include <linux/errno.h>\n#include <linux/kobject.h>\n",
    );
    let odds = BlankOdds::learn(&f, std::path::Path::new("/nonexistent"), "pci.h");
    let h = hunk_that_lost(
        &[
            (Context, "#ifndef LINUX_PCI_H"),
            (Context, "#define LINUX_PCI_H"),
            (Del, ""),
            (Add, "#include <linux/args.h>"),
            (Context, "#include <linux/mod_devicetable.h>"),
        ],
        1,
    );
    let p = locate(&f, &normalized(&f), &h, 1, 0, &odds).unwrap();
    assert_eq!(
        texts(&p),
        vec![
            "#ifndef LINUX_PCI_H",
            "#define LINUX_PCI_H",
            "",
            "#include <linux/args.h>",
            "#include <linux/mod_devicetable.h>"
        ]
    );
    // A removed line with text is taken by the added lines after it, as before.
    let f = file("#define A 1\nint x;\n\n#define B 2\n");
    let h = hunk_that_lost(
        &[
            (Context, "#define A 1"),
            (Del, "int x;"),
            (Add, "int y;"),
            (Context, "#define B 2"),
        ],
        1,
    );
    let p = locate(&f, &normalized(&f), &h, 1, 0, &odds).unwrap();
    assert_eq!(texts(&p), vec!["#define A 1", "int y;", "", "#define B 2"]);
}

#[test]
fn added_lines_between_two_blank_lines_are_set_off_on_both_sides() {
    // include/linux/cleanup.h, 6.1 -> 6.12: `return_ptr`, two blank lines, a comment; the
    // change writes a comment and a #define between the two blank lines, and the archive lost
    // both. The file and its neighbours put a blank line between a #define and a comment
    // (include/linux/kernel.h's, learnt here), so one stands before the run, one after.
    let learnt = file(
        "#define STACK_MAGIC\t0xdeadbeef\n\n/**\n * REPEAT_BYTE - repeat the value @x multiple times as an unsigned long value\n */\n#define upper_32_bits(n) ((u32)(((n) >> 16) >> 16))\n\n/**\n * lower_32_bits - return bits 0-31 of a number\n */\n#define lower_32_bits(n) ((u32)((n) & 0xffffffff))\n\n/**\n * upper_16_bits - return bits 16-31 of a number\n */\n#define upper_16_bits(n) ((u16)((n) >> 16))\n\n/**\n",
    );
    let odds = BlankOdds::learn(&learnt, std::path::Path::new("/nonexistent"), "kernel.h");
    // The file goes on after the hunk. Were the hunk at the file's end, the two blank lines
    // together after the run would leave four lines of context after it, which git never
    // writes there: they would go before the run instead. Nor does it start the file (one
    // blank line on each side would then be git's).
    let f = file("#include <linux/compiler.h>\n#define return_ptr(p)\treturn no_free_ptr(p)\n\n\n/*\n * DEFINE_CLASS(name, type, exit, init, init_args...):\n *\n");
    let mut h = hunk_that_lost(
        &[
            (Context, "#define return_ptr(p) return no_free_ptr(p)"),
            (Add, "/*"),
            (
                Add,
                " * Only for situations where an allocation is handed in to another function",
            ),
            (Add, " */"),
            (Add, "#define retain_and_null_ptr(p) ((void)__get_and_null(p, NULL))"),
            (Context, "/*"),
            (Context, "* DEFINE_CLASS(name, type, exit, init, init_args...):"),
        ],
        2,
    );
    h.old_start = 2;
    let p = locate(&f, &normalized(&f), &h, 1, 0, &odds).unwrap();
    assert_eq!(
        texts(&p),
        vec![
            "#define return_ptr(p)\treturn no_free_ptr(p)",
            "",
            "/*",
            " * Only for situations where an allocation is handed in to another function",
            " */",
            "#define retain_and_null_ptr(p) ((void)__get_and_null(p, NULL))",
            "",
            "/*",
            " * DEFINE_CLASS(name, type, exit, init, init_args...):"
        ]
    );
    assert_eq!(
        p.blank_choices,
        vec![BlankChoice {
            run_start: 2,
            run_len: 4,
            blanks: 1,
            before: false
        }]
    );
    // Where the odds do not favour a blank line at both ends (no file to learn from), the two
    // stay together, as the tree has them.
    let p = locate(&f, &normalized(&f), &h, 1, 0, &BlankOdds::default()).unwrap();
    assert_eq!(
        texts(&p)[1..3],
        [
            "/*",
            " * Only for situations where an allocation is handed in to another function"
        ]
    );
}

#[test]
fn a_lost_blank_line_follows_a_functions_declarations() {
    // include/linux/srcu.h, 6.1 -> 6.12: `int retval;`, a blank line, then the statements; the
    // change adds a call above the first statement, and the archive lost the blank line. The
    // file's odds between two lines ending in `;` say nothing; kernel style sets the
    // declarations off.
    let run = |t: &str| NewLine {
        text: t.to_string(),
        added: true,
    };
    let (above, below) = ("\tint retval;", "\tretval = __srcu_read_lock(ssp);");
    let b = Beside {
        above_prev: Some("{"),
        ..beside(above, below)
    };
    assert_eq!(
        blank_split(&[run("srcu_check_nmi_safety(ssp, false);")], &b, &BlankOdds::default()),
        0
    );
    // A declaration added after the others still joins them.
    assert_eq!(blank_split(&[run("int idx;")], &b, &BlankOdds::default()), 1);
    // Not a declaration: a continued prototype's last line, a call, a return.
    assert!(is_declaration("\tstruct fsnotify_rename_data rd = {"));
    assert!(is_declaration("\tint i = pos, j;"));
    // kernel/bpf/bpf_lru_list.c, 7.2: a declaring macro is a declaration.
    assert!(is_declaration("\tLIST_HEAD(tmp_free);"));
    assert!(!is_declaration("\t\t\t  size_t len, int cpu, int full);"));
    assert!(!is_declaration("\tsrcu_check_nmi_safety(ssp, false);"));
    assert!(!is_declaration("\treturn retval;"));
}

#[test]
fn after_removed_lines_the_lost_blank_may_stand_inside_the_run_where_the_end_cannot_have_it() {
    // include/linux/fsnotify.h, 6.1 -> 6.12: a function's first line removed, a new function
    // written in its place, then the old function's head again; the blank line the archive
    // lost (after the old first line) stands between the two functions: a blank line right
    // after `{` the end of the run would give is what kernel style never writes.
    let f = file("static inline int fsnotify_file(struct file *file, __u32 mask)\n{\n\tconst struct path *path = &file->f_path;\n\n\t/*\n\t * FMODE_NONOTIFY are fds generated by fanotify itself which should not\n");
    let h = hunk_that_lost(
        &[
            (Del, "static inline int fsnotify_file(struct file *file, __u32 mask)"),
            (
                Add,
                "static inline int fsnotify_path(const struct path *path, __u32 mask)",
            ),
            (Context, "{"),
            (Del, "const struct path *path = &file->f_path;"),
            (
                Add,
                "return fsnotify_parent(path->dentry, mask, path, FSNOTIFY_EVENT_PATH);",
            ),
            (Add, "}"),
            (Add, "static inline int fsnotify_file(struct file *file, __u32 mask)"),
            (Add, "{"),
            (Context, "/*"),
            (
                Context,
                "* FMODE_NONOTIFY are fds generated by fanotify itself which should not",
            ),
        ],
        1,
    );
    // The file's other functions, as the odds learn them.
    let learnt = file("static inline void fsnotify_dentry(struct dentry *dentry, __u32 mask)\n{\n\tfsnotify_parent(dentry, mask, dentry, FSNOTIFY_EVENT_DENTRY);\n}\n\nstatic inline int fsnotify_file(struct file *file, __u32 mask)\n{\n\treturn 0;\n}\n\nstatic inline int fsnotify_open_perm(struct file *file)\n{\n");
    let odds = BlankOdds::learn(&learnt, std::path::Path::new("/nonexistent"), "fsnotify.h");
    let p = locate(&f, &normalized(&f), &h, 1, 0, &odds).unwrap();
    assert_eq!(
        texts(&p)[1..7],
        [
            "{",
            "return fsnotify_parent(path->dentry, mask, path, FSNOTIFY_EVENT_PATH);",
            "}",
            "",
            "static inline int fsnotify_file(struct file *file, __u32 mask)",
            "{",
        ]
    );
}

#[test]
fn after_removed_lines_the_lost_blank_stands_where_the_lines_continuing_them_end() {
    // include/linux/mfd/davinci_voicecodec.h, 6.12 -> 7.2: an `#include` removed, one added
    // in its place, then three forward declarations; the blank line the archive lost (between
    // the includes and the declarations) stands after the added `#include`, not after the
    // run.
    let f = file("#include <linux/kernel.h>\n#include <linux/platform_device.h>\n#include <linux/mfd/core.h>\n#include <linux/platform_data/edma.h>\n\nstruct regmap;\n\n/*\n");
    let h = hunk_that_lost(
        &[
            (Del, "#include <linux/kernel.h>"),
            (Del, "#include <linux/platform_device.h>"),
            (Add, "#include <linux/bits.h>"),
            (Context, "#include <linux/mfd/core.h>"),
            (Del, "#include <linux/platform_data/edma.h>"),
            (Add, "#include <linux/types.h>"),
            (Add, "struct clk;"),
            (Add, "struct device;"),
            (Add, "struct platform_device;"),
            (Context, "struct regmap;"),
        ],
        1,
    );
    // The directory's headers, as the odds learn them: includes, a blank line, declarations.
    let learnt = file(
        &"#include <linux/bits.h>\n#include <linux/types.h>\n\nstruct clk;\nstruct device;\nstruct regmap;\n\n/*\n"
            .repeat(20),
    );
    let odds = BlankOdds::learn(&learnt, std::path::Path::new("/nonexistent"), "davinci_voicecodec.h");
    let p = locate(&f, &normalized(&f), &h, 0, 0, &odds).unwrap();
    assert_eq!(
        texts(&p)[2..7],
        [
            "#include <linux/types.h>",
            "",
            "struct clk;",
            "struct device;",
            "struct platform_device;"
        ]
    );
}

#[test]
fn lost_blank_lines_go_where_git_puts_three_lines_of_context_around_the_change() {
    // include/linux/mmc/sdio_func.h, 6.12 -> 7.2: `@@ -78,6 +78,7 @@` adds `shutdown` between
    // `remove` and a blank line; the archive lost the blank line that opens the hunk and the
    // one after the new member. git puts three lines of context before the change and three
    // after it: the blank line above `probe` is the hunk's first, not the one after `};`, and
    // the other stands after the new member.
    let f = file("struct sdio_driver {\n\tchar *name;\n\tconst struct sdio_device_id *id_table;\n\n\tint (*probe)(struct sdio_func *, const struct sdio_device_id *);\n\tvoid (*remove)(struct sdio_func *);\n\n\tstruct device_driver drv;\n};\n\n/**\n");
    let mut h = hunk_that_lost(
        &[
            (
                Context,
                "int (*probe)(struct sdio_func *, const struct sdio_device_id *);",
            ),
            (Context, "void (*remove)(struct sdio_func *);"),
            (Add, "void (*shutdown)(struct sdio_func *);"),
            (Context, "struct device_driver drv;"),
            (Context, "};"),
        ],
        2,
    );
    h.old_start = 4;
    let p = locate(&f, &normalized(&f), &h, 3, 0, &BlankOdds::default()).unwrap();
    assert_eq!((p.start, p.end), (3, 9));
    assert_eq!(
        texts(&p),
        [
            "",
            "\tint (*probe)(struct sdio_func *, const struct sdio_device_id *);",
            "\tvoid (*remove)(struct sdio_func *);",
            "void (*shutdown)(struct sdio_func *);",
            "",
            "\tstruct device_driver drv;",
            "};",
        ]
    );
}

#[test]
fn a_lost_blank_line_beside_the_first_change_stands_where_git_puts_three_lines_before_it() {
    // include/linux/regulator/machine.h, 6.12 -> 7.2: `@@ -185,6 +186,7 @@` adds
    // `pw_budget_mW` after a blank line; the archive lost it and the one after the next
    // member. Three lines of context before the change: the blank line stands before it.
    let f = file("\tint min_uA;\n\tint max_uA;\n\tint ilim_uA;\n\n\tint system_load;\n\n\t/* used for coupled regulators */\n\tu32 *max_spread;\n");
    let mut h = hunk_that_lost(
        &[
            (Context, "int max_uA;"),
            (Context, "int ilim_uA;"),
            (Add, "int pw_budget_mW;"),
            (Context, "int system_load;"),
            (Context, "/* used for coupled regulators */"),
        ],
        2,
    );
    h.old_start = 2;
    let p = locate(&f, &normalized(&f), &h, 1, 0, &BlankOdds::default()).unwrap();
    assert_eq!(
        texts(&p),
        [
            "\tint max_uA;",
            "\tint ilim_uA;",
            "",
            "int pw_budget_mW;",
            "\tint system_load;",
            "",
            "\t/* used for coupled regulators */",
        ]
    );
    assert_eq!(
        p.blank_choices.len(),
        1,
        "the proof search may still try the other side"
    );
}

#[test]
fn lost_blank_lines_on_both_sides_of_a_run_split_as_git_puts_three_lines_around_it() {
    // include/linux/syscalls.h, 6.1 -> 6.12: `@@ -1289,6 +1199,7 @@` adds one declaration
    // between the two blank lines under `#endif`; the archive lost the blank line that opens
    // the hunk and both of those. Both after the added line (or both before it) would leave
    // git two or four lines of context on one side: one stands before it, one after.
    let f = file("asmlinkage long sys_ni_syscall(void);\n\n#endif /* CONFIG_ARCH_HAS_SYSCALL_WRAPPER */\n\n\n/*\n * Kernel code should not call syscalls (i.e., sys_xyzyyz()) directly.\n * Instead, use one of the functions which work equivalently, such as\n");
    let mut h = hunk_that_lost(
        &[
            (Context, "#endif /* CONFIG_ARCH_HAS_SYSCALL_WRAPPER */"),
            (Add, "asmlinkage long sys_ni_posix_timers(void);"),
            (Context, "/*"),
            (
                Context,
                "* Kernel code should not call syscalls (i.e., sys_xyzyyz()) directly.",
            ),
        ],
        3,
    );
    h.old_start = 2;
    let p = locate(&f, &normalized(&f), &h, 1, 0, &BlankOdds::default()).unwrap();
    assert_eq!((p.start, p.end), (1, 7));
    assert_eq!(
        texts(&p),
        [
            "",
            "#endif /* CONFIG_ARCH_HAS_SYSCALL_WRAPPER */",
            "",
            "asmlinkage long sys_ni_posix_timers(void);",
            "",
            "/*",
            " * Kernel code should not call syscalls (i.e., sys_xyzyyz()) directly.",
        ]
    );
    // The moved one is the choice the proof search may still try back.
    assert_eq!(
        p.blank_choices,
        vec![BlankChoice {
            run_start: 3,
            run_len: 1,
            blanks: 1,
            before: true
        }]
    );
}
