/*
 * returns_receipt: the warehouse's return.arrived and return.received,
 * inside the inbox transaction (docs/internals/returns.md "The path of a
 * return" and "Exactly once"), and the engine's own mismatches between
 * what was advised and what the warehouse received ("Deciding a
 * receipt").
 *
 *   orders_events.c route() "return.*" ─▶ cg_returns_apply_event
 *     return.arrived   known rmaRef: timeline; else UNADVISED_RETURN
 *     return.received  unknown rmaRef: UNADVISED_RETURN
 *                      no receiptId: RETURN_MISMATCH (no-receipt-id)
 *                      same receiptId: nothing
 *                      another receiptId: RETURN_MISMATCH (second-receipt)
 *                      else: receipt and lines stored, step received,
 *                      settle row queued (returns_settle.c)
 */
#include "flows/returns.h"
#include "flows/returns_int.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/time.h"
#include "flows/exceptions.h"
#include "flows/flow.h"
#include "store/store.h"
#include "store/store_returns.h"

#include <stdio.h>
#include <string.h>

#define DETAIL_MAX 600

/* ---- the mismatches (pure) ----------------------------------------------*/

static const char *or_(const char *s, const char *otherwise)
{
  return s != NULL ? s : otherwise;
}

static bool same(const char *a, const char *b)
{
  return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* Adds {code, lineRef?, sku?, expected?, received?, detail}; false on
 * ENOMEM. expected/received < 0 are left out. */
static bool add(cJSON *arr, const char *code, const char *line_ref,
                const char *sku, int64_t expected, int64_t received,
                const char *detail)
{
  cJSON *m = cJSON_CreateObject();
  bool ok = m != NULL && cg_json_add_str(m, "code", code);
  if (ok && line_ref != NULL)
    ok = cg_json_add_str(m, "lineRef", line_ref) != NULL;
  if (ok && sku != NULL)
    ok = cg_json_add_str(m, "sku", sku) != NULL;
  if (ok && expected >= 0)
    ok = cg_json_add_int(m, "expected", expected) != NULL;
  if (ok && received >= 0)
    ok = cg_json_add_int(m, "received", received) != NULL;
  ok = ok && cg_json_add_str(m, "detail", detail);
  if (ok)
    cJSON_AddItemToArray(arr, m);
  else
    cJSON_Delete(m);
  return ok;
}

/* The first receipt line of line_ref from l on (l included), or NULL. */
static const cJSON *next_of_ref(const cJSON *l, const char *line_ref)
{
  for (; l != NULL; l = l->next)
    if (same(cg_json_str(l, "lineRef"), line_ref))
      return l;
  return NULL;
}

/* The first receipt line of line_ref, or NULL. */
static const cJSON *receipt_line(const cJSON *receipt, const char *line_ref)
{
  const cJSON *lines = cg_json_get(receipt, "lines");
  return cJSON_IsArray(lines) ? next_of_ref(lines->child, line_ref) : NULL;
}

static const struct cg_store_return_line *
advised_line(const struct cg_store_return_lines *advised, const char *line_ref)
{
  for (size_t i = 0; advised != NULL && i < advised->n; i++)
    if (same(advised->items[i].line_ref, line_ref))
      return &advised->items[i];
  return NULL;
}

/* Whether stored line i is the first with its lineRef (several Centra
 * return lines may name one order line). */
static bool first_of_ref(const struct cg_store_return_lines *l, size_t i)
{
  return advised_line(l, l->items[i].line_ref) == &l->items[i];
}

/* The units advised for line_ref: its stored lines summed. */
static int64_t advised_of(const struct cg_store_return_lines *l,
                          const char *line_ref)
{
  int64_t n = 0;
  for (size_t i = 0; i < l->n; i++)
    if (same(l->items[i].line_ref, line_ref))
      n += l->items[i].advised;
  return n;
}

/* The units a receipt line says were received (absent: 0). */
static int64_t received_of(const cJSON *l)
{
  int64_t q = cg_json_int(l, "quantityReceived", 0);
  return q > 0 ? q : 0;
}

/* The units received for line_ref: its receipt lines summed. */
static int64_t receipt_units(const cJSON *receipt, const char *line_ref)
{
  int64_t n = 0;
  for (const cJSON *l = receipt_line(receipt, line_ref); l != NULL;
       l = next_of_ref(l->next, line_ref))
    n += received_of(l);
  return n;
}

static bool condition_bad(const char *c)
{
  return same(c, "NOT_RECEIVED") || same(c, "UNIDENTIFIED");
}

/* The SKU and condition differences of receipt line l of a's lineRef. */
static bool receipt_line_mismatches(cJSON *arr,
                                    const struct cg_store_return_line *a,
                                    const cJSON *l)
{
  char d[DETAIL_MAX];
  const char *sku = cg_json_str(l, "sku"), *c = cg_json_str(l, "condition");
  bool ok = true;
  if (sku != NULL && a->sku != NULL && strcmp(sku, a->sku) != 0) {
    snprintf(d, sizeof(d), "line %s: SKU %s received, %s advised", a->line_ref,
             sku, a->sku);
    ok = add(arr, "different-sku", a->line_ref, sku, -1, -1, d);
  }
  if (ok && condition_bad(c)) {
    snprintf(d, sizeof(d), "line %s (%s): condition %s", a->line_ref, a->sku,
             c);
    ok = add(arr, "condition", a->line_ref, a->sku, -1, -1, d);
  }
  return ok;
}

/* The differences of one advised lineRef (a: its first stored line),
 * every stored line and every receipt line of it counted. */
static bool line_mismatches(cJSON *arr, const struct cg_store_return_lines *ls,
                            const struct cg_store_return_line *a,
                            const cJSON *receipt)
{
  char d[DETAIL_MAX];
  int64_t q = receipt_units(receipt, a->line_ref);
  int64_t advised = advised_of(ls, a->line_ref);
  bool ok = true;
  snprintf(d, sizeof(d), "line %s (%s): %lld received, %lld advised",
           a->line_ref, a->sku, (long long)q, (long long)advised);
  if (q != advised)
    ok = add(arr, q < advised ? "fewer" : "more", a->line_ref, a->sku, advised,
             q, d);
  for (const cJSON *l = receipt_line(receipt, a->line_ref); ok && l != NULL;
       l = next_of_ref(l->next, a->line_ref))
    ok = receipt_line_mismatches(arr, a, l);
  return ok;
}

static bool advised_mismatches(cJSON *arr, const cJSON *receipt,
                               const struct cg_store_return_lines *advised)
{
  char d[DETAIL_MAX];
  bool ok = true;
  for (size_t i = 0; ok && advised != NULL && i < advised->n; i++) {
    const struct cg_store_return_line *a = &advised->items[i];
    if (!first_of_ref(advised, i))
      continue;
    if (receipt_line(receipt, a->line_ref) != NULL) {
      ok = line_mismatches(arr, advised, a, receipt);
      continue;
    }
    int64_t n = advised_of(advised, a->line_ref);
    snprintf(d, sizeof(d), "line %s (%s): %lld advised, not in the receipt",
             a->line_ref, a->sku, (long long)n);
    ok = add(arr, "missing-line", a->line_ref, a->sku, n, 0, d);
  }
  return ok;
}

static bool extra_mismatches(cJSON *arr, const cJSON *receipt,
                             const struct cg_store_return_lines *advised)
{
  char d[DETAIL_MAX];
  const cJSON *l;
  bool ok = true;
  cJSON_ArrayForEach(l, cg_json_get(receipt, "lines"))
  {
    const char *ref = cg_json_str(l, "lineRef"), *sku = cg_json_str(l, "sku");
    if (!ok || advised_line(advised, ref) != NULL)
      continue;
    snprintf(d, sizeof(d), "line %s (%s): %lld received, never advised",
             ref ? ref : "(none)", sku ? sku : "?", (long long)received_of(l));
    ok = add(arr, "unexpected-line", ref, sku, -1, received_of(l), d);
  }
  cJSON_ArrayForEach(l, cg_json_get(receipt, "unexpectedItems"))
  {
    const char *sku = cg_json_str(l, "sku");
    int64_t q = cg_json_int(l, "quantity", 0);
    snprintf(d, sizeof(d), "unexpected item: %lld x %s", (long long)q,
             sku ? sku : "?");
    ok = ok && add(arr, "unexpected-item", NULL, sku, -1, q, d);
  }
  return ok;
}

cJSON *cg__returns_mismatches(const cJSON *receipt,
                              const struct cg_store_return_lines *advised)
{
  cJSON *arr = cJSON_CreateArray();
  bool ok = arr != NULL && advised_mismatches(arr, receipt, advised) &&
            extra_mismatches(arr, receipt, advised);
  if (ok && cg_json_bool(receipt, "requiresAction", false))
    ok = add(arr, "requires-action", NULL, NULL, -1, -1,
             "the warehouse set requiresAction");
  if (!ok) {
    cJSON_Delete(arr);
    return NULL;
  }
  return arr;
}

/* ---- unadvised parcels --------------------------------------------------*/

/* UNADVISED_RETURN on the rmaRef, else the parcel tracking, else the
 * event id. */
static int unadvised(struct cg_flow *f, const cJSON *env, const char *type,
                     char outcome[CG_INBOX_OUTCOME_MAX], struct cg_err *err)
{
  const cJSON *data = cg_json_get(env, "data");
  const char *rma = cg_json_str(data, "rmaRef");
  const char *tracking = cg_json_str(data, "parcelTracking");
  const char *key = rma && *rma ? rma : tracking && *tracking ? tracking : NULL;
  char msg[DETAIL_MAX];
  key = key ? key : cg_json_str(env, "eventId");
  if (key == NULL || *key == '\0') {
    snprintf(outcome, CG_INBOX_OUTCOME_MAX,
             "invalid: %s without rmaRef, tracking or eventId", type);
    return 0;
  }
  snprintf(msg, sizeof(msg),
           "%s for %s %s, which the engine never advised (rmaRef %s, parcel "
           "tracking %s, order %s)",
           type,
           rma && *rma             ? "RMA"
           : tracking && *tracking ? "parcel"
                                   : "event",
           key, rma ? rma : "(none)", tracking ? tracking : "(none)",
           or_(cg_json_str(data, "originalOrderRef"), "(none)"));
  int rc = cg_flow_raise(f, CG_UNADVISED_RETURN, CG_RETURNS_ENTITY, key, msg,
                         f->rules_label[0] ? f->rules_label : NULL, err);
  if (rc == 0)
    f->metrics.returns_unadvised++;
  snprintf(outcome, CG_INBOX_OUTCOME_MAX, "held: unadvised return %.100s", key);
  return rc;
}

/* The return the event's rmaRef names: 0 and *r, or CG_ENOTFOUND (err
 * cleared) when it names none. */
static int find(struct cg_flow *f, const cJSON *data, struct cg_store_return *r,
                struct cg_err *err)
{
  int64_t id = cg__returns_rma_id(cg_json_str(data, "rmaRef"));
  int rc = id > 0 ? cg_store_return_get(f->store, id, r, err) : CG_ENOTFOUND;
  if (rc == 0 && (r->step == CG_STORE_RETURN_IGNORED || !r->order_number))
    rc = CG_ENOTFOUND;
  if (rc == CG_ENOTFOUND)
    memset(err, 0, sizeof(*err));
  return rc;
}

/* ---- return.arrived -----------------------------------------------------*/

static int arrived(struct cg_flow *f, const cJSON *env,
                   char outcome[CG_INBOX_OUTCOME_MAX], struct cg_err *err)
{
  const cJSON *data = cg_json_get(env, "data");
  struct cg_store_return r = {0};
  char detail[DETAIL_MAX];
  int rc = find(f, data, &r, err);
  if (rc == CG_ENOTFOUND)
    return unadvised(f, env, "return.arrived", outcome, err);
  if (rc == 0) {
    snprintf(detail, sizeof(detail),
             "return %lld: the parcel arrived at the warehouse (tracking %s, "
             "at %s)",
             (long long)r.id,
             or_(cg_json_str(data, "parcelTracking"), "(none)"),
             or_(cg_json_str(data, "receivedAt"), "?"));
    rc = cg__returns_audit(f, r.order_number, "return arrived", detail, err);
    snprintf(outcome, CG_INBOX_OUTCOME_MAX, "applied: return %lld arrived",
             (long long)r.id);
  }
  cg_store_return_clear(&r);
  return rc;
}

/* ---- return.received ----------------------------------------------------*/

/* The timeline entry of receipt line l. */
static int audit_receipt_line(struct cg_flow *f,
                              const struct cg_store_return *r, const cJSON *l,
                              const struct cg_store_return_lines *lines,
                              struct cg_err *err)
{
  char d[DETAIL_MAX];
  const char *ref = cg_json_str(l, "lineRef");
  if (advised_line(lines, ref) != NULL)
    snprintf(d, sizeof(d), "return %lld line %s: %s, %lld/%lld, %s, %s",
             (long long)r->id, ref, or_(cg_json_str(l, "sku"), "?"),
             (long long)received_of(l), (long long)advised_of(lines, ref),
             or_(cg_json_str(l, "condition"), "?"),
             or_(cg_json_str(l, "disposition"), "?"));
  else
    snprintf(d, sizeof(d),
             "return %lld line %s: %s, %lld received, not advised",
             (long long)r->id, or_(ref, "(none)"),
             or_(cg_json_str(l, "sku"), "?"), (long long)received_of(l));
  return cg__returns_audit(f, r->order_number, "return received", d, err);
}

/* One timeline entry per receipt line and per advised lineRef the
 * receipt lacks. */
static int audit_lines(struct cg_flow *f, const struct cg_store_return *r,
                       const cJSON *receipt,
                       const struct cg_store_return_lines *lines,
                       struct cg_err *err)
{
  char d[DETAIL_MAX];
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < lines->n; i++) {
    const struct cg_store_return_line *a = &lines->items[i];
    if (!first_of_ref(lines, i) || receipt_line(receipt, a->line_ref) != NULL)
      continue;
    snprintf(d, sizeof(d),
             "return %lld line %s: %s, 0/%lld, not in the receipt",
             (long long)r->id, a->line_ref, a->sku,
             (long long)advised_of(lines, a->line_ref));
    rc = cg__returns_audit(f, r->order_number, "return received", d, err);
  }
  const cJSON *l = cg_json_get(receipt, "lines");
  for (l = cJSON_IsArray(l) ? l->child : NULL; rc == 0 && l != NULL;
       l = l->next)
    rc = audit_receipt_line(f, r, l, lines, err);
  return rc;
}

/* A walk over the receipt lines of one lineRef, unit by unit. */
struct feed {
  const char *ref;
  const cJSON *line; /* the receipt line units are taken from, or NULL */
  int64_t left;      /* its units not given to a stored line yet */
};

/* The units of one stored line: up to want (all that is left when last)
 * from the receipt lines in order; *from: the receipt line its first unit
 * came from (the walk's current line when none). */
static int64_t take_units(struct feed *c, int64_t want, bool last,
                          const cJSON **from)
{
  int64_t got = 0;
  *from = c->line;
  while (c->line != NULL && (last || got < want)) {
    if (c->left == 0) {
      c->line = next_of_ref(c->line->next, c->ref);
      c->left = c->line ? received_of(c->line) : 0;
      continue;
    }
    int64_t n = last || c->left < want - got ? c->left : want - got;
    if (got == 0)
      *from = c->line;
    got += n;
    c->left -= n;
  }
  return got;
}

/* Records the received units of the lineRef of stored line i (its first)
 * over its stored lines in line id order: each takes up to its advised
 * units, the last one whatever remains. */
static int record_ref(struct cg_flow *f, int64_t id, const cJSON *receipt,
                      const struct cg_store_return_lines *lines, size_t i,
                      struct cg_err *err)
{
  struct feed c = {lines->items[i].line_ref, NULL, 0};
  c.line = receipt_line(receipt, c.ref);
  c.left = c.line ? received_of(c.line) : 0;
  int rc = 0;
  for (size_t j = i; rc == 0 && j < lines->n; j++) {
    const struct cg_store_return_line *a = &lines->items[j];
    if (!same(a->line_ref, c.ref))
      continue;
    bool last = true;
    for (size_t k = j + 1; last && k < lines->n; k++)
      last = !same(lines->items[k].line_ref, c.ref);
    const cJSON *from = NULL;
    int64_t got = take_units(&c, a->advised, last, &from);
    rc = cg_store_return_line_received(f->store, id, a->line_id, got,
                                       cg_json_str(from, "condition"),
                                       cg_json_str(from, "disposition"), err);
  }
  return rc;
}

/* The receipt and what each advised line received. */
static int store_receipt(struct cg_flow *f, const struct cg_store_return *r,
                         const cJSON *data, const char *receipt_id,
                         const struct cg_store_return_lines *lines,
                         struct cg_err *err)
{
  char *text = cg_json_print(data);
  int rc = text ? cg_store_return_set_receipt(f->store, r->id, receipt_id, text,
                                              cg_time_now_ms(), err)
                : cg_err_set(err, CG_ENOMEM, "out of memory");
  cg_free(text);
  for (size_t i = 0; rc == 0 && i < lines->n; i++)
    if (first_of_ref(lines, i))
      rc = record_ref(f, r->id, data, lines, i, err);
  return rc;
}

/* A receipt other than the first: raised, nothing else changes (the
 * settling of the first goes on; Centra hears nothing of this one). */
static int second_receipt(struct cg_flow *f, const struct cg_store_return *r,
                          const char *receipt_id, struct cg_err *err)
{
  char msg[DETAIL_MAX];
  snprintf(msg, sizeof(msg),
           "return %lld: second-receipt: the warehouse sent receipt %s after "
           "receipt %s; only the first counts, nothing changed in Centra",
           (long long)r->id, receipt_id, r->receipt_id);
  return cg__returns_raise(f, r->id, r->order_number, CG_RETURN_MISMATCH, msg,
                           "return held", err);
}

/* A receipt without its id cannot be told from a second one: not
 * recorded, raised so that an operator sees it (retry: resolved). */
static int no_receipt_id(struct cg_flow *f, const struct cg_store_return *r,
                         const cJSON *env, char outcome[CG_INBOX_OUTCOME_MAX],
                         struct cg_err *err)
{
  char msg[DETAIL_MAX];
  snprintf(msg, sizeof(msg),
           "return %lld: no-receipt-id: the warehouse sent return.received "
           "(event %s) without a receiptId; not recorded, nothing changed in "
           "Centra: ask the warehouse to send it again with its receiptId",
           (long long)r->id, or_(cg_json_str(env, "eventId"), "(none)"));
  snprintf(outcome, CG_INBOX_OUTCOME_MAX,
           "held: return.received without receiptId for return %lld",
           (long long)r->id);
  return cg__returns_raise(f, r->id, r->order_number, CG_RETURN_MISMATCH, msg,
                           "return held", err);
}

static bool receivable(enum cg_store_return_step st)
{
  return st == CG_STORE_RETURN_NEW || st == CG_STORE_RETURN_ADVISED ||
         st == CG_STORE_RETURN_REJECTED;
}

/* The first receipt closes what was open on the return before it (a
 * receipt without its id, a refused advice: the parcel is here): any
 * RETURN_MISMATCH open from now on stops the settling
 * (cg__returns_mismatch_open). */
static int resolve_before(struct cg_flow *f, int64_t id, struct cg_err *err)
{
  char key[CG_RETURNS_RMA_MAX];
  cg__returns_rma(id, key);
  return cg_flow_resolve(f, CG_RETURNS_ENTITY, key,
                         "the warehouse's receipt was recorded", err);
}

static int record(struct cg_flow *f, const struct cg_store_return *r,
                  const cJSON *data, const char *receipt_id,
                  char outcome[CG_INBOX_OUTCOME_MAX], struct cg_err *err)
{
  struct cg_store_return_lines lines = {0};
  int rc = cg_store_return_lines_get(f->store, r->id, &lines, err);
  if (rc == 0)
    rc = store_receipt(f, r, data, receipt_id, &lines, err);
  if (rc == 0)
    rc = audit_lines(f, r, data, &lines, err);
  if (rc == 0)
    rc = cg_store_return_set_step(f->store, r->id, CG_STORE_RETURN_RECEIVED,
                                  NULL, cg_time_now_ms(), err);
  if (rc == 0) /* e.g. a no-receipt-id: the receipt is here now */
    rc = resolve_before(f, r->id, err);
  if (rc == 0)
    rc = cg__returns_queue(f, CG_RETURNS_KIND_SETTLE, r->id, r->order_number, 0,
                           err);
  if (rc == 0)
    f->metrics.returns_received++;
  snprintf(outcome, CG_INBOX_OUTCOME_MAX, "applied: return %lld received (%s)",
           (long long)r->id, receipt_id);
  cg_store_return_lines_clear(&lines);
  return rc;
}

static int received(struct cg_flow *f, const cJSON *env,
                    char outcome[CG_INBOX_OUTCOME_MAX], struct cg_err *err)
{
  const cJSON *data = cg_json_get(env, "data");
  const char *receipt_id = cg_json_str(data, "receiptId");
  struct cg_store_return r = {0};
  int rc = find(f, data, &r, err);
  if (rc == CG_ENOTFOUND || (rc == 0 && r.receipt_id == NULL &&
                             !receivable(r.step) && receipt_id != NULL)) {
    cg_store_return_clear(&r);
    return unadvised(f, env, "return.received", outcome, err);
  }
  if (rc == 0 && (receipt_id == NULL || *receipt_id == '\0'))
    rc = no_receipt_id(f, &r, env, outcome, err);
  else if (rc == 0 && same(r.receipt_id, receipt_id))
    snprintf(outcome, CG_INBOX_OUTCOME_MAX,
             "duplicate: receipt %.100s already recorded", receipt_id);
  else if (rc == 0 && r.receipt_id != NULL) {
    rc = second_receipt(f, &r, receipt_id, err);
    snprintf(outcome, CG_INBOX_OUTCOME_MAX,
             "held: second receipt %.100s for return %lld", receipt_id,
             (long long)r.id);
  } else if (rc == 0)
    rc = record(f, &r, data, receipt_id, outcome, err);
  cg_store_return_clear(&r);
  return rc;
}

int cg_returns_apply_event(struct cg_flow *f, const cJSON *env,
                           char outcome[CG_INBOX_OUTCOME_MAX],
                           struct cg_err *err)
{
  const char *type = cg_json_str(env, "eventType");
  if (same(type, "return.arrived"))
    return arrived(f, env, outcome, err);
  if (same(type, "return.received"))
    return received(f, env, outcome, err);
  snprintf(outcome, CG_INBOX_OUTCOME_MAX, "ignored: %.100s has no use",
           type ? type : "(no type)");
  return 0;
}
