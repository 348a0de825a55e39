/*
 * Unit tests for core/store: opening, migrations (fresh, reopen, refusal
 * of a newer file, a failing step leaves nothing behind), options,
 * transaction atomicity, integrity check, cursors, rule generations and
 * allocation failure paths.
 */
#include "store_fixture.h"

#include "base/log.h"
#include "base/time.h"
#include "store/store_int.h"

#include <stdlib.h>
#include <string.h>

static void test_fresh_and_reopen(void **state)
{
  struct fx *f = *state;
  assert_int_equal(cg_store_schema_version(f->s), CG_STORE_SCHEMA_VERSION);
  assert_int_equal(fx_sql_int(f->path, "PRAGMA user_version"),
                   CG_STORE_SCHEMA_VERSION);
  assert_int_equal(fx_sql_int(f->path, "SELECT count(*) FROM "
                                       "schema_migrations"),
                   CG_STORE_SCHEMA_VERSION);
  assert_int_equal(fx_sql_int(f->path, "SELECT count(*) FROM "
                                       "sqlite_master WHERE name='outbox'"),
                   1);
  struct cg_err err = {0};
  assert_int_equal(cg_store_cursor_set(f->s, "k", "v", &err), 0);
  cg_store_close(f->s);
  /* Reopening applies nothing again and keeps the data. */
  assert_int_equal(fx_open(f), 0);
  assert_int_equal(fx_sql_int(f->path, "SELECT count(*) FROM "
                                       "schema_migrations"),
                   CG_STORE_SCHEMA_VERSION);
  char *v = NULL;
  assert_int_equal(cg_store_cursor_get(f->s, "k", &v, &err), 0);
  assert_string_equal(v, "v");
  cg_free(v);
  /* WAL is persistent in the file. */
  assert_int_equal(fx_sql_int(f->path, "SELECT journal_mode = 'wal' FROM "
                                       "pragma_journal_mode"),
                   1);
}

static void test_refuses_newer_schema(void **state)
{
  struct fx *f = *state;
  cg_store_close(f->s);
  f->s = NULL;
  assert_int_equal(fx_sql_exec(f->path, "PRAGMA user_version=99"), 0);
  struct cg_err err = {0};
  struct cg_store_opts o = {.path = f->path};
  struct cg_store *s = (struct cg_store *)1;
  assert_int_equal(cg_store_open(&o, &s, &err), CG_EDB);
  assert_null(s);
  assert_non_null(strstr(err.msg, "schema version 99 is newer"));
  /* The refused file is untouched. */
  assert_int_equal(fx_sql_int(f->path, "PRAGMA user_version"), 99);
}

static const struct cg__migration bad_steps[] = {
    {1, "one",
     "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY,"
     " name TEXT NOT NULL, applied_at INTEGER NOT NULL);"
     "CREATE TABLE t1 (a);",
     false},
    {2, "two", "CREATE TABLE t2 (a); INSERT INTO nosuch VALUES (1);", false},
};

static void test_failed_step_rolls_back(void **state)
{
  struct fx *f = *state;
  char path[600];
  snprintf(path, sizeof(path), "%s/other.db", f->dir);
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  struct cg_err err = {0};
  int v = -1;
  assert_int_equal(cg__store_migrate(db, path, bad_steps, 2, &v, &err), CG_EDB);
  assert_non_null(strstr(err.msg, "migration 2 (two)"));
  assert_non_null(strstr(err.msg, "nosuch"));
  sqlite3_close(db);
  /* Step 1 committed on its own; nothing of step 2 survived. */
  assert_int_equal(fx_sql_int(path, "PRAGMA user_version"), 1);
  assert_int_equal(fx_sql_int(path, "SELECT count(*) FROM sqlite_master "
                                    "WHERE name='t2'"),
                   0);
  assert_int_equal(fx_sql_int(path, "SELECT count(*) FROM "
                                    "schema_migrations"),
                   1);
  /* Re-running with step 1 only is a no-op. */
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(cg__store_migrate(db, path, bad_steps, 1, &v, &err), 0);
  assert_int_equal(v, 1);
  sqlite3_close(db);
}

static void test_bad_opts(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  struct cg_store *s = NULL;
  struct cg_store_opts o = {.path = f->path, .synchronous = "SOMETIMES"};
  assert_int_equal(cg_store_open(&o, &s, &err), CG_EINVAL);
  assert_null(s);
  struct cg_store_opts none = {0};
  assert_int_equal(cg_store_open(&none, &s, &err), CG_EINVAL);
  struct cg_store_opts bad = {.path = "/nonexistent-dir/x/y.db"};
  assert_int_equal(cg_store_open(&bad, &s, &err), CG_EDB);
  assert_non_null(strstr(err.msg, "/nonexistent-dir/x/y.db"));
  char path[600];
  snprintf(path, sizeof(path), "%s/garbage.db", f->dir);
  FILE *fp = fopen(path, "w");
  assert_non_null(fp);
  for (int i = 0; i < 512; i++)
    fputs("not sqlite at all ", fp);
  fclose(fp);
  struct cg_store_opts garbage = {.path = path};
  assert_int_equal(cg_store_open(&garbage, &s, &err), CG_EDB);
  assert_non_null(strstr(err.msg, "not a database"));
  assert_null(s);
  snprintf(path, sizeof(path), "%s/normal.db", f->dir);
  struct cg_store_opts normal = {.path = path, .synchronous = "normal"};
  assert_int_equal(cg_store_open(&normal, &s, &err), 0);
  cg_store_close(s);
  cg_store_close(NULL);
}

static long long pragma_int(struct cg_store *s, const char *sql)
{
  sqlite3_stmt *st = NULL;
  long long v = -1;
  if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

static void test_connection_settings(void **state)
{
  struct fx *f = *state;
  assert_int_equal(pragma_int(f->s, "PRAGMA synchronous"), 2); /* FULL */
  assert_int_equal(pragma_int(f->s, "PRAGMA foreign_keys"), 1);
  assert_int_equal(pragma_int(f->s, "PRAGMA busy_timeout"), 5000);
  cg_store_close(f->s);
  struct cg_err err = {0};
  struct cg_store_opts o = {
      .path = f->path, .synchronous = "NORMAL", .busy_timeout_ms = 50};
  assert_int_equal(cg_store_open(&o, &f->s, &err), 0);
  assert_int_equal(pragma_int(f->s, "PRAGMA synchronous"), 1);
  assert_int_equal(pragma_int(f->s, "PRAGMA busy_timeout"), 50);
  /* Process-wide: no memory statistics (a mutex per allocation), so
   * SQLite counts nothing although the stores above allocated. */
  sqlite3_int64 cur = -1, peak = -1;
  assert_int_equal(sqlite3_status64(SQLITE_STATUS_MALLOC_COUNT, &cur, &peak, 0),
                   SQLITE_OK);
  assert_int_equal(peak, 0);
  assert_int_equal(sqlite3_memory_used(), 0);
}

/* A lazy transaction commits (or rolls back) like any other, without a
 * sync of its own: synchronous is NORMAL inside it only, the configured
 * level after it (commit, rollback, a failed begin). */
static void test_lazy_transaction(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  char *v = NULL;
  assert_int_equal(cg_store_begin_lazy(f->s, &err), 0);
  assert_int_equal(pragma_int(f->s, "PRAGMA synchronous"), 1); /* NORMAL */
  assert_int_equal(cg_store_cursor_set(f->s, "lazy", "1", &err), 0);
  assert_int_equal(cg_store_begin_lazy(f->s, &err), CG_EINVAL);
  assert_int_equal(cg_store_commit(f->s, &err), 0);
  assert_int_equal(pragma_int(f->s, "PRAGMA synchronous"), 2); /* FULL */
  assert_int_equal(cg_store_cursor_get(f->s, "lazy", &v, &err), 0);
  assert_string_equal(v, "1");
  cg_free(v);
  assert_int_equal(cg_store_begin_lazy(f->s, &err), 0);
  assert_int_equal(cg_store_cursor_set(f->s, "lazy", "2", &err), 0);
  assert_int_equal(cg_store_rollback(f->s, &err), 0);
  assert_int_equal(pragma_int(f->s, "PRAGMA synchronous"), 2);
  assert_int_equal(cg_store_cursor_get(f->s, "lazy", &v, &err), 0);
  assert_string_equal(v, "1");
  cg_free(v);
}

static void test_busy_is_reported(void **state)
{
  struct fx *f = *state;
  cg_store_close(f->s);
  struct cg_err err = {0};
  struct cg_store_opts o = {.path = f->path, .busy_timeout_ms = 50};
  assert_int_equal(cg_store_open(&o, &f->s, &err), 0);
  sqlite3 *other = NULL;
  assert_int_equal(sqlite3_open(f->path, &other), SQLITE_OK);
  assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL),
                   SQLITE_OK);
  assert_int_equal(cg_store_begin(f->s, &err), CG_EDB);
  assert_non_null(strstr(err.msg, "locked"));
  assert_false(cg_store_in_tx(f->s));
  assert_int_equal(cg_store_cursor_set(f->s, "c", "1", &err), CG_EDB);
  /* Reads go on while another process writes (WAL). */
  char *v = NULL;
  assert_int_equal(cg_store_cursor_get(f->s, "c", &v, &err), CG_ENOTFOUND);
  assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL),
                   SQLITE_OK);
  sqlite3_close(other);
  assert_int_equal(cg_store_cursor_set(f->s, "c", "1", &err), 0);
}

/* The commit counter (cg_store_commits_total) counts each commit once,
 * and CG_STORE_STATS=1 logs at close the statements that ran, with the
 * outbox put among them. */
struct stats_seen {
  int statements;
  bool outbox_put;
};

static void stats_sink(enum cg_log_level level, const char *line, void *arg)
{
  struct stats_seen *seen = arg;
  if (strstr(line, "] statement ") == NULL)
    return;
  seen->statements++;
  seen->outbox_put = seen->outbox_put || strstr(line, "INSERT INTO outbox");
}

static void test_commits_and_statement_stats(void **state)
{
  struct fx *f = *state;
  uint64_t before = cg_store_commits(f->s);
  assert_int_equal(cg_store_begin(f->s, NULL), 0);
  assert_int_equal(
      cg_store_outbox_put(f->s, "k", "e", "1", "{}", 0, NULL, NULL), 0);
  assert_int_equal(
      cg_store_outbox_put(f->s, "k", "e", "2", "{}", 0, NULL, NULL), 0);
  assert_int_equal(cg_store_commit(f->s, NULL), 0);
  assert_int_equal(cg_store_commits(f->s) - before, 1);
  struct stats_seen seen = {0};
  enum cg_log_level level = cg_log_get_level();
  setenv("CG_STORE_STATS", "1", 1);
  cg_log_set_level(CG_LOG_INFO);
  cg_log_set_sink(stats_sink, &seen);
  cg_store_close(f->s);
  f->s = NULL;
  cg_log_set_sink(NULL, NULL);
  cg_log_set_level(level);
  unsetenv("CG_STORE_STATS");
  assert_true(seen.statements >= 3); /* begin, the put, commit at least */
  assert_true(seen.outbox_put);
  assert_int_equal(fx_open(f), 0); /* for the teardown */
}

static void test_prune(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  int64_t a = 0, b = 0, done = 0, pend = 0;
  assert_int_equal(cg_store_inbox_put(f->s, "gxo", "1", "k", "{}", &a, &err),
                   0);
  assert_int_equal(cg_store_inbox_put(f->s, "gxo", "2", "k", "{}", &b, &err),
                   0);
  assert_int_equal(cg_store_inbox_mark(f->s, a, "queued", NULL, &err), 0);
  assert_int_equal(
      cg_store_outbox_put(f->s, "k", "e", "1", "{}", 0, &done, &err), 0);
  assert_int_equal(
      cg_store_outbox_put(f->s, "k", "e", "2", "{}", 0, &pend, &err), 0);
  assert_int_equal(cg_store_outbox_mark_inflight(f->s, done, &err), 0);
  assert_int_equal(cg_store_outbox_done(f->s, done, 200, &err), 0);
  int64_t ni = -1, no = -1;
  assert_int_equal(cg_store_prune(f->s, 1, &ni, &no, &err), 0);
  assert_int_equal(ni + no, 0); /* nothing that old */
  assert_int_equal(
      cg_store_prune(f->s, cg_time_now_ms() + 1000, &ni, &no, &err), 0);
  assert_int_equal(ni, 1);
  assert_int_equal(no, 1);
  struct cg_store_inbox_row r;
  assert_int_equal(cg_store_inbox_get(f->s, b, &r, &err), 0);
  cg_store_inbox_row_clear(&r);
  int64_t depth = 0;
  assert_int_equal(cg_store_outbox_depth(f->s, &depth, &err), 0);
  assert_int_equal(depth, 1);
}

static void enqueue_order(struct cg_store *s, const char *number)
{
  struct cg_err err = {0};
  struct cg_store_order o = {.number = (char *)number,
                             .state = CG_STORE_ORDER_QUEUED,
                             .payload = "{}"};
  assert_int_equal(cg_store_order_upsert(s, &o, &err), 0);
  char key[64];
  snprintf(key, sizeof(key), "m:%s", number);
  assert_int_equal(cg_store_outbox_put(s, "gxo.order.create", number, key, "{}",
                                       0, NULL, &err),
                   0);
  assert_int_equal(cg_store_audit_append(s, "order", number, "queued", NULL,
                                         "default@1#abc", &err),
                   0);
}

static void test_tx_atomicity(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  assert_int_equal(cg_store_begin(f->s, &err), 0);
  assert_true(cg_store_in_tx(f->s));
  assert_int_equal(cg_store_begin(f->s, &err), CG_EINVAL);
  enqueue_order(f->s, "1001");
  /* Another connection sees nothing before the commit. */
  assert_int_equal(fx_sql_int(f->path, "SELECT count(*) FROM orders"), 0);
  assert_int_equal(cg_store_rollback(f->s, &err), 0);
  assert_false(cg_store_in_tx(f->s));
  assert_int_equal(fx_sql_int(f->path, "SELECT count(*) FROM orders"), 0);
  assert_int_equal(fx_sql_int(f->path, "SELECT count(*) FROM outbox"), 0);
  assert_int_equal(fx_sql_int(f->path, "SELECT count(*) FROM audit"), 0);

  assert_int_equal(cg_store_begin(f->s, &err), 0);
  enqueue_order(f->s, "1002");
  assert_int_equal(cg_store_commit(f->s, &err), 0);
  assert_int_equal(fx_sql_int(f->path, "SELECT count(*) FROM orders"), 1);
  assert_int_equal(fx_sql_int(f->path, "SELECT count(*) FROM outbox WHERE "
                                       "entity_key='1002'"),
                   1);
  assert_int_equal(cg_store_commit(f->s, &err), CG_EINVAL);
  assert_int_equal(cg_store_rollback(f->s, &err), 0); /* no-op */
  /* Closing with a transaction open keeps nothing of it. */
  assert_int_equal(cg_store_begin(f->s, &err), 0);
  enqueue_order(f->s, "1003");
  cg_store_close(f->s);
  assert_int_equal(fx_open(f), 0);
  assert_int_equal(fx_sql_int(f->path, "SELECT count(*) FROM orders"), 1);
  assert_int_equal(fx_sql_int(f->path, "SELECT count(*) FROM outbox"), 1);
}

/* Group commit: a batch in one transaction, each unit in a savepoint; a
 * failing unit is undone alone, the rest commits once. */
static void test_batch_savepoints(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  uint64_t commits = cg_store_commits(f->s);
  assert_int_equal(cg_store_begin(f->s, &err), 0);
  for (int i = 0; i < 3; i++) {
    char num[16];
    snprintf(num, sizeof(num), "20%02d", i);
    assert_int_equal(cg_store_savepoint(f->s, &err), 0);
    enqueue_order(f->s, num);
    assert_int_equal(cg_store_savepoint_end(f->s, i != 1, &err), 0);
  }
  assert_true(cg_store_in_tx(f->s));
  assert_int_equal(fx_sql_int(f->path, "SELECT count(*) FROM orders"), 0);
  assert_int_equal(cg_store_commit(f->s, &err), 0);
  assert_int_equal(cg_store_commits(f->s), commits + 1);
  assert_int_equal(fx_sql_int(f->path, "SELECT count(*) FROM orders"), 2);
  assert_int_equal(fx_sql_int(f->path, "SELECT count(*) FROM orders "
                                       "WHERE number = '2001'"),
                   0);
  assert_int_equal(fx_sql_int(f->path, "SELECT count(*) FROM outbox"), 2);
}

static void test_integrity_cursors_generations(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  assert_int_equal(cg_store_integrity_check(f->s, &err), 0);
  char *v = (char *)"x";
  assert_int_equal(cg_store_cursor_get(f->s, "gxo.events.after", &v, &err),
                   CG_ENOTFOUND);
  assert_null(v);
  assert_int_equal(cg_store_cursor_set(f->s, "gxo.events.after", "17", &err),
                   0);
  assert_int_equal(cg_store_cursor_set(f->s, "gxo.events.after", "18", &err),
                   0);
  assert_int_equal(cg_store_cursor_get(f->s, "gxo.events.after", &v, &err), 0);
  assert_string_equal(v, "18");
  cg_free(v);

  struct cg_store_rule_generation g;
  assert_int_equal(cg_store_rule_generation_latest(f->s, &g, &err),
                   CG_ENOTFOUND);
  int64_t id1 = 0, id2 = 0;
  assert_int_equal(cg_store_rule_generation_record(f->s, "acme", "1.0", "abc",
                                                   1000, &id1, &err),
                   0);
  assert_int_equal(cg_store_rule_generation_record(f->s, "acme", "1.1", "def",
                                                   2000, &id2, &err),
                   0);
  assert_true(id2 > id1);
  assert_int_equal(cg_store_rule_generation_latest(f->s, &g, &err), 0);
  assert_string_equal(g.version, "1.1");
  assert_string_equal(g.content_hash, "def");
  assert_int_equal(g.loaded_at, 2000);
  cg_store_rule_generation_clear(&g);
  cg_store_rule_generation_clear(&g);
}

/* Every store call used by a flow, tolerating CG_ENOMEM anywhere. Returns
 * the number of calls that failed. */
static int run_scenario(const char *path)
{
  struct cg_err err = {0};
  struct cg_store *s = NULL;
  struct cg_store_opts o = {.path = path};
  if (cg_store_open(&o, &s, &err) != 0)
    return 1;
  int fails = 0;
  struct cg_store_inbox_list in;
  struct cg_store_outbox_list out;
  struct cg_store_order ord;
  struct cg_store_exception_list xs;
  struct cg_store_audit_list au;
  struct cg_store_count_list cnt;
  struct cg_store_order_line_list ll;
  char *cur = NULL;
  fails += cg_store_inbox_pending(s, 10, &in, &err) != 0;
  cg_store_inbox_list_clear(&in);
  fails += cg_store_outbox_due_kind(s, "gxo.order.create", INT64_MAX, 10, &out,
                                    &err) != 0;
  cg_store_outbox_list_clear(&out);
  fails += cg_store_order_get(s, "1", &ord, &err) != 0;
  cg_store_order_clear(&ord);
  fails += cg_store_order_lines_list(s, "1", &ll, &err) != 0;
  cg_store_order_line_list_clear(&ll);
  fails += cg_store_exception_list(s, NULL, &xs, &err) != 0;
  cg_store_exception_list_clear(&xs);
  fails += cg_store_exception_open_counts(s, &cnt, &err) != 0;
  cg_store_count_list_clear(&cnt);
  fails += cg_store_audit_list(s, NULL, "1", 0, &au, &err) != 0;
  cg_store_audit_list_clear(&au);
  fails += cg_store_cursor_get(s, "c", &cur, &err) != 0;
  cg_free(cur);
  cg_store_close(s);
  return fails;
}

static void seed_for_alloc(struct cg_store *s)
{
  struct cg_err err = {0};
  for (int i = 0; i < 3; i++) {
    char id[16];
    snprintf(id, sizeof(id), "m%d", i);
    assert_int_equal(
        cg_store_inbox_put(s, "centra", id, "order", "{\"a\":1}", NULL, &err),
        0);
  }
  enqueue_order(s, "1");
  struct cg_store_order_line l[2] = {{"l1", "SKU1", 1, "9.50"},
                                     {"l2", "SKU2", 2, NULL}};
  assert_int_equal(cg_store_order_lines_replace(s, "1", l, 2, &err), 0);
  struct cg_store_exception_new x = {"UNKNOWN_SKU", "order", "1",      "no sku",
                                     NULL,          "ops",   "warning"};
  assert_int_equal(cg_store_exception_raise(s, &x, NULL, NULL, &err), 0);
  assert_int_equal(cg_store_cursor_set(s, "c", "1", &err), 0);
}

static void test_alloc_failures(void **state)
{
  struct fx *f = *state;
  seed_for_alloc(f->s);
  cg_store_close(f->s);
  f->s = NULL;
  assert_int_equal(run_scenario(f->path), 0);
  int n;
  for (n = 0; n < 500; n++) {
    cg_mem_fail_after(n);
    int fails = run_scenario(f->path);
    cg_mem_fail_after(-1);
    if (fails == 0)
      break;
  }
  assert_true(n > 0 && n < 500);
  assert_int_equal(run_scenario(f->path), 0);
}

int main(void)
{
  cg_log_set_level(CG_LOG_WARN);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_fresh_and_reopen, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_refuses_newer_schema, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_failed_step_rolls_back, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_bad_opts, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_connection_settings, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_lazy_transaction, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_busy_is_reported, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_prune, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_commits_and_statement_stats,
                                      fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_tx_atomicity, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_batch_savepoints, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_integrity_cursors_generations,
                                      fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_alloc_failures, fx_setup,
                                      fx_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
