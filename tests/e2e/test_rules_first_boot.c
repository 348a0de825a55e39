/*
 * End to end: a merchant whose pack has never loaded is not left without
 * rules for ever. The pack's own tests fail at the first boot (a file in
 * tests/, which the folder watch does not see), so no generation loads
 * and orders wait; once the file is fixed, the engine's retry loads the
 * pack by itself and the orders go to the warehouse, with no file event,
 * SIGHUP or operator. A load that timed out on a busy machine is the
 * same case in production.
 */
#include "e2e.h"

#include "base/mem.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char pack_root[] = "/tmp/cg-e2e-pack-XXXXXX";

static void make_pack(char *pack, size_t size, char *broken, size_t bsize)
{
  char cmd[1400];
  assert_non_null(mkdtemp(pack_root));
  snprintf(pack, size, "%s/default", pack_root);
  snprintf(cmd, sizeof(cmd), "cp -r '%s/rules/default' '%s'", tu_source_dir(),
           pack);
  assert_int_equal(system(cmd), 0);
  snprintf(broken, bsize, "%s/tests/zz_broken.lua", pack);
  FILE *f = fopen(broken, "w");
  assert_non_null(f);
  fputs("return { this is not Lua\n", f);
  fclose(f);
}

static bool no_generation(struct e2e *t, void *arg)
{
  (void)arg;
  return e2e_log_has(t, "ever has: orders wait");
}

static bool orders_out(struct e2e *t, void *arg)
{
  return e2e_wms_orders(t) >= *(long *)arg;
}

static void test_retried_until_it_loads(void **state)
{
  (void)state;
  char pack[600], broken[700], cmd[700];
  make_pack(pack, sizeof(pack), broken, sizeof(broken));
  char *scenario = e2e_scenario(5, 0);
  struct e2e t;
  struct e2e_opts o = {.scenario_json = scenario, .seed = 11, .rules = pack};
  e2e_setup(&t, &o);
  cg_free(scenario);
  e2e_engine_start(&t);
  assert_true(e2e_wait(&t, 60, no_generation, NULL));
  assert_int_equal(e2e_wms_orders(&t), 0);
  assert_int_equal(unlink(broken), 0); /* the folder watch does not see it */
  long want = 5;
  if (!e2e_wait(&t, 150, orders_out, &want))
    fail_msg("the pack was not tried again: %ld orders at the warehouse",
             e2e_wms_orders(&t));
  assert_true(e2e_log_has(&t, "rules reloaded: "));
  e2e_engine_stop(&t);
  e2e_teardown(&t);
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", pack_root);
  assert_int_equal(system(cmd), 0);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_retried_until_it_loads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
