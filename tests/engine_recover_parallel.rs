//! `recover_all` (issue 15): the rotations a crash left in flight are finished together, each
//! under a plain try-lock, and one whose lock another process holds is skipped and left alone.

mod common;
mod support;

use common::{Persist, RedisServer};
use redis_rotator::engine::{EngineEvent, Step, locks};
use redis_rotator::model::{Journal, JournalKind, Password, RotationStatus, Slot};
use redis_rotator::store::Binding;
use support::{TestDb, create_request};
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interrupted_rotations_are_recovered_together_and_one_locked_elsewhere_is_skipped() {
    let server = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    let e = &db.engine;
    support::add_connection(e, "local", &server).await;
    let names = ["rec-a", "rec-b", "rec-c", "rec-d"];
    for name in names {
        e.create_rotation(&create_request(name, "local"))
            .await
            .expect("created");
    }
    // What a crash right after `record` leaves: a journal for slot 1 with a new password that
    // no server has yet.
    let cipher = e.store().cipher().unwrap();
    let addr = server.addr();
    let now = e.now();
    e.store()
        .update_doc(move |doc| {
            for r in doc.rotations.iter_mut() {
                let job_id = Uuid::new_v4();
                let password = Password::new(format!("recovered-{}-Aa1!", r.name));
                r.pending = Some(Journal {
                    job_id,
                    kind: JournalKind::Rotate,
                    slot: Slot::One,
                    username: format!("{}-1", r.name),
                    password: Some(
                        cipher.seal(&password, &Binding::journal_password(r.id, job_id)),
                    ),
                    adopted: None,
                    users: Vec::new(),
                    old_scope: None,
                    new_scope: None,
                    patch: None,
                    delete_secrets: false,
                    nodes: vec![addr.clone()],
                    started_at: now,
                });
                r.rotation_status = RotationStatus::Rotating;
            }
        })
        .unwrap();
    let held = e.find_rotation("rec-d").unwrap();
    let locks_dir = redis_rotator::store::paths::locks_dir(&db.path());
    let _other_process = locks::try_lock_rotation(&locks_dir, held.id)
        .unwrap()
        .expect("lock taken");

    let mut rx = e.subscribe();
    let mut outcomes = e.recover_all().await;
    outcomes.sort_by(|a, b| a.0.cmp(&b.0));
    let recovered: Vec<&str> = outcomes.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        recovered,
        ["rec-a", "rec-b", "rec-c"],
        "the held one is skipped"
    );
    for (name, outcome) in &outcomes {
        assert!(
            outcome.is_ok(),
            "{name}: {:?}",
            outcome.as_ref().err().map(ToString::to_string)
        );
        let creds = e.credentials(name).unwrap();
        assert_eq!(creds.active.username, format!("{name}-1"), "rolled forward");
        assert!(server.can_auth(&creds.active.username, creds.active.password.expose()));
    }
    assert!(
        e.find_rotation("rec-d").unwrap().pending.is_some(),
        "the rotation locked elsewhere is left to its holder"
    );

    // Together: every recovery had started before the first one promoted.
    let mut steps = Vec::new();
    while let Ok(ev) = rx.try_recv() {
        if let EngineEvent::Progress {
            step, node: None, ..
        } = ev
        {
            steps.push(step);
        }
    }
    let last_start = steps
        .iter()
        .rposition(|s| *s == Step::Recover)
        .expect("recover steps");
    let first_promote = steps
        .iter()
        .position(|s| *s == Step::Promote)
        .expect("promote steps");
    assert_eq!(steps.iter().filter(|s| **s == Step::Recover).count(), 3);
    assert!(
        last_start < first_promote,
        "all three recoveries ran at once: {steps:?}"
    );
}
