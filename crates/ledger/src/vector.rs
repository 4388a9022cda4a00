//! Version vectors: per device, the highest sequence number one side holds of its chain.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::device::DeviceId;

/// For each device, the length of the chain held (its highest `seq`; chains have no gaps).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct VersionVector(BTreeMap<DeviceId, u64>);

impl VersionVector {
    /// An empty vector: nothing held.
    pub fn new() -> VersionVector {
        VersionVector::default()
    }

    /// How much of `device`'s chain is held (0: none).
    pub fn get(&self, device: &DeviceId) -> u64 {
        self.0.get(device).copied().unwrap_or(0)
    }

    /// Records that `device`'s chain is held up to `seq`, if that is more than before.
    pub fn observe(&mut self, device: &DeviceId, seq: u64) {
        let held = self.0.entry(device.clone()).or_insert(0);
        *held = (*held).max(seq);
    }

    /// Takes, for every device, the larger of the two.
    pub fn merge(&mut self, other: &VersionVector) {
        for (device, seq) in &other.0 {
            self.observe(device, *seq);
        }
    }

    /// Whether this side holds everything `other` holds.
    pub fn covers(&self, other: &VersionVector) -> bool {
        other.0.iter().all(|(d, s)| self.get(d) >= *s)
    }

    /// Each device and the length held, in device order.
    pub fn iter(&self) -> impl Iterator<Item = (&DeviceId, u64)> {
        self.0.iter().map(|(d, s)| (d, *s))
    }

    /// For each device of which this side holds more than `other`, the range of sequence
    /// numbers `other` lacks: what to send it.
    pub fn missing_from<'a>(
        &'a self,
        other: &'a VersionVector,
    ) -> impl Iterator<Item = (&'a DeviceId, std::ops::RangeInclusive<u64>)> + 'a {
        self.0.iter().filter_map(move |(d, s)| {
            let theirs = other.get(d);
            (theirs < *s).then(|| (d, theirs + 1..=*s))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn id(n: u8) -> DeviceId {
        format!("{n:016x}").parse().unwrap()
    }

    #[test]
    fn what_the_other_side_lacks() {
        let mut mine = VersionVector::new();
        mine.observe(&id(1), 5);
        mine.observe(&id(2), 3);
        let mut theirs = VersionVector::new();
        theirs.observe(&id(1), 2);
        theirs.observe(&id(3), 9);
        let missing: Vec<_> = mine.missing_from(&theirs).collect();
        assert_eq!(missing, vec![(&id(1), 3..=5), (&id(2), 1..=3)]);
        assert!(!mine.covers(&theirs));
        mine.merge(&theirs);
        assert!(mine.covers(&theirs));
        assert_eq!(mine.get(&id(3)), 9);
    }

    proptest! {
        #[test]
        fn merge_is_the_least_upper_bound(
            a in proptest::collection::btree_map(0u8..6, 0u64..20, 0..6),
            b in proptest::collection::btree_map(0u8..6, 0u64..20, 0..6),
        ) {
            let vector = |m: &BTreeMap<u8, u64>| {
                let mut v = VersionVector::new();
                for (d, s) in m { v.observe(&id(*d), *s); }
                v
            };
            let (va, vb) = (vector(&a), vector(&b));
            let mut ab = va.clone();
            ab.merge(&vb);
            let mut ba = vb.clone();
            ba.merge(&va);
            prop_assert_eq!(&ab, &ba);
            prop_assert!(ab.covers(&va) && ab.covers(&vb));
            prop_assert_eq!(va.missing_from(&ab).count(), 0);
        }
    }
}
