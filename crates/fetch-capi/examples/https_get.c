/* An HTTPS GET with fetch_easy_perform, trusting the CA bundle given on
 * the command line, then the timing information. Usage:
 *   https_get [-k] CAFILE URL
 * -k turns SSL_VERIFYPEER off. Prints the result, and exits 0 when the
 * transfer succeeded with status 200 and the timings are in order. */
#include <fetch/fetch.h>
#include <stdio.h>
#include <string.h>

static size_t count_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
  size_t *bytes = userdata;
  (void)ptr;
  *bytes += size * nmemb;
  return size * nmemb;
}

int main(int argc, char **argv)
{
  static const FETCHINFO order[] = {
    FETCHINFO_NAMELOOKUP_TIME_T, FETCHINFO_CONNECT_TIME_T,
    FETCHINFO_APPCONNECT_TIME_T, FETCHINFO_PRETRANSFER_TIME_T,
    FETCHINFO_STARTTRANSFER_TIME_T, FETCHINFO_TOTAL_TIME_T
  };
  char errbuf[FETCH_ERROR_SIZE];
  fetch_off_t t[6];
  size_t bytes = 0;
  long status = 0, verify = -1;
  int insecure = 0, first = 1, ordered = 1;
  unsigned i;
  FETCH *easy;
  FETCHcode rc;

  if(argc > 1 && !strcmp(argv[1], "-k")) {
    insecure = 1;
    first = 2;
  }
  if(argc != first + 2) {
    fprintf(stderr, "usage: https_get [-k] CAFILE URL\n");
    return 2;
  }
  fetch_global_init(FETCH_GLOBAL_DEFAULT);
  easy = fetch_easy_init();
  errbuf[0] = 0;
  fetch_easy_setopt(easy, FETCHOPT_URL, argv[first + 1]);
  fetch_easy_setopt(easy, FETCHOPT_CAINFO, argv[first]);
  fetch_easy_setopt(easy, FETCHOPT_SSL_VERIFYHOST, 2L);
  fetch_easy_setopt(easy, FETCHOPT_SSL_VERIFYPEER, insecure ? 0L : 1L);
  fetch_easy_setopt(easy, FETCHOPT_SSLVERSION, FETCH_SSLVERSION_TLSv1_2);
  fetch_easy_setopt(easy, FETCHOPT_WRITEFUNCTION, count_cb);
  fetch_easy_setopt(easy, FETCHOPT_WRITEDATA, &bytes);
  fetch_easy_setopt(easy, FETCHOPT_ERRORBUFFER, errbuf);
  rc = fetch_easy_perform(easy);
  fetch_easy_getinfo(easy, FETCHINFO_RESPONSE_CODE, &status);
  fetch_easy_getinfo(easy, FETCHINFO_SSL_VERIFYRESULT, &verify);
  for(i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
    fetch_easy_getinfo(easy, order[i], &t[i]);
    if(i && t[i] < t[i - 1])
      ordered = 0;
  }
  printf("result=%d (%s) status=%ld bytes=%zu verifyresult=%ld\n", (int)rc,
         fetch_easy_strerror(rc), status, bytes, verify);
  if(rc != FETCHE_OK)
    printf("error: %s\n", errbuf);
  printf("us: namelookup=%" FETCH_FORMAT_FETCH_OFF_T
         " connect=%" FETCH_FORMAT_FETCH_OFF_T
         " appconnect=%" FETCH_FORMAT_FETCH_OFF_T
         " pretransfer=%" FETCH_FORMAT_FETCH_OFF_T
         " starttransfer=%" FETCH_FORMAT_FETCH_OFF_T
         " total=%" FETCH_FORMAT_FETCH_OFF_T " ordered=%d\n",
         t[0], t[1], t[2], t[3], t[4], t[5], ordered);
  fetch_easy_cleanup(easy);
  fetch_global_cleanup();
  return rc == FETCHE_OK && status == 200 && ordered ? 0 : 1;
}
