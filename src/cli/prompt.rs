//! Reading a password: the first line of stdin, or a prompt with echo off on a terminal.

use std::io::{BufRead, IsTerminal, Write};

use crate::model::Password;

use super::CliError;

/// The first line of stdin, without its line ending.
pub fn password_from_stdin() -> Result<Password, CliError> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::failed(format!("cannot read the password from stdin: {e}")))?;
    let trimmed = line.trim_end_matches(['\n', '\r']).to_string();
    line.clear();
    Ok(Password::new(trimmed))
}

/// Prompts on the terminal with echo off; `None` when stdin is not a terminal.
pub fn password_prompt(prompt: &str) -> Result<Option<Password>, CliError> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Ok(None);
    }
    errout!("{prompt}");
    let _ = std::io::stderr().flush();
    let _echo = EchoOff::new();
    let password = password_from_stdin()?;
    errln!();
    Ok(Some(password))
}

/// Turns terminal echo off until dropped.
struct EchoOff(Option<libc::termios>);

impl EchoOff {
    fn new() -> Self {
        // SAFETY: tcgetattr/tcsetattr on fd 0 with a zeroed, then filled, termios struct.
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(0, &mut t) != 0 {
                return EchoOff(None);
            }
            let saved = t;
            t.c_lflag &= !libc::ECHO;
            t.c_lflag |= libc::ECHONL;
            if libc::tcsetattr(0, libc::TCSANOW, &t) != 0 {
                return EchoOff(None);
            }
            EchoOff(Some(saved))
        }
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        if let Some(saved) = self.0 {
            // SAFETY: restores the attributes read in `new`.
            unsafe {
                libc::tcsetattr(0, libc::TCSANOW, &saved);
            }
        }
    }
}
