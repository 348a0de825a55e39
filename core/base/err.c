/*
 * err: error detail helpers (see err.h).
 */
#include "base/err.h"

#include <stdio.h>
#include <string.h>

int cg_err_vset(struct cg_err *err, int code, const char *fmt, va_list ap)
{
  if (err != NULL) {
    err->code = code;
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
  }
  return code;
}

int cg_err_set(struct cg_err *err, int code, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  cg_err_vset(err, code, fmt, ap);
  va_end(ap);
  return code;
}

int cg_err_prefix(struct cg_err *err, const char *fmt, ...)
{
  if (err == NULL)
    return CG_EINVAL;
  char prefix[CG_ERR_MSG_MAX];
  char old[CG_ERR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof(prefix), fmt, ap);
  va_end(ap);
  memcpy(old, err->msg, sizeof(old));
  snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old);
  return err->code;
}

void cg_err_clear(struct cg_err *err)
{
  if (err != NULL) {
    err->code = 0;
    err->msg[0] = '\0';
  }
}

const char *cg_strerror(int code)
{
  static const char *const names[] = {
      "CG_OK",        "CG_ENOMEM",    "CG_EINVAL", "CG_EIO",
      "CG_ENOTFOUND", "CG_EEXIST",    "CG_ERETRY", "CG_EPERM",
      "CG_ETIMEDOUT", "CG_ERULE",     "CG_EDB",    "CG_ESIG",
      "CG_ESTALE",    "CG_ECANCELED", "CG_ELIMIT", "CG_ECONFIG",
  };
  int idx = -code;
  if (idx < 0 || idx >= (int)(sizeof(names) / sizeof(names[0])))
    return "CG_EUNKNOWN";
  return names[idx];
}
