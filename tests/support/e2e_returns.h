/*
 * e2e_returns: what the returns e2e tests share (issue 12,
 * docs/internals/returns.md). Orders that went through the engine and
 * shipped; Centra returns seeded on their shipped lines with a comment
 * (the default pack's reason keywords); the warehouse's receipt of each
 * with chosen quantities, conditions and dispositions; a receipt
 * delivered again under a new event id; the outcome the default pack
 * must reach; and the verdict over the simulated Centra's returns (each
 * completed and refunded at most once, as expected), the engine's
 * exceptions and the orders' timelines.
 */
#ifndef CG_E2E_RETURNS_H
#define CG_E2E_RETURNS_H

#include "e2e.h"

#include "base/rand.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RET_LINES_MAX 4

struct ret_line {
  char line_ref[24]; /* Centra order line id = warehouse lineRef */
  char sku[48];
  long qty;                /* units returned (advised) */
  long received;           /* units the warehouse receives */
  const char *condition;   /* SELLABLE, SELLABLE_B, DAMAGED, ... */
  const char *disposition; /* RESTOCK, QUARANTINE, DISPOSE, ... */
};

struct ret_case {
  long order;          /* Centra order number (= orderRef) */
  int64_t id;          /* Centra return id, 0 before returns_seed */
  char rma[24];        /* its rmaRef: the id in decimal */
  const char *comment; /* the Centra comment */
  const char *reason;  /* the reason code the pack derives from it */
  struct ret_line lines[RET_LINES_MAX];
  int n;
  bool refund;   /* expected: completed and refunded; else held */
  bool received; /* the warehouse has received it */
};

/* The returns tests' start: the simulators with `orders` generated
 * orders (Centra's budgets raised, warehouse webhooks subscribed, seed),
 * the engine with extra_merchant (NULL: none) and the pack at rules
 * (NULL: rules/default); every order accepted, dispatched whole and its
 * shipment completed in Centra, and the engine idle. */
void returns_start(struct e2e *t, long orders, unsigned seed,
                   const char *extra_merchant, const char *rules);

/* Up to want returns over the warehouse's shipped lines (each unit in at
 * most one return): per order one return of every line, one per line,
 * or a line of two units in two returns, as rng draws (rng NULL: one
 * return per line, of all its units). Every line is
 * received in full, SELLABLE, RESTOCK, comment "fit"; returns the count. */
size_t returns_cases(struct e2e *t, struct cg_rand *rng, struct ret_case *v,
                     size_t want);
/* The mix of the flow and crash tests: a comment (fit, defect, damage)
 * and per line a condition (SELLABLE, SELLABLE_B, DAMAGED, DEFECTIVE,
 * NOT_RECEIVED with no unit) and a disposition; sets c->refund. */
void returns_mix(struct cg_rand *rng, struct ret_case *c);
/* Sets c->comment and c->reason from a keyword: "fit", "defect",
 * "damage". */
void returns_comment(struct ret_case *c, const char *keyword);
/* What the default pack decides (docs/internals/returns.md "Deciding a
 * receipt"): every line received as advised, none NOT_RECEIVED or
 * UNIDENTIFIED, and each SELLABLE or SELLABLE_B, DEFECTIVE with a defect
 * reason or DAMAGED with a damage reason. */
bool returns_expect_refund(const struct ret_case *c);

/* Creates the Centra return of c (customer service, POST
 * /_sim/centra/returns with the comment); fills id and rma. */
void returns_seed(struct e2e *t, struct ret_case *c);
/* Return advices the warehouse accepted (its stats). */
long returns_advised(struct e2e *t);
/* Waits until the warehouse has accepted n advices. */
bool returns_wait_advised(struct e2e *t, long n, int timeout_s);
/* The warehouse's advice of rma (GET /return-advices/{rma}), or NULL. */
cJSON *returns_advice(struct e2e *t, const char *rma);
/* Has the warehouse receive c as its lines say (POST
 * /_sim/wms/returns/{rma}/receive): 200, or 404 while not advised; sets
 * c->received on 200. unexpected (may be NULL) is the unexpectedItems
 * array. */
long returns_receive(struct e2e *t, struct ret_case *c,
                     const cJSON *unexpected);
/* Posts each rma's last return.received to the engine's webhook again
 * under a new event id (same receiptId, same sequence), as a warehouse
 * redelivering it does; returns how many the engine accepted. */
long returns_redeliver(struct e2e *t, const char *const *rmas, size_t n);
/* Has the warehouse publish rma's last receipt again as a new event
 * (new eventId and sequence, same receiptId: feed and webhook; POST
 * /_sim/wms/returns/{rma}/redeliver-receipt); the HTTP status. */
long returns_redeliver_sim(struct e2e *t, const char *rma);
/* Posts a warehouse event of type with data (taken) to the engine's
 * webhook, signed, under event_id; the HTTP status. */
long returns_post_event(struct e2e *t, const char *event_id, const char *type,
                        cJSON *data);

/* What the simulated Centra shows of a return. */
struct ret_centra {
  bool known, completed, refunded;
  long completions, refunds; /* writes that took effect */
  long mails_completed, mails_refunded;
};
struct ret_view {
  cJSON *returns, *refunds, *emails;
};
void returns_view_read(struct e2e *t, struct ret_view *v);
void returns_view_free(struct ret_view *v);
void returns_centra_of(const struct ret_view *v, int64_t id,
                       struct ret_centra *out);

/* Every case in its end state: refund -> refunded in Centra; hold ->
 * an open RETURN_MISMATCH on its id; and the engine's outbox empty. */
bool returns_wait_settled(struct e2e *t, const struct ret_case *v, size_t n,
                          int timeout_s);
/* The verdict per case: completed and refunded once each when a refund
 * is expected, else neither and held (one open RETURN_MISMATCH, raised
 * once);
 * never an e-mail twice; no SYNC_FAILURE on a return. Fails the test on
 * the first disagreement; returns the refunds counted. */
long returns_verify(struct e2e *t, const struct ret_case *v, size_t n);
/* The timeline and stock verdict: in each order's timeline every
 * receipt line of its returns is "return received" once, every expected
 * refund "return completed" and "return refunded" once, and every
 * warehouse stock.adjusted of a return "return restocked" once; once the
 * flows drain, Centra's physical stock of every SKU equals the
 * warehouse's sellable stock. Fails the test otherwise. */
void returns_verify_stock(struct e2e *t, const struct ret_case *v, size_t n,
                          int timeout_s);

/* The open exceptions of type (admin API), caller deletes. */
cJSON *returns_exceptions(struct e2e *t, const char *type);
/* The one exception of type on key in any state, or NULL (caller
 * deletes); fails the test when there are several. */
cJSON *returns_exception(struct e2e *t, const char *type, const char *key);
/* `centra-gxo <args> -c <config>`'s output (stdout and stderr; caller
 * frees with cg_free). */
char *returns_cli(struct e2e *t, const char *args);
/* Lines of text that contain needle. */
long returns_count_lines(const char *text, const char *needle);

#endif
