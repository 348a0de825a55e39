/*
 * sim_centra: life cycle of the simulated Centra (sim_ctx.h entry points)
 * and the helpers its handlers share: id sequences, timestamps, the events
 * queue writer, the webhook-plugin sender and userErrors payloads. See
 * sim_centra.h for the map of the sim_centra*.c files.
 */
#include "sim_centra.h"

#include "sim_ctx.h"
#include "sim_gqlhost.h"

#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_WEBHOOK_SECRET "centra-webhook-secret"

struct sim_centra *sim_centra_create(struct sim_ctx *ctx)
{
  struct sim_centra *c = cg_calloc(1, sizeof(*c));
  if (c == NULL)
    return NULL;
  c->ctx = ctx;
  cJSON **arrays[] = {&c->sizes,  &c->orders,    &c->shipments,    &c->returns,
                      &c->events, &c->listeners, &c->stock_writes, &c->refunds,
                      &c->emails, &c->markers,   &c->refusals};
  for (size_t i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++) {
    *arrays[i] = cJSON_CreateArray();
    if (*arrays[i] == NULL)
      goto fail;
  }
  if ((c->operations = cJSON_CreateObject()) == NULL)
    goto fail;
  const char *secret = ctx ? ctx->opts.centra_webhook_secret : NULL;
  c->webhook_secret = cg_strdup(secret ? secret : DEFAULT_WEBHOOK_SECRET);
  if (c->webhook_secret == NULL)
    goto fail;
  if (ctx != NULL && ctx->opts.centra_webhook_url != NULL &&
      (c->webhook_url = cg_strdup(ctx->opts.centra_webhook_url)) == NULL)
    goto fail;
  c->gql = sim_gqlhost_start(ctx ? ctx->opts.centra_node : NULL,
                             ctx ? ctx->opts.centra_gql_script : NULL,
                             ctx ? ctx->opts.centra_schema : NULL);
  return c;
fail:
  sim_centra_destroy(c);
  return NULL;
}

void sim_centra_destroy(struct sim_centra *c)
{
  if (c == NULL)
    return;
  sim_centra__release_running(c);
  cJSON *arrays[] = {c->sizes,  c->orders,    c->shipments,    c->returns,
                     c->events, c->listeners, c->stock_writes, c->refunds,
                     c->emails, c->markers,   c->refusals};
  sim_centra__index_free(c);
  sim_centra__orders_hits_free(c);
  for (size_t i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++)
    cJSON_Delete(arrays[i]);
  cJSON_Delete(c->operations);
  cg_free(c->webhook_url);
  cg_free(c->webhook_secret);
  cg_free(c->mutations.times);
  cg_free(c->requests.times);
  cg_free(c->cx_10s.v);
  cg_free(c->cx_hour.v);
  sim_gqlhost_stop(c->gql);
  if (c->ctx != NULL && c->ctx->centra == c)
    c->ctx->centra = NULL;
  cg_free(c);
}

int sim_centra_load_scenario(struct sim_centra *c, const cJSON *scenario)
{
  const char *msg = NULL;
  if (sim_centra__scenario(c, scenario, &msg) == 0)
    return 0;
  fprintf(stderr, "centra-gxo-sim: centra scenario: %s\n",
          msg ? msg : "invalid");
  return CG_EINVAL;
}

/* --- ids and time ----------------------------------------------------------
 */

int64_t sim_centra__next(struct sim_centra *c, enum sc_seq seq)
{
  uint64_t base = seq == SC_SEQ_ORDER_NUMBER ? 1000 : 1;
  return (int64_t)(base + c->seq[seq]++);
}

void sim_centra__bump(struct sim_centra *c, enum sc_seq seq, int64_t used)
{
  int64_t base = seq == SC_SEQ_ORDER_NUMBER ? 1000 : 1;
  if (used >= base && (uint64_t)(used - base) >= c->seq[seq])
    c->seq[seq] = (uint64_t)(used - base) + 1;
}

char *sim_centra__now(char *buf, size_t size)
{
  time_t s = (time_t)(cg_time_now_ms() / 1000);
  struct tm tm;
  gmtime_r(&s, &tm);
  strftime(buf, size, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
  return buf;
}

/* --- events and webhooks ------------------------------------------------- */

void sim_centra__event(struct sim_centra *c, const char *object_type,
                       const char *change_type, int64_t reference)
{
  char now[40];
  cJSON *ev = cJSON_CreateObject();
  if (ev == NULL)
    return;
  if (strcmp(object_type, "Order") == 0)
    c->orders_gen++; /* kept orders query matches are out of date */
  cg_json_add_int(ev, "id", sim_centra__next(c, SC_SEQ_EVENT));
  cg_json_add_str(ev, "objectType", object_type);
  cg_json_add_str(ev, "changeType", change_type);
  cg_json_add_int(ev, "objectReference", reference);
  cg_json_add_str(ev, "createdAt", sim_centra__now(now, sizeof(now)));
  cJSON_AddItemToObject(ev, "store", sim_centra__store());
  cJSON_AddBoolToObject(ev, "confirmed", false);
  cJSON_AddItemToArray(c->events, ev);
  sim_centra__index_event(c, ev);
  if (strcmp(object_type, "Order") == 0)
    sim_centra__webhook(
        c, strcmp(change_type, "CREATED") == 0 ? "insert" : "update",
        reference);
}

static int url_encode(struct cg_buf *b, const char *s)
{
  static const char hex[] = "0123456789ABCDEF";
  for (; *s != '\0'; s++) {
    unsigned char ch = (unsigned char)*s;
    int rc;
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
        (ch >= '0' && ch <= '9') || strchr("-_.~", ch) != NULL) {
      rc = cg_buf_append(b, s, 1);
    } else {
      char esc[3] = {'%', hex[ch >> 4], hex[ch & 15]};
      rc = cg_buf_append(b, esc, 3);
    }
    if (rc != 0)
      return rc;
  }
  return 0;
}

/* {"events":[{"type":"order","action":...,"date":...,"id":number}]} */
static char *webhook_json(const char *action, int64_t number)
{
  char date[40];
  int64_t ms = cg_time_now_ms();
  time_t s = (time_t)(ms / 1000);
  struct tm tm;
  gmtime_r(&s, &tm);
  size_t n = strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
  snprintf(date + n, sizeof(date) - n, ".%06d", (int)(ms % 1000) * 1000);
  cJSON *doc = cJSON_CreateObject();
  cJSON *events = cJSON_AddArrayToObject(doc, "events");
  cJSON *ev = cJSON_CreateObject();
  cJSON_AddItemToArray(events, ev);
  cg_json_add_str(ev, "type", "order");
  cg_json_add_str(ev, "action", action);
  cg_json_add_str(ev, "date", date);
  cg_json_add_int(ev, "id", number);
  char *text = cg_json_print(doc);
  cJSON_Delete(doc);
  return text;
}

void sim_centra__webhook(struct sim_centra *c, const char *action,
                         int64_t number)
{
  if (c->webhook_url == NULL || c->ctx == NULL)
    return;
  struct cg_buf body = CG_BUF_INIT;
  char *json = webhook_json(action, number);
  if (json == NULL || cg_buf_puts(&body, "payload=") != 0 ||
      url_encode(&body, json) != 0) {
    cg_log_warn("sim:centra", "webhook for order %lld dropped: out of memory",
                (long long)number);
  } else {
    struct sim_webhook wh = {
        .url = c->webhook_url,
        .secret = c->webhook_secret,
        .sig_header = "X-Centra-Signature",
        .content_type = "application/x-www-form-urlencoded",
        .body = body.data,
        .body_len = body.len,
        .side = SIM_CENTRA,
    };
    if (sim_webhook_send(c->ctx, &wh) != 0)
      cg_log_warn("sim:centra", "webhook for order %lld not queued",
                  (long long)number);
  }
  cg_free(json);
  cg_buf_free(&body);
}

/* --- payload and lookup helpers ------------------------------------------ */

cJSON *sim_centra__store(void)
{
  cJSON *s = cJSON_CreateObject();
  cg_json_add_int(s, "id", SC_STORE_ID);
  cg_json_add_str(s, "name", "Retail");
  cg_json_add_str(s, "type", "DIRECT_TO_CONSUMER");
  return s;
}

cJSON *sim_centra__money(double value, const char *currency)
{
  char text[64];
  cJSON *m = cJSON_CreateObject();
  cJSON_AddNumberToObject(m, "value", value);
  cJSON_AddNumberToObject(m, "conversionRate", 1.0);
  snprintf(text, sizeof(text), "%.2f %s", value, currency ? currency : "EUR");
  cg_json_add_str(m, "formattedValue", text);
  cJSON *cur = cJSON_AddObjectToObject(m, "currency");
  cg_json_add_int(cur, "id", 1);
  cg_json_add_str(cur, "code", currency ? currency : "EUR");
  return m;
}

cJSON *sim_centra__warehouse(int64_t id)
{
  char name[32];
  snprintf(name, sizeof(name), "Warehouse %lld", (long long)id);
  cJSON *w = cJSON_CreateObject();
  cg_json_add_int(w, "id", id);
  cg_json_add_str(w, "name", id == SC_DEFAULT_WAREHOUSE ? "GXO" : name);
  cg_json_add_str(w, "status", "ACTIVE");
  return w;
}

bool sim_centra__in_range(const char *at, const cJSON *range)
{
  int64_t t, from, to;
  if (!cJSON_IsObject(range) || cg_time_parse_iso8601(at, &t) != 0)
    return true;
  if (cg_time_parse_iso8601(cg_json_str(range, "from"), &from) == 0 && t < from)
    return false;
  if (cg_time_parse_iso8601(cg_json_str(range, "to"), &to) == 0 && t > to)
    return false;
  return true;
}

bool sim_centra__string_match(const cJSON *match, const char *v)
{
  const char *eq = cg_json_str(match, "equals");
  const char *has = cg_json_str(match, "contains");
  if (!cJSON_IsObject(match))
    return true;
  if (eq != NULL && (v == NULL || strcmp(eq, v) != 0))
    return false;
  return has == NULL || (v != NULL && strstr(v, has) != NULL);
}

bool sim_centra__match_bool(const cJSON *obj, const cJSON *where,
                            const char *key)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(where, key);
  return !cJSON_IsBool(v) || cg_json_bool(obj, key, false) == cJSON_IsTrue(v);
}

bool sim_centra__store_type_ok(const cJSON *where)
{
  const char *t = cg_json_str(where, "storeType");
  return t == NULL || strcmp(t, "DIRECT_TO_CONSUMER") == 0;
}

cJSON *sim_centra__payload(void)
{
  cJSON *p = cJSON_CreateObject();
  if (p == NULL)
    return NULL;
  cJSON_AddArrayToObject(p, "userErrors");
  cJSON_AddArrayToObject(p, "userWarnings");
  return p;
}

static cJSON *path_array(const char *path)
{
  cJSON *arr = cJSON_CreateArray();
  char part[64];
  while (arr != NULL && path != NULL && *path != '\0') {
    const char *dot = strchr(path, '.');
    size_t n = dot ? (size_t)(dot - path) : strlen(path);
    n = n < sizeof(part) - 1 ? n : sizeof(part) - 1;
    memcpy(part, path, n);
    part[n] = '\0';
    char *end;
    long v = strtol(part, &end, 10);
    cJSON_AddItemToArray(arr, *end == '\0' && n > 0 ? cJSON_CreateNumber(v)
                                                    : cJSON_CreateString(part));
    path = dot ? dot + 1 : NULL;
  }
  return arr;
}

int sim_centra__user_error(cJSON *payload, const char *path, const char *fmt,
                           ...)
{
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  cJSON *errors = cJSON_GetObjectItemCaseSensitive(payload, "userErrors");
  cJSON *e = cJSON_CreateObject();
  if (errors == NULL || e == NULL) {
    cJSON_Delete(e);
    return -1;
  }
  cg_json_add_str(e, "message", msg);
  cJSON_AddItemToObject(e, "path",
                        path ? path_array(path) : cJSON_CreateNull());
  cJSON_AddItemToArray(errors, e);
  return -1;
}

cJSON *sim_centra__find_int(const cJSON *array, const char *key, int64_t id)
{
  cJSON *it;
  cJSON_ArrayForEach(it, array)
  {
    int64_t v;
    if (cg_json_get_int(it, key, &v) == 0 && v == id)
      return it;
  }
  return NULL;
}

cJSON *sim_centra__find_str(const cJSON *array, const char *key, const char *s)
{
  cJSON *it;
  if (s == NULL)
    return NULL;
  cJSON_ArrayForEach(it, array)
  {
    const char *v = cg_json_str(it, key);
    if (v != NULL && strcmp(v, s) == 0)
      return it;
  }
  return NULL;
}

void sim_centra__set(cJSON *obj, const char *key, cJSON *value)
{
  if (value == NULL)
    return;
  if (cJSON_GetObjectItemCaseSensitive(obj, key) != NULL)
    cJSON_ReplaceItemInObjectCaseSensitive(obj, key, value);
  else
    cJSON_AddItemToObject(obj, key, value);
}

bool sim_centra__in_str_list(const cJSON *list, const char *v)
{
  const cJSON *it;
  if (list == NULL || cJSON_IsNull(list))
    return true;
  if (cJSON_IsString(list))
    return v != NULL && strcmp(list->valuestring, v) == 0;
  cJSON_ArrayForEach(it, list)
  {
    if (cJSON_IsString(it) && v != NULL && strcmp(it->valuestring, v) == 0)
      return true;
  }
  return false;
}

bool sim_centra__in_int_list(const cJSON *list, int64_t v)
{
  const cJSON *it;
  if (list == NULL || cJSON_IsNull(list))
    return true;
  if (cJSON_IsNumber(list))
    return (int64_t)list->valuedouble == v;
  cJSON_ArrayForEach(it, list)
  {
    if (cJSON_IsNumber(it) && (int64_t)it->valuedouble == v)
      return true;
    if (cJSON_IsString(it) && strtoll(it->valuestring, NULL, 10) == v)
      return true;
  }
  return false;
}

int sim_centra__paging(const cJSON *args, int def, int max, int *limit,
                       int *page, const char **msg)
{
  const cJSON *l = cJSON_GetObjectItemCaseSensitive(args, "limit");
  const cJSON *p = cJSON_GetObjectItemCaseSensitive(args, "page");
  *limit = def;
  *page = 1;
  if (l != NULL && !cJSON_IsNull(l)) {
    if (!cJSON_IsNumber(l) || l->valuedouble < 1 || l->valuedouble > max) {
      *msg = "Argument \"limit\" must be an integer within range";
      return -1;
    }
    *limit = (int)l->valuedouble;
  }
  if (p != NULL && !cJSON_IsNull(p)) {
    if (!cJSON_IsNumber(p) || p->valuedouble < 1 || p->valuedouble > 1e6) {
      *msg = "Argument \"page\" must be a positive integer";
      return -1;
    }
    *page = (int)p->valuedouble;
  }
  return 0;
}

bool sim_centra__setting(const struct sim_centra *c, enum sc_setting s)
{
  if (c->ctx == NULL) /* defaults of a real store */
    return s == SC_AUTOCONFIRM;
  return s == SC_AUTOCONFIRM ? c->ctx->opts.centra_autoconfirm
                             : c->ctx->opts.centra_direct_to_shipment;
}
