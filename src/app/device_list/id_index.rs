//! Where each device is in a list, by its id: hash tables of places alone (each id is read
//! from its device), split into shards by the id's hash so that a whole list is indexed on
//! every core at once.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use hashbrown::hash_table::Entry;

use crate::domain::DeviceTable;

/// How many shards the index is split into.
const SHARDS: usize = 4;

/// Below this many devices one core indexes them.
const PARALLEL_FROM: usize = 50_000;

/// The hash an id is indexed by.
pub(super) fn id_hash(id: &str) -> u64 {
    foldhash::fast::FixedState::default().hash_one(id)
}

/// The hash of the id of device `index` of `all`.
fn hash_at(all: &DeviceTable, index: u32) -> u64 {
    all.get(index as usize).map_or(0, |d| id_hash(d.id()))
}

/// The shard of a hash: two bits that hashbrown uses neither for the bucket (the low bits)
/// nor for the tag it compares first (the top seven), so each shard keeps both as good.
fn shard_of(hash: u64) -> usize {
    (hash >> 55) as usize % SHARDS
}

/// The places of a list's devices by id. When devices share an id, the first is found.
#[derive(Clone, Debug, Default)]
pub(super) struct IdIndex {
    shards: [HashTable<u32>; SHARDS],
}

impl IdIndex {
    /// Where the device with `id` is in `all`.
    pub(super) fn find(&self, all: &DeviceTable, id: &str) -> Option<usize> {
        let hash = id_hash(id);
        self.shards[shard_of(hash)]
            .find(hash, |&i| all.get(i as usize).is_some_and(|d| d.id() == id))
            .map(|&i| i as usize)
    }

    /// Indexes device `index` of `all`, unless a device with its id is there already.
    pub(super) fn add(&mut self, all: &DeviceTable, index: usize) {
        add_hashed(&mut self.shards, all, index, hash_at(all, index as u32));
    }

    /// Indexes the devices of `all` from `from` on, whose ids have `hashes` (in order), on
    /// every core for many devices.
    pub(super) fn add_hashed(&mut self, all: &DeviceTable, from: usize, hashes: &[u64]) {
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(SHARDS);
        if hashes.len() < PARALLEL_FROM || threads <= 1 {
            self.reserve(all, hashes.len());
            for (i, &hash) in (from..).zip(hashes) {
                add_hashed(&mut self.shards, all, i, hash);
            }
            return;
        }
        // Each core takes whole shards and adds, in order, the devices whose hash is theirs.
        let mut mine: Vec<Vec<(usize, &mut HashTable<u32>)>> =
            (0..threads).map(|_| Vec::new()).collect();
        for (shard, table) in self.shards.iter_mut().enumerate() {
            mine[shard % threads].push((shard, table));
        }
        std::thread::scope(|scope| {
            for tables in mine {
                scope.spawn(move || {
                    for (shard, table) in tables {
                        let wanted = hashes.iter().filter(|&&h| shard_of(h) == shard).count();
                        table.reserve(wanted, |&i| hash_at(all, i));
                        for (i, &hash) in (from..).zip(hashes) {
                            if shard_of(hash) == shard {
                                add_to(table, all, i, hash);
                            }
                        }
                    }
                });
            }
        });
    }

    /// Makes room for `more` devices, about evenly spread over the shards.
    pub(super) fn reserve(&mut self, all: &DeviceTable, more: usize) {
        for table in &mut self.shards {
            table.reserve(more.div_ceil(SHARDS), |&i| hash_at(all, i));
        }
    }

    /// An empty index with room for `devices` devices.
    pub(super) fn with_capacity(devices: usize) -> IdIndex {
        IdIndex {
            shards: std::array::from_fn(|_| HashTable::with_capacity(devices.div_ceil(SHARDS))),
        }
    }

    /// Forgets every device.
    pub(super) fn clear(&mut self) {
        for table in &mut self.shards {
            table.clear();
        }
    }
}

/// Adds device `index` of `all`, whose id has `hash`, to its shard.
fn add_hashed(shards: &mut [HashTable<u32>; SHARDS], all: &DeviceTable, index: usize, hash: u64) {
    add_to(&mut shards[shard_of(hash)], all, index, hash);
}

/// Adds device `index` of `all`, whose id has `hash`, to `table`, unless a device with its id
/// is there already. The ids are read only to tell apart devices whose hashes look alike.
fn add_to(table: &mut HashTable<u32>, all: &DeviceTable, index: usize, hash: u64) {
    if index >= all.len() {
        return;
    }
    if let Entry::Vacant(slot) = table.entry(
        hash,
        |&i| same_id(all, i as usize, index),
        |&i| hash_at(all, i),
    ) {
        slot.insert(index as u32);
    }
}

/// Whether devices `a` and `b` of `all` have the same id.
fn same_id(all: &DeviceTable, a: usize, b: usize) -> bool {
    match (all.get(a), all.get(b)) {
        (Some(a), Some(b)) => a.id() == b.id(),
        _ => false,
    }
}
