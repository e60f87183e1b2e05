//! The render side's report of how many screen pixels each texture covers,
//! carried to the AssetActor through a bounded channel that never waits:
//! two buffers circulate (filled by the render thread, emptied and handed
//! back by the actor), so steady frames allocate nothing, and a report that
//! finds the channel full is simply skipped.

use crossbeam_channel::{Receiver, Sender, TrySendError, bounded};

use crate::render::TextureKey;

/// One report: (texture, pixels covered) pairs.
pub type DemandReport = Vec<(TextureKey, f32)>;

/// Buffers in circulation.
const BUFFERS: usize = 2;

/// The render thread's end.
pub struct DemandSender {
    reports: Sender<DemandReport>,
    spare: Receiver<DemandReport>,
    held: Option<DemandReport>,
    /// Reports skipped because the actor had not taken the previous one.
    pub skipped: u64,
}

/// The AssetActor's end.
#[derive(Clone)]
pub struct DemandReceiver {
    reports: Receiver<DemandReport>,
    spare: Sender<DemandReport>,
}

/// A connected pair, with its buffers made up front.
pub fn demand_channel(capacity: usize) -> (DemandSender, DemandReceiver) {
    let (reports_tx, reports_rx) = bounded(BUFFERS);
    let (spare_tx, spare_rx) = bounded(BUFFERS);
    for _ in 0..BUFFERS {
        let _ = spare_tx.try_send(Vec::with_capacity(capacity));
    }
    (
        DemandSender {
            reports: reports_tx,
            spare: spare_rx,
            held: None,
            skipped: 0,
        },
        DemandReceiver {
            reports: reports_rx,
            spare: spare_tx,
        },
    )
}

impl DemandSender {
    /// Sends what `demand` yields, if a buffer is free; never waits.
    pub fn report(&mut self, demand: impl Iterator<Item = (TextureKey, f32)>) {
        let Some(mut buf) = self.held.take().or_else(|| self.spare.try_recv().ok()) else {
            self.skipped += 1;
            return;
        };
        buf.clear();
        buf.extend(demand);
        match self.reports.try_send(buf) {
            Ok(()) => {}
            Err(TrySendError::Full(back)) | Err(TrySendError::Disconnected(back)) => {
                self.skipped += 1;
                self.held = Some(back);
            }
        }
    }
}

impl DemandReceiver {
    /// Hands every waiting report to `f`, then returns its buffer.
    pub fn drain(&self, mut f: impl FnMut(&[(TextureKey, f32)])) -> usize {
        let mut n = 0;
        while let Ok(mut buf) = self.reports.try_recv() {
            f(&buf);
            n += 1;
            buf.clear();
            let _ = self.spare.try_send(buf);
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_arrive_and_buffers_come_back() {
        let (mut tx, rx) = demand_channel(8);
        for round in 0..10u32 {
            tx.report([(TextureKey(1), round as f32)].into_iter());
            let mut seen = Vec::new();
            rx.drain(|r| seen.extend_from_slice(r));
            assert_eq!(seen, vec![(TextureKey(1), round as f32)]);
        }
        assert_eq!(tx.skipped, 0);
    }

    #[test]
    fn a_slow_actor_makes_reports_skip_not_wait() {
        let (mut tx, rx) = demand_channel(8);
        for i in 0..5u32 {
            tx.report([(TextureKey(u128::from(i)), 1.0)].into_iter());
        }
        assert_eq!(tx.skipped, 3);
        let mut n = 0;
        rx.drain(|_| n += 1);
        assert_eq!(n, 2);
    }
}
