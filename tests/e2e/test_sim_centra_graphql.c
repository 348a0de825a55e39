/*
 * The simulated Centra's /graphql request path in process
 * (sim_centra__execute, with its node child running centra_gql.js):
 * what Centra refuses is refused with 400 and Centra's error shape,
 * nothing runs and no budget is spent; answers carry only the selected
 * fields (aliases, fragments on interfaces and unions, __typename);
 * introspection answers from the schema; root mutations answer the state
 * each left; refusals are counted; a missing
 * GraphQL host means 500, not a crash.
 */
#include "testutil.h"

#include "sim_centra.h"
#include "sim_ctx.h"

#include "base/json.h"
#include "base/mem.h"

#include <string.h>

static const char *const TOKEN = "Bearer centra-dev-token";

/* Sends {query, variables}; returns the status and the parsed answer. */
static int run(struct sim_centra *c, const char *query, const char *vars,
               cJSON **out, int *retry)
{
  cJSON *req = cJSON_CreateObject();
  cJSON_AddStringToObject(req, "query", query);
  if (vars != NULL)
    cJSON_AddItemToObject(req, "variables", cJSON_Parse(vars));
  char *body = cJSON_PrintUnformatted(req), *text = NULL;
  int r = 0;
  int st = sim_centra__execute(c, TOKEN, body, strlen(body), &text,
                               retry ? retry : &r);
  *out = cJSON_Parse(text);
  cg_free(text);
  cg_free(body);
  cJSON_Delete(req);
  return st;
}

static const char *first_error(const cJSON *out)
{
  return cg_json_str(cJSON_GetArrayItem(cg_json_get(out, "errors"), 0),
                     "message");
}

static struct sim_centra *seeded(void)
{
  struct sim_centra *c = sim_centra_create(NULL);
  const char *msg = NULL;
  cJSON *cat = cJSON_Parse("[{\"sku\":\"A-1\",\"ean\":\"1\",\"stock\":5}]");
  cJSON *ord = cJSON_Parse("{\"number\":1000,\"shippingAddress\":{\"country\":"
                           "\"SE\"},\"lines\":[{\"sku\":\"A-1\"}]}");
  assert_int_equal(sim_centra__catalogue_load(c, cat, false, &msg), 0);
  assert_non_null(sim_centra__order_seed(c, ord, &msg));
  cJSON_Delete(cat);
  cJSON_Delete(ord);
  return c;
}

/* A refused request: 400, Centra's shape, message containing want. */
static void refused(struct sim_centra *c, const char *q, const char *vars,
                    const char *want)
{
  cJSON *out;
  assert_int_equal(run(c, q, vars, &out, NULL), 400);
  const cJSON *e = cJSON_GetArrayItem(cg_json_get(out, "errors"), 0);
  if (strstr(cg_json_str(e, "message"), want) == NULL)
    fail_msg("%s: got \"%s\"", q, cg_json_str(e, "message"));
  assert_string_equal(cg_json_str(e, "extensions.category"), "graphql");
  assert_true(cg_json_int(cJSON_GetArrayItem(cg_json_get(e, "locations"), 0),
                          "line", 0) >= 1);
  assert_null(cg_json_get(out, "data"));
  cJSON_Delete(out);
}

static void test_refusals(void **state)
{
  struct sim_centra *c = seeded();
  refused(c, "{ orders { number fooBar } }", NULL,
          "Cannot query field \"fooBar\" on type \"Order\"");
  refused(c, "query($w: OrderWhere) { orders(where: $w) { id } }", NULL,
          "Unknown type \"OrderWhere\"");
  refused(c, "query($l: Int!) { orders(limit: $l) { id } }", "{\"l\":\"ten\"}",
          "Int cannot represent");
  refused(c, "query($l: Int!) { orders(limit: $l) { id } }", NULL,
          "was not provided");
  refused(c, "{ orders(where: {status: [CONFIRMED]) { id } }", NULL,
          "Syntax Error");
  refused(c, "{ order(number: 1000) { id } }", NULL,
          "Unknown argument \"number\"");
  refused(c, "{ orders(sort: [id_ASC]) { id } }", NULL, "id_ASC");
  /* Nothing ran and no budget was spent. */
  refused(c,
          "mutation { setEventListeners(input: [{objectType: Order, nope: 1}])"
          " { userErrors { message } } }",
          NULL, "nope");
  int used, quota;
  sim_centra__budget(c, &used, &quota);
  assert_int_equal(used, 0);
  assert_int_equal(cJSON_GetArraySize(c->listeners), 0);
  assert_int_equal(c->refused, 8);
  assert_int_equal(cJSON_GetArraySize(c->refusals), 8);
  sim_centra_destroy(c);
}

static void test_only_selected_fields(void **state)
{
  struct sim_centra *c = seeded();
  cJSON *out;
  assert_int_equal(run(c, "{ orders { number } }", NULL, &out, NULL), 200);
  const cJSON *o = cJSON_GetArrayItem(cg_json_get(out, "data.orders"), 0);
  assert_int_equal(cJSON_GetArraySize(o), 1);
  assert_int_equal(cg_json_int(o, "number", 0), 1000);
  cJSON_Delete(out);
  assert_int_equal(run(c,
                       "query Q($n: Int!) { mine: orders(where: {number: [$n]})"
                       " { n: number ...F ... on DirectToConsumerOrder { "
                       "customer { id } } } } fragment F on Order { status }",
                       "{\"n\":1000}", &out, NULL),
                   200);
  o = cJSON_GetArrayItem(cg_json_get(out, "data.mine"), 0);
  assert_int_equal(cg_json_int(o, "n", 0), 1000);
  assert_string_equal(cg_json_str(o, "status"), "CONFIRMED");
  assert_non_null(cg_json_get(o, "customer.id"));
  assert_null(cg_json_get(o, "number"));
  assert_int_equal(cJSON_GetArraySize(o), 3);
  cJSON_Delete(out);
  sim_centra_destroy(c);
}

static void test_union_and_introspection(void **state)
{
  struct sim_centra *c = seeded();
  cJSON *out;
  assert_int_equal(run(c,
                       "{ events { object { __typename ... on Order { "
                       "orderNumber: number } } } }",
                       NULL, &out, NULL),
                   200);
  const cJSON *ev = cJSON_GetArrayItem(cg_json_get(out, "data.events"), 0);
  assert_string_equal(cg_json_str(ev, "object.__typename"),
                      "DirectToConsumerOrder");
  assert_int_equal(cg_json_int(ev, "object.orderNumber", 0), 1000);
  cJSON_Delete(out);
  assert_int_equal(run(c,
                       "{ __type(name: \"RateLimitInterval\") { enumValues { "
                       "name } } __typename }",
                       NULL, &out, NULL),
                   200);
  assert_string_equal(
      cg_json_str(
          cJSON_GetArrayItem(cg_json_get(out, "data.__type.enumValues"), 0),
          "name"),
      "TEN_SECONDS");
  assert_string_equal(cg_json_str(out, "data.__typename"), "Query");
  cJSON_Delete(out);
  sim_centra_destroy(c);
}

static void test_field_errors_and_budget(void **state)
{
  struct sim_centra *c = seeded();
  cJSON *out;
  int retry = 0;
  assert_int_equal(run(c, "{ a: orders(limit: 500) { id } }", NULL, &out, NULL),
                   200);
  assert_string_equal(
      cJSON_GetArrayItem(
          cg_json_get(cJSON_GetArrayItem(cg_json_get(out, "errors"), 0),
                      "path"),
          0)
          ->valuestring,
      "a");
  assert_non_null(first_error(out));
  cJSON_Delete(out);
  const char *m = "mutation { setEventListeners(input: [{objectType: Order}]) "
                  "{ userErrors { message } } }";
  for (int i = 0; i < 20; i++) {
    assert_int_equal(run(c, m, NULL, &out, &retry), 200);
    cJSON_Delete(out);
  }
  assert_int_equal(run(c, m, NULL, &out, &retry), 429);
  assert_true(retry >= 1 && retry <= 10);
  assert_string_equal(
      cg_json_str(cJSON_GetArrayItem(cg_json_get(out, "errors"), 0),
                  "extensions.category"),
      "rate_limit");
  cJSON_Delete(out);
  sim_centra_destroy(c);
}

/* Root mutations run in order and each answer shows the order as its own
 * field left it: the second change does not reach the first answer (the
 * answers share the stored members until printed, sim_json_view). */
static void test_serial_mutations(void **state)
{
  struct sim_centra *c = seeded();
  cJSON *out;
  const char *q = "mutation { a: updateDirectToConsumerOrder(order: {number: "
                  "1000}, input: {otherComment: \"first\"}) { order { "
                  "otherComment } } b: updateDirectToConsumerOrder(order: "
                  "{number: 1000}, input: {otherComment: \"second\"}) { "
                  "order { otherComment } } }";
  assert_int_equal(run(c, q, NULL, &out, NULL), 200);
  assert_string_equal(cg_json_str(out, "data.a.order.otherComment"), "first");
  assert_string_equal(cg_json_str(out, "data.b.order.otherComment"), "second");
  cJSON_Delete(out);
  sim_centra_destroy(c);
}

/* The numbers of a page of orders not on hold, joined with ','. */
static void page_numbers(struct sim_centra *c, int page, char *buf, size_t size)
{
  char q[160];
  cJSON *out;
  snprintf(q, sizeof(q),
           "{ orders(where: {isOnHold: false}, sort: [orderDate_ASC], limit: "
           "2, page: %d) { number } }",
           page);
  assert_int_equal(run(c, q, NULL, &out, NULL), 200);
  const cJSON *o;
  buf[0] = '\0';
  cJSON_ArrayForEach(o, cg_json_get(out, "data.orders"))
  {
    size_t n = strlen(buf);
    snprintf(buf + n, size - n, "%s%lld", n ? "," : "",
             (long long)cg_json_int(o, "number", 0));
  }
  cJSON_Delete(out);
}

/* The matches of a filter are kept from page to page; a changed or a new
 * order shows on the next page asked for all the same. */
static void test_pages_see_changes(void **state)
{
  struct sim_centra *c = seeded();
  const char *msg = NULL;
  char got[64];
  cJSON *ord = cJSON_Parse("{\"lines\":[{\"sku\":\"A-1\"}]}");
  for (int i = 0; i < 3; i++)
    assert_non_null(sim_centra__order_seed(c, ord, &msg));
  page_numbers(c, 1, got, sizeof(got));
  assert_string_equal(got, "1000,1001");
  cJSON *out;
  assert_int_equal(run(c,
                       "mutation { updateDirectToConsumerOrder(order: "
                       "{number: 1000}, input: {isOnHold: true}) { order { "
                       "number } } }",
                       NULL, &out, NULL),
                   200);
  cJSON_Delete(out);
  page_numbers(c, 1, got, sizeof(got));
  assert_string_equal(got, "1001,1002");
  assert_non_null(sim_centra__order_seed(c, ord, &msg));
  page_numbers(c, 2, got, sizeof(got));
  assert_string_equal(got, "1003,1004");
  cJSON_Delete(ord);
  sim_centra_destroy(c);
}

static void test_transport_answers(void **state)
{
  struct sim_centra *c = sim_centra_create(NULL);
  char *text = NULL;
  int retry;
  const char *q = "{\"query\":\"{ rateLimits { type } }\"}";
  assert_int_equal(
      sim_centra__execute(c, "Bearer x", q, strlen(q), &text, &retry), 403);
  cg_free(text);
  assert_int_equal(
      sim_centra__execute(c, TOKEN, "{\"query\":", 9, &text, &retry), 400);
  cg_free(text);
  const char *v = "{\"query\":\"{ rateLimits { type } }\",\"variables\":[]}";
  assert_int_equal(sim_centra__execute(c, TOKEN, v, strlen(v), &text, &retry),
                   400);
  cg_free(text);
  sim_centra_destroy(c);
}

/* No GraphQL host (cannot start, or exits at once): 500, every time. */
static void test_host_gone(void **state)
{
  static const char *const nodes[] = {"/nonexistent/node", "false"};
  for (size_t i = 0; i < 2; i++) {
    struct sim_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    sim_opts_defaults(&ctx.opts);
    ctx.opts.centra_node = nodes[i];
    struct sim_centra *c = sim_centra_create(&ctx);
    cJSON *out;
    for (int k = 0; k < 2; k++) {
      assert_int_equal(run(c, "{ rateLimits { type } }", NULL, &out, NULL),
                       500);
      cJSON_Delete(out);
    }
    sim_centra_destroy(c);
  }
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_refusals),
      cmocka_unit_test(test_only_selected_fields),
      cmocka_unit_test(test_union_and_introspection),
      cmocka_unit_test(test_field_errors_and_budget),
      cmocka_unit_test(test_serial_mutations),
      cmocka_unit_test(test_pages_see_changes),
      cmocka_unit_test(test_transport_answers),
      cmocka_unit_test(test_host_gone),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
