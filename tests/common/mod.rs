//! Shared test harness: an in-process simulator, services pointed at it, and a way to run
//! subcommands exactly as the binary parses them.
#![allow(dead_code)]

pub mod served;

use std::time::Duration;

use clap::Parser;
use intune_assist::auth::store::SecretStore;
use intune_assist::cli::Cli;
pub use intune_assist::commands::Tuning;
use intune_assist::commands::{self, output::Output};
use intune_assist::http::{HttpSettings, RetryPolicy};
use intune_assist::services::Services;
use intune_assist::sim::{SimConfig, SimTimings, Simulator};

/// A simulator and services that talk to it.
pub struct Harness {
    pub sim: Simulator,
    pub services: Services,
    pub tuning: Tuning,
}

/// The result of one subcommand.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Standard output as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stdout))
    }

    /// Standard output as JSON lines.
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}"))
            })
            .collect()
    }
}

/// The instant test tenants are generated at, so two simulators hold identical tenants.
pub const TENANT_TIME: time::OffsetDateTime = time::macros::datetime!(2026-11-24 09:00 UTC);

/// A small fast tenant.
pub fn sim_config() -> SimConfig {
    SimConfig {
        devices: 300,
        timings: SimTimings::fast(),
        now: Some(TENANT_TIME),
        ..SimConfig::default()
    }
}

/// Retries fast enough for tests, as many as production.
pub fn http_settings() -> HttpSettings {
    HttpSettings {
        retry: RetryPolicy {
            max_attempts: 8,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(500),
            ..RetryPolicy::default()
        },
        ..HttpSettings::default()
    }
}

/// Tuning for fast tests.
pub fn tuning() -> Tuning {
    Tuning {
        polling: intune_assist::assist::Polling::fast(),
        onboarding_poll: Some(Duration::from_millis(50)),
        // As at a terminal: `session new --wait` nudges on standard error.
        notify: true,
    }
}

impl Harness {
    /// A simulator, with services using its fixed automation tokens.
    pub async fn with_tokens(config: SimConfig) -> Harness {
        Self::with_automation_tokens(config, true).await
    }

    /// A simulator, with services signed in to Microsoft Graph only: no TeamViewer sign-in.
    pub async fn graph_only(config: SimConfig) -> Harness {
        Self::with_automation_tokens(config, false).await
    }

    async fn with_automation_tokens(config: SimConfig, teamviewer: bool) -> Harness {
        let sim = Simulator::start(config, 0).await.expect("simulator starts");
        let mut cfg = Services::config_for(&sim.endpoints).expect("config");
        cfg.graph_token = Some(sim.endpoints.graph_token.clone().into());
        if teamviewer {
            cfg.teamviewer_token = Some(sim.endpoints.teamviewer_token.clone().into());
        }
        let services =
            Services::new(cfg, SecretStore::memory(), http_settings()).expect("services");
        Harness {
            sim,
            services,
            tuning: tuning(),
        }
    }

    /// The first device the simulated tenant has that remote assistance plainly supports.
    pub async fn supported_device(&self) -> intune_assist::domain::Device {
        supported_device(&self.services).await
    }

    /// The first device of the simulated tenant for which `want` holds.
    pub async fn device_where(
        &self,
        want: impl Fn(&intune_assist::domain::Device) -> bool,
    ) -> intune_assist::domain::Device {
        self.services
            .graph
            .all_devices(Default::default(), |_, _| {})
            .await
            .expect("devices")
            .into_iter()
            .find(|d| want(d))
            .expect("a matching device")
    }

    /// The TeamViewer group a session was filed in, as the simulator holds it.
    pub fn sim_session_group(&self, code: &str) -> Option<String> {
        self.sim.session_group(code)
    }

    /// How many requests with `method` went to a path that contains `path`.
    pub fn count_requests(&self, method: &str, path: &str) -> usize {
        self.sim
            .requests()
            .iter()
            .filter(|r| r.method == method && r.path.contains(path))
            .count()
    }

    /// A simulator, with services that must sign in (tokens kept in `store`).
    pub async fn signed_out(config: SimConfig, store: SecretStore) -> Harness {
        let sim = Simulator::start(config, 0).await.expect("simulator starts");
        let cfg = Services::config_for(&sim.endpoints).expect("config");
        let services = Services::new(cfg, store, http_settings()).expect("services");
        Harness {
            sim,
            services,
            tuning: tuning(),
        }
    }

    /// Services for the same simulator sharing `store`: a second run of the program.
    pub fn second_run(&self, store: SecretStore) -> Services {
        let cfg = Services::config_for(&self.sim.endpoints).expect("config");
        Services::new(cfg, store, http_settings()).expect("services")
    }

    /// Runs a subcommand line (without the program name).
    pub async fn run(&self, args: &[&str]) -> Run {
        run_with(&self.services, &self.tuning, args).await
    }
}

/// The first device `services` list that remote assistance plainly supports.
pub async fn supported_device(services: &Services) -> intune_assist::domain::Device {
    services
        .graph
        .all_devices(Default::default(), |_, _| {})
        .await
        .expect("devices")
        .into_iter()
        .find(|d| d.assist() == intune_assist::domain::Assist::Supported)
        .expect("a supported device")
}

/// Runs a subcommand line against `services`.
pub async fn run_with(services: &Services, tuning: &Tuning, args: &[&str]) -> Run {
    let cli = Cli::try_parse_from(std::iter::once("intune-assist").chain(args.iter().copied()))
        .unwrap_or_else(|e| panic!("bad test command line {args:?}: {e}"));
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let code = {
        let mut out = Output {
            out: &mut stdout,
            err: &mut stderr,
            json: cli.json,
        };
        let command = cli.command.expect("a subcommand");
        match commands::run(command, services, tuning, &mut out).await {
            Ok(()) => 0,
            Err(e) => {
                out.note(format!("error: {}", e.message));
                e.code
            }
        }
    };
    Run {
        code,
        stdout: String::from_utf8(stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(stderr).expect("utf-8 stderr"),
    }
}

/// A simulator and services on one virtual clock, as `script --demo --signed-in` runs them:
/// tokens given, nothing stored.
pub struct VirtualHarness {
    pub sim: Simulator,
    pub services: Services,
    pub clock: intune_assist::clock::Clock,
}

impl VirtualHarness {
    /// Starts `config` (its clock and start time are set here).
    pub async fn start(config: SimConfig) -> VirtualHarness {
        let clock = intune_assist::clock::Clock::virtual_at(TENANT_TIME);
        let sim = Simulator::start(
            SimConfig {
                now: Some(TENANT_TIME),
                clock: clock.clone(),
                ..config
            },
            0,
        )
        .await
        .expect("simulator starts");
        let mut cfg = Services::config_for(&sim.endpoints).expect("config");
        cfg.graph_token = Some(sim.endpoints.graph_token.clone().into());
        cfg.teamviewer_token = Some(sim.endpoints.teamviewer_token.clone().into());
        let http = HttpSettings {
            clock: clock.clone(),
            ..HttpSettings::default()
        };
        let services = Services::new(cfg, SecretStore::memory(), http).expect("services");
        VirtualHarness {
            sim,
            services,
            clock,
        }
    }

    /// The dashboard at 120×40 through the tape player, with production polling.
    pub fn player(&self) -> intune_assist::script::Player {
        let options = intune_assist::app::model::Options {
            has_display: false,
            ..intune_assist::app::model::Options::for_terminal(
                "contoso.onmicrosoft.com".into(),
                false,
                false,
            )
        };
        let driver = intune_assist::app::driver::Driver::new(
            self.services.clone(),
            options,
            self.clock.clone(),
        );
        intune_assist::script::Player::new(
            driver,
            (120, 40),
            intune_assist::script::Format::Txt,
            None,
        )
    }
}

/// Session requests `sim` received that may have prompted the end user: all but those Graph
/// refused with 429 or 503, which say nothing was done (and are sent again).
pub fn session_requests_that_may_have_prompted(sim: &Simulator) -> usize {
    sim.requests()
        .iter()
        .filter(|r| {
            r.method == "POST"
                && r.path.ends_with("/requestRemoteAssistance")
                && !matches!(r.status, 429 | 503)
        })
        .count()
}
