//! What a server is (Redis or Valkey) and its real version, from `INFO server`, and which ACL
//! features that version has, so a missing one is named instead of failing obscurely.

use serde::Serialize;

/// The server software. Valkey reports `redis_version:7.2.4` for compatibility, so it is told
/// apart by `server_name:valkey` (and `valkey_version`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, strum::Display)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum ServerKind {
    Redis,
    Valkey,
}

/// A server's kind and real version (`9.1.2` for Valkey 9.1.2, never its compatibility
/// `redis_version`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ServerInfo {
    pub(crate) kind: ServerKind,
    pub(crate) version: String,
}

impl ServerInfo {
    /// From the text of `INFO server`; `None` when it names no version at all.
    pub(crate) fn from_info(info: &str) -> Option<ServerInfo> {
        let field = |name: &str| {
            info.lines().find_map(|line| {
                let (k, v) = line.trim_end_matches('\r').split_once(':')?;
                (k == name && !v.trim().is_empty()).then(|| v.trim().to_string())
            })
        };
        let valkey = field("server_name").is_some_and(|n| n.eq_ignore_ascii_case("valkey"))
            || field("valkey_version").is_some();
        if valkey {
            let version = field("valkey_version").or_else(|| field("redis_version"))?;
            return Some(ServerInfo {
                kind: ServerKind::Valkey,
                version,
            });
        }
        Some(ServerInfo {
            kind: ServerKind::Redis,
            version: field("redis_version")?,
        })
    }

    /// `(major, minor)`; unparsable parts read as 0.
    fn major_minor(&self) -> (u32, u32) {
        let mut parts = self
            .version
            .split('.')
            .map(|p| p.parse::<u32>().unwrap_or(0));
        (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
    }

    /// Redis 7.0 brought `ACL DRYRUN`, selectors `( … )`, `%R~`/`%W~` key permissions and
    /// subcommand removal (`-acl|setuser`); every Valkey has them (it forked from 7.2).
    pub(crate) fn has_acl_v2(&self) -> bool {
        self.kind == ServerKind::Valkey || self.major_minor() >= (7, 0)
    }

    /// "Redis 6.2.14", "Valkey 9.1.2".
    pub(crate) fn label(&self) -> String {
        let name = match self.kind {
            ServerKind::Redis => "Redis",
            ServerKind::Valkey => "Valkey",
        };
        format!("{name} {}", self.version)
    }
}

/// Why `ACL DRYRUN` could not tell whether the admin may persist, on a server that has none.
pub(crate) fn no_dryrun_note(addr: &str, info: &ServerInfo, user: &str, command: &str) -> String {
    format!(
        "{addr} runs {}, which has no ACL DRYRUN: whether user `{user}` may run {command} is only known at the first rotation (a refusal there is rolled back and named)",
        info.label()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valkey_is_told_apart_from_its_compatibility_version() {
        let info =
            "# Server\r\nredis_version:7.2.4\r\nserver_name:valkey\r\nvalkey_version:9.1.2\r\n";
        let s = ServerInfo::from_info(info).unwrap();
        assert_eq!(s.kind, ServerKind::Valkey);
        assert_eq!(s.version, "9.1.2");
        assert_eq!(s.label(), "Valkey 9.1.2");
        assert!(s.has_acl_v2());
    }

    #[test]
    fn redis_versions_before_7_lack_acl_v2() {
        let old = ServerInfo::from_info("redis_version:6.2.14\r\n").unwrap();
        assert_eq!(old.kind, ServerKind::Redis);
        assert!(!old.has_acl_v2());
        let new = ServerInfo::from_info("redis_version:7.0.15\r\n").unwrap();
        assert!(new.has_acl_v2());
        assert_eq!(new.label(), "Redis 7.0.15");
        assert_eq!(ServerInfo::from_info("# Server\r\n"), None);
    }

    #[test]
    fn serializes_lowercase() {
        assert_eq!(
            serde_json::to_string(&ServerKind::Valkey).unwrap(),
            "\"valkey\""
        );
        assert_eq!(ServerKind::Redis.to_string(), "redis");
    }
}
