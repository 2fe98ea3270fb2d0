//! Proving a credential on a node: a real authentication as the user, then `ACL WHOAMI`.
//! `Verifiers` keeps, per node, connections used for nothing but this, so a rotation proves its
//! new password with one `AUTH` instead of a new TCP (and TLS) connection. A kept connection
//! rests authenticated as the admin user between verifications, so it never counts as a live
//! session of a rotation's user (`CLIENT LIST user=`).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use redis::Value;
use uuid::Uuid;

use crate::model::Password;

use super::acl::text;
use super::error::{from_command, timeout};
use super::{ConnectParams, Node, NodeAddr, RedisError};

/// How long an idle kept connection is trusted: past this a firewall or the server's `timeout`
/// may have dropped it silently, so it is closed and a fresh login proves the next credential.
const IDLE_TTL: Duration = Duration::from_secs(60);

/// Idle kept connections per node (one per verification running at once, up to this many):
/// as many as the scheduler runs rotations at once by default, so a pass of due rotations on
/// one node proves every credential on a kept connection instead of opening 48 of 64 afresh.
const MAX_IDLE: usize = 64;

/// The user a kept connection rests as: the admin user of the connection it belongs to.
pub struct RestAs {
    pub username: String,
    pub password: Option<Password>,
}

struct Idle {
    node: Node,
    since: Instant,
}

/// A node's idle kept connections and the stamp of the stored connection they were made under.
type Kept = (i64, Vec<Idle>);

/// Kept verification connections, by (group, node). A group is one stored connection; its
/// `stamp` changes whenever the stored connection does (another admin, TLS settings…), which
/// retires every connection kept under the old stamp.
#[derive(Default)]
pub struct Verifiers {
    idle: Mutex<HashMap<(Uuid, NodeAddr), Kept>>,
    opened: AtomicU64,
}

impl Verifiers {
    /// Proves `params.username`/`params.password` on `params.addr`: `AUTH` on a kept connection
    /// when there is one (a kept connection that turns out to be dead before `AUTH` answers is
    /// replaced by a fresh login), else a fresh login. Then `ACL WHOAMI` must name the user (a
    /// scope without `acl|whoami` answers NOPERM, which still proves it: `AUTH` named the user
    /// and succeeded). A failed `AUTH` is a failure even though the kept connection stays
    /// authenticated as before.
    pub async fn verify(
        &self,
        group: Uuid,
        stamp: i64,
        params: &ConnectParams,
        rest: &RestAs,
    ) -> Result<(), RedisError> {
        let password = params.password.clone().unwrap_or_else(|| Password::new(""));
        if let Some(kept) = self.take(group, stamp, &params.addr) {
            match prove_on_kept(&kept, &params.username, &password, rest).await {
                Proof::Judged { verdict, rests } => {
                    // A refused AUTH changes nothing on the connection: it still rests as admin.
                    self.put_back(group, stamp, rests.then_some(kept));
                    return verdict;
                }
                Proof::Dead => {}
            }
        }
        self.opened.fetch_add(1, Ordering::Relaxed);
        let fresh = Node::connect(params).await?;
        let (result, back) = whoami_then_rest(fresh, &params.username, rest).await;
        self.put_back(group, stamp, back);
        result
    }

    /// Closes every kept connection of `group`.
    pub fn forget(&self, group: Uuid) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.retain(|(g, _), _| *g != group);
        }
    }

    /// How many connections verification has opened so far (kept ones are reused).
    pub fn opened(&self) -> u64 {
        self.opened.load(Ordering::Relaxed)
    }

    /// An idle kept connection of `group` to `addr`, taken out of the pool (it rests as the
    /// admin user); `put_back` returns it.
    pub(crate) fn take(&self, group: Uuid, stamp: i64, addr: &NodeAddr) -> Option<Node> {
        let mut idle = self.idle.lock().ok()?;
        let (at, list) = idle.get_mut(&(group, addr.clone()))?;
        if *at != stamp {
            list.clear();
            return None;
        }
        while let Some(entry) = list.pop() {
            if entry.since.elapsed() < IDLE_TTL {
                return Some(entry.node);
            }
        }
        None
    }

    /// Keeps `node` (which must rest as the admin user) for the next verification on its node.
    pub(crate) fn put_back(&self, group: Uuid, stamp: i64, node: Option<Node>) {
        let Some(node) = node else { return };
        let Ok(mut idle) = self.idle.lock() else {
            return;
        };
        let (at, list) = idle
            .entry((group, node.addr.clone()))
            .or_insert_with(|| (stamp, Vec::new()));
        if *at != stamp {
            *at = stamp;
            list.clear();
        }
        list.retain(|e| e.since.elapsed() < IDLE_TTL);
        if list.len() < MAX_IDLE {
            list.push(Idle {
                node,
                since: Instant::now(),
            });
        }
    }
}

/// A job's whole change on one node, queued on one kept connection that rests as the admin
/// user: the ACL change, its persistence when given, then the proof of the new credential
/// (`AUTH <user>`, `ACL WHOAMI`, `AUTH` back to the admin user). One round trip instead of
/// three (change, persist ∥ verify). Each command has its own reply (not a pipeline), and the
/// server runs one connection's commands in order, so the proof is a real authentication after
/// the change and the save covers it.
pub(crate) struct Change<'a> {
    /// `ACL SETUSER …`.
    pub command: redis::Cmd,
    /// `ACL SAVE` or `CONFIG REWRITE` with its name, when this job saves the node itself.
    pub persist: Option<(&'static str, redis::Cmd)>,
    pub username: &'a str,
    pub password: &'a Password,
}

/// What the node answered to a `Change`. A reply that never came is an error here like a
/// refusal (`RedisError::was_refused` tells them apart): the caller compensates either way.
pub(crate) struct Changed {
    pub applied: Result<(), RedisError>,
    /// `None` when the change carried no persistence.
    pub persisted: Option<Result<(), RedisError>>,
    pub verified: Result<(), RedisError>,
    /// Every command was answered and the connection rests as the admin user again: safe to
    /// keep.
    pub rests: bool,
}

/// Sends `change` on `kept` (see `Change`).
pub(crate) async fn change_and_prove(kept: &Node, change: Change<'_>, rest: &RestAs) -> Changed {
    let addr = kept.addr.to_string();
    let limit = kept.command_timeout();
    let mut auth = redis::cmd("AUTH");
    auth.arg(change.username).arg(change.password.expose());
    let mut whoami = redis::cmd("ACL");
    whoami.arg("WHOAMI");
    let persist_name = change.persist.as_ref().map(|(name, _)| *name);
    let mut commands = Vec::with_capacity(5);
    commands.push(change.command);
    commands.extend(change.persist.map(|(_, cmd)| cmd));
    commands.extend([auth, whoami, rest_command(rest)]);
    // Polled in order, so queued in order on the multiplexed connection.
    let sent = futures::future::join_all(commands.iter().map(|cmd| {
        let mut conn = kept.connection();
        async move {
            match cmd.query_async::<Value>(&mut conn).await {
                Ok(Value::ServerError(e)) => Err(redis::RedisError::from(e)),
                other => other,
            }
        }
    }));
    // Each command has the connection's response timeout; this is a belt.
    let replies = match tokio::time::timeout(limit * 2, sent).await {
        Ok(replies) => replies,
        Err(_) => {
            let lost = || Err(timeout(&addr, "ACL SETUSER", limit));
            return Changed {
                applied: lost(),
                persisted: persist_name.map(|_| lost()),
                verified: lost(),
                rests: false,
            };
        }
    };
    // A reply lost on the way leaves the connection out of step: never kept then.
    let all_answered = replies
        .iter()
        .all(|r| r.as_ref().map_or_else(|e| e.code().is_some(), |_| true));
    let mut replies = replies.into_iter();
    let mut next = || {
        replies
            .next()
            .unwrap_or_else(|| Err(std::io::Error::other("no reply").into()))
    };
    let answered = |name: &str, reply: redis::RedisResult<Value>| {
        reply.map(drop).map_err(|e| {
            from_command(&addr, &kept.username, name, limit, e).redacted(change.password.expose())
        })
    };
    let applied = answered("ACL SETUSER", next());
    let persisted = persist_name.map(|name| answered(name, next()));
    let (authed, who, back) = (next(), next(), next());
    let rests = matches!(back, Ok(Value::Okay))
        || back.ok().as_ref().and_then(text).as_deref() == Some("OK");
    let verified = match authed {
        Ok(_) => whoami_verdict(&addr, change.username, limit, who),
        Err(e) => Err(refused(kept, change.username, change.password, e)),
    };
    Changed {
        rests: rests && all_answered,
        applied,
        persisted,
        verified,
    }
}

/// What a kept connection said about a credential.
enum Proof {
    /// `AUTH` was answered: accepted (then `ACL WHOAMI` decides) or refused. `rests`: the
    /// connection answered the `AUTH` back to the admin user, so it is safe to keep.
    Judged {
        verdict: Result<(), RedisError>,
        rests: bool,
    },
    /// No answer to `AUTH` (the connection was closed or timed out): the credential is not
    /// judged.
    Dead,
}

/// `AUTH <user> <password>`, `ACL WHOAMI` and `AUTH` back to the admin user on a kept
/// connection, in one round trip, each with its own reply (not a pipeline, whose replies are
/// all lost when the connection dies after the first): so a connection that dies after `AUTH`
/// answered still fails the verification, and only one dead before it is replaced. The three
/// are queued in this order (`join3` polls in order) and the server runs one connection's
/// commands in order, so `ACL WHOAMI` runs as whoever `AUTH` made the connection.
async fn prove_on_kept(kept: &Node, username: &str, password: &Password, rest: &RestAs) -> Proof {
    let addr = kept.addr.to_string();
    let mut auth = redis::cmd("AUTH");
    auth.arg(username).arg(password.expose());
    let mut whoami = redis::cmd("ACL");
    whoami.arg("WHOAMI");
    let back = rest_command(rest);
    let (mut a, mut w, mut b) = (kept.connection(), kept.connection(), kept.connection());
    let all = futures::future::join3(
        auth.query_async::<Value>(&mut a),
        whoami.query_async::<Value>(&mut w),
        back.query_async::<Value>(&mut b),
    );
    let limit = kept.command_timeout();
    let Ok((authed, who, back)) = tokio::time::timeout(limit, all).await else {
        return Proof::Dead;
    };
    let rests = matches!(back, Ok(Value::Okay))
        || back.ok().as_ref().and_then(text).as_deref() == Some("OK");
    let verdict = match authed {
        Ok(Value::ServerError(e)) => Err(refused(
            kept,
            username,
            password,
            redis::RedisError::from(e),
        )),
        Ok(_) => whoami_verdict(&addr, username, limit, who),
        Err(e) if e.code().is_some() => Err(refused(kept, username, password, e)),
        Err(_) => return Proof::Dead,
    };
    Proof::Judged { verdict, rests }
}

/// `AUTH <admin> <password>`: where a kept connection rests between verifications.
fn rest_command(rest: &RestAs) -> redis::Cmd {
    let mut back = redis::cmd("AUTH");
    back.arg(&rest.username)
        .arg(rest.password.as_ref().map_or("", |p| p.expose()));
    back
}

/// `ACL WHOAMI` must name the user; NOPERM (a scope without `acl|whoami`) still proves it,
/// since `AUTH` named the user and succeeded.
fn whoami_verdict(
    addr: &str,
    username: &str,
    limit: std::time::Duration,
    reply: redis::RedisResult<Value>,
) -> Result<(), RedisError> {
    let reply = match reply {
        Ok(v) => v,
        Err(e) if e.code() == Some("NOPERM") => return Ok(()),
        Err(e) => return Err(from_command(addr, username, "ACL WHOAMI", limit, e)),
    };
    match reply {
        Value::ServerError(e) if e.code() == "NOPERM" => Ok(()),
        Value::ServerError(e) => Err(RedisError::Command {
            addr: addr.to_string(),
            command: "ACL WHOAMI".into(),
            message: e.to_string(),
        }),
        v => match text(&v) {
            Some(who) if who == username => Ok(()),
            who => Err(RedisError::Command {
                addr: addr.to_string(),
                command: "ACL WHOAMI".into(),
                message: format!(
                    "authenticated as `{}` instead of `{username}`",
                    who.unwrap_or_default()
                ),
            }),
        },
    }
}

fn refused(kept: &Node, username: &str, password: &Password, e: redis::RedisError) -> RedisError {
    let addr = kept.addr.to_string();
    if matches!(e.code(), Some("WRONGPASS")) {
        return RedisError::WrongPassword {
            addr,
            user: username.to_string(),
        };
    }
    from_command(&addr, username, "AUTH", kept.command_timeout(), e).redacted(password.expose())
}

/// `ACL WHOAMI`, then `AUTH` back to the admin user, in one round trip. Returns the verdict and
/// the connection when it is safe to keep (it answered both and rests as the admin user).
async fn whoami_then_rest(
    node: Node,
    username: &str,
    rest: &RestAs,
) -> (Result<(), RedisError>, Option<Node>) {
    let addr = node.addr.to_string();
    let mut whoami = redis::cmd("ACL");
    whoami.arg("WHOAMI");
    let mut pipe = redis::pipe();
    pipe.add_command(whoami)
        .add_command(rest_command(rest))
        .ignore_errors();
    let mut conn = node.connection();
    let limit = node.command_timeout();
    let replies = match tokio::time::timeout(limit, pipe.query_async::<Vec<Value>>(&mut conn)).await
    {
        Ok(Ok(replies)) => replies,
        Ok(Err(e)) => {
            return (
                Err(from_command(&addr, username, "ACL WHOAMI", limit, e)),
                None,
            );
        }
        Err(_) => return (Err(timeout(&addr, "ACL WHOAMI", limit)), None),
    };
    let verdict = match replies.first() {
        Some(v) => whoami_verdict(&addr, username, limit, Ok(v.clone())),
        None => Err(RedisError::Command {
            addr: addr.clone(),
            command: "ACL WHOAMI".into(),
            message: "no reply".into(),
        }),
    };
    let rests = matches!(replies.get(1), Some(Value::Okay))
        || replies.get(1).and_then(text).as_deref() == Some("OK");
    (verdict, rests.then_some(node))
}
