/*
 * engine: see engine.h.
 */
#include "app/engine.h"

#include "app/config.h"
#include "app/merchant.h"
#include "app/webhooks.h"
#include "base/err.h"
#include "base/log.h"
#include "base/mem.h"
#include "net/http_client.h"
#include "net/http_server.h"
#include "net/router.h"
#include "ops/admin.h"
#include "store/store.h"

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define container_of(ptr, type, member)                                        \
  ((type *)((char *)(ptr)-offsetof(type, member)))

enum { SIG_HUP, SIG_INT, SIG_TERM, SIG_COUNT };

struct cg_engine {
  uv_loop_t *loop;
  const struct cg_config *cfg;
  struct cg_merchant **merchants;
  struct cg_flow **flows;
  struct cg_store_health **health; /* per merchant, for /healthz */
  size_t n;                        /* merchants running */
  char **down;                     /* "merchant 'x' is not running: why" */
  size_t n_down;
  struct cg_router *admin_router;
  struct cg_router *hooks_router;
  struct cg_http_server *admin;
  struct cg_http_server *hooks;
  struct cg_admin_source admin_src;
  uv_signal_t signals[SIG_COUNT];
  bool signals_on;
  bool stopping;
  int pending; /* things still closing during stop */
  void (*on_stopped)(void *arg);
  void *on_stopped_arg;
};

struct cg_merchant *cg_engine_find(struct cg_engine *e, const char *id)
{
  for (size_t i = 0; id && i < e->n; i++)
    if (e->merchants[i] && strcmp(cg_merchant_id(e->merchants[i]), id) == 0)
      return e->merchants[i];
  return NULL;
}

size_t cg_engine_merchant_count(const struct cg_engine *e)
{
  return e->n;
}

struct cg_merchant *cg_engine_merchant(struct cg_engine *e, size_t i)
{
  return i < e->n ? e->merchants[i] : NULL;
}

int cg_engine_admin_port(const struct cg_engine *e)
{
  return e->admin ? cg_http_server_port(e->admin) : -1;
}

int cg_engine_webhooks_port(const struct cg_engine *e)
{
  return e->hooks ? cg_http_server_port(e->hooks) : -1;
}

static int reload_one(void *ctx, const char *id, struct cg_err *err)
{
  struct cg_merchant *m = cg_engine_find(ctx, id);
  return m ? cg_merchant_reload_rules(m, err)
           : cg_err_set(err, CG_ENOTFOUND, "no merchant %s", id);
}

static void on_signal(uv_signal_t *h, int signum)
{
  struct cg_engine *e = h->data;
  if (signum == SIGHUP) {
    cg_log_info("engine", "SIGHUP: reloading the rules of %zu merchants", e->n);
    for (size_t i = 0; i < e->n; i++) {
      struct cg_err err = {0};
      cg_merchant_reload_rules(e->merchants[i], &err);
    }
    return;
  }
  cg_log_info("engine", "%s: draining and stopping",
              signum == SIGINT ? "SIGINT" : "SIGTERM");
  cg_engine_stop(e, NULL, NULL);
}

void cg_engine_handle_signals(struct cg_engine *e)
{
  static const int nums[SIG_COUNT] = {SIGHUP, SIGINT, SIGTERM};
  for (int i = 0; i < SIG_COUNT; i++) {
    uv_signal_init(e->loop, &e->signals[i]);
    e->signals[i].data = e;
    uv_signal_start(&e->signals[i], on_signal, nums[i]);
  }
  e->signals_on = true;
}

/* Records the store's identity and runs quick_check once; a damaged
 * store is logged here and reported by /healthz from now on. */
static int start_health(struct cg_engine *e, size_t i, struct cg_err *err)
{
  struct cg_store *store = e->flows[i]->store;
  e->health[i] = cg_store_health_create(store);
  if (e->health[i] == NULL)
    return cg_err_set(err, CG_ENOMEM, "merchant '%s': out of memory",
                      e->flows[i]->merchant);
  struct cg_err herr = {0};
  if (cg_store_health_check(store, e->health[i], &herr) != 0)
    cg_log_error("engine",
                 "[merchant=%s] %s; /healthz reports it until it is fixed",
                 e->flows[i]->merchant, herr.msg);
  return 0;
}

/* Records a merchant that did not start: logged, reported by /healthz,
 * and the other merchants run (one merchant's failure never stops
 * another). */
static int mark_down(struct cg_engine *e, const char *id,
                     const struct cg_err *why)
{
  size_t n = strlen(id) + strlen(why->msg) + 64;
  char *line = cg_malloc(n);
  if (line == NULL)
    return CG_ENOMEM;
  snprintf(line, n, "merchant '%s' is not running: %s", id, why->msg);
  e->down[e->n_down++] = line;
  cg_log_error("engine",
               "[merchant=%s] did not start (%s); the other merchants run, "
               "/healthz reports it; fix it and restart the engine",
               id, why->msg);
  return 0;
}

/* Starts merchant c into the next running slot. */
static int start_one(struct cg_engine *e, const struct cg_config_merchant *c)
{
  struct cg_err why = {0};
  struct cg_merchant *m = cg_merchant_start(e->loop, e->cfg, c, &why);
  if (m == NULL)
    return why.code == CG_ENOMEM ? CG_ENOMEM : mark_down(e, c->id, &why);
  size_t i = e->n++;
  e->merchants[i] = m;
  e->flows[i] = cg_merchant_flow(m);
  return start_health(e, i, &why);
}

static int start_merchants(struct cg_engine *e, struct cg_err *err)
{
  size_t total = e->cfg->nmerchants;
  e->merchants = cg_calloc(total, sizeof(*e->merchants));
  e->flows = cg_calloc(total, sizeof(*e->flows));
  e->health = cg_calloc(total, sizeof(*e->health));
  e->down = cg_calloc(total ? total : 1, sizeof(*e->down));
  if (e->merchants == NULL || e->flows == NULL || e->health == NULL ||
      e->down == NULL)
    return cg_err_set(err, CG_ENOMEM, "out of memory");
  for (size_t i = 0; i < total; i++)
    if (start_one(e, &e->cfg->merchants[i]) != 0)
      return cg_err_set(err, CG_ENOMEM, "out of memory");
  if (e->n == 0)
    return cg_err_set(err, CG_ECONFIG, "%s",
                      e->n_down ? e->down[0] : "no merchant configured");
  return 0;
}

static struct cg_http_server *listen_on(struct cg_engine *e, const char *addr,
                                        const char *name, struct cg_router *r,
                                        struct cg_err *err)
{
  struct cg_http_server_opts o = {.name = name, .max_body_bytes = 1 << 20};
  struct cg_http_server *s =
      cg_http_server_create(e->loop, &o, cg_router_dispatch, r);
  if (s == NULL) {
    cg_err_set(err, CG_ENOMEM, "out of memory");
    return NULL;
  }
  if (cg_http_server_listen(s, addr, err) != 0) {
    cg_err_prefix(err, "%s listener %s", name, addr);
    cg_http_server_close(s, NULL, NULL);
    return NULL;
  }
  cg_log_info("engine", "%s listening on http://%s (port %d)", name, addr,
              cg_http_server_port(s));
  return s;
}

static int start_listeners(struct cg_engine *e, struct cg_err *err)
{
  e->admin_src = (struct cg_admin_source){.flows = e->flows,
                                          .n = e->n,
                                          .health = e->health,
                                          .down = (const char *const *)e->down,
                                          .n_down = e->n_down,
                                          .token = e->cfg->admin_token,
                                          .test_clock = e->cfg->test_clock,
                                          .reload = reload_one,
                                          .ctx = e};
  if (e->cfg->test_clock)
    cg_log_warn("engine", "test_clock is on: POST /api/v1/test/clock can move "
                          "this engine's clock (tests and demos only; never "
                          "in production)");
  e->admin_router = cg_router_create();
  e->hooks_router = cg_router_create();
  if (e->admin_router == NULL || e->hooks_router == NULL ||
      cg_admin_routes(e->admin_router, &e->admin_src) != 0 ||
      cg_webhooks_routes(e->hooks_router, e) != 0)
    return cg_err_set(err, CG_ENOMEM, "out of memory");
  /* Webhooks first: an admin port that answers means every listener is
   * up (supervisors and tests wait on admin alone). */
  e->hooks =
      listen_on(e, e->cfg->webhooks_listen, "webhooks", e->hooks_router, err);
  if (e->hooks == NULL)
    return CG_EIO;
  e->admin = listen_on(e, e->cfg->admin_listen, "admin", e->admin_router, err);
  return e->admin ? 0 : CG_EIO;
}

struct cg_engine *cg_engine_start(uv_loop_t *loop, const struct cg_config *cfg,
                                  struct cg_err *err)
{
  struct cg_engine *e = cg_calloc(1, sizeof(*e));
  if (e == NULL) {
    cg_err_set(err, CG_ENOMEM, "out of memory");
    return NULL;
  }
  e->loop = loop;
  e->cfg = cfg;
  int rc = start_merchants(e, err);
  if (rc == 0)
    rc = start_listeners(e, err);
  if (rc != 0) {
    cg_engine_stop(e, NULL, NULL);
    return NULL;
  }
  return e;
}

static void finish(struct cg_engine *e)
{
  if (--e->pending > 0)
    return;
  cg_router_destroy(e->admin_router);
  cg_router_destroy(e->hooks_router);
  void (*done)(void *) = e->on_stopped;
  void *arg = e->on_stopped_arg;
  for (size_t i = 0; e->health && i < e->n; i++)
    cg_store_health_destroy(e->health[i]);
  cg_free(e->health);
  for (size_t i = 0; i < e->n_down; i++)
    cg_free(e->down[i]);
  cg_free(e->down);
  cg_free(e->merchants);
  cg_free(e->flows);
  cg_free(e);
  cg_log_info("engine", "stopped");
  if (done != NULL)
    done(arg);
}

static void on_part_stopped(void *arg)
{
  finish(arg);
}

static void on_signal_closed(uv_handle_t *h)
{
  finish(h->data);
}

/* Also after a failed start: the arrays may be missing (allocation
 * failed) or partly filled. */
static void stop_merchants(struct cg_engine *e)
{
  for (size_t i = 0; e->merchants != NULL && i < e->n; i++)
    if (e->merchants[i] != NULL) {
      e->pending++;
      cg_merchant_stop(e->merchants[i], on_part_stopped, e);
      e->merchants[i] = NULL;
    }
}

void cg_engine_stop(struct cg_engine *e, void (*done)(void *arg), void *arg)
{
  if (e == NULL || e->stopping)
    return;
  e->stopping = true;
  e->on_stopped = done;
  e->on_stopped_arg = arg;
  e->pending = 1; /* released at the end of this function */
  if (e->signals_on)
    for (int i = 0; i < SIG_COUNT; i++, e->pending++)
      uv_close((uv_handle_t *)&e->signals[i], on_signal_closed);
  struct cg_http_server *servers[2] = {e->admin, e->hooks};
  e->admin = e->hooks = NULL;
  for (int i = 0; i < 2; i++)
    if (servers[i] != NULL) {
      e->pending++;
      cg_http_server_close(servers[i], on_part_stopped, e);
    }
  stop_merchants(e);
  finish(e);
}

/* --- `centra-gxo run` -----------------------------------------------------*/

static void apply_log_level(const struct cg_config *cfg)
{
  enum cg_log_level lvl;
  if (cg_log_parse_level(cfg->log_level, &lvl) == 0)
    cg_log_set_level(lvl);
}

int cg_engine_run(const char *config_path)
{
  struct cg_err err = {0};
  struct cg_config *cfg = cg_config_load(config_path, &err);
  if (cfg == NULL) {
    cg_log_error("config", "%s", err.msg);
    return 2;
  }
  apply_log_level(cfg);
  cg_http_global_init();
  uv_loop_t loop;
  uv_loop_init(&loop);
  struct cg_engine *e = cg_engine_start(&loop, cfg, &err);
  int code = 0;
  if (e == NULL) {
    cg_log_error("engine", "cannot start: %s", err.msg);
    code = 1;
  } else {
    cg_engine_handle_signals(e);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&loop) != 0)
    cg_log_warn("engine", "handles left open at exit");
  cg_config_free(cfg);
  return code;
}
