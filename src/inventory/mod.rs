//! The local inventory cache: the last complete device list of one tenant and account, so the
//! next start shows the list at once while it is refreshed.
//!
//! One file per tenant and account in the cache directory, created 0600, holding the compact
//! devices themselves (not Graph's JSON). The format is versioned:
//!
//! - a fixed header: the magic `INTUNE-ASSIST-INVENTORY`, the format version, when the listing
//!   completed, how many devices, chunks and bytes of text follow (written last, when the
//!   listing completes);
//! - then one chunk per page: its device count, its length, and the page encoded with
//!   `postcard` (serde's compact binary format: varints, no field names) and compressed with
//!   `zstd` with its checksum on. A page is each device's facts (field lengths, state codes,
//!   times) as the list holds them, then all the devices' text, as the list holds it.
//!
//! Why these: `postcard` stores nothing but the data and reads it back without copying the
//! text; `zstd` packs the repetitive text (models, OS versions, domains) and the hex of the ids
//! to about a third, decompresses at memory speed, and its frame checksum catches damage.
//! Storing the devices as the list holds them makes reading back a check and a copy: facts
//! that no device can have are refused, and text that is not plain printable ASCII (checked on
//! whole vectors) is sanitised again, as if it came from Graph. Chunks are independent, so
//! reading splits them across the cores. A damaged, older or newer file is refused with the
//! reason, never trusted.

use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::domain::{DeviceTable, Facts};

/// The first bytes of every inventory file.
const MAGIC: &[u8; 23] = b"INTUNE-ASSIST-INVENTORY";
/// The version this build writes and reads.
pub const VERSION: u32 = 3;
/// Magic, version, written (unix seconds), devices, chunks, bytes of text.
const HEADER_LEN: usize = MAGIC.len() + 4 + 8 + 8 + 4 + 8;
/// Each chunk: its device count and its compressed length.
const CHUNK_HEADER_LEN: usize = 4 + 4;
/// zstd's level: the default, a balance of size and speed.
const LEVEL: i32 = 3;
/// The largest page a chunk holds, decompressed (a page of 1 000 devices is about 250 kB).
const MAX_CHUNK: usize = 64 * 1024 * 1024;
/// The most devices room is made for before reading, whatever a header says.
const MAX_RESERVED: u64 = 16 * 1024 * 1024;

/// A cached device list.
#[derive(Clone, Debug)]
pub struct Cached {
    pub devices: DeviceTable,
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

/// A page as a chunk stores it: each device's facts, and all their text one after another.
#[derive(Serialize, Deserialize)]
struct StoredPage<'a> {
    facts: Vec<Facts>,
    #[serde(borrow)]
    text: &'a [u8],
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
    /// cannot be used (damaged, another format version, unreadable). The file is read a chunk
    /// at a time while the cores decode the chunks before, so it is never held whole.
    pub fn load(&self) -> Result<Option<Cached>, String> {
        let file = match std::fs::File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot read {}: {e}", self.path.display())),
        };
        let mut file = std::io::BufReader::with_capacity(1 << 20, file);
        let mut head = [0u8; HEADER_LEN];
        read_exactly(&mut file, &mut head, "it is too short for a header")?;
        let header = Header::read(&head)?;
        let devices = decode_chunks(&mut file, &header)?;
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
            text: 0,
            encoded: Vec::new(),
            page_text: Vec::new(),
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
    /// Bytes of text of all the devices.
    text: u64,
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
            &self.text.to_le_bytes(),
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
            text: u64::from_le_bytes(field(24, 8).try_into().unwrap_or_default()),
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
    /// Bytes of text written.
    text: u64,
    /// One page encoded, reused.
    encoded: Vec<u8>,
    /// One page's text, reused.
    page_text: Vec<u8>,
    compressor: zstd::bulk::Compressor<'static>,
}

impl InventoryWriter {
    /// Adds a page of devices as one chunk.
    pub fn page(&mut self, devices: &DeviceTable) -> std::io::Result<()> {
        self.page_text.clear();
        let mut facts = Vec::with_capacity(devices.len());
        for device in devices.iter() {
            let (text, device_facts) = device.stored();
            self.page_text.extend_from_slice(text.as_bytes());
            facts.push(device_facts);
        }
        let page = StoredPage {
            facts,
            text: &self.page_text,
        };
        self.encoded.clear();
        self.encoded = postcard::to_extend(&page, std::mem::take(&mut self.encoded))
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
        self.text += self.page_text.len() as u64;
        Ok(())
    }

    /// The listing completed at `written`: the header is filled in, and the file replaces
    /// the old inventory in one rename.
    pub fn finish(mut self, written: OffsetDateTime) -> std::io::Result<()> {
        let header = Header {
            written,
            devices: self.devices,
            chunks: self.chunks,
            text: self.text,
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

/// One chunk as read from the file.
struct Chunk {
    devices: u32,
    compressed: Vec<u8>,
}

/// Fills `buf` from `file`, or says `short` when the file ends first.
fn read_exactly(file: &mut impl Read, buf: &mut [u8], short: &str) -> Result<(), String> {
    file.read_exact(buf).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => short.to_string(),
        _ => format!("cannot read it: {e}"),
    })
}

/// The next chunk of `file`.
fn read_chunk(file: &mut impl Read) -> Result<Chunk, String> {
    let mut head = [0u8; CHUNK_HEADER_LEN];
    read_exactly(file, &mut head, "it ends early")?;
    let devices = u32::from_le_bytes(head[..4].try_into().unwrap_or_default());
    let len = u32::from_le_bytes(head[4..].try_into().unwrap_or_default()) as usize;
    if len > MAX_CHUNK {
        return Err("a chunk is longer than any page".into());
    }
    let mut compressed = vec![0; len];
    read_exactly(file, &mut compressed, "it ends inside a chunk")?;
    Ok(Chunk {
        devices,
        compressed,
    })
}

/// Reads the chunks `header` announces and decodes them on every core, gathering them in
/// order as they come: a few chunks wait beside the list, never the file or the list twice.
fn decode_chunks(file: &mut impl Read, header: &Header) -> Result<DeviceTable, String> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (work_tx, work_rx) = std::sync::mpsc::sync_channel::<(usize, Chunk)>(threads * 2);
    let work_rx = std::sync::Mutex::new(work_rx);
    let (done_tx, done_rx) =
        std::sync::mpsc::sync_channel::<(usize, Result<DeviceTable, String>)>(threads * 2);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let done_tx = done_tx.clone();
            let work_rx = &work_rx;
            scope.spawn(move || {
                // One decompressor a worker, its context kept from chunk to chunk.
                let mut decompressor = zstd::bulk::Decompressor::new().ok();
                loop {
                    let next = work_rx
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .recv();
                    let Ok((at, chunk)) = next else {
                        return;
                    };
                    let decoded = decode_part(decompressor.as_mut(), &chunk);
                    if done_tx.send((at, decoded)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        // Owned here, so a failure that returns early hangs up on the workers, which stop.
        let (work_tx, done_rx) = (work_tx, done_rx);
        let mut devices = DeviceTable::default();
        // Room for what the header announces, within reason: it is not trusted either.
        devices.reserve_exact(usize::try_from(header.devices.min(MAX_RESERVED)).unwrap_or(0));
        devices.reserve_text(usize::try_from(header.text.min(MAX_RESERVED * 256)).unwrap_or(0));
        let mut waiting = std::collections::BTreeMap::new();
        let mut wanted = 0usize;
        let mut gather = |(at, decoded): (usize, Result<DeviceTable, String>),
                          devices: &mut DeviceTable|
         -> Result<(), String> {
            waiting.insert(at, decoded?);
            while let Some(part) = waiting.remove(&wanted) {
                devices.append(part);
                wanted += 1;
            }
            Ok(())
        };
        for at in 0..header.chunks as usize {
            let chunk = read_chunk(file)?;
            // Hand the chunk on; meanwhile take in what is decoded, so neither side waits
            // on the other with both channels full.
            let mut pending = Some((at, chunk));
            while let Some(item) = pending.take() {
                match work_tx.try_send(item) {
                    Ok(()) => {}
                    Err(std::sync::mpsc::TrySendError::Full(item)) => {
                        pending = Some(item);
                        let done = done_rx
                            .recv()
                            .map_err(|_| "reading a chunk failed".to_string())?;
                        gather(done, &mut devices)?;
                    }
                    Err(std::sync::mpsc::TrySendError::Disconnected(_)) => {
                        return Err("reading a chunk failed".into());
                    }
                }
            }
        }
        drop(work_tx);
        for done in done_rx.iter() {
            gather(done, &mut devices)?;
        }
        if wanted != header.chunks as usize {
            return Err("reading a chunk failed".into());
        }
        let mut rest = [0u8; 1];
        if file
            .read(&mut rest)
            .map_err(|e| format!("cannot read it: {e}"))?
            != 0
        {
            return Err("it has bytes after its last chunk".into());
        }
        if devices.len() as u64 != header.devices {
            return Err(format!(
                "its chunks hold {} devices where its header says {}",
                devices.len(),
                header.devices
            ));
        }
        devices.shrink_to_fit();
        Ok(devices)
    })
}

fn decode_part(
    decompressor: Option<&mut zstd::bulk::Decompressor<'_>>,
    chunk: &Chunk,
) -> Result<DeviceTable, String> {
    let plain = match decompressor {
        Some(decompressor) => decompressor.decompress(&chunk.compressed, MAX_CHUNK),
        None => zstd::bulk::decompress(&chunk.compressed, MAX_CHUNK),
    }
    .map_err(|e| format!("a chunk is damaged: {e}"))?;
    let page: StoredPage<'_> =
        postcard::from_bytes(&plain).map_err(|e| format!("a chunk is not readable: {e}"))?;
    if page.facts.len() != chunk.devices as usize {
        return Err(format!(
            "a chunk holds {} devices where it says {}",
            page.facts.len(),
            chunk.devices
        ));
    }
    let mut table = DeviceTable::with_capacity(page.facts.len(), page.text.len());
    table
        .extend_stored(&page.facts, page.text)
        .map_err(|e| format!("a chunk is damaged: {e}"))?;
    Ok(table)
}

#[cfg(test)]
mod tests;
