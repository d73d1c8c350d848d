//! Cohorts by name, each name looked up once.
//!
//! The checks need a cohort's figures by the name a funnel or a limit gives it: its size,
//! where it is defined, its funnels, its attachment fee. Each was a map of its own keyed by
//! name, and each look into one a read at the place the name's hash picks: for tens of
//! thousands of cohorts, tables larger than the processor's caches, and half a dozen such
//! reads a cohort, so the check slowed per cohort as cohorts were added. Here a name is
//! looked up once, to a place, and what the checks keep of each cohort is in lists by place,
//! read in order.

use foldhash::HashMap;

/// The cohorts' names, each with its place: the position of the first cohort of that name.
/// Cohorts of one name (an error, E0201, reported where names are checked) share a place, as
/// they shared an entry of a map by name; what is kept by place is then the last such
/// cohort's, as a map written in order keeps the last.
#[derive(Debug)]
pub struct CohortNames<'a> {
    of_name: HashMap<&'a str, u32>,
    /// Each cohort's place, in the order of the cohorts.
    place: Vec<u32>,
}

impl<'a> CohortNames<'a> {
    /// The places of `names`, the cohorts' names in their order.
    pub fn new(names: impl ExactSizeIterator<Item = &'a str>) -> CohortNames<'a> {
        let mut of_name = HashMap::with_capacity_and_hasher(names.len(), Default::default());
        let place = names
            .enumerate()
            .map(|(i, name)| {
                // A contract file is at most 16 MB, so its cohorts number fewer than 2^32.
                *of_name.entry(name).or_insert(i as u32)
            })
            .collect();
        CohortNames { of_name, place }
    }

    /// The place of the cohort named `name`, if there is one.
    pub fn of(&self, name: &str) -> Option<usize> {
        self.of_name.get(name).map(|&p| p as usize)
    }

    /// The place of the cohort at `index` in the order of the cohorts.
    pub fn place(&self, index: usize) -> usize {
        self.place[index] as usize
    }

    /// How many places a list by place needs: one for each cohort.
    pub fn places(&self) -> usize {
        self.place.len()
    }

    /// A list by place of what `value` gives for each cohort, in the order of the cohorts:
    /// for cohorts of one name, the last one's; `empty` where no cohort has the place.
    pub fn by_place<T: Clone>(&self, values: impl IntoIterator<Item = T>, empty: T) -> Vec<T> {
        let mut list = vec![empty; self.places()];
        for (index, value) in values.into_iter().enumerate() {
            list[self.place(index)] = value;
        }
        list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_gives_the_place_of_its_first_cohort_and_lists_keep_the_last() {
        let names = CohortNames::new(["a", "b", "a", "c"].into_iter());
        assert_eq!(names.of("a"), Some(0));
        assert_eq!(names.of("b"), Some(1));
        assert_eq!(names.of("c"), Some(3));
        assert_eq!(names.of("d"), None);
        assert_eq!(names.place(2), 0);
        assert_eq!(names.places(), 4);
        // As a map by name written in order keeps the last value of each name.
        assert_eq!(names.by_place([1, 2, 3, 4], 0), vec![3, 2, 0, 4]);
    }
}
