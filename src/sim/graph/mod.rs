//! Simulated Microsoft Graph endpoints for Intune devices, the TeamViewer connector and RBAC.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::state::{Audience, SimState};
use super::{Shared, bearer};
use devices::{get_device, list_devices, request_remote_assistance, sync_device};
use partners::{
    create_partner, effective_permissions, list_partners, partner_action, partner_item,
};

mod devices;
mod partners;

pub use devices::device_page;

pub(super) fn routes() -> Router<Shared> {
    Router::new().route("/graph/{version}/{*path}", any(dispatch))
}

struct Ctx<'a> {
    state: &'a mut SimState,
    version: &'a str,
    client_request_id: Option<String>,
    /// `Prefer: include-unknown-enum-members`: enum members newer than the version's schema
    /// are sent by name instead of as `unknownFutureValue`.
    all_enum_members: bool,
}

/// The v1.0 members of `deviceEnrollmentType` (Microsoft's v1.0 CSDL); beta adds the Android
/// Enterprise and other members, which v1.0 cannot name and sends as `unknownFutureValue`.
pub(super) const V1_ENROLLMENT_TYPES: &[&str] = &[
    "unknown",
    "userEnrollment",
    "deviceEnrollmentManager",
    "appleBulkWithUser",
    "appleBulkWithoutUser",
    "windowsAzureADJoin",
    "windowsBulkUserless",
    "windowsAutoEnrollment",
    "windowsBulkAzureDomainJoin",
    "windowsCoManagement",
    "windowsAzureADJoinUsingDeviceAuth",
    "appleUserEnrollment",
    "appleUserEnrollmentWithServiceAccount",
    "unknownFutureValue",
];

/// How enum values are written for this request.
#[derive(Clone, Copy)]
struct EnumView {
    v1: bool,
    all_members: bool,
}

impl EnumView {
    /// `value` of an evolvable enum whose v1.0 members are `v1_members` (in schema order).
    /// v1.0 can only send members it defines: a beta-only member is `unknownFutureValue`
    /// whatever the request prefers. `Prefer: include-unknown-enum-members` unlocks only the
    /// members v1.0 itself lists after `unknownFutureValue`.
    fn evolvable(self, value: &'static str, v1_members: &[&str]) -> &'static str {
        if !self.v1 {
            return value;
        }
        let sentinel = v1_members.iter().position(|m| *m == "unknownFutureValue");
        match v1_members.iter().position(|m| *m == value) {
            None => "unknownFutureValue",
            Some(at) if sentinel.is_some_and(|s| at > s) && !self.all_members => {
                "unknownFutureValue"
            }
            Some(_) => value,
        }
    }
}

impl Ctx<'_> {
    fn enum_view(&self) -> EnumView {
        EnumView {
            v1: self.version == "v1.0",
            all_members: self.all_enum_members,
        }
    }

    fn root(&self) -> String {
        format!("{}/graph/{}", self.state.base_url, self.version)
    }

    fn finish(&mut self, status: StatusCode, body: Option<Value>) -> Response {
        let response = match body {
            Some(body) => (status, axum::Json(body)).into_response(),
            None => status.into_response(),
        };
        self.stamp(response)
    }

    /// Adds the request ids Graph sends with every response.
    fn stamp(&mut self, mut response: Response) -> Response {
        let request_id = self.state.next_request_id();
        let headers = response.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&request_id) {
            headers.insert("request-id", v.clone());
            headers.insert(
                "client-request-id",
                self.client_request_id
                    .as_deref()
                    .and_then(|c| HeaderValue::from_str(c).ok())
                    .unwrap_or(v),
            );
        }
        response
    }

    /// A 200 with a JSON body already serialised.
    fn finish_json_bytes(&mut self, body: bytes::Bytes) -> Response {
        let response = (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
        self.stamp(response)
    }

    fn error(&mut self, status: StatusCode, code: &str, message: &str) -> Response {
        let request_id = self.state.next_request_id();
        let date = OffsetDateTime::now_utc()
            .format(&Rfc3339)
            .unwrap_or_default();
        let body = json!({"error": {"code": code, "message": message, "innerError": {
            "date": date.trim_end_matches('Z'),
            "request-id": request_id,
            "client-request-id": self.client_request_id.clone().unwrap_or_else(|| request_id.clone()),
        }}});
        let mut response = (status, axum::Json(body)).into_response();
        if let Ok(v) = HeaderValue::from_str(&request_id) {
            response.headers_mut().insert("request-id", v);
        }
        response
    }

    /// An error of the Intune service behind Graph: as tenants see it, Intune's own JSON
    /// inside `error.message` (when the simulator is told to), else a plain message.
    fn intune_error(&mut self, status: StatusCode, code: &str, message: &str) -> Response {
        if !self.state.config.intune_error_json {
            return self.error(status, code, message);
        }
        let activity = self.state.next_request_id();
        let inner = json!({
            "_version": 3,
            "Message": format!(
                "{message} - Operation ID (for customer support): 00000000-0000-0000-0000-000000000000 - Activity ID: {activity} - Url: https://fef.msub02.manage.microsoft.com/DeviceFE/StatelessDeviceFEService/deviceManagement/managedDevices?api-version=5024-07-18"
            ),
            "CustomApiErrorPhrase": "",
            "RetryAfter": null,
            "ErrorSourceService": "",
            "HttpHeaders": "{}",
        });
        self.error(status, code, &inner.to_string())
    }

    /// Graph's 403 for a token that holds none of `any_of`: the tenant withheld consent, or
    /// the token was not asked for any of them.
    fn lacks_scope(&mut self, token: Option<&str>, any_of: &[&str]) -> Option<Response> {
        let withheld = &self.state.config.withheld_scopes;
        let held = self.state.token_scopes(token);
        let lacks = |scope: &&str| {
            withheld.iter().any(|w| w.eq_ignore_ascii_case(scope))
                || held.is_some_and(|held| !held.iter().any(|h| h.eq_ignore_ascii_case(scope)))
        };
        if !any_of.is_empty() && any_of.iter().all(lacks) {
            let message = format!(
                "Application is not authorized to perform this operation. Application must have one of the following scopes: {}",
                any_of.join(", ")
            );
            return Some(self.error(StatusCode::FORBIDDEN, "Forbidden", &message));
        }
        None
    }

    fn forbidden(&mut self) -> Response {
        self.intune_error(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "Application is not authorized to perform this operation. Application must have one of \
             the following scopes and the signed-in user must hold the required Intune role permission.",
        )
    }
}

async fn dispatch(
    State(shared): State<Shared>,
    method: Method,
    Path((version, path)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut state = shared.lock();
    let mut ctx = Ctx {
        state: &mut state,
        version: &version,
        client_request_id: headers
            .get("client-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        all_enum_members: headers
            .get_all("prefer")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|p| {
                p.trim()
                    .eq_ignore_ascii_case("include-unknown-enum-members")
            }),
    };
    if version != "v1.0" && version != "beta" {
        return ctx.error(StatusCode::BAD_REQUEST, "BadRequest", "Invalid version.");
    }
    if let Err(message) = ctx.state.check_token(bearer(&headers), Audience::Graph) {
        return ctx.error(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            message,
        );
    }
    let params: Vec<(String, String)> =
        url::form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let decoded = percent_decode(&path);
    let segments: Vec<&str> = decoded.split('/').filter(|s| !s.is_empty()).collect();
    if segments.first() == Some(&"deviceManagement") {
        if let Some(refused) =
            ctx.lacks_scope(bearer(&headers), required_scopes(&method, &segments))
        {
            return refused;
        }
        if !ctx.state.config.intune_licensed {
            return ctx.error(
                StatusCode::FORBIDDEN,
                "Forbidden",
                "The tenant does not have a valid Intune license.",
            );
        }
    }
    match (method.clone(), segments.as_slice()) {
        (Method::GET, ["deviceManagement", "managedDevices"]) => list_devices(&mut ctx, &params),
        (Method::GET, ["deviceManagement", "managedDevices", id]) => {
            get_device(&mut ctx, id, &params)
        }
        (
            Method::POST,
            [
                "deviceManagement",
                "managedDevices",
                id,
                "requestRemoteAssistance",
            ],
        ) => request_remote_assistance(&mut ctx, id),
        (Method::POST, ["deviceManagement", "managedDevices", id, "syncDevice"]) => {
            sync_device(&mut ctx, id)
        }
        (Method::GET, ["deviceManagement", "remoteAssistancePartners"]) => list_partners(&mut ctx),
        (Method::POST, ["deviceManagement", "remoteAssistancePartners"]) => {
            create_partner(&mut ctx, &body)
        }
        (_, ["deviceManagement", "remoteAssistancePartners", id]) => {
            partner_item(&mut ctx, &method, id, &body)
        }
        (Method::POST, ["deviceManagement", "remoteAssistancePartners", id, action]) => {
            partner_action(&mut ctx, id, action)
        }
        (Method::GET, ["deviceManagement", function])
            if function.starts_with("getEffectivePermissions(") =>
        {
            effective_permissions(&mut ctx)
        }
        _ => ctx.error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            &format!(
                "Resource not found for the segment '{}'.",
                segments.last().unwrap_or(&"")
            ),
        ),
    }
}

/// The delegated Graph permissions that allow a call (any one of them), as Microsoft's
/// permission reference lists them.
fn required_scopes(method: &Method, segments: &[&str]) -> &'static [&'static str] {
    const DEVICES_READ: &[&str] = &[
        "DeviceManagementManagedDevices.Read.All",
        "DeviceManagementManagedDevices.ReadWrite.All",
    ];
    const DEVICES_WRITE: &[&str] = &["DeviceManagementManagedDevices.ReadWrite.All"];
    const DEVICES_PRIVILEGED: &[&str] =
        &["DeviceManagementManagedDevices.PrivilegedOperations.All"];
    const CONFIG_READ: &[&str] = &[
        "DeviceManagementServiceConfig.Read.All",
        "DeviceManagementServiceConfig.ReadWrite.All",
    ];
    const CONFIG_WRITE: &[&str] = &["DeviceManagementServiceConfig.ReadWrite.All"];
    const RBAC_READ: &[&str] = &[
        "DeviceManagementRBAC.Read.All",
        "DeviceManagementRBAC.ReadWrite.All",
        "DeviceManagementConfiguration.Read.All",
        "DeviceManagementConfiguration.ReadWrite.All",
    ];
    match segments.get(1).copied() {
        Some("managedDevices") if *method == Method::GET => DEVICES_READ,
        Some("managedDevices") if segments.get(3) == Some(&"syncDevice") => DEVICES_PRIVILEGED,
        Some("managedDevices") => DEVICES_WRITE,
        Some("remoteAssistancePartners") if *method == Method::GET => CONFIG_READ,
        Some("remoteAssistancePartners") => CONFIG_WRITE,
        Some(f) if f.starts_with("getEffectivePermissions") => RBAC_READ,
        _ => &[],
    }
}

fn percent_decode(path: &str) -> String {
    url::form_urlencoded::parse(format!("p={}", path.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| {
            k.eq_ignore_ascii_case(name)
                || k.trim_start_matches('$')
                    .eq_ignore_ascii_case(name.trim_start_matches('$'))
        })
        .map(|(_, v)| v.as_str())
}

fn time_value(t: OffsetDateTime) -> Value {
    Value::String(t.format(&Rfc3339).unwrap_or_default())
}
