/* https:// proxies as a C program meets them: TLS to the proxy with the
 * PROXY_SSL* and PROXY_CAINFO options, apart from the target's TLS
 * options. tests/https_proxy.rs compiles this source twice: as written,
 * against libfetch, and renamed (fetch -> curl, FETCH -> CURL) against the
 * installed upstream libcurl, runs both against the same fixture proxies
 * and compares what they print.
 *
 * usage: https_proxy MODE URL PROXY CAFILE
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

/* The whole of a small file, for PROXY_CAINFO_BLOB. */
static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  char *buf = malloc(1 << 16);
  *len = buf ? fread(buf, 1, 1 << 16, f) : 0;
  fclose(f);
  return buf;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: https_proxy MODE URL PROXY CAFILE\n");
    return 2;
  }
  const char *mode = argv[1], *ca = argv[4];
  char err[FETCH_ERROR_SIZE] = "";
  char *blob_data = NULL;
  fetch_global_init(FETCH_GLOBAL_DEFAULT);
  FETCH *e = fetch_easy_init();
  fetch_easy_setopt(e, FETCHOPT_URL, argv[2]);
  fetch_easy_setopt(e, FETCHOPT_PROXY, argv[3]);
  fetch_easy_setopt(e, FETCHOPT_WRITEFUNCTION, on_body);
  fetch_easy_setopt(e, FETCHOPT_ERRORBUFFER, err);
  fetch_easy_setopt(e, FETCHOPT_CONNECTTIMEOUT_MS, 1500L);
  /* The target always trusts the test CA; the proxy only when told. */
  fetch_easy_setopt(e, FETCHOPT_CAINFO, ca);
  if (!strcmp(mode, "trusted")) {
    fetch_easy_setopt(e, FETCHOPT_PROXY_CAINFO, ca);
  } else if (!strcmp(mode, "noverify")) {
    fetch_easy_setopt(e, FETCHOPT_PROXY_SSL_VERIFYPEER, 0L);
  } else if (!strcmp(mode, "nohost")) {
    fetch_easy_setopt(e, FETCHOPT_PROXY_CAINFO, ca);
    fetch_easy_setopt(e, FETCHOPT_PROXY_SSL_VERIFYHOST, 0L);
  } else if (!strcmp(mode, "blob") || !strcmp(mode, "blob_slow")) {
    /* blob_slow: under valgrind, where TLS in TLS takes seconds. */
    if (!strcmp(mode, "blob_slow"))
      fetch_easy_setopt(e, FETCHOPT_CONNECTTIMEOUT_MS, 120000L);
    struct fetch_blob blob;
    blob.data = blob_data = slurp(ca, &blob.len);
    blob.flags = FETCH_BLOB_COPY;
    fetch_easy_setopt(e, FETCHOPT_PROXY_CAINFO_BLOB, &blob);
    fetch_easy_setopt(e, FETCHOPT_PROXY_SSLVERSION, (long)FETCH_SSLVERSION_TLSv1_2);
  } else if (!strcmp(mode, "type")) {
    fetch_easy_setopt(e, FETCHOPT_PROXYTYPE, (long)FETCHPROXY_HTTPS);
    fetch_easy_setopt(e, FETCHOPT_PROXY_CAINFO, ca);
  } else if (!strcmp(mode, "timeout")) {
    fetch_easy_setopt(e, FETCHOPT_PROXY_CAINFO, ca);
    fetch_easy_setopt(e, FETCHOPT_CONNECTTIMEOUT_MS, 300L);
  }
  FETCHcode rc = fetch_easy_perform(e);
  long code = -1, connectcode = -1, verify = -1;
  fetch_easy_getinfo(e, FETCHINFO_RESPONSE_CODE, &code);
  fetch_easy_getinfo(e, FETCHINFO_HTTP_CONNECTCODE, &connectcode);
  FETCHcode vrc = fetch_easy_getinfo(e, FETCHINFO_PROXY_SSL_VERIFYRESULT, &verify);
  printf("rc=%d\n", (int)rc);
  printf("code=%ld\n", code);
  printf("connectcode=%ld\n", connectcode);
  printf("proxy_verify=%ld (rc %d)\n", verify, (int)vrc);
  printf("body_len=%zu\n", body_len);
  fprintf(stderr, "error=%s\n", err);
  fetch_easy_cleanup(e);
  free(blob_data);
  fetch_global_cleanup();
  return 0;
}
