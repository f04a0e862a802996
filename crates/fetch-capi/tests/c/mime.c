/* The mime and form APIs from C: argv[1] URL, argv[2] mode ("mime",
   "form" or "small"), argv[3] a file to attach. Prints "result=N" and
   facts the Rust side checks; run under valgrind (handles are freed by
   the program, parts by their mime). With -DUSE_CURL the "small" mode
   builds against upstream libcurl for a shape comparison. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef USE_CURL
#include <curl/curl.h>
#define FETCH CURL
#define FETCHcode CURLcode
#define fetch_mime curl_mime
#define fetch_mimepart curl_mimepart
#define fetch_easy_init curl_easy_init
#define fetch_easy_cleanup curl_easy_cleanup
#define fetch_easy_perform curl_easy_perform
#define fetch_easy_setopt curl_easy_setopt
#define fetch_mime_init curl_mime_init
#define fetch_mime_addpart curl_mime_addpart
#define fetch_mime_name curl_mime_name
#define fetch_mime_data curl_mime_data
#define fetch_mime_filedata curl_mime_filedata
#define fetch_mime_filename curl_mime_filename
#define fetch_mime_type curl_mime_type
#define fetch_mime_subparts curl_mime_subparts
#define fetch_mime_encoder curl_mime_encoder
#define fetch_mime_free curl_mime_free
#define FETCHOPT_URL CURLOPT_URL
#define FETCHOPT_WRITEFUNCTION CURLOPT_WRITEFUNCTION
#define FETCHOPT_MIMEPOST CURLOPT_MIMEPOST
#define FETCH_ZERO_TERMINATED CURL_ZERO_TERMINATED
#else
#include <fetch/fetch.h>
#endif

static size_t discard(char *p, size_t s, size_t n, void *u)
{
  (void)p;
  (void)u;
  return s * n;
}

/* The small form compared with upstream. */
static fetch_mime *small_form(FETCH *e, const char *file)
{
  fetch_mime *m = fetch_mime_init(e);
  fetch_mime *sub;
  fetch_mimepart *p = fetch_mime_addpart(m);
  fetch_mime_name(p, "field");
  fetch_mime_data(p, "value", FETCH_ZERO_TERMINATED);
  p = fetch_mime_addpart(m);
  fetch_mime_name(p, "upload");
  fetch_mime_filedata(p, file);
  p = fetch_mime_addpart(m);
  fetch_mime_name(p, "typed");
  fetch_mime_filename(p, "shown.bin");
  fetch_mime_type(p, "application/x-thing");
  fetch_mime_data(p, "ab\0cd", 5);
  sub = fetch_mime_init(e);
  fetch_mime_filename(fetch_mime_addpart(sub), "one.txt");
  fetch_mime_data(fetch_mime_addpart(sub), "two", FETCH_ZERO_TERMINATED);
  p = fetch_mime_addpart(m);
  fetch_mime_name(p, "nested");
  fetch_mime_subparts(p, sub);
  p = fetch_mime_addpart(m);
  fetch_mime_name(p, "b64");
  fetch_mime_data(p, "hello base64 world, long enough to need two lines of encoded output "
                     "at seventy-six columns each",
                  FETCH_ZERO_TERMINATED);
  fetch_mime_encoder(p, "base64");
  p = fetch_mime_addpart(m);
  fetch_mime_name(p, "qp");
  fetch_mime_data(p, "caf\xc3\xa9 = ok \r\nend", FETCH_ZERO_TERMINATED);
  fetch_mime_encoder(p, "quoted-printable");
  return m;
}

#ifndef USE_CURL
struct src {
  const char *data;
  size_t len, pos;
  int freed, seeks;
};

static size_t src_read(char *buf, size_t size, size_t n, void *arg)
{
  struct src *s = arg;
  size_t left = s->len - s->pos, want = size * n;
  if (want > left)
    want = left;
  if (want > 3)
    want = 3; /* small pieces */
  memcpy(buf, s->data + s->pos, want);
  s->pos += want;
  return want;
}

static int src_seek(void *arg, fetch_off_t offset, int origin)
{
  struct src *s = arg;
  if (origin != SEEK_SET || offset < 0 || (size_t)offset > s->len)
    return FETCH_SEEKFUNC_FAIL;
  s->pos = (size_t)offset;
  s->seeks++;
  return FETCH_SEEKFUNC_OK;
}

static void src_free(void *arg)
{
  ((struct src *)arg)->freed++;
}

static size_t stream_read(char *buf, size_t size, size_t n, void *arg)
{
  int *done = arg;
  (void)size;
  (void)n;
  if (*done)
    return 0;
  *done = 1;
  memcpy(buf, "streamed", 8);
  return 8;
}

static size_t collect(void *arg, const char *buf, size_t len)
{
  *(size_t *)arg += len;
  (void)buf;
  return len;
}

static int mime_mode(FETCH *e, const char *url, const char *file)
{
  struct src s = { "callback data", 13, 0, 0, 0 };
  fetch_mime *m = fetch_mime_init(e), *sub = fetch_mime_init(e), *other;
  fetch_mimepart *p = fetch_mime_addpart(m), *sp;
  struct fetch_slist *h = fetch_slist_append(NULL, "X-Owned: yes");
  FETCHcode rc;
  fetch_mime_name(p, "cb");
  fetch_mime_data_cb(p, 13, src_read, src_seek, src_free, &s);
  p = fetch_mime_addpart(m);
  fetch_mime_name(p, "file");
  fetch_mime_filedata(p, file);
  fetch_mime_headers(p, h, 1);
  p = fetch_mime_addpart(m);
  fetch_mime_name(p, "b64");
  fetch_mime_data(p, "hello world", FETCH_ZERO_TERMINATED);
  printf("encoder_base64=%d encoder_bad=%d\n", (int)fetch_mime_encoder(p, "base64"),
         (int)fetch_mime_encoder(p, "x-uuencode"));
  sp = fetch_mime_addpart(sub);
  fetch_mime_filename(sp, "inner.txt");
  fetch_mime_data(sp, "inner", FETCH_ZERO_TERMINATED);
  p = fetch_mime_addpart(m);
  fetch_mime_name(p, "sub");
  {
    /* In order: printf's arguments are evaluated in any order. */
    int attach = (int)fetch_mime_subparts(p, sub);
    int loop = (int)fetch_mime_subparts(sp, m);
    int twice = (int)fetch_mime_subparts(fetch_mime_addpart(m), sub);
    printf("subparts=%d loop=%d twice=%d\n", attach, loop, twice);
  }
  other = fetch_mime_init(e);
  fetch_mime_name(fetch_mime_addpart(other), "dropped");
  fetch_mime_free(other);
  printf("null_part=%d\n", (int)fetch_mime_name(NULL, "x"));
  fetch_easy_setopt(e, FETCHOPT_URL, url);
  fetch_easy_setopt(e, FETCHOPT_FOLLOWLOCATION, 1L);
  fetch_easy_setopt(e, FETCHOPT_MIMEPOST, m);
  rc = fetch_easy_perform(e);
  printf("result=%d seeks=%d\n", (int)rc, s.seeks);
  fetch_mime_free(m); /* frees sub too */
  printf("freed=%d\n", s.freed);
  return 0;
}

/* A data_cb part of unknown size (chunked) without a seek callback: a 307
   cannot resend it. */
static int noseek_mode(FETCH *e, const char *url)
{
  struct src s = { "no way back", 11, 0, 0, 0 };
  fetch_mime *m = fetch_mime_init(e);
  fetch_mimepart *p = fetch_mime_addpart(m);
  fetch_mime_name(p, "once");
  fetch_mime_data_cb(p, -1, src_read, NULL, NULL, &s);
  fetch_easy_setopt(e, FETCHOPT_URL, url);
  fetch_easy_setopt(e, FETCHOPT_FOLLOWLOCATION, 1L);
  fetch_easy_setopt(e, FETCHOPT_MIMEPOST, m);
  printf("result=%d\n", (int)fetch_easy_perform(e));
  fetch_mime_free(m);
  return 0;
}

static int form_mode(FETCH *e, const char *url, const char *file)
{
  struct fetch_httppost *post = NULL, *last = NULL;
  struct fetch_slist *h = fetch_slist_append(NULL, "X-Form: 1");
  struct fetch_forms arr[] = { { FETCHFORM_COPYNAME, "arr" },
                               { FETCHFORM_COPYCONTENTS, "from array" },
                               { FETCHFORM_END, NULL } };
  char bin[] = { 'b', 0, 'n' };
  int done = 0;
  size_t total = 0;
  FETCHcode rc;
  printf("add1=%d ",
         fetch_formadd(&post, &last, FETCHFORM_COPYNAME, "name", FETCHFORM_COPYCONTENTS,
                       "daniel", FETCHFORM_END));
  printf("add2=%d ", fetch_formadd(&post, &last, FETCHFORM_PTRNAME, "bin", FETCHFORM_PTRCONTENTS,
                                   bin, FETCHFORM_CONTENTSLENGTH, 3L, FETCHFORM_CONTENTHEADER, h,
                                   FETCHFORM_END));
  printf("add3=%d ", fetch_formadd(&post, &last, FETCHFORM_COPYNAME, "files", FETCHFORM_FILE, file,
                                   FETCHFORM_CONTENTTYPE, "text/x-one", FETCHFORM_FILE, file,
                                   FETCHFORM_FILENAME, "second.txt", FETCHFORM_END));
  printf("add4=%d ", fetch_formadd(&post, &last, FETCHFORM_COPYNAME, "content",
                                   FETCHFORM_FILECONTENT, file, FETCHFORM_END));
  printf("add5=%d ", fetch_formadd(&post, &last, FETCHFORM_COPYNAME, "buf", FETCHFORM_BUFFER,
                                   "buf.dat", FETCHFORM_BUFFERPTR, "xyz", FETCHFORM_BUFFERLENGTH,
                                   3L, FETCHFORM_END));
  printf("add6=%d ", fetch_formadd(&post, &last, FETCHFORM_ARRAY, arr, FETCHFORM_END));
  printf("add7=%d ", fetch_formadd(&post, &last, FETCHFORM_COPYNAME, "stream", FETCHFORM_STREAM,
                                   &done, FETCHFORM_CONTENTLEN, (fetch_off_t)8, FETCHFORM_END));
  printf("incomplete=%d ",
         fetch_formadd(&post, &last, FETCHFORM_COPYCONTENTS, "no name", FETCHFORM_END));
  printf("twice=%d\n", fetch_formadd(&post, &last, FETCHFORM_COPYNAME, "a", FETCHFORM_COPYNAME,
                                     "b", FETCHFORM_END));
  rc = (FETCHcode)fetch_formget(post, &total, collect);
  printf("formget=%d total=%zu\n", (int)rc, total);
  fetch_easy_setopt(e, FETCHOPT_URL, url);
  fetch_easy_setopt(e, FETCHOPT_READFUNCTION, stream_read);
  fetch_easy_setopt(e, FETCHOPT_READDATA, &done);
  fetch_easy_setopt(e, FETCHOPT_HTTPPOST, post);
  rc = fetch_easy_perform(e);
  printf("result=%d\n", (int)rc);
  fetch_formfree(post);
  fetch_slist_free_all(h);
  return 0;
}
#endif

int main(int argc, char **argv)
{
  FETCH *e;
  int rc = 0;
  if (argc < 4)
    return 2;
  e = fetch_easy_init();
  fetch_easy_setopt(e, FETCHOPT_WRITEFUNCTION, discard);
  if (!strcmp(argv[2], "small")) {
    /* argv[4]: how many times to send it (default once). */
    fetch_mime *m = small_form(e, argv[3]);
    int times = argc > 4 ? atoi(argv[4]) : 1;
    fetch_easy_setopt(e, FETCHOPT_URL, argv[1]);
    fetch_easy_setopt(e, FETCHOPT_MIMEPOST, m);
    while (times-- > 0)
      printf("result=%d\n", (int)fetch_easy_perform(e));
    fetch_mime_free(m);
  }
#ifndef USE_CURL
  else if (!strcmp(argv[2], "mime"))
    rc = mime_mode(e, argv[1], argv[3]);
  else if (!strcmp(argv[2], "noseek"))
    rc = noseek_mode(e, argv[1]);
  else
    rc = form_mode(e, argv[1], argv[3]);
#endif
  fetch_easy_cleanup(e);
  return rc;
}
