//! The `native` backend: links over webrtc 0.21 data channels on tokio.
//!
//! A link is one peer connection with one reliable, ordered, pre-negotiated
//! data channel, set up through the signalling server: [`dial`] offers,
//! [`answer`] answers, both over the [`PeerSignals`](crate::router::PeerSignals)
//! route a [`SignalRouter`](crate::router::SignalRouter) gives. Host
//! candidates come from [`NativeConfig::udp_addrs`]; ICE servers are
//! configurable and there are none by default.
//!
//! On the channel, data travels as binary messages; text messages are the
//! link's own: the answerer's `ready` once at set-up (why: see
//! `connect.rs`), and at the end one close reason
//! ([`CloseReason::to_wire`](crate::link::CloseReason::to_wire)). A
//! browser backend speaking to this one does the same.
//!
//! ```
//! use rtc_mesh::client::SignalClient;
//! use rtc_mesh::link::Link;
//! use rtc_mesh::native::{NativeConfig, answer, dial};
//! use rtc_mesh::router::{RouterEvent, SignalRouter};
//! use rtc_mesh::server::{SignalServer, SignalServerConfig};
//!
//! # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config = SignalServerConfig::default();
//! let realm = config.realm.clone();
//! let server = SignalServer::bind("127.0.0.1:0".parse()?, config).await?;
//! let url = format!("ws://{}", server.local_addr());
//! let alice = SignalClient::connect(&url, &ed25519_dalek::SigningKey::from_bytes(&[1; 32]), &realm).await?;
//! let bob = SignalClient::connect(&url, &ed25519_dalek::SigningKey::from_bytes(&[2; 32]), &realm).await?;
//! let (alice, _) = SignalRouter::spawn(alice);
//! let (bob, mut bob_events) = SignalRouter::spawn(bob);
//!
//! let links = NativeConfig::loopback();
//! let mut to_bob = alice.open(bob.me());
//! let dialing = dial(&links, &mut to_bob);
//! let answering = async {
//!     let Some(RouterEvent::Offer { from, sdp }) = bob_events.recv().await else {
//!         return Err("no offer".into());
//!     };
//!     let mut to_alice = bob.open(from);
//!     answer(&links, sdp, &mut to_alice).await.map_err(Box::<dyn std::error::Error>::from)
//! };
//! let (a, b) = tokio::join!(dialing, answering);
//! let (a, b) = (a?, b?);
//! a.send("hello".into()).await?;
//! assert_eq!(b.recv().await?, "hello");
//! # Ok(())
//! # }
//! ```

mod config;
mod connect;
mod handler;
mod link;

pub use config::{IceServer, NativeConfig};
pub use connect::{OnGlare, answer, dial, dial_with};
pub use link::{LINGER, NativeLink};
