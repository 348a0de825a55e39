/*
 * buf: see buf.h.
 */
#include "base/buf.h"

#include "base/err.h"
#include "base/mem.h"

#include <stdio.h>
#include <string.h>

int cg_buf_reserve(struct cg_buf *b, size_t extra)
{
  size_t need = b->len + extra + 1;
  if (need <= b->cap)
    return 0;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < need)
    cap *= 2;
  char *p = cg_realloc(b->data, cap);
  if (p == NULL)
    return CG_ENOMEM;
  b->data = p;
  b->cap = cap;
  return 0;
}

int cg_buf_append(struct cg_buf *b, const void *data, size_t len)
{
  if (cg_buf_reserve(b, len) != 0)
    return CG_ENOMEM;
  if (len > 0)
    memcpy(b->data + b->len, data, len);
  b->len += len;
  b->data[b->len] = '\0';
  return 0;
}

int cg_buf_puts(struct cg_buf *b, const char *s)
{
  return cg_buf_append(b, s, strlen(s));
}

int cg_buf_vprintf(struct cg_buf *b, const char *fmt, va_list ap)
{
  va_list copy;
  va_copy(copy, ap);
  int n = vsnprintf(NULL, 0, fmt, copy);
  va_end(copy);
  if (n < 0)
    return CG_EINVAL;
  if (cg_buf_reserve(b, (size_t)n) != 0)
    return CG_ENOMEM;
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  b->len += (size_t)n;
  return 0;
}

int cg_buf_printf(struct cg_buf *b, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int rc = cg_buf_vprintf(b, fmt, ap);
  va_end(ap);
  return rc;
}

void cg_buf_consume(struct cg_buf *b, size_t n)
{
  if (n >= b->len) {
    cg_buf_reset(b);
    return;
  }
  memmove(b->data, b->data + n, b->len - n);
  b->len -= n;
  b->data[b->len] = '\0';
}

void cg_buf_reset(struct cg_buf *b)
{
  b->len = 0;
  if (b->data != NULL)
    b->data[0] = '\0';
}

void cg_buf_free(struct cg_buf *b)
{
  cg_free(b->data);
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
}

char *cg_buf_steal(struct cg_buf *b)
{
  char *p = b->data ? b->data : cg_strdup("");
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
  return p;
}
