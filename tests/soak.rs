//! A bounded soak: the dashboard's main flow (find a device, request a session, see it
//! connect, close it), over and over, against a simulator that throttles, fails, drops
//! connections and answers slowly. No panic, every session completes, memory stays flat.
//!
//! `SOAK_ROUNDS` sets the number of sessions (default 12, a few seconds; the figures in the
//! notes come from longer runs).

mod common;

use common::VirtualHarness;
use intune_assist::sim::{SimConfig, SimTimings};

/// Resident memory of this process, in kB; a soak that cannot measure fails.
fn rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status")
        .unwrap_or_else(|e| panic!("cannot read /proc/self/status: {e}"));
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .filter(|kb| *kb > 0)
        .unwrap_or_else(|| panic!("no VmRSS in /proc/self/status:\n{status}"))
}

/// Growth the allocator may show without a leak: a fixed slack plus a little per round.
const SLACK_KB: u64 = 4 * 1024;
const PER_ROUND_KB: u64 = 128;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_main_flow_survives_faults_round_after_round_with_flat_memory() {
    let rounds: usize = std::env::var("SOAK_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    let h = VirtualHarness::start(SimConfig {
        devices: 2000,
        timings: SimTimings::demo(),
        faults: "429=0.2,503=0.1,drop=0.05,slow=0.1:500ms"
            .parse()
            .expect("fault spec"),
        ..SimConfig::default()
    })
    .await;
    let sim = &h.sim;
    let mut p = h.player();
    p.play_str("wait-idle 120s\nkey Enter Enter\nwait-idle 120s\n")
        .await
        .expect("the list loads under faults");
    assert!(
        p.screen().contains("All devices [2 000 of 2 000]"),
        "{}",
        p.screen()
    );
    let devices = [
        "DESKTOP-6N5SBY4",
        "LAPTOP-MQ7Z0VX",
        "DESKTOP-EQL5UTM",
        "LAPTOP-BW0GZXD",
    ];
    let mut memory = Vec::new();
    let started = std::time::Instant::now();
    for round in 0..rounds {
        let device = devices[round % devices.len()];
        let flow = format!(
            "key /\ntype {device}\nkey Enter Enter\nwait-idle 120s\n\
             key m Enter Enter\nwait-for \"supporter connected\" 120s\n\
             key x y\nwait-for \"● closed\" 120s\nwait-idle 120s\n\
             key Esc Esc Esc\nkey /\nkey ctrl-u\nkey Enter\n"
        );
        if let Err(e) = p.play_str(&flow).await {
            panic!("round {round} failed: {e}");
        }
        memory.push(rss_kb());
    }
    let settled = memory.len() / 3;
    let (early, late) = (memory[settled], memory[memory.len() - 1]);
    println!(
        "soak: {rounds} sessions under faults in {:.1} s; RSS after round {settled}: {early} kB, at the end: {late} kB; {} requests served, {:?}",
        started.elapsed().as_secs_f64(),
        sim.requests().len(),
        sim.faults_injected()
    );
    let measured = (memory.len() - 1 - settled) as u64;
    let allowed = SLACK_KB + PER_ROUND_KB * measured;
    assert!(
        late <= early + allowed,
        "memory grew by {} kB over {measured} rounds (allowed {allowed} kB): {memory:?}",
        late.saturating_sub(early)
    );
    assert_eq!(sim.open_sessions(), 0, "every session was closed");
    let injected = sim.faults_injected();
    assert!(
        injected.throttled > 0 && injected.unavailable > 0 && injected.dropped > 0,
        "the soak met too few faults: {injected:?}"
    );
}
