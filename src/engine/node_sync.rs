//! Whether a node holds a rotation's users as the store has them, and what would bring it back:
//! pure comparison of `ACL GETUSER` states with the stored credentials (no I/O).

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;

use crate::model::Slot;
use crate::redis::acl_state::UserState;

/// One ACL user the store owns, with the hashes of every stored password it must hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ExpectedUser {
    pub username: String,
    /// `(slot, sha256 hex)` for each stored credential of this user.
    pub passwords: Vec<(Slot, String)>,
}

/// One difference on one node and the heal that removes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Fix {
    /// The user does not exist: create it with every stored hash and the scope.
    Create { username: String, slots: Vec<Slot> },
    /// The user lacks some stored passwords (or is off): add them and switch it on.
    AddPasswords { username: String, slots: Vec<Slot> },
    /// The user exists with every password but is switched off.
    Enable { username: String },
    /// The user's permissions differ from the scope the rotation's other users hold.
    Scope { username: String },
}

impl Fix {
    pub(crate) fn username(&self) -> &str {
        match self {
            Fix::Create { username, .. }
            | Fix::AddPasswords { username, .. }
            | Fix::Enable { username }
            | Fix::Scope { username } => username,
        }
    }

    /// What differed, in the operator's words: "missing slot 0", "scope differs".
    pub(crate) fn difference(&self) -> String {
        match self {
            Fix::Create { slots, .. } | Fix::AddPasswords { slots, .. } => {
                let names: Vec<String> = slots
                    .iter()
                    .map(|s| format!("slot {}", s.index()))
                    .collect();
                format!("missing {}", names.join(" and "))
            }
            Fix::Enable { username } => format!("{username} is off"),
            Fix::Scope { .. } => "scope differs".into(),
        }
    }

    /// Why it was healed, for the event: "the user was missing".
    pub(crate) fn reason(&self) -> String {
        match self {
            Fix::Create { .. } => "the user was missing".into(),
            Fix::AddPasswords { slots, .. } => format!(
                "it lacked the stored password of {}",
                slots
                    .iter()
                    .map(|s| format!("slot {}", s.index()))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
            Fix::Enable { .. } => "the user was switched off".into(),
            Fix::Scope { .. } => "its permissions differed from the rotation's scope".into(),
        }
    }
}

/// A node's sync state for one rotation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "detail", rename_all = "kebab-case")]
pub enum SyncStatus {
    InSync,
    /// Each difference in words ("missing slot 0", "scope differs").
    Differs(Vec<String>),
    /// The node could not be read (the sentence says why).
    Unreachable(String),
    /// The topology lists the node but it cannot take a change now.
    Skipped(String),
}

impl SyncStatus {
    pub fn is_in_sync(&self) -> bool {
        *self == SyncStatus::InSync
    }
}

impl fmt::Display for SyncStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncStatus::InSync => f.write_str("in sync"),
            SyncStatus::Differs(d) => f.write_str(&d.join(", ")),
            SyncStatus::Unreachable(why) => write!(f, "not checked: {why}"),
            SyncStatus::Skipped(why) => write!(f, "skipped: {why}"),
        }
    }
}

/// One node's line: address, status, and the heals done on it (empty when only checked).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NodeSync {
    pub node: String,
    pub status: SyncStatus,
    /// The differences healed on this node by this pass.
    pub healed: Vec<String>,
    /// Set when healing failed (the status still shows what differs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The permissions a strict majority of the rotation's users hold over all nodes: the node's
/// own canonical form of the scope, since the engine sets every user with it. `None` when no
/// form has a strict majority (two users that disagree): then no scope is "healed", since
/// either could be the drifted one.
pub(crate) fn reference_permissions<'a>(
    states: impl IntoIterator<Item = &'a Option<UserState>>,
) -> Option<String> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut total = 0;
    for s in states.into_iter().flatten() {
        *counts.entry(s.permissions.as_str()).or_default() += 1;
        total += 1;
    }
    counts
        .into_iter()
        .find(|(_, n)| n * 2 > total)
        .map(|(p, _)| p.to_string())
}

/// What to fix on one node, given the users the store owns and what the node holds
/// (`observed[i]` is the state of `expected[i]`). Never a fix that removes a password.
pub(crate) fn compare(
    expected: &[ExpectedUser],
    observed: &[Option<UserState>],
    reference: Option<&str>,
) -> Vec<Fix> {
    let mut fixes = Vec::new();
    for (want, have) in expected.iter().zip(observed) {
        if want.passwords.is_empty() {
            continue;
        }
        let username = want.username.clone();
        let Some(have) = have else {
            fixes.push(Fix::Create {
                username,
                slots: want.passwords.iter().map(|(s, _)| *s).collect(),
            });
            continue;
        };
        let lacking: Vec<Slot> = want
            .passwords
            .iter()
            .filter(|(_, h)| !have.hashes.contains(h))
            .map(|(s, _)| *s)
            .collect();
        if !lacking.is_empty() {
            fixes.push(Fix::AddPasswords {
                username: username.clone(),
                slots: lacking,
            });
        } else if !have.enabled {
            fixes.push(Fix::Enable {
                username: username.clone(),
            });
        }
        if reference.is_some_and(|r| r != have.permissions) {
            fixes.push(Fix::Scope { username });
        }
    }
    fixes
}

/// The status a node shows for the fixes it needs.
pub(crate) fn status_of(fixes: &[Fix]) -> SyncStatus {
    if fixes.is_empty() {
        SyncStatus::InSync
    } else {
        SyncStatus::Differs(fixes.iter().map(Fix::difference).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(on: bool, hashes: &[&str], perms: &str) -> Option<UserState> {
        Some(UserState {
            enabled: on,
            hashes: hashes.iter().map(|h| h.to_string()).collect(),
            permissions: perms.into(),
        })
    }

    fn users() -> Vec<ExpectedUser> {
        vec![
            ExpectedUser {
                username: "c-0".into(),
                passwords: vec![(Slot::Zero, "h0".into())],
            },
            ExpectedUser {
                username: "c-1".into(),
                passwords: vec![(Slot::One, "h1".into())],
            },
        ]
    }

    #[test]
    fn a_node_holding_both_stored_credentials_is_in_sync() {
        let observed = [state(true, &["h0"], "p"), state(true, &["h1"], "p")];
        let fixes = compare(&users(), &observed, Some("p"));
        assert_eq!(status_of(&fixes), SyncStatus::InSync);
    }

    #[test]
    fn a_missing_user_is_created_and_named_by_its_slot() {
        let observed = [None, state(true, &["h1"], "p")];
        let fixes = compare(&users(), &observed, Some("p"));
        assert_eq!(
            fixes,
            [Fix::Create {
                username: "c-0".into(),
                slots: vec![Slot::Zero]
            }]
        );
        assert_eq!(status_of(&fixes).to_string(), "missing slot 0");
    }

    #[test]
    fn extra_passwords_stay_and_lacking_ones_are_added() {
        let observed = [state(true, &["other", "h0"], "p"), state(true, &["x"], "p")];
        let fixes = compare(&users(), &observed, Some("p"));
        assert_eq!(
            fixes,
            [Fix::AddPasswords {
                username: "c-1".into(),
                slots: vec![Slot::One]
            }]
        );
    }

    #[test]
    fn an_off_user_and_a_drifted_scope_are_both_reported() {
        let observed = [state(false, &["h0"], "q"), state(true, &["h1"], "p")];
        let fixes = compare(&users(), &observed, Some("p"));
        assert_eq!(status_of(&fixes).to_string(), "c-0 is off, scope differs");
    }

    #[test]
    fn the_reference_scope_is_the_one_most_users_hold() {
        let all = [
            state(true, &[], "p"),
            state(true, &[], "q"),
            state(true, &[], "p"),
            None,
        ];
        assert_eq!(reference_permissions(&all).as_deref(), Some("p"));
        assert_eq!(reference_permissions(&[None]), None);
        let tie = [state(true, &[], "p"), state(true, &[], "q")];
        assert_eq!(
            reference_permissions(&tie),
            None,
            "no majority, nothing to heal"
        );
    }

    #[test]
    fn an_empty_slot_asks_for_nothing() {
        let expected = [ExpectedUser {
            username: "c-1".into(),
            passwords: vec![],
        }];
        assert!(compare(&expected, &[None], None).is_empty());
    }
}
