//! Starting and following remote assistance sessions: the steps the command line and the
//! dashboard share. No UI here; progress is reported through callbacks.

use std::time::Duration;

use crate::clock::Clock;
use crate::domain::session::normalize_code;
use crate::domain::{Assist, Device, LiveState, Session, SessionState, Untracked};
use crate::graph::{AssistanceStatus, GraphClient};
use crate::http::{ApiError, ErrorKind};
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
    /// Intune refused the request (400) and neither the connector nor the device explains
    /// why: Intune's own words.
    #[error("Intune refused the session request: {0}")]
    Refused(ApiError),
    /// Intune accepted the request, but the device still shows what it showed before it: an
    /// earlier session's link or error, not this request's.
    #[error(
        "Intune accepted the request, but after {waited} s the device still shows {shown}, unchanged since before the request: that is an earlier session's, not this one's; check the device in the Intune admin center before trying again"
    )]
    Unchanged { waited: u64, shown: String },
    /// Intune accepted the request but no session appeared in time.
    #[error(
        "Intune accepted the request, but no session link appeared within {0} s; check the device in the Intune admin center"
    )]
    Timeout(u64),
    /// The answer to the request was lost and the device shows no new session. The request
    /// was not sent again, since each one prompts the end user.
    #[error(
        "the answer to the session request was lost ({0}) and Intune shows no new session for the device; it was not sent again, so the user was not prompted twice: check the device in the Intune admin center before trying again"
    )]
    Unconfirmed(ApiError),
    /// The answer to creating a direct TeamViewer session was lost; it was not created again.
    #[error(
        "the answer to creating the TeamViewer session was lost ({0}); it was not created again, so look for it in the session list (intune-assist sessions) before trying again"
    )]
    DirectUnconfirmed(ApiError),
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

/// A session that was started: Intune's link to it and, when TeamViewer shows it to this
/// account, TeamViewer's record of it.
#[derive(Clone, Debug, PartialEq)]
pub struct StartedSession {
    pub via: StartedVia,
    /// Intune's `remoteAssistanceSessionUrl`, as Intune gave it: the session itself.
    pub session_url: Option<String>,
    /// The TeamViewer session code, when one is known.
    pub code: Option<String>,
    /// TeamViewer's record of the session, when it can be seen.
    pub session: Option<Session>,
    /// Whether the session's live state can be followed.
    pub live: LiveState,
}

impl StartedSession {
    /// Where the session stands as far as is known.
    pub fn state(&self) -> SessionState {
        self.session
            .as_ref()
            .map_or(SessionState::Created, Session::state)
    }
}

/// Where direct TeamViewer sessions are filed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionGroup {
    /// A group id (`g…`), which works with every kind of token.
    pub id: Option<String>,
    /// A group name; TeamViewer documents it for user-level tokens only.
    pub name: String,
}

impl Default for SessionGroup {
    fn default() -> Self {
        SessionGroup {
            id: None,
            name: "Intune".into(),
        }
    }
}

/// What starting a session needs: the two clients, where direct sessions go, and how to wait.
#[derive(Clone, Copy)]
pub struct SessionStarter<'a> {
    pub graph: &'a GraphClient,
    pub teamviewer: &'a TeamViewerClient,
    /// The TeamViewer group for direct sessions.
    pub group: &'a SessionGroup,
    pub polling: &'a Polling,
    pub clock: &'a Clock,
}

impl SessionStarter<'_> {
    /// Starts a session for `device` the way its [`Assist`] verdict says; `on_requested` is
    /// called once Intune (or TeamViewer) has accepted the request.
    ///
    /// The Intune path needs Graph only: `requestRemoteAssistance`, then the device's
    /// `remoteAssistanceSessionUrl`. TeamViewer is asked about the session only to follow it.
    pub async fn start(
        self,
        device: &Device,
        connector_onboarded: bool,
        on_requested: impl FnOnce(StartedVia),
    ) -> Result<StartedSession, AssistError> {
        let SessionStarter {
            graph,
            teamviewer,
            group,
            polling,
            clock,
        } = self;
        match device.assist() {
            Assist::Unsupported { reason } => Err(AssistError::Unsupported {
                device: device.name().to_owned(),
                reason,
            }),
            Assist::DirectSession { .. } => {
                let new = NewSession {
                    groupid: group.id.clone(),
                    groupname: group.id.is_none().then(|| group.name.clone()),
                    description: format!("Intune remote assistance: {}", device.name()),
                    end_customer: EndCustomer {
                        name: if device.user_display_name().is_empty() {
                            device.name().to_owned()
                        } else {
                            device.user_display_name().to_owned()
                        },
                        email: String::new(),
                    },
                };
                let session = match teamviewer.create_session(&new).await {
                    Ok(session) => session,
                    Err(error) if may_have_arrived(&error) => {
                        return Err(AssistError::DirectUnconfirmed(error));
                    }
                    Err(error) => return Err(error.into()),
                };
                on_requested(StartedVia::TeamViewer);
                Ok(StartedSession {
                    via: StartedVia::TeamViewer,
                    session_url: None,
                    code: Some(session.code.clone()),
                    session: Some(session),
                    live: LiveState::Tracked,
                })
            }
            Assist::Supported | Assist::Unconfirmed { .. } => {
                if !connector_onboarded {
                    return Err(AssistError::NotOnboarded);
                }
                // What the device showed before: nothing documents that Intune clears an earlier
                // session's link or error on a new request, so only something different from
                // this is the answer to this request.
                let before = graph.assistance_status(device.id()).await?;
                let url = match graph.request_remote_assistance(device.id()).await {
                    Ok(()) => {
                        on_requested(StartedVia::Intune);
                        wait_for_session_url(graph, device.id(), &before, polling, clock).await?
                    }
                    Err(error) if may_have_arrived(&error) => {
                        tracing::warn!(%error, "the answer to requestRemoteAssistance was lost; looking at the device");
                        match wait_for_session_url(graph, device.id(), &before, polling, clock)
                            .await
                        {
                            Ok(url) => {
                                on_requested(StartedVia::Intune);
                                url
                            }
                            Err(AssistError::Timeout(_) | AssistError::Unchanged { .. }) => {
                                return Err(AssistError::Unconfirmed(error));
                            }
                            Err(other) => return Err(other),
                        }
                    }
                    Err(error) if is_bad_request(&error) => {
                        return Err(explain_refusal(graph, device.id(), error).await);
                    }
                    Err(error) => return Err(error.into()),
                };
                let (code, session, live) = track(teamviewer, &url).await;
                Ok(StartedSession {
                    via: StartedVia::Intune,
                    session_url: Some(url),
                    code,
                    session,
                    live,
                })
            }
        }
    }
}

/// Whether a failed request may still have been carried out: its answer was lost, or the
/// service failed in a way that does not say it did nothing (429 and 503 do, and so does a
/// 5xx whose body is Intune's own error: Intune handled the request and failed it).
fn may_have_arrived(error: &ApiError) -> bool {
    match &error.kind {
        ErrorKind::Network { .. } | ErrorKind::Malformed { .. } => true,
        ErrorKind::Server {
            status,
            intune_message,
            ..
        } => *status != 503 && intune_message.is_none(),
        _ => false,
    }
}

fn is_bad_request(error: &ApiError) -> bool {
    matches!(error.kind, ErrorKind::Rejected { status: 400, .. })
}

/// Why Intune refused a request with 400: the connector and the device are read again, and
/// whichever of them explains it is named; otherwise Intune's own words.
async fn explain_refusal(graph: &GraphClient, device_id: &str, error: ApiError) -> AssistError {
    let (connector, device) = tokio::join!(graph.connector(), graph.device(device_id));
    if let Ok(connector) = connector
        && !connector.is_onboarded()
    {
        return AssistError::NotOnboarded;
    }
    if let Ok(device) = device
        && let Assist::Unsupported { reason } = device.assist()
    {
        return AssistError::Unsupported {
            device: device.name().to_owned(),
            reason,
        };
    }
    AssistError::Refused(error)
}

/// Polls the device until Intune records a session link or an error that differs from what
/// the device showed `before` the request. Still unchanged after the creation timeout, an
/// earlier session's link or error is reported as such, never as this request's outcome.
async fn wait_for_session_url(
    graph: &GraphClient,
    device_id: &str,
    before: &AssistanceStatus,
    polling: &Polling,
    clock: &Clock,
) -> Result<String, AssistError> {
    let started = clock.instant();
    let mut wait = polling.min / 4;
    loop {
        clock.sleep(wait).await;
        let status = graph.assistance_status(device_id).await?;
        let new = |now: &Option<String>, earlier: &Option<String>| {
            now.as_ref()
                .filter(|value| earlier.as_ref() != Some(*value))
                .cloned()
        };
        if let Some(error) = new(&status.error_details, &before.error_details) {
            return Err(AssistError::Intune(error));
        }
        if let Some(url) = new(&status.session_url, &before.session_url) {
            return Ok(url);
        }
        if clock.instant().duration_since(started) >= polling.creation_timeout {
            let waited = polling.creation_timeout.as_secs();
            return Err(match (status.session_url, status.error_details) {
                (None, None) => AssistError::Timeout(waited),
                (link, error) => AssistError::Unchanged {
                    waited,
                    shown: link.map_or_else(
                        || format!("the error “{}”", error.unwrap_or_default()),
                        |link| format!("the session link {link}"),
                    ),
                },
            });
        }
        wait = (wait * 2).min(polling.min);
    }
}

/// Looks for Intune's session in TeamViewer, by the code in its link, to follow it. Nothing
/// documents that the link carries a code or that the admin's account sees the session, so
/// each failure only says why the live state is unavailable.
pub async fn track(
    teamviewer: &TeamViewerClient,
    session_url: &str,
) -> (Option<String>, Option<Session>, LiveState) {
    let Some(code) = code_from_link(session_url) else {
        return (None, None, LiveState::Unavailable(Untracked::NoCode));
    };
    let why = match teamviewer.session(&code).await {
        Ok(session) => return (Some(code), Some(session), LiveState::Tracked),
        Err(error) => match error.kind {
            ErrorKind::SignInRequired { .. } | ErrorKind::Unauthorized => {
                Untracked::NoTeamViewerSignIn
            }
            ErrorKind::NotFound { .. } | ErrorKind::Forbidden { .. } => Untracked::NotVisible,
            _ => Untracked::Failed(error.to_string()),
        },
    };
    (Some(code), None, LiveState::Unavailable(why))
}

/// Extracts a session code from a TeamViewer link such as `…/v15/s119457589-AEG8iPEEzz96` or
/// `…?sessioncode=s119457589…`; `None` for links of any other shape.
pub fn code_from_link(link: &str) -> Option<String> {
    let url = url::Url::parse(link).ok()?;
    if let Some((_, value)) = url
        .query_pairs()
        .find(|(k, _)| k.eq_ignore_ascii_case("sessioncode"))
    {
        return normalize_code(&value);
    }
    let last = url.path().trim_end_matches('/').rsplit('/').next()?;
    let candidate = last.split('-').next()?;
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
        assert_eq!(
            code_from_link(
                "https://login.teamviewer.com/Connect/IndexByol?sessioncode=s119457589&lang=en"
            )
            .as_deref(),
            Some("s119-457-589")
        );
        assert_eq!(code_from_link("https://example.com/nothing"), None);
        assert_eq!(
            code_from_link("https://start.teamviewer.com/intune/7c1e9a2b4d"),
            None
        );
        assert_eq!(code_from_link("not a link"), None);
    }
}
