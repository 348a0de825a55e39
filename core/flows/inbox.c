/*
 * inbox: see inbox.h.
 */
#include "flows/inbox.h"

#include "base/err.h"
#include "base/log.h"
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

static int apply_in_tx(struct cg_flow *f, const struct cg_store_inbox_row *row,
                       struct cg_err *err)
{
  char outcome[CG_INBOX_OUTCOME_MAX] = "";
  const struct cg_inbox_kind *k = find_kind(row->kind);
  int rc = cg_store_begin(f->store, err);
  if (rc != 0)
    return rc;
  if (k == NULL)
    snprintf(outcome, sizeof(outcome), "ignored: no flow handles %s",
             row->kind);
  else
    rc = k->apply(f, row, outcome, err);
  if (rc == 0)
    rc = cg_store_inbox_mark(f->store, row->id, outcome, NULL, err);
  if (rc == 0)
    rc = cg_store_commit(f->store, err);
  if (rc != 0)
    cg_store_rollback(f->store, NULL);
  return rc;
}

static int apply_row(struct cg_flow *f, const struct cg_store_inbox_row *row)
{
  struct cg_err err = {0};
  int rc = apply_in_tx(f, row, &err);
  if (rc != 0) {
    f->metrics.store_errors++;
    cg_log_error("inbox",
                 "[merchant=%s] %s message %s (%s) not applied: "
                 "%s; it stays pending and is retried",
                 f->merchant, row->source, row->msg_id, row->kind, err.msg);
  }
  return rc;
}

int cg_inbox_take(struct cg_flow *f, const char *source, const char *msg_id,
                  const char *kind, const char *payload, int *duplicate,
                  struct cg_err *err)
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
  apply_row(f, &row);
  return 0;
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
  for (size_t i = 0; i < list.n; i++)
    if (apply_row(f, &list.items[i]) == 0)
      applied++;
  cg_store_inbox_list_clear(&list);
  return applied;
}
