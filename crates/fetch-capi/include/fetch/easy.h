#ifndef LIBFETCH_EASY_H
#define LIBFETCH_EASY_H
/* Everything lives in <fetch/fetch.h>; this file exists for programs that
   include <fetch/easy.h> directly. */
#include "fetch.h"
#endif
