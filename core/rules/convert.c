/*
 * convert: cJSON <-> Lua values, both ways, with a depth limit.
 *
 *   JSON            Lua
 *   object   <->    table with the object marker metatable (cg.object)
 *   array    <->    table with the array marker metatable (cg.array)
 *   null     <->    cg.null (a light userdata sentinel)
 *   number   <->    integer when integral and |v| <= 2^53, else float
 *   string, true/false as themselves
 *
 * Lua tables without a marker: keys exactly 1..n -> array; all keys
 * strings -> object; empty -> array ([]; use cg.object() for {}); anything
 * else (mixed, sparse, non-string keys) raises. Functions, userdata other
 * than cg.null, threads, NaN/inf and integers beyond 2^53 raise. Object
 * members are emitted sorted by key so the same decision always prints the
 * same bytes (Idempotency-Key replays compare bodies).
 *
 * All traversal is raw (lua_next/lua_rawgeti): no metamethod, hence no
 * rule code, runs during a conversion. Every conversion runs inside a
 * protected call; a raise leaves partial cJSON reachable from the caller's
 * slot.
 */
#include "rules/rules_int.h"

#include "base/mem.h"
#include "base/time.h"

#include <lauxlib.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SAFE_INT 9007199254740992.0 /* 2^53 */

/* Raises "<hook file:line>: <message>" so conversion errors point at the
 * hook that produced (or receives) the value. */
static int conv_error(lua_State *L, const char *fmt, ...)
{
  const char *where = cg__gen_of(L)->where;
  va_list ap;
  va_start(ap, fmt);
  const char *msg = lua_pushvfstring(L, fmt, ap);
  va_end(ap);
  if (where[0] != '\0')
    lua_pushfstring(L, "%s: %s", where, msg);
  return lua_error(L);
}

static void push_value(lua_State *L, const cJSON *j, int depth);

/* [..] -> [.., table] */
static void push_container(lua_State *L, const cJSON *j, int depth)
{
  bool arr = cJSON_IsArray(j);
  int n = cJSON_GetArraySize(j);
  lua_createtable(L, arr ? n : 0, arr ? 0 : n);
  lua_rawgetp(L, LUA_REGISTRYINDEX,
              arr ? &cg__key_array_mt : &cg__key_object_mt);
  lua_setmetatable(L, -2);
  lua_Integer i = 1;
  for (const cJSON *c = j->child; c != NULL; c = c->next) {
    if (arr) {
      push_value(L, c, depth + 1);
      lua_rawseti(L, -2, i++);
    } else {
      lua_pushstring(L, c->string ? c->string : "");
      push_value(L, c, depth + 1);
      lua_rawset(L, -3);
    }
  }
}

/* [..] -> [.., value] */
static void push_value(lua_State *L, const cJSON *j, int depth)
{
  if (depth > CG__JSON_MAX_DEPTH)
    conv_error(L, "JSON nested deeper than %d levels", CG__JSON_MAX_DEPTH);
  luaL_checkstack(L, 4, "JSON conversion");
  if (j == NULL) {
    lua_pushnil(L);
  } else if (cJSON_IsNull(j)) {
    lua_pushlightuserdata(L, NULL);
  } else if (cJSON_IsBool(j)) {
    lua_pushboolean(L, cJSON_IsTrue(j));
  } else if (cJSON_IsNumber(j)) {
    double d = j->valuedouble;
    if (d == floor(d) && fabs(d) <= MAX_SAFE_INT)
      lua_pushinteger(L, (lua_Integer)d);
    else
      lua_pushnumber(L, d);
  } else if (cJSON_IsString(j)) {
    lua_pushstring(L, j->valuestring ? j->valuestring : "");
  } else if (cJSON_IsArray(j) || cJSON_IsObject(j)) {
    push_container(L, j, depth);
  } else {
    conv_error(L, "unsupported JSON value");
  }
}

void cg__json_push(lua_State *L, const cJSON *j)
{
  push_value(L, j, 0);
}

/* ---- Lua -> JSON ------------------------------------------------------- */

static void from_lua(lua_State *L, int idx, int depth, cJSON *parent,
                     const char *key, cJSON **root);

/* Attaches item to parent (or makes it the root) before anything can
 * raise, so partial results are always reachable for the caller. */
static cJSON *attach(lua_State *L, cJSON *item, cJSON *parent, const char *key,
                     cJSON **root)
{
  if (item == NULL)
    conv_error(L, "out of memory converting a rule result");
  if (parent == NULL) {
    *root = item;
  } else if (cJSON_IsArray(parent)) {
    cJSON_AddItemToArray(parent, item);
  } else if (!cJSON_AddItemToObject(parent, key, item)) {
    cJSON_Delete(item);
    conv_error(L, "out of memory converting a rule result");
  }
  return item;
}

static cJSON *number_item(lua_State *L, int idx, const char *key)
{
  if (lua_isinteger(L, idx)) {
    lua_Integer v = lua_tointeger(L, idx);
    if ((double)v > MAX_SAFE_INT || (double)v < -MAX_SAFE_INT)
      conv_error(L, "integer at '%s' is too large for JSON", key);
    return cJSON_CreateNumber((double)v);
  }
  double d = lua_tonumber(L, idx);
  if (!isfinite(d))
    conv_error(L, "number at '%s' is not finite", key);
  return cJSON_CreateNumber(d);
}

/* Returns 1 for an array, 0 for an object (by marker, else by keys). */
static int table_kind(lua_State *L, int idx, const char *key)
{
  if (lua_getmetatable(L, idx)) {
    lua_rawgetp(L, LUA_REGISTRYINDEX, &cg__key_array_mt);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &cg__key_object_mt);
    int kind = lua_rawequal(L, -3, -2) ? 1 : lua_rawequal(L, -3, -1) ? 0 : -1;
    lua_pop(L, 3);
    if (kind >= 0)
      return kind;
  }
  lua_Unsigned n = lua_rawlen(L, idx), count = 0;
  bool strings = true, ints = true;
  lua_pushnil(L);
  while (lua_next(L, idx)) { /* [.., k, v] */
    lua_pop(L, 1);
    count++;
    if (lua_type(L, -1) != LUA_TSTRING)
      strings = false;
    if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 ||
        (lua_Unsigned)lua_tointeger(L, -1) > n)
      ints = false;
  }
  if (count == 0 || (ints && count == n))
    return 1;
  if (strings)
    return 0;
  return conv_error(L,
                    "table at '%s' mixes keys or has holes; it is "
                    "neither a JSON array nor an object",
                    key);
}

static int cmp_members(const void *a, const void *b)
{
  const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
  return strcmp(x->string, y->string);
}

/* Sorts obj's members by key (cJSON keeps child->prev as the tail). */
static void sort_members(lua_State *L, cJSON *obj)
{
  int n = cJSON_GetArraySize(obj);
  if (n < 2)
    return;
  cJSON **v = cg_malloc(sizeof(*v) * (size_t)n);
  if (v == NULL)
    conv_error(L, "out of memory converting a rule result");
  int i = 0;
  for (cJSON *c = obj->child; c != NULL; c = c->next)
    v[i++] = c;
  qsort(v, (size_t)n, sizeof(*v), cmp_members);
  for (i = 0; i < n; i++) {
    v[i]->next = i + 1 < n ? v[i + 1] : NULL;
    v[i]->prev = i > 0 ? v[i - 1] : v[n - 1];
  }
  obj->child = v[0];
  cg_free(v);
}

/* [..] -> [..]: converts the table at idx into item. */
static void fill_table(lua_State *L, int idx, int depth, cJSON *item, bool arr)
{
  if (arr) {
    lua_Unsigned n = lua_rawlen(L, idx);
    for (lua_Unsigned i = 1; i <= n; i++) {
      lua_rawgeti(L, idx, (lua_Integer)i);
      from_lua(L, lua_gettop(L), depth + 1, item, "[]", NULL);
      lua_pop(L, 1);
    }
    return;
  }
  lua_pushnil(L);
  while (lua_next(L, idx)) { /* [.., k, v] */
    if (lua_type(L, -2) != LUA_TSTRING)
      conv_error(L, "object keys must be strings (in a table converted "
                    "to JSON)");
    const char *k = lua_tostring(L, -2);
    from_lua(L, lua_gettop(L), depth + 1, item, k, NULL);
    lua_pop(L, 1);
  }
  sort_members(L, item);
}

static cJSON *scalar_item(lua_State *L, int idx, const char *key)
{
  switch (lua_type(L, idx)) {
  case LUA_TNIL:
    return cJSON_CreateNull();
  case LUA_TBOOLEAN:
    return cJSON_CreateBool(lua_toboolean(L, idx));
  case LUA_TNUMBER:
    return number_item(L, idx, key);
  case LUA_TSTRING: {
    size_t len;
    const char *s = lua_tolstring(L, idx, &len);
    if (strlen(s) != len)
      conv_error(L, "string at '%s' contains a NUL byte", key);
    return cJSON_CreateString(s);
  }
  case LUA_TLIGHTUSERDATA:
    if (lua_touserdata(L, idx) == NULL)
      return cJSON_CreateNull();
    break;
  default:
    break;
  }
  conv_error(L, "a %s value at '%s' cannot be converted to JSON",
             luaL_typename(L, idx), key);
  return NULL;
}

/* Charges about the printed size of the value at idx (plus its key) to
 * the conversion budget; raises when it is spent. */
static void charge(lua_State *L, int idx, const char *key)
{
  struct cg_rules_gen *g = cg__gen_of(L);
  size_t n = 8 + strlen(key);
  if (lua_type(L, idx) == LUA_TSTRING)
    n += lua_rawlen(L, idx);
  if (n > g->json_left)
    conv_error(L,
               "result is larger than %d bytes as JSON (shared tables "
               "count once per reference)",
               (int)g->json_budget);
  g->json_left -= n;
}

static void from_lua(lua_State *L, int idx, int depth, cJSON *parent,
                     const char *key, cJSON **root)
{
  if (depth > CG__JSON_MAX_DEPTH)
    conv_error(L, "result nested deeper than %d levels (a cycle?)",
               CG__JSON_MAX_DEPTH);
  luaL_checkstack(L, 6, "JSON conversion");
  charge(L, idx, key);
  if (lua_type(L, idx) != LUA_TTABLE) {
    attach(L, scalar_item(L, idx, key), parent, key, root);
    return;
  }
  int arr = table_kind(L, idx, key);
  cJSON *item = attach(L, arr ? cJSON_CreateArray() : cJSON_CreateObject(),
                       parent, key, root);
  fill_table(L, idx, depth, item, arr);
}

void cg__json_from_lua(lua_State *L, int idx, size_t budget, cJSON **slot)
{
  *slot = NULL;
  cg__gen_of(L)->json_budget = budget;
  cg__gen_of(L)->json_left = budget;
  from_lua(L, lua_absindex(L, idx), 0, NULL, "result", slot);
}

/* ---- cg.* helpers ------------------------------------------------------ */

/* cg.array(t) / cg.object(t): marks t (or a new table) and returns it; a
 * table from JSON can be re-marked, one with another metatable cannot. */
static int mark(lua_State *L, const void *key)
{
  if (lua_isnoneornil(L, 1))
    lua_newtable(L);
  else
    luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  if (lua_getmetatable(L, 1)) { /* only a marker may be replaced */
    lua_rawgetp(L, LUA_REGISTRYINDEX, &cg__key_array_mt);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &cg__key_object_mt);
    if (!lua_rawequal(L, 2, 3) && !lua_rawequal(L, 2, 4))
      return luaL_error(L, "table already has a metatable");
    lua_settop(L, 1);
  }
  lua_rawgetp(L, LUA_REGISTRYINDEX, key);
  lua_setmetatable(L, 1);
  return 1;
}

static int cb_array(lua_State *L)
{
  return mark(L, &cg__key_array_mt);
}

static int cb_object(lua_State *L)
{
  return mark(L, &cg__key_object_mt);
}

/* cg.is_array(v): true for tables that convert to a JSON array. */
static int cb_is_array(lua_State *L)
{
  if (lua_type(L, 1) != LUA_TTABLE) {
    lua_pushboolean(L, 0);
    return 1;
  }
  lua_pushboolean(L, table_kind(L, 1, "value") == 1);
  return 1;
}

/* cg.iso8601_utc(s): any ISO 8601 timestamp with an offset as
 * "YYYY-MM-DDTHH:MM:SSZ" in UTC, or nil when s does not parse. */
static int cb_iso8601_utc(lua_State *L)
{
  const char *s = luaL_checkstring(L, 1);
  int64_t ms;
  if (cg_time_parse_iso8601(s, &ms) != 0) {
    lua_pushnil(L);
    return 1;
  }
  char buf[40];
  lua_pushstring(L, cg_time_format_iso8601_s(ms, buf, sizeof(buf)));
  return 1;
}

/* [..] -> [..]: registry marker metatable under key, named name. */
static void make_marker(lua_State *L, const void *key, const char *name)
{
  lua_createtable(L, 0, 2);
  lua_pushstring(L, name);
  lua_setfield(L, -2, "__name");
  lua_pushstring(L, name);
  lua_setfield(L, -2, "__metatable"); /* getmetatable -> name; locked */
  lua_rawsetp(L, LUA_REGISTRYINDEX, key);
}

void cg__convert_register(lua_State *L, int idx)
{
  idx = lua_absindex(L, idx);
  make_marker(L, &cg__key_array_mt, "cg.array");
  make_marker(L, &cg__key_object_mt, "cg.object");
  lua_pushlightuserdata(L, NULL);
  lua_setfield(L, idx, "null");
  lua_pushcfunction(L, cb_array);
  lua_setfield(L, idx, "array");
  lua_pushcfunction(L, cb_object);
  lua_setfield(L, idx, "object");
  lua_pushcfunction(L, cb_is_array);
  lua_setfield(L, idx, "is_array");
  lua_pushcfunction(L, cb_iso8601_utc);
  lua_setfield(L, idx, "iso8601_utc");
}
