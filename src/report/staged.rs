//! Items dealt out to many places, each place the room counted for it in one list (payment
//! lines to the days they fall due: `payments::by_day`), held a few for each place and
//! written a block at a time.
//!
//! Written one at a time, each item goes to a different page of memory from the last, a
//! thousand places apart, and the processor waits on each: dealing ten million rows' payment
//! lines to their days took four times as long as making them. Held in blocks that stay in
//! the processor's caches, sixteen for each place, and copied a block at a time, half as
//! long. (Claims
//! pushed to the lists of their shards as a return is read, 574 lists for ten million rows,
//! were no faster so.)

/// Copy `items` to the start of `place`, and move its start past them; false if it has no
/// room for them.
fn take<T: Copy>(place: &mut &mut [T], items: &[T]) -> bool {
    if place.len() < items.len() {
        return false;
    }
    let (here, after) = std::mem::take(place).split_at_mut(items.len());
    here.copy_from_slice(items);
    *place = after;
    true
}

/// The most items held for a place.
const PER_PLACE_MOST: usize = 16;

/// The most bytes held for all places: so many places that fewer than two items each would
/// be held are written to as they come.
const HELD_BYTES_MOST: usize = 1 << 20;

/// Items on their way to their places, each place's in the order put.
pub(crate) struct Staged<T> {
    per_place: usize,
    items: Vec<T>,
    held: Vec<u8>,
}

impl<T: Copy> Staged<T> {
    /// Room for the items of `places` places; `empty` fills it until items come.
    pub(crate) fn new(places: usize, empty: T) -> Staged<T> {
        let bytes = places.saturating_mul(std::mem::size_of::<T>()).max(1);
        let per_place = (HELD_BYTES_MOST / bytes).min(PER_PLACE_MOST);
        let (per_place, held) = if per_place >= 2 {
            (per_place, places)
        } else {
            (1, 0)
        };
        Staged {
            per_place,
            items: vec![empty; held * per_place],
            held: vec![0; held],
        }
    }

    /// Send `item` to `places[at]`; false if that has no room left for what it is sent.
    pub(crate) fn put(&mut self, at: usize, item: T, places: &mut [&mut [T]]) -> bool {
        if self.per_place == 1 {
            return take(&mut places[at], &[item]);
        }
        let n = usize::from(self.held[at]);
        let block = at * self.per_place..(at + 1) * self.per_place;
        self.items[block.start + n] = item;
        if n + 1 < self.per_place {
            self.held[at] += 1;
            return true;
        }
        self.held[at] = 0;
        take(&mut places[at], &self.items[block])
    }

    /// Send every item held to its place; false if a place has no room for them.
    pub(crate) fn flush(&mut self, places: &mut [&mut [T]]) -> bool {
        let mut whole = true;
        for (at, held) in self.held.iter_mut().enumerate() {
            let start = at * self.per_place;
            whole &= take(
                &mut places[at],
                &self.items[start..start + usize::from(*held)],
            );
            *held = 0;
        }
        whole
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whatever the number of places (a few held for each, or each item written as it
    /// comes), every place gets its items in the order put, with and without a flush between.
    #[test]
    fn each_place_gets_its_items_in_the_order_put() {
        for places in [1, 3, 1000, 200_000] {
            let mut state = places as u64;
            let dealt: Vec<(usize, u64)> = (0..100_000_u64)
                .map(|i| {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    (((state >> 33) % places as u64) as usize, i)
                })
                .collect();
            let mut expected: Vec<Vec<u64>> = vec![Vec::new(); places];
            for &(at, i) in &dealt {
                expected[at].push(i);
            }
            let mut room = vec![u64::MAX; dealt.len()];
            let mut slices: Vec<&mut [u64]> = Vec::with_capacity(places);
            let mut left: &mut [u64] = &mut room;
            for items in &expected {
                let (here, after) = std::mem::take(&mut left).split_at_mut(items.len());
                slices.push(here);
                left = after;
            }
            let mut staged = Staged::new(places, 0_u64);
            for &(at, i) in &dealt {
                assert!(staged.put(at, i, &mut slices));
                if i == 50_000 {
                    assert!(staged.flush(&mut slices));
                }
            }
            assert!(staged.flush(&mut slices));
            assert!(slices.iter().all(|s| s.is_empty()));
            assert_eq!(room, expected.concat(), "{places} places");
        }
    }

    /// A place with room for fewer items than it is sent says so, held or not; one with room
    /// for exactly its items is filled.
    #[test]
    fn a_place_without_room_says_so() {
        for places in [2, 300_000] {
            let mut room = [0_u32; 2 * 20];
            let (first, second) = room.split_at_mut(20);
            let mut slices: Vec<&mut [u32]> = vec![first, second];
            slices.resize_with(places, Default::default);
            let mut staged = Staged::new(places, 0);
            let mut whole = true;
            for i in 0..20 {
                whole &= staged.put(0, i, &mut slices);
                whole &= staged.put(1, 100 + i, &mut slices);
            }
            whole &= staged.flush(&mut slices);
            assert!(whole, "{places} places");
            assert!(slices.iter().all(|s| s.is_empty()));
            whole &= staged.put(1, 7, &mut slices);
            whole &= staged.flush(&mut slices);
            assert!(!whole, "{places} places");
            assert_eq!(room[..3], [0, 1, 2]);
            assert_eq!(room[20..23], [100, 101, 102]);
        }
    }
}
