/*
 * Unit tests for the stock reconcile's image of the store
 * (store_stock_image.c, docs/internals/stock-reconcile-plan.md steps 2
 * and 3): a SKU is unchanged by a snapshot page only if the page lists
 * exactly its stored levels less the logged events above the snapshot,
 * and only while no store write has touched it since the image was
 * loaded. Every writer of a SKU's row or levels is tried in turn.
 * Centra's half (step 4): which SKUs the image settles, and which lose
 * their confirmation at the end of a reconcile.
 */
#include "store_fixture.h"

#include "store/store_stock.h"

#include <stdio.h>
#include <string.h>

#define NOW 1000000

static void apply(struct fx *f, int64_t seq, const char *sku,
                  const char *status, int64_t delta)
{
  struct cg_err err = {0};
  bool applied = false;
  assert_int_equal(
      cg_store_stock_apply(f->s, seq, sku, status, delta, NOW, &applied, &err),
      0);
  assert_true(applied);
}

static void load(struct fx *f, int64_t as_of)
{
  struct cg_err err = {0};
  assert_int_equal(cg_store_stock_image_load(f->s, as_of, &err), 0);
}

/* Whether the page (AVAILABLE avail, DAMAGED damaged) leaves sku as it
 * is, by the image. */
static bool same(struct fx *f, const char *sku, int64_t avail, int64_t damaged)
{
  struct cg_store_stock_level l[] = {{"DAMAGED", damaged},
                                     {"AVAILABLE", avail}};
  return cg_store_stock_image_same(f->s, sku, l, 2);
}

static void test_image_same(void **state)
{
  struct fx *f = *state;
  apply(f, 1, "A", "AVAILABLE", 5);
  apply(f, 2, "A", "DAMAGED", 1);
  apply(f, 3, "B", "AVAILABLE", 3);
  apply(f, 4, "B", "AVAILABLE", -3); /* a level of 0: as not listed */
  apply(f, 12, "C", "AVAILABLE", 2); /* above the snapshot's 10 */
  assert_false(same(f, "A", 5, 1));  /* no image yet */
  load(f, 10);
  assert_int_equal(cg_store_stock_image_size(f->s), 3);
  assert_true(same(f, "A", 5, 1));
  assert_false(same(f, "A", 5, 0)); /* DAMAGED would go */
  assert_false(same(f, "A", 6, 1));
  assert_true(same(f, "B", 0, 0));
  assert_false(same(f, "B", 1, 0));
  /* C holds 2 from an event after the snapshot: a page that lists none
   * is W = 0 + 2, as stored */
  assert_true(same(f, "C", 0, 0));
  assert_false(same(f, "C", 2, 0));
  assert_false(same(f, "N", 0, 0)); /* no row: made by the full path */
  cg_store_stock_image_drop(f->s);
  assert_int_equal(cg_store_stock_image_size(f->s), 0);
  assert_false(same(f, "A", 5, 1));
}

/* Each writer of a SKU's row or levels, and what it is called with. */
enum writer {
  W_EVENT,
  W_DISPATCH,
  W_DISPATCH_DONE,
  W_RETURN,
  W_TOUCH,
  W_TAKE,
  W_DONE,
  W_CLEAN,
  W_HOLD,
  W_CENTRA,
  W_STAGE,
  W_CSTAGE,
  W_SNAPSHOT,
  W_COUNT
};

static void write_one(struct fx *f, enum writer w)
{
  struct cg_err err = {0};
  struct cg_store_stock_level l = {"AVAILABLE", 5};
  int rc = 0;
  switch (w) {
  case W_EVENT:
    apply(f, 20, "A", "AVAILABLE", 1);
    break;
  case W_DISPATCH:
    rc = cg_store_stock_dispatch_add(f->s, "SHP-1", "A", 1, NOW, &err);
    break;
  case W_DISPATCH_DONE:
    rc = cg_store_stock_dispatch_done(f->s, "SHP-0", NOW, &err);
    break;
  case W_RETURN:
    rc = cg_store_stock_return_add(f->s, "A", 1, NOW, &err);
    break;
  case W_TOUCH:
    rc = cg_store_stock_touch(f->s, "A", NOW, &err);
    break;
  case W_TAKE:
    rc = cg_store_stock_batch_take(f->s, "A", 9, &err);
    break;
  case W_DONE:
    rc = cg_store_stock_batch_done(f->s, "A", true, 5, 1, NOW, &err);
    break;
  case W_CLEAN:
    rc = cg_store_stock_clean(f->s, "A", &err);
    break;
  case W_HOLD:
    rc = cg_store_stock_hold(f->s, "A", true, NOW, &err);
    break;
  case W_CENTRA:
    rc = cg_store_stock_centra_seen(f->s, "A", 5, NOW, &err);
    break;
  case W_STAGE: /* staged for a page: the apply may write it */
    rc = cg_store_stock_stage(f->s, "A", &l, 1, &err);
    if (rc == 0)
      rc = cg_store_stock_stage_apply(f->s, 10, NOW, NULL, &err);
    break;
  case W_CSTAGE:
    rc = cg_store_stock_cstage(f->s, "A", 5, NOW, &err);
    if (rc == 0)
      rc = cg_store_stock_cstage_seen(f->s, NOW, &err);
    break;
  case W_SNAPSHOT:
    rc = cg_store_stock_snapshot_sku(f->s, "A", &l, 1, 1000, NOW, NULL, &err);
    break;
  default:
    fail();
  }
  if (rc != 0)
    fail_msg("writer %d: %s", (int)w, err.msg);
}

/* After any writer, A is no longer taken as unchanged, whatever the page
 * lists; B, not written, still is. */
static void test_image_touched_by_every_writer(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  apply(f, 1, "A", "AVAILABLE", 5);
  apply(f, 2, "B", "AVAILABLE", 3);
  assert_int_equal(
      cg_store_stock_dispatch_add(f->s, "SHP-0", "A", 1, NOW, &err), 0);
  for (int w = 0; w < W_COUNT; w++) {
    load(f, 10);
    assert_true(same(f, "A", 5, 0));
    assert_true(same(f, "B", 3, 0));
    write_one(f, (enum writer)w);
    if (same(f, "A", 5, 0))
      fail_msg("writer %d left A untouched in the image", w);
    assert_true(same(f, "B", 3, 0));
    cg_store_stock_image_drop(f->s);
    /* back to A = 5 AVAILABLE only, nothing held, for the next writer
     * (a snapshot of A alone above every event so far) */
    struct cg_store_stock_level l = {"AVAILABLE", 5};
    assert_int_equal(cg_store_stock_hold(f->s, "A", false, NOW, &err), 0);
    assert_int_equal(
        cg_store_stock_snapshot_sku(f->s, "A", &l, 1, 100 + w, NOW, NULL, &err),
        0);
  }
}

/* A write inside a transaction that is rolled back still leaves the SKU
 * touched: the image errs toward the full path. */
static void test_image_touched_on_rollback(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  apply(f, 1, "A", "AVAILABLE", 5);
  load(f, 10);
  assert_int_equal(cg_store_begin(f->s, &err), 0);
  apply(f, 11, "A", "AVAILABLE", 1);
  assert_int_equal(cg_store_rollback(f->s, &err), 0);
  assert_false(same(f, "A", 5, 0));
}

/* More statuses for one SKU than the image keeps: never taken as
 * unchanged. */
static void test_image_unsure(void **state)
{
  struct fx *f = *state;
  char status[16];
  for (int i = 0; i < 7; i++) {
    snprintf(status, sizeof(status), "S%d", i);
    apply(f, i + 1, "A", status, 1);
  }
  load(f, 10);
  struct cg_store_stock_level l[7];
  for (int i = 0; i < 7; i++) {
    snprintf(l[i].status, sizeof(l[i].status), "S%d", i);
    l[i].quantity = 1;
  }
  assert_false(cg_store_stock_image_same(f->s, "A", l, 7));
}

/* Centra's half: a SKU whose figure was recorded and confirmed, with no
 * event above the snapshot and no write since the load, is settled from
 * the image (its W, D, R, push time and Centra's figure). */
static void test_image_settled(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  struct cg_store_stock_image_sku im;
  apply(f, 1, "A", "AVAILABLE", 5);
  apply(f, 2, "A", "ALLOCATED", 1);
  assert_int_equal(
      cg_store_stock_dispatch_add(f->s, "SHP-1", "A", 2, NOW, &err), 0);
  assert_int_equal(cg_store_stock_centra_seen(f->s, "A", 8, NOW, &err), 0);
  apply(f, 3, "B", "AVAILABLE", 3); /* Centra's figure never read */
  assert_int_equal(cg_store_stock_centra_seen(f->s, "C", 0, NOW, &err), 0);
  apply(f, 12, "C", "AVAILABLE", 1); /* above the snapshot's 10 */
  load(f, 10);
  assert_true(cg_store_stock_image_settled(f->s, "A", &im));
  assert_int_equal(im.pending_dispatch, 2);
  assert_int_equal(im.centra_qty, 8);
  assert_int_equal(im.n, 2);
  long total = 0;
  for (size_t i = 0; i < im.n; i++)
    total += im.levels[i].quantity;
  assert_int_equal(total, 6);
  assert_false(cg_store_stock_image_settled(f->s, "B", &im));
  assert_false(cg_store_stock_image_settled(f->s, "C", &im)); /* events */
  assert_false(cg_store_stock_image_settled(f->s, "Z", &im));
  assert_int_equal(cg_store_stock_touch(f->s, "A", NOW, &err), 0);
  assert_false(cg_store_stock_image_settled(f->s, "A", &im));
}

/* The end of a reconcile that read all of Centra: a SKU it confirmed
 * keeps centra_known 1; one it did not (not listed, skipped) gets 2 and
 * the previous confirmation's time; one never read is left alone. */
static void test_image_unconfirmed(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  int64_t n = -1;
  assert_int_equal(cg_store_stock_centra_seen(f->s, "A", 1, NOW, &err), 0);
  assert_int_equal(cg_store_stock_centra_seen(f->s, "B", 2, NOW, &err), 0);
  apply(f, 1, "C", "AVAILABLE", 3);
  load(f, 10);
  cg_store_stock_image_confirm(f->s, "A");
  cg_store_stock_image_confirm(f->s, "Q"); /* not in the image: nothing */
  assert_int_equal(cg_store_stock_image_unconfirmed(f->s, NOW + 50, &n, &err),
                   0);
  assert_int_equal(n, 1);
  struct cg_store_stock a = {0}, b = {0}, c = {0};
  assert_int_equal(cg_store_stock_get(f->s, "A", &a, &err), 0);
  assert_int_equal(cg_store_stock_get(f->s, "B", &b, &err), 0);
  assert_int_equal(cg_store_stock_get(f->s, "C", &c, &err), 0);
  assert_int_equal(a.centra_known, 1);
  assert_int_equal(a.reconciled_at, NOW);
  assert_int_equal(b.centra_known, 2);
  assert_int_equal(b.reconciled_at, NOW + 50);
  assert_int_equal(c.centra_known, 0);
  cg_store_stock_clear(&a);
  cg_store_stock_clear(&b);
  cg_store_stock_clear(&c);
  /* a later full-path record makes B known and confirmed again */
  assert_int_equal(cg_store_stock_centra_seen(f->s, "B", 2, NOW + 90, &err), 0);
  assert_int_equal(cg_store_stock_get(f->s, "B", &b, &err), 0);
  assert_int_equal(b.centra_known, 1);
  cg_store_stock_clear(&b);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_image_same, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_image_touched_by_every_writer,
                                      fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_image_touched_on_rollback, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_image_unsure, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_image_settled, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_image_unconfirmed, fx_setup,
                                      fx_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
