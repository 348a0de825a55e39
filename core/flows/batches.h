/*
 * batches: what the flows that push batches of rows through the outbox
 * share (the stock push, stock_push.c, and the item push,
 * items_push.c): the batch's outbox row, and the log line of a flush
 * that failed. Loop thread only; cg_batch_put_row runs inside the
 * caller's transaction.
 */
#ifndef CG_FLOWS_BATCHES_H
#define CG_FLOWS_BATCHES_H

#include <cjson/cJSON.h>
#include <stdint.h>

struct cg_err;
struct cg_flow;

/* Inserts the outbox row of kind for a batch (payload printed; entity key
 * tag, e.g. "stock"); *id is the batch number. The idempotency key only
 * has to be unique per row ("cg-<merchant>-<tag>-<ms>-<n>"): Centra has
 * no idempotency keys, and the warehouse replays a resend of the row. */
int cg_batch_put_row(struct cg_flow *f, const char *kind, const char *tag,
                     const cJSON *payload, int64_t now_ms, int64_t *id,
                     struct cg_err *err);

/* Counts a failed flush of comp (a store error) and logs it, at most
 * once every 10 s per *last (the owner's mono ms of its last line;
 * NULL: no owner, every failure is logged). */
void cg_batch_log_failed(struct cg_flow *f, const char *comp, int64_t *last,
                         const char *what, const struct cg_err *err);

#endif
