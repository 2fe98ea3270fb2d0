//! Rendering secrets for `secrets export`: dotenv, json, shell, each quoted correctly.

use crate::model::Password;

#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::Display, strum::EnumString, clap::ValueEnum)]
#[strum(serialize_all = "lowercase")]
pub enum ExportFormat {
    Dotenv,
    Json,
    Shell,
}

/// `secrets` in name order → text ending in a newline. Empty input renders `{}` for json and
/// nothing for dotenv and shell.
///
/// - dotenv: `NAME="value"` with `\\`, `"`, `$`, newline and carriage return escaped as
///   `\\`, `\"`, `\$`, `\n`, `\r` — what docker compose and godotenv read back verbatim.
///   (python-dotenv does not know `\$` and keeps the backslash; values with `$` are rare since
///   generated passwords never contain one unless `allowedSymbols` says so.)
/// - shell: `export NAME='value'` (POSIX single quotes, `'` as `'\''`); names that are not
///   shell identifiers become a `# skipped NAME: …` comment line.
/// - json: one pretty object, keys in the given order.
pub fn render_export(format: ExportFormat, secrets: &[(String, Password)]) -> String {
    match format {
        ExportFormat::Dotenv => render_dotenv(secrets),
        ExportFormat::Shell => render_shell(secrets),
        ExportFormat::Json => render_json(secrets),
    }
}

fn render_dotenv(secrets: &[(String, Password)]) -> String {
    let mut out = String::new();
    for (name, value) in secrets {
        if !is_secret_name(name) {
            out.push_str(&format!(
                "# skipped {}: not a valid secret name\n",
                name.escape_debug()
            ));
            continue;
        }
        out.push_str(name);
        out.push_str("=\"");
        for c in value.expose().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '"' => out.push_str("\\\""),
                '$' => out.push_str("\\$"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                other => out.push(other),
            }
        }
        out.push_str("\"\n");
    }
    out
}

fn render_shell(secrets: &[(String, Password)]) -> String {
    let mut out = String::new();
    for (name, value) in secrets {
        if !is_shell_name(name) {
            out.push_str(&format!(
                "# skipped {}: not a valid shell variable name\n",
                name.escape_debug()
            ));
            continue;
        }
        out.push_str("export ");
        out.push_str(name);
        out.push_str("='");
        out.push_str(&value.expose().replace('\'', "'\\''"));
        out.push_str("'\n");
    }
    out
}

struct JsonObject<'a>(&'a [(String, Password)]);

impl serde::Serialize for JsonObject<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, v.expose())))
    }
}

fn render_json(secrets: &[(String, Password)]) -> String {
    // Serializing strings into a String cannot fail; the fallback only satisfies the type.
    let mut out = serde_json::to_string_pretty(&JsonObject(secrets)).unwrap_or_default();
    out.push('\n');
    out
}

/// `[A-Za-z0-9_.-]`, 1–256 characters (SPEC 2.2 secret names).
fn is_secret_name(name: &str) -> bool {
    (1..=256).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// A POSIX shell variable name: `[A-Za-z_][A-Za-z0-9_]*`.
fn is_shell_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}
