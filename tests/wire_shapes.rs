//! Parsing responses shaped like Microsoft's and TeamViewer's documented examples, with
//! unknown fields, nulls and unknown enum values.

use intune_assist::domain::{ComplianceState, OnboardingStatus, SessionState};
use intune_assist::graph::wire::{Page, WireDevice, WirePartner, WireRolePermission};
use intune_assist::teamviewer::wire::{
    WireConnectionReport, WireSession, WireSessionList, offset_text,
};

#[test]
fn graph_managed_device_page() {
    let body = r#"{
      "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#deviceManagement/managedDevices(id,deviceName)",
      "value": [{
        "id": "705c034c-034c-705c-4c03-5c704c035c70",
        "deviceName": "DESKTOP-01", "operatingSystem": "Windows", "osVersion": "10.0.22631.3447",
        "userPrincipalName": "alice@contoso.com", "userDisplayName": "Alice",
        "complianceState": "compliant", "managementState": "managed",
        "lastSyncDateTime": "2024-05-01T09:12:00Z", "model": "Latitude 7440",
        "manufacturer": "Dell Inc.", "serialNumber": "ABC123", "managedDeviceOwnerType": "company",
        "deviceEnrollmentType": "someNewEnrollment", "hardwareInformation": {"nested": true},
        "azureADDeviceId": null, "enrolledDateTime": "2023-01-01T00:00:00.1234567Z"
      }],
      "@odata.nextLink": "https://graph.microsoft.com/v1.0/deviceManagement/managedDevices?$select=id&$skiptoken=abc"
    }"#;
    let page: Page<WireDevice> = serde_json::from_str(body).expect("parses");
    assert!(page.next_link.is_some());
    let device = page.value.into_iter().next().expect("one").into_domain();
    assert_eq!(device.name(), "DESKTOP-01");
    assert_eq!(device.compliance_state(), ComplianceState::Compliant);
    assert_eq!(device.enrollment_type().label(), "someNewEnrollment");
    assert!(device.last_sync_date_time().is_some());
    assert!(
        device.enrolled_date_time().is_some(),
        "seven fractional digits parse"
    );
    assert_eq!(device.azure_ad_device_id(), "");
}

#[test]
fn graph_remote_assistance_partners() {
    let body = r##"{"value":[{"@odata.type":"#microsoft.graph.remoteAssistancePartner","id":"a1",
        "displayName":"TeamViewer","onboardingUrl":"https://example.com/onboard","onboardingStatus":"onboarding",
        "lastConnectionDateTime":"0001-01-01T00:00:00Z","onboardingRequestExpiryDateTime":"2024-05-01T10:00:00Z"}]}"##;
    let page: Page<WirePartner> = serde_json::from_str(body).expect("parses");
    let connector = page.value.into_iter().next().expect("one").into_domain();
    assert_eq!(connector.onboarding_status, OnboardingStatus::Onboarding);
    assert_eq!(connector.last_connection_date_time, None);
    assert_eq!(
        connector.onboarding_url.as_deref(),
        Some("https://example.com/onboard")
    );

    let future: WirePartner = serde_json::from_str(
        r#"{"id":"a2","displayName":null,"onboardingStatus":"unknownFutureValue"}"#,
    )
    .expect("parses");
    let connector = future.into_domain();
    assert_eq!(connector.onboarding_status.label(), "unknownFutureValue");
    assert!(!connector.is_onboarded());
}

#[test]
fn graph_effective_permissions() {
    let body = r#"{"value":[{"actions":[],"resourceActions":[{"allowedResourceActions":["*"],"notAllowedResourceActions":[]}]}]}"#;
    let page: Page<WireRolePermission> = serde_json::from_str(body).expect("parses");
    assert_eq!(
        page.value[0].resource_actions[0].allowed_resource_actions,
        ["*"]
    );
    let empty: Page<WireRolePermission> =
        serde_json::from_str(r#"{"value":[{}]}"#).expect("parses");
    assert!(empty.value[0].resource_actions.is_empty());
}

#[test]
fn teamviewer_session_as_documented() {
    let body = r#"{
      "code": "s119-457-589", "state": "Open", "online": false, "groupid": "g272032545",
      "description": "Printer", "custom_api": "705c034c-034c-705c-4c03-5c704c035c70", "custom_module_id": "x",
      "end_customer": {"name": "Alice", "email": "alice@contoso.com"},
      "assigned_userid": "u11293276", "assigned_at": "2024-04-16T20:40:38Z",
      "end_customer_link": "https://get.teamviewer.com/v15/s119457589",
      "supporter_link": "https://get.teamviewer.com/v15/s119457589-AEG8iPEEzz96",
      "webclient_supporter_link": "https://login.teamviewer.com/Connect/IndexByol?sessioncode=s119457589",
      "created_at": "2024-04-16T20:40:38Z", "valid_until": "2024-04-17T20:40:38Z",
      "support_session_type": "Default", "tv_version": "15"
    }"#;
    let session = serde_json::from_str::<WireSession>(body)
        .expect("parses")
        .into_domain();
    assert_eq!(session.code, "s119-457-589");
    assert_eq!(session.state(), SessionState::Created);
    assert_eq!(session.end_customer_name, "Alice");

    let closed =
        serde_json::from_str::<WireSession>(r#"{"code":"s1","state":"closed","online":true}"#)
            .expect("parses")
            .into_domain();
    assert_eq!(closed.state(), SessionState::Closed);
    assert!(!closed.end_user_online);
}

#[test]
fn teamviewer_lists_and_reports_page_with_either_offset_type() {
    let list: WireSessionList =
        serde_json::from_str(r#"{"sessions":[{"code":"s111-222-333"}],"next_offset":"s111-222-333","sessions_remaining":4}"#)
            .expect("parses");
    assert_eq!(
        offset_text(list.next_offset).as_deref(),
        Some("s111-222-333")
    );
    let numeric: WireSessionList =
        serde_json::from_str(r#"{"sessions":[],"next_offset":42}"#).expect("parses");
    assert_eq!(offset_text(numeric.next_offset).as_deref(), Some("42"));
    let report: WireConnectionReport = serde_json::from_str(
        r#"{"records":[{"id":"1","userid":"u1","username":"Sup","deviceid":"d1","devicename":"PC","groupid":"g1",
            "groupname":"G","support_session_type":1,"start_date":"2024-04-16T20:41:00Z","session_code":"s119457589",
            "fee":0,"billing_state":"NoBill","currency":"EUR","notes":""}]}"#,
    )
    .expect("parses");
    let connection = report
        .records
        .into_iter()
        .next()
        .expect("one")
        .into_domain();
    assert_eq!(connection.session_code, "s119-457-589");
    assert!(connection.started_at.is_some() && connection.ended_at.is_none());
}
