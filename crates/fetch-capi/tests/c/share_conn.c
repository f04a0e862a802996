/* The connection pool shared through a share (FETCH_LOCK_DATA_CONNECT),
 * driven by tests/share_conn.rs, which runs the servers, counts their
 * connections and runs this program under valgrind (and, renamed, against
 * the installed libcurl for the same answers).
 *
 *   share_conn multis URL [CAFILE]  two multi handles, each driven by
 *                                   socket_action from a poll(2) loop of
 *                                   its own; a transfer in A, one in B,
 *                                   one in A again. Each loop checks its
 *                                   socket callbacks (no REMOVE of an
 *                                   unknown socket, no interest twice in a
 *                                   row, nothing left at cleanup).
 *   share_conn threads URL [CAFILE] two threads, the second started after
 *                                   the first ended, each running a
 *                                   transfer in fetch_easy_perform; the
 *                                   lock callbacks are pthread mutexes.
 *   share_conn dead URL             as multis, but the server closes the
 *                                   connection after the first answer.
 */
#define _POSIX_C_SOURCE 200809L
#include <fetch/fetch.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *cafile;

static size_t discard(char *data, size_t size, size_t n, void *ud) {
  (void)data;
  (void)ud;
  return size * n;
}

/* Lock callbacks over real mutexes, with counts. */
struct locks {
  pthread_mutex_t mu[FETCH_LOCK_DATA_LAST];
  pthread_mutex_t count_mu;
  int count[FETCH_LOCK_DATA_LAST];
  int held;
  int unpaired;
};

static void lock_cb(FETCH *h, fetch_lock_data d, fetch_lock_access a, void *u) {
  struct locks *l = u;
  (void)h;
  (void)a;
  pthread_mutex_lock(&l->mu[d]);
  pthread_mutex_lock(&l->count_mu);
  l->count[d]++;
  l->held++;
  pthread_mutex_unlock(&l->count_mu);
}

static void unlock_cb(FETCH *h, fetch_lock_data d, void *u) {
  struct locks *l = u;
  (void)h;
  pthread_mutex_lock(&l->count_mu);
  if (l->held-- <= 0)
    l->unpaired++;
  pthread_mutex_unlock(&l->count_mu);
  pthread_mutex_unlock(&l->mu[d]);
}

static FETCHSH *pool_share(struct locks *l) {
  for (int i = 0; i < FETCH_LOCK_DATA_LAST; i++)
    pthread_mutex_init(&l->mu[i], NULL);
  pthread_mutex_init(&l->count_mu, NULL);
  FETCHSH *s = fetch_share_init();
  printf("share=%d\n", (int)fetch_share_setopt(s, FETCHSHOPT_SHARE, FETCH_LOCK_DATA_CONNECT));
  fetch_share_setopt(s, FETCHSHOPT_LOCKFUNC, lock_cb);
  fetch_share_setopt(s, FETCHSHOPT_UNLOCKFUNC, unlock_cb);
  fetch_share_setopt(s, FETCHSHOPT_USERDATA, l);
  return s;
}

static void print_locks(struct locks *l) {
  printf("locks connect=%s share=%s held=%d unpaired=%d\n",
         l->count[FETCH_LOCK_DATA_CONNECT] > 0 ? "yes" : "no",
         l->count[FETCH_LOCK_DATA_SHARE] > 0 ? "yes" : "no", l->held, l->unpaired);
}

static FETCH *get(const char *url, FETCHSH *s) {
  FETCH *e = fetch_easy_init();
  fetch_easy_setopt(e, FETCHOPT_URL, url);
  fetch_easy_setopt(e, FETCHOPT_WRITEFUNCTION, discard);
  fetch_easy_setopt(e, FETCHOPT_SHARE, s);
  if (cafile)
    fetch_easy_setopt(e, FETCHOPT_CAINFO, cafile);
  return e;
}

/* One application loop: a multi, the sockets it announced, its timer. */
struct app {
  FETCHM *m;
  fetch_socket_t fd[32];
  int what[32];
  int n;
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
      a->bad++; /* REMOVE of a socket never announced */
      return 0;
    }
    a->fd[i] = a->fd[a->n - 1];
    a->what[i] = a->what[a->n - 1];
    a->n--;
    return 0;
  }
  if (i < a->n) {
    if (a->what[i] == what)
      a->bad++; /* the same interest twice in a row */
    a->what[i] = what;
    return 0;
  }
  if (a->n == 32)
    return -1;
  a->fd[a->n] = s;
  a->what[a->n] = what;
  a->n++;
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

/* Runs `e` to its end in `a`'s loop; returns its code. */
static int app_run(struct app *a, FETCH *e) {
  int running = 1, code = -1;
  fetch_multi_add_handle(a->m, e);
  while (running) {
    struct pollfd p[32];
    for (int i = 0; i < a->n; i++) {
      p[i].fd = a->fd[i];
      p[i].events = (a->what[i] & FETCH_POLL_IN ? POLLIN : 0) |
                    (a->what[i] & FETCH_POLL_OUT ? POLLOUT : 0);
      p[i].revents = 0;
    }
    int n = a->n;
    long t = a->timeout_ms < 0 || a->timeout_ms > 200 ? 200 : a->timeout_ms;
    int ready = poll(p, (nfds_t)n, (int)t);
    if (ready > 0) {
      for (int i = 0; i < n; i++) {
        int bits = (p[i].revents & POLLIN ? FETCH_CSELECT_IN : 0) |
                   (p[i].revents & POLLOUT ? FETCH_CSELECT_OUT : 0) |
                   (p[i].revents & (POLLERR | POLLHUP) ? FETCH_CSELECT_ERR : 0);
        if (bits)
          fetch_multi_socket_action(a->m, p[i].fd, bits, &running);
      }
    } else if (a->timeout_ms >= 0) {
      a->timeout_ms = -1;
      fetch_multi_socket_action(a->m, FETCH_SOCKET_TIMEOUT, 0, &running);
    }
    int left;
    FETCHMsg *msg;
    while ((msg = fetch_multi_info_read(a->m, &left)))
      if (msg->msg == FETCHMSG_DONE)
        code = (int)msg->data.result;
  }
  fetch_multi_remove_handle(a->m, e);
  return code;
}

static long connects(FETCH *e) {
  long n = -1;
  fetch_easy_getinfo(e, FETCHINFO_NUM_CONNECTS, &n);
  return n;
}

static int multis(const char *url, int dead) {
  struct locks l;
  memset(&l, 0, sizeof l);
  FETCHSH *s = pool_share(&l);
  struct app a, b;
  app_init(&a);
  app_init(&b);
  FETCH *e1 = get(url, s);
  int first = app_run(&a, e1);
  printf("first=%d connects=%ld\n", first, connects(e1));
  if (dead)
  {
    /* Let the server's close arrive (a late one is found on send: new
       connection either way). */
    struct timespec ts = {0, 100000000L};
    nanosleep(&ts, NULL);
  }
  FETCH *e2 = get(url, s);
  int second = app_run(&b, e2);
  printf("second=%d connects=%ld\n", second, connects(e2));
  if (!dead) {
    FETCH *e3 = get(url, s);
    int third = app_run(&a, e3);
  printf("third=%d connects=%ld\n", third, connects(e3));
    fetch_easy_cleanup(e3);
  }
  printf("cleanup in use=%d\n", (int)fetch_share_cleanup(s));
  fetch_easy_cleanup(e1);
  fetch_easy_cleanup(e2);
  fetch_multi_cleanup(a.m);
  fetch_multi_cleanup(b.m);
  printf("hygiene a=%d b=%d left a=%d b=%d\n", a.bad, b.bad, a.n, b.n);
  print_locks(&l);
  printf("cleanup=%d\n", (int)fetch_share_cleanup(s));
  return 0;
}

struct job {
  const char *url;
  FETCHSH *s;
  int code;
  long connects;
};

static void *thread_main(void *arg) {
  struct job *j = arg;
  FETCH *e = get(j->url, j->s);
  j->code = (int)fetch_easy_perform(e);
  j->connects = connects(e);
  fetch_easy_cleanup(e);
  return NULL;
}

static int threads(const char *url) {
  struct locks l;
  memset(&l, 0, sizeof l);
  FETCHSH *s = pool_share(&l);
  for (int i = 0; i < 2; i++) {
    struct job j = {url, s, -1, -1};
    pthread_t t;
    pthread_create(&t, NULL, thread_main, &j);
    pthread_join(t, NULL);
    printf("thread%d=%d connects=%ld\n", i + 1, j.code, j.connects);
  }
  print_locks(&l);
  printf("cleanup=%d\n", (int)fetch_share_cleanup(s));
  return 0;
}

int main(int argc, char **argv) {
  fetch_global_init(FETCH_GLOBAL_DEFAULT);
  int rc = 2;
  if (argc >= 3) {
    cafile = argc >= 4 ? argv[3] : NULL;
    if (!strcmp(argv[1], "multis"))
      rc = multis(argv[2], 0);
    else if (!strcmp(argv[1], "dead"))
      rc = multis(argv[2], 1);
    else if (!strcmp(argv[1], "threads"))
      rc = threads(argv[2]);
  }
  if (rc == 2)
    fprintf(stderr, "usage: see the top of share_conn.c\n");
  fetch_global_cleanup();
  return rc;
}
