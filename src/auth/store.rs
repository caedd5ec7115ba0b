//! Where secrets live: the OS keyring, chosen explicitly, or memory for this run only.
//!
//! Order tried by [`SecretStore::open`]: the desktop secret service (when a D-Bus session is
//! present), then the kernel keyutils store (works over SSH with no D-Bus), then memory, with a
//! warning that says so. Secrets are never written to a plain file.

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
    /// Process memory: gone when the program exits.
    Memory,
}

impl fmt::Display for StoreKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StoreKind::SecretService => "the secret service",
            StoreKind::Keyutils => "the kernel keyring",
            StoreKind::Memory => "memory (this run only)",
        })
    }
}

/// Which store to use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StorePreference {
    /// The first that works, in the order above.
    #[default]
    Auto,
    SecretService,
    Keyutils,
    Memory,
}

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
            StorePreference::Auto => &[StoreKind::SecretService, StoreKind::Keyutils],
            StorePreference::SecretService => &[StoreKind::SecretService],
            StorePreference::Keyutils => &[StoreKind::Keyutils],
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

#[cfg(target_os = "linux")]
fn build_store(kind: StoreKind) -> Result<Arc<CredentialStore>, String> {
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
        StoreKind::Memory => Ok(SecretStore::memory().store),
    }
}

#[cfg(not(target_os = "linux"))]
fn build_store(kind: StoreKind) -> Result<Arc<CredentialStore>, String> {
    match kind {
        StoreKind::Memory => Ok(SecretStore::memory().store),
        _ => Err("this store is only built on Linux".into()),
    }
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
    fn asking_for_memory_gives_memory_without_warning() {
        let store = SecretStore::open(StorePreference::Memory);
        assert_eq!(store.kind(), StoreKind::Memory);
        assert!(store.warning().is_none());
    }
}
