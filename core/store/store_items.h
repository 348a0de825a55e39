/*
 * store_items: the local item master (schema step 10, docs/internals/
 * items.md, docs/internals/store.md "items"): per SKU the warehouse item
 * the pack built from Centra, its content hash, what the warehouse last
 * said about it, and the orders waiting for it. The flows
 * (core/flows/items*.c) own the decisions; this module only persists
 * them. Same rules as store.h: 0 or a negative CG_E*, details in err,
 * loop thread only, every statement prepared once.
 */
#ifndef CG_STORE_STORE_ITEMS_H
#define CG_STORE_STORE_ITEMS_H

#include "store/store_types.h"

#include <stdbool.h>
#include <stdint.h>

struct cg_err;

/* Cursors of the items flow (cg_store_cursor_get/set). */
#define CG_STORE_ITEMS_SINCE "items.since"         /* delta read watermark */
#define CG_STORE_ITEMS_SWEEP "items.sweep"         /* {n, page, started} */
#define CG_STORE_ITEMS_SWEEP_NEXT "items.sweep_at" /* ms of the next sweep */

#define CG_STORE_ITEM_HASH_MAX 65 /* hex SHA-256 and its NUL */

enum cg_store_item_state {
  CG_STORE_ITEM_NONE = 0, /* no row: the master never saw the SKU */
  CG_STORE_ITEM_PENDING,  /* no answer yet */
  CG_STORE_ITEM_ACCEPTED, /* the warehouse knows it */
  CG_STORE_ITEM_REJECTED, /* the warehouse (or the engine) refused it */
  CG_STORE_ITEM_EXCLUDED  /* the pack keeps it out of the warehouse */
};

/* "pending", "accepted", ... ("none" for CG_STORE_ITEM_NONE). */
const char *cg_store_item_state_name(enum cg_store_item_state st);
/* The state named name; CG_STORE_ITEM_NONE for anything else. */
enum cg_store_item_state cg_store_item_state_parse(const char *name);

/* One row of `items`. */
struct cg_store_item {
  char *sku;
  enum cg_store_item_state state;
  char *doc; /* the warehouse item as built; NULL = placeholder
              * or made outside the engine */
  char hash[CG_STORE_ITEM_HASH_MAX];          /* of doc; "" without */
  char answered_hash[CG_STORE_ITEM_HASH_MAX]; /* "" = never answered */
  char *reason;            /* the last rejection JSON, NULL */
  int64_t product_id;      /* 0 unknown */
  int64_t size_id;         /* 0 unknown */
  char *source_updated_at; /* Centra's updatedAt, NULL */
  int64_t dirty_since;     /* ms; 0 clean */
  bool urgent;             /* an order waits on it */
  int64_t batch;           /* the unfinished batch it is in; 0 none */
  int64_t seen_sweep;      /* the last full sweep that listed it */
  int64_t first_seen, answered_at, updated_at; /* ms */
};

void cg_store_item_clear(struct cg_store_item *it);

struct cg_store_item_list {
  struct cg_store_item *items;
  size_t n;
};
void cg_store_item_list_clear(struct cg_store_item_list *l);

/* ---- reading ------------------------------------------------------------*/

/* CG_ENOTFOUND when the SKU has no row. */
int cg_store_item_get(struct cg_store *s, const char *sku,
                      struct cg_store_item *out, struct cg_err *err);
/* The SKU's state only (CG_STORE_ITEM_NONE and 0 when no row): the
 * order gate's look-up, one indexed read. */
int cg_store_item_state(struct cg_store *s, const char *sku,
                        enum cg_store_item_state *out, struct cg_err *err);
/* Up to limit rows in state (PENDING or REJECTED; NONE = both), SKUs
 * after `after` ("" to start), in SKU order: the launch-readiness list. */
int cg_store_items_list(struct cg_store *s, enum cg_store_item_state state,
                        const char *after, size_t limit,
                        struct cg_store_item_list *out, struct cg_err *err);
/* Rows per state (name = state name), for metrics, the CLI and the API. */
int cg_store_items_counts(struct cg_store *s, struct cg_store_count_list *out,
                          struct cg_err *err);

/* ---- from Centra (inside the page's transaction) -----------------------*/

/* One size as the pack built it. */
struct cg_store_item_source {
  const char *sku;
  const char *doc;  /* the item JSON; NULL when excluded */
  const char *hash; /* of doc; NULL when excluded */
  bool excluded;    /* items.include said no */
  int64_t product_id, size_id;
  const char *source_updated_at; /* may be NULL */
  int64_t sweep;                 /* the full sweep reading it; 0 = delta */
};

/* Creates or updates the SKU's row from src: excluded -> state excluded,
 * clean; else doc and hash replaced, and the row is dirty (dirty_since =
 * now_ms unless already dirty) exactly when hash differs from
 * answered_hash, clean otherwise. An excluded row that comes back is
 * pending again. seen_sweep moves to src->sweep when it is not 0.
 * *dirty (may be NULL) tells whether the row is dirty now. */
int cg_store_item_source(struct cg_store *s,
                         const struct cg_store_item_source *src, int64_t now_ms,
                         bool *dirty, struct cg_err *err);
/* Rejects the SKU's current content without sending it (the engine found
 * it breaks the contract): as cg_store_item_answer(rejected) for the row's
 * hash. CG_ENOTFOUND without a row. */
int cg_store_item_refuse(struct cg_store *s, const char *sku,
                         const char *reason_json, int64_t now_ms,
                         struct cg_err *err);

/* ---- sending (inside the outbox's transactions) ------------------------*/

/* Up to limit dirty rows not in a batch, urgent first, then oldest
 * dirty_since (sku, doc and hash filled). */
int cg_store_items_due(struct cg_store *s, size_t limit,
                       struct cg_store_item_list *out, struct cg_err *err);
/* Whether any dirty row waits outside a batch (cheap: the flusher's
 * question), and whether one of them is urgent. */
int cg_store_items_any_due(struct cg_store *s, bool *any, bool *urgent,
                           struct cg_err *err);
/* Puts sku in batch (> 0). CG_EEXIST if it is in another batch. */
int cg_store_item_batch_set(struct cg_store *s, const char *sku, int64_t batch,
                            struct cg_err *err);
/* Frees every row of batch (its answer never came: FAIL, or given up);
 * they stay dirty. */
int cg_store_items_batch_free(struct cg_store *s, int64_t batch,
                              struct cg_err *err);

/* The warehouse's answer about sku's content hash. batch is the batch
 * that carried that content (its outbox row id), 0 for an answer that
 * comes from no batch (an item.rejected event, the engine's refusal, the
 * order gate's look-up): only the answering batch frees the row from its
 * batch, so an answer from elsewhere never lets the same content go out
 * in a second batch while the first is unfinished. If hash is the row's
 * current hash, sets state (ACCEPTED or REJECTED), answered_hash, reason
 * (NULL when accepted), answered_at, urgent 0 when accepted, and cleans
 * the row. *applied (may be NULL) is whether the state was set (false:
 * the content changed meanwhile, the row stays dirty). A row without doc
 * (a placeholder or an item made outside the engine) takes the answer
 * whatever hash is; a row with a doc never takes hash "" (the look-up's
 * answer is not about its content); an excluded row keeps its state (the
 * answer only frees it). Creates a row (doc NULL) when none exists: the
 * fallback look-up found the item. */
int cg_store_item_answer(struct cg_store *s, const char *sku, const char *hash,
                         int64_t batch, enum cg_store_item_state state,
                         const char *reason_json, int64_t now_ms, bool *applied,
                         struct cg_err *err);
/* Marks the SKU to be sent again with its current content (an operator
 * retry of ITEM_REJECTED): answered_hash cleared, dirty now. CG_ENOTFOUND
 * without a row; a row without doc only becomes urgent. */
int cg_store_item_resend(struct cg_store *s, const char *sku, int64_t now_ms,
                         struct cg_err *err);

/* ---- orders waiting (inside the order's or the answer's transaction) ---*/

/* Creates a placeholder row (state pending, no doc, urgent) when the SKU
 * has none, else marks the row urgent; records that order waits on it.
 * Idempotent. */
int cg_store_item_wait_add(struct cg_store *s, const char *sku,
                           const char *order_number, int64_t now_ms,
                           struct cg_err *err);
/* The orders waiting on sku (name = order number), at most limit. */
int cg_store_item_waiters(struct cg_store *s, const char *sku, size_t limit,
                          struct cg_store_count_list *out, struct cg_err *err);
/* The SKUs order still waits on (name = SKU). */
int cg_store_item_waits_of(struct cg_store *s, const char *order_number,
                           struct cg_store_count_list *out, struct cg_err *err);
/* Forgets that order waits on sku (no error when it did not). */
int cg_store_item_wait_remove(struct cg_store *s, const char *sku,
                              const char *order_number, struct cg_err *err);
/* Forgets every wait of order (it is queued again: orders.c queue_order;
 * the waits of an order cancelled or rejected while held go lazily, when
 * cg_items_settled finds it no longer held). */
int cg_store_item_waits_clear(struct cg_store *s, const char *order_number,
                              struct cg_err *err);

#endif
