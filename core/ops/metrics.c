/*
 * metrics: see metrics.h.
 */
#include "ops/metrics.h"

#include "base/buf.h"
#include "base/err.h"
#include "flows/decide.h"
#include "flows/flow.h"
#include "rules/host.h"
#include "store/store.h"
#include "store/store_stock.h"

#include <stddef.h>
#include <stdint.h>

struct counter {
  const char *name;
  const char *help;
  size_t offset;
};

#define C(field, help)                                                         \
  {                                                                            \
    "cg_" #field "_total", help, offsetof(struct cg_flow_metrics, field)       \
  }

static const struct counter counters[] = {
    C(orders_received, "Centra order versions taken into the inbox"),
    C(orders_ignored, "Order versions not eligible or already handled"),
    C(orders_queued, "Orders decided and queued for the warehouse"),
    C(orders_held, "Order decisions that held the order"),
    C(orders_sent, "Orders the warehouse took (2xx)"),
    C(orders_accepted, "Orders the warehouse accepted"),
    C(orders_rejected, "Orders the warehouse rejected"),
    C(items_released, "Orders held for unknown SKUs released by the "
                      "warehouse accepting their last item"),
    C(deliveries, "Outbox delivery attempts started"),
    C(retries, "Delivery attempts that will be retried"),
    C(dead_letters, "Outbox rows failed permanently"),
    C(events_gxo, "Warehouse events taken in"),
    C(events_centra, "Centra events taken in"),
    C(orders_polled, "Orders the poll read in full (with the events queue "
                     "on: what the queue had not brought)"),
    C(poll_passes, "Complete passes of the Centra orders poll"),
    C(duplicates, "Messages dropped as already seen"),
    C(webhooks_ok, "Signed webhooks accepted"),
    C(webhooks_refused, "Webhooks refused for a bad or stale signature"),
    C(consignments_received, "Warehouse consignments taken in"),
    C(consignments_shipped, "Consignments completed as Centra shipments"),
    C(consignments_held, "Consignments held with an exception"),
    C(sla_warnings, "SLA_WARNING raised: an order near its dispatch deadline"),
    C(sla_breaches, "SLA_BREACH raised: an order past its dispatch deadline"),
    C(sla_closed, "SLA watches closed (the order dispatched or ended)"),
    C(stock_events, "Warehouse stock effects applied (each event once)"),
    C(stock_batches, "Centra setStock batches that succeeded"),
    C(stock_skus_pushed, "SKU figures Centra accepted"),
    C(stock_snapshots, "Warehouse stock snapshots applied"),
    C(stock_gaps, "Gaps in the warehouse event sequence healed by a "
                  "snapshot"),
    C(stock_drifts, "STOCK_DRIFT raised: Centra's figure differed from "
                    "the engine's by more than the pack's threshold"),
    C(items_batches, "Warehouse item batches (POST /items:batch) answered"),
    C(items_accepted, "Item contents the warehouse accepted"),
    C(items_rejected, "Item contents the warehouse rejected"),
    C(returns_read, "New Centra returns stored with their advice queued"),
    C(returns_advised, "Return advices the warehouse took"),
    C(returns_rejected, "Return advices refused by the warehouse or not "
                        "sendable"),
    C(returns_received, "Warehouse return receipts recorded"),
    C(returns_completed, "Centra returns completed"),
    C(returns_refunded, "Centra returns refunded"),
    C(returns_held, "Returns held for customer service"),
    C(returns_unadvised, "Returned parcels without a known RMA"),
    C(rule_errors, "Rule hook calls that failed"),
    C(store_errors, "Store transactions that failed"),
};

static int header(struct cg_buf *out, const char *name, const char *help,
                  const char *type)
{
  return cg_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
                       type);
}

static int render_counters(struct cg_flow *const *flows, size_t n,
                           struct cg_buf *out)
{
  int rc = 0;
  for (size_t c = 0; rc == 0 && c < sizeof(counters) / sizeof(*counters); c++) {
    rc = header(out, counters[c].name, counters[c].help, "counter");
    for (size_t i = 0; rc == 0 && i < n; i++) {
      const char *base = (const char *)&flows[i]->metrics;
      uint64_t v = *(const uint64_t *)(base + counters[c].offset);
      rc = cg_buf_printf(out, "%s{merchant=\"%s\"} %llu\n", counters[c].name,
                         flows[i]->merchant, (unsigned long long)v);
    }
  }
  return rc;
}

static int render_order_states(struct cg_flow *const *flows, size_t n,
                               struct cg_buf *out)
{
  int rc = header(out, "cg_orders", "Orders by engine state", "gauge");
  for (size_t i = 0; rc == 0 && i < n; i++) {
    int64_t counts[CG_STORE_ORDER_NSTATES] = {0};
    if (cg_store_order_counts(flows[i]->store, counts, NULL) != 0) {
      rc = cg_buf_printf(out, "# merchant %s: store unreadable\n",
                         flows[i]->merchant);
      continue;
    }
    for (int s = 0; rc == 0 && s < CG_STORE_ORDER_NSTATES; s++)
      rc = cg_buf_printf(out, "cg_orders{merchant=\"%s\",state=\"%s\"} %lld\n",
                         flows[i]->merchant, cg_store_order_state_name(s),
                         (long long)counts[s]);
  }
  return rc;
}

static int render_exceptions(struct cg_flow *const *flows, size_t n,
                             struct cg_buf *out)
{
  int rc = header(out, "cg_exceptions_open",
                  "Open exceptions by type "
                  "(orders held by reason)",
                  "gauge");
  for (size_t i = 0; rc == 0 && i < n; i++) {
    struct cg_store_count_list list = {0};
    if (cg_store_exception_open_counts(flows[i]->store, &list, NULL) != 0)
      continue;
    for (size_t k = 0; rc == 0 && k < list.n; k++)
      rc = cg_buf_printf(out,
                         "cg_exceptions_open{merchant=\"%s\",type=\"%s\"}"
                         " %lld\n",
                         flows[i]->merchant, list.items[k].name,
                         (long long)list.items[k].count);
    cg_store_count_list_clear(&list);
  }
  return rc;
}

static int render_outbox(struct cg_flow *const *flows, size_t n,
                         struct cg_buf *out)
{
  int rc = header(out, "cg_outbox_rows",
                  "Outbox rows by state (pending + "
                  "inflight = depth; failed = dead letters)",
                  "gauge");
  for (size_t i = 0; rc == 0 && i < n; i++) {
    int64_t counts[CG_STORE_OUTBOX_NSTATES] = {0};
    if (cg_store_outbox_counts(flows[i]->store, counts, NULL) != 0)
      continue;
    for (int s = 0; rc == 0 && s < CG_STORE_OUTBOX_NSTATES; s++)
      rc = cg_buf_printf(out,
                         "cg_outbox_rows{merchant=\"%s\",state=\"%s\"} "
                         "%lld\n",
                         flows[i]->merchant, cg_store_outbox_state_name(s),
                         (long long)counts[s]);
  }
  return rc;
}

/* The rule host: restarts (kills, deaths), plans asked for and not
 * stored yet, and requests waiting at the host. */
static int render_rulehost(struct cg_flow *const *flows, size_t n,
                           struct cg_buf *out)
{
  int rc = header(out, "cg_rulehost_restarts_total",
                  "Rule host processes started after the first (kills, "
                  "deaths)",
                  "counter");
  for (size_t i = 0; rc == 0 && i < n; i++)
    if (flows[i]->rulehost != NULL)
      rc = cg_buf_printf(
          out, "cg_rulehost_restarts_total{merchant=\"%s\"} %llu\n",
          flows[i]->merchant,
          (unsigned long long)cg_rulehost_restarts(flows[i]->rulehost));
  if (rc == 0)
    rc = header(out, "cg_rule_plans_pending",
                "Orders whose plan is asked of the rule host and not stored",
                "gauge");
  for (size_t i = 0; rc == 0 && i < n; i++)
    rc = cg_buf_printf(out, "cg_rule_plans_pending{merchant=\"%s\"} %llu\n",
                       flows[i]->merchant,
                       (unsigned long long)cg_decide_count(flows[i]));
  if (rc == 0)
    rc = header(out, "cg_rulehost_queue_depth",
                "Requests queued or in flight at the rule host", "gauge");
  for (size_t i = 0; rc == 0 && i < n; i++)
    if (flows[i]->rulehost != NULL)
      rc = cg_buf_printf(out, "cg_rulehost_queue_depth{merchant=\"%s\"} %zu\n",
                         flows[i]->merchant,
                         cg_rulehost_queued(flows[i]->rulehost));
  return rc;
}

/* Commits of each merchant's store since the engine started (every
 * transaction; one that wrote nothing costs no flush): the rate shows
 * how the group commit amortises the disk's flushes. */
static int render_store(struct cg_flow *const *flows, size_t n,
                        struct cg_buf *out)
{
  int rc = header(out, "cg_store_commits_total",
                  "Store transactions committed since the engine started",
                  "counter");
  for (size_t i = 0; rc == 0 && i < n; i++)
    rc = cg_buf_printf(out, "cg_store_commits_total{merchant=\"%s\"} %llu\n",
                       flows[i]->merchant,
                       (unsigned long long)cg_store_commits(flows[i]->store));
  return rc;
}

/* SKUs waiting for a push (dirty, in no batch, not held). */
static int render_stock(struct cg_flow *const *flows, size_t n,
                        struct cg_buf *out)
{
  int rc = header(out, "cg_stock_dirty_skus",
                  "SKUs whose Centra figure waits for the next batch", "gauge");
  for (size_t i = 0; rc == 0 && i < n; i++) {
    int64_t dirty = 0;
    if (flows[i]->stock == NULL ||
        cg_store_stock_dirty_count(flows[i]->store, &dirty, NULL) != 0)
      continue;
    rc = cg_buf_printf(out, "cg_stock_dirty_skus{merchant=\"%s\"} %lld\n",
                       flows[i]->merchant, (long long)dirty);
  }
  return rc;
}

int cg_metrics_render(struct cg_flow *const *flows, size_t n,
                      struct cg_buf *out)
{
  int rc = render_counters(flows, n, out);
  if (rc == 0)
    rc = render_order_states(flows, n, out);
  if (rc == 0)
    rc = render_exceptions(flows, n, out);
  if (rc == 0)
    rc = render_outbox(flows, n, out);
  if (rc == 0)
    rc = render_rulehost(flows, n, out);
  if (rc == 0)
    rc = render_stock(flows, n, out);
  if (rc == 0)
    rc = render_store(flows, n, out);
  return rc == 0 ? 0 : CG_ENOMEM;
}
