//! Managed devices and the rule that says whether remote assistance can reach them.

use std::borrow::Cow;

use serde::Serialize;
use time::OffsetDateTime;

use super::platform::Platform;
use super::text::{MAX_NAME_CHARS, is_sanitized, sanitize_into};

mod searched;
mod states;
mod stored;

pub use searched::Searched;
pub use states::{ComplianceState, EnrollmentType, ManagementState, OwnerType};

/// A device managed by Intune, with every string sanitised: its text, and the facts that are
/// not text.
///
/// A device of its own ([`Device`]) owns its text in one allocation; a device of a list
/// ([`DeviceRef`], from a [`DeviceTable`]) borrows it from the one arena the list's text lives
/// in. Read both through the same accessors; build a device from [`DeviceFields`].
#[derive(Clone, Copy, PartialEq)]
pub struct DeviceOf<T> {
    /// The text fields, one after another, in [`TextField`] order.
    text: T,
    facts: Facts,
}

/// A device that owns its text.
pub type Device = DeviceOf<Box<str>>;

/// A device of a [`DeviceTable`], its text borrowed from the table.
pub type DeviceRef<'a> = DeviceOf<&'a str>;

/// What a device holds besides its text: where each field ends, its states, its times.
///
/// An inventory file stores it as it is, beside the text ([`DeviceTable::extend_stored`]).
#[derive(Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Facts {
    /// How many bytes each text field takes in the text (a field is at most
    /// [`MAX_FIELD_BYTES`]).
    lens: [u8; TEXT_FIELDS],
    /// Whether Graph sent `deviceType` (an empty one included).
    has_device_type: bool,
    /// The compliance, management, enrollment and ownership states, each as its code, or
    /// [`OTHER`] when Graph sent a value this version does not know (kept in the text).
    states: [u8; 4],
    /// Graph beta `skuNumber` ([`NO_SKU`]: not sent).
    sku_number: u32,
    /// When the device last checked in, in nanoseconds since 1970 ([`NO_TIME`]: never).
    last_sync: i64,
    /// When the device was enrolled, the same way.
    enrolled: i64,
}

impl Facts {
    /// Where each field `/` searches ends in the device's text.
    fn searched_ends(&self) -> [u16; SEARCHED_FIELDS] {
        let mut ends = [0u16; SEARCHED_FIELDS];
        let mut end = 0u16;
        for (e, &len) in ends.iter_mut().zip(&self.lens) {
            end += u16::from(len);
            *e = end;
        }
        ends
    }

    /// Where a text field starts and ends in the device's text.
    fn field_range(&self, field: TextField) -> std::ops::Range<usize> {
        let i = field as usize;
        let start: usize = self.lens[..i].iter().map(|&n| usize::from(n)).sum();
        start..start + usize::from(self.lens[i])
    }

    /// How many bytes the device's text takes.
    fn text_len(&self) -> usize {
        self.lens.iter().map(|&n| usize::from(n)).sum()
    }
}

/// A time not known.
const NO_TIME: i64 = i64::MIN;

/// A SKU number not sent.
const NO_SKU: u32 = u32::MAX;

/// The most bytes a text field keeps (its length fits a byte); longer text is cut at a
/// character and ends with `…`.
pub const MAX_FIELD_BYTES: usize = 255;

/// A time as nanoseconds since 1970; times outside 1678–2262 are not kept.
fn nanos(at: Option<OffsetDateTime>) -> i64 {
    at.and_then(|t| i64::try_from(t.unix_timestamp_nanos()).ok())
        .filter(|&n| n != NO_TIME)
        .unwrap_or(NO_TIME)
}

fn time_of(nanos: i64) -> Option<OffsetDateTime> {
    (nanos != NO_TIME)
        .then(|| OffsetDateTime::from_unix_timestamp_nanos(i128::from(nanos)).ok())
        .flatten()
}

/// Cuts the field that starts at `start` of `text` to [`MAX_FIELD_BYTES`], at a character,
/// ending it with `…`.
fn bound_field(text: &mut String, start: usize) {
    if text.len() - start <= MAX_FIELD_BYTES {
        return;
    }
    let mut end = start + MAX_FIELD_BYTES - '…'.len_utf8();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push('…');
}

/// Sanitises `fields` onto the end of `text`, giving each one's length there. Fields that fit
/// and hold nothing that may not be drawn (nearly every device's) are copied as they are and
/// checked as one stretch; any other device is sanitised field by field.
fn write_fields(fields: &[&str; TEXT_FIELDS], text: &mut String) -> [u8; TEXT_FIELDS] {
    let mut lens = [0u8; TEXT_FIELDS];
    let start = text.len();
    if fields.iter().all(|field| field.len() <= MAX_FIELD_BYTES) {
        for (len, field) in lens.iter_mut().zip(fields) {
            text.push_str(field);
            *len = u8::try_from(field.len()).unwrap_or(u8::MAX);
        }
        if is_sanitized(&text[start..]) {
            return lens;
        }
        text.truncate(start);
    }
    for (len, field) in lens.iter_mut().zip(fields) {
        let start = text.len();
        sanitize_into(text, field, MAX_NAME_CHARS);
        bound_field(text, start);
        *len = u8::try_from(text.len() - start).unwrap_or(u8::MAX);
    }
    lens
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
        let mut text = String::new();
        let facts = Facts::write(&fields, &mut text);
        Device {
            text: text.into_boxed_str(),
            facts,
        }
    }

    /// This device, as a list's devices are read.
    pub fn view(&self) -> DeviceRef<'_> {
        DeviceOf {
            text: &self.text,
            facts: self.facts,
        }
    }
}

impl Facts {
    /// Sanitises the text fields of `fields` onto the end of `text`, and gives the rest.
    fn write(fields: &DeviceFields<'_>, text: &mut String) -> Facts {
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
        text.reserve(texts.iter().map(|t| t.len()).sum());
        let lens = write_fields(&texts, text);
        Facts {
            lens,
            has_device_type: fields.device_type.is_some(),
            states: [compliance.0, management.0, enrollment.0, owner.0],
            sku_number: fields.sku_number.filter(|&n| n != NO_SKU).unwrap_or(NO_SKU),
            last_sync: nanos(fields.last_sync_date_time),
            enrolled: nanos(fields.enrolled_date_time),
        }
    }
}

impl DeviceRef<'_> {
    /// A device of its own with this one's text and facts.
    pub fn to_device(self) -> Device {
        DeviceOf {
            text: self.text.into(),
            facts: self.facts,
        }
    }
}

impl<T: AsRef<str>> DeviceOf<T> {
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
            last_sync_date_time: self.last_sync_date_time(),
            enrolled_date_time: self.enrolled_date_time(),
            azure_ad_device_id: self.azure_ad_device_id().into(),
            device_type: self.device_type().map(Cow::Borrowed),
            sku_number: self.sku_number(),
        }
    }

    fn field(&self, field: TextField) -> &str {
        let range = self.facts.field_range(field);
        self.text.as_ref().get(range).unwrap_or("")
    }

    /// When the device last checked in.
    pub fn last_sync_date_time(&self) -> Option<OffsetDateTime> {
        time_of(self.facts.last_sync)
    }

    /// Records when the device last checked in.
    pub fn set_last_sync_date_time(&mut self, at: Option<OffsetDateTime>) {
        self.facts.last_sync = nanos(at);
    }

    /// When the device was enrolled.
    pub fn enrolled_date_time(&self) -> Option<OffsetDateTime> {
        time_of(self.facts.enrolled)
    }

    /// Graph beta `skuNumber`: the Windows product type (GetProductInfo), when sent.
    pub fn sku_number(&self) -> Option<u32> {
        (self.facts.sku_number != NO_SKU).then_some(self.facts.sku_number)
    }

    /// The fields `/` searches (id, Entra device id, name, primary user, UPN, serial number,
    /// model) as stored, one after another, and where each ends in that text.
    pub fn searched_text(&self) -> (&str, [u16; SEARCHED_FIELDS]) {
        let ends = self.facts.searched_ends();
        let end = usize::from(ends[SEARCHED_FIELDS - 1]);
        (self.text.as_ref().get(..end).unwrap_or(""), ends)
    }

    /// The fields `/` searches as bytes, as a search of a list reads them.
    pub fn searched(&self) -> Searched<'_> {
        let (text, ends) = self.searched_text();
        Searched {
            bytes: text.as_bytes(),
            ends,
        }
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
        self.facts
            .has_device_type
            .then(|| self.field(TextField::DeviceType))
    }

    /// Intune's compliance verdict.
    pub fn compliance_state(&self) -> ComplianceState {
        ComplianceState::from_code(self.facts.states[0])
            .unwrap_or_else(|| ComplianceState::from_wire(self.field(TextField::ComplianceOther)))
    }

    /// Whether Intune still manages the device.
    pub fn management_state(&self) -> ManagementState {
        ManagementState::from_code(self.facts.states[1])
            .unwrap_or_else(|| ManagementState::from_wire(self.field(TextField::ManagementOther)))
    }

    /// How the device was enrolled.
    pub fn enrollment_type(&self) -> EnrollmentType {
        EnrollmentType::from_code(self.facts.states[2])
            .unwrap_or_else(|| EnrollmentType::from_wire(self.field(TextField::EnrollmentOther)))
    }

    /// Who owns the device.
    pub fn owner_type(&self) -> OwnerType {
        OwnerType::from_code(self.facts.states[3])
            .unwrap_or_else(|| OwnerType::from_wire(self.field(TextField::OwnerOther)))
    }
}

impl<T: AsRef<str>> std::fmt::Debug for DeviceOf<T> {
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
            .field("sku_number", &self.sku_number())
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

impl<T: AsRef<str>> Serialize for DeviceOf<T> {
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
            last_sync_date_time: self.last_sync_date_time(),
            enrolled_date_time: self.enrolled_date_time(),
            azure_ad_device_id: self.azure_ad_device_id(),
            device_type: self.device_type(),
            sku_number: self.sku_number(),
        }
        .serialize(serializer)
    }
}

impl<T: AsRef<str>> DeviceOf<T> {
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

mod table;

pub use table::DeviceTable;

#[cfg(test)]
pub(crate) mod tests;
