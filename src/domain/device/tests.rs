use super::*;

/// A supported, user-enrolled Windows laptop to vary in tests.
pub fn windows_laptop() -> Device {
    Device::new(DeviceFields {
        id: "d1".into(),
        name: "DESKTOP-7F3K".into(),
        user_display_name: "Alice Smith".into(),
        user_principal_name: "alice@contoso.com".into(),
        operating_system: "Windows".into(),
        os_version: "10.0.22631.3447".into(),
        model: "Latitude 7440".into(),
        manufacturer: "Dell Inc.".into(),
        serial_number: "ABC123".into(),
        compliance_state: ComplianceState::Compliant,
        management_state: ManagementState::Managed,
        enrollment_type: EnrollmentType::WindowsAzureAdJoin,
        owner_type: OwnerType::Company,
        last_sync_date_time: None,
        enrolled_date_time: None,
        azure_ad_device_id: "".into(),
        device_type: None,
        sku_number: Some(4),
    })
}

#[test]
fn unknown_enum_values_are_kept() {
    assert_eq!(
        ComplianceState::from_wire("someFutureState"),
        ComplianceState::Other("someFutureState".into())
    );
    assert_eq!(
        ComplianceState::from_wire("COMPLIANT"),
        ComplianceState::Compliant
    );
}

#[test]
fn matching_is_case_insensitive_over_searchable_fields() {
    let d = windows_laptop();
    assert!(d.matches("desktop"));
    assert!(d.matches("alice@"));
    assert!(d.matches("abc1"));
    assert!(d.matches("latitude"));
    assert!(!d.matches("pixel"));
}

#[test]
fn states_this_version_does_not_know_are_kept_as_sent() {
    let d = Device::new(DeviceFields {
        compliance_state: ComplianceState::from_wire("inGracePeriodNew"),
        owner_type: OwnerType::from_wire("shared\u{1b}[2J"),
        ..windows_laptop().fields()
    });
    assert_eq!(d.compliance_state().as_wire(), "inGracePeriodNew");
    assert_eq!(d.owner_type().as_wire(), "shared");
    assert_eq!(d.management_state(), windows_laptop().management_state());
    assert_eq!(d.enrollment_type(), windows_laptop().enrollment_type());
    assert_eq!(Device::new(d.fields()), d);
    assert_eq!(d.name(), "DESKTOP-7F3K", "the other text is where it was");
}

#[test]
fn times_and_sku_are_kept_to_the_nanosecond_and_as_sent() {
    let at = time::macros::datetime!(2026-11-24 09:00:01.1234567 UTC);
    let d = Device::new(DeviceFields {
        last_sync_date_time: Some(at),
        enrolled_date_time: None,
        sku_number: Some(0),
        ..windows_laptop().fields()
    });
    assert_eq!(d.last_sync_date_time(), Some(at));
    assert_eq!(d.enrolled_date_time(), None);
    assert_eq!(d.sku_number(), Some(0));
    assert_eq!(windows_laptop().sku_number(), Some(4));
    let mut d = d;
    d.set_last_sync_date_time(None);
    assert_eq!(d.last_sync_date_time(), None);
}

#[test]
fn a_device_keeps_every_field_in_one_string() {
    let laptop = windows_laptop();
    assert_eq!(laptop.name(), "DESKTOP-7F3K");
    assert_eq!(laptop.user_principal_name(), "alice@contoso.com");
    assert_eq!(laptop.os_version(), "10.0.22631.3447");
    assert_eq!(laptop.azure_ad_device_id(), "");
    assert_eq!(Device::new(laptop.fields()), laptop);
    // No per-field strings: the whole device is its fixed part and one allocation.
    assert!(
        std::mem::size_of::<Device>() <= 56,
        "{}",
        std::mem::size_of::<Device>()
    );
}

#[test]
fn text_is_sanitised_when_a_device_is_built() {
    let device = Device::new(DeviceFields {
        name: "PC\u{1b}]0;owned\u{7}-1\u{202e}".into(),
        model: "x".repeat(1000).into(),
        device_type: Some("".into()),
        ..windows_laptop().fields()
    });
    assert_eq!(device.name(), "PC-1");
    assert_eq!(device.model().len(), MAX_FIELD_BYTES);
    assert!(device.model().ends_with('…'));
    let wide = Device::new(DeviceFields {
        name: "名".repeat(200).into(),
        ..windows_laptop().fields()
    });
    assert!(wide.name().len() <= MAX_FIELD_BYTES && wide.name().ends_with('…'));
    assert_eq!(wide.name().chars().count(), 85, "cut at a character");
    assert_eq!(device.serial_number(), "ABC123", "fields after a long one");
    assert_eq!(device.device_type(), Some(""));
    assert_eq!(windows_laptop().device_type(), None);
}

#[test]
fn json_uses_graphs_names() {
    let json = serde_json::to_value(windows_laptop()).unwrap_or_default();
    assert_eq!(json["deviceName"], "DESKTOP-7F3K");
    assert_eq!(json["azureADDeviceId"], "");
    assert_eq!(json["deviceEnrollmentType"], "windowsAzureADJoin");
    assert_eq!(json["managedDeviceOwnerType"], "company");
    assert_eq!(json["skuNumber"], 4);
    assert!(json["lastSyncDateTime"].is_null());
    assert!(json.get("deviceType").is_none());
}

#[test]
fn fields_written_at_once_are_what_sanitising_each_one_gives() {
    let samples = [
        "DESKTOP-7F3K",
        "Zoë Ærø",
        "",
        "bad\u{1b}[31mred",
        "tab\there",
        "bidi\u{202e}txet",
        "x",
        "日本語の端末",
    ];
    let long = "é".repeat(200);
    for (i, odd) in samples.iter().chain([&long.as_str()]).enumerate() {
        let mut fields = [samples[i % samples.len()]; TEXT_FIELDS];
        fields[i % TEXT_FIELDS] = odd;
        let mut text = String::from("before");
        let lens = write_fields(&fields, &mut text);
        let mut expected = String::from("before");
        for (field, &len) in fields.iter().zip(&lens) {
            let start = expected.len();
            crate::domain::text::sanitize_into(&mut expected, field, MAX_NAME_CHARS);
            bound_field(&mut expected, start);
            assert_eq!(expected.len() - start, usize::from(len), "{field:?}");
        }
        assert_eq!(text, expected, "{fields:?}");
    }
}
