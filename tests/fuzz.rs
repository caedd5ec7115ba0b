//! Property tests of every parser of outside input: service responses (arbitrary bytes, and
//! valid pages damaged), tapes, the configuration file, `Retry-After`, and the sanitiser that
//! stands between service text and the terminal. None may panic; each must say what is wrong.
//!
//! CI runs a short pass (the default number of cases); a long one is
//! `PROPTEST_CASES=200000 cargo test --release --test fuzz`.

use bytes::Bytes;
use intune_assist::domain::text::{MAX_NAME_CHARS, sanitize};
use intune_assist::graph::next_link;
use intune_assist::graph::parse_device_page;
use intune_assist::graph::wire::{ErrorEnvelope, Page, WireDevice, WirePartner, parse_time};
use intune_assist::http::{Response, Service, parse_json};
use intune_assist::script::Tape;
use intune_assist::teamviewer::wire::{WireConnectionReport, WireSession, WireSessionList};
use proptest::prelude::*;

fn response(body: Vec<u8>) -> Response {
    Response {
        status: reqwest::StatusCode::OK,
        headers: reqwest::header::HeaderMap::new(),
        body: Bytes::from(body),
    }
}

/// A real device list page, as the simulator serves it.
fn valid_page() -> Vec<u8> {
    br#"{"@odata.context":"https://graph.microsoft.com/beta/$metadata#deviceManagement/managedDevices","@odata.count":2,"@odata.nextLink":"https://graph.microsoft.com/beta/deviceManagement/managedDevices?$top=2&$skiptoken=RFNwdAIAAQAAAD2a2a","value":[{"id":"e7988c54-d858-c0c4-dc88-01b00fc8056d","deviceName":"DESKTOP-6N5SBY4","userDisplayName":"Viktor Weber","userPrincipalName":"viktor.weber@contoso.com","operatingSystem":"Windows","osVersion":"10.0.22631.4422","model":"ThinkPad X1","manufacturer":"LENOVO","serialNumber":"TFH5KKX471","complianceState":"compliant","managementState":"managed","deviceEnrollmentType":"windowsAzureADJoin","managedDeviceOwnerType":"company","lastSyncDateTime":"2026-11-23T10:11:00Z","enrolledDateTime":"2024-10-28T10:11:00Z","azureADDeviceId":"0b1c","deviceType":"windowsRT","skuNumber":4},{"id":"2","deviceName":"Mei\u2019s iPhone \u001b]0;x\u0007","operatingSystem":"iOS","lastSyncDateTime":"0001-01-01T00:00:00Z"}]}"#.to_vec()
}

fn parse_everything(body: &[u8]) {
    let r = response(body.to_vec());
    let _ = parse_json::<Page<WireDevice>>(Service::Graph, &r)
        .map(|p| p.value.into_iter().map(WireDevice::into_domain).count());
    let _ = parse_json::<Page<WirePartner>>(Service::Graph, &r);
    let _ = parse_json::<ErrorEnvelope>(Service::Graph, &r);
    let _ = parse_json::<WireSession>(Service::TeamViewer, &r).map(WireSession::into_domain);
    let _ = parse_json::<WireSessionList>(Service::TeamViewer, &r);
    let _ = parse_json::<WireConnectionReport>(Service::TeamViewer, &r);
    if let Ok(page) = parse_device_page(Bytes::from(body.to_vec())) {
        for device in &page.devices {
            assert!(
                !device.name.chars().any(|c| c.is_control()),
                "a control character survived: {:?}",
                device.name
            );
        }
    }
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
    fn arbitrary_bytes_never_break_a_response_parser(body in proptest::collection::vec(any::<u8>(), 0..2048)) {
        parse_everything(&body);
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
        parse_everything(&body);
        if let Err(e) = parse_device_page(Bytes::from(body)) {
            prop_assert!(!e.to_string().is_empty());
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
        let _ = Tape::parse(&text);
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
        let _ = intune_assist::config::parse_file(&text, std::path::Path::new("c.toml"));
    }

    #[test]
    fn retry_after_of_any_value_is_bounded_or_absent(value in "\\PC{0,20}") {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Ok(v) = reqwest::header::HeaderValue::from_str(&value) {
            headers.insert(reqwest::header::RETRY_AFTER, v);
        }
        if let Some(d) = intune_assist::http::retry_after(&headers) {
            prop_assert!(d.as_secs() <= 3600);
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
