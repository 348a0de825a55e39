/*
 * sim_ctx: the state both simulated partners share (see sim_ctx.h): named
 * id sequences, seeded random hex, and the outgoing webhook sender.
 *
 *   sim_webhook_send -> item (copy) -> [duplicate?] -> timer (0 or
 *   hold-back when reordered) -> cg_http_client_send -> 2xx: delivered
 *                                                    -> else: backoff,
 *                                                       retry up to 20x
 *
 * Each attempt is signed afresh ("t=<now>,v1=HMAC(secret, t.body)").
 * Items live in a list so shutdown can drop the ones still waiting; an
 * item's memory is freed only in its timer's close callback.
 */
#include "sim_ctx.h"

#include "sim_calllog.h"
#include "sim_faults.h"
#include "sim_util.h"

#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "net/hmac.h"
#include "net/http_client.h"

#include <stdio.h>
#include <string.h>

#define WH_MAX_ATTEMPTS 20 /* about 80 s: outlives an engine restart */
#define WH_BACKOFF_BASE_MS 200
#define WH_BACKOFF_CAP_MS 5000
#define WH_TIMEOUT_MS 10000
#define NAMES_MAX 16
#define WH_PENDING_MAX 10000 /* beyond: new deliveries are dropped */

struct wh_item {
  struct sim_ctx *ctx;
  uv_timer_t timer;
  struct wh_item *prev, *next;
  char *url, *secret, *sig_header, *content_type, *body;
  size_t body_len;
  enum sim_side side;
  int attempt;
  bool in_flight;
  bool finished;
};

struct sim_ctx_priv {
  char names[NAMES_MAX][32];
  struct wh_item *items; /* waiting or in flight */
  size_t nitems;
  bool closing;
  bool warned_full;
  unsigned long queued, attempts, delivered, failed, dropped, duplicated,
      reordered, retried;
};

void sim_opts_defaults(struct sim_opts *o)
{
  memset(o, 0, sizeof(*o));
  o->centra_listen = "127.0.0.1:8081";
  o->gxo_listen = "127.0.0.1:8082";
  o->centra_token = "centra-dev-token";
  o->gxo_client_id = "centra-gxo";
  o->gxo_client_secret = "gxo-dev-secret";
  o->gxo_webhook_secret = "gxo-webhook-secret";
  o->centra_webhook_secret = "centra-webhook-secret";
  o->centra_mutation_budget = 20;
  o->centra_request_budget = 500;
  o->centra_complexity_budget = 1500000;
  o->gxo_token_ttl_s = 3600;
  o->centra_autoconfirm = true;
}

static struct sim_ctx_priv *priv_of(struct sim_ctx *ctx)
{
  if (ctx->priv == NULL)
    ctx->priv = cg_calloc(1, sizeof(*ctx->priv));
  return ctx->priv;
}

uint64_t sim_ctx_next_id(struct sim_ctx *ctx, const char *sequence)
{
  struct sim_ctx_priv *p = priv_of(ctx);
  if (p == NULL)
    return ++ctx->counters[NAMES_MAX - 1];
  for (int i = 0; i < NAMES_MAX; i++) {
    if (p->names[i][0] == '\0')
      snprintf(p->names[i], sizeof(p->names[i]), "%s", sequence);
    if (strncmp(p->names[i], sequence, sizeof(p->names[i]) - 1) == 0)
      return ++ctx->counters[i];
  }
  /* More than 16 sequences: the overflow ones share the last counter,
   * which keeps ids unique within it. */
  return ++ctx->counters[NAMES_MAX - 1];
}

char *sim_ctx_random_hex(struct sim_ctx *ctx, size_t n, char *out)
{
  static const char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    unsigned b = (unsigned)cg_rand_below(&ctx->rng, 256);
    out[2 * i] = hex[b >> 4];
    out[2 * i + 1] = hex[b & 15];
  }
  out[2 * n] = '\0';
  return out;
}

int sim_ctx_init(struct sim_ctx *ctx, uv_loop_t *loop,
                 const struct sim_opts *opts)
{
  memset(ctx, 0, sizeof(*ctx));
  ctx->loop = loop;
  ctx->opts = *opts;
  cg_rand_seed(&ctx->rng, opts->seed);
  struct cg_http_client_opts copts = {.max_host_connections = 16,
                                      .connect_timeout_ms = 2000,
                                      .user_agent = "centra-gxo-sim"};
  ctx->http = cg_http_client_create(loop, &copts);
  ctx->faults = sim_faults_create(ctx);
  ctx->calls = sim_calllog_create();
  if (priv_of(ctx) == NULL || ctx->http == NULL || ctx->faults == NULL ||
      ctx->calls == NULL)
    return CG_ENOMEM;
  return 0;
}

void sim_note_retry_after(struct sim_ctx *ctx,
                          const struct cg_http_exchange *ex,
                          const char *retry_after)
{
  sim_calllog_retry_after(ctx->calls, ex, retry_after);
}

/* --- webhooks ------------------------------------------------------------ */

static void on_item_closed(uv_handle_t *h)
{
  struct wh_item *it = SIM_CONTAINER_OF(h, struct wh_item, timer);
  cg_free(it->url);
  cg_free(it->secret);
  cg_free(it->sig_header);
  cg_free(it->content_type);
  cg_free(it->body);
  cg_free(it);
}

static void item_finish(struct wh_item *it)
{
  struct sim_ctx_priv *p = it->ctx->priv;
  if (it->finished)
    return;
  it->finished = true;
  if (it->prev)
    it->prev->next = it->next;
  else
    p->items = it->next;
  if (it->next)
    it->next->prev = it->prev;
  p->nitems--;
  uv_close((uv_handle_t *)&it->timer, on_item_closed);
}

static void item_schedule(struct wh_item *it, uint64_t delay_ms);

static void cb_delivered(const struct cg_http_result *res, void *arg)
{
  struct wh_item *it = arg;
  struct sim_ctx_priv *p = it->ctx->priv;
  it->in_flight = false;
  if (res->err == CG_ECANCELED || p->closing) {
    p->dropped++;
    item_finish(it);
  } else if (res->status >= 200 && res->status < 300) {
    p->delivered++;
    item_finish(it);
  } else if (it->attempt >= WH_MAX_ATTEMPTS) {
    cg_log_warn("sim:webhook",
                "giving up on %s after %d attempts (last "
                "status %ld)",
                it->url, it->attempt, res->status);
    p->failed++;
    item_finish(it);
  } else {
    uint64_t backoff = (uint64_t)WH_BACKOFF_BASE_MS << (it->attempt - 1);
    p->retried++;
    item_schedule(it,
                  backoff > WH_BACKOFF_CAP_MS ? WH_BACKOFF_CAP_MS : backoff);
  }
}

static void item_attempt(struct wh_item *it)
{
  struct sim_ctx_priv *p = it->ctx->priv;
  char sig[160], sig_line[256], ct_line[160];
  cg_sig_make(it->secret, cg_time_now_ms() / 1000, it->body, it->body_len, sig,
              sizeof(sig));
  snprintf(sig_line, sizeof(sig_line), "%s: %s", it->sig_header, sig);
  snprintf(ct_line, sizeof(ct_line), "Content-Type: %s", it->content_type);
  const char *headers[] = {ct_line, sig_line, NULL};
  struct cg_http_req req = {.method = "POST",
                            .url = it->url,
                            .headers = headers,
                            .body = it->body,
                            .body_len = it->body_len,
                            .timeout_ms = WH_TIMEOUT_MS};
  it->attempt++;
  p->attempts++;
  if (cg_http_client_send(it->ctx->http, &req, cb_delivered, it) != 0) {
    p->failed++;
    item_finish(it);
    return;
  }
  it->in_flight = true;
}

static void on_item_timer(uv_timer_t *t)
{
  item_attempt(SIM_CONTAINER_OF(t, struct wh_item, timer));
}

static void item_schedule(struct wh_item *it, uint64_t delay_ms)
{
  /* Never a 0 ms timer on libuv 1.44 (STYLE.md §8). */
  uv_timer_start(&it->timer, on_item_timer, delay_ms ? delay_ms : 1, 0);
}

static struct wh_item *item_create(struct sim_ctx *ctx,
                                   const struct sim_webhook *wh)
{
  struct wh_item *it = cg_calloc(1, sizeof(*it));
  if (it == NULL)
    return NULL;
  it->ctx = ctx;
  it->url = cg_strdup(wh->url);
  it->secret = cg_strdup(wh->secret ? wh->secret : "");
  it->sig_header = cg_strdup(wh->sig_header);
  it->content_type =
      cg_strdup(wh->content_type ? wh->content_type : "application/json");
  it->body = cg_strndup(wh->body, wh->body_len);
  it->body_len = wh->body_len;
  it->side = wh->side;
  uv_timer_init(ctx->loop, &it->timer);
  if (!it->url || !it->secret || !it->sig_header || !it->content_type ||
      !it->body) {
    uv_close((uv_handle_t *)&it->timer, on_item_closed);
    return NULL;
  }
  struct sim_ctx_priv *p = ctx->priv;
  it->next = p->items;
  if (p->items)
    p->items->prev = it;
  p->items = it;
  p->nitems++;
  return it;
}

static int enqueue(struct sim_ctx *ctx, const struct sim_webhook *wh,
                   const struct sim_webhook_faults *wf)
{
  struct sim_ctx_priv *p = ctx->priv;
  struct wh_item *it = item_create(ctx, wh);
  if (it == NULL)
    return CG_ENOMEM;
  p->queued++;
  uint64_t delay = 0;
  if (wf->reorder_share > 0 && cg_rand_unit(&ctx->rng) < wf->reorder_share) {
    p->reordered++;
    delay = (uint64_t)(wf->reorder_delay_ms > 0 ? wf->reorder_delay_ms : 300);
  }
  item_schedule(it, delay);
  return 0;
}

int sim_webhook_send(struct sim_ctx *ctx, const struct sim_webhook *wh)
{
  struct sim_webhook_faults wf;
  struct sim_ctx_priv *p = priv_of(ctx);
  if (p == NULL || wh->url == NULL || wh->sig_header == NULL ||
      (wh->body == NULL && wh->body_len > 0))
    return p == NULL ? CG_ENOMEM : CG_EINVAL;
  if (ctx->http == NULL || p->closing || p->nitems >= WH_PENDING_MAX) {
    if (p->nitems >= WH_PENDING_MAX && !p->warned_full)
      cg_log_warn("sim:webhook",
                  "%d deliveries pending: dropping new ones "
                  "(counted as dropped in /_sim/calls)",
                  WH_PENDING_MAX);
    p->warned_full = p->warned_full || p->nitems >= WH_PENDING_MAX;
    p->dropped++;
    return 0;
  }
  sim_faults_webhook(ctx->faults, wh->side, &wf);
  int rc = enqueue(ctx, wh, &wf);
  if (rc == 0 && wf.duplicate_share > 0 &&
      cg_rand_unit(&ctx->rng) < wf.duplicate_share) {
    p->duplicated++;
    rc = enqueue(ctx, wh, &wf);
  }
  return rc;
}

void sim_webhook_stats(const struct sim_ctx *ctx, cJSON *into)
{
  const struct sim_ctx_priv *p = ctx->priv;
  if (p == NULL)
    return;
  cg_json_add_int(into, "queued", (int64_t)p->queued);
  cg_json_add_int(into, "attempts", (int64_t)p->attempts);
  cg_json_add_int(into, "delivered", (int64_t)p->delivered);
  cg_json_add_int(into, "failed", (int64_t)p->failed);
  cg_json_add_int(into, "retried", (int64_t)p->retried);
  cg_json_add_int(into, "duplicated", (int64_t)p->duplicated);
  cg_json_add_int(into, "reordered", (int64_t)p->reordered);
  cg_json_add_int(into, "dropped", (int64_t)p->dropped);
  cg_json_add_int(into, "pending", (int64_t)p->nitems);
}

void sim_ctx_fini(struct sim_ctx *ctx)
{
  struct sim_ctx_priv *p = ctx->priv;
  if (p != NULL)
    p->closing = true;
  /* Cancels in-flight deliveries: their done fires now with ECANCELED. */
  if (ctx->http != NULL)
    cg_http_client_close(ctx->http, NULL, NULL);
  ctx->http = NULL;
  while (p != NULL && p->items != NULL) {
    p->dropped++;
    item_finish(p->items);
  }
  sim_faults_destroy(ctx->faults);
  ctx->faults = NULL;
  sim_calllog_destroy(ctx->calls);
  ctx->calls = NULL;
  cg_free(p);
  ctx->priv = NULL;
}
