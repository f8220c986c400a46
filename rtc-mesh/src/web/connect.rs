//! Link set-up: the offer or answer and trickled candidates over a
//! [`SignalPath`], then ICE, DTLS, SCTP and the channel, steered by the
//! [`Negotiation`] state machine.

use core::future::{Future, poll_fn};
use core::pin::{Pin, pin};
use core::task::Poll;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{RtcIceCandidateInit, RtcSdpType, RtcSessionDescriptionInit};

use super::config::WebConfig;
use super::convert::local_description;
use super::js::{browser_error, settle, sleep};
use super::link::WebLink;
use super::negotiation::{Action, Input, Negotiation};
use super::peer::Peer;
use super::signal_path::SignalPath;
use crate::datachannel::{OnGlare, READY};
use crate::error::WebError;
use crate::signal::{BoundedString, IceCandidate, Sdp, Signal};

/// Sets up a link to `signals`' peer as the offerer, yielding on glare:
/// `dial_with(config, signals, OnGlare::Yield)`.
///
/// ```ignore
/// // Needs wasm32 and a browser: the module is not compiled on the host.
/// use rtc_mesh::WebError;
/// use rtc_mesh::web::{SignalPath, WebConfig, WebLink, answer, dial};
///
/// /// Dials; if the peer dialed at the same time and this end yields,
/// /// answers the peer's offer instead.
/// async fn link(signals: &mut impl SignalPath) -> Result<WebLink, WebError> {
///     let config = WebConfig::default();
///     match dial(&config, signals).await {
///         Err(WebError::Glare { offer }) => answer(&config, offer, signals).await,
///         other => other,
///     }
/// }
/// ```
pub async fn dial(config: &WebConfig, signals: &mut impl SignalPath) -> Result<WebLink, WebError> {
    dial_with(config, signals, OnGlare::Yield).await
}

/// Sets up a link to `signals`' peer as the offerer; an offer from the peer
/// before its answer is handled as `on_glare` says. The two ends must
/// disagree: one yields, the other insists.
pub async fn dial_with(
    config: &WebConfig,
    signals: &mut impl SignalPath,
    on_glare: OnGlare,
) -> Result<WebLink, WebError> {
    let peer = Peer::new(config)?;
    let offer = settle(peer.pc.create_offer()).await?;
    settle(peer.pc.set_local_description(offer.unchecked_ref())).await?;
    send_local_description(&peer, signals, Signal::Offer)?;
    let negotiation = Negotiation::offerer(on_glare, config.connect_timeout);
    negotiate(config, peer, signals, negotiation).await
}

/// Sets up a link to `signals`' peer by answering its `offer`.
pub async fn answer(
    config: &WebConfig,
    offer: Sdp,
    signals: &mut impl SignalPath,
) -> Result<WebLink, WebError> {
    let peer = Peer::new(config)?;
    settle(
        peer.pc
            .set_remote_description(&description(RtcSdpType::Offer, &offer)),
    )
    .await?;
    let answer = settle(peer.pc.create_answer()).await?;
    settle(peer.pc.set_local_description(answer.unchecked_ref())).await?;
    send_local_description(&peer, signals, Signal::Answer)?;
    let negotiation = Negotiation::answerer(config.connect_timeout);
    negotiate(config, peer, signals, negotiation).await
}

/// Runs `negotiation` to its end. On failure the peer is dropped, which
/// closes the connection.
async fn negotiate(
    config: &WebConfig,
    peer: Rc<Peer>,
    signals: &mut impl SignalPath,
    mut negotiation: Negotiation,
) -> Result<WebLink, WebError> {
    let mut deadline = sleep(config.connect_timeout);
    loop {
        let input = next_input(&peer, signals, &mut deadline).await;
        match negotiation.on_input(input)? {
            Action::Wait => {}
            Action::Send(signal) => {
                if !signals.send(signal) {
                    return Err(WebError::SignallingClosed);
                }
            }
            Action::ApplyAnswer { answer, candidates } => {
                let answer = description(RtcSdpType::Answer, &answer);
                settle(peer.pc.set_remote_description(&answer)).await?;
                for candidate in candidates {
                    add_candidate(&peer, candidate).await;
                }
            }
            Action::AddCandidate(candidate) => add_candidate(&peer, candidate).await,
            Action::Finish { send_ready } => {
                if send_ready {
                    peer.dc.send_with_str(READY).map_err(browser_error)?;
                }
                return Ok(WebLink::new(peer, config));
            }
        }
    }
}

/// The next input: what the browser queued first, then the signalling
/// path, then the deadline.
async fn next_input(peer: &Peer, signals: &mut impl SignalPath, deadline: &mut JsFuture) -> Input {
    let mut inbound = pin!(signals.recv());
    poll_fn(|cx| {
        if let Poll::Ready(input) = peer.inputs.borrow_mut().poll_next(cx) {
            return Poll::Ready(input);
        }
        if let Poll::Ready(inbound) = inbound.as_mut().poll(cx) {
            return Poll::Ready(inbound.map_or(Input::SignallingClosed, Input::Signal));
        }
        if Pin::new(&mut *deadline).poll(cx).is_ready() {
            return Poll::Ready(Input::TimedOut);
        }
        Poll::Pending
    })
    .await
}

fn description(kind: RtcSdpType, sdp: &Sdp) -> RtcSessionDescriptionInit {
    let description = RtcSessionDescriptionInit::new(kind);
    description.set_sdp(sdp.as_str());
    description
}

/// Sends the local description, made into a signal by `signal`.
fn send_local_description(
    peer: &Peer,
    signals: &impl SignalPath,
    signal: fn(Sdp) -> Signal,
) -> Result<(), WebError> {
    let description = peer
        .pc
        .local_description()
        .ok_or(WebError::ConnectionFailed { state: "closed" })?;
    let sdp = local_description(description.sdp())?;
    if signals.send(signal(sdp)) {
        Ok(())
    } else {
        Err(WebError::SignallingClosed)
    }
}

/// Adds a remote candidate; one that does not parse or apply is skipped,
/// as natively.
async fn add_candidate(peer: &Peer, candidate: IceCandidate) {
    let init = RtcIceCandidateInit::new(candidate.candidate.as_str());
    init.set_sdp_mid(candidate.sdp_mid.as_ref().map(BoundedString::as_str));
    init.set_sdp_m_line_index(candidate.sdp_mline_index);
    let added = peer
        .pc
        .add_ice_candidate_with_opt_rtc_ice_candidate_init(Some(&init));
    let _ = settle(added).await;
}
