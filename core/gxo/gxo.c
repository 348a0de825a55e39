/*
 * gxo: the transport-independent front of the warehouse client. It checks
 * arguments once, then forwards to the transport's ops; flows never see
 * which transport is behind (gxo.h).
 */
#include "gxo/gxo.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"

#include <stdio.h>
#include <string.h>

struct cg_gxo {
  const struct cg_gxo_transport_ops *ops;
  void *state;
};

struct cg_gxo *cg_gxo_create(const struct cg_gxo_transport_ops *ops,
                             const struct cg_gxo_opts *opts, struct cg_err *err)
{
  if (ops == NULL || opts == NULL || opts->loop == NULL ||
      opts->merchant == NULL || opts->merchant[0] == '\0') {
    cg_err_set(err, CG_EINVAL, "gxo: transport, loop and merchant needed");
    return NULL;
  }
  struct cg_gxo *g = cg_calloc(1, sizeof(*g));
  if (g == NULL) {
    cg_err_set(err, CG_ENOMEM, "gxo: out of memory");
    return NULL;
  }
  g->ops = ops;
  if (ops->create(opts, &g->state, err) != 0) {
    cg_free(g);
    return NULL;
  }
  return g;
}

void cg_gxo_destroy(struct cg_gxo *g)
{
  if (g == NULL)
    return;
  g->ops->destroy(g->state);
  cg_free(g);
}

int cg_gxo_create_order(struct cg_gxo *g, const char *order_json,
                        const char *idempotency_key, cg_call_done_fn done,
                        void *arg)
{
  if (g == NULL) /* the engine is stopping: the client is gone */
    return CG_ECANCELED;
  if (order_json == NULL || idempotency_key == NULL ||
      idempotency_key[0] == '\0' || done == NULL)
    return CG_EINVAL;
  return g->ops->create_order(g->state, order_json, idempotency_key, done, arg);
}

int cg_gxo_get_order(struct cg_gxo *g, const char *order_ref,
                     cg_call_done_fn done, void *arg)
{
  if (g == NULL) /* the engine is stopping: the client is gone */
    return CG_ECANCELED;
  if (order_ref == NULL || order_ref[0] == '\0' || done == NULL)
    return CG_EINVAL;
  return g->ops->get_order(g->state, order_ref, done, arg);
}

int cg_gxo_get_item(struct cg_gxo *g, const char *sku, cg_call_done_fn done,
                    void *arg)
{
  if (g == NULL) /* the engine is stopping: the client is gone */
    return CG_ECANCELED;
  if (sku == NULL || sku[0] == '\0' || done == NULL)
    return CG_EINVAL;
  return g->ops->get_item(g->state, sku, done, arg);
}

int cg_gxo_cancel_order(struct cg_gxo *g, const char *order_ref,
                        const char *body_json, const char *idempotency_key,
                        cg_call_done_fn done, void *arg)
{
  if (g == NULL) /* the engine is stopping: the client is gone */
    return CG_ECANCELED;
  if (order_ref == NULL || order_ref[0] == '\0' || done == NULL ||
      (idempotency_key != NULL && idempotency_key[0] == '\0'))
    return CG_EINVAL;
  return g->ops->cancel_order(g->state, order_ref, body_json, idempotency_key,
                              done, arg);
}

int cg_gxo_pull_events(struct cg_gxo *g, int64_t after_sequence, int limit,
                       cg_call_done_fn done, void *arg)
{
  if (g == NULL) /* the engine is stopping: the client is gone */
    return CG_ECANCELED;
  if (after_sequence < 0 || limit < 0 || limit > 500 || done == NULL)
    return CG_EINVAL;
  return g->ops->pull_events(g->state, after_sequence, limit, done, arg);
}

int cg_gxo_ack_events(struct cg_gxo *g, int64_t up_to_sequence,
                      cg_call_done_fn done, void *arg)
{
  if (g == NULL) /* the engine is stopping: the client is gone */
    return CG_ECANCELED;
  if (up_to_sequence <= 0 || done == NULL)
    return CG_EINVAL;
  return g->ops->ack_events(g->state, up_to_sequence, done, arg);
}

int cg_gxo_subscribe_webhooks(struct cg_gxo *g, const char *url,
                              const char *secret,
                              const char *const *event_types, size_t n_types,
                              cg_call_done_fn done, void *arg)
{
  if (g == NULL) /* the engine is stopping: the client is gone */
    return CG_ECANCELED;
  if (url == NULL || secret == NULL || event_types == NULL || n_types == 0 ||
      done == NULL)
    return CG_EINVAL;
  return g->ops->subscribe_webhooks(g->state, url, secret, event_types, n_types,
                                    done, arg);
}

int cg_gxo_get_stock(struct cg_gxo *g, const char *snapshot_id,
                     const char *cursor, int limit, cg_call_done_fn done,
                     void *arg)
{
  if (g == NULL) /* the engine is stopping: the client is gone */
    return CG_ECANCELED;
  if (limit < 0 || limit > 1000 || done == NULL)
    return CG_EINVAL;
  return g->ops->get_stock(g->state, snapshot_id, cursor, limit, done, arg);
}

int cg_gxo_put_items(struct cg_gxo *g, const cJSON *items,
                     const char *idempotency_key, cg_call_done_fn done,
                     void *arg)
{
  if (g == NULL) /* the engine is stopping: the client is gone */
    return CG_ECANCELED;
  int n = cJSON_GetArraySize(items);
  if (!cJSON_IsArray(items) || n < 1 || n > CG_GXO_ITEMS_BATCH_MAX ||
      idempotency_key == NULL || idempotency_key[0] == '\0' || done == NULL)
    return CG_EINVAL;
  return g->ops->put_items(g->state, items, idempotency_key, done, arg);
}

int cg_gxo_advise_return(struct cg_gxo *g, const cJSON *advice,
                         const char *idempotency_key, cg_call_done_fn done,
                         void *arg)
{
  if (g == NULL) /* the engine is stopping: the client is gone */
    return CG_ECANCELED;
  const char *rma = cg_json_str(advice, "rmaRef");
  if (!cJSON_IsObject(advice) || rma == NULL || rma[0] == '\0' ||
      idempotency_key == NULL || idempotency_key[0] == '\0' || done == NULL)
    return CG_EINVAL;
  return g->ops->advise_return(g->state, advice, idempotency_key, done, arg);
}

int cg_gxo_order_key(const char *merchant, const char *order_ref, char *out,
                     size_t size)
{
  if (merchant == NULL || merchant[0] == '\0' || order_ref == NULL ||
      order_ref[0] == '\0')
    return CG_EINVAL;
  int n = snprintf(out, size, "cg-%s-order-%s", merchant, order_ref);
  if (n < 0 || (size_t)n >= size)
    return CG_EINVAL;
  return 0;
}
