/*
 * plan_json: the order plan (struct cg_plan, plan.h) as JSON and back:
 * the rule host's call child prints it (the plan "orders" registered by
 * hooks.c), the engine reads it (decide.c, from cg_rulehost_plans).
 *
 *   {outcome: "SEND"|"HOLD"|"UNMAPPED_CARRIER"|"INVALID_ADDRESS",
 *    reason, message, label,
 *    carrier: {mapped, carrierCode, serviceCode, servicePointId},
 *    problems: [...] (INVALID_ADDRESS), payload: {...} (SEND)}
 */
#include "flows/plan.h"

#include "base/err.h"
#include "base/json.h"

#include <stdio.h>
#include <string.h>

static const char *outcome_word(enum cg_plan_outcome o)
{
  return o == CG_PLAN_SEND ? "SEND" : cg_plan_outcome_name(o);
}

static int outcome_from(const char *w, enum cg_plan_outcome *o)
{
  static const enum cg_plan_outcome all[] = {CG_PLAN_SEND, CG_PLAN_HOLD,
                                             CG_PLAN_UNMAPPED_CARRIER,
                                             CG_PLAN_INVALID_ADDRESS};
  for (size_t i = 0; w != NULL && i < sizeof(all) / sizeof(*all); i++)
    if (strcmp(w, outcome_word(all[i])) == 0) {
      *o = all[i];
      return 0;
    }
  return CG_EINVAL;
}

static cJSON *carrier_json(const struct cg_plan_carrier *c)
{
  cJSON *o = cJSON_CreateObject();
  if (o == NULL || !cJSON_AddBoolToObject(o, "mapped", c->mapped) ||
      !cg_json_add_str(o, "carrierCode", c->carrier_code) ||
      !cg_json_add_str(o, "serviceCode", c->service_code) ||
      !cg_json_add_str(o, "servicePointId", c->service_point_id)) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

/* Adds a copy of item under key when item is set; false on ENOMEM. */
static bool add_copy(cJSON *o, const char *key, const cJSON *item)
{
  if (item == NULL)
    return true;
  cJSON *c = cJSON_Duplicate(item, true);
  if (c != NULL && cJSON_AddItemToObject(o, key, c))
    return true;
  cJSON_Delete(c);
  return false;
}

cJSON *cg_plan_json(const struct cg_plan *p)
{
  cJSON *o = cJSON_CreateObject();
  cJSON *c = carrier_json(&p->carrier);
  bool ok = o != NULL && c != NULL && cJSON_AddItemToObject(o, "carrier", c);
  if (!ok)
    cJSON_Delete(c);
  ok = ok && cg_json_add_str(o, "outcome", outcome_word(p->outcome)) &&
       cg_json_add_str(o, "reason", p->reason) &&
       cg_json_add_str(o, "message", p->message) &&
       cg_json_add_str(o, "label", p->label) &&
       add_copy(o, "problems", p->problems) &&
       add_copy(o, "payload", p->payload);
  if (!ok) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

/* Moves *item (may be NULL) under key; false on ENOMEM, *item then still
 * the caller's. */
static bool add_taken(cJSON *o, const char *key, cJSON **item)
{
  if (*item != NULL && !cJSON_AddItemToObject(o, key, *item))
    return false;
  *item = NULL;
  return true;
}

cJSON *cg_plan_json_take(struct cg_plan *p)
{
  cJSON *problems = p->problems, *payload = p->payload;
  p->problems = p->payload = NULL;
  cJSON *o = cg_plan_json(p); /* without them: added below, in place */
  bool ok = o != NULL && add_taken(o, "problems", &problems) &&
            add_taken(o, "payload", &payload);
  cJSON_Delete(problems);
  cJSON_Delete(payload);
  if (!ok) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

static void copy_str(char *dst, size_t size, const cJSON *j, const char *key)
{
  const char *s = cg_json_str(j, key);
  snprintf(dst, size, "%s", s ? s : "");
}

int cg_plan_from_json(cJSON *j, struct cg_plan *out, struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  if (outcome_from(cg_json_str(j, "outcome"), &out->outcome) != 0)
    return cg_err_set(err, CG_EINVAL, "plan without a known outcome");
  copy_str(out->reason, sizeof(out->reason), j, "reason");
  copy_str(out->message, sizeof(out->message), j, "message");
  copy_str(out->label, sizeof(out->label), j, "label");
  const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "carrier");
  struct cg_plan_carrier *k = &out->carrier;
  k->mapped = cg_json_bool(c, "mapped", false);
  copy_str(k->carrier_code, sizeof(k->carrier_code), c, "carrierCode");
  copy_str(k->service_code, sizeof(k->service_code), c, "serviceCode");
  copy_str(k->service_point_id, sizeof(k->service_point_id), c,
           "servicePointId");
  out->problems = cJSON_DetachItemFromObjectCaseSensitive(j, "problems");
  out->payload = cJSON_DetachItemFromObjectCaseSensitive(j, "payload");
  if (out->outcome == CG_PLAN_SEND && !cJSON_IsObject(out->payload)) {
    cg_plan_clear(out);
    return cg_err_set(err, CG_EINVAL, "plan SEND without a payload");
  }
  return 0;
}
