/*
 * host_main: the rule host process, `<engine binary> __rule-host MERCHANT`
 * (a hidden subcommand; the engine starts one per merchant through
 * core/rules/host.c). It is a zygote:
 *
 *   stdin ──frames──▶ read ─▶ load: build a generation from the files in
 *                       │           the request (pack tests in a child),
 *                       │           keep it on success
 *                       ├─▶ plans: a registered plan on each input, in a
 *                       │          child (host_plan.c)
 *                       └─▶ call/batch: fork; the child runs the hook(s)
 *                               on its copy-on-write copy of the
 *                               generation and leaves its reply in the
 *                               shared page; the zygote reaps it (kill at
 *                               the deadline) and frames the reply
 *   stdout ◀─frames── write (only the zygote writes frames)
 *   stderr: log lines, which the engine forwards into its log
 *
 * The zygote never runs a hook itself (pack tests run in a child too), so
 * every call starts from the generation exactly as loaded. Limits and
 * filters are in host_child.c. It opens no file after start: the engine
 * sends every file. It exits when stdin closes or a frame is malformed.
 */
#include "rules/host.h"
#include "rules/host_int.h"
#include "rules/rules_int.h"

#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define MAX_ARGS 8

/* ---- frames on stdin/stdout -------------------------------------------- */

/* 0 when n bytes were read, 1 on end of file before the first byte, -1
 * on an error or a short read. */
static int read_full(int fd, void *buf, size_t n)
{
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, (char *)buf + got, n - got);
    if (r == -1 && errno == EINTR)
      continue;
    if (r <= 0)
      return r == 0 && got == 0 ? 1 : -1;
    got += (size_t)r;
  }
  return 0;
}

static int write_full(int fd, const void *buf, size_t n)
{
  size_t done = 0;
  while (done < n) {
    ssize_t w = write(fd, (const char *)buf + done, n - done);
    if (w == -1 && errno == EINTR)
      continue;
    if (w == -1)
      return -1;
    done += (size_t)w;
  }
  return 0;
}

/* A frame that cannot be written means the engine is gone: exit. */
static void write_frame(const char *text, size_t len)
{
  uint8_t head[4];
  cg__frame_header(head, (uint32_t)len);
  if (write_full(1, head, sizeof(head)) == -1 || write_full(1, text, len) == -1)
    _exit(0);
}

static void write_json(cJSON *reply)
{
  char *text = reply ? cJSON_PrintUnformatted(reply) : NULL;
  if (text == NULL)
    _exit(3); /* out of memory: the engine restarts the host */
  write_frame(text, strlen(text));
  cJSON_free(text);
  cJSON_Delete(reply);
}

/* The next request text (cg_free), or NULL at end of input. */
static char *read_frame(size_t *len)
{
  uint8_t head[4];
  int rc = read_full(0, head, sizeof(head));
  if (rc != 0)
    return NULL;
  *len = cg__frame_len(head);
  if (*len == 0 || *len > CG__FRAME_MAX) {
    cg_log_error("rulehost", "frame of %zu bytes refused; exiting", *len);
    return NULL;
  }
  char *buf = cg_malloc(*len + 1);
  if (buf == NULL || read_full(0, buf, *len) != 0) {
    cg_free(buf);
    return NULL;
  }
  buf[*len] = '\0';
  return buf;
}

/* ---- load -------------------------------------------------------------- */

static int files_from_json(const cJSON *files, struct cg__files *pack,
                           struct cg__files *scripts, struct cg_err *err)
{
  int rc = 0;
  const cJSON *f;
  cJSON_ArrayForEach(f, files)
  {
    const char *name = cg_json_str(f, "name");
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(f, "text");
    bool in_pack = name && strncmp(name, "pack/", 5) == 0;
    bool in_scripts = name && strncmp(name, "scripts/", 8) == 0;
    if ((!in_pack && !in_scripts) || !cJSON_IsString(text))
      rc = cg_err_set(err, CG_EINVAL, "load: bad file entry");
    else
      rc = cg__files_add(in_pack ? pack : scripts, strchr(name, '/') + 1,
                         text->valuestring, strlen(text->valuestring), err);
    if (rc != 0)
      return rc;
  }
  cg__files_sort(pack);
  cg__files_sort(scripts);
  return 0;
}

/* Call child: the pack tests of the generation in arg. */
static void run_packtests(struct cg__host *z, void *arg)
{
  struct cg_rules_gen *g = arg;
  struct cg_err err = {0};
  int rc = cg__packtest_run(g, &err);
  cJSON *r = rc == 0 ? cJSON_CreateObject() : cg__reply_error(-1, rc, err.msg);
  if (rc == 0 && r != NULL)
    cJSON_AddNumberToObject(r, "tests_passed", g->tests_passed);
  cg__host_shm_put(z, r);
  cJSON_Delete(r);
}

/* Runs the pack tests of g in a call child, after telling the engine
 * (its watchdog moves to the tests' deadline). */
static int packtests_in_child(struct cg__host *z, double id,
                              struct cg_rules_gen *g, struct cg_err *err)
{
  cJSON *progress = cJSON_CreateObject();
  cJSON_AddNumberToObject(progress, "id", id);
  cJSON_AddStringToObject(progress, "progress", "tests");
  write_json(progress);
  struct cg__fork_limits lim = {
      .deadline_ms = cg__host_tests_deadline_ms(g->load_timeout_ms),
      .mem_limit = g->mem_limit};
  int rc = cg__host_fork(z, &lim, run_packtests, g, err);
  if (rc != 0)
    return cg_err_prefix(err, "pack tests");
  size_t len;
  const char *text = cg__host_reply(z, &len);
  cJSON *r = cg_json_parse(text, len, err);
  if (r == NULL)
    return CG_ERULE;
  if (cJSON_HasObjectItem(r, "error"))
    rc = cg_err_set(err, cg__code_from_name(cg_json_str(r, "code")), "%s",
                    cg_json_str(r, "error"));
  else
    g->tests_passed = (unsigned)cg_json_int(r, "tests_passed", 0);
  cJSON_Delete(r);
  return rc;
}

static cJSON *load_reply(double id, const struct cg_rules_gen *g)
{
  cJSON *r = cJSON_CreateObject();
  if (r == NULL || !cJSON_AddNumberToObject(r, "id", id) ||
      !cJSON_AddTrueToObject(r, "ok") ||
      !cJSON_AddStringToObject(r, "label", g->label) ||
      !cJSON_AddStringToObject(r, "name", g->name) ||
      !cJSON_AddStringToObject(r, "version", g->version) ||
      !cJSON_AddStringToObject(r, "hash", g->hash) ||
      !cJSON_AddNumberToObject(r, "number", (double)g->number) ||
      !cJSON_AddNumberToObject(r, "tests_passed", g->tests_passed) ||
      !cJSON_AddNumberToObject(r, "mem_used", (double)g->mem_used)) {
    cJSON_Delete(r);
    return NULL;
  }
  return r;
}

static cJSON *do_load(struct cg__host *z, double id, const cJSON *req)
{
  struct cg_rules_opts o = {.merchant = z->merchant,
                            .pack_dir = cg_json_str(req, "pack_dir"),
                            .skip_pack_tests = true};
  if (o.pack_dir == NULL)
    o.pack_dir = z->merchant;
  cg__limits_from_json(cJSON_GetObjectItemCaseSensitive(req, "limits"), &o);
  struct cg__files pack = {0}, scripts = {0};
  struct cg_rules_gen *g = NULL;
  struct cg_err err = {0};
  int rc = files_from_json(cJSON_GetObjectItemCaseSensitive(req, "files"),
                           &pack, &scripts, &err);
  if (rc == 0)
    rc = cg__gen_build_files(&o, (uint64_t)cg_json_int(req, "number", 1), &pack,
                             &scripts, &g, &err);
  cg__files_free(&pack);
  cg__files_free(&scripts);
  if (rc == 0 && !cg_json_bool(req, "skip_tests", false))
    rc = packtests_in_child(z, id, g, &err);
  if (rc != 0) {
    cg_rules_gen_release(g);
    cg_log_debug("rulehost", "[rulehost:merchant=%s] load refused: %s",
                 z->merchant, err.msg);
    return cg__reply_error(id, rc, err.msg);
  }
  cg_rules_gen_release(z->gen);
  z->gen = g;
  cg_log_debug("rulehost", "[rulehost:merchant=%s] loaded %s (%u pack tests)",
               z->merchant, g->label, g->tests_passed);
  return load_reply(id, g);
}

/* ---- calls (in the call child) ----------------------------------------- */

struct job {
  double id;
  const cJSON *req;
  bool batch;
};

/* {ok: true, result} | {ok: false, code, error} for one {hook, args}. */
static cJSON *call_one(struct cg_rules_gen *g, const cJSON *call)
{
  const char *hook = cg_json_str(call, "hook");
  const cJSON *args = cJSON_GetObjectItemCaseSensitive(call, "args");
  const cJSON *argv[MAX_ARGS];
  int nargs = 0;
  const cJSON *a;
  cJSON_ArrayForEach(a, args)
  {
    if (nargs == MAX_ARGS)
      return cg__reply_error(-1, CG_EINVAL, "more than 8 arguments");
    argv[nargs++] = cJSON_IsNull(a) ? NULL : a;
  }
  struct cg_err err = {0};
  cJSON *out = NULL;
  int rc = hook ? cg_rules_callv(g, hook, argv, nargs, &out, &err)
                : cg_err_set(&err, CG_EINVAL, "a call needs a hook");
  cJSON *r = rc != 0 ? cg__reply_error(-1, rc, err.msg) : cJSON_CreateObject();
  if (r == NULL || rc != 0)
    return r;
  cJSON_AddTrueToObject(r, "ok");
  cJSON_AddItemToObject(r, "result", out);
  return r;
}

static cJSON *run_batch(struct cg_rules_gen *g, const cJSON *calls)
{
  cJSON *r = cJSON_CreateObject();
  cJSON *results = cJSON_AddArrayToObject(r, "results");
  const cJSON *c;
  cJSON_ArrayForEach(c, calls)
  {
    cJSON *one = call_one(g, c);
    if (one == NULL) {
      cJSON_Delete(r);
      return NULL;
    }
    cJSON_AddItemToArray(results, one);
  }
  cJSON_AddTrueToObject(r, "ok");
  return r;
}

static void run_calls(struct cg__host *z, void *arg)
{
  struct job *j = arg;
  cJSON *r = j->batch ? run_batch(z->gen, cJSON_GetObjectItem(j->req, "calls"))
                      : call_one(z->gen, j->req);
  if (r != NULL)
    cJSON_AddNumberToObject(r, "id", j->id);
  cg__host_shm_put(z, r);
  cJSON_Delete(r);
}

static void do_calls(struct cg__host *z, double id, const cJSON *req,
                     bool batch)
{
  const cJSON *calls = cJSON_GetObjectItemCaseSensitive(req, "calls");
  int n = batch ? cJSON_GetArraySize(calls) : 1;
  struct cg_err err = {0};
  if (z->gen == NULL) {
    write_json(cg__reply_error(id, CG_ENOTFOUND, "no generation loaded"));
    return;
  }
  if (batch && !cJSON_IsArray(calls)) {
    write_json(cg__reply_error(id, CG_EINVAL, "batch needs calls: [...]"));
    return;
  }
  struct job j = {.id = id, .req = req, .batch = batch};
  struct cg__fork_limits lim = {
      .deadline_ms = cg__host_call_deadline_ms(z->gen->call_timeout_ms, n),
      .hook_ms = cg__host_call_deadline_ms(z->gen->call_timeout_ms, 1),
      .mem_limit = z->gen->mem_limit};
  if (cg__host_fork(z, &lim, run_calls, &j, &err) != 0) {
    if (batch)
      cg_err_prefix(&err, "batch of %d calls", n);
    else
      cg_err_prefix(&err, "%s", cg_json_str(req, "hook"));
    write_json(cg__reply_error(id, CG_ERULE, err.msg));
    return;
  }
  size_t len;
  const char *text = cg__host_reply(z, &len);
  write_frame(text, len);
}

/* ---- the loop ---------------------------------------------------------- */

/* 0, or -1 for a request that is not one (the host then exits). */
static int handle(struct cg__host *z, const char *text, size_t len)
{
  cJSON *req = cg_json_parse(text, len, NULL);
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(req, "id");
  const char *op = cg_json_str(req, "op");
  int rc = 0;
  if (!cJSON_IsNumber(id) || op == NULL)
    rc = -1;
  else if (strcmp(op, "load") == 0)
    write_json(do_load(z, id->valuedouble, req));
  else if (strcmp(op, "plans") == 0)
    write_json(cg__host_do_plans(z, id->valuedouble, req));
  else if (strcmp(op, "call") == 0 || strcmp(op, "batch") == 0)
    do_calls(z, id->valuedouble, req, op[0] == 'b');
  else
    write_json(cg__reply_error(id->valuedouble, CG_EINVAL, "unknown op"));
  cJSON_Delete(req);
  return rc;
}

int cg_rulehost_main(int argc, char **argv)
{
  struct cg__host z = {.statm_fd = -1};
  snprintf(z.merchant, sizeof(z.merchant), "%s", argc > 1 ? argv[1] : "?");
  struct cg_err err = {0};
  if (cg__host_lockdown(&z, &err) != 0) {
    cg_log_error("rulehost", "[rulehost:merchant=%s] %s; exiting", z.merchant,
                 err.msg);
    _exit(2);
  }
  int rc = 0;
  char *text;
  size_t len = 0;
  while (rc == 0 && (text = read_frame(&len)) != NULL) {
    rc = handle(&z, text, len);
    cg_free(text);
  }
  cg_rules_gen_release(z.gen);
  _exit(rc == 0 ? 0 : 3); /* no exit handlers: see host_child.c */
}
