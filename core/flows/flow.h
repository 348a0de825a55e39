/*
 * flow: the per-merchant context every flow (orders now; dispatch, stock,
 * items, returns later) works in, and the metrics they count. The app
 * layer (core/app/merchant.c) owns and fills it; flows reach partners
 * only through core/centra and core/gxo and rules only through
 * core/rules (ARCHITECTURE §2).
 */
#ifndef CG_FLOWS_FLOW_H
#define CG_FLOWS_FLOW_H

#include "base/map.h"
#include "base/rand.h"

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

struct cg_store;
struct cg_rulehost;
struct cg_decide;
struct cg_centra;
struct cg_gxo;
struct cg_outbox;
struct cg_skuset;
struct cg_monitor;
struct cg_stock;
struct cg_items;
struct cg_returns;

/* Monotonic counters since start (the store holds the durable picture). */
struct cg_flow_metrics {
  uint64_t orders_received;       /* order versions taken into the inbox */
  uint64_t orders_ignored;        /* not eligible or already handled */
  uint64_t orders_queued;         /* decided and put in the outbox */
  uint64_t orders_held;           /* held with an exception */
  uint64_t orders_sent;           /* warehouse answered 2xx */
  uint64_t orders_accepted;       /* order.accepted seen */
  uint64_t orders_rejected;       /* order.rejected or a permanent 4xx */
  uint64_t deliveries;            /* outbox attempts started */
  uint64_t retries;               /* attempts that ended in RETRY */
  uint64_t dead_letters;          /* outbox rows failed permanently */
  uint64_t events_gxo;            /* warehouse events taken in */
  uint64_t events_centra;         /* Centra events taken in */
  uint64_t orders_polled;         /* orders the poll read in full */
  uint64_t poll_passes;           /* complete poll passes */
  uint64_t duplicates;            /* messages dropped as already seen */
  uint64_t webhooks_ok;           /* signed webhooks accepted */
  uint64_t webhooks_refused;      /* bad or stale signature */
  uint64_t consignments_received; /* shipment.confirmed taken (new) */
  uint64_t consignments_shipped;  /* completed in Centra */
  uint64_t consignments_held;     /* held with an exception */
  uint64_t rule_errors;           /* hook calls that failed */
  uint64_t store_errors;          /* transactions that failed and rolled back */
  uint64_t sla_warnings;          /* SLA_WARNING raised (flows/monitor.h) */
  uint64_t sla_breaches;          /* SLA_BREACH raised */
  uint64_t sla_closed;            /* SLA watches closed (dispatched, ended) */
  uint64_t stock_events;          /* stock effects applied (flows/stock.h) */
  uint64_t stock_batches;         /* setStock batches that succeeded */
  uint64_t stock_skus_pushed;     /* SKU figures Centra accepted */
  uint64_t stock_snapshots;       /* snapshots applied */
  uint64_t stock_gaps;            /* sequence gaps healed by a snapshot */
  uint64_t stock_drifts;          /* STOCK_DRIFT raised */
  uint64_t items_read;            /* sizes read from Centra (flows/items.h) */
  uint64_t items_batches;         /* POST /items:batch answered */
  uint64_t items_accepted;        /* item answers: accepted */
  uint64_t items_rejected;        /* item answers: rejected */
  uint64_t items_released;        /* orders released by an acceptance */
  uint64_t returns_read;          /* new Centra returns stored (returns.h) */
  uint64_t returns_advised;       /* advices the warehouse took */
  uint64_t returns_rejected;      /* advices refused or not sendable */
  uint64_t returns_received;      /* receipts recorded */
  uint64_t returns_completed;     /* Centra returns completed */
  uint64_t returns_refunded;      /* Centra returns refunded */
  uint64_t returns_held;          /* returns held for customer service */
  uint64_t returns_unadvised;     /* parcels without a known RMA */
};

/* Centra store settings that change the flows (docs/operations.md,
 * "Store settings"). */
struct cg_flow_settings {
  bool centra_events;      /* events queue on; else the poll alone */
  bool direct_to_shipment; /* orders arrive PROCESSING with a shipment */
  bool autoconfirm;        /* orders skip PENDING */

  /* The Centra warehouse that is the GXO site (centra.warehouse). */
  int64_t centra_warehouse;
};

struct cg_flow {
  const char *merchant; /* id, for logs and idempotency keys */
  uv_loop_t *loop;
  struct cg_store *store;
  struct cg_rulehost *rulehost; /* decides orders (flows/decide.h) */
  struct cg_decide *decide;     /* the plans asked for and not stored */
  char rules_label[160];        /* CG_RULES_LABEL_MAX: the generation
                                 * that decides now, for the timeline */
  char rules_problem[768];      /* non-empty: no generation has ever
                                 * loaded, and why (/healthz reports it) */
  struct cg_centra *centra;
  struct cg_gxo *gxo;
  struct cg_outbox *outbox;
  struct cg_skuset *known_skus;   /* SKUs seen at the warehouse (skus.h) */
  struct cg_map dispatch_checked; /* consignments whose row matches Centra
                                   * (flows/dispatch_ship.c) */
  struct cg_map orders_writing;   /* orders with a dispatch delivery in
                                   * flight: one at a time per order
                                   * (cg__dispatch_order_take) */
  struct cg_monitor *monitor;     /* the SLA monitor (flows/monitor.h) */
  struct cg_stock *stock;         /* the stock flow (flows/stock.h) */
  struct cg_items *items;         /* the items flow (flows/items.h) */
  struct cg_returns *returns;     /* the returns flow (flows/returns.h) */
  struct cg_rand rng;
  struct cg_flow_settings settings;
  struct cg_flow_metrics metrics;
};

#endif
