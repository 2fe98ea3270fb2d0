//! Whether a server lets anyone manage ACL users at all: `ACL` renamed or disabled
//! (`rename-command ACL ""`), or users managed by the provider, is one sentence with what to do,
//! not a list of missing permissions.

use super::RedisError;

/// The sentence for a node whose answer to `ACL …` says the command is not there for anyone
/// (as opposed to NOPERM, which a grant fixes); `None` for any other failure.
pub(crate) fn acl_unavailable(addr: &str, error: &RedisError) -> Option<String> {
    let RedisError::Command { message, .. } = error else {
        return None;
    };
    let lower = message.to_lowercase();
    let missing = lower.contains("unknown command");
    let managed = [
        "not available",
        "disabled",
        "not allowed",
        "not supported",
        "managed",
    ]
    .iter()
    .any(|m| lower.contains(m));
    if !(missing || managed) {
        return None;
    }
    let why = if missing {
        "the ACL command is renamed or disabled there (`rename-command ACL …` in its config)"
    } else {
        "ACL changes are refused there (users are managed elsewhere, e.g. by the provider's console or API)"
    };
    Some(format!(
        "{addr} does not accept ACL commands ({}): {why}, so redis-rotator cannot manage users on it; restore the ACL command (remove the `rename-command ACL` line and restart), or rotate the users where they are managed",
        first_line(message)
    ))
}

/// The server's answer up to its first line, without the argument echo some versions add.
fn first_line(message: &str) -> &str {
    let line = message.lines().next().unwrap_or(message);
    line.split(", with args beginning with")
        .next()
        .unwrap_or(line)
        .trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command_error(message: &str) -> RedisError {
        RedisError::Command {
            addr: "10.0.0.5:6379".into(),
            command: "ACL SETUSER".into(),
            message: message.into(),
        }
    }

    #[test]
    fn a_renamed_acl_command_is_one_sentence_with_the_fix() {
        let s = acl_unavailable(
            "10.0.0.5:6379",
            &command_error(
                "ERR unknown command 'ACL', with args beginning with: 'SETUSER' 'admin' ",
            ),
        )
        .unwrap();
        assert!(
            s.starts_with(
                "10.0.0.5:6379 does not accept ACL commands (ERR unknown command 'ACL'):"
            ),
            "{s}"
        );
        assert!(
            s.contains("renamed or disabled") && s.contains("rename-command ACL"),
            "{s}"
        );
        assert!(!s.contains("SETUSER' 'admin"), "no argument echo: {s}");
    }

    #[test]
    fn a_provider_refusal_says_users_are_managed_elsewhere() {
        let s =
            acl_unavailable("h:1", &command_error("ERR Command is not available: 'ACL'")).unwrap();
        assert!(s.contains("managed elsewhere"), "{s}");
    }

    #[test]
    fn a_missing_permission_is_not_this() {
        let noperm = RedisError::NoPermission {
            addr: "h:1".into(),
            command: "ACL SETUSER".into(),
            hint: "give user `a` `+acl|setuser`".into(),
        };
        assert_eq!(acl_unavailable("h:1", &noperm), None);
        assert_eq!(
            acl_unavailable("h:1", &command_error("ERR syntax error")),
            None
        );
    }
}
