//! `completions SHELL` and `man-pages DIR`: shell completions and man pages generated from the
//! clap definitions, so they can never disagree with the real arguments. The package build runs
//! both against the release binary and ships what they write.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_complete::Shell;

use super::args::Cli;
use super::{CliError, CliResult};

const BIN: &str = "redis-rotator";

/// The full command tree with the version, as the man pages and completions describe it.
fn command() -> clap::Command {
    let mut cmd = Cli::command().version(env!("CARGO_PKG_VERSION"));
    cmd.build();
    cmd
}

/// Writes the completion script for `shell` to `out`.
pub fn write_completions(shell: Shell, out: &mut dyn Write) {
    clap_complete::generate(shell, &mut command(), BIN, out);
}

/// Writes one man page per command and subcommand (`redis-rotator.1`,
/// `redis-rotator-connection-add.1`, …) into `dir`, creating it; returns the files written.
pub fn write_man_pages(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    fn walk(cmd: &clap::Command, dir: &Path, written: &mut Vec<PathBuf>) -> std::io::Result<()> {
        written.push(clap_mangen::Man::new(cmd.clone()).generate_to(dir)?);
        // clap's `help` subcommand is no command of ours; `--help` is on every page anyway.
        for sub in cmd
            .get_subcommands()
            .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        {
            walk(sub, dir, written)?;
        }
        Ok(())
    }
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    walk(&command(), dir, &mut written)?;
    Ok(written)
}

pub(crate) fn completions(shell: Shell) -> CliResult {
    let mut out = std::io::stdout().lock();
    write_completions(shell, &mut out);
    out.flush()
        .map_err(|e| CliError::failed(format!("cannot write the completions: {e}")))
}

pub(crate) fn man_pages(dir: &Path) -> CliResult {
    let written = write_man_pages(dir).map_err(|e| {
        CliError::failed(format!(
            "cannot write man pages into {}: {e}; check that the folder is writable",
            dir.display()
        ))
    })?;
    for path in written {
        outln!("{}", path.display());
    }
    Ok(())
}
