/* DISALLOW_USERNAME_IN_URL, REQUEST_TARGET and HAPPY_EYEBALLS_TIMEOUT_MS as
 * a C program meets them. tests/net_options.rs compiles this source twice:
 * as written, against libfetch, and renamed (fetch -> curl, FETCH -> CURL)
 * against the installed upstream libcurl, runs both against the same
 * scripted server and compares what they print.
 *
 * usage: net_options URL STEP...
 * Each STEP is done in order on one handle:
 *   disallow=N  FETCHOPT_DISALLOW_USERNAME_IN_URL, N
 *   target=S    FETCHOPT_REQUEST_TARGET, S ("target=NULL": NULL)
 *   he=N        FETCHOPT_HAPPY_EYEBALLS_TIMEOUT_MS, N
 *   method=S    FETCHOPT_CUSTOMREQUEST, S
 *   proxy=S     FETCHOPT_PROXY, S
 *   resolve=S   FETCHOPT_RESOLVE, a list of the one entry S
 *   timeout=N   FETCHOPT_CONNECTTIMEOUT_MS, N
 *   shuffle=N   FETCHOPT_DNS_SHUFFLE_ADDRESSES, N
 *   count       count the "Trying" lines of the debug trace (printed by
 *               perform as tried=N)
 *   follow      FETCHOPT_FOLLOWLOCATION, 1
 *   perform     fetch_easy_perform
 * Every line printed is "key=value"; nothing depends on the port. */
#define _POSIX_C_SOURCE 200809L
#include <fetch/fetch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char body[4096];
static size_t body_len;
static int tried;

static int on_debug(FETCH *e, fetch_infotype type, char *data, size_t size,
                    void *ud) {
  (void)e;
  (void)ud;
  if (type == FETCHINFO_TEXT && size >= 8 && !memcmp(data, "  Trying", 8)) {
    tried++;
  }
  return 0;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud) {
  (void)ud;
  size_t len = size * n;
  size_t room = sizeof(body) - 1 - body_len;
  memcpy(body + body_len, p, len < room ? len : room);
  body_len += len < room ? len : room;
  body[body_len] = 0;
  return len;
}

/* Sets an option and prints what setopt answered. */
#define SET(e, opt, val)                                                      \
  printf("setopt %s=%d\n", #opt, (int)fetch_easy_setopt((e), opt, (val)))

static void perform(FETCH *e, char *err) {
  err[0] = 0;
  body_len = 0;
  body[0] = 0;
  FETCHcode rc = fetch_easy_perform(e);
  long code = -1;
  fetch_easy_getinfo(e, FETCHINFO_RESPONSE_CODE, &code);
  printf("result=%d\n", (int)rc);
  printf("error=%s\n", err);
  printf("body=%s\n", body);
  printf("code=%ld\n", code);
  char *ip = NULL;
  double connect = -1;
  fetch_easy_getinfo(e, FETCHINFO_PRIMARY_IP, &ip);
  fetch_easy_getinfo(e, FETCHINFO_CONNECT_TIME, &connect);
  printf("ip=%s\n", ip ? ip : "(null)");
  printf("connect_ms=%ld\n", (long)(connect * 1000));
  printf("tried=%d\n", tried);
  tried = 0;
}

int main(int argc, char **argv) {
  static char err[FETCH_ERROR_SIZE];
  struct fetch_slist *resolve = NULL;
  if (argc < 2) {
    fprintf(stderr, "usage: net_options URL STEP...\n");
    return 2;
  }
  fetch_global_init(FETCH_GLOBAL_DEFAULT);
  FETCH *e = fetch_easy_init();
  fetch_easy_setopt(e, FETCHOPT_URL, argv[1]);
  fetch_easy_setopt(e, FETCHOPT_ERRORBUFFER, err);
  fetch_easy_setopt(e, FETCHOPT_WRITEFUNCTION, on_body);
  fetch_easy_setopt(e, FETCHOPT_MAXREDIRS, 3L);
  for (int i = 2; i < argc; i++) {
    const char *s = argv[i];
    const char *v = strchr(s, '=') ? strchr(s, '=') + 1 : "";
    if (!strncmp(s, "disallow=", 9)) {
      SET(e, FETCHOPT_DISALLOW_USERNAME_IN_URL, atol(v));
    } else if (!strncmp(s, "target=", 7)) {
      SET(e, FETCHOPT_REQUEST_TARGET, strcmp(v, "NULL") ? v : NULL);
    } else if (!strncmp(s, "he=", 3)) {
      SET(e, FETCHOPT_HAPPY_EYEBALLS_TIMEOUT_MS, atol(v));
    } else if (!strncmp(s, "method=", 7)) {
      SET(e, FETCHOPT_CUSTOMREQUEST, v);
    } else if (!strncmp(s, "resolve=", 8)) {
      fetch_slist_free_all(resolve);
      resolve = fetch_slist_append(NULL, v);
      SET(e, FETCHOPT_RESOLVE, resolve);
    } else if (!strncmp(s, "shuffle=", 8)) {
      SET(e, FETCHOPT_DNS_SHUFFLE_ADDRESSES, atol(v));
    } else if (!strcmp(s, "count")) {
      fetch_easy_setopt(e, FETCHOPT_DEBUGFUNCTION, on_debug);
      fetch_easy_setopt(e, FETCHOPT_VERBOSE, 1L);
    } else if (!strncmp(s, "timeout=", 8)) {
      SET(e, FETCHOPT_CONNECTTIMEOUT_MS, atol(v));
    } else if (!strncmp(s, "proxy=", 6)) {
      SET(e, FETCHOPT_PROXY, v);
    } else if (!strcmp(s, "follow")) {
      SET(e, FETCHOPT_FOLLOWLOCATION, 1L);
    } else if (!strcmp(s, "perform")) {
      perform(e, err);
    } else {
      fprintf(stderr, "unknown step %s\n", s);
      return 2;
    }
  }
  fetch_easy_cleanup(e);
  fetch_slist_free_all(resolve);
  fetch_global_cleanup();
  return 0;
}
