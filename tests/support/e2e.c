/*
 * e2e: see e2e.h.
 */
#include "e2e.h"

#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"
#include "net/hmac.h"
#include "store/store.h"
#include "testutil.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define ADMIN_TOKEN "e2e-admin-token"
static void set_env(void)
{
  setenv("CG_E2E_CENTRA_TOKEN", "centra-dev-token", 1);
  setenv("CG_E2E_GXO_SECRET", "gxo-dev-secret", 1);
  setenv("CG_E2E_GXO_WEBHOOK_SECRET", "gxo-webhook-secret", 1);
  setenv("CG_E2E_CENTRA_WEBHOOK_SECRET", "centra-webhook-secret", 1);
  setenv("CG_E2E_ADMIN_TOKEN", ADMIN_TOKEN, 1);
}

static void write_file(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static void write_config(struct e2e *t, const struct e2e_opts *o)
{
  struct cg_buf b = CG_BUF_INIT;
  cg_buf_printf(
      &b,
      "admin = { listen = '127.0.0.1:%d', token = env 'CG_E2E_ADMIN_TOKEN' }\n"
      "webhooks = { listen = '127.0.0.1:%d' }\n"
      "log_level = 'info'\n"
      "merchants = { {\n"
      "  id = 'shop', store = 'shop.db', rules = '%s',\n"
      "  centra = { url = 'http://127.0.0.1:%d/graphql',\n"
      "    token = env 'CG_E2E_CENTRA_TOKEN',\n"
      "    webhook_secret = env 'CG_E2E_CENTRA_WEBHOOK_SECRET' },\n"
      "  gxo = { url = 'http://127.0.0.1:%d/wms/v1', client_id = "
      "'centra-gxo',\n"
      "    client_secret = env 'CG_E2E_GXO_SECRET', site = 'SE-GOT-01',\n"
      "    webhook_secret = env 'CG_E2E_GXO_WEBHOOK_SECRET' },\n"
      "  schedules = { poll_orders = 2, centra_events = 1, gxo_events = 1 },\n"
      "  %s\n} }\n"
      "%s\n",
      t->port_admin, t->port_hooks,
      o->rules ? o->rules : CG_SOURCE_DIR "/rules/default", t->port_centra,
      t->port_gxo, o->extra_merchant ? o->extra_merchant : "",
      o->extra_config ? o->extra_config : "");
  if (o->subscribe_webhooks)
    cg_buf_printf(&b,
                  "merchants[1].gxo.webhook_url = "
                  "'http://127.0.0.1:%d/webhooks/gxo/shop'\n",
                  t->port_hooks);
  snprintf(t->config, sizeof(t->config), "%s/centra-gxo.lua", t->dir);
  write_file(t->config, b.data);
  cg_buf_free(&b);
}

static void start_sim(struct e2e *t, const struct e2e_opts *o)
{
  char bin[512], centra[32], gxo[32], seed[16], scen[512], log[512];
  snprintf(bin, sizeof(bin), "%s/centra-gxo-sim", tu_build_dir());
  snprintf(centra, sizeof(centra), "127.0.0.1:%d", t->port_centra);
  snprintf(gxo, sizeof(gxo), "127.0.0.1:%d", t->port_gxo);
  snprintf(seed, sizeof(seed), "%u", o->seed ? o->seed : 7);
  snprintf(scen, sizeof(scen), "%s/scenario.json", t->dir);
  snprintf(log, sizeof(log), "%s/sim.log", t->dir);
  write_file(scen, o->scenario_json);
  char *argv[32] = {bin, "--centra-listen", centra, "--gxo-listen",
                    gxo, "--seed",          seed,   "--scenario",
                    scen};
  int n = 9;
  char hook[128];
  snprintf(hook, sizeof(hook), "http://127.0.0.1:%d/webhooks/centra/shop",
           t->port_hooks);
  if (o->centra_hints) {
    argv[n++] = "--centra-webhook-url";
    argv[n++] = hook;
  }
  for (size_t i = 0; o->sim_args && o->sim_args[i] && n < 30; i++)
    argv[n++] = (char *)o->sim_args[i];
  argv[n] = NULL;
  t->sim = tu_spawn(argv, log);
  assert_true(t->sim > 0);
  assert_int_equal(tu_wait_child(t->sim, t->port_centra, 15000, log), 0);
  assert_int_equal(tu_wait_child(t->sim, t->port_gxo, 15000, log), 0);
}

void e2e_setup(struct e2e *t, const struct e2e_opts *o)
{
  memset(t, 0, sizeof(*t));
  t->dir = tu_tmpdir("e2e");
  assert_non_null(t->dir);
  t->port_centra = tu_free_port();
  t->port_gxo = tu_free_port();
  t->port_admin = tu_free_port();
  t->port_hooks = tu_free_port();
  set_env();
  write_config(t, o);
  start_sim(t, o);
}

void e2e_engine_start(struct e2e *t)
{
  char bin[512], log[512];
  snprintf(bin, sizeof(bin), "%s/centra-gxo", tu_build_dir());
  snprintf(log, sizeof(log), "%s/engine.log", t->dir);
  char *argv[] = {bin, "run", "-c", t->config, NULL};
  t->engine = tu_spawn(argv, log);
  t->engine_starts++;
  assert_true(t->engine > 0);
  assert_int_equal(tu_wait_child(t->engine, t->port_admin, 15000, log), 0);
  assert_int_equal(tu_wait_child(t->engine, t->port_hooks, 15000, log), 0);
}

void e2e_engine_kill(struct e2e *t)
{
  kill(t->engine, SIGKILL);
  waitpid(t->engine, NULL, 0);
  tu_forget(t->engine);
  t->engine = 0;
}

void e2e_engine_stop(struct e2e *t)
{
  int status = tu_stop(t->engine, SIGTERM, 20000);
  t->engine = 0;
  if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0))
    fail_msg("engine did not stop cleanly (status %d); see %s/engine.log",
             status, t->dir);
}

/* Every request the engine sent during the test validated against the
 * Centra schema, variables included: the strict simulator counts the ones
 * it refused with 400 (docs/internals/centra-api-subset.md). */
static void assert_no_refusals(struct e2e *t)
{
  cJSON *doc = e2e_get(t, 'c', "/_sim/centra/refusals");
  if (doc == NULL)
    fail_msg("simulator did not answer /_sim/centra/refusals");
  long n = (long)cg_json_int(doc, "count", -1);
  const cJSON *last = cJSON_GetArrayItem(cg_json_get(doc, "last"), 0);
  char msg[400];
  snprintf(msg, sizeof(msg), "%s: %s", cg_json_str(last, "operationName"),
           cg_json_str(last, "message"));
  cJSON_Delete(doc);
  if (n != 0)
    fail_msg("the simulated Centra refused %ld engine request(s) as invalid "
             "against the schema, e.g. %s",
             n, msg);
}

void e2e_teardown(struct e2e *t)
{
  if (t->engine > 0)
    e2e_engine_stop(t);
  assert_no_refusals(t);
  int status = tu_stop(t->sim, SIGTERM, 20000);
  if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0))
    fail_msg("simulator did not exit cleanly (status %d); see %s/sim.log",
             status, t->dir);
  if (getenv("CG_E2E_KEEP") == NULL)
    tu_rmtree(t->dir);
  cg_free(t->dir);
}

static void url_of(struct e2e *t, char side, const char *path, char *out,
                   size_t size)
{
  int port = side == 'c'   ? t->port_centra
             : side == 'g' ? t->port_gxo
                           : t->port_admin;
  snprintf(out, size, "http://127.0.0.1:%d%s", port, path);
}

static cJSON *request(struct e2e *t, char side, const char *method,
                      const char *path, const char *body)
{
  char url[1024];
  url_of(t, side, path, url, sizeof(url));
  const char *const hdrs[] = {"Authorization: Bearer " ADMIN_TOKEN,
                              "Content-Type: application/json", NULL};
  struct tu_http_response r;
  cJSON *doc = NULL;
  if (tu_http(method, url, hdrs, body, &r) == 0)
    doc = cg_json_parse(r.body, r.body_len, NULL);
  tu_http_response_free(&r);
  return doc;
}

cJSON *e2e_get(struct e2e *t, char side, const char *path)
{
  return request(t, side, "GET", path, NULL);
}

cJSON *e2e_post(struct e2e *t, char side, const char *path, const char *body)
{
  return request(t, side, "POST", path, body ? body : "{}");
}

long e2e_post_status(struct e2e *t, char side, const char *path,
                     const char *const *headers, const char *body)
{
  char url[1024];
  url_of(t, side, path, url, sizeof(url));
  struct tu_http_response r;
  long status = tu_http("POST", url, headers, body, &r) == 0 ? r.status : -1;
  tu_http_response_free(&r);
  return status;
}

bool e2e_wait(struct e2e *t, int timeout_s, bool (*pred)(struct e2e *, void *),
              void *arg)
{
  for (int i = 0; i < timeout_s * 5; i++) {
    if (pred(t, arg))
      return true;
    usleep(200 * 1000);
  }
  return pred(t, arg);
}

long e2e_wms_orders(struct e2e *t)
{
  cJSON *s = e2e_get(t, 'g', "/_sim/wms/stats");
  long n = (long)cg_json_int(s, "orders", -1);
  cJSON_Delete(s);
  return n;
}

char *e2e_scenario(long orders, long bad_each)
{
  char path[512];
  snprintf(path, sizeof(path), "%s/examples/demo/scenario.json",
           tu_source_dir());
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  struct cg_buf b = CG_BUF_INIT;
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
    cg_buf_append(&b, chunk, n);
  fclose(f);
  cJSON *doc = cg_json_parse(b.data, b.len, NULL);
  cg_buf_free(&b);
  cJSON *o = cJSON_GetObjectItemCaseSensitive(doc, "orders");
  cJSON_ReplaceItemInObjectCaseSensitive(o, "generate",
                                         cJSON_CreateNumber((double)orders));
  cJSON *bad = cJSON_GetObjectItemCaseSensitive(o, "bad");
  const char *kinds[] = {"unmappedShippingOption", "badAddress", "unknownSku"};
  for (int i = 0; i < 3; i++)
    cJSON_ReplaceItemInObjectCaseSensitive(
        bad, kinds[i], cJSON_CreateNumber((double)bad_each));
  char *text = cg_json_print(doc);
  cJSON_Delete(doc);
  return text;
}

long e2e_open_exceptions(struct e2e *t, const char *merchant, const char *type)
{
  char path[256];
  snprintf(path, sizeof(path), "/api/v1/merchants/%s/exceptions?type=%s",
           merchant, type);
  cJSON *doc = e2e_get(t, 'a', path);
  long n = cJSON_IsArray(doc) ? cJSON_GetArraySize(doc) : -1;
  cJSON_Delete(doc);
  return n;
}

long e2e_metric(struct e2e *t, const char *name)
{
  char url[256];
  url_of(t, 'a', "/metrics", url, sizeof(url));
  struct tu_http_response r;
  long v = -1;
  if (tu_http("GET", url, NULL, NULL, &r) == 0) {
    const char *p = r.body;
    size_t n = strlen(name);
    while ((p = strstr(p, name)) != NULL) {
      if ((p == r.body || p[-1] == '\n') && (p[n] == '{' || p[n] == ' ')) {
        const char *sp = strchr(p, ' ');
        v = sp ? atol(sp + 1) : -1;
        break;
      }
      p += n;
    }
  }
  tu_http_response_free(&r);
  return v;
}

/* The engine's log as text (b->data NULL when there is none). */
static void log_read(struct e2e *t, struct cg_buf *b)
{
  char path[600];
  snprintf(path, sizeof(path), "%s/engine.log", t->dir);
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return;
  char chunk[8192];
  size_t n;
  while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
    cg_buf_append(b, chunk, n);
  fclose(f);
}

long e2e_log_count(struct e2e *t, const char *needle)
{
  struct cg_buf b = CG_BUF_INIT;
  log_read(t, &b);
  long count = 0;
  size_t len = strlen(needle);
  for (const char *p = b.data; p != NULL && (p = strstr(p, needle)) != NULL;
       p += len ? len : 1)
    count++;
  cg_buf_free(&b);
  return count;
}

bool e2e_log_has(struct e2e *t, const char *needle)
{
  return e2e_log_count(t, needle) > 0;
}

char *e2e_log_last(struct e2e *t, const char *needle)
{
  struct cg_buf b = CG_BUF_INIT;
  log_read(t, &b);
  const char *hit = NULL;
  for (const char *p = b.data; p != NULL && (p = strstr(p, needle)) != NULL;
       p++)
    hit = p;
  char *line = NULL;
  if (hit != NULL) {
    const char *start = hit, *end = strchr(hit, '\n');
    while (start > b.data && start[-1] != '\n')
      start--;
    line = cg_strndup(start, end ? (size_t)(end - start) : strlen(start));
  }
  cg_buf_free(&b);
  return line;
}

long e2e_healthz(struct e2e *t, cJSON **doc)
{
  char url[128];
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/healthz", t->port_admin);
  struct tu_http_response r;
  assert_int_equal(tu_http("GET", url, NULL, NULL, &r), 0);
  *doc = cJSON_Parse(r.body);
  assert_non_null(*doc);
  long status = r.status;
  tu_http_response_free(&r);
  return status;
}

void e2e_expect_centra_paced(struct e2e *t)
{
  cJSON *calls = e2e_get(t, 'c', "/_sim/calls?side=centra&limit=1");
  assert_int_equal(cg_json_int(calls, "retryAfterViolations", -1), 0);
  cJSON_Delete(calls);
  cJSON *refusals = e2e_get(t, 'c', "/_sim/centra/refusals");
  assert_int_equal(cg_json_int(refusals, "rateLimited.mutations", -1), 0);
  cJSON_Delete(refusals);
}

void e2e_check_integrity(struct e2e *t)
{
  char path[600];
  snprintf(path, sizeof(path), "%s/shop.db", t->dir);
  struct cg_store_opts o = {.path = path, .name = "check"};
  struct cg_store *st = NULL;
  struct cg_err err = {0};
  assert_int_equal(cg_store_open(&o, &st, &err), 0);
  if (cg_store_integrity_check(st, &err) != 0)
    fail_msg("integrity_check: %s", err.msg);
  cg_store_close(st);
}

long e2e_post_webhook(struct e2e *t, const char *partner, const char *secret,
                      int64_t t_s, const char *body)
{
  char sig[160], hdr[200], url[128];
  bool gxo = strcmp(partner, "gxo") == 0;
  cg_sig_make(secret, t_s, body, strlen(body), sig, sizeof(sig));
  snprintf(hdr, sizeof(hdr), "%s: %s",
           gxo ? "X-Wms-Signature" : "X-Centra-Signature", sig);
  const char *const headers[] = {
      hdr,
      gxo ? "Content-Type: application/json"
          : "Content-Type: application/x-www-form-urlencoded",
      NULL};
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/webhooks/%s/shop",
           t->port_hooks, partner);
  struct tu_http_response r;
  long status = tu_http("POST", url, headers, body, &r) == 0 ? r.status : -1;
  tu_http_response_free(&r);
  return status;
}

int e2e_timeline_count(struct e2e *t, const char *number, const char *action,
                       const char *needle)
{
  char path[128];
  snprintf(path, sizeof(path), "/api/v1/merchants/shop/orders/%s", number);
  cJSON *doc = e2e_get(t, 'a', path);
  const cJSON *e;
  int n = 0;
  cJSON_ArrayForEach(e, cg_json_get(doc, "timeline"))
  {
    const char *a = cg_json_str(e, "action");
    const char *d = cg_json_str(e, "detail");
    n += a && strcmp(a, action) == 0 && (!needle || (d && strstr(d, needle)));
  }
  cJSON_Delete(doc);
  return n;
}
