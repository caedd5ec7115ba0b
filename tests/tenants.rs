//! Two simulated tenants used side by side: tenant profiles select each from the command
//! line (tokens kept per profile, `tenants`, `logout --tenant`/`--all`), and the dashboard
//! switches between them in place while the first tenant's session is still followed.

mod common;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use common::{Run, TENANT_TIME, http_settings, sim_config, tuning};
use intune_assist::auth::store::SecretStore;
use intune_assist::cli::Cli;
use intune_assist::clock::Clock;
use intune_assist::config::Config;
use intune_assist::http::HttpSettings;
use intune_assist::services::Services;
use intune_assist::sim::{SimConfig, Simulator};

/// Contoso and Fabrikam, each its own simulator, and a configuration with a profile for each.
struct TwoTenants {
    contoso: Simulator,
    fabrikam: Simulator,
    _dir: tempfile::TempDir,
    path: PathBuf,
    /// The secret store every run shares, as the OS keyring would be.
    store: SecretStore,
}

impl TwoTenants {
    async fn start(clock: Clock) -> TwoTenants {
        let base = SimConfig {
            devices: 30,
            past_sessions: 0,
            clock: clock.clone(),
            now: Some(TENANT_TIME),
            ..sim_config()
        };
        let contoso = Simulator::start(base.tenant(0), 0).await.expect("contoso");
        let fabrikam = Simulator::start(
            SimConfig {
                devices: 20,
                ..base.tenant(1)
            },
            0,
        )
        .await
        .expect("fabrikam");
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("config.toml");
        let text = format!(
            "audit_log = \"{}\"\ninventory_cache = false\n\n{}\n{}",
            dir.path().join("audit.jsonl").display(),
            contoso
                .endpoints
                .profile_table("contoso", "contoso.onmicrosoft.com"),
            fabrikam
                .endpoints
                .profile_table("fabrikam", "fabrikam.onmicrosoft.com"),
        );
        std::fs::write(&path, text).expect("config written");
        TwoTenants {
            contoso,
            fabrikam,
            _dir: dir,
            path,
            store: SecretStore::memory(),
        }
    }

    /// The services of `profile` (or the default one), as a run of the program builds them.
    fn services(&self, profile: Option<&str>, http: HttpSettings) -> Services {
        let profiles =
            Arc::new(Config::load_profiles(Some(&self.path), &HashMap::new()).expect("profiles"));
        let selected = profiles.select(profile).expect("a profile");
        let config = profiles.resolve(selected.as_deref()).expect("config");
        Services::new(config, self.store.clone(), http).expect("services")
    }

    /// Runs a command line, selecting the profile from its `--tenant` as the program does.
    async fn run(&self, args: &[&str]) -> Run {
        let cli = Cli::try_parse_from(std::iter::once("intune-assist").chain(args.iter().copied()))
            .unwrap_or_else(|e| panic!("bad command line {args:?}: {e}"));
        let services = self.services(cli.tenant.as_deref(), http_settings());
        common::run_with(&services, &tuning(), args).await
    }

    async fn login(&self, profile: &str) {
        let run = self.run(&["--tenant", profile, "login"]).await;
        assert_eq!(run.code, 0, "login to {profile}: {}", run.stderr);
    }

    /// Stores the profile's TeamViewer script token, as `login --teamviewer-token` does.
    async fn login_teamviewer(&self, profile: &str) {
        let sim = if profile == "contoso" {
            &self.contoso
        } else {
            &self.fabrikam
        };
        self.services(Some(profile), http_settings())
            .teamviewer_auth
            .save_script_token(sim.endpoints.teamviewer_token.clone().into())
            .await
            .expect("the script token is accepted");
    }

    /// Who `tenants --json` says is signed in to Microsoft in each profile.
    async fn signed_in(&self) -> Vec<(String, bool)> {
        let run = self.run(&["tenants", "--json"]).await;
        assert_eq!(run.code, 0, "{}", run.stderr);
        run.json()
            .as_array()
            .expect("an array")
            .iter()
            .map(|row| {
                (
                    row["profile"].as_str().unwrap_or_default().to_string(),
                    !row["microsoft"].is_null(),
                )
            })
            .collect()
    }
}

fn upns(run: &Run) -> Vec<String> {
    run.json()
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|d| d["userPrincipalName"].as_str())
        .filter(|u| !u.is_empty())
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tenants_side_by_side_from_the_command_line() {
    let t = TwoTenants::start(Clock::System).await;
    let listed = t.run(&["tenants", "--json"]).await;
    let rows = listed.json();
    let rows = rows.as_array().expect("an array").clone();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["profile"], "contoso");
    assert_eq!(
        rows[0]["selected"], true,
        "the first by name is the default"
    );
    assert_eq!(rows[0]["default"], true);
    assert_eq!(rows[1]["tenant"], "fabrikam.onmicrosoft.com");
    assert_eq!(
        t.signed_in().await,
        [("contoso".into(), false), ("fabrikam".into(), false)]
    );

    t.login("contoso").await;
    assert_eq!(
        t.signed_in().await,
        [("contoso".into(), true), ("fabrikam".into(), false)],
        "a sign-in belongs to its profile"
    );
    let refused = t.run(&["--tenant", "fabrikam", "devices", "--json"]).await;
    assert_eq!(
        refused.code, 3,
        "fabrikam is not signed in: {}",
        refused.stderr
    );

    t.login("fabrikam").await;
    // Each organisation's simulator serves only its own profile's requests.
    let graph_calls = |sim: &Simulator| {
        sim.requests()
            .iter()
            .filter(|r| r.path.contains("managedDevices"))
            .count()
    };
    let (contoso_before, fabrikam_before) = (graph_calls(&t.contoso), graph_calls(&t.fabrikam));
    let contoso = t.run(&["devices", "--json"]).await;
    assert!(graph_calls(&t.contoso) > contoso_before, "contoso listed");
    assert_eq!(
        graph_calls(&t.fabrikam),
        fabrikam_before,
        "fabrikam never hears of contoso's listing"
    );
    let contoso_after = graph_calls(&t.contoso);
    let fabrikam = t.run(&["--tenant", "fabrikam", "devices", "--json"]).await;
    assert!(
        graph_calls(&t.fabrikam) > fabrikam_before,
        "fabrikam listed"
    );
    assert_eq!(
        graph_calls(&t.contoso),
        contoso_after,
        "contoso never hears of fabrikam's listing"
    );
    assert_eq!(contoso.code, 0, "{}", contoso.stderr);
    assert_eq!(fabrikam.code, 0, "{}", fabrikam.stderr);
    assert_eq!(contoso.json().as_array().map(Vec::len), Some(30));
    assert_eq!(fabrikam.json().as_array().map(Vec::len), Some(20));
    assert!(upns(&contoso).iter().all(|u| u.ends_with("@contoso.com")));
    assert!(upns(&fabrikam).iter().all(|u| u.ends_with("@fabrikam.com")));
    let text = t.run(&["tenants"]).await;
    assert!(
        text.stdout.contains("fabrikam.onmicrosoft.com"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("admin@fabrikam.onmicrosoft.com"),
        "{}",
        text.stdout
    );

    let unknown = Config::load(Some(&t.path), &HashMap::new(), Some("northwind"))
        .expect_err("an unknown profile is refused");
    assert!(unknown.0.contains("contoso, fabrikam"), "{}", unknown.0);

    let out = t.run(&["--tenant", "fabrikam", "logout"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        t.signed_in().await,
        [("contoso".into(), true), ("fabrikam".into(), false)],
        "logout --tenant signs out of that profile only"
    );
    t.login("fabrikam").await;
    let all = t.run(&["logout", "--all"]).await;
    assert_eq!(all.code, 0, "{}", all.stderr);
    assert!(all.stdout.contains("contoso, fabrikam"), "{}", all.stdout);
    assert_eq!(
        t.signed_in().await,
        [("contoso".into(), false), ("fabrikam".into(), false)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_switches_tenants_and_keeps_following_the_first_ones_session() {
    let clock = Clock::virtual_at(TENANT_TIME);
    let t = TwoTenants::start(clock.clone()).await;
    t.login("contoso").await;
    t.login_teamviewer("contoso").await;
    t.login("fabrikam").await;
    let services = t.services(
        Some("contoso"),
        HttpSettings {
            clock: clock.clone(),
            ..http_settings()
        },
    );
    let device = common::supported_device(&services).await;
    let options = intune_assist::app::model::Options {
        has_display: false,
        ..intune_assist::app::model::Options::for_config(&services.config, false, false)
    };
    let driver = intune_assist::app::driver::Driver::new(services, options, clock);
    let mut player = intune_assist::script::Player::new(
        driver,
        (160, 40),
        intune_assist::script::Format::Txt,
        None,
    );
    let tape = format!(
        "wait-idle\n\
         key :\ntype device {}\nkey Enter\nwait-idle\n\
         key m Enter Enter\nwait-for \"Session code\"\n\
         snapshot contoso\n\
         key :\ntype tenant fabrikam\nkey Enter\nwait-idle\n\
         snapshot switched\n\
         key :\ntype devices\nkey Enter\nwait-idle\n\
         snapshot fabrikam-devices\n\
         key :\ntype tenants\nkey Enter\nwait-idle\n\
         snapshot tenants\n",
        device.name()
    );
    if let Err(e) = player.play_str(&tape).await {
        panic!("{e}\n{}", player.screen());
    }
    let shot = |name: &str| {
        player
            .snapshots
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.text.clone())
            .unwrap_or_else(|| panic!("no snapshot {name}"))
    };
    let contoso = shot("contoso");
    assert!(
        contoso.contains("contoso · contoso.onmicrosoft.com"),
        "{contoso}"
    );
    let code = player
        .driver
        .model
        .sessions
        .first()
        .and_then(|s| s.code.clone())
        .expect("a session with a code");

    let switched = shot("switched");
    assert!(
        switched.contains("fabrikam · fabrikam.onmicrosoft.com"),
        "{switched}"
    );
    assert!(
        switched.contains(&code),
        "the session stays in the side pane:\n{switched}"
    );
    assert!(
        switched.contains("[contoso]"),
        "marked with its tenant:\n{switched}"
    );

    let devices = shot("fabrikam-devices");
    assert!(devices.contains("@fabrikam.com"), "{devices}");
    assert!(!devices.contains("@contoso.com"), "{devices}");
    let model = &player.driver.model;
    assert_eq!(model.devices.all.len(), 20, "fabrikam's devices only");
    assert!(model.devices.all.iter().all(|d| d.name() != device.name()));

    let tenants = shot("tenants");
    assert!(tenants.contains("Tenants [2]"), "{tenants}");
    assert!(tenants.contains("Accounts › Tenants"), "{tenants}");

    // The contoso session is still polled, against contoso's TeamViewer, while fabrikam is
    // shown; fabrikam's simulator never hears of it.
    let polls = |sim: &Simulator| {
        sim.requests()
            .iter()
            .filter(|r| r.method == "GET" && r.path.contains(&format!("/sessions/{code}")))
            .count()
    };
    let before = polls(&t.contoso);
    let waited = player
        .driver
        .run_until(Duration::from_secs(120), |m| {
            m.sessions.iter().any(|s| s.poll.next_at > m.now)
        })
        .await;
    assert!(waited.is_ok());
    player
        .play_str("sleep 30s\nwait-idle\n")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        polls(&t.contoso) > before,
        "still followed after the switch"
    );
    assert_eq!(polls(&t.fabrikam), 0, "never asked of the other tenant");
}

#[test]
fn sim_serve_tenants_serves_each_organisation_with_its_own_tokens() {
    let bin = env!("CARGO_BIN_EXE_intune-assist");
    let served = common::served::ServedSim::start(bin, &["--tenants", "2", "--devices", "25"]);
    assert_eq!(served.tenants.len(), 2);
    let home = tempfile::tempdir().expect("home");
    let path = home.path().join("config.toml");
    let mut text = String::from("inventory_cache = false\nsecret_store = \"memory\"\n");
    for tenant in &served.tenants {
        let field = |key: &str| tenant[key].as_str().unwrap_or_default().to_string();
        text.push_str(&format!(
            "\n[tenants.{}]\ntenant = \"{}\"\nclient_id = \"intune-assist-demo\"\n\
             graph_url = \"{}\"\nlogin_url = \"{}\"\nteamviewer_url = \"{}\"\n",
            field("profile"),
            field("tenant"),
            field("graph_url"),
            field("login_url"),
            field("teamviewer_url"),
        ));
    }
    std::fs::write(&path, text).expect("config");
    let names: Vec<&str> = served
        .tenants
        .iter()
        .filter_map(|t| t["profile"].as_str())
        .collect();
    assert_eq!(names, ["contoso", "fabrikam"]);
    let devices = |profile: &str, token_of: usize| {
        std::process::Command::new(bin)
            .env_clear()
            .env("HOME", home.path())
            .env("XDG_STATE_HOME", home.path())
            .env(
                "INTUNE_ASSIST_GRAPH_TOKEN",
                served.tenants[token_of]["graph_token"]
                    .as_str()
                    .unwrap_or_default(),
            )
            .args(["--config"])
            .arg(&path)
            .args(["--tenant", profile, "devices", "--json"])
            .output()
            .expect("runs")
    };
    let fabrikam = devices("fabrikam", 1);
    assert!(
        fabrikam.status.success(),
        "{}",
        String::from_utf8_lossy(&fabrikam.stderr)
    );
    let listed: serde_json::Value = serde_json::from_slice(&fabrikam.stdout).expect("JSON");
    let upns: Vec<&str> = listed
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|d| d["userPrincipalName"].as_str())
        .filter(|u| !u.is_empty())
        .collect();
    assert!(!upns.is_empty() && upns.iter().all(|u| u.ends_with("@fabrikam.com")));
    let crossed = devices("fabrikam", 0);
    assert_eq!(
        crossed.status.code(),
        Some(3),
        "contoso's token is no good at fabrikam: {}",
        String::from_utf8_lossy(&crossed.stderr)
    );
}
