/*
 * engine: the running process. It starts every merchant of the config,
 * the admin listener (ops/admin.c routes) and the webhook listener
 * (partner callbacks, app/webhooks.c), and handles signals: SIGHUP
 * reloads every merchant's rules, SIGINT/SIGTERM drain and stop.
 *
 *   cg_engine_run(path)  load config -> start -> uv_run -> stop -> close
 */
#ifndef CG_APP_ENGINE_H
#define CG_APP_ENGINE_H

#include <stddef.h>
#include <uv.h>

struct cg_config;
struct cg_err;
struct cg_engine;
struct cg_flow;
struct cg_merchant;

/* Starts everything on loop. cfg must outlive the engine. NULL with err
 * when a merchant or a listener cannot start (nothing is left running
 * once the loop has run its close callbacks). */
struct cg_engine *cg_engine_start(uv_loop_t *loop, const struct cg_config *cfg,
                                  struct cg_err *err);
/* SIGHUP reloads every merchant's rules; SIGINT/SIGTERM stop the engine.
 * cg_engine_run installs these; an embedding program (the demo) may
 * handle signals itself instead. */
void cg_engine_handle_signals(struct cg_engine *e);
/* Stops intake, drains in-flight calls, closes everything; done fires
 * when all is closed and the engine is freed. Safe to call twice. */
void cg_engine_stop(struct cg_engine *e, void (*done)(void *arg), void *arg);

size_t cg_engine_merchant_count(const struct cg_engine *e);
struct cg_merchant *cg_engine_merchant(struct cg_engine *e, size_t i);
struct cg_merchant *cg_engine_find(struct cg_engine *e, const char *id);
/* Bound ports (after start), for tests and the demo. */
int cg_engine_admin_port(const struct cg_engine *e);
int cg_engine_webhooks_port(const struct cg_engine *e);

/* `centra-gxo run -c FILE`: returns the process exit code (0 after a clean
 * stop, 2 for a bad config, 1 when something could not start). */
int cg_engine_run(const char *config_path);

#endif
