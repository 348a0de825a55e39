/*
 * http_xfer: one request of the HTTP client (see http_client_int.h): its
 * easy handle and options, the curl write and header callbacks that fill
 * its buffers, and the client's pool of idle transfers.
 *
 *   get: idle transfer (LIFO) or calloc + curl_easy_init
 *        -> copy body and headers into its buffers -> set every option
 *   put: curl_easy_reset (no option, private pointer or error buffer of
 *        the request survives) -> empty the buffers -> idle list
 *        (freed instead when the pool is full or the client is closing)
 *
 * curl_easy_reset keeps what belongs to the handle rather than to a
 * request (its receive buffer; connections, DNS and TLS sessions live in
 * the multi), so a reused handle costs no allocation of its own, and the
 * kept buffers mean a steady stream of requests allocates nothing here.
 * The header list is built in the transfer's own storage (curl only reads
 * struct curl_slist), not with curl_slist_append (two allocations per
 * header).
 */
#include "net/http_client_int.h"

#include "base/err.h"
#include "base/mem.h"

#include <string.h>
#include <strings.h>

#define container_of(ptr, type, member)                                        \
  ((type *)((char *)(ptr)-offsetof(type, member)))

#define DEFAULT_TIMEOUT_MS 30000
#define MAX_BODY_BYTES (16u * 1024 * 1024) /* bigger responses fail */
#define MAX_HEADER_BYTES (64u * 1024)

/* --- buffers and the pool ------------------------------------------------- */

#define XFER_BUFS 5

static void bufs_of(struct cg__http_xfer *x, struct cg_buf *b[XFER_BUFS])
{
  b[0] = &x->body;
  b[1] = &x->hdrs;
  b[2] = &x->hnodes;
  b[3] = &x->resp;
  b[4] = &x->rhdr;
}

static size_t kept_bytes(struct cg__http_xfer *x)
{
  struct cg_buf *b[XFER_BUFS];
  bufs_of(x, b);
  size_t sum = 0;
  for (size_t i = 0; i < XFER_BUFS; i++)
    sum += b[i]->cap;
  return sum;
}

/* Empties every buffer; frees the storage of those over keep_max bytes. */
static void bufs_empty(struct cg__http_xfer *x, size_t keep_max)
{
  struct cg_buf *b[XFER_BUFS];
  bufs_of(x, b);
  for (size_t i = 0; i < XFER_BUFS; i++) {
    if (b[i]->cap > keep_max)
      cg_buf_free(b[i]);
    cg_buf_reset(b[i]);
  }
}

static void xfer_free(struct cg__http_xfer *x)
{
  if (x->easy != NULL)
    curl_easy_cleanup(x->easy);
  bufs_empty(x, 0);
  cg_free(x);
}

/* Contract in http_client_int.h. */
void cg__http_xfer_put(struct cg__http_xfer *x)
{
  struct cg_http_client *c = x->c;
  if (c->closing || x->easy == NULL || c->n_idle >= c->idle_max) {
    xfer_free(x);
    return;
  }
  curl_easy_reset(x->easy);
  bufs_empty(x, CG__HTTP_KEEP_BUF_MAX);
  if (c->idle_bytes + kept_bytes(x) > CG__HTTP_KEEP_BYTES_MAX)
    bufs_empty(x, 0);
  x->too_large = false;
  x->done = NULL;
  x->arg = NULL;
  x->sock_err = NULL;
  x->errbuf[0] = '\0';
  c->idle_bytes += kept_bytes(x);
  c->n_idle++;
  cg__link_push(&c->idle, &x->link);
}

/* The most recently idle transfer (its buffers are the likeliest to be
 * warm), or a new one; NULL on ENOMEM. */
static struct cg__http_xfer *xfer_take(struct cg_http_client *c)
{
  if (!cg__link_empty(&c->idle)) {
    struct cg__http_xfer *x =
        container_of(c->idle.prev, struct cg__http_xfer, link);
    cg__link_remove(&x->link);
    c->n_idle--;
    c->idle_bytes -= kept_bytes(x);
    return x;
  }
  struct cg__http_xfer *x = cg_calloc(1, sizeof(*x));
  if (x == NULL)
    return NULL;
  x->c = c;
  cg__link_init(&x->link);
  if ((x->easy = curl_easy_init()) == NULL) {
    cg_free(x);
    return NULL;
  }
  return x;
}

/* Contract in http_client_int.h. */
void cg__http_xfer_drain(struct cg_http_client *c)
{
  while (!cg__link_empty(&c->idle)) {
    struct cg__http_xfer *x =
        container_of(c->idle.next, struct cg__http_xfer, link);
    cg__link_remove(&x->link);
    xfer_free(x);
  }
  c->n_idle = 0;
  c->idle_bytes = 0;
}

/* --- curl callbacks: fill the buffers, never call curl back ----------------
 */

static size_t cb_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
  struct cg__http_xfer *x = userdata;
  size_t n = size * nmemb;
  if (x->resp.len + n > MAX_BODY_BYTES) {
    x->too_large = true;
    return 0;
  }
  return cg_buf_append(&x->resp, ptr, n) == 0 ? n : 0;
}

static void trim(const char **s, size_t *n)
{
  while (*n > 0 && (**s == ' ' || **s == '\t')) {
    (*s)++;
    (*n)--;
  }
  while (*n > 0 && strchr(" \t\r\n", (*s)[*n - 1]) != NULL)
    (*n)--;
}

/* Keeps the headers of the last response only (a 100 Continue or any
 * interim response starts a new status line). */
static size_t cb_header(char *ptr, size_t size, size_t nitems, void *userdata)
{
  struct cg__http_xfer *x = userdata;
  size_t n = size * nitems;
  if (n >= 5 && memcmp(ptr, "HTTP/", 5) == 0) {
    cg_buf_reset(&x->rhdr);
    return n;
  }
  const char *colon = memchr(ptr, ':', n);
  if (colon == NULL)
    return n; /* the blank line ending the block */
  if (x->rhdr.len + n + 2 > MAX_HEADER_BYTES) {
    x->too_large = true;
    return 0;
  }
  const char *name = ptr, *value = colon + 1;
  size_t nlen = (size_t)(colon - ptr), vlen = n - nlen - 1;
  trim(&name, &nlen);
  trim(&value, &vlen);
  if (cg_buf_append(&x->rhdr, name, nlen) != 0 ||
      cg_buf_append(&x->rhdr, "", 1) != 0 ||
      cg_buf_append(&x->rhdr, value, vlen) != 0 ||
      cg_buf_append(&x->rhdr, "", 1) != 0)
    return 0;
  return n;
}

/* Contract in http_client_int.h. */
const char *cg__http_xfer_header(const struct cg__http_xfer *x,
                                 const char *name)
{
  const char *p = x->rhdr.data;
  const char *end = p + x->rhdr.len;
  while (p != NULL && p < end) {
    const char *key = p;
    const char *value = key + strlen(key) + 1;
    p = value + strlen(value) + 1;
    if (strcasecmp(key, name) == 0)
      return value;
  }
  return NULL;
}

/* --- options -------------------------------------------------------------- */

/* Copies the caller's headers, and "Expect:" (no 100-continue waits on
 * large bodies), into x->hdrs, and links them as a curl_slist in
 * x->hnodes. A CR or LF inside one is refused (header injection). */
static int build_headers(struct cg__http_xfer *x, const char *const *headers)
{
  size_t n = 0;
  for (; headers != NULL && headers[n] != NULL; n++) {
    if (strpbrk(headers[n], "\r\n") != NULL)
      return CG_EINVAL;
    if (cg_buf_append(&x->hdrs, headers[n], strlen(headers[n]) + 1) != 0)
      return CG_ENOMEM;
  }
  if (cg_buf_append(&x->hdrs, "Expect:", sizeof("Expect:")) != 0 ||
      cg_buf_reserve(&x->hnodes, ++n * sizeof(struct curl_slist)) != 0)
    return CG_ENOMEM;
  struct curl_slist *nodes = (struct curl_slist *)(void *)x->hnodes.data;
  char *s = x->hdrs.data;
  for (size_t i = 0; i < n; i++) {
    nodes[i].data = s;
    nodes[i].next = i + 1 < n ? &nodes[i + 1] : NULL;
    s += strlen(s) + 1;
  }
  return 0;
}

static CURLcode set_method(struct cg__http_xfer *x,
                           const struct cg_http_req *req)
{
  CURL *e = x->easy;
  if (strcmp(req->method, "GET") == 0)
    return curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  if (strcmp(req->method, "HEAD") == 0)
    return curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  CURLcode rc = CURLE_OK;
  bool post = strcmp(req->method, "POST") == 0;
  if (!post)
    rc = curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req->method);
  if (rc == CURLE_OK && (req->body != NULL || post))
    rc = curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                          (curl_off_t)req->body_len);
  if (rc == CURLE_OK && (req->body != NULL || post))
    rc = curl_easy_setopt(e, CURLOPT_POSTFIELDS,
                          req->body != NULL ? x->body.data : "");
  return rc;
}

static CURLcode set_options(struct cg__http_xfer *x,
                            const struct cg_http_req *req)
{
  struct cg_http_client *c = x->c;
  long timeout = req->timeout_ms > 0 ? req->timeout_ms : DEFAULT_TIMEOUT_MS;
  CURLcode rc = CURLE_OK;
#define ESET(opt, val)                                                         \
  do {                                                                         \
    if (rc == CURLE_OK)                                                        \
      rc = curl_easy_setopt(x->easy, (opt), (val));                            \
  } while (0)
  ESET(CURLOPT_PRIVATE, (void *)x);
  ESET(CURLOPT_URL, req->url);
  ESET(CURLOPT_PROTOCOLS_STR, "http,https");
  ESET(CURLOPT_NOSIGNAL, 1L);
  ESET(CURLOPT_TIMEOUT_MS, timeout);
  ESET(CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
  ESET(CURLOPT_TCP_KEEPALIVE, 1L);
  ESET(CURLOPT_USERAGENT, c->user_agent);
  ESET(CURLOPT_ERRORBUFFER, x->errbuf);
  ESET(CURLOPT_HTTPHEADER, (struct curl_slist *)(void *)x->hnodes.data);
  ESET(CURLOPT_WRITEFUNCTION, cb_write);
  ESET(CURLOPT_WRITEDATA, (void *)x);
  ESET(CURLOPT_HEADERFUNCTION, cb_header);
  ESET(CURLOPT_HEADERDATA, (void *)x);
#undef ESET
  return rc == CURLE_OK ? set_method(x, req) : rc;
}

/* Contract in http_client_int.h. The body is copied (into storage the
 * transfer keeps), so the caller's may go as soon as send returns. */
int cg__http_xfer_get(struct cg_http_client *c, const struct cg_http_req *req,
                      struct cg__http_xfer **out)
{
  struct cg__http_xfer *x = xfer_take(c);
  if (x == NULL)
    return CG_ENOMEM;
  x->errbuf[0] = '\0';
  int rc = CG_ENOMEM;
  if (req->body != NULL &&
      cg_buf_append(&x->body, req->body, req->body_len) != 0)
    goto fail;
  if ((rc = build_headers(x, req->headers)) != 0)
    goto fail;
  CURLcode cc = set_options(x, req);
  if (cc != CURLE_OK) {
    rc = cc == CURLE_OUT_OF_MEMORY ? CG_ENOMEM : CG_EINVAL;
    goto fail;
  }
  *out = x;
  return 0;
fail:
  cg__http_xfer_put(x);
  return rc;
}
