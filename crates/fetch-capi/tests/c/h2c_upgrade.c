/* FETCH_HTTP_VERSION_2_0 on http:// (the Upgrade: h2c offer), driven by
 * tests/h2c_upgrade.rs, which runs the servers and runs this program
 * under valgrind and, renamed, against the installed libcurl: both must
 * print the same lines.
 *
 *   h2c_upgrade share BASE    one transfer (BASE/bytes/100000), then three
 *                             at once, from one socket_action poll loop;
 *                             per transfer its code, FETCHINFO_HTTP_VERSION,
 *                             the body check and the server's x-proto,
 *                             x-conn fields; then how many sockets the
 *                             socket callback was told about
 *   h2c_upgrade one URL       one transfer: its code and version
 */
#define _POSIX_C_SOURCE 200809L
#include <fetch/fetch.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What one transfer saw. */
struct seen {
  long bytes;
  int pattern_ok;
  char proto[8];
  char conn[8];
  char stream[8];
};

static size_t body_cb(char *data, size_t size, size_t n, void *ud) {
  struct seen *s = ud;
  for (size_t i = 0; i < size * n; i++) {
    if ((unsigned char)data[i] != (unsigned char)((s->bytes + (long)i) % 251))
      s->pattern_ok = 0;
  }
  s->bytes += (long)(size * n);
  return size * n;
}

static void copy_field(const char *line, size_t len, const char *name, char *out) {
  size_t k = strlen(name);
  if (len > k && !strncmp(line, name, k)) {
    size_t v = len - k;
    while (v > 0 && (line[k + v - 1] == '\r' || line[k + v - 1] == '\n'))
      v--;
    if (v > 7)
      v = 7;
    memcpy(out, line + k, v);
    out[v] = 0;
  }
}

static size_t header_cb(char *line, size_t size, size_t n, void *ud) {
  struct seen *s = ud;
  copy_field(line, size * n, "x-proto: ", s->proto);
  copy_field(line, size * n, "x-conn: ", s->conn);
  copy_field(line, size * n, "x-stream: ", s->stream);
  return size * n;
}

static FETCH *get(const char *url, struct seen *s) {
  memset(s, 0, sizeof *s);
  s->pattern_ok = 1;
  FETCH *e = fetch_easy_init();
  fetch_easy_setopt(e, FETCHOPT_URL, url);
  fetch_easy_setopt(e, FETCHOPT_HTTP_VERSION, (long)FETCH_HTTP_VERSION_2_0);
  fetch_easy_setopt(e, FETCHOPT_WRITEFUNCTION, body_cb);
  fetch_easy_setopt(e, FETCHOPT_WRITEDATA, s);
  fetch_easy_setopt(e, FETCHOPT_HEADERFUNCTION, header_cb);
  fetch_easy_setopt(e, FETCHOPT_HEADERDATA, s);
  fetch_easy_setopt(e, FETCHOPT_TIMEOUT, 20L);
  fetch_easy_setopt(e, FETCHOPT_PRIVATE, s);
  return e;
}

/* The application loop: the sockets announced now, every socket ever
 * announced, the timer. */
struct app {
  FETCHM *m;
  fetch_socket_t fd[32];
  int what[32];
  int n;
  fetch_socket_t ever[32];
  int n_ever;
  long timeout_ms;
  int bad;
};

static int socket_cb(FETCH *e, fetch_socket_t s, int what, void *userp, void *socketp) {
  struct app *a = userp;
  (void)e;
  (void)socketp;
  int i = 0;
  while (i < a->n && a->fd[i] != s)
    i++;
  if (what == FETCH_POLL_REMOVE) {
    if (i == a->n) {
      a->bad++; /* REMOVE of a socket not announced */
      return 0;
    }
    a->fd[i] = a->fd[a->n - 1];
    a->what[i] = a->what[a->n - 1];
    a->n--;
    return 0;
  }
  if (i < a->n) {
    a->what[i] = what;
    return 0;
  }
  if (a->n == 32)
    return -1;
  a->fd[a->n] = s;
  a->what[a->n] = what;
  a->n++;
  int k = 0;
  while (k < a->n_ever && a->ever[k] != s)
    k++;
  if (k == a->n_ever && a->n_ever < 32)
    a->ever[a->n_ever++] = s;
  return 0;
}

static int timer_cb(FETCHM *m, long timeout_ms, void *userp) {
  struct app *a = userp;
  (void)m;
  a->timeout_ms = timeout_ms;
  return 0;
}

static void app_init(struct app *a) {
  memset(a, 0, sizeof *a);
  a->timeout_ms = -1;
  a->m = fetch_multi_init();
  fetch_multi_setopt(a->m, FETCHMOPT_SOCKETFUNCTION, socket_cb);
  fetch_multi_setopt(a->m, FETCHMOPT_SOCKETDATA, a);
  fetch_multi_setopt(a->m, FETCHMOPT_TIMERFUNCTION, timer_cb);
  fetch_multi_setopt(a->m, FETCHMOPT_TIMERDATA, a);
}

/* Runs the `n` transfers to their ends; their codes land in `codes`. */
static void app_run(struct app *a, FETCH **e, int *codes, int n) {
  int running = 1;
  for (int i = 0; i < n; i++) {
    codes[i] = -1;
    fetch_multi_add_handle(a->m, e[i]);
  }
  fetch_multi_socket_action(a->m, FETCH_SOCKET_TIMEOUT, 0, &running);
  while (running) {
    struct pollfd p[32];
    for (int i = 0; i < a->n; i++) {
      p[i].fd = a->fd[i];
      p[i].events = (a->what[i] & FETCH_POLL_IN ? POLLIN : 0) |
                    (a->what[i] & FETCH_POLL_OUT ? POLLOUT : 0);
      p[i].revents = 0;
    }
    int count = a->n;
    long t = a->timeout_ms < 0 || a->timeout_ms > 200 ? 200 : a->timeout_ms;
    int ready = poll(p, (nfds_t)count, (int)t);
    if (ready > 0) {
      for (int i = 0; i < count; i++) {
        int bits = (p[i].revents & POLLIN ? FETCH_CSELECT_IN : 0) |
                   (p[i].revents & POLLOUT ? FETCH_CSELECT_OUT : 0) |
                   (p[i].revents & (POLLERR | POLLHUP) ? FETCH_CSELECT_ERR : 0);
        if (bits)
          fetch_multi_socket_action(a->m, p[i].fd, bits, &running);
      }
    } else {
      a->timeout_ms = -1;
      fetch_multi_socket_action(a->m, FETCH_SOCKET_TIMEOUT, 0, &running);
    }
  }
  /* Read once the loop is over: on a live HTTP/2 connection the first
     socket_action can run every transfer to its end. */
  int left;
  FETCHMsg *msg;
  while ((msg = fetch_multi_info_read(a->m, &left))) {
    if (msg->msg != FETCHMSG_DONE)
      continue;
    for (int i = 0; i < n; i++)
      if (e[i] == msg->easy_handle)
        codes[i] = (int)msg->data.result;
  }
  for (int i = 0; i < n; i++)
    fetch_multi_remove_handle(a->m, e[i]);
}

static void report(const char *label, FETCH *e, int code, int sizes) {
  struct seen *s = NULL;
  long version = -1, connects = -1;
  fetch_easy_getinfo(e, FETCHINFO_PRIVATE, (char **)&s);
  fetch_easy_getinfo(e, FETCHINFO_HTTP_VERSION, &version);
  fetch_easy_getinfo(e, FETCHINFO_NUM_CONNECTS, &connects);
  if (sizes)
    printf("%s code=%d version=%ld connects=%ld bytes=%ld pattern=%s proto=%s conn=%s "
           "stream1=%s\n",
           label, code, version, connects, s->bytes, s->pattern_ok ? "ok" : "bad", s->proto,
           s->conn, strcmp(s->stream, "1") ? "no" : "yes");
  else
    printf("%s code=%d version=%ld\n", label, code, version);
}

static void share(const char *base) {
  struct app a;
  app_init(&a);
  char url[4][256];
  struct seen seen[4];
  FETCH *e[4];
  int codes[4];
  for (int i = 0; i < 4; i++) {
    snprintf(url[i], sizeof url[i], "%s/bytes/%d", base, i == 0 ? 100000 : 30000 * i + 1);
    e[i] = get(url[i], &seen[i]);
  }
  app_run(&a, e, codes, 1);
  report("first", e[0], codes[0], 1);
  app_run(&a, e + 1, codes + 1, 3);
  for (int i = 1; i < 4; i++)
    report("next", e[i], codes[i], 1);
  for (int i = 0; i < 4; i++)
    fetch_easy_cleanup(e[i]);
  fetch_multi_cleanup(a.m);
  printf("sockets=%d bad=%d left=%d\n", a.n_ever, a.bad, a.n);
}

static void one(const char *url) {
  struct app a;
  app_init(&a);
  struct seen s;
  FETCH *e = get(url, &s);
  int code;
  app_run(&a, &e, &code, 1);
  report("one", e, code, 0);
  fetch_easy_cleanup(e);
  fetch_multi_cleanup(a.m);
  printf("bad=%d left=%d\n", a.bad, a.n);
}

int main(int argc, char **argv) {
  fetch_global_init(FETCH_GLOBAL_DEFAULT);
  if (argc == 3 && !strcmp(argv[1], "share"))
    share(argv[2]);
  else if (argc == 3 && !strcmp(argv[1], "one"))
    one(argv[2]);
  else {
    fprintf(stderr, "usage: see the top of h2c_upgrade.c\n");
    return 2;
  }
  fetch_global_cleanup();
  return 0;
}
