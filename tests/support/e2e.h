/*
 * e2e: a harness for end-to-end tests of the engine against the
 * simulator, both as real processes on loopback: a scenario, a config, the
 * engine started, killed (SIGKILL) and restarted at will, and JSON reads
 * of the engine's admin API and the simulator's control API.
 */
#ifndef CG_E2E_H
#define CG_E2E_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <sys/types.h>

struct e2e {
  char *dir;
  int port_centra, port_gxo, port_admin, port_hooks;
  pid_t sim, engine;
  int engine_starts;
  char config[512];
};

struct e2e_opts {
  const char *scenario_json;   /* scenario document text */
  const char *rules;           /* pack dir; NULL = rules/default */
  unsigned seed;               /* sim --seed */
  const char *extra_merchant;  /* extra Lua inside the merchant table */
  const char *const *sim_args; /* extra sim arguments, NULL-terminated */
  bool subscribe_webhooks;     /* set gxo.webhook_url to the engine's */
  bool centra_hints;           /* the sim posts Centra webhook hints */
  /* Lua run after the merchants table, e.g. to set store settings:
   * "merchants[1].centra.events = false". NULL = none. */
  const char *extra_config;
};

/* Starts the simulator and writes the engine config (not started yet). */
void e2e_setup(struct e2e *t, const struct e2e_opts *o);
/* Stops everything; asserts the simulator exits cleanly (ASan). */
void e2e_teardown(struct e2e *t);

void e2e_engine_start(struct e2e *t);
/* SIGKILL, no drain: a crash. */
void e2e_engine_kill(struct e2e *t);
/* SIGTERM, asserts exit status 0. */
void e2e_engine_stop(struct e2e *t);

/* GET/POST on a side: 'c' centra, 'g' gxo, 'a' admin (with token). The
 * body is parsed; NULL on transport error or bad JSON. */
cJSON *e2e_get(struct e2e *t, char side, const char *path);
cJSON *e2e_post(struct e2e *t, char side, const char *path, const char *body);
long e2e_post_status(struct e2e *t, char side, const char *path,
                     const char *const *headers, const char *body);

/* Polls until pred(t, arg) is true or timeout_s passes; returns the
 * predicate's last answer. */
bool e2e_wait(struct e2e *t, int timeout_s, bool (*pred)(struct e2e *, void *),
              void *arg);

/* The simulator's /_sim/wms/stats "orders" count (distinct orders created). */
long e2e_wms_orders(struct e2e *t);
/* A scenario with generated orders over examples/demo/scenario.json's
 * catalogue; caller frees (cg_free). */
char *e2e_scenario(long orders, long bad_each);
/* GET /healthz of the engine: the status code, and the parsed body in
 * *doc (caller frees; the test fails if the body is not JSON). */
long e2e_healthz(struct e2e *t, cJSON **doc);
/* Whether the engine's log (engine.log in the test folder, every start
 * of the test) contains needle, and how many times. */
bool e2e_log_has(struct e2e *t, const char *needle);
long e2e_log_count(struct e2e *t, const char *needle);
/* The last line of the engine's log holding needle, or NULL (caller
 * frees, cg_free). */
char *e2e_log_last(struct e2e *t, const char *needle);
/* POSTs body to the engine's /webhooks/<partner>/shop signed with secret
 * at t_s (X-Wms-Signature, JSON, for "gxo"; X-Centra-Signature, form
 * encoded, for "centra"); the status, or -1 on a transport error. */
long e2e_post_webhook(struct e2e *t, const char *partner, const char *secret,
                      int64_t t_s, const char *body);
/* Entries of an order's timeline (merchant "shop") with action, and whose
 * detail contains needle unless needle is NULL. */
int e2e_timeline_count(struct e2e *t, const char *number, const char *action,
                       const char *needle);
/* Count of a Prometheus sample, e.g. "cg_webhooks_refused_total". */
long e2e_metric(struct e2e *t, const char *name);
/* Opens the merchant "shop"'s store of the test (the engine stopped or
 * killed) and fails the test unless SQLite's integrity check passes. */
void e2e_check_integrity(struct e2e *t);
/* Fails the test unless the engine kept Centra's pacing: no call before
 * a Retry-After, no mutation refused for the budget (the simulator's
 * counts). */
void e2e_expect_centra_paced(struct e2e *t);
/* Open exceptions of a type at a merchant (admin API), or -1. */
long e2e_open_exceptions(struct e2e *t, const char *merchant, const char *type);

#endif
