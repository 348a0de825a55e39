/*
 * Unit tests for the store's item master (schema step 10,
 * docs/internals/items.md): a row is dirty exactly when it has a doc, is
 * not excluded and its hash differs from the hash last answered; the same
 * content read again is clean; an answer about a stale hash only frees the
 * batch; placeholders and rows made outside the engine take any answer;
 * exclusion and its return; the due order (urgent first); batches; the
 * order waits; the launch-readiness list and counts; refuse and resend;
 * and a v9 store migrated to step 10 keeps its rows.
 */
#include "store_fixture.h"

#include "store/store_int.h"
#include "store/store_items.h"

#include <string.h>

#define NOW 1000000
#define H1 "1111111111111111111111111111111111111111111111111111111111111111"
#define H2 "2222222222222222222222222222222222222222222222222222222222222222"

/* Reads sku from Centra with content hash (NULL: excluded); the dirty
 * flag afterwards. */
static bool source_at(struct fx *f, const char *sku, const char *hash,
                      int64_t sweep, int64_t now)
{
  struct cg_err err = {0};
  struct cg_store_item_source src = {
      .sku = sku,
      .doc = hash ? "{\"sku\":\"x\"}" : NULL,
      .hash = hash,
      .excluded = hash == NULL,
      .product_id = 7,
      .size_id = 70,
      .source_updated_at = "2026-11-01T00:00:00Z",
      .sweep = sweep,
  };
  bool dirty = !hash;
  assert_int_equal(cg_store_item_source(f->s, &src, now, &dirty, &err), 0);
  return dirty;
}

static bool source(struct fx *f, const char *sku, const char *hash)
{
  return source_at(f, sku, hash, 0, NOW);
}

/* The answer about hash from batch (0: from no batch). */
static bool answer_from(struct fx *f, const char *sku, const char *hash,
                        int64_t batch, enum cg_store_item_state st)
{
  struct cg_err err = {0};
  bool applied = false;
  const char *reason = st == CG_STORE_ITEM_REJECTED ? "{\"code\":\"x\"}" : NULL;
  assert_int_equal(cg_store_item_answer(f->s, sku, hash, batch, st, reason,
                                        NOW + 5, &applied, &err),
                   0);
  return applied;
}

static bool answer(struct fx *f, const char *sku, const char *hash,
                   enum cg_store_item_state st)
{
  return answer_from(f, sku, hash, 0, st);
}

/* The SKU's row; the caller clears it. */
static struct cg_store_item row(struct fx *f, const char *sku)
{
  struct cg_err err = {0};
  struct cg_store_item r = {0};
  assert_int_equal(cg_store_item_get(f->s, sku, &r, &err), 0);
  return r;
}

/* The SKU's row without its strings (nothing to free). */
static struct cg_store_item plain(struct fx *f, const char *sku)
{
  struct cg_store_item r = row(f, sku), out = r;
  out.sku = out.doc = out.reason = out.source_updated_at = NULL;
  cg_store_item_clear(&r);
  return out;
}

static enum cg_store_item_state state_of(struct fx *f, const char *sku)
{
  struct cg_err err = {0};
  enum cg_store_item_state st = CG_STORE_ITEM_PENDING;
  assert_int_equal(cg_store_item_state(f->s, sku, &st, &err), 0);
  return st;
}

/* The due SKUs, comma-joined, into out. */
static const char *due(struct fx *f, size_t limit, char *out, size_t size)
{
  struct cg_err err = {0};
  struct cg_store_item_list l = {0};
  assert_int_equal(cg_store_items_due(f->s, limit, &l, &err), 0);
  size_t len = 0;
  out[0] = '\0';
  for (size_t i = 0; i < l.n && len < size; i++) {
    assert_non_null(l.items[i].doc);
    len += (size_t)snprintf(out + len, size - len, "%s%s", i ? "," : "",
                            l.items[i].sku);
  }
  cg_store_item_list_clear(&l);
  return out;
}

static void test_state_names(void **state)
{
  (void)state;
  for (int i = CG_STORE_ITEM_NONE; i <= CG_STORE_ITEM_EXCLUDED; i++) {
    const char *n = cg_store_item_state_name((enum cg_store_item_state)i);
    assert_int_equal(cg_store_item_state_parse(n), i);
  }
  assert_string_equal(cg_store_item_state_name(CG_STORE_ITEM_ACCEPTED),
                      "accepted");
  assert_int_equal(cg_store_item_state_parse("bogus"), CG_STORE_ITEM_NONE);
  assert_int_equal(cg_store_item_state_parse(NULL), CG_STORE_ITEM_NONE);
}

/* Answered: clean; the same content again stays clean, a new one is
 * dirty and the row stays accepted. */
static void check_second_read(struct fx *f)
{
  struct cg_store_item r = {0};
  assert_true(answer(f, "A", H1, CG_STORE_ITEM_ACCEPTED));
  r = row(f, "A");
  assert_int_equal(r.state, CG_STORE_ITEM_ACCEPTED);
  assert_string_equal(r.answered_hash, H1);
  assert_int_equal(r.dirty_since, 0);
  assert_int_equal(r.answered_at, NOW + 5);
  assert_null(r.reason);
  cg_store_item_clear(&r);
  /* a second sweep with the same content sends nothing */
  assert_false(source_at(f, "A", H1, 4, NOW + 10));
  assert_int_equal(plain(f, "A").seen_sweep, 4);
  /* a changed product: dirty again, still accepted (orders keep flowing) */
  assert_true(source_at(f, "A", H2, 0, NOW + 20));
  assert_int_equal(state_of(f, "A"), CG_STORE_ITEM_ACCEPTED);
  r = row(f, "A");
  assert_int_equal(r.dirty_since, NOW + 20);
  cg_store_item_clear(&r);
  /* and back to the answered content: clean */
  assert_false(source(f, "A", H1));
}

/* An answer from no batch (the gate's look-up, hash "", an event, the
 * engine's refusal) never frees a row from the batch in flight: its
 * content is not sent twice, and a row with a doc never takes hash "". */
static void test_answer_keeps_batch(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  char buf[64];
  assert_true(source(f, "A", H1));
  assert_true(answer(f, "A", H1, CG_STORE_ITEM_REJECTED));
  assert_true(source(f, "A", H2)); /* fixed in Centra */
  assert_int_equal(cg_store_item_batch_set(f->s, "A", 4, &err), 0);
  /* the order gate found the SKU at the warehouse */
  assert_false(answer(f, "A", "", CG_STORE_ITEM_ACCEPTED));
  struct cg_store_item r = plain(f, "A");
  assert_int_equal(r.batch, 4);
  assert_int_equal(r.state, CG_STORE_ITEM_REJECTED);
  assert_true(r.dirty_since > 0);
  assert_string_equal(due(f, 10, buf, sizeof(buf)), ""); /* not again */
  /* the engine refuses the current content: the batch keeps the row */
  assert_int_equal(cg_store_item_refuse(f->s, "A", "{}", NOW, &err), 0);
  assert_int_equal(plain(f, "A").batch, 4);
  /* the batch's own answer (about H2) applies and frees it */
  assert_true(answer_from(f, "A", H2, 4, CG_STORE_ITEM_ACCEPTED));
  r = plain(f, "A");
  assert_int_equal(r.batch, 0);
  assert_int_equal(r.state, CG_STORE_ITEM_ACCEPTED);
}

/* dirty iff hash != answered_hash; the same content again is clean. */
static void test_source_and_answer(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  struct cg_store_item r = {0};
  assert_int_equal(cg_store_item_get(f->s, "A", &r, &err), CG_ENOTFOUND);
  assert_int_equal(state_of(f, "A"), CG_STORE_ITEM_NONE);
  assert_true(source_at(f, "A", H1, 3, NOW));
  r = row(f, "A");
  assert_int_equal(r.state, CG_STORE_ITEM_PENDING);
  assert_string_equal(r.hash, H1);
  assert_string_equal(r.answered_hash, "");
  assert_int_equal(r.dirty_since, NOW);
  assert_int_equal(r.product_id, 7);
  assert_int_equal(r.size_id, 70);
  assert_int_equal(r.seen_sweep, 3);
  assert_int_equal(r.first_seen, NOW);
  assert_string_equal(r.source_updated_at, "2026-11-01T00:00:00Z");
  cg_store_item_clear(&r);
  /* still dirty: the first dirty time is kept; a delta keeps the sweep */
  assert_true(source_at(f, "A", H1, 0, NOW + 1));
  r = row(f, "A");
  assert_int_equal(r.dirty_since, NOW);
  assert_int_equal(r.seen_sweep, 3);
  cg_store_item_clear(&r);
  check_second_read(f);
}

/* An answer about a stale hash only frees the row from its batch. */
static void test_stale_answer(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  char buf[64];
  assert_true(source(f, "A", H1));
  assert_int_equal(cg_store_item_batch_set(f->s, "A", 9, &err), 0);
  assert_string_equal(due(f, 10, buf, sizeof(buf)), "");
  assert_true(source(f, "A", H2)); /* changed while in flight */
  assert_false(answer(f, "A", H1, CG_STORE_ITEM_ACCEPTED)); /* not batch 9 */
  assert_int_equal(plain(f, "A").batch, 9);
  assert_false(answer_from(f, "A", H1, 8, CG_STORE_ITEM_ACCEPTED));
  assert_int_equal(plain(f, "A").batch, 9);
  assert_false(answer_from(f, "A", H1, 9, CG_STORE_ITEM_ACCEPTED));
  struct cg_store_item r = row(f, "A");
  assert_int_equal(r.state, CG_STORE_ITEM_PENDING);
  assert_int_equal(r.batch, 0);
  assert_string_equal(r.answered_hash, "");
  assert_true(r.dirty_since > 0);
  cg_store_item_clear(&r);
  assert_string_equal(due(f, 10, buf, sizeof(buf)), "A");
  /* the current content rejected: clean, reason kept, not sent again */
  assert_true(answer(f, "A", H2, CG_STORE_ITEM_REJECTED));
  r = row(f, "A");
  assert_int_equal(r.state, CG_STORE_ITEM_REJECTED);
  assert_string_equal(r.reason, "{\"code\":\"x\"}");
  assert_int_equal(r.dirty_since, 0);
  cg_store_item_clear(&r);
  assert_false(source(f, "A", H2));
  assert_string_equal(due(f, 10, buf, sizeof(buf)), "");
  /* fixed in Centra: sent again, accepted clears the reason */
  assert_true(source(f, "A", H1));
  assert_true(answer(f, "A", H1, CG_STORE_ITEM_ACCEPTED));
  r = row(f, "A");
  assert_null(r.reason);
  cg_store_item_clear(&r);
}

/* Excluded rows are clean and never due; back, they are pending and sent
 * again whatever was answered before. */
static void test_excluded_and_back(void **state)
{
  struct fx *f = *state;
  char buf[64];
  assert_false(source(f, "NEW", NULL));
  assert_int_equal(state_of(f, "NEW"), CG_STORE_ITEM_EXCLUDED);
  struct cg_store_item r = row(f, "NEW");
  assert_null(r.doc);
  assert_int_equal(r.dirty_since, 0);
  cg_store_item_clear(&r);
  assert_true(source(f, "A", H1));
  assert_true(answer(f, "A", H1, CG_STORE_ITEM_ACCEPTED));
  assert_false(source(f, "A", NULL));
  assert_int_equal(state_of(f, "A"), CG_STORE_ITEM_EXCLUDED);
  /* the warehouse's word does not override the pack's exclusion */
  assert_false(answer(f, "A", H1, CG_STORE_ITEM_REJECTED));
  assert_int_equal(state_of(f, "A"), CG_STORE_ITEM_EXCLUDED);
  assert_string_equal(due(f, 10, buf, sizeof(buf)), "");
  assert_true(source(f, "A", H1));
  r = row(f, "A");
  assert_int_equal(r.state, CG_STORE_ITEM_PENDING);
  assert_string_equal(r.answered_hash, "");
  cg_store_item_clear(&r);
  assert_string_equal(due(f, 10, buf, sizeof(buf)), "A");
}

/* A placeholder (an order waits on a SKU never read) is urgent, never due
 * without a doc, and takes any answer; an answer for an unknown SKU (the
 * fallback look-up) makes a row without doc. */
static void test_placeholders(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  char buf[64];
  assert_int_equal(cg_store_item_wait_add(f->s, "P", "1001", NOW, &err), 0);
  struct cg_store_item r = row(f, "P");
  assert_int_equal(r.state, CG_STORE_ITEM_PENDING);
  assert_null(r.doc);
  assert_true(r.urgent);
  assert_int_equal(r.dirty_since, 0);
  cg_store_item_clear(&r);
  assert_string_equal(due(f, 10, buf, sizeof(buf)), "");
  /* read from Centra: dirty, still urgent, sent before older rows */
  assert_true(source_at(f, "OLD", H1, 0, NOW - 100));
  assert_true(source(f, "P", H1));
  assert_string_equal(due(f, 10, buf, sizeof(buf)), "P,OLD");
  bool any = false, urgent = false;
  assert_int_equal(cg_store_items_any_due(f->s, &any, &urgent, &err), 0);
  assert_true(any && urgent);
  assert_true(answer(f, "P", H1, CG_STORE_ITEM_ACCEPTED));
  assert_false(plain(f, "P").urgent);
  assert_int_equal(cg_store_items_any_due(f->s, &any, &urgent, &err), 0);
  assert_true(any);
  assert_false(urgent);
  /* a placeholder takes an answer whatever its hash */
  assert_int_equal(cg_store_item_wait_add(f->s, "Q", "1002", NOW, &err), 0);
  assert_true(answer(f, "Q", "", CG_STORE_ITEM_ACCEPTED));
  assert_int_equal(state_of(f, "Q"), CG_STORE_ITEM_ACCEPTED);
  /* made outside the engine: found by the fallback */
  assert_true(answer(f, "EXT", "", CG_STORE_ITEM_ACCEPTED));
  r = row(f, "EXT");
  assert_int_equal(r.state, CG_STORE_ITEM_ACCEPTED);
  assert_null(r.doc);
  assert_int_equal(r.first_seen, NOW + 5);
  cg_store_item_clear(&r);
  assert_true(answer(f, "EXT", H2, CG_STORE_ITEM_REJECTED));
  assert_int_equal(state_of(f, "EXT"), CG_STORE_ITEM_REJECTED);
}

static size_t count_list_n(struct cg_store_count_list *l, const char *joined,
                           char *buf, size_t size)
{
  size_t len = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < l->n && len < size; i++)
    len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? "," : "",
                            l->items[i].name);
  assert_string_equal(buf, joined);
  size_t n = l->n;
  cg_store_count_list_clear(l);
  return n;
}

static void check_waiters(struct fx *f, const char *sku, const char *joined)
{
  struct cg_err err = {0};
  struct cg_store_count_list l = {0};
  char buf[128];
  assert_int_equal(cg_store_item_waiters(f->s, sku, 10, &l, &err), 0);
  count_list_n(&l, joined, buf, sizeof(buf));
}

static void check_waits_of(struct fx *f, const char *order, const char *joined)
{
  struct cg_err err = {0};
  struct cg_store_count_list l = {0};
  char buf[128];
  assert_int_equal(cg_store_item_waits_of(f->s, order, &l, &err), 0);
  count_list_n(&l, joined, buf, sizeof(buf));
}

/* Waits: add, list both ways, remove and clear, each idempotent. */
static void test_waits(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  assert_true(source(f, "A", H1));
  assert_false(plain(f, "A").urgent);
  for (int i = 0; i < 2; i++) {
    assert_int_equal(cg_store_item_wait_add(f->s, "A", "1001", NOW, &err), 0);
    assert_int_equal(cg_store_item_wait_add(f->s, "B", "1001", NOW, &err), 0);
    assert_int_equal(cg_store_item_wait_add(f->s, "A", "1002", NOW, &err), 0);
  }
  assert_true(plain(f, "A").urgent);
  assert_int_equal(plain(f, "A").dirty_since, NOW); /* content untouched */
  check_waiters(f, "A", "1001,1002");
  check_waits_of(f, "1001", "A,B");
  struct cg_store_count_list l = {0};
  assert_int_equal(cg_store_item_waiters(f->s, "A", 1, &l, &err), 0);
  assert_int_equal(l.n, 1);
  assert_int_equal(l.items[0].count, NOW);
  cg_store_count_list_clear(&l);
  for (int i = 0; i < 2; i++)
    assert_int_equal(cg_store_item_wait_remove(f->s, "A", "1001", &err), 0);
  check_waits_of(f, "1001", "B");
  check_waiters(f, "A", "1002");
  for (int i = 0; i < 2; i++)
    assert_int_equal(cg_store_item_waits_clear(f->s, "1002", &err), 0);
  check_waiters(f, "A", "");
  check_waiters(f, "B", "1001");
  assert_int_equal(cg_store_item_wait_add(f->s, "", "1", NOW, &err), CG_EINVAL);
  assert_int_equal(cg_store_item_wait_add(f->s, "A", NULL, NOW, &err),
                   CG_EINVAL);
}

/* wait_add is atomic: a failing wait leaves no placeholder behind. */
static void test_wait_add_atomic(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  assert_int_equal(sqlite3_exec(f->s->db,
                                "CREATE TEMP TRIGGER no_wait BEFORE INSERT"
                                " ON item_waits BEGIN"
                                " SELECT RAISE(ABORT, 'refused'); END",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  assert_int_equal(cg_store_item_wait_add(f->s, "P", "1001", NOW, &err),
                   CG_EDB);
  assert_int_equal(state_of(f, "P"), CG_STORE_ITEM_NONE);
  assert_int_equal(
      sqlite3_exec(f->s->db, "DROP TRIGGER no_wait", NULL, NULL, NULL),
      SQLITE_OK);
  assert_int_equal(cg_store_item_wait_add(f->s, "P", "1001", NOW, &err), 0);
  check_waits_of(f, "1001", "P");
}

/* A SKU is in at most one batch; the due order; a freed batch stays
 * dirty. */
static void test_batches(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  char buf[64];
  bool any = true, urgent = true;
  assert_int_equal(cg_store_items_any_due(f->s, &any, &urgent, &err), 0);
  assert_false(any || urgent);
  assert_true(source_at(f, "C", H1, 0, NOW + 2));
  assert_true(source_at(f, "B", H1, 0, NOW + 1));
  assert_true(source_at(f, "A", H1, 0, NOW + 1));
  assert_string_equal(due(f, 10, buf, sizeof(buf)), "A,B,C");
  assert_string_equal(due(f, 2, buf, sizeof(buf)), "A,B");
  assert_int_equal(cg_store_item_batch_set(f->s, "A", 1, &err), 0);
  assert_int_equal(cg_store_item_batch_set(f->s, "A", 1, &err), 0);
  assert_int_equal(cg_store_item_batch_set(f->s, "B", 1, &err), 0);
  assert_int_equal(cg_store_item_batch_set(f->s, "A", 2, &err), CG_EEXIST);
  assert_int_equal(cg_store_item_batch_set(f->s, "Z", 2, &err), CG_ENOTFOUND);
  assert_int_equal(cg_store_item_batch_set(f->s, "A", 0, &err), CG_EINVAL);
  assert_int_equal(cg_store_item_batch_set(f->s, "C", 2, &err), 0);
  assert_string_equal(due(f, 10, buf, sizeof(buf)), "");
  assert_int_equal(cg_store_items_any_due(f->s, &any, &urgent, &err), 0);
  assert_false(any);
  assert_int_equal(cg_store_items_batch_free(f->s, 1, &err), 0);
  assert_string_equal(due(f, 10, buf, sizeof(buf)), "A,B");
  assert_int_equal(plain(f, "A").batch, 0);
  assert_int_equal(plain(f, "C").batch, 2);
  assert_int_equal(plain(f, "A").dirty_since, NOW + 1);
}

static void check_list(struct fx *f, enum cg_store_item_state st,
                       const char *after, size_t limit, const char *joined)
{
  struct cg_err err = {0};
  struct cg_store_item_list l = {0};
  char buf[128];
  size_t len = 0;
  buf[0] = '\0';
  assert_int_equal(cg_store_items_list(f->s, st, after, limit, &l, &err), 0);
  for (size_t i = 0; i < l.n; i++)
    len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? "," : "",
                            l.items[i].sku);
  cg_store_item_list_clear(&l);
  assert_string_equal(buf, joined);
}

static int64_t count_of(struct fx *f, const char *name)
{
  struct cg_err err = {0};
  struct cg_store_count_list l = {0};
  int64_t n = 0;
  assert_int_equal(cg_store_items_counts(f->s, &l, &err), 0);
  for (size_t i = 0; i < l.n; i++)
    if (strcmp(l.items[i].name, name) == 0)
      n = l.items[i].count;
  cg_store_count_list_clear(&l);
  return n;
}

/* The launch-readiness list, paged by SKU, and the counts per state. */
static void test_list_and_counts(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  struct cg_store_item_list l = {0};
  const char *skus[] = {"E", "D", "C", "B", "A", "X"};
  for (size_t i = 0; i < 6; i++)
    assert_true(source(f, skus[i], H1));
  assert_true(answer(f, "B", H1, CG_STORE_ITEM_REJECTED));
  assert_true(answer(f, "D", H1, CG_STORE_ITEM_REJECTED));
  assert_true(answer(f, "C", H1, CG_STORE_ITEM_ACCEPTED));
  assert_false(source(f, "X", NULL));
  check_list(f, CG_STORE_ITEM_NONE, "", 10, "A,B,D,E");
  check_list(f, CG_STORE_ITEM_NONE, NULL, 2, "A,B");
  check_list(f, CG_STORE_ITEM_NONE, "B", 2, "D,E");
  check_list(f, CG_STORE_ITEM_NONE, "E", 2, "");
  check_list(f, CG_STORE_ITEM_PENDING, "", 10, "A,E");
  check_list(f, CG_STORE_ITEM_PENDING, "A", 10, "E");
  check_list(f, CG_STORE_ITEM_REJECTED, "", 1, "B");
  check_list(f, CG_STORE_ITEM_REJECTED, "B", 1, "D");
  assert_int_equal(
      cg_store_items_list(f->s, CG_STORE_ITEM_ACCEPTED, "", 10, &l, &err),
      CG_EINVAL);
  assert_int_equal(count_of(f, "pending"), 2);
  assert_int_equal(count_of(f, "rejected"), 2);
  assert_int_equal(count_of(f, "accepted"), 1);
  assert_int_equal(count_of(f, "excluded"), 1);
}

/* refuse: rejected locally for the current content; resend: answered
 * content sent again. */
static void test_refuse_and_resend(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  char buf[64];
  assert_int_equal(cg_store_item_refuse(f->s, "A", "{}", NOW, &err),
                   CG_ENOTFOUND);
  assert_int_equal(cg_store_item_resend(f->s, "A", NOW, &err), CG_ENOTFOUND);
  assert_true(source(f, "A", H1));
  assert_int_equal(
      cg_store_item_refuse(f->s, "A", "{\"source\":\"engine\"}", NOW + 1, &err),
      0);
  struct cg_store_item r = row(f, "A");
  assert_int_equal(r.state, CG_STORE_ITEM_REJECTED);
  assert_string_equal(r.reason, "{\"source\":\"engine\"}");
  assert_string_equal(r.answered_hash, H1);
  assert_int_equal(r.dirty_since, 0);
  cg_store_item_clear(&r);
  assert_string_equal(due(f, 10, buf, sizeof(buf)), "");
  assert_int_equal(cg_store_item_resend(f->s, "A", NOW + 9, &err), 0);
  r = row(f, "A");
  assert_string_equal(r.answered_hash, "");
  assert_int_equal(r.dirty_since, NOW + 9);
  assert_int_equal(r.state, CG_STORE_ITEM_REJECTED);
  cg_store_item_clear(&r);
  assert_string_equal(due(f, 10, buf, sizeof(buf)), "A");
  /* a row without doc only becomes urgent */
  assert_true(answer(f, "EXT", "", CG_STORE_ITEM_REJECTED));
  assert_int_equal(cg_store_item_resend(f->s, "EXT", NOW + 9, &err), 0);
  r = row(f, "EXT");
  assert_true(r.urgent);
  assert_int_equal(r.dirty_since, 0);
  cg_store_item_clear(&r);
  assert_string_equal(due(f, 10, buf, sizeof(buf)), "A");
}

static void test_bad_input(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  struct cg_store_item_source src = {.sku = "A", .doc = "{}", .hash = NULL};
  assert_int_equal(cg_store_item_source(f->s, &src, NOW, NULL, &err),
                   CG_EINVAL);
  src.hash = H1 "0";
  assert_int_equal(cg_store_item_source(f->s, &src, NOW, NULL, &err),
                   CG_EINVAL);
  src.hash = H1;
  src.doc = NULL;
  assert_int_equal(cg_store_item_source(f->s, &src, NOW, NULL, &err),
                   CG_EINVAL);
  src.sku = "";
  assert_int_equal(cg_store_item_source(f->s, &src, NOW, NULL, &err),
                   CG_EINVAL);
  assert_int_equal(cg_store_item_answer(f->s, "A", H1, 0, CG_STORE_ITEM_PENDING,
                                        NULL, NOW, NULL, &err),
                   CG_EINVAL);
  assert_int_equal(cg_store_item_answer(f->s, "A", NULL, 0,
                                        CG_STORE_ITEM_ACCEPTED, NULL, NOW, NULL,
                                        &err),
                   CG_EINVAL);
  assert_int_equal(fx_sql_exec(f->path, "INSERT INTO items (sku, state,"
                                        " first_seen, updated_at)"
                                        " VALUES ('Z', 'bogus', 0, 0)"),
                   -1);
}

/* Writes a store at version 9 with a stock row and an order. */
static void write_v9_store(const char *path)
{
  sqlite3 *db = NULL;
  struct cg_err err = {0};
  int v = 0;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(
      cg__store_migrate(db, path, cg__store_migrations, 9, &v, &err), 0);
  assert_int_equal(v, 9);
  assert_int_equal(sqlite3_exec(db,
                                "INSERT INTO stock (sku, updated_at)"
                                " VALUES ('S1', 5);"
                                "INSERT INTO orders (number, state,"
                                " created_at, updated_at)"
                                " VALUES ('1001', 'held', 1, 1);",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  sqlite3_close(db);
}

static void test_migrate_from_v9(void **state)
{
  struct fx *f = *state;
  char path[600];
  snprintf(path, sizeof(path), "%s/v9.db", f->dir);
  write_v9_store(path);
  struct cg_store_opts o = {.path = path, .name = "test"};
  struct cg_store *s = NULL;
  struct cg_err err = {0};
  assert_int_equal(cg_store_open(&o, &s, &err), 0);
  assert_int_equal(cg_store_schema_version(s), CG_STORE_SCHEMA_VERSION);
  assert_int_equal(fx_sql_int(path, "SELECT count(*) FROM stock"), 1);
  assert_int_equal(fx_sql_int(path, "SELECT count(*) FROM orders"), 1);
  assert_int_equal(fx_sql_int(path, "SELECT count(*) FROM schema_migrations"
                                    " WHERE version = 10"),
                   1);
  assert_int_equal(fx_sql_int(path, "SELECT count(*) FROM sqlite_master"
                                    " WHERE name IN ('items_due',"
                                    " 'items_batch', 'items_open',"
                                    " 'items_state', 'item_waits_order')"),
                   5);
  assert_int_equal(cg_store_item_wait_add(s, "S1", "1001", NOW, &err), 0);
  assert_int_equal(cg_store_integrity_check(s, &err), 0);
  cg_store_close(s);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_state_names),
      cmocka_unit_test_setup_teardown(test_source_and_answer, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_stale_answer, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_answer_keeps_batch, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_excluded_and_back, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_placeholders, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_waits, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_wait_add_atomic, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_batches, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_list_and_counts, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_refuse_and_resend, fx_setup,
                                      fx_teardown),
      cmocka_unit_test_setup_teardown(test_bad_input, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_migrate_from_v9, fx_setup,
                                      fx_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
