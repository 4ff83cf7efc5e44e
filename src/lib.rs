//! kfpatch: apply, heal, regenerate, check and VM-test the KF_SPIN_LOCK kfunc series on Linux
//! kernel trees.
//!
//! Layers, top down (DEVELOPMENT.md): `cli` parses arguments and maps outcomes to exit codes;
//! `output` is the one place that writes (results, status, progress); `ops` holds one module
//! per command, each `run(&Context, &Options) -> Result<Outcome, Error>`; `mail` and `kernel`
//! are the models every operation stands on. Arrows only point down.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod cli;
pub mod events;
pub mod fixups;
pub mod kernel;
pub mod mail;
pub mod ops;
pub mod output;
pub mod template;

pub use kernel::cache_root;
