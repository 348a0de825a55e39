/*
 * rules_int: internals shared by the core/rules/ C files; not for other
 * layers (they use rules.h).
 *
 *   sandbox.c   lua_State, allocator ceiling, budget hook, _ENV, pcall
 *   strlib.c    string library wrappers with input caps
 *   convert.c   cJSON <-> Lua with a depth limit
 *   pack.c      pack files, content hash, require, module merge
 *   packtest.c  the pack's own tests (tests/<name>.lua)
 *   gen.c       generations: build, refcount, hot reload
 *   call.c      hook calls and the registered result checks
 *   registry.c  the hooks and plans the caller registered
 *
 * A generation owns one lua_State; the state's extra space holds a pointer
 * back to the generation so C functions called from Lua find their host
 * context without globals.
 */
#ifndef CG_RULES_INT_H
#define CG_RULES_INT_H

#include "rules/rules.h"

#include <lua.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cg_err;

#define CG__JSON_MAX_DEPTH 32 /* nesting levels either way */
#define CG__HOOK_STEP 1000    /* VM instructions between budget checks */
#define CG__MAX_FILES 256     /* .lua files per pack or scripts tree */
#define CG__MAX_FILE_BYTES (1u << 20)
#define CG__STRING_RESULT_MAX (1u << 20) /* string.rep and friends */
#define CG__PATTERN_COST_MAX 100000000.0 /* worst-case match steps */
#define CG__PACKTEST_LOADS 5      /* all pack tests: this many load timeouts */
#define CG__RESULT_MAX (1u << 20) /* a hook result, as JSON (approx.) */
#define CG__TESTDATA_MAX (8u << 20) /* one pack test file, as JSON */

/* Registry keys (light userdata addresses are unique per process). */
extern const char cg__key_modules;  /* table: module name -> eff. table */
extern const char cg__key_loaded;   /* table: require cache */
extern const char cg__key_env;      /* the pack's _ENV */
extern const char cg__key_array_mt; /* marker metatable for JSON arrays */
extern const char cg__key_object_mt;

struct cg__file {
  char *name; /* relative, '/'-separated: "<m>.lua", "cg/<m>.lua" */
  char *data;
  size_t len;
};

struct cg__files {
  struct cg__file *v;
  size_t n;
  size_t cap;
};

struct cg_rules_gen {
  lua_State *L;
  int refs;
  bool busy; /* inside a call: re-entry is a bug */
  uint64_t number;
  char merchant[64];
  char pack_dir[512];
  char name[64];
  char version[40];
  char hash[65];
  char label[CG_RULES_LABEL_MAX];
  struct cg__files pack;    /* every .lua file of the pack, sorted */
  struct cg__files scripts; /* every .lua file under scripts/, sorted */
  size_t mem_used;
  size_t mem_limit;
  /* budget of the call in progress */
  uint64_t instr_used;
  uint64_t instr_limit;
  int64_t deadline_ms;
  bool killed;
  char kill_reason[64];
  char where[200];    /* "acme/<m>.lua:10" of the hook being called */
  size_t json_budget; /* bytes the conversion in progress may emit */
  size_t json_left;   /* of which still unspent */
  /* per-call and load limits from the options */
  uint64_t call_instructions;
  int64_t call_timeout_ms;
  uint64_t load_instructions;
  int64_t load_timeout_ms;
  unsigned tests_passed;
  /* Called as each hook call starts (the rule host's per-hook watchdog
   * reads the time it leaves); NULL = none. */
  void (*on_hook)(void *ctx);
  void *on_hook_ctx;
};

/* ---- sandbox.c --------------------------------------------------------- */

/* Creates g->L with the byte ceiling, safe libraries and the pack _ENV.
 * Returns 0 or CG_ENOMEM/CG_ERULE with err set. */
int cg__sandbox_open(struct cg_rules_gen *g, struct cg_err *err);
void cg__sandbox_close(struct cg_rules_gen *g);
/* The generation a state belongs to. */
struct cg_rules_gen *cg__gen_of(lua_State *L);
/* Runs fn(L) with arg as a light userdata at index 1, protected, under an
 * instruction and wall-clock budget, with a C message handler. Stack is
 * balanced afterwards. Returns 0 or CG_ERULE with "file:line: msg" and a
 * traceback in err. */
int cg__pcall(struct cg_rules_gen *g, lua_CFunction fn, void *arg,
              uint64_t instructions, int64_t timeout_ms, struct cg_err *err);
/* Loads a text chunk with the pack _ENV as its first upvalue.
 * [-0, +1]: pushes the function; raises on syntax errors. */
void cg__load_chunk(lua_State *L, const char *data, size_t len,
                    const char *chunkname);
/* Read-only proxy of the table at idx. [-0, +1] */
void cg__push_readonly(lua_State *L, int idx);

/* ---- strlib.c ---------------------------------------------------------- */

/* Replaces rep/find/match/gmatch/gsub/format in the table at idx with
 * capped versions and removes dump. [-0, +0] */
void cg__strlib_wrap(lua_State *L, int idx);
/* Replaces move in the table library at idx with a capped version.
 * [-0, +0] */
void cg__tablib_wrap(lua_State *L, int idx);

/* ---- convert.c --------------------------------------------------------- */

/* Pushes the Lua value of j (NULL pushes nil; JSON null pushes cg.null).
 * Raises past CG__JSON_MAX_DEPTH. [-0, +1] */
void cg__json_push(lua_State *L, const cJSON *j);
/* Converts the value at idx to JSON. *slot receives the root as soon as
 * it exists, so a raise leaves everything built so far reachable from
 * *slot for the caller to free. Raises once the JSON text would exceed
 * about budget bytes (shared references count each time they are
 * reached: a table seen from 2^21 paths is 2^21 subtrees). [-0, +0] */
void cg__json_from_lua(lua_State *L, int idx, size_t budget, cJSON **slot);
/* Pushes the marker metatables and cg.* C functions into the table at idx.
 * [-0, +0] */
void cg__convert_register(lua_State *L, int idx);

/* ---- pack.c ------------------------------------------------------------ */

/* Reads every .lua file under dir (sorted, limited). */
int cg__files_read(const char *dir, struct cg__files *out, struct cg_err *err);
/* Appends a copy of data (len bytes) as file name; the same limits as
 * reading from disk (count, size). Call cg__files_sort when done. */
int cg__files_add(struct cg__files *f, const char *name, const char *data,
                  size_t len, struct cg_err *err);
/* Sorts by name, as the hash and the loader rely on. */
void cg__files_sort(struct cg__files *f);
void cg__files_free(struct cg__files *f);
const struct cg__file *cg__files_find(const struct cg__files *f,
                                      const char *name);
/* SHA-256 hex over both file sets into g->hash. */
int cg__pack_hash(struct cg_rules_gen *g, struct cg_err *err);
/* require(name): the sandbox's module loader. */
int cg__require(lua_State *L);
/* Loads manifest and modules, merges with defaults, validates hook shapes
 * (protected; run through cg__pcall with the load budget). */
int cg__pack_load(lua_State *L);

/* ---- gen.c ------------------------------------------------------------ */

/* Builds a generation from file sets already in memory (the rule host's
 * load: the engine read them). Takes over *pack and *scripts (left empty),
 * also on failure. Same contract as cg_rules_gen_load otherwise;
 * o->pack_dir only names the pack in messages. */
int cg__gen_build_files(const struct cg_rules_opts *o, uint64_t number,
                        struct cg__files *pack, struct cg__files *scripts,
                        struct cg_rules_gen **out, struct cg_err *err);

/* ---- sources.c ---------------------------------------------------------- */

/* Parses what cg_rulehost_sources printed into two sorted file sets
 * (emptied on failure). */
int cg__sources_parse(const char *sources, struct cg__files *pack,
                      struct cg__files *scripts, struct cg_err *err);

/* ---- packtest.c -------------------------------------------------------- */

/* Runs every tests/<name>.lua file (names not starting with '_'). Returns 0 and
 * counts passes in g->tests_passed, or CG_ERULE naming the failing case. */
int cg__packtest_run(struct cg_rules_gen *g, struct cg_err *err);
/* True when actual matches expected (a subset match: every member of an
 * expected object must match; arrays match element-wise and by length). */
bool cg__json_match(const cJSON *expected, const cJSON *actual, char *why,
                    size_t why_size);

/* ---- registry.c -------------------------------------------------------- */

#define CG__MODULE_MAX 32    /* "module" of "module.name", with its NUL */
#define CG__HOOK_NAME_MAX 64 /* "name" of "module.name", with its NUL */

/* A registered hook, split into module and name. */
struct cg__hook {
  const struct cg_rules_hook *spec;
  char module[CG__MODULE_MAX];
  const char *name; /* inside spec->hook */
};

size_t cg__hook_count(void);
/* The i-th registered hook (as registered), or NULL. */
const struct cg__hook *cg__hook_at(size_t i);
/* The hook registered as "module.name", or NULL. */
const struct cg__hook *cg__hook_find(const char *hook);
/* The i-th module name of the registered hooks (as first seen), or
 * NULL past the last. */
const char *cg__module_at(size_t i);

#endif
