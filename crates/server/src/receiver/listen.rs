//! The DC-09 sockets: a TCP listener and a UDP socket on the same port for each `--dc09`
//! address. TCP connections carry many frames each (split or coalesced in any way); UDP
//! datagrams are one frame each and are answered to their source.
//!
//! Protection: a total and a per-source limit on open connections, an idle timeout, a
//! connection that sends an oversized frame is answered NAK and closed, and a source that keeps
//! sending garbage is slowed down (its reads are delayed, its datagrams dropped) without
//! affecting anyone else.

use super::pipeline::{decide, outcome_of, Decision, Origin, Outcome};
use super::stats::ACK_LATENCY;
use super::writer::{Admission, Committed};
use super::Shared;
use chrono::Utc;
use dc09::{frame_from_datagram, Error, StreamDecoder, MAX_FRAME_LEN};
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use store::{FrameOutcome, FrameRecord};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{mpsc, oneshot, watch};

/// Resolves once `stop` turns true (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Garbage frames a source may send per window before it is slowed down.
const GARBAGE_PER_WINDOW: u32 = 20;
/// The window over which garbage is counted.
const GARBAGE_WINDOW: Duration = Duration::from_secs(10);
/// How long each read of a slowed-down source waits.
const PENALTY: Duration = Duration::from_millis(500);

/// Per-source garbage counts.
#[derive(Default)]
pub struct Throttle {
    sources: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl Throttle {
    /// Counts one garbage frame from `ip`.
    pub fn garbage(&self, ip: IpAddr) {
        let now = Instant::now();
        if let Ok(mut m) = self.sources.lock() {
            if m.len() > 50_000 {
                m.retain(|_, (start, _)| now.duration_since(*start) < GARBAGE_WINDOW);
            }
            let e = m.entry(ip).or_insert((now, 0));
            if now.duration_since(e.0) >= GARBAGE_WINDOW {
                *e = (now, 0);
            }
            e.1 = e.1.saturating_add(1);
        }
    }

    /// Whether `ip` is being slowed down.
    pub fn penalised(&self, ip: IpAddr) -> bool {
        let now = Instant::now();
        self.sources.lock().is_ok_and(|m| {
            m.get(&ip).is_some_and(|(start, n)| {
                now.duration_since(*start) < GARBAGE_WINDOW && *n > GARBAGE_PER_WINDOW
            })
        })
    }
}

/// Open-connection counts, in total and per source.
#[derive(Default)]
pub struct Limits {
    per_source: Mutex<HashMap<IpAddr, usize>>,
}

/// Releases a connection's slot when dropped.
struct Slot {
    shared: Arc<Shared>,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.shared
            .stats
            .connections
            .fetch_sub(1, Ordering::Relaxed);
        if let Ok(mut m) = self.shared.limits.per_source.lock() {
            if let Some(n) = m.get_mut(&self.ip) {
                *n -= 1;
                if *n == 0 {
                    m.remove(&self.ip);
                }
            }
        }
    }
}

fn take_slot(shared: &Arc<Shared>, ip: IpAddr) -> Option<Slot> {
    let opts = &shared.options;
    let mut m = shared.limits.per_source.lock().ok()?;
    let total = shared.stats.connections.load(Ordering::Relaxed);
    let mine = m.get(&ip).copied().unwrap_or(0);
    if total as usize >= opts.max_connections || mine >= opts.max_per_source {
        return None;
    }
    m.insert(ip, mine + 1);
    shared.stats.connections.fetch_add(1, Ordering::Relaxed);
    Some(Slot {
        shared: shared.clone(),
        ip,
    })
}

/// Binds a TCP listener and a UDP socket on the same port. With port 0, both get the same
/// free port.
pub async fn bind(addr: SocketAddr) -> std::io::Result<(TcpListener, UdpSocket)> {
    let mut last_err = None;
    for _ in 0..10 {
        let tcp = TcpListener::bind(addr).await?;
        let local = tcp.local_addr()?;
        match bind_udp(local) {
            Ok(udp) => return Ok((tcp, udp)),
            Err(e) if addr.port() == 0 => last_err = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last_err.unwrap_or_else(|| std::io::Error::other("cannot bind udp")))
}

fn bind_udp(addr: SocketAddr) -> std::io::Result<UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    // A deep receive queue absorbs bursts; the kernel caps it at net.core.rmem_max.
    let _ = socket.set_recv_buffer_size(8 * 1024 * 1024);
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    UdpSocket::from_std(socket.into())
}

/// Accepts connections until `stop` turns true.
pub async fn serve_tcp(listener: TcpListener, shared: Arc<Shared>, stop: watch::Receiver<bool>) {
    let mut tasks = tokio::task::JoinSet::new();
    let mut stopping = stop.clone();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        tracing::warn!(error = %e, "dc09 accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let Some(slot) = take_slot(&shared, peer.ip()) else {
                    shared.stats.refused.fetch_add(1, Ordering::Relaxed);
                    drop(stream);
                    continue;
                };
                let shared = shared.clone();
                let stop = stop.clone();
                tasks.spawn(async move {
                    connection(stream, peer, shared, stop).await;
                    drop(slot);
                });
                // Reap finished connections so the set does not grow.
                while tasks.try_join_next().is_some() {}
            }
            _ = stopped(&mut stopping) => break,
        }
    }
    drop(listener);
    while tasks.join_next().await.is_some() {}
}

/// One answer to write, in order.
enum Pending {
    Ready(Vec<u8>),
    Wait {
        done: oneshot::Receiver<Committed>,
        ack: Vec<u8>,
        nak: Vec<u8>,
    },
}

fn framing_record(origin: &Origin, error: &Error, outcome: Outcome) -> FrameRecord {
    let (result, reason) = outcome.labels();
    FrameRecord {
        received_at: Utc::now(),
        transport: origin.transport,
        peer: origin.peer.clone(),
        account: None,
        device_id: None,
        result,
        reason,
        frame: format!("<{error}>"),
        dedup_key: None,
        dedup_probe: None,
        signals: Vec::new(),
    }
}

/// Decides one frame and returns what to answer (queued for the writer if it must be stored,
/// waiting at most `admission_wait` for room in the queue).
async fn handle(
    frame: &[u8],
    origin: &Origin,
    ip: IpAddr,
    shared: &Shared,
    rng: &mut StdRng,
    admission_wait: Duration,
) -> Option<Pending> {
    match decide(
        frame,
        origin,
        &shared.registry,
        &shared.options.window,
        &shared.options.plain_sources,
        Utc::now(),
        rng,
    ) {
        Decision::Reply {
            reply,
            outcome,
            record,
        } => {
            shared.stats.count(outcome);
            if outcome.is_garbage() {
                shared.throttle.garbage(ip);
            }
            if !shared.throttle.penalised(ip) {
                shared.writer.log(record);
            }
            reply.map(Pending::Ready)
        }
        Decision::Store {
            record,
            ack,
            device,
            nak,
        } => match shared
            .writer
            .submit(record, device.id, admission_wait)
            .await
        {
            Admission::Queued(done) => Some(Pending::Wait { done, ack, nak }),
            Admission::Full => {
                shared.stats.count(Outcome::NakOverload);
                Some(Pending::Ready(nak))
            }
            Admission::Stopped => {
                shared.stats.count(Outcome::NakStoreFailed);
                Some(Pending::Ready(nak))
            }
        },
    }
}

/// Waits for a stored frame's commit and returns its answer.
async fn resolve(p: Pending, shared: &Shared, started: Instant) -> Vec<u8> {
    match p {
        Pending::Ready(bytes) => bytes,
        Pending::Wait { done, ack, nak } => {
            let answer = match done.await.unwrap_or(Err(())) {
                Ok(FrameOutcome::Stored { .. }) => {
                    shared.stats.count(Outcome::AckNew);
                    ack
                }
                Ok(FrameOutcome::Duplicate) => {
                    shared.stats.count(Outcome::AckDuplicate);
                    ack
                }
                Ok(FrameOutcome::Logged) | Err(()) => {
                    shared.stats.count(Outcome::NakStoreFailed);
                    return nak;
                }
            };
            shared
                .metrics
                .observe(ACK_LATENCY, &[], started.elapsed().as_secs_f64());
            answer
        }
    }
}

/// Answers a connection may have waiting before its reader stops reading (and so holds the
/// device back): enough for every panel behind a concentrator, bounded against a flood.
const ANSWERS_IN_FLIGHT: usize = 1024;

/// One TCP connection, pipelined: the reader decodes frames and queues them for the writer as
/// they arrive, while the answerer writes their answers back in order as their commits finish.
/// Frames sent while earlier ones are still being committed thus join the next group commit
/// instead of waiting for the earlier answers to go out.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let (rd, wr) = stream.into_split();
    let (answers, queued) = mpsc::channel(ANSWERS_IN_FLIGHT);
    // Both halves run in this task: no hand-off between threads for each answer.
    tokio::join!(
        read_frames(rd, peer, &shared, stop, answers),
        write_answers(wr, queued, &shared)
    );
}

/// Reads and decides frames until the peer closes, goes idle, misbehaves or the server stops.
/// Dropping `answers` at the end lets the answerer finish what is queued and close.
async fn read_frames(
    mut rd: OwnedReadHalf,
    peer: SocketAddr,
    shared: &Shared,
    mut stop: watch::Receiver<bool>,
    answers: mpsc::Sender<(Pending, Instant)>,
) {
    let origin = Origin {
        transport: "tcp",
        peer: peer.to_string(),
    };
    let mut decoder = StreamDecoder::new(MAX_FRAME_LEN);
    let mut buf = vec![0u8; 16 * 1024];
    let mut rng = StdRng::from_entropy();
    let idle = shared.options.idle_timeout;
    // Bytes read since the last complete frame: more than a frame's worth means an oversized
    // frame (or endless garbage) even before its end arrives.
    let mut since_frame = 0usize;
    loop {
        let n = tokio::select! {
            r = tokio::time::timeout(idle, rd.read(&mut buf)) => match r {
                Ok(Ok(0)) | Ok(Err(_)) => break,
                Ok(Ok(n)) => n,
                Err(_) => {
                    tracing::debug!(%peer, "closing idle dc09 connection");
                    break;
                }
            },
            _ = stopped(&mut stop) => break,
            // The answerer stopped (the peer cannot be written to): nothing more to read for.
            _ = answers.closed() => break,
        };
        let started = Instant::now();
        if shared.throttle.penalised(peer.ip()) {
            tokio::time::sleep(PENALTY).await;
        }
        decoder.feed(&buf[..n]);
        since_frame += n;
        let mut close = false;
        let mut framed = false;
        while let Some(frame) = decoder.next_frame() {
            framed = true;
            let pending = match frame {
                Ok(frame) => {
                    let wait = shared.options.admission_wait;
                    handle(&frame, &origin, peer.ip(), shared, &mut rng, wait).await
                }
                Err(e) => {
                    let outcome = outcome_of(&e);
                    shared.stats.count(outcome);
                    shared.throttle.garbage(peer.ip());
                    if !shared.throttle.penalised(peer.ip()) {
                        shared.writer.log(framing_record(&origin, &e, outcome));
                    }
                    // A sender that overruns the frame limit is broken or hostile.
                    close = matches!(e, Error::FrameTooLong { .. });
                    Some(Pending::Ready(dc09::nak(super::pipeline::dc09_now(
                        Utc::now(),
                    ))))
                }
            };
            if let Some(p) = pending {
                if answers.send((p, started)).await.is_err() {
                    return;
                }
            }
            if close {
                break;
            }
        }
        if framed {
            since_frame = decoder.pending_len();
        } else if since_frame > MAX_FRAME_LEN + 1024 && !close {
            shared.stats.count(Outcome::NakTooLong);
            shared.throttle.garbage(peer.ip());
            let nak = dc09::nak(super::pipeline::dc09_now(Utc::now()));
            let _ = answers.send((Pending::Ready(nak), started)).await;
            close = true;
        }
        if close {
            break;
        }
    }
}

/// Writes the answers in the order their frames arrived. Answers that are ready together leave
/// in one write; before waiting for a commit, whatever is ready is sent first. A peer that
/// takes no answer for as long as the idle timeout is dropped (its reader then stops too).
async fn write_answers(
    mut wr: OwnedWriteHalf,
    mut queued: mpsc::Receiver<(Pending, Instant)>,
    shared: &Shared,
) {
    let limit = shared.options.idle_timeout;
    let mut out = Vec::with_capacity(4096);
    while let Some((pending, started)) = queued.recv().await {
        let waits = matches!(&pending, Pending::Wait { done, .. } if done.is_empty());
        if waits && !flush(&mut wr, &mut out, limit).await {
            return;
        }
        out.extend_from_slice(&resolve(pending, shared, started).await);
        if queued.is_empty() && !flush(&mut wr, &mut out, limit).await {
            return;
        }
    }
    let _ = wr.shutdown().await;
}

/// Writes out what is buffered; false when the peer is gone or took nothing for `limit`.
async fn flush(wr: &mut OwnedWriteHalf, out: &mut Vec<u8>, limit: Duration) -> bool {
    if out.is_empty() {
        return true;
    }
    match tokio::time::timeout(limit, wr.write_all(out)).await {
        Ok(Ok(())) => {
            out.clear();
            true
        }
        Ok(Err(_)) => false,
        Err(_) => {
            tracing::debug!("dropping a dc09 connection that takes no answers");
            false
        }
    }
}

/// Answers datagrams until `stop` turns true.
pub async fn serve_udp(socket: UdpSocket, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let socket = Arc::new(socket);
    let mut buf = vec![0u8; 65_536];
    let mut rng = StdRng::from_entropy();
    let mut waiting = tokio::task::JoinSet::new();
    loop {
        let (n, peer) = tokio::select! {
            r = socket.recv_from(&mut buf) => match r {
                Ok(x) => x,
                Err(e) => {
                    tracing::debug!(error = %e, "dc09 udp receive failed");
                    continue;
                }
            },
            _ = stopped(&mut stop) => break,
        };
        let started = Instant::now();
        if shared.throttle.penalised(peer.ip()) {
            shared.stats.count(Outcome::DroppedThrottled);
            continue;
        }
        let origin = Origin {
            transport: "udp",
            peer: peer.to_string(),
        };
        let pending = match frame_from_datagram(&buf[..n], MAX_FRAME_LEN) {
            // One socket serves every UDP device: a full queue is answered with NAK at once
            // rather than holding back the datagrams behind it.
            Ok(frame) => handle(frame, &origin, peer.ip(), &shared, &mut rng, Duration::ZERO).await,
            Err(e) => {
                let outcome = outcome_of(&e);
                shared.stats.count(outcome);
                shared.throttle.garbage(peer.ip());
                shared.writer.log(framing_record(&origin, &e, outcome));
                Some(Pending::Ready(dc09::nak(super::pipeline::dc09_now(
                    Utc::now(),
                ))))
            }
        };
        match pending {
            None => {}
            Some(Pending::Ready(bytes)) => {
                let _ = socket.send_to(&bytes, peer).await;
            }
            Some(p) => {
                let socket = socket.clone();
                let shared = shared.clone();
                waiting.spawn(async move {
                    let bytes = resolve(p, &shared, started).await;
                    let _ = socket.send_to(&bytes, peer).await;
                });
                while waiting.try_join_next().is_some() {}
            }
        }
    }
    while waiting.join_next().await.is_some() {}
}

#[cfg(test)]
mod tests {
    use super::super::registry::Registry;
    use super::super::writer::Writer;
    use super::super::ReceiverOptions;
    use super::*;

    fn shared() -> Shared {
        Shared {
            registry: Arc::new(Registry::new(None)),
            stats: Arc::default(),
            metrics: Arc::default(),
            writer: Writer::stopped(),
            throttle: Throttle::default(),
            limits: Limits::default(),
            options: ReceiverOptions::default(),
        }
    }

    #[tokio::test]
    async fn a_peer_that_takes_no_answers_is_dropped_after_the_idle_timeout() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let _device = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server_side, _) = listener.accept().await.unwrap();
        let (_rd, wr) = server_side.into_split();
        let mut shared = shared();
        shared.options.idle_timeout = Duration::from_millis(200);
        let (answers, queued) = mpsc::channel(4);
        // Far more than the socket buffers hold, to a device that never reads.
        answers
            .send((Pending::Ready(vec![b'A'; 64 << 20]), Instant::now()))
            .await
            .unwrap();
        let answerer = write_answers(wr, queued, &shared);
        tokio::time::timeout(Duration::from_secs(10), answerer)
            .await
            .expect("the answerer gives up on the peer");
        assert!(answers.is_closed(), "the reader is told to stop");
    }

    fn waiting(id: u8) -> (oneshot::Sender<Committed>, Pending) {
        let (tx, done) = oneshot::channel();
        let pending = Pending::Wait {
            done,
            ack: vec![b'A', id],
            nak: vec![b'N', id],
        };
        (tx, pending)
    }

    /// Reads exactly `n` bytes, or fails the test if they do not come within a second.
    async fn read_n(peer: &mut TcpStream, n: usize) -> Vec<u8> {
        let mut got = vec![0; n];
        tokio::time::timeout(Duration::from_secs(1), peer.read_exact(&mut got))
            .await
            .expect("answer in time")
            .expect("read");
        got
    }

    #[tokio::test]
    async fn answers_go_out_in_frame_order_without_waiting_for_later_commits() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut device = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server_side, _) = listener.accept().await.unwrap();
        let (_rd, wr) = server_side.into_split();
        let (answers, queued) = mpsc::channel(16);
        let shared = Arc::new(shared());
        let answerer = tokio::spawn({
            let shared = shared.clone();
            async move { write_answers(wr, queued, &shared).await }
        });
        let now = Instant::now();
        // A ready answer, then two frames still being committed.
        answers
            .send((Pending::Ready(b"R0".to_vec()), now))
            .await
            .unwrap();
        let (first, p1) = waiting(b'1');
        let (second, p2) = waiting(b'2');
        answers.send((p1, now)).await.unwrap();
        answers.send((p2, now)).await.unwrap();
        // The ready answer is not held back behind the commits.
        assert_eq!(read_n(&mut device, 2).await, b"R0");
        // The later frame's commit finishing first does not put its answer first.
        second.send(Ok(FrameOutcome::Duplicate)).unwrap();
        first.send(Err(())).unwrap();
        assert_eq!(read_n(&mut device, 4).await, b"N1A2");
        drop(answers);
        answerer.await.unwrap();
        let mut rest = Vec::new();
        device.read_to_end(&mut rest).await.unwrap();
        assert!(rest.is_empty(), "connection closed after the last answer");
    }
}
