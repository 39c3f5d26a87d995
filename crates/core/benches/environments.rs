//! Loading a configuration and ordering its environments upstream-first, for 10,000 and
//! 20,000 environments, in one run: the ratio of the two times shows how the work grows (about
//! 2 for linear growth; the quadratic and cubic searches this replaced gave 4 and 8).
//!
//! The environments form a chain written downstream-first (`env-9999` after `env-9998`, ...,
//! then `env-0`), the order that made the old search scan the whole list for every placement.
//! Best of 3 each, alternating.

use std::path::Path;
use std::time::{Duration, Instant};

use shipline_core::config::Config;

fn chain(count: usize) -> String {
    let mut text = String::from("environments:\n");
    for i in (1..count).rev() {
        text.push_str(&format!("  env-{i}:\n    after: [env-{}]\n", i - 1));
    }
    text.push_str("  env-0: {}\n");
    text
}

fn load_and_order(text: &str) -> Duration {
    let started = Instant::now();
    let config = Config::parse(text, Path::new(".shipline.yml")).expect("the chain is valid");
    let order = config.upstream_order();
    let elapsed = started.elapsed();
    assert_eq!(order.first().copied(), Some("env-0"));
    elapsed
}

fn main() {
    let sizes = [10_000, 20_000];
    let texts: Vec<String> = sizes.iter().map(|&n| chain(n)).collect();
    let mut best = [Duration::MAX; 2];
    for _ in 0..3 {
        for (slot, text) in best.iter_mut().zip(&texts) {
            *slot = (*slot).min(load_and_order(text));
        }
    }
    println!("environments | load and order (s)");
    for (n, time) in sizes.iter().zip(best) {
        println!("{n:>12} | {:>18.3}", time.as_secs_f64());
    }
    println!(
        "ratio 20,000 / 10,000: {:.2} (2 is linear)",
        best[1].as_secs_f64() / best[0].as_secs_f64()
    );
}
