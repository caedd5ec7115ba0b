//! Domain types the whole app shares: no wire types, no IO, no UI.

pub mod connector;
pub mod device;
pub mod history;
pub mod permissions;
pub mod platform;
pub mod session;
pub mod support;
pub mod sync;
pub mod text;
pub mod ticket;
mod wire_enum;

pub use connector::{Connector, OnboardingStatus};
pub use device::{
    ComplianceState, Device, DeviceFields, DeviceOf, DeviceRef, DeviceTable, EnrollmentType, Facts,
    ManagementState, OwnerType, SEARCHED_FIELDS, Searched,
};
pub use history::{ConnectionKind, PastSession, PastStatus, Requested};
pub use permissions::{Capabilities, Permission};
pub use platform::Platform;
pub use session::{Connection, LiveState, Session, SessionState, Untracked};
pub use support::Assist;
pub use sync::{SyncState, SyncWatch};
pub use ticket::{Ticket, TicketError};

/// The signed-in Microsoft account, from the ID token's claims.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// The user principal name (`preferred_username`).
    pub username: String,
    /// The display name (`name`).
    pub name: String,
    /// The tenant id (`tid`).
    pub tenant_id: String,
    /// Entra ID role template ids (`wids`), when the token said; `None` when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
}

impl Account {
    /// Why this account cannot onboard the TeamViewer connector, when its roles are known
    /// and hold neither Intune Administrator nor Global Administrator.
    pub fn onboarding_block(&self) -> Option<String> {
        let roles = self.roles.as_ref()?;
        let holds = |id: &str| roles.iter().any(|r| r.eq_ignore_ascii_case(id));
        (!holds(permissions::INTUNE_ADMINISTRATOR_ROLE) && !holds(permissions::GLOBAL_ADMINISTRATOR_ROLE))
            .then(|| {
                "enabling the TeamViewer connector needs the Intune Administrator or Global \
                 Administrator role in Entra ID (and an Intune licence); your sign-in holds neither role"
                    .to_string()
            })
    }
}
