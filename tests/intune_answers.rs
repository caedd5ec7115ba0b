//! What a real tenant may answer that the documents do not rule out: a device that still
//! shows an earlier session's link or error, a link that is no web address, Intune's own
//! error as JSON inside Graph's message, a connector by any name. Each undocumented
//! behaviour is a simulator option, and the client is tested with it on and off.

mod common;

use std::time::Duration;

use common::{Harness, Tuning, run_with, sim_config, tuning};
use intune_assist::assist::{AssistError, Polling};
use intune_assist::domain::{Assist, Device, Platform};
use intune_assist::sim::{SessionFields, SessionUrlShape, SimConfig, SimTimings};

async fn supported(h: &Harness) -> Device {
    h.device_where(|d| d.platform() == Platform::Windows && d.assist() == Assist::Supported)
        .await
}

/// A tenant (Graph only) whose Intune treats earlier session fields as `fields`, and a
/// device remote assistance supports there.
async fn tenant_where_intune(fields: SessionFields) -> (Harness, Device) {
    let h = Harness::graph_only(SimConfig {
        session_fields: fields,
        ..sim_config()
    })
    .await;
    let device = supported(&h).await;
    (h, device)
}

fn session_posts(h: &Harness) -> usize {
    h.count_requests("POST", "requestRemoteAssistance")
}

/// How often the device's session link was read.
fn session_link_reads(h: &Harness) -> usize {
    h.sim
        .requests()
        .iter()
        .filter(|r| {
            r.method == "GET"
                && r.query
                    .as_deref()
                    .is_some_and(|q| q.contains("remoteAssistanceSessionUrl"))
        })
        .count()
}

/// Polling that gives Intune one second to record the session.
fn impatient() -> Tuning {
    Tuning {
        polling: Polling {
            creation_timeout: Duration::from_secs(1),
            ..Polling::fast()
        },
        ..tuning()
    }
}

/// A tenant where Intune never finishes creating a session.
fn intune_never_answers(fields: SessionFields) -> SimConfig {
    SimConfig {
        session_fields: fields,
        timings: SimTimings {
            session_created: Duration::from_secs(3600),
            ..SimTimings::fast()
        },
        ..sim_config()
    }
}

mod the_session_is_this_ones {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_second_session_gets_its_own_link_whether_or_not_intune_clears_the_first() {
        for fields in [SessionFields::Kept, SessionFields::Cleared] {
            let (h, device) = tenant_where_intune(fields).await;
            let mut links = Vec::new();
            for round in 1..=2 {
                let run = h.run(&["session", "new", device.id(), "--json"]).await;
                assert_eq!(run.code, 0, "{fields:?} round {round}: {}", run.stderr);
                assert_eq!(session_posts(&h), round, "{fields:?}: one POST a session");
                let line = &run.json_lines()[0];
                links.push(line["sessionUrl"].as_str().expect("a link").to_string());
            }
            assert_ne!(
                links[0], links[1],
                "{fields:?}: the second request's answer is not the first session's link"
            );
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_link_unchanged_since_before_the_request_is_said_to_be_so() {
        let old = "https://start.teamviewer.com/v15/s111222333-OldSession";
        for fields in [SessionFields::Kept, SessionFields::Cleared] {
            let h = Harness::graph_only(intune_never_answers(fields)).await;
            let device = supported(&h).await;
            h.sim.set_session_fields(device.id(), Some(old), None);
            let run = run_with(
                &h.services,
                &impatient(),
                &["session", "new", device.id(), "--json"],
            )
            .await;
            assert_eq!(run.code, 7, "{fields:?}: {}", run.stderr);
            assert!(run.stdout.is_empty(), "no session printed: {}", run.stdout);
            assert_eq!(session_posts(&h), 1, "{fields:?}: sent once");
            match fields {
                SessionFields::Kept => {
                    assert!(
                        run.stderr.contains("unchanged since before the request"),
                        "{}",
                        run.stderr
                    );
                    assert!(run.stderr.contains(old), "{}", run.stderr);
                }
                SessionFields::Cleared => {
                    assert!(
                        run.stderr.contains("no session link appeared"),
                        "{}",
                        run.stderr
                    );
                }
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_error_from_before_the_request_is_not_this_requests_failure() {
        for fields in [SessionFields::Kept, SessionFields::Cleared] {
            let (h, device) = tenant_where_intune(fields).await;
            h.sim.set_session_fields(
                device.id(),
                None,
                Some("The TeamViewer session could not be created."),
            );
            let run = h.run(&["session", "new", device.id(), "--json"]).await;
            assert_eq!(run.code, 0, "{fields:?}: {}", run.stderr);
            assert!(run.json_lines()[0]["sessionUrl"].as_str().is_some());
            assert_eq!(session_posts(&h), 1);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_error_from_before_still_shown_after_the_grace_period_is_said_to_be_old() {
        let h = Harness::graph_only(intune_never_answers(SessionFields::Kept)).await;
        let device = supported(&h).await;
        h.sim
            .set_session_fields(device.id(), None, Some("Session creation failed."));
        let run = run_with(&h.services, &impatient(), &["session", "new", device.id()]).await;
        assert_eq!(run.code, 7, "{}", run.stderr);
        assert!(
            run.stderr.contains("unchanged since before the request")
                && run.stderr.contains("Session creation failed."),
            "{}",
            run.stderr
        );
        assert!(
            !run.stderr.contains("Intune could not create the session"),
            "not reported as this request's failure: {}",
            run.stderr
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_link_that_is_no_web_address_is_the_session() {
        for (shape, start) in [
            (SessionUrlShape::Scheme, "tvsupport://session/"),
            (SessionUrlShape::Text, "TeamViewer session "),
        ] {
            let h = Harness::with_tokens(SimConfig {
                session_url: shape,
                ..sim_config()
            })
            .await;
            let device = supported(&h).await;
            let run = h.run(&["session", "new", device.id(), "--json"]).await;
            assert_eq!(run.code, 0, "{shape:?}: {}", run.stderr);
            let line = &run.json_lines()[0];
            assert!(
                line["sessionUrl"]
                    .as_str()
                    .is_some_and(|u| u.starts_with(start)),
                "{line}"
            );
            assert_eq!(line["reason"], "noCodeInSessionUrl");
            let text = h.run(&["session", "new", device.id()]).await;
            assert_eq!(text.code, 0, "{}", text.stderr);
            assert!(text.stdout.contains("not a web address"), "{}", text.stdout);
            assert_eq!(session_posts(&h), 2, "{shape:?}: one POST a request");
        }
    }
}

mod intunes_own_errors {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_refusal_shows_intunes_message_and_activity_id_not_its_json() {
        for json in [true, false] {
            let h = Harness::graph_only(SimConfig {
                intune_error_json: json,
                request_failure: Some(400),
                ..sim_config()
            })
            .await;
            let device = supported(&h).await;
            let run = h.run(&["session", "new", device.id()]).await;
            assert_eq!(run.code, 7, "{json}: {}", run.stderr);
            assert!(
                run.stderr
                    .contains("The remote assistance partner could not create a session."),
                "{json}: {}",
                run.stderr
            );
            assert!(!run.stderr.contains("_version"), "{}", run.stderr);
            assert!(!run.stderr.contains("fef.msub02"), "{}", run.stderr);
            assert_eq!(
                run.stderr.contains("activity id"),
                json,
                "the activity id comes from Intune's JSON: {}",
                run.stderr
            );
            assert_eq!(session_posts(&h), 1);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_400_is_explained_by_reading_the_connector_again() {
        for json in [true, false] {
            let h = Harness::graph_only(SimConfig {
                intune_error_json: json,
                onboarded: false,
                ..sim_config()
            })
            .await;
            let device = supported(&h).await;
            let clock = intune_assist::clock::Clock::System;
            let polling = Polling::fast();
            // The admin's view said onboarded (a stale screen): Intune's 400 is read again.
            let result = h
                .services
                .session_starter(&polling, &clock)
                .start(&device, true, |_| {})
                .await;
            assert!(
                matches!(result, Err(AssistError::NotOnboarded)),
                "{json}: {result:?}"
            );
            assert_eq!(session_posts(&h), 1);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_server_error_with_intunes_json_is_a_definite_failure() {
        for status in [500, 503] {
            let h = Harness::graph_only(SimConfig {
                intune_error_json: true,
                request_failure: Some(status),
                ..sim_config()
            })
            .await;
            let device = supported(&h).await;
            let run = h.run(&["session", "new", device.id()]).await;
            assert_eq!(run.code, 6, "{status}: {}", run.stderr);
            assert!(
                run.stderr.contains("Intune failed the request")
                    && run.stderr.contains("activity id"),
                "{status}: {}",
                run.stderr
            );
            assert!(!run.stderr.contains("was lost"), "{}", run.stderr);
            assert_eq!(session_posts(&h), 1, "{status}: never sent again");
            assert_eq!(
                session_link_reads(&h),
                1,
                "{status}: the device's link is read before the request, never polled after"
            );
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_server_error_without_intunes_json_may_have_been_carried_out() {
        let h = Harness::graph_only(SimConfig {
            intune_error_json: false,
            request_failure: Some(500),
            ..sim_config()
        })
        .await;
        let device = supported(&h).await;
        let run = run_with(&h.services, &impatient(), &["session", "new", device.id()]).await;
        assert_eq!(run.code, 6, "{}", run.stderr);
        assert!(run.stderr.contains("was lost"), "{}", run.stderr);
        assert_eq!(session_posts(&h), 1);
    }
}

mod the_connector_by_any_name {
    use super::*;

    fn partner_posts(h: &Harness, leaf: &str) -> usize {
        h.sim
            .requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with(leaf))
            .count()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_partner_is_the_connector_whatever_it_is_called() {
        for name in [Some("Display Name value"), None] {
            let h = Harness::with_tokens(SimConfig {
                partner_name: name.map(str::to_string),
                ..sim_config()
            })
            .await;
            let run = h.run(&["connector", "--json"]).await;
            assert_eq!(run.code, 0, "{}", run.stderr);
            let json = run.json();
            assert_eq!(json["id"], intune_assist::sim::PARTNER_ID, "{name:?}");
            assert_eq!(json["onboardingStatus"], "onboarded");
            assert!(json.get("choice").is_none(), "{json}");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn of_several_the_one_named_teamviewer_is_used_and_the_choice_said() {
        let h = Harness::with_tokens(SimConfig {
            other_partners: vec!["Contoso Remote Help".into()],
            ..sim_config()
        })
        .await;
        let run = h.run(&["connector", "--json"]).await;
        assert_eq!(run.code, 0, "{}", run.stderr);
        let json = run.json();
        assert_eq!(json["id"], intune_assist::sim::PARTNER_ID);
        assert!(
            json["choice"]
                .as_str()
                .is_some_and(|c| c.contains("2 remote assistance partners")
                    && c.contains("names TeamViewer")
                    || c.contains("name says TeamViewer")),
            "{json}"
        );
        let text = h.run(&["connector"]).await;
        assert!(
            text.stdout
                .contains("Note        2 remote assistance partners"),
            "{}",
            text.stdout
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn enabling_never_creates_a_second_partner() {
        let h = Harness::with_tokens(SimConfig {
            onboarded: false,
            partner_name: Some("Display Name value".into()),
            ..sim_config()
        })
        .await;
        let run = h
            .run(&["connector", "enable", "--accept-license", "--no-wait"])
            .await;
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(partner_posts(&h, "/remoteAssistancePartners"), 0);
        assert_eq!(partner_posts(&h, "/beginOnboarding"), 1);
        assert_eq!(h.sim.connector_status(), Some("onboarding"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_tenant_with_none_gets_one() {
        let h = Harness::with_tokens(SimConfig {
            onboarded: false,
            partner_exists: false,
            ..sim_config()
        })
        .await;
        let run = h
            .run(&["connector", "enable", "--accept-license", "--no-wait"])
            .await;
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(partner_posts(&h, "/remoteAssistancePartners"), 1);
        assert_eq!(partner_posts(&h, "/beginOnboarding"), 1);
    }
}
