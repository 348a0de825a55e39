/*
 * hooks: see hooks.h. The catalogue below is the engine's side of the
 * hook API in docs/rule-packs.md: a hook listed here must be a function
 * in every pack (its own or the default's), and its result goes through
 * the check beside it before any flow sees it. A check may normalise the
 * result in place (address problems become {field, code, message}; the
 * warehouse payload is put into the contract's field order). Where a
 * result is warehouse data, the limits are the contract's
 * (gxo/gxo_contract.h).
 */
#include "flows/hooks.h"

#include "base/err.h"
#include "base/json.h"
#include "flows/changes.h"
#include "flows/dispatch.h"
#include "flows/items.h"
#include "flows/monitor.h"
#include "flows/plan.h"
#include "flows/returns.h"
#include "flows/stock.h"
#include "gxo/gxo_contract.h"
#include "rules/rules.h"

#include <stdio.h>
#include <string.h>

#define MESSAGE_MAX 4096 /* a hold's message, before the plan cuts it */
#define DISPLAY_MAX 64   /* carriers.display names, shown to customers */

static int bad(char *why, size_t size, const char *msg)
{
  snprintf(why, size, "%s", msg);
  return -1;
}

static int check_accept(cJSON **out, char *why, size_t size)
{
  const char *a = cg_json_str(*out, "action");
  if (!cJSON_IsObject(*out) || a == NULL)
    return bad(why, size,
               "expected {action=\"accept\"} or {action=\"hold\", "
               "reason=..., message=...}");
  if (strcmp(a, "accept") == 0)
    return 0;
  if (strcmp(a, "hold") != 0) {
    snprintf(why, size, "action must be \"accept\" or \"hold\", not \"%s\"", a);
    return -1;
  }
  if (cg_gxo_contract_str(*out, "reason", CG_PLAN_REASON_MAX - 1, false, why,
                          size))
    return -1;
  return cg_gxo_contract_str(*out, "message", MESSAGE_MAX, true, why, size);
}

static int check_carrier(cJSON **out, char *why, size_t size)
{
  if (cJSON_IsNull(*out))
    return 0;
  if (!cJSON_IsObject(*out))
    return bad(why, size, "expected {carrierCode=..., serviceCode=...} or nil");
  return cg_gxo_contract_shipping(*out, why, size);
}

/* One problem as {field, code, message}; a bare string is the message. */
static int normalise_problem(cJSON *arr, int i, char *why, size_t size)
{
  cJSON *p = cJSON_GetArrayItem(arr, i);
  if (cJSON_IsString(p)) {
    cJSON *o = cJSON_CreateObject();
    if (o == NULL || !cg_json_add_str(o, "field", NULL) ||
        !cg_json_add_str(o, "code", "INVALID") ||
        !cg_json_add_str(o, "message", p->valuestring)) {
      cJSON_Delete(o);
      return bad(why, size, "out of memory");
    }
    cJSON_ReplaceItemInArray(arr, i, o);
    return 0;
  }
  if (!cJSON_IsObject(p) || cg_json_str(p, "message") == NULL) {
    snprintf(why, size, "problem %d must be a string or a table with a message",
             i + 1);
    return -1;
  }
  return 0;
}

static int check_address(cJSON **out, char *why, size_t size)
{
  if (cJSON_IsNull(*out) || cJSON_IsTrue(*out)) {
    cJSON *empty = cJSON_CreateArray();
    if (empty == NULL)
      return bad(why, size, "out of memory");
    cJSON_Delete(*out);
    *out = empty;
    return 0;
  }
  if (!cJSON_IsArray(*out))
    return bad(why, size, "expected nil, true or a list of problems");
  for (int i = 0; i < cJSON_GetArraySize(*out); i++)
    if (normalise_problem(*out, i, why, size) != 0)
      return -1;
  return 0;
}

static int check_payload(cJSON **out, char *why, size_t size)
{
  if (!cJSON_IsObject(*out))
    return bad(why, size, "expected the warehouse order table");
  return cg_gxo_contract_order(*out, why, size);
}

static int check_display(cJSON **out, char *why, size_t size)
{
  if (cJSON_IsNull(*out))
    return 0;
  if (!cJSON_IsObject(*out))
    return bad(why, size, "expected {carrier=..., service=...} or nil");
  if (cg_gxo_contract_str(*out, "carrier", DISPLAY_MAX, false, why, size))
    return -1;
  return cg_gxo_contract_str(*out, "service", DISPLAY_MAX, true, why, size);
}

/* The stock policy table: validated as the engine will read it
 * (stock_policy.c), so a bad table is the hook's RULE_ERROR. */
static int check_stock_policy(cJSON **out, char *why, size_t size)
{
  return cg_stock_policy_check(*out, why, size) == 0 ? 0 : -1;
}

static int check_item_include(cJSON **out, char *why, size_t size)
{
  return cJSON_IsBool(*out) ? 0 : bad(why, size, "expected true or false");
}

/* The warehouse item's members (warehouse-api-v1.md "Item") and types;
 * a member the contract does not name is a pack error, not something
 * for the warehouse to refuse. The limits are the engine's check
 * (items_build.c): an item over one is rejected, not a rule error. */
static const struct {
  const char *key;
  cJSON_bool (*is_type)(const cJSON *);
} item_members[] = {
    {"sku", cJSON_IsString},
    {"gtin", cJSON_IsString},
    {"description", cJSON_IsString},
    {"attributes", cJSON_IsObject},
    {"uom", cJSON_IsString},
    {"weightKg", cJSON_IsNumber},
    {"dimensionsCm", cJSON_IsObject},
    {"hsCode", cJSON_IsString},
    {"countryOfOrigin", cJSON_IsString},
    {"status", cJSON_IsString},
    {"sourceUpdatedAt", cJSON_IsString},
};

static int item_member_index(const char *key)
{
  for (size_t i = 0; i < sizeof(item_members) / sizeof(item_members[0]); i++)
    if (strcmp(item_members[i].key, key) == 0)
      return (int)i;
  return -1;
}

static int check_item_payload(cJSON **out, char *why, size_t size)
{
  if (!cJSON_IsObject(*out) || cg_json_str(*out, "sku") == NULL)
    return bad(why, size, "expected the warehouse item table with a sku");
  const cJSON *m;
  cJSON_ArrayForEach(m, *out)
  {
    int i = item_member_index(m->string);
    if (i < 0) {
      snprintf(why, size, "%s is not a field of the warehouse item", m->string);
      return -1;
    }
    if (!cJSON_IsNull(m) && !item_members[i].is_type(m)) {
      snprintf(why, size, "item field %s has the wrong type", m->string);
      return -1;
    }
  }
  return 0;
}

/* Grouped by module, in the sequence packs load them. */
static const struct cg_rules_hook catalogue[] = {
    {"carriers.map", check_carrier,
     "{carrierCode=..., serviceCode=..., servicePointId=...} or nil"},
    {"carriers.display", check_display, "{carrier=..., service=...} or nil"},
    {"orders.accept", check_accept,
     "{action=\"accept\"} or {action=\"hold\", reason=..., message=...}"},
    {"orders.check_address", check_address, "nil, true or a list of problems"},
    {"orders.payload", check_payload, "the warehouse order table"},
    {"orders.on_change", cg_changes_check_action,
     "{action=\"cancel\"|\"resend\"|\"ask\", message=...}"},
    {"dispatch.shipment", cg_dispatch_check_shipment,
     "{carrier=..., service=..., notify=true|false, capture=true|false}"},
    {"dispatch.remainder", cg_dispatch_check_remainder,
     "{action=\"cancel\", stockActionPolicy=..., comment=...} or "
     "{action=\"hold\"}"},
    {CG_STOCK_POLICY_HOOK, check_stock_policy,
     "{sellable={...}, buffer=n, buffers={...}, caps={...}, exclude={...}, "
     "returns=\"warehouse\"|\"centra\", drift_threshold=n} or nil"},
    {"items.include", check_item_include,
     "true or false: whether a product size goes to the warehouse"},
    {"items.payload", check_item_payload,
     "the warehouse item {sku=..., gtin=..., description=..., ...}"},
    {CG_RETURNS_HOOK_ADVICE, cg_returns_check_advice,
     "the warehouse return advice {rmaRef=..., originalOrderRef=..., "
     "reasonCode=..., reasonText=..., lines={...}}"},
    {CG_RETURNS_HOOK_DECIDE, cg_returns_check_decide,
     "{action=\"settle\"|\"hold\", refund=\"full\"|\"none\"|\"manual\", "
     "accept_mismatch=..., message=..., notify=..., lines={...}}"},
    {"returns.disposition", NULL,
     "per received line, asked by the default returns.decide: "
     "{action=\"refund\"|\"none\"|\"hold\", restock=..., note=...} "
     "(API 1: \"restock\"|\"refund\"|\"quarantine\")"},
    {"alerts.route", NULL, "owner, severity, channel"},
    {CG_MONITOR_HOOK, cg_monitor_check_deadline,
     "{deadline=ms, warnAt=ms|nil, due=text} or nil"},
    {NULL, NULL, NULL},
};

/* The plan "orders" in the rule host's call child: plan.h's chain, its
 * result in the wire form of plan_json.c. */
static int run_order_plan(struct cg_rules_gen *g, const cJSON *order,
                          cJSON **out, struct cg_err *err)
{
  struct cg_plan plan = {0};
  int rc = cg_plan_order(g, order, &plan, err);
  *out = rc == 0 ? cg_plan_json_take(&plan) : NULL;
  cg_plan_clear(&plan);
  if (rc == 0 && *out == NULL)
    rc = cg_err_set(err, CG_ENOMEM, "no memory for a plan");
  return rc;
}

static const struct cg_rules_plan_spec order_plan = {
    .name = CG_PLAN_ORDERS,
    .hooks = CG_PLAN_HOOKS,
    .run = run_order_plan,
    .about = "order plan",
};

int cg_hooks_register(void)
{
  int rc = cg_rules_register_hooks(catalogue);
  rc = rc ? rc : cg_rules_register_plan(&order_plan);
  return rc ? rc : cg_items_register_plan();
}
