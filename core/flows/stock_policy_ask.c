/*
 * stock_policy_ask: fetches the pack's stock policy from the merchant's
 * rule host once per rule generation (flows/stock.h cg_stock_policy_ask)
 * and hands it to the stock flow.
 *
 *   merchant.c: a generation loaded ──▶ cg_stock_policy_ask(f)
 *     ──▶ cg_rulehost_call("stock.policy") (the host runs the hook and
 *         validates its table with hooks.c's check)
 *     ◀── the table ──▶ cg_stock_policy_from_json ──▶ cg_stock_set_policy
 *     ◀── an error   ──▶ RULE_ERROR on rules/stock.policy; the policy in
 *                        force stays; before any, nothing is pushed and
 *                        stock.c asks again every 30 s
 *
 * Answers come in the order asked (the host runs one request at a time),
 * so the last generation's policy is the one that stays. Loop thread.
 */
#include "flows/stock.h"
#include "flows/stock_int.h"

#include "base/err.h"
#include "base/log.h"
#include "base/time.h"
#include "flows/exceptions.h"
#include "flows/flow.h"
#include "rules/host.h"

#include <stdio.h>

#define ENTITY_KIND "rules"
#define ENTITY_KEY CG_STOCK_POLICY_HOOK

static void refused(struct cg_flow *f, const char *why)
{
  char msg[CG_ERR_MSG_MAX + 200];
  bool none = f->stock != NULL && f->stock->policy == NULL;
  snprintf(msg, sizeof(msg),
           "the pack's stock policy (stock.policy) failed: %s; %s", why,
           none ? "no stock is written to Centra until the pack gives one "
                  "(asked again every 30 s)"
                : "the stock flow keeps the policy it had");
  if (none)
    f->stock->policy_retry_ms = cg_time_mono_ms() + CG_STOCK_POLICY_RETRY_MS;
  f->metrics.rule_errors++;
  cg_log_error("stock", "[merchant=%s] %s", f->merchant, msg);
  cg_flow_raise(f, "RULE_ERROR", ENTITY_KIND, ENTITY_KEY, msg,
                f->rules_label[0] ? f->rules_label : NULL, NULL);
}

static void applied(struct cg_flow *f, struct cg_stock_policy *p)
{
  cg_stock_set_policy(f->stock, p);
  cg_flow_resolve(f, ENTITY_KIND, ENTITY_KEY, "a stock policy applied", NULL);
  cg_log_info("stock", "[merchant=%s] stock policy of %s applied", f->merchant,
              f->rules_label[0] ? f->rules_label : "the rules");
}

static void on_policy(int rc, cJSON *reply, const struct cg_err *err, void *arg)
{
  struct cg_flow *f = arg;
  char why[CG_ERR_MSG_MAX] = "";
  struct cg_stock_policy *p = NULL;
  if (rc == CG_ECANCELED || f->stock == NULL) {
    cJSON_Delete(reply);
    return;
  }
  if (rc == 0)
    rc = cg_stock_policy_from_json(reply, &p, why, sizeof(why));
  else
    snprintf(why, sizeof(why), "%s", err->msg);
  cJSON_Delete(reply);
  if (rc == 0)
    applied(f, p);
  else
    refused(f, why);
}

void cg_stock_policy_ask(struct cg_flow *f)
{
  if (f->rulehost == NULL || f->stock == NULL)
    return;
  int rc =
      cg_rulehost_call(f->rulehost, CG_STOCK_POLICY_HOOK, NULL, on_policy, f);
  if (rc != 0) {
    char why[96];
    snprintf(why, sizeof(why), "not asked: %s", cg_strerror(rc));
    refused(f, why);
  }
}
