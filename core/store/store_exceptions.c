/*
 * store_exceptions: first-class exceptions (ARCHITECTURE.md §7). At most
 * one OPEN exception exists per (type, entity) — a partial unique index
 * enforces it — so raising again bumps count and last_seen instead of
 * piling up rows; alerts group on that. Resolved rows stay as history.
 */
#include "store/store.h"
#include "store/store_int.h"

#include "base/err.h"
#include "base/mem.h"
#include "base/time.h"

#include <string.h>

#define DEFAULT_LIST_LIMIT 100

int cg_store_exception_raise(struct cg_store *s,
                             const struct cg_store_exception_new *x,
                             int64_t *id, bool *created, struct cg_err *err)
{
  if (x == NULL || x->type == NULL || x->entity_kind == NULL ||
      x->entity_key == NULL || x->message == NULL)
    return cg_err_set(err, CG_EINVAL,
                      "exceptions: type, entity_kind, "
                      "entity_key and message are required");
  sqlite3_stmt *st = s->st[CG__ST_EXC_RAISE];
  int ret = cg__store_bind(s, st, err, "sssssssI", x->type, x->entity_kind,
                           x->entity_key, x->message, x->rule_generation,
                           x->owner, x->severity, cg_time_now_ms());
  if (ret == 0)
    ret = cg__store_step_row(s, st, "exceptions: raise", err);
  if (ret != 0)
    return ret == CG_ENOTFOUND ? CG_EDB : ret;
  if (id != NULL)
    *id = sqlite3_column_int64(st, 0);
  if (created != NULL)
    *created = sqlite3_column_int64(st, 1) == 1;
  /* Finish the statement: RETURNING rows are produced after the write. */
  return cg__store_exec(s, st, "exceptions: raise", err);
}

static int read_exc(sqlite3_stmt *st, void *p)
{
  struct cg_store_exception *x = p;
  x->id = sqlite3_column_int64(st, 0);
  x->count = sqlite3_column_int64(st, 9);
  x->first_seen = sqlite3_column_int64(st, 10);
  x->last_seen = sqlite3_column_int64(st, 11);
  x->resolved_at = sqlite3_column_int64(st, 12);
  x->retry_requested_at = sqlite3_column_int64(st, 15);
  if (cg__store_col_text(st, 1, &x->type) ||
      cg__store_col_text(st, 2, &x->entity_kind) ||
      cg__store_col_text(st, 3, &x->entity_key) ||
      cg__store_col_text(st, 4, &x->message) ||
      cg__store_col_text(st, 5, &x->rule_generation) ||
      cg__store_col_text(st, 6, &x->owner) ||
      cg__store_col_text(st, 7, &x->severity) ||
      cg__store_col_text(st, 8, &x->state) ||
      cg__store_col_text(st, 13, &x->resolved_by) ||
      cg__store_col_text(st, 14, &x->resolution_note))
    return CG_ENOMEM;
  return 0;
}

static void clear_exc(void *p)
{
  cg_store_exception_clear(p);
}

int cg_store_exception_get(struct cg_store *s, int64_t id,
                           struct cg_store_exception *out, struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  sqlite3_stmt *st = s->st[CG__ST_EXC_GET];
  int ret = cg__store_bind(s, st, err, "I", id);
  if (ret == 0)
    ret = cg__store_step_row(s, st, "exceptions: get", err);
  if (ret != 0)
    return ret;
  if (read_exc(st, out) != 0) {
    cg_store_exception_clear(out);
    ret = cg_err_set(err, CG_ENOMEM, "exceptions: get: out of memory");
  }
  cg__store_done(st);
  return ret;
}

int cg_store_exception_open_id(struct cg_store *s, const char *type,
                               const char *entity_kind, const char *entity_key,
                               int64_t *id, struct cg_err *err)
{
  *id = 0;
  sqlite3_stmt *st = s->st[CG__ST_EXC_OPEN_ID];
  int ret = cg__store_bind(s, st, err, "sss", type, entity_kind, entity_key);
  if (ret == 0)
    ret = cg__store_step_row(s, st, "exceptions: open id", err);
  if (ret == CG_ENOTFOUND)
    return 0;
  if (ret != 0)
    return ret;
  *id = sqlite3_column_int64(st, 0);
  cg__store_done(st);
  return 0;
}

int cg_store_exception_list(struct cg_store *s,
                            const struct cg_store_exception_filter *f,
                            struct cg_store_exception_list *out,
                            struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  struct cg_store_exception_filter all = {0};
  if (f == NULL)
    f = &all;
  int64_t limit = f->limit > 0 ? f->limit : DEFAULT_LIST_LIMIT;
  /* The sweep's question (open retry requests) has its own index. */
  bool retry_open =
      f->retry_requested && f->state != NULL && strcmp(f->state, "open") == 0;
  sqlite3_stmt *st =
      s->st[retry_open ? CG__ST_EXC_LIST_RETRY : CG__ST_EXC_LIST];
  int ret = cg__store_bind(s, st, err, "ssssiII", f->state, f->type,
                           f->entity_kind, f->entity_key,
                           f->retry_requested ? 1 : 0, f->offset, limit);
  if (ret != 0)
    return ret;
  return cg__store_rows(s, st, sizeof(*out->items), read_exc, clear_exc,
                        (void **)&out->items, &out->n, "exceptions: list", err);
}

/* After an UPDATE by id matched nothing: missing (CG_ENOTFOUND) or
 * resolved already (CG_EINVAL). */
static int explain_no_change(struct cg_store *s, int64_t id, const char *op,
                             struct cg_err *err)
{
  struct cg_store_exception x;
  int ret = cg_store_exception_get(s, id, &x, err);
  if (ret == CG_ENOTFOUND)
    return cg_err_set(err, ret, "exceptions: %s: no exception %lld", op,
                      (long long)id);
  if (ret != 0)
    return ret;
  cg_store_exception_clear(&x);
  return cg_err_set(err, CG_EINVAL, "exceptions: %s %lld: already resolved", op,
                    (long long)id);
}

int cg_store_exception_resolve(struct cg_store *s, int64_t id, const char *by,
                               const char *note, struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_EXC_RESOLVE];
  int ret = cg__store_bind(s, st, err, "IIss", id, cg_time_now_ms(),
                           by ? by : "engine", note);
  if (ret == 0)
    ret = cg__store_exec(s, st, "exceptions: resolve", err);
  if (ret == 0 && sqlite3_changes(s->db) == 0)
    ret = explain_no_change(s, id, "resolve", err);
  return ret;
}

int cg_store_exception_resolve_entity(struct cg_store *s,
                                      const char *entity_kind,
                                      const char *entity_key, const char *by,
                                      const char *note, int64_t *count,
                                      struct cg_err *err)
{
  if (entity_kind == NULL || entity_key == NULL)
    return cg_err_set(err, CG_EINVAL,
                      "exceptions: resolve_entity needs "
                      "entity_kind and entity_key");
  sqlite3_stmt *st = s->st[CG__ST_EXC_RESOLVE_ENTITY];
  int ret = cg__store_bind(s, st, err, "ssIss", entity_kind, entity_key,
                           cg_time_now_ms(), by ? by : "engine", note);
  if (ret == 0)
    ret = cg__store_exec(s, st, "exceptions: resolve_entity", err);
  if (ret == 0 && count != NULL)
    *count = sqlite3_changes64(s->db);
  return ret;
}

int cg_store_exception_resolve_typed(struct cg_store *s, const char *type,
                                     const char *entity_kind,
                                     const char *entity_key, const char *by,
                                     const char *note, int64_t *count,
                                     struct cg_err *err)
{
  if (type == NULL || entity_kind == NULL || entity_key == NULL)
    return cg_err_set(err, CG_EINVAL,
                      "exceptions: resolve_typed needs type, "
                      "entity_kind and entity_key");
  sqlite3_stmt *st = s->st[CG__ST_EXC_RESOLVE_TYPED];
  int ret = cg__store_bind(s, st, err, "sssIss", type, entity_kind, entity_key,
                           cg_time_now_ms(), by ? by : "engine", note);
  if (ret == 0)
    ret = cg__store_exec(s, st, "exceptions: resolve_typed", err);
  if (ret == 0 && count != NULL)
    *count = sqlite3_changes64(s->db);
  return ret;
}

int cg_store_exception_request_retry(struct cg_store *s, int64_t id,
                                     struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_EXC_RETRY];
  int ret = cg__store_bind(s, st, err, "II", id, cg_time_now_ms());
  if (ret == 0)
    ret = cg__store_exec(s, st, "exceptions: request_retry", err);
  if (ret == 0 && sqlite3_changes(s->db) == 0)
    ret = explain_no_change(s, id, "request_retry", err);
  return ret;
}

static int read_count(sqlite3_stmt *st, void *p)
{
  struct cg_store_count *c = p;
  c->count = sqlite3_column_int64(st, 1);
  return cg__store_col_text(st, 0, &c->name);
}

static void clear_count(void *p)
{
  struct cg_store_count *c = p;
  cg_free(c->name);
  memset(c, 0, sizeof(*c));
}

int cg__store_count_list(struct cg_store *s, sqlite3_stmt *st,
                         struct cg_store_count_list *out, const char *what,
                         struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  return cg__store_rows(s, st, sizeof(*out->items), read_count, clear_count,
                        (void **)&out->items, &out->n, what, err);
}

int cg_store_exception_open_counts(struct cg_store *s,
                                   struct cg_store_count_list *out,
                                   struct cg_err *err)
{
  return cg__store_count_list(s, s->st[CG__ST_EXC_OPEN_COUNTS], out,
                              "exceptions: open_counts", err);
}

void cg_store_exception_clear(struct cg_store_exception *x)
{
  if (x == NULL)
    return;
  cg_free(x->type);
  cg_free(x->entity_kind);
  cg_free(x->entity_key);
  cg_free(x->message);
  cg_free(x->rule_generation);
  cg_free(x->owner);
  cg_free(x->severity);
  cg_free(x->state);
  cg_free(x->resolved_by);
  cg_free(x->resolution_note);
  memset(x, 0, sizeof(*x));
}

void cg_store_exception_list_clear(struct cg_store_exception_list *list)
{
  if (list == NULL)
    return;
  for (size_t i = 0; i < list->n; i++)
    cg_store_exception_clear(&list->items[i]);
  cg_free(list->items);
  list->items = NULL;
  list->n = 0;
}

void cg_store_count_list_clear(struct cg_store_count_list *list)
{
  if (list == NULL)
    return;
  for (size_t i = 0; i < list->n; i++)
    clear_count(&list->items[i]);
  cg_free(list->items);
  list->items = NULL;
  list->n = 0;
}
