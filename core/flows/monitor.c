/*
 * monitor: see monitor.h. One tick reads at most BATCH rows due (partial
 * index sla_due), moves each one step in one transaction, then asks the
 * rule host for the deadlines of the new ones: one batch request of up to
 * ASK_MAX orders (one call child), at most INFLIGHT_MAX requests out. A
 * batch the host fails as a whole (a hook killed it) is asked again order
 * by order, so a hostile order costs only itself. A row being asked is
 * leased (next_at moved LEASE_MS ahead), so a lost answer (host restart,
 * engine stop) is asked again, never twice at once.
 */
#include "flows/monitor.h"

#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "flows/exceptions.h"
#include "flows/flow.h"
#include "rules/host.h"
#include "store/store.h"
#include "store/store_monitor.h"

#include <stdio.h>
#include <string.h>

#define BATCH 100           /* rows read per tick */
#define ASK_MAX 50          /* orders asked in one rule host request */
#define INFLIGHT_MAX 4      /* rule host requests out at once */
#define LEASE_MS 30000      /* a row asked waits this long for its answer */
#define BUSY_MS 1000        /* a new row not asked this tick: next tick */
#define RULE_RETRY_MS 60000 /* after a failed hook call */
#define DUE_MAX 64          /* the hook's "due" text, as stored */

struct cg_monitor {
  struct cg_flow *f;
  int inflight;
  bool dead; /* destroyed while calls were out: the last one frees it */
};

/* One rule host request out: the orders it asks for (a batch in one
 * call child, or one order alone). */
struct ask {
  struct cg_monitor *m;
  size_t n;
  bool solo;
  char *numbers[ASK_MAX];
  int64_t accepted[ASK_MAX];
};

struct cg_monitor *cg_monitor_create(struct cg_flow *f)
{
  struct cg_monitor *m = cg_calloc(1, sizeof(*m));
  if (m != NULL)
    m->f = f;
  return m;
}

void cg_monitor_destroy(struct cg_monitor *m)
{
  if (m == NULL)
    return;
  if (m->inflight > 0)
    m->dead = true;
  else
    cg_free(m);
}

static const char *label(const struct cg_flow *f)
{
  return f->rules_label[0] ? f->rules_label : NULL;
}

/* --- the hook's result ---------------------------------------------------*/

static int opt_str(const cJSON *o, const char *k, char *why, size_t size)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  if (v == NULL || cJSON_IsNull(v) ||
      (cJSON_IsString(v) && strlen(v->valuestring) <= DUE_MAX))
    return 0;
  snprintf(why, size, "%s must be a string of at most %d bytes", k, DUE_MAX);
  return -1;
}

int cg_monitor_check_deadline(cJSON **out, char *why, size_t size)
{
  if (cJSON_IsNull(*out))
    return 0;
  const cJSON *d = cJSON_GetObjectItemCaseSensitive(*out, "deadline");
  const cJSON *w = cJSON_GetObjectItemCaseSensitive(*out, "warnAt");
  if (!cJSON_IsObject(*out) || !cJSON_IsNumber(d) || d->valuedouble < 1 ||
      d->valuedouble > 9e15) {
    snprintf(why, size,
             "expected nil or {deadline = ms since the epoch, "
             "warnAt = ms or nil, due = text}");
    return -1;
  }
  if (w != NULL && !cJSON_IsNull(w) &&
      (!cJSON_IsNumber(w) || w->valuedouble < 1 ||
       w->valuedouble > d->valuedouble)) {
    snprintf(why, size, "warnAt must be a time before the deadline, or nil");
    return -1;
  }
  return opt_str(*out, "due", why, size) || opt_str(*out, "option", why, size)
             ? -1
             : 0;
}

/* --- steps of one row, inside the tick's transaction ---------------------*/

static int move(struct cg_monitor *m, const struct cg_store_sla *row,
                struct cg_store_sla_move *mv, struct cg_err *err)
{
  bool moved = false;
  mv->order_number = row->order_number;
  mv->from = row->state;
  mv->rule_generation = label(m->f);
  return cg_store_sla_move(m->f->store, mv, &moved, err);
}

static int move_to(struct cg_monitor *m, const struct cg_store_sla *row,
                   enum cg_store_sla_state to, int64_t next_at,
                   struct cg_err *err)
{
  struct cg_store_sla_move mv = {.to = to, .next_at = next_at};
  return move(m, row, &mv, err);
}

static void iso(int64_t ms, char *buf, size_t size)
{
  cg_time_format_iso8601_s(ms, buf, size);
}

/* SLA_WARNING or SLA_BREACH for row, in the order's timeline too. */
static int raise_sla(struct cg_monitor *m, const struct cg_store_sla *row,
                     bool breach, struct cg_err *err)
{
  char msg[512], acc[32], dl[32];
  iso(row->accepted_at, acc, sizeof(acc));
  iso(row->deadline, dl, sizeof(dl));
  snprintf(msg, sizeof(msg),
           breach ? "order %s was not dispatched by its deadline %s (%s); "
                    "accepted by the warehouse %s"
                  : "order %s is not dispatched yet; its deadline is %s (%s); "
                    "accepted by the warehouse %s",
           row->order_number, row->due_text ? row->due_text : dl, dl, acc);
  const char *type = breach ? "SLA_BREACH" : "SLA_WARNING";
  int rc = cg_flow_raise(m->f, type, CG_MONITOR_ENTITY, row->order_number, msg,
                         label(m->f), err);
  if (rc == 0)
    rc = cg_store_audit_append(m->f->store, "order", row->order_number,
                               breach ? "sla.breach" : "sla.warning", msg,
                               label(m->f), err);
  if (rc == 0 && breach)
    m->f->metrics.sla_breaches++;
  else if (rc == 0)
    m->f->metrics.sla_warnings++;
  return rc;
}

static int breach(struct cg_monitor *m, const struct cg_store_sla *row,
                  int64_t now, struct cg_err *err)
{
  struct cg_store_sla_move mv = {.to = CG_STORE_SLA_BREACHED,
                                 .breached_at = now};
  int rc = raise_sla(m, row, true, err);
  return rc ? rc : move(m, row, &mv, err);
}

static int warn(struct cg_monitor *m, const struct cg_store_sla *row,
                struct cg_err *err)
{
  int rc = raise_sla(m, row, false, err);
  return rc ? rc : move_to(m, row, CG_STORE_SLA_WARNED, row->deadline, err);
}

/* Dispatched or ended: the SLA exceptions close; the timeline says so. */
static int close_row(struct cg_monitor *m, const struct cg_store_sla *row,
                     struct cg_err *err)
{
  const char *why = row->end_reason ? row->end_reason : "ended";
  char note[256];
  snprintf(note, sizeof(note), "%s%s", why,
           row->breached_at ? ", after its deadline" : "");
  int rc =
      cg_flow_resolve(m->f, CG_MONITOR_ENTITY, row->order_number, note, err);
  if (rc == 0)
    rc = cg_store_audit_append(m->f->store, "order", row->order_number,
                               "sla.closed", note, label(m->f), err);
  if (rc == 0)
    m->f->metrics.sla_closed++;
  return rc ? rc : move_to(m, row, CG_STORE_SLA_CLOSED, 0, err);
}

static int watch(struct cg_monitor *m, const struct cg_store_sla *row,
                 int64_t now, struct cg_err *err)
{
  if (row->deadline > 0 && row->deadline <= now)
    return breach(m, row, now, err);
  if (row->state == CG_STORE_SLA_WATCHING && row->warn_at > 0 &&
      row->warn_at <= now)
    return warn(m, row, err);
  bool warned = row->state == CG_STORE_SLA_WARNED || row->warn_at <= 0;
  return move_to(m, row, row->state, warned ? row->deadline : row->warn_at,
                 err);
}

/* A new row: leased and added to the tick's request, or put back a
 * second when there is none (host busy, no generation loaded yet). */
static int lease(struct cg_monitor *m, const struct cg_store_sla *row,
                 int64_t now, struct ask *a, struct cg_err *err)
{
  bool asked = a != NULL && a->n < ASK_MAX &&
               (a->numbers[a->n] = cg_strdup(row->order_number)) != NULL;
  if (asked)
    a->accepted[a->n++] = row->accepted_at;
  return move_to(m, row, CG_STORE_SLA_NEW, now + (asked ? LEASE_MS : BUSY_MS),
                 err);
}

static int step(struct cg_monitor *m, const struct cg_store_sla *row,
                int64_t now, struct ask *a, struct cg_err *err)
{
  switch (row->state) {
  case CG_STORE_SLA_NEW:
    return lease(m, row, now, a, err);
  case CG_STORE_SLA_WATCHING:
  case CG_STORE_SLA_WARNED:
    return watch(m, row, now, err);
  case CG_STORE_SLA_CLOSING:
    return close_row(m, row, err);
  default:
    return move_to(m, row, row->state, 0, err);
  }
}

/* --- asking the rule host ------------------------------------------------*/

static int in_tx(struct cg_flow *f, int rc, struct cg_err *err)
{
  if (rc == 0 && cg_store_commit(f->store, err) == 0)
    return 0;
  cg_store_rollback(f->store, NULL);
  f->metrics.store_errors++;
  return rc ? rc : CG_EDB;
}

static int apply_deadline(struct cg_monitor *m, const struct cg_store_sla *row,
                          const cJSON *r, struct cg_err *err)
{
  if (cJSON_IsNull(r)) {
    int rc = cg_store_audit_append(m->f->store, "order", row->order_number,
                                   "sla.none", "no dispatch SLA for this order",
                                   label(m->f), err);
    return rc ? rc : move_to(m, row, CG_STORE_SLA_CLOSED, 0, err);
  }
  struct cg_store_sla_move mv = {
      .to = CG_STORE_SLA_WATCHING,
      .deadline = cg_json_int(r, "deadline", 0),
      .warn_at = cg_json_int(r, "warnAt", 0),
      .due_text = cg_json_str(r, "due"),
  };
  mv.next_at = mv.warn_at > 0 ? mv.warn_at : mv.deadline;
  char detail[256], dl[32];
  iso(mv.deadline, dl, sizeof(dl));
  snprintf(detail, sizeof(detail), "dispatch due by %s (%s), option %s",
           mv.due_text ? mv.due_text : dl, dl,
           cg_json_str(r, "option") ? cg_json_str(r, "option") : "-");
  int rc = move(m, row, &mv, err);
  if (rc == 0)
    rc = cg_store_audit_append(m->f->store, "order", row->order_number,
                               "sla.due", detail, label(m->f), err);
  return rc ? rc
            : cg_flow_resolve(m->f, CG_MONITOR_ENTITY, row->order_number,
                              "the deadline is known", err);
}

static int rule_failed(struct cg_monitor *m, const struct cg_store_sla *row,
                       const char *why, struct cg_err *err)
{
  char msg[768];
  snprintf(msg, sizeof(msg), "%s failed for order %s: %s", CG_MONITOR_HOOK,
           row->order_number, why);
  m->f->metrics.rule_errors++;
  int rc = cg_flow_raise(m->f, "RULE_ERROR", CG_MONITOR_ENTITY,
                         row->order_number, msg, label(m->f), err);
  return rc ? rc
            : move_to(m, row, CG_STORE_SLA_NEW,
                      cg_time_now_ms() + RULE_RETRY_MS, err);
}

/* One order's answer (result, or why it failed when result is NULL),
 * applied if its row is still new: a dispatch may have closed it. */
/* A hook that returned nil: its result may come back as JSON null or
 * not at all. */
static const cJSON json_null = {.type = cJSON_NULL};

static int apply_one(struct cg_monitor *m, const char *number,
                     const cJSON *result, const char *why, struct cg_err *err)
{
  struct cg_store_sla row = {0};
  int rc = cg_store_sla_get(m->f->store, number, &row, err);
  if (rc == 0 && row.state == CG_STORE_SLA_NEW)
    rc = result ? apply_deadline(m, &row, result, err)
                : rule_failed(m, &row, why ? why : "failed", err);
  cg_store_sla_clear(&row);
  return rc == CG_ENOTFOUND ? 0 : rc;
}

/* Every answer of a request, in one transaction. */
static void apply_all(struct cg_monitor *m, const struct ask *a,
                      const cJSON *reply, const char *why)
{
  struct cg_flow *f = m->f;
  struct cg_err err = {0};
  int rc = cg_store_begin(f->store, &err);
  for (size_t i = 0; rc == 0 && i < a->n; i++) {
    const cJSON *it = a->solo ? NULL : cJSON_GetArrayItem(reply, (int)i);
    bool ok = a->solo ? reply != NULL : cg_json_bool(it, "ok", false);
    const cJSON *result =
        a->solo ? reply : cJSON_GetObjectItemCaseSensitive(it, "result");
    rc = apply_one(m, a->numbers[i], ok ? (result ? result : &json_null) : NULL,
                   a->solo ? why : cg_json_str(it, "error"), &err);
  }
  if (in_tx(f, rc, &err) != 0)
    cg_log_error("monitor",
                 "[merchant=%s] SLA deadlines not recorded (%s); "
                 "asked again later",
                 f->merchant, err.msg);
}

static void ask_free(struct ask *a)
{
  for (size_t i = 0; a != NULL && i < a->n; i++)
    cg_free(a->numbers[i]);
  cg_free(a);
}

static void send_ask(struct cg_monitor *m, struct ask *a);

/* A batch the host failed as a whole: each order again, alone. */
static void ask_each_alone(struct cg_monitor *m, struct ask *a)
{
  for (size_t i = 0; i < a->n; i++) {
    struct ask *one = cg_calloc(1, sizeof(*one));
    if (one == NULL)
      continue; /* its lease runs out: asked again later */
    one->numbers[0] = a->numbers[i];
    one->accepted[0] = a->accepted[i];
    one->n = 1;
    a->numbers[i] = NULL;
    send_ask(m, one);
  }
}

static void on_answer(int rc, cJSON *reply, const struct cg_err *err, void *arg)
{
  struct ask *a = arg;
  struct cg_monitor *m = a->m;
  m->inflight--;
  if (rc == CG_ECANCELED || m->dead)
    ;
  else if (rc == 0)
    apply_all(m, a, reply, NULL);
  else if (!a->solo)
    ask_each_alone(m, a);
  else
    apply_all(m, a, NULL, err ? err->msg : "failed");
  cJSON_Delete(reply);
  ask_free(a);
  if (m->dead && m->inflight == 0)
    cg_free(m);
}

/* [order, acceptedAt]: the canonical order as stored (null if none). */
static cJSON *hook_args(struct cg_flow *f, const char *number,
                        int64_t accepted_at)
{
  struct cg_store_order o = {0};
  cJSON *order = NULL;
  if (cg_store_order_get(f->store, number, &o, NULL) == 0 && o.payload != NULL)
    order = cg_json_parse(o.payload, strlen(o.payload), NULL);
  cg_store_order_clear(&o);
  cJSON *args = cJSON_CreateArray();
  cJSON_AddItemToArray(args, order ? order : cJSON_CreateNull());
  cJSON_AddItemToArray(args, cJSON_CreateNumber((double)accepted_at));
  if (cJSON_GetArraySize(args) != 2) {
    cJSON_Delete(args);
    return NULL;
  }
  return args;
}

/* [{hook, args}, ...] for a batch. */
static cJSON *batch_calls(struct cg_flow *f, const struct ask *a)
{
  cJSON *calls = cJSON_CreateArray();
  for (size_t i = 0; calls != NULL && i < a->n; i++) {
    cJSON *c = cJSON_CreateObject();
    cJSON *args = hook_args(f, a->numbers[i], a->accepted[i]);
    if (c == NULL || args == NULL || !cJSON_AddItemToArray(calls, c)) {
      cJSON_Delete(c);
      cJSON_Delete(args);
      cJSON_Delete(calls);
      return NULL;
    }
    cg_json_add_str(c, "hook", CG_MONITOR_HOOK);
    cJSON_AddItemToObject(c, "args", args);
  }
  return calls;
}

/* Sends a (owned): 1 order alone, more as one batch. On failure the
 * leases run out and the rows are asked again. */
static void send_ask(struct cg_monitor *m, struct ask *a)
{
  struct cg_flow *f = m->f;
  a->m = m;
  a->solo = a->n == 1;
  cJSON *req =
      a->solo ? hook_args(f, a->numbers[0], a->accepted[0]) : batch_calls(f, a);
  int rc = req == NULL || f->rulehost == NULL ? CG_ENOMEM
           : a->solo ? cg_rulehost_call(f->rulehost, CG_MONITOR_HOOK, req,
                                        on_answer, a)
                     : cg_rulehost_batch(f->rulehost, req, on_answer, a);
  cJSON_Delete(req);
  if (rc == 0)
    m->inflight++;
  else
    ask_free(a);
}

/* --- the tick ------------------------------------------------------------*/

void cg_monitor_tick(struct cg_monitor *m)
{
  struct cg_flow *f = m->f;
  if (f->store == NULL || cg_store_in_tx(f->store))
    return;
  struct cg_err err = {0};
  struct cg_store_sla_list due = {0};
  struct ask *a = f->rulehost != NULL && f->rules_label[0] != '\0' &&
                          m->inflight < INFLIGHT_MAX
                      ? cg_calloc(1, sizeof(*a))
                      : NULL;
  int64_t now = cg_time_now_ms();
  int rc = cg_store_begin(f->store, &err);
  if (rc == 0)
    rc = cg_store_sla_due(f->store, now, BATCH, &due, &err);
  for (size_t i = 0; rc == 0 && i < due.n; i++)
    rc = step(m, &due.items[i], now, a, &err);
  if (in_tx(f, rc, &err) != 0) {
    cg_log_error("monitor", "[merchant=%s] SLA pass not recorded: %s",
                 f->merchant, err.msg);
    ask_free(a);
  } else if (a != NULL && a->n > 0) {
    send_ask(m, a);
  } else {
    ask_free(a);
  }
  cg_store_sla_list_clear(&due);
}
