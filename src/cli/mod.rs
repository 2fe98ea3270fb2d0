//! The command line: one file per command group. Parse → engine or store → print.

/// Runs the command line and returns the process exit code (0 ok, 1 failed, 2 bad input).
pub fn main() -> i32 {
    0
}
