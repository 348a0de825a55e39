/*
 * store: opening and closing a merchant's SQLite file, schema migrations
 * and transactions. The per-table modules are store_inbox.c,
 * store_outbox.c, store_orders.c, store_exceptions.c and store_audit.c;
 * statement texts are in store_sql.c and the schema in store_schema.c.
 *
 *   cg_store_open: open_db (WAL, synchronous, busy_timeout, foreign keys)
 *                  -> cg__store_migrate (one transaction per step)
 *                  -> prepare_all (every statement, once)
 */
#include "store/store.h"
#include "store/store_int.h"

#include "base/err.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_BUSY_TIMEOUT_MS 5000
#define CACHE_KIB "-16384" /* 16 MiB page cache (SQLite default: 2) */

static const char *const sync_modes[] = {"FULL", "EXTRA", "NORMAL", "OFF"};

static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;

/* Process-wide SQLite settings, before SQLite initialises. Memory
 * statistics off: with them, every allocation and free inside SQLite
 * takes a global mutex to count bytes (Debian's SQLite has no lookaside,
 * so every allocation is a malloc); the engine reads none of them (no
 * sqlite3_memory_used, sqlite3_status or heap limit). If something
 * initialised SQLite first the setting stays as it was (SQLITE_MISUSE,
 * harmless). cg_store_open then initialises SQLite (again: a failed
 * initialisation is retried by the next open). */
static void sqlite_global_config(void)
{
  (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static int check_opts(const struct cg_store_opts *o, const char **sync,
                      struct cg_err *err)
{
  if (o == NULL || o->path == NULL || o->path[0] == '\0')
    return cg_err_set(err, CG_EINVAL, "store: no path given");
  if (o->busy_timeout_ms < 0)
    return cg_err_set(err, CG_EINVAL, "store %s: negative busy timeout",
                      o->path);
  *sync = sync_modes[0];
  if (o->synchronous == NULL)
    return 0;
  for (size_t i = 0; i < sizeof(sync_modes) / sizeof(sync_modes[0]); i++)
    if (strcasecmp(o->synchronous, sync_modes[i]) == 0) {
      *sync = sync_modes[i];
      return 0;
    }
  return cg_err_set(err, CG_EINVAL,
                    "store %s: synchronous must be FULL, EXTRA, NORMAL or "
                    "OFF, not '%s'",
                    o->path, o->synchronous);
}

/* Runs a one-row pragma and copies its first column into out. */
static int pragma_text(sqlite3 *db, const char *sql, char *out, size_t size,
                       struct cg_err *err)
{
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  if (rc != SQLITE_OK)
    return cg__store_dberr(db, rc, sql, err);
  rc = sqlite3_step(st);
  out[0] = '\0';
  if (rc == SQLITE_ROW) {
    const unsigned char *v = sqlite3_column_text(st, 0);
    snprintf(out, size, "%s", v ? (const char *)v : "");
    rc = SQLITE_DONE;
  }
  int ret = rc == SQLITE_DONE ? 0 : cg__store_dberr(db, rc, sql, err);
  sqlite3_finalize(st); /* repeats the step's code, handled above */
  return ret;
}

static int exec_sql(sqlite3 *db, const char *sql, struct cg_err *err)
{
  int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
  return rc == SQLITE_OK ? 0 : cg__store_dberr(db, rc, sql, err);
}

static int configure(sqlite3 *db, const char *sync, int busy_ms,
                     struct cg_err *err)
{
  char sql[64], val[32];
  int rc = sqlite3_extended_result_codes(db, 1);
  if (rc == SQLITE_OK)
    rc = sqlite3_busy_timeout(db, busy_ms);
  if (rc != SQLITE_OK)
    return cg__store_dberr(db, rc, "store: configure", err);
  if (pragma_text(db, "PRAGMA journal_mode=WAL", val, sizeof(val), err))
    return CG_EDB;
  if (strcasecmp(val, "wal") != 0)
    return cg_err_set(err, CG_EDB, "store: journal_mode is '%s', not wal", val);
  snprintf(sql, sizeof(sql), "PRAGMA synchronous=%s", sync);
  if (exec_sql(db, sql, err) || exec_sql(db, "PRAGMA foreign_keys=ON", err))
    return CG_EDB;
  if (pragma_text(db, "PRAGMA foreign_keys", val, sizeof(val), err))
    return CG_EDB;
  if (strcmp(val, "1") != 0)
    return cg_err_set(err, CG_EDB, "store: foreign keys unsupported");
  /* Savepoint journals in memory: SQLite otherwise spills each flow
   * step's undo pages to a temp file (about 60 pwrites per order). They
   * only serve ROLLBACK TO inside a live transaction; durability is the
   * WAL's. A bigger page cache keeps a large backlog's hot pages. */
  return exec_sql(db, "PRAGMA temp_store=MEMORY", err) ||
                 exec_sql(db, "PRAGMA cache_size=" CACHE_KIB, err)
             ? CG_EDB
             : 0;
}

static int open_db(const char *path, const char *sync, int busy_ms,
                   sqlite3 **out, struct cg_err *err)
{
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2(
      path, &db,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK) {
    cg__store_dberr(db, rc, "store: open", err);
    goto fail;
  }
  if (configure(db, sync, busy_ms, err) != 0)
    goto fail;
  *out = db;
  return 0;
fail:
  cg_err_prefix(err, "store %s", path);
  sqlite3_close(db); /* NULL-safe; nothing prepared yet, cannot be busy */
  return err ? err->code : CG_EDB;
}

static int read_user_version(sqlite3 *db, int *v, struct cg_err *err)
{
  char val[32];
  if (pragma_text(db, "PRAGMA user_version", val, sizeof(val), err))
    return CG_EDB;
  *v = atoi(val);
  return 0;
}

static int refuse_newer(const char *path, int have, int know,
                        struct cg_err *err)
{
  return cg_err_set(err, CG_EDB,
                    "store %s: schema version %d is newer than this "
                    "engine's %d (written by a newer centra-gxo); refusing "
                    "to open it: upgrade the engine or restore a backup",
                    path, have, know);
}

/* Records step m in schema_migrations and user_version (inside the tx). */
static int record_step(sqlite3 *db, const struct cg__migration *m,
                       struct cg_err *err)
{
  char sql[256];
  snprintf(sql, sizeof(sql),
           "INSERT INTO schema_migrations (version, name, applied_at) "
           "VALUES (%d, ?1, %lld); PRAGMA user_version=%d",
           m->version, (long long)cg_time_now_ms(), m->version);
  /* The name is bound, not formatted, so a quote in it cannot break SQL. */
  sqlite3_stmt *st = NULL;
  const char *tail = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, &tail);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text(st, 1, m->name, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK)
    rc = sqlite3_step(st);
  sqlite3_finalize(st); /* repeats the step's code, checked below */
  if (rc != SQLITE_DONE)
    return cg__store_dberr(db, rc, "store: record migration", err);
  return exec_sql(db, tail, err);
}

/* After a table rebuild, inside its transaction: no row may break a
 * foreign key (none was enforced while the step ran). */
static int check_foreign_keys(sqlite3 *db, struct cg_err *err)
{
  char table[128];
  if (pragma_text(db, "PRAGMA foreign_key_check", table, sizeof(table), err))
    return CG_EDB;
  if (table[0] == '\0')
    return 0;
  return cg_err_set(err, CG_EDB, "a row of %s breaks a foreign key", table);
}

/* Applies one step in one transaction; skips it if another process got
 * there first. */
static int run_step(sqlite3 *db, const struct cg__migration *m,
                    struct cg_err *err)
{
  int v = 0;
  if (exec_sql(db, "BEGIN IMMEDIATE", err) != 0)
    return CG_EDB;
  if (read_user_version(db, &v, err) != 0)
    goto fail;
  if (v < m->version && (exec_sql(db, m->sql, err) != 0 ||
                         (m->rebuild && check_foreign_keys(db, err) != 0) ||
                         record_step(db, m, err) != 0))
    goto fail;
  if (exec_sql(db, "COMMIT", err) != 0)
    goto fail;
  return 0;
fail:
  if (!sqlite3_get_autocommit(db))
    (void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL); /* best effort */
  return CG_EDB;
}

/* A step that rebuilds a table runs with foreign keys off (SQLite's
 * procedure; the setting cannot change inside a transaction) and puts
 * them back as they were afterwards, whatever the outcome. */
static int apply_step(sqlite3 *db, const struct cg__migration *m,
                      struct cg_err *err)
{
  char fk[8] = "0";
  int ret = 0;
  if (m->rebuild &&
      (pragma_text(db, "PRAGMA foreign_keys", fk, sizeof(fk), err) != 0 ||
       exec_sql(db, "PRAGMA foreign_keys=OFF", err) != 0))
    ret = CG_EDB;
  if (ret == 0)
    ret = run_step(db, m, err);
  if (m->rebuild && strcmp(fk, "1") == 0) {
    struct cg_err scratch = {0};
    if (exec_sql(db, "PRAGMA foreign_keys=ON", ret ? &scratch : err) != 0)
      ret = CG_EDB;
  }
  return ret ? cg_err_prefix(err, "migration %d (%s)", m->version, m->name) : 0;
}

int cg__store_migrate(sqlite3 *db, const char *path,
                      const struct cg__migration *steps, size_t n, int *version,
                      struct cg_err *err)
{
  int last = n ? steps[n - 1].version : 0;
  int v = 0;
  if (read_user_version(db, &v, err) != 0)
    return CG_EDB;
  if (v > last)
    return refuse_newer(path, v, last, err);
  for (size_t i = 0; i < n; i++) {
    if (steps[i].version <= v)
      continue;
    if (apply_step(db, &steps[i], err) != 0)
      return cg_err_prefix(err, "store %s", path);
    cg_log_info("store", "%s: applied schema migration %d (%s)", path,
                steps[i].version, steps[i].name);
  }
  if (read_user_version(db, &v, err) != 0)
    return CG_EDB;
  if (v > last)
    return refuse_newer(path, v, last, err);
  *version = v;
  return 0;
}

static int prepare_all(struct cg_store *s, struct cg_err *err)
{
  for (int i = 0; i < CG__ST_COUNT; i++) {
    int rc = sqlite3_prepare_v3(s->db, cg__store_sql[i], -1,
                                SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL);
    if (rc != SQLITE_OK) {
      cg__store_dberr(s->db, rc, "store: prepare", err);
      return cg_err_prefix(err, "statement %d", i);
    }
  }
  return 0;
}

/* Counts every commit, explicit or autocommit (returns 0: go ahead). */
static int count_commit(void *arg)
{
  ((struct cg_store *)arg)->commits++;
  return 0;
}

int cg_store_open(const struct cg_store_opts *opts, struct cg_store **out,
                  struct cg_err *err)
{
  const char *sync = NULL;
  *out = NULL;
  int ret = check_opts(opts, &sync, err);
  if (ret != 0)
    return ret;
  pthread_once(&sqlite_once, sqlite_global_config);
  int rc = sqlite3_initialize();
  if (rc != SQLITE_OK)
    return cg_err_set(err, CG_EDB, "store %s: sqlite3_initialize: %s",
                      opts->path, sqlite3_errstr(rc));
  struct cg_store *s = cg_calloc(1, sizeof(*s));
  if (s == NULL || (s->path = cg_strdup(opts->path)) == NULL) {
    ret = cg_err_set(err, CG_ENOMEM, "store %s: out of memory", opts->path);
    goto fail;
  }
  snprintf(s->comp, sizeof(s->comp), "store:merchant=%s",
           opts->name ? opts->name : "-");
  int busy =
      opts->busy_timeout_ms ? opts->busy_timeout_ms : DEFAULT_BUSY_TIMEOUT_MS;
  s->busy_ms = busy;
  s->sync = sync;
  if ((ret = open_db(s->path, sync, busy, &s->db, err)) != 0 ||
      (ret = cg__store_migrate(s->db, s->path, cg__store_migrations,
                               cg__store_migrations_count, &s->schema_version,
                               err)) != 0 ||
      (ret = cg__store_stock_stage_init(s->db, err)) != 0 ||
      (ret = prepare_all(s, err)) != 0)
    goto fail;
  sqlite3_commit_hook(s->db, count_commit, s);
  cg_log_info(s->comp, "opened %s (schema %d, WAL, synchronous=%s)", s->path,
              s->schema_version, sync);
  *out = s;
  return 0;
fail:
  cg_store_close(s);
  return ret;
}

/* A developer's view of where the store's time goes (CG_STORE_STATS=1 in
 * the engine's environment, docs/internals/store.md): at close, each
 * prepared statement that ran, with its runs and virtual machine steps
 * (sqlite3_stmt_status), the dearest first. */
struct st_stat {
  int index, runs, steps;
};

static int by_steps(const void *a, const void *b)
{
  const struct st_stat *x = a, *y = b;
  return (y->steps > x->steps) - (y->steps < x->steps);
}

static void log_statement_stats(const struct cg_store *s)
{
  const char *on = getenv("CG_STORE_STATS");
  struct st_stat stats[CG__ST_COUNT];
  int n = 0;
  if (on == NULL || strcmp(on, "1") != 0)
    return;
  for (int i = 0; i < CG__ST_COUNT; i++) {
    int runs = s->st[i]
                   ? sqlite3_stmt_status(s->st[i], SQLITE_STMTSTATUS_RUN, 0)
                   : 0; /* a store whose preparing failed part way */
    if (runs > 0)
      stats[n++] = (struct st_stat){
          i, runs, sqlite3_stmt_status(s->st[i], SQLITE_STMTSTATUS_VM_STEP, 0)};
  }
  qsort(stats, (size_t)n, sizeof(*stats), by_steps);
  for (int k = 0; k < n; k++)
    cg_log_info(s->comp, "statement %d: %d runs, %d VM steps: %.100s",
                stats[k].index, stats[k].runs, stats[k].steps,
                cg__store_sql[stats[k].index]);
}

void cg_store_close(struct cg_store *s)
{
  if (s == NULL)
    return;
  if (s->db != NULL && !sqlite3_get_autocommit(s->db))
    (void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL); /* best effort */
  log_statement_stats(s);
  cg__store_stock_image_free(s);
  for (int i = 0; i < CG__ST_COUNT; i++) {
    sqlite3_finalize(s->st[i]); /* NULL-safe; reports past errors only */
    s->st[i] = NULL;
  }
  if (s->db != NULL) {
    if (s->commits > 0)
      cg_log_info(s->comp, "closing %s after %llu commits", s->path,
                  (unsigned long long)s->commits);
    int rc = sqlite3_close(s->db);
    if (rc != SQLITE_OK)
      cg_log_error(s->comp, "closing %s: %s; leaking the connection", s->path,
                   sqlite3_errstr(rc));
    s->db = NULL;
  }
  cg_free(s->path);
  cg_free(s);
}

uint64_t cg_store_commits(const struct cg_store *s)
{
  return s->commits;
}

int cg_store_schema_version(const struct cg_store *s)
{
  return s->schema_version;
}

int cg_store_integrity_check(struct cg_store *s, struct cg_err *err)
{
  sqlite3_stmt *st = s->st[CG__ST_INTEGRITY];
  int ret = cg__store_step_row(s, st, "store: integrity_check", err);
  if (ret != 0)
    return ret == CG_ENOTFOUND ? CG_EDB : ret;
  const unsigned char *v = sqlite3_column_text(st, 0);
  if (v == NULL || strcmp((const char *)v, "ok") != 0)
    ret = cg_err_set(err, CG_EDB, "store %s: integrity_check: %s", s->path,
                     v ? (const char *)v : "(no answer)");
  cg__store_done(st);
  return ret;
}

static int prune_one(struct cg_store *s, enum cg__st which, int64_t before,
                     int64_t *count, struct cg_err *err)
{
  int ret = cg__store_bind(s, s->st[which], err, "I", before);
  if (ret == 0)
    ret = cg__store_exec(s, s->st[which], "store: prune", err);
  if (ret == 0 && count != NULL)
    *count = sqlite3_changes64(s->db);
  return ret;
}

int cg_store_prune(struct cg_store *s, int64_t before_ms, int64_t *inbox,
                   int64_t *outbox, struct cg_err *err)
{
  int ret = cg__store_sp_begin(s, err);
  if (ret != 0)
    return ret;
  ret = prune_one(s, CG__ST_PRUNE_INBOX, before_ms, inbox, err);
  if (ret == 0)
    ret = prune_one(s, CG__ST_PRUNE_OUTBOX, before_ms, outbox, err);
  int end = cg__store_sp_end(s, ret == 0, err);
  return ret ? ret : end;
}

int cg_store_begin(struct cg_store *s, struct cg_err *err)
{
  if (s->in_tx)
    return cg_err_set(err, CG_EINVAL, "store: transaction already open");
  int ret = cg__store_exec(s, s->st[CG__ST_BEGIN], "store: begin", err);
  s->in_tx = ret == 0;
  return ret;
}

/* The safety level is connection configuration, set like the others at
 * open (sqlite3_exec): a PRAGMA synchronous takes effect when it is
 * prepared, so it cannot sit in the statement table. */
static int set_sync(struct cg_store *s, const char *mode, struct cg_err *err)
{
  char sql[48];
  snprintf(sql, sizeof(sql), "PRAGMA synchronous=%s", mode);
  return exec_sql(s->db, sql, err);
}

/* Back to the configured safety level after a lazy transaction (the
 * level cannot change inside one). */
static void lazy_end(struct cg_store *s)
{
  struct cg_err scratch = {0};
  if (!s->lazy)
    return;
  s->lazy = false;
  if (set_sync(s, s->sync, &scratch) != 0)
    cg_log_error(s->comp, "synchronous not restored: %s", scratch.msg);
}

int cg_store_begin_lazy(struct cg_store *s, struct cg_err *err)
{
  if (s->in_tx)
    return cg_err_set(err, CG_EINVAL, "store: transaction already open");
  bool syncs = strcmp(s->sync, "FULL") == 0 || strcmp(s->sync, "EXTRA") == 0;
  int ret = syncs ? set_sync(s, "NORMAL", err) : 0;
  s->lazy = syncs && ret == 0;
  if (ret == 0 && (ret = cg_store_begin(s, err)) != 0)
    lazy_end(s);
  return ret;
}

int cg_store_commit(struct cg_store *s, struct cg_err *err)
{
  if (!s->in_tx)
    return cg_err_set(err, CG_EINVAL, "store: commit without begin");
  int ret = cg__store_exec(s, s->st[CG__ST_COMMIT], "store: commit", err);
  if (ret != 0 && !sqlite3_get_autocommit(s->db)) {
    struct cg_err scratch = {0};
    if (cg__store_exec(s, s->st[CG__ST_ROLLBACK], "rollback", &scratch))
      cg_log_error(s->comp, "rollback after failed commit: %s", scratch.msg);
  }
  s->in_tx = false;
  lazy_end(s);
  return ret;
}

int cg_store_rollback(struct cg_store *s, struct cg_err *err)
{
  s->in_tx = false;
  int ret =
      sqlite3_get_autocommit(s->db)
          ? 0
          : cg__store_exec(s, s->st[CG__ST_ROLLBACK], "store: rollback", err);
  lazy_end(s);
  return ret;
}

int cg_store_savepoint(struct cg_store *s, struct cg_err *err)
{
  return cg__store_sp_begin(s, err);
}

int cg_store_savepoint_end(struct cg_store *s, bool keep, struct cg_err *err)
{
  return cg__store_sp_end(s, keep, err);
}

bool cg_store_in_tx(const struct cg_store *s)
{
  return s->in_tx;
}

bool cg_store_in_any_tx(const struct cg_store *s)
{
  return s->in_tx || !sqlite3_get_autocommit(s->db);
}
