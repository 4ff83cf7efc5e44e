//! Process exit codes, the same for every subcommand (documented in the README).

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
