//! Link set-up: offer/answer and trickled candidates over [`PeerSignals`],
//! then ICE, DTLS, SCTP and the channel.
//!
//! The webrtc 0.21 driver writes packets queued while it handles events only
//! on its next timer, so a default set-up idles three times for the ICE
//! check interval (200 ms): before the DTLS ClientHello, the SCTP INIT and
//! the channel's DCEP OPEN. Each has its remedy here:
//! - a short check interval ([`NativeConfig::ice_check_interval`]);
//! - a data-channel call that wakes the driver's writes once the connection
//!   is `Connected`, which flushes the SCTP INIT;
//! - a pre-negotiated channel (the same stream id on both ends), which
//!   opens without any DCEP exchange.
//!
//! A fourth wait shows with trickled candidates: when a check arrives
//! before the candidate it comes from, the pair is peer-reflexive and ICE
//! holds it back for a second
//! ([`NativeConfig::prflx_acceptance_wait`]).
//!
//! A pre-negotiated channel opens at the offerer first, and webrtc drops
//! a message that reaches the answerer before its own end of the channel
//! is open. So the answerer sends one text message, `ready`, as soon as
//! its end opens, and the offerer's link is up only when that arrives:
//! from then on both ends are open and nothing sent is lost. It costs one
//! one-way trip.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{mpsc, watch};
use webrtc::data_channel::{DataChannel, DataChannelEvent, RTCDataChannelInit};
use webrtc::peer_connection::{
    PeerConnection, RTCIceCandidateInit, RTCPeerConnectionState, RTCSessionDescription,
};

use super::config::NativeConfig;
use super::handler::Handler;
use super::link::NativeLink;
pub use crate::datachannel::OnGlare;
use crate::datachannel::{CHANNEL_ID, CHANNEL_LABEL, MAX_EARLY_CANDIDATES, READY};
use crate::error::{NativeError, WebRtcError};
use crate::router::{Inbound, PeerSignals, Signal};
use crate::signal::{IceCandidate, Sdp};

/// Sets up a link to `signals`' peer as the offerer, yielding on glare:
/// `dial_with(config, signals, OnGlare::Yield)`.
pub async fn dial(
    config: &NativeConfig,
    signals: &mut PeerSignals,
) -> Result<NativeLink, NativeError> {
    dial_with(config, signals, OnGlare::Yield).await
}

/// Sets up a link to `signals`' peer as the offerer; an offer from the peer
/// before its answer is handled as `on_glare` says. The two ends must
/// disagree: one yields, the other insists (the mesh decides by peer id).
pub async fn dial_with(
    config: &NativeConfig,
    signals: &mut PeerSignals,
    on_glare: OnGlare,
) -> Result<NativeLink, NativeError> {
    set_up(config, signals, Role::Offerer(on_glare)).await
}

/// Sets up a link to `signals`' peer by answering its `offer`.
pub async fn answer(
    config: &NativeConfig,
    offer: Sdp,
    signals: &mut PeerSignals,
) -> Result<NativeLink, NativeError> {
    set_up(config, signals, Role::Answerer(offer)).await
}

/// Which side of offer/answer this end takes.
enum Role {
    /// Offers, and handles a crossing offer as told.
    Offerer(OnGlare),
    /// Answers the peer's offer.
    Answerer(Sdp),
}

fn webrtc(error: webrtc::error::Error) -> NativeError {
    NativeError::WebRtc(WebRtcError::from(error))
}

async fn set_up(
    config: &NativeConfig,
    signals: &mut PeerSignals,
    role: Role,
) -> Result<NativeLink, NativeError> {
    let (candidates, candidates_rx) = mpsc::unbounded_channel();
    let (state, state_rx) = watch::channel(RTCPeerConnectionState::New);
    let pc = config
        .build(Arc::new(Handler { candidates, state }))
        .await?;
    match negotiate(config, &pc, signals, role, candidates_rx, state_rx.clone()).await {
        Ok(dc) => Ok(NativeLink::new(pc, dc, state_rx, config.max_message_len)),
        Err(error) => {
            let _ = pc.close().await;
            Err(error)
        }
    }
}

/// Where a set-up is, for timeout errors.
struct Progress {
    started: Instant,
    stage: &'static str,
}

async fn negotiate(
    config: &NativeConfig,
    pc: &Arc<dyn PeerConnection>,
    signals: &mut PeerSignals,
    role: Role,
    mut local_candidates: mpsc::UnboundedReceiver<IceCandidate>,
    mut state: watch::Receiver<RTCPeerConnectionState>,
) -> Result<Arc<dyn DataChannel>, NativeError> {
    let mut progress = Progress {
        started: Instant::now(),
        stage: "creating the channel",
    };
    let deadline = tokio::time::sleep(config.connect_timeout);
    tokio::pin!(deadline);
    let init = RTCDataChannelInit {
        negotiated: Some(CHANNEL_ID),
        ..RTCDataChannelInit::default()
    };
    let dc = pc
        .create_data_channel(CHANNEL_LABEL, Some(init))
        .await
        .map_err(webrtc)?;
    let (dialing, on_glare) = match role {
        Role::Offerer(on_glare) => (true, on_glare),
        // An answerer has no offer of its own to keep.
        Role::Answerer(_) => (false, OnGlare::Yield),
    };
    let mut remote_set = false;
    match role {
        Role::Offerer(_) => {
            let offer = pc.create_offer(None).await.map_err(webrtc)?;
            pc.set_local_description(offer).await.map_err(webrtc)?;
            send_description(pc, signals, Signal::Offer).await?;
            progress.stage = "waiting for the answer";
        }
        Role::Answerer(offer) => {
            let offer = RTCSessionDescription::offer(offer.into_string()).map_err(webrtc)?;
            pc.set_remote_description(offer).await.map_err(webrtc)?;
            remote_set = true;
            let answer = pc.create_answer(None).await.map_err(webrtc)?;
            pc.set_local_description(answer).await.map_err(webrtc)?;
            send_description(pc, signals, Signal::Answer).await?;
            progress.stage = "connecting";
        }
    }
    let mut early = Vec::new();
    let mut woken = false;
    loop {
        tokio::select! {
            () = &mut deadline => {
                return Err(NativeError::Timeout {
                    after: progress.started.elapsed(),
                    stage: progress.stage,
                });
            }
            Some(candidate) = local_candidates.recv() => {
                if !signals.send(Signal::Candidate(candidate)) {
                    return Err(NativeError::SignallingClosed);
                }
            }
            inbound = signals.recv() => match inbound {
                None => return Err(NativeError::SignallingClosed),
                Some(Inbound::Refused(code)) => return Err(NativeError::Refused { code }),
                // The peer's offer crossed ours; it yields to ours in turn.
                Some(Inbound::Signal(Signal::Offer(_)))
                    if dialing && !remote_set && on_glare == OnGlare::Insist => {}
                Some(Inbound::Signal(Signal::Offer(offer))) => {
                    // The peer started over (glare, or it restarted).
                    return Err(NativeError::Glare { offer });
                }
                Some(Inbound::Signal(Signal::Answer(answer))) if dialing && !remote_set => {
                    let answer = RTCSessionDescription::answer(answer.into_string()).map_err(webrtc)?;
                    pc.set_remote_description(answer).await.map_err(webrtc)?;
                    remote_set = true;
                    progress.stage = "connecting";
                    for candidate in early.drain(..) {
                        add_candidate(pc, candidate).await;
                    }
                }
                // A repeated or misdirected answer changes nothing.
                Some(Inbound::Signal(Signal::Answer(_))) => {}
                Some(Inbound::Signal(Signal::Candidate(candidate))) => {
                    if remote_set {
                        add_candidate(pc, candidate).await;
                    } else if early.len() < MAX_EARLY_CANDIDATES {
                        early.push(candidate);
                    }
                }
            },
            changed = state.changed() => {
                let current = *state.borrow_and_update();
                match current {
                    _ if changed.is_err() => {
                        return Err(NativeError::ConnectionFailed { state: "dropped" });
                    }
                    RTCPeerConnectionState::Connected if !woken => {
                        // Flushes the SCTP INIT the driver queued on DTLS
                        // completion (see the module docs).
                        dc.set_buffered_amount_low_threshold(0).await.map_err(webrtc)?;
                        woken = true;
                        progress.stage = "opening the channel";
                    }
                    RTCPeerConnectionState::Failed => {
                        return Err(NativeError::ConnectionFailed { state: "failed" });
                    }
                    RTCPeerConnectionState::Closed => {
                        return Err(NativeError::ConnectionFailed { state: "closed" });
                    }
                    _ => {}
                }
            }
            event = dc.poll() => match event {
                Some(DataChannelEvent::OnOpen) if dialing => {
                    progress.stage = "waiting for the peer's channel";
                }
                Some(DataChannelEvent::OnOpen) => {
                    dc.send_text(READY).await.map_err(webrtc)?;
                    return Ok(dc);
                }
                Some(DataChannelEvent::OnMessage(message)) if dialing => {
                    return if message.is_string && message.data[..] == *READY.as_bytes() {
                        Ok(dc)
                    } else {
                        Err(NativeError::ConnectionFailed { state: "open without ready" })
                    };
                }
                Some(DataChannelEvent::OnClose) | None => {
                    return Err(NativeError::ConnectionFailed { state: "closed" });
                }
                Some(_) => {}
            },
        }
    }
}

/// Sends the local description, made into a signal by `signal`.
async fn send_description(
    pc: &Arc<dyn PeerConnection>,
    signals: &PeerSignals,
    signal: fn(Sdp) -> Signal,
) -> Result<(), NativeError> {
    let description = pc
        .local_description()
        .await
        .ok_or(NativeError::ConnectionFailed { state: "closed" })?;
    let len = description.sdp.len();
    let sdp = Sdp::new(description.sdp).map_err(|_| NativeError::TooLong {
        what: "description",
        len,
    })?;
    if signals.send(signal(sdp)) {
        Ok(())
    } else {
        Err(NativeError::SignallingClosed)
    }
}

/// Adds a remote candidate; one that does not parse or apply is skipped.
async fn add_candidate(pc: &Arc<dyn PeerConnection>, candidate: IceCandidate) {
    let init = RTCIceCandidateInit {
        candidate: candidate.candidate.into_string(),
        sdp_mid: candidate.sdp_mid.map(|mid| mid.into_string()),
        sdp_mline_index: candidate.sdp_mline_index,
        username_fragment: None,
        url: None,
    };
    let _ = pc.add_ice_candidate(init).await;
}
