#![doc = include_str!("../README.md")]

#[cfg(not(target_arch = "wasm32"))]
pub mod client;
mod error;
pub mod frame;
mod hex;
pub mod link;
pub mod memory;
#[cfg(all(feature = "native", not(target_arch = "wasm32")))]
pub mod native;
mod peer_id;
#[cfg(not(target_arch = "wasm32"))]
pub mod router;
#[cfg(not(target_arch = "wasm32"))]
pub mod server;
pub mod signal;

pub use error::{Error, FrameError, JsonError, LinkError, SignalError};
#[cfg(all(feature = "native", not(target_arch = "wasm32")))]
pub use error::{NativeError, WebRtcError};
#[cfg(not(target_arch = "wasm32"))]
pub use error::{SignalClientError, SignalServerError, WebSocketError};
pub use peer_id::{PEER_ID_LEN, PeerId};
