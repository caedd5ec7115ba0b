//! The local inventory cache: the last complete device list of one tenant and account, so the
//! next start shows the list at once while it is refreshed.
//!
//! One file per tenant and account in the cache directory, created 0600. The format is
//! versioned: a header line (JSON: format, version, when it was written, how many devices and
//! pages), then each page exactly as Graph sent it, as `LENGTH\n` and that many bytes. Reading
//! it back goes through the same parser as Graph's answers (which sanitises every string), a
//! page per thread. A damaged, older or newer file is ignored, never trusted.

use std::io::Write;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::domain::Device;

/// What the first line names the format.
const FORMAT: &str = "intune-assist inventory";
/// The version this build writes and reads.
pub const VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format: String,
    version: u32,
    #[serde(with = "time::serde::rfc3339")]
    written: OffsetDateTime,
    devices: usize,
    pages: usize,
}

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
            Ok(bytes) => Bytes::from(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot read {}: {e}", self.path.display())),
        };
        let newline = bytes
            .iter()
            .position(|b| *b == b'\n')
            .ok_or("it has no header")?;
        let header: Header = serde_json::from_slice(&bytes[..newline])
            .map_err(|_| "its header is not readable".to_string())?;
        if header.format != FORMAT {
            return Err("it is not an inventory file".into());
        }
        if header.version != VERSION {
            return Err(format!(
                "it is format version {}, this build reads version {VERSION}",
                header.version
            ));
        }
        let pages = split_pages(&bytes, newline + 1, header.pages)?;
        let devices = parse_pages(pages)?;
        if devices.len() != header.devices {
            return Err(format!(
                "it holds {} devices where its header says {}",
                devices.len(),
                header.devices
            ));
        }
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
        let file = open_private(&temp)?;
        Ok(InventoryWriter {
            target: self.path.clone(),
            temp,
            body: std::io::BufWriter::new(file),
            devices: 0,
            pages: 0,
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

/// Writes pages as they arrive; nothing replaces the old file until the listing completes.
pub struct InventoryWriter {
    target: PathBuf,
    temp: PathBuf,
    body: std::io::BufWriter<std::fs::File>,
    devices: usize,
    pages: usize,
}

impl InventoryWriter {
    /// Adds a page as Graph sent it, with how many devices it holds.
    pub fn page(&mut self, body: &[u8], devices: usize) -> std::io::Result<()> {
        writeln!(self.body, "{}", body.len())?;
        self.body.write_all(body)?;
        self.devices += devices;
        self.pages += 1;
        Ok(())
    }

    /// The listing completed at `written`: the header goes first, and the file replaces the
    /// old inventory in one rename.
    pub fn finish(mut self, written: OffsetDateTime) -> std::io::Result<()> {
        self.body.flush()?;
        let header = Header {
            format: FORMAT.into(),
            version: VERSION,
            written,
            devices: self.devices,
            pages: self.pages,
        };
        let header = serde_json::to_vec(&header).map_err(std::io::Error::other)?;
        let done = self.target.with_extension("writing");
        {
            let mut out = std::io::BufWriter::new(open_private(&done)?);
            out.write_all(&header)?;
            out.write_all(b"\n")?;
            let mut pages = std::fs::File::open(&self.temp)?;
            std::io::copy(&mut pages, &mut out)?;
            out.flush()?;
            out.get_ref().sync_all()?;
        }
        std::fs::remove_file(&self.temp)?;
        std::fs::rename(&done, &self.target)
    }
}

impl Drop for InventoryWriter {
    fn drop(&mut self) {
        // A listing that did not complete leaves the old inventory as it was.
        let _ = std::fs::remove_file(&self.temp);
    }
}

/// Creates (or truncates) `path`, readable by its owner only.
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// The pages after the header: `LENGTH\n` then that many bytes, `count` times, and nothing
/// after.
fn split_pages(bytes: &Bytes, mut at: usize, count: usize) -> Result<Vec<Bytes>, String> {
    let mut pages = Vec::with_capacity(count);
    for _ in 0..count {
        let rest = bytes.get(at..).ok_or("it ends early")?;
        let newline = rest
            .iter()
            .take(20)
            .position(|b| *b == b'\n')
            .ok_or("a page length is missing")?;
        let len: usize = std::str::from_utf8(&rest[..newline])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or("a page length is not a number")?;
        let start = at + newline + 1;
        let end = start.checked_add(len).filter(|end| *end <= bytes.len());
        let end = end.ok_or("it ends inside a page")?;
        pages.push(bytes.slice(start..end));
        at = end;
    }
    if at != bytes.len() {
        return Err("it has bytes after its last page".into());
    }
    Ok(pages)
}

/// Parses pages on every core, keeping their order.
fn parse_pages(pages: Vec<Bytes>) -> Result<Vec<Device>, String> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(pages.len().max(1));
    let chunk = pages.len().div_ceil(threads).max(1);
    let parsed: Vec<Result<Vec<Device>, String>> = std::thread::scope(|scope| {
        let running: Vec<_> = pages
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || -> Result<Vec<Device>, String> {
                    let mut devices = Vec::new();
                    for page in part {
                        let parsed = crate::graph::parse_device_page(page.clone())
                            .map_err(|e| format!("a page is not readable: {e}"))?;
                        devices.extend(parsed.devices);
                    }
                    Ok(devices)
                })
            })
            .collect();
        running
            .into_iter()
            .map(|t| {
                t.join()
                    .unwrap_or_else(|_| Err("reading a page failed".into()))
            })
            .collect()
    });
    let mut devices = Vec::new();
    for part in parsed {
        devices.extend(part?);
    }
    Ok(devices)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(n: usize, seed: u64) -> (Vec<u8>, Vec<Device>) {
        let now = time::macros::datetime!(2026-11-24 09:00 UTC);
        let body = crate::sim::device_page(&crate::sim::tenant::generate(n, seed, now));
        let devices = crate::graph::parse_device_page(Bytes::from(body.clone()))
            .unwrap()
            .devices;
        (body, devices)
    }

    fn written(dir: &Path) -> (Inventory, Vec<Device>) {
        let inventory = Inventory::new(dir, "contoso.onmicrosoft.com", "admin@contoso.com");
        let mut writer = inventory.writer().unwrap();
        let mut all = Vec::new();
        for seed in [1, 2, 3] {
            let (body, devices) = page(300, seed);
            writer.page(&body, devices.len()).unwrap();
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
        let newer = String::from_utf8_lossy(&good).replacen("\"version\":1", "\"version\":2", 1);
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("cut short", cut.to_vec()),
            ("newer", newer.into_bytes()),
            ("garbage", b"not an inventory at all".to_vec()),
            ("empty", Vec::new()),
            (
                "bytes after the end",
                [good.clone(), b"x".to_vec()].concat(),
            ),
        ];
        for (what, bytes) in cases {
            std::fs::write(inventory.path(), bytes).unwrap();
            let refused = inventory.load();
            assert!(refused.is_err(), "{what}: {refused:?}");
        }
        inventory.delete().unwrap();
        assert!(inventory.load().unwrap().is_none());
    }

    #[test]
    fn an_unfinished_listing_leaves_the_old_inventory() {
        let dir = tempfile::tempdir().unwrap();
        let (inventory, all) = written(dir.path());
        {
            let mut writer = inventory.writer().unwrap();
            let (body, devices) = page(10, 9);
            writer.page(&body, devices.len()).unwrap();
            // Dropped: the listing failed half way.
        }
        assert_eq!(inventory.load().unwrap().unwrap().devices, all);
        assert_eq!(delete_all(dir.path()).unwrap(), 1);
        assert!(inventory.load().unwrap().is_none());
    }
}
