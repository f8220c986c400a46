//! The `web` backend (wasm32, feature `web`): links over the browser's
//! `RTCPeerConnection` and `RTCDataChannel`.
//!
//! A link is one peer connection with one reliable, ordered,
//! pre-negotiated data channel (binary messages as `ArrayBuffer`s), set up
//! through any [`SignalPath`]: [`dial`] offers, [`answer`] answers. ICE
//! servers come from [`WebConfig::ice_servers`]; there are none by default.
//! The channel is the one [`datachannel`](crate::datachannel) describes,
//! the native backend's too, so browsers and native peers link with each
//! other.
//!
//! A [`WebLink`] keeps the [`Link`](crate::link::Link) semantics of every
//! backend: `send` waits while `bufferedAmount` is over
//! [`WebConfig::send_buffer`] and is woken by `bufferedamountlow`; `close`
//! sends its reason in-band after everything sent before it; stats count
//! bytes and messages, and read the RTT of the selected candidate pair
//! from `getStats` once a second. The browser's callbacks are held by the
//! link and removed when it is dropped.
//!
//! ```ignore
//! // Needs wasm32 and a browser: the module is not compiled on the host.
//! use rtc_mesh::link::{CloseCode, CloseReason, Link};
//! use rtc_mesh::web::{SignalPath, WebConfig, dial};
//!
//! async fn hello(signals: &mut impl SignalPath) -> Result<(), Box<dyn std::error::Error>> {
//!     let link = dial(&WebConfig::default(), signals).await?;
//!     link.send("hello".into()).await?;
//!     let reply = link.recv().await?;
//!     link.close(CloseReason::new(CloseCode::NORMAL, "done"));
//!     assert_eq!(reply, "hello");
//!     Ok(())
//! }
//! ```
//!
//! The decisions — the set-up's state machine, the send window, the close
//! and receive bookkeeping, the conversions of what the browser reports —
//! are plain Rust, unit-tested on the host; only the glue that calls the
//! browser is wasm32-only.

mod config;
mod convert;
mod link_state;
mod negotiation;
mod signal_path;

#[cfg(target_arch = "wasm32")]
mod connect;
#[cfg(target_arch = "wasm32")]
mod js;
#[cfg(target_arch = "wasm32")]
mod link;
#[cfg(target_arch = "wasm32")]
mod peer;

pub use config::WebConfig;
#[cfg(target_arch = "wasm32")]
pub use connect::{answer, dial, dial_with};
#[cfg(target_arch = "wasm32")]
pub use link::WebLink;
pub use signal_path::SignalPath;

pub use crate::datachannel::{LINGER, OnGlare};
