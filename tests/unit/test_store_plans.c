/*
 * Unit test of the store's query plans (issue 8): every statement the
 * engine runs per order or per delivery finds its rows through an index
 * whose size is the work itself, so its cost does not grow with the
 * tables. EXPLAIN QUERY PLAN of each statement, on a store opened at the
 * current schema, must
 *
 *   - never SCAN a table, nor walk a whole index (a SCAN ... USING INDEX
 *     is allowed only through a partial index that holds just the rows
 *     asked for, e.g. the pending inbox rows);
 *   - never sort with a temporary B-tree, except one order's lines;
 *   - use the index named below;
 *   - and, in its bytecode (EXPLAIN), never build a temporary table or
 *     sorter (OpenEphemeral, SorterOpen): each costs a fresh B-tree and its
 *     pager on every run. Schema v1's outbox CHECK "state IN (4 names)"
 *     built one on every insert and state change. RETURNING builds one,
 *     and so does a DELETE of several order lines (foreign keys on):
 *     allowed only on a rare branch, where marked.
 *
 * Every statement of enum cg__st is listed, on the hot path or off it
 * with the reason, so a new statement must be classified here.
 */
#include "store_fixture.h"

#include "store/store_int.h"

#include <string.h>

#define PARTIAL_SCAN                                                           \
  1u                  /* may walk this partial index: its rows are the work    \
                       */
#define SMALL_SORT 2u /* may sort one entity's few rows */
#define RARE_TEMP 4u  /* builds a temporary table, on a rare branch only */
/* runs once per reconcile page: may SCAN a staging TEMP table (a name
 * with "stage": the page is the work) and build one temporary table */
#define STAGED 8u

struct hot {
  enum cg__st st;
  const char *index; /* must appear in the plan; NULL: no table read */
  unsigned allow;
};

/* clang-format off */
static const struct hot hot[] = {
  {CG__ST_BEGIN, NULL, 0},
  {CG__ST_COMMIT, NULL, 0},
  {CG__ST_ROLLBACK, NULL, 0},
  {CG__ST_SAVEPOINT, NULL, 0},
  {CG__ST_RELEASE, NULL, 0},
  {CG__ST_ROLLBACK_TO, NULL, 0},
  {CG__ST_PRUNE_INBOX, "inbox_processed", 0},
  {CG__ST_PRUNE_OUTBOX, "outbox_done", 0},
  {CG__ST_INBOX_PUT, NULL, 0},
  {CG__ST_INBOX_FIND, "sqlite_autoindex_inbox_1", 0},
  {CG__ST_INBOX_PENDING, "inbox_pending", PARTIAL_SCAN},
  {CG__ST_INBOX_GET, "INTEGER PRIMARY KEY", 0},
  {CG__ST_INBOX_MARK, "INTEGER PRIMARY KEY", 0},
  {CG__ST_OUTBOX_PUT, NULL, 0},
  {CG__ST_OUTBOX_FIND, "sqlite_autoindex_outbox_1", 0},
  {CG__ST_OUTBOX_DUE_KIND, "outbox_due_kind", 0},
  {CG__ST_OUTBOX_INFLIGHT, "INTEGER PRIMARY KEY", 0},
  {CG__ST_OUTBOX_DONE, "INTEGER PRIMARY KEY", 0},
  {CG__ST_OUTBOX_RETRY, "INTEGER PRIMARY KEY", 0},
  {CG__ST_OUTBOX_DEFER, "INTEGER PRIMARY KEY", 0},
  {CG__ST_OUTBOX_FAIL, "INTEGER PRIMARY KEY", 0},
  {CG__ST_OUTBOX_REQUEUE, "INTEGER PRIMARY KEY", 0},
  {CG__ST_OUTBOX_NEXT_DUE_KIND, "outbox_due_kind", 0},
  {CG__ST_OUTBOX_ENTITY_COUNT, "outbox_entity", 0},
  {CG__ST_OUTBOX_GET, "INTEGER PRIMARY KEY", 0},
  {CG__ST_OUTBOX_LIST_ENTITY, "outbox_entity", 0},
  {CG__ST_ORDER_UPSERT, NULL, 0},
  {CG__ST_ORDER_GET, "sqlite_autoindex_orders_1", 0},
  {CG__ST_ORDER_SET_STATE, "sqlite_autoindex_orders_1", 0},
  {CG__ST_ORDER_ADVANCE, "sqlite_autoindex_orders_1", 0},
  {CG__ST_ORDER_HAS_LINES, "sqlite_autoindex_orders_1", 0},
  {CG__ST_ORDER_STATE, "sqlite_autoindex_orders_1", 0},
  {CG__ST_LINES_DELETE, "PRIMARY KEY", RARE_TEMP}, /* stored lines only */
  {CG__ST_LINES_INSERT, NULL, 0},
  {CG__ST_LINES_LIST, "PRIMARY KEY", SMALL_SORT},
  {CG__ST_EXC_RAISE, NULL, RARE_TEMP},   /* RETURNING; raised: rare */
  {CG__ST_EXC_GET, "INTEGER PRIMARY KEY", 0},
  {CG__ST_EXC_LIST_RETRY, "exceptions_retry", PARTIAL_SCAN},
  {CG__ST_EXC_RESOLVE, "INTEGER PRIMARY KEY", 0},
  {CG__ST_EXC_RESOLVE_ENTITY, "exceptions_entity", 0},
  {CG__ST_EXC_OPEN_ID, "exceptions_open", 0},
  {CG__ST_EXC_RESOLVE_TYPED, "exceptions_open", 0},
  {CG__ST_EXC_RETRY, "INTEGER PRIMARY KEY", 0},
  {CG__ST_AUDIT_APPEND, NULL, 0},
  {CG__ST_AUDIT_LIST, "audit_entity", 0},
  {CG__ST_CURSOR_GET, "PRIMARY KEY", 0},
  {CG__ST_CURSOR_SET, NULL, 0},
  {CG__ST_RULEGEN_RECORD, NULL, 0},
  {CG__ST_DISPATCH_INSERT, NULL, 0},
  {CG__ST_DISPATCH_GET, "PRIMARY KEY", 0},
  {CG__ST_DISPATCH_UPDATE, "PRIMARY KEY", 0},
  /* once per consignment (intake, or an operator retry), not per order */
  {CG__ST_DISPATCH_LINES_DELETE, "PRIMARY KEY", RARE_TEMP},
  {CG__ST_DISPATCH_LINES_INSERT, NULL, 0},
  {CG__ST_DISPATCH_LINES_LIST, "PRIMARY KEY", 0},
  {CG__ST_DISPATCH_LINES_ORDER, "dispatches_order", SMALL_SORT},
  {CG__ST_DISPATCH_PARCEL_INSERT, NULL, 0},
  {CG__ST_DISPATCH_PARCELS_LIST, "PRIMARY KEY", 0},
  /* remainders: once per order.closed / order.cancelled */
  {CG__ST_REMAINDER_INSERT, NULL, 0},
  {CG__ST_REMAINDER_GET, "PRIMARY KEY", 0},
  {CG__ST_REMAINDER_UPDATE, "PRIMARY KEY", 0},
  {CG__ST_REMAINDER_LINE_INSERT, NULL, 0},
  {CG__ST_REMAINDER_LINES_LIST, "PRIMARY KEY", 0},
  {CG__ST_REMAINDER_ORDER_SUM, "remainders_order", SMALL_SORT},
  {CG__ST_REMAINDER_ORDER_SHIPPED, "remainders_order", SMALL_SORT},
  {CG__ST_REMAINDER_INTEND, "PRIMARY KEY", 0},
  {CG__ST_REMAINDER_INTENTS_CLEAR, "PRIMARY KEY", 0},
  {CG__ST_REMAINDER_ORDER_OWN, "remainders_order", SMALL_SORT},
  /* the failed remainder rows: the held remainders, a handful */
  {CG__ST_REMAINDER_RESOLVED_HELD, "outbox_failed", PARTIAL_SCAN},
  {CG__ST_CAPTURE_PUT, NULL, 0},
  {CG__ST_CAPTURE_NOTE, "PRIMARY KEY", 0},
  {CG__ST_CAPTURE_GET, "PRIMARY KEY", 0},
  {CG__ST_ORDER_PAGE_IN_STATE, "orders_state", 0},
  {CG__ST_SLA_DUE, "sla_due", 0},
  {CG__ST_SLA_SET, "PRIMARY KEY", 0},
  {CG__ST_SLA_GET, "PRIMARY KEY", 0},
  /* stock (schema step 9): per event, per dispatch, per flush */
  {CG__ST_STOCK_ENSURE, NULL, 0},
  {CG__ST_STOCK_GET, "PRIMARY KEY", 0},
  {CG__ST_STOCK_LEVELS, "PRIMARY KEY", 0},
  {CG__ST_STOCK_EVENT_LOG, NULL, 0},
  {CG__ST_STOCK_LEVEL_ADD, NULL, 0},
  {CG__ST_STOCK_MARK, "PRIMARY KEY", 0},
  {CG__ST_STOCK_DISPATCH_PUT, NULL, 0},
  {CG__ST_STOCK_DISPATCH_LIST, "PRIMARY KEY", 0},
  {CG__ST_STOCK_DISPATCH_FORGET, "PRIMARY KEY", 0},
  /* the held consignments, a handful, every second */
  {CG__ST_STOCK_DISPATCH_RESOLVED, "dispatches_held", PARTIAL_SCAN},
  /* walks the SKUs after the page's last one, by key */
  {CG__ST_STOCK_UNLISTED, "PRIMARY KEY", 0},
  /* the dirty SKUs in no batch and not held: the work itself */
  {CG__ST_STOCK_DIRTY, "stock_dirty", PARTIAL_SCAN},
  {CG__ST_STOCK_DIRTY_COUNT, "stock_dirty", PARTIAL_SCAN},
  {CG__ST_STOCK_DIRTY_ATLEAST, "stock_dirty", PARTIAL_SCAN},
  /* the stock push's unfinished batches: two rows at most */
  {CG__ST_OUTBOX_OPEN_OF_KIND, "outbox_due_kind", 0},
  {CG__ST_STOCK_BATCH_TAKE, "PRIMARY KEY", 0},
  {CG__ST_STOCK_BATCH_DONE, "PRIMARY KEY", 0},
  {CG__ST_STOCK_CLEAN, "PRIMARY KEY", 0},
  {CG__ST_STOCK_HOLD, "PRIMARY KEY", 0},
  {CG__ST_STOCK_CENTRA_SEEN, "PRIMARY KEY", 0},
  /* the SKUs Centra refused, a handful: release sweep, admin API */
  {CG__ST_STOCK_HELD, "stock_held", 0},
  {CG__ST_STOCK_SEQ_STATE, "INTEGER PRIMARY KEY", 0},
  {CG__ST_STOCK_SEQ_SET, "INTEGER PRIMARY KEY", 0},
  {CG__ST_STOCK_SEQ_PUT, NULL, 0},
  {CG__ST_STOCK_SEQ_TAKE, "INTEGER PRIMARY KEY", 0},
  {CG__ST_STOCK_SEQ_HOLE, "stock_seq_seen", 0},
  {CG__ST_STOCK_SEQ_COVER, "INTEGER PRIMARY KEY", 0},
  {CG__ST_STOCK_SEQ_DROP_AHEAD, "INTEGER PRIMARY KEY", 0},
  /* once per fresh snapshot */
  {CG__ST_STOCK_EVENTS_DROP_AHEAD, "PRIMARY KEY", RARE_TEMP},
  {CG__ST_STOCK_SEQ_MAX, NULL, 0},
  /* the reconcile's pages (store_stock_stage.c): each walks the page
   * staged in a TEMP table and reaches the stored rows by their keys */
  {CG__ST_STOCK_STAGE_LEVEL, NULL, 0},
  {CG__ST_STOCK_STAGE_SKU, NULL, 0},
  {CG__ST_STOCK_STAGE_SKUS, NULL, STAGED},
  {CG__ST_STOCK_STAGE_STALE, "PRIMARY KEY", STAGED},
  {CG__ST_STOCK_STAGE_STALE_LEVELS, "PRIMARY KEY", STAGED},
  {CG__ST_STOCK_STAGE_EVENTS, "stock_events_sku", STAGED},
  {CG__ST_STOCK_STAGE_OLD, "PRIMARY KEY", STAGED},
  {CG__ST_STOCK_STAGE_MARK, "PRIMARY KEY", STAGED},
  {CG__ST_STOCK_STAGE_WRITE, NULL, STAGED},
  {CG__ST_STOCK_STAGE_PRUNE, "stock_events_sku", STAGED},
  /* upserts: the row is reached through the conflict target, which the
   * plan does not show */
  {CG__ST_STOCK_STAGE_BASE, NULL, STAGED},
  /* a page's rows made at the last snapshot's base (a cursor by key) */
  {CG__ST_STOCK_STAGE_ROWS, "PRIMARY KEY", STAGED},
  {CG__ST_STOCK_STAGE_LISTED, NULL, STAGED},
  {CG__ST_STOCK_LISTED_PUT, NULL, 0},
  {CG__ST_STOCK_LISTED_CLEAR, NULL, STAGED},
  /* the snapshot's base in the cursors: per page, per event, at its end */
  {CG__ST_STOCK_APPLYING_SET, NULL, 0},
  {CG__ST_STOCK_BASES, "PRIMARY KEY", 0},
  {CG__ST_STOCK_APPLIED_PRUNE, "PRIMARY KEY", 0},
  {CG__ST_STOCK_APPLYING_CLEAR, "PRIMARY KEY", 0},
  /* the reconcile's image: the log above the snapshot by key; at the
   * end, each SKU it did not confirm */
  {CG__ST_STOCK_IMAGE_EVENTS, "PRIMARY KEY", 0},
  {CG__ST_STOCK_UNCONFIRMED, "PRIMARY KEY", 0},
  /* one row per snapshot page, written with it; all gone when it is done */
  {CG__ST_STOCK_PAGED_PUT, NULL, 0},
  {CG__ST_STOCK_PAGED_CLEAR, NULL, 0},
  {CG__ST_STOCK_STAGE_CLEAR, NULL, STAGED},
  {CG__ST_STOCK_STAGE_CLEAR_SKUS, NULL, STAGED},
  {CG__ST_STOCK_CSTAGE_PUT, NULL, 0},
  {CG__ST_STOCK_CSTAGE_SKIP, "PRIMARY KEY", 0},
  {CG__ST_STOCK_CSTAGE_READ, "PRIMARY KEY", STAGED},
  {CG__ST_STOCK_CSTAGE_SEEN, NULL, STAGED},
  {CG__ST_STOCK_CSTAGE_CLEAR, NULL, STAGED},
  /* items (schema step 10): per size read, per batch, per answer, per
   * held order */
  {CG__ST_ITEM_GET, "PRIMARY KEY", 0},
  {CG__ST_ITEM_STATE, "PRIMARY KEY", 0},
  /* the launch-readiness list: the pending and rejected rows only */
  {CG__ST_ITEMS_LIST_STATE, "items_open", 0},
  {CG__ST_ITEMS_LIST_OPEN, "items_open", 0},
  {CG__ST_ITEM_SOURCE, NULL, 0},
  {CG__ST_ITEM_DIRTY, "PRIMARY KEY", 0},
  /* the dirty rows in no batch, urgent first: the work itself */
  {CG__ST_ITEMS_DUE, "items_due", PARTIAL_SCAN},
  {CG__ST_ITEMS_ANY_DUE, "items_due", PARTIAL_SCAN},
  {CG__ST_ITEM_BATCH_SET, "PRIMARY KEY", 0},
  /* a batch given up (FAIL): the keys of its <= 500 rows are collected
   * first, as the update moves them out of the index it walks */
  {CG__ST_ITEMS_BATCH_FREE, "items_batch", RARE_TEMP},
  {CG__ST_ITEM_ANSWER, "PRIMARY KEY", 0},
  {CG__ST_ITEM_UNBATCH, "PRIMARY KEY", 0},
  {CG__ST_ITEM_ANSWER_NEW, NULL, 0},
  {CG__ST_ITEM_RESEND, "PRIMARY KEY", 0},
  {CG__ST_ITEM_PLACEHOLDER, NULL, 0},
  {CG__ST_ITEM_WAIT_PUT, NULL, 0},
  {CG__ST_ITEM_WAITERS, "PRIMARY KEY", 0},
  {CG__ST_ITEM_WAITS_OF, "item_waits_order", 0},
  {CG__ST_ITEM_WAIT_REMOVE, "PRIMARY KEY", 0},
  {CG__ST_ITEM_WAITS_CLEAR, "item_waits_order", 0},
  /* returns (schema step 11): per return read, advice, receipt, decision,
   * completion and per stock.adjusted with an rmaRef; a return's lines
   * through the primary key's return_id prefix */
  {CG__ST_RETURN_PUT, NULL, 0},
  {CG__ST_RETURN_LINE_PUT, NULL, 0},
  /* an operator's retry of a rejected return only */
  {CG__ST_RETURN_LINES_DELETE, "PRIMARY KEY", RARE_TEMP},
  {CG__ST_RETURN_GET, "INTEGER PRIMARY KEY", 0},
  {CG__ST_RETURN_LINES, "PRIMARY KEY", 0},
  {CG__ST_RETURN_BY_ORDER, "returns_order", SMALL_SORT},
  {CG__ST_RETURN_SET_STEP, "INTEGER PRIMARY KEY", 0},
  {CG__ST_RETURN_SET_RECEIPT, "INTEGER PRIMARY KEY", 0},
  {CG__ST_RETURN_SET_PLAN, "INTEGER PRIMARY KEY", 0},
  {CG__ST_RETURN_LINE_RECEIVED, "PRIMARY KEY", 0},
  {CG__ST_RETURN_LINE_DECISION, "PRIMARY KEY", 0},
  {CG__ST_RETURN_ORDER_LINE, "order_lines_ref", 0},
  {CG__ST_RETURN_SKU_SUMS, "PRIMARY KEY", 0},
  {CG__ST_RETURN_RESTOCK_CENTRA, "PRIMARY KEY", 0},
  {CG__ST_RETURN_RESTOCK_WAREHOUSE, "PRIMARY KEY", 0},
  /* the held returns, a handful: the resolved-by-hand sweep */
  {CG__ST_RETURN_HELD_RESOLVED, "returns_held", PARTIAL_SCAN},
};

/* Off the hot path: run by an operator, at boot or for metrics, never
 * per order. */
static const enum cg__st off_path[] = {
  CG__ST_INTEGRITY,      /* start-up and the CLI; reads the whole file */
  CG__ST_OUTBOX_RESET,   /* once at boot: rows left inflight */
  CG__ST_OUTBOX_DEPTH,   /* metrics scrape */
  CG__ST_OUTBOX_COUNTS,  /* metrics scrape */
  CG__ST_OUTBOX_KINDS,   /* once at boot: kinds this engine may not know */
  CG__ST_OUTBOX_LIST,    /* operator listing without an entity key */
  CG__ST_ORDER_LIST,     /* operator listing; rule reload (held orders) */
  CG__ST_ORDER_COUNTS,   /* metrics scrape */
  CG__ST_EXC_LIST,       /* operator listing */
  CG__ST_EXC_OPEN_COUNTS,/* metrics scrape */
  CG__ST_RULEGEN_LATEST, /* start-up and status */
  CG__ST_RULESRC_SAVE,   /* a rule pack loaded (start, reload) */
  CG__ST_RULESRC_LATEST, /* start-up, when the pack does not load */
  CG__ST_RULESRC_TRIM,   /* a rule pack loaded */
  CG__ST_SLA_COUNTS,     /* demo and status: rows per SLA state */
  CG__ST_ITEMS_COUNTS,   /* metrics scrape, CLI, API: one covering index */
  CG__ST_RETURN_COUNTS,  /* metrics scrape: one covering index (see below) */
  CG__ST_STOCK_IMAGE_ROWS,   /* once per reconcile: the image reads every */
  CG__ST_STOCK_IMAGE_LEVELS, /* row and level, in key order (its purpose) */
  CG__ST_STOCK_PAGED_OF, /* a late event while a snapshot is applied only:
                            that snapshot's page rows, one per page */
};
/* clang-format on */

#define NHOT (sizeof(hot) / sizeof(hot[0]))
#define NOFF (sizeof(off_path) / sizeof(off_path[0]))

/* Collects the plan's detail lines, one per line, into out. */
static void plan_of(sqlite3 *db, enum cg__st which, char *out, size_t size)
{
  char sql[4096];
  snprintf(sql, sizeof(sql), "EXPLAIN QUERY PLAN %s", cg__store_sql[which]);
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  if (rc != SQLITE_OK)
    fail_msg("statement %d: %s", (int)which, sqlite3_errmsg(db));
  size_t len = 0;
  out[0] = '\0';
  while (sqlite3_step(st) == SQLITE_ROW && len < size) {
    const char *d = (const char *)sqlite3_column_text(st, 3);
    len += (size_t)snprintf(out + len, size - len, "%s\n", d ? d : "");
  }
  sqlite3_finalize(st);
}

/* Counts the temporary tables and sorters the bytecode of sql opens. */
static int temp_tables(sqlite3 *db, const char *sql)
{
  char explain[4096];
  snprintf(explain, sizeof(explain), "EXPLAIN %s", sql);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, explain, -1, &st, NULL) != SQLITE_OK)
    fail_msg("%s: %s", sql, sqlite3_errmsg(db));
  int n = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *op = (const char *)sqlite3_column_text(st, 1);
    n += op &&
         (strcmp(op, "OpenEphemeral") == 0 || strcmp(op, "SorterOpen") == 0);
  }
  sqlite3_finalize(st);
  return n;
}

/* Fails unless every plan line of h is allowed. */
static void check_lines(const struct hot *h, const char *plan)
{
  const char *sql = cg__store_sql[h->st];
  char line[512];
  for (const char *p = plan; *p != '\0';) {
    size_t n = strcspn(p, "\n");
    snprintf(line, sizeof(line), "%.*s", (int)n, p);
    p += n + (p[n] == '\n');
    bool partial = h->index && strstr(line, h->index) != NULL;
    bool no_table = strcmp(line, "SCAN CONSTANT ROW") == 0; /* no FROM */
    bool staged = (h->allow & STAGED) && strstr(line, "stage") != NULL;
    if (strncmp(line, "SCAN ", 5) == 0 && !no_table && !staged &&
        !((h->allow & PARTIAL_SCAN) && partial))
      fail_msg("hot-path statement scans: %s\n  plan: %s  sql: %s", line, plan,
               sql);
    if (strstr(line, "TEMP B-TREE") && !(h->allow & SMALL_SORT))
      fail_msg("hot-path statement sorts: %s\n  sql: %s", line, sql);
  }
}

static void test_hot_path_plans(void **state)
{
  struct fx *f = *state;
  char plan[4096];
  for (size_t i = 0; i < NHOT; i++) {
    plan_of(f->s->db, hot[i].st, plan, sizeof(plan));
    check_lines(&hot[i], plan);
    if (hot[i].index != NULL && strstr(plan, hot[i].index) == NULL)
      fail_msg("statement %d should use %s\n  plan: %s  sql: %s",
               (int)hot[i].st, hot[i].index, plan, cg__store_sql[hot[i].st]);
    int temps = temp_tables(f->s->db, cg__store_sql[hot[i].st]);
    if (temps > (hot[i].allow & STAGED ? 1 : 0) &&
        !(hot[i].allow & (SMALL_SORT | RARE_TEMP)))
      fail_msg("hot-path statement builds %d temporary table(s): %s", temps,
               cg__store_sql[hot[i].st]);
  }
}

/* The check itself: the v3 outbox CHECK is caught by it. */
static void test_a_temp_table_fails_the_rule(void **state)
{
  struct fx *f = *state;
  sqlite3 *db = f->s->db;
  assert_int_equal(sqlite3_exec(db,
                                "CREATE TABLE t (s TEXT CHECK (s IN ('a', "
                                "'b', 'c', 'd')))",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  assert_int_equal(temp_tables(db, "INSERT INTO t VALUES ('a')"), 1);
}

/* The check itself: a scan is caught. */
static void test_a_scan_fails_the_rule(void **state)
{
  struct fx *f = *state;
  char plan[4096];
  plan_of(f->s->db, CG__ST_OUTBOX_LIST, plan, sizeof(plan));
  assert_non_null(strstr(plan, "SCAN outbox"));
}

/* The returns' off-path count walks its covering index, never the table,
 * and the held sweep reaches a return's open exceptions by both keys (the
 * CAST of the id to text lets exceptions_entity serve entity_key). */
static void test_returns_plans(void **state)
{
  struct fx *f = *state;
  char plan[4096];
  plan_of(f->s->db, CG__ST_RETURN_COUNTS, plan, sizeof(plan));
  assert_non_null(strstr(plan, "USING COVERING INDEX returns_step"));
  assert_null(strstr(plan, "TEMP B-TREE"));
  assert_int_equal(temp_tables(f->s->db, cg__store_sql[CG__ST_RETURN_COUNTS]),
                   0);
  plan_of(f->s->db, CG__ST_RETURN_HELD_RESOLVED, plan, sizeof(plan));
  assert_non_null(
      strstr(plan, "exceptions_entity (entity_kind=? AND entity_key=?)"));
}

static void test_every_statement_classified(void **state)
{
  (void)state;
  int seen[CG__ST_COUNT] = {0};
  for (size_t i = 0; i < NHOT; i++)
    seen[hot[i].st]++;
  for (size_t i = 0; i < NOFF; i++)
    seen[off_path[i]]++;
  for (int i = 0; i < CG__ST_COUNT; i++)
    if (seen[i] != 1)
      fail_msg("statement %d is classified %d times (want once): %s", i,
               seen[i], cg__store_sql[i]);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_hot_path_plans, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_a_scan_fails_the_rule, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_a_temp_table_fails_the_rule,
                                      fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_returns_plans, fx_setup,
                                      fx_teardown),
      cmocka_unit_test(test_every_statement_classified),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
