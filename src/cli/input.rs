//! Request files read with bounds: at most 1 MiB (stdin too), never a folder, and never a FIFO
//! named by path (opening one blocks until some writer appears): a pipe is read only when the
//! user asked for it with `--file -`.

use std::fs::File;
use std::io::{IsTerminal, Read};
use std::os::unix::fs::FileTypeExt;
use std::path::Path;

use super::CliError;

/// The largest request file read: far above any real request, far below a runaway input.
pub(crate) const MAX_REQUEST_BYTES: u64 = 1024 * 1024;

/// Reads `--file PATH` (or `-`, stdin) as UTF-8 text of at most `MAX_REQUEST_BYTES`.
pub(crate) fn read_request_text(path: &Path) -> Result<String, CliError> {
    let name = format!("--file {}", path.display());
    let bytes = if path == Path::new("-") {
        let stdin = std::io::stdin();
        if stdin.is_terminal() {
            errln!("reading the request from the terminal; end it with Ctrl-D");
        }
        read_capped(stdin.lock(), &name)?
    } else {
        let meta =
            std::fs::metadata(path).map_err(|e| CliError::bad_input(format!("{name}: {e}")))?;
        let kind = meta.file_type();
        if kind.is_dir() {
            return Err(CliError::bad_input(format!(
                "{name} is a folder; give the request's JSON file"
            )));
        }
        if kind.is_fifo() || kind.is_socket() {
            return Err(CliError::bad_input(format!(
                "{name} is a pipe, which would wait for a writer; to read from it, say so: `--file - < {}`",
                path.display()
            )));
        }
        if kind.is_file() && meta.len() > MAX_REQUEST_BYTES {
            return Err(too_large(&name));
        }
        let file = File::open(path).map_err(|e| CliError::bad_input(format!("{name}: {e}")))?;
        read_capped(file, &name)?
    };
    String::from_utf8(bytes).map_err(|_| CliError::bad_input(format!("{name} is not UTF-8 text")))
}

fn read_capped(reader: impl Read, name: &str) -> Result<Vec<u8>, CliError> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_REQUEST_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::bad_input(format!("{name}: {e}")))?;
    if bytes.len() as u64 > MAX_REQUEST_BYTES {
        return Err(too_large(name));
    }
    Ok(bytes)
}

fn too_large(name: &str) -> CliError {
    CliError::bad_input(format!(
        "{name} is larger than 1 MiB, the limit for a request; a request is one small JSON object"
    ))
}
