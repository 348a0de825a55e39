/*
 * Unit tests of the store's migrations that rebuild a table (SQLite's
 * create, copy, drop, rename procedure): a store written at version 3
 * with rows in every outbox state opens at the current version with
 * every row as it was and the outbox's new indexes and check in force
 * (migration 4), and a rebuild step runs with foreign keys off and is
 * refused when its result breaks one.
 */
#include "store_fixture.h"

#include "base/log.h"
#include "store/store_int.h"

#include <string.h>

#define KIND "gxo.order.create"

/* Every outbox column of every row, in id order, as one text. */
#define OUTBOX_DUMP                                                            \
  "SELECT group_concat(r, char(10)) FROM (SELECT quote(id) || ',' ||"          \
  " quote(kind) || ',' || quote(entity_key) || ',' ||"                         \
  " quote(idempotency_key) || ',' || quote(payload) || ',' || quote(state)"    \
  " || ',' || quote(attempts) || ',' || quote(created_at) || ',' ||"           \
  " quote(next_attempt_at) || ',' || quote(updated_at) || ',' ||"              \
  " quote(last_status) || ',' || quote(last_error) AS r FROM outbox"           \
  " ORDER BY id)"

#define OUTBOX_INDEXES                                                         \
  "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master"        \
  " WHERE type = 'index' AND tbl_name = 'outbox' ORDER BY name)"

/* Version 3 data: an order with lines, a message, a cursor, and outbox
 * rows in every state (NULL and non-NULL errors, ids with gaps). */
static const char v3_rows[] =
    "INSERT INTO orders (number, state, payload, created_at, updated_at)"
    " VALUES ('1001', 'sent', '{}', 1, 2), ('1002', 'queued', '{}', 1, 2);"
    "INSERT INTO order_lines VALUES ('1001', 'L1', 0, 'SKU-1', 2, '9.90'),"
    " ('1001', 'L2', 1, 'SKU-2', 1, NULL);"
    "INSERT INTO inbox (source, msg_id, kind, payload, received_at)"
    " VALUES ('centra', 'e1', 'centra.order', '{}', 1);"
    "INSERT INTO cursors VALUES ('gxo.events.after', '42', 1);"
    "INSERT INTO outbox (id, kind, entity_key, idempotency_key, payload,"
    " state, attempts, created_at, next_attempt_at, updated_at, last_status,"
    " last_error) VALUES"
    " (7, 'gxo.order.create', '1001', 'k-1001', '{\"a\":1}', 'done', 1,"
    "  10, 10, 20, 201, NULL),"
    " (8, 'gxo.order.create', '1002', 'k-1002', '{\"a\":2}', 'inflight', 0,"
    "  11, 11, 21, 0, NULL),"
    " (9, 'gxo.order.create', '1003', 'k-1003', '{\"a\":3}', 'pending', 2,"
    "  12, 5000, 22, 503, 'busy'),"
    " (12, 'centra.order.external_id', '1001', 'm-1001',"
    "  '{\"externalId\":\"W1\"}', 'failed', 3, 13, 13, 23, 422, 'bad'),"
    " (13, 'gxo.order.create', '1004', 'k-1004', '{}', 'pending', 0,"
    "  14, 14, 24, 0, NULL);";

/* A single text from raw SQL on a separate connection (owned). */
static char *sql_text(const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  char *v = NULL;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
    v = cg_strdup((const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  assert_non_null(v);
  return v;
}

/* Writes a store at version 3 (the engine's own first three steps). */
static void write_v3_store(const char *path)
{
  sqlite3 *db = NULL;
  struct cg_err err = {0};
  int v = 0;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(
      cg__store_migrate(db, path, cg__store_migrations, 3, &v, &err), 0);
  assert_int_equal(v, 3);
  assert_int_equal(sqlite3_exec(db, v3_rows, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
}

struct seen {
  bool migration4;
};

static void on_log_line(enum cg_log_level level, const char *line, void *arg)
{
  struct seen *s = arg;
  if (level == CG_LOG_INFO &&
      strstr(line, "applied schema migration 4 (outbox rebuilt"))
    s->migration4 = true;
}

/* Opens path with the engine, capturing whether migration 4 was logged. */
static struct cg_store *open_logged(const char *path, struct seen *seen)
{
  struct cg_store_opts o = {.path = path, .name = "test"};
  struct cg_store *s = NULL;
  struct cg_err err = {0};
  enum cg_log_level old = cg_log_get_level();
  cg_log_set_level(CG_LOG_INFO);
  cg_log_set_sink(on_log_line, seen);
  int rc = cg_store_open(&o, &s, &err);
  cg_log_set_sink(NULL, NULL);
  cg_log_set_level(old);
  if (rc != 0)
    fail_msg("open: %s", err.msg);
  return s;
}

/* The migrated outbox still works: counts, due rows, uniqueness, the
 * state machine on migrated rows, new ids after the old ones. */
static void check_migrated_outbox(struct cg_store *s)
{
  struct cg_err err = {0};
  int64_t c[CG_STORE_OUTBOX_NSTATES], id = 0;
  assert_int_equal(cg_store_outbox_counts(s, c, &err), 0);
  assert_int_equal(c[CG_STORE_OUTBOX_PENDING], 2);
  assert_int_equal(c[CG_STORE_OUTBOX_INFLIGHT], 1);
  assert_int_equal(c[CG_STORE_OUTBOX_DONE], 1);
  assert_int_equal(c[CG_STORE_OUTBOX_FAILED], 1);
  struct cg_store_outbox_list l = {0};
  assert_int_equal(cg_store_outbox_due_kind(s, KIND, 6000, 10, &l, &err), 0);
  assert_int_equal(l.n, 2);
  assert_int_equal(l.items[0].id, 13);
  assert_int_equal(l.items[1].id, 9);
  assert_string_equal(l.items[1].last_error, "busy");
  cg_store_outbox_list_clear(&l);
  assert_int_equal(
      cg_store_outbox_put(s, KIND, "1002", "k-1002", "{}", 0, &id, &err),
      CG_EEXIST);
  assert_int_equal(id, 8);
  assert_int_equal(cg_store_outbox_done(s, 8, 201, &err), 0);
  assert_int_equal(cg_store_outbox_mark_inflight(s, 9, &err), 0);
  assert_int_equal(cg_store_outbox_requeue(s, 12, 30, &err), 0);
  assert_int_equal(
      cg_store_outbox_put(s, KIND, "1005", "k-1005", "{}", 0, &id, &err), 0);
  assert_int_equal(id, 14);
  assert_int_equal(cg_store_integrity_check(s, &err), 0);
}

static void test_v3_rows_survive_migration_4(void **state)
{
  struct fx *f = *state;
  char path[600];
  snprintf(path, sizeof(path), "%s/v3.db", f->dir);
  write_v3_store(path);
  char *before = sql_text(path, OUTBOX_DUMP);
  struct seen seen = {0};
  struct cg_store *s = open_logged(path, &seen);
  assert_true(seen.migration4);
  assert_int_equal(cg_store_schema_version(s), CG_STORE_SCHEMA_VERSION);
  char *after = sql_text(path, OUTBOX_DUMP);
  assert_string_equal(after, before);
  char *indexes = sql_text(path, OUTBOX_INDEXES);
  assert_string_equal(indexes, "outbox_done outbox_due_kind outbox_entity "
                               "outbox_failed outbox_inflight "
                               "sqlite_autoindex_outbox_1");
  assert_int_equal(fx_sql_int(path, "SELECT count(*) FROM sqlite_master"
                                    " WHERE name = 'outbox_v4'"),
                   0);
  assert_int_equal(fx_sql_int(path, "SELECT count(*) FROM order_lines"), 2);
  assert_int_equal(fx_sql_int(path, "SELECT count(*) FROM inbox"), 1);
  assert_int_equal(fx_sql_int(path, "SELECT value FROM cursors"), 42);
  /* The state check holds in the new table; foreign keys are back on. */
  assert_int_equal(fx_sql_exec(path, "UPDATE outbox SET state = 'sent'"
                                     " WHERE id = 9"),
                   -1);
  assert_int_equal(sqlite3_exec(s->db,
                                "INSERT INTO order_lines VALUES"
                                " ('9999', 'L', 0, 'S', 1, NULL)",
                                NULL, NULL, NULL),
                   SQLITE_CONSTRAINT_FOREIGNKEY);
  check_migrated_outbox(s);
  cg_store_close(s);
  cg_free(before);
  cg_free(after);
  cg_free(indexes);
}

/* A parent table whose child rows cascade on delete: rebuilding the
 * parent with foreign keys on would delete the children with it. */
static const struct cg__migration fk_steps[] = {
    {1, "parent and child",
     "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY,"
     " name TEXT NOT NULL, applied_at INTEGER NOT NULL);"
     "CREATE TABLE p (id INTEGER PRIMARY KEY, v TEXT);"
     "CREATE TABLE c (p INTEGER REFERENCES p (id) ON DELETE CASCADE);"
     "INSERT INTO p VALUES (1, 'a'); INSERT INTO c VALUES (1);",
     false},
    {2, "rebuild the parent",
     "CREATE TABLE p2 (id INTEGER PRIMARY KEY, v TEXT NOT NULL);"
     "INSERT INTO p2 SELECT id, v FROM p; DROP TABLE p;"
     "ALTER TABLE p2 RENAME TO p;",
     true},
    {3, "rebuild that loses the parent row",
     "CREATE TABLE p3 (id INTEGER PRIMARY KEY, v TEXT); DROP TABLE p;"
     "ALTER TABLE p3 RENAME TO p;",
     true},
};

/* Runs steps on a fresh file with foreign keys on; returns the result and
 * the file's version, child rows and foreign_keys setting afterwards. */
static int migrate_fk(const char *path, const struct cg__migration *steps,
                      size_t n, long long out[3], struct cg_err *err)
{
  sqlite3 *db = NULL;
  int v = 0;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "PRAGMA foreign_keys=ON", NULL, NULL, NULL),
                   SQLITE_OK);
  int rc = cg__store_migrate(db, path, steps, n, &v, err);
  sqlite3_stmt *st = NULL;
  assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA foreign_keys", -1, &st, NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  out[2] = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  out[0] = fx_sql_int(path, "PRAGMA user_version");
  out[1] = fx_sql_int(path, "SELECT count(*) FROM c");
  return rc;
}

static void test_rebuild_runs_with_foreign_keys_off(void **state)
{
  struct fx *f = *state;
  char path[600];
  struct cg_err err = {0};
  long long got[3];
  snprintf(path, sizeof(path), "%s/fk.db", f->dir);
  assert_int_equal(migrate_fk(path, fk_steps, 2, got, &err), 0);
  assert_int_equal(got[0], 2);
  assert_int_equal(got[1], 1); /* the child row survived the rebuild */
  assert_int_equal(got[2], 1); /* and foreign keys are on again */
  /* A rebuild whose result breaks a foreign key is undone whole. */
  assert_int_equal(migrate_fk(path, fk_steps, 3, got, &err), CG_EDB);
  assert_non_null(strstr(err.msg, "migration 3"));
  assert_non_null(strstr(err.msg, "breaks a foreign key"));
  assert_int_equal(got[0], 2);
  assert_int_equal(got[1], 1);
  assert_int_equal(got[2], 1);
  assert_int_equal(fx_sql_int(path, "SELECT count(*) FROM p"), 1);
  /* The same step as a plain one, with foreign keys on, loses the child:
   * what the rebuild flag is for. */
  struct cg__migration plain[2] = {fk_steps[0], fk_steps[1]};
  plain[1].rebuild = false;
  snprintf(path, sizeof(path), "%s/fk-plain.db", f->dir);
  assert_int_equal(migrate_fk(path, plain, 2, got, &err), 0);
  assert_int_equal(got[1], 0);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_v3_rows_survive_migration_4,
                                      fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_rebuild_runs_with_foreign_keys_off,
                                      fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
