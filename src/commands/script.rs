//! `intune-assist script`: plays a tape headless and writes its snapshots.

use std::path::Path;

use super::{CommandError, exit, output::Output};
use crate::app::driver::Driver;
use crate::app::model::Options;
use crate::cli::ScriptArgs;
use crate::clock::Clock;
use crate::http::HttpSettings;
use crate::script::{Player, ScriptError, Tape};
use crate::sim::Simulator;

/// The root of simulator links in scripted runs.
pub const SCRIPT_LINK_BASE: &str = "http://sim.localhost:7355";

/// Plays `args.tape` against the simulator (`--demo`) or the configured tenant.
pub async fn script(
    args: &ScriptArgs,
    config_path: Option<&Path>,
    profile: Option<&str>,
    read_only: bool,
    ascii: bool,
    out: &mut Output<'_>,
) -> Result<(), CommandError> {
    let source = std::fs::read_to_string(&args.tape).map_err(|e| CommandError {
        code: exit::FAILURE,
        message: format!("cannot read {}: {e}", args.tape.display()),
    })?;
    let tape = Tape::parse(&source)
        .map_err(|e| CommandError::usage(format!("{}: {e}", args.tape.display())))?;
    let clock = if args.demo && !args.real_time {
        Clock::virtual_at(args.start)
    } else {
        Clock::System
    };
    let http = HttpSettings {
        clock: clock.clone(),
        ..HttpSettings::default()
    };
    // Kept alive for the whole run.
    let mut _sim = None;
    let (services, options) = if args.demo {
        let mut config = args.sim.to_config().map_err(CommandError::usage)?;
        config.now = Some(clock.wall());
        config.clock = clock.clone();
        // Nobody can open links in a headless run; a fixed root keeps screens repeatable.
        config.link_base = Some(SCRIPT_LINK_BASE.into());
        let sim = Simulator::start(config, 0)
            .await
            .map_err(|e| CommandError {
                code: exit::FAILURE,
                message: format!("cannot start the simulator: {e}"),
            })?;
        let services =
            super::demo::services_with(&sim, http, args.signed_in, !args.sim.no_teamviewer).await?;
        _sim = Some(sim);
        let options =
            Options::for_terminal("demo: contoso.onmicrosoft.com".into(), read_only, ascii);
        (services, options)
    } else {
        let services = super::services_from_config(config_path, profile, http, false)?;
        let options = Options::for_config(&services.config, read_only, ascii);
        (services, options)
    };
    let options = Options {
        has_display: false,
        no_color: false,
        ..options
    };
    let driver = Driver::new(services, options, clock);
    let mut player = Player::new(driver, args.size, args.format, args.out.clone());
    let played = player.play_tape(&tape).await;
    if args.out.is_none() {
        if out.json {
            let snapshots: Vec<_> = player
                .snapshots
                .iter()
                .map(|s| serde_json::json!({"name": s.name, "text": s.text, "styled": s.styled}))
                .collect();
            out.json(&snapshots);
        } else {
            for snapshot in &player.snapshots {
                out.line(format!("── {} ──", snapshot.name));
                out.line(snapshot.text.trim_end_matches('\n'));
            }
        }
    }
    played.map_err(|error| {
        let code = match error {
            ScriptError::Tape(_) => exit::USAGE,
            ScriptError::TimedOut { .. } | ScriptError::Stopped { .. } => exit::SCRIPT,
            ScriptError::Write { .. } => exit::FAILURE,
        };
        CommandError {
            code,
            message: format!("{}: {error}", args.tape.display()),
        }
    })
}
