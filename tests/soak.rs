//! A bounded soak: the dashboard's main flow (find a device, request a session, see it
//! connect, close it), over and over, against a simulator that throttles, fails, drops
//! connections and answers slowly, on virtual time. No panic, memory stays flat, and every
//! round ends in one of the two outcomes the design allows: the session, or — when the one
//! request that is never resent lost its connection — a clean "not sent again" report with
//! exactly one request sent. Any seed passes; three are run.
//!
//! `SOAK_ROUNDS` sets the rounds per seed (default 8) and `SOAK_SEEDS` the seeds
//! (default `42,7,2026`); the figures in the notes come from longer runs.

mod common;

use common::VirtualHarness;
use intune_assist::app::nav::{Blade, SessionStage};
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

/// How a round ended.
#[derive(Debug, Default)]
struct Outcomes {
    /// The session was created, connected and closed.
    sessions: usize,
    /// The request's connection dropped: reported, and not sent again.
    not_resent: usize,
}

/// Long enough for a lost request's wait for Intune's link (two minutes) and its retries.
const WAIT: std::time::Duration = std::time::Duration::from_secs(300);

fn env_list<T: std::str::FromStr>(name: &str, default: &str) -> Vec<T> {
    std::env::var(name)
        .unwrap_or_else(|_| default.into())
        .split(',')
        .filter_map(|v| v.trim().parse().ok())
        .collect()
}

/// Plays `rounds` sessions against a faulty tenant drawn from `seed`; hands back how each
/// round ended and the resident memory after each.
async fn soak(seed: u64, rounds: usize) -> (Outcomes, Vec<u64>) {
    let h = VirtualHarness::start(SimConfig {
        devices: 2000,
        seed,
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
        "seed {seed}: {}",
        p.screen()
    );
    // Supported desktops and laptops of this seed's tenant.
    let devices: Vec<String> = sim
        .device_ids()
        .into_iter()
        .map(|(_, name)| name)
        .filter(|name| name.starts_with("DESKTOP-") || name.starts_with("LAPTOP-"))
        .take(4)
        .collect();
    assert_eq!(devices.len(), 4, "seed {seed}");
    let posts = || common::session_requests_that_may_have_prompted(sim);
    let mut outcomes = Outcomes::default();
    let mut memory = Vec::new();
    for round in 0..rounds {
        let device = &devices[round % devices.len()];
        let before = posts();
        let open =
            format!("key /\ntype {device}\nkey Enter Enter\nwait-idle 120s\nkey m Enter Enter\n");
        if let Err(e) = p.play_str(&open).await {
            panic!("seed {seed} round {round}: {e}");
        }
        let settled = p
            .driver
            .run_until(WAIT, |m| {
                matches!(
                    m.stack.top(),
                    Blade::NewSession {
                        stage: SessionStage::Live { .. } | SessionStage::Failed { .. },
                        ..
                    }
                )
            })
            .await;
        if let Err(e) = settled {
            panic!("seed {seed} round {round}: {e}\n{}", p.screen());
        }
        assert_eq!(
            posts() - before,
            1,
            "seed {seed} round {round}: one request"
        );
        let failed = match p.driver.model.stack.top() {
            Blade::NewSession {
                stage: SessionStage::Failed { message },
                ..
            } => Some(message.clone()),
            _ => None,
        };
        let rest = match failed {
            None => {
                outcomes.sessions += 1;
                "wait-for \"supporter connected\" 120s\nkey x y\n\
                 wait-for \"● closed\" 120s\nwait-idle 120s\n"
            }
            Some(message) => {
                // Only the request's own dropped connection may end a round this way.
                assert!(
                    message.contains("it was not sent again"),
                    "seed {seed} round {round}: {message}"
                );
                outcomes.not_resent += 1;
                "wait-idle 120s\n"
            }
        };
        let back = format!("{rest}key Esc Esc Esc\nkey /\nkey ctrl-u\nkey Enter\n");
        if let Err(e) = p.play_str(&back).await {
            panic!("seed {seed} round {round}: {e}");
        }
        assert_eq!(
            posts() - before,
            1,
            "seed {seed} round {round}: nothing resent"
        );
        memory.push(rss_kb());
    }
    assert_eq!(
        sim.open_sessions(),
        0,
        "seed {seed}: every session was closed"
    );
    let injected = sim.faults_injected();
    assert!(
        injected.throttled > 0 && injected.unavailable > 0 && injected.dropped > 0,
        "seed {seed}: the soak met too few faults: {injected:?}"
    );
    println!(
        "soak seed {seed}: {outcomes:?} in {rounds} rounds; {} requests served, {injected:?}",
        sim.requests().len()
    );
    (outcomes, memory)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_main_flow_survives_faults_round_after_round_with_flat_memory() {
    let rounds: usize = env_list("SOAK_ROUNDS", "8").first().copied().unwrap_or(8);
    let seeds: Vec<u64> = env_list("SOAK_SEEDS", "42,7,2026");
    let started = std::time::Instant::now();
    let mut sessions = 0;
    for seed in seeds.iter().copied() {
        let (outcomes, memory) = soak(seed, rounds).await;
        assert_eq!(
            outcomes.sessions + outcomes.not_resent,
            rounds,
            "seed {seed}"
        );
        sessions += outcomes.sessions;
        let settled = memory.len() / 3;
        let (early, late) = (memory[settled], memory[memory.len() - 1]);
        let measured = (memory.len() - 1 - settled) as u64;
        let allowed = SLACK_KB + PER_ROUND_KB * measured;
        println!("soak seed {seed}: RSS after round {settled}: {early} kB, at the end: {late} kB");
        assert!(
            late <= early + allowed,
            "seed {seed}: memory grew by {} kB over {measured} rounds (allowed {allowed} kB): {memory:?}",
            late.saturating_sub(early)
        );
    }
    assert!(sessions > 0, "no round completed a session");
    println!(
        "soak: {} seeds × {rounds} rounds in {:.1} s",
        seeds.len(),
        started.elapsed().as_secs_f64()
    );
}
