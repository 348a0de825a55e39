/*
 * store_orders: the order entity (keyed by the Centra order number, which
 * is also the GXO orderRef) and its lines (keyed by Centra line id). The
 * order flow owns the state machine; this module only persists it.
 */
#include "store/store.h"
#include "store/store_int.h"

#include "base/err.h"
#include "base/mem.h"
#include "base/time.h"

#include <string.h>

#define DEFAULT_LIST_LIMIT 100

static const char *const state_names[CG_STORE_ORDER_NSTATES] = {
    "received", "held",    "queued", "sent",     "accepted",
    "rejected", "shipped", "closed", "cancelled"};

const char *cg_store_order_state_name(enum cg_store_order_state st)
{
  return (unsigned)st < CG_STORE_ORDER_NSTATES ? state_names[st] : "?";
}

int cg_store_order_state_parse(const char *name, enum cg_store_order_state *out)
{
  for (int i = 0; name != NULL && i < CG_STORE_ORDER_NSTATES; i++)
    if (strcmp(name, state_names[i]) == 0) {
      *out = (enum cg_store_order_state)i;
      return 0;
    }
  return CG_EINVAL;
}

int cg_store_order_upsert(struct cg_store *s, const struct cg_store_order *o,
                          struct cg_err *err)
{
  if (o == NULL || o->number == NULL || o->number[0] == '\0' ||
      (unsigned)o->state >= CG_STORE_ORDER_NSTATES)
    return cg_err_set(err, CG_EINVAL,
                      "orders: upsert needs a number and a "
                      "valid state");
  sqlite3_stmt *st = s->st[CG__ST_ORDER_UPSERT];
  int ret = cg__store_bind(s, st, err, "ssssssssI", o->number, o->centra_id,
                           o->centra_status, state_names[o->state], o->payload,
                           o->hold_reason, o->rule_generation, o->gxo_ref,
                           cg_time_now_ms());
  return ret ? ret : cg__store_exec(s, st, "orders: upsert", err);
}

static int read_order(sqlite3_stmt *st, void *p)
{
  struct cg_store_order *o = p;
  enum cg_store_order_state state = CG_STORE_ORDER_RECEIVED;
  (void)cg_store_order_state_parse((const char *)sqlite3_column_text(st, 3),
                                   &state);
  o->state = state;
  o->created_at = sqlite3_column_int64(st, 8);
  o->updated_at = sqlite3_column_int64(st, 9);
  if (cg__store_col_text(st, 0, &o->number) ||
      cg__store_col_text(st, 1, &o->centra_id) ||
      cg__store_col_text(st, 2, &o->centra_status) ||
      cg__store_col_text(st, 4, &o->payload) ||
      cg__store_col_text(st, 5, &o->hold_reason) ||
      cg__store_col_text(st, 6, &o->rule_generation) ||
      cg__store_col_text(st, 7, &o->gxo_ref))
    return CG_ENOMEM;
  return 0;
}

static void clear_order(void *p)
{
  cg_store_order_clear(p);
}

int cg_store_order_get(struct cg_store *s, const char *number,
                       struct cg_store_order *out, struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  sqlite3_stmt *st = s->st[CG__ST_ORDER_GET];
  int ret = cg__store_bind(s, st, err, "s", number);
  if (ret == 0)
    ret = cg__store_step_row(s, st, "orders: get", err);
  if (ret != 0)
    return ret;
  if (read_order(st, out) != 0) {
    cg_store_order_clear(out);
    ret = cg_err_set(err, CG_ENOMEM, "orders: get: out of memory");
  }
  cg__store_done(st);
  return ret;
}

int cg_store_order_set_state(struct cg_store *s, const char *number,
                             enum cg_store_order_state state,
                             const char *hold_reason,
                             const char *rule_generation, struct cg_err *err)
{
  if (number == NULL || (unsigned)state >= CG_STORE_ORDER_NSTATES)
    return cg_err_set(err, CG_EINVAL, "orders: bad set_state arguments");
  sqlite3_stmt *st = s->st[CG__ST_ORDER_SET_STATE];
  int ret = cg__store_bind(s, st, err, "ssssI", number, state_names[state],
                           hold_reason, rule_generation, cg_time_now_ms());
  if (ret == 0)
    ret = cg__store_exec(s, st, "orders: set_state", err);
  if (ret == 0 && sqlite3_changes(s->db) == 0)
    ret = cg_err_set(err, CG_ENOTFOUND, "orders: no order %s", number);
  return ret;
}

int cg_store_order_advance(struct cg_store *s, const char *number,
                           enum cg_store_order_state state, const char *gxo_ref,
                           struct cg_err *err)
{
  if (number == NULL || (unsigned)state >= CG_STORE_ORDER_NSTATES)
    return cg_err_set(err, CG_EINVAL, "orders: bad advance arguments");
  sqlite3_stmt *st = s->st[CG__ST_ORDER_ADVANCE];
  int ret = cg__store_bind(s, st, err, "sssI", number, state_names[state],
                           gxo_ref, cg_time_now_ms());
  if (ret == 0)
    ret = cg__store_exec(s, st, "orders: advance", err);
  if (ret == 0 && sqlite3_changes(s->db) == 0)
    ret = cg_err_set(err, CG_ENOTFOUND, "orders: no order %s", number);
  return ret;
}

int cg_store_order_list(struct cg_store *s, int state, int64_t offset,
                        int64_t limit, struct cg_store_order_list *out,
                        struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  const char *name =
      state >= 0 && state < CG_STORE_ORDER_NSTATES ? state_names[state] : NULL;
  sqlite3_stmt *st = s->st[CG__ST_ORDER_LIST];
  int ret = cg__store_bind(s, st, err, "sII", name, offset,
                           limit > 0 ? limit : DEFAULT_LIST_LIMIT);
  if (ret != 0)
    return ret;
  return cg__store_rows(s, st, sizeof(*out->items), read_order, clear_order,
                        (void **)&out->items, &out->n, "orders: list", err);
}

int cg_store_order_page_in_state(struct cg_store *s,
                                 enum cg_store_order_state state, int64_t after,
                                 int64_t limit, struct cg_store_count_list *out,
                                 struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  if ((unsigned)state >= CG_STORE_ORDER_NSTATES || limit < 1)
    return cg_err_set(err, CG_EINVAL, "orders: bad page arguments");
  sqlite3_stmt *st = s->st[CG__ST_ORDER_PAGE_IN_STATE];
  int ret = cg__store_bind(s, st, err, "sII", state_names[state], after, limit);
  return ret ? ret : cg__store_count_list(s, st, out, "orders: page", err);
}

int cg_store_order_counts(struct cg_store *s,
                          int64_t counts[CG_STORE_ORDER_NSTATES],
                          struct cg_err *err)
{
  return cg__store_count_by_name(s, s->st[CG__ST_ORDER_COUNTS], state_names,
                                 CG_STORE_ORDER_NSTATES, counts,
                                 "orders: counts", err);
}

int cg_store_order_state(struct cg_store *s, const char *number,
                         enum cg_store_order_state *state, struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_ORDER_STATE];
  int ret = cg__store_bind(s, st, err, "s", number);
  if (ret == 0)
    ret = cg__store_step_row(s, st, "orders: state", err);
  if (ret != 0)
    return ret;
  ret = cg_store_order_state_parse((const char *)sqlite3_column_text(st, 0),
                                   state);
  cg__store_done(st);
  return ret ? cg_err_set(err, ret, "orders: %s has an unknown state", number)
             : 0;
}

/* 0 if the order exists (*has_lines: it has lines), else CG_ENOTFOUND. */
static int order_has_lines(struct cg_store *s, const char *number,
                           bool *has_lines, struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_ORDER_HAS_LINES];
  int ret = cg__store_bind(s, st, err, "s", number);
  if (ret == 0)
    ret = cg__store_step_row(s, st, "orders: exists", err);
  if (ret != 0)
    return ret;
  bool exists = sqlite3_column_int(st, 0) != 0;
  *has_lines = sqlite3_column_int(st, 1) != 0;
  cg__store_done(st);
  return exists ? 0
                : cg_err_set(err, CG_ENOTFOUND, "orders: no order %s", number);
}

static int insert_line(struct cg_store *s, const char *number, size_t pos,
                       const struct cg_store_order_line *l, struct cg_err *err)
{
  if (l->line_ref == NULL || l->sku == NULL || l->quantity < 0)
    return cg_err_set(err, CG_EINVAL,
                      "orders: line %zu of %s needs a "
                      "line_ref, a sku and a quantity >= 0",
                      pos, number);
  sqlite3_stmt *st = s->st[CG__ST_LINES_INSERT];
  int ret = cg__store_bind(s, st, err, "ssIsIs", number, l->line_ref,
                           (int64_t)pos, l->sku, l->quantity, l->unit_price);
  return ret ? ret : cg__store_exec(s, st, "orders: insert line", err);
}

int cg_store_order_lines_replace(struct cg_store *s, const char *number,
                                 const struct cg_store_order_line *lines,
                                 size_t n, struct cg_err *err)
{
  bool has_lines = false;
  int ret = order_has_lines(s, number, &has_lines, err);
  if (ret != 0)
    return ret;
  if ((ret = cg__store_sp_begin(s, err)) != 0)
    return ret;
  sqlite3_stmt *del = s->st[CG__ST_LINES_DELETE];
  if (has_lines) /* a new order has none: no DELETE, no temporary table */
    ret = cg__store_bind(s, del, err, "s", number);
  if (ret == 0 && has_lines)
    ret = cg__store_exec(s, del, "orders: delete lines", err);
  for (size_t i = 0; ret == 0 && i < n; i++)
    ret = insert_line(s, number, i, &lines[i], err);
  int end = cg__store_sp_end(s, ret == 0, err);
  return ret ? ret : end;
}

static int read_line(sqlite3_stmt *st, void *p)
{
  struct cg_store_order_line *l = p;
  l->quantity = sqlite3_column_int64(st, 2);
  if (cg__store_col_text(st, 0, &l->line_ref) ||
      cg__store_col_text(st, 1, &l->sku) ||
      cg__store_col_text(st, 3, &l->unit_price))
    return CG_ENOMEM;
  return 0;
}

static void clear_line(void *p)
{
  struct cg_store_order_line *l = p;
  cg_free(l->line_ref);
  cg_free(l->sku);
  cg_free(l->unit_price);
  memset(l, 0, sizeof(*l));
}

int cg_store_order_lines_list(struct cg_store *s, const char *number,
                              struct cg_store_order_line_list *out,
                              struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  sqlite3_stmt *st = s->st[CG__ST_LINES_LIST];
  int ret = cg__store_bind(s, st, err, "s", number);
  if (ret != 0)
    return ret;
  return cg__store_rows(s, st, sizeof(*out->items), read_line, clear_line,
                        (void **)&out->items, &out->n, "orders: lines", err);
}

void cg_store_order_clear(struct cg_store_order *o)
{
  if (o == NULL)
    return;
  cg_free(o->number);
  cg_free(o->centra_id);
  cg_free(o->centra_status);
  cg_free(o->payload);
  cg_free(o->hold_reason);
  cg_free(o->rule_generation);
  cg_free(o->gxo_ref);
  memset(o, 0, sizeof(*o));
}

void cg_store_order_list_clear(struct cg_store_order_list *list)
{
  if (list == NULL)
    return;
  for (size_t i = 0; i < list->n; i++)
    cg_store_order_clear(&list->items[i]);
  cg_free(list->items);
  list->items = NULL;
  list->n = 0;
}

void cg_store_order_line_list_clear(struct cg_store_order_line_list *list)
{
  if (list == NULL)
    return;
  for (size_t i = 0; i < list->n; i++)
    clear_line(&list->items[i]);
  cg_free(list->items);
  list->items = NULL;
  list->n = 0;
}
