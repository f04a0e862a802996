/* ISSUERCERT, ISSUERCERT_BLOB and their https-proxy twins as a C program
 * meets them. tests/tls_issuer.rs compiles this source twice: as written,
 * against libfetch, and renamed (fetch -> curl, FETCH -> CURL) against the
 * installed upstream libcurl, runs both against the same fixture servers
 * and compares what they print.
 *
 * usage: tls_issuer MODE URL CAFILE ISSUER [PROXY]
 * ISSUER is a file name; the blob modes read it and hand its bytes over as
 * a blob. Every line printed is "key=value"; the error buffer's text is
 * printed before the result code. */
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

/* Sets a blob option from a file; the bytes are overwritten and freed at
 * once, so only a copy can be used later. */
static FETCHcode set_blob(FETCH *e, FETCHoption opt, const char *name) {
  FILE *f = fopen(name, "rb");
  if (!f)
    return FETCHE_READ_ERROR;
  char *data = malloc(65536);
  size_t len = fread(data, 1, 65536, f);
  fclose(f);
  struct fetch_blob blob = {data, len, FETCH_BLOB_COPY};
  FETCHcode rc = fetch_easy_setopt(e, opt, &blob);
  memset(data, 0, len);
  free(data);
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: tls_issuer MODE URL CAFILE ISSUER [PROXY]\n");
    return 2;
  }
  const char *mode = argv[1], *ca = argv[3], *issuer = argv[4];
  const char *proxy = argc > 5 ? argv[5] : "";
  fetch_global_init(FETCH_GLOBAL_DEFAULT);
  FETCH *e = fetch_easy_init();
  char err[FETCH_ERROR_SIZE] = "";
  fetch_easy_setopt(e, FETCHOPT_URL, argv[2]);
  fetch_easy_setopt(e, FETCHOPT_WRITEFUNCTION, on_body);
  fetch_easy_setopt(e, FETCHOPT_CONNECTTIMEOUT_MS, 3000L);
  fetch_easy_setopt(e, FETCHOPT_ERRORBUFFER, err);
  fetch_easy_setopt(e, FETCHOPT_CAINFO, ca);
  fetch_easy_setopt(e, FETCHOPT_PROXY, proxy);
  FETCHcode set = FETCHE_OK;
  if (!strcmp(mode, "file")) {
    set = fetch_easy_setopt(e, FETCHOPT_ISSUERCERT, issuer);
  } else if (!strcmp(mode, "blob")) {
    set = set_blob(e, FETCHOPT_ISSUERCERT_BLOB, issuer);
  } else if (!strcmp(mode, "blob_over_file")) {
    fetch_easy_setopt(e, FETCHOPT_ISSUERCERT, "/nonexistent/issuer.pem");
    set = set_blob(e, FETCHOPT_ISSUERCERT_BLOB, issuer);
  } else if (!strcmp(mode, "noverify")) {
    fetch_easy_setopt(e, FETCHOPT_SSL_VERIFYPEER, 0L);
    fetch_easy_setopt(e, FETCHOPT_SSL_VERIFYHOST, 0L);
    set = fetch_easy_setopt(e, FETCHOPT_ISSUERCERT, issuer);
  } else if (!strcmp(mode, "unset")) {
    fetch_easy_setopt(e, FETCHOPT_ISSUERCERT, issuer);
    set_blob(e, FETCHOPT_ISSUERCERT_BLOB, issuer);
    set = fetch_easy_setopt(e, FETCHOPT_ISSUERCERT, (char *)NULL);
    if (!set)
      set = fetch_easy_setopt(e, FETCHOPT_ISSUERCERT_BLOB, (void *)NULL);
  } else if (!strcmp(mode, "proxy")) {
    fetch_easy_setopt(e, FETCHOPT_PROXY_CAINFO, ca);
    set = fetch_easy_setopt(e, FETCHOPT_PROXY_ISSUERCERT, issuer);
  } else if (!strcmp(mode, "proxy_blob")) {
    fetch_easy_setopt(e, FETCHOPT_PROXY_CAINFO, ca);
    set = set_blob(e, FETCHOPT_PROXY_ISSUERCERT_BLOB, issuer);
  } else if (!strcmp(mode, "proxy_target")) {
    /* The target's issuer is not checked against the proxy. */
    fetch_easy_setopt(e, FETCHOPT_PROXY_CAINFO, ca);
    set = fetch_easy_setopt(e, FETCHOPT_ISSUERCERT, issuer);
  }
  printf("setopt=%d\n", (int)set);
  FETCHcode rc = fetch_easy_perform(e);
  printf("error=%s\n", err);
  printf("rc=%d\n", (int)rc);
  long verify = -1;
  fetch_easy_getinfo(e, FETCHINFO_SSL_VERIFYRESULT, &verify);
  printf("verify=%ld\n", verify);
  fetch_easy_cleanup(e);
  fetch_global_cleanup();
  return 0;
}
