/*
 * stock: the warehouse's physical stock kept right in Centra (issue 10,
 * docs/internals/stock.md). Warehouse stock events and dispatches change
 * the engine's picture per SKU (stock.c); changed SKUs are coalesced and
 * pushed to Centra as absolute physical quantities in batches
 * (stock_push.c, outbox kind "centra.stock.set"); snapshots, gaps in the
 * event sequence and a schedule reconcile it with the warehouse and with
 * Centra (stock_reconcile.c); the rule pack says what is sellable
 * (stock_policy.c). Everything here runs on the loop thread; every
 * cg_stock_apply_* runs inside the caller's open transaction.
 */
#ifndef CG_FLOWS_STOCK_H
#define CG_FLOWS_STOCK_H

#include "flows/inbox.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cg_err;
struct cg_flow;
struct cg_outbox_kind;
struct cg_stock;

/* ---- the pack's stock policy (stock_policy.c) ----------------------------
 * Read from the pack once per rule generation (stock.lua), applied in C.
 * The default (no stock.lua): AVAILABLE and ALLOCATED are sellable, no
 * buffer, no cap, nothing excluded, return route "warehouse", drift
 * threshold 0. */

enum cg_stock_return_route {
  CG_STOCK_RETURNS_WAREHOUSE = 0, /* the feed restocks; Centra returns
                                   * use removeItemsFromStock */
  CG_STOCK_RETURNS_CENTRA         /* Centra's return policy restocks */
};

struct cg_stock_policy;

/* The default policy (static; never freed). */
const struct cg_stock_policy *cg_stock_policy_default(void);
/* Whether status counts as sellable physical stock. */
bool cg_stock_policy_sellable(const struct cg_stock_policy *p,
                              const char *status);
/* Whether sku is left out of the stock flow (never pushed). */
bool cg_stock_policy_excluded(const struct cg_stock_policy *p, const char *sku);
/* policy(W): the sellable sum less the buffer, capped, never below 0. */
int64_t cg_stock_policy_figure(const struct cg_stock_policy *p, const char *sku,
                               int64_t sellable);
enum cg_stock_return_route
cg_stock_policy_return_route(const struct cg_stock_policy *p);
/* A Centra figure off by more than this raises STOCK_DRIFT. */
int64_t cg_stock_policy_drift_threshold(const struct cg_stock_policy *p);
/* Whether status is one of the warehouse's stock statuses (AVAILABLE,
 * ALLOCATED, QUARANTINE, DAMAGED, BLOCKED). */
bool cg_stock_policy_status_known(const char *status);
/* The i-th of those statuses (0..4), NULL past the last. */
const char *cg_stock_policy_status(size_t i);
/* Builds a policy from the table the pack's stock.policy() returned
 * (docs/rule-packs.md "stock.policy"). 0 and *out (free with
 * cg_stock_policy_free), CG_EINVAL with the first problem in why
 * ("stock.buffers[\"X\"] must be a whole number >= 0, not -1"), or
 * CG_ENOMEM. */
int cg_stock_policy_from_json(const cJSON *t, struct cg_stock_policy **out,
                              char *why, size_t size);
/* The same check without building anything (no allocation, no hash
 * map): what the rule host runs on the hook's result. 0 or CG_EINVAL
 * with why. */
int cg_stock_policy_check(const cJSON *t, char *why, size_t size);
/* Frees p; NULL and the default policy are no-ops. */
void cg_stock_policy_free(struct cg_stock_policy *p);
/* What the policy says of one SKU (for `stock show`, the admin API). */
struct cg_stock_policy_sku {
  int64_t buffer; /* units held back */
  int64_t cap;    /* at most this many; -1 = no cap */
  bool excluded;
};
void cg_stock_policy_for_sku(const struct cg_stock_policy *p, const char *sku,
                             struct cg_stock_policy_sku *out);

/* The hook that returns the policy table (docs/rule-packs.md). */
#define CG_STOCK_POLICY_HOOK "stock.policy"

/* Asks the merchant's rule host for the policy of the generation it has
 * just loaded (stock_policy_ask.c; core/app/merchant.c calls it for every
 * generation that loads). The answer goes to cg_stock_set_policy; a hook
 * that fails, or a table that does not validate, keeps the policy in
 * force and raises RULE_ERROR on the entity rules/stock.policy (resolved
 * by the next policy that applies). */
void cg_stock_policy_ask(struct cg_flow *f);

/* ---- the flow ----------------------------------------------------------*/

struct cg_stock_opts {
  int64_t window_ms;     /* coalescing window; default 2000 */
  int64_t batch_max;     /* SKUs per setStock; default 500 */
  int64_t reconcile_s;   /* scheduled reconcile; default 21600; 0 = off */
  int64_t gap_grace_ms;  /* a hole open this long is a gap; default 60000 */
  int64_t snapshot_page; /* GET /stock limit; default 1000 */
};

/* Creates the merchant's stock flow (timers on f->loop). NULL on ENOMEM. */
struct cg_stock *cg_stock_create(struct cg_flow *f,
                                 const struct cg_stock_opts *opts);
/* Starts the flusher and the schedule; takes the initial snapshot when the
 * merchant has never had one. */
int cg_stock_start(struct cg_stock *st);
/* Replaces the policy (a new rule generation loaded). SKUs whose figure
 * changes are marked dirty. p is owned by the stock flow from now on. */
void cg_stock_set_policy(struct cg_stock *st, struct cg_stock_policy *p);
const struct cg_stock_policy *cg_stock_policy(const struct cg_stock *st);
/* Closes the timers; done (may be NULL) fires once they are closed. */
void cg_stock_close(struct cg_stock *st, void (*done)(void *arg), void *arg);

/* P for sku now: policy(W) + D + R (0 for an unknown SKU). */
int cg_stock_target(struct cg_flow *f, const char *sku, int64_t *out,
                    struct cg_err *err);

/* Every warehouse event, any type, inside its inbox transaction: records
 * its sequence for gap detection. */
int cg_stock_seq_seen(struct cg_flow *f, int64_t seq, struct cg_err *err);

/* stock.adjusted / stock.status_moved / stock.snapshot, inside the inbox
 * transaction (env is the whole envelope: its sequence is needed). */
int cg_stock_apply_event(struct cg_flow *f, const cJSON *env,
                         char outcome[CG_INBOX_OUTCOME_MAX],
                         struct cg_err *err);
/* A new consignment (shipment.confirmed, env the envelope): its units
 * leave W at the event's sequence and enter D until its Centra shipment
 * is completed. Idempotent per shipmentId. */
int cg_stock_apply_dispatch(struct cg_flow *f, const cJSON *env,
                            struct cg_err *err);
/* The consignment's Centra shipment is completed (dispatch flow, in the
 * transaction that records it): its units leave D. */
int cg_stock_dispatch_completed(struct cg_flow *f, const char *shipment_id,
                                struct cg_err *err);

/* Centra changed its own stock for order_number's lines (a cancelLines
 * with removeItemsFromStock took units out): its SKUs are marked for a
 * push of P, inside the caller's transaction. */
int cg_stock_touch_order(struct cg_flow *f, const char *order_number,
                         struct cg_err *err);

/* The outbox kind of a push batch; listed after the dispatch kinds. */
extern const struct cg_outbox_kind cg_stock_push_kind;

/* Asks for a reconcile now (POST .../stock/reconcile on the admin API, a
 * stock.snapshot event after its commit). reason goes to the log and the
 * audit. */
void cg_stock_reconcile_soon(struct cg_stock *st, const char *reason);
/* An operator's stock check (POST .../stock/reconcile): recorded in the
 * store (cursor stock.reconcile.asked, the time asked) until a reconcile
 * that started after it has finished, so a restart does not lose it;
 * then asked for now. 0 or a negative CG_E* (nothing recorded). */
int cg_stock_reconcile_asked(struct cg_stock *st, struct cg_err *err);

/* For `stock show` and the admin API: the SKU's row, levels, P, the
 * batch in flight and the last reconcile, as JSON (caller deletes). NULL
 * with CG_ENOTFOUND for an unknown SKU. */
cJSON *cg_stock_describe(struct cg_flow *f, const char *sku,
                         struct cg_err *err);
/* The same from a store and a policy (NULL = the default): the CLI
 * reads the store beside a running engine (stock_describe.c). */
struct cg_store;
cJSON *cg_stock_describe_with(struct cg_store *s,
                              const struct cg_stock_policy *p, const char *sku,
                              struct cg_err *err);
/* The admin API's bounded list: state "dirty" (waiting for a push, oldest
 * first), "held" (Centra refused them: held until an operator retries)
 * or "drift" (an open STOCK_DRIFT), at most limit SKUs, each
 * {sku, stock: describe or null[, exception: {id, message}]}. NULL with
 * CG_EINVAL for another state. */
cJSON *cg_stock_describe_list(struct cg_flow *f, const char *state,
                              size_t limit, struct cg_err *err);

#endif
