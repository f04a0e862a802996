//! Result codes: [`MultiError`] mirrors FETCHMcode, [`ErrorCode`] mirrors
//! FETCHcode. The numeric values are the upstream ones; this is the one
//! place where numbers and texts live (STYLE rule 5).

use std::fmt;
use std::sync::Arc;

use crate::failure::Detail;

/// Defines a code enum with its upstream numbers and texts, so each table
/// below is written once and its three mappings cannot drift apart.
macro_rules! code_table {
    (
        $(#[$enum_doc:meta])* $enum:ident;
        $($(#[$doc:meta])* $name:ident = $num:literal, $text:literal;)*
    ) => {
        $(#[$enum_doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $enum {
            $($(#[$doc])* $name,)*
        }

        impl $enum {
            /// The upstream numeric value.
            pub const fn code(self) -> i32 {
                match self { $(Self::$name => $num,)* }
            }

            /// The value for a number, if it is one of the defined ones.
            pub const fn from_code(code: i32) -> Option<Self> {
                match code { $($num => Some(Self::$name),)* _ => None }
            }

            /// A static description, like upstream's strerror functions.
            pub const fn strerror(self) -> &'static str {
                match self { $(Self::$name => $text,)* }
            }
        }
    };
}

code_table! {
    /// A multi-level error, FETCHMcode. Success (FETCHM_OK, 0) is `Ok(_)`.
    MultiError;
    /// FETCHM_BAD_HANDLE: the multi handle is not valid.
    BadHandle = 1, "Invalid multi handle";
    /// FETCHM_BAD_EASY_HANDLE: the transfer is not valid or belongs elsewhere.
    BadEasyHandle = 2, "Invalid easy handle";
    /// FETCHM_OUT_OF_MEMORY: an allocation failed or an array was too small.
    OutOfMemory = 3, "Out of memory";
    /// FETCHM_INTERNAL_ERROR: a library bug.
    InternalError = 4, "Internal error";
    /// FETCHM_BAD_SOCKET: the socket is not one the multi tracks.
    BadSocket = 5, "Invalid socket argument";
    /// FETCHM_UNKNOWN_OPTION: setopt got an unsupported option.
    UnknownOption = 6, "Unknown option";
    /// FETCHM_ADDED_ALREADY: the transfer is already attached to a multi.
    AddedAlready = 7, "The easy handle is already added to a multi handle";
    /// FETCHM_RECURSIVE_API_CALL: a forbidden call made from inside a callback.
    RecursiveApiCall = 8, "API function called from within callback";
    /// FETCHM_WAKEUP_FAILURE: wakeup is unavailable or failed.
    WakeupFailure = 9, "Wakeup is unavailable or failed";
    /// FETCHM_BAD_FUNCTION_ARGUMENT: a parameter value is invalid.
    BadFunctionArgument = 10, "A libfetch function was given a bad argument";
    /// FETCHM_ABORTED_BY_CALLBACK: the socket or timer callback returned failure.
    AbortedByCallback = 11, "Operation was aborted by an application callback";
    /// FETCHM_UNRECOVERABLE_POLL: an internal poll failed fatally.
    UnrecoverablePoll = 12, "Unrecoverable error in select/poll";
}

impl fmt::Display for MultiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (FETCHM code {})", self.strerror(), self.code())
    }
}

impl std::error::Error for MultiError {}

/// `fetch_multi_strerror` for any integer: 0 is "No error", unknown values
/// share one generic text (ERR-03).
pub fn multi_strerror(code: i32) -> &'static str {
    match code {
        0 => "No error",
        -1 => "Please call fetch_multi_perform() soon",
        c => match MultiError::from_code(c) {
            Some(e) => e.strerror(),
            None => "Unknown error",
        },
    }
}

code_table! {
    /// Why a transfer failed, FETCHcode. Success (FETCHE_OK, 0) is not an
    /// error: it is `Ok(())` of the transfer's `Result`.
    ErrorCode;
    /// FETCHE_UNSUPPORTED_PROTOCOL: the URL scheme is not supported.
    UnsupportedProtocol = 1, "Unsupported protocol";
    /// FETCHE_FAILED_INIT.
    FailedInit = 2, "Failed initialization";
    /// FETCHE_URL_MALFORMAT.
    UrlMalformat = 3, "URL using bad/illegal format or missing URL";
    /// FETCHE_NOT_BUILT_IN.
    NotBuiltIn = 4, "A requested feature, protocol or option was not found built-in in this libfetch due to a build-time decision.";
    /// FETCHE_COULDNT_RESOLVE_PROXY.
    CouldntResolveProxy = 5, "Couldn't resolve proxy name";
    /// FETCHE_COULDNT_RESOLVE_HOST.
    CouldntResolveHost = 6, "Couldn't resolve host name";
    /// FETCHE_COULDNT_CONNECT.
    CouldntConnect = 7, "Couldn't connect to server";
    /// FETCHE_WEIRD_SERVER_REPLY.
    WeirdServerReply = 8, "Weird server reply";
    /// FETCHE_REMOTE_ACCESS_DENIED.
    RemoteAccessDenied = 9, "Access denied to remote resource";
    /// FETCHE_FTP_ACCEPT_FAILED.
    FtpAcceptFailed = 10, "FTP: The server failed to connect to data port";
    /// FETCHE_FTP_WEIRD_PASS_REPLY.
    FtpWeirdPassReply = 11, "FTP: unknown PASS reply";
    /// FETCHE_FTP_ACCEPT_TIMEOUT.
    FtpAcceptTimeout = 12, "FTP: Accepting server connect has timed out";
    /// FETCHE_FTP_WEIRD_PASV_REPLY.
    FtpWeirdPasvReply = 13, "FTP: unknown PASV reply";
    /// FETCHE_FTP_WEIRD_227_FORMAT.
    FtpWeird227Format = 14, "FTP: unknown 227 response format";
    /// FETCHE_FTP_CANT_GET_HOST.
    FtpCantGetHost = 15, "FTP: can't figure out the host in the PASV response";
    /// FETCHE_HTTP2.
    Http2 = 16, "Error in the HTTP2 framing layer";
    /// FETCHE_FTP_COULDNT_SET_TYPE.
    FtpCouldntSetType = 17, "FTP: couldn't set file type";
    /// FETCHE_PARTIAL_FILE: the body ended before its announced size.
    PartialFile = 18, "Transferred a partial file";
    /// FETCHE_FTP_COULDNT_RETR_FILE.
    FtpCouldntRetrFile = 19, "FTP: couldn't retrieve (RETR failed) the specified file";
    /// Unused (20).
    Obsolete20 = 20, "Unknown error";
    /// FETCHE_QUOTE_ERROR.
    QuoteError = 21, "Quote command returned error";
    /// FETCHE_HTTP_RETURNED_ERROR.
    HttpReturnedError = 22, "HTTP response code said error";
    /// FETCHE_WRITE_ERROR: the write callback refused the data.
    WriteError = 23, "Failed writing received data to disk/application";
    /// Unused (24).
    Obsolete24 = 24, "Unknown error";
    /// FETCHE_UPLOAD_FAILED.
    UploadFailed = 25, "Upload failed (at start/before it took off)";
    /// FETCHE_READ_ERROR: the read callback failed.
    ReadError = 26, "Failed to open/read local data from file/application";
    /// FETCHE_OUT_OF_MEMORY.
    OutOfMemory = 27, "Out of memory";
    /// FETCHE_OPERATION_TIMEDOUT.
    OperationTimedout = 28, "Timeout was reached";
    /// Unused (29).
    Obsolete29 = 29, "Unknown error";
    /// FETCHE_FTP_PORT_FAILED.
    FtpPortFailed = 30, "FTP: command PORT failed";
    /// FETCHE_FTP_COULDNT_USE_REST.
    FtpCouldntUseRest = 31, "FTP: command REST failed";
    /// Unused (32).
    Obsolete32 = 32, "Unknown error";
    /// FETCHE_RANGE_ERROR.
    RangeError = 33, "Requested range was not delivered by the server";
    /// Unused (34): FETCHE_HTTP_POST_ERROR in older upstreams, whose text it keeps.
    Obsolete34 = 34, "Internal problem setting up the POST";
    /// FETCHE_SSL_CONNECT_ERROR.
    SslConnectError = 35, "SSL connect error";
    /// FETCHE_BAD_DOWNLOAD_RESUME.
    BadDownloadResume = 36, "Couldn't resume download";
    /// FETCHE_FILE_COULDNT_READ_FILE.
    FileCouldntReadFile = 37, "Couldn't read a file:// file";
    /// FETCHE_LDAP_CANNOT_BIND.
    LdapCannotBind = 38, "LDAP: cannot bind";
    /// FETCHE_LDAP_SEARCH_FAILED.
    LdapSearchFailed = 39, "LDAP: search failed";
    /// Unused (40).
    Obsolete40 = 40, "Unknown error";
    /// Unused (41): FETCHE_FUNCTION_NOT_FOUND in older upstreams, whose text it keeps.
    Obsolete41 = 41, "A required function in the library was not found";
    /// FETCHE_ABORTED_BY_CALLBACK.
    AbortedByCallback = 42, "Operation was aborted by an application callback";
    /// FETCHE_BAD_FUNCTION_ARGUMENT.
    BadFunctionArgument = 43, "A libfetch function was given a bad argument";
    /// Unused (44).
    Obsolete44 = 44, "Unknown error";
    /// FETCHE_INTERFACE_FAILED.
    InterfaceFailed = 45, "Failed binding local connection end";
    /// Unused (46).
    Obsolete46 = 46, "Unknown error";
    /// FETCHE_TOO_MANY_REDIRECTS.
    TooManyRedirects = 47, "Number of redirects hit maximum amount";
    /// FETCHE_UNKNOWN_OPTION.
    UnknownOption = 48, "An unknown option was passed in to libfetch";
    /// FETCHE_SETOPT_OPTION_SYNTAX.
    SetoptOptionSyntax = 49, "Malformed option provided in a setopt";
    /// Unused (50).
    Obsolete50 = 50, "Unknown error";
    /// Unused (51).
    Obsolete51 = 51, "Unknown error";
    /// FETCHE_GOT_NOTHING: the server closed without sending anything.
    GotNothing = 52, "Server returned nothing (no headers, no data)";
    /// FETCHE_SSL_ENGINE_NOTFOUND.
    SslEngineNotfound = 53, "SSL crypto engine not found";
    /// FETCHE_SSL_ENGINE_SETFAILED.
    SslEngineSetfailed = 54, "Can not set SSL crypto engine as default";
    /// FETCHE_SEND_ERROR.
    SendError = 55, "Failed sending data to the peer";
    /// FETCHE_RECV_ERROR.
    RecvError = 56, "Failure when receiving data from the peer";
    /// Unused (57).
    Obsolete57 = 57, "Unknown error";
    /// FETCHE_SSL_CERTPROBLEM.
    SslCertproblem = 58, "Problem with the local SSL certificate";
    /// FETCHE_SSL_CIPHER.
    SslCipher = 59, "Couldn't use specified SSL cipher";
    /// FETCHE_PEER_FAILED_VERIFICATION.
    PeerFailedVerification = 60, "SSL peer certificate or SSH remote key was not OK";
    /// FETCHE_BAD_CONTENT_ENCODING.
    BadContentEncoding = 61, "Unrecognized or bad HTTP Content or Transfer-Encoding";
    /// Unused (62).
    Obsolete62 = 62, "Unknown error";
    /// FETCHE_FILESIZE_EXCEEDED.
    FilesizeExceeded = 63, "Maximum file size exceeded";
    /// FETCHE_USE_SSL_FAILED.
    UseSslFailed = 64, "Requested SSL level failed";
    /// FETCHE_SEND_FAIL_REWIND.
    SendFailRewind = 65, "Send failed since rewinding of the data stream failed";
    /// FETCHE_SSL_ENGINE_INITFAILED.
    SslEngineInitfailed = 66, "Failed to initialise SSL crypto engine";
    /// FETCHE_LOGIN_DENIED.
    LoginDenied = 67, "Login denied";
    /// FETCHE_TFTP_NOTFOUND.
    TftpNotfound = 68, "TFTP: File Not Found";
    /// FETCHE_TFTP_PERM.
    TftpPerm = 69, "TFTP: Access Violation";
    /// FETCHE_REMOTE_DISK_FULL.
    RemoteDiskFull = 70, "Disk full or allocation exceeded";
    /// FETCHE_TFTP_ILLEGAL.
    TftpIllegal = 71, "TFTP: Illegal operation";
    /// FETCHE_TFTP_UNKNOWNID.
    TftpUnknownid = 72, "TFTP: Unknown transfer ID";
    /// FETCHE_REMOTE_FILE_EXISTS.
    RemoteFileExists = 73, "Remote file already exists";
    /// FETCHE_TFTP_NOSUCHUSER.
    TftpNosuchuser = 74, "TFTP: No such user";
    /// Unused (75).
    Obsolete75 = 75, "Unknown error";
    /// Unused (76).
    Obsolete76 = 76, "Unknown error";
    /// FETCHE_SSL_CACERT_BADFILE.
    SslCacertBadfile = 77, "Problem with the SSL CA cert (path? access rights?)";
    /// FETCHE_REMOTE_FILE_NOT_FOUND.
    RemoteFileNotFound = 78, "Remote file not found";
    /// FETCHE_SSH.
    Ssh = 79, "Error in the SSH layer";
    /// FETCHE_SSL_SHUTDOWN_FAILED.
    SslShutdownFailed = 80, "Failed to shut down the SSL connection";
    /// FETCHE_AGAIN.
    Again = 81, "Socket not ready for send/recv";
    /// FETCHE_SSL_CRL_BADFILE.
    SslCrlBadfile = 82, "Failed to load CRL file (path? access rights?, format?)";
    /// FETCHE_SSL_ISSUER_ERROR.
    SslIssuerError = 83, "Issuer check against peer certificate failed";
    /// FETCHE_FTP_PRET_FAILED.
    FtpPretFailed = 84, "FTP: The server did not accept the PRET command.";
    /// FETCHE_RTSP_CSEQ_ERROR.
    RtspCseqError = 85, "RTSP CSeq mismatch or invalid CSeq";
    /// FETCHE_RTSP_SESSION_ERROR.
    RtspSessionError = 86, "RTSP session error";
    /// FETCHE_FTP_BAD_FILE_LIST.
    FtpBadFileList = 87, "Unable to parse FTP file list";
    /// FETCHE_CHUNK_FAILED.
    ChunkFailed = 88, "Chunk callback failed";
    /// FETCHE_NO_CONNECTION_AVAILABLE.
    NoConnectionAvailable = 89, "The max connection limit is reached";
    /// FETCHE_SSL_PINNEDPUBKEYNOTMATCH.
    SslPinnedpubkeynotmatch = 90, "SSL public key does not match pinned public key";
    /// FETCHE_SSL_INVALIDCERTSTATUS.
    SslInvalidcertstatus = 91, "SSL server certificate status verification FAILED";
    /// FETCHE_HTTP2_STREAM.
    Http2Stream = 92, "Stream error in the HTTP/2 framing layer";
    /// FETCHE_RECURSIVE_API_CALL.
    RecursiveApiCall = 93, "API function called from within callback";
    /// FETCHE_AUTH_ERROR.
    AuthError = 94, "An authentication function returned an error";
    /// FETCHE_HTTP3.
    Http3 = 95, "HTTP/3 error";
    /// FETCHE_QUIC_CONNECT_ERROR.
    QuicConnectError = 96, "QUIC connection error";
    /// FETCHE_PROXY.
    Proxy = 97, "proxy handshake error";
    /// FETCHE_SSL_CLIENTCERT.
    SslClientcert = 98, "SSL Client Certificate required";
    /// FETCHE_UNRECOVERABLE_POLL.
    UnrecoverablePoll = 99, "Unrecoverable error in select/poll";
    /// FETCHE_TOO_LARGE: a response part (such as the head) exceeded a limit.
    TooLarge = 100, "A value or data field grew larger than allowed";
    /// FETCHE_ECH_REQUIRED.
    EchRequired = 101, "ECH attempted but failed";
}

/// `fetch_easy_strerror` for any integer: 0 is "No error", unknown values
/// share one generic text.
pub fn easy_strerror(code: i32) -> &'static str {
    match code {
        0 => "No error",
        c => match ErrorCode::from_code(c) {
            Some(e) => e.strerror(),
            None => "Unknown error",
        },
    }
}

/// A failed transfer: its FETCHcode plus what failed ([`Detail`], the
/// facts, rendered once into the text FETCHOPT_ERRORBUFFER receives), and
/// the underlying I/O or TLS error where there is one
/// ([`std::error::Error::source`]). Two errors are equal when their code
/// and detail are.
#[derive(Debug, Clone)]
pub struct Error {
    code: ErrorCode,
    /// Boxed: errors travel in `Result`s and should stay small.
    failure: Box<Detail>,
    detail: String,
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl PartialEq for Error {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code && self.detail == other.detail
    }
}

impl Eq for Error {}

impl Error {
    /// An error with a code and what failed (a [`Detail`], or a text).
    pub fn new(code: ErrorCode, detail: impl Into<Detail>) -> Self {
        let failure = detail.into();
        Self {
            code,
            detail: failure.to_string(),
            failure: Box::new(failure),
            source: None,
        }
    }

    /// What failed, as data.
    pub fn failure(&self) -> &Detail {
        &self.failure
    }

    /// Keeps `source` (an I/O or TLS error) as the cause.
    pub(crate) fn caused_by(
        mut self,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        self.source = Some(Arc::new(source));
        self
    }

    /// The FETCHcode.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The detail text (never empty; falls back to the code's text).
    pub fn detail(&self) -> &str {
        if self.detail.is_empty() {
            self.code.strerror()
        } else {
            &self.detail
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (FETCHE code {})", self.detail(), self.code.code())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_codes_roundtrip_and_strerror_err03() {
        let mut seen = std::collections::HashSet::new();
        for c in 1..=12 {
            let e = MultiError::from_code(c).expect("defined");
            assert_eq!(e.code(), c);
            assert!(seen.insert(multi_strerror(c)), "distinct text for {c}");
        }
        assert!(seen.insert(multi_strerror(0)));
        for c in 13..=20 {
            assert_eq!(multi_strerror(c), "Unknown error");
        }
    }

    #[test]
    fn easy_codes_roundtrip() {
        for c in 1..=101 {
            assert_eq!(ErrorCode::from_code(c).expect("defined").code(), c);
        }
        // Success is not an error code.
        assert_eq!(ErrorCode::from_code(0), None);
        assert_eq!(easy_strerror(0), "No error");
        assert_eq!(ErrorCode::from_code(102), None);
        assert_eq!(easy_strerror(-5), "Unknown error");
    }
}
