//! Who may call the simulator: the tokens it issued, and what the admin's Intune role allows.

use std::time::Duration;

use super::Profile;
use super::state::{Audience, IssuedToken, SimState};

impl SimState {
    /// Issues an access token (and optionally a refresh token) for `audience`.
    pub fn issue_tokens(
        &mut self,
        audience: Audience,
        lifetime: Duration,
        scopes: Option<Vec<String>>,
    ) -> (String, String) {
        let prefix = match audience {
            Audience::Graph => "sim-at",
            Audience::TeamViewer => "sim-tv-at",
        };
        let access = format!("{prefix}-{:032x}", self.rng.u128(..));
        let refresh = format!("{prefix}-rt-{:032x}", self.rng.u128(..));
        self.tokens.insert(
            access.clone(),
            IssuedToken {
                audience,
                expires: Some(self.config.clock.instant() + lifetime),
                scopes,
            },
        );
        self.refresh_tokens.insert(refresh.clone(), audience);
        self.secrets_issued.push(access.clone());
        self.secrets_issued.push(refresh.clone());
        (access, refresh)
    }

    /// The Graph permissions `token` was issued for; `None` when it holds every consented one.
    pub fn token_scopes(&self, token: Option<&str>) -> Option<&[String]> {
        self.tokens.get(token?)?.scopes.as_deref()
    }

    /// Checks a bearer token: `Ok` if valid for `audience`, else why not.
    pub fn check_token(&self, token: Option<&str>, audience: Audience) -> Result<(), &'static str> {
        let token = token.ok_or("Access token is empty.")?;
        let issued = self
            .tokens
            .get(token)
            .ok_or("Access token validation failure. Invalid audience or signature.")?;
        if issued.audience != audience {
            return Err("Access token validation failure. Invalid audience.");
        }
        match issued.expires {
            Some(expires) if expires <= self.config.clock.instant() => {
                Err("Lifetime validation failed, the token is expired.")
            }
            _ => Ok(()),
        }
    }

    /// The resource actions the profile's Intune role allows.
    pub fn allowed_actions(&self) -> Vec<&'static str> {
        match self.config.profile {
            Profile::Admin => vec!["*"],
            Profile::Helpdesk => vec![
                "Microsoft.Intune_ManagedDevices_Read",
                "Microsoft.Intune_Organization_Read",
                "Microsoft.Intune_RemoteAssistance_Read",
                "Microsoft.Intune_RemoteTasks_RequestRemoteAssistance",
                "Microsoft.Intune_RemoteTasks_SyncDevice",
            ],
            Profile::Readonly => vec![
                "Microsoft.Intune_ManagedDevices_Read",
                "Microsoft.Intune_Organization_Read",
                "Microsoft.Intune_RemoteAssistance_Read",
                "Microsoft.Intune_RemoteAssistance_ViewReports",
            ],
        }
    }

    /// Whether the profile holds `action`.
    pub fn may(&self, action: &str) -> bool {
        self.allowed_actions()
            .iter()
            .any(|a| *a == "*" || a.eq_ignore_ascii_case(action))
    }
}
