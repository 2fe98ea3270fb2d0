//! Plain-text output helpers: aligned tables, times, the version text.

use chrono::{DateTime, Local, Utc};

pub(crate) use crate::model::text::printable;

/// `--version`: the version, the store and key source in effect, and every file location.
/// Computed before `--db` is parsed, so the database line names the environment's choice.
pub(crate) fn version_text() -> String {
    use crate::store::{key_source, paths};
    let db_from = match std::env::var_os(paths::DB_ENV) {
        Some(v) if !v.is_empty() => paths::DB_ENV.to_string(),
        _ => format!("default; --db or {} to change", paths::DB_ENV),
    };
    let key = match key_source::resolve() {
        Ok(resolved) => resolved.describe(),
        Err(e) => format!("unusable: {e}"),
    };
    // A URL is shown without its password.
    let (store, db) = match crate::store::Location::parse(paths::default_db_path().as_os_str()) {
        Ok(crate::store::Location::Postgres(target)) => {
            ("shared PostgreSQL database", target.shown().to_string())
        }
        Ok(crate::store::Location::File(path)) => {
            ("local JSON database", path.display().to_string())
        }
        Err(e) => ("unusable", e.to_string()),
    };
    format!(
        "{}\nstore:     {store}\ndatabase:  {db} ({db_from})\nkey:       {key}\nlogs:      {}",
        env!("CARGO_PKG_VERSION"),
        paths::log_dir().display()
    )
}

/// Columns padded to the widest cell; the last column is not padded. Every cell is made
/// printable (`\x1b`), as cells hold stored names and text.
pub(crate) fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|c| printable(c).into_owned()).collect())
        .collect();
    let rows = rows.as_slice();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if i < widths.len() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                out.push_str(cell);
            } else {
                out.push_str(cell);
                out.push_str(&" ".repeat(widths[i] - cell.chars().count() + 2));
            }
        }
        out.trim_end().to_string()
    };
    let mut out = line(header.to_vec());
    out.push('\n');
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
        out.push('\n');
    }
    out
}

/// A UTC time shown in local time with the zone.
pub(crate) fn local(t: Option<DateTime<Utc>>) -> String {
    match t {
        Some(t) => t
            .with_timezone(&Local)
            .format("%Y-%m-%d %H:%M %Z")
            .to_string(),
        None => "—".to_string(),
    }
}

/// Writes to stdout; a closed pipe (`| head -1`) ends the program quietly with exit 0, as the
/// reader has all it wanted. Other write errors are ignored like `print!` would not.
pub(crate) fn write_stdout(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args)
        && e.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(0);
    }
}

/// Writes to stderr, ignoring errors (a closed stderr leaves nowhere to report them). Warnings
/// and errors may quote stored text or a server's reply: anything unprintable but the newline
/// is written visibly (`\x1b`, `\x7f`, `\u{9b}`).
pub(crate) fn write_stderr(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let text = args.to_string();
    let safe = crate::model::text::printable_lines(&text);
    let _ = std::io::stderr().lock().write_all(safe.as_bytes());
}

/// Prints a `--json` answer, pretty. It goes through a `serde_json::Value` on purpose: its maps
/// are sorted, so every object's keys come out in alphabetical order, as they always have,
/// whatever order the answer's struct declares them in.
pub(crate) fn print_json(answer: &impl serde::Serialize) {
    let text = serde_json::to_value(answer)
        .and_then(|value| serde_json::to_string_pretty(&value))
        .unwrap_or_else(|_| "null".into());
    outln!("{}", crate::model::text::json_escaped(&text));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_columns() {
        let t = table(
            &["NAME", "STATUS"],
            &[
                vec!["a".into(), "ok".into()],
                vec!["longer".into(), "x".into()],
            ],
        );
        assert_eq!(t, "NAME    STATUS\na       ok\nlonger  x\n");
    }

    #[test]
    fn json_output_escapes_del_c1_and_bidi_and_keeps_the_value() {
        let value = serde_json::json!({ "d": "a\u{7f}b\u{9b}c\u{202e}\u{1b}" });
        let text = serde_json::to_string_pretty(&value).unwrap();
        let escaped = crate::model::text::json_escaped(&text);
        assert!(
            !escaped.chars().any(|c| c != '\n' && c.is_control()),
            "{escaped:?}"
        );
        let back: serde_json::Value = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn table_cells_are_escaped() {
        let t = table(&["NAME"], &[vec!["a\x1b[31mb\n".into()]]);
        assert_eq!(t, "NAME\na\\x1b[31mb\\n\n");
    }
}
