//! Shell completions and man pages, generated from the clap definitions: every subcommand and
//! every long option is in each of them, and the binary prints the same thing it ships.

use std::process::Command;

use clap::CommandFactory;
use clap_complete::Shell;
use redis_rotator::docs::{Cli, write_completions, write_man_pages};

/// Every command in the tree as its path of names, the root (`[]`) first.
fn command_paths() -> Vec<(Vec<String>, clap::Command)> {
    fn walk(cmd: &clap::Command, path: Vec<String>, out: &mut Vec<(Vec<String>, clap::Command)>) {
        out.push((path.clone(), cmd.clone()));
        for sub in cmd.get_subcommands() {
            let mut p = path.clone();
            p.push(sub.get_name().to_string());
            walk(sub, p, out);
        }
    }
    let mut out = Vec::new();
    walk(&Cli::command(), Vec::new(), &mut out);
    out
}

fn long_options(cmd: &clap::Command) -> Vec<String> {
    cmd.get_arguments()
        .filter_map(|a| a.get_long())
        .map(str::to_string)
        .collect()
}

fn completions(shell: Shell) -> String {
    let mut buf = Vec::new();
    write_completions(shell, &mut buf);
    String::from_utf8(buf).unwrap()
}

#[test]
fn the_command_tree_includes_completions_and_man_pages_and_every_group() {
    let names: Vec<String> = command_paths()
        .into_iter()
        .filter(|(p, _)| p.len() == 1)
        .map(|(p, _)| p[0].clone())
        .collect();
    for expected in [
        "connection",
        "rotation",
        "secrets",
        "run",
        "events",
        "settings",
        "daemon",
        "demo",
        "completions",
        "man-pages",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} in {names:?}"
        );
    }
}

#[test]
fn completions_name_every_subcommand_and_long_option_for_bash_zsh_and_fish() {
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        let script = completions(shell);
        for (path, cmd) in command_paths() {
            if let Some(name) = path.last() {
                assert!(
                    script.contains(name.as_str()),
                    "{shell}: subcommand {path:?}"
                );
            }
            for long in long_options(&cmd) {
                // bash and zsh write `--name`; fish writes `-l name`.
                assert!(
                    script.contains(&format!("--{long}")) || script.contains(&format!("-l {long}")),
                    "{shell}: --{long} of {path:?}"
                );
            }
        }
    }
}

#[test]
fn bash_completion_is_valid_bash() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("redis-rotator.bash");
    std::fs::write(&file, completions(Shell::Bash)).unwrap();
    let status = Command::new("bash").arg("-n").arg(&file).status().unwrap();
    assert!(status.success(), "bash -n rejects the completion script");
}

#[test]
fn a_man_page_per_subcommand_with_its_options() {
    let dir = tempfile::tempdir().unwrap();
    let written = write_man_pages(dir.path()).unwrap();
    let paths = command_paths();
    // `help` is not a real command in the pages (clap's help subcommand is disabled there).
    let real: Vec<_> = paths
        .iter()
        .filter(|(p, _)| p.last().is_none_or(|n| n != "help"))
        .collect();
    assert_eq!(written.len(), real.len(), "{written:?}");
    for (path, cmd) in real {
        let mut name = vec!["redis-rotator".to_string()];
        name.extend(path.iter().cloned());
        let file = dir.path().join(format!("{}.1", name.join("-")));
        let page =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(
            page.starts_with(".ie \\n(.g") || page.contains(".TH"),
            "{}",
            file.display()
        );
        assert!(page.contains(".TH"), "{} has a title", file.display());
        for long in long_options(cmd) {
            // roff escapes the hyphens of an option: `\-\-name`.
            let escaped = format!("\\-\\-{}", long.replace('-', "\\-"));
            assert!(page.contains(&escaped), "{}: --{long}", file.display());
        }
    }
    let root = std::fs::read_to_string(dir.path().join("redis-rotator.1")).unwrap();
    assert!(
        root.contains(env!("CARGO_PKG_VERSION")),
        "the version is on the page"
    );
    assert!(root.contains("Rotates Redis ACL credentials"));
}

#[test]
fn the_binary_prints_the_same_completions_and_writes_the_pages() {
    let out = Command::new(env!("CARGO_BIN_EXE_redis-rotator"))
        .args(["completions", "zsh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        completions(Shell::Zsh)
    );

    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("man1");
    let out = Command::new(env!("CARGO_BIN_EXE_redis-rotator"))
        .arg("man-pages")
        .arg(&pages)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let listed = String::from_utf8(out.stdout).unwrap();
    assert!(
        listed.contains("redis-rotator-connection-add.1"),
        "{listed}"
    );
    assert!(pages.join("redis-rotator-completions.1").exists());

    let bad = Command::new(env!("CARGO_BIN_EXE_redis-rotator"))
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2), "an unknown shell is bad input");
}
