/*
 * skus: see skus.h. The item master is the memory of what the warehouse
 * knows; this module only keeps, per process, the SKUs being looked up
 * right now (a sorted array searched with bsearch: a handful at a time).
 */
#include "flows/skus.h"

#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "flows/flow.h"
#include "flows/items.h"
#include "gxo/gxo.h"
#include "store/store.h"
#include "store/store_items.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The SKUs being looked up for some order right now, sorted. */
struct cg_skuset {
  char **items;
  size_t n, cap;
};

#define INFLIGHT_WAIT_MS 250

/* One order's check in flight. */
struct check {
  struct cg_flow *f;
  char *order_json;
  char *key;
  cg_call_done_fn done;
  void *arg;
  size_t pending;
  struct cg_buf missing;       /* "A (pending), B (rejected: ...)" */
  struct cg_call_result retry; /* the latest RETRY seen, if any */
  bool must_retry;
};

/* One SKU look-up of a check: sku, then what the master says of it. */
struct lookup {
  struct check *c;
  const char *what; /* in text, after sku */
  char text[];
};

static int cmp_sku(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static char **find(const struct cg_skuset *s, const char *sku)
{
  return s != NULL && s->n > 0
             ? bsearch(&sku, s->items, s->n, sizeof(char *), cmp_sku)
             : NULL;
}

/* Adds sku; a failure only costs a duplicate look-up. */
static void set_add(struct cg_skuset *s, const char *sku)
{
  if (s == NULL || find(s, sku) != NULL)
    return;
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 16;
    char **p = cg_realloc(s->items, cap * sizeof(*p));
    if (p == NULL)
      return;
    s->items = p;
    s->cap = cap;
  }
  char *copy = cg_strdup(sku);
  if (copy == NULL)
    return;
  size_t at = 0;
  while (at < s->n && strcmp(s->items[at], sku) < 0)
    at++;
  memmove(&s->items[at + 1], &s->items[at], (s->n - at) * sizeof(char *));
  s->items[at] = copy;
  s->n++;
}

static void set_remove(struct cg_skuset *s, const char *sku)
{
  char **hit = find(s, sku);
  if (hit == NULL)
    return;
  cg_free(*hit);
  size_t at = (size_t)(hit - s->items);
  memmove(&s->items[at], &s->items[at + 1], (s->n - at - 1) * sizeof(char *));
  s->n--;
}

static struct cg_skuset *set_of(struct cg_flow *f)
{
  if (f->known_skus == NULL)
    f->known_skus = cg_calloc(1, sizeof(struct cg_skuset));
  return f->known_skus;
}

void cg_skuset_free(struct cg_skuset *set)
{
  if (set == NULL)
    return;
  for (size_t i = 0; i < set->n; i++)
    cg_free(set->items[i]);
  cg_free(set->items);
  cg_free(set);
}

const char *cg_skus_reason_text(const char *reason_json, char *out, size_t size)
{
  cJSON *r = reason_json ? cJSON_Parse(reason_json) : NULL;
  const char *code = cg_json_str(r, "code");
  const char *ptr = cg_json_str(r, "pointer");
  const char *msg = cg_json_str(r, "message");
  if (code == NULL && msg == NULL)
    snprintf(out, size, "no reason given");
  else
    snprintf(out, size, "%s%s%s%s%s", code ? code : "",
             ptr && *ptr ? " at " : "", ptr && *ptr ? ptr : "",
             code && msg ? ": " : "", msg ? msg : "");
  cJSON_Delete(r);
  return out;
}

static void check_free(struct check *c)
{
  cg_free(c->order_json);
  cg_free(c->key);
  cg_buf_free(&c->missing);
  cg_free(c);
}

/* Adds "SKU (what)" to the check's list of SKUs that stop the order. */
static void add_missing(struct check *c, const char *sku, const char *what)
{
  cg_buf_printf(&c->missing, "%s%s (%s)", c->missing.len ? ", " : "", sku,
                what);
}

static void must_retry(struct check *c, const struct cg_call_result *res)
{
  if (c->must_retry && res->retry_at_ms <= c->retry.retry_at_ms)
    return;
  c->must_retry = true;
  c->retry = *res;
  c->retry.data = NULL;
}

/* All look-ups are in: send, or end the delivery without sending. */
static void conclude(struct check *c)
{
  struct cg_call_result res;
  cg_call_result_init(&res);
  if (c->missing.len > 0) {
    cg_call_result_set(&res, CG_OUTCOME_FAIL, CG_SKUS_NOT_ACCEPTED,
                       "not accepted in the warehouse item master: %s; the "
                       "order was not sent",
                       c->missing.data);
    cg_call_result_deliver(&res, c->done, c->arg);
  } else if (c->must_retry) {
    cg_call_result_deliver(&c->retry, c->done, c->arg);
  } else if (cg_gxo_create_order(c->f->gxo, c->order_json, c->key, c->done,
                                 c->arg) != 0) {
    cg_call_result_set(&res, CG_OUTCOME_RETRY, "local",
                       "could not start the order call");
    cg_call_result_deliver(&res, c->done, c->arg);
  }
  check_free(c);
}

/* The warehouse has sku: the master records it accepted (a row without
 * content of its own takes it; a row with content keeps waiting for the
 * answer about that content, and stays in its batch: the answer comes
 * from no batch, batch 0), and an acceptance releases the orders
 * waiting on it, in a transaction of its own. The look-up's callback
 * runs on a loop turn of its own, so no transaction is open; if one
 * were, nothing is recorded (the send goes on all the same, and the next
 * order looks the SKU up again). */
static void record_found(struct cg_flow *f, const char *sku)
{
  struct cg_err err = {0};
  bool applied = false;
  if (cg_store_in_tx(f->store))
    return;
  int rc = cg_store_begin(f->store, &err);
  if (rc == 0)
    rc = cg_store_item_answer(f->store, sku, "", 0, CG_STORE_ITEM_ACCEPTED,
                              NULL, cg_time_now_ms(), &applied, &err);
  if (rc == 0 && applied)
    rc = cg_items_settled(f, sku, true, NULL, &err);
  if (rc == 0)
    rc = cg_store_commit(f->store, &err);
  if (rc != 0) {
    cg_store_rollback(f->store, NULL);
    cg_log_warn("items",
                "[merchant=%s] SKU %s exists at the warehouse but could "
                "not be recorded accepted: %s",
                f->merchant, sku, err.msg);
  }
}

static void cb_item(struct cg_call_result *res, void *arg)
{
  struct lookup *l = arg;
  struct check *c = l->c;
  char what[700];
  set_remove(c->f->known_skus, l->text);
  snprintf(what, sizeof(what), "%s, missing at the warehouse", l->what);
  if (res->outcome == CG_OUTCOME_OK)
    record_found(c->f, l->text);
  else if (res->outcome == CG_OUTCOME_FAIL)
    add_missing(c, l->text, what);
  else if (res->outcome == CG_OUTCOME_RETRY)
    must_retry(c, res);
  cg_free(l);
  if (--c->pending == 0)
    conclude(c);
}

static int look_up(struct check *c, const char *sku, const char *what)
{
  size_t n = strlen(sku) + 1;
  struct lookup *l = cg_malloc(sizeof(*l) + n + strlen(what) + 1);
  if (l == NULL)
    return CG_ENOMEM;
  l->c = c;
  memcpy(l->text, sku, n);
  strcpy(l->text + n, what);
  l->what = l->text + n;
  c->pending++;
  if (cg_gxo_get_item(c->f->gxo, sku, cb_item, l) != 0) {
    c->pending--;
    cg_free(l);
    return CG_ENOMEM;
  }
  set_add(set_of(c->f), sku);
  return 0;
}

/* A master that cannot be read: the row waits a moment (RETRY local). */
static void store_trouble(struct check *c, const struct cg_err *err)
{
  struct cg_call_result res;
  cg_call_result_init(&res);
  cg_call_result_set(&res, CG_OUTCOME_RETRY, "local",
                     "the item master could not be read: %s", err->msg);
  res.retry_at_ms = cg_time_now_ms() + INFLIGHT_WAIT_MS;
  must_retry(c, &res);
}

/* What the master says of a SKU it has a row for that is not accepted
 * (what), and whether to look it up at the warehouse (*look): always but
 * for a size the pack excludes. The warehouse may hold the SKU although
 * the master has no answer yet: a batch whose answer a crash or a stop
 * lost, an item made another way, or from before. Holding such an order
 * would release it later under a new idempotency key, while a send of
 * it from before the crash may have reached the warehouse: a second key
 * for one orderRef. */
static int judge_row(struct check *c, const char *sku, char *what, size_t size,
                     bool *look, struct cg_err *err)
{
  struct cg_store_item row = {0};
  char why[480];
  int rc = cg_store_item_get(c->f->store, sku, &row, err);
  *look = rc == 0 && (row.doc == NULL || row.state != CG_STORE_ITEM_EXCLUDED);
  if (rc == 0 && row.state == CG_STORE_ITEM_REJECTED)
    snprintf(what, size, "rejected: %s",
             cg_skus_reason_text(row.reason, why, sizeof(why)));
  else if (rc == 0 && row.state == CG_STORE_ITEM_EXCLUDED)
    snprintf(what, size, "excluded by the rule pack");
  else if (rc == 0)
    snprintf(what, size, "%s: %s", cg_store_item_state_name(row.state),
             row.doc == NULL ? "not found in Centra yet"
             : row.batch     ? "sent, no answer yet"
                             : "not sent yet");
  cg_store_item_clear(&row);
  return rc;
}

/* What the master says of sku when not accepted (what; "" when it is),
 * and whether to look it up at the warehouse (a SKU the master never
 * saw is). */
static int judge(struct check *c, const char *sku, char *what, size_t size,
                 bool *look, struct cg_err *err)
{
  enum cg_store_item_state st = CG_STORE_ITEM_NONE;
  int rc = cg_store_item_state(c->f->store, sku, &st, err);
  what[0] = '\0';
  *look = false;
  if (rc != 0 || st == CG_STORE_ITEM_ACCEPTED)
    return rc;
  if (st == CG_STORE_ITEM_NONE) {
    snprintf(what, size, "never read from Centra");
    *look = true;
    return 0;
  }
  return judge_row(c, sku, what, size, look, err);
}

/* True when another order is looking up one of this order's SKUs: this
 * check then waits a moment instead of sending the same request twice
 * (the second would race the first's 429 and ignore its Retry-After). */
static bool waits_for_other(struct check *c, const cJSON *order)
{
  const cJSON *line;
  cJSON_ArrayForEach(line, cg_json_get(order, "lines"))
  {
    const char *sku = cg_json_str(line, "sku");
    if (sku == NULL || find(c->f->known_skus, sku) == NULL)
      continue;
    struct cg_call_result res;
    cg_call_result_init(&res);
    cg_call_result_set(&res, CG_OUTCOME_RETRY, "local",
                       "SKU %s is being looked up for another order", sku);
    res.retry_at_ms = cg_time_now_ms() + INFLIGHT_WAIT_MS;
    must_retry(c, &res);
    return true;
  }
  return false;
}

/* Whether a line of order before line has sku. */
static bool seen_before(const cJSON *order, const cJSON *line, const char *sku)
{
  const cJSON *l;
  cJSON_ArrayForEach(l, cg_json_get(order, "lines"))
  {
    if (l == line)
      return false;
    const char *other = cg_json_str(l, "sku");
    if (other != NULL && strcmp(other, sku) == 0)
      return true;
  }
  return false;
}

/* Judges each SKU and starts the look-ups; a negative CG_E* when a
 * look-up could not start and none did. */
static int start_lookups(struct check *c, const cJSON *order)
{
  const cJSON *line;
  int started = 0;
  if (waits_for_other(c, order))
    return 0;
  cJSON_ArrayForEach(line, cg_json_get(order, "lines"))
  {
    const char *sku = cg_json_str(line, "sku");
    struct cg_err err = {0};
    char what[600];
    bool look = false;
    if (sku == NULL || seen_before(order, line, sku))
      continue;
    if (judge(c, sku, what, sizeof(what), &look, &err) != 0) {
      store_trouble(c, &err);
      return started;
    }
    if (look && look_up(c, sku, what) != 0)
      return started ? started : CG_ENOMEM;
    if (!look && what[0] != '\0')
      add_missing(c, sku, what);
    started += look;
  }
  return started;
}

int cg_skus_send_order(struct cg_flow *f, const char *order_json,
                       const char *idempotency_key, cg_call_done_fn done,
                       void *arg)
{
  struct check *c = cg_calloc(1, sizeof(*c));
  cJSON *order = cg_json_parse(order_json, strlen(order_json), NULL);
  if (c == NULL || order == NULL) {
    cg_free(c);
    cJSON_Delete(order);
    return CG_ENOMEM;
  }
  *c = (struct check){.f = f,
                      .done = done,
                      .arg = arg,
                      .order_json = cg_strdup(order_json),
                      .key = cg_strdup(idempotency_key)};
  c->pending = 1; /* held until every look-up has started */
  int rc = start_lookups(c, order);
  cJSON_Delete(order);
  if (rc < 0 && c->pending == 1) {
    check_free(c);
    return rc;
  }
  if (--c->pending == 0)
    conclude(c); /* nothing (more) to look up: decide now */
  return 0;
}
