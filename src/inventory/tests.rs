//! The inventory format: round trip, damage, versions, permissions.

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
    assert_eq!(cached.devices, all.iter().cloned().collect());
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
    let first = cached.devices.get(0).expect("a device");
    assert!(!first.name().contains('\x1b'));
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
    assert_eq!(
        inventory.load().unwrap().unwrap().devices,
        all.iter().cloned().collect()
    );
    assert_eq!(delete_all(dir.path()).unwrap(), 1);
    assert!(inventory.load().unwrap().is_none());
}
