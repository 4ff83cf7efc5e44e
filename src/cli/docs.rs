//! `kfpatch man` and `kfpatch completions`: generated from the clap definitions, so they never
//! drift from the commands.

use super::args::Cli;
use crate::output::Shell;
use clap::CommandFactory;
use std::path::Path;

/// kfpatch(1) as roff.
pub fn man_page() -> std::io::Result<String> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// kfpatch.1 and kfpatch-COMMAND.1 for every command, into `dir`; the files written.
pub fn write_man_pages(dir: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(dir)?;
    clap_mangen::generate_to(Cli::command(), dir)?;
    let mut pages: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "1"))
        .collect();
    pages.sort();
    Ok(pages)
}

/// The completion script for `shell`.
pub fn completions(shell: clap_complete::Shell, out: &Shell) {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "kfpatch", &mut script);
    out.print(&String::from_utf8_lossy(&script));
}
