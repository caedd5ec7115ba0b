//! What a search reads of a device: the bytes of the fields `/` searches and where each
//! ends, taken from a list without reading the text itself until the search does.

use super::SEARCHED_FIELDS;

/// The fields `/` searches of one device (id, Entra device id, name, primary user, UPN, serial
/// number, model), one after another, as bytes; every field is whole UTF-8 characters.
#[derive(Clone, Copy, Debug)]
pub struct Searched<'a> {
    /// The fields' bytes.
    pub bytes: &'a [u8],
    /// Where each field ends in `bytes`.
    pub ends: [u16; SEARCHED_FIELDS],
}

impl<'a> Searched<'a> {
    /// Each field's bytes, in order.
    pub fn fields(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        let bytes = self.bytes;
        let starts = std::iter::once(0).chain(self.ends);
        starts.zip(self.ends).map(move |(start, end)| {
            bytes
                .get(usize::from(start)..usize::from(end))
                .unwrap_or_default()
        })
    }

    /// Where the ids (the first two fields) end.
    pub fn ids_end(&self) -> usize {
        usize::from(self.ends[1])
    }
}
