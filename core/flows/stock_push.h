/*
 * stock_push: what the push side of the stock flow (stock_push.c) shows
 * the other flows: the outbox kind's name and the exception STOCK_SYNC
 * that a refused push raises, and its operator retry (dispatched by
 * entity kind from the one retry path in orders_events.c, like
 * cg_dispatch_retry). flows/stock.h declares the kind itself.
 */
#ifndef CG_FLOWS_STOCK_PUSH_H
#define CG_FLOWS_STOCK_PUSH_H

#include <stdbool.h>

struct cg_err;
struct cg_flow;
struct cg_store_exception;

/* The outbox kind of a push batch (cg_stock_push_kind). */
#define CG_STOCK_PUSH_KIND "centra.stock.set"
/* Centra refused a push (owner operations, docs/operations.md). */
#define CG_STOCK_SYNC "STOCK_SYNC"
/* STOCK_SYNC on one SKU Centra refused (key: the SKU, held until an
 * operator retries). */
#define CG_STOCK_SYNC_ENTITY "stock-sync"
/* STOCK_SYNC on a batch whose failure names no SKU (key
 * CG_STOCK_SYNC_BATCH_KEY: one exception, bumped while it lasts; the
 * SKUs stay dirty and go again). */
#define CG_STOCK_SYNC_BATCH_ENTITY "stock-batch"
#define CG_STOCK_SYNC_BATCH_KEY "setStock"

/* Whether exceptions on entity_kind belong to the stock push. */
bool cg_stock_owns(const char *entity_kind);
/* An operator's retry of a STOCK_SYNC, inside the caller's transaction:
 * resolves it and releases the SKU (marked dirty now: the next batch
 * takes it). 0 or a negative CG_E*. */
int cg_stock_retry(struct cg_flow *f, const struct cg_store_exception *x,
                   struct cg_err *err);
/* Releases every held SKU whose STOCK_SYNC is no longer open (an operator
 * resolved it instead of retrying), in one transaction of its own (none
 * may be open). The flusher runs it about once a minute; errors are
 * logged. */
void cg__stock_release_resolved(struct cg_flow *f);

#endif
