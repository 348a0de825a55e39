/*
 * centra_int: internals shared by the Centra client's files
 *   centra.c         client, budget gate, sending one GraphQL request
 *   centra_result.c  one HTTP answer -> one cg_call_result (pure)
 *   centra_ops.c     the query texts and the public operations
 * Not for use outside core/centra.
 */
#ifndef CG_CENTRA_INT_H
#define CG_CENTRA_INT_H

#include "net/call.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

/* Selections shared by several documents (centra_ops.c, centra_write.c). */
#define CG__CENTRA_SHIPMENT_FIELDS                                             \
  "id number externalId createdAt isGoodToGo isShipped isPaid isCaptured"      \
  " shippedAt trackingNumber returnTrackingNumber numberOfPackages"            \
  " carrierInformation { carrierName serviceName }"                            \
  " order { id number } lines { id quantity orderLine { id } }"

#define CG__CENTRA_SHIPMENT_FRAGMENT                                           \
  "fragment DtcShipment on DirectToConsumerShipment "                          \
  "{ " CG__CENTRA_SHIPMENT_FIELDS " }\n"

#define CG__CENTRA_PROBLEMS                                                    \
  "userErrors { message path } userWarnings { message path }"

struct cg_centra;
struct cg_http_result;

/* How to read one operation's answer. */
struct cg__centra_op {
  const char *name;  /* operationName, also in logs */
  const char *query; /* static GraphQL text; arguments are variables */
  const char *root;  /* the root field under "data" */
  bool mutation;     /* spends the mutation budget; has userErrors */
  /* Mutations: the payload field returned as data ("shipment"); NULL =
   * no data. Queries: ignored (data is the root field's value). */
  const char *pick;
};

/* Sends op with variables (taken: freed here in every case). Returns 0
 * (done fires later, exactly once) or CG_ENOMEM / CG_ECANCELED (done does
 * not fire). */
int cg__centra_call(struct cg_centra *c, const struct cg__centra_op *op,
                    cJSON *variables, cg_call_done_fn done, void *arg);

/* Sets the mutation bucket from a rateLimits array (MUTATION_COUNT over
 * TEN_SECONDS). Returns 0, or CG_EINVAL when the entry is missing. */
int cg__centra_apply_limits(struct cg_centra *c, const cJSON *limits);

/* Fills res (initialised here) from one answer to op. 200 + no errors +
 * empty userErrors -> OK (userWarnings, if any, in res->message); top-level
 * errors -> FAIL (code = extensions.category or "graphql"); userErrors ->
 * FAIL (code = path joined by '.'); 403 -> FAIL "token refused"; 429 ->
 * RETRY with retry_at_ms from Retry-After (relative to now_ms); 408/5xx/
 * transport/unreadable 200 -> RETRY; other statuses -> FAIL. */
void cg__centra_interpret(const struct cg__centra_op *op,
                          const struct cg_http_result *hr, int64_t now_ms,
                          struct cg_call_result *res);

/* How long every call waits after Centra refuses the token (403). */
#define CG__CENTRA_AUTH_RETRY_MS 60000

#endif
