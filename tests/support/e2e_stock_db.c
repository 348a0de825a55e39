/*
 * e2e_stock_db: see e2e_stock_db.h.
 */
#include "e2e_stock_db.h"

#include "base/json.h"
#include "store/store_stock.h"
#include "testutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

static sqlite3 *db_open(struct e2e *t)
{
  char path[600];
  sqlite3 *db = NULL;
  snprintf(path, sizeof(path), "%s/shop.db", t->dir);
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    sqlite3_close(db);
    return NULL;
  }
  sqlite3_busy_timeout(db, 5000);
  return db;
}

/* A statement of sql on db; fails the test when it cannot be prepared. */
static sqlite3_stmt *db_prepare(sqlite3 *db, const char *sql)
{
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    fail_msg("%s: %s", sql, sqlite3_errmsg(db));
  return st;
}

long stockdb_busy(struct e2e *t)
{
  sqlite3 *db = db_open(t);
  sqlite3_stmt *st = NULL;
  long n = -1;
  if (db != NULL &&
      sqlite3_prepare_v2(db,
                         "SELECT count(*) FROM stock"
                         " WHERE dirty_since > 0 OR batch > 0",
                         -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    n = (long)sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

/* --- one SKU's row and levels --------------------------------------------- */

static long sellable_levels(sqlite3 *db, const char *sku)
{
  sqlite3_stmt *st = db_prepare(
      db, "SELECT coalesce(sum(quantity), 0) FROM stock_levels"
          " WHERE sku = ?1 AND status IN ('AVAILABLE', 'ALLOCATED')");
  sqlite3_bind_text(st, 1, sku, -1, SQLITE_STATIC);
  long n =
      sqlite3_step(st) == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : -1;
  sqlite3_finalize(st);
  return n;
}

static void expect(bool ok, const char *sku, const char *what, long got,
                   long want)
{
  if (!ok)
    fail_msg("engine's stock of %s: %s is %ld, expected %ld", sku, what, got,
             want);
}

/* The row of sku against the warehouse's sellable figure want. */
static void verify_row(sqlite3 *db, const char *sku, long want)
{
  static const char *const cols[] = {
      "pending_dispatch", "pending_return", "dirty_since", "batch", "held",
      "pushed",           "pushed_qty"};
  sqlite3_stmt *st = db_prepare(
      db, "SELECT pending_dispatch, pending_return, dirty_since, batch, held,"
          " pushed, pushed_qty FROM stock WHERE sku = ?1");
  sqlite3_bind_text(st, 1, sku, -1, SQLITE_STATIC);
  if (sqlite3_step(st) != SQLITE_ROW)
    fail_msg("the engine has no stock row for %s", sku);
  for (int i = 0; i < 7; i++) {
    long v = (long)sqlite3_column_int64(st, i);
    long w = i == 5 ? 1 : i == 6 ? want : 0;
    expect(v == w, sku, cols[i], v, w);
  }
  sqlite3_finalize(st);
  long levels = sellable_levels(db, sku);
  expect(levels == want, sku, "AVAILABLE + ALLOCATED", levels, want);
}

/* --- the applied-event log against the warehouse's events ----------------- */

static const cJSON *event_at(const cJSON *events, long seq)
{
  const cJSON *e;
  cJSON_ArrayForEach(e, cg_json_get(events, "events"))
  {
    if (cg_json_int(e, "sequence", -1) == seq)
      return e;
  }
  return NULL;
}

static bool same(const char *a, const char *b)
{
  return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* Units of sku a consignment (shipment.confirmed data) took out. */
static long shipped_units(const cJSON *data, const char *sku)
{
  const cJSON *p, *l;
  long n = 0;
  cJSON_ArrayForEach(p, cg_json_get(data, "parcels"))
  {
    cJSON_ArrayForEach(l, cg_json_get(p, "lines"))
    {
      if (same(cg_json_str(l, "sku"), sku))
        n += (long)cg_json_int(l, "quantity", 0);
    }
  }
  return n;
}

/* Whether env changes sku's status by delta. A consignment's units may
 * be logged over several statuses: only the SKU is checked here, the sum
 * by log_sum_ok. */
static bool effect_of(const cJSON *env, const char *sku, const char *status,
                      long delta)
{
  const char *type = cg_json_str(env, "eventType");
  const cJSON *d = cg_json_get(env, "data");
  long q = (long)cg_json_int(d, "quantity", 0);
  if (same(type, "stock.adjusted"))
    return same(cg_json_str(d, "sku"), sku) &&
           same(cg_json_str(d, "stockStatus"), status) &&
           cg_json_int(d, "quantityDelta", 0) == delta;
  if (same(type, "stock.status_moved"))
    return same(cg_json_str(d, "sku"), sku) &&
           ((same(cg_json_str(d, "fromStatus"), status) && delta == -q) ||
            (same(cg_json_str(d, "toStatus"), status) && delta == q));
  return same(type, "shipment.confirmed") && shipped_units(d, sku) > 0;
}

/* A consignment's log rows for sku add up to the units it took out. */
static bool log_sum_ok(sqlite3 *db, const cJSON *env, long seq, const char *sku)
{
  if (!same(cg_json_str(env, "eventType"), "shipment.confirmed"))
    return true;
  sqlite3_stmt *st = db_prepare(db, "SELECT sum(delta) FROM stock_events"
                                    " WHERE seq = ?1 AND sku = ?2");
  sqlite3_bind_int64(st, 1, seq);
  sqlite3_bind_text(st, 2, sku, -1, SQLITE_STATIC);
  long sum = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_finalize(st);
  return sum == -shipped_units(cg_json_get(env, "data"), sku);
}

static long verify_log(sqlite3 *db, const cJSON *events)
{
  sqlite3_stmt *st = db_prepare(
      db, "SELECT seq, sku, status, delta FROM stock_events ORDER BY seq");
  long n = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    long seq = (long)sqlite3_column_int64(st, 0);
    const char *sku = (const char *)sqlite3_column_text(st, 1);
    const char *status = (const char *)sqlite3_column_text(st, 2);
    long delta = (long)sqlite3_column_int64(st, 3);
    const cJSON *env = event_at(events, seq);
    if (env == NULL || !effect_of(env, sku, status, delta) ||
        !log_sum_ok(db, env, seq, sku))
      fail_msg("the engine logged event %ld as %s %s %+ld; the warehouse's "
               "event %ld is %s",
               seq, sku, status, delta, seq,
               env ? cg_json_str(env, "eventType") : "unknown");
    n++;
  }
  sqlite3_finalize(st);
  return n;
}

/* sku's effective base: its row's own or the last completed snapshot's,
 * the larger (docs/internals/stock.md "Never applied twice"). */
static long base_of(sqlite3 *db, const char *sku)
{
  sqlite3_stmt *st = db_prepare(
      db, "SELECT max(base_seq, COALESCE((SELECT CAST(value AS INTEGER)"
          " FROM cursors WHERE name = '" CG_STORE_STOCK_BASE_CURSOR "'), 0))"
          " FROM stock WHERE sku = ?1");
  sqlite3_bind_text(st, 1, sku, -1, SQLITE_STATIC);
  long base = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_finalize(st);
  return base;
}

/* Whether the log holds an effect of event seq on sku (in status unless
 * status is NULL). */
static bool logged(sqlite3 *db, long seq, const char *sku, const char *status)
{
  sqlite3_stmt *st =
      db_prepare(db, "SELECT 1 FROM stock_events WHERE seq = ?1 AND sku = ?2"
                     " AND (?3 IS NULL OR status = ?3)");
  sqlite3_bind_int64(st, 1, seq);
  sqlite3_bind_text(st, 2, sku, -1, SQLITE_STATIC);
  if (status != NULL)
    sqlite3_bind_text(st, 3, status, -1, SQLITE_STATIC);
  bool found = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_finalize(st);
  return found;
}

/* Event env's effect on sku (in status) is logged unless the SKU's
 * snapshot base covers it. */
static void expect_logged(sqlite3 *db, const cJSON *env, const char *sku,
                          const char *status)
{
  long seq = (long)cg_json_int(env, "sequence", -1);
  if (sku == NULL || seq <= base_of(db, sku) || logged(db, seq, sku, status))
    return;
  fail_msg("warehouse event %ld (%s) on %s %s is above the SKU's snapshot "
           "base (%ld) but not in the engine's log: lost",
           seq, cg_json_str(env, "eventType"), sku, status ? status : "",
           base_of(db, sku));
}

/* Every stock effect the warehouse published is in the log or covered by
 * a snapshot. */
static void verify_coverage(sqlite3 *db, const cJSON *events)
{
  const cJSON *e, *p, *l;
  cJSON_ArrayForEach(e, cg_json_get(events, "events"))
  {
    const char *type = cg_json_str(e, "eventType");
    const cJSON *d = cg_json_get(e, "data");
    if (same(type, "stock.adjusted"))
      expect_logged(db, e, cg_json_str(d, "sku"),
                    cg_json_str(d, "stockStatus"));
    if (same(type, "stock.status_moved")) {
      expect_logged(db, e, cg_json_str(d, "sku"), cg_json_str(d, "fromStatus"));
      expect_logged(db, e, cg_json_str(d, "sku"), cg_json_str(d, "toStatus"));
    }
    if (!same(type, "shipment.confirmed"))
      continue;
    cJSON_ArrayForEach(p, cg_json_get(d, "parcels"))
    {
      cJSON_ArrayForEach(l, cg_json_get(p, "lines"))
      {
        expect_logged(db, e, cg_json_str(l, "sku"), NULL);
      }
    }
  }
}

long stockdb_verify(struct e2e *t, const struct sides_skus *s)
{
  sqlite3 *db = db_open(t);
  assert_non_null(db);
  cJSON *wms = sides_wms_table(t);
  for (size_t i = 0; i < s->n; i++)
    verify_row(db, s->v[i], sides_wms_sellable(wms, s->v[i]));
  cJSON_Delete(wms);
  cJSON *events = e2e_get(t, 'g', "/_sim/wms/events");
  assert_non_null(events);
  long n = verify_log(db, events);
  verify_coverage(db, events);
  cJSON_Delete(events);
  sqlite3_close(db);
  return n;
}
