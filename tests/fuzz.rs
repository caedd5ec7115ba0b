//! Property tests of every parser of outside input: service responses (arbitrary bytes, and
//! valid pages damaged), tapes, the configuration file, `Retry-After`, and the sanitiser that
//! stands between service text and the terminal. None may panic; each must say what is wrong.
//!
//! CI runs a short pass (the default number of cases); a long one is
//! `PROPTEST_CASES=200000 cargo test --release --test fuzz`.

use bytes::Bytes;
use intune_assist::domain::text::{MAX_NAME_CHARS, sanitize};
use intune_assist::graph::next_link;
use intune_assist::graph::read_device_page;
use intune_assist::graph::wire::{ErrorEnvelope, Page, WireDevice, WirePartner, parse_time};
use intune_assist::http::{Response, Service, parse_json};
use intune_assist::script::Tape;
use intune_assist::teamviewer::wire::{WireConnectionReport, WireSession, WireSessionList};
use proptest::prelude::*;

/// The request id every response in these properties carries.
const REQUEST_ID: &str = "5e1c0a7d-0000-4000-8000-00000000f022";

fn response(body: Vec<u8>) -> Response {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        "request-id",
        reqwest::header::HeaderValue::from_static(REQUEST_ID),
    );
    Response {
        status: reqwest::StatusCode::OK,
        headers,
        body: Bytes::from(body),
    }
}

/// What every parser of a response must do with any body: read it, or fail with a typed
/// "unreadable" error that says why and keeps the request id.
fn read_or_explain<T>(
    result: Result<T, intune_assist::http::ApiError>,
) -> Result<Option<T>, String> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(error) => {
            if !matches!(error.kind, intune_assist::http::ErrorKind::Malformed { .. }) {
                return Err(format!("not a malformed-response error: {error:?}"));
            }
            if error.request_id.as_deref() != Some(REQUEST_ID) {
                return Err(format!("the request id was lost: {error:?}"));
            }
            if error.to_string().trim().is_empty() {
                return Err("an empty message".into());
            }
            Ok(None)
        }
    }
}

/// Text read from a service must never carry a control character to the screen.
fn safe(text: &str) -> Result<(), String> {
    match text.chars().find(|c| c.is_control()) {
        Some(c) => Err(format!("a control character {c:?} survived in {text:?}")),
        None => Ok(()),
    }
}

/// A real device list page, as the simulator serves it.
fn valid_page() -> Vec<u8> {
    br#"{"@odata.context":"https://graph.microsoft.com/beta/$metadata#deviceManagement/managedDevices","@odata.count":2,"@odata.nextLink":"https://graph.microsoft.com/beta/deviceManagement/managedDevices?$top=2&$skiptoken=RFNwdAIAAQAAAD2a2a","value":[{"id":"e7988c54-d858-c0c4-dc88-01b00fc8056d","deviceName":"DESKTOP-6N5SBY4","userDisplayName":"Viktor Weber","userPrincipalName":"viktor.weber@contoso.com","operatingSystem":"Windows","osVersion":"10.0.22631.4422","model":"ThinkPad X1","manufacturer":"LENOVO","serialNumber":"TFH5KKX471","complianceState":"compliant","managementState":"managed","deviceEnrollmentType":"windowsAzureADJoin","managedDeviceOwnerType":"company","lastSyncDateTime":"2026-11-23T10:11:00Z","enrolledDateTime":"2024-10-28T10:11:00Z","azureADDeviceId":"0b1c","deviceType":"windowsRT","skuNumber":4},{"id":"2","deviceName":"Mei\u2019s iPhone \u001b]0;x\u0007","operatingSystem":"iOS","lastSyncDateTime":"0001-01-01T00:00:00Z"}]}"#.to_vec()
}

/// Runs every response parser over `body`; says what went wrong, if anything did.
fn parse_everything(body: &[u8]) -> Result<(), String> {
    let r = response(body.to_vec());
    if let Some(page) = read_or_explain(parse_json::<Page<WireDevice>>(Service::Graph, &r))? {
        for device in page.value.into_iter().map(WireDevice::into_domain) {
            for text in [
                &device.name(),
                &device.user_display_name(),
                &device.model(),
                &device.id(),
            ] {
                safe(text)?;
            }
        }
    }
    if let Some(page) = read_or_explain(parse_json::<Page<WirePartner>>(Service::Graph, &r))? {
        for partner in page.value.into_iter().map(WirePartner::into_domain) {
            safe(&partner.display_name)?;
        }
    }
    read_or_explain(parse_json::<ErrorEnvelope>(Service::Graph, &r))?;
    if let Some(session) = read_or_explain(parse_json::<WireSession>(Service::TeamViewer, &r))? {
        let session = session.into_domain();
        safe(&session.code)?;
        safe(&session.description)?;
        for link in [&session.supporter_link, &session.end_customer_link]
            .into_iter()
            .flatten()
        {
            safe(link)?;
        }
    }
    read_or_explain(parse_json::<WireSessionList>(Service::TeamViewer, &r))?;
    read_or_explain(parse_json::<WireConnectionReport>(Service::TeamViewer, &r))?;
    if let Some(page) = read_or_explain(read_device_page(r))? {
        for device in page.devices.iter() {
            safe(device.name())?;
        }
    }
    Ok(())
}

/// A page whose next link is no URL is unreadable, and says which request it was.
#[test]
fn a_next_link_that_is_not_a_url_keeps_the_request_id() {
    let body = br#"{"@odata.nextLink":"not a url","value":[]}"#.to_vec();
    let error = match read_device_page(response(body)) {
        Ok(page) => panic!("read as a page: {:?}", page.next),
        Err(error) => error,
    };
    assert!(error.to_string().contains("@odata.nextLink"), "{error}");
    assert_eq!(read_or_explain::<()>(Err(error)), Ok(None));
}

/// Bodies that reach the parsers' interesting paths: arbitrary bytes, JSON documents built
/// of the members the parsers look for (of right and wrong types), and hostile strings.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let hostile = prop_oneof![
        "[a-z \\x1b\\x07\\u{9b}\\u{202e}]{0,12}",
        Just("\u{1b}]52;c;AAAA\u{7}".to_string()),
        Just("s119-457-589".to_string()),
    ];
    let field = prop_oneof![
        hostile.prop_map(serde_json::Value::String),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<bool>().prop_map(serde_json::Value::from),
        Just(serde_json::Value::Null),
        member_value(),
    ];
    let key = prop::sample::select(vec![
        "id",
        "deviceName",
        "userDisplayName",
        "model",
        "complianceState",
        "lastSyncDateTime",
        "displayName",
        "onboardingStatus",
        "code",
        "state",
        "supporter_link",
        "description",
        "sessions",
        "records",
        "next_offset",
        "error",
        "value",
        "@odata.nextLink",
    ]);
    let object = proptest::collection::vec((key, field), 0..8).prop_map(|m| {
        serde_json::Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    });
    let document = prop_oneof![
        object.clone(),
        proptest::collection::vec(object.clone(), 0..4)
            .prop_map(|items| serde_json::json!({ "value": items })),
        proptest::collection::vec(object, 0..4)
            .prop_map(|items| serde_json::json!({ "sessions": items, "records": items })),
    ];
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512),
        document.prop_map(|d| d.to_string().into_bytes()),
    ]
}

/// A JSON value for a page member: text with the characters that could mislead a reader
/// that looks at bytes (brackets, quotes, keys), numbers, and nested arrays and objects.
fn member_value() -> impl Strategy<Value = serde_json::Value> {
    let text = "[\\]\\[\"a-z:,{} @.]{0,12}|\"value\":\\[|@odata.nextLink";
    let leaf = prop_oneof![
        text.prop_map(serde_json::Value::String),
        any::<u32>().prop_map(serde_json::Value::from),
        Just(serde_json::Value::Null),
    ];
    leaf.prop_recursive(3, 16, 4, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            proptest::collection::vec((text, inner), 0..3)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A member that may stand around `value`: the next link, the count, or another, usually of
/// the right type.
fn envelope_member() -> impl Strategy<Value = (String, serde_json::Value)> {
    prop_oneof![
        3 => "https://g/[a-z\\]\\[\"?=&]{0,10}".prop_map(|l| (
            "@odata.nextLink".to_string(),
            serde_json::Value::String(l)
        )),
        2 => any::<u32>().prop_map(|n| ("@odata.count".to_string(), n.into())),
        2 => ("[a-z\"\\]\\[@.]{0,6}", member_value()),
        1 => (
            prop_oneof![Just("@odata.nextLink".to_string()), Just("@odata.count".to_string())],
            member_value()
        ),
    ]
}

/// A page's members, in the given order, written as JSON text.
fn page_text(members: &[(String, serde_json::Value)]) -> String {
    let members: Vec<String> = members
        .iter()
        .map(|(k, v)| format!("{}:{v}", serde_json::Value::String(k.clone())))
        .collect();
    format!("{{{}}}", members.join(","))
}

proptest! {
    #[test]
    fn the_next_link_read_around_the_items_agrees_with_a_whole_read(
        before in proptest::collection::vec(envelope_member(), 0..3),
        items in proptest::collection::vec(member_value(), 0..4),
        after in proptest::collection::vec(envelope_member(), 0..3),
        cut in proptest::option::of(0usize..400),
    ) {
        let mut members = before;
        members.push(("value".to_string(), serde_json::Value::Array(items)));
        members.extend(after);
        let mut body = page_text(&members).into_bytes();
        if let Some(cut) = cut {
            body.truncate(cut);
        }
        if let (Some(fast), Ok(whole)) = (
            next_link::around_items(&body),
            serde_json::from_slice::<Page<serde::de::IgnoredAny>>(&body),
        ) {
            prop_assert_eq!(Some(fast), whole.next_link);
        }
    }

    #[test]
    fn graph_timestamps_read_as_the_general_rfc3339_parser_reads_them(
        seconds in -62_135_596_800i64..253_402_300_799,
        nanos in 0u32..1_000_000_000,
        digits in 0usize..=9,
        junk in "[0-9TZ:.+-]{0,3}",
    ) {
        use time::format_description::well_known::Rfc3339;
        let t = time::OffsetDateTime::from_unix_timestamp(seconds).expect("in range");
        let mut text = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute(), t.second()
        );
        if digits > 0 {
            text.push('.');
            text.push_str(&format!("{nanos:09}")[..digits]);
        }
        for candidate in [format!("{text}Z"), format!("{text}{junk}Z"), format!("{text}Z{junk}")] {
            let general = time::OffsetDateTime::parse(&candidate, &Rfc3339)
                .ok()
                .filter(|t| t.year() > 1);
            prop_assert_eq!(parse_time(Some(&candidate)), general, "{}", candidate);
        }
    }

    #[test]
    fn every_response_parser_reads_or_explains_any_body(body in body()) {
        if let Err(why) = parse_everything(&body) {
            prop_assert!(false, "{why}: {}", String::from_utf8_lossy(&body));
        }
    }

    #[test]
    fn a_damaged_page_is_an_error_or_a_page_never_a_panic(
        cut in 0usize..1200,
        flips in proptest::collection::vec((0usize..1200, any::<u8>()), 0..8),
    ) {
        let mut body = valid_page();
        for (at, byte) in flips {
            let at = at % body.len();
            body[at] = byte;
        }
        body.truncate(cut.min(body.len()));
        if let Err(why) = parse_everything(&body) {
            prop_assert!(false, "{why}");
        }
    }

    #[test]
    fn arbitrary_text_never_breaks_the_tape_reader(text in "\\PC{0,400}") {
        if let Err(e) = Tape::parse(&text) {
            prop_assert!(e.line >= 1 && e.line <= text.lines().count().max(1));
        }
    }

    #[test]
    fn tape_like_lines_never_break_the_tape_reader(
        lines in proptest::collection::vec(
            (prop::sample::select(vec!["key", "type", "wait-for", "wait-idle", "sleep", "resize", "snapshot", "#", ""]), "[ -~]{0,30}"),
            0..20,
        )
    ) {
        let text: String = lines.iter().map(|(c, rest)| format!("{c} {rest}\n")).collect();
        let skipped = |line: &str| line.trim().is_empty() || line.trim_start().starts_with('#');
        let commands = text.lines().filter(|l| !skipped(l)).count();
        match Tape::parse(&text) {
            // Every step comes from a line that is not blank or a comment (`key` may press
            // several keys, one step each).
            Ok(tape) => prop_assert!(
                commands > 0 || tape.steps.is_empty(),
                "steps from blank lines: {tape:?}"
            ),
            Err(e) => {
                prop_assert!(e.line >= 1 && e.line <= lines.len(), "line {} of {}", e.line, lines.len());
                prop_assert!(!e.message.trim().is_empty());
                let line = text.lines().nth(e.line - 1).unwrap_or_default();
                prop_assert!(!skipped(line), "a blank or comment line was refused: {e:?}");
            }
        }
    }

    #[test]
    fn arbitrary_text_never_breaks_the_config_reader(text in "\\PC{0,300}") {
        if let Err(e) = intune_assist::config::parse_file(&text, std::path::Path::new("config.toml")) {
            prop_assert!(e.0.starts_with("config.toml"), "{}", e.0);
        }
    }

    #[test]
    fn config_like_lines_never_break_the_config_reader(
        lines in proptest::collection::vec(
            (prop::sample::select(vec!["graph_url", "tenant", "client_id", "devices_api", "secret_store", "request_timeout_secs", "audit_log", "[x]", "bogus"]), "[ -~é東]{0,30}"),
            0..10,
        )
    ) {
        let text: String = lines.iter().map(|(k, v)| format!("{k} = {v}\n")).collect();
        match intune_assist::config::parse_file(&text, std::path::Path::new("c.toml")) {
            // A file that reads resolves to a configuration or one line naming the problem.
            Ok(file) => {
                let env = std::collections::HashMap::new();
                if let Err(e) = intune_assist::config::Config::resolve(file, None, &env) {
                    prop_assert!(!e.0.contains('\n') && !e.0.is_empty(), "{}", e.0);
                }
            }
            Err(e) => {
                prop_assert!(e.0.starts_with("c.toml"), "{}", e.0);
                prop_assert!(!e.0.contains('\n'), "one line: {}", e.0);
            }
        }
    }

    #[test]
    fn retry_after_is_the_number_of_seconds_it_says_or_nothing(
        value in prop_oneof![
            (0u32..100_000, 0u32..1000).prop_map(|(s, ms)| format!("{s}.{ms:03}")),
            any::<u32>().prop_map(|s| s.to_string()),
            any::<f64>().prop_map(|f| f.to_string()),
            (-1000i32..0).prop_map(|s| s.to_string()),
            Just("NaN".to_string()),
            Just("inf".to_string()),
            Just("1e400".to_string()),
            "[ 0-9.eE+-]{0,8}",
            "\\PC{0,20}",
        ]
    ) {
        let mut headers = reqwest::header::HeaderMap::new();
        let Ok(v) = reqwest::header::HeaderValue::from_str(&value) else {
            return Ok(());
        };
        headers.insert(reqwest::header::RETRY_AFTER, v);
        let read = intune_assist::http::retry_after(&headers);
        match value.trim().parse::<f64>() {
            Ok(seconds) if (0.0..1e12).contains(&seconds) => {
                let d = read.expect("a wait of that many seconds");
                prop_assert!((d.as_secs_f64() - seconds).abs() <= 1e-6 * seconds.max(1.0), "{value} read as {d:?}");
            }
            Ok(seconds) if !seconds.is_finite() || seconds < 0.0 => prop_assert_eq!(read, None, "{}", value),
            Ok(_) => {}
            Err(_) => prop_assert_eq!(read, None, "{}", value),
        }
    }

    #[test]
    fn sanitised_text_is_safe_to_draw(text in "\\PC{0,300}|[\\x00-\\x1f\\x7f-\\u{9f}\\u{200b}-\\u{200f}\\u{202a}-\\u{202e}\\u{2066}-\\u{2069}a-z]{0,300}") {
        let clean = sanitize(&text);
        prop_assert!(!clean.chars().any(|c| c.is_control()), "{clean:?}");
        prop_assert!(!clean.chars().any(|c| matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')), "{clean:?}");
        prop_assert!(clean.chars().count() <= MAX_NAME_CHARS);
        prop_assert_eq!(sanitize(&clean), clean.clone(), "sanitising twice changes nothing");
    }
}
