//! Finding a device from what an admin types — an id, a name, part of a name or a serial
//! number — in one round trip, without waiting for the whole inventory.
//!
//! The queries use only the filters Microsoft documents for `managedDevice` (api-facts §1.3):
//! `deviceName eq`, `contains(deviceName, …)` and `serialNumber eq`, plus a GET by id when the
//! text looks like one. They go out together; the answer ranks what came back. Whether Graph
//! compares strings ignoring case is not documented, so a name typed in lower case is also
//! asked for in upper case (how Windows names its devices).

use super::{DeviceQuery, GraphClient, looks_like_guid};
use crate::domain::Device;
use crate::domain::text::sanitize;
use crate::http::{ApiError, ErrorKind, Service};

/// The most devices each query asks for.
pub const LOOKUP_LIMIT: u32 = 50;

/// What Graph found for the text, by how it matched.
#[derive(Clone, Debug, Default)]
pub struct DeviceMatches {
    /// The device whose id the text is.
    pub by_id: Option<Device>,
    /// Devices named exactly so.
    pub by_name: Vec<Device>,
    /// Devices with that serial number.
    pub by_serial: Vec<Device>,
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
    /// The best class of match: the id, else exact names, else serial numbers, else names
    /// containing the text.
    pub fn best(self) -> Lookup {
        if let Some(device) = self.by_id {
            return Lookup::One(Box::new(device));
        }
        for mut class in [self.by_name, self.by_serial, self.containing] {
            match class.len() {
                0 => continue,
                1 => return Lookup::One(Box::new(class.remove(0))),
                _ => return Lookup::Several(class),
            }
        }
        Lookup::None
    }

    /// Every device found, best first, each once.
    pub fn all(&self) -> Vec<Device> {
        let mut out: Vec<Device> = Vec::new();
        let classes = self
            .by_id
            .iter()
            .chain(&self.by_name)
            .chain(&self.by_serial)
            .chain(&self.containing);
        for device in classes {
            if !out.iter().any(|d| d.id() == device.id()) {
                out.push(device.clone());
            }
        }
        out
    }
}

impl GraphClient {
    /// Asks Graph for the devices `text` names, every way at once (one round trip). A query
    /// Graph refuses is left out; only when every one fails is the first failure returned.
    pub async fn find_devices(&self, text: &str) -> Result<DeviceMatches, ApiError> {
        let text = text.trim();
        let page = |query: DeviceQuery| async move {
            let query = DeviceQuery {
                page_size: Some(LOOKUP_LIMIT),
                ..query
            };
            self.devices_page(&super::DeviceCursor::First(query))
                .await
                .map(|p| p.devices)
        };
        let by_id = async {
            if !looks_like_guid(text) {
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
        let upper = text.to_uppercase();
        let by_upper_name = async {
            if upper == text {
                return Ok(Vec::new());
            }
            page(DeviceQuery {
                device_name: Some(upper.clone()),
                ..DeviceQuery::default()
            })
            .await
        };
        let (by_id, by_name, by_upper_name, by_serial, containing) = tokio::join!(
            by_id,
            page(DeviceQuery {
                device_name: Some(text.to_string()),
                ..DeviceQuery::default()
            }),
            by_upper_name,
            page(DeviceQuery {
                serial_number: Some(text.to_string()),
                ..DeviceQuery::default()
            }),
            page(DeviceQuery {
                name_containing: Some(text.to_string()),
                ..DeviceQuery::default()
            }),
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
        let mut names = keep(by_name);
        for device in keep(by_upper_name) {
            if !names.iter().any(|d| d.id() == device.id()) {
                names.push(device);
            }
        }
        let matches = DeviceMatches {
            by_name: names,
            by_serial: keep(by_serial),
            containing: keep(containing),
            by_id: match by_id {
                Ok(device) => device,
                Err(error) => {
                    first_error.get_or_insert(error);
                    None
                }
            },
        };
        let answered = matches.by_id.is_some()
            || !matches.by_name.is_empty()
            || !matches.by_serial.is_empty()
            || !matches.containing.is_empty();
        match first_error {
            // A query Graph refused, with nothing found by the others: the lookup failed
            // (not found would be a guess).
            Some(error) if !answered => Err(error),
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
