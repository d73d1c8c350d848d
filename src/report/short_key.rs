//! A participant's key (`engine::key_of`) of at most 23 bytes, as most are, held in three
//! numbers of eight bytes rather than as bytes.
//!
//! A key is made, moved and compared for every row of a return. Held as an array of 23 bytes
//! and a length, it was copied as overlapping pieces of 16 and 8 bytes, each copy read back
//! before the write it overlaps had landed: the processor waits for such a write to reach
//! its cache (a fifth of the time of reading a row went there). Held as numbers, it is made
//! in registers from the reference's bytes, eight at a time (the capitals found and lowered
//! in the same numbers), and moved and compared as three numbers.

use std::cmp::Ordering;
use std::num::NonZeroU64;

/// A key of at most `ShortKey::MOST` bytes: byte `i` of the key is byte `i % 8` (counted from
/// the lowest) of number `i / 8`, the bytes past its length zeros, and the length plus one
/// in the top byte of the last number (never zero, so that an absent key takes no more room
/// than a key: `Option<ShortKey>`).
#[derive(PartialEq, Eq, Clone, Copy)]
pub(crate) struct ShortKey {
    words: [u64; 2],
    last: NonZeroU64,
}

const _: () = assert!(std::mem::size_of::<Option<ShortKey>>() == 24);

/// Eight bytes, each `byte`.
const fn each(byte: u8) -> u64 {
    u64::from_le_bytes([byte; 8])
}

/// The top bit of each of eight bytes.
const TOPS: u64 = each(0x80);

/// The bytes of the last number that hold key bytes (the top one holds the length).
const LAST_BYTES: u64 = (1 << 56) - 1;

/// Hashed as the few numbers its bytes make, not byte by byte: a key is hashed for every
/// claim.
impl std::hash::Hash for ShortKey {
    #[inline]
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let length = self.len();
        state.write_u64(self.words[0] ^ length as u64);
        if length > 8 {
            state.write_u64(self.words[1]);
        }
        if length > 16 {
            state.write_u64(self.last.get() & LAST_BYTES);
        }
    }
}

/// The bytes of `bytes` (at most 24) as three numbers as `ShortKey` holds them: each read
/// eight at a time where there are eight, never byte by byte into memory and back.
#[inline]
pub(crate) fn words_of(bytes: &[u8]) -> [u64; 3] {
    let eight = |at: usize| -> u64 {
        match bytes.get(at..at + 8) {
            Some(whole) => u64::from_le_bytes(whole.try_into().unwrap_or_default()),
            None if at >= bytes.len() => 0,
            // The last few: the key's last eight bytes read at once and shifted down, or,
            // for a key shorter than eight, its bytes gathered in a register.
            None => match bytes.len().checked_sub(8) {
                Some(from) => {
                    let tail = u64::from_le_bytes(bytes[from..].try_into().unwrap_or_default());
                    tail >> (8 * (at + 8 - bytes.len()))
                }
                None => bytes
                    .iter()
                    .rev()
                    .fold(0, |word, &byte| word << 8 | u64::from(byte)),
            },
        }
    };
    [eight(0), eight(8), eight(16)]
}

impl ShortKey {
    /// The most bytes a key held so has.
    pub(crate) const MOST: usize = 23;

    #[inline]
    fn from_words([a, b, c]: [u64; 3], length: usize) -> ShortKey {
        ShortKey {
            words: [a, b],
            // The top byte is at least one: never zero.
            last: NonZeroU64::new((c & LAST_BYTES) | (length as u64 + 1) << 56)
                .unwrap_or(NonZeroU64::MIN),
        }
    }

    #[inline]
    pub(crate) fn of(key: &str) -> Option<ShortKey> {
        (key.len() <= ShortKey::MOST)
            .then(|| ShortKey::from_words(words_of(key.as_bytes()), key.len()))
    }

    /// The key of `reference` (as `key_of` makes it) when the reference is ASCII and short,
    /// with a bit for each of its bytes that is a capital, counted from the first: made in
    /// one pass over three numbers, as a return's rows are read.
    #[inline]
    pub(crate) fn lowered(reference: &str) -> Option<(ShortKey, u32)> {
        if reference.len() > ShortKey::MOST {
            return None;
        }
        let mut words = words_of(reference.as_bytes());
        if words.iter().any(|w| w & TOPS != 0) {
            return None;
        }
        let mut capitals = 0;
        for (i, word) in words.iter_mut().enumerate() {
            // Below 0x80, a byte plus 0x3F reaches its top bit from `A` up and a byte plus
            // 0x25 from past `Z`; neither carries into the next byte.
            let capital = (*word + each(0x3F)) & !(*word + each(0x25)) & TOPS;
            *word |= capital >> 2;
            // Each byte's top bit gathered into the top byte, then moved down: a bit a byte.
            let bits = ((capital >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u32;
            capitals |= bits << (8 * i);
        }
        Some((ShortKey::from_words(words, reference.len()), capitals))
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        (self.last.get() >> 56) as usize - 1
    }

    /// The key's bytes, in an array of which the first `len` are the key.
    fn array(&self) -> [u8; 24] {
        let mut bytes = [0; 24];
        bytes[..8].copy_from_slice(&self.words[0].to_le_bytes());
        bytes[8..16].copy_from_slice(&self.words[1].to_le_bytes());
        bytes[16..].copy_from_slice(&(self.last.get() & LAST_BYTES).to_le_bytes());
        bytes
    }

    /// The reference the key was made from, given a bit for each of its bytes that was a
    /// capital (`ShortKey::lowered`), counted from the first: held in place, as a key's few
    /// bytes fit, not allocated (a return names millions of participants).
    pub(crate) fn shown(self, capitals: u32) -> crate::source::Str {
        let mut bytes = self.array();
        for (i, byte) in bytes.iter_mut().enumerate().take(self.len()) {
            if capitals & (1 << i) != 0 {
                byte.make_ascii_uppercase();
            }
        }
        // Only ASCII letters changed, each to another ASCII letter: still UTF-8.
        crate::source::Str::from_utf8_lossy(&bytes[..self.len()])
    }

    /// Compare the key with `other`'s bytes, as byte strings are compared.
    pub(crate) fn cmp_bytes(&self, other: &[u8]) -> Ordering {
        self.array()[..self.len()].cmp(other)
    }

    /// A number for each eight of the key's bytes from its first, the length last, that
    /// order keys as their bytes do (the bytes past the length are zeros, and a key that is
    /// the beginning of another, zeros after it or not, is the shorter).
    #[inline]
    pub(crate) fn order(&self) -> (u64, u64, u64) {
        (
            self.words[0].swap_bytes(),
            self.words[1].swap_bytes(),
            self.last.get().swap_bytes(),
        )
    }

    /// The eight bytes from byte `at`, zeros past the key, as a number that orders them
    /// as their bytes do (the first byte the most significant).
    #[inline]
    pub(crate) fn eight_from(&self, at: usize) -> u64 {
        let words = [
            self.words[0],
            self.words[1],
            self.last.get() & LAST_BYTES,
            0,
        ];
        let (i, shift) = (at / 8, 8 * (at % 8) as u32);
        let Some(&low) = words.get(i) else {
            return 0;
        };
        let high = match shift {
            0 => 0,
            _ => words.get(i + 1).map_or(0, |w| w << (64 - shift)),
        };
        ((low >> shift) | high).swap_bytes()
    }

    /// Compare the key's first bytes with `begins` (the first `MOST` of it in `ShortKey`'s
    /// numbers: `words_of`), as `key[..min(len, begins_len)].cmp(begins)` would: a key
    /// that is the beginning of `begins` and shorter is less.
    #[inline]
    pub(crate) fn cmp_beginning(&self, begins: &[u64; 3], begins_len: usize) -> Ordering {
        let length = self.len();
        let n = length.min(begins_len);
        let mine = [self.words[0], self.words[1], self.last.get() & LAST_BYTES];
        for (i, (&a, &b)) in mine.iter().zip(begins).enumerate() {
            let bytes = n.saturating_sub(8 * i).min(8);
            if bytes == 0 {
                break;
            }
            let mask = if bytes == 8 {
                u64::MAX
            } else {
                (1 << (8 * bytes)) - 1
            };
            let differ = (a ^ b) & mask;
            if differ != 0 {
                let shift = differ.trailing_zeros() / 8 * 8;
                return ((a >> shift) as u8).cmp(&((b >> shift) as u8));
            }
        }
        n.cmp(&begins_len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys of every length up to the most, of ASCII with capitals at every place, and of
    /// text beyond ASCII: made, lowered, ordered and cut as their bytes are.
    #[test]
    fn a_key_is_its_bytes_in_every_way_it_is_read() {
        let mut references: Vec<String> = Vec::new();
        for length in 0..=ShortKey::MOST + 1 {
            let plain: String = (0..length)
                .map(|i| (b"az09-_AZ@[`{"[i % 12]) as char)
                .collect();
            references.push(plain.clone());
            references.push(plain.to_ascii_uppercase());
            references.push(format!("{}\u{0}", &plain[..length.saturating_sub(1)]));
        }
        references
            .extend(["é", "Émile", "x\u{130}", "\u{212a}", "ab\u{0}", "ab"].map(String::from));
        for reference in &references {
            let short = ShortKey::of(reference);
            assert_eq!(
                short.is_some(),
                reference.len() <= ShortKey::MOST,
                "{reference:?}"
            );
            let Some(short) = short else { continue };
            assert_eq!(short.len(), reference.len());
            assert_eq!(short.shown(0), *reference);
            match ShortKey::lowered(reference) {
                Some((key, capitals)) => {
                    assert!(reference.is_ascii());
                    assert_eq!(key.shown(0), reference.to_ascii_lowercase());
                    let expected = reference
                        .bytes()
                        .enumerate()
                        .filter(|(_, b)| b.is_ascii_uppercase())
                        .fold(0_u32, |bits, (i, _)| bits | 1 << i);
                    assert_eq!(capitals, expected, "{reference:?}");
                }
                None => assert!(!reference.is_ascii(), "{reference:?}"),
            }
            for other in &references {
                let Some(theirs) = ShortKey::of(other) else {
                    continue;
                };
                assert_eq!(
                    short.order().cmp(&theirs.order()),
                    reference.as_bytes().cmp(other.as_bytes()),
                    "{reference:?} against {other:?}"
                );
                assert_eq!(
                    short.cmp_bytes(other.as_bytes()),
                    reference.as_bytes().cmp(other.as_bytes())
                );
                assert_eq!(short == theirs, reference == other);
                for n in 0..=other.len().min(ShortKey::MOST) {
                    let begins = &other.as_bytes()[..n];
                    let k = reference.len().min(n);
                    assert_eq!(
                        short.cmp_beginning(&words_of(begins), n),
                        reference.as_bytes()[..k].cmp(begins),
                        "{reference:?} begins as {begins:?}"
                    );
                }
            }
            for at in 0..=ShortKey::MOST + 1 {
                let mut eight = [0; 8];
                for (i, byte) in eight.iter_mut().enumerate() {
                    *byte = reference.as_bytes().get(at + i).copied().unwrap_or(0);
                }
                assert_eq!(
                    short.eight_from(at),
                    u64::from_be_bytes(eight),
                    "{reference:?} at {at}"
                );
            }
        }
    }
}
