//! A device as the inventory file keeps it: its facts as they are and its text as stored, read
//! back without trusting either.

use super::{
    ComplianceState, DeviceOf, DeviceTable, EnrollmentType, Facts, ManagementState, OwnerType,
    TextField,
};
use crate::domain::text::is_sanitized;

impl<T: AsRef<str>> DeviceOf<T> {
    /// The device as an inventory file stores it: its text, and its facts.
    pub fn stored(&self) -> (&str, Facts) {
        (self.text.as_ref(), self.facts)
    }
}

impl Facts {
    /// Whether these facts can be a device's, as [`Facts::write`] gives them: each state a
    /// known code with no text of its own, or "other" with its text; a device type only when
    /// Graph sent one.
    fn can_be_a_devices(&self) -> bool {
        let known = [
            ComplianceState::from_code(self.states[0]).is_some(),
            ManagementState::from_code(self.states[1]).is_some(),
            EnrollmentType::from_code(self.states[2]).is_some(),
            OwnerType::from_code(self.states[3]).is_some(),
        ];
        let others = [
            TextField::ComplianceOther,
            TextField::ManagementOther,
            TextField::EnrollmentOther,
            TextField::OwnerOther,
        ];
        let states_agree = known.iter().zip(&self.states).zip(others).all(
            |((&known, &code), other)| match known {
                true => self.field_range(other).is_empty(),
                false => code == super::OTHER,
            },
        );
        let type_agrees =
            self.has_device_type || self.field_range(TextField::DeviceType).is_empty();
        states_agree && type_agrees
    }
}

impl DeviceTable {
    /// Adds devices as an inventory file stores them: each one's facts, and their texts one
    /// after another in `text`. Facts that cannot be a device's are refused; text that is not
    /// plain printable ASCII is sanitised again, as if Graph had sent it, so a file changed by
    /// hand puts nothing on the screen that Graph could not.
    pub fn extend_stored(&mut self, facts: &[Facts], text: &[u8]) -> Result<(), String> {
        let text = std::str::from_utf8(text).map_err(|_| "its text is not UTF-8".to_string())?;
        let mut rest = text;
        for (i, facts) in facts.iter().enumerate() {
            let len = facts.text_len();
            let (own, after) =
                rest.split_at_checked(len)
                    .ok_or_else(|| match len > rest.len() {
                        true => format!("device {i} has less text than its facts say"),
                        false => format!("device {i} has text that splits a character"),
                    })?;
            rest = after;
            if !facts.can_be_a_devices() {
                return Err(format!("device {i} has facts no device can have"));
            }
            let mut end = 0;
            let whole = facts.lens.iter().all(|&len| {
                end += usize::from(len);
                own.is_char_boundary(end)
            });
            if !whole {
                return Err(format!("device {i} has a field that splits a character"));
            }
            let device = DeviceOf {
                text: own,
                facts: *facts,
            };
            if is_sanitized(own) {
                // Each field is what sanitising it would leave: nothing that may not be drawn,
                // and at most 255 bytes, so not cut.
                self.push(&device);
            } else {
                self.push_fields(&device.fields());
            }
        }
        if !rest.is_empty() {
            return Err("there is text after the last device".into());
        }
        Ok(())
    }
}
