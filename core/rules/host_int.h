/*
 * host_int: the rule host's wire protocol and the pieces its two sides
 * share (core/rules/host.c in the engine, host_main.c + host_child.c in
 * the `__rule-host` process). Not for other layers: they use host.h.
 *
 *   frame    = 4-byte big-endian length, then that many bytes of JSON
 *              (at most CG__FRAME_MAX); one request or one reply
 *   request  = {id, op: "load"|"call"|"batch"|"plans", ...}
 *   reply    = {id, ok: true, ...} | {id, ok: false, code, error}
 *
 * code is the name of a CG_E* code ("CG_ERULE"); see
 * docs/internals/rules.md "The rule host" for every field.
 */
#ifndef CG_RULES_HOST_INT_H
#define CG_RULES_HOST_INT_H

#include "rules/host.h"
#include "rules/rules.h"

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

struct cg_err;

#define CG__FRAME_MAX (8u << 20)
/* The zygote kills a call child this long after the call budget. */
#define CG__HOST_SLACK_MS 100
/* The engine kills a host this long after the zygote's own deadline. */
#define CG__ENGINE_SLACK_MS 500
/* A call child (hook calls, not loads) that has used less CPU than its
 * budget when its time is up was starved (a loaded machine; the host runs
 * niced), not running away: it may run on, as long as its CPU time stays
 * under the budget, up to this many times its budget in wall-clock
 * time. */
#define CG__HOST_STARVED_FACTOR 4

/* Writes len as 4 big-endian bytes. */
void cg__frame_header(uint8_t out[4], uint32_t len);
/* Reads 4 big-endian bytes. */
uint32_t cg__frame_len(const uint8_t in[4]);

/* The CG_E* code named name ("CG_ERULE"); unknown names are CG_ERULE. */
int cg__code_from_name(const char *name);
/* {id, ok: false, code: cg_strerror(code), error: msg}, without id when
 * id < 0 (an item of a batch); NULL on OOM. */
cJSON *cg__reply_error(double id, int code, const char *msg);

/* The limits of o as the load request's `limits` object (NULL on OOM),
 * and back (absent members leave o's fields alone). */
cJSON *cg__limits_json(const struct cg_rules_opts *o);
void cg__limits_from_json(const cJSON *j, struct cg_rules_opts *o);

/* The zygote's deadline for a request of ncalls hook calls, each with
 * call_timeout_ms (0 = the default): ncalls budgets plus the slack. */
int64_t cg__host_call_deadline_ms(int64_t call_timeout_ms, int ncalls);
/* The zygote's deadline for a load, in two phases: building the
 * generation (the load budget plus the slack; the zygote then sends
 * {id, progress: "tests"}), and the pack tests in a child
 * (CG__PACKTEST_LOADS load budgets plus the slack). 0 = the default. */
int64_t cg__host_load_deadline_ms(int64_t load_timeout_ms);
int64_t cg__host_tests_deadline_ms(int64_t load_timeout_ms);

/* ---- the engine side (host.c, host_proc.c) ----------------------------- */

#include "base/buf.h"

#include <stdbool.h>
#include <uv.h>

enum cg__req_kind { CG__REQ_CALL, CG__REQ_BATCH, CG__REQ_LOAD, CG__REQ_RELOAD };

struct cg__req {
  struct cg__req *next;
  enum cg__req_kind kind;
  double id;
  char *frame; /* header + JSON; handed to the proc when written */
  size_t len;
  int ncalls;              /* CALL/BATCH: deadline computed when sent */
  int64_t deadline_ms;     /* the zygote's; the watchdog adds
                            * CG__ENGINE_SLACK_MS */
  int64_t load_timeout_ms; /* LOAD/RELOAD: the generation's load budget */
  cJSON *load;             /* LOAD/RELOAD: the request without id */
  cg_rulehost_done_fn done;
  void *arg;
};

/* One spawned host process. It outlives its cg_rulehost when detached
 * (h == NULL) until its handles have closed. */
struct cg__proc {
  struct cg_rulehost *h;
  char merchant[64]; /* for stderr lines after a detach */
  uv_process_t process;
  uv_pipe_t in, out, err;
  int open; /* handles not closed yet; the proc is freed at 0 */
  bool exited, dying;
  uv_write_t wreq;
  char *wframe; /* the frame being written */
  struct cg_buf rbuf, ebuf;
};

struct cg_rulehost {
  uv_loop_t *loop;
  char merchant[64];
  char binary[512];
  size_t queue_max, queued;
  struct cg__req *head, *tail, *inflight;
  struct cg__proc *proc;
  uv_timer_t watchdog, restart;
  int open_timers;
  bool closing;
  cJSON *last_good;          /* the load request of the current generation */
  int64_t last_good_load_ms; /* its load budget */
  char label[CG_RULES_LABEL_MAX];
  int64_t call_timeout_ms; /* of the current generation */
  double next_id;
  uint64_t generations, restarts;
  int64_t started_ms;
  int quick_deaths; /* hosts in a row that lived less than a second */
};

/* host_proc.c: starts a host process for h (h->proc); 0 or CG_EIO. */
int cg__proc_start(struct cg_rulehost *h, struct cg_err *err);
/* Sends req's frame (the frame moves to the proc). 0 or CG_EIO. */
int cg__proc_send(struct cg__proc *p, struct cg__req *req);
/* SIGKILLs the process (once); its exit arrives through the exit cb. */
void cg__proc_kill(struct cg__proc *p);
/* Detaches p from its host and closes it; freed when its handles close. */
void cg__proc_detach(struct cg__proc *p);
/* host.c, called by host_proc.c: a complete reply frame arrived. */
void cg__host_on_reply(struct cg_rulehost *h, const char *text, size_t len);
/* host.c: the process died or must be replaced (protocol error); why
 * names the cause for the request in flight. */
void cg__host_on_death(struct cg_rulehost *h, const char *why);

/* ---- the host process (host_main.c, host_child.c) ---------------------- */

struct cg_rules_gen;

struct cg__host {
  char merchant[64];
  struct cg_rules_gen *gen; /* the loaded generation; NULL before load */
  char *shm;                /* MAP_SHARED: a call child's reply */
  size_t shm_cap;
  int statm_fd;     /* /proc/<zygote>/statm, opened before the filter */
  void *child_bpf;  /* the call child's filter, compiled once: a struct */
  size_t child_len; /* sock_filter array of child_len instructions */
};

/* Runs in a call child: leaves its reply in the shared page (or nothing,
 * which the zygote reports). */
typedef void (*cg__host_child_fn)(struct cg__host *z, void *arg);

/* Zygote start: closes every fd above 2, opens statm, maps the reply
 * page, sets PR_SET_NO_NEW_PRIVS, RLIMIT_NOFILE and RLIMIT_CORE, builds
 * the call child's filter and installs the zygote's seccomp filter. 0 or
 * CG_EIO with err (the host then exits). */
int cg__host_lockdown(struct cg__host *z, struct cg_err *err);
/* What a call child may spend. */
struct cg__fork_limits {
  int64_t deadline_ms; /* the whole child, wall clock */
  /* each hook call, from its start: a hook that the Lua budgets cannot
   * stop (a C function looping) is killed at this; 0 = none (loads) */
  int64_t hook_ms;
  size_t mem_limit; /* bytes above the zygote's image */
};

/* Forks a call child that tightens its limits (memory, CPU seconds, the
 * child filter) and runs fn(z, arg), then _exits. SIGKILLs it when it
 * overruns lim->deadline_ms, or when one hook call has run lim->hook_ms,
 * unless it was starved (CG__HOST_STARVED_FACTOR).
 * Returns 0 when the child left a reply (cg__host_reply), else CG_ERULE
 * with why (killed, died, silent). */
int cg__host_fork(struct cg__host *z, const struct cg__fork_limits *lim,
                  cg__host_child_fn fn, void *arg, struct cg_err *why);
/* After a failed cg__host_fork: ms the last hook call had run when the
 * child ended (0: no hook had started). */
int64_t cg__host_hook_ran_ms(const struct cg__host *z);
/* In a call child: prints reply into the shared page. */
void cg__host_shm_put(struct cg__host *z, const cJSON *reply);
/* In a call child: "now at step" (1-based; 0 = none yet), with the time,
 * in the shared page; cg__host_fork clears it. After a failed fork the
 * zygote reads the step the child was at and how long it had been there
 * (*ran_ms): which input of a batch a kill interrupted. */
void cg__host_progress(struct cg__host *z, uint32_t step);
uint32_t cg__host_progress_get(const struct cg__host *z, int64_t *ran_ms);
/* host_plan.c: the reply to {id, op: "plans", plan, inputs: [...]}. */
cJSON *cg__host_do_plans(struct cg__host *z, double id, const cJSON *req);
/* After cg__host_fork returned 0: the child's reply text (NUL-terminated,
 * valid until the next fork) and its length. */
const char *cg__host_reply(const struct cg__host *z, size_t *len);

#endif
