//! Under injected faults (throttling, 503s, dropped connections, slow answers) the results are
//! exactly those of a fault-free run.

mod common;

use std::collections::HashSet;

use common::{Harness, sim_config};
use intune_assist::domain::Assist;
use intune_assist::graph::DeviceQuery;
use intune_assist::sim::SimConfig;

fn faulty(devices: usize) -> SimConfig {
    SimConfig {
        devices,
        faults: "429=0.2,503=0.1,drop=0.05,slow=0.1:50ms,retry-after=0.05"
            .parse()
            .expect("spec"),
        ..sim_config()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_are_the_same_with_and_without_faults() {
    // Twenty pages: enough requests to meet every kind of fault.
    let clean = Harness::with_tokens(SimConfig {
        devices: 20_000,
        ..sim_config()
    })
    .await;
    let noisy = Harness::with_tokens(faulty(20_000)).await;
    let expected = clean.run(&["devices", "--json"]).await;
    let got = noisy.run(&["devices", "--json"]).await;
    assert_eq!(got.code, 0, "{}", got.stderr);
    assert!(
        got.json() == expected.json(),
        "a faulty run listed different devices"
    );
    let ids: HashSet<String> = got
        .json()
        .as_array()
        .expect("array")
        .iter()
        .map(|d| d["id"].as_str().expect("id").to_string())
        .collect();
    assert_eq!(ids.len(), 20_000);
    let injected = noisy.sim.faults_injected();
    println!("devices --json survived {injected:?}");
    assert!(
        injected.throttled > 0 && injected.unavailable > 0 && injected.dropped > 0,
        "too few faults met: {injected:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_completes_under_faults() {
    let h = Harness::with_tokens(faulty(200)).await;
    let devices = h
        .services
        .graph
        .all_devices(DeviceQuery::default(), |_, _| {})
        .await
        .expect("devices");
    let device = devices
        .iter()
        .find(|d| d.assist() == Assist::Supported)
        .expect("supported");
    let run = h.run(&["session", "new", &device.id, "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let code = run.json_lines()[0]["code"]
        .as_str()
        .expect("code")
        .to_string();
    let close = h.run(&["session", "close", &code]).await;
    assert_eq!(close.code, 0, "{}", close.stderr);
    let connector = h.run(&["connector", "--json"]).await;
    assert_eq!(connector.code, 0, "{}", connector.stderr);
    let injected = h.sim.faults_injected();
    println!("a session survived {injected:?}");
    assert!(injected.total() > 0, "no fault was injected");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn constant_throttling_ends_in_a_clear_error() {
    let h = Harness::with_tokens(SimConfig {
        faults: "429=1,retry-after=0.01".parse().expect("spec"),
        ..sim_config()
    })
    .await;
    let run = h.run(&["connector"]).await;
    assert_eq!(run.code, 6);
    assert!(
        run.stderr
            .contains("throttling requests and still was after several retries"),
        "{}",
        run.stderr
    );
}
