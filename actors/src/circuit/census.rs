//! [`RegionCensus`]: a small subscriber that counts what a region sent —
//! distinct objects (from full, compressed and terse updates, minus kills)
//! and terrain patches — for the headless run and the integration tests.

use std::collections::{BTreeSet, HashSet, VecDeque};

use kestrel_protocol::layer_data::{LayerType, decode_land_patches};
use kestrel_protocol::messages::{
    ImprovedTerseObjectUpdate, KillObject, LayerData, Message as WireMessage, MessageId,
    MessageType, ObjectUpdate, ObjectUpdateCompressed,
};
use kestrel_protocol::object_data::{CompressedObject, PCode, TerseUpdate};
use serde::Serialize;

use super::subscriptions::Received;
use crate::actor::{Ctx, Durable, Handles, SupervisedActor};
use crate::message::Message;

/// The message types the census subscribes to.
pub fn census_message_ids() -> [MessageId; 5] {
    [
        <ObjectUpdate<'static> as MessageType<'static>>::ID,
        <ObjectUpdateCompressed<'static> as MessageType<'static>>::ID,
        <ImprovedTerseObjectUpdate<'static> as MessageType<'static>>::ID,
        <KillObject as MessageType<'static>>::ID,
        <LayerData<'static> as MessageType<'static>>::ID,
    ]
}

/// What the census has seen (durable: a crash of the census loses nothing).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CensusCounts {
    /// Local ids of objects present now.
    #[serde(skip)]
    pub live: BTreeSet<u32>,
    /// Local ids of avatars present now.
    #[serde(skip)]
    pub avatars: BTreeSet<u32>,
    /// Terrain patches (x, y) received.
    #[serde(skip)]
    pub patches: BTreeSet<(u32, u32)>,
    /// Full object updates received (`ObjectUpdate` and compressed blocks).
    pub full_updates: u64,
    /// Terse update blocks received.
    pub terse_updates: u64,
    /// Object ids killed.
    pub kills: u64,
    /// Terrain patches decoded (a patch sent twice counts twice).
    pub patches_received: u64,
    /// Reliable packets delivered more than once (by sequence number).
    pub reliable_redelivered: u64,
    /// Object or terrain payloads that did not decode.
    pub decode_errors: u64,
    /// Sequence numbers of the most recent reliable packets (a bounded
    /// ring, [`REMEMBERED_SEQUENCES`] long).
    #[serde(skip)]
    reliable_seen: HashSet<u32>,
    #[serde(skip)]
    reliable_order: VecDeque<u32>,
}

/// Reliable sequence numbers the census remembers to spot redeliveries.
pub const REMEMBERED_SEQUENCES: usize = 65_536;

impl CensusCounts {
    /// Objects present now (prims and avatars).
    pub fn objects(&self) -> usize {
        self.live.len()
    }

    /// Distinct terrain patches received.
    pub fn terrain_patches(&self) -> usize {
        self.patches.len()
    }

    fn see(&mut self, id: u32, avatar: bool) {
        self.live.insert(id);
        if avatar {
            self.avatars.insert(id);
        }
    }

    fn kill(&mut self, id: u32) {
        self.kills += 1;
        self.live.remove(&id);
        self.avatars.remove(&id);
    }

    /// Folds one received message in.
    pub fn record(&mut self, r: &Received<WireMessage<'static>>) {
        if r.meta.reliable {
            let seq = r.meta.sequence.0;
            if self.reliable_seen.insert(seq) {
                self.reliable_order.push_back(seq);
                if self.reliable_order.len() > REMEMBERED_SEQUENCES
                    && let Some(old) = self.reliable_order.pop_front()
                {
                    self.reliable_seen.remove(&old);
                }
            } else {
                self.reliable_redelivered += 1;
            }
        }
        match &r.message {
            WireMessage::ObjectUpdate(m) => {
                for o in &m.object_data {
                    self.full_updates += 1;
                    self.see(o.id, PCode::from_code(o.p_code) == PCode::Avatar);
                }
            }
            WireMessage::ObjectUpdateCompressed(m) => {
                for o in &m.object_data {
                    self.full_updates += 1;
                    match CompressedObject::decode(o.data.as_bytes()) {
                        Ok(c) => self.see(c.local_id, c.pcode == PCode::Avatar),
                        Err(_) => self.decode_errors += 1,
                    }
                }
            }
            WireMessage::ImprovedTerseObjectUpdate(m) => {
                for o in &m.object_data {
                    self.terse_updates += 1;
                    match TerseUpdate::decode(o.data.as_bytes()) {
                        Ok(t) => self.see(t.local_id, t.is_avatar()),
                        Err(_) => self.decode_errors += 1,
                    }
                }
            }
            WireMessage::KillObject(m) => {
                for o in &m.object_data {
                    self.kill(o.id);
                }
            }
            WireMessage::LayerData(m) => {
                let land = LayerType::from_code(m.layer_id.r#type).is_some_and(LayerType::is_land);
                if land {
                    match decode_land_patches(m.layer_data.data.as_bytes()) {
                        Ok(patches) => {
                            for p in patches {
                                self.patches_received += 1;
                                self.patches.insert((p.x, p.y));
                            }
                        }
                        Err(_) => self.decode_errors += 1,
                    }
                }
            }
            _ => {}
        }
    }
}

/// Counts objects and terrain patches from the circuit's messages.
#[derive(Debug)]
pub struct RegionCensus;

impl SupervisedActor for RegionCensus {
    type Durable = CensusCounts;

    fn start(_: &mut Durable<CensusCounts>, _: &mut Ctx<'_, Self>) -> Self {
        RegionCensus
    }
}

impl Handles<Received<WireMessage<'static>>> for RegionCensus {
    fn handle(
        &mut self,
        msg: &Received<WireMessage<'static>>,
        d: &mut Durable<CensusCounts>,
        _: &mut Ctx<'_, Self>,
    ) {
        d.record(msg);
    }
}

/// Ask the census for its counts.
#[derive(Debug, Clone, Copy)]
pub struct GetCensus;

impl Message for GetCensus {
    type Result = CensusCounts;
}

impl Handles<GetCensus> for RegionCensus {
    fn handle(
        &mut self,
        _: &GetCensus,
        d: &mut Durable<CensusCounts>,
        _: &mut Ctx<'_, Self>,
    ) -> CensusCounts {
        (**d).clone()
    }
}
