#![doc = include_str!("../README.md")]

#[cfg(not(target_arch = "wasm32"))]
pub mod client;
pub mod datachannel;
mod error;
pub mod frame;
mod hex;
mod ice;
pub mod link;
pub mod memory;
#[cfg(all(feature = "native", not(target_arch = "wasm32")))]
pub mod mesh;
#[cfg(all(feature = "native", not(target_arch = "wasm32")))]
pub mod native;
mod peer_id;
#[cfg(not(target_arch = "wasm32"))]
pub mod router;
#[cfg(not(target_arch = "wasm32"))]
pub mod server;
pub mod signal;
mod waiters;
// The browser glue needs wasm32; its plain-Rust parts are unit-tested on
// the host too.
#[cfg(any(test, all(feature = "web", target_arch = "wasm32")))]
pub mod web;

#[cfg(any(test, all(feature = "web", target_arch = "wasm32")))]
pub use error::{BrowserError, WebError};
pub use error::{Error, FrameError, JsonError, LinkError, SignalError};
#[cfg(all(feature = "native", not(target_arch = "wasm32")))]
pub use error::{MeshError, NativeError, WebRtcError};
#[cfg(not(target_arch = "wasm32"))]
pub use error::{SignalClientError, SignalServerError, WebSocketError};
pub use ice::IceServer;
pub use peer_id::{PEER_ID_LEN, PeerId};
