//! The dashboard through expiring tokens, a revoked sign-in and a network that goes away:
//! nothing the admin was looking at is lost, and work resumes by itself.

mod common;

use std::time::Duration;

use common::{Harness, sim_config};
use intune_assist::app::driver::{Clock, Driver};
use intune_assist::app::model::{Health, Options, Overlay};
use intune_assist::app::nav::Blade;
use intune_assist::auth::store::SecretStore;
use intune_assist::script::{Format, Player};
use intune_assist::sim::FaultSpec;

fn player(h: &Harness) -> Player {
    let options = Options {
        tenant_label: "contoso.onmicrosoft.com".into(),
        poll_min: Duration::from_millis(100),
        poll_max: Duration::from_millis(400),
        ..Options::default()
    };
    Player::new(
        Driver::new(h.services.clone(), options, Clock::System),
        (120, 40),
        Format::Txt,
        None,
    )
}

/// The filtered device list: its filter and how many rows it shows.
fn list_state(p: &Player) -> (String, usize) {
    match p.driver.model.stack.top() {
        Blade::AllDevices(list) => (list.filter.value().to_string(), list.rows.len()),
        other => panic!("not on All devices: {other:?}\n{}", p.screen()),
    }
}

async fn signed_in_on_a_filtered_list(p: &mut Player) -> (String, usize) {
    p.play_str(
        "wait-idle 20s\nkey l\nwait-for \"Signed in as\" 20s\nwait-idle 20s\n\
         key Enter Enter\nwait-idle 20s\nkey /\ntype DESKTOP\nkey Enter\n",
    )
    .await
    .expect("signed in, on the list");
    let state = list_state(p);
    assert!(state.1 > 0, "the filter matches devices");
    state
}

fn token_refreshes(h: &Harness) -> usize {
    h.sim
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/oauth2/v2.0/token"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_is_refreshed_without_the_admin_noticing() {
    let h = Harness::signed_out(sim_config(), SecretStore::memory()).await;
    let mut p = player(&h);
    let before = signed_in_on_a_filtered_list(&mut p).await;
    let token_calls = token_refreshes(&h);
    h.sim.expire_access_tokens();
    p.play_str("key r\nwait-idle 20s\n")
        .await
        .expect("refreshed");
    assert!(
        token_refreshes(&h) > token_calls,
        "the access token was refreshed"
    );
    assert_eq!(p.driver.model.graph_health, Health::Ok, "{}", p.screen());
    assert!(
        matches!(p.driver.model.overlay, Overlay::None),
        "no sign-in prompt"
    );
    assert_eq!(list_state(&p), before, "the list is as it was");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_sign_in_asks_to_sign_in_again_and_keeps_the_screen() {
    let h = Harness::signed_out(sim_config(), SecretStore::memory()).await;
    let mut p = player(&h);
    let before = signed_in_on_a_filtered_list(&mut p).await;
    h.sim.revoke_refresh_tokens();
    h.sim.expire_access_tokens();
    p.play_str("key r\nwait-idle 20s\n")
        .await
        .expect("refresh attempted");
    let screen = p.screen();
    assert_eq!(p.driver.model.graph_health, Health::SignedOut, "{screen}");
    assert!(
        screen.to_lowercase().contains("sign in"),
        "the admin is told to sign in again:\n{screen}"
    );
    assert_eq!(
        list_state(&p),
        before,
        "the filtered list is kept:\n{screen}"
    );
    // Signing in again (from Accounts, over the list) returns to the same list.
    p.play_str(
        "key :\ntype accounts\nkey Enter\nkey l\nwait-for \"Signed in as\" 20s\nwait-idle 20s\n",
    )
    .await
    .expect("signed in again");
    assert_eq!(
        list_state(&p),
        before,
        "back on the same list:\n{}",
        p.screen()
    );
    assert_eq!(p.driver.model.graph_health, Health::Ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_the_network_blanks_nothing_and_work_resumes_when_it_returns() {
    let h = Harness::with_tokens(sim_config()).await;
    let mut p = player(&h);
    p.play_str("wait-idle 20s\nkey Enter Enter\nwait-idle 20s\n")
        .await
        .expect("the list");
    let (_, rows) = list_state(&p);
    assert_eq!(rows, 300);
    // The network goes: every connection is cut.
    h.sim.set_faults(FaultSpec {
        drop: 1.0,
        ..FaultSpec::default()
    });
    p.play_str("key r\nwait-idle 30s\n")
        .await
        .expect("refresh tried");
    let screen = p.screen();
    assert_eq!(p.driver.model.graph_health, Health::Unreachable, "{screen}");
    assert!(
        screen.contains("unreachable"),
        "the header says so:\n{screen}"
    );
    assert!(
        screen.contains("All devices [300 of 300]"),
        "what was loaded stays on screen:\n{screen}"
    );
    // The network comes back: the next refresh works.
    h.sim.set_faults(FaultSpec::default());
    p.play_str("key r\nwait-idle 30s\n")
        .await
        .expect("refreshed");
    assert_eq!(p.driver.model.graph_health, Health::Ok, "{}", p.screen());
    assert_eq!(list_state(&p).1, 300);
}
