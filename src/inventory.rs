//! The local inventory cache: the last complete device list of one tenant and account, so the
//! next start shows the list at once while it is refreshed.
//!
//! One file per tenant and account in the cache directory, created 0600, holding the compact
//! devices themselves (not Graph's JSON). The format is versioned:
//!
//! - a fixed header: the magic `INTUNE-ASSIST-INVENTORY`, the format version, when the listing
//!   completed, how many devices and chunks follow (written last, when the listing completes);
//! - then one chunk per page: its device count, its length, and the devices encoded with
//!   `postcard` (serde's compact binary format: varint lengths, no field names) and compressed
//!   with `zstd` with its checksum on.
//!
//! Why these: `postcard` encodes a device as its text and a few bytes, so nothing but the data
//! is stored; `zstd` packs the repetitive text (models, OS versions, domains) and the hex of the
//! ids to about a third, decompresses at memory speed, and its frame checksum catches damage.
//! Chunks are independent, so reading splits them across the cores. Strings are sanitised again
//! on reading, as if they came from Graph. A damaged, older or newer file is refused with the
//! reason, never trusted.

use std::io::{Seek, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::domain::{
    ComplianceState, Device, DeviceFields, EnrollmentType, ManagementState, OwnerType,
};

/// The first bytes of every inventory file.
const MAGIC: &[u8; 23] = b"INTUNE-ASSIST-INVENTORY";
/// The version this build writes and reads.
pub const VERSION: u32 = 2;
/// Magic, version, written (unix seconds), devices, chunks.
const HEADER_LEN: usize = MAGIC.len() + 4 + 8 + 8 + 4;
/// Each chunk: its device count and its compressed length.
const CHUNK_HEADER_LEN: usize = 4 + 4;
/// zstd's level: the default, a balance of size and speed.
const LEVEL: i32 = 3;
/// The largest page a chunk holds, decompressed (a page of 1 000 devices is about 250 kB).
const MAX_CHUNK: usize = 64 * 1024 * 1024;

/// A cached device list.
#[derive(Clone, Debug)]
pub struct Cached {
    pub devices: Vec<Device>,
    /// When the listing it holds completed.
    pub written: OffsetDateTime,
}

/// The cache directory the platform gives this app (`$XDG_CACHE_HOME/intune-assist`).
pub fn default_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "intune-assist").map(|d| d.cache_dir().to_path_buf())
}

/// Removes every cached inventory in `dir` (signing out); a missing directory is no error.
pub fn delete_all(dir: &Path) -> std::io::Result<usize> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        if name.to_string_lossy().starts_with("inventory-") {
            std::fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// A device as the file stores it: its text fields and states as Graph spells them, its
/// dates as Unix seconds.
#[derive(Serialize, Deserialize)]
struct Stored<'a> {
    #[serde(borrow)]
    text: [&'a str; 11],
    states: (ComplianceState, ManagementState, EnrollmentType, OwnerType),
    last_sync: Option<i64>,
    enrolled: Option<i64>,
    sku_number: Option<u32>,
    has_device_type: bool,
}

fn stored(device: &Device) -> Stored<'_> {
    Stored {
        text: [
            device.id(),
            device.name(),
            device.user_display_name(),
            device.user_principal_name(),
            device.operating_system(),
            device.os_version(),
            device.model(),
            device.manufacturer(),
            device.serial_number(),
            device.azure_ad_device_id(),
            device.device_type().unwrap_or(""),
        ],
        states: (
            device.compliance_state(),
            device.management_state(),
            device.enrollment_type(),
            device.owner_type(),
        ),
        last_sync: device
            .last_sync_date_time
            .map(OffsetDateTime::unix_timestamp),
        enrolled: device
            .enrolled_date_time
            .map(OffsetDateTime::unix_timestamp),
        sku_number: device.sku_number,
        has_device_type: device.device_type().is_some(),
    }
}

fn unix(seconds: Option<i64>) -> Option<OffsetDateTime> {
    seconds.and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
}

/// Builds the device back, sanitising its text as if Graph had sent it.
fn device(stored: &Stored<'_>) -> Device {
    let [
        id,
        name,
        user,
        upn,
        os,
        version,
        model,
        maker,
        serial,
        entra,
        kind,
    ] = stored.text;
    Device::new(DeviceFields {
        id: id.into(),
        name: name.into(),
        user_display_name: user.into(),
        user_principal_name: upn.into(),
        operating_system: os.into(),
        os_version: version.into(),
        model: model.into(),
        manufacturer: maker.into(),
        serial_number: serial.into(),
        compliance_state: stored.states.0.clone(),
        management_state: stored.states.1.clone(),
        enrollment_type: stored.states.2.clone(),
        owner_type: stored.states.3.clone(),
        last_sync_date_time: unix(stored.last_sync),
        enrolled_date_time: unix(stored.enrolled),
        azure_ad_device_id: entra.into(),
        device_type: stored.has_device_type.then_some(kind.into()),
        sku_number: stored.sku_number,
    })
}

/// The inventory file of one tenant and account.
#[derive(Clone, Debug)]
pub struct Inventory {
    path: PathBuf,
}

impl Inventory {
    /// The file for `tenant` and `account` in `dir` (named by a hash of both, so neither
    /// shows in the file name).
    pub fn new(dir: &Path, tenant: &str, account: &str) -> Inventory {
        let digest = Sha256::digest(format!("{tenant}\n{account}").as_bytes());
        let name: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        Inventory {
            path: dir.join(format!("inventory-{name}.cache")),
        }
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The cached list: `Ok(None)` when there is none, `Err` with the reason when the file
    /// cannot be used (damaged, another format version, unreadable).
    pub fn load(&self) -> Result<Option<Cached>, String> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot read {}: {e}", self.path.display())),
        };
        let header = Header::read(&bytes)?;
        let chunks = split_chunks(&bytes, header.chunks)?;
        let counted: u64 = chunks.iter().map(|c| u64::from(c.devices)).sum();
        if counted != header.devices {
            return Err(format!(
                "its chunks hold {counted} devices where its header says {}",
                header.devices
            ));
        }
        let devices = decode_chunks(&chunks, header.devices)?;
        Ok(Some(Cached {
            devices,
            written: header.written,
        }))
    }

    /// Starts writing a new inventory beside the old one; the old one stays until
    /// [`InventoryWriter::finish`] replaces it.
    pub fn writer(&self) -> std::io::Result<InventoryWriter> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let temp = self.path.with_extension("partial");
        let mut body = std::io::BufWriter::new(open_private(&temp)?);
        // The header's place, filled in when the listing completes.
        body.write_all(&[0; HEADER_LEN])?;
        Ok(InventoryWriter {
            target: self.path.clone(),
            temp,
            body,
            devices: 0,
            chunks: 0,
            encoded: Vec::new(),
            compressor: zstd::bulk::Compressor::new(LEVEL)?,
        })
    }

    /// Removes the file, if there is one.
    pub fn delete(&self) -> std::io::Result<()> {
        match std::fs::remove_file(&self.path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

/// The fixed header.
struct Header {
    written: OffsetDateTime,
    devices: u64,
    chunks: u32,
}

impl Header {
    fn bytes(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        let mut at = 0;
        for part in [
            &MAGIC[..],
            &VERSION.to_le_bytes(),
            &self.written.unix_timestamp().to_le_bytes(),
            &self.devices.to_le_bytes(),
            &self.chunks.to_le_bytes(),
        ] {
            out[at..at + part.len()].copy_from_slice(part);
            at += part.len();
        }
        out
    }

    fn read(bytes: &[u8]) -> Result<Header, String> {
        let header = bytes
            .get(..HEADER_LEN)
            .ok_or("it is too short for a header")?;
        if &header[..MAGIC.len()] != MAGIC {
            return Err("it is not an inventory file of this format".into());
        }
        let field = |at: usize, len: usize| &header[MAGIC.len() + at..MAGIC.len() + at + len];
        let version = u32::from_le_bytes(field(0, 4).try_into().unwrap_or_default());
        if version != VERSION {
            return Err(format!(
                "it is format version {version}, this build reads version {VERSION}"
            ));
        }
        let written = i64::from_le_bytes(field(4, 8).try_into().unwrap_or_default());
        Ok(Header {
            written: OffsetDateTime::from_unix_timestamp(written)
                .map_err(|_| "its date is not readable".to_string())?,
            devices: u64::from_le_bytes(field(12, 8).try_into().unwrap_or_default()),
            chunks: u32::from_le_bytes(field(20, 4).try_into().unwrap_or_default()),
        })
    }
}

/// Writes pages as they arrive; nothing replaces the old file until the listing completes.
pub struct InventoryWriter {
    target: PathBuf,
    temp: PathBuf,
    body: std::io::BufWriter<std::fs::File>,
    devices: u64,
    chunks: u32,
    /// One page encoded, reused.
    encoded: Vec<u8>,
    compressor: zstd::bulk::Compressor<'static>,
}

impl InventoryWriter {
    /// Adds a page of devices as one chunk.
    pub fn page(&mut self, devices: &[Device]) -> std::io::Result<()> {
        self.encoded.clear();
        let stored: Vec<Stored<'_>> = devices.iter().map(stored).collect();
        self.encoded = postcard::to_extend(&stored, std::mem::take(&mut self.encoded))
            .map_err(std::io::Error::other)?;
        self.compressor.include_checksum(true)?;
        let compressed = self.compressor.compress(&self.encoded)?;
        let count = u32::try_from(devices.len()).map_err(std::io::Error::other)?;
        let len = u32::try_from(compressed.len()).map_err(std::io::Error::other)?;
        self.body.write_all(&count.to_le_bytes())?;
        self.body.write_all(&len.to_le_bytes())?;
        self.body.write_all(&compressed)?;
        self.devices += u64::from(count);
        self.chunks += 1;
        Ok(())
    }

    /// The listing completed at `written`: the header is filled in, and the file replaces
    /// the old inventory in one rename.
    pub fn finish(mut self, written: OffsetDateTime) -> std::io::Result<()> {
        let header = Header {
            written,
            devices: self.devices,
            chunks: self.chunks,
        };
        self.body.flush()?;
        let file = self.body.get_mut();
        file.seek(std::io::SeekFrom::Start(0))?;
        file.write_all(&header.bytes())?;
        file.sync_all()?;
        std::fs::rename(&self.temp, &self.target)
    }
}

impl Drop for InventoryWriter {
    fn drop(&mut self) {
        // A listing that did not complete leaves the old inventory as it was (after a
        // rename, the temporary file is gone and this does nothing).
        let _ = std::fs::remove_file(&self.temp);
    }
}

/// Creates (or truncates) `path`, readable by its owner only.
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// One chunk as found in the file.
struct Chunk<'a> {
    devices: u32,
    compressed: &'a [u8],
}

/// The chunks after the header, `count` of them, and nothing after.
fn split_chunks(bytes: &[u8], count: u32) -> Result<Vec<Chunk<'_>>, String> {
    let mut chunks = Vec::with_capacity(count as usize);
    let mut at = HEADER_LEN;
    for _ in 0..count {
        let head = bytes
            .get(at..at + CHUNK_HEADER_LEN)
            .ok_or("it ends early")?;
        let devices = u32::from_le_bytes(head[..4].try_into().unwrap_or_default());
        let len = u32::from_le_bytes(head[4..].try_into().unwrap_or_default()) as usize;
        let start = at + CHUNK_HEADER_LEN;
        let compressed = bytes
            .get(start..start + len)
            .ok_or("it ends inside a chunk")?;
        chunks.push(Chunk {
            devices,
            compressed,
        });
        at = start + len;
    }
    if at != bytes.len() {
        return Err("it has bytes after its last chunk".into());
    }
    Ok(chunks)
}

/// Decodes the chunks on every core and gathers them in order as they come, so at most a few
/// pages wait beside the list (gathering whole halves would hold much of the list twice).
fn decode_chunks(chunks: &[Chunk<'_>], total: u64) -> Result<Vec<Device>, String> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(chunks.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (sent, received) =
        std::sync::mpsc::sync_channel::<(usize, Result<Vec<Device>, String>)>(threads * 2);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let sent = sent.clone();
            let next = &next;
            scope.spawn(move || {
                loop {
                    let at = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(chunk) = chunks.get(at) else {
                        return;
                    };
                    let decoded = decode_part(std::slice::from_ref(chunk));
                    let failed = decoded.is_err();
                    if sent.send((at, decoded)).is_err() || failed {
                        return;
                    }
                }
            });
        }
        drop(sent);
        // Owned here, so a failure that returns early hangs up on the workers, which stop.
        let received = received;
        let mut devices = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
        let mut waiting = std::collections::BTreeMap::new();
        let mut wanted = 0;
        for (at, decoded) in received.iter() {
            waiting.insert(at, decoded?);
            while let Some(part) = waiting.remove(&wanted) {
                devices.extend(part);
                wanted += 1;
            }
        }
        if wanted != chunks.len() {
            return Err("reading a chunk failed".to_string());
        }
        Ok(devices)
    })
}

fn decode_part(chunks: &[Chunk<'_>]) -> Result<Vec<Device>, String> {
    let mut decompressor =
        zstd::bulk::Decompressor::new().map_err(|e| format!("cannot decompress: {e}"))?;
    let mut devices = Vec::with_capacity(chunks.iter().map(|c| c.devices as usize).sum());
    for chunk in chunks {
        let plain = decompressor
            .decompress(chunk.compressed, MAX_CHUNK)
            .map_err(|e| format!("a chunk is damaged: {e}"))?;
        let stored: Vec<Stored<'_>> =
            postcard::from_bytes(&plain).map_err(|e| format!("a chunk is not readable: {e}"))?;
        if stored.len() != chunk.devices as usize {
            return Err(format!(
                "a chunk holds {} devices where it says {}",
                stored.len(),
                chunk.devices
            ));
        }
        devices.extend(stored.iter().map(device));
    }
    Ok(devices)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(n: usize, seed: u64) -> Vec<Device> {
        let now = time::macros::datetime!(2026-11-24 09:00 UTC);
        let body = crate::sim::device_page(&crate::sim::tenant::generate(n, seed, now));
        crate::graph::parse_device_page(bytes::Bytes::from(body))
            .unwrap()
            .devices
    }

    fn written(dir: &Path) -> (Inventory, Vec<Device>) {
        let inventory = Inventory::new(dir, "contoso.onmicrosoft.com", "admin@contoso.com");
        let mut writer = inventory.writer().unwrap();
        let mut all = Vec::new();
        for seed in [1, 2, 3] {
            let devices = page(300, seed);
            writer.page(&devices).unwrap();
            all.extend(devices);
        }
        writer
            .finish(time::macros::datetime!(2026-11-29 08:00 UTC))
            .unwrap();
        (inventory, all)
    }

    #[test]
    fn what_is_written_reads_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let (inventory, all) = written(dir.path());
        let cached = inventory.load().unwrap().unwrap();
        assert_eq!(cached.devices, all);
        assert_eq!(
            cached.written,
            time::macros::datetime!(2026-11-29 08:00 UTC)
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(inventory.path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let other = Inventory::new(
            dir.path(),
            "contoso.onmicrosoft.com",
            "helpdesk@contoso.com",
        );
        assert_ne!(other.path(), inventory.path(), "one file per account");
        assert!(other.load().unwrap().is_none());
    }

    #[test]
    fn damaged_and_other_versions_are_refused_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let (inventory, _) = written(dir.path());
        let good = std::fs::read(inventory.path()).unwrap();
        let cut = &good[..good.len() - 100];
        let mut newer = good.clone();
        newer[MAGIC.len()] = 3;
        let mut older = good.clone();
        older[MAGIC.len()] = 1;
        let mut flipped = good.clone();
        let middle = good.len() / 2;
        flipped[middle] ^= 0x40;
        let mut miscounted = good.clone();
        miscounted[MAGIC.len() + 12] ^= 1;
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            ("cut short", cut.to_vec(), "ends inside a chunk"),
            (
                "newer",
                newer,
                "format version 3, this build reads version 2",
            ),
            ("older", older, "format version 1"),
            ("a bit flipped", flipped, "damaged"),
            ("a count changed", miscounted, "where its header says"),
            ("garbage", b"not an inventory at all".to_vec(), "too short"),
            ("empty", Vec::new(), "too short"),
            ("another file", vec![b'x'; 100], "not an inventory file"),
            (
                "bytes after the end",
                [good.clone(), b"x".to_vec()].concat(),
                "bytes after its last chunk",
            ),
        ];
        for (what, bytes, why) in cases {
            std::fs::write(inventory.path(), bytes).unwrap();
            match inventory.load() {
                Err(reason) => assert!(reason.contains(why), "{what}: {reason}"),
                Ok(_) => panic!("{what}: read as if whole"),
            }
        }
        inventory.delete().unwrap();
        assert!(inventory.load().unwrap().is_none());
    }

    #[test]
    fn hostile_text_in_the_file_is_made_safe_again() {
        let dir = tempfile::tempdir().unwrap();
        let inventory = Inventory::new(dir.path(), "t", "a");
        let evil = Device::new(DeviceFields {
            id: "d1".into(),
            name: "PC".into(),
            ..DeviceFields::default()
        });
        let mut writer = inventory.writer().unwrap();
        writer.page(&[evil]).unwrap();
        writer.finish(OffsetDateTime::UNIX_EPOCH).unwrap();
        // The same bytes with an escape sequence written straight into a name.
        let mut bytes = std::fs::read(inventory.path()).unwrap();
        let (head, body) = bytes.split_at(HEADER_LEN + CHUNK_HEADER_LEN);
        let mut plain = zstd::bulk::decompress(body, MAX_CHUNK).unwrap();
        let at = plain.windows(2).position(|w| w == b"PC").unwrap();
        plain.splice(at..at + 2, *b"\x1b]");
        let packed = zstd::bulk::compress(&plain, LEVEL).unwrap();
        let mut rebuilt = head.to_vec();
        let len = (packed.len() as u32).to_le_bytes();
        rebuilt[HEADER_LEN + 4..HEADER_LEN + 8].copy_from_slice(&len);
        rebuilt.extend(packed);
        bytes = rebuilt;
        std::fs::write(inventory.path(), bytes).unwrap();
        let cached = inventory.load().unwrap().unwrap();
        assert!(!cached.devices[0].name().contains('\x1b'));
    }

    #[test]
    fn an_unfinished_listing_leaves_the_old_inventory() {
        let dir = tempfile::tempdir().unwrap();
        let (inventory, all) = written(dir.path());
        {
            let mut writer = inventory.writer().unwrap();
            writer.page(&page(10, 9)).unwrap();
            // Dropped: the listing failed half way.
        }
        assert_eq!(inventory.load().unwrap().unwrap().devices, all);
        assert_eq!(delete_all(dir.path()).unwrap(), 1);
        assert!(inventory.load().unwrap().is_none());
    }
}
