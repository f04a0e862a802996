/* The cookie options from C, driven by tests/cookies.rs, which runs the
 * scripted server and checks what each request carried and what is
 * printed here.
 *
 *   cookies chain URL JAR         GET URL (a redirect chain) with the engine
 *                                 on, COOKIE set, COOKIEJAR=JAR; prints
 *                                 FETCHINFO_COOKIELIST; cleanup writes JAR.
 *   cookies reload URL JAR SESS   GET URL with COOKIEFILE=JAR and
 *                                 COOKIESESSION=SESS.
 *   cookies list JAR              COOKIELIST commands without a transfer.
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

/* Prints FETCHINFO_COOKIELIST, one "cookie: " line each, and frees it. */
static void print_list(FETCH *e, const char *label) {
  struct fetch_slist *list = NULL;
  FETCHcode rc = fetch_easy_getinfo(e, FETCHINFO_COOKIELIST, &list);
  printf("%s rc=%d%s\n", label, (int)rc, list ? "" : " empty");
  for (struct fetch_slist *n = list; n; n = n->next) {
    printf("cookie: %s\n", n->data);
  }
  fetch_slist_free_all(list);
}

/* Prints the cookie lines of a jar file, "file: " each. */
static void print_file(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) {
    printf("no file\n");
    return;
  }
  char line[1024];
  while (fgets(line, sizeof line, f)) {
    if (line[0] != '#' && line[0] != '\n') {
      printf("file: %s", line);
    }
  }
  fclose(f);
}

static int chain(const char *url, const char *jar) {
  FETCH *e = fetch_easy_init();
  fetch_easy_setopt(e, FETCHOPT_URL, url);
  fetch_easy_setopt(e, FETCHOPT_WRITEFUNCTION, discard);
  fetch_easy_setopt(e, FETCHOPT_FOLLOWLOCATION, 1L);
  fetch_easy_setopt(e, FETCHOPT_COOKIEFILE, "");
  fetch_easy_setopt(e, FETCHOPT_COOKIEJAR, jar);
  fetch_easy_setopt(e, FETCHOPT_COOKIE, "fixed=1");
  FETCHcode rc = fetch_easy_perform(e);
  printf("perform=%d\n", (int)rc);
  print_list(e, "after-chain");
  fetch_easy_cleanup(e);
  return rc == FETCHE_OK ? 0 : 1;
}

static int reload(const char *url, const char *jar, long session) {
  FETCH *e = fetch_easy_init();
  fetch_easy_setopt(e, FETCHOPT_URL, url);
  fetch_easy_setopt(e, FETCHOPT_WRITEFUNCTION, discard);
  fetch_easy_setopt(e, FETCHOPT_COOKIESESSION, session);
  fetch_easy_setopt(e, FETCHOPT_COOKIEFILE, jar);
  FETCHcode rc = fetch_easy_perform(e);
  printf("perform=%d\n", (int)rc);
  fetch_easy_cleanup(e);
  return rc == FETCHE_OK ? 0 : 1;
}

static int list(const char *jar) {
  FETCH *e = fetch_easy_init();
  print_list(e, "fresh");
  /* A Set-Cookie line and Netscape lines start the engine. */
  fetch_easy_setopt(e, FETCHOPT_COOKIELIST,
                    "Set-Cookie: hdr=1; Domain=example.com; Path=/");
  fetch_easy_setopt(e, FETCHOPT_COOKIELIST,
                    "example.com\tFALSE\t/\tFALSE\t4102444800\tkept\tv");
  fetch_easy_setopt(e, FETCHOPT_COOKIELIST,
                    "#HttpOnly_.example.com\tTRUE\t/p\tTRUE\t0\tsess\tv");
  print_list(e, "added");
  fetch_easy_setopt(e, FETCHOPT_COOKIELIST, "SESS");
  print_list(e, "sess");
  fetch_easy_setopt(e, FETCHOPT_COOKIEJAR, jar);
  fetch_easy_setopt(e, FETCHOPT_COOKIELIST, "FLUSH");
  printf("flushed\n");
  print_file(jar);
  fetch_easy_setopt(e, FETCHOPT_COOKIELIST, "ALL");
  print_list(e, "all");
  fetch_easy_setopt(e, FETCHOPT_COOKIEFILE, jar);
  fetch_easy_setopt(e, FETCHOPT_COOKIELIST, "RELOAD");
  print_list(e, "reload");
  /* reset keeps the cookies (upstream), duphandle starts an empty jar
   * that reads the same files at its first transfer. */
  FETCH *d = fetch_easy_duphandle(e);
  print_list(d, "dup");
  fetch_easy_reset(e);
  print_list(e, "reset");
  fetch_easy_cleanup(d);
  fetch_easy_cleanup(e);
  return 0;
}

int main(int argc, char **argv) {
  fetch_global_init(FETCH_GLOBAL_ALL);
  int rc = 2;
  if (argc == 4 && !strcmp(argv[1], "chain")) {
    rc = chain(argv[2], argv[3]);
  } else if (argc == 5 && !strcmp(argv[1], "reload")) {
    rc = reload(argv[2], argv[3], atol(argv[4]));
  } else if (argc == 3 && !strcmp(argv[1], "list")) {
    rc = list(argv[2]);
  } else {
    fprintf(stderr, "usage: see the comment at the top\n");
  }
  fetch_global_cleanup();
  return rc;
}
