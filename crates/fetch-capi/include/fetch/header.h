#ifndef LIBFETCH_HEADER_H
#define LIBFETCH_HEADER_H
/* Everything lives in <fetch/fetch.h>; this file exists for programs that
   include <fetch/header.h> directly. */
#include "fetch.h"
#endif
