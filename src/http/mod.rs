//! The one HTTP client every service shares, with bounded retries and bounded bodies.

pub mod error;
mod handoff;
pub mod limit;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{RequestBuilder, StatusCode};
use tokio::sync::broadcast;

pub use error::{ApiError, ErrorKind, Service};

/// How requests are retried.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// First backoff when the service gives no `Retry-After`.
    pub base_delay: Duration,
    /// Largest backoff when the service gives no `Retry-After`.
    pub max_delay: Duration,
    /// A `Retry-After` is waited out in full up to this; a longer one ends the retries with
    /// the wait in the error, for the admin to come back later.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(15 * 60),
        }
    }
}

/// Settings for the shared client.
#[derive(Clone, Debug)]
pub struct HttpSettings {
    pub retry: RetryPolicy,
    /// Whole-request timeout.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Largest response body read; larger ones are an error.
    pub max_body_bytes: usize,
    /// The clock retries wait on.
    pub clock: crate::clock::Clock,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_body_bytes: 64 * 1024 * 1024,
            clock: crate::clock::Clock::System,
        }
    }
}

/// Parses a success body, or says clearly why it could not be read.
pub fn parse_json<'a, T: serde::Deserialize<'a>>(
    service: Service,
    response: &'a Response,
) -> Result<T, ApiError> {
    parse_json_seed(service, response, std::marker::PhantomData)
}

/// Reads a JSON body through `seed`, as [`parse_json`] reads one into a type.
pub fn parse_json_seed<'a, S: serde::de::DeserializeSeed<'a>>(
    service: Service,
    response: &'a Response,
    seed: S,
) -> Result<S::Value, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(&response.body);
    seed.deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value))
        .map_err(|e| {
            let detail = if response.body.is_empty() {
                "the body was empty".to_string()
            } else if std::str::from_utf8(&response.body).is_err() {
                "the body is not valid UTF-8".to_string()
            } else if response.body.trim_ascii_start().starts_with(b"<") {
                "an HTML page came back instead of JSON".to_string()
            } else {
                format!("invalid JSON ({e})")
            };
            ApiError::malformed(service, detail).with_request_id(response.request_id())
        })
}

/// Whether a request may be sent again when its fate is unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Idempotency {
    /// Reads and idempotent writes: retried after timeouts and dropped connections too.
    Safe,
    /// Writes that must not happen twice: retried only when the service said it did nothing
    /// (429, 503) or the connection was never made.
    Unsafe,
}

/// Something the UI may want to show about a service's health.
#[derive(Clone, Debug, PartialEq)]
pub enum HttpEvent {
    /// A request succeeded.
    Healthy { service: Service, request: u64 },
    /// A request is being retried after `delay`, for `reason`.
    Retrying {
        service: Service,
        request: u64,
        reason: String,
        delay: Duration,
    },
    /// A request failed for a network reason after every retry.
    Unreachable { service: Service, request: u64 },
}

impl HttpEvent {
    /// The service the request went to.
    pub fn service(&self) -> Service {
        match self {
            HttpEvent::Healthy { service, .. }
            | HttpEvent::Retrying { service, .. }
            | HttpEvent::Unreachable { service, .. } => *service,
        }
    }

    /// The request's number, unique for the client.
    pub fn request(&self) -> u64 {
        match self {
            HttpEvent::Healthy { request, .. }
            | HttpEvent::Retrying { request, .. }
            | HttpEvent::Unreachable { request, .. } => *request,
        }
    }
}

/// A complete response: status, headers and the whole body.
#[derive(Clone, Debug)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Response {
    /// Graph's `request-id` response header, if any.
    pub fn request_id(&self) -> Option<String> {
        ["request-id", "x-ms-request-id", "client-request-id"]
            .iter()
            .find_map(|name| self.headers.get(*name))
            .and_then(|v| v.to_str().ok())
            .map(crate::domain::text::sanitize)
    }
}

/// The shared client: connection pool, retries, limits and health events.
#[derive(Clone, Debug)]
pub struct Http {
    client: reqwest::Client,
    settings: HttpSettings,
    events: broadcast::Sender<HttpEvent>,
    next_request: Arc<AtomicU64>,
    graph_limits: Arc<limit::GraphLimits>,
    /// Until when Graph asked this process to wait (its last 429): every Graph request waits,
    /// not only the one that was throttled, since throttled calls count against the limits.
    graph_throttled_until: Arc<std::sync::Mutex<Option<std::time::Instant>>>,
}

impl Http {
    /// Builds the client (rustls, no redirects: nothing this app calls redirects).
    pub fn new(settings: HttpSettings) -> Result<Self, ApiError> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("intune-assist/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.timeout)
            .connect_timeout(settings.connect_timeout)
            .build()
            .map_err(|e| {
                ApiError::network(Service::Graph, format!("cannot build HTTP client: {e}"))
            })?;
        let (events, _) = broadcast::channel(1024);
        Ok(Http {
            client,
            settings,
            events,
            next_request: Arc::new(AtomicU64::new(1)),
            graph_limits: Arc::new(limit::GraphLimits::default()),
            graph_throttled_until: Arc::new(std::sync::Mutex::new(None)),
        })
    }

    /// What this client was built with.
    pub fn settings(&self) -> &HttpSettings {
        &self.settings
    }

    /// The underlying reqwest client.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// The clock this client waits on.
    pub fn clock(&self) -> &crate::clock::Clock {
        &self.settings.clock
    }

    /// A random backoff factor; fixed on virtual time, where runs must repeat.
    fn jitter(&self) -> f64 {
        match self.settings.clock {
            crate::clock::Clock::System => 0.5 + fastrand::f64() * 0.5,
            crate::clock::Clock::Virtual(_) => 0.75,
        }
    }

    /// Health events for a status display.
    pub fn subscribe(&self) -> broadcast::Receiver<HttpEvent> {
        self.events.subscribe()
    }

    /// Sends the request `build` makes, retrying as the policy allows, and reads the whole body.
    ///
    /// Returns the final response whatever its status (after retries of 429/502/503/504); a
    /// network failure that outlasts the retries is an error.
    pub async fn send(
        &self,
        service: Service,
        idempotency: Idempotency,
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
    ) -> Result<Response, ApiError> {
        self.send_unless(service, idempotency, |_| false, build)
            .await
    }

    /// As [`Http::send`], but an [`Idempotency::Unsafe`] request whose answer `handled` says
    /// the service dealt with (its own error in the body) is never sent again, whatever the
    /// status.
    pub async fn send_unless(
        &self,
        service: Service,
        idempotency: Idempotency,
        handled: impl Fn(&Response) -> bool,
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
    ) -> Result<Response, ApiError> {
        let policy = &self.settings.retry;
        let request = self.next_request.fetch_add(1, Ordering::Relaxed);
        let mut attempt = 1u32;
        loop {
            let outcome = self.attempt(service, build(&self.client)).await;
            let retry = match &outcome {
                Ok(response)
                    if is_retryable_status(response.status)
                        && (idempotency == Idempotency::Safe
                            || (said_nothing_was_done(response.status) && !handled(response))) =>
                {
                    // The service's own wait is honoured in full; beyond the longest the
                    // caller gets the answer, and its error says how long to wait.
                    match retry_after(&response.headers) {
                        Some(wait) if wait > policy.max_retry_after => None,
                        Some(wait) => Some((wait, format!("HTTP {}", response.status.as_u16()))),
                        None => Some((
                            backoff(policy, attempt, self.jitter()),
                            format!("HTTP {}", response.status.as_u16()),
                        )),
                    }
                }
                Ok(_) => None,
                Err(failure) if failure.retryable(idempotency) => Some((
                    backoff(policy, attempt, self.jitter()),
                    failure.error.to_string(),
                )),
                Err(_) => None,
            };
            if service == Service::Graph
                && let Ok(response) = &outcome
                && response.status == StatusCode::TOO_MANY_REQUESTS
            {
                let wait = retry_after(&response.headers)
                    .unwrap_or_else(|| backoff(policy, attempt, self.jitter()));
                // A wait longer than any request waits out fails that request instead.
                if wait <= policy.max_retry_after {
                    self.throttle_graph(wait);
                }
            }
            match retry {
                Some((delay, reason)) if attempt < policy.max_attempts => {
                    tracing::debug!(%service, attempt, ?delay, %reason, "retrying");
                    let _ = self.events.send(HttpEvent::Retrying {
                        service,
                        request,
                        reason,
                        delay,
                    });
                    self.settings.clock.sleep(delay).await;
                    attempt += 1;
                }
                _ => {
                    return match outcome {
                        Ok(response) => {
                            let _ = self.events.send(HttpEvent::Healthy { service, request });
                            Ok(response)
                        }
                        Err(failure) => {
                            let _ = self
                                .events
                                .send(HttpEvent::Unreachable { service, request });
                            Err(failure.error)
                        }
                    };
                }
            }
        }
    }

    async fn attempt(
        &self,
        service: Service,
        request: RequestBuilder,
    ) -> Result<Response, Failure> {
        let mut request = request.build().map_err(|e| Failure {
            sent: false,
            error: ApiError::network(service, describe(&e)),
        })?;
        if service == Service::Graph {
            self.wait_out_graph_throttle().await;
            // Every attempt counts, retries too: Intune counts throttled calls as well.
            let write = request.method() != reqwest::Method::GET;
            self.graph_limits.acquire(&self.settings.clock, write).await;
        }
        let in_flight = handoff::InFlight::start(&self.settings.clock, &mut request);
        let mut response = self.client.execute(request).await.map_err(|e| Failure {
            sent: !e.is_connect(),
            error: ApiError::network(service, describe(&e)),
        })?;
        let status = response.status();
        let headers = response.headers().clone();
        let limit = self.settings.max_body_bytes;
        if response
            .content_length()
            .is_some_and(|len| len > limit as u64)
        {
            return Err(Failure::final_error(too_large(service, limit)));
        }
        // Sized once when the length is known (it is below the limit, checked above).
        let expected = response
            .content_length()
            .and_then(|len| usize::try_from(len).ok())
            .unwrap_or(0);
        let mut body = BytesMut::with_capacity(expected);
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > limit {
                        return Err(Failure::final_error(too_large(service, limit)));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => {
                    return Err(Failure {
                        sent: true,
                        error: ApiError::network(
                            service,
                            format!("the connection dropped mid-response ({})", describe(&e)),
                        ),
                    });
                }
            }
        }
        if let Some(in_flight) = in_flight {
            in_flight.finish();
        }
        Ok(Response {
            status,
            headers,
            body: body.freeze(),
        })
    }
}

impl Http {
    /// Records that Graph asked for `wait` before the next request.
    fn throttle_graph(&self, wait: Duration) {
        let until = self.settings.clock.instant() + wait;
        let mut throttled = self
            .graph_throttled_until
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if throttled.is_none_or(|current| current < until) {
            *throttled = Some(until);
        }
    }

    /// Waits until Graph's last 429 has been waited out.
    async fn wait_out_graph_throttle(&self) {
        loop {
            let wait = {
                let throttled = self
                    .graph_throttled_until
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                throttled
                    .and_then(|until| until.checked_duration_since(self.settings.clock.instant()))
            };
            match wait {
                Some(wait) if !wait.is_zero() => self.settings.clock.sleep(wait).await,
                _ => return,
            }
        }
    }
}

/// A failed attempt, and whether the request may have reached the service.
struct Failure {
    sent: bool,
    error: ApiError,
}

impl Failure {
    fn final_error(error: ApiError) -> Self {
        Failure { sent: true, error }
    }

    fn retryable(&self, idempotency: Idempotency) -> bool {
        matches!(self.error.kind, ErrorKind::Network { .. })
            && (idempotency == Idempotency::Safe || !self.sent)
    }
}

fn too_large(service: Service, limit: usize) -> ApiError {
    ApiError::malformed(
        service,
        format!(
            "the response is larger than the {} MiB limit",
            limit / (1024 * 1024)
        ),
    )
}

fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

/// Statuses that say the request was not carried out: a write that must not happen twice is
/// retried only after these. A 502 or 504 may come after the service acted.
fn said_nothing_was_done(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 503)
}

/// Parses `Retry-After` as (possibly fractional) seconds; HTTP dates are not used by these
/// services and fall back to backoff.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let seconds: f64 = value.parse().ok()?;
    // Negative, infinite, NaN and absurdly large waits are not waits.
    Duration::try_from_secs_f64(seconds).ok()
}

/// Exponential backoff, capped, scaled by `jitter` (between 0.5 and 1).
fn backoff(policy: &RetryPolicy, attempt: u32, jitter: f64) -> Duration {
    let exp = policy
        .base_delay
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
    let capped = exp.min(policy.max_delay);
    capped.mul_f64(jitter.clamp(0.5, 1.0))
}

/// A short description of a reqwest error, with no URL (URLs may carry tokens or codes).
fn describe(error: &reqwest::Error) -> String {
    let what = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection refused or unreachable"
    } else if error.is_body() || error.is_decode() {
        "the response body was cut off"
    } else if error.is_request() {
        "the request could not be sent"
    } else {
        "network error"
    };
    let mut source = std::error::Error::source(error);
    let mut detail = String::new();
    while let Some(cause) = source {
        detail = cause.to_string();
        source = cause.source();
    }
    if detail.is_empty() {
        what.to_string()
    } else {
        format!("{what}: {}", crate::domain::text::sanitize(&detail))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_accepts_fractions() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("2.128"));
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(2128)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("10"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(10)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("-1"));
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            ..RetryPolicy::default()
        };
        for attempt in 1..10 {
            let d = backoff(&policy, attempt, 0.5 + fastrand::f64() * 0.5);
            assert!(d <= Duration::from_secs(1));
            let ceiling = Duration::from_millis(100) * (1 << (attempt - 1));
            assert!(d <= ceiling.min(Duration::from_secs(1)));
            assert!(d >= ceiling.min(Duration::from_secs(1)) / 2);
        }
    }
}
