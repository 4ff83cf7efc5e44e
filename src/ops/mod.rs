//! The operations, one module per command. Each has the same shape:
//! `run(&Context, &Options) -> Result<Outcome, Error>`, where `Options` are the choices that
//! can default, `Outcome` is plain data (rendered by `output`, never printed here) and
//! `Error` is the module's own. An operation may call another operation's `run` and use its
//! types; whatever two operations share lives below, in `kernel` or `mail`.

pub mod apply;
pub mod base;
pub mod check;
pub mod doctor;
pub mod matrix;
pub mod regen;
pub mod tree;
pub mod validate;
pub mod vm;

use crate::events::{Event, StageResult};
use std::path::PathBuf;
use std::time::Instant;

/// What every operation needs to run at all: where the cache is, and where progress goes.
pub struct Context<'a> {
    /// `~/.cache/kfpatch` unless told otherwise: trees, work copies, build dirs.
    pub cache_root: PathBuf,
    sink: &'a (dyn Fn(Event) + Sync),
}

impl<'a> Context<'a> {
    pub fn new(cache_root: PathBuf, sink: &'a (dyn Fn(Event) + Sync)) -> Context<'a> {
        Context { cache_root, sink }
    }

    /// A context whose events go nowhere (library callers and tests).
    pub fn quiet() -> Context<'static> {
        Context {
            cache_root: crate::kernel::cache_root(),
            sink: &|_| {},
        }
    }

    pub fn emit(&self, event: Event) {
        (self.sink)(event)
    }

    pub fn notice(&self, text: impl Into<String>) {
        self.emit(Event::Notice { text: text.into() })
    }

    pub fn log(&self, line: impl Into<String>) {
        self.emit(Event::Log { line: line.into() })
    }

    /// Run `body` as the stage `name`: begin and end events, the end with its result and time.
    pub fn stage<T, E>(&self, name: &str, body: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
        self.emit(Event::StageBegin { stage: name.into() });
        let started = Instant::now();
        let result = body();
        self.emit(Event::StageEnd {
            stage: name.into(),
            result: if result.is_ok() {
                StageResult::Ok
            } else {
                StageResult::Failed
            },
            seconds: started.elapsed().as_secs_f64(),
        });
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn a_stage_reports_its_end_with_the_result() {
        let seen = Mutex::new(Vec::new());
        let sink = |e: Event| seen.lock().unwrap().push(e);
        let ctx = Context::new(PathBuf::from("/tmp"), &sink);
        let ok: Result<u8, ()> = ctx.stage("one", || Ok(1));
        let failed: Result<u8, &str> = ctx.stage("two", || Err("no"));
        assert_eq!((ok, failed), (Ok(1), Err("no")));
        let seen = seen.into_inner().unwrap();
        assert_eq!(seen.len(), 4);
        assert_eq!(seen[0], Event::StageBegin { stage: "one".into() });
        assert!(matches!(&seen[1], Event::StageEnd { stage, result: StageResult::Ok, .. } if stage == "one"));
        assert!(matches!(&seen[3], Event::StageEnd { stage, result: StageResult::Failed, .. } if stage == "two"));
    }
}
