/*
 * The floor: the least an HTTP/1.1 keep-alive client can do on epoll, with
 * no library. CONCURRENCY connections, one request in flight on each, the
 * next request sent on the same connection when a response's
 * Content-Length bytes have arrived. No chunked bodies, no redirects, no
 * TLS, no timers: it exists to show what the kernel and the server cost.
 *
 * With BENCH_FLOOR=rounds (the informative AR row), each next request
 * waits for the round an application of the multi interface pays to
 * start a transfer it re-adds: the app's timer armed to fire at once (a
 * timerfd at 1 ns, as upstream's ephiperfifo example and bench/driver.c
 * arm it for a timeout of 0, TF-04), then read when it fires. The
 * connections done in one pass of the loop wait together, as the
 * transfers re-added between two calls share one timer callback (TF-03).
 *
 *   floor http://IPV4:PORT/PATH TOTAL CONCURRENCY
 *
 * prints the same JSON line as driver.c (see bench_common.h).
 */
#include "bench_common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

#define HEAD_MAX 4096
#define READ_BUF (256 * 1024)

enum state { CONNECTING, SENDING, HEAD, BODY, IDLE };

struct conn {
  int fd;
  enum state state;
  size_t sent;
  size_t head_len;
  unsigned long long body_left;
  char head[HEAD_MAX];
};

static char request[1024];
static size_t request_len;
static struct sockaddr_in server;
static struct bench_args args;
static struct bench_result res;
static long started;
static int epfd;
static unsigned char rbuf[READ_BUF];
/* BENCH_FLOOR=rounds: the timerfd, and the connections waiting for it. */
static int tfd = -1;
static int armed;
static struct conn **waiting;
static long nwaiting;

static void fail(const char *what)
{
  perror(what);
  exit(2);
}

static void parse_url(const char *url)
{
  char host[64];
  const char *p, *slash, *colon;
  int port = 80;
  size_t hl;
  if(strncmp(url, "http://", 7) != 0) {
    fprintf(stderr, "floor: only http://IPV4[:PORT]/PATH URLs\n");
    exit(2);
  }
  p = url + 7;
  slash = strchr(p, '/');
  if(!slash)
    slash = p + strlen(p);
  colon = memchr(p, ':', (size_t)(slash - p));
  hl = (size_t)((colon ? colon : slash) - p);
  if(hl >= sizeof(host))
    exit(2);
  memcpy(host, p, hl);
  host[hl] = 0;
  if(colon)
    port = atoi(colon + 1);
  memset(&server, 0, sizeof(server));
  server.sin_family = AF_INET;
  server.sin_port = htons((unsigned short)port);
  if(inet_pton(AF_INET, host, &server.sin_addr) != 1) {
    fprintf(stderr, "floor: host must be an IPv4 literal\n");
    exit(2);
  }
  request_len = (size_t)snprintf(request, sizeof(request),
                                 "GET %s HTTP/1.1\r\nHost: %.*s\r\nAccept: */*\r\n\r\n",
                                 *slash ? slash : "/", (int)(slash - p), p);
}

static void watch(struct conn *c, int op, uint32_t events)
{
  struct epoll_event ev;
  memset(&ev, 0, sizeof(ev));
  ev.events = events;
  ev.data.ptr = c;
  if(epoll_ctl(epfd, op, c->fd, &ev) != 0)
    fail("epoll_ctl");
}

static void open_conn(struct conn *c)
{
  int one = 1;
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if(c->fd < 0)
    fail("socket");
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  c->state = CONNECTING;
  if(connect(c->fd, (struct sockaddr *)&server, sizeof(server)) != 0 &&
     errno != EINPROGRESS)
    fail("connect");
  watch(c, EPOLL_CTL_ADD, EPOLLOUT);
  started++;
  res.peak_sockets++;
}

static void send_request(struct conn *c)
{
  while(c->sent < request_len) {
    ssize_t n = write(c->fd, request + c->sent, request_len - c->sent);
    if(n < 0) {
      if(errno == EAGAIN) {
        if(c->state != SENDING)
          watch(c, EPOLL_CTL_MOD, EPOLLOUT);
        c->state = SENDING;
        return;
      }
      fail("write");
    }
    c->sent += (size_t)n;
  }
  if(c->state == SENDING || c->state == CONNECTING)
    watch(c, EPOLL_CTL_MOD, EPOLLIN);
  c->state = HEAD;
  c->head_len = 0;
}

/* The round: the timer armed at 1 ns once per batch of waiting
   connections (a timer callback of 0 ms), each one's request sent when it
   has fired. */
static void wait_round(struct conn *c)
{
  struct itimerspec its;
  c->state = IDLE; /* until its request is sent */
  waiting[nwaiting++] = c;
  if(armed)
    return;
  memset(&its, 0, sizeof(its));
  its.it_value.tv_nsec = 1;
  if(timerfd_settime(tfd, 0, &its, NULL) != 0)
    fail("timerfd_settime");
  res.timer_calls++;
  armed = 1;
}

static void end_round(void)
{
  uint64_t expirations;
  long i, n = nwaiting;
  if(read(tfd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
    fail("read timerfd");
  armed = 0;
  nwaiting = 0;
  for(i = 0; i < n; i++)
    send_request(waiting[i]);
}

static void next_or_idle(struct conn *c)
{
  res.ok++;
  if(started < args.total && tfd >= 0) {
    started++;
    c->sent = 0;
    wait_round(c);
  }
  else if(started < args.total) {
    started++;
    c->sent = 0;
    send_request(c);
  }
  else {
    c->state = IDLE;
  }
}

/* Parses the head in c->head; returns bytes of it consumed, 0 if partial. */
static size_t parse_head(struct conn *c)
{
  char *end = memmem(c->head, c->head_len, "\r\n\r\n", 4);
  char *line;
  if(!end)
    return 0;
  if(c->head_len < 12 || memcmp(c->head + 9, "200", 3) != 0) {
    fprintf(stderr, "floor: not a 200 answer\n");
    exit(1);
  }
  c->body_left = 0;
  for(line = memchr(c->head, '\n', (size_t)(end - c->head)); line && line < end;
      line = memchr(line + 1, '\n', (size_t)(end - line))) {
    if(!strncasecmp(line + 1, "content-length:", 15))
      c->body_left = strtoull(line + 16, NULL, 10);
  }
  return (size_t)(end - c->head) + 4;
}

static void on_readable(struct conn *c)
{
  for(;;) {
    ssize_t n = read(c->fd, rbuf, sizeof(rbuf));
    size_t off = 0;
    if(n < 0) {
      if(errno == EAGAIN)
        return;
      fail("read");
    }
    if(n == 0) {
      if(c->state == IDLE) {
        epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
        return;
      }
      fprintf(stderr, "floor: server closed a connection\n");
      exit(1);
    }
    while(off < (size_t)n) {
      if(c->state == HEAD) {
        size_t take = (size_t)n - off, used;
        if(take > HEAD_MAX - c->head_len)
          take = HEAD_MAX - c->head_len;
        memcpy(c->head + c->head_len, rbuf + off, take);
        c->head_len += take;
        used = parse_head(c);
        if(!used) {
          if(c->head_len == HEAD_MAX) {
            fprintf(stderr, "floor: head too large\n");
            exit(1);
          }
          off += take;
          continue;
        }
        /* bytes of this read past the head belong to the body */
        off += take - (c->head_len - used);
        c->state = BODY;
      }
      if(c->state == BODY) {
        unsigned long long avail = (unsigned long long)n - off;
        unsigned long long take = avail < c->body_left ? avail : c->body_left;
        c->body_left -= take;
        res.bytes += take;
        off += (size_t)take;
        if(c->body_left == 0) {
          next_or_idle(c);
          if(c->state != HEAD && off < (size_t)n) {
            fprintf(stderr, "floor: unexpected bytes\n");
            exit(1);
          }
        }
      }
      else if(c->state != HEAD) {
        fprintf(stderr, "floor: unexpected bytes\n");
        exit(1);
      }
    }
    /* a short read drained the socket; level-triggered epoll calls back */
    if((size_t)n < sizeof(rbuf))
      return;
  }
}

int main(int argc, char **argv)
{
  static struct epoll_event events[256];
  struct conn *conns;
  double t0;
  long i;

  args = bench_parse(argc, argv);
  if(args.cainfo) {
    fprintf(stderr, "floor: no TLS\n");
    return 2;
  }
  parse_url(args.url);
  /* A raw client has no queue: a connection limit is its concurrency. */
  if(args.max_host && args.concurrency > args.max_host)
    args.concurrency = args.max_host;
  res.client = "floor";
  res.library = "raw epoll";
  res.total = args.total;
  res.concurrency = args.concurrency;
  bench_raise_nofile(args.concurrency + 64);
  epfd = epoll_create1(EPOLL_CLOEXEC);
  if(epfd < 0)
    fail("epoll_create1");
  conns = calloc((size_t)args.concurrency, sizeof(*conns));
  if(!conns)
    return 2;
  if(getenv("BENCH_FLOOR") && !strcmp(getenv("BENCH_FLOOR"), "rounds")) {
    struct epoll_event tev;
    waiting = calloc((size_t)args.concurrency, sizeof(*waiting));
    tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if(!waiting || tfd < 0)
      fail("timerfd");
    memset(&tev, 0, sizeof(tev));
    tev.events = EPOLLIN;
    tev.data.ptr = NULL; /* the timer: no connection */
    if(epoll_ctl(epfd, EPOLL_CTL_ADD, tfd, &tev) != 0)
      fail("epoll_ctl timerfd");
  }
  res.rss_base_kib = bench_rss_kib();
  t0 = bench_now();
  for(i = 0; i < args.concurrency; i++)
    open_conn(&conns[i]);
  while(res.ok < args.total) {
    int n = epoll_wait(epfd, events, 256, 30000);
    if(n < 0) {
      if(errno == EINTR)
        continue;
      fail("epoll_wait");
    }
    if(n == 0) {
      fprintf(stderr, "floor: stalled: nothing happened for 30 s\n");
      res.stalled = 1;
      break;
    }
    for(i = 0; i < n; i++) {
      struct conn *c = events[i].data.ptr;
      if(!c) {
        end_round();
      }
      else if(c->state == CONNECTING) {
        int err = 0;
        socklen_t len = sizeof(err);
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if(err) {
          errno = err;
          fail("connect");
        }
        send_request(c);
      }
      else if(c->state == SENDING) {
        send_request(c);
      }
      else {
        on_readable(c);
      }
    }
  }
  res.wall_s = bench_now() - t0;
  bench_measure_idle(&res);
  bench_print(&res);
  for(i = 0; i < args.concurrency; i++)
    close(conns[i].fd);
  free(conns);
  free(waiting);
  if(tfd >= 0)
    close(tfd);
  close(epfd);
  return res.stalled ? 1 : 0;
}
