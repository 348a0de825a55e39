/*
 * Unit: the returns flow's timer, hints and close (core/flows/returns.c)
 * on a real uv loop with the Centra client against centra-gxo-sim on
 * loopback and a real store.
 *
 *  - the first start records the poll's watermark, and the poll reads
 *    Centra's returns from it (a Centra without returns: nothing
 *    stored, no failure, the watermark kept);
 *  - a hinted id Centra does not have is read by id and ends OK;
 *  - closing the flow while a read is in flight fires done once the
 *    timer is closed, and the read's late answer touches nothing of the
 *    flow (ASan would report it);
 *  - poll_s 0: a hinted id noted durably survives a crash before its
 *    read, is read at the next start and then leaves the durable list.
 */
#include "../e2e/test_partners_fixture.h"

#include "base/err.h"
#include "centra/centra.h"
#include "flows/flow.h"
#include "flows/returns_read.h"
#include "store/store.h"
#include "store/store_returns.h"

static struct pf_sim sim;
static uv_loop_t loop;
static struct cg_flow flow;
static char *dir;
static char graphql[96];

static int group_setup(void **state)
{
  struct cg_err err = {0};
  struct pf_capture cap = {0};
  char db[600];
  pf_sim_start(&sim, NULL);
  snprintf(graphql, sizeof(graphql), "%s/graphql", sim.centra);
  assert_int_equal(uv_loop_init(&loop), 0);
  dir = tu_tmpdir("returns-poll");
  snprintf(db, sizeof(db), "%s/shop.db", dir);
  struct cg_store_opts so = {.path = db, .name = "shop"};
  struct cg_centra_opts co = {.loop = &loop,
                              .merchant = "shop",
                              .url = graphql,
                              .token = "centra-dev-token",
                              .timeout_ms = 5000};
  flow = (struct cg_flow){.merchant = "shop", .loop = &loop};
  assert_int_equal(cg_store_open(&so, &flow.store, &err), 0);
  flow.centra = cg_centra_create(&co, &err);
  assert_non_null(flow.centra);
  assert_int_equal(cg_centra_rate_limits(flow.centra, pf_on_done, &cap), 0);
  pf_wait(&loop, &cap, 10000);
  pf_capture_reset(&cap);
  return 0;
}

static int group_teardown(void **state)
{
  cg_centra_destroy(flow.centra);
  pf_loop_close(&loop);
  cg_store_close(flow.store);
  tu_rmtree(dir);
  cg_free(dir);
  pf_sim_stop(&sim);
  return 0;
}

/* Runs the loop until cond() is want (60 s at most). */
static void run_while(bool (*cond)(void), bool want)
{
  int64_t end = cg_time_mono_ms() + 60000;
  while (cond() != want && cg_time_mono_ms() < end)
    if (uv_run(&loop, UV_RUN_ONCE) == 0)
      uv_sleep(1);
  assert_true(cond() == want);
}

static bool reading(void)
{
  return flow.returns->read != NULL;
}

static bool hints_left(void)
{
  return flow.returns->npending > 0 || flow.returns->read != NULL;
}

static char *since(void)
{
  char *v = NULL;
  assert_int_equal(
      cg_store_cursor_get(flow.store, CG_STORE_RETURNS_SINCE, &v, NULL), 0);
  return v;
}

static int closed;

static bool is_closed(void)
{
  return closed > 0;
}

static void on_closed(void *arg)
{
  (void)arg;
  closed++;
}

static void test_poll_hint_close(void **state)
{
  struct cg_returns_opts o = {.poll_s = 300, .page = 50};
  flow.returns = cg_returns_create(&flow, &o);
  assert_non_null(flow.returns);
  assert_int_equal(cg_returns_start(flow.returns), 0);
  char *first = since();
  run_while(reading, true); /* the poll, at the first tick */
  run_while(reading, false);
  assert_int_equal(flow.returns->read_failures, 0);
  char *after = since();
  assert_string_equal(after, first); /* no return: kept */
  cg_free(after);
  cg_returns_hint(flow.returns, 987654);
  run_while(hints_left, false);
  assert_int_equal(flow.returns->read_failures, 0);
  assert_int_equal(flow.metrics.returns_read, 0);
  /* closed with a read in flight: its answer comes later */
  cg_returns_hint(flow.returns, 987655);
  run_while(reading, true);
  cg_returns_close(flow.returns, on_closed, NULL);
  run_while(is_closed, true);
  assert_int_equal(closed, 1);
  /* a second start on the same store keeps the watermark */
  flow.returns = cg_returns_create(&flow, &o);
  assert_int_equal(cg_returns_start(flow.returns), 0);
  after = since();
  assert_string_equal(after, first);
  cg_free(after);
  cg_free(first);
  closed = 0;
  cg_returns_close(flow.returns, on_closed, NULL);
  run_while(is_closed, true);
  flow.returns = NULL;
}

static char *hinted(void)
{
  char *v = NULL;
  assert_int_equal(cg_store_cursor_get(flow.store, CG_RETURNS_HINTED, &v, NULL),
                   0);
  return v;
}

/* poll_s 0: a Return event noted in the intake's transaction survives a
 * crash before its read (the Centra event is confirmed already), is read
 * at the next start, and leaves the durable list in the read's
 * transaction. */
static void test_noted_hint_survives(void **state)
{
  (void)state;
  struct cg_err err = {0};
  struct cg_returns_opts o = {.poll_s = 0, .page = 50};
  flow.returns = cg_returns_create(&flow, &o);
  assert_int_equal(cg_store_begin(flow.store, &err), 0);
  assert_int_equal(cg_returns_note(&flow, 987700, &err), 0);
  assert_int_equal(cg_returns_note(&flow, 987700, &err), 0); /* once */
  assert_int_equal(cg_store_commit(flow.store, &err), 0);
  closed = 0;
  cg_returns_close(flow.returns, on_closed, NULL); /* "crash": memory lost */
  run_while(is_closed, true);
  char *v = hinted();
  assert_string_equal(v, "987700");
  cg_free(v);
  flow.returns = cg_returns_create(&flow, &o);
  assert_int_equal(cg_returns_start(flow.returns), 0);
  assert_int_equal(flow.returns->npending, 1); /* loaded at start */
  run_while(hints_left, false);
  assert_int_equal(flow.returns->read_failures, 0);
  v = hinted();
  assert_string_equal(v, ""); /* read: out of the list */
  cg_free(v);
  closed = 0;
  cg_returns_close(flow.returns, on_closed, NULL);
  run_while(is_closed, true);
  flow.returns = NULL;
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_poll_hint_close),
      cmocka_unit_test(test_noted_hint_survives),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
