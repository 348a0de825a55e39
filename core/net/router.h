/*
 * router: maps (method, path pattern) to a handler for http_server.
 *
 * Patterns are literal segments and "{name}" parameters that match one
 * segment, e.g. "/wms/v1/orders/{ref}/cancel"; a literal may contain ':'
 * ("/wms/v1/items:batch"). A final "{name*}" matches the rest of the path.
 * Routes are tried in the order added; the first match wins. No match on
 * the path gives 404; a path match with another method gives 405 with an
 * Allow header.
 */
#ifndef CG_NET_ROUTER_H
#define CG_NET_ROUTER_H

#include "net/http_server.h"

struct cg_router;

struct cg_router *cg_router_create(void);
void cg_router_destroy(struct cg_router *r);
/* method "*" matches any method. Returns 0, CG_EINVAL (bad pattern) or
 * CG_ENOMEM. handler gets the exchange with params set. */
int cg_router_add(struct cg_router *r, const char *method, const char *pattern,
                  cg_http_handler_fn handler, void *arg);
/* An http_server handler: pass the router as arg. */
void cg_router_dispatch(struct cg_http_exchange *ex, void *router);

#endif
