//! A page of devices read straight into where its devices go: each device is built as it is
//! read, from strings borrowed from the body, with no wire struct of its own.

use std::fmt;

use serde::de::{DeserializeSeed, Error, IgnoredAny, MapAccess, SeqAccess, Unexpected, Visitor};

use super::wire::{DEVICE_TEXT_MEMBERS, Text, device_fields};
use crate::domain::DeviceTable;

/// What a page says besides its devices.
#[derive(Debug, Default)]
pub struct PageHead {
    /// `@odata.nextLink`.
    pub next_link: Option<String>,
    /// `@odata.count`.
    pub count: Option<u64>,
}

/// Reads a page (`{"value": [...], "@odata.nextLink": ..., "@odata.count": ...}`, any
/// order, other members ignored) into a table, giving the rest.
pub struct PageInto<'s>(pub &'s mut DeviceTable);

impl<'de> DeserializeSeed<'de> for PageInto<'_> {
    type Value = PageHead;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<PageHead, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for PageInto<'_> {
    type Value = PageHead;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a page of devices")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PageHead, A::Error> {
        let mut head = PageHead::default();
        let (mut value, mut next_link, mut count) = (false, false, false);
        while let Some(key) = map.next_key::<Text<'de>>()? {
            let seen = match &*key {
                "value" => {
                    map.next_value_seed(Items(&mut *self.0))?;
                    &mut value
                }
                "@odata.nextLink" => {
                    head.next_link = map.next_value()?;
                    &mut next_link
                }
                "@odata.count" => {
                    head.count = map.next_value()?;
                    &mut count
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            if std::mem::replace(seen, true) {
                return Err(A::Error::custom(format_args!(
                    "duplicate member `{}`",
                    &*key
                )));
            }
        }
        Ok(head)
    }
}

/// The devices of a page, each added to the table as it is read.
struct Items<'s>(&'s mut DeviceTable);

impl<'de> DeserializeSeed<'de> for Items<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Items<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of devices")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut unescaped = String::new();
        while seq
            .next_element_seed(DeviceInto {
                table: &mut *self.0,
                unescaped: &mut unescaped,
            })?
            .is_some()
        {}
        Ok(())
    }
}

/// One `managedDevice`, added to the table once read. Its text members are borrowed from the
/// body; those with escapes to undo are written to `unescaped`, which each device reuses.
struct DeviceInto<'s> {
    table: &'s mut DeviceTable,
    unescaped: &'s mut String,
}

/// A member of `managedDevice` as the list reads it.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Member {
    /// The text member at this place in [`DEVICE_TEXT_MEMBERS`].
    Text(usize),
    /// `skuNumber`.
    Sku,
    /// Any other: passed over.
    Other,
}

impl Member {
    /// The member named `key`, spelt exactly as Graph spells it.
    fn named(key: &str) -> Member {
        match key {
            "id" => Member::Text(0),
            "deviceName" => Member::Text(1),
            "userDisplayName" => Member::Text(2),
            "userPrincipalName" => Member::Text(3),
            "operatingSystem" => Member::Text(4),
            "osVersion" => Member::Text(5),
            "model" => Member::Text(6),
            "manufacturer" => Member::Text(7),
            "serialNumber" => Member::Text(8),
            "complianceState" => Member::Text(9),
            "managementState" => Member::Text(10),
            "deviceEnrollmentType" => Member::Text(11),
            "managedDeviceOwnerType" => Member::Text(12),
            "lastSyncDateTime" => Member::Text(13),
            "enrolledDateTime" => Member::Text(14),
            "azureADDeviceId" => Member::Text(15),
            "deviceType" => Member::Text(16),
            "skuNumber" => Member::Sku,
            _ => Member::Other,
        }
    }

    /// The member's bit among those a device has sent, to refuse one sent twice.
    fn bit(self) -> u32 {
        match self {
            Member::Text(i) => 1 << i,
            Member::Sku => 1 << DEVICE_TEXT_MEMBERS.len(),
            Member::Other => 0,
        }
    }

    /// The member's name, as an error names it.
    fn name(self) -> &'static str {
        match self {
            Member::Text(i) => DEVICE_TEXT_MEMBERS.get(i).copied().unwrap_or("?"),
            Member::Sku => "skuNumber",
            Member::Other => "?",
        }
    }
}

/// Where a text member's text is: null (or not sent), in the body, or in the unescaped text.
#[derive(Clone, Copy)]
enum Read<'de> {
    Null,
    Body(&'de str),
    Unescaped { start: usize, end: usize },
}

impl<'de> DeserializeSeed<'de> for DeviceInto<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DeviceInto<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a device")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut read = [Read::Null; DEVICE_TEXT_MEMBERS.len()];
        let (mut sent, mut sku_number) = (0u32, None);
        self.unescaped.clear();
        while let Some(member) = map.next_key_seed(MemberKey)? {
            if member.bit() == 0 {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            if sent & member.bit() != 0 {
                return Err(A::Error::duplicate_field(member.name()));
            }
            sent |= member.bit();
            match member {
                Member::Text(i) => read[i] = map.next_value_seed(TextInto(&mut *self.unescaped))?,
                Member::Sku => sku_number = map.next_value()?,
                Member::Other => {}
            }
        }
        let unescaped = &*self.unescaped;
        let text = read.map(|read| match read {
            Read::Null => None,
            Read::Body(text) => Some(text),
            Read::Unescaped { start, end } => unescaped.get(start..end),
        });
        match (sent & Member::Text(0).bit(), text[0]) {
            (0, _) => return Err(A::Error::missing_field("id")),
            (_, None) => return Err(A::Error::invalid_type(Unexpected::Unit, &"a string id")),
            _ => {}
        }
        self.table.push_fields(&device_fields(text, sku_number));
        Ok(())
    }
}

/// A member's name, read as the member it is.
struct MemberKey;

impl<'de> DeserializeSeed<'de> for MemberKey {
    type Value = Member;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Member, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl Visitor<'_> for MemberKey {
    type Value = Member;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E: Error>(self, key: &str) -> Result<Member, E> {
        Ok(Member::named(key))
    }
}

/// A text member's value: a string or null.
struct TextInto<'s>(&'s mut String);

impl<'de> DeserializeSeed<'de> for TextInto<'_> {
    type Value = Read<'de>;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Read<'de>, D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for TextInto<'_> {
    type Value = Read<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or null")
    }

    fn visit_none<E: Error>(self) -> Result<Read<'de>, E> {
        Ok(Read::Null)
    }

    fn visit_unit<E: Error>(self) -> Result<Read<'de>, E> {
        Ok(Read::Null)
    }

    fn visit_some<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Read<'de>, D::Error> {
        deserializer.deserialize_str(self)
    }

    fn visit_borrowed_str<E: Error>(self, text: &'de str) -> Result<Read<'de>, E> {
        Ok(Read::Body(text))
    }

    fn visit_str<E: Error>(self, text: &str) -> Result<Read<'de>, E> {
        let start = self.0.len();
        self.0.push_str(text);
        Ok(Read::Unescaped {
            start,
            end: self.0.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use serde::de::DeserializeSeed;

    use super::*;
    use crate::domain::Device;
    use crate::graph::wire::{Page, WireDevice};

    fn tenant_page() -> Vec<u8> {
        let now = time::macros::datetime!(2026-11-24 09:00 UTC);
        crate::sim::device_page(&crate::sim::tenant::generate(50, 7, now))
    }

    /// The page read by both parsers the client uses; each must agree.
    fn read(body: &[u8]) -> Result<(DeviceTable, PageHead), String> {
        let (sonic, json) = (read_sonic(body), read_json(body));
        let errors = (sonic.as_ref().err(), json.as_ref().err());
        assert_eq!(sonic.is_ok(), json.is_ok(), "{errors:?}");
        sonic.map_err(|e| e.to_string())
    }

    fn read_sonic(body: &[u8]) -> sonic_rs::Result<(DeviceTable, PageHead)> {
        let mut table = DeviceTable::default();
        let mut sonic = sonic_rs::Deserializer::from_slice(body);
        let head = PageInto(&mut table).deserialize(&mut sonic)?;
        sonic.end()?;
        Ok((table, head))
    }

    fn read_json(body: &[u8]) -> serde_json::Result<(DeviceTable, PageHead)> {
        let mut table = DeviceTable::default();
        let mut json = serde_json::Deserializer::from_slice(body);
        let head = PageInto(&mut table).deserialize(&mut json)?;
        json.end()?;
        Ok((table, head))
    }

    #[test]
    fn a_page_read_into_a_table_holds_what_wire_structs_give() {
        let body = tenant_page();
        let wire: Page<WireDevice> = serde_json::from_slice(&body).unwrap();
        let expected: Vec<Device> = wire
            .value
            .into_iter()
            .map(WireDevice::into_domain)
            .collect();
        let (table, head) = read(&body).unwrap();
        assert_eq!(table, DeviceTable::from(expected));
        assert_eq!(table.len(), 50);
        assert_eq!(head.next_link, None);
    }

    #[test]
    fn members_come_in_any_order_and_unknown_ones_are_passed_over() {
        let body = br#"{"@odata.count": 2, "@odata.context": {"a": [1, 2]},
            "value": [{"id": "a", "deviceName": "One", "extra": [null]},
                      {"deviceName": "Two\u001b[31m", "id": "b"}],
            "@odata.nextLink": "https://graph.microsoft.com/beta/next"}"#;
        let (table, head) = read(body).unwrap();
        assert_eq!(head.count, Some(2));
        assert_eq!(
            head.next_link.as_deref(),
            Some("https://graph.microsoft.com/beta/next")
        );
        let names: Vec<String> = table.iter().map(|d| d.name().to_owned()).collect();
        assert_eq!(names, ["One", "Two"], "escapes sanitised as they are read");
        let (empty, _) = read(br#"{"@odata.count": 0}"#).unwrap();
        assert!(empty.is_empty(), "no value member: no devices");
    }

    #[test]
    fn a_page_that_is_not_one_is_refused() {
        for body in [
            &br#"{"value": [{"id": "a"}], "value": []}"#[..],
            br#"{"value": null}"#,
            br#"{"value": [{"id": "a"}, {"deviceName": "no id"}]}"#,
            br#"{"value": [{"id": "a"}, {"id": 7}]}"#,
            br#"{"value": [{"id": "a"}"#,
            br#"[]"#,
            br#"{"value": [{"id": "a", "deviceName": "x", "deviceName": "y"}]}"#,
            br#"{"value": [{"id": "a", "skuNumber": 4, "skuNumber": null}]}"#,
            br#"{"value": [{"id": null}]}"#,
            br#"{"value": [{"id": "a", "skuNumber": "4"}]}"#,
            br#"{"value": [{"id": "a", "deviceName": 7}]}"#,
            br#"{"value": [{"id": "a", "model": ["x"]}]}"#,
            br#"{"value": ["a"]}"#,
        ] {
            assert!(read(body).is_err(), "{}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn each_member_is_read_where_its_name_says() {
        for (i, name) in DEVICE_TEXT_MEMBERS.iter().enumerate() {
            assert_eq!(Member::named(name), Member::Text(i), "{name}");
            assert_eq!(Member::Text(i).name(), *name);
        }
        assert_eq!(Member::named("skuNumber"), Member::Sku);
        for other in [
            "DeviceName",
            "devicename",
            "",
            "@odata.type",
            "remoteAssistanceSessionUrl",
        ] {
            assert_eq!(Member::named(other), Member::Other, "{other}");
        }
    }

    /// A page whose devices send every member the list reads with escapes to undo (in
    /// several members of one device, so the unescaped text holds more than one), null, or
    /// not at all, among members it passes over.
    fn escaped_page() -> String {
        let member = |device: usize, i: usize, name: &str| -> Option<String> {
            let value = match (device, name) {
                (_, "lastSyncDateTime" | "enrolledDateTime") => {
                    r#""2026-11-2\u0034T09:00:00\u005a""#.to_string()
                }
                (_, "complianceState") => r#""compl\u0069ant""#.to_string(),
                (0, _) => format!(r#""{name} \"{i}\" caf\u00e9 \\ \/ \ud83d\ude00""#),
                (1, _) if i.is_multiple_of(2) && i > 0 => "null".to_string(),
                (1, _) => format!(r#""{name} {i}""#),
                (_, "id") => r#""\u0069d-2""#.to_string(),
                (_, _) if i.is_multiple_of(3) => return None,
                (_, _) => format!(r#""{name}\t{i}\u001b[31m""#),
            };
            Some(format!(r#""{name}": {value}"#))
        };
        let devices: Vec<String> = (0..3)
            .map(|device| {
                let mut members: Vec<String> = DEVICE_TEXT_MEMBERS
                    .iter()
                    .enumerate()
                    .filter_map(|(i, name)| member(device, i, name))
                    .collect();
                members.insert(
                    3,
                    r#""notes": "pass\u0020over", "extra": {"a": [1]}"#.into(),
                );
                members.push(format!(r#""skuNumber": {}"#, ["4", "null", "119"][device]));
                if device == 1 {
                    members.reverse();
                }
                format!("{{{}}}", members.join(", "))
            })
            .collect();
        format!(r#"{{"value": [{}]}}"#, devices.join(", "))
    }

    #[test]
    fn escaped_null_and_missing_members_read_as_wire_structs_read_them() {
        let body = escaped_page();
        let wire: Page<WireDevice> = serde_json::from_str(&body).unwrap();
        let expected: Vec<Device> = wire
            .value
            .into_iter()
            .map(WireDevice::into_domain)
            .collect();
        let (table, _) = read(body.as_bytes()).unwrap();
        assert_eq!(table, DeviceTable::from(expected));
        let first = table.iter().next().unwrap();
        assert_eq!(first.name(), r#"deviceName "1" café \ / 😀"#);
        assert_eq!(first.model(), r#"model "6" café \ / 😀"#);
        assert_eq!(
            first.compliance_state(),
            crate::domain::ComplianceState::Compliant
        );
        assert!(
            first.last_sync_date_time().is_some(),
            "an escaped time is read"
        );
        let last = table.iter().nth(2).unwrap();
        assert_eq!(last.id(), "id-2");
        assert_eq!(last.user_display_name(), "userDisplayName 2", "sanitised");
    }
}
