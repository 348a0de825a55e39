/*
 * inbox: see inbox.h.
 */
#include "flows/inbox.h"

#include "base/err.h"
#include "base/log.h"
#include "flows/decide.h"
#include "flows/exceptions.h"
#include "flows/flow.h"
#include "flows/orders.h"
#include "store/store.h"

#include <string.h>

#define DRAIN_BATCH 200

const struct cg_inbox_kind cg_inbox_kinds[] = {
    {"centra.order", cg_orders_apply_centra_order},
    {"gxo.event", cg_orders_apply_gxo_event},
};
const size_t cg_inbox_nkinds = sizeof(cg_inbox_kinds) / sizeof(*cg_inbox_kinds);

static const struct cg_inbox_kind *find_kind(const char *kind)
{
  for (size_t i = 0; i < cg_inbox_nkinds; i++)
    if (strcmp(cg_inbox_kinds[i].kind, kind) == 0)
      return &cg_inbox_kinds[i];
  return NULL;
}

/* A message no flow of this engine handles (written by a newer version,
 * or a partner's new event type): settled, so that it blocks no other
 * message, and raised, so that an operator sees it; its payload stays in
 * the inbox row the exception names. */
static int unknown_kind(struct cg_flow *f, const struct cg_store_inbox_row *row,
                        char outcome[CG_INBOX_OUTCOME_MAX], struct cg_err *err)
{
  char msg[CG_INBOX_OUTCOME_MAX + 200];
  snprintf(msg, sizeof(msg),
           "%s message of kind '%s' (inbox row %lld): no flow of this "
           "engine handles it; nothing was applied",
           row->source, row->kind, (long long)row->id);
  snprintf(outcome, CG_INBOX_OUTCOME_MAX, "held: no flow handles %s",
           row->kind);
  return cg_flow_raise(f, "SYNC_FAILURE", "message", row->msg_id, msg, NULL,
                       err);
}

/* Applies row and marks it processed, inside the open transaction. */
static int apply_kind(struct cg_flow *f, const struct cg_store_inbox_row *row,
                      const cJSON *doc, struct cg_err *err)
{
  char outcome[CG_INBOX_OUTCOME_MAX] = "";
  const struct cg_inbox_kind *k = find_kind(row->kind);
  int rc = 0;
  if (k == NULL)
    rc = unknown_kind(f, row, outcome, err);
  else
    rc = k->apply(f, row, doc, outcome, err);
  if (rc == CG_INBOX_LATER)
    return rc; /* no effect, nothing to mark */
  return rc ? rc : cg_store_inbox_mark(f->store, row->id, outcome, NULL, err);
}

/* Returns 0 (applied), CG_INBOX_LATER or a negative CG_E*.
 * Alone: its own transaction. In a batch: a savepoint, so a failure
 * undoes this message's effects only and the row stays pending. */
static int apply_in_tx(struct cg_flow *f, const struct cg_store_inbox_row *row,
                       const cJSON *doc, struct cg_err *err)
{
  bool batch = cg_store_in_tx(f->store);
  int rc =
      batch ? cg_store_savepoint(f->store, err) : cg_store_begin(f->store, err);
  if (rc != 0)
    return rc;
  int res = apply_kind(f, row, doc, err);
  rc = res == CG_INBOX_LATER ? 0 : res;
  if (batch) {
    int end = cg_store_savepoint_end(f->store, rc == 0, rc ? NULL : err);
    return rc ? rc : end ? end : res;
  }
  if (rc == 0)
    rc = cg_store_commit(f->store, err);
  if (rc != 0)
    cg_store_rollback(f->store, NULL);
  return rc ? rc : res;
}

static int apply_row(struct cg_flow *f, const struct cg_store_inbox_row *row,
                     const cJSON *doc)
{
  struct cg_err err = {0};
  int rc = apply_in_tx(f, row, doc, &err);
  if (rc < 0) {
    f->metrics.store_errors++;
    cg_log_error("inbox",
                 "[merchant=%s] %s message %s (%s) not applied: "
                 "%s; it stays pending and is retried",
                 f->merchant, row->source, row->msg_id, row->kind, err.msg);
  }
  return rc;
}

int cg_inbox_take(struct cg_flow *f, const char *source, const char *msg_id,
                  const char *kind, const char *payload, const cJSON *doc,
                  int *duplicate, struct cg_err *err)
{
  int64_t id = 0;
  int rc =
      cg_store_inbox_put(f->store, source, msg_id, kind, payload, &id, err);
  if (duplicate != NULL)
    *duplicate = rc == CG_EEXIST;
  if (rc == CG_EEXIST) {
    f->metrics.duplicates++;
    return 0;
  }
  if (rc != 0)
    return rc;
  /* The row as just written; the strings stay the caller's. */
  struct cg_store_inbox_row row = {
      .id = id,
      .source = (char *)source,
      .msg_id = (char *)msg_id,
      .kind = (char *)kind,
      .payload = (char *)payload,
  };
  apply_row(f, &row, doc);
  if (!cg_store_in_tx(f->store))
    cg_decide_flush(f); /* in a batch: at its end */
  return 0;
}

int cg_inbox_batch_begin(struct cg_flow *f, struct cg_err *err)
{
  return cg_store_begin(f->store, err);
}

int cg_inbox_batch_end(struct cg_flow *f, struct cg_err *err)
{
  int rc = cg_store_commit(f->store, err);
  cg_decide_flush(f); /* a rolled-back row is simply not found later */
  if (rc != 0) {
    f->metrics.store_errors++;
    cg_log_error("inbox",
                 "[merchant=%s] a batch of messages was not recorded: %s; "
                 "none of it is acknowledged, the sources send it again",
                 f->merchant, err ? err->msg : "");
  }
  return rc;
}

int cg_inbox_drain(struct cg_flow *f)
{
  struct cg_store_inbox_list list = {0};
  struct cg_err err = {0};
  int rc = cg_store_inbox_pending(f->store, DRAIN_BATCH, &list, &err);
  if (rc != 0) {
    cg_log_error("inbox", "[merchant=%s] reading pending messages failed: %s",
                 f->merchant, err.msg);
    return rc;
  }
  int applied = 0;
  bool batch = list.n > 1 && cg_inbox_batch_begin(f, NULL) == 0;
  for (size_t i = 0; i < list.n; i++)
    if (apply_row(f, &list.items[i], NULL) == 0)
      applied++;
  if (batch && cg_inbox_batch_end(f, NULL) != 0)
    applied = 0;
  else if (!batch)
    cg_decide_flush(f);
  cg_store_inbox_list_clear(&list);
  return applied;
}
