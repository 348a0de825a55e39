/*
 * rules: per-merchant business rules in sandboxed Lua 5.4 (ARCHITECTURE §4).
 *
 *   rule host call child ──cJSON──▶ cg_rules_call(gen, "orders.accept", ..)
 *                                   │ one lua_pcall of a C function:
 *                                   │ cJSON→Lua, hook, Lua→cJSON, shape check
 *                                   ▼
 *   struct cg_rules (merchant) ─current─▶ struct cg_rules_gen (refcounted)
 *                                          lua_State + pack name, version,
 *                                          content hash, number, label
 *
 * This is the in-process embedding. The engine's merchants do not call it
 * on their loop thread: their rule host (host.h) runs it in its zygote
 * (loads) and call children (hooks, order plans); the CLI (`rules
 * check|test`), a merchant's first boot check and the tests call it
 * directly. A struct cg_rules holds a current generation: a lua_State
 * loaded from a pack folder (rules/<pack>/) on top of the defaults in
 * scripts/cg/. cg_rules_reload() builds a new generation in a fresh
 * state, validates it (hook shapes, the pack's own tests) and swaps only
 * on success; the old generation stays current otherwise. Callers never
 * touch Lua: every hook takes and returns cJSON.
 *
 * Threading: everything here runs on the thread that created the object.
 * Calls are bounded by the per-call budget, except C functions that Lua
 * calls, which no hook can stop: hence the rule host.
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
/* The generation's files (pack and scripts) as JSON text, for saving in
 * the store; caller frees (cg_free). NULL on ENOMEM. */
char *cg_rules_gen_sources(const struct cg_rules_gen *g);
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

/* ---- hook calls --------------------------------------------------------- */

/* Calls a hook "module.name" (e.g. "orders.accept") with nargs JSON
 * arguments (args[i] may be NULL for nil), converts the single result back
 * to JSON and checks its shape for known hooks. On success returns 0 and
 * *out (caller owns, cJSON_Delete; a JSON null item when the hook returned
 * nil). On failure *out is NULL and the return is CG_ERULE (rule failed,
 * err has file:line, message, traceback), CG_ENOTFOUND (unknown hook),
 * CG_EINVAL (bad arguments) or CG_ENOMEM. Never crashes, never leaves the
 * state unusable. */
int cg_rules_callv(struct cg_rules_gen *g, const char *hook,
                   const cJSON *const *args, int nargs, cJSON **out,
                   struct cg_err *err);
/* One-argument form of cg_rules_callv. */
int cg_rules_call(struct cg_rules_gen *g, const char *hook, const cJSON *input,
                  cJSON **out, struct cg_err *err);

/* ---- typed wrappers for the order flow ---------------------------------
 * order is the canonical Centra order (docs/internals/centra-api-subset.md).
 */

#define CG_RULES_REASON_MAX 64
#define CG_RULES_MESSAGE_MAX 256
#define CG_RULES_CODE_MAX 72

/* orders.accept(order) -> {action="accept"} |
 *                         {action="hold", reason=..., message=...} */
struct cg_rules_accept {
  bool accept;
  char reason[CG_RULES_REASON_MAX];   /* "" when accepted */
  char message[CG_RULES_MESSAGE_MAX]; /* "" when accepted */
};
int cg_rules_order_accept(struct cg_rules_gen *g, const cJSON *order,
                          struct cg_rules_accept *out, struct cg_err *err);

/* carriers.map(option, order) -> {carrierCode, serviceCode,
 * servicePointId?} | nil. option is the Centra shipping option
 * {id, name, uri}. mapped=false means UNMAPPED_CARRIER. */
struct cg_rules_carrier {
  bool mapped;
  char carrier_code[CG_RULES_CODE_MAX];
  char service_code[CG_RULES_CODE_MAX];
  char service_point_id[CG_RULES_CODE_MAX]; /* "" when none */
};
int cg_rules_carrier_map(struct cg_rules_gen *g, const cJSON *option,
                         const cJSON *order, struct cg_rules_carrier *out,
                         struct cg_err *err);

/* orders.check_address(order) -> nil | {} | {problem, ...}. On success
 * *problems is a JSON array (caller owns) of {field, code, message}
 * objects, empty when the address is fine; non-empty = INVALID_ADDRESS. */
int cg_rules_address_check(struct cg_rules_gen *g, const cJSON *order,
                           cJSON **problems, struct cg_err *err);

/* orders.payload(order, carrier) -> the warehouse v1 order JSON. The
 * result is shape-checked against the contract's required fields and field
 * limits; *payload is owned by the caller. */
int cg_rules_order_payload(struct cg_rules_gen *g, const cJSON *order,
                           const struct cg_rules_carrier *carrier,
                           cJSON **payload, struct cg_err *err);

/* All four in the order the flow needs them: accept, carrier, address,
 * payload. Outcome decides what the flow does; the label names the
 * generation that decided. A rule failure returns CG_ERULE (RULE_ERROR). */
enum cg_rules_outcome {
  CG_RULES_SEND = 0,             /* payload is set */
  CG_RULES_HOLD = 1,             /* accept said hold: reason/message */
  CG_RULES_UNMAPPED_CARRIER = 2, /* message names the shipping option */
  CG_RULES_INVALID_ADDRESS = 3,  /* problems is set; message summarises */
};
struct cg_rules_plan {
  enum cg_rules_outcome outcome;
  char reason[CG_RULES_REASON_MAX];
  char message[CG_RULES_MESSAGE_MAX];
  struct cg_rules_carrier carrier;
  cJSON *problems; /* INVALID_ADDRESS only; freed by cg_rules_plan_clear */
  cJSON *payload;  /* SEND only; freed by cg_rules_plan_clear */
  char label[CG_RULES_LABEL_MAX];
};
int cg_rules_order_plan(struct cg_rules_gen *g, const cJSON *order,
                        struct cg_rules_plan *out, struct cg_err *err);
/* Frees problems/payload and zeroes the plan; safe on a zeroed plan. */
void cg_rules_plan_clear(struct cg_rules_plan *p);

/* The plan as JSON (the rule host's wire form, docs/internals/rules.md):
 * {outcome: "SEND"|"HOLD"|..., reason, message, label, carrier: {mapped,
 * carrierCode, serviceCode, servicePointId}, problems?, payload?}.
 * Caller owns; NULL on ENOMEM. */
cJSON *cg_rules_plan_json(const struct cg_rules_plan *p);
/* Reads a plan from its JSON form; problems and payload are detached
 * from j into *out (clear it with cg_rules_plan_clear). CG_EINVAL with
 * err for a document that is not a plan. */
int cg_rules_plan_from_json(cJSON *j, struct cg_rules_plan *out,
                            struct cg_err *err);

/* Exception type name for an outcome: "UNMAPPED_CARRIER", ... ("" for
 * SEND). */
const char *cg_rules_outcome_name(enum cg_rules_outcome o);

#endif
