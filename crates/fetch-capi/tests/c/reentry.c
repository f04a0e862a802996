/* Re-entry from callbacks (CB-01..CB-06, docs/decisions.md 25): every
 * exported function that takes a handle, called from inside every callback
 * on the handles in use.
 *
 *   reentry URL CELL...      CELL = mode/callback/function
 *
 * mode "multi": one POST of BODY bytes to URL through a multi driven by
 * socket_action from a poll(2) loop (socket and timer callbacks set); mode
 * "perform": the same transfer through fetch_easy_perform. The first call
 * of `callback` calls `function` on the multi and easy handle in use. One
 * line per cell on stdout:
 *
 *   cell M/C/F called=1 code=N in_add=B add=N done=N result=N listed=N
 *        after_cleanup=N perform=N mcleanup=N
 *
 * (`code` is the call's return code; void functions give 0, info_read 1
 * for a message, get_handles the number of entries naming the easy handle,
 * duphandle 0 for a copy.) Before each cell "=== cell ..." goes to stderr,
 * where valgrind writes too, so its reports can be told apart by cell.
 * A handle cleaned up inside a callback is never used again here. */
#define _POSIX_C_SOURCE 200809L
#include <fetch/fetch.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BODY 3000
#define MAXW 16

struct cell {
  const char *mode;
  const char *cb;
  const char *fn;
  int called;
  int code;
  int in_add;
  int cleaned;
  int after_cleanup;
};

static struct cell *cur;
static const char *url;
static FETCHM *M;
static FETCH *E;
static int adding;
static size_t sent;
static int last_fd = -1;
static int marker;

/* the application's view of the library's sockets and timer */
static int wfd[MAXW], wwhat[MAXW], nw;
static long long deadline = -1; /* ms on the monotonic clock, -1 none */

static long long now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int call(const char *fn)
{
  int running = 0, left = 0;
  long l = 0;
  if(!strcmp(fn, "easy_cleanup")) {
    fetch_easy_cleanup(E);
    cur->cleaned = 1;
    return 0;
  }
  if(!strcmp(fn, "easy_reset")) {
    fetch_easy_reset(E);
    return 0;
  }
  if(!strcmp(fn, "easy_setopt")) {
    int rc = fetch_easy_setopt(E, FETCHOPT_URL, url);
    if(!rc)
      rc = fetch_easy_setopt(E, FETCHOPT_TIMEOUT, 30L);
    if(!rc)
      rc = fetch_easy_setopt(E, FETCHOPT_POSTFIELDSIZE_LARGE, (fetch_off_t)BODY);
    if(!rc)
      rc = fetch_easy_setopt(E, FETCHOPT_PRIVATE, (void *)&marker);
    return rc;
  }
  if(!strcmp(fn, "easy_getinfo"))
    return fetch_easy_getinfo(E, FETCHINFO_RESPONSE_CODE, &l);
  if(!strcmp(fn, "easy_pause"))
    return fetch_easy_pause(E, FETCHPAUSE_CONT);
  if(!strcmp(fn, "easy_perform"))
    return fetch_easy_perform(E);
  if(!strcmp(fn, "easy_duphandle")) {
    FETCH *d = fetch_easy_duphandle(E);
    if(!d)
      return -1;
    fetch_easy_cleanup(d);
    return 0;
  }
  if(!strcmp(fn, "multi_add_handle"))
    return fetch_multi_add_handle(M, E);
  if(!strcmp(fn, "multi_remove_handle"))
    return fetch_multi_remove_handle(M, E);
  if(!strcmp(fn, "multi_cleanup"))
    return fetch_multi_cleanup(M);
  if(!strcmp(fn, "multi_setopt")) {
    int a = fetch_multi_setopt(M, FETCHMOPT_MAXCONNECTS, 5L);
    int b = fetch_multi_setopt(M, FETCHMOPT_TIMERDATA, (void *)&marker);
    return a == b ? a : 1000 + b;
  }
  if(!strcmp(fn, "multi_socket_action"))
    return fetch_multi_socket_action(M, FETCH_SOCKET_TIMEOUT, 0, &running);
  if(!strcmp(fn, "multi_socket"))
    return fetch_multi_socket(M, FETCH_SOCKET_TIMEOUT, &running);
  if(!strcmp(fn, "multi_socket_all"))
    return fetch_multi_socket_all(M, &running);
  if(!strcmp(fn, "multi_perform"))
    return fetch_multi_perform(M, &running);
  if(!strcmp(fn, "multi_assign"))
    return fetch_multi_assign(M, last_fd, &marker);
  if(!strcmp(fn, "multi_info_read"))
    return fetch_multi_info_read(M, &left) != NULL;
  if(!strcmp(fn, "multi_timeout"))
    return fetch_multi_timeout(M, &l);
  if(!strcmp(fn, "multi_fdset")) {
    fd_set r, w, x;
    int max = -1;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_ZERO(&x);
    return fetch_multi_fdset(M, &r, &w, &x, &max);
  }
  if(!strcmp(fn, "multi_waitfds")) {
    struct fetch_waitfd w[4];
    unsigned int n = 0;
    return fetch_multi_waitfds(M, w, 4, &n);
  }
  if(!strcmp(fn, "multi_wait"))
    return fetch_multi_wait(M, NULL, 0, 0, NULL);
  if(!strcmp(fn, "multi_poll"))
    return fetch_multi_poll(M, NULL, 0, 0, NULL);
  if(!strcmp(fn, "multi_wakeup"))
    return fetch_multi_wakeup(M);
  if(!strcmp(fn, "multi_get_handles")) {
    FETCH **list = fetch_multi_get_handles(M);
    int n = 0, i;
    if(!list)
      return -1;
    for(i = 0; list[i]; i++)
      n += list[i] == E ? 1 : 100;
    fetch_free(list);
    return n;
  }
  fprintf(stderr, "unknown function %s\n", fn);
  exit(2);
}

/* Called first thing in every callback. */
static void hook(const char *cb, int easy_cb)
{
  if(easy_cb && cur->cleaned)
    cur->after_cleanup++;
  if(!cur->called && !strcmp(cur->cb, cb)) {
    cur->called = 1;
    cur->in_add = adding;
    cur->code = call(cur->fn);
  }
}

static int socket_cb(FETCH *e, fetch_socket_t s, int what, void *up, void *sp)
{
  int i;
  (void)e;
  (void)up;
  (void)sp;
  for(i = 0; i < nw && wfd[i] != s; i++)
    ;
  if(what == FETCH_POLL_REMOVE) {
    if(i < nw) {
      wfd[i] = wfd[nw - 1];
      wwhat[i] = wwhat[nw - 1];
      nw--;
    }
  }
  else if(i < MAXW) {
    wfd[i] = s;
    wwhat[i] = what;
    if(i == nw)
      nw++;
  }
  last_fd = s;
  hook("socket", 0);
  return 0;
}

static int timer_cb(FETCHM *m, long ms, void *up)
{
  (void)m;
  (void)up;
  deadline = ms < 0 ? -1 : now_ms() + ms;
  hook("timer", 0);
  return 0;
}

static size_t write_cb(char *p, size_t size, size_t n, void *up)
{
  (void)p;
  (void)up;
  hook("write", 1);
  return size * n;
}

static size_t header_cb(char *p, size_t size, size_t n, void *up)
{
  (void)p;
  (void)up;
  hook("header", 1);
  return size * n;
}

static size_t read_cb(char *p, size_t size, size_t n, void *up)
{
  size_t k = size * n;
  (void)up;
  hook("read", 1);
  if(k > BODY - sent)
    k = BODY - sent;
  memset(p, 'x', k);
  sent += k;
  return k;
}

static int xferinfo_cb(void *up, fetch_off_t a, fetch_off_t b, fetch_off_t c, fetch_off_t d)
{
  (void)up;
  (void)a;
  (void)b;
  (void)c;
  (void)d;
  hook("xferinfo", 1);
  return 0;
}

static int progress_cb(void *up, double a, double b, double c, double d)
{
  (void)up;
  (void)a;
  (void)b;
  (void)c;
  (void)d;
  hook("progress", 1);
  return 0;
}

static FETCH *make_easy(const char *cb)
{
  FETCH *e = fetch_easy_init();
  fetch_easy_setopt(e, FETCHOPT_URL, url);
  fetch_easy_setopt(e, FETCHOPT_POST, 1L);
  fetch_easy_setopt(e, FETCHOPT_POSTFIELDSIZE, (long)BODY);
  fetch_easy_setopt(e, FETCHOPT_READFUNCTION, read_cb);
  fetch_easy_setopt(e, FETCHOPT_WRITEFUNCTION, write_cb);
  fetch_easy_setopt(e, FETCHOPT_HEADERFUNCTION, header_cb);
  fetch_easy_setopt(e, FETCHOPT_NOPROGRESS, 0L);
  if(!strcmp(cb, "progress"))
    fetch_easy_setopt(e, FETCHOPT_PROGRESSFUNCTION, progress_cb);
  else
    fetch_easy_setopt(e, FETCHOPT_XFERINFOFUNCTION, xferinfo_cb);
  return e;
}

static void run_multi(struct cell *c)
{
  int add, done = 0, result = -1, listed = -1, running = 1, mcleanup;
  long long limit = now_ms() + 10000;
  M = fetch_multi_init();
  fetch_multi_setopt(M, FETCHMOPT_SOCKETFUNCTION, socket_cb);
  fetch_multi_setopt(M, FETCHMOPT_TIMERFUNCTION, timer_cb);
  E = make_easy(c->cb);
  adding = 1;
  add = fetch_multi_add_handle(M, E);
  adding = 0;
  while(now_ms() < limit && !done && !(c->cleaned && running == 0)) {
    struct pollfd p[MAXW];
    int i, n = nw, wait = 100, left;
    FETCHMsg *msg;
    if(deadline >= 0) {
      long long d = deadline - now_ms();
      wait = d < 0 ? 0 : d < wait ? (int)d : wait;
    }
    for(i = 0; i < n; i++) {
      p[i].fd = wfd[i];
      p[i].events = (short)(((wwhat[i] & FETCH_POLL_IN) ? POLLIN : 0) |
                            ((wwhat[i] & FETCH_POLL_OUT) ? POLLOUT : 0));
      p[i].revents = 0;
    }
    if(poll(p, (nfds_t)n, wait) > 0) {
      for(i = 0; i < n; i++) {
        int bits = 0;
        if(p[i].revents & (POLLIN | POLLHUP))
          bits |= FETCH_CSELECT_IN;
        if(p[i].revents & POLLOUT)
          bits |= FETCH_CSELECT_OUT;
        if(p[i].revents & POLLERR)
          bits |= FETCH_CSELECT_ERR;
        if(bits)
          fetch_multi_socket_action(M, p[i].fd, bits, &running);
      }
    }
    if((deadline >= 0 && now_ms() >= deadline) || (nw == 0 && deadline < 0)) {
      deadline = -1;
      fetch_multi_socket_action(M, FETCH_SOCKET_TIMEOUT, 0, &running);
    }
    while((msg = fetch_multi_info_read(M, &left))) {
      /* only the pointer value is compared: E may be freed */
      if(msg->msg == FETCHMSG_DONE && msg->easy_handle == E) {
        done++;
        result = msg->data.result;
      }
    }
  }
  {
    FETCH **list = fetch_multi_get_handles(M);
    int i;
    if(list) {
      for(listed = 0, i = 0; list[i]; i++)
        listed += list[i] == E ? 1 : 100;
      fetch_free(list);
    }
  }
  if(!c->cleaned) {
    fetch_multi_remove_handle(M, E);
    fetch_easy_cleanup(E);
  }
  mcleanup = fetch_multi_cleanup(M);
  printf("cell %s/%s/%s called=%d code=%d in_add=%d add=%d done=%d result=%d "
         "listed=%d after_cleanup=%d perform=-1 mcleanup=%d\n",
         c->mode, c->cb, c->fn, c->called, c->code, c->in_add, add, done, result,
         listed, c->after_cleanup, mcleanup);
}

static void run_perform(struct cell *c)
{
  int rc;
  M = NULL;
  E = make_easy(c->cb);
  rc = fetch_easy_perform(E);
  if(!c->cleaned)
    fetch_easy_cleanup(E);
  printf("cell %s/%s/%s called=%d code=%d in_add=0 add=-1 done=-1 result=-1 "
         "listed=-1 after_cleanup=%d perform=%d mcleanup=-1\n",
         c->mode, c->cb, c->fn, c->called, c->code, c->after_cleanup, rc);
}

int main(int argc, char **argv)
{
  int i;
  if(argc < 3) {
    fprintf(stderr, "usage: %s URL mode/callback/function...\n", argv[0]);
    return 2;
  }
  url = argv[1];
  for(i = 2; i < argc; i++) {
    struct cell c;
    char *spec = argv[i];
    char *cb = strchr(spec, '/');
    char *fn = cb ? strchr(cb + 1, '/') : NULL;
    if(!fn) {
      fprintf(stderr, "bad cell %s\n", spec);
      return 2;
    }
    *cb++ = 0;
    *fn++ = 0;
    memset(&c, 0, sizeof(c));
    c.mode = spec;
    c.cb = cb;
    c.fn = fn;
    cur = &c;
    sent = 0;
    nw = 0;
    deadline = -1;
    last_fd = -1;
    fprintf(stderr, "=== cell %s/%s/%s\n", spec, cb, fn);
    if(!strcmp(spec, "multi"))
      run_multi(&c);
    else
      run_perform(&c);
    fflush(stdout);
  }
  fprintf(stderr, "=== exit\n");
  return 0;
}
