//! Recognising the shape of the code the change touches. An era is named after the first
//! Debian tree that has the shape, and is known by exact anchor texts in kernel/bpf/verifier.c,
//! never by the version number (backports and distro trees move code independently).
//!
//! [`ERAS`] is the single declaration of the eras. Adding one means: an entry there, its
//! templates `templates/regen/<name>/{call-site.c.j2,kfunc_spin_allowed.c.j2}` (embedded by
//! build.rs), and its fixture tree `tests/fixtures/eras/<name>/` with `expected.patch`; the unit
//! tests below check that all of them exist, and tests/regen.rs runs the golden test for every
//! era in [`ERAS`].

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

impl Era {
    /// Template replacing the `call_site` lines.
    pub const CALL_SITE_TEMPLATE: &'static str = "call-site.c.j2";
    /// Template of the helper placed per `helper`.
    pub const HELPER_TEMPLATE: &'static str = "kfunc_spin_allowed.c.j2";
    /// Every template file an era must have.
    pub const TEMPLATE_FILES: &'static [&'static str] = &[Self::CALL_SITE_TEMPLATE, Self::HELPER_TEMPLATE];

    /// Name of this era's template `file` (one of [`Era::TEMPLATE_FILES`]) for
    /// [`crate::template::render`]: `regen/<name>/<file>`.
    pub fn template(&self, file: &str) -> String {
        format!("regen/{}/{file}", self.name)
    }
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

    #[test]
    fn era_names_are_unique_and_exactly_one_era_is_not_a_backport() {
        for (i, era) in ERAS.iter().enumerate() {
            assert!(
                ERAS[..i].iter().all(|e| e.name != era.name),
                "era {} is declared twice",
                era.name
            );
        }
        let own: Vec<&str> = ERAS.iter().filter(|e| !e.backport).map(|e| e.name).collect();
        assert_eq!(own.len(), 1, "eras that are not backports: {own:?}");
    }

    #[test]
    fn every_era_has_its_templates_and_fixtures() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for era in ERAS {
            for file in Era::TEMPLATE_FILES {
                let name = era.template(file);
                assert_eq!(name, format!("regen/{}/{file}", era.name));
                assert!(
                    crate::template::raw(&name).is_some(),
                    "era {}: no template templates/{name}",
                    era.name
                );
            }
            for file in ["include/linux/btf.h", "kernel/bpf/verifier.c", "expected.patch"] {
                let path = root.join("tests/fixtures/eras").join(era.name).join(file);
                assert!(path.is_file(), "era {}: no fixture {}", era.name, path.display());
            }
        }
    }

    /// The other direction: no era templates or fixtures for an era that is not declared in
    /// [`ERAS`] (they would be silently unused and untested).
    #[test]
    fn no_templates_or_fixtures_for_undeclared_eras() {
        for (name, _) in crate::template::TEMPLATES {
            let Some(rest) = name.strip_prefix("regen/") else {
                continue;
            };
            let Some((dir, file)) = rest.split_once('/') else {
                continue;
            };
            if Era::TEMPLATE_FILES.contains(&file) {
                assert!(by_name(dir).is_some(), "templates/{name}: no era {dir} in ERAS");
            }
        }
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/eras");
        for entry in std::fs::read_dir(&fixtures).unwrap() {
            let entry = entry.unwrap();
            let dir = entry.file_name().into_string().unwrap();
            if entry.path().is_dir() {
                assert!(
                    by_name(&dir).is_some(),
                    "tests/fixtures/eras/{dir}: no era {dir} in ERAS"
                );
            }
        }
    }
}
