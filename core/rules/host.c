/*
 * host: the engine side of a merchant's rule host (host.h): the request
 * queue, the one request in flight, the watchdog, restarts and the last
 * good generation. Bytes and the child process are host_proc.c's.
 *
 *   call/batch/load ─▶ queue (≤ queue_max) ─pump─▶ inflight ─frame─▶ proc
 *   reply frame ─▶ cg__host_on_reply ─▶ done(rc, reply) ─▶ pump
 *   watchdog (deadline + 500 ms), exit, bad frame ─▶ cg__host_on_death:
 *       detach + kill the proc, RULE_ERROR for the request in flight,
 *       restart timer ─▶ new proc ─▶ RELOAD of the last good load at the
 *       head of the queue ─▶ pump
 *
 * A load keeps its request (the files) so a restart can send the same
 * bytes again: the fresh host then holds exactly the generation that was
 * current. A load that fails, or kills its host, changes nothing.
 */
#include "rules/host_int.h"
#include "rules/rules_int.h"

#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"

#include <assert.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#define container_of(ptr, type, member)                                        \
  ((type *)((char *)(ptr)-offsetof(type, member)))

#ifndef CG_SOURCE_DIR
#define CG_SOURCE_DIR "."
#endif

static void pump(struct cg_rulehost *h);

/* ---- requests ---------------------------------------------------------- */

static void req_free(struct cg__req *r)
{
  cg_free(r->frame);
  cJSON_Delete(r->load);
  cg_free(r);
}

/* Frames body (taken) with a new id. NULL with err on failure. */
static struct cg__req *req_new(struct cg_rulehost *h, enum cg__req_kind kind,
                               cJSON *body, struct cg_err *err)
{
  struct cg__req *r = cg_calloc(1, sizeof(*r));
  char *text = NULL;
  if (r != NULL && body != NULL) {
    r->id = ++h->next_id;
    cJSON_DeleteItemFromObjectCaseSensitive(body, "id");
    if (cJSON_AddNumberToObject(body, "id", r->id) != NULL)
      text = cJSON_PrintUnformatted(body);
  }
  size_t len = text ? strlen(text) : 0;
  if (text != NULL && len <= CG__FRAME_MAX)
    r->frame = cg_malloc(len + 4);
  if (r == NULL || r->frame == NULL) {
    cg_err_set(err, len > CG__FRAME_MAX ? CG_ELIMIT : CG_ENOMEM,
               "rule host request of %zu bytes not sent", len);
    cJSON_free(text);
    cJSON_Delete(body);
    cg_free(r);
    return NULL;
  }
  cg__frame_header((uint8_t *)r->frame, (uint32_t)len);
  memcpy(r->frame + 4, text, len);
  cJSON_free(text);
  r->len = len + 4;
  r->kind = kind;
  r->ncalls = 1;
  if (kind == CG__REQ_LOAD || kind == CG__REQ_RELOAD)
    r->load = body;
  else
    cJSON_Delete(body);
  return r;
}

static int enqueue(struct cg_rulehost *h, struct cg__req *r, bool front,
                   struct cg_err *err)
{
  if (h->closing || (!front && h->queued >= h->queue_max)) {
    int rc = h->closing ? cg_err_set(err, CG_ECANCELED, "rule host closing")
                        : cg_err_set(err, CG_ELIMIT,
                                     "rule host busy (%zu "
                                     "requests waiting)",
                                     h->queued);
    req_free(r);
    return rc;
  }
  if (front) {
    r->next = h->head;
    h->head = r;
    if (h->tail == NULL)
      h->tail = r;
  } else {
    if (h->tail != NULL)
      h->tail->next = r;
    else
      h->head = r;
    h->tail = r;
  }
  h->queued++;
  pump(h);
  return 0;
}

/* Ends r: done(rc, reply) for a caller's request, a log line for a
 * reload. Frees r. The host may be closing when done returns. */
static void finish(struct cg_rulehost *h, struct cg__req *r, int rc,
                   cJSON *reply, const struct cg_err *err)
{
  h->queued--;
  if (r->kind == CG__REQ_RELOAD && rc != 0)
    cg_log_error("rulehost",
                 "[rulehost:merchant=%s] fresh host refused the last good "
                 "generation %s: %s",
                 h->merchant, h->label, err->msg);
  else if (r->kind == CG__REQ_RELOAD)
    cg_log_info("rulehost", "[rulehost:merchant=%s] fresh host has %s",
                h->merchant, h->label);
  if (r->done != NULL)
    r->done(rc, reply, rc == 0 ? NULL : err, r->arg);
  else
    cJSON_Delete(reply);
  req_free(r);
}

static void fail(struct cg_rulehost *h, struct cg__req *r, int code,
                 const char *why)
{
  struct cg_err err = {0};
  if (r->kind == CG__REQ_LOAD) {
    cg_err_set(&err, code, "load refused, keeping %s: %s",
               h->label[0] ? h->label : "no generation", why);
    cg_log_warn("rulehost", "[rulehost:merchant=%s] %.*s", h->merchant,
                (int)strcspn(err.msg, "\n"), err.msg);
  } else
    cg_err_set(&err, code, "%s", why);
  finish(h, r, err.code, NULL, &err);
}

/* ---- sending ----------------------------------------------------------- */

/* How long the engine waits for the zygote's answer to r: its deadline
 * (for calls, as long as a starved call child may run on), plus the
 * slack. */
static int64_t watchdog_ms(const struct cg__req *r)
{
  bool call = r->kind == CG__REQ_CALL || r->kind == CG__REQ_BATCH;
  return r->deadline_ms * (call ? CG__HOST_STARVED_FACTOR : 1) +
         CG__ENGINE_SLACK_MS;
}

static void on_watchdog(uv_timer_t *t)
{
  struct cg_rulehost *h = container_of(t, struct cg_rulehost, watchdog);
  struct cg__req *r = h->inflight;
  char why[160];
  snprintf(why, sizeof(why),
           "the rule host did not answer within %lld ms (killed, restarting)",
           (long long)(r ? watchdog_ms(r) : 0));
  cg_log_error("rulehost", "[rulehost:merchant=%s] %s", h->merchant, why);
  cg__host_on_death(h, why);
}

static void pump(struct cg_rulehost *h)
{
  if (h->closing || h->inflight != NULL || h->proc == NULL || h->proc->dying ||
      h->head == NULL)
    return;
  struct cg__req *r = h->head;
  h->head = r->next;
  if (h->head == NULL)
    h->tail = NULL;
  r->next = NULL;
  h->inflight = r;
  if (r->kind == CG__REQ_CALL || r->kind == CG__REQ_BATCH)
    r->deadline_ms = cg__host_call_deadline_ms(h->call_timeout_ms, r->ncalls);
  if (cg__proc_send(h->proc, r) != 0) {
    cg__proc_kill(h->proc); /* the exit fails r, asynchronously */
    return;
  }
  uv_timer_start(&h->watchdog, on_watchdog, (uint64_t)watchdog_ms(r), 0);
}

/* ---- replies ----------------------------------------------------------- */

static void loaded(struct cg_rulehost *h, struct cg__req *r, const cJSON *reply)
{
  cJSON_Delete(h->last_good);
  h->last_good = r->load;
  r->load = NULL;
  h->last_good_load_ms = r->load_timeout_ms;
  snprintf(h->label, sizeof(h->label), "%s", cg_json_str(reply, "label"));
  struct cg_rules_opts o = {0};
  cg__limits_from_json(cJSON_GetObjectItem(h->last_good, "limits"), &o);
  h->call_timeout_ms = o.call_timeout_ms;
  cg_log_info("rulehost", "[rulehost:merchant=%s] loaded %s", h->merchant,
              h->label);
}

/* What the caller gets from a successful reply: a member detached from
 * *reply, or (a load) the reply itself without id and ok, and then *reply
 * is NULL. */
static cJSON *payload(struct cg_rulehost *h, struct cg__req *r, cJSON **reply)
{
  if (r->kind == CG__REQ_CALL) {
    cJSON *res = cJSON_DetachItemFromObjectCaseSensitive(*reply, "result");
    return res ? res : cJSON_CreateNull();
  }
  if (r->kind == CG__REQ_BATCH)
    return cJSON_DetachItemFromObjectCaseSensitive(*reply, "results");
  if (r->kind == CG__REQ_LOAD)
    loaded(h, r, *reply);
  cJSON *all = *reply;
  *reply = NULL;
  cJSON_DeleteItemFromObjectCaseSensitive(all, "id");
  cJSON_DeleteItemFromObjectCaseSensitive(all, "ok");
  return all;
}

void cg__host_on_reply(struct cg_rulehost *h, const char *text, size_t len)
{
  struct cg__req *r = h->inflight;
  cJSON *reply = cg_json_parse(text, len, NULL);
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(reply, "id");
  if (r == NULL || !cJSON_IsNumber(id) || id->valuedouble != r->id) {
    cJSON_Delete(reply);
    cg__host_on_death(h, "the rule host answered out of turn (killed)");
    return;
  }
  if (cJSON_HasObjectItem(reply, "progress")) { /* load: tests start */
    r->deadline_ms = cg__host_tests_deadline_ms(r->load_timeout_ms);
    uv_timer_start(&h->watchdog, on_watchdog, (uint64_t)watchdog_ms(r), 0);
    cJSON_Delete(reply);
    return;
  }
  uv_timer_stop(&h->watchdog);
  h->inflight = NULL;
  if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok"))) {
    cJSON *out = payload(h, r, &reply);
    struct cg_err err = {0};
    if (out == NULL)
      cg_err_set(&err, CG_ENOMEM, "no memory for a rule host reply");
    finish(h, r, out ? 0 : CG_ENOMEM, out, &err);
  } else {
    const char *msg = cg_json_str(reply, "error");
    fail(h, r, cg__code_from_name(cg_json_str(reply, "code")),
         msg ? msg : "rule host error");
  }
  cJSON_Delete(reply);
  pump(h);
}

/* ---- deaths and restarts ----------------------------------------------- */

static void drain(struct cg_rulehost *h, int code, const char *why)
{
  struct cg__req *r;
  while ((r = h->head) != NULL) {
    h->head = r->next;
    if (h->head == NULL)
      h->tail = NULL;
    fail(h, r, code, why);
  }
}

static void schedule_restart(struct cg_rulehost *h);

static void on_restart(uv_timer_t *t)
{
  struct cg_rulehost *h = container_of(t, struct cg_rulehost, restart);
  if (h->closing || h->proc != NULL)
    return;
  struct cg_err err = {0};
  h->restarts++;
  h->started_ms = cg_time_mono_ms();
  if (cg__proc_start(h, &err) != 0) {
    cg_log_error("rulehost", "[rulehost:merchant=%s] %s; retrying", h->merchant,
                 err.msg);
    h->quick_deaths++;
    /* No rule ran: not a rule error (the flows ask again later). */
    drain(h, CG_EIO, err.msg);
    schedule_restart(h);
    return;
  }
  cg_log_warn("rulehost",
              "[rulehost:merchant=%s] started a fresh host (pid %d)",
              h->merchant, h->proc->process.pid);
  if (h->last_good == NULL) {
    pump(h);
    return;
  }
  struct cg__req *r =
      req_new(h, CG__REQ_RELOAD, cJSON_Duplicate(h->last_good, true), &err);
  if (r != NULL) {
    r->load_timeout_ms = h->last_good_load_ms;
    r->deadline_ms = cg__host_load_deadline_ms(r->load_timeout_ms);
    enqueue(h, r, true, &err);
  }
}

static void schedule_restart(struct cg_rulehost *h)
{
  if (h->closing)
    return;
  int n = h->quick_deaths < 6 ? h->quick_deaths : 6;
  uint64_t delay = n == 0 ? 1 : 100u << (n - 1); /* up to 3.2 s */
  uv_timer_start(&h->restart, on_restart, delay, 0);
}

void cg__host_on_death(struct cg_rulehost *h, const char *why)
{
  struct cg__proc *p = h->proc;
  if (p != NULL) {
    h->proc = NULL;
    cg__proc_detach(p);
  }
  if (cg_time_mono_ms() - h->started_ms < 1000)
    h->quick_deaths++;
  else
    h->quick_deaths = 0;
  uv_timer_stop(&h->watchdog);
  struct cg__req *r = h->inflight;
  h->inflight = NULL;
  if (r != NULL)
    fail(h, r, CG_ERULE, why);
  else
    cg_log_warn("rulehost", "[rulehost:merchant=%s] %s; restarting",
                h->merchant, why);
  schedule_restart(h);
}

/* ---- the public API ---------------------------------------------------- */

static void on_timer_closed(uv_handle_t *t)
{
  struct cg_rulehost *h = t->data;
  if (--h->open_timers > 0)
    return;
  cJSON_Delete(h->last_good);
  cg_free(h);
}

/* Writes to a host that just died must fail with EPIPE, not kill the
 * engine with SIGPIPE. */
static void ignore_sigpipe(void)
{
  struct sigaction old;
  if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL)
    signal(SIGPIPE, SIG_IGN);
}

int cg_rulehost_create(uv_loop_t *loop, const struct cg_rulehost_opts *opts,
                       struct cg_rulehost **out, struct cg_err *err)
{
  *out = NULL;
  if (loop == NULL || opts == NULL || opts->merchant == NULL)
    return cg_err_set(err, CG_EINVAL, "rule host: loop and merchant needed");
  struct cg_rulehost *h = cg_calloc(1, sizeof(*h));
  if (h == NULL)
    return cg_err_set(err, CG_ENOMEM, "no memory for a rule host");
  ignore_sigpipe();
  h->loop = loop;
  snprintf(h->merchant, sizeof(h->merchant), "%s", opts->merchant);
  snprintf(h->binary, sizeof(h->binary), "%s",
           opts->binary ? opts->binary : "/proc/self/exe");
  h->queue_max = opts->queue_max ? opts->queue_max : CG_RULEHOST_QUEUE_MAX;
  uv_timer_init(loop, &h->watchdog);
  uv_timer_init(loop, &h->restart);
  h->watchdog.data = h->restart.data = h;
  h->open_timers = 2;
  h->started_ms = cg_time_mono_ms();
  int rc = cg__proc_start(h, err);
  if (rc != 0) {
    h->closing = true;
    uv_close((uv_handle_t *)&h->watchdog, on_timer_closed);
    uv_close((uv_handle_t *)&h->restart, on_timer_closed);
    return rc;
  }
  *out = h;
  return 0;
}

void cg_rulehost_destroy(struct cg_rulehost *h)
{
  if (h == NULL || h->closing)
    return;
  h->closing = true;
  uv_timer_stop(&h->watchdog);
  uv_timer_stop(&h->restart);
  if (h->proc != NULL)
    cg__proc_detach(h->proc);
  h->proc = NULL;
  struct cg__req *r = h->inflight;
  h->inflight = NULL;
  if (r != NULL)
    fail(h, r, CG_ECANCELED, "rule host closing");
  drain(h, CG_ECANCELED, "rule host closing");
  uv_close((uv_handle_t *)&h->watchdog, on_timer_closed);
  uv_close((uv_handle_t *)&h->restart, on_timer_closed);
}

/* {name: "pack/<rel>" | "scripts/<rel>", text} for each file of f. */
static int add_files(cJSON *arr, const char *prefix, const struct cg__files *f,
                     struct cg_err *err)
{
  for (size_t i = 0; i < f->n; i++) {
    if (strlen(f->v[i].data) != f->v[i].len)
      return cg_err_set(err, CG_EINVAL, "%s%s holds a NUL byte (not Lua text)",
                        prefix, f->v[i].name);
    char name[600];
    snprintf(name, sizeof(name), "%s%s", prefix, f->v[i].name);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToArray(arr, o);
    if (o == NULL || !cg_json_add_str(o, "name", name) ||
        !cg_json_add_str(o, "text", f->v[i].data))
      return cg_err_set(err, CG_ENOMEM, "no memory for a load request");
  }
  return 0;
}

/* The files of a load: saved sources (cg_rulehost_sources) when saved
 * is set, else the pack and scripts/ folders of o, read now. */
static int add_sources(cJSON *body, const struct cg_rules_opts *o,
                       const char *saved, struct cg_err *err)
{
  char scripts_dir[512];
  snprintf(scripts_dir, sizeof(scripts_dir), "%s",
           o->scripts_dir ? o->scripts_dir : CG_SOURCE_DIR "/scripts");
  struct cg__files pack = {0}, scripts = {0};
  cJSON *files = cJSON_AddArrayToObject(body, "files");
  int rc = files ? 0 : cg_err_set(err, CG_ENOMEM, "no memory");
  if (rc == 0 && saved != NULL)
    rc = cg__sources_parse(saved, &pack, &scripts, err);
  else if (rc == 0)
    rc = cg__files_read(o->pack_dir, &pack, err);
  if (rc == 0 && saved == NULL)
    rc = cg__files_read(scripts_dir, &scripts, err);
  if (rc == 0)
    rc = add_files(files, "pack/", &pack, err);
  if (rc == 0)
    rc = add_files(files, "scripts/", &scripts, err);
  cg__files_free(&pack);
  cg__files_free(&scripts);
  return rc;
}

/* The load request for o (NULL with err). */
static cJSON *load_body(struct cg_rulehost *h, const struct cg_rules_opts *o,
                        const char *saved, struct cg_err *err)
{
  cJSON *body = cJSON_CreateObject();
  cJSON *limits = cg__limits_json(o);
  int rc = body && limits ? 0 : cg_err_set(err, CG_ENOMEM, "no memory");
  if (rc == 0 && !cJSON_AddItemToObject(body, "limits", limits))
    rc = cg_err_set(err, CG_ENOMEM, "no memory"); /* limits stays ours */
  if (rc == 0) {
    limits = NULL; /* body's now */
    if (!cg_json_add_str(body, "op", "load") ||
        !cg_json_add_str(body, "pack_dir", o->pack_dir) ||
        !cJSON_AddNumberToObject(body, "number", (double)++h->generations) ||
        !cJSON_AddBoolToObject(body, "skip_tests", o->skip_pack_tests))
      rc = cg_err_set(err, CG_ENOMEM, "no memory");
  }
  if (rc == 0)
    rc = add_sources(body, o, saved, err);
  cJSON_Delete(limits);
  if (rc != 0) {
    cJSON_Delete(body);
    return NULL;
  }
  return body;
}

int cg_rulehost_load(struct cg_rulehost *h, const struct cg_rules_opts *opts,
                     cg_rulehost_done_fn done, void *arg)
{
  return cg_rulehost_load_sources(h, opts, NULL, done, arg);
}

int cg_rulehost_load_sources(struct cg_rulehost *h,
                             const struct cg_rules_opts *opts,
                             const char *sources, cg_rulehost_done_fn done,
                             void *arg)
{
  struct cg_err err = {0};
  if (h->closing)
    return CG_ECANCELED;
  if (opts == NULL || opts->pack_dir == NULL)
    return CG_EINVAL;
  cJSON *body = load_body(h, opts, sources, &err);
  if (body == NULL) {
    cg_log_warn("rulehost", "[rulehost:merchant=%s] load not sent: %s",
                h->merchant, err.msg);
    return err.code;
  }
  struct cg__req *r = req_new(h, CG__REQ_LOAD, body, &err);
  if (r == NULL)
    return err.code;
  r->load_timeout_ms = opts->load_timeout_ms;
  r->deadline_ms = cg__host_load_deadline_ms(opts->load_timeout_ms);
  r->done = done;
  r->arg = arg;
  return enqueue(h, r, false, &err);
}

static int submit(struct cg_rulehost *h, enum cg__req_kind kind, cJSON *body,
                  int ncalls, cg_rulehost_done_fn done, void *arg)
{
  struct cg_err err = {0};
  if (body == NULL)
    return CG_ENOMEM;
  struct cg__req *r = req_new(h, kind, body, &err);
  if (r == NULL)
    return err.code;
  r->ncalls = ncalls > 0 ? ncalls : 1;
  r->done = done;
  r->arg = arg;
  return enqueue(h, r, false, &err);
}

int cg_rulehost_call(struct cg_rulehost *h, const char *hook, const cJSON *args,
                     cg_rulehost_done_fn done, void *arg)
{
  if (h->closing)
    return CG_ECANCELED;
  if (hook == NULL || (args != NULL && !cJSON_IsArray(args)))
    return CG_EINVAL;
  if (h->queued >= h->queue_max)
    return CG_ELIMIT;
  cJSON *body = cJSON_CreateObject();
  /* References: the request is printed before this returns. */
  cJSON *a =
      args ? cJSON_CreateArrayReference(args->child) : cJSON_CreateArray();
  if (body == NULL || a == NULL || !cg_json_add_str(body, "op", "call") ||
      !cg_json_add_str(body, "hook", hook) ||
      !cJSON_AddItemToObject(body, "args", a)) {
    cJSON_Delete(a);
    cJSON_Delete(body);
    return CG_ENOMEM;
  }
  return submit(h, CG__REQ_CALL, body, 1, done, arg);
}

int cg_rulehost_batch(struct cg_rulehost *h, const cJSON *calls,
                      cg_rulehost_done_fn done, void *arg)
{
  if (h->closing)
    return CG_ECANCELED;
  if (!cJSON_IsArray(calls))
    return CG_EINVAL;
  if (h->queued >= h->queue_max)
    return CG_ELIMIT;
  cJSON *body = cJSON_CreateObject();
  cJSON *c = cJSON_CreateArrayReference(calls->child); /* printed now */
  if (body == NULL || c == NULL || !cg_json_add_str(body, "op", "batch") ||
      !cJSON_AddItemToObject(body, "calls", c)) {
    cJSON_Delete(c);
    cJSON_Delete(body);
    return CG_ENOMEM;
  }
  return submit(h, CG__REQ_BATCH, body, cJSON_GetArraySize(calls), done, arg);
}

const char *cg_rulehost_label(const struct cg_rulehost *h)
{
  return h->label;
}

int cg_rulehost_pid(const struct cg_rulehost *h)
{
  return h->proc != NULL && !h->proc->dying ? h->proc->process.pid : 0;
}

uint64_t cg_rulehost_restarts(const struct cg_rulehost *h)
{
  return h->restarts;
}

size_t cg_rulehost_queued(const struct cg_rulehost *h)
{
  return h->queued;
}

int cg_rulehost_plans(struct cg_rulehost *h, const char *plan,
                      const cJSON *inputs, cg_rulehost_done_fn done, void *arg)
{
  if (h->closing)
    return CG_ECANCELED;
  const struct cg_rules_plan_spec *spec = cg_rules_plan_find(plan);
  int n = cJSON_GetArraySize(inputs);
  if (spec == NULL)
    return CG_ENOTFOUND;
  if (!cJSON_IsArray(inputs) || n == 0)
    return CG_EINVAL;
  if (h->queued >= h->queue_max)
    return CG_ELIMIT;
  cJSON *body = cJSON_CreateObject();
  /* A reference: the request is printed before this returns, and a copy
   * of every input would cost as much as printing them. */
  cJSON *in = cJSON_CreateArrayReference(inputs->child);
  if (body == NULL || in == NULL || !cg_json_add_str(body, "op", "plans") ||
      !cg_json_add_str(body, "plan", spec->name) ||
      !cJSON_AddItemToObject(body, "inputs", in)) {
    cJSON_Delete(in);
    cJSON_Delete(body);
    return CG_ENOMEM;
  }
  /* The zygote's worst case: n + 1 children killed at one input's
   * deadline (the plan's budgets + slack) each (one per culprit, or one
   * for the batch and one per input); a budget is at least the slack. */
  int ncalls = n == 1 ? spec->hooks : (spec->hooks + 1) * (n + 1);
  return submit(h, CG__REQ_BATCH, body, ncalls, done, arg);
}

/* {pack: [{name, text}], scripts: [...]} from the load request's files. */
char *cg_rulehost_sources(const struct cg_rulehost *h)
{
  const cJSON *files = cJSON_GetObjectItemCaseSensitive(h->last_good, "files");
  cJSON *doc = cJSON_CreateObject();
  cJSON *pack = cJSON_AddArrayToObject(doc, "pack");
  cJSON *scripts = cJSON_AddArrayToObject(doc, "scripts");
  bool ok = files != NULL && pack != NULL && scripts != NULL;
  const cJSON *f;
  cJSON_ArrayForEach(f, files)
  {
    const char *name = cg_json_str(f, "name");
    const char *slash = name ? strchr(name, '/') : NULL;
    cJSON *o = cJSON_CreateObject();
    ok = ok && slash != NULL && o != NULL &&
         cJSON_AddItemToArray(name[0] == 'p' ? pack : scripts, o) &&
         cg_json_add_str(o, "name", slash + 1) &&
         cg_json_add_str(o, "text", cg_json_str(f, "text"));
    if (!ok)
      break;
  }
  char *text = ok ? cg_json_print(doc) : NULL;
  cJSON_Delete(doc);
  return text;
}
