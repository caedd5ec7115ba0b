//! A page of devices read straight into where its devices go: each device is built as it is
//! read, from strings borrowed from the body, and no page of wire structs is ever held.

use std::fmt;

use serde::de::{DeserializeSeed, Error, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::wire::{Text, WireDevice};
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
        while let Some(device) = seq.next_element::<WireDevice<'de>>()? {
            self.0.push_fields(&device.fields());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde::de::DeserializeSeed;

    use super::*;
    use crate::domain::Device;
    use crate::graph::wire::Page;

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
        ] {
            assert!(read(body).is_err(), "{}", String::from_utf8_lossy(body));
        }
    }
}
