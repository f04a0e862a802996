/* Content decoding and MAXFILESIZE through the C ABI (issue 16).
 *
 *   content_encoding URL [OPTION...]
 *
 * OPTION is one of: enc=VALUE (FETCHOPT_ACCEPT_ENCODING; "enc=" for ""),
 * cd=N (HTTP_CONTENT_DECODING), te=N (HTTP_TRANSFER_DECODING), max=N
 * (MAXFILESIZE), maxl=N (MAXFILESIZE_LARGE), pause (the write callback
 * pauses once, and the progress callback resumes). One line on stdout:
 *
 *   code=N size=N fnv=HEX largest=N calls=N paused=N err=[ERRORBUFFER]
 *
 * where fnv is the FNV-1a hash of the body the write callback got and
 * largest its largest piece. Before that, "checks=ok" when setopt refuses
 * negative sizes and accepts the switches, as upstream. */
#include <fetch/fetch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sink {
  unsigned long size;
  unsigned long largest;
  unsigned long calls;
  unsigned int fnv;
  int pause_once;
  int paused;
  FETCH *easy;
};

static size_t on_write(char *data, size_t size, size_t n, void *p) {
  struct sink *s = p;
  size_t len = size * n;
  if (s->pause_once && !s->paused && s->size > 0) {
    s->paused = 1;
    return FETCH_WRITEFUNC_PAUSE;
  }
  for (size_t i = 0; i < len; i++) {
    s->fnv ^= (unsigned char)data[i];
    s->fnv *= 16777619u;
  }
  s->size += len;
  s->calls++;
  if (len > s->largest)
    s->largest = len;
  return len;
}

static int on_progress(void *p, fetch_off_t dt, fetch_off_t dn, fetch_off_t ut,
                       fetch_off_t un) {
  struct sink *s = p;
  (void)dt; (void)dn; (void)ut; (void)un;
  if (s->paused == 1) {
    s->paused = 2;
    fetch_easy_pause(s->easy, FETCHPAUSE_CONT);
  }
  return 0;
}

static int checks(void) {
  FETCH *e = fetch_easy_init();
  int ok = e != NULL;
  ok = ok && fetch_easy_setopt(e, FETCHOPT_MAXFILESIZE, -1L) == FETCHE_BAD_FUNCTION_ARGUMENT;
  ok = ok && fetch_easy_setopt(e, FETCHOPT_MAXFILESIZE_LARGE, (fetch_off_t)-5) ==
               FETCHE_BAD_FUNCTION_ARGUMENT;
  ok = ok && fetch_easy_setopt(e, FETCHOPT_MAXFILESIZE, 0L) == FETCHE_OK;
  ok = ok && fetch_easy_setopt(e, FETCHOPT_MAXFILESIZE_LARGE, (fetch_off_t)1 << 40) == FETCHE_OK;
  ok = ok && fetch_easy_setopt(e, FETCHOPT_HTTP_CONTENT_DECODING, 0L) == FETCHE_OK;
  ok = ok && fetch_easy_setopt(e, FETCHOPT_HTTP_TRANSFER_DECODING, 0L) == FETCHE_OK;
  ok = ok && fetch_easy_setopt(e, FETCHOPT_ACCEPT_ENCODING, "gzip, br") == FETCHE_OK;
  ok = ok && fetch_easy_setopt(e, FETCHOPT_ENCODING, NULL) == FETCHE_OK;
  fetch_easy_cleanup(e);
  return ok;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: content_encoding URL [OPTION...]\n");
    return 2;
  }
  printf("checks=%s\n", checks() ? "ok" : "FAILED");
  char err[FETCH_ERROR_SIZE] = "";
  struct sink s = {0, 0, 0, 2166136261u, 0, 0, NULL};
  FETCH *e = fetch_easy_init();
  s.easy = e;
  fetch_easy_setopt(e, FETCHOPT_URL, argv[1]);
  fetch_easy_setopt(e, FETCHOPT_WRITEFUNCTION, on_write);
  fetch_easy_setopt(e, FETCHOPT_WRITEDATA, &s);
  fetch_easy_setopt(e, FETCHOPT_ERRORBUFFER, err);
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (strncmp(a, "enc=", 4) == 0)
      fetch_easy_setopt(e, FETCHOPT_ACCEPT_ENCODING, a + 4);
    else if (strncmp(a, "cd=", 3) == 0)
      fetch_easy_setopt(e, FETCHOPT_HTTP_CONTENT_DECODING, atol(a + 3));
    else if (strncmp(a, "te=", 3) == 0)
      fetch_easy_setopt(e, FETCHOPT_HTTP_TRANSFER_DECODING, atol(a + 3));
    else if (strncmp(a, "maxl=", 5) == 0)
      fetch_easy_setopt(e, FETCHOPT_MAXFILESIZE_LARGE, (fetch_off_t)atoll(a + 5));
    else if (strncmp(a, "max=", 4) == 0)
      fetch_easy_setopt(e, FETCHOPT_MAXFILESIZE, atol(a + 4));
    else if (strcmp(a, "pause") == 0) {
      s.pause_once = 1;
      fetch_easy_setopt(e, FETCHOPT_NOPROGRESS, 0L);
      fetch_easy_setopt(e, FETCHOPT_XFERINFOFUNCTION, on_progress);
      fetch_easy_setopt(e, FETCHOPT_XFERINFODATA, &s);
    }
  }
  FETCHcode code = fetch_easy_perform(e);
  printf("code=%d size=%lu fnv=%08x largest=%lu calls=%lu paused=%d err=[%s]\n", (int)code,
         s.size, s.fnv, s.largest, s.calls, s.paused, err);
  fetch_easy_cleanup(e);
  return 0;
}
