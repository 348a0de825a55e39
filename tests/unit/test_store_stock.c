/*
 * Unit tests for the store's stock rows (schema step 9,
 * docs/internals/stock.md): the invariant's arithmetic as the store keeps
 * it. An effect applies once (a duplicate (seq, sku, status) or a seq at
 * or below the SKU's snapshot base changes nothing), a status move is two
 * effects, a snapshot plus the logged later events replaces the levels
 * and a stale one changes nothing, unlisted SKUs are found, D is added
 * and taken back exactly once, R moves, the push state (dirty, version,
 * batch) keeps a change made during a batch, hold and clean, the
 * sequence watermark with its holes and a snapshot's cover, and the
 * reconcile's pages staged and applied set-based, with the snapshot's
 * base kept in the cursors: an event at or below the snapshot being
 * applied is held (logged, not applied), before or after its SKU's page.
 */
#include "store_fixture.h"

#include "store/store_stock.h"

#include <stdio.h>
#include <string.h>

#define NOW 1000000

static bool apply(struct fx *f, int64_t seq, const char *sku,
                  const char *status, int64_t delta)
{
  struct cg_err err = {0};
  bool applied = true;
  assert_int_equal(
      cg_store_stock_apply(f->s, seq, sku, status, delta, NOW, &applied, &err),
      0);
  return applied;
}

static int64_t level(struct fx *f, const char *sku, const char *status)
{
  struct cg_err err = {0};
  struct cg_store_stock_levels l = {0};
  int64_t q = 0;
  assert_int_equal(cg_store_stock_levels(f->s, sku, &l, &err), 0);
  for (size_t i = 0; i < l.n; i++)
    if (strcmp(l.items[i].status, status) == 0)
      q = l.items[i].quantity;
  cg_store_stock_levels_clear(&l);
  return q;
}

/* The SKU's row without its name (nothing to free). */
static struct cg_store_stock row(struct fx *f, const char *sku)
{
  struct cg_err err = {0};
  struct cg_store_stock r = {0};
  assert_int_equal(cg_store_stock_get(f->s, sku, &r, &err), 0);
  cg_free(r.sku);
  r.sku = NULL;
  return r;
}

static size_t dirty_n(struct fx *f)
{
  struct cg_err err = {0};
  int64_t n = -1;
  assert_int_equal(cg_store_stock_dirty_count(f->s, &n, &err), 0);
  return (size_t)n;
}

static void test_apply_once(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  struct cg_store_stock r = {0};
  assert_int_equal(cg_store_stock_get(f->s, "A", &r, &err), CG_ENOTFOUND);
  assert_true(apply(f, 10, "A", "AVAILABLE", 5));
  assert_false(apply(f, 10, "A", "AVAILABLE", 5)); /* duplicate */
  assert_true(apply(f, 11, "A", "AVAILABLE", -2));
  assert_true(apply(f, 9, "A", "AVAILABLE", 1)); /* late, not a duplicate */
  assert_int_equal(level(f, "A", "AVAILABLE"), 4);
  r = row(f, "A");
  assert_int_equal(r.version, 3);
  assert_int_equal(r.dirty_since, NOW);
  /* a status move: two effects of one sequence, each once */
  assert_true(apply(f, 12, "A", "AVAILABLE", -3));
  assert_true(apply(f, 12, "A", "QUARANTINE", 3));
  assert_false(apply(f, 12, "A", "AVAILABLE", -3));
  assert_false(apply(f, 12, "A", "QUARANTINE", 3));
  assert_int_equal(level(f, "A", "AVAILABLE"), 1);
  assert_int_equal(level(f, "A", "QUARANTINE"), 3);
  assert_int_equal(
      cg_store_stock_apply(f->s, 0, "A", "AVAILABLE", 1, NOW, NULL, &err),
      CG_EINVAL);
  assert_int_equal(
      cg_store_stock_apply(f->s, 13, "", "AVAILABLE", 1, NOW, NULL, &err),
      CG_EINVAL);
}

static void snapshot(struct fx *f, const char *sku, int64_t avail,
                     int64_t as_of, bool want_stale)
{
  struct cg_err err = {0};
  struct cg_store_stock_level l = {.status = "AVAILABLE", .quantity = avail};
  bool stale = !want_stale;
  assert_int_equal(cg_store_stock_snapshot_sku(f->s, sku, &l, 1, as_of, NOW + 5,
                                               &stale, &err),
                   0);
  assert_int_equal(stale, want_stale);
}

static void test_snapshot_and_later_events(void **state)
{
  struct fx *f = *state;
  assert_true(apply(f, 5, "A", "AVAILABLE", 10));
  assert_true(apply(f, 8, "A", "AVAILABLE", -1));
  assert_true(apply(f, 12, "A", "AVAILABLE", -2)); /* after the snapshot */
  assert_true(apply(f, 12, "A", "DAMAGED", 2));
  /* the snapshot as of 10 holds 5 and 8 (and counted 7 available) */
  snapshot(f, "A", 7, 10, false);
  assert_int_equal(level(f, "A", "AVAILABLE"), 5);
  assert_int_equal(level(f, "A", "DAMAGED"), 2);
  struct cg_store_stock r = row(f, "A");
  assert_int_equal(r.base_seq, 10);
  /* at or below the base: in the snapshot already */
  assert_false(apply(f, 9, "A", "AVAILABLE", 4));
  assert_false(apply(f, 12, "A", "DAMAGED", 2)); /* still logged above */
  assert_true(apply(f, 13, "A", "AVAILABLE", 1));
  assert_int_equal(level(f, "A", "AVAILABLE"), 6);
  /* stale: as of at or below the base, newer events never rolled back */
  snapshot(f, "A", 100, 10, true);
  snapshot(f, "A", 100, 7, true);
  assert_int_equal(level(f, "A", "AVAILABLE"), 6);
  /* a newer snapshot that matches changes no level: no new version */
  int64_t v = row(f, "A").version;
  snapshot(f, "A", 6, 20, false);
  assert_int_equal(level(f, "A", "DAMAGED"), 0); /* not listed: 0 */
  assert_int_equal(row(f, "A").version, v + 1);  /* DAMAGED moved */
  snapshot(f, "A", 6, 21, false);
  assert_int_equal(row(f, "A").version, v + 1);
}

/* A warehouse that has published no event yet snapshots as of 0: the
 * first snapshot, never stale while the base is still none. */
static void test_snapshot_as_of_zero(void **state)
{
  struct fx *f = *state;
  snapshot(f, "A", 4, 0, false);
  assert_int_equal(level(f, "A", "AVAILABLE"), 4);
  assert_int_equal(row(f, "A").base_seq, 0);
  snapshot(f, "A", 4, 0, false); /* the same again: same levels */
  assert_int_equal(level(f, "A", "AVAILABLE"), 4);
  assert_true(apply(f, 1, "A", "AVAILABLE", 1));
  snapshot(f, "A", 4, 0, false); /* event 1 is kept above it */
  assert_int_equal(level(f, "A", "AVAILABLE"), 5);
  snapshot(f, "A", 5, 1, false);
  snapshot(f, "A", 9, 0, true); /* older than the base now */
  assert_int_equal(level(f, "A", "AVAILABLE"), 5);
}

/* Every allocation of a snapshot and of a dispatch completion may fail:
 * the write is then undone whole (its savepoint), never half applied. */
static void test_nomem_atomic(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  struct cg_store_stock_level l = {.status = "AVAILABLE", .quantity = 7};
  assert_true(apply(f, 1, "A", "AVAILABLE", 5));
  assert_true(apply(f, 3, "A", "DAMAGED", 1));
  assert_int_equal(cg_store_stock_dispatch_add(f->s, "S1", "A", 2, NOW, &err),
                   0);
  int failed = 0;
  for (long n = 0;; n++) {
    cg_mem_fail_after(n);
    int a = cg_store_stock_snapshot_sku(f->s, "A", &l, 1, 2, NOW, NULL, &err);
    int b = a == 0 ? cg_store_stock_dispatch_done(f->s, "S1", NOW, &err) : 0;
    cg_mem_fail_after(-1);
    struct cg_store_stock r = row(f, "A");
    if (a != 0)
      assert_true(r.base_seq == 0 && level(f, "A", "AVAILABLE") == 5);
    if (b != 0)
      assert_int_equal(r.pending_dispatch, 2);
    failed += a != 0 || b != 0;
    if (a == 0 && b == 0)
      break;
  }
  assert_true(failed > 0);
  assert_int_equal(level(f, "A", "AVAILABLE"), 7);
  assert_int_equal(level(f, "A", "DAMAGED"), 1); /* event 3 kept */
  assert_int_equal(row(f, "A").pending_dispatch, 0);
}

/* A SKU first seen after a snapshot as of 10 (which did not list it, so
 * it held none as of 10): its late event at 6 is in that snapshot. */
static void test_new_sku_after_snapshot(void **state)
{
  struct fx *f = *state;
  assert_int_equal(
      cg_store_cursor_set(f->s, CG_STORE_STOCK_BASE_CURSOR, "10", NULL), 0);
  assert_false(apply(f, 6, "X", "AVAILABLE", -3));
  assert_int_equal(level(f, "X", "AVAILABLE"), 0);
  assert_true(apply(f, 11, "X", "AVAILABLE", 2));
  assert_int_equal(level(f, "X", "AVAILABLE"), 2);
  assert_int_equal(row(f, "X").base_seq, 10);
}

static void test_unlisted(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  struct cg_store_count_list l = {0};
  assert_true(apply(f, 1, "A", "AVAILABLE", 1));
  assert_true(apply(f, 2, "B", "AVAILABLE", 2));
  assert_true(apply(f, 3, "C", "AVAILABLE", 3));
  snapshot(f, "B", 2, 5, false); /* B listed by the snapshot as of 5 */
  assert_int_equal(cg_store_stock_unlisted(f->s, 5, "", 10, &l, &err), 0);
  assert_int_equal(l.n, 2);
  assert_string_equal(l.items[0].name, "A");
  assert_string_equal(l.items[1].name, "C");
  cg_store_count_list_clear(&l);
  assert_int_equal(cg_store_stock_unlisted(f->s, 5, "A", 1, &l, &err), 0);
  assert_int_equal(l.n, 1);
  assert_string_equal(l.items[0].name, "C");
  cg_store_count_list_clear(&l);
  /* an unlisted SKU goes to 0 as of the snapshot, later events kept */
  assert_true(apply(f, 7, "C", "AVAILABLE", 4));
  assert_int_equal(
      cg_store_stock_snapshot_sku(f->s, "C", NULL, 0, 5, NOW, NULL, &err), 0);
  assert_int_equal(level(f, "C", "AVAILABLE"), 4);
}

static void test_dispatch_and_return(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  assert_int_equal(cg_store_stock_dispatch_add(f->s, "S1", "A", 2, NOW, &err),
                   0);
  assert_int_equal(cg_store_stock_dispatch_add(f->s, "S1", "B", 1, NOW, &err),
                   0);
  assert_int_equal(cg_store_stock_dispatch_add(f->s, "S2", "A", 3, NOW, &err),
                   0);
  assert_int_equal(cg_store_stock_dispatch_add(f->s, "S1", "A", 2, NOW, &err),
                   CG_EEXIST);
  assert_int_equal(row(f, "A").pending_dispatch, 5);
  int64_t v = row(f, "A").version;
  assert_int_equal(cg_store_stock_dispatch_done(f->s, "S1", NOW, &err), 0);
  assert_int_equal(row(f, "A").pending_dispatch, 3);
  assert_int_equal(row(f, "B").pending_dispatch, 0);
  assert_int_equal(row(f, "A").version, v + 1);
  assert_int_equal(cg_store_stock_dispatch_done(f->s, "S1", NOW, &err), 0);
  assert_int_equal(cg_store_stock_dispatch_done(f->s, "S9", NOW, &err), 0);
  assert_int_equal(row(f, "A").pending_dispatch, 3); /* exactly once */
  assert_int_equal(row(f, "A").version, v + 1);
  assert_int_equal(cg_store_stock_return_add(f->s, "A", 2, NOW, &err), 0);
  assert_int_equal(cg_store_stock_return_add(f->s, "A", -1, NOW, &err), 0);
  assert_int_equal(row(f, "A").pending_return, 1);
  assert_int_equal(cg_store_stock_touch(f->s, "Z", NOW, &err), CG_ENOTFOUND);
  assert_int_equal(cg_store_stock_touch(f->s, "A", NOW, &err), 0);
  assert_int_equal(row(f, "A").version, v + 4);
}

static void test_batches(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  struct cg_store_count_list l = {0};
  assert_true(apply(f, 1, "B", "AVAILABLE", 1));
  struct cg_store_stock_level one = {.status = "AVAILABLE", .quantity = 1};
  assert_int_equal(
      cg_store_stock_snapshot_sku(f->s, "A", &one, 1, 1, NOW - 9, NULL, &err),
      0); /* dirty earlier than B */
  assert_int_equal(cg_store_stock_dirty(f->s, 10, &l, &err), 0);
  assert_int_equal(l.n, 2);
  assert_string_equal(l.items[0].name, "A"); /* oldest first */
  assert_int_equal(l.items[0].count, NOW - 9);
  cg_store_count_list_clear(&l);
  int64_t va = row(f, "A").version, vb = row(f, "B").version;
  assert_int_equal(cg_store_stock_batch_take(f->s, "A", 7, &err), 0);
  assert_int_equal(cg_store_stock_batch_take(f->s, "B", 7, &err), 0);
  assert_int_equal(dirty_n(f), 0);
  assert_true(apply(f, 2, "B", "AVAILABLE", 1)); /* during the batch */
  assert_int_equal(dirty_n(f), 0);               /* in a batch: not taken */
  assert_int_equal(
      cg_store_stock_batch_done(f->s, "A", true, 1, va, NOW + 1, &err), 0);
  assert_int_equal(
      cg_store_stock_batch_done(f->s, "B", true, 1, vb, NOW + 1, &err), 0);
  struct cg_store_stock a = row(f, "A"), b = row(f, "B");
  assert_true(a.pushed && a.pushed_qty == 1 && a.pushed_version == va);
  assert_int_equal(a.dirty_since, 0);
  assert_int_equal(a.batch, 0);
  assert_int_equal(b.dirty_since, NOW); /* changed since: still dirty */
  assert_int_equal(dirty_n(f), 1);
  /* a failed batch marks its SKUs dirty again */
  assert_int_equal(cg_store_stock_batch_take(f->s, "A", 8, &err), 0);
  assert_int_equal(
      cg_store_stock_batch_done(f->s, "A", false, 0, 0, NOW + 2, &err), 0);
  assert_int_equal(row(f, "A").dirty_since, NOW + 2);
  assert_int_equal(row(f, "A").pushed_version, va);
  assert_int_equal(cg_store_stock_batch_take(f->s, "Z", 8, &err), CG_ENOTFOUND);
}

static void test_hold_clean_centra(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  assert_true(apply(f, 1, "A", "AVAILABLE", 1));
  assert_int_equal(cg_store_stock_hold(f->s, "A", true, NOW, &err), 0);
  assert_true(row(f, "A").held);
  assert_int_equal(dirty_n(f), 0);
  assert_int_equal(cg_store_stock_clean(f->s, "A", &err), 0);
  assert_int_equal(cg_store_stock_hold(f->s, "A", false, NOW + 3, &err), 0);
  assert_false(row(f, "A").held);
  assert_int_equal(row(f, "A").dirty_since, NOW + 3); /* released: dirty */
  assert_int_equal(cg_store_stock_clean(f->s, "A", &err), 0);
  assert_int_equal(dirty_n(f), 0);
  assert_int_equal(cg_store_stock_centra_seen(f->s, "Q", 4, NOW, &err), 0);
  struct cg_store_stock q = row(f, "Q");
  assert_true(q.centra_known);
  assert_int_equal(q.centra_qty, 4);
  assert_int_equal(q.reconciled_at, NOW);
}

/* A page staged and applied at once: each SKU as if alone (a new one, a
 * stale one, one with later events, one listed with nothing, one whose
 * figure is unchanged), and the stage empty afterwards. */
static void test_stage_page(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  struct cg_store_stock_level five[] = {{"AVAILABLE", 5}, {"DAMAGED", 0}};
  struct cg_store_stock_level two = {"AVAILABLE", 2};
  int64_t stale = -1;
  assert_true(apply(f, 3, "E", "AVAILABLE", 9));
  assert_true(apply(f, 12, "E", "QUARANTINE", 1)); /* above the page's 10 */
  assert_true(apply(f, 4, "Z", "DAMAGED", 3));
  snapshot(f, "S", 7, 20, false); /* S already at 20: stale for 10 */
  snapshot(f, "U", 2, 8, false);  /* U unchanged at 10: not marked */
  int64_t v = row(f, "U").version;
  assert_int_equal(cg_store_stock_stage(f->s, "N", five, 2, &err), 0);
  assert_int_equal(cg_store_stock_stage(f->s, "E", &two, 1, &err), 0);
  assert_int_equal(cg_store_stock_stage(f->s, "S", &two, 1, &err), 0);
  assert_int_equal(cg_store_stock_stage(f->s, "Z", NULL, 0, &err), 0);
  assert_int_equal(cg_store_stock_stage(f->s, "U", &two, 1, &err), 0);
  assert_int_equal(cg_store_stock_stage_apply(f->s, 10, NOW, &stale, &err), 0);
  assert_int_equal(stale, 1);
  assert_int_equal(level(f, "N", "AVAILABLE"), 5);
  assert_int_equal(level(f, "E", "AVAILABLE"), 2);
  assert_int_equal(level(f, "E", "QUARANTINE"), 1); /* the event above */
  assert_int_equal(level(f, "S", "AVAILABLE"), 7);
  assert_int_equal(level(f, "Z", "DAMAGED"), 0);
  assert_int_equal(row(f, "U").version, v);
  /* a page writes no row's base: the snapshot's is the applying cursor */
  assert_int_equal(row(f, "N").base_seq, 0);
  assert_int_equal(row(f, "S").base_seq, 20);
  assert_int_equal(row(f, "Z").base_seq, 0);
  assert_int_equal(row(f, "U").base_seq, 8);
  int64_t done = -1, applying = -1;
  assert_int_equal(cg_store_stock_bases(f->s, &done, &applying, &err), 0);
  assert_int_equal(done, 0);
  assert_int_equal(applying, 10);
  /* nothing left staged: an empty apply changes no SKU */
  assert_int_equal(cg_store_stock_stage_apply(f->s, 30, NOW, &stale, &err), 0);
  assert_int_equal(level(f, "N", "AVAILABLE"), 5);
  assert_int_equal(row(f, "U").version, v);
}

/* One SKU as a page of the snapshot as_of (avail units, or none listed
 * when avail < 0), with the record of the SKUs it applied, as the
 * reconcile writes it. */
static void page(struct fx *f, int64_t as_of, const char *sku, int64_t avail)
{
  struct cg_err err = {0};
  struct cg_store_stock_level l = {.status = "AVAILABLE", .quantity = avail};
  char skus[64];
  snprintf(skus, sizeof(skus), "%c%s%c", CG_STORE_STOCK_PAGED_SEP, sku,
           CG_STORE_STOCK_PAGED_SEP);
  assert_int_equal(cg_store_stock_stage(f->s, sku, &l, avail < 0 ? 0 : 1, &err),
                   0);
  assert_int_equal(cg_store_stock_stage_apply(f->s, as_of, NOW, NULL, &err), 0);
  assert_int_equal(cg_store_stock_paged(f->s, as_of, skus, &err), 0);
}

static void snapshot_done(struct fx *f, int64_t as_of)
{
  struct cg_err err = {0};
  char v[32];
  snprintf(v, sizeof(v), "%lld", (long long)as_of);
  assert_int_equal(cg_store_stock_snapshot_applied(f->s, as_of, &err), 0);
  assert_int_equal(
      cg_store_cursor_set(f->s, CG_STORE_STOCK_BASE_CURSOR, v, &err), 0);
}

static void unlisted_are(struct fx *f, int64_t as_of, const char *want)
{
  struct cg_err err = {0};
  struct cg_store_count_list l = {0};
  char got[64] = "";
  assert_int_equal(cg_store_stock_unlisted(f->s, as_of, "", 10, &l, &err), 0);
  for (size_t i = 0; i < l.n; i++)
    strncat(got, l.items[i].name, sizeof(got) - strlen(got) - 1);
  cg_store_count_list_clear(&l);
  assert_string_equal(got, want);
}

/* docs/internals/stock.md "Never applied twice": while the snapshot as
 * of 10 is applied, an event at or below 10 that comes late is held
 * (logged, not applied) when its SKU's page came before it (that page
 * counted it: applied, it would count twice, also after the store is
 * opened again), and applied when the page comes after it (the page
 * recomputes the SKU from the snapshot and the log above it, which leaves
 * it out) or never comes (unlisted: 0); once the snapshot is done its
 * base covers them. */
static void test_page_holds_late_events(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  int64_t done = -1, applying = -1;
  assert_true(apply(f, 1, "A", "AVAILABLE", 10));
  assert_true(apply(f, 2, "B", "AVAILABLE", 4));
  assert_true(apply(f, 3, "C", "AVAILABLE", 1));
  /* the warehouse as of 10 also counted 5 (A +2), 6 (B +3), 4 (C -1) */
  page(f, 10, "A", 12);
  assert_int_equal(level(f, "A", "AVAILABLE"), 12);
  assert_false(apply(f, 5, "A", "AVAILABLE", 2)); /* after its page */
  assert_int_equal(level(f, "A", "AVAILABLE"), 12);
  /* the record of A's page survives a restart (the engine then pages the
   * snapshot again from its start) */
  cg_store_close(f->s);
  assert_int_equal(fx_open(f), 0);
  assert_false(apply(f, 5, "A", "AVAILABLE", 2));  /* a duplicate */
  assert_false(apply(f, 7, "A", "AVAILABLE", -3)); /* another, held */
  assert_int_equal(level(f, "A", "AVAILABLE"), 12);
  assert_int_equal(cg_store_stock_listed_clear(f->s, &err), 0);
  page(f, 10, "A", 12);
  assert_int_equal(level(f, "A", "AVAILABLE"), 12);
  assert_true(apply(f, 6, "B", "AVAILABLE", 3)); /* before its page */
  assert_int_equal(level(f, "B", "AVAILABLE"), 7);
  assert_true(apply(f, 11, "A", "AVAILABLE", -1)); /* above: applied */
  assert_int_equal(level(f, "A", "AVAILABLE"), 11);
  int64_t v = row(f, "B").version;
  page(f, 10, "B", 7);
  assert_int_equal(level(f, "B", "AVAILABLE"), 7);
  assert_int_equal(row(f, "B").version, v);       /* the event had it right */
  assert_false(apply(f, 8, "B", "AVAILABLE", 1)); /* after its page */
  assert_int_equal(level(f, "B", "AVAILABLE"), 7);
  unlisted_are(f, 10, "C");
  assert_true(apply(f, 4, "C", "AVAILABLE", -1)); /* before the pass */
  assert_int_equal(level(f, "C", "AVAILABLE"), 0);
  page(f, 10, "C", -1); /* the unlisted pass */
  assert_int_equal(level(f, "C", "AVAILABLE"), 0);
  unlisted_are(f, 10, "");
  /* a page paged again from its start changes nothing */
  assert_int_equal(cg_store_stock_listed_clear(f->s, &err), 0);
  unlisted_are(f, 10, "ABC");
  v = row(f, "A").version;
  page(f, 10, "A", 12);
  assert_int_equal(level(f, "A", "AVAILABLE"), 11);
  assert_int_equal(row(f, "A").version, v);
  snapshot_done(f, 10);
  assert_int_equal(cg_store_stock_bases(f->s, &done, &applying, &err), 0);
  assert_int_equal(done, 10);
  assert_int_equal(applying, 0);
  unlisted_are(f, 20, "ABC"); /* the listed SKUs are forgotten */
  /* at or below the base now, held or not; above it, applied once */
  assert_false(apply(f, 5, "A", "AVAILABLE", 2));
  assert_false(apply(f, 9, "B", "AVAILABLE", 1));
  assert_false(apply(f, 11, "A", "AVAILABLE", -1));
  assert_true(apply(f, 12, "B", "AVAILABLE", 1));
  assert_int_equal(level(f, "A", "AVAILABLE"), 11);
  assert_int_equal(level(f, "B", "AVAILABLE"), 8);
  /* the pages' records went with the snapshot */
  assert_int_equal(fx_sql_int(f->path, "SELECT count(*) FROM stock_paged"), 0);
  assert_int_equal(level(f, "C", "AVAILABLE"), 0);
}

/* A newer snapshot's pages came first, then an older one was applied
 * whole: the older one recomputes every SKU from the log above it, so the
 * events held for the newer one count once, and a late event between the
 * two is applied (the SKU's latest page is the older one's). */
static void test_older_snapshot_after_newer(void **state)
{
  struct fx *f = *state;
  int64_t done = -1, applying = -1;
  struct cg_err err = {0};
  assert_true(apply(f, 1, "A", "AVAILABLE", 10));
  page(f, 20, "A", 10); /* as of 20: nothing more yet */
  assert_false(apply(f, 15, "A", "AVAILABLE", 5)); /* held for 20 */
  assert_int_equal(level(f, "A", "AVAILABLE"), 10);
  assert_int_equal(cg_store_stock_listed_clear(f->s, &err), 0);
  page(f, 12, "A", 10); /* as of 12: 15 is after it, from the log */
  assert_int_equal(level(f, "A", "AVAILABLE"), 15);
  /* A's latest page is as of 12: a late 14 is not in it */
  assert_true(apply(f, 14, "A", "AVAILABLE", 1));
  assert_int_equal(level(f, "A", "AVAILABLE"), 16);
  snapshot_done(f, 12);
  assert_int_equal(cg_store_stock_bases(f->s, &done, &applying, &err), 0);
  assert_int_equal(done, 12);
  assert_int_equal(applying, 0);
  assert_false(apply(f, 15, "A", "AVAILABLE", 5)); /* logged: once */
  assert_int_equal(level(f, "A", "AVAILABLE"), 16);
}

/* A Centra page staged: read back in SKU order with rows and levels,
 * recorded for all but the skipped ones, the stage then empty. */
static void test_centra_stage(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  struct cg_store_stock_seen_list l = {0};
  assert_true(apply(f, 1, "B", "AVAILABLE", 4));
  assert_true(apply(f, 2, "B", "DAMAGED", 1));
  assert_true(apply(f, 3, "C", "AVAILABLE", 1));
  assert_int_equal(cg_store_stock_cstage(f->s, "C", 6, 10, &err), 0);
  assert_int_equal(cg_store_stock_cstage(f->s, "X", 2, 10, &err), 0);
  assert_int_equal(cg_store_stock_cstage(f->s, "B", 3, 10, &err), 0);
  assert_int_equal(cg_store_stock_cstage(f->s, "B", 4, 20, &err), 0); /* last */
  assert_int_equal(cg_store_stock_cstage_read(f->s, &l, &err), 0);
  assert_int_equal(l.n, 3);
  assert_string_equal(l.items[0].sku, "B");
  assert_true(l.items[0].known);
  assert_int_equal(l.items[0].centra, 4);
  assert_int_equal(l.items[0].asked_ms, 20);
  assert_int_equal(l.items[0].n, 2);
  assert_string_equal(l.items[0].levels[0].status, "AVAILABLE");
  assert_int_equal(l.items[0].levels[0].quantity, 4);
  assert_string_equal(l.items[1].sku, "C");
  assert_false(l.items[2].known); /* X: no row */
  assert_int_equal(l.items[2].n, 0);
  cg_store_stock_seen_list_clear(&l);
  assert_int_equal(cg_store_stock_cstage_skip(f->s, "C", &err), 0);
  assert_int_equal(cg_store_stock_cstage_skip(f->s, "X", &err), 0);
  assert_int_equal(cg_store_stock_cstage_seen(f->s, NOW, &err), 0);
  assert_int_equal(row(f, "B").centra_qty, 4);
  assert_int_equal(row(f, "B").reconciled_at, NOW);
  assert_false(row(f, "C").centra_known);
  struct cg_store_stock x = {0};
  assert_int_equal(cg_store_stock_get(f->s, "X", &x, &err), CG_ENOTFOUND);
  cg_store_stock_clear(&x);
  assert_int_equal(cg_store_stock_cstage_read(f->s, &l, &err), 0);
  assert_int_equal(l.n, 0);
  cg_store_stock_seen_list_clear(&l);
}

static void seq_state(struct fx *f, int64_t w, int64_t h, bool hole)
{
  struct cg_err err = {0};
  int64_t gw = -1, gh = -1, since = -1;
  assert_int_equal(cg_store_stock_seq_state(f->s, &gw, &gh, &since, &err), 0);
  assert_int_equal(gw, w);
  assert_int_equal(gh, h);
  assert_int_equal(since > 0, hole);
}

/* A stock change published under a bogus far-ahead sequence is real
 * (the warehouse applied it), so a snapshot taken after it holds it. Once
 * the snapshot proves the sequence bogus, the logged change goes with it
 * before the snapshot is applied; left in the log above every snapshot's
 * sequence, it was added to each one for good. */
static void test_bogus_change_not_counted_twice(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  int64_t dropped = 0;
  snapshot(f, "A", 10, 0, false);
  assert_int_equal(cg_store_stock_seq_seen(f->s, 1, &err), 0);
  assert_true(apply(f, 1, "A", "AVAILABLE", 2));
  assert_int_equal(cg_store_stock_seq_seen(f->s, 900001, &err), 0);
  assert_true(apply(f, 900001, "A", "AVAILABLE", 5));
  assert_int_equal(level(f, "A", "AVAILABLE"), 17);
  /* a fresh snapshot as of 1, asked for after 900001 was seen: 17 */
  assert_int_equal(
      cg_store_stock_seq_drop_ahead(f->s, 1, INT64_MAX - 1, &dropped, &err), 0);
  assert_int_equal(dropped, 1);
  snapshot(f, "A", 17, 1, false);
  assert_int_equal(level(f, "A", "AVAILABLE"), 17);
  snapshot(f, "A", 17, 2, false); /* and the next one */
  assert_int_equal(level(f, "A", "AVAILABLE"), 17);
}

static void seen(struct fx *f, int64_t seq)
{
  struct cg_err err = {0};
  assert_int_equal(cg_store_stock_seq_seen(f->s, seq, &err), 0);
}

static void test_sequences(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  seq_state(f, 0, 0, false);
  seen(f, 1);
  seen(f, 2);
  seen(f, 2);
  seq_state(f, 2, 2, false);
  seen(f, 5);
  seen(f, 4);
  seq_state(f, 2, 5, true); /* 3 missing */
  seen(f, 3);
  seq_state(f, 5, 5, false); /* filled: over 4 and 5 */
  seen(f, 9);
  seen(f, 7);
  seq_state(f, 5, 9, true);
  seen(f, 6);
  seq_state(f, 7, 9, true); /* 8 still missing */
  /* a snapshot as of 8 covers the hole; 9 seen above it */
  assert_int_equal(cg_store_stock_seq_cover(f->s, 8, &err), 0);
  seq_state(f, 9, 9, false);
  assert_int_equal(cg_store_stock_seq_cover(f->s, 4, &err), 0); /* older */
  seq_state(f, 9, 9, false);
  assert_int_equal(cg_store_stock_seq_cover(f->s, 20, &err), 0);
  seq_state(f, 20, 20, false);
  seen(f, 15);
  seq_state(f, 20, 20, false);
  assert_int_equal(cg_store_stock_seq_seen(f->s, 0, &err), CG_EINVAL);
  /* a bogus far-ahead sequence holds a hole open ... */
  seen(f, 900001);
  seq_state(f, 20, 900001, true);
  /* ... until a fresh snapshot as of 21, asked for after it was seen:
   * it was never the warehouse's; a later true one is kept */
  int64_t dropped = -1;
  assert_int_equal(cg_store_stock_seq_cover(f->s, 21, &err), 0);
  assert_int_equal(
      cg_store_stock_seq_drop_ahead(f->s, 21, INT64_MAX - 1, &dropped, &err),
      0);
  assert_int_equal(dropped, 1);
  seq_state(f, 21, 21, false);
  seen(f, 23);
  assert_int_equal(cg_store_stock_seq_drop_ahead(f->s, 21, 1, &dropped, &err),
                   0);
  assert_int_equal(dropped, 0);
  seq_state(f, 21, 23, true);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_apply_once, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_snapshot_and_later_events, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_bogus_change_not_counted_twice,
                                      fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_snapshot_as_of_zero, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_nomem_atomic, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_unlisted, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_new_sku_after_snapshot, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_dispatch_and_return, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_batches, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_hold_clean_centra, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_sequences, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_stage_page, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_page_holds_late_events, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_older_snapshot_after_newer, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_centra_stage, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
