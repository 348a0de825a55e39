/*
 * store_inbox: every message received from Centra or GXO, kept verbatim
 * and deduplicated by (source, msg_id) before any flow acts on it. The
 * intake commits the row, then the flow marks it processed in the same
 * transaction as its effects (ARCHITECTURE.md §3).
 */
#include "store/store.h"
#include "store/store_int.h"

#include "base/err.h"
#include "base/mem.h"
#include "base/time.h"

#include <string.h>

static int valid_source(const char *source)
{
  return source != NULL &&
         (strcmp(source, "centra") == 0 || strcmp(source, "gxo") == 0);
}

static int find_existing(struct cg_store *s, const char *source,
                         const char *msg_id, int64_t *id, struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_INBOX_FIND];
  int ret = cg__store_bind(s, st, err, "ss", source, msg_id);
  if (ret == 0)
    ret = cg__store_step_row(s, st, "inbox: find", err);
  if (ret != 0)
    return ret;
  if (id != NULL)
    *id = sqlite3_column_int64(st, 0);
  cg__store_done(st);
  return 0;
}

int cg_store_inbox_find(struct cg_store *s, const char *source,
                        const char *msg_id, int64_t *id, struct cg_err *err)
{
  if (source == NULL || msg_id == NULL)
    return cg_err_set(err, CG_EINVAL, "inbox: source and msg_id required");
  return find_existing(s, source, msg_id, id, err);
}

int cg_store_inbox_put(struct cg_store *s, const char *source,
                       const char *msg_id, const char *kind,
                       const char *payload, int64_t *id, struct cg_err *err)
{
  if (!valid_source(source) || msg_id == NULL || kind == NULL ||
      payload == NULL)
    return cg_err_set(err, CG_EINVAL,
                      "inbox: source must be centra|gxo and msg_id, kind, "
                      "payload are required");
  sqlite3_stmt *st = s->st[CG__ST_INBOX_PUT];
  int ret = cg__store_bind(s, st, err, "ssssI", source, msg_id, kind, payload,
                           cg_time_now_ms());
  if (ret == 0)
    ret = cg__store_exec(s, st, "inbox: put", err);
  if (ret != 0)
    return ret;
  if (sqlite3_changes(s->db) == 0) {
    ret = find_existing(s, source, msg_id, id, err);
    return ret ? ret
               : cg_err_set(err, CG_EEXIST,
                            "inbox: %s message %s already "
                            "received",
                            source, msg_id);
  }
  if (id != NULL)
    *id = sqlite3_last_insert_rowid(s->db);
  return 0;
}

static int read_row(sqlite3_stmt *st, void *p)
{
  struct cg_store_inbox_row *r = p;
  r->id = sqlite3_column_int64(st, 0);
  r->received_at = sqlite3_column_int64(st, 5);
  r->processed_at = sqlite3_column_int64(st, 6);
  if (cg__store_col_text(st, 1, &r->source) ||
      cg__store_col_text(st, 2, &r->msg_id) ||
      cg__store_col_text(st, 3, &r->kind) ||
      cg__store_col_text(st, 4, &r->payload) ||
      cg__store_col_text(st, 7, &r->outcome) ||
      cg__store_col_text(st, 8, &r->error))
    return CG_ENOMEM;
  return 0;
}

static void clear_row(void *p)
{
  cg_store_inbox_row_clear(p);
}

int cg_store_inbox_pending(struct cg_store *s, size_t limit,
                           struct cg_store_inbox_list *out, struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  sqlite3_stmt *st = s->st[CG__ST_INBOX_PENDING];
  int ret = cg__store_bind(s, st, err, "I", (int64_t)limit);
  if (ret != 0)
    return ret;
  return cg__store_rows(s, st, sizeof(*out->items), read_row, clear_row,
                        (void **)&out->items, &out->n, "inbox: pending", err);
}

int cg_store_inbox_get(struct cg_store *s, int64_t id,
                       struct cg_store_inbox_row *out, struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  sqlite3_stmt *st = s->st[CG__ST_INBOX_GET];
  int ret = cg__store_bind(s, st, err, "I", id);
  if (ret == 0)
    ret = cg__store_step_row(s, st, "inbox: get", err);
  if (ret != 0)
    return ret;
  if (read_row(st, out) != 0) {
    cg_store_inbox_row_clear(out);
    ret = cg_err_set(err, CG_ENOMEM, "inbox: get: out of memory");
  }
  cg__store_done(st);
  return ret;
}

int cg_store_inbox_mark(struct cg_store *s, int64_t id, const char *outcome,
                        const char *error, struct cg_err *err)
{
  if (outcome == NULL)
    return cg_err_set(err, CG_EINVAL, "inbox: mark needs an outcome");
  sqlite3_stmt *st = s->st[CG__ST_INBOX_MARK];
  int ret =
      cg__store_bind(s, st, err, "IIss", id, cg_time_now_ms(), outcome, error);
  if (ret == 0)
    ret = cg__store_exec(s, st, "inbox: mark", err);
  if (ret == 0 && sqlite3_changes(s->db) == 0)
    ret = cg_err_set(err, CG_ENOTFOUND, "inbox: no row %lld", (long long)id);
  return ret;
}

void cg_store_inbox_row_clear(struct cg_store_inbox_row *row)
{
  if (row == NULL)
    return;
  cg_free(row->source);
  cg_free(row->msg_id);
  cg_free(row->kind);
  cg_free(row->payload);
  cg_free(row->outcome);
  cg_free(row->error);
  memset(row, 0, sizeof(*row));
}

void cg_store_inbox_list_clear(struct cg_store_inbox_list *list)
{
  if (list == NULL)
    return;
  for (size_t i = 0; i < list->n; i++)
    cg_store_inbox_row_clear(&list->items[i]);
  cg_free(list->items);
  list->items = NULL;
  list->n = 0;
}
