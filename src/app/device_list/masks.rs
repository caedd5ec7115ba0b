//! Every device's mask, kept two ways: by device (what one device's fields hold), and by
//! character (which devices hold it, 64 devices a word). A needle's characters are looked up
//! for 64 devices at once, reading a few words instead of every device's mask.

use super::search::DeviceMask;

/// Devices a block of [`Masks::by_char`] covers: one bit each in a word.
pub(super) const BLOCK: usize = 64;

/// Below this many blocks one core turns masks into blocks.
const PARALLEL_FROM_BLOCKS: usize = 1_000;

/// One block: for each bit of a mask's `chars`, the word whose bit `k` is that bit of the
/// block's `k`th device.
type Block = [u64; 64];

/// The masks of a list's devices, in its order.
#[derive(Clone, Debug, Default)]
pub(super) struct Masks {
    by_device: Vec<DeviceMask>,
    /// Block `b` covers devices `64 b` to `64 b + 63`; bits of devices not in the list are 0.
    by_char: Vec<Block>,
}

impl Masks {
    /// The masks of a whole list.
    pub(super) fn of(masks: Vec<DeviceMask>) -> Self {
        Masks {
            by_char: blocks_of(&masks),
            by_device: masks,
        }
    }

    /// The mask of device `index`.
    pub(super) fn get(&self, index: usize) -> Option<&DeviceMask> {
        self.by_device.get(index)
    }

    pub(super) fn len(&self) -> usize {
        self.by_device.len()
    }

    pub(super) fn push(&mut self, mask: DeviceMask) {
        let index = self.by_device.len();
        if index.is_multiple_of(BLOCK) {
            self.by_char.push([0; 64]);
        }
        self.by_device.push(mask);
        self.mark(index, mask.chars);
    }

    /// Adds the masks of devices added to the list.
    pub(super) fn extend(&mut self, masks: Vec<DeviceMask>) {
        // Fill the last block one device at a time, then the blocks after it whole.
        let filling = (BLOCK - self.len() % BLOCK) % BLOCK;
        let (first, rest) = masks.split_at(filling.min(masks.len()));
        first.iter().for_each(|&mask| self.push(mask));
        self.by_char.extend(blocks_of(rest));
        self.by_device.extend_from_slice(rest);
    }

    /// Puts `mask` in place of device `index`'s.
    pub(super) fn set(&mut self, index: usize, mask: DeviceMask) {
        let Some(old) = self.by_device.get_mut(index) else {
            return;
        };
        let unmarked = std::mem::replace(old, mask).chars;
        if let Some(block) = self.by_char.get_mut(index / BLOCK) {
            each_bit(unmarked, |bit| block[bit] &= !(1 << (index % BLOCK)));
        }
        self.mark(index, mask.chars);
    }

    /// Keeps the masks of the devices `keep` gives true for, in order (true past its end).
    pub(super) fn retain(&mut self, mut keep: impl Iterator<Item = bool>) {
        self.by_device.retain(|_| keep.next().unwrap_or(true));
        self.by_char = blocks_of(&self.by_device);
    }

    pub(super) fn clear(&mut self) {
        self.by_device.clear();
        self.by_char.clear();
    }

    /// Makes room for `more` devices.
    pub(super) fn reserve_exact(&mut self, more: usize) {
        self.by_device.reserve_exact(more);
        let blocks = (self.len() + more).div_ceil(BLOCK);
        self.by_char
            .reserve_exact(blocks.saturating_sub(self.by_char.len()));
    }

    /// Which of block `block`'s devices have every character of `text` in their text, or
    /// (when `ids` is given) are marked by bit `hex_ids` and have every character of `ids` in
    /// their ids: a bit a device, `1 << k` for the block's `k`th. `text` and `ids` are bits
    /// of a mask's `chars`; `None` asks for no device. Bits of devices past the list's end
    /// may be set.
    pub(super) fn holding(&self, block: usize, text: Option<u64>, ids: Option<(u64, u32)>) -> u64 {
        let Some(block) = self.by_char.get(block) else {
            return 0;
        };
        let every = |bits: u64| {
            let mut holding = u64::MAX;
            each_bit(bits, |bit| holding &= block[bit]);
            holding
        };
        let in_text = text.map_or(0, every);
        let in_ids = ids.map_or(0, |(ids, hex_ids)| block[hex_ids as usize] & every(ids));
        in_text | in_ids
    }

    /// Sets the bits of device `index` in its block.
    fn mark(&mut self, index: usize, chars: u64) {
        if let Some(block) = self.by_char.get_mut(index / BLOCK) {
            each_bit(chars, |bit| block[bit] |= 1 << (index % BLOCK));
        }
    }
}

/// Calls `f` with the place of each bit set in `bits`, lowest first.
pub(super) fn each_bit(mut bits: u64, mut f: impl FnMut(usize)) {
    while bits != 0 {
        f(bits.trailing_zeros() as usize);
        bits &= bits - 1;
    }
}

/// The blocks of `masks`, the first device of `masks` first in its block; on every core for
/// long lists.
fn blocks_of(masks: &[DeviceMask]) -> Vec<Block> {
    let mut blocks = vec![[0u64; 64]; masks.len().div_ceil(BLOCK)];
    let fill = |blocks: &mut [Block], masks: &[DeviceMask]| {
        for (block, masks) in blocks.iter_mut().zip(masks.chunks(BLOCK)) {
            for (k, mask) in masks.iter().enumerate() {
                each_bit(mask.chars, |bit| block[bit] |= 1 << k);
            }
        }
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if blocks.len() < PARALLEL_FROM_BLOCKS || threads <= 1 {
        fill(&mut blocks, masks);
        return blocks;
    }
    let share = blocks.len().div_ceil(threads);
    std::thread::scope(|scope| {
        for (blocks, masks) in blocks.chunks_mut(share).zip(masks.chunks(share * BLOCK)) {
            scope.spawn(move || fill(blocks, masks));
        }
    });
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::device_list::search::{MASK_REFUSES, Needle, device_mask};
    use crate::domain::device::tests::windows_laptop;
    use crate::domain::{Device, DeviceFields};

    fn mask(i: usize) -> DeviceMask {
        let name = match i % 4 {
            0 => format!("DESKTOP-{i}"),
            1 => format!("kiosk {i}"),
            2 => format!("Ärzte-{i}"),
            _ => format!("pc_{i}@x"),
        };
        let device = Device::new(DeviceFields {
            id: if i.is_multiple_of(3) {
                format!("{i:08x}-0000-4f00-9d3e-1234567890ab").into()
            } else {
                format!("id-{i}").into()
            },
            name: name.into(),
            ..windows_laptop().fields()
        });
        device_mask(device.view())
    }

    /// The masks by character agree with the masks by device, and admit every device whose
    /// mask admits a needle (exactly those, for a needle the mask decides).
    fn check(masks: &Masks) {
        let mut rebuilt = Masks::of(masks.by_device.clone());
        assert_eq!(masks.by_char, rebuilt.by_char);
        rebuilt.clear();
        for needle in ["", "d", "k", "7", "-", "_", "ä", "desk", "0000-4f", "x@"] {
            let needle = Needle::new(needle);
            let (text, ids) = needle.char_needs();
            for (i, mask) in masks.by_device.iter().enumerate() {
                let held = masks.holding(i / BLOCK, text, ids) >> (i % BLOCK) & 1 == 1;
                let admitted = needle.verdict(*mask) != MASK_REFUSES;
                assert!(held || !admitted, "{i}");
                if needle.mask_decides() {
                    assert_eq!(held, admitted, "{i}");
                }
            }
        }
    }

    #[test]
    fn masks_by_character_follow_every_change_to_the_masks_by_device() {
        let mut masks = Masks::default();
        (0..70).for_each(|i| masks.push(mask(i)));
        check(&masks);
        masks.extend((70..300).map(mask).collect());
        check(&masks);
        masks.extend((300..64_500).map(mask).collect());
        check(&masks);
        masks.set(5, mask(2));
        masks.set(64_499, mask(1));
        check(&masks);
        masks.retain((0..64_500).map(|i| i % 7 != 3));
        check(&masks);
        masks.clear();
        assert_eq!((masks.len(), masks.by_char.len()), (0, 0));
    }
}
