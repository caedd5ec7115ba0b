//! The simulated TeamViewer connector (`remoteAssistancePartners`) and
//! `getEffectivePermissions`.

use axum::body::Bytes;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::{Ctx, time_value};
use crate::sim::state::Partner;

fn partner_json(partner: &Partner, name: Option<&str>) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.remoteAssistancePartner",
        "id": partner.id,
        "displayName": name,
        "onboardingUrl": partner.onboarding_url,
        "onboardingStatus": partner.status,
        "lastConnectionDateTime": partner.last_connection.map_or(Value::String("0001-01-01T00:00:00Z".into()), time_value),
    })
}

pub(super) fn list_partners(ctx: &mut Ctx<'_>) -> Response {
    if !ctx.state.may("Microsoft.Intune_RemoteAssistance_Read") {
        return ctx.forbidden();
    }
    let name = ctx.state.config.partner_name.clone();
    let others = ctx
        .state
        .config
        .other_partners
        .iter()
        .enumerate()
        .map(|(i, other)| {
            let partner = Partner {
                id: format!("0c0ffee0-0000-4000-8000-{i:012x}"),
                status: "notOnboarded",
                onboarding_url: String::new(),
                onboarding_started: None,
                last_connection: None,
            };
            let mut json = partner_json(&partner, Some(other));
            json["onboardingUrl"] = Value::Null;
            json
        });
    let value: Vec<Value> = others
        .chain(
            ctx.state
                .partner
                .iter()
                .map(|p| partner_json(p, name.as_deref())),
        )
        .collect();
    let context = format!(
        "{}/$metadata#deviceManagement/remoteAssistancePartners",
        ctx.root()
    );
    ctx.finish(
        StatusCode::OK,
        Some(json!({"@odata.context": context, "value": value})),
    )
}

pub(super) fn create_partner(ctx: &mut Ctx<'_>, body: &Bytes) -> Response {
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
        id: crate::sim::PARTNER_ID.to_string(),
        status: "notOnboarded",
        onboarding_url: format!(
            "{}/teamviewer/intune/onboard/{}",
            ctx.state.link_base,
            crate::sim::PARTNER_ID
        ),
        onboarding_started: None,
        last_connection: None,
    };
    let name = serde_json::from_slice::<Value>(body).ok().and_then(|v| {
        v.get("displayName")
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    let json = partner_json(&partner, name.as_deref());
    ctx.state.config.partner_name = name;
    ctx.state.partner = Some(partner);
    ctx.finish(StatusCode::CREATED, Some(json))
}

pub(super) fn partner_item(ctx: &mut Ctx<'_>, method: &Method, id: &str, body: &Bytes) -> Response {
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
            let name = ctx.state.config.partner_name.clone();
            let mut json = ctx
                .state
                .partner
                .as_ref()
                .map(|p| partner_json(p, name.as_deref()))
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
            let name = ctx.state.config.partner_name.clone();
            let json = ctx
                .state
                .partner
                .as_ref()
                .map(|p| partner_json(p, name.as_deref()));
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

pub(super) fn partner_action(ctx: &mut Ctx<'_>, id: &str, action: &str) -> Response {
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

pub(super) fn effective_permissions(ctx: &mut Ctx<'_>) -> Response {
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
