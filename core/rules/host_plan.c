/*
 * host_plan: the `plans` op of the rule host process (host_main.c): the
 * order plan of one or more orders (cg_rules_order_plan, the in-process
 * code unchanged) in call children.
 *
 *   {id, op: "plans", orders: [order, ...]}
 *     ─▶ one call child runs every order's plan (four hooks, each with
 *        its own Lua budget); the child's deadline is one order's (4
 *        budgets + slack): a healthy batch takes milliseconds
 *     ─▶ killed or silent, and n > 1: again one child per order, each
 *        with a whole order's deadline, so a slow order still gets its
 *        budgets and a hostile one costs only itself (RULE_ERROR)
 *   ◀─ {id, ok: true, results: [{ok: true, plan} | {ok: false, code,
 *                                error}, ...]} (plan: plan_json.c)
 */
#include "rules/host_int.h"
#include "rules/rules_int.h"

#include "base/err.h"
#include "base/json.h"

/* The hooks of one plan: accept, carriers.map, check_address, payload. */
#define PLAN_HOOKS CG_RULEHOST_PLAN_HOOKS

struct plan_job {
  const cJSON *orders;
  int from, n;
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

/* Call child: {results: [...]} for orders [from, from + n). */
static void run_plans(struct cg__host *z, void *arg)
{
  const struct plan_job *j = arg;
  cJSON *r = cJSON_CreateObject();
  cJSON *results = cJSON_AddArrayToObject(r, "results");
  for (int i = 0; results != NULL && i < j->n; i++) {
    cJSON *one = plan_one(z->gen, cJSON_GetArrayItem(j->orders, j->from + i));
    if (one == NULL || !cJSON_AddItemToArray(results, one)) {
      cJSON_Delete(one);
      results = NULL;
    }
  }
  cg__host_shm_put(z, results ? r : NULL);
  cJSON_Delete(r);
}

/* Runs job in one child; the results array (caller owns) or NULL with
 * why (killed, died, silent, unreadable). */
static cJSON *fork_plans(struct cg__host *z, struct plan_job *j,
                         struct cg_err *why)
{
  int64_t deadline =
      cg__host_call_deadline_ms(z->gen->call_timeout_ms, PLAN_HOOKS);
  if (cg__host_fork(z, deadline, z->gen->mem_limit, run_plans, j, why) != 0)
    return NULL;
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

/* One child per order, after the batch's child was killed. */
static cJSON *plans_one_by_one(struct cg__host *z, const cJSON *orders, int n)
{
  cJSON *all = cJSON_CreateArray();
  for (int i = 0; all != NULL && i < n; i++) {
    struct plan_job j = {.orders = orders, .from = i, .n = 1};
    struct cg_err why = {0};
    cJSON *res = fork_plans(z, &j, &why);
    cJSON *one = res ? cJSON_DetachItemFromArray(res, 0) : NULL;
    cJSON_Delete(res);
    if (one == NULL) {
      cg_err_prefix(&why, "order plan");
      one = cg__reply_error(-1, CG_ERULE, why.msg);
    }
    if (one == NULL || !cJSON_AddItemToArray(all, one)) {
      cJSON_Delete(one);
      cJSON_Delete(all);
      all = NULL;
    }
  }
  return all;
}

cJSON *cg__host_do_plans(struct cg__host *z, double id, const cJSON *req)
{
  const cJSON *orders = cJSON_GetObjectItemCaseSensitive(req, "orders");
  int n = cJSON_GetArraySize(orders);
  if (z->gen == NULL)
    return cg__reply_error(id, CG_ENOTFOUND, "no generation loaded");
  if (!cJSON_IsArray(orders) || n == 0)
    return cg__reply_error(id, CG_EINVAL, "plans needs orders: [...]");
  struct plan_job j = {.orders = orders, .from = 0, .n = n};
  struct cg_err why = {0};
  cJSON *res = fork_plans(z, &j, &why);
  if (res == NULL && n > 1)
    res = plans_one_by_one(z, orders, n);
  if (res == NULL) {
    cg_err_prefix(&why, "order plan");
    return cg__reply_error(id, CG_ERULE, why.msg);
  }
  cJSON *r = cJSON_CreateObject();
  if (r == NULL || !cJSON_AddNumberToObject(r, "id", id) ||
      !cJSON_AddTrueToObject(r, "ok") ||
      !cJSON_AddItemToObject(r, "results", res)) {
    cJSON_Delete(r);
    cJSON_Delete(res);
    return cg__reply_error(id, CG_ENOMEM, "no memory for plans");
  }
  return r;
}
