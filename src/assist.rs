//! Starting and following remote assistance sessions: the steps the command line and the
//! dashboard share. No UI here; progress is reported through callbacks.

use std::time::Duration;

use crate::clock::Clock;
use crate::domain::session::normalize_code;
use crate::domain::{Assist, Device, Session, SessionState};
use crate::graph::GraphClient;
use crate::http::ApiError;
use crate::teamviewer::{EndCustomer, NewSession, TeamViewerClient};

/// How often sessions are polled.
#[derive(Clone, Debug)]
pub struct Polling {
    /// First wait between polls; each TeamViewer poll is two requests, so 2 s keeps a watched
    /// session at one request per second.
    pub min: Duration,
    /// Longest wait, reached by doubling while nothing changes.
    pub max: Duration,
    /// How long Intune may take to create the session before giving up.
    pub creation_timeout: Duration,
}

impl Default for Polling {
    fn default() -> Self {
        Polling {
            min: Duration::from_secs(2),
            max: Duration::from_secs(10),
            creation_timeout: Duration::from_secs(120),
        }
    }
}

impl Polling {
    /// Polling for tests: fast, still bounded.
    pub fn fast() -> Self {
        Polling {
            min: Duration::from_millis(50),
            max: Duration::from_millis(200),
            creation_timeout: Duration::from_secs(20),
        }
    }
}

/// Why a session could not be started or followed.
#[derive(Debug, thiserror::Error)]
pub enum AssistError {
    #[error(transparent)]
    Api(#[from] ApiError),
    /// TeamViewer cannot reach this device.
    #[error("{device} cannot be assisted: {reason}")]
    Unsupported { device: String, reason: String },
    /// The connector is not onboarded, so Intune cannot create sessions.
    #[error(
        "the TeamViewer connector is not onboarded: enable it first (intune-assist connector enable)"
    )]
    NotOnboarded,
    /// Intune reported an error creating the session.
    #[error("Intune could not create the session: {0}")]
    Intune(String),
    /// Intune accepted the request but no session appeared in time.
    #[error(
        "Intune accepted the request, but no TeamViewer session appeared within {0} s; check the device in the Intune admin center"
    )]
    Timeout(u64),
}

/// Which path a session was started on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum StartedVia {
    /// Intune's `requestRemoteAssistance`; the end user gets a Company Portal prompt.
    Intune,
    /// A TeamViewer session created directly, for devices nobody is prompted on.
    TeamViewer,
}

/// Starts a session for `device` the way its [`Assist`] verdict says; `on_requested` is called
/// once Intune (or TeamViewer) has accepted the request.
pub async fn start_session(
    graph: &GraphClient,
    teamviewer: &TeamViewerClient,
    device: &Device,
    connector_onboarded: bool,
    polling: &Polling,
    clock: &Clock,
    on_requested: impl FnOnce(StartedVia),
) -> Result<(Session, StartedVia), AssistError> {
    match device.assist() {
        Assist::Unsupported { reason } => Err(AssistError::Unsupported {
            device: device.name.clone(),
            reason,
        }),
        Assist::DirectSession { .. } => {
            let new = NewSession {
                groupname: "Intune".into(),
                description: format!("Intune remote assistance: {}", device.name),
                custom_api: device.id.clone(),
                end_customer: EndCustomer {
                    name: if device.user_display_name.is_empty() {
                        device.name.clone()
                    } else {
                        device.user_display_name.clone()
                    },
                    email: String::new(),
                },
            };
            let session = teamviewer.create_session(&new).await?;
            on_requested(StartedVia::TeamViewer);
            Ok((session, StartedVia::TeamViewer))
        }
        Assist::Supported => {
            if !connector_onboarded {
                return Err(AssistError::NotOnboarded);
            }
            graph.request_remote_assistance(&device.id).await?;
            on_requested(StartedVia::Intune);
            let session =
                wait_for_intune_session(graph, teamviewer, &device.id, polling, clock).await?;
            Ok((session, StartedVia::Intune))
        }
    }
}

/// Polls the device until Intune records the session URL (or an error), then finds the
/// TeamViewer session it made.
async fn wait_for_intune_session(
    graph: &GraphClient,
    teamviewer: &TeamViewerClient,
    device_id: &str,
    polling: &Polling,
    clock: &Clock,
) -> Result<Session, AssistError> {
    let started = clock.instant();
    let mut wait = polling.min / 4;
    loop {
        clock.sleep(wait).await;
        let status = graph.assistance_status(device_id).await?;
        if let Some(error) = status.error_details {
            return Err(AssistError::Intune(error));
        }
        if let Some(url) = status.session_url {
            if let Some(session) = teamviewer.session_for_device(device_id).await? {
                return Ok(session);
            }
            if let Some(code) = code_from_link(&url) {
                return Ok(teamviewer.session(&code).await?);
            }
        }
        if clock.instant().duration_since(started) >= polling.creation_timeout {
            return Err(AssistError::Timeout(polling.creation_timeout.as_secs()));
        }
        wait = (wait * 2).min(polling.min);
    }
}

/// Extracts a session code from a TeamViewer link such as `…/v15/s119457589-AEG8iPEEzz96`.
pub fn code_from_link(link: &str) -> Option<String> {
    let last = link.trim_end_matches('/').rsplit('/').next()?;
    let candidate = last.split(['-', '?', '#']).next()?;
    normalize_code(candidate)
}

/// Follows a session, calling `on_change` once for every milestone it reaches (in order, even
/// those reached between two polls), until `stop` says so or the session closes. Polls at
/// `polling.min`, doubling up to `polling.max` while nothing changes.
pub async fn follow_session(
    teamviewer: &TeamViewerClient,
    code: &str,
    polling: &Polling,
    mut on_change: impl FnMut(&Session, SessionState),
    stop: impl Fn(&Session) -> bool,
) -> Result<Session, ApiError> {
    let mut reported: Vec<SessionState> = Vec::new();
    let mut wait = polling.min;
    loop {
        let session = teamviewer.observe(code).await?;
        let new: Vec<SessionState> = session
            .milestones()
            .into_iter()
            .filter(|state| !reported.contains(state))
            .collect();
        if new.is_empty() {
            wait = (wait * 2).min(polling.max);
        } else {
            wait = polling.min;
            for state in new {
                on_change(&session, state);
                reported.push(state);
            }
        }
        if session.state().is_final() || stop(&session) {
            return Ok(session);
        }
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_come_out_of_links() {
        assert_eq!(
            code_from_link("https://get.teamviewer.com/v15/s119457589-AEG8iPEEzz96").as_deref(),
            Some("s119-457-589")
        );
        assert_eq!(
            code_from_link("https://get.teamviewer.com/v15/s119457589").as_deref(),
            Some("s119-457-589")
        );
        assert_eq!(code_from_link("https://example.com/nothing"), None);
    }
}
