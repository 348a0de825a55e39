/*
 * demo: see demo.h.
 *
 *   files (scenario with N orders, config, secrets in env) -> spawn sim
 *   -> engine in-process -> 1 s ticks print progress -> stop (Ctrl-C or
 *   --for) -> summary from the store + sim's /_sim/wms/stats -> stop sim
 *
 * Dispatch (issue 9): the simulated warehouse ships every accepted order
 * DISPATCH_AFTER_MS after accepting it, in its demo mix (docs/simulator.md
 * autoDispatchMix): whole, split in two consignments, two parcels, one
 * short-shipped, and one late (LATE_MS). Once every order accepted but
 * the late one has shipped, the demo moves the engine's clock a week
 * ahead (the test clock, base/time.h): the late order misses its SLA
 * deadline, SLA_BREACH is raised, and closes when it ships after all.
 */
#include "app/demo.h"
#include "app/demo_int.h"

#include "app/config.h"
#include "app/engine.h"
#include "app/merchant.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "flows/flow.h"
#include "net/http_client.h"
#include "net/port.h"
#include "store/store.h"
#include "store/store_monitor.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define DISPATCH_AFTER_MS 1500
#define LATE_MS 9000
#define JUMP_MS (7LL * 24 * 3600 * 1000) /* past every default deadline */
#define JUMP_LATEST_S 30 /* fast-forward by then whatever is open */

struct demo {
  long orders, seed, for_s;
  int json, keep;
  char dir[64];
  char sim_bin[1024];
  int port_centra, port_gxo, port_admin, port_hooks;
  pid_t sim;
  uv_loop_t loop;
  uv_timer_t tick;
  uv_signal_t sigint, sigterm;
  struct cg_config *cfg;
  struct cg_engine *engine;
  int64_t started_ms;
  bool stopping;
  bool jumped;                    /* the engine's clock was moved ahead */
  struct cg_demo_returns returns; /* the returns act (demo_returns.c) */
  cJSON *summary;
};

static int parse_args(struct demo *d, int argc, char **argv)
{
  d->orders = 200;
  d->seed = 42;
  for (int i = 1; i < argc; i++) {
    long *slot = NULL;
    if (strcmp(argv[i], "--json") == 0)
      d->json = 1;
    else if (strcmp(argv[i], "--keep") == 0)
      d->keep = 1;
    else if (strcmp(argv[i], "--orders") == 0)
      slot = &d->orders;
    else if (strcmp(argv[i], "--seed") == 0)
      slot = &d->seed;
    else if (strcmp(argv[i], "--for") == 0)
      slot = &d->for_s;
    else
      goto usage;
    if (slot != NULL && (++i >= argc || (*slot = atol(argv[i])) < 0))
      goto usage;
  }
  return 0;
usage:
  fprintf(stderr, "usage: centra-gxo demo [--orders N] [--seed N] "
                  "[--for SECONDS] [--json] [--keep]\n");
  return 2;
}

static int write_text(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");
  if (f == NULL)
    return CG_EIO;
  int ok = fputs(text, f) >= 0;
  return (fclose(f) == 0 && ok) ? 0 : CG_EIO;
}

/* examples/demo/scenario.json with orders.generate = N. */
static int write_scenario(struct demo *d)
{
  char path[1200];
  snprintf(path, sizeof(path), "%s/examples/demo/scenario.json", CG_SOURCE_DIR);
  FILE *f = fopen(path, "rb");
  struct cg_buf b = CG_BUF_INIT;
  char chunk[4096];
  size_t n;
  while (f != NULL && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
    cg_buf_append(&b, chunk, n);
  if (f != NULL)
    fclose(f);
  cJSON *doc = b.data ? cg_json_parse(b.data, b.len, NULL) : NULL;
  cg_buf_free(&b);
  cJSON *orders = cJSON_GetObjectItemCaseSensitive(doc, "orders");
  if (!cJSON_IsObject(orders)) {
    fprintf(stderr, "demo: %s is missing or not a scenario\n", path);
    cJSON_Delete(doc);
    return CG_EINVAL;
  }
  cJSON_ReplaceItemInObjectCaseSensitive(orders, "generate",
                                         cJSON_CreateNumber((double)d->orders));
  cJSON *wh = cJSON_GetObjectItemCaseSensitive(doc, "warehouse");
  if (!cJSON_IsObject(wh))
    wh = cJSON_AddObjectToObject(doc, "warehouse");
  cg_json_add_int(wh, "autoDispatchAfterMs", DISPATCH_AFTER_MS);
  cJSON_AddBoolToObject(wh, "autoDispatchMix", true);
  cg_json_add_int(wh, "autoDispatchLateMs", LATE_MS);
  char *text = cg_json_print(doc);
  snprintf(path, sizeof(path), "%s/scenario.json", d->dir);
  int rc = text ? write_text(path, text) : CG_ENOMEM;
  cg_free(text);
  cJSON_Delete(doc);
  return rc;
}

/* Development secrets, known to the simulator's defaults. They go through
 * the environment as in production; none of them is a real credential. */
static void set_secrets(void)
{
  setenv("CG_DEMO_CENTRA_TOKEN", "centra-dev-token", 1);
  setenv("CG_DEMO_GXO_SECRET", "gxo-dev-secret", 1);
  setenv("CG_DEMO_GXO_WEBHOOK_SECRET", "gxo-webhook-secret", 1);
  setenv("CG_DEMO_CENTRA_WEBHOOK_SECRET", "centra-webhook-secret", 1);
  setenv("CG_DEMO_ADMIN_TOKEN", "demo-admin-token", 1);
}

static int write_config(struct demo *d)
{
  char path[1100];
  struct cg_buf b = CG_BUF_INIT;
  cg_buf_printf(
      &b,
      "-- generated by `centra-gxo demo`\n"
      "admin = { listen = '127.0.0.1:%d', token = env 'CG_DEMO_ADMIN_TOKEN' }\n"
      "webhooks = { listen = '127.0.0.1:%d' }\n"
      "log_level = 'warn'\n"
      "merchants = { {\n"
      "  id = 'demo', store = 'demo.db', rules = '%s/rules/default',\n"
      "  centra = { url = 'http://127.0.0.1:%d/graphql',\n"
      "    token = env 'CG_DEMO_CENTRA_TOKEN',\n"
      "    webhook_secret = env 'CG_DEMO_CENTRA_WEBHOOK_SECRET' },\n"
      "  gxo = { url = 'http://127.0.0.1:%d/wms/v1', client_id = "
      "'centra-gxo',\n"
      "    client_secret = env 'CG_DEMO_GXO_SECRET', site = 'SE-GOT-01',\n"
      "    webhook_secret = env 'CG_DEMO_GXO_WEBHOOK_SECRET' },\n"
      "  schedules = { poll_orders = 5, centra_events = 1, gxo_events = 1 },\n"
      "} }\n",
      d->port_admin, d->port_hooks, CG_SOURCE_DIR, d->port_centra, d->port_gxo);
  snprintf(path, sizeof(path), "%s/centra-gxo.lua", d->dir);
  int rc = b.data ? write_text(path, b.data) : CG_ENOMEM;
  cg_buf_free(&b);
  return rc;
}

static void find_sim(struct demo *d)
{
  char self[1024];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  self[n > 0 ? n : 0] = '\0';
  snprintf(d->sim_bin, sizeof(d->sim_bin), "%s/centra-gxo-sim",
           n > 0 ? dirname(self) : ".");
}

static int spawn_sim(struct demo *d)
{
  char centra[32], gxo[32], seed[24], scenario[128], hook[128], log[128];
  snprintf(centra, sizeof(centra), "127.0.0.1:%d", d->port_centra);
  snprintf(gxo, sizeof(gxo), "127.0.0.1:%d", d->port_gxo);
  snprintf(seed, sizeof(seed), "%ld", d->seed);
  snprintf(scenario, sizeof(scenario), "%s/scenario.json", d->dir);
  snprintf(hook, sizeof(hook), "http://127.0.0.1:%d/webhooks/centra/demo",
           d->port_hooks);
  snprintf(log, sizeof(log), "%s/sim.log", d->dir);
  char *argv[] = {d->sim_bin, "--centra-listen",
                  centra,     "--gxo-listen",
                  gxo,        "--seed",
                  seed,       "--scenario",
                  scenario,   "--centra-webhook-url",
                  hook,       NULL};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  int rc = posix_spawn(&d->sim, d->sim_bin, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    fprintf(stderr, "demo: cannot start %s: %s\n", d->sim_bin, strerror(rc));
    return CG_EIO;
  }
  if (cg_port_wait(d->port_centra, 10000) != 0 ||
      cg_port_wait(d->port_gxo, 10000) != 0) {
    fprintf(stderr, "demo: the simulator did not start; see %s\n", log);
    return CG_ETIMEDOUT;
  }
  return 0;
}

static struct cg_flow *demo_flow(struct demo *d)
{
  return cg_merchant_flow(cg_engine_merchant(d->engine, 0));
}

static bool is_sla(const char *type)
{
  return strncmp(type, "SLA_", 4) == 0;
}

/* {"orders", "sent", "accepted", "shipped", "consignments", "sla":
 * {breaches, open, warnings}, "returns": {...}, "held": {...}} from the
 * store and the flow's counters. "sent" counts orders that reached the
 * warehouse, "accepted" those it accepted, shipped or not. */
static cJSON *engine_summary(struct demo *d)
{
  struct cg_flow *f = demo_flow(d);
  int64_t st[CG_STORE_ORDER_NSTATES] = {0};
  cg_store_order_counts(f->store, st, NULL);
  int64_t shipped = st[CG_STORE_ORDER_SHIPPED];
  cJSON *s = cJSON_CreateObject();
  cg_json_add_int(s, "orders", d->orders);
  cg_json_add_int(s, "sent",
                  st[CG_STORE_ORDER_SENT] + st[CG_STORE_ORDER_ACCEPTED] +
                      shipped);
  cg_json_add_int(s, "accepted", st[CG_STORE_ORDER_ACCEPTED] + shipped);
  cg_json_add_int(s, "shipped", shipped);
  cg_json_add_int(s, "consignments", (int64_t)f->metrics.consignments_shipped);
  cJSON *sla = cJSON_AddObjectToObject(s, "sla");
  cg_json_add_int(sla, "breaches", (int64_t)f->metrics.sla_breaches);
  cg_json_add_int(sla, "warnings", (int64_t)f->metrics.sla_warnings);
  cg_json_add_int(sla, "open", 0);
  cg__demo_returns_summary(f, s);
  cJSON *held = cJSON_AddObjectToObject(s, "held");
  struct cg_store_count_list open = {0};
  cg_store_exception_open_counts(f->store, &open, NULL);
  for (size_t i = 0; i < open.n; i++)
    if (strcmp(open.items[i].name, "SLA_BREACH") == 0)
      cJSON_ReplaceItemInObjectCaseSensitive(
          sla, "open", cJSON_CreateNumber((double)open.items[i].count));
    else if (!is_sla(open.items[i].name))
      cg_json_add_int(held, open.items[i].name, open.items[i].count);
  cg_store_count_list_clear(&open);
  return s;
}

static long long num(const cJSON *s, const char *path)
{
  return (long long)cg_json_int(s, path, 0);
}

static void print_progress(struct demo *d, const cJSON *s)
{
  int64_t secs = (cg_time_mono_ms() - d->started_ms) / 1000;
  fprintf(stderr,
          "[demo %3llds] orders %lld  sent %lld  accepted %lld  shipped %lld "
          "(%lld consignments)  SLA breaches %lld (open %lld)  returns "
          "%lld (refunded %lld, held %lld)  held:",
          (long long)secs, num(s, "orders"), num(s, "sent"), num(s, "accepted"),
          num(s, "shipped"), num(s, "consignments"), num(s, "sla.breaches"),
          num(s, "sla.open"), num(s, "returns.advised"),
          num(s, "returns.refunded"), num(s, "returns.held"));
  const cJSON *h;
  cJSON_ArrayForEach(h, cg_json_get(s, "held"))
      fprintf(stderr, " %s=%lld", h->string, (long long)h->valuedouble);
  fprintf(stderr, "\n");
}

static void on_closed(uv_handle_t *h)
{
}

static void on_engine_stopped(void *arg)
{
  struct demo *d = arg;
  uv_close((uv_handle_t *)&d->tick, on_closed);
  uv_close((uv_handle_t *)&d->sigint, on_closed);
  uv_close((uv_handle_t *)&d->sigterm, on_closed);
}

static void demo_stop(struct demo *d)
{
  if (d->stopping)
    return;
  d->stopping = true;
  d->summary = engine_summary(d);
  cg_engine_stop(d->engine, on_engine_stopped, d);
}

static size_t cb_body(char *p, size_t size, size_t n, void *arg)
{
  return cg_buf_append(arg, p, size * n) == 0 ? size * n : 0;
}

cJSON *cg__demo_sim_request(int port, const char *path, const char *body)
{
  char url[160];
  snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
  struct cg_buf b = CG_BUF_INIT;
  CURL *c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, cb_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
  if (body != NULL)
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
  CURLcode rc = curl_easy_perform(c);
  curl_easy_cleanup(c);
  cJSON *doc =
      rc == CURLE_OK && b.data ? cg_json_parse(b.data, b.len, NULL) : NULL;
  cg_buf_free(&b);
  return doc;
}

/* SLA watches still open (not dispatched) and closed (dispatched). */
static void sla_watches(struct demo *d, int64_t *open, int64_t *closed)
{
  struct cg_store_count_list c = {0};
  *open = *closed = 0;
  cg_store_sla_counts(demo_flow(d)->store, &c, NULL);
  for (size_t i = 0; i < c.n; i++)
    if (strcmp(c.items[i].name, "closed") == 0 ||
        strcmp(c.items[i].name, "closing") == 0)
      *closed += c.items[i].count;
    else if (strcmp(c.items[i].name, "breached") != 0)
      *open += c.items[i].count;
  cg_store_count_list_clear(&c);
}

/* Once only the late order is left undispatched (or at JUMP_LATEST_S),
 * the engine's clock jumps a week: that order breaches its SLA. The
 * simulator's signed Centra webhook hints are switched off first: signed
 * by its clock, they would now look a week old and be refused. */
static void maybe_fast_forward(struct demo *d)
{
  int64_t open = 0, closed = 0;
  if (d->jumped || d->orders < 5)
    return;
  sla_watches(d, &open, &closed);
  if (!(open == 1 && closed >= 4) &&
      cg_time_mono_ms() - d->started_ms < JUMP_LATEST_S * 1000)
    return;
  d->jumped = true;
  cJSON_Delete(cg__demo_sim_request(d->port_centra, "/_sim/centra/webhook",
                                    "{\"url\": null}"));
  cg_time_set_offset_ms(cg_time_offset_ms() + JUMP_MS);
  fprintf(stderr,
          "[demo] fast-forward: the engine's clock jumps a week ahead. The "
          "order the warehouse has not dispatched yet misses its SLA "
          "deadline (SLA_BREACH); it closes itself when the order ships.\n");
}

static void on_tick(uv_timer_t *t)
{
  struct demo *d = t->data;
  maybe_fast_forward(d);
  cg__demo_returns_tick(&d->returns, demo_flow(d), d->port_centra, d->port_gxo);
  cJSON *s = engine_summary(d);
  print_progress(d, s);
  cJSON_Delete(s);
  if (d->for_s > 0 && cg_time_mono_ms() - d->started_ms >= d->for_s * 1000)
    demo_stop(d);
}

static void on_signal(uv_signal_t *h, int signum)
{
  demo_stop(h->data);
}

static void print_urls(struct demo *d)
{
  fprintf(stderr,
          "centra-gxo demo: %ld orders (seed %ld); files in %s\n"
          "  engine metrics   http://127.0.0.1:%d/metrics\n"
          "  engine health    http://127.0.0.1:%d/healthz\n"
          "  exceptions       curl -H 'Authorization: Bearer "
          "demo-admin-token' http://127.0.0.1:%d/api/v1/merchants/demo/"
          "exceptions\n"
          "  Centra (sim)     http://127.0.0.1:%d/_sim/centra/orders\n"
          "  warehouse (sim)  http://127.0.0.1:%d/_sim/wms/orders\n"
          "  CLI              centra-gxo exceptions list -c %s/centra-gxo.lua\n"
          "Ctrl-C stops%s.\n",
          d->orders, d->seed, d->dir, d->port_admin, d->port_admin,
          d->port_admin, d->port_centra, d->port_gxo, d->dir,
          d->for_s ? " early" : "");
}

/* The warehouse's own count of orders created and duplicate refusals. */
static void add_warehouse_stats(struct demo *d, cJSON *summary)
{
  cJSON *stats = cg__demo_sim_request(d->port_gxo, "/_sim/wms/stats", NULL);
  cg_json_add_int(summary, "warehouse_orders",
                  cg_json_int(stats, "orders", -1));
  cg_json_add_int(summary, "warehouse_duplicates",
                  cg_json_int(stats, "duplicates", -1));
  cg_json_add_int(summary, "warehouse_shipments",
                  cg_json_int(stats, "shipments", -1));
  cJSON_Delete(stats);
}

static int prepare(struct demo *d)
{
  snprintf(d->dir, sizeof(d->dir), "/tmp/centra-gxo-demo-XXXXXX");
  if (mkdtemp(d->dir) == NULL)
    return CG_EIO;
  find_sim(d);
  d->port_centra = cg_port_free();
  d->port_gxo = cg_port_free();
  d->port_admin = cg_port_free();
  d->port_hooks = cg_port_free();
  set_secrets();
  int rc = write_scenario(d);
  if (rc == 0)
    rc = write_config(d);
  return rc == 0 ? spawn_sim(d) : rc;
}

static int start_engine(struct demo *d)
{
  char path[128];
  struct cg_err err = {0};
  snprintf(path, sizeof(path), "%s/centra-gxo.lua", d->dir);
  d->cfg = cg_config_load(path, &err);
  if (d->cfg != NULL)
    d->engine = cg_engine_start(&d->loop, d->cfg, &err);
  if (d->engine == NULL) {
    fprintf(stderr, "demo: engine did not start: %s\n", err.msg);
    return CG_EINVAL;
  }
  d->started_ms = cg_time_mono_ms();
  uv_timer_init(&d->loop, &d->tick);
  d->tick.data = d;
  uv_timer_start(&d->tick, on_tick, 1000, 1000);
  uv_signal_init(&d->loop, &d->sigint);
  uv_signal_init(&d->loop, &d->sigterm);
  d->sigint.data = d->sigterm.data = d;
  uv_signal_start(&d->sigint, on_signal, SIGINT);
  uv_signal_start(&d->sigterm, on_signal, SIGTERM);
  return 0;
}

static void cleanup(struct demo *d)
{
  if (d->sim > 0) {
    kill(d->sim, SIGTERM);
    waitpid(d->sim, NULL, 0);
  }
  cg_config_free(d->cfg);
  cJSON_Delete(d->summary);
  if (!d->keep && d->dir[0] != '\0') {
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->dir);
    if (system(cmd) != 0)
      fprintf(stderr, "demo: could not remove %s\n", d->dir);
  }
}

static void report(struct demo *d)
{
  add_warehouse_stats(d, d->summary);
  print_progress(d, d->summary);
  if (d->json) {
    char *text = cg_json_print(d->summary);
    printf("%s\n", text ? text : "{}");
    cg_free(text);
  }
}

int cg_demo_main(int argc, char **argv)
{
  struct demo d = {0};
  int rc = parse_args(&d, argc, argv);
  if (rc != 0)
    return rc;
  cg_log_set_level(CG_LOG_WARN);
  cg_http_global_init();
  uv_loop_init(&d.loop);
  rc = prepare(&d);
  if (rc == 0)
    rc = start_engine(&d);
  if (rc == 0) {
    print_urls(&d);
    uv_run(&d.loop, UV_RUN_DEFAULT);
    report(&d);
  }
  uv_run(&d.loop, UV_RUN_DEFAULT);
  uv_loop_close(&d.loop);
  cleanup(&d);
  return rc == 0 ? 0 : 1;
}
