//! Logs, set up once per mode: the console writes private daily files (never the screen), the
//! daemon writes stdout (text, or one JSON object per line), every other command writes warnings
//! and errors to stderr. `RUST_LOG` filters in every mode.
//!
//! Every line goes through one escaping writer: control characters, DEL, C1 and the bidi
//! overrides are written visibly (`\x1b` in text, `\u001b` in JSON), so stored text never acts
//! on the terminal or log viewer that shows it.

use std::io::Write;
use std::path::Path;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use super::args::LogFormat;

/// File names in the log folder: `redis-rotator.YYYY-MM-DD.log`.
pub(crate) const LOG_PREFIX: &str = "redis-rotator";
const LOG_SUFFIX: &str = "log";
/// Daily files kept (older ones are removed as a new day starts).
pub(crate) const LOG_FILES_KEPT: usize = 14;

/// Which face is running, and so where its logs go.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Mode {
    /// The console (and `demo`): daily files in the data folder's `logs/`.
    Console,
    /// `daemon`: stdout, text or JSON.
    Daemon(LogFormat),
    /// Every other command: stderr, warnings and errors unless `RUST_LOG` says more.
    Cli,
}

/// Keeps the console's background log writer alive; its drop flushes what is queued.
pub(crate) struct LogGuard(#[allow(dead_code)] Option<tracing_appender::non_blocking::WorkerGuard>);

/// Installs the subscriber for `mode`. Logging that cannot be set up (an unwritable log folder)
/// never stops the program: it runs without logs.
pub(crate) fn init(mode: Mode) -> LogGuard {
    let filter = |default: &str| {
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default))
    };
    match mode {
        Mode::Console => {
            // SAFETY: umask(2) only sets this process's file-creation mask.
            unsafe { libc::umask(0o077) };
            let Some((writer, guard)) = console_writer(&crate::store::paths::log_dir()) else {
                return LogGuard(None);
            };
            let _ = tracing_subscriber::fmt()
                .with_env_filter(filter("info"))
                .with_writer(Escaping::new(writer, Escape::Text))
                .with_ansi(false)
                .try_init();
            LogGuard(Some(guard))
        }
        Mode::Daemon(LogFormat::Text) => {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(filter("info"))
                .with_writer(Escaping::new(std::io::stdout, Escape::Text))
                .with_ansi(false)
                .with_target(false)
                .try_init();
            LogGuard(None)
        }
        Mode::Daemon(LogFormat::Json) => {
            let _ = tracing_subscriber::fmt()
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .with_span_list(false)
                .with_env_filter(filter("info"))
                .with_writer(Escaping::new(std::io::stdout, Escape::Json))
                .try_init();
            LogGuard(None)
        }
        Mode::Cli => {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(filter("warn"))
                .with_writer(Escaping::new(std::io::stderr, Escape::Text))
                .with_ansi(false)
                .without_time()
                .with_target(false)
                .try_init();
            LogGuard(None)
        }
    }
}

/// The console's writer: daily files, at most `LOG_FILES_KEPT`, in a folder only the user can
/// open. The appender creates each day's file itself, so `init` makes the console's umask
/// private (077): a file created at midnight is 0600 like the rest.
fn console_writer(
    dir: &Path,
) -> Option<(
    tracing_appender::non_blocking::NonBlocking,
    tracing_appender::non_blocking::WorkerGuard,
)> {
    make_logs_private(dir).ok()?;
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix(LOG_PREFIX)
        .filename_suffix(LOG_SUFFIX)
        .max_log_files(LOG_FILES_KEPT)
        .build(dir)
        .ok()?;
    // Today's file was just created under the umask in force before ours.
    make_logs_private(dir).ok()?;
    Some(tracing_appender::non_blocking(appender))
}

/// Makes the log folder private: created (or reset to) 0700, and every log file in it 0600. Logs
/// hold no secrets, but they do hold hosts, user names and rotation times.
pub(crate) fn make_logs_private(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    for entry in std::fs::read_dir(dir)?.flatten() {
        if entry.file_name().to_string_lossy().starts_with(LOG_PREFIX) {
            std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(())
}

/// How a line is made safe to show.
#[derive(Clone, Copy, Debug)]
enum Escape {
    Text,
    Json,
}

/// Wraps a `MakeWriter`: each formatted line (the formatter writes one event in one call) is
/// escaped before it reaches the terminal or file.
struct Escaping<M> {
    inner: M,
    escape: Escape,
}

impl<M> Escaping<M> {
    fn new(inner: M, escape: Escape) -> Self {
        Self { inner, escape }
    }
}

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Escaping<M> {
    type Writer = EscapingWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        EscapingWriter {
            inner: self.inner.make_writer(),
            escape: self.escape,
        }
    }
}

struct EscapingWriter<W> {
    inner: W,
    escape: Escape,
}

impl<W: Write> Write for EscapingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let safe = escape_line(&text, self.escape);
        self.inner.write_all(safe.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn escape_line(text: &str, escape: Escape) -> std::borrow::Cow<'_, str> {
    match escape {
        Escape::Text => crate::model::text::printable_lines(text),
        Escape::Json => crate::model::text::json_escaped(text),
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn the_log_folder_is_0700_and_log_files_0600() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("logs");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let old = dir.join("redis-rotator.2026-01-01.log");
        std::fs::write(&old, "x").unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
        let (writer, guard) = console_writer(&dir).unwrap();
        drop((writer, guard));
        assert_eq!(mode(&dir), 0o700);
        let files: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
        assert!(files.len() >= 2, "today's file was created");
        for f in files {
            assert_eq!(mode(&f.path()), 0o600, "{:?}", f.path());
        }
        let fresh = tmp.path().join("new").join("logs");
        make_logs_private(&fresh).unwrap();
        assert_eq!(mode(&fresh), 0o700);
    }

    /// A writer into a shared buffer, for a whole subscriber's output.
    #[derive(Clone, Default)]
    struct Buffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Buffer {
        type Writer = Buffer;
        fn make_writer(&'a self) -> Buffer {
            self.clone()
        }
    }

    const NASTY: &str = "esc\u{1b}[2J bel\u{7} del\u{7f} c1\u{9b}31m \u{85}nel bidi\u{202e}";

    /// Every character a terminal may act on, in a message and a field, logged through the
    /// subscriber exactly as the daemon builds it (text or JSON).
    fn logged(escape: Escape) -> String {
        let buffer = Buffer::default();
        let writer = Escaping::new(buffer.clone(), escape);
        let emit = || tracing::info!(field = NASTY, "message {NASTY}");
        match escape {
            Escape::Text => tracing::subscriber::with_default(
                tracing_subscriber::fmt()
                    .with_writer(writer)
                    .with_ansi(false)
                    .finish(),
                emit,
            ),
            Escape::Json => tracing::subscriber::with_default(
                tracing_subscriber::fmt()
                    .json()
                    .flatten_event(true)
                    .with_writer(writer)
                    .finish(),
                emit,
            ),
        }
        String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn daemon_text_lines_escape_del_c1_and_every_control_character() {
        let out = logged(Escape::Text);
        assert_eq!(out.lines().count(), 1, "{out:?}");
        assert!(
            !out.trim_end_matches('\n')
                .chars()
                .any(crate::model::text::is_unprintable),
            "{out:?}"
        );
        for shown in [
            "\\x1b[2J",
            "\\x07",
            "\\x7f",
            "\\u{9b}31m",
            "\\u{85}",
            "\\u{202e}",
        ] {
            // Field values are quoted with Rust escapes by the formatter; the message is ours.
            assert!(out.contains(shown), "{shown}: {out}");
        }
    }

    #[test]
    fn daemon_json_lines_escape_del_c1_and_keep_the_value() {
        let out = logged(Escape::Json);
        assert_eq!(out.lines().count(), 1, "{out:?}");
        assert!(
            !out.trim_end_matches('\n')
                .chars()
                .any(crate::model::text::is_unprintable),
            "{out:?}"
        );
        assert!(out.contains("\\u007f") && out.contains("\\u009b"), "{out}");
        let line: serde_json::Value = serde_json::from_str(out.trim_end()).unwrap();
        assert_eq!(line["field"], NASTY);
        assert_eq!(line["message"], format!("message {NASTY}"));
    }

    #[test]
    fn a_log_line_shows_control_characters_visibly_and_keeps_its_newline() {
        let line = "rotated a\u{1b}[31mb\u{9b}c\n";
        assert_eq!(
            escape_line(line, Escape::Text),
            "rotated a\\x1b[31mb\\u{9b}c\n"
        );
        let json = format!(
            "{}\n",
            serde_json::json!({ "message": "a\u{1b}b\u{7f}c\u{202e}" })
        );
        let safe = escape_line(&json, Escape::Json);
        assert!(!safe.trim_end().chars().any(|c| c.is_control()), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back["message"], "a\u{1b}b\u{7f}c\u{202e}");
    }
}
