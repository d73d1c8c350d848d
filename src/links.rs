//! Lists by index, one for each stage of a funnel (the stages it follows, or those that
//! follow it), laid one after another in one vector: two allocations for a whole funnel where
//! a `Vec` per stage took one a stage, each apart from the next in memory. A funnel of
//! 300,000 stages is walked this way several times over while it is checked.

use std::ops::Index;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links<T = usize> {
    /// Where each list starts in `items`, then where the last one ends.
    starts: Vec<usize>,
    items: Vec<T>,
}

impl<T> Default for Links<T> {
    fn default() -> Links<T> {
        Links {
            starts: vec![0],
            items: Vec::new(),
        }
    }
}

impl<T> Links<T> {
    /// Room for `lists` lists and `items` items in all.
    pub fn with_capacity(lists: usize, items: usize) -> Links<T> {
        let mut starts = Vec::with_capacity(lists + 1);
        starts.push(0);
        Links {
            starts,
            items: Vec::with_capacity(items),
        }
    }

    /// The lists in order.
    pub fn new<L: IntoIterator<Item = T>>(lists: impl ExactSizeIterator<Item = L>) -> Links<T> {
        let mut links = Links::with_capacity(lists.len(), lists.len());
        for list in lists {
            links.items.extend(list);
            links.close();
        }
        links
    }

    /// Add an item to the list being written (the one after the last closed).
    pub fn push(&mut self, item: T) {
        self.items.push(item);
    }

    /// The list being written so far.
    pub fn open(&self) -> &[T] {
        &self.items[self.starts[self.starts.len() - 1]..]
    }

    /// End the list being written: the next item starts the next list.
    pub fn close(&mut self) {
        self.starts.push(self.items.len());
    }

    /// The number of lists.
    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The lists in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[T]> + '_ {
        (0..self.len()).map(|i| &self[i])
    }

    /// The same lists, each item mapped.
    pub fn map<U>(&self, f: impl FnMut(&T) -> U) -> Links<U> {
        Links {
            starts: self.starts.clone(),
            items: self.items.iter().map(f).collect(),
        }
    }
}

impl Links<usize> {
    /// The links turned round, over `n` lists: list `j` holds, in order, every `i` whose list
    /// holds `j`.
    pub fn reversed(&self) -> Links<usize> {
        let n = self.len();
        let mut starts = vec![0; n + 1];
        for &j in &self.items {
            starts[j + 1] += 1;
        }
        for i in 0..n {
            starts[i + 1] += starts[i];
        }
        let mut fill = starts.clone();
        let mut items = vec![0; self.items.len()];
        for i in 0..n {
            for &j in &self[i] {
                items[fill[j]] = i;
                fill[j] += 1;
            }
        }
        Links { starts, items }
    }
}

impl<T> From<Vec<Vec<T>>> for Links<T> {
    fn from(lists: Vec<Vec<T>>) -> Links<T> {
        Links::new(lists.into_iter())
    }
}

impl<T> Index<usize> for Links<T> {
    type Output = [T];

    fn index(&self, i: usize) -> &[T] {
        &self.items[self.starts[i]..self.starts[i + 1]]
    }
}

#[cfg(test)]
mod tests {
    use super::Links;

    #[test]
    fn lists_read_back_as_written_and_turn_round() {
        let lists: Vec<Vec<usize>> = vec![vec![], vec![0], vec![0, 1], vec![], vec![2, 0]];
        let links = Links::new(lists.iter().map(|l| l.iter().copied()));
        assert_eq!(links.len(), 5);
        let back: Vec<Vec<usize>> = links.iter().map(<[usize]>::to_vec).collect();
        assert_eq!(back, lists);
        let reversed = links.reversed();
        let expected: Vec<Vec<usize>> = vec![vec![1, 2, 4], vec![2], vec![4], vec![], vec![]];
        let got: Vec<Vec<usize>> = reversed.iter().map(<[usize]>::to_vec).collect();
        assert_eq!(got, expected);

        let mut written = Links::with_capacity(2, 2);
        written.push((1, 'a'));
        assert_eq!(written.open(), &[(1, 'a')]);
        written.close();
        assert_eq!(written.open(), &[]);
        written.close();
        assert_eq!(written.len(), 2);
        assert_eq!(written.map(|(i, _)| *i)[0], [1]);
        assert!(Links::<usize>::default().is_empty());
    }
}
