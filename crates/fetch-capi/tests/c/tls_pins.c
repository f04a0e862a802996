/* Public key pinning and SSL_OPTIONS as a C program meets them.
 * tests/tls_pins.rs compiles this source twice: as written, against
 * libfetch, and renamed (fetch -> curl, FETCH -> CURL) against the
 * installed upstream libcurl, runs both against the same fixture servers
 * and compares what they print.
 *
 * usage: tls_pins MODE URL ARG CAFILE [PROXY]
 * ARG is the pin (a "sha256//" list or a key file) or, for the ssl_options
 * modes, the SSL_OPTIONS bits. Every line printed is "key=value"; the
 * error buffer's text is printed before each result code. */
#define _POSIX_C_SOURCE 200809L
#include <fetch/fetch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t on_body(char *p, size_t size, size_t n, void *ud) {
  (void)p;
  (void)ud;
  return size * n;
}

static FETCHcode perform(FETCH *e) {
  char err[FETCH_ERROR_SIZE] = "";
  fetch_easy_setopt(e, FETCHOPT_ERRORBUFFER, err);
  FETCHcode rc = fetch_easy_perform(e);
  printf("error=%s\n", err);
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: tls_pins MODE URL ARG CAFILE [PROXY]\n");
    return 2;
  }
  const char *mode = argv[1], *arg = argv[3], *ca = argv[4];
  const char *proxy = argc > 5 ? argv[5] : "";
  fetch_global_init(FETCH_GLOBAL_DEFAULT);
  FETCH *e = fetch_easy_init();
  fetch_easy_setopt(e, FETCHOPT_URL, argv[2]);
  fetch_easy_setopt(e, FETCHOPT_WRITEFUNCTION, on_body);
  fetch_easy_setopt(e, FETCHOPT_CONNECTTIMEOUT_MS, 3000L);
  fetch_easy_setopt(e, FETCHOPT_CAINFO, ca);
  fetch_easy_setopt(e, FETCHOPT_PROXY, proxy);
  FETCHcode set = FETCHE_OK;
  if (!strcmp(mode, "pin")) {
    set = fetch_easy_setopt(e, FETCHOPT_PINNEDPUBLICKEY, arg);
  } else if (!strcmp(mode, "noverify")) {
    fetch_easy_setopt(e, FETCHOPT_SSL_VERIFYPEER, 0L);
    fetch_easy_setopt(e, FETCHOPT_SSL_VERIFYHOST, 0L);
    set = fetch_easy_setopt(e, FETCHOPT_PINNEDPUBLICKEY, arg);
  } else if (!strcmp(mode, "unset")) {
    fetch_easy_setopt(e, FETCHOPT_PINNEDPUBLICKEY, arg);
    set = fetch_easy_setopt(e, FETCHOPT_PINNEDPUBLICKEY, (char *)NULL);
  } else if (!strcmp(mode, "reuse")) {
    /* A first transfer without a pin leaves a connection in the pool; the
     * pinned second one must not take it unchecked. */
    printf("first=%d\n", (int)perform(e));
    set = fetch_easy_setopt(e, FETCHOPT_PINNEDPUBLICKEY, arg);
  } else if (!strcmp(mode, "proxy")) {
    fetch_easy_setopt(e, FETCHOPT_PROXY_CAINFO, ca);
    set = fetch_easy_setopt(e, FETCHOPT_PROXY_PINNEDPUBLICKEY, arg);
  } else if (!strcmp(mode, "proxy_target")) {
    /* The target's pin is not the proxy's. */
    fetch_easy_setopt(e, FETCHOPT_PROXY_CAINFO, ca);
    set = fetch_easy_setopt(e, FETCHOPT_PINNEDPUBLICKEY, arg);
  } else if (!strcmp(mode, "ssl_options")) {
    set = fetch_easy_setopt(e, FETCHOPT_SSL_OPTIONS, atol(arg));
  } else if (!strcmp(mode, "proxy_ssl_options")) {
    fetch_easy_setopt(e, FETCHOPT_PROXY_CAINFO, ca);
    set = fetch_easy_setopt(e, FETCHOPT_PROXY_SSL_OPTIONS, atol(arg));
  }
  printf("setopt=%d\n", (int)set);
  printf("rc=%d\n", (int)perform(e));
  fetch_easy_cleanup(e);
  fetch_global_cleanup();
  return 0;
}
