//! What a failed step knew, as data: [`Detail`] carries the facts
//! (host, port, elapsed time, byte counts, the OS's reason) and is the one
//! place they are worded, in upstream's error-buffer shapes ("Failed to
//! connect to 127.0.0.1 port 1 after 0 ms: Couldn't connect to server").
//! An [`crate::Error`] renders its detail once, when it is made.

use std::fmt;
use std::io;

use crate::error::ErrorCode;

/// The step a total-timeout expiry interrupted, which names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step {
    /// Name resolution: "Resolving timed out after N milliseconds".
    Resolving,
    /// TCP connect or TLS handshake: "Connection timed out after N
    /// milliseconds".
    Connecting,
    /// Sending or receiving: "Operation timed out after N milliseconds
    /// with X [out of Y] bytes received".
    Transfer,
}

/// The facts of a failure (what FETCHOPT_ERRORBUFFER receives, rendered).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Detail {
    /// A text written where the failure happened.
    Text(String),
    /// A name did not resolve: "Could not resolve host: {host}".
    Resolve {
        /// The host name.
        host: String,
    },
    /// No address accepted the connection (`reason` FETCHE_COULDNT_CONNECT)
    /// or the connect timeout passed (FETCHE_OPERATION_TIMEDOUT): "Failed
    /// to connect to {host} port {port} after {ms} ms: {reason's text}".
    Connect {
        /// The host as the URL names it.
        host: String,
        /// The port.
        port: u16,
        /// Milliseconds since the transfer started.
        elapsed_ms: u128,
        /// The code whose text follows.
        reason: ErrorCode,
        /// Why no socket could be made, when that was the failure (upstream
        /// says nothing more; the reason is worth keeping): appended as
        /// " (could not open a socket: {local})".
        local: Option<String>,
    },
    /// The connect timeout passed during the TLS handshake: "SSL
    /// connection timeout".
    TlsTimeout,
    /// The total timeout passed.
    Timeout {
        /// What the transfer was doing.
        step: Step,
        /// Milliseconds since the transfer started.
        elapsed_ms: u128,
        /// Body bytes received.
        received: u64,
        /// The expected body size, when the response said.
        expected: Option<u64>,
    },
    /// "Maximum ({max}) redirects followed".
    TooManyRedirects {
        /// The MAXREDIRS limit.
        max: u32,
    },
    /// Reading from the peer failed: "Recv failure: {os reason}".
    Recv {
        /// The operating system's text for the error.
        reason: String,
    },
    /// Writing to the peer failed: "Send failure: {os reason}".
    Send {
        /// The operating system's text for the error.
        reason: String,
    },
    /// The peer's certificate was refused: "SSL certificate problem:
    /// {problem}".
    Certificate {
        /// Why, in upstream's (OpenSSL's) words where there are some.
        problem: String,
    },
    /// The certificate does not name the host: "SSL: no alternative
    /// certificate subject name matches target host name '{host}'".
    CertificateName {
        /// The host the URL names.
        host: String,
    },
    /// The URL's scheme is not one libfetch speaks: "Protocol \"{scheme}\"
    /// not supported or disabled in libfetch".
    UnsupportedProtocol {
        /// The scheme.
        scheme: String,
    },
}

impl Detail {
    /// The OS's text for an I/O error, as C's `strerror` words it (without
    /// Rust's " (os error N)" suffix).
    pub fn os_reason(e: &io::Error) -> String {
        let text = e.to_string();
        match (e.raw_os_error(), text.rfind(" (os error ")) {
            (Some(_), Some(at)) => text[..at].to_owned(),
            _ => text,
        }
    }

    /// "Recv failure: …" for `e`.
    pub fn recv(e: &io::Error) -> Self {
        Self::Recv {
            reason: Self::os_reason(e),
        }
    }

    /// "Send failure: …" for `e`.
    pub fn send(e: &io::Error) -> Self {
        Self::Send {
            reason: Self::os_reason(e),
        }
    }
}

impl fmt::Display for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Text(text) => f.write_str(text),
            Self::Resolve { host } => write!(f, "Could not resolve host: {host}"),
            Self::Connect {
                host,
                port,
                elapsed_ms,
                reason,
                local,
            } => {
                write!(
                    f,
                    "Failed to connect to {host} port {port} after {elapsed_ms} ms: {}",
                    reason.strerror()
                )?;
                match local {
                    Some(why) => write!(f, " (could not open a socket: {why})"),
                    None => Ok(()),
                }
            }
            Self::TlsTimeout => f.write_str("SSL connection timeout"),
            Self::Timeout {
                step: Step::Resolving,
                elapsed_ms,
                ..
            } => write!(f, "Resolving timed out after {elapsed_ms} milliseconds"),
            Self::Timeout {
                step: Step::Connecting,
                elapsed_ms,
                ..
            } => write!(f, "Connection timed out after {elapsed_ms} milliseconds"),
            Self::Timeout {
                elapsed_ms,
                received,
                expected,
                ..
            } => {
                write!(
                    f,
                    "Operation timed out after {elapsed_ms} milliseconds with {received} "
                )?;
                match expected {
                    Some(total) => write!(f, "out of {total} bytes received"),
                    None => f.write_str("bytes received"),
                }
            }
            Self::TooManyRedirects { max } => write!(f, "Maximum ({max}) redirects followed"),
            Self::Recv { reason } => write!(f, "Recv failure: {reason}"),
            Self::Send { reason } => write!(f, "Send failure: {reason}"),
            Self::Certificate { problem } => write!(f, "SSL certificate problem: {problem}"),
            Self::CertificateName { host } => write!(
                f,
                "SSL: no alternative certificate subject name matches target host name '{host}'"
            ),
            Self::UnsupportedProtocol { scheme } => write!(
                f,
                "Protocol \"{scheme}\" not supported or disabled in libfetch"
            ),
        }
    }
}

impl From<String> for Detail {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<&str> for Detail {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_are_upstreams() {
        let connect = Detail::Connect {
            host: "127.0.0.1".into(),
            port: 1,
            elapsed_ms: 0,
            reason: ErrorCode::CouldntConnect,
            local: None,
        };
        assert_eq!(
            connect.to_string(),
            "Failed to connect to 127.0.0.1 port 1 after 0 ms: Couldn't connect to server"
        );
        let timeout = |step, expected| Detail::Timeout {
            step,
            elapsed_ms: 500,
            received: 3,
            expected,
        };
        assert_eq!(
            timeout(Step::Transfer, Some(100)).to_string(),
            "Operation timed out after 500 milliseconds with 3 out of 100 bytes received"
        );
        assert_eq!(
            timeout(Step::Transfer, None).to_string(),
            "Operation timed out after 500 milliseconds with 3 bytes received"
        );
        assert_eq!(
            timeout(Step::Connecting, None).to_string(),
            "Connection timed out after 500 milliseconds"
        );
        let reset = io::Error::from_raw_os_error(libc_econnreset());
        assert_eq!(
            Detail::recv(&reset).to_string(),
            "Recv failure: Connection reset by peer"
        );
    }

    /// ECONNRESET on Linux.
    fn libc_econnreset() -> i32 {
        104
    }
}
