//! The devices of a list: each one's facts, and all their text in one arena, in list order,
//! so a list of a million devices is two allocations, and reading the devices in order reads
//! memory in order.

use time::OffsetDateTime;

use super::{DeviceFields, DeviceOf, DeviceRef, Facts, SEARCHED_FIELDS, Searched, nanos};

/// Devices in order, their text held in one string.
///
/// A device replaced by one whose text is no longer takes its place in the arena; a longer one
/// goes to its end. The bytes no device reads any more are reclaimed, in place, once they are
/// a quarter of the arena.
#[derive(Clone, Default)]
pub struct DeviceTable {
    slots: Vec<Slot>,
    text: String,
    /// Bytes of `text` that no device reads.
    unused: usize,
}

/// One device of the table: its facts and where its text starts in the arena.
#[derive(Clone, Copy)]
struct Slot {
    facts: Facts,
    start: usize,
}

impl Slot {
    fn range(&self) -> std::ops::Range<usize> {
        self.start..self.start + self.facts.text_len()
    }
}

impl<T: AsRef<str>> From<Vec<DeviceOf<T>>> for DeviceTable {
    fn from(devices: Vec<DeviceOf<T>>) -> DeviceTable {
        devices.into_iter().collect()
    }
}

impl DeviceTable {
    /// Bytes each device takes in the table besides its text.
    pub const SLOT_BYTES: usize = std::mem::size_of::<Slot>();

    /// An empty table with room for `devices` devices and `text` bytes of their text.
    pub fn with_capacity(devices: usize, text: usize) -> DeviceTable {
        DeviceTable {
            slots: Vec::with_capacity(devices),
            text: String::with_capacity(text),
            unused: 0,
        }
    }

    /// How many devices the table holds.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether the table holds no device.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The bytes the devices' text takes, and the bytes no device reads any more.
    #[cfg(test)]
    pub fn text_bytes(&self) -> (usize, usize) {
        (self.text.len() - self.unused, self.unused)
    }

    /// The device at `index`.
    pub fn get(&self, index: usize) -> Option<DeviceRef<'_>> {
        let slot = self.slots.get(index)?;
        Some(self.device(slot))
    }

    fn device(&self, slot: &Slot) -> DeviceRef<'_> {
        DeviceOf {
            text: self.text.get(slot.range()).unwrap_or(""),
            facts: slot.facts,
        }
    }

    /// Asks the processor to fetch the facts of device `index` into its cache, ahead of a
    /// search reading them: a search of a million devices then waits on memory far less.
    pub fn prefetch_facts(&self, index: usize) {
        if let Some(slot) = self.slots.get(index) {
            prefetch(std::ptr::from_ref(slot).cast());
        }
    }

    /// Asks the processor to fetch every line of the text of device `index` from its searched
    /// field `field` to the end of the searched fields (fetch its facts ahead with
    /// [`Self::prefetch_facts`]).
    pub fn prefetch_fields_from(&self, index: usize, field: usize) {
        let Some(slot) = self.slots.get(index) else {
            return;
        };
        let ends = slot.facts.searched_ends();
        let from = field.checked_sub(1).and_then(|f| ends.get(f)).copied();
        let from = slot.start + usize::from(from.unwrap_or(0));
        let to = slot.start + usize::from(ends[SEARCHED_FIELDS - 1]);
        if let Some(text) = self.text.as_bytes().get(from..to) {
            text.chunks(LINE).for_each(|line| prefetch(line.as_ptr()));
            // The last line the text reaches, when it starts part-way into its first.
            if let Some(last) = text.last()
                && (from % LINE + text.len()).div_ceil(LINE) > text.len().div_ceil(LINE)
            {
                prefetch(std::ptr::from_ref(last));
            }
        }
    }

    /// The fields `/` searches of device `index`, read without touching its text: a search
    /// then reads only the bytes it looks at.
    pub fn searched(&self, index: usize) -> Option<Searched<'_>> {
        let slot = self.slots.get(index)?;
        let ends = slot.facts.searched_ends();
        let end = slot.start + usize::from(ends[SEARCHED_FIELDS - 1]);
        Some(Searched {
            bytes: self.text.as_bytes().get(slot.start..end)?,
            ends,
        })
    }

    /// Every device, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = DeviceRef<'_>> + '_ {
        self.slots.iter().map(|slot| self.device(slot))
    }

    /// The devices from `from` on, in order.
    pub fn iter_from(&self, from: usize) -> impl Iterator<Item = DeviceRef<'_>> + '_ {
        self.slots
            .get(from..)
            .unwrap_or_default()
            .iter()
            .map(|slot| self.device(slot))
    }

    /// Adds a copy of `device` at the end.
    pub fn push<T: AsRef<str>>(&mut self, device: &DeviceOf<T>) {
        let start = self.text.len();
        self.text.push_str(device.text.as_ref());
        self.slots.push(Slot {
            facts: device.facts,
            start,
        });
    }

    /// Builds a device from `fields` at the end, its text sanitised straight into the arena.
    pub fn push_fields(&mut self, fields: &DeviceFields<'_>) {
        let start = self.text.len();
        let facts = Facts::write(fields, &mut self.text);
        self.slots.push(Slot { facts, start });
    }

    /// Puts a copy of `device` in place of the device at `index`.
    pub fn replace<T: AsRef<str>>(&mut self, index: usize, device: &DeviceOf<T>) {
        let Some(slot) = self.slots.get(index).copied() else {
            return;
        };
        let text = device.text.as_ref();
        let old = slot.range();
        let end = old.start + text.len();
        let start = if text.len() <= old.len() && self.text.is_char_boundary(end) {
            // Written over the old text; what is left of it after is no longer read.
            self.text.replace_range(old.start..end, text);
            self.unused += old.len() - text.len();
            old.start
        } else {
            let start = self.text.len();
            self.text.push_str(text);
            self.unused += old.len();
            start
        };
        self.slots[index] = Slot {
            facts: device.facts,
            start,
        };
        self.reclaim_if_worth_it();
    }

    /// Records when the device at `index` last checked in.
    pub fn set_last_sync_date_time(&mut self, index: usize, at: Option<OffsetDateTime>) {
        if let Some(slot) = self.slots.get_mut(index) {
            slot.facts.last_sync = nanos(at);
        }
    }

    /// Keeps the devices `keep` admits (given each one's index), in order.
    pub fn retain(&mut self, mut keep: impl FnMut(usize) -> bool) {
        let mut index = 0;
        let mut dropped = 0;
        self.slots.retain(|slot| {
            let kept = keep(index);
            index += 1;
            if !kept {
                dropped += slot.facts.text_len();
            }
            kept
        });
        self.unused += dropped;
        self.reclaim_if_worth_it();
    }

    /// Adds every device of `other` at the end, in order.
    pub fn append(&mut self, other: DeviceTable) {
        let offset = self.text.len();
        self.text.push_str(&other.text);
        self.unused += other.unused;
        self.slots.extend(other.slots.into_iter().map(|slot| Slot {
            start: slot.start + offset,
            ..slot
        }));
    }

    /// Removes every device, keeping the memory for the next ones.
    pub fn clear(&mut self) {
        self.slots.clear();
        self.text.clear();
        self.unused = 0;
    }

    /// Makes room for `devices` more devices.
    pub fn reserve_exact(&mut self, devices: usize) {
        self.slots.reserve_exact(devices);
    }

    /// Makes room for `bytes` more bytes of text.
    pub fn reserve_text(&mut self, bytes: usize) {
        self.text.reserve_exact(bytes);
    }

    /// Gives back the memory beyond what the devices take.
    pub fn shrink_to_fit(&mut self) {
        self.slots.shrink_to_fit();
        self.text.shrink_to_fit();
    }

    fn reclaim_if_worth_it(&mut self) {
        if self.unused > (1 << 16) && self.unused >= self.text.len() / 4 {
            self.reclaim();
        }
    }

    /// Closes up the text no device reads, in place: each device's text moves down, taken in
    /// the order they are held, so none is written over before it has moved.
    pub fn reclaim(&mut self) {
        if self.unused == 0 {
            return;
        }
        let mut order: Vec<u32> = (0..self.slots.len() as u32).collect();
        order.sort_unstable_by_key(|&i| self.slots[i as usize].start);
        let mut bytes = std::mem::take(&mut self.text).into_bytes();
        let mut written = 0;
        for i in order {
            let slot = &mut self.slots[i as usize];
            let range = slot.range();
            let len = range.len();
            bytes.copy_within(range, written);
            slot.start = written;
            written += len;
        }
        bytes.truncate(written);
        // Whole devices' text, each valid, one after another: valid.
        self.text = String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        self.text.shrink_to_fit();
        self.unused = 0;
    }
}

/// Bytes in a line of the processor's cache.
const LINE: usize = 64;

/// A hint to bring the cache line at `at` in; nothing is read into the program.
#[inline]
fn prefetch(at: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint that never faults, whatever the address, and reads nothing
    // into the program; SSE, which has it, is part of every x86_64 processor.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(at.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}

impl PartialEq for DeviceTable {
    /// The same devices in the same order, however their text is laid out.
    fn eq(&self, other: &DeviceTable) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl std::fmt::Debug for DeviceTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceTable")
            .field("devices", &self.slots.len())
            .field("text", &self.text.len())
            .field("unused", &self.unused)
            .finish()
    }
}

impl<T: AsRef<str>> FromIterator<DeviceOf<T>> for DeviceTable {
    fn from_iter<I: IntoIterator<Item = DeviceOf<T>>>(devices: I) -> DeviceTable {
        let mut table = DeviceTable::default();
        for device in devices {
            table.push(&device);
        }
        table
    }
}

impl<T: AsRef<str>> Extend<DeviceOf<T>> for DeviceTable {
    fn extend<I: IntoIterator<Item = DeviceOf<T>>>(&mut self, devices: I) {
        for device in devices {
            self.push(&device);
        }
    }
}

#[cfg(test)]
mod tests;
