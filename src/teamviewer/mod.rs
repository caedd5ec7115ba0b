//! The TeamViewer Web API v1 client: token check, account, sessions, connections report.

pub mod wire;

use reqwest::Method;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use secrecy::ExposeSecret;
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use url::Url;

use crate::auth::Tokens;
use crate::domain::text::sanitize;
use crate::domain::{Connection, PastSession, Session};
use crate::http::{
    ApiError, ErrorKind, Http, Idempotency, Response, Service, parse_json, retry_after,
};
use wire::{
    WireAccount, WireConnectionReport, WireError, WirePing, WireSession, WireSessionList,
    offset_text,
};

/// The TeamViewer account behind a token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TeamViewerAccount {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub company: String,
}

/// A session to create directly in TeamViewer.
#[derive(Clone, Debug, Serialize)]
pub struct NewSession {
    /// The group to file it in, by id (works with every kind of token).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groupid: Option<String>,
    /// The group by name (documented for user-level tokens only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groupname: Option<String>,
    pub description: String,
    pub end_customer: EndCustomer,
}

/// The person at the device.
#[derive(Clone, Debug, Serialize)]
pub struct EndCustomer {
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub email: String,
}

/// Which part of the connection report to read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReportQuery {
    /// From this time on (inclusive).
    pub from: Option<OffsetDateTime>,
    /// Up to this time (exclusive).
    pub to: Option<OffsetDateTime>,
}

/// A report date as TeamViewer's examples write them: UTC, whole seconds, `Z`. `round_up`
/// moves a time within a second to the next one (for the exclusive end).
fn report_date(time: OffsetDateTime, round_up: bool) -> String {
    let utc = time.to_offset(time::UtcOffset::UTC);
    let whole = utc.replace_nanosecond(0).unwrap_or(utc);
    let whole = if round_up && whole != utc {
        whole + time::Duration::SECOND
    } else {
        whole
    };
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    whole.format(&format).unwrap_or_default()
}

/// One page of the connection report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportPage {
    pub records: Vec<PastSession>,
    /// Where the next page starts; `None` on the last.
    pub next_offset: Option<String>,
}

/// The most report pages read for one question; a report that long is cut, not followed
/// forever.
const MAX_REPORT_PAGES: usize = 2_000;

/// Which sessions to list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionFilter {
    Open,
    Closed,
    All,
}

/// The TeamViewer client.
#[derive(Clone)]
pub struct TeamViewerClient {
    http: Http,
    root: Url,
    tokens: Tokens,
}

impl TeamViewerClient {
    /// A client for the service root `root` (e.g. `https://webapi.teamviewer.com`).
    pub fn new(http: Http, root: Url, tokens: Tokens) -> Self {
        TeamViewerClient { http, root, tokens }
    }

    fn url(&self, path: &str) -> Result<Url, ApiError> {
        let base = self.root.as_str().trim_end_matches('/');
        Url::parse(&format!("{base}/api/v1/{path}")).map_err(|e| {
            ApiError::malformed(Service::TeamViewer, format!("bad TeamViewer URL: {e}"))
        })
    }

    async fn call(
        &self,
        method: Method,
        url: Url,
        body: Option<serde_json::Value>,
        idempotency: Idempotency,
        what: &str,
    ) -> Result<Response, ApiError> {
        let mut rejected_once = false;
        loop {
            let token = self.tokens.token().await?;
            let response = self
                .http
                .send(Service::TeamViewer, idempotency, |client| {
                    let mut request = client
                        .request(method.clone(), url.clone())
                        .bearer_auth(token.expose_secret())
                        .header(ACCEPT, "application/json");
                    if let Some(body) = &body {
                        request = request.header(CONTENT_TYPE, "application/json").json(body);
                    }
                    request
                })
                .await?;
            if response.status.as_u16() == 401 && !rejected_once {
                rejected_once = true;
                self.tokens.rejected(&token).await;
                continue;
            }
            // A 3xx can only be an answer that names a created resource in `Location`
            // (redirects are not followed).
            if response.status.is_success()
                || (method == Method::POST
                    && response.status.is_redirection()
                    && response.headers.contains_key(reqwest::header::LOCATION))
            {
                return Ok(response);
            }
            return Err(error_from(&response, what));
        }
    }

    async fn get_json<T: DeserializeOwned>(&self, url: Url, what: &str) -> Result<T, ApiError> {
        let response = self
            .call(Method::GET, url, None, Idempotency::Safe, what)
            .await?;
        parse_json(Service::TeamViewer, &response)
    }

    /// Whether TeamViewer accepts the token.
    pub async fn ping(&self) -> Result<bool, ApiError> {
        match self
            .get_json::<WirePing>(self.url("ping")?, "the token check")
            .await
        {
            Ok(ping) => Ok(ping.token_valid),
            Err(ApiError {
                kind: ErrorKind::SignInRequired { .. },
                ..
            }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The account the token belongs to.
    pub async fn account(&self) -> Result<TeamViewerAccount, ApiError> {
        let wire: WireAccount = self
            .get_json(self.url("account")?, "the TeamViewer account")
            .await?;
        Ok(TeamViewerAccount {
            user_id: sanitize(&wire.userid),
            name: sanitize(&wire.name),
            email: sanitize(&wire.email),
            company: sanitize(&wire.company_name),
        })
    }

    /// Creates a service-case session directly (for devices Intune cannot prompt).
    pub async fn create_session(&self, new: &NewSession) -> Result<Session, ApiError> {
        let body = serde_json::to_value(new)
            .map_err(|e| ApiError::malformed(Service::TeamViewer, e.to_string()))?;
        let response = self
            .call(
                Method::POST,
                self.url("sessions")?,
                Some(body),
                Idempotency::Unsafe,
                "a new session",
            )
            .await?;
        // TeamViewer does not document the status: 200 or 201 with the session, or an answer
        // that only names it in `Location`.
        if !response.body.iter().all(u8::is_ascii_whitespace) {
            let wire: WireSession = parse_json(Service::TeamViewer, &response)?;
            return Ok(wire.into_domain());
        }
        let code = response
            .headers
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|location| location.trim_end_matches('/').rsplit('/').next())
            .and_then(crate::domain::session::normalize_code)
            .ok_or_else(|| {
                ApiError::malformed(
                    Service::TeamViewer,
                    "the new session came back with neither a body nor a Location naming it",
                )
            })?;
        self.session(&code).await
    }

    /// Every session matching `filter`, following every page.
    pub async fn sessions(&self, filter: SessionFilter) -> Result<Vec<Session>, ApiError> {
        let state = match filter {
            SessionFilter::Open => "open",
            SessionFilter::Closed => "closed",
            SessionFilter::All => "open,closed",
        };
        let mut sessions = Vec::new();
        let mut offset: Option<String> = None;
        loop {
            let mut url = self.url("sessions")?;
            {
                let mut pairs = url.query_pairs_mut();
                pairs
                    .append_pair("state", state)
                    .append_pair("full_list", "true");
                if let Some(offset) = &offset {
                    pairs.append_pair("offset", offset);
                }
            }
            let page: WireSessionList = self.get_json(url, "the session list").await?;
            let before = sessions.len();
            sessions.extend(page.sessions.into_iter().map(WireSession::into_domain));
            match offset_text(page.next_offset) {
                Some(next) if sessions.len() > before && offset.as_ref() != Some(&next) => {
                    offset = Some(next)
                }
                _ => break,
            }
        }
        Ok(sessions)
    }

    /// One session by code.
    pub async fn session(&self, code: &str) -> Result<Session, ApiError> {
        let what = format!("session {}", sanitize(code));
        let wire: WireSession = self
            .get_json(self.url(&format!("sessions/{}", segment(code)))?, &what)
            .await?;
        Ok(wire.into_domain())
    }

    /// Closes a session; its code stops working.
    pub async fn close_session(&self, code: &str) -> Result<(), ApiError> {
        let what = format!("session {}", sanitize(code));
        let body = serde_json::json!({"state": "closed"});
        // Closing twice is harmless, so the request may be retried.
        self.call(
            Method::PUT,
            self.url(&format!("sessions/{}", segment(code)))?,
            Some(body),
            Idempotency::Safe,
            &what,
        )
        .await?;
        Ok(())
    }

    /// Supporter connections of one session, from the connections report.
    pub async fn connections(&self, code: &str) -> Result<Vec<Connection>, ApiError> {
        let mut connections = Vec::new();
        let mut offset: Option<String> = None;
        loop {
            let mut url = self.url("reports/connections")?;
            {
                let mut pairs = url.query_pairs_mut();
                pairs.append_pair("session_code", code);
                if let Some(offset) = &offset {
                    pairs.append_pair("offset_id", offset);
                }
            }
            let page: WireConnectionReport = self.get_json(url, "the connections report").await?;
            let before = connections.len();
            connections.extend(
                page.records
                    .into_iter()
                    .map(wire::WireConnection::into_domain),
            );
            match offset_text(page.next_offset) {
                Some(next) if connections.len() > before && offset.as_ref() != Some(&next) => {
                    offset = Some(next)
                }
                _ => break,
            }
        }
        Ok(connections)
    }

    /// One page of the connection report: records from `query.from` (inclusive) to
    /// `query.to` (exclusive), continuing at `offset` (a previous page's `next_offset`).
    pub async fn connection_report_page(
        &self,
        query: &ReportQuery,
        offset: Option<&str>,
    ) -> Result<ReportPage, ApiError> {
        let mut url = self.url("reports/connections")?;
        {
            let mut pairs = url.query_pairs_mut();
            if let Some(from) = query.from {
                pairs.append_pair("from_date", &report_date(from, false));
            }
            // The end is always sent, rounded up: `to_date` is exclusive.
            let to = query.to.unwrap_or_else(OffsetDateTime::now_utc);
            pairs.append_pair("to_date", &report_date(to, true));
            if let Some(offset) = offset {
                pairs.append_pair("offset_id", offset);
            }
        }
        let page: WireConnectionReport = self.get_json(url, "the connection report").await?;
        Ok(ReportPage {
            records: page
                .records
                .into_iter()
                .map(wire::WireConnection::into_past)
                .collect(),
            next_offset: offset_text(page.next_offset),
        })
    }

    /// Every record of the connection report `query` selects, page after page; `on_page`
    /// hears how many records have arrived.
    pub async fn connection_report(
        &self,
        query: &ReportQuery,
        mut on_page: impl FnMut(usize),
    ) -> Result<Vec<PastSession>, ApiError> {
        let mut records: Vec<PastSession> = Vec::new();
        // Whether `offset_id` starts the next page at that record or after it is not
        // documented: a record that comes twice is kept once.
        let mut seen = std::collections::HashSet::new();
        let mut offset: Option<String> = None;
        for _ in 0..MAX_REPORT_PAGES {
            let page = self
                .connection_report_page(query, offset.as_deref())
                .await?;
            let arrived = page.records.len();
            records.extend(
                page.records
                    .into_iter()
                    .filter(|r| r.id.is_empty() || seen.insert(r.id.clone())),
            );
            on_page(records.len());
            match page.next_offset {
                // An offset that repeats, or a page with nothing on it, would never end.
                Some(next) if arrived > 0 && offset.as_ref() != Some(&next) => offset = Some(next),
                _ => break,
            }
        }
        Ok(records)
    }

    /// A session with its supporter connection filled in: everything its state depends on.
    pub async fn observe(&self, code: &str) -> Result<Session, ApiError> {
        let mut session = self.session(code).await?;
        let connections = self.connections(&session.code).await?;
        if let Some(first) = connections.iter().filter_map(|c| c.started_at).min() {
            session.supporter_connected_at = Some(first);
            let all_ended = connections.iter().all(|c| c.ended_at.is_some());
            session.connection_ended_at = if all_ended {
                connections.iter().filter_map(|c| c.ended_at).max()
            } else {
                None
            };
        }
        Ok(session)
    }
}

fn segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

fn error_from(response: &Response, what: &str) -> ApiError {
    let body = serde_json::from_slice::<WireError>(&response.body).ok();
    let code = body
        .as_ref()
        .map(|b| sanitize(&b.error))
        .unwrap_or_default();
    let message = body
        .as_ref()
        .map(|b| crate::domain::text::sanitize_bounded(&b.error_description, 300))
        .unwrap_or_else(|| {
            crate::domain::text::sanitize_bounded(&String::from_utf8_lossy(&response.body), 200)
        });
    let status = response.status.as_u16();
    let kind = match status {
        401 => ErrorKind::SignInRequired {
            reason: "TeamViewer no longer accepts the token".into(),
        },
        403 => ErrorKind::Forbidden {
            missing: None,
            code: if code.is_empty() {
                "forbidden".into()
            } else {
                code
            },
            message,
            hint: None,
        },
        404 => ErrorKind::NotFound {
            what: what.to_string(),
        },
        429 => ErrorKind::Throttled {
            retry_after: retry_after(&response.headers),
        },
        500..=599 => ErrorKind::Server {
            status,
            code,
            intune_message: None,
        },
        _ => ErrorKind::Rejected {
            status,
            code,
            message,
        },
    };
    ApiError::new(Service::TeamViewer, kind)
}

#[cfg(test)]
mod report_date_tests {
    use super::report_date;
    use time::macros::datetime;

    #[test]
    fn report_dates_are_utc_whole_seconds() {
        let t = datetime!(2026-11-24 10:30:15.75 +01:00);
        assert_eq!(report_date(t, false), "2026-11-24T09:30:15Z");
        assert_eq!(report_date(t, true), "2026-11-24T09:30:16Z");
        let whole = datetime!(2026-11-24 09:30:15 UTC);
        assert_eq!(report_date(whole, true), "2026-11-24T09:30:15Z");
    }
}
