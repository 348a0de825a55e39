/*
 * merchant_rules: a merchant's rule pack (merchant.h): the boot load by
 * the rule host with the last good generation as fallback, the retry
 * while no generation ever loaded, reloads (file changes, SIGHUP, the
 * admin API) and what each generation change records and asks again.
 * merchant.c owns the merchant and calls cg__merchant_load_rules and
 * cg__merchant_watch_pack at start.
 */
#include "app/merchant.h"
#include "app/merchant_int.h"

#include "app/config.h"
#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "flows/decide.h"
#include "flows/exceptions.h"
#include "flows/orders.h"
#include "flows/stock.h"
#include "rules/host.h"
#include "rules/rules.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RELOAD_DEBOUNCE_MS 300
/* No generation ever loaded: the pack is tried again after this, doubled
 * per failure up to the maximum (what failed may pass: a load past its
 * budget on a busy machine, a host that died). */
#define NO_RULES_RETRY_MIN_MS 2000
#define NO_RULES_RETRY_MAX_MS 60000

static void on_reload_timer(uv_timer_t *t)
{
  struct cg_merchant *m = container_of(t, struct cg_merchant, reload_timer);
  struct cg_err err = {0};
  if (!m->stopping)
    cg_merchant_reload_rules(m, &err);
}

/* Editors write a file in several steps: wait until the folder is quiet. */
static void on_pack_changed(uv_fs_event_t *h, const char *name, int events,
                            int status)
{
  struct cg_merchant *m = container_of(h, struct cg_merchant, pack_watch);
  if (status == 0 && !m->stopping)
    uv_timer_start(&m->reload_timer, on_reload_timer, RELOAD_DEBOUNCE_MS, 0);
}

/* While no generation has ever loaded, the pack is loaded again on a
 * backoff: a file event is not the only cure (a load that timed out on a
 * busy machine needs none), and orders wait until one loads. */
static void retry_without_rules(struct cg_merchant *m)
{
  if (m->stopping || !m->watching || m->flow.rules_problem[0] == '\0')
    return;
  int64_t wait = m->no_rules_retry_ms * 2;
  if (wait < NO_RULES_RETRY_MIN_MS)
    wait = NO_RULES_RETRY_MIN_MS;
  if (wait > NO_RULES_RETRY_MAX_MS)
    wait = NO_RULES_RETRY_MAX_MS;
  m->no_rules_retry_ms = wait;
  uv_timer_start(&m->reload_timer, on_reload_timer, (uint64_t)wait, 0);
}

/* Watches the pack folder (not its tests/ subfolder: a reload runs the
 * tests anyway). A folder that cannot be watched only loses the automatic
 * reload; SIGHUP and the admin API still work. */
void cg__merchant_watch_pack(struct cg_merchant *m, uv_loop_t *loop)
{
  char path[1024];
  cg_config_path(m->cfg, m->mc->rules, path, sizeof(path));
  uv_timer_init(loop, &m->reload_timer);
  uv_fs_event_init(loop, &m->pack_watch);
  m->open_handles += 2;
  m->watching = true;
  int rc = uv_fs_event_start(&m->pack_watch, on_pack_changed, path, 0);
  if (rc != 0)
    cg_log_warn("merchant",
                "[merchant=%s] cannot watch %s (%s); reload "
                "with SIGHUP or the admin API",
                m->mc->id, path, uv_strerror(rc));
  retry_without_rules(m); /* the boot load failed before this */
}

/* What a generation is known by, from the boot check or a load reply. */
struct gen_info {
  const char *name, *version, *hash, *label;
  unsigned tests_passed;
};

/* Records the generation now running (the timeline's label), saves its
 * sources as the last good ones, and closes a boot-fallback exception. */
static void remember_generation(struct cg_merchant *m, const struct gen_info *g,
                                const char *sources, const char *what)
{
  struct cg_store *s = m->flow.store;
  int64_t now = cg_time_now_ms();
  cg_store_rule_generation_record(s, g->name, g->version, g->hash, now, NULL,
                                  NULL);
  struct cg_err err = {0};
  if (sources == NULL ||
      cg_store_rule_source_save(s, g->hash, g->label, sources, now, &err) != 0)
    cg_log_warn("merchant",
                "[merchant=%s] sources of %s not saved (%s): a restart with "
                "a broken pack could not fall back to them",
                m->mc->id, g->label, sources ? err.msg : "out of memory");
  snprintf(m->flow.rules_label, sizeof(m->flow.rules_label), "%s", g->label);
  snprintf(m->hash, sizeof(m->hash), "%s", g->hash);
  m->flow.rules_problem[0] = '\0';
  cg_flow_resolve(&m->flow, "rules", m->mc->rules, "a pack loaded", NULL);
  cg_log_info("merchant", "[merchant=%s] rules %s: %s (%u pack tests passed)",
              m->mc->id, what, g->label, g->tests_passed);
  cg_stock_policy_ask(&m->flow); /* the new generation's stock policy */
}

static struct cg_rules_opts rules_opts(const struct cg_merchant *m, char *path,
                                       size_t size)
{
  return (struct cg_rules_opts){
      .merchant = m->mc->id,
      .pack_dir = cg_config_path(m->cfg, m->mc->rules, path, size),
      .mem_limit = (size_t)m->mc->lua_memory_mb << 20,
      .call_instructions = (uint64_t)m->mc->lua_instructions,
  };
}

/* Starts the merchant's rule host (nothing loaded yet) and its plan set. */
static int start_host(struct cg_merchant *m, uv_loop_t *loop,
                      struct cg_err *err)
{
  struct cg_rulehost_opts ho = {.merchant = m->mc->id,
                                .binary = getenv("CG_RULE_HOST_BINARY")};
  int rc = cg_rulehost_create(loop, &ho, &m->flow.rulehost, err);
  m->flow.decide = rc == 0 ? cg_decide_create(&m->flow) : NULL;
  if (rc == 0 && m->flow.decide == NULL)
    rc = cg_err_set(err, CG_ENOMEM, "out of memory");
  return rc;
}

/* The saved generation answered (or not) after the pack failed. */
static void on_boot_fallback(int rc, cJSON *reply, const struct cg_err *err,
                             void *arg)
{
  struct cg_merchant *m = arg;
  if (rc == CG_ECANCELED || m->stopping) {
    cJSON_Delete(reply);
    return;
  }
  char msg[CG_ERR_MSG_MAX * 2 + 200];
  if (rc == 0)
    snprintf(msg, sizeof(msg),
             "the rule pack %s does not load (%s); running the last good "
             "generation %s until it is fixed",
             m->mc->rules, m->boot_why, m->flow.rules_label);
  else
    snprintf(msg, sizeof(msg),
             "the rule pack %s does not load (%s), nor does the last good "
             "generation %s (%s); orders wait for a pack that loads",
             m->mc->rules, m->boot_why, m->flow.rules_label, err->msg);
  cg_log_error("merchant", "[merchant=%s] %s", m->mc->id, msg);
  cg_flow_raise(&m->flow, "RULE_ERROR", "rules", m->mc->rules, msg,
                m->flow.rules_label, NULL);
  if (rc == 0)
    cg_stock_policy_ask(&m->flow); /* the saved generation's */
  cJSON_Delete(reply);
}

/* The pack did not load at boot: the saved sources go to the host. */
static void boot_fallback(struct cg_merchant *m, const char *why)
{
  char path[1024];
  struct cg_rules_opts o = rules_opts(m, path, sizeof(path));
  o.skip_pack_tests = true; /* they passed when the sources were saved */
  snprintf(m->boot_why, sizeof(m->boot_why), "%s", why);
  int rc = cg_rulehost_load_sources(m->flow.rulehost, &o, m->boot_sources,
                                    on_boot_fallback, m);
  if (rc != 0) {
    struct cg_err e = {0};
    cg_err_set(&e, rc, "%s", cg_strerror(rc));
    on_boot_fallback(rc, NULL, &e, m);
  }
}

/* No generation has ever loaded for this merchant (first boot, and the
 * pack does not load): its orders wait, pending, for a pack that loads
 * (a fixed file reloads by itself); /healthz names the merchant. */
static void no_rules(struct cg_merchant *m, const char *why)
{
  char msg[sizeof(m->flow.rules_problem)];
  snprintf(msg, sizeof(msg),
           "the rule pack %s does not load (%s) and no generation of it "
           "ever has: orders wait until it is fixed",
           m->mc->rules, why);
  snprintf(m->flow.rules_problem, sizeof(m->flow.rules_problem), "%s", msg);
  cg_log_error("merchant", "[merchant=%s] %s", m->mc->id, msg);
  cg_flow_raise(&m->flow, "RULE_ERROR", "rules", m->mc->rules, msg, NULL, NULL);
  retry_without_rules(m);
}

/* The pack did not load at boot: the saved generation, else no rules. */
static void boot_failed(struct cg_merchant *m, const char *why)
{
  if (m->boot_sources != NULL)
    boot_fallback(m, why);
  else
    no_rules(m, why);
  cg_free(m->boot_sources);
  m->boot_sources = NULL;
}

/* The host's answer to the pack's load at boot. */
static void on_boot_pack(int rc, cJSON *reply, const struct cg_err *err,
                         void *arg)
{
  struct cg_merchant *m = arg;
  if (rc == 0 && !m->stopping) {
    struct gen_info gi = {
        cg_json_str(reply, "name"), cg_json_str(reply, "version"),
        cg_json_str(reply, "hash"), cg_json_str(reply, "label"),
        (unsigned)cg_json_int(reply, "tests_passed", 0)};
    char *sources = cg_rulehost_sources(m->flow.rulehost);
    if (gi.name && gi.version && gi.hash && gi.label)
      remember_generation(m, &gi, sources, "loaded");
    cg_free(sources);
  } else if (rc != CG_ECANCELED && !m->stopping) {
    boot_failed(m, err->msg);
  }
  cg_free(m->boot_sources);
  m->boot_sources = NULL;
  cJSON_Delete(reply);
}

/* Starts the rule host and has it load the pack (off the loop thread,
 * with the pack's tests). If that fails, the saved generation is loaded
 * instead, with a RULE_ERROR on `rules`; with none saved (first boot),
 * the merchant waits without rules (no_rules). Either way it runs. */
int cg__merchant_load_rules(struct cg_merchant *m, uv_loop_t *loop,
                            struct cg_err *err)
{
  char path[1024], *label = NULL;
  struct cg_rules_opts o = rules_opts(m, path, sizeof(path));
  int rc = start_host(m, loop, err);
  if (rc == 0)
    rc = cg_store_rule_source_latest(m->flow.store, &label, &m->boot_sources,
                                     err);
  if (rc == CG_ENOTFOUND) { /* first boot: nothing to fall back to */
    memset(err, 0, sizeof(*err));
    rc = 0;
  }
  if (rc == 0) {
    if (label != NULL)
      snprintf(m->flow.rules_label, sizeof(m->flow.rules_label), "%s", label);
    if (cg_rulehost_load(m->flow.rulehost, &o, on_boot_pack, m) != 0)
      boot_failed(m, "its files cannot be read");
  }
  cg_free(label);
  return rc;
}

/* A reload that did not load: the generation running (if any) keeps
 * deciding, and the operator sees a RULE_ERROR on `rules` until a pack
 * loads (remember_generation resolves it). */
static void reload_refused(struct cg_merchant *m, const char *why)
{
  char msg[CG_ERR_MSG_MAX + 300];
  if (m->flow.rules_problem[0] != '\0')
    snprintf(msg, sizeof(msg),
             "rule reload refused (%s); still no generation: orders wait "
             "until the pack %s loads",
             why, m->mc->rules);
  else
    snprintf(msg, sizeof(msg),
             "rule reload refused (%s); the previous generation %s keeps "
             "running",
             why, m->flow.rules_label);
  cg_log_error("merchant", "[merchant=%s] %s", m->mc->id, msg);
  cg_flow_raise(&m->flow, "RULE_ERROR", "rules", m->mc->rules, msg,
                m->flow.rules_label[0] ? m->flow.rules_label : NULL, NULL);
  retry_without_rules(m);
}

/* A reload's answer from the rule host: the new generation decides
 * from now on, and held orders are decided again by it. */
static void on_reloaded(int rc, cJSON *reply, const struct cg_err *err,
                        void *arg)
{
  struct cg_merchant *m = arg;
  if (rc == CG_ECANCELED || m->stopping) {
    cJSON_Delete(reply);
    return;
  }
  if (rc != 0) {
    reload_refused(m, err->msg);
    cJSON_Delete(reply);
    return;
  }
  struct gen_info gi = {cg_json_str(reply, "name"),
                        cg_json_str(reply, "version"),
                        cg_json_str(reply, "hash"), cg_json_str(reply, "label"),
                        (unsigned)cg_json_int(reply, "tests_passed", 0)};
  bool changed = gi.hash == NULL || strcmp(gi.hash, m->hash) != 0;
  char *sources = cg_rulehost_sources(m->flow.rulehost);
  if (gi.name && gi.version && gi.hash && gi.label)
    remember_generation(m, &gi, sources,
                        changed ? "reloaded" : "reloaded, content unchanged");
  cg_free(sources);
  cJSON_Delete(reply);
  int asked = cg_orders_redecide_held(&m->flow);
  if (asked > 0)
    cg_log_info("merchant",
                "[merchant=%s] %d held orders asked again of the new rules",
                m->mc->id, asked);
}

int cg_merchant_reload_rules(struct cg_merchant *m, struct cg_err *err)
{
  char path[1024];
  struct cg_rules_opts o = rules_opts(m, path, sizeof(path));
  int rc = cg_rulehost_load(m->flow.rulehost, &o, on_reloaded, m);
  if (rc != 0) {
    cg_err_set(err, rc, "reload not started: %s", cg_strerror(rc));
    reload_refused(m, cg_strerror(rc));
  }
  return rc;
}
