#ifndef LIBFETCH_WEBSOCKETS_H
#define LIBFETCH_WEBSOCKETS_H
/* Everything lives in <fetch/fetch.h>; this file exists for programs that
   include <fetch/websockets.h> directly. */
#include "fetch.h"
#endif
