/*
 * inbox: the first durable step of every incoming message, one general
 * mechanism for every flow (ARCHITECTURE §3).
 *
 *   intake -> cg_inbox_take: inbox row (dedupe by source + msg id) [commit]
 *          -> kind->apply inside one transaction with the row marked
 *             processed                                           [commit]
 *
 * Group commit: intake that receives messages together (a Centra page, a
 * warehouse feed page) opens a batch; every take in it records its row
 * and applies it in savepoints of one transaction, and the batch commits
 * once. The source is acknowledged only after that commit returns 0.
 *
 * A duplicate (same source and msg id) changes nothing. If applying fails
 * (store error, out of memory) the transaction rolls back, the row stays
 * pending and cg_inbox_drain retries it (at start and periodically).
 * Rule failures and bad payloads are not apply failures: the apply
 * function records an exception and returns 0. A message whose decision
 * needs the rule host stays pending until the plan arrives (apply returns
 * CG_INBOX_LATER); the plans are asked for after the commit. Loop thread
 * only.
 */
#ifndef CG_FLOWS_INBOX_H
#define CG_FLOWS_INBOX_H

#include <cjson/cJSON.h>
#include <stddef.h>

struct cg_err;
struct cg_flow;
struct cg_store_inbox_row;

/* Outcome text recorded on the row, e.g. "queued", "held",
 * "ignored: not confirmed". At most this long. */
#define CG_INBOX_OUTCOME_MAX 160

/* An apply function's "later": the row stays pending with no effect; its
 * decision comes from the rule host and is stored then (flows/decide.h),
 * which marks the row. */
#define CG_INBOX_LATER 1

struct cg_inbox_kind {
  const char *kind; /* e.g. "centra.order", "gxo.event" */
  /* Applies the row inside the open transaction; writes a short outcome.
   * doc is row->payload already parsed by the taker, or NULL (the apply
   * parses it). Returns 0, CG_INBOX_LATER, or a negative CG_E* to roll
   * back and retry later. */
  int (*apply)(struct cg_flow *f, const struct cg_store_inbox_row *row,
               const cJSON *doc, char outcome[CG_INBOX_OUTCOME_MAX],
               struct cg_err *err);
};

/* The kinds every merchant handles (flows register theirs here). */
extern const struct cg_inbox_kind cg_inbox_kinds[];
extern const size_t cg_inbox_nkinds;

/* Records the message then applies it. Returns 0 when the message is
 * durably recorded (applied, or left pending after an apply failure, or a
 * duplicate: *duplicate set when not NULL); a negative CG_E* only when it
 * could not be recorded: then the caller must not acknowledge the source.
 * doc, when not NULL, is payload parsed (the taker holds it): the apply
 * uses it instead of parsing the text again. */
int cg_inbox_take(struct cg_flow *f, const char *source, const char *msg_id,
                  const char *kind, const char *payload, const cJSON *doc,
                  int *duplicate, struct cg_err *err);
/* Opens a batch: one transaction for the takes that follow, until
 * cg_inbox_batch_end. Nothing of the batch is durable before its end.
 * Returns 0 or a negative CG_E* (then takes commit one by one). */
int cg_inbox_batch_begin(struct cg_flow *f, struct cg_err *err);
/* Commits the batch. 0: every message taken in it is durable, and the
 * sources may be acknowledged. Otherwise everything of the batch is
 * rolled back (logged): acknowledge none of it. */
int cg_inbox_batch_end(struct cg_flow *f, struct cg_err *err);
/* Applies every pending row, oldest first (boot recovery and periodic
 * sweep). Returns the number applied or a negative CG_E*. */
int cg_inbox_drain(struct cg_flow *f);

#endif
