/*
 * host_plan: the `plans` op of the rule host process (host_main.c): the
 * order plan of one or more orders (cg_rules_order_plan, the in-process
 * code unchanged) in call children.
 *
 *   {id, op: "plans", orders: [order, ...]}
 *     ─▶ one call child plans the orders still open, one after the other
 *        (four hooks each, each hook with its own Lua budget), marking in
 *        the shared page which order it is at; its deadline is one
 *        order's (4 budgets + slack): a healthy batch takes milliseconds
 *     ─▶ killed while one order had run for its whole 4 budgets: that
 *        order is the culprit (RULE_ERROR "killed"); a new child plans
 *        the others (and so on: one kill per hostile order)
 *     ─▶ killed otherwise (a slow batch, a crash): one child per order,
 *        each with a whole order's deadline, so a slow order still gets
 *        its budgets and a hostile one costs only itself
 *   ◀─ {id, ok: true, results: [{ok: true, plan} | {ok: false, code,
 *                                error}, ...]} (plan: plan_json.c)
 */
#include "rules/host_int.h"
#include "rules/rules_int.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"

/* The hooks of one plan: accept, carriers.map, check_address, payload. */
#define PLAN_HOOKS CG_RULEHOST_PLAN_HOOKS

struct plan_job {
  const cJSON *orders;
  const int *idx; /* the orders of this child: indices into orders */
  int n;
};

/* {ok: true, plan} | {ok: false, code, error} of one order. */
static cJSON *plan_one(struct cg_rules_gen *g, const cJSON *order)
{
  struct cg_rules_plan plan = {0};
  struct cg_err err = {0};
  int rc = cg_rules_order_plan(g, order, &plan, &err);
  cJSON *j = rc == 0 ? cg_rules_plan_json(&plan) : NULL;
  cg_rules_plan_clear(&plan);
  if (rc != 0)
    return cg__reply_error(-1, rc, err.msg);
  cJSON *r = j ? cJSON_CreateObject() : NULL;
  if (r == NULL || !cJSON_AddTrueToObject(r, "ok") ||
      !cJSON_AddItemToObject(r, "plan", j)) {
    cJSON_Delete(r);
    cJSON_Delete(j);
    return cg__reply_error(-1, CG_ENOMEM, "no memory for a plan");
  }
  return r;
}

/* Call child: {results: [...]} for the job's orders. */
static void run_plans(struct cg__host *z, void *arg)
{
  const struct plan_job *j = arg;
  cJSON *r = cJSON_CreateObject();
  cJSON *results = cJSON_AddArrayToObject(r, "results");
  for (int i = 0; results != NULL && i < j->n; i++) {
    cg__host_progress(z, (uint32_t)i + 1);
    cJSON *one = plan_one(z->gen, cJSON_GetArrayItem(j->orders, j->idx[i]));
    if (one == NULL || !cJSON_AddItemToArray(results, one)) {
      cJSON_Delete(one);
      results = NULL;
    }
  }
  cg__host_shm_put(z, results ? r : NULL);
  cJSON_Delete(r);
}

/* Runs job in one child: its results array (caller owns), or NULL with
 * why and *culprit: the job position (0-based) of an order that ran for
 * its whole budgets when the child was killed, else -1. */
static cJSON *fork_plans(struct cg__host *z, const struct plan_job *j,
                         int *culprit, struct cg_err *why)
{
  int64_t budget =
      cg__host_call_deadline_ms(z->gen->call_timeout_ms, PLAN_HOOKS) -
      CG__HOST_SLACK_MS;
  *culprit = -1;
  if (cg__host_fork(z, budget + CG__HOST_SLACK_MS, z->gen->mem_limit, run_plans,
                    (void *)j, why) != 0) {
    int64_t ran = 0;
    uint32_t step = cg__host_progress_get(z, &ran);
    if (step > 0 && ran >= budget)
      *culprit = (int)step - 1;
    return NULL;
  }
  size_t len;
  const char *text = cg__host_reply(z, &len);
  cJSON *doc = cg_json_parse(text, len, why);
  cJSON *res = cJSON_DetachItemFromObjectCaseSensitive(doc, "results");
  cJSON_Delete(doc);
  if (cJSON_GetArraySize(res) != j->n) {
    cJSON_Delete(res);
    cg_err_set(why, CG_ERULE, "the plan child answered no plans");
    return NULL;
  }
  return res;
}

/* One child per order of j, into slots. */
static void one_by_one(struct cg__host *z, const struct plan_job *j,
                       cJSON **slots)
{
  for (int i = 0; i < j->n; i++) {
    struct plan_job one = {.orders = j->orders, .idx = &j->idx[i], .n = 1};
    struct cg_err why = {0};
    int culprit;
    cJSON *res = fork_plans(z, &one, &culprit, &why);
    cJSON *item = res ? cJSON_DetachItemFromArray(res, 0) : NULL;
    cJSON_Delete(res);
    if (item == NULL) {
      cg_err_prefix(&why, "order plan");
      item = cg__reply_error(-1, CG_ERULE, why.msg);
    }
    slots[j->idx[i]] = item;
  }
}

/* Plans the n orders in idx (modified) into slots: kills that name a
 * culprit fail that order alone and the rest go again in one child. */
static void plan_open(struct cg__host *z, const cJSON *orders, int *idx, int n,
                      cJSON **slots)
{
  while (n > 0) {
    struct plan_job j = {.orders = orders, .idx = idx, .n = n};
    struct cg_err why = {0};
    int culprit;
    cJSON *res = fork_plans(z, &j, &culprit, &why);
    if (res != NULL) {
      for (int i = 0; i < n; i++)
        slots[idx[i]] = cJSON_DetachItemFromArray(res, 0);
      cJSON_Delete(res);
      return;
    }
    if (culprit < 0 && n > 1) { /* a slow batch or a crash */
      one_by_one(z, &j, slots);
      return;
    }
    culprit = culprit < 0 ? 0 : culprit;
    cg_err_prefix(&why, "order plan");
    slots[idx[culprit]] = cg__reply_error(-1, CG_ERULE, why.msg);
    for (int i = culprit; i + 1 < n; i++) /* the others go again */
      idx[i] = idx[i + 1];
    n--;
  }
}

/* {id, ok: true, results} from slots (taken), or NULL on ENOMEM. */
static cJSON *collect(double id, cJSON **slots, int n)
{
  cJSON *r = cJSON_CreateObject();
  cJSON *results = cJSON_AddArrayToObject(r, "results");
  bool ok = results != NULL && cJSON_AddNumberToObject(r, "id", id) &&
            cJSON_AddTrueToObject(r, "ok");
  for (int i = 0; i < n; i++) {
    if (ok && slots[i] != NULL && cJSON_AddItemToArray(results, slots[i]))
      continue;
    ok = false;
    cJSON_Delete(slots[i]);
  }
  if (!ok) {
    cJSON_Delete(r);
    return NULL;
  }
  return r;
}

cJSON *cg__host_do_plans(struct cg__host *z, double id, const cJSON *req)
{
  const cJSON *orders = cJSON_GetObjectItemCaseSensitive(req, "orders");
  int n = cJSON_GetArraySize(orders);
  if (z->gen == NULL)
    return cg__reply_error(id, CG_ENOTFOUND, "no generation loaded");
  if (!cJSON_IsArray(orders) || n == 0)
    return cg__reply_error(id, CG_EINVAL, "plans needs orders: [...]");
  int *idx = cg_calloc((size_t)n, sizeof(*idx));
  cJSON **slots = cg_calloc((size_t)n, sizeof(*slots));
  cJSON *r = NULL;
  if (idx != NULL && slots != NULL) {
    for (int i = 0; i < n; i++)
      idx[i] = i;
    plan_open(z, orders, idx, n, slots);
    r = collect(id, slots, n);
  }
  cg_free(idx);
  cg_free(slots);
  return r ? r : cg__reply_error(id, CG_ENOMEM, "no memory for plans");
}
