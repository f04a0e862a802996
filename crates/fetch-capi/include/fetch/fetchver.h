#ifndef LIBFETCH_FETCHVER_H
#define LIBFETCH_FETCHVER_H
/* Everything lives in <fetch/fetch.h>; this file exists for programs that
   include <fetch/fetchver.h> directly. */
#include "fetch.h"
#endif
