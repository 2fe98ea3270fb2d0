//! Rendering secrets for `secrets export`: dotenv, json, shell, each quoted correctly.

use crate::model::Password;

#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::Display, strum::EnumString, clap::ValueEnum)]
#[strum(serialize_all = "lowercase")]
pub enum ExportFormat {
    Dotenv,
    Json,
    Shell,
}

/// `secrets` in name order → text ending in a newline (empty input → empty string, even for json?
/// no: json renders `{}`; dotenv and shell render nothing).
pub fn render_export(format: ExportFormat, secrets: &[(String, Password)]) -> String {
    let _ = (format, secrets);
    todo!("store helper")
}
