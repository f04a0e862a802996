/* ALTSVC_CTRL and ALTSVC, driven by tests/altsvc.rs, which runs it
 * against libfetch (under valgrind) and, renamed, against the installed
 * libcurl, and compares what both print and write.
 *
 *   altsvc ctrl                        setopt answers
 *   altsvc use URL CAFILE IN OUT       IN (an entry for URL's origin) read
 *                                      at setopt, URL fetched (through the
 *                                      alternative), the cache written to
 *                                      OUT at cleanup
 *   altsvc learn URL CAFILE OUT        URL's Alt-Svc field stored, OUT
 *                                      written at cleanup
 *   altsvc readonly URL CAFILE OUT     as learn with READONLYFILE: nothing
 *                                      written
 */
#include <fetch/fetch.h>
#include <stdio.h>
#include <string.h>

static size_t discard(char *d, size_t s, size_t n, void *u) {
  (void)d;
  (void)u;
  return s * n;
}

static int fetch_one(FETCH *e, const char *url, const char *ca) {
  fetch_easy_setopt(e, FETCHOPT_URL, url);
  fetch_easy_setopt(e, FETCHOPT_CAINFO, ca);
  fetch_easy_setopt(e, FETCHOPT_WRITEFUNCTION, discard);
  int rc = (int)fetch_easy_perform(e);
  long v = -1;
  fetch_easy_getinfo(e, FETCHINFO_HTTP_VERSION, &v);
  printf("perform=%d version=%ld\n", rc, v);
  return rc;
}

int main(int argc, char **argv) {
  fetch_global_init(FETCH_GLOBAL_DEFAULT);
  FETCH *e = fetch_easy_init();
  long bits = FETCHALTSVC_H1 | FETCHALTSVC_H2;
  if (argc == 2 && !strcmp(argv[1], "ctrl")) {
    printf("ctrl0=%d\n", (int)fetch_easy_setopt(e, FETCHOPT_ALTSVC_CTRL, 0L));
    printf("ctrl=%d\n", (int)fetch_easy_setopt(e, FETCHOPT_ALTSVC_CTRL, bits));
    printf("ro=%d\n", (int)fetch_easy_setopt(e, FETCHOPT_ALTSVC_CTRL,
                                              (long)FETCHALTSVC_READONLYFILE));
    printf("file=%d\n", (int)fetch_easy_setopt(e, FETCHOPT_ALTSVC, "/nonexistent/altsvc"));
    printf("null=%d\n", (int)fetch_easy_setopt(e, FETCHOPT_ALTSVC, NULL));
  } else if (argc == 6 && !strcmp(argv[1], "use")) {
    printf("ctrl=%d\n", (int)fetch_easy_setopt(e, FETCHOPT_ALTSVC_CTRL, bits));
    printf("in=%d\n", (int)fetch_easy_setopt(e, FETCHOPT_ALTSVC, argv[4]));
    printf("out=%d\n", (int)fetch_easy_setopt(e, FETCHOPT_ALTSVC, argv[5]));
    fetch_one(e, argv[2], argv[3]);
  } else if (argc == 5 && (!strcmp(argv[1], "learn") || !strcmp(argv[1], "readonly"))) {
    if (!strcmp(argv[1], "readonly"))
      bits |= FETCHALTSVC_READONLYFILE;
    printf("ctrl=%d\n", (int)fetch_easy_setopt(e, FETCHOPT_ALTSVC_CTRL, bits));
    printf("out=%d\n", (int)fetch_easy_setopt(e, FETCHOPT_ALTSVC, argv[4]));
    fetch_one(e, argv[2], argv[3]);
  } else {
    fprintf(stderr, "usage: see the top of altsvc.c\n");
    return 2;
  }
  fetch_easy_cleanup(e);
  fetch_global_cleanup();
  return 0;
}
