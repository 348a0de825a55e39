/*
 * changes: following Centra after export (see changes.h). This half
 * compares a new Centra version of an order the warehouse has with the
 * version the engine last followed and records what changed; the outbox
 * kind that tells the warehouse is in changes_send.c.
 *
 *   baseline: orders.payload (the Centra version last followed) and
 *             order_lines.quantity (the units the warehouse is asked for)
 *   compared: status CANCELLED, each line's quantity (Centra's excludes
 *             cancelled units; a line left out counts as 0), isOnHold,
 *             shippingAddress; nothing else (the externalId mark, a
 *             comment, updatedAt alone) is a change.
 */
#include "flows/changes.h"
#include "flows/changes_int.h"

#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/map.h"
#include "base/mem.h"
#include "flows/flow.h"
#include "store/store.h"
#include "store/store_remainder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct diff {
  bool whole, hold, release, address;
  cJSON *lines; /* [{lineRef, sku, quantity}]: units cancelled */
  int64_t had;  /* units the baseline holds: 0 when the engine itself had
                 * everything left cancelled in Centra */
};

bool cg_changes_followed(struct cg_flow *f, const char *number)
{
  enum cg_store_order_state st;
  if (cg_store_order_state(f->store, number, &st, NULL) != 0)
    return false;
  return st == CG_STORE_ORDER_QUEUED || st == CG_STORE_ORDER_SENT ||
         st == CG_STORE_ORDER_ACCEPTED;
}

bool cg_changes_own_cancel(const char *reason)
{
  return reason != NULL && (strcmp(reason, CG__CHANGE_REASON_CANCEL) == 0 ||
                            strcmp(reason, CG__CHANGE_REASON_RESEND) == 0);
}

/* Units of line_ref in Centra's version (cancelled ones excluded); 0 for
 * a line Centra leaves out (a fully cancelled one, by its default). */
static int64_t units_now(const cJSON *order, const char *line_ref)
{
  const cJSON *l;
  cJSON_ArrayForEach(l, cg_json_get(order, "lines"))
  {
    char id[24];
    snprintf(id, sizeof(id), "%lld", (long long)cg_json_int(l, "id", 0));
    if (strcmp(id, line_ref) == 0)
      return cg_json_int(l, "quantity", 0);
  }
  return 0;
}

static bool add_line(cJSON *arr, const struct cg_store_order_line *l,
                     int64_t units)
{
  cJSON *o = cJSON_CreateObject();
  if (o == NULL || !cg_json_add_str(o, "lineRef", l->line_ref) ||
      !cg_json_add_str(o, "sku", l->sku) ||
      !cg_json_add_int(o, "quantity", units) || !cJSON_AddItemToArray(arr, o)) {
    cJSON_Delete(o);
    return false;
  }
  return true;
}

/* The units Centra cancelled since the baseline; whole when none is
 * left. A quantity that grew is not followed (docs/internals/changes.md). */
static int diff_lines(const struct cg_store_order_line_list *lines,
                      const cJSON *order, struct diff *d)
{
  int64_t left = 0;
  d->lines = cJSON_CreateArray();
  if (d->lines == NULL)
    return CG_ENOMEM;
  for (size_t i = 0; i < lines->n; i++) {
    const struct cg_store_order_line *l = &lines->items[i];
    int64_t now = units_now(order, l->line_ref);
    d->had += l->quantity;
    left += now < l->quantity ? now : l->quantity;
    if (now < l->quantity && !add_line(d->lines, l, l->quantity - now))
      return CG_ENOMEM;
  }
  d->whole = d->had > 0 && left == 0;
  return 0;
}

static void diff_flags(const cJSON *was, const cJSON *now, struct diff *d)
{
  const char *status = cg_json_str(now, "status");
  bool held = cg_json_bool(was, "isOnHold", false);
  bool holds = cg_json_bool(now, "isOnHold", false);
  /* Centra's CANCELLED after the engine had everything left cancelled
   * is its own doing, not the shop's. */
  d->whole |= d->had > 0 && status != NULL && strcmp(status, "CANCELLED") == 0;
  d->hold = holds && !held;
  d->release = held && !holds;
  d->address = !cJSON_Compare(cg_json_get(was, "shippingAddress"),
                              cg_json_get(now, "shippingAddress"), true);
}

static bool any(const struct diff *d)
{
  return d->whole || d->hold || d->release || d->address ||
         cJSON_GetArraySize(d->lines) > 0;
}

/* A version older than the followed one (events may come out of order):
 * ISO 8601 UTC times of one format compare as text. */
static bool stale(const cJSON *was, const cJSON *now)
{
  const char *a = cg_json_str(was, "updatedAt");
  const char *b = cg_json_str(now, "updatedAt");
  return a != NULL && b != NULL && strcmp(b, a) < 0;
}

/* The units the engine itself asked Centra to cancel, per line (the
 * dispatch flow settling a warehouse's remainder): not the shop's. */
static int64_t own_units(const struct cg_store_count_list *own,
                         const char *line_ref)
{
  for (size_t i = 0; i < own->n; i++)
    if (strcmp(own->items[i].name, line_ref) == 0)
      return own->items[i].count;
  return 0;
}

/* sign -1: the stored quantities become what Centra should show (the
 * baseline the shop's changes are measured from); +1: back. */
static int apply_own(struct cg_flow *f, const char *number,
                     struct cg_store_order_line_list *lines, int sign,
                     struct cg_err *err)
{
  struct cg_store_count_list own = {0};
  int rc = cg_store_remainder_order_own(f->store, number, &own, err);
  for (size_t i = 0; rc == 0 && i < lines->n; i++) {
    int64_t q = lines->items[i].quantity +
                sign * own_units(&own, lines->items[i].line_ref);
    lines->items[i].quantity = q > 0 ? q : 0;
  }
  cg_store_count_list_clear(&own);
  return rc;
}

/* Compares order with the stored baseline of number (o and lines filled
 * for the caller, lines as the baseline). *is_stale: an older version, d
 * left empty. */
static int diff_order(struct cg_flow *f, const char *number, const cJSON *order,
                      struct cg_store_order *o,
                      struct cg_store_order_line_list *lines, struct diff *d,
                      bool *is_stale, struct cg_err *err)
{
  int rc = cg_store_order_get(f->store, number, o, err);
  if (rc == 0)
    rc = cg_store_order_lines_list(f->store, number, lines, err);
  if (rc == 0)
    rc = apply_own(f, number, lines, -1, err);
  cJSON *was = rc == 0 && o->payload
                   ? cg_json_parse(o->payload, strlen(o->payload), NULL)
                   : NULL;
  *is_stale = was != NULL && stale(was, order);
  if (rc == 0 && !*is_stale)
    rc = diff_lines(lines, order, d);
  if (rc == 0 && !*is_stale)
    diff_flags(was, order, d);
  cJSON_Delete(was);
  return rc == CG_ENOMEM ? cg_err_set(err, rc, "out of memory") : rc;
}

bool cg_changes_follow(struct cg_flow *f, const char *number,
                       const cJSON *order)
{
  if (!cg_changes_followed(f, number))
    return false;
  struct cg_store_order o = {0};
  struct cg_store_order_line_list lines = {0};
  struct diff d = {0};
  bool old = false;
  int rc = diff_order(f, number, order, &o, &lines, &d, &old, NULL);
  /* A store that cannot tell takes the version: the apply decides. */
  bool follow = rc != 0 || (!old && any(&d));
  cJSON_Delete(d.lines);
  cg_store_order_clear(&o);
  cg_store_order_line_list_clear(&lines);
  return follow;
}

/* What the follower compares, as text: status, hold, address, and each
 * line's id and units. */
static char *facts_text(const cJSON *order)
{
  cJSON *t = cJSON_CreateArray();
  const cJSON *l;
  cJSON_AddItemToArray(t, cJSON_Duplicate(cg_json_get(order, "status"), 1));
  cJSON_AddItemToArray(t, cJSON_Duplicate(cg_json_get(order, "isOnHold"), 1));
  cJSON_AddItemToArray(
      t, cJSON_Duplicate(cg_json_get(order, "shippingAddress"), 1));
  cJSON_ArrayForEach(l, cg_json_get(order, "lines"))
  {
    cJSON_AddItemToArray(t, cJSON_Duplicate(cg_json_get(l, "id"), 1));
    cJSON_AddItemToArray(t, cJSON_Duplicate(cg_json_get(l, "quantity"), 1));
  }
  char *text = t ? cg_json_print(t) : NULL;
  cJSON_Delete(t);
  return text;
}

void cg_changes_version_id(const cJSON *order, char *id, size_t size)
{
  char *text = facts_text(order);
  size_t n = strlen(id);
  if (text != NULL && n < size)
    snprintf(id + n, size - n, ":%016llx",
             (unsigned long long)cg_hash(text, strlen(text), 0));
  cg_free(text);
}

/* "cancelled in Centra", "2 units cancelled in Centra (line 7: 2)", ... */
static void describe(const struct diff *d, char *out, size_t size)
{
  size_t n = 0;
  const cJSON *l;
  const cJSON *lines = d->whole ? NULL : d->lines;
  out[0] = '\0';
  if (d->whole)
    n += (size_t)snprintf(out + n, size - n, "cancelled in Centra; ");
  cJSON_ArrayForEach(l, lines)
  {
    if (n < size)
      n += (size_t)snprintf(
          out + n, size - n, "line %s: %lld unit(s) cancelled in Centra; ",
          cg_json_str(l, "lineRef"), (long long)cg_json_int(l, "quantity", 0));
  }
  if (d->hold && n < size)
    n += (size_t)snprintf(out + n, size - n, "put on hold in Centra; ");
  if (d->release && n < size)
    n += (size_t)snprintf(out + n, size - n, "released from hold in Centra; ");
  if (d->address && n < size)
    n += (size_t)snprintf(out + n, size - n, "shipping address changed; ");
  if (n >= 2 && n < size)
    out[n - 2] = '\0';
}

/* The followed version becomes order (text printed once here). */
static int keep_version(struct cg_flow *f, struct cg_store_order *o,
                        const cJSON *order, struct cg_err *err)
{
  char *text = cg_json_print(order);
  if (text == NULL)
    return cg_err_set(err, CG_ENOMEM, "out of memory");
  cg_free(o->payload);
  o->payload = text;
  const char *status = cg_json_str(order, "status");
  char *copy = status ? cg_strdup(status) : NULL;
  cg_free(o->centra_status);
  o->centra_status = copy;
  return cg_store_order_upsert(f->store, o, err);
}

/* The warehouse is asked for the units Centra still has. */
static int drop_units(struct cg_flow *f, const char *number,
                      struct cg_store_order_line_list *lines,
                      const cJSON *order, struct cg_err *err)
{
  for (size_t i = 0; i < lines->n; i++) {
    int64_t now = units_now(order, lines->items[i].line_ref);
    if (now < lines->items[i].quantity)
      lines->items[i].quantity = now;
  }
  int rc = apply_own(f, number, lines, +1, err); /* stored: as exported */
  return rc ? rc
            : cg_store_order_lines_replace(f->store, number, lines->items,
                                           lines->n, err);
}

static cJSON *change_doc(const char *number, const struct diff *d,
                         const char *what)
{
  cJSON *c = cJSON_CreateObject();
  bool ok =
      c && cg_json_add_str(c, "orderRef", number) &&
      cJSON_AddBoolToObject(c, "whole", d->whole) &&
      cJSON_AddItemToObject(c, "lines", cJSON_Duplicate(d->lines, true)) &&
      cJSON_AddBoolToObject(c, "hold", d->hold) &&
      cJSON_AddBoolToObject(c, "address", d->address) &&
      cg_json_add_str(c, "what", what);
  if (!ok) {
    cJSON_Delete(c);
    return NULL;
  }
  return c;
}

/* The digits of the version's updatedAt ("20261129T222431Z" less the
 * separators), so that a count lowered by pruning never repeats a key. */
static void version_stamp(const cJSON *order, char *out, size_t size)
{
  const char *at = cg_json_str(order, "updatedAt");
  size_t n = 0;
  for (; at != NULL && *at != '\0' && n + 1 < size; at++)
    if (*at >= '0' && *at <= '9')
      out[n++] = *at;
  out[n] = '\0';
}

/* One outbox row per change, keyed cg-<merchant>-change-<number>-<n>-<v>:
 * n counts the order's change rows, v stamps the Centra version. */
static int queue_change(struct cg_flow *f, const char *number,
                        const cJSON *order, const struct diff *d,
                        const char *what, struct cg_err *err)
{
  char stamp[32];
  version_stamp(order, stamp, sizeof(stamp));
  int64_t n = 0;
  char key[200];
  int rc =
      cg_store_outbox_count_entity(f->store, CG_CHANGES_KIND, number, &n, err);
  cJSON *doc = rc == 0 ? change_doc(number, d, what) : NULL;
  char *text = doc ? cg_json_print(doc) : NULL;
  cJSON_Delete(doc);
  if (rc == 0 && text == NULL)
    rc = cg_err_set(err, CG_ENOMEM, "out of memory");
  snprintf(key, sizeof(key), "cg-%s-change-%s-%lld-%s", f->merchant, number,
           (long long)n + 1, stamp);
  if (rc == 0)
    rc = cg_store_outbox_put(f->store, CG_CHANGES_KIND, number, key, text, 0,
                             NULL, err);
  cg_free(text);
  return rc;
}

/* Writes a change: the new baseline, the units left, the row, audit. */
static int record(struct cg_flow *f, const char *number, const cJSON *order,
                  struct cg_store_order *o,
                  struct cg_store_order_line_list *lines, const struct diff *d,
                  char outcome[CG_INBOX_OUTCOME_MAX], struct cg_err *err)
{
  char what[400];
  describe(d, what, sizeof(what));
  bool tell =
      d->whole || d->hold || d->address || cJSON_GetArraySize(d->lines) > 0;
  int rc = keep_version(f, o, order, err);
  if (rc == 0 && cJSON_GetArraySize(d->lines) > 0)
    rc = drop_units(f, number, lines, order, err);
  if (rc == 0 && tell)
    rc = queue_change(f, number, order, d, what, err);
  if (rc == 0)
    rc = cg_store_audit_append(f->store, "order", number, "changed in Centra",
                               what, NULL, err);
  snprintf(outcome, CG_INBOX_OUTCOME_MAX, "%s: %s",
           tell ? "change queued" : "followed", what);
  if (rc == 0)
    cg_log_info("changes", "[merchant=%s] order %s: %s", f->merchant, number,
                what);
  return rc;
}

int cg_changes_apply(struct cg_flow *f, const char *number, const cJSON *order,
                     char outcome[CG_INBOX_OUTCOME_MAX], struct cg_err *err)
{
  struct cg_store_order o = {0};
  struct cg_store_order_line_list lines = {0};
  struct diff d = {0};
  bool old = false;
  int rc = diff_order(f, number, order, &o, &lines, &d, &old, err);
  if (rc == 0 && old)
    snprintf(outcome, CG_INBOX_OUTCOME_MAX,
             "ignored: older than the version followed");
  else if (rc == 0 && !any(&d))
    snprintf(outcome, CG_INBOX_OUTCOME_MAX,
             "ignored: nothing the warehouse must hear of");
  else if (rc == 0)
    rc = record(f, number, order, &o, &lines, &d, outcome, err);
  if (rc == 0 && (old || !any(&d)))
    f->metrics.orders_ignored++;
  cJSON_Delete(d.lines);
  cg_store_order_clear(&o);
  cg_store_order_line_list_clear(&lines);
  return rc;
}

/* --- an order held to be sent again, cancelled in Centra --------------*/

bool cg_changes_cancels_resend(struct cg_flow *f, const char *number,
                               const cJSON *order)
{
  struct cg_store_order o = {0};
  const char *status = cg_json_str(order, "status");
  bool yes = status != NULL && strcmp(status, "CANCELLED") == 0 &&
             cg_store_order_get(f->store, number, &o, NULL) == 0 &&
             o.state == CG_STORE_ORDER_HELD && o.hold_reason != NULL &&
             strcmp(o.hold_reason, CG__CHANGE_RESEND) == 0;
  cg_store_order_clear(&o);
  return yes;
}

int cg_changes_cancel_resend(struct cg_flow *f, const char *number,
                             char outcome[CG_INBOX_OUTCOME_MAX],
                             struct cg_err *err)
{
  int rc = cg_store_order_advance(f->store, number, CG_STORE_ORDER_CANCELLED,
                                  NULL, err);
  if (rc == 0)
    rc = cg_store_audit_append(f->store, "order", number, "changed in Centra",
                               "cancelled in Centra while waiting to be sent "
                               "again: nothing is at the warehouse",
                               NULL, err);
  snprintf(outcome, CG_INBOX_OUTCOME_MAX, "cancelled before the re-send");
  return rc;
}
