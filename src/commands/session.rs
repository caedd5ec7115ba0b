//! `session new`, `session close` and `sessions`.

use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

use super::output::{Output, ago, clock, table};
use super::{CommandError, Tuning, audited};
use crate::assist::{self, StartedVia};
use crate::audit::{Activity, Entry, Outcome};
use crate::domain::session::normalize_code;
use crate::domain::{
    Assist, Device, LiveState, Permission, Session, SessionState, Ticket, Untracked,
};
use crate::services::Services;
use crate::teamviewer::SessionFilter;

/// A session as `session new --json` prints it: one object per state reached.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SessionJson<'a> {
    /// The TeamViewer session code; null when Intune's link carries none.
    code: Option<&'a str>,
    state: SessionState,
    /// Intune's `remoteAssistanceSessionUrl`, exactly as given: the session itself.
    session_url: Option<&'a str>,
    /// `tracked`, or `unavailable` with `reason` and `reasonText`.
    live_state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason_text: Option<String>,
    supporter_link: Option<&'a str>,
    end_customer_link: Option<&'a str>,
    webclient_supporter_link: Option<&'a str>,
    device_id: &'a str,
    device_name: &'a str,
    /// The helpdesk ticket the session answers.
    ticket: Option<&'a str>,
    started_via: StartedVia,
    #[serde(with = "time::serde::rfc3339")]
    at: OffsetDateTime,
}

fn session_json<'a>(
    started: &'a assist::StartedSession,
    observed: Option<&'a Session>,
    state: SessionState,
    device: &'a Device,
    ticket: Option<&'a Ticket>,
) -> SessionJson<'a> {
    let session = observed.or(started.session.as_ref());
    let untracked = started.live.untracked();
    SessionJson {
        code: started.code.as_deref(),
        state,
        session_url: started.session_url.as_deref(),
        live_state: if untracked.is_some() {
            "unavailable"
        } else {
            "tracked"
        },
        reason: untracked.map(Untracked::key),
        reason_text: untracked.map(Untracked::reason),
        supporter_link: session.and_then(|s| s.supporter_link.as_deref()),
        end_customer_link: session.and_then(|s| s.end_customer_link.as_deref()),
        webclient_supporter_link: session.and_then(|s| s.webclient_supporter_link.as_deref()),
        device_id: device.id(),
        device_name: device.name(),
        ticket: ticket.map(Ticket::as_str),
        started_via: started.via,
        at: OffsetDateTime::now_utc(),
    }
}

/// What `session new` was asked for.
pub(super) struct NewSession<'a> {
    pub name_or_id: &'a str,
    pub wait: bool,
    pub ticket: Option<&'a str>,
}

pub(super) async fn session_new(
    services: &Services,
    request: NewSession<'_>,
    tuning: &Tuning,
    out: &mut Output<'_>,
) -> Result<(), CommandError> {
    let NewSession {
        name_or_id,
        wait,
        ticket,
    } = request;
    // A ticket that will not do is said before anything is asked of the tenant.
    let ticket = Ticket::parse(ticket.unwrap_or_default(), services.config.ticket_required)
        .map_err(|e| match e {
            crate::domain::TicketError::Required => {
                CommandError::usage(format!("{e} with --ticket REF"))
            }
            _ => CommandError::usage(e.to_string()),
        })?;
    let device = services.graph.resolve_device(name_or_id).await?;
    super::advise(services, Permission::RequestRemoteAssistance, out).await;
    let onboarded = match device.assist() {
        // A connector that cannot be read (a role without "Read Remote Assistance", say) is
        // no reason not to ask: Intune's answer decides.
        Assist::Supported | Assist::Unconfirmed { .. } => match services.graph.connector().await {
            Ok(connector) => connector.is_onboarded(),
            Err(error) => {
                tracing::info!(%error, "the connector could not be read; asking Intune anyway");
                true
            }
        },
        _ => false,
    };
    if let Assist::Unconfirmed { reason } = device.assist() {
        out.note(format!("warning: {reason}"));
    }
    if !out.json {
        out.note(format!("Connecting to TeamViewer for {}…", device.name()));
    }
    let system_clock = crate::clock::Clock::System;
    let request = services
        .session_starter(&tuning.polling, &system_clock)
        .start(&device, onboarded, |_| {});
    let started = audited(
        services,
        |started| Entry::session_requested(&device, started).ticket(ticket.as_ref()),
        request,
    )
    .await?;
    let print = |out: &mut Output<'_>, observed: Option<&Session>, state: SessionState| {
        if tuning.notify && observed.is_some() && state.worth_a_nudge() {
            out.raw_err(&crate::term::nudge_bytes(
                "intune-assist",
                &format!("{}: {}", device.name(), state.label()),
            ));
        }
        if out.json {
            out.json_line(&session_json(
                &started,
                observed,
                state,
                &device,
                ticket.as_ref(),
            ));
        } else {
            out.line(format!(
                "{}  {}  {}",
                clock(Some(OffsetDateTime::now_utc())),
                started.code.as_deref().unwrap_or("session"),
                state.label()
            ));
        }
    };
    if !out.json {
        print_started(out, &started, &device);
        if let Some(ticket) = &ticket {
            out.line(format!("Ticket           {ticket}"));
        }
    }
    let code = match (&started.live, &started.code) {
        (LiveState::Tracked, Some(code)) if wait => code.clone(),
        _ => {
            print(out, None, started.state());
            if wait && let Some(why) = started.live.untracked() {
                out.note(format!(
                    "Live state is unavailable ({}): open the session link to connect; the \
                     session is followed in the TeamViewer window.",
                    why.reason()
                ));
            }
            return Ok(());
        }
    };
    let final_session = assist::follow_session(
        &services.teamviewer,
        &code,
        &tuning.polling,
        |s, state| print(out, Some(s), state),
        |_| false,
    )
    .await?;
    if !out.json {
        out.note(format!(
            "Session {} is {}.",
            final_session.code,
            final_session.state().label()
        ));
    }
    Ok(())
}

/// What a person needs to connect, after a session started.
fn print_started(out: &mut Output<'_>, started: &assist::StartedSession, device: &Device) {
    let session = started.session.as_ref();
    match started.via {
        StartedVia::Intune => {
            out.line(format!(
                "Intune asked TeamViewer for a session with {}; the user is notified in the Company Portal.",
                device.name()
            ));
        }
        StartedVia::TeamViewer => {
            out.line(format!(
                "Session {} for {}",
                started.code.as_deref().unwrap_or("—"),
                device.name()
            ));
            out.line("This device has no Company Portal prompt: read the code to the person at the device,");
            out.line(format!(
                "who opens {} and enters it.",
                session
                    .and_then(|s| s.end_customer_link.as_deref())
                    .unwrap_or("the TeamViewer QuickSupport app")
            ));
        }
    }
    if let Some(url) = &started.session_url {
        out.line(format!("Session link     {url}"));
        if !crate::domain::text::is_web_link(url) {
            out.line("                 (not a web address: Intune's link as given, to copy)");
        }
    }
    if started.via == StartedVia::Intune
        && let Some(code) = &started.code
    {
        out.line(format!("Session code     {code}"));
    }
    if let Some(link) = session.and_then(|s| s.supporter_link.as_deref())
        && started.session_url.as_deref() != Some(link)
    {
        out.line(format!("Supporter link   {link}"));
    }
    if let Some(link) = session.and_then(|s| s.webclient_supporter_link.as_deref()) {
        out.line(format!("Web client       {link}"));
    }
    match started.live.untracked() {
        None => out.line("Live state       followed through TeamViewer"),
        Some(why) => out.line(format!("Live state       unavailable: {}", why.reason())),
    }
}

pub(super) async fn session_close(
    services: &Services,
    code: &str,
    out: &mut Output<'_>,
) -> Result<(), CommandError> {
    let code = normalize_code(code).ok_or_else(|| {
        CommandError::usage(format!(
            "`{}` is not a session code (like s123-456-789)",
            crate::domain::text::sanitize(code)
        ))
    })?;
    audited(
        services,
        |_| Entry::new(Activity::SessionClosed, Outcome::Succeeded).session(&code),
        services.teamviewer.close_session(&code),
    )
    .await?;
    if out.json {
        out.json(&json!({"code": code, "state": "closed"}));
    } else {
        out.line(format!("Session {code} is closed."));
    }
    Ok(())
}

pub(super) async fn sessions(
    services: &Services,
    all: bool,
    out: &mut Output<'_>,
) -> Result<(), CommandError> {
    let filter = if all {
        SessionFilter::All
    } else {
        SessionFilter::Open
    };
    let listed = services.teamviewer.sessions(filter).await?;
    let mut observed = Vec::with_capacity(listed.len());
    for session in listed {
        if session.open {
            observed.push(services.teamviewer.observe(&session.code).await?);
        } else {
            observed.push(session);
        }
    }
    if out.json {
        let rows: Vec<serde_json::Value> = observed
            .iter()
            .map(|s| {
                let mut v = serde_json::to_value(s).unwrap_or_default();
                if let serde_json::Value::Object(map) = &mut v {
                    map.insert(
                        "state".into(),
                        serde_json::to_value(s.state()).unwrap_or_default(),
                    );
                }
                v
            })
            .collect();
        out.json(&rows);
        return Ok(());
    }
    let now = OffsetDateTime::now_utc();
    let rows: Vec<Vec<String>> = observed
        .iter()
        .map(|s| {
            vec![
                s.code.clone(),
                s.state().label().to_string(),
                s.description.clone(),
                s.end_customer_name.clone(),
                ago(s.created_at, now),
            ]
        })
        .collect();
    for line in table(
        &[
            ("CODE", 12),
            ("STATE", 20),
            ("DESCRIPTION", 48),
            ("END USER", 24),
            ("CREATED", 12),
        ],
        &rows,
    ) {
        out.line(line);
    }
    out.note(format!("{} sessions", observed.len()));
    Ok(())
}
