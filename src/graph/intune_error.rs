//! Intune's own error, which Graph passes on as a JSON string inside `error.message`:
//! `{"_version":3,"Message":"An error has occurred - Operation ID (for customer support): … -
//! Activity ID: … - Url: …","CustomApiErrorPhrase":"",…}`. Shown raw it is a wall of escaped
//! JSON; read, it gives the sentence to show and the activity id support asks for.

use serde::Deserialize;

use crate::domain::text::{sanitize, sanitize_bounded};

/// Longest explanation kept, in characters.
const MAX_MESSAGE_CHARS: usize = 300;

/// What Intune said about a failed request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntuneError {
    /// The sentence to show: Intune's custom phrase when it gave one, else its `Message`
    /// without the internal URL it ends with. Sanitised.
    pub message: String,
    /// The `Activity ID` Microsoft support asks for, when Intune named one. Sanitised.
    pub activity_id: Option<String>,
}

#[derive(Deserialize)]
struct Wire {
    #[serde(rename = "_version")]
    version: Option<serde_json::Value>,
    #[serde(rename = "Message")]
    message: Option<String>,
    #[serde(rename = "CustomApiErrorPhrase")]
    custom_phrase: Option<String>,
}

/// Reads Intune's error out of Graph's `error.message`; `None` when the message is plain text
/// (or any JSON that is not Intune's error object).
pub fn parse(graph_message: &str) -> Option<IntuneError> {
    let trimmed = graph_message.trim();
    if !trimmed.starts_with('{') {
        return None;
    }
    let wire: Wire = serde_json::from_str(trimmed).ok()?;
    if wire.version.is_none() && wire.message.is_none() {
        return None;
    }
    let raw = wire.message.unwrap_or_default();
    let activity_id = labelled_value(&raw, "Activity ID:").map(|id| sanitize(&id));
    let phrase = wire
        .custom_phrase
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| without_url(&raw).to_string());
    let message = if phrase.trim().is_empty() {
        "Intune reported an error without a message".to_string()
    } else {
        sanitize_bounded(phrase.trim(), MAX_MESSAGE_CHARS)
    };
    Some(IntuneError {
        message,
        activity_id,
    })
}

/// `message` without the ` - Url: …` part Intune appends (its internal endpoint).
fn without_url(message: &str) -> &str {
    match message.find(" - Url:") {
        Some(at) => message[..at].trim_end(),
        None => message,
    }
}

/// The word after `label` in `text`, up to white space or ` - `.
fn labelled_value(text: &str, label: &str) -> Option<String> {
    let at = text.find(label)? + label.len();
    let value: String = text[at..]
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let value = value.trim_end_matches('-').to_string();
    (!value.is_empty()).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACTIVITY: &str = "4f0c2b1e-8d2a-4e7b-9c55-1a2b3c4d5e6f";

    fn intune_message(inner: &str, phrase: &str) -> String {
        serde_json::json!({
            "_version": 3,
            "Message": inner,
            "CustomApiErrorPhrase": phrase,
            "RetryAfter": null,
            "ErrorSourceService": "",
            "HttpHeaders": "{}",
        })
        .to_string()
    }

    #[test]
    fn the_message_and_activity_id_come_out_of_intunes_json() {
        let message = intune_message(
            &format!(
                "An error has occurred - Operation ID (for customer support): \
                 00000000-0000-0000-0000-000000000000 - Activity ID: {ACTIVITY} - Url: \
                 https://fef.msua06.manage.microsoft.com/DeviceFE/StatelessDeviceFEService/x"
            ),
            "",
        );
        let error = parse(&message).expect("Intune's error");
        assert_eq!(error.activity_id.as_deref(), Some(ACTIVITY));
        assert!(error.message.starts_with("An error has occurred"));
        assert!(!error.message.contains("Url:"), "{}", error.message);
        assert!(!error.message.contains("fef.msua06"));
    }

    #[test]
    fn a_custom_phrase_is_preferred() {
        let message = intune_message(
            &format!("An error has occurred - Activity ID: {ACTIVITY}"),
            "The remote assistance partner is not onboarded.",
        );
        let error = parse(&message).expect("Intune's error");
        assert_eq!(
            error.message,
            "The remote assistance partner is not onboarded."
        );
        assert_eq!(error.activity_id.as_deref(), Some(ACTIVITY));
    }

    #[test]
    fn plain_messages_and_other_json_are_not_intunes() {
        assert_eq!(parse("Resource not found for the segment 'x'."), None);
        assert_eq!(parse(r#"{"something":"else"}"#), None);
        assert_eq!(parse("{not json"), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn hostile_text_inside_is_made_safe() {
        let message = intune_message(
            "\u{1b}]52;c;AAAA\u{7}boom\u{1b}[2J - Activity ID: x\u{1b}y",
            "",
        );
        let error = parse(&message).expect("Intune's error");
        assert!(!error.message.contains('\u{1b}'));
        assert!(error.activity_id.iter().all(|id| !id.contains('\u{1b}')));
    }
}
