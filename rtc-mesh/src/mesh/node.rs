//! The state one mesh's tasks share: its identity, the current signalling
//! router, and one slot per neighbour — a link that is up, or a set-up in
//! progress that every caller asking for that neighbour waits on.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use ed25519_dalek::SigningKey;
use tokio::sync::watch;
use tracing::debug;

use super::config::MeshConfig;
use super::inbox::{Direction, MeshEvent, Sinks};
use super::link::MeshLink;
use super::set_up::{self, SetUp};
use super::stats::Counters;
use super::{pump, reconnect};
use crate::error::{LinkError, MeshError, NativeError};
use crate::link::{CloseCode, CloseReason, ClosedBy};
use crate::native::NativeLink;
use crate::peer_id::PeerId;
use crate::router::{Signal, SignalRouter};
use crate::signal::{Realm, Sdp};

/// Where a set-up's outcome is published once it is known.
pub(crate) type Outcome = watch::Sender<Option<Result<MeshLink, MeshError>>>;
/// Where callers wait for a set-up's outcome.
type Pending = watch::Receiver<Option<Result<MeshLink, MeshError>>>;

enum Slot {
    Up {
        generation: u64,
        link: MeshLink,
    },
    SettingUp {
        generation: u64,
        outcome: Pending,
        /// The link this set-up replaces, kept until it succeeds.
        previous: Option<(u64, MeshLink)>,
    },
}

/// What [`Node::claim`] found for a peer.
enum Claim {
    Open(MeshLink),
    SettingUp(Pending),
    NoSignalling,
}

#[derive(Default)]
struct Slots {
    next_generation: u64,
    by_peer: HashMap<PeerId, Slot>,
}

/// Everything a mesh's tasks share.
pub(crate) struct Node {
    pub(crate) me: PeerId,
    pub(crate) key: SigningKey,
    pub(crate) url: String,
    pub(crate) realm: Realm,
    pub(crate) config: MeshConfig,
    /// The registered signalling connection, while there is one.
    pub(crate) router: watch::Sender<Option<Arc<SignalRouter>>>,
    pub(crate) sinks: Sinks,
    pub(crate) counters: Counters,
    /// Set once, when the mesh is dropped; every task ends on it.
    pub(crate) shutdown: watch::Sender<bool>,
    slots: Mutex<Slots>,
}

/// Whether a link that closed for `reason` is worth restoring: the peer
/// went away or stopped answering, as opposed to a deliberate close.
fn worth_restoring(reason: &LinkError) -> bool {
    match reason {
        LinkError::Closed {
            by: ClosedBy::Remote,
            reason,
        } => reason.code != CloseCode::NORMAL,
        LinkError::Closed {
            by: ClosedBy::Local,
            reason,
        } => reason.code == CloseCode::DEAD,
        _ => false,
    }
}

impl Node {
    pub(crate) fn new(
        key: SigningKey,
        url: String,
        realm: Realm,
        config: MeshConfig,
        sinks: Sinks,
    ) -> Self {
        Node {
            me: PeerId::from_verifying_key(&key.verifying_key()),
            key,
            url,
            realm,
            config,
            router: watch::Sender::new(None),
            sinks,
            counters: Counters::default(),
            shutdown: watch::Sender::new(false),
            slots: Mutex::default(),
        }
    }

    fn slots(&self) -> MutexGuard<'_, Slots> {
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn is_shut_down(&self) -> bool {
        *self.shutdown.borrow()
    }

    /// Resolves once the mesh is shutting down.
    pub(crate) async fn shut_down(&self) {
        let mut shutdown = self.shutdown.subscribe();
        let _ = shutdown.wait_for(|stop| *stop).await;
    }

    /// The open link to `peer`, if there is one.
    pub(crate) fn existing(&self, peer: &PeerId) -> Option<MeshLink> {
        match self.slots().by_peer.get(peer) {
            Some(Slot::Up { link, .. }) if !link.is_closed() => Some(link.clone()),
            _ => None,
        }
    }

    /// The neighbours with an open link.
    pub(crate) fn neighbours(&self) -> Vec<PeerId> {
        self.slots()
            .by_peer
            .iter()
            .filter_map(|(peer, slot)| match slot {
                Slot::Up { link, .. } if !link.is_closed() => Some(*peer),
                _ => None,
            })
            .collect()
    }

    /// The link to `peer`: the open one, the one being set up, or a new one
    /// dialed through the signalling server.
    pub(crate) async fn link(self: &Arc<Self>, peer: PeerId) -> Result<MeshLink, MeshError> {
        if peer == self.me {
            return Err(MeshError::SelfLink);
        }
        let claim = match self.claim(peer)? {
            Claim::NoSignalling => {
                self.registered().await?;
                self.claim(peer)?
            }
            claim => claim,
        };
        match claim {
            Claim::Open(link) => Ok(link),
            Claim::SettingUp(outcome) => self.wait(outcome).await,
            // The connection came up and dropped again at once.
            Claim::NoSignalling => Err(MeshError::NoSignalling {
                after: self.config.links.connect_timeout,
            }),
        }
    }

    /// What there is for `peer` now, starting a dial if there is nothing.
    fn claim(self: &Arc<Self>, peer: PeerId) -> Result<Claim, MeshError> {
        if self.is_shut_down() {
            return Err(MeshError::ShutDown);
        }
        let router = self.router.borrow().clone();
        let mut slots = self.slots();
        Ok(match (slots.by_peer.get(&peer), router) {
            (Some(Slot::Up { link, .. }), _) if !link.is_closed() => Claim::Open(link.clone()),
            (Some(Slot::SettingUp { outcome, .. }), _) => Claim::SettingUp(outcome.clone()),
            (_, Some(router)) => {
                Claim::SettingUp(self.start_set_up(&mut slots, &router, peer, SetUp::Dial))
            }
            (_, None) => Claim::NoSignalling,
        })
    }

    /// Waits for a registered signalling connection, at most one set-up
    /// timeout.
    pub(crate) async fn registered(&self) -> Result<(), MeshError> {
        let after = self.config.links.connect_timeout;
        let mut router = self.router.subscribe();
        tokio::select! {
            () = self.shut_down() => Err(MeshError::ShutDown),
            up = tokio::time::timeout(after, router.wait_for(Option::is_some)) => match up {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(_)) => Err(MeshError::ShutDown),
                Err(_) => Err(MeshError::NoSignalling { after }),
            },
        }
    }

    async fn wait(&self, mut outcome: Pending) -> Result<MeshLink, MeshError> {
        match outcome.wait_for(Option::is_some).await {
            Ok(done) => done.clone().unwrap_or(Err(MeshError::ShutDown)),
            // The set-up ended without an outcome: the mesh shut down.
            Err(_) => Err(MeshError::ShutDown),
        }
    }

    /// Handles an offer that no route took: hands it to a set-up in
    /// progress with `from`, or answers it with a new set-up (the peer
    /// started over, so it replaces any link it had).
    pub(crate) fn accept(self: &Arc<Self>, router: &Arc<SignalRouter>, from: PeerId, sdp: Sdp) {
        let mut slots = self.slots();
        if let Some(Slot::SettingUp { .. }) = slots.by_peer.get(&from) {
            // The set-up's route opened after the router looked; that
            // set-up decides (see `glare`). If it has just ended, the
            // peer's set-up times out and its mesh retries.
            if !router.redeliver(from, Signal::Offer(sdp)) {
                debug!(peer = ?from, "dropped an offer that crossed a finishing set-up");
            }
            return;
        }
        self.start_set_up(&mut slots, router, from, SetUp::Answer(sdp));
    }

    /// Puts a set-up with `peer` in its slot and starts it.
    fn start_set_up(
        self: &Arc<Self>,
        slots: &mut Slots,
        router: &SignalRouter,
        peer: PeerId,
        how: SetUp,
    ) -> Pending {
        slots.next_generation += 1;
        let generation = slots.next_generation;
        let signals = router.open(peer);
        let (outcome, outcome_rx) = watch::channel(None);
        let previous = match slots.by_peer.remove(&peer) {
            Some(Slot::Up { generation, link }) => Some((generation, link)),
            Some(Slot::SettingUp { previous, .. }) => previous,
            None => None,
        };
        slots.by_peer.insert(
            peer,
            Slot::SettingUp {
                generation,
                outcome: outcome_rx.clone(),
                previous,
            },
        );
        tokio::spawn(set_up::run(
            Arc::clone(self),
            peer,
            generation,
            signals,
            how,
            outcome,
        ));
        outcome_rx
    }

    /// Records how set-up `generation` with `peer` ended: a new link
    /// replaces the previous one; a failure keeps it.
    pub(crate) fn finish(
        self: &Arc<Self>,
        peer: PeerId,
        generation: u64,
        result: Result<(NativeLink, Direction), NativeError>,
    ) -> Result<MeshLink, MeshError> {
        let mut slots = self.slots();
        let previous = match slots.by_peer.remove(&peer) {
            Some(Slot::SettingUp {
                generation: current,
                previous,
                ..
            }) if current == generation => previous,
            // Only shutdown empties a slot under a running set-up.
            other => {
                if let Some(other) = other {
                    slots.by_peer.insert(peer, other);
                }
                return Err(MeshError::ShutDown);
            }
        };
        let (native, direction) = match result {
            Ok(up) => up,
            Err(error) => {
                if let Some((generation, link)) = previous {
                    slots.by_peer.insert(peer, Slot::Up { generation, link });
                }
                self.counters
                    .set_up_failures
                    .fetch_add(1, Ordering::Relaxed);
                return Err(MeshError::SetUp(Arc::new(error)));
            }
        };
        if let Some((_, old)) = previous {
            old.close(CloseReason::new(CloseCode::NORMAL, "replaced"));
        }
        let link = MeshLink::new(peer, native);
        slots.by_peer.insert(
            peer,
            Slot::Up {
                generation,
                link: link.clone(),
            },
        );
        drop(slots);
        let counter = match direction {
            Direction::Dialed => &self.counters.links_dialed,
            Direction::Answered => &self.counters.links_answered,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(pump::run(Arc::clone(self), link.clone(), generation));
        self.sinks.event(MeshEvent::LinkUp { peer, direction });
        Ok(link)
    }

    /// Records that link `generation` to `peer` closed for `reason`. If it
    /// was the peer's current link, reports it and starts restoring it when
    /// worth it; a link a newer one replaced goes without a word.
    pub(crate) fn link_ended(self: &Arc<Self>, peer: PeerId, generation: u64, reason: LinkError) {
        let mut slots = self.slots();
        let current = match slots.by_peer.get_mut(&peer) {
            Some(Slot::Up { generation: g, .. }) if *g == generation => {
                slots.by_peer.remove(&peer);
                true
            }
            // A set-up that would replace it is running: it decides what
            // comes next.
            Some(Slot::SettingUp { previous, .. })
                if previous.as_ref().is_some_and(|(g, _)| *g == generation) =>
            {
                *previous = None;
                false
            }
            _ => return,
        };
        drop(slots);
        let reconnecting = current && worth_restoring(&reason) && !self.is_shut_down();
        debug!(?peer, reconnecting, "link closed");
        self.sinks.event(MeshEvent::LinkDown {
            peer,
            reason,
            reconnecting,
        });
        if reconnecting {
            tokio::spawn(reconnect::run(Arc::clone(self), peer));
        }
    }

    /// Closes every link and ends every task (the mesh was dropped).
    pub(crate) fn stop(&self) {
        self.shutdown.send_replace(true);
        self.router.send_replace(None);
        let slots = core::mem::take(&mut self.slots().by_peer);
        let reason = CloseReason::new(CloseCode::GOING_AWAY, "mesh shut down");
        for slot in slots.into_values() {
            let link = match slot {
                Slot::Up { link, .. } => Some(link),
                Slot::SettingUp { previous, .. } => previous.map(|(_, link)| link),
            };
            if let Some(link) = link {
                link.close(reason.clone());
            }
        }
    }
}
