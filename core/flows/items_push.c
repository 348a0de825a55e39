/*
 * items_push: the items flow's way to the warehouse's item master
 * (docs/internals/items.md "Sending"). Dirty rows of the local item
 * master go out in batches through the outbox kind "gxo.items.batch":
 *
 *   tick (250 ms, items.c) -> cg__items_flush
 *     any dirty row outside a batch? fewer than CG_ITEMS_MAX_UNFINISHED
 *     batches unfinished?
 *     begin
 *       due rows (urgent first, then oldest, up to batch_max)
 *       due when one is urgent, a full batch waits, or the oldest has
 *       waited opts.window_ms; else nothing (rollback)
 *       outbox row {items: [docs as stored], hashes: [...]}
 *       each SKU -> batch = the row's id
 *     commit, kick the outbox
 *   outbox -> start: cg_gxo_put_items (POST /items:batch) under the row's
 *                    key: a resend after a crash is the same request
 *          -> finish: OK    per item result (index and SKU): 2xx accepted,
 *                           4xx rejected with the warehouse's reason, for
 *                           the hash sent (cg_store_item_answer), then
 *                           cg_items_settled; a row with no result just
 *                           leaves the batch, still dirty
 *                     RETRY nothing (the same row goes again)
 *                     FAIL  the rows leave the batch (dirty) and
 *                           SYNC_FAILURE item/"items/batch" is raised,
 *                           resolved by the next batch that goes through;
 *                           no new batch for 30 s
 *
 * A SKU is in at most one unfinished batch; an answer about content that
 * changed meanwhile only frees the row. Loop thread only.
 */
#include "flows/items.h"
#include "flows/batches.h"
#include "flows/items_int.h"

#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "flows/exceptions.h"
#include "flows/flow.h"
#include "flows/outbox.h"
#include "gxo/gxo.h"
#include "store/store.h"
#include "store/store_items.h"

#include <stdio.h>
#include <string.h>

#define FLUSH_TX_MAX 4 /* batch transactions per tick */
#define BATCH_KEY "items/batch"
#define MSG_MAX 800
/* After a whole batch was refused (an engine defect): no new batch for
 * this long, or the same refusal would go out every tick. */
#define FAIL_PAUSE_MS 30000

/* --- flush: making batches ------------------------------------------------*/

/* it->unfinished from the store: rows of the kind pending or inflight (a
 * restart, a finish rolled back: the store is the truth). */
static int recount(struct cg_items *it, struct cg_err *err)
{
  return cg_store_outbox_open_of_kind(it->f->store, CG_ITEMS_KIND_BATCH,
                                      &it->unfinished, err);
}

/* Whether the rows due (urgent first, then oldest) make a batch now. */
static bool batch_due(const struct cg_items *it,
                      const struct cg_store_item_list *rows, bool urgent,
                      int64_t now)
{
  if (rows->n == 0)
    return false;
  return urgent || rows->n >= (size_t)it->opts.batch_max ||
         now - rows->items[0].dirty_since >= it->opts.window_ms;
}

/* A stored doc that is not JSON any more cannot be sent: rejected
 * locally, so it does not block the batches. */
static int refuse_unreadable(struct cg_flow *f, const char *sku, int64_t now,
                             struct cg_err *err)
{
  char *text = cg__items_reason_text(
      "unreadable-item", "",
      "the stored item is not JSON; read it again from Centra", "engine");
  int rc = text ? cg_store_item_refuse(f->store, sku, text, now, err)
                : cg_err_set(err, CG_ENOMEM, "out of memory");
  cg_log_error("items",
               "[merchant=%s] SKU %s: stored item unreadable; "
               "rejected locally",
               f->merchant, sku);
  cg_free(text);
  return rc;
}

/* Adds row's doc and hash to the payload's arrays. */
static int add_row(struct cg_flow *f, cJSON *docs, cJSON *hashes,
                   const struct cg_store_item *row, int64_t now, bool *added,
                   struct cg_err *err)
{
  cJSON *doc = row->doc ? cJSON_Parse(row->doc) : NULL;
  *added = false;
  if (!cJSON_IsObject(doc)) {
    cJSON_Delete(doc);
    return refuse_unreadable(f, row->sku, now, err);
  }
  if (!cJSON_AddItemToArray(docs, doc)) {
    cJSON_Delete(doc);
    return cg_err_set(err, CG_ENOMEM, "out of memory");
  }
  cJSON *h = cJSON_CreateString(row->hash);
  if (h == NULL || !cJSON_AddItemToArray(hashes, h)) {
    cJSON_Delete(h);
    return cg_err_set(err, CG_ENOMEM, "out of memory");
  }
  *added = true;
  return 0;
}

/* The payload of rows (docs parsed back, unreadable ones refused), the
 * row put, and each SKU in it; *n = items in the batch. */
static int write_rows(struct cg_flow *f, const struct cg_store_item_list *rows,
                      int64_t now, int *n, struct cg_err *err)
{
  cJSON *payload = cJSON_CreateObject();
  cJSON *docs = cJSON_AddArrayToObject(payload, "items");
  cJSON *hashes = cJSON_AddArrayToObject(payload, "hashes");
  bool *in = cg_calloc(rows->n + 1, sizeof(*in));
  int64_t id = 0;
  int rc = docs && hashes && in ? 0 : cg_err_set(err, CG_ENOMEM, "no memory");
  for (size_t i = 0; rc == 0 && i < rows->n; i++)
    rc = add_row(f, docs, hashes, &rows->items[i], now, &in[i], err);
  *n = rc == 0 ? cJSON_GetArraySize(docs) : 0;
  if (rc == 0 && *n > 0)
    rc = cg_batch_put_row(f, CG_ITEMS_KIND_BATCH, "items", payload, now, &id,
                          err);
  for (size_t i = 0; rc == 0 && *n > 0 && i < rows->n; i++)
    if (in[i])
      rc = cg_store_item_batch_set(f->store, rows->items[i].sku, id, err);
  if (rc == 0 && *n > 0)
    cg_log_debug("items", "[merchant=%s] batch %lld: %d items queued",
                 f->merchant, (long long)id, *n);
  cg_free(in);
  cJSON_Delete(payload);
  return rc;
}

/* One batch in its own transaction; *n = its items (0: none due). */
static int one_batch(struct cg_items *it, bool urgent, int64_t now, int *n,
                     struct cg_err *err)
{
  struct cg_store *s = it->f->store;
  struct cg_store_item_list rows = {0};
  int rc = cg_store_begin(s, err);
  if (rc != 0)
    return rc;
  *n = 0;
  rc = cg_store_items_due(s, (size_t)it->opts.batch_max, &rows, err);
  if (rc == 0 && batch_due(it, &rows, urgent, now))
    rc = write_rows(it->f, &rows, now, n, err);
  if (rc == 0)
    rc = cg_store_commit(s, err);
  else
    cg_store_rollback(s, NULL);
  if (rc == 0 && *n > 0)
    it->unfinished++;
  cg_store_item_list_clear(&rows);
  return rc;
}

void cg__items_flush(struct cg_items *it)
{
  struct cg_flow *f = it->f;
  struct cg_err err = {0};
  bool any = false, urgent = false, made = false;
  if (it->closing || cg_store_in_tx(f->store) ||
      cg_time_mono_ms() < it->push_pause_until)
    return;
  int rc = cg_store_items_any_due(f->store, &any, &urgent, &err);
  if (rc == 0 && any)
    rc = recount(it, &err);
  for (int i = 0; rc == 0 && any && it->unfinished < CG_ITEMS_MAX_UNFINISHED &&
                  i < FLUSH_TX_MAX;
       i++) {
    int n = 0;
    rc = one_batch(it, urgent, cg_time_now_ms(), &n, &err);
    made = made || (rc == 0 && n > 0);
    if (rc == 0 && n == 0)
      break; /* none due yet (window) */
    if (rc == 0)
      rc = cg_store_items_any_due(f->store, &any, &urgent, &err);
  }
  if (rc != 0)
    cg_batch_log_failed(f, "items", &it->push_logged_at,
                        "item batch not written (the items stay dirty)", &err);
  if (made && f->outbox != NULL)
    cg_outbox_kick(f->outbox);
}

/* --- the outbox kind: POST /items:batch ----------------------------------*/

/* The row's payload {items, hashes}; NULL when unreadable. */
static cJSON *row_payload(const struct cg_store_outbox_row *row)
{
  cJSON *p = cg_json_parse(row->payload, strlen(row->payload), NULL);
  const cJSON *items = cg_json_get(p, "items");
  const cJSON *hashes = cg_json_get(p, "hashes");
  if (!cJSON_IsArray(items) || !cJSON_IsArray(hashes) ||
      cJSON_GetArraySize(items) != cJSON_GetArraySize(hashes)) {
    cJSON_Delete(p);
    return NULL;
  }
  return p;
}

static int start_batch(struct cg_flow *f, const struct cg_store_outbox_row *row,
                       cg_call_done_fn done, void *arg)
{
  cJSON *p = row_payload(row);
  int rc = p ? cg_gxo_put_items(f->gxo, cg_json_get(p, "items"),
                                row->idempotency_key, done, arg)
             : CG_EINVAL;
  if (rc != 0)
    cg_log_error("items", "[merchant=%s] batch %lld not sent: %s", f->merchant,
                 (long long)row->id, cg_strerror(rc));
  cJSON_Delete(p);
  return rc;
}

/* The result about item i (sku): results[i] when it names index i (or no
 * index) and sku, else the one that does; NULL when none. */
static const cJSON *result_for(const cJSON *results, int i, const char *sku)
{
  const cJSON *r = cJSON_GetArrayItem(results, i);
  const char *rs = cg_json_str(r, "sku");
  if (r != NULL && cg_json_int(r, "index", i) == i && rs != NULL &&
      strcmp(rs, sku) == 0)
    return r;
  cJSON_ArrayForEach(r, results)
  {
    rs = cg_json_str(r, "sku");
    if (cg_json_int(r, "index", -1) == i && rs != NULL && strcmp(rs, sku) == 0)
      return r;
  }
  return NULL;
}

/* The warehouse's reason in a rejected result, as JSON text {code,
 * pointer, message, source: "warehouse"} (cg_free); NULL on ENOMEM. */
static char *reason_of(const cJSON *r)
{
  const cJSON *e0 = cJSON_GetArrayItem(cg_json_get(r, "errors"), 0);
  const char *code = cg_json_str(r, "code");
  const char *msg = cg_json_str(e0, "message");
  char fallback[48];
  snprintf(fallback, sizeof(fallback), "http-%lld",
           (long long)cg_json_int(r, "status", 0));
  if (code == NULL)
    code = cg_json_str(e0, "code") ? cg_json_str(e0, "code") : fallback;
  return cg__items_reason_text(code, cg_json_str(e0, "pointer"),
                               msg ? msg : "refused by the warehouse",
                               "warehouse");
}

/* Applies one item's result (r may be NULL: not answered, the row is
 * freed with the batch afterwards). 2xx accepted, 4xx but 408/429
 * rejected, anything else is no answer. */
static int apply_result(struct cg_flow *f, const char *sku, const char *hash,
                        int64_t batch, const cJSON *r, int64_t now,
                        struct cg_err *err)
{
  int64_t status = cg_json_int(r, "status", 0);
  bool accepted = status >= 200 && status <= 299;
  bool rejected =
      status >= 400 && status <= 499 && status != 408 && status != 429;
  if (!accepted && !rejected)
    return 0;
  char *reason = rejected ? reason_of(r) : NULL;
  bool applied = false;
  int rc = rejected && reason == NULL
               ? cg_err_set(err, CG_ENOMEM, "out of memory")
               : cg_store_item_answer(f->store, sku, hash, batch,
                                      accepted ? CG_STORE_ITEM_ACCEPTED
                                               : CG_STORE_ITEM_REJECTED,
                                      reason, now, &applied, err);
  if (rc == 0 && applied) {
    if (accepted)
      f->metrics.items_accepted++;
    else
      f->metrics.items_rejected++;
    rc = cg_items_settled(f, sku, accepted, reason, err);
  }
  cg_free(reason);
  return rc;
}

/* OK: each item's result applied; the rows left without one freed. */
static int answered(struct cg_flow *f, const struct cg_store_outbox_row *row,
                    const cJSON *p, const cJSON *data, struct cg_err *err)
{
  const cJSON *results = cg_json_get(data, "results");
  const cJSON *hashes = cg_json_get(p, "hashes");
  const cJSON *doc;
  int64_t now = cg_time_now_ms();
  int rc = 0, i = 0;
  cJSON_ArrayForEach(doc, cg_json_get(p, "items"))
  {
    const char *sku = cg_json_str(doc, "sku");
    const char *hash = cJSON_GetStringValue(cJSON_GetArrayItem(hashes, i));
    if (rc == 0 && sku != NULL && hash != NULL)
      rc = apply_result(f, sku, hash, row->id, result_for(results, i, sku), now,
                        err);
    i++;
  }
  if (rc == 0)
    rc = cg_store_items_batch_free(f->store, row->id, err);
  if (rc == 0)
    rc = cg_flow_resolve(f, CG_ITEMS_ENTITY, BATCH_KEY,
                         "a later batch went through", err);
  if (rc == 0)
    f->metrics.items_batches++;
  return rc;
}

/* FAIL: the warehouse refused the whole batch (an engine defect, or an
 * answer that was not per item): the rows leave it, still dirty, and
 * operations hear of it. */
static int refused(struct cg_flow *f, const struct cg_store_outbox_row *row,
                   int n, const struct cg_call_result *res, struct cg_err *err)
{
  char msg[MSG_MAX];
  snprintf(msg, sizeof(msg),
           "the warehouse refused a batch of %d items (POST /items:batch, "
           "batch %lld): %s%s%s%s; the items are sent again in a later batch",
           n, (long long)row->id, res->message, res->code[0] ? " (" : "",
           res->code, res->code[0] ? ")" : "");
  int rc = cg_store_items_batch_free(f->store, row->id, err);
  if (rc == 0)
    rc = cg_flow_raise(f, "SYNC_FAILURE", CG_ITEMS_ENTITY, BATCH_KEY, msg, NULL,
                       err);
  if (rc == 0 && f->items != NULL) /* a rollback leaves no pause: fine */
    f->items->push_pause_until = cg_time_mono_ms() + FAIL_PAUSE_MS;
  cg_log_warn("items", "[merchant=%s] %s", f->merchant, msg);
  return rc;
}

static int finish_batch(struct cg_flow *f,
                        const struct cg_store_outbox_row *row,
                        const struct cg_call_result *res)
{
  struct cg_err err = {0};
  if (res->outcome == CG_OUTCOME_RETRY)
    return 0; /* the same row goes again: an upsert is idempotent */
  cJSON *p = row_payload(row);
  int n = cJSON_GetArraySize(cg_json_get(p, "items"));
  int rc = 0;
  if (p == NULL) /* never written so: its rows go again */
    rc = cg_store_items_batch_free(f->store, row->id, &err);
  else if (res->outcome == CG_OUTCOME_OK)
    rc = answered(f, row, p, res->data, &err);
  else
    rc = refused(f, row, n, res, &err);
  if (p == NULL)
    cg_log_error("items",
                 "[merchant=%s] batch %lld: payload unreadable; its "
                 "items go again",
                 f->merchant, (long long)row->id);
  if (rc == 0 && f->items != NULL && f->items->unfinished > 0)
    f->items->unfinished--; /* recounted before the next batch anyway */
  if (rc != 0)
    cg_log_error("items", "[merchant=%s] batch %lld: outcome not applied: %s",
                 f->merchant, (long long)row->id, err.msg);
  cJSON_Delete(p);
  return rc;
}

const struct cg_outbox_kind cg_items_batch_kind = {CG_ITEMS_KIND_BATCH,
                                                   start_batch, finish_batch};
