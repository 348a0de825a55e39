/*
 * sandbox: the lua_State of one rule generation and every entry into it.
 *
 *   lua_newstate(cb_alloc, gen)     byte ceiling (gen->mem_limit)
 *   libs via luaL_requiref          base, string, table, math, utf8 only
 *   _ENV (registry cg__key_env)     allowlist; unknown reads/writes raise
 *   cg__pcall                       C message handler + budget hook
 *
 * The real global table of the state is never reachable from rule code:
 * every chunk gets the pack _ENV as its first upvalue. Library tables are
 * exposed as read-only proxies so one hook cannot rewrite another's
 * string or math functions.
 *
 * xpcall is replaced so its message handler never runs with hooks off
 * (see cb_xpcall). The budget hook is a count hook every CG__HOOK_STEP
 * instructions. Once the instruction or time budget is spent it re-arms as a
 * line+count hook with a count of 1 and raises on every instruction, so a
 * `pcall` in the rule cannot swallow the error (as Redis luaMaskCountHook).
 */
#include "rules/rules_int.h"

#include "base/err.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"

#include <lauxlib.h>
#include <lualib.h>
#include <string.h>

const char cg__key_modules;
const char cg__key_loaded;
const char cg__key_env;
const char cg__key_array_mt;
const char cg__key_object_mt;

/* Base functions rule code may use; load, loadfile, dofile, print,
 * collectgarbage, rawset and require (replaced) are left out. */
static const char *const base_allow[] = {
    "assert",   "error",    "getmetatable", "ipairs", "next",   "pairs",
    "pcall",    "rawequal", "rawget",       "rawlen", "select", "tonumber",
    "tostring", "type",     "_VERSION",     NULL,
};

static void *cb_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
  struct cg_rules_gen *g = ud;
  if (ptr == NULL)
    osize = 0; /* osize then encodes the object type, not a size */
  if (nsize == 0) {
    cg_free(ptr);
    g->mem_used -= osize;
    return NULL;
  }
  if (nsize > osize && g->mem_used + (nsize - osize) > g->mem_limit)
    return NULL;
  void *p = cg_realloc(ptr, nsize);
  if (p == NULL)
    return nsize <= osize ? ptr : NULL; /* a shrink never fails */
  g->mem_used = g->mem_used - osize + nsize;
  return p;
}

static int cb_panic(lua_State *L)
{
  /* Unreachable by design: every entry is protected. */
  cg_log_error("rules", "lua panic: %s", lua_tostring(L, -1));
  return 0;
}

struct cg_rules_gen *cg__gen_of(lua_State *L)
{
  struct cg_rules_gen *g;
  memcpy(&g, lua_getextraspace(L), sizeof(g));
  return g;
}

static void cb_budget(lua_State *L, lua_Debug *ar)
{
  struct cg_rules_gen *g = cg__gen_of(L);
  if (!g->killed) {
    g->instr_used += CG__HOOK_STEP;
    bool over_instr = g->instr_used > g->instr_limit;
    if (!over_instr && cg_time_mono_ms() < g->deadline_ms)
      return;
    g->killed = true;
    snprintf(g->kill_reason, sizeof(g->kill_reason), "%s budget exceeded",
             over_instr ? "instruction" : "time");
    lua_sethook(L, cb_budget, LUA_MASKCOUNT | LUA_MASKLINE, 1);
  }
  if (lua_getinfo(L, "Sl", ar) && ar->currentline > 0)
    lua_pushfstring(L, "%s:%d: %s", ar->short_src, ar->currentline,
                    g->kill_reason);
  else
    lua_pushstring(L, g->kill_reason);
  lua_error(L);
}

/* Message handler: turns any error value into "msg\ntraceback" without
 * calling metamethods (no rule code runs while reporting an error).
 * [err] -> [err, text] */
static int cb_msgh(lua_State *L)
{
  const char *msg = NULL;
  if (lua_type(L, 1) == LUA_TSTRING || lua_type(L, 1) == LUA_TNUMBER)
    msg = lua_tostring(L, 1);
  if (msg == NULL)
    msg =
        lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  luaL_traceback(L, L, msg, 1);
  return 1;
}

static void arm_budget(struct cg_rules_gen *g, uint64_t instructions,
                       int64_t timeout_ms)
{
  g->instr_used = 0;
  g->instr_limit = instructions;
  g->deadline_ms = cg_time_mono_ms() + timeout_ms;
  g->killed = false;
  g->kill_reason[0] = '\0';
  g->where[0] = '\0';
  lua_sethook(g->L, cb_budget, LUA_MASKCOUNT, CG__HOOK_STEP);
}

static int report(struct cg_rules_gen *g, int rc, struct cg_err *err)
{
  lua_State *L = g->L;
  if (rc == LUA_ERRMEM)
    return cg_err_set(err, CG_ERULE, "%s: memory limit exceeded (%zu bytes)",
                      g->where[0] ? g->where : g->merchant, g->mem_limit);
  const char *msg = lua_tostring(L, -1);
  return cg_err_set(err, CG_ERULE, "%s", msg ? msg : "unknown rule error");
}

int cg__pcall(struct cg_rules_gen *g, lua_CFunction fn, void *arg,
              uint64_t instructions, int64_t timeout_ms, struct cg_err *err)
{
  lua_State *L = g->L;
  int top = lua_gettop(L);
  /* [..] -> [.., msgh, fn, arg] -> [.., msgh, err?] */
  lua_pushcfunction(L, cb_msgh);
  lua_pushcfunction(L, fn);
  lua_pushlightuserdata(L, arg);
  arm_budget(g, instructions, timeout_ms);
  int rc = lua_pcall(L, 1, 0, top + 1);
  lua_sethook(L, NULL, 0, 0);
  int ret = rc == LUA_OK ? 0 : report(g, rc, err);
  lua_settop(L, top);
  if (rc != LUA_OK)
    lua_gc(L, LUA_GCCOLLECT); /* give the next call its headroom back */
  return ret;
}

void cg__load_chunk(lua_State *L, const char *data, size_t len,
                    const char *chunkname)
{
  if (luaL_loadbufferx(L, data, len, chunkname, "t") != LUA_OK)
    lua_error(L);
  /* [fn] -> [fn, env] -> [fn] */
  lua_rawgetp(L, LUA_REGISTRYINDEX, &cg__key_env);
  if (lua_setupvalue(L, -2, 1) == NULL)
    lua_pop(L, 1); /* a chunk that never names a global has no _ENV */
}

static int cb_readonly_write(lua_State *L)
{
  return luaL_error(L, "attempt to modify a read-only table (key '%s')",
                    lua_tostring(L, 2) ? lua_tostring(L, 2) : "?");
}

void cg__push_readonly(lua_State *L, int idx)
{
  idx = lua_absindex(L, idx);
  /* [..] -> [.., proxy] */
  lua_newtable(L);
  lua_createtable(L, 0, 3);
  lua_pushvalue(L, idx);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, cb_readonly_write);
  lua_setfield(L, -2, "__newindex");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
}

static int cb_env_index(lua_State *L)
{
  return luaL_error(L, "unknown global '%s'",
                    lua_tostring(L, 2) ? lua_tostring(L, 2) : "?");
}

static int cb_env_newindex(lua_State *L)
{
  return luaL_error(L,
                    "assignment to global '%s' is not allowed (use "
                    "local)",
                    lua_tostring(L, 2) ? lua_tostring(L, 2) : "?");
}

/* setmetatable(t, mt) refusing __gc: finalizers run with hooks off. */
static int cb_setmetatable(lua_State *L)
{
  if (lua_type(L, 2) == LUA_TTABLE) {
    lua_pushliteral(L, "__gc");
    if (lua_rawget(L, 2) != LUA_TNIL)
      return luaL_error(L, "__gc metamethods are not allowed in rules");
    lua_pop(L, 1);
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  return 1;
}

/* xpcall(f, msgh, ...) whose handler runs after the protected call has
 * unwound instead of at the error point. Lua calls a message handler for
 * an error raised from a hook while hooks are still disabled, so a
 * handler `function() while true do end end` would escape the budget;
 * here it runs as ordinary rule code. The handler cannot see the stack of
 * the error (debug is not available to rules anyway).
 * [f, msgh, args...] -> [true, results...] | [false, msgh(err)] */
static int cb_xpcall(lua_State *L)
{
  int n = lua_gettop(L);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  luaL_checkstack(L, n + 2, "xpcall");
  lua_pushvalue(L, 1);
  for (int i = 3; i <= n; i++)
    lua_pushvalue(L, i);
  if (lua_pcall(L, n - 2, LUA_MULTRET, 0) == LUA_OK) {
    lua_pushboolean(L, 1);
    lua_insert(L, n + 1);
    return lua_gettop(L) - n;
  }
  lua_pushvalue(L, 2); /* [.., err, msgh] */
  lua_insert(L, -2);
  lua_pcall(L, 1, 1, 0); /* [.., handled or the handler's error] */
  lua_pushboolean(L, 0);
  lua_insert(L, -2);
  return 2;
}

/* Opens lib with luaL_requiref and leaves a copy of its table in env under
 * field (read-only proxy). [env] -> [env] */
static void add_lib(lua_State *L, const char *modname, lua_CFunction open,
                    const char *field)
{
  luaL_requiref(L, modname, open, 0); /* [env, lib] */
  lua_newtable(L);                    /* [env, lib, copy] */
  lua_pushnil(L);
  while (lua_next(L, -3)) {
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, -4);
  }
  lua_remove(L, -2); /* [env, copy] */
  if (strcmp(field, "string") == 0)
    cg__strlib_wrap(L, -1);
  if (strcmp(field, "table") == 0)
    cg__tablib_wrap(L, -1);
  if (strcmp(field, "math") == 0) {
    /* Rules are pure: no hidden random state. */
    lua_pushnil(L);
    lua_setfield(L, -2, "random");
    lua_pushnil(L);
    lua_setfield(L, -2, "randomseed");
  }
  cg__push_readonly(L, -1); /* [env, copy, proxy] */
  if (strcmp(field, "string") == 0) {
    /* ("x"):rep(n) must reach the capped functions too. */
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1); /* [env, copy, proxy, "", smt] */
    lua_pushvalue(L, -3);
    lua_setfield(L, -2, "__index");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 2);
  }
  lua_setfield(L, -3, field);
  lua_pop(L, 1);
}

/* [env] -> [env] */
static void add_base(lua_State *L)
{
  luaL_requiref(L, "_G", luaopen_base, 0); /* [env, G] */
  for (int i = 0; base_allow[i] != NULL; i++) {
    lua_getfield(L, -1, base_allow[i]);
    lua_setfield(L, -3, base_allow[i]);
  }
  lua_getfield(L, -1, "setmetatable");
  lua_pushcclosure(L, cb_setmetatable, 1);
  lua_setfield(L, -3, "setmetatable");
  lua_pop(L, 1);
  lua_pushcfunction(L, cb_xpcall);
  lua_setfield(L, -2, "xpcall");
  lua_pushcfunction(L, cg__require);
  lua_setfield(L, -2, "require");
}

/* Protected: builds the env and registry tables. */
static int protected_open(lua_State *L)
{
  lua_newtable(L); /* [arg, env] */
  add_base(L);
  add_lib(L, LUA_STRLIBNAME, luaopen_string, "string");
  add_lib(L, LUA_TABLIBNAME, luaopen_table, "table");
  add_lib(L, LUA_MATHLIBNAME, luaopen_math, "math");
  add_lib(L, LUA_UTF8LIBNAME, luaopen_utf8, "utf8");
  lua_newtable(L); /* [arg, env, cg] */
  cg__convert_register(L, -1);
  cg__push_readonly(L, -1);
  lua_setfield(L, -3, "cg");
  lua_pop(L, 1);
  lua_newtable(L); /* [arg, env, modules] */
  lua_pushvalue(L, -1);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &cg__key_modules);
  cg__push_readonly(L, -1); /* rules.<m> = ... raises */
  lua_setfield(L, -3, "rules");
  lua_pop(L, 1);
  lua_newtable(L);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &cg__key_loaded);
  lua_createtable(L, 0, 3); /* [arg, env, mt] */
  lua_pushcfunction(L, cb_env_index);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, cb_env_newindex);
  lua_setfield(L, -2, "__newindex");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &cg__key_env);
  return 0;
}

int cg__sandbox_open(struct cg_rules_gen *g, struct cg_err *err)
{
  g->mem_used = 0;
  g->L = lua_newstate(cb_alloc, g);
  if (g->L == NULL)
    return cg_err_set(err, CG_ENOMEM, "%s: cannot create a Lua state",
                      g->merchant);
  memcpy(lua_getextraspace(g->L), &g, sizeof(g));
  lua_atpanic(g->L, cb_panic);
  return cg__pcall(g, protected_open, NULL, g->load_instructions,
                   g->load_timeout_ms, err);
}

void cg__sandbox_close(struct cg_rules_gen *g)
{
  if (g->L != NULL) {
    lua_close(g->L);
    g->L = NULL;
  }
}
