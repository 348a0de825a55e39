/*
 * store_items: see store_items.h. The item master's rows (schema step 10,
 * docs/internals/items.md): per SKU the built warehouse item, its content
 * hash, the warehouse's last answer and the push state, and the orders
 * waiting on a SKU. The dirty rule (hash <> answered_hash) lives in the
 * statements of store_sql.c; this file binds, reads and checks. Writes of
 * more than one statement run in a savepoint, so each is atomic inside or
 * outside the caller's transaction.
 */
#include "store/store_items.h"

#include "base/err.h"
#include "base/mem.h"
#include "store/store.h"
#include "store/store_int.h"

#include <stdio.h>
#include <string.h>

static const char *const state_names[] = {
    [CG_STORE_ITEM_NONE] = "none",
    [CG_STORE_ITEM_PENDING] = "pending",
    [CG_STORE_ITEM_ACCEPTED] = "accepted",
    [CG_STORE_ITEM_REJECTED] = "rejected",
    [CG_STORE_ITEM_EXCLUDED] = "excluded",
};
#define NSTATES (sizeof(state_names) / sizeof(state_names[0]))

const char *cg_store_item_state_name(enum cg_store_item_state st)
{
  return (size_t)st < NSTATES ? state_names[st] : "none";
}

enum cg_store_item_state cg_store_item_state_parse(const char *name)
{
  for (size_t i = 1; name != NULL && i < NSTATES; i++)
    if (strcmp(name, state_names[i]) == 0)
      return (enum cg_store_item_state)i;
  return CG_STORE_ITEM_NONE;
}

void cg_store_item_clear(struct cg_store_item *it)
{
  if (it == NULL)
    return;
  cg_free(it->sku);
  cg_free(it->doc);
  cg_free(it->reason);
  cg_free(it->source_updated_at);
  memset(it, 0, sizeof(*it));
}

void cg_store_item_list_clear(struct cg_store_item_list *l)
{
  if (l == NULL)
    return;
  for (size_t i = 0; i < l->n; i++)
    cg_store_item_clear(&l->items[i]);
  cg_free(l->items);
  memset(l, 0, sizeof(*l));
}

/* ---- reads ---------------------------------------------------------------*/

static void col_hash(sqlite3_stmt *st, int col,
                     char out[CG_STORE_ITEM_HASH_MAX])
{
  const char *h = (const char *)sqlite3_column_text(st, col);
  snprintf(out, CG_STORE_ITEM_HASH_MAX, "%s", h ? h : "");
}

/* Reads a row of CG__ITEM_COLS. */
static int read_item(sqlite3_stmt *st, void *row)
{
  struct cg_store_item *o = row;
  o->state =
      cg_store_item_state_parse((const char *)sqlite3_column_text(st, 1));
  col_hash(st, 3, o->hash);
  col_hash(st, 4, o->answered_hash);
  o->product_id = sqlite3_column_int64(st, 6);
  o->size_id = sqlite3_column_int64(st, 7);
  o->dirty_since = sqlite3_column_int64(st, 9);
  o->urgent = sqlite3_column_int(st, 10) != 0;
  o->batch = sqlite3_column_int64(st, 11);
  o->seen_sweep = sqlite3_column_int64(st, 12);
  o->first_seen = sqlite3_column_int64(st, 13);
  o->answered_at = sqlite3_column_int64(st, 14);
  o->updated_at = sqlite3_column_int64(st, 15);
  if (cg__store_col_text(st, 0, &o->sku) != 0 ||
      cg__store_col_text(st, 2, &o->doc) != 0 ||
      cg__store_col_text(st, 5, &o->reason) != 0)
    return CG_ENOMEM;
  return cg__store_col_text(st, 8, &o->source_updated_at);
}

static void clear_item(void *row)
{
  cg_store_item_clear(row);
}

static int item_rows(struct cg_store *s, sqlite3_stmt *st,
                     struct cg_store_item_list *out, const char *what,
                     struct cg_err *err)
{
  return cg__store_rows(s, st, sizeof(*out->items), read_item, clear_item,
                        (void **)&out->items, &out->n, what, err);
}

static int need_sku(const char *sku, const char *what, struct cg_err *err)
{
  if (sku == NULL || *sku == '\0')
    return cg_err_set(err, CG_EINVAL, "%s: a SKU is required", what);
  return 0;
}

int cg_store_item_get(struct cg_store *s, const char *sku,
                      struct cg_store_item *out, struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  sqlite3_stmt *st = s->st[CG__ST_ITEM_GET];
  int ret = need_sku(sku, "items: get", err);
  if (ret == 0)
    ret = cg__store_bind(s, st, err, "s", sku);
  if (ret == 0)
    ret = cg__store_step_row(s, st, "items: get", err);
  if (ret != 0)
    return ret;
  if (read_item(st, out) != 0) {
    cg_store_item_clear(out);
    ret = cg_err_set(err, CG_ENOMEM, "items: get: out of memory");
  }
  cg__store_done(st);
  return ret;
}

int cg_store_item_state(struct cg_store *s, const char *sku,
                        enum cg_store_item_state *out, struct cg_err *err)
{
  *out = CG_STORE_ITEM_NONE;
  sqlite3_stmt *st = s->st[CG__ST_ITEM_STATE];
  int ret = need_sku(sku, "items: state", err);
  if (ret == 0)
    ret = cg__store_bind(s, st, err, "s", sku);
  if (ret == 0)
    ret = cg__store_step_row(s, st, "items: state", err);
  if (ret == CG_ENOTFOUND)
    return 0;
  if (ret != 0)
    return ret;
  *out = cg_store_item_state_parse((const char *)sqlite3_column_text(st, 0));
  cg__store_done(st);
  return 0;
}

int cg_store_items_list(struct cg_store *s, enum cg_store_item_state state,
                        const char *after, size_t limit,
                        struct cg_store_item_list *out, struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  int64_t lim = limit > INT64_MAX ? INT64_MAX : (int64_t)limit;
  const char *from = after != NULL ? after : "";
  int ret;
  sqlite3_stmt *st;
  if (state == CG_STORE_ITEM_NONE) {
    st = s->st[CG__ST_ITEMS_LIST_OPEN];
    ret = cg__store_bind(s, st, err, "sI", from, lim);
  } else if (state == CG_STORE_ITEM_PENDING ||
             state == CG_STORE_ITEM_REJECTED) {
    st = s->st[CG__ST_ITEMS_LIST_STATE];
    ret = cg__store_bind(s, st, err, "ssI", cg_store_item_state_name(state),
                         from, lim);
  } else {
    return cg_err_set(err, CG_EINVAL,
                      "items: list: only pending or rejected rows");
  }
  return ret ? ret : item_rows(s, st, out, "items: list", err);
}

int cg_store_items_counts(struct cg_store *s, struct cg_store_count_list *out,
                          struct cg_err *err)
{
  return cg__store_count_list(s, s->st[CG__ST_ITEMS_COUNTS], out,
                              "items: counts", err);
}

/* ---- from Centra ---------------------------------------------------------*/

static int check_hash(const char *hash, const char *what, struct cg_err *err)
{
  if (hash == NULL || *hash == '\0' || strlen(hash) >= CG_STORE_ITEM_HASH_MAX)
    return cg_err_set(err, CG_EINVAL, "%s: a hash of at most %d characters",
                      what, CG_STORE_ITEM_HASH_MAX - 1);
  return 0;
}

static int check_source(const struct cg_store_item_source *src,
                        struct cg_err *err)
{
  int ret = need_sku(src->sku, "items: source", err);
  if (ret != 0 || src->excluded)
    return ret;
  if (src->doc == NULL)
    return cg_err_set(err, CG_EINVAL, "items: source %s: no item", src->sku);
  return check_hash(src->hash, "items: source", err);
}

/* *dirty: whether sku's row is dirty now. */
static int read_dirty(struct cg_store *s, const char *sku, bool *dirty,
                      struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_ITEM_DIRTY];
  int ret = cg__store_bind(s, st, err, "s", sku);
  if (ret == 0)
    ret = cg__store_step_row(s, st, "items: dirty", err);
  if (ret != 0)
    return ret;
  *dirty = sqlite3_column_int64(st, 0) > 0;
  cg__store_done(st);
  return 0;
}

int cg_store_item_source(struct cg_store *s,
                         const struct cg_store_item_source *src, int64_t now_ms,
                         bool *dirty, struct cg_err *err)
{
  if (dirty != NULL)
    *dirty = false;
  int ret = check_source(src, err);
  if (ret != 0)
    return ret;
  const char *doc = src->excluded ? NULL : src->doc;
  const char *hash = src->excluded ? NULL : src->hash;
  sqlite3_stmt *st = s->st[CG__ST_ITEM_SOURCE];
  ret = cg__store_bind(s, st, err, "sissIIsII", src->sku, (int)src->excluded,
                       doc, hash, src->product_id, src->size_id,
                       src->source_updated_at, src->sweep, now_ms);
  if (ret == 0)
    ret = cg__store_exec(s, st, "items: source", err);
  if (ret == 0 && dirty != NULL)
    ret = read_dirty(s, src->sku, dirty, err);
  return ret;
}

int cg_store_item_refuse(struct cg_store *s, const char *sku,
                         const char *reason_json, int64_t now_ms,
                         struct cg_err *err)
{
  struct cg_store_item row = {0};
  int ret = cg_store_item_get(s, sku, &row, err);
  if (ret == 0)
    ret = cg_store_item_answer(s, sku, row.hash, 0, CG_STORE_ITEM_REJECTED,
                               reason_json, now_ms, NULL, err);
  cg_store_item_clear(&row);
  return ret;
}

/* ---- sending -------------------------------------------------------------*/

int cg_store_items_due(struct cg_store *s, size_t limit,
                       struct cg_store_item_list *out, struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  int64_t lim = limit > INT64_MAX ? INT64_MAX : (int64_t)limit;
  sqlite3_stmt *st = s->st[CG__ST_ITEMS_DUE];
  int ret = cg__store_bind(s, st, err, "I", lim);
  return ret ? ret : item_rows(s, st, out, "items: due", err);
}

int cg_store_items_any_due(struct cg_store *s, bool *any, bool *urgent,
                           struct cg_err *err)
{
  *any = false;
  if (urgent != NULL)
    *urgent = false;
  sqlite3_stmt *st = s->st[CG__ST_ITEMS_ANY_DUE];
  int ret = cg__store_step_row(s, st, "items: any due", err);
  if (ret == CG_ENOTFOUND)
    return 0;
  if (ret != 0)
    return ret;
  *any = true;
  if (urgent != NULL)
    *urgent = sqlite3_column_int(st, 0) != 0;
  cg__store_done(st);
  return 0;
}

int cg_store_item_batch_set(struct cg_store *s, const char *sku, int64_t batch,
                            struct cg_err *err)
{
  if (batch <= 0)
    return cg_err_set(err, CG_EINVAL, "items: batch_set: batch must be > 0");
  sqlite3_stmt *st = s->st[CG__ST_ITEM_BATCH_SET];
  int ret = need_sku(sku, "items: batch_set", err);
  if (ret == 0)
    ret = cg__store_bind(s, st, err, "sI", sku, batch);
  if (ret == 0)
    ret = cg__store_exec(s, st, "items: batch_set", err);
  if (ret != 0 || sqlite3_changes(s->db) > 0)
    return ret;
  enum cg_store_item_state state = CG_STORE_ITEM_NONE;
  ret = cg_store_item_state(s, sku, &state, err);
  if (ret != 0)
    return ret;
  if (state == CG_STORE_ITEM_NONE)
    return cg_err_set(err, CG_ENOTFOUND, "items: no SKU %s", sku);
  return cg_err_set(err, CG_EEXIST, "items: SKU %s is in another batch", sku);
}

int cg_store_items_batch_free(struct cg_store *s, int64_t batch,
                              struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_ITEMS_BATCH_FREE];
  int ret = cg__store_bind(s, st, err, "I", batch);
  return ret ? ret : cg__store_exec(s, st, "items: batch_free", err);
}

/* ---- answers -------------------------------------------------------------*/

struct answer {
  const char *sku, *hash, *state, *reason;
  int64_t now_ms, batch;
};

/* Runs one answer statement; *changed whether it touched a row. */
static int answer_exec(struct cg_store *s, enum cg__st which,
                       const struct answer *a, bool *changed,
                       struct cg_err *err)
{
  sqlite3_stmt *st = s->st[which];
  const char *fmt = which == CG__ST_ITEM_ANSWER ? "ssssII" : "ssssI";
  int ret = cg__store_bind(s, st, err, fmt, a->sku, a->hash, a->state,
                           a->reason, a->now_ms, a->batch);
  if (ret == 0)
    ret = cg__store_exec(s, st, "items: answer", err);
  *changed = ret == 0 && sqlite3_changes(s->db) > 0;
  return ret;
}

/* Applies a to the row (or creates it when there is none); *applied
 * whether the state was set. An answer that does not apply frees the
 * row only from the batch that answered. */
static int answer_in_sp(struct cg_store *s, const struct answer *a,
                        bool *applied, struct cg_err *err)
{
  int ret = answer_exec(s, CG__ST_ITEM_ANSWER, a, applied, err);
  if (ret != 0 || *applied)
    return ret;
  sqlite3_stmt *st = s->st[CG__ST_ITEM_UNBATCH];
  if (a->batch > 0)
    ret = cg__store_bind(s, st, err, "sI", a->sku, a->batch);
  if (ret == 0 && a->batch > 0)
    ret = cg__store_exec(s, st, "items: unbatch", err);
  return ret ? ret : answer_exec(s, CG__ST_ITEM_ANSWER_NEW, a, applied, err);
}

static int check_answer(const char *sku, const char *hash,
                        enum cg_store_item_state state, struct cg_err *err)
{
  int ret = need_sku(sku, "items: answer", err);
  if (ret != 0)
    return ret;
  if (state != CG_STORE_ITEM_ACCEPTED && state != CG_STORE_ITEM_REJECTED)
    return cg_err_set(err, CG_EINVAL,
                      "items: answer: accepted or rejected only");
  if (hash == NULL || strlen(hash) >= CG_STORE_ITEM_HASH_MAX)
    return cg_err_set(err, CG_EINVAL, "items: answer: bad hash");
  return 0;
}

int cg_store_item_answer(struct cg_store *s, const char *sku, const char *hash,
                         int64_t batch, enum cg_store_item_state state,
                         const char *reason_json, int64_t now_ms, bool *applied,
                         struct cg_err *err)
{
  bool done = false;
  if (applied != NULL)
    *applied = false;
  int ret = check_answer(sku, hash, state, err);
  if (ret != 0)
    return ret;
  struct answer a = {sku,
                     hash,
                     cg_store_item_state_name(state),
                     state == CG_STORE_ITEM_ACCEPTED ? NULL : reason_json,
                     now_ms,
                     batch};
  ret = cg__store_sp_begin(s, err);
  if (ret != 0)
    return ret;
  ret = answer_in_sp(s, &a, &done, err);
  int end = cg__store_sp_end(s, ret == 0, err);
  if (ret == 0 && end == 0 && applied != NULL)
    *applied = done;
  return ret ? ret : end;
}

/* Runs st (already bound) on sku's row: CG_ENOTFOUND when there is none. */
static int exec_sku(struct cg_store *s, sqlite3_stmt *st, const char *sku,
                    const char *what, struct cg_err *err)
{
  int ret = cg__store_exec(s, st, what, err);
  if (ret == 0 && sqlite3_changes(s->db) == 0)
    ret = cg_err_set(err, CG_ENOTFOUND, "%s: no SKU %s", what, sku);
  return ret;
}

int cg_store_item_resend(struct cg_store *s, const char *sku, int64_t now_ms,
                         struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_ITEM_RESEND];
  int ret = need_sku(sku, "items: resend", err);
  if (ret == 0)
    ret = cg__store_bind(s, st, err, "sI", sku, now_ms);
  return ret ? ret : exec_sku(s, st, sku, "items: resend", err);
}

/* ---- orders waiting ------------------------------------------------------*/

static int wait_add_sp(struct cg_store *s, const char *sku,
                       const char *order_number, int64_t now_ms,
                       struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_ITEM_PLACEHOLDER];
  int ret = cg__store_bind(s, st, err, "sI", sku, now_ms);
  if (ret == 0)
    ret = cg__store_exec(s, st, "items: placeholder", err);
  st = s->st[CG__ST_ITEM_WAIT_PUT];
  if (ret == 0)
    ret = cg__store_bind(s, st, err, "ssI", sku, order_number, now_ms);
  return ret ? ret : cg__store_exec(s, st, "items: wait", err);
}

static int need_order(const char *order_number, const char *what,
                      struct cg_err *err)
{
  if (order_number == NULL || *order_number == '\0')
    return cg_err_set(err, CG_EINVAL, "%s: an order number is required", what);
  return 0;
}

int cg_store_item_wait_add(struct cg_store *s, const char *sku,
                           const char *order_number, int64_t now_ms,
                           struct cg_err *err)
{
  int ret = need_sku(sku, "items: wait", err);
  if (ret == 0)
    ret = need_order(order_number, "items: wait", err);
  if (ret == 0)
    ret = cg__store_sp_begin(s, err);
  if (ret != 0)
    return ret;
  ret = wait_add_sp(s, sku, order_number, now_ms, err);
  int end = cg__store_sp_end(s, ret == 0, err);
  return ret ? ret : end;
}

int cg_store_item_waiters(struct cg_store *s, const char *sku, size_t limit,
                          struct cg_store_count_list *out, struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  int64_t lim = limit > INT64_MAX ? INT64_MAX : (int64_t)limit;
  sqlite3_stmt *st = s->st[CG__ST_ITEM_WAITERS];
  int ret = cg__store_bind(s, st, err, "sI", sku, lim);
  return ret ? ret : cg__store_count_list(s, st, out, "items: waiters", err);
}

int cg_store_item_waits_of(struct cg_store *s, const char *order_number,
                           struct cg_store_count_list *out, struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  sqlite3_stmt *st = s->st[CG__ST_ITEM_WAITS_OF];
  int ret = cg__store_bind(s, st, err, "s", order_number);
  return ret ? ret : cg__store_count_list(s, st, out, "items: waits", err);
}

int cg_store_item_wait_remove(struct cg_store *s, const char *sku,
                              const char *order_number, struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_ITEM_WAIT_REMOVE];
  int ret = cg__store_bind(s, st, err, "ss", sku, order_number);
  return ret ? ret : cg__store_exec(s, st, "items: wait remove", err);
}

int cg_store_item_waits_clear(struct cg_store *s, const char *order_number,
                              struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_ITEM_WAITS_CLEAR];
  int ret = cg__store_bind(s, st, err, "s", order_number);
  return ret ? ret : cg__store_exec(s, st, "items: waits clear", err);
}
