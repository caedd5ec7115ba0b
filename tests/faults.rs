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

/// Under faults on every route, a session request ends one of the two ways the design allows:
/// the session, or — when its own connection dropped — "not sent again", with one request
/// sent. Whatever the seed; three are tried.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_completes_under_faults() {
    let mut outcomes = (0, 0);
    for seed in [42, 7, 2026] {
        let h = Harness::with_tokens(SimConfig {
            seed,
            ..faulty(200)
        })
        .await;
        let devices = h
            .services
            .graph
            .all_devices(DeviceQuery::default(), |_, _| {})
            .await
            .expect("devices");
        for device in devices
            .iter()
            .filter(|d| d.assist() == Assist::Supported)
            .take(4)
        {
            let sent = |h: &Harness| common::session_requests_that_may_have_prompted(&h.sim);
            let before = sent(&h);
            // A dropped request waits for Intune's link (a simulated session takes well
            // under the 3 seconds allowed here) before saying it was not sent again.
            let patient_enough = intune_assist::commands::Tuning {
                polling: intune_assist::assist::Polling {
                    creation_timeout: std::time::Duration::from_secs(3),
                    ..intune_assist::assist::Polling::fast()
                },
                ..common::tuning()
            };
            let run = common::run_with(
                &h.services,
                &patient_enough,
                &["session", "new", device.id(), "--json"],
            )
            .await;
            assert_eq!(
                sent(&h) - before,
                1,
                "seed {seed}: one request: {}",
                run.stderr
            );
            if run.code == 6 {
                assert!(
                    run.stderr.contains("it was not sent again"),
                    "seed {seed}: {}",
                    run.stderr
                );
                outcomes.1 += 1;
                continue;
            }
            assert_eq!(run.code, 0, "seed {seed}: {}", run.stderr);
            outcomes.0 += 1;
            let code = run.json_lines()[0]["code"]
                .as_str()
                .expect("code")
                .to_string();
            let close = h.run(&["session", "close", &code]).await;
            assert_eq!(close.code, 0, "seed {seed}: {}", close.stderr);
        }
        let connector = h.run(&["connector", "--json"]).await;
        assert_eq!(connector.code, 0, "seed {seed}: {}", connector.stderr);
        let injected = h.sim.faults_injected();
        println!("seed {seed}: sessions survived {injected:?}");
        assert!(injected.total() > 0, "seed {seed}: no fault was injected");
    }
    println!("sessions, not sent again: {outcomes:?}");
    assert!(outcomes.0 > 0, "no session completed: {outcomes:?}");
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_429_every_graph_request_waits_not_only_the_throttled_one() {
    let h = Harness::with_tokens(SimConfig {
        faults: "429=1,on=remoteAssistancePartners,retry-after-fixed=0.4"
            .parse()
            .expect("spec"),
        ..sim_config()
    })
    .await;
    let graph = h.services.graph.clone();
    let throttled = tokio::spawn(async move { graph.connector().await });
    let first_429 = loop {
        if let Some(at) = h
            .sim
            .requests()
            .iter()
            .find(|r| r.status == 429)
            .map(|r| r.at)
        {
            break at;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    };
    let page = h
        .services
        .graph
        .devices_page(&intune_assist::graph::DeviceCursor::First(DeviceQuery {
            page_size: Some(5),
            ..DeviceQuery::default()
        }))
        .await
        .expect("a page once the wait is over");
    assert_eq!(page.devices.len(), 5);
    let listed = h
        .sim
        .requests()
        .iter()
        .find(|r| r.path.ends_with("/managedDevices"))
        .map(|r| r.at)
        .expect("the list request");
    assert!(
        listed >= first_429 + std::time::Duration::from_millis(390),
        "the list waited out Graph's Retry-After: 429 at {first_429:?}, list at {listed:?}"
    );
    throttled.abort();
}

/// A sink for what is written to standard error, readable by the test.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }
}

/// Graph's `Retry-After` means "wait that long": a long one is waited out in full (on
/// virtual time here) and told on standard error; one longer than the client's limit ends the
/// retries with the wait in the error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_retry_after_is_honoured_in_full_and_told() {
    for (fixed, retried) in [(45.0, true), (3600.0, false)] {
        let h = common::VirtualHarness::start(SimConfig {
            devices: 50,
            faults: format!("429=0.5,retry-after-fixed={fixed},on=getEffectivePermissions")
                .parse()
                .expect("spec"),
            seed: 2,
            ..sim_config()
        })
        .await;
        let stderr = Captured::default();
        let waits = intune_assist::commands::waits::announce(
            &h.services.http,
            Box::new(stderr.clone()),
            false,
        );
        let done = std::sync::Arc::new(tokio::sync::Mutex::new(None));
        {
            let (graph, done) = (h.services.graph.clone(), done.clone());
            h.clock.spawn(async move {
                let result = graph.capabilities().await;
                *done.lock().await = Some(result);
            });
        }
        let v = h.clock.as_virtual().expect("virtual").clone();
        while done.lock().await.is_none() {
            while !v.is_idle() {
                v.work_done().await;
            }
            if let Some(deadline) = v.next_deadline() {
                v.advance(deadline);
            }
            tokio::task::yield_now().await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        waits.abort();
        let asked: Vec<std::time::Duration> = h
            .sim
            .requests()
            .into_iter()
            .filter(|r| r.path.contains("getEffectivePermissions"))
            .map(|r| r.at)
            .collect();
        let throttled = h.sim.faults_injected().throttled;
        assert!(throttled >= 1, "the seed throttles the first request");
        let result = done.lock().await.take().expect("finished");
        if retried {
            assert!(result.is_ok(), "{result:?}");
            assert_eq!(asked.len() as u64, throttled + 1);
            for pair in asked.windows(2) {
                assert!(
                    pair[1] - pair[0] >= std::time::Duration::from_secs(45),
                    "waited the whole Retry-After: {asked:?}"
                );
            }
            assert!(
                stderr
                    .text()
                    .contains("Microsoft Graph asked to wait (HTTP 429): retrying in 45 s"),
                "{}",
                stderr.text()
            );
        } else {
            let error = result.expect_err("too long to wait");
            assert_eq!(asked.len(), 1, "not retried");
            assert!(error.to_string().contains("try again in 3600 s"), "{error}");
        }
    }
}

/// Writes whose answer is lost after the service acted: a session request or a direct
/// session is never made twice; closing, which may be repeated, is sent again.
mod lost_answers {
    use super::*;

    fn lost_on(route: &str) -> SimConfig {
        SimConfig {
            faults: format!("lost=1,on={route}").parse().expect("spec"),
            ..sim_config()
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_direct_session_is_never_created_twice() {
        let route = "POST /teamviewer/api/v1/sessions";
        let h = Harness::with_tokens(lost_on(route)).await;
        let kiosk = h
            .device_where(|d| matches!(d.assist(), Assist::DirectSession { .. }))
            .await;
        let run = h.run(&["session", "new", kiosk.id()]).await;
        assert_eq!(run.code, 6, "{}", run.stderr);
        assert!(
            run.stderr.contains("it was not created again"),
            "{}",
            run.stderr
        );
        assert_eq!(h.sim.faults_injected_on(route).lost, 1);
        assert_eq!(h.count_requests("POST", "/teamviewer/api/v1/sessions"), 1);
        assert_eq!(h.sim.open_sessions(), 1, "exactly one session exists");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn closing_is_sent_again_and_succeeds() {
        let h = Harness::with_tokens(sim_config()).await;
        let device = h.supported_device().await;
        let run = h.run(&["session", "new", device.id(), "--json"]).await;
        let code = run.json_lines()[0]["code"]
            .as_str()
            .expect("code")
            .to_string();
        let route = format!("PUT /teamviewer/api/v1/sessions/{code}");
        h.sim.set_faults("lost=0.5,on=PUT".parse().expect("spec"));
        let close = h.run(&["session", "close", &code]).await;
        assert_eq!(close.code, 0, "{}", close.stderr);
        let lost = h.sim.faults_injected_on(&route).lost as usize;
        assert!(lost >= 1, "the close met the fault");
        assert_eq!(h.count_requests("PUT", &code), lost + 1);
        assert_eq!(h.sim.open_sessions(), 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_session_path_itself_meets_faults_and_completes() {
        let h = Harness::with_tokens(SimConfig {
            faults: "429=0.3,503=0.2,lost=0.2,slow=0.1:20ms,retry-after=0.02,on=/devic"
                .parse()
                .expect("spec"),
            seed: 11,
            ..sim_config()
        })
        .await;
        let device = h.supported_device().await;
        let run = h.run(&["session", "new", device.id(), "--json"]).await;
        assert_eq!(run.code, 0, "{}", run.stderr);
        let on_device = h
            .sim
            .faults_injected_on("/deviceManagement/managedDevices/");
        println!("the session path met {on_device:?}");
        assert!(on_device.total() > 0, "the session path met no fault");
        assert_eq!(
            h.count_requests("POST", "requestRemoteAssistance")
                - h.sim
                    .faults_injected_on("requestRemoteAssistance")
                    .throttled as usize
                - h.sim
                    .faults_injected_on("requestRemoteAssistance")
                    .unavailable as usize,
            1,
            "sent again only after answers that said nothing was done"
        );
        assert_eq!(h.sim.open_sessions(), 1);
    }
}
