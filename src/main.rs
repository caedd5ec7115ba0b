//! The `intune-assist` binary: parses the command line and hands over to the library.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

use intune_assist::app::model::Options;
use intune_assist::cli::{Cli, Command, SimCommand};
use intune_assist::commands::{self, CommandError, Tuning, exit, output::Output};
use intune_assist::config::DEFAULT_CONFIG;
use intune_assist::http::HttpSettings;
use intune_assist::services::Services;
use intune_assist::sim::Simulator;

/// A million devices are millions of small strings, allocated on the threads that parse them
/// and freed on the one that shows them (a refreshed list replaces each). With glibc's
/// per-thread arenas the memory freed in one arena is not reused by another, and the peak
/// grows by a whole list; one arena reuses it.
fn one_malloc_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

fn main() -> ExitCode {
    one_malloc_arena();
    let cli = Cli::parse();
    if cli.print_default_config {
        print!("{DEFAULT_CONFIG}");
        return ExitCode::SUCCESS;
    }
    let _log = intune_assist::logging::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::FAILURE as u8);
        }
    };
    let code = runtime.block_on(run(cli));
    ExitCode::from(code as u8)
}

async fn run(cli: Cli) -> i32 {
    let mut stdout = std::io::stdout();
    let mut stderr = std::io::stderr();
    let mut out = Output {
        out: &mut stdout,
        err: &mut stderr,
        json: cli.json,
    };
    let (read_only, ascii, quiet) = (cli.read_only, cli.ascii, cli.quiet);
    let result = match cli.command {
        None => {
            match commands::services_from_config(
                cli.config.as_deref(),
                cli.tenant.as_deref(),
                HttpSettings::default(),
                cli.no_cache,
            ) {
                Ok(services) => {
                    let mut options = Options::for_config(&services.config, read_only, ascii);
                    options.notify &= !quiet;
                    dashboard(services, options).await
                }
                Err(e) => Err(e),
            }
        }
        Some(Command::Demo(args)) => {
            if args.narrate || !std::io::stdout().is_terminal() {
                commands::demo::demo(&args.sim, &mut out).await
            } else {
                demo_dashboard(&args.sim, read_only, ascii, quiet).await
            }
        }
        Some(Command::Sim(SimCommand::Serve { port, tenants, sim })) => {
            serve(port, tenants, &sim, &mut out).await
        }
        Some(Command::Completions { shell }) => commands::docs::completions(shell, &mut out),
        Some(Command::Man { out: dir }) => commands::docs::man(dir.as_deref(), &mut out),
        Some(Command::Script(args)) => {
            commands::script::script(
                &args,
                cli.config.as_deref(),
                cli.tenant.as_deref(),
                read_only,
                ascii,
                &mut out,
            )
            .await
        }
        Some(command) => {
            match commands::services_from_config(
                cli.config.as_deref(),
                cli.tenant.as_deref(),
                HttpSettings::default(),
                cli.no_cache,
            ) {
                Ok(services) => {
                    let waits = commands::waits::announce(
                        &services.http,
                        Box::new(std::io::stderr()),
                        std::io::stderr().is_terminal(),
                    );
                    let tuning = Tuning {
                        notify: services.config.notifications
                            && !quiet
                            && std::io::stderr().is_terminal(),
                        ..Tuning::default()
                    };
                    let result = commands::run(command, &services, &tuning, &mut out).await;
                    waits.abort();
                    result
                }
                Err(e) => Err(e),
            }
        }
    };
    match result {
        Ok(()) => exit::OK,
        Err(error) => {
            let _ = writeln!(out.err, "error: {}", error.message);
            error.code
        }
    }
}

async fn dashboard(services: Services, options: Options) -> Result<(), CommandError> {
    intune_assist::dashboard::run(services, options)
        .await
        .map_err(|e| CommandError {
            code: exit::FAILURE,
            message: format!("the terminal failed: {e}"),
        })
}

async fn demo_dashboard(
    args: &intune_assist::cli::SimArgs,
    read_only: bool,
    ascii: bool,
    quiet: bool,
) -> Result<(), CommandError> {
    let sim = Simulator::start(args.to_demo_config().map_err(CommandError::usage)?, 0)
        .await
        .map_err(|e| CommandError {
            code: exit::FAILURE,
            message: format!("cannot start the simulator: {e}"),
        })?;
    let services = commands::demo::services_for(&sim, !args.no_teamviewer).await?;
    dashboard(
        services,
        Options {
            notify: !quiet,
            ..Options::for_terminal("demo: contoso.onmicrosoft.com".into(), read_only, ascii)
        },
    )
    .await
}

async fn serve(
    port: u16,
    tenants: u16,
    args: &intune_assist::cli::SimArgs,
    out: &mut Output<'_>,
) -> Result<(), CommandError> {
    let base = args.to_config().map_err(CommandError::usage)?;
    // Kept alive until Ctrl-C.
    let mut served = Vec::new();
    for index in 0..usize::from(tenants) {
        let config = base.tenant(index);
        let port = if port == 0 {
            0
        } else {
            port.saturating_add(index as u16)
        };
        let sim = Simulator::start(config.clone(), port)
            .await
            .map_err(|e| CommandError {
                code: exit::FAILURE,
                message: format!("cannot start the simulator on 127.0.0.1:{port}: {e}"),
            })?;
        if tenants == 1 {
            out.json_line(&sim.endpoints);
            out.note(format!(
                "Serving the simulator on http://{}; Ctrl-C stops it.",
                sim.addr
            ));
        } else {
            let name = config.profile_name();
            let mut line = serde_json::to_value(&sim.endpoints).unwrap_or_default();
            if let serde_json::Value::Object(map) = &mut line {
                map.insert("profile".into(), name.clone().into());
                map.insert("tenant".into(), config.tenant_domain.clone().into());
            }
            out.json_line(&line);
            out.note(format!(
                "Serving {} on http://{}. Its profile:\n{}",
                config.tenant_domain,
                sim.addr,
                sim.endpoints.profile_table(&name, &config.tenant_domain)
            ));
        }
        served.push(sim);
    }
    if tenants > 1 {
        out.note("Put the profiles above in a configuration file (--config); Ctrl-C stops them.");
    }
    wait_for_shutdown().await;
    Ok(())
}

async fn wait_for_shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
