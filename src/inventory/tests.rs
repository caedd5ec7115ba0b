//! The inventory format: round trip, damage, versions, permissions.

use super::*;
use crate::domain::{ComplianceState, Device, DeviceFields, OwnerType};

fn page(n: usize, seed: u64) -> DeviceTable {
    let now = time::macros::datetime!(2026-11-24 09:00 UTC);
    let body = crate::sim::device_page(&crate::sim::tenant::generate(n, seed, now));
    crate::graph::parse_device_page(bytes::Bytes::from(body))
        .unwrap()
        .devices
}

fn written(dir: &Path) -> (Inventory, DeviceTable) {
    let inventory = Inventory::new(dir, "contoso.onmicrosoft.com", "admin@contoso.com");
    let mut writer = inventory.writer().unwrap();
    let mut all = DeviceTable::default();
    for seed in [1, 2, 3] {
        let devices = page(300, seed);
        writer.page(&devices).unwrap();
        all.append(devices);
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
    newer[MAGIC.len()] = 4;
    let mut older = good.clone();
    older[MAGIC.len()] = 2;
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
            "format version 4, this build reads version 3",
        ),
        ("older", older, "format version 2"),
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
    writer.page(&vec![evil].into()).unwrap();
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
    assert_eq!(inventory.load().unwrap().unwrap().devices, all);
    assert_eq!(delete_all(dir.path()).unwrap(), 1);
    assert!(inventory.load().unwrap().is_none());
}

/// A file of one chunk holding `page` as given, however wrong.
fn file_of(inventory: &Inventory, page: &StoredPage<'_>) {
    let plain = postcard::to_allocvec(page).unwrap();
    let packed = zstd::bulk::compress(&plain, LEVEL).unwrap();
    let header = Header {
        written: OffsetDateTime::UNIX_EPOCH,
        devices: page.facts.len() as u64,
        chunks: 1,
        text: page.text.len() as u64,
    };
    let mut bytes = header.bytes().to_vec();
    bytes.extend((page.facts.len() as u32).to_le_bytes());
    bytes.extend((packed.len() as u32).to_le_bytes());
    bytes.extend(packed);
    std::fs::write(inventory.path(), bytes).unwrap();
}

#[test]
fn text_beyond_ascii_and_values_not_known_read_back_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let inventory = Inventory::new(dir.path(), "t", "a");
    let devices = vec![
        Device::new(DeviceFields {
            id: "d1".into(),
            name: "Büro-Łódź-端末".into(),
            user_display_name: "Zoë Ærø".into(),
            compliance_state: ComplianceState::from_wire("quarantinedByPartner"),
            owner_type: OwnerType::from_wire(""),
            device_type: Some("holoLens".into()),
            ..DeviceFields::default()
        }),
        Device::new(DeviceFields {
            id: "d2".into(),
            name: "x".repeat(400).into(),
            model: "é".repeat(300).into(),
            device_type: Some("".into()),
            sku_number: Some(125),
            ..DeviceFields::default()
        }),
    ];
    let mut writer = inventory.writer().unwrap();
    writer.page(&devices.clone().into()).unwrap();
    writer.finish(OffsetDateTime::UNIX_EPOCH).unwrap();
    let cached = inventory.load().unwrap().unwrap();
    assert_eq!(cached.devices, devices.iter().cloned().collect());
    let first = cached.devices.get(0).unwrap();
    assert_eq!(first.name(), "Büro-Łódź-端末");
    assert_eq!(first.compliance_state().as_wire(), "quarantinedByPartner");
    assert_eq!(first.device_type(), Some("holoLens"));
}

#[test]
fn facts_no_device_can_have_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let inventory = Inventory::new(dir.path(), "t", "a");
    let device = Device::new(DeviceFields {
        id: "d1".into(),
        name: "PC-1".into(),
        compliance_state: ComplianceState::from_wire("somethingNew"),
        ..DeviceFields::default()
    });
    let (text, facts) = device.stored();
    // The same facts with the compliance state a known code (its lengths, a flag, then the
    // states, one byte each), while its text still holds the value sent.
    let mut encoded = postcard::to_allocvec(&facts).unwrap();
    assert_eq!(
        encoded[16],
        u8::MAX,
        "the compliance state is not a known one"
    );
    encoded[16] = 1;
    let known_facts: Facts = postcard::from_bytes(&encoded).unwrap();
    encoded[16] = 200;
    let unknown_code: Facts = postcard::from_bytes(&encoded).unwrap();
    let mut broken = text.as_bytes().to_vec();
    let at = broken.windows(4).position(|w| w == b"PC-1").unwrap();
    broken[at + 2..at + 4].copy_from_slice(&[0xff, 0xfe]);
    let cases: Vec<(&str, Vec<Facts>, Vec<u8>, &str)> = vec![
        (
            "text longer than the facts say",
            vec![facts],
            [text.as_bytes(), b"!"].concat(),
            "text after the last device",
        ),
        (
            "text shorter than the facts say",
            vec![facts],
            text.as_bytes()[1..].to_vec(),
            "less text than its facts say",
        ),
        (
            "a known state with text of its own",
            vec![known_facts],
            text.as_bytes().to_vec(),
            "facts no device can have",
        ),
        (
            "a state code no version knows",
            vec![unknown_code],
            text.as_bytes().to_vec(),
            "facts no device can have",
        ),
        ("text that is not UTF-8", vec![facts], broken, "not UTF-8"),
    ];
    for (what, facts, text, why) in cases {
        file_of(&inventory, &StoredPage { facts, text: &text });
        match inventory.load() {
            Err(reason) => assert!(reason.contains(why), "{what}: {reason}"),
            Ok(_) => panic!("{what}: read as if whole"),
        }
    }
    // The same facts with their own text read back.
    file_of(
        &inventory,
        &StoredPage {
            facts: vec![facts],
            text: text.as_bytes(),
        },
    );
    let cached = inventory.load().unwrap().unwrap();
    assert_eq!(cached.devices.get(0).unwrap().to_device(), device);
}
