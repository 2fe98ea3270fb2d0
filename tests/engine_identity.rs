//! Two connections that reach one server under different names (`127.0.0.1` and `localhost`)
//! never hand one ACL user to two rotations: the server's identity (run id, replication ids) is
//! learned when a connection is added or used, and a create reserves its usernames against it
//! under the store's write lock. Two real processes create the same name at once, 20 times.

mod common;
mod support;

use std::path::Path;
use std::process::Output;

use common::{Persist, RedisServer};
use redis_rotator::model::RotationRef;
use support::{TestDb, admin_password, bin, connection_request, create_request};

/// `rotation create --file` of `name` through `connection` in `environment`, as its own process.
fn create_in(dir: &Path, name: &str, connection: &str, environment: &str) -> Output {
    let mut req = create_request(name, connection);
    req.environment = Some(environment.into());
    let file = dir.join(format!("{name}-{environment}.json"));
    std::fs::write(&file, serde_json::to_string(&req).unwrap()).unwrap();
    bin(
        dir,
        &["rotation", "create", "--file", file.to_str().unwrap()],
        None,
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn two_connections_to_one_server_never_share_an_acl_user() {
    let server = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    db.engine
        .add_connection(
            &connection_request("by-ip", "127.0.0.1", server.port),
            Some(admin_password()),
        )
        .await
        .expect("by-ip added");
    let (by_name, report) = db
        .engine
        .add_connection(
            &connection_request("by-name", "localhost", server.port),
            Some(admin_password()),
        )
        .await
        .expect("by-name added");
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("same server as connection `by-ip`")),
        "the second name for one server is pointed out: {:?}",
        report.warnings
    );
    let by_ip = db.engine.find_connection("by-ip").unwrap();
    let (a, b) = (by_ip.identity.unwrap(), by_name.identity.unwrap());
    assert!(!a.run_ids.is_empty() && a.overlaps(&b), "{a:?} / {b:?}");

    let dir = db.dir.path().to_path_buf();
    for round in 0..20 {
        let name = format!("race-{round}");
        let (first, second) = std::thread::scope(|s| {
            let one = s.spawn(|| create_in(&dir, &name, "by-ip", "dev"));
            let two = s.spawn(|| create_in(&dir, &name, "by-name", "prod"));
            (one.join().unwrap(), two.join().unwrap())
        });
        let outcomes = [&first, &second];
        let won = outcomes.iter().filter(|o| o.status.success()).count();
        let stderr: Vec<_> = outcomes
            .iter()
            .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
            .collect();
        assert_eq!(
            won, 1,
            "round {round}: exactly one create of one username on one server succeeds: {stderr:?}"
        );
        let loser = outcomes.iter().find(|o| !o.status.success()).unwrap();
        let why = String::from_utf8_lossy(&loser.stderr);
        assert!(
            why.contains(&format!("`{name}-0`")) && why.contains("already"),
            "round {round}: the refusal names the taken user: {why}"
        );

        // Redis and the store agree: every stored credential authenticates, and the server
        // holds no user of this name that the store does not.
        let doc = db.engine.snapshot().unwrap();
        let stored: Vec<_> = doc.rotations.iter().filter(|r| r.name == name).collect();
        assert_eq!(stored.len(), 1, "round {round}: one rotation stored");
        let creds = db
            .engine
            .credentials(RotationRef::new(stored[0].id.to_string()))
            .expect("credentials");
        assert!(
            server.can_auth(&creds.active.username, creds.active.password.expose()),
            "round {round}: the stored credential authenticates"
        );
        let users = server.acl_users();
        assert!(users.contains(&format!("{name}-0")));
        assert!(
            !users.contains(&format!("{name}-1")),
            "round {round}: no user beyond the stored ones: {users:?}"
        );
    }
    // Nothing drifted later either: every rotation's credential still authenticates.
    let doc = db.engine.snapshot().unwrap();
    for r in &doc.rotations {
        let creds = db
            .engine
            .credentials(RotationRef::new(r.id.to_string()))
            .unwrap();
        assert!(
            server.can_auth(&creds.active.username, creds.active.password.expose()),
            "{} authenticates at the end",
            r.name
        );
    }
}
