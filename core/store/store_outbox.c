/*
 * store_outbox: partner calls waiting to be made. A flow enqueues rows in
 * the same transaction as the state change that needs them; delivery
 * drives each row through the state machine
 *
 *            put                 mark_inflight
 *   (none) -----> pending -----------------------> inflight
 *                  ^  ^                              | | |
 *                  |  +------------ retry -----------+ | |
 *                  |  +--- reset_inflight (boot) ------+ |
 *                  |                                     +--> done
 *                  +------ requeue ------ failed <--- fail
 *
 * and nothing else changes the state. (kind, idempotency_key) is unique,
 * so a replayed flow step cannot enqueue the same call twice.
 */
#include "store/store.h"
#include "store/store_int.h"

#include "base/err.h"
#include "base/mem.h"
#include "base/time.h"

#include <string.h>

#define DEFAULT_LIST_LIMIT 100

static const char *const state_names[CG_STORE_OUTBOX_NSTATES] = {
    "pending", "inflight", "done", "failed"};

const char *cg_store_outbox_state_name(enum cg_store_outbox_state st)
{
  return (unsigned)st < CG_STORE_OUTBOX_NSTATES ? state_names[st] : "?";
}

static enum cg_store_outbox_state parse_state(const unsigned char *name)
{
  for (int i = 0; name != NULL && i < CG_STORE_OUTBOX_NSTATES; i++)
    if (strcmp((const char *)name, state_names[i]) == 0)
      return (enum cg_store_outbox_state)i;
  return CG_STORE_OUTBOX_FAILED; /* CHECK constraint makes this unreachable */
}

static int find_existing(struct cg_store *s, const char *kind, const char *idem,
                         int64_t *id, struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_OUTBOX_FIND];
  int ret = cg__store_bind(s, st, err, "ss", kind, idem);
  if (ret == 0)
    ret = cg__store_step_row(s, st, "outbox: find", err);
  if (ret != 0)
    return ret;
  if (id != NULL)
    *id = sqlite3_column_int64(st, 0);
  cg__store_done(st);
  return 0;
}

int cg_store_outbox_put(struct cg_store *s, const char *kind,
                        const char *entity_key, const char *idempotency_key,
                        const char *payload, int64_t not_before_ms, int64_t *id,
                        struct cg_err *err)
{
  if (kind == NULL || entity_key == NULL || idempotency_key == NULL ||
      payload == NULL)
    return cg_err_set(err, CG_EINVAL,
                      "outbox: kind, entity_key, "
                      "idempotency_key and payload are required");
  int64_t now = cg_time_now_ms();
  int64_t due = not_before_ms > 0 ? not_before_ms : now;
  sqlite3_stmt *st = s->st[CG__ST_OUTBOX_PUT];
  int ret = cg__store_bind(s, st, err, "ssssII", kind, entity_key,
                           idempotency_key, payload, now, due);
  if (ret == 0)
    ret = cg__store_exec(s, st, "outbox: put", err);
  if (ret != 0)
    return ret;
  if (sqlite3_changes(s->db) == 0) {
    ret = find_existing(s, kind, idempotency_key, id, err);
    return ret ? ret
               : cg_err_set(err, CG_EEXIST,
                            "outbox: %s with key %s is "
                            "already enqueued",
                            kind, idempotency_key);
  }
  if (id != NULL)
    *id = sqlite3_last_insert_rowid(s->db);
  return 0;
}

static int read_row(sqlite3_stmt *st, void *p)
{
  struct cg_store_outbox_row *r = p;
  r->id = sqlite3_column_int64(st, 0);
  r->state = parse_state(sqlite3_column_text(st, 5));
  r->attempts = sqlite3_column_int64(st, 6);
  r->created_at = sqlite3_column_int64(st, 7);
  r->next_attempt_at = sqlite3_column_int64(st, 8);
  r->updated_at = sqlite3_column_int64(st, 9);
  r->last_status = sqlite3_column_int(st, 10);
  if (cg__store_col_text(st, 1, &r->kind) ||
      cg__store_col_text(st, 2, &r->entity_key) ||
      cg__store_col_text(st, 3, &r->idempotency_key) ||
      cg__store_col_text(st, 4, &r->payload) ||
      cg__store_col_text(st, 11, &r->last_error))
    return CG_ENOMEM;
  return 0;
}

static void clear_row(void *p)
{
  cg_store_outbox_row_clear(p);
}

int cg_store_outbox_due_kind(struct cg_store *s, const char *kind,
                             int64_t now_ms, size_t limit,
                             struct cg_store_outbox_list *out,
                             struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  sqlite3_stmt *st = s->st[CG__ST_OUTBOX_DUE_KIND];
  int ret = cg__store_bind(s, st, err, "IIs", now_ms, (int64_t)limit, kind);
  if (ret != 0)
    return ret;
  return cg__store_rows(s, st, sizeof(*out->items), read_row, clear_row,
                        (void **)&out->items, &out->n, "outbox: due", err);
}

/* After an UPDATE that matched nothing: tell a missing row (CG_ENOTFOUND)
 * from one in the wrong state (CG_EINVAL). */
static int explain_no_change(struct cg_store *s, int64_t id, const char *op,
                             const char *want, struct cg_err *err)
{
  struct cg_store_outbox_row row;
  int ret = cg_store_outbox_get(s, id, &row, err);
  if (ret == CG_ENOTFOUND)
    return cg_err_set(err, ret, "outbox: %s: no row %lld", op, (long long)id);
  if (ret != 0)
    return ret;
  ret = cg_err_set(err, CG_EINVAL,
                   "outbox: %s row %lld: state is %s, not "
                   "%s",
                   op, (long long)id, cg_store_outbox_state_name(row.state),
                   want);
  cg_store_outbox_row_clear(&row);
  return ret;
}

/* Steps an already bound transition statement and checks it hit a row. */
static int transition(struct cg_store *s, enum cg__st which, int64_t id,
                      const char *op, const char *want, struct cg_err *err)
{
  int ret = cg__store_exec(s, s->st[which], op, err);
  if (ret == 0 && sqlite3_changes(s->db) == 0)
    ret = explain_no_change(s, id, op, want, err);
  return ret;
}

int cg_store_outbox_mark_inflight(struct cg_store *s, int64_t id,
                                  struct cg_err *err)
{
  int ret = cg__store_bind(s, s->st[CG__ST_OUTBOX_INFLIGHT], err, "II", id,
                           cg_time_now_ms());
  return ret ? ret
             : transition(s, CG__ST_OUTBOX_INFLIGHT, id, "mark_inflight",
                          "pending", err);
}

int cg_store_outbox_done(struct cg_store *s, int64_t id, int http_status,
                         struct cg_err *err)
{
  int ret = cg__store_bind(s, s->st[CG__ST_OUTBOX_DONE], err, "IiI", id,
                           http_status, cg_time_now_ms());
  return ret ? ret
             : transition(s, CG__ST_OUTBOX_DONE, id, "done", "inflight", err);
}

int cg_store_outbox_retry(struct cg_store *s, int64_t id,
                          int64_t next_attempt_at, int http_status,
                          const char *error, bool progressed,
                          struct cg_err *err)
{
  int ret = cg__store_bind(s, s->st[CG__ST_OUTBOX_RETRY], err, "IIisIi", id,
                           next_attempt_at, http_status, error,
                           cg_time_now_ms(), progressed ? 1 : 0);
  return ret ? ret
             : transition(s, CG__ST_OUTBOX_RETRY, id, "retry", "inflight", err);
}

int cg_store_outbox_defer(struct cg_store *s, int64_t id,
                          int64_t next_attempt_at, const char *reason,
                          struct cg_err *err)
{
  int ret = cg__store_bind(s, s->st[CG__ST_OUTBOX_DEFER], err, "IIsI", id,
                           next_attempt_at, reason, cg_time_now_ms());
  return ret ? ret
             : transition(s, CG__ST_OUTBOX_DEFER, id, "defer", "inflight", err);
}

int cg_store_outbox_fail(struct cg_store *s, int64_t id, int http_status,
                         const char *error, struct cg_err *err)
{
  int ret = cg__store_bind(s, s->st[CG__ST_OUTBOX_FAIL], err, "IisI", id,
                           http_status, error, cg_time_now_ms());
  return ret ? ret
             : transition(s, CG__ST_OUTBOX_FAIL, id, "fail", "inflight", err);
}

int cg_store_outbox_requeue(struct cg_store *s, int64_t id, int64_t now_ms,
                            struct cg_err *err)
{
  int ret =
      cg__store_bind(s, s->st[CG__ST_OUTBOX_REQUEUE], err, "II", id, now_ms);
  return ret ? ret
             : transition(s, CG__ST_OUTBOX_REQUEUE, id, "requeue", "failed",
                          err);
}

int cg_store_outbox_reset_inflight(struct cg_store *s, int64_t *count,
                                   struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_OUTBOX_RESET];
  int ret = cg__store_bind(s, st, err, "I", cg_time_now_ms());
  if (ret == 0)
    ret = cg__store_exec(s, st, "outbox: reset_inflight", err);
  if (ret == 0 && count != NULL)
    *count = sqlite3_changes64(s->db);
  return ret;
}

/* Runs a one-row, one-integer query; CG_ENOTFOUND if the value is NULL. */
static int query_int(struct cg_store *s, enum cg__st which, int64_t *out,
                     const char *what, struct cg_err *err)
{
  sqlite3_stmt *st = s->st[which];
  int ret = cg__store_step_row(s, st, what, err);
  if (ret != 0)
    return ret;
  if (sqlite3_column_type(st, 0) == SQLITE_NULL)
    ret = cg_err_set(err, CG_ENOTFOUND, "%s: nothing", what);
  else
    *out = sqlite3_column_int64(st, 0);
  cg__store_done(st);
  return ret;
}

int cg_store_outbox_next_due_kind(struct cg_store *s, const char *kind,
                                  int64_t *at_ms, struct cg_err *err)
{
  int ret =
      cg__store_bind(s, s->st[CG__ST_OUTBOX_NEXT_DUE_KIND], err, "s", kind);
  return ret ? ret
             : query_int(s, CG__ST_OUTBOX_NEXT_DUE_KIND, at_ms,
                         "outbox: next_due", err);
}

int cg_store_outbox_count_entity(struct cg_store *s, const char *kind,
                                 const char *entity_key, int64_t *count,
                                 struct cg_err *err)
{
  int ret = cg__store_bind(s, s->st[CG__ST_OUTBOX_ENTITY_COUNT], err, "ss",
                           entity_key, kind);
  return ret ? ret
             : query_int(s, CG__ST_OUTBOX_ENTITY_COUNT, count, "outbox: count",
                         err);
}

int cg_store_outbox_depth(struct cg_store *s, int64_t *depth,
                          struct cg_err *err)
{
  return query_int(s, CG__ST_OUTBOX_DEPTH, depth, "outbox: depth", err);
}

int cg_store_outbox_counts(struct cg_store *s,
                           int64_t counts[CG_STORE_OUTBOX_NSTATES],
                           struct cg_err *err)
{
  return cg__store_count_by_name(s, s->st[CG__ST_OUTBOX_COUNTS], state_names,
                                 CG_STORE_OUTBOX_NSTATES, counts,
                                 "outbox: counts", err);
}

int cg_store_outbox_open_kinds(struct cg_store *s,
                               struct cg_store_count_list *out,
                               struct cg_err *err)
{
  return cg__store_count_list(s, s->st[CG__ST_OUTBOX_KINDS], out,
                              "outbox: open kinds", err);
}

int cg_store_outbox_open_of_kind(struct cg_store *s, const char *kind,
                                 int64_t *n, struct cg_err *err)
{
  *n = 0;
  sqlite3_stmt *st = s->st[CG__ST_OUTBOX_OPEN_OF_KIND];
  int ret = cg__store_bind(s, st, err, "s", kind);
  if (ret == 0)
    ret = cg__store_step_row(s, st, "outbox: open of kind", err);
  if (ret != 0)
    return ret;
  *n = sqlite3_column_int64(st, 0);
  cg__store_done(st);
  return 0;
}

int cg_store_outbox_get(struct cg_store *s, int64_t id,
                        struct cg_store_outbox_row *out, struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  sqlite3_stmt *st = s->st[CG__ST_OUTBOX_GET];
  int ret = cg__store_bind(s, st, err, "I", id);
  if (ret == 0)
    ret = cg__store_step_row(s, st, "outbox: get", err);
  if (ret != 0)
    return ret;
  if (read_row(st, out) != 0) {
    cg_store_outbox_row_clear(out);
    ret = cg_err_set(err, CG_ENOMEM, "outbox: get: out of memory");
  }
  cg__store_done(st);
  return ret;
}

int cg_store_outbox_list(struct cg_store *s,
                         const struct cg_store_outbox_filter *f,
                         struct cg_store_outbox_list *out, struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  struct cg_store_outbox_filter all = {.state = -1};
  if (f == NULL)
    f = &all;
  const char *state = f->state >= 0 && f->state < CG_STORE_OUTBOX_NSTATES
                          ? state_names[f->state]
                          : NULL;
  int64_t limit = f->limit > 0 ? f->limit : DEFAULT_LIST_LIMIT;
  /* Keyed by entity: through its index (the other is for listings). */
  sqlite3_stmt *st =
      s->st[f->entity_key ? CG__ST_OUTBOX_LIST_ENTITY : CG__ST_OUTBOX_LIST];
  int ret = cg__store_bind(s, st, err, "sssII", state, f->kind, f->entity_key,
                           f->offset, limit);
  if (ret != 0)
    return ret;
  return cg__store_rows(s, st, sizeof(*out->items), read_row, clear_row,
                        (void **)&out->items, &out->n, "outbox: list", err);
}

void cg_store_outbox_row_clear(struct cg_store_outbox_row *row)
{
  if (row == NULL)
    return;
  cg_free(row->kind);
  cg_free(row->entity_key);
  cg_free(row->idempotency_key);
  cg_free(row->payload);
  cg_free(row->last_error);
  memset(row, 0, sizeof(*row));
}

void cg_store_outbox_list_clear(struct cg_store_outbox_list *list)
{
  if (list == NULL)
    return;
  for (size_t i = 0; i < list->n; i++)
    cg_store_outbox_row_clear(&list->items[i]);
  cg_free(list->items);
  list->items = NULL;
  list->n = 0;
}
