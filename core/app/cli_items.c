/*
 * cli_items: `centra-gxo items pending -c CONFIG [--merchant ID] [--state
 * pending|rejected] [--after SKU] [--json]` (launch readiness: the SKUs
 * the warehouse has not accepted) and `centra-gxo items show SKU -c
 * CONFIG [--json]` (one SKU of the item master), for merchandising and
 * operations (docs/operations.md "Items and launches"). Like `stock
 * show` it reads the merchant's store directly, beside a running engine;
 * the documents come from cg_items_pending and cg_items_describe.
 */
#include "app/cli.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/time.h"
#include "flows/items.h"
#include "flows/skus.h"

#include <stdio.h>
#include <string.h>

#define PENDING_LIMIT 100

/* "state" or "rejected: reason (source)". */
static void print_state(const cJSON *d)
{
  char why[600];
  char *reason = cJSON_IsObject(cg_json_get(d, "reason"))
                     ? cg_json_print(cg_json_get(d, "reason"))
                     : NULL;
  printf("%s", cg_json_str(d, "state"));
  if (reason != NULL)
    printf(": %s (%s)", cg_skus_reason_text(reason, why, sizeof(why)),
           cg_json_str(d, "reason.source") ? cg_json_str(d, "reason.source")
                                           : "?");
  cg_free(reason);
}

static void print_waiting(const cJSON *d)
{
  const cJSON *w = cg_json_get(d, "waitingOrders"), *e;
  if (cJSON_GetArraySize(w) == 0) {
    printf("none");
    return;
  }
  cJSON_ArrayForEach(e, w)
  {
    printf("%s%s", e == w->child ? "" : ", ", e->valuestring);
  }
}

static void print_item(const cJSON *d)
{
  printf("item %s\n  state       ", cg_json_str(d, "sku"));
  print_state(d);
  cg_cli_print_at("\n  answered    ", cg_json_int(d, "answeredAt", 0));
  if (cg_json_int(d, "batch", 0) != 0)
    printf("\n  next send   in flight (batch %lld)",
           (long long)cg_json_int(d, "batch", 0));
  else if (cJSON_IsTrue(cg_json_get(d, "dirty")))
    cg_cli_print_at("\n  next send   waiting since ",
                    cg_json_int(d, "dirtySince", 0));
  else
    printf("\n  next send   none due");
  printf("%s\n  waiting     ",
         cJSON_IsTrue(cg_json_get(d, "urgent")) ? " (urgent)" : "");
  print_waiting(d);
  printf("\n  in Centra   product %lld size %lld, updated %s\n",
         (long long)cg_json_int(d, "productId", 0),
         (long long)cg_json_int(d, "sizeId", 0),
         cg_json_str(d, "sourceUpdatedAt") ? cg_json_str(d, "sourceUpdatedAt")
                                           : "never read");
  char *item = cJSON_IsObject(cg_json_get(d, "item"))
                   ? cg_json_print(cg_json_get(d, "item"))
                   : NULL;
  printf("  item        %s\n",
         item ? item : "none built (a placeholder, or made at the warehouse)");
  cg_free(item);
}

static void print_json(const cJSON *d)
{
  char *text = cg_json_print(d);
  printf("%s\n", text ? text : "{}");
  cg_free(text);
}

static void print_pending(const cJSON *d)
{
  const cJSON *c = cg_json_get(d, "counts"), *e;
  printf("items:");
  cJSON_ArrayForEach(e, c)
  {
    printf(" %s %lld", e->string, (long long)e->valuedouble);
  }
  char *sweep = cJSON_IsObject(cg_json_get(d, "lastSweep"))
                    ? cg_json_print(cg_json_get(d, "lastSweep"))
                    : NULL;
  printf("\nsweep: %s", sweep ? sweep : "never");
  cg_free(sweep);
  printf("\n");
  cJSON_ArrayForEach(e, cg_json_get(d, "items"))
  {
    printf("  %-24s ", cg_json_str(e, "sku"));
    print_state(e);
    if (cJSON_IsTrue(cg_json_get(e, "goneFromCentra")))
      printf("; not in Centra's last full sweep");
    printf("; orders waiting: ");
    print_waiting(e);
    printf("\n");
  }
  if (cg_json_str(d, "next") != NULL)
    printf("more: --after %s\n", cg_json_str(d, "next"));
}

static int run(const struct cg_cli *c, struct cg_cli_session *s, bool show)
{
  struct cg_err err = {0};
  cJSON *d = show ? cg_items_describe(s->store, c->args[1], &err)
                  : cg_items_pending(s->store, c->state, c->after,
                                     PENDING_LIMIT, &err);
  if (d == NULL) {
    fprintf(stderr, "centra-gxo: items %s: %s\n", show ? c->args[1] : "pending",
            err.code == CG_ENOTFOUND ? "not in the item master" : err.msg);
    return err.code == CG_EINVAL ? 2 : 1;
  }
  if (c->json)
    print_json(d);
  else if (show)
    print_item(d);
  else
    print_pending(d);
  cJSON_Delete(d);
  return 0;
}

int cg_cli_items(const struct cg_cli *c)
{
  bool show = c->nargs == 2 && strcmp(c->args[0], "show") == 0;
  bool pending = c->nargs == 1 && strcmp(c->args[0], "pending") == 0;
  if (!show && !pending) {
    fprintf(stderr, "centra-gxo: items pending -c CONFIG [--merchant ID] "
                    "[--state pending|rejected] [--after SKU] [--json]\n"
                    "            items show SKU -c CONFIG [--merchant ID] "
                    "[--json]\n");
    return 2;
  }
  struct cg_cli_session s;
  int rc = cg_cli_session_open(c, &s);
  if (rc != 0)
    return rc;
  rc = run(c, &s, show);
  cg_cli_session_close(&s);
  return rc;
}
