/* A failed name lookup through fetch_easy_perform, then exit: run under
 * valgrind by tests/c_examples.rs, which expects no leak, no error, and no
 * library thread left running once the handle is cleaned up (a thread
 * still running at exit is what leaked). The URL comes from argv so the
 * test decides what cannot resolve. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <fetch/fetch.h>
#include <stdio.h>

/* Threads of this process, from /proc/self/task; -1 if unreadable. */
static int thread_count(void) {
  DIR *d = opendir("/proc/self/task");
  if (!d) {
    return -1;
  }
  int n = 0;
  struct dirent *ent;
  while ((ent = readdir(d)) != NULL) {
    if (ent->d_name[0] != '.') {
      n++;
    }
  }
  closedir(d);
  return n;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s URL\n", argv[0]);
    return 2;
  }
  fetch_global_init(FETCH_GLOBAL_ALL);
  FETCH *e = fetch_easy_init();
  if (!e) {
    return 1;
  }
  fetch_easy_setopt(e, FETCHOPT_URL, argv[1]);
  FETCHcode rc = fetch_easy_perform(e);
  printf("result=%d (%s)\n", (int)rc, fetch_easy_strerror(rc));
  fetch_easy_cleanup(e);
  fetch_global_cleanup();
  printf("threads_at_exit=%d\n", thread_count());
  return rc == FETCHE_COULDNT_RESOLVE_HOST ? 0 : 1;
}
