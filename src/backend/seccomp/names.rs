//! Sets of syscall names as bitsets over one sorted table of every name the `syscalls`
//! crate's ABIs know (issue 17: the builder's `BTreeSet<&str>` unions and differences were
//! most of the seccomp backend's time, all string compares).
//!
//! A name's bit is its place in the sorted table, so iterating a set yields names in the
//! same order a `BTreeSet<&str>` would: profiles stay byte-identical.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use super::arch::ARM_PRIVATE;

/// Enough words for every name of every table (checked when the table is built).
const WORDS: usize = 16;

/// Every syscall name of x86_64, x86, aarch64 and arm (with arm's private calls), sorted
/// and without repeats.
fn table() -> &'static [&'static str] {
    static TABLE: OnceLock<Vec<&'static str>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut all: Vec<&'static str> = syscalls::x86_64::Sysno::iter()
            .map(|s| s.name())
            .chain(syscalls::x86::Sysno::iter().map(|s| s.name()))
            .chain(syscalls::aarch64::Sysno::iter().map(|s| s.name()))
            .chain(syscalls::arm::Sysno::iter().map(|s| s.name()))
            .chain(ARM_PRIVATE.iter().copied())
            .collect();
        all.sort_unstable();
        all.dedup();
        assert!(all.len() <= WORDS * 64, "{} syscall names", all.len());
        all
    })
}

/// A set of syscall names.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct NameSet {
    words: [u64; WORDS],
}

impl NameSet {
    /// Add a name the tables know; `false` (and nothing added) for one they do not.
    pub fn insert(&mut self, name: &str) -> bool {
        match table().binary_search(&name) {
            Ok(i) => {
                self.words[i / 64] |= 1 << (i % 64);
                true
            }
            Err(_) => false,
        }
    }

    /// Take a name out; `false` when it was not in.
    pub fn remove(&mut self, name: &str) -> bool {
        let had = self.contains(name);
        if let Ok(i) = table().binary_search(&name) {
            self.words[i / 64] &= !(1 << (i % 64));
        }
        had
    }

    pub fn contains(&self, name: &str) -> bool {
        table()
            .binary_search(&name)
            .is_ok_and(|i| self.words[i / 64] & (1 << (i % 64)) != 0)
    }

    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|w| *w == 0)
    }

    /// Both sets' names.
    pub fn union(mut self, other: &NameSet) -> NameSet {
        for (a, b) in self.words.iter_mut().zip(other.words) {
            *a |= b;
        }
        self
    }

    /// The names of `self` that `other` does not have.
    pub fn minus(mut self, other: &NameSet) -> NameSet {
        for (a, b) in self.words.iter_mut().zip(other.words) {
            *a &= !b;
        }
        self
    }

    /// The names, sorted.
    pub fn iter(&self) -> impl Iterator<Item = &'static str> + '_ {
        let table = table();
        self.words.iter().enumerate().flat_map(move |(w, &bits)| {
            // One step per name in the set, not per bit: a profile lists a few hundred
            // names out of a thousand bits.
            std::iter::successors((bits != 0).then_some(bits), |rest| {
                let rest = rest & (rest - 1);
                (rest != 0).then_some(rest)
            })
            .map(move |rest| table[w * 64 + rest.trailing_zeros() as usize])
        })
    }

    pub fn to_btree(self) -> BTreeSet<&'static str> {
        self.iter().collect()
    }
}

impl std::fmt::Debug for NameSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iterates_in_the_order_of_a_btreeset() {
        let names = ["write", "read", "_llseek", "clone3", "clone", "zzz-unknown"];
        let mut set = NameSet::default();
        let mut known = BTreeSet::new();
        for n in names {
            if set.insert(n) {
                known.insert(n);
            }
        }
        assert!(!known.contains("zzz-unknown"));
        assert_eq!(set.to_btree(), known);
        assert_eq!(set.iter().count(), 5);
    }

    #[test]
    fn union_and_difference_match_btreeset() {
        let mut a = NameSet::default();
        let mut b = NameSet::default();
        for n in ["read", "write", "openat", "mmap2"] {
            a.insert(n);
        }
        for n in ["write", "close", "mmap2", "arm_fadvise64_64"] {
            b.insert(n);
        }
        let (ta, tb) = (a.to_btree(), b.to_btree());
        let minus: BTreeSet<_> = ta.difference(&tb).copied().collect();
        let union: BTreeSet<_> = ta.union(&tb).copied().collect();
        assert_eq!(a.minus(&b).to_btree(), minus);
        assert_eq!(a.union(&b).to_btree(), union);
        assert!(a.contains("openat") && !a.contains("close"));
        let mut c = a;
        assert!(c.remove("openat") && !c.remove("openat") && !c.contains("openat"));
        assert_eq!(c.to_btree(), BTreeSet::from(["mmap2", "read", "write"]));
        assert!(NameSet::default().is_empty() && !a.is_empty());
    }

    #[test]
    fn every_name_of_every_table_has_a_bit() {
        let t = table();
        let mut all = NameSet::default();
        for n in t {
            assert!(all.insert(n));
        }
        assert_eq!(all.iter().collect::<Vec<_>>(), t);
    }
}
