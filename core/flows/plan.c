/*
 * plan: see plan.h. Each step is one hook call through core/rules
 * (cg_rules_callv: budget, conversion, the check hooks.c registered);
 * this file only turns the checked results into struct cg_plan and
 * decides where the chain stops.
 */
#include "flows/plan.h"

#include "base/err.h"
#include "base/json.h"
#include "rules/rules.h"

#include <stdio.h>
#include <string.h>

_Static_assert(CG_PLAN_LABEL_MAX == CG_RULES_LABEL_MAX,
               "a plan's label holds a generation label");

static void copy_str(char *dst, size_t size, const char *src)
{
  snprintf(dst, size, "%s", src ? src : "");
}

int cg_plan_accept(struct cg_rules_gen *g, const cJSON *order,
                   struct cg_plan_accept *out, struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  cJSON *res;
  int rc = cg_rules_call(g, "orders.accept", order, &res, err);
  if (rc != 0)
    return rc;
  const char *action = cg_json_str(res, "action");
  out->accept = action != NULL && strcmp(action, "accept") == 0;
  if (!out->accept) {
    copy_str(out->reason, sizeof(out->reason), cg_json_str(res, "reason"));
    copy_str(out->message, sizeof(out->message), cg_json_str(res, "message"));
  }
  cJSON_Delete(res);
  return 0;
}

int cg_plan_carrier_map(struct cg_rules_gen *g, const cJSON *option,
                        const cJSON *order, struct cg_plan_carrier *out,
                        struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  const cJSON *args[2] = {option, order};
  cJSON *res;
  int rc = cg_rules_callv(g, "carriers.map", args, 2, &res, err);
  if (rc != 0)
    return rc;
  if (cJSON_IsObject(res)) {
    out->mapped = true;
    copy_str(out->carrier_code, sizeof(out->carrier_code),
             cg_json_str(res, "carrierCode"));
    copy_str(out->service_code, sizeof(out->service_code),
             cg_json_str(res, "serviceCode"));
    copy_str(out->service_point_id, sizeof(out->service_point_id),
             cg_json_str(res, "servicePointId"));
  }
  cJSON_Delete(res);
  return 0;
}

int cg_plan_address_check(struct cg_rules_gen *g, const cJSON *order,
                          cJSON **problems, struct cg_err *err)
{
  return cg_rules_call(g, "orders.check_address", order, problems, err);
}

/* {carrierCode, serviceCode, servicePointId} as the hook sees it. */
static cJSON *carrier_arg(const struct cg_plan_carrier *c)
{
  cJSON *j = cJSON_CreateObject();
  if (j == NULL || !cg_json_add_str(j, "carrierCode", c->carrier_code) ||
      !cg_json_add_str(j, "serviceCode", c->service_code) ||
      !cg_json_add_str(j, "servicePointId",
                       c->service_point_id[0] ? c->service_point_id : NULL)) {
    cJSON_Delete(j);
    return NULL;
  }
  return j;
}

int cg_plan_payload(struct cg_rules_gen *g, const cJSON *order,
                    const struct cg_plan_carrier *carrier, cJSON **payload,
                    struct cg_err *err)
{
  *payload = NULL;
  cJSON *cj = carrier_arg(carrier);
  if (cj == NULL)
    return cg_err_set(err, CG_ENOMEM, "building the carrier argument");
  const cJSON *args[2] = {order, cj};
  int rc = cg_rules_callv(g, "orders.payload", args, 2, payload, err);
  cJSON_Delete(cj);
  return rc;
}

/* ---- the chain ---------------------------------------------------------- */

const char *cg_plan_outcome_name(enum cg_plan_outcome o)
{
  switch (o) {
  case CG_PLAN_HOLD:
    return "HOLD";
  case CG_PLAN_UNMAPPED_CARRIER:
    return "UNMAPPED_CARRIER";
  case CG_PLAN_INVALID_ADDRESS:
    return "INVALID_ADDRESS";
  default:
    return "";
  }
}

void cg_plan_clear(struct cg_plan *p)
{
  cJSON_Delete(p->problems);
  cJSON_Delete(p->payload);
  memset(p, 0, sizeof(*p));
}

static void unmapped_message(struct cg_plan *p, const cJSON *option)
{
  const char *uri = cg_json_str(option, "uri");
  const char *name = cg_json_str(option, "name");
  snprintf(p->message, sizeof(p->message),
           "no carrier mapping for shipping option '%s' (%s)", uri ? uri : "?",
           name ? name : "no name");
}

static void problems_message(struct cg_plan *p)
{
  int n = cJSON_GetArraySize(p->problems);
  const char *first =
      cg_json_str(cJSON_GetArrayItem(p->problems, 0), "message");
  snprintf(p->message, sizeof(p->message), "%s%s", first ? first : "?",
           n > 1 ? " (and more)" : "");
}

static int plan_steps(struct cg_rules_gen *g, const cJSON *order,
                      struct cg_plan *p, struct cg_err *err)
{
  struct cg_plan_accept acc;
  int rc = cg_plan_accept(g, order, &acc, err);
  if (rc != 0 || !acc.accept) {
    p->outcome = CG_PLAN_HOLD;
    copy_str(p->reason, sizeof(p->reason), acc.reason);
    copy_str(p->message, sizeof(p->message), acc.message);
    return rc;
  }
  const cJSON *option = cg_json_get(order, "shippingPriceGroup.shippingOption");
  rc = cg_plan_carrier_map(g, option, order, &p->carrier, err);
  if (rc != 0 || !p->carrier.mapped) {
    p->outcome = CG_PLAN_UNMAPPED_CARRIER;
    copy_str(p->reason, sizeof(p->reason), "UNMAPPED_CARRIER");
    unmapped_message(p, option);
    return rc;
  }
  rc = cg_plan_address_check(g, order, &p->problems, err);
  if (rc != 0 || cJSON_GetArraySize(p->problems) > 0) {
    p->outcome = CG_PLAN_INVALID_ADDRESS;
    copy_str(p->reason, sizeof(p->reason), "INVALID_ADDRESS");
    if (rc == 0)
      problems_message(p);
    return rc;
  }
  cJSON_Delete(p->problems);
  p->problems = NULL;
  p->outcome = CG_PLAN_SEND;
  return cg_plan_payload(g, order, &p->carrier, &p->payload, err);
}

int cg_plan_order(struct cg_rules_gen *g, const cJSON *order,
                  struct cg_plan *out, struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  int rc = plan_steps(g, order, out, err);
  if (rc != 0)
    cg_plan_clear(out); /* RULE_ERROR: nothing was decided */
  copy_str(out->label, sizeof(out->label), cg_rules_gen_label(g));
  return rc;
}
