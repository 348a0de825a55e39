/*
 * Unit tests for the store's inbox (dedupe by source and message id,
 * pending order, marking) and outbox (state machine, due ordering, unique
 * idempotency keys, reset on boot, depth, counts, dead letters, requeue).
 */
#include "store_fixture.h"

#include "base/log.h"

#include <string.h>

static void test_inbox_dedupe(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  int64_t id1 = 0, id2 = 0, dup = 0;
  assert_int_equal(cg_store_inbox_put(f->s, "centra", "ev-1", "order",
                                      "{\"n\":1}", &id1, &err),
                   0);
  assert_int_equal(cg_store_inbox_put(f->s, "gxo", "ev-1", "order.accepted",
                                      "{}", &id2, &err),
                   0);
  assert_int_equal(cg_store_inbox_put(f->s, "centra", "ev-1", "order",
                                      "{\"n\":2}", &dup, &err),
                   CG_EEXIST);
  assert_int_equal(dup, id1);
  assert_int_equal(
      cg_store_inbox_put(f->s, "shopify", "x", "k", "{}", NULL, &err),
      CG_EINVAL);
  struct cg_store_inbox_row r;
  assert_int_equal(cg_store_inbox_get(f->s, id1, &r, &err), 0);
  assert_string_equal(r.payload, "{\"n\":1}"); /* the duplicate changed none */
  assert_null(r.outcome);
  assert_int_equal(r.processed_at, 0);
  cg_store_inbox_row_clear(&r);
  assert_int_equal(cg_store_inbox_get(f->s, 999, &r, &err), CG_ENOTFOUND);
}

static void test_inbox_pending_and_mark(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  int64_t ids[3];
  for (int i = 0; i < 3; i++) {
    char m[16];
    snprintf(m, sizeof(m), "m%d", i);
    assert_int_equal(
        cg_store_inbox_put(f->s, "centra", m, "order", "{}", &ids[i], &err), 0);
  }
  assert_int_equal(cg_store_inbox_mark(f->s, ids[1], "queued", NULL, &err), 0);
  assert_int_equal(cg_store_inbox_mark(f->s, 999, "queued", NULL, &err),
                   CG_ENOTFOUND);
  struct cg_store_inbox_list l;
  assert_int_equal(cg_store_inbox_pending(f->s, 10, &l, &err), 0);
  assert_int_equal(l.n, 2);
  assert_int_equal(l.items[0].id, ids[0]);
  assert_int_equal(l.items[1].id, ids[2]);
  assert_string_equal(l.items[1].msg_id, "m2");
  cg_store_inbox_list_clear(&l);
  cg_store_inbox_list_clear(&l);
  assert_int_equal(cg_store_inbox_pending(f->s, 1, &l, &err), 0);
  assert_int_equal(l.n, 1);
  cg_store_inbox_list_clear(&l);
  struct cg_store_inbox_row r;
  assert_int_equal(
      cg_store_inbox_mark(f->s, ids[0], "failed", "bad json", &err), 0);
  assert_int_equal(cg_store_inbox_get(f->s, ids[0], &r, &err), 0);
  assert_string_equal(r.outcome, "failed");
  assert_string_equal(r.error, "bad json");
  assert_true(r.processed_at > 0);
  cg_store_inbox_row_clear(&r);
}

#define KIND "gxo.order.create"

static int64_t put(struct fx *f, const char *key, int64_t not_before)
{
  struct cg_err err = {0};
  int64_t id = 0;
  assert_int_equal(
      cg_store_outbox_put(f->s, KIND, key, key, "{}", not_before, &id, &err),
      0);
  return id;
}

static enum cg_store_outbox_state state_of(struct fx *f, int64_t id)
{
  struct cg_err err = {0};
  struct cg_store_outbox_row r;
  assert_int_equal(cg_store_outbox_get(f->s, id, &r, &err), 0);
  enum cg_store_outbox_state st = r.state;
  cg_store_outbox_row_clear(&r);
  return st;
}

static void test_outbox_lifecycle(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  int64_t id = put(f, "83651", 0);
  int64_t at = 0;
  assert_int_equal(cg_store_outbox_next_due_kind(f->s, KIND, &at, &err), 0);
  assert_int_equal(cg_store_outbox_done(f->s, id, 200, &err), CG_EINVAL);
  assert_non_null(strstr(err.msg, "not inflight"));
  assert_int_equal(cg_store_outbox_mark_inflight(f->s, id, &err), 0);
  assert_int_equal(cg_store_outbox_mark_inflight(f->s, id, &err), CG_EINVAL);
  assert_int_equal(cg_store_outbox_next_due_kind(f->s, KIND, &at, &err),
                   CG_ENOTFOUND);
  int64_t depth = 0;
  assert_int_equal(cg_store_outbox_depth(f->s, &depth, &err), 0);
  assert_int_equal(depth, 1);
  assert_int_equal(
      cg_store_outbox_retry(f->s, id, 5000, 503, "busy", false, &err), 0);
  struct cg_store_outbox_row r;
  assert_int_equal(cg_store_outbox_get(f->s, id, &r, &err), 0);
  assert_int_equal(r.state, CG_STORE_OUTBOX_PENDING);
  assert_int_equal(r.attempts, 1);
  assert_int_equal(r.next_attempt_at, 5000);
  assert_int_equal(r.last_status, 503);
  assert_string_equal(r.last_error, "busy");
  assert_string_equal(r.entity_key, "83651");
  cg_store_outbox_row_clear(&r);
  assert_int_equal(cg_store_outbox_next_due_kind(f->s, KIND, &at, &err), 0);
  assert_int_equal(at, 5000);
  assert_int_equal(cg_store_outbox_mark_inflight(f->s, id, &err), 0);
  assert_int_equal(cg_store_outbox_done(f->s, id, 201, &err), 0);
  assert_int_equal(state_of(f, id), CG_STORE_OUTBOX_DONE);
  assert_int_equal(cg_store_outbox_depth(f->s, &depth, &err), 0);
  assert_int_equal(depth, 0);
  assert_int_equal(cg_store_outbox_retry(f->s, id, 1, 500, "x", false, &err),
                   CG_EINVAL);
  assert_int_equal(cg_store_outbox_mark_inflight(f->s, 4242, &err),
                   CG_ENOTFOUND);
}

/* A deferral (nothing was sent) moves the row back without counting an
 * attempt, and only from inflight. */
static void test_outbox_defer(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  int64_t id = put(f, "83652", 0);
  assert_int_equal(cg_store_outbox_defer(f->s, id, 9000, "paused", &err),
                   CG_EINVAL);
  assert_int_equal(cg_store_outbox_mark_inflight(f->s, id, &err), 0);
  assert_int_equal(cg_store_outbox_defer(f->s, id, 9000, "paused", &err), 0);
  struct cg_store_outbox_row r;
  assert_int_equal(cg_store_outbox_get(f->s, id, &r, &err), 0);
  assert_int_equal(r.state, CG_STORE_OUTBOX_PENDING);
  assert_int_equal(r.attempts, 0);
  assert_int_equal(r.next_attempt_at, 9000);
  assert_string_equal(r.last_error, "paused");
  cg_store_outbox_row_clear(&r);
}

static int64_t attempts_of(struct fx *f, int64_t id)
{
  struct cg_err err = {0};
  struct cg_store_outbox_row r;
  assert_int_equal(cg_store_outbox_get(f->s, id, &r, &err), 0);
  int64_t n = r.attempts;
  cg_store_outbox_row_clear(&r);
  return n;
}

/* A retry that made progress (a step of a multi-call delivery committed)
 * starts the count again; one that did not adds to it. */
static void test_outbox_retry_progress(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  int64_t id = put(f, "83653", 0);
  for (int i = 0; i < 3; i++) {
    assert_int_equal(cg_store_outbox_mark_inflight(f->s, id, &err), 0);
    assert_int_equal(cg_store_outbox_retry(f->s, id, 1, 500, "x", false, &err),
                     0);
  }
  assert_int_equal(attempts_of(f, id), 3);
  assert_int_equal(cg_store_outbox_mark_inflight(f->s, id, &err), 0);
  assert_int_equal(cg_store_outbox_retry(f->s, id, 1, 429, "y", true, &err), 0);
  assert_int_equal(attempts_of(f, id), 1);
  assert_int_equal(cg_store_outbox_mark_inflight(f->s, id, &err), 0);
  assert_int_equal(cg_store_outbox_retry(f->s, id, 1, 500, "z", false, &err),
                   0);
  assert_int_equal(attempts_of(f, id), 2);
}

static void test_outbox_failed_and_requeue(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  int64_t id = put(f, "1", 0);
  int64_t other = put(f, "2", 0);
  assert_int_equal(cg_store_outbox_requeue(f->s, id, 10, &err), CG_EINVAL);
  assert_int_equal(cg_store_outbox_mark_inflight(f->s, id, &err), 0);
  assert_int_equal(cg_store_outbox_fail(f->s, id, 422, "bad postcode", &err),
                   0);
  int64_t c[CG_STORE_OUTBOX_NSTATES];
  assert_int_equal(cg_store_outbox_counts(f->s, c, &err), 0);
  assert_int_equal(c[CG_STORE_OUTBOX_PENDING], 1);
  assert_int_equal(c[CG_STORE_OUTBOX_INFLIGHT], 0);
  assert_int_equal(c[CG_STORE_OUTBOX_FAILED], 1);
  assert_int_equal(c[CG_STORE_OUTBOX_DONE], 0);
  struct cg_store_outbox_filter dead = {.state = CG_STORE_OUTBOX_FAILED};
  struct cg_store_outbox_list l;
  assert_int_equal(cg_store_outbox_list(f->s, &dead, &l, &err), 0);
  assert_int_equal(l.n, 1);
  assert_int_equal(l.items[0].id, id);
  assert_string_equal(l.items[0].last_error, "bad postcode");
  cg_store_outbox_list_clear(&l);
  struct cg_store_outbox_filter by_key = {.state = -1, .entity_key = "2"};
  assert_int_equal(cg_store_outbox_list(f->s, &by_key, &l, &err), 0);
  assert_int_equal(l.n, 1);
  assert_int_equal(l.items[0].id, other);
  cg_store_outbox_list_clear(&l);
  assert_int_equal(cg_store_outbox_requeue(f->s, id, 10, &err), 0);
  struct cg_store_outbox_row r;
  assert_int_equal(cg_store_outbox_get(f->s, id, &r, &err), 0);
  assert_int_equal(r.state, CG_STORE_OUTBOX_PENDING);
  assert_int_equal(r.attempts, 0);
  assert_int_equal(r.next_attempt_at, 10);
  assert_string_equal(r.last_error, "bad postcode");
  cg_store_outbox_row_clear(&r);
  assert_string_equal(cg_store_outbox_state_name(CG_STORE_OUTBOX_FAILED),
                      "failed");
  assert_string_equal(cg_store_outbox_state_name(99), "?");
}

static void mark(struct fx *f, int64_t id, enum cg_store_outbox_state to)
{
  struct cg_err err = {0};
  assert_int_equal(cg_store_outbox_mark_inflight(f->s, id, &err), 0);
  if (to == CG_STORE_OUTBOX_DONE)
    assert_int_equal(cg_store_outbox_done(f->s, id, 201, &err), 0);
  if (to == CG_STORE_OUTBOX_FAILED)
    assert_int_equal(cg_store_outbox_fail(f->s, id, 422, "no", &err), 0);
}

/* Counts, depth and the open kinds (each state is read through its own
 * partial index since schema v4): every state a different count. */
static void test_outbox_counts_per_state(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  const char *keys[] = {"p1", "i1", "i2", "d1", "d2",
                        "d3", "f1", "f2", "f3", "f4"};
  int64_t ids[10], other = 0;
  for (int i = 0; i < 10; i++)
    ids[i] = put(f, keys[i], 0); /* p1 stays pending */
  assert_int_equal(cg_store_outbox_put(f->s, "centra.order.external_id", "m",
                                       "m", "{}", 0, &other, &err),
                   0);
  mark(f, other, CG_STORE_OUTBOX_INFLIGHT);
  for (int i = 1; i < 10; i++)
    mark(f, ids[i],
         i < 3   ? CG_STORE_OUTBOX_INFLIGHT
         : i < 6 ? CG_STORE_OUTBOX_DONE
                 : CG_STORE_OUTBOX_FAILED);
  int64_t c[CG_STORE_OUTBOX_NSTATES], depth = 0;
  assert_int_equal(cg_store_outbox_counts(f->s, c, &err), 0);
  assert_int_equal(c[CG_STORE_OUTBOX_PENDING], 1);
  assert_int_equal(c[CG_STORE_OUTBOX_INFLIGHT], 3);
  assert_int_equal(c[CG_STORE_OUTBOX_DONE], 3);
  assert_int_equal(c[CG_STORE_OUTBOX_FAILED], 4);
  assert_int_equal(cg_store_outbox_depth(f->s, &depth, &err), 0);
  assert_int_equal(depth, 4);
  struct cg_store_count_list k = {0};
  assert_int_equal(cg_store_outbox_open_kinds(f->s, &k, &err), 0);
  assert_int_equal(k.n, 2);
  assert_string_equal(k.items[0].name, "centra.order.external_id");
  assert_int_equal(k.items[0].count, 1);
  assert_string_equal(k.items[1].name, KIND);
  assert_int_equal(k.items[1].count, 3);
  cg_store_count_list_clear(&k);
}

static void test_outbox_reset_inflight(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  int64_t a = put(f, "a", 0), b = put(f, "b", 0), c = put(f, "c", 0);
  assert_int_equal(cg_store_outbox_mark_inflight(f->s, a, &err), 0);
  assert_int_equal(cg_store_outbox_mark_inflight(f->s, b, &err), 0);
  /* A crash here: the process restarts and resets before delivering. */
  cg_store_close(f->s);
  assert_int_equal(fx_open(f), 0);
  int64_t n = -1;
  assert_int_equal(cg_store_outbox_reset_inflight(f->s, &n, &err), 0);
  assert_int_equal(n, 2);
  assert_int_equal(state_of(f, a), CG_STORE_OUTBOX_PENDING);
  assert_int_equal(state_of(f, b), CG_STORE_OUTBOX_PENDING);
  assert_int_equal(state_of(f, c), CG_STORE_OUTBOX_PENDING);
  assert_int_equal(cg_store_outbox_reset_inflight(f->s, &n, &err), 0);
  assert_int_equal(n, 0);
}

static void test_outbox_due_order(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  int64_t late = put(f, "late", 3000);
  int64_t early = put(f, "early", 1000);
  int64_t mid1 = put(f, "mid1", 2000);
  int64_t mid2 = put(f, "mid2", 2000);
  /* Due first, but of another kind: not among KIND's due rows. */
  assert_int_equal(cg_store_outbox_put(f->s, "centra.order.external_id", "x",
                                       "x", "{}", 500, NULL, &err),
                   0);
  struct cg_store_outbox_list l;
  assert_int_equal(cg_store_outbox_due_kind(f->s, KIND, 2500, 10, &l, &err), 0);
  assert_int_equal(l.n, 3);
  assert_int_equal(l.items[0].id, early);
  assert_int_equal(l.items[1].id, mid1);
  assert_int_equal(l.items[2].id, mid2);
  cg_store_outbox_list_clear(&l);
  assert_int_equal(cg_store_outbox_due_kind(f->s, KIND, 2500, 2, &l, &err), 0);
  assert_int_equal(l.n, 2);
  cg_store_outbox_list_clear(&l);
  assert_int_equal(cg_store_outbox_due_kind(f->s, KIND, 999, 10, &l, &err), 0);
  assert_int_equal(l.n, 0);
  assert_null(l.items);
  int64_t at = 0;
  assert_int_equal(cg_store_outbox_next_due_kind(f->s, KIND, &at, &err), 0);
  assert_int_equal(at, 1000);
  (void)late;
}

static void test_outbox_unique_idempotency(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  int64_t id = put(f, "83651", 0), again = 0;
  assert_int_equal(cg_store_begin(f->s, &err), 0);
  assert_int_equal(cg_store_outbox_put(f->s, "gxo.order.create", "83651",
                                       "83651", "{\"v\":2}", 0, &again, &err),
                   CG_EEXIST);
  assert_int_equal(again, id);
  /* The transaction survives a duplicate and can still commit work. */
  assert_int_equal(cg_store_outbox_put(f->s, "centra.order.external_id",
                                       "83651", "83651", "{}", 0, NULL, &err),
                   0);
  assert_int_equal(cg_store_commit(f->s, &err), 0);
  assert_int_equal(fx_sql_int(f->path, "SELECT count(*) FROM outbox"), 2);
  assert_int_equal(fx_sql_int(f->path, "SELECT count(*) FROM outbox WHERE "
                                       "payload = '{}'"),
                   2);
  assert_int_equal(
      cg_store_outbox_put(f->s, NULL, "k", "k", "{}", 0, NULL, &err),
      CG_EINVAL);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
  cg_log_set_level(CG_LOG_WARN);
  const struct CMUnitTest tests[] = {
      T(test_inbox_dedupe),
      T(test_inbox_pending_and_mark),
      T(test_outbox_lifecycle),
      T(test_outbox_defer),
      T(test_outbox_retry_progress),
      T(test_outbox_failed_and_requeue),
      T(test_outbox_reset_inflight),
      T(test_outbox_due_order),
      T(test_outbox_counts_per_state),
      T(test_outbox_unique_idempotency),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
