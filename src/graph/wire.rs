//! Graph's wire shapes for the resources this app reads, and their conversion to domain types.
//!
//! Unknown fields are ignored and unknown enum values kept; every string is sanitised here.

use std::borrow::Cow;

use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::domain::text::{sanitize, sanitize_url};
use crate::domain::{
    ComplianceState, Connector, Device, DeviceFields, EnrollmentType, ManagementState,
    OnboardingStatus, OwnerType,
};

/// One page of a collection.
#[derive(Debug, Deserialize)]
pub struct Page<T> {
    #[serde(default = "Vec::new")]
    pub value: Vec<T>,
    #[serde(rename = "@odata.nextLink")]
    pub next_link: Option<String>,
    #[serde(rename = "@odata.count")]
    pub count: Option<u64>,
}

/// Graph's error envelope.
#[derive(Debug, Deserialize)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

/// The body of Graph's error envelope.
#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
    #[serde(rename = "innerError", alias = "innererror")]
    pub inner_error: Option<InnerError>,
}

/// The nested part of Graph's error, with the ids to quote to support.
#[derive(Debug, Deserialize)]
pub struct InnerError {
    #[serde(rename = "request-id")]
    pub request_id: Option<String>,
}

/// A JSON string, borrowed from the body unless it had escapes to undo.
#[derive(Debug)]
pub struct Text<'a>(pub Cow<'a, str>);

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text<'_> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// `managedDevice` as sent; strings borrow from the response body where they can.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireDevice<'a> {
    #[serde(borrow)]
    pub id: Text<'a>,
    #[serde(borrow)]
    pub device_name: Option<Text<'a>>,
    #[serde(borrow)]
    pub user_display_name: Option<Text<'a>>,
    #[serde(borrow)]
    pub user_principal_name: Option<Text<'a>>,
    #[serde(borrow)]
    pub operating_system: Option<Text<'a>>,
    #[serde(borrow)]
    pub os_version: Option<Text<'a>>,
    #[serde(borrow)]
    pub model: Option<Text<'a>>,
    #[serde(borrow)]
    pub manufacturer: Option<Text<'a>>,
    #[serde(borrow)]
    pub serial_number: Option<Text<'a>>,
    #[serde(borrow)]
    pub compliance_state: Option<Text<'a>>,
    #[serde(borrow)]
    pub management_state: Option<Text<'a>>,
    #[serde(borrow)]
    pub device_enrollment_type: Option<Text<'a>>,
    #[serde(borrow)]
    pub managed_device_owner_type: Option<Text<'a>>,
    #[serde(borrow)]
    pub last_sync_date_time: Option<Text<'a>>,
    #[serde(borrow)]
    pub enrolled_date_time: Option<Text<'a>>,
    #[serde(borrow, rename = "azureADDeviceId")]
    pub azure_ad_device_id: Option<Text<'a>>,
    #[serde(borrow)]
    pub device_type: Option<Text<'a>>,
    pub sku_number: Option<u32>,
    #[serde(borrow)]
    pub remote_assistance_session_url: Option<Text<'a>>,
    #[serde(borrow)]
    pub remote_assistance_session_error_details: Option<Text<'a>>,
}

/// Parses a Graph timestamp; the `0001-01-01` placeholder and unparsable values are `None`.
pub fn parse_time(value: Option<&str>) -> Option<OffsetDateTime> {
    let value = value?;
    let t = match utc_seconds(value) {
        Some(t) => t,
        None => OffsetDateTime::parse(value, &Rfc3339).ok()?,
    };
    (t.year() > 1).then_some(t)
}

/// The common shapes `YYYY-MM-DDTHH:MM:SSZ` and `YYYY-MM-DDTHH:MM:SS.fffffffZ` (Graph sends
/// up to seven fractional digits), read without the general parser.
fn utc_seconds(value: &str) -> Option<OffsetDateTime> {
    let b = value.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[b.len() - 1] != b'Z'
    {
        return None;
    }
    let number = |digits: &[u8]| -> Option<u32> {
        digits.iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let nanosecond = match &b[19..b.len() - 1] {
        [] => 0,
        [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
            number(fraction)? * 10u32.pow(9 - fraction.len() as u32)
        }
        _ => return None,
    };
    let (year, month, day) = (
        i32::try_from(number(&b[0..4])?).ok()?,
        usize::try_from(number(&b[5..7])?).ok()?,
        u16::try_from(number(&b[8..10])?).ok()?,
    );
    // The day of the year, worked out here: no month to build and check on the way.
    const DAYS_BEFORE: [u16; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let leap = u16::from(time::util::is_leap_year(year));
    let first = *DAYS_BEFORE.get(month.checked_sub(1)?)? + u16::from(month > 2) * leap;
    let next = DAYS_BEFORE
        .get(month)
        .map_or(365 + leap, |&n| n + u16::from(month >= 2) * leap);
    if day == 0 || first + day > next {
        return None;
    }
    let date = time::Date::from_ordinal_date(year, first + day).ok()?;
    let clock = time::Time::from_hms_nano(
        u8::try_from(number(&b[11..13])?).ok()?,
        u8::try_from(number(&b[14..16])?).ok()?,
        u8::try_from(number(&b[17..19])?).ok()?,
        nanosecond,
    )
    .ok()?;
    Some(date.with_time(clock).assume_utc())
}

/// The text members of `managedDevice` a device is built from, in the order
/// [`device_fields`] takes them.
pub const DEVICE_TEXT_MEMBERS: [&str; 17] = [
    "id",
    "deviceName",
    "userDisplayName",
    "userPrincipalName",
    "operatingSystem",
    "osVersion",
    "model",
    "manufacturer",
    "serialNumber",
    "complianceState",
    "managementState",
    "deviceEnrollmentType",
    "managedDeviceOwnerType",
    "lastSyncDateTime",
    "enrolledDateTime",
    "azureADDeviceId",
    "deviceType",
];

/// The device's fields as the domain reads them, from the text of each of
/// [`DEVICE_TEXT_MEMBERS`] (`None`: null or not sent) and `skuNumber`.
pub fn device_fields<'a>(text: [Option<&'a str>; 17], sku_number: Option<u32>) -> DeviceFields<'a> {
    let [
        id,
        name,
        user_display_name,
        user_principal_name,
        operating_system,
        os_version,
        model,
        manufacturer,
        serial_number,
        compliance_state,
        management_state,
        enrollment_type,
        owner_type,
        last_sync,
        enrolled,
        azure_ad_device_id,
        device_type,
    ] = text;
    let or_empty = |value: Option<&'a str>| Cow::Borrowed(value.unwrap_or(""));
    DeviceFields {
        id: or_empty(id),
        name: or_empty(name),
        user_display_name: or_empty(user_display_name),
        user_principal_name: or_empty(user_principal_name),
        operating_system: or_empty(operating_system),
        os_version: or_empty(os_version),
        model: or_empty(model),
        manufacturer: or_empty(manufacturer),
        serial_number: or_empty(serial_number),
        compliance_state: ComplianceState::from_wire(compliance_state.unwrap_or("unknown")),
        management_state: ManagementState::from_wire(management_state.unwrap_or("managed")),
        enrollment_type: EnrollmentType::from_wire(enrollment_type.unwrap_or("unknown")),
        owner_type: OwnerType::from_wire(owner_type.unwrap_or("unknown")),
        last_sync_date_time: parse_time(last_sync),
        enrolled_date_time: parse_time(enrolled),
        azure_ad_device_id: or_empty(azure_ad_device_id),
        device_type: device_type.map(Cow::Borrowed),
        sku_number,
    }
}

impl WireDevice<'_> {
    /// The domain device.
    pub fn into_domain(self) -> Device {
        Device::new(self.fields())
    }

    /// The device's fields as the domain reads them, borrowed from these.
    pub fn fields(&self) -> DeviceFields<'_> {
        device_fields(
            [
                Some(&*self.id),
                self.device_name.as_deref(),
                self.user_display_name.as_deref(),
                self.user_principal_name.as_deref(),
                self.operating_system.as_deref(),
                self.os_version.as_deref(),
                self.model.as_deref(),
                self.manufacturer.as_deref(),
                self.serial_number.as_deref(),
                self.compliance_state.as_deref(),
                self.management_state.as_deref(),
                self.device_enrollment_type.as_deref(),
                self.managed_device_owner_type.as_deref(),
                self.last_sync_date_time.as_deref(),
                self.enrolled_date_time.as_deref(),
                self.azure_ad_device_id.as_deref(),
                self.device_type.as_deref(),
            ],
            self.sku_number,
        )
    }
}

/// `remoteAssistancePartner` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WirePartner {
    pub id: String,
    pub display_name: Option<String>,
    pub onboarding_url: Option<String>,
    pub onboarding_status: Option<String>,
    pub last_connection_date_time: Option<String>,
}

impl WirePartner {
    /// The domain connector.
    pub fn into_domain(self) -> Connector {
        Connector {
            id: Some(sanitize(&self.id)),
            display_name: self
                .display_name
                .as_deref()
                .map_or_else(|| "TeamViewer".to_string(), sanitize),
            onboarding_url: self.onboarding_url.as_deref().and_then(sanitize_url),
            onboarding_status: OnboardingStatus::from_wire(
                self.onboarding_status.as_deref().unwrap_or("notOnboarded"),
            ),
            last_connection_date_time: parse_time(self.last_connection_date_time.as_deref()),
            choice: None,
        }
    }

    /// True when the partner's display name says TeamViewer. Nothing documents the name
    /// (Microsoft's own example calls it "Display Name value"), so this only breaks a tie.
    pub fn names_teamviewer(&self) -> bool {
        self.display_name
            .as_deref()
            .is_some_and(|n| n.to_ascii_lowercase().contains("teamviewer"))
    }
}

/// `rolePermission` as sent by `getEffectivePermissions`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireRolePermission {
    #[serde(default)]
    pub resource_actions: Vec<WireResourceAction>,
    /// Deprecated beta field with the same meaning as allowed actions.
    #[serde(default)]
    pub actions: Vec<String>,
}

/// One `resourceAction`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireResourceAction {
    #[serde(default)]
    pub allowed_resource_actions: Vec<String>,
    #[serde(default)]
    pub not_allowed_resource_actions: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_times_are_read_without_the_general_parser_exactly_as_it_reads_them() {
        let general = |value: &str| OffsetDateTime::parse(value, &Rfc3339).ok();
        let mut read_fast = 0;
        for year in [1, 1900, 1999, 2000, 2023, 2024, 2100, 9999] {
            for month in 0..=13 {
                for day in 0..=32 {
                    for clock in ["00:00:00", "23:59:59", "24:00:00", "12:60:00", "12:00:60"] {
                        for fraction in ["", ".5", ".1234567", ".123456789", ".", ".1234567890"] {
                            let value = format!("{year:04}-{month:02}-{day:02}T{clock}{fraction}Z");
                            let (fast, expected) = (utc_seconds(&value), general(&value));
                            assert_eq!(fast.or(expected), expected, "{value}");
                            // More than nine digits of a second go to the general parser.
                            if expected.is_some() && fraction.len() <= 10 {
                                assert_eq!(fast, expected, "{value} is read without the parser");
                                read_fast += 1;
                            }
                        }
                    }
                }
            }
        }
        // Every valid day of those years, at two times of day and four fractions.
        assert_eq!(read_fast, (6 * 365 + 2 * 366) * 2 * 4);
    }
}
