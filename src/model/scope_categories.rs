//! The ACL categories a scope may name (`+@read`, `-@dangerous`): those of Redis 6.2–8 and
//! Valkey, including the module categories Redis 8 adds. A name outside the catalog is refused
//! before it reaches a server ("did you mean `+@all`?"), since the server would refuse the
//! whole `ACL SETUSER`.

/// Every category `ACL CAT` lists on the servers we support.
pub(crate) const CATEGORIES: &[&str] = &[
    "all",
    "keyspace",
    "read",
    "write",
    "set",
    "sortedset",
    "list",
    "hash",
    "string",
    "bitmap",
    "hyperloglog",
    "geo",
    "stream",
    "pubsub",
    "admin",
    "fast",
    "slow",
    "blocking",
    "dangerous",
    "connection",
    "transaction",
    "scripting",
    // Redis 8's bundled modules.
    "search",
    "json",
    "timeseries",
    "bloom",
    "cuckoo",
    "cms",
    "topk",
    "tdigest",
];

/// `Ok` for a known category (lower case, without `@`); otherwise why, with the closest one.
pub(crate) fn check(sign: char, category: &str) -> Result<(), String> {
    if CATEGORIES.contains(&category) {
        return Ok(());
    }
    let hint = match super::suggest::closest(category, CATEGORIES) {
        Some(near) => format!(": did you mean `{sign}@{near}`?"),
        None => format!(
            "; the categories are {}",
            CATEGORIES
                .iter()
                .take(22)
                .map(|c| format!("@{c}"))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    };
    Err(format!(
        "not an ACL category (the server would refuse the whole rule){hint}"
    ))
}
