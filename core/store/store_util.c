/*
 * store_util: the bind/step/check/reset discipline shared by every store
 * module (see store_int.h). Each helper checks the SQLite return code it
 * gets and turns failures into CG_EDB with SQLite's message in cg_err.
 */
#include "store/store_int.h"

#include "base/err.h"
#include "base/log.h"
#include "base/mem.h"

#include <stdarg.h>
#include <string.h>

int cg__store_dberr(sqlite3 *db, int rc, const char *what, struct cg_err *err)
{
  const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return cg_err_set(err, CG_EDB, "%s: %s (sqlite code %d)", what, msg, rc);
}

void cg__store_done(sqlite3_stmt *st)
{
  /* sqlite3_reset() repeats the error of the last step, which the caller
   * has already handled, and clear_bindings() always succeeds; neither
   * result carries new information. */
  (void)sqlite3_reset(st);
  (void)sqlite3_clear_bindings(st);
}

static int bind_one(sqlite3_stmt *st, int idx, char f, va_list *ap)
{
  switch (f) {
  case 's': {
    const char *v = va_arg(*ap, const char *);
    return v ? sqlite3_bind_text(st, idx, v, -1, SQLITE_STATIC)
             : sqlite3_bind_null(st, idx);
  }
  case 'I':
    return sqlite3_bind_int64(st, idx, va_arg(*ap, int64_t));
  case 'i':
    return sqlite3_bind_int(st, idx, va_arg(*ap, int));
  case 'n':
    return sqlite3_bind_null(st, idx);
  default:
    return SQLITE_MISUSE;
  }
}

int cg__store_bind(struct cg_store *s, sqlite3_stmt *st, struct cg_err *err,
                   const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int rc = SQLITE_OK;
  int idx = 1;
  for (const char *f = fmt; *f != '\0' && rc == SQLITE_OK; f++, idx++)
    rc = bind_one(st, idx, *f, &ap);
  va_end(ap);
  if (rc == SQLITE_OK)
    return 0;
  cg__store_done(st);
  if (rc == SQLITE_MISUSE)
    return cg_err_set(err, CG_EINVAL, "store: bad bind format '%s'", fmt);
  return cg__store_dberr(s->db, rc, "store: bind", err);
}

int cg__store_exec(struct cg_store *s, sqlite3_stmt *st, const char *what,
                   struct cg_err *err)
{
  int rc;
  do {
    rc = sqlite3_step(st);
  } while (rc == SQLITE_ROW);
  int ret = rc == SQLITE_DONE ? 0 : cg__store_dberr(s->db, rc, what, err);
  cg__store_done(st);
  return ret;
}

int cg__store_step_row(struct cg_store *s, sqlite3_stmt *st, const char *what,
                       struct cg_err *err)
{
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    return 0;
  int ret = rc == SQLITE_DONE
                ? cg_err_set(err, CG_ENOTFOUND, "%s: not found", what)
                : cg__store_dberr(s->db, rc, what, err);
  cg__store_done(st);
  return ret;
}

int cg__store_col_text(sqlite3_stmt *st, int col, char **out)
{
  *out = NULL;
  const unsigned char *v = sqlite3_column_text(st, col);
  if (v == NULL)
    return sqlite3_column_type(st, col) == SQLITE_NULL ? 0 : CG_ENOMEM;
  size_t len = (size_t)sqlite3_column_bytes(st, col);
  *out = cg_strndup((const char *)v, len);
  return *out ? 0 : CG_ENOMEM;
}

int cg__store_grow(void **items, size_t *cap, size_t n, size_t elem)
{
  if (n < *cap)
    return 0;
  size_t ncap = *cap ? *cap * 2 : 8;
  void *p = cg_realloc(*items, ncap * elem);
  if (p == NULL)
    return CG_ENOMEM;
  *items = p;
  *cap = ncap;
  return 0;
}

static void rows_free(void *items, size_t n, size_t elem,
                      cg__store_clear_fn clear)
{
  for (size_t i = 0; i < n; i++)
    clear((char *)items + i * elem);
  cg_free(items);
}

int cg__store_rows(struct cg_store *s, sqlite3_stmt *st, size_t elem_size,
                   cg__store_read_fn read, cg__store_clear_fn clear,
                   void **items, size_t *n, const char *what,
                   struct cg_err *err)
{
  void *buf = NULL;
  size_t cap = 0, count = 0;
  int ret = 0, rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (cg__store_grow(&buf, &cap, count, elem_size) != 0)
      goto nomem;
    void *row = (char *)buf + count * elem_size;
    memset(row, 0, elem_size);
    count++;
    if (read(st, row) != 0)
      goto nomem;
  }
  if (rc != SQLITE_DONE) {
    ret = cg__store_dberr(s->db, rc, what, err);
    goto fail;
  }
  cg__store_done(st);
  *items = buf;
  *n = count;
  return 0;
nomem:
  ret = cg_err_set(err, CG_ENOMEM, "%s: out of memory", what);
fail:
  cg__store_done(st);
  rows_free(buf, count, elem_size, clear);
  *items = NULL;
  *n = 0;
  return ret;
}

int cg__store_count_by_name(struct cg_store *s, sqlite3_stmt *st,
                            const char *const *names, size_t n, int64_t *counts,
                            const char *what, struct cg_err *err)
{
  for (size_t i = 0; i < n; i++)
    counts[i] = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *name = (const char *)sqlite3_column_text(st, 0);
    for (size_t i = 0; name != NULL && i < n; i++)
      if (strcmp(name, names[i]) == 0)
        counts[i] = sqlite3_column_int64(st, 1);
  }
  int ret = rc == SQLITE_DONE ? 0 : cg__store_dberr(s->db, rc, what, err);
  cg__store_done(st);
  return ret;
}

int cg__store_sp_begin(struct cg_store *s, struct cg_err *err)
{
  return cg__store_exec(s, s->st[CG__ST_SAVEPOINT], "store: savepoint", err);
}

int cg__store_sp_end(struct cg_store *s, bool ok, struct cg_err *err)
{
  if (ok)
    return cg__store_exec(s, s->st[CG__ST_RELEASE], "store: release", err);
  /* Keep the caller's error in err: a failing rollback is only logged. */
  struct cg_err scratch = {0};
  int ret = cg__store_exec(s, s->st[CG__ST_ROLLBACK_TO], "store: rollback to",
                           &scratch);
  if (ret == 0)
    ret = cg__store_exec(s, s->st[CG__ST_RELEASE], "store: release", &scratch);
  if (ret != 0)
    cg_log_error(s->comp,
                 "undoing a failed write failed: %s; the "
                 "caller's transaction should be rolled back",
                 scratch.msg);
  return ret;
}
