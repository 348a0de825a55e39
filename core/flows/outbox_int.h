/*
 * outbox_int.h: what the outbox's two files share (outbox.h is the
 * interface). outbox.c runs the passes: outcomes recorded, rows taken,
 * calls started, parked and started again. outbox_partner.c decides for
 * each partner how many calls may be out and which kind goes next: its
 * window, its pauses, priorities and shares (docs/internals/store.md
 * "Which row goes next"). Loop thread only.
 */
#ifndef CG_FLOWS_OUTBOX_INT_H
#define CG_FLOWS_OUTBOX_INT_H

#include "flows/outbox.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

/* The calls to one partner (kinds sharing the prefix before '.'). */
struct partner {
  char name[32];
  size_t inflight;      /* started, outcome not yet committed */
  size_t parked;        /* of those, waiting in memory to start again */
  size_t window;        /* calls allowed in flight now (<= max_inflight) */
  int64_t paused_until; /* the partner said wait (budget, 429/503) */
  size_t urgent;        /* cg__outbox_yield_parked: its most urgent due kind */
  bool urgent_known;    /* ... asked in this call */
  bool shared;          /* cg__outbox_take_shares: took a share in this pass */
};

struct delivery {
  struct delivery *next;
  struct cg_outbox *ob;
  const struct cg_outbox_kind *kind;
  struct partner *partner;
  struct cg_store_outbox_row row;
  struct cg_call_result res; /* once done fired; owns res.data */
  int64_t started_ms;        /* when its call started */
  bool share;                /* taken as a share: never yields */
};

struct cg_outbox {
  struct cg_flow *flow;
  const struct cg_outbox_kind *kinds;
  size_t nkinds;
  struct cg_outbox_opts opts;
  struct partner *partners; /* one per kind at most */
  struct partner **of_kind; /* kinds[i]'s partner */
  size_t *passed; /* kinds[i]: calls of more urgent kinds of its partner
                     sent since its own last (shares) */
  uv_timer_t timer;
  size_t inflight;            /* calls whose done has not fired */
  size_t nfinished;           /* deliveries on the finished queue */
  int64_t call_ms;            /* recent call duration (moving average) */
  struct delivery *finished;  /* done fired, outcome not committed */
  struct delivery *parked;    /* nothing sent: start again at retry_at */
  struct delivery **fin_tail; /* where the next finished one goes */
  bool closing;
  bool store_failing; /* the last pass was not recorded (logged once) */
  bool quiescing;     /* draining: start nothing new */
  bool timer_closed;
  void (*on_closed)(void *arg);
  void *on_closed_arg;
};

/* outbox.c */
long cg__outbox_take_due(struct cg_outbox *ob, size_t k, int64_t now,
                         size_t max, struct delivery ***starts);
void cg__outbox_parked_to_finished(struct cg_outbox *ob, struct delivery **at);

/* outbox_partner.c */
size_t cg__outbox_room(const struct cg_outbox *ob, const struct partner *p,
                       int64_t now);
bool cg__outbox_nothing_sent(const struct cg_call_result *res);
void cg__outbox_adapt_window(struct cg_outbox *ob, struct partner *p,
                             const struct cg_call_result *res);
void cg__outbox_take_shares(struct cg_outbox *ob, int64_t now,
                            struct delivery ***starts);
void cg__outbox_note_sent(struct cg_outbox *ob, const struct delivery *d);
void cg__outbox_yield_parked(struct cg_outbox *ob, int64_t now);
struct partner *cg__outbox_partner_for(struct cg_outbox *ob, const char *kind);

#endif
