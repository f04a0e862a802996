/* A libuv program on libfetch's multi_socket interface: downloads the URLs
 * given on the command line, at most N at a time with `-p N` (all at once
 * by default), and prints one line per finished transfer.
 *
 *   libuv_multi [-p N] URL...
 *
 * Every socket libfetch announces gets a `struct sock` holding a uv_poll_t,
 * attached to the socket with fetch_multi_assign; on REMOVE the poll handle
 * is closed and the struct freed in its close callback. libfetch's timer
 * is one uv_timer_t, stopped when libfetch clears it. uv_run returns by
 * itself once no handle is active, that is once libfetch has dropped its
 * last socket and cleared its timer: the program exits as soon as its
 * transfers are done, whatever the server does with the idle connection.
 *
 * Exit status 0 when the program's own bookkeeping is consistent (every
 * URL finished, no handle left, no socket callback after the loop, the
 * loop closes cleanly), whatever the transfers' results; 1 otherwise. */
#define _GNU_SOURCE
#include <fetch/fetch.h>
#include <uv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One transfer: its URL and the body bytes the write callback saw. */
struct xfer {
  const char *url;
  size_t bytes;
};

struct app;

/* One socket libfetch asked us to watch. */
struct sock {
  uv_poll_t poll; /* first: the close callback gets its address */
  fetch_socket_t fd;
  struct app *app;
};

struct app {
  uv_loop_t loop;
  uv_timer_t timer;
  FETCHM *multi;
  char **urls;
  int nurls;
  int next;       /* index of the next URL to start */
  int finished;
  int failed;
  int live_socks; /* struct sock objects not yet freed */
  int loop_over;  /* set once uv_run has returned */
  int late_callbacks;
};

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
  struct xfer *x = userdata;
  (void)ptr;
  x->bytes += size * nmemb;
  return size * nmemb;
}

static void start_next(struct app *app)
{
  struct xfer *x;
  FETCH *easy;
  if(app->next >= app->nurls)
    return;
  x = calloc(1, sizeof(*x));
  if(!x) {
    fprintf(stderr, "out of memory\n");
    exit(1);
  }
  x->url = app->urls[app->next++];
  easy = fetch_easy_init();
  fetch_easy_setopt(easy, FETCHOPT_URL, x->url);
  fetch_easy_setopt(easy, FETCHOPT_PRIVATE, x);
  fetch_easy_setopt(easy, FETCHOPT_WRITEFUNCTION, write_cb);
  fetch_easy_setopt(easy, FETCHOPT_WRITEDATA, x);
  fetch_easy_setopt(easy, FETCHOPT_FOLLOWLOCATION, 1L);
  if(fetch_multi_add_handle(app->multi, easy) != FETCHM_OK) {
    fprintf(stderr, "fetch_multi_add_handle failed\n");
    exit(1);
  }
}

/* Reads every DONE message, prints it, and starts a queued URL in the
 * finished transfer's place. */
static void check_done(struct app *app)
{
  FETCHMsg *msg;
  int left;
  while((msg = fetch_multi_info_read(app->multi, &left))) {
    FETCH *easy;
    FETCHcode rc;
    struct xfer *x = NULL;
    long code = 0;
    long connects = 0;
    if(msg->msg != FETCHMSG_DONE)
      continue;
    easy = msg->easy_handle;
    rc = msg->data.result;
    fetch_easy_getinfo(easy, FETCHINFO_PRIVATE, (char **)&x);
    fetch_easy_getinfo(easy, FETCHINFO_RESPONSE_CODE, &code);
    fetch_easy_getinfo(easy, FETCHINFO_NUM_CONNECTS, &connects);
    printf("done %s result=%d (%s) code=%ld bytes=%zu connects=%ld\n",
           x->url, (int)rc, fetch_easy_strerror(rc), code, x->bytes,
           connects);
    app->finished++;
    if(rc != FETCHE_OK)
      app->failed++;
    fetch_multi_remove_handle(app->multi, easy);
    fetch_easy_cleanup(easy);
    free(x);
    start_next(app);
  }
}

static void on_poll(uv_poll_t *handle, int status, int events)
{
  struct sock *sk = handle->data;
  struct app *app = sk->app;
  int running;
  int action = 0;
  if(status < 0)
    action = FETCH_CSELECT_ERR;
  if(events & UV_READABLE)
    action |= FETCH_CSELECT_IN;
  if(events & UV_WRITABLE)
    action |= FETCH_CSELECT_OUT;
  /* May free sk (REMOVE): not used after this call. */
  fetch_multi_socket_action(app->multi, sk->fd, action, &running);
  check_done(app);
}

static void on_timeout(uv_timer_t *timer)
{
  struct app *app = timer->data;
  int running;
  fetch_multi_socket_action(app->multi, FETCH_SOCKET_TIMEOUT, 0, &running);
  check_done(app);
}

/* FETCHMOPT_TIMERFUNCTION: only starts or stops the uv timer. A 0 ms
 * timeout runs on the next loop iteration, never from here. */
static int timer_cb(FETCHM *multi, long timeout_ms, void *userp)
{
  struct app *app = userp;
  (void)multi;
  if(timeout_ms < 0)
    uv_timer_stop(&app->timer);
  else
    uv_timer_start(&app->timer, on_timeout, (uint64_t)timeout_ms, 0);
  return 0;
}

static void on_sock_closed(uv_handle_t *handle)
{
  struct sock *sk = handle->data;
  sk->app->live_socks--;
  free(sk);
}

/* FETCHMOPT_SOCKETFUNCTION: creates, changes or closes the socket's poll
 * handle. */
static int socket_cb(FETCH *easy, fetch_socket_t s, int what, void *userp,
                     void *socketp)
{
  struct app *app = userp;
  struct sock *sk = socketp;
  int events = 0;
  (void)easy;
  if(app->loop_over)
    app->late_callbacks++;
  if(what == FETCH_POLL_REMOVE) {
    if(sk) {
      uv_poll_stop(&sk->poll);
      uv_close((uv_handle_t *)&sk->poll, on_sock_closed);
    }
    return 0;
  }
  if(!sk) {
    sk = calloc(1, sizeof(*sk));
    if(!sk)
      return -1;
    sk->fd = s;
    sk->app = app;
    if(uv_poll_init_socket(&app->loop, &sk->poll, s) != 0) {
      free(sk);
      return -1;
    }
    sk->poll.data = sk;
    app->live_socks++;
    fetch_multi_assign(app->multi, s, sk);
  }
  if(what & FETCH_POLL_IN)
    events |= UV_READABLE;
  if(what & FETCH_POLL_OUT)
    events |= UV_WRITABLE;
  return uv_poll_start(&sk->poll, events, on_poll) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
  struct app app;
  int parallel = 0;
  int first = 1;
  int i;
  int timer_active;
  int closed;
  int ok;
  memset(&app, 0, sizeof(app));
  if(argc > 2 && !strcmp(argv[1], "-p")) {
    parallel = atoi(argv[2]);
    first = 3;
  }
  app.urls = argv + first;
  app.nurls = argc - first;
  if(app.nurls < 1) {
    fprintf(stderr, "usage: %s [-p N] URL...\n", argv[0]);
    return 2;
  }
  if(parallel <= 0 || parallel > app.nurls)
    parallel = app.nurls;

  fetch_global_init(FETCH_GLOBAL_DEFAULT);
  uv_loop_init(&app.loop);
  uv_timer_init(&app.loop, &app.timer);
  app.timer.data = &app;
  app.multi = fetch_multi_init();
  fetch_multi_setopt(app.multi, FETCHMOPT_SOCKETFUNCTION, socket_cb);
  fetch_multi_setopt(app.multi, FETCHMOPT_SOCKETDATA, &app);
  fetch_multi_setopt(app.multi, FETCHMOPT_TIMERFUNCTION, timer_cb);
  fetch_multi_setopt(app.multi, FETCHMOPT_TIMERDATA, &app);
  for(i = 0; i < parallel; i++)
    start_next(&app);

  /* Returns when no handle is active any more. */
  uv_run(&app.loop, UV_RUN_DEFAULT);
  app.loop_over = 1;
  timer_active = uv_is_active((uv_handle_t *)&app.timer);

  printf("transfers=%d failed=%d sockets_left=%d timer_pending=%d\n",
         app.finished, app.failed, app.live_socks, timer_active);
  fetch_multi_cleanup(app.multi);
  printf("late_socket_callbacks=%d\n", app.late_callbacks);
  uv_close((uv_handle_t *)&app.timer, NULL);
  uv_run(&app.loop, UV_RUN_DEFAULT);
  closed = uv_loop_close(&app.loop) == 0;
  printf("loop_closed=%d\n", closed);
  fetch_global_cleanup();
  ok = app.finished == app.nurls && app.live_socks == 0 &&
       app.late_callbacks == 0 && closed;
  return ok ? 0 : 1;
}
