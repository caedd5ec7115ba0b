//! Every class of failure becomes a typed error with a clear message, never a panic.

mod common;

use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use intune_assist::auth::StaticToken;
use intune_assist::graph::{ApiVersion, DeviceCursor, DeviceQuery, GraphClient};
use intune_assist::http::{ErrorKind, Http, HttpSettings, RetryPolicy};

/// A canned answer and the text its error must contain.
type Case = (fn() -> Response, &'static str);

/// Serves one canned answer for every device list request.
async fn canned(answer: fn() -> Response) -> (url::Url, tokio::task::JoinHandle<()>) {
    let app = Router::new().route(
        "/graph/beta/deviceManagement/managedDevices",
        get(move || async move { answer() }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = url::Url::parse(&format!(
        "http://{}/graph",
        listener.local_addr().expect("addr")
    ))
    .expect("url");
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, task)
}

fn client(root: url::Url, timeout: Duration) -> GraphClient {
    let http = Http::new(HttpSettings {
        retry: RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
            ..RetryPolicy::default()
        },
        timeout,
        max_body_bytes: 1024 * 1024,
        ..HttpSettings::default()
    })
    .expect("http");
    GraphClient::new(
        http,
        root,
        ApiVersion::Beta,
        StaticToken::shared("t".to_string().into()),
    )
}

async fn list_error(answer: fn() -> Response) -> intune_assist::http::ApiError {
    let (url, task) = canned(answer).await;
    let error = client(url, Duration::from_secs(5))
        .devices_page(&DeviceCursor::First(DeviceQuery::default()))
        .await
        .expect_err("an error");
    task.abort();
    error
}

fn graph_error(status: StatusCode, code: &str) -> Response {
    let body = serde_json::json!({"error": {"code": code, "message": "m\u{1b}[2J", "innerError": {"request-id": "rid-123"}}});
    (status, axum::Json(body)).into_response()
}

#[tokio::test]
async fn status_codes_map_to_classes_with_the_request_id() {
    let cases: [Case; 6] = [
        (
            || graph_error(StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken"),
            "sign in again",
        ),
        (
            || graph_error(StatusCode::FORBIDDEN, "Forbidden"),
            "refused access (Forbidden: m). Likely causes",
        ),
        (
            || graph_error(StatusCode::NOT_FOUND, "ResourceNotFound"),
            "the device list was not found",
        ),
        (
            || {
                let mut r = graph_error(StatusCode::TOO_MANY_REQUESTS, "TooManyRequests");
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("0.01"));
                r
            },
            "throttling",
        ),
        (
            || graph_error(StatusCode::SERVICE_UNAVAILABLE, "serviceNotAvailable"),
            "failed (HTTP 503",
        ),
        (
            || graph_error(StatusCode::BAD_REQUEST, "BadRequest"),
            "refused the request (HTTP 400, BadRequest): m",
        ),
    ];
    for (answer, text) in cases {
        let error = list_error(answer).await;
        let message = error.to_string();
        assert!(message.contains(text), "{message}");
        assert!(
            message.contains("rid-123"),
            "the request id is kept: {message}"
        );
        assert!(!message.contains('\x1b'), "{message}");
    }
}

#[tokio::test]
async fn malformed_bodies_are_clear_errors() {
    let cases: [Case; 5] = [
        (
            || (StatusCode::OK, "{\"value\": [{\"id\": ").into_response(),
            "invalid JSON",
        ),
        (
            || (StatusCode::OK, "<html><body>Gateway</body></html>").into_response(),
            "an HTML page came back",
        ),
        (
            || (StatusCode::OK, "").into_response(),
            "the body was empty",
        ),
        (
            || (StatusCode::OK, vec![0xffu8, 0xfe, 0x00]).into_response(),
            "not valid UTF-8",
        ),
        (
            || (StatusCode::OK, "{\"value\": [{\"id\": 5}]}").into_response(),
            "invalid JSON",
        ),
    ];
    for (answer, text) in cases {
        let error = list_error(answer).await;
        assert!(
            matches!(error.kind, ErrorKind::Malformed { .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains(text), "{error}");
    }
}

#[tokio::test]
async fn a_malformed_body_keeps_the_request_id() {
    let error = list_error(|| {
        (
            StatusCode::OK,
            [("request-id", "0f1e2d3c-malformed")],
            "{\"value\": [{\"id\": ",
        )
            .into_response()
    })
    .await;
    assert!(
        matches!(error.kind, ErrorKind::Malformed { .. }),
        "{error:?}"
    );
    assert_eq!(error.request_id.as_deref(), Some("0f1e2d3c-malformed"));
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let error = list_error(|| (StatusCode::OK, "x".repeat(2 * 1024 * 1024)).into_response()).await;
    assert!(
        error.to_string().contains("larger than the 1 MiB limit"),
        "{error}"
    );
}

#[tokio::test]
async fn unknown_fields_nulls_and_unknown_enums_parse() {
    let error_or_page = {
        let (url, task) = canned(|| {
            let body = serde_json::json!({
                "@odata.context": "x", "@odata.count": 1, "newTopLevel": {"a": 1},
                "value": [{"id": "d1", "deviceName": null, "complianceState": "quantumCompliant",
                           "managementState": "managed", "futureField": [1, 2], "skuNumber": 4,
                           "lastSyncDateTime": "0001-01-01T00:00:00Z"}]
            });
            axum::Json(body).into_response()
        })
        .await;
        let page = client(url, Duration::from_secs(5))
            .devices_page(&DeviceCursor::First(DeviceQuery::default()))
            .await;
        task.abort();
        page
    };
    let page = error_or_page.expect("parses");
    let device = page.devices.get(0).expect("one device");
    assert_eq!(device.name(), "");
    assert_eq!(device.compliance_state().label(), "quantumCompliant");
    assert_eq!(
        device.last_sync_date_time(),
        None,
        "the 0001-01-01 placeholder means never"
    );
    assert_eq!(page.total, Some(1));
}

#[tokio::test]
async fn refused_connections_and_timeouts_are_network_errors() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr")
    };
    let error = client(
        url::Url::parse(&format!("http://{closed}/graph")).expect("url"),
        Duration::from_secs(2),
    )
    .devices_page(&DeviceCursor::First(DeviceQuery::default()))
    .await
    .expect_err("refused");
    assert!(matches!(error.kind, ErrorKind::Network { .. }), "{error:?}");
    assert!(
        error.to_string().contains("could not be reached"),
        "{error}"
    );

    let app = Router::new().route(
        "/graph/beta/deviceManagement/managedDevices",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            "late"
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let error = client(
        url::Url::parse(&format!("http://{addr}/graph")).expect("url"),
        Duration::from_millis(200),
    )
    .devices_page(&DeviceCursor::First(DeviceQuery::default()))
    .await
    .expect_err("timeout");
    task.abort();
    assert!(error.to_string().contains("timed out"), "{error}");
}

#[tokio::test]
async fn a_next_link_to_another_host_is_not_followed() {
    let (url, task) = canned(|| {
        axum::Json(
            serde_json::json!({"value": [], "@odata.nextLink": "https://attacker.example/steal"}),
        )
        .into_response()
    })
    .await;
    let graph = client(url, Duration::from_secs(5));
    let page = graph
        .devices_page(&DeviceCursor::First(DeviceQuery::default()))
        .await
        .expect("first page");
    let error = graph
        .devices_page(&page.next.expect("a next link"))
        .await
        .expect_err("refused");
    task.abort();
    assert!(error.to_string().contains("another host"), "{error}");
}
