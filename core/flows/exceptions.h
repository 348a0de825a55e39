/*
 * exceptions: how every flow raises an exception, with the default owner
 * and severity of each type (until alerts.lua routes them) and a log line
 * that names the entity, the reason and the next step.
 */
#ifndef CG_FLOWS_EXCEPTIONS_H
#define CG_FLOWS_EXCEPTIONS_H

struct cg_err;
struct cg_flow;

/* Raises (or bumps) an open exception of type for the entity, and
 * resolves the entity's other open exceptions as superseded: one entity
 * has one current problem. Inside a transaction it is part of it (rolled
 * back with it); outside any it takes one of its own, so the supersede
 * and the raise are never half done. */
int cg_flow_raise(struct cg_flow *f, const char *type, const char *entity_kind,
                  const char *entity_key, const char *message,
                  const char *generation, struct cg_err *err);
/* Resolves every open exception of the entity (it went through). */
int cg_flow_resolve(struct cg_flow *f, const char *entity_kind,
                    const char *entity_key, const char *note,
                    struct cg_err *err);
/* The same two for a problem found outside any transaction (a read that
 * keeps failing, a reconcile that cannot go on), where no caller has a
 * transaction to roll back: a store that cannot take it is logged and
 * counted in store_errors. */
void cg_flow_raise_alone(struct cg_flow *f, const char *type,
                         const char *entity_kind, const char *entity_key,
                         const char *message);
void cg_flow_resolve_alone(struct cg_flow *f, const char *entity_kind,
                           const char *entity_key, const char *note);

#endif
