/*
 * sim_ctx: what the two simulated partners (sim_centra, sim_wms) share
 * inside one centra-gxo-sim process: the loop, the seeded PRNG and id
 * counters, the outgoing webhook sender (with injected duplicates and
 * reordering), and the hooks into the fault layer and call log that sit in
 * front of each port's router (sim_faults.c, sim_calllog.c).
 *
 *   client -> port (centra | gxo) -> call log + faults -> router
 *                                                   /_sim/... control
 *                                                   partner API
 *
 * Everything runs on the loop thread. With --seed N every generated id,
 * token and random choice is the same from run to run.
 */
#ifndef CG_SIM_CTX_H
#define CG_SIM_CTX_H

#include "base/rand.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct cg_router;
struct cg_http_client;

enum sim_side {
  SIM_CENTRA = 0,
  SIM_GXO = 1,
};

struct sim_opts {
  const char *centra_listen;      /* default 127.0.0.1:8081 */
  const char *gxo_listen;         /* default 127.0.0.1:8082 */
  uint64_t seed;                  /* 0 = random */
  const char *scenario;           /* JSON scenario file, or NULL */
  const char *centra_token;       /* bearer token; default "centra-dev-token" */
  const char *gxo_client_id;      /* default "centra-gxo" */
  const char *gxo_client_secret;  /* default "gxo-dev-secret" */
  const char *gxo_webhook_secret; /* default "gxo-webhook-secret" */
  const char *centra_webhook_secret; /* default "centra-webhook-secret" */
  const char *centra_webhook_url;    /* plugin callback target, or NULL */
  int centra_mutation_budget;        /* per 10 s; default 20 */
  int centra_request_budget;         /* per 10 s; default 500 */
  int centra_complexity_budget;      /* per 10 s; default 1500000 */
  int gxo_token_ttl_s;               /* default 3600 */
  /* Centra store settings (docs/sim-centra.md "Store settings"). */
  bool centra_autoconfirm;        /* new orders CONFIRMED; default on */
  bool centra_direct_to_shipment; /* PROCESSING + good-to-go shipment */
  /* The Centra GraphQL layer (a node child); NULL: "node" on PATH and the
   * files under CG_SOURCE_DIR. */
  const char *centra_node;
  const char *centra_gql_script; /* tests/sim/centra_gql.js */
  const char *centra_schema;     /* core/centra/centra-integration.graphql */
};

struct sim_ctx {
  uv_loop_t *loop;
  struct sim_opts opts;
  struct cg_rand rng;
  struct cg_http_client *http; /* for outgoing webhooks */
  struct sim_faults *faults;
  struct sim_calllog *calls;
  struct sim_centra *centra;
  struct sim_wms *wms;
  uint64_t counters[16]; /* sim_ctx_next_id */
  /* Added by sim_ctx.c's owner: sequence names and the webhook queue;
   * created lazily, freed by sim_ctx_fini. */
  struct sim_ctx_priv *priv;
};

/* Next value of a named sequence ("shipment", "parcel", ...), starting at
 * 1; deterministic. */
uint64_t sim_ctx_next_id(struct sim_ctx *ctx, const char *sequence);
/* Lowercase hex string of n random bytes from the seeded PRNG into out
 * (size >= 2n+1). */
char *sim_ctx_random_hex(struct sim_ctx *ctx, size_t n, char *out);

/* A webhook to deliver: POSTed with a signature header
 * "<sig_header>: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">" under secret.
 * Delivery retries with backoff on non-2xx (at-least-once), and the fault
 * layer may duplicate it or hold it back to deliver out of order. */
struct sim_webhook {
  const char *url;
  const char *secret;
  const char *sig_header; /* "X-Wms-Signature" or "X-Centra-Signature" */
  const char *content_type;
  const char *body;
  size_t body_len;
  enum sim_side side;
};

/* Queues a webhook (all fields copied). Returns 0 or CG_ENOMEM. */
int sim_webhook_send(struct sim_ctx *ctx, const struct sim_webhook *wh);
/* Deliveries attempted / succeeded / pending, for /_sim/calls. */
void sim_webhook_stats(const struct sim_ctx *ctx, cJSON *into);

/* --- process lifecycle (sim_main.c; also for tests embedding the sim) --- */

struct cg_http_exchange;

/* Fills opts with the documented defaults above. */
void sim_opts_defaults(struct sim_opts *opts);
/* Initializes ctx on loop (seeds the PRNG, creates the webhook client,
 * faults and call log). Partners are created by the caller. 0 or CG_ENOMEM
 * (then sim_ctx_fini cleans up what was made). */
int sim_ctx_init(struct sim_ctx *ctx, uv_loop_t *loop,
                 const struct sim_opts *opts);
/* Stops webhook deliveries (pending ones are dropped and counted), closes
 * the HTTP client and frees faults, call log and private state. The caller
 * then runs the loop until its handles are closed. */
void sim_ctx_fini(struct sim_ctx *ctx);
/* Partner code that answers 429/503 with a Retry-After header itself calls
 * this with the header value, so early repeats by the client count as
 * Retry-After violations in /_sim/calls. */
void sim_note_retry_after(struct sim_ctx *ctx,
                          const struct cg_http_exchange *ex,
                          const char *retry_after);

/* --- the partners: each side implements create/routes/scenario/destroy -- */

struct sim_centra *sim_centra_create(struct sim_ctx *ctx);
/* Adds POST /graphql and the /_sim/centra/... control routes. */
int sim_centra_routes(struct sim_centra *c, struct cg_router *r);
/* Seeds from a scenario document (see docs/simulator.md). 0 or CG_EINVAL
 * with a message on stderr. */
int sim_centra_load_scenario(struct sim_centra *c, const cJSON *scenario);
/* At close, before the Centra port's server goes: every /graphql request
 * not answered yet is answered 503 (one waiting for the GraphQL host is
 * let go: its reply only frees it). */
void sim_centra_release(struct sim_centra *c);
void sim_centra_destroy(struct sim_centra *c);

struct sim_wms *sim_wms_create(struct sim_ctx *ctx);
/* Adds /wms/v1/... and the /_sim/wms/... control routes. */
int sim_wms_routes(struct sim_wms *w, struct cg_router *r);
int sim_wms_load_scenario(struct sim_wms *w, const cJSON *scenario);
void sim_wms_destroy(struct sim_wms *w);

#endif
