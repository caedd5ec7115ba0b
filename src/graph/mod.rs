//! The Microsoft Graph client for Intune: devices, the TeamViewer connector, remote assistance
//! requests and the admin's effective permissions.

mod connector;
pub mod device_page;
mod devices;
pub mod intune_error;
pub mod lookup;
pub mod next_link;
mod parsers;
pub mod wire;

pub use devices::{
    AssistanceStatus, DeviceCursor, DevicePage, DeviceQuery, RawDevicePage, parse_device_page,
    read_device_page,
};

use reqwest::Method;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use url::Url;

use crate::auth::Tokens;
use crate::domain::Permission;
use crate::domain::text::sanitize;
use crate::http::{
    ApiError, ErrorKind, Http, Idempotency, Response, Service, parse_json, retry_after,
};
use wire::ErrorEnvelope;

/// Graph API versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ApiVersion {
    #[serde(rename = "v1.0")]
    V1,
    #[serde(rename = "beta")]
    Beta,
}

impl ApiVersion {
    /// The path segment.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V1 => "v1.0",
            ApiVersion::Beta => "beta",
        }
    }
}

/// Properties the device list needs, in every version.
const DEVICE_FIELDS: &str = "id,deviceName,operatingSystem,osVersion,userPrincipalName,userDisplayName,\
complianceState,managementState,lastSyncDateTime,enrolledDateTime,model,manufacturer,serialNumber,\
managedDeviceOwnerType,deviceEnrollmentType,azureADDeviceId";
/// Beta-only properties that tell HoloLens, Surface Hub and Windows 10 S apart.
const BETA_DEVICE_FIELDS: &str = "deviceType,skuNumber";
/// Asks Graph for every member of evolvable enums.
pub const PREFER_ENUM_MEMBERS: &str = "include-unknown-enum-members";
/// Page size asked for (Graph's maximum for managedDevices).
pub const PAGE_SIZE: u32 = 1000;

/// What an operation is, for error messages.
#[derive(Default)]
struct Op<'a> {
    what: &'a str,
    /// The Intune permission it needs, named in a 403 when the admin's permissions lack it.
    permission: Option<Permission>,
    /// The likeliest cause of a 403 for this kind of request, besides the general ones.
    forbidden_hint: Option<&'static str>,
}

/// Why a request about one device may be refused although the role allows the action.
const DEVICE_SCOPE_HINT: &str =
    "the device is outside the scope groups or scope tags of your Intune role assignment";
/// Why onboarding may be refused: an Entra role, besides the Intune permission.
pub const ONBOARDING_ROLE_HINT: &str = "onboarding needs the Intune Administrator or Global Administrator role in Entra ID, and your sign-in does not say which roles it holds";

/// The Graph client.
#[derive(Clone)]
pub struct GraphClient {
    http: Http,
    root: Url,
    devices_version: ApiVersion,
    tokens: Tokens,
    /// Tokens for the privileged device actions (`syncDevice`), which need a permission
    /// the sign-in does not ask for.
    privileged: Tokens,
}

/// Quotes a string for an OData literal.
fn odata_string(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

impl GraphClient {
    /// A client for the Graph service root `root` (e.g. `https://graph.microsoft.com`).
    pub fn new(http: Http, root: Url, devices_version: ApiVersion, tokens: Tokens) -> Self {
        GraphClient {
            http,
            root,
            devices_version,
            privileged: tokens.clone(),
            tokens,
        }
    }

    /// The same client, with `tokens` for the privileged device actions.
    pub fn with_privileged_tokens(mut self, tokens: Tokens) -> Self {
        self.privileged = tokens;
        self
    }

    /// This client as it calls the privileged device actions.
    fn privileged(&self) -> GraphClient {
        GraphClient {
            tokens: self.privileged.clone(),
            ..self.clone()
        }
    }

    fn url(&self, version: ApiVersion, path: &str) -> Result<Url, ApiError> {
        let base = self.root.as_str().trim_end_matches('/');
        Url::parse(&format!("{base}/{}/{path}", version.as_str()))
            .map_err(|e| ApiError::malformed(Service::Graph, format!("bad Graph URL: {e}")))
    }

    /// Sends a request and turns a failure into a typed error.
    async fn call(
        &self,
        method: Method,
        url: Url,
        body: Option<serde_json::Value>,
        idempotency: Idempotency,
        op: Op<'_>,
    ) -> Result<Response, ApiError> {
        let response = self.send(method, url, body, idempotency).await?;
        if response.status.is_success() {
            return Ok(response);
        }
        let mut error = error_from(&response, &op);
        if let (ErrorKind::Forbidden { missing, .. }, Some(permission)) =
            (&mut error.kind, op.permission)
        {
            *missing = self.confirm_missing(permission).await;
        }
        Err(error)
    }

    /// Sends a request with the current token; on 401, gets a fresh token and tries once more.
    /// The answer comes back whatever its status.
    async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<serde_json::Value>,
        idempotency: Idempotency,
    ) -> Result<Response, ApiError> {
        let mut rejected_once = false;
        loop {
            let token = self.tokens.token().await?;
            let client_request_id = new_client_request_id();
            let response = self
                .http
                .send_unless(
                    Service::Graph,
                    idempotency,
                    carries_intune_error,
                    |client| {
                        let mut request = client
                            .request(method.clone(), url.clone())
                            .bearer_auth(token.expose_secret())
                            .header(ACCEPT, "application/json")
                            // Without it v1.0 sends `unknownFutureValue` for enum members added
                            // after the enum was published (the Android Enterprise enrollments).
                            .header("Prefer", PREFER_ENUM_MEMBERS)
                            .header("client-request-id", &client_request_id);
                        if let Some(body) = &body {
                            request = request.header(CONTENT_TYPE, "application/json").json(body);
                        } else if method == Method::POST {
                            request = request.header(reqwest::header::CONTENT_LENGTH, 0);
                        }
                        request
                    },
                )
                .await?;
            if response.status.as_u16() == 401 && !rejected_once {
                rejected_once = true;
                self.tokens.rejected(&token).await;
                continue;
            }
            return Ok(response);
        }
    }

    /// Whether the admin's effective permissions lack `permission`: a 403 has other causes
    /// too (a Graph scope without consent, no Intune licence, Conditional Access), so it names
    /// the permission only when Intune says it is missing.
    async fn confirm_missing(&self, permission: Permission) -> Option<Permission> {
        let read = async {
            let url = self.effective_permissions_url()?;
            let response = self.send(Method::GET, url, None, Idempotency::Safe).await?;
            if !response.status.is_success() {
                return Err(error_from(
                    &response,
                    &Op {
                        what: "your Intune permissions",
                        ..Op::default()
                    },
                ));
            }
            Ok(connector::capabilities_from(parse_json(
                Service::Graph,
                &response,
            )?))
        };
        match read.await {
            Ok(capabilities) if !capabilities.allows(permission) => Some(permission),
            Ok(_) => None,
            Err(error) => {
                tracing::debug!(%error, "effective permissions unavailable to explain a 403");
                None
            }
        }
    }

    async fn get_json<T: DeserializeOwned>(&self, url: Url, op: Op<'_>) -> Result<T, ApiError> {
        let response = self
            .call(Method::GET, url, None, Idempotency::Safe, op)
            .await?;
        parse_json(Service::Graph, &response)
    }
}

/// Percent-encodes an id for use as one path segment.
fn path_segment(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// A fresh `client-request-id`: a random GUID (version 4), the form Graph documents.
fn new_client_request_id() -> String {
    let random = fastrand::u128(..);
    let n = (random & !(0xf << 76) & !(0x3 << 62)) | (0x4 << 76) | (0x2 << 62);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        n >> 96,
        (n >> 80) & 0xffff,
        (n >> 64) & 0xffff,
        (n >> 48) & 0xffff,
        n & 0xffff_ffff_ffff
    )
}

fn looks_like_guid(text: &str) -> bool {
    text.len() == 36
        && text.chars().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Whether a failed answer carries Intune's own error: Intune handled the request and failed
/// it, so a write is not sent again.
fn carries_intune_error(response: &Response) -> bool {
    !response.status.is_success()
        && serde_json::from_slice::<ErrorEnvelope>(&response.body)
            .is_ok_and(|e| intune_error::parse(&e.error.message).is_some())
}

/// Maps a Graph failure to a typed error.
fn error_from(response: &Response, op: &Op<'_>) -> ApiError {
    let envelope = serde_json::from_slice::<ErrorEnvelope>(&response.body).ok();
    let request_id = envelope
        .as_ref()
        .and_then(|e| e.error.inner_error.as_ref())
        .and_then(|i| i.request_id.as_deref())
        .map(sanitize)
        .or_else(|| response.request_id());
    let code = envelope
        .as_ref()
        .map(|e| sanitize(&e.error.code))
        .unwrap_or_default();
    // Intune puts its own error, as JSON, inside Graph's message.
    let intune = envelope
        .as_ref()
        .and_then(|e| intune_error::parse(&e.error.message));
    let message = match (&intune, &envelope) {
        (Some(intune), _) => intune.message.clone(),
        (None, Some(e)) => crate::domain::text::sanitize_bounded(&e.error.message, 300),
        (None, None) => String::new(),
    };
    let activity_id = intune.as_ref().and_then(|i| i.activity_id.clone());
    let status = response.status.as_u16();
    let kind = match status {
        401 => ErrorKind::SignInRequired {
            reason: "Microsoft Graph no longer accepts the sign-in".into(),
        },
        403 => ErrorKind::Forbidden {
            missing: None,
            code,
            message,
            hint: op.forbidden_hint,
        },
        404 => ErrorKind::NotFound {
            what: op.what.to_string(),
        },
        429 => ErrorKind::Throttled {
            retry_after: retry_after(&response.headers),
        },
        500..=599 => ErrorKind::Server {
            status,
            code,
            intune_message: intune.map(|i| i.message),
        },
        _ => ErrorKind::Rejected {
            status,
            code,
            message,
        },
    };
    ApiError::new(Service::Graph, kind)
        .with_request_id(request_id)
        .with_activity_id(activity_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_request_ids_are_version_4_guids() {
        let ids: Vec<String> = (0..64).map(|_| new_client_request_id()).collect();
        for id in &ids {
            assert!(looks_like_guid(id), "{id}");
            assert_eq!(&id[14..15], "4", "{id}");
            assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"), "{id}");
        }
        let distinct: std::collections::BTreeSet<_> = ids.iter().collect();
        assert_eq!(distinct.len(), ids.len());
    }
}
