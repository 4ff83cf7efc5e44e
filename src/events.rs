//! Typed progress events, shared by every operation: operations send them through their
//! [`crate::ops::Context`]; only `output::progress` draws them (a bar on a terminal, plain
//! lines in logs, or one JSON object per line with `--progress json`).

use serde::Serialize;

/// How a stage ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StageResult {
    Ok,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A stage started (`fetch tree`, `apply`, `build`, `boot and test`…).
    StageBegin { stage: String },
    /// A stage ended, with its result and how long it took.
    StageEnd {
        stage: String,
        result: StageResult,
        seconds: f64,
    },
    /// The latest line of a long stage's log (the make target being built, say).
    Log { line: String },
    /// A one-line notice worth keeping on screen.
    Notice { text: String },
}
