/*
 * store_returns: customer returns (schema step 11, docs/internals/
 * returns.md "Store"): per Centra return its step, the warehouse's
 * receipt, the pack's plan, and per line what was advised, received and
 * decided, with the units each restock route counted. The flows
 * (core/flows/returns*.c) own the decisions; this module only persists
 * them. Same rules as store.h: 0 or a negative CG_E*, details in err,
 * loop thread only, every statement prepared once.
 */
#ifndef CG_STORE_STORE_RETURNS_H
#define CG_STORE_STORE_RETURNS_H

#include "store/store_types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cg_err;

/* Cursor of the returns poll (cg_store_cursor_get/set): the createdAt
 * watermark, ISO 8601. */
#define CG_STORE_RETURNS_SINCE "returns.since"

enum cg_store_return_step {
  CG_STORE_RETURN_NONE = 0,  /* no row */
  CG_STORE_RETURN_NEW,       /* read from Centra, advice queued */
  CG_STORE_RETURN_ADVISED,   /* the warehouse expects it */
  CG_STORE_RETURN_REJECTED,  /* advice refused or not sendable */
  CG_STORE_RETURN_RECEIVED,  /* receipt recorded, settle queued */
  CG_STORE_RETURN_DECIDED,   /* plan committed, no Centra write yet */
  CG_STORE_RETURN_COMPLETED, /* Centra return completed */
  CG_STORE_RETURN_SETTLED,   /* refunded, or no refund due: final */
  CG_STORE_RETURN_HELD,      /* waits for customer service */
  CG_STORE_RETURN_IGNORED    /* no line of an order the engine sent */
};
#define CG_STORE_RETURN_NSTEPS 10

/* "new", "advised", ... ("none" for CG_STORE_RETURN_NONE). */
const char *cg_store_return_step_name(enum cg_store_return_step st);
/* The step named name; CG_STORE_RETURN_NONE for anything else. */
enum cg_store_return_step cg_store_return_step_parse(const char *name);

/* One row of `returns`. Strings are owned (cg_store_return_clear). */
struct cg_store_return {
  int64_t id;         /* Centra return id; the rmaRef is its decimal form */
  char *order_number; /* NULL for an ignored return */
  enum cg_store_return_step step;
  char *initial_status;           /* returnStatus at the first read */
  char *comment;                  /* Centra's comment, NULL */
  char *receipt_id;               /* NULL until a receipt */
  char *receipt;                  /* the return.received data (JSON), NULL */
  char *plan;                     /* the checked returns.decide result, NULL */
  char *hold_reason;              /* an exception type while held, NULL */
  int64_t created_at, updated_at; /* ms */
};

/* One row of `return_lines`. */
struct cg_store_return_line {
  int64_t line_id;          /* Centra return line id */
  char *line_ref;           /* Centra order line id = the warehouse lineRef */
  char *sku;                /* from the engine's order_lines */
  int64_t advised;          /* units advised (> 0) */
  int64_t received;         /* units received; -1 before the receipt */
  char *condition;          /* NULL before the receipt */
  char *disposition;        /* NULL before the receipt */
  char *decision;           /* the line's decision (JSON), NULL */
  int64_t centra_restocked; /* route centra: units of Centra's restock
                             * the warehouse will show (counted in R) */
  int64_t warehouse_restocked; /* units the warehouse's feed showed for
                                * this RMA and SKU (stock.adjusted) */
};

struct cg_store_return_lines {
  struct cg_store_return_line *items;
  size_t n;
};

struct cg_store_return_list {
  struct cg_store_return *items;
  size_t n;
};

void cg_store_return_clear(struct cg_store_return *r);
void cg_store_return_lines_clear(struct cg_store_return_lines *l);
void cg_store_return_list_clear(struct cg_store_return_list *l);

/* Inserts r (id, order_number, step, initial_status, comment; the other
 * fields as given, NULL allowed) and its n lines (received -1 and the
 * receipt fields NULL unless given), stamped now_ms. CG_EEXIST (nothing
 * written) when the id is known. */
int cg_store_return_put(struct cg_store *s, const struct cg_store_return *r,
                        const struct cg_store_return_line *lines, size_t n,
                        int64_t now_ms, struct cg_err *err);
/* A rejected return read again: its lines become these n (as put stores
 * them). CG_ENOTFOUND (nothing written) when id is unknown. */
int cg_store_return_lines_replace(struct cg_store *s, int64_t id,
                                  const struct cg_store_return_line *lines,
                                  size_t n, struct cg_err *err);
/* The row of id; CG_ENOTFOUND if none. */
int cg_store_return_get(struct cg_store *s, int64_t id,
                        struct cg_store_return *out, struct cg_err *err);
/* The lines of id in line id order (empty if none). */
int cg_store_return_lines_get(struct cg_store *s, int64_t id,
                              struct cg_store_return_lines *out,
                              struct cg_err *err);
/* The returns of an order, oldest first (the timeline, `orders show`). */
int cg_store_return_by_order(struct cg_store *s, const char *order_number,
                             struct cg_store_return_list *out,
                             struct cg_err *err);

/* Sets the step and the hold reason (NULL clears it). CG_ENOTFOUND. */
int cg_store_return_set_step(struct cg_store *s, int64_t id,
                             enum cg_store_return_step step,
                             const char *hold_reason, int64_t now_ms,
                             struct cg_err *err);
/* Records the receipt (id and data) on the return. CG_ENOTFOUND. */
int cg_store_return_set_receipt(struct cg_store *s, int64_t id,
                                const char *receipt_id, const char *receipt,
                                int64_t now_ms, struct cg_err *err);
/* Records what the warehouse received for the line line_id of return id
 * (the flow spreads a lineRef's received units over its lines).
 * CG_ENOTFOUND when the return has no such line. */
int cg_store_return_line_received(struct cg_store *s, int64_t id,
                                  int64_t line_id, int64_t received,
                                  const char *condition,
                                  const char *disposition, struct cg_err *err);
/* Records the plan (NULL clears it: an operator's retry asks again). */
int cg_store_return_set_plan(struct cg_store *s, int64_t id, const char *plan,
                             int64_t now_ms, struct cg_err *err);
/* Records one line's decision (JSON). CG_ENOTFOUND. */
int cg_store_return_line_decision(struct cg_store *s, int64_t id,
                                  const char *line_ref, const char *decision,
                                  struct cg_err *err);

/* The order line the engine sent with lineRef line_ref: its order number
 * and SKU (owned copies). CG_ENOTFOUND if the engine never sent it.
 * Uses the index order_lines_ref. */
int cg_store_return_order_line(struct cg_store *s, const char *line_ref,
                               char **order_number, char **sku,
                               struct cg_err *err);

/* ---- the restock routes (docs/internals/returns.md "Stock") ------------*/

/* Route centra, at completion: records the units of Centra's restock of
 * the return's lines with sku that the warehouse will show as sellable
 * (flows/returns_stock.c), and sets *add to what R must grow by:
 * units less those the warehouse's feed already showed for this RMA and
 * SKU (never below 0). */
int cg_store_return_restock_centra(struct cg_store *s, int64_t id,
                                   const char *sku, int64_t units, int64_t *add,
                                   struct cg_err *err);
/* A stock.adjusted with reference = this return's rmaRef showed delta
 * (>= 0; 0 only checks the SKU) sellable units of sku: records them (the
 * recorded total never exceeds the units of the return's lines with sku:
 * an event seen again records nothing more), and sets *take to what R
 * must shrink by: the part that Centra's completion already counted and
 * that no earlier event took back. CG_ENOTFOUND (nothing written) when
 * the return has no line with sku. */
int cg_store_return_restock_warehouse(struct cg_store *s, int64_t id,
                                      const char *sku, int64_t delta,
                                      int64_t *take, struct cg_err *err);

/* ---- sweeps and counts ---------------------------------------------------*/

/* Up to limit returns held (step held) whose open exceptions of
 * entity_kind are all resolved: customer service handled them by hand.
 * Uses the partial index returns_held. */
int cg_store_return_held_resolved(struct cg_store *s, const char *entity_kind,
                                  int limit, struct cg_store_return_list *out,
                                  struct cg_err *err);
/* Rows per step (indexed by enum cg_store_return_step), for metrics. */
int cg_store_return_counts(struct cg_store *s,
                           int64_t counts[CG_STORE_RETURN_NSTEPS],
                           struct cg_err *err);

#endif
