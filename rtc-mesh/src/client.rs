//! A signalling client over WebSocket: connects, registers by signing the
//! server's challenge, then sends and receives signalling messages.
//!
//! ```
//! use ed25519_dalek::SigningKey;
//! use rtc_mesh::client::SignalClient;
//! use rtc_mesh::server::{SignalServer, SignalServerConfig};
//! use rtc_mesh::signal::{ClientMessage, ServerMessage};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config = SignalServerConfig::default();
//! let realm = config.realm.clone();
//! let server = SignalServer::bind("127.0.0.1:0".parse()?, config).await?;
//! let url = format!("ws://{}", server.local_addr());
//!
//! let key = SigningKey::from_bytes(&[1; 32]);
//! let mut client = SignalClient::connect(&url, &key, &realm).await?;
//! client.send(&ClientMessage::ListPeers { limit: 10 }).await?;
//! assert_eq!(client.recv().await?, ServerMessage::Peers { peers: vec![] });
//! # Ok(())
//! # }
//! ```

use ed25519_dalek::SigningKey;
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::error::{SignalClientError, WebSocketError};
use crate::peer_id::PeerId;
use crate::signal::{ClientMessage, Realm, ServerMessage, sign_registration};

/// A registered connection to a signalling server.
pub struct SignalClient {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    peer: PeerId,
}

impl SignalClient {
    /// Connects to `url` (`ws://…`) and registers as `key`'s identity in
    /// `realm`.
    pub async fn connect(
        url: &str,
        key: &SigningKey,
        realm: &Realm,
    ) -> Result<Self, SignalClientError> {
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .map_err(WebSocketError::from)?;
        let peer = PeerId::from_verifying_key(&key.verifying_key());
        let mut client = SignalClient { ws, peer };
        client.send(&ClientMessage::Register { peer }).await?;
        let nonce = match client.recv().await? {
            ServerMessage::Challenge { nonce } => nonce,
            other => return Err(unexpected(other)),
        };
        let signature = sign_registration(key, realm, &nonce);
        client
            .send(&ClientMessage::Authenticate { signature })
            .await?;
        match client.recv().await? {
            ServerMessage::Registered { peer: registered } if registered == peer => Ok(client),
            other => Err(unexpected(other)),
        }
    }

    /// The identity this client registered as.
    pub fn peer(&self) -> PeerId {
        self.peer
    }

    /// Sends one message.
    pub async fn send(&mut self, message: &ClientMessage) -> Result<(), SignalClientError> {
        let json = message.to_json()?;
        self.ws
            .send(Message::text(json))
            .await
            .map_err(WebSocketError::from)?;
        Ok(())
    }

    /// Receives the next message from the server.
    pub async fn recv(&mut self) -> Result<ServerMessage, SignalClientError> {
        loop {
            let message = self.ws.next().await.ok_or(SignalClientError::Closed)?;
            match message.map_err(WebSocketError::from)? {
                Message::Text(text) => return Ok(ServerMessage::from_json(text.as_bytes())?),
                Message::Close(_) => return Err(SignalClientError::Closed),
                Message::Binary(_) => return Err(SignalClientError::Binary),
                Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
            }
        }
    }

    /// Closes the connection.
    pub async fn close(mut self) -> Result<(), SignalClientError> {
        self.ws.close(None).await.map_err(WebSocketError::from)?;
        Ok(())
    }
}

/// A reply that registration did not expect: a refusal or anything else.
fn unexpected(message: ServerMessage) -> SignalClientError {
    match message {
        ServerMessage::Error { code, .. } => SignalClientError::Refused { code },
        _ => SignalClientError::UnexpectedReply,
    }
}
