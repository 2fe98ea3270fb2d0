//! Encryption at rest: sealing, the key check that catches a wrong key, damaged values, and the
//! key file created on first use.

use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;

use chrono::Utc;
use redis_rotator::model::{Password, Sealed};
use redis_rotator::store::secrets::Writer;
use redis_rotator::store::{Binding, Cipher, KeySource, Store, StoreError};
use uuid::Uuid;

const KEY_A: &str = "2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a";
/// base64 of 32 bytes of 0x07.
const KEY_B: &str = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";

fn env_key(k: &str) -> KeySource {
    KeySource::Env(Password::new(k))
}

/// One place to seal at, for tests about the cipher itself.
fn at() -> Binding {
    Binding::secret_value("dev", "/", "A")
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn sealed_value_opens_back_to_the_same_secret() {
    let cipher = Cipher::load(&env_key(KEY_A)).unwrap();
    for value in [
        "",
        "p@ss word",
        "ünïcødé 🔑",
        "line\nbreak",
        &"x".repeat(10_000),
    ] {
        let sealed = cipher.seal(&Password::new(value), &at());
        assert!(sealed.0.starts_with("enc:v2:"));
        assert!(value.len() < 4 || !sealed.0.contains(value));
        assert_eq!(cipher.open(&sealed, &at()).unwrap().expose(), value);
    }
}

#[test]
fn base64_and_hex_forms_of_a_key_are_the_same_key() {
    let hex = Cipher::load(&env_key(&"07".repeat(32))).unwrap();
    let b64 = Cipher::load(&env_key(KEY_B)).unwrap();
    let sealed = hex.seal(&Password::new("same"), &at());
    assert_eq!(b64.open(&sealed, &at()).unwrap().expose(), "same");
}

#[test]
fn malformed_key_names_the_variable_and_the_format_but_not_the_value() {
    let bad = "my-very-secret-but-short-key";
    let err = Cipher::load(&env_key(bad)).err().unwrap();
    assert!(matches!(err, StoreError::Key { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("REDIS_ROTATOR_KEY"), "{text}");
    assert!(text.contains("base64") && text.contains("hex"), "{text}");
    assert!(!text.contains(bad), "{text}");
}

#[test]
fn wrong_key_is_refused_naming_the_database_and_never_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.json");
    let first = Store::open(&db, env_key(KEY_A));
    first.cipher().unwrap();
    // The first write after the key is known records the key check.
    first.update_doc(|_| ()).unwrap();
    assert!(first.load().unwrap().key_check.is_some());

    let other = Store::open(&db, env_key(KEY_B));
    let err = other.cipher().err().unwrap();
    assert!(matches!(err, StoreError::WrongKey { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains(&db.display().to_string()), "{text}");
    assert!(text.contains("REDIS_ROTATOR_KEY"), "{text}");
    assert!(!text.contains(KEY_B) && !text.contains(KEY_A), "{text}");
    assert!(!format!("{err:?}").contains(KEY_B));

    // The right key still opens it.
    Store::open(&db, env_key(KEY_A)).cipher().unwrap();
}

#[test]
fn damaged_sealed_value_is_reported_as_damaged_with_the_database_path() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("db.json"), env_key(KEY_A));
    let cipher = store.cipher().unwrap();
    let sealed = cipher.seal(&Password::new("secret"), &at());

    let mut flipped = sealed.0.clone().into_bytes();
    let last = flipped.len() - 3;
    flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
    let candidates = [
        Sealed(String::from_utf8(flipped).unwrap()),
        Sealed(sealed.0.replace("enc:v2:", "enc:v9:")),
        Sealed("enc:v2:not base64!".into()),
        Sealed("enc:v2:AAAA".into()),
        Sealed("plain text".into()),
    ];
    for bad in &candidates {
        assert!(matches!(
            cipher.open(bad, &at()),
            Err(StoreError::Damaged { .. })
        ));
    }
    // A value sealed under another key is damaged too (from this key's point of view).
    let other = Cipher::load(&env_key(KEY_B)).unwrap();
    assert!(matches!(
        cipher.open(&other.seal(&Password::new("x"), &at()), &at()),
        Err(StoreError::Damaged { .. })
    ));
}

#[test]
fn key_file_is_created_0600_on_first_use_and_reused_after() {
    let dir = tempfile::tempdir().unwrap();
    let key_path = dir.path().join("config").join("redis-rotator").join("key");
    let source = KeySource::File(key_path.clone());

    let first = Cipher::load(&source).unwrap();
    assert_eq!(mode(&key_path), 0o600);
    assert_eq!(mode(key_path.parent().unwrap()), 0o700);
    let contents = std::fs::read_to_string(&key_path).unwrap();

    let sealed = first.seal(&Password::new("kept"), &at());
    let second = Cipher::load(&source).unwrap();
    assert_eq!(second.open(&sealed, &at()).unwrap().expose(), "kept");
    assert_eq!(std::fs::read_to_string(&key_path).unwrap(), contents);
    assert!(source.describe().contains("key"));
}

#[test]
fn concurrent_first_uses_of_the_key_file_agree_on_one_key() {
    let dir = tempfile::tempdir().unwrap();
    let source = Arc::new(KeySource::File(dir.path().join("key")));
    let barrier = Arc::new(std::sync::Barrier::new(8));
    let ciphers: Vec<Cipher> = (0..8)
        .map(|_| {
            let (source, barrier) = (Arc::clone(&source), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                Cipher::load(&source).unwrap()
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().unwrap())
        .collect();
    let sealed = ciphers[0].seal(&Password::new("agree"), &at());
    for c in &ciphers {
        assert_eq!(c.open(&sealed, &at()).unwrap().expose(), "agree");
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "only the key file remains");
}

#[test]
fn describe_names_the_variable_or_the_file() {
    assert_eq!(env_key(KEY_A).describe(), "REDIS_ROTATOR_KEY");
    assert_eq!(
        KeySource::File("/etc/rr/key".into()).describe(),
        "/etc/rr/key"
    );
}

#[test]
fn a_connection_password_copied_into_a_secret_does_not_open_there() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("db.json"), env_key(KEY_A));
    let cipher = store.cipher().unwrap();
    let id = Uuid::new_v4();
    let admin = cipher.seal(
        &Password::new("admin-password"),
        &Binding::connection_password(id),
    );
    store
        .update_doc(move |doc| {
            doc.put_secret("dev", "/", "A", admin, Writer::default(), Utc::now());
        })
        .unwrap();
    let doc = store.load().unwrap();
    let moved = &doc
        .secret("dev", "/", "A")
        .unwrap()
        .current()
        .unwrap()
        .value;
    let err = cipher.open(moved, &at()).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains(&store.path().display().to_string()),
        "{message}"
    );
    assert!(message.contains("secret A in dev /"), "{message}");
    assert!(message.contains("moved"), "{message}");
    assert!(!message.contains("admin-password"), "{message}");
}

#[test]
fn a_schema_1_database_is_migrated_on_first_use_with_a_backup() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.json");
    let cipher = Cipher::load(&env_key(KEY_A)).unwrap();
    let legacy = |v: &str| cipher.seal_legacy_for_test(&Password::new(v));
    let connection = Uuid::new_v4();
    let v1 = serde_json::json!({
        "schemaVersion": 1,
        "keyCheck": legacy("redis-rotator-key-check"),
        "connections": [{
            "id": connection, "name": "c", "host": "127.0.0.1", "port": 6379,
            "username": "default", "password": legacy("admin"),
            "createdAt": Utc::now(), "updatedAt": Utc::now()
        }],
        "secrets": [{
            "environment": "dev", "secretPath": "/", "name": "A",
            "versions": [{ "version": 1, "value": legacy("v-one"), "createdAt": Utc::now() }]
        }],
        "nextEventSeq": 1
    });
    let original = serde_json::to_vec_pretty(&v1).unwrap();
    std::fs::write(&path, &original).unwrap();

    let store = Store::open(&path, env_key(KEY_A));
    let cipher = match store.cipher() {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    let backup = dir.path().join("db.json.schema1.bak");
    assert_eq!(std::fs::read(&backup).unwrap(), original);
    assert_eq!(mode(&backup), 0o600);
    let doc = store.load().unwrap();
    assert_eq!(doc.schema_version, redis_rotator::store::SCHEMA_VERSION);
    // Nothing unbound is left in any file of the migrated database.
    let mut text = std::fs::read_to_string(&path).unwrap();
    for part in std::fs::read_dir(dir.path().join("db.json.d")).unwrap() {
        text.push_str(&std::fs::read_to_string(part.unwrap().path()).unwrap());
    }
    assert!(!text.contains("enc:v1:"), "{text}");
    let value = &doc
        .secret("dev", "/", "A")
        .unwrap()
        .current()
        .unwrap()
        .value;
    assert_eq!(cipher.open(value, &at()).unwrap().expose(), "v-one");
    let admin = doc.connections[0].password.as_ref().unwrap();
    let bound = Binding::connection_password(connection);
    assert_eq!(cipher.open(admin, &bound).unwrap().expose(), "admin");
    // An unbound value pasted in after the migration is refused, not opened.
    assert!(cipher.open(&legacy("x"), &at()).is_err());
}
