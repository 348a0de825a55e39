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

static void test_errors_name_merchant_and_key(void **state)
{
  setenv("T_CENTRA", "tok-1", 1);
  write_file("gxo.secret", "s3cret\n");
  unsetenv("T_MISSING");
  expect_error(MERCHANT(", schedules = { poll_orders = 'often' }"),
               "merchant 'acme': schedules.poll_orders: must be a "
               "non-negative integer");
  expect_error("merchants = { { id = 'acme', store = 'a.db', centra = {"
               " url = 'u', token = env 'T_MISSING' } } }",
               "merchant 'acme': centra.token: environment variable "
               "T_MISSING is not set");
  expect_error("merchants = { { id = 'acme', store = 'a.db', centra = {"
               " url = 'u', token = 'literal' } } }",
               "merchant 'acme': centra.token: secrets must come from env");
  expect_error(MERCHANT("") "merchants[2] = merchants[1]",
               "merchant 'acme': id: duplicate merchant id");
  expect_error("merchants = {}", "merchants: must be a list");
  expect_error("this is not lua", "c.lua:1:");
  expect_error("while true do end", "too long");
  expect_error("os.execute('true')", "os");
}

int main(void)
{
  cg_mem_init();
  dir = tu_tmpdir("config");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_good_config),
      cmocka_unit_test(test_errors_name_merchant_and_key),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  tu_rmtree(dir);
  cg_free(dir);
  return rc;
}
