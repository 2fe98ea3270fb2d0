//! Resolving a rotation reference: an id, or a name narrowed by environment and path; several
//! matches are reported, never one picked.

use uuid::Uuid;

use super::fixtures;
use crate::model::Rotation;
use crate::model::reference::{Resolution, RotationRef};

fn at(name: &str, env: &str, path: &str) -> Rotation {
    let conn = fixtures::connection("main");
    let mut r = fixtures::rotation(name, &conn);
    r.environment = env.into();
    r.secret_path = path.into();
    r
}

fn ids(res: Resolution<'_>) -> Vec<Uuid> {
    match res {
        Resolution::One(r) => vec![r.id],
        Resolution::None => vec![],
        Resolution::Several(v) => v.iter().map(|r| r.id).collect(),
    }
}

#[test]
fn a_name_in_two_environments_is_ambiguous_and_lists_both() {
    let all = [
        at("dup", "dev", "/"),
        at("dup", "prod", "/"),
        at("other", "dev", "/"),
    ];
    match RotationRef::from("dup").resolve(&all) {
        Resolution::Several(v) => {
            assert_eq!(
                v.iter().map(|r| r.id).collect::<Vec<_>>(),
                [all[0].id, all[1].id]
            )
        }
        other => panic!("expected several, got {other:?}"),
    }
}

#[test]
fn environment_or_path_narrows_a_name_to_one() {
    let all = [
        at("dup", "dev", "/a"),
        at("dup", "prod", "/a"),
        at("dup", "prod", "/b"),
    ];
    let r = |env: Option<&str>, path: Option<&str>| {
        ids(RotationRef::from("dup")
            .in_env(env.map(String::from))
            .at_path(path.map(String::from))
            .resolve(&all))
    };
    assert_eq!(r(Some("dev"), None), [all[0].id]);
    assert_eq!(r(Some("prod"), None), [all[1].id, all[2].id]);
    assert_eq!(r(Some("prod"), Some("/b/")), [all[2].id]);
    assert_eq!(r(None, Some("/a")), [all[0].id, all[1].id]);
    assert_eq!(r(Some("staging"), None), Vec::<Uuid>::new());
}

#[test]
fn an_id_resolves_to_its_rotation_even_when_a_name_looks_like_it() {
    let target = at("dup", "dev", "/");
    let tricky = at(&target.id.to_string(), "prod", "/");
    let all = [tricky.clone(), at("dup", "prod", "/"), target.clone()];
    assert_eq!(ids(RotationRef::from(target.id).resolve(&all)), [target.id]);
    assert_eq!(
        ids(RotationRef::from(target.id.simple().to_string()).resolve(&all)),
        [target.id]
    );
    // An id outside the narrowing is not silently accepted.
    assert_eq!(
        ids(RotationRef::from(target.id)
            .in_env(Some("prod".into()))
            .resolve(&all)),
        Vec::<Uuid>::new()
    );
}

#[test]
fn a_unique_name_resolves_and_a_missing_one_does_not() {
    let all = [at("orders", "dev", "/"), at("cache", "prod", "/")];
    assert_eq!(ids(RotationRef::from("cache").resolve(&all)), [all[1].id]);
    assert_eq!(RotationRef::from("missing").resolve(&all), Resolution::None);
}

#[test]
fn display_names_the_narrowing() {
    let r = RotationRef::from("dup")
        .in_env(Some("prod".into()))
        .at_path(Some("/x".into()));
    assert_eq!(r.to_string(), "`dup` in prod at /x");
}
