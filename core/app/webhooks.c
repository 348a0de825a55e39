/*
 * webhooks: see webhooks.h.
 */
#include "app/webhooks.h"

#include "app/config.h"
#include "app/engine.h"
#include "app/merchant.h"
#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/time.h"
#include "centra/centra.h"
#include "flows/flow.h"
#include "flows/intake.h"
#include "flows/orders.h"
#include "gxo/gxo.h"
#include "net/http_server.h"
#include "net/router.h"

#include <string.h>

static struct cg_merchant *merchant_of(struct cg_http_exchange *ex,
                                       struct cg_engine *e)
{
  struct cg_merchant *m = cg_engine_find(e, cg_http_exchange_param(ex, "id"));
  if (m == NULL)
    cg_http_respond_json(ex, 404, "{\"error\":\"no such merchant\"}");
  return m;
}

static void refuse(struct cg_http_exchange *ex, struct cg_merchant *m,
                   const char *partner, const struct cg_err *err)
{
  cg_merchant_flow(m)->metrics.webhooks_refused++;
  cg_log_warn("webhooks", "[merchant=%s] %s webhook from %s refused: %s",
              cg_merchant_id(m), partner, cg_http_exchange_request(ex)->peer,
              err->msg);
  cg_http_respond_json(ex, 401, "{\"error\":\"bad signature\"}");
}

static void h_gxo(struct cg_http_exchange *ex, void *arg)
{
  struct cg_merchant *m = merchant_of(ex, arg);
  if (m == NULL)
    return;
  const struct cg_http_request *req = cg_http_exchange_request(ex);
  const char *secret = cg_merchant_config(m)->gxo_webhook_secret;
  struct cg_err err = {0};
  cJSON *env = NULL;
  int rc = secret
               ? cg_gxo_webhook_parse(
                     &secret, 1, cg_http_exchange_header(ex, "X-Wms-Signature"),
                     req->body, req->body_len, cg_time_real_ms() / 1000, 0,
                     &env, &err)
               : cg_err_set(&err, CG_ESIG, "no gxo.webhook_secret set");
  if (rc == CG_ESIG || rc == CG_ESTALE) {
    refuse(ex, m, "warehouse", &err);
    return;
  }
  struct cg_flow *f = cg_merchant_flow(m);
  if (rc == 0)
    rc = cg_orders_take_gxo_event(f, env, "webhook", &err);
  cJSON_Delete(env);
  if (rc == CG_EINVAL) {
    cg_http_respond_json(ex, 400, "{\"error\":\"not an event envelope\"}");
    return;
  }
  if (rc != 0) { /* not committed: the warehouse must deliver it again */
    cg_http_respond_json(ex, 503, "{\"error\":\"not recorded, retry\"}");
    return;
  }
  f->metrics.webhooks_ok++;
  cg_outbox_kick(f->outbox);
  cg_http_respond_json(ex, 200, "{\"status\":\"recorded\"}");
}

/* Distinct order numbers of one delivery, at most CG_WEBHOOKS_HINTS_MAX;
 * returns how many were kept and counts the order entries left out. */
static size_t collect_orders(const cJSON *events, int64_t *numbers,
                             size_t *left_out)
{
  size_t n = 0;
  const cJSON *ev;
  cJSON_ArrayForEach(ev, events)
  {
    const char *type = cg_json_str(ev, "type");
    int64_t number = cg_json_int(ev, "id", 0);
    if (type == NULL || strcmp(type, "order") != 0 || number <= 0)
      continue;
    size_t i = 0;
    while (i < n && numbers[i] != number)
      i++;
    if (i < n)
      continue; /* named twice in one delivery */
    if (n == CG_WEBHOOKS_HINTS_MAX)
      (*left_out)++;
    else
      numbers[n++] = number;
  }
  return n;
}

/* Starts one fetch per distinct order number of the delivery, up to the
 * cap; the rest reach the engine through the events queue and the poll. */
static void hint_orders(struct cg_merchant *m, const cJSON *events)
{
  int64_t numbers[CG_WEBHOOKS_HINTS_MAX];
  size_t left_out = 0, started = 0;
  size_t n = collect_orders(events, numbers, &left_out);
  for (size_t i = 0; i < n; i++)
    if (cg_intake_centra_hint(cg_merchant_intake(m), numbers[i]) == 0)
      started++;
  if (left_out > 0)
    cg_log_warn("webhooks",
                "[merchant=%s] Centra webhook names more than %d orders: "
                "fetching %zu now, %zu more order entries are left to the "
                "events queue and the poll",
                cg_merchant_id(m), CG_WEBHOOKS_HINTS_MAX, started, left_out);
}

static void h_centra(struct cg_http_exchange *ex, void *arg)
{
  struct cg_merchant *m = merchant_of(ex, arg);
  if (m == NULL)
    return;
  const struct cg_http_request *req = cg_http_exchange_request(ex);
  const char *secret = cg_merchant_config(m)->centra_webhook_secret;
  struct cg_err err = {0};
  cJSON *events = NULL;
  int rc =
      secret ? cg_centra_webhook_parse(
                   &secret, 1,
                   cg_http_exchange_header(ex, "X-Centra-Signature"), req->body,
                   req->body_len, cg_time_real_ms() / 1000, 0, &events, &err)
             : cg_err_set(&err, CG_ESIG, "no centra.webhook_secret set");
  if (rc == CG_ESIG || rc == CG_ESTALE) {
    refuse(ex, m, "Centra", &err);
    return;
  }
  if (rc != 0) {
    cg_http_respond_json(ex, 400, "{\"error\":\"not a webhook payload\"}");
    return;
  }
  cg_merchant_flow(m)->metrics.webhooks_ok++;
  hint_orders(m, events);
  cJSON_Delete(events);
  cg_http_respond(ex, 204, NULL, NULL, 0);
}

int cg_webhooks_routes(struct cg_router *r, struct cg_engine *e)
{
  if (cg_router_add(r, "POST", "/webhooks/gxo/{id}", h_gxo, e) != 0 ||
      cg_router_add(r, "POST", "/webhooks/centra/{id}", h_centra, e) != 0)
    return CG_ENOMEM;
  return 0;
}
