/* Client certificates and keys from memory (SSLCERT_BLOB, SSLKEY_BLOB and
 * their PROXY_ twins) and encrypted keys (KEYPASSWD, PROXY_KEYPASSWD) as a
 * C program meets them. tests/tls_blobs.rs compiles this source twice: as
 * written, against libfetch, and renamed (fetch -> curl, FETCH -> CURL)
 * against the installed upstream libcurl, runs both against the same
 * fixture servers and compares what they print.
 *
 * usage: tls_blobs MODE URL CAFILE CERT KEY PASS [PROXY]
 * CERT and KEY are file names ("-": not set); PASS is the key's password
 * ("-": not set). The blob modes read the files and hand their bytes over
 * as blobs, then overwrite and free them before the transfer. Every line
 * printed is "key=value". */
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

/* The whole file, or NULL for "-". */
static char *slurp(const char *name, size_t *len) {
  *len = 0;
  if (!strcmp(name, "-"))
    return NULL;
  FILE *f = fopen(name, "rb");
  if (!f)
    return NULL;
  char *buf = malloc(65536);
  *len = fread(buf, 1, 65536, f);
  fclose(f);
  return buf;
}

/* Sets a blob option from a file ("-": not set); the bytes are
 * overwritten and freed at once, so only a copy can be used later. */
static FETCHcode set_blob(FETCH *e, FETCHoption opt, const char *name,
                          unsigned int flags) {
  size_t len;
  char *data = slurp(name, &len);
  if (!data)
    return FETCHE_OK;
  struct fetch_blob blob = {data, len, flags};
  FETCHcode rc = fetch_easy_setopt(e, opt, &blob);
  memset(data, 0, len);
  free(data);
  return rc;
}

static const char *opt_str(const char *s) {
  return strcmp(s, "-") ? s : NULL;
}

int main(int argc, char **argv) {
  if (argc < 7) {
    fprintf(stderr, "usage: tls_blobs MODE URL CAFILE CERT KEY PASS [PROXY]\n");
    return 2;
  }
  const char *mode = argv[1], *ca = argv[3], *cert = argv[4], *key = argv[5];
  const char *pass = opt_str(argv[6]);
  const char *proxy = argc > 7 ? argv[7] : "";
  fetch_global_init(FETCH_GLOBAL_DEFAULT);
  FETCH *e = fetch_easy_init();
  fetch_easy_setopt(e, FETCHOPT_URL, argv[2]);
  fetch_easy_setopt(e, FETCHOPT_WRITEFUNCTION, on_body);
  fetch_easy_setopt(e, FETCHOPT_CONNECTTIMEOUT_MS, 3000L);
  fetch_easy_setopt(e, FETCHOPT_CAINFO, ca);
  fetch_easy_setopt(e, FETCHOPT_PROXY, proxy);
  FETCHcode set = FETCHE_OK, set2 = FETCHE_OK, set3 = FETCHE_OK;
  if (!strcmp(mode, "files")) {
    set = fetch_easy_setopt(e, FETCHOPT_SSLCERT, opt_str(cert));
    set2 = fetch_easy_setopt(e, FETCHOPT_SSLKEY, opt_str(key));
    set3 = fetch_easy_setopt(e, FETCHOPT_KEYPASSWD, pass);
  } else if (!strcmp(mode, "blobs") || !strcmp(mode, "blobs_nocopy")) {
    unsigned int flags = strcmp(mode, "blobs") ? FETCH_BLOB_NOCOPY : FETCH_BLOB_COPY;
    set = set_blob(e, FETCHOPT_SSLCERT_BLOB, cert, flags);
    set2 = set_blob(e, FETCHOPT_SSLKEY_BLOB, key, flags);
    set3 = fetch_easy_setopt(e, FETCHOPT_KEYPASSWD, pass);
  } else if (!strcmp(mode, "blob_over_file")) {
    /* The blobs win over files that do not exist. */
    fetch_easy_setopt(e, FETCHOPT_SSLCERT, "/nonexistent/cert.pem");
    fetch_easy_setopt(e, FETCHOPT_SSLKEY, "/nonexistent/key.pem");
    set = set_blob(e, FETCHOPT_SSLCERT_BLOB, cert, FETCH_BLOB_COPY);
    set2 = set_blob(e, FETCHOPT_SSLKEY_BLOB, key, FETCH_BLOB_COPY);
    set3 = fetch_easy_setopt(e, FETCHOPT_KEYPASSWD, pass);
  } else if (!strcmp(mode, "unset")) {
    /* NULL clears the blobs: no certificate is sent. */
    set_blob(e, FETCHOPT_SSLCERT_BLOB, cert, FETCH_BLOB_COPY);
    set_blob(e, FETCHOPT_SSLKEY_BLOB, key, FETCH_BLOB_COPY);
    set = fetch_easy_setopt(e, FETCHOPT_SSLCERT_BLOB, NULL);
    set2 = fetch_easy_setopt(e, FETCHOPT_SSLKEY_BLOB, NULL);
  } else if (!strcmp(mode, "empty")) {
    /* Blobs of length 0 (the data pointer NULL for one, not for the
       other) are taken, and fail when used: CERT names which. */
    struct fetch_blob none = {NULL, 0, FETCH_BLOB_COPY};
    struct fetch_blob blank = {"", 0, FETCH_BLOB_NOCOPY};
    FETCHoption opt = !strcmp(cert, "ca") ? FETCHOPT_CAINFO_BLOB
                    : !strcmp(cert, "issuer") ? FETCHOPT_ISSUERCERT_BLOB
                    : !strcmp(cert, "key") ? FETCHOPT_SSLKEY_BLOB
                    : FETCHOPT_SSLCERT_BLOB;
    set = fetch_easy_setopt(e, opt, &none);
    set2 = fetch_easy_setopt(e, opt, &blank);
    if (opt != FETCHOPT_SSLCERT_BLOB)
      set_blob(e, FETCHOPT_SSLCERT_BLOB, key, FETCH_BLOB_COPY);
  } else if (!strcmp(mode, "proxy_files")) {
    fetch_easy_setopt(e, FETCHOPT_PROXY_CAINFO, ca);
    set = fetch_easy_setopt(e, FETCHOPT_PROXY_SSLCERT, opt_str(cert));
    set2 = fetch_easy_setopt(e, FETCHOPT_PROXY_SSLKEY, opt_str(key));
    set3 = fetch_easy_setopt(e, FETCHOPT_PROXY_KEYPASSWD, pass);
  } else if (!strcmp(mode, "proxy_blobs")) {
    fetch_easy_setopt(e, FETCHOPT_PROXY_CAINFO, ca);
    set = set_blob(e, FETCHOPT_PROXY_SSLCERT_BLOB, cert, FETCH_BLOB_COPY);
    set2 = set_blob(e, FETCHOPT_PROXY_SSLKEY_BLOB, key, FETCH_BLOB_COPY);
    set3 = fetch_easy_setopt(e, FETCHOPT_PROXY_KEYPASSWD, pass);
  } else if (!strcmp(mode, "proxy_target")) {
    /* The target's certificate is not the proxy's. */
    fetch_easy_setopt(e, FETCHOPT_PROXY_CAINFO, ca);
    set = set_blob(e, FETCHOPT_SSLCERT_BLOB, cert, FETCH_BLOB_COPY);
    set2 = set_blob(e, FETCHOPT_SSLKEY_BLOB, key, FETCH_BLOB_COPY);
    set3 = fetch_easy_setopt(e, FETCHOPT_KEYPASSWD, pass);
  }
  printf("setopt=%d,%d,%d\n", (int)set, (int)set2, (int)set3);
  printf("rc=%d\n", (int)fetch_easy_perform(e));
  fetch_easy_cleanup(e);
  fetch_global_cleanup();
  return 0;
}
