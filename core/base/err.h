/*
 * err: error codes and the caller-owned error detail every fallible
 * function fills in. Functions return 0 on success or a negative CG_E*;
 * the human message goes to a struct cg_err the caller passes (may be NULL).
 */
#ifndef CG_BASE_ERR_H
#define CG_BASE_ERR_H

#include <stdarg.h>

enum {
  CG_OK = 0,
  CG_ENOMEM = -1,     /* allocation failed */
  CG_EINVAL = -2,     /* bad input or argument */
  CG_EIO = -3,        /* OS or file I/O failure */
  CG_ENOTFOUND = -4,  /* no such entity */
  CG_EEXIST = -5,     /* already exists / duplicate */
  CG_ERETRY = -6,     /* transient: try again later */
  CG_EPERM = -7,      /* permanent partner refusal */
  CG_ETIMEDOUT = -8,  /* deadline passed */
  CG_ERULE = -9,      /* a rule (Lua) failed */
  CG_EDB = -10,       /* store (SQLite) failure */
  CG_ESIG = -11,      /* signature missing or wrong */
  CG_ESTALE = -12,    /* signature timestamp outside the window */
  CG_ECANCELED = -13, /* operation cancelled (shutdown) */
  CG_ELIMIT = -14,    /* a configured limit was exceeded */
  CG_ECONFIG = -15,   /* configuration is invalid */
};

#define CG_ERR_MSG_MAX 512

struct cg_err {
  int code;
  char msg[CG_ERR_MSG_MAX];
};

/* Records code and a formatted message in err (if err is not NULL) and
 * returns code, so callers can write `return cg_err_set(err, ...)`. */
int cg_err_set(struct cg_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int cg_err_vset(struct cg_err *err, int code, const char *fmt, va_list ap);
/* Prefixes the existing message with a formatted context ("ctx: msg"). */
int cg_err_prefix(struct cg_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cg_err_clear(struct cg_err *err);
/* Constant name of a code, e.g. "CG_ERETRY". */
const char *cg_strerror(int code);

#endif
