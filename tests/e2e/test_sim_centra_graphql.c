/*
 * Unit tests for the simulator's GraphQL reader (tests/sim/sim_graphql.c)
 * and, in process, the simulated Centra's request path
 * (sim_centra__execute): root fields, aliases, variables and defaults,
 * literals, refused constructs, every prefix and byte-flip of valid
 * documents (no crash, no leak under ASan), allocation failures, and the
 * 403/400/200-errors/429 answers.
 */
#include "testutil.h"

#include "sim_centra.h"
#include "sim_ctx.h"
#include "sim_graphql.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"

#include <string.h>

static const char *const VALID[] = {
    "{ orders { id } }",
    "query Q($l: Int = 5, $w: OrderFilter!) { a: orders(where: $w, limit: $l,"
    " sort: [id_ASC]) { id lines { id name(x: \"}{\") } } rateLimits { type }"
    " }",
    "mutation M($id: Int!) { completeShipment(id: $id, input: {sendEmail: "
    "true, shipmentInfo: {carrier: \"DHL\\u00e9\\n\", packagesNumber: 2, f: "
    "-1.5e3, n: null, b: \"\"\"blo\"ck\"\"\"}}) { userErrors { message } } }",
    "fragment F on Order { id } query { order(number: 5) { ...F } } # c",
};

static int parse(const char *src, const char *op, const char *vars,
                 struct sim_gql_doc *doc, char *err, size_t size)
{
  cJSON *v = vars ? cJSON_Parse(vars) : NULL;
  int rc = sim_gql_parse(src, op, v, doc, err, size);
  cJSON_Delete(v);
  return rc;
}

static char *args_text(const struct sim_gql_doc *doc, size_t i)
{
  return cJSON_PrintUnformatted(doc->fields[i].args);
}

static void test_fields_and_arguments(void **state)
{
  struct sim_gql_doc d;
  char err[256];
  assert_int_equal(parse(VALID[1], NULL, "{\"w\":{\"status\":[\"CONFIRMED\"]}}",
                         &d, err, sizeof(err)),
                   0);
  assert_false(d.mutation);
  assert_string_equal(d.op_name, "Q");
  assert_int_equal(d.nfields, 2);
  assert_string_equal(d.fields[0].alias, "a");
  assert_string_equal(d.fields[0].name, "orders");
  char *a = args_text(&d, 0);
  assert_string_equal(a, "{\"where\":{\"status\":[\"CONFIRMED\"]},\"limit\":5,"
                         "\"sort\":[\"id_ASC\"]}");
  cg_free(a);
  assert_string_equal(d.fields[1].alias, "rateLimits");
  sim_gql_doc_free(&d);

  assert_int_equal(parse(VALID[2], NULL, "{\"id\":7}", &d, err, sizeof(err)),
                   0);
  assert_true(d.mutation);
  a = args_text(&d, 0);
  assert_string_equal(a, "{\"id\":7,\"input\":{\"sendEmail\":true,"
                         "\"shipmentInfo\":{\"carrier\":\"DHL\xc3\xa9\\n\","
                         "\"packagesNumber\":2,\"f\":-1500,\"n\":null,"
                         "\"b\":\"blo\\\"ck\"}}}");
  cg_free(a);
  sim_gql_doc_free(&d);
}

static void test_operations_and_variables(void **state)
{
  struct sim_gql_doc d;
  char err[256];
  assert_int_equal(parse("query A { a } query B { b(x: 1) }", "B", NULL, &d,
                         err, sizeof(err)),
                   0);
  assert_string_equal(d.fields[0].name, "b");
  sim_gql_doc_free(&d);
  assert_int_equal(
      parse("query A { a } query B { b }", NULL, NULL, &d, err, sizeof(err)),
      CG_EINVAL);
  assert_non_null(strstr(err, "operation name"));
  assert_int_equal(parse("query A { a }", "C", NULL, &d, err, sizeof(err)),
                   CG_EINVAL);
  /* An unset variable leaves the argument out; inside a list it is null. */
  assert_int_equal(
      parse("{ a(x: $m, y: [$m]) }", NULL, NULL, &d, err, sizeof(err)), 0);
  char *a = args_text(&d, 0);
  assert_string_equal(a, "{\"y\":[null]}");
  cg_free(a);
  sim_gql_doc_free(&d);
  assert_int_equal(parse(VALID[3], NULL, NULL, &d, err, sizeof(err)), 0);
  assert_string_equal(d.fields[0].name, "order");
  sim_gql_doc_free(&d);
}

static void test_refusals(void **state)
{
  static const char *const bad[][2] = {
      {"", "Unexpected <EOF>"},
      {"{ orders(where: {status: [CONFIRMED] ) { id } }", "Unexpected \")\""},
      {"{ orders { id }", "<EOF>"},
      {"{ ...F } fragment F on Query { x }", "Fragment spreads"},
      {"{ a @include(if: true) }", "Directives"},
      {"subscription { a }", "Subscriptions"},
      {"{ a(x: \"open) }", "Unterminated string"},
      {"{ a(x: ~) }", "Unexpected character"},
      {"{ a(x: 1.) }", "Invalid number"},
      {"{ a(x: \"\\q\") }", "Invalid escape"},
      {"{ }", "Unexpected \"}\""},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    struct sim_gql_doc d;
    char err[256];
    assert_int_equal(parse(bad[i][0], NULL, NULL, &d, err, sizeof(err)),
                     CG_EINVAL);
    assert_non_null(strstr(err, bad[i][1]));
    assert_non_null(strstr(err, "line 1, column"));
    assert_int_equal(d.nfields, 0);
  }
}

static void test_deep_nesting_refused(void **state)
{
  char src[4200] = "{ a(x: ";
  size_t n = strlen(src);
  for (int i = 0; i < 2000; i++)
    src[n++] = '[';
  strcpy(src + n, "1 ]) }");
  struct sim_gql_doc d;
  char err[256];
  assert_int_equal(parse(src, NULL, NULL, &d, err, sizeof(err)), CG_EINVAL);
  assert_non_null(strstr(err, "too deep"));
}

/* Every prefix and every single-byte corruption of the valid documents is
 * answered (0 or CG_EINVAL) without a crash or leak. */
static void test_prefixes_and_flips(void **state)
{
  static const char flips[] = "{}()[]\"\\$:@.!=#\n ,0a";
  for (size_t v = 0; v < sizeof(VALID) / sizeof(VALID[0]); v++) {
    size_t len = strlen(VALID[v]);
    char *buf = cg_malloc(len + 1);
    for (size_t cut = 0; cut <= len; cut++) {
      for (size_t f = 0; f <= sizeof(flips) - 1; f++) {
        struct sim_gql_doc d;
        char err[128];
        memcpy(buf, VALID[v], len + 1);
        if (f < sizeof(flips) - 1 && cut < len)
          buf[cut] = flips[f];
        else
          buf[cut] = '\0';
        int rc = parse(buf, NULL, "{\"id\":1}", &d, err, sizeof(err));
        assert_true(rc == 0 || rc == CG_EINVAL);
        sim_gql_doc_free(&d);
      }
    }
    cg_free(buf);
  }
}

static void test_allocation_failures(void **state)
{
  for (long n = 0; n < 400; n++) {
    struct sim_gql_doc d;
    char err[128];
    cJSON *vars = cJSON_Parse("{\"id\":7}");
    cg_mem_fail_after(n);
    int rc = sim_gql_parse(VALID[2], NULL, vars, &d, err, sizeof(err));
    cg_mem_fail_after(-1);
    assert_true(rc == 0 || rc == CG_ENOMEM || rc == CG_EINVAL);
    sim_gql_doc_free(&d);
    cJSON_Delete(vars);
  }
}

/* --- the /graphql request path, in process ------------------------------- */

static int run(struct sim_centra *c, const char *auth, const char *body,
               cJSON **out, int *retry)
{
  char *text = NULL;
  int st = sim_centra__execute(c, auth, body, strlen(body), &text, retry);
  *out = cJSON_Parse(text);
  cg_free(text);
  return st;
}

static void test_execute_answers(void **state)
{
  struct sim_centra *c = sim_centra_create(NULL);
  const char *tok = "Bearer centra-dev-token";
  cJSON *out;
  int retry;
  assert_int_equal(run(c, "Bearer nope", "{\"query\":\"{ a }\"}", &out, &retry),
                   403);
  assert_string_equal(
      cg_json_str(cJSON_GetArrayItem(cg_json_get(out, "errors"), 0),
                  "extensions.category"),
      "authorization");
  cJSON_Delete(out);
  assert_int_equal(run(c, tok, "{\"query\":", &out, &retry), 400);
  cJSON_Delete(out);
  assert_int_equal(run(c, tok, "{\"query\":\"{ nope }\"}", &out, &retry), 200);
  assert_null(cg_json_get(out, "data"));
  cJSON_Delete(out);
  const char *m = "{\"query\":\"mutation { setEventListeners(input: "
                  "[{objectType: Order}]) { userErrors { message } } }\"}";
  for (int i = 0; i < 20; i++) {
    assert_int_equal(run(c, tok, m, &out, &retry), 200);
    cJSON_Delete(out);
  }
  assert_int_equal(run(c, tok, m, &out, &retry), 429);
  assert_true(retry >= 1 && retry <= 10);
  cJSON_Delete(out);
  sim_centra_destroy(c);
}

int main(void)
{
  cg_mem_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fields_and_arguments),
      cmocka_unit_test(test_operations_and_variables),
      cmocka_unit_test(test_refusals),
      cmocka_unit_test(test_deep_nesting_refused),
      cmocka_unit_test(test_prefixes_and_flips),
      cmocka_unit_test(test_allocation_failures),
      cmocka_unit_test(test_execute_answers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
