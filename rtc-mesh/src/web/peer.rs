//! One browser peer connection and its data channel: built from a
//! [`WebConfig`], fed by the browser's callbacks (into the set-up's
//! [`Inputs`] until the link is up, into its [`LinkState`] after), and torn
//! down with the close reason sent last.

use core::cell::{Cell, RefCell};
use core::time::Duration;
use std::rc::{Rc, Weak};

use bytes::Bytes;
use js_sys::{Array, ArrayBuffer, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{
    MessageEvent, RtcConfiguration, RtcDataChannel, RtcDataChannelInit, RtcDataChannelState,
    RtcDataChannelType, RtcIceServer, RtcPeerConnection, RtcPeerConnectionIceEvent,
    RtcPeerConnectionState,
};

use super::config::WebConfig;
use super::convert::{PeerState, local_candidate};
use super::js::{browser_error, sleep};
use super::link_state::{LinkState, low_threshold};
use super::negotiation::{Input, Inputs};
use crate::datachannel::{CHANNEL_ID, CHANNEL_LABEL, LINGER};
use crate::error::WebError;
use crate::ice::IceServer;
use crate::link::{CloseReason, ClosedBy};

/// How often a closing end checks whether the channel has closed.
const DRAIN_POLL: Duration = Duration::from_millis(10);

/// A browser event handler, holding its peer weakly.
type Callback = Closure<dyn FnMut(JsValue)>;

/// A peer connection, its channel, and what their callbacks report.
pub(crate) struct Peer {
    pub(crate) pc: RtcPeerConnection,
    pub(crate) dc: RtcDataChannel,
    /// What the set-up has not taken yet.
    pub(crate) inputs: RefCell<Inputs>,
    pub(crate) link: RefCell<LinkState>,
    /// Whether the set-up finished: from then on inputs go to the link.
    established: Cell<bool>,
    /// The last RTT read from `getStats`.
    pub(crate) rtt: Cell<Option<Duration>>,
    /// Held so that the browser's handlers stay valid; removed on drop.
    _callbacks: [Callback; 6],
}

impl Peer {
    /// A peer connection and its channel with `config`'s settings, the
    /// callbacks installed.
    pub(crate) fn new(config: &WebConfig) -> Result<Rc<Peer>, WebError> {
        let rtc_config = RtcConfiguration::new();
        rtc_config.set_ice_servers(&ice_servers(&config.ice_servers));
        let pc = RtcPeerConnection::new_with_configuration(&rtc_config).map_err(browser_error)?;
        let init = RtcDataChannelInit::new();
        init.set_negotiated(true);
        init.set_id(CHANNEL_ID);
        init.set_ordered(true);
        let dc = pc.create_data_channel_with_data_channel_dict(CHANNEL_LABEL, &init);
        dc.set_binary_type(RtcDataChannelType::Arraybuffer);
        dc.set_buffered_amount_low_threshold(low_threshold(
            config.send_buffer,
            config.max_message_len,
        ));
        Ok(Rc::new_cyclic(|peer: &Weak<Peer>| {
            let callbacks = [
                callback(peer, on_candidate),
                callback(peer, on_state),
                callback(peer, |peer, _| peer.on_input(Input::ChannelOpen)),
                callback(peer, on_message),
                callback(peer, |peer, _| peer.on_input(Input::ChannelClosed)),
                callback(peer, |peer, _| peer.link.borrow_mut().wake_senders()),
            ];
            let [candidate, state, open, message, close, low] = callbacks.each_ref().map(js);
            pc.set_onicecandidate(Some(candidate));
            pc.set_onconnectionstatechange(Some(state));
            dc.set_onopen(Some(open));
            dc.set_onmessage(Some(message));
            dc.set_onclose(Some(close));
            dc.set_onbufferedamountlow(Some(low));
            Peer {
                pc,
                dc,
                inputs: RefCell::default(),
                link: RefCell::new(LinkState::new(config.send_buffer)),
                established: Cell::new(false),
                rtt: Cell::new(None),
                _callbacks: callbacks,
            }
        }))
    }

    /// Hands inputs to the link from now on, the ones the set-up left
    /// first.
    pub(crate) fn establish(self: &Rc<Self>) {
        self.established.set(true);
        let left = self.inputs.borrow_mut().take_all();
        for input in left {
            self.on_input(input);
        }
    }

    fn on_input(self: &Rc<Self>, input: Input) {
        if !self.established.get() {
            self.inputs.borrow_mut().push(input);
        } else if let Some(reason) = input.link_close_reason() {
            self.remote_closed(reason);
        }
    }

    /// The peer closed or the connection died: release the connection.
    pub(crate) fn remote_closed(self: &Rc<Self>, reason: CloseReason) {
        if self.link.borrow_mut().close(ClosedBy::Remote, reason) {
            wasm_bindgen_futures::spawn_local(teardown(Rc::clone(self), None));
        }
    }

    /// Closes the link from this end; the peer learns `reason` after every
    /// message sent before it.
    pub(crate) fn close(self: &Rc<Self>, reason: CloseReason) {
        let wire = reason.to_wire();
        if self.link.borrow_mut().close(ClosedBy::Local, reason) {
            wasm_bindgen_futures::spawn_local(teardown(Rc::clone(self), Some(wire)));
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        // The browser must not call the callbacks once they are freed.
        self.pc.set_onicecandidate(None);
        self.pc.set_onconnectionstatechange(None);
        self.dc.set_onopen(None);
        self.dc.set_onmessage(None);
        self.dc.set_onclose(None);
        self.dc.set_onbufferedamountlow(None);
        self.dc.close();
        self.pc.close();
    }
}

/// `servers` as `RTCConfiguration.iceServers`.
fn ice_servers(servers: &[IceServer]) -> Array {
    servers
        .iter()
        .map(|server| {
            let ice = RtcIceServer::new();
            let urls: Array = server
                .urls
                .iter()
                .map(|url| JsValue::from_str(url))
                .collect();
            ice.set_urls(&urls);
            if !server.username.is_empty() {
                ice.set_username(&server.username);
            }
            if !server.credential.is_empty() {
                ice.set_credential(&server.credential);
            }
            JsValue::from(ice)
        })
        .collect()
}

/// A browser callback that runs `handle` while the peer is alive.
fn callback(peer: &Weak<Peer>, handle: fn(&Rc<Peer>, JsValue)) -> Callback {
    let peer = Weak::clone(peer);
    Closure::new(move |event: JsValue| {
        if let Some(peer) = peer.upgrade() {
            handle(&peer, event);
        }
    })
}

fn js(callback: &Callback) -> &js_sys::Function {
    callback.as_ref().unchecked_ref()
}

fn on_candidate(peer: &Rc<Peer>, event: JsValue) {
    // A null candidate marks the end of gathering.
    let Some(candidate) = event
        .dyn_ref::<RtcPeerConnectionIceEvent>()
        .and_then(RtcPeerConnectionIceEvent::candidate)
    else {
        return;
    };
    let candidate = local_candidate(
        candidate.candidate(),
        candidate.sdp_mid(),
        candidate.sdp_m_line_index(),
    );
    if let Some(candidate) = candidate {
        peer.on_input(Input::LocalCandidate(candidate));
    }
}

fn on_state(peer: &Rc<Peer>, _event: JsValue) {
    let state = match peer.pc.connection_state() {
        RtcPeerConnectionState::New => PeerState::New,
        RtcPeerConnectionState::Connecting => PeerState::Connecting,
        RtcPeerConnectionState::Connected => PeerState::Connected,
        RtcPeerConnectionState::Disconnected => PeerState::Disconnected,
        RtcPeerConnectionState::Failed => PeerState::Failed,
        RtcPeerConnectionState::Closed => PeerState::Closed,
        _ => return,
    };
    peer.on_input(Input::State(state));
}

/// Binary messages are data, for the link even before it is up; text
/// messages are the protocol's (`ready`, the close reason).
fn on_message(peer: &Rc<Peer>, event: JsValue) {
    let Some(data) = event.dyn_ref::<MessageEvent>().map(MessageEvent::data) else {
        return;
    };
    if let Some(text) = data.as_string() {
        peer.on_input(Input::ChannelText(text));
    } else if data.is_instance_of::<ArrayBuffer>() {
        let bytes = Uint8Array::new(&data).to_vec();
        peer.link.borrow_mut().deliver(Bytes::from(bytes));
    }
}

/// Sends the close message (if any) and waits, at most [`LINGER`], until
/// the channel has closed after it; then closes the connection.
async fn teardown(peer: Rc<Peer>, wire: Option<String>) {
    if let Some(wire) = wire {
        // `close` sends what is buffered first, the close message last.
        if peer.dc.send_with_str(&wire).is_ok() {
            peer.dc.close();
            let polls = LINGER.as_millis() / DRAIN_POLL.as_millis();
            for _ in 0..polls {
                if peer.dc.ready_state() == RtcDataChannelState::Closed {
                    break;
                }
                let _ = sleep(DRAIN_POLL).await;
            }
        }
    }
    peer.dc.close();
    peer.pc.close();
}
