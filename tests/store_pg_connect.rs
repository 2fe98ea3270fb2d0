//! Connecting to the shared PostgreSQL store: the harness's throwaway cluster, and what an
//! operator reads when the URL or the server is wrong (the host named, the password never).

mod common;

use common::{PG_PASSWORD, PgCluster, free_port};
use redis_rotator::store::pg::Target;

/// What connecting to `url` answers, which must be a refusal.
fn refusal(url: &str) -> String {
    Target::parse(url)
        .unwrap()
        .connect()
        .err()
        .expect("refused")
        .to_string()
}

#[test]
fn a_session_opens_on_the_test_cluster() {
    let db = PgCluster::shared().fresh_database();
    let target = Target::parse(&db.url()).unwrap();
    let mut client = target.connect().unwrap();
    let row = client.query_one("SELECT current_database()", &[]).unwrap();
    let name: String = row.get(0);
    assert_eq!(name, db.name);
    assert!(!target.shown().contains(PG_PASSWORD));
}

#[test]
fn a_wrong_password_names_the_host_and_not_the_password() {
    let db = PgCluster::shared().fresh_database();
    let url = db.url().replace(PG_PASSWORD, "not-the-password-xyz");
    let e = refusal(&url);
    assert!(e.contains("127.0.0.1"), "{e}");
    assert!(e.contains("password authentication failed"), "{e}");
    assert!(
        e.contains("check the user in the URL and its password"),
        "{e}"
    );
    assert!(!e.contains("not-the-password-xyz"), "{e}");
}

#[test]
fn a_server_that_is_not_there_names_the_host_and_the_fix() {
    let url = format!("postgres://rr:{PG_PASSWORD}@127.0.0.1:{}/x", free_port());
    let e = refusal(&url);
    assert!(e.contains("127.0.0.1"), "{e}");
    assert!(e.contains("check that the server runs"), "{e}");
    assert!(!e.contains(PG_PASSWORD), "{e}");
}

#[test]
fn a_database_that_does_not_exist_says_to_create_it() {
    let db = PgCluster::shared().fresh_database();
    let url = db.url().replace(&db.name, "no_such_database");
    let e = refusal(&url);
    assert!(e.contains("\"no_such_database\" does not exist"), "{e}");
    assert!(e.contains("CREATE DATABASE"), "{e}");
}

#[test]
fn an_own_cluster_restarts_on_its_port() {
    let mut cluster = PgCluster::start();
    let port = cluster.port();
    cluster.restart();
    assert_eq!(cluster.port(), port);
    assert!(cluster.is_running());
    let db = cluster.fresh_database();
    assert!(Target::parse(&db.url()).unwrap().connect().is_ok());
}
