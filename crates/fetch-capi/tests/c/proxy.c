/* The proxy options as a C program meets them. tests/proxy.rs compiles
 * this source twice: as written, against libfetch, and renamed (fetch ->
 * curl, FETCH -> CURL) against the installed upstream libcurl, runs both
 * against the same fixture proxies and compares what they print.
 *
 * usage: proxy MODE URL PROXY [CAFILE]
 * Every line printed is "key=value"; nothing depends on a port. */
#define _POSIX_C_SOURCE 200809L
#include <fetch/fetch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t body_len;

static size_t on_body(char *p, size_t size, size_t n, void *ud) {
  (void)p;
  (void)ud;
  body_len += size * n;
  return size * n;
}

/* What setopt answers for arguments upstream checks. */
static void setopt_checks(FETCH *e) {
  printf("type_99=%d\n", (int)fetch_easy_setopt(e, FETCHOPT_PROXYTYPE, 99L));
  printf("type_m1=%d\n", (int)fetch_easy_setopt(e, FETCHOPT_PROXYTYPE, -1L));
  printf("type_socks5h=%d\n",
         (int)fetch_easy_setopt(e, FETCHOPT_PROXYTYPE,
                                (long)FETCHPROXY_SOCKS5_HOSTNAME));
  printf("port_m1=%d\n", (int)fetch_easy_setopt(e, FETCHOPT_PROXYPORT, -1L));
  printf("port_70000=%d\n",
         (int)fetch_easy_setopt(e, FETCHOPT_PROXYPORT, 70000L));
  printf("port_3128=%d\n", (int)fetch_easy_setopt(e, FETCHOPT_PROXYPORT, 3128L));
  printf("auth_basic=%d\n",
         (int)fetch_easy_setopt(e, FETCHOPT_PROXYAUTH, (long)FETCHAUTH_BASIC));
  printf("tunnel=%d\n", (int)fetch_easy_setopt(e, FETCHOPT_HTTPPROXYTUNNEL, 1L));
  printf("userpwd=%d\n", (int)fetch_easy_setopt(e, FETCHOPT_PROXYUSERPWD, "a:b"));
  printf("username=%d\n", (int)fetch_easy_setopt(e, FETCHOPT_PROXYUSERNAME, "a"));
  printf("password=%d\n", (int)fetch_easy_setopt(e, FETCHOPT_PROXYPASSWORD, "b"));
  printf("noproxy=%d\n", (int)fetch_easy_setopt(e, FETCHOPT_NOPROXY, "x.test"));
  printf("proxy_null=%d\n",
         (int)fetch_easy_setopt(e, FETCHOPT_PROXY, (char *)NULL));
  fetch_easy_reset(e);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: proxy MODE URL PROXY [CAFILE]\n");
    return 2;
  }
  const char *mode = argv[1];
  char err[FETCH_ERROR_SIZE] = "";
  fetch_global_init(FETCH_GLOBAL_DEFAULT);
  FETCH *e = fetch_easy_init();
  if (!strcmp(mode, "setopt")) {
    setopt_checks(e);
  }
  fetch_easy_setopt(e, FETCHOPT_URL, argv[2]);
  if (strcmp(mode, "env")) {
    fetch_easy_setopt(e, FETCHOPT_PROXY, argv[3]);
  }
  fetch_easy_setopt(e, FETCHOPT_WRITEFUNCTION, on_body);
  fetch_easy_setopt(e, FETCHOPT_ERRORBUFFER, err);
  fetch_easy_setopt(e, FETCHOPT_CONNECTTIMEOUT_MS, 1500L);
  if (argc > 4) {
    fetch_easy_setopt(e, FETCHOPT_CAINFO, argv[4]);
  }
  if (!strcmp(mode, "tunnel")) {
    fetch_easy_setopt(e, FETCHOPT_HTTPPROXYTUNNEL, 1L);
  } else if (!strcmp(mode, "userpwd")) {
    fetch_easy_setopt(e, FETCHOPT_PROXYUSERPWD, "us er:p:w");
  } else if (!strcmp(mode, "names")) {
    fetch_easy_setopt(e, FETCHOPT_PROXYUSERNAME, "us er");
    fetch_easy_setopt(e, FETCHOPT_PROXYPASSWORD, "p:w");
    fetch_easy_setopt(e, FETCHOPT_PROXYAUTH, (long)FETCHAUTH_BASIC);
  } else if (!strcmp(mode, "socks5h")) {
    fetch_easy_setopt(e, FETCHOPT_PROXYTYPE, (long)FETCHPROXY_SOCKS5_HOSTNAME);
  } else if (!strcmp(mode, "socks4")) {
    fetch_easy_setopt(e, FETCHOPT_PROXYTYPE, (long)FETCHPROXY_SOCKS4);
  } else if (!strcmp(mode, "noproxy")) {
    fetch_easy_setopt(e, FETCHOPT_NOPROXY, "localhost,127.0.0.1");
  }
  FETCHcode rc = fetch_easy_perform(e);
  long code = -1, connectcode = -1;
  fetch_easy_getinfo(e, FETCHINFO_RESPONSE_CODE, &code);
  FETCHcode crc = fetch_easy_getinfo(e, FETCHINFO_HTTP_CONNECTCODE, &connectcode);
  printf("rc=%d\n", (int)rc);
  printf("code=%ld\n", code);
  printf("connectcode=%ld (rc %d)\n", connectcode, (int)crc);
  printf("body_len=%zu\n", body_len);
  fprintf(stderr, "error=%s\n", err);
  fetch_easy_cleanup(e);
  fetch_global_cleanup();
  return 0;
}
