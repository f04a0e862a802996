#ifndef LIBFETCH_MPRINTF_H
#define LIBFETCH_MPRINTF_H
/*
 * <fetch/mprintf.h>: upstream's printf family under fetch names.
 *
 * These are variadic (or take a va_list), which a Rust library cannot
 * define, so they are inline functions over the C library's own printf
 * family: the formats are the C library's (upstream's own extensions, such
 * as its `%O`, `%S` or `%b` conversions, are not understood; print a
 * fetch_off_t with "%" FETCH_FORMAT_FETCH_OFF_T). fetch_maprintf and
 * fetch_mvaprintf return memory to release with fetch_free (or free);
 * they return NULL on failure.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "fetch.h"

#ifdef __cplusplus
extern "C" {
#endif

static inline int fetch_mvprintf(const char *format, va_list args)
{
  return vprintf(format, args);
}

static inline int fetch_mvfprintf(FILE *fd, const char *format, va_list args)
{
  return vfprintf(fd, format, args);
}

static inline int fetch_mvsprintf(char *buffer, const char *format, va_list args)
{
  return vsprintf(buffer, format, args);
}

static inline int fetch_mvsnprintf(char *buffer, size_t maxlength, const char *format,
                                   va_list args)
{
  return vsnprintf(buffer, maxlength, format, args);
}

static inline char *fetch_mvaprintf(const char *format, va_list args)
{
  va_list again;
  int n;
  char *out;
  va_copy(again, args);
  n = vsnprintf(NULL, 0, format, again);
  va_end(again);
  if (n < 0)
    return NULL;
  out = (char *)malloc((size_t)n + 1);
  if (out && vsnprintf(out, (size_t)n + 1, format, args) != n) {
    free(out);
    out = NULL;
  }
  return out;
}

static inline int fetch_mprintf(const char *format, ...)
{
  va_list args;
  int n;
  va_start(args, format);
  n = vprintf(format, args);
  va_end(args);
  return n;
}

static inline int fetch_mfprintf(FILE *fd, const char *format, ...)
{
  va_list args;
  int n;
  va_start(args, format);
  n = vfprintf(fd, format, args);
  va_end(args);
  return n;
}

static inline int fetch_msprintf(char *buffer, const char *format, ...)
{
  va_list args;
  int n;
  va_start(args, format);
  n = vsprintf(buffer, format, args);
  va_end(args);
  return n;
}

static inline int fetch_msnprintf(char *buffer, size_t maxlength, const char *format, ...)
{
  va_list args;
  int n;
  va_start(args, format);
  n = vsnprintf(buffer, maxlength, format, args);
  va_end(args);
  return n;
}

static inline char *fetch_maprintf(const char *format, ...)
{
  va_list args;
  char *out;
  va_start(args, format);
  out = fetch_mvaprintf(format, args);
  va_end(args);
  return out;
}

#ifdef __cplusplus
}
#endif

#endif /* LIBFETCH_MPRINTF_H */
