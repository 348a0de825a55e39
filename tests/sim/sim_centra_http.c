/*
 * sim_centra_http: the POST /graphql endpoint of the simulated Centra.
 *
 *   token (403) -> JSON body (400) -> GraphQL reader (200 + errors)
 *     -> known root fields? (200 + errors, nothing run)
 *     -> mutation budget (429 + Retry-After, nothing run)
 *     -> each root field's handler -> {"data": {alias: value}, "errors"?}
 *
 * The budget is a sliding window of SC_WINDOW_MS holding the times of the
 * mutations it admitted; a request whose mutations do not all fit is
 * refused whole.
 */
#include "sim_centra.h"

#include "sim_ctx.h"
#include "sim_graphql.h"

#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/time.h"
#include "net/http_server.h"
#include "net/router.h"

#include <stdio.h>
#include <string.h>

#define DEFAULT_TOKEN "centra-dev-token"
#define DEFAULT_BUDGET 20

struct op_entry {
  const char *name;
  bool mutation;
  sim_centra_op_fn fn;
};

static cJSON *op_typename_query(struct sim_centra *c, const cJSON *args,
                                const char **err)
{
  return cJSON_CreateString("Query");
}

static cJSON *op_typename_mutation(struct sim_centra *c, const cJSON *args,
                                   const char **err)
{
  return cJSON_CreateString("Mutation");
}

static const struct op_entry OPS[] = {
    {"__typename", false, op_typename_query},
    {"__typename", true, op_typename_mutation},
    {"orders", false, sim_centra__op_orders},
    {"order", false, sim_centra__op_order},
    {"shipments", false, sim_centra__op_shipments},
    {"productSizes", false, sim_centra__op_product_sizes},
    {"returns", false, sim_centra__op_returns},
    {"events", false, sim_centra__op_events},
    {"rateLimits", false, sim_centra__op_rate_limits},
    {"setEventListeners", true, sim_centra__op_set_listeners},
    {"confirmEvents", true, sim_centra__op_confirm_events},
    {"createShipment", true, sim_centra__op_create_shipment},
    {"updateShipment", true, sim_centra__op_update_shipment},
    {"completeShipment", true, sim_centra__op_complete_shipment},
    {"changeStock", true, sim_centra__op_change_stock},
    {"setStock", true, sim_centra__op_set_stock},
    {"completeReturn", true, sim_centra__op_complete_return},
    {"refundReturn", true, sim_centra__op_refund_return},
    {"updateDirectToConsumerOrder", true, sim_centra__op_update_order},
};

static const struct op_entry *op_find(const char *name, bool mutation)
{
  for (size_t i = 0; i < sizeof(OPS) / sizeof(OPS[0]); i++) {
    if (OPS[i].mutation == mutation && strcmp(OPS[i].name, name) == 0)
      return &OPS[i];
  }
  return NULL;
}

/* --- answers ---------------------------------------------------------------
 */

static cJSON *error_item(const char *message, const char *path,
                         const char *category)
{
  cJSON *e = cJSON_CreateObject();
  cg_json_add_str(e, "message", message);
  if (path != NULL) {
    cJSON *p = cJSON_AddArrayToObject(e, "path");
    cJSON_AddItemToArray(p, cJSON_CreateString(path));
  } else {
    cJSON_AddNullToObject(e, "path");
  }
  cJSON *ext = cJSON_AddObjectToObject(e, "extensions");
  cg_json_add_str(ext, "category", category);
  return e;
}

/* A body of one error; returns status for the caller's convenience. */
static int error_doc(char **out, int status, const char *message,
                     const char *category)
{
  cJSON *doc = cJSON_CreateObject();
  cJSON *errors = cJSON_AddArrayToObject(doc, "errors");
  cJSON_AddItemToArray(errors, error_item(message, NULL, category));
  *out = cg_json_print(doc);
  cJSON_Delete(doc);
  return status;
}

static bool token_ok(const struct sim_centra *c, const char *auth)
{
  const char *want = c->ctx && c->ctx->opts.centra_token
                         ? c->ctx->opts.centra_token
                         : DEFAULT_TOKEN;
  if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0)
    return false;
  return strcmp(auth + 7, want) == 0;
}

/* --- budget -----------------------------------------------------------------
 */

static int budget_quota(const struct sim_centra *c)
{
  int q = c->ctx ? c->ctx->opts.centra_mutation_budget : 0;
  return q > 0 ? q : DEFAULT_BUDGET;
}

static void budget_expire(struct sim_centra *c, int64_t now)
{
  size_t keep = 0;
  for (size_t i = 0; i < c->mut_n; i++) {
    if (c->mut_times[i] + SC_WINDOW_MS > now)
      c->mut_times[keep++] = c->mut_times[i];
  }
  c->mut_n = keep;
}

void sim_centra__budget(struct sim_centra *c, int *used, int *quota)
{
  budget_expire(c, cg_time_mono_ms());
  *used = (int)c->mut_n;
  *quota = budget_quota(c);
}

/* Admits n mutations (0) or returns the seconds until enough free up. */
static int budget_take(struct sim_centra *c, size_t n)
{
  int64_t now = cg_time_mono_ms();
  size_t quota = (size_t)budget_quota(c);
  budget_expire(c, now);
  if (n == 0)
    return 0;
  if (c->mut_n + n > quota) {
    size_t oldest = n > quota ? 0 : c->mut_n + n - quota - 1;
    int64_t wait = c->mut_times[oldest] + SC_WINDOW_MS - now;
    int s = (int)((wait + 999) / 1000);
    return s > 0 ? s : 1;
  }
  if (c->mut_n + n > c->mut_cap) {
    size_t cap = (c->mut_n + n) * 2 < quota ? (c->mut_n + n) * 2 : quota;
    int64_t *grown = cg_realloc(c->mut_times, cap * sizeof(*grown));
    if (grown == NULL)
      return 1;
    c->mut_times = grown;
    c->mut_cap = cap;
  }
  for (size_t i = 0; i < n; i++)
    c->mut_times[c->mut_n++] = now;
  return 0;
}

/* --- execution --------------------------------------------------------------
 */

/* Every root field must exist on the operation's root type. */
static cJSON *validate(const struct sim_gql_doc *doc)
{
  cJSON *errors = NULL;
  char msg[200];
  for (size_t i = 0; i < doc->nfields; i++) {
    const struct sim_gql_field *f = &doc->fields[i];
    if (op_find(f->name, doc->mutation) != NULL)
      continue;
    if (errors == NULL)
      errors = cJSON_CreateArray();
    snprintf(msg, sizeof(msg), "Cannot query field \"%.80s\" on type \"%s\".",
             f->name, doc->mutation ? "Mutation" : "Query");
    cJSON_AddItemToArray(errors, error_item(msg, f->alias, "graphql"));
  }
  return errors;
}

static cJSON *run_fields(struct sim_centra *c, const struct sim_gql_doc *doc)
{
  cJSON *res = cJSON_CreateObject();
  cJSON *data = cJSON_AddObjectToObject(res, "data");
  cJSON *errors = NULL;
  for (size_t i = 0; i < doc->nfields; i++) {
    const struct sim_gql_field *f = &doc->fields[i];
    const char *err = NULL;
    cJSON *v = op_find(f->name, doc->mutation)->fn(c, f->args, &err);
    if (v == NULL && err != NULL) {
      if (errors == NULL)
        errors = cJSON_AddArrayToObject(res, "errors");
      cJSON_AddItemToArray(errors, error_item(err, f->alias, "graphql"));
    }
    cJSON_DeleteItemFromObjectCaseSensitive(data, f->alias);
    cJSON_AddItemToObject(data, f->alias, v ? v : cJSON_CreateNull());
  }
  return res;
}

static int run_doc(struct sim_centra *c, const struct sim_gql_doc *doc,
                   char **out, int *retry_after)
{
  cJSON *errors = validate(doc);
  if (errors != NULL) {
    cJSON *res = cJSON_CreateObject();
    cJSON_AddItemToObject(res, "errors", errors);
    *out = cg_json_print(res);
    cJSON_Delete(res);
    return 200;
  }
  size_t mutations = 0;
  for (size_t i = 0; doc->mutation && i < doc->nfields; i++)
    mutations += strcmp(doc->fields[i].name, "__typename") != 0;
  int wait = budget_take(c, mutations);
  if (wait > 0) {
    *retry_after = wait;
    return error_doc(out, 429, "Too Many Requests: mutation budget exceeded",
                     "rate_limit");
  }
  cJSON *res = run_fields(c, doc);
  *out = cg_json_print(res);
  cJSON_Delete(res);
  return 200;
}

int sim_centra__execute(struct sim_centra *c, const char *auth,
                        const char *body, size_t len, char **out,
                        int *retry_after)
{
  char msg[300];
  *out = NULL;
  *retry_after = 0;
  if (!token_ok(c, auth))
    return error_doc(out, 403, "Forbidden", "authorization");
  cJSON *req = cg_json_parse(body, len, NULL);
  const char *query = cg_json_str(req, "query");
  if (!cJSON_IsObject(req) || query == NULL) {
    cJSON_Delete(req);
    return error_doc(out, 400,
                     "Bad request: expected a JSON object with a "
                     "\"query\" string",
                     "request");
  }
  const cJSON *vars = cJSON_GetObjectItemCaseSensitive(req, "variables");
  int status;
  if (vars != NULL && !cJSON_IsNull(vars) && !cJSON_IsObject(vars)) {
    status = error_doc(out, 200, "Variables must be an object", "graphql");
  } else {
    struct sim_gql_doc doc;
    int rc = sim_gql_parse(query, cg_json_str(req, "operationName"), vars, &doc,
                           msg, sizeof(msg));
    status = rc == 0 ? run_doc(c, &doc, out, retry_after)
                     : error_doc(out, 200, msg, "graphql");
    sim_gql_doc_free(&doc);
  }
  cJSON_Delete(req);
  return status;
}

/* --- HTTP glue --------------------------------------------------------------
 */

static void on_graphql(struct cg_http_exchange *ex, void *arg)
{
  struct sim_centra *c = arg;
  const struct cg_http_request *req = cg_http_exchange_request(ex);
  char *out = NULL;
  int retry_after = 0;
  int status =
      sim_centra__execute(c, cg_http_exchange_header(ex, "Authorization"),
                          req->body, req->body_len, &out, &retry_after);
  if (out == NULL) {
    cg_http_respond_json(ex, 500, "{\"errors\":[{\"message\":\"oom\"}]}");
    return;
  }
  if (retry_after > 0) {
    char v[16];
    snprintf(v, sizeof(v), "%d", retry_after);
    cg_http_add_header(ex, "Retry-After", v);
    sim_note_retry_after(c->ctx, ex, v); /* early repeats count */
  }
  cg_http_respond_json(ex, status, out);
  cg_free(out);
}

int sim_centra_routes(struct sim_centra *c, struct cg_router *r)
{
  int rc = cg_router_add(r, "POST", "/graphql", on_graphql, c);
  if (rc != 0)
    return rc;
  return sim_centra__control_routes(c, r);
}
