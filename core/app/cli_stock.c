/*
 * cli_stock: `centra-gxo stock show SKU -c CONFIG [--merchant ID]
 * [--json]`, one SKU's stock for operations (docs/operations.md
 * "Stock"). Like `orders show` it reads the merchant's store directly
 * (beside a running engine); the policy that turns the warehouse's
 * figures into what Centra should hold is the pack's on disk, asked of a
 * rule host as a reload would (the default policy, said so, if the pack
 * does not load). The figures come from cg_stock_describe_with.
 */
#include "app/cli.h"

#include "app/config.h"
#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/time.h"
#include "flows/stock.h"
#include "rules/rules.h"

#include <stdio.h>
#include <string.h>

/* The policy of the merchant's pack on disk, or NULL (the default) with
 * why in note. */
static struct cg_stock_policy *pack_policy(const struct cg_cli_session *s,
                                           char *note, size_t size)
{
  char path[1024], why[CG_ERR_MSG_MAX] = "";
  struct cg_rules_opts o = {
      .merchant = s->mc->id,
      .pack_dir = cg_config_path(s->cfg, s->mc->rules, path, sizeof(path)),
      .mem_limit = (size_t)s->mc->lua_memory_mb << 20,
      .call_instructions = (uint64_t)s->mc->lua_instructions,
      .skip_pack_tests = true};
  struct cg_err err = {0};
  struct cg_stock_policy *p = NULL;
  cJSON *t = NULL;
  int rc = cg_cli_rules_ask(&o, CG_STOCK_POLICY_HOOK, &t, &err);
  if (rc == 0)
    rc = cg_stock_policy_from_json(t, &p, why, sizeof(why));
  cJSON_Delete(t);
  if (rc == 0)
    snprintf(note, size, "the pack %s on disk", s->mc->rules);
  else
    snprintf(note, size, "the engine's DEFAULT: the pack %s gave none (%s)",
             s->mc->rules, why[0] ? why : err.msg);
  return p;
}

static int64_t num(const cJSON *d, const char *path)
{
  return cg_json_int(d, path, 0);
}

/* W per status and the sellable figure. */
static void print_warehouse(const cJSON *d)
{
  const cJSON *lv = cJSON_GetObjectItemCaseSensitive(d, "levels"), *e;
  printf("  warehouse   %lld units:", (long long)num(d, "warehouse"));
  cJSON_ArrayForEach(e, lv)
  {
    printf(" %s %lld", e->string, (long long)e->valuedouble);
  }
  printf("%s\n  sellable    %lld (", cJSON_GetArraySize(lv) ? "" : " none",
         (long long)num(d, "sellable"));
  const cJSON *st = cg_json_get(d, "policy.sellable_statuses");
  cJSON_ArrayForEach(e, st)
  {
    printf("%s%s", e == st->child ? "" : ", ", e->valuestring);
  }
  printf("), less buffer %lld, ", (long long)num(d, "policy.buffer"));
  if (cJSON_IsNumber(cg_json_get(d, "policy.cap")))
    printf("at most %lld", (long long)num(d, "policy.cap"));
  else
    printf("no cap");
  printf(" -> %lld\n", (long long)num(d, "figure"));
}

/* D, R and P. */
static void print_target(const cJSON *d)
{
  printf("  D           %lld dispatched by the warehouse, shipment not yet "
         "completed in Centra\n",
         (long long)num(d, "dispatched"));
  printf("  R           %lld restocked by a Centra return, not yet in the "
         "warehouse feed\n",
         (long long)num(d, "returned"));
  if (cJSON_IsTrue(cg_json_get(d, "policy.excluded")))
    printf("  P           excluded by the pack: never pushed to Centra\n");
  else
    printf("  P           %lld what Centra should hold (%lld + %lld + %lld)\n",
           (long long)num(d, "target"), (long long)num(d, "figure"),
           (long long)num(d, "dispatched"), (long long)num(d, "returned"));
}

/* The last push and what comes next. */
static void print_push(const cJSON *d)
{
  if (cJSON_IsObject(cg_json_get(d, "pushed"))) {
    printf("  pushed      %lld", (long long)num(d, "pushed.quantity"));
    cg_cli_print_at(" at ", num(d, "pushed.at"));
    printf(" (%s)\n", cJSON_IsTrue(cg_json_get(d, "up_to_date"))
                          ? "up to date"
                          : "changed since");
  } else {
    printf("  pushed      never\n");
  }
  if (cJSON_IsTrue(cg_json_get(d, "held")))
    printf("  next push   HELD: Centra refused this SKU (STOCK_SYNC); "
           "retry the exception once fixed\n");
  else if (num(d, "batch") != 0)
    printf("  next push   in flight (batch %lld)\n",
           (long long)num(d, "batch"));
  else if (num(d, "dirty_since") != 0) {
    cg_cli_print_at("  next push   waiting for the next batch since ",
                    num(d, "dirty_since"));
    printf("\n");
  } else {
    printf("  next push   none due\n");
  }
}

static void print_stock(const cJSON *d, const char *note)
{
  printf("stock %s\n", cg_json_str(d, "sku"));
  print_warehouse(d);
  print_target(d);
  print_push(d);
  if (cJSON_IsObject(cg_json_get(d, "reconcile"))) {
    cg_cli_print_at("  reconcile   ", num(d, "reconcile.at"));
    printf(": Centra had %lld%s\n", (long long)num(d, "reconcile.centra"),
           cJSON_IsFalse(cg_json_get(d, "reconcile.listed"))
               ? " (the last check did not see it: not listed or not compared)"
               : "");
  } else {
    printf("  reconcile   never\n");
  }
  printf("  policy      %s\n", note);
}

static int show(const struct cg_cli *c, struct cg_cli_session *s)
{
  char note[CG_ERR_MSG_MAX + 200];
  struct cg_err err = {0};
  struct cg_stock_policy *p = pack_policy(s, note, sizeof(note));
  cJSON *d = cg_stock_describe_with(s->store, p, c->args[1], &err);
  cg_stock_policy_free(p);
  if (d == NULL) {
    fprintf(stderr, "centra-gxo: stock %s: %s\n", c->args[1],
            err.code == CG_ENOTFOUND ? "not known to the engine" : err.msg);
    return 1;
  }
  if (c->json) {
    cJSON_AddStringToObject(d, "policy_from", note);
    char *text = cg_json_print(d);
    printf("%s\n", text ? text : "{}");
    cg_free(text);
  } else {
    print_stock(d, note);
  }
  cJSON_Delete(d);
  return 0;
}

int cg_cli_stock(const struct cg_cli *c)
{
  if (c->nargs < 2 || strcmp(c->args[0], "show") != 0) {
    fprintf(stderr, "centra-gxo: stock show SKU -c CONFIG [--merchant ID] "
                    "[--json]\n");
    return 2;
  }
  struct cg_cli_session s;
  int rc = cg_cli_session_open(c, &s);
  if (rc != 0)
    return rc;
  rc = show(c, &s);
  cg_cli_session_close(&s);
  return rc;
}
