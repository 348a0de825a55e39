/*
 * Soak: centra-gxo-sim takes 10,000 mixed requests with faults and
 * malformed input under ASan without a crash, a leak or a wrong answer.
 *
 *   seeded generator -> request kinds (valid, malformed JSON, bad methods,
 *   oversized bodies, unknown paths, missing keys/tokens, idempotent
 *   replays, GraphQL, raw garbage bytes) -> curl multi, 16 at a time,
 *   against both ports with 429/500/503/reset/latency faults and webhook
 *   duplicates -> every status must be one the request kind allows (plus
 *   the injected ones where faults apply) -> SIGTERM -> exit status 0.
 */
#include "sim_wms_fixture.h"

#include "base/rand.h"
#include "base/time.h"

#include <curl/curl.h>

#define TOTAL 10000
#define RAW 300
#define PARALLEL 16
#define BIG_BODY (1200 * 1024)

struct req {
  char method[8];
  char url[256];
  char *body;
  size_t body_len;
  struct curl_slist *headers;
  int allowed[8];
  bool faults; /* injected faults may answer instead */
  const char *kind;
  int slot;     /* an "order" request's key slot, or -1 */
  char key[32]; /* its key: the slot may be reused meanwhile */
};

struct soak {
  struct fx fx;
  struct cg_rand rng;
  char token[128];
  int next_order;
  /* keys and bodies of earlier order posts, for replays */
  char keys[64][32];
  char *bodies[64];
  bool answered[64]; /* the key's first request has been answered */
  int nkeys;
  unsigned long wrong, sent, by_class[6];
};

static struct soak S;

static void allow(struct req *r, int a, int b, int c, int d)
{
  r->allowed[0] = a;
  r->allowed[1] = b;
  r->allowed[2] = c;
  r->allowed[3] = d;
}

static void add_header(struct req *r, const char *fmt, const char *v)
{
  char line[300];
  snprintf(line, sizeof(line), fmt, v);
  r->headers = curl_slist_append(r->headers, line);
}

static void gxo_req(struct req *r, const char *method, const char *path,
                    const char *key, const char *body)
{
  snprintf(r->method, sizeof(r->method), "%s", method);
  snprintf(r->url, sizeof(r->url), "%s%s", S.fx.g, path);
  add_header(r, "Authorization: Bearer %s", S.token);
  add_header(r, "Content-Type: %s", "application/json");
  if (key != NULL)
    add_header(r, "Idempotency-Key: %s", key);
  r->body = body ? cg_strdup(body) : NULL;
  r->body_len = body ? strlen(body) : 0;
  r->faults = strncmp(path, "/wms/v1/", 8) == 0;
}

static char *order_body(int n, const char *sku)
{
  char ref[32], lines[256];
  snprintf(ref, sizeof(ref), "S%d", n);
  snprintf(lines, sizeof(lines),
           "[{\"lineRef\":\"1\",\"sku\":\"%s\",\"quantity\":%d}]", sku,
           1 + n % 3);
  return fx_order(ref, lines);
}

static void make_order(struct req *r)
{
  char key[32];
  int n = S.next_order++;
  /* One in five reuses an earlier orderRef with a new key: 409. */
  int ref = (n % 5 == 4 && n > 10) ? n - 7 : n;
  char *body = order_body(ref, "SKU-A");
  snprintf(key, sizeof(key), "soak-%d", n);
  gxo_req(r, "POST", "/wms/v1/orders", key, body);
  allow(r, 202, 409, 0, 0);
  r->kind = "order";
  int slot = S.nkeys < 64 ? S.nkeys++ : (int)cg_rand_below(&S.rng, 64);
  snprintf(S.keys[slot], sizeof(S.keys[slot]), "%s", key);
  S.answered[slot] = false;
  r->slot = slot;
  snprintf(r->key, sizeof(r->key), "%s", key);
  cg_free(S.bodies[slot]);
  S.bodies[slot] = body;
}

static void make_replay(struct req *r)
{
  if (S.nkeys == 0) {
    make_order(r);
    return;
  }
  int i = (int)cg_rand_below(&S.rng, (uint64_t)S.nkeys);
  gxo_req(r, "POST", "/wms/v1/orders", S.keys[i], S.bodies[i]);
  /* The original answer replayed, 409 while in flight, 422 when a
   * changed-body request took the key first. */
  allow(r, 202, 409, 422, 0);
  r->kind = "replay";
}

static void make_changed_body(struct req *r)
{
  int i = S.nkeys ? (int)cg_rand_below(&S.rng, (uint64_t)S.nkeys) : 0;
  /* Only keys whose first request has been answered, so "order" requests
   * never race a changed body for their own key. */
  if (S.nkeys == 0 || !S.answered[i]) {
    make_order(r);
    return;
  }
  char *b = order_body(900000 + i, "SKU-B");
  gxo_req(r, "POST", "/wms/v1/orders", S.keys[i], b);
  cg_free(b);
  /* 422 once the first finished; 409 while it is in flight; 202 if the
   * first never got past an injected fault. */
  allow(r, 422, 409, 202, 0);
  r->kind = "changed-body";
}

static void make_misc_gxo(struct req *r, int pick)
{
  static const char *const bad_json[] = {
      "{", "{\"orderRef\":", "[1,2", "nul", "\"x\"", "{\"a\":tru}"};
  char key[32], path[96];
  snprintf(key, sizeof(key), "misc-%lu", S.sent);
  switch (pick) {
  case 0:
    gxo_req(r, "POST", "/wms/v1/orders", key,
            bad_json[cg_rand_below(&S.rng, 6)]);
    allow(r, 400, 0, 0, 0);
    r->kind = "malformed-json";
    break;
  case 1: {
    char *b = order_body(500000 + S.next_order++, "NO-SUCH-SKU");
    gxo_req(r, "POST", "/wms/v1/orders", key, b);
    cg_free(b);
    allow(r, 422, 0, 0, 0);
    r->kind = "unknown-sku";
    break;
  }
  case 2:
    gxo_req(r, "POST", "/wms/v1/orders", NULL, "{}");
    allow(r, 400, 0, 0, 0);
    r->kind = "no-key";
    break;
  case 3:
    snprintf(path, sizeof(path), "/wms/v1/orders/S%d",
             (int)cg_rand_below(&S.rng, (uint64_t)S.next_order + 5));
    gxo_req(r, "GET", path, NULL, NULL);
    allow(r, 200, 404, 0, 0);
    r->kind = "get-order";
    break;
  default:
    snprintf(path, sizeof(path), "/wms/v1/events?after=%d&limit=%d",
             (int)cg_rand_below(&S.rng, 50),
             1 + (int)cg_rand_below(&S.rng, 600));
    gxo_req(r, "GET", path, NULL, NULL);
    allow(r, 200, 400, 0, 0); /* limit > 500 is a 400 */
    r->kind = "events";
    break;
  }
}

static void make_edge_gxo(struct req *r, int pick)
{
  char key[32];
  snprintf(key, sizeof(key), "edge-%lu", S.sent);
  switch (pick) {
  case 0:
    gxo_req(r, "DELETE", "/wms/v1/orders", NULL, NULL);
    allow(r, 405, 0, 0, 0);
    r->kind = "bad-method";
    break;
  case 1:
    gxo_req(r, "GET", "/wms/v1/no/such/thing", NULL, NULL);
    allow(r, 404, 0, 0, 0);
    r->kind = "unknown-path";
    break;
  case 2:
    gxo_req(r, "POST", "/wms/v1/events:ack", key,
            cg_rand_below(&S.rng, 2) ? "{\"upToSequence\":0}"
                                     : "{\"eventIds\":[\"nope\"]}");
    allow(r, 204, 0, 0, 0);
    r->kind = "ack";
    break;
  case 3:
    gxo_req(r, "PUT", "/wms/v1/items/SKU-Z", NULL,
            cg_rand_below(&S.rng, 2) ? "{\"hsCode\":\"6202\"}"
                                     : "{\"gtin\":\"x\",\"hsCode\":\"1\"}");
    allow(r, 200, 201, 422, 0);
    r->kind = "item";
    break;
  case 4:
    gxo_req(r, "GET", "/wms/v1/stock?limit=2", NULL, NULL);
    allow(r, 200, 0, 0, 0);
    r->kind = "stock";
    break;
  default:
    gxo_req(r, "GET", "/wms/v1/items/SKU-A", NULL, NULL);
    curl_slist_free_all(r->headers);
    r->headers = curl_slist_append(NULL, "Authorization: Bearer forged");
    allow(r, 401, 0, 0, 0);
    r->kind = "bad-token";
    break;
  }
}

static void make_big(struct req *r)
{
  char key[32];
  snprintf(key, sizeof(key), "big-%lu", S.sent);
  gxo_req(r, "POST", "/wms/v1/orders", key, NULL);
  r->body = cg_malloc(BIG_BODY + 1);
  memset(r->body, 'x', BIG_BODY);
  r->body[BIG_BODY] = '\0';
  r->body_len = BIG_BODY;
  /* 413, or the server closes while curl is still sending. */
  allow(r, 413, 0, 0, 0);
  r->faults = false;
  r->kind = "oversized";
}

static void make_centra(struct req *r, int pick)
{
  static const char *const bodies[] = {
      "{\"query\":\"{ rateLimits { type } }\"}",
      "{\"query\":\"{ orders(limit: 2) { id } }\"}",
      "{\"query\":\"mutation { confirmEvents(input: {eventsIds: [1]}) { "
      "userErrors { message } } }\"}",
      "{\"query\":\"{ nosuchfield }\"}",
      "{\"query\":\"{ orders( \"}",
      "{not json",
  };
  snprintf(r->method, sizeof(r->method), "POST");
  snprintf(r->url, sizeof(r->url), "%s/graphql", S.fx.c);
  add_header(r, "Content-Type: %s", "application/json");
  add_header(r, "Authorization: Bearer %s",
             pick == 6 ? "wrong-token" : "centra-dev-token");
  r->body = cg_strdup(bodies[pick % 6]);
  r->body_len = strlen(r->body);
  r->faults = true;
  r->kind = "graphql";
  if (pick == 6)
    allow(r, 403, 0, 0, 0);
  else if (pick >= 3) /* invalid document or JSON: refused */
    allow(r, 400, 0, 0, 0);
  else
    allow(r, 200, 429, 0, 0); /* 429: the mutation budget */
}

static void make_req(struct req *r)
{
  memset(r, 0, sizeof(*r));
  r->slot = -1;
  int k = (int)cg_rand_below(&S.rng, 100);
  if (k < 22)
    make_order(r);
  else if (k < 32)
    make_replay(r);
  else if (k < 35)
    make_changed_body(r);
  else if (k < 55)
    make_misc_gxo(r, (int)cg_rand_below(&S.rng, 5));
  else if (k < 75)
    make_edge_gxo(r, (int)cg_rand_below(&S.rng, 6));
  else if (k < 76)
    make_big(r);
  else if (k < 96)
    make_centra(r, (int)cg_rand_below(&S.rng, 7));
  else {
    snprintf(r->method, sizeof(r->method), "GET");
    snprintf(r->url, sizeof(r->url), "%s/%s", k % 2 ? S.fx.c : S.fx.g,
             k % 3 ? "_sim/health" : "nowhere");
    allow(r, k % 3 ? 200 : 404, 0, 0, 0);
    r->kind = "plain";
  }
}

/* --- running ------------------------------------------------------------- */

static size_t cb_discard(char *p, size_t size, size_t n, void *arg)
{
  return size * n;
}

static CURL *easy_for(struct req *r)
{
  CURL *e = curl_easy_init();
  curl_easy_setopt(e, CURLOPT_URL, r->url);
  curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 20000L);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, cb_discard);
  curl_easy_setopt(e, CURLOPT_PRIVATE, r);
  if (r->body != NULL) {
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)r->body_len);
  }
  return e;
}

static bool status_ok(const struct req *r, long status)
{
  static const int injected[] = {429, 500, 503, 0};
  for (int i = 0; i < 4; i++)
    if (r->allowed[i] == status &&
        (status != 0 || i == 0 || r->allowed[0] == 413))
      return true;
  for (int i = 0; r->faults && i < 4; i++)
    if (injected[i] == status)
      return true;
  return false;
}

static void finish(CURL *e, CURLcode rc)
{
  struct req *r;
  long status = 0;
  curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&r);
  if (rc == CURLE_OK)
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  S.by_class[status / 100 < 6 ? status / 100 : 0]++;
  if (r->slot >= 0 && strcmp(S.keys[r->slot], r->key) == 0)
    S.answered[r->slot] = true;
  if (!status_ok(r, status) && S.wrong++ < 20)
    fprintf(stderr, "wrong answer: %s %s %s -> %ld (%s)\n", r->kind, r->method,
            r->url, status, curl_easy_strerror(rc));
  curl_slist_free_all(r->headers);
  cg_free(r->body);
  cg_free(r);
  curl_easy_cleanup(e);
}

static void drain(CURLM *m)
{
  CURLMsg *msg;
  int left;
  while ((msg = curl_multi_info_read(m, &left)) != NULL) {
    if (msg->msg != CURLMSG_DONE)
      continue;
    CURL *e = msg->easy_handle;
    CURLcode rc = msg->data.result;
    curl_multi_remove_handle(m, e);
    finish(e, rc);
  }
}

static void run_http(int count)
{
  CURLM *m = curl_multi_init();
  int running = 0, started = 0;
  while (started < count || running > 0) {
    while (started < count && running < PARALLEL) {
      struct req *r = cg_malloc(sizeof(*r));
      make_req(r);
      curl_multi_add_handle(m, easy_for(r));
      started++;
      running++;
      S.sent++;
    }
    curl_multi_perform(m, &running);
    drain(m);
    curl_multi_poll(m, NULL, 0, 50, NULL);
  }
  curl_multi_perform(m, &running);
  drain(m);
  curl_multi_cleanup(m);
}

/* Garbage and broken HTTP over raw sockets: 4xx or a closed connection. */
static void run_raw(int count)
{
  static const char *const junk[] = {
      "BLAH\r\n\r\n",
      "GET /x HTTP/9.9\r\n\r\n",
      "GET / HTTP/1.1\r\nNoColonHere\r\n\r\n",
      "POST /wms/v1/orders HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
      "\x01\x02\x03\xff\xfe garbage\r\n\r\n",
      "GET /_sim/health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
      "\r\nzz\r\n",
  };
  char big[24 * 1024];
  snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nX-Big: ");
  memset(big + strlen(big), 'a', sizeof(big) - 64);
  snprintf(big + sizeof(big) - 40, 40, "\r\n\r\n");
  for (int i = 0; i < count; i++) {
    int pick = (int)cg_rand_below(&S.rng, 7);
    const char *data = pick == 6 ? big : junk[pick];
    int port = i % 2 ? S.fx.cport : S.fx.gport;
    int fd = fx_raw_send(port, data, strlen(data));
    int st = fd >= 0 ? fx_raw_status(fd) : 0;
    if (fd >= 0)
      close(fd);
    S.sent++;
    if ((st != 0 && (st < 400 || st > 505)) && S.wrong++ < 20)
      fprintf(stderr, "wrong answer: raw junk %d -> %d\n", pick, st);
  }
}

static void arm(void)
{
  assert_int_equal(
      fx_status(&S.fx, S.fx.g, "POST", "/_sim/faults", NULL,
                "{\"rules\":[{\"path\":\"/wms/v1/*\",\"share429\":0.04,"
                "\"share500\":0.02,\"share503\":0.02,\"resetShare\":0.01,"
                "\"retryAfter\":1,\"latencyMs\":30,\"latencyShare\":0.1}],"
                "\"webhooks\":{\"duplicateShare\":0.3,\"reorderShare\":0.3,"
                "\"reorderDelayMs\":50}}"),
      200);
  assert_int_equal(
      fx_status(&S.fx, S.fx.c, "POST", "/_sim/faults", NULL,
                "{\"rules\":[{\"path\":\"/graphql\",\"share429\":0.03,"
                "\"share503\":0.02,\"resetShare\":0.01,\"latencyMs\":20,"
                "\"latencyShare\":0.1}]}"),
      200);
  char sub[256];
  snprintf(sub, sizeof(sub), "{\"url\":\"%s/_sim/sink/soak\"}", S.fx.c);
  assert_int_equal(fx_status(&S.fx, S.fx.g, "POST",
                             "/wms/v1/webhook-subscriptions", "sub-soak", sub),
                   201);
  /* A dead endpoint: deliveries retry until shutdown drops them. */
  assert_int_equal(fx_status(&S.fx, S.fx.g, "POST",
                             "/wms/v1/webhook-subscriptions", "sub-dead",
                             "{\"url\":\"http://127.0.0.1:9/dead\"}"),
                   201);
}

static void test_soak(void **state)
{
  const char *const extra[] = {"--centra-mutation-budget", "200",
                               "--centra-request-budget", "1000000", NULL};
  cg_rand_seed(&S.rng, 20260304);
  fx_start(&S.fx, extra);
  fx_token(&S.fx);
  snprintf(S.token, sizeof(S.token), "%s", S.fx.token);
  fx_seed(&S.fx);
  arm();
  int64_t t0 = cg_time_mono_ms();
  run_http(TOTAL - RAW);
  run_raw(RAW);
  fprintf(stderr,
          "soak: %lu requests in %lld ms; 2xx %lu 4xx %lu 5xx %lu "
          "none %lu\n",
          S.sent, (long long)(cg_time_mono_ms() - t0), S.by_class[2],
          S.by_class[4], S.by_class[5], S.by_class[0]);
  /* Still answering, and the books add up. */
  struct fx_resp r;
  assert_int_equal(
      fx_call(&S.fx, S.fx.g, "GET", "/_sim/wms/stats", NULL, NULL, &r), 200);
  assert_true(cg_json_int(r.json, "orders", 0) > 100);
  assert_true(cg_json_int(r.json, "replays", 0) > 10);
  assert_true(cg_json_int(r.json, "duplicates", 0) > 10);
  fx_resp_free(&r);
  for (int i = 0; i < 64; i++)
    cg_free(S.bodies[i]);
  assert_int_equal(S.wrong, 0);
  assert_true(S.sent >= TOTAL);
  fx_stop(&S.fx); /* exit 0: no leak, no sanitizer report */
}

int main(void)
{
  cg_mem_init();
  curl_global_init(CURL_GLOBAL_ALL);
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_soak)};
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
