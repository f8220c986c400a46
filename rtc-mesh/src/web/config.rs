//! Settings of web links.

use core::time::Duration;

use crate::frame::{MAX_FRAME_HEADER, MAX_FRAME_PAYLOAD};
use crate::ice::IceServer;

/// Settings of web links.
///
/// ```ignore
/// // Compiled only for wasm32 with the `web` feature, so not on the host.
/// use rtc_mesh::IceServer;
/// use rtc_mesh::web::WebConfig;
///
/// let config = WebConfig {
///     ice_servers: vec![IceServer {
///         urls: vec!["stun:stun.example.org:3478".into()],
///         username: String::new(),
///         credential: String::new(),
///     }],
///     ..WebConfig::default()
/// };
/// assert_eq!(config.send_buffer, 256 * 1024);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebConfig {
    /// STUN/TURN servers; none by default, so the browser offers only its
    /// host candidates and contacts nobody but the peer.
    pub ice_servers: Vec<IceServer>,
    /// Bytes buffered in the data channel (`bufferedAmount`) before `send`
    /// waits.
    pub send_buffer: usize,
    /// Largest message a link carries.
    pub max_message_len: usize,
    /// How long a link set-up may take before it is abandoned.
    pub connect_timeout: Duration,
}

impl Default for WebConfig {
    /// No ICE servers, a 256 KiB send buffer, 64 KiB frames and 15 s to set
    /// up, like the native backend.
    fn default() -> Self {
        WebConfig {
            ice_servers: Vec::new(),
            send_buffer: 256 * 1024,
            max_message_len: MAX_FRAME_PAYLOAD + MAX_FRAME_HEADER,
            connect_timeout: Duration::from_secs(15),
        }
    }
}
