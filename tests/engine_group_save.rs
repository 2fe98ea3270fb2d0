//! Rotations finishing together on one node share its `ACL SAVE` (issue 15): whatever saves were
//! merged, every credential the store holds is in the aclfile, so it survives a restart.

mod common;
mod support;

use common::{Persist, RedisServer};
use support::{TestDb, create_request};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_credential_of_rotations_run_together_survives_a_restart() {
    let mut server = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    let e = &db.engine;
    support::add_connection(e, "local", &server).await;
    let names: Vec<String> = (0..12).map(|i| format!("together-{i}")).collect();
    for name in &names {
        e.create_rotation(&create_request(name, "local"))
            .await
            .expect("created");
    }
    for _ in 0..2 {
        let now = e.now();
        e.store()
            .update_doc(move |doc| {
                for r in doc.rotations.iter_mut() {
                    r.next_rotation_at = Some(now);
                }
            })
            .unwrap();
        let done = e.run_due(16).await;
        assert_eq!(done.len(), names.len());
        for (id, r) in done {
            assert!(r.is_ok(), "{id}: {:?}", r.err().map(|e| e.to_string()));
        }
    }
    // Only what was saved to the aclfile comes back.
    server.restart();
    for name in &names {
        let creds = e.credentials(name).unwrap();
        let previous = creds.previous.expect("previous after two rotations");
        for c in [&creds.active, &previous] {
            assert!(
                server.can_auth(&c.username, c.password.expose()),
                "{} authenticates after the restart",
                c.username
            );
        }
    }
}
