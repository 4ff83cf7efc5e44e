//! KF_* kfunc flag bits: reading their definitions and auditing them.

pub mod scan;
