//! # fetch-core: the libfetch multi engine
//!
//! An event-driven HTTP/1.1 client engine with the semantics of the
//! upstream *multi socket* interface: the application owns the event loop;
//! the engine says which sockets to watch ([`Multi::set_socket_function`])
//! and when to wake it ([`Multi::set_timer_function`]); the application
//! says what happened ([`Multi::socket_action`]) and reads finished
//! transfers with [`Multi::info_read`].
//!
//! What it does **not** do: wait. There is no poller here and no blocking
//! call; `fetch-poll` adds readiness backends and a built-in loop on top.
//! Name lookups of non-literal hosts run on worker threads and report back
//! through an internal socket announced like any other.
//!
//! ```text
//!  app loop ──socket_action(fd|Timeout, events)──▶ Multi ──▶ transfers ─▶ HTTP codec
//!     ▲                                              │            (sans-IO)
//!     └── socket callback (IN/OUT/INOUT/REMOVE) ◀────┤
//!     └── timer callback (Some(d) | None)       ◀────┘  info_read() ─▶ DONE messages
//! ```
//!
//! ## The application loop
//!
//! ```no_run
//! use std::collections::HashMap;
//! use std::sync::{Arc, Mutex};
//! use std::time::Duration;
//! use fetch_core::{Easy, Events, Interest, Multi, Target};
//!
//! let wanted = Arc::new(Mutex::new(HashMap::new())); // fd -> interest
//! let timer = Arc::new(Mutex::new(None::<Duration>));
//! let mut multi = Multi::new();
//! let w = wanted.clone();
//! multi.set_socket_function(move |_ctx, ev| {
//!     let mut w = w.lock().unwrap();
//!     if ev.interest == Interest::Remove { w.remove(&ev.socket); } else { w.insert(ev.socket, ev.interest); }
//!     Ok(())
//! });
//! let t = timer.clone();
//! multi.set_timer_function(move |d| { *t.lock().unwrap() = d; Ok(()) });
//! multi.add(Easy::with_url("http://127.0.0.1:8080/")).unwrap();
//! loop {
//!     // Wait (epoll, mio, ...) on `wanted` for at most `timer`; then, for
//!     // each ready socket: multi.socket_action(Target::Socket(fd), Events::IN)
//!     // and when the timer expires:
//!     let running = multi.socket_action(Target::Timeout, Events::NONE).unwrap();
//!     while let Some((msg, _left)) = multi.info_read() {
//!         println!("{:?} finished: {:?}", msg.transfer, msg.result);
//!     }
//!     if running == 0 { break; }
//! }
//! ```
//!
//! ## Where things are
//!
//! | module | concern |
//! |---|---|
//! | `multi` | [`Multi`]'s public API and the shape of every call |
//! | `multi::ids` | typed keys (`TransferKey`, `ConnKey`) and the tables they index |
//! | `multi::transfer` | a transfer's phases (per-phase data in the `Phase` variants), deadline kinds, the state machine, redirects |
//! | `multi::connect` | resolve, non-blocking connect attempts, the TLS handshake |
//! | `multi::request` / `multi::response` | the HTTP/1.1 exchange: head, framing, upload, reading, decoding, delivery |
//! | `multi::body` | a body's route to the write callback: content decoding, raw framing, MAXFILESIZE |
//! | `multi::conn` / `multi::pool` | a connection's I/O; the keep-alive pool, limits and wait queues |
//! | `multi::deadlines` | the deadline queue (one entry per live transfer) |
//! | `multi::report` | the only call sites of the socket and timer callbacks |
//! | `multi::control` | pause, progress, speed limits, 100-continue, timings |
//! | `socket` | the socket table: interest wanted vs. reported, `assign` values |
//! | `http` | the sans-IO HTTP/1.1 codec (`request`, `response`) |
//! | `decode` | sans-IO content decoders: gzip, deflate, br, zstd and chains of them |
//! | `tls` | rustls configurations and error mapping |
//! | `resolve` | the process-wide resolver pool and its wakeup socket |
//! | `easy` / `method` / `error` / `clock` / `dest` | configuration, the request method, codes, time, parsed URLs |
//! | `connopts` | connection control: RESOLVE, CONNECT_TO, binding, socket tuning, pool ages, PREREQ |
//! | `xfer` / `multi::xfer` | transfer options (FAILONERROR, RANGE, REFERER, time conditions...) and what they do |
//! | `live` | [`LiveInfo`]: a transfer's info as of its latest callback |
//! | [`headers`] | [`HeaderLog`]: the received header lines per request (the header API) |
//! | [`failure`] | [`failure::Detail`]: what failed, worded as upstream's error buffer |
//! | `date` | [`getdate`]: dates as upstream's getdate reads them |
//! | [`mime`] | multipart/form-data bodies streamed by [`Easy::mime_post`] |
//! | [`faults`] | fault injection for torture runs (feature `fault-injection`) |
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod altsvc;
mod auth;
mod cachefile;
mod callback_types;
#[cfg(feature = "checked")]
pub mod checked;
mod clock;
mod connopts;
pub mod cookies;
mod date;
mod decode;
mod dest;
mod easy;
mod error;
pub mod failure;
pub mod faults;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
mod h2;
pub mod headers;
mod hsts;
mod http;
mod live;
mod method;
pub mod mime;
mod multi;
mod pinning;
mod proxy;
mod rare;
mod resolve;
mod share;
mod socket;
mod tls;
mod transfer_info;
mod version;
mod xfer;

pub use altsvc::{Alpn, AltSvcCache, AltSvcEntry, SharedAltSvc};
pub use auth::HttpAuth;
pub use clock::Clock;
pub use connopts::{
    ConnOptions, DEFAULT_DNS_CACHE_TIMEOUT, DEFAULT_HAPPY_EYEBALLS_TIMEOUT, DEFAULT_KEEPALIVE,
    DEFAULT_MAX_AGE, DEFAULT_UPLOAD_BUFFER, IpResolve, Prereq, PrereqFn, UnixSocket,
};
pub use cookies::{Cookie, CookieJar, SameSite, SharedCookieJar};
pub use date::getdate;
pub use easy::{
    CloseSocketFn, DEFAULT_CONNECT_TIMEOUT, DEFAULT_EXPECT_100_TIMEOUT, DEFAULT_MAX_REDIRS,
    DebugFn, Easy, Flow, HeaderFn, InfoType, Method, OpenSocketFn, Progress, ProgressFn, ReadFn,
    ReadResult, SeekFn, SeekResult, SharedIo, SockOpt, SockoptFn, TransferInfo, WriteFn,
};
pub use error::{Error, ErrorCode, MultiError, easy_strerror, multi_strerror};
pub use headers::{HeaderError, HeaderLog};
pub use hsts::{HstsCache, HstsEntry, HstsRead, HstsReadFn, SharedHsts, now_secs as hsts_now};
pub use live::LiveInfo;
pub use multi::{Abort, AddError, Message, Multi, Pause, PushAction, PushPromise, TransferId};
pub use proxy::{ProxyOptions, ProxyType};
pub use share::{LockAccess, LockData, Share, ShareError, ShareLock};
pub use socket::{Events, Interest, SOCKET_TIMEOUT, Socket, SocketContext, SocketEvent, Target};
pub use tls::{Password, TlsOptions, TlsVersion};
pub use version::HttpVersion;
pub use xfer::{PostRedirect, Protocols, TimeCondition};
