/*
 * E2E: the simulated Centra under hostile input over HTTP. Thousands of
 * requests mix corrupted GraphQL documents, every operation called with
 * arguments of the wrong types (a seeded type fuzz over the variables of
 * schema-valid documents; the GraphQL layer refuses most with 400),
 * malformed JSON and odd control bodies. Every answer must be a known
 * status with a JSON body, the simulator must stay up, and it must exit
 * cleanly on SIGTERM without a sanitizer report in its log.
 */
#include "testutil.h"

#include "base/mem.h"
#include "base/rand.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define ROUNDS 2500

static char base[64];
static char *logpath;
static char *tmpdir;
static pid_t pid;

static const char *const AUTH[] = {"Authorization: Bearer centra-dev-token",
                                   "Content-Type: application/json", NULL};

/* Operations with their variables; the fuzz swaps variable values. */
static const char *const DOCS[] = {
    "query($w: OrderFilter, $l: Int, $p: Int, $s: [OrderSort!]) { orders("
    "where: $w, limit: $l, page: $p, sort: $s) { id number lines { id } } }",
    "query($id: String!) { order(id: $id) { id } }",
    "mutation($i: [EventListenerSetInput!]!) { setEventListeners(input: $i) { "
    "userErrors { message } } }",
    "query($w: EventFilter, $l: Int) { events(where: $w, limit: $l) { id "
    "object { __typename } } }",
    "mutation($i: EventsConfirmInput!) { confirmEvents(input: $i) { "
    "userErrors { message } } }",
    "mutation($i: ShipmentCreateInput!) { createShipment(input: $i) { "
    "shipment { id } } }",
    "mutation($id: Int!, $i: ShipmentUpdateInput!) { updateShipment(id: $id, "
    "input: $i) { shipment { id } } }",
    "mutation($id: Int!, $i: ShipmentCompleteInput) { completeShipment(id: "
    "$id, input: $i) { shipment { id } } }",
    "query($w: ShipmentFilter, $l: Int) { shipments(where: $w, limit: $l) { "
    "id } }",
    "mutation($i: StockChangeInput!) { changeStock(input: $i) { stockChange { "
    "id } } }",
    "mutation($i: StockSetInput!) { setStock(input: $i) { stockChanges { id } "
    "} }",
    "query($w: ProductSizeFilter, $p: Int) { productSizes(where: $w, page: "
    "$p) { id } }",
    "query($w: ReturnFilter) { returns(where: $w) { id } }",
    "mutation($id: Int!, $i: ReturnCompleteInput) { completeReturn(id: $id, "
    "input: $i) { userErrors { message } } }",
    "mutation($id: Int!, $i: ReturnRefundInput) { refundReturn(id: $id, "
    "input: $i) { userErrors { message } } }",
    "mutation($o: OrderInput!, $i: DirectToConsumerOrderUpdateInput!) { "
    "updateDirectToConsumerOrder(order: $o, input: $i) { order { id } } }",
    "{ rateLimits { type } }",
};

static const char *const VARS[] = {"w", "l", "p", "s", "id", "n", "i", "o"};

/* Values of every JSON type, including plausible and hostile shapes. */
static const char *const VALUES[] = {
    "null",
    "0",
    "-1",
    "1",
    "2",
    "1000",
    "1e308",
    "2.5",
    "true",
    "\"\"",
    "\"CONFIRMED\"",
    "\"x\"",
    "[]",
    "{}",
    "[null]",
    "[1,2]",
    "[\"a\"]",
    "{\"number\":1000}",
    "{\"id\":\"nope\"}",
    "{\"status\":[\"CONFIRMED\"]}",
    "{\"status\":\"SHIPPED\"}",
    "{\"updatedAt\":{\"from\":3,\"to\":\"x\"}}",
    "{\"order\":{\"number\":1000},\"lines\":[{\"orderLine\":{\"id\":1},"
    "\"quantity\":1}],\"capture\":true}",
    "{\"order\":{\"number\":1001},\"lines\":[{\"orderLine\":{\"id\":\"1\"},"
    "\"quantity\":\"1\"}]}",
    "{\"order\":1,\"lines\":{\"a\":1}}",
    "{\"eventsIds\":[1,2,\"3\",null,{}]}",
    "{\"eventsIds\":7}",
    "[{\"objectType\":\"Order\"},{\"objectType\":7},{\"changeTypes\":3}]",
    "{\"intoWarehouse\":{\"id\":1},\"description\":\"d\",\"productSizes\":[{"
    "\"productSize\":"
    "{\"SKU\":\"J-1\"},\"deliveredQuantity\":2}]}",
    "{\"outFromWarehouse\":{\"id\":\"1\"},\"productSizes\":[{\"productSize\":"
    "{\"EAN\":5},\"deliveredQuantity\":null}]}",
    "{\"warehouse\":{\"id\":2},\"stockQuantityType\":\"PHYSICAL\","
    "\"description\":\"d\","
    "\"productSizes\":[{\"productSize\":{\"EAN\":\"200\"},\"quantity\":3}]}",
    "{\"warehouse\":{},\"productSizes\":\"all\"}",
    "{\"sendEmail\":true,\"shipmentInfo\":{\"carrier\":\"DHL\","
    "\"trackingNumber\":1,\"packagesNumber\":\"two\"}}",
    "{\"externalId\":\"E\",\"isOnHold\":\"yes\",\"isGoodToGo\":1}",
    "{\"externalId\":null,\"isOnHold\":false}",
    "{\"SKU\":[\"J-1\"],\"EAN\":\"200\"}",
    "{\"SKU\":{\"equals\":\"J-1\"}}",
    "{\"eventsIds\":[1,2]}",
    "{\"cancelLines\":[{\"line\":{\"id\":1},\"quantity\":1,"
    "\"stockActionPolicy\":{\"removeItemsFromStock\":true}}]}",
};

/* Values that fit the documents' types, so the fuzz reaches handlers. */
static const char *const GOOD[] = {
    "{\"order\":{\"number\":1000},\"lines\":[{\"orderLine\":{\"id\":1},"
    "\"quantity\":1}],\"capture\":true}",
    "{\"intoWarehouse\":{\"id\":1},\"description\":\"d\",\"productSizes\":"
    "[{\"productSize\":{\"SKU\":\"J-1\"},\"deliveredQuantity\":2}]}",
    "{\"eventsIds\":[1,2]}",
    "[{\"objectType\":\"Order\"}]",
};

static const char *const CONTROL[][2] = {
    {"/_sim/centra/products", "{\"products\":[{\"variants\":[{\"sizes\":"
                              "[{\"sku\":\"K-%d\",\"stock\":\"x\"}]}]}]}"},
    {"/_sim/centra/products", "[{\"sku\":null},{\"ean\":\"1\"}]"},
    {"/_sim/centra/stock", "{\"items\":[{\"sku\":\"J-1\",\"quantity\":%d}]}"},
    {"/_sim/centra/orders", "{\"lines\":[{\"sku\":\"J-1\",\"quantity\":%d}],"
                            "\"shippingAddress\":7,\"shippingOption\":[]}"},
    {"/_sim/centra/orders", "{\"orders\":[{\"status\":\"NOPE\"}]}"},
    {"/_sim/centra/orders/1000", "{\"status\":\"PROCESSING\",\"isOnHold\":%d}"},
    {"/_sim/centra/orders/1001", "{\"externalId\":%d}"},
    {"/_sim/centra/returns", "{\"orderNumber\":1000,\"lines\":[{\"sku\":"
                             "\"J-1\",\"quantity\":%d}]}"},
    {"/_sim/centra/returns", "{\"orderNumber\":\"1000\",\"lines\":{}}"},
    {"/_sim/centra/scenario", "{\"orders\":{\"generate\":%d,\"bad\":"
                              "{\"badAddress\":1}}}"},
    {"/_sim/centra/scenario", "{\"catalogue\":7,\"orders\":\"x\"}"},
    {"/_sim/centra/webhook", "{\"url\":%d}"},
};

static bool status_known(long s)
{
  return s == 200 || s == 201 || s == 400 || s == 403 || s == 404 || s == 405 ||
         s == 429;
}

static void post(const char *path, const char *body, long *status, bool *json)
{
  char url[256];
  struct tu_http_response r = {0};
  snprintf(url, sizeof(url), "%s%s", base, path);
  assert_int_equal(tu_http("POST", url, AUTH, body, &r), 0);
  *status = r.status;
  cJSON *doc = cJSON_Parse(r.body ? r.body : "");
  *json = doc != NULL;
  cJSON_Delete(doc);
  tu_http_response_free(&r);
}

static int setup(void **state)
{
  cg_mem_init();
  tmpdir = tu_tmpdir("sim-centra-junk");
  logpath = cg_malloc(strlen(tmpdir) + 16);
  sprintf(logpath, "%s/sim.log", tmpdir);
  int cport = tu_free_port(), gport = tu_free_port();
  while (gport == cport)
    gport = tu_free_port();
  char bin[512], cl[32], gl[32];
  snprintf(bin, sizeof(bin), "%s/centra-gxo-sim", tu_build_dir());
  snprintf(cl, sizeof(cl), "127.0.0.1:%d", cport);
  snprintf(gl, sizeof(gl), "127.0.0.1:%d", gport);
  char *argv[] = {bin,       "--centra-listen",
                  cl,        "--gxo-listen",
                  gl,        "--seed",
                  "5",       "--centra-mutation-budget",
                  "1000000", NULL};
  pid = tu_spawn(argv, logpath);
  assert_true(pid > 0);
  assert_int_equal(tu_wait_port(cport, 10000), 0);
  snprintf(base, sizeof(base), "http://%s", cl);
  long st;
  bool json;
  post("/_sim/centra/products",
       "[{\"sku\":\"J-1\",\"ean\":\"100\",\"stock\":"
       "50},{\"sku\":\"J-2\",\"ean\":\"200\",\"stock\":5}]",
       &st, &json);
  assert_int_equal(st, 200);
  post("/_sim/centra/orders",
       "[{\"number\":1000,\"lines\":[{\"sku\":\"J-1\","
       "\"quantity\":3},{\"sku\":\"J-2\"}]},{\"lines\":[{\"sku\":\"J-2\"}]}]",
       &st, &json);
  assert_int_equal(st, 201);
  return 0;
}

static char *fuzz_graphql(struct cg_rand *rng)
{
  const char *doc = DOCS[cg_rand_below(rng, sizeof(DOCS) / sizeof(DOCS[0]))];
  cJSON *req = cJSON_CreateObject(), *vars = cJSON_CreateObject();
  char *text = cg_strdup(doc);
  size_t len = strlen(text);
  if (cg_rand_below(rng, 4) == 0) /* corrupt one byte or truncate */
    text[cg_rand_below(rng, len)] = "{}()[]\"$:!@.\\#"[cg_rand_below(rng, 14)];
  if (cg_rand_below(rng, 8) == 0)
    text[cg_rand_below(rng, len)] = '\0';
  for (size_t i = 0; i < sizeof(VARS) / sizeof(VARS[0]); i++) {
    if (cg_rand_below(rng, 3) == 0)
      continue;
    const char *v =
        cg_rand_below(rng, 2) == 0
            ? GOOD[cg_rand_below(rng, sizeof(GOOD) / sizeof(GOOD[0]))]
            : VALUES[cg_rand_below(rng, sizeof(VALUES) / sizeof(VALUES[0]))];
    cJSON_AddItemToObject(vars, VARS[i], cJSON_Parse(v));
  }
  cJSON_AddStringToObject(req, "query", text);
  cJSON_AddItemToObject(req, "variables",
                        cg_rand_below(rng, 10) == 0 ? cJSON_CreateString("v")
                                                    : vars);
  if (cJSON_GetObjectItem(req, "variables") != vars)
    cJSON_Delete(vars);
  char *body = cJSON_PrintUnformatted(req);
  cJSON_Delete(req);
  cg_free(text);
  return body;
}

static void test_junk_keeps_answering(void **state)
{
  struct cg_rand rng;
  cg_rand_seed(&rng, 20261127);
  int counts[3] = {0, 0, 0};
  for (int i = 0; i < ROUNDS; i++) {
    long st;
    bool json;
    uint64_t kind = cg_rand_below(&rng, 10);
    if (kind < 7) {
      char *body = fuzz_graphql(&rng);
      post("/graphql", body, &st, &json);
      cg_free(body);
      assert_true(json);
      assert_true(st == 200 || st == 400 || st == 429);
      counts[0]++;
    } else if (kind < 9) {
      char body[512];
      size_t k = cg_rand_below(&rng, sizeof(CONTROL) / sizeof(CONTROL[0]));
      snprintf(body, sizeof(body), CONTROL[k][1],
               (int)cg_rand_below(&rng, 5) - 1);
      post(CONTROL[k][0], body, &st, &json);
      counts[1]++;
    } else {
      post("/graphql", "{\"query\": \"{ orders { id } }\", \"variab", &st,
           &json);
      assert_int_equal(st, 400);
      counts[2]++;
    }
    if (!status_known(st))
      fail_msg("round %d: unexpected status %ld", i, st);
  }
  print_message("graphql %d, control %d, malformed %d\n", counts[0], counts[1],
                counts[2]);
  /* The fuzz reached the handlers, not only the reader. */
  static const char *const reads[] = {"/_sim/centra/stock/writes",
                                      "/_sim/centra/shipments",
                                      "/_sim/centra/events"};
  for (size_t i = 0; i < 3; i++) {
    char url[256];
    struct tu_http_response r = {0};
    snprintf(url, sizeof(url), "%s%s", base, reads[i]);
    assert_int_equal(tu_http("GET", url, NULL, NULL, &r), 0);
    cJSON *doc = cJSON_Parse(r.body);
    print_message("%s: %d\n", reads[i], cJSON_GetArraySize(doc));
    assert_true(cJSON_GetArraySize(doc) > 0);
    cJSON_Delete(doc);
    tu_http_response_free(&r);
  }
}

/* SIGTERM: a clean exit and no sanitizer report in the log. */
static void test_exits_cleanly(void **state)
{
  int ws = tu_stop(pid, SIGTERM, 10000);
  pid = 0;
  assert_true(ws != -1 && WIFEXITED(ws));
  assert_int_equal(WEXITSTATUS(ws), 0);
  char cmd[600];
  snprintf(cmd, sizeof(cmd),
           "grep -E 'AddressSanitizer|LeakSanitizer|runtime error' %s",
           logpath);
  assert_int_not_equal(system(cmd), 0);
}

static int teardown(void **state)
{
  if (pid > 0)
    tu_stop(pid, SIGKILL, 5000);
  tu_rmtree(tmpdir);
  cg_free(tmpdir);
  cg_free(logpath);
  return 0;
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_junk_keeps_answering),
      cmocka_unit_test(test_exits_cleanly),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
