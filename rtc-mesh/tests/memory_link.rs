//! The memory backend keeps the `Link` contract: order, backpressure that
//! blocks a full sender until the peer reads, close reasons seen by the
//! peer, and counters.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use bytes::Bytes;
use rtc_mesh::LinkError;
use rtc_mesh::link::{CloseCode, CloseReason, ClosedBy, Link};
use rtc_mesh::memory::{MemoryConfig, pair};

/// A waker that counts how often it was woken.
#[derive(Default)]
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn small() -> MemoryConfig {
    MemoryConfig {
        send_buffer: 100,
        max_message_len: 1000,
    }
}

#[tokio::test]
async fn messages_arrive_whole_and_in_order() {
    let (a, b) = pair(MemoryConfig::default());
    let sent: Vec<Bytes> = (0..200u32)
        .map(|i| Bytes::from(i.to_be_bytes().repeat(i as usize % 7 + 1)))
        .collect();
    let receiver = async {
        let mut got = Vec::new();
        for _ in 0..sent.len() {
            got.push(b.recv().await.expect("open link"));
        }
        got
    };
    let sender = async {
        for message in &sent {
            a.send(message.clone()).await.expect("open link");
        }
    };
    let ((), got) = tokio::join!(sender, receiver);
    assert_eq!(got, sent);
}

#[test]
fn a_full_send_buffer_blocks_the_sender_until_the_peer_reads() {
    let (a, b) = pair(small());
    let counter = Arc::new(CountingWaker::default());
    let waker = Waker::from(Arc::clone(&counter));
    let mut cx = Context::from_waker(&waker);

    let mut first = pin!(a.send(Bytes::from(vec![1; 60])));
    assert!(matches!(first.as_mut().poll(&mut cx), Poll::Ready(Ok(()))));
    let mut second = pin!(a.send(Bytes::from(vec![2; 60])));
    assert!(
        second.as_mut().poll(&mut cx).is_pending(),
        "60 + 60 bytes exceed the 100-byte buffer"
    );
    assert_eq!(a.stats().buffered, 60);
    assert_eq!(counter.0.load(Ordering::SeqCst), 0);

    let mut read = pin!(b.recv());
    assert!(matches!(read.as_mut().poll(&mut cx), Poll::Ready(Ok(m)) if m.len() == 60));
    assert_eq!(
        counter.0.load(Ordering::SeqCst),
        1,
        "reading wakes the blocked sender"
    );
    assert!(matches!(second.as_mut().poll(&mut cx), Poll::Ready(Ok(()))));
    assert_eq!(a.stats().buffered, 60);
}

#[test]
fn a_message_larger_than_the_buffer_passes_when_the_buffer_is_empty() {
    let (a, _b) = pair(small());
    let waker = Waker::noop();
    let mut cx = Context::from_waker(waker);
    let mut big = pin!(a.send(Bytes::from(vec![0; 500])));
    assert!(matches!(big.as_mut().poll(&mut cx), Poll::Ready(Ok(()))));
    let mut too_long = pin!(a.send(Bytes::from(vec![0; 1001])));
    assert!(matches!(
        too_long.as_mut().poll(&mut cx),
        Poll::Ready(Err(LinkError::MessageTooLong {
            len: 1001,
            max: 1000
        }))
    ));
}

#[tokio::test]
async fn the_peer_reads_what_was_sent_before_close_then_the_reason() {
    let (a, b) = pair(MemoryConfig::default());
    a.send(Bytes::from_static(b"last words"))
        .await
        .expect("open");
    let reason = CloseReason::new(CloseCode::PROTOCOL_ERROR, "bad frame");
    a.close(reason.clone());
    a.close(CloseReason::new(
        CloseCode::NORMAL,
        "second close is ignored",
    ));

    assert_eq!(b.recv().await, Ok(Bytes::from_static(b"last words")));
    let expected_remote = LinkError::Closed {
        by: ClosedBy::Remote,
        reason: reason.clone(),
    };
    assert_eq!(b.recv().await, Err(expected_remote.clone()));
    assert_eq!(b.send(Bytes::new()).await, Err(expected_remote));
    assert_eq!(
        a.recv().await,
        Err(LinkError::Closed {
            by: ClosedBy::Local,
            reason
        })
    );
}

#[test]
fn close_wakes_a_sender_blocked_on_a_full_buffer() {
    let (a, b) = pair(small());
    let counter = Arc::new(CountingWaker::default());
    let waker = Waker::from(Arc::clone(&counter));
    let mut cx = Context::from_waker(&waker);
    let mut first = pin!(a.send(Bytes::from(vec![0; 100])));
    assert!(first.as_mut().poll(&mut cx).is_ready());
    let mut blocked = pin!(a.send(Bytes::from(vec![0; 1])));
    assert!(blocked.as_mut().poll(&mut cx).is_pending());

    b.close(CloseReason::new(CloseCode::NORMAL, "done"));
    assert_eq!(counter.0.load(Ordering::SeqCst), 1);
    assert!(matches!(
        blocked.as_mut().poll(&mut cx),
        Poll::Ready(Err(LinkError::Closed {
            by: ClosedBy::Remote,
            ..
        }))
    ));
}

#[tokio::test]
async fn dropping_an_endpoint_closes_the_link_as_going_away() {
    let (a, b) = pair(MemoryConfig::default());
    drop(a);
    match b.recv().await {
        Err(LinkError::Closed {
            by: ClosedBy::Remote,
            reason,
        }) => {
            assert_eq!(reason.code, CloseCode::GOING_AWAY)
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn stats_count_messages_and_bytes_each_way() {
    let (a, b) = pair(MemoryConfig::default());
    for len in [3usize, 5, 7] {
        a.send(Bytes::from(vec![0; len])).await.expect("open");
    }
    b.send(Bytes::from(vec![0; 11])).await.expect("open");
    b.recv().await.expect("open");
    b.recv().await.expect("open");
    a.recv().await.expect("open");

    let (sa, sb) = (a.stats(), b.stats());
    assert_eq!((sa.messages_sent, sa.bytes_sent), (3, 15));
    assert_eq!((sa.messages_received, sa.bytes_received), (1, 11));
    assert_eq!((sb.messages_sent, sb.bytes_sent), (1, 11));
    assert_eq!((sb.messages_received, sb.bytes_received), (2, 8));
    assert_eq!(sa.buffered, 7, "one 7-byte message is still unread");
    assert_eq!(sb.buffered, 0);
    assert_eq!(sa.rtt, None, "the memory backend measures no RTT");
}
