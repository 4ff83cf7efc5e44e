//! Running the long build commands: output to a log file, the latest log line as progress,
//! the log's tail when a step fails.

use super::VmError;
use crate::ops::Context;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Run `cmd`, appending its output to `log`; on failure, say which step and show the log's tail.
pub fn run_logged(cmd: &mut Command, log: &Path, what: &str) -> Result<(), VmError> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| VmError::io(log, e))?;
    let _ = writeln!(file, "$ {cmd:?}");
    let out = cmd
        .output()
        .map_err(|e| VmError::Unavailable(format!("{what}: cannot run {:?}: {e}", cmd.get_program())))?;
    let _ = file.write_all(&out.stdout);
    let _ = file.write_all(&out.stderr);
    if !out.status.success() {
        return Err(VmError::Step {
            what: what.to_string(),
            log: log.to_path_buf(),
            tail: log_tail(log, 20),
        });
    }
    Ok(())
}

/// Run a long `make` with its output in `log`, reporting the latest log line as progress;
/// returns whether it succeeded.
pub fn run_with_progress(ctx: &Context, mut cmd: Command, log: &Path) -> Result<bool, VmError> {
    let file = std::fs::File::create(log).map_err(|e| VmError::io(log, e))?;
    let err_file = file.try_clone().map_err(|e| VmError::io(log, e))?;
    cmd.stdin(std::process::Stdio::null()).stdout(file).stderr(err_file);
    let mut child = cmd
        .spawn()
        .map_err(|e| VmError::Unavailable(format!("cannot run {:?}: {e}", cmd.get_program())))?;
    let mut last = String::new();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| VmError::io(log, e))? {
            break status;
        }
        let tail = log_tail(log, 1);
        if tail != last && !tail.is_empty() {
            ctx.log(tail.trim());
            last = tail;
        }
        std::thread::sleep(Duration::from_millis(300));
    };
    Ok(status.success())
}

/// The last `n` lines of a log file.
pub fn log_tail(log: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
