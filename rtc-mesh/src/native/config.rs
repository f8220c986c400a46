//! Settings of native links and how they become webrtc builder calls.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use rtc::peer_connection::configuration::setting_engine::SctpMaxMessageSize;
use webrtc::peer_connection::{
    PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler, RTCConfigurationBuilder,
    RTCIceServer, SettingEngineBuilder,
};

use crate::error::{NativeError, WebRtcError};
use crate::frame::{MAX_FRAME_HEADER, MAX_FRAME_PAYLOAD};
pub use crate::ice::IceServer;

/// Settings of native links.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NativeConfig {
    /// Local UDP addresses to bind, each giving host candidates. A wildcard
    /// means every non-loopback interface; `127.0.0.1:0` gives one loopback
    /// candidate.
    pub udp_addrs: Vec<SocketAddr>,
    /// STUN/TURN servers; none by default, so nothing is contacted but the
    /// peer.
    pub ice_servers: Vec<IceServer>,
    /// Bytes sent but not yet acknowledged before `send` waits.
    pub send_buffer: usize,
    /// Largest message a link carries (announced in the SDP).
    pub max_message_len: usize,
    /// The SCTP receive window. Raised to `max_message_len` if smaller, since
    /// a whole message must fit for reassembly.
    pub sctp_receive_window: u32,
    /// Time between ICE connectivity checks. The webrtc driver sends the
    /// DTLS ClientHello only on its next timer, so this also bounds that
    /// wait (200 ms by default in webrtc).
    pub ice_check_interval: Duration,
    /// Connectivity checks per candidate pair before it fails; interval ×
    /// checks is how long a pair is tried.
    pub ice_binding_requests: u16,
    /// How long ICE waits before accepting a pair with a peer-reflexive
    /// candidate. Trickled candidates race the checks, so a host pair often
    /// starts out peer-reflexive; webrtc's 1 s wait then stalls the set-up.
    pub prflx_acceptance_wait: Duration,
    /// How long a link set-up may take before it is abandoned.
    pub connect_timeout: Duration,
}

impl Default for NativeConfig {
    /// Every interface, no ICE servers, a 256 KiB send buffer, 64 KiB
    /// frames, a 64 KiB SCTP window, 5 ms × 280 connectivity checks (1.4 s
    /// per pair, like webrtc's 200 ms × 7, but a short first wait) and
    /// webrtc's 1 s wait for peer-reflexive pairs.
    fn default() -> Self {
        NativeConfig {
            udp_addrs: vec![SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0))],
            ice_servers: Vec::new(),
            send_buffer: 256 * 1024,
            max_message_len: MAX_FRAME_PAYLOAD + MAX_FRAME_HEADER,
            sctp_receive_window: 64 * 1024,
            ice_check_interval: Duration::from_millis(5),
            ice_binding_requests: 280,
            prflx_acceptance_wait: Duration::from_secs(1),
            connect_timeout: Duration::from_secs(15),
        }
    }
}

impl NativeConfig {
    /// Loopback only: one `127.0.0.1` host candidate, 1 ms × 1400 checks and
    /// no wait for peer-reflexive pairs (there is nothing better to wait
    /// for). For tests and benches; nothing leaves the machine.
    pub fn loopback() -> Self {
        NativeConfig {
            udp_addrs: vec![SocketAddr::from((Ipv4Addr::LOCALHOST, 0))],
            ice_check_interval: Duration::from_millis(1),
            ice_binding_requests: 1400,
            prflx_acceptance_wait: Duration::ZERO,
            ..NativeConfig::default()
        }
    }

    /// A peer connection with these settings, reporting to `handler`.
    pub(crate) async fn build(
        &self,
        handler: Arc<dyn PeerConnectionEventHandler>,
    ) -> Result<Arc<dyn PeerConnection>, NativeError> {
        let max_message = u32::try_from(self.max_message_len).unwrap_or(u32::MAX);
        let settings = SettingEngineBuilder::new()
            .with_ice_connection_attempts(
                Some(self.ice_check_interval),
                Some(self.ice_binding_requests),
            )
            .with_prflx_acceptance_min_wait(Some(self.prflx_acceptance_wait))
            .with_sctp_max_message_size(SctpMaxMessageSize::Bounded(max_message))
            .with_sctp_max_receive_buffer_size(self.sctp_receive_window.max(max_message))
            .build();
        let ice_servers = self
            .ice_servers
            .iter()
            .map(|server| RTCIceServer {
                urls: server.urls.clone(),
                username: server.username.clone(),
                credential: server.credential.clone(),
            })
            .collect();
        let configuration = RTCConfigurationBuilder::new()
            .with_ice_servers(ice_servers)
            .build();
        let pc = PeerConnectionBuilder::new()
            .with_configuration(configuration)
            .with_setting_engine(settings)
            .with_handler(handler)
            .with_udp_addrs(self.udp_addrs.clone())
            .with_data_channel_send_buffer_limit(self.send_buffer.max(1))
            .build()
            .await
            .map_err(WebRtcError::from)?;
        Ok(Arc::new(pc))
    }
}
