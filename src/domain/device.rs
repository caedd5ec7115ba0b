//! Managed devices and the rule that says whether remote assistance can reach them.

use std::borrow::Cow;

use serde::Serialize;
use time::OffsetDateTime;

use super::platform::Platform;
use super::text::{MAX_NAME_CHARS, sanitize_into};

use super::wire_enum::wire_enum;

wire_enum!(
    /// Intune's compliance verdict for a device.
    ComplianceState {
        Unknown = "unknown" => "Unknown",
        Compliant = "compliant" => "Compliant",
        Noncompliant = "noncompliant" => "Not compliant",
        Conflict = "conflict" => "Conflict",
        Error = "error" => "Error",
        InGracePeriod = "inGracePeriod" => "In grace period",
        ConfigManager = "configManager" => "Config Manager",
    }
);

wire_enum!(
    /// Whether Intune still manages the device, or is retiring or wiping it.
    ManagementState {
        Managed = "managed" => "Managed",
        RetirePending = "retirePending" => "Retire pending",
        RetireFailed = "retireFailed" => "Retire failed",
        WipePending = "wipePending" => "Wipe pending",
        WipeFailed = "wipeFailed" => "Wipe failed",
        Unhealthy = "unhealthy" => "Unhealthy",
        DeletePending = "deletePending" => "Delete pending",
        RetireIssued = "retireIssued" => "Retire issued",
        WipeIssued = "wipeIssued" => "Wipe issued",
        WipeCanceled = "wipeCanceled" => "Wipe canceled",
        RetireCanceled = "retireCanceled" => "Retire canceled",
        Discovered = "discovered" => "Discovered",
    }
);

wire_enum!(
    /// How the device was enrolled.
    EnrollmentType {
        Unknown = "unknown" => "Unknown",
        UserEnrollment = "userEnrollment" => "User enrollment",
        DeviceEnrollmentManager = "deviceEnrollmentManager" => "Device enrollment manager",
        AppleBulkWithUser = "appleBulkWithUser" => "Apple bulk with user",
        AppleBulkWithoutUser = "appleBulkWithoutUser" => "Apple bulk without user",
        WindowsAzureAdJoin = "windowsAzureADJoin" => "Entra join",
        WindowsBulkUserless = "windowsBulkUserless" => "Windows bulk, userless",
        WindowsAutoEnrollment = "windowsAutoEnrollment" => "Windows automatic enrollment",
        WindowsBulkAzureDomainJoin = "windowsBulkAzureDomainJoin" => "Windows bulk Entra join",
        WindowsCoManagement = "windowsCoManagement" => "Co-management",
        WindowsAzureAdJoinUsingDeviceAuth = "windowsAzureADJoinUsingDeviceAuth" => "Entra join (device auth)",
        AppleUserEnrollment = "appleUserEnrollment" => "Apple user enrollment",
        AppleUserEnrollmentWithServiceAccount = "appleUserEnrollmentWithServiceAccount" => "Apple user enrollment (service account)",
        AndroidEnterpriseDedicatedDevice = "androidEnterpriseDedicatedDevice" => "dedicated",
        AndroidEnterpriseFullyManaged = "androidEnterpriseFullyManaged" => "fully managed",
        AndroidEnterpriseCorporateWorkProfile = "androidEnterpriseCorporateWorkProfile" => "corporate-owned work profile",
    }
);

wire_enum!(
    /// Who owns the device.
    OwnerType {
        Unknown = "unknown" => "Unknown",
        Company = "company" => "Corporate",
        Personal = "personal" => "Personal",
    }
);

/// A device managed by Intune, with every string sanitised.
///
/// Its text lives in one allocation: a tenant's list holds 100 000 of these, so a device
/// costs one string, not one per field. Read the text through the accessors; build a device
/// from [`DeviceFields`].
#[derive(Clone, PartialEq)]
pub struct Device {
    /// The text fields, one after another, in [`TextField`] order.
    text: Box<str>,
    /// Where each text field ends in `text`.
    ends: [u16; TEXT_FIELDS],
    /// Whether Graph sent `deviceType` (an empty one included).
    has_device_type: bool,
    /// The compliance, management, enrollment and ownership states, each as its code, or
    /// [`OTHER`] when Graph sent a value this version does not know (kept in the text).
    states: [u8; 4],
    /// When the device last checked in.
    pub last_sync_date_time: Option<OffsetDateTime>,
    /// When the device was enrolled.
    pub enrolled_date_time: Option<OffsetDateTime>,
    /// Graph beta `skuNumber`: the Windows product type (GetProductInfo), when sent.
    pub sku_number: Option<u32>,
}

/// The text fields of a device, in the order they are stored.
#[derive(Clone, Copy)]
///
/// The fields `/` searches come first, so they are one stretch of the text.
enum TextField {
    Id,
    AzureAdDeviceId,
    Name,
    UserDisplayName,
    UserPrincipalName,
    SerialNumber,
    Model,
    OperatingSystem,
    OsVersion,
    Manufacturer,
    DeviceType,
    /// The states Graph sent that this version does not know, as sent.
    ComplianceOther,
    ManagementOther,
    EnrollmentOther,
    OwnerOther,
}

const TEXT_FIELDS: usize = 15;

/// How many fields `/` searches: the first ones of [`TextField`], from the id to the model.
pub const SEARCHED_FIELDS: usize = 7;

/// The state code that means "not a known value: see the text".
const OTHER: u8 = u8::MAX;

/// A state as its code, and its text when it is not a known value.
fn state_code(code: Option<u8>, wire: &str) -> (u8, &str) {
    match code {
        Some(code) if code != OTHER => (code, ""),
        _ => (OTHER, wire),
    }
}

/// What a [`Device`] is built from: its fields as given, sanitised when the device is built.
#[derive(Clone, Debug)]
pub struct DeviceFields<'a> {
    pub id: Cow<'a, str>,
    pub name: Cow<'a, str>,
    pub user_display_name: Cow<'a, str>,
    pub user_principal_name: Cow<'a, str>,
    pub operating_system: Cow<'a, str>,
    pub os_version: Cow<'a, str>,
    pub model: Cow<'a, str>,
    pub manufacturer: Cow<'a, str>,
    pub serial_number: Cow<'a, str>,
    pub compliance_state: ComplianceState,
    pub management_state: ManagementState,
    pub enrollment_type: EnrollmentType,
    pub owner_type: OwnerType,
    pub last_sync_date_time: Option<OffsetDateTime>,
    pub enrolled_date_time: Option<OffsetDateTime>,
    pub azure_ad_device_id: Cow<'a, str>,
    /// Graph beta `deviceType` (e.g. `holoLens`, `surfaceHub`), when the service sent it.
    pub device_type: Option<Cow<'a, str>>,
    pub sku_number: Option<u32>,
}

impl Default for DeviceFields<'_> {
    /// An empty, managed device: states unknown, no dates.
    fn default() -> Self {
        DeviceFields {
            id: Cow::Borrowed(""),
            name: Cow::Borrowed(""),
            user_display_name: Cow::Borrowed(""),
            user_principal_name: Cow::Borrowed(""),
            operating_system: Cow::Borrowed(""),
            os_version: Cow::Borrowed(""),
            model: Cow::Borrowed(""),
            manufacturer: Cow::Borrowed(""),
            serial_number: Cow::Borrowed(""),
            compliance_state: ComplianceState::Unknown,
            management_state: ManagementState::Managed,
            enrollment_type: EnrollmentType::Unknown,
            owner_type: OwnerType::Unknown,
            last_sync_date_time: None,
            enrolled_date_time: None,
            azure_ad_device_id: Cow::Borrowed(""),
            device_type: None,
            sku_number: None,
        }
    }
}

impl Device {
    /// Builds a device, sanitising every text field into one allocation.
    pub fn new(fields: DeviceFields<'_>) -> Device {
        let compliance = state_code(
            fields.compliance_state.code(),
            fields.compliance_state.as_wire(),
        );
        let management = state_code(
            fields.management_state.code(),
            fields.management_state.as_wire(),
        );
        let enrollment = state_code(
            fields.enrollment_type.code(),
            fields.enrollment_type.as_wire(),
        );
        let owner = state_code(fields.owner_type.code(), fields.owner_type.as_wire());
        let texts: [&str; TEXT_FIELDS] = [
            &fields.id,
            &fields.azure_ad_device_id,
            &fields.name,
            &fields.user_display_name,
            &fields.user_principal_name,
            &fields.serial_number,
            &fields.model,
            &fields.operating_system,
            &fields.os_version,
            &fields.manufacturer,
            fields.device_type.as_deref().unwrap_or(""),
            compliance.1,
            management.1,
            enrollment.1,
            owner.1,
        ];
        let mut text = String::with_capacity(texts.iter().map(|t| t.len()).sum());
        let mut ends = [0u16; TEXT_FIELDS];
        for (end, field) in ends.iter_mut().zip(texts) {
            sanitize_into(&mut text, field, MAX_NAME_CHARS);
            // Fifteen fields of at most 256 characters of at most 4 bytes fit in a u16.
            *end = u16::try_from(text.len()).unwrap_or(u16::MAX);
        }
        Device {
            text: text.into_boxed_str(),
            ends,
            has_device_type: fields.device_type.is_some(),
            states: [compliance.0, management.0, enrollment.0, owner.0],
            last_sync_date_time: fields.last_sync_date_time,
            enrolled_date_time: fields.enrolled_date_time,
            sku_number: fields.sku_number,
        }
    }

    /// The fields this device was built from, to build a changed copy.
    pub fn fields(&self) -> DeviceFields<'_> {
        DeviceFields {
            id: self.id().into(),
            name: self.name().into(),
            user_display_name: self.user_display_name().into(),
            user_principal_name: self.user_principal_name().into(),
            operating_system: self.operating_system().into(),
            os_version: self.os_version().into(),
            model: self.model().into(),
            manufacturer: self.manufacturer().into(),
            serial_number: self.serial_number().into(),
            compliance_state: self.compliance_state(),
            management_state: self.management_state(),
            enrollment_type: self.enrollment_type(),
            owner_type: self.owner_type(),
            last_sync_date_time: self.last_sync_date_time,
            enrolled_date_time: self.enrolled_date_time,
            azure_ad_device_id: self.azure_ad_device_id().into(),
            device_type: self.device_type().map(Cow::Borrowed),
            sku_number: self.sku_number,
        }
    }

    fn field(&self, field: TextField) -> &str {
        let i = field as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.text.get(start..self.ends[i] as usize).unwrap_or("")
    }

    /// The fields `/` searches (id, Entra device id, name, primary user, UPN, serial number,
    /// model) as stored, one after another, and where each ends in that text.
    pub fn searched_text(&self) -> (&str, &[u16; SEARCHED_FIELDS]) {
        let end = self.ends[SEARCHED_FIELDS - 1] as usize;
        let ends = self
            .ends
            .first_chunk::<SEARCHED_FIELDS>()
            .unwrap_or(&[0; SEARCHED_FIELDS]);
        (self.text.get(..end).unwrap_or(""), ends)
    }

    /// Graph's id of the managed device.
    pub fn id(&self) -> &str {
        self.field(TextField::Id)
    }

    /// `deviceName`.
    pub fn name(&self) -> &str {
        self.field(TextField::Name)
    }

    /// The primary user's display name.
    pub fn user_display_name(&self) -> &str {
        self.field(TextField::UserDisplayName)
    }

    /// The primary user's UPN; empty for userless devices.
    pub fn user_principal_name(&self) -> &str {
        self.field(TextField::UserPrincipalName)
    }

    /// Graph's free-form `operatingSystem`.
    pub fn operating_system(&self) -> &str {
        self.field(TextField::OperatingSystem)
    }

    /// `osVersion`.
    pub fn os_version(&self) -> &str {
        self.field(TextField::OsVersion)
    }

    /// `model`.
    pub fn model(&self) -> &str {
        self.field(TextField::Model)
    }

    /// `manufacturer`.
    pub fn manufacturer(&self) -> &str {
        self.field(TextField::Manufacturer)
    }

    /// `serialNumber`.
    pub fn serial_number(&self) -> &str {
        self.field(TextField::SerialNumber)
    }

    /// The Entra device id.
    pub fn azure_ad_device_id(&self) -> &str {
        self.field(TextField::AzureAdDeviceId)
    }

    /// Graph beta `deviceType` (e.g. `holoLens`, `surfaceHub`), when the service sent it.
    pub fn device_type(&self) -> Option<&str> {
        self.has_device_type
            .then(|| self.field(TextField::DeviceType))
    }

    /// Intune's compliance verdict.
    pub fn compliance_state(&self) -> ComplianceState {
        ComplianceState::from_code(self.states[0])
            .unwrap_or_else(|| ComplianceState::from_wire(self.field(TextField::ComplianceOther)))
    }

    /// Whether Intune still manages the device.
    pub fn management_state(&self) -> ManagementState {
        ManagementState::from_code(self.states[1])
            .unwrap_or_else(|| ManagementState::from_wire(self.field(TextField::ManagementOther)))
    }

    /// How the device was enrolled.
    pub fn enrollment_type(&self) -> EnrollmentType {
        EnrollmentType::from_code(self.states[2])
            .unwrap_or_else(|| EnrollmentType::from_wire(self.field(TextField::EnrollmentOther)))
    }

    /// Who owns the device.
    pub fn owner_type(&self) -> OwnerType {
        OwnerType::from_code(self.states[3])
            .unwrap_or_else(|| OwnerType::from_wire(self.field(TextField::OwnerOther)))
    }
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device")
            .field("id", &self.id())
            .field("name", &self.name())
            .field("user_principal_name", &self.user_principal_name())
            .field("operating_system", &self.operating_system())
            .field("model", &self.model())
            .field("management_state", &self.management_state())
            .field("enrollment_type", &self.enrollment_type())
            .field("device_type", &self.device_type())
            .field("sku_number", &self.sku_number)
            .finish_non_exhaustive()
    }
}

/// A device as `--json` writes it: Graph's names for Graph's fields.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DeviceJson<'a> {
    id: &'a str,
    device_name: &'a str,
    user_display_name: &'a str,
    user_principal_name: &'a str,
    operating_system: &'a str,
    os_version: &'a str,
    model: &'a str,
    manufacturer: &'a str,
    serial_number: &'a str,
    compliance_state: ComplianceState,
    management_state: ManagementState,
    device_enrollment_type: EnrollmentType,
    managed_device_owner_type: OwnerType,
    #[serde(with = "time::serde::rfc3339::option")]
    last_sync_date_time: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    enrolled_date_time: Option<OffsetDateTime>,
    #[serde(rename = "azureADDeviceId")]
    azure_ad_device_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    device_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sku_number: Option<u32>,
}

impl Serialize for Device {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        DeviceJson {
            id: self.id(),
            device_name: self.name(),
            user_display_name: self.user_display_name(),
            user_principal_name: self.user_principal_name(),
            operating_system: self.operating_system(),
            os_version: self.os_version(),
            model: self.model(),
            manufacturer: self.manufacturer(),
            serial_number: self.serial_number(),
            compliance_state: self.compliance_state(),
            management_state: self.management_state(),
            device_enrollment_type: self.enrollment_type(),
            managed_device_owner_type: self.owner_type(),
            last_sync_date_time: self.last_sync_date_time,
            enrolled_date_time: self.enrolled_date_time,
            azure_ad_device_id: self.azure_ad_device_id(),
            device_type: self.device_type(),
            sku_number: self.sku_number,
        }
        .serialize(serializer)
    }
}

impl Device {
    /// The device's platform family.
    pub fn platform(&self) -> Platform {
        Platform::from_operating_system(self.operating_system())
    }

    /// True for devices enrolled without a user, where no Company Portal prompt can appear:
    /// device enrollment manager and Windows bulk enrollments (Windows Configuration
    /// Designer). A device with no primary user recorded is not userless by that alone.
    pub fn is_userless(&self) -> bool {
        matches!(
            self.enrollment_type(),
            EnrollmentType::DeviceEnrollmentManager
                | EnrollmentType::WindowsBulkUserless
                | EnrollmentType::WindowsBulkAzureDomainJoin
        )
    }

    /// True when `needle` (already lower-case) occurs in any field `/` searches.
    pub fn matches(&self, needle_lower: &str) -> bool {
        self.searched_fields()
            .iter()
            .any(|field| contains_ci(field, needle_lower))
    }

    /// The fields `/` searches, in their stored order.
    pub fn searched_fields(&self) -> [&str; SEARCHED_FIELDS] {
        [
            self.id(),
            self.azure_ad_device_id(),
            self.name(),
            self.user_display_name(),
            self.user_principal_name(),
            self.serial_number(),
            self.model(),
        ]
    }
}

/// Case-insensitive substring test; `needle` must already be lower-case.
pub(super) fn contains_ci(haystack: &str, needle_lower: &str) -> bool {
    if haystack.is_ascii() && needle_lower.is_ascii() {
        let (h, n) = (haystack.as_bytes(), needle_lower.as_bytes());
        n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
    } else {
        haystack.to_lowercase().contains(needle_lower)
    }
}

#[cfg(test)]
pub(crate) mod tests {
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
    fn a_device_keeps_every_field_in_one_string() {
        let laptop = windows_laptop();
        assert_eq!(laptop.name(), "DESKTOP-7F3K");
        assert_eq!(laptop.user_principal_name(), "alice@contoso.com");
        assert_eq!(laptop.os_version(), "10.0.22631.3447");
        assert_eq!(laptop.azure_ad_device_id(), "");
        assert_eq!(Device::new(laptop.fields()), laptop);
        // No per-field strings: the whole device is its fixed part and one allocation.
        assert!(
            std::mem::size_of::<Device>() <= 96,
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
        assert_eq!(
            device.model().chars().count(),
            crate::domain::text::MAX_NAME_CHARS
        );
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
}
