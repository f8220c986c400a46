//! Helpers shared by the signalling-server tests: a server on loopback and
//! a raw WebSocket client that can send anything.

#![allow(dead_code)] // each test file uses part of this module

use ed25519_dalek::SigningKey;
use futures_util::{SinkExt, StreamExt};
use rtc_mesh::server::{SignalServer, SignalServerConfig};
use rtc_mesh::signal::{ClientMessage, Realm, ServerMessage};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// A deterministic identity key.
pub fn key(n: u8) -> SigningKey {
    SigningKey::from_bytes(&[n; 32])
}

/// A server on 127.0.0.1 with the default limits, its URL and realm.
pub async fn start() -> (SignalServer, String, Realm) {
    start_with(SignalServerConfig::default()).await
}

/// A server on 127.0.0.1 with `config`, its URL and realm.
pub async fn start_with(config: SignalServerConfig) -> (SignalServer, String, Realm) {
    let realm = config.realm.clone();
    let server = SignalServer::bind("127.0.0.1:0".parse().expect("address"), config)
        .await
        .expect("binds");
    let url = format!("ws://{}", server.local_addr());
    (server, url, realm)
}

/// A WebSocket connection that sends whatever the test gives it.
pub struct Raw(WebSocketStream<MaybeTlsStream<TcpStream>>);

impl Raw {
    pub async fn connect(url: &str) -> Raw {
        Raw(tokio_tungstenite::connect_async(url)
            .await
            .expect("connects")
            .0)
    }

    /// Registers as `key`'s identity by hand, step by step.
    pub async fn register(&mut self, key: &SigningKey, realm: &Realm) -> rtc_mesh::PeerId {
        let peer = rtc_mesh::PeerId::from_verifying_key(&key.verifying_key());
        self.send(&ClientMessage::Register { peer }).await;
        let Some(ServerMessage::Challenge { nonce }) = self.recv().await else {
            panic!("no challenge");
        };
        let signature = rtc_mesh::signal::sign_registration(key, realm, &nonce);
        self.send(&ClientMessage::Authenticate { signature }).await;
        assert_eq!(self.recv().await, Some(ServerMessage::Registered { peer }));
        peer
    }

    pub async fn send(&mut self, message: &ClientMessage) {
        self.send_raw(Message::text(message.to_json().expect("encodes")))
            .await;
    }

    /// Sends `message`; false if the connection is gone.
    pub async fn send_raw(&mut self, message: Message) -> bool {
        self.0.send(message).await.is_ok()
    }

    /// Queues `message` without flushing; false if the connection is gone.
    pub async fn feed_raw(&mut self, message: Message) -> bool {
        self.0.feed(message).await.is_ok()
    }

    /// Flushes queued messages; false if the connection is gone.
    pub async fn flush(&mut self) -> bool {
        self.0.flush().await.is_ok()
    }

    /// The next server message; `None` once the connection has closed.
    pub async fn recv(&mut self) -> Option<ServerMessage> {
        loop {
            match self.0.next().await? {
                Ok(Message::Text(text)) => {
                    return Some(ServerMessage::from_json(text.as_bytes()).expect("server JSON"));
                }
                Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => {}
                Ok(Message::Close(_) | Message::Binary(_)) | Err(_) => return None,
            }
        }
    }
}
