//! The rule that says whether TeamViewer can assist a device: Android and Windows (and the
//! platforms TeamViewer for Intune lists), never HoloLens, Surface Hub or Windows 10 S, and a
//! direct session where no Company Portal can prompt a user.

use serde::Serialize;

use super::device::{DeviceOf, EnrollmentType, ManagementState, OwnerType, contains_ci};
use super::platform::Platform;

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
impl<T: AsRef<str>> DeviceOf<T> {
    fn is_hololens(&self) -> bool {
        self.device_type() == Some("holoLens")
            || contains_ci(self.model(), "hololens")
            || contains_ci(self.operating_system(), "holographic")
    }

    fn is_surface_hub(&self) -> bool {
        self.device_type() == Some("surfaceHub")
            || contains_ci(self.model(), "surface hub")
            || contains_ci(self.operating_system(), "windows team")
    }

    fn is_windows_10_s(&self) -> bool {
        self.sku_number()
            .is_some_and(|sku| WINDOWS_10_S_SKUS.contains(&sku))
    }

    /// Applies TeamViewer for Intune's platform rules to this device.
    pub fn assist(&self) -> Assist {
        let unsupported = |reason: &str| Assist::Unsupported {
            reason: reason.to_string(),
        };
        if self.management_state() != ManagementState::Managed {
            return Assist::Unsupported {
                reason: format!("not managed ({})", self.management_state().label()),
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
                    self.enrollment_type(),
                    EnrollmentType::AndroidEnterpriseDedicatedDevice
                        | EnrollmentType::AndroidEnterpriseFullyManaged
                        | EnrollmentType::AndroidEnterpriseCorporateWorkProfile
                ) =>
            {
                Assist::Unsupported {
                    reason: format!(
                        "Android Enterprise corporate-owned ({}): not supported, no Company Portal",
                        self.enrollment_type().label()
                    ),
                }
            }
            Platform::Android
                if matches!(
                    self.enrollment_type(),
                    EnrollmentType::Other(_) | EnrollmentType::Unknown
                ) && !self.is_userless() =>
            {
                Assist::Unconfirmed {
                    reason: if self.owner_type() == OwnerType::Company {
                        format!(
                            "likely Android Enterprise corporate-owned, which is not supported: \
                             the device is owned by the company and Graph names its enrollment \
                             only as {} (v1.0 has no Android Enterprise modes)",
                            self.enrollment_type().as_wire()
                        )
                    } else {
                        format!(
                            "enrollment type {} is not known here: Android Enterprise \
                             corporate-owned devices are not supported",
                            self.enrollment_type().as_wire()
                        )
                    },
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
            Platform::Windows | Platform::Android | Platform::Ios | Platform::MacOs
                if self.user_principal_name().is_empty() =>
            {
                Assist::Unconfirmed {
                    reason: "no primary user is recorded: the Company Portal prompt reaches \
                             whoever signed in to it; if nobody has, start a direct TeamViewer \
                             session instead"
                        .to_string(),
                }
            }
            Platform::Windows | Platform::Android | Platform::Ios | Platform::MacOs => {
                Assist::Supported
            }
            Platform::Other => Assist::Unsupported {
                reason: format!(
                    "{} is not supported by TeamViewer for Intune",
                    if self.operating_system().is_empty() {
                        "this platform"
                    } else {
                        self.operating_system()
                    }
                ),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::device::tests::windows_laptop;
    use crate::domain::{Device, DeviceFields};

    #[test]
    fn windows_and_android_are_supported() {
        assert_eq!(windows_laptop().assist(), Assist::Supported);
        let phone = Device::new(DeviceFields {
            operating_system: "Android".into(),
            model: "Pixel 8".into(),
            enrollment_type: EnrollmentType::UserEnrollment,
            sku_number: None,
            ..windows_laptop().fields()
        });
        assert_eq!(phone.assist(), Assist::Supported);
    }

    #[test]
    fn hololens_surface_hub_and_windows_10_s_are_not() {
        for device in [
            Device::new(DeviceFields {
                model: "HoloLens 2".into(),
                ..windows_laptop().fields()
            }),
            Device::new(DeviceFields {
                device_type: Some("holoLens".into()),
                ..windows_laptop().fields()
            }),
            Device::new(DeviceFields {
                model: "Surface Hub 2S".into(),
                ..windows_laptop().fields()
            }),
            Device::new(DeviceFields {
                sku_number: Some(0xB2),
                ..windows_laptop().fields()
            }),
            Device::new(DeviceFields {
                sku_number: Some(0xB3),
                ..windows_laptop().fields()
            }),
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
            let phone = Device::new(DeviceFields {
                operating_system: "Android".into(),
                enrollment_type: mode.clone(),
                ..windows_laptop().fields()
            });
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
            let phone = Device::new(DeviceFields {
                operating_system: "Android".into(),
                enrollment_type: EnrollmentType::from_wire(wire),
                ..windows_laptop().fields()
            });
            let assist = phone.assist();
            assert!(
                matches!(&assist, Assist::Unconfirmed { reason } if reason.contains(wire)),
                "{wire} -> {assist:?}"
            );
            assert!(assist.is_possible());
        }
    }

    #[test]
    fn a_company_owned_android_with_an_unnamed_enrollment_is_likely_corporate() {
        for owner in [OwnerType::Company, OwnerType::Personal] {
            let phone = Device::new(DeviceFields {
                operating_system: "Android".into(),
                enrollment_type: EnrollmentType::from_wire("unknownFutureValue"),
                owner_type: owner.clone(),
                ..windows_laptop().fields()
            });
            let assist = phone.assist();
            let Assist::Unconfirmed { reason } = &assist else {
                panic!("{owner:?} -> {assist:?}");
            };
            assert_eq!(
                reason.contains("likely Android Enterprise corporate-owned"),
                owner == OwnerType::Company,
                "{reason}"
            );
            assert!(reason.contains("unknownFutureValue"), "{reason}");
        }
    }

    #[test]
    fn no_primary_user_alone_is_not_userless() {
        let shared = Device::new(DeviceFields {
            enrollment_type: EnrollmentType::WindowsAzureAdJoin,
            user_principal_name: String::new().into(),
            ..windows_laptop().fields()
        });
        assert!(!shared.is_userless());
        let assist = shared.assist();
        assert!(
            matches!(&assist, Assist::Unconfirmed { reason } if reason.contains("no primary user")),
            "{assist:?}"
        );
        for bulk in [
            EnrollmentType::DeviceEnrollmentManager,
            EnrollmentType::WindowsBulkUserless,
            EnrollmentType::WindowsBulkAzureDomainJoin,
        ] {
            let kiosk = Device::new(DeviceFields {
                enrollment_type: bulk.clone(),
                ..windows_laptop().fields()
            });
            assert!(
                matches!(kiosk.assist(), Assist::DirectSession { .. }),
                "{bulk:?} with a user is still userless"
            );
        }
    }

    #[test]
    fn userless_windows_gets_a_direct_session() {
        let kiosk = Device::new(DeviceFields {
            enrollment_type: EnrollmentType::WindowsBulkUserless,
            user_principal_name: String::new().into(),
            ..windows_laptop().fields()
        });
        assert!(matches!(kiosk.assist(), Assist::DirectSession { .. }));
        assert!(kiosk.assist().is_possible());
    }

    #[test]
    fn unmanaged_and_unknown_platforms_are_not() {
        let retiring = Device::new(DeviceFields {
            management_state: ManagementState::RetirePending,
            ..windows_laptop().fields()
        });
        assert_eq!(
            retiring.assist().reason(),
            Some("not managed (Retire pending)")
        );
        let linux = Device::new(DeviceFields {
            operating_system: "Linux".into(),
            ..windows_laptop().fields()
        });
        assert_eq!(
            linux.assist().reason(),
            Some("Linux is not supported by TeamViewer for Intune")
        );
    }
}
