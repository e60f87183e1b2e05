//! The [`ScalingGovernor`] actor: feeds every frame to a [`GovernorCore`],
//! and when the profile changes publishes the new [`ActiveSettings`] through
//! a [`Latest`] (the render thread reads it each frame) and sends them to
//! every subscriber (SceneActor, AssetActor, the circuit's throttle…).
//!
//! Frames reach it two ways: the render thread records a [`FrameSample`] per
//! frame into the [`SampleFeed`] (a bounded channel: never blocks, never
//! allocates; when full the sample is dropped and counted), which the actor
//! drains every `poll_interval`; actor threads may also send `FrameSample`
//! messages. Its clock is the samples' own `t_ms`, so it decides exactly as
//! a replay of the same frames does.
//!
//! Everything lives in the actor's durable state: a crash and restart loses
//! neither the profile, the windows, the subscribers nor the feed.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, TrySendError};
use kestrel_actors::bus::Latest;
use kestrel_actors::{
    Addr, Ctx, Durable, Handles, Message, Recipient, RuntimeHandle, SendError, SpawnError,
    SupervisedActor,
};

use crate::config::{
    ConfigDir, ConfigError, PerformanceProfile, PerformanceSettings, ProfileTable, UserSettings,
};

use super::core::{FrameSample, GovernorCore, Transition};
use super::thresholds::{InvalidThreshold, Thresholds};

/// The name the governor is spawned under (its `[actors.governor]` settings).
pub const GOVERNOR_ACTOR: &str = "governor";

/// The most subscribers the governor sends settings to.
pub const MAX_SUBSCRIBERS: usize = 16;

/// Transitions kept in [`GovernorStatus::recent`].
pub const RECENT_TRANSITIONS: usize = 16;

/// Samples the [`SampleFeed`] buffers by default (4 s at 240 frames a second
/// between two polls would still fit).
pub const DEFAULT_FEED_CAPACITY: usize = 1024;

/// How often the actor drains the feed by default.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_millis(50);

/// Why the settings are what they are.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cause {
    /// The profile the governor started with.
    Start,
    /// The governor moved the profile.
    Governor(Transition),
    /// The profile was chosen from outside ([`SetProfile`]).
    User,
}

/// The performance settings in force: what the renderer, the scene and asset
/// actors and the circuit's throttle follow. Published through
/// [`GovernorHandle::settings`] and sent to every subscriber.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ActiveSettings {
    /// The profile.
    pub profile: PerformanceProfile,
    /// Its settings (the user's Custom values when `profile` is Custom).
    pub settings: PerformanceSettings,
    /// Increases with every change (0 = the start).
    pub generation: u64,
    /// Why.
    pub cause: Cause,
}

impl Message for ActiveSettings {
    type Result = ();
}

impl Message for FrameSample {
    type Result = ();
}

/// What the editor shows about the governor.
#[derive(Debug, Clone, PartialEq)]
pub struct GovernorStatus {
    /// Whether it may move the profile.
    pub enabled: bool,
    /// The thresholds in force.
    pub thresholds: Thresholds,
    /// The profile in force.
    pub profile: PerformanceProfile,
    /// The generation of the settings in force.
    pub generation: u64,
    /// Frames observed (while enabled).
    pub samples_seen: u64,
    /// Frames dropped by a full [`SampleFeed`].
    pub feed_dropped: u64,
    /// Settings messages a subscriber did not accept (full mailbox; it can
    /// still read [`GovernorHandle::settings`]).
    pub broadcasts_refused: u64,
    /// Subscribers.
    pub subscribers: usize,
    /// How many times the up window is doubled after premature step ups.
    pub up_backoff: u32,
    /// The last [`RECENT_TRANSITIONS`] transitions, oldest first.
    pub recent: Vec<Transition>,
    /// The profile the user chose (where the governor started from; what
    /// Preferences shows and saves).
    pub user_profile: PerformanceProfile,
    /// The user's Custom values (Balanced's until edited).
    pub custom: PerformanceSettings,
    /// The outcome of the last write or read of a config file, in words
    /// (`saved /home/…/governor.toml`, or why it failed).
    pub last_file_outcome: Option<FileOutcome>,
}

/// What happened to the last config file the governor wrote or read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileOutcome {
    /// Written (or read back) without trouble.
    Done(String),
    /// Refused, and why.
    Failed(String),
}

/// Turn the governor on or off (off: the profile stays where it is).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetEnabled(pub bool);
impl Message for SetEnabled {
    type Result = ();
}

/// Replace the thresholds (live tuning); refused if a value is out of range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SetThresholds(pub Thresholds);
impl Message for SetThresholds {
    type Result = Result<(), InvalidThreshold>;
}

/// The user chose a profile: publish it, and let the governor go on from there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetProfile(pub PerformanceProfile);
impl Message for SetProfile {
    type Result = ();
}

/// The user edited the Custom values: keep them, and apply them at once when
/// the profile is Custom.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SetCustom(pub PerformanceSettings);
impl Message for SetCustom {
    type Result = Result<(), ConfigError>;
}

/// Write the thresholds in force to `governor.toml` in this directory; answers the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveThresholds(pub ConfigDir);
impl Message for SaveThresholds {
    type Result = Result<PathBuf, ConfigError>;
}

/// Restore the thresholds saved in this directory (the shipped ones if none
/// were saved); answers what is now in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevertThresholds(pub ConfigDir);
impl Message for RevertThresholds {
    type Result = Result<Thresholds, ConfigError>;
}

/// Send every settings change to this recipient (it gets the current ones at once).
#[derive(Debug, Clone)]
pub struct Subscribe(pub Recipient<ActiveSettings>);
impl Message for Subscribe {
    type Result = Result<(), SubscribeError>;
}

/// A subscription was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubscribeError {
    /// [`MAX_SUBSCRIBERS`] are already subscribed.
    #[error("the governor already has {MAX_SUBSCRIBERS} subscribers")]
    Full,
}

/// Where the render thread records frames for the governor. Cheap to clone.
#[derive(Debug, Clone)]
pub struct SampleFeed {
    tx: Sender<FrameSample>,
    dropped: Arc<AtomicU64>,
}

impl SampleFeed {
    /// Record one frame: never blocks or allocates; answers whether it was
    /// queued (when the buffer is full it is dropped and counted).
    #[inline]
    pub fn record(&self, sample: FrameSample) -> bool {
        match self.tx.try_send(sample) {
            Ok(()) => true,
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
                false
            }
        }
    }

    /// Frames dropped so far.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// How to start the governor.
#[derive(Debug, Clone)]
pub struct GovernorSpawn {
    /// Thresholds (e.g. [`Thresholds::load_user`]).
    pub thresholds: Thresholds,
    /// The built-in profiles' settings.
    pub table: ProfileTable,
    /// The profile at start (the user's saved one).
    pub start: PerformanceProfile,
    /// The user's Custom values (Balanced's are used if Custom has none).
    pub custom: Option<PerformanceSettings>,
    /// Whether the governor may move the profile (`UserSettings::governor_enabled`).
    pub enabled: bool,
    /// Samples the feed buffers.
    pub feed_capacity: usize,
    /// Where the user's choices ([`SetProfile`], [`SetCustom`], [`SetEnabled`])
    /// are saved as `settings.toml`, off the render thread; `None` keeps
    /// them for this run only (tests, benches).
    pub persist: Option<ConfigDir>,
    /// How often the feed is drained.
    pub poll_interval: Duration,
}

impl GovernorSpawn {
    /// Start at `start` with these thresholds, the shipped profiles, enabled.
    pub fn new(start: PerformanceProfile, thresholds: Thresholds) -> Self {
        Self {
            thresholds,
            table: ProfileTable::built_in(),
            start,
            custom: None,
            enabled: true,
            feed_capacity: DEFAULT_FEED_CAPACITY,
            poll_interval: DEFAULT_POLL_INTERVAL,
            persist: None,
        }
    }

    /// Start where the user's saved settings say (profile, Custom values,
    /// governor on or off), and save their later choices to `persist`.
    pub fn from_user(
        user: &UserSettings,
        thresholds: Thresholds,
        persist: Option<ConfigDir>,
    ) -> Self {
        Self {
            custom: user.custom,
            enabled: user.governor_enabled,
            persist,
            ..Self::new(user.profile, thresholds)
        }
    }

    /// Spawn the governor (named [`GOVERNOR_ACTOR`]) on `runtime`.
    pub fn spawn(self, runtime: &RuntimeHandle) -> Result<GovernorHandle, SpawnError> {
        let (tx, rx) = crossbeam_channel::bounded(self.feed_capacity.max(1));
        let dropped = Arc::new(AtomicU64::new(0));
        let feed = SampleFeed {
            tx,
            dropped: dropped.clone(),
        };
        let first = ActiveSettings {
            profile: self.start,
            settings: settings_of(
                &self.table,
                self.custom.unwrap_or(self.table.balanced),
                self.start,
            ),
            generation: 0,
            cause: Cause::Start,
        };
        let core = GovernorCore::new(self.thresholds, self.start);
        let custom = self.custom.unwrap_or(self.table.balanced);
        let mut state = GovernorState {
            status: Latest::new(status_of(
                &core,
                self.enabled,
                0,
                0,
                0,
                &VecDeque::new(),
                custom,
            )),
            core,
            enabled: self.enabled,
            table: self.table,
            custom,
            user_profile: self.start,
            persist: self.persist,
            last_file_outcome: None,
            settings: Latest::new(first),
            subscribers: Vec::new(),
            feed: rx,
            feed_dropped: dropped,
            broadcasts_refused: 0,
            recent: VecDeque::with_capacity(RECENT_TRANSITIONS),
            poll_interval: self.poll_interval.max(Duration::from_millis(1)),
            status_dirty: false,
            published_samples: 0,
        };
        state.publish_status();
        let settings = state.settings.clone();
        let status = state.status.clone();
        let addr = runtime.spawn::<ScalingGovernor>(GOVERNOR_ACTOR, state)?;
        Ok(GovernorHandle {
            addr,
            settings,
            status,
            feed,
        })
    }
}

/// What [`GovernorSpawn::spawn`] gives back.
#[derive(Debug, Clone)]
pub struct GovernorHandle {
    /// The actor: send it [`SetEnabled`], [`SetThresholds`], [`SetProfile`],
    /// [`SaveThresholds`], [`RevertThresholds`], [`Subscribe`], [`FrameSample`].
    pub addr: Addr<ScalingGovernor>,
    /// The settings in force (read on the render thread: wait-free).
    pub settings: Latest<ActiveSettings>,
    /// The governor's status (for the editor).
    pub status: Latest<GovernorStatus>,
    /// Where the render thread records its frames.
    pub feed: SampleFeed,
}

fn settings_of(
    table: &ProfileTable,
    custom: PerformanceSettings,
    profile: PerformanceProfile,
) -> PerformanceSettings {
    table.get(profile).unwrap_or(custom)
}

fn status_of(
    core: &GovernorCore,
    enabled: bool,
    generation: u64,
    feed_dropped: u64,
    broadcasts_refused: u64,
    recent: &VecDeque<Transition>,
    custom: PerformanceSettings,
) -> GovernorStatus {
    GovernorStatus {
        enabled,
        thresholds: *core.thresholds(),
        profile: core.profile(),
        generation,
        samples_seen: core.samples_seen(),
        feed_dropped,
        broadcasts_refused,
        subscribers: 0,
        up_backoff: core.up_backoff(),
        recent: recent.iter().copied().collect(),
        user_profile: core.profile(),
        custom,
        last_file_outcome: None,
    }
}

/// The governor's durable state (kept across crashes).
pub struct GovernorState {
    core: GovernorCore,
    enabled: bool,
    table: ProfileTable,
    custom: PerformanceSettings,
    user_profile: PerformanceProfile,
    persist: Option<ConfigDir>,
    last_file_outcome: Option<FileOutcome>,
    settings: Latest<ActiveSettings>,
    status: Latest<GovernorStatus>,
    subscribers: Vec<Recipient<ActiveSettings>>,
    feed: Receiver<FrameSample>,
    feed_dropped: Arc<AtomicU64>,
    broadcasts_refused: u64,
    recent: VecDeque<Transition>,
    poll_interval: Duration,
    status_dirty: bool,
    published_samples: u64,
}

impl GovernorState {
    fn observe(&mut self, s: &FrameSample) {
        if !self.enabled {
            return;
        }
        if let Some(t) = self.core.observe_sample(s) {
            if self.recent.len() >= RECENT_TRANSITIONS {
                self.recent.pop_front();
            }
            self.recent.push_back(t);
            self.apply(t.to, Cause::Governor(t));
        }
    }

    /// Publish and broadcast the settings of `profile`.
    fn apply(&mut self, profile: PerformanceProfile, cause: Cause) {
        let next = ActiveSettings {
            profile,
            settings: settings_of(&self.table, self.custom, profile),
            generation: self.settings.load().generation + 1,
            cause,
        };
        self.settings.publish(next);
        self.broadcast(next);
        self.status_dirty = true;
    }

    fn broadcast(&mut self, s: ActiveSettings) {
        let mut refused = 0;
        // A subscriber whose actor has stopped is dropped; one that is full
        // or disabled keeps its place and misses this change (counted).
        self.subscribers.retain(|r| match r.try_send(s) {
            Ok(()) => true,
            Err(SendError::Closed(_)) => false,
            Err(_) => {
                refused += 1;
                true
            }
        });
        self.broadcasts_refused += refused;
    }

    /// Drain the feed (at most twice its capacity per poll, so a flood cannot
    /// keep the handler running) and refresh the status.
    fn tick(&mut self) {
        let limit = self.feed.capacity().unwrap_or(DEFAULT_FEED_CAPACITY) * 2;
        for _ in 0..limit {
            match self.feed.try_recv() {
                Ok(s) => self.observe(&s),
                Err(_) => break,
            }
        }
        if self.status_dirty || self.core.samples_seen() != self.published_samples {
            self.publish_status();
        }
    }

    fn publish_status(&mut self) {
        let mut st = status_of(
            &self.core,
            self.enabled,
            self.settings.load().generation,
            self.feed_dropped.load(Ordering::Relaxed),
            self.broadcasts_refused,
            &self.recent,
            self.custom,
        );
        st.subscribers = self.subscribers.len();
        st.user_profile = self.user_profile;
        st.custom = self.custom;
        st.last_file_outcome = self.last_file_outcome.clone();
        self.published_samples = st.samples_seen;
        self.status_dirty = false;
        self.status.publish(st);
    }

    /// Save the user's choices (profile, Custom values, governor on/off) when
    /// a config directory was given; the outcome shows in the status.
    fn persist_user(&mut self) {
        let Some(dir) = &self.persist else {
            return;
        };
        let user = UserSettings {
            profile: self.user_profile,
            custom: Some(self.custom),
            governor_enabled: self.enabled,
        };
        self.last_file_outcome = Some(match user.save(dir) {
            Ok(path) => FileOutcome::Done(format!("saved {}", path.display())),
            Err(e) => {
                tracing::warn!("could not save settings: {e}");
                FileOutcome::Failed(e.to_string())
            }
        });
    }
}

/// The ScalingGovernor actor (its state is all durable).
pub struct ScalingGovernor;

impl SupervisedActor for ScalingGovernor {
    type Durable = GovernorState;

    fn start(durable: &mut Durable<GovernorState>, ctx: &mut Ctx<'_, Self>) -> Self {
        ctx.run_interval(durable.poll_interval, |_, d, _| d.tick());
        ScalingGovernor
    }
}

impl Handles<FrameSample> for ScalingGovernor {
    fn handle(
        &mut self,
        msg: &FrameSample,
        d: &mut Durable<GovernorState>,
        _ctx: &mut Ctx<'_, Self>,
    ) {
        d.observe(msg);
        if d.status_dirty {
            d.publish_status();
        }
    }
}

impl Handles<SetEnabled> for ScalingGovernor {
    fn handle(&mut self, msg: &SetEnabled, d: &mut Durable<GovernorState>, _: &mut Ctx<'_, Self>) {
        if msg.0 && !d.enabled {
            // Frames from before the pause say nothing about now.
            d.core.restart();
        }
        let changed = d.enabled != msg.0;
        d.enabled = msg.0;
        if changed {
            d.persist_user();
        }
        d.publish_status();
    }
}

impl Handles<SetThresholds> for ScalingGovernor {
    fn handle(
        &mut self,
        msg: &SetThresholds,
        d: &mut Durable<GovernorState>,
        _: &mut Ctx<'_, Self>,
    ) -> Result<(), InvalidThreshold> {
        msg.0.validate()?;
        d.core.set_thresholds(msg.0);
        d.publish_status();
        Ok(())
    }
}

impl Handles<SetProfile> for ScalingGovernor {
    fn handle(&mut self, msg: &SetProfile, d: &mut Durable<GovernorState>, _: &mut Ctx<'_, Self>) {
        d.core.set_profile(msg.0);
        d.user_profile = msg.0;
        d.apply(msg.0, Cause::User);
        d.persist_user();
        d.publish_status();
    }
}

impl Handles<SetCustom> for ScalingGovernor {
    fn handle(
        &mut self,
        msg: &SetCustom,
        d: &mut Durable<GovernorState>,
        _: &mut Ctx<'_, Self>,
    ) -> Result<(), ConfigError> {
        msg.0
            .validate(std::path::Path::new("(editor)"), "custom")
            .inspect_err(|e| d.last_file_outcome = Some(FileOutcome::Failed(e.to_string())))?;
        d.custom = msg.0;
        if d.core.profile() == PerformanceProfile::Custom {
            d.apply(PerformanceProfile::Custom, Cause::User);
        }
        d.persist_user();
        d.publish_status();
        Ok(())
    }
}

impl Handles<SaveThresholds> for ScalingGovernor {
    fn handle(
        &mut self,
        msg: &SaveThresholds,
        d: &mut Durable<GovernorState>,
        _: &mut Ctx<'_, Self>,
    ) -> Result<PathBuf, ConfigError> {
        let saved = d.core.thresholds().save_user(&msg.0);
        d.last_file_outcome = Some(match &saved {
            Ok(path) => FileOutcome::Done(format!("saved {}", path.display())),
            Err(e) => FileOutcome::Failed(e.to_string()),
        });
        d.publish_status();
        saved
    }
}

impl Handles<RevertThresholds> for ScalingGovernor {
    fn handle(
        &mut self,
        msg: &RevertThresholds,
        d: &mut Durable<GovernorState>,
        _: &mut Ctx<'_, Self>,
    ) -> Result<Thresholds, ConfigError> {
        let loaded = Thresholds::load_user(&msg.0);
        d.last_file_outcome = Some(match &loaded {
            Ok(_) => FileOutcome::Done(format!(
                "reverted to {}",
                Thresholds::user_file(&msg.0).display()
            )),
            Err(e) => FileOutcome::Failed(e.to_string()),
        });
        if let Ok(t) = loaded {
            d.core.set_thresholds(t);
        }
        d.publish_status();
        loaded
    }
}

impl Handles<Subscribe> for ScalingGovernor {
    fn handle(
        &mut self,
        msg: &Subscribe,
        d: &mut Durable<GovernorState>,
        _: &mut Ctx<'_, Self>,
    ) -> Result<(), SubscribeError> {
        if d.subscribers.len() >= MAX_SUBSCRIBERS {
            return Err(SubscribeError::Full);
        }
        let now = *d.settings.load();
        if msg.0.try_send(now).is_err() {
            d.broadcasts_refused += 1;
        }
        d.subscribers.push(msg.0.clone());
        d.publish_status();
        Ok(())
    }
}
