/*
 * stock_cursors: the stock reconcile's durable cursors (store cursors,
 * see stock_rec.h): integer cursors (stock.base_seq, stock.reconcile.last,
 * stock.gap.last, stock.reconcile.asked) and the snapshot a stock.snapshot
 * event announced (stock.snapshot.pending, written in the event's
 * transaction for stock.c). Loop thread only.
 */
#include "flows/stock_int.h"
#include "flows/stock_rec.h"

#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "flows/flow.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A cursor holding an integer; *set false when absent or empty. */
int cg__stock_cursor_int(struct cg_store *s, const char *name, int64_t *out,
                         bool *set, struct cg_err *err)
{
  char *v = NULL;
  int rc = cg_store_cursor_get(s, name, &v, err);
  *set = false;
  if (rc == CG_ENOTFOUND)
    return 0;
  if (rc == 0 && v[0] != '\0') {
    *out = strtoll(v, NULL, 10);
    *set = true;
  }
  cg_free(v);
  return rc;
}

int cg__stock_cursor_put_int(struct cg_store *s, const char *name, int64_t v,
                             struct cg_err *err)
{
  char buf[32];
  snprintf(buf, sizeof(buf), "%lld", (long long)v);
  return cg_store_cursor_set(s, name, buf, err);
}

/* The snapshot a stock.snapshot event announced and no reconcile has
 * applied yet: {"snapshotId", "asOfSequence"} ("" = none). */
int cg__stock_pending_read(struct cg_store *s, struct cg__stock_pending *p,
                           struct cg_err *err)
{
  char *v = NULL;
  memset(p, 0, sizeof(*p));
  int rc = cg_store_cursor_get(s, CG_STOCK_CUR_PENDING, &v, err);
  if (rc != 0)
    return rc == CG_ENOTFOUND ? 0 : rc;
  cJSON *doc = v[0] ? cJSON_Parse(v) : NULL;
  const char *id = cg_json_str(doc, "snapshotId");
  if (id != NULL && id[0] != '\0' && strlen(id) < sizeof(p->id)) {
    snprintf(p->id, sizeof(p->id), "%s", id);
    p->as_of = cg_json_int(doc, "asOfSequence", -1);
    p->set = true;
  }
  cJSON_Delete(doc);
  cg_free(v);
  return 0;
}

int cg__stock_pending_write(struct cg_store *s, const char *id, int64_t as_of,
                            struct cg_err *err)
{
  cJSON *doc = cJSON_CreateObject();
  char *text = doc && cg_json_add_str(doc, "snapshotId", id) &&
                       cg_json_add_int(doc, "asOfSequence", as_of)
                   ? cg_json_print(doc)
                   : NULL;
  cJSON_Delete(doc);
  int rc = text ? cg_store_cursor_set(s, CG_STOCK_CUR_PENDING, text, err)
                : cg_err_set(err, CG_ENOMEM, "out of memory");
  cg_free(text);
  return rc;
}

/* Clears the pending snapshot if it is the one applied (or older). */
int cg__stock_pending_clear(struct cg_store *s, const char *id, int64_t as_of,
                            struct cg_err *err)
{
  struct cg__stock_pending p;
  int rc = cg__stock_pending_read(s, &p, err);
  if (rc != 0 || !p.set)
    return rc;
  if (strcmp(p.id, id) != 0 && (p.as_of < 0 || p.as_of > as_of))
    return 0; /* a newer one arrived meanwhile: it runs next */
  return cg_store_cursor_set(s, CG_STOCK_CUR_PENDING, "", err);
}

/* The announced snapshot rec asked for was refused (unknown, expired):
 * it is no longer pending, or a bogus asOfSequence kept it waiting and
 * a reconcile started for it every tick. */
void cg__stock_pending_drop(struct cg_stock_rec *rec)
{
  struct cg_store *s = rec->st->f->store;
  struct cg_err err = {0};
  struct cg__stock_pending p;
  if (rec->snapshot_id[0] == '\0' || cg__stock_pending_read(s, &p, &err) != 0 ||
      !p.set || strcmp(p.id, rec->snapshot_id) != 0)
    return;
  if (cg_store_cursor_set(s, CG_STOCK_CUR_PENDING, "", &err) != 0)
    cg_log_warn("stock", "[merchant=%s] refused snapshot %s still pending: %s",
                rec->st->f->merchant, rec->snapshot_id, err.msg);
}
