//! Remote assistance sessions and the states an admin watches them go through.

use serde::Serialize;
use time::OffsetDateTime;

/// Where a session stands, derived from what TeamViewer reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SessionState {
    /// Intune was asked; no TeamViewer session is known yet.
    Requested,
    /// The session exists; the end user has been notified and has not joined yet.
    Created,
    /// The end user accepted and is online in the session.
    EndUserOnline,
    /// A supporter is connected to the device.
    SupporterConnected,
    /// The supporter's connection ended.
    Ended,
    /// The session was closed; its code no longer works.
    Closed,
}

impl SessionState {
    /// Whether reaching this state is news for an admin who is doing something else: the end
    /// user joined, a supporter connected, or the session closed.
    pub fn worth_a_nudge(self) -> bool {
        matches!(
            self,
            SessionState::EndUserOnline | SessionState::SupporterConnected | SessionState::Closed
        )
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            SessionState::Requested => "requested",
            SessionState::Created => "waiting for end user",
            SessionState::EndUserOnline => "end user online",
            SessionState::SupporterConnected => "supporter connected",
            SessionState::Ended => "connection ended",
            SessionState::Closed => "closed",
        }
    }

    /// True once nothing more will happen to the session.
    pub fn is_final(self) -> bool {
        self == SessionState::Closed
    }
}

/// A TeamViewer service-case session, with every string sanitised.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub code: String,
    pub description: String,
    pub end_customer_name: String,
    pub supporter_link: Option<String>,
    pub end_customer_link: Option<String>,
    pub webclient_supporter_link: Option<String>,
    /// False once TeamViewer reports the session closed.
    pub open: bool,
    pub end_user_online: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    pub created_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub valid_until: Option<OffsetDateTime>,
    /// When a supporter connected, from the connections report.
    #[serde(with = "time::serde::rfc3339::option")]
    pub supporter_connected_at: Option<OffsetDateTime>,
    /// When that connection ended, from the connections report.
    #[serde(with = "time::serde::rfc3339::option")]
    pub connection_ended_at: Option<OffsetDateTime>,
}

impl Session {
    /// Every state the observations prove the session reached, in order. A supporter
    /// connection proves the end user was online even if the session has since closed.
    pub fn milestones(&self) -> Vec<SessionState> {
        let mut reached = vec![SessionState::Created];
        if self.end_user_online || self.supporter_connected_at.is_some() {
            reached.push(SessionState::EndUserOnline);
        }
        if self.supporter_connected_at.is_some() {
            reached.push(SessionState::SupporterConnected);
        }
        if self.connection_ended_at.is_some() {
            reached.push(SessionState::Ended);
        }
        if !self.open {
            reached.push(SessionState::Closed);
        }
        reached
    }

    /// The state the observations add up to.
    pub fn state(&self) -> SessionState {
        if !self.open {
            SessionState::Closed
        } else if self.connection_ended_at.is_some() {
            SessionState::Ended
        } else if self.supporter_connected_at.is_some() {
            SessionState::SupporterConnected
        } else if self.end_user_online {
            SessionState::EndUserOnline
        } else {
            SessionState::Created
        }
    }
}

/// Why a session's live state cannot be followed through the TeamViewer Web API. The session
/// itself is fine: Intune's link is the session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Untracked {
    /// Nobody is signed in to TeamViewer here.
    NoTeamViewerSignIn,
    /// The signed-in TeamViewer account does not see the session Intune created.
    NotVisible,
    /// Intune's link carries no session code to look the session up by.
    NoCode,
    /// TeamViewer could not be asked; the text says why.
    Failed(String),
}

impl Untracked {
    /// A short machine-readable name, for `--json`.
    pub fn key(&self) -> &'static str {
        match self {
            Untracked::NoTeamViewerSignIn => "noTeamViewerSignIn",
            Untracked::NotVisible => "notVisibleToTeamViewerAccount",
            Untracked::NoCode => "noCodeInSessionUrl",
            Untracked::Failed(_) => "teamViewerFailed",
        }
    }

    /// Why, for people.
    pub fn reason(&self) -> String {
        match self {
            Untracked::NoTeamViewerSignIn => {
                "no TeamViewer sign-in (Accounts › TeamViewer) to follow it with".into()
            }
            Untracked::NotVisible => "this TeamViewer account cannot see the session".into(),
            Untracked::NoCode => "Intune's session link carries no session code".into(),
            Untracked::Failed(why) => format!("TeamViewer did not answer: {why}"),
        }
    }
}

/// Whether a session's live state (end user online, supporter connected, closed) can be
/// followed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiveState {
    /// TeamViewer shows the session to this account: it is followed.
    Tracked,
    /// It cannot be followed, and why.
    Unavailable(Untracked),
}

impl LiveState {
    /// True when the session is followed.
    pub fn is_tracked(&self) -> bool {
        matches!(self, LiveState::Tracked)
    }

    /// Why it is not followed, if it is not.
    pub fn untracked(&self) -> Option<&Untracked> {
        match self {
            LiveState::Tracked => None,
            LiveState::Unavailable(why) => Some(why),
        }
    }
}

/// A supporter connection taken from TeamViewer's connections report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connection {
    pub session_code: String,
    pub supporter: String,
    pub started_at: Option<OffsetDateTime>,
    pub ended_at: Option<OffsetDateTime>,
}

/// Normalises a session code as typed (`s119457589`, `S119-457-589`) to `s119-457-589`.
pub fn normalize_code(input: &str) -> Option<String> {
    let digits: String = input
        .trim()
        .chars()
        .filter(|c| c.is_ascii_digit())
        .collect();
    let starts_with_s = input.trim().starts_with(['s', 'S']);
    let only_code_chars = input
        .trim()
        .chars()
        .all(|c| c.is_ascii_digit() || c == '-' || c == 's' || c == 'S');
    (starts_with_s && only_code_chars && digits.len() == 9)
        .then(|| format!("s{}-{}-{}", &digits[0..3], &digits[3..6], &digits[6..9]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Session {
        Session {
            code: "s119-457-589".into(),
            description: String::new(),
            end_customer_name: String::new(),
            supporter_link: None,
            end_customer_link: None,
            webclient_supporter_link: None,
            open: true,
            end_user_online: false,
            created_at: None,
            closed_at: None,
            valid_until: None,
            supporter_connected_at: None,
            connection_ended_at: None,
        }
    }

    #[test]
    fn state_follows_the_observations() {
        let mut s = session();
        assert_eq!(s.state(), SessionState::Created);
        s.end_user_online = true;
        assert_eq!(s.state(), SessionState::EndUserOnline);
        s.supporter_connected_at = Some(OffsetDateTime::UNIX_EPOCH);
        assert_eq!(s.state(), SessionState::SupporterConnected);
        s.connection_ended_at = Some(OffsetDateTime::UNIX_EPOCH);
        assert_eq!(s.state(), SessionState::Ended);
        s.open = false;
        assert_eq!(s.state(), SessionState::Closed);
        assert!(s.state().is_final());
    }

    #[test]
    fn milestones_include_states_between_polls() {
        let mut s = session();
        s.open = false;
        assert_eq!(
            s.milestones(),
            [SessionState::Created, SessionState::Closed]
        );
        s.supporter_connected_at = Some(OffsetDateTime::UNIX_EPOCH);
        assert_eq!(
            s.milestones(),
            [
                SessionState::Created,
                SessionState::EndUserOnline,
                SessionState::SupporterConnected,
                SessionState::Closed
            ]
        );
    }

    #[test]
    fn codes_are_normalised() {
        assert_eq!(
            normalize_code("s119457589").as_deref(),
            Some("s119-457-589")
        );
        assert_eq!(
            normalize_code(" S119-457-589 ").as_deref(),
            Some("s119-457-589")
        );
        assert_eq!(normalize_code("119-457-589"), None);
        assert_eq!(normalize_code("s119-457-58"), None);
        assert_eq!(normalize_code("s119-457-589; rm"), None);
    }
}
