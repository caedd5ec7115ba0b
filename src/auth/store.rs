//! Where secrets live: the OS keyring, chosen explicitly, or memory for this run only.
//!
//! What `auto` tries, in order ([`SecretStore::open`]):
//! - macOS: the login Keychain;
//! - Windows: the Credential Manager;
//! - Linux: the desktop secret service (when a D-Bus session is present), then the kernel
//!   keyutils store (works over SSH with no D-Bus);
//!
//! then memory, with a warning that says so. Secrets are never written to a plain file. Each
//! store comes from the keyring-rs project (`keyring-core` and its per-platform store crates)
//! and is built only on its platform.

use std::fmt;
use std::sync::Arc;

use keyring_core::{CredentialStore, Entry, Error as KeyringError};

/// The keyring service name every entry is stored under.
pub const SERVICE: &str = "intune-assist";

/// Which store holds the secrets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StoreKind {
    /// The freedesktop secret service (GNOME Keyring, KWallet) over D-Bus.
    SecretService,
    /// The Linux kernel's keyutils keyrings.
    Keyutils,
    /// The macOS login Keychain.
    Keychain,
    /// The Windows Credential Manager.
    WindowsCredentialManager,
    /// Process memory: gone when the program exits.
    Memory,
}

impl fmt::Display for StoreKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StoreKind::SecretService => "the secret service",
            StoreKind::Keyutils => "the kernel keyring",
            StoreKind::Keychain => "the macOS Keychain",
            StoreKind::WindowsCredentialManager => "the Windows Credential Manager",
            StoreKind::Memory => "memory (this run only)",
        })
    }
}

/// Which store to use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StorePreference {
    /// The first that works on this platform, in the order above.
    #[default]
    Auto,
    SecretService,
    Keyutils,
    Keychain,
    WindowsCredentialManager,
    Memory,
}

impl StorePreference {
    /// Every value, as the configuration spells it.
    pub const NAMES: &[&str] = &[
        "auto",
        "secret-service",
        "keyutils",
        "keychain",
        "windows-credential-manager",
        "memory",
    ];
}

/// What `auto` tries on this platform, in order.
pub const AUTO_ORDER: &[StoreKind] = if cfg!(target_os = "macos") {
    &[StoreKind::Keychain]
} else if cfg!(target_os = "windows") {
    &[StoreKind::WindowsCredentialManager]
} else if cfg!(target_os = "linux") {
    &[StoreKind::SecretService, StoreKind::Keyutils]
} else {
    &[]
};

/// A failure of the secret store.
#[derive(Debug, thiserror::Error)]
#[error("the secret store ({kind}) failed: {detail}")]
pub struct StoreError {
    kind: StoreKind,
    detail: String,
}

/// A handle on the chosen store.
#[derive(Clone)]
pub struct SecretStore {
    store: Arc<CredentialStore>,
    kind: StoreKind,
    /// Why a better store could not be used, to tell the admin.
    warning: Option<String>,
}

impl fmt::Debug for SecretStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretStore")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl SecretStore {
    /// Opens the store `preference` asks for, falling back as described in the module docs.
    pub fn open(preference: StorePreference) -> SecretStore {
        let mut reasons = Vec::new();
        let candidates: &[StoreKind] = match preference {
            StorePreference::Auto => AUTO_ORDER,
            StorePreference::SecretService => &[StoreKind::SecretService],
            StorePreference::Keyutils => &[StoreKind::Keyutils],
            StorePreference::Keychain => &[StoreKind::Keychain],
            StorePreference::WindowsCredentialManager => &[StoreKind::WindowsCredentialManager],
            StorePreference::Memory => &[],
        };
        for kind in candidates {
            match try_open(*kind) {
                Ok(store) => {
                    return SecretStore {
                        store,
                        kind: *kind,
                        warning: None,
                    };
                }
                Err(reason) => reasons.push(format!("{kind}: {reason}")),
            }
        }
        let mut store = SecretStore::memory();
        if preference != StorePreference::Memory {
            store.warning = Some(format!(
                "no keyring is usable ({}); sign-ins are kept in memory for this run only",
                reasons.join("; ")
            ));
        }
        store
    }

    /// A store in process memory only.
    pub fn memory() -> SecretStore {
        let store: Arc<CredentialStore> = match keyring_core::mock::Store::new() {
            Ok(store) => store,
            Err(_) => unreachable_memory_store(),
        };
        SecretStore {
            store,
            kind: StoreKind::Memory,
            warning: None,
        }
    }

    /// Which store this is.
    pub fn kind(&self) -> StoreKind {
        self.kind
    }

    /// Why a keyring could not be used, if one could not.
    pub fn warning(&self) -> Option<&str> {
        self.warning.as_deref()
    }

    fn entry(&self, key: &str) -> Result<Entry, StoreError> {
        self.store
            .build(SERVICE, key, None)
            .map_err(|e| self.error(e))
    }

    fn error(&self, error: KeyringError) -> StoreError {
        StoreError {
            kind: self.kind,
            detail: describe(&error),
        }
    }

    /// The secret stored under `key`, if any.
    pub fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        match self.entry(key)?.get_password() {
            Ok(value) => Ok(Some(value)),
            Err(KeyringError::NoEntry) => Ok(None),
            Err(e) => Err(self.error(e)),
        }
    }

    /// Stores `value` under `key`.
    pub fn set(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.entry(key)?
            .set_password(value)
            .map_err(|e| self.error(e))
    }

    /// Removes `key`; removing what is not there is not an error.
    pub fn delete(&self, key: &str) -> Result<(), StoreError> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(KeyringError::NoEntry) => Ok(()),
            Err(e) => Err(self.error(e)),
        }
    }
}

/// The mock store's constructor cannot fail; this keeps that assumption out of `unwrap`.
fn unreachable_memory_store() -> Arc<CredentialStore> {
    struct Empty;
    impl keyring_core::api::CredentialStoreApi for Empty {
        fn vendor(&self) -> String {
            "none".into()
        }
        fn id(&self) -> String {
            "none".into()
        }
        fn build(
            &self,
            _: &str,
            _: &str,
            _: Option<&std::collections::HashMap<&str, &str>>,
        ) -> keyring_core::Result<Entry> {
            Err(KeyringError::NoStorageAccess(
                "no store could be created".into(),
            ))
        }
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
    }
    Arc::new(Empty)
}

fn describe(error: &KeyringError) -> String {
    match error {
        KeyringError::NoStorageAccess(e) | KeyringError::PlatformFailure(e) => e.to_string(),
        other => other.to_string(),
    }
}

/// Opens one kind of store and proves it can write, read and delete.
fn try_open(kind: StoreKind) -> Result<Arc<CredentialStore>, String> {
    let store = build_store(kind)?;
    let probe = store
        .build(SERVICE, "probe", None)
        .map_err(|e| describe(&e))?;
    probe.set_password("probe").map_err(|e| describe(&e))?;
    let read = probe.get_password().map_err(|e| describe(&e))?;
    let _ = probe.delete_credential();
    if read == "probe" {
        Ok(store)
    } else {
        Err("it did not return what was stored".into())
    }
}

/// Builds one kind of store; a store of another platform says it is not built here.
fn build_store(kind: StoreKind) -> Result<Arc<CredentialStore>, String> {
    match kind {
        StoreKind::Memory => Ok(SecretStore::memory().store),
        StoreKind::SecretService | StoreKind::Keyutils => linux_store(kind),
        StoreKind::Keychain => macos_keychain(),
        StoreKind::WindowsCredentialManager => windows_credential_manager(),
    }
}

fn not_built_here(kind: StoreKind) -> String {
    format!(
        "{kind} is not available in a build for {}",
        std::env::consts::OS
    )
}

#[cfg(target_os = "macos")]
fn macos_keychain() -> Result<Arc<CredentialStore>, String> {
    let store: Arc<CredentialStore> =
        apple_native_keyring_store::keychain::Store::new().map_err(|e| describe(&e))?;
    Ok(store)
}

#[cfg(not(target_os = "macos"))]
fn macos_keychain() -> Result<Arc<CredentialStore>, String> {
    Err(not_built_here(StoreKind::Keychain))
}

#[cfg(target_os = "windows")]
fn windows_credential_manager() -> Result<Arc<CredentialStore>, String> {
    let store: Arc<CredentialStore> =
        windows_native_keyring_store::Store::new().map_err(|e| describe(&e))?;
    Ok(store)
}

#[cfg(not(target_os = "windows"))]
fn windows_credential_manager() -> Result<Arc<CredentialStore>, String> {
    Err(not_built_here(StoreKind::WindowsCredentialManager))
}

#[cfg(target_os = "linux")]
fn linux_store(kind: StoreKind) -> Result<Arc<CredentialStore>, String> {
    match kind {
        StoreKind::SecretService => {
            if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
                return Err("no D-Bus session (DBUS_SESSION_BUS_ADDRESS is not set)".into());
            }
            let store: Arc<CredentialStore> =
                zbus_secret_service_keyring_store::Store::new().map_err(|e| describe(&e))?;
            Ok(store)
        }
        StoreKind::Keyutils => {
            // A process started outside a login session (cron, containers, CI) has no session
            // keyring; join a new one. Keys are also linked into the user's persistent keyring,
            // which outlives this process.
            let _ = linux_keyutils::KeyRing::from_special_id(
                linux_keyutils::KeyRingIdentifier::Session,
                true,
            );
            let store: Arc<CredentialStore> =
                linux_keyutils_keyring_store::Store::new().map_err(|e| describe(&e))?;
            Ok(store)
        }
        other => Err(not_built_here(other)),
    }
}

#[cfg(not(target_os = "linux"))]
fn linux_store(kind: StoreKind) -> Result<Arc<CredentialStore>, String> {
    Err(not_built_here(kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_store_round_trips_and_deletes() {
        let store = SecretStore::memory();
        assert_eq!(store.get("k").unwrap(), None);
        store.set("k", "v").unwrap();
        assert_eq!(store.get("k").unwrap().as_deref(), Some("v"));
        store.delete("k").unwrap();
        store.delete("k").unwrap();
        assert_eq!(store.get("k").unwrap(), None);
    }

    #[test]
    fn another_platforms_store_falls_back_to_memory_and_says_why() {
        let foreign = if cfg!(target_os = "macos") {
            StorePreference::WindowsCredentialManager
        } else {
            StorePreference::Keychain
        };
        let store = SecretStore::open(foreign);
        assert_eq!(store.kind(), StoreKind::Memory);
        let warning = store.warning().unwrap_or_default();
        assert!(
            warning.contains("not available in a build for"),
            "{warning}"
        );
    }

    #[test]
    fn auto_tries_this_platforms_native_store() {
        if cfg!(target_os = "linux") {
            assert_eq!(AUTO_ORDER, &[StoreKind::SecretService, StoreKind::Keyutils]);
        } else if cfg!(target_os = "macos") {
            assert_eq!(AUTO_ORDER, &[StoreKind::Keychain]);
        } else if cfg!(target_os = "windows") {
            assert_eq!(AUTO_ORDER, &[StoreKind::WindowsCredentialManager]);
        }
    }

    #[test]
    fn every_preference_name_reads_back() {
        for name in StorePreference::NAMES {
            let read: StorePreference =
                serde_json::from_value(serde_json::Value::String((*name).into())).unwrap();
            assert_eq!(serde_json::to_value(read).unwrap(), *name);
        }
    }

    #[test]
    fn asking_for_memory_gives_memory_without_warning() {
        let store = SecretStore::open(StorePreference::Memory);
        assert_eq!(store.kind(), StoreKind::Memory);
        assert!(store.warning().is_none());
    }
}
