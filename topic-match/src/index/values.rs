//! The subscriber values of each filter (and of each shared group), kept
//! contiguous so a match hands out one slice per filter.
//!
//! A list is an id into one arena of [`Values`]: a single value is stored
//! inline (no heap block for the common one-subscriber filter), two or more
//! in their own `Vec`. Adding is an amortised O(1) push; removing swaps the
//! last value into the gap, so the order within a list is not kept.

use alloc::vec::Vec;

use super::{CapacityError, NONE, idx, next_id};

/// The values of one list.
#[derive(Debug, Clone, Default)]
enum Values<T> {
    /// A free arena slot.
    #[default]
    Empty,
    One(T),
    /// Two or more values.
    Many(Vec<T>),
}

impl<T> Values<T> {
    fn as_slice(&self) -> &[T] {
        match self {
            Self::Empty => &[],
            Self::One(v) => core::slice::from_ref(v),
            Self::Many(v) => v,
        }
    }
}

/// An arena of value lists named by `u32` ids; `NONE` is the empty list.
#[derive(Debug, Clone)]
pub(super) struct Lists<T> {
    lists: Vec<Values<T>>,
    /// Ids of free slots, reused first.
    free: Vec<u32>,
}

impl<T> Default for Lists<T> {
    fn default() -> Self {
        Self {
            lists: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<T> Lists<T> {
    /// The values of list `id` (empty for `NONE`).
    #[inline]
    pub(super) fn get(&self, id: u32) -> &[T] {
        self.lists.get(idx(id)).map_or(&[], Values::as_slice)
    }

    /// Appends `value` to list `id` (`NONE` starts a new list); returns the
    /// id of the list, which changes only when a new list is started.
    pub(super) fn push(&mut self, id: u32, value: T) -> Result<u32, CapacityError> {
        if let Some(slot) = self.lists.get_mut(idx(id)) {
            *slot = match core::mem::take(slot) {
                Values::Empty => Values::One(value),
                Values::One(first) => Values::Many(alloc::vec![first, value]),
                Values::Many(mut all) => {
                    all.push(value);
                    Values::Many(all)
                }
            };
            return Ok(id);
        }
        if let Some(id) = self.free.pop() {
            if let Some(slot) = self.lists.get_mut(idx(id)) {
                *slot = Values::One(value);
            }
            return Ok(id);
        }
        let id = next_id(self.lists.len())?;
        self.lists.push(Values::One(value));
        Ok(id)
    }

    /// Removes the first value of list `id` for which `pred` holds, moving
    /// the last value into its place. Returns the list's id afterwards
    /// (`NONE` once it is empty: the slot is freed) and the value.
    pub(super) fn remove_where(
        &mut self,
        id: u32,
        mut pred: impl FnMut(&T) -> bool,
    ) -> (u32, Option<T>) {
        let Some(slot) = self.lists.get_mut(idx(id)) else {
            return (id, None);
        };
        let Some(at) = slot.as_slice().iter().position(&mut pred) else {
            return (id, None);
        };
        let (rest, value) = match core::mem::take(slot) {
            Values::Empty => (Values::Empty, None),
            Values::One(v) => (Values::Empty, Some(v)),
            Values::Many(mut all) => {
                let v = all.swap_remove(at);
                if all.len() == 1 {
                    (all.pop().map_or(Values::Empty, Values::One), Some(v))
                } else {
                    if all.len() * 4 <= all.capacity() {
                        all.shrink_to(all.len() * 2);
                    }
                    (Values::Many(all), Some(v))
                }
            }
        };
        let empty = matches!(rest, Values::Empty);
        *slot = rest;
        if empty {
            self.free.push(id);
            return (NONE, value);
        }
        (id, value)
    }

    /// Heap bytes: the arena, the free list and every `Vec` of two or more
    /// values (counted by capacity, with the values' inline size).
    pub(super) fn heap_bytes(&self) -> usize {
        let many: usize = self
            .lists
            .iter()
            .map(|l| match l {
                Values::Many(v) => v.capacity() * core::mem::size_of::<T>(),
                _ => 0,
            })
            .sum();
        self.lists.capacity() * core::mem::size_of::<Values<T>>()
            + self.free.capacity() * core::mem::size_of::<u32>()
            + many
    }

    /// Releases spare capacity of the arena and of every list.
    pub(super) fn shrink_to_fit(&mut self) {
        for l in &mut self.lists {
            if let Values::Many(v) = l {
                v.shrink_to_fit();
            }
        }
        // Free slots at the end of the arena can go.
        while matches!(self.lists.last(), Some(Values::Empty)) {
            self.lists.pop();
        }
        let len = self.lists.len();
        self.free.retain(|&id| idx(id) < len);
        self.lists.shrink_to_fit();
        self.free.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_remove_swap_and_reuse() {
        let mut l = Lists::default();
        let a = l.push(NONE, 1).unwrap();
        assert_eq!(l.get(a), [1]);
        assert_eq!(l.push(a, 2).unwrap(), a);
        assert_eq!(l.push(a, 3).unwrap(), a);
        assert_eq!(l.get(a), [1, 2, 3]);
        assert_eq!(l.remove_where(a, |&v| v == 1), (a, Some(1)));
        assert_eq!(l.get(a), [3, 2], "the last value fills the gap");
        assert_eq!(l.remove_where(a, |&v| v == 9), (a, None));
        assert_eq!(l.remove_where(a, |&v| v == 2), (a, Some(2)));
        assert_eq!(l.get(a), [3]);
        assert_eq!(l.remove_where(a, |&v| v == 3), (NONE, Some(3)));
        assert_eq!(l.get(NONE), [] as [i32; 0]);
        let b = l.push(NONE, 7).unwrap();
        assert_eq!(b, a, "freed slot reused");
        l.shrink_to_fit();
        assert_eq!(l.get(b), [7]);
    }
}
