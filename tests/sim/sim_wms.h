/*
 * sim_wms: the simulated GXO warehouse (internal header shared by the
 * sim_wms*.c files; create/routes/scenario/destroy are in sim_ctx.h). It
 * implements shared/reference/warehouse-api-v1.md exactly:
 *
 *   gxo port -> sim_port pre hook (sim_wms_auth.c): bearer token,
 *               Idempotency-Key (replay / 422 / 409 in flight / 400)
 *            -> router: /wms/v1/oauth/token            sim_wms_auth.c
 *                       /wms/v1/orders...              sim_wms_orders.c
 *                       /wms/v1/items..., /stock       sim_wms_stock.c
 *                       /wms/v1/return-advices         sim_wms_returns.c
 *                       /wms/v1/events..., webhooks    sim_wms_events.c
 *            field limits of every request body            sim_wms_limits.c
 *                       /_sim/wms/...                  sim_wms_control.c
 *   warehouse actions (accept, dispatch, split, ...)   sim_wms_ship.c
 *
 * Every answer of a POST with an Idempotency-Key goes through sim_wms__reply so
 * it can be replayed. Events are stored in sequence order for the pull
 * feed and pushed to webhook subscriptions, signed X-Wms-Signature.
 * Everything runs on the loop thread; ids come from sim_ctx sequences.
 */
#ifndef CG_SIM_WMS_H
#define CG_SIM_WMS_H

#include "sim_ctx.h"
#include "base/map.h"
#include "sim_util.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

struct cg_http_exchange;
struct sim_port;

enum wms_stock_status {
  WMS_AVAILABLE = 0,
  WMS_ALLOCATED,
  WMS_QUARANTINE,
  WMS_DAMAGED,
  WMS_BLOCKED,
  WMS_NSTATUS,
};

struct wms_line {
  char *line_ref, *sku;
  int64_t ordered, shipped, cancelled, allocated;
  char code[4]; /* X12 368 status once closed, else "" */
};

struct wms_order {
  char *ref;
  char wms_id[32];
  bool created;
  char status[24]; /* RECEIVED, ACCEPTED, REJECTED, RELEASED, PICKING,
                      PACKED, ON_HOLD, PARTIALLY_SHIPPED, SHIPPED, CLOSED,
                      CANCELLED */
  cJSON *request;  /* body as received (first creation) */
  struct wms_line *lines;
  size_t nlines;
  cJSON *shipments; /* shipment.confirmed data, in order */
  int shipment_seq;
  /* attempts, for the control API */
  unsigned creates, replays, inflight409, duplicates, invalid;
  cJSON *keys; /* Idempotency-Keys seen for this orderRef */
};

struct wms_idem {
  char *key;
  char *path;
  char *body;
  size_t body_len;
  bool in_flight;
  int status;
  char *ctype;
  char *resp;
  size_t resp_len;
  char *order_ref; /* for POST /orders */
};

struct wms_token {
  char token[65];
  int64_t expires_ms;
};

struct wms_sub {
  char id[32];
  char *url, *secret;
  cJSON *types; /* array of strings; empty = all */
};

struct wms_event {
  int64_t seq;
  char id[40];
  bool acked;
  bool dropped; /* fault: lost, in neither the feed nor a webhook */
  cJSON *env;
};

struct wms_item {
  char *sku;
  cJSON *doc;
  /* upserts by clients (seeds are not counted): created (0/1), updated
   * with new content, upserted again with the same content */
  int64_t creates, updates, unchanged;
  int64_t created_ms, updated_ms; /* wall clock; updated 0: never */
};

struct wms_stock {
  char *sku;
  int64_t qty[WMS_NSTATUS];
};

struct wms_journal {
  struct wms_stock *st;
  int status;
  int64_t delta;
  int64_t seq; /* the sequence the change is part of */
};

/* One SKU of a snapshot (sku points into the stock table, which lives
 * as long as the simulator). */
struct wms_snap_row {
  const char *sku;
  int64_t qty[WMS_NSTATUS];
};

struct wms_snapshot {
  char id[48];
  int64_t as_of_ms;
  int64_t as_of_seq;
  struct wms_snap_row *rows; /* a page is built from these: its cost does
                              * not grow with the snapshot */
  size_t n;
};

struct wms_rma {
  char *ref;
  char status[16]; /* EXPECTED, ARRIVED, RECEIVED */
  cJSON *advice;
  cJSON *receipts;
};

enum wms_job_kind { WMS_JOB_ACCEPT, WMS_JOB_REJECT, WMS_JOB_DISPATCH };

struct wms_job {
  int64_t due_ms;
  enum wms_job_kind kind;
  char *order_ref;
  char *code, *message;
  struct wms_job *next;
};

struct wms_stats {
  unsigned long orders, duplicates, replays, inflight409, key_reuse422,
      missing_key400, invalid_orders, unauthorized, tokens, cancels, shipments,
      parcels, returns_advised, returns_received, items_upserted;
  /* item master (sim_wms_items.c): upserts with new content, with the
   * same content, stale ones ignored, refused items (422/400 per item),
   * calls, items in batches; orders refused for an unknown SKU */
  unsigned long items_updated, items_unchanged, items_stale, items_rejected,
      item_puts, item_gets, item_batches, item_batch_items, unknown_sku_orders;
};

struct sim_wms {
  struct sim_ctx *ctx;
  struct sim_vec tokens, idem, orders, events, subs, items, stock, journal,
      rmas, snapshots;
  /* look-ups by key into idem, orders, items and stock (cg_map.h) */
  struct cg_map idem_by_key, orders_by_ref, items_by_sku, stock_by_sku;
  int64_t last_seq;
  int64_t acked_upto;
  long refuse_acks;  /* fault: answer the next N events:ack with 400 */
  long drop_events;  /* fault: lose the next N events of drop_types */
  cJSON *drop_types; /* event types to lose ([] or NULL: any) */
  char site_id[32];
  char *rotated_secret; /* replaces every subscription's secret */
  /* settings */
  bool auto_accept;
  int accept_after_ms;
  int token_ttl_s;
  int auto_dispatch_ms;        /* 0: the warehouse waits for the control API */
  int auto_dispatch_shipments; /* consignments per auto-dispatched order */
  /* autoDispatchMix (demo): auto-dispatched orders vary by acceptance
   * order (sim_wms_ship.c mix_of): whole, split in two, two parcels, one
   * short-shipped, and one late (autoDispatchLateMs after acceptance) */
  bool auto_dispatch_mix;
  int auto_dispatch_late_ms; /* 0: no late order */
  long auto_accepted;        /* orders accepted so far (the mix's index) */
  bool mix_short_done, mix_late_done;
  cJSON *auto_reject; /* [{orderRef, code, message}] */
  cJSON *services;    /* [[carrierCode, serviceCode], ...] */
  cJSON *item_rules;  /* {sku: {code, message, pointer}}: refused upserts */
  uv_timer_t *timer;  /* the job scheduler; freed in its close callback */
  struct wms_job *jobs;
  struct wms_stats stats;
};

/* --- sim_wms.c: replies, lookups, ids ------------------------------------ */
/* Answers and, when ex carries an idempotency reservation, stores the
 * answer for replay. body may be NULL when len is 0. */
void sim_wms__reply(struct cg_http_exchange *ex, int status, const char *ctype,
                    const char *body, size_t len);
void sim_wms__reply_json(struct cg_http_exchange *ex, int status, cJSON *doc);
void sim_wms__reply_problem(struct cg_http_exchange *ex, cJSON *problem);
void sim_wms__fail(struct cg_http_exchange *ex, int status, const char *code,
                   const char *detail, const char *pointer);
/* Appends p to vec and indexes it under key in map; returns 0 or
 * CG_ENOMEM (then neither holds p). */
int sim_wms__keep(struct sim_vec *vec, struct cg_map *map, const char *key,
                  void *p);
struct wms_order *sim_wms__order_find(struct sim_wms *w, const char *ref);
/* Finds or adds the attempts record for ref; NULL on allocation failure. */
struct wms_order *sim_wms__order_get(struct sim_wms *w, const char *ref);
struct wms_line *sim_wms__line_find(struct wms_order *o, const char *line_ref);
struct wms_item *sim_wms__item_find(struct sim_wms *w, const char *sku);
struct wms_stock *sim_wms__stock_get(struct sim_wms *w, const char *sku);
/* "<prefix><n padded to 6>" from the named sequence. */
char *sim_wms__next_ref(struct sim_wms *w, const char *seq, const char *prefix,
                        char *out, size_t size);
char *sim_wms__now_iso(char *buf, size_t size);
/* Adds a line/quantity delta to a SKU's stock in status; journaled. */
void sim_wms__stock_add(struct sim_wms *w, struct wms_stock *st, int status,
                        int64_t delta);
int sim_wms__status_index(const char *name);
const char *sim_wms__status_name(int status);

/* --- sim_wms_auth.c ------------------------------------------------------- */
bool sim_wms__pre(struct cg_http_exchange *ex, void *arg);
void sim_wms__post(const struct cg_http_exchange *ex, int status, void *arg);
int sim_wms__auth_routes(struct sim_wms *w, struct cg_router *r);
void sim_wms__tokens_expire_all(struct sim_wms *w);
void sim_wms__idem_free(struct wms_idem *e);

/* --- sim_wms_events.c ----------------------------------------------------- */
/* Publishes an event (data consumed): stores it for the feed and sends it
 * to every matching subscription. order_ref / rma_ref may be NULL. */
/* Publishes an event (data taken); its eventId (owned by the feed), or
 * NULL on ENOMEM. */
const char *sim_wms__publish(struct sim_wms *w, const char *type,
                             const char *order_ref, const char *rma_ref,
                             cJSON *data);
int sim_wms__events_routes(struct sim_wms *w, struct cg_router *r);
bool sim_wms__event_type_known(const char *type);

/* --- sim_wms_orders.c / sim_wms_ship.c ------------------------------------ */
int sim_wms__orders_routes(struct sim_wms *w, struct cg_router *r);
void sim_wms__order_free(struct wms_order *o);
cJSON *sim_wms__order_json(const struct wms_order *o, bool attempts);
/* Warehouse actions; each returns 0 or an HTTP status with a message in
 * msg (409 wrong state, 422 bad request). */
int sim_wms__accept(struct sim_wms *w, struct wms_order *o, char *msg,
                    size_t n);
int sim_wms__reject(struct sim_wms *w, struct wms_order *o, const char *code,
                    const char *message, const char *pointer, char *msg,
                    size_t n);
int sim_wms__set_status(struct sim_wms *w, struct wms_order *o,
                        const char *status, const char *reason, char *msg,
                        size_t n);
int sim_wms__dispatch(struct sim_wms *w, struct wms_order *o, const cJSON *body,
                      char *msg, size_t n);
int sim_wms__split(struct sim_wms *w, struct wms_order *o, const cJSON *body,
                   char *msg, size_t n);
int sim_wms__close(struct sim_wms *w, struct wms_order *o,
                   const char *remainder, char *msg, size_t n);
/* Cancels lines ([{lineRef, quantity?}], NULL = all that is left) and
 * publishes order.cancelled {orderRef, lines[{lineRef, cancelled}],
 * reason}; 0, or 422 with msg (unknown line, more than is left). The
 * client's POST /orders/{ref}/cancel and the control's warehouse-made
 * cancel (stock found damaged, lost) both come here. */
int sim_wms__cancel(struct sim_wms *w, struct wms_order *o, const cJSON *lines,
                    const char *reason, char *msg, size_t n);
void sim_wms__jobs_schedule(struct sim_wms *w, const char *order_ref,
                            enum wms_job_kind kind, const char *code,
                            const char *message, int after_ms);
void sim_wms__jobs_stop(struct sim_wms *w);

/* --- sim_wms_items.c ------------------------------------------------------ */
/* The item master's API routes and its control routes. */
int sim_wms__items_routes(struct sim_wms *w, struct cg_router *r);

/* --- sim_wms_stock.c ------------------------------------------------------ */
int sim_wms__stock_routes(struct sim_wms *w, struct cg_router *r);
void sim_wms__stock_free(struct sim_wms *w);
/* Seeds items / stock from arrays (scenario and control); 0 or CG_EINVAL
 * with a message. */
int sim_wms__seed_items(struct sim_wms *w, const cJSON *items, char *msg,
                        size_t n);
int sim_wms__seed_stock(struct sim_wms *w, const cJSON *stock, char *msg,
                        size_t n);
int sim_wms__adjust(struct sim_wms *w, const cJSON *body, char *msg, size_t n);
int sim_wms__move(struct sim_wms *w, const cJSON *body, char *msg, size_t n);
cJSON *sim_wms__publish_snapshot(struct sim_wms *w, const cJSON *body);
cJSON *sim_wms__stock_table(const struct sim_wms *w);

/* --- sim_wms_returns.c ---------------------------------------------------- */
int sim_wms__returns_routes(struct sim_wms *w, struct cg_router *r);
void sim_wms__rma_free(struct wms_rma *r);
struct wms_rma *sim_wms__rma_find(struct sim_wms *w, const char *ref);
int sim_wms__receive_return(struct sim_wms *w, struct wms_rma *rma,
                            const cJSON *body, cJSON **receipt, char *msg,
                            size_t n);
/* Faults of the returns flow (control API): a return.arrived without an
 * rmaRef (a parcel nobody advised; tracking may be NULL); a
 * return.received for body.rmaRef, which the warehouse has no advice for
 * (body.lines [{lineRef?, sku, quantityReceived?, condition?,
 * disposition?}], no stock moves); the last receipt of rma published
 * again as a new event (new eventId, same receiptId). Each answers the
 * event's data (*out, caller frees) and 0, or an HTTP status with msg. */
int sim_wms__unadvised_arrival(struct sim_wms *w, const char *tracking,
                               cJSON **out, char *msg, size_t n);
int sim_wms__unadvised_receipt(struct sim_wms *w, const cJSON *body,
                               cJSON **out, char *msg, size_t n);
int sim_wms__redeliver_receipt(struct sim_wms *w, struct wms_rma *rma,
                               cJSON **out, char *msg, size_t n);

/* --- sim_wms_limits.c ----------------------------------------------------- */
/* Request bodies with field limits (warehouse-api-v1.md "Field limits"). */
enum wms_body {
  WMS_BODY_ORDER,  /* POST /orders */
  WMS_BODY_ITEM,   /* PUT /items/{sku}, one item of POST /items:batch */
  WMS_BODY_ADVICE, /* POST /return-advices */
  WMS_BODY_CANCEL, /* POST /orders/{orderRef}/cancel */
};
/* Length of UTF-8 text s in characters (code points). */
size_t sim_wms__chars(const char *s);
/* Adds one 422 field-too-long {pointer, code, message} to problem's
 * errors[] per string member of doc longer than its limit; returns how
 * many. Members of other types are left to the resource's own checks. */
int sim_wms__limits_check(enum wms_body kind, const cJSON *doc, cJSON *problem);
/* A new 422 field-too-long problem listing every too-long member of doc
 * (detail: the first), or NULL when all fit. Caller owns the result. */
cJSON *sim_wms__limits_problem(enum wms_body kind, const cJSON *doc);

/* --- sim_wms_control.c ---------------------------------------------------- */
int sim_wms__control_routes(struct sim_wms *w, struct cg_router *r);
cJSON *sim_wms__settings_json(const struct sim_wms *w);
int sim_wms__settings_apply(struct sim_wms *w, const cJSON *doc, char *msg,
                            size_t n);

/* Installs the warehouse's pre/post hooks on its port (sim_main.c). */
void sim_wms_port_hooks(struct sim_wms *w, struct sim_port *port);

#endif
