/*
 * http_exchange: one request/response pair of the HTTP server: storage of
 * the parsed request, the accessors handlers use (headers, params, query),
 * response serialization and the public respond/reset entry points.
 *
 * An exchange is created by http_conn.c when a request starts, handed to
 * the handler when complete, and freed when answered. If its connection
 * closes first, conn is cleared and gone set; answering then only frees.
 */
#include "base/err.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "net/http_internal.h"

#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

struct cg_http_exchange *cg__http_exchange_create(struct cg__http_conn *c)
{
  struct cg_http_exchange *ex = cg_calloc(1, sizeof(*ex));
  if (ex == NULL)
    return NULL;
  ex->conn = c;
  snprintf(ex->peer, sizeof(ex->peer), "%s", c->peer);
  return ex;
}

/* A pair's value lives in its name's allocation (push_pair). */
static void free_pairs(struct cg_http_header *h, size_t n)
{
  for (size_t i = 0; i < n; i++)
    cg_free(h[i].name);
  cg_free(h);
}

void cg__http_exchange_free(struct cg_http_exchange *ex)
{
  if (ex == NULL)
    return;
  cg_buf_free(&ex->url);
  cg_free(ex->raw_path);
  cg_free(ex->path);
  cg_free(ex->query);
  free_pairs(ex->headers, ex->nheaders);
  cg_buf_free(&ex->hfield);
  cg_buf_free(&ex->hvalue);
  cg_buf_free(&ex->body);
  free_pairs(ex->params, ex->nparams);
  cg_buf_free(&ex->resp_headers);
  cg_free(ex);
}

/* Appends a copy of (name, value) to a pair array: both strings in one
 * allocation (value points into name's), the array doubled when full,
 * so a request's headers cost one allocation each. */
static int push_pair(struct cg_http_header **arr, size_t *n, size_t *cap,
                     const char *name, size_t nlen, const char *value,
                     size_t vlen)
{
  if (*n == *cap) {
    size_t want = *cap ? *cap * 2 : 8;
    struct cg_http_header *grown = cg_realloc(*arr, want * sizeof(**arr));
    if (grown == NULL)
      return CG_ENOMEM;
    *arr = grown;
    *cap = want;
  }
  char *s = cg_malloc(nlen + vlen + 2);
  if (s == NULL)
    return CG_ENOMEM;
  memcpy(s, name, nlen);
  s[nlen] = '\0';
  memcpy(s + nlen + 1, value, vlen);
  s[nlen + 1 + vlen] = '\0';
  (*arr)[*n] = (struct cg_http_header){.name = s, .value = s + nlen + 1};
  (*n)++;
  return 0;
}

/* Blanks and tabs off both ends of s[0..*n). */
static const char *trim_blanks(const char *s, size_t *n)
{
  while (*n > 0 && (*s == ' ' || *s == '\t')) {
    s++;
    (*n)--;
  }
  while (*n > 0 && (s[*n - 1] == ' ' || s[*n - 1] == '\t'))
    (*n)--;
  return s;
}

int cg__http_exchange_push_header(struct cg_http_exchange *ex)
{
  if (!ex->in_value && ex->hfield.len == 0)
    return 0;
  if (ex->nheaders >= CG__HTTP_MAX_HEADERS)
    return CG_ELIMIT;
  size_t vlen = ex->hvalue.len;
  const char *value =
      trim_blanks(ex->hvalue.data ? ex->hvalue.data : "", &vlen);
  int rc = push_pair(&ex->headers, &ex->nheaders, &ex->cap_headers,
                     ex->hfield.data ? ex->hfield.data : "", ex->hfield.len,
                     value, vlen);
  cg_buf_reset(&ex->hfield);
  cg_buf_reset(&ex->hvalue);
  ex->in_value = false;
  return rc;
}

static int hexval(int ch)
{
  if (ch >= '0' && ch <= '9')
    return ch - '0';
  ch = tolower(ch);
  if (ch >= 'a' && ch <= 'f')
    return ch - 'a' + 10;
  return -1;
}

int cg__http_pct_decode(const char *s, size_t n, bool plus_space, char **out)
{
  char *o = cg_malloc(n + 1);
  if (o == NULL)
    return CG_ENOMEM;
  size_t j = 0;
  for (size_t i = 0; i < n; i++) {
    int v = (unsigned char)s[i];
    if (v == '%') {
      int hi = i + 2 < n ? hexval((unsigned char)s[i + 1]) : -1;
      int lo = hi >= 0 ? hexval((unsigned char)s[i + 2]) : -1;
      if (lo < 0 || (hi == 0 && lo == 0)) {
        cg_free(o);
        return CG_EINVAL;
      }
      v = hi * 16 + lo;
      i += 2;
    } else if (v == '+' && plus_space) {
      v = ' ';
    }
    o[j++] = (char)v;
  }
  o[j] = '\0';
  *out = o;
  return 0;
}

int cg__http_exchange_parse_target(struct cg_http_exchange *ex)
{
  const char *url = ex->url.data;
  size_t len = ex->url.len;
  if (url == NULL || len == 0)
    return CG_EINVAL;
  struct http_parser_url u;
  http_parser_url_init(&u);
  if (strcmp(url, "*") == 0) {
    ex->raw_path = cg_strdup("*");
    ex->query = cg_strdup("");
  } else if (http_parser_parse_url(url, len, 0, &u) != 0) {
    return CG_EINVAL;
  } else {
    bool has_path = u.field_set & (1 << UF_PATH);
    bool has_query = u.field_set & (1 << UF_QUERY);
    ex->raw_path = has_path ? cg_strndup(url + u.field_data[UF_PATH].off,
                                         u.field_data[UF_PATH].len)
                            : cg_strdup("/");
    ex->query = has_query ? cg_strndup(url + u.field_data[UF_QUERY].off,
                                       u.field_data[UF_QUERY].len)
                          : cg_strdup("");
  }
  if (ex->raw_path == NULL || ex->query == NULL)
    return CG_ENOMEM;
  return cg__http_pct_decode(ex->raw_path, strlen(ex->raw_path), false,
                             &ex->path);
}

void cg__http_exchange_seal(struct cg_http_exchange *ex, const char *method)
{
  struct cg_http_request *r = &ex->req;
  if (method != NULL)
    r->method = method;
  if (r->method == NULL)
    r->method = "";
  r->url = ex->url.data ? ex->url.data : "";
  r->path = ex->path ? ex->path : "";
  r->query = ex->query ? ex->query : "";
  r->headers = ex->headers;
  r->nheaders = ex->nheaders;
  r->body = ex->body.data ? ex->body.data : "";
  r->body_len = ex->body.len;
  r->peer = ex->peer;
}

void cg__http_notify(struct cg_http_server *srv,
                     const struct cg_http_exchange *ex, int status)
{
  if (srv->opts.on_response != NULL)
    srv->opts.on_response(ex, status, srv->opts.observer_arg);
}

static int serialize(struct cg_buf *out, const struct cg_http_exchange *ex,
                     int status, const char *content_type, const char *body,
                     size_t body_len, bool keep_alive)
{
  char date[64];
  cg_time_format_http(cg_time_now_ms(), date, sizeof(date));
  bool no_body = status < 200 || status == 204 || status == 304;
  /* Status line, Date, the fixed headers: one allocation for it all. */
  int rc = cg_buf_reserve(out, 256 + ex->resp_headers.len +
                                   (content_type ? strlen(content_type) : 0) +
                                   body_len);
  if (rc == 0)
    rc = cg_buf_printf(out, "HTTP/1.1 %d %s\r\nDate: %s\r\n", status,
                       cg__http_reason(status), date);
  if (rc == 0 && ex->resp_headers.len > 0)
    rc = cg_buf_append(out, ex->resp_headers.data, ex->resp_headers.len);
  if (rc == 0 && content_type != NULL && !no_body)
    rc = cg_buf_printf(out, "Content-Type: %s\r\n", content_type);
  if (rc == 0 && !no_body)
    rc = cg_buf_printf(out, "Content-Length: %zu\r\n", body_len);
  if (rc == 0)
    rc = cg_buf_printf(out, "Connection: %s\r\n\r\n",
                       keep_alive ? "keep-alive" : "close");
  if (rc == 0 && !no_body && !ex->head && body_len > 0)
    rc = cg_buf_append(out, body, body_len);
  return rc;
}

int cg__http_exchange_send(struct cg__http_conn *c, struct cg_http_exchange *ex,
                           int status, const char *content_type,
                           const char *body, size_t body_len, bool keep_alive)
{
  struct cg_buf out = CG_BUF_INIT;
  cg__http_notify(c->srv, ex, status);
  int rc =
      serialize(&out, ex, status, content_type, body, body_len, keep_alive);
  if (rc == 0)
    rc = cg__http_conn_write(c, &out);
  cg_buf_free(&out);
  return rc;
}

/* --- public: accessors -----------------------------------------------------
 */

const struct cg_http_request *
cg_http_exchange_request(const struct cg_http_exchange *ex)
{
  return &ex->req;
}

const char *cg_http_exchange_header(const struct cg_http_exchange *ex,
                                    const char *name)
{
  for (size_t i = 0; i < ex->nheaders; i++)
    if (strcasecmp(ex->headers[i].name, name) == 0)
      return ex->headers[i].value;
  return NULL;
}

const char *cg_http_exchange_param(const struct cg_http_exchange *ex,
                                   const char *name)
{
  for (size_t i = 0; i < ex->nparams; i++)
    if (strcmp(ex->params[i].name, name) == 0)
      return ex->params[i].value;
  return NULL;
}

/* Compares the decoded key of "k=v" (len n) with name; on a match copies
 * the decoded value into out. */
static bool query_pair(const char *pair, size_t n, const char *name, char *out,
                       size_t size)
{
  const char *eq = memchr(pair, '=', n);
  size_t klen = eq ? (size_t)(eq - pair) : n;
  char *key = NULL;
  if (cg__http_pct_decode(pair, klen, true, &key) != 0)
    return false;
  bool match = strcmp(key, name) == 0;
  cg_free(key);
  char *val = NULL;
  const char *v = eq ? eq + 1 : pair + n;
  if (!match || cg__http_pct_decode(v, (size_t)(pair + n - v), true, &val) != 0)
    return false;
  if (out != NULL && size > 0)
    snprintf(out, size, "%s", val);
  cg_free(val);
  return true;
}

bool cg_http_exchange_query(const struct cg_http_exchange *ex, const char *name,
                            char *out, size_t size)
{
  const char *p = ex->query ? ex->query : "";
  while (*p != '\0') {
    const char *amp = strchr(p, '&');
    size_t n = amp ? (size_t)(amp - p) : strlen(p);
    if (n > 0 && query_pair(p, n, name, out, size))
      return true;
    p += n + (amp ? 1 : 0);
  }
  return false;
}

bool cg_http_exchange_gone(const struct cg_http_exchange *ex)
{
  return ex->gone;
}

void cg_http_exchange_set_data(struct cg_http_exchange *ex, void *data)
{
  ex->data = data;
}

void *cg_http_exchange_data(const struct cg_http_exchange *ex)
{
  return ex->data;
}

/* --- internal: router support ----------------------------------------------
 */

const char *cg__http_exchange_raw_path(const struct cg_http_exchange *ex)
{
  return ex->raw_path ? ex->raw_path : "";
}

void cg__http_exchange_clear_params(struct cg_http_exchange *ex)
{
  free_pairs(ex->params, ex->nparams);
  ex->params = NULL;
  ex->nparams = 0;
  ex->cap_params = 0;
}

int cg__http_exchange_add_param(struct cg_http_exchange *ex, const char *name,
                                size_t name_len, const char *value,
                                size_t value_len)
{
  return push_pair(&ex->params, &ex->nparams, &ex->cap_params, name, name_len,
                   value, value_len);
}

/* --- public: answering -----------------------------------------------------
 */

static bool is_token(const char *s)
{
  if (*s == '\0')
    return false;
  for (; *s != '\0'; s++)
    if (!isalnum((unsigned char)*s) && strchr("!#$%&'*+-.^_`|~", *s) == NULL)
      return false;
  return true;
}

int cg_http_add_header(struct cg_http_exchange *ex, const char *name,
                       const char *value)
{
  if (name == NULL || value == NULL || !is_token(name) ||
      strpbrk(value, "\r\n") != NULL)
    return CG_EINVAL;
  if (strcasecmp(name, "Content-Length") == 0 ||
      strcasecmp(name, "Connection") == 0 || strcasecmp(name, "Date") == 0 ||
      strcasecmp(name, "Transfer-Encoding") == 0)
    return 0; /* the server sets these */
  return cg_buf_printf(&ex->resp_headers, "%s: %s\r\n", name, value);
}

void cg_http_respond(struct cg_http_exchange *ex, int status,
                     const char *content_type, const char *body,
                     size_t body_len)
{
  if (ex == NULL)
    return;
  struct cg__http_conn *c = ex->conn;
  if (c == NULL) {
    cg__http_exchange_free(ex);
    return;
  }
  assert(c->active == ex);
  if (status < 100 || status > 999)
    status = 500;
  if (body == NULL)
    body_len = 0;
  bool keep_alive = ex->keep_alive && !c->srv->closing;
  int rc = cg__http_exchange_send(c, ex, status, content_type, body, body_len,
                                  keep_alive);
  cg__http_exchange_free(ex);
  c->active = NULL;
  if (rc != 0) {
    cg_log_error(c->srv->opts.name, "cannot send a response to %s; closing",
                 c->peer);
    cg__http_conn_close_now(c);
    return;
  }
  cg__http_conn_answered(c, keep_alive);
}

void cg_http_respond_json(struct cg_http_exchange *ex, int status,
                          const char *json)
{
  if (json == NULL)
    json = "";
  cg_http_respond(ex, status, "application/json", json, strlen(json));
}

void cg_http_exchange_reset(struct cg_http_exchange *ex)
{
  if (ex == NULL)
    return;
  struct cg__http_conn *c = ex->conn;
  if (c != NULL) {
    assert(c->active == ex);
    cg__http_notify(c->srv, ex, 0);
    c->active = NULL;
  }
  cg__http_exchange_free(ex);
  if (c != NULL)
    cg__http_conn_reset(c);
}

static const struct {
  int code;
  const char *text;
} reasons[] = {
    {100, "Continue"},
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {204, "No Content"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {304, "Not Modified"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {408, "Request Timeout"},
    {409, "Conflict"},
    {410, "Gone"},
    {412, "Precondition Failed"},
    {413, "Content Too Large"},
    {414, "URI Too Long"},
    {415, "Unsupported Media Type"},
    {417, "Expectation Failed"},
    {422, "Unprocessable Content"},
    {428, "Precondition Required"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
    {505, "HTTP Version Not Supported"},
};

const char *cg__http_reason(int status)
{
  for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
    if (reasons[i].code == status)
      return reasons[i].text;
  return "Unknown";
}
