/*
 * router: (method, path pattern) -> handler for http_server (see router.h).
 *
 * A pattern is split on '/' into segments once, at cg_router_add. Matching
 * walks the raw (not yet decoded) request path segment by segment and
 * decodes each one on its own, so an encoded "%2F" inside a parameter
 * stays part of that parameter instead of splitting it. Parameters of the
 * matching route are stored on the exchange (cg_http_exchange_param).
 */
#include "net/router.h"

#include "base/err.h"
#include "base/mem.h"
#include "net/http_internal.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

enum seg_kind { SEG_LITERAL, SEG_PARAM, SEG_REST };

struct cg_route_seg {
  enum seg_kind kind;
  char *text; /* literal text, or parameter name */
};

struct cg_route {
  char *method;
  struct cg_route_seg *segs;
  size_t nsegs;
  cg_http_handler_fn handler;
  void *arg;
};

struct cg_router {
  struct cg_route *routes;
  size_t nroutes;
};

struct cg_router *cg_router_create(void)
{
  return cg_calloc(1, sizeof(struct cg_router));
}

static void route_free(struct cg_route *rt)
{
  for (size_t i = 0; i < rt->nsegs; i++)
    cg_free(rt->segs[i].text);
  cg_free(rt->segs);
  cg_free(rt->method);
}

void cg_router_destroy(struct cg_router *r)
{
  if (r == NULL)
    return;
  for (size_t i = 0; i < r->nroutes; i++)
    route_free(&r->routes[i]);
  cg_free(r->routes);
  cg_free(r);
}

static bool valid_name(const char *s, size_t n)
{
  if (n == 0)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
      return false;
  return true;
}

/* Classifies one pattern segment s[0..n) into seg. */
static int parse_seg(const char *s, size_t n, struct cg_route_seg *seg)
{
  seg->kind = SEG_LITERAL;
  if (n >= 2 && s[0] == '{' && s[n - 1] == '}') {
    s++;
    n -= 2;
    seg->kind = SEG_PARAM;
    if (n > 0 && s[n - 1] == '*') {
      seg->kind = SEG_REST;
      n--;
    }
    if (!valid_name(s, n))
      return CG_EINVAL;
  } else if (memchr(s, '{', n) != NULL || memchr(s, '}', n) != NULL) {
    return CG_EINVAL;
  }
  seg->text = cg_strndup(s, n);
  return seg->text == NULL ? CG_ENOMEM : 0;
}

static int parse_pattern(const char *pattern, struct cg_route *rt)
{
  if (pattern == NULL || pattern[0] != '/')
    return CG_EINVAL;
  const char *p = pattern + 1;
  for (;;) {
    const char *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : strlen(p);
    struct cg_route_seg *grown =
        cg_realloc(rt->segs, (rt->nsegs + 1) * sizeof(*grown));
    if (grown == NULL)
      return CG_ENOMEM;
    rt->segs = grown;
    int rc = parse_seg(p, n, &rt->segs[rt->nsegs]);
    if (rc != 0)
      return rc;
    rt->nsegs++;
    if (rt->segs[rt->nsegs - 1].kind == SEG_REST && slash != NULL)
      return CG_EINVAL; /* {name*} must be last */
    if (slash == NULL)
      return 0;
    p = slash + 1;
  }
}

int cg_router_add(struct cg_router *r, const char *method, const char *pattern,
                  cg_http_handler_fn handler, void *arg)
{
  if (r == NULL || method == NULL || method[0] == '\0' || handler == NULL)
    return CG_EINVAL;
  struct cg_route rt = {.handler = handler, .arg = arg};
  int rc = parse_pattern(pattern, &rt);
  if (rc == 0) {
    rt.method = cg_strdup(method);
    rc = rt.method ? 0 : CG_ENOMEM;
  }
  struct cg_route *grown = NULL;
  if (rc == 0) {
    grown = cg_realloc(r->routes, (r->nroutes + 1) * sizeof(*grown));
    rc = grown ? 0 : CG_ENOMEM;
  }
  if (rc != 0)
    goto fail;
  r->routes = grown;
  r->routes[r->nroutes++] = rt;
  return 0;
fail:
  route_free(&rt);
  return rc;
}

/* Matches one segment (raw s[0..n)) and records a parameter. Returns 1 on
 * a match, 0 on none, CG_ENOMEM. */
static int match_seg(const struct cg_route_seg *seg, const char *s, size_t n,
                     struct cg_http_exchange *ex)
{
  char *dec = NULL;
  int rc = cg__http_pct_decode(s, n, false, &dec);
  if (rc == CG_EINVAL)
    return 0;
  if (rc != 0)
    return rc;
  if (seg->kind == SEG_LITERAL)
    rc = strcmp(seg->text, dec) == 0;
  else if (seg->kind == SEG_PARAM && dec[0] == '\0')
    rc = 0; /* a parameter never matches an empty segment */
  else
    rc = cg__http_exchange_add_param(ex, seg->text, strlen(seg->text), dec,
                                     strlen(dec)) == 0
             ? 1
             : CG_ENOMEM;
  cg_free(dec);
  return rc;
}

/* Returns 1 if the route's pattern matches the raw path, 0 if not,
 * CG_ENOMEM. Parameters are left on the exchange. */
static int match_route(const struct cg_route *rt, const char *raw,
                       struct cg_http_exchange *ex)
{
  if (raw[0] != '/')
    return 0;
  const char *p = raw + 1; /* NULL once the path has no more segments */
  for (size_t i = 0; i < rt->nsegs; i++) {
    const struct cg_route_seg *seg = &rt->segs[i];
    if (seg->kind == SEG_REST)
      return match_seg(seg, p ? p : "", p ? strlen(p) : 0, ex);
    if (p == NULL)
      return 0;
    const char *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : strlen(p);
    int rc = match_seg(seg, p, n, ex);
    if (rc != 1)
      return rc;
    p = slash ? slash + 1 : NULL;
  }
  return p == NULL;
}

static bool method_matches(const char *route_method, const char *method)
{
  if (strcmp(route_method, "*") == 0 || strcmp(route_method, method) == 0)
    return true;
  return strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0;
}

/* Adds method to a ", "-separated list unless already there. */
static void allow_add(char *allow, size_t size, const char *method)
{
  size_t mlen = strlen(method);
  for (const char *p = allow; (p = strstr(p, method)) != NULL; p += mlen)
    if ((p == allow || p[-1] == ' ') && (p[mlen] == ',' || p[mlen] == '\0'))
      return;
  size_t len = strlen(allow);
  if (len + mlen + 3 >= size)
    return;
  if (len > 0)
    strcat(allow, ", ");
  strcat(allow, method);
}

static void respond_problem(struct cg_http_exchange *ex, int status,
                            const char *title)
{
  char body[160];
  int n = snprintf(body, sizeof(body),
                   "{\"type\":\"about:blank\",\"title\":\"%s\","
                   "\"status\":%d}",
                   title, status);
  cg_http_respond(ex, status, "application/problem+json", body, (size_t)n);
}

static void respond_405(struct cg_http_exchange *ex, char *allow, size_t size)
{
  if (strstr(allow, "GET") != NULL)
    allow_add(allow, size, "HEAD");
  cg_http_add_header(ex, "Allow", allow);
  respond_problem(ex, 405, "Method Not Allowed");
}

void cg_router_dispatch(struct cg_http_exchange *ex, void *router)
{
  const struct cg_router *r = router;
  const char *raw = cg__http_exchange_raw_path(ex);
  const char *method = cg_http_exchange_request(ex)->method;
  char allow[256] = "";
  for (size_t i = 0; i < r->nroutes; i++) {
    const struct cg_route *rt = &r->routes[i];
    cg__http_exchange_clear_params(ex);
    int rc = match_route(rt, raw, ex);
    if (rc < 0) {
      cg__http_exchange_clear_params(ex);
      respond_problem(ex, 500, "Internal Server Error");
      return;
    }
    if (rc == 1 && method_matches(rt->method, method)) {
      rt->handler(ex, rt->arg);
      return;
    }
    if (rc == 1)
      allow_add(allow, sizeof(allow), rt->method);
  }
  cg__http_exchange_clear_params(ex);
  if (allow[0] != '\0')
    respond_405(ex, allow, sizeof(allow));
  else
    respond_problem(ex, 404, "Not Found");
}
