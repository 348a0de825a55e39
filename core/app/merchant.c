/*
 * merchant: see merchant.h. This file owns the merchant (merchant_int.h):
 * its store, partner clients, flows, outbox kinds, schedules and the
 * graceful stop; merchant_rules.c owns its rule pack (load, fallback,
 * reloads, the folder watch).
 */
#include "app/merchant.h"
#include "app/merchant_int.h"

#include "app/config.h"
#include "base/err.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "centra/centra.h"
#include "flows/changes.h"
#include "flows/decide.h"
#include "flows/dispatch.h"
#include "flows/inbox.h"
#include "flows/intake.h"
#include "flows/monitor.h"
#include "flows/orders.h"
#include "flows/outbox.h"
#include "flows/skus.h"
#include "flows/items.h"
#include "flows/returns.h"
#include "flows/stock.h"
#include "gxo/gxo.h"
#include "rules/host.h"
#include "store/store.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SWEEP_MS 1000
#define MONITOR_MS                                                             \
  1000 /* SLA monitor pass: warnings and breaches are                          \
        * raised within a second of their time */
/* Retention (docs/internals/store.md §6): done outbox rows and processed
 * inbox messages older than this are deleted every PRUNE_EVERY_MS, well
 * past every source's redelivery window. Each run deletes about one
 * period's rows through an index, so its cost does not grow with the
 * store. */
#define PRUNE_EVERY_MS (60 * 60 * 1000)
#define RETENTION_MS (14LL * 24 * 60 * 60 * 1000)

static void cb_subscribed(struct cg_call_result *res, void *arg)
{
  struct cg_merchant *m = arg;
  if (res->outcome == CG_OUTCOME_OK)
    cg_log_info("merchant", "[merchant=%s] warehouse webhooks subscribed",
                m->mc->id);
  else
    cg_log_warn("merchant",
                "[merchant=%s] warehouse webhook subscription "
                "failed (%s %s); the event feed pull still runs",
                m->mc->id, res->code, res->message);
}

/* Subscribes our webhook endpoint to every warehouse event type. The
 * subscription is idempotent: the same content replays. */
static void subscribe_webhooks(struct cg_merchant *m)
{
  static const char *const types[] = {
      "order.accepted",     "order.rejected",     "order.status",
      "shipment.confirmed", "order.closed",       "order.cancelled",
      "stock.adjusted",     "stock.status_moved", "stock.snapshot",
      "return.arrived",     "return.received",    "item.rejected"};
  const char *url = m->mc->gxo_webhook_url;
  const char *secret = m->mc->gxo_webhook_secret;
  if (url == NULL)
    return;
  if (secret == NULL) {
    cg_log_warn("merchant",
                "[merchant=%s] gxo.webhook_url is set but "
                "gxo.webhook_secret is not; not subscribing",
                m->mc->id);
    return;
  }
  cg_gxo_subscribe_webhooks(m->flow.gxo, url, secret, types,
                            sizeof(types) / sizeof(*types), cb_subscribed, m);
}

static void run_events(struct cg_merchant *m)
{
  cg_intake_centra_events(m->intake);
}

static void run_poll(struct cg_merchant *m)
{
  cg_intake_centra_poll(m->intake);
}

static void run_gxo(struct cg_merchant *m)
{
  cg_intake_gxo_events(m->intake);
}

static void run_limits(struct cg_merchant *m)
{
  cg_intake_centra_limits(m->intake, NULL, NULL);
}

/* Pending inbox rows (a failed apply) and operator retry requests. */
static void run_sweep(struct cg_merchant *m)
{
  cg_inbox_drain(&m->flow);
  cg_orders_process_retry_requests(&m->flow);
  cg_dispatch_settle_resolved(&m->flow);
  cg_returns_settle_resolved(&m->flow);
}

static void run_prune(struct cg_merchant *m)
{
  struct cg_err err = {0};
  int64_t inbox = 0, outbox = 0;
  if (cg_store_prune(m->flow.store, cg_time_now_ms() - RETENTION_MS, &inbox,
                     &outbox, &err) != 0)
    cg_log_warn("merchant", "[merchant=%s] pruning the store failed: %s",
                m->mc->id, err.msg);
  else if (inbox + outbox > 0)
    cg_log_info("merchant",
                "[merchant=%s] pruned %lld processed messages and %lld "
                "done calls older than %d days",
                m->mc->id, (long long)inbox, (long long)outbox,
                (int)(RETENTION_MS / 86400000));
}

/* The SLA monitor's pass (flows/monitor.h). */
static void run_monitor(struct cg_merchant *m)
{
  cg_monitor_tick(m->flow.monitor);
}

static void on_schedule(uv_timer_t *t)
{
  struct schedule *s = container_of(t, struct schedule, timer);
  if (!s->m->stopping)
    s->fn(s->m);
}

static void start_schedules(struct cg_merchant *m, uv_loop_t *loop)
{
  const struct cg_config_merchant *c = m->mc;
  const struct {
    void (*fn)(struct cg_merchant *);
    int64_t every_ms;
  } table[S_COUNT] = {
      [S_EVENTS] = {run_events, c->centra_events_s * 1000},
      [S_POLL] = {run_poll, c->poll_orders_s * 1000},
      [S_GXO] = {run_gxo, c->gxo_events_s * 1000},
      [S_LIMITS] = {run_limits, c->limits_refresh_s * 1000},
      [S_SWEEP] = {run_sweep, SWEEP_MS},
      [S_PRUNE] = {run_prune, PRUNE_EVERY_MS},
      [S_MONITOR] = {run_monitor, MONITOR_MS},
  };
  for (int i = 0; i < S_COUNT; i++) {
    struct schedule *s = &m->sched[i];
    s->m = m;
    s->fn = table[i].fn;
    uv_timer_init(loop, &s->timer);
    m->open_handles++;
    uint64_t every = table[i].every_ms > 0 ? (uint64_t)table[i].every_ms : 0;
    if (every > 0)
      uv_timer_start(&s->timer, on_schedule, every, every);
  }
}

static int open_store(struct cg_merchant *m, struct cg_err *err)
{
  char path[1024];
  struct cg_store_opts o = {
      .path = cg_config_path(m->cfg, m->mc->store, path, sizeof(path)),
      .name = m->mc->id,
      .synchronous = m->mc->store_sync_full ? "FULL" : "NORMAL",
  };
  return cg_store_open(&o, &m->flow.store, err);
}

static int create_clients(struct cg_merchant *m, uv_loop_t *loop,
                          struct cg_err *err)
{
  struct cg_centra_opts co = {.loop = loop,
                              .merchant = m->mc->id,
                              .url = m->mc->centra_url,
                              .token = m->mc->centra_token,
                              .warehouse = m->mc->centra_warehouse};
  struct cg_gxo_opts go = {.loop = loop,
                           .merchant = m->mc->id,
                           .base_url = m->mc->gxo_url,
                           .client_id = m->mc->gxo_client_id,
                           .client_secret = m->mc->gxo_client_secret};
  m->flow.centra = cg_centra_create(&co, err);
  if (m->flow.centra == NULL)
    return err ? err->code : CG_EINVAL;
  m->flow.gxo = cg_gxo_create(&cg_gxo_rest_transport, &go, err);
  return m->flow.gxo ? 0 : (err ? err->code : CG_EINVAL);
}

/* Every flow's outbox kinds, most urgent first. */
static size_t fill_kinds(struct cg_merchant *m)
{
  size_t n = 0;
  m->kinds[n++] = cg_dispatch_outbox_kind;
  m->kinds[n++] = cg_dispatch_capture_kind;
  m->kinds[n++] = cg_dispatch_remainder_kind;
  m->kinds[n++] = cg_returns_settle_kind; /* Centra writes, after shipping */
  m->kinds[n++] = cg_stock_push_kind;     /* stock before bookkeeping */
  m->kinds[n++] = cg_changes_outbox_kind; /* a customer's cancel */
  /* Before the orders it gates: an order waits for its SKUs' acceptance,
   * so a batch behind their retries would hold back the very orders that
   * fill the window (a priority inversion). Batches are few. */
  m->kinds[n++] = cg_items_batch_kind;
  for (size_t i = 0; i < cg_orders_outbox_nkinds && n < KINDS_MAX; i++)
    m->kinds[n++] = cg_orders_outbox_kinds[i];
  if (n < KINDS_MAX)
    m->kinds[n++] = cg_returns_advise_kind; /* after the warehouse orders */
  return n;
}

static struct cg_stock_opts stock_opts(const struct cg_config_merchant *c)
{
  return (struct cg_stock_opts){.window_ms = c->stock_window_ms,
                                .batch_max = c->stock_batch_max,
                                .reconcile_s = c->stock_reconcile_s,
                                .gap_grace_ms = c->stock_gap_grace_s * 1000,
                                .snapshot_page = c->stock_snapshot_page};
}

static struct cg_items_opts items_opts(const struct cg_config_merchant *c)
{
  return (struct cg_items_opts){.poll_s = c->items_poll_s,
                                .sweep_s = c->items_sweep_s,
                                .batch_max = c->items_batch_max,
                                .page = c->items_page,
                                .window_ms = c->items_window_ms};
}

static struct cg_returns_opts returns_opts(const struct cg_config_merchant *c)
{
  return (struct cg_returns_opts){.poll_s = c->returns_poll_s,
                                  .page = c->returns_page};
}

/* The stock, items and returns flows, once the outbox exists. */
static int start_flows(struct cg_merchant *m, struct cg_err *err)
{
  int rc = cg_stock_start(m->flow.stock);
  if (rc != 0)
    return cg_err_set(err, rc, "stock flow could not start");
  if (m->flow.items != NULL && (rc = cg_items_start(m->flow.items)) != 0)
    return cg_err_set(err, rc, "items flow could not start");
  if (m->flow.returns != NULL && (rc = cg_returns_start(m->flow.returns)) != 0)
    return cg_err_set(err, rc, "returns flow could not start");
  return 0;
}

static int start_delivery(struct cg_merchant *m, struct cg_err *err)
{
  struct cg_stock_opts so = stock_opts(m->mc);
  struct cg_items_opts io = items_opts(m->mc);
  struct cg_returns_opts ro = returns_opts(m->mc);
  m->intake = cg_intake_create(&m->flow);
  m->flow.outbox = cg_outbox_create(&m->flow, m->kinds, fill_kinds(m), NULL);
  m->flow.monitor = cg_monitor_create(&m->flow);
  m->flow.stock = m->flow.outbox ? cg_stock_create(&m->flow, &so) : NULL;
  bool items = m->mc->items_enabled;
  m->flow.items =
      m->flow.outbox && items ? cg_items_create(&m->flow, &io) : NULL;
  bool returns = m->mc->returns_enabled;
  m->flow.returns =
      m->flow.outbox && returns ? cg_returns_create(&m->flow, &ro) : NULL;
  if (m->intake == NULL || m->flow.outbox == NULL || m->flow.monitor == NULL ||
      m->flow.stock == NULL || (items && m->flow.items == NULL) ||
      (returns && m->flow.returns == NULL))
    return cg_err_set(err, CG_ENOMEM, "out of memory");
  int rc = cg_outbox_start(m->flow.outbox);
  if (rc != 0)
    return cg_err_set(err, rc, "outbox could not start");
  if ((rc = start_flows(m, err)) != 0)
    return rc;
  cg_inbox_drain(&m->flow);
  return 0;
}

static void release_parts(struct cg_merchant *m)
{
  cg_centra_destroy(m->flow.centra);
  m->flow.centra = NULL;
  cg_gxo_destroy(m->flow.gxo);
  m->flow.gxo = NULL;
  cg_intake_destroy(m->intake);
  m->intake = NULL;
  cg_rulehost_destroy(m->flow.rulehost); /* cancels its plans first */
  m->flow.rulehost = NULL;
  cg_decide_destroy(m->flow.decide);
  m->flow.decide = NULL;
  cg_monitor_destroy(m->flow.monitor); /* after the host: no call out */
  m->flow.monitor = NULL;
  cg_free(m->boot_sources);
  m->boot_sources = NULL;
  cg_store_close(m->flow.store);
  m->flow.store = NULL;
  cg_skuset_free(m->flow.known_skus);
  cg_map_free(&m->flow.dispatch_checked);
  cg_map_free(&m->flow.orders_writing);
  m->flow.known_skus = NULL;
}

/* Says once, at start, which Centra store settings the flows follow. */
static void log_store_settings(const struct cg_merchant *m)
{
  const struct cg_flow_settings *st = &m->flow.settings;
  if (!st->centra_events && m->mc->poll_orders_s == 0)
    cg_log_error("merchant",
                 "[merchant=%s] centra.events is off and "
                 "schedules.poll_orders is 0: no new order reaches the "
                 "engine except through webhook hints",
                 m->mc->id);
  else if (!st->centra_events)
    cg_log_warn("merchant",
                "[merchant=%s] centra.events is off: the events system is "
                "not used; new orders arrive through the poll every %llds "
                "(and webhook hints, if configured)",
                m->mc->id, (long long)m->mc->poll_orders_s);
  cg_log_info("merchant",
              "[merchant=%s] Centra store settings: Direct to Shipment %s, "
              "Autoconfirm %s; exporting %s orders",
              m->mc->id, st->direct_to_shipment ? "on" : "off",
              st->autoconfirm ? "on" : "off (PENDING orders wait)",
              st->direct_to_shipment ? "CONFIRMED and PROCESSING"
                                     : "CONFIRMED");
}

static void first_pulls(void *arg)
{
  struct cg_merchant *m = arg;
  if (m->stopping)
    return;
  cg_intake_centra_listen(m->intake);
  cg_merchant_pull_now(m);
}

struct cg_merchant *cg_merchant_start(uv_loop_t *loop,
                                      const struct cg_config *cfg,
                                      const struct cg_config_merchant *mc,
                                      struct cg_err *err)
{
  struct cg_merchant *m = cg_calloc(1, sizeof(*m));
  if (m == NULL) {
    cg_err_set(err, CG_ENOMEM, "out of memory");
    return NULL;
  }
  m->cfg = cfg;
  m->mc = mc;
  m->flow.merchant = mc->id;
  m->flow.loop = loop;
  m->flow.settings = (struct cg_flow_settings){
      .centra_events = mc->centra_events,
      .direct_to_shipment = mc->centra_direct_to_shipment,
      .autoconfirm = mc->centra_autoconfirm,
      .centra_warehouse = mc->centra_warehouse,
  };
  cg_rand_seed(&m->flow.rng, 0);
  int rc = open_store(m, err);
  if (rc == 0)
    rc = cg__merchant_load_rules(m, loop, err);
  if (rc == 0)
    rc = create_clients(m, loop, err);
  if (rc == 0)
    rc = start_delivery(m, err);
  if (rc != 0) {
    cg_err_prefix(err, "merchant '%s'", mc->id);
    if (m->flow.outbox != NULL) { /* its timer must close on the loop */
      m->stopping = true;
      cg_merchant_stop(m, NULL, NULL);
      return NULL;
    }
    release_parts(m);
    cg_free(m);
    return NULL;
  }
  start_schedules(m, loop);
  cg__merchant_watch_pack(m, loop);
  log_store_settings(m);
  subscribe_webhooks(m);
  cg_intake_gxo_events(m->intake);
  /* Centra first answers rateLimits (its budget is shared); then the
   * listeners and the first pulls. */
  cg_intake_centra_limits(m->intake, first_pulls, m);
  return m;
}

void cg_merchant_pull_now(struct cg_merchant *m)
{
  cg_intake_centra_events(m->intake);
  if (m->mc->poll_orders_s > 0) /* 0: the poll is off */
    cg_intake_centra_poll(m->intake);
  cg_intake_gxo_events(m->intake);
}

static void finish_stop(struct cg_merchant *m)
{
  if (m->open_handles > 0)
    return;
  release_parts(m);
  void (*done)(void *) = m->on_stopped;
  void *arg = m->on_stopped_arg;
  cg_free(m);
  if (done != NULL)
    done(arg);
}

static void on_handle_closed(uv_handle_t *h)
{
  struct schedule *s = container_of((uv_timer_t *)h, struct schedule, timer);
  s->m->open_handles--;
  finish_stop(s->m);
}

static void on_watch_closed(uv_handle_t *h)
{
  struct cg_merchant *m = h->data;
  m->open_handles--;
  finish_stop(m);
}

static void on_outbox_closed(void *arg)
{
  struct cg_merchant *m = arg;
  m->flow.outbox = NULL;
  m->open_handles--;
  finish_stop(m);
}

/* The second half of a stop: what is still in flight is cancelled (the
 * clients answer RETRY, which the outbox records) and the outbox closes. */
static void stop_deliveries(struct cg_merchant *m)
{
  cg_centra_destroy(m->flow.centra);
  m->flow.centra = NULL;
  cg_gxo_destroy(m->flow.gxo);
  m->flow.gxo = NULL;
  cg_outbox_close(m->flow.outbox, on_outbox_closed, m);
}

static void on_drain_closed(uv_handle_t *h)
{
  struct cg_merchant *m =
      container_of((uv_timer_t *)h, struct cg_merchant, drain_timer);
  m->open_handles--;
  finish_stop(m);
}

/* Drain: intake has stopped; calls in flight may finish until the grace
 * period ends. Progress is logged once a second. */
static void on_drain_tick(uv_timer_t *t)
{
  struct cg_merchant *m = container_of(t, struct cg_merchant, drain_timer);
  int64_t now = cg_time_now_ms();
  size_t calls = cg_outbox_inflight(m->flow.outbox);
  bool busy = calls > 0 || cg_intake_busy(m->intake);
  if (busy && now < m->drain_until_ms) {
    if (now - m->drain_logged_ms >= 1000) {
      m->drain_logged_ms = now;
      cg_log_info("merchant",
                  "[merchant=%s] draining: %zu calls in flight, up to %lld ms "
                  "left before they are cancelled",
                  m->mc->id, calls, (long long)(m->drain_until_ms - now));
    }
    return;
  }
  cg_log_info("merchant", "[merchant=%s] drained%s; closing", m->mc->id,
              busy ? " (grace period over: cancelling the rest)" : "");
  uv_timer_stop(t);
  uv_close((uv_handle_t *)t, on_drain_closed);
  stop_deliveries(m);
}

/* Intake stops at once; deliveries drain (ARCHITECTURE §3: SIGTERM). */
static void start_drain(struct cg_merchant *m)
{
  int64_t grace = m->cfg->drain_grace_s * 1000;
  m->drain_until_ms = cg_time_now_ms() + (grace > 0 ? grace : 0);
  m->drain_logged_ms = cg_time_now_ms();
  cg_outbox_quiesce(m->flow.outbox);
  uv_timer_init(m->flow.loop, &m->drain_timer);
  m->open_handles++;
  uv_timer_start(&m->drain_timer, on_drain_tick, 1, 50);
}

static void on_flow_closed(void *arg)
{
  struct cg_merchant *m = arg;
  m->open_handles--;
  finish_stop(m);
}

/* The stock flow's timers stop with the schedules; an outbox finish that
 * comes later finds no stock flow (f->stock NULL). */
static void close_stock(struct cg_merchant *m)
{
  struct cg_stock *st = m->flow.stock;
  m->flow.stock = NULL;
  if (st == NULL)
    return;
  m->open_handles++;
  cg_stock_close(st, on_flow_closed, m);
}

/* The items flow's timer stops with the schedules and its read in
 * progress is dropped (its cursor says where the sweep goes on). */
static void close_items(struct cg_merchant *m)
{
  struct cg_items *it = m->flow.items;
  m->flow.items = NULL;
  if (it == NULL)
    return;
  m->open_handles++;
  cg_items_close(it, on_flow_closed, m);
}

/* The returns flow's timer stops with the schedules; a read in progress
 * is dropped (the returns it did not store are read again). */
static void close_returns(struct cg_merchant *m)
{
  struct cg_returns *r = m->flow.returns;
  m->flow.returns = NULL;
  if (r == NULL)
    return;
  m->open_handles++;
  cg_returns_close(r, on_flow_closed, m);
}

void cg_merchant_stop(struct cg_merchant *m, void (*done)(void *arg), void *arg)
{
  if (m == NULL)
    return;
  m->stopping = true;
  m->on_stopped = done;
  m->on_stopped_arg = arg;
  m->open_handles++; /* the outbox */
  for (int i = 0; i < S_COUNT; i++)
    if (m->sched[i].m != NULL)
      uv_close((uv_handle_t *)&m->sched[i].timer, on_handle_closed);
  close_stock(m);
  close_items(m);
  close_returns(m);
  if (m->watching) {
    m->pack_watch.data = m->reload_timer.data = m;
    uv_close((uv_handle_t *)&m->pack_watch, on_watch_closed);
    uv_close((uv_handle_t *)&m->reload_timer, on_watch_closed);
  }
  /* Plans in flight are cancelled (their rows stay pending); the host's
   * handles close on the loop. */
  cg_rulehost_destroy(m->flow.rulehost);
  m->flow.rulehost = NULL;
  if (m->flow.loop != NULL && m->flow.outbox != NULL)
    start_drain(m);
  else
    stop_deliveries(m);
}

const char *cg_merchant_id(const struct cg_merchant *m)
{
  return m->mc->id;
}

struct cg_flow *cg_merchant_flow(struct cg_merchant *m)
{
  return &m->flow;
}

struct cg_intake *cg_merchant_intake(struct cg_merchant *m)
{
  return m->intake;
}

const struct cg_config_merchant *cg_merchant_config(const struct cg_merchant *m)
{
  return m->mc;
}
