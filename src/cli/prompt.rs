//! Reading a password: the first line of stdin, or a prompt with echo off on a terminal.

use std::io::{BufRead, IsTerminal, Write};

use crate::model::Password;

use super::CliError;

/// The first line of stdin, without its line ending.
pub(crate) fn password_from_stdin() -> Result<Password, CliError> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::failed(format!("cannot read the password from stdin: {e}")))?;
    let trimmed = line.trim_end_matches(['\n', '\r']).to_string();
    line.clear();
    Ok(Password::new(trimmed))
}

/// Prompts on the terminal with echo off (`rpassword` reads the terminal itself, so nothing
/// typed is shown); `None` when stdin is not a terminal.
pub(crate) fn password_prompt(prompt: &str) -> Result<Option<Password>, CliError> {
    if !std::io::stdin().is_terminal() {
        return Ok(None);
    }
    errout!("{prompt}");
    let _ = std::io::stderr().flush();
    let typed = rpassword::read_password().map_err(|e| {
        CliError::failed(format!("cannot read the password from the terminal: {e}"))
    })?;
    Ok(Some(Password::new(typed)))
}
