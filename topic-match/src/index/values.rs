//! The subscriber values of each filter (and of each shared group), kept
//! contiguous so a match hands out one slice per filter.
//!
//! A list is a `u32` id into one of two arenas. Most filters have a single
//! subscriber: its value sits in the arena of singles, in a slot of
//! `size_of::<Option<T>>()` bytes with no heap block of its own. A list of
//! two or more values lives in the arena of `Vec`s, its id marked by the
//! top bit. Either way a look-up is one arena read, plus the `Vec`'s buffer
//! for a longer list. Adding is an amortised O(1) push; removing swaps the
//! last value into the gap, so the order within a list is not kept.

use alloc::vec::Vec;

use super::{CapacityError, NONE, idx};

/// Top bit of a list id: the list is in the arena of `Vec`s.
const MANY: u32 = 1 << 31;
/// Largest slot index of either arena (keeps `NONE` out of reach).
const MAX_SLOT: u32 = MANY - 4;

/// One arena: slots named by `u32` indices, free slots reused first.
#[derive(Debug, Clone)]
struct Arena<S> {
    slots: Vec<S>,
    free: Vec<u32>,
}

impl<S> Default for Arena<S> {
    fn default() -> Self {
        Self {
            slots: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<S> Arena<S> {
    /// Whether [`Arena::add`] can succeed.
    fn has_room(&self) -> bool {
        !self.free.is_empty() || self.slots.len() <= idx(MAX_SLOT)
    }

    /// Stores `item` in a free slot or a new one.
    fn add(&mut self, item: S) -> Result<u32, CapacityError> {
        if let Some(slot) = self.free.pop()
            && let Some(cell) = self.slots.get_mut(idx(slot))
        {
            *cell = item;
            return Ok(slot);
        }
        let slot = u32::try_from(self.slots.len())
            .ok()
            .filter(|&s| s <= MAX_SLOT)
            .ok_or(CapacityError)?;
        self.slots.push(item);
        Ok(slot)
    }

    /// Heap bytes of the slots and the free list.
    fn heap_bytes(&self) -> usize {
        self.slots.capacity() * core::mem::size_of::<S>()
            + self.free.capacity() * core::mem::size_of::<u32>()
    }

    /// Drops the free slots at the end (`is_free` tells them) and releases
    /// spare capacity.
    fn trim(&mut self, is_free: impl Fn(&S) -> bool) {
        while self.slots.last().is_some_and(&is_free) {
            self.slots.pop();
        }
        let len = self.slots.len();
        self.free.retain(|&slot| idx(slot) < len);
        self.slots.shrink_to_fit();
        self.free.shrink_to_fit();
    }
}

/// Value lists named by `u32` ids; `NONE` is the empty list.
#[derive(Debug, Clone)]
pub(super) struct Lists<T> {
    /// Lists of one value; `None` marks a free slot.
    ones: Arena<Option<T>>,
    /// Lists of two or more values; an empty `Vec` marks a free slot.
    many: Arena<Vec<T>>,
}

impl<T> Default for Lists<T> {
    fn default() -> Self {
        Self {
            ones: Arena::default(),
            many: Arena::default(),
        }
    }
}

impl<T> Lists<T> {
    /// The values of list `id` (empty for `NONE`).
    #[inline]
    pub(super) fn get(&self, id: u32) -> &[T] {
        if id & MANY == 0 {
            self.ones
                .slots
                .get(idx(id))
                .and_then(Option::as_ref)
                .map_or(&[], core::slice::from_ref)
        } else {
            self.many
                .slots
                .get(idx(id & !MANY))
                .map_or(&[], Vec::as_slice)
        }
    }

    /// Appends `value` to list `id` (`NONE` starts a new list); returns the
    /// id of the list, which changes when a list is started and when it
    /// grows from one value to two. On error the lists are unchanged.
    pub(super) fn push(&mut self, id: u32, value: T) -> Result<u32, CapacityError> {
        if id & MANY != 0 {
            if let Some(all) = self.many.slots.get_mut(idx(id & !MANY)) {
                all.push(value);
                return Ok(id);
            }
            return self.ones.add(Some(value));
        }
        if !self.many.has_room() {
            return Err(CapacityError);
        }
        let Some(first) = self.ones.slots.get_mut(idx(id)).and_then(Option::take) else {
            return self.ones.add(Some(value));
        };
        let slot = self.many.add(alloc::vec![first, value])?;
        self.ones.free.push(id);
        Ok(slot | MANY)
    }

    /// Removes the first value of list `id` for which `pred` holds, moving
    /// the last value into its place. Returns the list's id afterwards
    /// (`NONE` once it is empty; a list left with one value moves to the
    /// arena of singles) and the value.
    pub(super) fn remove_where(
        &mut self,
        id: u32,
        pred: impl FnMut(&T) -> bool,
    ) -> (u32, Option<T>) {
        if id & MANY == 0 {
            let Some(cell) = self.ones.slots.get_mut(idx(id)) else {
                return (id, None);
            };
            if !cell.as_ref().is_some_and(pred) {
                return (id, None);
            }
            let value = cell.take();
            self.ones.free.push(id);
            return (NONE, value);
        }
        let slot = id & !MANY;
        let Some(all) = self.many.slots.get_mut(idx(slot)) else {
            return (id, None);
        };
        let Some(at) = all.iter().position(pred) else {
            return (id, None);
        };
        let value = all.swap_remove(at);
        if all.len() == 1 && self.ones.has_room() {
            let last = all.pop();
            *all = Vec::new();
            self.many.free.push(slot);
            // `has_room` held, so `add` succeeds.
            let one = self.ones.add(last).unwrap_or(NONE);
            return (one, Some(value));
        }
        if all.len() * 4 <= all.capacity() {
            all.shrink_to(all.len() * 2);
        }
        (id, Some(value))
    }

    /// Heap bytes: both arenas, their free lists and the buffer of every
    /// list of two or more values (counted by capacity, with the values'
    /// inline size).
    pub(super) fn heap_bytes(&self) -> usize {
        let buffers: usize = self
            .many
            .slots
            .iter()
            .map(|v| v.capacity() * core::mem::size_of::<T>())
            .sum();
        self.ones.heap_bytes() + self.many.heap_bytes() + buffers
    }

    /// Releases spare capacity of both arenas and of every list.
    pub(super) fn shrink_to_fit(&mut self) {
        for v in &mut self.many.slots {
            v.shrink_to_fit();
        }
        self.ones.trim(Option::is_none);
        self.many.trim(Vec::is_empty);
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
        let a2 = l.push(a, 2).unwrap();
        assert_ne!(a2, a, "two values move to the arena of Vecs");
        assert_eq!(l.push(a2, 3).unwrap(), a2);
        assert_eq!(l.get(a2), [1, 2, 3]);
        assert_eq!(l.remove_where(a2, |&v| v == 1), (a2, Some(1)));
        assert_eq!(l.get(a2), [3, 2], "the last value fills the gap");
        assert_eq!(l.remove_where(a2, |&v| v == 9), (a2, None));
        let (a3, v) = l.remove_where(a2, |&v| v == 2);
        assert_eq!(v, Some(2));
        assert_eq!(l.get(a3), [3]);
        assert_eq!(l.get(a2), [] as [i32; 0], "the Vec slot was freed");
        assert_eq!(l.remove_where(a3, |&v| v == 3), (NONE, Some(3)));
        assert_eq!(l.get(NONE), [] as [i32; 0]);
        let b = l.push(NONE, 7).unwrap();
        assert_eq!(b, a3, "freed slot reused");
        l.shrink_to_fit();
        assert_eq!(l.get(b), [7]);
    }

    #[test]
    fn many_lists_stay_apart() {
        let mut l = Lists::default();
        let mut ids = [NONE; 3];
        for round in 0..5 {
            for (k, id) in ids.iter_mut().enumerate() {
                *id = l.push(*id, k * 10 + round).unwrap();
            }
        }
        for (k, id) in ids.iter().enumerate() {
            let mut got = l.get(*id).to_vec();
            got.sort_unstable();
            assert_eq!(got, (0..5).map(|r| k * 10 + r).collect::<Vec<_>>());
        }
        l.shrink_to_fit();
        assert_eq!(l.get(ids[1]).len(), 5);
        assert!(l.heap_bytes() >= 3 * 5 * core::mem::size_of::<usize>());
    }
}
