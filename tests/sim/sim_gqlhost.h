/*
 * sim_gqlhost: the simulated Centra's GraphQL layer lives in one node child
 * process (tests/sim/centra_gql.js, graphql-js); this module starts it,
 * talks line-delimited JSON with it over a socket pair from the loop
 * thread, and stops it. Used only by sim_centra_http.c: the HTTP endpoint
 * waits for a reply on the loop (sim_gqlhost_call_async), so the
 * simulated warehouse answers while graphql-js works; a direct caller
 * (the simulator's own tests) blocks (sim_gqlhost_call).
 *
 *   sim_centra_http --(one JSON line)--> node centra_gql.js <schema>
 *                   <--(one JSON line)--
 *
 * When the child dies or stops answering, every later call fails at once
 * (one log line says so); the simulator answers 500 and keeps running.
 */
#ifndef CG_SIM_GQLHOST_H
#define CG_SIM_GQLHOST_H

#include <cjson/cJSON.h>
#include <uv.h>

struct sim_gqlhost;

/* Starts `node script schema`; node NULL means "node" on PATH, script and
 * schema NULL mean the copies under CG_SOURCE_DIR. Returns the host, or
 * NULL (logged) when the child cannot be started. */
struct sim_gqlhost *sim_gqlhost_start(const char *node, const char *script,
                                      const char *schema);
/* Sends msg as one line and reads the reply line. A reply {"answer": X}
 * comes back as the text of X in *answer (cg_free), as the child printed
 * it: not parsed and printed again; any other reply is parsed into *reply
 * (cJSON_Delete). Returns 0, or -1 when the child is gone, times out, or
 * answers junk. */
int sim_gqlhost_call(struct sim_gqlhost *h, const cJSON *msg, cJSON **reply,
                     char **answer);
/* The reply of an asynchronous call: rc, *reply and *answer as
 * sim_gqlhost_call gives them; reply and answer are done's to free. */
typedef void (*sim_gqlhost_done_fn)(int rc, cJSON *reply, char *answer,
                                    void *arg);
/* Sends msg as one line now and calls done from loop when the reply line
 * has come (or the child is gone or 30 s have passed: rc -1). One call at
 * a time, none while another waits; done is never called from within
 * this call nor after sim_gqlhost_stop. Returns 0, or -1 (done will not
 * be called) when the child is gone. */
int sim_gqlhost_call_async(struct sim_gqlhost *h, uv_loop_t *loop,
                           const cJSON *msg, sim_gqlhost_done_fn done,
                           void *arg);
/* A root field's value for an "exec" message: v cut to tree, the plan's
 * "needs" for its alias (what graphql-js can read of it: {name: 1 |
 * {...}}; anything but an object keeps all of v), printed now and held as
 * raw JSON, so v may be deleted and the stored state change afterwards.
 * NULL when out of memory. */
cJSON *sim_gqlhost_cut(const cJSON *v, const cJSON *tree);
/* Closes the socket, ends and reaps the child, frees h (once the loop has
 * closed its handles, when an asynchronous call was ever made). A call
 * waiting is dropped: its done is not called. NULL is a no-op. */
void sim_gqlhost_stop(struct sim_gqlhost *h);

#endif
