/*
 * host_plan: the `plans` op of the rule host process (host_main.c): a plan
 * the caller registered (rules.h cg_rules_register_plan: several hooks for
 * one input, in the caller's C function) on each input of a batch, in call
 * children.
 *
 *   {id, op: "plans", plan: name, inputs: [input, ...]}
 *     ─▶ one call child runs the plan on the inputs still open, one after
 *        the other (each hook with its own Lua budget), marking in the
 *        shared page which input it is at (and each hook call, when it
 *        starts); its deadline is one input's (the plan's hooks budgets
 *        + slack), and one hook call may run its budget + slack: a
 *        healthy batch takes milliseconds
 *     ─▶ killed while one hook had run for its whole budget: that input
 *        is the culprit (RULE_ERROR "killed"); a new child runs the
 *        others (and so on: one kill, one budget + slack, per hostile
 *        input)
 *     ─▶ killed otherwise (a slow batch, a crash): one child per input,
 *        each with a whole input's deadline, so a slow input still gets
 *        its budgets and a hostile one costs only itself
 *   ◀─ {id, ok: true, results: [{ok: true, result} | {ok: false, code,
 *                                error}, ...]}
 *
 * A child prints its results array into the shared page; the zygote
 * parses it (it must be one array of one item per input). When the first
 * child answered for the whole batch, that text goes into the reply as
 * it is (printing the parsed tree again would give the same bytes).
 */
#include "rules/host_int.h"
#include "rules/rules_int.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"

struct plan_job {
  const struct cg_rules_plan_spec *spec;
  const cJSON *inputs;
  const int *idx; /* the inputs of this child: indices into inputs */
  int n;
};

/* {ok: true, result} | {ok: false, code, error} of one input. */
static cJSON *plan_one(const struct cg_rules_plan_spec *spec,
                       struct cg_rules_gen *g, const cJSON *input)
{
  struct cg_err err = {0};
  cJSON *j = NULL;
  int rc = spec->run(g, input, &j, &err);
  if (rc != 0) {
    cJSON_Delete(j);
    return cg__reply_error(-1, rc, err.msg);
  }
  cJSON *r = j ? cJSON_CreateObject() : NULL;
  if (r == NULL || !cJSON_AddTrueToObject(r, "ok") ||
      !cJSON_AddItemToObject(r, "result", j)) {
    cJSON_Delete(r);
    cJSON_Delete(j);
    return cg__reply_error(-1, CG_ENOMEM, "no memory for a plan");
  }
  return r;
}

/* Call child: the results array for the job's inputs. */
static void run_plans(struct cg__host *z, void *arg)
{
  const struct plan_job *j = arg;
  cJSON *results = cJSON_CreateArray();
  for (int i = 0; results != NULL && i < j->n; i++) {
    cg__host_progress(z, (uint32_t)i + 1);
    cJSON *one =
        plan_one(j->spec, z->gen, cJSON_GetArrayItem(j->inputs, j->idx[i]));
    if (one == NULL || !cJSON_AddItemToArray(results, one)) {
      cJSON_Delete(one);
      cJSON_Delete(results);
      results = NULL;
    }
  }
  cg__host_shm_put(z, results);
  cJSON_Delete(results);
}

/* Runs job in one child: its results array (caller owns), or NULL with
 * why and *culprit: the job position (0-based) of an input that ran for
 * a hook for its whole budget when the child was killed, else -1. With
 * whole, *whole is the child's text when it is that array and nothing
 * else (valid until the next fork), else NULL. */
static cJSON *fork_plans(struct cg__host *z, const struct plan_job *j,
                         int *culprit, struct cg_err *why, const char **whole)
{
  int64_t per =
      cg__host_call_deadline_ms(z->gen->call_timeout_ms, 1) - CG__HOST_SLACK_MS;
  struct cg__fork_limits lim = {.deadline_ms = cg__host_call_deadline_ms(
                                    z->gen->call_timeout_ms, j->spec->hooks),
                                .hook_ms = per + CG__HOST_SLACK_MS,
                                .mem_limit = z->gen->mem_limit};
  *culprit = -1;
  if (cg__host_fork(z, &lim, run_plans, (void *)j, why) != 0) {
    int64_t ran = 0;
    uint32_t step = cg__host_progress_get(z, &ran);
    if (step > 0 && cg__host_hook_ran_ms(z) >= per)
      *culprit = (int)step - 1;
    return NULL;
  }
  size_t len;
  const char *text = cg__host_reply(z, &len), *end = NULL;
  cJSON *res = cJSON_ParseWithLengthOpts(text, len, &end, false);
  if (cJSON_GetArraySize(res) != j->n) {
    cJSON_Delete(res);
    cg_err_set(why, CG_ERULE, "the plan child answered no plans");
    return NULL;
  }
  if (whole != NULL)
    *whole = text[0] == '[' && end == text + len ? text : NULL;
  return res;
}

/* One child per input of j, into slots. */
static void one_by_one(struct cg__host *z, const struct plan_job *j,
                       cJSON **slots)
{
  for (int i = 0; i < j->n; i++) {
    struct plan_job one = {
        .spec = j->spec, .inputs = j->inputs, .idx = &j->idx[i], .n = 1};
    struct cg_err why = {0};
    int culprit;
    cJSON *res = fork_plans(z, &one, &culprit, &why, NULL);
    cJSON *item = res ? cJSON_DetachItemFromArray(res, 0) : NULL;
    cJSON_Delete(res);
    if (item == NULL) {
      cg_err_prefix(&why, "%s", j->spec->about);
      item = cg__reply_error(-1, CG_ERULE, why.msg);
    }
    slots[j->idx[i]] = item;
  }
}

/* Runs the plan on the n inputs in idx (modified) into slots: kills that
 * name a culprit fail that input alone and the rest go again in one
 * child. When the first child answers for all n, its text is returned
 * as it is (valid until the next fork) and slots stay empty. */
static const char *plan_open(struct cg__host *z,
                             const struct cg_rules_plan_spec *spec,
                             const cJSON *inputs, int *idx, int n,
                             cJSON **slots)
{
  for (bool first = true; n > 0; first = false) {
    struct plan_job j = {.spec = spec, .inputs = inputs, .idx = idx, .n = n};
    struct cg_err why = {0};
    int culprit;
    const char *text = NULL;
    cJSON *res = fork_plans(z, &j, &culprit, &why, first ? &text : NULL);
    bool answered = res != NULL;
    for (int i = 0; answered && text == NULL && i < n; i++)
      slots[idx[i]] = cJSON_DetachItemFromArray(res, 0);
    cJSON_Delete(res);
    if (answered)
      return text;
    if (culprit < 0 && n > 1) { /* a slow batch or a crash */
      one_by_one(z, &j, slots);
      return NULL;
    }
    culprit = culprit < 0 ? 0 : culprit;
    cg_err_prefix(&why, "%s", spec->about);
    slots[idx[culprit]] = cg__reply_error(-1, CG_ERULE, why.msg);
    for (int i = culprit; i + 1 < n; i++) /* the others go again */
      idx[i] = idx[i + 1];
    n--;
  }
  return NULL;
}

/* {id, ok: true, results} with the results as a child printed them (the
 * zygote parsed them whole: printing them again would give the same
 * bytes); NULL on ENOMEM. */
static cJSON *reply_raw(double id, const char *results)
{
  cJSON *r = cJSON_CreateObject();
  cJSON *raw = cJSON_CreateRaw(results);
  bool ok =
      r != NULL && raw != NULL && cJSON_AddItemToObject(r, "results", raw);
  if (!ok)
    cJSON_Delete(raw);
  if (ok && cJSON_AddNumberToObject(r, "id", id) &&
      cJSON_AddTrueToObject(r, "ok"))
    return r;
  cJSON_Delete(r);
  return NULL;
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
  const char *name = cg_json_str(req, "plan");
  const struct cg_rules_plan_spec *spec = cg_rules_plan_find(name);
  const cJSON *inputs = cJSON_GetObjectItemCaseSensitive(req, "inputs");
  int n = cJSON_GetArraySize(inputs);
  if (z->gen == NULL)
    return cg__reply_error(id, CG_ENOTFOUND, "no generation loaded");
  if (spec == NULL)
    return cg__reply_error(id, CG_ENOTFOUND, "no such plan");
  if (!cJSON_IsArray(inputs) || n == 0)
    return cg__reply_error(id, CG_EINVAL, "plans needs inputs: [...]");
  int *idx = cg_calloc((size_t)n, sizeof(*idx));
  cJSON **slots = cg_calloc((size_t)n, sizeof(*slots));
  cJSON *r = NULL;
  if (idx != NULL && slots != NULL) {
    for (int i = 0; i < n; i++)
      idx[i] = i;
    const char *text = plan_open(z, spec, inputs, idx, n, slots);
    r = text ? reply_raw(id, text) : collect(id, slots, n);
  }
  cg_free(idx);
  cg_free(slots);
  return r ? r : cg__reply_error(id, CG_ENOMEM, "no memory for plans");
}
