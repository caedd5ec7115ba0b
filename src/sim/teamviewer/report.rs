//! The simulated connection report (`GET /reports/connections`, api-facts §2.6): the seeded
//! past, then every supporter connection made while the simulator runs;
//! filtered by the documented query parameters and paged through `next_offset`.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{authorize_api, time_value, tv_error};
use crate::sim::history::{ReportRecord, SUPPORTER_ID, SUPPORTER_NAME};
use crate::sim::state::SimState;
use crate::sim::{ReportOffset, Shared};

/// A record as TeamViewer sends it.
fn record_json(record: &ReportRecord) -> Value {
    let mut json = json!({
        "id": record.id,
        "userid": record.userid,
        "username": record.username,
        "deviceid": record.deviceid,
        "devicename": record.devicename,
        "groupid": record.groupid,
        "groupname": record.groupname,
        "support_session_type": record.support_session_type,
        "start_date": time_value(record.start),
        "fee": 0,
        "billing_state": "NoBill",
        "currency": "EUR",
        "notes": "",
    });
    if let Value::Object(map) = &mut json {
        if let Some(end) = record.end {
            map.insert("end_date".into(), time_value(end));
        }
        if !record.session_code.is_empty() {
            map.insert("session_code".into(), json!(record.session_code));
        }
    }
    json
}

/// The report as it stands: the seeded past, then the connections made to sessions the
/// token can see, oldest first.
fn records(state: &SimState) -> Vec<ReportRecord> {
    let mut all = state.past_connections.clone();
    all.extend(
        state
            .sessions
            .iter()
            .filter(|s| state.visible_to_api(s))
            .filter_map(|s| s.connection.as_ref().map(|c| (s, c)))
            .map(|(s, c)| ReportRecord {
                id: c.id.clone(),
                userid: SUPPORTER_ID.into(),
                username: SUPPORTER_NAME.into(),
                deviceid: "d1457812".into(),
                devicename: s.end_customer_name.clone(),
                groupid: s.groupid.clone(),
                groupname: s.groupname.clone(),
                support_session_type: 2,
                start: c.start,
                end: c.end,
                session_code: s.code.clone(),
            }),
    );
    all.sort_by_key(|r| r.start);
    all
}

/// The date parameter `name`, or what is wrong with it.
fn parse_date(
    query: &HashMap<String, String>,
    name: &str,
) -> Result<Option<OffsetDateTime>, String> {
    query
        .get(name)
        .map(|text| OffsetDateTime::parse(text, &Rfc3339))
        .transpose()
        .map_err(|_| format!("The parameter {name} is not a valid date."))
}

/// `GET /reports/connections`.
pub(super) async fn connections(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let state = shared.lock();
    if let Err(response) = authorize_api(&state, &headers) {
        return response.into_response();
    }
    if state.config.report_forbidden {
        return tv_error(
            StatusCode::FORBIDDEN,
            "insufficient_rights",
            "The token does not have the permission to view connection reports.",
            3,
        );
    }
    let (from, to) = match (
        parse_date(&query, "from_date"),
        parse_date(&query, "to_date"),
    ) {
        (Ok(from), Ok(to)) => (from, to),
        (Err(problem), _) | (_, Err(problem)) => {
            return tv_error(StatusCode::BAD_REQUEST, "invalid_request", &problem, 1);
        }
    };
    let same = |name: &str, value: &str| {
        query
            .get(name)
            .is_none_or(|q| q.eq_ignore_ascii_case(value))
    };
    let has_code = query
        .get("has_code")
        .map(|v| v.eq_ignore_ascii_case("true"));
    let selected: Vec<ReportRecord> = records(&state)
        .into_iter()
        .filter(|r| from.is_none_or(|from| r.start >= from) && to.is_none_or(|to| r.start < to))
        .filter(|r| has_code.is_none_or(|has| has != r.session_code.is_empty()))
        .filter(|r| {
            same("session_code", &r.session_code)
                && same("username", &r.username)
                && same("userid", &r.userid)
                && same("devicename", &r.devicename)
                && same("deviceid", &r.deviceid)
                && same("groupid", &r.groupid)
                && same("support_session_type", &r.support_session_type.to_string())
        })
        .collect();
    let paging = state.config.report_offset;
    let start = match query.get("offset_id") {
        None => 0,
        Some(offset) => match selected.iter().position(|r| &r.id == offset) {
            Some(at) if paging == ReportOffset::After => at + 1,
            Some(at) => at,
            None => {
                return tv_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "The offset_id does not name a record of this report.",
                    1,
                );
            }
        },
    };
    let page_size = state.config.report_page_size.max(1);
    let end = (start + page_size).min(selected.len());
    let mut body = json!({
        "records": selected[start..end].iter().map(record_json).collect::<Vec<_>>(),
    });
    if end < selected.len() {
        let next = match paging {
            ReportOffset::StartsAt => &selected[end],
            ReportOffset::After | ReportOffset::Overlapping => &selected[end - 1],
        };
        if let Value::Object(map) = &mut body {
            map.insert("next_offset".into(), json!(next.id));
        }
    }
    Json(body).into_response()
}
