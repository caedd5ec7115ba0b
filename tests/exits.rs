//! Each documented exit code for each documented cause, and `logout` removing every stored
//! secret, TeamViewer's too.

mod common;

use std::time::Duration;

use common::{Harness, run_with, sim_config};
use intune_assist::auth::store::SecretStore;
use intune_assist::commands::exit;
use intune_assist::graph::ApiVersion;
use intune_assist::http::{HttpSettings, RetryPolicy};
use intune_assist::services::Services;
use intune_assist::sim::{SimConfig, SimEndpoints, SimTimings};

/// Services against roots that answer with `endpoints`, few and fast retries.
fn services_at(endpoints: &SimEndpoints) -> Services {
    let mut config = Services::config_for(endpoints).expect("config");
    config.graph_token = Some("t".to_string().into());
    config.teamviewer_token = Some("t".to_string().into());
    let http = HttpSettings {
        retry: RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(10),
            ..RetryPolicy::default()
        },
        timeout: Duration::from_secs(2),
        ..HttpSettings::default()
    };
    Services::new(config, SecretStore::memory(), http).expect("services")
}

fn endpoints(root: &str) -> SimEndpoints {
    SimEndpoints {
        graph_url: format!("{root}/graph"),
        login_url: format!("{root}/login"),
        teamviewer_url: format!("{root}/teamviewer"),
        teamviewer_login_url: format!("{root}/teamviewer-login"),
        graph_token: "t".into(),
        teamviewer_token: "t".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_service_exits_6() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let services = services_at(&endpoints(&format!("http://127.0.0.1:{port}")));
    let run = run_with(&services, &common::tuning(), &["devices"]).await;
    assert_eq!(run.code, exit::SERVICE, "{}", run.stderr);
    assert!(
        run.stderr.contains("could not be reached"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_answer_exits_6() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = axum::Router::new().fallback(|| async {
        (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            "<html>Service Unavailable</html>",
        )
    });
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let services = services_at(&endpoints(&format!("http://{addr}")));
    let run = run_with(&services, &common::tuning(), &["devices"]).await;
    server.abort();
    assert_eq!(run.code, exit::SERVICE, "{}", run.stderr);
    assert!(
        run.stderr.contains("could not be read") && run.stderr.contains("HTML"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_cause_of_exit_7() {
    // An unsupported device, and a connector that is not onboarded: refused before asking.
    let h = Harness::with_tokens(sim_config()).await;
    let devices = h
        .services
        .graph
        .all_devices(Default::default(), |_, _| {})
        .await
        .expect("devices");
    let hololens = devices
        .iter()
        .find(|d| d.model().contains("HoloLens"))
        .expect("a HoloLens");
    let run = h.run(&["session", "new", hololens.id()]).await;
    assert_eq!(run.code, exit::CANNOT_ASSIST, "{}", run.stderr);
    assert!(run.stderr.contains("cannot be assisted"), "{}", run.stderr);

    let off = Harness::with_tokens(SimConfig {
        onboarded: false,
        ..sim_config()
    })
    .await;
    let device = off.supported_device().await;
    let run = off.run(&["session", "new", device.id()]).await;
    assert_eq!(run.code, exit::CANNOT_ASSIST, "{}", run.stderr);
    assert!(run.stderr.contains("not onboarded"), "{}", run.stderr);

    // Intune reports an error: read from v1.0, a Windows 10 S device cannot be told apart,
    // so Intune is asked and says no.
    let mut config = h.services.config.clone();
    config.devices_api = ApiVersion::V1;
    let v1 = Services::new(config, SecretStore::memory(), common::http_settings()).expect("v1");
    let windows_10_s = h
        .sim
        .device_ids()
        .into_iter()
        .map(|(id, _)| id)
        .find(|id| {
            devices
                .iter()
                .any(|d| d.id() == *id && d.sku_number() == Some(0xB2))
        })
        .expect("a Windows 10 S device");
    let run = run_with(&v1, &h.tuning, &["session", "new", &windows_10_s]).await;
    assert_eq!(run.code, exit::CANNOT_ASSIST, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("Intune could not create the session: The TeamViewer app is not supported"),
        "{}",
        run.stderr
    );

    // Intune accepts the request, but no session link appears in time.
    let slow = Harness::with_tokens(SimConfig {
        timings: SimTimings {
            session_created: Duration::from_secs(3600),
            ..SimTimings::fast()
        },
        ..sim_config()
    })
    .await;
    let mut slow_tuning = common::tuning();
    slow_tuning.polling.creation_timeout = Duration::from_secs(1);
    let device = slow.supported_device().await;
    let run = run_with(
        &slow.services,
        &slow_tuning,
        &["session", "new", device.id()],
    )
    .await;
    assert_eq!(run.code, exit::CANNOT_ASSIST, "{}", run.stderr);
    assert!(
        run.stderr.contains("no session link appeared"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_removes_the_teamviewer_token_too() {
    let store = SecretStore::memory();
    let h = Harness::signed_out(sim_config(), store.clone()).await;
    assert_eq!(h.run(&["login"]).await.code, 0);
    h.services
        .teamviewer_auth
        .save_script_token(h.sim.endpoints.teamviewer_token.clone().into())
        .await
        .expect("saved");
    assert!(h.run(&["sessions"]).await.code == 0);
    let logout = h.run(&["logout"]).await;
    assert_eq!(logout.code, 0, "{}", logout.stderr);
    // A later run with the same store finds nothing of either.
    let later = h.second_run(store);
    assert_eq!(
        later
            .teamviewer_auth
            .sign_in_kind()
            .await
            .expect("the store answers"),
        None
    );
    let run = run_with(&later, &h.tuning, &["sessions"]).await;
    assert_eq!(run.code, exit::SIGN_IN, "{}", run.stderr);
    let run = run_with(&later, &h.tuning, &["whoami"]).await;
    assert_eq!(run.code, exit::SIGN_IN, "{}", run.stderr);
}
