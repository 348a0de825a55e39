/*
 * store_monitor: the SLA monitor's rows (schema v8, docs/internals/
 * store.md "sla_orders"): one per order the warehouse accepted, with its
 * dispatch deadline, its warning time and when the monitor must look at
 * it next. Triggers open a row at acceptance and move it to `closing` at
 * the order's first consignment or end; the monitor (core/flows/
 * monitor.c) moves it through the rest. Same rules as store.h: 0 or a
 * negative CG_E*, details in err, loop thread only.
 */
#ifndef CG_STORE_STORE_MONITOR_H
#define CG_STORE_STORE_MONITOR_H

#include "store/store_types.h"

struct cg_err;

/* Where an order's SLA watch is. Stored as the lower-case name. */
enum cg_store_sla_state {
  CG_STORE_SLA_NEW = 0,  /* accepted; the deadline is not asked yet */
  CG_STORE_SLA_WATCHING, /* deadline known; nothing raised */
  CG_STORE_SLA_WARNED,   /* SLA_WARNING open */
  CG_STORE_SLA_BREACHED, /* SLA_BREACH open */
  CG_STORE_SLA_CLOSING,  /* dispatched or ended: exceptions to close */
  CG_STORE_SLA_CLOSED,   /* nothing more to do */
  CG_STORE_SLA_NSTATES
};

struct cg_store_sla {
  char *order_number;
  int64_t accepted_at;
  enum cg_store_sla_state state;
  int64_t warn_at;     /* 0 = no warning */
  int64_t deadline;    /* 0 while unknown */
  char *due_text;      /* the deadline in the merchant's words, or NULL */
  int64_t next_at;     /* when the monitor looks next; 0 = never */
  int64_t breached_at; /* 0 = never breached */
  int64_t ended_at;    /* 0 = not dispatched nor ended */
  char *end_reason;    /* "dispatched (GXO-SHP-1)", "order cancelled" */
};

struct cg_store_sla_list {
  struct cg_store_sla *items;
  size_t n;
};

/* A move from the state `from`: the new state, and the columns to set
 * (0 / NULL keep the stored value, except next_at: 0 = never again). */
struct cg_store_sla_move {
  const char *order_number;
  enum cg_store_sla_state from, to;
  int64_t warn_at, deadline, next_at, breached_at;
  const char *due_text, *rule_generation;
};

/* Rows whose next look is at or before now_ms, earliest first, at most
 * limit (the partial index sla_due: the cost is the rows due). */
int cg_store_sla_due(struct cg_store *s, int64_t now_ms, size_t limit,
                     struct cg_store_sla_list *out, struct cg_err *err);
/* Applies mv when the row is still in mv->from: *moved false (and
 * nothing written) when a trigger moved it first. */
int cg_store_sla_move(struct cg_store *s, const struct cg_store_sla_move *mv,
                      bool *moved, struct cg_err *err);
/* CG_ENOTFOUND when the order has no SLA row. */
int cg_store_sla_get(struct cg_store *s, const char *order_number,
                     struct cg_store_sla *out, struct cg_err *err);
/* Rows per state name (off the hot path: demo, status). */
int cg_store_sla_counts(struct cg_store *s, struct cg_store_count_list *out,
                        struct cg_err *err);

const char *cg_store_sla_state_name(enum cg_store_sla_state st);
void cg_store_sla_clear(struct cg_store_sla *row);
void cg_store_sla_list_clear(struct cg_store_sla_list *list);

#endif
