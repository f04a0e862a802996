/* The share interface from C, driven by tests/share.rs, which runs the
 * servers and checks what each request carried and what is printed here.
 * Every transfer runs in fetch_easy_perform, so each has a multi of its
 * own: what the second one finds came through the share.
 *
 *   share codes                 setopt/cleanup answers, no transfer.
 *   share cookies URL1 URL2     COOKIE shared: URL1 sets a cookie, a
 *                               second handle sends it to URL2; the
 *                               lock/unlock calls are checked and counted.
 *   share dns URL PINURL PIN    DNS shared: URL (a name looked up) twice,
 *                               the second from the cache; PIN is a
 *                               RESOLVE entry for PINURL set on a first
 *                               handle only, the second finds it.
 *   share tls URL CAFILE        SSL_SESSION shared: two handles, two
 *                               connections; the server counts resumption.
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

/* What the lock callbacks saw. */
struct locks {
  int held[FETCH_LOCK_DATA_LAST]; /* lock depth per data kind */
  int count[FETCH_LOCK_DATA_LAST];
  int nested;   /* a lock taken while another was held */
  int unpaired; /* an unlock without its lock, or of another handle */
  int bad_access;
  FETCH *holder[FETCH_LOCK_DATA_LAST];
  FETCH *handles[8]; /* distinct handles seen */
  int nhandles;
};

static void lock_cb(FETCH *h, fetch_lock_data d, fetch_lock_access a, void *u) {
  struct locks *l = u;
  for (int i = 0; i < FETCH_LOCK_DATA_LAST; i++)
    if (l->held[i])
      l->nested++;
  if (a != FETCH_LOCK_ACCESS_SINGLE && a != FETCH_LOCK_ACCESS_SHARED)
    l->bad_access++;
  l->held[d]++;
  l->count[d]++;
  l->holder[d] = h;
  int seen = 0;
  for (int i = 0; i < l->nhandles; i++)
    seen |= l->handles[i] == h;
  if (!seen && l->nhandles < 8)
    l->handles[l->nhandles++] = h;
}

static void unlock_cb(FETCH *h, fetch_lock_data d, void *u) {
  struct locks *l = u;
  if (l->held[d] != 1 || l->holder[d] != h)
    l->unpaired++;
  l->held[d]--;
}

static void print_locks(struct locks *l, FETCH *a, FETCH *b) {
  int open = 0;
  for (int i = 0; i < FETCH_LOCK_DATA_LAST; i++)
    open += l->held[i];
  printf("locks share=%d cookie=%d dns=%d ssl=%d nested=%d unpaired=%d open=%d bad=%d\n",
         l->count[FETCH_LOCK_DATA_SHARE], l->count[FETCH_LOCK_DATA_COOKIE],
         l->count[FETCH_LOCK_DATA_DNS], l->count[FETCH_LOCK_DATA_SSL_SESSION], l->nested,
         l->unpaired, open, l->bad_access);
  for (int i = 0; i < l->nhandles; i++)
    printf("handle %s\n", l->handles[i] == a ? "first" : l->handles[i] == b ? "second" : l->handles[i] ? "other" : "null");
}

static FETCHSH *new_share(fetch_lock_data what, struct locks *l) {
  FETCHSH *s = fetch_share_init();
  if (!s) {
    printf("no share\n");
    exit(1);
  }
  printf("share=%d\n", (int)fetch_share_setopt(s, FETCHSHOPT_SHARE, what));
  if (l) {
    fetch_share_setopt(s, FETCHSHOPT_LOCKFUNC, lock_cb);
    fetch_share_setopt(s, FETCHSHOPT_UNLOCKFUNC, unlock_cb);
    fetch_share_setopt(s, FETCHSHOPT_USERDATA, l);
  }
  return s;
}

static FETCH *get(const char *url, FETCHSH *s) {
  FETCH *e = fetch_easy_init();
  fetch_easy_setopt(e, FETCHOPT_URL, url);
  fetch_easy_setopt(e, FETCHOPT_WRITEFUNCTION, discard);
  fetch_easy_setopt(e, FETCHOPT_SHARE, s);
  return e;
}

static int codes(void) {
  FETCHSH *s = fetch_share_init();
  int kinds[] = {FETCH_LOCK_DATA_NONE, FETCH_LOCK_DATA_SHARE, FETCH_LOCK_DATA_COOKIE,
                 FETCH_LOCK_DATA_DNS, FETCH_LOCK_DATA_SSL_SESSION, FETCH_LOCK_DATA_CONNECT,
                 FETCH_LOCK_DATA_PSL, FETCH_LOCK_DATA_HSTS, FETCH_LOCK_DATA_LAST};
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    printf("share %d=%d\n", kinds[i], (int)fetch_share_setopt(s, FETCHSHOPT_SHARE, kinds[i]));
  printf("unshare psl=%d\n", (int)fetch_share_setopt(s, FETCHSHOPT_UNSHARE, FETCH_LOCK_DATA_PSL));
  printf("option 99=%d\n", (int)fetch_share_setopt(s, (FETCHSHoption)99, 1));
  printf("null share=%d\n", (int)fetch_share_setopt(NULL, FETCHSHOPT_SHARE, FETCH_LOCK_DATA_DNS));
  printf("null cleanup=%d\n", (int)fetch_share_cleanup(NULL));
  FETCH *e = fetch_easy_init();
  printf("attach=%d\n", (int)fetch_easy_setopt(e, FETCHOPT_SHARE, s));
  printf("setopt in use=%d\n", (int)fetch_share_setopt(s, FETCHSHOPT_UNSHARE, FETCH_LOCK_DATA_COOKIE));
  printf("cleanup in use=%d\n", (int)fetch_share_cleanup(s));
  /* A copy holds no share (upstream); a reset keeps it. */
  FETCH *d = fetch_easy_duphandle(e);
  fetch_easy_reset(e);
  printf("after reset=%d\n", (int)fetch_share_cleanup(s));
  printf("detach=%d\n", (int)fetch_easy_setopt(e, FETCHOPT_SHARE, NULL));
  printf("setopt free=%d\n", (int)fetch_share_setopt(s, FETCHSHOPT_UNSHARE, FETCH_LOCK_DATA_COOKIE));
  fetch_easy_setopt(e, FETCHOPT_SHARE, s);
  fetch_easy_cleanup(e);
  printf("cleanup=%d\n", (int)fetch_share_cleanup(s));
  printf("again=%d\n", (int)fetch_share_cleanup(s));
  fetch_easy_cleanup(d);
  return 0;
}

static int cookies(const char *url1, const char *url2) {
  struct locks l;
  memset(&l, 0, sizeof l);
  FETCHSH *s = new_share(FETCH_LOCK_DATA_COOKIE, &l);
  FETCH *a = get(url1, s);
  FETCH *b = get(url2, s);
  printf("perform1=%d\n", (int)fetch_easy_perform(a));
  printf("perform2=%d\n", (int)fetch_easy_perform(b));
  /* Both handles see the shared jar. */
  struct fetch_slist *list = NULL;
  fetch_easy_getinfo(b, FETCHINFO_COOKIELIST, &list);
  for (struct fetch_slist *n = list; n; n = n->next)
    printf("cookie: %s\n", n->data);
  fetch_slist_free_all(list);
  printf("cleanup in use=%d\n", (int)fetch_share_cleanup(s));
  fetch_easy_cleanup(a);
  printf("cleanup still in use=%d\n", (int)fetch_share_cleanup(s));
  fetch_easy_cleanup(b);
  print_locks(&l, a, b);
  printf("cleanup=%d\n", (int)fetch_share_cleanup(s));
  return 0;
}

static char trace_text[65536];
static size_t trace_len;

static int trace(FETCH *h, fetch_infotype t, char *data, size_t n, void *u) {
  (void)h;
  (void)u;
  if (t == FETCHINFO_TEXT && trace_len + n < sizeof trace_text) {
    memcpy(trace_text + trace_len, data, n);
    trace_len += n;
    trace_text[trace_len] = 0;
  }
  return 0;
}

static int dns(const char *url, const char *pinurl, const char *pin) {
  struct locks l;
  memset(&l, 0, sizeof l);
  FETCHSH *s = new_share(FETCH_LOCK_DATA_DNS, &l);
  FETCH *a = get(url, s);
  printf("perform1=%d\n", (int)fetch_easy_perform(a));
  FETCH *b = get(url, s);
  fetch_easy_setopt(b, FETCHOPT_VERBOSE, 1L);
  fetch_easy_setopt(b, FETCHOPT_DEBUGFUNCTION, trace);
  printf("perform2=%d\n", (int)fetch_easy_perform(b));
  printf("cache hit=%d\n", strstr(trace_text, "was found in DNS cache") != NULL);
  struct fetch_slist *r = fetch_slist_append(NULL, pin);
  FETCH *c = get(pinurl, s);
  fetch_easy_setopt(c, FETCHOPT_RESOLVE, r);
  printf("pinned1=%d\n", (int)fetch_easy_perform(c));
  FETCH *d = get(pinurl, s);
  printf("pinned2=%d\n", (int)fetch_easy_perform(d));
  FETCH *alone = get(pinurl, NULL);
  printf("unshared=%d\n", (int)fetch_easy_perform(alone));
  fetch_easy_cleanup(alone);
  fetch_easy_cleanup(a);
  fetch_easy_cleanup(b);
  fetch_easy_cleanup(c);
  fetch_easy_cleanup(d);
  fetch_slist_free_all(r);
  print_locks(&l, NULL, NULL);
  printf("cleanup=%d\n", (int)fetch_share_cleanup(s));
  return 0;
}

static int tls(const char *url, const char *ca) {
  struct locks l;
  memset(&l, 0, sizeof l);
  FETCHSH *s = new_share(FETCH_LOCK_DATA_SSL_SESSION, &l);
  for (int i = 0; i < 2; i++) {
    FETCH *e = get(url, s);
    fetch_easy_setopt(e, FETCHOPT_CAINFO, ca);
    printf("perform%d=%d\n", i + 1, (int)fetch_easy_perform(e));
    fetch_easy_cleanup(e);
  }
  print_locks(&l, NULL, NULL);
  printf("cleanup=%d\n", (int)fetch_share_cleanup(s));
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "codes"))
    return codes();
  if (argc == 4 && !strcmp(argv[1], "cookies"))
    return cookies(argv[2], argv[3]);
  if (argc == 5 && !strcmp(argv[1], "dns"))
    return dns(argv[2], argv[3], argv[4]);
  if (argc == 4 && !strcmp(argv[1], "tls"))
    return tls(argv[2], argv[3]);
  fprintf(stderr, "usage: see the top of share.c\n");
  return 2;
}
