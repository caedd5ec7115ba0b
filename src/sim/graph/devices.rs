//! Simulated managed devices: `$select`, `$filter`, `$top` and paging, one device, and
//! `requestRemoteAssistance`.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::{Ctx, EnumView, V1_ENROLLMENT_TYPES, param, time_value};
use crate::sim::filter;
use crate::sim::tenant::SimDevice;

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

pub(super) fn list_devices(ctx: &mut Ctx<'_>, params: &[(String, String)]) -> Response {
    let key = format!(
        "{}{}?{}",
        ctx.version,
        if ctx.all_enum_members { "+enums" } else { "" },
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish()
    );
    if let Some((body, devices)) = ctx.state.page_cache.get(&key) {
        return answered(ctx.finish_json_bytes(body), devices);
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
    if count
        && filter
            .as_ref()
            .is_some_and(|f| f.mentions("azureADDeviceId"))
    {
        // Microsoft documents `azureADDeviceId eq` as not supported together with `$count`.
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Filtering on azureADDeviceId is not supported together with $count.",
        );
    }
    let matching: Vec<&SimDevice> = ctx
        .state
        .devices
        .iter()
        .filter(|d| {
            filter
                .as_ref()
                .is_none_or(|f| f.matches(d, ctx.state.config.case_sensitive_filters))
        })
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
    let devices = page.len();
    let body = DevicePageBody {
        context,
        count: count.then_some(matching.len()),
        value: page,
        next_link,
    };
    match serde_json::to_vec(&body) {
        Ok(bytes) => {
            let bytes = bytes::Bytes::from(bytes);
            ctx.state.page_cache.put(key, bytes.clone(), devices);
            answered(ctx.finish_json_bytes(bytes), devices)
        }
        Err(e) => ctx.error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            &format!("cannot serialise the page: {e}"),
        ),
    }
}

/// Tags a device list's answer with its size, for the latency model.
fn answered(mut response: Response, devices: usize) -> Response {
    response
        .extensions_mut()
        .insert(crate::sim::latency::DevicesAnswered(devices));
    response
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

pub(super) fn get_device(ctx: &mut Ctx<'_>, id: &str, params: &[(String, String)]) -> Response {
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

pub(super) fn request_remote_assistance(ctx: &mut Ctx<'_>, id: &str) -> Response {
    if !ctx
        .state
        .may("Microsoft.Intune_RemoteTasks_RequestRemoteAssistance")
    {
        return ctx.forbidden();
    }
    let index = match device_action_target(ctx, id) {
        Ok(index) => index,
        Err(missing) => return *missing,
    };
    if ctx
        .state
        .partner
        .as_ref()
        .is_none_or(|p| p.status != "onboarded")
    {
        return ctx.intune_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "No remote assistance partner is onboarded for this tenant.",
        );
    }
    if let Some(status) = ctx.state.config.request_failure {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let code = if status.is_server_error() {
            "InternalServerError"
        } else {
            "BadRequest"
        };
        return ctx.intune_error(
            status,
            code,
            "The remote assistance partner could not create a session.",
        );
    }
    if ctx.state.config.session_fields == crate::sim::SessionFields::Cleared {
        ctx.state.page_cache.clear();
        if let Some(device) = ctx.state.devices.get_mut(index) {
            device.remote_assistance_session_url = None;
            device.remote_assistance_session_error = None;
        }
    }
    let requested = ctx.state.now();
    ctx.state.requests.push(crate::sim::state::AssistRequest {
        device_index: index,
        requested,
        done: false,
    });
    ctx.finish(StatusCode::NO_CONTENT, None)
}

/// The device an action on `…/managedDevices/{id}/…` is for, or Intune's 404.
fn device_action_target(ctx: &mut Ctx<'_>, id: &str) -> Result<usize, Box<Response>> {
    match ctx.state.device_index.get(id) {
        Some(&index) => Ok(index),
        None => Err(Box::new(ctx.intune_error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            &format!("Resource not found: managedDevice {id}"),
        ))),
    }
}

/// `POST …/managedDevices/{id}/syncDevice`: 204 at once; the device checks in (its
/// `lastSyncDateTime` moves) after the configured delay, or never when it is switched off.
pub(super) fn sync_device(ctx: &mut Ctx<'_>, id: &str) -> Response {
    if !ctx.state.may("Microsoft.Intune_RemoteTasks_SyncDevice") {
        return ctx.forbidden();
    }
    let index = match device_action_target(ctx, id) {
        Ok(index) => index,
        Err(missing) => return *missing,
    };
    if let Some(delay) = ctx.state.config.timings.device_checkin {
        let due = ctx.state.now() + delay;
        ctx.state.syncs.push(crate::sim::state::PendingSync {
            device_index: index,
            due,
        });
    }
    ctx.finish(StatusCode::NO_CONTENT, None)
}
