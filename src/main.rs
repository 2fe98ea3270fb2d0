//! Binary edge: parse arguments, install hooks, dispatch.

fn main() {
    // Panics and errors reported with their cause; the console adds its terminal restore on top.
    let _ = color_eyre::install();
    std::process::exit(redis_rotator::main());
}
