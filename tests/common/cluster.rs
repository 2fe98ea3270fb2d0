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
