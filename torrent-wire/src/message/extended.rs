//! The BEP 10 extended handshake: which extensions a peer speaks and under
//! which message ids, plus what it tells about itself.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use bytes::BufMut;

use super::Message;
use crate::bencode::{Dict, Encoder};
use crate::error::{ExtensionError, FieldError, FieldProblem};

/// The extended message id of the extended handshake.
pub const EXTENDED_HANDSHAKE_ID: u8 = 0;

/// The name BEP 9's metadata exchange goes by in `m`.
pub const UT_METADATA: &str = "ut_metadata";

/// The name BEP 11's peer exchange goes by in `m`.
pub const UT_PEX: &str = "ut_pex";

/// An extended handshake (BEP 10). Keys this type does not model are
/// ignored.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExtendedHandshake {
    /// `m`: extension names and the ids the sender wants them sent to it
    /// under; 0 switches an extension off.
    pub extensions: BTreeMap<String, u8>,
    /// `v`: the client's name and version.
    pub client: Option<String>,
    /// `yourip`: the address the sender sees the receiver at.
    pub your_ip: Option<IpAddr>,
    /// `reqq`: how many outstanding requests the sender queues.
    pub request_queue: Option<u32>,
    /// `metadata_size` (BEP 9): bytes of the info dictionary.
    pub metadata_size: Option<u32>,
    /// `p`: the sender's listening port.
    pub listen_port: Option<u16>,
}

impl ExtendedHandshake {
    /// The id the sender wants `extension` sent under, if it speaks it.
    pub fn id_of(&self, extension: &str) -> Option<u8> {
        self.extensions
            .get(extension)
            .copied()
            .filter(|&id| id != 0)
    }

    /// Reads the payload of an extended message with id 0.
    ///
    /// # Errors
    /// [`ExtensionError::Bencode`] for non-canonical or over-budget
    /// bencode, [`ExtensionError::NotADictionary`], a [`FieldError`] for a
    /// modelled key of the wrong type or range, or
    /// [`ExtensionError::Address`] for a `yourip` of another length.
    pub fn decode(payload: &[u8]) -> Result<Self, ExtensionError> {
        super::read_dict(payload, |root| {
            Ok(Self {
                extensions: extensions(root)?,
                client: root.str("v")?.optional().map(str::to_owned),
                your_ip: root
                    .bytes("yourip")?
                    .optional()
                    .map(|bytes| ip_from_bytes("yourip", bytes))
                    .transpose()?,
                request_queue: root.uint("reqq")?.optional(),
                metadata_size: root.uint("metadata_size")?.optional(),
                listen_port: root.uint("p")?.optional(),
            })
        })
    }

    /// Appends the bencoded payload to `out`.
    pub fn encode(&self, out: &mut impl BufMut) {
        Encoder::new(out).dict(|dict| {
            dict.entry(b"m").dict(|m| {
                for (name, &id) in &self.extensions {
                    m.int(name.as_bytes(), i64::from(id));
                }
            });
            if let Some(size) = self.metadata_size {
                dict.int(b"metadata_size", i64::from(size));
            }
            if let Some(port) = self.listen_port {
                dict.int(b"p", i64::from(port));
            }
            if let Some(queue) = self.request_queue {
                dict.int(b"reqq", i64::from(queue));
            }
            if let Some(client) = &self.client {
                dict.bytes(b"v", client.as_bytes());
            }
            match self.your_ip {
                Some(IpAddr::V4(ip)) => dict.entry(b"yourip").bytes(&ip.octets()),
                Some(IpAddr::V6(ip)) => dict.entry(b"yourip").bytes(&ip.octets()),
                None => {}
            }
        });
    }

    /// The extended message (id 0) that carries this handshake.
    pub fn to_message(&self) -> Message {
        Message::extended(EXTENDED_HANDSHAKE_ID, |out| self.encode(out))
    }
}

fn extensions(root: Dict<'_, '_>) -> Result<BTreeMap<String, u8>, ExtensionError> {
    let Some(m) = root.dict("m")?.optional() else {
        return Ok(BTreeMap::new());
    };
    let wrong = |problem| ExtensionError::Field(FieldError::new("m", problem));
    m.entries()
        .map(|(name, id)| {
            let name = core::str::from_utf8(name).map_err(|_| wrong(FieldProblem::NotUtf8))?;
            let id = id.as_int().ok_or(wrong(FieldProblem::WrongType {
                expected: "an integer",
            }))?;
            let id = u8::try_from(id).map_err(|_| wrong(FieldProblem::OutOfRange))?;
            Ok((name.to_owned(), id))
        })
        .collect()
}

/// An IPv4 or IPv6 address from its 4 or 16 bytes.
fn ip_from_bytes(key: &'static str, bytes: &[u8]) -> Result<IpAddr, ExtensionError> {
    if let Ok(v4) = <[u8; 4]>::try_from(bytes) {
        return Ok(IpAddr::V4(Ipv4Addr::from(v4)));
    }
    <[u8; 16]>::try_from(bytes)
        .map(|v6| IpAddr::V6(Ipv6Addr::from(v6)))
        .map_err(|_| ExtensionError::Address {
            key,
            len: bytes.len(),
        })
}
