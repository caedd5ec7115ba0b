use super::*;
use crate::domain::device::tests::windows_laptop;

fn named(id: &str, name: &str) -> crate::domain::Device {
    let laptop = windows_laptop();
    let mut fields = laptop.fields();
    fields.id = id.into();
    fields.name = name.into();
    crate::domain::Device::new(fields)
}

fn names(table: &DeviceTable) -> Vec<String> {
    table.iter().map(|d| d.name().to_owned()).collect()
}

#[test]
fn devices_read_back_as_they_were_pushed() {
    let devices = [named("a", "ALPHA"), named("b", "ßeta-ünï"), named("c", "")];
    let table: DeviceTable = devices.iter().cloned().collect();
    assert_eq!(table.len(), 3);
    for (i, device) in devices.iter().enumerate() {
        assert_eq!(table.get(i), Some(device.view()));
        assert_eq!(
            table.get(i).map(DeviceRef::to_device).as_ref(),
            Some(device)
        );
    }
    assert_eq!(table.get(3), None);
}

#[test]
fn fields_are_sanitised_straight_into_the_arena() {
    let mut table = DeviceTable::default();
    let laptop = windows_laptop();
    let mut fields = laptop.fields();
    fields.name = "EVIL\u{1b}[31m-PC\n".into();
    table.push_fields(&fields);
    assert_eq!(
        table.get(0),
        Some(crate::domain::Device::new(fields).view())
    );
    assert_eq!(
        table.get(0).map(|d| d.name().to_owned()),
        Some("EVIL-PC ".into())
    );
}

#[test]
fn a_replacement_no_longer_takes_the_old_place_and_a_longer_one_goes_to_the_end() {
    let mut table: DeviceTable = [named("a", "ALPHA"), named("b", "BETA")]
        .into_iter()
        .collect();
    let (before, _) = table.text_bytes();
    table.replace(0, &named("a", "ALF"));
    assert_eq!(names(&table), ["ALF", "BETA"]);
    assert_eq!(table.text_bytes(), (before - 2, 2));
    table.replace(1, &named("b", "BETA-MUCH-LONGER"));
    assert_eq!(names(&table), ["ALF", "BETA-MUCH-LONGER"]);
    let old_beta = named("b", "BETA").text.len();
    assert_eq!(table.text_bytes(), (before - 2 + 12, 2 + old_beta));
}

#[test]
fn a_replacement_that_would_split_a_character_goes_to_the_end() {
    let mut table: DeviceTable = [named("a", "ééé"), named("b", "B")].into_iter().collect();
    // The new text ends inside the old one's "é": written at the end instead.
    let long = named("a", "ééé");
    let mut shorter = long.fields();
    shorter.name = "x".into();
    shorter.model = "".into();
    let shorter = crate::domain::Device::new(shorter);
    table.replace(0, &shorter);
    assert_eq!(table.get(0), Some(shorter.view()));
    assert_eq!(names(&table), ["x", "B"]);
}

#[test]
fn removed_and_replaced_text_is_reclaimed_in_place_keeping_every_device() {
    let mut table = DeviceTable::default();
    let devices: Vec<_> = (0..3000)
        .map(|i| named(&format!("id-{i}"), &format!("PC-{i}")))
        .collect();
    for device in &devices {
        table.push(device);
    }
    // Every third device grows, every fifth goes.
    for i in (0..3000).step_by(3) {
        table.replace(
            i,
            &named(&format!("id-{i}"), &format!("PC-{i}-RENAMED-AND-LONGER")),
        );
    }
    table.retain(|i| i % 5 != 0);
    let expected: Vec<String> = (0..3000)
        .filter(|i| i % 5 != 0)
        .map(|i| {
            if i % 3 == 0 {
                format!("PC-{i}-RENAMED-AND-LONGER")
            } else {
                format!("PC-{i}")
            }
        })
        .collect();
    assert_eq!(names(&table), expected);
    table.reclaim();
    assert_eq!(table.text_bytes().1, 0);
    assert_eq!(names(&table), expected);
    let ids: Vec<String> = table.iter().map(|d| d.id().to_owned()).collect();
    let expected_ids: Vec<String> = (0..3000)
        .filter(|i| i % 5 != 0)
        .map(|i| format!("id-{i}"))
        .collect();
    assert_eq!(ids, expected_ids);
}

#[test]
fn appended_tables_keep_their_order_and_times_can_be_set() {
    let mut first: DeviceTable = [named("a", "A")].into_iter().collect();
    let second: DeviceTable = [named("b", "B"), named("c", "C")].into_iter().collect();
    first.append(second);
    assert_eq!(names(&first), ["A", "B", "C"]);
    let at = time::macros::datetime!(2026-12-01 10:00:00.123456789 UTC);
    first.set_last_sync_date_time(1, Some(at));
    assert_eq!(first.get(1).and_then(|d| d.last_sync_date_time()), Some(at));
    assert_eq!(
        first
            .iter_from(2)
            .map(|d| d.id().to_owned())
            .collect::<Vec<_>>(),
        ["c"]
    );
    first.clear();
    assert!(first.is_empty());
}

#[test]
fn a_search_reads_the_searched_fields_of_each_device_as_bytes() {
    let devices = [named("a", "ALPHA"), named("b", "ßeta-ünï"), named("", "")];
    let table: DeviceTable = devices.iter().cloned().collect();
    for (i, device) in devices.iter().enumerate() {
        let searched = table.searched(i).expect("a device");
        let fields: Vec<&[u8]> = searched.fields().collect();
        let expected: Vec<&[u8]> = device
            .searched_fields()
            .iter()
            .map(|field| field.as_bytes())
            .collect();
        assert_eq!(fields, expected);
        assert_eq!(
            searched.ids_end(),
            device.id().len() + device.azure_ad_device_id().len()
        );
        // Fetching ahead is only a hint: any device and field, even past the end, is fine.
        table.prefetch_facts(i + 10);
        table.prefetch_fields_from(i, 2);
        table.prefetch_fields_from(i + 10, 7);
    }
    assert!(table.searched(3).is_none());
}
