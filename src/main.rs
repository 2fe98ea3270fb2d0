//! Binary edge: parse arguments, install hooks, dispatch.

fn main() {
    std::process::exit(redis_rotator::cli::main());
}
