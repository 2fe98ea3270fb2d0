//! redis-rotator: rotates Redis ACL credentials on a schedule with zero downtime.
//!
//! Layers, top to bottom: `cli` and `tui` (two faces), `engine` (the rotation lifecycle and
//! scheduler), `redis` and `store` (the only I/O), `model` (pure domain).
//!
//! The two faces are private: the binary enters through [`main`], and tests and benchmarks
//! reach the few pieces they drive through [`docs`] and [`console`].

mod cli;
pub mod engine;
pub mod model;
pub mod redis;
pub mod store;
mod tui;

pub use cli::main;

/// The command line's documentation generators (man pages, completions), for the docs test.
pub mod docs {
    pub use crate::cli::{Cli, write_completions, write_man_pages};
}

/// The console's app and drawing, for the console benchmark.
pub mod console {
    pub use crate::tui::theme::Theme;
    pub use crate::tui::time::Zone;
    pub use crate::tui::{App, render};
}
