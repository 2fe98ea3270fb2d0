//! Single risky commands a scope grants by name (`+flushall`, `+module|load`): those the connected
//! server files under `@admin` or `@dangerous` (`ACL CAT`) when it was asked, a built-in table of
//! Redis 7's otherwise; and scopes that grant no command at all.

use std::borrow::Cow;
use std::collections::BTreeSet;

/// The commands one server files under `@admin` or `@dangerous`, as `ACL CAT admin` and `ACL CAT
/// dangerous` list them: `name`, or `name|sub` where the server has subcommands (Redis 7).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct RiskyCommands(BTreeSet<String>);

impl RiskyCommands {
    pub(crate) fn new<S: AsRef<str>>(commands: impl IntoIterator<Item = S>) -> RiskyCommands {
        RiskyCommands(
            commands
                .into_iter()
                .map(|c| c.as_ref().to_ascii_lowercase())
                .collect(),
        )
    }

    /// Whether granting `name` (all its subcommands) or `name|sub` grants a listed command.
    fn covers(&self, name: &str, sub: Option<&str>) -> bool {
        if self.0.contains(name) {
            return true;
        }
        match sub {
            Some(sub) => self.0.contains(&format!("{name}|{sub}")),
            None => {
                let prefix = format!("{name}|");
                self.0
                    .range(prefix.clone()..)
                    .next()
                    .is_some_and(|c| c.starts_with(&prefix))
            }
        }
    }

    /// Why granting the command is risky by this server's categories: the built-in sentence
    /// when there is one, otherwise the categories named.
    fn risk(&self, name: &str, sub: Option<&str>) -> Option<Cow<'static, str>> {
        if !self.covers(name, sub) {
            return None;
        }
        Some(match risk(name, sub) {
            Some(why) => Cow::Borrowed(why),
            None => Cow::Borrowed(
                "the connected server files it under @admin or @dangerous (server \
                 administration or commands that can wipe or stall it)",
            ),
        })
    }
}

/// What granting `name` (or `name|sub`) lets the rotated users do, when it is risky.
fn risk(name: &str, sub: Option<&str>) -> Option<&'static str> {
    Some(match (name, sub) {
        ("module", None | Some("load" | "loadex")) => {
            "MODULE LOAD lets the rotated users load native code into Redis, which then runs \
             with the server's rights"
        }
        ("module", Some(_)) => return None,
        ("config", Some("get")) => {
            "CONFIG GET reads server settings, secrets such as `masterauth` included"
        }
        ("config", _) => {
            "CONFIG SET changes server settings (e.g. `dir` and `dbfilename` to write files \
             anywhere the server may)"
        }
        ("debug", _) => "DEBUG can crash or stall the server",
        ("flushall" | "flushdb", _) => "FLUSHALL / FLUSHDB delete every key",
        ("shutdown", _) => "SHUTDOWN stops the server",
        ("keys", _) => "KEYS stalls the server on a large keyspace",
        ("monitor", _) => "MONITOR shows every client's commands, arguments included",
        ("replicaof" | "slaveof", _) => {
            "REPLICAOF makes the server replace its data with another server's"
        }
        ("failover", _) => "FAILOVER hands the primary role to a replica",
        ("save" | "bgsave" | "bgrewriteaof", _) => {
            "SAVE / BGSAVE / BGREWRITEAOF can stall the server or fill its disk"
        }
        ("migrate" | "restore" | "swapdb" | "sort", _) => {
            "MIGRATE / RESTORE / SWAPDB / SORT can move, overwrite or stall over many keys"
        }
        ("psync" | "sync" | "replconf", _) => "SYNC / PSYNC copy every key out, as a replica does",
        ("slowlog" | "latency" | "lastsave" | "info" | "role" | "pfdebug" | "pfselftest", _) => {
            "server diagnostics (SLOWLOG shows other clients' commands with their arguments)"
        }
        ("client", Some("id" | "info" | "setname" | "getname" | "setinfo" | "reply" | "help")) => {
            return None;
        }
        ("client", _) => "CLIENT KILL / PAUSE disconnect or stall other clients",
        (
            "cluster",
            Some(
                "info" | "nodes" | "slots" | "shards" | "myid" | "myshardid" | "keyslot"
                | "countkeysinslot" | "getkeysinslot" | "links" | "help",
            ),
        ) => return None,
        ("cluster", _) => "CLUSTER can reshape or break the cluster (RESET, FORGET, SETSLOT)",
        _ => return None,
    })
}

/// Warnings for risky commands granted by name and still granted after the later rules, and for
/// a scope that grants no command at all. `rules` are every accepted rule in order, selectors'
/// rules included; `categories_warned` is true when `@admin` and `@dangerous` are already warned;
/// `server` is the connected server's risky commands, `None` for the built-in table.
pub(super) fn warnings<'a>(
    rules: impl IntoIterator<Item = &'a str>,
    categories_warned: bool,
    server: Option<&RiskyCommands>,
) -> Vec<String> {
    let risk_of = |name: &str, sub: Option<&str>| match server {
        Some(server) => server.risk(name, sub),
        None => risk(name, sub).map(Cow::Borrowed),
    };
    let mut granted: Vec<(String, Cow<'static, str>)> = Vec::new();
    let mut any_command = false;
    for rule in rules {
        let lower = rule.to_ascii_lowercase();
        if lower == "allcommands" || lower.starts_with('+') {
            any_command = true;
        }
        if matches!(
            lower.as_str(),
            "nocommands" | "-@all" | "-@admin" | "-@dangerous"
        ) {
            granted.clear();
            continue;
        }
        let (grant, body) = match lower.split_at_checked(1) {
            Some(("+", body)) => (true, body),
            Some(("-", body)) => (false, body),
            _ => continue,
        };
        if body.starts_with('@') {
            continue;
        }
        let (name, sub) = match body.split_once('|') {
            Some((name, sub)) => (name, Some(sub)),
            None => (body, None),
        };
        if grant {
            if let Some(why) = risk_of(name, sub)
                && !granted.iter().any(|(r, _)| r == body)
            {
                granted.push((body.to_string(), why));
            }
        } else {
            granted
                .retain(|(r, _)| r != body && (sub.is_some() || r.split('|').next() != Some(name)));
        }
    }
    let mut out = Vec::new();
    if !any_command {
        out.push(
            "grants no command: the rotated users can authenticate but run nothing (not even \
             GET); add commands, e.g. `+@read +@write`"
                .to_string(),
        );
    }
    if !categories_warned {
        for (rule, why) in granted {
            out.push(format!(
                "grants `+{rule}`: {why}; remove it unless the application needs it"
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{RiskyCommands, warnings};

    fn warn(scope: &str) -> Vec<String> {
        warnings(scope.split_whitespace(), false, None)
    }

    /// What Redis 7.0's `ACL CAT admin` / `ACL CAT dangerous` list, in part.
    fn redis7() -> RiskyCommands {
        RiskyCommands::new([
            "module|load",
            "module|list",
            "config|set",
            "config|get",
            "flushall",
            "keys",
            "sort",
            "info",
        ])
    }

    fn warn_on(server: &RiskyCommands, scope: &str) -> Vec<String> {
        warnings(scope.split_whitespace(), false, Some(server))
    }

    #[test]
    fn the_servers_categories_decide_when_they_are_known() {
        let server = redis7();
        // The built-in table calls MODULE LIST harmless; this server files it under @admin.
        assert!(warn("~* +get +module|list").is_empty());
        let w = warn_on(&server, "~* +get +module|list");
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains("`+module|list`") && w[0].contains("@admin"),
            "{w:?}"
        );
        // The built-in table warns about SHUTDOWN; a server that does not list it does not.
        assert_eq!(warn("~* +get +shutdown").len(), 1);
        assert!(warn_on(&server, "~* +get +shutdown").is_empty());
        // A whole command is risky when any of its subcommands is; known ones keep their sentence.
        let w = warn_on(&server, "~* +get +MODULE");
        assert!(w[0].contains("load native code into Redis"), "{w:?}");
        assert!(warn_on(&server, "~* +get +config|resetstat").is_empty());
        assert!(warn_on(&server, "~* +get +set +flushall -flushall").is_empty());
    }

    #[test]
    fn a_server_that_lists_whole_commands_covers_their_subcommands() {
        // Redis 6.2 lists `config`, not `config|set`.
        let server = RiskyCommands::new(["config", "debug"]);
        assert_eq!(warn_on(&server, "~* +get +config|set").len(), 1);
        assert_eq!(warn_on(&server, "~* +get +DEBUG").len(), 1);
    }

    #[test]
    fn each_dangerous_single_command_is_warned_about() {
        for rule in [
            "+module|load",
            "+config|set",
            "+debug",
            "+flushall",
            "+flushdb",
            "+shutdown",
            "+keys",
            "+monitor",
            "+replicaof",
            "+client|kill",
            "+cluster|reset",
        ] {
            let w = warn(&format!("~app:* +get {rule}"));
            assert_eq!(w.len(), 1, "{rule}: {w:?}");
            assert!(w[0].contains(rule), "{rule}: {w:?}");
        }
    }

    #[test]
    fn module_load_says_it_loads_code() {
        let w = warn("~* +get +MODULE|LOAD");
        assert!(w[0].contains("load native code into Redis"), "{w:?}");
    }

    #[test]
    fn harmless_subcommands_and_ordinary_commands_are_quiet() {
        assert!(warn("~app:* +get +set +client|setname +cluster|info +module|list").is_empty());
    }

    #[test]
    fn a_later_revocation_removes_the_warning() {
        assert!(warn("~* +get +flushall -flushall").is_empty());
        assert!(warn("~* +get +config|set -config").is_empty());
        assert!(warn("~* +get +debug -@dangerous").is_empty());
        assert_eq!(warn("~* +get +config|set +config|get -config|get").len(), 1);
    }

    #[test]
    fn a_lone_allkeys_warns_that_nothing_can_run() {
        for scope in ["allkeys", "~*", "~app:* &chan"] {
            let w = warn(scope);
            assert_eq!(w.len(), 1, "{scope}: {w:?}");
            assert!(w[0].contains("grants no command"), "{w:?}");
        }
        assert!(warn("allkeys allcommands -@dangerous -@admin").is_empty());
    }

    #[test]
    fn named_warnings_are_dropped_when_the_categories_are_already_warned() {
        assert!(warnings(["~*", "+@all", "+flushall"], true, None).is_empty());
    }

    #[test]
    fn the_parsed_scope_carries_the_warnings_selectors_included() {
        use super::super::scope::parse;
        let w = parse("~app:* +get (~tmp:* +flushdb)").unwrap().warnings;
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("`+flushdb`"), "{w:?}");
        let w = parse("allkeys").unwrap().warnings;
        assert!(w[0].contains("grants no command"), "{w:?}");
        let w = parse("~* +@all +flushall").unwrap().warnings;
        assert_eq!(w.len(), 1, "only the category warning: {w:?}");
    }
}
