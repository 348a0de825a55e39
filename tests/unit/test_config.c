/*
 * Unit tests for core/app/config: defaults, secrets from env and file,
 * and one clear message (merchant, key, problem) for each kind of mistake.
 */
#include "testutil.h"

#include "app/config.h"
#include "base/err.h"
#include "base/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dir;
static char pathbuf[512];

static const char *write_file(const char *name, const char *text)
{
  static char path[512];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  fputs(text, f);
  fclose(f);
  return path;
}

#define MERCHANT(extra)                                                        \
  "merchants = { { id = 'acme', store = 'acme.db',"                            \
  " centra = { url = 'http://c/graphql', token = env 'T_CENTRA' },"            \
  " gxo = { url = 'http://g/wms/v1', client_id = 'cg', site = 'SE1',"          \
  "  client_secret = file 'gxo.secret' }" extra " } }\n"

static struct cg_config *load(const char *text, struct cg_err *err)
{
  return cg_config_load(write_file("c.lua", text), err);
}

static void test_good_config(void **state)
{
  struct cg_err err = {0};
  setenv("T_CENTRA", "tok-1", 1);
  write_file("gxo.secret", "s3cret\n");
  struct cg_config *cfg = load("log_level = 'debug'\n" MERCHANT(""), &err);
  assert_non_null(cfg);
  assert_int_equal(cfg->nmerchants, 1);
  struct cg_config_merchant *m = &cfg->merchants[0];
  assert_string_equal(m->centra_token, "tok-1");
  assert_string_equal(m->gxo_client_secret, "s3cret");
  assert_int_equal(m->poll_orders_s, 60);
  assert_true(m->store_sync_full);
  assert_string_equal(cfg->log_level, "debug");
  assert_string_equal(cfg->admin_listen, "127.0.0.1:8090");
  assert_int_equal(m->stock_window_ms, 2000);
  assert_int_equal(m->stock_batch_max, 500);
  assert_int_equal(m->stock_reconcile_s, 21600);
  assert_int_equal(m->stock_gap_grace_s, 60);
  assert_int_equal(m->stock_snapshot_page, 1000);
  char p[512];
  assert_non_null(
      strstr(cg_config_path(cfg, m->store, p, sizeof(p)), "/acme.db"));
  cg_config_free(cfg);
}

static void expect_error(const char *text, const char *needle)
{
  struct cg_err err = {0};
  struct cg_config *cfg = load(text, &err);
  assert_null(cfg);
  assert_int_equal(err.code, CG_ECONFIG);
  if (strstr(err.msg, needle) == NULL)
    fail_msg("message '%s' lacks '%s'", err.msg, needle);
}

/* The stock flow's keys (issue 10): a merchant's stock table. */
static void test_stock_keys(void **state)
{
  struct cg_err err = {0};
  setenv("T_CENTRA", "tok-1", 1);
  write_file("gxo.secret", "s3cret\n");
  struct cg_config *cfg =
      load(MERCHANT(", stock = { window_ms = 500, batch_max = 100,"
                    " reconcile_s = 0, gap_grace_s = 5, snapshot_page = 50 }"),
           &err);
  assert_non_null(cfg);
  const struct cg_config_merchant *m = &cfg->merchants[0];
  assert_int_equal(m->stock_window_ms, 500);
  assert_int_equal(m->stock_batch_max, 100);
  assert_int_equal(m->stock_reconcile_s, 0);
  assert_int_equal(m->stock_gap_grace_s, 5);
  assert_int_equal(m->stock_snapshot_page, 50);
  cg_config_free(cfg);
}

/* The items flow's keys (issue 11): defaults, a table, the limits. */
static void test_items_keys(void **state)
{
  struct cg_err err = {0};
  setenv("T_CENTRA", "tok-1", 1);
  write_file("gxo.secret", "s3cret\n");
  struct cg_config *cfg = load(MERCHANT(""), &err);
  assert_non_null(cfg);
  const struct cg_config_merchant *m = &cfg->merchants[0];
  assert_true(m->items_enabled);
  assert_int_equal(m->items_poll_s, 300);
  assert_int_equal(m->items_sweep_s, 86400);
  assert_int_equal(m->items_batch_max, 500);
  assert_int_equal(m->items_page, 50);
  assert_int_equal(m->items_window_ms, 1000);
  cg_config_free(cfg);
  cfg = load(MERCHANT(", items = { poll_s = 0, sweep_s = 60, batch_max = 7,"
                      " page = 200, window_ms = 0, enabled = false }"),
             &err);
  assert_non_null(cfg);
  m = &cfg->merchants[0];
  assert_false(m->items_enabled);
  assert_int_equal(m->items_poll_s, 0);
  assert_int_equal(m->items_sweep_s, 60);
  assert_int_equal(m->items_batch_max, 7);
  assert_int_equal(m->items_page, 200);
  assert_int_equal(m->items_window_ms, 0);
  cg_config_free(cfg);
  expect_error(MERCHANT(", items = { batch_max = 501 }"),
               "merchant 'acme': items.batch_max: must be 1 to 500, got 501");
  expect_error(MERCHANT(", items = { page = 0 }"),
               "merchant 'acme': items.page: must be 1 to 200, got 0");
  expect_error(MERCHANT(", items = { poll_s = -1 }"),
               "merchant 'acme': items.poll_s: must be a non-negative");
}

static void test_errors_name_merchant_and_key(void **state)
{
  setenv("T_CENTRA", "tok-1", 1);
  write_file("gxo.secret", "s3cret\n");
  unsetenv("T_MISSING");
  expect_error(MERCHANT(", schedules = { poll_orders = 'often' }"),
               "merchant 'acme': schedules.poll_orders: must be a "
               "non-negative integer");
  expect_error(MERCHANT(", stock = { window_ms = -1 }"),
               "merchant 'acme': stock.window_ms: must be a "
               "non-negative integer");
  expect_error("merchants = { { id = 'acme', store = 'a.db', centra = {"
               " url = 'u', token = env 'T_MISSING' } } }",
               "merchant 'acme': centra.token: environment variable "
               "T_MISSING is not set");
  expect_error("merchants = { { id = 'acme', store = 'a.db', centra = {"
               " url = 'u', token = 'literal' } } }",
               "merchant 'acme': centra.token: secrets must come from env");
  expect_error(MERCHANT("") "merchants[1].centra.warehouse = 0",
               "merchant 'acme': centra.warehouse: must be a Centra "
               "warehouse id (1 to 2147483647), got 0");
  expect_error(MERCHANT("") "merchants[2] = merchants[1]",
               "merchant 'acme': id: duplicate merchant id");
  expect_error("merchants = {}", "merchants: must be a list");
  expect_error("this is not lua", "c.lua:1:");
  expect_error("while true do end", "too long");
  expect_error("os.execute('true')", "os");
}

/* A config that hangs or aborts the engine at start is a config error with
 * one line, read within the budget, whatever its tables' metamethods do. */
static void test_hostile_metamethods(void **state)
{
  setenv("T_CENTRA", "tok-1", 1);
  write_file("gxo.secret", "s3cret\n");
  expect_error("admin = setmetatable({}, {__index = function(t, k)"
               " while true do end end})",
               "too long");
  expect_error("merchants = { setmetatable({}, {__index = function(t, k)"
               " while true do end end}) }",
               "too long");
  expect_error("webhooks = setmetatable({}, {__index = function(t, k)"
               " while true do pcall(function() while true do end end) end"
               " end})",
               "too long");
  expect_error("admin = setmetatable({}, {__index = function(t, k)"
               " error('index says no') end})\n" MERCHANT(""),
               "c.lua:1: index says no");
  expect_error("merchants = { setmetatable({}, {__index = function()"
               " error({}) end}) }",
               "error object is a table value");
  expect_error("admin = setmetatable({}, {__index = function(t, k)"
               " return t[k] end})",
               "c.lua");
  expect_error("setmetatable({}, {__gc = function() while true do end end})",
               "__gc metamethods are not allowed");
  expect_error("xpcall(function() error('x') end, function() end)", "xpcall");
  expect_error("local t = {} for i = 1, 1e9 do t[i] = ('x'):rep(64) .. i end",
               "memory");
  expect_error("return ('a'):rep(1e6):find(('.-'):rep(20) .. 'b')", "pattern");
}

/* Writes a config of about `size` bytes: a long comment, then text. */
static const char *write_padded(const char *name, size_t size, const char *text)
{
  snprintf(pathbuf, sizeof(pathbuf), "%s/%s", dir, name);
  FILE *f = fopen(pathbuf, "w");
  fputs("--[[\n", f);
  for (size_t n = 0; n < size; n += 64)
    fputs("padding padding padding padding padding padding padding pad\n", f);
  fputs("]]\n", f);
  fputs(text, f);
  fclose(f);
  return pathbuf;
}

static void test_whole_file_is_read(void **state)
{
  struct cg_err err = {0};
  setenv("T_CENTRA", "tok-1", 1);
  write_file("gxo.secret", "s3cret\n");
  /* 2 MiB of comment before the keys: the keys at the end are read. */
  const char *big = write_padded("big.lua", 2u << 20, MERCHANT(""));
  struct cg_config *cfg = cg_config_load(big, &err);
  if (cfg == NULL)
    fail_msg("2 MiB config refused: %s", err.msg);
  assert_string_equal(cfg->merchants[0].id, "acme");
  cg_config_free(cfg);
  /* Over the limit: refused by name, never cut. */
  const char *huge = write_padded("huge.lua", 5u << 20, MERCHANT(""));
  assert_null(cg_config_load(huge, &err));
  assert_int_equal(err.code, CG_ECONFIG);
  assert_non_null(strstr(err.msg, "huge.lua"));
  assert_non_null(strstr(err.msg, "too big"));
}

int main(void)
{
  cg_mem_init();
  dir = tu_tmpdir("config");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_good_config),
      cmocka_unit_test(test_stock_keys),
      cmocka_unit_test(test_items_keys),
      cmocka_unit_test(test_errors_name_merchant_and_key),
      cmocka_unit_test(test_hostile_metamethods),
      cmocka_unit_test(test_whole_file_is_read),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  tu_rmtree(dir);
  cg_free(dir);
  return rc;
}
