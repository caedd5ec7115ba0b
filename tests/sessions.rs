//! Remote assistance sessions: requested through Intune, followed through every state, closed.

mod common;

use common::{Harness, sim_config};
use intune_assist::domain::{Assist, Platform};
use intune_assist::graph::DeviceQuery;
use intune_assist::sim::{Profile, SimConfig};

async fn pick(
    h: &Harness,
    want: impl Fn(&intune_assist::domain::Device) -> bool,
) -> intune_assist::domain::Device {
    let devices = h
        .services
        .graph
        .all_devices(DeviceQuery::default(), |_, _| {})
        .await
        .expect("devices");
    devices
        .into_iter()
        .find(|d| want(d))
        .expect("a matching device")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_goes_through_every_state_and_is_closed() {
    let h = Harness::with_tokens(sim_config()).await;
    let device = pick(&h, |d| {
        d.platform() == Platform::Windows && d.assist() == Assist::Supported
    })
    .await;
    let closer = {
        let teamviewer = h.services.teamviewer.clone();
        tokio::spawn(async move {
            // Close the session once the supporter is connected, as the admin would.
            loop {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                let Ok(sessions) = teamviewer
                    .sessions(intune_assist::teamviewer::SessionFilter::Open)
                    .await
                else {
                    continue;
                };
                for s in sessions {
                    if let Ok(observed) = teamviewer.observe(&s.code).await
                        && observed.supporter_connected_at.is_some()
                    {
                        teamviewer.close_session(&s.code).await.expect("close");
                        return s.code;
                    }
                }
            }
        })
    };
    let run = h
        .run(&["session", "new", &device.name, "--wait", "--json"])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let events = run.json_lines();
    let states: Vec<&str> = events
        .iter()
        .map(|e| e["state"].as_str().expect("state"))
        .collect();
    assert_eq!(
        states,
        [
            "created",
            "endUserOnline",
            "supporterConnected",
            "ended",
            "closed"
        ],
        "{}",
        run.stdout
    );
    let first = &events[0];
    assert!(
        first["code"]
            .as_str()
            .is_some_and(|c| c.len() == 12 && c.starts_with('s'))
    );
    assert_eq!(first["deviceId"], device.id.as_str());
    assert_eq!(first["startedVia"], "intune");
    assert!(first["supporterLink"].as_str().is_some());
    assert!(first["endCustomerLink"].as_str().is_some());
    let closed_code = closer.await.expect("closer");
    assert_eq!(first["code"], closed_code.as_str());
    assert_eq!(h.sim.open_sessions(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_wait_the_session_is_printed_once_and_can_be_closed() {
    let h = Harness::with_tokens(sim_config()).await;
    let device = pick(&h, |d| d.assist() == Assist::Supported).await;
    let run = h.run(&["session", "new", &device.id, "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let session = &run.json_lines()[0];
    let code = session["code"].as_str().expect("code").to_string();
    let listed = h.run(&["sessions", "--json"]).await.json();
    assert!(
        listed
            .as_array()
            .expect("array")
            .iter()
            .any(|s| s["code"] == code.as_str())
    );
    let digits: String = code.chars().filter(char::is_ascii_digit).collect();
    let close = h.run(&["session", "close", &format!("s{digits}")]).await;
    assert_eq!(close.code, 0, "{}", close.stderr);
    assert!(close.stdout.contains(&code));
    assert_eq!(h.sim.open_sessions(), 0);
    let all = h.run(&["sessions", "--all", "--json"]).await.json();
    let closed = all
        .as_array()
        .expect("array")
        .iter()
        .find(|s| s["code"] == code.as_str())
        .cloned()
        .expect("listed");
    assert_eq!(closed["state"], "closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn userless_devices_get_a_direct_teamviewer_session() {
    let h = Harness::with_tokens(sim_config()).await;
    let kiosk = pick(&h, |d| matches!(d.assist(), Assist::DirectSession { .. })).await;
    let run = h.run(&["session", "new", &kiosk.id]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("read the code to the person at the device"),
        "{}",
        run.stdout
    );
    let json = h.run(&["session", "new", &kiosk.id, "--json"]).await;
    assert_eq!(json.json_lines()[0]["startedVia"], "teamViewer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsupported_devices_are_refused_with_the_reason() {
    let h = Harness::with_tokens(sim_config()).await;
    let hololens = pick(&h, |d| d.model.contains("HoloLens")).await;
    let run = h.run(&["session", "new", &hololens.id]).await;
    assert_eq!(run.code, 7);
    assert!(
        run.stderr
            .contains("HoloLens is not supported by TeamViewer"),
        "{}",
        run.stderr
    );
    assert_eq!(h.sim.open_sessions(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connector_that_is_not_onboarded_is_explained() {
    let h = Harness::with_tokens(SimConfig {
        onboarded: false,
        ..sim_config()
    })
    .await;
    let device = pick(&h, |d| d.assist() == Assist::Supported).await;
    let run = h.run(&["session", "new", &device.id]).await;
    assert_eq!(run.code, 7);
    assert!(
        run.stderr.contains("connector is not onboarded"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn helpdesk_may_request_and_read_only_may_not() {
    let helpdesk = Harness::with_tokens(SimConfig {
        profile: Profile::Helpdesk,
        ..sim_config()
    })
    .await;
    let device = pick(&helpdesk, |d| d.assist() == Assist::Supported).await;
    let run = helpdesk
        .run(&["session", "new", &device.id, "--json"])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);

    let readonly = Harness::with_tokens(SimConfig {
        profile: Profile::Readonly,
        ..sim_config()
    })
    .await;
    let run = readonly.run(&["session", "new", &device.id]).await;
    assert_eq!(run.code, 4);
    assert!(
        run.stderr.contains("Request Remote Assistance"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("Remote tasks › Offer remote assistance"),
        "{}",
        run.stderr
    );
    assert_eq!(readonly.sim.open_sessions(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_raw_403_names_the_missing_permission() {
    let readonly = Harness::with_tokens(SimConfig {
        profile: Profile::Readonly,
        ..sim_config()
    })
    .await;
    let device = pick(&readonly, |d| d.assist() == Assist::Supported).await;
    let error = readonly
        .services
        .graph
        .request_remote_assistance(&device.id)
        .await
        .expect_err("forbidden");
    let message = error.to_string();
    assert!(message.contains("Request Remote Assistance"), "{message}");
    assert!(message.contains("request id"), "{message}");
}
