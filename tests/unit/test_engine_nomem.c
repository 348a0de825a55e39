/*
 * Engine start-up under allocation failure (curl torture mode): for
 * N = 0, 1, 2 ... (then a sample, see STRIDE) the Nth allocation after
 * cg_engine_start begins fails, until start-up succeeds. Every failing start
 * must return NULL with a message, leave no libuv handle open (uv_loop_close ==
 * 0) and never crash (ASan/UBSan); the successful one must stop cleanly.
 * Partners are unreachable loopback ports: start-up only schedules calls to
 * them.
 */
#include "testutil.h"

#include "app/config.h"
#include "app/engine.h"
#include "base/err.h"
#include "base/log.h"
#include "base/mem.h"
#include "net/http_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#define MAX_STEPS 50000
/* Every one of the first EVERY_UPTO allocations fails in turn (the
 * engine's own set-up), then one in STRIDE (the merchants' stores, rules
 * and clients): a representative sample that keeps the case short. */
#define EVERY_UPTO 400
#define STRIDE 17

static char *dir;

static struct cg_config *load_config(void)
{
  char path[600], text[2048];
  snprintf(path, sizeof(path), "%s/engine.lua", dir);
  snprintf(text, sizeof(text),
           "admin = { listen = '127.0.0.1:0' }\n"
           "webhooks = { listen = '127.0.0.1:0' }\n"
           "log_level = 'error'\n"
           "merchants = { { id = 'shop', store = 'shop.db',"
           " store_sync_full = false, rules = '%s/rules/default',"
           " centra = { url = 'http://127.0.0.1:1/graphql',"
           "  token = env 'T_TOKEN' },"
           " gxo = { url = 'http://127.0.0.1:1/wms/v1', client_id = 'cg',"
           "  site = 'S1', client_secret = env 'T_TOKEN' } } }\n",
           tu_source_dir());
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  struct cg_err err = {0};
  struct cg_config *cfg = cg_config_load(path, &err);
  if (cfg == NULL)
    fail_msg("config: %s", err.msg);
  return cfg;
}

static void on_stopped(void *arg)
{
  *(bool *)arg = true;
}

/* Runs the loop until every handle is closed; asserts a clean close. A
 * merchant's rule host is a child process: its handle closes once the
 * killed child is reaped, so the wait is bounded in time (2 s), not in
 * loop turns. */
static void on_walk(uv_handle_t *h, void *arg)
{
  print_message("open handle: %s (%s)\n", uv_handle_type_name(h->type),
                (const char *)arg);
}

static void drain(uv_loop_t *loop, const char *why)
{
  int rc;
  for (int i = 0; (rc = uv_loop_close(loop)) == UV_EBUSY && i < 2000; i++) {
    if (uv_run(loop, UV_RUN_NOWAIT) != 0)
      usleep(1000);
  }
  if (rc != 0) {
    uv_walk(loop, on_walk, (void *)why);
    fail_msg("handles left open after: %s", why);
  }
}

/* One start with allocation n failing; true when start-up succeeded. */
static bool start_with_failure(const struct cg_config *cfg, long n)
{
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  struct cg_err err = {0};
  cg_mem_fail_after(n);
  struct cg_engine *e = cg_engine_start(&loop, cfg, &err);
  cg_mem_fail_after(-1);
  if (e == NULL) {
    if (err.msg[0] == '\0')
      fail_msg("start with allocation %ld failing: NULL without a message", n);
    drain(&loop, err.msg);
    return false;
  }
  bool stopped = false;
  cg_engine_stop(e, on_stopped, &stopped);
  while (!stopped)
    uv_run(&loop, UV_RUN_ONCE);
  drain(&loop, "a successful start and stop");
  return true;
}

static void test_start_under_allocation_failure(void **state)
{
  struct cg_config *cfg = load_config();
  long n = 0;
  while (n < MAX_STEPS && !start_with_failure(cfg, n))
    n += n < EVERY_UPTO ? 1 : STRIDE;
  if (n == MAX_STEPS)
    fail_msg("start-up never succeeded within %d allocations", MAX_STEPS);
  print_message("start-up needs %ld allocations\n", n);
  cg_config_free(cfg);
}

int main(void)
{
  cg_mem_init();
  cg_http_global_init();
  cg_log_set_level(CG_LOG_ERROR);
  setenv("T_TOKEN", "t", 1);
  /* The engine runs in this test binary: its rule hosts must be the
   * engine's binary, not /proc/self/exe. */
  char host[600];
  snprintf(host, sizeof(host), "%s/centra-gxo", tu_build_dir());
  setenv("CG_RULE_HOST_BINARY", host, 1);
  dir = tu_tmpdir("engine-nomem");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_start_under_allocation_failure),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  tu_rmtree(dir);
  cg_free(dir);
  return rc;
}
