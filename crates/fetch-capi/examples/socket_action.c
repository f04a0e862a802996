/* The fetch_multi_socket_action man page example, completed into a
 * running program: a poll(2) loop driven only by the socket and timer
 * callbacks. Usage: socket_action URL... ; prints one line per transfer
 * and exits 0 when all succeeded. */
#define _POSIX_C_SOURCE 200809L
#include <fetch/fetch.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAXFDS 256

struct watch {
  int fd;
  int what;
};

static struct watch watches[MAXFDS];
static int nwatches;
static long timer_ms = -1; /* -1: no timer armed */
static size_t received;

static int socket_cb(FETCH *easy, fetch_socket_t s, int what, void *clientp,
                     void *socketp)
{
  int i;
  (void)easy;
  (void)clientp;
  (void)socketp;
  for(i = 0; i < nwatches; i++)
    if(watches[i].fd == s)
      break;
  if(what == FETCH_POLL_REMOVE) {
    if(i < nwatches)
      watches[i] = watches[--nwatches];
    return 0;
  }
  if(i == nwatches) {
    if(nwatches == MAXFDS)
      return -1;
    nwatches++;
  }
  watches[i].fd = s;
  watches[i].what = what;
  return 0;
}

static int timer_cb(FETCHM *multi, long timeout_ms, void *clientp)
{
  (void)multi;
  (void)clientp;
  timer_ms = timeout_ms;
  return 0;
}

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
  (void)ptr;
  (void)userdata;
  received += size * nmemb;
  return size * nmemb;
}

static int drain(FETCHM *multi)
{
  int failures = 0;
  int left;
  FETCHMsg *msg;
  while((msg = fetch_multi_info_read(multi, &left))) {
    if(msg->msg == FETCHMSG_DONE) {
      FETCH *easy = msg->easy_handle;
      FETCHcode rc = msg->data.result;
      char *url = NULL;
      long code = 0;
      fetch_easy_getinfo(easy, FETCHINFO_PRIVATE, &url);
      fetch_easy_getinfo(easy, FETCHINFO_RESPONSE_CODE, &code);
      printf("done %s result=%d (%s) status=%ld\n", url, (int)rc,
             fetch_easy_strerror(rc), code);
      if(rc != FETCHE_OK)
        failures++;
      fetch_multi_remove_handle(multi, easy);
      fetch_easy_cleanup(easy);
    }
  }
  return failures;
}

int main(int argc, char **argv)
{
  int running; /* as in the man page */
  FETCHM *multi;
  int failures = 0;
  int i;

  fetch_global_init(FETCH_GLOBAL_DEFAULT);
  multi = fetch_multi_init();
  fetch_multi_setopt(multi, FETCHMOPT_SOCKETFUNCTION, socket_cb);
  fetch_multi_setopt(multi, FETCHMOPT_TIMERFUNCTION, timer_cb);
  for(i = 1; i < argc; i++) {
    FETCH *easy = fetch_easy_init();
    fetch_easy_setopt(easy, FETCHOPT_URL, argv[i]);
    fetch_easy_setopt(easy, FETCHOPT_PRIVATE, argv[i]);
    fetch_easy_setopt(easy, FETCHOPT_WRITEFUNCTION, write_cb);
    fetch_multi_add_handle(multi, easy);
  }
  running = argc - 1;
  while(running) {
    struct pollfd pfds[MAXFDS];
    int n, rc;
    int timeout = timer_ms < 0 ? 1000 : (int)timer_ms;
    for(n = 0; n < nwatches; n++) {
      pfds[n].fd = watches[n].fd;
      pfds[n].events = (short)(((watches[n].what & FETCH_POLL_IN) ? POLLIN : 0) |
                               ((watches[n].what & FETCH_POLL_OUT) ? POLLOUT : 0));
      pfds[n].revents = 0;
    }
    rc = poll(pfds, (nfds_t)n, timeout);
    if(rc == 0) {
      /* the timer expired */
      timer_ms = -1;
      FETCHMcode mc = fetch_multi_socket_action(multi, FETCH_SOCKET_TIMEOUT, 0, &running);
      if(mc)
        printf("error: %s\n", fetch_multi_strerror(mc));
    }
    for(i = 0; rc > 0 && i < n; i++) {
      int fd = pfds[i].fd; /* the descriptor that had action */
      int bitmask = 0;     /* what activity that happened */
      if(!pfds[i].revents)
        continue;
      if(pfds[i].revents & POLLIN)
        bitmask |= FETCH_CSELECT_IN;
      if(pfds[i].revents & POLLOUT)
        bitmask |= FETCH_CSELECT_OUT;
      if(pfds[i].revents & (POLLERR | POLLHUP))
        bitmask |= FETCH_CSELECT_ERR;
      FETCHMcode mc = fetch_multi_socket_action(multi, fd, bitmask, &running);
      if(mc)
        printf("error: %s\n", fetch_multi_strerror(mc));
    }
    failures += drain(multi);
  }
  failures += drain(multi);
  printf("received %zu bytes\n", received);
  fetch_multi_cleanup(multi);
  fetch_global_cleanup();
  return failures ? 1 : 0;
}
