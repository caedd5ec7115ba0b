//! Seeded fault injection: throttling, server errors, dropped connections and slow responses.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Probabilities of each fault per request, as `--faults "429=0.2,503=0.1,drop=0.05,slow=0.1:800ms"`;
/// `on=TEXT` limits them to requests whose method and path contain TEXT.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FaultSpec {
    pub throttle: f64,
    pub unavailable: f64,
    /// 504 Gateway Timeout: the answer does not say whether the service acted.
    pub gateway_timeout: f64,
    /// The connection is cut before the service acts.
    pub drop: f64,
    /// The service acts, then the connection is cut: the answer is lost.
    pub lost: f64,
    pub slow: f64,
    pub slow_by: Duration,
    /// Largest `Retry-After` sent with a 429, in seconds (fractional values are sent).
    pub max_retry_after: f64,
    /// Only requests whose method and path contain this meet faults.
    pub only: Option<String>,
    /// Every 429 asks for exactly this many seconds (instead of a random share of the most).
    pub fixed_retry_after: Option<f64>,
}

impl FaultSpec {
    /// True when no fault can happen.
    pub fn is_none(&self) -> bool {
        self.throttle == 0.0
            && self.unavailable == 0.0
            && self.gateway_timeout == 0.0
            && self.drop == 0.0
            && self.lost == 0.0
            && self.slow == 0.0
    }
}

impl FromStr for FaultSpec {
    type Err = String;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let mut faults = FaultSpec {
            slow_by: Duration::from_millis(500),
            max_retry_after: 0.5,
            ..FaultSpec::default()
        };
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = part
                .split_once('=')
                .ok_or_else(|| format!("fault `{part}` must look like NAME=PROBABILITY"))?;
            let (probability, extra) = match value.split_once(':') {
                Some((p, extra)) => (p, Some(extra)),
                None => (value, None),
            };
            let parse_probability = |p: &str| -> Result<f64, String> {
                let p: f64 = p
                    .parse()
                    .map_err(|_| format!("`{p}` in `{part}` is not a number"))?;
                if (0.0..=1.0).contains(&p) {
                    Ok(p)
                } else {
                    Err(format!("probability in `{part}` must be between 0 and 1"))
                }
            };
            match name.trim() {
                "on" => faults.only = Some(value.trim().to_string()).filter(|v| !v.is_empty()),
                "lost" => faults.lost = parse_probability(probability)?,
                "429" => faults.throttle = parse_probability(probability)?,
                "503" => faults.unavailable = parse_probability(probability)?,
                "504" => faults.gateway_timeout = parse_probability(probability)?,
                "drop" => faults.drop = parse_probability(probability)?,
                "slow" => {
                    faults.slow = parse_probability(probability)?;
                    if let Some(extra) = extra {
                        faults.slow_by = parse_millis(extra).ok_or_else(|| {
                            format!("`{extra}` in `{part}` is not a duration like 800ms")
                        })?;
                    }
                }
                "retry-after-fixed" => {
                    faults.fixed_retry_after = Some(value.parse().map_err(|_| {
                        format!("`{value}` in `{part}` is not a number of seconds")
                    })?);
                }
                "retry-after" => {
                    faults.max_retry_after = value
                        .parse()
                        .map_err(|_| format!("`{value}` in `{part}` is not a number of seconds"))?;
                }
                other => {
                    return Err(format!(
                        "unknown fault `{other}`: use 429, 503, 504, drop, lost, slow, retry-after, retry-after-fixed or on"
                    ));
                }
            }
        }
        Ok(faults)
    }
}

fn parse_millis(text: &str) -> Option<Duration> {
    if let Some(ms) = text.strip_suffix("ms") {
        ms.parse().ok().map(Duration::from_millis)
    } else if let Some(s) = text.strip_suffix('s') {
        s.parse::<f64>().ok().map(Duration::from_secs_f64)
    } else {
        text.parse().ok().map(Duration::from_millis)
    }
}

/// How many of each fault have been injected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FaultCounts {
    /// 429 Too Many Requests.
    pub throttled: u64,
    /// 503 Service Unavailable.
    pub unavailable: u64,
    /// 504 Gateway Timeout.
    pub gateway_timeouts: u64,
    /// Connections cut halfway through the body.
    pub dropped: u64,
    /// Requests carried out whose answer was then cut off.
    pub lost: u64,
    /// Responses delayed.
    pub slowed: u64,
}

impl FaultCounts {
    /// Every fault injected.
    pub fn total(&self) -> u64 {
        self.throttled
            + self.unavailable
            + self.gateway_timeouts
            + self.dropped
            + self.lost
            + self.slowed
    }
}

/// The injector: the spec, the seed, and how often each request has been seen. A request's
/// fault depends only on the seed, the request and how many times it came before, so runs with
/// concurrent requests meet the same faults whatever order the requests arrive in.
#[derive(Clone)]
pub struct Faults {
    spec: Arc<Mutex<FaultSpec>>,
    seed: u64,
    seen: Arc<Mutex<HashMap<String, u64>>>,
    /// Faults injected, by request (method and URI).
    injected: Arc<Mutex<HashMap<String, FaultCounts>>>,
    /// The clock a slow answer waits on (virtual in scripted runs).
    clock: crate::clock::Clock,
}

enum Fault {
    Throttle(f64),
    Unavailable,
    GatewayTimeout,
    Drop,
    Lost,
    Slow(Duration),
}

impl Faults {
    /// An injector drawing from `seed`, whose slow answers wait on `clock`.
    pub fn new(spec: FaultSpec, seed: u64, clock: crate::clock::Clock) -> Self {
        Faults {
            spec: Arc::new(Mutex::new(spec)),
            seed: seed ^ 0xfa17,
            seen: Arc::new(Mutex::new(HashMap::new())),
            injected: Arc::new(Mutex::new(HashMap::new())),
            clock,
        }
    }

    /// How many of each fault have been injected so far.
    pub fn injected(&self) -> FaultCounts {
        self.injected_on("")
    }

    /// How many of each fault requests whose method and URI contain `text` met.
    pub fn injected_on(&self, text: &str) -> FaultCounts {
        self.injected
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .iter()
            .filter(|(key, _)| key.contains(text))
            .fold(FaultCounts::default(), |sum, (_, c)| FaultCounts {
                throttled: sum.throttled + c.throttled,
                unavailable: sum.unavailable + c.unavailable,
                gateway_timeouts: sum.gateway_timeouts + c.gateway_timeouts,
                dropped: sum.dropped + c.dropped,
                lost: sum.lost + c.lost,
                slowed: sum.slowed + c.slowed,
            })
    }

    /// Changes the faults from now on (a network that fails, then comes back).
    pub fn set(&self, spec: FaultSpec) {
        *self
            .spec
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = spec;
    }

    /// The fault, if any, for this occurrence of the request `key`, counted.
    fn draw(&self, key: &str) -> Option<Fault> {
        let fault = self.roll(key);
        if let Some(fault) = &fault {
            let mut injected = self
                .injected
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let counts = injected.entry(key.to_string()).or_default();
            match fault {
                Fault::Throttle(_) => counts.throttled += 1,
                Fault::Unavailable => counts.unavailable += 1,
                Fault::GatewayTimeout => counts.gateway_timeouts += 1,
                Fault::Drop => counts.dropped += 1,
                Fault::Lost => counts.lost += 1,
                Fault::Slow(_) => counts.slowed += 1,
            }
        }
        fault
    }

    fn roll(&self, key: &str) -> Option<Fault> {
        let spec = self
            .spec
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        if spec.is_none()
            || spec
                .only
                .as_ref()
                .is_some_and(|only| !key.contains(only.as_str()))
        {
            return None;
        }
        let occurrence = {
            let mut seen = self
                .seen
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let count = seen.entry(key.to_string()).or_insert(0);
            *count += 1;
            *count
        };
        let mut hasher = std::hash::DefaultHasher::new();
        (self.seed, key, occurrence).hash(&mut hasher);
        let mut rng = fastrand::Rng::with_seed(hasher.finish());
        let roll = rng.f64();
        let s = &spec;
        if roll < s.throttle {
            let retry_after = (rng.f64() * s.max_retry_after * 1000.0).round() / 1000.0;
            return Some(Fault::Throttle(
                s.fixed_retry_after.unwrap_or(retry_after.max(0.001)),
            ));
        }
        let mut edge = s.throttle;
        for (p, fault) in [
            (s.unavailable, Fault::Unavailable),
            (s.gateway_timeout, Fault::GatewayTimeout),
            (s.drop, Fault::Drop),
            (s.lost, Fault::Lost),
            (s.slow, Fault::Slow(s.slow_by)),
        ] {
            edge += p;
            if roll < edge {
                return Some(fault);
            }
        }
        None
    }
}

/// Middleware that injects the drawn fault, if any, before the real handler runs.
pub async fn inject(State(faults): State<Faults>, request: Request, next: Next) -> Response {
    let graph = request.uri().path().starts_with("/graph");
    let key = format!("{} {}", request.method(), request.uri());
    match faults.draw(&key) {
        None => next.run(request).await,
        Some(Fault::Slow(by)) => {
            // Slow on the simulator's clock, so a slow answer costs virtual time too.
            faults.clock.sleep(by).await;
            next.run(request).await
        }
        Some(Fault::Throttle(retry_after)) => {
            let body = if graph {
                serde_json::json!({"error": {"code": "TooManyRequests", "message": "Please retry again later.",
                    "innerError": {"code": "429", "message": "Please retry after", "status": "429"}}})
            } else {
                serde_json::json!({"error": "rate_limit_exceeded", "error_description": "Too many requests", "error_code": 429})
            };
            let mut response = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
            if let Ok(value) = HeaderValue::from_str(&format!("{retry_after}")) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        Some(Fault::GatewayTimeout) => {
            let body = serde_json::json!({"error": {"code": "GatewayTimeout",
                "message": "The gateway did not receive a response in time."}});
            (StatusCode::GATEWAY_TIMEOUT, axum::Json(body)).into_response()
        }
        Some(Fault::Unavailable) => {
            let body = serde_json::json!({"error": {"code": "serviceNotAvailable",
                "message": "The service is temporarily unavailable."}});
            (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response()
        }
        Some(Fault::Drop) => cut_off(),
        Some(Fault::Lost) => {
            // The service does the work; its answer never arrives.
            let _ = next.run(request).await;
            cut_off()
        }
    }
}

/// Headers and half a body, then the connection is cut.
fn cut_off() -> Response {
    let stream = futures_util::stream::iter([
        Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"{\"value\":[{\"id\":\"")),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "fault: dropped",
        )),
    ]);
    let mut response = Response::new(Body::from_stream(stream));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_spec() {
        let spec: FaultSpec = "429=0.2,503=0.1,drop=0.05,slow=0.1:800ms".parse().unwrap();
        assert_eq!(spec.throttle, 0.2);
        assert_eq!(spec.unavailable, 0.1);
        assert_eq!(spec.drop, 0.05);
        assert_eq!(spec.slow, 0.1);
        assert_eq!(spec.slow_by, Duration::from_millis(800));
        assert!("".parse::<FaultSpec>().unwrap().is_none());
        let only: FaultSpec = "lost=1,on=requestRemoteAssistance".parse().unwrap();
        assert_eq!(only.lost, 1.0);
        assert_eq!(only.only.as_deref(), Some("requestRemoteAssistance"));
    }

    #[test]
    fn rejects_bad_specs() {
        assert!("429".parse::<FaultSpec>().is_err());
        assert!("429=2".parse::<FaultSpec>().is_err());
        assert!("teapot=0.1".parse::<FaultSpec>().is_err());
        assert!("slow=0.1:fast".parse::<FaultSpec>().is_err());
    }
}
