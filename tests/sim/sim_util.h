/*
 * sim_util: small helpers every part of centra-gxo-sim uses: JSON request
 * bodies, JSON and RFC 9457 problem+json answers, a glob for fault rules,
 * a body hash for request identities, growable pointer arrays, and
 * references to stored JSON (answers printed without copying it first).
 * Everything runs on the loop thread.
 */
#ifndef CG_SIM_UTIL_H
#define CG_SIM_UTIL_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cg_http_exchange;

#define SIM_CONTAINER_OF(ptr, type, member)                                    \
  ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* Parses the request body as JSON into *out (caller frees with
 * cJSON_Delete). An empty body gives *out == NULL and 0. Returns CG_EINVAL
 * on malformed JSON. */
int sim_body_json(const struct cg_http_exchange *ex, cJSON **out);

/* Answers with doc printed compactly; doc is consumed (deleted) even when
 * printing fails (then the answer is 500). */
void sim_send_json(struct cg_http_exchange *ex, int status, cJSON *doc);

/* Builds an RFC 9457 problem document {type, title, status, detail, code,
 * errors[]} where errors holds one {pointer, code, message} when pointer is
 * not NULL. Returns NULL on allocation failure. */
cJSON *sim_problem(int status, const char *code, const char *detail,
                   const char *pointer);
/* Adds one {pointer, code, message} to a problem's errors[]. */
void sim_problem_add(cJSON *problem, const char *pointer, const char *code,
                     const char *message);
/* Answers application/problem+json with sim_problem(...). */
void sim_send_problem(struct cg_http_exchange *ex, int status, const char *code,
                      const char *detail, const char *pointer);
/* Reason phrase for a status ("Too Many Requests"). */
const char *sim_status_title(int status);

/* Glob match where '*' matches any run of characters (also '/'). */
bool sim_glob(const char *pattern, const char *s);

/* A growable array of owned pointers. */
struct sim_vec {
  void **v;
  size_t n;
  size_t cap;
};
/* Appends p; returns 0 or CG_ENOMEM (p is not taken on failure). */
int sim_vec_push(struct sim_vec *vec, void *p);
/* Frees the array (not the elements). */
void sim_vec_free(struct sim_vec *vec);

/* Adds a string member copied from src object (or null) to dst. */
void sim_json_copy(cJSON *dst, const cJSON *src, const char *key);

/* References instead of copies, for answers printed at once: they share
 * the stored text and members, so they must be printed (and deleted)
 * before the stored object changes, and nothing may be added inside a
 * referenced object or array (it would join the stored one).
 *
 * sim_json_ref: v as a reference (numbers, booleans and null are copied);
 * deleting it leaves v alone. sim_json_view: a new object whose members
 * are references to obj's members under the same keys, so members can be
 * replaced, added or dropped at its top level. NULL when out of memory. */
cJSON *sim_json_ref(const cJSON *v);
cJSON *sim_json_view(const cJSON *obj);

/* Trees of what an answer is cut to before printing ({name: 1 | subtree},
 * sim_gqlhost_cut; NULL or not an object: everything). Whether a cut
 * to tree keeps member key (named, or __typename), and the tree that
 * member is cut to (NULL: whole). */
bool sim_tree_keeps(const cJSON *tree, const char *key);
const cJSON *sim_tree_sub(const cJSON *tree, const char *key);
/* sim_json_view with only the members a cut to tree keeps: an answer
 * need not reference what its printing drops. */
cJSON *sim_json_view_cut(const cJSON *obj, const cJSON *tree);

/* An integer for a document printed at once: a raw item holding its
 * digits. Debian's cJSON prints every number through "%1.15g" and reads
 * it back with sscanf to check it, about a fifth of a page's CPU in the
 * stock reconcile bench; the text is the same. Not a number to cJSON
 * (cJSON_IsNumber is false): never for a value read back. NULL when out
 * of memory. */
cJSON *sim_json_int_text(int64_t v);
/* v itself, or its digits (sim_json_int_text) when v is an integral
 * number: for copies of values printed at once. */
cJSON *sim_json_ref_print(const cJSON *v);

#endif
