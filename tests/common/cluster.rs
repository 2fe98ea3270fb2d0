//! A Redis Cluster built from harness servers with `redis-cli --cluster create`.

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::Duration;

use super::server::Role;
use super::{
    ADMIN_PASSWORD, ADMIN_USER, Persist, RedisServer, free_port, redis_cli_bin, wait_until,
};

/// A free port whose cluster bus port (`port + 10000`) is free too.
pub(super) fn free_cluster_port() -> u16 {
    loop {
        let port = free_port();
        if port <= 55535 && TcpListener::bind(("127.0.0.1", port + 10000)).is_ok() {
            return port;
        }
    }
}

/// A Redis Cluster of `masters` primaries with `replicas_per_master` replicas each, every node
/// with aclfile users, returned once every node sees all the others and `cluster_state:ok`.
pub struct Cluster {
    pub nodes: Vec<RedisServer>,
}

impl Cluster {
    pub fn start(masters: usize, replicas_per_master: usize) -> Cluster {
        let total = masters * (1 + replicas_per_master);
        // Started one after another: each start owns its port before the next one picks.
        let nodes: Vec<RedisServer> = (0..total)
            .map(|_| RedisServer::launch_new(Persist::Aclfile, Role::ClusterNode, false))
            .collect();
        let mut cmd = Command::new(redis_cli_bin());
        cmd.args([
            "--user",
            ADMIN_USER,
            "--pass",
            ADMIN_PASSWORD,
            "--no-auth-warning",
        ]);
        cmd.arg("--cluster").arg("create");
        cmd.args(nodes.iter().map(RedisServer::addr));
        cmd.args([
            "--cluster-replicas",
            &replicas_per_master.to_string(),
            "--cluster-yes",
        ]);
        let out = cmd
            .stdin(Stdio::null())
            .output()
            .expect("run redis-cli --cluster create");
        let mut stdout = String::new();
        stdout.push_str(&String::from_utf8_lossy(&out.stdout));
        stdout.push_str(&String::from_utf8_lossy(&out.stderr));
        assert!(
            out.status.success() && stdout.contains("[OK] All 16384 slots covered"),
            "redis-cli --cluster create failed:\n{stdout}"
        );
        let cluster = Cluster { nodes };
        wait_until(
            Duration::from_secs(30),
            "cluster state ok on every node",
            || cluster.nodes.iter().all(|n| n.cluster_settled(total)),
        );
        cluster
    }

    /// Adds a new node as a replica of `nodes[master]` (`CLUSTER MEET`, then `CLUSTER
    /// REPLICATE`), returned once every node sees it and its link is up. Its aclfile holds only
    /// the harness admin: none of the users created on the other nodes.
    pub fn add_replica(&mut self, master: usize) -> &RedisServer {
        let node = RedisServer::launch_new(Persist::Aclfile, Role::ClusterNode, false);
        let seed = &self.nodes[0];
        let reply = node.cli(&["CLUSTER", "MEET", "127.0.0.1", &seed.port.to_string()]);
        assert_eq!(reply, "OK", "CLUSTER MEET: {reply}");
        let master_id = self.nodes[master].cli(&["CLUSTER", "MYID"]);
        let total = self.nodes.len() + 1;
        wait_until(
            Duration::from_secs(30),
            "the new node knows the master",
            || node.cli(&["CLUSTER", "NODES"]).contains(&master_id),
        );
        let reply = node.cli(&["CLUSTER", "REPLICATE", &master_id]);
        assert_eq!(reply, "OK", "CLUSTER REPLICATE: {reply}");
        self.nodes.push(node);
        wait_until(
            Duration::from_secs(30),
            "cluster state ok with the new replica",
            || self.nodes.iter().all(|n| n.cluster_settled(total)),
        );
        self.nodes.last().expect("just pushed")
    }

    pub fn addrs(&self) -> Vec<String> {
        self.nodes.iter().map(RedisServer::addr).collect()
    }
}

impl RedisServer {
    /// Sees `total` nodes, none in handshake, state ok; a replica also has its link up.
    fn cluster_settled(&self, total: usize) -> bool {
        if !self.cli(&["CLUSTER", "INFO"]).contains("cluster_state:ok") {
            return false;
        }
        let nodes = self.cli(&["CLUSTER", "NODES"]);
        let lines: Vec<&str> = nodes.lines().filter(|l| !l.trim().is_empty()).collect();
        if lines.len() != total
            || lines
                .iter()
                .any(|l| l.contains("handshake") || l.contains("noaddr"))
        {
            return false;
        }
        let me = lines
            .iter()
            .find(|l| l.contains("myself"))
            .copied()
            .unwrap_or("");
        !me.contains("slave")
            || self
                .cli(&["INFO", "replication"])
                .contains("master_link_status:up")
    }
}
