//! Process exit codes, the same for every subcommand (documented in the README), and the one
//! place that maps outcomes and errors to them.

use crate::kernel::TreeError;
use crate::mail::MailError;
use crate::ops::{apply, base, check, doctor, matrix, regen, tree, validate, vm};

/// Everything held: applied, clean, all expected outcomes.
pub const OK: u8 = 0;
/// A negative verdict: the series does not apply, check found errors, a VM test failed.
pub const NEGATIVE: u8 = 1;
/// Bad input or usage: unreadable mail, not a kernel tree, dirty tree, I/O error.
pub const BAD_INPUT: u8 = 2;
/// The tree already has the change merged upstream under another name; nothing written.
pub const EQUIVALENT_UPSTREAM: u8 = 3;
/// A host tool or the VM could not run at all (sysexits EX_UNAVAILABLE).
pub const UNAVAILABLE: u8 = 69;

/// The exit code an outcome or an error stands for.
pub trait ExitCode {
    fn exit_code(&self) -> u8;
}

impl ExitCode for MailError {
    fn exit_code(&self) -> u8 {
        BAD_INPUT
    }
}

impl ExitCode for TreeError {
    fn exit_code(&self) -> u8 {
        BAD_INPUT
    }
}

impl ExitCode for apply::ApplyError {
    fn exit_code(&self) -> u8 {
        use apply::ApplyError::*;
        match self {
            NoMatch { .. } | Ambiguous { .. } | MissingFile { .. } | Unproven { .. } => NEGATIVE,
            _ => BAD_INPUT,
        }
    }
}

impl ExitCode for apply::Outcome {
    fn exit_code(&self) -> u8 {
        match self.verdict {
            apply::Verdict::EquivalentUpstream { .. } => EQUIVALENT_UPSTREAM,
            _ => OK,
        }
    }
}

impl ExitCode for base::BaseError {
    fn exit_code(&self) -> u8 {
        use base::BaseError::*;
        match self {
            Target(e) => e.exit_code(),
            Tree(e) => e.exit_code(),
            NoIndexLines { .. } | Git(_) => BAD_INPUT,
        }
    }
}

impl ExitCode for base::Outcome {
    fn exit_code(&self) -> u8 {
        if self.found {
            OK
        } else {
            NEGATIVE
        }
    }
}

impl ExitCode for check::CheckError {
    fn exit_code(&self) -> u8 {
        BAD_INPUT
    }
}

impl ExitCode for check::Report {
    fn exit_code(&self) -> u8 {
        if self.errors > 0 {
            NEGATIVE
        } else {
            OK
        }
    }
}

impl ExitCode for crate::output::MailCheck {
    fn exit_code(&self) -> u8 {
        if self.findings().any(|f| f.level == check::Level::Error) {
            NEGATIVE
        } else {
            OK
        }
    }
}

impl ExitCode for regen::RegenError {
    fn exit_code(&self) -> u8 {
        use regen::RegenError::*;
        match self {
            UnknownShape { .. } | BitTaken { .. } | Anchor { .. } | SelfCheck { .. } => NEGATIVE,
            Style(_) => UNAVAILABLE,
            _ => BAD_INPUT,
        }
    }
}

impl ExitCode for regen::Outcome {
    fn exit_code(&self) -> u8 {
        match self {
            regen::Outcome::MergedUpstream { .. } => EQUIVALENT_UPSTREAM,
            regen::Outcome::Generated { style, .. } if style.iter().any(|s| !s.clean) => NEGATIVE,
            regen::Outcome::Generated { .. } => OK,
        }
    }
}

impl ExitCode for vm::VmError {
    fn exit_code(&self) -> u8 {
        use vm::VmError::*;
        match self {
            Unavailable(_) | Config(_) => UNAVAILABLE,
            Step { .. } | Compile { .. } => NEGATIVE,
            _ => BAD_INPUT,
        }
    }
}

impl ExitCode for vm::VmReport {
    fn exit_code(&self) -> u8 {
        if self.ok {
            OK
        } else {
            NEGATIVE
        }
    }
}

impl ExitCode for validate::ValidateError {
    fn exit_code(&self) -> u8 {
        use validate::ValidateError::*;
        match self {
            Doctor(e) => e.exit_code(),
            Target(e) => e.exit_code(),
            Apply(e) => e.exit_code(),
            Vm(e) => e.exit_code(),
            Tree(e) => e.exit_code(),
            Check(e) => e.exit_code(),
        }
    }
}

impl ExitCode for validate::Outcome {
    fn exit_code(&self) -> u8 {
        if self.ok {
            OK
        } else {
            NEGATIVE
        }
    }
}

impl ExitCode for doctor::DoctorError {
    fn exit_code(&self) -> u8 {
        UNAVAILABLE
    }
}

impl ExitCode for doctor::Outcome {
    fn exit_code(&self) -> u8 {
        // An optional tool (ccache) missing is said, but does not fail the check.
        if self.tools.iter().all(|t| t.path.is_some() || t.optional) {
            OK
        } else {
            UNAVAILABLE
        }
    }
}

impl ExitCode for tree::FetchTreeError {
    fn exit_code(&self) -> u8 {
        UNAVAILABLE
    }
}

impl ExitCode for tree::TargetError {
    fn exit_code(&self) -> u8 {
        match self {
            tree::TargetError::Fetch(e) => e.exit_code(),
            tree::TargetError::Tree(e) => e.exit_code(),
        }
    }
}

impl ExitCode for tree::Outcome {
    fn exit_code(&self) -> u8 {
        OK
    }
}

impl ExitCode for matrix::Outcome {
    fn exit_code(&self) -> u8 {
        match self.worst() {
            matrix::RowVerdict::Pass => OK,
            matrix::RowVerdict::Fail => NEGATIVE,
            matrix::RowVerdict::Unavailable => UNAVAILABLE,
        }
    }
}
