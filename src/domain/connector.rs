//! The Intune TeamViewer connector (`remoteAssistancePartner`).

use serde::Serialize;
use time::OffsetDateTime;

use super::wire_enum::wire_enum;

wire_enum!(
    /// Where the connector is in its onboarding.
    OnboardingStatus {
        NotOnboarded = "notOnboarded" => "not onboarded",
        Onboarding = "onboarding" => "onboarding",
        Onboarded = "onboarded" => "onboarded",
    }
);

/// The TeamViewer connector as Intune reports it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Connector {
    /// The partner id, or `None` when the tenant has no partner object yet.
    pub id: Option<String>,
    pub display_name: String,
    pub onboarding_url: Option<String>,
    pub onboarding_status: OnboardingStatus,
    /// Last time TeamViewer called Intune; `None` when it never has.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_connection_date_time: Option<OffsetDateTime>,
    /// When the tenant lists several partners: which one is taken as the connector, and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub choice: Option<String>,
}

impl Connector {
    /// The state of a tenant where no TeamViewer partner object exists yet.
    pub fn absent() -> Self {
        Connector {
            id: None,
            display_name: "TeamViewer".to_string(),
            onboarding_url: None,
            onboarding_status: OnboardingStatus::NotOnboarded,
            last_connection_date_time: None,
            choice: None,
        }
    }

    /// True when Intune can start sessions through this connector.
    pub fn is_onboarded(&self) -> bool {
        self.onboarding_status == OnboardingStatus::Onboarded
    }
}

/// The licence terms the admin accepts before the connector is enabled.
pub const CONNECTOR_TERMS: &str = "Enabling the TeamViewer connector lets the TeamViewer for Intune Connector create \
TeamViewer sessions, read Active Directory data, and store the TeamViewer account access token. \
TeamViewer is licensed separately; only some TeamViewer licences support this integration. \
Onboarding needs the Intune Administrator or Global Administrator role and an Intune licence.";
