/*
 * Unit: one budget per partner, with priorities. Two synthetic kinds of
 * the same partner share a budget of 20 calls per 10 s (Centra's default
 * mutation budget): "centra.high" (customer-visible, listed first: the
 * outbox takes due rows kind by kind in table order) and "centra.low"
 * (bookkeeping). 10,000 low rows are queued and the partner starts
 * throttling; then one high row is queued. It must be sent before more
 * than one budget window's worth of low calls (20) go out after it was
 * queued, although 10,000 low rows are due before it. The same holds
 * when another partner ("gxo.first", listed before both) has rows due all
 * along that its budget never lets out: priorities are per partner.
 * And the other way round, no flow starves: one low row queued behind
 * 10,000 high ones goes out within a budget window too (the outbox's
 * shares).
 */
#include "store_fixture.h"

#include "base/time.h"
#include "flows/flow.h"
#include "flows/outbox.h"
#include "net/call.h"
#include "net/ratelimit.h"

#include <string.h>
#include <uv.h>

#define BACKLOG_ROWS 10000
#define WINDOW_QUOTA 20

static struct {
  struct cg_store *store;
  struct cg_call_queue *q;
  struct cg_ratelimit rl;
  struct cg_outbox *ob;
  uv_timer_t tick;
  bool backlog_high;     /* the 10,000 rows are high, the probe row low */
  long backlog_sent;     /* calls of the backlog's kind sent */
  long backlog_at_queue; /* ... when the probe row was queued */
  long backlog_at_probe; /* ... when the probe row's call was sent */
  bool queued, probe_done, timed_out;
  int64_t deadline_ms;
} S;

/* The partner: a call goes out only with a token, else nothing is sent
 * and the caller is told when to come back (as the Centra client does). */
static int start(bool high, cg_call_done_fn done, void *arg)
{
  struct cg_call_result res;
  cg_call_result_init(&res);
  int64_t now = cg_time_now_ms();
  if (!cg_ratelimit_take(&S.rl, now, 1)) {
    res.retry_at_ms = cg_ratelimit_next_allowed_ms(&S.rl, now, 1);
    cg_call_result_set(&res, CG_OUTCOME_RETRY, "budget", "no token; not sent");
  } else {
    res.http_status = 200;
    if (high == S.backlog_high) {
      S.backlog_sent++;
    } else if (!S.probe_done) {
      S.probe_done = true;
      S.backlog_at_probe = S.backlog_sent;
    }
  }
  return cg_call_defer(S.q, &res, done, arg);
}

static int start_high(struct cg_flow *f, const struct cg_store_outbox_row *row,
                      cg_call_done_fn done, void *arg)
{
  return start(true, done, arg);
}

static int start_low(struct cg_flow *f, const struct cg_store_outbox_row *row,
                     cg_call_done_fn done, void *arg)
{
  return start(false, done, arg);
}

/* Another partner that never has a token: its calls wait in memory, its
 * window fills, and the rest of its rows stay due. */
static int start_blocked(struct cg_flow *f,
                         const struct cg_store_outbox_row *row,
                         cg_call_done_fn done, void *arg)
{
  struct cg_call_result res;
  cg_call_result_init(&res);
  res.retry_at_ms = cg_time_now_ms() + 50;
  cg_call_result_set(&res, CG_OUTCOME_RETRY, "budget", "no token; not sent");
  return cg_call_defer(S.q, &res, done, arg);
}

static const struct cg_outbox_kind kinds[] = {
    {"centra.high", start_high, NULL}, /* most urgent first */
    {"centra.low", start_low, NULL},
};

static const struct cg_outbox_kind kinds_with_gxo[] = {
    {"gxo.first", start_blocked, NULL},
    {"centra.high", start_high, NULL},
    {"centra.low", start_low, NULL},
};

static void put(const char *kind, long i)
{
  char key[48];
  snprintf(key, sizeof(key), "%s-%ld", kind, i);
  assert_int_equal(
      cg_store_outbox_put(S.store, kind, key, key, "{}", 0, NULL, NULL), 0);
}

static const char *kind_of(bool high)
{
  return high ? "centra.high" : "centra.low";
}

static void put_backlog(void)
{
  assert_int_equal(cg_store_begin(S.store, NULL), 0);
  for (long i = 0; i < BACKLOG_ROWS; i++)
    put(kind_of(S.backlog_high), i);
  assert_int_equal(cg_store_commit(S.store, NULL), 0);
}

static void on_closed(void *arg)
{
  S.ob = NULL;
}

/* Queues the probe row once the burst is spent; stops when it went out. */
static void on_tick(uv_timer_t *t)
{
  if (!S.queued && S.backlog_sent >= WINDOW_QUOTA / 4 + 1) {
    S.queued = true;
    S.backlog_at_queue = S.backlog_sent;
    put(kind_of(!S.backlog_high), 0);
    cg_outbox_kick(S.ob);
  }
  S.timed_out = cg_time_now_ms() > S.deadline_ms;
  if (S.probe_done || S.timed_out) {
    uv_timer_stop(t);
    uv_close((uv_handle_t *)t, NULL);
    cg_outbox_close(S.ob, on_closed, NULL);
  }
}

static void run_backlog(struct fx *f, const struct cg_outbox_kind *k, size_t nk,
                        long blocked_rows, bool backlog_high)
{
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  memset(&S, 0, sizeof(S));
  S.store = f->s;
  S.backlog_high = backlog_high;
  S.q = cg_call_queue_create(&loop);
  cg_ratelimit_init(&S.rl, "test");
  assert_int_equal(
      cg_ratelimit_set_quota(&S.rl, WINDOW_QUOTA, 10000, cg_time_now_ms()), 0);
  struct cg_flow flow = {.merchant = "t", .loop = &loop, .store = f->s};
  S.ob = cg_outbox_create(&flow, k, nk, NULL);
  assert_non_null(S.ob);
  put_backlog();
  for (long i = 0; i < blocked_rows; i++)
    put("gxo.first", i);
  S.deadline_ms = cg_time_now_ms() + 60000;
  uv_timer_init(&loop, &S.tick);
  uv_timer_start(&S.tick, on_tick, 20, 20);
  assert_int_equal(cg_outbox_start(S.ob), 0);
  uv_run(&loop, UV_RUN_DEFAULT);
  cg_call_queue_destroy(S.q);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
  assert_false(S.timed_out);
  assert_true(S.probe_done);
  long after = S.backlog_at_probe - S.backlog_at_queue;
  print_message("the %s row went out after %ld %s calls\n",
                kind_of(!backlog_high), after, kind_of(backlog_high));
  if (after > WINDOW_QUOTA)
    fail_msg("%ld %s calls went out after the %s row was queued (more "
             "than one budget window of %d)",
             after, kind_of(backlog_high), kind_of(!backlog_high),
             WINDOW_QUOTA);
}

static void test_high_priority_jumps_the_backlog(void **state)
{
  run_backlog(*state, kinds, 2, 0, false);
}

/* The low row is not starved: it gets its share within a budget window
 * although high rows are due all along. */
static void test_low_priority_gets_its_share(void **state)
{
  run_backlog(*state, kinds, 2, 0, true);
}

/* 100 rows of the other partner: more than its window (32), so some stay
 * due while the Centra rows wait for their budget. */
static void test_priority_is_per_partner(void **state)
{
  run_backlog(*state, kinds_with_gxo, 3, 100, false);
}

/* A row of a kind no flow delivers (a newer version wrote it) does not
 * wait unseen: the start raises it, once per kind, and keeps the row. */
static void test_unknown_kind_is_raised(void **state)
{
  struct fx *f = *state;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  memset(&S, 0, sizeof(S));
  S.store = f->s;
  struct cg_flow flow = {.merchant = "t", .loop = &loop, .store = f->s};
  S.ob = cg_outbox_create(&flow, kinds, 2, NULL);
  assert_non_null(S.ob);
  put("centra.from_the_future", 1);
  put("centra.from_the_future", 2);
  assert_int_equal(cg_outbox_start(S.ob), 0);
  cg_outbox_close(S.ob, on_closed, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
  struct cg_store_exception_filter flt = {.state = "open", .limit = 10};
  struct cg_store_exception_list list = {0};
  assert_int_equal(cg_store_exception_list(f->s, &flt, &list, NULL), 0);
  assert_int_equal(list.n, 1);
  assert_string_equal(list.items[0].type, "SYNC_FAILURE");
  assert_string_equal(list.items[0].entity_key, "centra.from_the_future");
  assert_non_null(strstr(list.items[0].message, "2 outbox rows"));
  cg_store_exception_list_clear(&list);
  assert_int_equal(fx_sql_int(f->path, "SELECT count(*) FROM outbox WHERE "
                                       "state = 'pending'"),
                   2);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_high_priority_jumps_the_backlog,
                                      fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_priority_is_per_partner, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_low_priority_gets_its_share,
                                      fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_unknown_kind_is_raised, fx_setup,
                                      fx_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
