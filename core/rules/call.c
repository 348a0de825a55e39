/*
 * call: hook calls from C. One protected C function does all stack work:
 *
 *   [call] -> [call, modules, module, fn, args...] -> [.., result]
 *          -> cJSON (inside the protected call, raw traversal)
 *
 * then, outside Lua, the hook's shape check (shape.c) runs on the cJSON.
 * A failing shape is reported like a runtime error, at the line where the
 * hook function is defined.
 */
#include "rules/rules_int.h"

#include "base/err.h"
#include "base/json.h"

#include <assert.h>
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

#define MAX_ARGS 8

struct call {
  char module[32];
  char name[64];
  const cJSON *const *args;
  int nargs;
  bool not_found;
  cJSON *out;
};

/* [call] -> [call, ...] (result converted into c->out) */
static int protected_call(lua_State *L)
{
  struct call *c = lua_touserdata(L, 1);
  luaL_checkstack(L, c->nargs + 8, "hook call");
  lua_rawgetp(L, LUA_REGISTRYINDEX, &cg__key_modules);
  lua_pushstring(L, c->module); /* raw: rule code cannot intercept */
  if (lua_rawget(L, -2) != LUA_TTABLE) {
    c->not_found = true;
    return 0;
  }
  lua_pushstring(L, c->name);
  if (lua_rawget(L, -2) != LUA_TFUNCTION) {
    c->not_found = true;
    return 0;
  }
  lua_Debug ar; /* [.., fn] */
  struct cg_rules_gen *g = cg__gen_of(L);
  lua_pushvalue(L, -1);
  if (lua_getinfo(L, ">S", &ar))
    snprintf(g->where, sizeof(g->where), "%s:%d", ar.short_src, ar.linedefined);
  for (int i = 0; i < c->nargs; i++)
    cg__json_push(L, c->args[i]);
  lua_call(L, c->nargs, 1); /* [.., result] */
  cg__json_from_lua(L, -1, CG__RESULT_MAX, &c->out);
  return 0;
}

static int split_hook(const char *hook, struct call *c)
{
  const char *dot = strchr(hook, '.');
  if (dot == NULL || dot == hook || (size_t)(dot - hook) >= sizeof(c->module) ||
      strlen(dot + 1) >= sizeof(c->name) || dot[1] == '\0')
    return CG_EINVAL;
  memcpy(c->module, hook, (size_t)(dot - hook));
  c->module[dot - hook] = '\0';
  strcpy(c->name, dot + 1);
  return 0;
}

static int check_shape(struct cg_rules_gen *g, const char *hook, struct call *c,
                       struct cg_err *err)
{
  const struct cg__hook_spec *spec = cg__hook_find(hook);
  if (spec == NULL || spec->check == NULL)
    return 0;
  char why[256] = "";
  if (spec->check(&c->out, why, sizeof(why)) == 0)
    return 0;
  return cg_err_set(err, CG_ERULE, "%s: %s returned a bad shape: %s", g->where,
                    hook, why);
}

int cg_rules_callv(struct cg_rules_gen *g, const char *hook,
                   const cJSON *const *args, int nargs, cJSON **out,
                   struct cg_err *err)
{
  *out = NULL;
  struct call c = {.args = args, .nargs = nargs};
  if (g == NULL || g->L == NULL || nargs < 0 || nargs > MAX_ARGS ||
      split_hook(hook, &c) != 0)
    return cg_err_set(err, CG_EINVAL, "bad hook call '%s'", hook);
  assert(!g->busy);
  g->busy = true;
  int rc = cg__pcall(g, protected_call, &c, g->call_instructions,
                     g->call_timeout_ms, err);
  g->busy = false;
  if (rc == 0 && c.not_found)
    rc = cg_err_set(err, CG_ENOTFOUND, "%s has no hook %s", g->label, hook);
  if (rc == 0)
    rc = check_shape(g, hook, &c, err);
  if (rc != 0) {
    cJSON_Delete(c.out);
    return rc;
  }
  *out = c.out;
  return 0;
}

int cg_rules_call(struct cg_rules_gen *g, const char *hook, const cJSON *input,
                  cJSON **out, struct cg_err *err)
{
  const cJSON *args[1] = {input};
  return cg_rules_callv(g, hook, args, 1, out, err);
}

/* ---- typed wrappers ---------------------------------------------------- */

static void copy_str(char *dst, size_t size, const char *src)
{
  snprintf(dst, size, "%s", src ? src : "");
}

int cg_rules_order_accept(struct cg_rules_gen *g, const cJSON *order,
                          struct cg_rules_accept *out, struct cg_err *err)
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

int cg_rules_carrier_map(struct cg_rules_gen *g, const cJSON *option,
                         const cJSON *order, struct cg_rules_carrier *out,
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

int cg_rules_address_check(struct cg_rules_gen *g, const cJSON *order,
                           cJSON **problems, struct cg_err *err)
{
  return cg_rules_call(g, "orders.check_address", order, problems, err);
}

/* {carrierCode, serviceCode, servicePointId} as the hook sees it. */
static cJSON *carrier_json(const struct cg_rules_carrier *c)
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

int cg_rules_order_payload(struct cg_rules_gen *g, const cJSON *order,
                           const struct cg_rules_carrier *carrier,
                           cJSON **payload, struct cg_err *err)
{
  *payload = NULL;
  cJSON *cj = carrier_json(carrier);
  if (cj == NULL)
    return cg_err_set(err, CG_ENOMEM, "building the carrier argument");
  const cJSON *args[2] = {order, cj};
  int rc = cg_rules_callv(g, "orders.payload", args, 2, payload, err);
  cJSON_Delete(cj);
  return rc;
}

/* ---- the order plan ---------------------------------------------------- */

const char *cg_rules_outcome_name(enum cg_rules_outcome o)
{
  switch (o) {
  case CG_RULES_HOLD:
    return "HOLD";
  case CG_RULES_UNMAPPED_CARRIER:
    return "UNMAPPED_CARRIER";
  case CG_RULES_INVALID_ADDRESS:
    return "INVALID_ADDRESS";
  default:
    return "";
  }
}

void cg_rules_plan_clear(struct cg_rules_plan *p)
{
  cJSON_Delete(p->problems);
  cJSON_Delete(p->payload);
  memset(p, 0, sizeof(*p));
}

static void unmapped_message(struct cg_rules_plan *p, const cJSON *option)
{
  const char *uri = cg_json_str(option, "uri");
  const char *name = cg_json_str(option, "name");
  snprintf(p->message, sizeof(p->message),
           "no carrier mapping for shipping option '%s' (%s)", uri ? uri : "?",
           name ? name : "no name");
}

static void problems_message(struct cg_rules_plan *p)
{
  int n = cJSON_GetArraySize(p->problems);
  const char *first =
      cg_json_str(cJSON_GetArrayItem(p->problems, 0), "message");
  snprintf(p->message, sizeof(p->message), "%s%s", first ? first : "?",
           n > 1 ? " (and more)" : "");
}

static int plan_steps(struct cg_rules_gen *g, const cJSON *order,
                      struct cg_rules_plan *p, struct cg_err *err)
{
  struct cg_rules_accept acc;
  int rc = cg_rules_order_accept(g, order, &acc, err);
  if (rc != 0 || !acc.accept) {
    p->outcome = CG_RULES_HOLD;
    copy_str(p->reason, sizeof(p->reason), acc.reason);
    copy_str(p->message, sizeof(p->message), acc.message);
    return rc;
  }
  const cJSON *option = cg_json_get(order, "shippingPriceGroup.shippingOption");
  rc = cg_rules_carrier_map(g, option, order, &p->carrier, err);
  if (rc != 0 || !p->carrier.mapped) {
    p->outcome = CG_RULES_UNMAPPED_CARRIER;
    copy_str(p->reason, sizeof(p->reason), "UNMAPPED_CARRIER");
    unmapped_message(p, option);
    return rc;
  }
  rc = cg_rules_address_check(g, order, &p->problems, err);
  if (rc != 0 || cJSON_GetArraySize(p->problems) > 0) {
    p->outcome = CG_RULES_INVALID_ADDRESS;
    copy_str(p->reason, sizeof(p->reason), "INVALID_ADDRESS");
    if (rc == 0)
      problems_message(p);
    return rc;
  }
  cJSON_Delete(p->problems);
  p->problems = NULL;
  p->outcome = CG_RULES_SEND;
  return cg_rules_order_payload(g, order, &p->carrier, &p->payload, err);
}

int cg_rules_order_plan(struct cg_rules_gen *g, const cJSON *order,
                        struct cg_rules_plan *out, struct cg_err *err)
{
  memset(out, 0, sizeof(*out));
  int rc = plan_steps(g, order, out, err);
  if (rc != 0)
    cg_rules_plan_clear(out); /* RULE_ERROR: nothing was decided */
  copy_str(out->label, sizeof(out->label), g->label);
  return rc;
}
