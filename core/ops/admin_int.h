/*
 * admin_int: what the admin API's files share (admin.h is the public
 * side): the JSON replies, the bearer check and the merchant look-up of
 * admin.c, the stock routes of admin_stock.c and
 * the item master's of admin_items.c.
 */
#ifndef CG_OPS_ADMIN_INT_H
#define CG_OPS_ADMIN_INT_H

#include "ops/admin.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

struct cg_err;
struct cg_flow;
struct cg_http_exchange;

/* Answers doc (deleted) with status; 500 when it cannot be printed. */
void cg__admin_reply_json(struct cg_http_exchange *ex, int status, cJSON *doc);
/* Answers {"error": msg} with status. */
void cg__admin_reply_error(struct cg_http_exchange *ex, int status,
                           const char *msg);
/* The default and the most rows of a list answer (?limit=). */
#define CG__ADMIN_LIST_DEFAULT 100
#define CG__ADMIN_LIST_MAX 500
/* The `limit` query parameter of a list: def when absent or not
 * positive, at most max. */
size_t cg__admin_list_limit(struct cg_http_exchange *ex, size_t def,
                            size_t max);
/* Answers a describe: doc (deleted) with 200; else 404 "no such merchant"
 * (f NULL), 404 not_found (err CG_ENOTFOUND) or 500 with err's message. */
void cg__admin_reply_described(struct cg_http_exchange *ex,
                               const struct cg_flow *f, cJSON *doc,
                               const struct cg_err *err, const char *not_found);
/* Answers a list: doc (deleted) with 200; else 404 "no such merchant"
 * (f NULL), 400 (err CG_EINVAL: a bad query) or 500 with err's message. */
void cg__admin_reply_listed(struct cg_http_exchange *ex,
                            const struct cg_flow *f, cJSON *doc,
                            const struct cg_err *err);
/* Whether the request carries the bearer token; answers 401/403 if not. */
bool cg__admin_authorized(struct cg_http_exchange *ex,
                          const struct cg_admin_source *src);
/* The merchant's flow, or NULL. */
struct cg_flow *cg__admin_find_flow(const struct cg_admin_source *src,
                                    const char *id);
/* For a request that acts on the merchant in its path: the merchant's
 * flow, once the token is checked; NULL when the answer is already sent
 * (401/403, or 404 "no such merchant"). */
struct cg_flow *cg__admin_request_flow(struct cg_http_exchange *ex,
                                       const struct cg_admin_source *src);
/* Answers 202 {"status": status}: a request the engine carries out soon. */
void cg__admin_reply_accepted(struct cg_http_exchange *ex, const char *status);
/* GET .../stock/{sku}, GET .../stock?state= and POST .../stock/reconcile
 * (admin_stock.c). */
int cg__admin_stock_routes(struct cg_router *r,
                           const struct cg_admin_source *src);
/* The item master's routes (admin_items.c). */
int cg__admin_items_routes(struct cg_router *r,
                           const struct cg_admin_source *src);

#endif
