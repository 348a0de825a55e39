/*
 * test_partners_fixture: what the partner-client e2e tests share
 * (test_partners_gxo.c, test_partners_centra.c): starting centra-gxo-sim
 * on free loopback ports, capturing one cg_call_result from a real uv
 * loop, talking to the simulator's /_sim control API, and closing the
 * loop cleanly (uv_loop_close == 0).
 */
#ifndef CG_TEST_PARTNERS_FIXTURE_H
#define CG_TEST_PARTNERS_FIXTURE_H

#include "testutil.h"

#include "base/json.h"
#include "base/mem.h"
#include "base/time.h"
#include "net/call.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>

struct pf_sim {
  pid_t pid;
  char centra[64]; /* "http://127.0.0.1:<port>" */
  char gxo[64];
};

/* Starts the simulator with extra "--opt", "value" pairs (NULL-ended). */
static inline void pf_sim_start(struct pf_sim *s, const char *const *extra)
{
  int cport = tu_free_port();
  int gport = tu_free_port();
  while (gport == cport)
    gport = tu_free_port();
  char bin[512], clisten[32], glisten[32];
  snprintf(bin, sizeof(bin), "%s/centra-gxo-sim", tu_build_dir());
  snprintf(clisten, sizeof(clisten), "127.0.0.1:%d", cport);
  snprintf(glisten, sizeof(glisten), "127.0.0.1:%d", gport);
  char *argv[32] = {bin,     "--centra-listen", clisten, "--gxo-listen",
                    glisten, "--seed",          "7"};
  size_t n = 7;
  for (size_t i = 0; extra != NULL && extra[i] != NULL && n < 30; i++)
    argv[n++] = (char *)extra[i];
  argv[n] = NULL;
  s->pid = tu_spawn(argv, NULL);
  assert_true(s->pid > 0);
  assert_int_equal(tu_wait_port(cport, 10000), 0);
  assert_int_equal(tu_wait_port(gport, 10000), 0);
  snprintf(s->centra, sizeof(s->centra), "http://%s", clisten);
  snprintf(s->gxo, sizeof(s->gxo), "http://%s", glisten);
}

static inline void pf_sim_stop(struct pf_sim *s)
{
  if (s->pid > 0)
    tu_stop(s->pid, SIGTERM, 5000);
  s->pid = 0;
}

/* One operation's result as seen by its callback. */
struct pf_capture {
  int calls;
  struct cg_call_result res; /* copy; data moved to .data */
  cJSON *data;               /* taken from the callback (cJSON_Delete) */
};

static inline void pf_on_done(struct cg_call_result *res, void *arg)
{
  struct pf_capture *cap = arg;
  cap->calls++;
  cJSON_Delete(cap->data);
  cap->res = *res;
  cap->data = res->data;
  cap->res.data = NULL;
  res->data = NULL; /* taken */
}

static inline void pf_capture_reset(struct pf_capture *cap)
{
  cJSON_Delete(cap->data);
  memset(cap, 0, sizeof(*cap));
}

/* Runs the loop until cap's callback fired (asserting it did within
 * timeout_ms and exactly once). */
static inline void pf_wait(uv_loop_t *loop, struct pf_capture *cap,
                           int timeout_ms)
{
  int64_t end = cg_time_mono_ms() + timeout_ms;
  while (cap->calls == 0 && cg_time_mono_ms() < end) {
    if (uv_run(loop, UV_RUN_ONCE) == 0)
      uv_sleep(1);
  }
  assert_int_equal(cap->calls, 1);
}

/* Runs the loop briefly so close callbacks run, then closes it. */
static inline void pf_loop_close(uv_loop_t *loop)
{
  for (int i = 0; i < 1000 && uv_loop_alive(loop); i++)
    uv_run(loop, UV_RUN_NOWAIT);
  assert_int_equal(uv_loop_close(loop), 0);
}

/* A control call; returns the parsed body (caller frees) after asserting
 * a 2xx status. */
static inline cJSON *pf_control(const char *base, const char *method,
                                const char *path, const char *body)
{
  char url[512];
  snprintf(url, sizeof(url), "%s%s", base, path);
  const char *headers[] = {"Content-Type: application/json", NULL};
  struct tu_http_response r = {0};
  assert_int_equal(tu_http(method, url, headers, body, &r), 0);
  if (r.status < 200 || r.status > 299)
    fprintf(stderr, "control %s %s -> %ld: %s\n", method, path, r.status,
            r.body ? r.body : "");
  assert_true(r.status >= 200 && r.status <= 299);
  cJSON *doc = r.body_len ? cg_json_parse(r.body, r.body_len, NULL) : NULL;
  tu_http_response_free(&r);
  return doc;
}

/* Requests the simulator saw on side ("centra" | "gxo") for method
 * (NULL = any) and path; a path ending in '*' matches as a prefix. */
static inline int pf_count_calls(const char *base, const char *side,
                                 const char *method, const char *path)
{
  size_t plen = strlen(path);
  bool prefix = plen > 0 && path[plen - 1] == '*';
  char q[128];
  snprintf(q, sizeof(q), "/_sim/calls?side=%s&limit=100000", side);
  cJSON *doc = pf_control(base, "GET", q, NULL);
  int n = 0;
  const cJSON *c;
  cJSON_ArrayForEach(c, cg_json_get(doc, "calls"))
  {
    const char *m = cg_json_str(c, "method");
    const char *p = cg_json_str(c, "path");
    bool path_ok =
        p && (prefix ? strncmp(p, path, plen - 1) == 0 : strcmp(p, path) == 0);
    if (m && (method == NULL || strcmp(m, method) == 0) && path_ok)
      n++;
  }
  cJSON_Delete(doc);
  return n;
}

/* Waits until the port's sink holds a request whose body contains
 * needle; returns its index (body and header read with pf_sink_get). */
static inline int pf_sink_wait(const char *base, const char *needle,
                               int timeout_ms)
{
  int64_t end = cg_time_mono_ms() + timeout_ms;
  while (cg_time_mono_ms() < end) {
    cJSON *doc = pf_control(base, "GET", "/_sim/sink", NULL);
    int n = (int)cg_json_int(doc, "count", 0);
    cJSON_Delete(doc);
    for (int i = 0; i < n; i++) {
      char url[256];
      snprintf(url, sizeof(url), "%s/_sim/sink/%d/body", base, i);
      struct tu_http_response r = {0};
      assert_int_equal(tu_http("GET", url, NULL, NULL, &r), 0);
      bool hit = r.body != NULL && strstr(r.body, needle) != NULL;
      tu_http_response_free(&r);
      if (hit)
        return i;
    }
    uv_sleep(50);
  }
  fail_msg("no webhook containing %s reached the sink", needle);
  return -1;
}

/* Raw body (cg_free) and one header (into hdr) of sink entry i. */
static inline char *pf_sink_get(const char *base, int i, const char *header,
                                char *hdr, size_t size, size_t *len)
{
  char url[256];
  struct tu_http_response r = {0};
  snprintf(url, sizeof(url), "%s/_sim/sink/%d/header?name=%s", base, i, header);
  assert_int_equal(tu_http("GET", url, NULL, NULL, &r), 0);
  assert_int_equal(r.status, 200);
  snprintf(hdr, size, "%s", r.body);
  tu_http_response_free(&r);
  snprintf(url, sizeof(url), "%s/_sim/sink/%d/body", base, i);
  assert_int_equal(tu_http("GET", url, NULL, NULL, &r), 0);
  char *body = r.body;
  *len = r.body_len;
  r.body = NULL;
  tu_http_response_free(&r);
  return body;
}

#endif
