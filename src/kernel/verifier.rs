//! What a tree's BPF verifier says when a program calls a function while holding
//! bpf_spin_lock, read from the tree's own sources: an era's refusal belongs to the era, like
//! its anchors. 6.1 to 7.2 print one sentence; 7.3's diagnostics print a composed one with the
//! source line (`^-- error: function call is not allowed before leaving lock region`).

use super::KernelTree;

const VERIFIER_C: &str = "kernel/bpf/verifier.c";
const DIAGNOSTICS_C: &str = "kernel/bpf/diagnostics.c";
/// The sentence `verbose()` prints in every era so far.
pub const LOCK_SENTENCE: &str = "function calls are not allowed while holding a lock";
/// 7.3's diagnostic: `"%s is not allowed before leaving %s"` with the operation the verifier
/// names at the lock check and the lock context's name.
const DIAG_FORMAT: &str = "%s is not allowed before leaving %s";
const DIAG_OPERATION: &str = "\"function call\", BPF_DIAG_CONTEXT_LOCK";
const DIAG_LOCK_CONTEXT: &str = "\"lock region\"";

/// The sentences this tree's verifier may refuse a call under bpf_spin_lock with; the
/// classic one when the tree has nothing recognisable (a tree without verifier.c).
pub fn lock_refusals(tree: &KernelTree) -> Vec<String> {
    let verifier = tree.read(VERIFIER_C).unwrap_or_default();
    let diagnostics = tree.read(DIAGNOSTICS_C).unwrap_or_default();
    refusals_in(&verifier, &diagnostics)
}

fn refusals_in(verifier: &str, diagnostics: &str) -> Vec<String> {
    let mut out = Vec::new();
    if verifier.contains(LOCK_SENTENCE) {
        out.push(LOCK_SENTENCE.to_string());
    }
    if verifier.contains(DIAG_OPERATION) && diagnostics.contains(DIAG_FORMAT) && diagnostics.contains(DIAG_LOCK_CONTEXT)
    {
        out.push(
            DIAG_FORMAT
                .replacen("%s", "function call", 1)
                .replacen("%s", DIAG_LOCK_CONTEXT.trim_matches('"'), 1),
        );
    }
    if out.is_empty() {
        out.push(LOCK_SENTENCE.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_sentence_alone_before_the_diagnostics() {
        let verifier = "verbose(env, \"function calls are not allowed while holding a lock\\n\");";
        assert_eq!(refusals_in(verifier, ""), [LOCK_SENTENCE]);
    }

    #[test]
    fn diagnostics_add_the_composed_sentence() {
        let verifier = "\"function calls are not allowed while holding a lock\\n\");\n\
                        bpf_diag_ctx_active(env, env->insn_idx,\n\"function call\", BPF_DIAG_CONTEXT_LOCK,";
        let diagnostics = "bpf_diag_source(env, insn_idx, \"error\", \"%s is not allowed before leaving %s\",\n\
                           case BPF_DIAG_CONTEXT_LOCK:\n\t\treturn \"lock region\";";
        assert_eq!(
            refusals_in(verifier, diagnostics),
            [LOCK_SENTENCE, "function call is not allowed before leaving lock region"]
        );
    }

    #[test]
    fn nothing_recognisable_falls_back_to_the_classic_sentence() {
        assert_eq!(refusals_in("", ""), [LOCK_SENTENCE]);
    }
}
