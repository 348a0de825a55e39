/*
 * gen: rule generations and hot reload (STYLE §10).
 *
 *   build:  read files -> hash -> fresh lua_State -> load modules under the
 *           load budget -> check hook shapes -> run the pack's tests
 *   swap:   only when build succeeded; the old generation is released
 *   keep:   on any failure the current generation stays, err says why
 *
 * Generations are refcounted: the holder owns one reference, each caller
 * that acquires one owns another; the lua_State closes with the last
 * release, so a reload during an evaluation never pulls the state from
 * under it. All of it runs on the merchant's loop thread (plain counters).
 */
#include "rules/rules_int.h"

#include "base/err.h"
#include "base/log.h"
#include "base/mem.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

struct cg_rules {
  struct cg_rules_opts opts; /* strings owned (cg_strdup) */
  struct cg_rules_gen *current;
  uint64_t failures;
};

#ifndef CG_SOURCE_DIR
#define CG_SOURCE_DIR "."
#endif

static void gen_free(struct cg_rules_gen *g)
{
  if (g == NULL)
    return;
  cg__sandbox_close(g);
  cg__files_free(&g->pack);
  cg__files_free(&g->scripts);
  cg_free(g);
}

static void apply_limits(struct cg_rules_gen *g, const struct cg_rules_opts *o)
{
  g->mem_limit = o->mem_limit ? o->mem_limit : CG_RULES_DEFAULT_MEM_LIMIT;
  g->call_instructions = o->call_instructions
                             ? o->call_instructions
                             : CG_RULES_DEFAULT_CALL_INSTRUCTIONS;
  g->call_timeout_ms = o->call_timeout_ms ? o->call_timeout_ms
                                          : CG_RULES_DEFAULT_CALL_TIMEOUT_MS;
  g->load_instructions = o->load_instructions
                             ? o->load_instructions
                             : CG_RULES_DEFAULT_LOAD_INSTRUCTIONS;
  g->load_timeout_ms = o->load_timeout_ms ? o->load_timeout_ms
                                          : CG_RULES_DEFAULT_LOAD_TIMEOUT_MS;
}

static int read_sources(struct cg_rules_gen *g, const struct cg_rules_opts *o,
                        struct cg_err *err)
{
  char scripts[512];
  snprintf(scripts, sizeof(scripts), "%s",
           o->scripts_dir ? o->scripts_dir : CG_SOURCE_DIR "/scripts");
  int rc = cg__files_read(o->pack_dir, &g->pack, err);
  if (rc == 0)
    rc = cg__files_read(scripts, &g->scripts, err);
  return rc;
}

static struct cg_rules_gen *gen_new(const struct cg_rules_opts *o,
                                    uint64_t number, struct cg_err *err)
{
  struct cg_rules_gen *g = cg_calloc(1, sizeof(*g));
  if (g == NULL) {
    cg_err_set(err, CG_ENOMEM, "rules: no memory for a generation");
    return NULL;
  }
  g->refs = 1;
  g->number = number;
  snprintf(g->merchant, sizeof(g->merchant), "%s", o->merchant);
  snprintf(g->pack_dir, sizeof(g->pack_dir), "%s", o->pack_dir);
  apply_limits(g, o);
  return g;
}

/* The files are in g: hash, sandbox, modules, label, pack tests. */
static int gen_finish(struct cg_rules_gen *g, const struct cg_rules_opts *o,
                      struct cg_err *err)
{
  if (cg__hook_count() == 0) /* a pack of no modules would load "fine" */
    return cg_err_set(err, CG_EINVAL,
                      "rules: no hooks registered (cg_rules_register_hooks "
                      "comes first)");
  int rc = cg__pack_hash(g, err);
  if (rc == 0)
    rc = cg__sandbox_open(g, err);
  if (rc == 0)
    rc = cg__pcall(g, cg__pack_load, NULL, g->load_instructions,
                   g->load_timeout_ms, err);
  if (rc == 0)
    snprintf(g->label, sizeof(g->label), "%s@%s#%.8s", g->name, g->version,
             g->hash);
  if (rc == 0 && !o->skip_pack_tests)
    rc = cg__packtest_run(g, err);
  if (rc == 0)
    lua_gc(g->L, LUA_GCCOLLECT);
  return rc;
}

static int build(const struct cg_rules_opts *o, uint64_t number,
                 struct cg_rules_gen **out, struct cg_err *err)
{
  *out = NULL;
  if (o == NULL || o->merchant == NULL || o->pack_dir == NULL)
    return cg_err_set(err, CG_EINVAL, "rules: merchant and pack_dir needed");
  struct cg_rules_gen *g = gen_new(o, number, err);
  if (g == NULL)
    return CG_ENOMEM;
  int rc = read_sources(g, o, err);
  if (rc == 0)
    rc = gen_finish(g, o, err);
  if (rc != 0) {
    gen_free(g);
    return rc;
  }
  *out = g;
  return 0;
}

int cg__gen_build_files(const struct cg_rules_opts *o, uint64_t number,
                        struct cg__files *pack, struct cg__files *scripts,
                        struct cg_rules_gen **out, struct cg_err *err)
{
  *out = NULL;
  int rc = 0;
  struct cg_rules_gen *g = NULL;
  if (o == NULL || o->merchant == NULL || o->pack_dir == NULL)
    rc = cg_err_set(err, CG_EINVAL, "rules: merchant and pack_dir needed");
  else if ((g = gen_new(o, number, err)) == NULL)
    rc = CG_ENOMEM;
  if (rc != 0) {
    cg__files_free(pack);
    cg__files_free(scripts);
    return rc;
  }
  g->pack = *pack;
  g->scripts = *scripts;
  memset(pack, 0, sizeof(*pack));
  memset(scripts, 0, sizeof(*scripts));
  rc = gen_finish(g, o, err);
  if (rc != 0) {
    gen_free(g);
    return rc;
  }
  *out = g;
  return 0;
}

int cg_rules_gen_load(const struct cg_rules_opts *opts, uint64_t number,
                      struct cg_rules_gen **out, struct cg_err *err)
{
  int rc = build(opts, number, out, err);
  if (rc == 0)
    cg_log_info("rules",
                "[rules:merchant=%s] loaded generation %s "
                "(#%" PRIu64 ", %u pack tests passed)",
                (*out)->merchant, (*out)->label, number, (*out)->tests_passed);
  return rc;
}

struct cg_rules_gen *cg_rules_gen_ref(struct cg_rules_gen *g)
{
  assert(g != NULL && g->refs > 0);
  g->refs++;
  return g;
}

void cg_rules_gen_release(struct cg_rules_gen *g)
{
  if (g == NULL)
    return;
  assert(g->refs > 0);
  if (--g->refs == 0)
    gen_free(g);
}

const char *cg_rules_gen_label(const struct cg_rules_gen *g)
{
  return g->label;
}

const char *cg_rules_gen_name(const struct cg_rules_gen *g)
{
  return g->name;
}

const char *cg_rules_gen_version(const struct cg_rules_gen *g)
{
  return g->version;
}

const char *cg_rules_gen_hash(const struct cg_rules_gen *g)
{
  return g->hash;
}

uint64_t cg_rules_gen_number(const struct cg_rules_gen *g)
{
  return g->number;
}

unsigned cg_rules_gen_tests_passed(const struct cg_rules_gen *g)
{
  return g->tests_passed;
}

size_t cg_rules_gen_mem_used(const struct cg_rules_gen *g)
{
  return g->mem_used;
}

/* ---- the merchant holder ----------------------------------------------- */

static void opts_free(struct cg_rules_opts *o)
{
  cg_free((char *)o->merchant);
  cg_free((char *)o->pack_dir);
  cg_free((char *)o->scripts_dir);
}

static int opts_copy(struct cg_rules_opts *dst, const struct cg_rules_opts *src)
{
  *dst = *src;
  dst->merchant = cg_strdup(src->merchant);
  dst->pack_dir = cg_strdup(src->pack_dir);
  dst->scripts_dir = src->scripts_dir ? cg_strdup(src->scripts_dir) : NULL;
  if (dst->merchant == NULL || dst->pack_dir == NULL ||
      (src->scripts_dir != NULL && dst->scripts_dir == NULL)) {
    opts_free(dst);
    return CG_ENOMEM;
  }
  return 0;
}

int cg_rules_create(const struct cg_rules_opts *opts, struct cg_rules **out,
                    struct cg_err *err)
{
  *out = NULL;
  if (opts == NULL || opts->merchant == NULL || opts->pack_dir == NULL)
    return cg_err_set(err, CG_EINVAL, "rules: merchant and pack_dir needed");
  struct cg_rules *r = cg_calloc(1, sizeof(*r));
  if (r == NULL || opts_copy(&r->opts, opts) != 0) {
    cg_free(r);
    return cg_err_set(err, CG_ENOMEM, "rules: no memory");
  }
  int rc = cg_rules_gen_load(&r->opts, 1, &r->current, err);
  if (rc != 0) {
    opts_free(&r->opts);
    cg_free(r);
    return rc;
  }
  *out = r;
  return 0;
}

void cg_rules_destroy(struct cg_rules *r)
{
  if (r == NULL)
    return;
  cg_rules_gen_release(r->current);
  r->current = NULL;
  opts_free(&r->opts);
  cg_free(r);
}

int cg_rules_reload(struct cg_rules *r, bool *changed, struct cg_err *err)
{
  struct cg_rules_gen *next;
  struct cg_rules_gen *cur = r->current;
  int rc = build(&r->opts, cur->number + 1, &next, err);
  if (rc != 0) {
    r->failures++;
    cg_err_prefix(err, "reload refused, keeping %s", cur->label);
    cg_log_warn("rules", "[rules:merchant=%s] %s", r->opts.merchant,
                err ? err->msg : "reload refused");
    return rc;
  }
  bool diff = strcmp(next->hash, cur->hash) != 0;
  if (changed != NULL)
    *changed = diff;
  cg_log_info("rules",
              "[rules:merchant=%s] swapped %s (#%" PRIu64 ") for "
              "%s (#%" PRIu64 ")%s",
              r->opts.merchant, cur->label, cur->number, next->label,
              next->number, diff ? "" : ", content unchanged");
  r->current = next;
  cg_rules_gen_release(cur);
  return 0;
}

struct cg_rules_gen *cg_rules_acquire(struct cg_rules *r)
{
  return cg_rules_gen_ref(r->current);
}

uint64_t cg_rules_reload_failures(const struct cg_rules *r)
{
  return r->failures;
}
