//! Simulated Microsoft Graph endpoints for Intune devices, the TeamViewer connector and RBAC.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::state::{Audience, Partner, SimState};
use super::tenant::SimDevice;
use super::{Shared, bearer, filter};

pub(super) fn routes() -> Router<Shared> {
    Router::new().route("/graph/{version}/{*path}", any(dispatch))
}

const MAX_TOP: usize = 1000;

/// Properties every version has.
const V1_FIELDS: &[&str] = &[
    "id",
    "deviceName",
    "managedDeviceName",
    "userId",
    "userDisplayName",
    "userPrincipalName",
    "emailAddress",
    "operatingSystem",
    "osVersion",
    "model",
    "manufacturer",
    "serialNumber",
    "complianceState",
    "managementState",
    "managementAgent",
    "managedDeviceOwnerType",
    "deviceEnrollmentType",
    "deviceRegistrationState",
    "lastSyncDateTime",
    "enrolledDateTime",
    "azureADDeviceId",
    "azureADRegistered",
    "isEncrypted",
    "isSupervised",
    "jailBroken",
    "imei",
    "meid",
    "phoneNumber",
    "wiFiMacAddress",
    "remoteAssistanceSessionUrl",
    "remoteAssistanceSessionErrorDetails",
    "notes",
    "physicalMemoryInBytes",
    "ethernetMacAddress",
];
/// Properties only beta has.
const BETA_FIELDS: &[&str] = &["deviceType", "skuFamily", "skuNumber", "chassisType"];

struct Ctx<'a> {
    state: &'a mut SimState,
    version: &'a str,
    client_request_id: Option<String>,
    /// `Prefer: include-unknown-enum-members`: enum members newer than the version's schema
    /// are sent by name instead of as `unknownFutureValue`.
    all_enum_members: bool,
}

/// The v1.0 members of `deviceEnrollmentType` (Microsoft's v1.0 CSDL); beta adds the Android
/// Enterprise and other members, which v1.0 sends as `unknownFutureValue` unless asked.
const V1_ENROLLMENT_TYPES: &[&str] = &[
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
    /// `value` of an evolvable enum whose v1.0 members are `v1_members`.
    fn evolvable(self, value: &'static str, v1_members: &[&str]) -> &'static str {
        if self.v1 && !self.all_members && !v1_members.contains(&value) {
            "unknownFutureValue"
        } else {
            value
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

    /// Graph's 403 for a token that holds none of `any_of` (the tenant withheld consent).
    fn lacks_scope(&mut self, any_of: &[&str]) -> Option<Response> {
        let withheld = &self.state.config.withheld_scopes;
        if any_of
            .iter()
            .all(|scope| withheld.iter().any(|w| w.eq_ignore_ascii_case(scope)))
        {
            let message = format!(
                "Application is not authorized to perform this operation. Application must have one of the following scopes: {}",
                any_of.join(", ")
            );
            return Some(self.error(StatusCode::FORBIDDEN, "Forbidden", &message));
        }
        None
    }

    fn forbidden(&mut self) -> Response {
        self.error(
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
        if let Some(refused) = ctx.lacks_scope(required_scopes(&method, &segments)) {
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

/// The properties a `$select` asks for, checked against the version's schema.
fn selected_fields(
    version: &str,
    params: &[(String, String)],
) -> Result<Option<Vec<String>>, String> {
    let Some(select) = param(params, "$select") else {
        return Ok(None);
    };
    let mut fields = Vec::new();
    for name in select.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let known = V1_FIELDS
            .iter()
            .chain(if version == "beta" { BETA_FIELDS } else { &[] })
            .find(|f| f.eq_ignore_ascii_case(name));
        match known {
            Some(f) => fields.push((*f).to_string()),
            None => {
                return Err(format!(
                    "Could not find a property named '{name}' on type 'microsoft.graph.managedDevice'."
                ));
            }
        }
    }
    Ok(Some(fields))
}

fn time_value(t: OffsetDateTime) -> Value {
    Value::String(t.format(&Rfc3339).unwrap_or_default())
}

fn field_value(d: &SimDevice, field: &str, single_get_selected: bool, enums: EnumView) -> Value {
    let s = |v: &str| Value::String(v.to_string());
    match field {
        "id" => s(&d.id),
        "deviceName" => s(&d.device_name),
        "managedDeviceName" => s(&d.managed_device_name),
        "userId" => s(&d.user_id),
        "userDisplayName" => s(&d.user_display_name),
        "userPrincipalName" => s(&d.user_principal_name),
        "emailAddress" => s(&d.email_address),
        "operatingSystem" => s(&d.operating_system),
        "osVersion" => s(&d.os_version),
        "model" => s(&d.model),
        "manufacturer" => s(&d.manufacturer),
        "serialNumber" => s(&d.serial_number),
        "complianceState" => s(d.compliance_state),
        "managementState" => s(d.management_state),
        "managementAgent" => s(d.management_agent),
        "managedDeviceOwnerType" => s(d.owner_type),
        "deviceEnrollmentType" => s(enums.evolvable(d.enrollment_type, V1_ENROLLMENT_TYPES)),
        "deviceRegistrationState" => s(d.registration_state),
        "lastSyncDateTime" => time_value(d.last_sync),
        "enrolledDateTime" => time_value(d.enrolled),
        "azureADDeviceId" => s(&d.azure_ad_device_id),
        "azureADRegistered" => Value::Bool(true),
        "isEncrypted" => Value::Bool(d.is_encrypted),
        "isSupervised" => Value::Bool(d.is_supervised),
        "jailBroken" => s(
            if d.operating_system == "iOS" || d.operating_system == "Android" {
                "False"
            } else {
                "Unknown"
            },
        ),
        "imei" => s(&d.imei),
        "meid" | "phoneNumber" => s(""),
        "wiFiMacAddress" => s(&d.wifi_mac),
        "deviceType" => s(d.device_type),
        "skuFamily" => s(d.sku_family),
        "skuNumber" => json!(d.sku_number),
        "chassisType" => s(match d.device_type {
            "desktop" | "holoLens" | "surfaceHub" | "macMDM" | "linux" => "desktop",
            "iPad" => "tablet",
            _ => "phone",
        }),
        // Properties Graph fills only on a single GET that selects them.
        "remoteAssistanceSessionUrl" if single_get_selected => d
            .remote_assistance_session_url
            .clone()
            .map_or(Value::Null, Value::String),
        "remoteAssistanceSessionErrorDetails" if single_get_selected => d
            .remote_assistance_session_error
            .clone()
            .map_or(Value::Null, Value::String),
        "notes" if single_get_selected => s(&d.notes),
        "physicalMemoryInBytes" => json!(if single_get_selected {
            d.physical_memory
        } else {
            0
        }),
        "ethernetMacAddress" if single_get_selected => s(""),
        _ => Value::Null,
    }
}

fn device_json(d: &SimDevice, enums: EnumView, fields: Option<&[String]>, single: bool) -> Value {
    let mut map = Map::new();
    let version = if enums.v1 { "v1.0" } else { "beta" };
    match fields {
        Some(fields) => {
            for f in fields {
                map.insert(f.clone(), field_value(d, f, single, enums));
            }
        }
        None => {
            map.insert(
                "@odata.type".into(),
                Value::String("#microsoft.graph.managedDevice".into()),
            );
            let all = V1_FIELDS
                .iter()
                .chain(if version == "beta" { BETA_FIELDS } else { &[] });
            // Select-only properties come back empty (null, or 0 where the schema says the
            // property is never null).
            for f in all {
                map.insert((*f).to_string(), field_value(d, f, false, enums));
            }
        }
    }
    Value::Object(map)
}

/// A page of `devices` as Graph beta sends it with every property, for building screens in
/// tests from the wire instead of by hand.
pub fn device_page(devices: &[SimDevice]) -> Vec<u8> {
    let enums = EnumView {
        v1: false,
        all_members: true,
    };
    let value: Vec<Value> = devices
        .iter()
        .map(|d| device_json(d, enums, None, false))
        .collect();
    serde_json::to_vec(&json!({
        "@odata.context": "https://graph.microsoft.com/beta/$metadata#deviceManagement/managedDevices",
        "value": value,
    }))
    .unwrap_or_default()
}

/// Skip tokens are opaque to clients; this one hides an offset.
fn encode_skiptoken(offset: usize) -> String {
    format!("RFNwdAIAAQAAAD{:x}", offset ^ 0x2a2a)
}

fn decode_skiptoken(token: &str) -> Option<usize> {
    let hex = token.strip_prefix("RFNwdAIAAQAAAD")?;
    usize::from_str_radix(hex, 16).ok().map(|v| v ^ 0x2a2a)
}

fn list_devices(ctx: &mut Ctx<'_>, params: &[(String, String)]) -> Response {
    let key = format!(
        "{}{}?{}",
        ctx.version,
        if ctx.all_enum_members { "+enums" } else { "" },
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish()
    );
    if let Some(body) = ctx.state.page_cache.get(&key) {
        return ctx.finish_json_bytes(body);
    }
    let fields = match selected_fields(ctx.version, params) {
        Ok(f) => f,
        Err(message) => return ctx.error(StatusCode::BAD_REQUEST, "BadRequest", &message),
    };
    let filter = match param(params, "$filter").map(filter::parse).transpose() {
        Ok(f) => f,
        Err(message) => {
            return ctx.error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                &format!("Invalid filter clause: {message}"),
            );
        }
    };
    let top = match param(params, "$top").map(str::parse::<usize>).transpose() {
        Ok(top) => top.unwrap_or(MAX_TOP).clamp(1, MAX_TOP),
        Err(_) => {
            return ctx.error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                "Invalid value for $top.",
            );
        }
    };
    let offset = match param(params, "$skiptoken").map(decode_skiptoken) {
        None => 0,
        Some(Some(offset)) => offset,
        Some(None) => {
            return ctx.error(StatusCode::BAD_REQUEST, "BadRequest", "Invalid $skiptoken.");
        }
    };
    let count = param(params, "$count").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let matching: Vec<&SimDevice> = ctx
        .state
        .devices
        .iter()
        .filter(|d| filter.as_ref().is_none_or(|f| f.matches(d)))
        .collect();
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(top)
        .map(|d| device_json(d, ctx.enum_view(), fields.as_deref(), false))
        .collect();
    let context = match &fields {
        Some(f) => format!(
            "{}/$metadata#deviceManagement/managedDevices({})",
            ctx.root(),
            f.join(",")
        ),
        None => format!("{}/$metadata#deviceManagement/managedDevices", ctx.root()),
    };
    let next_link = (offset + top < matching.len()).then(|| {
        let mut next = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in params
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("$skiptoken"))
        {
            next.append_pair(k, v);
        }
        next.append_pair("$skiptoken", &encode_skiptoken(offset + top));
        format!(
            "{}/deviceManagement/managedDevices?{}",
            ctx.root(),
            next.finish()
        )
    });
    let body = DevicePageBody {
        context,
        count: count.then_some(matching.len()),
        value: page,
        next_link,
    };
    match serde_json::to_vec(&body) {
        Ok(bytes) => {
            let bytes = bytes::Bytes::from(bytes);
            ctx.state.page_cache.put(key, bytes.clone());
            ctx.finish_json_bytes(bytes)
        }
        Err(e) => ctx.error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            &format!("cannot serialise the page: {e}"),
        ),
    }
}

/// A page of devices as Graph writes it: context, count, the devices, then the next link.
#[derive(serde::Serialize)]
struct DevicePageBody {
    #[serde(rename = "@odata.context")]
    context: String,
    #[serde(rename = "@odata.count", skip_serializing_if = "Option::is_none")]
    count: Option<usize>,
    value: Vec<Value>,
    #[serde(rename = "@odata.nextLink", skip_serializing_if = "Option::is_none")]
    next_link: Option<String>,
}

fn get_device(ctx: &mut Ctx<'_>, id: &str, params: &[(String, String)]) -> Response {
    let fields = match selected_fields(ctx.version, params) {
        Ok(f) => f,
        Err(message) => return ctx.error(StatusCode::BAD_REQUEST, "BadRequest", &message),
    };
    let Some(&index) = ctx.state.device_index.get(id) else {
        return ctx.error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            &format!("Resource not found: managedDevice {id}"),
        );
    };
    let mut body = device_json(
        &ctx.state.devices[index],
        ctx.enum_view(),
        fields.as_deref(),
        true,
    );
    if let Value::Object(map) = &mut body {
        map.insert(
            "@odata.context".into(),
            Value::String(format!(
                "{}/$metadata#deviceManagement/managedDevices/$entity",
                ctx.root()
            )),
        );
    }
    ctx.finish(StatusCode::OK, Some(body))
}

fn request_remote_assistance(ctx: &mut Ctx<'_>, id: &str) -> Response {
    if !ctx
        .state
        .may("Microsoft.Intune_RemoteTasks_RequestRemoteAssistance")
    {
        return ctx.forbidden();
    }
    let Some(&index) = ctx.state.device_index.get(id) else {
        return ctx.error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            &format!("Resource not found: managedDevice {id}"),
        );
    };
    if ctx
        .state
        .partner
        .as_ref()
        .is_none_or(|p| p.status != "onboarded")
    {
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "No remote assistance partner is onboarded for this tenant.",
        );
    }
    ctx.state.page_cache.clear();
    if let Some(device) = ctx.state.devices.get_mut(index) {
        device.remote_assistance_session_url = None;
        device.remote_assistance_session_error = None;
    }
    let requested = ctx.state.now();
    ctx.state.requests.push(super::state::AssistRequest {
        device_index: index,
        requested,
        done: false,
    });
    ctx.finish(StatusCode::NO_CONTENT, None)
}

fn partner_json(partner: &Partner) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.remoteAssistancePartner",
        "id": partner.id,
        "displayName": "TeamViewer",
        "onboardingUrl": partner.onboarding_url,
        "onboardingStatus": partner.status,
        "lastConnectionDateTime": partner.last_connection.map_or(Value::String("0001-01-01T00:00:00Z".into()), time_value),
    })
}

fn list_partners(ctx: &mut Ctx<'_>) -> Response {
    if !ctx.state.may("Microsoft.Intune_RemoteAssistance_Read") {
        return ctx.forbidden();
    }
    let value: Vec<Value> = ctx.state.partner.iter().map(partner_json).collect();
    let context = format!(
        "{}/$metadata#deviceManagement/remoteAssistancePartners",
        ctx.root()
    );
    ctx.finish(
        StatusCode::OK,
        Some(json!({"@odata.context": context, "value": value})),
    )
}

fn create_partner(ctx: &mut Ctx<'_>, body: &Bytes) -> Response {
    if !ctx.state.may("Microsoft.Intune_RemoteAssistance_Update") {
        return ctx.forbidden();
    }
    if !serde_json::from_slice::<Value>(body).is_ok_and(|v| v.is_object()) {
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "The request body must be a JSON object.",
        );
    }
    if ctx.state.partner.is_some() {
        return ctx.error(
            StatusCode::CONFLICT,
            "Conflict",
            "A remote assistance partner already exists.",
        );
    }
    let partner = Partner {
        id: super::PARTNER_ID.to_string(),
        status: "notOnboarded",
        onboarding_url: format!(
            "{}/teamviewer/intune/onboard/{}",
            ctx.state.link_base,
            super::PARTNER_ID
        ),
        onboarding_started: None,
        last_connection: None,
    };
    let json = partner_json(&partner);
    ctx.state.partner = Some(partner);
    ctx.finish(StatusCode::CREATED, Some(json))
}

fn partner_item(ctx: &mut Ctx<'_>, method: &Method, id: &str, body: &Bytes) -> Response {
    let exists = ctx.state.partner.as_ref().is_some_and(|p| p.id == id);
    if !exists {
        return ctx.error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            &format!("Resource not found: remoteAssistancePartner {id}"),
        );
    }
    match *method {
        Method::GET => {
            if !ctx.state.may("Microsoft.Intune_RemoteAssistance_Read") {
                return ctx.forbidden();
            }
            let mut json = ctx
                .state
                .partner
                .as_ref()
                .map(partner_json)
                .unwrap_or(Value::Null);
            if let Value::Object(map) = &mut json {
                map.insert(
                    "@odata.context".into(),
                    Value::String(format!(
                        "{}/$metadata#deviceManagement/remoteAssistancePartners/$entity",
                        ctx.root()
                    )),
                );
            }
            ctx.finish(StatusCode::OK, Some(json))
        }
        Method::PATCH => {
            if !ctx.state.may("Microsoft.Intune_RemoteAssistance_Update") {
                return ctx.forbidden();
            }
            let Ok(Value::Object(patch)) = serde_json::from_slice::<Value>(body) else {
                return ctx.error(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    "The request body must be a JSON object.",
                );
            };
            if let (Some(partner), Some(Value::String(url))) =
                (ctx.state.partner.as_mut(), patch.get("onboardingUrl"))
            {
                partner.onboarding_url = url.clone();
            }
            let json = ctx.state.partner.as_ref().map(partner_json);
            ctx.finish(StatusCode::OK, json)
        }
        Method::DELETE => {
            if !ctx.state.may("Microsoft.Intune_RemoteAssistance_Update") {
                return ctx.forbidden();
            }
            ctx.state.partner = None;
            ctx.finish(StatusCode::NO_CONTENT, None)
        }
        _ => ctx.error(
            StatusCode::METHOD_NOT_ALLOWED,
            "BadRequest",
            "The method is not allowed on this resource.",
        ),
    }
}

fn partner_action(ctx: &mut Ctx<'_>, id: &str, action: &str) -> Response {
    if !matches!(action, "beginOnboarding" | "disconnect") {
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            &format!("Resource not found for the segment '{action}'."),
        );
    }
    if !ctx.state.may("Microsoft.Intune_RemoteAssistance_Update") {
        return ctx.forbidden();
    }
    let now = ctx.state.now();
    let Some(partner) = ctx.state.partner.as_mut().filter(|p| p.id == id) else {
        return ctx.error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            &format!("Resource not found: remoteAssistancePartner {id}"),
        );
    };
    if action == "beginOnboarding" {
        if partner.status != "onboarded" {
            partner.status = "onboarding";
            partner.onboarding_started = Some(now);
        }
    } else {
        partner.status = "notOnboarded";
        partner.onboarding_started = None;
    }
    ctx.finish(StatusCode::NO_CONTENT, None)
}

fn effective_permissions(ctx: &mut Ctx<'_>) -> Response {
    let allowed = ctx.state.allowed_actions();
    let mut permission = json!({"resourceActions": [{"allowedResourceActions": allowed, "notAllowedResourceActions": []}]});
    if ctx.version == "beta"
        && let Value::Object(map) = &mut permission
    {
        map.insert("actions".into(), json!(allowed));
    }
    let context = format!(
        "{}/$metadata#Collection(microsoft.graph.rolePermission)",
        ctx.root()
    );
    ctx.finish(
        StatusCode::OK,
        Some(json!({"@odata.context": context, "value": [permission]})),
    )
}
