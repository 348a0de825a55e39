/*
 * items_int: what the items flow's modules share (flows/items.h is the
 * public side). items.c owns struct cg_items, its timer and its closing;
 * items_read.c runs a read (sweep or delta) started by the timer;
 * items_push.c makes batches on the same timer. Loop thread only.
 */
#ifndef CG_FLOWS_ITEMS_INT_H
#define CG_FLOWS_ITEMS_INT_H

#include "flows/items.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <uv.h>

struct cg_items_read; /* a read in progress (items_read.c) */

#define CG_ITEMS_TICK_MS 250         /* timer period */
#define CG_ITEMS_HINT_MIN_MS 2000    /* hints: one delta read per 2 s */
#define CG_ITEMS_MAX_UNFINISHED 2    /* batches not finished at once */
#define CG_ITEMS_OVERLAP_MS 300000   /* delta read: 5 minutes back */
#define CG_ITEMS_READ_RETRY_MS 30000 /* a failed read, again after */
#define CG_ITEMS_READ_FAILURES 5     /* in a row: SYNC_FAILURE items/read */

enum cg_items_read_kind { CG_ITEMS_READ_DELTA = 1, CG_ITEMS_READ_SWEEP };

struct cg_items {
  struct cg_flow *f;
  struct cg_items_opts opts;  /* defaults filled in */
  uv_timer_t tick;            /* -> cg__items_tick */
  struct cg_items_read *read; /* NULL when no read runs */
  int64_t unfinished;         /* batches not finished (items_push.c) */
  int64_t push_pause_until;   /* mono ms: no batch before (a FAIL) */
  int64_t push_logged_at;     /* mono ms: a failed flush last logged */
  bool hinted;                /* a delta read is wanted */
  char hint_why[128];
  bool sweep_wanted;     /* a sweep to begin or to go on (its cursor) */
  bool sweep_again;      /* cg_items_sweep_soon during a sweep: another */
  int64_t next_sweep_ms; /* wall ms of the scheduled sweep; 0 = none */
  int64_t last_delta_ms; /* mono ms of the last delta read start */
  int64_t next_poll_ms;  /* mono ms of the next scheduled delta */
  int64_t read_failures; /* reads failed in a row */
  int64_t retry_at_ms;   /* mono ms: a failed read may go again */
  bool closing;
  void (*on_closed)(void *arg);
  void *on_closed_arg;
};

/* items_read.c: starts a read of kind (the sweep resumes from its
 * cursor); done(it, ok) fires once when it ends or fails. A page that
 * Centra's budget keeps back (or a rule host without a pack yet) ends
 * it early without done, neither a success nor a failure: retry_at_ms
 * is set (and a delta hinted again) and the tick starts it again then.
 * 0 or a negative CG_E* (done does not fire). */
int cg__items_read_start(struct cg_items *it, enum cg_items_read_kind kind,
                         void (*done)(struct cg_items *it, bool ok));
/* Stops a read at close: no callback touches it after this returns. */
void cg__items_read_stop(struct cg_items *it);

/* items_push.c: one flush (every tick): makes the batches that are due
 * (urgent rows at once, others after opts.window_ms or when a full batch
 * waits), at most CG_ITEMS_MAX_UNFINISHED unfinished. Errors are logged
 * and retried at the next tick. */
void cg__items_flush(struct cg_items *it);

/* items_build.c: the engine side of a built item. Checks doc (the item
 * the pack returned) against the warehouse contract (required sku,
 * field limits: sku 40, description 80, ...): 0, or CG_EINVAL with a
 * reason JSON {code, pointer, message, source: "engine"} in *reason
 * (caller deletes). */
int cg__items_check(const cJSON *doc, cJSON **reason);
/* The content hash of doc as printed unformatted (hex SHA-256). */
int cg__items_hash(const char *doc_json, char out[65]);

/* items_gate.c: a rejection reason {code, pointer, message, source}
 * ("engine" or "warehouse"), the one shape every refusal of an item is
 * stored in; a NULL member is left out. NULL on ENOMEM. */
cJSON *cg__items_reason(const char *code, const char *pointer,
                        const char *message, const char *source);
/* The same, printed (cg_free); NULL on ENOMEM. */
char *cg__items_reason_text(const char *code, const char *pointer,
                            const char *message, const char *source);

#endif
