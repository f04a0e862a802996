/* HTTP authentication through the C options: USERPWD, HTTPAUTH with
 * FETCHAUTH_* masks, XOAUTH2_BEARER, and INFO_HTTPAUTH_AVAIL, driven by
 * fetch_easy_perform.
 * Usage: http_auth URL MODE, MODE one of basic digest any anysafe bearer
 * ntlm. Prints "setopt=N code=N status=N avail=N body='...'". */
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

int main(int argc, char **argv)
{
  FETCH *e;
  FETCHcode set, code;
  unsigned long mask = FETCHAUTH_BASIC;
  long status = 0, avail = 0;
  struct body b;
  const char *mode;
  if(argc != 3)
    return 2;
  mode = argv[2];
  memset(&b, 0, sizeof(b));
  if(!strcmp(mode, "digest"))
    mask = FETCHAUTH_DIGEST;
  else if(!strcmp(mode, "any"))
    mask = FETCHAUTH_ANY;
  else if(!strcmp(mode, "anysafe"))
    mask = FETCHAUTH_ANYSAFE;
  else if(!strcmp(mode, "bearer"))
    mask = FETCHAUTH_BEARER;
  else if(!strcmp(mode, "ntlm"))
    mask = FETCHAUTH_NTLM;
  e = fetch_easy_init();
  if(!e)
    return 3;
  fetch_easy_setopt(e, FETCHOPT_URL, argv[1]);
  fetch_easy_setopt(e, FETCHOPT_USERPWD, "user:secret");
  fetch_easy_setopt(e, FETCHOPT_XOAUTH2_BEARER, "tok3n");
  fetch_easy_setopt(e, FETCHOPT_WRITEFUNCTION, sink);
  fetch_easy_setopt(e, FETCHOPT_WRITEDATA, &b);
  set = fetch_easy_setopt(e, FETCHOPT_HTTPAUTH, mask);
  code = fetch_easy_perform(e);
  fetch_easy_getinfo(e, FETCHINFO_RESPONSE_CODE, &status);
  fetch_easy_getinfo(e, FETCHINFO_HTTPAUTH_AVAIL, &avail);
  printf("setopt=%d code=%d status=%ld avail=%ld body='%s'\n", (int)set,
         (int)code, status, avail, b.data);
  fetch_easy_cleanup(e);
  return 0;
}
