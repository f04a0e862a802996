#ifndef LIBFETCH_SYSTEM_H
#define LIBFETCH_SYSTEM_H
/* Everything lives in <fetch/fetch.h>; this file exists for programs that
   include <fetch/system.h> directly. */
#include "fetch.h"
#endif
