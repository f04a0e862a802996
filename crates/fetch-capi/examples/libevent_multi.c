/* A libevent program on libfetch's multi_socket interface: downloads the
 * URLs given on the command line, at most N at a time with `-p N` (all at
 * once by default), and with `-f FIFO` also every URL written to the named
 * pipe FIFO, one a line, each started as soon as its line is read. It
 * prints one line per finished transfer.
 *
 *   libevent_multi [-p N] [-f FIFO] URL...
 *
 * The FIFO is read until its last writer closes it; its event is freed at
 * end of file.
 *
 * Every socket libfetch announces gets a `struct sock` holding its libevent
 * event, attached to the socket with fetch_multi_assign and freed when
 * libfetch says REMOVE. libfetch's timer is one libevent timer. Nothing
 * else is registered with the event base, so event_base_dispatch returns
 * by itself once libfetch has dropped its last socket and cleared its
 * timer: the program exits as soon as its transfers are done, whatever
 * the server does with the idle keep-alive connection.
 *
 * Exit status 0 when the program's own bookkeeping is consistent (every
 * URL finished, no event object left, no socket callback after the loop),
 * whatever the transfers' results; 1 otherwise. */
#define _POSIX_C_SOURCE 200809L
#include <fetch/fetch.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One transfer: its URL and the body bytes the write callback saw. */
struct xfer {
  const char *url;
  char *owned; /* the URL's copy when it came from the FIFO */
  size_t bytes;
};

/* One socket libfetch asked us to watch. */
struct sock {
  fetch_socket_t fd;
  struct event *ev;
};

struct app {
  struct event_base *base;
  struct event *timer;
  FETCHM *multi;
  char **urls;    /* from argv */
  int nurls;      /* URLs known so far: argv's and the FIFO's lines */
  int fifo_fd;    /* -1: none, or at end of file */
  struct event *fifo_ev;
  char line[4096]; /* a FIFO line not yet complete */
  size_t line_len;
  int next;       /* index of the next URL to start */
  int finished;
  int failed;
  int live_socks; /* struct sock objects currently allocated */
  int loop_over;  /* set once event_base_dispatch has returned */
  int late_callbacks;
};

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
  struct xfer *x = userdata;
  (void)ptr;
  x->bytes += size * nmemb;
  return size * nmemb;
}

static void start(struct app *app, const char *url, char *owned)
{
  struct xfer *x;
  FETCH *easy;
  x = calloc(1, sizeof(*x));
  if(!x) {
    fprintf(stderr, "out of memory\n");
    exit(1);
  }
  x->url = url;
  x->owned = owned;
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

/* Starts the next URL from argv, if any is left. */
static void start_next(struct app *app)
{
  if(app->urls[app->next])
    start(app, app->urls[app->next++], NULL);
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
    free(x->owned);
    free(x);
    start_next(app);
  }
}

static void on_socket_event(evutil_socket_t fd, short kind, void *arg)
{
  struct app *app = arg;
  int running;
  int action = ((kind & EV_READ) ? FETCH_CSELECT_IN : 0) |
               ((kind & EV_WRITE) ? FETCH_CSELECT_OUT : 0);
  fetch_multi_socket_action(app->multi, fd, action, &running);
  check_done(app);
}

static void on_timeout(evutil_socket_t fd, short kind, void *arg)
{
  struct app *app = arg;
  int running;
  (void)fd;
  (void)kind;
  fetch_multi_socket_action(app->multi, FETCH_SOCKET_TIMEOUT, 0, &running);
  check_done(app);
}

/* FETCHMOPT_TIMERFUNCTION: only (re)arms or deletes the libevent timer;
 * the timeout is acted on from the loop (on_timeout), never from here. */
static int timer_cb(FETCHM *multi, long timeout_ms, void *userp)
{
  struct app *app = userp;
  (void)multi;
  if(timeout_ms < 0) {
    evtimer_del(app->timer);
  }
  else {
    struct timeval tv;
    tv.tv_sec = timeout_ms / 1000;
    tv.tv_usec = (timeout_ms % 1000) * 1000;
    evtimer_add(app->timer, &tv);
  }
  return 0;
}

/* Starts a transfer for one FIFO line (blank lines are skipped). */
static void fifo_line(struct app *app, const char *text, size_t len)
{
  char *url;
  while(len && (text[len - 1] == '\r' || text[len - 1] == ' '))
    len--;
  if(!len)
    return;
  url = malloc(len + 1);
  if(!url) {
    fprintf(stderr, "out of memory\n");
    exit(1);
  }
  memcpy(url, text, len);
  url[len] = '\0';
  app->nurls++;
  start(app, url, url);
}

/* The FIFO is readable: start a transfer per complete line; at end of file
 * the last partial line counts too, and the FIFO's event is freed. */
static void on_fifo(evutil_socket_t fd, short kind, void *arg)
{
  struct app *app = arg;
  (void)kind;
  for(;;) {
    char *nl;
    ssize_t n = read(fd, app->line + app->line_len,
                     sizeof(app->line) - 1 - app->line_len);
    if(n < 0)
      break; /* EAGAIN: wait for more */
    if(n == 0) {
      fifo_line(app, app->line, app->line_len);
      app->line_len = 0;
      event_free(app->fifo_ev);
      app->fifo_ev = NULL;
      close(app->fifo_fd);
      app->fifo_fd = -1;
      break;
    }
    app->line_len += (size_t)n;
    while((nl = memchr(app->line, '\n', app->line_len))) {
      size_t len = (size_t)(nl - app->line);
      fifo_line(app, app->line, len);
      memmove(app->line, nl + 1, app->line_len - len - 1);
      app->line_len -= len + 1;
    }
    if(app->line_len == sizeof(app->line) - 1) {
      fprintf(stderr, "FIFO line too long\n");
      exit(1);
    }
  }
  check_done(app);
}

/* FETCHMOPT_SOCKETFUNCTION: creates, changes or frees the socket's event. */
static int socket_cb(FETCH *easy, fetch_socket_t s, int what, void *userp,
                     void *socketp)
{
  struct app *app = userp;
  struct sock *sk = socketp;
  short kind;
  (void)easy;
  if(app->loop_over)
    app->late_callbacks++;
  if(what == FETCH_POLL_REMOVE) {
    if(sk) {
      event_free(sk->ev);
      free(sk);
      app->live_socks--;
    }
    return 0;
  }
  kind = (short)(EV_PERSIST | ((what & FETCH_POLL_IN) ? EV_READ : 0) |
                 ((what & FETCH_POLL_OUT) ? EV_WRITE : 0));
  if(!sk) {
    sk = calloc(1, sizeof(*sk));
    if(!sk)
      return -1;
    sk->fd = s;
    app->live_socks++;
    fetch_multi_assign(app->multi, s, sk);
  }
  else {
    event_free(sk->ev);
  }
  sk->ev = event_new(app->base, s, kind, on_socket_event, app);
  if(!sk->ev || event_add(sk->ev, NULL) != 0)
    return -1;
  return 0;
}

int main(int argc, char **argv)
{
  struct app app;
  const char *fifo = NULL;
  int parallel = 0;
  int first = 1;
  int i;
  int ok;
  memset(&app, 0, sizeof(app));
  app.fifo_fd = -1;
  while(first + 1 < argc && argv[first][0] == '-') {
    if(!strcmp(argv[first], "-p"))
      parallel = atoi(argv[first + 1]);
    else if(!strcmp(argv[first], "-f"))
      fifo = argv[first + 1];
    else
      break;
    first += 2;
  }
  app.urls = argv + first;
  app.nurls = argc - first;
  if(app.nurls < 1 && !fifo) {
    fprintf(stderr, "usage: %s [-p N] [-f FIFO] URL...\n", argv[0]);
    return 2;
  }
  if(parallel <= 0 || parallel > app.nurls)
    parallel = app.nurls;

  fetch_global_init(FETCH_GLOBAL_DEFAULT);
  app.base = event_base_new();
  app.timer = evtimer_new(app.base, on_timeout, &app);
  app.multi = fetch_multi_init();
  fetch_multi_setopt(app.multi, FETCHMOPT_SOCKETFUNCTION, socket_cb);
  fetch_multi_setopt(app.multi, FETCHMOPT_SOCKETDATA, &app);
  fetch_multi_setopt(app.multi, FETCHMOPT_TIMERFUNCTION, timer_cb);
  fetch_multi_setopt(app.multi, FETCHMOPT_TIMERDATA, &app);
  if(fifo) {
    /* Blocks until a writer opens the FIFO, so that end of file means
     * "the writer is done", not "no writer yet". */
    app.fifo_fd = open(fifo, O_RDONLY);
    if(app.fifo_fd < 0) {
      perror(fifo);
      return 1;
    }
    fcntl(app.fifo_fd, F_SETFL, fcntl(app.fifo_fd, F_GETFL) | O_NONBLOCK);
    app.fifo_ev = event_new(app.base, app.fifo_fd, EV_READ | EV_PERSIST,
                            on_fifo, &app);
    event_add(app.fifo_ev, NULL);
  }
  for(i = 0; i < parallel; i++)
    start_next(&app);

  /* Returns when no event is pending any more. */
  event_base_dispatch(app.base);
  app.loop_over = 1;

  printf("transfers=%d failed=%d sockets_left=%d timer_pending=%d\n",
         app.finished, app.failed, app.live_socks,
         evtimer_pending(app.timer, NULL) ? 1 : 0);
  fetch_multi_cleanup(app.multi);
  printf("late_socket_callbacks=%d\n", app.late_callbacks);
  event_free(app.timer);
  event_base_free(app.base);
  fetch_global_cleanup();
  ok = app.finished == app.nurls && app.live_socks == 0 &&
       app.late_callbacks == 0 && !app.fifo_ev;
  return ok ? 0 : 1;
}
