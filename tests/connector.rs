//! The TeamViewer connector: status, enable through onboarding, disconnect, and permissions.

mod common;

use common::{Harness, sim_config};
use intune_assist::sim::{Profile, SimConfig, SimTimings};

fn not_onboarded() -> SimConfig {
    SimConfig {
        onboarded: false,
        ..sim_config()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enable_waits_until_onboarded_then_disconnect() {
    let h = Harness::with_tokens(not_onboarded()).await;
    let status = h.run(&["connector", "--json"]).await.json();
    assert_eq!(status["onboardingStatus"], "notOnboarded");

    let enable = h
        .run(&["connector", "enable", "--accept-license", "--json"])
        .await;
    assert_eq!(enable.code, 0, "{}", enable.stderr);
    let events = enable.json_lines();
    assert_eq!(events[0]["event"], "onboarding");
    assert!(
        events[0]["onboardingUrl"]
            .as_str()
            .is_some_and(|u| u.contains("/intune/onboard/"))
    );
    assert_eq!(
        events.last().expect("final")["onboardingStatus"],
        "onboarded"
    );
    assert!(
        enable.stderr.contains("TeamViewer for Intune Connector"),
        "the licence terms are shown"
    );
    assert_eq!(h.sim.connector_status(), Some("onboarded"));

    let disconnect = h.run(&["connector", "disconnect", "--yes"]).await;
    assert_eq!(disconnect.code, 0, "{}", disconnect.stderr);
    assert!(disconnect.stdout.contains("not onboarded"));
    assert_eq!(h.sim.connector_status(), Some("notOnboarded"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visiting_the_onboarding_url_finishes_onboarding() {
    let mut config = not_onboarded();
    config.timings = SimTimings {
        onboarding: None,
        ..SimTimings::fast()
    };
    let h = Harness::with_tokens(config).await;
    let begun = h
        .run(&[
            "connector",
            "enable",
            "--accept-license",
            "--no-wait",
            "--json",
        ])
        .await;
    assert_eq!(begun.code, 0, "{}", begun.stderr);
    let url = begun.json_lines()[0]["onboardingUrl"]
        .as_str()
        .expect("url")
        .to_string();
    assert_eq!(h.sim.connector_status(), Some("onboarding"));
    let page = reqwest::get(&url).await.expect("visit");
    assert!(page.status().is_success());
    assert_eq!(h.sim.connector_status(), Some("onboarded"));
    let plain = h.run(&["connector"]).await;
    assert!(
        plain.stdout.contains("Status      onboarded"),
        "{}",
        plain.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_without_a_partner_gets_one_created() {
    let h = Harness::with_tokens(SimConfig {
        partner_exists: false,
        onboarded: false,
        ..sim_config()
    })
    .await;
    assert_eq!(
        h.run(&["connector", "--json"]).await.json()["id"],
        serde_json::Value::Null
    );
    let enable = h
        .run(&["connector", "enable", "--accept-license", "--json"])
        .await;
    assert_eq!(enable.code, 0, "{}", enable.stderr);
    assert_eq!(h.sim.connector_status(), Some("onboarded"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enabling_needs_update_remote_assistance() {
    for profile in [Profile::Helpdesk, Profile::Readonly] {
        let h = Harness::with_tokens(SimConfig {
            profile,
            ..not_onboarded()
        })
        .await;
        let status = h.run(&["connector"]).await;
        assert_eq!(status.code, 0, "{profile:?} can read the connector");
        for action in ["enable", "disconnect"] {
            let run = h
                .run(&["connector", action, "--accept-license", "--yes"])
                .await;
            assert_eq!(run.code, 4, "{profile:?} {action}");
            assert!(
                run.stderr.contains("Update Remote Assistance"),
                "{}",
                run.stderr
            );
            assert!(
                !run.stderr.contains("403"),
                "never a raw 403: {}",
                run.stderr
            );
        }
        assert_eq!(h.sim.connector_status(), Some("notOnboarded"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_terminal_the_licence_must_be_accepted_explicitly() {
    let h = Harness::with_tokens(not_onboarded()).await;
    let run = h.run(&["connector", "enable"]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--accept-license"), "{}", run.stderr);
    assert_eq!(h.sim.connector_status(), Some("notOnboarded"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connector_is_refused_where_microsoft_does_not_offer_it() {
    for (root, cloud) in [
        ("https://graph.microsoft.us", "GCC High"),
        ("https://dod-graph.microsoft.us", "DoD"),
    ] {
        let h = Harness::with_tokens(not_onboarded()).await;
        let mut config = h.services.config.clone();
        config.graph_url = url::Url::parse(root).expect("url");
        assert_eq!(config.us_government_cloud(), Some(cloud));
        let services = intune_assist::services::Services::new(
            config,
            intune_assist::auth::store::SecretStore::memory(),
            common::http_settings(),
        )
        .expect("services");
        let error = services
            .enable_connector(None)
            .await
            .expect_err("not offered");
        let text = error.to_string();
        assert!(
            text.contains(&format!(
                "does not offer the TeamViewer connector in {cloud}"
            )),
            "{text}"
        );
        assert_eq!(
            h.sim
                .requests()
                .iter()
                .filter(|r| r.method == "POST")
                .count(),
            0
        );
    }
    let commercial = Harness::with_tokens(not_onboarded()).await;
    assert_eq!(commercial.services.config.us_government_cloud(), None);
}
