/*
 * e2e_pack: a rule pack for one e2e test: rules/default's modules (no
 * pack tests) with one module replaced, in a fresh temporary folder. For
 * tests that need a policy the default pack does not choose (e.g.
 * dispatch.lua's remainders = "hold").
 */
#ifndef CG_E2E_PACK_H
#define CG_E2E_PACK_H

/* The folder (caller frees it, after e2e_pack_remove), or NULL. module is
 * a file name ("dispatch.lua"), text its content. */
char *e2e_pack_with(const char *module, const char *text);
/* Removes the folder. NULL is a no-op. */
void e2e_pack_remove(const char *dir);

#endif
