//! Signing in: the device code flow, refresh, revocation, decline and expiry, token storage
//! across runs, and TeamViewer (script token and OAuth2 with PKCE).

mod common;

use std::time::Duration;

use common::{Harness, run_with, sim_config};
use intune_assist::auth::store::SecretStore;
use intune_assist::auth::teamviewer::TeamViewerOAuthApp;
use intune_assist::sim::{DeviceLoginOutcome, SimConfig, SimTimings};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_code_sign_in_then_the_next_run_uses_the_stored_tokens() {
    let store = SecretStore::memory();
    let h = Harness::signed_out(sim_config(), store.clone()).await;
    let before = h.run(&["whoami"]).await;
    assert_eq!(before.code, 3, "{}", before.stderr);
    assert!(
        before.stderr.contains("not signed in to Microsoft"),
        "{}",
        before.stderr
    );

    let login = h.run(&["login", "--json"]).await;
    assert_eq!(login.code, 0, "{}", login.stderr);
    let events = login.json_lines();
    assert_eq!(events[0]["event"], "deviceCode");
    assert!(
        events[0]["prompt"]["verificationUri"]
            .as_str()
            .is_some_and(|u| u.ends_with("/login/devicelogin"))
    );
    assert_eq!(
        events[0]["prompt"]["userCode"].as_str().map(str::len),
        Some(9)
    );
    assert_eq!(
        events[1]["account"]["username"],
        "admin@contoso.onmicrosoft.com"
    );
    assert_eq!(events[1]["capabilities"]["requestAssistance"], true);

    let second_run = h.second_run(store.clone());
    let whoami = run_with(&second_run, &h.tuning, &["whoami", "--json"]).await;
    assert_eq!(whoami.code, 0, "{}", whoami.stderr);
    assert_eq!(
        whoami.json()["account"]["username"],
        "admin@contoso.onmicrosoft.com"
    );

    let logout = run_with(&second_run, &h.tuning, &["logout"]).await;
    assert_eq!(logout.code, 0);
    let third_run = h.second_run(store);
    assert_eq!(
        run_with(&third_run, &h.tuning, &["whoami"]).await.code,
        3,
        "logout removed the tokens"
    );
}

/// What the simulator was asked since `from`: token-endpoint posts, and Graph answers by
/// status.
fn since(h: &Harness, from: usize) -> (usize, Vec<u16>) {
    let log = h.sim.requests();
    let new = &log[from..];
    let refreshes = new
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/oauth2/v2.0/token"))
        .count();
    let graph = new
        .iter()
        .filter(|r| r.path.starts_with("/graph/"))
        .map(|r| r.status)
        .collect();
    (refreshes, graph)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_near_its_expiry_is_refreshed_before_it_is_used() {
    // Lifetimes under the two-minute margin: every call refreshes first, and Graph never
    // sees a stale token.
    let timings = SimTimings {
        access_token_lifetime: Duration::from_secs(60),
        ..SimTimings::fast()
    };
    let h = Harness::signed_out(
        SimConfig {
            timings,
            ..sim_config()
        },
        SecretStore::memory(),
    )
    .await;
    assert_eq!(h.run(&["login"]).await.code, 0);
    for _ in 0..3 {
        let from = h.sim.requests().len();
        let run = h.run(&["connector", "--json"]).await;
        assert_eq!(run.code, 0, "{}", run.stderr);
        let (refreshes, graph) = since(&h, from);
        assert_eq!(refreshes, 1, "refreshed before the call");
        assert!(!graph.contains(&401), "no stale token was sent: {graph:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_the_service_rejects_is_refreshed_and_the_call_retried_once() {
    let h = Harness::signed_out(sim_config(), SecretStore::memory()).await;
    assert_eq!(h.run(&["login"]).await.code, 0);
    let from = h.sim.requests().len();
    assert_eq!(h.run(&["connector", "--json"]).await.code, 0);
    let (refreshes, graph) = since(&h, from);
    assert_eq!(refreshes, 0, "a fresh token is used as it is");
    assert!(graph.iter().all(|s| *s == 200), "{graph:?}");

    // The service revokes the access token early: Graph answers 401 once, the token is
    // refreshed, and the call is sent again.
    h.sim.expire_access_tokens();
    let from = h.sim.requests().len();
    let run = h.run(&["devices", "--os", "Android", "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (refreshes, graph) = since(&h, from);
    assert_eq!(refreshes, 1);
    assert_eq!(graph.first(), Some(&401), "{graph:?}");
    assert_eq!(graph.iter().filter(|s| **s == 401).count(), 1, "{graph:?}");
    assert!(graph[1..].iter().all(|s| *s == 200), "{graph:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_refresh_token_asks_to_sign_in_again() {
    let timings = SimTimings {
        access_token_lifetime: Duration::from_secs(1),
        ..SimTimings::fast()
    };
    let h = Harness::signed_out(
        SimConfig {
            timings,
            ..sim_config()
        },
        SecretStore::memory(),
    )
    .await;
    assert_eq!(h.run(&["login"]).await.code, 0);
    h.sim.revoke_refresh_tokens();
    h.sim.expire_access_tokens();
    let run = h.run(&["connector"]).await;
    assert_eq!(run.code, 3);
    assert!(
        run.stderr.contains("AADSTS50173, invalid_grant")
            && run
                .stderr
                .contains("The refresh token has expired or was revoked")
            && run.stderr.contains("sign in again (intune-assist login)"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_share_one_refresh() {
    let h = Harness::signed_out(sim_config(), SecretStore::memory()).await;
    assert_eq!(h.run(&["login"]).await.code, 0);
    // Graph stops accepting the token: every request in flight is refused at once.
    h.sim.expire_access_tokens();
    let from = h.sim.requests().len();
    let graph = &h.services.graph;
    let query = |os: &str| intune_assist::graph::DeviceQuery {
        operating_system: Some(os.into()),
        page_size: Some(5),
        ..Default::default()
    };
    let first = |os: &str| intune_assist::graph::DeviceCursor::First(query(os));
    let (windows, android, ios, macos) = (
        first("Windows"),
        first("Android"),
        first("iOS"),
        first("macOS"),
    );
    let (a, b, c, d, e, f) = tokio::join!(
        graph.connector(),
        graph.capabilities(),
        graph.devices_page(&windows),
        graph.devices_page(&android),
        graph.devices_page(&ios),
        graph.devices_page(&macos),
    );
    a.expect("connector");
    b.expect("capabilities");
    for page in [c, d, e, f] {
        page.expect("a page");
    }
    let (refreshes, statuses) = since(&h, from);
    assert_eq!(refreshes, 1, "one refresh for every request: {statuses:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conditional_access_asks_for_a_new_sign_in_with_its_claims() {
    let store = SecretStore::memory();
    let h = Harness::signed_out(sim_config(), store.clone()).await;
    assert_eq!(h.run(&["login"]).await.code, 0);
    let claims = r#"{"access_token":{"acrs":{"essential":true,"value":"c1"}}}"#;
    h.sim.require_interaction(claims);
    h.sim.expire_access_tokens();
    let run = h.run(&["connector"]).await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("AADSTS50076") && run.stderr.contains("interaction_required"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("multi-factor authentication"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("intune-assist login"), "{}", run.stderr);
    // Asked once: later calls are answered at once, with no refresh sent again.
    let from = h.sim.requests().len();
    for _ in 0..3 {
        let again = h.run(&["devices", "--os", "Android"]).await;
        assert_eq!(again.code, 3, "{}", again.stderr);
        assert!(again.stderr.contains("AADSTS50076"), "{}", again.stderr);
    }
    let (refreshes, graph) = since(&h, from);
    assert_eq!(refreshes, 0);
    assert!(graph.is_empty(), "{graph:?}");
    // The next sign-in, in another run of the program, carries the claims challenge.
    let next = h.second_run(store);
    let login = run_with(&next, &h.tuning, &["login"]).await;
    assert_eq!(login.code, 0, "{}", login.stderr);
    assert_eq!(
        h.sim
            .device_code_claims()
            .last()
            .cloned()
            .flatten()
            .as_deref(),
        Some(claims)
    );
    let after = run_with(&next, &h.tuning, &["connector"]).await;
    assert_eq!(after.code, 0, "{}", after.stderr);
    // Answered once, the challenge is not sent again.
    assert_eq!(run_with(&next, &h.tuning, &["login"]).await.code, 0);
    assert_eq!(h.sim.device_code_claims().last().cloned().flatten(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declined_and_expired_codes_are_explained() {
    for (outcome, text) in [
        (DeviceLoginOutcome::Decline, "the sign-in was declined"),
        (
            DeviceLoginOutcome::Expire,
            "the sign-in code expired before it was used",
        ),
    ] {
        let h = Harness::signed_out(
            SimConfig {
                device_login: outcome,
                ..sim_config()
            },
            SecretStore::memory(),
        )
        .await;
        let run = h.run(&["login"]).await;
        assert_eq!(run.code, 3, "{outcome:?}");
        assert!(run.stderr.contains(text), "{outcome:?}: {}", run.stderr);
    }
}

/// A fixed redirect URI for one test: a port free now, registered with the simulated app.
fn registered_redirect() -> (String, SimConfig) {
    registered_redirect_at("/callback")
}

/// As [`registered_redirect`], with the URI's path `path`.
fn registered_redirect_at(path: &str) -> (String, SimConfig) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let uri = format!("http://127.0.0.1:{port}{path}");
    let config = SimConfig {
        teamviewer_redirect_uri: uri.clone(),
        ..sim_config()
    };
    (uri, config)
}

/// Services signed in to nothing, with the simulated TeamViewer OAuth app and `redirect` as
/// the redirect URI the client is configured with.
fn oauth_services(
    sim: &intune_assist::sim::Simulator,
    redirect: &str,
    store: SecretStore,
) -> intune_assist::services::Services {
    let mut config = intune_assist::services::Services::config_for(&sim.endpoints).expect("config");
    config.teamviewer_redirect_uri = url::Url::parse(redirect).expect("uri");
    config.teamviewer_oauth = Some(TeamViewerOAuthApp {
        client_id: "12345-sim-oauth-client".into(),
        client_secret: "sim-oauth-client-secret".into(),
    });
    intune_assist::services::Services::new(config, store, common::http_settings())
        .expect("services")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teamviewer_oauth_uses_pkce_and_state() {
    // The redirect arrives at whatever path the app registered, not only `/callback`.
    for path in ["/callback", "/tv", "/"] {
        oauth_sign_in_through(path).await;
    }
}

async fn oauth_sign_in_through(path: &str) {
    let (_sim, services) = oauth_signed_in(path, None).await;
    let account = services
        .teamviewer
        .account()
        .await
        .expect("account with the OAuth token");
    assert_eq!(account.user_id, "u11293276");
}

/// Signs in to TeamViewer with OAuth through a redirect URI at `path`, with `faults` injected
/// from the start; returns the simulator and the services, or the sign-in's error.
async fn oauth_sign_in(
    path: &str,
    faults: Option<&str>,
) -> (
    intune_assist::sim::Simulator,
    intune_assist::services::Services,
    Result<(), intune_assist::http::ApiError>,
) {
    let store = SecretStore::memory();
    let (redirect, sim_config) = registered_redirect_at(path);
    let sim = intune_assist::sim::Simulator::start(sim_config, 0)
        .await
        .expect("sim");
    if let Some(faults) = faults {
        sim.set_faults(faults.parse().expect("fault spec"));
    }
    let services = oauth_services(&sim, &redirect, store);
    let auth = services.teamviewer_auth.clone();
    let (url_tx, url_rx) = tokio::sync::oneshot::channel::<String>();
    let login_root = sim.endpoints.teamviewer_login_url.clone();
    let browser = tokio::spawn(async move {
        let url = url_rx.await.expect("authorize url");
        assert!(
            url.starts_with(&format!("{login_root}/oauth2/authorize?")),
            "{url}"
        );
        assert!(
            url.contains(&format!(
                "redirect_uri={}",
                url::form_urlencoded::byte_serialize(redirect.as_bytes()).collect::<String>()
            )),
            "the registered redirect URI: {url}"
        );
        assert!(
            url.contains("code_challenge=") && url.contains("code_challenge_method=S256"),
            "{url}"
        );
        assert!(url.contains("state="), "{url}");
        // The browser follows the redirect to the loopback listener.
        reqwest::get(&url)
            .await
            .expect("browser")
            .text()
            .await
            .expect("page")
    });
    let signed_in = auth
        .oauth_login(|url| {
            let _ = url_tx.send(url.to_string());
        })
        .await;
    let page = browser.await.expect("browser");
    if signed_in.is_ok() {
        assert!(page.contains("Signed in to TeamViewer"), "{page}");
    }
    (sim, services, signed_in)
}

/// As [`oauth_sign_in`], which must succeed.
async fn oauth_signed_in(
    path: &str,
    faults: Option<&str>,
) -> (
    intune_assist::sim::Simulator,
    intune_assist::services::Services,
) {
    let (sim, services, signed_in) = oauth_sign_in(path, faults).await;
    signed_in.expect("oauth sign-in");
    (sim, services)
}

fn teamviewer_token_posts(sim: &intune_assist::sim::Simulator, from: usize) -> usize {
    sim.requests()[from..]
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/teamviewer/api/v1/oauth2/token")
        .count()
}

/// An authorization code can be redeemed once: when the answer to the exchange is lost, it is
/// not sent again, and the admin is asked to sign in again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_authorization_code_exchange_is_never_sent_twice() {
    let (sim, _services, signed_in) =
        oauth_sign_in("/callback", Some("lost=1,on=oauth2/token")).await;
    let error = signed_in.expect_err("the answer was lost");
    assert_eq!(teamviewer_token_posts(&sim, 0), 1, "one exchange: {error}");
}

/// Concurrent TeamViewer requests that find the access token expired share one refresh.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_teamviewer_requests_share_one_refresh() {
    let (sim, services) = oauth_signed_in("/callback", None).await;
    sim.expire_access_tokens();
    let from = sim.requests().len();
    let tv = &services.teamviewer;
    let open = intune_assist::teamviewer::SessionFilter::Open;
    let closed = intune_assist::teamviewer::SessionFilter::Closed;
    let all = intune_assist::teamviewer::SessionFilter::All;
    let (a, b, c, d) = tokio::join!(
        tv.account(),
        tv.sessions(open),
        tv.sessions(closed),
        tv.sessions(all)
    );
    a.expect("account");
    b.expect("open sessions");
    c.expect("closed sessions");
    d.expect("all sessions");
    assert_eq!(
        teamviewer_token_posts(&sim, from),
        1,
        "one refresh for four requests"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_uri_other_than_the_registered_one_is_refused() {
    let (_, sim_config) = registered_redirect();
    let sim = intune_assist::sim::Simulator::start(sim_config, 0)
        .await
        .expect("sim");
    let (other, _) = registered_redirect();
    let services = oauth_services(&sim, &other, SecretStore::memory());
    let (url_tx, url_rx) = tokio::sync::oneshot::channel::<String>();
    let login = tokio::spawn(async move {
        services
            .teamviewer_auth
            .oauth_login(|url| {
                let _ = url_tx.send(url.to_string());
            })
            .await
    });
    let url = url_rx.await.expect("authorize url");
    let status = reqwest::get(&url).await.expect("browser").status();
    assert_eq!(
        status.as_u16(),
        400,
        "TeamViewer refuses an unregistered redirect"
    );
    login.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_with_the_wrong_state_is_refused() {
    let (redirect, sim_config) = registered_redirect();
    let sim = intune_assist::sim::Simulator::start(sim_config, 0)
        .await
        .expect("sim");
    let services = oauth_services(&sim, &redirect, SecretStore::memory());
    let (url_tx, url_rx) = tokio::sync::oneshot::channel::<String>();
    let attacker = tokio::spawn(async move {
        let url = url::Url::parse(&url_rx.await.expect("url")).expect("url");
        let redirect = url
            .query_pairs()
            .find(|(k, _)| k == "redirect_uri")
            .map(|(_, v)| v.into_owned())
            .expect("redirect");
        reqwest::get(format!("{redirect}?code=stolen&state=forged"))
            .await
            .expect("request")
            .status()
    });
    let error = services
        .teamviewer_auth
        .oauth_login(|url| {
            let _ = url_tx.send(url.to_string());
        })
        .await
        .expect_err("forged state");
    assert!(error.to_string().contains("wrong state"), "{error}");
    assert!(attacker.await.expect("attacker").is_success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_teamviewer_tokens_are_reported() {
    let h = Harness::with_tokens(sim_config()).await;
    let mut config =
        intune_assist::services::Services::config_for(&h.sim.endpoints).expect("config");
    config.graph_token = Some(h.sim.endpoints.graph_token.clone().into());
    config.teamviewer_token = Some("not-a-token".to_string().into());
    let services = intune_assist::services::Services::new(
        config,
        SecretStore::memory(),
        common::http_settings(),
    )
    .expect("services");
    assert!(!services.teamviewer.ping().await.expect("ping answers"));
    let run = run_with(&services, &h.tuning, &["sessions"]).await;
    assert_eq!(run.code, 3);
    assert!(
        run.stderr
            .contains("TeamViewer no longer accepts the token"),
        "{}",
        run.stderr
    );
}
