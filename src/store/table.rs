//! `Table<T>`: the document's rotations and secrets, a `Vec` that remembers which rows were
//! changed or removed since the store last wrote, so a write logs only those rows instead of
//! rewriting the whole database. Reading goes through `Deref<Target = [T]>`; every way to get a
//! `&mut T` (index, `iter_mut`, `push`, `retain`) marks the row.

use std::ops::{Deref, Index, IndexMut};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A row's identity, so a removal can be logged by key.
pub trait Row {
    type Key: Clone + PartialEq;
    fn key(&self) -> Self::Key;
}

pub struct Table<T: Row> {
    rows: Vec<T>,
    dirty: Vec<bool>,
    removed: Vec<T::Key>,
    /// Set by the store on the tables it caches; a table built anywhere else has 0, so a
    /// closure that replaces a whole table is noticed and written as a full checkpoint.
    origin: u64,
}

impl<T: Row> Default for Table<T> {
    fn default() -> Self {
        Table {
            rows: Vec::new(),
            dirty: Vec::new(),
            removed: Vec::new(),
            origin: 0,
        }
    }
}

impl<T: Row + Clone> Clone for Table<T> {
    /// A clone is a new table (origin 0): assigning it back counts as replacing the table.
    fn clone(&self) -> Self {
        Table {
            rows: self.rows.clone(),
            dirty: vec![true; self.rows.len()],
            removed: Vec::new(),
            origin: 0,
        }
    }
}

impl<T: Row> Table<T> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, row: T) {
        self.rows.push(row);
        self.dirty.push(true);
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        let mut i = 0;
        while i < self.rows.len() {
            if keep(&self.rows[i]) {
                i += 1;
            } else {
                let gone = self.rows.remove(i);
                self.dirty.remove(i);
                self.removed.push(gone.key());
            }
        }
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.dirty.iter_mut().for_each(|d| *d = true);
        self.rows.iter_mut()
    }

    pub fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        let row = self.rows.get_mut(index)?;
        self.dirty[index] = true;
        Some(row)
    }

    /// Records that the row once known as `key` is gone (a rename changes a row's key in place).
    pub(crate) fn note_removed(&mut self, key: T::Key) {
        self.removed.push(key);
    }

    /// Rows changed or added since the last `mark_clean`, and keys removed (a removed key that
    /// is also a changed row's key again is left to the change).
    pub(crate) fn changes(&self) -> (Vec<&T>, Vec<T::Key>) {
        let changed: Vec<&T> = self
            .rows
            .iter()
            .zip(&self.dirty)
            .filter_map(|(r, d)| d.then_some(r))
            .collect();
        let removed = self
            .removed
            .iter()
            .filter(|k| !changed.iter().any(|r| r.key() == **k))
            .cloned()
            .collect();
        (changed, removed)
    }

    pub(crate) fn mark_clean(&mut self, origin: u64) {
        self.dirty.iter_mut().for_each(|d| *d = false);
        self.removed.clear();
        self.origin = origin;
    }

    pub(crate) fn origin(&self) -> u64 {
        self.origin
    }

    /// A copy that keeps the origin and the change marks (the store's copy-on-write).
    pub(crate) fn clone_tracked(&self) -> Self
    where
        T: Clone,
    {
        Table {
            rows: self.rows.clone(),
            dirty: self.dirty.clone(),
            removed: self.removed.clone(),
            origin: self.origin,
        }
    }

    /// Replaces or inserts the row with `row`'s key, without marking it (log replay).
    pub(crate) fn put_clean(&mut self, row: T) {
        let key = row.key();
        match self.rows.iter().position(|r| r.key() == key) {
            Some(i) => self.rows[i] = row,
            None => {
                self.rows.push(row);
                self.dirty.push(false);
            }
        }
    }

    /// Removes every row with `key`, without logging it (log replay).
    pub(crate) fn remove_clean(&mut self, key: &T::Key) {
        let mut i = 0;
        while i < self.rows.len() {
            if self.rows[i].key() == *key {
                self.rows.remove(i);
                self.dirty.remove(i);
            } else {
                i += 1;
            }
        }
    }
}

impl<T: Row> Deref for Table<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.rows
    }
}

impl<T: Row> Index<usize> for Table<T> {
    type Output = T;
    fn index(&self, index: usize) -> &T {
        &self.rows[index]
    }
}

impl<T: Row> IndexMut<usize> for Table<T> {
    fn index_mut(&mut self, index: usize) -> &mut T {
        self.dirty[index] = true;
        &mut self.rows[index]
    }
}

impl<'a, T: Row> IntoIterator for &'a Table<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.rows.iter()
    }
}

impl<'a, T: Row> IntoIterator for &'a mut Table<T> {
    type Item = &'a mut T;
    type IntoIter = std::slice::IterMut<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.dirty.iter_mut().for_each(|d| *d = true);
        self.rows.iter_mut()
    }
}

impl<T: Row> From<Vec<T>> for Table<T> {
    fn from(rows: Vec<T>) -> Self {
        let dirty = vec![true; rows.len()];
        Table {
            rows,
            dirty,
            removed: Vec::new(),
            origin: 0,
        }
    }
}

impl<T: Row> FromIterator<T> for Table<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Self::from(iter.into_iter().collect::<Vec<T>>())
    }
}

impl<T: Row> Extend<T> for Table<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for row in iter {
            self.push(row);
        }
    }
}

impl<T: Row + PartialEq> PartialEq for Table<T> {
    fn eq(&self, other: &Self) -> bool {
        self.rows == other.rows
    }
}

impl<T: Row + Eq> Eq for Table<T> {}

impl<T: Row + std::fmt::Debug> std::fmt::Debug for Table<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.rows.fmt(f)
    }
}

impl<T: Row + Serialize> Serialize for Table<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.rows.serialize(serializer)
    }
}

impl<'de, T: Row + Deserialize<'de>> Deserialize<'de> for Table<T> {
    /// Rows read from a file are clean: they are what is on disk.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let rows = Vec::<T>::deserialize(deserializer)?;
        let dirty = vec![false; rows.len()];
        Ok(Table {
            rows,
            dirty,
            removed: Vec::new(),
            origin: 0,
        })
    }
}
