/*
 * registry: the hooks and plans the caller registered (rules.h). core/rules
 * knows no hook by name: the layer that calls the hooks (core/flows)
 * tells it, at start-up, which hooks a pack must have, what each must
 * return (a check function) and which multi-hook plans the rule host may
 * run. The module names of the hooks are the modules a pack is made of
 * (pack.c).
 *
 *   cg_rules_register_hooks(table) ─▶ hooks[]: spec, module, name
 *                                     modules[]: as first seen
 *   cg_rules_register_plan(spec)   ─▶ plans[]
 *
 * Process-wide and written only before the first generation is built, so
 * it needs no lock; the rule host child registers the same tables as the
 * engine (the same binary, core/app/main.c).
 */
#include "rules/rules_int.h"

#include "base/err.h"

#include <string.h>

#define MODULES_MAX 16

static struct cg__hook hooks[CG_RULES_HOOKS_MAX];
static size_t nhooks;
static char modules[MODULES_MAX][CG__MODULE_MAX];
static size_t nmodules;
static const struct cg_rules_plan_spec *plans[CG_RULES_PLANS_MAX];
static size_t nplans;

/* Splits "module.name"; -1 when it is not one. */
static int split(const char *hook, char *module, const char **name)
{
  const char *dot = hook ? strchr(hook, '.') : NULL;
  if (dot == NULL || dot == hook || dot[1] == '\0' ||
      (size_t)(dot - hook) >= CG__MODULE_MAX ||
      strlen(dot + 1) >= CG__HOOK_NAME_MAX)
    return -1;
  memcpy(module, hook, (size_t)(dot - hook));
  module[dot - hook] = '\0';
  *name = dot + 1;
  return 0;
}

static int add_module(const char *module)
{
  for (size_t i = 0; i < nmodules; i++)
    if (strcmp(modules[i], module) == 0)
      return 0;
  if (nmodules == MODULES_MAX)
    return CG_ELIMIT;
  strcpy(modules[nmodules++], module);
  return 0;
}

static int add_hook(const struct cg_rules_hook *spec)
{
  struct cg__hook h = {.spec = spec};
  if (split(spec->hook, h.module, &h.name) != 0)
    return CG_EINVAL;
  for (size_t i = 0; i < nhooks; i++)
    if (strcmp(hooks[i].spec->hook, spec->hook) == 0) {
      hooks[i] = h;
      return 0;
    }
  if (nhooks == CG_RULES_HOOKS_MAX)
    return CG_ELIMIT;
  int rc = add_module(h.module);
  if (rc == 0)
    hooks[nhooks++] = h;
  return rc;
}

int cg_rules_register_hooks(const struct cg_rules_hook *table)
{
  int rc = 0;
  for (const struct cg_rules_hook *h = table; rc == 0 && h->hook != NULL; h++)
    rc = add_hook(h);
  return rc;
}

int cg_rules_register_plan(const struct cg_rules_plan_spec *plan)
{
  if (plan == NULL || plan->name == NULL || plan->run == NULL ||
      plan->about == NULL || plan->hooks < 1)
    return CG_EINVAL;
  for (size_t i = 0; i < nplans; i++)
    if (strcmp(plans[i]->name, plan->name) == 0) {
      plans[i] = plan;
      return 0;
    }
  if (nplans == CG_RULES_PLANS_MAX)
    return CG_ELIMIT;
  plans[nplans++] = plan;
  return 0;
}

const struct cg_rules_plan_spec *cg_rules_plan_find(const char *name)
{
  for (size_t i = 0; name != NULL && i < nplans; i++)
    if (strcmp(plans[i]->name, name) == 0)
      return plans[i];
  return NULL;
}

size_t cg__hook_count(void)
{
  return nhooks;
}

const struct cg__hook *cg__hook_at(size_t i)
{
  return i < nhooks ? &hooks[i] : NULL;
}

const struct cg__hook *cg__hook_find(const char *hook)
{
  for (size_t i = 0; i < nhooks; i++)
    if (strcmp(hooks[i].spec->hook, hook) == 0)
      return &hooks[i];
  return NULL;
}

const char *cg__module_at(size_t i)
{
  return i < nmodules ? modules[i] : NULL;
}
