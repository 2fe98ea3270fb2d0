//! The benchmark suite: starts its own redis-server processes on loopback and prints markdown
//! tables for BENCHMARKS.md. Run `cargo bench --bench rotator` (all sections) or
//! `cargo bench --bench rotator -- store rotation fanout cli mass console reconcile tls mass-steps scale pg`.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "rotator/console_bench.rs"]
mod console_bench;
#[path = "rotator/engine_bench.rs"]
mod engine_bench;
#[path = "rotator/fixture.rs"]
mod fixture;
#[path = "rotator/pg_bench.rs"]
mod pg_bench;
#[path = "rotator/reconcile_bench.rs"]
mod reconcile_bench;
#[path = "rotator/rotation_bench.rs"]
mod rotation_bench;
#[path = "rotator/scale_bench.rs"]
mod scale_bench;
#[path = "rotator/stats.rs"]
mod stats;
#[path = "rotator/store_bench.rs"]
mod store_bench;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wants = |s: &str| args.is_empty() || args.iter().any(|a| a == s);
    println!(
        "redis-rotator benchmarks ({} build)",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    if wants("rotation") {
        rt.block_on(rotation_bench::one_node());
    }
    if wants("fanout") {
        rt.block_on(rotation_bench::fanout());
    }
    if wants("cli") {
        rt.block_on(rotation_bench::cli_vs_script());
    }
    if wants("mass") {
        rt.block_on(rotation_bench::mass_due());
    }
    if wants("store") {
        store_bench::run();
    }
    if wants("scale") {
        rt.block_on(scale_bench::run());
    }
    if wants("console") {
        console_bench::run();
    }
    if wants("reconcile") {
        rt.block_on(reconcile_bench::run());
    }
    if wants("tls") {
        rt.block_on(engine_bench::tls());
    }
    if wants("pg") {
        pg_bench::run(&rt);
    }
    if wants("mass-steps") {
        rt.block_on(engine_bench::mass_steps());
    }
}
