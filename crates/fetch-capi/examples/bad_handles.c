/* Robustness at the boundary: NULL, freed and foreign handles, double
 * adds, removal through the wrong multi, error strings. Prints every
 * check; exits 0 when all hold.
 *
 * Freed and foreign pointers are recognised by the library's registry of
 * live handles, without reading the memory they point to, so this program
 * runs clean under valgrind. It creates no handle after freeing `freed`
 * and `mfreed`: a new handle could get a freed one's address, and the
 * stale pointer would then name it (see ABI.md). */
#include <fetch/fetch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(expr, want)                                                  \
  do {                                                                     \
    long got_ = (long)(expr);                                              \
    if(got_ != (long)(want)) {                                             \
      printf("FAIL %s = %ld, want %ld\n", #expr, got_, (long)(want));      \
      failures++;                                                          \
    }                                                                      \
    else                                                                   \
      printf("ok   %s = %ld\n", #expr, got_);                              \
  } while(0)

int main(void)
{
  FETCHM *m1 = fetch_multi_init();
  FETCHM *m2 = fetch_multi_init();
  FETCH *e = fetch_easy_init();
  FETCH *freed = fetch_easy_init();
  FETCHM *mfreed = fetch_multi_init();
  long foreign[8] = {0};
  int running = -5, left = -5;
  long ms = 0;
  int maxfd = 7;
  unsigned int count = 9;
  int i;

  fetch_easy_cleanup(freed);
  CHECK(fetch_multi_cleanup(mfreed), FETCHM_OK);

  /* ERR-04: NULL multi gives 1 everywhere */
  CHECK(fetch_multi_cleanup(NULL), FETCHM_BAD_HANDLE);
  CHECK(fetch_multi_add_handle(NULL, e), FETCHM_BAD_HANDLE);
  CHECK(fetch_multi_remove_handle(NULL, e), FETCHM_BAD_HANDLE);
  CHECK(fetch_multi_setopt(NULL, FETCHMOPT_MAXCONNECTS, 1L), FETCHM_BAD_HANDLE);
  CHECK(fetch_multi_socket_action(NULL, FETCH_SOCKET_TIMEOUT, 0, &running), FETCHM_BAD_HANDLE);
  CHECK(fetch_multi_socket(NULL, FETCH_SOCKET_TIMEOUT, &running), FETCHM_BAD_HANDLE);
  CHECK(fetch_multi_socket_all(NULL, &running), FETCHM_BAD_HANDLE);
  CHECK(fetch_multi_perform(NULL, &running), FETCHM_BAD_HANDLE);
  CHECK(fetch_multi_assign(NULL, 3, NULL), FETCHM_BAD_HANDLE);
  CHECK(fetch_multi_timeout(NULL, &ms), FETCHM_BAD_HANDLE);
  CHECK(fetch_multi_fdset(NULL, NULL, NULL, NULL, &maxfd), FETCHM_BAD_HANDLE);
  CHECK(fetch_multi_waitfds(NULL, NULL, 0, &count), FETCHM_BAD_HANDLE);
  CHECK(fetch_multi_wait(NULL, NULL, 0, 0, NULL), FETCHM_BAD_HANDLE);
  CHECK(fetch_multi_poll(NULL, NULL, 0, 0, NULL), FETCHM_BAD_HANDLE);
  CHECK(fetch_multi_wakeup(NULL), FETCHM_BAD_HANDLE);
  CHECK(fetch_multi_info_read(NULL, &left) == NULL, 1);
  CHECK(left, 0);
  CHECK(fetch_multi_get_handles(NULL) == NULL, 1);

  /* freed and foreign multi handles, in every multi function */
  {
    FETCHM *bad[2];
    int k;
    bad[0] = mfreed;
    bad[1] = (FETCHM *)foreign;
    for(k = 0; k < 2; k++) {
      FETCHM *b = bad[k];
      CHECK(fetch_multi_add_handle(b, e), FETCHM_BAD_HANDLE);
      CHECK(fetch_multi_remove_handle(b, e), FETCHM_BAD_HANDLE);
      CHECK(fetch_multi_setopt(b, FETCHMOPT_MAXCONNECTS, 1L), FETCHM_BAD_HANDLE);
      CHECK(fetch_multi_socket_action(b, FETCH_SOCKET_TIMEOUT, 0, &running), FETCHM_BAD_HANDLE);
      CHECK(fetch_multi_socket(b, FETCH_SOCKET_TIMEOUT, &running), FETCHM_BAD_HANDLE);
      CHECK(fetch_multi_socket_all(b, &running), FETCHM_BAD_HANDLE);
      CHECK(fetch_multi_perform(b, &running), FETCHM_BAD_HANDLE);
      CHECK(fetch_multi_assign(b, 3, NULL), FETCHM_BAD_HANDLE);
      CHECK(fetch_multi_timeout(b, &ms), FETCHM_BAD_HANDLE);
      CHECK(fetch_multi_fdset(b, NULL, NULL, NULL, &maxfd), FETCHM_BAD_HANDLE);
      CHECK(fetch_multi_waitfds(b, NULL, 0, &count), FETCHM_BAD_HANDLE);
      CHECK(fetch_multi_wait(b, NULL, 0, 0, NULL), FETCHM_BAD_HANDLE);
      CHECK(fetch_multi_poll(b, NULL, 0, 0, NULL), FETCHM_BAD_HANDLE);
      CHECK(fetch_multi_wakeup(b), FETCHM_BAD_HANDLE);
      CHECK(fetch_multi_info_read(b, &left) == NULL, 1);
      CHECK(fetch_multi_get_handles(b) == NULL, 1);
      CHECK(fetch_multi_cleanup(b), FETCHM_BAD_HANDLE);
    }
  }
  /* an easy handle is not a multi handle, nor the other way round */
  CHECK(fetch_multi_perform((FETCHM *)e, &running), FETCHM_BAD_HANDLE);
  CHECK(fetch_easy_setopt((FETCH *)m1, FETCHOPT_VERBOSE, 1L), FETCHE_BAD_FUNCTION_ARGUMENT);

  /* bad easy handles */
  CHECK(fetch_multi_add_handle(m1, NULL), FETCHM_BAD_EASY_HANDLE);
  CHECK(fetch_multi_add_handle(m1, freed), FETCHM_BAD_EASY_HANDLE);
  CHECK(fetch_multi_add_handle(m1, foreign), FETCHM_BAD_EASY_HANDLE);
  CHECK(fetch_multi_remove_handle(m1, NULL), FETCHM_BAD_EASY_HANDLE);
  CHECK(fetch_easy_setopt(NULL, FETCHOPT_URL, "http://x/"), FETCHE_BAD_FUNCTION_ARGUMENT);
  CHECK(fetch_easy_perform(NULL), FETCHE_BAD_FUNCTION_ARGUMENT);
  CHECK(fetch_easy_duphandle(NULL) == NULL, 1);
  {
    FETCH *bad[2];
    int k;
    bad[0] = freed;
    bad[1] = (FETCH *)foreign;
    for(k = 0; k < 2; k++) {
      FETCH *b = bad[k];
      CHECK(fetch_easy_setopt(b, FETCHOPT_VERBOSE, 1L), FETCHE_BAD_FUNCTION_ARGUMENT);
      CHECK(fetch_easy_setopt(b, FETCHOPT_URL, "http://x/"), FETCHE_BAD_FUNCTION_ARGUMENT);
      CHECK(fetch_easy_getinfo(b, FETCHINFO_RESPONSE_CODE, &ms), FETCHE_BAD_FUNCTION_ARGUMENT);
      CHECK(fetch_easy_perform(b), FETCHE_BAD_FUNCTION_ARGUMENT);
      CHECK(fetch_easy_pause(b, FETCHPAUSE_CONT), FETCHE_BAD_FUNCTION_ARGUMENT);
      CHECK(fetch_easy_duphandle(b) == NULL, 1);
      fetch_easy_reset(b);
      fetch_easy_cleanup(b); /* double free / foreign free: ignored */
    }
  }
  fetch_easy_cleanup(NULL);
  fetch_easy_reset(NULL);

  /* HM-03 / HM-08 */
  fetch_easy_setopt(e, FETCHOPT_URL, "http://127.0.0.1:9/");
  CHECK(fetch_multi_remove_handle(m1, e), FETCHM_OK);
  CHECK(fetch_multi_add_handle(m1, e), FETCHM_OK);
  CHECK(fetch_multi_add_handle(m1, e), FETCHM_ADDED_ALREADY);
  CHECK(fetch_multi_add_handle(m2, e), FETCHM_ADDED_ALREADY);
  CHECK(fetch_multi_remove_handle(m2, e), FETCHM_BAD_EASY_HANDLE);
  CHECK(fetch_easy_perform(e), FETCHE_FAILED_INIT);
  {
    FETCH **list = fetch_multi_get_handles(m1);
    CHECK(list != NULL && list[0] == e && list[1] == NULL, 1);
    fetch_free(list);
  }
  CHECK(fetch_multi_remove_handle(m1, e), FETCHM_OK);
  CHECK(fetch_multi_remove_handle(m1, e), FETCHM_OK);

  /* options */
  CHECK(fetch_easy_setopt(e, (FETCHoption)99999, 1L), FETCHE_UNKNOWN_OPTION);
  CHECK(fetch_easy_setopt(e, (FETCHoption)10999, "x"), FETCHE_UNKNOWN_OPTION);
  CHECK(fetch_multi_setopt(m1, (FETCHMoption)99, 1L), FETCHM_UNKNOWN_OPTION);
  CHECK(fetch_multi_setopt(m1, FETCHMOPT_LASTENTRY, 1L), FETCHM_UNKNOWN_OPTION);
  CHECK(fetch_multi_setopt(m1, FETCHMOPT_MAX_PIPELINE_LENGTH, 5L), FETCHM_OK);
  CHECK(fetch_multi_setopt(m1, FETCHMOPT_MAX_TOTAL_CONNECTIONS, -1L), FETCHM_BAD_FUNCTION_ARGUMENT);
  CHECK(fetch_easy_getinfo(e, (FETCHINFO)(FETCHINFO_LONG + 999), &ms), FETCHE_UNKNOWN_OPTION);

  /* empty multi */
  CHECK(fetch_multi_timeout(m1, &ms), FETCHM_OK);
  CHECK(ms, -1);
  {
    fd_set r, w, x;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_ZERO(&x);
    FD_SET(0, &r);
    CHECK(fetch_multi_fdset(m1, &r, &w, &x, &maxfd), FETCHM_OK);
    CHECK(maxfd, -1);
    CHECK(FD_ISSET(0, &r) != 0, 1); /* FD-01 */
  }
  CHECK(fetch_multi_waitfds(m1, NULL, 0, &count), FETCHM_OK);
  CHECK(count, 0);
  CHECK(fetch_multi_waitfds(m1, NULL, 1, &count), FETCHM_BAD_FUNCTION_ARGUMENT);
  CHECK(fetch_multi_poll(m1, NULL, 0, -1, NULL), FETCHM_BAD_FUNCTION_ARGUMENT);
  CHECK(fetch_multi_wait(m1, NULL, 0, -1, NULL), FETCHM_BAD_FUNCTION_ARGUMENT);
  CHECK(fetch_multi_assign(m1, 0, NULL), FETCHM_BAD_SOCKET);
  CHECK(fetch_multi_socket_action(m1, 12345, 0, &running), FETCHM_OK);
  CHECK(running, 0);

  /* ERR-03: strerror never NULL, defined codes distinct, others equal */
  for(i = -1; i <= 20; i++)
    if(!fetch_multi_strerror((FETCHMcode)i))
      failures++;
  for(i = 0; i <= 12; i++) {
    int j;
    for(j = i + 1; j <= 12; j++)
      if(!strcmp(fetch_multi_strerror((FETCHMcode)i), fetch_multi_strerror((FETCHMcode)j))) {
        printf("FAIL multi strerror %d == %d\n", i, j);
        failures++;
      }
  }
  CHECK(strcmp(fetch_multi_strerror(FETCHM_LAST), fetch_multi_strerror((FETCHMcode)20)), 0);
  printf("strerror(FETCHM_ADDED_ALREADY) = %s\n", fetch_multi_strerror(FETCHM_ADDED_ALREADY));
  printf("strerror(FETCHE_COULDNT_CONNECT) = %s\n", fetch_easy_strerror(FETCHE_COULDNT_CONNECT));
  CHECK(fetch_easy_strerror((FETCHcode)-3) != NULL, 1);
  CHECK(fetch_easy_strerror(FETCHE_LAST) != NULL, 1);
  printf("version %s\n", fetch_version());

  fetch_easy_cleanup(e);
  CHECK(fetch_multi_cleanup(m1), FETCHM_OK);
  CHECK(fetch_multi_cleanup(m2), FETCHM_OK);
  CHECK(fetch_multi_cleanup(m2), FETCHM_BAD_HANDLE);
  printf("%s\n", failures ? "FAILED" : "ALL OK");
  return failures ? 1 : 0;
}
