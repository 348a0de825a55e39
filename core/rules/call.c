/*
 * call: hook calls from C. One protected C function does all stack work:
 *
 *   [call] -> [call, modules, module, fn, args...] -> [.., result]
 *          -> cJSON (inside the protected call, raw traversal)
 *
 * then, outside Lua, the check the caller registered for the hook
 * (registry.c) runs on the cJSON. A failing shape is reported like a
 * runtime error, at the line where the hook function is defined.
 */
#include "rules/rules_int.h"

#include "base/err.h"

#include <assert.h>
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

#define MAX_ARGS 8

struct call {
  char module[CG__MODULE_MAX];
  char name[CG__HOOK_NAME_MAX];
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
  const struct cg__hook *h = cg__hook_find(hook);
  if (h == NULL || h->spec->check == NULL)
    return 0;
  char why[256] = "";
  if (h->spec->check(&c->out, why, sizeof(why)) == 0)
    return 0;
  if (why[0] == '\0')
    snprintf(why, sizeof(why), "expected %s",
             h->spec->about ? h->spec->about : "another shape");
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
  if (g->on_hook != NULL)
    g->on_hook(g->on_hook_ctx);
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
