/*
 * store_returns: see store_returns.h. The customer returns of schema
 * step 11 (docs/internals/returns.md "Store"): the `returns` rows, their
 * `return_lines`, the way from a Centra return line to the order line the
 * engine sent, and the per-RMA ledger of the two restock routes. The flows
 * (core/flows/returns*.c) decide; this file binds, reads and checks the
 * statements of store_sql.c. A write of several statements runs in a
 * savepoint, so it is atomic inside or outside the caller's transaction.
 */
#include "store/store_returns.h"

#include "base/err.h"
#include "base/mem.h"
#include "store/store.h"
#include "store/store_int.h"

#include <string.h>

static const char *const step_names[CG_STORE_RETURN_NSTEPS] = {
    [CG_STORE_RETURN_NONE] = "none",
    [CG_STORE_RETURN_NEW] = "new",
    [CG_STORE_RETURN_ADVISED] = "advised",
    [CG_STORE_RETURN_REJECTED] = "rejected",
    [CG_STORE_RETURN_RECEIVED] = "received",
    [CG_STORE_RETURN_DECIDED] = "decided",
    [CG_STORE_RETURN_COMPLETED] = "completed",
    [CG_STORE_RETURN_SETTLED] = "settled",
    [CG_STORE_RETURN_HELD] = "held",
    [CG_STORE_RETURN_IGNORED] = "ignored",
};

/* Units a restock may carry: far above any return, far below overflow. */
#define RESTOCK_MAX 1000000000LL

const char *cg_store_return_step_name(enum cg_store_return_step st)
{
  return (unsigned)st < CG_STORE_RETURN_NSTEPS ? step_names[st] : "none";
}

enum cg_store_return_step cg_store_return_step_parse(const char *name)
{
  for (int i = 1; name != NULL && i < CG_STORE_RETURN_NSTEPS; i++)
    if (strcmp(name, step_names[i]) == 0)
      return (enum cg_store_return_step)i;
  return CG_STORE_RETURN_NONE;
}

static bool step_valid(enum cg_store_return_step st)
{
  return st > CG_STORE_RETURN_NONE && (unsigned)st < CG_STORE_RETURN_NSTEPS;
}

/* ---- clearing ------------------------------------------------------------*/

void cg_store_return_clear(struct cg_store_return *r)
{
  if (r == NULL)
    return;
  cg_free(r->order_number);
  cg_free(r->initial_status);
  cg_free(r->comment);
  cg_free(r->receipt_id);
  cg_free(r->receipt);
  cg_free(r->plan);
  cg_free(r->hold_reason);
  memset(r, 0, sizeof(*r));
}

static void clear_line(struct cg_store_return_line *l)
{
  cg_free(l->line_ref);
  cg_free(l->sku);
  cg_free(l->condition);
  cg_free(l->disposition);
  cg_free(l->decision);
  memset(l, 0, sizeof(*l));
}

void cg_store_return_lines_clear(struct cg_store_return_lines *l)
{
  if (l == NULL)
    return;
  for (size_t i = 0; i < l->n; i++)
    clear_line(&l->items[i]);
  cg_free(l->items);
  memset(l, 0, sizeof(*l));
}

void cg_store_return_list_clear(struct cg_store_return_list *l)
{
  if (l == NULL)
    return;
  for (size_t i = 0; i < l->n; i++)
    cg_store_return_clear(&l->items[i]);
  cg_free(l->items);
  memset(l, 0, sizeof(*l));
}

/* ---- reads ---------------------------------------------------------------*/

/* Reads a row of CG__RETURN_COLS. */
static int read_return(sqlite3_stmt *st, void *row)
{
  struct cg_store_return *r = row;
  r->id = sqlite3_column_int64(st, 0);
  r->step =
      cg_store_return_step_parse((const char *)sqlite3_column_text(st, 2));
  r->created_at = sqlite3_column_int64(st, 9);
  r->updated_at = sqlite3_column_int64(st, 10);
  if (cg__store_col_text(st, 1, &r->order_number) != 0 ||
      cg__store_col_text(st, 3, &r->initial_status) != 0 ||
      cg__store_col_text(st, 4, &r->comment) != 0 ||
      cg__store_col_text(st, 5, &r->receipt_id) != 0 ||
      cg__store_col_text(st, 6, &r->receipt) != 0 ||
      cg__store_col_text(st, 7, &r->plan) != 0)
    return CG_ENOMEM;
  return cg__store_col_text(st, 8, &r->hold_reason);
}

static void clear_return(void *row)
{
  cg_store_return_clear(row);
}

/* Reads a row of CG__RETURN_LINE_COLS. */
static int read_line(sqlite3_stmt *st, void *row)
{
  struct cg_store_return_line *l = row;
  l->line_id = sqlite3_column_int64(st, 0);
  l->advised = sqlite3_column_int64(st, 3);
  l->received = sqlite3_column_int64(st, 4);
  l->centra_restocked = sqlite3_column_int64(st, 8);
  l->warehouse_restocked = sqlite3_column_int64(st, 9);
  if (cg__store_col_text(st, 1, &l->line_ref) != 0 ||
      cg__store_col_text(st, 2, &l->sku) != 0 ||
      cg__store_col_text(st, 5, &l->condition) != 0 ||
      cg__store_col_text(st, 6, &l->disposition) != 0)
    return CG_ENOMEM;
  return cg__store_col_text(st, 7, &l->decision);
}

static void clear_line_row(void *row)
{
  clear_line(row);
}

static int return_rows(struct cg_store *s, sqlite3_stmt *st,
                       struct cg_store_return_list *out, const char *what,
                       struct cg_err *err)
{
  return cg__store_rows(s, st, sizeof(*out->items), read_return, clear_return,
                        (void **)&out->items, &out->n, what, err);
}

int cg_store_return_get(struct cg_store *s, int64_t id,
                        struct cg_store_return *out, struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  sqlite3_stmt *st = s->st[CG__ST_RETURN_GET];
  int ret = cg__store_bind(s, st, err, "I", id);
  if (ret == 0)
    ret = cg__store_step_row(s, st, "returns: get", err);
  if (ret == CG_ENOTFOUND)
    return cg_err_set(err, CG_ENOTFOUND, "returns: no return %lld",
                      (long long)id);
  if (ret != 0)
    return ret;
  if (read_return(st, out) != 0) {
    cg_store_return_clear(out);
    ret = cg_err_set(err, CG_ENOMEM, "returns: get: out of memory");
  }
  cg__store_done(st);
  return ret;
}

int cg_store_return_lines_get(struct cg_store *s, int64_t id,
                              struct cg_store_return_lines *out,
                              struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  sqlite3_stmt *st = s->st[CG__ST_RETURN_LINES];
  int ret = cg__store_bind(s, st, err, "I", id);
  if (ret != 0)
    return ret;
  return cg__store_rows(s, st, sizeof(*out->items), read_line, clear_line_row,
                        (void **)&out->items, &out->n, "returns: lines", err);
}

int cg_store_return_by_order(struct cg_store *s, const char *order_number,
                             struct cg_store_return_list *out,
                             struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  if (order_number == NULL)
    return cg_err_set(err, CG_EINVAL, "returns: by order: an order number");
  sqlite3_stmt *st = s->st[CG__ST_RETURN_BY_ORDER];
  int ret = cg__store_bind(s, st, err, "s", order_number);
  return ret ? ret : return_rows(s, st, out, "returns: by order", err);
}

int cg_store_return_order_line(struct cg_store *s, const char *line_ref,
                               char **order_number, char **sku,
                               struct cg_err *err)
{
  *order_number = *sku = NULL;
  if (line_ref == NULL)
    return cg_err_set(err, CG_EINVAL, "returns: order line: a line ref");
  sqlite3_stmt *st = s->st[CG__ST_RETURN_ORDER_LINE];
  int ret = cg__store_bind(s, st, err, "s", line_ref);
  if (ret == 0)
    ret = cg__store_step_row(s, st, "returns: order line", err);
  if (ret == CG_ENOTFOUND)
    return cg_err_set(err, CG_ENOTFOUND,
                      "returns: the engine sent no order line %s", line_ref);
  if (ret != 0)
    return ret;
  if (cg__store_col_text(st, 0, order_number) != 0 ||
      cg__store_col_text(st, 1, sku) != 0) {
    cg_free(*order_number);
    cg_free(*sku);
    *order_number = *sku = NULL;
    ret = cg_err_set(err, CG_ENOMEM, "returns: order line: out of memory");
  }
  cg__store_done(st);
  return ret;
}

/* ---- put -----------------------------------------------------------------*/

/* The received units stored for a line given to put: as given when the
 * line carries the receipt (units, a condition or a disposition), -1
 * (not received) otherwise, so a zeroed struct means "not yet". */
static int64_t put_received(const struct cg_store_return_line *l)
{
  bool given =
      l->received > 0 || l->condition != NULL || l->disposition != NULL;
  return given && l->received >= 0 ? l->received : -1;
}

static int put_line(struct cg_store *s, int64_t id,
                    const struct cg_store_return_line *l, struct cg_err *err)
{
  if (l->line_ref == NULL || l->sku == NULL || l->advised < 1 ||
      l->centra_restocked < 0 || l->warehouse_restocked < 0)
    return cg_err_set(err, CG_EINVAL,
                      "returns: a line of %lld needs a line ref, a SKU and "
                      "advised units >= 1",
                      (long long)id);
  sqlite3_stmt *st = s->st[CG__ST_RETURN_LINE_PUT];
  int ret = cg__store_bind(s, st, err, "IIssIIsssII", id, l->line_id,
                           l->line_ref, l->sku, l->advised, put_received(l),
                           l->condition, l->disposition, l->decision,
                           l->centra_restocked, l->warehouse_restocked);
  return ret ? ret : cg__store_exec(s, st, "returns: put line", err);
}

static int put_row(struct cg_store *s, const struct cg_store_return *r,
                   int64_t now_ms, struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_RETURN_PUT];
  int ret = cg__store_bind(s, st, err, "IssssssssI", r->id, r->order_number,
                           step_names[r->step], r->initial_status, r->comment,
                           r->receipt_id, r->receipt, r->plan, r->hold_reason,
                           now_ms);
  if (ret == 0)
    ret = cg__store_exec(s, st, "returns: put", err);
  if (ret == 0 && sqlite3_changes(s->db) == 0)
    ret = cg_err_set(err, CG_EEXIST, "returns: %lld already known",
                     (long long)r->id);
  return ret;
}

int cg_store_return_put(struct cg_store *s, const struct cg_store_return *r,
                        const struct cg_store_return_line *lines, size_t n,
                        int64_t now_ms, struct cg_err *err)
{
  if (r == NULL || !step_valid(r->step) || (n > 0 && lines == NULL))
    return cg_err_set(err, CG_EINVAL, "returns: put needs a return and a step");
  int ret = cg__store_sp_begin(s, err);
  if (ret != 0)
    return ret;
  ret = put_row(s, r, now_ms, err);
  for (size_t i = 0; ret == 0 && i < n; i++)
    ret = put_line(s, r->id, &lines[i], err);
  int end = cg__store_sp_end(s, ret == 0, err);
  return ret ? ret : end;
}

static int lines_replace_sp(struct cg_store *s, int64_t id,
                            const struct cg_store_return_line *lines, size_t n,
                            struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_RETURN_LINES_DELETE];
  int ret = cg__store_bind(s, st, err, "I", id);
  if (ret == 0)
    ret = cg__store_exec(s, st, "returns: lines replaced", err);
  for (size_t i = 0; ret == 0 && i < n; i++)
    ret = put_line(s, id, &lines[i], err);
  return ret;
}

int cg_store_return_lines_replace(struct cg_store *s, int64_t id,
                                  const struct cg_store_return_line *lines,
                                  size_t n, struct cg_err *err)
{
  struct cg_store_return r = {0};
  if (n > 0 && lines == NULL)
    return cg_err_set(err, CG_EINVAL, "returns: lines replaced: no lines");
  int ret = cg_store_return_get(s, id, &r, err);
  cg_store_return_clear(&r);
  if (ret == 0)
    ret = cg__store_sp_begin(s, err);
  if (ret != 0)
    return ret;
  ret = lines_replace_sp(s, id, lines, n, err);
  int end = cg__store_sp_end(s, ret == 0, err);
  return ret ? ret : end;
}

/* ---- updates -------------------------------------------------------------*/

/* Runs the bound update st; CG_ENOTFOUND when it changed no row. */
static int update(struct cg_store *s, sqlite3_stmt *st, int64_t id,
                  const char *what, struct cg_err *err)
{
  int ret = cg__store_exec(s, st, what, err);
  if (ret == 0 && sqlite3_changes(s->db) == 0)
    ret = cg_err_set(err, CG_ENOTFOUND, "%s: no return %lld", what,
                     (long long)id);
  return ret;
}

int cg_store_return_set_step(struct cg_store *s, int64_t id,
                             enum cg_store_return_step step,
                             const char *hold_reason, int64_t now_ms,
                             struct cg_err *err)
{
  if (!step_valid(step))
    return cg_err_set(err, CG_EINVAL, "returns: set step: bad step %d",
                      (int)step);
  sqlite3_stmt *st = s->st[CG__ST_RETURN_SET_STEP];
  int ret = cg__store_bind(s, st, err, "IssI", id, step_names[step],
                           hold_reason, now_ms);
  return ret ? ret : update(s, st, id, "returns: set step", err);
}

int cg_store_return_set_receipt(struct cg_store *s, int64_t id,
                                const char *receipt_id, const char *receipt,
                                int64_t now_ms, struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_RETURN_SET_RECEIPT];
  int ret = cg__store_bind(s, st, err, "IssI", id, receipt_id, receipt, now_ms);
  return ret ? ret : update(s, st, id, "returns: set receipt", err);
}

int cg_store_return_set_plan(struct cg_store *s, int64_t id, const char *plan,
                             int64_t now_ms, struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_RETURN_SET_PLAN];
  int ret = cg__store_bind(s, st, err, "IsI", id, plan, now_ms);
  return ret ? ret : update(s, st, id, "returns: set plan", err);
}

/* Runs the bound update st of a line; CG_ENOTFOUND when it changed none. */
static int update_line(struct cg_store *s, sqlite3_stmt *st, int64_t id,
                       const char *line_ref, const char *what,
                       struct cg_err *err)
{
  int ret = cg__store_exec(s, st, what, err);
  if (ret == 0 && sqlite3_changes(s->db) == 0)
    ret = cg_err_set(err, CG_ENOTFOUND, "%s: return %lld has no line %s", what,
                     (long long)id, line_ref);
  return ret;
}

int cg_store_return_line_received(struct cg_store *s, int64_t id,
                                  int64_t line_id, int64_t received,
                                  const char *condition,
                                  const char *disposition, struct cg_err *err)
{
  static const char what[] = "returns: line received";
  if (received < 0)
    return cg_err_set(err, CG_EINVAL, "%s needs units >= 0", what);
  sqlite3_stmt *st = s->st[CG__ST_RETURN_LINE_RECEIVED];
  int ret = cg__store_bind(s, st, err, "IIIss", id, line_id, received,
                           condition, disposition);
  if (ret == 0)
    ret = cg__store_exec(s, st, what, err);
  if (ret == 0 && sqlite3_changes(s->db) == 0)
    ret = cg_err_set(err, CG_ENOTFOUND, "%s: return %lld has no line %lld",
                     what, (long long)id, (long long)line_id);
  return ret;
}

int cg_store_return_line_decision(struct cg_store *s, int64_t id,
                                  const char *line_ref, const char *decision,
                                  struct cg_err *err)
{
  if (line_ref == NULL)
    return cg_err_set(err, CG_EINVAL, "returns: line decision: a line ref");
  sqlite3_stmt *st = s->st[CG__ST_RETURN_LINE_DECISION];
  int ret = cg__store_bind(s, st, err, "Iss", id, line_ref, decision);
  return ret ? ret
             : update_line(s, st, id, line_ref, "returns: line decision", err);
}

/* ---- the restock routes --------------------------------------------------*
 *
 * Per return and SKU, summed over the return's lines with that SKU:
 *   C = units Centra restocked at completion (route centra),
 *   W = units the warehouse's feed showed for this RMA (stock.adjusted).
 * What R holds for them is what Centra counted that the feed has not
 * shown yet: net(C, W) = max(C - W, 0). Each call records its units on
 * the return's lowest line id with the SKU and moves R by the change of
 * net: a Centra restock adds net(C + units, W) - net(C, W), a feed event
 * takes net(C, W) - net(C, W + delta). So whatever the order of the
 * events, R ends at net(C, W) and every unit is counted once. W never
 * exceeds the units of the return's lines with the SKU (received, or
 * advised when more): an event seen again after the snapshot pruned the
 * stock log (its seq is then below the SKU's base, like an event the
 * snapshot already counted) records nothing once the units are all shown.
 */

struct sku_ledger {
  int64_t line_id;   /* where the units are recorded */
  int64_t centra;    /* C */
  int64_t warehouse; /* W */
  int64_t units;     /* the most W can reach */
};

static int64_t net(int64_t centra, int64_t warehouse)
{
  return centra > warehouse ? centra - warehouse : 0;
}

/* The ledger of sku on return id; CG_ENOTFOUND when no line has sku. */
static int sku_ledger(struct cg_store *s, int64_t id, const char *sku,
                      struct sku_ledger *out, const char *what,
                      struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_RETURN_SKU_SUMS];
  int ret = cg__store_bind(s, st, err, "Is", id, sku);
  if (ret == 0)
    ret = cg__store_step_row(s, st, what, err);
  if (ret != 0)
    return ret;
  bool none = sqlite3_column_type(st, 0) == SQLITE_NULL; /* min() of none */
  out->line_id = sqlite3_column_int64(st, 0);
  out->centra = sqlite3_column_int64(st, 1);
  out->warehouse = sqlite3_column_int64(st, 2);
  out->units = sqlite3_column_int64(st, 3);
  cg__store_done(st);
  if (none)
    return cg_err_set(err, CG_ENOTFOUND, "%s: return %lld has no line with %s",
                      what, (long long)id, sku);
  return 0;
}

/* Adds units to the ledger column of statement which on line_id. */
static int ledger_add(struct cg_store *s, enum cg__st which, int64_t id,
                      int64_t line_id, int64_t units, const char *what,
                      struct cg_err *err)
{
  sqlite3_stmt *st = s->st[which];
  int ret = cg__store_bind(s, st, err, "III", id, line_id, units);
  return ret ? ret : cg__store_exec(s, st, what, err);
}

static int check_units(const char *sku, int64_t units, int64_t min,
                       const char *what, struct cg_err *err)
{
  if (sku == NULL || units < min || units > RESTOCK_MAX)
    return cg_err_set(err, CG_EINVAL, "%s: a SKU and %lld to %lld units", what,
                      (long long)min, RESTOCK_MAX);
  return 0;
}

int cg_store_return_restock_centra(struct cg_store *s, int64_t id,
                                   const char *sku, int64_t units, int64_t *add,
                                   struct cg_err *err)
{
  static const char what[] = "returns: restock centra";
  *add = 0;
  struct sku_ledger l;
  int ret = check_units(sku, units, 0, what, err);
  if (ret == 0)
    ret = sku_ledger(s, id, sku, &l, what, err);
  if (ret == 0)
    ret = ledger_add(s, CG__ST_RETURN_RESTOCK_CENTRA, id, l.line_id, units,
                     what, err);
  if (ret == 0)
    *add = net(l.centra + units, l.warehouse) - net(l.centra, l.warehouse);
  return ret;
}

int cg_store_return_restock_warehouse(struct cg_store *s, int64_t id,
                                      const char *sku, int64_t delta,
                                      int64_t *take, struct cg_err *err)
{
  static const char what[] = "returns: restock warehouse";
  *take = 0;
  struct sku_ledger l;
  int ret = check_units(sku, delta, 0, what, err);
  if (ret == 0)
    ret = sku_ledger(s, id, sku, &l, what, err);
  if (ret != 0)
    return ret;
  int64_t room = l.units > l.warehouse ? l.units - l.warehouse : 0;
  int64_t shown = delta < room ? delta : room;
  if (shown > 0)
    ret = ledger_add(s, CG__ST_RETURN_RESTOCK_WAREHOUSE, id, l.line_id, shown,
                     what, err);
  if (ret == 0)
    *take = net(l.centra, l.warehouse) - net(l.centra, l.warehouse + shown);
  return ret;
}

/* ---- sweeps and counts ---------------------------------------------------*/

int cg_store_return_held_resolved(struct cg_store *s, const char *entity_kind,
                                  int limit, struct cg_store_return_list *out,
                                  struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  if (entity_kind == NULL || limit < 1)
    return cg_err_set(err, CG_EINVAL,
                      "returns: held resolved: an entity kind and a limit");
  sqlite3_stmt *st = s->st[CG__ST_RETURN_HELD_RESOLVED];
  int ret = cg__store_bind(s, st, err, "si", entity_kind, limit);
  return ret ? ret : return_rows(s, st, out, "returns: held resolved", err);
}

int cg_store_return_counts(struct cg_store *s,
                           int64_t counts[CG_STORE_RETURN_NSTEPS],
                           struct cg_err *err)
{
  return cg__store_count_by_name(s, s->st[CG__ST_RETURN_COUNTS], step_names,
                                 CG_STORE_RETURN_NSTEPS, counts,
                                 "returns: counts", err);
}
