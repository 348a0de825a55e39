/*
 * sim_wms_fixture: helpers for the warehouse-side simulator tests
 * (test_sim_wms*.c): start centra-gxo-sim on free ports, call it with
 * tu_http and parse JSON answers, get a token, send raw bytes over TCP, and
 * stop it with SIGTERM asserting a clean exit (ASan turns leaks into a
 * non-zero status) and a log without sanitizer reports.
 */
#ifndef CG_SIM_WMS_FIXTURE_H
#define CG_SIM_WMS_FIXTURE_H

#include "testutil.h"

#include "base/json.h"
#include "base/mem.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

struct fx {
  pid_t pid;
  int cport, gport;
  char c[64], g[64]; /* base URLs */
  char log[256];
  char token[128];
};

struct fx_resp {
  long status;
  cJSON *json; /* NULL if the body is not JSON */
  char *headers;
  char *body;
};

static inline bool fx_wait_ready(struct fx *f, int timeout_ms)
{
  char line[512];
  for (int waited = 0; waited < timeout_ms; waited += 20) {
    FILE *fp = fopen(f->log, "r");
    bool ready = false;
    while (fp && !ready && fgets(line, sizeof(line), fp))
      ready = strncmp(line, "centra-gxo-sim: centra on", 25) == 0;
    if (fp)
      fclose(fp);
    if (ready)
      return true;
    if (waitpid(f->pid, NULL, WNOHANG) == f->pid) {
      tu_forget(f->pid); /* reaped here: never signal that pid again */
      f->pid = -1;
      return false; /* it exited: a port was taken */
    }
    usleep(20 * 1000);
  }
  return false;
}

/* One attempt on fresh free ports; true once the simulator is ready. */
static inline bool fx_try_start(struct fx *f, const char *const *extra)
{
  static char bin[512], cl[64], gl[64];
  const char *argv[32];
  int n = 0;
  f->cport = tu_free_port();
  do
    f->gport = tu_free_port();
  while (f->gport == f->cport);
  snprintf(cl, sizeof(cl), "127.0.0.1:%d", f->cport);
  snprintf(gl, sizeof(gl), "127.0.0.1:%d", f->gport);
  snprintf(f->c, sizeof(f->c), "http://127.0.0.1:%d", f->cport);
  snprintf(f->g, sizeof(f->g), "http://127.0.0.1:%d", f->gport);
  snprintf(f->log, sizeof(f->log), "/tmp/cg-sim-wms-%d.log", (int)getpid());
  unlink(f->log);
  snprintf(bin, sizeof(bin), "%s/centra-gxo-sim", tu_build_dir());
  const char *fixed[] = {bin, "--centra-listen", cl,  "--gxo-listen",
                         gl,  "--seed",          "42"};
  for (size_t i = 0; i < sizeof(fixed) / sizeof(*fixed); i++)
    argv[n++] = fixed[i];
  for (size_t i = 0; extra && extra[i] && n < 30; i++)
    argv[n++] = extra[i];
  argv[n] = NULL;
  f->pid = tu_spawn((char *const *)argv, f->log);
  /* Our process prints its ready line once both ports listen; a port
   * answering is not enough, another test's process could hold it. */
  if (f->pid > 0 && fx_wait_ready(f, 15000))
    return true;
  if (f->pid > 0)
    tu_stop(f->pid, SIGKILL, 2000);
  return false;
}

static inline void fx_start(struct fx *f, const char *const *extra)
{
  memset(f, 0, sizeof(*f));
  for (int attempt = 0; attempt < 5; attempt++)
    if (fx_try_start(f, extra))
      return;
  fail_msg("centra-gxo-sim did not start; see %s", f->log);
}

static inline bool fx_log_clean(const struct fx *f)
{
  char line[1024];
  bool clean = true;
  FILE *fp = fopen(f->log, "r");
  while (fp && fgets(line, sizeof(line), fp)) {
    if (strstr(line, "Sanitizer") || strstr(line, "runtime error")) {
      fprintf(stderr, "sim log: %s", line);
      clean = false;
    }
  }
  if (fp)
    fclose(fp);
  return clean;
}

/* SIGTERM; the simulator must exit 0 with a clean log. */
static inline void fx_stop(struct fx *f)
{
  int st = tu_stop(f->pid, SIGTERM, 20000);
  f->pid = 0;
  if (!(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0) ||
      !fx_log_clean(f)) {
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "tail -n 60 %s >&2", f->log);
    if (system(cmd) != 0)
      fprintf(stderr, "(no log)\n");
  }
  assert_true(st != -1 && WIFEXITED(st));
  assert_int_equal(WEXITSTATUS(st), 0);
  assert_true(fx_log_clean(f));
  unlink(f->log);
}

static inline void fx_resp_free(struct fx_resp *r)
{
  cJSON_Delete(r->json);
  cg_free(r->headers);
  cg_free(r->body);
  memset(r, 0, sizeof(*r));
}

/* One call. key and token may be NULL; base is f->c or f->g. */
static inline long fx_call(struct fx *f, const char *base, const char *method,
                           const char *path, const char *key, const char *body,
                           struct fx_resp *out)
{
  char url[512], auth[200], idem[300];
  const char *headers[5];
  int n = 0;
  struct tu_http_response r;
  snprintf(url, sizeof(url), "%s%s", base, path);
  headers[n++] = "Content-Type: application/json";
  if (f->token[0] && strncmp(path, "/wms/", 5) == 0) {
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", f->token);
    headers[n++] = auth;
  }
  if (key != NULL) {
    snprintf(idem, sizeof(idem), "Idempotency-Key: %s", key);
    headers[n++] = idem;
  }
  headers[n] = NULL;
  memset(out, 0, sizeof(*out));
  tu_http(method, url, headers, body, &r);
  out->status = r.status;
  out->headers = r.headers;
  out->body = r.body;
  out->json = r.body_len ? cg_json_parse(r.body, r.body_len, NULL) : NULL;
  return out->status;
}

/* Call and forget the answer; returns the status. */
static inline long fx_status(struct fx *f, const char *base, const char *method,
                             const char *path, const char *key,
                             const char *body)
{
  struct fx_resp r;
  long st = fx_call(f, base, method, path, key, body, &r);
  fx_resp_free(&r);
  return st;
}

static inline void fx_token(struct fx *f)
{
  struct tu_http_response r;
  char url[256];
  const char *h[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
  snprintf(url, sizeof(url), "%s/wms/v1/oauth/token", f->g);
  assert_int_equal(tu_http("POST", url, h,
                           "grant_type=client_credentials&client_id=centra-gxo"
                           "&client_secret=gxo-dev-secret",
                           &r),
                   0);
  assert_int_equal(r.status, 200);
  cJSON *j = cg_json_parse(r.body, r.body_len, NULL);
  assert_non_null(cg_json_str(j, "access_token"));
  snprintf(f->token, sizeof(f->token), "%s", cg_json_str(j, "access_token"));
  assert_true(cg_json_int(j, "expires_in", 0) > 0);
  cJSON_Delete(j);
  tu_http_response_free(&r);
}

/* Items SKU-A..SKU-C with 10 units each, as the control API seeds them. */
static inline void fx_seed(struct fx *f)
{
  assert_int_equal(fx_status(f, f->g, "POST", "/_sim/wms/items", NULL,
                             "[{\"sku\":\"SKU-A\",\"gtin\":\"5772428043001\","
                             "\"hsCode\":\"620193\",\"weightKg\":1.2},"
                             "{\"sku\":\"SKU-B\",\"hsCode\":\"620193\"},"
                             "{\"sku\":\"SKU-C\",\"hsCode\":\"620193\"}]"),
                   200);
  assert_int_equal(fx_status(f, f->g, "POST", "/_sim/wms/stock", NULL,
                             "[{\"sku\":\"SKU-A\",\"quantity\":10},"
                             "{\"sku\":\"SKU-B\",\"quantity\":10},"
                             "{\"sku\":\"SKU-C\",\"quantity\":10}]"),
                   200);
}

/* An order body; lines is the JSON text of the lines array. */
static inline char *fx_order(const char *ref, const char *lines)
{
  char *b = cg_malloc(4096);
  snprintf(b, 4096,
           "{\"orderRef\":\"%s\",\"orderDate\":\"2026-03-04T08:12:00Z\","
           "\"currency\":\"EUR\",\"shipTo\":{\"name\":\"Anna Svensson\","
           "\"company\":null,\"address1\":\"Storgatan 1\",\"address2\":null,"
           "\"city\":\"Stockholm\",\"region\":null,\"postalCode\":\"11122\","
           "\"countryCode\":\"SE\",\"phone\":\"+46700000000\","
           "\"email\":\"anna@example.com\"},\"shipping\":{\"carrierCode\":"
           "\"POSTNORD\",\"serviceCode\":\"PN-MYPACK-HOME\","
           "\"servicePointId\":null},\"allowPartialShipment\":true,"
           "\"lines\":%s}",
           ref, lines);
  return b;
}

/* Connects to 127.0.0.1:port and writes data; returns the socket. */
static inline int fx_raw_send(int port, const char *data, size_t len)
{
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (fd == -1 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
    if (fd != -1)
      close(fd);
    return -1;
  }
  size_t off = 0;
  while (off < len) {
    ssize_t w = send(fd, data + off, len - off, MSG_NOSIGNAL);
    if (w <= 0)
      break;
    off += (size_t)w;
  }
  return fd;
}

/* Reads the status code of the first response on fd (0 if none). */
static inline int fx_raw_status(int fd)
{
  char buf[4096];
  size_t len = 0;
  while (len < sizeof(buf) - 1) {
    ssize_t r = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
    if (r <= 0)
      break;
    len += (size_t)r;
    buf[len] = '\0';
    if (strstr(buf, "\r\n\r\n"))
      break;
  }
  buf[len] = '\0';
  int status = 0;
  if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
    status = 0;
  return status;
}

#endif
