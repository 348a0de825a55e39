/*
 * returns_settle_text: the pure pieces of the settle (returns_settle.c):
 * the timeline's text of payment entries, the partial-refund and hold
 * messages, the arguments of returns.decide, and the lookup of an open
 * second receipt (docs/internals/returns.md "Exactly once"). Declared
 * in returns_int.h.
 */
#include "flows/returns.h"
#include "flows/returns_int.h"

#include "base/json.h"
#include "store/store.h"
#include "store/store_returns.h"

#include <stdio.h>
#include <string.h>

/* "12.50 EUR (status)" of every entry, for the timeline. */
void cg__returns_amounts(const cJSON *entries, char *out, size_t size)
{
  const cJSON *e;
  size_t len = 0;
  out[0] = '\0';
  cJSON_ArrayForEach(e, entries)
  {
    const char *cur = cg_json_str(e, "currency");
    const char *status = cg_json_str(e, "status");
    int n =
        snprintf(out + len, size - len, "%s%s%s%s (%s)", len ? ", " : "",
                 cg_json_str(e, "value") ? cg_json_str(e, "value") : "?",
                 cur ? " " : "", cur ? cur : "", status ? status : "no status");
    if (n < 0 || (size_t)n >= size - len)
      break;
    len += (size_t)n;
  }
}

/* Centra's lineValue of our line (matched on the order line id). */
static const cJSON *centra_line(const cJSON *ret,
                                const struct cg_store_return_line *l)
{
  const cJSON *c;
  cJSON_ArrayForEach(c, cg_json_get(ret, "lines"))
  {
    const char *ref = cg_json_str(c, "orderLineId");
    if (cg_json_int(c, "id", 0) == l->line_id ||
        (ref != NULL && l->line_ref != NULL && strcmp(ref, l->line_ref) == 0))
      return c;
  }
  return NULL;
}

/* The plan's decision of lineRef ref (the plan's "lines"), or NULL. */
static const cJSON *plan_line(const cJSON *plan, const char *ref)
{
  const cJSON *d;
  cJSON_ArrayForEach(d, cg_json_get(plan, "lines"))
  {
    const char *r = cg_json_str(d, "lineRef");
    if (r != NULL && ref != NULL && strcmp(r, ref) == 0)
      return d;
  }
  return NULL;
}

void cg__returns_manual_message(const struct cg_store_return_lines *lines,
                                const cJSON *plan, const cJSON *ret, char *out,
                                size_t size)
{
  size_t len = (size_t)snprintf(out, size, "refund by hand, line by line:");
  for (size_t i = 0; i < lines->n && len < size; i++) {
    const struct cg_store_return_line *l = &lines->items[i];
    const cJSON *c = centra_line(ret, l);
    /* the plan in hand; the stored decision was read before it */
    cJSON *d = l->decision ? cJSON_Parse(l->decision) : NULL;
    const char *refund = cg_json_str(plan_line(plan, l->line_ref), "refund");
    refund = refund ? refund : cg_json_str(d, "refund");
    const char *value = cg_json_str(c, "lineValue");
    const char *cur = cg_json_str(c, "currency");
    int n = snprintf(out + len, size - len, "%s line %s (%s): %s%s, %s%s%s",
                     i ? ";" : "", l->line_ref, l->sku,
                     refund ? "refund " : "not decided", refund ? refund : "",
                     value ? value : "value unknown", cur ? " " : "",
                     cur ? cur : "");
    cJSON_Delete(d);
    len += n > 0 ? (size_t)n : 0;
  }
}

/* Every mismatch's detail, joined, after the pack's message. */
void cg__returns_hold_message(const cJSON *plan, const cJSON *mismatches,
                              char *out, size_t size)
{
  const char *m = cg_json_str(plan, "message");
  const char *a = cg_json_str(plan, "action");
  bool settle = a != NULL && strcmp(a, "settle") == 0;
  size_t len = (size_t)snprintf(
      out, size, "%s%s%s",
      settle ? "the pack settles without accept_mismatch, and mismatches "
               "never refund by themselves"
             : "",
      settle && m ? ": " : "",
      m        ? m
      : settle ? ""
               : "held by the pack");
  const cJSON *x;
  cJSON_ArrayForEach(x, mismatches)
  {
    int n = len < size
                ? snprintf(out + len, size - len, "; %s",
                           cg_json_str(x, "detail") ? cg_json_str(x, "detail")
                                                    : cg_json_str(x, "code"))
                : 0;
    len += n > 0 ? (size_t)n : 0;
  }
}

/* The advice as the engine stored it: {returnId, rmaRef, orderRef,
 * comment, lines: [{lineRef, sku, quantity}]}. */
static cJSON *advice_of(const struct cg_store_return *r,
                        const struct cg_store_return_lines *ls)
{
  char rma[CG_RETURNS_RMA_MAX];
  cJSON *a = cJSON_CreateObject(), *lines = NULL;
  cg__returns_rma(r->id, rma);
  bool ok = a != NULL && cg_json_add_int(a, "returnId", r->id) &&
            cg_json_add_str(a, "rmaRef", rma) &&
            cg_json_add_str(a, "orderRef", r->order_number) &&
            cg_json_add_str(a, "comment", r->comment) &&
            (lines = cJSON_AddArrayToObject(a, "lines")) != NULL;
  for (size_t i = 0; ok && i < ls->n; i++) {
    const struct cg_store_return_line *l = &ls->items[i];
    cJSON *o = cJSON_CreateObject();
    ok = o != NULL && cJSON_AddItemToArray(lines, o) &&
         cg_json_add_str(o, "lineRef", l->line_ref) &&
         cg_json_add_str(o, "sku", l->sku) &&
         cg_json_add_int(o, "quantity", l->advised);
  }
  if (!ok) {
    cJSON_Delete(a);
    return NULL;
  }
  return a;
}

/* [receipt + {mismatches}, advice] (receipt is taken); *mismatches keeps
 * a copy. NULL on ENOMEM. */
cJSON *cg__returns_decide_args(const struct cg_store_return *r,
                               const struct cg_store_return_lines *lines,
                               cJSON *receipt, cJSON **mismatches)
{
  cJSON *args = cJSON_CreateArray();
  cJSON *advice = args ? advice_of(r, lines) : NULL;
  *mismatches = advice ? cg__returns_mismatches(receipt, lines) : NULL;
  cJSON *copy = cJSON_Duplicate(*mismatches, true);
  cJSON_DeleteItemFromObjectCaseSensitive(receipt, "mismatches"); /* ours */
  if (copy != NULL && cJSON_AddItemToObject(receipt, "mismatches", copy)) {
    cJSON_AddItemToArray(args, receipt);
    cJSON_AddItemToArray(args, advice);
    return args;
  }
  cJSON_Delete(copy);
  cJSON_Delete(receipt);
  cJSON_Delete(advice);
  cJSON_Delete(args);
  cJSON_Delete(*mismatches);
  *mismatches = NULL;
  return NULL;
}
