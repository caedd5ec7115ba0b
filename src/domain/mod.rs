//! Domain types the whole app shares: no wire types, no IO, no UI.

pub mod connector;
pub mod device;
pub mod permissions;
pub mod session;
pub mod text;
mod wire_enum;

pub use connector::{Connector, OnboardingStatus};
pub use device::{
    Assist, ComplianceState, Device, EnrollmentType, ManagementState, OwnerType, Platform,
};
pub use permissions::{Capabilities, Permission};
pub use session::{Connection, LiveState, Session, SessionState, Untracked};

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
}
