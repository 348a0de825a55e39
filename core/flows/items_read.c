/*
 * items_read: one read of Centra's catalogue for the item master
 * (docs/internals/items.md "Reading Centra"), started by items.c's timer:
 *
 *   page p ──cg_centra_fetch_items──▶ Centra (sweep: id_DESC; delta:
 *     │                                updatedAt_DESC)
 *     ▼ sizes (productVariant.product filled in)
 *   cg_rulehost_plans("items.build") ──▶ {include, item} per size
 *     ▼
 *   cg__items_page_apply: one transaction (rows, refusals, RULE_ERRORs,
 *     the cursor) ──▶ last? done(ok) : page p+1
 *
 * A sweep's cursor moves with each page, so a crash resumes it; it also
 * yields between pages to a hinted delta (items.c resumes it from the
 * cursor after). A delta reads from the newest product back to the
 * watermark less 5 minutes and moves it in its last page's transaction
 * (without a watermark it reads one page and sets none: the first
 * finished sweep does).
 * One read at a time; loop thread only.
 */
#include "flows/items_read.h"

#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "centra/centra.h"
#include "flows/exceptions.h"
#include "flows/flow.h"
#include "rules/host.h"
#include "store/store.h"
#include "store/store_items.h"

#include <stdio.h>
#include <string.h>

#define COMP "items"
#define NO_PACK_RETRY_MS 1000 /* the rule host has no generation yet */

struct cg_items_read {
  struct cg_items *it; /* NULL once stopped */
  void (*done)(struct cg_items *it, bool ok);
  struct cg_items_page pg;
  int64_t since_ms;              /* DELTA: the watermark at start */
  char newest[CG_ITEMS_ISO_MAX]; /* DELTA: the newest updatedAt seen */
  int64_t newest_ms;
  cJSON *data; /* the page waiting for its plans */
  int64_t built;
};

/* ---- cursors ------------------------------------------------------------*/

int cg__items_sweep_get(struct cg_store *s, struct cg_items_sweep_pos *out,
                        struct cg_err *err)
{
  char *v = NULL;
  *out = (struct cg_items_sweep_pos){0};
  int rc = cg_store_cursor_get(s, CG_STORE_ITEMS_SWEEP, &v, err);
  if (rc == CG_ENOTFOUND)
    return 0;
  cJSON *j = rc == 0 ? cg_json_parse(v, strlen(v), NULL) : NULL;
  cg_free(v);
  if (rc == 0 && j == NULL)
    return cg_err_set(err, CG_EINVAL, "items.sweep cursor is not JSON");
  *out = (struct cg_items_sweep_pos){.n = cg_json_int(j, "n", 0),
                                     .page = cg_json_int(j, "page", 0),
                                     .size = cg_json_int(j, "size", 0),
                                     .started = cg_json_int(j, "started", 0),
                                     .finished = cg_json_int(j, "finished", 0)};
  cJSON_Delete(j);
  return rc;
}

static int sweep_set(struct cg_store *s, const struct cg_items_sweep_pos *p,
                     struct cg_err *err)
{
  cJSON *j = cJSON_CreateObject();
  bool ok = j && cg_json_add_int(j, "n", p->n) &&
            cg_json_add_int(j, "page", p->page) &&
            cg_json_add_int(j, "size", p->size) &&
            cg_json_add_int(j, "started", p->started) &&
            (p->finished == 0 || cg_json_add_int(j, "finished", p->finished));
  char *v = ok ? cJSON_PrintUnformatted(j) : NULL;
  cJSON_Delete(j);
  int rc = v ? cg_store_cursor_set(s, CG_STORE_ITEMS_SWEEP, v, err)
             : cg_err_set(err, CG_ENOMEM, "no memory for the sweep cursor");
  cJSON_free(v);
  return rc;
}

/* Moves the delta watermark to at, never back; sets a first one only if
 * create (a finished sweep: a delta without a watermark read one page,
 * not everything changed before at). */
static int since_forward(struct cg_store *s, const char *at, bool create,
                         struct cg_err *err)
{
  char *cur = NULL;
  int64_t at_ms, cur_ms;
  if (at == NULL || cg_time_parse_iso8601(at, &at_ms) != 0)
    return 0;
  int rc = cg_store_cursor_get(s, CG_STORE_ITEMS_SINCE, &cur, err);
  bool newer =
      (rc == CG_ENOTFOUND && create) ||
      (rc == 0 && (cg_time_parse_iso8601(cur, &cur_ms) != 0 || at_ms > cur_ms));
  cg_free(cur);
  if (rc != 0 && rc != CG_ENOTFOUND)
    return rc;
  return newer ? cg_store_cursor_set(s, CG_STORE_ITEMS_SINCE, at, err) : 0;
}

/* A finished sweep: the next one is due sweep_s from now (0: none), and
 * everything changed before it began has been read. */
static int sweep_finished(struct cg_items *it, struct cg_items_sweep_pos *p,
                          struct cg_err *err)
{
  char next[24], began[CG_ITEMS_ISO_MAX];
  int64_t now = cg_time_now_ms();
  p->page = 0;
  p->finished = now;
  it->next_sweep_ms = it->opts.sweep_s > 0 ? now + it->opts.sweep_s * 1000 : 0;
  snprintf(next, sizeof(next), "%lld", (long long)it->next_sweep_ms);
  int rc = sweep_set(it->f->store, p, err);
  rc = rc ? rc
          : cg_store_cursor_set(it->f->store, CG_STORE_ITEMS_SWEEP_NEXT, next,
                                err);
  cg_time_format_iso8601_s(p->started, began, sizeof(began));
  return rc ? rc : since_forward(it->f->store, began, true, err);
}

static int move_cursor(struct cg_items *it, const struct cg_items_page *pg,
                       struct cg_err *err)
{
  if (pg->kind == CG_ITEMS_READ_DELTA)
    return pg->last ? since_forward(it->f->store, pg->since, false, err) : 0;
  struct cg_items_sweep_pos p = pg->sweep;
  if (pg->last)
    return sweep_finished(it, &p, err);
  p.page++;
  return sweep_set(it->f->store, &p, err);
}

/* ---- one size -----------------------------------------------------------*/

static int rule_failed(struct cg_items *it, const char *sku, const char *why,
                       struct cg_err *err)
{
  struct cg_flow *f = it->f;
  char msg[CG_ERR_MSG_MAX + 160];
  snprintf(msg, sizeof(msg),
           "the pack's items hooks failed for SKU %s: %s; its item in the "
           "warehouse stays as last built",
           sku, why ? why : "no result");
  f->metrics.rule_errors++; /* cg_flow_raise logs it */
  return cg_flow_raise(f, "RULE_ERROR", CG_ITEMS_ENTITY, sku, msg,
                       f->rules_label[0] ? f->rules_label : NULL, err);
}

/* The item as stored and its content hash (sourceUpdatedAt left out of
 * the hash: a product touched in Centra without a change to its item is
 * not sent again). */
static int item_text(cJSON *item, char **doc, char hash[CG_STORE_ITEM_HASH_MAX])
{
  cJSON *at = cJSON_DetachItemFromObjectCaseSensitive(item, "sourceUpdatedAt");
  char *bare = cJSON_PrintUnformatted(item);
  int rc = bare ? cg__items_hash(bare, hash) : CG_ENOMEM;
  cJSON_free(bare);
  if (at != NULL)
    cJSON_AddItemToObject(item, "sourceUpdatedAt", at);
  *doc = rc == 0 ? cJSON_PrintUnformatted(item) : NULL;
  return rc == 0 && *doc == NULL ? CG_ENOMEM : rc;
}

/* An item that breaks the contract: refused without being sent, once
 * per content (dirty: not refused with this hash yet). */
static int refuse(struct cg_items *it, const char *sku, const cJSON *reason,
                  struct cg_err *err)
{
  char *r = cJSON_PrintUnformatted(reason);
  int rc = r ? cg_store_item_refuse(it->f->store, sku, r, cg_time_now_ms(), err)
             : CG_ENOMEM;
  if (rc == 0)
    rc = cg_items_settled(it->f, sku, false, r, err);
  cJSON_free(r);
  return rc;
}

static int write_item(struct cg_items *it, struct cg_store_item_source *src,
                      cJSON *item, struct cg_err *err)
{
  char hash[CG_STORE_ITEM_HASH_MAX];
  char *doc = NULL;
  cJSON *reason = NULL;
  bool dirty = false;
  int rc = 0;
  if (!src->excluded) {
    rc = item_text(item, &doc, hash);
    src->doc = doc;
    src->hash = hash;
    if (rc == 0 && cg__items_check(item, &reason) == CG_ENOMEM)
      rc = CG_ENOMEM;
  }
  if (rc == 0)
    rc = cg_store_item_source(it->f->store, src, cg_time_now_ms(), &dirty, err);
  if (rc == 0 && reason != NULL && dirty)
    rc = refuse(it, src->sku, reason, err);
  cJSON_Delete(reason);
  cJSON_free(doc);
  return rc == CG_ENOMEM ? cg_err_set(err, rc, "no memory for an item") : rc;
}

/* The row is keyed by the size's SKU and the warehouse answers by the
 * item's sku: an item of another sku would make a second row while the
 * size's stays unsent, so it is the pack's error on the size's SKU. */
static bool other_sku(const cJSON *item, const char *sku)
{
  const char *item_sku = cg_json_str(item, "sku");
  return item_sku == NULL || strcmp(item_sku, sku) != 0;
}

static const char *why_other_sku(const cJSON *item, char *buf, size_t size)
{
  const char *item_sku = cg_json_str(item, "sku");
  snprintf(buf, size,
           "items.payload returned the item of sku %s, not of the "
           "size's SKU",
           item_sku ? item_sku : "(none)");
  return buf;
}

static int apply_size(struct cg_items *it, const struct cg_items_page *pg,
                      const cJSON *size, const cJSON *plan, struct cg_err *err)
{
  const char *sku = cg_json_str(size, "SKU");
  char why[160];
  if (sku == NULL)
    return 0;
  cJSON *item = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(plan, "result"), "item");
  bool include = cg_json_bool(plan, "result.include", false);
  if (!cg_json_bool(plan, "ok", false) || (include && !cJSON_IsObject(item)))
    return rule_failed(it, sku, cg_json_str(plan, "error"), err);
  if (include && other_sku(item, sku))
    return rule_failed(it, sku, why_other_sku(item, why, sizeof(why)), err);
  const cJSON *product = cg_json_get(size, "productVariant.product");
  struct cg_store_item_source src = {
      .sku = sku,
      .excluded = !include,
      .product_id = cg_json_int(product, "id", 0),
      .size_id = cg_json_int(size, "id", 0),
      .source_updated_at = cg_json_str(product, "updatedAt"),
      .sweep = pg->kind == CG_ITEMS_READ_SWEEP ? pg->sweep.n : 0};
  int rc = write_item(it, &src, item, err);
  /* its RULE_ERROR, if one is open: an index lookup per size */
  return rc ? rc
            : cg_store_exception_resolve_typed(
                  it->f->store, "RULE_ERROR", CG_ITEMS_ENTITY, sku, "engine",
                  "the item builds again", NULL, err);
}

int cg__items_page_apply(struct cg_items *it, const struct cg_items_page *pg,
                         const cJSON *data, const cJSON *plans, int64_t *built,
                         struct cg_err *err)
{
  struct cg_store *s = it->f->store;
  const cJSON *sizes = cg_json_get(data, "sizes"), *size;
  const cJSON *plan = cJSON_IsArray(plans) ? plans->child : NULL;
  int64_t n = 0;
  int rc = cg_store_begin(s, err);
  cJSON_ArrayForEach(size, sizes)
  {
    if (rc == 0)
      rc = apply_size(it, pg, size, plan, err);
    n += rc == 0;
    plan = plan ? plan->next : NULL; /* one plan per size, in order */
  }
  rc = rc ? rc : move_cursor(it, pg, err);
  rc = rc ? rc : cg_store_commit(s, err);
  if (rc != 0) {
    cg_store_rollback(s, NULL);
    it->f->metrics.store_errors++;
    n = 0;
  }
  if (built != NULL)
    *built = n;
  return rc;
}

bool cg__items_delta_last(const cJSON *data, int limit, int64_t since_ms)
{
  int64_t oldest;
  if (cg_json_int(data, "products", 0) < limit || since_ms <= 0)
    return true;
  return cg_time_parse_iso8601(cg_json_str(data, "oldest"), &oldest) == 0 &&
         oldest < since_ms - CG_ITEMS_OVERLAP_MS;
}

/* ---- the read -----------------------------------------------------------*/

static void read_end(struct cg_items_read *r, bool ok)
{
  struct cg_items *it = r->it;
  void (*done)(struct cg_items *, bool) = r->done;
  cJSON_Delete(r->data);
  cg_free(r);
  if (it == NULL)
    return; /* stopped: nothing of the flow is touched */
  it->read = NULL;
  if (done != NULL)
    done(it, ok);
}

static void read_fail(struct cg_items_read *r, const char *what,
                      const char *why)
{
  struct cg_flow *f = r->it->f;
  cg_log_warn(COMP, "[merchant=%s] items %s: page %lld %s: %s", f->merchant,
              r->pg.kind == CG_ITEMS_READ_SWEEP ? "sweep" : "delta read",
              (long long)r->pg.sweep.page, what, why);
  read_end(r, false);
}

static int ask_page(struct cg_items_read *r);

/* The page is written: the read ends, yields (a sweep, to a hinted delta:
 * the cursor says where it goes on) or asks for the next page. */
static void page_done(struct cg_items_read *r)
{
  struct cg_items *it = r->it;
  it->f->metrics.items_read += (uint64_t)r->built;
  if (r->pg.last) {
    if (r->pg.kind == CG_ITEMS_READ_SWEEP) {
      it->sweep_wanted = it->sweep_again; /* cg_items_sweep_soon meanwhile */
      it->sweep_again = false;
    }
    cg_log_write(r->pg.kind == CG_ITEMS_READ_SWEEP ? CG_LOG_INFO : CG_LOG_DEBUG,
                 COMP, "[merchant=%s] items %s done at page %lld",
                 it->f->merchant,
                 r->pg.kind == CG_ITEMS_READ_SWEEP ? "sweep" : "delta read",
                 (long long)r->pg.sweep.page);
    read_end(r, true);
    return;
  }
  r->pg.sweep.page++;
  if (r->pg.kind == CG_ITEMS_READ_SWEEP && it->hinted) {
    read_end(r, true); /* the sweep goes on from its cursor later */
    return;
  }
  int rc = ask_page(r);
  if (rc != 0)
    read_fail(r, "not asked", cg_strerror(rc));
}

/* The newest updatedAt a delta has seen (its first page's first). */
static void note_newest(struct cg_items_read *r, const cJSON *data)
{
  const char *at = cg_json_str(data, "newest");
  int64_t ms;
  if (at != NULL && cg_time_parse_iso8601(at, &ms) == 0 && ms > r->newest_ms &&
      strlen(at) < sizeof(r->newest)) {
    r->newest_ms = ms;
    snprintf(r->newest, sizeof(r->newest), "%s", at);
  }
}

static void apply_plans(struct cg_items_read *r, const cJSON *plans)
{
  struct cg_err err = {0};
  struct cg_items *it = r->it;
  if (r->pg.kind == CG_ITEMS_READ_DELTA) {
    note_newest(r, r->data);
    r->pg.last = cg__items_delta_last(r->data, (int)it->opts.page, r->since_ms);
    r->pg.since = r->newest[0] ? r->newest : NULL;
  } else {
    r->pg.last = cg_json_int(r->data, "products", 0) < it->opts.page;
  }
  if (cg__items_page_apply(it, &r->pg, r->data, plans, &r->built, &err) != 0) {
    read_fail(r, "not written", err.msg);
    return;
  }
  cJSON_Delete(r->data);
  r->data = NULL;
  page_done(r);
}

/* Not a failure: Centra's budget (or a 429 pause, or its rateLimits not
 * read yet) kept the page from being sent, or the rule host has no pack
 * loaded yet. The read ends and the tick starts it again in wait_ms (a
 * sweep from its cursor, a delta hinted again). */
static void deferred(struct cg_items_read *r, int64_t wait_ms)
{
  struct cg_items *it = r->it;
  it->retry_at_ms = cg_time_mono_ms() + (wait_ms > 0 ? wait_ms : 0);
  if (r->pg.kind == CG_ITEMS_READ_DELTA)
    it->hinted = true;
  r->done = NULL; /* neither a success nor a failure */
  read_end(r, true);
}

static void on_plans(int rc, cJSON *reply, const struct cg_err *err, void *arg)
{
  struct cg_items_read *r = arg;
  if (r->it != NULL && rc == CG_ENOTFOUND) {
    cJSON_Delete(reply);
    deferred(r, NO_PACK_RETRY_MS); /* no generation loaded yet */
    return;
  }
  if (r->it == NULL || rc != 0 || !cJSON_IsArray(reply)) {
    cJSON_Delete(reply);
    if (r->it != NULL)
      read_fail(r, "not built by the rule host",
                rc != 0 ? err->msg : "the reply is not a list");
    else
      read_end(r, false);
    return;
  }
  apply_plans(r, reply);
  cJSON_Delete(reply);
}

static void on_page(struct cg_call_result *res, void *arg)
{
  struct cg_items_read *r = arg;
  if (r->it != NULL && !cg_call_result_sent(res)) {
    deferred(r, res->retry_at_ms - cg_time_now_ms());
    return;
  }
  if (r->it == NULL || res->outcome != CG_OUTCOME_OK) {
    if (r->it != NULL)
      read_fail(r, "not read from Centra", res->message);
    else
      read_end(r, false);
    return;
  }
  r->data = res->data;
  res->data = NULL;
  const cJSON *sizes = cg_json_get(r->data, "sizes");
  if (cJSON_GetArraySize(sizes) == 0) {
    apply_plans(r, NULL); /* nothing to build: the cursor moves */
    return;
  }
  struct cg_flow *f = r->it->f;
  int rc = f->rulehost ? cg_rulehost_plans(f->rulehost, CG_ITEMS_PLAN, sizes,
                                           on_plans, r)
                       : CG_ENOTFOUND;
  if (rc != 0)
    read_fail(r, "not sent to the rule host", cg_strerror(rc));
}

static int ask_page(struct cg_items_read *r)
{
  struct cg_items *it = r->it;
  return cg_centra_fetch_items(
      it->f->centra,
      r->pg.kind == CG_ITEMS_READ_SWEEP ? CG_CENTRA_ITEMS_BY_ID
                                        : CG_CENTRA_ITEMS_BY_UPDATED,
      (int)r->pg.sweep.page, (int)it->opts.page, on_page, r);
}

bool cg__items_sweep_resume(struct cg_items_sweep_pos *p, int64_t page_size,
                            int64_t now_ms)
{
  bool cut = p->page > 0 && p->size != page_size;
  if (p->page <= 0 || cut)
    *p = (struct cg_items_sweep_pos){
        .n = p->n + 1, .page = 1, .size = page_size, .started = now_ms};
  return cut;
}

/* Where the read begins: a sweep resumes its cursor's unfinished one or
 * begins the next; a delta starts at page 1 below its watermark. */
static int read_begin(struct cg_items_read *r, struct cg_err *err)
{
  struct cg_store *s = r->it->f->store;
  if (r->pg.kind == CG_ITEMS_READ_DELTA) {
    char *since = NULL;
    int rc = cg_store_cursor_get(s, CG_STORE_ITEMS_SINCE, &since, err);
    if (rc == 0 && cg_time_parse_iso8601(since, &r->since_ms) != 0)
      r->since_ms = 0;
    cg_free(since);
    r->pg.sweep.page = 1;
    return rc == CG_ENOTFOUND ? 0 : rc;
  }
  int rc = cg__items_sweep_get(s, &r->pg.sweep, err);
  if (rc == 0 &&
      cg__items_sweep_resume(&r->pg.sweep, r->it->opts.page, cg_time_now_ms()))
    cg_log_info(COMP,
                "[merchant=%s] items sweep %lld read with another page "
                "size: begun again",
                r->it->f->merchant, (long long)r->pg.sweep.n - 1);
  return rc;
}

int cg__items_read_start(struct cg_items *it, enum cg_items_read_kind kind,
                         void (*done)(struct cg_items *it, bool ok))
{
  struct cg_err err = {0};
  if (it->read != NULL || it->f->centra == NULL)
    return CG_EINVAL;
  struct cg_items_read *r = cg_calloc(1, sizeof(*r));
  if (r == NULL)
    return CG_ENOMEM;
  *r = (struct cg_items_read){.it = it, .done = done, .pg = {.kind = kind}};
  int rc = read_begin(r, &err);
  rc = rc ? rc : ask_page(r);
  if (rc != 0) {
    cg_log_warn(COMP, "[merchant=%s] items read not started: %s",
                it->f->merchant, err.msg[0] ? err.msg : cg_strerror(rc));
    cg_free(r);
    return rc;
  }
  it->read = r;
  return 0;
}

void cg__items_read_stop(struct cg_items *it)
{
  if (it->read != NULL)
    it->read->it = NULL; /* its callback frees it and touches nothing */
  it->read = NULL;
}
