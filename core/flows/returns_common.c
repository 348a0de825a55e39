/*
 * returns_common: the helpers every file of the returns flow uses
 * (returns_int.h): the rmaRef, the outbox row, the timeline entry and
 * the hold.
 */
#include "flows/returns.h"
#include "flows/returns_int.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/time.h"
#include "flows/exceptions.h"
#include "flows/flow.h"
#include "flows/outbox.h"
#include "store/store.h"
#include "store/store_returns.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MESSAGE_MAX 2048

void cg__returns_rma(int64_t id, char out[CG_RETURNS_RMA_MAX])
{
  snprintf(out, CG_RETURNS_RMA_MAX, "%lld", (long long)id);
}

int64_t cg__returns_rma_id(const char *rma)
{
  char *end = NULL;
  if (rma == NULL || *rma < '1' || *rma > '9')
    return -1;
  errno = 0;
  long long v = strtoll(rma, &end, 10);
  return errno == 0 && end != NULL && *end == '\0' && v > 0 ? (int64_t)v : -1;
}

/* {"returnId": id, "orderRef": number} as text; NULL on ENOMEM. */
static char *row_payload(int64_t id, const char *order_number)
{
  cJSON *p = cJSON_CreateObject();
  char *out = p && cg_json_add_int(p, "returnId", id) &&
                      cg_json_add_str(p, "orderRef", order_number)
                  ? cg_json_print(p)
                  : NULL;
  cJSON_Delete(p);
  return out;
}

int cg__returns_queue(struct cg_flow *f, const char *kind, int64_t id,
                      const char *order_number, int attempt, struct cg_err *err)
{
  char idem[240], key[CG_RETURNS_RMA_MAX];
  const char *tag =
      strcmp(kind, CG_RETURNS_KIND_ADVISE) == 0 ? "rma" : "return-settle";
  cg__returns_rma(id, key);
  if (attempt > 0) /* as orders.c's order_key: done rows are pruned, so
                    * the count alone could give a key the warehouse saw */
    snprintf(idem, sizeof(idem), "cg-%s-%s-%s-r%d-%lld", f->merchant, tag, key,
             attempt, (long long)cg_time_now_ms());
  else
    snprintf(idem, sizeof(idem), "cg-%s-%s-%s", f->merchant, tag, key);
  char *payload = row_payload(id, order_number);
  if (payload == NULL)
    return cg_err_set(err, CG_ENOMEM, "out of memory");
  int rc = cg_outbox_put_again(f->store, kind, key, idem, payload, err);
  cg_free(payload);
  return rc;
}

int cg__returns_audit(struct cg_flow *f, const char *order_number,
                      const char *action, const char *detail,
                      struct cg_err *err)
{
  if (order_number == NULL || *order_number == '\0')
    return 0; /* an unadvised parcel: its exception is the record */
  return cg_store_audit_append(f->store, CG_RETURNS_ENTITY, order_number,
                               action, detail,
                               f->rules_label[0] ? f->rules_label : NULL, err);
}

int cg__returns_raise(struct cg_flow *f, int64_t id, const char *order_number,
                      const char *type, const char *message, const char *action,
                      struct cg_err *err)
{
  char key[CG_RETURNS_RMA_MAX];
  cg__returns_rma(id, key);
  int rc = cg_flow_raise(f, type, CG_RETURNS_ENTITY, key, message,
                         f->rules_label[0] ? f->rules_label : NULL, err);
  if (rc == 0 && action != NULL)
    rc = cg__returns_audit(f, order_number, action, message, err);
  return rc;
}

int cg__returns_hold(struct cg_flow *f, int64_t id, const char *order_number,
                     const char *type, const char *code, const char *message,
                     struct cg_err *err)
{
  char msg[MESSAGE_MAX];
  snprintf(msg, sizeof(msg), "return %lld: %s: %s", (long long)id, code,
           message ? message : "");
  int rc = cg_store_return_set_step(f->store, id, CG_STORE_RETURN_HELD, type,
                                    cg_time_now_ms(), err);
  return rc ? rc
            : cg__returns_raise(f, id, order_number, type, msg, "return held",
                                err);
}

int cg__returns_mismatch_open(struct cg_store *st, int64_t id, bool *found,
                              struct cg_err *err)
{
  char key[CG_RETURNS_RMA_MAX];
  int64_t xid = 0;
  cg__returns_rma(id, key);
  int rc = cg_store_exception_open_id(st, CG_RETURN_MISMATCH, CG_RETURNS_ENTITY,
                                      key, &xid, err);
  *found = rc == 0 && xid != 0;
  return rc;
}
