/*
 * store_stock: the stock flow's rows (schema step 9, docs/internals/
 * stock.md, docs/internals/store.md "stock"): per SKU the warehouse's
 * quantities per stock status as the engine knows them (the last snapshot
 * plus the events after it), the applied-event log that makes every event
 * count once, the dispatched units Centra has not taken out yet (D), the
 * Centra-restocked return units the warehouse has not shown yet (R), and
 * what was pushed to Centra. The flows (core/flows/stock*.c) own the
 * arithmetic; this module only persists it. Same rules as store.h: 0 or a
 * negative CG_E*, details in err, loop thread only, every statement
 * prepared once.
 */
#ifndef CG_STORE_STORE_STOCK_H
#define CG_STORE_STORE_STOCK_H

#include "store/store_types.h"

#include <stdbool.h>
#include <stdint.h>

struct cg_err;

/* The warehouse's stock statuses (warehouse-api-v1.md). Stored as text;
 * an unknown status is refused by the flow before it reaches the store. */
#define CG_STOCK_STATUS_MAX 32

/* The cursor holding the asOfSequence of the last snapshot applied to
 * every SKU (written by the reconcile, flows/stock_reconcile.c). A SKU
 * first seen later starts with it as its base: that snapshot did not
 * list the SKU, so it held none as of it. */
#define CG_STORE_STOCK_BASE_CURSOR "stock.base_seq"

/* The cursor holding the highest asOfSequence of a snapshot whose pages
 * are being applied (cg_store_stock_stage_apply sets it, never lower;
 * cg_store_stock_snapshot_applied removes it). An event above it is
 * applied at once; one at or below it is held if a page applied its SKU
 * as of its sequence or later (cg_store_stock_paged).
 * docs/internals/stock.md "Never applied twice". */
#define CG_STORE_STOCK_APPLYING_CURSOR "stock.applying"

/* One SKU's row in `stock`. */
struct cg_store_stock {
  char *sku;
  /* the row's own base, set when it is made and by
   * cg_store_stock_snapshot_sku; 0 = none. The SKU's effective base is the
   * larger of it and CG_STORE_STOCK_BASE_CURSOR (cg_store_stock_bases). */
  int64_t base_seq;
  int64_t version;          /* bumped by every change that can move P */
  int64_t pending_dispatch; /* D: dispatched, not completed in Centra */
  int64_t pending_return;   /* R: restocked by Centra, not yet in W */
  bool pushed;              /* a push has succeeded */
  int64_t pushed_qty;       /* the last P Centra accepted */
  int64_t pushed_version;   /* the version that P was computed at */
  int64_t pushed_at;        /* ms, 0 = never */
  int64_t dirty_since;      /* ms; 0 = clean */
  int64_t batch;            /* the unfinished batch it is in; 0 = none */
  bool held;                /* Centra refused it (STOCK_SYNC): not pushed
                             * until an operator retries */
  /* 0: Centra's figure never read; 1: recorded, and confirmed by every
   * reconcile that read all of Centra since (the last one finished at
   * CG_STORE_STOCK_CONFIRMED_CURSOR); 2: recorded, not seen by the last
   * such reconcile */
  int centra_known;
  int64_t centra_qty;    /* that figure */
  int64_t reconciled_at; /* ms, 0 = never */
  int64_t updated_at;
};

/* One status's quantity of a SKU. */
struct cg_store_stock_level {
  char status[CG_STOCK_STATUS_MAX];
  int64_t quantity;
};

struct cg_store_stock_levels {
  struct cg_store_stock_level *items;
  size_t n;
};

void cg_store_stock_clear(struct cg_store_stock *st);
void cg_store_stock_levels_clear(struct cg_store_stock_levels *l);

/* ---- the SKU row -------------------------------------------------------*/

/* CG_ENOTFOUND if the SKU has no row. */
int cg_store_stock_get(struct cg_store *s, const char *sku,
                       struct cg_store_stock *out, struct cg_err *err);
/* The SKU's quantities per status (only statuses ever seen). */
int cg_store_stock_levels(struct cg_store *s, const char *sku,
                          struct cg_store_stock_levels *out,
                          struct cg_err *err);

/* ---- applying events (inside the inbox transaction) -------------------*/

/* Applies delta to (sku, status) as the effect of event seq, once: creates
 * the SKU row if needed, logs (seq, sku, status), adds delta to the level,
 * bumps the version and marks the SKU dirty at now_ms (dirty_since kept if
 * already dirty). *applied (may be NULL) is false, and nothing changes,
 * when (seq, sku, status) is already logged or seq <= the SKU's base. */
int cg_store_stock_apply(struct cg_store *s, int64_t seq, const char *sku,
                         const char *status, int64_t delta, int64_t now_ms,
                         bool *applied, struct cg_err *err);
/* Adds delta to D (pending_dispatch) of sku for consignment shipment_id
 * (recorded in stock_dispatch, so completion takes back exactly what was
 * added), bumps the version and marks dirty. CG_EEXIST, nothing changed,
 * if (shipment_id, sku) is already recorded. */
int cg_store_stock_dispatch_add(struct cg_store *s, const char *shipment_id,
                                const char *sku, int64_t quantity,
                                int64_t now_ms, struct cg_err *err);
/* The consignment's Centra shipment is completed: takes its units out of
 * D for each SKU, bumps their versions, marks them dirty, forgets the
 * consignment. 0 (and nothing changed) if it recorded none. */
int cg_store_stock_dispatch_done(struct cg_store *s, const char *shipment_id,
                                 int64_t now_ms, struct cg_err *err);
/* Up to limit held consignments (dispatches at step held) whose units
 * are still in D and that have no open exception of entity_kind: an
 * operator resolved them by hand (name = shipment id). */
int cg_store_stock_dispatch_resolved(struct cg_store *s,
                                     const char *entity_kind, int limit,
                                     struct cg_store_count_list *out,
                                     struct cg_err *err);
/* Adds delta (may be negative) to R of sku; bumps the version, marks
 * dirty. For the returns flow (route "centra"). */
int cg_store_stock_return_add(struct cg_store *s, const char *sku,
                              int64_t delta, int64_t now_ms,
                              struct cg_err *err);
/* Marks sku dirty at now_ms and bumps its version (a reconcile found
 * Centra off, the policy changed, a cancelLines removed stock). Creates
 * no row: CG_ENOTFOUND if the SKU is unknown. */
int cg_store_stock_touch(struct cg_store *s, const char *sku, int64_t now_ms,
                         struct cg_err *err);

/* ---- snapshots ---------------------------------------------------------*/

/* Replaces sku's levels by the snapshot's (levels) plus every logged
 * event with seq > as_of_seq, sets its base to as_of_seq, prunes its log
 * at or below it, bumps the version and marks it dirty if any level
 * changed. A SKU whose base is already >= as_of_seq is left alone
 * (*stale true), except that a SKU without a base (0) takes a snapshot
 * as of 0 (the warehouse published nothing yet). Creates the row if
 * needed. */
int cg_store_stock_snapshot_sku(struct cg_store *s, const char *sku,
                                const struct cg_store_stock_level *levels,
                                size_t n, int64_t as_of_seq, int64_t now_ms,
                                bool *stale, struct cg_err *err);
/* SKUs with a row that the snapshot as_of_seq did not list (all their
 * levels go to 0 as of it): up to limit SKUs with base < as_of_seq that
 * no page applied since the last cg_store_stock_listed_clear listed,
 * after the SKU `after` ("" to start), in SKU order (name = SKU). With
 * as_of_seq INT64_MAX: every SKU (the list is not consulted). */
int cg_store_stock_unlisted(struct cg_store *s, int64_t as_of_seq,
                            const char *after, size_t limit,
                            struct cg_store_count_list *out,
                            struct cg_err *err);
/* The last completed snapshot's asOfSequence (CG_STORE_STOCK_BASE_CURSOR)
 * and the one being applied (CG_STORE_STOCK_APPLYING_CURSOR); 0 = none. */
int cg_store_stock_bases(struct cg_store *s, int64_t *done, int64_t *applying,
                         struct cg_err *err);

/* ---- a snapshot page, set-based (store_stock_stage.c) -----------------
 * The reconcile stages a page's SKUs, then applies them with a few
 * statements for the whole page: the same effect, SKU by SKU, as
 * cg_store_stock_snapshot_sku (which is a stage of one and an apply). The
 * stage lives in the connection's TEMP tables: the caller stages and
 * applies inside one transaction (a rollback empties it), and nothing
 * else may be staged in between. */

/* Stages sku's levels as a snapshot lists them (n 0: it lists none, every
 * level goes to 0). A status staged twice counts twice; a level of 0 is
 * the same as one not listed (not staged). */
int cg_store_stock_stage(struct cg_store *s, const char *sku,
                         const struct cg_store_stock_level *levels, size_t n,
                         struct cg_err *err);
/* Applies every staged SKU as a page of the snapshot as_of_seq and
 * empties the stage: a SKU whose own base is at or above as_of_seq (and
 * not 0) left alone (counted in *stale; a SKU without a row has the last
 * snapshot's base, and is given no row then), rows created as needed,
 * W = the snapshot + the logged events after as_of_seq, a SKU whose
 * levels moved marked (version, dirty), the SKUs noted as listed, and
 * CG_STORE_STOCK_APPLYING_CURSOR raised to as_of_seq. Rows' bases and
 * the log are left as they are until cg_store_stock_snapshot_applied. */
int cg_store_stock_stage_apply(struct cg_store *s, int64_t as_of_seq,
                               int64_t now_ms, int64_t *stale,
                               struct cg_err *err);
/* The separator of a page's SKUs in cg_store_stock_paged's text. */
#define CG_STORE_STOCK_PAGED_SEP '\x1f'
/* The SKUs a page of the snapshot as_of_seq applied (listed, staged or
 * unchanged, and the unlisted ones set to 0), as text: each SKU between
 * two CG_STORE_STOCK_PAGED_SEP. Written in the page's transaction: a late
 * event at or below the snapshot whose SKU the latest such page applied
 * is held (cg_store_stock_apply), as that page counted it; one whose SKU
 * no page applied yet is applied, as the page will recompute it. */
int cg_store_stock_paged(struct cg_store *s, int64_t as_of_seq,
                         const char *skus, struct cg_err *err);
/* Paging a snapshot (again) from its first page: no SKU is listed yet. */
int cg_store_stock_listed_clear(struct cg_store *s, struct cg_err *err);
/* Every SKU now holds the snapshot as_of_seq (listed, or unlisted and
 * set to 0): the log at or below it is pruned, the applying cursor, the
 * listed SKUs and the pages' SKUs (cg_store_stock_paged) cleared. The
 * caller sets CG_STORE_STOCK_BASE_CURSOR in the same transaction. */
int cg_store_stock_snapshot_applied(struct cg_store *s, int64_t as_of_seq,
                                    struct cg_err *err);

/* ---- a Centra page, set-based (store_stock_stage.c) ----------------------*/

/* Statuses a cg_store_stock_seen holds; a SKU with more is read with
 * cg_store_stock_levels (more is set). */
#define CG_STORE_STOCK_SEEN_LEVELS 8

/* One SKU of a staged Centra page, with the engine's row and levels. */
struct cg_store_stock_seen {
  char *sku;        /* as Centra lists it */
  int64_t centra;   /* Centra's figure */
  int64_t asked_ms; /* when it was asked for (as staged) */
  bool known;       /* the SKU has a row: row and levels are read */
  struct cg_store_stock row;
  struct cg_store_stock_level levels[CG_STORE_STOCK_SEEN_LEVELS];
  size_t n;
  bool more; /* more statuses than levels holds */
};

struct cg_store_stock_seen_list {
  struct cg_store_stock_seen *items;
  size_t n;
};

void cg_store_stock_seen_list_clear(struct cg_store_stock_seen_list *l);

/* Stages Centra's figure of sku, asked for at asked_ms (listed twice:
 * the last one counts). */
int cg_store_stock_cstage(struct cg_store *s, const char *sku, int64_t qty,
                          int64_t asked_ms, struct cg_err *err);
/* Every staged SKU in SKU order with its row and levels (one walk). */
int cg_store_stock_cstage_read(struct cg_store *s,
                               struct cg_store_stock_seen_list *out,
                               struct cg_err *err);
/* The staged sku's figure is not to be recorded. */
int cg_store_stock_cstage_skip(struct cg_store *s, const char *sku,
                               struct cg_err *err);
/* Records every staged figure not skipped (as cg_store_stock_centra_seen
 * does) and empties the stage. A SKU without a row must be skipped: it
 * would be given one. */
int cg_store_stock_cstage_seen(struct cg_store *s, int64_t now_ms,
                               struct cg_err *err);

/* ---- pushing -----------------------------------------------------------*/

/* The dirty SKUs in no batch and not held, oldest dirty first, up to limit
 * (name = SKU, count = dirty_since). */
int cg_store_stock_dirty(struct cg_store *s, size_t limit,
                         struct cg_store_count_list *out, struct cg_err *err);
/* Whether at least n SKUs are dirty, in no batch and not held (the
 * flusher asks whether a batch is full; it walks n index entries at
 * most). */
int cg_store_stock_dirty_atleast(struct cg_store *s, int64_t n, bool *yes,
                                 struct cg_err *err);
/* How many dirty SKUs are in no batch and not held (metrics). */
int cg_store_stock_dirty_count(struct cg_store *s, int64_t *n,
                               struct cg_err *err);
/* Puts sku in batch (the outbox row id) and clears dirty_since. */
int cg_store_stock_batch_take(struct cg_store *s, const char *sku,
                              int64_t batch, struct cg_err *err);
/* The batch finished: sku leaves it; ok records pushed_qty / version /
 * at; the SKU stays clean only if its version is still pushed_version,
 * otherwise it is dirty again at now_ms. !ok marks it dirty again. */
int cg_store_stock_batch_done(struct cg_store *s, const char *sku, bool ok,
                              int64_t qty, int64_t version, int64_t now_ms,
                              struct cg_err *err);

/* Clears dirty_since without a push (an excluded SKU: nothing to send). */
int cg_store_stock_clean(struct cg_store *s, const char *sku,
                         struct cg_err *err);
/* Holds sku out of batches (Centra refused it) or releases it (an
 * operator's retry: it is marked dirty at now_ms). */
int cg_store_stock_hold(struct cg_store *s, const char *sku, bool held,
                        int64_t now_ms, struct cg_err *err);
/* The held SKUs after the SKU `after` ("" to start), in SKU order, up
 * to limit (name = SKU, count = dirty_since). For operations (admin API
 * `stock?state=held`, store_stock_ops.c): a scan of the stock table,
 * never on a hot path. */
int cg_store_stock_held(struct cg_store *s, const char *after, size_t limit,
                        struct cg_store_count_list *out, struct cg_err *err);

/* ---- reconcile ---------------------------------------------------------*/

/* Records Centra's figure for sku read by a reconcile at now_ms. */
int cg_store_stock_centra_seen(struct cg_store *s, const char *sku, int64_t qty,
                               int64_t now_ms, struct cg_err *err);

/* ---- sequences and gaps (every warehouse event, any type) ---------------*/

/* Records that event seq was seen; advances the watermark over every
 * contiguous sequence seen. Cheap and idempotent. */
int cg_store_stock_seq_seen(struct cg_store *s, int64_t seq,
                            struct cg_err *err);
/* The watermark (all sequences <= it seen), the highest seen, and since
 * when (ms) the lowest hole above the watermark has been open (0 if
 * none). */
int cg_store_stock_seq_state(struct cg_store *s, int64_t *watermark,
                             int64_t *highest, int64_t *hole_since,
                             struct cg_err *err);
/* A snapshot as of seq covers everything up to it: the watermark moves
 * to max(watermark, seq) and seen sequences at or below are forgotten. */
int cg_store_stock_seq_cover(struct cg_store *s, int64_t seq,
                             struct cg_err *err);
/* After a fresh snapshot as of seq that the engine asked for at
 * asked_ms: a sequence above seq seen before asked_ms cannot be true (the
 * warehouse took the snapshot after publishing it, so the snapshot's
 * sequence would be at least as high); such sequences are forgotten and
 * `highest` comes down to what remains, so a bogus far-ahead sequence
 * does not hold a hole open for ever. Their logged stock changes go too:
 * the snapshot holds their effect, and a change logged above every
 * snapshot would be added to each (counted twice for good). Call it
 * before the snapshot's SKUs are applied. *dropped (may be NULL) says
 * how many sequences. */
int cg_store_stock_seq_drop_ahead(struct cg_store *s, int64_t seq,
                                  int64_t asked_ms, int64_t *dropped,
                                  struct cg_err *err);

/* ---- the reconcile's image (store_stock_image.c) ------------------------
 * docs/internals/stock-reconcile-plan.md, steps 2 to 4. At a snapshot's
 * first page the reconcile loads an image of every SKU's levels, less
 * the logged events above the snapshot: a page SKU whose snapshot levels
 * equal that is unchanged by the snapshot, and nothing needs writing for
 * it. From the load until the image is dropped, every store write of a
 * SKU's row or levels marks it touched, and a touched SKU is never taken
 * as unchanged: the image errs toward the full path, never toward a
 * missed write. One image per store, in memory only. */

/* Loads the image as of the snapshot as_of_seq, replacing any. A store
 * holding more than CG_STORE_STOCK_IMAGE_MAX SKUs gets none (0 returned,
 * every SKU then takes the full path). */
#define CG_STORE_STOCK_IMAGE_MAX 1000000
int cg_store_stock_image_load(struct cg_store *s, int64_t as_of_seq,
                              struct cg_err *err);
void cg_store_stock_image_drop(struct cg_store *s);
/* Whether the image holds sku, untouched, with exactly these levels (0
 * the same as not listed). False when there is no image. */
bool cg_store_stock_image_same(struct cg_store *s, const char *sku,
                               const struct cg_store_stock_level *levels,
                               size_t n);
/* Notes sku as listed by the snapshot being applied, without staging it
 * (a SKU the image shows unchanged): the unlisted pass leaves it alone. */
int cg_store_stock_listed(struct cg_store *s, const char *sku,
                          struct cg_err *err);
/* How many SKUs the image holds (0: none loaded). */
size_t cg_store_stock_image_size(const struct cg_store *s);

/* Step 4: Centra's half. What the image holds of a SKU that no write has
 * touched since the load, whose row Centra's figure was recorded in and
 * confirmed by the last reconcile (centra_known 1) and which has no
 * logged event above the snapshot: its levels are W, so P can be
 * computed without the store. */
struct cg_store_stock_image_sku {
  int64_t pending_dispatch, pending_return, pushed_at, centra_qty;
  size_t n;
  struct cg_store_stock_level levels[6]; /* the image keeps at most 6 */
};
/* True and *out filled for such a SKU; false otherwise (the full path). */
bool cg_store_stock_image_settled(struct cg_store *s, const char *sku,
                                  struct cg_store_stock_image_sku *out);
/* sku's Centra figure was compared by this reconcile (from the image or
 * recorded by the full path). */
void cg_store_stock_image_confirm(struct cg_store *s, const char *sku);
/* At the end of a reconcile that read all of Centra with this image held
 * from before its first comparison: every SKU whose figure the last
 * reconcile confirmed (centra_known 1) and this one did not compare
 * (Centra no longer lists it, it was pushed after its page was read, the
 * pack excludes it) gets centra_known 2 and, as reconciled_at, the last
 * time a reconcile confirmed it (prev_ms, the cursor
 * CG_STORE_STOCK_CONFIRMED_CURSOR before this one). *n: how many. */
int cg_store_stock_image_unconfirmed(struct cg_store *s, int64_t prev_ms,
                                     int64_t *n, struct cg_err *err);

/* When the last reconcile that read all of Centra finished (ms): a row
 * with centra_known 1 was confirmed by it, whatever its reconciled_at
 * (written only when a reconcile records the figure: it changed, or the
 * image could not settle it). */
#define CG_STORE_STOCK_CONFIRMED_CURSOR "stock.reconcile.confirmed"

#endif
