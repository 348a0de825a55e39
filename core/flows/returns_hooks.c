/*
 * returns_hooks: the checks of the returns hooks' results, run by the
 * rule host before any flow sees them (hooks.c's catalogue; docs/
 * rule-packs.md "Returns"):
 *
 *   returns.advice(advice, ret) -> the warehouse return advice: the
 *     contract's check (gxo_contract.h); returns_advise.c then checks its
 *     lines are the ones the engine built
 *   returns.decide(receipt, advice) -> the plan (docs/internals/
 *     returns.md "Deciding a receipt"), normalised: notify true and
 *     accept_mismatch false when left out, lines [] when absent; a key
 *     the engine does not know (e.g. its own "completed") is refused
 */
#include "flows/returns.h"

#include "base/json.h"
#include "gxo/gxo_contract.h"

#include <stdio.h>
#include <string.h>

#define MESSAGE_MAX 1024 /* a plan's message or a line's note */
#define LINE_REF_MAX 32  /* the contract's lineRef */

static int bad(char *why, size_t size, const char *msg)
{
  snprintf(why, size, "%s", msg);
  return -1;
}

int cg_returns_check_advice(cJSON **out, char *why, size_t size)
{
  if (!cJSON_IsObject(*out))
    return bad(why, size, "expected the warehouse return advice table");
  return cg_gxo_contract_return_advice(*out, why, size);
}

/* Every key of obj is one of the n known: the plan is stored as the pack
 * returned it, and the engine keeps its own marks in it (returns_settle.c
 * "completed"), so a key the engine does not know is refused. */
static int known_keys(const cJSON *obj, const char *const *keys, size_t n,
                      char *why, size_t size)
{
  const cJSON *v;
  cJSON_ArrayForEach(v, obj)
  {
    size_t i = 0;
    while (i < n && strcmp(v->string, keys[i]) != 0)
      i++;
    if (i == n) {
      snprintf(why, size, "unknown key \"%.64s\"", v->string);
      return -1;
    }
  }
  return 0;
}

/* key is absent, or one of the n words. */
static int one_of(const cJSON *obj, const char *key, const char *const *words,
                  size_t n, bool required, char *why, size_t size)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  if ((v == NULL || cJSON_IsNull(v)) && !required)
    return 0;
  for (size_t i = 0; cJSON_IsString(v) && i < n; i++)
    if (strcmp(v->valuestring, words[i]) == 0)
      return 0;
  snprintf(why, size, "%s must be one of", key);
  for (size_t i = 0; i < n; i++) {
    size_t len = strlen(why);
    snprintf(why + len, size - len, "%s \"%s\"", i ? "," : "", words[i]);
  }
  return -1;
}

/* key absent: set to def; else a boolean. */
static int boolean(cJSON *obj, const char *key, bool def, char *why,
                   size_t size)
{
  cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (v != NULL && cJSON_IsNull(v)) {
    cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
    v = NULL;
  }
  if (v == NULL)
    return cJSON_AddBoolToObject(obj, key, def)
               ? 0
               : bad(why, size, "out of memory");
  if (cJSON_IsBool(v))
    return 0;
  snprintf(why, size, "%s must be true or false", key);
  return -1;
}

static int check_line(cJSON *l, int i, char *why, size_t size)
{
  static const char *const refunds[] = {"full", "none"};
  static const char *const keys[] = {"lineRef", "refund", "restock", "note"};
  char at[32];
  const cJSON *restock = cJSON_GetObjectItemCaseSensitive(l, "restock");
  snprintf(at, sizeof(at), "lines[%d]: ", i + 1);
  int rc = cJSON_IsObject(l) ? 0 : bad(why, size, "must be a table");
  rc = rc ? rc : known_keys(l, keys, 4, why, size);
  rc = rc ? rc
          : cg_gxo_contract_str(l, "lineRef", LINE_REF_MAX, false, why, size);
  rc = rc ? rc : one_of(l, "refund", refunds, 2, false, why, size);
  rc = rc ? rc : cg_gxo_contract_str(l, "note", MESSAGE_MAX, true, why, size);
  if (rc == 0 && restock != NULL && !cJSON_IsBool(restock) &&
      !cJSON_IsNull(restock))
    rc = bad(why, size, "restock must be true or false");
  if (rc != 0) { /* name the line in front of the problem */
    char inner[256];
    snprintf(inner, sizeof(inner), "%s", why);
    snprintf(why, size, "%s%s", at, inner);
  }
  return rc;
}

static int check_lines(cJSON *plan, char *why, size_t size)
{
  cJSON *lines = cJSON_GetObjectItemCaseSensitive(plan, "lines");
  if (lines == NULL || cJSON_IsNull(lines)) {
    cJSON_DeleteItemFromObjectCaseSensitive(plan, "lines");
    return cJSON_AddArrayToObject(plan, "lines")
               ? 0
               : bad(why, size, "out of memory");
  }
  if (cJSON_IsObject(lines) && lines->child == NULL) /* {} is Lua's empty */
    lines->type = cJSON_Array;
  if (!cJSON_IsArray(lines))
    return bad(why, size, "lines must be a list");
  int i = 0;
  cJSON *l;
  cJSON_ArrayForEach(l, lines)
  {
    if (check_line(l, i++, why, size) != 0)
      return -1;
  }
  return 0;
}

int cg_returns_check_decide(cJSON **out, char *why, size_t size)
{
  static const char *const actions[] = {"settle", "hold"};
  static const char *const refunds[] = {"full", "none", "manual"};
  static const char *const keys[] = {"action",  "refund", "accept_mismatch",
                                     "message", "notify", "lines"};
  cJSON *p = *out;
  if (!cJSON_IsObject(p))
    return bad(why, size,
               "expected {action=\"settle\"|\"hold\", refund=..., "
               "message=..., notify=..., lines=...}");
  if (known_keys(p, keys, 6, why, size) != 0 ||
      one_of(p, "action", actions, 2, true, why, size) != 0)
    return -1;
  bool settle = strcmp(cg_json_str(p, "action"), "settle") == 0;
  if (one_of(p, "refund", refunds, 3, settle, why, size) != 0 ||
      cg_gxo_contract_str(p, "message", MESSAGE_MAX, true, why, size) != 0 ||
      boolean(p, "notify", true, why, size) != 0 ||
      boolean(p, "accept_mismatch", false, why, size) != 0)
    return -1;
  return check_lines(p, why, size);
}
