#ifndef LIBFETCH_FETCH_H
#define LIBFETCH_FETCH_H
/*
 * <fetch/fetch.h>: the libfetch C API.
 *
 * libcurl's easy and multi interfaces under fetch names, with upstream's
 * numeric values. setopt/getinfo are macros over typed entry points (see
 * ABI.md in the fetch-capi crate): fetch_easy_setopt(h, opt, value) picks
 * fetch_easy_setopt_long/_off_t/_ptr from the type of `value` with C11
 * _Generic; function pointers go through the pointer entry point.
 */

#include <stddef.h>
#include <stdint.h>
#include <inttypes.h>
#include <sys/select.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LIBFETCH_VERSION "0.1.0"
#define LIBFETCH_VERSION_MAJOR 0
#define LIBFETCH_VERSION_MINOR 1
#define LIBFETCH_VERSION_PATCH 0
#define LIBFETCH_VERSION_NUM 0x000100

typedef void FETCH;
typedef void FETCHM;
typedef int fetch_socket_t;
#define FETCH_SOCKET_BAD (-1)
typedef int64_t fetch_off_t;
#define FETCH_FORMAT_FETCH_OFF_T PRId64
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
#define FETCHM_CALL_MULTI_SOCKET FETCHM_CALL_MULTI_PERFORM

/* global init flags (accepted, nothing to initialise) */
#define FETCH_GLOBAL_SSL (1 << 0)
#define FETCH_GLOBAL_WIN32 (1 << 1)
#define FETCH_GLOBAL_ALL (FETCH_GLOBAL_SSL | FETCH_GLOBAL_WIN32)
#define FETCH_GLOBAL_NOTHING 0
#define FETCH_GLOBAL_DEFAULT FETCH_GLOBAL_ALL
#define FETCH_GLOBAL_ACK_EINTR (1 << 2)

/* callback return values */
#define FETCH_WRITEFUNC_PAUSE 0x10000001 /* pause receiving; the data is delivered again on resume */
#define FETCH_WRITEFUNC_ERROR 0xFFFFFFFF
#define FETCH_READFUNC_ABORT 0x10000000
#define FETCH_READFUNC_PAUSE 0x10000001 /* pause sending; called again on resume */
#define FETCH_SEEKFUNC_OK 0
#define FETCH_SEEKFUNC_FAIL 1 /* the transfer fails with FETCHE_SEND_FAIL_REWIND */
#define FETCH_SEEKFUNC_CANTSEEK 2 /* likewise: libfetch has no other way to rewind */
#define FETCH_PROGRESSFUNC_CONTINUE 0x10000001 /* same as 0: there is no built-in meter */

typedef size_t (*fetch_write_callback)(char *buffer, size_t size, size_t nitems, void *userdata);
typedef size_t (*fetch_read_callback)(char *buffer, size_t size, size_t nitems, void *userdata);
typedef int (*fetch_seek_callback)(void *userp, fetch_off_t offset, int origin);
typedef int (*fetch_xferinfo_callback)(void *clientp, fetch_off_t dltotal, fetch_off_t dlnow,
                                       fetch_off_t ultotal, fetch_off_t ulnow);
typedef int (*fetch_progress_callback)(void *clientp, double dltotal, double dlnow,
                                       double ultotal, double ulnow);

/* fetch_easy_pause bits */
#define FETCHPAUSE_RECV (1 << 0)
#define FETCHPAUSE_RECV_CONT 0
#define FETCHPAUSE_SEND (1 << 2)
#define FETCHPAUSE_SEND_CONT 0
#define FETCHPAUSE_ALL (FETCHPAUSE_RECV | FETCHPAUSE_SEND)
#define FETCHPAUSE_CONT (FETCHPAUSE_RECV_CONT | FETCHPAUSE_SEND_CONT)

/* FETCHOPT_CAINFO_BLOB's argument. libfetch copies the data whatever the
   flags say. */
#define FETCH_BLOB_COPY 1
#define FETCH_BLOB_NOCOPY 0
struct fetch_blob {
  void *data;
  size_t len;
  unsigned int flags;
};

/* FETCHOPT_SSLVERSION: a minimum, optionally ORed with a maximum. SSLv2/3
   give FETCHE_BAD_FUNCTION_ARGUMENT; minimums below TLS 1.2 mean "TLS 1.2
   or newer"; MAX_TLSv1_2 gives FETCHE_NOT_BUILT_IN (no cap yet). */
#define FETCH_SSLVERSION_DEFAULT 0L
#define FETCH_SSLVERSION_TLSv1 1L
#define FETCH_SSLVERSION_SSLv2 2L
#define FETCH_SSLVERSION_SSLv3 3L
#define FETCH_SSLVERSION_TLSv1_0 4L
#define FETCH_SSLVERSION_TLSv1_1 5L
#define FETCH_SSLVERSION_TLSv1_2 6L
#define FETCH_SSLVERSION_TLSv1_3 7L
#define FETCH_SSLVERSION_LAST 8L
#define FETCH_SSLVERSION_MAX_NONE 0L
#define FETCH_SSLVERSION_MAX_DEFAULT (FETCH_SSLVERSION_TLSv1 << 16)
#define FETCH_SSLVERSION_MAX_TLSv1_0 (FETCH_SSLVERSION_TLSv1_0 << 16)
#define FETCH_SSLVERSION_MAX_TLSv1_1 (FETCH_SSLVERSION_TLSv1_1 << 16)
#define FETCH_SSLVERSION_MAX_TLSv1_2 (FETCH_SSLVERSION_TLSv1_2 << 16)
#define FETCH_SSLVERSION_MAX_TLSv1_3 (FETCH_SSLVERSION_TLSv1_3 << 16)
#define FETCH_SSLVERSION_MAX_LAST (FETCH_SSLVERSION_LAST << 16)

/* option type bases */
#define FETCHOPTTYPE_LONG 0
#define FETCHOPTTYPE_OBJECTPOINT 10000
#define FETCHOPTTYPE_FUNCTIONPOINT 20000
#define FETCHOPTTYPE_OFF_T 30000
#define FETCHOPTTYPE_BLOB 40000
#define FETCHOPTTYPE_STRINGPOINT FETCHOPTTYPE_OBJECTPOINT
#define FETCHOPTTYPE_SLISTPOINT FETCHOPTTYPE_OBJECTPOINT
#define FETCHOPTTYPE_CBPOINT FETCHOPTTYPE_OBJECTPOINT
#define FETCHOPTTYPE_VALUES FETCHOPTTYPE_LONG

/* Easy options. Only these are supported; any other number gives
   FETCHE_UNKNOWN_OPTION. VERBOSE and NOSIGNAL are no-ops. */
typedef enum {
  FETCHOPT_WRITEDATA = 10001,
  FETCHOPT_URL = 10002,
  FETCHOPT_READDATA = 10009,
  FETCHOPT_ERRORBUFFER = 10010,
  FETCHOPT_WRITEFUNCTION = 20011,
  FETCHOPT_READFUNCTION = 20012,
  FETCHOPT_TIMEOUT = 13,
  FETCHOPT_INFILESIZE = 14,
  FETCHOPT_POSTFIELDS = 10015,
  FETCHOPT_USERAGENT = 10018,
  FETCHOPT_LOW_SPEED_LIMIT = 19,
  FETCHOPT_LOW_SPEED_TIME = 20,
  FETCHOPT_HTTPHEADER = 10023,
  FETCHOPT_SSLCERT = 10025,
  FETCHOPT_HEADERDATA = 10029,
  FETCHOPT_SSLVERSION = 32,
  FETCHOPT_CUSTOMREQUEST = 10036,
  FETCHOPT_VERBOSE = 41,
  FETCHOPT_NOPROGRESS = 43,
  FETCHOPT_NOBODY = 44,
  FETCHOPT_UPLOAD = 46,
  FETCHOPT_POST = 47,
  FETCHOPT_FOLLOWLOCATION = 52,
  FETCHOPT_PUT = 54,
  FETCHOPT_PROGRESSFUNCTION = 20056,
  FETCHOPT_XFERINFODATA = 10057,
  FETCHOPT_POSTFIELDSIZE = 60,
  FETCHOPT_SSL_VERIFYPEER = 64,
  FETCHOPT_CAINFO = 10065,
  FETCHOPT_MAXREDIRS = 68,
  FETCHOPT_CONNECTTIMEOUT = 78,
  FETCHOPT_HEADERFUNCTION = 20079,
  FETCHOPT_HTTPGET = 80,
  FETCHOPT_SSL_VERIFYHOST = 81,
  FETCHOPT_SSLCERTTYPE = 10086,
  FETCHOPT_SSLKEY = 10087,
  FETCHOPT_SSLKEYTYPE = 10088,
  FETCHOPT_CAPATH = 10097,
  FETCHOPT_NOSIGNAL = 99,
  FETCHOPT_PRIVATE = 10103,
  FETCHOPT_INFILESIZE_LARGE = 30115,
  FETCHOPT_POSTFIELDSIZE_LARGE = 30120,
  FETCHOPT_MAX_SEND_SPEED_LARGE = 30145,
  FETCHOPT_MAX_RECV_SPEED_LARGE = 30146,
  FETCHOPT_TIMEOUT_MS = 155,
  FETCHOPT_CONNECTTIMEOUT_MS = 156,
  FETCHOPT_COPYPOSTFIELDS = 10165,
  FETCHOPT_XFERINFOFUNCTION = 20219,
  FETCHOPT_EXPECT_100_TIMEOUT_MS = 227,
  FETCHOPT_CAINFO_BLOB = 40309,
  FETCHOPT_UNRESTRICTED_AUTH = 105, /* send credentials to other origins on redirect (never https -> http) */
  FETCHOPT_SEEKFUNCTION = 20167, /* rewinds an upload before it is sent again (retry, 307/308) */
  FETCHOPT_SEEKDATA = 10168
} FETCHoption;
#define FETCHOPT_FILE FETCHOPT_WRITEDATA
#define FETCHOPT_INFILE FETCHOPT_READDATA
#define FETCHOPT_WRITEHEADER FETCHOPT_HEADERDATA
#define FETCHOPT_PROGRESSDATA FETCHOPT_XFERINFODATA

/* getinfo type bases */
#define FETCHINFO_STRING 0x100000
#define FETCHINFO_LONG 0x200000
#define FETCHINFO_DOUBLE 0x300000
#define FETCHINFO_SLIST 0x400000
#define FETCHINFO_PTR 0x400000
#define FETCHINFO_SOCKET 0x500000
#define FETCHINFO_OFF_T 0x600000
#define FETCHINFO_MASK 0x0fffff
#define FETCHINFO_TYPEMASK 0xf00000

/* Supported info ids; others give FETCHE_UNKNOWN_OPTION. */
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
  FETCHINFO_SSL_VERIFYRESULT = FETCHINFO_LONG + 13,
  FETCHINFO_STARTTRANSFER_TIME = FETCHINFO_DOUBLE + 17,
  FETCHINFO_REDIRECT_COUNT = FETCHINFO_LONG + 20,
  FETCHINFO_PRIVATE = FETCHINFO_STRING + 21,
  FETCHINFO_NUM_CONNECTS = FETCHINFO_LONG + 26,
  FETCHINFO_REDIRECT_URL = FETCHINFO_STRING + 31,
  FETCHINFO_PRIMARY_IP = FETCHINFO_STRING + 32,
  FETCHINFO_APPCONNECT_TIME = FETCHINFO_DOUBLE + 33,
  FETCHINFO_PRIMARY_PORT = FETCHINFO_LONG + 40,
  FETCHINFO_TOTAL_TIME_T = FETCHINFO_OFF_T + 50,
  FETCHINFO_NAMELOOKUP_TIME_T = FETCHINFO_OFF_T + 51,
  FETCHINFO_CONNECT_TIME_T = FETCHINFO_OFF_T + 52,
  FETCHINFO_PRETRANSFER_TIME_T = FETCHINFO_OFF_T + 53,
  FETCHINFO_STARTTRANSFER_TIME_T = FETCHINFO_OFF_T + 54,
  FETCHINFO_APPCONNECT_TIME_T = FETCHINFO_OFF_T + 56
} FETCHINFO;
#define FETCHINFO_HTTP_CODE FETCHINFO_RESPONSE_CODE

/* ---- multi ---- */

#define FETCH_POLL_NONE 0
#define FETCH_POLL_IN 1
#define FETCH_POLL_OUT 2
#define FETCH_POLL_INOUT 3
#define FETCH_POLL_REMOVE 4

#define FETCH_SOCKET_TIMEOUT FETCH_SOCKET_BAD

#define FETCH_CSELECT_IN 0x01
#define FETCH_CSELECT_OUT 0x02
#define FETCH_CSELECT_ERR 0x04

#define FETCH_WAIT_POLLIN 0x0001
#define FETCH_WAIT_POLLPRI 0x0002
#define FETCH_WAIT_POLLOUT 0x0004

#define FETCHPIPE_NOTHING 0L
#define FETCHPIPE_HTTP1 1L
#define FETCHPIPE_MULTIPLEX 2L

#define FETCH_PUSH_OK 0
#define FETCH_PUSH_DENY 1
#define FETCH_PUSH_ERROROUT 2

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

/* Multi options. The PUSH/NOTIFY/NETWORK_CHANGED/RESOLVE_THREADS_MAX/
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

/* ---- the "variadic" API as C11 _Generic macros ----
   Integers go to _long (long long to _off_t), everything else (strings,
   data pointers, function pointers) to _ptr. __extension__ keeps gcc/clang
   -pedantic quiet about passing a function pointer as void *; a strictly
   ISO program can call fetch_easy_setopt_func(h, opt, (fetch_func)cb). */
#if defined(__GNUC__) || defined(__clang__)
#define FETCH_EXT_ __extension__
#else
#define FETCH_EXT_
#endif

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
