/*
 * The bench client for the multi socket interface: an application-owned
 * epoll + timerfd loop driving socket_action, as upstream's ephiperfifo
 * example does.
 *
 *   driver URL TOTAL CONCURRENCY [CAINFO]
 *
 * fetches URL TOTAL times with CONCURRENCY transfers in flight (one easy
 * handle per slot, re-added when its transfer ends, as a long-running
 * application would) and prints one JSON line (see bench_common.h).
 *
 * One source, two builds: `cc driver.c -lcurl` for libcurl and
 * `cc -DUSE_FETCH -I<fetch include> driver.c libfetch.a ...` for libfetch,
 * where fetch_compat.h maps the upstream names used here to fetch names.
 * With BENCH_ACCEPT_ENCODING set, each transfer sets ACCEPT_ENCODING to it
 * (workload G: decoding cost). With BENCH_PIPEWAIT=1, each transfer sets
 * PIPEWAIT (the HTTP/2 workloads: one multiplexed connection). Every
 * finished transfer's NUM_CONNECTS and HTTP_VERSION are summed into the
 * result's "connects" and "http2" figures.
 *
 * With BENCH_LOOP=timeout (an informative variant, not a target's
 * measurement), the timer callback only records the expiry and the loop
 * passes what is left of it to epoll_wait as its timeout, running the
 * TIMEOUT call once it has passed, as libuv and libevent loops do: no
 * timerfd, so no timerfd_settime per timer callback.
 */
#include "bench_common.h"

#ifdef USE_FETCH
#include "fetch_compat.h"
#else
#include <curl/curl.h>
#define BENCH_LIBRARY "libcurl"
#endif

#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>

struct app {
  CURLM *multi;
  int epfd;
  int tfd;
  int timeout_loop; /* BENCH_LOOP=timeout */
  double expiry;    /* with it: when the TIMEOUT call is due, < 0 none */
  int running;
  long started;
  long sockets_now;
  struct bench_args args;
  struct bench_result res;
};

struct slot {
  CURL *easy;
  unsigned long long bytes;
};

static int timer_cb(CURLM *multi, long timeout_ms, void *clientp)
{
  struct app *app = clientp;
  struct itimerspec its;
  (void)multi;
  app->res.timer_calls++;
  if(app->timeout_loop) {
    app->expiry = timeout_ms < 0 ? -1.0 : bench_now() + timeout_ms / 1000.0;
    return 0;
  }
  memset(&its, 0, sizeof(its));
  if(timeout_ms > 0) {
    its.it_value.tv_sec = timeout_ms / 1000;
    its.it_value.tv_nsec = (timeout_ms % 1000) * 1000000;
  }
  else if(timeout_ms == 0) {
    its.it_value.tv_nsec = 1; /* as soon as possible: all-zero disarms */
  }
  return timerfd_settime(app->tfd, 0, &its, NULL) == 0 ? 0 : -1;
}

/* The socket's registration state lives in the epoll set; socketp only
   marks "already added" (a non-NULL token), so no allocation per socket. */
static int socket_cb(CURL *easy, curl_socket_t s, int what, void *clientp,
                     void *socketp)
{
  struct app *app = clientp;
  struct epoll_event ev;
  (void)easy;
  app->res.socket_calls++;
  if(what == CURL_POLL_REMOVE) {
    if(socketp) {
      epoll_ctl(app->epfd, EPOLL_CTL_DEL, s, NULL);
      app->sockets_now--;
    }
    return 0;
  }
  memset(&ev, 0, sizeof(ev));
  ev.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0) |
              ((what & CURL_POLL_OUT) ? EPOLLOUT : 0);
  ev.data.fd = s;
  if(!socketp) {
    if(epoll_ctl(app->epfd, EPOLL_CTL_ADD, s, &ev) != 0) {
      perror("epoll_ctl ADD");
      return -1;
    }
    curl_multi_assign(app->multi, s, app);
    if(++app->sockets_now > app->res.peak_sockets)
      app->res.peak_sockets = app->sockets_now;
  }
  else if(epoll_ctl(app->epfd, EPOLL_CTL_MOD, s, &ev) != 0) {
    perror("epoll_ctl MOD");
    return -1;
  }
  return 0;
}

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
  struct slot *slot = userdata;
  (void)ptr;
  slot->bytes += size * nmemb;
  return size * nmemb;
}

static void start(struct app *app, struct slot *slot)
{
  CURLMcode mc;
  slot->bytes = 0;
  mc = curl_multi_add_handle(app->multi, slot->easy);
  if(mc != CURLM_OK) {
    fprintf(stderr, "add_handle: %s\n", curl_multi_strerror(mc));
    exit(2);
  }
  app->started++;
}

static void check_done(struct app *app)
{
  CURLMsg *msg;
  int left;
  while((msg = curl_multi_info_read(app->multi, &left))) {
    struct slot *slot = NULL;
    long status = 0;
    long connects = 0;
    long version = 0;
    CURL *easy;
    if(msg->msg != CURLMSG_DONE)
      continue;
    easy = msg->easy_handle;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &slot);
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    if(curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK)
      app->res.connects += connects;
    if(curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &version) == CURLE_OK &&
       version == CURL_HTTP_VERSION_2_0)
      app->res.http2++;
    if(msg->data.result != CURLE_OK || status != 200) {
      if(!app->res.first_error && !app->res.first_status) {
        app->res.first_error = (long)msg->data.result;
        app->res.first_status = status;
        fprintf(stderr, "%s: transfer failed: %s (status %ld)\n", BENCH_LIBRARY,
                curl_easy_strerror(msg->data.result), status);
      }
      app->res.failed++;
    }
    else {
      app->res.ok++;
    }
    app->res.bytes += slot->bytes;
    curl_multi_remove_handle(app->multi, easy);
    if(app->started < app->args.total)
      start(app, slot);
  }
}

/* epoll_wait's timeout: the timerfd's loop blocks until an event (the
   timerfd is one); the other waits at most until the recorded expiry. */
static int wait_ms(struct app *app)
{
  double left;
  if(!app->timeout_loop || app->expiry < 0)
    return 30000;
  left = app->expiry - bench_now();
  if(left <= 0)
    return 0;
  return left > 30.0 ? 30000 : (int)(left * 1000.0) + 1;
}

static void act(struct app *app, curl_socket_t fd, int bits)
{
  CURLMcode mc = curl_multi_socket_action(app->multi, fd, bits, &app->running);
  if(mc != CURLM_OK) {
    fprintf(stderr, "socket_action: %s\n", curl_multi_strerror(mc));
    exit(2);
  }
  check_done(app);
}

int main(int argc, char **argv)
{
  static struct epoll_event events[256];
  struct app app;
  struct slot *slots;
  struct epoll_event tev;
  double t0;
  long i;

  memset(&app, 0, sizeof(app));
  app.args = bench_parse(argc, argv);
  app.res.client = "c-driver";
  app.res.library = curl_version();
  app.res.total = app.args.total;
  app.timeout_loop = getenv("BENCH_LOOP") && !strcmp(getenv("BENCH_LOOP"), "timeout");
  app.expiry = -1.0;
  app.res.concurrency = app.args.concurrency;
  bench_raise_nofile(app.args.concurrency + 64);

  curl_global_init(CURL_GLOBAL_DEFAULT);
  app.epfd = epoll_create1(EPOLL_CLOEXEC);
  app.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if(app.epfd < 0 || app.tfd < 0) {
    perror("epoll/timerfd");
    return 2;
  }
  memset(&tev, 0, sizeof(tev));
  tev.events = EPOLLIN;
  tev.data.fd = app.tfd;
  epoll_ctl(app.epfd, EPOLL_CTL_ADD, app.tfd, &tev);

  app.multi = curl_multi_init();
  curl_multi_setopt(app.multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
  curl_multi_setopt(app.multi, CURLMOPT_SOCKETDATA, &app);
  curl_multi_setopt(app.multi, CURLMOPT_TIMERFUNCTION, timer_cb);
  curl_multi_setopt(app.multi, CURLMOPT_TIMERDATA, &app);
  /* Keep every connection of the run, so idle connections can be counted
     and measured at the end. */
  curl_multi_setopt(app.multi, CURLMOPT_MAXCONNECTS, app.args.concurrency);
  if(app.args.max_host)
    curl_multi_setopt(app.multi, CURLMOPT_MAX_HOST_CONNECTIONS, app.args.max_host);

  slots = calloc((size_t)app.args.concurrency, sizeof(*slots));
  if(!slots)
    return 2;
  app.res.rss_base_kib = bench_rss_kib();
  t0 = bench_now();
  for(i = 0; i < app.args.concurrency; i++) {
    struct slot *slot = &slots[i];
    slot->easy = curl_easy_init();
    curl_easy_setopt(slot->easy, CURLOPT_URL, app.args.url);
    if(getenv("BENCH_ACCEPT_ENCODING"))
      curl_easy_setopt(slot->easy, CURLOPT_ACCEPT_ENCODING,
                       getenv("BENCH_ACCEPT_ENCODING"));
    curl_easy_setopt(slot->easy, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(slot->easy, CURLOPT_WRITEDATA, slot);
    curl_easy_setopt(slot->easy, CURLOPT_PRIVATE, slot);
    curl_easy_setopt(slot->easy, CURLOPT_NOSIGNAL, 1L);
    if(app.args.pipewait)
      curl_easy_setopt(slot->easy, CURLOPT_PIPEWAIT, 1L);
    /* libfetch may not take this option yet: say so in the result */
    if(app.args.cainfo &&
       curl_easy_setopt(slot->easy, CURLOPT_CAINFO, app.args.cainfo) != CURLE_OK)
      app.res.ca_unsupported = 1;
    start(&app, slot);
  }

  while(app.res.ok + app.res.failed < app.args.total) {
    int n = epoll_wait(app.epfd, events, 256, wait_ms(&app));
    if(n < 0) {
      if(errno == EINTR)
        continue;
      perror("epoll_wait");
      return 2;
    }
    if(n == 0 && app.timeout_loop && app.expiry >= 0) {
      /* The recorded timer expired: it is one-shot. */
      app.expiry = -1.0;
      act(&app, CURL_SOCKET_TIMEOUT, 0);
      continue;
    }
    if(n == 0) {
      fprintf(stderr, "%s: stalled: nothing happened for 30 s\n", BENCH_LIBRARY);
      app.res.stalled = 1;
      break;
    }
    for(i = 0; i < n; i++) {
      if(events[i].data.fd == app.tfd) {
        uint64_t expirations;
        if(read(app.tfd, &expirations, sizeof(expirations)) > 0)
          act(&app, CURL_SOCKET_TIMEOUT, 0);
      }
      else {
        int bits = 0;
        if(events[i].events & EPOLLIN)
          bits |= CURL_CSELECT_IN;
        if(events[i].events & EPOLLOUT)
          bits |= CURL_CSELECT_OUT;
        if(events[i].events & (EPOLLERR | EPOLLHUP))
          bits |= CURL_CSELECT_ERR;
        act(&app, events[i].data.fd, bits);
      }
    }
    if(app.timeout_loop && app.expiry >= 0 && app.expiry <= bench_now()) {
      app.expiry = -1.0;
      act(&app, CURL_SOCKET_TIMEOUT, 0);
    }
  }
  app.res.wall_s = bench_now() - t0;

  /* All handles are out of the multi (or stalled in it); free them and
     leave only the idle connections in the multi's pool. */
  for(i = 0; i < app.args.concurrency; i++) {
    curl_multi_remove_handle(app.multi, slots[i].easy);
    curl_easy_cleanup(slots[i].easy);
  }
  bench_measure_idle(&app.res);
  bench_print(&app.res);

  curl_multi_cleanup(app.multi);
  curl_global_cleanup();
  free(slots);
  close(app.tfd);
  close(app.epfd);
  return app.res.failed || app.res.stalled ? 1 : 0;
}
