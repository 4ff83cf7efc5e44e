//! `reproduce.sh`, written next to a failing VM report: the tree, its config, the toolchain's
//! versions, and the exact configure, make and QEMU command lines kfpatch ran, followed by a
//! comparison of the guest's report with the one kfpatch judged. Run on the same machine, it
//! exits 1 when the failure reproduces.

use super::report::{Status, VmReport};
use crate::template;
use minijinja::context;
use std::path::Path;
use std::process::Command;

/// The guest lines a verdict rests on (what the reproducer compares), as a basic regex for grep.
const RESULT_PATTERN: &str = r"KFPATCH-\(CASE\|MODULE\|DONE\|TP-RESULT\|TP-EXIT\).*";

/// A word for sh: bare when it is safe, else single-quoted.
pub fn shell_word(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if safe {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// A command as one sh line: its environment, program and arguments (and `cd` into its
/// directory, in a subshell, when it has one).
pub fn shell_line(cmd: &Command) -> String {
    let mut words: Vec<String> = cmd
        .get_envs()
        .filter_map(|(k, v)| Some(format!("{}={}", k.to_str()?, shell_word(&v?.to_string_lossy()))))
        .collect();
    words.push(shell_word(&cmd.get_program().to_string_lossy()));
    words.extend(cmd.get_args().map(|a| shell_word(&a.to_string_lossy())));
    let line = words.join(" ");
    match cmd.get_current_dir() {
        Some(dir) => format!("(cd {} && {line})", shell_word(&dir.to_string_lossy())),
        None => line,
    }
}

/// The lines of a console the reproducer compares, extracted as its grep does.
pub fn result_lines(console: &str) -> Vec<String> {
    let markers = [
        "KFPATCH-CASE",
        "KFPATCH-MODULE",
        "KFPATCH-DONE",
        "KFPATCH-TP-RESULT",
        "KFPATCH-TP-EXIT",
    ];
    console
        .lines()
        .filter_map(|raw| {
            let line = raw.replace('\r', "");
            let at = markers.iter().filter_map(|m| line.find(m)).min()?;
            Some(line[at..].trim_end().to_string())
        })
        .collect()
}

pub struct Commands {
    pub configure: Vec<Command>,
    pub base: String,
    pub build: Command,
    pub qemu: Command,
    pub timeout_s: u64,
}

/// Write `path` for the failing `report`, whose guest printed `console`.
pub fn write(path: &Path, report: &VmReport, version: &str, console: &str, commands: &Commands) -> std::io::Result<()> {
    let failures: Vec<String> = report
        .cases
        .iter()
        .filter(|c| c.status == Status::Fail)
        .map(|c| format!("{}: {}", c.name, c.why))
        .chain(report.problems.iter().cloned())
        .collect();
    let expected = result_lines(console).join("\n");
    let text = template::render(
        "vm/reproduce.sh.j2",
        context! {
            kfpatch_version => env!("CARGO_PKG_VERSION"),
            when => chrono::Local::now().to_rfc2822(),
            failures => failures,
            tree => report.tree.display().to_string(),
            version => version,
            build_dir => report.build_dir.display().to_string(),
            work => report.build_dir.join("kfpatch").display().to_string(),
            toolchain => report.toolchain,
            base => commands.base,
            configure => commands.configure.iter().map(shell_line).collect::<Vec<_>>(),
            build => shell_line(&commands.build),
            timeout => commands.timeout_s,
            qemu => shell_line(&commands.qemu),
            expected => shell_word(&expected),
            pattern => RESULT_PATTERN,
        },
    )
    .map_err(|e| std::io::Error::other(e.to_string()))?;
    std::fs::write(path, text)?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_lines_survive_sh() {
        assert_eq!(shell_word("O=/b/x-1"), "O=/b/x-1");
        assert_eq!(shell_word("CC=ccache gcc"), "'CC=ccache gcc'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
        let mut cmd = Command::new("make");
        cmd.arg("-C")
            .arg("/t")
            .arg("CC=ccache gcc")
            .env("CCACHE_DIR", "/c/ccache")
            .current_dir("/t");
        assert_eq!(
            shell_line(&cmd),
            "(cd /t && CCACHE_DIR=/c/ccache make -C /t 'CC=ccache gcc')"
        );
    }

    #[test]
    fn result_lines_are_what_grep_extracts() {
        let console =
            "[  1.0] x\r\nKFPATCH-BOOTED uptime=1\nfoo KFPATCH-CASE a refused  \nKFPATCH-LOG a: z\nKFPATCH-DONE\n";
        assert_eq!(result_lines(console), vec!["KFPATCH-CASE a refused", "KFPATCH-DONE"]);
    }
}
