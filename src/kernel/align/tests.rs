use super::*;

fn run(before: &str, added: &[&str], after: &str) -> Vec<String> {
    let mut lines: Vec<String> = before.lines().map(str::to_string).collect();
    let first = lines.len();
    lines.extend(added.iter().map(|s| s.to_string()));
    lines.extend(after.lines().map(str::to_string));
    let targets: Vec<usize> = (first..first + added.len()).collect();
    realign(&mut lines, &targets);
    lines[first..first + added.len()].to_vec()
}

#[test]
fn struct_members_and_initializers_take_their_neighbours_columns() {
    let members = "struct s {\n\tu32\t\t\tflags;\n\tstruct list_head\tlist;";
    assert_eq!(run(members, &["\tvoid *priv;"], "};"), vec!["\tvoid\t\t\t*priv;"]);
    let ops =
        "const struct bpf_map_ops array_map_ops = {\n\t.map_alloc = array_map_alloc,\n\t.map_free\t= array_map_free,";
    assert_eq!(
        run(ops, &["\t.map_mmap = array_map_mmap,"], "};"),
        vec!["\t.map_mmap\t= array_map_mmap,"]
    );
}

#[test]
fn a_function_pointer_continued_on_the_next_line_aligns_its_name_and_its_parameters_follow() {
    // include/linux/platform_data/dmtimer-omap.h (7.2).
    let before = "struct omap_dm_timer_ops {\n\tint\t(*get_irq)(struct omap_dm_timer *timer);";
    assert_eq!(
        run(
            before,
            &[
                "\tint (*set_cap)(struct omap_dm_timer *timer,",
                "\t\t       int autoreload, bool config_period);"
            ],
            "};"
        ),
        vec![
            "\tint\t(*set_cap)(struct omap_dm_timer *timer,",
            "\t\t\t   int autoreload, bool config_period);"
        ]
    );
}

#[test]
fn a_declarations_lock_annotation_takes_its_neighbours_column() {
    // include/linux/rwlock_api_smp.h (7.2): the annotations stand at column 56.
    let before = "void __lockfunc _raw_read_lock(rwlock_t *lock)\t\t__acquires_shared(lock);\nvoid __lockfunc _raw_read_lock_bh(rwlock_t *lock)\t__acquires_shared(lock);";
    assert_eq!(
        run(
            before,
            &["int __lockfunc _raw_read_trylock(rwlock_t *lock) __cond_acquires_shared(true, lock);"],
            ""
        ),
        vec!["int __lockfunc _raw_read_trylock(rwlock_t *lock)\t__cond_acquires_shared(true, lock);"]
    );
    assert_eq!(gap("\tfoo(a, __acquires(x));", Kind::Annotation), None);
    assert_eq!(gap("void f(int a) __releases(a);", Kind::Annotation), Some((13, 14)));
}

#[test]
fn a_member_among_single_spaced_ones_stays_single_spaced() {
    // include/linux/input.h (7.2): `bool passive_observer;` joins single-spaced members;
    // the nearest aligned one (`struct list_head\th_list;`) is outvoted.
    let before = "struct input_handler {\n\n\tvoid *private;\n\n\tvoid (*start)(struct input_handle *handle);\n";
    let after = "\tbool legacy_minors;\n\tint minor;\n\tconst char *name;\n\n\tconst struct input_device_id *id_table;\n\n\tstruct list_head\th_list;\n\tstruct list_head\tnode;\n};";
    assert_eq!(
        run(before, &["\tbool passive_observer;"], after),
        vec!["\tbool passive_observer;"]
    );
    // Where the aligned ones are as many, the nearest of them still sets it.
    let members = "struct s {\n\tu32\t\t\tflags;\n\tstruct list_head\tlist;\n\tint n;";
    assert_eq!(run(members, &["\tvoid *priv;"], "};"), vec!["\tvoid\t\t\t*priv;"]);
}

#[test]
fn an_endifs_comment_follows_the_files_endifs_not_the_neighbours_comments() {
    // include/linux/wireless.h (6.12 -> 7.2): the trailing comments above are aligned
    // with a tab; the #endif's comment is one space after it, as the file's guard is not
    // enough to say otherwise.
    let before = "struct compat_iw_point {\n\tcompat_caddr_t pointer;\t/* Pointer to the data */\n\t__u16 length;\t\t/* number of fields */\n};";
    assert_eq!(
        run(
            before,
            &["#endif /* CONFIG_COMPAT */"],
            "#endif\t/* _LINUX_WIRELESS_H */"
        ),
        vec!["#endif /* CONFIG_COMPAT */"]
    );
    // A file whose #endifs mostly set their comments off with a tab.
    let before = "#endif\t/* A */\n#endif\t/* B */\n#endif\t/* C */\n#endif /* D */\n";
    assert_eq!(run(before, &["#endif /* E */"], ""), vec!["#endif\t/* E */"]);
}

#[test]
fn a_member_with_an_attribute_after_its_name_aligns_its_name() {
    // include/linux/igmp.h (6.1 -> 6.12): the flexible array gained `__counted_by`; its
    // parentheses are the attribute's, not a function's.
    let before =
        "struct ip_sf_socklist {\n\tunsigned int\t\tsl_max;\n\tunsigned int\t\tsl_count;\n\tstruct rcu_head\t\trcu;";
    assert_eq!(
        run(before, &["\t__be32 sl_addr[] __counted_by(sl_max);"], "};"),
        vec!["\t__be32\t\t\tsl_addr[] __counted_by(sl_max);"]
    );
    // A function's parentheses still say nothing of a name, whatever it is called.
    assert_eq!(run(before, &["\tint f(int x);"], "};"), vec!["\tint f(int x);"]);
    assert_eq!(
        run(before, &["\textern void __put_page(struct page *page);"], "};"),
        vec!["\textern void __put_page(struct page *page);"]
    );
}

#[test]
fn a_function_pointer_member_is_voted_on_by_function_pointer_members() {
    // include/linux/configfs.h (6.1 -> 6.12): `is_visible` joins single-spaced function
    // pointers; the aligned data members of the next structs do not vote.
    let before = "struct configfs_group_operations {\n\tvoid (*disconnect_notify)(struct config_group *group, struct config_item *item);\n\tvoid (*drop_item)(struct config_group *group, struct config_item *item);";
    let after = "};\n\nstruct configfs_subsystem {\n\tstruct config_group\tsu_group;\n\tstruct mutex\t\tsu_mutex;\n};";
    let added = ["\tbool (*is_visible)(struct config_item *item, struct configfs_attribute *attr, int n);"];
    assert_eq!(run(before, &added, after), added);
    // A data member still takes the aligned members' column.
    assert_eq!(run(before, &["\tint x;"], after), vec!["\tint\t\t\tx;"]);
}

#[test]
fn an_item_among_shorter_single_spaced_items_is_not_aligned_to_the_next_struct() {
    // kernel/bpf/bpf_inode_storage.c (6.1 -> 6.12): `.map_mem_usage` joins ops whose `=`
    // follow one space; the tabs six lines down are another struct's.
    let before = "const struct bpf_map_ops inode_storage_map_ops = {\n\t.map_free = inode_storage_map_free,\n\t.map_check_btf = bpf_local_storage_map_check_btf,";
    let after = "\t.map_owner_storage_ptr = inode_storage_ptr,\n};\n\nconst struct bpf_func_proto bpf_inode_storage_get_proto = {\n\t.func\t\t= bpf_inode_storage_get,";
    let added = ["\t.map_mem_usage = bpf_local_storage_map_mem_usage,"];
    assert_eq!(run(before, &added, after), added);
    // A single-spaced item longer than the added one may stand past the column: it does
    // not say the gap is single.
    let before = "static struct s ops = {\n\t.map_get_next_key = next_key,\n\t.map_free\t= map_free,";
    assert_eq!(
        run(before, &["\t.map_mmap = mmap,"], "};"),
        vec!["\t.map_mmap\t= mmap,"]
    );
}

#[test]
fn a_lone_backslash_stands_at_its_macros_column() {
    // include/linux/mmdebug.h (6.12): an empty line of a macro's body.
    let before = "#define VM_WARN_ON_FOLIO(cond, folio)\t\t({\t\t\t\\\n\tint __ret_warn = !!(cond);\t\t\t\t\t\\";
    let after = "\tif (unlikely(__ret_warn)) {\t\t\t\t\t\\\n})";
    assert_eq!(run(before, &["\\"], after), vec!["\t\t\t\t\t\t\t\t\t\\"]);
}

#[test]
fn comments_and_backslashes_follow_the_nearest_wide_gap() {
    let defines = "#define A(x)\t\t\t\\\n\tdo_a(x);\t\t\\";
    assert_eq!(run(defines, &["\tdo_b(x); \\"], "\tdone()"), vec!["\tdo_b(x);\t\t\\"]);
    let comments = "\tint a;\t\t/* first */\n\tint bb;\t\t/* second */";
    assert_eq!(
        run(comments, &["\tint c; /* third */"], ""),
        vec!["\tint c;\t\t/* third */"]
    );
}

#[test]
fn added_blocks_without_neighbours_align_as_kernel_code_mostly_does() {
    // include/linux/mfd/rk808.h: new registers, no #define of the tree near them.
    let out = run(
        "struct a;",
        &["#define RK801_BUCK2_ON_VSEL_REG 0x0a", "#define RK801_LDO_EN 0x0b"],
        "",
    );
    assert_eq!(
        out,
        vec!["#define RK801_BUCK2_ON_VSEL_REG\t0x0a", "#define RK801_LDO_EN\t\t0x0b"]
    );
    let out = run("", &["#define F(x) \\", "\tdo_f(x); \\", "\tdone(x)"], "");
    assert_eq!(out, vec!["#define F(x)\t\t\\", "\tdo_f(x);\t\\", "\tdone(x)"]);
    // Beside the tree's single-spaced defines they stay single.
    let out = run("#define A 1", &["#define BB 2"], "");
    assert_eq!(out, vec!["#define BB 2"]);
}

#[test]
fn a_whole_added_macro_sets_its_backslashes_as_the_nearest_macro_of_the_tree() {
    // include/linux/cpumask.h (6.12): for_each_cpu_or after for_each_cpu_andnot, whose
    // backslash stands at column 64, past the first tab stop after the new head (48), a
    // kernel-doc comment away (too far for the neighbours' columns).
    let andnot = "#define for_each_cpu_andnot(cpu, mask1, mask2)\t\t\t\t\\\n\tfor_each_andnot_bit(cpu, a, b, n)\n\n/**\n * for_each_cpu_or - iterate over every cpu present in either mask\n * @cpu: the (optionally unsigned) integer iterator\n * @mask1: the first cpumask pointer\n * @mask2: the second cpumask pointer\n *\n * After the loop, cpu is >= nr_cpu_ids.\n */";
    assert_eq!(
        run(
            andnot,
            &[
                "#define for_each_cpu_or(cpu, mask1, mask2) \\",
                "\tfor_each_or_bit(cpu, a, b, n)"
            ],
            ""
        ),
        vec![
            "#define for_each_cpu_or(cpu, mask1, mask2)\t\t\t\t\\",
            "\tfor_each_or_bit(cpu, a, b, n)"
        ]
    );
    // include/linux/fs.h (6.12): beside macros with one space before the backslash, the
    // added ones keep theirs.
    let single = "#define FMODE_FSNOTIFY_HSM(mode) \\\n\t((mode & FMODE_FSNOTIFY_MASK) == 0)\n";
    assert_eq!(
        run(
            single,
            &[
                "#define FMODE_FSNOTIFY_NONE(mode) \\",
                "\t((mode & M) == FMODE_NONOTIFY)"
            ],
            ""
        ),
        vec![
            "#define FMODE_FSNOTIFY_NONE(mode) \\",
            "\t((mode & M) == FMODE_NONOTIFY)"
        ]
    );
    // A column the macro's head does not fit under: the first tab stop past its longest line.
    let narrow = "#define A(x)\t\\\n\tx\n";
    assert_eq!(
        run(narrow, &["#define LONGER_NAME(x) \\", "\tx"], ""),
        vec!["#define LONGER_NAME(x)\t\\", "\tx"]
    );
}

#[test]
fn members_with_comments_and_function_pointers_align_their_names() {
    // include/linux/pktcdvd.h (6.12): the name to the neighbours' column, the comment after.
    let members = "struct pktcdvd_device {\n\tstruct block_device\t*bdev;\t\t/* dev attached */";
    assert_eq!(
        run(members, &["\tstruct file *bdev_file; /* dev attached */"], "};"),
        vec!["\tstruct file\t\t*bdev_file;\t/* dev attached */"]
    );
    // include/linux/mfd/tps65010.h (6.12): a function pointer member's name is `(*name)`.
    let ops = "struct tps65010_board {\n\tint\t\t(*setup)(struct i2c_client *client, struct gpio_chip *gc);";
    assert_eq!(
        run(
            ops,
            &["\tvoid (*teardown)(struct i2c_client *client, struct gpio_chip *gc);"],
            "};"
        ),
        vec!["\tvoid\t\t(*teardown)(struct i2c_client *client, struct gpio_chip *gc);"]
    );
    // A call is no declaration.
    assert_eq!(gap("\tfoo(bar);", Kind::Name), None);
    assert_eq!(gap("\tint (*fn)(int) = f;", Kind::Name), None);
}

#[test]
fn single_spaced_neighbours_leave_a_line_alone() {
    let plain = "\tint a = 1;\n\tint b = 2; /* x */";
    assert_eq!(run(plain, &["\tint c = 3; /* y */"], ""), vec!["\tint c = 3; /* y */"]);
}
