/* IGNORE_CONTENT_LENGTH and HTTP200ALIASES, driven by tests/http_opts.rs,
 * which runs it against libfetch (under valgrind) and, renamed, against
 * the installed libcurl, and compares what both print.
 *
 *   http_opts setopt                  setopt answers for odd values
 *   http_opts MODE N URL [ALIAS...]   N transfers of URL on one handle;
 *                                     MODE: plain, icl (IGNORE_CONTENT_LENGTH
 *                                     1), iclhead (icl and NOBODY), alias
 *                                     (the ALIASes as HTTP200ALIASES),
 *                                     aliasnull (aliases set, then NULL)
 *
 * Each transfer prints its result, response code, HTTP version, the
 * Content-Length read, the connections it made, the body and the header
 * lines it got.
 */
#include <fetch/fetch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t body(char *d, size_t s, size_t n, void *u) {
  (void)u;
  printf("body[%.*s]\n", (int)(s * n), d);
  return s * n;
}

static size_t header(char *d, size_t s, size_t n, void *u) {
  (void)u;
  size_t len = s * n;
  while (len > 0 && (d[len - 1] == '\n' || d[len - 1] == '\r'))
    len--;
  printf("header[%.*s]\n", (int)len, d);
  return s * n;
}

static void setopts(FETCH *e) {
  printf("icl0=%d\n", (int)fetch_easy_setopt(e, FETCHOPT_IGNORE_CONTENT_LENGTH, 0L));
  printf("icl1=%d\n", (int)fetch_easy_setopt(e, FETCHOPT_IGNORE_CONTENT_LENGTH, 1L));
  printf("icl-1=%d\n", (int)fetch_easy_setopt(e, FETCHOPT_IGNORE_CONTENT_LENGTH, -1L));
  printf("icl2=%d\n", (int)fetch_easy_setopt(e, FETCHOPT_IGNORE_CONTENT_LENGTH, 2L));
  printf("aliasnull=%d\n", (int)fetch_easy_setopt(e, FETCHOPT_HTTP200ALIASES, NULL));
}

int main(int argc, char **argv) {
  fetch_global_init(FETCH_GLOBAL_DEFAULT);
  FETCH *e = fetch_easy_init();
  struct fetch_slist *aliases = NULL;
  if (argc == 2 && !strcmp(argv[1], "setopt")) {
    setopts(e);
  } else if (argc >= 4) {
    const char *mode = argv[1];
    for (int i = 4; i < argc; i++)
      aliases = fetch_slist_append(aliases, argv[i]);
    fetch_easy_setopt(e, FETCHOPT_URL, argv[3]);
    fetch_easy_setopt(e, FETCHOPT_WRITEFUNCTION, body);
    fetch_easy_setopt(e, FETCHOPT_HEADERFUNCTION, header);
    if (!strncmp(mode, "icl", 3))
      printf("setopt=%d\n", (int)fetch_easy_setopt(e, FETCHOPT_IGNORE_CONTENT_LENGTH, 1L));
    if (!strcmp(mode, "iclhead"))
      fetch_easy_setopt(e, FETCHOPT_NOBODY, 1L);
    if (!strncmp(mode, "alias", 5))
      printf("setopt=%d\n", (int)fetch_easy_setopt(e, FETCHOPT_HTTP200ALIASES, aliases));
    if (!strcmp(mode, "aliasnull"))
      fetch_easy_setopt(e, FETCHOPT_HTTP200ALIASES, NULL);
    int n = atoi(argv[2]);
    for (int i = 0; i < n; i++) {
      int rc = (int)fetch_easy_perform(e);
      long code = -1, version = -1, connects = -1;
      fetch_off_t cl = -2;
      fetch_easy_getinfo(e, FETCHINFO_RESPONSE_CODE, &code);
      fetch_easy_getinfo(e, FETCHINFO_HTTP_VERSION, &version);
      fetch_easy_getinfo(e, FETCHINFO_NUM_CONNECTS, &connects);
      fetch_easy_getinfo(e, FETCHINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
      printf("result%d=%d\ncode%d=%ld\nversion%d=%ld\nconnects%d=%ld\ncl%d=%ld\n", i, rc, i,
             code, i, version, i, connects, i, (long)cl);
    }
  } else {
    fprintf(stderr, "usage: see the top of http_opts.c\n");
    return 2;
  }
  fetch_easy_cleanup(e);
  fetch_slist_free_all(aliases);
  fetch_global_cleanup();
  return 0;
}
