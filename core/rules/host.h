/*
 * host: a merchant's rule host, rule code out of the engine process
 * (ARCHITECTURE §3, docs/internals/rules.md "The rule host").
 *
 *   engine loop thread                        rule host (child process)
 *   flows ─cg_rulehost_call─▶ queue ─frame─▶ stdin  zygote: holds the
 *     ▲      (async)        (≤ 10,000)               generation, forks
 *     │                      one in flight            one child per call
 *     └──── done(rc, reply) ◀── frame ─────── stdout (kill at budget
 *                                                      + 100 ms)
 *            watchdog uv_timer: no answer by host deadline + 500 ms
 *            → SIGKILL the host, RULE_ERROR for that request, spawn a
 *              fresh host, re-load the last good generation, go on
 *            stderr ─▶ engine log "[rulehost:merchant=M] ..."
 *
 * struct cg_rulehost owns the child process and its three pipes; a
 * restart replaces them without the caller noticing anything but the
 * RULE_ERROR of the request that was out. The OS enforces what the Lua
 * sandbox cannot: a C function looping inside rule code costs one call,
 * never the loop thread.
 *
 * Threading: every function here runs on the loop thread that owns the
 * loop given to cg_rulehost_create; every callback fires on that thread,
 * never from inside the function that queued it.
 *
 * A flow decides through cg_rulehost_plans (a plan it registered); the
 * in-process API (rules.h) is what the host runs (docs/internals/rules.md
 * "Wired").
 */
#ifndef CG_RULES_HOST_H
#define CG_RULES_HOST_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

struct cg_err;
struct cg_rules_opts;
struct cg_rulehost;
typedef struct uv_loop_s uv_loop_t;

/* Requests waiting per host before cg_rulehost_call says CG_ELIMIT. */
#define CG_RULEHOST_QUEUE_MAX 10000

struct cg_rulehost_opts {
  /* names the host in logs and chunk names; required */
  const char *merchant;
  /* the engine binary to run as `BINARY __rule-host MERCHANT`;
   * NULL = /proc/self/exe (tests pass the built engine) */
  const char *binary;
  /* 0 = CG_RULEHOST_QUEUE_MAX */
  size_t queue_max;
};

/* Completion of a request: rc 0 and reply (owned by the callback,
 * cJSON_Delete it), or rc < 0, reply NULL and err set: CG_ERULE (the rule
 * failed, ran past its budget, or the host died or was killed), CG_EIO
 * (no host could be started: nothing ran),
 * CG_ENOTFOUND (no such hook / nothing loaded), CG_EINVAL, CG_ENOMEM,
 * CG_ELIMIT (reply too large), CG_ECANCELED (the host was destroyed
 * first; try again elsewhere). Fires exactly once per accepted request. */
typedef void (*cg_rulehost_done_fn)(int rc, cJSON *reply,
                                    const struct cg_err *err, void *arg);

/* Starts the host process on loop. Returns 0 and *out, or CG_EINVAL /
 * CG_ENOMEM / CG_EIO (spawn failed) with err and *out NULL. The host has
 * no generation until the first cg_rulehost_load answers. */
int cg_rulehost_create(uv_loop_t *loop, const struct cg_rulehost_opts *opts,
                       struct cg_rulehost **out, struct cg_err *err);
/* Cancels every queued and in-flight request (done with CG_ECANCELED,
 * synchronously, before returning), kills the host and closes every
 * handle; memory is freed in the close callbacks, so run the loop until
 * it has no more handles. NULL is a no-op. */
void cg_rulehost_destroy(struct cg_rulehost *h);

/* Reads the pack and scripts/ named by opts (now, on this thread: a few
 * small files) and queues a load of them. The reply on success is
 * {label, name, version, hash, number, tests_passed, mem_used}; the new
 * generation then answers every later call. On failure (load error, pack
 * test, the load killed the host) the last good generation stays and err
 * says why. Returns 0 when queued (done fires later), else CG_EIO /
 * CG_EINVAL (a file could not be read, or holds a NUL byte) / CG_ELIMIT /
 * CG_ECANCELED / CG_ENOMEM and done never fires. */
int cg_rulehost_load(struct cg_rulehost *h, const struct cg_rules_opts *opts,
                     cg_rulehost_done_fn done, void *arg);
/* Queues hook(args...): args is a JSON array (NULL = no arguments; a JSON
 * null element is nil), printed into the request before returning (not
 * kept). The reply is the hook's
 * result, shape-checked as in cg_rules_callv. Each call runs in a fresh
 * copy of the loaded generation. Returns 0 when queued, else CG_ELIMIT
 * (queue full: "rule host busy"), CG_EINVAL, CG_ENOMEM or CG_ECANCELED,
 * and done never fires. */
int cg_rulehost_call(struct cg_rulehost *h, const char *hook, const cJSON *args,
                     cg_rulehost_done_fn done, void *arg);
/* Queues independent calls [{hook, args}, ...] (printed now, not kept)
 * run one after
 * the other in one call child: they share that child's copy, so a later
 * call may see what an earlier one changed. The reply is an array with
 * one {ok: true, result} or {ok: false, code, error} per call. A kill
 * fails the whole batch. Same returns as cg_rulehost_call. */
int cg_rulehost_batch(struct cg_rulehost *h, const cJSON *calls,
                      cg_rulehost_done_fn done, void *arg);

/* Like cg_rulehost_load, but the files are saved sources (the JSON of
 * cg_rulehost_sources) instead of opts->pack_dir:
 * the boot fallback to the store's last good generation. sources NULL =
 * read the folders, as cg_rulehost_load. */
int cg_rulehost_load_sources(struct cg_rulehost *h,
                             const struct cg_rules_opts *opts,
                             const char *sources, cg_rulehost_done_fn done,
                             void *arg);
/* Queues a registered plan (rules.h cg_rules_register_plan; registered in
 * this process too) on each input of inputs, a JSON array (printed into
 * the request before this returns, not kept). All run in one call child
 * with one input's deadline (the plan's hooks budgets + 100 ms), each
 * hook within its own budget + 100 ms. If a hook is killed for running
 * past it, that input alone fails and the others go again in a new child;
 * if it is killed otherwise, each is run again in its own child with its
 * own deadline. A hostile input costs only itself. The reply is an array,
 * one item per input: {ok: true, result} (what the plan's function
 * returned) or {ok: false, code, error} (code "CG_ERULE": a RULE_ERROR
 * for that input). Same returns as cg_rulehost_call; CG_ENOTFOUND for a
 * plan not registered. */
int cg_rulehost_plans(struct cg_rulehost *h, const char *plan,
                      const cJSON *inputs, cg_rulehost_done_fn done, void *arg);
/* The last good generation's files as saved sources JSON (cg_free), for
 * the store; NULL before the first load or on ENOMEM. */
char *cg_rulehost_sources(const struct cg_rulehost *h);

/* The label of the last good generation ("" before the first load). */
const char *cg_rulehost_label(const struct cg_rulehost *h);
/* The host process id (0 while restarting): for tests and status. */
int cg_rulehost_pid(const struct cg_rulehost *h);
/* Host processes started after the first (kills, deaths). */
uint64_t cg_rulehost_restarts(const struct cg_rulehost *h);
/* Requests queued or in flight (loads, hook calls, plan batches). */
size_t cg_rulehost_queued(const struct cg_rulehost *h);

/* The `__rule-host` subcommand (core/app/main.c): the host process. Never
 * returns; argv[1] is the merchant. */
int cg_rulehost_main(int argc, char **argv);

#endif
