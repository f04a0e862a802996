/* HSTS from C, driven by tests/hsts.rs.
 *
 *   hsts get URL CAFILE CTRL [FILE]   GET URL with HSTS_CTRL=CTRL and, if
 *                                     given, HSTS=FILE; prints the result
 *                                     and the effective URL; cleanup
 *                                     writes FILE unless READONLYFILE.
 */
#include <fetch/fetch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t discard(char *data, size_t size, size_t n, void *ud) {
  (void)data;
  (void)ud;
  return size * n;
}

int main(int argc, char **argv) {
  if (argc < 5 || strcmp(argv[1], "get")) {
    fprintf(stderr, "usage: see the top of hsts.c\n");
    return 2;
  }
  FETCH *e = fetch_easy_init();
  fetch_easy_setopt(e, FETCHOPT_URL, argv[2]);
  fetch_easy_setopt(e, FETCHOPT_CAINFO, argv[3]);
  fetch_easy_setopt(e, FETCHOPT_WRITEFUNCTION, discard);
  printf("ctrl=%d\n", (int)fetch_easy_setopt(e, FETCHOPT_HSTS_CTRL, atol(argv[4])));
  if (argc > 5)
    printf("file=%d\n", (int)fetch_easy_setopt(e, FETCHOPT_HSTS, argv[5]));
  printf("perform=%d\n", (int)fetch_easy_perform(e));
  char *url = NULL;
  fetch_easy_getinfo(e, FETCHINFO_EFFECTIVE_URL, &url);
  printf("effective=%s\n", url ? url : "(null)");
  fetch_easy_cleanup(e);
  return 0;
}
