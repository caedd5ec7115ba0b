//! The broad platform families remote assistance tells apart.

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
        let starts = |prefix: &str| {
            os.get(..prefix.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
        };
        let is = |name: &str| os.eq_ignore_ascii_case(name);
        if starts("windows") {
            Platform::Windows
        } else if starts("android") {
            Platform::Android
        } else if is("ios") || is("ipados") {
            Platform::Ios
        } else if is("macos") || is("macmdm") || is("mac os x") {
            Platform::MacOs
        } else {
            Platform::Other
        }
    }
}
