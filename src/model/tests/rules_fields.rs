//! The field rules of SPEC 2.1 and 2.2, one table each: valid values pass, invalid ones fail with
//! an error that names the field.

use serde_json::Number;

use crate::model::rules::{
    validate_environment, validate_host, validate_secret_name, validate_secret_path, validate_slug,
    validate_slug_up_to, whole_number,
};
use crate::model::rules_connection::validate_node;
use crate::model::validation::FieldError;

fn names_field(err: &FieldError, field: &str) {
    assert_eq!(err.field, field);
    assert!(err.to_string().starts_with(&format!("{field}: ")), "{err}");
}

#[test]
fn slug_is_1_to_64_lowercase_letters_digits_and_single_inner_hyphens() {
    let long = "a".repeat(64);
    for ok in ["a", "orders-cache", "a1-b2-c3", "0", long.as_str()] {
        assert_eq!(validate_slug("name", ok), Ok(()), "{ok}");
    }
    let too_long = "a".repeat(65);
    for bad in [
        "",
        "Orders",
        "orders_cache",
        "orders cache",
        "-orders",
        "orders-",
        "orders--cache",
        "ordérs",
        too_long.as_str(),
    ] {
        let err = validate_slug("name", bad).expect_err(bad);
        names_field(&err, "name");
        assert!(err.message.contains("`orders-cache`"), "{err}");
    }
    let err = validate_slug("name", "Orders").expect_err("upper case");
    assert!(err.message.contains("lower case"), "{err}");
}

#[test]
fn username_prefix_slug_stops_at_its_own_maximum() {
    assert!(validate_slug_up_to("parameters.usernamePrefix", &"a".repeat(60), 60, "x").is_ok());
    let err = validate_slug_up_to("parameters.usernamePrefix", &"a".repeat(61), 60, "x")
        .expect_err("61 characters");
    names_field(&err, "parameters.usernamePrefix");
    assert!(err.message.contains("1–60"), "{err}");
}

#[test]
fn environment_is_a_slug_of_at_most_64_characters() {
    for ok in ["dev", "staging", "prod", "eu-west-1"] {
        assert_eq!(validate_environment(ok), Ok(()));
    }
    for bad in ["", "Prod", "dev|staging|prod", &"e".repeat(65)] {
        names_field(&validate_environment(bad).expect_err(bad), "environment");
    }
}

#[test]
fn secret_path_starts_with_a_slash_and_is_normalised() {
    for (given, stored) in [
        ("/", "/"),
        ("/apps", "/apps"),
        ("/apps/", "/apps"),
        ("/apps/orders-v2/A_b.c", "/apps/orders-v2/A_b.c"),
        ("/..a/b..", "/..a/b.."),
    ] {
        assert_eq!(
            validate_secret_path(given).as_deref(),
            Ok(stored),
            "{given}"
        );
    }
    for bad in [
        "",
        "apps",
        "//",
        "/apps//orders",
        "/apps/../x",
        "/..",
        "/./x",
        "/apps orders",
        "/apps/é",
        "/apps//",
    ] {
        let err = validate_secret_path(bad).expect_err(bad);
        names_field(&err, "secretPath");
        assert!(err.message.contains("`/apps/orders`"), "{err}");
    }
}

#[test]
fn secret_name_is_1_to_256_of_letters_digits_underscore_dot_hyphen() {
    let longest = "A".repeat(256);
    for ok in ["REDIS_PASSWORD", "a", "x.y-z_0", longest.as_str()] {
        assert_eq!(validate_secret_name("secretsMapping.password", ok), Ok(()));
    }
    let too_long = "A".repeat(257);
    for bad in [
        "",
        "REDIS PASSWORD",
        "REDIS/PASSWORD",
        "PASSWÖRD",
        "A=B",
        too_long.as_str(),
    ] {
        let err = validate_secret_name("secretsMapping.password", bad).expect_err(bad);
        names_field(&err, "secretsMapping.password");
    }
}

#[test]
fn host_is_a_hostname_ipv4_or_ipv6_literal_without_scheme_or_spaces() {
    for ok in [
        "localhost",
        "redis.internal",
        "redis-1.eu-west-1.cache.amazonaws.com",
        "myproject_redis_1",
        "10.0.0.5",
        "::1",
        "fe80::1:2",
        "2001:db8::8a2e:370:7334",
    ] {
        assert_eq!(validate_host(ok), Ok(()), "{ok}");
    }
    for (bad, hint) in [
        ("", "required"),
        ("redis://redis.internal", "scheme `redis://`"),
        ("rediss://10.0.0.5:6380", "scheme"),
        ("redis internal", "space"),
        ("redis.internal:6379", "port"),
        ("[::1]", "without brackets"),
        ("10.0.0.256", "IPv4"),
        ("::g", "IPv6"),
        ("-redis.internal", "`-`"),
        ("redis..internal", "empty part"),
        ("redis.internal/x", "`/`"),
    ] {
        let err = validate_host(bad).expect_err(bad);
        names_field(&err, "host");
        assert!(err.message.contains(hint), "{bad}: {err}");
    }
}

#[test]
fn node_is_host_colon_port_with_ipv6_in_brackets() {
    for (given, normalised) in [
        ("10.0.0.5:6379", "10.0.0.5:6379"),
        ("redis-1.internal:7000", "redis-1.internal:7000"),
        ("[::1]:6380", "[::1]:6380"),
        ("redis:06379", "redis:6379"),
    ] {
        assert_eq!(validate_node("nodes[0]", given).as_deref(), Ok(normalised));
    }
    for bad in [
        "redis.internal",
        "::1:6379",
        "[::1]",
        "[nope]:6379",
        "redis:0",
        "redis:65536",
        "redis:+80",
        "redis:",
        ":6379",
        "redis://x:6379",
    ] {
        names_field(&validate_node("nodes[3]", bad).expect_err(bad), "nodes[3]");
    }
}

#[test]
fn whole_number_rejects_fractions_negatives_and_out_of_range_naming_the_range() {
    let n = |v: serde_json::Value| -> Number { serde_json::from_value(v).expect("number") };
    assert_eq!(whole_number("port", &n(6379.into()), 1, 65535), Ok(6379));
    assert_eq!(whole_number("port", &n(1.into()), 1, 65535), Ok(1));
    assert_eq!(whole_number("port", &n(65535.into()), 1, 65535), Ok(65535));
    assert_eq!(
        whole_number("port", &n(serde_json::json!(6380.0)), 1, 65535),
        Ok(6380),
        "a float with no fraction is whole"
    );
    for bad in [
        serde_json::json!(6379.5),
        serde_json::json!(0),
        serde_json::json!(-1),
        serde_json::json!(65536),
        serde_json::json!(1e20),
        serde_json::json!(u64::MAX),
        serde_json::json!(-0.5),
    ] {
        let err = whole_number("port", &n(bad.clone()), 1, 65535).expect_err("out of range");
        names_field(&err, "port");
        assert_eq!(
            err.message,
            format!("must be a whole number 1–65535, got {bad}"),
            "never truncated"
        );
    }
}
