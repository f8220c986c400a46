//! Window-based flow control, the same at both ends of a circuit.
//!
//! Only DATA messages count. A sender may have at most a window of DATA
//! cells in flight on a stream, and on a circuit towards one hop; the
//! receiver answers every `increment` cells it delivers with a SENDME, which
//! gives the sender `increment` more. The numbers are Tor's.

use crate::error::CircuitError;

/// DATA cells in flight on one circuit in one direction.
pub const CIRCUIT_WINDOW: u16 = 1000;
/// DATA cells a circuit-level SENDME acknowledges.
pub const CIRCUIT_SENDME_INCREMENT: u16 = 100;
/// DATA cells in flight on one stream in one direction.
pub const STREAM_WINDOW: u16 = 500;
/// DATA cells a stream-level SENDME acknowledges.
pub const STREAM_SENDME_INCREMENT: u16 = 50;

/// Which window a limit belongs to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum WindowKind {
    /// A circuit's window.
    Circuit,
    /// A stream's window.
    Stream,
}

impl WindowKind {
    const fn window(self) -> u16 {
        match self {
            WindowKind::Circuit => CIRCUIT_WINDOW,
            WindowKind::Stream => STREAM_WINDOW,
        }
    }

    const fn increment(self) -> u16 {
        match self {
            WindowKind::Circuit => CIRCUIT_SENDME_INCREMENT,
            WindowKind::Stream => STREAM_SENDME_INCREMENT,
        }
    }
}

/// How many more DATA cells the sender may send.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SendWindow {
    kind: WindowKind,
    remaining: u16,
}

impl SendWindow {
    pub(crate) const fn new(kind: WindowKind) -> Self {
        SendWindow {
            kind,
            remaining: kind.window(),
        }
    }

    pub(crate) fn remaining(&self) -> u16 {
        self.remaining
    }

    /// Uses one cell of the window; `false` when it is closed.
    pub(crate) fn take(&mut self) -> bool {
        match self.remaining.checked_sub(1) {
            Some(left) => {
                self.remaining = left;
                true
            }
            None => false,
        }
    }

    /// Applies a SENDME. A SENDME for cells never sent is a protocol error.
    pub(crate) fn credit(&mut self) -> Result<(), CircuitError> {
        let credited = self.remaining + self.kind.increment();
        if credited > self.kind.window() {
            return Err(CircuitError::UnexpectedSendme { kind: self.kind });
        }
        self.remaining = credited;
        Ok(())
    }
}

/// Takes one DATA cell from both the circuit's and the stream's window, or
/// from neither: with either closed, the stream is marked `blocked` so that
/// [`regained_room`] tells its sender once when it may try again.
pub(crate) fn take_data_credit(
    circuit: &mut SendWindow,
    stream: &mut SendWindow,
    blocked: &mut bool,
) -> Result<(), CircuitError> {
    let closed = match (circuit.remaining() > 0, stream.remaining() > 0) {
        (false, _) => Some(WindowKind::Circuit),
        (true, false) => Some(WindowKind::Stream),
        (true, true) => None,
    };
    if let Some(kind) = closed {
        *blocked = true;
        return Err(CircuitError::WindowClosed { kind });
    }
    let _ = circuit.take();
    let _ = stream.take();
    Ok(())
}

/// Whether a stream that [`take_data_credit`] refused has room again after
/// a SENDME; clears `blocked`, so each refusal is answered once.
pub(crate) fn regained_room(circuit: &SendWindow, stream: &SendWindow, blocked: &mut bool) -> bool {
    let room = *blocked && circuit.remaining() > 0 && stream.remaining() > 0;
    if room {
        *blocked = false;
    }
    room
}

/// Counts DATA cells a receiver delivered and says when it owes a SENDME.
///
/// The receiver acknowledges on delivery, so its own window can never run
/// over; what bounds a sender that ignores its window is the relay's
/// per-circuit queue limit, not this counter.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SendmeCounter {
    kind: WindowKind,
    since_sendme: u16,
}

impl SendmeCounter {
    pub(crate) const fn new(kind: WindowKind) -> Self {
        SendmeCounter {
            kind,
            since_sendme: 0,
        }
    }

    /// Counts one delivered DATA cell: `true` when a SENDME is due now.
    pub(crate) fn delivered(&mut self) -> bool {
        self.since_sendme += 1;
        let due = self.since_sendme >= self.kind.increment();
        if due {
            self.since_sendme = 0;
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sender_stops_at_the_window_and_resumes_on_sendme() {
        let mut window = SendWindow::new(WindowKind::Stream);
        let sent = (0..STREAM_WINDOW * 2).take_while(|_| window.take()).count();
        assert_eq!(sent, usize::from(STREAM_WINDOW));
        window.credit().expect("one increment was used");
        assert_eq!(window.remaining(), STREAM_SENDME_INCREMENT);
    }

    #[test]
    fn a_sendme_for_unsent_cells_is_refused() {
        let mut window = SendWindow::new(WindowKind::Circuit);
        assert!(window.credit().is_err());
    }

    #[test]
    fn a_receiver_owes_a_sendme_every_increment() {
        let mut counter = SendmeCounter::new(WindowKind::Stream);
        let due: Vec<usize> = (1..=usize::from(STREAM_WINDOW))
            .filter(|_| counter.delivered())
            .collect();
        let increment = usize::from(STREAM_SENDME_INCREMENT);
        assert_eq!(due, (1..=10).map(|i| i * increment).collect::<Vec<_>>());
    }
}
