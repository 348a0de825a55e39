/*
 * sim_wms_events: the warehouse's outgoing events. Each event gets the
 * envelope of warehouse-api-v1.md, the next sequence, a seeded UUID, and
 * is kept for the pull feed and pushed to every subscription whose
 * eventTypes match, signed X-Wms-Signature (sim_webhook_send retries with
 * backoff; the fault layer may duplicate or reorder deliveries).
 *
 *   GET  /wms/v1/events?after=&limit=&types=   ordered by sequence; acked
 *        events are left out; without `after` the feed starts at the
 *        acknowledged position
 *   POST /wms/v1/events:ack  {upToSequence} | {eventIds[]}  -> 204
 *   POST /wms/v1/webhook-subscriptions {url, secret?, eventTypes[]} -> 201
 *   POST /_sim/wms/events/bogus-sequence {sequence?, orderRef?, status?}
 *        fault: an order.status event whose envelope shows another
 *        sequence than its place in the feed
 *   POST /_sim/wms/events/refuse-acks {count}   fault: the next count
 *        events:ack are answered 400 invalid-ack
 *   POST /_sim/wms/events/drop {count, types?}   fault: the next count
 *        events of those types (any without types) take their sequence
 *        but are lost: in neither the feed nor a webhook
 */
#include "sim_wms.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"
#include "net/http_server.h"
#include "net/router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FEED_LIMIT_DEFAULT 100
#define FEED_LIMIT_MAX 500
#define SUBS_MAX 100

static const char *const event_types[] = {
    "order.accepted",     "order.rejected",     "order.status",
    "shipment.confirmed", "order.closed",       "order.cancelled",
    "stock.adjusted",     "stock.status_moved", "stock.snapshot",
    "return.arrived",     "return.received",    "item.rejected",
};

bool sim_wms__event_type_known(const char *type)
{
  for (size_t i = 0; i < sizeof(event_types) / sizeof(*event_types); i++)
    if (strcmp(event_types[i], type) == 0)
      return true;
  return false;
}

static void uuid(struct sim_wms *w, char out[40])
{
  char h[33];
  sim_ctx_random_hex(w->ctx, 16, h);
  h[12] = '4'; /* version 4 layout, seeded */
  snprintf(out, 40, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16,
           h + 20);
}

static cJSON *envelope(struct sim_wms *w, struct wms_event *ev,
                       const char *type, const char *order_ref,
                       const char *rma_ref, cJSON *data)
{
  char now[40];
  cJSON *env = cJSON_CreateObject();
  cg_json_add_str(env, "eventId", ev->id);
  cg_json_add_str(env, "eventType", type);
  cg_json_add_int(env, "eventVersion", 1);
  cg_json_add_int(env, "sequence", ev->seq);
  sim_wms__now_iso(now, sizeof(now));
  cg_json_add_str(env, "occurredAt", now);
  cg_json_add_str(env, "publishedAt", now);
  cg_json_add_str(env, "clientId", w->ctx->opts.gxo_client_id);
  cg_json_add_str(env, "siteId", w->site_id);
  cJSON *corr = cJSON_AddObjectToObject(env, "correlation");
  if (order_ref != NULL)
    cg_json_add_str(corr, "orderRef", order_ref);
  if (rma_ref != NULL)
    cg_json_add_str(corr, "rmaRef", rma_ref);
  cJSON_AddItemToObject(env, "data", data);
  return env;
}

static bool sub_wants(const struct wms_sub *s, const char *type)
{
  const cJSON *t;
  if (cJSON_GetArraySize(s->types) == 0)
    return true;
  cJSON_ArrayForEach(t, s->types)
  {
    if (cJSON_IsString(t) && strcmp(t->valuestring, type) == 0)
      return true;
  }
  return false;
}

static void push(struct sim_wms *w, const char *type, const cJSON *env)
{
  char *body = NULL;
  for (size_t i = 0; i < w->subs.n; i++) {
    struct wms_sub *s = w->subs.v[i];
    if (!sub_wants(s, type))
      continue;
    if (body == NULL && (body = cg_json_print(env)) == NULL)
      return;
    struct sim_webhook wh = {
        .url = s->url,
        .secret = w->rotated_secret ? w->rotated_secret : s->secret,
        .sig_header = "X-Wms-Signature",
        .content_type = "application/json",
        .body = body,
        .body_len = strlen(body),
        .side = SIM_GXO,
    };
    sim_webhook_send(w->ctx, &wh);
  }
  cg_free(body);
}

/* Whether the drop fault takes this event (and counts it). */
static bool drop_this(struct sim_wms *w, const char *type)
{
  const cJSON *t;
  bool listed = cJSON_GetArraySize(w->drop_types) == 0;
  cJSON_ArrayForEach(t, w->drop_types)
  {
    if (cJSON_IsString(t) && strcmp(t->valuestring, type) == 0)
      listed = true;
  }
  if (w->drop_events <= 0 || !listed)
    return false;
  w->drop_events--;
  return true;
}

/* Publishes the next event; its envelope shows `shown` as its sequence
 * when not 0 (a fault), else its place in the feed. NULL on ENOMEM. */
static struct wms_event *publish(struct sim_wms *w, const char *type,
                                 const char *order_ref, const char *rma_ref,
                                 cJSON *data, int64_t shown)
{
  struct wms_event *ev = cg_calloc(1, sizeof(*ev));
  if (ev == NULL || data == NULL) {
    cg_free(ev);
    cJSON_Delete(data);
    return NULL;
  }
  ev->seq = ++w->last_seq;
  uuid(w, ev->id);
  ev->env = envelope(w, ev, type, order_ref, rma_ref, data);
  if (ev->env != NULL && shown != 0)
    cJSON_ReplaceItemInObjectCaseSensitive(ev->env, "sequence",
                                           cJSON_CreateNumber((double)shown));
  if (ev->env == NULL || sim_vec_push(&w->events, ev) != 0) {
    cJSON_Delete(ev->env);
    cg_free(ev);
    return NULL;
  }
  ev->dropped = drop_this(w, type);
  if (!ev->dropped)
    push(w, type, ev->env);
  return ev;
}

const char *sim_wms__publish(struct sim_wms *w, const char *type,
                             const char *order_ref, const char *rma_ref,
                             cJSON *data)
{
  struct wms_event *ev = publish(w, type, order_ref, rma_ref, data, 0);
  return ev ? ev->id : NULL;
}

/* Fault: an order.status event (valid content) whose envelope shows
 * `sequence` (default: a million past the feed) while it takes the next
 * place in the feed, so no page's (after, lastSequence] covers it. */
static void on_bogus_sequence(struct cg_http_exchange *ex, void *arg)
{
  struct sim_wms *w = arg;
  cJSON *doc = NULL;
  if (sim_body_json(ex, &doc) != 0 || (doc && !cJSON_IsObject(doc))) {
    cJSON_Delete(doc);
    sim_send_problem(ex, 400, "malformed-json", "body must be an object", NULL);
    return;
  }
  int64_t shown = cg_json_int(doc, "sequence", w->last_seq + 1000001);
  const char *ref = cg_json_str(doc, "orderRef");
  const char *status = cg_json_str(doc, "status");
  cJSON *data = cJSON_CreateObject();
  cg_json_add_str(data, "orderRef", ref ? ref : "bogus");
  cg_json_add_str(data, "status", status ? status : "PICKING");
  struct wms_event *ev = publish(w, "order.status", ref ? ref : "bogus", NULL,
                                 data, shown ? shown : -1);
  cJSON_Delete(doc);
  if (ev == NULL) {
    sim_send_problem(ex, 500, "out-of-memory", "event not published", NULL);
    return;
  }
  cJSON *out = cJSON_CreateObject();
  cg_json_add_str(out, "eventId", ev->id);
  cg_json_add_int(out, "sequence", cg_json_int(ev->env, "sequence", 0));
  cg_json_add_int(out, "position", ev->seq);
  sim_send_json(ex, 200, out);
}

/* --- feed ----------------------------------------------------------------- */

static bool query_int(struct cg_http_exchange *ex, const char *name,
                      int64_t *out, bool *present)
{
  char v[32], *end;
  *present = cg_http_exchange_query(ex, name, v, sizeof(v));
  if (!*present)
    return true;
  long long n = strtoll(v, &end, 10);
  if (v[0] == '\0' || *end != '\0' || n < 0)
    return false;
  *out = n;
  return true;
}

static bool type_listed(const char *types, const cJSON *env)
{
  const char *t = cg_json_str(env, "eventType");
  size_t n = strlen(t);
  for (const char *p = types; p && *p;) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    if (len == n && strncmp(p, t, n) == 0)
      return true;
    p = comma ? comma + 1 : NULL;
  }
  return false;
}

/* Index of the first event after sequence seq (events are kept in
 * sequence order): the feed, acks and the acknowledged position start
 * there rather than at the first event ever published. */
static size_t first_after(const struct sim_wms *w, int64_t seq)
{
  size_t lo = 0, hi = w->events.n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (((const struct wms_event *)w->events.v[mid])->seq <= seq)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

static void on_events(struct cg_http_exchange *ex, void *arg)
{
  struct sim_wms *w = arg;
  int64_t after = w->acked_upto, limit = FEED_LIMIT_DEFAULT;
  bool has_after, has_limit;
  char types[512];
  bool typed = cg_http_exchange_query(ex, "types", types, sizeof(types));
  if (!query_int(ex, "after", &after, &has_after) ||
      !query_int(ex, "limit", &limit, &has_limit) || limit < 1 ||
      limit > FEED_LIMIT_MAX) {
    sim_wms__fail(ex, 400, "invalid-parameter",
                  "after must be a sequence >= 0, limit 1..500", NULL);
    return;
  }
  cJSON *doc = cJSON_CreateObject();
  cJSON *arr = cJSON_AddArrayToObject(doc, "events");
  int64_t last = after, taken = 0;
  for (size_t i = first_after(w, after); i < w->events.n && taken < limit;
       i++) {
    struct wms_event *ev = w->events.v[i];
    if (ev->acked || ev->dropped || (typed && !type_listed(types, ev->env)))
      continue;
    cJSON_AddItemToArray(arr, sim_json_ref(ev->env)); /* printed at once */
    last = ev->seq;
    taken++;
  }
  cg_json_add_int(doc, "lastSequence", last);
  sim_wms__reply_json(ex, 200, doc);
}

/* Moves acked_upto over the acknowledged events after it (every event up
 * to it is acknowledged). */
static void advance_acked(struct sim_wms *w)
{
  for (size_t i = first_after(w, w->acked_upto); i < w->events.n; i++) {
    struct wms_event *ev = w->events.v[i];
    if (!ev->acked)
      return;
    w->acked_upto = ev->seq;
  }
}

/* Acknowledges every event up to sequence upto. */
static void ack_upto(struct sim_wms *w, int64_t upto)
{
  for (size_t i = first_after(w, w->acked_upto); i < w->events.n; i++) {
    struct wms_event *ev = w->events.v[i];
    if (ev->seq > upto)
      return;
    ev->acked = true;
  }
}

static int ack_ids(struct sim_wms *w, const cJSON *ids)
{
  const cJSON *id;
  if (!cJSON_IsArray(ids) || cJSON_GetArraySize(ids) == 0)
    return CG_EINVAL;
  cJSON_ArrayForEach(id, ids)
  {
    if (!cJSON_IsString(id))
      return CG_EINVAL;
  }
  cJSON_ArrayForEach(id, ids)
  {
    for (size_t i = first_after(w, w->acked_upto); i < w->events.n; i++) {
      struct wms_event *ev = w->events.v[i];
      if (strcmp(ev->id, id->valuestring) == 0)
        ev->acked = true;
    }
  }
  return 0;
}

static void on_ack(struct cg_http_exchange *ex, void *arg)
{
  struct sim_wms *w = arg;
  cJSON *doc;
  int64_t upto;
  if (sim_body_json(ex, &doc) != 0 || !cJSON_IsObject(doc)) {
    cJSON_Delete(doc);
    sim_wms__fail(ex, 400, "malformed-json", "body must be a JSON object",
                  NULL);
    return;
  }
  int rc = 0;
  if (w->refuse_acks > 0) {
    w->refuse_acks--;
    rc = CG_EINVAL;
  } else if (cg_json_get(doc, "upToSequence") != NULL) {
    rc = cg_json_get_int(doc, "upToSequence", &upto);
    if (rc == 0 && (upto < 0 || upto > w->last_seq))
      rc = CG_EINVAL;
    if (rc == 0)
      ack_upto(w, upto);
  } else {
    rc = ack_ids(w, cg_json_get(doc, "eventIds"));
  }
  cJSON_Delete(doc);
  if (rc != 0) {
    sim_wms__fail(
        ex, 400, "invalid-ack",
        "give upToSequence (0..lastSequence) or a non-empty eventIds[]", NULL);
    return;
  }
  advance_acked(w);
  sim_wms__reply(ex, 204, NULL, NULL, 0);
}

/* --- subscriptions -------------------------------------------------------- */

static const char *check_sub(const cJSON *doc, const char **pointer)
{
  const char *url = cg_json_str(doc, "url");
  const cJSON *types = cg_json_get(doc, "eventTypes"), *t;
  *pointer = "/url";
  if (url == NULL ||
      (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0))
    return "url must be an http(s) URL";
  *pointer = "/secret";
  const cJSON *sec = cg_json_get(doc, "secret");
  if (sec != NULL && !cJSON_IsNull(sec) &&
      (!cJSON_IsString(sec) || sec->valuestring[0] == '\0'))
    return "secret must be a non-empty string";
  *pointer = "/eventTypes";
  if (types != NULL && !cJSON_IsArray(types))
    return "eventTypes must be an array of event types";
  cJSON_ArrayForEach(t, types)
  {
    if (!cJSON_IsString(t) || !sim_wms__event_type_known(t->valuestring))
      return "unknown event type in eventTypes";
  }
  return NULL;
}

static cJSON *sub_json(const struct wms_sub *s)
{
  cJSON *o = cJSON_CreateObject();
  cg_json_add_str(o, "id", s->id);
  cg_json_add_str(o, "url", s->url);
  cJSON_AddItemToObject(o, "eventTypes", cJSON_Duplicate(s->types, true));
  return o;
}

static struct wms_sub *sub_make(struct sim_wms *w, const cJSON *doc)
{
  struct wms_sub *s = cg_calloc(1, sizeof(*s));
  const cJSON *types = cg_json_get(doc, "eventTypes");
  const char *secret = cg_json_str(doc, "secret");
  if (s == NULL)
    return NULL;
  sim_wms__next_ref(w, "wms-sub", "SUB-", s->id, sizeof(s->id));
  s->url = cg_strdup(cg_json_str(doc, "url"));
  s->secret = cg_strdup(secret ? secret : w->ctx->opts.gxo_webhook_secret);
  s->types = types ? cJSON_Duplicate(types, true) : cJSON_CreateArray();
  if (!s->url || !s->secret || !s->types) {
    cg_free(s->url);
    cg_free(s->secret);
    cJSON_Delete(s->types);
    cg_free(s);
    return NULL;
  }
  return s;
}

static void on_subscribe(struct cg_http_exchange *ex, void *arg)
{
  struct sim_wms *w = arg;
  cJSON *doc;
  const char *pointer = NULL, *why;
  if (sim_body_json(ex, &doc) != 0 || !cJSON_IsObject(doc)) {
    cJSON_Delete(doc);
    sim_wms__fail(ex, 400, "malformed-json", "body must be a JSON object",
                  NULL);
    return;
  }
  if ((why = check_sub(doc, &pointer)) != NULL) {
    cJSON_Delete(doc);
    sim_wms__fail(ex, 422, "invalid-subscription", why, pointer);
    return;
  }
  struct wms_sub *s = w->subs.n < SUBS_MAX ? sub_make(w, doc) : NULL;
  cJSON_Delete(doc);
  if (s == NULL || sim_vec_push(&w->subs, s) != 0) {
    if (s != NULL) {
      cg_free(s->url);
      cg_free(s->secret);
      cJSON_Delete(s->types);
      cg_free(s);
    }
    sim_wms__fail(ex, 422, "too-many-subscriptions", "at most 100", NULL);
    return;
  }
  sim_wms__reply_json(ex, 201, sub_json(s));
}

static void on_subs_list(struct cg_http_exchange *ex, void *arg)
{
  struct sim_wms *w = arg;
  cJSON *doc = cJSON_CreateObject();
  cJSON *arr = cJSON_AddArrayToObject(doc, "subscriptions");
  for (size_t i = 0; i < w->subs.n; i++)
    cJSON_AddItemToArray(arr, sub_json(w->subs.v[i]));
  sim_send_json(ex, 200, doc);
}

/* Control: every event ever published, acked or not. */
static void on_all_events(struct cg_http_exchange *ex, void *arg)
{
  struct sim_wms *w = arg;
  cJSON *doc = cJSON_CreateObject();
  cg_json_add_int(doc, "lastSequence", w->last_seq);
  cg_json_add_int(doc, "ackedUpTo", w->acked_upto);
  cJSON *arr = cJSON_AddArrayToObject(doc, "events");
  for (size_t i = 0; i < w->events.n; i++) {
    struct wms_event *ev = w->events.v[i];
    cJSON *e = cJSON_Duplicate(ev->env, true);
    cJSON_AddBoolToObject(e, "_acked", ev->acked);
    cJSON_AddItemToArray(arr, e);
  }
  sim_send_json(ex, 200, doc);
}

static void on_refuse_acks(struct cg_http_exchange *ex, void *arg)
{
  struct sim_wms *w = arg;
  cJSON *doc = NULL;
  int64_t count = -1;
  if (sim_body_json(ex, &doc) == 0)
    count = cg_json_int(doc, "count", -1);
  cJSON_Delete(doc);
  if (count < 0) {
    sim_send_problem(ex, 400, "invalid-count", "give {\"count\": n >= 0}",
                     NULL);
    return;
  }
  w->refuse_acks = (long)count;
  cJSON *out = cJSON_CreateObject();
  cg_json_add_int(out, "refuseAcks", count);
  sim_send_json(ex, 200, out);
}

static void on_drop(struct cg_http_exchange *ex, void *arg)
{
  struct sim_wms *w = arg;
  cJSON *doc = NULL;
  int64_t count = -1;
  if (sim_body_json(ex, &doc) == 0)
    count = cg_json_int(doc, "count", -1);
  cJSON *types = cJSON_DetachItemFromObject(doc, "types");
  cJSON_Delete(doc);
  if (count < 0 || (types != NULL && !cJSON_IsArray(types))) {
    cJSON_Delete(types);
    sim_send_problem(ex, 400, "invalid-count",
                     "give {\"count\": n >= 0, \"types\"?: [...]}", NULL);
    return;
  }
  cJSON_Delete(w->drop_types);
  w->drop_types = types;
  w->drop_events = (long)count;
  cJSON *out = cJSON_CreateObject();
  cg_json_add_int(out, "drop", count);
  cJSON_AddItemToObject(
      out, "types", types ? cJSON_Duplicate(types, true) : cJSON_CreateArray());
  sim_send_json(ex, 200, out);
}

int sim_wms__events_routes(struct sim_wms *w, struct cg_router *r)
{
  int rc = cg_router_add(r, "GET", "/wms/v1/events", on_events, w);
  rc = rc ? rc : cg_router_add(r, "POST", "/wms/v1/events:ack", on_ack, w);
  rc = rc ? rc
          : cg_router_add(r, "POST", "/wms/v1/webhook-subscriptions",
                          on_subscribe, w);
  rc = rc ? rc
          : cg_router_add(r, "GET", "/_sim/wms/subscriptions", on_subs_list, w);
  rc = rc ? rc : cg_router_add(r, "GET", "/_sim/wms/events", on_all_events, w);
  rc = rc ? rc
          : cg_router_add(r, "POST", "/_sim/wms/events/bogus-sequence",
                          on_bogus_sequence, w);
  rc = rc ? rc
          : cg_router_add(r, "POST", "/_sim/wms/events/refuse-acks",
                          on_refuse_acks, w);
  rc = rc ? rc : cg_router_add(r, "POST", "/_sim/wms/events/drop", on_drop, w);
  return rc;
}
