//! `secrets export`: every format quotes values so readers get them back byte for byte.

use std::collections::BTreeMap;
use std::process::Command;

use redis_rotator::model::Password;
use redis_rotator::store::{ExportFormat, render_export};

const TRICKY: &[&str] = &[
    "plain",
    "with spaces  and\ttab",
    "double\"quote",
    "single'quote and 'more'",
    "dollar $HOME ${PATH} $(id) `id`",
    "back\\slash\\\\ and trailing\\",
    "new\nline\r\nand CR",
    "ünïcødé 🔑 中文",
    "#not a comment",
    "",
];

fn secrets(values: &[&str]) -> Vec<(String, Password)> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| (format!("SECRET_{i}"), Password::new(*v)))
        .collect()
}

#[test]
fn dotenv_escapes_backslash_quote_dollar_and_newlines() {
    let rendered = render_export(
        ExportFormat::Dotenv,
        &secrets(&[
            "a b",
            "say \"hi\"",
            "$HOME",
            "c:\\dir",
            "l1\nl2\r",
            "é🔑",
            "it's",
        ]),
    );
    let expected = concat!(
        "SECRET_0=\"a b\"\n",
        "SECRET_1=\"say \\\"hi\\\"\"\n",
        "SECRET_2=\"\\$HOME\"\n",
        "SECRET_3=\"c:\\\\dir\"\n",
        "SECRET_4=\"l1\\nl2\\r\"\n",
        "SECRET_5=\"é🔑\"\n",
        "SECRET_6=\"it's\"\n",
    );
    assert_eq!(rendered, expected);
}

#[test]
fn dotenv_keeps_names_with_dots_and_dashes() {
    let rendered = render_export(
        ExportFormat::Dotenv,
        &[("redis.password-1".into(), Password::new("x"))],
    );
    assert_eq!(rendered, "redis.password-1=\"x\"\n");
}

#[test]
fn shell_export_round_trips_through_sh() {
    let all = secrets(TRICKY);
    let script = render_export(ExportFormat::Shell, &all);
    for (name, value) in &all {
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!("{script}printf %s \"${name}\""))
            .env_clear()
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            value.expose(),
            "{name}"
        );
    }
}

#[test]
fn shell_skips_names_that_are_not_shell_variables() {
    let rendered = render_export(
        ExportFormat::Shell,
        &[
            ("GOOD_1".into(), Password::new("it's")),
            ("redis.password".into(), Password::new("x")),
            ("my-secret".into(), Password::new("y")),
            ("1ST".into(), Password::new("z")),
        ],
    );
    assert_eq!(
        rendered,
        concat!(
            "export GOOD_1='it'\\''s'\n",
            "# skipped redis.password: not a valid shell variable name\n",
            "# skipped my-secret: not a valid shell variable name\n",
            "# skipped 1ST: not a valid shell variable name\n",
        )
    );
}

#[test]
fn json_is_one_pretty_object_that_parses_back() {
    let all = secrets(TRICKY);
    let rendered = render_export(ExportFormat::Json, &all);
    assert!(
        rendered.starts_with("{\n  \"SECRET_0\": \"plain\""),
        "{rendered}"
    );
    assert!(rendered.ends_with("}\n"));
    let parsed: BTreeMap<String, String> = serde_json::from_str(&rendered).unwrap();
    assert_eq!(parsed.len(), all.len());
    for (name, value) in &all {
        assert_eq!(parsed[name], value.expose());
    }
}

#[test]
fn empty_export_is_empty_braces_for_json_and_nothing_otherwise() {
    assert_eq!(render_export(ExportFormat::Json, &[]), "{}\n");
    assert_eq!(render_export(ExportFormat::Dotenv, &[]), "");
    assert_eq!(render_export(ExportFormat::Shell, &[]), "");
}

#[test]
fn format_names_parse_from_the_command_line_spelling() {
    for (text, format) in [
        ("dotenv", ExportFormat::Dotenv),
        ("json", ExportFormat::Json),
        ("shell", ExportFormat::Shell),
    ] {
        assert_eq!(text.parse::<ExportFormat>().unwrap(), format);
        assert_eq!(format.to_string(), text);
    }
}
