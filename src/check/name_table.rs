//! A table of places in a list of names, found by the names' hashes.

/// How many names are looked up together: their first slots read in a loop that does
/// nothing else, so that the reads from memory of a table larger than the caches are under
/// way together rather than one after another (`NameTable::touch`), and then each name is looked
/// up or put in.
pub const BATCH: usize = 16;

/// The slots of a region of the table filled at a time (`NameTable::fill`): 32 KB.
const REGION_SLOTS: usize = 4096;

/// A table that finds a name's place in a list of names kept beside it (the names' table,
/// `names::Symbols`, and the payers' names): open addressing, each slot 8
/// bytes holding the high half of the name's hash and its place plus one (0 is empty), the
/// slots searched one after another from the one the low bits of the hash pick. A look at a
/// name reads one slot, or a few side by side, and the name itself only when the halves
/// agree: one read from memory where hashbrown's table, whose marks and places are apart,
/// took two. Kept at most three quarters full.
#[derive(Debug, Default)]
pub struct NameTable {
    slots: Vec<u64>,
    len: usize,
}

impl NameTable {
    pub fn with_capacity(names: usize) -> NameTable {
        NameTable {
            slots: vec![0; NameTable::size_for(names)],
            len: 0,
        }
    }

    /// The number of slots for `names` names: a power of two at least 4/3 of them.
    fn size_for(names: usize) -> usize {
        (names.saturating_mul(4) / 3 + 1).max(8).next_power_of_two()
    }

    fn first(&self, hash: u64) -> usize {
        hash as usize & (self.slots.len().wrapping_sub(1))
    }

    /// Read the first slots of the names whose hashes are `hashes`, one after another with
    /// nothing else between, so that the reads from memory overlap (`BATCH`).
    pub fn touch(&self, hashes: impl Iterator<Item = u64>) {
        let touched = hashes.fold(0, |all, hash| {
            all ^ self.slots.get(self.first(hash)).copied().unwrap_or(0)
        });
        std::hint::black_box(touched);
    }

    /// The place of the name with hash `hash` for which `is` holds; or the empty slot where
    /// it would go.
    pub fn find(&self, hash: u64, mut is: impl FnMut(u32) -> bool) -> Result<u32, usize> {
        if self.slots.is_empty() {
            return Err(0);
        }
        let mask = self.slots.len() - 1;
        let high = hash >> 32;
        let mut at = hash as usize & mask;
        loop {
            let slot = self.slots[at];
            if slot == 0 {
                return Err(at);
            }
            let place = (slot as u32).wrapping_sub(1);
            if slot >> 32 == high && is(place) {
                return Ok(place);
            }
            at = (at + 1) & mask;
        }
    }

    /// Room for `more` places beyond those held, without growing again; `rehash` gives the
    /// hash of the name at a place.
    pub fn reserve(&mut self, more: usize, rehash: impl Fn(u32) -> u64) {
        let wanted = self.len.saturating_add(more);
        if wanted.saturating_mul(4) <= self.slots.len().saturating_mul(3) {
            return;
        }
        let mut grown = NameTable::with_capacity(wanted.max(self.len.saturating_mul(2)));
        for &old in self.slots.iter().filter(|&&s| s != 0) {
            let Err(free) = grown.find(rehash((old as u32) - 1), |_| false) else {
                unreachable!("a look that matches nothing ends at an empty slot")
            };
            grown.slots[free] = old;
        }
        grown.len = self.len;
        *self = grown;
    }

    /// Put in the table, empty and with room for them all, the places of names given as
    /// `(hash, place)` in the order they were defined; `same(a, b)` says whether the names
    /// at two places are the same. A name already put in is not put in again: the list of
    /// `(place, place of its first definition)` comes back, in the order defined.
    ///
    /// A table larger than the processor's caches is filled a region at a time: the names
    /// are first sorted (stably) by the region of the table their first slot is in, so that
    /// each region's slots are read and written while it is in the cache, where names put in
    /// one after another in the order written each read a slot from anywhere in memory (a
    /// file of 333,333 outcomes: a table of 4 MB, twice the cache next to each core). The
    /// names of one region are in the order defined, and every definition of a name has the
    /// same hash, so the first definition of each name is the one put in, as in order.
    pub fn fill(
        &mut self,
        names: &[(u64, u32)],
        same: impl Fn(u32, u32) -> bool,
    ) -> Vec<(u32, u32)> {
        debug_assert_eq!(self.len, 0);
        debug_assert!(names.len() * 4 <= self.slots.len() * 3);
        let mut again = Vec::new();
        let mut put = |table: &mut NameTable, (hash, place): (u64, u32)| match table
            .find(hash, |other| same(other, place))
        {
            Ok(first) => again.push((place, first)),
            Err(slot) => {
                table.slots[slot] = (hash >> 32 << 32) | u64::from(place + 1);
                table.len += 1;
            }
        };
        // Regions of 32 KB of slots, a few of which fit in the fastest cache; a table that
        // the cache next to a core holds whole (512 KB) is filled in one, the names in the
        // order defined, as the sort would cost more than it saves.
        let regions = if self.slots.len() > REGION_SLOTS * 16 {
            self.slots.len() / REGION_SLOTS
        } else {
            1
        };
        if regions == 1 {
            for &name in names {
                put(self, name);
            }
        } else {
            let shift = (self.slots.len() / regions).trailing_zeros();
            let region = |hash: u64| self.first(hash) >> shift;
            let mut starts = vec![0_usize; regions + 1];
            for &(hash, _) in names {
                starts[region(hash) + 1] += 1;
            }
            for r in 0..regions {
                starts[r + 1] += starts[r];
            }
            let mut sorted = vec![(0_u64, 0_u32); names.len()];
            for &(hash, place) in names {
                let at = &mut starts[region(hash)];
                sorted[*at] = (hash, place);
                *at += 1;
            }
            for &name in &sorted {
                put(self, name);
            }
        }
        again.sort_unstable();
        again
    }

    /// Put `place` in `slot` (`find`'s empty slot for `hash`), the table grown first when it
    /// would be over three quarters full; `rehash` gives the hash of the name at a place.
    pub fn insert(&mut self, slot: usize, hash: u64, place: u32, rehash: impl Fn(u32) -> u64) {
        let value = (hash >> 32 << 32) | u64::from(place + 1);
        let size = self.slots.len();
        self.reserve(1, rehash);
        let slot = if self.slots.len() == size {
            slot
        } else {
            let Err(free) = self.find(hash, |_| false) else {
                unreachable!("a look that matches nothing ends at an empty slot")
            };
            free
        };
        self.slots[slot] = value;
        self.len += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Filled at once, a table large enough to be filled a region at a time finds the
    /// first place of every name, and says which places name one already put in, as one
    /// filled a name at a time in the order defined.
    #[test]
    fn a_table_filled_by_regions_is_the_table_filled_in_order() {
        for (names, every) in [(50, 7), (REGION_SLOTS * 16, 5), (REGION_SLOTS * 40, 3)] {
            // Each `every`th place names the same as a place before it, somewhere else in
            // the table's regions.
            let name_at = |place: u32| {
                let place = place as usize;
                if place % every == every - 1 {
                    (place / 2) as u64
                } else {
                    place as u64
                }
            };
            let hash = |name: u64| name.wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(17);
            let listed: Vec<(u64, u32)> = (0..names as u32)
                .map(|place| (hash(name_at(place)), place))
                .collect();
            let mut filled = NameTable::with_capacity(names);
            let again = filled.fill(&listed, |a, b| name_at(a) == name_at(b));
            let mut in_order = NameTable::with_capacity(names);
            let mut expected = Vec::new();
            for &(h, place) in &listed {
                match in_order.find(h, |other| name_at(other) == name_at(place)) {
                    Ok(first) => expected.push((place, first)),
                    Err(slot) => in_order.insert(slot, h, place, |p| hash(name_at(p))),
                }
            }
            assert_eq!(again, expected, "{names}");
            assert!(!again.is_empty());
            assert_eq!(filled.len, in_order.len);
            for &(h, place) in &listed {
                let first = in_order.find(h, |other| name_at(other) == name_at(place));
                assert_eq!(
                    filled.find(h, |other| name_at(other) == name_at(place)),
                    first
                );
            }
        }
    }

    /// The table finds every place put in it, through names whose hashes share their
    /// first slot or are the same whole, and as it grows from empty or from a little room.
    #[test]
    fn places_find_what_was_put_in_them_through_collisions_and_growth() {
        for (room, spread) in [(0, u64::MAX), (5, 0xff_0000_00ff), (100, 0)] {
            let hash = |i: u32| u64::from(i).wrapping_mul(0x9e37_79b9_7f4a_7c15) & spread;
            let mut places = NameTable::with_capacity(room);
            for i in 0..3_000 {
                let slot = places
                    .find(hash(i), |p| p == i)
                    .expect_err("not put in yet");
                places.insert(slot, hash(i), i, hash);
                assert!(places.len * 4 <= places.slots.len() * 3);
            }
            for i in 0..3_000 {
                assert_eq!(
                    places.find(hash(i), |p| p == i),
                    Ok(i),
                    "{room}, {spread:x}"
                );
            }
            assert!(places.find(hash(3_000), |p| p == 3_000).is_err());
        }
    }
}
