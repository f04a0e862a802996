#ifndef LIBFETCH_URLAPI_H
#define LIBFETCH_URLAPI_H
/* Everything lives in <fetch/fetch.h>; this file exists for programs that
   include <fetch/urlapi.h> directly. */
#include "fetch.h"
#endif
