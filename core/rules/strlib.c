/*
 * strlib: caps on the string functions the budget hook cannot interrupt.
 *
 * The count hook only fires between VM instructions, so one call into a C
 * string function runs to completion however long it takes. Two are
 * dangerous with small inputs:
 *
 *   string.rep        result size grows with n: capped at
 *                     CG__STRING_RESULT_MAX bytes
 *   find/match/       Lua patterns backtrack: a pattern with k unbounded
 *   gmatch/gsub       repetitions (*, +, -) over an n-byte subject costs
 *                     up to n^k steps (times n when unanchored, times 2
 *                     per '?'). The estimate must stay under
 *                     CG__PATTERN_COST_MAX or the call raises.
 *
 *   table.move        moves e-f+1 elements in one C loop, even nils (no
 *                     memory grows, so the ceiling does not stop it):
 *                     capped at CG__STRING_RESULT_MAX elements
 *
 * The estimate is pessimistic by design; rule inputs are business
 * documents, whose strings are short, so real rules stay far below it. dump,
 * pack, unpack and packsize are removed (bytecode and binary layouts have no
 * place in rules).
 */
#include "rules/rules_int.h"

#include <lauxlib.h>
#include <math.h>
#include <string.h>

/* Index of the character after one single-char class starting at p[i]. */
static size_t class_end(const char *p, size_t len, size_t i)
{
  if (p[i] == '%')
    return i + 2 <= len ? i + 2 : len;
  if (p[i] != '[')
    return i + 1;
  i++;
  if (i < len && p[i] == '^')
    i++;
  do { /* a ']' right after '[' or '[^' is literal */
    if (i >= len)
      return len;
    if (p[i] == '%')
      i++;
    i++;
  } while (i < len && p[i] != ']');
  return i < len ? i + 1 : len;
}

static double pattern_cost(const char *p, size_t plen, size_t slen)
{
  bool anchored = plen > 0 && p[0] == '^';
  int k = 0, q = 0;
  size_t i = anchored ? 1 : 0;
  while (i < plen) {
    if (p[i] == '%' && i + 1 < plen && (p[i + 1] == 'b' || p[i + 1] == 'f')) {
      i += p[i + 1] == 'b' ? 4 : 2; /* %bxy; %f is followed by a set */
      continue;
    }
    if (p[i] == '(' || p[i] == ')' || p[i] == '$') {
      i++;
      continue;
    }
    i = class_end(p, plen, i);
    if (i < plen && (p[i] == '*' || p[i] == '+' || p[i] == '-')) {
      k++;
      i++;
    } else if (i < plen && p[i] == '?') {
      q++;
      i++;
    }
  }
  double n = (double)slen + 1.0;
  return pow(n, k + (anchored ? 0 : 1)) * pow(2.0, q) * ((double)plen + 1);
}

static void check_pattern(lua_State *L, int sidx, int pidx)
{
  size_t slen, plen;
  luaL_checklstring(L, sidx, &slen);
  const char *p = luaL_checklstring(L, pidx, &plen);
  if (strpbrk(p, "^$*+?.([%-") == NULL)
    return; /* plain text: a linear search */
  if (pattern_cost(p, plen, slen) > CG__PATTERN_COST_MAX)
    luaL_error(L,
               "pattern too complex for a %d-byte subject "
               "(rule limit on backtracking)",
               (int)slen);
}

/* Calls upvalue 1 with the original arguments. [args] -> [results] */
static int forward(lua_State *L)
{
  int n = lua_gettop(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, n, LUA_MULTRET);
  return lua_gettop(L);
}

static int cb_find(lua_State *L)
{
  if (!lua_toboolean(L, 4))
    check_pattern(L, 1, 2);
  return forward(L);
}

static int cb_pattern(lua_State *L)
{
  check_pattern(L, 1, 2);
  return forward(L);
}

static int cb_rep(lua_State *L)
{
  size_t len, seplen = 0;
  luaL_checklstring(L, 1, &len);
  lua_Integer n = luaL_checkinteger(L, 2);
  luaL_optlstring(L, 3, "", &seplen);
  double total =
      n <= 0 ? 0 : (double)n * (double)len + (double)(n - 1) * (double)seplen;
  if (total > (double)CG__STRING_RESULT_MAX)
    return luaL_error(L,
                      "string.rep result of %f bytes exceeds the rule "
                      "limit of %d",
                      total, (int)CG__STRING_RESULT_MAX);
  return forward(L);
}

/* [.., lib] -> [.., lib]: lib.name = closure(fn, lib.name) */
static void wrap(lua_State *L, int idx, const char *name, lua_CFunction fn)
{
  lua_getfield(L, idx, name);
  lua_pushcclosure(L, fn, 1);
  lua_setfield(L, idx, name);
}

void cg__strlib_wrap(lua_State *L, int idx)
{
  idx = lua_absindex(L, idx);
  wrap(L, idx, "rep", cb_rep);
  wrap(L, idx, "find", cb_find);
  wrap(L, idx, "match", cb_pattern);
  wrap(L, idx, "gmatch", cb_pattern);
  wrap(L, idx, "gsub", cb_pattern);
  static const char *const removed[] = {"dump", "pack", "unpack", "packsize",
                                        NULL};
  for (int i = 0; removed[i] != NULL; i++) {
    lua_pushnil(L);
    lua_setfield(L, idx, removed[i]);
  }
}

static int cb_move(lua_State *L)
{
  lua_Integer f = luaL_checkinteger(L, 2);
  lua_Integer e = luaL_checkinteger(L, 3);
  if (e >= f && (lua_Unsigned)e - (lua_Unsigned)f >= CG__STRING_RESULT_MAX)
    return luaL_error(L,
                      "table.move of more than %d elements exceeds the "
                      "rule limit",
                      (int)CG__STRING_RESULT_MAX);
  return forward(L);
}

void cg__tablib_wrap(lua_State *L, int idx)
{
  idx = lua_absindex(L, idx);
  wrap(L, idx, "move", cb_move);
}
