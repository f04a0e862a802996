/* HSTSREADFUNCTION / HSTSWRITEFUNCTION, driven by tests/hsts_callbacks.rs,
 * which runs it against libfetch (under valgrind) and, renamed, against
 * the installed libcurl, and compares what both print. No server: the
 * URLs name port 1 on 127.0.0.1 (through RESOLVE), so a transfer fails
 * to connect after HSTS chose its scheme, and the effective URL shows it.
 *
 *   hsts_callbacks layout      the entry struct's size and expire offset
 *   hsts_callbacks read        two entries read (one with subdomains and
 *                              an expiry), two transfers, entries written
 *   hsts_callbacks fail        the read callback fails
 *   hsts_callbacks noname      the read callback gives an empty name
 *   hsts_callbacks off         callbacks set, HSTS not enabled
 *   hsts_callbacks stop        the write callback stops after one entry
 */
#include <fetch/fetch.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static int reads;
static int mode_fail, mode_noname, mode_stop;

static FETCHSTScode rd(FETCH *e, struct fetch_hstsentry *s, void *u) {
  (void)e;
  reads++;
  printf("read %d room=%zu sub=%d expire0=%d data=%s\n", reads, s->namelen,
         (int)s->includeSubDomains, s->expire[0], (const char *)u);
  if (mode_fail)
    return FETCHSTS_FAIL;
  if (mode_noname)
    return FETCHSTS_OK;
  if (reads == 1) {
    strcpy(s->name, "one.example");
    s->includeSubDomains = 1;
    strcpy(s->expire, "20301231 10:00:00");
    return FETCHSTS_OK;
  }
  if (reads == 2) {
    strcpy(s->name, "Two.Example");
    return FETCHSTS_OK;
  }
  return FETCHSTS_DONE;
}

static FETCHSTScode wr(FETCH *e, struct fetch_hstsentry *s, struct fetch_index *i, void *u) {
  (void)e;
  printf("write %zu/%zu name=%s namelen=%zu sub=%d expire=%s data=%s\n", i->index, i->total,
         s->name, s->namelen, (int)s->includeSubDomains, s->expire, (const char *)u);
  return mode_stop ? FETCHSTS_DONE : FETCHSTS_OK;
}

static void run(FETCH *e, const char *url) {
  fetch_easy_setopt(e, FETCHOPT_URL, url);
  int rc = (int)fetch_easy_perform(e);
  char *eff = NULL;
  fetch_easy_getinfo(e, FETCHINFO_EFFECTIVE_URL, &eff);
  printf("perform=%d reads=%d url=%s\n", rc, reads, eff ? eff : "(null)");
}

int main(int argc, char **argv) {
  if (argc != 2)
    return 2;
  const char *mode = argv[1];
  if (!strcmp(mode, "layout")) {
    printf("size=%zu expire=%zu index=%zu\n", sizeof(struct fetch_hstsentry),
           offsetof(struct fetch_hstsentry, expire), sizeof(struct fetch_index));
    return 0;
  }
  mode_fail = !strcmp(mode, "fail");
  mode_noname = !strcmp(mode, "noname");
  mode_stop = !strcmp(mode, "stop");
  fetch_global_init(FETCH_GLOBAL_DEFAULT);
  FETCH *e = fetch_easy_init();
  struct fetch_slist *r = fetch_slist_append(NULL, "sub.one.example:1:127.0.0.1");
  r = fetch_slist_append(r, "two.example:1:127.0.0.1");
  r = fetch_slist_append(r, "sub.two.example:1:127.0.0.1");
  fetch_easy_setopt(e, FETCHOPT_RESOLVE, r);
  if (strcmp(mode, "off"))
    fetch_easy_setopt(e, FETCHOPT_HSTS_CTRL, (long)FETCHHSTS_ENABLE);
  printf("setopt=%d", (int)fetch_easy_setopt(e, FETCHOPT_HSTSREADFUNCTION, rd));
  printf(" %d", (int)fetch_easy_setopt(e, FETCHOPT_HSTSREADDATA, "r"));
  printf(" %d", (int)fetch_easy_setopt(e, FETCHOPT_HSTSWRITEFUNCTION, wr));
  printf(" %d\n", (int)fetch_easy_setopt(e, FETCHOPT_HSTSWRITEDATA, "w"));
  /* The first transfer reads the entries before its URL is looked up. */
  run(e, "http://sub.one.example:1/");
  /* Later ones call the callback again (it says DONE now). */
  run(e, "http://sub.two.example:1/");
  run(e, "http://two.example:1/");
  printf("cleanup\n");
  fetch_easy_cleanup(e);
  fetch_slist_free_all(r);
  fetch_global_cleanup();
  return 0;
}
