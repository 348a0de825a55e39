/*
 * sim_port: the front handler of each simulator port, latency timers, and
 * the common control routes (health, sink). See sim_port.h.
 */
#include "sim_port.h"

#include "sim_calllog.h"
#include "sim_faults.h"
#include "sim_util.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"
#include "net/http_server.h"
#include "net/router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SINK_MAX 1000

struct delayed {
  uv_timer_t timer;
  struct sim_port *port;
  struct cg_http_exchange *ex;
  struct sim_fault_decision d;
  struct delayed *prev, *next;
};

struct sink_entry {
  char *method, *path, *query, *body;
  size_t body_len;
  cJSON *headers;
};

struct sim_port {
  struct sim_ctx *ctx;
  enum sim_side side;
  struct cg_router *router;
  struct cg_http_server *server;
  sim_pre_fn pre;
  sim_post_fn post;
  void *hook_arg;
  struct delayed *delayed;
  struct sim_vec sink;
  void (*done)(void *arg);
  void *done_arg;
};

static void on_request(struct cg_http_exchange *ex, void *arg);
static void on_response(const struct cg_http_exchange *ex, int status,
                        void *arg);

struct sim_port *sim_port_create(struct sim_ctx *ctx, enum sim_side side)
{
  struct sim_port *p = cg_calloc(1, sizeof(*p));
  if (p == NULL)
    return NULL;
  p->ctx = ctx;
  p->side = side;
  struct cg_http_server_opts o = {
      .max_body_bytes = 1024 * 1024,
      .name = side == SIM_CENTRA ? "sim:centra" : "sim:gxo",
      .on_response = on_response,
      .observer_arg = p,
  };
  p->router = cg_router_create();
  p->server =
      p->router ? cg_http_server_create(ctx->loop, &o, on_request, p) : NULL;
  if (p->server == NULL) {
    cg_router_destroy(p->router);
    cg_free(p);
    return NULL;
  }
  return p;
}

struct cg_router *sim_port_router(struct sim_port *p)
{
  return p->router;
}

void sim_port_set_hooks(struct sim_port *p, sim_pre_fn pre, sim_post_fn post,
                        void *arg)
{
  p->pre = pre;
  p->post = post;
  p->hook_arg = arg;
}

int sim_port_listen(struct sim_port *p, const char *addr, struct cg_err *err)
{
  return cg_http_server_listen(p->server, addr, err);
}

int sim_port_number(const struct sim_port *p)
{
  return cg_http_server_port(p->server);
}

/* --- the front handler ---------------------------------------------------- */

static void answer_fault(struct sim_port *p, struct cg_http_exchange *ex,
                         const struct sim_fault_decision *d)
{
  char msg[96];
  if (d->reset) {
    cg_http_exchange_reset(ex);
    return;
  }
  if (d->retry_after[0] != '\0') {
    cg_http_add_header(ex, "Retry-After", d->retry_after);
    sim_calllog_retry_after(p->ctx->calls, ex, d->retry_after);
  }
  snprintf(msg, sizeof(msg), "%s (injected by the simulator)",
           sim_status_title(d->status));
  if (p->side == SIM_GXO) {
    const char *code = d->status == 429   ? "rate-limited"
                       : d->status == 503 ? "unavailable"
                                          : "internal-error";
    sim_send_problem(ex, d->status, code, msg, NULL);
    return;
  }
  cJSON *doc = cJSON_CreateObject();
  cJSON *errs = cJSON_AddArrayToObject(doc, "errors");
  cJSON *e = cJSON_CreateObject();
  cg_json_add_str(e, "message", msg);
  cJSON_AddItemToArray(errs, e);
  sim_send_json(ex, d->status, doc);
}

static void finish(struct sim_port *p, struct cg_http_exchange *ex,
                   const struct sim_fault_decision *d)
{
  if (d->hang)
    sim_faults_hold(p->ctx->faults, p->side, ex);
  else if (d->reset || d->status != 0)
    answer_fault(p, ex, d);
  else
    cg_router_dispatch(ex, p->router);
}

static void on_delayed_closed(uv_handle_t *h)
{
  cg_free(SIM_CONTAINER_OF(h, struct delayed, timer));
}

static void delayed_unlink(struct delayed *dl)
{
  if (dl->prev)
    dl->prev->next = dl->next;
  else
    dl->port->delayed = dl->next;
  if (dl->next)
    dl->next->prev = dl->prev;
  uv_close((uv_handle_t *)&dl->timer, on_delayed_closed);
}

static void on_delay_timer(uv_timer_t *t)
{
  struct delayed *dl = SIM_CONTAINER_OF(t, struct delayed, timer);
  struct sim_port *p = dl->port;
  struct cg_http_exchange *ex = dl->ex;
  struct sim_fault_decision d = dl->d;
  delayed_unlink(dl);
  finish(p, ex, &d);
}

static void delay(struct sim_port *p, struct cg_http_exchange *ex,
                  const struct sim_fault_decision *d)
{
  struct delayed *dl = cg_calloc(1, sizeof(*dl));
  if (dl == NULL) {
    finish(p, ex, d);
    return;
  }
  dl->port = p;
  dl->ex = ex;
  dl->d = *d;
  dl->next = p->delayed;
  if (p->delayed)
    p->delayed->prev = dl;
  p->delayed = dl;
  uv_timer_init(p->ctx->loop, &dl->timer);
  uv_timer_start(&dl->timer, on_delay_timer, (uint64_t)d->latency_ms, 0);
}

static void on_request(struct cg_http_exchange *ex, void *arg)
{
  struct sim_port *p = arg;
  const struct cg_http_request *req = cg_http_exchange_request(ex);
  struct sim_fault_decision d;
  sim_calllog_arrive(p->ctx->calls, p->side, ex);
  if (strncmp(req->path, "/_sim/", 6) == 0) {
    cg_router_dispatch(ex, p->router);
    return;
  }
  sim_faults_decide(p->ctx->faults, p->side, req, &d);
  bool faulted = d.reset || d.status != 0 || d.hang;
  if (!faulted && p->pre != NULL && p->pre(ex, p->hook_arg))
    return;
  if (d.latency_ms > 0)
    delay(p, ex, &d);
  else
    finish(p, ex, &d);
}

static void on_response(const struct cg_http_exchange *ex, int status,
                        void *arg)
{
  struct sim_port *p = arg;
  if (p->post != NULL)
    p->post(ex, status, p->hook_arg);
  sim_calllog_record(p->ctx->calls, p->side, ex, status);
}

/* --- close ---------------------------------------------------------------- */

static void sink_clear(struct sim_port *p);

static void on_server_closed(void *arg)
{
  struct sim_port *p = arg;
  void (*done)(void *) = p->done;
  void *done_arg = p->done_arg;
  cg_router_destroy(p->router);
  sink_clear(p);
  sim_vec_free(&p->sink);
  cg_free(p);
  if (done)
    done(done_arg);
}

void sim_port_close(struct sim_port *p, void (*done)(void *arg), void *arg)
{
  p->done = done;
  p->done_arg = arg;
  /* A held-back answer must still end its exchange, or it leaks. */
  while (p->delayed != NULL) {
    struct cg_http_exchange *ex = p->delayed->ex;
    uv_timer_stop(&p->delayed->timer);
    delayed_unlink(p->delayed);
    cg_http_respond_json(ex, 503, "{\"title\":\"simulator shutting down\"}");
  }
  /* Requests a hang fault holds end (reset) before their server goes. */
  sim_faults_release(p->ctx->faults, p->side);
  if (p->side == SIM_CENTRA && p->ctx->centra != NULL)
    sim_centra_release(p->ctx->centra); /* and those that wait for node */
  cg_http_server_close(p->server, on_server_closed, p);
}

/* --- common control routes ------------------------------------------------ */

static void on_health(struct cg_http_exchange *ex, void *arg)
{
  struct sim_port *p = arg;
  cJSON *doc = cJSON_CreateObject();
  cg_json_add_str(doc, "status", "ok");
  cg_json_add_str(doc, "side", p->side == SIM_CENTRA ? "centra" : "gxo");
  cg_json_add_int(doc, "seed", (int64_t)p->ctx->opts.seed);
  sim_send_json(ex, 200, doc);
}

static void sink_entry_free(struct sink_entry *e)
{
  cg_free(e->method);
  cg_free(e->path);
  cg_free(e->query);
  cg_free(e->body);
  cJSON_Delete(e->headers);
  cg_free(e);
}

static void sink_clear(struct sim_port *p)
{
  for (size_t i = 0; i < p->sink.n; i++)
    sink_entry_free(p->sink.v[i]);
  p->sink.n = 0;
}

static struct sink_entry *sink_entry_make(const struct cg_http_request *req)
{
  struct sink_entry *e = cg_calloc(1, sizeof(*e));
  if (e == NULL)
    return NULL;
  e->method = cg_strdup(req->method);
  e->path = cg_strdup(req->path);
  e->query = cg_strdup(req->query);
  e->body = cg_strndup(req->body ? req->body : "", req->body_len);
  e->body_len = req->body_len;
  e->headers = cJSON_CreateObject();
  for (size_t i = 0; e->headers && i < req->nheaders; i++)
    cJSON_AddStringToObject(e->headers, req->headers[i].name,
                            req->headers[i].value);
  if (!e->method || !e->path || !e->query || !e->body || !e->headers) {
    sink_entry_free(e);
    return NULL;
  }
  return e;
}

/* Any method on /_sim/sink/...: store the raw request and answer ?status
 * (default 200), so webhook retries can be provoked too. */
static void on_sink_store(struct cg_http_exchange *ex, void *arg)
{
  struct sim_port *p = arg;
  char v[8];
  int status = 200;
  if (cg_http_exchange_query(ex, "status", v, sizeof(v)))
    status = atoi(v);
  if (status < 200 || status > 599)
    status = 200;
  struct sink_entry *e = sink_entry_make(cg_http_exchange_request(ex));
  if (p->sink.n == SINK_MAX) {
    sink_entry_free(p->sink.v[0]);
    memmove(p->sink.v, p->sink.v + 1, (SINK_MAX - 1) * sizeof(void *));
    p->sink.n--;
  }
  if (e == NULL || sim_vec_push(&p->sink, e) != 0) {
    if (e)
      sink_entry_free(e);
    cg_http_respond_json(ex, 500, "{\"error\":\"sink full\"}");
    return;
  }
  char body[64];
  snprintf(body, sizeof(body), "{\"stored\":%zu}", p->sink.n - 1);
  cg_http_respond_json(ex, status, body);
}

static cJSON *sink_entry_json(const struct sink_entry *e, size_t i)
{
  cJSON *o = cJSON_CreateObject();
  cg_json_add_int(o, "index", (int64_t)i);
  cg_json_add_str(o, "method", e->method);
  cg_json_add_str(o, "path", e->path);
  cg_json_add_str(o, "query", e->query);
  cJSON_AddItemToObject(o, "headers", cJSON_Duplicate(e->headers, true));
  cg_json_add_str(o, "body", e->body);
  return o;
}

static void on_sink_list(struct cg_http_exchange *ex, void *arg)
{
  struct sim_port *p = arg;
  cJSON *doc = cJSON_CreateObject();
  cg_json_add_int(doc, "count", (int64_t)p->sink.n);
  cJSON *arr = cJSON_AddArrayToObject(doc, "requests");
  for (size_t i = 0; i < p->sink.n; i++)
    cJSON_AddItemToArray(arr, sink_entry_json(p->sink.v[i], i));
  sim_send_json(ex, 200, doc);
}

static struct sink_entry *sink_at(struct sim_port *p,
                                  struct cg_http_exchange *ex)
{
  const char *idx = cg_http_exchange_param(ex, "index");
  char *end;
  unsigned long i = idx ? strtoul(idx, &end, 10) : 0;
  if (idx == NULL || *end != '\0' || i >= p->sink.n)
    return NULL;
  return p->sink.v[i];
}

/* GET /_sim/sink/{index}/body: the raw body exactly as received. */
static void on_sink_body(struct cg_http_exchange *ex, void *arg)
{
  struct sink_entry *e = sink_at(arg, ex);
  if (e == NULL) {
    sim_send_problem(ex, 404, "not-found", "no such sink entry", NULL);
    return;
  }
  cg_http_respond(ex, 200, "application/octet-stream", e->body, e->body_len);
}

/* GET /_sim/sink/{index}/header?name=X: one header value as text. */
static void on_sink_header(struct cg_http_exchange *ex, void *arg)
{
  struct sink_entry *e = sink_at(arg, ex);
  char name[128];
  const cJSON *h = NULL;
  if (e != NULL && cg_http_exchange_query(ex, "name", name, sizeof(name)))
    h = cJSON_GetObjectItem(e->headers, name); /* case-insensitive */
  if (!cJSON_IsString(h)) {
    sim_send_problem(ex, 404, "not-found", "no such entry or header", NULL);
    return;
  }
  cg_http_respond(ex, 200, "text/plain", h->valuestring,
                  strlen(h->valuestring));
}

static void on_sink_clear(struct cg_http_exchange *ex, void *arg)
{
  sink_clear(arg);
  cg_http_respond_json(ex, 200, "{\"cleared\":true}");
}

int sim_port_common_routes(struct sim_port *p)
{
  struct cg_router *r = p->router;
  int rc = cg_router_add(r, "GET", "/_sim/health", on_health, p);
  rc = rc ? rc : cg_router_add(r, "GET", "/_sim/sink", on_sink_list, p);
  rc = rc ? rc : cg_router_add(r, "DELETE", "/_sim/sink", on_sink_clear, p);
  rc = rc ? rc
          : cg_router_add(r, "GET", "/_sim/sink/{index}/body", on_sink_body, p);
  rc = rc ? rc
          : cg_router_add(r, "GET", "/_sim/sink/{index}/header", on_sink_header,
                          p);
  rc = rc ? rc : cg_router_add(r, "*", "/_sim/sink", on_sink_store, p);
  rc = rc ? rc : cg_router_add(r, "*", "/_sim/sink/{rest*}", on_sink_store, p);
  rc = rc ? rc : sim_faults_routes(p->ctx->faults, p->side, r);
  rc = rc ? rc : sim_calllog_routes(p->ctx, r);
  return rc;
}
