/*
 * store_fixture: a fresh store in a temporary directory per test case,
 * shared by the tests/unit/test_store*.c files (header-only; each test
 * file includes it once).
 */
#ifndef CG_TEST_STORE_FIXTURE_H
#define CG_TEST_STORE_FIXTURE_H

#include "testutil.h"

#include "base/err.h"
#include "base/mem.h"
#include "store/store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

struct fx {
  char *dir;
  char path[512];
  struct cg_store *s;
};

static inline int fx_open(struct fx *f)
{
  struct cg_err err = {0};
  struct cg_store_opts o = {.path = f->path, .name = "test"};
  int ret = cg_store_open(&o, &f->s, &err);
  if (ret != 0)
    fprintf(stderr, "fx_open: %s\n", err.msg);
  return ret;
}

static inline int fx_setup(void **state)
{
  struct fx *f = cg_calloc(1, sizeof(*f));
  if (f == NULL || (f->dir = tu_tmpdir("store")) == NULL)
    return -1;
  snprintf(f->path, sizeof(f->path), "%s/merchant.db", f->dir);
  if (fx_open(f) != 0)
    return -1;
  *state = f;
  return 0;
}

static inline int fx_teardown(void **state)
{
  struct fx *f = *state;
  cg_store_close(f->s);
  tu_rmtree(f->dir);
  cg_free(f->dir);
  cg_free(f);
  return 0;
}

/* The fixture inside a test's own environment of size bytes, whose first
 * member is a struct fx: *state is the environment, and fx_teardown (or a
 * teardown ending in it) frees it whole. NULL on failure. */
static inline void *fx_env_setup(void **state, size_t size)
{
  if (size < sizeof(struct fx) || fx_setup(state) != 0)
    return NULL;
  void *env = cg_calloc(1, size);
  if (env == NULL) {
    fx_teardown(state);
    return NULL;
  }
  memcpy(env, *state, sizeof(struct fx));
  cg_free(*state);
  *state = env;
  return env;
}

/* A single integer from raw SQL on a separate connection (independent of
 * the store's own statements); -1 on error. */
static inline long long fx_sql_int(const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  long long v = -1;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

/* Runs raw SQL on a separate connection; 0 or -1. */
static inline int fx_sql_exec(const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
  sqlite3_close(db);
  return rc == SQLITE_OK ? 0 : -1;
}

#endif
