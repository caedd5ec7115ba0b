//! A seeded, deterministic generator of realistic Intune tenants.

use time::{Duration, OffsetDateTime};

/// One managed device as the simulated Intune service stores it (wire spellings).
#[derive(Clone, Debug)]
pub struct SimDevice {
    pub id: String,
    pub device_name: String,
    pub managed_device_name: String,
    pub user_id: String,
    pub user_display_name: String,
    pub user_principal_name: String,
    pub email_address: String,
    pub operating_system: String,
    pub os_version: String,
    pub model: String,
    pub manufacturer: String,
    pub serial_number: String,
    pub compliance_state: &'static str,
    pub management_state: &'static str,
    pub management_agent: &'static str,
    pub owner_type: &'static str,
    pub enrollment_type: &'static str,
    pub registration_state: &'static str,
    pub last_sync: OffsetDateTime,
    pub enrolled: OffsetDateTime,
    pub azure_ad_device_id: String,
    pub is_encrypted: bool,
    pub is_supervised: bool,
    pub device_type: &'static str,
    pub sku_family: &'static str,
    pub sku_number: u32,
    pub imei: String,
    pub wifi_mac: String,
    pub physical_memory: u64,
    pub notes: String,
    /// Filled once a remote assistance session exists for the device.
    pub remote_assistance_session_url: Option<String>,
    pub remote_assistance_session_error: Option<String>,
}

/// What kind of device to make; drives the whole row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    WindowsLaptop,
    WindowsUserless,
    Windows10S,
    HoloLens,
    SurfaceHub,
    Android,
    AndroidDedicated,
    Ios,
    MacOs,
    Linux,
}

impl Kind {
    /// Picks a kind with the tenant's platform mix (weights out of 1000).
    fn pick(rng: &mut fastrand::Rng) -> Kind {
        const MIX: [(Kind, u32); 10] = [
            (Kind::WindowsLaptop, 520),
            (Kind::WindowsUserless, 35),
            (Kind::Windows10S, 15),
            (Kind::HoloLens, 12),
            (Kind::SurfaceHub, 8),
            (Kind::Android, 150),
            (Kind::AndroidDedicated, 30),
            (Kind::Ios, 140),
            (Kind::MacOs, 80),
            (Kind::Linux, 10),
        ];
        let mut roll = rng.u32(0..1000);
        for (kind, weight) in MIX {
            if roll < weight {
                return kind;
            }
            roll -= weight;
        }
        Kind::WindowsLaptop
    }
}

const FIRST: [&str; 40] = [
    "Alice", "Bruno", "Chloé", "Dmitri", "Emma", "Farid", "Grace", "Hiroshi", "Ines", "Jonas",
    "Kavya", "Liam", "Mei", "Noah", "Olga", "Pablo", "Quinn", "Rania", "Sven", "Tomás", "Uma",
    "Viktor", "Wen", "Ximena", "Yusuf", "Zoë", "Amara", "Bea", "Carlos", "Dana", "Elif", "Finn",
    "Greta", "Hassan", "Isla", "Jae-won", "Kofi", "Lena", "Mateo", "Nora",
];
const LAST: [&str; 40] = [
    "Smith",
    "Müller",
    "García",
    "Kowalski",
    "Nguyen",
    "Okafor",
    "Rossi",
    "Tanaka",
    "Dubois",
    "Andersen",
    "Patel",
    "Silva",
    "Cohen",
    "O'Brien",
    "Novak",
    "Haddad",
    "Lindqvist",
    "Kim",
    "Fischer",
    "Moreau",
    "Ivanova",
    "Yilmaz",
    "Costa",
    "Schmidt",
    "Larsen",
    "Brown",
    "Wilson",
    "Jensen",
    "Romero",
    "Fernandes",
    "Khan",
    "Meyer",
    "Bianchi",
    "Sato",
    "Popescu",
    "Hughes",
    "Nakamura",
    "Weber",
    "Alvarez",
    "Berg",
];
const DEPTS: [&str; 8] = ["FIN", "HR", "ENG", "OPS", "SALES", "LEGAL", "MKT", "IT"];

fn pick<'a>(rng: &mut fastrand::Rng, items: &[&'a str]) -> &'a str {
    items[rng.usize(0..items.len())]
}

/// A GUID-shaped id drawn from the generator.
pub fn guid(rng: &mut fastrand::Rng) -> String {
    let a = rng.u128(..);
    let h = format!("{a:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn alnum(rng: &mut fastrand::Rng, len: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
    (0..len)
        .map(|_| CHARS[rng.usize(0..CHARS.len())] as char)
        .collect()
}

fn mac(rng: &mut fastrand::Rng) -> String {
    (0..6)
        .map(|_| format!("{:02x}", rng.u8(..)))
        .collect::<Vec<_>>()
        .join("")
}

/// Generates `count` devices from `seed`, with times relative to `now`.
pub fn generate(count: usize, seed: u64, now: OffsetDateTime) -> Vec<SimDevice> {
    let mut rng = fastrand::Rng::with_seed(seed);
    (0..count).map(|i| device(&mut rng, i, now)).collect()
}

fn device(rng: &mut fastrand::Rng, index: usize, now: OffsetDateTime) -> SimDevice {
    let kind = Kind::pick(rng);
    let first = pick(rng, &FIRST);
    let last = pick(rng, &LAST);
    let user_slug = format!("{}.{}", ascii_slug(first), ascii_slug(last));
    let userless = matches!(
        kind,
        Kind::WindowsUserless | Kind::SurfaceHub | Kind::AndroidDedicated
    );
    let (display, upn, user_id) = if userless {
        (String::new(), String::new(), String::new())
    } else {
        (
            format!("{first} {last}"),
            format!(
                "{user_slug}{}@contoso.com",
                if index % 7 == 3 { "2" } else { "" }
            ),
            guid(rng),
        )
    };
    let dept = pick(rng, &DEPTS);
    let (os, version, model, maker, name, enrollment, device_type, sku_family, sku): (
        &str,
        String,
        &str,
        &str,
        String,
        &str,
        &str,
        &str,
        u32,
    ) = match kind {
        Kind::WindowsLaptop => {
            let (model, maker) = *[
                ("Latitude 7440", "Dell Inc."),
                ("ThinkPad X1 Carbon Gen 11", "LENOVO"),
                ("Surface Laptop 5", "Microsoft Corporation"),
                ("EliteBook 840 G10", "HP"),
                ("OptiPlex 7010", "Dell Inc."),
            ]
            .get(rng.usize(0..5))
            .unwrap_or(&("Latitude 7440", "Dell Inc."));
            let prefix = if rng.bool() { "DESKTOP" } else { "LAPTOP" };
            let build = if rng.u8(0..10) < 7 {
                "10.0.22631."
            } else {
                "10.0.19045."
            };
            (
                "Windows",
                format!("{build}{}", rng.u16(3000..4500)),
                model,
                maker,
                format!("{prefix}-{}", alnum(rng, 7)),
                *[
                    "windowsAzureADJoin",
                    "windowsAutoEnrollment",
                    "windowsCoManagement",
                    "userEnrollment",
                ]
                .get(rng.usize(0..4))
                .unwrap_or(&"windowsAzureADJoin"),
                "desktop",
                "Enterprise",
                4,
            )
        }
        Kind::WindowsUserless => (
            "Windows",
            format!("10.0.22631.{}", rng.u16(3000..4500)),
            "OptiPlex 3000 Thin Client",
            "Dell Inc.",
            format!("KIOSK-{dept}-{:03}", rng.u16(1..999)),
            if rng.bool() {
                "deviceEnrollmentManager"
            } else {
                "windowsBulkUserless"
            },
            "desktop",
            "Enterprise",
            4,
        ),
        Kind::Windows10S => (
            "Windows",
            format!("10.0.19045.{}", rng.u16(3000..4500)),
            "Surface Laptop Go",
            "Microsoft Corporation",
            format!("STUDENT-{}", alnum(rng, 6)),
            "windowsAzureADJoin",
            "desktop",
            "Windows 10 S",
            0xB2,
        ),
        Kind::HoloLens => (
            "Windows",
            format!("10.0.20348.{}", rng.u16(1000..2000)),
            "HoloLens 2",
            "Microsoft Corporation",
            format!("HOLOLENS-{}", alnum(rng, 6)),
            "windowsAzureADJoin",
            "holoLens",
            "Holographic for Business",
            0x88,
        ),
        Kind::SurfaceHub => (
            "Windows",
            format!("10.0.19045.{}", rng.u16(3000..4500)),
            "Surface Hub 2S",
            "Microsoft Corporation",
            format!("HUB-{dept}-{:02}", rng.u8(1..40)),
            "windowsBulkUserless",
            "surfaceHub",
            "Team",
            0x77,
        ),
        Kind::Android | Kind::AndroidDedicated => {
            let (model, maker) = *[
                ("Pixel 8", "Google"),
                ("Galaxy S23", "samsung"),
                ("Galaxy Tab Active4 Pro", "samsung"),
                ("TC58", "Zebra Technologies"),
            ]
            .get(rng.usize(0..4))
            .unwrap_or(&("Pixel 8", "Google"));
            let dedicated = kind == Kind::AndroidDedicated;
            (
                "Android",
                format!("{}.0", rng.u8(12..15)),
                model,
                maker,
                if dedicated {
                    format!("SCANNER-{dept}-{:03}", rng.u16(1..999))
                } else {
                    format!("{}_Android_{}", ascii_slug(first), alnum(rng, 4))
                },
                // Android Enterprise: a few corporate-owned devices with a user (fully
                // managed, corporate-owned work profile) among personally-owned work profiles.
                match (dedicated, index % 10) {
                    (true, _) => "androidEnterpriseDedicatedDevice",
                    (false, 0) => "androidEnterpriseCorporateWorkProfile",
                    (false, 5) => "androidEnterpriseFullyManaged",
                    (false, _) => "userEnrollment",
                },
                if dedicated {
                    "androidEnterprise"
                } else {
                    "androidForWork"
                },
                "",
                0,
            )
        }
        Kind::Ios => {
            let ipad = rng.u8(0..3) == 0;
            (
                if ipad { "iPadOS" } else { "iOS" },
                format!("17.{}.{}", rng.u8(0..6), rng.u8(0..3)),
                if ipad {
                    "iPad Air (5th generation)"
                } else {
                    "iPhone 15"
                },
                "Apple",
                format!("{}’s {}", first, if ipad { "iPad" } else { "iPhone" }),
                if rng.bool() {
                    "appleBulkWithUser"
                } else {
                    "userEnrollment"
                },
                if ipad { "iPad" } else { "iPhone" },
                "",
                0,
            )
        }
        Kind::MacOs => (
            "macOS",
            format!("14.{}", rng.u8(0..7)),
            "MacBook Pro (14-inch, 2023)",
            "Apple",
            format!(
                "{}s-MacBook-Pro",
                first
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect::<String>()
            ),
            "appleBulkWithUser",
            "macMDM",
            "",
            0,
        ),
        Kind::Linux => (
            "Linux",
            "22.04".to_string(),
            "Precision 5570",
            "Dell Inc.",
            format!("ubuntu-{}", alnum(rng, 5).to_lowercase()),
            "userEnrollment",
            "linux",
            "",
            0,
        ),
    };
    let compliance = match rng.u8(0..100) {
        0..80 => "compliant",
        80..92 => "noncompliant",
        92..96 => "inGracePeriod",
        96..98 => "unknown",
        _ => "error",
    };
    let management = match rng.u16(0..1000) {
        0..6 => "retirePending",
        6..9 => "wipePending",
        _ => "managed",
    };
    // Most devices sync within a day; a long tail goes quiet for weeks.
    let sync_minutes = if rng.u8(0..10) < 8 {
        rng.i64(1..1440)
    } else {
        rng.i64(1440..60 * 24 * 45)
    };
    let last_sync = now - Duration::minutes(sync_minutes);
    let enrolled = last_sync - Duration::days(rng.i64(1..900));
    let serial = alnum(rng, 10);
    SimDevice {
        id: guid(rng),
        managed_device_name: format!("{}_{}_{}", ascii_slug(first), os, enrolled.date()),
        device_name: name,
        user_id,
        email_address: upn.clone(),
        user_display_name: display,
        user_principal_name: upn,
        operating_system: os.to_string(),
        os_version: version,
        model: model.to_string(),
        manufacturer: maker.to_string(),
        serial_number: serial,
        compliance_state: compliance,
        management_state: management,
        management_agent: "mdm",
        owner_type: if matches!(kind, Kind::Android | Kind::Ios)
            && rng.bool()
            && enrollment == "userEnrollment"
        {
            "personal"
        } else {
            "company"
        },
        enrollment_type: enrollment,
        registration_state: "registered",
        last_sync,
        enrolled,
        azure_ad_device_id: guid(rng),
        is_encrypted: rng.u8(0..10) > 0,
        is_supervised: matches!(kind, Kind::Ios),
        device_type,
        sku_family,
        sku_number: sku,
        imei: if matches!(kind, Kind::Android | Kind::Ios) {
            format!("35{:013}", rng.u64(0..10_000_000_000_000))
        } else {
            String::new()
        },
        wifi_mac: mac(rng),
        physical_memory: 1024 * 1024 * 1024 * [8u64, 16, 32][rng.usize(0..3)],
        notes: String::new(),
        remote_assistance_session_url: None,
        remote_assistance_session_error: None,
    }
}

/// Lower-case ASCII form of a name for user principal names (`Zoë` → `zoe`).
fn ascii_slug(name: &str) -> String {
    name.chars()
        .filter_map(|c| match c {
            'a'..='z' | 'A'..='Z' => Some(c.to_ascii_lowercase()),
            'é' | 'ë' | 'è' => Some('e'),
            'á' | 'à' | 'ä' => Some('a'),
            'ü' | 'ú' => Some('u'),
            'ö' | 'ó' => Some('o'),
            'í' => Some('i'),
            'ñ' => Some('n'),
            _ => None,
        })
        .collect()
}

/// Gives the users of a tenant other than Contoso addresses of their own organisation
/// (`fabrikam.onmicrosoft.com` → `@fabrikam.com`).
pub fn move_users_to(devices: &mut [SimDevice], tenant_domain: &str) {
    let organisation = tenant_domain.split('.').next().unwrap_or("contoso");
    if organisation.is_empty() || organisation == "contoso" {
        return;
    }
    let domain = format!("@{organisation}.com");
    for device in devices {
        device.user_principal_name = device.user_principal_name.replace("@contoso.com", &domain);
        device.email_address = device.email_address.replace("@contoso.com", &domain);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_mixed() {
        let now = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
        let a = generate(2000, 7, now);
        let b = generate(2000, 7, now);
        assert_eq!(a.len(), 2000);
        assert!(
            a.iter()
                .zip(&b)
                .all(|(x, y)| x.id == y.id && x.device_name == y.device_name)
        );
        for kind in [
            "holoLens",
            "surfaceHub",
            "androidEnterprise",
            "macMDM",
            "iPhone",
        ] {
            assert!(a.iter().any(|d| d.device_type == kind), "no {kind}");
        }
        assert!(a.iter().any(|d| d.sku_number == 0xB2));
        assert!(a.iter().any(|d| d.enrollment_type == "windowsBulkUserless"));
        assert!(
            a.iter()
                .any(|d| d.enrollment_type == "deviceEnrollmentManager")
        );
        assert!(a.iter().any(|d| d.operating_system == "Linux"));
        let ids: std::collections::HashSet<_> = a.iter().map(|d| &d.id).collect();
        assert_eq!(ids.len(), a.len());
    }
}
