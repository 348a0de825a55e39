/*
 * Unit: the outbox kind "gxo.return.advise" (core/flows/returns_advise.c;
 * docs/internals/returns.md) on a real uv loop with the real rule host
 * (the built engine as `__rule-host`, a test pack's returns.advice), a
 * real store, and the warehouse client against centra-gxo-sim on
 * loopback. Returns are stored by the read (cg__returns_page_apply); the
 * kind's start runs against the simulator and its finish in a
 * transaction as the outbox runs it.
 *
 *  - the advice: rmaRef = the return id, originalOrderRef, one line per
 *    lineRef with the Centra lines' units summed, and what the pack
 *    added (reasonText from the comment); 202 -> step advised, "return
 *    advised";
 *  - the same advice under a new key: 409 duplicate-rma-ref -> advised
 *    all the same, "return already advised";
 *  - an order the warehouse does not know: 422 -> step rejected,
 *    RETURN_REJECTED with the warehouse's code, "return rejected";
 *  - a pack that changes a lineRef: RULE_ERROR, rejected, nothing sent;
 *  - a return no longer new: OK without a call; one received while its
 *    advice was on its way keeps its step, the timeline shows the 202.
 */
#include "../e2e/test_partners_fixture.h"
#include "test_rules_kit.h"

#include "flows/flow.h"
#include "flows/outbox.h"
#include "flows/returns_int.h"
#include "flows/returns_read.h"
#include "gxo/gxo.h"
#include "rules/host.h"
#include "store/store.h"
#include "store/store_returns.h"

#include <sqlite3.h>

/* The pack's returns.advice: each line's reason from the comment; a
 * comment "change-line" makes it change the first line's lineRef. */
static const char pack_returns[] = "local M = {}\n"
                                   "function M.advice(advice, ret)\n"
                                   "  for _, l in ipairs(advice.lines) do\n"
                                   "    l.reasonCode = 'PF'\n"
                                   "    l.reasonText = ret.comment\n"
                                   "  end\n"
                                   "  if ret.comment == 'change-line' then\n"
                                   "    advice.lines[1].lineRef = '999'\n"
                                   "  end\n"
                                   "  return advice\n"
                                   "end\n"
                                   "return M\n";

#define SKU1 "CG-COAT-38"
#define SKU2 "CG-SCARF-1"

static struct pf_sim sim;
static uv_loop_t loop;
static struct cg_flow flow;
static char *dir;
static char db[600];

static void on_loaded(int rc, cJSON *reply, const struct cg_err *err, void *arg)
{
  if (rc != 0)
    fail_msg("load: %s", err->msg);
  cJSON_Delete(reply);
  *(bool *)arg = true;
}

static void run_until(const bool *flag)
{
  int64_t end = cg_time_mono_ms() + 60000;
  while (!*flag && cg_time_mono_ms() < end)
    if (uv_run(&loop, UV_RUN_ONCE) == 0)
      uv_sleep(1);
  if (!*flag)
    fail_msg("nothing happened within 60 s");
}

static const char item_doc[] =
    "{\"items\":[{\"sku\":\"" SKU1 "\",\"gtin\":\"5772428043000\","
    "\"description\":\"Wool coat 38\",\"uom\":\"EA\",\"status\":\"ACTIVE\"},"
    "{\"sku\":\"" SKU2 "\",\"gtin\":\"5772428043017\",\"description\":"
    "\"Scarf\",\"uom\":\"EA\",\"status\":\"ACTIVE\"}]}";

static const char order_doc[] =
    "{\"orderRef\":\"1001\",\"orderDate\":\"2026-03-04T08:12:00Z\","
    "\"currency\":\"EUR\",\"shipTo\":{\"name\":\"Anna Svensson\","
    "\"address1\":\"Storgatan 1\",\"city\":\"Stockholm\","
    "\"postalCode\":\"11122\",\"countryCode\":\"SE\","
    "\"phone\":\"+46700000000\",\"email\":\"anna@example.com\"},"
    "\"shipping\":{\"carrierCode\":\"POSTNORD\",\"serviceCode\":"
    "\"PN-MYPACK-HOME\",\"servicePointId\":null},"
    "\"allowPartialShipment\":true,\"lines\":[{\"lineRef\":\"43243\","
    "\"sku\":\"" SKU1 "\",\"quantity\":2,\"unitPrice\":\"450.50\"},"
    "{\"lineRef\":\"43244\",\"sku\":\"" SKU2 "\",\"quantity\":2,"
    "\"unitPrice\":\"20.00\"}]}";

/* Order number in the store with its two lines, as the orders flow
 * leaves a sent order. */
static void store_order(const char *number, const char *ref1, const char *ref2)
{
  struct cg_store_order o = {
      .number = (char *)number, .state = CG_STORE_ORDER_SENT, .payload = "{}"};
  struct cg_store_order_line l[2] = {
      {.line_ref = (char *)ref1, .sku = SKU1, .quantity = 2},
      {.line_ref = (char *)ref2, .sku = SKU2, .quantity = 2}};
  assert_int_equal(cg_store_order_upsert(flow.store, &o, NULL), 0);
  assert_int_equal(cg_store_order_lines_replace(flow.store, number, l, 2, NULL),
                   0);
}

static void open_parts(void)
{
  struct cg_err err = {0};
  char bin[512];
  snprintf(bin, sizeof(bin), "%s/centra-gxo", tu_build_dir());
  struct cg_rulehost_opts ho = {.merchant = "shop", .binary = bin};
  struct cg_store_opts so = {.path = db, .name = "shop"};
  struct cg_gxo_opts go = {.loop = &loop,
                           .merchant = "shop",
                           .base_url = sim.gxo,
                           .client_id = "centra-gxo",
                           .client_secret = "gxo-dev-secret",
                           .timeout_ms = 5000};
  flow = (struct cg_flow){.merchant = "shop", .loop = &loop};
  assert_int_equal(cg_store_open(&so, &flow.store, &err), 0);
  assert_int_equal(cg_rulehost_create(&loop, &ho, &flow.rulehost, &err), 0);
  flow.gxo = cg_gxo_create(&cg_gxo_rest_transport, &go, &err);
  assert_non_null(flow.gxo);
}

static int group_setup(void **state)
{
  struct pf_capture cap = {0};
  bool loaded = false;
  pf_sim_start(&sim, NULL);
  cJSON_Delete(pf_control(sim.gxo, "POST", "/_sim/wms/items", item_doc));
  assert_int_equal(uv_loop_init(&loop), 0);
  dir = tu_tmpdir("returns-advise");
  snprintf(db, sizeof(db), "%s/shop.db", dir);
  open_parts();
  assert_int_equal(
      cg_gxo_create_order(flow.gxo, order_doc, "k-1001", pf_on_done, &cap), 0);
  pf_wait(&loop, &cap, 10000);
  assert_int_equal(cap.res.outcome, CG_OUTCOME_OK);
  pf_capture_reset(&cap);
  char *pack = kit_pack("returns.lua", pack_returns, NULL);
  struct cg_rules_opts o = kit_opts("shop", pack);
  assert_int_equal(cg_rulehost_load(flow.rulehost, &o, on_loaded, &loaded), 0);
  run_until(&loaded);
  kit_unpack(pack);
  store_order("1001", "43243", "43244");
  store_order("1002", "53243", "53244"); /* the warehouse never had it */
  return 0;
}

static int group_teardown(void **state)
{
  cg_rulehost_destroy(flow.rulehost);
  cg_gxo_destroy(flow.gxo);
  int64_t end = cg_time_mono_ms() + 10000; /* the host's child exits */
  int rc;
  while ((rc = uv_loop_close(&loop)) == UV_EBUSY && cg_time_mono_ms() < end)
    uv_run(&loop, UV_RUN_ONCE);
  assert_int_equal(rc, 0);
  cg_store_close(flow.store);
  tu_rmtree(dir);
  cg_free(dir);
  pf_sim_stop(&sim);
  return 0;
}

/* Stores return id on the order lines ref1, ref2 (ref1 x1, ref2 x2,
 * ref1 x1) as the read does. */
static void read_return(int64_t id, const char *ref1, const char *ref2,
                        const char *comment)
{
  struct cg_err err = {0};
  char text[640];
  int64_t added = 0;
  long long i = (long long)id;
  snprintf(text, sizeof(text),
           "[{\"id\":%lld,\"returnStatus\":\"IN_PROGRESS\",\"createdAt\":"
           "\"2026-03-05T10:00:00Z\",\"comment\":\"%s\",\"lines\":["
           "{\"id\":%lld1,\"quantity\":1,\"orderLineId\":\"%s\"},"
           "{\"id\":%lld2,\"quantity\":2,\"orderLineId\":\"%s\"},"
           "{\"id\":%lld3,\"quantity\":1,\"orderLineId\":\"%s\"}]}]",
           i, comment, i, ref1, i, ref2, i, ref1);
  cJSON *page = kit_json(text);
  assert_int_equal(cg__returns_page_apply(&flow, page, NULL, &added, &err), 0);
  assert_int_equal(added, 1);
  cJSON_Delete(page);
}

/* The advice row the read queued for return id. */
static void row_of(int64_t id, struct cg_store_outbox_list *l)
{
  char key[CG_RETURNS_RMA_MAX];
  cg__returns_rma(id, key);
  struct cg_store_outbox_filter f = {
      .state = -1, .kind = CG_RETURNS_KIND_ADVISE, .entity_key = key};
  assert_int_equal(cg_store_outbox_list(flow.store, &f, l, NULL), 0);
  assert_int_equal(l->n, 1);
}

/* The kind's start on row, until its call ends (the result in cap). */
static void start_row(const struct cg_store_outbox_row *row,
                      struct pf_capture *cap)
{
  pf_capture_reset(cap);
  assert_int_equal(cg_returns_advise_kind.start(&flow, row, pf_on_done, cap),
                   0);
  pf_wait(&loop, cap, 30000);
}

/* The kind's finish with cap's result, in the outcome's transaction. */
static void finish_row(const struct cg_store_outbox_row *row,
                       struct pf_capture *cap)
{
  struct cg_call_result res = cap->res;
  res.data = cap->data;
  assert_int_equal(cg_store_begin(flow.store, NULL), 0);
  assert_int_equal(cg_returns_advise_kind.finish(&flow, row, &res), 0);
  assert_int_equal(cg_store_commit(flow.store, NULL), 0);
}

/* Runs the kind on row as the outbox does. */
static void deliver(const struct cg_store_outbox_row *row,
                    struct pf_capture *cap)
{
  start_row(row, cap);
  finish_row(row, cap);
}

static enum cg_store_return_step step_of(int64_t id)
{
  struct cg_store_return r = {0};
  assert_int_equal(cg_store_return_get(flow.store, id, &r, NULL), 0);
  enum cg_store_return_step st = r.step;
  cg_store_return_clear(&r);
  return st;
}

static long long sql_int(const char *fmt, ...)
{
  char sql[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(sql, sizeof(sql), fmt, ap);
  va_end(ap);
  sqlite3 *h = NULL;
  sqlite3_stmt *st = NULL;
  long long v = -1;
  if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(h);
  return v;
}

static int advices_posted(void)
{
  return pf_count_calls(sim.gxo, "gxo", "POST", "/wms/v1/return-advices");
}

/* The advice as the warehouse holds it (GET /return-advices/{rmaRef}). */
static cJSON *held_advice(const char *rma)
{
  char url[256], auth[256];
  struct tu_http_response r = {0};
  const char *form[] = {"Content-Type: application/x-www-form-urlencoded",
                        NULL};
  snprintf(url, sizeof(url), "%s/wms/v1/oauth/token", sim.gxo);
  assert_int_equal(tu_http("POST", url, form,
                           "grant_type=client_credentials&client_id="
                           "centra-gxo&client_secret=gxo-dev-secret",
                           &r),
                   0);
  cJSON *tok = kit_json(r.body);
  tu_http_response_free(&r);
  snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
           cg_json_str(tok, "access_token"));
  cJSON_Delete(tok);
  const char *headers[] = {auth, NULL};
  snprintf(url, sizeof(url), "%s/wms/v1/return-advices/%s", sim.gxo, rma);
  assert_int_equal(tu_http("GET", url, headers, NULL, &r), 0);
  assert_int_equal(r.status, 200);
  cJSON *doc = kit_json(r.body);
  tu_http_response_free(&r);
  return doc;
}

/* The line of lineRef ref in an advice document (the warehouse's may
 * nest it under "advice"). */
static const cJSON *advice_line(const cJSON *doc, const char *ref)
{
  const cJSON *lines = cg_json_get(doc, "lines"), *l;
  if (lines == NULL)
    lines = cg_json_get(doc, "advice.lines");
  cJSON_ArrayForEach(l, lines)
  {
    if (strcmp(cg_json_str(l, "lineRef"), ref) == 0)
      return l;
  }
  fail_msg("no advice line %s", ref);
  return NULL;
}

/* 202: one line per lineRef, the units summed; the pack's reasons. */
static void test_advised(void **state)
{
  struct cg_store_outbox_list rows = {0};
  struct pf_capture cap = {0};
  read_return(21, "43243", "43244", "too small");
  row_of(21, &rows);
  assert_string_equal(rows.items[0].idempotency_key, "cg-shop-rma-21");
  deliver(&rows.items[0], &cap);
  assert_int_equal(cap.res.outcome, CG_OUTCOME_OK);
  assert_int_equal(cap.res.http_status, 202);
  assert_int_equal(step_of(21), CG_STORE_RETURN_ADVISED);
  cJSON *doc = held_advice("21");
  const cJSON *l1 = advice_line(doc, "43243"), *l2 = advice_line(doc, "43244");
  assert_int_equal(cg_json_int(l1, "quantity", 0), 2); /* 1 + 1 */
  assert_string_equal(cg_json_str(l1, "sku"), SKU1);
  assert_int_equal(cg_json_int(l2, "quantity", 0), 2);
  assert_string_equal(cg_json_str(l2, "sku"), SKU2);
  assert_string_equal(cg_json_str(l1, "reasonText"), "too small");
  assert_string_equal(cg_json_str(l1, "reasonCode"), "PF");
  cJSON_Delete(doc);
  assert_int_equal(sql_int("SELECT count(*) FROM audit WHERE entity_kind = "
                           "'return' AND entity_key = '1001' AND action = "
                           "'return advised'"),
                   1);
  assert_int_equal(flow.metrics.returns_advised, 1);
  pf_capture_reset(&cap);
  cg_store_outbox_list_clear(&rows);
}

/* The same advice under another key (an outcome lost, an operator's
 * retry): 409 duplicate-rma-ref, the warehouse already expects it. */
static void test_duplicate(void **state)
{
  struct cg_store_outbox_list rows = {0};
  struct pf_capture cap = {0};
  read_return(22, "43243", "43244", "colour");
  row_of(22, &rows);
  deliver(&rows.items[0], &cap);
  assert_int_equal(cap.res.http_status, 202);
  assert_int_equal(cg_store_return_set_step(flow.store, 22, CG_STORE_RETURN_NEW,
                                            NULL, 0, NULL),
                   0);
  char *key = rows.items[0].idempotency_key;
  rows.items[0].idempotency_key = "cg-shop-rma-22-r1";
  deliver(&rows.items[0], &cap);
  rows.items[0].idempotency_key = key;
  assert_int_equal(cap.res.outcome, CG_OUTCOME_OK);
  assert_int_equal(cap.res.http_status, 409);
  assert_int_equal(step_of(22), CG_STORE_RETURN_ADVISED);
  assert_int_equal(sql_int("SELECT count(*) FROM audit WHERE entity_key = "
                           "'1001' AND action = 'return already advised' "
                           "AND detail LIKE '%%rmaRef 22%%'"),
                   1);
  pf_capture_reset(&cap);
  cg_store_outbox_list_clear(&rows);
}

/* 422: an order the warehouse does not have. */
static void test_refused(void **state)
{
  struct cg_store_outbox_list rows = {0};
  struct pf_capture cap = {0};
  read_return(23, "53243", "53244", "fit");
  row_of(23, &rows);
  deliver(&rows.items[0], &cap);
  assert_int_equal(cap.res.outcome, CG_OUTCOME_FAIL);
  assert_int_equal(cap.res.http_status, 422);
  assert_int_equal(step_of(23), CG_STORE_RETURN_REJECTED);
  assert_int_equal(sql_int("SELECT count(*) FROM exceptions WHERE state = "
                           "'open' AND type = 'RETURN_REJECTED' AND "
                           "entity_kind = 'return' AND entity_key = '23' AND "
                           "message LIKE '%%%s%%'",
                           cap.res.code),
                   1);
  assert_int_equal(sql_int("SELECT count(*) FROM audit WHERE entity_key = "
                           "'1002' AND action = 'return rejected'"),
                   1);
  pf_capture_reset(&cap);
  cg_store_outbox_list_clear(&rows);
}

/* A pack that changes a lineRef: RULE_ERROR, nothing sent. */
static void test_pack_changes_a_line(void **state)
{
  struct cg_store_outbox_list rows = {0};
  struct pf_capture cap = {0};
  int posted = advices_posted();
  read_return(24, "43243", "43244", "change-line");
  row_of(24, &rows);
  deliver(&rows.items[0], &cap);
  assert_int_equal(cap.res.outcome, CG_OUTCOME_FAIL);
  assert_string_equal(cap.res.code, "rule-error");
  assert_non_null(strstr(cap.res.message, "43243"));
  assert_int_equal(advices_posted(), posted);
  assert_int_equal(step_of(24), CG_STORE_RETURN_REJECTED);
  assert_int_equal(sql_int("SELECT count(*) FROM exceptions WHERE state = "
                           "'open' AND type = 'RULE_ERROR' AND entity_kind = "
                           "'return' AND entity_key = '24'"),
                   1);
  pf_capture_reset(&cap);
  cg_store_outbox_list_clear(&rows);
}

/* A return received (or settled by people) before its row ran: OK, no
 * call, the step stays. */
static void test_not_new(void **state)
{
  struct cg_store_outbox_list rows = {0};
  struct pf_capture cap = {0};
  int posted = advices_posted();
  read_return(25, "43243", "43244", "late");
  assert_int_equal(cg_store_return_set_step(
                       flow.store, 25, CG_STORE_RETURN_RECEIVED, NULL, 0, NULL),
                   0);
  row_of(25, &rows);
  deliver(&rows.items[0], &cap);
  assert_int_equal(cap.res.outcome, CG_OUTCOME_OK);
  assert_int_equal(advices_posted(), posted);
  assert_int_equal(step_of(25), CG_STORE_RETURN_RECEIVED);
  pf_capture_reset(&cap);
  cg_store_outbox_list_clear(&rows);
}

/* The warehouse's receipt came in (the inbox committed it) while the
 * advice's 202 was on its way: the step stays received, the timeline
 * shows the advice. */
static void test_received_first(void **state)
{
  struct cg_store_outbox_list rows = {0};
  struct pf_capture cap = {0};
  read_return(26, "43243", "43244", "early");
  row_of(26, &rows);
  start_row(&rows.items[0], &cap);
  assert_int_equal(cap.res.http_status, 202);
  assert_int_equal(cg_store_return_set_step(
                       flow.store, 26, CG_STORE_RETURN_RECEIVED, NULL, 0, NULL),
                   0);
  finish_row(&rows.items[0], &cap);
  assert_int_equal(step_of(26), CG_STORE_RETURN_RECEIVED);
  assert_int_equal(sql_int("SELECT count(*) FROM audit WHERE entity_key = "
                           "'1001' AND action = 'return advised' AND detail "
                           "LIKE '%%rmaRef 26%%'"),
                   1);
  pf_capture_reset(&cap);
  cg_store_outbox_list_clear(&rows);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_advised),
      cmocka_unit_test(test_duplicate),
      cmocka_unit_test(test_refused),
      cmocka_unit_test(test_pack_changes_a_line),
      cmocka_unit_test(test_not_new),
      cmocka_unit_test(test_received_first),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
