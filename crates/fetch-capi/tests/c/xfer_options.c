/* The transfer options and info ids of issue 14 as a C program meets them.
 * tests/xfer_options.rs compiles this source twice: as written, against
 * libfetch, and renamed (fetch -> curl, FETCH -> CURL) against the
 * installed upstream libcurl, runs both against the same scripted server
 * and compares what they print.
 *
 * usage: xfer_options MODE URL [ARG]
 * Every line printed is "key=value"; nothing depends on the port. */
#define _POSIX_C_SOURCE 200809L
#include <fetch/fetch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char body[8192];
static size_t body_len;
static int header_lines;
/* Mode "incallback": what the first write callback read. */
static FETCH *watched;
static char seen_in_write[512];

static size_t on_body(char *p, size_t size, size_t n, void *ud) {
  (void)ud;
  if (watched && !seen_in_write[0]) {
    const char *type = NULL;
    const char *method = NULL;
    long version = -1;
    fetch_off_t retry = -1;
    fetch_easy_getinfo(watched, FETCHINFO_CONTENT_TYPE, &type);
    fetch_easy_getinfo(watched, FETCHINFO_EFFECTIVE_METHOD, &method);
    fetch_easy_getinfo(watched, FETCHINFO_HTTP_VERSION, &version);
    fetch_easy_getinfo(watched, FETCHINFO_RETRY_AFTER, &retry);
    snprintf(seen_in_write, sizeof(seen_in_write), "%s/%s/%ld/%lld",
             type ? type : "(null)", method ? method : "(null)", version,
             (long long)retry);
  }
  size_t len = size * n;
  size_t room = sizeof(body) - 1 - body_len;
  memcpy(body + body_len, p, len < room ? len : room);
  body_len += len < room ? len : room;
  body[body_len] = 0;
  return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud) {
  (void)ud;
  size_t len = size * n;
  size_t shown = len;
  while (shown > 0 && (p[shown - 1] == '\n' || p[shown - 1] == '\r')) {
    shown--;
  }
  printf("header[%d]=%.*s\n", header_lines++, (int)shown, p);
  return len;
}

static void show_str(FETCH *e, const char *name, FETCHINFO id) {
  const char *s = NULL;
  FETCHcode rc = fetch_easy_getinfo(e, id, &s);
  printf("%s=%s (rc %d)\n", name, s ? s : "(null)", (int)rc);
}

static void show_long(FETCH *e, const char *name, FETCHINFO id) {
  long v = -12345;
  FETCHcode rc = fetch_easy_getinfo(e, id, &v);
  printf("%s=%ld (rc %d)\n", name, v, (int)rc);
}

static void show_off(FETCH *e, const char *name, FETCHINFO id) {
  fetch_off_t v = -12345;
  FETCHcode rc = fetch_easy_getinfo(e, id, &v);
  printf("%s=%lld (rc %d)\n", name, (long long)v, (int)rc);
}

/* Sets an option and prints what setopt answered. */
#define SET(e, opt, val)                                                      \
  printf("setopt %s=%d\n", #opt, (int)fetch_easy_setopt((e), opt, (val)))

/* Performs, then prints the outcome every mode shares. */
static void run(FETCH *e, char *err) {
  FETCHcode rc = fetch_easy_perform(e);
  printf("result=%d\n", (int)rc);
  printf("error=%s\n", err);
  printf("body=%s\n", body);
  show_long(e, "code", FETCHINFO_RESPONSE_CODE);
}

static void prepare(FETCH *e, const char *url, char *err) {
  fetch_easy_setopt(e, FETCHOPT_URL, url);
  fetch_easy_setopt(e, FETCHOPT_ERRORBUFFER, err);
  fetch_easy_setopt(e, FETCHOPT_WRITEFUNCTION, on_body);
  fetch_easy_setopt(e, FETCHOPT_HEADERFUNCTION, on_header);
}

/* The body and head a FILE* got, as "name=<text>" with CR LF as "|". */
static void show_file(const char *name, FILE *f) {
  char buf[4096];
  rewind(f);
  size_t n = fread(buf, 1, sizeof(buf) - 1, f);
  buf[n] = 0;
  for (size_t i = 0; i < n; i++) {
    if (buf[i] == '\r' || buf[i] == '\n') {
      buf[i] = '|';
    }
  }
  printf("%s=%s\n", name, buf);
}

/* No write, header or read callback: upstream's FILE* defaults. */
static int default_io(FETCH *e, const char *url, char *err) {
  FILE *out = tmpfile();
  FILE *head = tmpfile();
  FILE *in = tmpfile();
  if (!out || !head || !in) {
    return 1;
  }
  fputs("uploaded from a FILE", in);
  rewind(in);
  fetch_easy_setopt(e, FETCHOPT_URL, url);
  fetch_easy_setopt(e, FETCHOPT_ERRORBUFFER, err);
  fetch_easy_setopt(e, FETCHOPT_WRITEDATA, out);
  fetch_easy_setopt(e, FETCHOPT_HEADERDATA, head);
  fetch_easy_setopt(e, FETCHOPT_READDATA, in);
  fetch_easy_setopt(e, FETCHOPT_UPLOAD, 1L);
  fetch_easy_setopt(e, FETCHOPT_INFILESIZE, 20L);
  FETCHcode rc = fetch_easy_perform(e);
  printf("result=%d\n", (int)rc);
  show_file("written", out);
  show_file("headers", head);
  fclose(out);
  fclose(head);
  fclose(in);
  return 0;
}

/* No callbacks and no data pointers: the upload comes from stdin, the body
 * goes to stdout (flushed before the lines after it). */
static int stdio_defaults(FETCH *e, const char *url, const char *size) {
  fetch_easy_setopt(e, FETCHOPT_URL, url);
  fetch_easy_setopt(e, FETCHOPT_UPLOAD, 1L);
  fetch_easy_setopt(e, FETCHOPT_INFILESIZE, atol(size));
  printf("body_starts=");
  fflush(stdout);
  FETCHcode rc = fetch_easy_perform(e);
  fflush(stdout);
  printf("\nresult=%d\n", (int)rc);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s MODE URL [ARG]\n", argv[0]);
    return 2;
  }
  const char *mode = argv[1];
  const char *url = argv[2];
  const char *arg = argc > 3 ? argv[3] : "";
  static char err[FETCH_ERROR_SIZE];
  fetch_global_init(FETCH_GLOBAL_ALL);
  FETCH *e = fetch_easy_init();
  if (!e) {
    return 1;
  }
  if (!strcmp(mode, "defaultio")) {
    int r = default_io(e, url, err);
    fetch_easy_cleanup(e);
    fetch_global_cleanup();
    return r;
  }
  if (!strcmp(mode, "method")) {
    /* EFFECTIVE_METHOD as options and transfers change it; the URL need
     * not answer. */
    show_str(e, "plain", FETCHINFO_EFFECTIVE_METHOD);
    fetch_easy_setopt(e, FETCHOPT_NOBODY, 1L);
    show_str(e, "nobody", FETCHINFO_EFFECTIVE_METHOD);
    fetch_easy_setopt(e, FETCHOPT_CUSTOMREQUEST, "PATCH");
    show_str(e, "custom", FETCHINFO_EFFECTIVE_METHOD);
    fetch_easy_setopt(e, FETCHOPT_URL, url);
    printf("result=%d\n", (int)fetch_easy_perform(e));
    show_str(e, "custom_after", FETCHINFO_EFFECTIVE_METHOD);
    fetch_easy_setopt(e, FETCHOPT_CUSTOMREQUEST, NULL);
    fetch_easy_setopt(e, FETCHOPT_NOBODY, 0L);
    fetch_easy_setopt(e, FETCHOPT_POSTFIELDS, "a");
    show_str(e, "post_set", FETCHINFO_EFFECTIVE_METHOD);
    printf("result=%d\n", (int)fetch_easy_perform(e));
    show_str(e, "post_after", FETCHINFO_EFFECTIVE_METHOD);
    fetch_easy_cleanup(e);
    fetch_global_cleanup();
    return 0;
  }
  if (!strcmp(mode, "stdio")) {
    int r = stdio_defaults(e, url, arg);
    fetch_easy_cleanup(e);
    fetch_global_cleanup();
    return r;
  }
  prepare(e, url, err);
  if (!strcmp(mode, "fail")) {
    SET(e, FETCHOPT_FAILONERROR, 1L);
  } else if (!strcmp(mode, "failuser")) {
    SET(e, FETCHOPT_FAILONERROR, 1L);
    SET(e, FETCHOPT_USERPWD, "user:secret");
  } else if (!strcmp(mode, "range")) {
    SET(e, FETCHOPT_RANGE, arg);
  } else if (!strcmp(mode, "resume")) {
    SET(e, FETCHOPT_RESUME_FROM_LARGE, (fetch_off_t)atoll(arg));
  } else if (!strcmp(mode, "resume_long")) {
    SET(e, FETCHOPT_RESUME_FROM, atol(arg));
  } else if (!strcmp(mode, "filetime")) {
    SET(e, FETCHOPT_FILETIME, 1L);
  } else if (!strcmp(mode, "protocols")) {
    SET(e, FETCHOPT_PROTOCOLS_STR, "nosuchscheme");
    SET(e, FETCHOPT_PROTOCOLS_STR, "");
    SET(e, FETCHOPT_PROTOCOLS_STR, arg);
  } else if (!strcmp(mode, "protomask")) {
    SET(e, FETCHOPT_PROTOCOLS, atol(arg));
  } else if (!strcmp(mode, "redirproto")) {
    SET(e, FETCHOPT_FOLLOWLOCATION, 1L);
    if (*arg) {
      SET(e, FETCHOPT_REDIR_PROTOCOLS_STR, arg);
    }
  } else if (!strcmp(mode, "redirmask")) {
    SET(e, FETCHOPT_FOLLOWLOCATION, 1L);
    SET(e, FETCHOPT_REDIR_PROTOCOLS, atol(arg));
  } else if (!strcmp(mode, "postredir")) {
    SET(e, FETCHOPT_POSTFIELDS, "a=1");
    SET(e, FETCHOPT_FOLLOWLOCATION, 1L);
    SET(e, FETCHOPT_POSTREDIR, atol(arg));
  } else if (!strcmp(mode, "referer")) {
    show_str(e, "referer_before", FETCHINFO_REFERER);
    SET(e, FETCHOPT_REFERER, "http://from.example/page");
    SET(e, FETCHOPT_FOLLOWLOCATION, 1L);
    SET(e, FETCHOPT_AUTOREFERER, atol(arg));
  } else if (!strcmp(mode, "timecond")) {
    /* arg: "COND VALUE" */
    long cond = 0;
    long long value = 0;
    if (sscanf(arg, "%ld %lld", &cond, &value) != 2) {
      return 2;
    }
    SET(e, FETCHOPT_TIMECONDITION, 9L);
    SET(e, FETCHOPT_TIMECONDITION, cond);
    SET(e, FETCHOPT_TIMEVALUE_LARGE, (fetch_off_t)value);
  } else if (!strcmp(mode, "timevalue_long")) {
    SET(e, FETCHOPT_TIMECONDITION, (long)FETCH_TIMECOND_IFMODSINCE);
    SET(e, FETCHOPT_TIMEVALUE, atol(arg));
  } else if (!strcmp(mode, "pathasis")) {
    SET(e, FETCHOPT_PATH_AS_IS, atol(arg));
  } else if (!strcmp(mode, "incallback")) {
    watched = e;
  } else if (!strcmp(mode, "tls")) {
    SET(e, FETCHOPT_CAINFO, arg);
  } else if (!strcmp(mode, "tls_noverify")) {
    SET(e, FETCHOPT_CAINFO, arg);
    SET(e, FETCHOPT_SSL_VERIFYPEER, 0L);
  } else if (!strcmp(mode, "headeropt")) {
    SET(e, FETCHOPT_HEADEROPT, (long)FETCHHEADER_SEPARATE);
    SET(e, FETCHOPT_HEADEROPT, (long)FETCHHEADER_UNIFIED);
  } else if (!strcmp(mode, "info")) {
    static int marker;
    SET(e, FETCHOPT_PRIVATE, (void *)&marker);
    if (!strcmp(arg, "post")) {
      SET(e, FETCHOPT_POSTFIELDS, "x=12345");
    }
    show_str(e, "content_type_before", FETCHINFO_CONTENT_TYPE);
    show_str(e, "method_before", FETCHINFO_EFFECTIVE_METHOD);
    show_off(e, "filetime_before", FETCHINFO_FILETIME_T);
    show_long(e, "version_before", FETCHINFO_HTTP_VERSION);
    run(e, err);
    void *priv = NULL;
    fetch_easy_getinfo(e, FETCHINFO_PRIVATE, &priv);
    printf("private_matches=%d\n", priv == (void *)&marker);
    show_str(e, "content_type", FETCHINFO_CONTENT_TYPE);
    show_str(e, "scheme", FETCHINFO_SCHEME);
    show_long(e, "header_size", FETCHINFO_HEADER_SIZE);
    show_long(e, "request_size", FETCHINFO_REQUEST_SIZE);
    show_long(e, "http_version", FETCHINFO_HTTP_VERSION);
    show_str(e, "method", FETCHINFO_EFFECTIVE_METHOD);
    show_off(e, "retry_after", FETCHINFO_RETRY_AFTER);
    show_long(e, "condition_unmet", FETCHINFO_CONDITION_UNMET);
    show_long(e, "ssl_verifyresult", FETCHINFO_SSL_VERIFYRESULT);
    show_str(e, "referer", FETCHINFO_REFERER);
    fetch_easy_cleanup(e);
    fetch_global_cleanup();
    return 0;
  } else if (strcmp(mode, "plain")) {
    fprintf(stderr, "unknown mode %s\n", mode);
    return 2;
  }
  run(e, err);
  printf("in_write=%s\n", seen_in_write);
  show_long(e, "condition_unmet", FETCHINFO_CONDITION_UNMET);
  show_long(e, "filetime", FETCHINFO_FILETIME);
  show_off(e, "filetime_t", FETCHINFO_FILETIME_T);
  show_str(e, "method", FETCHINFO_EFFECTIVE_METHOD);
  show_str(e, "referer", FETCHINFO_REFERER);
  show_long(e, "redirects", FETCHINFO_REDIRECT_COUNT);
  show_long(e, "header_size", FETCHINFO_HEADER_SIZE);
  show_long(e, "request_size", FETCHINFO_REQUEST_SIZE);
  show_str(e, "content_type", FETCHINFO_CONTENT_TYPE);
  show_long(e, "ssl_verifyresult", FETCHINFO_SSL_VERIFYRESULT);
  show_str(e, "scheme", FETCHINFO_SCHEME);
  fetch_easy_cleanup(e);
  fetch_global_cleanup();
  return 0;
}
