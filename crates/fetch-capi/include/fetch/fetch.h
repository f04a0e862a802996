#ifndef LIBFETCH_FETCH_H
#define LIBFETCH_FETCH_H
/*
 * <fetch/fetch.h>: the libfetch C API.
 *
 * libcurl's API under fetch names: every name of upstream's public headers
 * with `curl`/`CURL` spelled `fetch`/`FETCH`, and the same numbers. What
 * libfetch does not implement is still declared, so a renamed program
 * compiles and links; at run time it answers with the "not built in" code
 * of its family (ABI.md in the fetch-capi crate lists them).
 *
 * setopt/getinfo are macros over typed entry points: fetch_easy_setopt(h,
 * opt, value) picks fetch_easy_setopt_long/_off_t/_ptr/_func from the type
 * of `value` with C11 _Generic.
 */

/* The system headers upstream's curl.h pulls in, so programs that get
   FILE, stderr, struct tm, time_t, fd_set or struct sockaddr through it
   keep compiling. */
#include <stdio.h>
#include <stdarg.h>
#include <limits.h>
#include <time.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/select.h>
/* What libfetch's own declarations use. */
#include <stddef.h>
#include <stdint.h>
#include <inttypes.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- version ---- */

#define LIBFETCH_VERSION "0.1.0"
#define LIBFETCH_VERSION_MAJOR 0
#define LIBFETCH_VERSION_MINOR 1
#define LIBFETCH_VERSION_PATCH 0
#define LIBFETCH_VERSION_NUM 0x000100
#define LIBFETCH_COPYRIGHT "the libfetch authors"
#define LIBFETCH_TIMESTAMP "[unreleased]"
#define FETCH_VERSION_BITS(x, y, z) ((x) << 16 | (y) << 8 | (z))
#define FETCH_AT_LEAST_VERSION(x, y, z) \
  (LIBFETCH_VERSION_NUM >= FETCH_VERSION_BITS(x, y, z))

/* ---- declaration helpers ---- */

/* Declarations need no decoration: the library exports what it defines. */
#define FETCH_EXTERN
#define FETCH_ISOCPP
/* libfetch marks nothing deprecated; the helpers exist for programs that
   use them. */
#define FETCH_DEPRECATED(version, message)
#define FETCH_IGNORE_DEPRECATION(statements) statements
/* The option enum's own helpers. */
#define FETCHOPT(name, type, number) name = type + number
#define FETCHOPTDEPRECATED(name, type, number, version, message) name = type + number

/* ---- basic types ---- */

typedef int64_t fetch_off_t;
#define FETCH_TYPEOF_FETCH_OFF_T int64_t
#define FETCH_FORMAT_FETCH_OFF_T PRId64
#define FETCH_FORMAT_FETCH_OFF_TU PRIu64
#if INT64_MAX == LONG_MAX
#define FETCH_SUFFIX_FETCH_OFF_T L
#define FETCH_SUFFIX_FETCH_OFF_TU UL
#else
#define FETCH_SUFFIX_FETCH_OFF_T LL
#define FETCH_SUFFIX_FETCH_OFF_TU ULL
#endif
#define FETCH_OFF_T_C(value) INT64_C(value)
#define FETCH_OFF_TU_C(value) UINT64_C(value)
typedef socklen_t fetch_socklen_t;
#define FETCH_TYPEOF_FETCH_SOCKLEN_T socklen_t
/* This header includes <sys/types.h> and <sys/socket.h> itself. */
#define FETCH_PULL_SYS_TYPES_H 1
#define FETCH_PULL_SYS_SOCKET_H 1

typedef void FETCH;
typedef void FETCHSH;
typedef void FETCHM;
typedef int fetch_socket_t;
#define fetch_socket_typedef
#define FETCH_SOCKET_BAD (-1)
#define FETCH_ERROR_SIZE 256

/* A generic function pointer for the _func entry points. */
typedef void (*fetch_func)(void);

struct fetch_slist {
  char *data;
  struct fetch_slist *next;
};

typedef enum {
  FETCHE_OK = 0,
  FETCHE_UNSUPPORTED_PROTOCOL = 1,
  FETCHE_FAILED_INIT = 2,
  FETCHE_URL_MALFORMAT = 3,
  FETCHE_NOT_BUILT_IN = 4,
  FETCHE_COULDNT_RESOLVE_PROXY = 5,
  FETCHE_COULDNT_RESOLVE_HOST = 6,
  FETCHE_COULDNT_CONNECT = 7,
  FETCHE_WEIRD_SERVER_REPLY = 8,
  FETCHE_REMOTE_ACCESS_DENIED = 9,
  FETCHE_FTP_ACCEPT_FAILED = 10,
  FETCHE_FTP_WEIRD_PASS_REPLY = 11,
  FETCHE_FTP_ACCEPT_TIMEOUT = 12,
  FETCHE_FTP_WEIRD_PASV_REPLY = 13,
  FETCHE_FTP_WEIRD_227_FORMAT = 14,
  FETCHE_FTP_CANT_GET_HOST = 15,
  FETCHE_HTTP2 = 16,
  FETCHE_FTP_COULDNT_SET_TYPE = 17,
  FETCHE_PARTIAL_FILE = 18,
  FETCHE_FTP_COULDNT_RETR_FILE = 19,
  FETCHE_OBSOLETE20 = 20,
  FETCHE_QUOTE_ERROR = 21,
  FETCHE_HTTP_RETURNED_ERROR = 22,
  FETCHE_WRITE_ERROR = 23,
  FETCHE_OBSOLETE24 = 24,
  FETCHE_UPLOAD_FAILED = 25,
  FETCHE_READ_ERROR = 26,
  FETCHE_OUT_OF_MEMORY = 27,
  FETCHE_OPERATION_TIMEDOUT = 28,
  FETCHE_OBSOLETE29 = 29,
  FETCHE_FTP_PORT_FAILED = 30,
  FETCHE_FTP_COULDNT_USE_REST = 31,
  FETCHE_OBSOLETE32 = 32,
  FETCHE_RANGE_ERROR = 33,
  FETCHE_OBSOLETE34 = 34,
  FETCHE_SSL_CONNECT_ERROR = 35,
  FETCHE_BAD_DOWNLOAD_RESUME = 36,
  FETCHE_FILE_COULDNT_READ_FILE = 37,
  FETCHE_LDAP_CANNOT_BIND = 38,
  FETCHE_LDAP_SEARCH_FAILED = 39,
  FETCHE_OBSOLETE40 = 40,
  FETCHE_OBSOLETE41 = 41,
  FETCHE_ABORTED_BY_CALLBACK = 42,
  FETCHE_BAD_FUNCTION_ARGUMENT = 43,
  FETCHE_OBSOLETE44 = 44,
  FETCHE_INTERFACE_FAILED = 45,
  FETCHE_OBSOLETE46 = 46,
  FETCHE_TOO_MANY_REDIRECTS = 47,
  FETCHE_UNKNOWN_OPTION = 48,
  FETCHE_SETOPT_OPTION_SYNTAX = 49,
  FETCHE_OBSOLETE50 = 50,
  FETCHE_OBSOLETE51 = 51,
  FETCHE_GOT_NOTHING = 52,
  FETCHE_SSL_ENGINE_NOTFOUND = 53,
  FETCHE_SSL_ENGINE_SETFAILED = 54,
  FETCHE_SEND_ERROR = 55,
  FETCHE_RECV_ERROR = 56,
  FETCHE_OBSOLETE57 = 57,
  FETCHE_SSL_CERTPROBLEM = 58,
  FETCHE_SSL_CIPHER = 59,
  FETCHE_PEER_FAILED_VERIFICATION = 60,
  FETCHE_BAD_CONTENT_ENCODING = 61,
  FETCHE_OBSOLETE62 = 62,
  FETCHE_FILESIZE_EXCEEDED = 63,
  FETCHE_USE_SSL_FAILED = 64,
  FETCHE_SEND_FAIL_REWIND = 65,
  FETCHE_SSL_ENGINE_INITFAILED = 66,
  FETCHE_LOGIN_DENIED = 67,
  FETCHE_TFTP_NOTFOUND = 68,
  FETCHE_TFTP_PERM = 69,
  FETCHE_REMOTE_DISK_FULL = 70,
  FETCHE_TFTP_ILLEGAL = 71,
  FETCHE_TFTP_UNKNOWNID = 72,
  FETCHE_REMOTE_FILE_EXISTS = 73,
  FETCHE_TFTP_NOSUCHUSER = 74,
  FETCHE_OBSOLETE75 = 75,
  FETCHE_OBSOLETE76 = 76,
  FETCHE_SSL_CACERT_BADFILE = 77,
  FETCHE_REMOTE_FILE_NOT_FOUND = 78,
  FETCHE_SSH = 79,
  FETCHE_SSL_SHUTDOWN_FAILED = 80,
  FETCHE_AGAIN = 81,
  FETCHE_SSL_CRL_BADFILE = 82,
  FETCHE_SSL_ISSUER_ERROR = 83,
  FETCHE_FTP_PRET_FAILED = 84,
  FETCHE_RTSP_CSEQ_ERROR = 85,
  FETCHE_RTSP_SESSION_ERROR = 86,
  FETCHE_FTP_BAD_FILE_LIST = 87,
  FETCHE_CHUNK_FAILED = 88,
  FETCHE_NO_CONNECTION_AVAILABLE = 89,
  FETCHE_SSL_PINNEDPUBKEYNOTMATCH = 90,
  FETCHE_SSL_INVALIDCERTSTATUS = 91,
  FETCHE_HTTP2_STREAM = 92,
  FETCHE_RECURSIVE_API_CALL = 93,
  FETCHE_AUTH_ERROR = 94,
  FETCHE_HTTP3 = 95,
  FETCHE_QUIC_CONNECT_ERROR = 96,
  FETCHE_PROXY = 97,
  FETCHE_SSL_CLIENTCERT = 98,
  FETCHE_UNRECOVERABLE_POLL = 99,
  FETCHE_TOO_LARGE = 100,
  FETCHE_ECH_REQUIRED = 101,
  FETCHE_LAST = 102 /* never used */
} FETCHcode;
/* Older names of codes 34 and 41, and of the end marker. */
#define FETCHE_HTTP_POST_ERROR FETCHE_OBSOLETE34
#define FETCHE_FUNCTION_NOT_FOUND FETCHE_OBSOLETE41
#define FETCH_LAST FETCHE_LAST

typedef enum {
  FETCHM_CALL_MULTI_PERFORM = -1,
  FETCHM_OK = 0,
  FETCHM_BAD_HANDLE = 1,
  FETCHM_BAD_EASY_HANDLE = 2,
  FETCHM_OUT_OF_MEMORY = 3,
  FETCHM_INTERNAL_ERROR = 4,
  FETCHM_BAD_SOCKET = 5,
  FETCHM_UNKNOWN_OPTION = 6,
  FETCHM_ADDED_ALREADY = 7,
  FETCHM_RECURSIVE_API_CALL = 8,
  FETCHM_WAKEUP_FAILURE = 9,
  FETCHM_BAD_FUNCTION_ARGUMENT = 10,
  FETCHM_ABORTED_BY_CALLBACK = 11,
  FETCHM_UNRECOVERABLE_POLL = 12,
  FETCHM_LAST = 13
} FETCHMcode;

/* ---- enumerations ---- */

typedef enum {
  FETCHSSLBACKEND_NONE = 0,
  FETCHSSLBACKEND_OPENSSL = 1,
  FETCHSSLBACKEND_GNUTLS = 2,
  FETCHSSLBACKEND_NSS = 3,
  FETCHSSLBACKEND_OBSOLETE4 = 4,
  FETCHSSLBACKEND_GSKIT = 5,
  FETCHSSLBACKEND_POLARSSL = 6,
  FETCHSSLBACKEND_WOLFSSL = 7,
  FETCHSSLBACKEND_SCHANNEL = 8,
  FETCHSSLBACKEND_SECURETRANSPORT = 9,
  FETCHSSLBACKEND_AXTLS = 10,
  FETCHSSLBACKEND_MBEDTLS = 11,
  FETCHSSLBACKEND_MESALINK = 12,
  FETCHSSLBACKEND_BEARSSL = 13,
  FETCHSSLBACKEND_RUSTLS = 14
} fetch_sslbackend;

typedef enum {
  FETCHFILETYPE_FILE = 0,
  FETCHFILETYPE_DIRECTORY = 1,
  FETCHFILETYPE_SYMLINK = 2,
  FETCHFILETYPE_DEVICE_BLOCK = 3,
  FETCHFILETYPE_DEVICE_CHAR = 4,
  FETCHFILETYPE_NAMEDPIPE = 5,
  FETCHFILETYPE_SOCKET = 6,
  FETCHFILETYPE_DOOR = 7,
  FETCHFILETYPE_UNKNOWN = 8
} fetchfiletype;

typedef enum {
  FETCHSOCKTYPE_IPCXN = 0,
  FETCHSOCKTYPE_ACCEPT = 1,
  FETCHSOCKTYPE_LAST = 2
} fetchsocktype;

typedef enum {
  FETCHIOE_OK = 0,
  FETCHIOE_UNKNOWNCMD = 1,
  FETCHIOE_FAILRESTART = 2,
  FETCHIOE_LAST = 3
} fetchioerr;

typedef enum {
  FETCHIOCMD_NOP = 0,
  FETCHIOCMD_RESTARTREAD = 1,
  FETCHIOCMD_LAST = 2
} fetchiocmd;

typedef enum {
  FETCHINFO_TEXT = 0,
  FETCHINFO_HEADER_IN = 1,
  FETCHINFO_HEADER_OUT = 2,
  FETCHINFO_DATA_IN = 3,
  FETCHINFO_DATA_OUT = 4,
  FETCHINFO_SSL_DATA_IN = 5,
  FETCHINFO_SSL_DATA_OUT = 6,
  FETCHINFO_END = 7
} fetch_infotype;

typedef enum {
  FETCHPX_OK = 0,
  FETCHPX_BAD_ADDRESS_TYPE = 1,
  FETCHPX_BAD_VERSION = 2,
  FETCHPX_CLOSED = 3,
  FETCHPX_GSSAPI = 4,
  FETCHPX_GSSAPI_PERMSG = 5,
  FETCHPX_GSSAPI_PROTECTION = 6,
  FETCHPX_IDENTD = 7,
  FETCHPX_IDENTD_DIFFER = 8,
  FETCHPX_LONG_HOSTNAME = 9,
  FETCHPX_LONG_PASSWD = 10,
  FETCHPX_LONG_USER = 11,
  FETCHPX_NO_AUTH = 12,
  FETCHPX_RECV_ADDRESS = 13,
  FETCHPX_RECV_AUTH = 14,
  FETCHPX_RECV_CONNECT = 15,
  FETCHPX_RECV_REQACK = 16,
  FETCHPX_REPLY_ADDRESS_TYPE_NOT_SUPPORTED = 17,
  FETCHPX_REPLY_COMMAND_NOT_SUPPORTED = 18,
  FETCHPX_REPLY_CONNECTION_REFUSED = 19,
  FETCHPX_REPLY_GENERAL_SERVER_FAILURE = 20,
  FETCHPX_REPLY_HOST_UNREACHABLE = 21,
  FETCHPX_REPLY_NETWORK_UNREACHABLE = 22,
  FETCHPX_REPLY_NOT_ALLOWED = 23,
  FETCHPX_REPLY_TTL_EXPIRED = 24,
  FETCHPX_REPLY_UNASSIGNED = 25,
  FETCHPX_REQUEST_FAILED = 26,
  FETCHPX_RESOLVE_HOST = 27,
  FETCHPX_SEND_AUTH = 28,
  FETCHPX_SEND_CONNECT = 29,
  FETCHPX_SEND_REQUEST = 30,
  FETCHPX_UNKNOWN_FAIL = 31,
  FETCHPX_UNKNOWN_MODE = 32,
  FETCHPX_USER_REJECTED = 33,
  FETCHPX_LAST = 34
} FETCHproxycode;

typedef enum {
  FETCHPROXY_HTTP = 0,
  FETCHPROXY_HTTP_1_0 = 1,
  FETCHPROXY_HTTPS = 2,
  FETCHPROXY_SOCKS4 = 4,
  FETCHPROXY_SOCKS5 = 5,
  FETCHPROXY_SOCKS4A = 6,
  FETCHPROXY_SOCKS5_HOSTNAME = 7
} fetch_proxytype;

enum fetch_khtype {
  FETCHKHTYPE_UNKNOWN = 0,
  FETCHKHTYPE_RSA1 = 1,
  FETCHKHTYPE_RSA = 2,
  FETCHKHTYPE_DSS = 3,
  FETCHKHTYPE_ECDSA = 4,
  FETCHKHTYPE_ED25519 = 5
};

enum fetch_khstat {
  FETCHKHSTAT_FINE_ADD_TO_FILE = 0,
  FETCHKHSTAT_FINE = 1,
  FETCHKHSTAT_REJECT = 2,
  FETCHKHSTAT_DEFER = 3,
  FETCHKHSTAT_FINE_REPLACE = 4,
  FETCHKHSTAT_LAST = 5
};

enum fetch_khmatch {
  FETCHKHMATCH_OK = 0,
  FETCHKHMATCH_MISMATCH = 1,
  FETCHKHMATCH_MISSING = 2,
  FETCHKHMATCH_LAST = 3
};

typedef enum {
  FETCHUSESSL_NONE = 0,
  FETCHUSESSL_TRY = 1,
  FETCHUSESSL_CONTROL = 2,
  FETCHUSESSL_ALL = 3,
  FETCHUSESSL_LAST = 4
} fetch_usessl;

typedef enum {
  FETCHFTPSSL_CCC_NONE = 0,
  FETCHFTPSSL_CCC_PASSIVE = 1,
  FETCHFTPSSL_CCC_ACTIVE = 2,
  FETCHFTPSSL_CCC_LAST = 3
} fetch_ftpccc;

typedef enum {
  FETCHFTPAUTH_DEFAULT = 0,
  FETCHFTPAUTH_SSL = 1,
  FETCHFTPAUTH_TLS = 2,
  FETCHFTPAUTH_LAST = 3
} fetch_ftpauth;

typedef enum {
  FETCHFTP_CREATE_DIR_NONE = 0,
  FETCHFTP_CREATE_DIR = 1,
  FETCHFTP_CREATE_DIR_RETRY = 2,
  FETCHFTP_CREATE_DIR_LAST = 3
} fetch_ftpcreatedir;

typedef enum {
  FETCHFTPMETHOD_DEFAULT = 0,
  FETCHFTPMETHOD_MULTICWD = 1,
  FETCHFTPMETHOD_NOCWD = 2,
  FETCHFTPMETHOD_SINGLECWD = 3,
  FETCHFTPMETHOD_LAST = 4
} fetch_ftpmethod;

typedef enum {
  FETCHSTS_OK = 0,
  FETCHSTS_DONE = 1,
  FETCHSTS_FAIL = 2
} FETCHSTScode;

enum {
  FETCH_HTTP_VERSION_NONE = 0,
  FETCH_HTTP_VERSION_1_0 = 1,
  FETCH_HTTP_VERSION_1_1 = 2,
  FETCH_HTTP_VERSION_2_0 = 3,
  FETCH_HTTP_VERSION_2TLS = 4,
  FETCH_HTTP_VERSION_2_PRIOR_KNOWLEDGE = 5,
  FETCH_HTTP_VERSION_3 = 30,
  FETCH_HTTP_VERSION_3ONLY = 31,
  FETCH_HTTP_VERSION_LAST = 32
};

enum {
  FETCH_RTSPREQ_NONE = 0,
  FETCH_RTSPREQ_OPTIONS = 1,
  FETCH_RTSPREQ_DESCRIBE = 2,
  FETCH_RTSPREQ_ANNOUNCE = 3,
  FETCH_RTSPREQ_SETUP = 4,
  FETCH_RTSPREQ_PLAY = 5,
  FETCH_RTSPREQ_PAUSE = 6,
  FETCH_RTSPREQ_TEARDOWN = 7,
  FETCH_RTSPREQ_GET_PARAMETER = 8,
  FETCH_RTSPREQ_SET_PARAMETER = 9,
  FETCH_RTSPREQ_RECORD = 10,
  FETCH_RTSPREQ_RECEIVE = 11,
  FETCH_RTSPREQ_LAST = 12
};

enum FETCH_NETRC_OPTION {
  FETCH_NETRC_IGNORED = 0,
  FETCH_NETRC_OPTIONAL = 1,
  FETCH_NETRC_REQUIRED = 2,
  FETCH_NETRC_LAST = 3
};

enum {
  FETCH_SSLVERSION_DEFAULT = 0,
  FETCH_SSLVERSION_TLSv1 = 1,
  FETCH_SSLVERSION_SSLv2 = 2,
  FETCH_SSLVERSION_SSLv3 = 3,
  FETCH_SSLVERSION_TLSv1_0 = 4,
  FETCH_SSLVERSION_TLSv1_1 = 5,
  FETCH_SSLVERSION_TLSv1_2 = 6,
  FETCH_SSLVERSION_TLSv1_3 = 7,
  FETCH_SSLVERSION_LAST = 8
};

enum {
  FETCH_SSLVERSION_MAX_NONE = 0,
  FETCH_SSLVERSION_MAX_DEFAULT = 65536,
  FETCH_SSLVERSION_MAX_TLSv1_0 = 262144,
  FETCH_SSLVERSION_MAX_TLSv1_1 = 327680,
  FETCH_SSLVERSION_MAX_TLSv1_2 = 393216,
  FETCH_SSLVERSION_MAX_TLSv1_3 = 458752,
  FETCH_SSLVERSION_MAX_LAST = 524288
};

enum FETCH_TLSAUTH {
  FETCH_TLSAUTH_NONE = 0,
  FETCH_TLSAUTH_SRP = 1,
  FETCH_TLSAUTH_LAST = 2
};

typedef enum {
  FETCH_TIMECOND_NONE = 0,
  FETCH_TIMECOND_IFMODSINCE = 1,
  FETCH_TIMECOND_IFUNMODSINCE = 2,
  FETCH_TIMECOND_LASTMOD = 3,
  FETCH_TIMECOND_LAST = 4
} fetch_TimeCond;

typedef enum {
  FETCHFORM_NOTHING = 0,
  FETCHFORM_COPYNAME = 1,
  FETCHFORM_PTRNAME = 2,
  FETCHFORM_NAMELENGTH = 3,
  FETCHFORM_COPYCONTENTS = 4,
  FETCHFORM_PTRCONTENTS = 5,
  FETCHFORM_CONTENTSLENGTH = 6,
  FETCHFORM_FILECONTENT = 7,
  FETCHFORM_ARRAY = 8,
  FETCHFORM_OBSOLETE = 9,
  FETCHFORM_FILE = 10,
  FETCHFORM_BUFFER = 11,
  FETCHFORM_BUFFERPTR = 12,
  FETCHFORM_BUFFERLENGTH = 13,
  FETCHFORM_CONTENTTYPE = 14,
  FETCHFORM_CONTENTHEADER = 15,
  FETCHFORM_FILENAME = 16,
  FETCHFORM_END = 17,
  FETCHFORM_OBSOLETE2 = 18,
  FETCHFORM_STREAM = 19,
  FETCHFORM_CONTENTLEN = 20,
  FETCHFORM_LASTENTRY = 21
} FETCHformoption;

typedef enum {
  FETCH_FORMADD_OK = 0,
  FETCH_FORMADD_MEMORY = 1,
  FETCH_FORMADD_OPTION_TWICE = 2,
  FETCH_FORMADD_NULL = 3,
  FETCH_FORMADD_UNKNOWN_OPTION = 4,
  FETCH_FORMADD_INCOMPLETE = 5,
  FETCH_FORMADD_ILLEGAL_ARRAY = 6,
  FETCH_FORMADD_DISABLED = 7,
  FETCH_FORMADD_LAST = 8
} FETCHFORMcode;

typedef enum {
  FETCHSSLSET_OK = 0,
  FETCHSSLSET_UNKNOWN_BACKEND = 1,
  FETCHSSLSET_TOO_LATE = 2,
  FETCHSSLSET_NO_BACKENDS = 3
} FETCHsslset;

typedef enum {
  FETCHCLOSEPOLICY_NONE = 0,
  FETCHCLOSEPOLICY_OLDEST = 1,
  FETCHCLOSEPOLICY_LEAST_RECENTLY_USED = 2,
  FETCHCLOSEPOLICY_LEAST_TRAFFIC = 3,
  FETCHCLOSEPOLICY_SLOWEST = 4,
  FETCHCLOSEPOLICY_CALLBACK = 5,
  FETCHCLOSEPOLICY_LAST = 6
} fetch_closepolicy;

typedef enum {
  FETCH_LOCK_DATA_NONE = 0,
  FETCH_LOCK_DATA_SHARE = 1,
  FETCH_LOCK_DATA_COOKIE = 2,
  FETCH_LOCK_DATA_DNS = 3,
  FETCH_LOCK_DATA_SSL_SESSION = 4,
  FETCH_LOCK_DATA_CONNECT = 5,
  FETCH_LOCK_DATA_PSL = 6,
  FETCH_LOCK_DATA_HSTS = 7,
  FETCH_LOCK_DATA_LAST = 8
} fetch_lock_data;

typedef enum {
  FETCH_LOCK_ACCESS_NONE = 0,
  FETCH_LOCK_ACCESS_SHARED = 1,
  FETCH_LOCK_ACCESS_SINGLE = 2,
  FETCH_LOCK_ACCESS_LAST = 3
} fetch_lock_access;

typedef enum {
  FETCHSHE_OK = 0,
  FETCHSHE_BAD_OPTION = 1,
  FETCHSHE_IN_USE = 2,
  FETCHSHE_INVALID = 3,
  FETCHSHE_NOMEM = 4,
  FETCHSHE_NOT_BUILT_IN = 5,
  FETCHSHE_LAST = 6
} FETCHSHcode;

typedef enum {
  FETCHSHOPT_NONE = 0,
  FETCHSHOPT_SHARE = 1,
  FETCHSHOPT_UNSHARE = 2,
  FETCHSHOPT_LOCKFUNC = 3,
  FETCHSHOPT_UNLOCKFUNC = 4,
  FETCHSHOPT_USERDATA = 5,
  FETCHSHOPT_LAST = 6
} FETCHSHoption;

typedef enum {
  FETCHVERSION_FIRST = 0,
  FETCHVERSION_SECOND = 1,
  FETCHVERSION_THIRD = 2,
  FETCHVERSION_FOURTH = 3,
  FETCHVERSION_FIFTH = 4,
  FETCHVERSION_SIXTH = 5,
  FETCHVERSION_SEVENTH = 6,
  FETCHVERSION_EIGHTH = 7,
  FETCHVERSION_NINTH = 8,
  FETCHVERSION_TENTH = 9,
  FETCHVERSION_ELEVENTH = 10,
  FETCHVERSION_LAST = 11
} FETCHversion;

typedef enum {
  FETCHUE_OK = 0,
  FETCHUE_BAD_HANDLE = 1,
  FETCHUE_BAD_PARTPOINTER = 2,
  FETCHUE_MALFORMED_INPUT = 3,
  FETCHUE_BAD_PORT_NUMBER = 4,
  FETCHUE_UNSUPPORTED_SCHEME = 5,
  FETCHUE_URLDECODE = 6,
  FETCHUE_OUT_OF_MEMORY = 7,
  FETCHUE_USER_NOT_ALLOWED = 8,
  FETCHUE_UNKNOWN_PART = 9,
  FETCHUE_NO_SCHEME = 10,
  FETCHUE_NO_USER = 11,
  FETCHUE_NO_PASSWORD = 12,
  FETCHUE_NO_OPTIONS = 13,
  FETCHUE_NO_HOST = 14,
  FETCHUE_NO_PORT = 15,
  FETCHUE_NO_QUERY = 16,
  FETCHUE_NO_FRAGMENT = 17,
  FETCHUE_NO_ZONEID = 18,
  FETCHUE_BAD_FILE_URL = 19,
  FETCHUE_BAD_FRAGMENT = 20,
  FETCHUE_BAD_HOSTNAME = 21,
  FETCHUE_BAD_IPV6 = 22,
  FETCHUE_BAD_LOGIN = 23,
  FETCHUE_BAD_PASSWORD = 24,
  FETCHUE_BAD_PATH = 25,
  FETCHUE_BAD_QUERY = 26,
  FETCHUE_BAD_SCHEME = 27,
  FETCHUE_BAD_SLASHES = 28,
  FETCHUE_BAD_USER = 29,
  FETCHUE_LACKS_IDN = 30,
  FETCHUE_LAST = 31
} FETCHUcode;

typedef enum {
  FETCHUPART_URL = 0,
  FETCHUPART_SCHEME = 1,
  FETCHUPART_USER = 2,
  FETCHUPART_PASSWORD = 3,
  FETCHUPART_OPTIONS = 4,
  FETCHUPART_HOST = 5,
  FETCHUPART_PORT = 6,
  FETCHUPART_PATH = 7,
  FETCHUPART_QUERY = 8,
  FETCHUPART_FRAGMENT = 9,
  FETCHUPART_ZONEID = 10
} FETCHUPart;

typedef enum {
  FETCHOT_LONG = 0,
  FETCHOT_VALUES = 1,
  FETCHOT_OFF_T = 2,
  FETCHOT_OBJECT = 3,
  FETCHOT_STRING = 4,
  FETCHOT_SLIST = 5,
  FETCHOT_CBPTR = 6,
  FETCHOT_BLOB = 7,
  FETCHOT_FUNCTION = 8
} fetch_easytype;

typedef enum {
  FETCHHE_OK = 0,
  FETCHHE_BADINDEX = 1,
  FETCHHE_MISSING = 2,
  FETCHHE_NOHEADERS = 3,
  FETCHHE_NOREQUEST = 4,
  FETCHHE_OUT_OF_MEMORY = 5,
  FETCHHE_BAD_ARGUMENT = 6,
  FETCHHE_NOT_BUILT_IN = 7
} FETCHHcode;

/* ---- callbacks and the structures they pass ---- */

typedef size_t (*fetch_write_callback)(char *buffer, size_t size, size_t nitems, void *userdata);
typedef size_t (*fetch_read_callback)(char *buffer, size_t size, size_t nitems, void *userdata);
typedef int (*fetch_seek_callback)(void *userp, fetch_off_t offset, int origin);
typedef int (*fetch_xferinfo_callback)(void *clientp, fetch_off_t dltotal, fetch_off_t dlnow,
                                       fetch_off_t ultotal, fetch_off_t ulnow);
typedef int (*fetch_progress_callback)(void *clientp, double dltotal, double dlnow,
                                       double ultotal, double ulnow);
typedef int (*fetch_resolver_start_callback)(void *resolver_state, void *reserved,
                                             void *userdata);
typedef int (*fetch_trailer_callback)(struct fetch_slist **list, void *userdata);
typedef int (*fetch_debug_callback)(FETCH *handle, fetch_infotype type, char *data,
                                    size_t size, void *userptr);
typedef int (*fetch_prereq_callback)(void *clientp, char *conn_primary_ip,
                                     char *conn_local_ip, int conn_primary_port,
                                     int conn_local_port);
typedef FETCHcode (*fetch_conv_callback)(char *buffer, size_t length);
typedef FETCHcode (*fetch_ssl_ctx_callback)(FETCH *handle, void *ssl_ctx, void *userptr);
typedef fetchioerr (*fetch_ioctl_callback)(FETCH *handle, int cmd, void *clientp);

/* Allocator hooks of fetch_global_init_mem (accepted, not used: libfetch
   allocates with malloc and fetch_free frees with free). */
typedef void *(*fetch_malloc_callback)(size_t size);
typedef void (*fetch_free_callback)(void *ptr);
typedef void *(*fetch_realloc_callback)(void *ptr, size_t size);
typedef char *(*fetch_strdup_callback)(const char *str);
typedef void *(*fetch_calloc_callback)(size_t nmemb, size_t size);
#define FETCH_DID_MEMORY_FUNC_TYPEDEFS

/* Sockets (FETCHOPT_OPENSOCKETFUNCTION and friends: not supported). */
struct fetch_sockaddr {
  int family;
  int socktype;
  int protocol;
  unsigned int addrlen;
  struct sockaddr addr;
};
typedef int (*fetch_sockopt_callback)(void *clientp, fetch_socket_t fd, fetchsocktype purpose);
typedef fetch_socket_t (*fetch_opensocket_callback)(void *clientp, fetchsocktype purpose,
                                                   struct fetch_sockaddr *address);
typedef int (*fetch_closesocket_callback)(void *clientp, fetch_socket_t item);

/* The deprecated form API (fetch_formadd, fetch_formfree, fetch_formget, FETCHOPT_HTTPPOST). */
struct fetch_httppost {
  struct fetch_httppost *next;
  char *name;
  long namelength;
  char *contents;
  long contentslength;
  char *buffer;
  long bufferlength;
  char *contenttype;
  struct fetch_slist *contentheader;
  struct fetch_httppost *more;
  long flags;
  char *showfilename;
  void *userp;
  fetch_off_t contentlen;
};
struct fetch_forms {
  FETCHformoption option;
  const char *value;
};
typedef size_t (*fetch_formget_callback)(void *arg, const char *buf, size_t len);

/* MIME (fetch_mime_*, FETCHOPT_MIMEPOST). */
/* One fetch_formadd argument pair, as the inline fetch_formadd passes them on. */
struct fetch_formadd_item {
  int option;
  const void *ptr;
  long long num;
};
typedef struct fetch_mime fetch_mime;
typedef struct fetch_mimepart fetch_mimepart;

/* FTP wildcard matching (not built). */
struct fetch_fileinfo {
  char *filename;
  fetchfiletype filetype;
  time_t time;
  unsigned int perm;
  int uid;
  int gid;
  fetch_off_t size;
  long int hardlinks;
  struct {
    char *time;
    char *perm;
    char *user;
    char *group;
    char *target;
  } strings;
  unsigned int flags;
  char *b_data;
  size_t b_size;
  size_t b_used;
};
typedef long (*fetch_chunk_bgn_callback)(const void *transfer_info, void *ptr, int remains);
typedef long (*fetch_chunk_end_callback)(void *ptr);
typedef int (*fetch_fnmatch_callback)(void *ptr, const char *pattern, const char *string);

/* SSH known hosts (not built). */
struct fetch_khkey {
  const char *key;
  size_t len;
  enum fetch_khtype keytype;
};
typedef int (*fetch_sshkeycallback)(FETCH *easy, const struct fetch_khkey *knownkey,
                                    const struct fetch_khkey *foundkey,
                                    enum fetch_khmatch match, void *clientp);
typedef int (*fetch_sshhostkeycallback)(void *clientp, int keytype, const char *key,
                                        size_t keylen);

/* HSTS (HSTS and HSTS_CTRL built; the read/write callbacks not). */
struct fetch_hstsentry {
  char *name;
  size_t namelen;
  unsigned int includeSubDomains : 1;
  char expire[18];
};
struct fetch_index {
  size_t index;
  size_t total;
};
typedef FETCHSTScode (*fetch_hstsread_callback)(FETCH *easy, struct fetch_hstsentry *e,
                                                void *userp);
typedef FETCHSTScode (*fetch_hstswrite_callback)(FETCH *easy, struct fetch_hstsentry *e,
                                                 struct fetch_index *i, void *userp);

/* Shares. */
typedef void (*fetch_lock_function)(FETCH *handle, fetch_lock_data data,
                                    fetch_lock_access locktype, void *userptr);
typedef void (*fetch_unlock_function)(FETCH *handle, fetch_lock_data data, void *userptr);

/* TLS backends: libfetch has one, rustls. */
struct fetch_ssl_backend {
  fetch_sslbackend id;
  const char *name;
};
typedef struct fetch_ssl_backend fetch_ssl_backend;
struct fetch_certinfo {
  int num_of_certs;
  struct fetch_slist **certinfo;
};
struct fetch_tlssessioninfo {
  fetch_sslbackend backend;
  void *internals;
};

/* FETCHOPT_CAINFO_BLOB's argument. libfetch copies the data whatever the
   flags say. */
struct fetch_blob {
  void *data;
  size_t len;
  unsigned int flags;
};

/* fetch_version_info's answer (the FETCHVERSION_ELEVENTH layout). */
typedef struct fetch_version_info_data {
  FETCHversion age;
  const char *version;
  unsigned int version_num;
  const char *host;
  int features;
  const char *ssl_version;
  long ssl_version_num;
  const char *libz_version;
  const char *const *protocols;
  const char *ares;
  int ares_num;
  const char *libidn;
  int iconv_ver_num;
  const char *libssh_version;
  unsigned int brotli_ver_num;
  const char *brotli_version;
  unsigned int nghttp2_ver_num;
  const char *nghttp2_version;
  const char *quic_version;
  const char *cainfo;
  const char *capath;
  unsigned int zstd_ver_num;
  const char *zstd_version;
  const char *hyper_version;
  const char *gsasl_version;
  const char *const *feature_names;
} fetch_version_info_data;

/* fetch_easy_header / fetch_easy_nextheader: the received headers, per request. */
struct fetch_header {
  char *name;
  char *value;
  size_t amount;
  size_t index;
  unsigned int origin;
  void *anchor;
};

/* WebSocket (not built). */
struct fetch_ws_frame {
  int age;
  int flags;
  fetch_off_t offset;
  fetch_off_t bytesleft;
  size_t len;
};

/* The URL API (not built: fetch_url returns NULL). */
typedef struct Fetch_URL FETCHU;

/* HTTP/2 server push (FETCHMOPT_PUSHFUNCTION): the headers are valid only
   inside the callback. */
struct fetch_pushheaders;
typedef int (*fetch_push_callback)(FETCH *parent, FETCH *easy, size_t num_headers,
                                   struct fetch_pushheaders *headers, void *userp);

/* Older spelling of fetch_usessl. */
#define fetch_ftpssl fetch_usessl

/* ---- constants ---- */

#define FETCHSSLBACKEND_LIBRESSL FETCHSSLBACKEND_OPENSSL
#define FETCHSSLBACKEND_BORINGSSL FETCHSSLBACKEND_OPENSSL
#define FETCHSSLBACKEND_CYASSL FETCHSSLBACKEND_WOLFSSL
#define FETCHSSLBACKEND_DARWINSSL FETCHSSLBACKEND_SECURETRANSPORT
#define FETCH_HTTPPOST_FILENAME 1
#define FETCH_HTTPPOST_READFILE (1 << 1)
#define FETCH_HTTPPOST_PTRNAME (1 << 2)
#define FETCH_HTTPPOST_PTRCONTENTS (1 << 3)
#define FETCH_HTTPPOST_BUFFER (1 << 4)
#define FETCH_HTTPPOST_PTRBUFFER (1 << 5)
#define FETCH_HTTPPOST_CALLBACK (1 << 6)
#define FETCH_HTTPPOST_LARGE (1 << 7)
#define FETCH_PROGRESSFUNC_CONTINUE 268435457 /* same as 0: there is no built-in meter */
#define FETCH_MAX_READ_SIZE 10485760
#define FETCH_MAX_WRITE_SIZE 16384
#define FETCH_MAX_HTTP_HEADER 102400
#define FETCH_WRITEFUNC_PAUSE 268435457 /* pause receiving; the data is delivered again on resume */
#define FETCH_WRITEFUNC_ERROR 0xffffffffU
#define FETCHFINFOFLAG_KNOWN_FILENAME 1
#define FETCHFINFOFLAG_KNOWN_FILETYPE (1 << 1)
#define FETCHFINFOFLAG_KNOWN_TIME (1 << 2)
#define FETCHFINFOFLAG_KNOWN_PERM (1 << 3)
#define FETCHFINFOFLAG_KNOWN_UID (1 << 4)
#define FETCHFINFOFLAG_KNOWN_GID (1 << 5)
#define FETCHFINFOFLAG_KNOWN_SIZE (1 << 6)
#define FETCHFINFOFLAG_KNOWN_HLINKCOUNT (1 << 7)
#define FETCH_CHUNK_BGN_FUNC_OK 0
#define FETCH_CHUNK_BGN_FUNC_FAIL 1
#define FETCH_CHUNK_BGN_FUNC_SKIP (1 << 1)
#define FETCH_CHUNK_END_FUNC_OK 0
#define FETCH_CHUNK_END_FUNC_FAIL 1
#define FETCH_FNMATCHFUNC_MATCH 0
#define FETCH_FNMATCHFUNC_NOMATCH 1
#define FETCH_FNMATCHFUNC_FAIL (1 << 1)
#define FETCH_SEEKFUNC_OK 0
#define FETCH_SEEKFUNC_FAIL 1 /* the transfer fails with FETCHE_SEND_FAIL_REWIND */
#define FETCH_SEEKFUNC_CANTSEEK (1 << 1) /* likewise: libfetch has no other way to rewind */
#define FETCH_READFUNC_ABORT (1 << 28)
#define FETCH_READFUNC_PAUSE 268435457 /* pause sending; called again on resume */
#define FETCH_TRAILERFUNC_OK 0
#define FETCH_TRAILERFUNC_ABORT 1
#define FETCH_SOCKOPT_OK 0
#define FETCH_SOCKOPT_ERROR 1
#define FETCH_SOCKOPT_ALREADY_CONNECTED (1 << 1)
#define FETCH_PREREQFUNC_OK 0
#define FETCH_PREREQFUNC_ABORT 1
#define FETCHE_OBSOLETE16 FETCHE_HTTP2
#define FETCHE_OBSOLETE10 FETCHE_FTP_ACCEPT_FAILED
#define FETCHE_OBSOLETE12 FETCHE_FTP_ACCEPT_TIMEOUT
#define FETCHOPT_ENCODING FETCHOPT_ACCEPT_ENCODING
#define FETCHE_FTP_WEIRD_SERVER_REPLY FETCHE_WEIRD_SERVER_REPLY
#define FETCHE_SSL_CACERT FETCHE_PEER_FAILED_VERIFICATION
#define FETCHE_UNKNOWN_TELNET_OPTION FETCHE_UNKNOWN_OPTION
#define FETCHE_TELNET_OPTION_SYNTAX FETCHE_SETOPT_OPTION_SYNTAX
#define FETCHE_SSL_PEER_CERTIFICATE FETCHE_PEER_FAILED_VERIFICATION
#define FETCHE_OBSOLETE FETCHE_OBSOLETE50
#define FETCHE_BAD_PASSWORD_ENTERED FETCHE_OBSOLETE46
#define FETCHE_BAD_CALLING_ORDER FETCHE_OBSOLETE44
#define FETCHE_FTP_USER_PASSWORD_INCORRECT FETCHE_OBSOLETE10
#define FETCHE_FTP_CANT_RECONNECT FETCHE_OBSOLETE16
#define FETCHE_FTP_COULDNT_GET_SIZE FETCHE_OBSOLETE32
#define FETCHE_FTP_COULDNT_SET_ASCII FETCHE_OBSOLETE29
#define FETCHE_FTP_WEIRD_USER_REPLY FETCHE_OBSOLETE12
#define FETCHE_FTP_WRITE_ERROR FETCHE_OBSOLETE20
#define FETCHE_LIBRARY_NOT_FOUND FETCHE_OBSOLETE40
#define FETCHE_MALFORMAT_USER FETCHE_OBSOLETE24
#define FETCHE_SHARE_IN_USE FETCHE_OBSOLETE57
#define FETCHE_URL_MALFORMAT_USER FETCHE_NOT_BUILT_IN
#define FETCHE_FTP_ACCESS_DENIED FETCHE_REMOTE_ACCESS_DENIED
#define FETCHE_FTP_COULDNT_SET_BINARY FETCHE_FTP_COULDNT_SET_TYPE
#define FETCHE_FTP_QUOTE_ERROR FETCHE_QUOTE_ERROR
#define FETCHE_TFTP_DISKFULL FETCHE_REMOTE_DISK_FULL
#define FETCHE_TFTP_EXISTS FETCHE_REMOTE_FILE_EXISTS
#define FETCHE_HTTP_RANGE_ERROR FETCHE_RANGE_ERROR
#define FETCHE_FTP_SSL_FAILED FETCHE_USE_SSL_FAILED
#define FETCHE_OPERATION_TIMEOUTED FETCHE_OPERATION_TIMEDOUT
#define FETCHE_HTTP_NOT_FOUND FETCHE_HTTP_RETURNED_ERROR
#define FETCHE_HTTP_PORT_FAILED FETCHE_INTERFACE_FAILED
#define FETCHE_FTP_COULDNT_STOR_FILE FETCHE_UPLOAD_FAILED
#define FETCHE_FTP_PARTIAL_FILE FETCHE_PARTIAL_FILE
#define FETCHE_FTP_BAD_DOWNLOAD_RESUME FETCHE_BAD_DOWNLOAD_RESUME
#define FETCHE_LDAP_INVALID_URL FETCHE_OBSOLETE62
#define FETCHE_CONV_REQD FETCHE_OBSOLETE76
#define FETCHE_CONV_FAILED FETCHE_OBSOLETE75
#define FETCHE_ALREADY_COMPLETE 99999 /* never returned */
#define FETCHOPT_FILE FETCHOPT_WRITEDATA
#define FETCHOPT_INFILE FETCHOPT_READDATA
#define FETCHOPT_WRITEHEADER FETCHOPT_HEADERDATA
#define FETCHOPT_WRITEINFO FETCHOPT_OBSOLETE40
#define FETCHOPT_CLOSEPOLICY FETCHOPT_OBSOLETE72
#define FETCHAUTH_NONE 0UL
#define FETCHAUTH_BASIC 1UL
#define FETCHAUTH_DIGEST (1UL << 1)
#define FETCHAUTH_NEGOTIATE (1UL << 2)
#define FETCHAUTH_GSSNEGOTIATE FETCHAUTH_NEGOTIATE
#define FETCHAUTH_GSSAPI FETCHAUTH_NEGOTIATE
#define FETCHAUTH_NTLM (1UL << 3)
#define FETCHAUTH_DIGEST_IE (1UL << 4)
#define FETCHAUTH_NTLM_WB (1UL << 5)
#define FETCHAUTH_BEARER (1UL << 6)
#define FETCHAUTH_AWS_SIGV4 (1UL << 7)
#define FETCHAUTH_ONLY (1UL << 31)
#define FETCHAUTH_ANY (~(unsigned long)16)
#define FETCHAUTH_ANYSAFE (~(unsigned long)17)
#define FETCHSSH_AUTH_ANY (-1)
#define FETCHSSH_AUTH_NONE 0
#define FETCHSSH_AUTH_PUBLICKEY 1
#define FETCHSSH_AUTH_PASSWORD (1 << 1)
#define FETCHSSH_AUTH_HOST (1 << 2)
#define FETCHSSH_AUTH_KEYBOARD (1 << 3)
#define FETCHSSH_AUTH_AGENT (1 << 4)
#define FETCHSSH_AUTH_GSSAPI (1 << 5)
#define FETCHSSH_AUTH_DEFAULT FETCHSSH_AUTH_ANY
#define FETCHGSSAPI_DELEGATION_NONE 0
#define FETCHGSSAPI_DELEGATION_POLICY_FLAG 1
#define FETCHGSSAPI_DELEGATION_FLAG (1 << 1)
#define FETCHSSLOPT_ALLOW_BEAST 1
#define FETCHSSLOPT_NO_REVOKE (1 << 1)
#define FETCHSSLOPT_NO_PARTIALCHAIN (1 << 2)
#define FETCHSSLOPT_REVOKE_BEST_EFFORT (1 << 3)
#define FETCHSSLOPT_NATIVE_CA (1 << 4)
#define FETCHSSLOPT_AUTO_CLIENT_CERT (1 << 5)
#define FETCH_HET_DEFAULT 200L
#define FETCH_UPKEEP_INTERVAL_DEFAULT 60000L
#define FETCHFTPSSL_NONE FETCHUSESSL_NONE
#define FETCHFTPSSL_TRY FETCHUSESSL_TRY
#define FETCHFTPSSL_CONTROL FETCHUSESSL_CONTROL
#define FETCHFTPSSL_ALL FETCHUSESSL_ALL
#define FETCHFTPSSL_LAST FETCHUSESSL_LAST
#define FETCHHEADER_UNIFIED 0
#define FETCHHEADER_SEPARATE 1
#define FETCHALTSVC_READONLYFILE (1 << 2)
#define FETCHALTSVC_H1 (1 << 3)
#define FETCHALTSVC_H2 (1 << 4)
#define FETCHALTSVC_H3 (1 << 5)
#define FETCHHSTS_ENABLE 1L
#define FETCHHSTS_READONLYFILE 2L
#define FETCHPROTO_HTTP 1
#define FETCHPROTO_HTTPS (1 << 1)
#define FETCHPROTO_FTP (1 << 2)
#define FETCHPROTO_FTPS (1 << 3)
#define FETCHPROTO_SCP (1 << 4)
#define FETCHPROTO_SFTP (1 << 5)
#define FETCHPROTO_TELNET (1 << 6)
#define FETCHPROTO_LDAP (1 << 7)
#define FETCHPROTO_LDAPS 256
#define FETCHPROTO_DICT (1 << 9)
#define FETCHPROTO_FILE (1 << 10)
#define FETCHPROTO_TFTP (1 << 11)
#define FETCHPROTO_IMAP (1 << 12)
#define FETCHPROTO_IMAPS (1 << 13)
#define FETCHPROTO_POP3 16384
#define FETCHPROTO_POP3S (1 << 15)
#define FETCHPROTO_SMTP (1 << 16)
#define FETCHPROTO_SMTPS (1 << 17)
#define FETCHPROTO_RTSP (1 << 18)
#define FETCHPROTO_RTMP (1 << 19)
#define FETCHPROTO_RTMPT (1 << 20)
#define FETCHPROTO_RTMPE (1 << 21)
#define FETCHPROTO_RTMPTE (1 << 22)
#define FETCHPROTO_RTMPS (1 << 23)
#define FETCHPROTO_RTMPTS (1 << 24)
#define FETCHPROTO_GOPHER (1 << 25)
#define FETCHPROTO_SMB (1 << 26)
#define FETCHPROTO_SMBS (1 << 27)
#define FETCHPROTO_MQTT (1 << 28)
#define FETCHPROTO_GOPHERS (1 << 29)
#define FETCHPROTO_ALL (-1)
#define FETCHOPTTYPE_LONG 0
#define FETCHOPTTYPE_OBJECTPOINT 10000
#define FETCHOPTTYPE_FUNCTIONPOINT 20000
#define FETCHOPTTYPE_OFF_T 30000
#define FETCHOPTTYPE_BLOB 40000
#define FETCHOPTTYPE_STRINGPOINT FETCHOPTTYPE_OBJECTPOINT
#define FETCHOPTTYPE_SLISTPOINT FETCHOPTTYPE_OBJECTPOINT
#define FETCHOPTTYPE_CBPOINT FETCHOPTTYPE_OBJECTPOINT
#define FETCHOPTTYPE_VALUES FETCHOPTTYPE_LONG
#define FETCHOPT_PROGRESSDATA FETCHOPT_XFERINFODATA
#define FETCHOPT_POST301 FETCHOPT_POSTREDIR
#define FETCHOPT_SSLKEYPASSWD FETCHOPT_KEYPASSWD
#define FETCHOPT_FTPAPPEND FETCHOPT_APPEND
#define FETCHOPT_FTPLISTONLY FETCHOPT_DIRLISTONLY
#define FETCHOPT_FTP_SSL FETCHOPT_USE_SSL
#define FETCHOPT_SSLCERTPASSWD FETCHOPT_KEYPASSWD
#define FETCHOPT_KRB4LEVEL FETCHOPT_KRBLEVEL
#define FETCHOPT_FTP_RESPONSE_TIMEOUT FETCHOPT_SERVER_RESPONSE_TIMEOUT
#define FETCH_IPRESOLVE_WHATEVER 0
#define FETCH_IPRESOLVE_V4 1
#define FETCH_IPRESOLVE_V6 (1 << 1)
#define FETCHOPT_RTSPHEADER FETCHOPT_HTTPHEADER
#define FETCH_HTTP_VERSION_2 FETCH_HTTP_VERSION_2_0
#define FETCH_REDIR_GET_ALL 0
#define FETCH_REDIR_POST_301 1
#define FETCH_REDIR_POST_302 (1 << 1)
#define FETCH_REDIR_POST_303 (1 << 2)
#define FETCH_REDIR_POST_ALL 7
#define FETCH_ZERO_TERMINATED (~(unsigned long)0)
#define FETCHMIMEOPT_FORMESCAPE 1
#define FETCHINFO_STRING (1 << 20)
#define FETCHINFO_LONG (1 << 21)
#define FETCHINFO_DOUBLE 3145728
#define FETCHINFO_SLIST (1 << 22)
#define FETCHINFO_PTR (1 << 22)
#define FETCHINFO_SOCKET 5242880
#define FETCHINFO_OFF_T 6291456
#define FETCHINFO_MASK 1048575
#define FETCHINFO_TYPEMASK 15728640
#define FETCHINFO_HTTP_CODE FETCHINFO_RESPONSE_CODE
#define FETCH_GLOBAL_SSL 1
#define FETCH_GLOBAL_WIN32 (1 << 1)
#define FETCH_GLOBAL_ALL 3
#define FETCH_GLOBAL_NOTHING 0
#define FETCH_GLOBAL_DEFAULT FETCH_GLOBAL_ALL
#define FETCH_GLOBAL_ACK_EINTR (1 << 2)
#define FETCHVERSION_NOW FETCHVERSION_ELEVENTH
#define FETCH_VERSION_IPV6 1
#define FETCH_VERSION_KERBEROS4 (1 << 1)
#define FETCH_VERSION_SSL (1 << 2)
#define FETCH_VERSION_LIBZ (1 << 3)
#define FETCH_VERSION_NTLM (1 << 4)
#define FETCH_VERSION_GSSNEGOTIATE (1 << 5)
#define FETCH_VERSION_DEBUG (1 << 6)
#define FETCH_VERSION_ASYNCHDNS (1 << 7)
#define FETCH_VERSION_SPNEGO 256
#define FETCH_VERSION_LARGEFILE (1 << 9)
#define FETCH_VERSION_IDN (1 << 10)
#define FETCH_VERSION_SSPI (1 << 11)
#define FETCH_VERSION_CONV (1 << 12)
#define FETCH_VERSION_FETCHDEBUG (1 << 13)
#define FETCH_VERSION_TLSAUTH_SRP 16384
#define FETCH_VERSION_NTLM_WB (1 << 15)
#define FETCH_VERSION_HTTP2 (1 << 16)
#define FETCH_VERSION_GSSAPI (1 << 17)
#define FETCH_VERSION_KERBEROS5 (1 << 18)
#define FETCH_VERSION_UNIX_SOCKETS (1 << 19)
#define FETCH_VERSION_PSL (1 << 20)
#define FETCH_VERSION_HTTPS_PROXY (1 << 21)
#define FETCH_VERSION_MULTI_SSL (1 << 22)
#define FETCH_VERSION_BROTLI (1 << 23)
#define FETCH_VERSION_ALTSVC (1 << 24)
#define FETCH_VERSION_HTTP3 (1 << 25)
#define FETCH_VERSION_ZSTD (1 << 26)
#define FETCH_VERSION_UNICODE (1 << 27)
#define FETCH_VERSION_HSTS (1 << 28)
#define FETCH_VERSION_GSASL (1 << 29)
#define FETCH_VERSION_THREADSAFE (1 << 30)
#define FETCHPAUSE_RECV 1
#define FETCHPAUSE_RECV_CONT 0
#define FETCHPAUSE_SEND (1 << 2)
#define FETCHPAUSE_SEND_CONT 0
#define FETCHPAUSE_ALL 5
#define FETCHPAUSE_CONT 0
#define FETCH_BLOB_COPY 1
#define FETCH_BLOB_NOCOPY 0
#define FETCHM_CALL_MULTI_SOCKET FETCHM_CALL_MULTI_PERFORM
#define FETCHPIPE_NOTHING 0L
#define FETCHPIPE_HTTP1 1L
#define FETCHPIPE_MULTIPLEX 2L
#define FETCH_WAIT_POLLIN 1
#define FETCH_WAIT_POLLPRI (1 << 1)
#define FETCH_WAIT_POLLOUT (1 << 2)
#define FETCH_POLL_NONE 0
#define FETCH_POLL_IN 1
#define FETCH_POLL_OUT (1 << 1)
#define FETCH_POLL_INOUT 3
#define FETCH_POLL_REMOVE (1 << 2)
#define FETCH_SOCKET_TIMEOUT FETCH_SOCKET_BAD
#define FETCH_CSELECT_IN 1
#define FETCH_CSELECT_OUT (1 << 1)
#define FETCH_CSELECT_ERR (1 << 2)
#define FETCH_PUSH_OK 0
#define FETCH_PUSH_DENY 1
#define FETCH_PUSH_ERROROUT (1 << 1)
#define FETCHU_DEFAULT_PORT 1
#define FETCHU_NO_DEFAULT_PORT (1 << 1)
#define FETCHU_DEFAULT_SCHEME (1 << 2)
#define FETCHU_NON_SUPPORT_SCHEME (1 << 3)
#define FETCHU_PATH_AS_IS (1 << 4)
#define FETCHU_DISALLOW_USER (1 << 5)
#define FETCHU_URLDECODE (1 << 6)
#define FETCHU_URLENCODE (1 << 7)
#define FETCHU_APPENDQUERY 256
#define FETCHU_GUESS_SCHEME (1 << 9)
#define FETCHU_NO_AUTHORITY (1 << 10)
#define FETCHU_ALLOW_SPACE (1 << 11)
#define FETCHU_PUNYCODE (1 << 12)
#define FETCHOT_FLAG_ALIAS 1
#define FETCHH_HEADER 1
#define FETCHH_TRAILER (1 << 1)
#define FETCHH_CONNECT (1 << 2)
#define FETCHH_1XX (1 << 3)
#define FETCHH_PSEUDO (1 << 4)
#define FETCHWS_TEXT 1
#define FETCHWS_BINARY (1 << 1)
#define FETCHWS_CONT (1 << 2)
#define FETCHWS_CLOSE (1 << 3)
#define FETCHWS_PING (1 << 4)
#define FETCHWS_OFFSET (1 << 5)
#define FETCHWS_PONG (1 << 6)
#define FETCHWS_RAW_MODE 1

/* ---- easy options ----
   All of upstream's, by number. setopt handles those ABI.md lists and
   answers FETCHE_NOT_BUILT_IN or FETCHE_UNKNOWN_OPTION for the rest. */
typedef enum {
  FETCHOPT_WRITEDATA = FETCHOPTTYPE_CBPOINT + 1,
  FETCHOPT_URL = FETCHOPTTYPE_STRINGPOINT + 2,
  FETCHOPT_PORT = FETCHOPTTYPE_LONG + 3,
  FETCHOPT_PROXY = FETCHOPTTYPE_STRINGPOINT + 4,
  FETCHOPT_USERPWD = FETCHOPTTYPE_STRINGPOINT + 5,
  FETCHOPT_PROXYUSERPWD = FETCHOPTTYPE_STRINGPOINT + 6,
  FETCHOPT_RANGE = FETCHOPTTYPE_STRINGPOINT + 7,
  FETCHOPT_READDATA = FETCHOPTTYPE_CBPOINT + 9,
  FETCHOPT_ERRORBUFFER = FETCHOPTTYPE_OBJECTPOINT + 10,
  FETCHOPT_WRITEFUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 11,
  FETCHOPT_READFUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 12,
  FETCHOPT_TIMEOUT = FETCHOPTTYPE_LONG + 13,
  FETCHOPT_INFILESIZE = FETCHOPTTYPE_LONG + 14,
  FETCHOPT_POSTFIELDS = FETCHOPTTYPE_OBJECTPOINT + 15,
  FETCHOPT_REFERER = FETCHOPTTYPE_STRINGPOINT + 16,
  FETCHOPT_FTPPORT = FETCHOPTTYPE_STRINGPOINT + 17,
  FETCHOPT_USERAGENT = FETCHOPTTYPE_STRINGPOINT + 18,
  FETCHOPT_LOW_SPEED_LIMIT = FETCHOPTTYPE_LONG + 19,
  FETCHOPT_LOW_SPEED_TIME = FETCHOPTTYPE_LONG + 20,
  FETCHOPT_RESUME_FROM = FETCHOPTTYPE_LONG + 21,
  FETCHOPT_COOKIE = FETCHOPTTYPE_STRINGPOINT + 22,
  FETCHOPT_HTTPHEADER = FETCHOPTTYPE_SLISTPOINT + 23,
  FETCHOPT_HTTPPOST = FETCHOPTTYPE_OBJECTPOINT + 24,
  FETCHOPT_SSLCERT = FETCHOPTTYPE_STRINGPOINT + 25,
  FETCHOPT_KEYPASSWD = FETCHOPTTYPE_STRINGPOINT + 26,
  FETCHOPT_CRLF = FETCHOPTTYPE_LONG + 27,
  FETCHOPT_QUOTE = FETCHOPTTYPE_SLISTPOINT + 28,
  FETCHOPT_HEADERDATA = FETCHOPTTYPE_CBPOINT + 29,
  FETCHOPT_COOKIEFILE = FETCHOPTTYPE_STRINGPOINT + 31,
  FETCHOPT_SSLVERSION = FETCHOPTTYPE_VALUES + 32,
  FETCHOPT_TIMECONDITION = FETCHOPTTYPE_VALUES + 33,
  FETCHOPT_TIMEVALUE = FETCHOPTTYPE_LONG + 34,
  FETCHOPT_CUSTOMREQUEST = FETCHOPTTYPE_STRINGPOINT + 36,
  FETCHOPT_STDERR = FETCHOPTTYPE_OBJECTPOINT + 37,
  FETCHOPT_POSTQUOTE = FETCHOPTTYPE_SLISTPOINT + 39,
  FETCHOPT_OBSOLETE40 = FETCHOPTTYPE_OBJECTPOINT + 40,
  FETCHOPT_VERBOSE = FETCHOPTTYPE_LONG + 41,
  FETCHOPT_HEADER = FETCHOPTTYPE_LONG + 42,
  FETCHOPT_NOPROGRESS = FETCHOPTTYPE_LONG + 43,
  FETCHOPT_NOBODY = FETCHOPTTYPE_LONG + 44,
  FETCHOPT_FAILONERROR = FETCHOPTTYPE_LONG + 45,
  FETCHOPT_UPLOAD = FETCHOPTTYPE_LONG + 46,
  FETCHOPT_POST = FETCHOPTTYPE_LONG + 47,
  FETCHOPT_DIRLISTONLY = FETCHOPTTYPE_LONG + 48,
  FETCHOPT_APPEND = FETCHOPTTYPE_LONG + 50,
  FETCHOPT_NETRC = FETCHOPTTYPE_VALUES + 51,
  FETCHOPT_FOLLOWLOCATION = FETCHOPTTYPE_LONG + 52,
  FETCHOPT_TRANSFERTEXT = FETCHOPTTYPE_LONG + 53,
  FETCHOPT_PUT = FETCHOPTTYPE_LONG + 54,
  FETCHOPT_PROGRESSFUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 56,
  FETCHOPT_XFERINFODATA = FETCHOPTTYPE_CBPOINT + 57,
  FETCHOPT_AUTOREFERER = FETCHOPTTYPE_LONG + 58,
  FETCHOPT_PROXYPORT = FETCHOPTTYPE_LONG + 59,
  FETCHOPT_POSTFIELDSIZE = FETCHOPTTYPE_LONG + 60,
  FETCHOPT_HTTPPROXYTUNNEL = FETCHOPTTYPE_LONG + 61,
  FETCHOPT_INTERFACE = FETCHOPTTYPE_STRINGPOINT + 62,
  FETCHOPT_KRBLEVEL = FETCHOPTTYPE_STRINGPOINT + 63,
  FETCHOPT_SSL_VERIFYPEER = FETCHOPTTYPE_LONG + 64,
  FETCHOPT_CAINFO = FETCHOPTTYPE_STRINGPOINT + 65,
  FETCHOPT_MAXREDIRS = FETCHOPTTYPE_LONG + 68,
  FETCHOPT_FILETIME = FETCHOPTTYPE_LONG + 69,
  FETCHOPT_TELNETOPTIONS = FETCHOPTTYPE_SLISTPOINT + 70,
  FETCHOPT_MAXCONNECTS = FETCHOPTTYPE_LONG + 71,
  FETCHOPT_OBSOLETE72 = FETCHOPTTYPE_LONG + 72,
  FETCHOPT_FRESH_CONNECT = FETCHOPTTYPE_LONG + 74,
  FETCHOPT_FORBID_REUSE = FETCHOPTTYPE_LONG + 75,
  FETCHOPT_RANDOM_FILE = FETCHOPTTYPE_STRINGPOINT + 76,
  FETCHOPT_EGDSOCKET = FETCHOPTTYPE_STRINGPOINT + 77,
  FETCHOPT_CONNECTTIMEOUT = FETCHOPTTYPE_LONG + 78,
  FETCHOPT_HEADERFUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 79,
  FETCHOPT_HTTPGET = FETCHOPTTYPE_LONG + 80,
  FETCHOPT_SSL_VERIFYHOST = FETCHOPTTYPE_LONG + 81,
  FETCHOPT_COOKIEJAR = FETCHOPTTYPE_STRINGPOINT + 82,
  FETCHOPT_SSL_CIPHER_LIST = FETCHOPTTYPE_STRINGPOINT + 83,
  FETCHOPT_HTTP_VERSION = FETCHOPTTYPE_VALUES + 84,
  FETCHOPT_FTP_USE_EPSV = FETCHOPTTYPE_LONG + 85,
  FETCHOPT_SSLCERTTYPE = FETCHOPTTYPE_STRINGPOINT + 86,
  FETCHOPT_SSLKEY = FETCHOPTTYPE_STRINGPOINT + 87,
  FETCHOPT_SSLKEYTYPE = FETCHOPTTYPE_STRINGPOINT + 88,
  FETCHOPT_SSLENGINE = FETCHOPTTYPE_STRINGPOINT + 89,
  FETCHOPT_SSLENGINE_DEFAULT = FETCHOPTTYPE_LONG + 90,
  FETCHOPT_DNS_USE_GLOBAL_CACHE = FETCHOPTTYPE_LONG + 91,
  FETCHOPT_DNS_CACHE_TIMEOUT = FETCHOPTTYPE_LONG + 92,
  FETCHOPT_PREQUOTE = FETCHOPTTYPE_SLISTPOINT + 93,
  FETCHOPT_DEBUGFUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 94,
  FETCHOPT_DEBUGDATA = FETCHOPTTYPE_CBPOINT + 95,
  FETCHOPT_COOKIESESSION = FETCHOPTTYPE_LONG + 96,
  FETCHOPT_CAPATH = FETCHOPTTYPE_STRINGPOINT + 97,
  FETCHOPT_BUFFERSIZE = FETCHOPTTYPE_LONG + 98,
  FETCHOPT_NOSIGNAL = FETCHOPTTYPE_LONG + 99,
  FETCHOPT_SHARE = FETCHOPTTYPE_OBJECTPOINT + 100,
  FETCHOPT_PROXYTYPE = FETCHOPTTYPE_VALUES + 101,
  FETCHOPT_ACCEPT_ENCODING = FETCHOPTTYPE_STRINGPOINT + 102,
  FETCHOPT_PRIVATE = FETCHOPTTYPE_OBJECTPOINT + 103,
  FETCHOPT_HTTP200ALIASES = FETCHOPTTYPE_SLISTPOINT + 104,
  FETCHOPT_UNRESTRICTED_AUTH = FETCHOPTTYPE_LONG + 105,
  FETCHOPT_FTP_USE_EPRT = FETCHOPTTYPE_LONG + 106,
  FETCHOPT_HTTPAUTH = FETCHOPTTYPE_VALUES + 107,
  FETCHOPT_SSL_CTX_FUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 108,
  FETCHOPT_SSL_CTX_DATA = FETCHOPTTYPE_CBPOINT + 109,
  FETCHOPT_FTP_CREATE_MISSING_DIRS = FETCHOPTTYPE_LONG + 110,
  FETCHOPT_PROXYAUTH = FETCHOPTTYPE_VALUES + 111,
  FETCHOPT_SERVER_RESPONSE_TIMEOUT = FETCHOPTTYPE_LONG + 112,
  FETCHOPT_IPRESOLVE = FETCHOPTTYPE_VALUES + 113,
  FETCHOPT_MAXFILESIZE = FETCHOPTTYPE_LONG + 114,
  FETCHOPT_INFILESIZE_LARGE = FETCHOPTTYPE_OFF_T + 115,
  FETCHOPT_RESUME_FROM_LARGE = FETCHOPTTYPE_OFF_T + 116,
  FETCHOPT_MAXFILESIZE_LARGE = FETCHOPTTYPE_OFF_T + 117,
  FETCHOPT_NETRC_FILE = FETCHOPTTYPE_STRINGPOINT + 118,
  FETCHOPT_USE_SSL = FETCHOPTTYPE_VALUES + 119,
  FETCHOPT_POSTFIELDSIZE_LARGE = FETCHOPTTYPE_OFF_T + 120,
  FETCHOPT_TCP_NODELAY = FETCHOPTTYPE_LONG + 121,
  FETCHOPT_FTPSSLAUTH = FETCHOPTTYPE_VALUES + 129,
  FETCHOPT_IOCTLFUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 130,
  FETCHOPT_IOCTLDATA = FETCHOPTTYPE_CBPOINT + 131,
  FETCHOPT_FTP_ACCOUNT = FETCHOPTTYPE_STRINGPOINT + 134,
  FETCHOPT_COOKIELIST = FETCHOPTTYPE_STRINGPOINT + 135,
  FETCHOPT_IGNORE_CONTENT_LENGTH = FETCHOPTTYPE_LONG + 136,
  FETCHOPT_FTP_SKIP_PASV_IP = FETCHOPTTYPE_LONG + 137,
  FETCHOPT_FTP_FILEMETHOD = FETCHOPTTYPE_VALUES + 138,
  FETCHOPT_LOCALPORT = FETCHOPTTYPE_LONG + 139,
  FETCHOPT_LOCALPORTRANGE = FETCHOPTTYPE_LONG + 140,
  FETCHOPT_CONNECT_ONLY = FETCHOPTTYPE_LONG + 141,
  FETCHOPT_CONV_FROM_NETWORK_FUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 142,
  FETCHOPT_CONV_TO_NETWORK_FUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 143,
  FETCHOPT_CONV_FROM_UTF8_FUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 144,
  FETCHOPT_MAX_SEND_SPEED_LARGE = FETCHOPTTYPE_OFF_T + 145,
  FETCHOPT_MAX_RECV_SPEED_LARGE = FETCHOPTTYPE_OFF_T + 146,
  FETCHOPT_FTP_ALTERNATIVE_TO_USER = FETCHOPTTYPE_STRINGPOINT + 147,
  FETCHOPT_SOCKOPTFUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 148,
  FETCHOPT_SOCKOPTDATA = FETCHOPTTYPE_CBPOINT + 149,
  FETCHOPT_SSL_SESSIONID_CACHE = FETCHOPTTYPE_LONG + 150,
  FETCHOPT_SSH_AUTH_TYPES = FETCHOPTTYPE_VALUES + 151,
  FETCHOPT_SSH_PUBLIC_KEYFILE = FETCHOPTTYPE_STRINGPOINT + 152,
  FETCHOPT_SSH_PRIVATE_KEYFILE = FETCHOPTTYPE_STRINGPOINT + 153,
  FETCHOPT_FTP_SSL_CCC = FETCHOPTTYPE_LONG + 154,
  FETCHOPT_TIMEOUT_MS = FETCHOPTTYPE_LONG + 155,
  FETCHOPT_CONNECTTIMEOUT_MS = FETCHOPTTYPE_LONG + 156,
  FETCHOPT_HTTP_TRANSFER_DECODING = FETCHOPTTYPE_LONG + 157,
  FETCHOPT_HTTP_CONTENT_DECODING = FETCHOPTTYPE_LONG + 158,
  FETCHOPT_NEW_FILE_PERMS = FETCHOPTTYPE_LONG + 159,
  FETCHOPT_NEW_DIRECTORY_PERMS = FETCHOPTTYPE_LONG + 160,
  FETCHOPT_POSTREDIR = FETCHOPTTYPE_VALUES + 161,
  FETCHOPT_SSH_HOST_PUBLIC_KEY_MD5 = FETCHOPTTYPE_STRINGPOINT + 162,
  FETCHOPT_OPENSOCKETFUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 163,
  FETCHOPT_OPENSOCKETDATA = FETCHOPTTYPE_CBPOINT + 164,
  FETCHOPT_COPYPOSTFIELDS = FETCHOPTTYPE_OBJECTPOINT + 165,
  FETCHOPT_PROXY_TRANSFER_MODE = FETCHOPTTYPE_LONG + 166,
  FETCHOPT_SEEKFUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 167,
  FETCHOPT_SEEKDATA = FETCHOPTTYPE_CBPOINT + 168,
  FETCHOPT_CRLFILE = FETCHOPTTYPE_STRINGPOINT + 169,
  FETCHOPT_ISSUERCERT = FETCHOPTTYPE_STRINGPOINT + 170,
  FETCHOPT_ADDRESS_SCOPE = FETCHOPTTYPE_LONG + 171,
  FETCHOPT_CERTINFO = FETCHOPTTYPE_LONG + 172,
  FETCHOPT_USERNAME = FETCHOPTTYPE_STRINGPOINT + 173,
  FETCHOPT_PASSWORD = FETCHOPTTYPE_STRINGPOINT + 174,
  FETCHOPT_PROXYUSERNAME = FETCHOPTTYPE_STRINGPOINT + 175,
  FETCHOPT_PROXYPASSWORD = FETCHOPTTYPE_STRINGPOINT + 176,
  FETCHOPT_NOPROXY = FETCHOPTTYPE_STRINGPOINT + 177,
  FETCHOPT_TFTP_BLKSIZE = FETCHOPTTYPE_LONG + 178,
  FETCHOPT_SOCKS5_GSSAPI_SERVICE = FETCHOPTTYPE_STRINGPOINT + 179,
  FETCHOPT_SOCKS5_GSSAPI_NEC = FETCHOPTTYPE_LONG + 180,
  FETCHOPT_PROTOCOLS = FETCHOPTTYPE_LONG + 181,
  FETCHOPT_REDIR_PROTOCOLS = FETCHOPTTYPE_LONG + 182,
  FETCHOPT_SSH_KNOWNHOSTS = FETCHOPTTYPE_STRINGPOINT + 183,
  FETCHOPT_SSH_KEYFUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 184,
  FETCHOPT_SSH_KEYDATA = FETCHOPTTYPE_CBPOINT + 185,
  FETCHOPT_MAIL_FROM = FETCHOPTTYPE_STRINGPOINT + 186,
  FETCHOPT_MAIL_RCPT = FETCHOPTTYPE_SLISTPOINT + 187,
  FETCHOPT_FTP_USE_PRET = FETCHOPTTYPE_LONG + 188,
  FETCHOPT_RTSP_REQUEST = FETCHOPTTYPE_VALUES + 189,
  FETCHOPT_RTSP_SESSION_ID = FETCHOPTTYPE_STRINGPOINT + 190,
  FETCHOPT_RTSP_STREAM_URI = FETCHOPTTYPE_STRINGPOINT + 191,
  FETCHOPT_RTSP_TRANSPORT = FETCHOPTTYPE_STRINGPOINT + 192,
  FETCHOPT_RTSP_CLIENT_CSEQ = FETCHOPTTYPE_LONG + 193,
  FETCHOPT_RTSP_SERVER_CSEQ = FETCHOPTTYPE_LONG + 194,
  FETCHOPT_INTERLEAVEDATA = FETCHOPTTYPE_CBPOINT + 195,
  FETCHOPT_INTERLEAVEFUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 196,
  FETCHOPT_WILDCARDMATCH = FETCHOPTTYPE_LONG + 197,
  FETCHOPT_CHUNK_BGN_FUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 198,
  FETCHOPT_CHUNK_END_FUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 199,
  FETCHOPT_FNMATCH_FUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 200,
  FETCHOPT_CHUNK_DATA = FETCHOPTTYPE_CBPOINT + 201,
  FETCHOPT_FNMATCH_DATA = FETCHOPTTYPE_CBPOINT + 202,
  FETCHOPT_RESOLVE = FETCHOPTTYPE_SLISTPOINT + 203,
  FETCHOPT_TLSAUTH_USERNAME = FETCHOPTTYPE_STRINGPOINT + 204,
  FETCHOPT_TLSAUTH_PASSWORD = FETCHOPTTYPE_STRINGPOINT + 205,
  FETCHOPT_TLSAUTH_TYPE = FETCHOPTTYPE_STRINGPOINT + 206,
  FETCHOPT_TRANSFER_ENCODING = FETCHOPTTYPE_LONG + 207,
  FETCHOPT_CLOSESOCKETFUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 208,
  FETCHOPT_CLOSESOCKETDATA = FETCHOPTTYPE_CBPOINT + 209,
  FETCHOPT_GSSAPI_DELEGATION = FETCHOPTTYPE_VALUES + 210,
  FETCHOPT_DNS_SERVERS = FETCHOPTTYPE_STRINGPOINT + 211,
  FETCHOPT_ACCEPTTIMEOUT_MS = FETCHOPTTYPE_LONG + 212,
  FETCHOPT_TCP_KEEPALIVE = FETCHOPTTYPE_LONG + 213,
  FETCHOPT_TCP_KEEPIDLE = FETCHOPTTYPE_LONG + 214,
  FETCHOPT_TCP_KEEPINTVL = FETCHOPTTYPE_LONG + 215,
  FETCHOPT_SSL_OPTIONS = FETCHOPTTYPE_VALUES + 216,
  FETCHOPT_MAIL_AUTH = FETCHOPTTYPE_STRINGPOINT + 217,
  FETCHOPT_SASL_IR = FETCHOPTTYPE_LONG + 218,
  FETCHOPT_XFERINFOFUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 219,
  FETCHOPT_XOAUTH2_BEARER = FETCHOPTTYPE_STRINGPOINT + 220,
  FETCHOPT_DNS_INTERFACE = FETCHOPTTYPE_STRINGPOINT + 221,
  FETCHOPT_DNS_LOCAL_IP4 = FETCHOPTTYPE_STRINGPOINT + 222,
  FETCHOPT_DNS_LOCAL_IP6 = FETCHOPTTYPE_STRINGPOINT + 223,
  FETCHOPT_LOGIN_OPTIONS = FETCHOPTTYPE_STRINGPOINT + 224,
  FETCHOPT_SSL_ENABLE_NPN = FETCHOPTTYPE_LONG + 225,
  FETCHOPT_SSL_ENABLE_ALPN = FETCHOPTTYPE_LONG + 226,
  FETCHOPT_EXPECT_100_TIMEOUT_MS = FETCHOPTTYPE_LONG + 227,
  FETCHOPT_PROXYHEADER = FETCHOPTTYPE_SLISTPOINT + 228,
  FETCHOPT_HEADEROPT = FETCHOPTTYPE_VALUES + 229,
  FETCHOPT_PINNEDPUBLICKEY = FETCHOPTTYPE_STRINGPOINT + 230,
  FETCHOPT_UNIX_SOCKET_PATH = FETCHOPTTYPE_STRINGPOINT + 231,
  FETCHOPT_SSL_VERIFYSTATUS = FETCHOPTTYPE_LONG + 232,
  FETCHOPT_SSL_FALSESTART = FETCHOPTTYPE_LONG + 233,
  FETCHOPT_PATH_AS_IS = FETCHOPTTYPE_LONG + 234,
  FETCHOPT_PROXY_SERVICE_NAME = FETCHOPTTYPE_STRINGPOINT + 235,
  FETCHOPT_SERVICE_NAME = FETCHOPTTYPE_STRINGPOINT + 236,
  FETCHOPT_PIPEWAIT = FETCHOPTTYPE_LONG + 237,
  FETCHOPT_DEFAULT_PROTOCOL = FETCHOPTTYPE_STRINGPOINT + 238,
  FETCHOPT_STREAM_WEIGHT = FETCHOPTTYPE_LONG + 239,
  FETCHOPT_STREAM_DEPENDS = FETCHOPTTYPE_OBJECTPOINT + 240,
  FETCHOPT_STREAM_DEPENDS_E = FETCHOPTTYPE_OBJECTPOINT + 241,
  FETCHOPT_TFTP_NO_OPTIONS = FETCHOPTTYPE_LONG + 242,
  FETCHOPT_CONNECT_TO = FETCHOPTTYPE_SLISTPOINT + 243,
  FETCHOPT_TCP_FASTOPEN = FETCHOPTTYPE_LONG + 244,
  FETCHOPT_KEEP_SENDING_ON_ERROR = FETCHOPTTYPE_LONG + 245,
  FETCHOPT_PROXY_CAINFO = FETCHOPTTYPE_STRINGPOINT + 246,
  FETCHOPT_PROXY_CAPATH = FETCHOPTTYPE_STRINGPOINT + 247,
  FETCHOPT_PROXY_SSL_VERIFYPEER = FETCHOPTTYPE_LONG + 248,
  FETCHOPT_PROXY_SSL_VERIFYHOST = FETCHOPTTYPE_LONG + 249,
  FETCHOPT_PROXY_SSLVERSION = FETCHOPTTYPE_VALUES + 250,
  FETCHOPT_PROXY_TLSAUTH_USERNAME = FETCHOPTTYPE_STRINGPOINT + 251,
  FETCHOPT_PROXY_TLSAUTH_PASSWORD = FETCHOPTTYPE_STRINGPOINT + 252,
  FETCHOPT_PROXY_TLSAUTH_TYPE = FETCHOPTTYPE_STRINGPOINT + 253,
  FETCHOPT_PROXY_SSLCERT = FETCHOPTTYPE_STRINGPOINT + 254,
  FETCHOPT_PROXY_SSLCERTTYPE = FETCHOPTTYPE_STRINGPOINT + 255,
  FETCHOPT_PROXY_SSLKEY = FETCHOPTTYPE_STRINGPOINT + 256,
  FETCHOPT_PROXY_SSLKEYTYPE = FETCHOPTTYPE_STRINGPOINT + 257,
  FETCHOPT_PROXY_KEYPASSWD = FETCHOPTTYPE_STRINGPOINT + 258,
  FETCHOPT_PROXY_SSL_CIPHER_LIST = FETCHOPTTYPE_STRINGPOINT + 259,
  FETCHOPT_PROXY_CRLFILE = FETCHOPTTYPE_STRINGPOINT + 260,
  FETCHOPT_PROXY_SSL_OPTIONS = FETCHOPTTYPE_LONG + 261,
  FETCHOPT_PRE_PROXY = FETCHOPTTYPE_STRINGPOINT + 262,
  FETCHOPT_PROXY_PINNEDPUBLICKEY = FETCHOPTTYPE_STRINGPOINT + 263,
  FETCHOPT_ABSTRACT_UNIX_SOCKET = FETCHOPTTYPE_STRINGPOINT + 264,
  FETCHOPT_SUPPRESS_CONNECT_HEADERS = FETCHOPTTYPE_LONG + 265,
  FETCHOPT_REQUEST_TARGET = FETCHOPTTYPE_STRINGPOINT + 266,
  FETCHOPT_SOCKS5_AUTH = FETCHOPTTYPE_LONG + 267,
  FETCHOPT_SSH_COMPRESSION = FETCHOPTTYPE_LONG + 268,
  FETCHOPT_MIMEPOST = FETCHOPTTYPE_OBJECTPOINT + 269,
  FETCHOPT_TIMEVALUE_LARGE = FETCHOPTTYPE_OFF_T + 270,
  FETCHOPT_HAPPY_EYEBALLS_TIMEOUT_MS = FETCHOPTTYPE_LONG + 271,
  FETCHOPT_RESOLVER_START_FUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 272,
  FETCHOPT_RESOLVER_START_DATA = FETCHOPTTYPE_CBPOINT + 273,
  FETCHOPT_HAPROXYPROTOCOL = FETCHOPTTYPE_LONG + 274,
  FETCHOPT_DNS_SHUFFLE_ADDRESSES = FETCHOPTTYPE_LONG + 275,
  FETCHOPT_TLS13_CIPHERS = FETCHOPTTYPE_STRINGPOINT + 276,
  FETCHOPT_PROXY_TLS13_CIPHERS = FETCHOPTTYPE_STRINGPOINT + 277,
  FETCHOPT_DISALLOW_USERNAME_IN_URL = FETCHOPTTYPE_LONG + 278,
  FETCHOPT_DOH_URL = FETCHOPTTYPE_STRINGPOINT + 279,
  FETCHOPT_UPLOAD_BUFFERSIZE = FETCHOPTTYPE_LONG + 280,
  FETCHOPT_UPKEEP_INTERVAL_MS = FETCHOPTTYPE_LONG + 281,
  FETCHOPT_FETCHU = FETCHOPTTYPE_OBJECTPOINT + 282,
  FETCHOPT_TRAILERFUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 283,
  FETCHOPT_TRAILERDATA = FETCHOPTTYPE_CBPOINT + 284,
  FETCHOPT_HTTP09_ALLOWED = FETCHOPTTYPE_LONG + 285,
  FETCHOPT_ALTSVC_CTRL = FETCHOPTTYPE_LONG + 286,
  FETCHOPT_ALTSVC = FETCHOPTTYPE_STRINGPOINT + 287,
  FETCHOPT_MAXAGE_CONN = FETCHOPTTYPE_LONG + 288,
  FETCHOPT_SASL_AUTHZID = FETCHOPTTYPE_STRINGPOINT + 289,
  FETCHOPT_MAIL_RCPT_ALLLOWFAILS = FETCHOPTTYPE_LONG + 290,
  FETCHOPT_SSLCERT_BLOB = FETCHOPTTYPE_BLOB + 291,
  FETCHOPT_SSLKEY_BLOB = FETCHOPTTYPE_BLOB + 292,
  FETCHOPT_PROXY_SSLCERT_BLOB = FETCHOPTTYPE_BLOB + 293,
  FETCHOPT_PROXY_SSLKEY_BLOB = FETCHOPTTYPE_BLOB + 294,
  FETCHOPT_ISSUERCERT_BLOB = FETCHOPTTYPE_BLOB + 295,
  FETCHOPT_PROXY_ISSUERCERT = FETCHOPTTYPE_STRINGPOINT + 296,
  FETCHOPT_PROXY_ISSUERCERT_BLOB = FETCHOPTTYPE_BLOB + 297,
  FETCHOPT_SSL_EC_CURVES = FETCHOPTTYPE_STRINGPOINT + 298,
  FETCHOPT_HSTS_CTRL = FETCHOPTTYPE_LONG + 299,
  FETCHOPT_HSTS = FETCHOPTTYPE_STRINGPOINT + 300,
  FETCHOPT_HSTSREADFUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 301,
  FETCHOPT_HSTSREADDATA = FETCHOPTTYPE_CBPOINT + 302,
  FETCHOPT_HSTSWRITEFUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 303,
  FETCHOPT_HSTSWRITEDATA = FETCHOPTTYPE_CBPOINT + 304,
  FETCHOPT_AWS_SIGV4 = FETCHOPTTYPE_STRINGPOINT + 305,
  FETCHOPT_DOH_SSL_VERIFYPEER = FETCHOPTTYPE_LONG + 306,
  FETCHOPT_DOH_SSL_VERIFYHOST = FETCHOPTTYPE_LONG + 307,
  FETCHOPT_DOH_SSL_VERIFYSTATUS = FETCHOPTTYPE_LONG + 308,
  FETCHOPT_CAINFO_BLOB = FETCHOPTTYPE_BLOB + 309,
  FETCHOPT_PROXY_CAINFO_BLOB = FETCHOPTTYPE_BLOB + 310,
  FETCHOPT_SSH_HOST_PUBLIC_KEY_SHA256 = FETCHOPTTYPE_STRINGPOINT + 311,
  FETCHOPT_PREREQFUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 312,
  FETCHOPT_PREREQDATA = FETCHOPTTYPE_CBPOINT + 313,
  FETCHOPT_MAXLIFETIME_CONN = FETCHOPTTYPE_LONG + 314,
  FETCHOPT_MIME_OPTIONS = FETCHOPTTYPE_LONG + 315,
  FETCHOPT_SSH_HOSTKEYFUNCTION = FETCHOPTTYPE_FUNCTIONPOINT + 316,
  FETCHOPT_SSH_HOSTKEYDATA = FETCHOPTTYPE_CBPOINT + 317,
  FETCHOPT_PROTOCOLS_STR = FETCHOPTTYPE_STRINGPOINT + 318,
  FETCHOPT_REDIR_PROTOCOLS_STR = FETCHOPTTYPE_STRINGPOINT + 319,
  FETCHOPT_WS_OPTIONS = FETCHOPTTYPE_LONG + 320,
  FETCHOPT_CA_CACHE_TIMEOUT = FETCHOPTTYPE_LONG + 321,
  FETCHOPT_QUICK_EXIT = FETCHOPTTYPE_LONG + 322,
  FETCHOPT_LASTENTRY
} FETCHoption;
#define FETCHOPT_ENCODING FETCHOPT_ACCEPT_ENCODING
#define FETCHOPT_FILE FETCHOPT_WRITEDATA
#define FETCHOPT_FTPAPPEND FETCHOPT_APPEND
#define FETCHOPT_FTPLISTONLY FETCHOPT_DIRLISTONLY
#define FETCHOPT_FTP_RESPONSE_TIMEOUT FETCHOPT_SERVER_RESPONSE_TIMEOUT
#define FETCHOPT_FTP_SSL FETCHOPT_USE_SSL
#define FETCHOPT_INFILE FETCHOPT_READDATA
#define FETCHOPT_KRB4LEVEL FETCHOPT_KRBLEVEL
#define FETCHOPT_POST301 FETCHOPT_POSTREDIR
#define FETCHOPT_PROGRESSDATA FETCHOPT_XFERINFODATA
#define FETCHOPT_RTSPHEADER FETCHOPT_HTTPHEADER
#define FETCHOPT_SSLCERTPASSWD FETCHOPT_KEYPASSWD
#define FETCHOPT_SSLKEYPASSWD FETCHOPT_KEYPASSWD
#define FETCHOPT_WRITEHEADER FETCHOPT_HEADERDATA

/* fetch_easy_option_by_name/_by_id/_next: one entry per option name. */
struct fetch_easyoption {
  const char *name;
  FETCHoption id;
  fetch_easytype type;
  unsigned int flags;
};

/* ---- getinfo ids ----
   getinfo answers those ABI.md lists; the rest give FETCHE_NOT_BUILT_IN or
   FETCHE_UNKNOWN_OPTION. */
typedef enum {
  FETCHINFO_NONE = 0,
  FETCHINFO_EFFECTIVE_URL = FETCHINFO_STRING + 1,
  FETCHINFO_RESPONSE_CODE = FETCHINFO_LONG + 2,
  FETCHINFO_TOTAL_TIME = FETCHINFO_DOUBLE + 3,
  FETCHINFO_NAMELOOKUP_TIME = FETCHINFO_DOUBLE + 4,
  FETCHINFO_CONNECT_TIME = FETCHINFO_DOUBLE + 5,
  FETCHINFO_PRETRANSFER_TIME = FETCHINFO_DOUBLE + 6,
  FETCHINFO_SIZE_UPLOAD = FETCHINFO_DOUBLE + 7,
  FETCHINFO_SIZE_UPLOAD_T = FETCHINFO_OFF_T + 7,
  FETCHINFO_SIZE_DOWNLOAD = FETCHINFO_DOUBLE + 8,
  FETCHINFO_SIZE_DOWNLOAD_T = FETCHINFO_OFF_T + 8,
  FETCHINFO_SPEED_DOWNLOAD = FETCHINFO_DOUBLE + 9,
  FETCHINFO_SPEED_DOWNLOAD_T = FETCHINFO_OFF_T + 9,
  FETCHINFO_SPEED_UPLOAD = FETCHINFO_DOUBLE + 10,
  FETCHINFO_SPEED_UPLOAD_T = FETCHINFO_OFF_T + 10,
  FETCHINFO_HEADER_SIZE = FETCHINFO_LONG + 11,
  FETCHINFO_REQUEST_SIZE = FETCHINFO_LONG + 12,
  FETCHINFO_SSL_VERIFYRESULT = FETCHINFO_LONG + 13,
  FETCHINFO_FILETIME = FETCHINFO_LONG + 14,
  FETCHINFO_FILETIME_T = FETCHINFO_OFF_T + 14,
  FETCHINFO_CONTENT_LENGTH_DOWNLOAD = FETCHINFO_DOUBLE + 15,
  FETCHINFO_CONTENT_LENGTH_DOWNLOAD_T = FETCHINFO_OFF_T + 15,
  FETCHINFO_CONTENT_LENGTH_UPLOAD = FETCHINFO_DOUBLE + 16,
  FETCHINFO_CONTENT_LENGTH_UPLOAD_T = FETCHINFO_OFF_T + 16,
  FETCHINFO_STARTTRANSFER_TIME = FETCHINFO_DOUBLE + 17,
  FETCHINFO_CONTENT_TYPE = FETCHINFO_STRING + 18,
  FETCHINFO_REDIRECT_TIME = FETCHINFO_DOUBLE + 19,
  FETCHINFO_REDIRECT_COUNT = FETCHINFO_LONG + 20,
  FETCHINFO_PRIVATE = FETCHINFO_STRING + 21,
  FETCHINFO_HTTP_CONNECTCODE = FETCHINFO_LONG + 22,
  FETCHINFO_HTTPAUTH_AVAIL = FETCHINFO_LONG + 23,
  FETCHINFO_PROXYAUTH_AVAIL = FETCHINFO_LONG + 24,
  FETCHINFO_OS_ERRNO = FETCHINFO_LONG + 25,
  FETCHINFO_NUM_CONNECTS = FETCHINFO_LONG + 26,
  FETCHINFO_SSL_ENGINES = FETCHINFO_SLIST + 27,
  FETCHINFO_COOKIELIST = FETCHINFO_SLIST + 28,
  FETCHINFO_LASTSOCKET = FETCHINFO_LONG + 29,
  FETCHINFO_FTP_ENTRY_PATH = FETCHINFO_STRING + 30,
  FETCHINFO_REDIRECT_URL = FETCHINFO_STRING + 31,
  FETCHINFO_PRIMARY_IP = FETCHINFO_STRING + 32,
  FETCHINFO_APPCONNECT_TIME = FETCHINFO_DOUBLE + 33,
  FETCHINFO_CERTINFO = FETCHINFO_SLIST + 34,
  FETCHINFO_CONDITION_UNMET = FETCHINFO_LONG + 35,
  FETCHINFO_RTSP_SESSION_ID = FETCHINFO_STRING + 36,
  FETCHINFO_RTSP_CLIENT_CSEQ = FETCHINFO_LONG + 37,
  FETCHINFO_RTSP_SERVER_CSEQ = FETCHINFO_LONG + 38,
  FETCHINFO_RTSP_CSEQ_RECV = FETCHINFO_LONG + 39,
  FETCHINFO_PRIMARY_PORT = FETCHINFO_LONG + 40,
  FETCHINFO_LOCAL_IP = FETCHINFO_STRING + 41,
  FETCHINFO_LOCAL_PORT = FETCHINFO_LONG + 42,
  FETCHINFO_TLS_SESSION = FETCHINFO_SLIST + 43,
  FETCHINFO_ACTIVESOCKET = FETCHINFO_SOCKET + 44,
  FETCHINFO_TLS_SSL_PTR = FETCHINFO_SLIST + 45,
  FETCHINFO_HTTP_VERSION = FETCHINFO_LONG + 46,
  FETCHINFO_PROXY_SSL_VERIFYRESULT = FETCHINFO_LONG + 47,
  FETCHINFO_PROTOCOL = FETCHINFO_LONG + 48,
  FETCHINFO_SCHEME = FETCHINFO_STRING + 49,
  FETCHINFO_TOTAL_TIME_T = FETCHINFO_OFF_T + 50,
  FETCHINFO_NAMELOOKUP_TIME_T = FETCHINFO_OFF_T + 51,
  FETCHINFO_CONNECT_TIME_T = FETCHINFO_OFF_T + 52,
  FETCHINFO_PRETRANSFER_TIME_T = FETCHINFO_OFF_T + 53,
  FETCHINFO_STARTTRANSFER_TIME_T = FETCHINFO_OFF_T + 54,
  FETCHINFO_REDIRECT_TIME_T = FETCHINFO_OFF_T + 55,
  FETCHINFO_APPCONNECT_TIME_T = FETCHINFO_OFF_T + 56,
  FETCHINFO_RETRY_AFTER = FETCHINFO_OFF_T + 57,
  FETCHINFO_EFFECTIVE_METHOD = FETCHINFO_STRING + 58,
  FETCHINFO_PROXY_ERROR = FETCHINFO_LONG + 59,
  FETCHINFO_REFERER = FETCHINFO_STRING + 60,
  FETCHINFO_CAINFO = FETCHINFO_STRING + 61,
  FETCHINFO_CAPATH = FETCHINFO_STRING + 62,
  FETCHINFO_LASTONE = 62
} FETCHINFO;
#define FETCHINFO_HTTP_CODE FETCHINFO_RESPONSE_CODE

/* ---- multi ---- */

typedef enum {
  FETCHMSG_NONE = 0,
  FETCHMSG_DONE = 1,
  FETCHMSG_LAST = 2
} FETCHMSG;

struct FETCHMsg {
  FETCHMSG msg;
  FETCH *easy_handle;
  union {
    void *whatever;
    FETCHcode result;
  } data;
};
typedef struct FETCHMsg FETCHMsg;

struct fetch_waitfd {
  fetch_socket_t fd;
  short events;
  short revents;
};

typedef int (*fetch_socket_callback)(FETCH *easy, fetch_socket_t s, int what,
                                     void *clientp, void *socketp);
typedef int (*fetch_multi_timer_callback)(FETCHM *multi, long timeout_ms,
                                          void *clientp);

/* Multi options. The NOTIFY/NETWORK_CHANGED/RESOLVE_THREADS_MAX/
   QUICK_EXIT options are defined for completeness but give
   FETCHM_UNKNOWN_OPTION. */
typedef enum {
  FETCHMOPT_SOCKETFUNCTION = 20001,
  FETCHMOPT_SOCKETDATA = 10002,
  FETCHMOPT_PIPELINING = 3,
  FETCHMOPT_TIMERFUNCTION = 20004,
  FETCHMOPT_TIMERDATA = 10005,
  FETCHMOPT_MAXCONNECTS = 6,
  FETCHMOPT_MAX_HOST_CONNECTIONS = 7,
  FETCHMOPT_MAX_PIPELINE_LENGTH = 8,
  FETCHMOPT_CONTENT_LENGTH_PENALTY_SIZE = 30009,
  FETCHMOPT_CHUNK_LENGTH_PENALTY_SIZE = 30010,
  FETCHMOPT_PIPELINING_SITE_BL = 10011,
  FETCHMOPT_PIPELINING_SERVER_BL = 10012,
  FETCHMOPT_MAX_TOTAL_CONNECTIONS = 13,
  FETCHMOPT_PUSHFUNCTION = 20014,
  FETCHMOPT_PUSHDATA = 10015,
  FETCHMOPT_MAX_CONCURRENT_STREAMS = 16,
  FETCHMOPT_NETWORK_CHANGED = 17,
  FETCHMOPT_NOTIFYFUNCTION = 20018,
  FETCHMOPT_NOTIFYDATA = 10019,
  FETCHMOPT_RESOLVE_THREADS_MAX = 20,
  FETCHMOPT_QUICK_EXIT = 21,
  FETCHMOPT_LASTENTRY = 22
} FETCHMoption;

#define FETCHMNWC_CLEAR_ALL 1
#define FETCHMNWC_CLEAR_CONNS 2
#define FETCHMNWC_CLEAR_DNS 4
#define FETCHMNOTIFY_INFO_READ 0
#define FETCHMNOTIFY_EASY_DONE 1
#define FETCHMINFO_NONE 0
#define FETCHMINFO_XFERS_CURRENT 1
#define FETCHMINFO_XFERS_RUNNING 2
#define FETCHMINFO_XFERS_PENDING 3
#define FETCHMINFO_XFERS_DONE 4
#define FETCHMINFO_XFERS_ADDED 5
#define FETCHMINFO_LASTENTRY 6

/* ---- functions ---- */

FETCHcode fetch_global_init(long flags);
void fetch_global_cleanup(void);
char *fetch_version(void);
void fetch_free(void *p);

struct fetch_slist *fetch_slist_append(struct fetch_slist *list, const char *data);
void fetch_slist_free_all(struct fetch_slist *list);

/* Handles are checked against a registry of live handles before use, so a
 * NULL, freed or foreign pointer gets FETCHE_BAD_FUNCTION_ARGUMENT /
 * FETCHM_BAD_HANDLE / FETCHM_BAD_EASY_HANDLE (or is ignored) without its
 * memory being read. Limit: a later fetch_easy_init / fetch_multi_init may
 * reuse a freed handle's address, and the stale pointer then names the new
 * handle. fetch_easy_cleanup from inside a callback is safe: the handle is
 * retired at once and freed when the running call is done (ABI.md). */
FETCH *fetch_easy_init(void);
void fetch_easy_cleanup(FETCH *handle);
void fetch_easy_reset(FETCH *handle);
FETCH *fetch_easy_duphandle(FETCH *handle);
FETCHcode fetch_easy_perform(FETCH *handle);
const char *fetch_easy_strerror(FETCHcode code);
FETCHcode fetch_easy_setopt_long(FETCH *handle, FETCHoption option, long value);
FETCHcode fetch_easy_setopt_off_t(FETCH *handle, FETCHoption option, fetch_off_t value);
FETCHcode fetch_easy_setopt_ptr(FETCH *handle, FETCHoption option, const void *value);
FETCHcode fetch_easy_setopt_func(FETCH *handle, FETCHoption option, fetch_func value);
FETCHcode fetch_easy_getinfo_ptr(FETCH *handle, FETCHINFO info, void *out);
FETCHcode fetch_easy_pause(FETCH *handle, int bitmask);

FETCHM *fetch_multi_init(void);
FETCHMcode fetch_multi_cleanup(FETCHM *multi_handle);
FETCHMcode fetch_multi_add_handle(FETCHM *multi_handle, FETCH *easy_handle);
FETCHMcode fetch_multi_remove_handle(FETCHM *multi_handle, FETCH *easy_handle);
FETCHMcode fetch_multi_setopt_long(FETCHM *multi_handle, FETCHMoption option, long value);
FETCHMcode fetch_multi_setopt_off_t(FETCHM *multi_handle, FETCHMoption option, fetch_off_t value);
FETCHMcode fetch_multi_setopt_ptr(FETCHM *multi_handle, FETCHMoption option, const void *value);
FETCHMcode fetch_multi_setopt_func(FETCHM *multi_handle, FETCHMoption option, fetch_func value);
FETCHMcode fetch_multi_socket_action(FETCHM *multi_handle, fetch_socket_t s,
                                     int ev_bitmask, int *running_handles);
FETCHMcode fetch_multi_socket(FETCHM *multi_handle, fetch_socket_t s, int *running_handles);
FETCHMcode fetch_multi_socket_all(FETCHM *multi_handle, int *running_handles);
FETCHMcode fetch_multi_assign(FETCHM *multi_handle, fetch_socket_t sockfd, void *sockp);
FETCHMsg *fetch_multi_info_read(FETCHM *multi_handle, int *msgs_in_queue);
FETCHMcode fetch_multi_timeout(FETCHM *multi_handle, long *milliseconds);
FETCHMcode fetch_multi_fdset(FETCHM *multi_handle, fd_set *read_fd_set,
                             fd_set *write_fd_set, fd_set *exc_fd_set, int *max_fd);
FETCHMcode fetch_multi_waitfds(FETCHM *multi_handle, struct fetch_waitfd *ufds,
                               unsigned int size, unsigned int *fd_count);
FETCHMcode fetch_multi_perform(FETCHM *multi_handle, int *running_handles);
FETCHMcode fetch_multi_wait(FETCHM *multi_handle, struct fetch_waitfd extra_fds[],
                            unsigned int extra_nfds, int timeout_ms, int *numfds);
FETCHMcode fetch_multi_poll(FETCHM *multi_handle, struct fetch_waitfd extra_fds[],
                            unsigned int extra_nfds, int timeout_ms, int *numfds);
FETCHMcode fetch_multi_wakeup(FETCHM *multi_handle);
const char *fetch_multi_strerror(FETCHMcode code);
FETCH **fetch_multi_get_handles(FETCHM *multi_handle);

/* ---- the rest of upstream's functions ----
   Implemented: the string helpers, fetch_getenv, fetch_getdate,
   fetch_version_info, fetch_global_init_mem / _sslset, the option
   directory and fetch_easy_upkeep. The others exist so that programs link,
   and answer their family's "not built in" (ABI.md). */

int fetch_strequal(const char *s1, const char *s2);
int fetch_strnequal(const char *s1, const char *s2, size_t n);
char *fetch_easy_escape(FETCH *handle, const char *string, int length);
char *fetch_easy_unescape(FETCH *handle, const char *string, int length, int *outlength);
char *fetch_escape(const char *string, int length);
char *fetch_unescape(const char *string, int length);
char *fetch_getenv(const char *variable);
time_t fetch_getdate(const char *p, const time_t *unused);
fetch_version_info_data *fetch_version_info(FETCHversion stamp);
FETCHcode fetch_global_init_mem(long flags, fetch_malloc_callback m, fetch_free_callback f,
                                fetch_realloc_callback r, fetch_strdup_callback s,
                                fetch_calloc_callback c);
FETCHsslset fetch_global_sslset(fetch_sslbackend id, const char *name,
                                const fetch_ssl_backend ***avail);
const struct fetch_easyoption *fetch_easy_option_by_name(const char *name);
const struct fetch_easyoption *fetch_easy_option_by_id(FETCHoption id);
const struct fetch_easyoption *fetch_easy_option_next(const struct fetch_easyoption *prev);
FETCHcode fetch_easy_upkeep(FETCH *handle);
FETCHcode fetch_easy_recv(FETCH *handle, void *buffer, size_t buflen, size_t *n);
FETCHcode fetch_easy_send(FETCH *handle, const void *buffer, size_t buflen, size_t *n);
FETCHHcode fetch_easy_header(FETCH *easy, const char *name, size_t index, unsigned int origin,
                             int request, struct fetch_header **hout);
struct fetch_header *fetch_easy_nextheader(FETCH *easy, unsigned int origin, int request,
                                           struct fetch_header *prev);

fetch_mime *fetch_mime_init(FETCH *easy);
void fetch_mime_free(fetch_mime *mime);
fetch_mimepart *fetch_mime_addpart(fetch_mime *mime);
FETCHcode fetch_mime_name(fetch_mimepart *part, const char *name);
FETCHcode fetch_mime_filename(fetch_mimepart *part, const char *filename);
FETCHcode fetch_mime_type(fetch_mimepart *part, const char *mimetype);
FETCHcode fetch_mime_encoder(fetch_mimepart *part, const char *encoding);
FETCHcode fetch_mime_data(fetch_mimepart *part, const char *data, size_t datasize);
FETCHcode fetch_mime_filedata(fetch_mimepart *part, const char *filename);
FETCHcode fetch_mime_data_cb(fetch_mimepart *part, fetch_off_t datasize,
                             fetch_read_callback readfunc, fetch_seek_callback seekfunc,
                             fetch_free_callback freefunc, void *arg);
FETCHcode fetch_mime_subparts(fetch_mimepart *part, fetch_mime *subparts);
FETCHcode fetch_mime_headers(fetch_mimepart *part, struct fetch_slist *headers,
                             int take_ownership);

int fetch_formget(struct fetch_httppost *form, void *arg, fetch_formget_callback append);
void fetch_formfree(struct fetch_httppost *form);

FETCHSH *fetch_share_init(void);
FETCHSHcode fetch_share_cleanup(FETCHSH *share);
/* What the inline fetch_share_setopt calls: integer options (SHARE,
   UNSHARE) and pointer ones (LOCKFUNC, UNLOCKFUNC, USERDATA). */
FETCHSHcode fetch_share_setopt_long(FETCHSH *share, FETCHSHoption option, long value);
FETCHSHcode fetch_share_setopt_ptr(FETCHSH *share, FETCHSHoption option, void *value);
const char *fetch_share_strerror(FETCHSHcode code);

FETCHU *fetch_url(void);
void fetch_url_cleanup(FETCHU *handle);
FETCHU *fetch_url_dup(const FETCHU *in);
FETCHUcode fetch_url_get(const FETCHU *handle, FETCHUPart what, char **part, unsigned int flags);
FETCHUcode fetch_url_set(FETCHU *handle, FETCHUPart what, const char *part, unsigned int flags);
const char *fetch_url_strerror(FETCHUcode code);

char *fetch_pushheader_bynum(struct fetch_pushheaders *h, size_t num);
char *fetch_pushheader_byname(struct fetch_pushheaders *h, const char *name);

FETCHcode fetch_ws_recv(FETCH *handle, void *buffer, size_t buflen, size_t *recv,
                        const struct fetch_ws_frame **metap);
FETCHcode fetch_ws_send(FETCH *handle, const void *buffer, size_t buflen, size_t *sent,
                        fetch_off_t fragsize, unsigned int flags);
const struct fetch_ws_frame *fetch_ws_meta(FETCH *handle);

/* Upstream's variadic functions that have nothing to pass on are inline
   here (a Rust library cannot define C variadics): */
FETCHFORMcode fetch_formadd_items(struct fetch_httppost **httppost,
                                  struct fetch_httppost **last_post,
                                  const struct fetch_formadd_item *items, size_t count);
/* fetch_formadd gathers its option/value pairs (up to 64) and hands them
   to fetch_formadd_items, which does the work. */
static inline FETCHFORMcode fetch_formadd(struct fetch_httppost **httppost,
                                          struct fetch_httppost **last_post, ...)
{
  struct fetch_formadd_item items[64];
  size_t n = 0;
  va_list ap;
  va_start(ap, last_post);
  for (;;) {
    int option = va_arg(ap, int);
    if (option == FETCHFORM_END)
      break;
    if (n == 64) {
      va_end(ap);
      return FETCH_FORMADD_MEMORY;
    }
    items[n].option = option;
    items[n].ptr = NULL;
    items[n].num = 0;
    switch (option) {
    case FETCHFORM_NAMELENGTH:
    case FETCHFORM_CONTENTSLENGTH:
    case FETCHFORM_BUFFERLENGTH:
      items[n].num = va_arg(ap, long);
      break;
    case FETCHFORM_CONTENTLEN:
      items[n].num = va_arg(ap, fetch_off_t);
      break;
    case FETCHFORM_COPYNAME:
    case FETCHFORM_PTRNAME:
    case FETCHFORM_COPYCONTENTS:
    case FETCHFORM_PTRCONTENTS:
    case FETCHFORM_FILECONTENT:
    case FETCHFORM_FILE:
    case FETCHFORM_BUFFER:
    case FETCHFORM_BUFFERPTR:
    case FETCHFORM_CONTENTTYPE:
    case FETCHFORM_FILENAME:
    case FETCHFORM_CONTENTHEADER:
    case FETCHFORM_STREAM:
    case FETCHFORM_ARRAY:
      items[n].ptr = va_arg(ap, const void *);
      break;
    default:
      va_end(ap);
      return FETCH_FORMADD_UNKNOWN_OPTION;
    }
    n++;
  }
  va_end(ap);
  return (FETCHFORMcode)fetch_formadd_items(httppost, last_post, items, n);
}
/* __extension__ keeps -pedantic quiet about function pointers as void *. */
#if defined(__GNUC__) || defined(__clang__)
#define FETCH_EXT_ __extension__
#else
#define FETCH_EXT_
#endif
static inline FETCHSHcode fetch_share_setopt(FETCHSH *share, FETCHSHoption option, ...)
{
  va_list ap;
  FETCHSHcode rc;
  va_start(ap, option);
  switch (option) {
  case FETCHSHOPT_SHARE:
  case FETCHSHOPT_UNSHARE:
    rc = fetch_share_setopt_long(share, option, (long)va_arg(ap, int));
    break;
  case FETCHSHOPT_LOCKFUNC: {
    fetch_lock_function f = va_arg(ap, fetch_lock_function);
    rc = fetch_share_setopt_ptr(share, option, FETCH_EXT_ (void *)f);
    break;
  }
  case FETCHSHOPT_UNLOCKFUNC: {
    fetch_unlock_function f = va_arg(ap, fetch_unlock_function);
    rc = fetch_share_setopt_ptr(share, option, FETCH_EXT_ (void *)f);
    break;
  }
  case FETCHSHOPT_USERDATA:
    rc = fetch_share_setopt_ptr(share, option, va_arg(ap, void *));
    break;
  default:
    rc = fetch_share_setopt_long(share, option, 0);
    break;
  }
  va_end(ap);
  return rc;
}

/* ---- the "variadic" API as C11 _Generic macros ----
   Integers go to _long (long long to _off_t), everything else (strings,
   data pointers, function pointers) to _ptr. __extension__ keeps gcc/clang
   -pedantic quiet about passing a function pointer as void *; a strictly
   ISO program can call fetch_easy_setopt_func(h, opt, (fetch_func)cb).
   (FETCH_EXT_ is defined above fetch_share_setopt, its first user.) */

#define FETCH_SETOPT_DISPATCH_(value, prefix)                             \
  _Generic((value),                                                       \
    _Bool: prefix##_long, char: prefix##_long,                            \
    signed char: prefix##_long, unsigned char: prefix##_long,             \
    short: prefix##_long, unsigned short: prefix##_long,                  \
    int: prefix##_long, unsigned int: prefix##_long,                      \
    long: prefix##_long, unsigned long: prefix##_long,                    \
    long long: prefix##_off_t, unsigned long long: prefix##_off_t,        \
    fetch_func: prefix##_func,                                            \
    default: prefix##_ptr)

#define fetch_easy_setopt(handle, option, value)                          \
  (FETCH_EXT_ FETCH_SETOPT_DISPATCH_(value, fetch_easy_setopt)(           \
      (handle), (option), (value)))
#define fetch_multi_setopt(handle, option, value)                         \
  (FETCH_EXT_ FETCH_SETOPT_DISPATCH_(value, fetch_multi_setopt)(          \
      (handle), (option), (value)))
#define fetch_easy_getinfo(handle, info, arg)                             \
  fetch_easy_getinfo_ptr((handle), (info), (arg))

#ifdef __cplusplus
}
#endif

#endif /* LIBFETCH_FETCH_H */
