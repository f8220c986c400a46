//! A client's timeouts and padding.

use core::time::Duration;

/// A client's timeouts and padding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientConfig {
    /// How long a circuit may take from the first CREATE to its last
    /// EXTENDED before it is destroyed.
    pub build_timeout: Duration,
    /// How long a BEGIN may wait for its CONNECTED before the stream is
    /// ended.
    pub stream_timeout: Duration,
    /// Send a DROP to the last hop when an open circuit sent nothing for
    /// this long, so idle circuits keep sending and a watcher cannot tell
    /// idle from busy by silence; `None` for no padding.
    pub padding_interval: Option<Duration>,
    /// Streams one circuit may have open at once.
    pub max_streams_per_circuit: usize,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            build_timeout: Duration::from_secs(60),
            stream_timeout: Duration::from_secs(120),
            padding_interval: Some(Duration::from_secs(5)),
            max_streams_per_circuit: 64,
        }
    }
}
