/*
 * centra_ops: the order, event and rate-limit operations of the Centra
 * client: each fills the variables of one document of centra_docs.c and,
 * where the caller wants another shape than the root field's value,
 * reshapes the answer. Every value is a variable, never spliced into the
 * text, so no value can change a document's shape. Also the variable
 * builder shared with centra_write.c.
 */
#include "centra/centra.h"
#include "centra/centra_int.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"

#include <stdio.h>
#include <string.h>

#define EPOCH "1970-01-01T00:00:00+00:00"
#define MAX_STATUSES 8

/* --- variables ------------------------------------------------------------ */

void cg__centra_vars_init(struct cg__centra_vars *v)
{
  v->obj = cJSON_CreateObject();
  v->ok = v->obj != NULL;
}

void cg__centra_vars_put(struct cg__centra_vars *v, const char *key,
                         cJSON *item)
{
  if (!v->ok || item == NULL || !cJSON_AddItemToObject(v->obj, key, item)) {
    cJSON_Delete(item);
    v->ok = false;
  }
}

void cg__centra_vars_int(struct cg__centra_vars *v, const char *key,
                         int64_t value)
{
  if (v->ok && cg_json_add_int(v->obj, key, value) == NULL)
    v->ok = false;
}

void cg__centra_vars_str(struct cg__centra_vars *v, const char *key,
                         const char *value)
{
  cg__centra_vars_put(v, key, cJSON_CreateString(value ? value : ""));
}

void cg__centra_vars_bool(struct cg__centra_vars *v, const char *key,
                          bool value)
{
  cg__centra_vars_put(v, key, cJSON_CreateBool(value));
}

void cg__centra_vars_copy(struct cg__centra_vars *v, const char *key,
                          const cJSON *item)
{
  cg__centra_vars_put(v, key, v->ok ? cJSON_Duplicate(item, true) : NULL);
}

int cg__centra_vars_send(struct cg__centra_vars *v, struct cg_centra *c,
                         enum cg__centra_doc doc, cg_call_done_fn done,
                         void *arg)
{
  if (!v->ok) {
    cJSON_Delete(v->obj);
    return CG_ENOMEM;
  }
  return cg__centra_call(c, cg__centra_op(doc), v->obj, done, arg);
}

/* A JSON array of strings; NULL on ENOMEM. */
static cJSON *str_array(const char *const *items, size_t n)
{
  cJSON *arr = cJSON_CreateArray();
  for (size_t i = 0; arr != NULL && i < n; i++) {
    cJSON *s = cJSON_CreateString(items[i] ? items[i] : "");
    if (s == NULL || !cJSON_AddItemToArray(arr, s)) {
      cJSON_Delete(s);
      cJSON_Delete(arr);
      arr = NULL;
    }
  }
  return arr;
}

/* A JSON array of integers; NULL on ENOMEM. */
cJSON *cg__centra_int_array(const int64_t *items, size_t n)
{
  cJSON *arr = cJSON_CreateArray();
  for (size_t i = 0; arr != NULL && i < n; i++) {
    cJSON *num = cJSON_CreateNumber((double)items[i]);
    if (num == NULL || !cJSON_AddItemToArray(arr, num)) {
      cJSON_Delete(num);
      cJSON_Delete(arr);
      arr = NULL;
    }
  }
  return arr;
}

/* --- orders ----------------------------------------------------------------
 */

/* The ready-orders filter f, in full (CG__DOC_READY_ORDERS) or as
 * versions (CG__DOC_READY_VERSIONS). */
static int fetch_ready(struct cg_centra *c, enum cg__centra_doc doc,
                       const struct cg_centra_order_filter *f,
                       cg_call_done_fn done, void *arg)
{
  if (done == NULL || f == NULL || f->statuses == NULL || f->n_statuses == 0 ||
      f->n_statuses > MAX_STATUSES || f->limit < 0 || f->limit > 200 ||
      f->page < 0)
    return CG_EINVAL;
  struct cg__centra_vars v;
  cg__centra_vars_init(&v);
  cg__centra_vars_put(&v, "statuses", str_array(f->statuses, f->n_statuses));
  cg__centra_vars_str(&v, "since", f->since ? f->since : EPOCH);
  cg__centra_vars_int(&v, "limit", f->limit ? f->limit : 20);
  cg__centra_vars_int(&v, "page", f->page ? f->page : 1);
  return cg__centra_vars_send(&v, c, doc, done, arg);
}

int cg_centra_fetch_orders(struct cg_centra *c,
                           const struct cg_centra_order_filter *f,
                           cg_call_done_fn done, void *arg)
{
  return fetch_ready(c, CG__DOC_READY_ORDERS, f, done, arg);
}

int cg_centra_fetch_order_versions(struct cg_centra *c,
                                   const struct cg_centra_order_filter *f,
                                   cg_call_done_fn done, void *arg)
{
  return fetch_ready(c, CG__DOC_READY_VERSIONS, f, done, arg);
}

int cg_centra_fetch_orders_by_number(struct cg_centra *c,
                                     const int64_t *numbers, size_t n,
                                     cg_call_done_fn done, void *arg)
{
  if (done == NULL || numbers == NULL || n == 0 || n > 200)
    return CG_EINVAL;
  for (size_t i = 0; i < n; i++)
    if (!cg__centra_valid_id(numbers[i]))
      return CG_EINVAL;
  struct cg__centra_vars v;
  cg__centra_vars_init(&v);
  cg__centra_vars_put(&v, "numbers", cg__centra_int_array(numbers, n));
  cg__centra_vars_int(&v, "limit", (int64_t)n);
  return cg__centra_vars_send(&v, c, CG__DOC_ORDERS_BY_NUMBERS, done, arg);
}

/* The caller's callback, for answers that need reshaping first. */
struct reshape {
  struct cg_centra *c;
  cg_call_done_fn done;
  void *arg;
};

static struct reshape *reshape_new(struct cg_centra *c, cg_call_done_fn done,
                                   void *arg)
{
  struct reshape *r = cg_calloc(1, sizeof(*r));
  if (r != NULL)
    *r = (struct reshape){.c = c, .done = done, .arg = arg};
  return r;
}

/* orders(...) answers a list; the caller asked for one order or NULL. */
static void on_order_by_number(struct cg_call_result *res, void *arg)
{
  struct reshape *r = arg;
  if (res->outcome == CG_OUTCOME_OK) {
    cJSON *list = res->data;
    cJSON *first = cJSON_DetachItemFromArray(list, 0);
    res->data = first;
    cJSON_Delete(list);
  }
  r->done(res, r->arg);
  cg_free(r);
}

int cg_centra_fetch_order(struct cg_centra *c, int64_t number,
                          cg_call_done_fn done, void *arg)
{
  if (done == NULL || !cg__centra_valid_id(number))
    return CG_EINVAL;
  struct reshape *r = reshape_new(c, done, arg);
  if (r == NULL)
    return CG_ENOMEM;
  struct cg__centra_vars v;
  cg__centra_vars_init(&v);
  cg__centra_vars_int(&v, "number", number);
  int rc = cg__centra_vars_send(&v, c, CG__DOC_ORDER_BY_NUMBER,
                                on_order_by_number, r);
  if (rc != 0)
    cg_free(r);
  return rc;
}

int cg_centra_mark_exported(struct cg_centra *c, int64_t number,
                            const char *external_id, cg_call_done_fn done,
                            void *arg)
{
  if (done == NULL || !cg__centra_valid_id(number) || external_id == NULL ||
      external_id[0] == '\0')
    return CG_EINVAL;
  struct cg__centra_vars v;
  cg__centra_vars_init(&v);
  cg__centra_vars_int(&v, "orderNumber", number);
  cg__centra_vars_str(&v, "externalId", external_id);
  return cg__centra_vars_send(&v, c, CG__DOC_MARK_EXPORTED, done, arg);
}

/* --- events ----------------------------------------------------------------
 */

int cg_centra_set_event_listeners(struct cg_centra *c, cg_call_done_fn done,
                                  void *arg)
{
  if (done == NULL)
    return CG_EINVAL;
  struct cg__centra_vars v;
  cg__centra_vars_init(&v);
  return cg__centra_vars_send(&v, c, CG__DOC_SET_LISTENERS, done, arg);
}

int cg_centra_fetch_events(struct cg_centra *c, int limit, cg_call_done_fn done,
                           void *arg)
{
  if (done == NULL || limit < 0 || limit > 200)
    return CG_EINVAL;
  struct cg__centra_vars v;
  cg__centra_vars_init(&v);
  cg__centra_vars_int(&v, "limit", limit ? limit : 100);
  return cg__centra_vars_send(&v, c, CG__DOC_EVENTS, done, arg);
}

int cg_centra_confirm_events(struct cg_centra *c, const int64_t *ids,
                             size_t n_ids, cg_call_done_fn done, void *arg)
{
  if (done == NULL || ids == NULL || n_ids == 0)
    return CG_EINVAL;
  struct cg__centra_vars v;
  cg__centra_vars_init(&v);
  cg__centra_vars_put(&v, "ids", cg__centra_int_array(ids, n_ids));
  return cg__centra_vars_send(&v, c, CG__DOC_CONFIRM_EVENTS, done, arg);
}

/* --- rate limits -----------------------------------------------------------
 */

int cg_centra_rate_limits(struct cg_centra *c, cg_call_done_fn done, void *arg)
{
  if (done == NULL)
    return CG_EINVAL;
  struct cg__centra_vars v;
  cg__centra_vars_init(&v);
  return cg__centra_vars_send(&v, c, CG__DOC_RATE_LIMITS, done, arg);
}

static void on_limits_done(struct cg_call_result *res, void *arg)
{
  struct reshape *rf = arg;
  if (res->outcome == CG_OUTCOME_OK &&
      cg__centra_apply_limits(rf->c, res->data) != 0)
    cg_call_result_set(res, CG_OUTCOME_FAIL, "no-mutation-limit",
                       "rateLimits has no MUTATION_COUNT/TEN_SECONDS entry;"
                       " keeping the current budget");
  rf->done(res, rf->arg);
  cg_free(rf);
}

int cg_centra_refresh_limits(struct cg_centra *c, cg_call_done_fn done,
                             void *arg)
{
  if (done == NULL)
    return CG_EINVAL;
  struct reshape *rf = reshape_new(c, done, arg);
  if (rf == NULL)
    return CG_ENOMEM;
  int rc = cg_centra_rate_limits(c, on_limits_done, rf);
  if (rc != 0)
    cg_free(rf);
  return rc;
}
