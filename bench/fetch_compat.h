/*
 * The upstream names driver.c is written with, mapped onto libfetch's.
 *
 * driver.c is one source compiled twice: against system libcurl
 * (<curl/curl.h>) and, with -DUSE_FETCH, against libfetch through this
 * header. Only the names the driver uses are mapped; the numeric values
 * are the same on both sides, so the mapping is purely lexical.
 */
#ifndef BENCH_FETCH_COMPAT_H
#define BENCH_FETCH_COMPAT_H

#include <fetch/fetch.h>

/* types */
#define CURL FETCH
#define CURLM FETCHM
#define CURLMsg FETCHMsg
#define CURLcode FETCHcode
#define CURLMcode FETCHMcode
#define CURLoption FETCHoption
#define curl_socket_t fetch_socket_t

/* codes and constants */
#define CURLE_OK FETCHE_OK
#define CURLM_OK FETCHM_OK
#define CURLMSG_DONE FETCHMSG_DONE
#define CURL_GLOBAL_DEFAULT FETCH_GLOBAL_DEFAULT
#define CURL_SOCKET_TIMEOUT FETCH_SOCKET_TIMEOUT
#define CURL_POLL_IN FETCH_POLL_IN
#define CURL_POLL_OUT FETCH_POLL_OUT
#define CURL_POLL_INOUT FETCH_POLL_INOUT
#define CURL_POLL_REMOVE FETCH_POLL_REMOVE
#define CURL_CSELECT_IN FETCH_CSELECT_IN
#define CURL_CSELECT_OUT FETCH_CSELECT_OUT
#define CURL_CSELECT_ERR FETCH_CSELECT_ERR
#define CURL_HTTP_VERSION_2_0 FETCH_HTTP_VERSION_2_0

/* options and infos */
#define CURLOPT_URL FETCHOPT_URL
#define CURLOPT_ACCEPT_ENCODING FETCHOPT_ACCEPT_ENCODING
#define CURLOPT_WRITEFUNCTION FETCHOPT_WRITEFUNCTION
#define CURLOPT_WRITEDATA FETCHOPT_WRITEDATA
#define CURLOPT_PRIVATE FETCHOPT_PRIVATE
#define CURLOPT_NOSIGNAL FETCHOPT_NOSIGNAL
#define CURLOPT_TIMEOUT_MS FETCHOPT_TIMEOUT_MS
#define CURLOPT_PIPEWAIT FETCHOPT_PIPEWAIT
/* Not named in <fetch/fetch.h> yet (HTTPS is in progress); the upstream
   number is used, and an UNKNOWN_OPTION answer is tolerated by the driver. */
#define CURLOPT_CAINFO ((FETCHoption)10065)
#define CURLINFO_PRIVATE FETCHINFO_PRIVATE
#define CURLINFO_RESPONSE_CODE FETCHINFO_RESPONSE_CODE
#define CURLINFO_NUM_CONNECTS FETCHINFO_NUM_CONNECTS
#define CURLINFO_HTTP_VERSION FETCHINFO_HTTP_VERSION
#define CURLMOPT_SOCKETFUNCTION FETCHMOPT_SOCKETFUNCTION
#define CURLMOPT_SOCKETDATA FETCHMOPT_SOCKETDATA
#define CURLMOPT_TIMERFUNCTION FETCHMOPT_TIMERFUNCTION
#define CURLMOPT_TIMERDATA FETCHMOPT_TIMERDATA
#define CURLMOPT_MAXCONNECTS FETCHMOPT_MAXCONNECTS
#define CURLMOPT_MAX_HOST_CONNECTIONS FETCHMOPT_MAX_HOST_CONNECTIONS

/* functions */
#define curl_global_init fetch_global_init
#define curl_global_cleanup fetch_global_cleanup
#define curl_version fetch_version
#define curl_easy_init fetch_easy_init
#define curl_easy_cleanup fetch_easy_cleanup
#define curl_easy_setopt fetch_easy_setopt
#define curl_easy_getinfo fetch_easy_getinfo
#define curl_easy_strerror fetch_easy_strerror
#define curl_multi_init fetch_multi_init
#define curl_multi_cleanup fetch_multi_cleanup
#define curl_multi_setopt fetch_multi_setopt
#define curl_multi_add_handle fetch_multi_add_handle
#define curl_multi_remove_handle fetch_multi_remove_handle
#define curl_multi_socket_action fetch_multi_socket_action
#define curl_multi_assign fetch_multi_assign
#define curl_multi_info_read fetch_multi_info_read
#define curl_multi_strerror fetch_multi_strerror

#define BENCH_LIBRARY "libfetch"

#endif /* BENCH_FETCH_COMPAT_H */
