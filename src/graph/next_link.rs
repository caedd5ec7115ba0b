//! A page's `@odata.nextLink` read from the few bytes around its `value` array, so the next
//! page can be requested before the devices are parsed.
//!
//! Graph writes the next link either just before `value` or as the last member of the page.
//! The members before `"value"` are parsed as a small object of their own, and so is
//! everything from the last `"@odata.nextLink"` key to the end; a cut in the wrong place (a
//! key nested in a device, or inside a string) leaves unbalanced or dangling JSON, which fails
//! to parse. When neither reading is certain the body is read whole instead. Nothing here
//! checks the devices: the full parse of the page does, and reports any fault there.

use memchr::memmem;
use serde::Deserialize;

/// The one member this module looks for; others are skipped.
#[derive(Deserialize)]
struct Members {
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
}

const KEY: &[u8] = b"\"@odata.nextLink\"";

/// The page's next link, read without reading its items, when the body is laid out as Graph
/// writes it; `None` when only a whole read can tell (a last page, which has no link, is one).
pub fn around_items(body: &[u8]) -> Option<String> {
    match members_before_value(body) {
        Some(Members {
            next_link: Some(link),
        }) => Some(link),
        _ => last_member(body),
    }
}

/// `{ …members… , "value": [` → `{ …members… }`.
fn members_before_value(body: &[u8]) -> Option<Members> {
    let at = memmem::find(body, b"\"value\"")?;
    let after_key = body[at + 7..].trim_ascii_start();
    if !after_key.starts_with(b":") || !after_key[1..].trim_ascii_start().starts_with(b"[") {
        return None;
    }
    let head = body[..at].trim_ascii();
    let head = head.strip_suffix(b",").unwrap_or(head);
    if !head.starts_with(b"{") {
        return None;
    }
    let mut object = Vec::with_capacity(head.len() + 1);
    object.extend_from_slice(head);
    object.push(b'}');
    serde_json::from_slice(&object).ok()
}

/// `… , "@odata.nextLink": "…" … }` → `{ "@odata.nextLink": "…" … }`, from the key's last
/// occurrence.
fn last_member(body: &[u8]) -> Option<String> {
    let at = memmem::rfind(body, KEY)?;
    if !body[..at].trim_ascii_end().ends_with(b",") {
        return None;
    }
    let mut object = Vec::with_capacity(body.len() - at + 1);
    object.push(b'{');
    object.extend_from_slice(&body[at..]);
    serde_json::from_slice::<Members>(&object).ok()?.next_link
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(body: &str) -> Option<String> {
        around_items(body.as_bytes())
    }

    fn link(link: &str) -> Option<String> {
        Some(link.to_string())
    }

    #[test]
    fn reads_the_link_after_the_items() {
        let body = r#"{"@odata.context":"c","@odata.count":3,"value":[{"id":"a"},{"id":"]"}],"@odata.nextLink":"https://g/next?x=1"}"#;
        assert_eq!(read(body), link("https://g/next?x=1"));
        let body = "{\"value\":[],\n \"@odata.nextLink\" : \"n\" , \"x\": [1] }\n";
        assert_eq!(read(body), link("n"));
    }

    #[test]
    fn reads_the_link_before_the_items() {
        let body = "{ \"@odata.nextLink\" : \"n\" ,\n \"value\" : [ {\"value\":[1]} ] }\n";
        assert_eq!(read(body), link("n"));
    }

    #[test]
    fn uncertain_layouts_are_left_to_a_whole_read() {
        // No link to be seen: only a whole read can say there is none.
        assert_eq!(read(r#"{"value":[]}"#), None);
        assert_eq!(read(""), None);
        // A link only inside a device.
        assert_eq!(
            read(r#"{"value":[{"x":1,"@odata.nextLink":"inner"}]}"#),
            None
        );
        // A link-like key inside a string.
        assert_eq!(
            read(r#"{"value":[],"x":"a,\"@odata.nextLink\":\"n\"}"}"#),
            None
        );
        // Truncated.
        assert_eq!(read(r#"{"value":[{"id":"a"}],"@odata.nextLink":"n"#), None);
        // The link of the wrong type.
        assert_eq!(read(r#"{"value":[],"@odata.nextLink":5}"#), None);
    }
}
