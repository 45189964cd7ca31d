//! A socket to the app-server whose incoming bytes are read on a thread of their own, in
//! batches while the app-server streams densely.
//!
//! Why: the app-server writes every `item/agentMessage/delta` as a frame of its own, about
//! 0.1 ms apart when the model streams fast. Read through tokio's reactor, each frame costs a
//! wake-up of a runtime thread (epoll is edge-triggered: a frame arriving while the reader
//! rests wakes the thread all the same), and those wake-ups were about half of the bridge's
//! CPU per streamed delta (`cargo bench`, issue 17). Here a plain thread waits in `poll(2)`
//! on the socket alone (level-triggered, nothing else registered for reading): after a run
//! of wake-ups that each found the next frame almost at once, it rests [`DENSE_REST`] before
//! reading again, so that one wake-up takes in the dozen frames that arrived meanwhile. A
//! frame that follows a pause is read at once: only dense streams (a fast model's deltas,
//! many turns at once) are paced, by at most [`DENSE_REST`] a batch.
//!
//! Writing stays on the runtime: the socket is registered with tokio for writability only,
//! so incoming frames never wake the reactor.

use std::fs::File;
use std::io;
use std::io::Read as _;
use std::os::fd::{AsRawFd, OwnedFd};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::unix::AsyncFd;
use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};
use tokio::sync::mpsc;

/// A wait in `poll(2)` shorter than this means the next frame was already on its way.
const DENSE_WAIT: Duration = Duration::from_micros(300);
/// After this many such short waits in a row the reader is in a dense stream.
const DENSE_AFTER: u32 = 8;
/// How long the reader rests between reads in a dense stream: the most a frame is delayed.
/// At 0.1 ms between deltas one read then takes in about ten frames.
pub const DENSE_REST: Duration = Duration::from_millis(1);
/// Bytes taken from the socket per read.
const READ_CHUNK: usize = 64 * 1024;
/// Batches in flight between the reader thread and the connection: beyond this the reader
/// waits, the socket's buffer fills and the app-server is held back, as with a direct read.
const BATCHES_IN_FLIGHT: usize = 16;

/// Both directions of a connected, non-blocking stream socket (Unix or TCP).
pub struct BatchedSocket {
    batches: mpsc::Receiver<io::Result<Vec<u8>>>,
    batch: Vec<u8>,
    at: usize,
    writer: AsyncFd<OwnedFd>,
}

impl BatchedSocket {
    /// Takes over `socket` (connected and non-blocking, as tokio's `into_std` gives it) and
    /// starts its reader thread. Errors: the socket cannot be duplicated or registered, or
    /// no thread can be started.
    pub fn new(socket: OwnedFd) -> io::Result<Self> {
        let for_writing = socket.try_clone()?;
        // SAFETY: an OwnedFd stays open, and the same descriptor, for the AsyncFd's life.
        let writer = unsafe { AsyncFd::register_with_interest(for_writing, Interest::WRITABLE) }?;
        let (sender, batches) = mpsc::channel(BATCHES_IN_FLIGHT);
        std::thread::Builder::new()
            .name("codex-bridge-link-reader".into())
            .spawn(move || read_batches(File::from(socket), &sender))?;
        Ok(BatchedSocket {
            batches,
            batch: Vec::new(),
            at: 0,
            writer,
        })
    }
}

/// The reader thread: until the socket ends, fails, or the connection drops the receiver.
fn read_batches(mut socket: File, sender: &mpsc::Sender<io::Result<Vec<u8>>>) {
    let mut buffer = vec![0u8; READ_CHUNK];
    let mut dense = 0u32;
    loop {
        let waited = match wait_readable(&socket) {
            Ok(waited) => waited,
            Err(error) => {
                let _ = sender.blocking_send(Err(error));
                return;
            }
        };
        dense = if waited < DENSE_WAIT { dense + 1 } else { 0 };
        let mut batch = Vec::new();
        let outcome = loop {
            match socket.read(&mut buffer) {
                Ok(0) => break Outcome::End,
                Ok(read) => {
                    batch.extend_from_slice(&buffer[..read]);
                    if batch.len() >= READ_CHUNK {
                        break Outcome::More;
                    }
                }
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => break Outcome::Drained,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => break Outcome::Failed(error),
            }
        };
        if !batch.is_empty() && sender.blocking_send(Ok(batch)).is_err() {
            return;
        }
        match outcome {
            // Resting only pays when the socket was emptied; with more waiting (a message
            // of megabytes) read on at once.
            Outcome::Drained if dense >= DENSE_AFTER => std::thread::sleep(DENSE_REST),
            Outcome::Drained | Outcome::More => {}
            // The end of the stream: dropping the sender tells the connection.
            Outcome::End => return,
            Outcome::Failed(error) => {
                let _ = sender.blocking_send(Err(error));
                return;
            }
        }
    }
}

/// How one turn of reading ended.
enum Outcome {
    /// Nothing more to read for now.
    Drained,
    /// A full batch taken, and maybe more waiting.
    More,
    /// The peer closed the socket.
    End,
    Failed(io::Error),
}

/// Blocks until the socket has something to read (data, its end or an error); returns how
/// long that took.
fn wait_readable(socket: &File) -> io::Result<Duration> {
    let started = Instant::now();
    let mut poll = libc::pollfd {
        fd: socket.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    loop {
        // SAFETY: one valid pollfd, for a descriptor this thread owns.
        let ready = unsafe { libc::poll(&mut poll, 1, -1) };
        if ready >= 0 {
            return Ok(started.elapsed());
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

impl AsyncRead for BatchedSocket {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        while this.at == this.batch.len() {
            match ready!(this.batches.poll_recv(cx)) {
                Some(Ok(batch)) => {
                    this.batch = batch;
                    this.at = 0;
                }
                Some(Err(error)) => return Poll::Ready(Err(error)),
                // The reader thread ended with the stream: end of file.
                None => return Poll::Ready(Ok(())),
            }
        }
        let take = buf.remaining().min(this.batch.len() - this.at);
        buf.put_slice(&this.batch[this.at..this.at + take]);
        this.at += take;
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for BatchedSocket {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        loop {
            let mut guard = ready!(self.writer.poll_write_ready(cx))?;
            match guard.try_io(|socket| send(socket.get_ref(), buf)) {
                Ok(result) => return Poll::Ready(result),
                Err(_would_block) => continue,
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(shutdown(self.writer.get_ref(), libc::SHUT_WR))
    }
}

impl Drop for BatchedSocket {
    fn drop(&mut self) {
        // Wakes the reader thread out of poll(2) (it reads the end and exits): the
        // descriptor it owns would otherwise outlive the connection.
        let _ = shutdown(self.writer.get_ref(), libc::SHUT_RDWR);
    }
}

/// `send(2)` without blocking and without SIGPIPE (a closed peer is an error, not a signal).
fn send(socket: &OwnedFd, buf: &[u8]) -> io::Result<usize> {
    // SAFETY: `buf` is valid for its length; the descriptor is owned by the caller.
    let sent = unsafe {
        libc::send(
            socket.as_raw_fd(),
            buf.as_ptr().cast(),
            buf.len(),
            libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL,
        )
    };
    if sent < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(sent.unsigned_abs())
}

fn shutdown(socket: &OwnedFd, how: libc::c_int) -> io::Result<()> {
    // SAFETY: the descriptor is owned by the caller.
    if unsafe { libc::shutdown(socket.as_raw_fd(), how) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn pair() -> (BatchedSocket, std::os::unix::net::UnixStream) {
        let (ours, theirs) = std::os::unix::net::UnixStream::pair().expect("pair");
        ours.set_nonblocking(true).expect("nonblocking");
        (BatchedSocket::new(ours.into()).expect("socket"), theirs)
    }

    #[tokio::test]
    async fn bytes_go_both_ways_and_the_end_is_read() {
        use std::io::Write;
        let (mut socket, mut peer) = pair();
        socket.write_all(b"ping").await.expect("write");
        let mut got = [0u8; 4];
        std::io::Read::read_exact(&mut peer, &mut got).expect("peer reads");
        assert_eq!(&got, b"ping");
        peer.write_all(b"pong").expect("peer writes");
        drop(peer);
        let mut all = Vec::new();
        socket.read_to_end(&mut all).await.expect("read to the end");
        assert_eq!(all, b"pong");
    }

    #[tokio::test]
    async fn a_dense_stream_arrives_whole_and_in_order() {
        let (mut socket, peer) = pair();
        let writer = std::thread::spawn(move || {
            use std::io::Write;
            let mut peer = peer;
            for i in 0..2_000u32 {
                peer.write_all(&i.to_le_bytes()).expect("peer writes");
                if i % 100 == 0 {
                    std::thread::sleep(Duration::from_micros(50));
                }
            }
        });
        let mut all = Vec::new();
        socket.read_to_end(&mut all).await.expect("read to the end");
        writer.join().expect("writer");
        let numbers: Vec<u32> = all
            .chunks(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        assert_eq!(numbers, (0..2_000).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn dropping_the_socket_shuts_it_down() {
        let (socket, mut peer) = pair();
        drop(socket);
        // Shut down both ways (which is what wakes the reader thread to its end): the peer
        // reads the end of file although the thread's descriptor may still be open.
        let mut rest = Vec::new();
        std::io::Read::read_to_end(&mut peer, &mut rest).expect("peer reads the end");
        assert!(rest.is_empty());
    }
}
