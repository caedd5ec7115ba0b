//! Text read 64 bytes at a time as bitmasks: where a character is, and where bytes beyond
//! ASCII are, a bit a byte.

/// Bytes one pair of masks covers.
pub(super) const BLOCK: usize = 64;

/// Where `block` (at most [`BLOCK`] bytes) holds `want`, compared with `fold`'s bits set in
/// each byte (`0x20` to ignore the case of a lower-case letter, 0 for an exact byte), and
/// where it holds bytes beyond ASCII: bit `k` of each mask for byte `k`.
pub(super) fn block_masks(block: &[u8], want: u8, fold: u8) -> (u64, u64) {
    let mut room = [0; BLOCK];
    masks_of(whole(block, &mut room), want, fold)
}

/// `block` as a whole block: itself when it is one, else copied into `room` and padded
/// with zero bytes (ASCII, and past the end of the text, so no field reads their bits).
fn whole<'b>(block: &'b [u8], room: &'b mut [u8; BLOCK]) -> &'b [u8; BLOCK] {
    match block.try_into() {
        Ok(whole) => whole,
        Err(_) => {
            let len = block.len().min(BLOCK);
            room[..len].copy_from_slice(&block[..len]);
            room
        }
    }
}

/// Where `block` (at most [`BLOCK`] bytes) holds each of `wanted` (a byte and the bits to
/// set before comparing, as [`block_masks`] takes them), into `found` (a mask each, in the
/// same order); gives where it holds bytes beyond ASCII. Each byte of the block is read once
/// for all of them.
pub(super) fn block_masks_each(block: &[u8], wanted: &[(u8, u8)], found: &mut [u64]) -> u64 {
    let mut room = [0; BLOCK];
    masks_each_of(whole(block, &mut room), wanted, found)
}

#[cfg(target_arch = "x86_64")]
fn masks_each_of(block: &[u8; BLOCK], wanted: &[(u8, u8)], found: &mut [u64]) -> u64 {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    found.iter_mut().for_each(|mask| *mask = 0);
    let mut beyond = 0u64;
    for (k, part) in block.chunks_exact(16).enumerate() {
        // SAFETY: SSE2 is part of every x86_64 processor, and the load reads the 16 bytes of
        // `part`, all within the block.
        unsafe {
            let bytes = _mm_loadu_si128(part.as_ptr().cast());
            beyond |= u64::from(_mm_movemask_epi8(bytes) as u16) << (16 * k);
            for (&(want, fold), mask) in wanted.iter().zip(found.iter_mut()) {
                let folded = _mm_or_si128(bytes, _mm_set1_epi8(fold as i8));
                let equal = _mm_cmpeq_epi8(folded, _mm_set1_epi8(want as i8));
                *mask |= u64::from(_mm_movemask_epi8(equal) as u16) << (16 * k);
            }
        }
    }
    beyond
}

#[cfg(not(target_arch = "x86_64"))]
fn masks_each_of(block: &[u8; BLOCK], wanted: &[(u8, u8)], found: &mut [u64]) -> u64 {
    for (&(want, fold), mask) in wanted.iter().zip(found.iter_mut()) {
        *mask = masks_byte_by_byte(block, want, fold).0;
    }
    masks_byte_by_byte(block, 0, 0).1
}

#[cfg(target_arch = "x86_64")]
fn masks_of(block: &[u8; BLOCK], want: u8, fold: u8) -> (u64, u64) {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    let (mut found, mut beyond) = (0u64, 0u64);
    // SAFETY: SSE2 is part of every x86_64 processor, and each load reads 16 bytes of the
    // block, all within it.
    unsafe {
        let wanted = _mm_set1_epi8(want as i8);
        let folding = _mm_set1_epi8(fold as i8);
        for (k, part) in block.chunks_exact(16).enumerate() {
            let bytes = _mm_loadu_si128(part.as_ptr().cast());
            let equal = _mm_cmpeq_epi8(_mm_or_si128(bytes, folding), wanted);
            found |= u64::from(_mm_movemask_epi8(equal) as u16) << (16 * k);
            beyond |= u64::from(_mm_movemask_epi8(bytes) as u16) << (16 * k);
        }
    }
    (found, beyond)
}

#[cfg(not(target_arch = "x86_64"))]
fn masks_of(block: &[u8; BLOCK], want: u8, fold: u8) -> (u64, u64) {
    masks_byte_by_byte(block, want, fold)
}

/// [`masks_of`] a byte at a time.
#[cfg(any(test, not(target_arch = "x86_64")))]
fn masks_byte_by_byte(block: &[u8; BLOCK], want: u8, fold: u8) -> (u64, u64) {
    block
        .iter()
        .enumerate()
        .fold((0, 0), |(found, beyond), (k, &b)| {
            (
                found | u64::from(b | fold == want) << k,
                beyond | u64::from(!b.is_ascii()) << k,
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_mark_each_byte_as_read_one_at_a_time() {
        // Every byte at every place, among bytes of every kind.
        let text: Vec<u8> = (0..=255u8).cycle().take(BLOCK * 9).collect();
        for start in 0..BLOCK * 4 {
            for len in [0, 1, 15, 16, 17, 63, 64] {
                let block = &text[start..start + len];
                let mut padded = [0; BLOCK];
                padded[..len].copy_from_slice(block);
                for (want, fold) in [(b'd', 0x20), (b'D', 0x20), (b'-', 0), (b'7', 0), (0x80, 0)] {
                    assert_eq!(
                        block_masks(block, want, fold),
                        masks_byte_by_byte(&padded, want, fold),
                        "{start} {len} {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn masks_of_several_bytes_at_once_are_each_ones_alone() {
        let text: Vec<u8> = (0..=255u8).cycle().take(BLOCK * 5).collect();
        let wanted = [(b'd', 0x20), (b'-', 0), (b'7', 0), (b'z', 0x20), (b' ', 0)];
        for start in (0..BLOCK * 4).step_by(7) {
            for len in [0, 1, 17, 63, 64] {
                let block = &text[start..start + len];
                let mut found = [u64::MAX; 5];
                let beyond = block_masks_each(block, &wanted, &mut found);
                for (&(want, fold), &mask) in wanted.iter().zip(&found) {
                    assert_eq!(
                        (mask, beyond),
                        block_masks(block, want, fold),
                        "{start} {len}"
                    );
                }
                assert_eq!(block_masks_each(block, &[], &mut []), beyond);
            }
        }
    }

    #[test]
    fn a_lower_case_letter_folded_finds_both_cases_and_nothing_else() {
        let (found, beyond) = block_masks("dD d\u{e9}-Z".as_bytes(), b'd', 0x20);
        assert_eq!(found, 0b1011);
        assert_eq!(beyond, 0b110000);
    }
}
