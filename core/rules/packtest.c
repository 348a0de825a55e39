/*
 * packtest: a pack's own tests, run at every load; one failure refuses the
 * generation. A test file is tests/<name>.lua (names starting with '_' are
 * helpers, e.g. tests/_fixtures.lua, reachable as require "tests._fixtures")
 * returning a list of cases:
 *
 *   { name = "home delivery",            -- shown on failure
 *     hook = "module.name",              -- any hook of the pack
 *     args = { a, b },                   -- or input = value (one argument)
 *     expect = { code = "HOME" },        -- subset match, optional
 *     -- expect = cg.null                -- the hook must return nil
 *     -- expect_error = "text"           -- the call must fail with text
 *   }
 *
 * The file is converted to JSON under the load budget, then every case goes
 * through cg_rules_callv exactly as the engine calls it (budget, shape
 * checks, conversion), so a passing test proves the real path.
 */
#include "rules/rules_int.h"

#include "base/err.h"
#include "base/json.h"
#include "base/time.h"

#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

struct test_file {
  const char *module; /* "tests.<name>" */
  cJSON *cases;
};

/* [arg] -> [arg, value]: require(module) converted into t->cases. */
static int protected_read(lua_State *L)
{
  struct test_file *t = lua_touserdata(L, 1);
  lua_pushcfunction(L, cg__require);
  lua_pushstring(L, t->module);
  lua_call(L, 1, 1);
  if (!lua_istable(L, -1))
    luaL_error(L, "%s must return a list of test cases", t->module);
  cg__json_from_lua(L, -1, CG__TESTDATA_MAX, &t->cases);
  return 0;
}

static bool match_at(const cJSON *e, const cJSON *a, char *path, size_t psize,
                     char *why, size_t wsize);

static bool match_members(const cJSON *e, const cJSON *a, char *path,
                          size_t psize, char *why, size_t wsize)
{
  size_t plen = strlen(path);
  int i = 0;
  for (const cJSON *c = e->child; c != NULL; c = c->next, i++) {
    const cJSON *ac;
    if (cJSON_IsArray(e)) {
      snprintf(path + plen, psize - plen, "[%d]", i + 1);
      ac = cJSON_GetArrayItem(a, i);
    } else {
      snprintf(path + plen, psize - plen, ".%s", c->string);
      ac = cJSON_GetObjectItemCaseSensitive(a, c->string);
    }
    if (!match_at(c, ac, path, psize, why, wsize))
      return false;
    path[plen] = '\0';
  }
  return true;
}

static bool scalar_equal(const cJSON *e, const cJSON *a)
{
  if (cJSON_IsNull(e))
    return a == NULL || cJSON_IsNull(a);
  if (a == NULL || (e->type & 0xFF) != (a->type & 0xFF))
    return false;
  if (cJSON_IsNumber(e))
    return fabs(e->valuedouble - a->valuedouble) < 1e-9;
  if (cJSON_IsString(e))
    return strcmp(e->valuestring, a->valuestring) == 0;
  return true; /* booleans: same type is same value */
}

static bool match_at(const cJSON *e, const cJSON *a, char *path, size_t psize,
                     char *why, size_t wsize)
{
  bool ok;
  if (cJSON_IsArray(e) || cJSON_IsObject(e)) {
    ok = a != NULL && (e->type & 0xFF) == (a->type & 0xFF) &&
         (!cJSON_IsArray(e) || cJSON_GetArraySize(e) == cJSON_GetArraySize(a));
    if (ok)
      return match_members(e, a, path, psize, why, wsize);
  } else {
    ok = scalar_equal(e, a);
  }
  if (!ok) {
    char *es = cJSON_PrintUnformatted(e);
    char *as = a ? cJSON_PrintUnformatted(a) : NULL;
    snprintf(why, wsize, "at %s: expected %.120s, got %.120s",
             path[0] ? path : "result", es ? es : "?", as ? as : "nil");
    cJSON_free(es);
    cJSON_free(as);
  }
  return ok;
}

bool cg__json_match(const cJSON *expected, const cJSON *actual, char *why,
                    size_t why_size)
{
  char path[256] = "";
  return match_at(expected, actual, path, sizeof(path), why, why_size);
}

/* Runs one case; 0 or -1 with why. */
static int run_case(struct cg_rules_gen *g, const cJSON *c, char *why,
                    size_t size)
{
  const char *hook = cg_json_str(c, "hook");
  const cJSON *args = cJSON_GetObjectItemCaseSensitive(c, "args");
  const cJSON *input = cJSON_GetObjectItemCaseSensitive(c, "input");
  const cJSON *expect = cJSON_GetObjectItemCaseSensitive(c, "expect");
  const char *want_err = cg_json_str(c, "expect_error");
  const cJSON *argv[8] = {input};
  int nargs = input != NULL ? 1 : 0;
  if (hook == NULL || (args != NULL && !cJSON_IsArray(args))) {
    snprintf(why, size, "a case needs hook and args = {...}");
    return -1;
  }
  for (const cJSON *a = args ? args->child : NULL; a && nargs < 8; a = a->next)
    argv[nargs++] = cJSON_IsNull(a) ? NULL : a;
  struct cg_err err = {0};
  cJSON *out = NULL;
  int rc = cg_rules_callv(g, hook, argv, nargs, &out, &err);
  int ret = 0;
  if (want_err != NULL) {
    if (rc == 0 || strstr(err.msg, want_err) == NULL) {
      snprintf(why, size, "expected an error containing '%s', got %s", want_err,
               rc == 0 ? "success" : err.msg);
      ret = -1;
    }
  } else if (rc != 0) {
    snprintf(why, size, "%s", err.msg);
    ret = -1;
  } else if (expect != NULL && !cg__json_match(expect, out, why, size)) {
    ret = -1;
  }
  cJSON_Delete(out);
  return ret;
}

static int run_file(struct cg_rules_gen *g, const struct cg__file *f,
                    struct cg_err *err)
{
  char module[128];
  snprintf(module, sizeof(module), "%.*s", (int)(strlen(f->name) - 4), f->name);
  for (char *p = module; *p; p++)
    if (*p == '/')
      *p = '.';
  struct test_file t = {.module = module};
  int rc = cg__pcall(g, protected_read, &t, g->load_instructions,
                     g->load_timeout_ms, err);
  int i = 0;
  for (const cJSON *c = t.cases ? t.cases->child : NULL; rc == 0 && c;
       c = c->next, i++) {
    char why[CG_ERR_MSG_MAX] = "";
    if (run_case(g, c, why, sizeof(why)) == 0) {
      g->tests_passed++;
      continue;
    }
    const char *name = cg_json_str(c, "name");
    rc = cg_err_set(err, CG_ERULE,
                    "pack test failed: %s/%s case %d (%s): "
                    "%s",
                    g->merchant, f->name, i + 1, name ? name : "unnamed", why);
  }
  cJSON_Delete(t.cases);
  return rc;
}

static bool is_test_file(const char *name)
{
  if (strncmp(name, "tests/", 6) != 0)
    return false;
  const char *base = strrchr(name, '/') + 1;
  return base[0] != '_';
}

int cg__packtest_run(struct cg_rules_gen *g, struct cg_err *err)
{
  /* Each case has the call budget; all of them together may take at most
   * CG__PACKTEST_LOADS load budgets, so a reload stays a bounded step. */
  int64_t deadline =
      cg_time_mono_ms() + CG__PACKTEST_LOADS * g->load_timeout_ms;
  g->tests_passed = 0;
  for (size_t i = 0; i < g->pack.n; i++) {
    if (!is_test_file(g->pack.v[i].name))
      continue;
    int rc = run_file(g, &g->pack.v[i], err);
    if (rc != 0)
      return rc;
    if (cg_time_mono_ms() > deadline)
      return cg_err_set(err, CG_ERULE,
                        "%s: pack tests took longer than "
                        "%lld ms (stopped after %s)",
                        g->merchant,
                        (long long)(CG__PACKTEST_LOADS * g->load_timeout_ms),
                        g->pack.v[i].name);
  }
  return 0;
}
