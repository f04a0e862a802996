/* Pausing a download in an epoll + timerfd application (multi_socket):
 * the write callback pauses once PAUSE_AT bytes arrived, the application
 * keeps looping for about 300 ms while counting what wakes it up, then
 * resumes with fetch_easy_pause(FETCHPAUSE_CONT) from its own timer and
 * checks that every byte arrived. A paused transfer leaves nothing to
 * watch (its socket is REMOVEd, no library timer runs), so the loop must
 * sleep through the pause. Usage:
 *   pause_epoll [-e] URL EXPECTED_BYTES
 * -e pauses by calling fetch_easy_pause(FETCHPAUSE_RECV) inside the write
 * callback (and consuming the data) instead of returning
 * FETCH_WRITEFUNC_PAUSE. Exits 0 when the body is complete and nothing
 * woke the loop while paused. */
#define _GNU_SOURCE
#include <fetch/fetch.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define PAUSE_AT (1024 * 1024)
#define PAUSE_MS 300

struct app {
  FETCHM *multi;
  FETCH *easy;
  int epfd;
  int tfd;        /* the library's timer */
  int resume_fd;  /* the application's own timer: ends the pause */
  int running;
  int use_easy_pause;
  int paused;
  int paused_once;
  int pause_rc;
  size_t bytes;
  int sockets_now;
  int sockets_at_resume;
  int wakeups_while_paused;       /* epoll_wait returns for library fds */
  int socket_actions_while_paused;
  int timer_calls_while_paused;
  int done;
  FETCHcode result;
  struct timespec paused_at;
  long paused_ms;
};

static void arm(int fd, long ms)
{
  struct itimerspec its;
  memset(&its, 0, sizeof(its));
  if(ms > 0) {
    its.it_value.tv_sec = ms / 1000;
    its.it_value.tv_nsec = (ms % 1000) * 1000000;
  }
  else if(ms == 0) {
    its.it_value.tv_nsec = 1; /* as soon as possible: 0 would disarm */
  }
  if(timerfd_settime(fd, 0, &its, NULL) < 0) {
    perror("timerfd_settime");
    exit(2);
  }
}

static int timer_cb(FETCHM *multi, long timeout_ms, void *clientp)
{
  struct app *app = clientp;
  (void)multi;
  if(app->paused)
    app->timer_calls_while_paused++;
  arm(app->tfd, timeout_ms); /* -1 disarms */
  return 0;
}

static int socket_cb(FETCH *easy, fetch_socket_t s, int what, void *clientp,
                     void *socketp)
{
  struct app *app = clientp;
  struct epoll_event ev;
  (void)easy;
  if(what == FETCH_POLL_REMOVE) {
    if(socketp) {
      epoll_ctl(app->epfd, EPOLL_CTL_DEL, s, NULL);
      app->sockets_now--;
    }
    return 0;
  }
  memset(&ev, 0, sizeof(ev));
  if(what & FETCH_POLL_IN)
    ev.events |= EPOLLIN;
  if(what & FETCH_POLL_OUT)
    ev.events |= EPOLLOUT;
  ev.data.fd = s;
  if(!socketp) {
    if(epoll_ctl(app->epfd, EPOLL_CTL_ADD, s, &ev) < 0) {
      perror("epoll_ctl ADD");
      return -1;
    }
    /* any non-NULL marker: "this fd is in the epoll set" */
    fetch_multi_assign(app->multi, s, app);
    app->sockets_now++;
  }
  else if(epoll_ctl(app->epfd, EPOLL_CTL_MOD, s, &ev) < 0) {
    perror("epoll_ctl MOD");
    return -1;
  }
  return 0;
}

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
  struct app *app = userdata;
  size_t n = size * nmemb;
  (void)ptr;
  if(!app->paused_once && app->bytes + n >= PAUSE_AT) {
    app->paused_once = 1;
    app->paused = 1;
    clock_gettime(CLOCK_MONOTONIC, &app->paused_at);
    arm(app->resume_fd, PAUSE_MS);
    if(!app->use_easy_pause)
      return FETCH_WRITEFUNC_PAUSE; /* delivered again on resume */
    app->pause_rc = fetch_easy_pause(app->easy, FETCHPAUSE_RECV);
  }
  app->bytes += n;
  return n;
}

static void check_done(struct app *app)
{
  FETCHMsg *msg;
  int left;
  while((msg = fetch_multi_info_read(app->multi, &left))) {
    if(msg->msg == FETCHMSG_DONE) {
      app->result = msg->data.result;
      app->done = 1;
    }
  }
}

static void act(struct app *app, fetch_socket_t fd, int bits)
{
  FETCHMcode mc;
  if(app->paused)
    app->socket_actions_while_paused++;
  mc = fetch_multi_socket_action(app->multi, fd, bits, &app->running);
  if(mc != FETCHM_OK) {
    fprintf(stderr, "socket_action: %s\n", fetch_multi_strerror(mc));
    exit(2);
  }
  check_done(app);
}

static void resume(struct app *app)
{
  struct timespec now;
  FETCHcode rc;
  clock_gettime(CLOCK_MONOTONIC, &now);
  app->paused_ms = (now.tv_sec - app->paused_at.tv_sec) * 1000 +
                   (now.tv_nsec - app->paused_at.tv_nsec) / 1000000;
  app->sockets_at_resume = app->sockets_now;
  app->paused = 0;
  rc = fetch_easy_pause(app->easy, FETCHPAUSE_CONT);
  if(rc != FETCHE_OK) {
    fprintf(stderr, "fetch_easy_pause(CONT): %s\n", fetch_easy_strerror(rc));
    exit(2);
  }
  check_done(app);
}

static void watch(int epfd, int fd)
{
  struct epoll_event ev;
  memset(&ev, 0, sizeof(ev));
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

int main(int argc, char **argv)
{
  struct app app;
  size_t expected;
  int first = 1;

  memset(&app, 0, sizeof(app));
  app.pause_rc = -1;
  if(argc > 1 && !strcmp(argv[1], "-e")) {
    app.use_easy_pause = 1;
    first = 2;
  }
  if(argc != first + 2) {
    fprintf(stderr, "usage: pause_epoll [-e] URL EXPECTED_BYTES\n");
    return 2;
  }
  expected = (size_t)strtoull(argv[first + 1], NULL, 10);
  app.epfd = epoll_create1(EPOLL_CLOEXEC);
  app.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  app.resume_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if(app.epfd < 0 || app.tfd < 0 || app.resume_fd < 0) {
    perror("epoll/timerfd");
    return 2;
  }
  watch(app.epfd, app.tfd);
  watch(app.epfd, app.resume_fd);

  app.multi = fetch_multi_init();
  fetch_multi_setopt(app.multi, FETCHMOPT_SOCKETFUNCTION, socket_cb);
  fetch_multi_setopt(app.multi, FETCHMOPT_SOCKETDATA, &app);
  fetch_multi_setopt(app.multi, FETCHMOPT_TIMERFUNCTION, timer_cb);
  fetch_multi_setopt(app.multi, FETCHMOPT_TIMERDATA, &app);
  app.easy = fetch_easy_init();
  fetch_easy_setopt(app.easy, FETCHOPT_URL, argv[first]);
  fetch_easy_setopt(app.easy, FETCHOPT_WRITEFUNCTION, write_cb);
  fetch_easy_setopt(app.easy, FETCHOPT_WRITEDATA, &app);
  if(fetch_multi_add_handle(app.multi, app.easy) != FETCHM_OK) {
    fprintf(stderr, "add_handle failed\n");
    return 2;
  }

  while(!app.done) {
    struct epoll_event events[16];
    int library_event = 0;
    int i;
    int n = epoll_wait(app.epfd, events, 16, 10000);
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
      if(events[i].data.fd != app.resume_fd)
        library_event = 1;
    }
    if(app.paused && library_event)
      app.wakeups_while_paused++;
    for(i = 0; i < n; i++) {
      int fd = events[i].data.fd;
      uint64_t expirations;
      if(fd == app.resume_fd) {
        if(read(fd, &expirations, sizeof(expirations)) > 0)
          resume(&app);
      }
      else if(fd == app.tfd) {
        if(read(fd, &expirations, sizeof(expirations)) > 0)
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
        act(&app, fd, bits);
      }
    }
  }

  fetch_multi_remove_handle(app.multi, app.easy);
  fetch_easy_cleanup(app.easy);
  fetch_multi_cleanup(app.multi);
  close(app.resume_fd);
  close(app.tfd);
  close(app.epfd);
  printf("mode=%s paused_ms=%ld wakeups_while_paused=%d "
         "socket_actions_while_paused=%d timer_calls_while_paused=%d "
         "sockets_at_resume=%d\n",
         app.use_easy_pause ? "easy_pause" : "writefunc_pause", app.paused_ms,
         app.wakeups_while_paused, app.socket_actions_while_paused,
         app.timer_calls_while_paused, app.sockets_at_resume);
  printf("result=%d bytes=%zu expected=%zu\n", (int)app.result, app.bytes,
         expected);
  if(!app.paused_once || (app.use_easy_pause && app.pause_rc != FETCHE_OK)) {
    fprintf(stderr, "the transfer never paused\n");
    return 1;
  }
  if(app.result != FETCHE_OK || app.bytes != expected)
    return 1;
  if(app.wakeups_while_paused || app.socket_actions_while_paused)
    return 1;
  return 0;
}
