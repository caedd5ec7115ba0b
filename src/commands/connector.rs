//! `connector`: show, enable and disconnect the TeamViewer connector.

use std::time::Duration;

use serde_json::json;
use time::OffsetDateTime;

use super::output::{Output, ago, clock};
use super::{CommandError, Tuning, audited, exit, prompt};
use crate::audit::{Activity, Entry, Outcome};
use crate::cli::{ConnectorAction, ConnectorArgs};
use crate::domain::connector::CONNECTOR_TERMS;
use crate::domain::{Connector, Permission};
use crate::services::Services;

fn connector_lines(c: &Connector, now: OffsetDateTime) -> Vec<String> {
    let mut lines = vec![
        format!("Connector   {}", c.display_name),
        format!("Status      {}", c.onboarding_status.label()),
        format!(
            "Last seen   {}",
            c.last_connection_date_time
                .map_or("never".to_string(), |t| format!(
                    "{} ({})",
                    clock(Some(t)),
                    ago(Some(t), now)
                ))
        ),
    ];
    if let Some(choice) = &c.choice {
        lines.push(format!("Note        {choice}"));
    }
    if let Some(url) = &c.onboarding_url
        && !c.is_onboarded()
    {
        lines.push(format!("Onboarding  {url}"));
    }
    lines
}

pub(super) async fn connector(
    services: &Services,
    args: &ConnectorArgs,
    tuning: &Tuning,
    out: &mut Output<'_>,
) -> Result<(), CommandError> {
    let now = OffsetDateTime::now_utc;
    if args.action == ConnectorAction::Status {
        let connector = services.graph.connector().await?;
        if out.json {
            out.json(&connector);
        } else {
            for line in connector_lines(&connector, now()) {
                out.line(line);
            }
        }
        return Ok(());
    }
    super::advise(services, Permission::UpdateRemoteAssistance, out).await;
    let mut connector = services.graph.connector().await?;
    if args.action == ConnectorAction::Disconnect {
        let Some(id) = connector.id.clone() else {
            return Err(CommandError {
                code: exit::NOT_FOUND,
                message: "there is no TeamViewer connector to disconnect".into(),
            });
        };
        if !args.yes
            && !prompt::confirm(
                "Disconnect the TeamViewer connector? New sessions will fail until it is enabled again.",
                out,
            )?
        {
            return Err(CommandError::usage("not disconnected"));
        }
        audited(
            services,
            |_| Entry::new(Activity::ConnectorDisconnected, Outcome::Succeeded),
            services.graph.disconnect(&id),
        )
        .await?;
        let connector = services.graph.connector().await?;
        if out.json {
            out.json(&connector);
        } else {
            out.line(format!(
                "Disconnected. Status: {}.",
                connector.onboarding_status.label()
            ));
        }
        return Ok(());
    }
    if connector.is_onboarded() {
        if out.json {
            out.json(&connector);
        } else {
            out.line("The TeamViewer connector is already onboarded.");
        }
        return Ok(());
    }
    // Onboarding also needs an Entra admin role; the sign-in's roles say so when known.
    if services.config.graph_token.is_none()
        && let Some(auth) = &services.microsoft
        && let Some(reason) = auth
            .account()
            .await?
            .as_ref()
            .and_then(crate::domain::Account::onboarding_block)
    {
        return Err(CommandError {
            code: exit::PERMISSION,
            message: reason,
        });
    }
    out.note(CONNECTOR_TERMS);
    if !args.accept_license && !prompt::confirm("Accept these terms and connect TeamViewer?", out)?
    {
        return Err(CommandError::usage(
            "the licence terms were not accepted (pass --accept-license to accept them in scripts)",
        ));
    }
    audited(
        services,
        |_| Entry::new(Activity::ConnectorEnabled, Outcome::Succeeded),
        services.enable_connector(connector.id.clone()),
    )
    .await?;
    connector = services.graph.connector().await?;
    let url = connector
        .onboarding_url
        .clone()
        .unwrap_or_else(|| "(Intune sent no onboarding URL)".into());
    if out.json {
        out.json_line(&json!({"event": "onboarding", "onboardingUrl": url}));
    } else {
        out.note(format!(
            "Onboarding has begun. Sign in to TeamViewer and authorise Intune at:\n  {url}"
        ));
    }
    if args.no_wait {
        if out.json {
            out.json_line(&connector);
        }
        return Ok(());
    }
    out.note("Waiting until TeamViewer confirms (Ctrl-C stops waiting; onboarding continues)…");
    let poll = tuning.onboarding_poll.unwrap_or(Duration::from_secs(3));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15 * 60);
    while !connector.is_onboarded() {
        if tokio::time::Instant::now() >= deadline {
            return Err(CommandError {
                code: exit::CANNOT_ASSIST,
                message: "onboarding did not finish within 15 minutes; open the onboarding URL again, or run `connector enable` again".into(),
            });
        }
        tokio::time::sleep(poll).await;
        connector = services.graph.connector().await?;
    }
    if out.json {
        out.json_line(&connector);
    } else {
        out.line(
            "The TeamViewer connector is onboarded: Intune can start remote assistance sessions.",
        );
    }
    Ok(())
}
