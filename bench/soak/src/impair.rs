//! `fetch-soak impair TUN_A TUN_B SEED`: a userspace netem between two TUN
//! devices. It creates both devices (in the caller's network namespace;
//! the xtask then moves each into its own namespace), prints `ready`, and
//! forwards every IP packet read from one to the other, each direction
//! with the same impairment:
//!
//! - loss: 1 % of packets are dropped;
//! - delay: 20 ms ± 10 ms (uniform), so packets also overtake each other;
//! - reorder: 5 % of packets skip the delay and pass the ones queued.
//!
//! This is `tc qdisc … netem delay 20ms 10ms loss 1% reorder 5%` done in
//! userspace, because the kernels this runs on may not have sch_netem
//! (the development machine's does not). The random stream is seeded, so
//! a run can be repeated. It exits when its stdin closes; the devices go
//! with it.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::Rng;

const LOSS_PERCENT: u64 = 1;
const REORDER_PERCENT: u64 = 5;
const DELAY: Duration = Duration::from_millis(20);
const JITTER_MS: u64 = 10;

/// A packet and when it may leave; the arrival number keeps packets
/// with the same release time in order.
type Held = Reverse<(Instant, u64, Vec<u8>)>;

/// Packets of one direction waiting for their release time.
#[derive(Default)]
struct Queue {
    /// The earliest release time on top.
    heap: Mutex<BinaryHeap<Held>>,
    ready: Condvar,
}

/// Per-direction counts, printed on exit.
#[derive(Default)]
struct Counts {
    forwarded: u64,
    dropped: u64,
    reordered: u64,
}

pub(crate) fn impair(a: &str, b: &str, seed: u64) -> Result<(), String> {
    let tun_a = open_tun(a).map_err(|e| format!("TUN {a}: {e}"))?;
    let tun_b = open_tun(b).map_err(|e| format!("TUN {b}: {e}"))?;
    let clone = |f: &File| f.try_clone().map_err(|e| e.to_string());
    let counts = Arc::new(Mutex::new([Counts::default(), Counts::default()]));
    for (dir, from, to) in [(0, clone(&tun_a)?, clone(&tun_b)?), (1, tun_b, tun_a)] {
        let q = Arc::new(Queue::default());
        let q2 = Arc::clone(&q);
        let c = Arc::clone(&counts);
        let rng = Rng::new(seed ^ (dir as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        std::thread::spawn(move || intake(from, &q, rng, &c, dir));
        std::thread::spawn(move || release(to, &q2));
    }
    println!("ready");
    io::stdout().flush().map_err(|e| e.to_string())?;
    let _ = io::copy(&mut io::stdin(), &mut io::sink());
    let c = counts.lock().unwrap_or_else(|e| e.into_inner());
    for (dir, c) in [("A->B", &c[0]), ("B->A", &c[1])] {
        eprintln!(
            "impair {dir}: forwarded {} dropped {} reordered {}",
            c.forwarded, c.dropped, c.reordered
        );
    }
    Ok(())
}

/// Reads packets, drops some, and queues the rest with a release time.
fn intake(mut from: File, q: &Queue, mut rng: Rng, counts: &Mutex<[Counts; 2]>, dir: usize) {
    let mut buf = vec![0u8; 65536];
    let mut arrival = 0u64;
    loop {
        let n = match from.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return,
        };
        let now = Instant::now();
        arrival += 1;
        let mut c = counts.lock().unwrap_or_else(|e| e.into_inner());
        let c = &mut c[dir];
        if rng.below(100) < LOSS_PERCENT {
            c.dropped += 1;
            continue;
        }
        let at = if rng.below(100) < REORDER_PERCENT {
            c.reordered += 1;
            now
        } else {
            let jitter = rng.below(2 * JITTER_MS * 1000 + 1);
            now + DELAY + Duration::from_micros(jitter) - Duration::from_millis(JITTER_MS)
        };
        c.forwarded += 1;
        q.heap
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Reverse((at, arrival, buf[..n].to_vec())));
        q.ready.notify_one();
    }
}

/// Writes each queued packet out when its time comes.
fn release(mut to: File, q: &Queue) {
    let mut heap = q.heap.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let now = Instant::now();
        match heap.peek() {
            Some(Reverse((at, _, _))) if *at <= now => {
                let Some(Reverse((_, _, pkt))) = heap.pop() else {
                    continue;
                };
                drop(heap);
                // A full device queue drops the packet, as a link would.
                let _ = to.write(&pkt);
                heap = q.heap.lock().unwrap_or_else(|e| e.into_inner());
            }
            Some(Reverse((at, _, _))) => {
                let wait = *at - now;
                heap = q
                    .ready
                    .wait_timeout(heap, wait)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
            None => heap = q.ready.wait(heap).unwrap_or_else(|e| e.into_inner()),
        }
    }
}

/// A new TUN device `name` (IFF_TUN | IFF_NO_PI: bare IP packets), gone
/// when the returned file (and its clones) close.
fn open_tun(name: &str) -> io::Result<File> {
    let file = File::options()
        .read(true)
        .write(true)
        .open("/dev/net/tun")?;
    // SAFETY: an all-zero ifreq is a valid value (empty name, no flags).
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    if name.len() >= req.ifr_name.len() {
        return Err(io::Error::other("interface name too long"));
    }
    for (dst, &src) in req.ifr_name.iter_mut().zip(name.as_bytes()) {
        *dst = src as libc::c_char;
    }
    req.ifr_ifru.ifru_flags = (libc::IFF_TUN | libc::IFF_NO_PI) as libc::c_short;
    // SAFETY: the fd is an open /dev/net/tun and `req` a valid ifreq that
    // TUNSETIFF reads and may write back; both outlive the call.
    let rc = unsafe { libc::ioctl(file.as_raw_fd(), libc::TUNSETIFF, &mut req) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(file)
}
