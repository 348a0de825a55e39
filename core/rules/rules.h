/*
 * rules: per-merchant business rules in sandboxed Lua 5.4 (ARCHITECTURE §4).
 * A generic engine: it knows no partner and no flow.
 *
 *   caller, at start-up ──▶ cg_rules_register_hooks: "module.name" ->
 *                           result check; cg_rules_register_plan: a
 *                           multi-hook function run per input
 *   rule host call child ──cJSON──▶ cg_rules_call(gen, "module.name", ..)
 *                                   │ one lua_pcall of a C function:
 *                                   │ cJSON→Lua, hook, Lua→cJSON, and the
 *                                   │ caller's check for that hook
 *                                   ▼
 *   struct cg_rules (merchant) ─current─▶ struct cg_rules_gen (refcounted)
 *                                          lua_State + pack name, version,
 *                                          content hash, number, label
 *
 * This is the in-process embedding. The engine's merchants do not call it
 * on their loop thread: their rule host (host.h) runs it in its zygote
 * (loads) and call children (hooks, plans), for the engine and for the
 * CLI (`rules check|test`); the tests and benchmarks call it directly.
 * A struct cg_rules holds a current generation: a lua_State loaded from a
 * pack folder (rules/<pack>/) on top of the defaults in scripts/cg/: one
 * module per registered module name. cg_rules_reload() builds a new
 * generation in a fresh state, validates it (every registered hook is a
 * function, the pack's own tests) and swaps only on success; the old
 * generation stays current otherwise. Callers never touch Lua: every hook
 * takes and returns cJSON. Which hooks exist and what they must return is
 * the caller's (core/flows/hooks.c): every process that builds a
 * generation or runs a plan registers them first.
 *
 * Threading: everything here runs on the thread that created the object;
 * registration happens once, at start-up, before any of it. Calls are
 * bounded by the per-call budget, except C functions that Lua calls,
 * which no hook can stop: hence the rule host.
 *
 * Errors: a failing hook (runtime error, instruction or time budget, memory
 * ceiling, bad return shape) returns CG_ERULE with "file:line: message"
 * followed by a (possibly truncated) traceback in err->msg; the generation
 * stays usable. Callers turn CG_ERULE into a RULE_ERROR exception.
 */
#ifndef CG_RULES_RULES_H
#define CG_RULES_RULES_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cg_err;
struct cg_rules;
struct cg_rules_gen;

/* The engine API version packs declare as `api` in pack.lua. */
#define CG_RULES_API_VERSION 1

/* Defaults applied when an option is 0. */
#define CG_RULES_DEFAULT_MEM_LIMIT (32u * 1024u * 1024u)
#define CG_RULES_DEFAULT_CALL_INSTRUCTIONS 5000000u
#define CG_RULES_DEFAULT_CALL_TIMEOUT_MS 250
#define CG_RULES_DEFAULT_LOAD_INSTRUCTIONS 20000000u
#define CG_RULES_DEFAULT_LOAD_TIMEOUT_MS 1000

/* Generation label buffer size: "<name>@<version>#<8 hex>" fits. */
#define CG_RULES_LABEL_MAX 160

struct cg_rules_opts {
  /* id used in chunk names and logs; required */
  const char *merchant;
  /* the rules/<pack> folder; required */
  const char *pack_dir;
  /* folder holding cg/<module>.lua; NULL = CG_SOURCE_DIR "/scripts" */
  const char *scripts_dir;
  /* bytes per lua_State; 0 = default 32 MiB */
  size_t mem_limit;
  /* per hook call: VM instructions and wall-clock deadline */
  uint64_t call_instructions;
  int64_t call_timeout_ms;
  /* loading all modules (and each pack test file) */
  uint64_t load_instructions;
  int64_t load_timeout_ms;
  /* only for `rules check`; never in production */
  bool skip_pack_tests;
};

/* ---- merchant holder and hot reload ----------------------------------- */

/* Loads the first generation from opts (copied; strings need not outlive
 * the call). Returns 0 and *out, or CG_ERULE/CG_EIO/CG_EINVAL/CG_ENOMEM with
 * err set and *out NULL. A pack that fails to load, validate or pass its
 * own tests is refused. */
int cg_rules_create(const struct cg_rules_opts *opts, struct cg_rules **out,
                    struct cg_err *err);
/* Drops the holder's reference to the current generation; generations still
 * acquired by callers live until their last cg_rules_gen_release().
 * NULL is a no-op. */
void cg_rules_destroy(struct cg_rules *r);

/* Builds a new generation from the same folders (re-read from disk) and
 * swaps it in only if it loads, validates and passes its tests. On failure
 * the current generation keeps running, err says why and the return is
 * negative. When the content hash is unchanged the swap still happens (new
 * number) so a reload is always observable; *changed (may be NULL) tells
 * whether the content differs. Synchronous, on the loop thread; concurrent
 * reload requests are naturally serialised. */
int cg_rules_reload(struct cg_rules *r, bool *changed, struct cg_err *err);
/* The current generation with one more reference; never NULL after a
 * successful create. Pair with cg_rules_gen_release(). */
struct cg_rules_gen *cg_rules_acquire(struct cg_rules *r);
/* Number of reloads refused since create (for metrics). */
uint64_t cg_rules_reload_failures(const struct cg_rules *r);

/* ---- standalone generations (CLI `rules check|test`, tests) ------------ */

/* Builds one generation outside any holder with refcount 1; number is the
 * generation number to record. Same contract as cg_rules_create. */
int cg_rules_gen_load(const struct cg_rules_opts *opts, uint64_t number,
                      struct cg_rules_gen **out, struct cg_err *err);
struct cg_rules_gen *cg_rules_gen_ref(struct cg_rules_gen *g);
/* Drops one reference; the last one closes the lua_State. NULL is a no-op. */
void cg_rules_gen_release(struct cg_rules_gen *g);

/* "default@1.0.0#a1b2c3d4": what every decision records. */
const char *cg_rules_gen_label(const struct cg_rules_gen *g);
const char *cg_rules_gen_name(const struct cg_rules_gen *g);
const char *cg_rules_gen_version(const struct cg_rules_gen *g);
/* 64 lowercase hex digits: SHA-256 over the sorted file names and
 * contents of the pack and of scripts/ (see docs/internals/rules.md). */
const char *cg_rules_gen_hash(const struct cg_rules_gen *g);
uint64_t cg_rules_gen_number(const struct cg_rules_gen *g);
/* Pack tests run at load: cases passed. */
unsigned cg_rules_gen_tests_passed(const struct cg_rules_gen *g);
/* Bytes the generation's lua_State currently holds. */
size_t cg_rules_gen_mem_used(const struct cg_rules_gen *g);

/* ---- what the caller registers: hooks and plans ------------------------ */

/* Hooks and plans registered per process (static storage). */
#define CG_RULES_HOOKS_MAX 64
#define CG_RULES_PLANS_MAX 8

/* Checks what a hook returned, outside Lua. May normalise it in place
 * (replacing *result is allowed: the old value is the check's to free).
 * Returns 0, or -1 with a reason in why (empty: "expected <about>"). */
typedef int (*cg_rules_check_fn)(cJSON **result, char *why, size_t why_size);

struct cg_rules_hook {
  /* "module.name": every pack must end up with this function, its own
   * or the default's from scripts/cg/<module>.lua */
  const char *hook;
  cg_rules_check_fn check; /* NULL: any JSON result */
  /* what the hook returns, for people and for a check without a reason */
  const char *about;
};

/* Registers hooks, a table ending with {NULL} that must outlive every
 * generation (kept by pointer). A pack is made of the hooks' module names,
 * loaded as they first appear; hooks are checked for presence
 * in table sequence. A name registered again replaces its entry, so a second
 * registration of the same table changes nothing. Returns 0, CG_EINVAL (a
 * name is not "module.name") or CG_ELIMIT (past CG_RULES_HOOKS_MAX or 16
 * modules). Building a generation with no hook registered is CG_EINVAL. */
int cg_rules_register_hooks(const struct cg_rules_hook *hooks);

/* A plan: several hook calls for one input, run by the caller's function
 * in one rule host call child for a batch of inputs (host.h
 * cg_rulehost_plans). run returns 0 and *out (a JSON document the caller
 * reads back on the engine side) or an error, as cg_rules_callv. */
typedef int (*cg_rules_plan_fn)(struct cg_rules_gen *g, const cJSON *input,
                                cJSON **out, struct cg_err *err);

struct cg_rules_plan_spec {
  const char *name; /* on the wire: {op: "plans", plan: name} */
  int hooks;        /* hook calls per input at most: its deadline */
  cg_rules_plan_fn run;
  const char *about; /* prefixes the message of a killed input */
};

/* Registers a plan (kept by pointer); a name registered again is
 * replaced. 0, CG_EINVAL or CG_ELIMIT. */
int cg_rules_register_plan(const struct cg_rules_plan_spec *plan);
/* The plan registered under name, or NULL. */
const struct cg_rules_plan_spec *cg_rules_plan_find(const char *name);

/* ---- hook calls --------------------------------------------------------- */

/* Calls a hook "module.name" with nargs JSON arguments (args[i] may be
 * NULL for nil), converts the single result back to JSON and applies the
 * check registered for the hook (none for an unregistered one). On success
 * returns 0 and *out (caller owns, cJSON_Delete; a JSON null item when the hook
 * returned nil). On failure *out is NULL and the return is CG_ERULE (rule
 * failed, err has file:line, message, traceback), CG_ENOTFOUND (unknown hook),
 * CG_EINVAL (bad arguments) or CG_ENOMEM. Never crashes, never leaves the
 * state unusable. */
int cg_rules_callv(struct cg_rules_gen *g, const char *hook,
                   const cJSON *const *args, int nargs, cJSON **out,
                   struct cg_err *err);
/* One-argument form of cg_rules_callv. */
int cg_rules_call(struct cg_rules_gen *g, const char *hook, const cJSON *input,
                  cJSON **out, struct cg_err *err);

#endif
