/*
 * The stock policy through the rule host (core/flows/stock_policy_ask.c):
 * a real uv loop, the real engine binary as `__rule-host`, a real store.
 * A pack with stock.lua gives its policy to the stock flow; a pack
 * without one gives the default; a pack whose stock.policy() fails, or
 * returns a table the engine cannot read, keeps the policy in force and
 * raises RULE_ERROR on rules/stock.policy, which the next good policy
 * resolves.
 */
#include "test_rules_kit.h"

#include "base/time.h"
#include "flows/flow.h"
#include "flows/stock.h"
#include "flows/stock_int.h"
#include "rules/host.h"
#include "store/store.h"

#include <uv.h>

static uv_loop_t loop;
static struct cg_flow flow;
static char *store_dir;
static bool loaded;

static void on_loaded(int rc, cJSON *reply, const struct cg_err *err, void *arg)
{
  if (rc != 0)
    fail_msg("load: %s", err->msg);
  cJSON_Delete(reply);
  loaded = true;
}

static void on_later(int rc, cJSON *reply, const struct cg_err *err, void *arg)
{
  cJSON_Delete(reply);
  *(bool *)arg = true;
}

/* Runs the loop until *flag or a generous deadline. */
static void run_until(const bool *flag)
{
  int64_t end = cg_time_mono_ms() + 60000;
  while (!*flag && cg_time_mono_ms() < end)
    uv_run(&loop, UV_RUN_NOWAIT);
  if (!*flag)
    fail_msg("nothing happened within 60 s");
}

/* Loads a pack whose stock.lua is text (none when NULL) into the host,
 * asks for its policy and waits until the answer is handled. */
static void load_and_ask(const char *text)
{
  char *dir = text ? kit_pack("stock.lua", text, NULL) : kit_pack(NULL);
  struct cg_rules_opts o = kit_opts("m1", dir);
  loaded = false;
  assert_int_equal(cg_rulehost_load(flow.rulehost, &o, on_loaded, NULL), 0);
  run_until(&loaded);
  kit_unpack(dir);
  cg_stock_policy_ask(&flow);
  /* the host answers in order: once a later call is answered, the
   * policy's answer has been handled */
  bool later = false;
  assert_int_equal(cg_rulehost_call(flow.rulehost, CG_STOCK_POLICY_HOOK, NULL,
                                    on_later, &later),
                   0);
  run_until(&later);
}

/* The open RULE_ERROR on rules/stock.policy: its message, or "". */
static const char *open_error(void)
{
  static char msg[2048];
  struct cg_store_exception_filter f = {
      .state = "open", .type = "RULE_ERROR", .limit = 10};
  struct cg_store_exception_list l = {0};
  assert_int_equal(cg_store_exception_list(flow.store, &f, &l, NULL), 0);
  msg[0] = '\0';
  for (size_t i = 0; i < l.n; i++)
    if (strcmp(l.items[i].entity_key, CG_STOCK_POLICY_HOOK) == 0)
      snprintf(msg, sizeof(msg), "%s", l.items[i].message);
  cg_store_exception_list_clear(&l);
  return msg;
}

static int setup(void **state)
{
  struct cg_err err = {0};
  char path[600];
  assert_int_equal(uv_loop_init(&loop), 0);
  store_dir = tu_tmpdir("stockpol");
  snprintf(path, sizeof(path), "%s/m1.db", store_dir);
  struct cg_store_opts so = {.path = path, .name = "m1"};
  struct cg_rulehost_opts ho = {.merchant = "m1"};
  char bin[512];
  snprintf(bin, sizeof(bin), "%s/centra-gxo", tu_build_dir());
  ho.binary = bin;
  flow = (struct cg_flow){.merchant = "m1", .loop = &loop};
  assert_int_equal(cg_store_open(&so, &flow.store, &err), 0);
  assert_int_equal(cg_rulehost_create(&loop, &ho, &flow.rulehost, &err), 0);
  struct cg_stock_opts opts = {0};
  flow.stock = cg_stock_create(&flow, &opts);
  assert_non_null(flow.stock);
  return 0;
}

static void on_closed(void *arg)
{
  *(bool *)arg = true;
}

static int teardown(void **state)
{
  bool closed = false;
  cg_stock_close(flow.stock, on_closed, &closed);
  cg_rulehost_destroy(flow.rulehost);
  run_until(&closed);
  while (uv_loop_close(&loop) == UV_EBUSY)
    uv_run(&loop, UV_RUN_ONCE);
  cg_store_close(flow.store);
  tu_rmtree(store_dir);
  cg_free(store_dir);
  return 0;
}

static const struct cg_stock_policy *in_force(void)
{
  return cg_stock_policy(flow.stock);
}

static void test_pack_policy_then_failures(void **state)
{
  (void)state;
  load_and_ask(
      "return { sellable = { \"AVAILABLE\" }, buffer = 2,\n"
      "  caps = { [\"LTD-1\"] = 5 }, exclude_prefixes = { \"B2B-\" },\n"
      "  returns = \"centra\", drift_threshold = 3 }\n");
  assert_false(cg_stock_policy_sellable(in_force(), "ALLOCATED"));
  assert_int_equal(cg_stock_policy_figure(in_force(), "X", 10), 8);
  assert_int_equal(cg_stock_policy_figure(in_force(), "LTD-1", 10), 5);
  assert_true(cg_stock_policy_excluded(in_force(), "B2B-9"));
  assert_int_equal(cg_stock_policy_return_route(in_force()),
                   CG_STOCK_RETURNS_CENTRA);
  assert_int_equal(cg_stock_policy_drift_threshold(in_force()), 3);
  assert_string_equal(open_error(), "");

  /* the hook fails: the policy in force stays, RULE_ERROR says why */
  load_and_ask("local M = {}\nfunction M.policy()\n"
               "  error(\"no policy today\")\nend\nreturn M\n");
  assert_int_equal(cg_stock_policy_figure(in_force(), "X", 10), 8);
  assert_non_null(strstr(open_error(), "no policy today"));

  /* a table the engine cannot read: the same, with the check's words */
  load_and_ask("return { returns = \"shop\" }\n");
  assert_int_equal(cg_stock_policy_figure(in_force(), "X", 10), 8);
  assert_non_null(strstr(open_error(), "stock.returns must be"));

  /* a pack without stock.lua: the default, and the error is resolved */
  load_and_ask(NULL);
  assert_true(cg_stock_policy_sellable(in_force(), "ALLOCATED"));
  assert_int_equal(cg_stock_policy_figure(in_force(), "X", 10), 10);
  assert_int_equal(cg_stock_policy_return_route(in_force()),
                   CG_STOCK_RETURNS_WAREHOUSE);
  assert_string_equal(open_error(), "");
}

/* The first generation's policy fails: there is none to push with, so
 * the stock flow writes nothing, says so, and asks again later. */
static void test_first_policy_fails(void **state)
{
  (void)state;
  load_and_ask("local M = {}\nfunction M.policy()\n"
               "  error(\"no policy yet\")\nend\nreturn M\n");
  assert_null(flow.stock->policy);
  assert_true(flow.stock->policy_retry_ms > 0);
  assert_non_null(strstr(open_error(), "no stock is written to Centra"));
  /* a good answer clears the retry's reason: a policy is in force */
  load_and_ask(NULL);
  assert_non_null(flow.stock->policy);
  assert_string_equal(open_error(), "");
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_pack_policy_then_failures, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_first_policy_fails, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
