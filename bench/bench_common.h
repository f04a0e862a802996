/*
 * What every C bench client shares: the command line, the file-descriptor
 * limit, the clock, memory figures and the one-line JSON result that
 * `cargo xtask bench` reads. Header-only so each client is one `cc` call.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#define _GNU_SOURCE
#include <dirent.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

struct bench_args {
  const char *url;
  long total;
  long concurrency;
  const char *cainfo; /* optional 4th argument: CA file for https */
  long max_host;      /* BENCH_MAX_HOST_CONNECTIONS: 0 = no limit */
  int pipewait;       /* BENCH_PIPEWAIT=1: PIPEWAIT on every transfer (HTTP/2) */
};

struct bench_result {
  const char *client;
  const char *library;
  long total;
  long concurrency;
  long ok;
  long failed;
  long first_error; /* library result code of the first failure, 0 if none */
  long first_status; /* HTTP status of the first non-200 answer, 0 if none */
  unsigned long long bytes;
  double wall_s;
  long peak_sockets;
  long rss_base_kib;  /* before the first transfer */
  long rss_idle_kib;  /* after the last, with the connections idle */
  long idle_sockets;  /* TCP sockets still open at that point */
  int stalled;
  int ca_unsupported; /* a CA file was given and the library refused it */
  long timer_calls;   /* timer callback invocations */
  long socket_calls;  /* socket callback invocations */
  long connects;      /* sum of INFO_NUM_CONNECTS: connections opened */
  long http2;         /* transfers whose INFO_HTTP_VERSION was HTTP/2 */
};

static void bench_usage(const char *argv0)
{
  fprintf(stderr, "usage: %s URL TOTAL CONCURRENCY [CAINFO]\n", argv0);
  exit(2);
}

static struct bench_args bench_parse(int argc, char **argv)
{
  struct bench_args a;
  if(argc < 4 || argc > 5)
    bench_usage(argv[0]);
  a.url = argv[1];
  a.total = atol(argv[2]);
  a.concurrency = atol(argv[3]);
  a.cainfo = argc == 5 ? argv[4] : NULL;
  /* The connection-limited workload: every transfer is added at once and
     the library queues them behind MAX_HOST_CONNECTIONS. */
  a.max_host = getenv("BENCH_MAX_HOST_CONNECTIONS") ?
    atol(getenv("BENCH_MAX_HOST_CONNECTIONS")) : 0;
  if(a.max_host < 0)
    bench_usage(argv[0]);
  /* The HTTP/2 workloads: wait for the one connection to multiplex on
     rather than open more. */
  a.pipewait = getenv("BENCH_PIPEWAIT") && atoi(getenv("BENCH_PIPEWAIT")) != 0;
  if(a.total <= 0 || a.concurrency <= 0)
    bench_usage(argv[0]);
  if(a.concurrency > a.total)
    a.concurrency = a.total;
  return a;
}

/* Room for `want` descriptors: the soft limit up to the hard one, and as
   root (CAP_SYS_RESOURCE) the hard one too. */
static void bench_raise_nofile(long want)
{
  struct rlimit rl;
  if(getrlimit(RLIMIT_NOFILE, &rl) != 0)
    return;
  if((long)rl.rlim_cur >= want)
    return;
  if((long)rl.rlim_max < want) {
    struct rlimit more = { (rlim_t)want, (rlim_t)want };
    if(setrlimit(RLIMIT_NOFILE, &more) == 0)
      return;
  }
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
}

static double bench_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Resident set size now, in KiB (ru_maxrss only gives the peak). */
static long bench_rss_kib(void)
{
  long pages_total = 0, pages_resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if(!f)
    return -1;
  if(fscanf(f, "%ld %ld", &pages_total, &pages_resident) != 2)
    pages_resident = -1;
  fclose(f);
  return pages_resident < 0 ? -1 : pages_resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Peak resident set size of this process image, in KiB: VmHWM. Not
   ru_maxrss, which also counts the RSS of the parent that spawned us
   (Linux keeps the pre-exec high-water mark, and a vfork-style spawn
   shares the parent's memory until exec). */
static long bench_peak_rss_kib(void)
{
  char line[256];
  long kib = -1;
  FILE *f = fopen("/proc/self/status", "r");
  if(!f)
    return -1;
  while(fgets(line, sizeof(line), f)) {
    if(!strncmp(line, "VmHWM:", 6)) {
      kib = atol(line + 6);
      break;
    }
  }
  fclose(f);
  return kib;
}

/* Open sockets of this process (the epoll and timer fds are not sockets). */
static long bench_count_sockets(void)
{
  long n = 0;
  char path[300], link[64];
  struct dirent *de;
  DIR *d = opendir("/proc/self/fd");
  if(!d)
    return -1;
  while((de = readdir(d))) {
    ssize_t len;
    if(de->d_name[0] == '.')
      continue;
    snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
    len = readlink(path, link, sizeof(link) - 1);
    if(len > 0) {
      link[len] = 0;
      if(!strncmp(link, "socket:", 7))
        n++;
    }
  }
  closedir(d);
  return n;
}

/* Call with the connections idle and the per-transfer state freed. */
static void bench_measure_idle(struct bench_result *r)
{
  malloc_trim(0);
  r->rss_idle_kib = bench_rss_kib();
  r->idle_sockets = bench_count_sockets();
}

static void bench_print(const struct bench_result *r)
{
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("{\"client\":\"%s\",\"library\":\"%s\",\"total\":%ld,\"concurrency\":%ld,"
         "\"ok\":%ld,\"failed\":%ld,\"first_error\":%ld,\"first_status\":%ld,"
         "\"bytes\":%llu,\"wall_s\":%.6f,\"user_s\":%.6f,\"sys_s\":%.6f,"
         "\"max_rss_kib\":%ld,\"ru_maxrss_kib\":%ld,\"rss_base_kib\":%ld,\"rss_idle_kib\":%ld,"
         "\"peak_sockets\":%ld,\"idle_sockets\":%ld,\"stalled\":%s,"
         "\"ca_unsupported\":%s,\"timer_calls\":%ld,\"socket_calls\":%ld,"
         "\"connects\":%ld,\"http2\":%ld}\n",
         r->client, r->library, r->total, r->concurrency, r->ok, r->failed,
         r->first_error, r->first_status, r->bytes, r->wall_s,
         (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6,
         bench_peak_rss_kib(), ru.ru_maxrss, r->rss_base_kib, r->rss_idle_kib, r->peak_sockets,
         r->idle_sockets, r->stalled ? "true" : "false",
         r->ca_unsupported ? "true" : "false", r->timer_calls, r->socket_calls,
         r->connects, r->http2);
  fflush(stdout);
}

#endif /* BENCH_COMMON_H */
