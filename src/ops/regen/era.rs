//! Recognising the shape of the code the change touches. An era is named after the first
//! Debian tree that has the shape, and is known by exact anchor texts in kernel/bpf/verifier.c,
//! never by the version number (backports and distro trees move code independently).

use serde::Serialize;

/// Where the helper that decides "may this kfunc run under the lock" goes.
#[derive(Debug, Clone, Copy)]
pub enum HelperPlacement {
    /// Replace the existing function whose definition starts with this line.
    Replace(&'static str),
    /// Insert after the function whose definition starts with this text.
    InsertAfter(&'static str),
}

#[derive(Debug, Clone, Copy)]
pub struct Era {
    pub name: &'static str,
    /// A backport shape (older than the series' own tree); its commit message says so.
    pub backport: bool,
    /// Said in backport commit messages.
    pub note: &'static str,
    /// Texts that must all be in verifier.c.
    pub anchors: &'static [&'static str],
    /// The call-site lines replaced by `call-site.c.j2`.
    pub call_site: &'static str,
    pub helper: HelperPlacement,
}

#[derive(Debug, Clone, Serialize)]
pub struct Detection {
    pub era: Option<&'static str>,
    /// Per known era: the anchors that were not found.
    pub missing: Vec<(&'static str, Vec<&'static str>)>,
}

pub const ERAS: &[Era] = &[
    Era {
        name: "v7.2",
        backport: false,
        note: "kfunc_spin_allowed() takes the kfunc's flags from fetch_kfunc_meta()",
        anchors: &[
            "static bool kfunc_spin_allowed(u32 btf_id)\n",
            "static int fetch_kfunc_meta(struct bpf_verifier_env *env,\n\t\t\t    s32 func_id,",
            "\tconst u32 *flags;\n",
        ],
        call_site: "\t\t\t\t     (insn->off != 0 || !kfunc_spin_allowed(insn->imm)))) {\n",
        helper: HelperPlacement::Replace("static bool kfunc_spin_allowed(u32 btf_id)"),
    },
    Era {
        name: "v6.12",
        backport: true,
        note: "this tree has no kfunc_spin_allowed() allow-list; the lock check calls is_bpf_graph_api_kfunc() and fetch_kfunc_meta() fills struct bpf_kfunc_call_arg_meta",
        anchors: &[
            "static int fetch_kfunc_meta(struct bpf_verifier_env *env,\n\t\t\t    struct bpf_insn *insn,\n\t\t\t    struct bpf_kfunc_call_arg_meta *meta,",
            "\tmeta->kfunc_flags = *kfunc_flags;\n",
        ],
        call_site: "\t\t\t\t     (insn->off != 0 || !is_bpf_graph_api_kfunc(insn->imm)))) {\n",
        helper: HelperPlacement::InsertAfter("static int fetch_kfunc_meta(struct bpf_verifier_env *env,"),
    },
    Era {
        name: "v6.1",
        backport: true,
        note: "this tree refuses every kfunc call under bpf_spin_lock and looks kfunc flags up inline with btf_kfunc_id_set_contains()",
        anchors: &[
            "static struct btf *find_kfunc_desc_btf(struct bpf_verifier_env *env, s16 offset)\n",
            "kfunc_flags = btf_kfunc_id_set_contains(desc_btf, resolve_prog_type(env->prog), func_id);\n",
        ],
        call_site: "\t\t\t\tif (env->cur_state->active_spin_lock &&\n\t\t\t\t    (insn->src_reg == BPF_PSEUDO_CALL ||\n\t\t\t\t     insn->imm != BPF_FUNC_spin_unlock)) {\n",
        helper: HelperPlacement::InsertAfter("static struct btf *find_kfunc_desc_btf(struct bpf_verifier_env *env, s16 offset)"),
    },
];

/// Which era's shape `verifier` has (the call site counts as an anchor).
pub fn detect(verifier: &str) -> Detection {
    let mut missing = Vec::new();
    for era in ERAS {
        let absent: Vec<&'static str> = era
            .anchors
            .iter()
            .chain(std::iter::once(&era.call_site))
            .filter(|a| !verifier.contains(**a))
            .copied()
            .collect();
        if absent.is_empty() {
            return Detection {
                era: Some(era.name),
                missing: vec![],
            };
        }
        missing.push((era.name, absent));
    }
    Detection { era: None, missing }
}

pub fn by_name(name: &str) -> Option<&'static Era> {
    ERAS.iter().find(|e| e.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_era_is_recognised_by_its_own_anchors_only() {
        for era in ERAS {
            let mut text: String = era.anchors.iter().map(|a| format!("{a}\n")).collect();
            text.push_str(era.call_site);
            assert_eq!(detect(&text).era, Some(era.name));
        }
        let d = detect("int main(void) { return 0; }\n");
        assert_eq!(d.era, None);
        assert_eq!(d.missing.len(), ERAS.len());
    }
}
