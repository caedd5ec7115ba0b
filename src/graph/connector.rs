//! The TeamViewer connector (`remoteAssistancePartners`) and the admin's effective permissions.

use reqwest::Method;
use url::Url;

use super::wire::{Page, WirePartner, WireRolePermission};
use super::{ApiVersion, GraphClient, Op, path_segment};
use crate::domain::{Capabilities, Connector, Permission};
use crate::http::{ApiError, Idempotency, Service, parse_json};

impl GraphClient {
    /// The TeamViewer connector; [`Connector::absent`] when the tenant has none yet.
    pub async fn connector(&self) -> Result<Connector, ApiError> {
        let url = self.url(ApiVersion::V1, "deviceManagement/remoteAssistancePartners")?;
        let op = Op {
            what: "the TeamViewer connector",
            permission: Some(Permission::ReadRemoteAssistance),
            ..Op::default()
        };
        let page: Page<WirePartner> = self.get_json(url, op).await?;
        Ok(choose_connector(page.value))
    }

    /// Creates the TeamViewer partner object in a tenant that has none.
    pub async fn create_connector(&self) -> Result<Connector, ApiError> {
        let url = self.url(ApiVersion::V1, "deviceManagement/remoteAssistancePartners")?;
        let body = serde_json::json!({
            "@odata.type": "#microsoft.graph.remoteAssistancePartner",
            "displayName": "TeamViewer",
        });
        let op = Op {
            what: "the TeamViewer connector",
            permission: Some(Permission::UpdateRemoteAssistance),
            ..Op::default()
        };
        let response = self
            .call(Method::POST, url, Some(body), Idempotency::Unsafe, op)
            .await?;
        let wire: WirePartner = parse_json(Service::Graph, &response)?;
        Ok(wire.into_domain())
    }

    /// Starts onboarding the connector (`beginOnboarding`).
    pub async fn begin_onboarding(&self, partner_id: &str) -> Result<(), ApiError> {
        self.partner_action(partner_id, "beginOnboarding").await
    }

    /// Removes the active connector (`disconnect`).
    pub async fn disconnect(&self, partner_id: &str) -> Result<(), ApiError> {
        self.partner_action(partner_id, "disconnect").await
    }

    async fn partner_action(&self, partner_id: &str, action: &str) -> Result<(), ApiError> {
        let url = self.url(
            ApiVersion::V1,
            &format!(
                "deviceManagement/remoteAssistancePartners/{}/{action}",
                path_segment(partner_id)
            ),
        )?;
        let op = Op {
            what: "the TeamViewer connector",
            permission: Some(Permission::UpdateRemoteAssistance),
            ..Op::default()
        };
        // Both actions set a state; sending one twice does no harm.
        self.call(Method::POST, url, None, Idempotency::Safe, op)
            .await?;
        Ok(())
    }

    /// What the signed-in admin may do, from `getEffectivePermissions(scope='*')`.
    pub async fn capabilities(&self) -> Result<Capabilities, ApiError> {
        let op = Op {
            what: "your Intune permissions",
            permission: None,
            ..Op::default()
        };
        Ok(capabilities_from(
            self.get_json(self.effective_permissions_url()?, op).await?,
        ))
    }

    pub(super) fn effective_permissions_url(&self) -> Result<Url, ApiError> {
        self.url(
            ApiVersion::V1,
            "deviceManagement/getEffectivePermissions(scope='*')",
        )
    }
}

/// The connector among the tenant's partners. Intune offers one partner, TeamViewer, and
/// documents no name for it: a single partner is the connector whatever it is called; of
/// several, the one whose name says TeamViewer, else the first, and the choice is stated.
fn choose_connector(mut partners: Vec<WirePartner>) -> Connector {
    let count = partners.len();
    if count == 0 {
        return Connector::absent();
    }
    let named = partners.iter().position(WirePartner::names_teamviewer);
    let chosen = partners.swap_remove(named.unwrap_or(0));
    let mut connector = chosen.into_domain();
    if count > 1 {
        connector.choice = Some(format!(
            "{count} remote assistance partners; using “{}” ({}), {}",
            connector.display_name,
            connector.id.as_deref().unwrap_or_default(),
            if named.is_some() {
                "the one whose name says TeamViewer"
            } else {
                "the first listed, as none is named TeamViewer"
            }
        ));
    }
    connector
}

/// What the admin may do, from `getEffectivePermissions`' answer.
pub(super) fn capabilities_from(page: Page<WireRolePermission>) -> Capabilities {
    let allowed = page.value.iter().flat_map(|p| {
        p.resource_actions
            .iter()
            .flat_map(|a| a.allowed_resource_actions.iter())
            .chain(p.actions.iter())
            .map(String::as_str)
    });
    let denied = page
        .value
        .iter()
        .flat_map(|p| {
            p.resource_actions
                .iter()
                .flat_map(|a| a.not_allowed_resource_actions.iter())
        })
        .map(String::as_str);
    Capabilities::from_actions(allowed, denied)
}
