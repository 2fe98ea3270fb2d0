//! Median and p99 of repeated measurements, printed as table rows.

use std::time::Duration;

pub struct Summary {
    pub median: Duration,
    pub p99: Duration,
    pub runs: usize,
}

pub fn summarize(mut samples: Vec<Duration>) -> Summary {
    samples.sort();
    let n = samples.len().max(1);
    let at = |q: f64| {
        samples
            .get(
                ((n as f64 * q).ceil() as usize)
                    .saturating_sub(1)
                    .min(n - 1),
            )
            .copied()
            .unwrap_or_default()
    };
    Summary {
        median: at(0.5),
        p99: at(0.99),
        runs: samples.len(),
    }
}

pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// One markdown table row.
pub fn row(name: &str, s: &Summary, target: &str) {
    println!(
        "| {name} | {} | {} | {} | {target} |",
        ms(s.median),
        ms(s.p99),
        s.runs
    );
}
