/*
 * demo_int: what demo.c and its acts (demo_returns.c) share: the
 * simulators' control API, and the returns act's state.
 */
#ifndef CG_APP_DEMO_INT_H
#define CG_APP_DEMO_INT_H

#include <cjson/cJSON.h>
#include <stdint.h>

struct cg_flow;

/* One call to a simulator's control API on loopback port (POST with
 * body, GET without), answered as JSON; NULL on any failure. Blocking:
 * only at a few moments of the demo, never per order. */
cJSON *cg__demo_sim_request(int port, const char *path, const char *body);

#define CG_DEMO_RETURNS 3

enum cg_demo_returns_phase {
  CG_DEMO_RETURNS_NONE = 0, /* waiting for orders to ship */
  CG_DEMO_RETURNS_CREATED,  /* returns created in Centra */
  CG_DEMO_RETURNS_RECEIVED  /* parcels received at the warehouse */
};

struct cg_demo_returns {
  enum cg_demo_returns_phase phase;
  int n;                               /* returns created */
  int64_t ids[CG_DEMO_RETURNS];        /* Centra return ids */
  char line_refs[CG_DEMO_RETURNS][24]; /* the order line returned */
};

/* Each demo tick: creates the returns once a few orders have shipped,
 * then has the warehouse receive them once the engine advised them. */
void cg__demo_returns_tick(struct cg_demo_returns *r, struct cg_flow *f,
                           int port_centra, int port_gxo);
/* Adds {"returns": {advised, received, completed, refunded, held}}. */
void cg__demo_returns_summary(const struct cg_flow *f, cJSON *summary);

#endif
