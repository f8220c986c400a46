//! What traffic an exit relay lets out of the mesh.
//!
//! A policy is a set of traffic kinds and a set of destination ports; a
//! request is allowed when its kind and its port are both in. Port ranges
//! are kept sorted and merged, so equal policies have one encoding.

use crate::error::{DescriptorError, DescriptorList};

/// The most port ranges one policy holds, after merging.
pub const MAX_PORT_RANGES: usize = 16;

/// A kind of traffic a client may ask an exit to carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Traffic {
    /// Announces and scrapes to BitTorrent trackers (HTTP, UDP or
    /// WebSocket) on a client's behalf.
    Tracker,
    /// BitTorrent peer-wire connections to peers outside the mesh.
    PeerWire,
    /// Any other stream.
    Other,
}

impl Traffic {
    const fn bit(self) -> u8 {
        match self {
            Traffic::Tracker => 1 << 0,
            Traffic::PeerWire => 1 << 1,
            Traffic::Other => 1 << 2,
        }
    }
}

/// A set of [`Traffic`] kinds, encoded as one byte.
///
/// ```
/// use onion_core::directory::{Traffic, TrafficSet};
///
/// let set = TrafficSet::EMPTY.with(Traffic::Tracker);
/// assert!(set.contains(Traffic::Tracker));
/// assert!(!set.contains(Traffic::PeerWire));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct TrafficSet(u8);

impl TrafficSet {
    /// No traffic.
    pub const EMPTY: TrafficSet = TrafficSet(0);
    /// Every kind this version defines.
    pub const ALL: TrafficSet = TrafficSet(0b111);

    /// This set with `traffic` added.
    pub const fn with(self, traffic: Traffic) -> Self {
        TrafficSet(self.0 | traffic.bit())
    }

    /// Whether `traffic` is in the set.
    pub const fn contains(self, traffic: Traffic) -> bool {
        self.0 & traffic.bit() != 0
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The encoded byte.
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// The set with these bits, or `None` if a bit is not a defined kind.
    pub const fn from_bits(bits: u8) -> Option<Self> {
        if bits & !Self::ALL.0 == 0 {
            Some(TrafficSet(bits))
        } else {
            None
        }
    }
}

/// An inclusive range of destination ports, never including port 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortRange {
    low: u16,
    high: u16,
}

impl PortRange {
    /// Every port, 1 to 65535.
    pub const ALL: PortRange = PortRange {
        low: 1,
        high: u16::MAX,
    };

    /// The ports `low..=high`, or `None` unless `1 <= low <= high`.
    pub const fn new(low: u16, high: u16) -> Option<Self> {
        if low != 0 && low <= high {
            Some(PortRange { low, high })
        } else {
            None
        }
    }

    /// The first port.
    pub const fn low(self) -> u16 {
        self.low
    }

    /// The last port.
    pub const fn high(self) -> u16 {
        self.high
    }

    /// Whether `port` is in the range.
    pub const fn contains(self, port: u16) -> bool {
        self.low <= port && port <= self.high
    }
}

/// What a client asks an exit to carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExitRequest {
    /// The kind of traffic.
    pub traffic: Traffic,
    /// The destination port.
    pub port: u16,
}

/// An exit policy: which traffic kinds to which ports leave the mesh.
///
/// A tracker-only exit:
///
/// ```
/// use onion_core::directory::{ExitPolicy, ExitRequest, PortRange, Traffic, TrafficSet};
///
/// let trackers = [PortRange::new(80, 80), PortRange::new(443, 443), PortRange::new(6969, 6969)];
/// let policy = ExitPolicy::accept(TrafficSet::EMPTY.with(Traffic::Tracker), trackers.into_iter().flatten())?;
/// assert!(policy.allows(ExitRequest { traffic: Traffic::Tracker, port: 6969 }));
/// assert!(!policy.allows(ExitRequest { traffic: Traffic::PeerWire, port: 6969 }));
/// assert!(!policy.allows(ExitRequest { traffic: Traffic::Tracker, port: 22 }));
/// # Ok::<(), onion_core::DescriptorError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct ExitPolicy {
    traffic: TrafficSet,
    ports: Vec<PortRange>,
}

impl ExitPolicy {
    /// The policy of a relay that is not an exit.
    pub const fn reject_all() -> Self {
        ExitPolicy {
            traffic: TrafficSet::EMPTY,
            ports: Vec::new(),
        }
    }

    /// Allows `traffic` to `ports`. Overlapping and adjacent ranges are
    /// merged; an empty `traffic` or `ports` gives [`reject_all`].
    ///
    /// # Errors
    /// [`DescriptorError::ListTooLong`] if more than [`MAX_PORT_RANGES`]
    /// ranges remain after merging.
    ///
    /// [`reject_all`]: ExitPolicy::reject_all
    pub fn accept(
        traffic: TrafficSet,
        ports: impl IntoIterator<Item = PortRange>,
    ) -> Result<Self, DescriptorError> {
        let mut sorted: Vec<PortRange> = ports.into_iter().collect();
        if traffic.is_empty() || sorted.is_empty() {
            return Ok(Self::reject_all());
        }
        sorted.sort_unstable();
        let mut merged: Vec<PortRange> = Vec::with_capacity(sorted.len());
        for range in sorted {
            match merged.last_mut() {
                Some(last) if range.low <= last.high.saturating_add(1) => {
                    last.high = last.high.max(range.high);
                }
                _ => merged.push(range),
            }
        }
        Self::bounded(traffic, merged)
    }

    /// Rebuilds a decoded policy, which must already be in the form
    /// [`accept`](ExitPolicy::accept) gives: sorted, merged, and empty
    /// only as a whole.
    pub(crate) fn from_canonical(
        traffic: TrafficSet,
        ports: Vec<PortRange>,
    ) -> Result<Self, DescriptorError> {
        let merged = ports
            .windows(2)
            .all(|pair| matches!(pair, [a, b] if u32::from(a.high) + 1 < u32::from(b.low)));
        if !merged {
            return Err(DescriptorError::ListNotCanonical {
                list: DescriptorList::PortRanges,
            });
        }
        if traffic.is_empty() != ports.is_empty() {
            return Err(DescriptorError::HalfEmptyExitPolicy);
        }
        Self::bounded(traffic, ports)
    }

    fn bounded(traffic: TrafficSet, ports: Vec<PortRange>) -> Result<Self, DescriptorError> {
        if ports.len() > MAX_PORT_RANGES {
            return Err(DescriptorError::ListTooLong {
                list: DescriptorList::PortRanges,
                len: ports.len(),
                max: MAX_PORT_RANGES,
            });
        }
        Ok(ExitPolicy { traffic, ports })
    }

    /// Whether the policy lets `request` out.
    pub fn allows(&self, request: ExitRequest) -> bool {
        self.traffic.contains(request.traffic)
            && self.ports.iter().any(|range| range.contains(request.port))
    }

    /// Whether the policy lets anything out.
    pub fn allows_any(&self) -> bool {
        !self.ports.is_empty()
    }

    /// The traffic kinds allowed.
    pub fn traffic(&self) -> TrafficSet {
        self.traffic
    }

    /// The ports allowed: sorted, disjoint, non-adjacent ranges.
    pub fn ports(&self) -> &[PortRange] {
        &self.ports
    }
}
