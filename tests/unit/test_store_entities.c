/*
 * Unit tests for the store's orders and order lines, exceptions (dedupe
 * while open, bump, resolve, retry requests, counts) and the audit
 * timeline.
 */
#include "store_fixture.h"

#include "base/log.h"

#include <string.h>

static void upsert(struct fx *f, const char *number,
                   enum cg_store_order_state st, const char *payload)
{
  struct cg_err err = {0};
  struct cg_store_order o = {.number = (char *)number,
                             .centra_id = "c-1",
                             .centra_status = "CONFIRMED",
                             .state = st,
                             .payload = (char *)payload,
                             .rule_generation = "default@1#aa"};
  assert_int_equal(cg_store_order_upsert(f->s, &o, &err), 0);
}

static void test_orders(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  struct cg_store_order o;
  assert_int_equal(cg_store_order_get(f->s, "83651", &o, &err), CG_ENOTFOUND);
  upsert(f, "83651", CG_STORE_ORDER_RECEIVED, "{\"v\":1}");
  upsert(f, "83652", CG_STORE_ORDER_RECEIVED, "{}");
  upsert(f, "83651", CG_STORE_ORDER_QUEUED, "{\"v\":2}");
  assert_int_equal(cg_store_order_get(f->s, "83651", &o, &err), 0);
  assert_int_equal(o.state, CG_STORE_ORDER_QUEUED);
  assert_string_equal(o.payload, "{\"v\":2}");
  assert_string_equal(o.centra_status, "CONFIRMED");
  assert_null(o.hold_reason);
  assert_true(o.created_at > 0 && o.updated_at >= o.created_at);
  cg_store_order_clear(&o);
  assert_int_equal(cg_store_order_set_state(f->s, "83652", CG_STORE_ORDER_HELD,
                                            "UNMAPPED_CARRIER", "p@2#bb", &err),
                   0);
  assert_int_equal(cg_store_order_get(f->s, "83652", &o, &err), 0);
  assert_string_equal(o.hold_reason, "UNMAPPED_CARRIER");
  assert_string_equal(o.rule_generation, "p@2#bb");
  cg_store_order_clear(&o);
  assert_int_equal(cg_store_order_set_state(f->s, "nope", CG_STORE_ORDER_SENT,
                                            NULL, NULL, &err),
                   CG_ENOTFOUND);
  int64_t c[CG_STORE_ORDER_NSTATES];
  assert_int_equal(cg_store_order_counts(f->s, c, &err), 0);
  assert_int_equal(c[CG_STORE_ORDER_QUEUED], 1);
  assert_int_equal(c[CG_STORE_ORDER_HELD], 1);
  assert_int_equal(c[CG_STORE_ORDER_SENT], 0);
  struct cg_store_order_list l;
  assert_int_equal(
      cg_store_order_list(f->s, CG_STORE_ORDER_HELD, 0, 10, &l, &err), 0);
  assert_int_equal(l.n, 1);
  assert_string_equal(l.items[0].number, "83652");
  cg_store_order_list_clear(&l);
  assert_int_equal(cg_store_order_list(f->s, -1, 1, 10, &l, &err), 0);
  assert_int_equal(l.n, 1); /* paged: second of two, oldest first */
  assert_string_equal(l.items[0].number, "83652");
  cg_store_order_list_clear(&l);
  enum cg_store_order_state st;
  assert_int_equal(cg_store_order_state_parse("accepted", &st), 0);
  assert_int_equal(st, CG_STORE_ORDER_ACCEPTED);
  assert_int_equal(cg_store_order_state_parse("lost", &st), CG_EINVAL);
  assert_string_equal(cg_store_order_state_name(CG_STORE_ORDER_HELD), "held");
}

static void test_order_lines(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  struct cg_store_order_line lines[3] = {{"101", "SKU-A", 2, "19.90"},
                                         {"102", "SKU-B", 1, NULL},
                                         {"103", "SKU-C", 5, "1.00"}};
  assert_int_equal(cg_store_order_lines_replace(f->s, "1", lines, 3, &err),
                   CG_ENOTFOUND);
  upsert(f, "1", CG_STORE_ORDER_RECEIVED, "{}");
  assert_int_equal(cg_store_order_lines_replace(f->s, "1", lines, 3, &err), 0);
  assert_int_equal(cg_store_order_lines_replace(f->s, "1", lines + 1, 2, &err),
                   0);
  struct cg_store_order_line_list l;
  assert_int_equal(cg_store_order_lines_list(f->s, "1", &l, &err), 0);
  assert_int_equal(l.n, 2);
  assert_string_equal(l.items[0].line_ref, "102");
  assert_null(l.items[0].unit_price);
  assert_int_equal(l.items[1].quantity, 5);
  cg_store_order_line_list_clear(&l);
  /* A bad line undoes the whole replacement, even inside a transaction. */
  struct cg_store_order_line bad[2] = {{"201", "SKU-X", 1, NULL},
                                       {"202", NULL, 1, NULL}};
  assert_int_equal(cg_store_begin(f->s, &err), 0);
  assert_int_equal(cg_store_order_lines_replace(f->s, "1", bad, 2, &err),
                   CG_EINVAL);
  assert_int_equal(cg_store_commit(f->s, &err), 0);
  assert_int_equal(cg_store_order_lines_list(f->s, "1", &l, &err), 0);
  assert_int_equal(l.n, 2);
  assert_string_equal(l.items[0].line_ref, "102");
  cg_store_order_line_list_clear(&l);
  /* Duplicate line refs violate the key and change nothing. */
  struct cg_store_order_line dup[2] = {{"9", "A", 1, NULL},
                                       {"9", "B", 1, NULL}};
  assert_int_equal(cg_store_order_lines_replace(f->s, "1", dup, 2, &err),
                   CG_EDB);
  assert_non_null(strstr(err.msg, "UNIQUE"));
  assert_int_equal(fx_sql_int(f->path, "SELECT count(*) FROM order_lines"), 2);
}

static struct cg_store_exception_new xnew(const char *type, const char *key,
                                          const char *msg)
{
  struct cg_store_exception_new x = {.type = type,
                                     .entity_kind = "order",
                                     .entity_key = key,
                                     .message = msg,
                                     .rule_generation = "default@1#aa",
                                     .owner = "ops",
                                     .severity = "warning"};
  return x;
}

static void test_exceptions_dedupe_resolve(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  struct cg_store_exception_new a = xnew("UNMAPPED_CARRIER", "1", "dhl?");
  int64_t id1 = 0, id2 = 0, id3 = 0;
  bool created = false;
  assert_int_equal(cg_store_exception_raise(f->s, &a, &id1, &created, &err), 0);
  assert_true(created);
  assert_int_equal(cg_store_exception_request_retry(f->s, id1, &err), 0);
  a.message = "dhl express?";
  a.owner = NULL; /* keeps the previous owner */
  assert_int_equal(cg_store_exception_raise(f->s, &a, &id2, &created, &err), 0);
  assert_false(created);
  assert_int_equal(id2, id1);
  struct cg_store_exception x;
  assert_int_equal(cg_store_exception_get(f->s, id1, &x, &err), 0);
  assert_int_equal(x.count, 2);
  assert_string_equal(x.message, "dhl express?");
  assert_string_equal(x.owner, "ops");
  assert_string_equal(x.state, "open");
  assert_int_equal(x.retry_requested_at, 0); /* cleared by the re-raise */
  assert_true(x.last_seen >= x.first_seen);
  cg_store_exception_clear(&x);
  struct cg_store_exception_new b = xnew("INVALID_ADDRESS", "1", "zip");
  assert_int_equal(cg_store_exception_raise(f->s, &b, &id3, &created, &err), 0);
  assert_true(created && id3 != id1);
  assert_int_equal(
      cg_store_exception_resolve(f->s, id1, "anna", "mapped", &err), 0);
  assert_int_equal(cg_store_exception_resolve(f->s, id1, "anna", NULL, &err),
                   CG_EINVAL);
  assert_int_equal(cg_store_exception_resolve(f->s, 777, NULL, NULL, &err),
                   CG_ENOTFOUND);
  assert_int_equal(cg_store_exception_request_retry(f->s, id1, &err),
                   CG_EINVAL);
  /* Raising again after a resolve opens a new exception. */
  assert_int_equal(cg_store_exception_raise(f->s, &a, &id2, &created, &err), 0);
  assert_true(created && id2 != id1);
  assert_int_equal(cg_store_exception_get(f->s, id1, &x, &err), 0);
  assert_string_equal(x.state, "resolved");
  assert_string_equal(x.resolved_by, "anna");
  assert_string_equal(x.resolution_note, "mapped");
  assert_true(x.resolved_at > 0);
  cg_store_exception_clear(&x);
  int64_t n = 0;
  assert_int_equal(cg_store_exception_resolve_entity(f->s, "order", "1", NULL,
                                                     "sent", &n, &err),
                   0);
  assert_int_equal(n, 2);
}

static void test_exceptions_list_counts(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  const char *types[] = {"UNKNOWN_SKU", "UNKNOWN_SKU", "RULE_ERROR"};
  const char *keys[] = {"1", "2", "3"};
  int64_t ids[3];
  for (int i = 0; i < 3; i++) {
    struct cg_store_exception_new x = xnew(types[i], keys[i], "m");
    assert_int_equal(cg_store_exception_raise(f->s, &x, &ids[i], NULL, &err),
                     0);
  }
  assert_int_equal(cg_store_exception_request_retry(f->s, ids[1], &err), 0);
  struct cg_store_exception_filter fl = {.state = "open",
                                         .type = "UNKNOWN_SKU"};
  struct cg_store_exception_list l;
  assert_int_equal(cg_store_exception_list(f->s, &fl, &l, &err), 0);
  assert_int_equal(l.n, 2);
  cg_store_exception_list_clear(&l);
  struct cg_store_exception_filter retry = {.state = "open",
                                            .retry_requested = true};
  assert_int_equal(cg_store_exception_list(f->s, &retry, &l, &err), 0);
  assert_int_equal(l.n, 1);
  assert_int_equal(l.items[0].id, ids[1]);
  cg_store_exception_list_clear(&l);
  struct cg_store_exception_filter page = {.limit = 2, .offset = 2};
  assert_int_equal(cg_store_exception_list(f->s, &page, &l, &err), 0);
  assert_int_equal(l.n, 1);
  cg_store_exception_list_clear(&l);
  struct cg_store_exception_filter ent = {.entity_kind = "order",
                                          .entity_key = "3"};
  assert_int_equal(cg_store_exception_list(f->s, &ent, &l, &err), 0);
  assert_int_equal(l.n, 1);
  assert_string_equal(l.items[0].type, "RULE_ERROR");
  cg_store_exception_list_clear(&l);
  assert_int_equal(cg_store_exception_resolve(f->s, ids[2], "bo", NULL, &err),
                   0);
  struct cg_store_count_list c;
  assert_int_equal(cg_store_exception_open_counts(f->s, &c, &err), 0);
  assert_int_equal(c.n, 1);
  assert_string_equal(c.items[0].name, "UNKNOWN_SKU");
  assert_int_equal(c.items[0].count, 2);
  cg_store_count_list_clear(&c);
}

static void test_audit_timeline(void **state)
{
  struct fx *f = *state;
  struct cg_err err = {0};
  const char *acts[] = {"received", "queued", "sent", "accepted"};
  for (int i = 0; i < 4; i++)
    assert_int_equal(cg_store_audit_append(f->s, "order", "83651", acts[i],
                                           i == 2 ? "{\"status\":201}" : NULL,
                                           "default@1#aa", &err),
                     0);
  assert_int_equal(
      cg_store_audit_append(f->s, "order", "99", "received", NULL, NULL, &err),
      0);
  assert_int_equal(cg_store_audit_append(f->s, "shipment", "83651",
                                         "dispatched", NULL, NULL, &err),
                   0);
  struct cg_store_audit_list l;
  assert_int_equal(cg_store_audit_list(f->s, "order", "83651", 0, &l, &err), 0);
  assert_int_equal(l.n, 4);
  for (int i = 0; i < 4; i++)
    assert_string_equal(l.items[i].action, acts[i]);
  assert_string_equal(l.items[2].detail, "{\"status\":201}");
  assert_true(l.items[3].at >= l.items[0].at);
  cg_store_audit_list_clear(&l);
  assert_int_equal(cg_store_audit_list(f->s, NULL, "83651", 0, &l, &err), 0);
  assert_int_equal(l.n, 5); /* one timeline across flows */
  assert_string_equal(l.items[4].entity_kind, "shipment");
  cg_store_audit_list_clear(&l);
  assert_int_equal(cg_store_audit_list(f->s, NULL, "83651", 2, &l, &err), 0);
  assert_int_equal(l.n, 2);
  cg_store_audit_list_clear(&l);
  assert_int_equal(
      cg_store_audit_append(f->s, "order", NULL, "x", NULL, NULL, &err),
      CG_EINVAL);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
  cg_log_set_level(CG_LOG_WARN);
  const struct CMUnitTest tests[] = {
      T(test_orders),
      T(test_order_lines),
      T(test_exceptions_dedupe_resolve),
      T(test_exceptions_list_counts),
      T(test_audit_timeline),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
