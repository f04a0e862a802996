/* The classic loop: fetch_multi_perform + fetch_multi_poll, no callbacks
 * but the write callback. Also checks fetch_multi_wakeup and easy
 * getinfo after the transfer. Usage: perform_poll URL... */
#include <fetch/fetch.h>
#include <stdio.h>
#include <string.h>

static size_t sink(char *ptr, size_t size, size_t nmemb, void *userdata)
{
  size_t *total = userdata;
  (void)ptr;
  *total += size * nmemb;
  return size * nmemb;
}

int main(int argc, char **argv)
{
  FETCHM *multi = fetch_multi_init();
  size_t totals[64];
  int running = 0, failed = 0, i;
  FETCHMsg *msg;
  int left;

  if(argc - 1 > 64)
    return 2;
  memset(totals, 0, sizeof(totals));
  for(i = 1; i < argc; i++) {
    FETCH *e = fetch_easy_init();
    fetch_easy_setopt(e, FETCHOPT_URL, argv[i]);
    fetch_easy_setopt(e, FETCHOPT_WRITEFUNCTION, sink);
    fetch_easy_setopt(e, FETCHOPT_WRITEDATA, &totals[i - 1]);
    fetch_easy_setopt(e, FETCHOPT_PRIVATE, &totals[i - 1]);
    fetch_multi_add_handle(multi, e);
  }
  /* a wakeup made before poll makes it return at once (FD-11) */
  if(fetch_multi_wakeup(multi) != FETCHM_OK)
    return 2;
  do {
    FETCHMcode mc = fetch_multi_perform(multi, &running);
    if(!mc && running)
      mc = fetch_multi_poll(multi, NULL, 0, 1000, NULL);
    if(mc) {
      fprintf(stderr, "multi: %s\n", fetch_multi_strerror(mc));
      return 2;
    }
  } while(running);

  while((msg = fetch_multi_info_read(multi, &left))) {
    FETCH *e = msg->easy_handle;
    long status = 0;
    fetch_off_t down = 0;
    char *url = NULL;
    size_t *total = NULL;
    fetch_easy_getinfo(e, FETCHINFO_RESPONSE_CODE, &status);
    fetch_easy_getinfo(e, FETCHINFO_SIZE_DOWNLOAD_T, &down);
    fetch_easy_getinfo(e, FETCHINFO_EFFECTIVE_URL, &url);
    fetch_easy_getinfo(e, FETCHINFO_PRIVATE, &total);
    printf("%s result=%d status=%ld size=%" FETCH_FORMAT_FETCH_OFF_T " got=%zu\n",
           url, (int)msg->data.result, status, down, *total);
    if(msg->data.result != FETCHE_OK || (size_t)down != *total)
      failed++;
    fetch_multi_remove_handle(multi, e);
    fetch_easy_cleanup(e);
  }
  fetch_multi_cleanup(multi);
  return failed ? 1 : 0;
}
