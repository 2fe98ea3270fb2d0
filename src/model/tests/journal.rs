//! The journal's file format: a rotation's journal from before revoke/scope changes existed still
//! reads, and a revoke or scope journal carries no password.

use crate::model::{Journal, JournalKind, Sealed};

const JOB: &str = "6f1c2a4e-0000-4000-8000-000000000001";

#[test]
fn a_rotate_journal_written_before_changes_were_journaled_still_reads() {
    let text = format!(
        r#"{{"jobId":"{JOB}","kind":"rotate","slot":1,"username":"app-1","password":"enc:v2:x","nodes":["127.0.0.1:6379"],"startedAt":"2026-01-01T00:00:00Z"}}"#
    );
    let j: Journal = serde_json::from_str(&text).expect("old journal");
    assert_eq!(j.kind, JournalKind::Rotate);
    assert_eq!(j.password, Some(Sealed("enc:v2:x".into())));
    assert!(j.users.is_empty() && j.old_scope.is_none() && !j.delete_secrets);
}

#[test]
fn a_scope_journal_has_no_password_and_round_trips() {
    let text = format!(
        r#"{{"jobId":"{JOB}","kind":"scope","slot":0,"username":"app-0","users":["app-0","app-1"],"oldScope":"~* +@all","newScope":"~a:* +get","nodes":["127.0.0.1:6379"],"startedAt":"2026-01-01T00:00:00Z"}}"#
    );
    let j: Journal = serde_json::from_str(&text).expect("scope journal");
    assert_eq!(j.kind, JournalKind::Scope);
    assert!(j.password.is_none());
    let written = serde_json::to_string(&j).unwrap();
    assert!(!written.contains("password"), "{written}");
    assert_eq!(serde_json::from_str::<Journal>(&written).unwrap(), j);
}

#[test]
fn a_revoke_journal_remembers_whether_the_secrets_go_too() {
    let text = format!(
        r#"{{"jobId":"{JOB}","kind":"revoke","slot":0,"username":"app-0","users":["app-0","app-1"],"deleteSecrets":true,"nodes":[],"startedAt":"2026-01-01T00:00:00Z"}}"#
    );
    let j: Journal = serde_json::from_str(&text).expect("revoke journal");
    assert_eq!(j.kind, JournalKind::Revoke);
    assert!(j.delete_secrets);
}
