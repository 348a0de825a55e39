/*
 * Unit tests for core/net/router through a real http_server: literal
 * segments with ':' ("/wms/v1/items:batch"), "{name}" and "{name*}"
 * parameters, percent-decoding per segment, first match wins, "*" and
 * HEAD-as-GET methods, 404, 405 with Allow, bad patterns; plus the
 * exchange accessors (query, headers, path) the handlers rely on.
 */
#include "testutil.h"
#include "http_fixture.h"

#include "base/buf.h"
#include "base/err.h"
#include "base/mem.h"
#include "net/http_server.h"
#include "net/router.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Answers "<tag> k=v ..." with every parameter the test asks about, so a
 * test can see which route matched and what it captured. */
static void h_tag(struct cg_http_exchange *ex, void *arg)
{
  const char *names[] = {"ref", "id", "rest", "a", "b"};
  struct cg_buf b = CG_BUF_INIT;
  cg_buf_puts(&b, arg);
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    const char *v = cg_http_exchange_param(ex, names[i]);
    if (v != NULL)
      cg_buf_printf(&b, " %s=%s", names[i], v);
  }
  cg_http_respond(ex, 200, "text/plain", b.data, b.len);
  cg_buf_free(&b);
}

/* Echoes query parameters, a header, the decoded path and the peer. */
static void h_info(struct cg_http_exchange *ex, void *arg)
{
  char q[64] = "", missing[8] = "";
  const struct cg_http_request *r = cg_http_exchange_request(ex);
  struct cg_buf b = CG_BUF_INIT;
  bool has_q = cg_http_exchange_query(ex, "q", q, sizeof(q));
  bool has_m = cg_http_exchange_query(ex, "missing", missing, sizeof(missing));
  const char *h = cg_http_exchange_header(ex, "x-TeSt");
  cg_buf_printf(&b, "q=%s|%d|%d|h=%s|path=%s|query=%s|peer=%d", q, has_q, has_m,
                h ? h : "-", r->path, r->query,
                strncmp(r->peer, "127.0.0.1:", 10) == 0);
  cg_http_add_header(ex, "X-Reply", "yes");
  assert_int_equal(cg_http_add_header(ex, "X-Bad", "a\r\nb"), CG_EINVAL);
  cg_http_respond(ex, 200, "text/plain", b.data, b.len);
  cg_buf_free(&b);
}

struct fx {
  struct cg_router *r;
  struct hf_server f;
  char base[64];
};

static int setup(void **state)
{
  struct fx *x = cg_calloc(1, sizeof(*x));
  x->r = cg_router_create();
  struct cg_router *r = x->r;
  assert_int_equal(
      cg_router_add(r, "POST", "/wms/v1/items:batch", h_tag, "batch"), 0);
  assert_int_equal(cg_router_add(r, "POST", "/wms/v1/events:ack", h_tag, "ack"),
                   0);
  assert_int_equal(
      cg_router_add(r, "GET", "/wms/v1/orders/{ref}", h_tag, "order"), 0);
  assert_int_equal(
      cg_router_add(r, "POST", "/wms/v1/orders/{ref}/cancel", h_tag, "cancel"),
      0);
  assert_int_equal(
      cg_router_add(r, "DELETE", "/wms/v1/orders/{ref}", h_tag, "delete"), 0);
  assert_int_equal(cg_router_add(r, "GET", "/first/{a}", h_tag, "first"), 0);
  assert_int_equal(cg_router_add(r, "GET", "/first/{b}", h_tag, "second"), 0);
  assert_int_equal(cg_router_add(r, "*", "/any", h_tag, "any"), 0);
  assert_int_equal(cg_router_add(r, "GET", "/static/{rest*}", h_tag, "static"),
                   0);
  assert_int_equal(cg_router_add(r, "GET", "/", h_tag, "root"), 0);
  assert_int_equal(cg_router_add(r, "GET", "/info/{id}", h_info, NULL), 0);
  assert_int_equal(hf_start(&x->f, NULL, cg_router_dispatch, r), 0);
  snprintf(x->base, sizeof(x->base), "http://127.0.0.1:%d", x->f.port);
  *state = x;
  return 0;
}

static int teardown(void **state)
{
  struct fx *x = *state;
  assert_int_equal(hf_stop(&x->f), 0);
  cg_router_destroy(x->r);
  cg_free(x);
  return 0;
}

/* Calls method path; returns the status and copies the body. */
static long call(struct fx *x, const char *method, const char *path, char *body,
                 size_t size, char *allow, size_t asize)
{
  char url[512];
  snprintf(url, sizeof(url), "%s%s", x->base, path);
  struct tu_http_response r = {0};
  const char *hdrs[] = {"X-Test: hdr-value ", NULL};
  assert_int_equal(tu_http(method, url, hdrs, NULL, &r), 0);
  if (body != NULL)
    snprintf(body, size, "%s", r.body ? r.body : "");
  if (allow != NULL && tu_http_header(&r, "Allow", allow, asize) == NULL)
    allow[0] = '\0';
  long status = r.status;
  tu_http_response_free(&r);
  return status;
}

static void expect(struct fx *x, const char *method, const char *path,
                   long status, const char *body)
{
  char got[512];
  long st = call(x, method, path, got, sizeof(got), NULL, 0);
  if (st != status || (body != NULL && strcmp(got, body) != 0))
    fprintf(stderr, "%s %s: %ld '%s'\n", method, path, st, got);
  assert_int_equal(st, status);
  if (body != NULL)
    assert_string_equal(got, body);
}

static void test_literals_with_colon(void **state)
{
  struct fx *x = *state;
  expect(x, "POST", "/wms/v1/items:batch", 200, "batch");
  expect(x, "POST", "/wms/v1/events:ack", 200, "ack");
  expect(x, "POST", "/wms/v1/items", 404, NULL);
  expect(x, "POST", "/wms/v1/items:batchx", 404, NULL);
  expect(x, "GET", "/", 200, "root");
}

static void test_params(void **state)
{
  struct fx *x = *state;
  expect(x, "GET", "/wms/v1/orders/SO-1001", 200, "order ref=SO-1001");
  expect(x, "POST", "/wms/v1/orders/SO-1001/cancel", 200, "cancel ref=SO-1001");
  /* Decoded per segment: an encoded '/' stays inside the parameter. */
  expect(x, "GET", "/wms/v1/orders/A%2FB%20C", 200, "order ref=A/B C");
  expect(x, "GET", "/wms/v1/orders/", 404, NULL);
  expect(x, "GET", "/wms/v1/orders/x/y", 404, NULL);
  expect(x, "GET", "/first/1", 200, "first a=1");
  expect(x, "GET", "/static/css/site.css", 200, "static rest=css/site.css");
  expect(x, "GET", "/static/", 200, "static rest=");
  expect(x, "GET", "/static", 200, "static rest=");
}

static void test_methods_404_405(void **state)
{
  struct fx *x = *state;
  char allow[128], body[512];
  assert_int_equal(call(x, "PUT", "/wms/v1/orders/SO-1", body, sizeof(body),
                        allow, sizeof(allow)),
                   405);
  assert_string_equal(allow, "GET, DELETE, HEAD");
  assert_non_null(strstr(body, "\"status\":405"));
  expect(x, "DELETE", "/wms/v1/orders/SO-1", 200, "delete ref=SO-1");
  assert_int_equal(
      call(x, "GET", "/wms/v1/items:batch", NULL, 0, allow, sizeof(allow)),
      405);
  assert_string_equal(allow, "POST");
  assert_int_equal(call(x, "GET", "/nowhere", body, sizeof(body), NULL, 0),
                   404);
  assert_non_null(strstr(body, "\"status\":404"));
  expect(x, "PATCH", "/any", 200, "any");
  expect(x, "GET", "/any", 200, "any");
}

/* HEAD is served by the GET route: headers with the GET body's length, no
 * body, and the connection stays usable (raw socket: curl would wait for
 * the announced body). */
static void test_head_as_get(void **state)
{
  struct fx *x = *state;
  int fd = hf_connect(x->f.port);
  assert_true(fd >= 0);
  assert_int_equal(hf_send_str(fd, "HEAD /wms/v1/orders/SO-1 HTTP/1.1\r\n"
                                   "Host: x\r\n\r\n"),
                   0);
  char buf[1024];
  size_t len = 0;
  while (len < sizeof(buf) - 1) {
    ssize_t n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
    assert_true(n > 0);
    len += (size_t)n;
    buf[len] = '\0';
    if (strstr(buf, "\r\n\r\n") != NULL)
      break;
  }
  assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
  assert_non_null(strstr(buf, "Content-Length: 14\r\n"));
  assert_int_equal(strlen(strstr(buf, "\r\n\r\n")), 4);
  assert_int_equal(hf_send_str(fd, "GET /wms/v1/orders/SO-1 HTTP/1.1\r\n"
                                   "Host: x\r\n\r\n"),
                   0);
  struct hf_resp r[1];
  assert_int_equal(hf_read(fd, r, 1, 5000, NULL), 1);
  assert_string_equal(r[0].body, "order ref=SO-1");
  close(fd);
}

static void test_exchange_accessors(void **state)
{
  struct fx *x = *state;
  expect(x, "GET", "/info/1?a=1&q=hello+w%C3%B6rld%21&missing", 200,
         "q=hello w\xC3\xB6rld!|1|1|h=hdr-value|path=/info/1|"
         "query=a=1&q=hello+w%C3%B6rld%21&missing|peer=1");
  expect(x, "GET", "/info/%69d", 200, NULL);
}

static void test_bad_patterns(void **state)
{
  struct cg_router *r = cg_router_create();
  assert_int_equal(cg_router_add(r, "GET", "no-slash", h_tag, ""), CG_EINVAL);
  assert_int_equal(cg_router_add(r, "GET", "/a/{rest*}/b", h_tag, ""),
                   CG_EINVAL);
  assert_int_equal(cg_router_add(r, "GET", "/a/{}", h_tag, ""), CG_EINVAL);
  assert_int_equal(cg_router_add(r, "GET", "/a/x{y}", h_tag, ""), CG_EINVAL);
  assert_int_equal(cg_router_add(r, "GET", "/a/{b c}", h_tag, ""), CG_EINVAL);
  assert_int_equal(cg_router_add(r, "", "/a", h_tag, ""), CG_EINVAL);
  assert_int_equal(cg_router_add(r, "GET", "/a", NULL, ""), CG_EINVAL);
  assert_int_equal(cg_router_add(r, "GET", "/a/{b}/c:d", h_tag, ""), 0);
  /* Allocation failure leaves the router as it was. */
  for (long n = 0; n < 6; n++) {
    cg_mem_fail_after(n);
    int rc = cg_router_add(r, "GET", "/x/{y}/z", h_tag, "");
    cg_mem_fail_after(-1);
    assert_true(rc == 0 || rc == CG_ENOMEM);
  }
  cg_router_destroy(r);
  cg_router_destroy(NULL);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_literals_with_colon),
      cmocka_unit_test(test_params),
      cmocka_unit_test(test_methods_404_405),
      cmocka_unit_test(test_head_as_get),
      cmocka_unit_test(test_exchange_accessors),
      cmocka_unit_test(test_bad_patterns),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
