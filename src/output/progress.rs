//! Drawing progress events: a spinner with the current stage and its latest log line on a
//! terminal; plain `kfpatch: …` lines otherwise (CI logs, pipes, `TERM=dumb`,
//! `KFPATCH_NO_PROGRESS`); one JSON object per line with `--progress json` (for dashboards);
//! nothing with `--progress none`. Always on stderr: stdout is for results.

use super::{escape_controls, Shell};
use crate::events::{Event, StageResult};
use std::io::IsTerminal;
use std::sync::Mutex;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum ProgressMode {
    /// A spinner on a terminal, plain lines otherwise.
    #[default]
    Auto,
    /// One `kfpatch: …` line per stage start, stage end and notice.
    Plain,
    /// One JSON event per line.
    Json,
    /// Nothing.
    None,
}

enum Drawer {
    Bar(indicatif::ProgressBar),
    Plain,
    Json,
    Silent,
}

pub struct Progress<'s> {
    shell: &'s Shell,
    drawer: Mutex<Drawer>,
}

/// Is stderr a terminal worth animating?
fn interactive() -> bool {
    std::io::stderr().is_terminal()
        && std::env::var_os("CI").is_none()
        && std::env::var_os("KFPATCH_NO_PROGRESS").is_none()
        && std::env::var("TERM").map(|t| t != "dumb").unwrap_or(false)
}

fn spinner() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} [{elapsed_precise}] {prefix:.bold} {wide_msg}")
            .expect("static template"),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// The plain line for an event, if it has one.
pub fn plain_line(event: &Event) -> Option<String> {
    match event {
        Event::StageBegin { stage } => Some(format!("kfpatch: {stage}")),
        Event::StageEnd { stage, result, seconds } => Some(format!(
            "kfpatch: {stage}: {} ({seconds:.1} s)",
            match result {
                StageResult::Ok => "ok",
                StageResult::Failed => "failed",
            }
        )),
        Event::Log { .. } => None,
        Event::Notice { text } => Some(format!("kfpatch: {}", escape_controls(text))),
    }
}

impl<'s> Progress<'s> {
    pub fn new(shell: &'s Shell, mode: ProgressMode) -> Progress<'s> {
        let drawer = match mode {
            ProgressMode::Auto if interactive() => Drawer::Bar(spinner()),
            ProgressMode::Auto | ProgressMode::Plain => Drawer::Plain,
            ProgressMode::Json => Drawer::Json,
            ProgressMode::None => Drawer::Silent,
        };
        Progress {
            shell,
            drawer: Mutex::new(drawer),
        }
    }

    pub fn draw(&self, event: Event) {
        let drawer = self.drawer.lock().expect("not poisoned");
        match &*drawer {
            Drawer::Bar(bar) => match &event {
                Event::StageBegin { stage } => {
                    bar.set_prefix(stage.clone());
                    bar.set_message("");
                }
                Event::Log { line } => bar.set_message(escape_controls(line)),
                _ => {
                    if let Some(line) = plain_line(&event) {
                        bar.println(line);
                    }
                }
            },
            Drawer::Plain => {
                if let Some(line) = plain_line(&event) {
                    self.shell.err_line(&line);
                }
            }
            Drawer::Json => {
                self.shell
                    .err_line(&serde_json::to_string(&event).expect("events are plain data"));
            }
            Drawer::Silent => {}
        }
    }
}

impl Drop for Progress<'_> {
    fn drop(&mut self) {
        if let Drawer::Bar(bar) = &*self.drawer.lock().expect("not poisoned") {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_progress_is_one_event_per_line() {
        let (shell, seen) = Shell::captured();
        let progress = Progress::new(&shell, ProgressMode::Json);
        progress.draw(Event::StageBegin { stage: "build".into() });
        progress.draw(Event::StageEnd {
            stage: "build".into(),
            result: StageResult::Ok,
            seconds: 2.5,
        });
        let lines: Vec<serde_json::Value> = seen
            .stderr()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines[0]["event"], "stage_begin");
        assert_eq!(lines[1]["event"], "stage_end");
        assert_eq!(lines[1]["result"], "ok");
        assert_eq!(lines[1]["seconds"], 2.5);
    }

    #[test]
    fn plain_progress_names_stage_ends_and_keeps_logs_out() {
        let (shell, seen) = Shell::captured();
        let progress = Progress::new(&shell, ProgressMode::Plain);
        progress.draw(Event::StageBegin { stage: "apply".into() });
        progress.draw(Event::Log {
            line: "CC kernel/bpf/verifier.o".into(),
        });
        progress.draw(Event::StageEnd {
            stage: "apply".into(),
            result: StageResult::Failed,
            seconds: 0.04,
        });
        progress.draw(Event::Notice {
            text: "KVM unusable (\x1b[2J)".into(),
        });
        assert_eq!(
            seen.stderr(),
            "kfpatch: apply\nkfpatch: apply: failed (0.0 s)\nkfpatch: KVM unusable (\\u{1b}[2J)\n"
        );
    }
}
