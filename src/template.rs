//! The template engine: every file under `templates/` is embedded in the binary, so kfpatch
//! works from any directory, and rendered by minijinja with strict undefined variables (a typo
//! in a template is an error, never an empty string in a patch).

use minijinja::{Environment, UndefinedBehavior, Value};

/// (name, text) of every embedded template. Names are paths below `templates/`.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("mail/patch.mail.j2", include_str!("../templates/mail/patch.mail.j2")),
    (
        "mail/cover-letter.mail.j2",
        include_str!("../templates/mail/cover-letter.mail.j2"),
    ),
    (
        "regen/commit-message.j2",
        include_str!("../templates/regen/commit-message.j2"),
    ),
    (
        "regen/cover-letter-body.j2",
        include_str!("../templates/regen/cover-letter-body.j2"),
    ),
    ("regen/btf-flag.h.j2", include_str!("../templates/regen/btf-flag.h.j2")),
    (
        "regen/v7.2/kfunc_spin_allowed.c.j2",
        include_str!("../templates/regen/v7.2/kfunc_spin_allowed.c.j2"),
    ),
    (
        "regen/v7.2/call-site.c.j2",
        include_str!("../templates/regen/v7.2/call-site.c.j2"),
    ),
    (
        "regen/v6.12/kfunc_spin_allowed.c.j2",
        include_str!("../templates/regen/v6.12/kfunc_spin_allowed.c.j2"),
    ),
    (
        "regen/v6.12/call-site.c.j2",
        include_str!("../templates/regen/v6.12/call-site.c.j2"),
    ),
    (
        "regen/v6.1/kfunc_spin_allowed.c.j2",
        include_str!("../templates/regen/v6.1/kfunc_spin_allowed.c.j2"),
    ),
    (
        "regen/v6.1/call-site.c.j2",
        include_str!("../templates/regen/v6.1/call-site.c.j2"),
    ),
    (
        "regen/selftests/testmod-flag.c.j2",
        include_str!("../templates/regen/selftests/testmod-flag.c.j2"),
    ),
    (
        "regen/selftests/kfunc_call_test-safe.c.j2",
        include_str!("../templates/regen/selftests/kfunc_call_test-safe.c.j2"),
    ),
    (
        "regen/selftests/kfunc_call_fail-unsafe.c.j2",
        include_str!("../templates/regen/selftests/kfunc_call_fail-unsafe.c.j2"),
    ),
    (
        "regen/selftests/prog-test-fail.c.j2",
        include_str!("../templates/regen/selftests/prog-test-fail.c.j2"),
    ),
    (
        "regen/selftests/prog-test-pass.c.j2",
        include_str!("../templates/regen/selftests/prog-test-pass.c.j2"),
    ),
    (
        "regen/selftests/commit-testmod.j2",
        include_str!("../templates/regen/selftests/commit-testmod.j2"),
    ),
    (
        "regen/selftests/commit-tests.j2",
        include_str!("../templates/regen/selftests/commit-tests.j2"),
    ),
    ("vm/kernel.config", include_str!("../templates/vm/kernel.config")),
    ("vm/init.sh.j2", include_str!("../templates/vm/init.sh.j2")),
    (
        "vm/guest-scratch.sh.j2",
        include_str!("../templates/vm/guest-scratch.sh.j2"),
    ),
    (
        "vm/init-test-progs.sh.j2",
        include_str!("../templates/vm/init-test-progs.sh.j2"),
    ),
    (
        "vm/kfpatch_test_kmod.c.j2",
        include_str!("../templates/vm/kfpatch_test_kmod.c.j2"),
    ),
    (
        "vm/kfpatch_test_kmod.Makefile",
        include_str!("../templates/vm/kfpatch_test_kmod.Makefile"),
    ),
    (
        "vm/kfunc_lock.bpf.c.j2",
        include_str!("../templates/vm/kfunc_lock.bpf.c.j2"),
    ),
];

/// Look up a raw template text by name.
pub fn raw(name: &str) -> Option<&'static str> {
    TEMPLATES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_keep_trailing_newline(true);
    env.set_trim_blocks(true);
    for (name, text) in TEMPLATES {
        env.add_template(name, text).expect("embedded templates parse (tested)");
    }
    env
}

/// Render template `name` with `ctx`.
pub fn render(name: &str, ctx: Value) -> Result<String, minijinja::Error> {
    let env = environment();
    env.get_template(name)?.render(ctx)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_embedded_template_parses() {
        let env = super::environment();
        for (name, _) in super::TEMPLATES {
            assert!(env.get_template(name).is_ok(), "{name}");
        }
    }
}
