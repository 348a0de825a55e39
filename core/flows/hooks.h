/*
 * hooks: the rule API of the flows. Every hook a flow calls (docs/rule-
 * packs.md), with the check core/rules applies to its result, and the
 * multi-hook plans the rule host runs for the flows (the order plan,
 * plan.h), registered with core/rules.
 *
 *   core/app/main.c (every command, the rule host process included)
 *   core/flows/decide.c (an engine embedded in a test binary)
 *   tests, benchmarks                ──▶ cg_hooks_register()
 *                                          ├─▶ cg_rules_register_hooks
 *                                          ├─▶ cg_rules_register_plan
 *                                          └─▶ cg_items_register_plan
 *
 * core/rules knows no hook by name: a process that builds a generation
 * or runs a plan without registering first is refused ("no hooks
 * registered").
 */
#ifndef CG_FLOWS_HOOKS_H
#define CG_FLOWS_HOOKS_H

/* Registers every hook, the order plan and the items plan with core/rules.
 * Idempotent; call at start-up, before the first generation is built. Returns 0
 * or the registry's error (a bug: the tables are static). */
int cg_hooks_register(void);

#endif
