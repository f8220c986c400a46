//! The driver: one swarm engine, its streams and its timer, moved
//! forward while [`SwarmDriver::next_event`] is awaited.

use std::collections::{BTreeMap, VecDeque};
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use rand_core::Rng;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Sleep;

use super::connection::{Connection, ReadOutcome};
use super::{CloseReason, DriverEvent};
use crate::error::{Error, SessionError};
use crate::session::{Output, PeerKey, PieceSet, Swarm};
use crate::storage::Storage;

/// Rounds of reading and writing in one poll before the driver yields to
/// the runtime, so that streams that are always ready cannot starve it.
const MAX_ROUNDS: usize = 32;

/// Runs a [`Swarm`] over streams of type `T`: reads each into a bounded
/// buffer and feeds the engine with the time, writes what the engine
/// sends, closes what it drops and wakes it at its timeouts.
///
/// Nothing moves unless [`SwarmDriver::next_event`] (or a method built on
/// it) is being awaited; that future holds no state of its own, so it can
/// be dropped in a `select!` and awaited again without losing anything.
/// Storage is written on the driver's task, so its writes should be quick
/// (a page-cache write, not a network round trip).
#[derive(Debug)]
pub struct SwarmDriver<S: Storage, T, R> {
    swarm: Swarm<S>,
    rng: R,
    connections: BTreeMap<PeerKey, Connection<T>>,
    events: VecDeque<DriverEvent>,
    failure: Option<Error>,
    /// The timer and the deadline it is set to; made on first poll, since
    /// a timer needs the runtime.
    timer: Option<(Pin<Box<Sleep>>, Instant)>,
}

impl<S, T, R> SwarmDriver<S, T, R>
where
    S: Storage,
    T: AsyncRead + AsyncWrite + Unpin,
    R: Rng,
{
    /// A driver for `swarm`, with `rng` for the engine's random choices.
    pub fn new(swarm: Swarm<S>, rng: R) -> Self {
        Self {
            swarm,
            rng,
            connections: BTreeMap::new(),
            events: VecDeque::new(),
            failure: None,
            timer: None,
        }
    }

    /// Hands the driver a connected stream, inbound or outbound; our
    /// handshake goes out first.
    pub fn add_connection(&mut self, stream: T) -> PeerKey {
        let key = self.swarm.add_peer(now());
        self.connections.insert(key, Connection::new(stream));
        self.drain_outputs();
        key
    }

    /// Starts downloading into `storage` once
    /// [`crate::session::Event::MetadataReady`] has come, as
    /// [`Swarm::attach_storage`] does.
    ///
    /// # Errors
    /// As [`Swarm::attach_storage`].
    pub fn attach_storage(&mut self, storage: S, have: PieceSet) -> Result<(), SessionError> {
        let result = self
            .swarm
            .attach_storage(storage, have, now(), &mut self.rng);
        self.drain_outputs();
        result
    }

    /// The engine, to read its state.
    pub fn swarm(&self) -> &Swarm<S> {
        &self.swarm
    }

    /// The engine back, with every stream dropped.
    pub fn into_swarm(self) -> Swarm<S> {
        self.swarm
    }

    /// Streams still open.
    pub fn connection_count(&self) -> usize {
        self.connections.len()
    }

    /// Moves bytes until something happens.
    ///
    /// # Errors
    /// The engine's [`Output::Failed`]: storage refused a write and the
    /// torrent cannot go on.
    pub async fn next_event(&mut self) -> Result<DriverEvent, Error> {
        poll_fn(|cx| self.poll_next_event(cx)).await
    }

    /// Runs until every piece is verified, passing over the events on the
    /// way.
    ///
    /// # Errors
    /// As [`SwarmDriver::next_event`], and [`SessionError::NoPeers`] when
    /// no stream is left open first.
    pub async fn until_complete(&mut self) -> Result<(), Error> {
        while !self.swarm.is_complete() {
            if self.connections.is_empty() {
                return Err(SessionError::NoPeers.into());
            }
            self.next_event().await?;
        }
        Ok(())
    }

    /// Writes out what each stream has queued, shuts each down and tells
    /// the engine they are gone. Streams that fail on the way are dropped
    /// as they are: the peer is leaving either way. Waits on the peers, so
    /// bound it with a timeout.
    pub async fn close(&mut self) {
        poll_fn(|cx| {
            let keys: Vec<PeerKey> = self.connections.keys().copied().collect();
            for key in keys {
                let done = self
                    .connections
                    .get_mut(&key)
                    .is_none_or(|connection| connection.poll_close(cx).is_ready());
                if done {
                    self.connections.remove(&key);
                    self.swarm.remove_peer(key);
                }
            }
            // What the engine says to peers that are leaving is moot.
            while self.swarm.poll_output().is_some() {}
            if self.connections.is_empty() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
    }

    fn poll_next_event(&mut self, cx: &mut Context<'_>) -> Poll<Result<DriverEvent, Error>> {
        for _ in 0..MAX_ROUNDS {
            if let Some(error) = self.failure.take() {
                return Poll::Ready(Err(error));
            }
            if let Some(event) = self.events.pop_front() {
                return Poll::Ready(Ok(event));
            }
            let mut progress = self.poll_timer(cx);
            let keys: Vec<PeerKey> = self.connections.keys().copied().collect();
            for key in keys {
                progress |= self.poll_connection(key, cx);
            }
            if !progress {
                // Every stream and the timer have registered the waker.
                return Poll::Pending;
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// Runs the engine's timeouts if due, else sets the timer; whether
    /// they ran.
    fn poll_timer(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(deadline) = self.swarm.poll_timeout() else {
            return false;
        };
        let sleep = match &mut self.timer {
            Some((sleep, armed)) => {
                if *armed != deadline {
                    sleep.as_mut().reset(deadline.into());
                    *armed = deadline;
                }
                sleep
            }
            None => {
                let sleep = Box::pin(tokio::time::sleep_until(deadline.into()));
                &mut self.timer.insert((sleep, deadline)).0
            }
        };
        if sleep.as_mut().poll(cx).is_pending() {
            return false;
        }
        // The timer fires no earlier than its deadline, so the engine sees
        // the deadline passed and moves it on.
        self.swarm.handle_timeout(now(), &mut self.rng);
        self.drain_outputs();
        true
    }

    /// Writes, feeds and reads one stream as far as it goes now; whether
    /// anything moved.
    fn poll_connection(&mut self, key: PeerKey, cx: &mut Context<'_>) -> bool {
        let Some(connection) = self.connections.get_mut(&key) else {
            return false;
        };
        let mut progress = match connection.poll_write(cx) {
            Ok(wrote) => wrote,
            Err(error) => {
                self.close_connection(key, CloseReason::Io(error));
                return true;
            }
        };
        loop {
            let Some(connection) = self.connections.get_mut(&key) else {
                return true;
            };
            if let Some(bytes) = connection.next_feed() {
                self.swarm.handle_input(key, bytes, now(), &mut self.rng);
                self.drain_outputs();
                progress = true;
                continue;
            }
            match connection.poll_read(cx) {
                Ok(ReadOutcome::Data) => progress = true,
                Ok(ReadOutcome::Pending) => return progress,
                Ok(ReadOutcome::Eof) => {
                    self.close_connection(key, CloseReason::Eof);
                    return true;
                }
                Err(error) => {
                    self.close_connection(key, CloseReason::Io(error));
                    return true;
                }
            }
        }
    }

    /// Drops a stream that failed or ended, and tells the engine.
    fn close_connection(&mut self, key: PeerKey, reason: CloseReason) {
        if self.connections.remove(&key).is_some() {
            self.swarm.remove_peer(key);
            self.events
                .push_back(DriverEvent::Closed { peer: key, reason });
            self.drain_outputs();
        }
    }

    /// Carries out everything the engine asked for.
    fn drain_outputs(&mut self) {
        while let Some(output) = self.swarm.poll_output() {
            match output {
                Output::Transmit { peer, data } => {
                    if let Some(connection) = self.connections.get_mut(&peer) {
                        connection.enqueue(data);
                    }
                }
                Output::Disconnect { peer, reason } => {
                    if self.connections.remove(&peer).is_some() {
                        self.events.push_back(DriverEvent::Closed {
                            peer,
                            reason: CloseReason::Engine(reason),
                        });
                    }
                }
                Output::Event(event) => self.events.push_back(DriverEvent::Swarm(event)),
                Output::Failed(error) => {
                    self.failure.get_or_insert(error);
                }
            }
        }
    }
}

/// The time to hand the engine: tokio's clock, so that tests with paused
/// time see the same clock as the timer.
fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}
