//! `run --env E --path P -- CMD ARGS…`: CMD with the secrets as environment variables; its exit
//! code is passed through.

use std::process::Command;

use super::args::{Cli, RunArgs};
use super::secrets::{normalise, values_at};
use super::{CliError, CliResult, open_store};

pub fn run(cli: &Cli, args: &RunArgs) -> CliResult {
    let store = open_store(cli)?;
    let doc = store.load()?;
    let (env, path) = normalise(&args.place)?;
    let values = values_at(&store, &doc, &env, &path)?;
    let (program, rest) = args
        .command
        .split_first()
        .ok_or_else(|| CliError::bad_input("run: give the command after `--`"))?;
    let mut cmd = Command::new(program);
    cmd.args(rest);
    for (name, value) in &values {
        cmd.env(name, value.expose());
    }
    let status = cmd
        .status()
        .map_err(|e| CliError::failed(format!("cannot run `{program}`: {e}")))?;
    match status.code() {
        Some(0) => Ok(()),
        Some(code) => Err(CliError {
            code,
            message: format!("`{program}` exited with {code}"),
        }),
        None => {
            use std::os::unix::process::ExitStatusExt;
            let sig = status.signal().unwrap_or(0);
            Err(CliError {
                code: 128 + sig,
                message: format!("`{program}` was killed by signal {sig}"),
            })
        }
    }
}
