/*
 * Allocation failure inside SQLite itself: SQLite's allocator is routed
 * through cg_malloc (SQLITE_CONFIG_MALLOC, before SQLite initialises), so
 * cg_mem_fail_after(n) fails the nth allocation whoever makes it. A flow's
 * whole write pattern (intake row, then order + outbox + audit in one
 * transaction, then reads) runs with n = 0, 1, 2 ... until it completes
 * untouched. Each run may fail anywhere; none may crash or leak, and
 * afterwards the file must pass integrity_check with every order complete
 * (a failed transaction leaves nothing).
 */
#include "store_fixture.h"

#include "base/log.h"

#include <stdint.h>
#include <string.h>

/* SQLite needs the size of every block: keep it in an 8-byte header. */
static void *m_malloc(int n)
{
  int64_t *p = cg_malloc((size_t)n + sizeof(int64_t));
  if (p == NULL)
    return NULL;
  p[0] = n;
  return p + 1;
}

static void m_free(void *p)
{
  if (p != NULL)
    cg_free((int64_t *)p - 1);
}

static void *m_realloc(void *p, int n)
{
  int64_t *q =
      cg_realloc(p ? (int64_t *)p - 1 : NULL, (size_t)n + sizeof(int64_t));
  if (q == NULL)
    return NULL;
  q[0] = n;
  return q + 1;
}

static int m_size(void *p)
{
  return p ? (int)((int64_t *)p)[-1] : 0;
}

static int m_roundup(int n)
{
  return (n + 7) & ~7;
}

static int m_init(void *arg)
{
  return SQLITE_OK;
}

static void m_shutdown(void *arg)
{
}

static const sqlite3_mem_methods cg_sqlite_mem = {
    m_malloc, m_free, m_realloc, m_size, m_roundup, m_init, m_shutdown, NULL};

static int flow_step(struct cg_store *s, int n, struct cg_err *err)
{
  char num[32];
  snprintf(num, sizeof(num), "o%d", n);
  struct cg_store_order o = {.number = num, .state = CG_STORE_ORDER_QUEUED};
  int ret = cg_store_begin(s, err);
  if (ret != 0)
    return ret;
  if (cg_store_order_upsert(s, &o, err) ||
      cg_store_outbox_put(s, "gxo.order.create", num, num, "{}", 0, NULL,
                          err) ||
      cg_store_audit_append(s, "order", num, "queued", NULL, NULL, err) ||
      cg_store_commit(s, err)) {
    cg_store_rollback(s, NULL);
    return CG_EDB;
  }
  return 0;
}

/* One flow pass; returns how many calls failed (0 = untouched run). */
static int scenario(const char *path, int n)
{
  struct cg_err err = {0};
  struct cg_store *s = NULL;
  /* Durability is not under test here; skipping fsync keeps 4k passes
   * fast. */
  struct cg_store_opts o = {.path = path, .synchronous = "OFF"};
  if (cg_store_open(&o, &s, &err) != 0)
    return 1;
  char msg[32];
  snprintf(msg, sizeof(msg), "m%d", n);
  int fails = 0, ret;
  ret = cg_store_inbox_put(s, "centra", msg, "order", "{}", NULL, &err);
  fails += ret != 0 && ret != CG_EEXIST;
  fails += flow_step(s, n, &err) != 0;
  struct cg_store_outbox_list l;
  fails += cg_store_outbox_due_kind(s, "gxo.order.create", INT64_MAX, 5, &l,
                                    &err) != 0;
  cg_store_outbox_list_clear(&l);
  struct cg_store_exception_new x = {"RULE_ERROR", "order", msg, "boom",
                                     NULL,         NULL,    NULL};
  fails += cg_store_exception_raise(s, &x, NULL, NULL, &err) != 0;
  cg_store_close(s);
  return fails;
}

static void test_sqlite_nomem(void **state)
{
  struct fx *f = *state;
  cg_store_close(f->s);
  f->s = NULL;
  int n, clean = 0;
  for (n = 0; n < 20000 && !clean; n++) {
    cg_mem_fail_after(n);
    clean = scenario(f->path, n) == 0;
    cg_mem_fail_after(-1);
  }
  print_message("a pass needs %d allocations\n", n - 1);
  assert_true(clean);
  assert_int_equal(fx_open(f), 0);
  struct cg_err err = {0};
  assert_int_equal(cg_store_integrity_check(f->s, &err), 0);
  assert_true(fx_sql_int(f->path, "SELECT count(*) FROM orders") >= 1);
  assert_int_equal(fx_sql_int(f->path, "SELECT count(*) FROM orders o "
                                       "WHERE NOT EXISTS (SELECT 1 FROM "
                                       "outbox x WHERE x.entity_key = "
                                       "o.number) OR NOT EXISTS (SELECT 1 "
                                       "FROM audit a WHERE a.entity_key = "
                                       "o.number)"),
                   0);
  assert_int_equal(fx_sql_int(f->path, "SELECT count(*) FROM outbox x WHERE "
                                       "NOT EXISTS (SELECT 1 FROM orders o "
                                       "WHERE o.number = x.entity_key)"),
                   0);
}

int main(void)
{
  /* Must precede every other SQLite call in the process. */
  if (sqlite3_config(SQLITE_CONFIG_MALLOC, &cg_sqlite_mem) != SQLITE_OK)
    return 1;
  cg_log_set_level(CG_LOG_ERROR);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_sqlite_nomem, fx_setup, fx_teardown),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  sqlite3_shutdown();
  return rc;
}
