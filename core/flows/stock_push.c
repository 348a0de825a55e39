/*
 * stock_push: the stock flow's way to Centra (docs/internals/stock.md
 * "Pushing"). Changed SKUs are coalesced per SKU and batched across SKUs
 * into absolute `setStock` calls of P for the merchant's Centra warehouse:
 *
 *   flush timer (250 ms, stock.c) -> cg__stock_flush
 *     due? (oldest dirty SKU waited the window, or a full batch dirty,
 *           and fewer than CG_STOCK_MAX_UNFINISHED batches unfinished)
 *     begin
 *       dirty SKUs (oldest first, up to batch_max, none in a batch)
 *       excluded -> clean; else P = cg_stock_target, version
 *       outbox row "centra.stock.set" {items: [{sku, qty, version}]}
 *       each SKU -> batch = the row's id
 *     commit, kick the outbox
 *   outbox -> start: setStock(the row's items)
 *          -> finish: OK    each SKU leaves the batch with qty/version
 *                     RETRY nothing (same absolute figures again)
 *                     FAIL  the SKUs Centra names are held with
 *                           STOCK_SYNC; the others are dirty again
 *
 * A figure is absolute, so a resend (retry, crash, replay) sets the same
 * number again. A SKU is in at most one unfinished batch, so an older
 * figure never lands after a newer one. Loop thread only.
 */
#include "flows/stock_push.h"

#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "centra/centra.h"
#include "flows/batches.h"
#include "flows/exceptions.h"
#include "flows/flow.h"
#include "flows/outbox.h"
#include "flows/stock.h"
#include "flows/stock_int.h"
#include "store/store.h"
#include "store/store_stock.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FLUSH_TX_MAX 4 /* batch transactions per flush tick */
#define SYNC_MSG_MAX 800
/* Held SKUs whose STOCK_SYNC was resolved by hand are released this
 * often (a scan of the held SKUs: off the hot path). */
#define RELEASE_EVERY_MS 60000
#define RELEASE_CHUNK 100

/* --- flush: starting batches --------------------------------------------*/

/* st->unfinished from the store: rows of the kind pending or inflight (a
 * finish rolled back, a restart: the store is the truth). */
static int recount(struct cg_stock *st, struct cg_err *err)
{
  return cg_store_outbox_open_of_kind(st->f->store, CG_STOCK_PUSH_KIND,
                                      &st->unfinished, err);
}

/* Whether a batch is due: the oldest dirty SKU has waited the window, or
 * a full batch is dirty. */
static int batch_due(struct cg_stock *st, int64_t now, bool *due,
                     struct cg_err *err)
{
  struct cg_store_count_list oldest = {0};
  int rc = cg_store_stock_dirty(st->f->store, 1, &oldest, err);
  *due = false;
  if (rc == 0 && oldest.n == 1)
    *due = now - oldest.items[0].count >= st->opts.window_ms;
  if (rc == 0 && oldest.n == 1 && !*due) /* a full batch is due at once */
    rc = cg_store_stock_dirty_atleast(st->f->store, st->opts.batch_max, due,
                                      err);
  cg_store_count_list_clear(&oldest);
  return rc;
}

/* P of sku, never below 0 (Centra refuses a negative quantity; a negative
 * P means the engine's picture is off: logged, and the reconcile will
 * say). */
static int figure(struct cg_flow *f, const char *sku, int64_t *qty,
                  struct cg_err *err)
{
  int rc = cg_stock_target(f, sku, qty, err);
  if (rc == 0 && *qty < 0) {
    cg_log_warn("stock",
                "[merchant=%s] SKU %s: computed stock %lld is below 0; "
                "pushing 0",
                f->merchant, sku, (long long)*qty);
    *qty = 0;
  }
  return rc;
}

/* Adds {sku, qty, version} to items, or cleans an excluded SKU. */
static int add_item(struct cg_stock *st, cJSON *items, const char *sku,
                    struct cg_err *err)
{
  struct cg_flow *f = st->f;
  if (cg_stock_policy_excluded(cg__stock_policy(st), sku))
    return cg_store_stock_clean(f->store, sku, err);
  struct cg_store_stock row = {0};
  int64_t qty = 0;
  int rc = figure(f, sku, &qty, err);
  if (rc == 0)
    rc = cg_store_stock_get(f->store, sku, &row, err);
  cJSON *it = rc == 0 ? cJSON_CreateObject() : NULL;
  if (rc == 0 &&
      (it == NULL || !cJSON_AddItemToArray(items, it) ||
       !cg_json_add_str(it, "sku", sku) || !cg_json_add_int(it, "qty", qty) ||
       !cg_json_add_int(it, "version", row.version)))
    rc = cg_err_set(err, CG_ENOMEM, "out of memory");
  cg_store_stock_clear(&row);
  return rc;
}

/* The batch's SKUs enter batch id. */
static int take_all(struct cg_flow *f, const cJSON *items, int64_t id,
                    struct cg_err *err)
{
  const cJSON *it;
  int rc = 0;
  cJSON_ArrayForEach(it, items)
  {
    if (rc == 0)
      rc = cg_store_stock_batch_take(f->store, cg_json_str(it, "sku"), id, err);
  }
  return rc;
}

/* Writes one batch inside the open transaction; *skus = how many it
 * holds (0: every dirty SKU was excluded, no row). */
static int write_batch(struct cg_stock *st, int64_t now, int *skus,
                       struct cg_err *err)
{
  struct cg_store_count_list dirty = {0};
  cJSON *payload = cJSON_CreateObject();
  cJSON *items = cJSON_AddArrayToObject(payload, "items");
  int64_t id = 0;
  int rc = items ? 0 : cg_err_set(err, CG_ENOMEM, "out of memory");
  if (rc == 0)
    rc = cg_store_stock_dirty(st->f->store, (size_t)st->opts.batch_max, &dirty,
                              err);
  for (size_t i = 0; rc == 0 && i < dirty.n; i++)
    rc = add_item(st, items, dirty.items[i].name, err);
  *skus = rc == 0 ? cJSON_GetArraySize(items) : 0;
  if (rc == 0 && *skus > 0)
    rc = cg_batch_put_row(st->f, CG_STOCK_PUSH_KIND, "stock", payload, now, &id,
                          err);
  if (rc == 0 && *skus > 0)
    rc = take_all(st->f, items, id, err);
  if (rc == 0 && *skus > 0)
    cg_log_debug("stock", "[merchant=%s] batch %lld: %d SKUs queued",
                 st->f->merchant, (long long)id, *skus);
  cJSON_Delete(payload);
  cg_store_count_list_clear(&dirty);
  return rc;
}

/* One batch in its own transaction. */
static int one_batch(struct cg_stock *st, int64_t now, int *skus,
                     struct cg_err *err)
{
  struct cg_store *s = st->f->store;
  int rc = cg_store_begin(s, err);
  if (rc != 0)
    return rc;
  rc = write_batch(st, now, skus, err);
  if (rc == 0)
    rc = cg_store_commit(s, err);
  else
    cg_store_rollback(s, NULL);
  if (rc == 0 && *skus > 0)
    st->unfinished++;
  return rc;
}

void cg__stock_flush(struct cg_stock *st)
{
  struct cg_flow *f = st->f;
  struct cg_err err = {0};
  int64_t now = cg_time_now_ms();
  bool due = false, made = false;
  /* No policy from the pack yet (no generation has answered
   * stock.policy): the default could write SKUs the pack excludes. */
  if (st->closing || st->policy == NULL || cg_store_in_tx(f->store))
    return;
  if (now % RELEASE_EVERY_MS < CG_STOCK_FLUSH_MS)
    cg__stock_release_resolved(f); /* about once a minute, no state kept */
  int rc = batch_due(st, now, &due, &err);
  if (rc == 0 && due)
    rc = recount(st, &err);
  /* Bounded per tick: batches of excluded SKUs only write no row, so
   * "unfinished" alone would not stop the loop. */
  for (int n = 0; rc == 0 && due && st->unfinished < CG_STOCK_MAX_UNFINISHED &&
                  n < FLUSH_TX_MAX;
       n++) {
    int skus = 0;
    rc = one_batch(st, now, &skus, &err);
    made = made || (rc == 0 && skus > 0);
    if (rc == 0)
      rc = batch_due(st, now, &due, &err);
  }
  if (rc != 0)
    cg_batch_log_failed(f, "stock", &st->push_logged_at,
                        "stock batch not written (the SKUs stay dirty)", &err);
  if (made && f->outbox != NULL)
    cg_outbox_kick(f->outbox);
}

/* --- the outbox kind: setStock of a batch --------------------------------*/

/* The row's items ([{sku, qty, version}]) as [StockSetProductSizeInput]. */
static cJSON *sizes_of(const cJSON *items)
{
  cJSON *sizes = cJSON_CreateArray();
  const cJSON *it;
  bool ok = sizes != NULL;
  cJSON_ArrayForEach(it, items)
  {
    cJSON *s = ok ? cJSON_CreateObject() : NULL;
    if (s == NULL || !cJSON_AddItemToArray(sizes, s)) {
      cJSON_Delete(s);
      ok = false;
      break;
    }
    cJSON *ps = cJSON_AddObjectToObject(s, "productSize");
    ok = ps && cg_json_add_str(ps, "SKU", cg_json_str(it, "sku")) &&
         cg_json_add_int(s, "quantity", cg_json_int(it, "qty", 0));
    if (!ok)
      break;
  }
  if (!ok)
    cJSON_Delete(sizes);
  return ok ? sizes : NULL;
}

static cJSON *row_items(const struct cg_store_outbox_row *row)
{
  cJSON *p = cg_json_parse(row->payload, strlen(row->payload), NULL);
  cJSON *items = cJSON_DetachItemFromObjectCaseSensitive(p, "items");
  cJSON_Delete(p);
  if (!cJSON_IsArray(items)) {
    cJSON_Delete(items);
    return NULL;
  }
  return items;
}

static int start_push(struct cg_flow *f, const struct cg_store_outbox_row *row,
                      cg_call_done_fn done, void *arg)
{
  char desc[96];
  cJSON *items = row_items(row);
  cJSON *sizes = items ? sizes_of(items) : NULL;
  snprintf(desc, sizeof(desc), "centra-gxo stock batch %lld",
           (long long)row->id);
  int rc = sizes
               ? cg_centra_set_stock(f->centra, cg_centra_warehouse(f->centra),
                                     desc, sizes, done, arg)
               : CG_ENOMEM;
  if (rc != 0)
    cg_log_error("stock", "[merchant=%s] batch %lld not sent: %s", f->merchant,
                 (long long)row->id, cg_strerror(rc));
  cJSON_Delete(sizes);
  cJSON_Delete(items);
  return rc;
}

/* OK: every SKU records its figure and leaves the batch. */
static int pushed(struct cg_flow *f, const cJSON *items, struct cg_err *err)
{
  int64_t now = cg_time_now_ms();
  const cJSON *it;
  int rc = 0, n = 0;
  cJSON_ArrayForEach(it, items)
  {
    if (rc == 0)
      rc = cg_store_stock_batch_done(f->store, cg_json_str(it, "sku"), true,
                                     cg_json_int(it, "qty", 0),
                                     cg_json_int(it, "version", 0), now, err);
    n++;
  }
  if (rc == 0) {
    f->metrics.stock_batches++;
    f->metrics.stock_skus_pushed += (uint64_t)n;
  }
  return rc;
}

/* --- FAIL: which SKUs Centra refused -------------------------------------*/

/* The size index a userError's path names (["input", "productSizes", i,
 * ...]), or -1. */
static int path_index(const cJSON *e)
{
  const cJSON *path = cJSON_GetObjectItemCaseSensitive(e, "path");
  const char *a = cJSON_GetStringValue(cJSON_GetArrayItem(path, 0));
  const char *b = cJSON_GetStringValue(cJSON_GetArrayItem(path, 1));
  const cJSON *i = cJSON_GetArrayItem(path, 2);
  if (a == NULL || b == NULL || strcmp(a, "input") != 0 ||
      strcmp(b, "productSizes") != 0)
    return -1;
  if (cJSON_IsNumber(i) && i->valuedouble >= 0 && i->valuedouble < 1e6)
    return (int)i->valuedouble;
  const char *s = cJSON_GetStringValue(i); /* a path written as strings */
  char *end = NULL;
  long v = s ? strtol(s, &end, 10) : -1;
  return s && end != s && *end == '\0' && v >= 0 && v < 1000000 ? (int)v : -1;
}

/* Whether msg names sku as a word of its own ("A1" is not in "A10"). */
static bool names_sku(const char *msg, const char *sku)
{
  size_t n = strlen(sku);
  for (const char *p = msg; n > 0 && (p = strstr(p, sku)) != NULL; p++) {
    bool before = p == msg || !(isalnum((unsigned char)p[-1]) || p[-1] == '-');
    bool after = !(isalnum((unsigned char)p[n]) || p[n] == '-');
    if (before && after)
      return true;
  }
  return false;
}

/* Centra's reason for item i (of sku): the first userError whose path
 * names it, else whose message names the SKU; NULL if none. */
static const char *reason_for(const cJSON *errors, int i, const char *sku)
{
  const cJSON *e;
  cJSON_ArrayForEach(e, errors)
  {
    if (path_index(e) == i)
      return cg_json_str(e, "message") ? cg_json_str(e, "message") : "refused";
  }
  cJSON_ArrayForEach(e, errors)
  {
    const char *msg = cg_json_str(e, "message");
    if (path_index(e) < 0 && msg != NULL && names_sku(msg, sku))
      return msg;
  }
  return NULL;
}

/* Holds sku with STOCK_SYNC: Centra refused its figure. */
static int hold_sku(struct cg_flow *f, const cJSON *it, const char *why,
                    int64_t now, struct cg_err *err)
{
  const char *sku = cg_json_str(it, "sku");
  char msg[SYNC_MSG_MAX];
  snprintf(msg, sizeof(msg),
           "Centra refused physical stock %lld of SKU %s for warehouse %lld: "
           "%s; the SKU is left out of stock updates until this is retried",
           (long long)cg_json_int(it, "qty", 0), sku,
           (long long)cg_centra_warehouse(f->centra), why);
  int rc = cg_store_stock_hold(f->store, sku, true, now, err);
  if (rc == 0)
    rc = cg_flow_raise(f, CG_STOCK_SYNC, CG_STOCK_SYNC_ENTITY, sku, msg, NULL,
                       err);
  return rc;
}

/* A failure that names no SKU: one exception for the push, every SKU
 * dirty again. */
static int batch_refused(struct cg_flow *f,
                         const struct cg_store_outbox_row *row, int n,
                         const struct cg_call_result *res, struct cg_err *err)
{
  char msg[SYNC_MSG_MAX];
  snprintf(msg, sizeof(msg),
           "setStock of %d SKUs (batch %lld) for warehouse %lld failed: %s%s%s;"
           " the SKUs go again in the next batch",
           n, (long long)row->id, (long long)cg_centra_warehouse(f->centra),
           res->message, res->code[0] ? " at " : "", res->code);
  return cg_flow_raise(f, CG_STOCK_SYNC, CG_STOCK_SYNC_BATCH_ENTITY,
                       CG_STOCK_SYNC_BATCH_KEY, msg, NULL, err);
}

/* FAIL: the SKUs Centra names are held, the others dirty again (one bad
 * SKU never blocks the rest). */
static int refused(struct cg_flow *f, const struct cg_store_outbox_row *row,
                   const cJSON *items, const struct cg_call_result *res,
                   struct cg_err *err)
{
  int64_t now = cg_time_now_ms();
  const cJSON *it;
  int rc = 0, i = 0, held = 0;
  cJSON_ArrayForEach(it, items)
  {
    const char *sku = cg_json_str(it, "sku");
    const char *why = reason_for(res->data, i++, sku);
    if (rc == 0)
      rc = cg_store_stock_batch_done(f->store, sku, false, 0, 0, now, err);
    if (rc == 0 && why != NULL) {
      rc = hold_sku(f, it, why, now, err);
      held++;
    }
  }
  if (rc == 0 && held == 0)
    rc = batch_refused(f, row, i, res, err);
  cg_log_warn("stock",
              "[merchant=%s] batch %lld refused by Centra (%s): %d of %d SKUs "
              "held, the others go again",
              f->merchant, (long long)row->id, res->message, held, i);
  return rc;
}

static int finish_push(struct cg_flow *f, const struct cg_store_outbox_row *row,
                       const struct cg_call_result *res)
{
  struct cg_err err = {0};
  if (res->outcome == CG_OUTCOME_RETRY)
    return 0; /* sent again as it is: the figures are absolute */
  cJSON *items = row_items(row);
  int rc = items ? 0 : cg_err_set(&err, CG_EINVAL, "payload unreadable");
  if (rc == 0 && res->outcome == CG_OUTCOME_OK)
    rc = pushed(f, items, &err);
  else if (rc == 0)
    rc = refused(f, row, items, res, &err);
  if (rc == 0 && f->stock != NULL && f->stock->unfinished > 0)
    f->stock->unfinished--; /* recounted before the next batch anyway */
  if (rc != 0)
    cg_log_error("stock", "[merchant=%s] batch %lld: outcome not applied: %s",
                 f->merchant, (long long)row->id, err.msg);
  cJSON_Delete(items);
  return rc;
}

const struct cg_outbox_kind cg_stock_push_kind = {CG_STOCK_PUSH_KIND,
                                                  start_push, finish_push};

/* --- operator retry -------------------------------------------------------*/

bool cg_stock_owns(const char *entity_kind)
{
  return strcmp(entity_kind, CG_STOCK_SYNC_ENTITY) == 0 ||
         strcmp(entity_kind, CG_STOCK_SYNC_BATCH_ENTITY) == 0;
}

int cg_stock_retry(struct cg_flow *f, const struct cg_store_exception *x,
                   struct cg_err *err)
{
  int rc = cg_store_exception_resolve(f->store, x->id, "operator",
                                      "retry requested", err);
  if (rc == 0 && strcmp(x->entity_kind, CG_STOCK_SYNC_ENTITY) == 0)
    rc = cg_store_stock_hold(f->store, x->entity_key, false, cg_time_now_ms(),
                             err);
  if (rc == 0)
    cg_log_info("stock",
                "[merchant=%s] %s %s retried: pushed in the next batch",
                f->merchant, x->entity_kind, x->entity_key);
  return rc == CG_ENOTFOUND ? 0 : rc;
}

/* --- resolved by hand ----------------------------------------------------
 * An operator who resolves a STOCK_SYNC instead of retrying it says the
 * SKU is dealt with: it must not stay out of stock updates for ever. A
 * held SKU without an open STOCK_SYNC is released like a retry. */

static int open_sync(struct cg_flow *f, const char *sku, bool *open,
                     struct cg_err *err)
{
  struct cg_store_exception_filter flt = {.state = "open",
                                          .type = CG_STOCK_SYNC,
                                          .entity_kind = CG_STOCK_SYNC_ENTITY,
                                          .entity_key = sku,
                                          .limit = 1};
  struct cg_store_exception_list l = {0};
  int rc = cg_store_exception_list(f->store, &flt, &l, err);
  *open = l.n > 0;
  cg_store_exception_list_clear(&l);
  return rc;
}

/* One chunk of held SKUs after *after (moved on); *more when full. */
static int release_chunk(struct cg_flow *f, char *after, size_t size,
                         int64_t now, bool *more, struct cg_err *err)
{
  struct cg_store_count_list held = {0};
  int rc = cg_store_stock_held(f->store, after, RELEASE_CHUNK, &held, err);
  for (size_t i = 0; rc == 0 && i < held.n; i++) {
    bool open = true;
    rc = open_sync(f, held.items[i].name, &open, err);
    if (rc == 0 && !open)
      rc = cg_store_stock_hold(f->store, held.items[i].name, false, now, err);
    if (rc == 0 && !open)
      cg_log_info("stock",
                  "[merchant=%s] SKU %s released: its STOCK_SYNC was "
                  "resolved; pushed in the next batch",
                  f->merchant, held.items[i].name);
  }
  *more = rc == 0 && held.n == RELEASE_CHUNK;
  if (held.n > 0)
    snprintf(after, size, "%s", held.items[held.n - 1].name);
  cg_store_count_list_clear(&held);
  return rc;
}

void cg__stock_release_resolved(struct cg_flow *f)
{
  struct cg_err err = {0};
  int64_t now = cg_time_now_ms();
  char after[512] = "";
  bool more = true;
  int rc = cg_store_begin(f->store, &err);
  while (rc == 0 && more)
    rc = release_chunk(f, after, sizeof(after), now, &more, &err);
  if (rc == 0)
    rc = cg_store_commit(f->store, &err);
  if (rc != 0) {
    cg_store_rollback(f->store, NULL);
    cg_batch_log_failed(f, "stock", f->stock ? &f->stock->push_logged_at : NULL,
                        "held SKUs not checked", &err);
  }
}
