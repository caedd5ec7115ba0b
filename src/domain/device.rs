//! Managed devices and the rule that says whether remote assistance can reach them.

use serde::Serialize;
use time::OffsetDateTime;

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

/// A device managed by Intune, with every string already sanitised.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    pub id: String,
    #[serde(rename = "deviceName")]
    pub name: String,
    pub user_display_name: String,
    pub user_principal_name: String,
    pub operating_system: String,
    pub os_version: String,
    pub model: String,
    pub manufacturer: String,
    pub serial_number: String,
    pub compliance_state: ComplianceState,
    pub management_state: ManagementState,
    #[serde(rename = "deviceEnrollmentType")]
    pub enrollment_type: EnrollmentType,
    #[serde(rename = "managedDeviceOwnerType")]
    pub owner_type: OwnerType,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_sync_date_time: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub enrolled_date_time: Option<OffsetDateTime>,
    #[serde(rename = "azureADDeviceId")]
    pub azure_ad_device_id: String,
    /// Graph beta `deviceType` (e.g. `holoLens`, `surfaceHub`), when the service sent it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_type: Option<String>,
    /// Graph beta `skuNumber`: the Windows product type (GetProductInfo), when sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku_number: Option<u32>,
}

/// The broad platform families remote assistance distinguishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    Windows,
    Android,
    Ios,
    MacOs,
    Other,
}

impl Platform {
    /// Classifies Graph's free-form `operatingSystem` string.
    pub fn from_operating_system(os: &str) -> Self {
        let os = os.to_ascii_lowercase();
        if os.starts_with("windows") {
            Platform::Windows
        } else if os.starts_with("android") {
            Platform::Android
        } else if os == "ios" || os == "ipados" {
            Platform::Ios
        } else if os == "macos" || os == "macmdm" || os == "mac os x" {
            Platform::MacOs
        } else {
            Platform::Other
        }
    }
}

/// Whether a remote assistance session can be offered to a device, and if not, why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Assist {
    /// Intune can request a session; the end user is prompted by the Company Portal.
    Supported,
    /// Intune's request would reach no one: start a TeamViewer session directly and read the
    /// code out to whoever is at the device.
    DirectSession { reason: String },
    /// TeamViewer cannot assist this device.
    Unsupported { reason: String },
    /// Intune can be asked, but the rule could not confirm the device is supported (its
    /// enrollment type is one this tool does not know, as Graph v1.0 reports Android
    /// Enterprise modes): the reason says what to check.
    Unconfirmed { reason: String },
}

impl Assist {
    /// True when any kind of session can be started.
    pub fn is_possible(&self) -> bool {
        !matches!(self, Assist::Unsupported { .. })
    }

    /// Why the device is not plainly supported; `None` when it is.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Assist::Supported => None,
            Assist::DirectSession { reason }
            | Assist::Unsupported { reason }
            | Assist::Unconfirmed { reason } => Some(reason),
        }
    }
}

/// Windows product types (GetProductInfo) of Windows 10 S: PRODUCT_CLOUD and PRODUCT_CLOUDN.
const WINDOWS_10_S_SKUS: [u32; 2] = [0xB2, 0xB3];

impl Device {
    /// The device's platform family.
    pub fn platform(&self) -> Platform {
        Platform::from_operating_system(&self.operating_system)
    }

    /// True for devices enrolled without a user, where no Company Portal prompt can appear.
    pub fn is_userless(&self) -> bool {
        matches!(
            self.enrollment_type,
            EnrollmentType::DeviceEnrollmentManager | EnrollmentType::WindowsBulkUserless
        ) || self.user_principal_name.is_empty()
    }

    fn is_hololens(&self) -> bool {
        self.device_type.as_deref() == Some("holoLens")
            || contains_ci(&self.model, "hololens")
            || contains_ci(&self.operating_system, "holographic")
    }

    fn is_surface_hub(&self) -> bool {
        self.device_type.as_deref() == Some("surfaceHub")
            || contains_ci(&self.model, "surface hub")
            || contains_ci(&self.operating_system, "windows team")
    }

    fn is_windows_10_s(&self) -> bool {
        self.sku_number
            .is_some_and(|sku| WINDOWS_10_S_SKUS.contains(&sku))
    }

    /// Applies TeamViewer for Intune's platform rules to this device.
    pub fn assist(&self) -> Assist {
        let unsupported = |reason: &str| Assist::Unsupported {
            reason: reason.to_string(),
        };
        if self.management_state != ManagementState::Managed {
            return Assist::Unsupported {
                reason: format!("not managed ({})", self.management_state.label()),
            };
        }
        if self.is_hololens() {
            return unsupported("HoloLens is not supported by TeamViewer");
        }
        if self.is_surface_hub() {
            return unsupported("Surface Hub is not supported by TeamViewer");
        }
        if self.is_windows_10_s() {
            return unsupported("Windows 10 S is not supported by TeamViewer");
        }
        match self.platform() {
            Platform::Android
                if matches!(
                    self.enrollment_type,
                    EnrollmentType::AndroidEnterpriseDedicatedDevice
                        | EnrollmentType::AndroidEnterpriseFullyManaged
                        | EnrollmentType::AndroidEnterpriseCorporateWorkProfile
                ) =>
            {
                Assist::Unsupported {
                    reason: format!(
                        "Android Enterprise corporate-owned ({}): not supported, no Company Portal",
                        self.enrollment_type.label()
                    ),
                }
            }
            Platform::Android
                if matches!(
                    self.enrollment_type,
                    EnrollmentType::Other(_) | EnrollmentType::Unknown
                ) && !self.is_userless() =>
            {
                Assist::Unconfirmed {
                    reason: format!(
                        "enrollment type {} is not known here: Android Enterprise corporate-owned \
                         devices are not supported",
                        self.enrollment_type.as_wire()
                    ),
                }
            }
            Platform::Windows | Platform::Android | Platform::Ios | Platform::MacOs
                if self.is_userless() =>
            {
                Assist::DirectSession {
                    reason: "userless enrollment: no Company Portal prompt, use a direct \
                             TeamViewer session"
                        .to_string(),
                }
            }
            Platform::Windows | Platform::Android | Platform::Ios | Platform::MacOs => {
                Assist::Supported
            }
            Platform::Other => Assist::Unsupported {
                reason: format!(
                    "{} is not supported by TeamViewer for Intune",
                    if self.operating_system.is_empty() {
                        "this platform"
                    } else {
                        &self.operating_system
                    }
                ),
            },
        }
    }

    /// True when `needle` (already lower-case) occurs in any searchable field.
    pub fn matches(&self, needle_lower: &str) -> bool {
        [
            &self.name,
            &self.user_display_name,
            &self.user_principal_name,
            &self.serial_number,
            &self.model,
            &self.id,
        ]
        .iter()
        .any(|field| contains_ci(field, needle_lower))
    }
}

/// Case-insensitive substring test; `needle` must already be lower-case.
fn contains_ci(haystack: &str, needle_lower: &str) -> bool {
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
        Device {
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
            azure_ad_device_id: String::new(),
            device_type: None,
            sku_number: Some(4),
        }
    }

    #[test]
    fn windows_and_android_are_supported() {
        assert_eq!(windows_laptop().assist(), Assist::Supported);
        let phone = Device {
            operating_system: "Android".into(),
            model: "Pixel 8".into(),
            enrollment_type: EnrollmentType::UserEnrollment,
            sku_number: None,
            ..windows_laptop()
        };
        assert_eq!(phone.assist(), Assist::Supported);
    }

    #[test]
    fn hololens_surface_hub_and_windows_10_s_are_not() {
        for device in [
            Device {
                model: "HoloLens 2".into(),
                ..windows_laptop()
            },
            Device {
                device_type: Some("holoLens".into()),
                ..windows_laptop()
            },
            Device {
                model: "Surface Hub 2S".into(),
                ..windows_laptop()
            },
            Device {
                sku_number: Some(0xB2),
                ..windows_laptop()
            },
            Device {
                sku_number: Some(0xB3),
                ..windows_laptop()
            },
        ] {
            let assist = device.assist();
            assert!(!assist.is_possible(), "{device:?} -> {assist:?}");
            assert!(assist.reason().is_some_and(|r| r.contains("not supported")));
        }
    }

    #[test]
    fn every_android_enterprise_corporate_owned_mode_is_unsupported() {
        for mode in [
            EnrollmentType::AndroidEnterpriseDedicatedDevice,
            EnrollmentType::AndroidEnterpriseFullyManaged,
            EnrollmentType::AndroidEnterpriseCorporateWorkProfile,
        ] {
            let phone = Device {
                operating_system: "Android".into(),
                enrollment_type: mode.clone(),
                ..windows_laptop()
            };
            let assist = phone.assist();
            assert!(
                matches!(&assist, Assist::Unsupported { reason } if reason.contains("corporate-owned")),
                "{mode:?} -> {assist:?}"
            );
        }
    }

    #[test]
    fn an_unknown_android_enrollment_is_never_silently_supported() {
        for wire in [
            "unknownFutureValue",
            "androidAOSPUserOwnedDeviceEnrollment",
            "unknown",
        ] {
            let phone = Device {
                operating_system: "Android".into(),
                enrollment_type: EnrollmentType::from_wire(wire),
                ..windows_laptop()
            };
            let assist = phone.assist();
            assert!(
                matches!(&assist, Assist::Unconfirmed { reason } if reason.contains(wire)),
                "{wire} -> {assist:?}"
            );
            assert!(assist.is_possible());
        }
    }

    #[test]
    fn userless_windows_gets_a_direct_session() {
        let kiosk = Device {
            enrollment_type: EnrollmentType::WindowsBulkUserless,
            user_principal_name: String::new(),
            ..windows_laptop()
        };
        assert!(matches!(kiosk.assist(), Assist::DirectSession { .. }));
        assert!(kiosk.assist().is_possible());
    }

    #[test]
    fn unmanaged_and_unknown_platforms_are_not() {
        let retiring = Device {
            management_state: ManagementState::RetirePending,
            ..windows_laptop()
        };
        assert_eq!(
            retiring.assist().reason(),
            Some("not managed (Retire pending)")
        );
        let linux = Device {
            operating_system: "Linux".into(),
            ..windows_laptop()
        };
        assert_eq!(
            linux.assist().reason(),
            Some("Linux is not supported by TeamViewer for Intune")
        );
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
}
