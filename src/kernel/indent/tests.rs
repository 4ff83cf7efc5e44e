use super::*;

fn run(before: &str, added: &[&str], after: &str) -> Vec<String> {
    let mut lines: Vec<String> = before.lines().map(str::to_string).collect();
    let first = lines.len();
    lines.extend(added.iter().map(|s| s.to_string()));
    lines.extend(after.lines().map(str::to_string));
    let targets: Vec<usize> = (first..first + added.len()).collect();
    reindent(&mut lines, &targets);
    lines[first..first + added.len()].to_vec()
}

#[test]
fn function_body_with_continuations_and_unbraced_if() {
    let out = run(
        "}\n\nstatic bool f(struct env *env, s32 id)\n{",
        &[
            "struct meta m;",
            "",
            "if (is_a(id) || is_b(id) ||",
            "is_c(id))",
            "return true;",
            "err = fetch(env, id, &m);",
            "return err;",
        ],
        "}",
    );
    assert_eq!(
        out,
        vec![
            "\tstruct meta m;",
            "",
            "\tif (is_a(id) || is_b(id) ||",
            "\t    is_c(id))",
            "\t\treturn true;",
            "\terr = fetch(env, id, &m);",
            "\treturn err;"
        ]
    );
}

#[test]
fn continuation_aligns_to_innermost_paren() {
    let before = "\t\t\t\tif ((insn->src_reg == BPF_REG_0 &&\n\t\t\t\t     insn->imm != X) ||\n\t\t\t\t    (insn->src_reg == BPF_PSEUDO_KFUNC_CALL &&";
    let out = run(
        before,
        &["!allowed(env, insn->imm, insn->off))) {"],
        "\t\t\t\t\tverbose(env, \"x\");",
    );
    assert_eq!(out, vec!["\t\t\t\t     !allowed(env, insn->imm, insn->off))) {"]);
}

#[test]
fn define_follows_block_padding() {
    let before = "#define KF_A    (1 << 14) /* a */\n#define KF_BB   (1 << 15) /* b */\n#define KF_LONGER_NAME (1 << 16) /* c */";
    let out = run(before, &["#define KF_X (1 << 17) /* x */"], "");
    assert_eq!(out, vec!["#define KF_X    (1 << 17) /* x */"]);
    let tabbed = "#define A_ONE\t(1 << 0)\n#define A_TWO\t(1 << 1)";
    assert_eq!(
        run(tabbed, &["#define A_3 (1 << 2)"], ""),
        vec!["#define A_3\t(1 << 2)"]
    );
    // include/linux/compiler_types.h spells nested defines `# define`: kept as written.
    let nested = "#ifdef CONFIG_X\n# define __nocfi\t\t__attribute__((__no_sanitize__(\"kcfi\")))";
    assert_eq!(
        run(nested, &["# define __nocfi_generic __nocfi"], "#endif"),
        vec!["# define __nocfi_generic\t__nocfi"]
    );
}

#[test]
fn initializer_items_and_enum_members_end_at_their_comma() {
    // kernel/bpf/arraymap.c: a member added to an ops initializer (one tab, not two).
    let out = run(
        "const struct bpf_map_ops array_map_ops = {\n\t.map_meta_equal = array_map_meta_equal,",
        &[
            ".map_mem_usage = array_map_mem_usage,",
            ".map_btf_id = &array_map_btf_ids[0],",
        ],
        "};",
    );
    assert_eq!(
        out,
        vec![
            "\t.map_mem_usage = array_map_mem_usage,",
            "\t.map_btf_id = &array_map_btf_ids[0],"
        ]
    );
    let out = run(
        "enum bpf_arg_tag {\n\tARG_TAG_CTX = BIT_ULL(0),",
        &["ARG_TAG_NONNULL = BIT_ULL(1),"],
        "};",
    );
    assert_eq!(out, vec!["\tARG_TAG_NONNULL = BIT_ULL(1),"]);
    // A call's arguments still continue after the open parenthesis.
    let out = run("\tfoo(a,", &["b);"], "");
    assert_eq!(out, vec!["\t    b);"]);
}

#[test]
fn upper_case_macro_lines_stand_alone() {
    // kernel/bpf/bpf_lsm.c: BTF_ID lines have no semicolon, and the code after them is
    // not their continuation.
    let out = run(
        "BTF_SET_START(bpf_lsm_hooks)\nBTF_ID(func, bpf_lsm_getprocattr)",
        &[
            "BTF_ID(func, bpf_lsm_getselfattr)",
            "BTF_SET_END(bpf_lsm_hooks)",
            "",
            "enum {",
            "BPF_X,",
            "};",
        ],
        "",
    );
    assert_eq!(
        out,
        vec![
            "BTF_ID(func, bpf_lsm_getselfattr)",
            "BTF_SET_END(bpf_lsm_hooks)",
            "",
            "enum {",
            "\tBPF_X,",
            "};"
        ]
    );
}

#[test]
fn macro_bodies_strings_and_comments_over_unbraced_ifs() {
    // A macro written whole: its body one tab in, its statements ending before the `\\`,
    // and the code after it measured from the code above the macro.
    let out = run(
        "int a;",
        &["#define F(x) \\", "do { \\", "g(x); \\", "} while (0)", "int b;"],
        "",
    );
    assert_eq!(
        out,
        vec![
            "#define F(x) \\",
            "\tdo { \\",
            "\t\tg(x); \\",
            "\t} while (0)",
            "int b;"
        ]
    );
    // kernel/bpf/preload/iterators/iterators.lskel-*.h: a string continued with `\\`.
    let out = run("static const char data[] = \"\\", &["\\x01\\x02\\"], "\";");
    assert_eq!(out, vec!["\\x01\\x02\\"]);
    // kernel/bpf/stackmap.c: a comment between an unbraced if and its body.
    let out = run(
        "{\n\tif (unlikely(!trace))\n\t\t/* couldn't fetch the stack trace */\n\t\treturn -EFAULT;",
        &["err = f();"],
        "",
    );
    assert_eq!(out, vec!["\terr = f();"]);
}

#[test]
fn switch_case_comment_and_label() {
    let out = run(
        "\tswitch (x) {",
        &["case 1:", "y = 2;", "break;", "default:", "break;"],
        "\t}",
    );
    assert_eq!(
        out,
        vec!["\tcase 1:", "\t\ty = 2;", "\t\tbreak;", "\tdefault:", "\t\tbreak;"]
    );
    let out = run("{\n\tint a;", &["/*", "* text", "*/", "out:", "return a;"], "}");
    assert_eq!(out, vec!["\t/*", "\t * text", "\t */", "out:", "\treturn a;"]);
}

#[test]
fn a_comment_between_an_unbraced_if_and_its_body() {
    // kernel/bpf/arena.c, 7.2: the body of each `if` sits under a comment.
    let out = run(
        "static vm_fault_t f(struct vm_fault *vmf)\n{\n\tint ret;\n",
        &[
            "if (lock(&arena->spinlock, flags))",
            "/*",
            "* A failed lock means a possible deadlock.",
            "*/",
            "return VM_FAULT_SIGBUS;",
            "if (page == arena->scratch_page)",
            "/* BPF triggered scratch here */",
            "goto out_sigsegv;",
            "/* already have a page */",
            "goto out;",
        ],
        "}",
    );
    assert_eq!(
        out,
        vec![
            "\tif (lock(&arena->spinlock, flags))",
            "\t\t/*",
            "\t\t * A failed lock means a possible deadlock.",
            "\t\t */",
            "\t\treturn VM_FAULT_SIGBUS;",
            "\tif (page == arena->scratch_page)",
            "\t\t/* BPF triggered scratch here */",
            "\t\tgoto out_sigsegv;",
            "\t/* already have a page */",
            "\tgoto out;",
        ]
    );
}

#[test]
fn compound_literal_members_and_closing_braces_resynchronise() {
    // kernel/bpf/stackmap.c, 7.2.
    let out = run(
        "static void set(struct cache *cache, unsigned long vm_start)\n{",
        &[
            "cache->unresolved = (struct stack_map_cached_vma){",
            ".vm_start = vm_start,",
            ".file = file,",
            "};",
            "}",
            "",
            "struct stack_map_vma_lock {",
            "struct mm_struct *mm;",
            "};",
        ],
        "",
    );
    assert_eq!(
        out,
        vec![
            "\tcache->unresolved = (struct stack_map_cached_vma){",
            "\t\t.vm_start = vm_start,",
            "\t\t.file = file,",
            "\t};",
            "}",
            "",
            "struct stack_map_vma_lock {",
            "\tstruct mm_struct *mm;",
            "};",
        ]
    );
    assert!(is_compound_literal_cast("return (struct bpf_insn)"));
    assert!(!is_compound_literal_cast("if (x)"));
    assert!(!is_compound_literal_cast("static void f(struct a *a)"));
}

#[test]
fn labels_follow_the_trees_labels_and_annotations_are_a_tab_in() {
    let out = run(
        "static u64 run(u64 *regs)\n{\n\tstatic const void *jumptable[] = {};\n\tSTX_MEM_W:\n\t\tCONT;",
        &["STX_ATOMIC_H:", "goto *jumptable[0];"],
        "}\n",
    );
    assert_eq!(out, vec!["\tSTX_ATOMIC_H:", "\t\tgoto *jumptable[0];"]);
    let out = run(
        "}\n",
        &[
            "static struct vm_area_struct *",
            "lock_vma(struct lock *lock)",
            "{",
            "}",
        ],
        "",
    );
    assert_eq!(
        out,
        vec![
            "static struct vm_area_struct *",
            "lock_vma(struct lock *lock)",
            "{",
            "}"
        ]
    );
    let out = run(
        "}\n",
        &[
            "static void *seq_start(struct seq_file *seq, loff_t *pos)",
            "__acquires(RCU)",
            "{",
            "return NULL;",
            "}",
        ],
        "",
    );
    assert_eq!(
        out,
        vec![
            "static void *seq_start(struct seq_file *seq, loff_t *pos)",
            "\t__acquires(RCU)",
            "{",
            "\treturn NULL;",
            "}"
        ]
    );
}

#[test]
fn a_returned_expression_goes_on_after_return() {
    // kernel/bpf/btf.c, 7.2.
    let out = run(
        "static bool f(u32 d)\n{",
        &["return BTF_INT_OFFSET(d) == 0 &&", "nr_bytes <= 16;"],
        "}",
    );
    assert_eq!(
        out,
        vec!["\treturn BTF_INT_OFFSET(d) == 0 &&", "\t       nr_bytes <= 16;"]
    );
}

#[test]
fn a_struct_after_an_enum_whose_last_member_has_no_comma() {
    // include/linux/bpf_verifier.h, 7.2.
    let out = run(
        "",
        &[
            "enum bpf_reg_arg_type {",
            "SRC_OP, /* source */",
            "DST_OP_NO_MARK /* same as above */",
            "};",
            "",
            "struct bpf_kfunc_desc {",
            "u32 func_id;",
            "};",
        ],
        "",
    );
    assert_eq!(
        out,
        vec![
            "enum bpf_reg_arg_type {",
            "\tSRC_OP, /* source */",
            "\tDST_OP_NO_MARK /* same as above */",
            "};",
            "",
            "struct bpf_kfunc_desc {",
            "\tu32 func_id;",
            "};",
        ]
    );
}

#[test]
fn a_continuation_stands_under_the_continuation_above_it() {
    // kernel/bpf/map_in_map.c (6.12): the tree continues the returned expression two tabs in.
    let mut lines: Vec<String> = [
        "bool bpf_map_meta_equal(const struct bpf_map *meta0,",
        "\t\t\tconst struct bpf_map *meta1)",
        "{",
        "\treturn meta0->map_type == meta1->map_type &&",
        "\t\tmeta0->map_flags == meta1->map_flags &&",
        "btf_record_equal(meta0->record, meta1->record);",
        "}",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    reindent(&mut lines, &[5]);
    assert_eq!(lines[5], "\t\tbtf_record_equal(meta0->record, meta1->record);");
    // Inside other parentheses than the line above, the parenthesis decides.
    let out = run("static int f(void)\n{", &["if (a &&", "(b ||", "c))", "return 0;"], "}");
    assert_eq!(out, vec!["\tif (a &&", "\t    (b ||", "\t     c))", "\t\treturn 0;"]);
}

#[test]
fn a_function_head_continues_as_the_files_heads_do_not_as_its_calls() {
    // kernel/bpf/bpf_task_storage.c (6.12): calls continue a tab deeper, heads align.
    let mut lines: Vec<String> = [
        "static int task_storage_ptr(struct bpf_map *map, void *key,",
        "\t\t\t    void *value)",
        "{",
        "\terr = bpf_local_storage_update(task, map,",
        "\t\tvalue, flags);",
        "\terr = bpf_local_storage_lookup(task, map,",
        "\t\ttrue);",
        "\treturn err;",
        "}",
        "",
        "static long bpf_pid_task_storage_update_elem(struct bpf_map *map, void *key,",
        "void *value, u64 map_flags)",
        "{",
        "\treturn 0;",
        "}",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    reindent(&mut lines, &[11]);
    assert_eq!(lines[11], "\t\t\t\t\t     void *value, u64 map_flags)");
}

#[test]
fn a_continuation_that_would_pass_100_columns_takes_the_next_style_that_fits() {
    // kernel/bpf/bpf_local_storage.c (6.12): aligned under the call's parenthesis the line
    // would end at column 109; the author continued it a tab deeper than the statement.
    let out = run(
        "static void f(void)\n{\n\tif (likely(selem_linked_to_storage(selem)))\n\t\tfree_local_storage = bpf_selem_unlink_storage_nolock(",
        &["local_storage, selem, true, reuse_now);"],
        "}",
    );
    assert_eq!(out, ["\t\t\tlocal_storage, selem, true, reuse_now);"]);
}

#[test]
fn an_empty_macro_line_says_nothing_of_depth() {
    // include/linux/once_lite.h (7.2): the lone `\` above stands nine tabs in, with the other
    // backslashes; the statement under it is measured from the statement above it.
    let before = "#define __ONCE_LITE_IF(condition)\t\t\t\t\t\\\n\
                  \t({\t\t\t\t\t\t\t\t\\\n\
                  \t\tbool __ret_once = false;\t\t\t\t\\\n\
                  \t\t\t\t\t\t\t\t\t\\";
    let out = run(
        before,
        &["if (unlikely(__ret_cond) && unlikely(!__already_done)) {\\"],
        "\t\t\t__already_done = true;\t\t\t\t\\\n\t})",
    );
    assert_eq!(
        out,
        vec!["\t\tif (unlikely(__ret_cond) && unlikely(!__already_done)) {\\"]
    );
}

#[test]
fn a_value_left_open_on_its_define_line_goes_on_under_its_parenthesis() {
    // include/linux/sched/coredump.h (6.12).
    let out = run(
        "#define MMF_TOPDOWN_MASK\t(1 << MMF_TOPDOWN)\n\n#define MMF_INIT_MASK\t\t(MMF_DUMPABLE_MASK | MMF_DUMP_FILTER_MASK |\\",
        &[
            "MMF_DISABLE_THP_MASK | MMF_HAS_MDWE_MASK |\\",
            "MMF_VM_MERGE_ANY_MASK | MMF_TOPDOWN_MASK)",
        ],
        "\nstatic inline unsigned long mmf_init_flags(unsigned long flags)",
    );
    assert_eq!(
        out,
        vec![
            "\t\t\t\t MMF_DISABLE_THP_MASK | MMF_HAS_MDWE_MASK |\\",
            "\t\t\t\t MMF_VM_MERGE_ANY_MASK | MMF_TOPDOWN_MASK)"
        ]
    );
    // A statement expression's `({` opens a body (include/linux/iosys-map.h).
    let out = run(
        "#define iosys_map_rd(map__, offset__, type__) ({\t\t\t\t\t\\",
        &["type__ val_;\t\t\t\t\t\t\t\t\t\\"],
        "",
    );
    assert_eq!(out, vec!["\ttype__ val_;\t\t\t\t\t\t\t\t\t\\"]);
}

#[test]
fn a_comment_above_a_case_stands_at_the_label_and_a_case_block_closes_there() {
    // include/linux/mroute6.h (6.12), whose case blocks close a tab deeper: the doubt offers it.
    let out = run(
        "static inline int ip6mr_sk_ioctl(struct sock *sk, unsigned int cmd,\n\t\t\t\t void __user *arg)\n{",
        &[
            "switch (cmd) {",
            "/* These userspace buffers will be consumed by ip6mr_ioctl() */",
            "case SIOCGETMIFCNT_IN6: {",
            "struct sioc_mif_req6 buffer;",
            "",
            "return sock_ioctl_inout(sk, cmd, arg, &buffer,",
            "sizeof(buffer));",
            "}",
            "}",
        ],
        "",
    );
    assert_eq!(
        out,
        vec![
            "\tswitch (cmd) {",
            "\t/* These userspace buffers will be consumed by ip6mr_ioctl() */",
            "\tcase SIOCGETMIFCNT_IN6: {",
            "\t\tstruct sioc_mif_req6 buffer;",
            "",
            "\t\treturn sock_ioctl_inout(sk, cmd, arg, &buffer,",
            "\t\t\t\t\tsizeof(buffer));",
            "\t}",
            "\t}",
        ]
    );
}

#[test]
fn a_macro_body_starts_where_the_nearest_macro_of_the_tree_starts_its_body() {
    // include/linux/percpu-defs.h (6.12): statement expressions opened in column 0.
    let before = "#define __pcpu_size_call_return2(stem, variable, ...)\t\t\t\\\n({\t\t\t\t\t\t\t\t\t\\\n\ttypeof(variable) pscr2_ret__;\t\t\t\t\t\\\n\tpscr2_ret__;\t\t\t\t\t\t\t\\\n})\n";
    let out = run(
        before,
        &[
            "#define __pcpu_size_call_return2bool(stem, variable, ...)\t\t\\",
            "({\t\t\t\t\t\t\t\t\t\\",
            "bool pscr2_ret__;\t\t\t\t\t\t\\",
        ],
        "",
    );
    assert_eq!(out[1], "({\t\t\t\t\t\t\t\t\t\\");
    assert_eq!(out[2], "\tbool pscr2_ret__;\t\t\t\t\t\t\\");
    // A body going on with an operator is not voted on: one tab in.
    let out = run(before, &["#define X(a) \\", ", .a = (a)"], "");
    assert_eq!(out[1], "\t, .a = (a)");
}

#[test]
fn a_macro_body_opening_otherwise_than_the_trees_takes_the_nearest_macros_depth() {
    // include/linux/bcd.h (6.1 -> 6.12): the tree's bodies open `\t\t(`, the new one with a word.
    let before = "#define bin2bcd(x)\t\t\t\t\t\\\n\t\t(__builtin_constant_p((u8 )(x)) ?\t\\\n\t\tconst_bin2bcd(x) :\t\t\t\\\n\t\t_bin2bcd(x))\n\n";
    let out = run(
        before,
        &["#define bcd_is_valid(x)\t\t\t\t\t\\", "const_bcd_is_valid(x)"],
        "",
    );
    assert_eq!(out[1], "\t\tconst_bcd_is_valid(x)");
}

#[test]
fn a_lock_annotation_under_a_two_line_function_head_is_a_tab_in() {
    // include/linux/sched/wake_q.h (6.12 -> 7.2): the return type on its own line above.
    let out = run(
        "extern void wake_up_q(struct wake_q_head *head);\n",
        &[
            "static inline",
            "void raw_spin_unlock_wake(raw_spinlock_t *lock, struct wake_q_head *wake_q)",
            "__releases(lock)",
            "{",
            "guard(preempt)();",
            "}",
        ],
        "",
    );
    assert_eq!(
        out[1],
        "void raw_spin_unlock_wake(raw_spinlock_t *lock, struct wake_q_head *wake_q)"
    );
    assert_eq!(out[2], "\t__releases(lock)");
    assert_eq!(out[4], "\tguard(preempt)();");
}

#[test]
fn a_lock_annotation_ending_a_declaration_is_a_tab_in_and_a_function_name_is_not() {
    // include/linux/ww_mutex.h (6.12 -> 7.2): the prototype's annotations close it with `;`.
    let out = run(
        "/**\n * ww_mutex_lock - acquire the w/w mutex\n */\n",
        &[
            "extern int /* __must_check */ ww_mutex_lock(struct ww_mutex *lock, struct ww_acquire_ctx *ctx)",
            "__cond_acquires(0, lock) __must_hold(ctx);",
            "",
            "extern void __compiletime_error(\"bad bitfield mask\")",
            "__bad_mask(void);",
            "extern void __compiletime_error(\"value too large\")",
            "__field_overflow(int bits);",
        ],
        "",
    );
    assert_eq!(out[1], "\t__cond_acquires(0, lock) __must_hold(ctx);");
    // include/linux/bitfield.h: a function's name after its attribute stays in column 0.
    assert_eq!(out[4], "__bad_mask(void);");
    assert_eq!(out[6], "__field_overflow(int bits);");
}

#[test]
fn the_body_of_an_unbraced_head_inside_an_unbraced_body_is_a_tab_in_from_the_inner_head() {
    // kernel/bpf/memalloc.c and include/linux/bpf_local_storage.h (6.1 -> 6.12).
    let out = run(
        "static void f(void)\n{\n",
        &[
            "llist_for_each_safe(llnode, t, llist_del_all(&c->free_llist_extra_rcu))",
            "if (__llist_add(llnode, &c->free_by_rcu))",
            "c->free_by_rcu_tail = llnode;",
            "hlist_for_each_entry_rcu(selem, &local_storage->list, snode,",
            "rcu_read_lock_trace_held())",
            "if (rcu_access_pointer(SDATA(selem)->smap) == smap)",
            "break;",
            "for (i = 0; i < n; i++)",
            "if (a[i])",
            "break;",
            "return;",
        ],
        "}\n",
    );
    assert_eq!(out[2], "\t\t\tc->free_by_rcu_tail = llnode;");
    assert_eq!(out[6], "\t\t\tbreak;");
    assert_eq!(out[8], "\t\tif (a[i])");
    assert_eq!(out[9], "\t\t\tbreak;");
    assert_eq!(out[10], "\treturn;");
    // A statement continued inside the body is not the inner head's body.
    let out = run(
        "static void f(void)\n{\n",
        &["for (;;)", "if (a)", "x = y +", "z;"],
        "}\n",
    );
    assert_eq!(out[3], "\t\t\tz;");
}

#[test]
fn nested_calls_that_fit_nowhere_do_not_run_away_to_the_right() {
    // include/linux/packing.h (6.12 -> 7.2): fifty nested `__builtin_choose_expr(`, each
    // continuing the last one's parentheses; aligned under each, they reached column 400.
    let mut added: Vec<String> = vec!["#define CHECK_PACKED_FIELDS(fields) \\".into()];
    added.extend((1..=8).map(|n| {
        format!("__builtin_choose_expr(ARRAY_SIZE(fields) == {n}, ({{ CHECK_PACKED_FIELDS_{n}(fields); }}), \\")
    }));
    added.push("({ BUILD_BUG_ON_MSG(1, \"CHECK_PACKED_FIELDS() must be used with an array\"); })))))))))".into());
    let added: Vec<&str> = added.iter().map(String::as_str).collect();
    let out = run("", &added, "");
    let widest = out.iter().map(|l| width(l, 0)).max().unwrap();
    assert!(widest < 140, "{out:#?}");
}

#[test]
fn a_kernel_doc_marker_stands_where_the_files_own_stand_and_says_nothing_of_depth() {
    // include/linux/damon.h (6.1 -> 6.12): the file puts `/* private: */` in column 0.
    let before = "struct damos_quota {\n\tunsigned long ms;\n\n/* private: */\n\tunsigned long charged_sz;\n};\n\nstruct damos_watermarks {\n\tunsigned long low;\n\n";
    let out = run(before, &["/* private: */", "bool activated;", "};"], "");
    assert_eq!(out, vec!["/* private: */", "\tbool activated;", "};"]);
    // A file without one of its own: a tab in, as the members.
    let out = run("struct s {\n\tint a;\n", &["/* private: */", "int b;"], "};");
    assert_eq!(out, vec!["\t/* private: */", "\tint b;"]);
}

#[test]
fn outside_any_brace_a_statement_starts_in_column_0_whatever_stands_above() {
    // include/linux/pid.h (6.1 -> 6.12): a macro opens a brace another closes; the comment
    // between them stands three tabs in at file level.
    let before = "pid_t pid_vnr(struct pid *pid);\n\n#define do_each_pid_task(pid, type, task)\t\t\t\t\\\n\tdo {\t\t\t\t\t\t\t\t\\\n\t\tif ((pid) != NULL)\t\t\t\t\t\\\n\t\t\thlist_for_each_entry_rcu((task),\t\t\\\n\t\t\t\t&(pid)->tasks[type], pid_links[type]) {\n\n\t\t\t/*\n\t\t\t * Both old and new leaders may be attached to\n\t\t\t * the same pid in the middle of de_thread().\n\t\t\t */\n#define while_each_pid_task(pid, type, task)\t\t\t\t\\\n\t\t\t\tif (type == PIDTYPE_PID)\t\t\\\n\t\t\t\t\tbreak;\t\t\t\t\\\n\t\t\t}\t\t\t\t\t\t\\\n\t} while (0)\n\n#define do_each_pid_thread(pid, type, task)\t\t\t\t\\\n\tdo_each_pid_task(pid, type, task) {\t\t\t\t\\\n\t\tstruct task_struct *tg___ = task;\t\t\t\\\n\t\tfor_each_thread(tg___, task) {\n\n#define while_each_pid_thread(pid, type, task)\t\t\t\t\\\n\t\t}\t\t\t\t\t\t\t\\\n\t\ttask = tg___;\t\t\t\t\t\t\\\n\t} while_each_pid_task(pid, type, task)\n\n";
    let out = run(
        before,
        &[
            "static inline struct pid *task_pid(struct task_struct *task)",
            "{",
            "return task->thread_pid;",
            "}",
        ],
        "",
    );
    assert_eq!(
        out,
        vec![
            "static inline struct pid *task_pid(struct task_struct *task)",
            "{",
            "\treturn task->thread_pid;",
            "}"
        ]
    );
}

#[test]
fn a_comment_opened_after_code_stands_under_its_opener() {
    // include/linux/of_irq.h (6.12 -> 7.2): the comment opens after a member; its stars stand
    // one right of its `/*`, not of the line's indentation.
    let out = run(
        "struct of_imap_parser {\n",
        &[
            "u32 child_imap[16]; /* Arbitrary size.",
            "* Should be #address-cells + #interrupt-cells but",
            "*/",
            "};",
        ],
        "",
    );
    assert_eq!(out[1], "\t\t\t     * Should be #address-cells + #interrupt-cells but");
    assert_eq!(out[2], "\t\t\t     */");
}

#[test]
fn a_statement_does_not_run_on_past_a_label() {
    // kernel/bpf/offload.c (6.12): a macro invoked without `;`, `#undef`, then `out:`; the
    // lines after the label are statements of the body, not continuations.
    let out = run(
        "void *bpf_dev_bound_resolve_kfunc(struct bpf_prog *prog, u32 func_id)\n{",
        &[
            "if (!ops)",
            "goto out;",
            "",
            "#define XDP_METADATA_KFUNC(name, _, __, xmo) \\",
            "if (func_id == bpf_xdp_metadata_kfunc_id(name)) p = ops->xmo;",
            "XDP_METADATA_KFUNC_xxx",
            "#undef XDP_METADATA_KFUNC",
            "",
            "out:",
            "up_read(&bpf_devs_lock);",
            "",
            "return p;",
        ],
        "}",
    );
    assert_eq!(&out[9..], ["\tup_read(&bpf_devs_lock);", "", "\treturn p;"]);
}

#[test]
fn a_ternarys_bare_middle_is_no_label() {
    // `FOO_VALUE :` reads like a label; under `x = cond ?` the statement runs on past it.
    let out = run(
        "static int f(bool cond)\n{\n\tint x;\n",
        &["x = cond ?", "FOO_VALUE :", "BAR_VALUE;"],
        "}",
    );
    assert_eq!(out[0], "\tx = cond ?");
    assert_eq!(out[2], "\t\tBAR_VALUE;", "{out:?}");
}
