//! The swarm engine on tokio (feature `tokio`): [`SwarmDriver`] runs a
//! [`crate::session::Swarm`] over any `AsyncRead + AsyncWrite` streams,
//! one peer session per stream.
//!
//! The driver keeps the engine's contract for it: it reads each stream
//! into a bounded buffer and hands the bytes over with the time, writes
//! what the engine queues, closes the connections it drops and sleeps
//! until its next timeout. It spawns no task and needs no `Send`, so it
//! runs on a current-thread runtime as well as a multi-threaded one.
//!
//! Download a torrent from one peer over TCP:
//!
//! ```no_run
//! use rand_chacha::rand_core::SeedableRng;
//! use torrent_wire::PeerId;
//! use torrent_wire::metainfo::Metainfo;
//! use torrent_wire::session::{PieceSet, Swarm, SwarmConfig};
//! use torrent_wire::storage::FileStorage;
//! use torrent_wire::tokio::SwarmDriver;
//!
//! # async fn download() -> Result<(), Box<dyn std::error::Error>> {
//! let torrent = Metainfo::from_bytes(&std::fs::read("content.torrent")?)?;
//! let info = torrent.info().clone();
//! let storage = FileStorage::create("downloads".as_ref(), &info)?;
//! let have = PieceSet::empty(info.piece_count());
//! let swarm = Swarm::new(SwarmConfig::new(PeerId([7; 20])), info, storage, have)?;
//!
//! let rng = rand_chacha::ChaCha12Rng::seed_from_u64(rand_seed());
//! let mut driver = SwarmDriver::new(swarm, rng);
//! driver.add_connection(tokio::net::TcpStream::connect("127.0.0.1:6881").await?);
//! driver.until_complete().await?;
//! driver.close().await;
//! # Ok(())
//! # }
//! # fn rand_seed() -> u64 { 1 }
//! ```
//!
//! To serve as well as download, accept connections beside the events:
//! `next_event` holds no state of its own, so it can lose a `select!`.
//!
//! ```no_run
//! # use torrent_wire::storage::Storage;
//! # use torrent_wire::tokio::{DriverEvent, SwarmDriver};
//! # async fn serve<S: Storage, R: rand_core::Rng>(
//! #     mut driver: SwarmDriver<S, tokio::net::TcpStream, R>,
//! #     listener: tokio::net::TcpListener,
//! # ) -> Result<(), torrent_wire::Error> {
//! loop {
//!     tokio::select! {
//!         event = driver.next_event() => match event? {
//!             DriverEvent::Swarm(event) => println!("{event:?}"),
//!             DriverEvent::Closed { peer, reason } => println!("{peer:?} closed: {reason:?}"),
//!             _ => {}
//!         },
//!         Ok((stream, _)) = listener.accept() => {
//!             driver.add_connection(stream);
//!         }
//!     }
//! }
//! # }
//! ```

mod connection;
mod driver;
mod event;

pub use driver::SwarmDriver;
pub use event::{CloseReason, DriverEvent};
