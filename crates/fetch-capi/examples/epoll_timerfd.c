/* An event-driven application in the style of upstream's ephiperfifo:
 * epoll for the sockets, one timerfd for the library's single timer, and
 * fetch_multi_assign to keep per-socket state. Usage:
 *   epoll_timerfd [-n COUNT] URL...
 * fetches every URL COUNT times (default 1), all at once, and exits 0
 * when every transfer succeeded with status 200. */
#define _GNU_SOURCE
#include <fetch/fetch.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

struct app {
  FETCHM *multi;
  int epfd;
  int tfd;
  int running;
  int done;
  int failed;
  size_t bytes;
  int sockets_now;
  int sockets_peak;
};

struct sock {
  fetch_socket_t fd;
  int what;
};

struct xfer {
  char *url;
  size_t bytes;
};

static int timer_cb(FETCHM *multi, long timeout_ms, void *clientp)
{
  struct app *app = clientp;
  struct itimerspec its;
  (void)multi;
  memset(&its, 0, sizeof(its));
  if(timeout_ms > 0) {
    its.it_value.tv_sec = timeout_ms / 1000;
    its.it_value.tv_nsec = (timeout_ms % 1000) * 1000000;
  }
  else if(timeout_ms == 0) {
    its.it_value.tv_nsec = 1; /* as soon as possible: 0 would disarm */
  }
  /* timeout_ms == -1: all zero disarms */
  if(timerfd_settime(app->tfd, 0, &its, NULL) < 0) {
    perror("timerfd_settime");
    return -1;
  }
  return 0;
}

static uint32_t to_epoll(int what)
{
  uint32_t ev = 0;
  if(what & FETCH_POLL_IN)
    ev |= EPOLLIN;
  if(what & FETCH_POLL_OUT)
    ev |= EPOLLOUT;
  return ev;
}

static int socket_cb(FETCH *easy, fetch_socket_t s, int what, void *clientp,
                     void *socketp)
{
  struct app *app = clientp;
  struct sock *sk = socketp;
  struct epoll_event ev;
  (void)easy;
  if(what == FETCH_POLL_REMOVE) {
    if(sk) {
      epoll_ctl(app->epfd, EPOLL_CTL_DEL, s, NULL);
      free(sk);
      app->sockets_now--;
    }
    return 0;
  }
  memset(&ev, 0, sizeof(ev));
  ev.events = to_epoll(what);
  ev.data.fd = s;
  if(!sk) {
    sk = calloc(1, sizeof(*sk));
    if(!sk)
      return -1;
    sk->fd = s;
    if(epoll_ctl(app->epfd, EPOLL_CTL_ADD, s, &ev) < 0) {
      perror("epoll_ctl ADD");
      free(sk);
      return -1;
    }
    if(fetch_multi_assign(app->multi, s, sk) != FETCHM_OK) {
      fprintf(stderr, "assign failed\n");
      return -1;
    }
    if(++app->sockets_now > app->sockets_peak)
      app->sockets_peak = app->sockets_now;
  }
  else if(epoll_ctl(app->epfd, EPOLL_CTL_MOD, s, &ev) < 0) {
    perror("epoll_ctl MOD");
    return -1;
  }
  sk->what = what;
  return 0;
}

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
  struct xfer *x = userdata;
  (void)ptr;
  x->bytes += size * nmemb;
  return size * nmemb;
}

static void check_done(struct app *app)
{
  FETCHMsg *msg;
  int left;
  while((msg = fetch_multi_info_read(app->multi, &left))) {
    struct xfer *x = NULL;
    long status = 0;
    if(msg->msg != FETCHMSG_DONE)
      continue;
    fetch_easy_getinfo(msg->easy_handle, FETCHINFO_PRIVATE, &x);
    fetch_easy_getinfo(msg->easy_handle, FETCHINFO_RESPONSE_CODE, &status);
    if(msg->data.result != FETCHE_OK || status != 200) {
      fprintf(stderr, "FAIL %s: %s (status %ld)\n", x->url,
              fetch_easy_strerror(msg->data.result), status);
      app->failed++;
    }
    app->bytes += x->bytes;
    app->done++;
    fetch_multi_remove_handle(app->multi, msg->easy_handle);
    fetch_easy_cleanup(msg->easy_handle);
    free(x);
  }
}

static void act(struct app *app, fetch_socket_t fd, int bits)
{
  FETCHMcode mc = fetch_multi_socket_action(app->multi, fd, bits, &app->running);
  if(mc != FETCHM_OK) {
    fprintf(stderr, "socket_action: %s\n", fetch_multi_strerror(mc));
    exit(2);
  }
  check_done(app);
}

int main(int argc, char **argv)
{
  struct app app;
  int count = 1;
  int first = 1;
  int total = 0;
  int i, k;

  memset(&app, 0, sizeof(app));
  if(argc > 2 && !strcmp(argv[1], "-n")) {
    count = atoi(argv[2]);
    first = 3;
  }
  app.epfd = epoll_create1(EPOLL_CLOEXEC);
  app.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if(app.epfd < 0 || app.tfd < 0) {
    perror("epoll/timerfd");
    return 2;
  }
  {
    struct epoll_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN;
    ev.data.fd = app.tfd;
    epoll_ctl(app.epfd, EPOLL_CTL_ADD, app.tfd, &ev);
  }
  app.multi = fetch_multi_init();
  fetch_multi_setopt(app.multi, FETCHMOPT_SOCKETFUNCTION, socket_cb);
  fetch_multi_setopt(app.multi, FETCHMOPT_SOCKETDATA, &app);
  fetch_multi_setopt(app.multi, FETCHMOPT_TIMERFUNCTION, timer_cb);
  fetch_multi_setopt(app.multi, FETCHMOPT_TIMERDATA, &app);

  for(k = 0; k < count; k++) {
    for(i = first; i < argc; i++) {
      struct xfer *x = calloc(1, sizeof(*x));
      FETCH *easy = fetch_easy_init();
      x->url = argv[i];
      fetch_easy_setopt(easy, FETCHOPT_URL, argv[i]);
      fetch_easy_setopt(easy, FETCHOPT_WRITEFUNCTION, write_cb);
      fetch_easy_setopt(easy, FETCHOPT_WRITEDATA, x);
      fetch_easy_setopt(easy, FETCHOPT_PRIVATE, x);
      fetch_easy_setopt(easy, FETCHOPT_TIMEOUT_MS, 20000L);
      if(fetch_multi_add_handle(app.multi, easy) != FETCHM_OK) {
        fprintf(stderr, "add_handle failed\n");
        return 2;
      }
      total++;
    }
  }

  while(app.done < total) {
    struct epoll_event events[64];
    int n = epoll_wait(app.epfd, events, 64, 10000);
    if(n < 0) {
      if(errno == EINTR)
        continue;
      perror("epoll_wait");
      return 2;
    }
    if(n == 0) {
      fprintf(stderr, "stalled: nothing happened for 10 s\n");
      return 3;
    }
    for(i = 0; i < n; i++) {
      if(events[i].data.fd == app.tfd) {
        uint64_t expirations;
        if(read(app.tfd, &expirations, sizeof(expirations)) > 0)
          act(&app, FETCH_SOCKET_TIMEOUT, 0);
      }
      else {
        int bits = 0;
        if(events[i].events & EPOLLIN)
          bits |= FETCH_CSELECT_IN;
        if(events[i].events & EPOLLOUT)
          bits |= FETCH_CSELECT_OUT;
        if(events[i].events & (EPOLLERR | EPOLLHUP))
          bits |= FETCH_CSELECT_ERR;
        act(&app, events[i].data.fd, bits);
      }
    }
  }
  fetch_multi_cleanup(app.multi);
  close(app.tfd);
  close(app.epfd);
  printf("transfers=%d failed=%d bytes=%zu peak_sockets=%d open_sockets=%d\n",
         total, app.failed, app.bytes, app.sockets_peak, app.sockets_now);
  return app.failed ? 1 : 0;
}
