//! One stream under the driver: what was read but not yet handed to the
//! engine, and what the engine wants written.

use std::collections::VecDeque;
use std::io;
use std::ops::Range;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Bytes asked of the stream per read.
const READ_LEN: usize = 64 * 1024;

/// Bytes handed to the engine per call. Small, so that a burst of requests
/// read at once is answered in steps the write backlog can hold back.
pub(super) const FEED_LEN: usize = 4 * 1024;

/// Unwritten bytes above which the driver stops reading from the stream:
/// a peer that does not take our data does not get more of it. The
/// backlog stays under this plus what one [`FEED_LEN`] step can ask for
/// (at most 240 requests of 16 KiB, under 4 MiB).
const HIGH_WATER: usize = 1024 * 1024;

/// What became of a read.
pub(super) enum ReadOutcome {
    /// New bytes are waiting in [`Connection::unfed`].
    Data,
    /// The peer closed the stream.
    Eof,
    /// Nothing now; the waker is registered.
    Pending,
}

/// A stream and its buffers.
#[derive(Debug)]
pub(super) struct Connection<T> {
    stream: T,
    read_buf: Box<[u8]>,
    /// The part of `read_buf` read but not yet fed.
    unfed: Range<usize>,
    queue: VecDeque<Bytes>,
    queued: usize,
    /// Bytes were written since the last flush.
    unflushed: bool,
}

impl<T: AsyncRead + AsyncWrite + Unpin> Connection<T> {
    pub(super) fn new(stream: T) -> Self {
        Self {
            stream,
            read_buf: vec![0; READ_LEN].into_boxed_slice(),
            unfed: 0..0,
            queue: VecDeque::new(),
            queued: 0,
            unflushed: false,
        }
    }

    /// Queues `data` to be written after what is queued already.
    pub(super) fn enqueue(&mut self, data: Bytes) {
        self.queued += data.len();
        self.queue.push_back(data);
    }

    /// Whether the write backlog is low enough to take more input.
    pub(super) fn accepts_input(&self) -> bool {
        self.queued < HIGH_WATER
    }

    /// Takes the next at most [`FEED_LEN`] unfed bytes, if the backlog
    /// allows.
    pub(super) fn next_feed(&mut self) -> Option<&[u8]> {
        if self.unfed.is_empty() || !self.accepts_input() {
            return None;
        }
        let start = self.unfed.start;
        let end = self.unfed.end.min(start + FEED_LEN);
        self.unfed.start = end;
        self.read_buf.get(start..end)
    }

    /// Reads more if everything read so far was fed and the backlog
    /// allows.
    pub(super) fn poll_read(&mut self, cx: &mut Context<'_>) -> io::Result<ReadOutcome> {
        if !self.unfed.is_empty() || !self.accepts_input() {
            return Ok(ReadOutcome::Pending);
        }
        let mut buf = ReadBuf::new(&mut self.read_buf);
        match Pin::new(&mut self.stream).poll_read(cx, &mut buf) {
            Poll::Ready(Ok(())) if buf.filled().is_empty() => Ok(ReadOutcome::Eof),
            Poll::Ready(Ok(())) => {
                self.unfed = 0..buf.filled().len();
                Ok(ReadOutcome::Data)
            }
            Poll::Ready(Err(error)) => Err(error),
            Poll::Pending => Ok(ReadOutcome::Pending),
        }
    }

    /// Writes queued bytes until the stream pushes back or the queue is
    /// empty, then flushes; whether any byte moved.
    pub(super) fn poll_write(&mut self, cx: &mut Context<'_>) -> io::Result<bool> {
        let mut wrote = false;
        while let Some(front) = self.queue.front_mut() {
            match Pin::new(&mut self.stream).poll_write(cx, front) {
                Poll::Ready(Ok(0)) => return Err(io::ErrorKind::WriteZero.into()),
                Poll::Ready(Ok(written)) => {
                    front.advance(written);
                    self.queued -= written;
                    if front.is_empty() {
                        self.queue.pop_front();
                    }
                    wrote = true;
                    self.unflushed = true;
                }
                Poll::Ready(Err(error)) => return Err(error),
                Poll::Pending => return Ok(wrote),
            }
        }
        if self.unflushed {
            match Pin::new(&mut self.stream).poll_flush(cx) {
                Poll::Ready(Ok(())) => self.unflushed = false,
                Poll::Ready(Err(error)) => return Err(error),
                Poll::Pending => {}
            }
        }
        Ok(wrote)
    }

    /// Writes out the queue and shuts the stream's write side.
    pub(super) fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_write(cx)?;
        if !self.queue.is_empty() || self.unflushed {
            return Poll::Pending;
        }
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
