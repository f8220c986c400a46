//! A link set-up as a state machine of plain Rust: the browser glue feeds
//! it what happened ([`Input`]) and does what it answers ([`Action`]).
//!
//! The protocol is the one [`datachannel`](crate::datachannel) describes:
//! candidates that arrive before the remote description wait for it; a
//! crossing offer is glare; the answerer sends [`READY`] as soon as its end
//! opens and the offerer's link is up only once that arrives.

use core::task::{Context, Poll};
use core::time::Duration;
use std::collections::VecDeque;

use super::convert::{PeerState, remote_close_reason};
use crate::datachannel::{MAX_EARLY_CANDIDATES, OnGlare, READY};
use crate::error::WebError;
use crate::link::{CloseCode, CloseReason};
use crate::signal::{IceCandidate, Inbound, Sdp, Signal};
use crate::waiters::Waiters;

/// Something that happened during the set-up.
#[derive(Debug)]
pub(crate) enum Input {
    /// The peer's signalling path delivered this.
    Signal(Inbound),
    /// The signalling path is gone.
    SignallingClosed,
    /// The browser gathered a local candidate.
    LocalCandidate(IceCandidate),
    /// The connection state changed.
    State(PeerState),
    /// This end of the channel opened.
    ChannelOpen,
    /// A text message arrived on the channel.
    ChannelText(String),
    /// The channel closed.
    ChannelClosed,
    /// The set-up ran out of time.
    TimedOut,
}

impl Input {
    /// What this input means once the link is up: the peer's close
    /// message, the channel closing and the connection dying close the
    /// link; the rest is late set-up traffic, ignored.
    pub(crate) fn link_close_reason(&self) -> Option<CloseReason> {
        match self {
            Input::ChannelText(text) => Some(remote_close_reason(text)),
            Input::ChannelClosed => Some(CloseReason::new(CloseCode::GOING_AWAY, "channel closed")),
            Input::State(state) if state.is_dead() => {
                Some(CloseReason::new(CloseCode::GOING_AWAY, "connection lost"))
            }
            _ => None,
        }
    }
}

/// What the glue does next.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// Nothing; wait for the next input.
    Wait,
    /// Send this to the peer.
    Send(Signal),
    /// Apply the peer's answer, then these candidates that came before it.
    ApplyAnswer {
        answer: Sdp,
        candidates: Vec<IceCandidate>,
    },
    /// Apply this remote candidate.
    AddCandidate(IceCandidate),
    /// The link is up; an answerer sends [`READY`] first.
    Finish { send_ready: bool },
}

/// Which side of offer/answer this end takes.
enum Role {
    Offerer(OnGlare),
    Answerer,
}

/// What a set-up waits for; it only moves forward.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    /// An offerer without the remote description.
    AwaitingAnswer,
    /// ICE and DTLS.
    Connecting,
    /// SCTP and this end of the channel.
    OpeningChannel,
    /// An offerer whose end is open, waiting for [`READY`].
    AwaitingReady,
}

impl Stage {
    /// The stage as timeout errors name it.
    fn describe(self) -> &'static str {
        match self {
            Stage::AwaitingAnswer => "waiting for the answer",
            Stage::Connecting => "connecting",
            Stage::OpeningChannel => "opening the channel",
            Stage::AwaitingReady => "waiting for the peer's channel",
        }
    }
}

/// One set-up's progress.
pub(crate) struct Negotiation {
    role: Role,
    stage: Stage,
    /// Remote candidates that came before the answer.
    early: Vec<IceCandidate>,
    timeout: Duration,
}

impl Negotiation {
    /// An offerer whose offer has been sent.
    pub(crate) fn offerer(on_glare: OnGlare, timeout: Duration) -> Self {
        Negotiation {
            role: Role::Offerer(on_glare),
            stage: Stage::AwaitingAnswer,
            early: Vec::new(),
            timeout,
        }
    }

    /// An answerer whose answer has been sent.
    pub(crate) fn answerer(timeout: Duration) -> Self {
        Negotiation {
            role: Role::Answerer,
            stage: Stage::Connecting,
            early: Vec::new(),
            timeout,
        }
    }

    /// Takes one input; an error ends the set-up.
    pub(crate) fn on_input(&mut self, input: Input) -> Result<Action, WebError> {
        match input {
            Input::Signal(Inbound::Refused(code)) => Err(WebError::Refused { code }),
            Input::Signal(Inbound::Signal(signal)) => self.on_signal(signal),
            Input::SignallingClosed => Err(WebError::SignallingClosed),
            Input::LocalCandidate(candidate) => Ok(Action::Send(Signal::Candidate(candidate))),
            Input::State(PeerState::Failed) => Err(WebError::ConnectionFailed { state: "failed" }),
            Input::State(PeerState::Closed) => Err(WebError::ConnectionFailed { state: "closed" }),
            Input::State(PeerState::Connected) => {
                self.advance(Stage::OpeningChannel);
                Ok(Action::Wait)
            }
            Input::State(_) => Ok(Action::Wait),
            Input::ChannelOpen => match self.role {
                Role::Offerer(_) => {
                    self.advance(Stage::AwaitingReady);
                    Ok(Action::Wait)
                }
                Role::Answerer => Ok(Action::Finish { send_ready: true }),
            },
            Input::ChannelText(text) => match self.role {
                Role::Offerer(_) if text == READY => Ok(Action::Finish { send_ready: false }),
                _ => Err(WebError::ConnectionFailed {
                    state: "open without ready",
                }),
            },
            Input::ChannelClosed => Err(WebError::ConnectionFailed { state: "closed" }),
            Input::TimedOut => Err(WebError::Timeout {
                after: self.timeout,
                stage: self.stage.describe(),
            }),
        }
    }

    /// Moves to `stage` unless the set-up is already past it.
    fn advance(&mut self, stage: Stage) {
        self.stage = self.stage.max(stage);
    }

    fn on_signal(&mut self, signal: Signal) -> Result<Action, WebError> {
        let awaiting_answer = self.stage == Stage::AwaitingAnswer;
        match signal {
            // The peer's offer crossed ours; it yields to ours in turn.
            Signal::Offer(_)
                if awaiting_answer && matches!(self.role, Role::Offerer(OnGlare::Insist)) =>
            {
                Ok(Action::Wait)
            }
            // Glare, or the peer started over.
            Signal::Offer(offer) => Err(WebError::Glare { offer }),
            Signal::Answer(answer) if awaiting_answer => {
                self.stage = Stage::Connecting;
                Ok(Action::ApplyAnswer {
                    answer,
                    candidates: core::mem::take(&mut self.early),
                })
            }
            // A repeated or misdirected answer changes nothing.
            Signal::Answer(_) => Ok(Action::Wait),
            Signal::Candidate(candidate) if !awaiting_answer => Ok(Action::AddCandidate(candidate)),
            Signal::Candidate(candidate) => {
                if self.early.len() < MAX_EARLY_CANDIDATES {
                    self.early.push(candidate);
                }
                Ok(Action::Wait)
            }
        }
    }
}

/// Inputs the browser's callbacks queued for the set-up task.
#[derive(Default)]
pub(crate) struct Inputs {
    queue: VecDeque<Input>,
    waiters: Waiters,
}

impl Inputs {
    /// Queues `input` and wakes the set-up.
    pub(crate) fn push(&mut self, input: Input) {
        self.queue.push_back(input);
        self.waiters.wake();
    }

    /// The oldest queued input, or `Pending` until one is pushed.
    pub(crate) fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Input> {
        match self.queue.pop_front() {
            Some(input) => Poll::Ready(input),
            None => {
                self.waiters.register(cx.waker());
                Poll::Pending
            }
        }
    }

    /// Everything still queued, oldest first.
    pub(crate) fn take_all(&mut self) -> VecDeque<Input> {
        core::mem::take(&mut self.queue)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::{BoundedString, ErrorCode};

    const TIMEOUT: Duration = Duration::from_secs(15);

    fn sdp(text: &str) -> Sdp {
        Sdp::new(text.into()).expect("short")
    }

    fn candidate(n: u16) -> IceCandidate {
        IceCandidate {
            candidate: BoundedString::new(format!("candidate:{n} 1 udp 1 127.0.0.1 {n} typ host"))
                .expect("short"),
            sdp_mid: None,
            sdp_mline_index: Some(0),
        }
    }

    fn signal(signal: Signal) -> Input {
        Input::Signal(Inbound::Signal(signal))
    }

    fn step(negotiation: &mut Negotiation, input: Input) -> Action {
        negotiation.on_input(input).expect("the set-up goes on")
    }

    #[test]
    fn offerer_holds_candidates_until_the_answer_then_applies_them_in_order() {
        let mut n = Negotiation::offerer(OnGlare::Yield, TIMEOUT);
        assert_eq!(
            step(&mut n, signal(Signal::Candidate(candidate(1)))),
            Action::Wait
        );
        assert_eq!(
            step(&mut n, signal(Signal::Candidate(candidate(2)))),
            Action::Wait
        );
        assert_eq!(
            step(&mut n, signal(Signal::Answer(sdp("answer")))),
            Action::ApplyAnswer {
                answer: sdp("answer"),
                candidates: vec![candidate(1), candidate(2)],
            }
        );
        assert_eq!(
            step(&mut n, signal(Signal::Candidate(candidate(3)))),
            Action::AddCandidate(candidate(3))
        );
    }

    #[test]
    fn early_candidates_are_bounded() {
        let mut n = Negotiation::offerer(OnGlare::Yield, TIMEOUT);
        for i in 0..200 {
            step(&mut n, signal(Signal::Candidate(candidate(i))));
        }
        let Action::ApplyAnswer { candidates, .. } = step(&mut n, signal(Signal::Answer(sdp("a"))))
        else {
            panic!("the answer is applied");
        };
        assert_eq!(candidates.len(), MAX_EARLY_CANDIDATES);
        assert_eq!(candidates.first(), Some(&candidate(0)));
    }

    #[test]
    fn answerer_applies_candidates_at_once() {
        let mut n = Negotiation::answerer(TIMEOUT);
        assert_eq!(
            step(&mut n, signal(Signal::Candidate(candidate(1)))),
            Action::AddCandidate(candidate(1))
        );
    }

    #[test]
    fn repeated_answer_changes_nothing() {
        let mut n = Negotiation::offerer(OnGlare::Yield, TIMEOUT);
        step(&mut n, signal(Signal::Answer(sdp("first"))));
        assert_eq!(
            step(&mut n, signal(Signal::Answer(sdp("second")))),
            Action::Wait
        );
        let mut answerer = Negotiation::answerer(TIMEOUT);
        assert_eq!(
            step(&mut answerer, signal(Signal::Answer(sdp("stray")))),
            Action::Wait
        );
    }

    #[test]
    fn local_candidates_are_signalled() {
        let mut n = Negotiation::answerer(TIMEOUT);
        assert_eq!(
            step(&mut n, Input::LocalCandidate(candidate(7))),
            Action::Send(Signal::Candidate(candidate(7)))
        );
    }

    #[test]
    fn yielding_offerer_fails_with_the_crossing_offer() {
        let mut n = Negotiation::offerer(OnGlare::Yield, TIMEOUT);
        let error = n
            .on_input(signal(Signal::Offer(sdp("theirs"))))
            .expect_err("glare");
        assert!(matches!(error, WebError::Glare { offer } if offer == sdp("theirs")));
    }

    #[test]
    fn insisting_offerer_ignores_the_crossing_offer_but_not_a_later_one() {
        let mut n = Negotiation::offerer(OnGlare::Insist, TIMEOUT);
        assert_eq!(
            step(&mut n, signal(Signal::Offer(sdp("theirs")))),
            Action::Wait
        );
        step(&mut n, signal(Signal::Answer(sdp("answer"))));
        // Once answered, a new offer means the peer started over.
        let error = n
            .on_input(signal(Signal::Offer(sdp("restart"))))
            .expect_err("restart");
        assert!(matches!(error, WebError::Glare { .. }));
    }

    #[test]
    fn answerer_finishes_on_open_and_sends_ready() {
        let mut n = Negotiation::answerer(TIMEOUT);
        assert_eq!(
            step(&mut n, Input::State(PeerState::Connected)),
            Action::Wait
        );
        assert_eq!(
            step(&mut n, Input::ChannelOpen),
            Action::Finish { send_ready: true }
        );
    }

    #[test]
    fn offerer_finishes_only_when_ready_arrives() {
        let mut n = Negotiation::offerer(OnGlare::Yield, TIMEOUT);
        step(&mut n, signal(Signal::Answer(sdp("answer"))));
        assert_eq!(step(&mut n, Input::ChannelOpen), Action::Wait);
        assert_eq!(
            step(&mut n, Input::ChannelText(READY.into())),
            Action::Finish { send_ready: false }
        );
    }

    #[test]
    fn other_text_before_ready_fails_the_set_up() {
        let mut n = Negotiation::offerer(OnGlare::Yield, TIMEOUT);
        let error = n
            .on_input(Input::ChannelText("0:bye".into()))
            .expect_err("not ready");
        assert!(matches!(
            error,
            WebError::ConnectionFailed {
                state: "open without ready"
            }
        ));
    }

    #[test]
    fn failures_end_the_set_up() {
        let failing = [
            Input::Signal(Inbound::Refused(ErrorCode::UnknownPeer)),
            Input::SignallingClosed,
            Input::State(PeerState::Failed),
            Input::State(PeerState::Closed),
            Input::ChannelClosed,
        ];
        for input in failing {
            let shown = format!("{input:?}");
            assert!(
                Negotiation::answerer(TIMEOUT).on_input(input).is_err(),
                "{shown}"
            );
        }
        let mut n = Negotiation::answerer(TIMEOUT);
        assert_eq!(
            step(&mut n, Input::State(PeerState::Disconnected)),
            Action::Wait
        );
    }

    #[test]
    fn timeout_names_the_stage_it_stopped_in() {
        let mut n = Negotiation::offerer(OnGlare::Yield, TIMEOUT);
        let stage = |n: &mut Negotiation| match n.on_input(Input::TimedOut) {
            Err(WebError::Timeout { after, stage }) => {
                assert_eq!(after, TIMEOUT);
                stage
            }
            other => panic!("not a timeout: {other:?}"),
        };
        assert_eq!(stage(&mut n), "waiting for the answer");
        step(&mut n, signal(Signal::Answer(sdp("answer"))));
        assert_eq!(stage(&mut n), "connecting");
        step(&mut n, Input::State(PeerState::Connected));
        assert_eq!(stage(&mut n), "opening the channel");
        step(&mut n, Input::ChannelOpen);
        assert_eq!(stage(&mut n), "waiting for the peer's channel");
        // A late state change does not move the set-up back.
        step(&mut n, Input::State(PeerState::Connected));
        assert_eq!(stage(&mut n), "waiting for the peer's channel");
    }

    #[test]
    fn offerer_and_answerer_link_through_their_signals() {
        let mut offerer = Negotiation::offerer(OnGlare::Yield, TIMEOUT);
        let mut answerer = Negotiation::answerer(TIMEOUT);
        // The answerer's candidate overtakes its answer; the offerer holds it.
        let Action::Send(early) = step(&mut answerer, Input::LocalCandidate(candidate(1))) else {
            panic!("the answerer signals its candidate");
        };
        assert_eq!(step(&mut offerer, signal(early)), Action::Wait);
        let Action::ApplyAnswer { candidates, .. } =
            step(&mut offerer, signal(Signal::Answer(sdp("answer"))))
        else {
            panic!("the offerer applies the answer");
        };
        assert_eq!(candidates, vec![candidate(1)]);
        let Action::Send(late) = step(&mut offerer, Input::LocalCandidate(candidate(2))) else {
            panic!("the offerer signals its candidate");
        };
        assert_eq!(
            step(&mut answerer, signal(late)),
            Action::AddCandidate(candidate(2))
        );
        for end in [&mut offerer, &mut answerer] {
            assert_eq!(step(end, Input::State(PeerState::Connecting)), Action::Wait);
            assert_eq!(step(end, Input::State(PeerState::Connected)), Action::Wait);
        }
        // The offerer's end opens first; it is up only once READY arrives.
        assert_eq!(step(&mut offerer, Input::ChannelOpen), Action::Wait);
        assert_eq!(
            step(&mut answerer, Input::ChannelOpen),
            Action::Finish { send_ready: true }
        );
        assert_eq!(
            step(&mut offerer, Input::ChannelText(READY.into())),
            Action::Finish { send_ready: false }
        );
    }

    #[test]
    fn once_up_the_link_closes_on_the_peer_close_message_channel_close_or_dead_connection() {
        let reason = |input: Input| input.link_close_reason();
        assert_eq!(
            reason(Input::ChannelText("0:done".into())),
            Some(CloseReason::new(CloseCode::NORMAL, "done"))
        );
        assert_eq!(
            reason(Input::ChannelText(READY.into())).map(|r| r.code),
            Some(CloseCode::PROTOCOL_ERROR)
        );
        assert_eq!(
            reason(Input::ChannelClosed),
            Some(CloseReason::new(CloseCode::GOING_AWAY, "channel closed"))
        );
        for dead in [PeerState::Failed, PeerState::Closed] {
            assert_eq!(
                reason(Input::State(dead)),
                Some(CloseReason::new(CloseCode::GOING_AWAY, "connection lost"))
            );
        }
        let late = [
            Input::State(PeerState::Disconnected),
            Input::LocalCandidate(candidate(1)),
            Input::Signal(Inbound::Signal(Signal::Candidate(candidate(2)))),
            Input::SignallingClosed,
            Input::ChannelOpen,
            Input::TimedOut,
        ];
        for input in late {
            let shown = format!("{input:?}");
            assert_eq!(reason(input), None, "{shown}");
        }
    }

    #[test]
    fn inputs_come_out_in_order_and_wake_the_waiting_task() {
        let (count, waker) = crate::waiters::counting::waker();
        let mut cx = Context::from_waker(&waker);
        let mut inputs = Inputs::default();
        assert!(inputs.poll_next(&mut cx).is_pending());
        inputs.push(Input::ChannelOpen);
        inputs.push(Input::TimedOut);
        assert_eq!(count.get(), 1);
        assert!(matches!(
            inputs.poll_next(&mut cx),
            Poll::Ready(Input::ChannelOpen)
        ));
        let rest = inputs.take_all();
        assert!(matches!(rest.front(), Some(Input::TimedOut)));
        assert!(inputs.poll_next(&mut cx).is_pending());
    }
}
