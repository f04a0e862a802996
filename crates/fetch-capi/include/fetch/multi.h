#ifndef LIBFETCH_MULTI_H
#define LIBFETCH_MULTI_H
/* Everything lives in <fetch/fetch.h>; this file exists for programs that
   include <fetch/multi.h> directly. */
#include "fetch.h"
#endif
