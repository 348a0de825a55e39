/*
 * buf: a growable byte buffer, always NUL-terminated for convenience.
 */
#ifndef CG_BASE_BUF_H
#define CG_BASE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct cg_buf {
  char *data; /* NULL until the first append; NUL-terminated after */
  size_t len;
  size_t cap;
};

#define CG_BUF_INIT                                                            \
  {                                                                            \
    NULL, 0, 0                                                                 \
  }

/* Each returns 0 or CG_ENOMEM (the buffer is unchanged on failure). */
int cg_buf_reserve(struct cg_buf *b, size_t extra);
int cg_buf_append(struct cg_buf *b, const void *data, size_t len);
int cg_buf_puts(struct cg_buf *b, const char *s);
int cg_buf_printf(struct cg_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int cg_buf_vprintf(struct cg_buf *b, const char *fmt, va_list ap);
/* Drops the first n bytes. */
void cg_buf_consume(struct cg_buf *b, size_t n);
void cg_buf_reset(struct cg_buf *b);
/* Frees the storage; the buffer is reusable (empty) afterwards. */
void cg_buf_free(struct cg_buf *b);
/* Hands the storage to the caller (cg_free) and empties the buffer. Returns
 * "" copied if nothing was appended; NULL only on allocation failure. */
char *cg_buf_steal(struct cg_buf *b);

#endif
