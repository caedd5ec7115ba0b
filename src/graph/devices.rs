//! Managed devices: listing every page, one device, and what remote assistance left on it.

use reqwest::Method;
use url::Url;

use super::device_page::PageInto;
use super::parsers::Parsers;
use super::wire::{Page, WireDevice};
use super::{
    ApiVersion, BETA_DEVICE_FIELDS, DEVICE_FIELDS, GraphClient, Op, PAGE_SIZE, odata_string,
    path_segment,
};
use crate::domain::text::sanitize;
use crate::domain::{Device, DeviceRef, DeviceTable, Permission};
use crate::http::{ApiError, Idempotency, Service, parse_json, parse_json_seed};

/// Which devices to list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeviceQuery {
    /// Only this `operatingSystem` (e.g. `Windows`), filtered by Graph.
    pub operating_system: Option<String>,
    /// Only devices with exactly this name (`deviceName eq`).
    pub device_name: Option<String>,
    /// Only devices whose name contains this (`contains(deviceName, …)`).
    pub name_containing: Option<String>,
    /// Only devices with exactly this serial number (`serialNumber eq`).
    pub serial_number: Option<String>,
    /// Only the devices of this user (`userPrincipalName eq`).
    pub user_principal_name: Option<String>,
    /// Only devices whose user's email address contains this (`contains(emailAddress, …)`).
    pub email_containing: Option<String>,
    /// Only the device with this Entra device id (`azureADDeviceId eq`; Graph documents it
    /// as not combined with `$count`, so none is asked for).
    pub azure_ad_device_id: Option<String>,
    /// Devices per page (Graph's `$top`); the most Graph sends when unset.
    pub page_size: Option<u32>,
}

/// Where the next page of devices comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceCursor {
    /// The first page of a query.
    First(DeviceQuery),
    /// A page Graph pointed to with `@odata.nextLink`.
    Next(Url),
}

/// One page of devices.
#[derive(Clone, Debug)]
pub struct DevicePage {
    /// The page's devices, in order, as a list holds them.
    pub devices: DeviceTable,
    /// The next page, if any.
    pub next: Option<DeviceCursor>,
    /// Graph's count of all matching devices, when it sent one.
    pub total: Option<u64>,
}

/// Where the next page is, read without building the devices: from the bytes around the
/// devices when the page is laid out as Graph writes it, else by a scan of the whole body.
fn read_next(response: &crate::http::Response) -> Result<Option<DeviceCursor>, ApiError> {
    let link = match super::next_link::around_items(&response.body) {
        Some(link) => Some(link),
        None => match sonic_rs::from_slice::<Page<serde::de::IgnoredAny>>(&response.body) {
            Ok(page) => page.next_link,
            Err(_) => {
                parse_json::<Page<serde::de::IgnoredAny>>(Service::Graph, response)?.next_link
            }
        },
    };
    match link {
        Some(link) => Ok(Some(DeviceCursor::Next(Url::parse(&link).map_err(
            |_| {
                ApiError::malformed(Service::Graph, "@odata.nextLink is not a URL")
                    .with_request_id(response.request_id())
            },
        )?))),
        None => Ok(None),
    }
}

/// Reads a device list page exactly as a fetched one is read: for tests and fuzzing of
/// untrusted bodies.
pub fn parse_device_page(body: bytes::Bytes) -> Result<DevicePage, ApiError> {
    read_device_page(crate::http::Response {
        status: reqwest::StatusCode::OK,
        headers: reqwest::header::HeaderMap::new(),
        body,
    })
}

/// Reads a device list response exactly as a fetched one is read, its errors carrying the
/// response's request id.
pub fn read_device_page(response: crate::http::Response) -> Result<DevicePage, ApiError> {
    let next = read_next(&response)?;
    RawDevicePage { response, next }.parse()
}

/// A page of devices as it came, its devices not yet parsed.
pub struct RawDevicePage {
    response: crate::http::Response,
    /// The next page, if any.
    pub next: Option<DeviceCursor>,
}

impl RawDevicePage {
    /// Parses the devices (CPU work: call it off the async threads for large pages), each
    /// straight into the page's table from strings borrowed from the body.
    pub fn parse(self) -> Result<DevicePage, ApiError> {
        use serde::de::DeserializeSeed;
        // A SIMD parser reads the devices at about twice serde_json's speed, which matters at
        // 100 000 devices; serde_json reads a faulty body again for its precise error.
        let mut devices = DeviceTable::with_capacity(
            self.response.body.len() / DEVICE_BYTES_GUESS,
            self.response.body.len() / 4,
        );
        let mut sonic = sonic_rs::Deserializer::from_slice(&self.response.body);
        let read = PageInto(&mut devices)
            .deserialize(&mut sonic)
            .and_then(|head| sonic.end().map(|()| head));
        let head = match read {
            Ok(head) => head,
            Err(_) => {
                devices = DeviceTable::default();
                parse_json_seed(Service::Graph, &self.response, PageInto(&mut devices))?
            }
        };
        Ok(DevicePage {
            devices,
            next: self.next,
            total: head.count,
        })
    }
}

/// How many pages the requests may run ahead of the page being handed over. On a fast link
/// the requests outrun the parsing (which yields to them), and pages that wait let both
/// cores parse until the last; each page waiting holds its body (some 0.6 MB at Graph's 1 000
/// devices a page).
const PAGES_AHEAD: usize = 8;

/// About how many bytes of a page each device takes, for the room a page's table reserves.
const DEVICE_BYTES_GUESS: usize = 512;

/// What remote assistance left on a device: the link or error of its latest session request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AssistanceStatus {
    /// `remoteAssistanceSessionUrl`, sanitised; any format (only web links are opened).
    pub session_url: Option<String>,
    /// `remoteAssistanceSessionErrorDetails`, sanitised.
    pub error_details: Option<String>,
}

/// Why a sync may be refused although the role allows it.
const SYNC_FORBIDDEN_HINT: &str = "the app registration lacks admin consent for \
    DeviceManagementManagedDevices.PrivilegedOperations.All, which Sync needs, or the device is \
    outside the scope groups or scope tags of your Intune role assignment";

impl GraphClient {
    /// Fetches one page of devices.
    pub async fn devices_page(&self, cursor: &DeviceCursor) -> Result<DevicePage, ApiError> {
        self.devices_page_raw(cursor).await?.parse()
    }

    /// Fetches one page of devices and reads where the next one is, leaving the devices
    /// themselves to [`RawDevicePage::parse`].
    pub async fn devices_page_raw(&self, cursor: &DeviceCursor) -> Result<RawDevicePage, ApiError> {
        let url = match cursor {
            DeviceCursor::First(query) => self.first_page_url(query)?,
            DeviceCursor::Next(url) => {
                self.check_same_origin(url)?;
                url.clone()
            }
        };
        let op = Op {
            what: "the device list",
            ..Op::default()
        };
        let response = self
            .call(Method::GET, url, None, Idempotency::Safe, op)
            .await?;
        let next = read_next(&response)?;
        Ok(RawDevicePage { response, next })
    }

    /// Every page of devices matching `query`, in order, to `on_page` (which returns false to
    /// stop). The next pages are fetched while the last ones are parsed on threads below the
    /// app's priority, so parsing neither holds up the network nor runs on the async threads.
    pub async fn each_device_page(
        &self,
        query: DeviceQuery,
        mut on_page: impl FnMut(Result<DevicePage, ApiError>) -> bool,
    ) {
        type Parsing = tokio::sync::oneshot::Receiver<(
            Result<DevicePage, ApiError>,
            Option<crate::clock::BusyGuard>,
        )>;
        // Pages are parsed as soon as they arrive, a few at a time, on threads that yield to
        // the requests and the screen, and handed over in order.
        let parsers = Parsers::start();
        let (parsing_tx, mut parsing_rx) = tokio::sync::mpsc::channel::<Parsing>(PAGES_AHEAD);
        let fetch = async move {
            let mut cursor = DeviceCursor::First(query);
            loop {
                let raw = self.devices_page_raw(&cursor).await;
                let next = raw.as_ref().ok().and_then(|r| r.next.clone());
                // The page counts as work until it has been handed on.
                let busy = self.http.clock().busy();
                let parsing = parsers.run(move || (raw.and_then(RawDevicePage::parse), busy));
                if parsing_tx.send(parsing).await.is_err() {
                    return;
                }
                match next {
                    Some(next) => cursor = next,
                    None => return,
                }
            }
        };
        let parse = async move {
            while let Some(parsing) = parsing_rx.recv().await {
                let (page, busy) = parsing.await.unwrap_or_else(|_| {
                    let error = ApiError::malformed(
                        Service::Graph,
                        "parsing the device list stopped: a page could not be read",
                    );
                    (Err(error), None)
                });
                let failed = page.is_err();
                let go_on = on_page(page);
                drop(busy);
                if !go_on || failed {
                    return;
                }
            }
        };
        tokio::join!(fetch, parse);
    }

    /// The URL of the first page of devices matching `query`.
    pub fn first_page_url(&self, query: &DeviceQuery) -> Result<Url, ApiError> {
        let mut url = self.url(self.devices_version, "deviceManagement/managedDevices")?;
        let select = self.device_select();
        let mut filters = Vec::new();
        if let Some(os) = &query.operating_system {
            filters.push(format!("operatingSystem eq {}", odata_string(os)));
        }
        if let Some(name) = &query.device_name {
            filters.push(format!("deviceName eq {}", odata_string(name)));
        }
        if let Some(part) = &query.name_containing {
            filters.push(format!("contains(deviceName,{})", odata_string(part)));
        }
        if let Some(serial) = &query.serial_number {
            filters.push(format!("serialNumber eq {}", odata_string(serial)));
        }
        if let Some(upn) = &query.user_principal_name {
            filters.push(format!("userPrincipalName eq {}", odata_string(upn)));
        }
        if let Some(part) = &query.email_containing {
            filters.push(format!("contains(emailAddress,{})", odata_string(part)));
        }
        if let Some(id) = &query.azure_ad_device_id {
            filters.push(format!("azureADDeviceId eq {}", odata_string(id)));
        }
        {
            let mut pairs = url.query_pairs_mut();
            pairs.append_pair("$select", &select);
            if !filters.is_empty() {
                pairs.append_pair("$filter", &filters.join(" and "));
            }
            pairs.append_pair("$top", &query.page_size.unwrap_or(PAGE_SIZE).to_string());
            if query.azure_ad_device_id.is_none() {
                pairs.append_pair("$count", "true");
            }
        }
        Ok(url)
    }

    /// The token goes only to the configured Graph origin, whatever a nextLink says.
    fn check_same_origin(&self, url: &Url) -> Result<(), ApiError> {
        if url.origin() == self.root.origin() {
            Ok(())
        } else {
            Err(ApiError::malformed(
                Service::Graph,
                "@odata.nextLink points to another host; not following it",
            ))
        }
    }

    /// Every device matching `query`, following every page; `progress(loaded, total)` is told
    /// after each page.
    pub async fn all_devices(
        &self,
        query: DeviceQuery,
        mut progress: impl FnMut(usize, Option<u64>),
    ) -> Result<Vec<Device>, ApiError> {
        let mut cursor = Some(DeviceCursor::First(query));
        let mut devices = Vec::new();
        let mut total = None;
        while let Some(current) = cursor {
            let page = self.devices_page(&current).await?;
            total = page.total.or(total);
            devices.extend(page.devices.iter().map(DeviceRef::to_device));
            progress(devices.len(), total);
            cursor = page.next;
        }
        Ok(devices)
    }

    /// The `$select` of the device list and of one device, for the configured version.
    fn device_select(&self) -> String {
        match self.devices_version {
            ApiVersion::Beta => format!("{DEVICE_FIELDS},{BETA_DEVICE_FIELDS}"),
            ApiVersion::V1 => DEVICE_FIELDS.to_string(),
        }
    }

    /// Graph's answer for one device by id, with the properties `select` names.
    async fn get_device(
        &self,
        version: ApiVersion,
        id: &str,
        select: &str,
    ) -> Result<crate::http::Response, ApiError> {
        let mut url = self.url(
            version,
            &format!("deviceManagement/managedDevices/{}", path_segment(id)),
        )?;
        url.query_pairs_mut().append_pair("$select", select);
        let what = format!("device {}", sanitize(id));
        let op = Op {
            what: &what,
            forbidden_hint: Some(super::DEVICE_SCOPE_HINT),
            ..Op::default()
        };
        self.call(Method::GET, url, None, Idempotency::Safe, op)
            .await
    }

    /// One device by id.
    pub async fn device(&self, id: &str) -> Result<Device, ApiError> {
        let select = self.device_select();
        let response = self.get_device(self.devices_version, id, &select).await?;
        let wire: WireDevice = parse_json(Service::Graph, &response)?;
        Ok(wire.into_domain())
    }

    /// When the device last checked in, read fresh (after a sync).
    pub async fn last_sync(
        &self,
        device_id: &str,
    ) -> Result<Option<time::OffsetDateTime>, ApiError> {
        let response = self
            .get_device(ApiVersion::V1, device_id, "id,lastSyncDateTime")
            .await?;
        let wire: WireDevice = parse_json(Service::Graph, &response)?;
        Ok(super::wire::parse_time(wire.last_sync_date_time.as_deref()))
    }

    /// Asks Intune to start a remote assistance session with the device.
    pub async fn request_remote_assistance(&self, device_id: &str) -> Result<(), ApiError> {
        let url = self.url(
            ApiVersion::V1,
            &format!(
                "deviceManagement/managedDevices/{}/requestRemoteAssistance",
                path_segment(device_id)
            ),
        )?;
        let what = format!("device {}", sanitize(device_id));
        let op = Op {
            what: &what,
            permission: Some(Permission::RequestRemoteAssistance),
            forbidden_hint: Some(super::DEVICE_SCOPE_HINT),
        };
        // Each request prompts the end user again: it is retried only when Graph said it did
        // nothing (429, 503), never after a lost answer.
        self.call(Method::POST, url, None, Idempotency::Unsafe, op)
            .await?;
        Ok(())
    }

    /// Asks Intune to make the device check in now (`syncDevice`, 204). It needs the
    /// permission [`crate::auth::SYNC_PERMISSION`], whose token is asked for only here.
    pub async fn sync_device(&self, device_id: &str) -> Result<(), ApiError> {
        let url = self.url(
            ApiVersion::V1,
            &format!(
                "deviceManagement/managedDevices/{}/syncDevice",
                path_segment(device_id)
            ),
        )?;
        let what = format!("device {}", sanitize(device_id));
        let op = Op {
            what: &what,
            permission: Some(Permission::SyncDevices),
            forbidden_hint: Some(SYNC_FORBIDDEN_HINT),
        };
        // A repeated sync asks the device to check in once more: harmless, so a lost answer
        // may be sent again.
        self.privileged()
            .call(Method::POST, url, None, Idempotency::Safe, op)
            .await?;
        Ok(())
    }

    /// The session URL or error Intune recorded on the device (only a `$select` returns them).
    pub async fn assistance_status(&self, device_id: &str) -> Result<AssistanceStatus, ApiError> {
        let response = self
            .get_device(
                ApiVersion::V1,
                device_id,
                "id,deviceName,remoteAssistanceSessionUrl,remoteAssistanceSessionErrorDetails",
            )
            .await?;
        let wire: WireDevice = parse_json(Service::Graph, &response)?;
        // The link's format is undocumented: whatever Intune recorded is the session, kept
        // as sanitised text. Only a plain web address is ever opened or made clickable.
        let session_url = wire
            .remote_assistance_session_url
            .as_deref()
            .filter(|u| !u.trim().is_empty())
            .map(|u| {
                crate::domain::text::sanitize_bounded(u.trim(), crate::domain::text::MAX_URL_CHARS)
            });
        let error_details = wire
            .remote_assistance_session_error_details
            .as_deref()
            .filter(|e| !e.trim().is_empty())
            .map(sanitize);
        Ok(AssistanceStatus {
            session_url,
            error_details,
        })
    }
}
