//! The texture disk cache: the codestream bytes fetched so far for each
//! asset id, one file per asset, kept under a size limit by evicting the
//! least recently used. It survives restarts of the actor and of the viewer;
//! an entry that fails its checksum is deleted and the texture fetched again.
//!
//! File layout (`<uuid>.ktx`): magic `KTEXC001`, the asset's full size (u64
//! LE, 0 when unknown), the stored length (u64 LE), an FNV-1a 64 checksum of
//! the stored bytes (u64 LE), then the bytes. Writes go to a temporary file
//! renamed into place, so a crash never leaves half an entry under the name.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use kestrel_protocol::types::Uuid;

const MAGIC: &[u8; 8] = b"KTEXC001";
const HEADER: usize = 32;
const EXTENSION: &str = "ktx";

/// A disk-cache operation that failed.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The cache directory could not be made or read.
    #[error("texture cache {dir}: {source}")]
    Dir {
        /// The directory.
        dir: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// An entry could not be written.
    #[error("texture cache entry {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

/// What the cache holds for one texture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedTexture {
    /// The codestream's first bytes (all of it when `total == bytes.len()`).
    pub bytes: Vec<u8>,
    /// The asset's full size, when the region told it.
    pub total: Option<u64>,
}

/// What a lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// A valid entry.
    Hit(CachedTexture),
    /// Nothing stored.
    Miss,
    /// An entry that failed its checks; it has been deleted.
    Corrupt,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    size: u64,
    last_use: u64,
}

/// The cache, with its index in memory.
#[derive(Debug)]
pub struct DiskCache {
    dir: PathBuf,
    limit: u64,
    index: HashMap<Uuid, Entry>,
    total: u64,
    clock: u64,
}

impl DiskCache {
    /// Opens (creating) the cache in `dir`, limited to `limit_bytes`; the index
    /// is rebuilt from the files there, oldest modification first.
    pub fn open(dir: &Path, limit_bytes: u64) -> Result<DiskCache, CacheError> {
        let dir_err = |source| CacheError::Dir {
            dir: dir.to_path_buf(),
            source,
        };
        fs::create_dir_all(dir).map_err(dir_err)?;
        let mut found: Vec<(SystemTime, Uuid, u64)> = Vec::new();
        for entry in fs::read_dir(dir).map_err(dir_err)? {
            let Ok(entry) = entry else { continue };
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some(EXTENSION) {
                continue;
            }
            let Some(id) = path
                .file_stem()
                .and_then(|s| s.to_str())
                .and_then(|s| s.parse::<Uuid>().ok())
            else {
                continue;
            };
            let Ok(meta) = entry.metadata() else { continue };
            let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
            found.push((modified, id, meta.len()));
        }
        found.sort_by_key(|(t, _, _)| *t);
        let mut cache = DiskCache {
            dir: dir.to_path_buf(),
            limit: limit_bytes,
            index: HashMap::with_capacity(found.len()),
            total: 0,
            clock: 0,
        };
        for (_, id, size) in found {
            cache.clock += 1;
            cache.total += size;
            cache.index.insert(
                id,
                Entry {
                    size,
                    last_use: cache.clock,
                },
            );
        }
        cache.evict();
        Ok(cache)
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// No entries.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Bytes on disk (headers included).
    pub fn bytes(&self) -> u64 {
        self.total
    }

    /// Whether an entry for `id` is indexed.
    pub fn contains(&self, id: Uuid) -> bool {
        self.index.contains_key(&id)
    }

    fn path(&self, id: Uuid) -> PathBuf {
        self.dir.join(format!("{id}.{EXTENSION}"))
    }

    /// Reads `id`'s entry, checking it; a damaged one is deleted.
    pub fn get(&mut self, id: Uuid) -> Lookup {
        if !self.index.contains_key(&id) {
            return Lookup::Miss;
        }
        let path = self.path(id);
        match fs::read(&path) {
            Ok(data) => match parse(&data) {
                Some(found) => {
                    self.clock += 1;
                    if let Some(e) = self.index.get_mut(&id) {
                        e.last_use = self.clock;
                    }
                    // Recency must survive a restart: the index is rebuilt
                    // from modification times.
                    if let Ok(f) = fs::File::options().write(true).open(&path) {
                        let _ = f.set_modified(SystemTime::now());
                    }
                    Lookup::Hit(found)
                }
                None => {
                    self.remove(id);
                    Lookup::Corrupt
                }
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                self.forget(id);
                Lookup::Miss
            }
            Err(_) => {
                self.remove(id);
                Lookup::Corrupt
            }
        }
    }

    /// Stores `bytes` (a prefix of the asset, or all of it) for `id`, then
    /// evicts the least recently used entries beyond the limit.
    pub fn put(&mut self, id: Uuid, bytes: &[u8], total: Option<u64>) -> Result<(), CacheError> {
        let path = self.path(id);
        let tmp = self.dir.join(format!("{id}.tmp"));
        let mut data = Vec::with_capacity(HEADER + bytes.len());
        data.extend_from_slice(MAGIC);
        data.extend_from_slice(&total.unwrap_or(0).to_le_bytes());
        data.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        data.extend_from_slice(&fnv1a(bytes).to_le_bytes());
        data.extend_from_slice(bytes);
        let write_err = |source| CacheError::Write {
            path: path.clone(),
            source,
        };
        fs::write(&tmp, &data).map_err(write_err)?;
        fs::rename(&tmp, &path).map_err(write_err)?;
        self.forget(id);
        self.clock += 1;
        self.total += data.len() as u64;
        self.index.insert(
            id,
            Entry {
                size: data.len() as u64,
                last_use: self.clock,
            },
        );
        self.evict();
        Ok(())
    }

    /// Deletes `id`'s entry.
    pub fn remove(&mut self, id: Uuid) {
        let _ = fs::remove_file(self.path(id));
        self.forget(id);
    }

    fn forget(&mut self, id: Uuid) {
        if let Some(e) = self.index.remove(&id) {
            self.total -= e.size;
        }
    }

    fn evict(&mut self) {
        while self.total > self.limit {
            let Some((&oldest, _)) = self.index.iter().min_by_key(|(_, e)| e.last_use) else {
                break;
            };
            self.remove(oldest);
        }
    }
}

fn parse(data: &[u8]) -> Option<CachedTexture> {
    if data.len() < HEADER || &data[..8] != MAGIC {
        return None;
    }
    let word = |at: usize| u64::from_le_bytes(data[at..at + 8].try_into().unwrap_or([0; 8]));
    let total = word(8);
    let len = word(16);
    let sum = word(24);
    let bytes = &data[HEADER..];
    if bytes.len() as u64 != len || fnv1a(bytes) != sum || (total != 0 && len > total) {
        return None;
    }
    Some(CachedTexture {
        bytes: bytes.to_vec(),
        total: (total != 0).then_some(total),
    })
}

/// FNV-1a, 64 bits: enough to tell a damaged entry from a good one.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn tempdir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "kestrel-disk-cache-{name}-{}-{:?}",
            std::process::id(),
            std::time::Instant::now()
        ));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn entries_survive_reopening() {
        let dir = tempdir("reopen");
        let mut c = DiskCache::open(&dir, 1 << 20).unwrap();
        c.put(id(1), b"\xff\x4f\xff\x51abc", Some(100)).unwrap();
        drop(c);
        let mut c = DiskCache::open(&dir, 1 << 20).unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(
            c.get(id(1)),
            Lookup::Hit(CachedTexture {
                bytes: b"\xff\x4f\xff\x51abc".to_vec(),
                total: Some(100)
            })
        );
        assert_eq!(c.get(id(2)), Lookup::Miss);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_damaged_entry_is_dropped() {
        let dir = tempdir("damaged");
        let mut c = DiskCache::open(&dir, 1 << 20).unwrap();
        c.put(id(7), &[1, 2, 3, 4, 5, 6], None).unwrap();
        let path = dir.join(format!("{}.ktx", id(7)));
        let mut data = fs::read(&path).unwrap();
        let last = data.len() - 1;
        data[last] ^= 0xff;
        fs::write(&path, &data).unwrap();
        assert_eq!(c.get(id(7)), Lookup::Corrupt);
        assert!(!path.exists());
        assert_eq!(c.get(id(7)), Lookup::Miss);
        // A truncated header is damaged too.
        c.put(id(8), &[9; 40], None).unwrap();
        fs::write(dir.join(format!("{}.ktx", id(8))), b"KTEXC0").unwrap();
        assert_eq!(c.get(id(8)), Lookup::Corrupt);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_least_recently_used_go_first_when_over_the_limit() {
        let dir = tempdir("lru");
        // Room for two entries of 100 bytes (+ header).
        let mut c = DiskCache::open(&dir, 2 * (100 + HEADER as u64)).unwrap();
        c.put(id(1), &[1; 100], None).unwrap();
        c.put(id(2), &[2; 100], None).unwrap();
        assert!(matches!(c.get(id(1)), Lookup::Hit(_)));
        c.put(id(3), &[3; 100], None).unwrap();
        assert!(c.contains(id(1)));
        assert!(!c.contains(id(2)), "2 was used least recently");
        assert!(c.contains(id(3)));
        assert!(c.bytes() <= 2 * (100 + HEADER as u64));
        let _ = fs::remove_dir_all(&dir);
    }
}
