/*
 * decide: see decide.h. The set is a doubly linked list in the order the
 * jobs came (versions of an order in order), indexed by a hash map so
 * that "is this one already asked for?" costs the same with ten jobs
 * waiting or CG_DECIDE_MAX: by (kind, key), or (kind, order number) for
 * the jobs without a key (re-decisions: one per order at most).
 */
#include "flows/decide.h"

#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/map.h"
#include "base/mem.h"
#include "flows/flow.h"
#include "flows/hooks.h"
#include "flows/inbox.h"
#include "flows/orders_internal.h"
#include "flows/outbox.h"
#include "flows/plan.h"
#include "rules/host.h"
#include "store/store.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct job {
  struct job *prev, *next;
  enum cg_decide_kind kind;
  int64_t key;
  char number[32];
  char msg_id[192];
  char *payload;
  bool whole;   /* payload is one JSON object as printed: sent as it is */
  cJSON *facts; /* INBOX: what step 2 reads of the order, or NULL */
  bool sent;    /* in a request to the host */
  bool alone;   /* its batch's host died: ask again in a batch of one */
};

struct cg_decide {
  struct cg_flow *f;
  struct job *head, *tail; /* oldest first: versions in order */
  uint64_t n;
  struct cg_map index; /* job_name -> job */
};

/* A job's name in the index: "kind/key", or "kind:number" without a key
 * (cg_decide_later refuses a second job of the same name). */
static void job_name(char *buf, size_t size, enum cg_decide_kind kind,
                     int64_t key, const char *number)
{
  if (key != 0)
    snprintf(buf, size, "%d/%lld", (int)kind, (long long)key);
  else
    snprintf(buf, size, "%d:%s", (int)kind, number ? number : "");
}

static int index_add(struct cg_decide *d, struct job *j)
{
  char name[48];
  job_name(name, sizeof(name), j->kind, j->key, j->number);
  return cg_map_put_str(&d->index, name, j);
}

static void index_drop(struct cg_decide *d, const struct job *j)
{
  char name[48];
  job_name(name, sizeof(name), j->kind, j->key, j->number);
  cg_map_del_str(&d->index, name);
}

/* One request to the host: the jobs it plans, in order. */
struct batch {
  struct cg_decide *d;
  int n;
  struct job *jobs[CG_DECIDE_BATCH];
};

struct cg_decide *cg_decide_create(struct cg_flow *f)
{
  if (cg_hooks_register() != 0) /* the plan the host is asked for */
    return NULL;
  struct cg_decide *d = cg_calloc(1, sizeof(*d));
  if (d != NULL)
    d->f = f;
  return d;
}

static void job_drop(struct cg_decide *d, struct job *j)
{
  index_drop(d, j);
  if (j->prev != NULL)
    j->prev->next = j->next;
  else
    d->head = j->next;
  if (j->next != NULL)
    j->next->prev = j->prev;
  else
    d->tail = j->prev;
  d->n--;
  cg_free(j->payload);
  cJSON_Delete(j->facts);
  cg_free(j);
}

void cg_decide_destroy(struct cg_decide *d)
{
  if (d == NULL)
    return;
  while (d->head != NULL)
    job_drop(d, d->head);
  cg_map_free(&d->index);
  cg_free(d);
}

bool cg_decide_pending(const struct cg_flow *f, enum cg_decide_kind kind,
                       int64_t key, const char *number)
{
  const struct cg_decide *d = f->decide;
  char name[48];
  if (d == NULL)
    return false;
  job_name(name, sizeof(name), kind, key, number);
  return cg_map_get_str(&d->index, name) != NULL;
}

uint64_t cg_decide_count(const struct cg_flow *f)
{
  return f->decide ? f->decide->n : 0;
}

/* A new job holding a copy of payload; NULL on ENOMEM. */
static struct job *job_new(enum cg_decide_kind kind, int64_t key,
                           const char *msg_id, const char *number,
                           const char *payload)
{
  struct job *j = cg_calloc(1, sizeof(*j));
  size_t len = strlen(payload);
  char *copy = j ? cg_malloc(len + 1) : NULL;
  if (copy == NULL) {
    cg_free(j);
    return NULL;
  }
  memcpy(copy, payload, len + 1);
  *j = (struct job){.kind = kind, .key = key, .payload = copy};
  snprintf(j->number, sizeof(j->number), "%s", number);
  snprintf(j->msg_id, sizeof(j->msg_id), "%s", msg_id ? msg_id : "");
  return j;
}

static int job_add(struct cg_decide *d, enum cg_decide_kind kind, int64_t key,
                   const char *msg_id, const char *number,
                   const struct cg_decide_order *o)
{
  struct job *j = job_new(kind, key, msg_id, number, o->payload);
  if (j == NULL || index_add(d, j) != 0) {
    if (j != NULL)
      cg_free(j->payload);
    cg_free(j);
    return CG_ENOMEM;
  }
  j->whole = o->whole;
  j->facts = o->facts;
  j->prev = d->tail;
  if (d->tail != NULL)
    d->tail->next = j;
  else
    d->head = j;
  d->tail = j;
  d->n++;
  return 0;
}

int cg_decide_later(struct cg_flow *f, enum cg_decide_kind kind, int64_t key,
                    const char *msg_id, const char *number,
                    struct cg_decide_order *o)
{
  struct cg_decide *d = f->decide;
  int rc = 0;
  if (d == NULL || f->rulehost == NULL)
    rc = CG_ECANCELED;
  else if (cg_decide_pending(f, kind, key, number))
    rc = CG_EEXIST;
  else if (d->n >= CG_DECIDE_MAX)
    rc = CG_ELIMIT;
  else
    rc = job_add(d, kind, key, msg_id, number, o);
  if (rc != 0)
    cJSON_Delete(o->facts);
  o->facts = NULL; /* the job's, or freed */
  return rc;
}

/* ---- step 2 ------------------------------------------------------------ */

/* The inbox row of j, if still pending and still the same message. */
static int step2_inbox(struct cg_flow *f, const struct job *j,
                       const struct cg_plan *plan, const char *rule_err,
                       bool *queued, struct cg_err *err)
{
  struct cg_store_inbox_row row = {0};
  char outcome[CG_INBOX_OUTCOME_MAX] = "";
  int rc = cg_store_inbox_get(f->store, j->key, &row, err);
  if (rc == CG_ENOTFOUND)
    return 0; /* its batch rolled back */
  if (rc == 0 && row.processed_at == 0 && strcmp(row.msg_id, j->msg_id) == 0) {
    rc = cg__order_finish(f, &row, j->facts, plan, rule_err, outcome, err);
    if (rc == 0)
      rc = cg_store_inbox_mark(f->store, row.id, outcome, NULL, err);
    *queued = strcmp(outcome, "queued") == 0;
  }
  cg_store_inbox_row_clear(&row);
  return rc;
}

static int step2_one(struct cg_flow *f, const struct job *j,
                     const struct cg_plan *plan, const char *rule_err,
                     bool *queued, struct cg_err *err)
{
  switch (j->kind) {
  case CG_DECIDE_INBOX:
    return step2_inbox(f, j, plan, rule_err, queued, err);
  case CG_DECIDE_REDECIDE:
    return cg__order_redecided(f, j->number, plan, rule_err, queued, err);
  default:
    return cg__order_retried(f, j->key, j->number, plan, rule_err, queued, err);
  }
}

/* 0 with *plan, 1 with *rule_err (RULE_ERROR), or -1: not decided now
 * (no generation, host busy, out of memory): the sweep asks again. */
static int item_result(int rc, const struct cg_err *err, cJSON *item,
                       struct cg_plan *plan, const char **rule_err)
{
  if (rc == CG_ERULE) {
    *rule_err = err->msg;
    return 1;
  }
  if (rc != 0 || item == NULL)
    return -1;
  if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, "ok")))
    return cg_plan_from_json(cJSON_GetObjectItemCaseSensitive(item, "result"),
                             plan, NULL) == 0
               ? 0
               : -1;
  const char *code = cg_json_str(item, "code");
  if (code == NULL || strcmp(code, "CG_ERULE") != 0)
    return -1;
  *rule_err = cg_json_str(item, "error");
  if (*rule_err == NULL)
    *rule_err = "rule error";
  return 1;
}

/* Applies job i of b in its own savepoint; true when it was queued. */
static bool apply_one(struct batch *b, int i, int rc, const struct cg_err *herr,
                      cJSON *reply)
{
  struct cg_flow *f = b->d->f;
  struct job *j = b->jobs[i];
  struct cg_plan plan = {0};
  const char *rule_err = NULL;
  struct cg_err err = {0};
  bool queued = false;
  int got =
      item_result(rc, herr, cJSON_GetArrayItem(reply, i), &plan, &rule_err);
  if (got < 0) {
    cg_log_warn("orders",
                "[merchant=%s] order %s: no plan yet (%s); asked "
                "again later",
                f->merchant, j->number, rc ? herr->msg : "unreadable plan");
    return false;
  }
  int r = cg_store_savepoint(f->store, &err);
  if (r == 0) {
    r = step2_one(f, j, got == 0 ? &plan : NULL, rule_err, &queued, &err);
    int end = cg_store_savepoint_end(f->store, r == 0, r ? NULL : &err);
    r = r ? r : end;
  }
  if (r != 0) {
    f->metrics.store_errors++;
    cg_log_error("orders",
                 "[merchant=%s] order %s: decision not stored: %s; "
                 "asked again later",
                 f->merchant, j->number, err.msg);
  }
  cg_plan_clear(&plan);
  return r == 0 && queued;
}

/* Step 2 of every job of b in one transaction. */
static void step2_batch(struct batch *b, int rc, const struct cg_err *herr,
                        cJSON *reply)
{
  struct cg_flow *f = b->d->f;
  struct cg_err err = {0};
  int queued = 0;
  if (cg_store_begin(f->store, &err) != 0) {
    cg_log_error("orders", "[merchant=%s] decisions not stored: %s",
                 f->merchant, err.msg);
    return;
  }
  for (int i = 0; i < b->n; i++)
    queued += apply_one(b, i, rc, herr, reply);
  if (cg_store_commit(f->store, &err) != 0) {
    cg_store_rollback(f->store, NULL);
    f->metrics.store_errors++;
    cg_log_error("orders", "[merchant=%s] %d decisions not stored: %s",
                 f->merchant, b->n, err.msg);
    return;
  }
  if (queued > 0)
    cg_outbox_kick(f->outbox);
}

static void on_plans(int rc, cJSON *reply, const struct cg_err *err, void *arg)
{
  struct batch *b = arg;
  struct cg_decide *d = b->d;
  bool again = rc == CG_ERULE && b->n > 1; /* the host died under it */
  if (rc != CG_ECANCELED && !again)
    step2_batch(b, rc, err, reply);
  for (int i = 0; i < b->n; i++) {
    if (again) {
      b->jobs[i]->sent = false;
      b->jobs[i]->alone = true;
    } else {
      job_drop(d, b->jobs[i]);
    }
  }
  cJSON_Delete(reply);
  cg_free(b);
  if (again)
    cg_decide_flush(d->f);
}

/* ---- sending ----------------------------------------------------------- */

/* A job's order in the request: its text as it is when it is one JSON
 * object as printed (the host parses the request; a parse and a print
 * here would give the same bytes), else parsed, printed with the rest. */
static cJSON *job_input(const struct job *j)
{
  const char *p = j->payload;
  return j->whole ? cJSON_CreateRaw(p) : cg_json_parse(p, strlen(p), NULL);
}

static void send_batch(struct cg_decide *d, struct batch *b)
{
  cJSON *orders = cJSON_CreateArray();
  for (int i = 0; orders != NULL && i < b->n; i++) {
    cJSON *o = job_input(b->jobs[i]);
    if (o == NULL || !cJSON_AddItemToArray(orders, o)) {
      cJSON_Delete(o);
      cJSON_Delete(orders);
      orders = NULL;
    }
  }
  int rc = orders ? cg_rulehost_plans(d->f->rulehost, CG_PLAN_ORDERS, orders,
                                      on_plans, b)
                  : CG_ENOMEM;
  cJSON_Delete(orders);
  if (rc == 0)
    return;
  cg_log_warn("orders",
              "[merchant=%s] %d orders not sent to the rule host "
              "(%s); asked again later",
              d->f->merchant, b->n, cg_strerror(rc));
  for (int i = 0; i < b->n; i++)
    job_drop(d, b->jobs[i]);
  cg_free(b);
}

void cg_decide_flush(struct cg_flow *f)
{
  struct cg_decide *d = f->decide;
  struct batch *b = NULL;
  struct job *j = d ? d->head : NULL, *next;
  for (; j != NULL; j = next) {
    next = j->next; /* send_batch may drop j */
    if (j->sent)
      continue;
    if (b != NULL && (j->alone || b->n == CG_DECIDE_BATCH)) {
      send_batch(d, b);
      b = NULL;
    }
    if (b == NULL && (b = cg_calloc(1, sizeof(*b))) == NULL)
      return; /* the jobs stay; the next flush sends them */
    b->d = d;
    b->jobs[b->n++] = j;
    j->sent = true;
    if (j->alone) {
      send_batch(d, b);
      b = NULL;
    }
  }
  if (b != NULL)
    send_batch(d, b);
}
