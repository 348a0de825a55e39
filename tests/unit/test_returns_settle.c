/*
 * Unit: the outbox kind "centra.return.settle" (core/flows/
 * returns_settle.c) on a real store, a real Centra client, the real rule
 * host with the default pack, against the Centra simulator on loopback
 * (its own process). Each test ships an order in the simulator, seeds a
 * return on it, stores the return as the receipt left it, runs one
 * delivery and its finish, and reads both sides:
 *
 *  - the full refund path: decided by the default pack, completed and
 *    refunded once, settled, with the timeline;
 *  - a plan "none": completed, not refunded; "manual": completed, then
 *    held (partial-refund) with each line's value;
 *  - a receipt with fewer units: held by the pack, nothing written to
 *    Centra; a pack that settles despite the mismatch without
 *    accept_mismatch is held all the same;
 *  - a resend after a crash between the completion and its commit finds
 *    the return completed and does not complete it again;
 *  - a refund already in Centra's history: no second refund;
 *  - Centra refusing the completion: SYNC_FAILURE (saying to resolve it
 *    if completed by hand: resolving settles by hand); a retry settles it;
 *  - a refund answer with no entry for this return: SYNC_FAILURE; the
 *    retry reads, records it and raises RETURN_MISMATCH refund-check;
 *  - a pack's "completed": no refund before the completion; a retry while
 *    the row is inflight is queued again; the engine stopping with rules
 *    pending: RETRY canceled; a second receipt holds before each write.
 */
#include "e2e.h"
#include "test_rules_kit.h"

#include "base/json.h"
#include "base/time.h"
#include "centra/centra.h"
#include "flows/exceptions.h"
#include "flows/flow.h"
#include "flows/outbox.h"
#include "gxo/gxo.h"
#include "flows/returns.h"
#include "rules/host.h"
#include "store/store.h"
#include "store/store_returns.h"

#include <uv.h>

static struct e2e sim;
static uv_loop_t loop;
static struct cg_flow flow;
static char *store_dir;
static int next_order = 3000;

static void run_until(bool *flag)
{
  while (!*flag)
    uv_run(&loop, UV_RUN_ONCE);
}

/* ---- the simulator ------------------------------------------------------*/

static cJSON *gql(const char *query)
{
  char url[128];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/graphql", sim.port_centra);
  const char *const hdrs[] = {"Authorization: Bearer centra-dev-token",
                              "Content-Type: application/json", NULL};
  cJSON *body = cJSON_CreateObject();
  cg_json_add_str(body, "query", query);
  char *text = cg_json_print(body);
  struct tu_http_response r;
  assert_int_equal(tu_http("POST", url, hdrs, text, &r), 0);
  cJSON *doc = cg_json_parse(r.body, r.body_len, NULL);
  if (doc == NULL || cg_json_get(doc, "errors") != NULL)
    fail_msg("%s: %s", query, r.body);
  tu_http_response_free(&r);
  cg_free(text);
  cJSON_Delete(body);
  return doc;
}

static void gql_ok(const char *fmt, int64_t a)
{
  char q[1024];
  snprintf(q, sizeof q, fmt, (long long)a);
  cJSON_Delete(gql(q));
}

/* A shipped order of two lines (1 x BLK38 at 20, 2 x BLK40 at 30); its
 * number. */
static int ship_order(void)
{
  char body[1024], q[512];
  int number = next_order++;
  snprintf(body, sizeof body,
           "{\"number\":%d,\"shippingOption\":{\"id\":1,\"name\":\"PostNord "
           "Home\",\"uri\":\"postnord-home\"},\"shippingAddress\":{"
           "\"firstName\":\"Anna\",\"lastName\":\"Svensson\",\"address1\":"
           "\"Storgatan 1\",\"city\":\"Stockholm\",\"zipCode\":\"11122\","
           "\"country\":\"SE\",\"email\":\"anna@example.com\"},\"lines\":["
           "{\"sku\":\"M411740BLK38\",\"quantity\":1,\"unitPrice\":20},"
           "{\"sku\":\"M411740BLK40\",\"quantity\":2,\"unitPrice\":30}]}",
           number);
  cJSON_Delete(e2e_post(&sim, 'c', "/_sim/centra/orders", body));
  snprintf(q, sizeof q, "/_sim/centra/orders/%d", number);
  cJSON *o = e2e_get(&sim, 'c', q);
  const cJSON *lines = cg_json_get(o, "lines");
  snprintf(q, sizeof q,
           "mutation { createShipment(input: {order: {number: %d}, lines: "
           "[{orderLine: {id: %lld}, quantity: 1}, {orderLine: {id: %lld}, "
           "quantity: 2}], capture: true, isGoodToGo: true}) { shipment { id "
           "} userErrors { message } } }",
           number,
           (long long)cg_json_int(cJSON_GetArrayItem(lines, 0), "id", 0),
           (long long)cg_json_int(cJSON_GetArrayItem(lines, 1), "id", 0));
  cJSON *doc = gql(q);
  int64_t sid = cg_json_int(doc, "data.createShipment.shipment.id", 0);
  assert_true(sid > 0);
  gql_ok("mutation { completeShipment(id: %lld, input: {sendEmail: false, "
         "shipmentInfo: {carrier: \"PostNord\", service: \"Home\", "
         "trackingNumber: \"PN1\", packagesNumber: 1}}) { userErrors { "
         "message } } }",
         sid);
  cJSON_Delete(doc);
  cJSON_Delete(o);
  return number;
}

/* The simulator's stored return id. */
static cJSON *sim_return(int64_t id)
{
  cJSON *all = e2e_get(&sim, 'c', "/_sim/centra/returns");
  const cJSON *r;
  cJSON *out = NULL;
  cJSON_ArrayForEach(r, all)
  {
    if (cg_json_int(r, "id", 0) == id)
      out = cJSON_Duplicate(r, true);
  }
  cJSON_Delete(all);
  assert_non_null(out);
  return out;
}

/* Entries of the simulator's list path with returnId id (and type). */
static int sim_count(const char *path, int64_t id, const char *type)
{
  cJSON *all = e2e_get(&sim, 'c', path);
  const cJSON *x;
  int n = 0;
  cJSON_ArrayForEach(x, all)
  {
    const char *t = cg_json_str(x, "type");
    n += cg_json_int(x, "returnId", 0) == id &&
         (type == NULL || (t && strcmp(t, type) == 0));
  }
  cJSON_Delete(all);
  return n;
}

/* ---- the engine's side --------------------------------------------------*/

struct seeded {
  int64_t id;
  char number[16];
  char ref[2][24]; /* the lines' lineRefs (Centra order line ids) */
};

/* A return of the whole order in the simulator, stored at step with
 * plan; the receipt received quantities q1, q2 (advised 1 and 2). */
static struct seeded seed(enum cg_store_return_step step, const char *plan,
                          int q1, int q2)
{
  struct seeded s = {0};
  char body[512], receipt[1024];
  char(*ref)[24] = s.ref;
  int number = ship_order();
  snprintf(body, sizeof body,
           "{\"orderNumber\":%d,\"lines\":[{\"sku\":\"M411740BLK38\","
           "\"quantity\":1},{\"sku\":\"M411740BLK40\",\"quantity\":2}]}",
           number);
  cJSON *r = e2e_post(&sim, 'c', "/_sim/centra/returns", body);
  s.id = cg_json_int(r, "id", 0);
  assert_true(s.id > 0);
  snprintf(s.number, sizeof s.number, "%d", number);
  struct cg_store_return_line lines[2];
  const char *skus[2] = {"M411740BLK38", "M411740BLK40"};
  for (int i = 0; i < 2; i++) {
    const cJSON *l = cJSON_GetArrayItem(cg_json_get(r, "lines"), i);
    snprintf(ref[i], sizeof ref[i], "%lld",
             (long long)cg_json_int(l, "orderLine.id", 0));
    lines[i] = (struct cg_store_return_line){.line_id = cg_json_int(l, "id", 0),
                                             .line_ref = ref[i],
                                             .sku = (char *)skus[i],
                                             .advised = i + 1,
                                             .received = i ? q2 : q1,
                                             .condition = "SELLABLE",
                                             .disposition = "RESTOCK"};
  }
  snprintf(receipt, sizeof receipt,
           "{\"rmaRef\":\"%lld\",\"receiptId\":\"RCV-%d\",\"requiresAction\":"
           "false,\"unexpectedItems\":[],\"lines\":[{\"lineRef\":\"%s\","
           "\"sku\":\"M411740BLK38\",\"quantityReceived\":%d,\"condition\":"
           "\"SELLABLE\",\"disposition\":\"RESTOCK\"},{\"lineRef\":\"%s\","
           "\"sku\":\"M411740BLK40\",\"quantityReceived\":%d,\"condition\":"
           "\"SELLABLE\",\"disposition\":\"RESTOCK\"}]}",
           (long long)s.id, number, ref[0], q1, ref[1], q2);
  char rcv[32];
  snprintf(rcv, sizeof rcv, "RCV-%d", number);
  struct cg_store_return row = {.id = s.id,
                                .order_number = s.number,
                                .step = step,
                                .initial_status =
                                    (char *)cg_json_str(r, "returnStatus"),
                                .receipt_id = rcv,
                                .receipt = receipt,
                                .plan = (char *)plan};
  assert_int_equal(
      cg_store_return_put(flow.store, &row, lines, 2, cg_time_now_ms(), NULL),
      0);
  cJSON_Delete(r);
  return s;
}

struct delivery {
  bool done;
  enum cg_outcome outcome;
  char code[CG_CALL_CODE_MAX];
  char message[CG_CALL_MESSAGE_MAX];
};

static void on_delivered(struct cg_call_result *res, void *arg)
{
  struct delivery *d = arg;
  d->outcome = res->outcome;
  snprintf(d->code, sizeof d->code, "%s", res->code);
  snprintf(d->message, sizeof d->message, "%s", res->message);
  d->done = true;
}

/* One delivery of return id's settle row, and its finish committed. A
 * delivery the client did not send (the Centra mutation budget is empty
 * after many tests) starts again a little later. */
static struct delivery deliver(int64_t id)
{
  struct delivery d = {0};
  char key[32];
  snprintf(key, sizeof key, "%lld", (long long)id);
  struct cg_store_outbox_row row = {.kind = CG_RETURNS_KIND_SETTLE,
                                    .entity_key = key};
  do {
    if (d.done)
      uv_sleep(250);
    d = (struct delivery){0};
    assert_int_equal(
        cg_returns_settle_kind.start(&flow, &row, on_delivered, &d), 0);
    run_until(&d.done);
  } while (d.outcome == CG_OUTCOME_RETRY && strcmp(d.code, "budget") == 0);
  struct cg_call_result res;
  cg_call_result_init(&res);
  cg_call_result_set(&res, d.outcome, d.code, "%s", d.message);
  assert_int_equal(cg_store_begin(flow.store, NULL), 0);
  assert_int_equal(cg_returns_settle_kind.finish(&flow, &row, &res), 0);
  assert_int_equal(cg_store_commit(flow.store, NULL), 0);
  return d;
}

static enum cg_store_return_step step_of(int64_t id)
{
  struct cg_store_return r = {0};
  assert_int_equal(cg_store_return_get(flow.store, id, &r, NULL), 0);
  enum cg_store_return_step st = r.step;
  cg_store_return_clear(&r);
  return st;
}

/* Timeline entries of the order with action (and detail containing
 * needle). */
static int timeline(const char *number, const char *action, const char *needle)
{
  struct cg_store_audit_list l = {0};
  int n = 0;
  assert_int_equal(
      cg_store_audit_list(flow.store, CG_RETURNS_ENTITY, number, 100, &l, NULL),
      0);
  for (size_t i = 0; i < l.n; i++)
    n += strcmp(l.items[i].action, action) == 0 &&
         (needle == NULL ||
          (l.items[i].detail && strstr(l.items[i].detail, needle)));
  cg_store_audit_list_clear(&l);
  return n;
}

/* The open exception of type on return id: its message (static), or
 * NULL. */
static const char *open_exception(int64_t id, const char *type)
{
  static char msg[4096];
  char key[32];
  snprintf(key, sizeof key, "%lld", (long long)id);
  struct cg_store_exception_filter f = {
      .state = "open", .type = type, .entity_key = key};
  struct cg_store_exception_list l = {0};
  assert_int_equal(cg_store_exception_list(flow.store, &f, &l, NULL), 0);
  const char *out = NULL;
  if (l.n > 0) {
    snprintf(msg, sizeof msg, "%s", l.items[0].message);
    out = msg;
  }
  cg_store_exception_list_clear(&l);
  return out;
}

static const char *status_of(int64_t id)
{
  static char s[64];
  cJSON *r = sim_return(id);
  snprintf(s, sizeof s, "%s", cg_json_str(r, "returnStatus"));
  cJSON_Delete(r);
  return s;
}

#define PLAN(refund, notify)                                                   \
  "{\"action\":\"settle\",\"refund\":\"" refund "\",\"notify\":" notify        \
  ",\"accept_mismatch\":false,\"lines\":[]}"

/* ---- the tests ----------------------------------------------------------*/

static void test_full_refund(void **state)
{
  (void)state;
  struct seeded s = seed(CG_STORE_RETURN_RECEIVED, NULL, 1, 2);
  struct delivery d = deliver(s.id);
  assert_int_equal(d.outcome, CG_OUTCOME_OK);
  assert_int_equal(step_of(s.id), CG_STORE_RETURN_SETTLED);
  assert_string_equal(status_of(s.id), "COMPLETED");
  assert_int_equal(sim_count("/_sim/centra/refunds", s.id, NULL), 1);
  assert_int_equal(sim_count("/_sim/centra/emails", s.id, "RETURN_COMPLETED"),
                   1);
  assert_int_equal(timeline(s.number, "return decided", "settle"), 1);
  assert_int_equal(timeline(s.number, "return completed", NULL), 1);
  assert_int_equal(timeline(s.number, "return refunded", "SUCCESS"), 1);
  /* the row again (a duplicate delivery): nothing more */
  d = deliver(s.id);
  assert_int_equal(d.outcome, CG_OUTCOME_OK);
  assert_int_equal(sim_count("/_sim/centra/refunds", s.id, NULL), 1);
  assert_int_equal(timeline(s.number, "return completed", NULL), 1);
}

static void test_no_refund(void **state)
{
  (void)state;
  struct seeded s = seed(CG_STORE_RETURN_DECIDED, PLAN("none", "false"), 1, 2);
  assert_int_equal(deliver(s.id).outcome, CG_OUTCOME_OK);
  assert_int_equal(step_of(s.id), CG_STORE_RETURN_SETTLED);
  assert_string_equal(status_of(s.id), "COMPLETED");
  assert_int_equal(sim_count("/_sim/centra/refunds", s.id, NULL), 0);
  assert_int_equal(sim_count("/_sim/centra/emails", s.id, NULL), 0);
  assert_int_equal(timeline(s.number, "return not refunded", NULL), 1);
}

static void test_manual_refund(void **state)
{
  (void)state;
  struct seeded s = seed(CG_STORE_RETURN_DECIDED, PLAN("manual", "true"), 1, 2);
  assert_int_equal(cg_store_return_line_decision(flow.store, s.id, s.ref[0],
                                                 "{\"refund\":\"full\"}", NULL),
                   0);
  assert_int_equal(cg_store_return_line_decision(flow.store, s.id, s.ref[1],
                                                 "{\"refund\":\"none\"}", NULL),
                   0);
  assert_int_equal(deliver(s.id).outcome, CG_OUTCOME_OK);
  assert_int_equal(step_of(s.id), CG_STORE_RETURN_HELD);
  assert_string_equal(status_of(s.id), "COMPLETED");
  assert_int_equal(sim_count("/_sim/centra/refunds", s.id, NULL), 0);
  const char *msg = open_exception(s.id, CG_RETURN_MISMATCH);
  assert_non_null(msg);
  assert_non_null(strstr(msg, "partial-refund"));
  assert_non_null(strstr(msg, "(M411740BLK38): refund full, 20.00"));
  assert_non_null(strstr(msg, "(M411740BLK40): refund none, 60.00"));
}

/* The same, with the decisions only in the plan: the first pass, where
 * the lines were read before the plan's decisions were stored. */
static void test_manual_refund_from_plan(void **state)
{
  (void)state;
  char plan[512];
  struct seeded s = seed(CG_STORE_RETURN_DECIDED, PLAN("manual", "true"), 1, 2);
  snprintf(plan, sizeof(plan),
           "{\"action\":\"settle\",\"refund\":\"manual\",\"notify\":true,"
           "\"accept_mismatch\":false,\"lines\":[{\"lineRef\":\"%s\","
           "\"refund\":\"full\"},{\"lineRef\":\"%s\",\"refund\":\"none\"}]}",
           s.ref[0], s.ref[1]);
  assert_int_equal(cg_store_return_set_plan(flow.store, s.id, plan, 1, NULL),
                   0);
  assert_int_equal(deliver(s.id).outcome, CG_OUTCOME_OK);
  const char *msg = open_exception(s.id, CG_RETURN_MISMATCH);
  assert_non_null(msg);
  assert_null(strstr(msg, "not decided"));
  assert_non_null(strstr(msg, "(M411740BLK38): refund full, 20.00"));
  assert_non_null(strstr(msg, "(M411740BLK40): refund none, 60.00"));
}

static void test_mismatch_held(void **state)
{
  (void)state;
  struct seeded s = seed(CG_STORE_RETURN_RECEIVED, NULL, 1, 1);
  assert_int_equal(deliver(s.id).outcome, CG_OUTCOME_OK);
  assert_int_equal(step_of(s.id), CG_STORE_RETURN_HELD);
  assert_string_equal(status_of(s.id), "PENDING");
  const char *msg = open_exception(s.id, CG_RETURN_MISMATCH);
  assert_non_null(msg);
  assert_non_null(strstr(msg, "mismatch"));
  assert_non_null(strstr(msg, "1 received, 2 advised"));
}

static bool loaded;

static void on_loaded(int rc, cJSON *reply, const struct cg_err *err, void *arg)
{
  (void)arg;
  if (rc != 0)
    fail_msg("load: %s", err->msg);
  cJSON_Delete(reply);
  loaded = true;
}

/* Loads a pack into the rule host (dir NULL: the default pack). */
static void load_pack(const char *returns_lua)
{
  char *dir = returns_lua ? kit_pack("returns.lua", returns_lua, NULL) : NULL;
  struct cg_rules_opts o = kit_opts("m1", dir ? dir : kit_src("rules/default"));
  loaded = false;
  assert_int_equal(cg_rulehost_load(flow.rulehost, &o, on_loaded, NULL), 0);
  run_until(&loaded);
  if (dir)
    kit_unpack(dir);
}

static void test_settle_despite_mismatch_held(void **state)
{
  (void)state;
  load_pack("return { decide = function() return { action = 'settle', "
            "refund = 'full' } end }\n");
  struct seeded s = seed(CG_STORE_RETURN_RECEIVED, NULL, 1, 1);
  assert_int_equal(deliver(s.id).outcome, CG_OUTCOME_OK);
  load_pack(NULL);
  assert_int_equal(step_of(s.id), CG_STORE_RETURN_HELD);
  assert_string_equal(status_of(s.id), "PENDING");
  assert_int_equal(sim_count("/_sim/centra/refunds", s.id, NULL), 0);
  assert_non_null(
      strstr(open_exception(s.id, CG_RETURN_MISMATCH), "accept_mismatch"));
}

static void test_resend_after_crash(void **state)
{
  (void)state;
  struct seeded s = seed(CG_STORE_RETURN_DECIDED, PLAN("full", "true"), 1, 2);
  /* the completion went out and the engine died before its commit */
  gql_ok("mutation { completeReturn(id: %lld, input: {sendEmail: true}) { "
         "userErrors { message } } }",
         s.id);
  struct delivery d = deliver(s.id);
  assert_int_equal(d.outcome, CG_OUTCOME_OK);
  assert_int_equal(step_of(s.id), CG_STORE_RETURN_SETTLED);
  assert_int_equal(sim_count("/_sim/centra/emails", s.id, "RETURN_COMPLETED"),
                   1);
  assert_int_equal(timeline(s.number, "return completed", "already"), 1);
  assert_int_equal(sim_count("/_sim/centra/refunds", s.id, NULL), 1);
  assert_null(open_exception(s.id, "SYNC_FAILURE"));
}

/* Retries (or resolves) the open exception of type (NULL: any) on return
 * id as the operator would; false when none is open. */
static bool handle_open(int64_t id, const char *type, bool resolve)
{
  char key[32];
  snprintf(key, sizeof key, "%lld", (long long)id);
  struct cg_store_exception_filter f = {
      .state = "open", .type = type, .entity_key = key};
  struct cg_store_exception_list l = {0};
  assert_int_equal(cg_store_exception_list(flow.store, &f, &l, NULL), 0);
  bool any = l.n > 0;
  if (any) {
    assert_int_equal(cg_store_begin(flow.store, NULL), 0);
    assert_int_equal(resolve ? cg_store_exception_resolve(
                                   flow.store, l.items[0].id, "cs", NULL, NULL)
                             : cg_returns_retry(&flow, &l.items[0], NULL),
                     0);
    assert_int_equal(cg_store_commit(flow.store, NULL), 0);
  }
  cg_store_exception_list_clear(&l);
  return any;
}

static void sim_ctl(const char *path, const char *body)
{
  cJSON_Delete(e2e_post(&sim, 'c', path, body));
}

#define PLAN_COMPLETED                                                         \
  "{\"action\":\"settle\",\"refund\":\"full\",\"notify\":true,\"completed\":"  \
  "true}"

static void test_refund_already_there(void **state)
{
  (void)state;
  struct seeded s = seed(CG_STORE_RETURN_COMPLETED, PLAN_COMPLETED, 1, 2);
  gql_ok("mutation { completeReturn(id: %lld, input: {sendEmail: false}) { "
         "userErrors { message } } }",
         s.id);
  gql_ok("mutation { refundReturn(id: %lld) { userErrors { message } } }",
         s.id);
  assert_int_equal(deliver(s.id).outcome, CG_OUTCOME_OK);
  assert_int_equal(step_of(s.id), CG_STORE_RETURN_SETTLED);
  assert_int_equal(sim_count("/_sim/centra/refunds", s.id, NULL), 1);
  assert_int_equal(timeline(s.number, "return refunded", "already"), 1);
  /* recorded from a read: customer service checks it */
  const char *msg = open_exception(s.id, CG_RETURN_MISMATCH);
  assert_non_null(msg);
  assert_non_null(strstr(msg, "refund-check"));
  assert_non_null(strstr(msg, "(SUCCESS)"));
}

static void unconfirmed(const char *mode)
{
  char body[64];
  struct seeded s = seed(CG_STORE_RETURN_COMPLETED, PLAN_COMPLETED, 1, 2);
  gql_ok("mutation { completeReturn(id: %lld, input: {sendEmail: false}) { "
         "userErrors { message } } }",
         s.id);
  snprintf(body, sizeof body, "{\"mode\":\"%s\"}", mode);
  sim_ctl("/_sim/centra/refund-answer", body);
  struct delivery d = deliver(s.id);
  sim_ctl("/_sim/centra/refund-answer", "{\"mode\":null}");
  assert_int_equal(d.outcome, CG_OUTCOME_FAIL);
  assert_string_equal(d.code, "refund-unconfirmed");
  assert_int_equal(step_of(s.id), CG_STORE_RETURN_HELD);
  assert_non_null(
      strstr(open_exception(s.id, "SYNC_FAILURE"), "refund-unconfirmed"));
  assert_int_equal(timeline(s.number, "return refunded", NULL), 0);
  /* the retry reads first: the refund Centra made is recorded, not sent
   * again, and customer service is asked to check it */
  assert_true(handle_open(s.id, "SYNC_FAILURE", false));
  assert_int_equal(deliver(s.id).outcome, CG_OUTCOME_OK);
  assert_int_equal(step_of(s.id), CG_STORE_RETURN_SETTLED);
  assert_int_equal(sim_count("/_sim/centra/refunds", s.id, NULL), 1);
  assert_int_equal(timeline(s.number, "return refunded", "found by a read"), 1);
  assert_non_null(
      strstr(open_exception(s.id, CG_RETURN_MISMATCH), "refund-check"));
}

static void test_refund_unconfirmed(void **state)
{
  (void)state;
  unconfirmed("no-entries");
  unconfirmed("other-return");
}

/* A pack's "completed" never stands for the engine's completion: with
 * Centra refusing completeReturn and the operator retrying, no refund. */
static void test_pack_cannot_mark_completed(void **state)
{
  (void)state;
  load_pack("return { decide = function() return { action = 'settle', "
            "refund = 'full', completed = true } end }\n");
  struct seeded s = seed(CG_STORE_RETURN_RECEIVED, NULL, 1, 2);
  sim_ctl("/_sim/centra/refuse", "{\"field\":\"completeReturn\"}");
  struct delivery d = deliver(s.id);
  assert_int_equal(d.outcome, CG_OUTCOME_FAIL);
  assert_non_null(strstr(d.message, "completed"));
  for (int i = 0; i < 2; i++) {
    assert_true(handle_open(s.id, NULL, false));
    deliver(s.id);
  }
  sim_ctl("/_sim/centra/refuse", "{\"field\":null}");
  load_pack(NULL);
  assert_int_equal(step_of(s.id), CG_STORE_RETURN_HELD);
  assert_string_equal(status_of(s.id), "PENDING");
  assert_int_equal(sim_count("/_sim/centra/refunds", s.id, NULL), 0);
}

/* The operator retries the hold while its row is still inflight (the
 * retry sees it active and queues nothing): the row's OK finish queues
 * it again. */
static void test_retry_while_row_inflight(void **state)
{
  (void)state;
  struct seeded s = seed(CG_STORE_RETURN_RECEIVED, NULL, 1, 1);
  char key[32];
  int64_t id = 0;
  snprintf(key, sizeof key, "%lld", (long long)s.id);
  assert_int_equal(cg_store_outbox_put(flow.store, CG_RETURNS_KIND_SETTLE, key,
                                       "cg-m1-return-settle-inflight", "{}", 0,
                                       &id, NULL),
                   0);
  assert_int_equal(cg_store_outbox_mark_inflight(flow.store, id, NULL), 0);
  struct delivery d = {0};
  struct cg_store_outbox_row row = {
      .id = id, .kind = CG_RETURNS_KIND_SETTLE, .entity_key = key};
  assert_int_equal(cg_returns_settle_kind.start(&flow, &row, on_delivered, &d),
                   0);
  run_until(&d.done);
  assert_int_equal(step_of(s.id), CG_STORE_RETURN_HELD);
  assert_true(handle_open(s.id, CG_RETURN_MISMATCH, false));
  assert_int_equal(step_of(s.id), CG_STORE_RETURN_RECEIVED);
  struct cg_call_result res;
  cg_call_result_init(&res);
  cg_call_result_set(&res, d.outcome, d.code, "%s", d.message);
  assert_int_equal(cg_store_begin(flow.store, NULL), 0);
  assert_int_equal(cg_store_outbox_done(flow.store, id, 200, NULL), 0);
  assert_int_equal(cg_returns_settle_kind.finish(&flow, &row, &res), 0);
  assert_int_equal(cg_store_commit(flow.store, NULL), 0);
  struct cg_store_outbox_filter f = {.state = CG_STORE_OUTBOX_PENDING,
                                     .kind = CG_RETURNS_KIND_SETTLE,
                                     .entity_key = key};
  struct cg_store_outbox_list l = {0};
  assert_int_equal(cg_store_outbox_list(flow.store, &f, &l, NULL), 0);
  assert_int_equal(l.n, 1);
  cg_store_outbox_list_clear(&l);
}

static void on_stopped(struct cg_call_result *res, void *arg)
{
  struct delivery *d = arg;
  assert_int_equal(res->outcome, CG_OUTCOME_RETRY);
  snprintf(d->code, sizeof d->code, "%s", res->code);
  d->done = true;
}

/* The engine stops (merchant.c drops its clients) while returns.decide is
 * pending: its reply ends the delivery RETRY canceled; the GXO client's
 * calls refuse the same way. */
static void test_stop_with_rules_pending(void **state)
{
  (void)state;
  struct seeded s = seed(CG_STORE_RETURN_RECEIVED, NULL, 1, 2);
  char key[32];
  snprintf(key, sizeof key, "%lld", (long long)s.id);
  struct cg_store_outbox_row row = {.kind = CG_RETURNS_KIND_SETTLE,
                                    .entity_key = key};
  struct delivery d = {0};
  struct cg_centra *centra = flow.centra;
  assert_int_equal(cg_returns_settle_kind.start(&flow, &row, on_stopped, &d),
                   0);
  assert_false(d.done); /* returns.decide is pending */
  flow.centra = NULL;
  run_until(&d.done);
  flow.centra = centra;
  assert_string_equal(d.code, "canceled");
  assert_int_equal(sim_count("/_sim/centra/refunds", s.id, NULL), 0);
  cJSON *advice = cJSON_Parse("{\"rmaRef\":\"1\"}");
  assert_int_equal(cg_gxo_advise_return(NULL, advice, "k", on_stopped, &d),
                   CG_ECANCELED);
  cJSON_Delete(advice);
}

/* A second receipt (returns_receipt.c raises it with this message)
 * stops the writes: held before the completion and before the refund. */
static void second_receipt(int64_t id)
{
  char key[32], msg[160];
  snprintf(key, sizeof key, "%lld", (long long)id);
  snprintf(msg, sizeof msg,
           "return %lld: second-receipt: the warehouse sent receipt RCV-X "
           "after receipt RCV-1",
           (long long)id);
  assert_int_equal(cg_store_begin(flow.store, NULL), 0);
  assert_int_equal(cg_flow_raise(&flow, CG_RETURN_MISMATCH, CG_RETURNS_ENTITY,
                                 key, msg, NULL, NULL),
                   0);
  assert_int_equal(cg_store_commit(flow.store, NULL), 0);
}

static void test_second_receipt_holds(void **state)
{
  (void)state;
  struct seeded a = seed(CG_STORE_RETURN_DECIDED, PLAN("full", "true"), 1, 2);
  second_receipt(a.id);
  assert_int_equal(deliver(a.id).outcome, CG_OUTCOME_OK);
  assert_int_equal(step_of(a.id), CG_STORE_RETURN_HELD);
  assert_string_equal(status_of(a.id), "PENDING");
  assert_non_null(strstr(open_exception(a.id, CG_RETURN_MISMATCH),
                         "held before the completion"));
  struct seeded b = seed(CG_STORE_RETURN_COMPLETED, PLAN_COMPLETED, 1, 2);
  gql_ok("mutation { completeReturn(id: %lld, input: {sendEmail: false}) { "
         "userErrors { message } } }",
         b.id);
  second_receipt(b.id);
  assert_int_equal(deliver(b.id).outcome, CG_OUTCOME_OK);
  assert_int_equal(step_of(b.id), CG_STORE_RETURN_HELD);
  assert_int_equal(sim_count("/_sim/centra/refunds", b.id, NULL), 0);
  assert_non_null(strstr(open_exception(b.id, CG_RETURN_MISMATCH),
                         "held before the refund"));
}

/* Completed by hand in Centra before the engine: the refusal says to
 * resolve, and resolving settles the return by hand. */
static void test_refused_then_resolved(void **state)
{
  (void)state;
  struct seeded s = seed(CG_STORE_RETURN_DECIDED, PLAN("full", "true"), 1, 2);
  sim_ctl("/_sim/centra/refuse", "{\"field\":\"completeReturn\"}");
  struct delivery d = deliver(s.id);
  sim_ctl("/_sim/centra/refuse", "{\"field\":null}");
  assert_int_equal(d.outcome, CG_OUTCOME_FAIL);
  const char *msg = open_exception(s.id, "SYNC_FAILURE");
  assert_non_null(msg);
  assert_non_null(strstr(msg, "completed by hand in Centra, resolve"));
  assert_true(handle_open(s.id, "SYNC_FAILURE", true));
  assert_true(cg_returns_settle_resolved(&flow) >= 1);
  assert_int_equal(step_of(s.id), CG_STORE_RETURN_SETTLED);
  assert_int_equal(timeline(s.number, "return settled by hand", NULL), 1);
  assert_int_equal(sim_count("/_sim/centra/refunds", s.id, NULL), 0);
}

static void test_refused_then_retried(void **state)
{
  (void)state;
  struct seeded s = seed(CG_STORE_RETURN_DECIDED, PLAN("none", "false"), 1, 2);
  sim_ctl("/_sim/centra/refuse", "{\"field\":\"completeReturn\"}");
  struct delivery d = deliver(s.id);
  sim_ctl("/_sim/centra/refuse", "{\"field\":null}");
  assert_int_equal(d.outcome, CG_OUTCOME_FAIL);
  assert_int_equal(step_of(s.id), CG_STORE_RETURN_HELD);
  assert_string_equal(status_of(s.id), "PENDING");
  assert_non_null(open_exception(s.id, "SYNC_FAILURE"));
  /* the operator's retry: back to decided, a settle row queued */
  char key[32];
  snprintf(key, sizeof key, "%lld", (long long)s.id);
  assert_true(handle_open(s.id, "SYNC_FAILURE", false));
  assert_int_equal(step_of(s.id), CG_STORE_RETURN_DECIDED);
  int64_t rows = 0;
  assert_int_equal(cg_store_outbox_count_entity(
                       flow.store, CG_RETURNS_KIND_SETTLE, key, &rows, NULL),
                   0);
  assert_int_equal(rows, 1);
  assert_int_equal(deliver(s.id).outcome, CG_OUTCOME_OK);
  assert_int_equal(step_of(s.id), CG_STORE_RETURN_SETTLED);
  assert_string_equal(status_of(s.id), "COMPLETED");
  assert_null(open_exception(s.id, "SYNC_FAILURE"));
}

/* ---- set-up -------------------------------------------------------------*/

static void on_limits(struct cg_call_result *res, void *arg)
{
  assert_int_equal(res->outcome, CG_OUTCOME_OK);
  *(bool *)arg = true;
}

static int group_setup(void **state)
{
  (void)state;
  struct cg_err err = {0};
  char *scenario = e2e_scenario(0, 0);
  /* the test's own mutations (shipping, completing behind the engine's
   * back) must not spend the engine's budget */
  static const char *const args[] = {"--centra-mutation-budget", "1000", NULL};
  struct e2e_opts o = {.scenario_json = scenario, .seed = 7, .sim_args = args};
  e2e_setup(&sim, &o);
  cg_free(scenario);
  assert_int_equal(uv_loop_init(&loop), 0);
  store_dir = tu_tmpdir("settle");
  char path[600], url[128], bin[512];
  snprintf(path, sizeof path, "%s/m1.db", store_dir);
  snprintf(url, sizeof url, "http://127.0.0.1:%d/graphql", sim.port_centra);
  snprintf(bin, sizeof bin, "%s/centra-gxo", tu_build_dir());
  struct cg_store_opts so = {.path = path, .name = "m1"};
  struct cg_centra_opts co = {
      .loop = &loop, .merchant = "m1", .url = url, .token = "centra-dev-token"};
  struct cg_rulehost_opts ho = {.merchant = "m1", .binary = bin};
  flow = (struct cg_flow){.merchant = "m1", .loop = &loop};
  assert_int_equal(cg_store_open(&so, &flow.store, &err), 0);
  flow.centra = cg_centra_create(&co, &err);
  assert_non_null(flow.centra);
  flow.orders_writing = (struct cg_map)CG_MAP_INIT;
  assert_int_equal(cg_rulehost_create(&loop, &ho, &flow.rulehost, &err), 0);
  bool limits = false;
  assert_int_equal(cg_centra_refresh_limits(flow.centra, on_limits, &limits),
                   0);
  run_until(&limits);
  load_pack(NULL);
  return 0;
}

static int group_teardown(void **state)
{
  (void)state;
  cg_centra_destroy(flow.centra);
  cg_rulehost_destroy(flow.rulehost);
  while (uv_loop_close(&loop) == UV_EBUSY)
    uv_run(&loop, UV_RUN_ONCE);
  cg_map_free(&flow.orders_writing);
  cg_store_close(flow.store);
  tu_rmtree(store_dir);
  cg_free(store_dir);
  e2e_teardown(&sim);
  return 0;
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_full_refund),
      cmocka_unit_test(test_no_refund),
      cmocka_unit_test(test_manual_refund),
      cmocka_unit_test(test_manual_refund_from_plan),
      cmocka_unit_test(test_mismatch_held),
      cmocka_unit_test(test_settle_despite_mismatch_held),
      cmocka_unit_test(test_resend_after_crash),
      cmocka_unit_test(test_refund_already_there),
      cmocka_unit_test(test_refused_then_retried),
      cmocka_unit_test(test_refund_unconfirmed),
      cmocka_unit_test(test_pack_cannot_mark_completed),
      cmocka_unit_test(test_retry_while_row_inflight),
      cmocka_unit_test(test_stop_with_rules_pending),
      cmocka_unit_test(test_second_receipt_holds),
      cmocka_unit_test(test_refused_then_resolved),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
