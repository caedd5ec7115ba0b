//! Remote assistance sessions: requested through Intune, followed through every state, closed.

mod common;

use common::{Harness, sim_config};
use intune_assist::domain::{Assist, Platform};
use intune_assist::sim::{Profile, SimConfig};

async fn pick(
    h: &Harness,
    want: impl Fn(&intune_assist::domain::Device) -> bool,
) -> intune_assist::domain::Device {
    h.device_where(want).await
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
        .run(&["session", "new", device.name(), "--wait", "--json"])
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
    assert_eq!(first["deviceId"], device.id());
    assert_eq!(first["startedVia"], "intune");
    assert!(first["supporterLink"].as_str().is_some());
    assert!(first["endCustomerLink"].as_str().is_some());
    let closed_code = closer.await.expect("closer");
    assert_eq!(first["code"], closed_code.as_str());
    assert_eq!(h.sim.open_sessions(), 0);
    // Standard error nudged the admin at each moment worth it, and only then; standard output
    // stayed clean JSON.
    let nudged: Vec<&str> = run
        .stderr
        .split("\x1b]9;intune-assist: ")
        .skip(1)
        .map(|rest| rest.split('\x07').next().unwrap_or_default())
        .collect();
    let name = device.name();
    assert_eq!(
        nudged,
        [
            format!("{name}: end user online"),
            format!("{name}: supporter connected"),
            format!("{name}: closed"),
        ],
        "{:?}",
        run.stderr
    );
    assert!(!run.stdout.contains('\x1b'));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_wait_the_session_is_printed_once_and_can_be_closed() {
    let h = Harness::with_tokens(sim_config()).await;
    let device = pick(&h, |d| d.assist() == Assist::Supported).await;
    let run = h.run(&["session", "new", device.id(), "--json"]).await;
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
    let run = h.run(&["session", "new", kiosk.id()]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("read the code to the person at the device"),
        "{}",
        run.stdout
    );
    let json = h.run(&["session", "new", kiosk.id(), "--json"]).await;
    assert_eq!(json.json_lines()[0]["startedVia"], "teamViewer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsupported_devices_are_refused_with_the_reason() {
    let h = Harness::with_tokens(sim_config()).await;
    let hololens = pick(&h, |d| d.model().contains("HoloLens")).await;
    let run = h.run(&["session", "new", hololens.id()]).await;
    assert_eq!(run.code, 7);
    assert!(
        run.stderr
            .contains("HoloLens is not supported by TeamViewer"),
        "{}",
        run.stderr
    );
    assert_eq!(
        h.count_requests("POST", "requestRemoteAssistance"),
        0,
        "nothing was sent"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connector_that_is_not_onboarded_is_explained() {
    let h = Harness::with_tokens(SimConfig {
        onboarded: false,
        ..sim_config()
    })
    .await;
    let device = pick(&h, |d| d.assist() == Assist::Supported).await;
    let run = h.run(&["session", "new", device.id()]).await;
    assert_eq!(run.code, 7);
    assert!(
        run.stderr.contains("connector is not onboarded"),
        "{}",
        run.stderr
    );
    assert_eq!(
        h.count_requests("POST", "requestRemoteAssistance"),
        0,
        "nothing was sent"
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
        .run(&["session", "new", device.id(), "--json"])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);

    let readonly = Harness::with_tokens(SimConfig {
        profile: Profile::Readonly,
        ..sim_config()
    })
    .await;
    let run = readonly.run(&["session", "new", device.id()]).await;
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
    // The effective permissions are advice (their scope is undocumented): the request is
    // sent, and Graph's 403 decides.
    assert!(
        run.stderr
            .contains("warning: your effective Intune permissions do not list"),
        "{}",
        run.stderr
    );
    assert_eq!(
        readonly.count_requests("POST", "requestRemoteAssistance"),
        1,
        "sent once, refused by Graph"
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
        .request_remote_assistance(device.id())
        .await
        .expect_err("forbidden");
    let message = error.to_string();
    assert!(message.contains("Request Remote Assistance"), "{message}");
    assert!(message.contains("request id"), "{message}");
}

/// The session path needs Microsoft Graph only: `requestRemoteAssistance`, then the device's
/// `remoteAssistanceSessionUrl`. Whatever TeamViewer shows is a bonus.
mod graph_only {
    use super::*;
    use intune_assist::sim::SessionUrlShape;

    async fn supported(h: &Harness) -> intune_assist::domain::Device {
        pick(h, |d| {
            d.platform() == Platform::Windows && d.assist() == Assist::Supported
        })
        .await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn with_no_teamviewer_sign_in_the_session_is_intunes_link() {
        let h = Harness::graph_only(sim_config()).await;
        let device = supported(&h).await;
        let run = h
            .run(&["session", "new", device.name(), "--wait", "--json"])
            .await;
        assert_eq!(run.code, 0, "{}", run.stderr);
        let lines = run.json_lines();
        assert_eq!(lines.len(), 1, "{}", run.stdout);
        let line = &lines[0];
        let url = line["sessionUrl"].as_str().expect("sessionUrl");
        assert!(url.contains("/teamviewer/v15/s"), "{url}");
        assert_eq!(line["liveState"], "unavailable");
        assert_eq!(line["reason"], "noTeamViewerSignIn");
        assert_eq!(line["startedVia"], "intune");
        assert_eq!(line["state"], "created");
        // The code is read from the link only as a bonus.
        assert!(line["code"].as_str().is_some_and(|c| c.starts_with('s')));
        assert!(
            run.stderr.contains("Live state is unavailable"),
            "{}",
            run.stderr
        );
        assert_eq!(h.count_requests("POST", "requestRemoteAssistance"), 1);
        assert_eq!(h.count_requests("GET", "/teamviewer/api/v1/sessions"), 0);

        let text = h.run(&["session", "new", device.id()]).await;
        assert_eq!(text.code, 0, "{}", text.stderr);
        assert!(
            text.stdout.contains("Session link     http"),
            "{}",
            text.stdout
        );
        assert!(
            text.stdout
                .contains("Live state       unavailable: no TeamViewer sign-in"),
            "{}",
            text.stdout
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_teamviewer_account_that_cannot_see_the_session() {
        let h = Harness::with_tokens(SimConfig {
            intune_sessions_visible: false,
            ..sim_config()
        })
        .await;
        let device = supported(&h).await;
        let run = h
            .run(&["session", "new", device.id(), "--wait", "--json"])
            .await;
        assert_eq!(run.code, 0, "{}", run.stderr);
        let line = &run.json_lines()[0];
        assert_eq!(line["liveState"], "unavailable");
        assert_eq!(line["reason"], "notVisibleToTeamViewerAccount");
        assert!(line["sessionUrl"].as_str().is_some());
        // Intune's sessions are not matched by anything of the Intune device's.
        assert_eq!(h.count_requests("GET", "/teamviewer/api/v1/sessions/s"), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_session_link_with_no_code() {
        let h = Harness::with_tokens(SimConfig {
            session_url: SessionUrlShape::Opaque,
            ..sim_config()
        })
        .await;
        let device = supported(&h).await;
        let run = h.run(&["session", "new", device.id(), "--json"]).await;
        assert_eq!(run.code, 0, "{}", run.stderr);
        let line = &run.json_lines()[0];
        assert!(line["code"].is_null(), "{line}");
        assert_eq!(line["reason"], "noCodeInSessionUrl");
        assert!(
            line["sessionUrl"]
                .as_str()
                .is_some_and(|u| u.contains("/teamviewer/intune/session/")),
            "{line}"
        );
        // Nothing TeamViewer is asked when there is nothing to ask it about.
        assert_eq!(h.count_requests("GET", "/teamviewer/api/v1/"), 0);
    }

    /// Nothing documents that Intune's sessions name the device in `custom_api`; the
    /// simulator does not invent it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn intune_sessions_carry_no_custom_api() {
        let h = Harness::with_tokens(sim_config()).await;
        let device = supported(&h).await;
        let run = h.run(&["session", "new", device.id(), "--json"]).await;
        let code = run.json_lines()[0]["code"]
            .as_str()
            .expect("code")
            .to_string();
        let body: serde_json::Value = reqwest::Client::new()
            .get(format!(
                "{}/api/v1/sessions/{code}",
                h.sim.endpoints.teamviewer_url
            ))
            .bearer_auth(&h.sim.endpoints.teamviewer_token)
            .send()
            .await
            .expect("answer")
            .json()
            .await
            .expect("JSON");
        assert_eq!(body["code"], code.as_str());
        assert!(body.get("custom_api").is_none(), "{body}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn with_every_undocumented_behaviour_present_the_session_is_followed() {
        let h = Harness::with_tokens(sim_config()).await;
        let device = supported(&h).await;
        let run = h.run(&["session", "new", device.id(), "--json"]).await;
        assert_eq!(run.code, 0, "{}", run.stderr);
        let line = &run.json_lines()[0];
        assert_eq!(line["liveState"], "tracked");
        assert!(line.get("reason").is_none(), "{line}");
        assert_eq!(line["sessionUrl"], line["supporterLink"]);
    }
}

/// `requestRemoteAssistance` prompts the end user each time it is sent: an answer that is
/// lost never makes the tool send it again.
mod one_prompt {
    use super::*;
    use common::tuning;
    use intune_assist::sim::FaultSpec;
    use std::time::Duration;

    fn faults(spec: &str) -> FaultSpec {
        spec.parse().expect("fault spec")
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_lost_answer_is_not_resent_and_the_device_tells_the_outcome() {
        let h = Harness::with_tokens(SimConfig {
            faults: faults("lost=1,on=requestRemoteAssistance"),
            ..sim_config()
        })
        .await;
        let device = pick(&h, |d| d.assist() == Assist::Supported).await;
        let run = h.run(&["session", "new", device.id(), "--json"]).await;
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(h.sim.faults_injected().lost, 1, "the request met the fault");
        assert_eq!(
            h.count_requests("POST", "requestRemoteAssistance"),
            1,
            "sent exactly once"
        );
        assert_eq!(h.sim.open_sessions(), 1, "one session, one prompt");
        assert!(run.json_lines()[0]["sessionUrl"].as_str().is_some());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_dropped_request_is_not_resent_and_is_reported() {
        let mut h = Harness::with_tokens(SimConfig {
            faults: faults("drop=1,on=requestRemoteAssistance"),
            ..sim_config()
        })
        .await;
        h.tuning = common::Tuning {
            polling: intune_assist::assist::Polling {
                creation_timeout: Duration::from_secs(2),
                ..tuning().polling
            },
            ..tuning()
        };
        let device = pick(&h, |d| d.assist() == Assist::Supported).await;
        let run = h.run(&["session", "new", device.id()]).await;
        assert_eq!(run.code, 6, "{}", run.stderr);
        assert!(run.stderr.contains("was not sent again"), "{}", run.stderr);
        assert_eq!(h.sim.faults_injected().dropped, 1);
        assert_eq!(h.count_requests("POST", "requestRemoteAssistance"), 1);
        assert_eq!(h.sim.open_sessions(), 0);
    }

    /// A 504 does not say whether Intune acted: the request is not sent again.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_gateway_timeout_is_not_resent() {
        let mut h = Harness::with_tokens(SimConfig {
            faults: faults("504=1,on=requestRemoteAssistance"),
            ..sim_config()
        })
        .await;
        h.tuning.polling.creation_timeout = Duration::from_secs(1);
        let device = pick(&h, |d| d.assist() == Assist::Supported).await;
        let run = h.run(&["session", "new", device.id()]).await;
        assert_eq!(run.code, 6, "{}", run.stderr);
        assert!(run.stderr.contains("was not sent again"), "{}", run.stderr);
        assert_eq!(h.sim.faults_injected().gateway_timeouts, 1);
        assert_eq!(h.count_requests("POST", "requestRemoteAssistance"), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_answer_that_says_nothing_was_done_is_retried() {
        let h = Harness::with_tokens(SimConfig {
            faults: faults("429=0.5,on=requestRemoteAssistance"),
            seed: 7,
            ..sim_config()
        })
        .await;
        let device = pick(&h, |d| d.assist() == Assist::Supported).await;
        let run = h.run(&["session", "new", device.id(), "--json"]).await;
        assert_eq!(run.code, 0, "{}", run.stderr);
        let throttled = h.sim.faults_injected().throttled as usize;
        assert!(throttled >= 1, "the request met a 429 (try another seed)");
        assert_eq!(
            h.count_requests("POST", "requestRemoteAssistance"),
            throttled + 1
        );
        assert_eq!(h.sim.open_sessions(), 1);
    }
}

/// Direct TeamViewer sessions (userless devices): filed in the configured group, and read
/// however TeamViewer answers the create (its status is not documented).
mod direct {
    use super::*;
    use intune_assist::sim::CreateAnswer;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_answer_to_create_is_read_and_the_group_id_is_used() {
        for answer in [
            CreateAnswer::Ok,
            CreateAnswer::Created,
            CreateAnswer::SeeOther,
        ] {
            let mut h = Harness::with_tokens(SimConfig {
                create_answer: answer,
                ..sim_config()
            })
            .await;
            let mut config = h.services.config.clone();
            config.session_group.id = Some("g987654321".into());
            h.services = intune_assist::services::Services::new(
                config,
                intune_assist::auth::store::SecretStore::memory(),
                common::http_settings(),
            )
            .expect("services");
            let kiosk = pick(&h, |d| matches!(d.assist(), Assist::DirectSession { .. })).await;
            let run = h.run(&["session", "new", kiosk.id(), "--json"]).await;
            assert_eq!(run.code, 0, "{answer:?}: {}", run.stderr);
            let line = &run.json_lines()[0];
            let code = line["code"].as_str().expect("code");
            assert_eq!(line["startedVia"], "teamViewer");
            assert!(
                line["supporterLink"].as_str().is_some(),
                "{answer:?}: {line}"
            );
            let session = h
                .services
                .teamviewer
                .session(code)
                .await
                .expect("the session exists");
            assert_eq!(session.code, code);
            assert_eq!(h.count_requests("POST", "/teamviewer/api/v1/sessions"), 1);
            let listed = h.run(&["sessions", "--json"]).await.json();
            assert!(
                listed
                    .as_array()
                    .expect("array")
                    .iter()
                    .any(|s| s["code"] == code),
                "{listed}"
            );
            let group = h.sim_session_group(code);
            assert_eq!(group.as_deref(), Some("g987654321"), "{answer:?}");
        }
    }
}
