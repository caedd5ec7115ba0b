//! `intune-assist demo`: the real sign-in, connector, device and session code paths, run
//! against the embedded simulator and narrated step by step.

use std::collections::BTreeMap;

use crate::assist::{self, StartedVia};
use crate::auth::store::SecretStore;
use crate::cli::{Command, ConnectorAction, ConnectorArgs, LoginArgs, SimArgs};
use crate::domain::{Assist, LiveState, Platform, SessionState};
use crate::graph::DeviceQuery;
use crate::http::HttpSettings;
use crate::services::Services;
use crate::sim::Simulator;

use super::output::{Output, clock};
use super::{CommandError, Tuning, exit, run};

fn heading(out: &mut Output<'_>, text: &str) {
    out.line("");
    out.line(format!("── {text} ──"));
}

/// Services for a demo against `sim`: tokens in memory, signed in to TeamViewer with the
/// simulator's script token; Microsoft sign-in is left to the device code flow.
pub async fn services_for(sim: &Simulator, teamviewer: bool) -> Result<Services, CommandError> {
    services_with(sim, HttpSettings::default(), false, teamviewer).await
}

/// [`services_for`] with HTTP settings of its own; `signed_in` uses the simulator's Graph
/// automation token instead of a sign-in, `teamviewer` signs in to TeamViewer.
pub async fn services_with(
    sim: &Simulator,
    http: HttpSettings,
    signed_in: bool,
    teamviewer: bool,
) -> Result<Services, CommandError> {
    let mut config = Services::config_for(&sim.endpoints).map_err(|e| CommandError::usage(e.0))?;
    if signed_in {
        config.graph_token = Some(sim.endpoints.graph_token.clone().into());
    }
    let services = Services::new(config, SecretStore::memory(), http)?;
    if teamviewer {
        services
            .teamviewer_auth
            .save_script_token(secrecy::SecretString::from(
                sim.endpoints.teamviewer_token.clone(),
            ))
            .await?;
    }
    Ok(services)
}

/// Runs the narrated demo.
pub async fn demo(args: &SimArgs, out: &mut Output<'_>) -> Result<(), CommandError> {
    let sim_config = args.to_demo_config().map_err(CommandError::usage)?;
    let sim = Simulator::start(sim_config, 0)
        .await
        .map_err(|e| CommandError {
            code: exit::FAILURE,
            message: format!("cannot start the simulator: {e}"),
        })?;
    let services = services_for(&sim, !args.no_teamviewer).await?;
    let tuning = Tuning::default();
    out.line(format!(
        "intune-assist demo: a simulated Contoso tenant with {} devices at {}. Nothing leaves this machine.",
        args.devices, sim.addr
    ));

    heading(out, "Sign in to Microsoft Graph (device code flow)");
    run(
        Command::Login(LoginArgs {
            teamviewer_token: false,
            teamviewer_oauth: false,
        }),
        &services,
        &tuning,
        out,
    )
    .await?;
    out.note("(The simulator approves the code by itself after a few polls.)");

    heading(out, "Who am I");
    run(Command::Whoami, &services, &tuning, out).await?;

    heading(out, "Devices › Setup › TeamViewer Connector");
    let connector_args = ConnectorArgs {
        action: ConnectorAction::Status,
        accept_license: false,
        yes: false,
        no_wait: false,
    };
    run(Command::Connector(connector_args), &services, &tuning, out).await?;

    heading(out, "Devices › All devices");
    let devices = services
        .graph
        .all_devices(DeviceQuery::default(), |_, _| {})
        .await?;
    let mut verdicts: BTreeMap<String, usize> = BTreeMap::new();
    for device in &devices {
        let key = match device.assist() {
            Assist::Supported => "✓ supported".to_string(),
            Assist::DirectSession { .. } => "✓ direct TeamViewer session (userless)".to_string(),
            Assist::Unsupported { reason } => format!("✗ {reason}"),
            Assist::Unconfirmed { reason } => format!("? {reason}"),
        };
        *verdicts.entry(key).or_default() += 1;
    }
    out.line(format!(
        "{} devices loaded across every page. Remote assistance:",
        devices.len()
    ));
    for (verdict, count) in &verdicts {
        out.line(format!("  {count:>6}  {verdict}"));
    }

    let Some(device) = devices
        .iter()
        .find(|d| d.platform() == Platform::Windows && d.assist() == Assist::Supported)
    else {
        out.line("No supported Windows device in this tenant; try another --seed.");
        return Ok(());
    };
    heading(out, &format!("All devices › {}", device.name()));
    for line in super::device_lines(device, time::OffsetDateTime::now_utc()) {
        out.line(line);
    }

    heading(
        out,
        &format!("{} › More › New Remote Assistance Session", device.name()),
    );
    out.line("Connecting to TeamViewer…");
    let onboarded = services.graph.connector().await?.is_onboarded();
    let system_clock = crate::clock::Clock::System;
    let started = services
        .session_starter(&tuning.polling, &system_clock)
        .start(device, onboarded, |via| {
            if via == StartedVia::Intune {
                out.line(format!(
                    "{}  requested through Intune",
                    clock(Some(time::OffsetDateTime::now_utc()))
                ));
            }
        })
        .await?;
    if let Some(url) = &started.session_url {
        out.line(format!("Session link     {url}"));
    }
    let (Some(code), LiveState::Tracked) = (&started.code, &started.live) else {
        if let Some(why) = started.live.untracked() {
            out.line(format!("Live state       unavailable: {}", why.reason()));
        }
        heading(out, "Done");
        return Ok(());
    };
    out.line(format!("Session code     {code}"));
    let done = assist::follow_session(
        &services.teamviewer,
        code,
        &tuning.polling,
        |_, state| {
            out.line(format!(
                "{}  {}",
                clock(Some(time::OffsetDateTime::now_utc())),
                state.label()
            ))
        },
        |s| s.state() >= SessionState::SupporterConnected,
    )
    .await?;
    services.teamviewer.close_session(&done.code).await?;
    out.line(format!(
        "{}  closed by the supporter",
        clock(Some(time::OffsetDateTime::now_utc()))
    ));

    heading(out, "Done");
    out.line("Try the subcommands against a simulator of your own:");
    out.line("  intune-assist sim serve          # prints the URLs and tokens to export");
    out.line("  intune-assist devices --filter desktop");
    Ok(())
}
