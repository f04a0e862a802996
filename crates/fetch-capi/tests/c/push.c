/* HTTP/2 server push from C, driven by tests/push.rs.
 *
 *   push MODE URL   GET URL (h2c prior knowledge) on a multi driven by
 *                   fetch_multi_perform/poll. MODE: accept, deny or
 *                   errorout (the push callback's answer), or none (no
 *                   PUSHFUNCTION). Prints what the callback saw, then one
 *                   line per DONE message; every handle is removed and
 *                   cleaned up.
 */
#include <fetch/fetch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct buf {
  char data[256];
  size_t len;
};

static size_t collect(char *data, size_t size, size_t n, void *ud) {
  struct buf *b = ud;
  size_t len = size * n;
  if (b->len + len < sizeof(b->data)) {
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = 0;
  }
  return len;
}

struct app {
  FETCH *parent;
  int answer;
  FETCH *pushed[8];
  struct buf bodies[8];
  int npushed;
  struct fetch_pushheaders *kept;
};

static int on_push(FETCH *parent, FETCH *easy, size_t num_headers,
                   struct fetch_pushheaders *headers, void *clientp) {
  struct app *app = clientp;
  size_t i;
  char *path = fetch_pushheader_byname(headers, ":path");
  printf("push parent_ok=%d num=%zu path=%s\n", parent == app->parent, num_headers,
         path ? path : "(null)");
  for (i = 0; i < num_headers; i++)
    printf("  bynum[%zu]=%s\n", i, fetch_pushheader_bynum(headers, i));
  printf("  past_end_null=%d\n", fetch_pushheader_bynum(headers, num_headers) == NULL);
  char *id = fetch_pushheader_byname(headers, "x-push-id");
  printf("  x-push-id=%s\n", id ? id : "(null)");
  printf("  missing_null=%d colon_null=%d empty_null=%d inner_colon_null=%d\n",
         fetch_pushheader_byname(headers, "x-nope") == NULL,
         fetch_pushheader_byname(headers, ":") == NULL,
         fetch_pushheader_byname(headers, "") == NULL,
         fetch_pushheader_byname(headers, "x-push:id") == NULL);
  /* Adding it ourselves is refused: the library does it on FETCH_PUSH_OK. */
  app->kept = headers;
  if (app->answer == FETCH_PUSH_OK && app->npushed < 8) {
    int k = app->npushed++;
    app->pushed[k] = easy;
    fetch_easy_setopt(easy, FETCHOPT_WRITEDATA, &app->bodies[k]);
  }
  return app->answer;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: see the top of push.c\n");
    return 2;
  }
  static struct app app;
  static struct buf parent_body;
  const char *mode = argv[1];
  app.answer = !strcmp(mode, "deny")       ? FETCH_PUSH_DENY
               : !strcmp(mode, "errorout") ? FETCH_PUSH_ERROROUT
                                           : FETCH_PUSH_OK;
  FETCHM *m = fetch_multi_init();
  if (strcmp(mode, "none")) {
    printf("setopt=%d,%d\n", (int)fetch_multi_setopt(m, FETCHMOPT_PUSHFUNCTION, on_push),
           (int)fetch_multi_setopt(m, FETCHMOPT_PUSHDATA, &app));
  }
  FETCH *e = fetch_easy_init();
  app.parent = e;
  fetch_easy_setopt(e, FETCHOPT_URL, argv[2]);
  fetch_easy_setopt(e, FETCHOPT_HTTP_VERSION, (long)FETCH_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
  fetch_easy_setopt(e, FETCHOPT_WRITEFUNCTION, collect);
  fetch_easy_setopt(e, FETCHOPT_WRITEDATA, &parent_body);
  fetch_multi_add_handle(m, e);
  int running = 1;
  int rounds = 0;
  while (running && rounds++ < 10000) {
    if (fetch_multi_perform(m, &running) != FETCHM_OK)
      return 3;
    if (running)
      fetch_multi_poll(m, NULL, 0, 100, NULL);
  }
  FETCHMsg *msg;
  int left;
  while ((msg = fetch_multi_info_read(m, &left))) {
    FETCH *h = msg->easy_handle;
    char *url = NULL;
    fetch_easy_getinfo(h, FETCHINFO_EFFECTIVE_URL, &url);
    const char *body = h == e ? parent_body.data : "";
    for (int k = 0; k < app.npushed; k++)
      if (h == app.pushed[k])
        body = app.bodies[k].data;
    printf("done parent=%d result=%d url=%s body=%s\n", h == e, (int)msg->data.result,
           url ? url : "(null)", body);
    fetch_multi_remove_handle(m, h);
    if (h != e)
      fetch_easy_cleanup(h);
  }
  printf("outside_null=%d,%d\n", fetch_pushheader_bynum(app.kept, 0) == NULL,
         fetch_pushheader_byname(app.kept, ":path") == NULL);
  fetch_easy_cleanup(e);
  fetch_multi_cleanup(m);
  return 0;
}
