/*
 * e2e_returns: see e2e_returns.h.
 */
#include "e2e_returns.h"

#include "base/buf.h"
#include "base/json.h"
#include "base/mem.h"
#include "e2e_dispatch.h"
#include "e2e_items.h"
#include "e2e_stock_sides.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Two Centra mutations a return (and a consignment's three before): the
 * default budgets would make 200 returns a matter of minutes. */
static const char *const sim_budget[] = {"--centra-mutation-budget", "100000",
                                         "--centra-request-budget", "100000",
                                         NULL};

void returns_start(struct e2e *t, long orders, unsigned seed,
                   const char *extra_merchant, const char *rules)
{
  char *scenario = e2e_scenario(orders, 0);
  struct e2e_opts o = {.scenario_json = scenario,
                       .rules = rules,
                       .seed = seed,
                       .sim_args = sim_budget,
                       .subscribe_webhooks = true,
                       .extra_merchant = extra_merchant};
  e2e_setup(t, &o);
  cg_free(scenario);
  e2e_engine_start(t);
  if (!dispatch_wait_accepted(t, orders, 120))
    fail_msg("orders not accepted; see %s", t->dir);
  dispatch_all(t);
  if (!dispatch_wait_all_shipped(t, 120))
    fail_msg("orders not shipped in Centra; see %s", t->dir);
  if (!dispatch_wait_idle(t, 60))
    fail_msg("the engine never went idle; see %s", t->dir);
}

/* --- the cases ------------------------------------------------------------ */

static long below(struct cg_rand *rng, long n)
{
  return (long)cg_rand_below(rng, (uint64_t)n);
}

static void case_init(struct ret_case *c, long order)
{
  memset(c, 0, sizeof(*c));
  c->order = order;
  returns_comment(c, "fit");
}

static void line_add(struct ret_case *c, const cJSON *l, long qty)
{
  struct ret_line *r = &c->lines[c->n++];
  snprintf(r->line_ref, sizeof(r->line_ref), "%s", cg_json_str(l, "lineRef"));
  snprintf(r->sku, sizeof(r->sku), "%s", cg_json_str(l, "sku"));
  r->qty = r->received = qty;
  r->condition = "SELLABLE";
  r->disposition = "RESTOCK";
}

/* The returns of one order: all lines in one (how 0), one per line (1),
 * or one per unit (2). */
static size_t order_cases(const cJSON *o, long how, struct ret_case *v,
                          size_t room)
{
  long number = atol(cg_json_str(o, "orderRef"));
  size_t k = 0;
  const cJSON *l;
  cJSON_ArrayForEach(l, cg_json_get(o, "lines"))
  {
    long shipped = (long)cg_json_int(l, "shipped", 0);
    for (long u = 0; u < shipped && k < room; u += how == 2 ? 1 : shipped) {
      if (how != 0 || k == 0)
        case_init(&v[k++], number);
      struct ret_case *c = &v[k - 1];
      if (c->n < RET_LINES_MAX)
        line_add(c, l, how == 2 ? 1 : shipped);
    }
  }
  return k;
}

size_t returns_cases(struct e2e *t, struct cg_rand *rng, struct ret_case *v,
                     size_t want)
{
  cJSON *wms = dispatch_wms_orders(t);
  const cJSON *o;
  size_t n = 0;
  cJSON_ArrayForEach(o, dispatch_orders_of(wms))
  {
    if (n < want)
      n += order_cases(o, rng ? below(rng, 3) : 1, v + n, want - n);
  }
  cJSON_Delete(wms);
  return n;
}

void returns_comment(struct ret_case *c, const char *keyword)
{
  if (strcmp(keyword, "defect") == 0) {
    c->comment = "a defect in the seam after one wash";
    c->reason = "DM";
  } else if (strcmp(keyword, "damage") == 0) {
    c->comment = "arrived with damage to the sleeve";
    c->reason = "DA";
  } else {
    c->comment = "the fit is too small";
    c->reason = "PF";
  }
}

static void mix_line(struct cg_rand *rng, struct ret_line *l)
{
  long r = below(rng, 100);
  bool a = below(rng, 2) == 0;
  if (r < 35) {
    l->condition = "SELLABLE";
    l->disposition = "RESTOCK";
  } else if (r < 50) {
    l->condition = "SELLABLE_B";
    l->disposition = a ? "RESTOCK" : "QUARANTINE";
  } else if (r < 70) {
    l->condition = "DAMAGED";
    l->disposition = a ? "QUARANTINE" : "DISPOSE";
  } else if (r < 90) {
    l->condition = "DEFECTIVE";
    l->disposition = a ? "QUARANTINE" : "RETURN_TO_VENDOR";
  } else {
    l->condition = "NOT_RECEIVED";
    l->disposition = "QUARANTINE";
    l->received = 0;
  }
}

void returns_mix(struct cg_rand *rng, struct ret_case *c)
{
  static const char *const keywords[] = {"fit", "defect", "damage"};
  returns_comment(c, keywords[below(rng, 3)]);
  for (int i = 0; i < c->n; i++)
    mix_line(rng, &c->lines[i]);
  c->refund = returns_expect_refund(c);
}

static bool is(const char *a, const char *b)
{
  return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static bool line_refunds(const struct ret_line *l, const char *reason)
{
  if (l->received != l->qty)
    return false;
  if (is(l->condition, "SELLABLE") || is(l->condition, "SELLABLE_B"))
    return true;
  if (is(l->condition, "DEFECTIVE"))
    return is(reason, "DM") || is(reason, "DR");
  if (is(l->condition, "DAMAGED"))
    return is(reason, "DA") || is(reason, "DT");
  return false; /* INCOMPLETE, NOT_RECEIVED, UNIDENTIFIED */
}

bool returns_expect_refund(const struct ret_case *c)
{
  for (int i = 0; i < c->n; i++)
    if (!line_refunds(&c->lines[i], c->reason))
      return false;
  return c->n > 0;
}

/* --- the simulators ------------------------------------------------------- */

void returns_seed(struct e2e *t, struct ret_case *c)
{
  cJSON *b = cJSON_CreateObject();
  cg_json_add_int(b, "orderNumber", c->order);
  cg_json_add_str(b, "comment", c->comment);
  cJSON *lines = cJSON_AddArrayToObject(b, "lines");
  for (int i = 0; i < c->n; i++) {
    cJSON *l = cJSON_CreateObject();
    cg_json_add_int(l, "orderLineId", atoll(c->lines[i].line_ref));
    cg_json_add_int(l, "quantity", c->lines[i].qty);
    cJSON_AddItemToArray(lines, l);
  }
  char *body = cg_json_print(b);
  cJSON_Delete(b);
  cJSON *r = e2e_post(t, 'c', "/_sim/centra/returns", body);
  c->id = cg_json_int(r, "id", 0);
  if (c->id <= 0)
    fail_msg("Centra refused the return %s: %s", body,
             r ? cg_json_str(r, "message") : "(no answer)");
  snprintf(c->rma, sizeof(c->rma), "%lld", (long long)c->id);
  cJSON_Delete(r);
  cg_free(body);
}

long returns_advised(struct e2e *t)
{
  cJSON *s = e2e_get(t, 'g', "/_sim/wms/stats");
  long n = (long)cg_json_int(s, "returnsAdvised", -1);
  cJSON_Delete(s);
  return n;
}

static bool advised(struct e2e *t, void *arg)
{
  return returns_advised(t) >= *(const long *)arg;
}

bool returns_wait_advised(struct e2e *t, long n, int timeout_s)
{
  return e2e_wait(t, timeout_s, advised, &n);
}

cJSON *returns_advice(struct e2e *t, const char *rma)
{
  char path[96];
  snprintf(path, sizeof(path), "/return-advices/%s", rma);
  return sides_wms_api_get(t, path);
}

long returns_receive(struct e2e *t, struct ret_case *c, const cJSON *unexpected)
{
  cJSON *b = cJSON_CreateObject();
  cJSON *lines = cJSON_AddArrayToObject(b, "lines");
  for (int i = 0; i < c->n; i++) {
    const struct ret_line *r = &c->lines[i];
    cJSON *l = cJSON_CreateObject();
    cg_json_add_str(l, "lineRef", r->line_ref);
    cg_json_add_int(l, "quantityReceived", r->received);
    cg_json_add_str(l, "condition", r->condition);
    cg_json_add_str(l, "disposition", r->disposition);
    cJSON_AddItemToArray(lines, l);
  }
  if (unexpected != NULL)
    cJSON_AddItemToObject(b, "unexpectedItems",
                          cJSON_Duplicate(unexpected, true));
  char path[96], *body = cg_json_print(b);
  cJSON_Delete(b);
  snprintf(path, sizeof(path), "/_sim/wms/returns/%s/receive", c->rma);
  long status = sides_control(t, 'g', path, body);
  cg_free(body);
  c->received = c->received || status == 200;
  return status;
}

/* The last return.received of rma in the warehouse's events. */
static const cJSON *last_receipt(const cJSON *events, const char *rma)
{
  const cJSON *e, *found = NULL;
  cJSON_ArrayForEach(e, events)
  {
    if (is(cg_json_str(e, "eventType"), "return.received") &&
        is(cg_json_str(e, "data.rmaRef"), rma))
      found = e;
  }
  return found;
}

static long post_envelope(struct e2e *t, const cJSON *env)
{
  char *body = cg_json_print(env);
  long status =
      e2e_post_webhook(t, "gxo", "gxo-webhook-secret", time(NULL), body);
  cg_free(body);
  return status;
}

long returns_redeliver(struct e2e *t, const char *const *rmas, size_t n)
{
  static long copies;
  cJSON *doc = e2e_get(t, 'g', "/_sim/wms/events");
  long ok = 0;
  for (size_t i = 0; i < n; i++) {
    const cJSON *e = last_receipt(cg_json_get(doc, "events"), rmas[i]);
    if (e == NULL)
      continue;
    char id[128];
    cJSON *copy = cJSON_Duplicate(e, true);
    cJSON_DeleteItemFromObjectCaseSensitive(copy, "_acked");
    snprintf(id, sizeof(id), "%s-again-%ld", cg_json_str(e, "eventId"),
             ++copies);
    cJSON_ReplaceItemInObjectCaseSensitive(copy, "eventId",
                                           cJSON_CreateString(id));
    ok += post_envelope(t, copy) == 200;
    cJSON_Delete(copy);
  }
  cJSON_Delete(doc);
  return ok;
}

long returns_redeliver_sim(struct e2e *t, const char *rma)
{
  char path[128];
  snprintf(path, sizeof(path), "/_sim/wms/returns/%s/redeliver-receipt", rma);
  return sides_control(t, 'g', path, "{}");
}

long returns_post_event(struct e2e *t, const char *event_id, const char *type,
                        cJSON *data)
{
  cJSON *e = cJSON_CreateObject();
  cg_json_add_str(e, "eventId", event_id);
  cg_json_add_str(e, "eventType", type);
  cg_json_add_int(e, "eventVersion", 1);
  /* A sequence the engine has seen: no gap in the feed. */
  cg_json_add_int(e, "sequence", sides_wms_last_seq(t));
  cg_json_add_str(e, "occurredAt", "2026-03-04T15:01:50Z");
  cg_json_add_str(e, "publishedAt", "2026-03-04T15:01:51Z");
  cJSON *corr = cJSON_AddObjectToObject(e, "correlation");
  if (cg_json_str(data, "rmaRef") != NULL)
    cg_json_add_str(corr, "rmaRef", cg_json_str(data, "rmaRef"));
  cJSON_AddItemToObject(e, "data", data);
  long status = post_envelope(t, e);
  cJSON_Delete(e);
  return status;
}

/* --- Centra's side -------------------------------------------------------- */

void returns_view_read(struct e2e *t, struct ret_view *v)
{
  v->returns = e2e_get(t, 'c', "/_sim/centra/returns");
  v->refunds = e2e_get(t, 'c', "/_sim/centra/refunds");
  v->emails = e2e_get(t, 'c', "/_sim/centra/emails");
  assert_true(v->returns && v->refunds && v->emails);
}

void returns_view_free(struct ret_view *v)
{
  cJSON_Delete(v->returns);
  cJSON_Delete(v->refunds);
  cJSON_Delete(v->emails);
  memset(v, 0, sizeof(*v));
}

static long count_of(const cJSON *list, const char *type, int64_t id)
{
  const cJSON *e;
  long n = 0;
  cJSON_ArrayForEach(e, list)
  {
    n += cg_json_int(e, "returnId", -1) == id &&
         (type == NULL || is(cg_json_str(e, "type"), type));
  }
  return n;
}

/* A per-return counter of the simulator (completions, refunds) when it
 * keeps one, else fallback. */
static long counter(const cJSON *r, const char *name, long fallback)
{
  const cJSON *n = cJSON_GetObjectItemCaseSensitive(r, name);
  return cJSON_IsNumber(n) ? (long)n->valuedouble : fallback;
}

void returns_centra_of(const struct ret_view *v, int64_t id,
                       struct ret_centra *out)
{
  const cJSON *r, *found = NULL;
  cJSON_ArrayForEach(r, v->returns)
  {
    if (cg_json_int(r, "id", -1) == id)
      found = r;
  }
  memset(out, 0, sizeof(*out));
  out->known = found != NULL;
  out->completed = is(cg_json_str(found, "returnStatus"), "COMPLETED");
  out->refunded = cg_json_bool(found, "refunded", false);
  out->completions = counter(found, "completions", out->completed ? 1 : 0);
  out->refunds = counter(found, "refunds", count_of(v->refunds, NULL, id));
  out->mails_completed = count_of(v->emails, "RETURN_COMPLETED", id);
  out->mails_refunded = count_of(v->emails, "RETURN_REFUNDED", id);
}

/* --- the engine ----------------------------------------------------------- */

cJSON *returns_exceptions(struct e2e *t, const char *type)
{
  char path[160];
  snprintf(path, sizeof(path), "/api/v1/merchants/shop/exceptions?type=%s",
           type);
  cJSON *doc = e2e_get(t, 'a', path);
  assert_true(cJSON_IsArray(doc));
  return doc;
}

cJSON *returns_exception(struct e2e *t, const char *type, const char *key)
{
  cJSON *all = items_exceptions(t, type, key);
  int n = cJSON_GetArraySize(all);
  if (n > 1)
    fail_msg("%d %s exceptions on %s", n, type, key);
  cJSON *x = n == 1 ? cJSON_DetachItemFromArray(all, 0) : NULL;
  cJSON_Delete(all);
  return x;
}

/* An exception of list on key; a RETURN_MISMATCH refund-check does not
 * count (a refund recorded from a read, e.g. after a kill between the
 * refund and its commit: refunded, and customer service checks it). */
static bool has_key(const cJSON *list, const char *key)
{
  const cJSON *x;
  cJSON_ArrayForEach(x, list)
  {
    const char *msg = cg_json_str(x, "message");
    if (is(cg_json_str(x, "key"), key) &&
        (msg == NULL || strstr(msg, ": refund-check: ") == NULL))
      return true;
  }
  return false;
}

/* The message of key's exception in list, for a failure's text. */
static const char *key_message(const cJSON *list, const char *key)
{
  const cJSON *x;
  cJSON_ArrayForEach(x, list)
  {
    if (is(cg_json_str(x, "key"), key))
      return cg_json_str(x, "message") ? cg_json_str(x, "message") : "?";
  }
  return "-";
}

struct ret_set {
  const struct ret_case *v;
  size_t n;
};

static bool settled(struct e2e *t, void *arg)
{
  const struct ret_set *a = arg;
  struct ret_view view;
  struct ret_centra rc;
  returns_view_read(t, &view);
  cJSON *held = returns_exceptions(t, "RETURN_MISMATCH");
  bool ok = true;
  for (size_t i = 0; ok && i < a->n; i++) {
    returns_centra_of(&view, a->v[i].id, &rc);
    ok = a->v[i].refund ? rc.refunded : has_key(held, a->v[i].rma);
  }
  cJSON_Delete(held);
  returns_view_free(&view);
  return ok && dispatch_wait_idle(t, 0);
}

bool returns_wait_settled(struct e2e *t, const struct ret_case *v, size_t n,
                          int timeout_s)
{
  struct ret_set a = {v, n};
  return e2e_wait(t, timeout_s, settled, &a);
}

/* One case against Centra and the open RETURN_MISMATCHes. */
static long verify_one(struct e2e *t, const struct ret_case *c,
                       const struct ret_view *view, const cJSON *held)
{
  struct ret_centra rc;
  returns_centra_of(view, c->id, &rc);
  long want = c->refund ? 1 : 0;
  if (!rc.known || rc.completions != want || rc.refunds != want ||
      rc.completed != c->refund || rc.refunded != c->refund)
    fail_msg("return %s (order %ld, %s): Centra completed %ld times, "
             "refunded %ld times; expected %ld and %ld; see %s",
             c->rma, c->order, c->refund ? "refund" : "hold", rc.completions,
             rc.refunds, want, want, t->dir);
  if (rc.mails_completed > 1 || rc.mails_refunded > 1)
    fail_msg("return %s: %ld completion and %ld refund e-mails", c->rma,
             rc.mails_completed, rc.mails_refunded);
  if (has_key(held, c->rma) == c->refund)
    fail_msg("return %s (order %ld): %s a RETURN_MISMATCH, expected %s (%s)",
             c->rma, c->order, c->refund ? "has" : "has no",
             c->refund ? "none" : "one", key_message(held, c->rma));
  if (!c->refund) {
    cJSON *x = returns_exception(t, "RETURN_MISMATCH", c->rma);
    if (cg_json_int(x, "count", 0) != 1) /* held once, whatever came twice */
      fail_msg("return %s: RETURN_MISMATCH raised %lld times", c->rma,
               (long long)cg_json_int(x, "count", 0));
    cJSON_Delete(x);
  }
  return rc.refunds;
}

static void expect_none(struct e2e *t, const char *type)
{
  cJSON *x = returns_exceptions(t, type);
  const cJSON *e;
  cJSON_ArrayForEach(e, x)
  {
    if (is(cg_json_str(e, "entity"), "return"))
      fail_msg("unexpected %s on return %s: %s", type, cg_json_str(e, "key"),
               cg_json_str(e, "message"));
  }
  cJSON_Delete(x);
}

long returns_verify(struct e2e *t, const struct ret_case *v, size_t n)
{
  struct ret_view view;
  returns_view_read(t, &view);
  cJSON *held = returns_exceptions(t, "RETURN_MISMATCH");
  long refunds = 0;
  for (size_t i = 0; i < n; i++)
    refunds += verify_one(t, &v[i], &view, held);
  cJSON_Delete(held);
  returns_view_free(&view);
  expect_none(t, "SYNC_FAILURE");
  expect_none(t, "RETURN_REJECTED");
  expect_none(t, "UNADVISED_RETURN");
  return refunds;
}

/* Stock events the warehouse published for c's receipt (RESTOCK and
 * QUARANTINE units, reference = the rmaRef). */
static long restock_events(const struct ret_case *c)
{
  long n = 0;
  for (int i = 0; c->received && i < c->n; i++)
    n +=
        c->lines[i].received > 0 && (is(c->lines[i].disposition, "RESTOCK") ||
                                     is(c->lines[i].disposition, "QUARANTINE"));
  return n;
}

/* Timeline entries of one order per action, as the engine wrote them. */
enum { TL_RECEIVED, TL_COMPLETED, TL_REFUNDED, TL_RESTOCKED, TL_N };
static const char *const tl_actions[TL_N] = {
    "return received", "return completed", "return refunded",
    "return restocked"};

static void timeline_counts(struct e2e *t, long order, long got[TL_N])
{
  char path[128];
  snprintf(path, sizeof(path), "/api/v1/merchants/shop/orders/%ld", order);
  cJSON *doc = e2e_get(t, 'a', path);
  const cJSON *e;
  memset(got, 0, sizeof(long) * TL_N);
  cJSON_ArrayForEach(e, cg_json_get(doc, "timeline"))
  {
    for (int k = 0; k < TL_N; k++)
      got[k] += is(cg_json_str(e, "action"), tl_actions[k]);
  }
  cJSON_Delete(doc);
}

/* What the order's timeline must hold for its returns in v. */
static void timeline_wanted(const struct ret_case *v, size_t n, long order,
                            long want[TL_N])
{
  memset(want, 0, sizeof(long) * TL_N);
  for (size_t j = 0; j < n; j++) {
    if (v[j].order != order)
      continue;
    want[TL_RECEIVED] += v[j].received ? v[j].n : 0;
    want[TL_COMPLETED] += v[j].refund;
    want[TL_REFUNDED] += v[j].refund;
    want[TL_RESTOCKED] += restock_events(&v[j]);
  }
}

/* Each order once (at its first return in v): every receipt line, every
 * completion, refund and warehouse restock of its returns is in its
 * timeline once. */
static void verify_timelines(struct e2e *t, const struct ret_case *v, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    bool first = true;
    for (size_t j = 0; j < i && first; j++)
      first = v[j].order != v[i].order;
    if (!first)
      continue;
    long want[TL_N], got[TL_N];
    timeline_wanted(v, n, v[i].order, want);
    timeline_counts(t, v[i].order, got);
    for (int k = 0; k < TL_N; k++)
      if (got[k] != want[k])
        fail_msg("order %ld: %ld \"%s\" entries in its timeline, expected "
                 "%ld; see %s",
                 v[i].order, got[k], tl_actions[k], want[k], t->dir);
  }
}

void returns_verify_stock(struct e2e *t, const struct ret_case *v, size_t n,
                          int timeout_s)
{
  verify_timelines(t, v, n);
  struct sides_skus s;
  sides_skus_read(t, &s);
  if (!sides_wait_drained(t, &s, timeout_s)) {
    sides_print_drain(t, &s);
    fail_msg("Centra's stock does not agree with the warehouse's; see %s",
             t->dir);
  }
  sides_skus_free(&s);
}

char *returns_cli(struct e2e *t, const char *args)
{
  char cmd[2048];
  snprintf(cmd, sizeof(cmd), "%s/centra-gxo %s -c %s 2>&1", tu_build_dir(),
           args, t->config);
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  struct cg_buf b = CG_BUF_INIT;
  char chunk[4096];
  size_t got;
  while ((got = fread(chunk, 1, sizeof(chunk), p)) > 0)
    cg_buf_append(&b, chunk, got);
  pclose(p);
  cg_buf_append(&b, "", 1);
  return b.data;
}

long returns_count_lines(const char *text, const char *needle)
{
  long n = 0;
  for (const char *p = text; p != NULL && *p != '\0';) {
    const char *end = strchr(p, '\n');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    const char *hit = strstr(p, needle);
    n += hit != NULL && (size_t)(hit - p) < len;
    p = end ? end + 1 : NULL;
  }
  return n;
}
