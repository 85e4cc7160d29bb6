//! `binhyen simulate`: alarm panels speaking real DC-09 to a receiver, for demos and load
//! tests. Each simulated device has its own account and (with `--encrypt`) its own AES key;
//! it sends NULL link tests at the requested total rate, a fire alarm now and then, waits for
//! its ACK like a real panel, and retransmits on timeout (reconnecting first on TCP) or, after
//! a NAK, following a random back-off of 0.2 to 1 s. When it stops it reports ACK latency
//! percentiles, ACKs per second and the NAK and timeout counts.
//!
//! With `--register URL` it first signs in (`BINHYEN_USER`, `BINHYEN_PASSWORD`) and registers
//! one facility and one device per simulated device through the CSV import API.

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use dc09::{Header, Key, MessageBuilder, StreamDecoder, Timestamp, Token, MAX_FRAME_LEN};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, UdpSocket};

/// How long a simulated TCP panel waits after a NAK before sending the message again (ms).
const NAK_BACKOFF_MS: std::ops::Range<u64> = 200..1_000;

/// Transport of the simulated panels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Proto {
    Tcp,
    Udp,
}

/// Flags of `binhyen simulate`.
#[derive(Debug, Clone, Args)]
pub struct SimulateArgs {
    /// The receiver's DC-09 address.
    #[arg(long)]
    pub target: SocketAddr,
    /// Number of simulated devices.
    #[arg(long, default_value_t = 100)]
    pub devices: u32,
    /// Messages per second from all devices together.
    #[arg(long, default_value_t = 1000.0)]
    pub rate: f64,
    /// Ignore --rate: every device sends its next message as soon as the previous one is
    /// answered (one message in flight per device, as a panel), which measures the receiver's
    /// capacity rather than a chosen load.
    #[arg(long)]
    pub closed_loop: bool,
    /// tcp or udp.
    #[arg(long, value_enum, default_value_t = Proto::Tcp)]
    pub proto: Proto,
    /// Encrypt with each device's AES key.
    #[arg(long)]
    pub encrypt: bool,
    /// AES key size for --encrypt: 128, 192 or 256.
    #[arg(long, default_value_t = 128)]
    pub key_bits: u16,
    /// Send a fire alarm (Contact ID 110) from a random device every this many seconds.
    #[arg(long)]
    pub fire_every: Option<f64>,
    /// Send every message as an event (Contact ID 602 periodic test report) instead of a NULL
    /// link test: the traffic every receiver must store and act on.
    #[arg(long)]
    pub events: bool,
    /// Receiver number (`R…`) to put in every frame; some receivers answer malformed
    /// responses without one.
    #[arg(long)]
    pub receiver: Option<String>,
    /// Register the facilities and devices through the API at this base URL first.
    #[arg(long)]
    pub register: Option<String>,
    /// How long to send, in seconds.
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// TCP connections (or UDP sockets) the devices share; default one per device up to 1000.
    #[arg(long)]
    pub connections: Option<u32>,
    /// First account number (hex); device i gets account base + i.
    #[arg(long, default_value = "5100000")]
    pub account_base: String,
    /// Seed of the per-device keys (the same seed gives the same keys).
    #[arg(long, default_value = "binhyen-simulator")]
    pub key_seed: String,
    /// Seconds without an ACK before a message is sent again.
    #[arg(long, default_value_t = 5.0)]
    pub timeout: f64,
    /// Supervision interval registered for the devices, in seconds.
    #[arg(long, default_value_t = 3600)]
    pub supervision_secs: i64,
}

/// One simulated device.
#[derive(Clone)]
pub struct SimDevice {
    pub account: String,
    /// Receiver number sent in each frame.
    pub receiver: Option<String>,
    pub key: Option<Key>,
    pub key_hex: String,
}

/// The key of device `index` under `seed`, as hex.
pub fn device_key_hex(seed: &str, index: u32, bits: u16) -> String {
    let mut h = Sha256::new();
    h.update(seed.as_bytes());
    h.update(index.to_be_bytes());
    let digest = h.finalize();
    let bytes = match bits {
        256 => 32,
        192 => 24,
        _ => 16,
    };
    hex::encode(&digest[..bytes])
}

/// The simulated devices.
pub fn devices(args: &SimulateArgs) -> anyhow::Result<Vec<SimDevice>> {
    let base =
        u64::from_str_radix(&args.account_base, 16).context("--account-base must be hex digits")?;
    (0..args.devices)
        .map(|i| {
            let key_hex = device_key_hex(&args.key_seed, i, args.key_bits);
            let key = if args.encrypt {
                Some(Key::from_hex(&key_hex).map_err(|e| anyhow::anyhow!("{e}"))?)
            } else {
                None
            };
            Ok(SimDevice {
                account: format!("{:X}", base + u64::from(i)),
                receiver: args.receiver.clone(),
                key,
                key_hex,
            })
        })
        .collect()
}

/// Counters shared by every connection.
#[derive(Default)]
struct Totals {
    sent: AtomicU64,
    retransmitted: AtomicU64,
    acked: AtomicU64,
    naks: AtomicU64,
    duhs: AtomicU64,
    timeouts: AtomicU64,
    fires: AtomicU64,
    backlog: AtomicU64,
    reconnects: AtomicU64,
}

/// A message waiting for its answer.
struct Outstanding {
    device: usize,
    seq: u16,
    sent: Instant,
    first_sent: Instant,
    frame: Vec<u8>,
}

struct Plan {
    rate_per_conn: f64,
    closed_loop: bool,
    duration: Duration,
    timeout: Duration,
    fire_every: Option<Duration>,
    next_fire: Arc<AtomicU64>,
    started: Instant,
    events: bool,
}

fn build_frame(
    dev: &SimDevice,
    seq: u16,
    fire: bool,
    events: bool,
    rng: &mut StdRng,
) -> anyhow::Result<Vec<u8>> {
    let now = Timestamp::from_unix(chrono::Utc::now().timestamp());
    let b = if fire {
        MessageBuilder::new(Token::AdmCid)
            .seq(seq)
            .account(&dev.account)
            .contact_id(1, 110, 1, rng.gen_range(1..=99))
    } else if events {
        MessageBuilder::new(Token::AdmCid)
            .seq(seq)
            .account(&dev.account)
            .contact_id(1, 602, 0, 0)
    } else {
        MessageBuilder::new(Token::Null)
            .seq(seq)
            .account(&dev.account)
    }
    .timestamp(now);
    let b = match &dev.receiver {
        Some(r) => b.receiver(r),
        None => b,
    };
    let frame = match &dev.key {
        Some(k) => b.build_encrypted(k, rng),
        None => b.build(),
    };
    frame.map_err(|e| anyhow::anyhow!("{e}"))
}

/// The messages due now on one connection: as many as the rate asks since the start or, in a
/// closed loop, one for every device not waiting for an answer.
fn due_messages(
    plan: &Plan,
    slice: &mut Slice,
    all: &[SimDevice],
    sent_count: &mut u64,
    rng: &mut StdRng,
    totals: &Totals,
) -> anyhow::Result<Vec<Outstanding>> {
    let due = if plan.closed_loop {
        u64::MAX
    } else {
        (plan.started.elapsed().as_secs_f64() * plan.rate_per_conn) as u64
    };
    let mut out = Vec::new();
    while *sent_count < due {
        let Some((_, device, seq)) = slice.take() else {
            if !plan.closed_loop {
                totals
                    .backlog
                    .fetch_add(due - *sent_count, Ordering::Relaxed);
                *sent_count = due;
            }
            break;
        };
        let fire = fire_due(plan);
        let frame = build_frame(&all[device], seq, fire, plan.events, rng)?;
        if fire {
            totals.fires.fetch_add(1, Ordering::Relaxed);
        }
        let now = Instant::now();
        out.push(Outstanding {
            device,
            seq,
            sent: now,
            first_sent: now,
            frame,
        });
        *sent_count += 1;
        totals.sent.fetch_add(1, Ordering::Relaxed);
    }
    Ok(out)
}

/// [`due_messages`] on a TCP connection: queues them as awaiting an answer and returns the
/// bytes to write.
fn queue_due(
    plan: &Plan,
    slice: &mut Slice,
    all: &[SimDevice],
    sent_count: &mut u64,
    rng: &mut StdRng,
    totals: &Totals,
    queue: &mut VecDeque<Outstanding>,
) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    for o in due_messages(plan, slice, all, sent_count, rng, totals)? {
        out.extend_from_slice(&o.frame);
        queue.push_back(o);
    }
    Ok(out)
}

/// Whether it is time for the next fire alarm (one sender wins each slot).
fn fire_due(plan: &Plan) -> bool {
    let Some(every) = plan.fire_every else {
        return false;
    };
    let now = plan.started.elapsed().as_micros() as u64;
    let next = plan.next_fire.load(Ordering::Relaxed);
    now >= next
        && plan
            .next_fire
            .compare_exchange(
                next,
                now + every.as_micros() as u64,
                Ordering::AcqRel,
                Ordering::Relaxed,
            )
            .is_ok()
}

fn source_for(target: SocketAddr, conn: usize) -> Option<SocketAddr> {
    // Spread loopback connections over source addresses so per-source limits and ephemeral
    // ports are not the bottleneck: 500 connections per 127.0.x.y.
    match target.ip() {
        IpAddr::V4(ip) if ip.is_loopback() => {
            let n = conn / 500;
            Some(SocketAddr::new(
                IpAddr::V4(Ipv4Addr::new(127, 0, (n / 250) as u8, (n % 250 + 1) as u8)),
                0,
            ))
        }
        _ => None,
    }
}

async fn connect(target: SocketAddr, conn: usize) -> std::io::Result<tokio::net::TcpStream> {
    let socket = if target.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    if let Some(src) = source_for(target, conn) {
        socket.bind(src)?;
    }
    let stream = socket.connect(target).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Devices of one connection, with their next sequence numbers and busy flags.
struct Slice {
    devices: Vec<usize>,
    seq: Vec<u16>,
    busy: Vec<bool>,
    next: usize,
}

impl Slice {
    fn new(devices: Vec<usize>) -> Slice {
        let n = devices.len();
        Slice {
            devices,
            seq: vec![0; n],
            busy: vec![false; n],
            next: 0,
        }
    }

    /// The next idle device (round robin) and its next sequence number.
    fn take(&mut self) -> Option<(usize, usize, u16)> {
        for _ in 0..self.devices.len() {
            let i = self.next;
            self.next = (self.next + 1) % self.devices.len();
            if !self.busy[i] {
                self.busy[i] = true;
                self.seq[i] = if self.seq[i] >= 9999 {
                    1
                } else {
                    self.seq[i] + 1
                };
                return Some((i, self.devices[i], self.seq[i]));
            }
        }
        None
    }
}

async fn tcp_connection(
    conn: usize,
    target: SocketAddr,
    all: Arc<Vec<SimDevice>>,
    mine: Vec<usize>,
    plan: Arc<Plan>,
    totals: Arc<Totals>,
) -> Vec<u32> {
    let mut latencies = Vec::new();
    let mut rng = StdRng::from_entropy();
    let mut slice = Slice::new(mine);
    let index_of: HashMap<usize, usize> = slice
        .devices
        .iter()
        .enumerate()
        .map(|(i, d)| (*d, i))
        .collect();
    let mut queue: VecDeque<Outstanding> = VecDeque::new();
    // Messages a NAK sent back, held until their retry time (as a panel backs off).
    let mut held: VecDeque<(Instant, Outstanding)> = VecDeque::new();
    let mut sent_count: u64 = 0;
    let mut tick = tokio::time::interval(Duration::from_millis(5));
    'reconnect: loop {
        let stream = match connect(target, conn).await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(conn, error = %e, "connect failed; retrying");
                totals.reconnects.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(200)).await;
                if plan.started.elapsed() > plan.duration + plan.timeout * 3 {
                    break;
                }
                continue;
            }
        };
        let (mut rd, mut wr) = stream.into_split();
        // Retransmit what was waiting when the connection was lost, as a panel does.
        let mut out = Vec::new();
        for o in queue.iter_mut() {
            o.sent = Instant::now();
            out.extend_from_slice(&o.frame);
            totals.retransmitted.fetch_add(1, Ordering::Relaxed);
        }
        if !out.is_empty() && wr.write_all(&out).await.is_err() {
            continue 'reconnect;
        }
        let mut decoder = StreamDecoder::new(MAX_FRAME_LEN);
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let sending = plan.started.elapsed() < plan.duration;
            if !sending && queue.is_empty() && held.is_empty() {
                break 'reconnect;
            }
            if !sending && plan.started.elapsed() > plan.duration + plan.timeout * 3 {
                totals
                    .timeouts
                    .fetch_add(queue.len() as u64, Ordering::Relaxed);
                break 'reconnect;
            }
            tokio::select! {
                r = rd.read(&mut buf) => {
                    let n = match r { Ok(0) | Err(_) => continue 'reconnect, Ok(n) => n };
                    decoder.feed(&buf[..n]);
                    while let Some(frame) = decoder.next_frame() {
                        let Some(front) = queue.pop_front() else { continue };
                        let header = frame.ok().and_then(|f| Header::peek(&f).ok());
                        // Answers come in order; an ACK must echo the sequence number it answers.
                        let token = header
                            .filter(|h| h.token != Token::Ack || h.seq == front.seq)
                            .map(|h| h.token);
                        match token {
                            Some(Token::Ack) => {
                                totals.acked.fetch_add(1, Ordering::Relaxed);
                                latencies.push(front.first_sent.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                                if let Some(&i) = index_of.get(&front.device) {
                                    slice.busy[i] = false;
                                }
                            }
                            Some(Token::Duh) => {
                                totals.duhs.fetch_add(1, Ordering::Relaxed);
                                if let Some(&i) = index_of.get(&front.device) {
                                    slice.busy[i] = false;
                                }
                            }
                            _ => {
                                // NAK (or garbage): send the same message again after a
                                // random back-off, as a panel does, not at once.
                                totals.naks.fetch_add(1, Ordering::Relaxed);
                                let at = Instant::now() + Duration::from_millis(rng.gen_range(NAK_BACKOFF_MS));
                                held.push_back((at, front));
                            }
                        }
                    }
                    if plan.closed_loop && sending {
                        let Ok(out) = queue_due(&plan, &mut slice, &all, &mut sent_count, &mut rng, &totals, &mut queue) else { break 'reconnect };
                        if !out.is_empty() && wr.write_all(&out).await.is_err() {
                            continue 'reconnect;
                        }
                    }
                }
                _ = tick.tick() => {
                    // Retransmit the held messages whose back-off is over.
                    let now = Instant::now();
                    let mut out = Vec::new();
                    while held.front().is_some_and(|(at, _)| *at <= now) {
                        let Some((_, mut again)) = held.pop_front() else { break };
                        again.sent = now;
                        out.extend_from_slice(&again.frame);
                        totals.retransmitted.fetch_add(1, Ordering::Relaxed);
                        queue.push_back(again);
                    }
                    if !out.is_empty() && wr.write_all(&out).await.is_err() {
                        continue 'reconnect;
                    }
                    if let Some(front) = queue.front() {
                        if front.sent.elapsed() > plan.timeout {
                            totals.timeouts.fetch_add(1, Ordering::Relaxed);
                            totals.reconnects.fetch_add(1, Ordering::Relaxed);
                            continue 'reconnect;
                        }
                    }
                    if !sending {
                        continue;
                    }
                    let Ok(out) = queue_due(&plan, &mut slice, &all, &mut sent_count, &mut rng, &totals, &mut queue) else { break 'reconnect };
                    if !out.is_empty() && wr.write_all(&out).await.is_err() {
                        continue 'reconnect;
                    }
                }
            }
        }
    }
    latencies
}

async fn udp_socket(
    target: SocketAddr,
    all: Arc<Vec<SimDevice>>,
    mine: Vec<usize>,
    plan: Arc<Plan>,
    totals: Arc<Totals>,
) -> anyhow::Result<Vec<u32>> {
    let bind: SocketAddr = if target.is_ipv4() {
        "0.0.0.0:0".parse()?
    } else {
        "[::]:0".parse()?
    };
    let socket = UdpSocket::bind(bind).await?;
    socket.connect(target).await?;
    let mut latencies = Vec::new();
    let mut rng = StdRng::from_entropy();
    let mut slice = Slice::new(mine);
    let index_of: HashMap<usize, usize> = slice
        .devices
        .iter()
        .enumerate()
        .map(|(i, d)| (*d, i))
        .collect();
    let mut waiting: HashMap<(String, u16), Outstanding> = HashMap::new();
    let mut sent_count: u64 = 0;
    let mut tick = tokio::time::interval(Duration::from_millis(5));
    let mut buf = vec![0u8; 2048];
    loop {
        let sending = plan.started.elapsed() < plan.duration;
        if !sending && waiting.is_empty() {
            break;
        }
        if !sending && plan.started.elapsed() > plan.duration + plan.timeout * 3 {
            totals
                .timeouts
                .fetch_add(waiting.len() as u64, Ordering::Relaxed);
            break;
        }
        tokio::select! {
            r = socket.recv(&mut buf) => {
                let Ok(n) = r else { continue };
                let Ok(header) = Header::peek(&buf[..n]) else { continue };
                match header.token {
                    Token::Ack | Token::Duh => {
                        let Some(acct) = header.account else { continue };
                        if let Some(o) = waiting.remove(&(acct.as_str().to_owned(), header.seq)) {
                            if header.token == Token::Ack {
                                totals.acked.fetch_add(1, Ordering::Relaxed);
                                latencies.push(o.first_sent.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                            } else {
                                totals.duhs.fetch_add(1, Ordering::Relaxed);
                            }
                            if let Some(&i) = index_of.get(&o.device) {
                                slice.busy[i] = false;
                            }
                        }
                    }
                    // A NAK names no account: the message it answers is resent on timeout.
                    _ => { totals.naks.fetch_add(1, Ordering::Relaxed); }
                }
                if plan.closed_loop && sending {
                    for o in due_messages(&plan, &mut slice, &all, &mut sent_count, &mut rng, &totals)? {
                        let _ = socket.send(&o.frame).await;
                        waiting.insert((all[o.device].account.clone(), o.seq), o);
                    }
                }
            }
            _ = tick.tick() => {
                let now = Instant::now();
                for o in waiting.values_mut() {
                    if now.duration_since(o.sent) > plan.timeout {
                        totals.timeouts.fetch_add(1, Ordering::Relaxed);
                        totals.retransmitted.fetch_add(1, Ordering::Relaxed);
                        o.sent = now;
                        let _ = socket.send(&o.frame).await;
                    }
                }
                if !sending {
                    continue;
                }
                for o in due_messages(&plan, &mut slice, &all, &mut sent_count, &mut rng, &totals)? {
                    let _ = socket.send(&o.frame).await;
                    waiting.insert((all[o.device].account.clone(), o.seq), o);
                }
            }
        }
    }
    Ok(latencies)
}

/// Registers one facility and one device per simulated device through the CSV imports.
async fn register(args: &SimulateArgs, devices: &[SimDevice]) -> anyhow::Result<()> {
    let base = args
        .register
        .as_deref()
        .unwrap_or_default()
        .trim_end_matches('/');
    let user = std::env::var("BINHYEN_USER").unwrap_or_else(|_| "admin".into());
    let password = std::env::var("BINHYEN_PASSWORD")
        .context("set BINHYEN_PASSWORD (and BINHYEN_USER) to register devices")?;
    let client = reqwest::Client::new();
    let login: serde_json::Value = client
        .post(format!("{base}/api/auth/login"))
        .json(&serde_json::json!({"username": user, "password": password}))
        .send()
        .await?
        .error_for_status()
        .context("sign-in refused")?
        .json()
        .await?;
    let token = login["token"]
        .as_str()
        .context("no token in sign-in answer")?
        .to_owned();
    let mut rng = StdRng::seed_from_u64(7);
    let mut registered = 0;
    for chunk in devices.chunks(10_000) {
        let mut csv = String::from("name,address,lat,lon,kind,floors\n");
        for d in chunk {
            // Around the centre of Hà Nội, inside the inner wards.
            let lat = 21.0285 + rng.gen_range(-0.02..0.02);
            let lon = 105.8400 + rng.gen_range(-0.02..0.02);
            csv.push_str(&format!(
                "Cơ sở mô phỏng {},Số {} phố mô phỏng,{lat:.6},{lon:.6},office,5\n",
                d.account,
                rng.gen_range(1..300)
            ));
        }
        let report: serde_json::Value = client
            .post(format!("{base}/api/facilities/import?mode=valid-only"))
            .bearer_auth(&token)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await?
            .json()
            .await?;
        let ids: Vec<i64> = report["ids"]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_i64()).collect())
            .unwrap_or_default();
        if ids.len() != chunk.len() {
            anyhow::bail!("facility import failed: {report}");
        }
        let mut csv =
            String::from("account,facility_id,key,key_format,allow_plain,supervision_secs\n");
        for (d, id) in chunk.iter().zip(&ids) {
            csv.push_str(&format!(
                "{},{id},{},hex,{},{}\n",
                d.account,
                if args.encrypt { d.key_hex.as_str() } else { "" },
                !args.encrypt,
                args.supervision_secs
            ));
        }
        let report: serde_json::Value = client
            .post(format!("{base}/api/devices/import?mode=valid-only"))
            .bearer_auth(&token)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await?
            .json()
            .await?;
        registered += report["created"].as_u64().unwrap_or(0);
        if let Some(errors) = report["errors"]
            .as_array()
            .or(report["error"]["rows"].as_array())
        {
            if !errors.is_empty() {
                eprintln!(
                    "{} device rows refused (first: {})",
                    errors.len(),
                    errors[0]
                );
            }
        }
    }
    println!("registered {registered} devices");
    Ok(())
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[idx.min(sorted.len() - 1)]) / 1000.0
}

/// Runs the simulation and prints the report.
pub async fn run(args: SimulateArgs) -> anyhow::Result<()> {
    if args.devices == 0 || args.rate <= 0.0 || args.duration <= 0.0 {
        anyhow::bail!("--devices, --rate and --duration must be positive");
    }
    let devices = devices(&args)?;
    if args.register.is_some() {
        register(&args, &devices).await?;
    }
    let conns = args
        .connections
        .unwrap_or(args.devices.min(1000))
        .clamp(1, args.devices) as usize;
    let plan = Arc::new(Plan {
        rate_per_conn: args.rate / conns as f64,
        closed_loop: args.closed_loop,
        duration: Duration::from_secs_f64(args.duration),
        timeout: Duration::from_secs_f64(args.timeout.max(0.1)),
        fire_every: args.fire_every.map(Duration::from_secs_f64),
        next_fire: Arc::new(AtomicU64::new(
            args.fire_every.map_or(0, |s| (s * 1e6) as u64),
        )),
        started: Instant::now(),
        events: args.events,
    });
    let totals = Arc::new(Totals::default());
    let all = Arc::new(devices);
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..conns {
        let mine: Vec<usize> = (c..all.len()).step_by(conns).collect();
        let (all, plan, totals) = (all.clone(), plan.clone(), totals.clone());
        let target = args.target;
        match args.proto {
            Proto::Tcp => {
                tasks.spawn(
                    async move { Ok(tcp_connection(c, target, all, mine, plan, totals).await) },
                );
            }
            Proto::Udp => {
                tasks.spawn(udp_socket(target, all, mine, plan, totals));
            }
        }
    }
    let mut latencies = Vec::new();
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(Ok(l)) => latencies.extend(l),
            Ok(Err(e)) => eprintln!("a simulated connection failed: {e:#}"),
            Err(e) => eprintln!("a simulated connection panicked: {e}"),
        }
    }
    let elapsed = args.duration;
    latencies.sort_unstable();
    let t = |a: &AtomicU64| a.load(Ordering::Relaxed);
    println!(
        "proto={:?} devices={} connections={} encrypt={} rate={} duration_s={}",
        args.proto, args.devices, conns, args.encrypt, args.rate, args.duration
    );
    println!(
        "sent={} acked={} acks_per_s={:.0} naks={} duhs={} timeouts={} retransmitted={} reconnects={} backlog={} fire_alarms={}",
        t(&totals.sent),
        t(&totals.acked),
        t(&totals.acked) as f64 / elapsed,
        t(&totals.naks),
        t(&totals.duhs),
        t(&totals.timeouts),
        t(&totals.retransmitted),
        t(&totals.reconnects),
        t(&totals.backlog),
        t(&totals.fires),
    );
    println!(
        "ack_latency_ms p50={:.2} p90={:.2} p99={:.2} p999={:.2} max={:.2}",
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.90),
        percentile(&latencies, 0.99),
        percentile(&latencies, 0.999),
        percentile(&latencies, 1.0),
    );
    if t(&totals.acked) == 0 && t(&totals.duhs) == 0 {
        anyhow::bail!(
            "no message was acknowledged by {}: is a receiver listening there, and are the \
             devices registered with these accounts and keys?",
            args.target
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_per_device_and_reproducible() {
        assert_eq!(device_key_hex("s", 1, 128), device_key_hex("s", 1, 128));
        assert_ne!(device_key_hex("s", 1, 128), device_key_hex("s", 2, 128));
        assert_eq!(device_key_hex("s", 1, 256).len(), 64);
        assert!(Key::from_hex(&device_key_hex("s", 3, 192)).is_ok());
    }

    #[test]
    fn devices_round_robin_skips_busy_ones_and_wraps_sequences() {
        let mut s = Slice::new(vec![10, 11]);
        assert_eq!(s.take(), Some((0, 10, 1)));
        assert_eq!(s.take(), Some((1, 11, 1)));
        assert_eq!(s.take(), None);
        s.busy[1] = false;
        s.seq[1] = 9999;
        assert_eq!(s.take(), Some((1, 11, 1)));
    }

    /// A receiver that answers every frame with NAK: the simulated panel sends the same
    /// message again only after its back-off, never at once.
    #[tokio::test]
    async fn a_nak_is_retried_after_a_back_off() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            args: SimulateArgs,
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let target = listener.local_addr().expect("addr");
        let receiver = tokio::spawn(async move {
            let mut seen: Vec<(Instant, Vec<u8>)> = Vec::new();
            let Ok((mut conn, _)) = listener.accept().await else {
                return seen;
            };
            let mut decoder = StreamDecoder::new(MAX_FRAME_LEN);
            let mut buf = [0u8; 4096];
            while let Ok(Ok(n)) =
                tokio::time::timeout(Duration::from_secs(3), conn.read(&mut buf)).await
            {
                if n == 0 {
                    break;
                }
                decoder.feed(&buf[..n]);
                while let Some(Ok(frame)) = decoder.next_frame() {
                    seen.push((Instant::now(), frame.to_vec()));
                    let nak = dc09::nak(Timestamp::from_unix(chrono::Utc::now().timestamp()));
                    if conn.write_all(&nak).await.is_err() {
                        return seen;
                    }
                }
            }
            seen
        });
        let cli = Cli::parse_from([
            "simulate",
            "--target",
            &target.to_string(),
            "--devices",
            "1",
            "--rate",
            "2",
            "--duration",
            "2",
            "--timeout",
            "1",
        ]);
        // Every message was refused: the run says so by failing.
        let outcome = run(cli.args).await;
        assert!(outcome.is_err(), "a run with nothing acknowledged fails");
        let seen = receiver.await.expect("receiver");
        assert!(
            seen.len() >= 2,
            "the message was sent again: {}",
            seen.len()
        );
        for pair in seen.windows(2) {
            if pair[0].1 == pair[1].1 {
                let gap = pair[1].0.duration_since(pair[0].0);
                assert!(
                    gap >= Duration::from_millis(NAK_BACKOFF_MS.start),
                    "retried after {gap:?}"
                );
            }
        }
    }

    #[test]
    fn percentiles_of_sorted_micros() {
        let v: Vec<u32> = (1..=100).map(|x| x * 1000).collect();
        assert_eq!(percentile(&v, 0.5), 51.0);
        assert_eq!(percentile(&v, 1.0), 100.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }
}
