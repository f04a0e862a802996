/* HTTP over a Unix socket, the way Docker-style API clients talk to their
 * daemon, with the connection-control options a program sets on the way:
 * UNIX_SOCKET_PATH, PREREQFUNCTION, BUFFERSIZE, TCP_KEEPALIVE (ignored for
 * a Unix socket), then fetch_easy_upkeep and a reused connection.
 * Usage: unix_socket SOCKET-PATH URL-PATH */
#include <fetch/fetch.h>
#include <stdio.h>
#include <string.h>

struct body {
  char data[256];
  size_t len;
};

static size_t sink(char *ptr, size_t size, size_t nmemb, void *userdata)
{
  struct body *b = userdata;
  size_t n = size * nmemb;
  if(b->len + n >= sizeof(b->data))
    return 0;
  memcpy(b->data + b->len, ptr, n);
  b->len += n;
  b->data[b->len] = 0;
  return n;
}

static int prereq(void *clientp, char *primary_ip, char *local_ip,
                  int primary_port, int local_port)
{
  int *calls = clientp;
  (*calls)++;
  printf("prereq ip='%s' local='%s' ports=%d,%d\n", primary_ip, local_ip,
         primary_port, local_port);
  return FETCH_PREREQFUNC_OK;
}

int main(int argc, char **argv)
{
  char url[512];
  struct body b;
  FETCH *e;
  FETCHcode rc;
  int calls = 0, round;
  long connects = -1;

  if(argc != 3)
    return 2;
  snprintf(url, sizeof(url), "http://localhost%s", argv[2]);
  e = fetch_easy_init();
  if(!e)
    return 2;
  fetch_easy_setopt(e, FETCHOPT_URL, url);
  fetch_easy_setopt(e, FETCHOPT_UNIX_SOCKET_PATH, argv[1]);
  fetch_easy_setopt(e, FETCHOPT_WRITEFUNCTION, sink);
  fetch_easy_setopt(e, FETCHOPT_WRITEDATA, &b);
  fetch_easy_setopt(e, FETCHOPT_PREREQFUNCTION, prereq);
  fetch_easy_setopt(e, FETCHOPT_PREREQDATA, &calls);
  fetch_easy_setopt(e, FETCHOPT_BUFFERSIZE, 1024L);
  fetch_easy_setopt(e, FETCHOPT_TCP_KEEPALIVE, 1L);
  for(round = 0; round < 2; round++) {
    memset(&b, 0, sizeof(b));
    rc = fetch_easy_perform(e);
    if(rc != FETCHE_OK) {
      fprintf(stderr, "perform: %s\n", fetch_easy_strerror(rc));
      fetch_easy_cleanup(e);
      return 1;
    }
    fetch_easy_getinfo(e, FETCHINFO_NUM_CONNECTS, &connects);
    printf("round %d body='%s' connects=%ld\n", round, b.data, connects);
    if(fetch_easy_upkeep(e) != FETCHE_OK) {
      fetch_easy_cleanup(e);
      return 1;
    }
  }
  printf("prereq calls=%d\n", calls);
  fetch_easy_cleanup(e);
  return 0;
}
