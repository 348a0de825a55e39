/*
 * merchant_int: what merchant.c (the merchant's parts, schedules and
 * stop) and merchant_rules.c (its rule pack: boot load, fallback,
 * reloads, the folder watch) share: the merchant itself.
 */
#ifndef CG_APP_MERCHANT_INT_H
#define CG_APP_MERCHANT_INT_H

#include "base/err.h"
#include "flows/flow.h"
#include "flows/outbox.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct cg_config;
struct cg_config_merchant;
struct cg_intake;

#define container_of(ptr, type, member)                                        \
  ((type *)((char *)(ptr)-offsetof(type, member)))

struct schedule {
  uv_timer_t timer;
  struct cg_merchant *m;
  void (*fn)(struct cg_merchant *m);
};

enum {
  S_EVENTS,
  S_POLL,
  S_GXO,
  S_LIMITS,
  S_SWEEP,
  S_PRUNE,
  S_MONITOR,
  S_COUNT
};

#define KINDS_MAX 12 /* outbox kinds of every flow */

struct cg_merchant {
  const struct cg_config *cfg;
  uv_fs_event_t pack_watch; /* the rule pack folder */
  uv_timer_t reload_timer;  /* debounces a burst of file events */
  bool watching;
  const struct cg_config_merchant *mc;
  struct cg_flow flow;
  struct cg_intake *intake;
  /* Outbox kinds, most urgent first: the dispatch flow's Centra write
   * (a customer waits for its e-mail), then the order flow's. */
  struct cg_outbox_kind kinds[KINDS_MAX];
  struct schedule sched[S_COUNT];
  uv_timer_t drain_timer; /* a graceful stop waits for calls in flight */
  int64_t drain_until_ms;
  int64_t drain_logged_ms;
  int open_handles;
  int64_t no_rules_retry_ms; /* the last wait before trying the pack again */
  bool stopping;
  char hash[72];      /* of the generation running, to tell a change */
  char *boot_sources; /* saved generation, while the boot load is out */
  char boot_why[CG_ERR_MSG_MAX]; /* why the pack did not load at boot */
  void (*on_stopped)(void *arg);
  void *on_stopped_arg;
};

/* merchant_rules.c: starts the rule host and has it load the pack; if
 * that fails, the saved generation (RULE_ERROR on `rules`), else the
 * merchant waits without rules and tries again on a backoff. */
int cg__merchant_load_rules(struct cg_merchant *m, uv_loop_t *loop,
                            struct cg_err *err);
/* merchant_rules.c: watches the pack folder (reload on change); opens
 * reload_timer and pack_watch (2 handles, closed by cg_merchant_stop). */
void cg__merchant_watch_pack(struct cg_merchant *m, uv_loop_t *loop);

#endif
