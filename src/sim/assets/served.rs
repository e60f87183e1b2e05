//! What the library answers for one id: a generated texture (drawn and
//! encoded on first use), or an asset a test put there, possibly with a
//! behaviour (slow, failing at first).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use super::catalogue::TextureSpec;
use super::encode;

/// An asset a test serves under an id of its choosing
/// ([`super::TextureLibrary::insert`]).
#[derive(Debug, Clone, PartialEq)]
pub enum ServedAsset {
    /// These bytes, served as they are (any bytes: corrupt, truncated or
    /// oversized codestreams too).
    Codestream(Arc<[u8]>),
    /// `asset`, answered only after `delay` (each request waits).
    Slow {
        /// What is served after the wait.
        asset: Box<ServedAsset>,
        /// How long each request waits.
        delay: Duration,
    },
    /// `503 Service Unavailable` for the first `fail_first` requests that
    /// reach it, then `asset`.
    Flaky {
        /// What is served once the failures are used up.
        asset: Box<ServedAsset>,
        /// How many requests fail first.
        fail_first: u32,
    },
}

impl ServedAsset {
    /// A codestream served as it is.
    pub fn codestream(bytes: impl Into<Arc<[u8]>>) -> ServedAsset {
        ServedAsset::Codestream(bytes.into())
    }

    /// This asset, answered after `delay`.
    pub fn slow(self, delay: Duration) -> ServedAsset {
        ServedAsset::Slow {
            asset: Box::new(self),
            delay,
        }
    }

    /// This asset, after `fail_first` answers of 503.
    pub fn flaky(self, fail_first: u32) -> ServedAsset {
        ServedAsset::Flaky {
            asset: Box::new(self),
            fail_first,
        }
    }
}

/// A generated texture: its description and, once a request has asked for
/// it, its codestream (encoded once; concurrent first requests wait for
/// the one encode).
#[derive(Debug)]
pub struct Generated {
    /// What to draw.
    pub spec: TextureSpec,
    encoded: OnceLock<Result<Arc<[u8]>, String>>,
}

impl Generated {
    /// Not encoded yet.
    pub fn new(spec: TextureSpec) -> Generated {
        Generated {
            spec,
            encoded: OnceLock::new(),
        }
    }

    /// The codestream if it has been encoded already.
    pub fn ready(&self) -> Option<&Result<Arc<[u8]>, String>> {
        self.encoded.get()
    }

    /// Draws and encodes the texture the first time (blocking: call it off
    /// the async runtime's threads); `true` in the second value when this
    /// call did the encoding.
    pub fn encode_blocking(&self) -> (Result<Arc<[u8]>, String>, bool) {
        let mut did = false;
        let r = self.encoded.get_or_init(|| {
            did = true;
            let image = self.spec.render();
            encode::encode_texture(&image).map(Arc::from)
        });
        (r.clone(), did)
    }
}

/// A served asset as the library holds it: the behaviours' state lives here
/// (how many failures are left).
#[derive(Debug)]
pub(super) enum Node {
    Generated(Arc<Generated>),
    Bytes(Arc<[u8]>),
    Slow { inner: Box<Node>, delay: Duration },
    Flaky { inner: Box<Node>, left: AtomicU32 },
}

/// What a request reaching a node gets.
#[derive(Debug)]
pub(super) enum Resolved {
    /// These bytes.
    Bytes(Arc<[u8]>),
    /// This generated texture (encode it if need be).
    Generated(Arc<Generated>),
    /// 503.
    Unavailable,
}

impl Node {
    pub(super) fn from_served(asset: ServedAsset) -> Node {
        match asset {
            ServedAsset::Codestream(b) => Node::Bytes(b),
            ServedAsset::Slow { asset, delay } => Node::Slow {
                inner: Box::new(Node::from_served(*asset)),
                delay,
            },
            ServedAsset::Flaky { asset, fail_first } => Node::Flaky {
                inner: Box::new(Node::from_served(*asset)),
                left: AtomicU32::new(fail_first),
            },
        }
    }

    /// Walks the behaviours outside in: waits where slow, fails where
    /// failures are left.
    pub(super) async fn resolve(&self) -> Resolved {
        let mut node = self;
        loop {
            match node {
                Node::Generated(g) => return Resolved::Generated(g.clone()),
                Node::Bytes(b) => return Resolved::Bytes(b.clone()),
                Node::Slow { inner, delay } => {
                    tokio::time::sleep(*delay).await;
                    node = inner;
                }
                Node::Flaky { inner, left } => {
                    let failed = left
                        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
                        .is_ok();
                    if failed {
                        return Resolved::Unavailable;
                    }
                    node = inner;
                }
            }
        }
    }

    /// The bytes under the behaviours, without waiting or failing; `None`
    /// for a generated texture not encoded yet.
    pub(super) fn bytes_now(&self) -> Option<Result<Arc<[u8]>, String>> {
        match self {
            Node::Generated(g) => g.ready().cloned(),
            Node::Bytes(b) => Some(Ok(b.clone())),
            Node::Slow { inner, .. } | Node::Flaky { inner, .. } => inner.bytes_now(),
        }
    }

    /// The generated texture under the behaviours, if that is what it is.
    pub(super) fn generated(&self) -> Option<&Arc<Generated>> {
        match self {
            Node::Generated(g) => Some(g),
            Node::Bytes(_) => None,
            Node::Slow { inner, .. } | Node::Flaky { inner, .. } => inner.generated(),
        }
    }
}
