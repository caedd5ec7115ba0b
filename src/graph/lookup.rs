//! Finding a device from what an admin — or a caller on the phone — says: an id, a name, part
//! of a name, a serial number, the user's UPN or email, or the Entra device id read off the
//! PC, in one round trip, without waiting for the whole inventory.
//!
//! The queries use only the filters Microsoft documents for `managedDevice` (api-facts §1.3):
//! `deviceName eq`, `contains(deviceName, …)`, `serialNumber eq`, `userPrincipalName eq`,
//! `contains(emailAddress, …)` and `azureADDeviceId eq` (without `$count`, as documented),
//! plus a GET by id when the text looks like one. They go out together; the answer ranks what
//! came back. Whether Graph compares strings ignoring case is not documented, so a name typed
//! in lower case is also asked for in upper case (how Windows names its devices) and a UPN in
//! lower case (how directories write them).

use super::{DeviceQuery, GraphClient, looks_like_guid};
use crate::domain::text::sanitize;
use crate::domain::{Device, DeviceRef};
use crate::http::{ApiError, ErrorKind, Service};

/// The most devices each query asks for.
pub const LOOKUP_LIMIT: u32 = 50;

/// What Graph found for the text, by how it matched.
#[derive(Clone, Debug, Default)]
pub struct DeviceMatches {
    /// The device whose id the text is.
    pub by_id: Option<Device>,
    /// Devices whose Entra device id the text is.
    pub by_entra_id: Vec<Device>,
    /// Devices named exactly so.
    pub by_name: Vec<Device>,
    /// Devices with that serial number.
    pub by_serial: Vec<Device>,
    /// The devices of the user the text names (UPN, or part of an email address).
    pub by_user: Vec<Device>,
    /// Devices whose names contain the text (at most [`LOOKUP_LIMIT`]).
    pub containing: Vec<Device>,
}

/// The outcome of a lookup, as the dashboard and the subcommands act on it.
#[derive(Clone, Debug, PartialEq)]
pub enum Lookup {
    /// One device: open it.
    One(Box<Device>),
    /// Several equally good matches: let the admin pick.
    Several(Vec<Device>),
    /// Nothing matched.
    None,
}

impl DeviceMatches {
    /// The best class of match: the id, else the Entra device id, exact names, serial
    /// numbers, the user's devices, names containing the text. Of a user's devices, the only
    /// one remote assistance can reach is the answer; otherwise all of them are listed.
    pub fn best(self) -> Lookup {
        if let Some(device) = self.by_id {
            return Lookup::One(Box::new(device));
        }
        for mut class in [self.by_entra_id, self.by_name, self.by_serial] {
            match class.len() {
                0 => continue,
                1 => return Lookup::One(Box::new(class.remove(0))),
                _ => return Lookup::Several(class),
            }
        }
        let mut assistable = self.by_user.iter().filter(|d| d.assist().is_possible());
        match (assistable.next(), assistable.next()) {
            (Some(only), None) => return Lookup::One(Box::new(only.clone())),
            _ if !self.by_user.is_empty() => return Lookup::Several(self.by_user),
            _ => {}
        }
        let mut containing = self.containing;
        match containing.len() {
            0 => Lookup::None,
            1 => Lookup::One(Box::new(containing.remove(0))),
            _ => Lookup::Several(containing),
        }
    }

    /// Every device found, best first, each once.
    pub fn all(&self) -> Vec<Device> {
        let mut out: Vec<Device> = Vec::new();
        let classes = self
            .by_id
            .iter()
            .chain(&self.by_entra_id)
            .chain(&self.by_name)
            .chain(&self.by_serial)
            .chain(&self.by_user)
            .chain(&self.containing);
        for device in classes {
            if !out.iter().any(|d| d.id() == device.id()) {
                out.push(device.clone());
            }
        }
        out
    }

    fn is_empty(&self) -> bool {
        self.by_id.is_none()
            && self.by_entra_id.is_empty()
            && self.by_name.is_empty()
            && self.by_serial.is_empty()
            && self.by_user.is_empty()
            && self.containing.is_empty()
    }
}

/// `more` added to `devices`, leaving out those already there.
fn merged(mut devices: Vec<Device>, more: Vec<Device>) -> Vec<Device> {
    for device in more {
        if !devices.iter().any(|d| d.id() == device.id()) {
            devices.push(device);
        }
    }
    devices
}

impl GraphClient {
    /// Asks Graph for the devices `text` names, every way at once (one round trip). A query
    /// Graph refuses is left out of the answer; when nothing was found, a refused query makes
    /// the lookup fail: "no device matches" is said only once every query has answered.
    pub async fn find_devices(&self, text: &str) -> Result<DeviceMatches, ApiError> {
        let text = text.trim();
        let is_guid = looks_like_guid(text);
        let is_user = text.contains('@');
        // Each query runs only when the text can match it; the others answer "nothing".
        let page = |query: Option<DeviceQuery>| async move {
            let Some(query) = query else {
                return Ok(Vec::new());
            };
            let query = DeviceQuery {
                page_size: Some(LOOKUP_LIMIT),
                ..query
            };
            self.devices_page(&super::DeviceCursor::First(query))
                .await
                .map(|p| p.devices.iter().map(DeviceRef::to_device).collect())
        };
        let by_id = async {
            if !is_guid {
                return Ok(None);
            }
            match self.device(text).await {
                Ok(device) => Ok(Some(device)),
                Err(ApiError {
                    kind: ErrorKind::NotFound { .. },
                    ..
                }) => Ok(None),
                Err(error) => Err(error),
            }
        };
        let other_case = |changed: String| (changed != text).then_some(changed);
        let upper = other_case(text.to_uppercase());
        let lower = other_case(text.to_lowercase());
        let (
            by_id,
            by_entra_id,
            by_name,
            by_upper_name,
            by_serial,
            by_upn,
            by_lower_upn,
            by_email,
            containing,
        ) = tokio::join!(
            by_id,
            page(is_guid.then(|| DeviceQuery {
                azure_ad_device_id: Some(text.to_string()),
                ..DeviceQuery::default()
            })),
            page(Some(DeviceQuery {
                device_name: Some(text.to_string()),
                ..DeviceQuery::default()
            })),
            page(upper.map(|upper| DeviceQuery {
                device_name: Some(upper),
                ..DeviceQuery::default()
            })),
            page(Some(DeviceQuery {
                serial_number: Some(text.to_string()),
                ..DeviceQuery::default()
            })),
            page(is_user.then(|| DeviceQuery {
                user_principal_name: Some(text.to_string()),
                ..DeviceQuery::default()
            })),
            page(lower.filter(|_| is_user).map(|lower| DeviceQuery {
                user_principal_name: Some(lower),
                ..DeviceQuery::default()
            })),
            page(is_user.then(|| DeviceQuery {
                email_containing: Some(text.to_string()),
                ..DeviceQuery::default()
            })),
            page(Some(DeviceQuery {
                name_containing: Some(text.to_string()),
                ..DeviceQuery::default()
            })),
        );
        let mut first_error = None;
        let mut keep = |result: Result<Vec<Device>, ApiError>| match result {
            Ok(devices) => devices,
            Err(error) => {
                tracing::debug!(%error, "a device lookup query failed");
                first_error.get_or_insert(error);
                Vec::new()
            }
        };
        let by_name = merged(keep(by_name), keep(by_upper_name));
        let by_user = merged(merged(keep(by_upn), keep(by_lower_upn)), keep(by_email));
        let mut matches = DeviceMatches {
            by_id: None,
            by_entra_id: keep(by_entra_id),
            by_name,
            by_serial: keep(by_serial),
            by_user,
            containing: keep(containing),
        };
        match by_id {
            Ok(device) => matches.by_id = device,
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
        match first_error {
            // A query Graph refused, with nothing found by the others: the lookup failed
            // (not found would be a guess).
            Some(error) if matches.is_empty() => Err(error),
            _ => Ok(matches),
        }
    }

    /// The one device `name_or_id` names: by id, exact name, serial number or a unique part of
    /// a name. Several matches is an error that lists them.
    pub async fn resolve_device(&self, name_or_id: &str) -> Result<Device, ApiError> {
        match self.find_devices(name_or_id).await?.best() {
            Lookup::One(device) => Ok(*device),
            Lookup::None => Err(ApiError::new(
                Service::Graph,
                ErrorKind::NotFound {
                    what: format!("a device named “{}”", sanitize(name_or_id)),
                },
            )),
            Lookup::Several(devices) => Err(ApiError::new(
                Service::Graph,
                ErrorKind::Rejected {
                    status: 300,
                    code: "Ambiguous".into(),
                    message: format!(
                        "{} devices match “{}”; use a name or an id: {}",
                        devices.len(),
                        sanitize(name_or_id),
                        devices
                            .iter()
                            .map(|d| format!("{} ({})", d.name(), d.id()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                },
            )),
        }
    }
}
