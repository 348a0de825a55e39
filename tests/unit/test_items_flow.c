/*
 * Unit: the items flow's triggers and failures (core/flows/items.c,
 * docs/internals/items.md "The read in detail") on a real store and a
 * real Centra client, against a loopback stand-in for Centra's GraphQL
 * endpoint that answers 500 a given number of times, then empty pages.
 * The flow's 30 s back-off is skipped by the test (retry_at_ms reset), so
 * nothing waits for it.
 *
 *  - a merchant never swept starts a sweep (sort id_DESC, page 1); five
 *    failed reads in a row raise SYNC_FAILURE on item/items/read, and
 *    the next read that works resolves it; the sweep then finishes;
 *  - a sweep cut short resumes at its cursor's page, unless it was read
 *    with another page size: then the next sweep begins at page 1;
 *  - a scheduled sweep whose time has come starts the next sweep;
 *  - a page Centra's budget holds back (its rateLimits not read yet) is
 *    neither a success nor a failure: the read starts again.
 */
#include "http_fixture.h"
#include "store_fixture.h"

#include "base/json.h"
#include "base/time.h"
#include "centra/centra.h"
#include "flows/flow.h"
#include "flows/items_read.h"
#include "store/store_items.h"

#include <stdatomic.h>
#include <string.h>
#include <uv.h>

struct env {
  struct fx fx;
  struct hf_server hf;
  atomic_int failing;   /* 500s still to give */
  atomic_int calls;     /* requests answered */
  atomic_int last_page; /* the page variable of the last request */
  atomic_bool by_id;    /* the last request sorted by id_DESC */
  uv_loop_t loop;
  uv_timer_t watch;
  struct cg_flow f;
  bool (*until)(struct env *e);
  bool skip_backoff;
  bool closed;
};

/* Centra's stand-in (server thread): 500 while failing, else no
 * products. */
static void on_graphql(struct cg_http_exchange *ex, void *arg)
{
  struct env *e = arg;
  const struct cg_http_request *rq = cg_http_exchange_request(ex);
  cJSON *body = cJSON_Parse(rq->body);
  atomic_store(&e->last_page, (int)cg_json_int(body, "variables.page", 0));
  const cJSON *sort = cg_json_get(body, "variables.sort");
  atomic_store(&e->by_id, cJSON_IsArray(sort) &&
                              strcmp(cJSON_GetArrayItem(sort, 0)->valuestring,
                                     "id_DESC") == 0);
  cJSON_Delete(body);
  atomic_fetch_add(&e->calls, 1);
  if (atomic_load(&e->failing) > 0) {
    atomic_fetch_sub(&e->failing, 1);
    cg_http_respond_json(ex, 500, "{\"error\":\"down\"}");
    return;
  }
  cg_http_respond_json(ex, 200, "{\"data\":{\"products\":[]}}");
}

static const char rate_limits[] =
    "{\"data\":{\"rateLimits\":[{\"type\":\"MUTATION_COUNT\","
    "\"intervalSeconds\":\"TEN_SECONDS\",\"quota\":20,\"usedQuota\":0,"
    "\"remainingQuota\":20},{\"type\":\"REQUEST_COUNT\","
    "\"intervalSeconds\":\"TEN_SECONDS\",\"quota\":1000,\"usedQuota\":0,"
    "\"remainingQuota\":1000}]}}";

/* The stand-in's dispatch: Centra's rateLimits (the client's budget is
 * known at once, as after a merchant's start), else a products page. */
static void on_request(struct cg_http_exchange *ex, void *arg)
{
  const struct cg_http_request *rq = cg_http_exchange_request(ex);
  if (strstr(rq->body, "CgRateLimits") != NULL) {
    cg_http_respond_json(ex, 200, rate_limits);
    return;
  }
  on_graphql(ex, arg);
}

static void on_limits(struct cg_call_result *res, void *arg)
{
  (void)arg;
  assert_int_equal(res->outcome, CG_OUTCOME_OK);
}

static int setup(void **state)
{
  struct env *e = fx_env_setup(state, sizeof(*e));
  if (e == NULL)
    return -1;
  assert_int_equal(hf_start(&e->hf, NULL, on_request, e), 0);
  uv_loop_init(&e->loop);
  char url[64];
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/graphql", e->hf.port);
  struct cg_centra_opts co = {
      .loop = &e->loop, .merchant = "shop", .url = url, .token = "t"};
  e->f = (struct cg_flow){.merchant = "shop",
                          .loop = &e->loop,
                          .store = e->fx.s,
                          .centra = cg_centra_create(&co, NULL)};
  assert_int_equal(cg_centra_refresh_limits(e->f.centra, on_limits, NULL), 0);
  struct cg_items_opts o = {.poll_s = 0, .sweep_s = 0, .page = 50};
  e->f.items = cg_items_create(&e->f, &o);
  return e->f.items ? 0 : -1;
}

static void on_closed(void *arg)
{
  ((struct env *)arg)->closed = true;
}

static int teardown(void **state)
{
  struct env *e = *state;
  cg_items_close(e->f.items, on_closed, e);
  cg_centra_destroy(e->f.centra);
  uv_run(&e->loop, UV_RUN_DEFAULT);
  assert_true(e->closed);
  assert_int_equal(uv_loop_close(&e->loop), 0);
  assert_int_equal(hf_stop(&e->hf), 0);
  return fx_teardown(state); /* e whole: its first member is the fixture */
}

/* Every 10 ms: stops the loop once e->until holds; skips the back-off. */
static void on_watch(uv_timer_t *t)
{
  struct env *e = t->data;
  struct cg_items *it = e->f.items;
  if (e->until(e)) {
    uv_stop(&e->loop);
    return;
  }
  if (e->skip_backoff && it->read == NULL)
    it->retry_at_ms = 0;
}

/* Runs the loop until until(e) holds (a generous deadline). */
static void run_until(struct env *e, bool (*until)(struct env *))
{
  int64_t deadline = cg_time_mono_ms() + 60000;
  e->until = until;
  uv_timer_init(&e->loop, &e->watch);
  e->watch.data = e;
  uv_timer_start(&e->watch, on_watch, 10, 10);
  while (!until(e) && cg_time_mono_ms() < deadline)
    uv_run(&e->loop, UV_RUN_ONCE);
  uv_close((uv_handle_t *)&e->watch, NULL);
  uv_run(&e->loop, UV_RUN_NOWAIT);
  if (!until(e))
    fail_msg("the condition never held");
}

static struct cg_items_sweep_pos sweep(struct env *e)
{
  struct cg_items_sweep_pos p;
  assert_int_equal(cg__items_sweep_get(e->fx.s, &p, NULL), 0);
  return p;
}

static bool five_failures(struct env *e)
{
  return e->f.items->read_failures >= CG_ITEMS_READ_FAILURES;
}

static bool swept(struct env *e)
{
  struct cg_items_sweep_pos p = sweep(e);
  return p.n > 0 && p.page == 0 && e->f.items->read == NULL;
}

static size_t open_sync_failures(struct env *e)
{
  struct cg_store_exception_filter flt = {.state = "open",
                                          .type = "SYNC_FAILURE",
                                          .entity_kind = CG_ITEMS_ENTITY,
                                          .entity_key = "items/read"};
  struct cg_store_exception_list l = {0};
  assert_int_equal(cg_store_exception_list(e->fx.s, &flt, &l, NULL), 0);
  size_t n = l.n;
  cg_store_exception_list_clear(&l);
  return n;
}

static void test_failures_raise_then_resolve(void **state)
{
  struct env *e = *state;
  atomic_store(&e->failing, 5);
  e->skip_backoff = true;
  assert_int_equal(cg_items_start(e->f.items), 0);
  assert_true(e->f.items->sweep_wanted); /* never swept */
  run_until(e, five_failures);
  assert_true(atomic_load(&e->by_id)); /* the first start sweeps */
  assert_int_equal(atomic_load(&e->last_page), 1);
  assert_int_equal(open_sync_failures(e), 1);
  assert_int_equal(sweep(e).n, 0); /* no page written */
  run_until(e, swept);
  assert_int_equal(open_sync_failures(e), 0); /* resolved by itself */
  assert_int_equal(e->f.items->read_failures, 0);
  assert_false(e->f.items->sweep_wanted);
  assert_int_equal(sweep(e).n, 1);
}

static void test_cut_sweep_resumes(void **state)
{
  struct env *e = *state;
  assert_int_equal(cg_store_cursor_set(e->fx.s, CG_STORE_ITEMS_SWEEP,
                                       "{\"n\":4,\"page\":3,\"size\":50,"
                                       "\"started\":1}",
                                       NULL),
                   0);
  assert_int_equal(cg_items_start(e->f.items), 0);
  run_until(e, swept);
  assert_int_equal(atomic_load(&e->last_page), 3);
  assert_true(atomic_load(&e->by_id));
  struct cg_items_sweep_pos p = sweep(e);
  assert_int_equal(p.n, 4);
  assert_int_equal(p.started, 1);
  assert_int_equal(atomic_load(&e->calls), 1);
}

/* Cut short with 20 products a page, now read with 50: page 3 would be
 * another offset, so sweep 5 begins at page 1. */
static void test_cut_sweep_other_size_begins_again(void **state)
{
  struct env *e = *state;
  assert_int_equal(cg_store_cursor_set(e->fx.s, CG_STORE_ITEMS_SWEEP,
                                       "{\"n\":4,\"page\":3,\"size\":20,"
                                       "\"started\":1}",
                                       NULL),
                   0);
  assert_int_equal(cg_items_start(e->f.items), 0);
  run_until(e, swept);
  assert_int_equal(atomic_load(&e->last_page), 1);
  struct cg_items_sweep_pos p = sweep(e);
  assert_int_equal(p.n, 5);
  assert_int_equal(p.size, 50);
  assert_true(p.started > 1);
}

static bool sweep_5_done(struct env *e)
{
  return swept(e) && sweep(e).n == 5;
}

static void test_scheduled_sweep(void **state)
{
  struct env *e = *state;
  char due[24];
  snprintf(due, sizeof(due), "%lld", (long long)cg_time_now_ms() - 1);
  assert_int_equal(
      cg_store_cursor_set(e->fx.s, CG_STORE_ITEMS_SWEEP,
                          "{\"n\":4,\"page\":0,\"started\":1,\"finished\":2}",
                          NULL),
      0);
  assert_int_equal(
      cg_store_cursor_set(e->fx.s, CG_STORE_ITEMS_SWEEP_NEXT, due, NULL), 0);
  assert_int_equal(cg_items_start(e->f.items), 0);
  assert_false(e->f.items->sweep_wanted); /* not until the tick sees it */
  run_until(e, sweep_5_done);
  assert_int_equal(atomic_load(&e->last_page), 1);
  assert_int_equal(e->f.items->next_sweep_ms, 0); /* sweep_s 0: no more */
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_failures_raise_then_resolve, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_cut_sweep_resumes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cut_sweep_other_size_begins_again,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_scheduled_sweep, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
