#ifndef LIBFETCH_OPTIONS_H
#define LIBFETCH_OPTIONS_H
/* Everything lives in <fetch/fetch.h>; this file exists for programs that
   include <fetch/options.h> directly. */
#include "fetch.h"
#endif
