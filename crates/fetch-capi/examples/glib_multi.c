/* A GLib (GMainLoop) program on libfetch's multi_socket interface:
 * downloads the URLs given on the command line, at most N at a time with
 * `-p N` (all at once by default), and prints one line per finished
 * transfer.
 *
 *   glib_multi [-p N] URL...
 *
 * Every socket libfetch announces gets a `struct sock` holding a GIOChannel
 * and the id of its watch, attached to the socket with fetch_multi_assign
 * and freed when libfetch says REMOVE. libfetch's timer is one GLib timeout
 * source. A GMainLoop never ends by itself, so the program quits it the
 * moment it is idle: no transfer running or queued, no socket announced,
 * no timer set. If libfetch kept a socket or a timer after the last
 * transfer, the program would wait (on the server closing the idle
 * connection) instead of exiting.
 *
 * Exit status 0 when the program's own bookkeeping is consistent (every
 * URL finished, no source left, no socket callback after the loop),
 * whatever the transfers' results; 1 otherwise. */
#define _GNU_SOURCE
#include <fetch/fetch.h>
#include <glib.h>
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
  fetch_socket_t fd;
  GIOChannel *ch;
  guint watch; /* 0: none */
  struct app *app;
};

struct app {
  GMainLoop *loop;
  guint timer; /* source id, 0: no timer */
  FETCHM *multi;
  char **urls;
  int nurls;
  int next;       /* index of the next URL to start */
  int running;    /* as last reported by socket_action */
  int finished;
  int failed;
  int live_socks; /* struct sock objects currently allocated */
  int loop_over;  /* set once g_main_loop_run has returned */
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
  x = g_new0(struct xfer, 1);
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

/* Reads every DONE message, prints it, starts a queued URL in the finished
 * transfer's place, and quits the loop once nothing is left to wait on. */
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
    g_free(x);
    start_next(app);
  }
  if(app->finished == app->nurls && app->live_socks == 0 && app->timer == 0)
    g_main_loop_quit(app->loop);
}

static gboolean on_io(GIOChannel *ch, GIOCondition cond, gpointer data)
{
  struct app *app = data;
  int fd = g_io_channel_unix_get_fd(ch);
  int action = ((cond & G_IO_IN) ? FETCH_CSELECT_IN : 0) |
               ((cond & G_IO_OUT) ? FETCH_CSELECT_OUT : 0) |
               ((cond & (G_IO_ERR | G_IO_HUP)) ? FETCH_CSELECT_ERR : 0);
  fetch_multi_socket_action(app->multi, fd, action, &app->running);
  check_done(app);
  /* The socket callback removes or replaces this watch as libfetch says;
   * keeping it here is right as long as it was not removed. */
  return G_SOURCE_CONTINUE;
}

static gboolean on_timeout(gpointer data)
{
  struct app *app = data;
  app->timer = 0; /* a one-shot: this source ends when we return */
  fetch_multi_socket_action(app->multi, FETCH_SOCKET_TIMEOUT, 0,
                            &app->running);
  check_done(app);
  return G_SOURCE_REMOVE;
}

/* FETCHMOPT_TIMERFUNCTION: only replaces or removes the timeout source. */
static int timer_cb(FETCHM *multi, long timeout_ms, void *userp)
{
  struct app *app = userp;
  (void)multi;
  if(app->timer) {
    g_source_remove(app->timer);
    app->timer = 0;
  }
  if(timeout_ms >= 0)
    app->timer = g_timeout_add((guint)timeout_ms, on_timeout, app);
  return 0;
}

static void drop_watch(struct sock *sk)
{
  if(sk->watch) {
    g_source_remove(sk->watch);
    sk->watch = 0;
  }
}

/* FETCHMOPT_SOCKETFUNCTION: creates, changes or frees the socket's watch. */
static int socket_cb(FETCH *easy, fetch_socket_t s, int what, void *userp,
                     void *socketp)
{
  struct app *app = userp;
  struct sock *sk = socketp;
  GIOCondition cond = 0;
  (void)easy;
  if(app->loop_over)
    app->late_callbacks++;
  if(what == FETCH_POLL_REMOVE) {
    if(sk) {
      drop_watch(sk);
      g_io_channel_unref(sk->ch);
      g_free(sk);
      app->live_socks--;
    }
    return 0;
  }
  if(!sk) {
    sk = g_new0(struct sock, 1);
    sk->fd = s;
    sk->app = app;
    sk->ch = g_io_channel_unix_new(s);
    app->live_socks++;
    fetch_multi_assign(app->multi, s, sk);
  }
  drop_watch(sk);
  if(what & FETCH_POLL_IN)
    cond |= G_IO_IN;
  if(what & FETCH_POLL_OUT)
    cond |= G_IO_OUT;
  sk->watch = g_io_add_watch(sk->ch, cond | G_IO_ERR | G_IO_HUP, on_io, app);
  return 0;
}

int main(int argc, char **argv)
{
  struct app app;
  int parallel = 0;
  int first = 1;
  int i;
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
  app.loop = g_main_loop_new(NULL, FALSE);
  app.multi = fetch_multi_init();
  fetch_multi_setopt(app.multi, FETCHMOPT_SOCKETFUNCTION, socket_cb);
  fetch_multi_setopt(app.multi, FETCHMOPT_SOCKETDATA, &app);
  fetch_multi_setopt(app.multi, FETCHMOPT_TIMERFUNCTION, timer_cb);
  fetch_multi_setopt(app.multi, FETCHMOPT_TIMERDATA, &app);
  for(i = 0; i < parallel; i++)
    start_next(&app);

  g_main_loop_run(app.loop);
  app.loop_over = 1;

  printf("transfers=%d failed=%d sockets_left=%d timer_pending=%d\n",
         app.finished, app.failed, app.live_socks, app.timer ? 1 : 0);
  fetch_multi_cleanup(app.multi);
  printf("late_socket_callbacks=%d\n", app.late_callbacks);
  g_main_loop_unref(app.loop);
  fetch_global_cleanup();
  ok = app.finished == app.nurls && app.live_socks == 0 &&
       app.late_callbacks == 0 && app.timer == 0;
  return ok ? 0 : 1;
}
