/*
 * mem: allocation wrappers with failure injection (see mem.h).
 */
#include "base/mem.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

static long fail_countdown = -1;

static int should_fail(void)
{
  if (fail_countdown < 0)
    return 0;
  if (fail_countdown == 0)
    return 1;
  fail_countdown--;
  return 0;
}

void cg_mem_fail_after(long n)
{
  fail_countdown = n;
}

void *cg_malloc(size_t size)
{
  return should_fail() ? NULL : malloc(size ? size : 1);
}

void *cg_calloc(size_t n, size_t size)
{
  return should_fail() ? NULL : calloc(n ? n : 1, size ? size : 1);
}

void *cg_realloc(void *ptr, size_t size)
{
  return should_fail() ? NULL : realloc(ptr, size ? size : 1);
}

void cg_free(void *ptr)
{
  free(ptr);
}

char *cg_strndup(const char *s, size_t n)
{
  if (s == NULL)
    return NULL;
  char *p = cg_malloc(n + 1);
  if (p == NULL)
    return NULL;
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

char *cg_strdup(const char *s)
{
  return s ? cg_strndup(s, strlen(s)) : NULL;
}

void cg_mem_init(void)
{
  cJSON_Hooks hooks = {.malloc_fn = cg_malloc, .free_fn = cg_free};
  cJSON_InitHooks(&hooks);
}
