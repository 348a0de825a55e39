/*
 * Unit tests for the store's customer returns (schema step 11,
 * docs/internals/returns.md "Store"): a return and its lines round-trip,
 * a second put of the same id writes nothing, step names parse both ways,
 * the receipt, a line's received units and decision and the plan are
 * recorded, a Centra return line finds the order line the engine sent,
 * an order lists its returns, the held sweep returns only the returns
 * whose exceptions are all resolved, the counts per step, the restock
 * ledger of the two routes in either order, and a v10 store migrated to
 * step 11 keeps its rows.
 */
#include "store_fixture.h"

#include "store/store_int.h"
#include "store/store_returns.h"

#include <string.h>

#define NOW 1000000

/* Puts return id of order (NULL: none) with lines L1 (SKU-A, 2 units)
 * and L2 (SKU-B, 1), or with the n lines given. */
static int put(struct fx *f, int64_t id, const char *order,
               const struct cg_store_return_line *lines, size_t n, int64_t now)
{
  static const struct cg_store_return_line two[] = {
      {.line_id = 11, .line_ref = "L1", .sku = "SKU-A", .advised = 2},
      {.line_id = 12, .line_ref = "L2", .sku = "SKU-B", .advised = 1},
  };
  struct cg_store_return r = {.id = id,
                              .order_number = (char *)order,
                              .step = CG_STORE_RETURN_NEW,
                              .initial_status = "pending",
                              .comment = "too small"};
  struct cg_err err = {0};
  if (lines == NULL) {
    lines = two;
    n = 2;
  }
  return cg_store_return_put(f->s, &r, lines, n, now, &err);
}

static struct cg_store_return get(struct fx *f, int64_t id)
{
  struct cg_err err = {0};
  struct cg_store_return r;
  assert_int_equal(cg_store_return_get(f->s, id, &r, &err), 0);
  return r;
}

static struct cg_store_return_lines lines_of(struct fx *f, int64_t id)
{
  struct cg_err err = {0};
  struct cg_store_return_lines l;
  assert_int_equal(cg_store_return_lines_get(f->s, id, &l, &err), 0);
  return l;
}

static void test_step_names(void **state)
{
  (void)state;
  for (int i = 0; i < CG_STORE_RETURN_NSTEPS; i++) {
    enum cg_store_return_step st = (enum cg_store_return_step)i;
    assert_int_equal(cg_store_return_step_parse(cg_store_return_step_name(st)),
                     st);
  }
  assert_string_equal(cg_store_return_step_name(CG_STORE_RETURN_HELD), "held");
  assert_string_equal(cg_store_return_step_name(CG_STORE_RETURN_NONE), "none");
  assert_int_equal(cg_store_return_step_parse("settled"),
                   CG_STORE_RETURN_SETTLED);
  assert_int_equal(cg_store_return_step_parse("bogus"), CG_STORE_RETURN_NONE);
  assert_int_equal(cg_store_return_step_parse(NULL), CG_STORE_RETURN_NONE);
}

static void test_put_get_lines(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  assert_int_equal(put(f, 501, "1001", NULL, 0, NOW), 0);
  struct cg_store_return r = get(f, 501);
  assert_int_equal(r.id, 501);
  assert_string_equal(r.order_number, "1001");
  assert_int_equal(r.step, CG_STORE_RETURN_NEW);
  assert_string_equal(r.initial_status, "pending");
  assert_string_equal(r.comment, "too small");
  assert_null(r.receipt_id);
  assert_null(r.receipt);
  assert_null(r.plan);
  assert_null(r.hold_reason);
  assert_int_equal(r.created_at, NOW);
  assert_int_equal(r.updated_at, NOW);
  cg_store_return_clear(&r);

  struct cg_store_return_lines l = lines_of(f, 501);
  assert_int_equal(l.n, 2);
  assert_int_equal(l.items[0].line_id, 11);
  assert_string_equal(l.items[0].line_ref, "L1");
  assert_string_equal(l.items[0].sku, "SKU-A");
  assert_int_equal(l.items[0].advised, 2);
  assert_int_equal(l.items[0].received, -1);
  assert_null(l.items[0].condition);
  assert_null(l.items[0].decision);
  assert_int_equal(l.items[0].centra_restocked, 0);
  assert_int_equal(l.items[0].warehouse_restocked, 0);
  assert_int_equal(l.items[1].line_id, 12);
  assert_string_equal(l.items[1].sku, "SKU-B");
  cg_store_return_lines_clear(&l);

  /* unknown: not found, no lines */
  assert_int_equal(cg_store_return_get(f->s, 999, &r, &err), CG_ENOTFOUND);
  l = lines_of(f, 999);
  assert_int_equal(l.n, 0);
  cg_store_return_lines_clear(&l);
}

/* A second put of the same id writes nothing, not even its lines; a bad
 * line rolls the whole put back. */
static void test_put_twice_and_bad_line(void **state)
{
  struct fx *f = *state;
  assert_int_equal(put(f, 501, "1001", NULL, 0, NOW), 0);
  struct cg_store_return_line other = {
      .line_id = 99, .line_ref = "L9", .sku = "SKU-Z", .advised = 1};
  assert_int_equal(put(f, 501, "1002", &other, 1, NOW + 1), CG_EEXIST);
  struct cg_store_return r = get(f, 501);
  assert_string_equal(r.order_number, "1001");
  assert_int_equal(r.created_at, NOW);
  cg_store_return_clear(&r);
  struct cg_store_return_lines l = lines_of(f, 501);
  assert_int_equal(l.n, 2);
  cg_store_return_lines_clear(&l);

  struct cg_store_return_line bad[] = {
      {.line_id = 1, .line_ref = "L1", .sku = "SKU-A", .advised = 1},
      {.line_id = 2, .line_ref = "L2", .sku = "SKU-B", .advised = 0},
  };
  assert_int_equal(put(f, 502, "1001", bad, 2, NOW), CG_EINVAL);
  struct cg_err err = {0};
  assert_int_equal(cg_store_return_get(f->s, 502, &r, &err), CG_ENOTFOUND);
  assert_int_equal(fx_sql_int(f->path, "SELECT count(*) FROM return_lines"
                                       " WHERE return_id = 502"),
                   0);
}

/* An ignored return has no order; given receipt fields are stored. */
static void test_put_given_fields(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  struct cg_store_return_line l = {.line_id = 1,
                                   .line_ref = "L1",
                                   .sku = "SKU-A",
                                   .advised = 3,
                                   .received = 0,
                                   .condition = "damaged"};
  struct cg_store_return r = {.id = 7,
                              .step = CG_STORE_RETURN_IGNORED,
                              .plan = "{}",
                              .hold_reason = "X"};
  assert_int_equal(cg_store_return_put(f->s, &r, &l, 1, NOW, &err), 0);
  struct cg_store_return got = get(f, 7);
  assert_null(got.order_number);
  assert_int_equal(got.step, CG_STORE_RETURN_IGNORED);
  assert_string_equal(got.plan, "{}");
  assert_string_equal(got.hold_reason, "X");
  cg_store_return_clear(&got);
  struct cg_store_return_lines ls = lines_of(f, 7);
  assert_int_equal(ls.items[0].received, 0); /* given with its condition */
  assert_string_equal(ls.items[0].condition, "damaged");
  cg_store_return_lines_clear(&ls);
  r.step = CG_STORE_RETURN_NONE;
  r.id = 8;
  assert_int_equal(cg_store_return_put(f->s, &r, NULL, 0, NOW, &err),
                   CG_EINVAL);
}

static void test_updates(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  assert_int_equal(put(f, 501, "1001", NULL, 0, NOW), 0);
  assert_int_equal(cg_store_return_set_receipt(f->s, 501, "RCPT-1",
                                               "{\"lines\":[]}", NOW + 1, &err),
                   0);
  assert_int_equal(
      cg_store_return_line_received(f->s, 501, 12, 1, "ok", "restock", &err),
      0);
  assert_int_equal(
      cg_store_return_line_decision(f->s, 501, "L2", "{\"refund\":true}", &err),
      0);
  assert_int_equal(
      cg_store_return_set_plan(f->s, 501, "{\"plan\":1}", NOW + 2, &err), 0);
  assert_int_equal(cg_store_return_set_step(f->s, 501, CG_STORE_RETURN_HELD,
                                            "RETURN_PLAN", NOW + 3, &err),
                   0);
  struct cg_store_return r = get(f, 501);
  assert_string_equal(r.receipt_id, "RCPT-1");
  assert_string_equal(r.receipt, "{\"lines\":[]}");
  assert_string_equal(r.plan, "{\"plan\":1}");
  assert_int_equal(r.step, CG_STORE_RETURN_HELD);
  assert_string_equal(r.hold_reason, "RETURN_PLAN");
  assert_int_equal(r.created_at, NOW);
  assert_int_equal(r.updated_at, NOW + 3);
  cg_store_return_clear(&r);
  struct cg_store_return_lines l = lines_of(f, 501);
  assert_int_equal(l.items[0].received, -1); /* L1 untouched */
  assert_null(l.items[0].decision);
  assert_int_equal(l.items[1].received, 1);
  assert_string_equal(l.items[1].condition, "ok");
  assert_string_equal(l.items[1].disposition, "restock");
  assert_string_equal(l.items[1].decision, "{\"refund\":true}");
  cg_store_return_lines_clear(&l);
}

/* The plan cleared, the hold reason cleared with the step. */
static void test_clear_plan_and_hold(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  struct cg_store_return r;
  assert_int_equal(put(f, 501, "1001", NULL, 0, NOW), 0);
  assert_int_equal(
      cg_store_return_set_plan(f->s, 501, "{\"plan\":1}", NOW + 2, &err), 0);
  assert_int_equal(cg_store_return_set_step(f->s, 501, CG_STORE_RETURN_HELD,
                                            "RETURN_PLAN", NOW + 3, &err),
                   0);
  assert_int_equal(cg_store_return_set_plan(f->s, 501, NULL, NOW + 4, &err), 0);
  assert_int_equal(cg_store_return_set_step(f->s, 501, CG_STORE_RETURN_DECIDED,
                                            NULL, NOW + 5, &err),
                   0);
  r = get(f, 501);
  assert_null(r.plan);
  assert_null(r.hold_reason);
  assert_int_equal(r.step, CG_STORE_RETURN_DECIDED);
  cg_store_return_clear(&r);
}

static void test_updates_unknown(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  assert_int_equal(put(f, 501, "1001", NULL, 0, NOW), 0);
  assert_int_equal(cg_store_return_set_step(f->s, 9, CG_STORE_RETURN_ADVISED,
                                            NULL, NOW, &err),
                   CG_ENOTFOUND);
  assert_int_equal(cg_store_return_set_receipt(f->s, 9, "R", "{}", NOW, &err),
                   CG_ENOTFOUND);
  assert_int_equal(cg_store_return_set_plan(f->s, 9, "{}", NOW, &err),
                   CG_ENOTFOUND);
  assert_int_equal(
      cg_store_return_line_received(f->s, 501, 19, 1, NULL, NULL, &err),
      CG_ENOTFOUND);
  assert_int_equal(cg_store_return_line_decision(f->s, 501, "L9", "{}", &err),
                   CG_ENOTFOUND);
  assert_int_equal(cg_store_return_set_step(f->s, 501, CG_STORE_RETURN_NONE,
                                            NULL, NOW, &err),
                   CG_EINVAL);
}

static void test_order_line(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  struct cg_store_order o = {.number = "1001", .state = CG_STORE_ORDER_SENT};
  assert_int_equal(cg_store_order_upsert(f->s, &o, &err), 0);
  struct cg_store_order_line ol[] = {
      {.line_ref = "4711", .sku = "SKU-A", .quantity = 2},
      {.line_ref = "4712", .sku = "SKU-B", .quantity = 1},
  };
  assert_int_equal(cg_store_order_lines_replace(f->s, "1001", ol, 2, &err), 0);
  char *order = NULL, *sku = NULL;
  assert_int_equal(cg_store_return_order_line(f->s, "4712", &order, &sku, &err),
                   0);
  assert_string_equal(order, "1001");
  assert_string_equal(sku, "SKU-B");
  cg_free(order);
  cg_free(sku);
  assert_int_equal(cg_store_return_order_line(f->s, "9999", &order, &sku, &err),
                   CG_ENOTFOUND);
  assert_null(order);
  assert_null(sku);
}

static void test_by_order(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  assert_int_equal(put(f, 600, "1001", NULL, 0, NOW + 10), 0);
  assert_int_equal(put(f, 500, "1001", NULL, 0, NOW + 20), 0);
  assert_int_equal(put(f, 550, "1002", NULL, 0, NOW), 0);
  struct cg_store_return_list l;
  assert_int_equal(cg_store_return_by_order(f->s, "1001", &l, &err), 0);
  assert_int_equal(l.n, 2);
  assert_int_equal(l.items[0].id, 600); /* oldest first */
  assert_int_equal(l.items[1].id, 500);
  assert_string_equal(l.items[1].comment, "too small");
  cg_store_return_list_clear(&l);
  assert_int_equal(cg_store_return_by_order(f->s, "2000", &l, &err), 0);
  assert_int_equal(l.n, 0);
  cg_store_return_list_clear(&l);
}

static int64_t raise_exc(struct fx *f, const char *kind, const char *key)
{
  struct cg_err err = {0};
  struct cg_store_exception_new x = {.type = "RETURN_PLAN",
                                     .entity_kind = kind,
                                     .entity_key = key,
                                     .message = "needs a person"};
  int64_t id = 0;
  assert_int_equal(cg_store_exception_raise(f->s, &x, &id, NULL, &err), 0);
  return id;
}

static void hold(struct fx *f, int64_t id)
{
  struct cg_err err = {0};
  assert_int_equal(put(f, id, "1001", NULL, 0, NOW), 0);
  assert_int_equal(cg_store_return_set_step(f->s, id, CG_STORE_RETURN_HELD,
                                            "RETURN_PLAN", NOW, &err),
                   0);
}

/* Held 501 (open exception), 502 (resolved), 503 (none of this kind, one
 * of another kind open), 504 not held with nothing open. */
static void test_held_resolved(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  hold(f, 501);
  hold(f, 502);
  hold(f, 503);
  assert_int_equal(put(f, 504, "1001", NULL, 0, NOW), 0);
  raise_exc(f, "return", "501");
  int64_t x502 = raise_exc(f, "return", "502");
  raise_exc(f, "order", "503");
  raise_exc(f, "return", "5010"); /* a key that only starts like 501 */
  assert_int_equal(cg_store_exception_resolve(f->s, x502, "cs", NULL, &err), 0);
  struct cg_store_return_list l;
  assert_int_equal(cg_store_return_held_resolved(f->s, "return", 10, &l, &err),
                   0);
  assert_int_equal(l.n, 2);
  assert_int_equal(l.items[0].id, 502);
  assert_int_equal(l.items[1].id, 503);
  assert_string_equal(l.items[0].hold_reason, "RETURN_PLAN");
  cg_store_return_list_clear(&l);
  assert_int_equal(cg_store_return_held_resolved(f->s, "return", 1, &l, &err),
                   0);
  assert_int_equal(l.n, 1);
  cg_store_return_list_clear(&l);
  assert_int_equal(cg_store_return_held_resolved(f->s, "order", 10, &l, &err),
                   0);
  assert_int_equal(l.n, 2); /* 501, 502: 503's order exception is open */
  assert_int_equal(l.items[0].id, 501);
  assert_int_equal(l.items[1].id, 502);
  cg_store_return_list_clear(&l);
}

static void test_counts(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  int64_t c[CG_STORE_RETURN_NSTEPS];
  assert_int_equal(cg_store_return_counts(f->s, c, &err), 0);
  for (int i = 0; i < CG_STORE_RETURN_NSTEPS; i++)
    assert_int_equal(c[i], 0);
  hold(f, 501);
  hold(f, 502);
  assert_int_equal(put(f, 503, "1001", NULL, 0, NOW), 0);
  assert_int_equal(cg_store_return_counts(f->s, c, &err), 0);
  assert_int_equal(c[CG_STORE_RETURN_HELD], 2);
  assert_int_equal(c[CG_STORE_RETURN_NEW], 1);
  assert_int_equal(c[CG_STORE_RETURN_SETTLED], 0);
  assert_int_equal(c[CG_STORE_RETURN_NONE], 0);
}

static int64_t centra(struct fx *f, int64_t id, const char *sku, int64_t units)
{
  struct cg_err err = {0};
  int64_t add = -1;
  assert_int_equal(
      cg_store_return_restock_centra(f->s, id, sku, units, &add, &err), 0);
  return add;
}

static int64_t warehouse(struct fx *f, int64_t id, const char *sku,
                         int64_t delta)
{
  struct cg_err err = {0};
  int64_t take = -1;
  assert_int_equal(
      cg_store_return_restock_warehouse(f->s, id, sku, delta, &take, &err), 0);
  return take;
}

/* Two lines with SKU-A (2 + 1 advised) and one with SKU-B. */
static void put_restock_return(struct fx *f)
{
  static const struct cg_store_return_line l[] = {
      {.line_id = 1, .line_ref = "L1", .sku = "SKU-A", .advised = 2},
      {.line_id = 2, .line_ref = "L2", .sku = "SKU-B", .advised = 1},
      {.line_id = 3, .line_ref = "L3", .sku = "SKU-A", .advised = 1},
  };
  assert_int_equal(put(f, 501, "1001", l, 3, NOW), 0);
}

/* Centra first: R grows by 3, the feed's 3 units later take them back
 * (2 then 1); a further feed unit takes and records nothing (the feed
 * never shows more than the return's units). SKU-B untouched. */
static void test_restock_centra_first(void **state)
{
  struct fx *f = *state;
  put_restock_return(f);
  assert_int_equal(centra(f, 501, "SKU-A", 3), 3);
  assert_int_equal(warehouse(f, 501, "SKU-A", 2), 2);
  assert_int_equal(warehouse(f, 501, "SKU-A", 1), 1);
  assert_int_equal(warehouse(f, 501, "SKU-A", 1), 0);
  assert_int_equal(warehouse(f, 501, "SKU-B", 1), 0); /* centra: nothing */
  struct cg_store_return_lines l = lines_of(f, 501);
  /* recorded on the lowest line id with the SKU; reads sum the lines */
  assert_int_equal(l.items[0].centra_restocked, 3);
  assert_int_equal(l.items[0].warehouse_restocked, 3); /* at most its 3 */
  assert_int_equal(l.items[1].warehouse_restocked, 1);
  assert_int_equal(l.items[2].centra_restocked, 0);
  assert_int_equal(l.items[2].warehouse_restocked, 0);
  cg_store_return_lines_clear(&l);
}

/* Warehouse first: the feed's units take nothing (Centra counted none);
 * Centra's completion then adds only what the feed has not shown. */
static void test_restock_warehouse_first(void **state)
{
  struct fx *f = *state;
  put_restock_return(f);
  assert_int_equal(warehouse(f, 501, "SKU-A", 2), 0);
  assert_int_equal(centra(f, 501, "SKU-A", 3), 1);
  assert_int_equal(warehouse(f, 501, "SKU-A", 1), 1);
  assert_int_equal(warehouse(f, 501, "SKU-A", 5), 0);
  /* all shown first: Centra's restock adds nothing */
  assert_int_equal(warehouse(f, 501, "SKU-B", 1), 0);
  assert_int_equal(centra(f, 501, "SKU-B", 1), 0);
}

/* Whatever the interleaving, R's total change is max(C - W, 0). */
static void test_restock_two_events(void **state)
{
  struct fx *f = *state;
  put_restock_return(f);
  int64_t r = 0;
  r += warehouse(f, 501, "SKU-A", 1);
  r += centra(f, 501, "SKU-A", 2);
  r -= warehouse(f, 501, "SKU-A", 1);
  r += centra(f, 501, "SKU-A", 1);
  assert_int_equal(r, 3 - 2);
  r -= warehouse(f, 501, "SKU-A", 3);
  assert_int_equal(r, 0);
}

static void test_restock_unknown(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  put_restock_return(f);
  int64_t n = -1;
  assert_int_equal(
      cg_store_return_restock_warehouse(f->s, 501, "SKU-Z", 1, &n, &err),
      CG_ENOTFOUND);
  assert_int_equal(n, 0);
  assert_int_equal(
      cg_store_return_restock_warehouse(f->s, 999, "SKU-A", 1, &n, &err),
      CG_ENOTFOUND);
  assert_int_equal(
      cg_store_return_restock_centra(f->s, 501, "SKU-Z", 1, &n, &err),
      CG_ENOTFOUND);
  assert_int_equal(
      cg_store_return_restock_warehouse(f->s, 501, "SKU-A", -1, &n, &err),
      CG_EINVAL);
  assert_int_equal(fx_sql_int(f->path, "SELECT sum(centra_restocked +"
                                       " warehouse_restocked) FROM"
                                       " return_lines"),
                   0);
}

/* Writes a store at version 10 with an order and its lines. */
static void write_v10_store(const char *path)
{
  sqlite3 *db = NULL;
  struct cg_err err = {0};
  int v = 0;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(
      cg__store_migrate(db, path, cg__store_migrations, 10, &v, &err), 0);
  assert_int_equal(v, 10);
  assert_int_equal(sqlite3_exec(db,
                                "INSERT INTO orders (number, state,"
                                " created_at, updated_at)"
                                " VALUES ('1001', 'sent', 1, 1);"
                                "INSERT INTO order_lines VALUES ('1001',"
                                " '4711', 0, 'SKU-A', 2, NULL);",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  sqlite3_close(db);
}

static void test_migrate_from_v10(void **state)
{
  struct fx *f = *state;
  char path[600];
  snprintf(path, sizeof(path), "%s/v10.db", f->dir);
  write_v10_store(path);
  struct cg_store_opts o = {.path = path, .name = "test"};
  struct cg_store *s = NULL;
  struct cg_err err = {0};
  assert_int_equal(cg_store_open(&o, &s, &err), 0);
  assert_int_equal(cg_store_schema_version(s), CG_STORE_SCHEMA_VERSION);
  assert_int_equal(fx_sql_int(path, "SELECT count(*) FROM schema_migrations"
                                    " WHERE version = 11"),
                   1);
  assert_int_equal(fx_sql_int(path, "SELECT count(*) FROM sqlite_master"
                                    " WHERE name IN ('returns_order',"
                                    " 'returns_held', 'returns_step',"
                                    " 'order_lines_ref')"),
                   4);
  char *order = NULL, *sku = NULL;
  assert_int_equal(cg_store_return_order_line(s, "4711", &order, &sku, &err),
                   0);
  assert_string_equal(order, "1001");
  assert_string_equal(sku, "SKU-A");
  cg_free(order);
  cg_free(sku);
  assert_int_equal(cg_store_integrity_check(s, &err), 0);
  cg_store_close(s);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_step_names),
      T(test_put_get_lines),
      T(test_put_twice_and_bad_line),
      T(test_put_given_fields),
      T(test_updates),
      T(test_clear_plan_and_hold),
      T(test_updates_unknown),
      T(test_order_line),
      T(test_by_order),
      T(test_held_resolved),
      T(test_counts),
      T(test_restock_centra_first),
      T(test_restock_warehouse_first),
      T(test_restock_two_events),
      T(test_restock_unknown),
      T(test_migrate_from_v10),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
