//! SPEC 2.1: a connection form, every field's rule, every failure reported together.

use serde_json::{Value, json};

use super::fixtures::{connection, error_for, fields};
use crate::model::connection::{Connection, TopologyKind};
use crate::model::request::ConnectionRequest;
use crate::model::rules::validate_connection;
use crate::model::validation::{ConnectionSpec, ValidationErrors};

const PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

fn form(value: Value) -> ConnectionRequest {
    serde_json::from_value(value).expect("a connection form")
}

/// `{"name": "cache", "host": "redis.internal"}` plus `extra`.
fn check_with(extra: Value, existing: &[Connection]) -> Result<ConnectionSpec, ValidationErrors> {
    let mut doc = json!({ "name": "cache", "host": "redis.internal" });
    for (k, v) in extra.as_object().expect("an object") {
        doc[k] = v.clone();
    }
    validate_connection(&form(doc), existing, None)
}

fn check(extra: Value) -> Result<ConnectionSpec, ValidationErrors> {
    check_with(extra, &[])
}

#[test]
fn smallest_form_takes_the_documented_defaults() {
    let spec = check(json!({})).expect("valid");
    assert_eq!(spec.name, "cache");
    assert_eq!(spec.description, None);
    assert_eq!(spec.host, "redis.internal");
    assert_eq!(spec.port, 6379);
    assert_eq!(spec.username, "default");
    assert!(!spec.tls.enabled);
    assert!(spec.tls.reject_unauthorized);
    assert_eq!(spec.tls.ca_certificate, None);
    assert_eq!(spec.topology, TopologyKind::Standalone);
    assert!(spec.nodes.is_empty());
}

#[test]
fn name_is_a_required_slug() {
    error_for(&check(json!({ "name": null })), "name");
    let err = error_for(&check(json!({ "name": "Prod Cache" })), "name");
    assert!(err.message.contains("`orders-cache`"), "{err}");
}

#[test]
fn name_is_unique_except_for_the_connection_being_edited() {
    let existing = vec![connection("cache")];
    let err = error_for(&check_with(json!({}), &existing), "name");
    assert!(err.message.contains("already exists"), "{err}");
    let req = form(json!({ "name": "cache", "host": "redis.internal" }));
    assert!(validate_connection(&req, &existing, Some(existing[0].id)).is_ok());
}

#[test]
fn description_is_at_most_256_characters() {
    let spec = check(json!({ "description": "é".repeat(256) })).expect("256 characters");
    assert_eq!(spec.description.map(|d| d.chars().count()), Some(256));
    assert_eq!(
        check(json!({ "description": "  " }))
            .expect("blank")
            .description,
        None
    );
    error_for(
        &check(json!({ "description": "d".repeat(257) })),
        "description",
    );
}

#[test]
fn host_is_required_and_has_no_scheme() {
    error_for(&check(json!({ "host": null })), "host");
    error_for(&check(json!({ "host": "redis://redis.internal" })), "host");
    assert_eq!(check(json!({ "host": "::1" })).expect("IPv6").host, "::1");
}

#[test]
fn port_is_a_whole_number_from_1_to_65535() {
    assert_eq!(check(json!({ "port": 6380 })).expect("valid").port, 6380);
    for bad in [json!(6379.5), json!(0), json!(65536), json!(-6379)] {
        let err = error_for(&check(json!({ "port": bad })), "port");
        assert!(err.message.contains("1–65535"), "{err}");
    }
    let err = error_for(&check(json!({ "port": 6379.5 })), "port");
    assert!(err.message.contains("6379.5"), "never truncated: {err}");
}

#[test]
fn username_defaults_to_default_and_has_no_spaces() {
    assert_eq!(
        check(json!({ "username": "admin" }))
            .expect("valid")
            .username,
        "admin"
    );
    for bad in ["", "my admin", "admin\n"] {
        error_for(&check(json!({ "username": bad })), "username");
    }
}

#[test]
fn tls_settings_are_taken_as_given() {
    let spec = check(json!({ "tlsEnabled": true, "rejectUnauthorized": false })).expect("valid");
    assert!(spec.tls.enabled);
    assert!(!spec.tls.reject_unauthorized);
}

#[test]
fn ca_certificate_is_pem_text_or_a_path() {
    let spec = check(json!({ "caCertificate": PEM })).expect("PEM");
    assert_eq!(spec.tls.ca_certificate.as_deref(), Some(PEM));
    let spec = check(json!({ "caCertificate": "/etc/redis/ca.pem" })).expect("path");
    assert_eq!(
        spec.tls.ca_certificate.as_deref(),
        Some("/etc/redis/ca.pem")
    );
    assert_eq!(
        check(json!({ "caCertificate": "" }))
            .expect("blank")
            .tls
            .ca_certificate,
        None
    );
    error_for(
        &check(json!({ "caCertificate": "not\na path" })),
        "caCertificate",
    );
}

#[test]
fn ca_certificate_that_is_a_private_key_is_refused_without_echoing_it() {
    let key = "-----BEGIN PRIVATE KEY-----\nSECRETKEYMATERIAL\n-----END PRIVATE KEY-----";
    let result = check(json!({ "caCertificate": key }));
    error_for(&result, "caCertificate");
    assert!(!format!("{:?}", result).contains("SECRETKEYMATERIAL"));
}

#[test]
fn topology_is_one_of_five_and_lists_them_when_wrong() {
    for (given, kind) in [
        ("standalone", TopologyKind::Standalone),
        ("replication", TopologyKind::Replication),
        ("Cluster", TopologyKind::Cluster),
    ] {
        assert_eq!(
            check(json!({ "topology": given })).expect(given).topology,
            kind
        );
    }
    let err = error_for(&check(json!({ "topology": "ring" })), "topology");
    assert!(
        err.message
            .contains("standalone, replication, cluster, nodes, sentinel"),
        "{err}"
    );
}

#[test]
fn nodes_are_required_for_the_nodes_topology() {
    let spec = check(json!({ "topology": "nodes", "nodes": ["10.0.0.5:6379", "[::1]:6380"] }))
        .expect("valid");
    assert_eq!(spec.topology, TopologyKind::Nodes);
    assert_eq!(spec.nodes, vec!["10.0.0.5:6379", "[::1]:6380"]);
    error_for(&check(json!({ "topology": "nodes" })), "nodes");
    error_for(&check(json!({ "topology": "nodes", "nodes": [] })), "nodes");
}

#[test]
fn sentinel_takes_the_sentinels_as_nodes_and_requires_a_master_name() {
    let spec = check(json!({
        "topology": "sentinel",
        "nodes": ["10.0.0.5:26379", "10.0.0.6:26379"],
        "masterName": "mymaster"
    }))
    .expect("valid");
    assert_eq!(spec.topology, TopologyKind::Sentinel);
    assert_eq!(spec.nodes, vec!["10.0.0.5:26379", "10.0.0.6:26379"]);
    assert_eq!(spec.master_name.as_deref(), Some("mymaster"));
    let no_name = check(json!({ "topology": "sentinel", "nodes": ["10.0.0.5:26379"] }));
    assert!(
        error_for(&no_name, "masterName")
            .message
            .contains("required when topology is `sentinel`")
    );
    let no_sentinel = check(json!({ "topology": "sentinel", "masterName": "m" }));
    assert!(
        error_for(&no_sentinel, "nodes")
            .message
            .contains("list the Sentinels")
    );
    let stray = check(json!({ "masterName": "m" }));
    assert!(
        error_for(&stray, "masterName")
            .message
            .contains("only used when topology is `sentinel`")
    );
    let spaced =
        check(json!({ "topology": "sentinel", "nodes": ["h:1"], "masterName": "my master" }));
    error_for(&spaced, "masterName");
}

#[test]
fn a_sentinel_username_is_one_word_and_only_for_sentinel() {
    let base = json!({
        "topology": "sentinel",
        "nodes": ["10.0.0.5:26379"],
        "masterName": "mymaster",
        "sentinelUsername": "watcher"
    });
    let spec = check(base.clone()).expect("valid");
    assert_eq!(spec.sentinel_username.as_deref(), Some("watcher"));
    let mut spaced = base.clone();
    spaced["sentinelUsername"] = json!("watch er");
    error_for(&check(spaced), "sentinelUsername");
    let stray = check(json!({ "sentinelUsername": "watcher" }));
    assert!(
        error_for(&stray, "sentinelUsername")
            .message
            .contains("only used when topology is `sentinel`")
    );
}

#[test]
fn each_node_is_checked_and_named_by_its_index() {
    let result = check(json!({
        "topology": "nodes",
        "nodes": ["10.0.0.5:6379", "10.0.0.6", "10.0.0.5:6379", "::1:6379"]
    }));
    assert_eq!(fields(&result), vec!["nodes[1]", "nodes[2]", "nodes[3]"]);
    assert!(error_for(&result, "nodes[2]").message.contains("twice"));
}

#[test]
fn nodes_are_refused_for_any_other_topology() {
    let err = error_for(&check(json!({ "nodes": ["10.0.0.5:6379"] })), "nodes");
    assert!(
        err.message
            .contains("only used when topology is `nodes` or `sentinel`"),
        "{err}"
    );
    // An unknown topology is reported once, not again through the nodes.
    let result = check(json!({ "topology": "ring", "nodes": ["10.0.0.5:6379"] }));
    assert_eq!(fields(&result), vec!["topology"]);
}

#[test]
fn every_failing_field_is_reported_at_once() {
    let req = form(json!({
        "name": "Bad Name",
        "host": "redis://x",
        "port": 6379.5,
        "username": "a b",
        "topology": "nodes"
    }));
    let result = validate_connection(&req, &[], None);
    assert_eq!(
        fields(&result),
        vec!["name", "host", "port", "username", "nodes"]
    );
}
