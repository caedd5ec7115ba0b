//! An embedded simulator of the Microsoft Graph, Microsoft sign-in and TeamViewer endpoints this
//! app uses, speaking real HTTP on 127.0.0.1 with the services' wire shapes.
//!
//! It is the backend of `intune-assist demo`, of `intune-assist sim serve`, and of the tests.

mod access;
mod config;
mod faults;
mod filter;
mod graph;
mod history;
pub mod hostile;
pub mod latency;
mod login;
mod page_cache;
mod state;
mod teamviewer;
pub mod tenant;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::middleware;
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use config::{
    CreateAnswer, DeviceLoginOutcome, Profile, ReportOffset, SessionFields, SessionUrlShape,
    SimConfig, SimTimings, TENANT_NAMES,
};
pub use faults::{FaultCounts, FaultSpec};
pub use graph::device_page;
pub use latency::LatencySpec;

pub use state::{FIXED_GRAPH_TOKEN, FIXED_TEAMVIEWER_TOKEN, PARTNER_ID};

impl SimEndpoints {
    /// A `[tenants.NAME]` table that points a profile at these endpoints.
    pub fn profile_table(&self, name: &str, tenant_domain: &str) -> String {
        format!(
            "[tenants.{name}]\ntenant = \"{tenant_domain}\"\nclient_id = \"intune-assist-demo\"\n\
             graph_url = \"{}\"\nlogin_url = \"{}\"\nteamviewer_url = \"{}\"\n\
             teamviewer_login_url = \"{}\"\n",
            self.graph_url, self.login_url, self.teamviewer_url, self.teamviewer_login_url
        )
    }
}

/// The service roots and tokens of a running simulator: what `sim serve` prints.
#[derive(Clone, Debug, Serialize)]
pub struct SimEndpoints {
    pub graph_url: String,
    pub login_url: String,
    pub teamviewer_url: String,
    pub teamviewer_login_url: String,
    pub graph_token: String,
    pub teamviewer_token: String,
}

/// Shared state behind every handler.
#[derive(Clone)]
pub(crate) struct Shared {
    state: Arc<Mutex<state::SimState>>,
}

impl Shared {
    /// Locks the state and applies due transitions.
    pub(crate) fn lock(&self) -> MutexGuard<'_, state::SimState> {
        let mut guard = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = guard.config.clock.instant();
        guard.advance(now);
        guard
    }
}

/// A running simulator; dropping it stops the server.
pub struct Simulator {
    pub endpoints: SimEndpoints,
    pub addr: SocketAddr,
    shared: Shared,
    faults: faults::Faults,
    shutdown: Option<oneshot::Sender<()>>,
}

impl Simulator {
    /// Starts a simulator on 127.0.0.1:`port` (0 picks a free port).
    pub async fn start(config: SimConfig, port: u16) -> std::io::Result<Simulator> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let base = format!("http://{addr}");
        let (graph_token, teamviewer_token) = config.automation_tokens();
        let faults = faults::Faults::new(config.faults.clone(), config.seed, config.clock.clone());
        let fault_control = faults.clone();
        let latency =
            latency::Latency::new(config.latency.clone(), config.seed, config.clock.clone());
        let clock = config.clock.clone();
        let shared = Shared {
            state: Arc::new(Mutex::new(state::SimState::new(config, base.clone()))),
        };
        let services = Router::new()
            .merge(graph::routes())
            .merge(login::routes())
            .merge(teamviewer::api_routes())
            .layer(middleware::from_fn_with_state(faults, faults::inject))
            .layer(middleware::from_fn_with_state(latency, latency::delay))
            .layer(middleware::from_fn_with_state(shared.clone(), record));
        let app = Router::new()
            .merge(services)
            .merge(teamviewer::page_routes())
            .merge(login::page_routes())
            .route(
                "/sim/revoke-refresh-tokens",
                axum::routing::post(revoke_refresh_tokens),
            )
            .route(
                "/sim/expire-access-tokens",
                axum::routing::post(expire_access_tokens),
            )
            .with_state(shared.clone())
            .layer(middleware::from_fn_with_state(clock, take_ticket));
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let server = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = rx.await;
            });
            if let Err(error) = server.await {
                tracing::error!(%error, "simulator stopped");
            }
        });
        Ok(Simulator {
            endpoints: SimEndpoints {
                graph_url: format!("{base}/graph"),
                login_url: format!("{base}/login"),
                teamviewer_url: format!("{base}/teamviewer"),
                teamviewer_login_url: format!("{base}/teamviewer-login"),
                graph_token,
                teamviewer_token,
            },
            addr,
            shared,
            faults: fault_control,
            shutdown: Some(tx),
        })
    }

    /// Changes the injected faults from now on: `drop=1` is a network that is down.
    pub fn set_faults(&self, spec: FaultSpec) {
        self.faults.set(spec);
    }

    /// How many of each fault have been injected so far.
    pub fn faults_injected(&self) -> FaultCounts {
        self.faults.injected()
    }

    /// How many of each fault requests whose method and URI contain `text` met, e.g.
    /// `"POST /graph/v1.0/deviceManagement/managedDevices/"`.
    pub fn faults_injected_on(&self, text: &str) -> FaultCounts {
        self.faults.injected_on(text)
    }

    /// Revokes every refresh token, as an admin revoking sessions would.
    pub fn revoke_refresh_tokens(&self) {
        self.shared.lock().refresh_tokens.clear();
    }

    /// Makes the next refresh answer `interaction_required` with `claims` (a Conditional
    /// Access challenge), until the admin signs in with the device code flow again.
    pub fn require_interaction(&self, claims: &str) {
        self.shared.lock().interaction_required = Some(claims.to_string());
    }

    /// Sets what a device shows of an earlier session: its link and its error.
    pub fn set_session_fields(&self, device_id: &str, url: Option<&str>, error: Option<&str>) {
        let mut state = self.shared.lock();
        state.page_cache.clear();
        if let Some(&index) = state.device_index.get(device_id)
            && let Some(device) = state.devices.get_mut(index)
        {
            device.remote_assistance_session_url = url.map(str::to_string);
            device.remote_assistance_session_error = error.map(str::to_string);
        }
    }

    /// The `claims` each device code request carried, in order.
    pub fn device_code_claims(&self) -> Vec<Option<String>> {
        self.shared.lock().device_code_claims.clone()
    }

    /// Makes every issued access token expire now.
    pub fn expire_access_tokens(&self) {
        expire_all(&mut self.shared.lock());
    }

    /// The onboarding status the simulated Intune holds.
    pub fn connector_status(&self) -> Option<&'static str> {
        self.shared.lock().partner.as_ref().map(|p| p.status)
    }

    /// The group id a TeamViewer session was filed in.
    pub fn session_group(&self, code: &str) -> Option<String> {
        self.shared
            .lock()
            .sessions
            .iter()
            .find(|s| s.code == code)
            .map(|s| s.groupid.clone())
    }

    /// The number of open TeamViewer sessions.
    pub fn open_sessions(&self) -> usize {
        self.shared
            .lock()
            .sessions
            .iter()
            .filter(|s| s.is_open())
            .count()
    }

    /// Every secret the simulator has handed out: access and refresh tokens and device codes,
    /// so a test can prove none of them was written anywhere.
    pub fn issued_secrets(&self) -> Vec<String> {
        self.shared.lock().secrets_issued.clone()
    }

    /// Every request the services received (faulted ones too), oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.lock().log.clone()
    }

    /// The simulated devices' ids and names, in tenant order.
    pub fn device_ids(&self) -> Vec<(String, String)> {
        self.shared
            .lock()
            .devices
            .iter()
            .map(|d| (d.id.clone(), d.device_name.clone()))
            .collect()
    }
}

impl Simulator {
    /// Deletes the tenant's first `count` devices.
    pub fn delete_devices(&self, count: usize) {
        self.shared.lock().delete_devices(count);
    }

    /// Lists the tenant's devices in the opposite order from now on.
    pub fn reverse_devices(&self) {
        self.shared.lock().reverse_devices();
    }

    /// Every device's id and its primary user's UPN (empty for none), in the tenant's order.
    pub fn device_users(&self) -> Vec<(String, String)> {
        self.shared
            .lock()
            .devices
            .iter()
            .map(|d| (d.id.clone(), d.user_principal_name.clone()))
            .collect()
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// One request the simulator received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestRecord {
    /// When, on the simulator's clock, since it started.
    pub at: Duration,
    pub method: String,
    pub path: String,
    /// The query string as sent (still percent-encoded), if any.
    pub query: Option<String>,
    /// The `Prefer` header, if any.
    pub prefer: Option<String>,
    /// The `client-request-id` header, if any.
    pub client_request_id: Option<String>,
    /// The status answered (0 while the answer is being made, or when the connection was cut
    /// before a status).
    pub status: u16,
}

/// The most requests remembered.
const LOG_LIMIT: usize = 100_000;

/// Middleware that remembers each request, and then the status answered, for tests and
/// measurements.
/// On a virtual clock, holds the request's ticket while it is handled and hands one back with
/// the answer (see [`crate::clock`]).
async fn take_ticket(
    axum::extract::State(clock): axum::extract::State<crate::clock::Clock>,
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    let ticket = request
        .headers()
        .get(crate::clock::TICKET_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let (Some(clock), Some(id)) = (clock.as_virtual().cloned(), ticket) else {
        return next.run(request).await;
    };
    let handling = clock.take(id);
    let response = next.run(request).await;
    clock.hand_back(id);
    drop(handling);
    response
}

async fn record(
    axum::extract::State(shared): axum::extract::State<Shared>,
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    let index = {
        let mut state = shared.lock();
        (state.log.len() < LOG_LIMIT).then(|| {
            let at = state.now().saturating_duration_since(state.started);
            let entry = RequestRecord {
                at,
                method: request.method().to_string(),
                path: request.uri().path().to_string(),
                query: request.uri().query().map(str::to_string),
                prefer: request
                    .headers()
                    .get("prefer")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string),
                client_request_id: request
                    .headers()
                    .get("client-request-id")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string),
                status: 0,
            };
            state.log.push(entry);
            state.log.len() - 1
        })
    };
    let response = next.run(request).await;
    if let Some(i) = index
        && let Some(entry) = shared.lock().log.get_mut(i)
    {
        entry.status = response.status().as_u16();
    }
    response
}

fn expire_all(state: &mut state::SimState) {
    let now = state.config.clock.instant();
    for token in state.tokens.values_mut() {
        if token.expires.is_some() {
            token.expires = Some(now);
        }
    }
}

async fn revoke_refresh_tokens(
    axum::extract::State(shared): axum::extract::State<Shared>,
) -> axum::http::StatusCode {
    shared.lock().refresh_tokens.clear();
    axum::http::StatusCode::NO_CONTENT
}

async fn expire_access_tokens(
    axum::extract::State(shared): axum::extract::State<Shared>,
) -> axum::http::StatusCode {
    expire_all(&mut shared.lock());
    axum::http::StatusCode::NO_CONTENT
}

/// The bearer token of a request, if any.
pub(crate) fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .or_else(|| {
            headers
                .get(axum::http::header::AUTHORIZATION)?
                .to_str()
                .ok()?
                .strip_prefix("bearer ")
        })
}
